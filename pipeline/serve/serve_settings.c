/* serve_settings.c: the serve layer's typed settings (serve.h), read once
 * from a validated config. The only file of the layer that reads keys. */
#include "serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exclusions.h"

void cxr_serve_settings_release(cxr_serve_settings *s)
{
    if (!s)
        return;
    cxr_score_settings_release(&s->score);
    free(s->models);
    free(s->exclusions);
    memset(s, 0, sizeof(*s));
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static cxr_status copy_score_models(cxr_serve_settings *out, cxr_error *err)
{
    if (out->score.nmodels == 0)
        return CXR_OK;
    out->models = calloc(out->score.nmodels, sizeof(*out->models));
    if (!out->models)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < out->score.nmodels; i++)
        out->models[i] = (cxr_serve_model){out->score.models[i].name, out->score.models[i].path};
    out->nmodels = out->score.nmodels;
    return CXR_OK;
}

/* --model FILE, else serve.models, else score.models, else score.model
 * (named after its file name). */
static cxr_status read_models(const cxr_config *conf, const char *model, cxr_serve_settings *out,
                              cxr_error *err)
{
    size_t n = cxr_config_len(conf, "serve.models");
    char key[96];

    if (!model && n == 0 && out->score.named_models) /* score.models */
        return copy_score_models(out, err);
    if (model || n == 0) {
        model = model ? model : out->score.model;
        if (!model)
            return CXR_OK;
        n = 1;
    }
    out->models = calloc(n, sizeof(*out->models));
    if (!out->models)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    out->nmodels = n;
    if (model) {
        out->models[0] = (cxr_serve_model){base_name(model), model};
        return CXR_OK;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "serve.models.%zu.name", i);
        out->models[i].name = cxr_config_str(conf, key);
        snprintf(key, sizeof(key), "serve.models.%zu.path", i);
        out->models[i].path = cxr_config_str(conf, key);
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->models[j].name, out->models[i].name) == 0)
                return cxr_fail(err, CXR_ERR_CONFIG, "serve.models: the name '%s' is given "
                                "twice", out->models[i].name);
    }
    return CXR_OK;
}

cxr_status cxr_serve_settings_read(const cxr_config *conf, const char *model,
                                   cxr_serve_settings *out, cxr_error *err)
{
    cxr_status st;

    memset(out, 0, sizeof(*out));
    st = cxr_score_settings_read(conf, &out->score, err);
    if (st == CXR_OK) {
        out->max_upload_bytes = (size_t)cxr_config_int(conf, "serve.max_upload_mb") << 20;
        st = read_models(conf, model, out, err);
    }
    if (st == CXR_OK)
        st = cxr_exclusions_path(conf, &out->exclusions, err);
    if (st != CXR_OK)
        cxr_serve_settings_release(out);
    return st;
}
