/* select.c: the select stage: streams the metadata file through the rules,
 * checks duplicates and patient overlap, and writes the manifests. */
#include "contract.h"
#include "select.h"

#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "exclusions.h"
#include "fsutil.h"
#include "hash.h"
#include "manifest.h"
#include "select_counts.h"
#include "select_rules.h"
#include "stagedir.h"
#include "summary.h"
#include "workdir.h"

static const char *const kept_columns[] = {
    "line", "patientid", "filename", "finding", "view", "modality", "folder",
    "date", "date_kind", "date_iso", "split"};
static const char *const rejected_columns[] = {
    "line", "patientid", "filename", "finding", "view", "modality", "folder",
    "date", "reason"};
/* excluded.csv: the kept columns (split: where the row would have gone), and why */
static const char *const excluded_columns[] = {
    "line", "patientid", "filename", "finding", "view", "modality", "folder",
    "date", "date_kind", "date_iso", "split", "reason"};
#define NKEPT (sizeof(kept_columns) / sizeof(kept_columns[0]))
#define NEXCLUDED (sizeof(excluded_columns) / sizeof(excluded_columns[0]))
#define OUT_EXCLUDED 3 /* after the three row_splits */
#define NREJECTED (sizeof(rejected_columns) / sizeof(rejected_columns[0]))

typedef struct select_run {
    const cxr_select_settings *settings;
    const char *display;              /* metadata file name for messages */
    select_rules rules;
    int writing;                      /* 0: first pass (patients only), 1: writing */
    cxr_strmap *seen_files;           /* kept file name -> line */
    cxr_strmap *holdout_patients;     /* patient ids with a held-out row */
    cxr_strmap *holdout_matched;      /* select.holdout.files names that matched */
    char sha256[CXR_SHA256_HEX];      /* of the metadata file read */
    uint64_t size;
    cxr_manifest_writer *out[4];      /* by row_split, then excluded.csv */
    cxr_exclusions exclusions;        /* curation.exclusions (source ieee8023) */
    cxr_select_counts counts;
} select_run;

/* A row of an image a review excluded (exclusions.h) is rejected with the
 * review's reason, before the duplicate check: the next row of that name
 * is not a duplicate of it. */
static int excluded(const select_run *run, const char *filename, row_verdict *v)
{
    for (size_t i = 0; i < run->exclusions.n; i++) {
        const cxr_exclusion *x = &run->exclusions.rows[i];
        if (strcmp(x->source, "ieee8023") != 0 || strcmp(x->file, filename) != 0)
            continue;
        v->excluded_from = v->split;
        v->split = SPLIT_REJECTED;
        v->why = CXR_REJECT_EXCLUDED;
        snprintf(v->reason, sizeof(v->reason), "excluded in review: %s", x->reason);
        return 1;
    }
    return 0;
}

