/* rng.h: the one documented pseudo-random generator of cxrprep, PCG32
 * (O'Neill 2014, pcg32_srandom_r / pcg32_random_r: 64-bit LCG state, XSH RR
 * output), unbiased bounded integer draws (Lemire 2019, multiply and reject:
 * integers only, no floating point, no modulo bias), and the derivation of a
 * draw's seed from the config seed and the draw's name, so that adding or
 * renaming one draw never changes another:
 *
 *     d = SHA-256("cxrprep-rng-v1" 0x00 <seed in decimal> 0x00 <name>)
 *     initstate = d[0..7] big-endian, initseq = d[8..15] big-endian
 *
 * The same seed and name give the same sequence on every machine. A cxr_rng
 * is a plain value: copy it, keep it on the stack, one per thread. */
#ifndef CXR_RNG_H
#define CXR_RNG_H

#include <stdint.h>

#include "error.h"

typedef struct cxr_rng {
    uint64_t state;
    uint64_t inc; /* always odd */
} cxr_rng;

/* pcg32_srandom_r: seeds 'r' from a state and a stream selector. */
void cxr_rng_seed(cxr_rng *r, uint64_t initstate, uint64_t initseq);
/* Seeds 'r' for the draw 'name' (borrowed) under the config 'seed'.
 * CXR_OK, or CXR_ERR_NOMEM when the digest cannot be set up ('r' is then
 * not seeded). */
cxr_status cxr_rng_seed_named(cxr_rng *r, long long seed, const char *name);
/* The next 32 uniformly distributed bits. */
uint32_t cxr_rng_next(cxr_rng *r);
/* A uniform integer in [0, bound); bound 0 yields 0. */
uint32_t cxr_rng_below(cxr_rng *r, uint32_t bound);

#endif
