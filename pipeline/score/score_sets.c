/* score_sets.c: the score stage's plan: the sets of score.sets, each
 * resolved to a sorted list of images (a folder of the layout tree, or a
 * '<split>/<class>' folder of the Kermany archive listed in place), cut to
 * one shard when asked. */
#include "score_internal.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "safename.h"
#include "workdir.h"

const char *cxr_score_truth_name(int truth)
{
    return truth == SCORE_TRUTH_POSITIVE ? "positive"
           : truth == SCORE_TRUTH_NEGATIVE ? "negative" : "unknown";
}

double cxr_score_canonical(double raw)
{
    char text[64];
    snprintf(text, sizeof(text), "%.6f", raw);
    return strtod(text, NULL);
}

void cxr_score_plan_release(score_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->nsets; i++) {
        free(plan->sets[i].name);
        free(plan->sets[i].source);
        free(plan->sets[i].origin);
    }
    for (size_t i = 0; i < plan->nitems; i++) {
        free(plan->items[i].name);
        free(plan->items[i].path);
        free(plan->items[i].error);
    }
    free(plan->sets);
    free(plan->items);
    free(plan->archive);
    free(plan->model.path);
    memset(plan, 0, sizeof(*plan));
}

cxr_status cxr_score_plan_add_item(score_plan *plan, size_t set, const char *name,
                               const char *path, cxr_error *err)
{
    score_item *grown;
    if (plan->nitems % 256 == 0) {
        grown = realloc(plan->items, (plan->nitems + 256) * sizeof(*grown));
        if (!grown)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory listing images");
        plan->items = grown;
    }
    memset(&plan->items[plan->nitems], 0, sizeof(score_item));
    plan->items[plan->nitems].name = cxr_strdup(name);
    plan->items[plan->nitems].path = cxr_strdup(path);
    plan->items[plan->nitems].set = set;
    plan->nitems++;
    plan->sets[set].count++;
    return CXR_OK;
}