/* Duplicates and patient overlap, which need the rows seen so far. */
static cxr_status apply_file_rules(select_run *run, const cxr_csv_row *row, row_verdict *v,
                                   cxr_error *err)
{
    const char *filename = cxr_select_field(&run->rules, row, COL_FILENAME);
    const char *patient = cxr_select_field(&run->rules, row, COL_PATIENT);
    size_t first;

    if (v->split == SPLIT_REJECTED)
        return CXR_OK;
    if (excluded(run, filename, v))
        return CXR_OK;
    if (cxr_strmap_get(run->seen_files, filename, &first)) {
        if (run->rules.duplicates_are_errors)
            return cxr_fail(err, CXR_ERR_INPUT, "'%s' line %zu: duplicate file name '%s' (first at line %zu)",
                            run->display, row->line, filename, first);
        snprintf(v->reason, sizeof(v->reason), "duplicate file name (first at line %zu)", first);
        v->split = SPLIT_REJECTED;
        v->why = CXR_REJECT_DUPLICATE;
        run->counts.duplicates += run->writing;
        return CXR_OK;
    }
    if (cxr_strmap_add(run->seen_files, filename, row->line) < 0)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (v->split == SPLIT_HOLDOUT && !run->writing &&
        ((*patient && cxr_strmap_add(run->holdout_patients, patient, row->line) < 0) ||
         cxr_strmap_add(run->holdout_matched, filename, row->line) < 0))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (v->split == SPLIT_TRAIN && *patient &&
        cxr_strmap_get(run->holdout_patients, patient, NULL)) {
        run->counts.patient_overlap += run->writing;
        if (run->rules.patient_overlap == CXR_OVERLAP_ALLOW)
            return CXR_OK;
        if (run->rules.patient_overlap == CXR_OVERLAP_MOVE_TO_HOLDOUT)
            v->split = SPLIT_HOLDOUT;
        else {
            v->split = SPLIT_REJECTED;
            v->why = CXR_REJECT_PATIENT_OVERLAP;
            snprintf(v->reason, sizeof(v->reason), "patient '%s' has held-out images", patient);
        }
    }
    return CXR_OK;
}

/* 'values' holds the first 'n' (8) columns of the row. */
static cxr_status write_excluded(select_run *run, const char **values, int n,
                                 const row_verdict *v, const char *iso, cxr_error *err)
{
    const char *row[NEXCLUDED];
    int i = 0;

    for (; i < n; i++)
        row[i] = values[i];
    row[i++] = cxr_date_kind_name(v->date_kind);
    row[i++] = iso;
    row[i++] = v->excluded_from == SPLIT_HOLDOUT ? "holdout" : "train";
    row[i++] = v->reason;
    return cxr_manifest_add(run->out[OUT_EXCLUDED], row, err);
}

static cxr_status write_row(select_run *run, const cxr_csv_row *row, const row_verdict *v,
                            cxr_error *err)
{
    char line[32], iso[16] = "";
    const char *values[NKEPT];
    const select_rules *r = &run->rules;
    int i = 0;

    snprintf(line, sizeof(line), "%zu", row->line);
    if (v->date_kind == CXR_DATE_FULL)
        snprintf(iso, sizeof(iso), "%04d-%02d-%02d", v->date.year, v->date.month, v->date.day);
    values[i++] = line;
    values[i++] = cxr_select_field(r, row, COL_PATIENT);
    values[i++] = cxr_select_field(r, row, COL_FILENAME);
    values[i++] = cxr_select_field(r, row, COL_FINDING);
    values[i++] = cxr_select_field(r, row, COL_VIEW);
    values[i++] = cxr_select_field(r, row, COL_MODALITY);
    values[i++] = cxr_select_field(r, row, COL_FOLDER);
    values[i++] = cxr_select_field(r, row, COL_DATE);
    if (v->split == SPLIT_REJECTED) {
        cxr_status st;
        values[i] = v->reason;
        st = cxr_manifest_add(run->out[SPLIT_REJECTED], values, err);
        if (st != CXR_OK || v->why != CXR_REJECT_EXCLUDED)
            return st;
        /* excluded.csv: the split it would have had, for the draws sized by it */
        return run->out[OUT_EXCLUDED] ? write_excluded(run, values, i, v, iso, err) : CXR_OK;
    }
    values[i++] = cxr_date_kind_name(v->date_kind);
    values[i++] = iso;
    values[i++] = v->split == SPLIT_HOLDOUT ? "holdout" : "train";
    return cxr_manifest_add(run->out[v->split], values, err);
}

static void count(select_run *run, const row_verdict *v)
{
    cxr_select_counts *c = &run->counts;
    c->rows++;
    if (v->split == SPLIT_REJECTED) {
        c->rejected++;
        c->rejected_by[v->why]++;
    } else {
        c->undated += v->undated;
        if (v->split == SPLIT_HOLDOUT)
            c->holdout++;
        else
            c->train++;
    }
}

