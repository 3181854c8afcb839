/* layout.c: the layout stage's run: plan, the up-to-date check, building
 * the staging tree from the cache and the archive, the manifests, the swap
 * and the summary (see layout.h). */
#include "contract.h"
#include "layout_internal.h"
#include "stagedir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive_reader.h"
#include "fsutil.h"
#include "manifest.h"
#include "safename.h"
#include "summary.h"
#include "workdir.h"

/* Items [i, end) with the same source and entry: one image, several folders. */
static size_t group_end(const layout_ctx *c, size_t i)
{
    size_t j = i + 1;
    while (j < c->nitems && c->items[j].src == c->items[i].src &&
           !strcmp(c->items[j].entry, c->items[i].entry))
        j++;
    return j;
}

static cxr_status place_covid(layout_ctx *c, layout_pool *pool, cxr_error *err)
{
    for (size_t i = 0, end; i < c->nitems; i = end) {
        layout_item *it = &c->items[i];
        unsigned char *data;
        size_t len;
        cxr_status st;
        end = group_end(c, i);
        if (it->src != SRC_IEEE8023)
            continue;
        if (cxr_safename_problem(it->filename)) {
            cxr_layout_quarantine(c, i, end - i, cxr_safename_problem(it->filename));
            continue;
        }
        if (!it->local || !cxr_is_file(it->local)) {
            if (!c->allow_missing)
                return cxr_fail(err, CXR_ERR_MISSING, "image '%s' is missing ('%s'): run "
                                "'cxrprep fetch' first, or set sources.images.allow_missing",
                                it->entry, it->local ? it->local : "not in the cache");
            cxr_layout_quarantine(c, i, end - i, "missing: not in the cache or images directory");
            continue;
        }
        if ((st = cxr_read_file(it->local, &data, &len, err)) != CXR_OK ||
            (st = cxr_layout_pool_submit(pool, i, end - i, data, len, err)) != CXR_OK)
            return st;
    }
    return CXR_OK;
}

typedef struct extract_ctx {
    layout_ctx *c;
    layout_pool *pool;
    size_t first; /* the first kermany item */
} extract_ctx;

static int entry_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const layout_item *)elem)->entry);
}

