/* select_counts.h (internal): the select stage's counts for people and for
 * summary.json: the labels of the reject reasons and the summary's body. */
#ifndef CXR_SELECT_COUNTS_H
#define CXR_SELECT_COUNTS_H

#include <jansson.h>
#include <stdint.h>

#include "select.h"

/* Fills counts->reason_label from the settings ("not X-ray"). */
void cxr_select_reason_labels(const cxr_select_settings *settings, cxr_select_counts *counts);

/* The summary's "input" and "counts": a new object, or NULL when out of
 * memory. The input is named by its URL, sha256 and size: not by the path
 * it was read from, which for a cached download depends on the work dir. */
json_t *cxr_select_summary_body(const cxr_select_counts *counts, const char *url,
                                const char *sha256, uint64_t size);

#endif
