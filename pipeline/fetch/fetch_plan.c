/* fetch_plan.c: turns the config's sources and the select manifests into
 * the list of files the fetch stage must have (the plan), with the pins the
 * config gives. */
#include "contract.h"
#include "fetch_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "manifest.h"
#include "safename.h"
#include "workdir.h"

static cxr_status grow(cxr_fetch_plan *plan, cxr_error *err)
{
    size_t cap;
    cxr_fetch_item *items;
    if (plan->n < plan->cap)
        return CXR_OK;
    cap = plan->cap ? plan->cap * 2 : 16;
    items = realloc(plan->items, cap * sizeof(*items));
    if (!items)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    plan->items = items;
    plan->cap = cap;
    return CXR_OK;
}

/* Adds an item; 'url' is taken (malloc'd), the rest copied. */
static cxr_status add_item(cxr_fetch_plan *plan, unsigned group, const char *source,
                           const char *name, char *url, cxr_error *err)
{
    cxr_fetch_item *it;
    cxr_status st = grow(plan, err);
    if (st == CXR_OK && !url)
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st != CXR_OK) {
        free(url);
        return st;
    }
    it = &plan->items[plan->n++];
    memset(it, 0, sizeof(*it));
    it->group = group;
    it->url = url;
    it->source = strdup(source);
    it->name = strdup(name);
    if (!it->source || !it->name)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory"); /* plan_release frees */
    it->pin_size = -1;
    it->size = -1;
    it->state = CXR_ITEM_TODO;
    return cxr_fetch_url_kind(url, &it->kind, err) == CXR_OK
               ? CXR_OK
               : cxr_error_prefix(err, "source '%s': ", source);
}

/* The file name in the URL ("metadata.csv"), or the source's name when the
 * URL ends in something that is not a file name ("file_downloaded"). */
static const char *display_name(const char *url, const char *source)
{
    const char *s = strrchr(url, '/');
    s = s && s[1] ? s + 1 : url;
    return strchr(s, '.') && !strpbrk(s, "?#") ? s : source;
}

/* One source with url, sha256 and size keys ("sources.metadata"); 'size'
 * is its size pin, -1 when none. */
static cxr_status add_single(const char *config_file, cxr_fetch_plan *plan, unsigned group,
                             const char *source, const cxr_source_settings *pins,
                             int64_t size, cxr_error *err)
{
    const char *sha = pins->sha256;
    cxr_fetch_item *it;
    cxr_status st;

    if (!pins->url)
        return CXR_OK;
    st = add_item(plan, group, source, display_name(pins->url, source), strdup(pins->url), err);
    if (st != CXR_OK)
        return st;
    it = &plan->items[plan->n - 1];
    if (sha) {
        for (size_t i = 0; sha[i] && i < CXR_SHA256_HEX - 1; i++)
            it->pin_sha256[i] = (char)tolower((unsigned char)sha[i]);
        if (strlen(sha) != CXR_SHA256_HEX - 1 || !cxr_sha256_valid(it->pin_sha256))
            return cxr_fail(err, CXR_ERR_CONFIG,
                            "'sources.%s.sha256' in '%s' is not a sha256 (64 hex digits): '%s'",
                            source, config_file, sha);
        it->pin_origin = CXR_PIN_CONFIG;
    }
    it->pin_size = size;
    return CXR_OK;
}

static cxr_status add_images_from(const cxr_common_settings *common, cxr_fetch_plan *plan,
                                  const char *path, cxr_error *err)
{
    static const char *const required[] = {"filename", NULL};
    const char *tmpl = common->images_url_template;
    int allow = common->images_allow_missing;
    cxr_manifest *m = NULL;
    cxr_url_kind kind;
    cxr_status st = cxr_fetch_url_kind(tmpl, &kind, err);
    int col;

    if (st == CXR_OK)
        st = cxr_manifest_load(path, required, &m, err);
    if (st != CXR_OK)
        return st;
    col = cxr_manifest_column(m, "filename");
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++) {
        const char *name = cxr_manifest_get(m, r, col);
        const char *problem = cxr_safename_problem(name);
        if (!name[0])
            continue;
        st = add_item(plan, CXR_FETCH_IMAGES, "images", name,
                      cxr_source_url_fill(tmpl, name), err);
        if (st == CXR_OK)
            plan->items[plan->n - 1].allow_missing = allow;
        if (st == CXR_OK && problem) /* select refuses these; never trust it */
            cxr_fetch_item_set_reason(&plan->items[plan->n - 1], CXR_ITEM_FAILED,
                                      CXR_ERR_INPUT, "unsafe file name in '%s': %s",
                                      path, problem);
    }
    cxr_manifest_free(m);
    return st;
}

