/* score_output.c: what the score stage writes: per set a CSV (image,
 * score, truth, prediction, error; with score.models also score_<name> and
 * prediction_<name> per model) and a JSON summary, summary.json over all
 * sets with the comparisons, and for a shard run its CSVs and shard.json;
 * the JSONs say "decode": "fast" when score.decode was fast.
 * Scores are written with six decimals, the same text a merge reads back,
 * so sharded and unsharded runs give the same summaries. A run of
 * score.model writes exactly what it wrote before models had names. */
#include "contract.h"
#include "score_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "manifest.h"
#include "summary.h"
#include "workdir.h"

/* The CSV's columns: the first model's score and prediction under the
 * plain names (what readers of one-model CSVs find), then with named
 * models score_<name> and prediction_<name> for each. 'names' holds
 * 2 * nmodels strings of up to 'size' bytes; the array is malloc'd. */
static const char **csv_columns(const score_plan *plan, char *names, size_t size,
                                size_t *ncols)
{
    size_t extra = plan->named_models ? 2 * plan->nmodels : 0;
    const char **cols = malloc((5 + extra) * sizeof(*cols));

    if (!cols)
        return NULL;
    cols[0] = "image", cols[1] = "score", cols[2] = "truth", cols[3] = "prediction";
    cols[4] = "error";
    for (size_t m = 0; m < extra / 2; m++) {
        char *sc = names + 2 * m * size, *pr = sc + size;
        snprintf(sc, size, "score_%s", plan->models[m].name);
        snprintf(pr, size, "prediction_%s", plan->models[m].name);
        cols[5 + 2 * m] = sc;
        cols[6 + 2 * m] = pr;
    }
    *ncols = 5 + extra;
    return cols;
}

/* Model m's score text and prediction of one item ("" when not scored). */
static const char *result_text(const score_plan *plan, const score_result *r, char *buf,
                               size_t size, const char **prediction)
{
    buf[0] = '\0';
    *prediction = "";
    if (!r->done)
        return buf;
    snprintf(buf, size, "%.6f", r->score);
    *prediction = cxr_score_is_positive(r->score, plan->threshold) ? "positive" : "negative";
    return buf;
}

#define NAME_MAX_COL 96 /* "prediction_" + a model name (at most 64 bytes) */

static cxr_status write_rows(cxr_manifest_writer *w, const score_plan *plan, size_t s,
                             size_t ncols, const char **v, char (*text)[32], cxr_error *err)
{
    const score_set *set = &plan->sets[s];
    cxr_status st = CXR_OK;

    for (size_t i = set->first; st == CXR_OK && i < set->first + set->count; i++) {
        const score_item *it = &plan->items[i];
        v[0] = it->name;
        v[1] = result_text(plan, &it->res[0], text[0], sizeof(text[0]), &v[3]);
        v[2] = set->truth == SCORE_TRUTH_UNKNOWN ? "" : cxr_score_truth_name(set->truth);
        v[4] = it->error ? it->error : "";
        for (size_t c = 5, m = 0; c < ncols; c += 2, m++)
            v[c] = result_text(plan, &it->res[m], text[m + 1], sizeof(text[0]), &v[c + 1]);
        st = cxr_manifest_add(w, v, err);
    }
    return st;
}

static cxr_status write_csv(const char *path, const score_plan *plan, size_t s,
                            cxr_error *err)
{
    char *names = malloc(2 * (plan->nmodels + 1) * NAME_MAX_COL);
    char (*text)[32] = malloc((plan->nmodels + 1) * sizeof(*text));
    size_t ncols = 0;
    const char **cols = names ? csv_columns(plan, names, NAME_MAX_COL, &ncols) : NULL;
    const char **v = malloc((ncols + 1) * sizeof(*v));
    cxr_manifest_writer *w = NULL;
    cxr_status st = cols && text && v ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    if (st == CXR_OK)
        st = cxr_manifest_create(path, cols, ncols, &w, err);
    if (st == CXR_OK)
        st = write_rows(w, plan, s, ncols, v, text, err);
    if (st == CXR_OK)
        st = cxr_manifest_commit(w, err);
    else if (w)
        cxr_manifest_abort(w);
    free(names);
    free(text);
    free((void *)cols);
    free((void *)v);
    return st;
}

/* JSON is built so that an allocation failure anywhere gives NULL for the
 * whole document (then "out of memory"), never a document with a part
 * missing: json_pack fails on a NULL "o" argument, and these two helpers
 * free the container when an insertion fails (jansson frees the value). */
static json_t *with(json_t *obj, const char *key, json_t *value)
{
    if (json_object_set_new(obj, key, value) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *append(json_t *array, json_t *value)
{
    if (json_array_append_new(array, value) != 0) {
        json_decref(array);
        return NULL;
    }
    return array;
}

static json_t *num(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

static json_t *proportion(const cxr_proportion *p)
{
    if (p->den == 0)
        return json_null();
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:s}", "num", (json_int_t)p->num, "den",
                     (json_int_t)p->den, "value", num(p->value), "ci_low", num(p->lo),
                     "ci_high", num(p->hi), "interval", "wilson 95%");
}

static json_t *confusion(const cxr_confusion *c)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:o,s:o}", "tp", (json_int_t)c->tp, "fn",
                     (json_int_t)c->fn, "fp", (json_int_t)c->fp, "tn", (json_int_t)c->tn,
                     "sensitivity", proportion(&c->sensitivity), "specificity",
                     proportion(&c->specificity));
}

