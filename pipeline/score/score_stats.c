/* score_stats.c: the score stage's statistics from a finished plan: per
 * set (describe, histogram, predicted positives, confusion when the truth
 * is known) and per comparison of a positive set with a negative set (ROC
 * curve, AUC with its bootstrap interval, confusion), plus all positive
 * sets against all negative sets pooled when there is more than one pair. */
#include "score_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cxr_status set_stats(const score_plan *plan, size_t s, size_t m, int nbins,
                            score_set_stats *out, cxr_error *err)
{
    const score_set *set = &plan->sets[s];
    cxr_status st;

    out->scores = malloc((set->count + 1) * sizeof(double));
    out->truth = malloc(set->count + 1);
    out->hist = calloc((size_t)nbins, sizeof(size_t));
    if (!out->scores || !out->truth || !out->hist)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for statistics");
    for (size_t i = set->first; i < set->first + set->count; i++) {
        const score_result *r = &plan->items[i].res[m];
        if (!r->done) {
            out->failed++;
            continue;
        }
        out->truth[out->n] = set->truth == SCORE_TRUTH_POSITIVE;
        out->scores[out->n++] = r->score;
        out->positives += cxr_score_is_positive(r->score, plan->threshold);
    }
    st = cxr_stats_describe(out->scores, out->n, &out->d, err);
    if (st == CXR_OK)
        st = cxr_stats_histogram(out->scores, out->n, nbins, out->hist, err);
    out->has_truth = set->truth != SCORE_TRUTH_UNKNOWN;
    if (out->has_truth)
        cxr_stats_confusion(out->scores, out->truth, out->n, plan->threshold, &out->conf);
    return st;
}

/* One comparison: a positive set's and a negative set's scores together, or
 * every set of known truth when pos is SCORE_POOLED. */
static cxr_status compare(const score_plan *plan, score_stats *st, size_t pos, size_t neg,
                          score_comparison *c, cxr_error *err)
{
    size_t total = 0, k = 0, len;
    double *sc;
    unsigned char *tr;
    cxr_status rc;

    for (size_t s = 0; s < st->nsets; s++) {
        int want = s == pos || s == neg ||
                   (pos == SCORE_POOLED && plan->sets[s].truth != SCORE_TRUTH_UNKNOWN);
        total += want ? st->sets[s].n : 0;
    }
    sc = malloc((total + 1) * sizeof(double));
    tr = malloc(total + 1);
    if (!sc || !tr) {
        free(sc), free(tr);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for statistics");
    }
    for (size_t s = 0; s < st->nsets; s++) {
        int want = s == pos || s == neg ||
                   (pos == SCORE_POOLED && plan->sets[s].truth != SCORE_TRUTH_UNKNOWN);
        if (!want)
            continue;
        memcpy(sc + k, st->sets[s].scores, st->sets[s].n * sizeof(double));
        memcpy(tr + k, st->sets[s].truth, st->sets[s].n);
        k += st->sets[s].n;
    }
    c->pos_set = pos;
    c->neg_set = neg;
    len = pos == SCORE_POOLED ? 64 : strlen(plan->sets[pos].name) + strlen(plan->sets[neg].name) + 8;
    c->label = malloc(len);
    if (c->label && pos == SCORE_POOLED)
        snprintf(c->label, len, "all positive sets vs all negative sets");
    else if (c->label)
        snprintf(c->label, len, "%s vs %s", plan->sets[pos].name, plan->sets[neg].name);
    if (!c->label) {
        free(sc), free(tr);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for statistics");
    }
    cxr_stats_confusion(sc, tr, total, plan->threshold, &c->conf);
    rc = cxr_stats_auc(sc, tr, total, &c->auc, err);
    if (rc == CXR_OK)
        rc = cxr_stats_auc_bootstrap(sc, tr, total, st->bootstrap, st->seed, c->label,
                                     &c->lo, &c->hi, err);
    if (rc == CXR_OK)
        rc = cxr_stats_roc(sc, tr, total, &c->fpr, &c->tpr, &c->npoints, err);
    free(sc);
    free(tr);
    return rc;
}

static cxr_status add_comparisons(const score_plan *plan, score_stats *st, cxr_error *err)
{
    size_t npos = 0, nneg = 0;
    cxr_status rc = CXR_OK;

    for (size_t s = 0; s < plan->nsets; s++) {
        npos += plan->sets[s].truth == SCORE_TRUTH_POSITIVE && st->sets[s].n;
        nneg += plan->sets[s].truth == SCORE_TRUTH_NEGATIVE && st->sets[s].n;
    }
    st->cmp = calloc(npos * nneg + 1, sizeof(*st->cmp));
    if (!st->cmp)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for statistics");
    for (size_t p = 0; rc == CXR_OK && p < plan->nsets; p++) {
        if (plan->sets[p].truth != SCORE_TRUTH_POSITIVE || !st->sets[p].n)
            continue;
        for (size_t q = 0; rc == CXR_OK && q < plan->nsets; q++)
            if (plan->sets[q].truth == SCORE_TRUTH_NEGATIVE && st->sets[q].n)
                rc = compare(plan, st, p, q, &st->cmp[st->ncmp++], err);
    }
    if (rc == CXR_OK && npos * nneg > 1)
        rc = compare(plan, st, SCORE_POOLED, SCORE_POOLED, &st->cmp[st->ncmp++], err);
    return rc;
}

cxr_status cxr_score_set_center(const score_plan *plan, size_t set, size_t m, double *mean,
                                double *median, cxr_error *err)
{
    const score_set *s = &plan->sets[set];
    double *x = malloc((s->count + 1) * sizeof(*x));
    size_t n = 0;
    cxr_describe d;
    cxr_status st;

    if (!x)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for statistics");
    for (size_t i = s->first; i < s->first + s->count; i++)
        if (plan->items[i].res[m].done)
            x[n++] = plan->items[i].res[m].score;
    st = cxr_stats_describe(x, n, &d, err);
    free(x);
    *mean = st == CXR_OK ? d.mean : NAN;
    *median = st == CXR_OK ? d.median : NAN;
    return st;
}

cxr_status cxr_score_stats_compute(const score_plan *plan, size_t m, int nbins, int bootstrap,
                                   long long seed, score_stats *st, cxr_error *err)
{
    cxr_status rc = CXR_OK;

    memset(st, 0, sizeof(*st));
    st->nbins = nbins;
    st->bootstrap = bootstrap;
    st->seed = seed;
    st->sets = calloc(plan->nsets + 1, sizeof(*st->sets));
    if (!st->sets)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for statistics");
    st->nsets = plan->nsets;
    for (size_t s = 0; rc == CXR_OK && s < plan->nsets; s++)
        rc = set_stats(plan, s, m, nbins, &st->sets[s], err);
    if (rc == CXR_OK)
        rc = add_comparisons(plan, st, err);
    if (rc != CXR_OK)
        cxr_score_stats_release(st);
    return rc;
}

void cxr_score_stats_release(score_stats *st)
{
    if (!st)
        return;
    for (size_t s = 0; s < st->nsets; s++) {
        free(st->sets[s].scores);
        free(st->sets[s].truth);
        free(st->sets[s].hist);
    }
    for (size_t c = 0; c < st->ncmp; c++) {
        free(st->cmp[c].label);
        free(st->cmp[c].fpr);
        free(st->cmp[c].tpr);
    }
    free(st->sets);
    free(st->cmp);
    memset(st, 0, sizeof(*st));
}
