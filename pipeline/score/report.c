/* report.c: the score stage's self-contained HTML report (inline CSS and
 * SVG, no scripts, nothing fetched): provenance and the population caveat
 * first, then per-set numbers, box plots, histograms, confusion matrices
 * and ROC curves. */
#include "score_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "report_svg.h"

static void esc(FILE *f, const char *s)
{
    cxr_html_escape(f, s);
}

static void fnum(FILE *f, double x)
{
    if (isnan(x))
        fputs("&ndash;", f);
    else
        fprintf(f, "%.3f", x);
}

static void fprop(FILE *f, const cxr_proportion *p)
{
    if (p->den == 0) {
        fputs("&ndash;", f);
        return;
    }
    fprintf(f, "%.3f (%zu/%zu; 95%% CI %.3f&ndash;%.3f)", p->value, p->num, p->den, p->lo,
            p->hi);
}

/* What the report knows of the usual sources' populations. */
static const char *population(const char *source)
{
    if (strcmp(source, "ieee8023") == 0)
        return "ieee8023 covid-chestxray-dataset: mostly adults; many images are figures "
               "taken from papers and web sites (cropped, rescaled, re-compressed, some "
               "with arrows or text)";
    if (strcmp(source, "kermany") == 0)
        return "Kermany 2018 (Guangzhou Women and Children's Medical Center): paediatric "
               "patients aged one to five, scanned at one hospital";
    return NULL;
}

/* The sources of the sets of one truth, comma separated, into buf. */
static void sources_of(const score_plan *plan, int truth, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t s = 0; s < plan->nsets; s++) {
        const char *src = plan->sets[s].source[0] ? plan->sets[s].source : "(not stated)";
        int seen = 0;
        if (plan->sets[s].truth != truth)
            continue;
        for (size_t t = 0; t < s; t++)
            seen |= plan->sets[t].truth == truth && strcmp(plan->sets[t].source,
                                                           plan->sets[s].source) == 0;
        if (!seen)
            snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "", src);
    }
}

static void caveat(FILE *f, const score_plan *plan)
{
    char pos[512], neg[512];
    sources_of(plan, SCORE_TRUTH_POSITIVE, pos, sizeof(pos));
    sources_of(plan, SCORE_TRUTH_NEGATIVE, neg, sizeof(neg));
    fputs("<section class=\"caveat\" id=\"caveat\"><h2>Read this first: the classes come "
          "from different populations</h2>\n<p>", f);
    if (pos[0] && neg[0] && strcmp(pos, neg) != 0) {
        fputs("The positive images come from <b>", f);
        esc(f, pos);
        fputs("</b>; the negative images come from <b>", f);
        esc(f, neg);
        fputs("</b>. ", f);
    }
    fputs("In the recipe these datasets rebuild, the COVID-19 images are adult chest X-rays "
          "from the ieee8023 collection, many of them figures from papers, and the normal "
          "and pneumonia images are paediatric X-rays from Kermany et al. A model trained "
          "on them can learn to tell the <b>source</b> apart (age and body size, hospital, "
          "scanner, image processing, compression, marks on figures) instead of the "
          "<b>disease</b>. High scores and a high AUC here do not show that the model "
          "detects COVID-19; they are equally explained by it recognising where an image "
          "came from. Do not use these numbers as evidence of diagnostic accuracy.</p>\n<ul>",
          f);
    for (size_t s = 0; s < plan->nsets; s++) {
        const char *pop = population(plan->sets[s].source);
        int seen = 0;
        for (size_t t = 0; t < s; t++)
            seen |= strcmp(plan->sets[t].source, plan->sets[s].source) == 0;
        if (pop && !seen) {
            fputs("<li>", f);
            esc(f, pop);
            fputs("</li>", f);
        }
    }
    fputs("</ul></section>\n", f);
}

