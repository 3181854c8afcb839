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
 */
#ifndef CXR_STEPS_H
#define CXR_STEPS_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "filehash.h"

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
    int reads_model;             /* reads score.model */
    int writes_tree;             /* writes the dataset trees (layout.root) */
    const char *requires;        /* config key without which the step is skipped */
} cxr_step;

extern const cxr_step cxr_steps[];
extern const size_t cxr_nsteps;

/* Index of the step named 'name' (also a stage name: "fetch" is the first
 * fetch step), or -1. */
int cxr_step_find(const char *name);

/* A named input or output and its fingerprint: sha256 of a file, or of the
 * sorted listing (name, size, sha256) of a directory. */
typedef struct cxr_fingerprint {
    char *name;   /* owned: a path, or "config:select", "tool" */
    char *hash;   /* owned: hex, or "absent" */
} cxr_fingerprint;

typedef struct cxr_fingerprints {
    cxr_fingerprint *items;
    size_t n;
} cxr_fingerprints;

/* Fingerprints what 'step' reads (config keys, tool version, input files,
 * earlier stages' CSV manifests; not their summary.json, which holds run
 * statistics) or writes. Absent files are recorded as "absent", not an
 * error. File hashes come from 'fh' (borrowed) when the file is unchanged. */
void cxr_step_inputs(const cxr_config *conf, const cxr_step *step, cxr_filehash *fh,
                     cxr_fingerprints *out);
void cxr_step_outputs(const cxr_config *conf, const cxr_step *step, cxr_filehash *fh,
                      cxr_fingerprints *out);
void cxr_fingerprints_release(cxr_fingerprints *fps);

/* The first difference between a recorded and a current set, as text
 * ("config section 'select' changed"), or NULL when they match. */
const char *cxr_fingerprints_diff(const cxr_fingerprints *recorded,
                                  const cxr_fingerprints *current,
                                  char *buf, size_t size);

#endif
