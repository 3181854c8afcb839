/* score.h: the score stage (cxrprep-score): runs a trained ONNX model
 * (libcxrinfer) over the image sets of score.sets, folders of the layout
 * tree or Kermany archive folders read in place, and writes
 *
 *     <workdir>/manifests/score/<set>.csv   image, score, truth, prediction, error
 *     <workdir>/manifests/score/<set>.json  n, positives, mean, median, quartiles,
 *                                            histogram; with truth: confusion matrix,
 *                                            sensitivity, specificity (Wilson 95%),
 *                                            ROC AUC against the other class's sets
 *     <workdir>/manifests/score/summary.json
 *     score.report (default <workdir>/manifests/score/report.html)
 *
 * Images are decoded and preprocessed (preprocess.h) by score.threads
 * threads while the engine runs batches, so decoding overlaps inference.
 *
 * Large sets: a run with shard K of N scores every N-th image of each set
 * (by sorted name, starting at the K-th) into
 * <workdir>/manifests/score/shards/K-of-N/; cxr_score_merge() then combines
 * the N shards into the same outputs an unsharded run writes. */
#ifndef CXR_SCORE_H
#define CXR_SCORE_H

#include <stddef.h>
#include <stdio.h> /* config.h uses FILE */

#include "config.h"
#include "error.h"

typedef struct cxr_score_options {
    const char *model;   /* borrowed; overrides score.model when not NULL */
    int shard_k;         /* 1..shard_n; 0 with shard_n 0: no sharding */
    int shard_n;
} cxr_score_options;

/* One set's headline numbers, for the executable to print. */
typedef struct cxr_score_set_line {
    char *name;          /* owned */
    size_t n, failed, positives;
    double mean, median; /* NaN when n is 0 */
} cxr_score_set_line;

typedef struct cxr_score_outcome {
    cxr_score_set_line *sets; /* owned, nsets entries */
    size_t nsets;
    size_t images, failed;    /* scored, and not decodable */
    double seconds;           /* decoding and inference (0 for a merge) */
    double images_per_s;
    int decode_threads;
    char *out_dir;            /* owned: where the manifests went */
    char *report;             /* owned: the HTML report, or NULL (shard runs) */
} cxr_score_outcome;

void cxr_score_outcome_release(cxr_score_outcome *out); /* safe on a zeroed struct */

/* Scores every set of a validated config (borrowed). 'out' is filled on
 * success and must be released. A model or archive that cannot be read, a
 * missing set folder or an engine failure is an error; an image that does
 * not decode is recorded in the CSV (error column) and counted as failed. */
cxr_status cxr_score_run(const cxr_config *conf, const cxr_score_options *opt,
                         cxr_score_outcome *out, cxr_error *err);

/* Combines the outputs of shards 1..nshards (all must exist and agree on
 * the model and sets) into the unsharded outputs and the report. */
cxr_status cxr_score_merge(const cxr_config *conf, int nshards, cxr_score_outcome *out,
                           cxr_error *err);

/* Single image mode. */
typedef struct cxr_score_single {
    double score;        /* probability of the positive class */
    int positive;        /* score >= threshold */
    int percent;         /* floor(score * 100): what "POSITIVE 96%" shows */
    char *copy_path;     /* owned: the labelled copy written, or NULL */
} cxr_score_single;

/* Scores one image file with 'model'; when 'copy_dir' is not NULL writes
 * the recipe's labelled copy there as PNG:
 * '<POSITIVE|NEGATIVE>_Prob_<percent>_Name_<file name without extension>.png'. */
cxr_status cxr_score_image(const char *model, const char *image, double threshold,
                           int positive_index, const char *copy_dir,
                           cxr_score_single *out, cxr_error *err);
void cxr_score_single_release(cxr_score_single *s); /* safe on a zeroed struct */

#endif
