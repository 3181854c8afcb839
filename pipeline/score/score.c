/* score.c: the score stage's entry points: a full or sharded run, the
 * merge of shards, and single image mode. */
#include "contract.h"
#include "score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "image.h"
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

static void fill_outcome(const cxr_config *conf, const score_plan *plan,
                         const score_timing *t, cxr_score_outcome *out)
{
    out->sets = calloc(plan->nsets + 1, sizeof(*out->sets));
    out->nsets = out->sets ? plan->nsets : 0;
    for (size_t s = 0; s < out->nsets; s++) {
        const score_set *set = &plan->sets[s];
        double sum = 0;
        cxr_score_set_line *l = &out->sets[s];
        l->name = cxr_strdup(set->name);
        for (size_t i = set->first; i < set->first + set->count; i++) {
            const score_item *it = &plan->items[i];
            l->n += it->done;
            l->failed += !it->done;
            l->positives += it->done && it->score >= plan->threshold;
            sum += it->done ? it->score : 0;
        }
        l->mean = l->n ? sum / (double)l->n : NAN;
        l->median = NAN;
        out->images += l->n;
        out->failed += l->failed;
    }
    out->seconds = t ? t->seconds : 0;
    out->images_per_s = t && t->seconds > 0 ? (double)t->scored / t->seconds : 0;
    out->out_dir = plan->shard_n ? cxr_score_shard_dir(conf, plan->shard_k, plan->shard_n)
                                 : cxr_stage_path(conf, CXR_STAGE_SCORE, NULL);
}

static char *report_path(const cxr_config *conf)
{
    const char *p = cxr_config_str(conf, "score.report");
    return p && *p ? cxr_strdup(p) : cxr_stage_path(conf, CXR_STAGE_SCORE, "report.html");
}

/* Statistics, per-set outputs, summary.json and the report. */
static cxr_status finish(const cxr_config *conf, const score_plan *plan,
                         const score_timing *t, cxr_score_outcome *out, cxr_error *err)
{
    score_stats st;
    cxr_status rc = cxr_score_stats_compute(plan, (int)cxr_config_int(conf, "score.histogram_bins"),
                                        (int)cxr_config_int(conf, "score.bootstrap"),
                                        cxr_config_int(conf, "seed"), &st, err);
    if (rc != CXR_OK)
        return rc;
    rc = cxr_score_output_write(conf, plan, &st, t, out->decode_threads, err);
    if (rc == CXR_OK) {
        out->report = report_path(conf);
        rc = cxr_score_report_write(out->report, conf, plan, &st, err);
    }
    for (size_t s = 0; s < out->nsets && s < st.nsets; s++)
        out->sets[s].median = st.sets[s].d.median;
    cxr_score_stats_release(&st);
    return rc;
}

cxr_status cxr_score_run(const cxr_config *conf, const cxr_score_options *opt,
                         cxr_score_outcome *out, cxr_error *err)
{
    const char *model = opt && opt->model ? opt->model : cxr_config_str(conf, "score.model");
    int k = opt ? opt->shard_k : 0, n = opt ? opt->shard_n : 0;
    score_pipeline_cfg cfg;
    score_engine *engine = NULL;
    score_timing timing;
    score_plan plan;
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    if (!model || !*model)
        return cxr_fail(err, CXR_ERR_CONFIG, "no model: give --model FILE or set score.model");
    if (n < 0 || (n > 0 && (k < 1 || k > n)) || (n == 0 && k != 0))
        return cxr_fail(err, CXR_ERR_USAGE, "shard %d/%d: K must be 1 to N", k, n);
    rc = cxr_score_plan_build(conf, k, n, &plan, err);
    if (rc != CXR_OK)
        return rc;
    rc = cxr_score_engine_open(model, (int)cxr_config_int(conf, "score.engine_threads"),
                           (int)cxr_config_int(conf, "score.positive_index"), &engine,
                           &plan.model, err);
    cfg.threads = (int)cxr_config_int(conf, "score.threads");
    cfg.batch = (int)cxr_config_int(conf, "score.batch");
    cfg.max_dimension = (int)cxr_config_int(conf, "score.max_dimension");
    cfg.low_priority = strcmp(cxr_config_str(conf, "score.decode_priority"), "low") == 0;
    cfg.limits.max_entries = (uint64_t)cxr_config_int(conf, "sources.kermany.max_entries");
    cfg.limits.max_total_size = (uint64_t)cxr_config_int(conf, "sources.kermany.max_total_size");
    if (rc == CXR_OK)
        rc = cxr_score_pipeline_run(&plan, engine, &cfg, &timing, err);
    cxr_score_engine_free(engine);
    if (rc == CXR_OK) {
        fill_outcome(conf, &plan, &timing, out);
        out->decode_threads = cfg.threads;
        rc = n ? cxr_score_output_write_shard(conf, &plan, &timing, err)
               : finish(conf, &plan, &timing, out, err);
    }
    cxr_score_plan_release(&plan);
    return rc;
}

