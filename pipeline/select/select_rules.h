/* select_rules.h (internal): the select stage's decisions for one metadata
 * row: which columns, which filters, and where a row goes (training,
 * hold-out, rejected with its first reason). Pure: no I/O. */
#ifndef CXR_SELECT_RULES_H
#define CXR_SELECT_RULES_H

#include "csvread.h"
#include "datefmt.h"
#include "select.h"
#include "strmap.h"

enum { COL_PATIENT, COL_FILENAME, COL_FINDING, COL_VIEW, COL_MODALITY, COL_FOLDER,
       COL_DATE, NCOLS };

typedef enum row_split { SPLIT_TRAIN, SPLIT_HOLDOUT, SPLIT_REJECTED } row_split;

typedef struct select_filter {
    int column;            /* COL_* */
    cxr_reject_reason reason;
    int hierarchical;      /* whole-segment matching (finding) */
    size_t nvalues;
    const char **values;   /* borrowed from the settings */
} select_filter;

typedef struct select_rules {
    const char *column_name[NCOLS];  /* borrowed from the settings */
    int needed[NCOLS];               /* the config refers to this column */
    int column_index[NCOLS];         /* in the file; -1 when not needed */
    size_t nfilters;
    select_filter filters[4];
    cxr_holdout_mode mode;
    cxr_date from, to;
    cxr_strmap *holdout_files;       /* owned; mode files */
    row_split undated_goes;          /* where rows the window cannot place go */
    cxr_patient_overlap patient_overlap;
    int duplicates_are_errors;
} select_rules;

typedef struct row_verdict {
    row_split split;
    char reason[512];                /* SPLIT_REJECTED: the first reason */
    cxr_reject_reason why;           /* SPLIT_REJECTED: its kind */
    cxr_date_kind date_kind;
    cxr_date date;
    int undated;                     /* the window could not place the date */
    int passed_filters;              /* every filter accepted the row */
    row_split excluded_from;         /* CXR_REJECT_EXCLUDED: where it would have gone */
} row_verdict;

/* 'settings' is borrowed and must outlive 'rules'. */
cxr_status cxr_select_rules_init(select_rules *rules, const cxr_select_settings *settings,
                                 cxr_error *err);
/* Finds the columns in the header row. One the config depends on (filters,
 * hold-out, file name, patient) must be there: the error names it and lists
 * those found; the others are written empty when absent. */
cxr_status cxr_select_rules_bind(select_rules *rules, const cxr_csv_row *header,
                             const char *file, cxr_error *err);
/* Filters, file-name safety and hold-out placement for one row. Duplicates
 * and patient overlap need the whole file; select.c handles them. */
void cxr_select_rules_classify(const select_rules *rules, const cxr_csv_row *row,
                           row_verdict *verdict);
/* The field of a COL_* column in 'row' ("" when the column is not used). */
const char *cxr_select_field(const select_rules *rules, const cxr_csv_row *row, int col);
void cxr_select_rules_release(select_rules *rules);

#endif
