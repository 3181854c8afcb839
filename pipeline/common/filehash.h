/* filehash.h: SHA-256 of files, remembered by (path, size, mtime, ctime,
 * inode) so that the driver hashes an unchanged file once, not on every
 * `cxrprep run` or `cxrprep status` (a 1.2 GB archive, a dataset tree). The
 * memory lives in the driver's lock file. Not thread-safe; one owner. */
#ifndef CXR_FILEHASH_H
#define CXR_FILEHASH_H

#include <stdint.h>

#include "error.h"
#include "hash.h"

typedef struct cxr_filehash cxr_filehash;

/* 'saved' is the text cxr_filehash_save gave earlier (may be NULL); an
 * unreadable one is ignored (everything is hashed again). */
cxr_filehash *cxr_filehash_new(const char *saved);
void cxr_filehash_free(cxr_filehash *fh); /* NULL is a no-op */

/* The sha256 of the file at 'path' (lstat: a symlink is refused), from
 * memory when its size, times and inode are those remembered. */
cxr_status cxr_filehash_get(cxr_filehash *fh, const char *path, char hex[CXR_SHA256_HEX],
                            uint64_t *size, cxr_error *err);

/* The entries used since cxr_filehash_new, as JSON text (malloc'd, caller
 * frees): files no longer looked at are forgotten. */
char *cxr_filehash_save(const cxr_filehash *fh);

/* How many files were hashed (not taken from memory): for tests. */
unsigned long cxr_filehash_hashed(const cxr_filehash *fh);

#endif
