/* test_rng.c: PCG32 against its reference outputs, the bounded draws, the
 * named seeds, Algorithm R, a known answer of a whole draw, the seeded order
 * of a draw (nominal draw first, then the reserve) and the parsing of draw
 * counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sample.h"
#include "testutil.h"

static void test_pcg32_reference(void)
{
    /* pcg32-demo (pcg-c-basic) with pcg32_srandom_r(&rng, 42, 54) */
    static const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                     0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    cxr_rng r;
    cxr_rng_seed(&r, 42u, 54u);
    for (int i = 0; i < 6; i++)
        CHECK_INT(cxr_rng_next(&r), want[i]);
}

static void test_below(void)
{
    cxr_rng r;
    long counts[6] = {0};
    int in_range = 1;
    cxr_rng_seed(&r, 1, 2);
    CHECK_INT(cxr_rng_below(&r, 0), 0);
    CHECK_INT(cxr_rng_below(&r, 1), 0);
    for (int i = 0; i < 60000; i++)
        counts[cxr_rng_below(&r, 6)]++;
    for (int i = 0; i < 6; i++)
        CHECK(counts[i] > 9500 && counts[i] < 10500);
    for (int i = 0; i < 10000; i++) {
        uint32_t v = cxr_rng_below(&r, 0x80000001u); /* the rejection path is common */
        in_range &= v < 0x80000001u;
    }
    CHECK(in_range);
}

static void test_named_seeds(void)
{
    cxr_rng a, b, c, d;
    int same_ab = 1, same_ac = 1, same_ad = 1;
    cxr_rng_seed_named(&a, 42, "normal_train");
    cxr_rng_seed_named(&b, 42, "normal_train");
    cxr_rng_seed_named(&c, 42, "normal_validation");
    cxr_rng_seed_named(&d, 7, "normal_train");
    for (int i = 0; i < 16; i++) {
        uint32_t x = cxr_rng_next(&a);
        same_ab &= x == cxr_rng_next(&b);
        same_ac &= x == cxr_rng_next(&c);
        same_ad &= x == cxr_rng_next(&d);
    }
    CHECK(same_ab);
    CHECK(!same_ac);
    CHECK(!same_ad);
}

static void test_reservoir(void)
{
    cxr_rng r;
    size_t out[5], hits[5] = {0};
    cxr_error err;
    int sorted = 1;
    cxr_rng_seed(&r, 3, 4);
    CHECK_INT(cxr_reservoir_sample(&r, 5, 5, out, &err), CXR_OK);
    for (size_t i = 0; i < 5; i++)
        CHECK_INT(out[i], i);
    CHECK_INT(cxr_reservoir_sample(&r, 3, 4, out, &err), CXR_ERR_INPUT);
    CHECK(test_contains(err.msg, "cannot draw 4 of 3"));
    CHECK_INT(cxr_reservoir_sample(&r, 0, 0, out, &err), CXR_OK);
    /* every index is chosen with probability k/n = 2/5 */
    for (int t = 0; t < 50000; t++) {
        cxr_reservoir_sample(&r, 5, 2, out, &err);
        sorted &= out[0] < out[1] && out[1] < 5;
        hits[out[0]]++;
        hits[out[1]]++;
    }
    CHECK(sorted);
    for (int i = 0; i < 5; i++)
        CHECK(hits[i] > 19000 && hits[i] < 21000);
}

/* A known answer: seed 42, draw 'normal_train', 5 of the 20 names
 * n00.jpeg..n19.jpeg (sorted, as the stage sorts its candidates). The
 * expected names were computed by an independent implementation (Python:
 * hashlib SHA-256 seed derivation, PCG32, Lemire, Algorithm R as in rng.h
 * and sample_draw.c); any change of the seed derivation, the generator or
 * the algorithm changes them, and with them every draw of every config. */
static void test_known_answer(void)
{
    static const char *const want[5] = {"n00.jpeg", "n07.jpeg", "n09.jpeg", "n12.jpeg",
                                        "n16.jpeg"};
    char names[20][16];
    size_t out[5];
    cxr_rng r;
    cxr_error err;
    for (int i = 0; i < 20; i++)
        snprintf(names[i], sizeof(names[i]), "n%02d.jpeg", i);
    cxr_rng_seed_named(&r, 42, "normal_train");
    CHECK_INT(cxr_reservoir_sample(&r, 20, 5, out, &err), CXR_OK);
    for (int i = 0; i < 5; i++)
        CHECK_STR(out[i] < 20 ? names[out[i]] : "(out of range)", want[i]);
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The order's first k are Algorithm R's choice with the same stream (so
 * the nominal draw is the same as without a reserve), the whole order is a
 * permutation, and each rank of the nominal draw and of the reserve is
 * uniform over its members. */
static void test_order(void)
{
    size_t order[20], chosen[5], sorted[20], first_rank[20] = {0}, tail_rank[20] = {0};
    cxr_rng a, b;
    cxr_error err;
    int same = 1, perm = 1, fair = 1;
    cxr_rng_seed_named(&a, 42, "normal_train");
    b = a;
    CHECK_INT(cxr_sample_order(&a, 20, 5, order, &err), CXR_OK);
    CHECK_INT(cxr_reservoir_sample(&b, 20, 5, chosen, &err), CXR_OK);
    memcpy(sorted, order, sizeof(sorted));
    qsort(sorted, 5, sizeof(*sorted), size_cmp);
    for (int i = 0; i < 5; i++)
        same &= sorted[i] == chosen[i];
    CHECK(same);
    qsort(sorted, 20, sizeof(*sorted), size_cmp);
    for (size_t i = 0; i < 20; i++)
        perm &= sorted[i] == i;
    CHECK(perm);
    CHECK_INT(cxr_sample_order(&a, 3, 4, order, &err), CXR_ERR_INPUT);
    CHECK_INT(cxr_sample_order(&a, 0, 0, order, &err), CXR_OK);
    CHECK_INT(cxr_sample_order(&a, 4, 0, order, &err), CXR_OK);
    /* rank 1 of a nominal draw of 5, and rank 6 (the first of the reserve):
     * each index holds them 1/20 of the time */
    for (int t = 0; t < 40000; t++) {
        cxr_sample_order(&a, 20, 5, order, &err);
        first_rank[order[0]]++;
        tail_rank[order[5]]++;
    }
    for (int i = 0; i < 20; i++)
        fair &= first_rank[i] > 1700 && first_rank[i] < 2300 && tail_rank[i] > 1700 &&
                tail_rank[i] < 2300;
    CHECK(fair);
}

static void test_parse_count(void)
{
    size_t n = 99;
    CHECK(cxr_sample_parse_count("20", &n));
    CHECK_INT(n, 20);
    CHECK(cxr_sample_parse_count("0", &n));
    CHECK_INT(n, 0);
    CHECK(!cxr_sample_parse_count("covid_train", &n));
    CHECK(!cxr_sample_parse_count("-1", &n));
    CHECK(!cxr_sample_parse_count("", &n));
    CHECK(!cxr_sample_parse_count("12a", &n));
    CHECK(!cxr_sample_parse_count("99999999999999999999999", &n));
}

int main(void)
{
    test_pcg32_reference();
    test_below();
    test_named_seeds();
    test_reservoir();
    test_known_answer();
    test_order();
    test_parse_count();
    return test_finish();
}
