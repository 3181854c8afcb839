/* score.c: the score stage's set entry points: a full or sharded run, and
 * the merge of shards (single image mode: score_single.c). */
#include "contract.h"
#include "score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score_internal.h"
#include "workdir.h"

void cxr_score_outcome_release(cxr_score_outcome *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < out->nsets; i++)
        free(out->sets[i].name);
    free(out->sets);
    free(out->out_dir);
    free(out->report);
    memset(out, 0, sizeof(*out));
}

static cxr_status fill_outcome(const cxr_config *conf, const score_plan *plan,
                               const score_timing *t, cxr_score_outcome *out, cxr_error *err)
{
    cxr_status st = CXR_OK;

    out->sets = calloc(plan->nsets + 1, sizeof(*out->sets));
    if (!out->sets)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    out->nsets = plan->nsets;
    for (size_t s = 0; st == CXR_OK && s < out->nsets; s++) {
        const score_set *set = &plan->sets[s];
        cxr_score_set_line *l = &out->sets[s];
        if (!(l->name = strdup(set->name)))
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        for (size_t i = set->first; i < set->first + set->count; i++) {
            const score_item *it = &plan->items[i];
            l->n += it->done;
            l->failed += !it->done;
            l->positives += it->done && cxr_score_is_positive(it->score, plan->threshold);
        }
        /* the same mean and median as the set's JSON, also for a shard */
        st = cxr_score_set_center(plan, s, &l->mean, &l->median, err);
        out->images += l->n;
        out->failed += l->failed;
    }
    out->seconds = t ? t->seconds : 0;
    out->images_per_s = t && t->seconds > 0 ? (double)t->scored / t->seconds : 0;
    out->out_dir = plan->shard_n ? cxr_score_shard_dir(conf, plan->shard_k, plan->shard_n)
                                 : cxr_stage_path(conf, CXR_STAGE_SCORE, NULL);
    if (st == CXR_OK && !out->out_dir)
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    return st;
}

static char *report_path(const cxr_config *conf, const cxr_score_settings *s)
{
    return s->report ? strdup(s->report) : cxr_stage_path(conf, CXR_STAGE_SCORE, "report.html");
}

/* Statistics, per-set outputs, the report, and summary.json last. */
static cxr_status finish(const cxr_config *conf, const cxr_score_settings *s,
                         const score_plan *plan, cxr_score_outcome *out, cxr_error *err)
{
    score_stats st;
    cxr_status rc = cxr_score_stats_compute(plan, s->histogram_bins, s->bootstrap,
                                            s->common.seed, &st, err);
    if (rc != CXR_OK)
        return rc;
    rc = cxr_score_output_write_sets(conf, plan, &st, err);
    if (rc == CXR_OK && !(out->report = report_path(conf, s)))
        rc = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (rc == CXR_OK)
        rc = cxr_score_report_write(out->report, conf, s->common.config_file, plan, &st, err);
    if (rc == CXR_OK)
        rc = cxr_score_output_write_summary(conf, plan, &st, err);
    cxr_score_stats_release(&st);
    return rc;
}

static cxr_status check_shard(int k, int n, cxr_error *err)
{
    if (n < 0 || (n > 0 && (k < 1 || k > n)) || (n == 0 && k != 0))
        return cxr_fail(err, CXR_ERR_USAGE, "shard %d/%d: K must be 1 to N", k, n);
    return CXR_OK;
}

/* Opens the engine (the model contract is checked here, before any image
 * is read), lists the sets and scores them. */
static cxr_status score_sets(const cxr_config *conf, const cxr_score_settings *s,
                             const char *model, int k, int n, score_plan *plan,
                             score_timing *timing, cxr_error *err)
{
    score_model_info info = {0};
    score_engine *engine = NULL;
    score_pipeline_cfg cfg;
    cxr_status rc;

    rc = cxr_score_engine_open(model, s->engine_threads, s->positive_index, &engine, &info,
                               err);
    if (rc == CXR_OK)
        rc = cxr_score_plan_build(conf, s, k, n, plan, err);
    if (rc != CXR_OK) {
        cxr_score_engine_free(engine);
        free(info.path);
        return rc;
    }
    plan->model = info; /* the plan owns info.path now */
    cfg.threads = s->threads;
    cfg.batch = s->batch;
    cfg.max_dimension = s->max_dimension;
    cfg.low_priority = s->decode_low_priority;
    cfg.limits.max_entries = s->common.kermany_max_entries;
    cfg.limits.max_total_size = s->common.kermany_max_total_size;
    rc = cxr_score_pipeline_run(plan, engine, &cfg, timing, err);
    cxr_score_engine_free(engine);
    return rc;
}

cxr_status cxr_score_run(const cxr_config *conf, const cxr_score_options *opt,
                         cxr_score_outcome *out, cxr_error *err)
{
    int k = opt ? opt->shard_k : 0, n = opt ? opt->shard_n : 0;
    cxr_score_settings s;
    score_timing timing;
    score_plan plan;
    const char *model;
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    memset(&plan, 0, sizeof(plan));
    rc = cxr_score_settings_read(conf, &s, err);
    if (rc != CXR_OK)
        return rc;
    model = opt && opt->model ? opt->model : s.model;
    if (!model || !*model)
        rc = cxr_fail(err, CXR_ERR_CONFIG, "no model: give --model FILE or set score.model");
    if (rc == CXR_OK)
        rc = check_shard(k, n, err);
    if (rc == CXR_OK)
        rc = score_sets(conf, &s, model, k, n, &plan, &timing, err);
    if (rc == CXR_OK) {
        out->decode_threads = s.threads;
        rc = fill_outcome(conf, &plan, &timing, out, err);
    }
    if (rc == CXR_OK)
        rc = n ? cxr_score_output_write_shard(conf, &plan, &timing, err)
               : finish(conf, &s, &plan, out, err);
    cxr_score_plan_release(&plan);
    cxr_score_settings_release(&s);
    return rc;
}

cxr_status cxr_score_merge(const cxr_config *conf, const cxr_score_options *opt,
                           int nshards, cxr_score_outcome *out, cxr_error *err)
{
    score_model_info own = {0};
    score_merge_expect expect;
    cxr_score_settings s;
    score_plan plan;
    score_timing t = {0};
    const char *model;
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    if (nshards < 1)
        return cxr_fail(err, CXR_ERR_USAGE, "merge needs the number of shards (1 or more)");
    rc = cxr_score_settings_read(conf, &s, err);
    if (rc != CXR_OK)
        return rc;
    model = opt && opt->model ? opt->model : s.model;
    expect.threshold = s.threshold;
    expect.model = model ? &own : NULL;
    if (model)
        rc = cxr_score_model_identify(model, &own, err);
    if (rc == CXR_OK)
        rc = cxr_score_merge_load(conf, nshards, &expect, &plan, &t.seconds, err);
    if (rc == CXR_OK) {
        rc = fill_outcome(conf, &plan, NULL, out, err);
        if (rc == CXR_OK)
            rc = finish(conf, &s, &plan, out, err);
        cxr_score_plan_release(&plan);
    }
    free(own.path);
    cxr_score_settings_release(&s);
    return rc;
}
