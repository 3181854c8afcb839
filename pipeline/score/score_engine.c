/* score_engine.c: the score stage's one link to libcxrinfer: loads the
 * model, checks its input and output against what scoring needs, and turns
 * the engine's outputs into scores (probability of the positive class;
 * logits go through a softmax first; a single output must be a sigmoid). */
#include "score_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cxrinfer.h>

#include "fsutil.h"

struct score_engine {
    cxrinfer_model *model;
    int classes, positive_index, softmax;
    float *out;          /* classes * capacity */
    size_t capacity;
};

cxr_status cxr_score_engine_open(const char *path, int threads, int positive_index,
                             score_engine **out, score_model_info *info, cxr_error *err)
{
    cxrinfer_options opt;
    cxrinfer_model_info mi;
    char msg[1024];
    score_engine *e;
    cxrinfer_status rc;

    *out = NULL;
    if (cxr_sha256_file(path, info->sha256, NULL, err) != CXR_OK)
        return cxr_error_prefix(err, "model: ");
    cxrinfer_options_init(&opt);
    opt.threads = threads;
    e = calloc(1, sizeof(*e));
    if (!e)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    rc = cxrinfer_model_load(path, &opt, &e->model, msg, sizeof(msg));
    if (rc != CXRINFER_OK) {
        free(e);
        return cxr_fail(err, rc == CXRINFER_ERR_IO ? CXR_ERR_IO
                             : rc == CXRINFER_ERR_UNSUPPORTED ? CXR_ERR_UNSUPPORTED
                             : rc == CXRINFER_ERR_NOMEM ? CXR_ERR_NOMEM : CXR_ERR_INPUT,
                        "%s", msg); /* the engine's message names the model */
    }
    if (cxrinfer_model_get_info(e->model, &mi) != CXRINFER_OK) {
        cxr_fail(err, CXR_ERR_UNSUPPORTED, "%s", cxrinfer_model_error(e->model));
        cxr_score_engine_free(e);
        return CXR_ERR_UNSUPPORTED;
    }
    if (positive_index >= mi.classes) {
        cxr_score_engine_free(e);
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "score.positive_index %d, but model '%s' has %d output classes",
                        positive_index, path, mi.classes);
    }
    if (mi.channels != 1 && mi.channels != 3) {
        cxr_score_engine_free(e);
        return cxr_fail(err, CXR_ERR_UNSUPPORTED, "model '%s' takes %d channels (1 or 3)",
                        path, mi.channels);
    }
    e->classes = mi.classes;
    e->positive_index = positive_index;
    e->softmax = mi.softmax_output;
    free(info->path);
    info->path = cxr_strdup(path);
    info->height = mi.height;
    info->width = mi.width;
    info->channels = mi.channels;
    info->classes = mi.classes;
    info->positive_index = positive_index;
    info->softmax = mi.softmax_output;
    snprintf(info->backend, sizeof(info->backend), "%s", mi.backend ? mi.backend : "");
    *out = e;
    return CXR_OK;
}

/* The positive class's probability from one image's outputs: a softmax
 * output as it is, logits through a softmax, and a single output (a
 * sigmoid) as it is; the caller checks the range. */
static double positive_probability(const score_engine *e, const float *o)
{
    double max = o[0], sum = 0;
    if (e->softmax || e->classes == 1)
        return o[e->positive_index];
    for (int c = 1; c < e->classes; c++)
        max = o[c] > max ? o[c] : max;
    for (int c = 0; c < e->classes; c++)
        sum += exp(o[c] - max);
    return exp(o[e->positive_index] - max) / sum;
}

cxr_status cxr_score_engine_run(score_engine *e, const float *images, size_t n, double *scores,
                            cxr_error *err)
{
    if (n > e->capacity) {
        float *grown = realloc(e->out, n * (size_t)e->classes * sizeof(float));
        if (!grown)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for model outputs");
        e->out = grown;
        e->capacity = n;
    }
    if (cxrinfer_run(e->model, images, n, e->out, (size_t)e->classes) != CXRINFER_OK)
        return cxr_fail(err, CXR_ERR_INTERNAL, "inference failed: %s",
                        cxrinfer_model_error(e->model));
    for (size_t i = 0; i < n; i++) {
        double p = positive_probability(e, e->out + i * (size_t)e->classes);
        if (!isnan(p) && (p < -1e-4 || p > 1 + 1e-4))
            return cxr_fail(err, CXR_ERR_UNSUPPORTED,
                            "the model's output %g is not a probability (a model with one "
                            "output must end in a sigmoid)", p);
        /* clamp float rounding just outside [0, 1] */
        scores[i] = isnan(p) ? p : p < 0 ? 0 : p > 1 ? 1 : p;
    }
    return CXR_OK;
}

void cxr_score_engine_free(score_engine *e)
{
    if (!e)
        return;
    cxrinfer_model_free(e->model);
    free(e->out);
    free(e);
}
