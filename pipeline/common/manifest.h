/* manifest.h: the CSV manifests every stage writes and reads.
 *
 * Format (see manifests/README.md): UTF-8, RFC 4180 quoting, LF line ends,
 * one header line, then one row per item; columns in a fixed order set by the
 * writing stage. Files are written under a temporary name and renamed into
 * place when complete. */
#ifndef CXR_MANIFEST_H
#define CXR_MANIFEST_H

#include <stddef.h>

#include "error.h"

typedef struct cxr_manifest_writer cxr_manifest_writer;

/* Opens '<path>.tmp.XXXXXX' and writes the header. 'columns' is copied. */
cxr_status cxr_manifest_create(const char *path, const char *const *columns,
                               size_t ncolumns, cxr_manifest_writer **out,
                               cxr_error *err);
/* Appends one row: 'values' has ncolumns entries (NULL means empty). */
cxr_status cxr_manifest_add(cxr_manifest_writer *w, const char *const *values,
                            cxr_error *err);
size_t cxr_manifest_written(const cxr_manifest_writer *w);
/* Completes the file and renames it into place; frees 'w' either way. */
cxr_status cxr_manifest_commit(cxr_manifest_writer *w, cxr_error *err);
/* Removes the temporary file and frees 'w'. NULL is a no-op. */
void cxr_manifest_abort(cxr_manifest_writer *w);

/* A manifest read whole into memory (manifests are small: one row per
 * selected item). */
typedef struct cxr_manifest cxr_manifest;

/* Loads 'path' and checks that each of 'required' (NULL-terminated, may be
 * NULL) is a column; a missing one names the file and lists the columns. */
cxr_status cxr_manifest_load(const char *path, const char *const *required,
                             cxr_manifest **out, cxr_error *err);
size_t cxr_manifest_nrows(const cxr_manifest *m);
/* Column index of 'name', or -1. */
int cxr_manifest_column(const cxr_manifest *m, const char *name);
/* Borrowed; "" for an empty field. */
const char *cxr_manifest_get(const cxr_manifest *m, size_t row, int column);
void cxr_manifest_free(cxr_manifest *m);

#endif
