/* hash.h: SHA-256 (OpenSSL's libcrypto), as lowercase hex, for files,
 * buffers and incremental use. */
#ifndef CXR_HASH_H
#define CXR_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CXR_SHA256_HEX 65 /* 64 hex digits and a NUL */

typedef struct cxr_sha256 cxr_sha256; /* opaque; one per thread */

/* Checks that libcrypto (set up before main) can hash; CXR_ERR_NOMEM when
 * it cannot. The executables call it first thing. */
cxr_status cxr_hash_init(void);

cxr_sha256 *cxr_sha256_new(void);            /* NULL when out of memory */
void cxr_sha256_update(cxr_sha256 *h, const void *data, size_t len);
/* Writes the hex digest and resets 'h' for reuse. */
void cxr_sha256_final(cxr_sha256 *h, char hex[CXR_SHA256_HEX]);
void cxr_sha256_free(cxr_sha256 *h);         /* NULL is a no-op */

void cxr_sha256_buf(const void *data, size_t len, char hex[CXR_SHA256_HEX]);
/* Hashes a file; 'size' (may be NULL) receives its length in bytes. */
cxr_status cxr_sha256_file(const char *path, char hex[CXR_SHA256_HEX],
                           uint64_t *size, cxr_error *err);
/* 1 if 's' is 64 lowercase hex digits. */
int cxr_sha256_valid(const char *s);

#endif