typedef struct name_list {
    char **v;
    size_t n, cap;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static void names_add(name_list *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (!l->v)
            abort(); /* small strings; as cxr_strdup */
    }
    l->v[l->n++] = cxr_strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of 'dir' (no dot files), sorted bytewise. */
static cxr_status list_folder(const char *set, const char *dir, name_list *out,
                              cxr_error *err)
{
    DIR *dp = opendir(dir);
    struct dirent *e;

    if (!dp)
        return cxr_fail(err, CXR_ERR_MISSING,
                        "set '%s': folder '%s' not found (run 'cxrprep layout' first)", set,
                        dir);
    while ((e = readdir(dp))) {
        struct stat sb;
        char *p;
        if (e->d_name[0] == '.')
            continue;
        p = cxr_path_join(dir, e->d_name);
        if (p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            names_add(out, e->d_name);
        free(p);
    }
    closedir(dp);
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
    return CXR_OK;
}

/* Keeps every N-th name starting at the K-th (1-based) when sharding. */
static int in_shard(const score_plan *plan, size_t index)
{
    return plan->shard_n <= 0 || (int)(index % (size_t)plan->shard_n) == plan->shard_k - 1;
}

static cxr_status add_folder_set(const cxr_config *conf, score_plan *plan, size_t s,
                                 const char *folder, cxr_error *err)
{
    char *root = cxr_path_join(cxr_config_str(conf, "workdir"),
                               cxr_config_str(conf, "layout.root"));
    char *dir = cxr_path_join(root, folder);
    /* the origin as the config gives it: layout.root/folder, relative to
     * the work directory, never the absolute path of this machine */
    char *shown = cxr_path_join(cxr_config_str(conf, "layout.root"), folder);
    name_list names = {0};
    cxr_status st = list_folder(plan->sets[s].name, dir, &names, err);
    size_t len = (shown ? strlen(shown) : 0) + 16;

    plan->sets[s].origin = malloc(len);
    if (plan->sets[s].origin)
        snprintf(plan->sets[s].origin, len, "folder %s", shown ? shown : "");
    free(shown);
    plan->sets[s].total = names.n;
    for (size_t i = 0; st == CXR_OK && i < names.n; i++) {
        char *path;
        if (!in_shard(plan, i))
            continue;
        path = cxr_path_join(dir, names.v[i]);
        st = cxr_score_plan_add_item(plan, s, names.v[i], path, err);
        free(path);
    }
    names_free(&names);
    free(dir);
    free(root);
    return st;
}

static cxr_status open_archive_listing(const cxr_config *conf, score_plan *plan,
                                       cxr_archive_listing **ls, const char **root,
                                       cxr_error *err)
{
    const char *url = cxr_config_str(conf, "sources.kermany.url");
    cxr_archive_limits lim;
    char note[512];
    cxr_status st;

    if (!url)
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "score.sets reads the Kermany archive, but the config has no "
                        "'sources.kermany'");
    st = cxr_source_local_path(conf, url, cxr_config_str(conf, "sources.kermany.sha256"),
                               &plan->archive, err);
    if (st != CXR_OK)
        return st;
    lim.max_entries = (uint64_t)cxr_config_int(conf, "sources.kermany.max_entries");
    lim.max_total_size = (uint64_t)cxr_config_int(conf, "sources.kermany.max_total_size");
    st = cxr_archive_list(plan->archive, &lim, ls, err);
    if (st == CXR_OK)
        st = cxr_archive_choose_root(*ls, cxr_config_str(conf, "sample.archive_root"), root,
                                     note, sizeof(note), err); /* the root sample drew from */
    return st;
}

/* 'url' is the archive as the config names it (sources.kermany.url), not
 * the cache object it was read from (a path under this work directory). */
static cxr_status add_archive_set(score_plan *plan, size_t s, const cxr_archive_listing *ls,
                                  const char *url, const char *root, const char *dir,
                                  cxr_error *err)
{
    size_t len = strlen(url) + strlen(dir) + 16, index = 0;
    cxr_status st = CXR_OK;

    plan->sets[s].from_archive = 1;
    plan->sets[s].origin = malloc(len);
    if (plan->sets[s].origin)
        snprintf(plan->sets[s].origin, len, "archive %s: %s", url, dir);
    /* the listing is sorted by (root, split, class, name) */
    for (size_t i = 0; st == CXR_OK && i < ls->nimages; i++) {
        const cxr_archive_image *im = &ls->images[i];
        size_t sl = strlen(im->split);
        if (strcmp(im->root, root) != 0 || strncmp(dir, im->split, sl) != 0 ||
            dir[sl] != '/' || strcmp(dir + sl + 1, im->klass) != 0)
            continue;
        if (in_shard(plan, index++))
            st = cxr_score_plan_add_item(plan, s, im->name, im->path, err);
    }
    plan->sets[s].total = index;
    if (st == CXR_OK && index == 0)
        return cxr_fail(err, CXR_ERR_MISSING, "set '%s': no images under '%s' in '%s'",
                        plan->sets[s].name, dir, plan->archive);
    return st;
}

static int parse_truth(const char *t)
{
    if (t && strcmp(t, "positive") == 0)
        return SCORE_TRUTH_POSITIVE;
    if (t && strcmp(t, "negative") == 0)
        return SCORE_TRUTH_NEGATIVE;
    return SCORE_TRUTH_UNKNOWN;
}

/* Reads set i's keys into plan->sets[i]; checks the name and the source. */
static cxr_status read_set(const cxr_config *conf, score_plan *plan, size_t i,
                           const char **folder, const char **adir, cxr_error *err)
{
    char key[128];
    const char *name, *why;

#define SET_KEY(k) (snprintf(key, sizeof(key), "score.sets.%zu." k, i), key)
    name = cxr_config_str(conf, SET_KEY("name"));
    *folder = cxr_config_str(conf, SET_KEY("folder")); /* NULL when absent */
    *adir = cxr_config_str(conf, SET_KEY("archive_dir"));
    plan->sets[i].name = cxr_strdup(name ? name : "");
    plan->sets[i].source = cxr_strdup(cxr_config_str(conf, SET_KEY("source")) ?
                                      cxr_config_str(conf, key) : "");
    plan->sets[i].truth = parse_truth(cxr_config_str(conf, SET_KEY("truth")));
#undef SET_KEY
    if (!name || (why = cxr_safename_problem(name)) != NULL || strcmp(name, "summary") == 0)
        return cxr_fail(err, CXR_ERR_CONFIG, "score.sets.%zu.name '%s' cannot name a file (%s)",
                        i, name ? name : "", name ? (why ? why : "reserved") : "empty");
    for (size_t j = 0; j < i; j++)
        if (strcmp(plan->sets[j].name, name) == 0)
            return cxr_fail(err, CXR_ERR_CONFIG, "score.sets: two sets are named '%s'", name);
    if (!*folder == !*adir)
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "score.sets.%zu ('%s'): give exactly one of 'folder' and 'archive_dir'",
                        i, name);
    if (*adir && (!strchr(*adir, '/') || strchr(strchr(*adir, '/') + 1, '/')))
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "score.sets.%zu.archive_dir '%s' is not '<split>/<class>' "
                        "(e.g. test/NORMAL)", i, *adir);
    return CXR_OK;
}

cxr_status cxr_score_plan_build(const cxr_config *conf, int shard_k, int shard_n,
                            score_plan *plan, cxr_error *err)
{
    size_t n = cxr_config_len(conf, "score.sets");
    cxr_archive_listing *ls = NULL;
    const char *root = NULL;
    cxr_status st = CXR_OK;

    memset(plan, 0, sizeof(*plan));
    plan->shard_k = shard_k;
    plan->shard_n = shard_n;
    plan->threshold = cxr_config_float(conf, "score.threshold");
    if (!(plan->threshold >= 0.0 && plan->threshold <= 1.0))
        return cxr_fail(err, CXR_ERR_CONFIG, "score.threshold %g is outside [0, 1]",
                        plan->threshold);
    if (n == 0)
        return cxr_fail(err, CXR_ERR_CONFIG, "score.sets is empty: nothing to score");
    plan->sets = calloc(n, sizeof(*plan->sets));
    if (!plan->sets)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    plan->nsets = n;
    for (size_t i = 0; st == CXR_OK && i < n; i++) {
        const char *folder, *adir;
        plan->sets[i].first = plan->nitems;
        st = read_set(conf, plan, i, &folder, &adir, err);
        if (st == CXR_OK && folder)
            st = add_folder_set(conf, plan, i, folder, err);
        if (st == CXR_OK && adir && !ls)
            st = open_archive_listing(conf, plan, &ls, &root, err);
        if (st == CXR_OK && adir)
            st = add_archive_set(plan, i, ls, cxr_config_str(conf, "sources.kermany.url"), root,
                                 adir, err);
    }
    cxr_archive_listing_free(ls);
    if (st != CXR_OK)
        cxr_score_plan_release(plan);
    return st;
}
