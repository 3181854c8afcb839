/* stats_test.c: the score statistics against values worked out by hand or
 * published (Wilson 8/10 = 0.490..0.943, Newcombe 1998), the one quantile
 * (numpy's type 7) and the one decision rule, and the bootstrap's
 * determinism. */
#include <math.h>

#include "score_rule.h"
#include "stats.h"
#include "testutil.h"

#define NEAR(a, b, eps) CHECK(fabs((a) - (b)) <= (eps))

static void test_describe(void)
{
    double x[] = {4, 1, 3, 2};
    double one[] = {0.7};
    cxr_describe d;
    cxr_error err = {0};

    CHECK_INT(cxr_stats_describe(x, 4, &d, &err), CXR_OK);
    NEAR(d.mean, 2.5, 1e-12);
    NEAR(d.min, 1, 0);
    NEAR(d.max, 4, 0);
    NEAR(d.q1, 1.75, 1e-12); /* numpy.percentile([1,2,3,4], 25) */
    NEAR(d.median, 2.5, 1e-12);
    NEAR(d.q3, 3.25, 1e-12);
    CHECK(x[0] == 4); /* input untouched */
    CHECK_INT(cxr_stats_describe(one, 1, &d, &err), CXR_OK);
    CHECK(d.q1 == 0.7 && d.median == 0.7 && d.q3 == 0.7);
    CHECK_INT(cxr_stats_describe(NULL, 0, &d, &err), CXR_OK);
    CHECK(isnan(d.mean) && isnan(d.median) && d.n == 0);
    {
        double odd[] = {5, 1, 9, 3, 7};
        CHECK_INT(cxr_stats_describe(odd, 5, &d, &err), CXR_OK);
        NEAR(d.median, 5, 0);
        NEAR(d.q1, 3, 0);
        NEAR(d.q3, 7, 0);
    }
    {
        double bad[] = {0.1, NAN};
        CHECK_INT(cxr_stats_describe(bad, 2, &d, &err), CXR_ERR_INPUT);
    }
}

static void test_quantile(void)
{
    double s[] = {1, 2, 3, 4};
    double one[] = {0.3};
    double x[] = {0.9, 0.1, 0.5, 0.3};

    /* numpy.percentile([1, 2, 3, 4], [0, 2.5, 25, 50, 97.5, 100]) */
    NEAR(cxr_stats_quantile_sorted(s, 4, 0.0), 1.0, 0);
    NEAR(cxr_stats_quantile_sorted(s, 4, 0.025), 1.075, 1e-12);
    NEAR(cxr_stats_quantile_sorted(s, 4, 0.25), 1.75, 1e-12);
    NEAR(cxr_stats_quantile_sorted(s, 4, 0.5), 2.5, 1e-12);
    NEAR(cxr_stats_quantile_sorted(s, 4, 0.975), 3.925, 1e-12);
    NEAR(cxr_stats_quantile_sorted(s, 4, 1.0), 4.0, 0);
    NEAR(cxr_stats_quantile_sorted(one, 1, 0.5), 0.3, 0);
    cxr_stats_sort(x, 4);
    CHECK(x[0] == 0.1 && x[1] == 0.3 && x[2] == 0.5 && x[3] == 0.9);
}

/* The one rule: at the threshold is positive; the confusion matrix decides
 * with it at any threshold. */
static void test_rule(void)
{
    double s[] = {0.0, 0.25, 0.5, 0.5, 0.500001, 0.75, 1.0};
    unsigned char t[] = {1, 0, 1, 0, 1, 0, 1};
    double thresholds[] = {0.0, 0.25, 0.5, 0.7, 1.0};

    CHECK(cxr_score_is_positive(0.5, 0.5));
    CHECK(!cxr_score_is_positive(0.4999999, 0.5));
    CHECK(cxr_score_is_positive(1.0, 1.0) && cxr_score_is_positive(0.0, 0.0));
    for (size_t k = 0; k < sizeof(thresholds) / sizeof(thresholds[0]); k++) {
        cxr_confusion c;
        size_t tp = 0, fp = 0;
        for (size_t i = 0; i < 7; i++) {
            tp += t[i] && cxr_score_is_positive(s[i], thresholds[k]);
            fp += !t[i] && cxr_score_is_positive(s[i], thresholds[k]);
        }
        cxr_stats_confusion(s, t, 7, thresholds[k], &c);
        CHECK_INT(c.tp, tp);
        CHECK_INT(c.fp, fp);
        CHECK_INT(c.tp + c.fn, 4);
    }
}

static void test_histogram(void)
{
    double x[] = {0.0, 0.05, 0.1, 0.55, 0.99, 1.0};
    size_t c[10];
    cxr_error err = {0};
    double bad[] = {1.5};

    CHECK_INT(cxr_stats_histogram(x, 6, 10, c, &err), CXR_OK);
    CHECK_INT(c[0], 2);
    CHECK_INT(c[1], 1);
    CHECK_INT(c[5], 1);
    CHECK_INT(c[9], 2); /* 0.99 and 1.0 */
    CHECK_INT(c[2] + c[3] + c[4] + c[6] + c[7] + c[8], 0);
    CHECK_INT(cxr_stats_histogram(bad, 1, 10, c, &err), CXR_ERR_INPUT);
    CHECK(test_contains(err.msg, "outside [0, 1]"));
    CHECK_INT(cxr_stats_histogram(x, 6, 0, c, &err), CXR_ERR_INTERNAL);
}

