/* select.h: the select stage. Reads the metadata file the config names,
 * keeps the rows that pass the filters, splits them into training and
 * hold-out, and writes three manifests in the file's order:
 *
 *     <workdir>/manifests/select/covid_train.csv   kept, training
 *     <workdir>/manifests/select/holdout.csv       kept, held out
 *     <workdir>/manifests/select/rejected.csv      dropped, with the first reason
 *     <workdir>/manifests/select/excluded.csv      those a review excluded (exclusions.h),
 *                                                  with the split each would have had
 *     <workdir>/manifests/select/summary.json      counts and provenance
 *
 * Memory grows with the selected rows only (their file names, for the
 * duplicate check), not with the file. */
#ifndef CXR_SELECT_H
#define CXR_SELECT_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "settings.h"

/* --- settings: the select section, read once at the stage's entry --- */

typedef enum cxr_holdout_mode {
    CXR_HOLDOUT_NONE, CXR_HOLDOUT_DATES, CXR_HOLDOUT_FILES
} cxr_holdout_mode;

/* Where a kept row goes whose date the window cannot place. */
typedef enum cxr_undated_goes {
    CXR_UNDATED_TRAIN, CXR_UNDATED_HOLDOUT, CXR_UNDATED_REJECT
} cxr_undated_goes;

/* What happens to a training row whose patient has held-out rows. */
typedef enum cxr_patient_overlap {
    CXR_OVERLAP_ALLOW, CXR_OVERLAP_DROP_FROM_TRAIN, CXR_OVERLAP_MOVE_TO_HOLDOUT
} cxr_patient_overlap;

/* A list of strings from the config: the array is owned by the settings,
 * the strings are borrowed from the config. */
typedef struct cxr_select_list {
    const char **items;
    size_t n;
} cxr_select_list;

typedef struct cxr_select_settings {
    cxr_common_settings common;
    struct {                        /* select.columns: names in metadata.csv */
        const char *patient, *filename, *date, *finding, *view, *modality, *folder;
    } columns;
    struct {                        /* select.filters: empty accepts all */
        cxr_select_list modality, folder, view, finding;
    } filters;
    struct {                        /* select.holdout */
        cxr_holdout_mode mode;
        const char *date_from, *date_to; /* YYYY-MM-DD (mode dates: both set) */
        cxr_select_list files;           /* mode files */
        cxr_undated_goes undated;
        cxr_patient_overlap patient_overlap;
    } holdout;
    int duplicates_are_errors;      /* select.duplicates: error */
    char *exclusions;               /* owned: the curation.exclusions file, or NULL */
} cxr_select_settings;

/* Fills 'out' from a validated config (borrowed: it must outlive 'out').
 * CXR_ERR_CONFIG when the hold-out window is incomplete or reversed,
 * CXR_ERR_NOMEM. Call cxr_select_settings_release either way. */
cxr_status cxr_select_settings_read(const cxr_config *conf, cxr_select_settings *out,
                                    cxr_error *err);
void cxr_select_settings_release(cxr_select_settings *settings);

/* --- the run --- */

/* Why a row was rejected: its first reason, in the order they are checked. */
typedef enum cxr_reject_reason {
    CXR_REJECT_MODALITY,        /* the filters, in this order */
    CXR_REJECT_FOLDER,
    CXR_REJECT_VIEW,
    CXR_REJECT_FINDING,
    CXR_REJECT_UNSAFE_NAME,
    CXR_REJECT_UNDATED,         /* select.holdout.undated: reject */
    CXR_REJECT_EXCLUDED,        /* curation.exclusions: a reviewer left it out */
    CXR_REJECT_DUPLICATE,
    CXR_REJECT_PATIENT_OVERLAP, /* select.holdout.patient_overlap: drop_from_train */
    CXR_REJECT_NREASONS
} cxr_reject_reason;

/* The reason's key in summary.json ("modality", "unsafe_name"...). */
const char *cxr_reject_reason_key(cxr_reject_reason reason);

#define CXR_SELECT_LABEL_MAX 160

typedef struct cxr_select_counts {
    size_t rows;            /* data rows read */
    size_t train, holdout, rejected;
    size_t rejected_by[CXR_REJECT_NREASONS]; /* they add up to 'rejected' */
    /* for messages: "not X-ray", "not PA or AP", "duplicate file names" */
    char reason_label[CXR_REJECT_NREASONS][CXR_SELECT_LABEL_MAX];
    size_t duplicates;      /* rows rejected as repeated file names */
    size_t undated;         /* kept rows the hold-out window could not place */
    size_t patient_overlap; /* training rows whose patient has held-out images
                               (dropped or moved unless patient_overlap: allow) */
    size_t date_kinds[6];   /* rows passing the filters, by cxr_date_kind */
} cxr_select_counts;

/* Runs the stage; 'counts' (may be NULL) receives the totals. The outputs
 * are built in a staging directory and swapped in whole: on failure no
 * manifest is replaced, and a reader never sees new and old files mixed. */
cxr_status cxr_select_run(const cxr_config *conf, cxr_select_counts *counts, cxr_error *err);

/* Formats the counts for people: "950 rows: 80 training, 20 held out, 850
 * rejected: 150 not X-ray, 700 not COVID-19; 3 kept rows undated". */
void cxr_select_counts_format(const cxr_select_counts *counts, char *buf, size_t len);

#endif
