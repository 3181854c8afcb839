/* rng.c: PCG32, Lemire's unbiased bounded draws and named seeds (see rng.h). */
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define PCG_MULT 6364136223846793005ULL

void cxr_rng_seed(cxr_rng *r, uint64_t initstate, uint64_t initseq)
{
    r->state = 0;
    r->inc = (initseq << 1) | 1u;
    (void)cxr_rng_next(r);
    r->state += initstate;
    (void)cxr_rng_next(r);
}

uint32_t cxr_rng_next(cxr_rng *r)
{
    uint64_t old = r->state;
    uint32_t xorshifted, rot;
    r->state = old * PCG_MULT + r->inc;
    xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint32_t cxr_rng_below(cxr_rng *r, uint32_t bound)
{
    uint64_t m;
    uint32_t low;
    if (bound == 0)
        return 0;
    m = (uint64_t)cxr_rng_next(r) * bound;
    low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (uint64_t)cxr_rng_next(r) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

cxr_status cxr_rng_seed_named(cxr_rng *r, long long seed, const char *name)
{
    static const char tag[] = "cxrprep-rng-v1";
    char num[32], hex[CXR_SHA256_HEX];
    unsigned char digest[16];
    cxr_sha256 *h = cxr_sha256_new();
    int n = snprintf(num, sizeof(num), "%lld", seed);
    if (!h)
        return CXR_ERR_NOMEM;
    cxr_sha256_update(h, tag, sizeof(tag)); /* with its NUL */
    cxr_sha256_update(h, num, (size_t)n + 1);
    cxr_sha256_update(h, name, strlen(name));
    cxr_sha256_final(h, hex);
    cxr_sha256_free(h);
    for (int i = 0; i < 16; i++)
        digest[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    cxr_rng_seed(r, be64(digest), be64(digest + 8));
    return CXR_OK;
}
