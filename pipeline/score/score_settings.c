/* score_settings.c: the score stage's typed settings (score.h), read once
 * from a validated config, or taken from the schema's defaults for single
 * image mode without a config. The only file of the stage that reads keys. */
#include "score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safename.h"

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

/* The length of "covid" in "models/covid.onnx", from 'base' (set to the
 * file name): the name score.model's model goes by. */
static size_t file_stem(const char *path, const char **base)
{
    const char *dot;
    *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    dot = strrchr(*base, '.');
    return dot && dot != *base ? (size_t)(dot - *base) : strlen(*base);
}

/* A model name must name CSV columns (score_<name>) and files, once. */
static cxr_status check_model_name(const cxr_score_settings *out, size_t i, cxr_error *err)
{
    const char *name = out->models[i].name;
    const char *why = !*name ? "empty" : strlen(name) > 64 ? "longer than 64 bytes"
                      : strchr(name, ',') ? "a comma" : cxr_safename_problem(name);

    if (why)
        return cxr_fail(err, CXR_ERR_CONFIG, "score.models.%zu.name '%s' cannot name a "
                        "column (%s)", i, name, why);
    for (size_t j = 0; j < i; j++)
        if (strcmp(out->models[j].name, name) == 0)
            return cxr_fail(err, CXR_ERR_CONFIG, "score.models: the name '%s' is given twice",
                            name);
    return CXR_OK;
}

/* score.models, or score.model alone, named after its file stem (kept
 * after the array, in the same allocation): never both. */
static cxr_status read_models(const cxr_config *conf, cxr_score_settings *out, cxr_error *err)
{
    const char *model = cxr_config_str(conf, "score.model");
    size_t n = cxr_config_len(conf, "score.models");
    const char *base = "";
    size_t stem;
    char key[96];
    cxr_status st = CXR_OK;

    model = model && *model ? model : NULL;
    if (model && n)
        return cxr_fail(err, CXR_ERR_CONFIG, "give 'score.model' or 'score.models', not both");
    if (!model && !n)
        return CXR_OK;
    stem = model ? file_stem(model, &base) : 0;
    out->models = calloc(1, (n ? n : 1) * sizeof(*out->models) + stem + 1);
    if (!out->models)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    out->nmodels = n ? n : 1;
    out->named_models = n > 0;
    if (model) {
        char *name = (char *)(out->models + 1);
        memcpy(name, base, stem);
        out->models[0] = (cxr_score_model_settings){name, model};
    }
    for (size_t i = 0; st == CXR_OK && i < n; i++) {
        snprintf(key, sizeof(key), "score.models.%zu.name", i);
        out->models[i].name = cxr_config_str(conf, key);
        snprintf(key, sizeof(key), "score.models.%zu.path", i);
        out->models[i].path = cxr_config_str(conf, key);
        st = check_model_name(out, i, err);
    }
    out->model = out->models[0].path;
    return st;
}

cxr_status cxr_score_settings_read(const cxr_config *conf, cxr_score_settings *out,
                                   cxr_error *err)
{
    const char *report = cxr_config_str(conf, "score.report"), *decode;
    cxr_status st;

    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    st = read_models(conf, out, err);
    if (st != CXR_OK) {
        cxr_score_settings_release(out);
        return st;
    }
    out->threshold = cxr_config_float(conf, "score.threshold");
    out->positive_index = (int)cxr_config_int(conf, "score.positive_index");
    out->threads = (int)cxr_config_int(conf, "score.threads");
    out->engine_threads = (int)cxr_config_int(conf, "score.engine_threads");
    out->decode_low_priority = strcmp(cxr_config_str(conf, "score.decode_priority"), "low") == 0;
    decode = cxr_config_str(conf, "score.decode"); /* absent: exact */
    out->decode_fast = decode && strcmp(decode, "fast") == 0;
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
        cxr_score_settings_release(out);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < out->nsets; i++)
        read_set(conf, i, &out->sets[i]);
    return CXR_OK;
}

cxr_status cxr_score_settings_pick_model(cxr_score_settings *s, const char *model,
                                         cxr_error *err)
{
    cxr_score_model_settings *one;
    const char *base;
    size_t stem;

    if (!model || !*model)
        return CXR_OK;
    for (size_t m = 0; m < s->nmodels; m++)
        if (strcmp(s->models[m].name, model) == 0) {
            s->models[0] = s->models[m]; /* the name still points into the array's tail */
            s->nmodels = 1;
            s->model = s->models[0].path;
            return CXR_OK;
        }
    stem = file_stem(model, &base);
    one = calloc(1, sizeof(*one) + stem + 1);
    if (!one)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    memcpy((char *)(one + 1), base, stem);
    *one = (cxr_score_model_settings){(char *)(one + 1), model};
    free(s->models);
    s->models = one;
    s->nmodels = 1;
    s->named_models = 0;
    s->model = model;
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
    const char *decode = schema_default("score.decode");

    memset(out, 0, sizeof(*out));
    out->threshold = d ? strtod(d, NULL) : 0;
    out->positive_index = (int)default_int("score.positive_index");
    out->threads = (int)default_int("score.threads");
    out->engine_threads = (int)default_int("score.engine_threads");
    out->decode_low_priority = prio && strcmp(prio, "low") == 0;
    out->decode_fast = decode && strcmp(decode, "fast") == 0;
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
    free(s->models);
    s->sets = NULL;
    s->nsets = 0;
    s->models = NULL;
    s->nmodels = 0;
}
