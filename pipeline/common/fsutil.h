/* fsutil.h: file-system helpers every stage shares: atomic writes (temporary
 * name in the same directory, then rename), mkdir -p, path joins and whole
 * file reads. */
#ifndef CXR_FSUTIL_H
#define CXR_FSUTIL_H

#include <stdio.h>
#include <stddef.h>

#include "error.h"

/* An output file written under a temporary name ("<path>.tmp.XXXXXX") and
 * renamed into place by cxr_atomic_commit(), so readers never see half a
 * file. Either commit or abort must be called; both release everything. */
typedef struct cxr_atomic_file {
    FILE *fp;        /* write here */
    char *path;      /* owned: final name */
    char *tmp_path;  /* owned: temporary name */
} cxr_atomic_file;

/* Creates the parent directories of 'path' as needed. */
cxr_status cxr_atomic_open(cxr_atomic_file *af, const char *path, cxr_error *err);
/* Flushes, fsyncs, closes and renames into place. On failure the temporary
 * file is removed and the old file (if any) is left untouched. */
cxr_status cxr_atomic_commit(cxr_atomic_file *af, cxr_error *err);
/* Closes and removes the temporary file. Safe on a zeroed struct. */
void cxr_atomic_abort(cxr_atomic_file *af);

/* mkdir -p. */
cxr_status cxr_mkdirs(const char *path, cxr_error *err);
/* Creates the directory that holds 'path'. */
cxr_status cxr_mkdirs_parent(const char *path, cxr_error *err);

/* Returns a malloc'd "a/b" (or b alone when b is absolute or a is empty);
 * the caller frees. NULL only when out of memory. */
char *cxr_path_join(const char *a, const char *b);

/* Reads a whole file into a malloc'd, NUL-terminated buffer (caller frees). */
cxr_status cxr_read_file(const char *path, unsigned char **data, size_t *len,
                         cxr_error *err);

/* Returns 1 if 'path' exists as a regular file, 0 otherwise. */
int cxr_is_file(const char *path);

/* The error for a failed open of 'path' with errno 'e': out of memory
 * (ENOMEM: fopen allocates), missing (ENOENT), else an I/O error. */
cxr_status cxr_fail_open(cxr_error *err, const char *path, int e);

/* strdup of 's' (NULL copies ""); NULL when out of memory, which the
 * caller reports as CXR_ERR_NOMEM. Caller frees. */
char *cxr_strdup(const char *s);

#endif
