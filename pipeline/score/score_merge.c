/* score_merge.c: rebuilds an unsharded run's plan and results from the
 * outputs of shards 1..N (shards/K-of-N/shard.json and <set>.csv), checking
 * that every shard is there, that they agree on the model, threshold and
 * sets, that these are the merge's own threshold and model, and that
 * together they hold every image of every set once. */
#include "score_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsutil.h"
#include "manifest.h"

typedef struct shard_file {
    json_t *root;
    char *dir;
} shard_file;

static cxr_status load_shard(const cxr_config *conf, int k, int n, shard_file *sf,
                             cxr_error *err)
{
    json_error_t jerr;
    char *path;

    sf->dir = cxr_score_shard_dir(conf, k, n);
    path = sf->dir ? cxr_path_join(sf->dir, "shard.json") : NULL;
    if (!path)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    sf->root = json_load_file(path, 0, &jerr);
    if (!sf->root) {
        cxr_status st = json_error_code(&jerr) == json_error_out_of_memory
            ? cxr_fail(err, CXR_ERR_NOMEM, "out of memory reading '%s'", path)
            : cxr_is_file(path)
            ? cxr_fail(err, CXR_ERR_INPUT, "shard '%s': %s (line %d)", path, jerr.text, jerr.line)
            : cxr_fail(err, CXR_ERR_MISSING, "shard %d of %d is missing: no '%s' "
                       "(run 'cxrprep-score --shard %d/%d' first)", k, n, path, k, n);
        free(path);
        return st;
    }
    free(path);
    if (json_integer_value(json_object_get(sf->root, "shard")) != k ||
        json_integer_value(json_object_get(sf->root, "shards")) != n)
        return cxr_fail(err, CXR_ERR_INPUT, "'%s/shard.json' is not shard %d of %d", sf->dir,
                        k, n);
    return CXR_OK;
}

/* Shards must agree with shard 1 on the model, threshold, decode (absent:
 * exact) and set list. */
static cxr_status check_agree(const shard_file *first, const shard_file *sf, int k,
                              cxr_error *err)
{
    static const char *const keys[] = {"model", "models", "threshold", "decode"};
    json_t *a = json_object_get(first->root, "sets"), *b = json_object_get(sf->root, "sets");

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *x = json_object_get(first->root, keys[i]), *y = json_object_get(sf->root, keys[i]);
        if ((x || y) && !json_equal(x, y))
            return cxr_fail(err, CXR_ERR_INPUT, "shard %d used another %s than shard 1", k,
                            keys[i]);
    }
    if (json_array_size(a) != json_array_size(b))
        return cxr_fail(err, CXR_ERR_INPUT, "shard %d scored other sets than shard 1", k);
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        if (!json_equal(json_object_get(x, "name"), json_object_get(y, "name")) ||
            !json_equal(json_object_get(x, "total"), json_object_get(y, "total")) ||
            !json_equal(json_object_get(x, "truth"), json_object_get(y, "truth")))
            return cxr_fail(err, CXR_ERR_INPUT, "shard %d scored other sets than shard 1", k);
    }
    return CXR_OK;
}

/* Shard 1 (and so every shard) against the merge's own threshold and
 * model: a merge must not report numbers at a threshold it did not score
 * at, nor under another model's name. */
/* The shards' model i: "models"[i] of named models, else "model". */
static json_t *shard_model(const shard_file *sf, size_t i)
{
    json_t *list = json_object_get(sf->root, "models");
    return list ? json_array_get(list, i) : i == 0 ? json_object_get(sf->root, "model") : NULL;
}

static size_t shard_nmodels(const shard_file *sf)
{
    json_t *list = json_object_get(sf->root, "models");
    return list ? json_array_size(list) : 1;
}

/* shard.json says "decode": "fast" when the shard decoded so. */
static int shard_decode_fast(const shard_file *sf)
{
    const char *d = json_string_value(json_object_get(sf->root, "decode"));
    return d && strcmp(d, "fast") == 0;
}

static cxr_status check_expected(const shard_file *sf, int nshards,
                                 const score_merge_expect *expect, cxr_error *err)
{
    json_t *thr = json_object_get(sf->root, "threshold");

    if (!json_is_number(thr) || json_number_value(thr) != expect->threshold)
        return cxr_fail(err, CXR_ERR_INPUT, "the %d shards were scored at threshold %g, "
                        "this merge's threshold is %g (score.threshold)", nshards,
                        json_number_value(thr), expect->threshold);
    if (shard_decode_fast(sf) != expect->decode_fast)
        return cxr_fail(err, CXR_ERR_INPUT, "the %d shards were scored with decode '%s', "
                        "this merge's is '%s' (score.decode)", nshards,
                        shard_decode_fast(sf) ? "fast" : "exact",
                        expect->decode_fast ? "fast" : "exact");
    if (expect->models && shard_nmodels(sf) != expect->nmodels)
        return cxr_fail(err, CXR_ERR_INPUT, "the %d shards were scored with %zu model%s; "
                        "this merge has %zu", nshards, shard_nmodels(sf),
                        shard_nmodels(sf) == 1 ? "" : "s", expect->nmodels);
    for (size_t m = 0; expect->models && m < expect->nmodels; m++) {
        const score_model_info *want = &expect->models[m];
        const char *sha = json_string_value(json_object_get(shard_model(sf, m), "sha256"));
        if (!sha || strcmp(sha, want->sha256) != 0)
            return cxr_fail(err, CXR_ERR_INPUT, "the %d shards were scored with the model of "
                            "sha256 %s; this merge's model '%s' has sha256 %s", nshards,
                            sha ? sha : "(none)", want->path, want->sha256);
    }
    return CXR_OK;
}

