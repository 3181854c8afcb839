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
 * Other names carry no patient and are excluded by file only.
 *
 * The seeded order (cxr_sample_order): Algorithm R (sample_draw.c) picks
 * 'count' of the candidates with a PCG32 stream seeded from the config seed
 * and the draw's name (rng.h): the nominal draw. The same stream then
 * shuffles the nominal draw, and then the other candidates: ranks 1..count
 * are the nominal draw, the later ranks the reserve. The layout stage takes
 * each draw's first candidates by rank that it can use (sized like the covid
 * images it actually laid out, when the count is covid_train or
 * covid_holdout; an image that fails verification gives way to the next
 * rank), so the trees stay balanced and reproducible. Too few candidates for
 * the nominal draw is an error that says how many there are.
 *
 * Images a review excluded (curation.exclusions, source 'kermany':
 * exclusions.h) leave the order after it is made, and the later ranks close
 * up: the draw refills from the same seeded order, and the other images
 * keep their places. A count taken from covid_train or covid_holdout counts
 * the rows a review excluded too (select's excluded.csv), so excluding a
 * covid image changes no order: the layout takes one image fewer by rank.
 *
 * Writes <workdir>/manifests/sample/<draw>.csv (columns: filename, patient,
 * split, class, entry, size, source, draw, rank, nominal; one row per
 * candidate, in rank order; nominal is 1 for ranks 1..count),
 * draws.csv (draw, split, class, count, count_from, disjoint_from,
 * patient_disjoint, candidates: what the layout stage needs to redo the
 * choice), refused.csv (hostile archive entries: entry, reason) and
 * summary.json, and removes the manifests of draws the config no longer
 * has. */
#ifndef CXR_SAMPLE_H
#define CXR_SAMPLE_H

#include <stddef.h>
#include <stdio.h> /* config.h uses FILE */

#include "config.h"
#include "error.h"
#include "progress.h"
#include "rng.h"
#include "settings.h"

/* One of sample.draws. Strings are borrowed from the config. */
typedef struct cxr_sample_draw_settings {
    const char *name;
    const char *split;               /* train, test or val */
    const char *klass;               /* NORMAL or PNEUMONIA */
    const char *count;               /* as written: a number, covid_train, covid_holdout */
    const char **disjoint_from;      /* owned array of borrowed names */
    size_t ndisjoint;
    int patient_disjoint;
} cxr_sample_draw_settings;

/* The sample stage's part of the config, read once at its entry point. */
typedef struct cxr_sample_settings {
    cxr_common_settings common;      /* workdir, seed, sources.kermany */
    const char *archive_root;        /* sample.archive_root: auto, '.', or a path */
    cxr_sample_draw_settings *draws; /* owned; config order */
    size_t ndraws;
    char *exclusions;                /* owned: the curation.exclusions file, or NULL */
} cxr_sample_settings;

/* Fills 'out' from a validated config (borrowed: it must outlive 'out').
 * CXR_ERR_NOMEM when out of memory; release with cxr_sample_settings_release
 * either way. */
cxr_status cxr_sample_settings_read(const cxr_config *conf, cxr_sample_settings *out,
                                    cxr_error *err);
void cxr_sample_settings_release(cxr_sample_settings *s);

/* What the executable reports after a successful run. */
typedef struct cxr_sample_result {
    size_t ndraws;
    size_t nimages;      /* images in the nominal draws, all draws together */
    size_t nrefused;     /* hostile archive entries refused */
    char note[1024];     /* how the dataset root was chosen, or "" */
} cxr_sample_result;

/* Runs the stage with a validated config (borrowed). The archive's
 * listing, the long part, reports the entries read to 'progress'
 * (borrowed; NULL: nowhere). */
cxr_status cxr_sample_run(const cxr_config *conf, const cxr_progress_sink *progress,
                          cxr_sample_result *res, cxr_error *err);

/* Algorithm R (Vitter's "reservoir", as Knuth gives it): chooses 'k' of the
 * indices 0..n-1 uniformly at random with 'r'; 'out' (k entries) receives
 * them in ascending order. Needs k <= n <= UINT32_MAX; otherwise
 * CXR_ERR_INPUT. */
cxr_status cxr_reservoir_sample(cxr_rng *r, size_t n, size_t k, size_t *out,
                                cxr_error *err);

/* The seeded order of a draw: 'order' (n entries) receives a permutation of
 * 0..n-1 whose first k are the indices cxr_reservoir_sample(r, n, k) chooses
 * (so the nominal draw does not depend on the reserve), shuffled with the
 * same stream, followed by the other indices, shuffled too (Fisher-Yates).
 * Errors as cxr_reservoir_sample; CXR_ERR_NOMEM when out of memory. */
cxr_status cxr_sample_order(cxr_rng *r, size_t n, size_t k, size_t *order, cxr_error *err);

/* The count of a draw: a non-negative integer, or a manifest name the
 * caller resolves. Returns 1 and sets *count for an integer, else 0. */
int cxr_sample_parse_count(const char *text, size_t *count);

#endif
