/* sample_draw.c: the seeded order of a draw (Algorithm R for the nominal
 * draw, Fisher-Yates for the ranks), and the parsing of a draw's count. */
#include "sample.h"

#include <stdint.h>
#include <stdlib.h>

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

cxr_status cxr_reservoir_sample(cxr_rng *r, size_t n, size_t k, size_t *out,
                                cxr_error *err)
{
    if (k > n)
        return cxr_fail(err, CXR_ERR_INPUT, "cannot draw %zu of %zu candidates", k, n);
    if (n > UINT32_MAX)
        return cxr_fail(err, CXR_ERR_INPUT, "too many candidates (%zu)", n);
    for (size_t i = 0; i < k; i++)
        out[i] = i;
    for (size_t i = k; i < n; i++) {
        /* j uniform in [0, i]; item i replaces slot j when j < k */
        size_t j = cxr_rng_below(r, (uint32_t)(i + 1));
        if (j < k)
            out[j] = i;
    }
    if (k)
        qsort(out, k, sizeof(*out), size_cmp);
    return CXR_OK;
}

/* Fisher-Yates (Durstenfeld): a uniform shuffle of v[0..n) with 'r'. */
static void shuffle(cxr_rng *r, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = cxr_rng_below(r, (uint32_t)i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

cxr_status cxr_sample_order(cxr_rng *r, size_t n, size_t k, size_t *order, cxr_error *err)
{
    unsigned char *taken;
    size_t rest = k;
    cxr_status st = cxr_reservoir_sample(r, n, k, order, err);
    if (st != CXR_OK)
        return st;
    if (!(taken = calloc(n ? n : 1, 1)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < k; i++)
        taken[order[i]] = 1;
    for (size_t i = 0; i < n; i++)
        if (!taken[i])
            order[rest++] = i;
    free(taken);
    shuffle(r, order, k);
    shuffle(r, order + k, n - k);
    return CXR_OK;
}

int cxr_sample_parse_count(const char *text, size_t *count)
{
    size_t v = 0;
    if (!text || !*text)
        return 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || v > (SIZE_MAX - 9) / 10)
            return 0;
        v = v * 10 + (size_t)(*p - '0');
    }
    *count = v;
    return 1;
}
