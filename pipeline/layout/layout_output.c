/* layout_output.c: what the layout stage writes beside the trees:
 * layout.csv, the left-out files (quarantine.csv), tree.sha256, summary.json
 * and this machine's state (cache/layout.state), and the check that a rerun
 * has nothing to do. */
#include "contract.h"
#include "layout_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsutil.h"
#include "jsontext.h"
#include "manifest.h"
#include "summary.h"
#include "workdir.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

static cxr_status finish(cxr_manifest_writer *w, cxr_status st, cxr_error *err)
{
    if (st == CXR_OK)
        return cxr_manifest_commit(w, err);
    cxr_manifest_abort(w);
    return st;
}

/* layout.csv in 'dir': the files laid out (records sorted by path). */
static cxr_status write_records(const layout_ctx *c, const char *dir, cxr_error *err)
{
    static const char *const cols[] = {"path", "sha256", "size", "class", "source",
                                       "entry", "draw"};
    char *path = cxr_path_join(dir, CXR_LAYOUT_CSV);
    cxr_manifest_writer *w;
    cxr_status st = path ? cxr_manifest_create(path, cols, 7, &w, err) : nomem(err);
    free(path);
    if (st != CXR_OK)
        return st;
    for (size_t i = 0; st == CXR_OK && i < c->nrecords; i++) {
        const layout_record *r = &c->records[i];
        char size[32];
        const char *row[7] = {r->path, r->sha256, size, r->klass, r->source, r->entry, r->draw};
        snprintf(size, sizeof(size), "%llu", (unsigned long long)r->size);
        st = cxr_manifest_add(w, row, err);
    }
    return finish(w, st, err);
}

/* quarantine.csv in 'dir': each file left out once (sorted by path). */
static cxr_status write_left(const layout_ctx *c, const char *dir, cxr_error *err)
{
    static const char *const cols[] = {"path", "source", "entry", "draw", "reason"};
    char *path = cxr_path_join(dir, CXR_LAYOUT_LEFT_OUT);
    cxr_manifest_writer *w;
    cxr_status st = path ? cxr_manifest_create(path, cols, 5, &w, err) : nomem(err);
    free(path);
    if (st != CXR_OK)
        return st;
    for (size_t i = 0; st == CXR_OK && i < c->nleft; i++) {
        const layout_left *l = &c->left[i];
        const char *row[5] = {l->path, l->source, l->entry, l->draw, l->reason};
        st = cxr_manifest_add(w, row, err);
    }
    return finish(w, st, err);
}

/* tree.sha256 in 'dir': the sha256 of layout.csv, as "<hex>  layout.csv". */
static cxr_status write_digest(const char *dir, char hex[CXR_SHA256_HEX], cxr_error *err)
{
    char *csv = cxr_path_join(dir, CXR_LAYOUT_CSV);
    char *out = cxr_path_join(dir, CXR_LAYOUT_TREE_SHA256);
    cxr_atomic_file af;
    cxr_status st = csv && out ? cxr_sha256_file(csv, hex, NULL, err) : nomem(err);
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
    const char *wd = c->set.common.workdir;
    return cxr_path_join(wd && *wd ? wd : ".", "cache/layout.state");
}

