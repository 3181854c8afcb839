/* report.c: the score stage's self-contained HTML report (inline CSS and
 * SVG, no scripts, nothing fetched): the models, the population caveat and
 * the provenance first (report_provenance.c), then the models side by side
 * (positives, sensitivity, specificity; the recipe's false positives on
 * the Kermany test sets), per-set numbers, box plots, histograms, ROC
 * curves and confusion matrices, per model. */
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

/* The model's name as the report shows it. */
static const char *model_name(const score_plan *plan, size_t m)
{
    return plan->models[m].name && plan->models[m].name[0] ? plan->models[m].name : "model";
}

static void model_row(FILE *f, const score_plan *plan, size_t m)
{
    const score_model_info *mi = &plan->models[m];
    fputs("<tr><td>", f);
    esc(f, model_name(plan, m));
    fputs("</td><td><code>", f);
    esc(f, mi->path ? mi->path : "");
    fprintf(f, "</code></td><td><code>%s</code></td><td>%dx%dx%d</td><td>%s%s</td>"
               "<td>%s</td></tr>\n", mi->sha256, mi->height, mi->width, mi->channels,
            mi->classes == 1 ? "one sigmoid output (the probability of class 1)"
                             : "2 classes",
            mi->softmax || mi->classes == 1 ? "" : " (softmax applied to the logits)",
            mi->backend);
}

static void header(FILE *f, const char *config_file, const char *hash,
                   const score_plan *plan)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>cxrprep score report</title>\n<style>body{font-family:sans-serif;"
          "max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;"
          "margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;"
          "font-size:13px}.caveat{border:2px solid #c0392b;background:#fdecea;padding:"
          "0 1em}.charts{display:flex;flex-wrap:wrap;gap:12px}.grid{display:grid;gap:12px;"
          "justify-content:start}figure{margin:0}figcaption{font-size:12px}"
          "code{font-size:12px}</style></head><body>\n"
          "<h1>cxrprep score report</h1>\n", f);
    fprintf(f, "<p>Score = probability of class %d; POSITIVE when score &ge; %.3f. Config "
               "<code>", plan->models[0].positive_index, plan->threshold);
    esc(f, config_file);
    fprintf(f, "</code>, score section hash <code>%.16s</code>, cxrprep %s.</p>\n", hash,
            CXR_VERSION);
    fputs("<table class=\"models\"><tr><th>model</th><th>file</th><th>sha256</th>"
          "<th>input</th><th>output</th><th>backend</th></tr>\n", f);
    for (size_t m = 0; m < plan->nmodels; m++)
        model_row(f, plan, m);
    fputs("</table>\n", f);
}