static cxr_status on_row(void *ctx, const cxr_csv_row *row, cxr_error *err)
{
    select_run *run = ctx;
    row_verdict v;

    if (row->line == 1)
        return cxr_select_rules_bind(&run->rules, row, run->display, err);
    cxr_select_rules_classify(&run->rules, row, &v);
    if (apply_file_rules(run, row, &v, err) != CXR_OK)
        return err->status;
    if (!run->writing)
        return CXR_OK;
    if (v.passed_filters)
        run->counts.date_kinds[v.date_kind]++;
    count(run, &v);
    return write_row(run, row, &v, err);
}

/* The manifests are written into 'dir', the stage's staging directory. */
static cxr_status open_outputs(select_run *run, const char *dir, cxr_error *err)
{
    static const char *const names[4] = {CXR_SELECT_COVID_TRAIN, CXR_SELECT_HOLDOUT,
                                         CXR_SELECT_REJECTED, CXR_SELECT_EXCLUDED};
    int n = run->settings->exclusions ? 4 : 3; /* excluded.csv: when the config names a file */
    for (int s = 0; s < n; s++) {
        const char *const *columns = s == SPLIT_REJECTED ? rejected_columns
                                     : s == OUT_EXCLUDED ? excluded_columns : kept_columns;
        size_t ncolumns = s == SPLIT_REJECTED ? NREJECTED : s == OUT_EXCLUDED ? NEXCLUDED : NKEPT;
        char *path = cxr_path_join(dir, names[s]);
        cxr_status st = path ? cxr_manifest_create(path, columns, ncolumns, &run->out[s], err)
                             : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        free(path);
        if (st != CXR_OK)
            return st;
    }
    return CXR_OK;
}

static cxr_status commit_outputs(select_run *run, cxr_error *err)
{
    cxr_status st = CXR_OK;
    for (int s = 0; s < 4; s++) {
        if (!run->out[s])
            continue;
        if (st == CXR_OK)
            st = cxr_manifest_commit(run->out[s], err);
        else
            cxr_manifest_abort(run->out[s]);
        run->out[s] = NULL;
    }
    return st;
}

/* A name in select.holdout.files that no kept row has is a typo or a row the
 * filters dropped: either way the hold-out is not what the config says. */
static cxr_status check_holdout_files(const select_run *run, cxr_error *err)
{
    const cxr_select_list *files = &run->settings->holdout.files;
    if (run->rules.mode != CXR_HOLDOUT_FILES)
        return CXR_OK;
    for (size_t i = 0; i < files->n; i++)
        if (!cxr_strmap_get(run->holdout_matched, files->items[i], NULL))
            return cxr_fail(err, CXR_ERR_CONFIG,
                            "%s: 'select.holdout.files' names '%s', which is not a selected row of '%s'",
                            run->settings->common.config_file, files->items[i], run->display);
    return CXR_OK;
}

static cxr_status run_passes(select_run *run, const char *metadata, const char *outdir,
                             cxr_error *err)
{
    cxr_status st = CXR_OK;
    /* A first pass finds the held-out patients, so that training rows of the
     * same patients can be counted, dropped or moved in file order. */
    st = cxr_csv_read(metadata, run->display, on_row, run, err);
    if (st == CXR_OK)
        st = check_holdout_files(run, err);
    if (st != CXR_OK)
        return st;
    cxr_strmap_free(run->seen_files);
    run->seen_files = cxr_strmap_new();
    if (!run->seen_files)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (int c = 0; c < NCOLS; c++)
        run->rules.column_index[c] = -1;
    run->writing = 1;
    st = open_outputs(run, outdir, err);
    if (st == CXR_OK)
        st = cxr_csv_read(metadata, run->display, on_row, run, err);
    if (st == CXR_OK)
        return commit_outputs(run, err);
    for (int s = 0; s < 4; s++)
        cxr_manifest_abort(run->out[s]);
    return st;
}

