/* sample_write.c: the sample stage's outputs: each draw's candidates in rank
 * order, draws.csv, refused.csv, summary.json, and the removal of the
 * manifests of draws the config no longer has (columns: sample.h). */
#include "contract.h"
#include "sample_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "manifest.h"
#include "summary.h"
#include "workdir.h"

/* Opens manifests/sample/<name> for writing. */
static cxr_status create(const sample_ctx *c, const char *name, const char *const *cols,
                         size_t ncols, cxr_manifest_writer **w, cxr_error *err)
{
    char *path = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, name);
    cxr_status st;
    if (!path)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_manifest_create(path, cols, ncols, w, err);
    free(path);
    return st;
}

static cxr_status finish(cxr_manifest_writer *w, cxr_status st, cxr_error *err)
{
    if (st == CXR_OK)
        return cxr_manifest_commit(w, err);
    cxr_manifest_abort(w);
    return st;
}

static cxr_status write_draw(const sample_ctx *c, const sample_draw *d, cxr_error *err)
{
    static const char *const cols[] = {"filename", "patient", "split", "class", "entry",
                                       "size", "source", "draw", "rank", "nominal"};
    char name[160];
    cxr_manifest_writer *w;
    cxr_status st;
    snprintf(name, sizeof(name), "%s.csv", d->set->name);
    if ((st = create(c, name, cols, 10, &w, err)) != CXR_OK)
        return st;
    for (size_t k = 0; st == CXR_OK && k < d->norder; k++) {
        const cxr_archive_image *img = &c->ls->images[d->order[k]];
        char pid[CXR_SAMPLE_PATIENT_MAX], size[32], rank[32];
        const char *row[10] = {img->name, pid, img->split, img->klass, img->path, size,
                               "kermany", d->set->name, rank, k < d->count ? "1" : "0"};
        cxr_kermany_patient(img->name, pid, sizeof(pid));
        snprintf(size, sizeof(size), "%llu", (unsigned long long)img->size);
        snprintf(rank, sizeof(rank), "%zu", k + 1);
        st = cxr_manifest_add(w, row, err);
    }
    return finish(w, st, err);
}

/* "a/b/c": the names of disjoint_from, joined by '/', which no draw name
 * holds (sample.c refuses it); malloc'd. */
static char *join_names(const cxr_sample_draw_settings *d)
{
    size_t n = 1;
    char *out;
    for (size_t k = 0; k < d->ndisjoint; k++)
        n += strlen(d->disjoint_from[k]) + 1;
    if (!(out = malloc(n)))
        return NULL;
    out[0] = '\0';
    for (size_t k = 0; k < d->ndisjoint; k++) {
        if (k)
            strcat(out, "/");
        strcat(out, d->disjoint_from[k]);
    }
    return out;
}

/* draws.csv: one row per draw, in config order. */
static cxr_status write_draws(const sample_ctx *c, cxr_error *err)
{
    static const char *const cols[] = {"draw", "split", "class", "count", "count_from",
                                       "disjoint_from", "patient_disjoint", "candidates"};
    cxr_manifest_writer *w;
    cxr_status st = create(c, CXR_SAMPLE_DRAWS, cols, 8, &w, err);
    if (st != CXR_OK)
        return st;
    for (size_t i = 0; st == CXR_OK && i < c->ndraws; i++) {
        const sample_draw *d = &c->draws[i];
        char count[32], ncand[32], *from = join_names(d->set);
        const char *row[8] = {d->set->name, d->set->split, d->set->klass, count,
                              d->count_from, from, d->set->patient_disjoint ? "1" : "0",
                              ncand};
        snprintf(count, sizeof(count), "%zu", d->count);
        snprintf(ncand, sizeof(ncand), "%zu", d->norder);
        st = from ? cxr_manifest_add(w, row, err)
                  : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        free(from);
    }
    return finish(w, st, err);
}

static cxr_status write_refused(const sample_ctx *c, cxr_error *err)
{
    static const char *const cols[] = {"entry", "reason"};
    cxr_manifest_writer *w;
    cxr_status st = create(c, CXR_SAMPLE_REFUSED, cols, 2, &w, err);
    if (st != CXR_OK)
        return st;
    for (size_t k = 0; st == CXR_OK && k < c->ls->nrefused; k++) {
        const char *row[2] = {c->ls->refused[k].path, c->ls->refused[k].reason};
        st = cxr_manifest_add(w, row, err);
    }
    return finish(w, st, err);
}