static json_t *histogram(const score_stats *st, size_t s)
{
    json_t *edges = json_array(), *counts = json_array();
    for (int b = 0; b <= st->nbins; b++)
        edges = append(edges, json_real((double)b / st->nbins));
    for (int b = 0; b < st->nbins; b++)
        counts = append(counts, json_integer((json_int_t)st->sets[s].hist[b]));
    return json_pack("{s:i,s:o,s:o}", "bins", st->nbins, "edges", edges, "counts", counts);
}

static json_t *comparison(const score_plan *plan, const score_stats *st,
                          const score_comparison *c)
{
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:i,s:I,s:o}", "label", c->label,
                     "positive_set", c->pos_set == SCORE_POOLED ? "(all positive)"
                                                                : plan->sets[c->pos_set].name,
                     "negative_set", c->neg_set == SCORE_POOLED ? "(all negative)"
                                                                : plan->sets[c->neg_set].name,
                     "roc_auc", num(c->auc), "ci_low", num(c->lo), "ci_high", num(c->hi),
                     "bootstrap", st->bootstrap, "seed", (json_int_t)st->seed, "confusion",
                     confusion(&c->conf));
}

/* One set's JSON body (also an element of summary.json's "sets"). */
static json_t *set_body(const score_plan *plan, const score_stats *st, size_t s)
{
    const score_set *set = &plan->sets[s];
    const score_set_stats *ss = &st->sets[s];
    json_t *body = json_pack(
        "{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:f,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "set",
        set->name, "source", set->source, "origin", set->origin ? set->origin : "", "truth",
        cxr_score_truth_name(set->truth), "n", (json_int_t)ss->n, "failed",
        (json_int_t)ss->failed, "positives", (json_int_t)ss->positives, "positive_rate",
        num(ss->n ? (double)ss->positives / ss->n : NAN), "threshold", plan->threshold,
        "mean", num(ss->d.mean), "median", num(ss->d.median), "q1", num(ss->d.q1), "q3",
        num(ss->d.q3), "min", num(ss->d.min), "max", num(ss->d.max), "histogram",
        histogram(st, s));
    json_t *aucs = json_array();

    if (ss->has_truth) {
        body = with(body, "confusion", confusion(&ss->conf));
        body = with(body, "sensitivity", proportion(&ss->conf.sensitivity));
        body = with(body, "specificity", proportion(&ss->conf.specificity));
    }
    for (size_t c = 0; c < st->ncmp; c++)
        if (st->cmp[c].pos_set == s || st->cmp[c].neg_set == s)
            aucs = append(aucs, comparison(plan, st, &st->cmp[c]));
    return with(body, "roc_auc", aucs);
}

/* Model i: with named models its name comes first. */
static json_t *model_body(const score_plan *plan, size_t i)
{
    const score_model_info *m = &plan->models[i];
    json_t *body = json_pack("{s:s,s:s,s:[i,i,i],s:i,s:i,s:b,s:s}", "path",
                             m->path ? m->path : "", "sha256", m->sha256, "input_hwc",
                             m->height, m->width, m->channels, "classes", m->classes,
                             "positive_index", m->positive_index, "softmax_output",
                             m->softmax, "backend", m->backend);
    return plan->named_models ? with(body, "name", json_string(m->name)) : body;
}

/* "models": [model_body...] (named models). */
static json_t *model_list(const score_plan *plan)
{
    json_t *list = json_array();
    for (size_t m = 0; m < plan->nmodels; m++)
        list = append(list, model_body(plan, m));
    return list;
}

/* One model's part of a JSON: its name and model first. */
static json_t *named(const score_plan *plan, size_t m, json_t *body)
{
    body = with(body, "model", model_body(plan, m));
    return with(body, "name", json_string(plan->models[m].name));
}

/* "decode": "fast" when the images were decoded fast; an exact run writes
 * what it wrote before score.decode existed. */
static json_t *with_decode(const score_plan *plan, json_t *body)
{
    return plan->decode_fast ? with(body, "decode", json_string("fast")) : body;
}

