/* step_reads.c: what a step would read, for the plan `cxrprep run
 * --dry-run` shows: its input files and the rows of each CSV. */
#include "steps.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvread.h"
#include "exclusions.h"
#include "fsutil.h"
#include "workdir.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* Appends an entry for 'path' (copied); its count and note are unset. */
static cxr_status push(cxr_step_reads *reads, const char *path, const char *stage,
                       const char *kind, cxr_error *err)
{
    cxr_step_read *grown = realloc(reads->items, (reads->n + 1) * sizeof(*grown));
    cxr_step_read *r;

    if (!grown)
        return nomem(err);
    reads->items = grown;
    r = &reads->items[reads->n];
    memset(r, 0, sizeof(*r));
    if (!(r->path = strdup(path)))
        return nomem(err);
    r->stage = stage;
    r->kind = kind;
    r->rows = -1;
    reads->n++;
    return CXR_OK;
}

static cxr_status note(cxr_step_reads *reads, const char *text, cxr_error *err)
{
    cxr_step_read *r = &reads->items[reads->n - 1];
    return (r->note = strdup(text)) ? CXR_OK : nomem(err);
}

static cxr_status count_record(void *ctx, const cxr_csv_row *row, cxr_error *err)
{
    (void)err;
    if (row->line > 1)
        ++*(long long *)ctx;
    return CXR_OK;
}

/* The last entry's rows, read with the pipeline's CSV reader (a quoted
 * field may hold line breaks); why not, in its note. */
static cxr_status count_rows(cxr_step_reads *reads, cxr_error *err)
{
    cxr_step_read *r = &reads->items[reads->n - 1];
    cxr_error why = {0};
    long long rows = 0;

    if (!cxr_is_file(r->path))
        return note(reads, "missing", err);
    if (cxr_csv_read(r->path, NULL, count_record, &rows, &why) == CXR_OK) {
        r->rows = rows;
        return CXR_OK;
    }
    return why.status == CXR_ERR_NOMEM ? nomem(err) : note(reads, why.msg, err);
}

/* Files in a directory, for a local images directory. */
static cxr_status count_files(cxr_step_reads *reads, cxr_error *err)
{
    cxr_step_read *r = &reads->items[reads->n - 1];
    DIR *d = opendir(r->path);
    struct dirent *e;

    if (!d)
        return note(reads, "missing", err);
    r->rows = 0;
    while ((e = readdir(d)) != NULL)
        r->rows += e->d_name[0] != '.';
    closedir(d);
    return CXR_OK;
}

/* A source: its local file (or cache object), else its URL, noted. */
static cxr_status push_source(cxr_step_reads *reads, const cxr_config *conf,
                              const cxr_source_settings *source, const char *kind,
                              cxr_error *err)
{
    char *path = NULL;
    cxr_error why = {0};
    cxr_status rc;

    if (!source->url)
        return CXR_OK;
    rc = cxr_source_local_path(conf, source->url, source->sha256, &path, &why);
    if (rc == CXR_ERR_NOMEM)
        return nomem(err);
    if (rc != CXR_OK) {
        rc = push(reads, source->url, NULL, kind, err);
        rc = rc == CXR_OK ? note(reads, "not fetched yet", err) : rc;
    } else {
        rc = push(reads, path, NULL, kind, err);
        if (rc == CXR_OK && !strcmp(kind, "csv"))
            rc = count_rows(reads, err);
        else if (rc == CXR_OK && !cxr_is_file(path))
            rc = note(reads, "missing", err);
    }
    free(path);
    return rc;
}

/* The directory part of a local images template, as a local path. */
static cxr_status push_images(cxr_step_reads *reads, const cxr_config *conf,
                              const char *tmpl, cxr_error *err)
{
    const char *key = tmpl ? strstr(tmpl, "{filename}") : NULL;
    char *dir, *path = NULL;
    cxr_status rc = CXR_OK;

    if (!key || !strncmp(tmpl, "http://", 7) || !strncmp(tmpl, "https://", 8))
        return CXR_OK; /* remote images: the fetch manifest lists them */
    if (!(dir = strdup(tmpl)))
        return nomem(err);
    dir[key - tmpl] = '\0';
    rc = cxr_source_local_path(conf, dir[0] ? dir : ".", NULL, &path, NULL);
    if (rc == CXR_OK)
        rc = push(reads, path, NULL, "images", err);
    if (rc == CXR_OK)
        rc = count_files(reads, err);
    else if (rc != CXR_ERR_NOMEM)
        rc = CXR_OK; /* a bad template is the stage's to report */
    free(path);
    free(dir);
    return rc;
}

