/* sample_settings.c: the sample stage's settings (sample.h), read once from
 * the validated config; the only file of the stage that reads keys. */
#include "sample.h"

#include "exclusions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *draw_str(const cxr_config *conf, size_t i, const char *field)
{
    char key[128];
    snprintf(key, sizeof(key), "sample.draws.%zu.%s", i, field);
    return cxr_config_str(conf, key);
}

static cxr_status read_draw(const cxr_config *conf, size_t i, cxr_sample_draw_settings *d,
                            cxr_error *err)
{
    char key[128];
    d->name = draw_str(conf, i, "name");
    d->split = draw_str(conf, i, "split");
    d->klass = draw_str(conf, i, "class");
    d->count = draw_str(conf, i, "count");
    snprintf(key, sizeof(key), "sample.draws.%zu.patient_disjoint", i);
    d->patient_disjoint = cxr_config_bool(conf, key);
    snprintf(key, sizeof(key), "sample.draws.%zu.disjoint_from", i);
    d->ndisjoint = cxr_config_len(conf, key);
    if (!d->ndisjoint)
        return CXR_OK;
    if (!(d->disjoint_from = calloc(d->ndisjoint, sizeof(*d->disjoint_from))))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < d->ndisjoint; k++) {
        const char *other = cxr_config_list_str(conf, key, k);
        d->disjoint_from[k] = other ? other : "";
    }
    return CXR_OK;
}

cxr_status cxr_sample_settings_read(const cxr_config *conf, cxr_sample_settings *out,
                                    cxr_error *err)
{
    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    out->archive_root = cxr_config_str(conf, "sample.archive_root");
    if (cxr_exclusions_path(conf, &out->exclusions, err) != CXR_OK)
        return err->status;
    out->ndraws = cxr_config_len(conf, "sample.draws");
    if (!out->ndraws)
        return CXR_OK;
    if (!(out->draws = calloc(out->ndraws, sizeof(*out->draws)))) {
        out->ndraws = 0;
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < out->ndraws; i++) {
        cxr_status st = read_draw(conf, i, &out->draws[i], err);
        if (st != CXR_OK)
            return st;
    }
    return CXR_OK;
}

void cxr_sample_settings_release(cxr_sample_settings *s)
{
    for (size_t i = 0; s->draws && i < s->ndraws; i++)
        free(s->draws[i].disjoint_from);
    free(s->draws);
    s->draws = NULL;
    s->ndraws = 0;
    free(s->exclusions);
    s->exclusions = NULL;
}
