/* steps.h: the pipeline's steps in the order `cxrprep run` takes them, and
 * what each one reads and writes, so the driver can tell which are up to
 * date. A step is one run of a stage executable. Both fetch steps write
 * manifests/fetch, so neither claims it as its output (a rerun of one would
 * look like a change to the other); the first depends on the config only,
 * since a changed source is seen by the steps that read it:
 *
 *     fetch     cxrprep-fetch --only metadata,archives
 *     select    cxrprep-select
 *     images    cxrprep-fetch --only images       (needs select's manifests)
 *     sample    cxrprep-sample
 *     layout    cxrprep-layout
 *     score     cxrprep-score
 *
 * The config the steps read besides the keys they hash is read once into a
 * cxr_run_settings (run_settings.c); every function here takes it. */
#ifndef CXR_STEPS_H
#define CXR_STEPS_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "filehash.h"
#include "settings.h"

/* What the driver reads of the config (strings borrowed from it: the config
 * must outlive the settings; cxr_run_settings_release frees the array). */
typedef struct cxr_run_settings {
    cxr_common_settings common;  /* workdir, sources */
    const char *layout_root;     /* layout.root: the trees, under workdir */
    const char **score_models;   /* owned array: score.model, or each
                                    score.models[].path; NULL when none */
    size_t nscore_models;
} cxr_run_settings;

cxr_status cxr_run_settings_read(const cxr_config *conf, cxr_run_settings *out,
                                 cxr_error *err);
void cxr_run_settings_release(cxr_run_settings *s);

/* The setting without which a step is skipped. */
typedef enum cxr_step_needs {
    CXR_STEP_NEEDS_NOTHING,
    CXR_STEP_NEEDS_IMAGES,   /* sources.images.url_template */
    CXR_STEP_NEEDS_KERMANY,  /* sources.kermany.url */
    CXR_STEP_NEEDS_MODEL     /* score.model or score.models */
} cxr_step_needs;

typedef struct cxr_step {
    const char *name;            /* "images" */
    const char *stage;           /* executable suffix: "fetch" -> cxrprep-fetch */
    const char *const *args;     /* extra arguments, NULL-terminated */
    const char *const *keys;     /* config keys (dotted) it depends on, NULL-terminated */
    const char *const *reads;    /* stage manifest directories it reads */
    const char *writes;          /* its own manifest directory (a stage name) */
    int reads_metadata;          /* reads sources.metadata */
    int reads_images;            /* reads the images of sources.images (local ones) */
    int reads_archive;           /* reads sources.kermany */
    int reads_model;             /* reads the model files (score.model[s]) */
    int writes_tree;             /* writes the dataset trees (layout.root) */
    cxr_step_needs needs;        /* skipped when that setting is absent */
    int reads_exclusions;        /* reads curation.exclusions (when the config names it) */
} cxr_step;

extern const cxr_step cxr_steps[];
extern const size_t cxr_nsteps;

/* Index of the step named 'name' (also a stage name: "fetch" is the first
 * fetch step), or -1. */
int cxr_step_find(const char *name);

/* The config key 'step' needs that 'settings' lacks ("score.model"), or
 * NULL when the step can run. */
const char *cxr_step_unmet(const cxr_step *step, const cxr_run_settings *settings);

/* A named input or output and its fingerprint: sha256 of a file, or of the
 * sorted listing (name, size, sha256) of a directory. */
typedef struct cxr_fingerprint {
    char *name;   /* owned: a path, or "config:select", "tool" */
    char *hash;   /* owned: hex, "absent", or "unreadable" (never matches) */
} cxr_fingerprint;

typedef struct cxr_fingerprints {
    cxr_fingerprint *items;
    size_t n;
} cxr_fingerprints;

/* Fingerprints what 'step' reads (config keys, tool version, input files,
 * earlier stages' CSV manifests; not their summary.json, which holds run
 * statistics) or writes. A symlinked input file is fingerprinted by the
 * bytes it points to. Absent files are recorded as "absent", files or trees
 * that cannot be read as "unreadable" (the step is never up to date); only
 * running out of memory is an error (CXR_ERR_NOMEM; 'out' is then empty).
 * File hashes come from 'fh' (borrowed) when the file is unchanged. */
cxr_status cxr_step_inputs(const cxr_config *conf, const cxr_run_settings *settings,
                           const cxr_step *step, cxr_filehash *fh, cxr_fingerprints *out,
                           cxr_error *err);
cxr_status cxr_step_outputs(const cxr_config *conf, const cxr_run_settings *settings,
                            const cxr_step *step, cxr_filehash *fh, cxr_fingerprints *out,
                            cxr_error *err);
/* Appends a copy of (name, hash). */
cxr_status cxr_fingerprints_add(cxr_fingerprints *fps, const char *name, const char *hash,
                                cxr_error *err);
void cxr_fingerprints_release(cxr_fingerprints *fps);

/* The first difference between a recorded and a current set, as text
 * ("config section 'select' changed"), or NULL when they match. */
const char *cxr_fingerprints_diff(const cxr_fingerprints *recorded,
                                  const cxr_fingerprints *current,
                                  char *buf, size_t size);

/* --- the plan (`cxrprep run --dry-run`): what a step would read --- */

/* One file a step reads, or one stage directory of manifests not yet
 * written. */
typedef struct cxr_step_read {
    char *path;          /* owned: a file; for a stage directory not written yet, its CSV glob */
    const char *stage;   /* the stage whose manifests these are; NULL for a source */
    const char *kind;    /* "csv", "archive", "model", "images" */
    long long rows;      /* records of a CSV (header not counted), files of an
                            images directory; -1 when not counted */
    char *note;          /* owned, NULL or why it was not counted */
} cxr_step_read;

typedef struct cxr_step_reads {
    cxr_step_read *items;
    size_t n;
} cxr_step_reads;

/* Lists what 'step' reads now: the metadata CSV, the archive, the model, the
 * local images directory, and each CSV manifest of the stages it reads
 * (sorted), counting the rows of each CSV. Only out of memory is an error. */
cxr_status cxr_step_reads_list(const cxr_config *conf, const cxr_run_settings *settings,
                               const cxr_step *step, cxr_step_reads *out, cxr_error *err);
void cxr_step_reads_release(cxr_step_reads *reads);

#endif
