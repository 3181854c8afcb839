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
    for (size_t i = 0; i < out->nsets; i++) {
        free(out->sets[i].name);
        free(out->sets[i].model);
    }
    free(out->sets);
    free(out->out_dir);
    free(out->report);
    memset(out, 0, sizeof(*out));
}

/* One line of the table: set s as model m scored it. */
static cxr_status set_line(const score_plan *plan, size_t s, size_t m, cxr_score_set_line *l,
                           cxr_error *err)
{
    const score_set *set = &plan->sets[s];

    if (!(l->name = strdup(set->name)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (plan->named_models && !(l->model = strdup(plan->models[m].name)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = set->first; i < set->first + set->count; i++) {
        const score_result *r = &plan->items[i].res[m];
        l->n += r->done;
        l->failed += !r->done;
        l->positives += r->done && cxr_score_is_positive(r->score, plan->threshold);
    }
    /* the same mean and median as the set's JSON, also for a shard */
    return cxr_score_set_center(plan, s, m, &l->mean, &l->median, err);
}

static cxr_status fill_outcome(const cxr_config *conf, const score_plan *plan,
                               const score_timing *t, cxr_score_outcome *out, cxr_error *err)
{
    cxr_status st = CXR_OK;

    out->sets = calloc(plan->nsets * plan->nmodels + 1, sizeof(*out->sets));
    if (!out->sets)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    out->nsets = plan->nsets * plan->nmodels;
    for (size_t s = 0; st == CXR_OK && s < plan->nsets; s++)
        for (size_t m = 0; st == CXR_OK && m < plan->nmodels; m++) {
            cxr_score_set_line *l = &out->sets[s * plan->nmodels + m];
            st = set_line(plan, s, m, l, err);
            if (m == 0) { /* images: those of the first model */
                out->images += l->n;
                out->failed += l->failed;
            }
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

/* Statistics per model, per-set outputs, the report, and summary.json last. */
static cxr_status finish(const cxr_config *conf, const cxr_score_settings *s,
                         const score_plan *plan, cxr_score_outcome *out, cxr_error *err)
{
    score_stats *st = calloc(plan->nmodels + 1, sizeof(*st));
    cxr_status rc = st ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    for (size_t m = 0; rc == CXR_OK && m < plan->nmodels; m++)
        rc = cxr_score_stats_compute(plan, m, s->histogram_bins, s->bootstrap, s->common.seed,
                                     &st[m], err);
    if (rc == CXR_OK)
        rc = cxr_score_output_write_sets(conf, plan, st, err);
    if (rc == CXR_OK && !(out->report = report_path(conf, s)))
        rc = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (rc == CXR_OK)
        rc = cxr_score_report_write(out->report, conf, s, plan, st, err);
    if (rc == CXR_OK)
        rc = cxr_score_output_write_summary(conf, plan, st, err);
    for (size_t m = 0; st && m < plan->nmodels; m++)
        cxr_score_stats_release(&st[m]);
    free(st);
    return rc;
}

static cxr_status check_shard(int k, int n, cxr_error *err)
{
    if (n < 0 || (n > 0 && (k < 1 || k > n)) || (n == 0 && k != 0))
        return cxr_fail(err, CXR_ERR_USAGE, "shard %d/%d: K must be 1 to N", k, n);
    return CXR_OK;
}

/* The plan's models from the settings (names and paths copied). */
static cxr_status plan_models(const cxr_score_settings *s, score_plan *plan, cxr_error *err)
{
    plan->models = calloc(s->nmodels + 1, sizeof(*plan->models));
    if (!plan->models)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    plan->nmodels = s->nmodels;
    plan->named_models = s->named_models;
    plan->decode_fast = s->decode_fast;
    for (size_t m = 0; m < s->nmodels; m++)
        if (!(plan->models[m].name = strdup(s->models[m].name)))
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    return CXR_OK;
}

static int same_shape(const score_model_info *a, const score_model_info *b)
{
    return a->width == b->width && a->height == b->height && a->channels == b->channels;
}

/* Scores every item with every model: one pass per input shape, each
 * image decoded once per pass for every model of that shape. */
static cxr_status run_groups(const cxr_score_settings *s, const cxr_score_options *opt,
                             score_plan *plan, score_engine *const *engines,
                             score_timing *timing, cxr_error *err)
{
    size_t *group = calloc(plan->nmodels, sizeof(*group)), ngroups = 0, pass = 0;
    unsigned char *run = calloc(plan->nmodels, 1);
    score_pipeline_cfg cfg = {0};
    cxr_status rc = group && run ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    for (size_t m = 0; m < plan->nmodels; m++) {
        int seen = 0;
        for (size_t e = 0; e < m; e++)
            seen |= same_shape(&plan->models[e], &plan->models[m]);
        ngroups += !seen;
    }
    cfg.threads = s->threads;
    cfg.batch = s->batch;
    cfg.max_dimension = s->max_dimension;
    cfg.low_priority = s->decode_low_priority;
    cfg.decode = s->decode_fast ? CXR_DECODE_FAST : CXR_DECODE_EXACT;
    cfg.limits.max_entries = s->common.kermany_max_entries;
    cfg.limits.max_total_size = s->common.kermany_max_total_size;
    cfg.progress = opt ? &opt->progress : NULL;
    cfg.progress_total = plan->nitems * ngroups;
    cfg.progress_t0 = cxr_score_now();
    memset(timing, 0, sizeof(*timing));
    for (size_t m = 0; rc == CXR_OK && m < plan->nmodels; m++) {
        size_t n = 0;
        score_timing t;
        if (run && run[m])
            continue;
        for (size_t e = m; e < plan->nmodels; e++)
            if (!run[e] && same_shape(&plan->models[m], &plan->models[e]))
                group[n++] = e, run[e] = 1;
        cfg.progress_done = plan->nitems * pass++;
        rc = cxr_score_pipeline_run(plan, engines, group, n, &cfg, &t, err);
        timing->seconds += t.seconds;
        if (m == 0) {
            timing->scored = t.scored;
            timing->failed = t.failed;
        }
    }
    free(group);
    free(run);
    return rc;
}

/* Opens every model's engine (the model contract is checked here, before
 * any image is read), lists the sets and scores them. */
static cxr_status score_sets(const cxr_config *conf, const cxr_score_settings *s,
                             const cxr_score_options *opt, int k, int n, score_plan *plan,
                             score_timing *timing, cxr_error *err)
{
    score_engine **engines = NULL;
    cxr_status rc = plan_models(s, plan, err);

    if (rc == CXR_OK && !(engines = calloc(plan->nmodels, sizeof(*engines))))
        rc = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t m = 0; rc == CXR_OK && m < plan->nmodels; m++)
        rc = cxr_score_engine_open(s->models[m].path, s->engine_threads, s->positive_index,
                                   &engines[m], &plan->models[m], err);
    if (rc == CXR_OK)
        rc = cxr_score_plan_build(conf, s, k, n, plan, err);
    if (rc == CXR_OK)
        rc = run_groups(s, opt, plan, engines, timing, err);
    for (size_t m = 0; engines && m < s->nmodels; m++)
        cxr_score_engine_free(engines[m]);
    free(engines);
    return rc;
}

cxr_status cxr_score_run(const cxr_config *conf, const cxr_score_options *opt,
                         cxr_score_outcome *out, cxr_error *err)
{
    int k = opt ? opt->shard_k : 0, n = opt ? opt->shard_n : 0;
    cxr_score_settings s;
    score_timing timing;
    score_plan plan;
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    memset(&plan, 0, sizeof(plan));
    rc = cxr_score_settings_read(conf, &s, err);
    if (rc != CXR_OK)
        return rc;
    rc = cxr_score_settings_pick_model(&s, opt ? opt->model : NULL, err);
    if (rc == CXR_OK && s.nmodels == 0)
        rc = cxr_fail(err, CXR_ERR_CONFIG,
                      "no model: give --model FILE or set score.model (or score.models)");
    if (rc == CXR_OK)
        rc = check_shard(k, n, err);
    if (rc == CXR_OK)
        rc = score_sets(conf, &s, opt, k, n, &plan, &timing, err);
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
    score_model_info *own = NULL;
    score_merge_expect expect = {0};
    cxr_score_settings s;
    score_plan plan;
    score_timing t = {0};
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    if (nshards < 1)
        return cxr_fail(err, CXR_ERR_USAGE, "merge needs the number of shards (1 or more)");
    rc = cxr_score_settings_read(conf, &s, err);
    if (rc != CXR_OK)
        return rc;
    rc = cxr_score_settings_pick_model(&s, opt ? opt->model : NULL, err);
    if (rc == CXR_OK && s.nmodels && !(own = calloc(s.nmodels, sizeof(*own))))
        rc = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    expect.threshold = s.threshold;
    expect.decode_fast = s.decode_fast;
    expect.models = own;
    expect.nmodels = s.nmodels;
    for (size_t m = 0; rc == CXR_OK && m < s.nmodels; m++) {
        rc = cxr_score_model_identify(s.models[m].path, &own[m], err);
        if (rc == CXR_OK && !(own[m].name = strdup(s.models[m].name)))
            rc = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    if (rc == CXR_OK)
        rc = cxr_score_merge_load(conf, nshards, &expect, &plan, &t.seconds, err);
    if (rc == CXR_OK) {
        rc = fill_outcome(conf, &plan, NULL, out, err);
        if (rc == CXR_OK)
            rc = finish(conf, &s, &plan, out, err);
        cxr_score_plan_release(&plan);
    }
    for (size_t m = 0; own && m < s.nmodels; m++)
        cxr_score_model_info_release(&own[m]);
    free(own);
    cxr_score_settings_release(&s);
    return rc;
}