static int truth_code(const char *t)
{
    return strcmp(t, "positive") == 0 ? SCORE_TRUTH_POSITIVE
           : strcmp(t, "negative") == 0 ? SCORE_TRUTH_NEGATIVE : SCORE_TRUTH_UNKNOWN;
}

/* A copy of a JSON string member, "" when absent; NULL when out of memory. */
static char *member_dup(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return strdup(v ? v : "");
}

static const char *str_or_empty(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

/* The plan's model i from its JSON (model_body in score_output.c). */
static cxr_status model_from_json(json_t *m, score_model_info *info, cxr_error *err)
{
    json_t *hwc = json_object_get(m, "input_hwc");

    if (!(info->path = member_dup(m, "path")) || !(info->name = member_dup(m, "name")))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    snprintf(info->sha256, sizeof(info->sha256), "%s", str_or_empty(m, "sha256"));
    snprintf(info->backend, sizeof(info->backend), "%s", str_or_empty(m, "backend"));
    info->height = (int)json_integer_value(json_array_get(hwc, 0));
    info->width = (int)json_integer_value(json_array_get(hwc, 1));
    info->channels = (int)json_integer_value(json_array_get(hwc, 2));
    info->classes = (int)json_integer_value(json_object_get(m, "classes"));
    info->positive_index = (int)json_integer_value(json_object_get(m, "positive_index"));
    info->softmax = json_is_true(json_object_get(m, "softmax_output"));
    return CXR_OK;
}

/* The models of shard 1 (the shards agree), named after the merge's own
 * when the shards' models do not carry names (score.model). */
static cxr_status models_from_shard1(const shard_file *sf, const score_merge_expect *expect,
                                     score_plan *plan, cxr_error *err)
{
    cxr_status st = CXR_OK;

    plan->nmodels = shard_nmodels(sf);
    plan->named_models = json_object_get(sf->root, "models") != NULL;
    plan->models = calloc(plan->nmodels + 1, sizeof(*plan->models));
    if (!plan->models)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t m = 0; st == CXR_OK && m < plan->nmodels; m++)
        st = model_from_json(shard_model(sf, m), &plan->models[m], err);
    if (st == CXR_OK && !plan->named_models && expect->models) {
        char *name = strdup(expect->models[0].name);
        if (!name)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        free(plan->models[0].name);
        plan->models[0].name = name;
    }
    return st;
}

static cxr_status plan_from_shard1(const shard_file *sf, const score_merge_expect *expect,
                                   score_plan *plan, cxr_error *err)
{
    json_t *sets = json_object_get(sf->root, "sets");
    cxr_status st = models_from_shard1(sf, expect, plan, err);

    if (st != CXR_OK)
        return st;
    plan->nsets = json_array_size(sets);
    plan->sets = calloc(plan->nsets + 1, sizeof(*plan->sets));
    if (!plan->sets)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < plan->nsets; i++) {
        json_t *s = json_array_get(sets, i);
        const char *truth = json_string_value(json_object_get(s, "truth"));
        if (!json_string_value(json_object_get(s, "name")) || !truth)
            return cxr_fail(err, CXR_ERR_INPUT, "'%s/shard.json': set %zu has no name", sf->dir, i);
        plan->sets[i].name = member_dup(s, "name");
        plan->sets[i].source = member_dup(s, "source");
        plan->sets[i].origin = member_dup(s, "origin");
        if (!plan->sets[i].name || !plan->sets[i].source || !plan->sets[i].origin)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        plan->sets[i].truth = truth_code(truth);
        plan->sets[i].total = (size_t)json_integer_value(json_object_get(s, "total"));
    }
    plan->threshold = json_real_value(json_object_get(sf->root, "threshold"));
    plan->decode_fast = shard_decode_fast(sf);
    return CXR_OK;
}

/* Appends one shard's rows of set s to the plan's items. */
/* One score cell of a shard's CSV into 'r' ("" leaves it not done). */
static cxr_status read_score(const shard_file *sf, const char *csv, size_t row,
                             const char *score, score_result *r, cxr_error *err)
{
    char *end;

    if (!*score)
        return CXR_OK;
    errno = 0;
    r->score = strtod(score, &end);
    r->done = 1;
    if (*end || errno || !(r->score >= 0 && r->score <= 1))
        return cxr_fail(err, CXR_ERR_INPUT, "'%s/%s' row %zu: bad score '%s'", sf->dir, csv,
                        row + 2, score);
    return CXR_OK;
}