static cxr_status on_entry(void *ctx, const char *path, const unsigned char *data,
                           size_t len, cxr_error *err)
{
    extract_ctx *x = ctx;
    layout_ctx *c = x->c;
    layout_item *hit = bsearch(path, c->items + x->first, c->nitems - x->first,
                               sizeof(*c->items), entry_cmp);
    size_t i, end;
    unsigned char *copy;
    if (!hit)
        return cxr_fail(err, CXR_ERR_INTERNAL, "unexpected entry '%s'", path);
    for (i = (size_t)(hit - c->items); i > x->first && !strcmp(c->items[i - 1].entry, path);)
        i--;
    end = group_end(c, i);
    if (c->items[i].size != len)
        return cxr_fail(err, CXR_ERR_INPUT, "entry '%s' has %zu bytes, the sample manifest "
                        "says %llu: the archive changed since 'cxrprep sample' ran", path,
                        len, (unsigned long long)c->items[i].size);
    if (!(copy = malloc(len ? len : 1)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    memcpy(copy, data, len);
    return cxr_layout_pool_submit(x->pool, i, end - i, copy, len, err);
}

static cxr_status place_kermany(layout_ctx *c, layout_pool *pool, cxr_error *err)
{
    extract_ctx x = {c, pool, c->nitems};
    const char **wanted;
    size_t n = 0;
    cxr_archive_limits lim;
    cxr_status st;
    for (size_t i = 0; i < c->nitems; i++)
        if (c->items[i].src == SRC_KERMANY && x.first == c->nitems)
            x.first = i;
    if (x.first == c->nitems)
        return CXR_OK;
    if (!(wanted = malloc((c->nitems - x.first) * sizeof(*wanted))))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = x.first, end; i < c->nitems; i = end) {
        end = group_end(c, i);
        wanted[n++] = c->items[i].entry;
    }
    lim.max_entries = (uint64_t)cxr_config_int(c->conf, "sources.kermany.max_entries");
    lim.max_total_size = (uint64_t)cxr_config_int(c->conf, "sources.kermany.max_total_size");
    st = cxr_archive_extract(c->archive, &lim, wanted, n, on_entry, &x, err);
    free(wanted);
    return st;
}

static int record_cmp(const void *pa, const void *pb)
{
    const layout_record *a = pa, *b = pb;
    return strcmp(a->path, b->path);
}

/* layout.csv (laid-out files) or quarantine.csv (the others), in 'dir'. */
static cxr_status write_records(const layout_ctx *c, const char *dir, int quarantined,
                                cxr_error *err)
{
    static const char *const cols[] = {"path", "sha256", "size", "class", "source",
                                       "entry", "draw"};
    static const char *const qcols[] = {"path", "source", "entry", "draw", "reason"};
    char *path = cxr_path_join(dir, quarantined ? CXR_LAYOUT_LEFT_OUT : CXR_LAYOUT_CSV);
    cxr_manifest_writer *w;
    cxr_status st = cxr_manifest_create(path, quarantined ? qcols : cols,
                                        quarantined ? 5 : 7, &w, err);
    free(path);
    for (size_t i = 0; st == CXR_OK && i < c->nrecords; i++) {
        const layout_record *r = &c->records[i];
        char size[32];
        const char *row[7] = {r->path, r->sha256, size, r->klass, r->source, r->entry, r->draw};
        const char *qrow[5] = {r->path, r->source, r->entry, r->draw, r->reason};
        if (quarantined != (r->reason != NULL))
            continue;
        snprintf(size, sizeof(size), "%llu", (unsigned long long)r->size);
        st = cxr_manifest_add(w, quarantined ? qrow : row, err);
    }
    if (st == CXR_OK)
        return cxr_manifest_commit(w, err);
    cxr_manifest_abort(w);
    return st;
}

/* tree.sha256 in 'dir': the sha256 of layout.csv, as "<hex>  layout.csv". */
static cxr_status write_digest(const char *dir, char hex[CXR_SHA256_HEX], cxr_error *err)
{
    char *csv = cxr_path_join(dir, CXR_LAYOUT_CSV);
    char *out = cxr_path_join(dir, CXR_LAYOUT_TREE_SHA256);
    cxr_atomic_file af;
    cxr_status st = cxr_sha256_file(csv, hex, NULL, err);
    if (st == CXR_OK && (st = cxr_atomic_open(&af, out, err)) == CXR_OK) {
        if (fprintf(af.fp, "%s  layout.csv\n", hex) < 0) {
            cxr_atomic_abort(&af);
            st = cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", out);
        } else {
            st = cxr_atomic_commit(&af, err);
        }
    }
    free(csv);
    free(out);
    return st;
}

/* "<workdir>/cache/layout.state": what decides whether a rerun has work to
 * do, kept out of summary.json because it is this machine's (paths, inodes,
 * mtimes): the inputs' fingerprint, the tree's digest, the hard links. */
static char *state_path(const layout_ctx *c)
{
    const char *wd = cxr_config_str(c->conf, "workdir");
    char *p = cxr_path_join(wd && *wd ? wd : ".", "cache/layout.state");
    if (!p)
        abort();
    return p;
}

static cxr_status write_state(const layout_ctx *c, const char *fingerprint,
                              const cxr_layout_result *res, cxr_error *err)
{
    char *path = state_path(c);
    json_t *j = json_pack("{s:s, s:s, s:I}", "inputs_fingerprint", fingerprint,
                          "tree_sha256", res->tree_digest, "hard_links",
                          (json_int_t)res->nlinked);
    char *text = j ? json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
    cxr_atomic_file af;
    cxr_status st = text ? cxr_atomic_open(&af, path, err)
                         : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st == CXR_OK && fprintf(af.fp, "%s\n", text) < 0) {
        cxr_atomic_abort(&af);
        st = cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", path);
    } else if (st == CXR_OK) {
        st = cxr_atomic_commit(&af, err);
    }
    free(text);
    json_decref(j);
    free(path);
    return st;
}

/* summary.json: only what the same config and inputs give on any machine
 * (no paths, no run statistics: those are in the log line). */
static cxr_status write_summary(const layout_ctx *c, const char *dir,
                                const cxr_layout_result *res, cxr_error *err)
{
    json_t *body = json_object(), *folders = json_object();
    char *path = cxr_path_join(dir, CXR_SUMMARY_JSON);
    cxr_status st;
    for (size_t f = 0; f < c->nfolders; f++) {
        json_int_t n = 0, q = 0;
        for (size_t i = 0; i < c->nrecords; i++)
            if (!strcmp(c->records[i].draw, c->folders[f].draw) &&
                !strncmp(c->records[i].path, c->folders[f].path, strlen(c->folders[f].path)) &&
                c->records[i].path[strlen(c->folders[f].path)] == '/')
                *(c->records[i].reason ? &q : &n) += 1;
        json_object_set_new(folders, c->folders[f].path, json_pack("{s:s, s:I, s:I}",
                            "draw", c->folders[f].draw, "files", n, "quarantined", q));
    }
    json_object_set_new(body, "folders", folders);
    json_object_set_new(body, "counts", json_pack("{s:I, s:I}",
                        "files", (json_int_t)res->nfiles,
                        "quarantined", (json_int_t)res->nquarantined));
    json_object_set_new(body, "tree_sha256", json_string(res->tree_digest));
    json_object_set_new(body, "images", json_string(c->png ? "png" : "original"));
    st = cxr_summary_write(path, "layout", c->conf, "layout", body, err);
    json_decref(body);
    free(path);
    return st;
}

/* 1 when the last run's state has this fingerprint, its summary and
 * layout.csv its tree digest, and the tree on disk still holds exactly its
 * files; fills res. */
