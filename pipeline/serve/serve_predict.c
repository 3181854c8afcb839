/* serve_predict.c: the recipe's answer for an uploaded image, through the
 * score stage's single image mode (score.h), so that the server and
 * `cxrprep-score --image` give the same numbers by construction. The
 * upload is written under its own (made safe) name in a private temporary
 * directory, so the labelled copy is named as the recipe's app named it;
 * the engine's calls are serialized (one engine, never in two threads). */
#include "serve_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "image.h"

struct serve_predictor {
    const cxr_config *conf;          /* borrowed */
    const cxr_serve_settings *s;     /* borrowed */
    char *analysis_dir, *tmp_dir;
    pthread_mutex_t engine_lock;
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
    pthread_mutex_destroy(&p->engine_lock);
    free(p->analysis_dir);
    free(p->tmp_dir);
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
    p->conf = conf;
    p->s = s;
    p->analysis_dir = cxr_path_join(work_dir, "analysis");
    p->tmp_dir = cxr_path_join(work_dir, "tmp");
    if (!p->analysis_dir || !p->tmp_dir || pthread_mutex_init(&p->engine_lock, NULL) != 0) {
        free(p->analysis_dir);
        free(p->tmp_dir);
        free(p);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; st == CXR_OK && i < s->nmodels; i++)
        if (!cxr_is_file(s->models[i].path))
            st = cxr_fail(err, CXR_ERR_MISSING, "model '%s' not found ('%s')",
                          s->models[i].name, s->models[i].path);
    if (st == CXR_OK)
        st = cxr_mkdirs(p->analysis_dir, err);
    if (st == CXR_OK)
        st = cxr_mkdirs(p->tmp_dir, err);
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

/* Writes the upload to <tmp>/<random>/<stem>.<format> and scores that file. */
static cxr_status score_upload(serve_predictor *p, const cxr_serve_model *model,
                               const unsigned char *data, size_t len, const char *stem,
                               cxr_score_single *r, cxr_error *err)
{
    char dir[4096], file[4400];
    FILE *fp;
    cxr_status st;

    snprintf(dir, sizeof(dir), "%s/up-XXXXXX", p->tmp_dir);
    if (!mkdtemp(dir))
        return cxr_fail(err, CXR_ERR_IO, "cannot make a temporary directory in '%s'",
                        p->tmp_dir);
    snprintf(file, sizeof(file), "%s/%s.%s", dir, stem,
             cxr_image_format_name(cxr_image_sniff(data, len)));
    fp = fopen(file, "wb");
    if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        if (fp)
            fclose(fp);
        st = cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", file);
    } else {
        pthread_mutex_lock(&p->engine_lock);
        st = cxr_score_image(p->conf, model->path, file, p->analysis_dir, r, err);
        pthread_mutex_unlock(&p->engine_lock);
    }
    unlink(file);
    rmdir(dir);
    return st;
}

cxr_status serve_predict(serve_predictor *p, const char *model, const unsigned char *data,
                         size_t len, const char *upload_name, serve_answer *out,
                         cxr_error *err)
{
    const cxr_serve_model *m = NULL;
    cxr_score_single r = {0};
    char stem[128];
    cxr_status st;

    memset(out, 0, sizeof(*out));
    if (p->s->nmodels == 0)
        return cxr_fail(err, CXR_ERR_MISSING, "no model: set score.model or serve.models");
    for (size_t i = 0; i < p->s->nmodels && !m; i++)
        if (!model || !*model || strcmp(p->s->models[i].name, model) == 0)
            m = &p->s->models[i];
    if (!m)
        return cxr_fail(err, CXR_ERR_USAGE, "unknown model '%s'", model);
    st = check_format(data, len, err);
    if (st != CXR_OK)
        return st;
    serve_safe_stem(upload_name ? upload_name : "", stem, sizeof(stem));
    cxr_sha256_buf(data, len, out->sha256);
    st = score_upload(p, m, data, len, stem, &r, err);
    if (st == CXR_OK) {
        const char *slash = r.copy_path ? strrchr(r.copy_path, '/') : NULL;
        out->label = r.label;
        out->percent = r.percent;
        out->score = r.score;
        out->model = m->name;
        snprintf(out->copy, sizeof(out->copy), "%s", slash ? slash + 1 : "");
    }
    cxr_score_single_release(&r);
    return st;
}
