/* fetch_report.c: what the fetch stage leaves for the stages after it: the
 * counts of a run, fetch.csv (one row per file) and summary.json. Both hold
 * only what the same config and sources give on every machine and every
 * run: paths inside the work directory are written relative to it, a file
 * downloaded now and one found in the cache are both "cached", and run
 * statistics (bytes received, downloads) go to the log lines only. */
#include "contract.h"
#include "fetch_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "summary.h"
#include "workdir.h"

/* Integrity beats network beats missing: the most alarming status wins;
 * out of memory (a transfer that could not start) stops the run. */
static cxr_status worse(cxr_status a, cxr_status b)
{
    static const cxr_status order[] = {CXR_ERR_NOMEM,  CXR_ERR_INTEGRITY, CXR_ERR_NETWORK,
                                       CXR_ERR_IO,     CXR_ERR_CONFIG,    CXR_ERR_INPUT,
                                       CXR_ERR_MISSING};
    if (a == CXR_OK)
        return b;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (a == order[i] || b == order[i])
            return order[i];
    return a;
}

void cxr_fetch_count(const cxr_fetch_plan *plan, cxr_fetch_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->total = plan->n;
    for (size_t i = 0; i < plan->n; i++) {
        const cxr_fetch_item *it = &plan->items[i];
        switch (it->state) {
        case CXR_ITEM_DOWNLOADED: c->downloaded++; break;
        case CXR_ITEM_CACHED: c->cached++; break;
        case CXR_ITEM_LOCAL: c->local++; break;
        case CXR_ITEM_SKIPPED: c->skipped++; break;
        case CXR_ITEM_MISSING:
            c->missing++;
            if (!it->allow_missing) {
                c->missing_fatal++;
                c->worst = worse(c->worst, CXR_ERR_MISSING);
            }
            break;
        default:
            c->failed++;
            c->worst = worse(c->worst, it->status ? it->status : CXR_ERR_INTERNAL);
        }
    }
}

/* 'path' relative to the work directory when it lies inside it (a pointer
 * into 'path'), else 'path' as the config gave it. */
static const char *workdir_relative(const char *wd, const char *path)
{
    size_t n = wd ? strlen(wd) : 0;
    while (n > 1 && wd[n - 1] == '/')
        n--;
    if (!path || !n || strncmp(path, wd, n) != 0 || path[n] != '/')
        return path;
    path += n;
    while (*path == '/')
        path++;
    return path;
}

/* The status column: the state after the run, the same on a rerun. */
static const char *row_status(const cxr_fetch_item *it)
{
    return it->state == CXR_ITEM_DOWNLOADED ? "cached" : cxr_fetch_item_state_name(it->state);
}

static cxr_status write_manifest(const cxr_config *conf, const char *workdir,
                                 const cxr_fetch_plan *plan, cxr_error *err)
{
    static const char *const cols[] = {"source", "name",   "url",   "path",
                                       "sha256", "size",   "status", "reason"};
    char *path = cxr_stage_path(conf, CXR_STAGE_FETCH, CXR_FETCH_CSV);
    cxr_manifest_writer *w = NULL;
    cxr_status st = path ? cxr_manifest_create(path, cols, 8, &w, err)
                         : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == CXR_OK && i < plan->n; i++) {
        const cxr_fetch_item *it = &plan->items[i];
        char size[32] = "";
        const char *row[8];
        if (it->size >= 0)
            snprintf(size, sizeof(size), "%" PRId64, it->size);
        row[0] = it->source;
        row[1] = it->name;
        row[2] = it->url;
        row[3] = workdir_relative(workdir, it->path);
        row[4] = it->sha256;
        row[5] = size;
        row[6] = row_status(it);
        row[7] = it->reason;
        st = cxr_manifest_add(w, row, err);
    }
    if (st == CXR_OK)
        st = cxr_manifest_commit(w, err);
    else
        cxr_manifest_abort(w);
    free(path);
    return st;
}

/* Counts that a rerun gives again: downloaded files count as cached. */
static json_t *counts_json(const cxr_fetch_counts *c)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "files", (json_int_t)c->total,
                     "cached", (json_int_t)(c->downloaded + c->cached), "local",
                     (json_int_t)c->local, "skipped", (json_int_t)c->skipped, "missing",
                     (json_int_t)c->missing, "failed", (json_int_t)c->failed);
}

static json_t *summary_body(const char *workdir, const cxr_fetch_plan *plan,
                            const cxr_fetch_counts *c, const char *lock_path,
                            const cxr_fetch_options *opts)
{
    json_t *inputs = json_array();
    for (size_t i = 0; inputs && i < plan->ninputs; i++)
        if (json_array_append_new(inputs,
                                  json_string(workdir_relative(workdir, plan->inputs[i])))) {
            json_decref(inputs); /* out of memory: the pack below fails */
            inputs = NULL;
        }
    /* "o" takes the values, also when the pack fails; a NULL one fails it */
    return json_pack("{s:o, s:o, s:s, s:s, s:b}", "counts", counts_json(c), "inputs", inputs,
                     "lock_file",
                     workdir_relative(workdir, lock_path), "images",
                     plan->images_planned ? "from the select manifests"
                                          : "not planned: no select manifests yet",
                     "offline", opts->offline != 0);
}

cxr_status cxr_fetch_report_write(const cxr_config *conf, const char *workdir,
                                  const cxr_fetch_plan *plan, const cxr_fetch_counts *c,
                                  const char *lock_path, const cxr_fetch_options *opts,
                                  cxr_error *err)
{
    char *path;
    json_t *body;
    cxr_status st = write_manifest(conf, workdir, plan, err);
    if (st != CXR_OK)
        return st;
    path = cxr_stage_path(conf, CXR_STAGE_FETCH, CXR_SUMMARY_JSON);
    body = summary_body(workdir, plan, c, lock_path, opts);
    if (!path || !body)
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    else
        st = cxr_summary_write(path, "fetch", conf, "sources", body, err);
    json_decref(body);
    free(path);
    return st;
}
