/* score_settings.c: the score stage's typed settings (score.h), read once
 * from a validated config, or taken from the schema's defaults for single
 * image mode without a config. The only file of the stage that reads keys. */
#include "score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cxr_score_truth truth_code(const char *t)
{
    if (t && strcmp(t, "positive") == 0)
        return CXR_TRUTH_POSITIVE;
    if (t && strcmp(t, "negative") == 0)
        return CXR_TRUTH_NEGATIVE;
    return CXR_TRUTH_UNKNOWN;
}

static void read_set(const cxr_config *conf, size_t i, cxr_score_set_settings *set)
{
    char key[128];
    const char *v;

#define SET_KEY(k) (snprintf(key, sizeof(key), "score.sets.%zu." k, i), key)
    v = cxr_config_str(conf, SET_KEY("name"));
    set->name = v ? v : "";
    set->folder = cxr_config_str(conf, SET_KEY("folder"));
    set->archive_dir = cxr_config_str(conf, SET_KEY("archive_dir"));
    set->truth = truth_code(cxr_config_str(conf, SET_KEY("truth")));
    v = cxr_config_str(conf, SET_KEY("source"));
    set->source = v ? v : "";
#undef SET_KEY
}

cxr_status cxr_score_settings_read(const cxr_config *conf, cxr_score_settings *out,
                                   cxr_error *err)
{
    const char *model = cxr_config_str(conf, "score.model");
    const char *report = cxr_config_str(conf, "score.report");

    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    out->model = model && *model ? model : NULL;
    out->threshold = cxr_config_float(conf, "score.threshold");
    out->positive_index = (int)cxr_config_int(conf, "score.positive_index");
    out->threads = (int)cxr_config_int(conf, "score.threads");
    out->engine_threads = (int)cxr_config_int(conf, "score.engine_threads");
    out->decode_low_priority = strcmp(cxr_config_str(conf, "score.decode_priority"), "low") == 0;
    out->batch = (int)cxr_config_int(conf, "score.batch");
    out->max_dimension = (int)cxr_config_int(conf, "score.max_dimension");
    out->histogram_bins = (int)cxr_config_int(conf, "score.histogram_bins");
    out->bootstrap = (int)cxr_config_int(conf, "score.bootstrap");
    out->report = report && *report ? report : NULL;
    out->layout_root = cxr_config_str(conf, "layout.root");
    out->archive_root = cxr_config_str(conf, "sample.archive_root");
    out->nsets = cxr_config_len(conf, "score.sets");
    if (out->nsets == 0)
        return CXR_OK;
    out->sets = calloc(out->nsets, sizeof(*out->sets));
    if (!out->sets) {
        out->nsets = 0;
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < out->nsets; i++)
        read_set(conf, i, &out->sets[i]);
    return CXR_OK;
}

/* The default text of a key in the schema table, or NULL. */
static const char *schema_default(const char *path)
{
    for (const cxr_schema_key *k = cxr_config_schema; k->path; k++)
        if (strcmp(k->path, path) == 0)
            return k->def;
    return NULL;
}

static long long default_int(const char *path)
{
    const char *d = schema_default(path);
    return d ? strtoll(d, NULL, 10) : 0;
}

void cxr_score_settings_defaults(cxr_score_settings *out)
{
    const char *d = schema_default("score.threshold");
    const char *prio = schema_default("score.decode_priority");

    memset(out, 0, sizeof(*out));
    out->threshold = d ? strtod(d, NULL) : 0;
    out->positive_index = (int)default_int("score.positive_index");
    out->threads = (int)default_int("score.threads");
    out->engine_threads = (int)default_int("score.engine_threads");
    out->decode_low_priority = prio && strcmp(prio, "low") == 0;
    out->batch = (int)default_int("score.batch");
    out->max_dimension = (int)default_int("score.max_dimension");
    out->histogram_bins = (int)default_int("score.histogram_bins");
    out->bootstrap = (int)default_int("score.bootstrap");
    out->layout_root = schema_default("layout.root");
    out->archive_root = schema_default("sample.archive_root");
}

void cxr_score_settings_release(cxr_score_settings *s)
{
    if (!s)
        return;
    free(s->sets);
    s->sets = NULL;
    s->nsets = 0;
}
