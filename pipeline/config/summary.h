/* summary.h: the small JSON summary each stage writes beside its manifests
 * (jansson): stage name, tool version, config file and section hash, the
 * stage's inputs and its counts. */
#ifndef CXR_SUMMARY_H
#define CXR_SUMMARY_H

#include <jansson.h>

#include "config.h"
#include "error.h"

/* Adds "stage", "tool_version", "config", "config_hash" (of 'section') to
 * 'body' (borrowed, modified) and writes it atomically to 'path'. A NULL
 * 'body' (a json_pack that failed) is CXR_ERR_NOMEM. */
cxr_status cxr_summary_write(const char *path, const char *stage,
                             const cxr_config *conf, const char *section,
                             json_t *body, cxr_error *err);

#endif