cxr_status cxr_layout_write_state(const layout_ctx *c, const char *fingerprint,
                                  const cxr_layout_result *res, cxr_error *err)
{
    char *path = state_path(c);
    json_t *j = json_pack("{s:s, s:s, s:I}", "inputs_fingerprint", fingerprint,
                          "tree_sha256", res->tree_digest, "hard_links",
                          (json_int_t)res->nlinked);
    char *text = j ? cxr_json_text(j, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
    cxr_atomic_file af;
    cxr_status st = text && path ? cxr_atomic_open(&af, path, err) : nomem(err);
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

/* The covid images of draw 'name': rows, laid out, missing, quarantined
 * (each image once, whatever its number of folders). */
static void covid_stats(const layout_ctx *c, const char *name, json_int_t n[4])
{
    memset(n, 0, 4 * sizeof(*n));
    for (size_t i = 0, end; i < c->nitems; i = end) {
        int ours = 0;
        for (end = i; end < c->nitems && !strcmp(c->items[end].entry, c->items[i].entry);
             end++)
            ours |= !strcmp(c->folders[c->items[end].folder].draw, name);
        if (!ours)
            continue;
        n[0]++;
        if (c->items[i].outcome == OUTCOME_PLACED)
            n[1]++;
        else if (c->items[i].why && !strncmp(c->items[i].why, "missing", 7))
            n[2]++;
        else
            n[3]++;
    }
}

static json_t *draw_json(const layout_ctx *c, const char *name)
{
    json_int_t n[4];
    for (size_t i = 0; i < c->ndraws; i++) {
        const layout_draw *d = &c->draws[i];
        if (strcmp(d->name, name))
            continue;
        return json_pack("{s:I, s:s?, s:I, s:I, s:I, s:I, s:I, s:I}",
            "nominal", (json_int_t)d->nominal,
            "count_from", *d->count_from ? d->count_from : NULL,
            "wanted", (json_int_t)d->wanted, "laid_out", (json_int_t)d->nchosen,
            "candidates", (json_int_t)d->ncands, "quarantined", (json_int_t)d->nbad,
            "taken_by_earlier_draws", (json_int_t)(d->ntaken_file + d->ntaken_patient),
            "replacements", (json_int_t)d->nreplacements);
    }
    covid_stats(c, name, n);
    return json_pack("{s:I, s:I, s:I, s:I}", "rows", n[0], "laid_out", n[1],
                     "missing", n[2], "quarantined", n[3]);
}

/* Per folder: its draw, files, and the images of its draw left out. */
static json_t *folder_json(const layout_ctx *c, size_t f)
{
    const layout_folder *fo = &c->folders[f];
    size_t len = strlen(fo->path);
    json_int_t files = 0, n[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < c->nrecords; i++)
        files += !strncmp(c->records[i].path, fo->path, len) && c->records[i].path[len] == '/';
    if (fo->sdraw == LAYOUT_NONE)
        covid_stats(c, fo->draw, n);
    else
        n[3] = (json_int_t)c->draws[fo->sdraw].nbad;
    return json_pack("{s:s, s:I, s:I, s:I}", "draw", fo->draw, "files", files,
                     "missing", n[2], "quarantined", n[3]);
}

static json_t *counts_json(const layout_ctx *c, const cxr_layout_result *res)
{
    json_int_t unused = 0;
    for (size_t i = 0; i < c->nleft; i++)
        unused += c->left[i].kind == LEFT_UNUSED;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "files", (json_int_t)res->nfiles,
                     "left_out", (json_int_t)c->nleft, "missing", (json_int_t)res->nmissing,
                     "quarantined", (json_int_t)res->nquarantined, "not_used", unused,
                     "replacements", (json_int_t)res->nreplacements);
}

/* summary.json: only what the same config and inputs give on any machine
 * (no paths, no run statistics: those are in the log line). */
static cxr_status write_summary(const layout_ctx *c, const char *dir,
                                const cxr_layout_result *res, cxr_error *err)
{
    json_t *body = json_object(), *folders = json_object(), *draws = json_object();
    char *path = cxr_path_join(dir, CXR_SUMMARY_JSON);
    int ok = body && folders && draws && path;
    cxr_status st;
    for (size_t f = 0; ok && f < c->nfolders; f++) {
        ok = json_object_set_new(folders, c->folders[f].path, folder_json(c, f)) == 0;
        if (ok && !json_object_get(draws, c->folders[f].draw))
            ok = json_object_set_new(draws, c->folders[f].draw,
                                     draw_json(c, c->folders[f].draw)) == 0;
    }
    ok = ok && json_object_set(body, "folders", folders) == 0;
    ok = ok && json_object_set(body, "draws", draws) == 0;
    ok = ok && json_object_set_new(body, "counts", counts_json(c, res)) == 0;
    ok = ok && json_object_set_new(body, "tree_sha256", json_string(res->tree_digest)) == 0;
    ok = ok && json_object_set_new(body, "images",
                                   json_string(c->set.png ? "png" : "original")) == 0;
    st = ok ? cxr_summary_write(path, "layout", c->conf, "layout", body, err) : nomem(err);
    json_decref(folders);
    json_decref(draws);
    json_decref(body);
    free(path);
    return st;
}

cxr_status cxr_layout_write_manifests(const layout_ctx *c, const char *dir,
                                      cxr_layout_result *res, cxr_error *err)
{
    cxr_status st = write_records(c, dir, err);
    if (st == CXR_OK)
        st = write_left(c, dir, err);
    if (st == CXR_OK)
        st = write_digest(dir, res->tree_digest, err);
    if (st == CXR_OK)
        st = write_summary(c, dir, res, err);
    return st;
}

static size_t count_of(json_t *counts, const char *key)
{
    return (size_t)json_integer_value(json_object_get(counts, key));
}

int cxr_layout_up_to_date(const layout_ctx *c, const char *fingerprint,
                          cxr_layout_result *res)
{
    char *summary = cxr_stage_path(c->conf, CXR_STAGE_LAYOUT, CXR_SUMMARY_JSON);
    char *csv = cxr_stage_path(c->conf, CXR_STAGE_LAYOUT, CXR_LAYOUT_CSV);
    char *state = state_path(c);
    json_t *j = summary ? json_load_file(summary, 0, NULL) : NULL;
    json_t *sj = state ? json_load_file(state, 0, NULL) : NULL;
    const char *fp = sj ? json_string_value(json_object_get(sj, "inputs_fingerprint")) : NULL;
    const char *stree = sj ? json_string_value(json_object_get(sj, "tree_sha256")) : NULL;
    const char *tree = j ? json_string_value(json_object_get(j, "tree_sha256")) : NULL;
    json_t *counts = j ? json_object_get(j, "counts") : NULL;
    char hex[CXR_SHA256_HEX];
    int ok = csv && fp && tree && stree && !strcmp(fp, fingerprint) && !strcmp(tree, stree) &&
             cxr_sha256_file(csv, hex, NULL, NULL) == CXR_OK && !strcmp(hex, tree) &&
             cxr_layout_tree_matches(c, csv, state);
    if (ok) {
        snprintf(res->tree_digest, sizeof(res->tree_digest), "%s", tree);
        res->nfiles = count_of(counts, "files");
        res->nmissing = count_of(counts, "missing");
        res->nquarantined = count_of(counts, "quarantined");
        res->nreplacements = count_of(counts, "replacements");
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
