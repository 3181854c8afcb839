/* settings.h: the typed settings the stages share, read once from a
 * validated config into plain structs. Each stage reads these and its own
 * section (struct cxr_<stage>_settings, in the stage's folder) at its entry
 * point and passes fields down; no code below reads keys by string. The keys,
 * types and defaults are those of the schema table (config_schema.c).
 *
 * Strings are borrowed from the config: the config must outlive the
 * settings. The structs hold no other resources: nothing to free. */
#ifndef CXR_SETTINGS_H
#define CXR_SETTINGS_H

#include <stdint.h>

#include "config.h"

/* One pinned input (sources.metadata, sources.kermany). */
typedef struct cxr_source_settings {
    const char *url;            /* a path, file://, http(s):// URL */
    const char *sha256;         /* pinned sha256 (hex), NULL when unpinned */
    long long size;             /* pinned size in bytes, 0 when unpinned */
} cxr_source_settings;

typedef struct cxr_common_settings {
    const char *config_file;    /* the config's file name, for messages */
    const char *workdir;        /* cache, manifests and trees live below it */
    long long seed;             /* every random draw derives from it */
    cxr_source_settings metadata;
    const char *images_url_template;  /* with {filename}; NULL when absent */
    int images_allow_missing;         /* a missing image is recorded, not fatal */
    cxr_source_settings kermany;      /* url NULL when the config has no archive */
    uint64_t kermany_max_entries;     /* archive bombs: refuse more entries */
    uint64_t kermany_max_total_size;  /* ... or more bytes in all */
} cxr_common_settings;

/* Fills 'out' from 'conf' (validated, borrowed). Never fails: validate has
 * already checked types, bounds and required keys. */
void cxr_common_settings_read(const cxr_config *conf, cxr_common_settings *out);

#endif
