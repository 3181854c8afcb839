/* sample_internal.h: what the files of the sample stage share (not part of
 * the library's interface): the draws being made and the run's context. */
#ifndef CXR_SAMPLE_INTERNAL_H
#define CXR_SAMPLE_INTERNAL_H

#include "archive_reader.h"
#include "exclusions.h"
#include "sample.h"

#define CXR_SAMPLE_PATIENT_MAX 64

typedef struct sample_draw {
    const cxr_sample_draw_settings *set; /* borrowed from the settings */
    char key[64];            /* "sample.draws.<i>", for messages */
    size_t count;            /* size of the nominal draw */
    const char *count_from;  /* "covid_train" or "covid_holdout"; NULL for a number */
    size_t *order;           /* owned; indices into ls->images in rank order: the
                                nominal draw (count), then the reserve */
    size_t norder;
    size_t ncandidates, excluded_file, excluded_patient;
    size_t excluded_review;  /* candidates a review excluded (curation.exclusions) */
} sample_draw;

typedef struct sample_ctx {
    const cxr_config *conf;  /* borrowed; for the config layer's path helpers */
    cxr_sample_settings set;
    char *archive;           /* owned: local path of the archive */
    cxr_archive_listing *ls;
    const char *root;        /* borrowed from ls */
    sample_draw *draws;      /* owned; one per set.draws */
    size_t ndraws;
    cxr_exclusions exclusions; /* curation.exclusions; empty when none */
    const cxr_progress_sink *progress; /* borrowed; NULL: none */
} sample_ctx;

/* sample_write.c: every draw's manifest, draws.csv, refused.csv and
 * summary.json; then removes the manifests of draws no longer in the
 * config. */
cxr_status cxr_sample_write_outputs(const sample_ctx *c, const char *note, cxr_error *err);

#endif