static void header(FILE *f, const char *config_file, const char *hash,
                   const score_plan *plan)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>cxrprep score report</title>\n<style>body{font-family:sans-serif;"
          "max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;"
          "margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;"
          "font-size:13px}.caveat{border:2px solid #c0392b;background:#fdecea;padding:"
          "0 1em}.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}"
          "figcaption{font-size:12px}code{font-size:12px}</style></head><body>\n"
          "<h1>cxrprep score report</h1>\n", f);
    fputs("<p>Model <code>", f);
    esc(f, plan->model.path ? plan->model.path : "");
    fprintf(f, "</code> (sha256 <code>%s</code>), input %dx%dx%d, %s, score = "
               "probability of class %d%s; POSITIVE when score &ge; %.3f. Backend %s. "
               "Config <code>", plan->model.sha256, plan->model.height, plan->model.width,
            plan->model.channels,
            plan->model.classes == 1 ? "one sigmoid output (the probability of class 1)"
                                     : "2 classes",
            plan->model.positive_index,
            plan->model.softmax || plan->model.classes == 1
                ? "" : " (softmax applied to the model's logits)",
            plan->threshold, plan->model.backend);
    esc(f, config_file);
    fprintf(f, "</code>, score section hash <code>%.16s</code>, cxrprep %s.</p>\n", hash,
            CXR_VERSION);
}

static void provenance(FILE *f, const score_plan *plan, const score_stats *st)
{
    fputs("<h2 id=\"provenance\">Provenance</h2>\n<table><tr><th>set</th><th>truth</th>"
          "<th>source</th><th>read from</th><th>scored</th><th>failed</th></tr>\n", f);
    for (size_t s = 0; s < plan->nsets; s++) {
        fputs("<tr><td>", f);
        esc(f, plan->sets[s].name);
        fprintf(f, "</td><td>%s</td><td>", cxr_score_truth_name(plan->sets[s].truth));
        esc(f, plan->sets[s].source[0] ? plan->sets[s].source : "(not stated)");
        fputs("</td><td><code>", f);
        esc(f, plan->sets[s].origin ? plan->sets[s].origin : "");
        fprintf(f, "</code></td><td>%zu</td><td>%zu</td></tr>\n", st->sets[s].n,
                st->sets[s].failed);
    }
    fputs("</table>\n", f);
}

/* One table cell per value, "&ndash;" for NaN. */
static void cells(FILE *f, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputs("<td>", f);
        fnum(f, v[i]);
        fputs("</td>", f);
    }
}

