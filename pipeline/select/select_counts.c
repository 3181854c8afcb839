/* select_counts.c: the select stage's counts in words and in JSON: the
 * reject reasons' keys and labels, the summary line, summary.json's body. */
#include "select_counts.h"

#include <stdio.h>
#include <string.h>

#include "datefmt.h"

static const char *const reason_keys[CXR_REJECT_NREASONS] = {
    "modality", "folder", "view", "finding", "unsafe_name", "undated", "excluded",
    "duplicate", "patient_overlap"};

const char *cxr_reject_reason_key(cxr_reject_reason reason)
{
    return reason < CXR_REJECT_NREASONS ? reason_keys[reason] : "unknown";
}

/* "not X-ray", "not PA or AP": what a row a filter rejects is not. */
static void filter_label(const cxr_select_list *values, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "not ");
    for (size_t i = 0; i < values->n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " or " : "",
                                 values->items[i]);
}

void cxr_select_reason_labels(const cxr_select_settings *settings, cxr_select_counts *counts)
{
    char (*label)[CXR_SELECT_LABEL_MAX] = counts->reason_label;
    filter_label(&settings->filters.modality, label[CXR_REJECT_MODALITY], CXR_SELECT_LABEL_MAX);
    filter_label(&settings->filters.folder, label[CXR_REJECT_FOLDER], CXR_SELECT_LABEL_MAX);
    filter_label(&settings->filters.view, label[CXR_REJECT_VIEW], CXR_SELECT_LABEL_MAX);
    filter_label(&settings->filters.finding, label[CXR_REJECT_FINDING], CXR_SELECT_LABEL_MAX);
    snprintf(label[CXR_REJECT_UNSAFE_NAME], CXR_SELECT_LABEL_MAX, "unsafe file names");
    snprintf(label[CXR_REJECT_UNDATED], CXR_SELECT_LABEL_MAX, "undated");
    snprintf(label[CXR_REJECT_EXCLUDED], CXR_SELECT_LABEL_MAX, "excluded in review");
    snprintf(label[CXR_REJECT_DUPLICATE], CXR_SELECT_LABEL_MAX, "duplicate file names");
    snprintf(label[CXR_REJECT_PATIENT_OVERLAP], CXR_SELECT_LABEL_MAX,
             "patients with held-out images");
}

void cxr_select_counts_format(const cxr_select_counts *c, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%zu rows: %zu training, %zu held out, %zu rejected",
                                   c->rows, c->train, c->holdout, c->rejected);
    const char *sep = ": ";
    for (int r = 0; r < CXR_REJECT_NREASONS && used < len; r++) {
        if (!c->rejected_by[r])
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%zu %s", sep, c->rejected_by[r],
                                 c->reason_label[r]);
        sep = ", ";
    }
    if (used < len)
        snprintf(buf + used, len - used, "; %zu kept rows undated", c->undated);
}

/* Adds 'n' under 'key'; nonzero when out of memory. */
static int set_count(json_t *obj, const char *key, size_t n)
{
    return json_object_set_new(obj, key, json_integer((json_int_t)n));
}

json_t *cxr_select_summary_body(const cxr_select_counts *c, const char *url,
                                const char *sha256, uint64_t size)
{
    json_t *dates = json_object(), *reasons = json_object();
    int failed = !dates || !reasons;

    for (int k = 0; k < 6 && !failed; k++)
        failed = set_count(dates, cxr_date_kind_name((cxr_date_kind)k), c->date_kinds[k]);
    for (int r = 0; r < CXR_REJECT_NREASONS && !failed; r++)
        failed = set_count(reasons, reason_keys[r], c->rejected_by[r]);
    if (failed) {
        json_decref(dates);
        json_decref(reasons);
        return NULL;
    }
    /* "o" takes the objects, also when the pack fails */
    return json_pack("{s:{s:s,s:s,s:I},s:{s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:o}}",
                     "input", "url", url, "sha256", sha256, "size", (json_int_t)size,
                     "counts", "rows", (json_int_t)c->rows, "train", (json_int_t)c->train,
                     "holdout", (json_int_t)c->holdout, "rejected", (json_int_t)c->rejected,
                     "rejected_by", reasons, "duplicates", (json_int_t)c->duplicates,
                     "undated", (json_int_t)c->undated,
                     "patient_overlap", (json_int_t)c->patient_overlap, "date_kinds", dates);
}
