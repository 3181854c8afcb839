/* score_internal.h (internal): the plan and results the score stage's files
 * share: sets and their items (score_sets.c), the engine adapter
 * (score_engine.c), the decode/infer pipeline (score_pipeline.c), the
 * statistics (score_stats.c), the outputs (score_output.c), shard merging
 * (score_merge.c) and the report (report.c). */
#ifndef CXR_SCORE_INTERNAL_H
#define CXR_SCORE_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "archive_reader.h"
#include "config.h"
#include "error.h"
#include "hash.h"
#include "preprocess.h"
#include "progress.h"
#include "score.h"
#include "stats.h"

enum {
    SCORE_TRUTH_UNKNOWN = CXR_TRUTH_UNKNOWN,
    SCORE_TRUTH_NEGATIVE = CXR_TRUTH_NEGATIVE,
    SCORE_TRUTH_POSITIVE = CXR_TRUTH_POSITIVE
};

/* One model's result for one image. */
typedef struct score_result {
    int done;            /* scored */
    double score;        /* canonical: the value the CSV holds (6 decimals) */
} score_result;

typedef struct score_item {
    char *name;          /* owned: the image name in the CSV */
    char *path;          /* owned: file path, or archive entry name */
    size_t set;
    score_result *res;   /* owned: one per model of the plan */
    char *error;         /* owned: why it was not scored (by some model), or NULL */
} score_item;

typedef struct score_set {
    char *name, *source; /* owned */
    char *origin;        /* owned: "folder <path>" or "archive <file>: <dir>" */
    int truth;           /* SCORE_TRUTH_* */
    int from_archive;
    size_t first, count; /* its items: plan.items[first .. first + count) */
    size_t total;        /* images in the whole set (all shards) */
} score_set;

typedef struct score_model_info {
    char *name;          /* owned: score.models[].name, or score.model's file stem */
    char *path;          /* owned */
    char sha256[CXR_SHA256_HEX];
    int height, width, channels, classes, positive_index, softmax;
    char backend[32];
} score_model_info;

typedef struct score_plan {
    score_set *sets;
    size_t nsets;
    score_item *items;
    size_t nitems;
    char *archive;       /* owned: the Kermany archive path, when a set needs it */
    score_model_info *models; /* owned: every model scored, in config order */
    size_t nmodels;
    int named_models;    /* score.models: the outputs name each model */
    int decode_fast;     /* score.decode: fast (the outputs say so) */
    double threshold;
    int shard_k, shard_n;
} score_plan;

void cxr_score_plan_release(score_plan *plan);

/* score_sets.c: lists the images of every set of 's' (sorted by name),
 * keeping only shard K of N when shard_n > 0; 'conf' only locates the
 * archive (cxr_source_local_path). plan->nmodels must be set first: each
 * item gets a result per model. */
cxr_status cxr_score_plan_build(const cxr_config *conf, const cxr_score_settings *s,
                                int shard_k, int shard_n, score_plan *plan, cxr_error *err);
/* Adds an item (name and path copied, plan->nmodels results) to set 'set';
 * sets must be filled in order. */
cxr_status cxr_score_plan_add_item(score_plan *plan, size_t set, const char *name,
                               const char *path, cxr_error *err);
const char *cxr_score_truth_name(int truth);
/* Parses the canonical 6-decimal text of a score; returns the value. */
double cxr_score_canonical(double raw);
/* The set's images scored by model m: their mean and (type 7) median; NaN
 * when none. */
cxr_status cxr_score_set_center(const score_plan *plan, size_t set, size_t m, double *mean,
                                double *median, cxr_error *err);
/* Frees the strings of 'info' (not 'info' itself). */
void cxr_score_model_info_release(score_model_info *info);

/* score_engine.c: the libcxrinfer adapter. Opening checks the model
 * contract (score.h); 'info' is filled (info->path owned by the caller). */
typedef struct score_engine score_engine;
cxr_status cxr_score_engine_open(const char *path, int threads, int positive_index,
                             score_engine **out, score_model_info *info, cxr_error *err);
/* The model file's sha256 and path into 'info', without loading it. */
cxr_status cxr_score_model_identify(const char *path, score_model_info *info, cxr_error *err);
/* Runs n preprocessed images (NHWC floats) and writes each one's score. */
cxr_status cxr_score_engine_run(score_engine *e, const float *images, size_t n, double *scores,
                            cxr_error *err);
void cxr_score_engine_free(score_engine *e);

/* score_pipeline.c: decodes with 'threads' threads while the engines of
 * one group of models (the same input shape) score each decoded batch in
 * turn; fills each item's results of those models, or its error. */
