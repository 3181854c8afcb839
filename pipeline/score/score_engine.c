/* score_engine.c: the score stage's one link to libcxrinfer: loads the
 * model, checks it against the model contract (score.h) before any image is
 * read, and turns the engine's outputs into scores (the probability of the
 * positive class; logits go through a softmax first; a single output is a
 * sigmoid giving the probability of class 1). */
#include "score_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cxrinfer.h>

#include "fsutil.h"

#define CONTRACT "expected one input [N,H,W,C] (NHWC) or [N,C,H,W] (NCHW) with C 1 or 3 " \
                 "and a fixed H and W, and one output [N,2] (two classes) or [N,1] (a sigmoid)"

struct score_engine {
    cxrinfer_model *model;
    int classes, positive_index, softmax;
    float *out;          /* classes * capacity */
    size_t capacity;
};

static cxr_status load_status(cxrinfer_status rc)
{
    return rc == CXRINFER_ERR_IO ? CXR_ERR_IO
           : rc == CXRINFER_ERR_UNSUPPORTED ? CXR_ERR_UNSUPPORTED
           : rc == CXRINFER_ERR_NOMEM ? CXR_ERR_NOMEM : CXR_ERR_INPUT;
}

/* "found input 'x' [N,224,224,3] (NHWC) and output 'y' [N,10]" */
static void shapes_found(const cxrinfer_model_info *mi, char *buf, size_t size)
{
    char n[16];
    int nhwc = mi->layout == CXRINFER_LAYOUT_NHWC;
    if (mi->batch > 0)
        snprintf(n, sizeof(n), "%d", mi->batch);
    else
        snprintf(n, sizeof(n), "N");
    snprintf(buf, size, "found input '%s' [%s,%d,%d,%d] (%s) and output '%s' [%s,%d]",
             mi->input_name ? mi->input_name : "", n, nhwc ? mi->height : mi->channels,
             nhwc ? mi->width : mi->height, nhwc ? mi->channels : mi->width,
             nhwc ? "NHWC" : "NCHW", mi->output_name ? mi->output_name : "", n, mi->classes);
}

/* The model contract (score.h): CXR_ERR_INPUT naming what was found. */
static cxr_status check_contract(cxrinfer_model *m, const char *path, int positive_index,
                                 cxrinfer_model_info *mi, cxr_error *err)
{
    size_t nin = cxrinfer_model_input_count(m), nout = cxrinfer_model_output_count(m);
    char found[512];

    if (nin != 1 || nout != 1)
        return cxr_fail(err, CXR_ERR_INPUT, "model '%s' has %zu input%s and %zu output%s; "
                        CONTRACT, path, nin, nin == 1 ? "" : "s", nout, nout == 1 ? "" : "s");
    if (cxrinfer_model_get_info(m, mi) != CXRINFER_OK)
        return cxr_fail(err, CXR_ERR_INPUT, "model '%s': %s; " CONTRACT, path,
                        cxrinfer_model_error(m));
    shapes_found(mi, found, sizeof(found));
    if ((mi->channels != 1 && mi->channels != 3) || mi->classes < 1 || mi->classes > 2)
        return cxr_fail(err, CXR_ERR_INPUT, "model '%s' is not a two-class image classifier: "
                        "%s; " CONTRACT, path, found);
    if (mi->classes == 1 && mi->softmax_output)
        return cxr_fail(err, CXR_ERR_INPUT, "model '%s': %s ends in a softmax over one unit "
                        "(always 1); a single output must be a sigmoid", path, found);
    if (positive_index > 1)
        return cxr_fail(err, CXR_ERR_CONFIG, "score.positive_index %d, but model '%s' has two "
                        "classes (0 and 1)", positive_index, path);
    return CXR_OK;
}

cxr_status cxr_score_model_identify(const char *path, score_model_info *info, cxr_error *err)
{
    char *copy;
    if (cxr_sha256_file(path, info->sha256, NULL, err) != CXR_OK)
        return cxr_error_prefix(err, "model: ");
    copy = strdup(path);
    if (!copy)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    free(info->path);
    info->path = copy;
    return CXR_OK;
}

void cxr_score_model_info_release(score_model_info *info)
{
    if (!info)
        return;
    free(info->name);
    free(info->path);
    info->name = info->path = NULL;
}

static void fill_info(const cxrinfer_model_info *mi, int positive_index, score_model_info *info)
{
    info->height = mi->height;
    info->width = mi->width;
    info->channels = mi->channels;
    info->classes = mi->classes;
    info->positive_index = positive_index;
    info->softmax = mi->softmax_output;
    snprintf(info->backend, sizeof(info->backend), "%s", mi->backend ? mi->backend : "");
}

cxr_status cxr_score_engine_open(const char *path, int threads, int positive_index,
                             score_engine **out, score_model_info *info, cxr_error *err)
{
    cxrinfer_options opt;
    cxrinfer_model_info mi;
    char msg[1024];
    score_engine *e;
    cxrinfer_status rc;
    cxr_status st;

    *out = NULL;
    st = cxr_score_model_identify(path, info, err);
    if (st != CXR_OK)
        return st;
    cxrinfer_options_init(&opt);
    opt.threads = threads;
    e = calloc(1, sizeof(*e));
    if (!e)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    rc = cxrinfer_model_load(path, &opt, &e->model, msg, sizeof(msg));
    if (rc != CXRINFER_OK) {
        free(e);
        /* the engine's message names the model */
        return cxr_fail(err, load_status(rc), "%s", msg);
    }
    st = check_contract(e->model, path, positive_index, &mi, err);
    if (st != CXR_OK) {
        cxr_score_engine_free(e);
        return st;
    }
    e->classes = mi.classes;
    e->positive_index = positive_index;
    e->softmax = mi.softmax_output;
    fill_info(&mi, positive_index, info);
    *out = e;
    return CXR_OK;
}

/* The positive class's probability from one image's outputs: a softmax
 * output as it is, logits through a softmax, and a single output (a
 * sigmoid, the probability of class 1) as it is for class 1 and its
 * complement for class 0. */
static double positive_probability(const score_engine *e, const float *o)
{
    double max = o[0], sum = 0;
    if (e->classes == 1)
        return e->positive_index == 1 ? o[0] : 1.0 - o[0];
    if (e->softmax)
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
    cxrinfer_status rc;

    if (n > e->capacity) {
        float *grown = realloc(e->out, n * (size_t)e->classes * sizeof(float));
        if (!grown)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory for model outputs");
        e->out = grown;
        e->capacity = n;
    }
    rc = cxrinfer_run(e->model, images, n, e->out, (size_t)e->classes);
    if (rc == CXRINFER_ERR_NOMEM)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory running the model");
    if (rc != CXRINFER_OK)
        return cxr_fail(err, CXR_ERR_INTERNAL, "inference failed: %s",
                        cxrinfer_model_error(e->model));
    for (size_t i = 0; i < n; i++) {
        const float *o = e->out + i * (size_t)e->classes;
        double p = positive_probability(e, o);
        /* a single output must already be a probability; a softmax gives one */
        double raw = e->classes == 1 ? o[0] : p;
        if (!isnan(raw) && (raw < -1e-4 || raw > 1 + 1e-4))
            return cxr_fail(err, CXR_ERR_UNSUPPORTED,
                            "the model's output %g is not a probability (a model with one "
                            "output must end in a sigmoid)", raw);
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
