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
 * with every model of score.models (or the one of score.model): each set's
 * CSV holds a score_<name> and prediction_<name> column per named model,
 * its JSON and summary.json a "models" list, and the report shows the
 * models side by side. Each image is decoded once for all the models that
 * take the same input shape.
 *
 * Images are decoded and preprocessed (preprocess.h) by score.threads
 * threads while the engine runs batches, so decoding overlaps inference;
 * score.decode: fast (opt-in) lets a JPEG come out of the IDCT already
 * scaled down to no less than the model's input, and the JSONs, shard.json
 * and the report then say so (an exact run writes what it always wrote).
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
#include "progress.h"
#include "score_rule.h"
#include "settings.h"

/* What a set's images are known to be (score.sets[].truth). */
typedef enum cxr_score_truth {
    CXR_TRUTH_UNKNOWN = -1,
    CXR_TRUTH_NEGATIVE = 0,
    CXR_TRUTH_POSITIVE = 1
} cxr_score_truth;

/* One entry of score.sets; strings borrowed from the config. */
typedef struct cxr_score_set_settings {
    const char *name;         /* "" when absent (checked when the plan is built) */
    const char *folder;       /* under <workdir>/<layout.root>; NULL when absent */
    const char *archive_dir;  /* '<split>/<class>' of the archive; NULL when absent */
    cxr_score_truth truth;
    const char *source;       /* provenance ("ieee8023", ...); "" when not stated */
} cxr_score_set_settings;

/* One model of a run: score.models[i], or score.model named after its
 * file stem ("covid.onnx" is "covid"). Strings borrowed from the config. */
typedef struct cxr_score_model_settings {
    const char *name;
    const char *path;
} cxr_score_model_settings;

/* The score section (and the keys of other sections that scoring reads),
 * read once at the stage's entry point. Strings are borrowed from the
 * config; 'sets' is owned: release with cxr_score_settings_release. */
typedef struct cxr_score_settings {
    cxr_common_settings common;  /* workdir, seed, the Kermany archive */
    const char *model;           /* the first model's path; NULL when none is set */
    cxr_score_model_settings *models; /* owned: score.models, or score.model alone */
    size_t nmodels;
    int named_models;            /* from score.models: outputs name every model */
    double threshold;            /* POSITIVE when cxr_score_is_positive(score, threshold) */
    int positive_index;          /* the class whose probability is the score */
    int threads;                 /* decoding threads */
    int engine_threads;          /* the engine's threads (0: its default) */
    int decode_low_priority;     /* score.decode_priority is 'low' */
    int decode_fast;             /* score.decode is 'fast' (else 'exact') */
    int batch;                   /* images per engine call */
    int max_dimension;           /* decode cap: a larger side is refused */
    int histogram_bins, bootstrap;
    const char *report;          /* score.report; NULL: <workdir>/manifests/score/report.html */
    const char *layout_root;     /* layout.root: folder sets are under it */
    const char *archive_root;    /* sample.archive_root: where archive sets are read */
    cxr_score_set_settings *sets;
    size_t nsets;
} cxr_score_settings;

/* Fills 'out' from a validated config (borrowed; must outlive 'out').
 * Fails when out of memory, and with CXR_ERR_CONFIG when both score.model
 * and score.models are given or a model name is empty, not a file name, or
 * given twice. */
cxr_status cxr_score_settings_read(const cxr_config *conf, cxr_score_settings *out,
                                   cxr_error *err);
/* Narrows the run to one model: the configured model named 'model', or
 * else the model file 'model' (named after its file stem; the outputs then
 * name no model, as with score.model). NULL or "": every configured model.
 * 'model' is borrowed. Fails only when out of memory. */
cxr_status cxr_score_settings_pick_model(cxr_score_settings *s, const char *model,
                                         cxr_error *err);
/* The score keys' defaults from the schema table, for single image mode
 * without a config: no model, no sets, common settings empty. */
void cxr_score_settings_defaults(cxr_score_settings *out);
void cxr_score_settings_release(cxr_score_settings *s); /* safe on a zeroed struct */

typedef struct cxr_score_options {
    const char *model;   /* borrowed; when not NULL: the name of one configured model
                            to score alone, else a model file replacing score.model(s) */
    int shard_k;         /* 1..shard_n; 0 with shard_n 0: no sharding */
    int shard_n;
    cxr_progress_sink progress; /* per-image progress ("score", "images"); fn NULL: none */
} cxr_score_options;

/* One set's headline numbers, for the executable to print. */
typedef struct cxr_score_set_line {
    char *name;          /* owned */
    char *model;         /* owned: the model's name when the run names its models, else NULL */
    size_t n, failed, positives;
    double mean, median; /* NaN when n is 0 */
} cxr_score_set_line;

