/* stats_binary.c: statistics of labelled scores: confusion matrix,
 * Wilson intervals, ROC curve, AUC (Mann-Whitney, midranks) and its
 * stratified percentile bootstrap interval. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "score_rule.h"

#define Z95 1.959963984540054

void cxr_stats_wilson(size_t num, size_t den, cxr_proportion *out)
{
    double n = (double)den, p, z2, centre, half, denom;

    out->num = num;
    out->den = den;
    if (den == 0) {
        out->value = out->lo = out->hi = NAN;
        return;
    }
    p = (double)num / n;
    z2 = Z95 * Z95;
    denom = 1.0 + z2 / n;
    centre = (p + z2 / (2.0 * n)) / denom;
    half = Z95 * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;
    out->value = p;
    out->lo = centre - half < 0.0 ? 0.0 : centre - half;
    out->hi = centre + half > 1.0 ? 1.0 : centre + half;
}

void cxr_stats_confusion(const double *score, const unsigned char *truth, size_t n,
                         double threshold, cxr_confusion *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        int pred = cxr_score_is_positive(score[i], threshold);
        if (truth[i]) {
            if (pred)
                out->tp++;
            else
                out->fn++;
        } else if (pred) {
            out->fp++;
        } else {
            out->tn++;
        }
    }
    cxr_stats_wilson(out->tp, out->tp + out->fn, &out->sensitivity);
    cxr_stats_wilson(out->tn, out->tn + out->fp, &out->specificity);
}

typedef struct scored {
    double score;
    unsigned char truth;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return (x > y) - (x < y);
}

/* AUC from (score, truth) pairs sorted ascending by score: the midrank sum
 * of the positives (Mann-Whitney U). */
static double auc_sorted(const scored *s, size_t n)
{
    double rank_sum = 0, npos = 0, nneg;
    size_t i = 0;

    while (i < n) {
        size_t j = i, pos_in_tie = 0;
        while (j < n && s[j].score == s[i].score)
            pos_in_tie += s[j++].truth;
        /* ranks i+1 .. j share the midrank */
        rank_sum += (double)pos_in_tie * ((double)(i + 1) + (double)j) / 2.0;
        npos += (double)pos_in_tie;
        i = j;
    }
    nneg = (double)n - npos;
    if (npos == 0 || nneg == 0)
        return NAN;
    return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg);
}

static scored *pairs_new(const double *score, const unsigned char *truth, size_t n)
{
    scored *s = malloc((n ? n : 1) * sizeof(*s));
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[i].score = score[i];
        s[i].truth = truth[i] ? 1 : 0;
    }
    return s;
}

cxr_status cxr_stats_auc(const double *score, const unsigned char *truth, size_t n,
                         double *auc, cxr_error *err)
{
    scored *s = pairs_new(score, truth, n);
    *auc = NAN;
    if (!s)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for the AUC");
    qsort(s, n, sizeof(*s), cmp_scored);
    *auc = auc_sorted(s, n);
    free(s);
    return CXR_OK;
}

/* One resample: each class drawn with replacement in its own number. */
static double resample_auc(cxr_rng *r, const double *pos, size_t npos, const double *neg,
                           size_t nneg, scored *work)
{
    for (size_t i = 0; i < npos; i++)
        work[i] = (scored){pos[cxr_rng_below(r, (uint32_t)npos)], 1};
    for (size_t i = 0; i < nneg; i++)
        work[npos + i] = (scored){neg[cxr_rng_below(r, (uint32_t)nneg)], 0};
    qsort(work, npos + nneg, sizeof(*work), cmp_scored);
    return auc_sorted(work, npos + nneg);
}

cxr_status cxr_stats_auc_bootstrap(const double *score, const unsigned char *truth,
                                   size_t n, int reps, long long seed, const char *name,
                                   double *lo, double *hi, cxr_error *err)
{
    size_t npos = 0, nneg = 0;
    double *pos, *neg, *aucs;
    scored *work;
    cxr_rng r;

    *lo = *hi = NAN;
    for (size_t i = 0; i < n; i++)
        npos += truth[i] ? 1 : 0;
    nneg = n - npos;
    if (reps <= 0 || npos == 0 || nneg == 0)
        return CXR_OK;
    if (n > UINT32_MAX)
        return cxr_fail(err, CXR_ERR_UNSUPPORTED, "bootstrap over %zu scores", n);
    pos = malloc(npos * sizeof(*pos));
    neg = malloc(nneg * sizeof(*neg));
    aucs = malloc((size_t)reps * sizeof(*aucs));
    work = malloc(n * sizeof(*work));
    if (!pos || !neg || !aucs || !work) {
        free(pos), free(neg), free(aucs), free(work);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for the bootstrap");
    }
    for (size_t i = 0, p = 0, q = 0; i < n; i++) {
        if (truth[i])
            pos[p++] = score[i];
        else
            neg[q++] = score[i];
    }
    if (cxr_rng_seed_named(&r, seed, name ? name : "") != CXR_OK) {
        free(pos), free(neg), free(aucs), free(work);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for the bootstrap");
    }
    for (int k = 0; k < reps; k++)
        aucs[k] = resample_auc(&r, pos, npos, neg, nneg, work);
    cxr_stats_sort(aucs, (size_t)reps);
    *lo = cxr_stats_quantile_sorted(aucs, (size_t)reps, 0.025);
    *hi = cxr_stats_quantile_sorted(aucs, (size_t)reps, 0.975);
    free(pos), free(neg), free(aucs), free(work);
    return CXR_OK;
}

cxr_status cxr_stats_roc(const double *score, const unsigned char *truth, size_t n,
                         double **fpr, double **tpr, size_t *npoints, cxr_error *err)
{
    scored *s = pairs_new(score, truth, n);
    size_t npos = 0, nneg, tp = 0, fp = 0, k = 0;

    *fpr = *tpr = NULL;
    *npoints = 0;
    if (s)
        *fpr = malloc((n + 2) * sizeof(double));
    if (*fpr)
        *tpr = malloc((n + 2) * sizeof(double));
    if (!*tpr) {
        free(s), free(*fpr);
        *fpr = NULL;
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for the ROC curve");
    }
    qsort(s, n, sizeof(*s), cmp_scored);
    for (size_t i = 0; i < n; i++)
        npos += s[i].truth;
    nneg = n - npos;
    (*fpr)[k] = 0, (*tpr)[k++] = 0;
    for (size_t i = n; i > 0;) { /* descending thresholds, ties together */
        double t = s[i - 1].score;
        while (i > 0 && s[i - 1].score == t) {
            tp += s[i - 1].truth;
            fp += !s[i - 1].truth;
            i--;
        }
        (*fpr)[k] = nneg ? (double)fp / (double)nneg : NAN;
        (*tpr)[k++] = npos ? (double)tp / (double)npos : NAN;
    }
    if (k == 1)
        (*fpr)[k] = 1, (*tpr)[k++] = 1;
    *npoints = k;
    free(s);
    return CXR_OK;
}