/* NULL when out of memory. */
static json_t *draw_json(const sample_draw *d)
{
    json_t *from = json_array(), *j;
    for (size_t k = 0; from && k < d->set->ndisjoint; k++)
        if (json_array_append_new(from, json_string(d->set->disjoint_from[k])) != 0) {
            json_decref(from);
            return NULL;
        }
    if (!from)
        return NULL;
    j = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:I, s:I, s:I, s:I, s:I, s:o, s:b}",
                  "name", d->set->name, "split", d->set->split, "class", d->set->klass,
                  "count", (json_int_t)d->count, "count_from", d->count_from,
                  "candidates", (json_int_t)d->ncandidates,
                  "excluded_as_files", (json_int_t)d->excluded_file,
                  "excluded_as_patients", (json_int_t)d->excluded_patient,
                  "excluded_in_review", (json_int_t)d->excluded_review,
                  "ranked", (json_int_t)d->norder, "disjoint_from", from,
                  "patient_disjoint", d->set->patient_disjoint);
    return j;
}

static cxr_status write_summary(const sample_ctx *c, const char *note, cxr_error *err)
{
    const cxr_source_settings *k = &c->set.common.kermany;
    json_t *body = json_object(), *draws = json_array();
    char *path = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, CXR_SUMMARY_JSON);
    int ok = body && draws && path;
    cxr_status st;
    for (size_t i = 0; ok && i < c->ndraws; i++)
        ok = json_array_append_new(draws, draw_json(&c->draws[i])) == 0;
    ok = ok && json_object_set_new(body, "inputs", json_pack("{s:s, s:s?}", "kermany",
                                   k->url, "kermany_sha256", k->sha256)) == 0;
    ok = ok && json_object_set_new(body, "archive", json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "format", c->ls->format,
        "entries", (json_int_t)c->ls->nentries, "images", (json_int_t)c->ls->nimages,
        "junk", (json_int_t)c->ls->njunk, "refused", (json_int_t)c->ls->nrefused,
        "root", c->root, "root_note", note)) == 0;
    ok = ok && json_object_set_new(body, "seed", json_integer(c->set.common.seed)) == 0;
    ok = ok && json_object_set(body, "draws", draws) == 0;
    st = ok ? cxr_summary_write(path, "sample", c->conf, "sample", body, err)
            : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    json_decref(draws);
    json_decref(body);
    free(path);
    return st;
}

/* 1 when 'file' (a directory entry) is one of the stage's own manifests or a
 * current draw's. */
static int current(const sample_ctx *c, const char *file)
{
    size_t n = strlen(file);
    if (n < 5 || strcmp(file + n - 4, ".csv") || !strcmp(file, CXR_SAMPLE_REFUSED) ||
        !strcmp(file, CXR_SAMPLE_DRAWS))
        return 1;
    for (size_t i = 0; i < c->ndraws; i++)
        if (strlen(c->draws[i].set->name) == n - 4 &&
            !strncmp(file, c->draws[i].set->name, n - 4))
            return 1;
    return 0;
}

/* Removes the manifests of draws no longer in the config, so that no later
 * stage can take an old draw for a current one. */
static void remove_stale(const sample_ctx *c)
{
    char *dir = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, NULL);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (!current(c, de->d_name))
            (void)unlinkat(dirfd(d), de->d_name, 0);
    if (d)
        closedir(d);
    free(dir);
}

cxr_status cxr_sample_write_outputs(const sample_ctx *c, const char *note, cxr_error *err)
{
    cxr_status st = CXR_OK;
    for (size_t i = 0; st == CXR_OK && i < c->ndraws; i++)
        st = write_draw(c, &c->draws[i], err);
    if (st == CXR_OK)
        st = write_draws(c, err);
    if (st == CXR_OK)
        st = write_refused(c, err);
    if (st == CXR_OK)
        st = write_summary(c, note, err);
    if (st == CXR_OK)
        remove_stale(c);
    return st;
}