typedef struct cxr_score_outcome {
    cxr_score_set_line *sets; /* owned, nsets entries: per set, each model in turn */
    size_t nsets;
    size_t images, failed;    /* scored, and not decodable */
    double seconds;           /* decoding and inference (0 for a merge) */
    double images_per_s;
    int decode_threads;
    char *out_dir;            /* owned: where the manifests went */
    char *report;             /* owned: the HTML report, or NULL (shard runs) */
} cxr_score_outcome;

void cxr_score_outcome_release(cxr_score_outcome *out); /* safe on a zeroed struct */

/* The model contract, checked when the model is loaded, before any image
 * is read: one input, an image tensor [N,H,W,C] (NHWC) or [N,C,H,W] (NCHW)
 * with C 1 or 3 and a fixed height and width (the batch N fixed or
 * symbolic), and one output [N,2], the probabilities (or logits) of two
 * classes in the order of the training folders sorted by name (as Keras
 * numbers them: covid 0, normal 1), or [N,1], a sigmoid giving the
 * probability of class 1 (Keras' binary mode). Any other model is
 * CXR_ERR_INPUT naming the shapes found and expected; a positive_index
 * that is not 0 or 1 is CXR_ERR_CONFIG. */

/* Scores every set of a validated config (borrowed). 'out' is filled on
 * success and must be released. A model or archive that cannot be read, a
 * missing set folder or an engine failure is an error; an image that does
 * not decode is recorded in the CSV (error column) and counted as failed. */
cxr_status cxr_score_run(const cxr_config *conf, const cxr_score_options *opt,
                         cxr_score_outcome *out, cxr_error *err);

/* Combines the outputs of shards 1..nshards (all must exist and agree on
 * the model, threshold and sets) into the unsharded outputs and the report.
 * The shards must have been scored with this run's threshold and, when it
 * names one (opt->model or score.model), this run's model (by sha256):
 * else CXR_ERR_INPUT naming both. 'opt' may be NULL; its shard fields are
 * ignored. */
cxr_status cxr_score_merge(const cxr_config *conf, const cxr_score_options *opt,
                           int nshards, cxr_score_outcome *out, cxr_error *err);

/* Single image mode: the recipe's answer for one image. */
typedef struct cxr_score_single {
    double score;        /* probability of the positive class (6 decimals, as the CSVs) */
    int positive;        /* cxr_score_is_positive(score, score.threshold) */
    const char *label;   /* "POSITIVE" or "NEGATIVE" (static) */
    int percent;         /* round(100 x the probability of the class 'label' names) */
    char *copy_path;     /* owned: the labelled copy written, or NULL */
} cxr_score_single;

/* Scores one image file. 'conf' (borrowed) gives the threshold, the
 * positive index, the decode cap (score.max_dimension) and the engine
 * threads; NULL takes the schema's defaults. 'model' is the name of a
 * configured model (score.models, or score.model's file stem) or a model
 * file; NULL: the first configured model.
 * The model is checked (the contract above) before the image is read. With
 * threshold 0.5 the label is the class of larger probability and the
 * percent its probability, the recipe's "NEGATIVE 53%". When 'copy_dir' is
 * not NULL writes the recipe's labelled copy there as PNG:
 * '<POSITIVE|NEGATIVE>_Prob_<percent>_Name_<file name without extension>.png'. */
cxr_status cxr_score_image(const cxr_config *conf, const char *model, const char *image,
                           const char *copy_dir, cxr_score_single *out, cxr_error *err);
void cxr_score_single_release(cxr_score_single *s); /* safe on a zeroed struct */

/* A model opened once for many single images from memory (cxrprep serve);
 * cxr_score_image goes through it too, so both give the same answer:
 *
 *     cxr_score_predictor *p;
 *     cxr_score_predictor_open(conf, "model.onnx", &p, &err);  // the contract, checked
 *     cxr_score_predict_buffer(p, bytes, len, "chest.png", NULL, &r, &err);
 *     cxr_score_single_release(&r);
 *     cxr_score_predictor_close(p);
 *
 * 'conf' and 'model' as for cxr_score_image; 'conf' (may be NULL) must
 * outlive the predictor. A predictor may be shared by threads: each call
 * decodes and preprocesses in its caller's thread, and the engine runs one
 * call at a time (a libcxrinfer model must not run in two threads at once). */
typedef struct cxr_score_predictor cxr_score_predictor;

cxr_status cxr_score_predictor_open(const cxr_config *conf, const char *model,
                                    cxr_score_predictor **out, cxr_error *err);
/* Scores one image's bytes (borrowed) as cxr_score_image scores a file
 * called 'name': errors name it, and the labelled copy, when 'copy_dir' is
 * not NULL, is named after it. */
cxr_status cxr_score_predict_buffer(cxr_score_predictor *p, const unsigned char *data,
                                    size_t len, const char *name, const char *copy_dir,
                                    cxr_score_single *out, cxr_error *err);
/* The model file's sha256 (hex; borrowed). */
const char *cxr_score_predictor_model_sha256(const cxr_score_predictor *p);
void cxr_score_predictor_close(cxr_score_predictor *p); /* NULL is a no-op */

#endif