typedef struct score_timing {
    double seconds;
    size_t scored, failed;
} score_timing;
typedef struct score_pipeline_cfg {
    int threads, batch, max_dimension;
    int low_priority;    /* decoding threads run at nice 19 */
    cxr_decode_mode decode; /* score.decode */
    cxr_archive_limits limits;
    const cxr_progress_sink *progress; /* may be NULL */
    size_t progress_done, progress_total; /* images before this group, in all */
    double progress_t0;  /* when the run started (monotonic seconds) */
} score_pipeline_cfg;
/* 'engines' has plan->nmodels entries; 'group' the ngroup models to run. */
cxr_status cxr_score_pipeline_run(score_plan *plan, score_engine *const *engines,
                                  const size_t *group, size_t ngroup,
                                  const score_pipeline_cfg *cfg, score_timing *timing,
                                  cxr_error *err);
double cxr_score_now(void); /* monotonic seconds */

/* score_stats.c: every set's statistics and the comparisons between the
 * sets of known truth (each positive set against each negative set, and
 * all of them pooled when there are several). */
typedef struct score_set_stats {
    size_t n, failed, positives;
    double *scores;      /* owned: the n scores, in name order */
    unsigned char *truth;/* owned: n truths (sets of known truth) */
    cxr_describe d;
    size_t *hist;        /* owned: nbins counts */
    int has_truth;
    cxr_confusion conf;
} score_set_stats;

#define SCORE_POOLED ((size_t)-1)

typedef struct score_comparison {
    size_t pos_set, neg_set;   /* SCORE_POOLED: all sets of that truth */
    char *label;               /* owned: "covid_validation vs normal_validation" */
    double auc, lo, hi;        /* lo, hi: bootstrap interval (NaN: none) */
    cxr_confusion conf;
    double *fpr, *tpr;         /* owned: the ROC curve */
    size_t npoints;
} score_comparison;

typedef struct score_stats {
    score_set_stats *sets;     /* plan.nsets entries */
    size_t nsets;
    score_comparison *cmp;
    size_t ncmp;
    int nbins, bootstrap;
    long long seed;
} score_stats;

/* The statistics of model m's scores. */
cxr_status cxr_score_stats_compute(const score_plan *plan, size_t m, int nbins, int bootstrap,
                                   long long seed, score_stats *st, cxr_error *err);
void cxr_score_stats_release(score_stats *st);

/* score_output.c: 'st' holds one score_stats per model of the plan. */
/* The unsharded outputs: per-set CSV and JSON (_sets), then summary.json
 * (_summary), written last so that it is there only when everything else
 * is. The outputs hold no run statistics (timing is the executable's log
 * line's). */
cxr_status cxr_score_output_write_sets(const cxr_config *conf, const score_plan *plan,
                                       const score_stats *st, cxr_error *err);
cxr_status cxr_score_output_write_summary(const cxr_config *conf, const score_plan *plan,
                                          const score_stats *st, cxr_error *err);
/* A shard's CSVs and shard.json under shards/K-of-N/. */
cxr_status cxr_score_output_write_shard(const cxr_config *conf, const score_plan *plan,
                                    const score_timing *timing, cxr_error *err);
/* malloc'd "<workdir>/manifests/score/shards/K-of-N". */
char *cxr_score_shard_dir(const cxr_config *conf, int k, int n);

/* score_merge.c: rebuilds the plan and results of an unsharded run from
 * the N shards' outputs; the shards must have been scored with 'threshold'
 * and, when 'model' is not NULL, with the model of that sha256. */
typedef struct score_merge_expect {
    double threshold;
    int decode_fast;     /* score.decode of the merge: the shards' must be the same */
    const score_model_info *models; /* NULL: any models (the shards agree) */
    size_t nmodels;
} score_merge_expect;
cxr_status cxr_score_merge_load(const cxr_config *conf, int nshards,
                                const score_merge_expect *expect, score_plan *plan,
                                double *seconds, cxr_error *err);

/* report.c: the self-contained HTML report; 'conf' gives the score
 * section's hash and locates the earlier stages' manifests (provenance),
 * 's' the config file, seed and pins; 'st' one score_stats per model. */
cxr_status cxr_score_report_write(const char *path, const cxr_config *conf,
                                  const cxr_score_settings *s, const score_plan *plan,
                                  const score_stats *st, cxr_error *err);

/* report_provenance.c: the provenance block of the report (a table). */
cxr_status cxr_score_report_provenance(FILE *f, const cxr_config *conf,
                                       const cxr_score_settings *s, const score_plan *plan,
                                       cxr_error *err);

#endif
