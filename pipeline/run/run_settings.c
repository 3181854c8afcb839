/* run_settings.c: the config the driver's steps read, read once into a
 * cxr_run_settings (steps.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"

/* score.model, else every score.models[].path (validate has refused both). */
static cxr_status read_models(const cxr_config *conf, cxr_run_settings *out, cxr_error *err)
{
    const char *one = cxr_config_str(conf, "score.model");
    size_t n = one && *one ? 1 : cxr_config_len(conf, "score.models");
    char key[64];

    if (n == 0)
        return CXR_OK;
    out->score_models = calloc(n, sizeof(*out->score_models));
    if (!out->score_models)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "score.models.%zu.path", i);
        out->score_models[i] = one && *one ? one : cxr_config_str(conf, key);
        if (!out->score_models[i]) {
            free(out->score_models);
            out->score_models = NULL;
            return cxr_fail(err, CXR_ERR_CONFIG, "'%s' is not set", key);
        }
    }
    out->nscore_models = n;
    return CXR_OK;
}

cxr_status cxr_run_settings_read(const cxr_config *conf, cxr_run_settings *out,
                                 cxr_error *err)
{
    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    out->layout_root = cxr_config_str(conf, "layout.root");
    return read_models(conf, out, err);
}

void cxr_run_settings_release(cxr_run_settings *s)
{
    free(s->score_models);
    s->score_models = NULL;
    s->nscore_models = 0;
}