/* The score column of each model: score_<name> for named models. */
static cxr_status score_columns(const shard_file *sf, const char *csv, const score_plan *plan,
                                cxr_manifest *m, int *cols, cxr_error *err)
{
    char col[192];

    cols[0] = cxr_manifest_column(m, "score");
    for (size_t i = 0; plan->named_models && i < plan->nmodels; i++) {
        snprintf(col, sizeof(col), "score_%s", plan->models[i].name);
        if ((cols[i] = cxr_manifest_column(m, col)) < 0)
            return cxr_fail(err, CXR_ERR_INPUT, "'%s/%s': no column '%s'", sf->dir, csv, col);
    }
    return CXR_OK;
}

static cxr_status read_rows(const shard_file *sf, score_plan *plan, size_t s, cxr_error *err)
{
    static const char *const req[] = {"image", "score", "error", NULL};
    char name[512], *path;
    cxr_manifest *m;
    cxr_status st;
    int ci, ce, *cs;

    snprintf(name, sizeof(name), "%s.csv", plan->sets[s].name);
    path = cxr_path_join(sf->dir, name);
    if (!path)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_manifest_load(path, req, &m, err);
    free(path);
    if (st != CXR_OK)
        return st;
    ci = cxr_manifest_column(m, "image");
    ce = cxr_manifest_column(m, "error");
    cs = calloc(plan->nmodels + 1, sizeof(*cs));
    st = cs ? score_columns(sf, name, plan, m, cs, err)
            : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++) {
        const char *error = cxr_manifest_get(m, r, ce);
        score_item *it;
        st = cxr_score_plan_add_item(plan, s, cxr_manifest_get(m, r, ci), "", err);
        if (st != CXR_OK)
            break;
        it = &plan->items[plan->nitems - 1];
        for (size_t k = 0; st == CXR_OK && k < plan->nmodels; k++)
            st = read_score(sf, name, r, cxr_manifest_get(m, r, cs[k]), &it->res[k], err);
        if (st == CXR_OK && (*error || !it->res[0].done) &&
            !(it->error = strdup(*error ? error : "not scored")))
            st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    free(cs);
    cxr_manifest_free(m);
    return st;
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const score_item *)a)->name, ((const score_item *)b)->name);
}

/* Sorts set s's items by name and checks the shards held each image once. */
static cxr_status finish_set(score_plan *plan, size_t s, cxr_error *err)
{
    score_set *set = &plan->sets[s];
    score_item *it = set->count ? plan->items + set->first : NULL;

    if (set->count)
        qsort(it, set->count, sizeof(*it), cmp_item);
    for (size_t i = 1; i < set->count; i++)
        if (strcmp(it[i - 1].name, it[i].name) == 0)
            return cxr_fail(err, CXR_ERR_INPUT, "set '%s': image '%s' is in two shards",
                            set->name, it[i].name);
    if (set->count != set->total)
        return cxr_fail(err, CXR_ERR_INPUT, "set '%s': the shards hold %zu of its %zu images",
                        set->name, set->count, set->total);
    return CXR_OK;
}

cxr_status cxr_score_merge_load(const cxr_config *conf, int nshards,
                                const score_merge_expect *expect, score_plan *plan,
                                double *seconds, cxr_error *err)
{
    shard_file *sf = calloc((size_t)nshards, sizeof(*sf));
    cxr_status st = sf ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    memset(plan, 0, sizeof(*plan));
    *seconds = 0;
    for (int k = 0; st == CXR_OK && k < nshards; k++) {
        st = load_shard(conf, k + 1, nshards, &sf[k], err);
        if (st == CXR_OK && k > 0)
            st = check_agree(&sf[0], &sf[k], k + 1, err);
        if (st == CXR_OK)
            *seconds += json_real_value(json_object_get(sf[k].root, "seconds"));
    }
    if (st == CXR_OK)
        st = check_expected(&sf[0], nshards, expect, err);
    if (st == CXR_OK)
        st = plan_from_shard1(&sf[0], expect, plan, err);
    for (size_t s = 0; st == CXR_OK && s < plan->nsets; s++) {
        plan->sets[s].first = plan->nitems;
        for (int k = 0; st == CXR_OK && k < nshards; k++)
            st = read_rows(&sf[k], plan, s, err);
        if (st == CXR_OK)
            st = finish_set(plan, s, err);
    }
    for (int k = 0; sf && k < nshards; k++) {
        json_decref(sf[k].root);
        free(sf[k].dir);
    }
    free(sf);
    if (st != CXR_OK)
        cxr_score_plan_release(plan);
    return st;
}
