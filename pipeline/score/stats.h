/* stats.h: the statistics of the score stage: a five-number summary with
 * the mean, fixed-bin histograms over [0, 1], and for labelled scores the
 * confusion matrix, sensitivity and specificity with Wilson 95% intervals,
 * the ROC curve and its AUC with a seeded, stratified bootstrap interval.
 * Pure functions on caller-owned arrays; nothing is kept. */
#ifndef CXR_STATS_H
#define CXR_STATS_H

#include <stddef.h>

#include "error.h"

/* Quartiles and the median interpolate linearly between order statistics
 * (numpy's default, Hyndman and Fan type 7). With n == 0 every value is NaN. */
typedef struct cxr_describe {
    size_t n;
    double mean, min, q1, median, q3, max;
} cxr_describe;

/* 'x' (borrowed) is not modified. */
cxr_status cxr_stats_describe(const double *x, size_t n, cxr_describe *out, cxr_error *err);

/* Sorts 'x' ascending in place (no NaN). */
void cxr_stats_sort(double *x, size_t n);

/* The p-quantile (0 <= p <= 1) of 'sorted' (ascending, n >= 1), type 7:
 * h = (n - 1) p, interpolated between the order statistics around h. The
 * one quantile of the stage: quartiles, medians and bootstrap intervals. */
double cxr_stats_quantile_sorted(const double *sorted, size_t n, double p);

/* Counts 'x' into 'nbins' equal-width bins over [0, 1]: bin i holds
 * [i/nbins, (i+1)/nbins), the last bin also holds 1. Values outside [0, 1]
 * or NaN are an error (scores are probabilities). 'counts' has nbins
 * entries, caller-owned. */
cxr_status cxr_stats_histogram(const double *x, size_t n, int nbins, size_t *counts,
                               cxr_error *err);

/* A proportion with its Wilson score 95% interval; with den == 0 the
 * proportion is undefined and every value is NaN. */
typedef struct cxr_proportion {
    size_t num, den;
    double value, lo, hi;
} cxr_proportion;

void cxr_stats_wilson(size_t num, size_t den, cxr_proportion *out);

/* Binary outcome at a threshold: predicted positive by the stage's one rule,
 * cxr_score_is_positive (score_rule.h); truth[i] is 1 (positive) or 0
 * (negative). */
typedef struct cxr_confusion {
    size_t tp, fn, fp, tn;
    cxr_proportion sensitivity; /* tp / (tp + fn) */
    cxr_proportion specificity; /* tn / (tn + fp) */
} cxr_confusion;

void cxr_stats_confusion(const double *score, const unsigned char *truth, size_t n,
                         double threshold, cxr_confusion *out);

/* ROC AUC as the Mann-Whitney probability that a positive scores above a
 * negative (ties count one half) into *auc; NaN when either class is
 * absent. Fails only when out of memory. */
cxr_status cxr_stats_auc(const double *score, const unsigned char *truth, size_t n,
                         double *auc, cxr_error *err);

/* A percentile (2.5%, 97.5%) bootstrap interval of the AUC: 'reps'
 * resamples drawn with replacement within each class (so each resample has
 * both classes in their original numbers), from the PCG32 stream named
 * 'name' under 'seed' (rng.h). NaN when reps == 0 or a class is absent. */
cxr_status cxr_stats_auc_bootstrap(const double *score, const unsigned char *truth,
                                   size_t n, int reps, long long seed, const char *name,
                                   double *lo, double *hi, cxr_error *err);

/* The ROC curve: one point per distinct score (descending thresholds),
 * starting at (0, 0) and ending at (1, 1). '*fpr' and '*tpr' are malloc'd
 * (caller frees) with '*npoints' entries. */
cxr_status cxr_stats_roc(const double *score, const unsigned char *truth, size_t n,
                         double **fpr, double **tpr, size_t *npoints, cxr_error *err);

#endif
