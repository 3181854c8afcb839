/* error.h: the one error convention of the cxrprep library.
 *
 * Every fallible function returns a cxr_status and fills a caller-owned
 * cxr_error with a message; libraries never print, executables do. Messages
 * follow git's guidelines: lowercase first word, no full stop, what failed
 * first, names in single quotes, then the file and line. */
#ifndef CXR_ERROR_H
#define CXR_ERROR_H

#include <stdarg.h>

typedef enum cxr_status {
    CXR_OK = 0,
    CXR_ERR_USAGE,       /* bad command line */
    CXR_ERR_CONFIG,      /* config file or --set override is invalid */
    CXR_ERR_INPUT,       /* an input file (CSV, manifest, archive, image) is malformed */
    CXR_ERR_IO,          /* reading or writing a local file failed */
    CXR_ERR_NETWORK,     /* a transfer failed after its retries */
    CXR_ERR_INTEGRITY,   /* size or sha256 does not match its pin */
    CXR_ERR_MISSING,     /* a required file or entry is absent */
    CXR_ERR_UNSUPPORTED, /* valid input this version cannot handle */
    CXR_ERR_NOMEM,
    CXR_ERR_INTERNAL     /* a bug: please report it */
} cxr_status;

#define CXR_ERROR_MAX 2048

typedef struct cxr_error {
    cxr_status status;
    char msg[CXR_ERROR_MAX];
} cxr_error;

#if defined(__GNUC__)
#define CXR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CXR_PRINTF(f, a)
#endif

/* Records 'status' and a formatted message in 'err' (may be NULL) and
 * returns 'status', so callers write: return cxr_fail(err, CXR_ERR_IO, ...). */
cxr_status cxr_fail(cxr_error *err, cxr_status status, const char *fmt, ...)
    CXR_PRINTF(3, 4);

/* Prepends context ("select: ") to the message already in 'err'; returns
 * err->status. */
cxr_status cxr_error_prefix(cxr_error *err, const char *fmt, ...) CXR_PRINTF(2, 3);

void cxr_error_clear(cxr_error *err);

/* A short name for a status ("config error"). Never NULL. */
const char *cxr_strerror(cxr_status status);

/* The process exit code for a status; the table is documented in README.md:
 * 0 ok, 2 usage, 3 config, 4 input, 5 io, 6 network, 7 integrity,
 * 8 missing, 9 unsupported, 10 out of memory, 70 internal. */
int cxr_exit_code(cxr_status status);

#endif