static int up_to_date(const layout_ctx *c, const char *fingerprint, cxr_layout_result *res)
{
    char *summary = cxr_stage_path(c->conf, CXR_STAGE_LAYOUT, CXR_SUMMARY_JSON);
    char *csv = cxr_stage_path(c->conf, CXR_STAGE_LAYOUT, CXR_LAYOUT_CSV);
    char *state = state_path(c);
    json_t *j = json_load_file(summary, 0, NULL), *sj = json_load_file(state, 0, NULL);
    const char *fp = sj ? json_string_value(json_object_get(sj, "inputs_fingerprint")) : NULL;
    const char *stree = sj ? json_string_value(json_object_get(sj, "tree_sha256")) : NULL;
    const char *tree = j ? json_string_value(json_object_get(j, "tree_sha256")) : NULL;
    json_t *counts = j ? json_object_get(j, "counts") : NULL;
    char hex[CXR_SHA256_HEX];
    int ok = fp && tree && stree && !strcmp(fp, fingerprint) && !strcmp(tree, stree) &&
             cxr_sha256_file(csv, hex, NULL, NULL) == CXR_OK && !strcmp(hex, tree) &&
             cxr_layout_tree_matches(c, csv);
    if (ok) {
        snprintf(res->tree_digest, sizeof(res->tree_digest), "%s", tree);
        res->nfiles = (size_t)json_integer_value(json_object_get(counts, "files"));
        res->nquarantined = (size_t)json_integer_value(json_object_get(counts, "quarantined"));
        res->nlinked = (size_t)json_integer_value(json_object_get(sj, "hard_links"));
        res->up_to_date = 1;
    }
    json_decref(j);
    json_decref(sj);
    free(summary);
    free(csv);
    free(state);
    return ok;
}

static cxr_status build(layout_ctx *c, const char *fingerprint, cxr_layout_result *res,
                        cxr_error *err)
{
    layout_pool *pool = NULL;
    cxr_stagedir manifests = {0};
    char *mdir = cxr_stage_path(c->conf, CXR_STAGE_LAYOUT, NULL);
    cxr_error e2;
    cxr_status st = cxr_layout_staging_create(c, err);
    if (st == CXR_OK && c->verify && !c->png)
        st = cxr_mkdirs(c->verified_dir, err);
    if (st == CXR_OK)
        st = cxr_layout_pool_start(c, (int)cxr_config_int(c->conf, "layout.threads"), &pool, err);
    if (st == CXR_OK)
        st = place_covid(c, pool, err);
    if (st == CXR_OK)
        st = place_kermany(c, pool, err);
    if (cxr_layout_pool_finish(pool, &e2) != CXR_OK && st == CXR_OK) {
        *err = e2;
        st = e2.status;
    }
    if (c->nrecords)
        qsort(c->records, c->nrecords, sizeof(*c->records), record_cmp);
    for (size_t i = 0; i < c->nrecords; i++)
        *(c->records[i].reason ? &res->nquarantined : &res->nfiles) += 1;
    res->nlinked = c->nlinked;
    res->nverified_before = c->ncached;
    /* The manifests are built aside too, and swapped in right after the
     * tree; the state that says "up to date" is written last of all. */
    if (st == CXR_OK)
        st = cxr_stagedir_open(&manifests, mdir, err);
    if (st == CXR_OK)
        st = write_records(c, manifests.tmp, 0, err);
    if (st == CXR_OK)
        st = write_records(c, manifests.tmp, 1, err);
    if (st == CXR_OK)
        st = write_digest(manifests.tmp, res->tree_digest, err);
    if (st == CXR_OK)
        st = write_summary(c, manifests.tmp, res, err);
    if (st == CXR_OK)
        st = cxr_layout_swap_into_place(c, err);
    if (st == CXR_OK)
        st = cxr_stagedir_commit(&manifests, err);
    else
        cxr_stagedir_abort(&manifests);
    if (st == CXR_OK)
        st = write_state(c, fingerprint, res, err);
    if (st != CXR_OK && c->staging)
        (void)cxr_remove_tree(c->staging, NULL);
    free(mdir);
    return st;
}

cxr_status cxr_layout_run(const cxr_config *conf, int force, cxr_layout_result *res,
                          cxr_error *err)
{
    layout_ctx c;
    char fingerprint[CXR_SHA256_HEX];
    cxr_status st;
    memset(&c, 0, sizeof(c));
    memset(res, 0, sizeof(*res));
    c.conf = conf;
    pthread_mutex_init(&c.lock, NULL);
    st = cxr_layout_plan(&c, err);
    if (st == CXR_OK)
        st = cxr_layout_fingerprint(&c, fingerprint, err);
    if (st == CXR_OK)
        cxr_layout_staging_clean(&c); /* also when nothing is rebuilt */
    if (st == CXR_OK && (force || !up_to_date(&c, fingerprint, res)))
        st = build(&c, fingerprint, res, err);
    cxr_layout_ctx_release(&c);
    pthread_mutex_destroy(&c.lock);
    return st;
}