static cxr_status add_images(const cxr_config *conf, const cxr_common_settings *common,
                             cxr_fetch_plan *plan, int need_images, cxr_error *err)
{
    static const char *const names[] = {CXR_SELECT_COVID_TRAIN, CXR_SELECT_HOLDOUT};
    cxr_status st = CXR_OK;
    if (!common->images_url_template)
        return CXR_OK;
    plan->inputs = calloc(2, sizeof(char *));
    if (!plan->inputs)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == CXR_OK && i < 2; i++) {
        char *path = cxr_stage_path(conf, CXR_STAGE_SELECT, names[i]);
        if (!path) {
            st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        } else if (cxr_is_file(path)) {
            plan->inputs[plan->ninputs++] = path;
            st = add_images_from(common, plan, path, err);
        } else {
            free(path);
        }
    }
    plan->images_planned = plan->ninputs > 0;
    if (st == CXR_OK && need_images && !plan->images_planned)
        st = cxr_fail(err, CXR_ERR_MISSING,
                      "no select manifests in '%s': run 'cxrprep select' before "
                      "fetching images", common->workdir);
    return st;
}

static void item_release(cxr_fetch_item *it)
{
    free(it->source);
    free(it->name);
    free(it->url);
    free(it->path);
}

static int by_url(const void *a, const void *b)
{
    const cxr_fetch_item *x = *(cxr_fetch_item *const *)a, *y = *(cxr_fetch_item *const *)b;
    int c = strcmp(x->url, y->url);
    return c ? c : (x < y ? -1 : x > y);
}

/* Keeps the first item of each URL, in plan order. */
static cxr_status drop_duplicates(cxr_fetch_plan *plan, cxr_error *err)
{
    size_t n = plan->n ? plan->n : 1, kept = 0;
    cxr_fetch_item **order = malloc(n * sizeof(*order));
    char *dup = calloc(n, 1);
    if (!order || !dup) {
        free(order);
        free(dup);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < plan->n; i++)
        order[i] = &plan->items[i];
    qsort(order, plan->n, sizeof(*order), by_url); /* ties in plan order */
    for (size_t i = 1; i < plan->n; i++)
        if (strcmp(order[i - 1]->url, order[i]->url) == 0)
            dup[order[i] - plan->items] = 1;
    free(order);
    for (size_t i = 0; i < plan->n; i++) {
        if (dup[i])
            item_release(&plan->items[i]);
        else
            plan->items[kept++] = plan->items[i];
    }
    plan->n = kept;
    free(dup);
    return CXR_OK;
}

cxr_status cxr_fetch_plan_build(const cxr_config *conf, const cxr_fetch_settings *settings,
                                int need_images, cxr_fetch_plan *plan, cxr_error *err)
{
    const cxr_common_settings *common = &settings->common;
    cxr_status st;
    memset(plan, 0, sizeof(*plan));
    st = add_single(common->config_file, plan, CXR_FETCH_METADATA, "metadata",
                    &common->metadata, settings->metadata_size, err);
    if (st == CXR_OK)
        st = add_images(conf, common, plan, need_images, err);
    if (st == CXR_OK)
        st = add_single(common->config_file, plan, CXR_FETCH_ARCHIVES, "kermany",
                        &common->kermany, settings->kermany_size, err);
    if (st == CXR_OK)
        st = drop_duplicates(plan, err);
    return st;
}

void cxr_fetch_plan_release(cxr_fetch_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++)
        item_release(&plan->items[i]);
    for (size_t i = 0; i < plan->ninputs; i++)
        free(plan->inputs[i]);
    free(plan->inputs);
    free(plan->items);
    memset(plan, 0, sizeof(*plan));
}

void cxr_fetch_item_set_reason(cxr_fetch_item *it, cxr_item_state state,
                               cxr_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
    va_end(ap);
    it->state = state;
    it->status = status;
}

const char *cxr_fetch_item_state_name(cxr_item_state state)
{
    static const char *const names[] = {"todo",    "downloaded", "cached", "local",
                                        "skipped", "missing",    "failed"};
    return state <= CXR_ITEM_FAILED ? names[state] : "unknown";
}
