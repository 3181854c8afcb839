/* score_single.c: single image mode (cxrprep-score --image, cxrprep
 * serve): the recipe's answer for one image, the winning class and its
 * probability, through the same model contract, decode cap, preprocessing,
 * engine and decision rule as a set run (score.decode included); and the
 * recipe's labelled copy.
 * The predictor opens the model once for many images, from memory, shared
 * by threads; a file is scored through it too. */
#include "score.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "image.h"
#include "score_internal.h"

void cxr_score_single_release(cxr_score_single *s)
{
    if (!s)
        return;
    free(s->copy_path);
    memset(s, 0, sizeof(*s));
}

/* '<LABEL>_Prob_<percent>_Name_<stem>.png' in 'dir'. */
static char *labelled_name(const char *dir, const char *image, const cxr_score_single *r)
{
    const char *base = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
    const char *dot = strrchr(base, '.');
    int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    size_t n = strlen(base) + 64;
    char *name = malloc(n), *path;
    if (!name)
        return NULL;
    snprintf(name, n, "%s_Prob_%d_Name_%.*s.png", r->label, r->percent, stem, base);
    path = cxr_path_join(dir, name);
    free(name);
    return path;
}

/* The answer for one image from its positive-class probability: the label
 * by the stage's one rule, the percent of the class the label names,
 * rounded half up in decimal on the six decimals a set run's CSV holds
 * (integer millionths: 0.465 gives NEGATIVE 54%, whatever 1 - 0.465 is in
 * binary). */
static void single_answer(double score, double threshold, cxr_score_single *out)
{
    long micro;

    out->score = cxr_score_canonical(score);
    out->positive = cxr_score_is_positive(out->score, threshold);
    out->label = out->positive ? "POSITIVE" : "NEGATIVE";
    micro = lround(out->score * 1e6);
    out->percent = (int)(((out->positive ? micro : 1000000 - micro) + 5000) / 10000);
}

struct cxr_score_predictor {
    cxr_score_settings s;        /* threshold, positive index, decode cap */
    score_engine *engine;
    score_model_info info;
    pthread_mutex_t engine_lock; /* one engine call at a time */
};

void cxr_score_predictor_close(cxr_score_predictor *p)
{
    if (!p)
        return;
    cxr_score_engine_free(p->engine);
    cxr_score_model_info_release(&p->info);
    pthread_mutex_destroy(&p->engine_lock);
    cxr_score_settings_release(&p->s);
    free(p);
}

cxr_status cxr_score_predictor_open(const cxr_config *conf, const char *model,
                                    cxr_score_predictor **out, cxr_error *err)
{
    cxr_score_predictor *p = calloc(1, sizeof(*p));
    cxr_status rc = CXR_OK;

    *out = NULL;
    if (!p)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&p->engine_lock, NULL) != 0) {
        free(p);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    if (conf)
        rc = cxr_score_settings_read(conf, &p->s, err);
    else
        cxr_score_settings_defaults(&p->s);
    if (rc == CXR_OK)
        rc = cxr_score_settings_pick_model(&p->s, model, err);
    model = p->s.model;
    if (rc == CXR_OK && (!model || !*model))
        rc = cxr_fail(err, CXR_ERR_USAGE, "--image needs --model FILE (or score.model)");
    /* the model contract first: a wrong model is refused before any image is read */
    if (rc == CXR_OK)
        rc = cxr_score_engine_open(model, p->s.engine_threads, p->s.positive_index, &p->engine,
                                   &p->info, err);
    if (rc != CXR_OK) {
        cxr_score_predictor_close(p);
        return rc;
    }
    *out = p;
    return CXR_OK;
}

const char *cxr_score_predictor_model_sha256(const cxr_score_predictor *p)
{
    return p ? p->info.sha256 : "";
}

/* Decodes (with the cap) and preprocesses in the caller's thread, then
 * runs the engine under the predictor's lock. */
static cxr_status predict_bytes(cxr_score_predictor *p, const unsigned char *data, size_t len,
                                cxr_image *img, double *score, cxr_error *err)
{
    const score_model_info *info = &p->info;
    cxr_prep_shape shape = {info->width, info->height, info->channels};
    float *input;
    cxr_status rc;

    /* the file's own channels, decoded as a set run decodes it (score.decode) */
    rc = cxr_preprocess_decode(data, len, p->s.max_dimension,
                               p->s.decode_fast ? CXR_DECODE_FAST : CXR_DECODE_EXACT, &shape,
                               img, err);
    if (rc != CXR_OK)
        return rc;
    input = malloc((size_t)info->width * info->height * info->channels * sizeof(float));
    if (!input)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    rc = cxr_preprocess_image(img, &shape, input, err);
    if (rc == CXR_OK) {
        pthread_mutex_lock(&p->engine_lock);
        rc = cxr_score_engine_run(p->engine, input, 1, score, err);
        pthread_mutex_unlock(&p->engine_lock);
    }
    free(input);
    return rc;
}

/* The labelled copy is the image at its own size: a fast decode may have
 * scaled it down, then it is decoded again in full for the copy. */
static cxr_status write_copy(const cxr_score_predictor *p, const unsigned char *data,
                             size_t len, const cxr_image *scored, const char *path,
                             cxr_error *err)
{
    cxr_image full = {0};
    cxr_status rc;

    if (!p->s.decode_fast)
        return cxr_image_write_png(scored, path, err);
    rc = cxr_image_decode(data, len, p->s.max_dimension, 0, &full, err);
    if (rc == CXR_OK)
        rc = cxr_image_write_png(&full, path, err);
    cxr_image_release(&full);
    return rc;
}

cxr_status cxr_score_predict_buffer(cxr_score_predictor *p, const unsigned char *data,
                                    size_t len, const char *name, const char *copy_dir,
                                    cxr_score_single *out, cxr_error *err)
{
    cxr_image img = {0};
    double score = 0;
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    rc = predict_bytes(p, data, len, &img, &score, err);
    if (rc == CXR_OK && isnan(score))
        rc = cxr_fail(err, CXR_ERR_INPUT, "the model returned NaN");
    if (rc != CXR_OK && rc != CXR_ERR_NOMEM)
        cxr_error_prefix(err, "'%s': ", name);
    if (rc == CXR_OK) {
        single_answer(score, p->s.threshold, out);
        if (copy_dir && !(out->copy_path = labelled_name(copy_dir, name, out)))
            rc = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        if (rc == CXR_OK && copy_dir)
            rc = write_copy(p, data, len, &img, out->copy_path, err);
    }
    cxr_image_release(&img);
    return rc;
}

cxr_status cxr_score_image(const cxr_config *conf, const char *model, const char *image,
                           const char *copy_dir, cxr_score_single *out, cxr_error *err)
{
    cxr_score_predictor *p = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    rc = cxr_score_predictor_open(conf, model, &p, err);
    if (rc == CXR_OK)
        rc = cxr_read_file(image, &data, &len, err);
    if (rc == CXR_OK)
        rc = cxr_score_predict_buffer(p, data, len, image, copy_dir, out, err);
    free(data);
    cxr_score_predictor_close(p);
    return rc;
}
