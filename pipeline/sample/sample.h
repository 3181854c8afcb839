/* sample.h: the sample stage (cxrprep-sample): seeded, reproducible draws of
 * Kermany images from the archive, as the config's sample.draws declare.
 *
 * For each draw, in config order: the candidates are the archive's images of
 * the draw's split and class under the chosen dataset root (archive_reader.h),
 * sorted bytewise by name, less every image of the draws named in
 * disjoint_from and, with patient_disjoint, every image of a patient those
 * draws hold. The patient of an image is read from its name: PNEUMONIA
 * "person<N>_<kind>_<M>.jpeg" -> "person<N>"; NORMAL
 * "IM-<P>-<K>[-<L>].jpeg" -> "IM-<P>" and "NORMAL2-IM-<P>-<K>.jpeg" ->
 * "NORMAL2-IM-<P>" (the first number is the patient, the later ones its
 * images; the NORMAL2- names are another numbering, so another patient).
 * Other names carry no patient and are excluded by file only. Algorithm R (sample_draw.c) picks 'count'
 * of them with a PCG32 stream seeded from the config seed and the draw's
 * name (rng.h). Too few candidates is an error that says how many there are.
 *
 * Writes <workdir>/manifests/sample/<draw>.csv (columns: filename, patient,
 * split, class, entry, size, source, draw; rows sorted by filename),
 * refused.csv (hostile archive entries: entry, reason) and summary.json,
 * and removes the manifests of draws the config no longer has. */
#ifndef CXR_SAMPLE_H
#define CXR_SAMPLE_H

#include <stddef.h>
#include <stdio.h> /* config.h uses FILE */

#include "config.h"
#include "error.h"
#include "rng.h"

/* What the executable reports after a successful run. */
typedef struct cxr_sample_result {
    size_t ndraws;
    size_t nimages;      /* images drawn, all draws together */
    size_t nrefused;     /* hostile archive entries refused */
    char note[1024];     /* how the dataset root was chosen, or "" */
} cxr_sample_result;

/* Runs the stage with a validated config (borrowed). */
cxr_status cxr_sample_run(const cxr_config *conf, cxr_sample_result *res, cxr_error *err);

/* Algorithm R (Vitter's "reservoir", as Knuth gives it): chooses 'k' of the
 * indices 0..n-1 uniformly at random with 'r'; 'out' (k entries) receives
 * them in ascending order. Needs k <= n <= UINT32_MAX; otherwise
 * CXR_ERR_INPUT. */
cxr_status cxr_reservoir_sample(cxr_rng *r, size_t n, size_t k, size_t *out,
                                cxr_error *err);

/* The count of a draw: a non-negative integer, or a manifest name the
 * caller resolves. Returns 1 and sets *count for an integer, else 0. */
int cxr_sample_parse_count(const char *text, size_t *count);

#endif