static int is_csv(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && !strcmp(e->d_name + n - 4, ".csv");
}

/* Each CSV manifest of 'stage', sorted; the glob of its CSVs, noted, when the
 * directory is not there yet. */
static cxr_status push_manifests(cxr_step_reads *reads, const cxr_config *conf,
                                 const char *stage, cxr_error *err)
{
    char *dir = cxr_stage_path(conf, stage, NULL), *path;
    struct dirent **names = NULL;
    int n = dir ? scandir(dir, &names, is_csv, alphasort) : 0;
    cxr_status rc = dir ? CXR_OK : nomem(err);

    if (rc == CXR_OK && n < 0) {
        int gone = errno == ENOENT;
        if (errno == ENOMEM || (path = cxr_path_join(dir, "*.csv")) == NULL)
            rc = nomem(err);
        else {
            if ((rc = push(reads, path, stage, "csv", err)) == CXR_OK)
                rc = note(reads, gone ? "not written yet" : "cannot be listed", err);
            free(path);
        }
    }
    for (int i = 0; i < n; i++) {
        if (rc == CXR_OK && (path = cxr_path_join(dir, names[i]->d_name)) == NULL)
            rc = nomem(err);
        else if (rc == CXR_OK) {
            if ((rc = push(reads, path, stage, "csv", err)) == CXR_OK)
                rc = count_rows(reads, err);
            free(path);
        }
        free(names[i]);
    }
    free(names);
    free(dir);
    return rc;
}

/* The review's exclusions file, when the config names one; a missing one
 * excludes nothing. */
static cxr_status push_exclusions(cxr_step_reads *reads, const cxr_config *conf, cxr_error *err)
{
    char *path = NULL;
    cxr_status rc = cxr_exclusions_path(conf, &path, err);

    if (rc == CXR_OK && path && (rc = push(reads, path, NULL, "csv", err)) == CXR_OK) {
        if (cxr_is_file(path))
            rc = count_rows(reads, err);
        else
            rc = note(reads, "none yet: nothing excluded", err);
    }
    free(path);
    return rc;
}

cxr_status cxr_step_reads_list(const cxr_config *conf, const cxr_run_settings *settings,
                               const cxr_step *step, cxr_step_reads *out, cxr_error *err)
{
    cxr_status rc = CXR_OK;

    memset(out, 0, sizeof(*out));
    if (step->reads_metadata)
        rc = push_source(out, conf, &settings->common.metadata, "csv", err);
    for (const char *const *r = step->reads; *r && rc == CXR_OK; r++)
        rc = push_manifests(out, conf, *r, err);
    if (rc == CXR_OK && step->reads_images)
        rc = push_images(out, conf, settings->common.images_url_template, err);
    if (rc == CXR_OK && step->reads_archive)
        rc = push_source(out, conf, &settings->common.kermany, "archive", err);
    for (size_t i = 0; rc == CXR_OK && step->reads_model && i < settings->nscore_models; i++) {
        rc = push(out, settings->score_models[i], NULL, "model", err);
        if (rc == CXR_OK && !cxr_is_file(settings->score_models[i]))
            rc = note(out, "missing", err);
    }
    if (rc == CXR_OK && step->reads_exclusions)
        rc = push_exclusions(out, conf, err);
    if (rc != CXR_OK)
        cxr_step_reads_release(out);
    return rc;
}

void cxr_step_reads_release(cxr_step_reads *reads)
{
    for (size_t i = 0; i < reads->n; i++) {
        free(reads->items[i].path);
        free(reads->items[i].note);
    }
    free(reads->items);
    reads->items = NULL;
    reads->n = 0;
}