static cxr_status write_set(const cxr_config *conf, const score_plan *plan,
                            const score_stats *st, size_t s, cxr_error *err)
{
    char name[512];
    char *path;
    cxr_status rc;
    json_t *body;

    snprintf(name, sizeof(name), "%s.csv", plan->sets[s].name);
    path = cxr_stage_path(conf, CXR_STAGE_SCORE, name);
    rc = path ? write_csv(path, plan, s, err) : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    free(path);
    if (rc != CXR_OK)
        return rc;
    snprintf(name, sizeof(name), "%s.json", plan->sets[s].name);
    path = cxr_stage_path(conf, CXR_STAGE_SCORE, name);
    if (!plan->named_models) {
        body = with(set_body(plan, &st[0], s), "model", model_body(plan, 0));
    } else {
        const score_set *set = &plan->sets[s];
        json_t *models = json_array();
        for (size_t m = 0; m < plan->nmodels; m++)
            models = append(models, named(plan, m, set_body(plan, &st[m], s)));
        body = json_pack("{s:s,s:s,s:s,s:s,s:o}", "set", set->name, "source", set->source,
                         "origin", set->origin ? set->origin : "", "truth",
                         cxr_score_truth_name(set->truth), "models", models);
    }
    body = with_decode(plan, body);
    rc = path ? cxr_summary_write(path, "score", conf, "score", body, err)
              : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    json_decref(body);
    free(path);
    return rc;
}

cxr_status cxr_score_output_write_sets(const cxr_config *conf, const score_plan *plan,
                                       const score_stats *st, cxr_error *err)
{
    cxr_status rc = CXR_OK;
    for (size_t s = 0; rc == CXR_OK && s < plan->nsets; s++)
        rc = write_set(conf, plan, st, s, err);
    return rc;
}

/* One model's sets, comparisons and counts. */
static json_t *model_summary(const score_plan *plan, const score_stats *st)
{
    json_t *sets = json_array(), *cmps = json_array();
    size_t scored = 0, failed = 0;

    for (size_t s = 0; s < plan->nsets; s++) {
        sets = append(sets, set_body(plan, st, s));
        scored += st->sets[s].n;
        failed += st->sets[s].failed;
    }
    for (size_t c = 0; c < st->ncmp; c++)
        cmps = append(cmps, comparison(plan, st, &st->cmp[c]));
    return json_pack("{s:o,s:o,s:I,s:I}", "sets", sets, "comparisons", cmps, "images",
                     (json_int_t)scored, "failed", (json_int_t)failed);
}

cxr_status cxr_score_output_write_summary(const cxr_config *conf, const score_plan *plan,
                                          const score_stats *st, cxr_error *err)
{
    json_t *body;
    char *path;
    cxr_status rc;

    /* timing (seconds, images/s, threads) is the run's, not the inputs': it
     * goes to the log line only, so summary.json is the same on every run */
    if (!plan->named_models) {
        body = with(model_summary(plan, &st[0]), "model", model_body(plan, 0));
    } else {
        json_t *models = json_array();
        for (size_t m = 0; m < plan->nmodels; m++)
            models = append(models, named(plan, m, model_summary(plan, &st[m])));
        body = json_pack("{s:o}", "models", models);
    }
    body = with(body, "threshold", json_real(plan->threshold));
    body = with(body, "histogram_bins", json_integer(st[0].nbins));
    body = with_decode(plan, body);
    path = cxr_stage_path(conf, CXR_STAGE_SCORE, CXR_SUMMARY_JSON);
    rc = path ? cxr_summary_write(path, "score", conf, "score", body, err)
              : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    json_decref(body);
    free(path);
    return rc;
}

char *cxr_score_shard_dir(const cxr_config *conf, int k, int n)
{
    char name[64];
    snprintf(name, sizeof(name), "shards/%d-of-%d", k, n);
    return cxr_stage_path(conf, CXR_STAGE_SCORE, name);
}

cxr_status cxr_score_output_write_shard(const cxr_config *conf, const score_plan *plan,
                                    const score_timing *timing, cxr_error *err)
{
    char *dir = cxr_score_shard_dir(conf, plan->shard_k, plan->shard_n), *path = NULL;
    json_t *body, *sets = json_array();
    cxr_status rc = dir ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    for (size_t s = 0; rc == CXR_OK && s < plan->nsets; s++) {
        const score_set *set = &plan->sets[s];
        char name[512];
        snprintf(name, sizeof(name), "%s.csv", set->name);
        path = cxr_path_join(dir, name);
        rc = path ? write_csv(path, plan, s, err)
                  : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        free(path);
        sets = append(sets, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "name", set->name,
                                      "source", set->source, "origin",
                                      set->origin ? set->origin : "", "truth",
                                      cxr_score_truth_name(set->truth), "total",
                                      (json_int_t)set->total, "count", (json_int_t)set->count));
    }
    body = json_pack("{s:i,s:i,s:o,s:o,s:f,s:f}", "shard", plan->shard_k, "shards",
                     plan->shard_n, plan->named_models ? "models" : "model",
                     plan->named_models ? model_list(plan) : model_body(plan, 0), "sets",
                     sets, "threshold", plan->threshold, "seconds", timing->seconds);
    body = with_decode(plan, body);
    path = dir ? cxr_path_join(dir, "shard.json") : NULL;
    if (rc == CXR_OK && !path)
        rc = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (rc == CXR_OK)
        rc = cxr_summary_write(path, "score", conf, "score", body, err);
    json_decref(body);
    free(path);
    free(dir);
    return rc;
}
