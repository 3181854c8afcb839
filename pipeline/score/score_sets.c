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
        free(plan->items[i].res);
        free(plan->items[i].error);
    }
    for (size_t m = 0; m < plan->nmodels; m++)
        cxr_score_model_info_release(&plan->models[m]);
    free(plan->sets);
    free(plan->items);
    free(plan->archive);
    free(plan->models);
    memset(plan, 0, sizeof(*plan));
}

cxr_status cxr_score_plan_add_item(score_plan *plan, size_t set, const char *name,
                               const char *path, cxr_error *err)
{
    score_item *grown, *it;
    if (plan->nitems % 256 == 0) {
        grown = realloc(plan->items, (plan->nitems + 256) * sizeof(*grown));
        if (!grown)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory listing images");
        plan->items = grown;
    }
    it = &plan->items[plan->nitems];
    memset(it, 0, sizeof(*it));
    it->name = strdup(name);
    it->path = strdup(path);
    it->res = calloc(plan->nmodels + 1, sizeof(*it->res));
    it->set = set;
    plan->nitems++; /* released with the plan, even half filled */
    plan->sets[set].count++;
    if (!it->name || !it->path || !it->res)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory listing images");
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

static cxr_status names_add(name_list *l, const char *s, cxr_error *err)
{
    char *copy;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **grown = realloc(l->v, cap * sizeof(*l->v));
        if (!grown)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory listing images");
        l->v = grown;
        l->cap = cap;
    }
    copy = strdup(s);
    if (!copy)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory listing images");
    l->v[l->n++] = copy;
    return CXR_OK;
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
    cxr_status st = CXR_OK;

    if (!dp)
        return cxr_fail(err, CXR_ERR_MISSING,
                        "set '%s': folder '%s' not found (run 'cxrprep layout' first)", set,
                        dir);
    while (st == CXR_OK && (e = readdir(dp))) {
        struct stat sb;
        char *p;
        if (e->d_name[0] == '.')
            continue;
        p = cxr_path_join(dir, e->d_name);
        if (!p)
            st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory listing images");
        else if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            st = names_add(out, e->d_name, err);
        free(p);
    }
    closedir(dp);
    if (st == CXR_OK && out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
    return st;
}

/* Keeps every N-th name starting at the K-th (1-based) when sharding. */
static int in_shard(const score_plan *plan, size_t index)
{
    return plan->shard_n <= 0 || (int)(index % (size_t)plan->shard_n) == plan->shard_k - 1;
}

/* "<prefix><a>/<b>" (b alone when absolute, as cxr_path_join), malloc'd. */
static char *origin_text(const char *prefix, const char *a, const char *sep, const char *b)
{
    size_t len = strlen(prefix) + strlen(a) + strlen(sep) + strlen(b) + 1;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%s%s%s%s", prefix, a, sep, b);
    return out;
}

static cxr_status add_folder_set(const cxr_score_settings *s, score_plan *plan, size_t set,
                                 const char *folder, cxr_error *err)
{
    char *root = cxr_path_join(s->common.workdir, s->layout_root);
    char *dir = root ? cxr_path_join(root, folder) : NULL;
    /* the origin as the config gives it: layout.root/folder, relative to
     * the work directory, never the absolute path of this machine */
    char *shown = cxr_path_join(s->layout_root, folder);
    name_list names = {0};
    cxr_status st = dir && shown ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    if (st == CXR_OK)
        st = list_folder(plan->sets[set].name, dir, &names, err);
    if (st == CXR_OK && !(plan->sets[set].origin = origin_text("folder ", shown, "", "")))
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    plan->sets[set].total = names.n;
    for (size_t i = 0; st == CXR_OK && i < names.n; i++) {
        char *path;
        if (!in_shard(plan, i))
            continue;
        path = cxr_path_join(dir, names.v[i]);
        st = path ? cxr_score_plan_add_item(plan, set, names.v[i], path, err)
                  : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        free(path);
    }
    names_free(&names);
    free(shown);
    free(dir);
    free(root);
    return st;
}

static cxr_status open_archive_listing(const cxr_config *conf, const cxr_score_settings *s,
                                       score_plan *plan, cxr_archive_listing **ls,
                                       const char **root, cxr_error *err)
{
    const cxr_source_settings *k = &s->common.kermany;
    cxr_archive_limits lim;
    char note[512];
    cxr_status st;

    if (!k->url)
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "score.sets reads the Kermany archive, but the config has no "
                        "'sources.kermany'");
    st = cxr_source_local_path(conf, k->url, k->sha256, &plan->archive, err);
    if (st != CXR_OK)
        return st;
    lim.max_entries = s->common.kermany_max_entries;
    lim.max_total_size = s->common.kermany_max_total_size;
    st = cxr_archive_list(plan->archive, &lim, ls, err);
    if (st == CXR_OK) /* the root sample drew from */
        st = cxr_archive_choose_root(*ls, s->archive_root, root, note, sizeof(note), err);
    return st;
}

