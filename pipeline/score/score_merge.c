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

/* Shards must agree with shard 1 on the model, threshold and set list. */
static cxr_status check_agree(const shard_file *first, const shard_file *sf, int k,
                              cxr_error *err)
{
    static const char *const keys[] = {"model", "threshold"};
    json_t *a = json_object_get(first->root, "sets"), *b = json_object_get(sf->root, "sets");

    for (size_t i = 0; i < 2; i++)
        if (!json_equal(json_object_get(first->root, keys[i]),
                        json_object_get(sf->root, keys[i])))
            return cxr_fail(err, CXR_ERR_INPUT, "shard %d used another %s than shard 1", k,
                            keys[i]);
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
static cxr_status check_expected(const shard_file *sf, int nshards,
                                 const score_merge_expect *expect, cxr_error *err)
{
    json_t *thr = json_object_get(sf->root, "threshold");
    const char *sha = json_string_value(json_object_get(json_object_get(sf->root, "model"),
                                                        "sha256"));

    if (!json_is_number(thr) || json_number_value(thr) != expect->threshold)
        return cxr_fail(err, CXR_ERR_INPUT, "the %d shards were scored at threshold %g, "
                        "this merge's threshold is %g (score.threshold)", nshards,
                        json_number_value(thr), expect->threshold);
    if (expect->model && (!sha || strcmp(sha, expect->model->sha256) != 0))
        return cxr_fail(err, CXR_ERR_INPUT, "the %d shards were scored with the model of "
                        "sha256 %s; this merge's model '%s' has sha256 %s", nshards,
                        sha ? sha : "(none)", expect->model->path, expect->model->sha256);
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

static cxr_status plan_from_shard1(const shard_file *sf, score_plan *plan, cxr_error *err)
{
    json_t *sets = json_object_get(sf->root, "sets"), *m = json_object_get(sf->root, "model");
    json_t *hwc = json_object_get(m, "input_hwc");

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
    if (!(plan->model.path = member_dup(m, "path")))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    snprintf(plan->model.sha256, sizeof(plan->model.sha256), "%s",
             json_string_value(json_object_get(m, "sha256")) ?
             json_string_value(json_object_get(m, "sha256")) : "");
    snprintf(plan->model.backend, sizeof(plan->model.backend), "%s",
             json_string_value(json_object_get(m, "backend")) ?
             json_string_value(json_object_get(m, "backend")) : "");
    plan->model.height = (int)json_integer_value(json_array_get(hwc, 0));
    plan->model.width = (int)json_integer_value(json_array_get(hwc, 1));
    plan->model.channels = (int)json_integer_value(json_array_get(hwc, 2));
    plan->model.classes = (int)json_integer_value(json_object_get(m, "classes"));
    plan->model.positive_index = (int)json_integer_value(json_object_get(m, "positive_index"));
    plan->model.softmax = json_is_true(json_object_get(m, "softmax_output"));
    return CXR_OK;
}

/* Appends one shard's rows of set s to the plan's items. */
static cxr_status read_rows(const shard_file *sf, score_plan *plan, size_t s, cxr_error *err)
{
    static const char *const req[] = {"image", "score", "error", NULL};
    char name[512], *path;
    cxr_manifest *m;
    cxr_status st;
    int ci, cs, ce;

    snprintf(name, sizeof(name), "%s.csv", plan->sets[s].name);
    path = cxr_path_join(sf->dir, name);
    if (!path)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_manifest_load(path, req, &m, err);
    free(path);
    if (st != CXR_OK)
        return st;
    ci = cxr_manifest_column(m, "image");
    cs = cxr_manifest_column(m, "score");
    ce = cxr_manifest_column(m, "error");
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++) {
        const char *score = cxr_manifest_get(m, r, cs);
        score_item *it;
        st = cxr_score_plan_add_item(plan, s, cxr_manifest_get(m, r, ci), "", err);
        if (st != CXR_OK)
            break;
        it = &plan->items[plan->nitems - 1];
        if (*score) {
            char *end;
            errno = 0;
            it->score = strtod(score, &end);
            if (*end || errno || !(it->score >= 0 && it->score <= 1))
                st = cxr_fail(err, CXR_ERR_INPUT, "'%s/%s' row %zu: bad score '%s'", sf->dir,
                              name, r + 2, score);
            it->done = 1;
        } else {
            it->error = strdup(*cxr_manifest_get(m, r, ce) ? cxr_manifest_get(m, r, ce)
                                                            : "not scored");
            if (!it->error)
                st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        }
    }
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
        st = plan_from_shard1(&sf[0], plan, err);
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
