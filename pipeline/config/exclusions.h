/* exclusions.h: the curation exclusions file (curation.exclusions): the
 * images a reviewer left out of every tree, one row each,
 *
 *     source,file,sha256,reason,time
 *     ieee8023,lateral-1.jpeg,9f2c...,lateral view labelled PA,2024-05-01T12:00:00Z
 *
 * where (source, file) names the image as the stages know it: source
 * 'ieee8023' a metadata row's filename (select), 'kermany' an archive image's
 * file name (sample). sha256 and reason keep what was decided about which
 * bytes; time is UTC. The path in the config is relative to the config
 * file, so the file can be committed beside it. A missing file (or no key)
 * excludes nothing. cxrprep serve's review page adds and removes rows;
 * select and sample read it. */
#ifndef CXR_EXCLUSIONS_H
#define CXR_EXCLUSIONS_H

#include <stddef.h>

#include "config.h"
#include "error.h"

#define CXR_EXCLUSIONS_NCOLUMNS 5
extern const char *const cxr_exclusions_columns[CXR_EXCLUSIONS_NCOLUMNS + 1]; /* NULL-ended */

typedef struct cxr_exclusion {
    char *source, *file, *sha256, *reason, *time; /* owned; "" when empty */
} cxr_exclusion;

/* The rows of the file, in file order. */
typedef struct cxr_exclusions {
    cxr_exclusion *rows;
    size_t n, cap;
} cxr_exclusions;

/* The file curation.exclusions names, relative to the directory of the
 * config file (absolute as it is): malloc'd into '*path', or NULL when the
 * config has no such key. Fails only when out of memory. */
cxr_status cxr_exclusions_path(const cxr_config *conf, char **path, cxr_error *err);

/* Reads 'path' (borrowed) into 'out' (zeroed first). A missing file is an
 * empty list; a file without the five columns, or a row with an empty
 * source or file, is CXR_ERR_INPUT naming the file and line. */
cxr_status cxr_exclusions_load(const char *path, cxr_exclusions *out, cxr_error *err);

/* 1 when (source, file) is excluded. */
int cxr_exclusions_has(const cxr_exclusions *x, const char *source, const char *file);

/* Appends a copy of 'row' (its NULL fields taken as ""). */
cxr_status cxr_exclusions_add(cxr_exclusions *x, const cxr_exclusion *row, cxr_error *err);

/* Removes every row whose sha256 starts with 'prefix' (non-empty);
 * returns how many. */
size_t cxr_exclusions_remove_sha256(cxr_exclusions *x, const char *prefix);

/* Writes the rows to 'path' atomically (temporary name, then rename),
 * creating its directory; the header always, so an empty list is a
 * header-only file. */
cxr_status cxr_exclusions_save(const char *path, const cxr_exclusions *x, cxr_error *err);

void cxr_exclusions_release(cxr_exclusions *x); /* safe on a zeroed struct */

#endif