/* Hashes the metadata file once, for the summary; a pinned file must be the
 * pinned bytes, wherever it is read from. */
static cxr_status hash_input(select_run *run, const char *metadata, cxr_error *err)
{
    const char *pin = run->settings->common.metadata.sha256;

    if (cxr_sha256_file(metadata, run->sha256, &run->size, err) != CXR_OK)
        return err->status;
    if (pin && strcmp(run->sha256, pin) != 0)
        return cxr_fail(err, CXR_ERR_INTEGRITY,
                        "'%s' has sha256 %s, the config pins %s (to read another version, "
                        "--set sources.metadata.sha256= drops the pin)",
                        metadata, run->sha256, pin);
    return CXR_OK;
}

/* Writes the summary beside the manifests in the staging directory. */
static cxr_status write_summary(const select_run *run, const cxr_config *conf,
                                const char *outdir, cxr_error *err)
{
    json_t *body = cxr_select_summary_body(&run->counts, run->settings->common.metadata.url,
                                           run->sha256, run->size);
    char *path = cxr_path_join(outdir, CXR_SUMMARY_JSON);
    cxr_status st = path ? cxr_summary_write(path, "select", conf, "select", body, err)
                         : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    json_decref(body);
    free(path);
    return st;
}

/* The run once the settings are read; 'run' is zeroed by the caller. */
static cxr_status select_with(select_run *run, const cxr_config *conf, const char *outdir,
                              cxr_error *err)
{
    const cxr_common_settings *common = &run->settings->common;
    char *metadata = NULL;
    cxr_stagedir staged = {0};
    cxr_status st = outdir ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    if (st == CXR_OK)
        st = cxr_source_local_path(conf, common->metadata.url, common->metadata.sha256,
                                   &metadata, err);
    if (st == CXR_OK)
        st = hash_input(run, metadata, err);
    if (st == CXR_OK && run->settings->exclusions)
        st = cxr_exclusions_load(run->settings->exclusions, &run->exclusions, err);
    run->display = metadata;
    run->seen_files = cxr_strmap_new();
    run->holdout_patients = cxr_strmap_new();
    run->holdout_matched = cxr_strmap_new();
    if (st == CXR_OK && (!run->seen_files || !run->holdout_patients || !run->holdout_matched))
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    /* All outputs are built in a staging directory and swapped in together. */
    if (st == CXR_OK)
        st = cxr_stagedir_open(&staged, outdir, err);
    if (st == CXR_OK)
        st = run_passes(run, metadata, staged.tmp, err);
    if (st == CXR_OK)
        st = write_summary(run, conf, staged.tmp, err);
    if (st == CXR_OK)
        st = cxr_stagedir_commit(&staged, err);
    else
        cxr_stagedir_abort(&staged);
    cxr_strmap_free(run->seen_files);
    cxr_strmap_free(run->holdout_patients);
    cxr_strmap_free(run->holdout_matched);
    cxr_exclusions_release(&run->exclusions);
    free(metadata);
    return st;
}

cxr_status cxr_select_run(const cxr_config *conf, cxr_select_counts *counts, cxr_error *err)
{
    cxr_select_settings settings;
    char *outdir = cxr_stage_path(conf, CXR_STAGE_SELECT, NULL);
    select_run run;
    cxr_status st;

    memset(&run, 0, sizeof(run));
    run.settings = &settings;
    st = cxr_select_settings_read(conf, &settings, err);
    if (st == CXR_OK)
        st = cxr_select_rules_init(&run.rules, &settings, err);
    if (st == CXR_OK) {
        cxr_select_reason_labels(&settings, &run.counts);
        st = select_with(&run, conf, outdir, err);
    }
    if (counts)
        *counts = run.counts;
    cxr_select_rules_release(&run.rules);
    cxr_select_settings_release(&settings);
    free(outdir);
    return st;
}
