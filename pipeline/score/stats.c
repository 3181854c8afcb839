/* stats.c: descriptive statistics of a score list: mean, min, max, type-7
 * quartiles and fixed-bin histograms over [0, 1]. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void cxr_stats_sort(double *x, size_t n)
{
    if (n > 1)
        qsort(x, n, sizeof(*x), cmp_double);
}

double cxr_stats_quantile_sorted(const double *s, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return s[n - 1];
    return s[lo] + (s[lo + 1] - s[lo]) * (h - (double)lo);
}

cxr_status cxr_stats_describe(const double *x, size_t n, cxr_describe *out, cxr_error *err)
{
    double *s, sum = 0;

    if (!out || (!x && n))
        return cxr_fail(err, CXR_ERR_INTERNAL, "stats: bad arguments");
    out->n = n;
    if (n == 0) {
        out->mean = out->min = out->q1 = out->median = out->q3 = out->max = NAN;
        return CXR_OK;
    }
    s = malloc(n * sizeof(*s));
    if (!s)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory sorting %zu scores", n);
    memcpy(s, x, n * sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        if (isnan(s[i])) {
            free(s);
            return cxr_fail(err, CXR_ERR_INPUT, "stats: score %zu is not a number", i);
        }
        sum += s[i];
    }
    cxr_stats_sort(s, n);
    out->mean = sum / (double)n;
    out->min = s[0];
    out->max = s[n - 1];
    out->q1 = cxr_stats_quantile_sorted(s, n, 0.25);
    out->median = cxr_stats_quantile_sorted(s, n, 0.5);
    out->q3 = cxr_stats_quantile_sorted(s, n, 0.75);
    free(s);
    return CXR_OK;
}

cxr_status cxr_stats_histogram(const double *x, size_t n, int nbins, size_t *counts,
                               cxr_error *err)
{
    if (nbins <= 0 || !counts || (!x && n))
        return cxr_fail(err, CXR_ERR_INTERNAL, "stats: bad histogram arguments");
    memset(counts, 0, (size_t)nbins * sizeof(*counts));
    for (size_t i = 0; i < n; i++) {
        long b;
        if (!(x[i] >= 0.0 && x[i] <= 1.0))
            return cxr_fail(err, CXR_ERR_INPUT, "stats: score %g is outside [0, 1]", x[i]);
        b = (long)floor(x[i] * nbins);
        counts[b >= nbins ? nbins - 1 : b]++;
    }
    return CXR_OK;
}