/* 'url' is the archive as the config names it (sources.kermany.url), not
 * the cache object it was read from (a path under this work directory). */
static cxr_status add_archive_set(score_plan *plan, size_t s, const cxr_archive_listing *ls,
                                  const char *url, const char *root, const char *dir,
                                  cxr_error *err)
{
    size_t index = 0;
    cxr_status st = CXR_OK;

    plan->sets[s].from_archive = 1;
    plan->sets[s].origin = origin_text("archive ", url, ": ", dir);
    if (!plan->sets[s].origin)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
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

/* Copies set i's settings into plan->sets[i]; checks the name and the
 * source. */
static cxr_status check_set(const cxr_score_settings *s, score_plan *plan, size_t i,
                            cxr_error *err)
{
    const cxr_score_set_settings *set = &s->sets[i];
    const char *name = set->name, *adir = set->archive_dir, *why;

    plan->sets[i].name = strdup(name);
    plan->sets[i].source = strdup(set->source);
    if (!plan->sets[i].name || !plan->sets[i].source)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    plan->sets[i].truth = set->truth;
    if (!*name || (why = cxr_safename_problem(name)) != NULL || strcmp(name, "summary") == 0)
        return cxr_fail(err, CXR_ERR_CONFIG, "score.sets.%zu.name '%s' cannot name a file (%s)",
                        i, name, *name ? (why ? why : "reserved") : "empty");
    for (size_t j = 0; j < i; j++)
        if (strcmp(plan->sets[j].name, name) == 0)
            return cxr_fail(err, CXR_ERR_CONFIG, "score.sets: two sets are named '%s'", name);
    if (!set->folder == !adir)
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "score.sets.%zu ('%s'): give exactly one of 'folder' and 'archive_dir'",
                        i, name);
    if (adir && (!strchr(adir, '/') || strchr(strchr(adir, '/') + 1, '/')))
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "score.sets.%zu.archive_dir '%s' is not '<split>/<class>' "
                        "(e.g. test/NORMAL)", i, adir);
    return CXR_OK;
}

cxr_status cxr_score_plan_build(const cxr_config *conf, const cxr_score_settings *s,
                                int shard_k, int shard_n, score_plan *plan, cxr_error *err)
{
    cxr_archive_listing *ls = NULL;
    const char *root = NULL;
    cxr_status st = CXR_OK;

    plan->shard_k = shard_k;
    plan->shard_n = shard_n;
    plan->threshold = s->threshold;
    if (s->nsets == 0)
        return cxr_fail(err, CXR_ERR_CONFIG, "score.sets is empty: nothing to score");
    plan->sets = calloc(s->nsets, sizeof(*plan->sets));
    if (!plan->sets)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    plan->nsets = s->nsets;
    for (size_t i = 0; st == CXR_OK && i < s->nsets; i++) {
        const cxr_score_set_settings *set = &s->sets[i];
        plan->sets[i].first = plan->nitems;
        st = check_set(s, plan, i, err);
        if (st == CXR_OK && set->folder)
            st = add_folder_set(s, plan, i, set->folder, err);
        if (st == CXR_OK && set->archive_dir && !ls)
            st = open_archive_listing(conf, s, plan, &ls, &root, err);
        if (st == CXR_OK && set->archive_dir)
            st = add_archive_set(plan, i, ls, s->common.kermany.url, root, set->archive_dir,
                                 err);
    }
    cxr_archive_listing_free(ls);
    if (st != CXR_OK)
        cxr_score_plan_release(plan);
    return st;
}