static void set_sources(FILE *f, const score_plan *plan, const score_stats *st)
{
    fputs("<h2 id=\"sets-read\">Sets</h2>\n<table><tr><th>set</th><th>truth</th>"
          "<th>source</th><th>read from</th><th>scored</th><th>failed</th></tr>\n", f);
    for (size_t s = 0; s < plan->nsets; s++) {
        fputs("<tr><td>", f);
        esc(f, plan->sets[s].name);
        fprintf(f, "</td><td>%s</td><td>", cxr_score_truth_name(plan->sets[s].truth));
        esc(f, plan->sets[s].source[0] ? plan->sets[s].source : "(not stated)");
        fputs("</td><td><code>", f);
        esc(f, plan->sets[s].origin ? plan->sets[s].origin : "");
        fprintf(f, "</code></td><td>%zu</td><td>%zu</td></tr>\n", st[0].sets[s].n,
                st[0].sets[s].failed);
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

/* The models' header cells, one per model. */
static void model_headers(FILE *f, const score_plan *plan, const char *what)
{
    for (size_t m = 0; m < plan->nmodels; m++) {
        fputs("<th>", f);
        esc(f, model_name(plan, m));
        fprintf(f, ": %s</th>", what);
    }
}

/* Positives, sensitivity and specificity of every set, the models side by
 * side (the intervals are in the table of scores per set). */
static void side_by_side(FILE *f, const score_plan *plan, const score_stats *st)
{
    fputs("<h2 id=\"models\">Models side by side</h2>\n<table class=\"side-by-side\"><tr>"
          "<th>set</th><th>truth</th>", f);
    model_headers(f, plan, "positives");
    model_headers(f, plan, "sensitivity");
    model_headers(f, plan, "specificity");
    fputs("</tr>\n", f);
    for (size_t s = 0; s < plan->nsets; s++) {
        fputs("<tr><td>", f);
        esc(f, plan->sets[s].name);
        fprintf(f, "</td><td>%s</td>", cxr_score_truth_name(plan->sets[s].truth));
        for (size_t m = 0; m < plan->nmodels; m++)
            fprintf(f, "<td>%zu of %zu</td>", st[m].sets[s].positives, st[m].sets[s].n);
        for (int k = 0; k < 2; k++)
            for (size_t m = 0; m < plan->nmodels; m++) {
                const score_set_stats *ss = &st[m].sets[s];
                int want = k == 0 ? plan->sets[s].truth == SCORE_TRUTH_POSITIVE
                                  : plan->sets[s].truth == SCORE_TRUTH_NEGATIVE;
                const cxr_proportion *p = k == 0 ? &ss->conf.sensitivity
                                                 : &ss->conf.specificity;
                if (ss->has_truth && want && p->den)
                    fprintf(f, "<td>%.3f (%zu/%zu)</td>", p->value, p->num, p->den);
                else
                    fputs("<td>&ndash;</td>", f);
            }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* A set read from the archive's test split ("archive <url>: test/<class>"). */
static int kermany_test(const score_set *set)
{
    const char *colon = set->origin ? strstr(set->origin, ": test/") : NULL;
    return set->origin && strncmp(set->origin, "archive ", 8) == 0 && colon;
}

/* The recipe's comparison: false positives on each Kermany test set. */
static void recipe_comparison(FILE *f, const score_plan *plan, const score_stats *st)
{
    size_t shown = 0;

    fputs("<h2 id=\"recipe\">False positives on the Kermany test sets</h2>\n<p>The recipe "
          "compared its models by the images of the Kermany test folders (no COVID-19 "
          "among them) that each called COVID-19.</p>\n<table class=\"recipe\"><tr>"
          "<th>set</th>", f);
    model_headers(f, plan, "false positives");
    fputs("</tr>\n", f);
    for (size_t s = 0; s < plan->nsets; s++) {
        if (!kermany_test(&plan->sets[s]) || plan->sets[s].truth != SCORE_TRUTH_NEGATIVE)
            continue;
        shown++;
        fputs("<tr><td>", f);
        esc(f, plan->sets[s].name);
        fputs("</td>", f);
        for (size_t m = 0; m < plan->nmodels; m++) {
            const score_set_stats *ss = &st[m].sets[s];
            fprintf(f, "<td>%zu of %zu", ss->positives, ss->n);
            if (ss->n)
                fprintf(f, " (%.1f%%)", 100.0 * (double)ss->positives / (double)ss->n);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    if (!shown)
        fputs("<p>No set of negative truth is read from the archive's test split.</p>\n", f);
}

static void numbers(FILE *f, const score_plan *plan, const score_stats *st)
{
    fputs("<h2 id=\"sets\">Scores per set</h2>\n<table><tr><th>set</th><th>model</th><th>n</th>"
          "<th>predicted positive</th><th>mean</th><th>median</th><th>q1</th><th>q3</th>"
          "<th>min</th><th>max</th><th>sensitivity</th><th>specificity</th></tr>\n", f);
    for (size_t s = 0; s < plan->nsets; s++)
        for (size_t m = 0; m < plan->nmodels; m++) {
            const score_set_stats *ss = &st[m].sets[s];
            double v[6] = {ss->d.mean, ss->d.median, ss->d.q1, ss->d.q3, ss->d.min,
                           ss->d.max};
            fputs("<tr><td>", f);
            esc(f, plan->sets[s].name);
            fputs("</td><td>", f);
            esc(f, model_name(plan, m));
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

/* "set" or, with several models, "set: model" (malloc'd). */
static char *row_label(const score_plan *plan, size_t s, size_t m)
{
    const char *set = plan->sets[s].name, *model = model_name(plan, m);
    size_t len = strlen(set) + strlen(model) + 4;
    char *out = malloc(len);
    if (out && plan->nmodels > 1)
        snprintf(out, len, "%s: %s", set, model);
    else if (out)
        snprintf(out, len, "%s", set);
    return out;
}

/* One box per set and model, the models of a set next to each other. */
static cxr_status boxplots(FILE *f, const score_plan *plan, const score_stats *st,
                           cxr_error *err)
{
    size_t n = plan->nsets * plan->nmodels, ok = 1;
    char **labels = calloc(n + 1, sizeof(*labels));
    cxr_describe *d = calloc(n + 1, sizeof(*d));
    size_t *colours = calloc(n + 1, sizeof(*colours));

    ok = labels && d && colours;
    for (size_t s = 0; ok && s < plan->nsets; s++)
        for (size_t m = 0; ok && m < plan->nmodels; m++) {
            size_t r = s * plan->nmodels + m;
            ok = (labels[r] = row_label(plan, s, m)) != NULL;
            d[r] = st[m].sets[s].d;
            colours[r] = plan->nmodels > 1 ? m : s;
        }
    if (ok)
        cxr_svg_boxplots(f, (const char *const *)labels, d, colours, n, plan->threshold);
    for (size_t r = 0; labels && r < n; r++)
        free(labels[r]);
    free(labels);
    free(d);
    free(colours);
    return ok ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory writing the report");
}

/* Histograms in an even grid: one row per set with a column per model, or
 * three columns for one model. */
static cxr_status distributions(FILE *f, const score_plan *plan, const score_stats *st,
                                cxr_error *err)
{
    size_t cols = plan->nmodels > 1 ? plan->nmodels : 3;
    cxr_status rc;

    fputs("<h2 id=\"distributions\">Score distributions</h2>\n", f);
    rc = boxplots(f, plan, st, err);
    if (rc != CXR_OK)
        return rc;
    fprintf(f, "<div class=\"grid histograms\" style=\"grid-template-columns:repeat(%zu,"
               "320px)\">\n", cols);
    for (size_t s = 0; s < plan->nsets; s++)
        for (size_t m = 0; m < plan->nmodels; m++) {
            char *label = row_label(plan, s, m);
            if (!label)
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory writing the report");
            fputs("<figure>", f);
            cxr_svg_histogram(f, label, st[m].sets[s].hist, st[m].nbins, plan->threshold,
                              plan->nmodels > 1 ? m : s);
            fputs("<figcaption>", f);
            esc(f, label);
            fprintf(f, ": %zu images, %d bins; dashed line: threshold</figcaption>"
                       "</figure>\n", st[m].sets[s].n, st[m].nbins);
            free(label);
        }
    fputs("</div>\n", f);
    return CXR_OK;
}

static void comparison_table(FILE *f, const score_plan *plan, const score_stats *st)
{
    fputs("<table><tr><th>model</th><th>comparison</th><th>ROC AUC (95% CI)</th>"
          "<th>sensitivity</th><th>specificity</th></tr>\n", f);
    for (size_t m = 0; m < plan->nmodels; m++)
        for (size_t c = 0; c < st[m].ncmp; c++) {
            const score_comparison *cmp = &st[m].cmp[c];
            fputs("<tr><td>", f);
            esc(f, model_name(plan, m));
            fputs("</td><td>", f);
            esc(f, cmp->label);
            fputs("</td><td>", f);
            fnum(f, cmp->auc);
            fputs(" (", f);
            fnum(f, cmp->lo);
            fputs("&ndash;", f);
            fnum(f, cmp->hi);
            fputs(")</td><td>", f);
            fprop(f, &cmp->conf.sensitivity);
            fputs("</td><td>", f);
            fprop(f, &cmp->conf.specificity);
            fputs("</td></tr>\n", f);
        }
    fputs("</table>\n", f);
}

/* One ROC chart per model, side by side. */
static cxr_status roc_charts(FILE *f, const score_plan *plan, const score_stats *st,
                             cxr_error *err)
{
    fputs("<div class=\"charts roc-charts\">\n", f);
    for (size_t m = 0; m < plan->nmodels; m++) {
        cxr_svg_roc_series *series = calloc(st[m].ncmp + 1, sizeof(*series));
        char title[256];
        if (!series)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory writing the report");
        for (size_t c = 0; c < st[m].ncmp; c++)
            series[c] = (cxr_svg_roc_series){st[m].cmp[c].label, st[m].cmp[c].fpr,
                                             st[m].cmp[c].tpr, st[m].cmp[c].npoints,
                                             st[m].cmp[c].auc};
        snprintf(title, sizeof(title), "ROC curves: %s", model_name(plan, m));
        fputs("<figure>", f);
        cxr_svg_roc(f, title, series, st[m].ncmp);
        fputs("<figcaption>", f);
        esc(f, title);
        fputs("</figcaption></figure>\n", f);
        free(series);
    }
    fputs("</div>\n", f);
    return CXR_OK;
}

static cxr_status comparisons(FILE *f, const score_plan *plan, const score_stats *st,
                              cxr_error *err)
{
    cxr_status rc;

    fputs("<h2 id=\"roc\">Positive sets against negative sets</h2>\n", f);
    if (st[0].ncmp == 0) {
        fputs("<p>No comparison: it needs a set of positive and a set of negative truth "
              "with scored images.</p>\n", f);
        return CXR_OK;
    }
    fprintf(f, "<p>AUC intervals: percentile bootstrap, %d stratified resamples, seed %lld."
               "</p>\n", st[0].bootstrap, st[0].seed);
    comparison_table(f, plan, st);
    rc = roc_charts(f, plan, st, err);
    if (rc != CXR_OK)
        return rc;
    fputs("<h3>Confusion matrices</h3>\n<div class=\"charts\">\n", f);
    for (size_t m = 0; m < plan->nmodels; m++)
        for (size_t c = 0; c < st[m].ncmp; c++) {
            fputs("<figure>", f);
            cxr_svg_confusion(f, st[m].cmp[c].label, &st[m].cmp[c].conf);
            fputs("<figcaption>", f);
            if (plan->nmodels > 1) {
                esc(f, model_name(plan, m));
                fputs(": ", f);
            }
            esc(f, st[m].cmp[c].label);
            fputs("</figcaption></figure>\n", f);
        }
    fputs("</div>\n", f);
    return CXR_OK;
}

cxr_status cxr_score_report_write(const char *path, const cxr_config *conf,
                                  const cxr_score_settings *s, const score_plan *plan,
                                  const score_stats *st, cxr_error *err)
{
    const char *config_file = s->common.config_file ? s->common.config_file : "";
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
    header(af.fp, config_file, hash, plan);
    caveat(af.fp, plan);
    rc = cxr_score_report_provenance(af.fp, conf, s, plan, err);
    if (rc == CXR_OK) {
        set_sources(af.fp, plan, st);
        side_by_side(af.fp, plan, st);
        recipe_comparison(af.fp, plan, st);
        numbers(af.fp, plan, st);
        rc = distributions(af.fp, plan, st, err);
    }
    if (rc == CXR_OK)
        rc = comparisons(af.fp, plan, st, err);
    fputs("</body></html>\n", af.fp);
    if (rc == CXR_OK && ferror(af.fp))
        rc = cxr_fail(err, CXR_ERR_IO, "cannot write the report '%s'", path);
    if (rc != CXR_OK) {
        cxr_atomic_abort(&af);
        return rc;
    }
    return cxr_atomic_commit(&af, err);
}