static void test_wilson(void)
{
    cxr_proportion p;
    cxr_stats_wilson(8, 10, &p);
    NEAR(p.value, 0.8, 1e-12);
    NEAR(p.lo, 0.4901624715, 1e-9);
    NEAR(p.hi, 0.9433178485, 1e-9);
    cxr_stats_wilson(0, 5, &p);
    NEAR(p.lo, 0.0, 1e-12);
    NEAR(p.hi, 0.4344824648, 1e-9);
    cxr_stats_wilson(20, 20, &p);
    NEAR(p.lo, 0.8388748419, 1e-9);
    NEAR(p.hi, 1.0, 1e-12);
    cxr_stats_wilson(0, 0, &p);
    CHECK(isnan(p.value) && isnan(p.lo) && isnan(p.hi));
}

static void test_confusion(void)
{
    double s[] = {0.9, 0.5, 0.49, 0.2, 0.7, 0.1, 0.6};
    unsigned char t[] = {1, 1, 1, 0, 0, 0, 0};
    cxr_confusion c;
    cxr_stats_confusion(s, t, 7, 0.5, &c);
    CHECK_INT(c.tp, 2); /* 0.5 counts as positive: score >= threshold */
    CHECK_INT(c.fn, 1);
    CHECK_INT(c.fp, 2);
    CHECK_INT(c.tn, 2);
    NEAR(c.sensitivity.value, 2.0 / 3.0, 1e-12);
    NEAR(c.specificity.value, 0.5, 1e-12);
    CHECK_INT(c.sensitivity.den, 3);
}

static double auc_of(const double *s, const unsigned char *t, size_t n)
{
    cxr_error err = {0};
    double auc = -1;
    CHECK_INT(cxr_stats_auc(s, t, n, &auc, &err), CXR_OK);
    return auc;
}

static void test_auc(void)
{
    double perfect[] = {0.9, 0.8, 0.1, 0.2};
    unsigned char t4[] = {1, 1, 0, 0};
    double inverse[] = {0.1, 0.2, 0.9, 0.8};
    double ties[] = {0.5, 0.5, 0.5, 0.5};
    /* pos {0.8, 0.4}, neg {0.6, 0.4, 0.2}: pairs won 1+1+1, 0+0.5+1 -> 4.5/6 */
    double mixed[] = {0.8, 0.4, 0.6, 0.4, 0.2};
    unsigned char t5[] = {1, 1, 0, 0, 0};
    unsigned char allpos[] = {1, 1, 1, 1};

    NEAR(auc_of(perfect, t4, 4), 1.0, 1e-12);
    NEAR(auc_of(inverse, t4, 4), 0.0, 1e-12);
    NEAR(auc_of(ties, t4, 4), 0.5, 1e-12);
    NEAR(auc_of(mixed, t5, 5), 0.75, 1e-12);
    CHECK(isnan(auc_of(perfect, allpos, 4)));
}

static void test_bootstrap(void)
{
    double s[40];
    unsigned char t[40];
    double lo, hi, lo2, hi2, lo3, hi3, auc;
    cxr_error err = {0};

    for (int i = 0; i < 40; i++) { /* overlapping classes */
        t[i] = i % 2;
        s[i] = t[i] ? 0.3 + 0.6 * ((i * 37) % 20) / 20.0 : 0.1 + 0.6 * ((i * 53) % 20) / 20.0;
    }
    auc = auc_of(s, t, 40);
    CHECK(auc > 0.5 && auc < 1.0);
    CHECK_INT(cxr_stats_auc_bootstrap(s, t, 40, 500, 42, "a", &lo, &hi, &err), CXR_OK);
    CHECK(lo < auc && auc < hi);
    CHECK(lo >= 0.0 && hi <= 1.0);
    CHECK_INT(cxr_stats_auc_bootstrap(s, t, 40, 500, 42, "a", &lo2, &hi2, &err), CXR_OK);
    CHECK(lo == lo2 && hi == hi2); /* same seed and name: same interval */
    CHECK_INT(cxr_stats_auc_bootstrap(s, t, 40, 500, 43, "a", &lo3, &hi3, &err), CXR_OK);
    CHECK(lo3 != lo || hi3 != hi);
    CHECK_INT(cxr_stats_auc_bootstrap(s, t, 40, 0, 42, "a", &lo, &hi, &err), CXR_OK);
    CHECK(isnan(lo) && isnan(hi));
}

static void test_roc(void)
{
    double s[] = {0.9, 0.8, 0.8, 0.3, 0.1};
    unsigned char t[] = {1, 0, 1, 1, 0};
    double *fpr, *tpr, area = 0;
    size_t n;
    cxr_error err = {0};

    CHECK_INT(cxr_stats_roc(s, t, 5, &fpr, &tpr, &n, &err), CXR_OK);
    CHECK_INT(n, 5); /* (0,0) then thresholds 0.9, 0.8, 0.3, 0.1 */
    if (n == 5) {
        NEAR(fpr[0], 0, 0);
        NEAR(tpr[1], 1.0 / 3, 1e-12);
        NEAR(fpr[2], 0.5, 1e-12);
        NEAR(tpr[2], 2.0 / 3, 1e-12);
        NEAR(fpr[4], 1, 0);
        NEAR(tpr[4], 1, 0);
        for (size_t i = 1; i < n; i++) /* trapezoids give the AUC */
            area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
        NEAR(area, auc_of(s, t, 5), 1e-12);
    }
    free(fpr);
    free(tpr);
}

int main(void)
{
    test_describe();
    test_quantile();
    test_rule();
    test_histogram();
    test_wilson();
    test_confusion();
    test_auc();
    test_bootstrap();
    test_roc();
    return test_finish();
}