cxr_status cxr_score_merge(const cxr_config *conf, int nshards, cxr_score_outcome *out,
                           cxr_error *err)
{
    score_plan plan;
    score_timing t = {0};
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    if (nshards < 1)
        return cxr_fail(err, CXR_ERR_USAGE, "merge needs the number of shards (1 or more)");
    rc = cxr_score_merge_load(conf, nshards, &plan, &t.seconds, err);
    if (rc != CXR_OK)
        return rc;
    fill_outcome(conf, &plan, NULL, out);
    rc = finish(conf, &plan, NULL, out, err);
    cxr_score_plan_release(&plan);
    return rc;
}

void cxr_score_single_release(cxr_score_single *s)
{
    if (!s)
        return;
    free(s->copy_path);
    memset(s, 0, sizeof(*s));
}

/* '<LABEL>_Prob_<percent>_Name_<stem>.png' in 'dir'. */
static char *labelled_name(const char *dir, const char *image, const cxr_score_single *r)
{
    const char *base = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
    const char *dot = strrchr(base, '.');
    int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    size_t n = strlen(base) + 64;
    char *name = malloc(n), *path;
    if (!name)
        return NULL;
    snprintf(name, n, "%s_Prob_%d_Name_%.*s.png", r->positive ? "POSITIVE" : "NEGATIVE",
             r->percent, stem, base);
    path = cxr_path_join(dir, name);
    free(name);
    return path;
}

static cxr_status write_copy(const unsigned char *data, size_t len, const char *dir,
                             const char *image, cxr_score_single *out, cxr_error *err)
{
    cxr_image img = {0};
    cxr_status rc = cxr_image_decode(data, len, 0, 0, &img, err);
    if (rc != CXR_OK)
        return rc;
    out->copy_path = labelled_name(dir, image, out);
    rc = out->copy_path ? cxr_image_write_png(&img, out->copy_path, err)
                        : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    cxr_image_release(&img);
    return rc;
}

cxr_status cxr_score_image(const char *model, const char *image, double threshold,
                           int positive_index, const char *copy_dir, cxr_score_single *out,
                           cxr_error *err)
{
    score_model_info info = {0};
    score_engine *engine = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    float *input = NULL;
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    if (!(threshold >= 0.0 && threshold <= 1.0))
        return cxr_fail(err, CXR_ERR_USAGE, "threshold %g is outside [0, 1]", threshold);
    rc = cxr_read_file(image, &data, &len, err);
    if (rc == CXR_OK)
        rc = cxr_score_engine_open(model, 0, positive_index, &engine, &info, err);
    if (rc == CXR_OK) {
        cxr_prep_shape shape = {info.width, info.height, info.channels};
        input = malloc((size_t)info.width * info.height * info.channels * sizeof(float));
        rc = input ? cxr_preprocess_bytes(data, len, 0, &shape, input, NULL, NULL, err)
                   : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        if (rc != CXR_OK)
            cxr_error_prefix(err, "'%s': ", image);
    }
    if (rc == CXR_OK)
        rc = cxr_score_engine_run(engine, input, 1, &out->score, err);
    if (rc == CXR_OK && isnan(out->score))
        rc = cxr_fail(err, CXR_ERR_INPUT, "'%s': the model returned NaN", image);
    if (rc == CXR_OK) {
        out->positive = out->score >= threshold;
        out->percent = (int)floor(out->score * 100.0);
        if (copy_dir)
            rc = write_copy(data, len, copy_dir, image, out, err);
    }
    cxr_score_engine_free(engine);
    free(info.path);
    free(input);
    free(data);
    return rc;
}
