/* select.h: the select stage. Reads the metadata file the config names,
 * keeps the rows that pass the filters, splits them into training and
 * hold-out, and writes three manifests in the file's order:
 *
 *     <workdir>/manifests/select/covid_train.csv   kept, training
 *     <workdir>/manifests/select/holdout.csv       kept, held out
 *     <workdir>/manifests/select/rejected.csv      dropped, with the first reason
 *     <workdir>/manifests/select/summary.json      counts and provenance
 *
 * Memory grows with the selected rows only (their file names, for the
 * duplicate check), not with the file. */
#ifndef CXR_SELECT_H
#define CXR_SELECT_H

#include <stddef.h>

#include "config.h"
#include "error.h"

typedef struct cxr_select_counts {
    size_t rows;            /* data rows read */
    size_t train, holdout, rejected;
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

#endif