static void numbers(FILE *f, const score_plan *plan, const score_stats *st)
{
    fputs("<h2 id=\"sets\">Scores per set</h2>\n<table><tr><th>set</th><th>n</th>"
          "<th>predicted positive</th><th>mean</th><th>median</th><th>q1</th><th>q3</th>"
          "<th>min</th><th>max</th><th>sensitivity</th><th>specificity</th></tr>\n", f);
    for (size_t s = 0; s < plan->nsets; s++) {
        const score_set_stats *ss = &st->sets[s];
        double v[6] = {ss->d.mean, ss->d.median, ss->d.q1, ss->d.q3, ss->d.min, ss->d.max};
        fputs("<tr><td>", f);
        esc(f, plan->sets[s].name);
        fprintf(f, "</td><td>%zu</td><td>%zu</td>", ss->n, ss->positives);
        cells(f, v, 6);
        fputs("<td>", f);
        if (ss->has_truth)
            fprop(f, &ss->conf.sensitivity);
        fputs("</td><td>", f);
        if (ss->has_truth)
            fprop(f, &ss->conf.specificity);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static cxr_status distributions(FILE *f, const score_plan *plan, const score_stats *st,
                                cxr_error *err)
{
    const char **names = calloc(plan->nsets + 1, sizeof(*names));
    cxr_describe *d = calloc(plan->nsets + 1, sizeof(*d));

    if (!names || !d) {
        free(names);
        free(d);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory writing the report");
    }
    fputs("<h2 id=\"distributions\">Score distributions</h2>\n", f);
    for (size_t s = 0; s < plan->nsets; s++) {
        names[s] = plan->sets[s].name;
        d[s] = st->sets[s].d;
    }
    cxr_svg_boxplots(f, names, d, plan->nsets, plan->threshold);
    free(names);
    free(d);
    fputs("<div class=\"charts\">\n", f);
    for (size_t s = 0; s < plan->nsets; s++) {
        fputs("<figure>", f);
        cxr_svg_histogram(f, plan->sets[s].name, st->sets[s].hist, st->nbins,
                          plan->threshold, s);
        fputs("<figcaption>", f);
        esc(f, plan->sets[s].name);
        fprintf(f, ": %zu images, %d bins; dashed line: threshold</figcaption></figure>\n",
                st->sets[s].n, st->nbins);
    }
    fputs("</div>\n", f);
    return CXR_OK;
}

static cxr_status comparisons(FILE *f, const score_stats *st, cxr_error *err)
{
    cxr_svg_roc_series *series;

    fputs("<h2 id=\"roc\">Positive sets against negative sets</h2>\n", f);
    if (st->ncmp == 0) {
        fputs("<p>No comparison: it needs a set of positive and a set of negative truth "
              "with scored images.</p>\n", f);
        return CXR_OK;
    }
    fprintf(f, "<p>AUC intervals: percentile bootstrap, %d stratified resamples, seed %lld."
               "</p>\n<table><tr><th>comparison</th><th>ROC AUC (95%% CI)</th>"
               "<th>sensitivity</th><th>specificity</th></tr>\n", st->bootstrap, st->seed);
    for (size_t c = 0; c < st->ncmp; c++) {
        fputs("<tr><td>", f);
        esc(f, st->cmp[c].label);
        fputs("</td><td>", f);
        fnum(f, st->cmp[c].auc);
        fputs(" (", f);
        fnum(f, st->cmp[c].lo);
        fputs("&ndash;", f);
        fnum(f, st->cmp[c].hi);
        fputs(")</td><td>", f);
        fprop(f, &st->cmp[c].conf.sensitivity);
        fputs("</td><td>", f);
        fprop(f, &st->cmp[c].conf.specificity);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    series = calloc(st->ncmp, sizeof(*series));
    if (!series)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory writing the report");
    for (size_t c = 0; c < st->ncmp; c++)
        series[c] = (cxr_svg_roc_series){st->cmp[c].label, st->cmp[c].fpr, st->cmp[c].tpr,
                                         st->cmp[c].npoints, st->cmp[c].auc};
    cxr_svg_roc(f, series, st->ncmp);
    free(series);
    fputs("<h3>Confusion matrices</h3>\n<div class=\"charts\">\n", f);
    for (size_t c = 0; c < st->ncmp; c++) {
        fputs("<figure>", f);
        cxr_svg_confusion(f, st->cmp[c].label, &st->cmp[c].conf);
        fputs("<figcaption>", f);
        esc(f, st->cmp[c].label);
        fputs("</figcaption></figure>\n", f);
    }
    fputs("</div>\n", f);
    return CXR_OK;
}

cxr_status cxr_score_report_write(const char *path, const cxr_config *conf,
                              const char *config_file, const score_plan *plan,
                              const score_stats *st, cxr_error *err)
{
    char hash[CXR_SHA256_HEX] = "";
    cxr_atomic_file af;
    cxr_status rc;

    cxr_config_hash(conf, "score", hash); /* empty when out of memory */
    if (!hash[0])
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    memset(&af, 0, sizeof(af));
    rc = cxr_atomic_open(&af, path, err);
    if (rc != CXR_OK)
        return rc;
    header(af.fp, config_file ? config_file : "", hash, plan);
    caveat(af.fp, plan);
    provenance(af.fp, plan, st);
    numbers(af.fp, plan, st);
    rc = distributions(af.fp, plan, st, err);
    if (rc == CXR_OK)
        rc = comparisons(af.fp, st, err);
    fputs("</body></html>\n", af.fp);
    if (rc == CXR_OK && ferror(af.fp))
        rc = cxr_fail(err, CXR_ERR_IO, "cannot write the report '%s'", path);
    if (rc != CXR_OK) {
        cxr_atomic_abort(&af);
        return rc;
    }
    return cxr_atomic_commit(&af, err);
}
