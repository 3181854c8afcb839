/* serve_predict.c: the recipe's answer for an uploaded image, through the
 * score stage's predictor (score.h), the function `cxrprep-score --image`
 * goes through too, so both give the same numbers by construction. Each
 * model is opened once, at start (its contract checked then); the predictor
 * serializes its engine's calls itself. The labelled copy is named after
 * the upload's file name, made safe. */
#include "serve_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "image.h"

struct serve_predictor {
    const cxr_serve_settings *s;     /* borrowed */
    cxr_score_predictor **models;    /* one per s->models */
    char *analysis_dir;
};

void serve_safe_stem(const char *name, char *out, size_t size)
{
    const char *base = name, *dot;
    size_t n = 0, len;

    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    while (*base == '.')
        base++;
    dot = strrchr(base, '.');
    len = dot ? (size_t)(dot - base) : strlen(base);
    for (size_t i = 0; i < len && n + 1 < size && n < 100; i++) {
        char c = base[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        out[n++] = ok ? c : '_';
    }
    out[n] = '\0';
    if (n == 0)
        snprintf(out, size, "upload");
}

void serve_predictor_close(serve_predictor *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->models && i < p->s->nmodels; i++)
        cxr_score_predictor_close(p->models[i]);
    free(p->models);
    free(p->analysis_dir);
    free(p);
}

cxr_status serve_predictor_open(const cxr_config *conf, const cxr_serve_settings *s,
                                const char *work_dir, serve_predictor **out, cxr_error *err)
{
    serve_predictor *p = calloc(1, sizeof(*p));
    cxr_status st = CXR_OK;

    *out = NULL;
    if (!p)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    p->s = s;
    p->analysis_dir = cxr_path_join(work_dir, "analysis");
    p->models = calloc(s->nmodels ? s->nmodels : 1, sizeof(*p->models));
    if (!p->analysis_dir || !p->models)
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == CXR_OK && i < s->nmodels; i++) {
        st = cxr_score_predictor_open(conf, s->models[i].path, &p->models[i], err);
        if (st != CXR_OK && st != CXR_ERR_NOMEM)
            cxr_error_prefix(err, "model '%s': ", s->models[i].name);
    }
    if (st == CXR_OK)
        st = cxr_mkdirs(p->analysis_dir, err);
    if (st != CXR_OK) {
        serve_predictor_close(p);
        return st;
    }
    *out = p;
    return CXR_OK;
}

static cxr_status check_format(const unsigned char *data, size_t len, cxr_error *err)
{
    cxr_image_format fmt = cxr_image_sniff(data, len);

    if (fmt == CXR_IMG_UNKNOWN)
        return cxr_fail(err, CXR_ERR_UNSUPPORTED,
                        "not an image of a supported format (JPEG, PNG, BMP, GIF)");
    if (fmt == CXR_IMG_WEBP || fmt == CXR_IMG_TIFF)
        return cxr_fail(err, CXR_ERR_UNSUPPORTED, "%s images are not supported (JPEG, PNG, "
                        "BMP, GIF are)", cxr_image_format_name(fmt));
    return CXR_OK;
}

cxr_status serve_predict(serve_predictor *p, const char *model, const unsigned char *data,
                         size_t len, const char *upload_name, serve_answer *out,
                         cxr_error *err)
{
    size_t m = 0;
    int found = 0;
    cxr_score_single r = {0};
    char stem[128], name[160];
    cxr_status st;

    memset(out, 0, sizeof(*out));
    if (p->s->nmodels == 0)
        return cxr_fail(err, CXR_ERR_MISSING, "no model: set score.model or serve.models");
    for (size_t i = 0; i < p->s->nmodels && !found; i++)
        if (!model || !*model || strcmp(p->s->models[i].name, model) == 0) {
            m = i;
            found = 1;
        }
    if (!found)
        return cxr_fail(err, CXR_ERR_USAGE, "unknown model '%s'", model);
    st = check_format(data, len, err);
    if (st != CXR_OK)
        return st;
    serve_safe_stem(upload_name ? upload_name : "", stem, sizeof(stem));
    snprintf(name, sizeof(name), "%s.%s", stem,
             cxr_image_format_name(cxr_image_sniff(data, len)));
    cxr_sha256_buf(data, len, out->sha256);
    st = cxr_score_predict_buffer(p->models[m], data, len, name, p->analysis_dir, &r, err);
    if (st == CXR_OK) {
        const char *slash = r.copy_path ? strrchr(r.copy_path, '/') : NULL;
        out->label = r.label;
        out->percent = r.percent;
        out->score = r.score;
        out->model = p->s->models[m].name;
        snprintf(out->copy, sizeof(out->copy), "%s", slash ? slash + 1 : "");
    }
    cxr_score_single_release(&r);
    return st;
}
