/* fetch_transfer.h: parallel, resumable HTTP(S) downloads into partial files
 * with the libcurl multi interface (internal to the fetch stage).
 *
 * Each job names a URL and a partial file. Bytes already in the partial file
 * are kept and the transfer continues with a Range request (If-Range with the
 * validator the server gave, kept in '<partial>.validator'); a server that
 * answers 200 instead of 206 restarts the file from zero. Connection errors,
 * timeouts, 408, 429 and 5xx are retried with exponential backoff (honouring
 * Retry-After), other 4xx fail at once. When a file is complete the
 * on_complete callback verifies it; a CXR_ERR_INTEGRITY answer discards the
 * partial file and retries once from zero. Only http and https are allowed,
 * also on redirects. Not thread-safe: one run per thread. */
#ifndef CXR_FETCH_TRANSFER_H
#define CXR_FETCH_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct cxr_xfer_job {
    /* in (borrowed) */
    const char *url;
    const char *partial_path;
    int64_t expected_size;   /* -1 when unknown */
    int pinned;              /* on_complete checks a sha256: a partial file
                                without a validator may still be resumed */
    void *user;
    /* out */
    cxr_status status;       /* CXR_OK when verified by on_complete */
    int missing;             /* the server answered 404 or 410 */
    long http_status;        /* last HTTP status seen (0: none) */
    int attempts;            /* requests made */
    uint64_t bytes_received; /* over the network, all attempts */
    uint64_t resumed_from;   /* offset of the first Range request (0: none) */
    char reason[512];        /* why it failed; "" when ok */
} cxr_xfer_job;

typedef struct cxr_xfer_options {
    int parallel;               /* transfers at once (>= 1) */
    int retries;                /* extra attempts after the first */
    long backoff_ms;            /* first delay; doubles each retry */
    long max_backoff_ms;        /* cap on the backoff */
    long max_retry_after_s;     /* cap on an honoured Retry-After */
    long connect_timeout_s;
    long low_speed_bytes;       /* abort when slower than this ... */
    long low_speed_time_s;      /* ... for this long (then retry) */
    long max_redirects;
    const char *ca_file;        /* NULL: the system's CA store */
    const char *user_agent;     /* NULL: "cxrprep" */
    /* Verifies a complete partial file and moves it into place. CXR_OK:
     * done; CXR_ERR_INTEGRITY: wrong bytes (retried once from zero);
     * anything else fails the job with err's message. */
    cxr_status (*on_complete)(void *ctx, cxr_xfer_job *job, cxr_error *err);
    /* Called once per finished job, any status (may be NULL). */
    void (*on_done)(void *ctx, cxr_xfer_job *job);
    /* Called on every turn of the loop with the bytes received so far in
     * this run and the sum of the sizes known so far (may be NULL). */
    void (*on_tick)(void *ctx, uint64_t received, uint64_t known_total);
    void *ctx;
} cxr_xfer_options;

/* Runs every job to the end; per-job results are in 'jobs'. Fails only when
 * the transfer machinery itself cannot start (libcurl init, out of memory). */
cxr_status cxr_xfer_run(cxr_xfer_job *jobs, size_t njobs,
                        const cxr_xfer_options *opts, cxr_error *err);

/* --- retry policy (fetch_retry.c), pure functions --- */

typedef enum cxr_xfer_verdict {
    CXR_XFER_COMPLETE,  /* a body was received in full: verify it */
    CXR_XFER_RETRY,     /* transient: try again after a backoff */
    CXR_XFER_RESTART,   /* discard the partial file and try again */
    CXR_XFER_MISSING,   /* 404 / 410: fail at once, recorded as missing */
    CXR_XFER_FAIL       /* permanent: fail at once */
} cxr_xfer_verdict;

/* Classifies an attempt from its libcurl result code (a CURLcode) and the
 * final HTTP status (0 when no response). */
cxr_xfer_verdict cxr_xfer_classify(int curl_code, long http_status);

/* Delay before retry number 'retry' (1-based): backoff_ms * 2^(retry-1)
 * capped at max_backoff_ms, with jitter from 'rnd' (any 32-bit value) over
 * its upper half; at least 'retry_after_s' seconds when the server asked,
 * capped at max_retry_after_s. */
long cxr_xfer_backoff_ms(int retry, long backoff_ms, long max_backoff_ms,
                         long retry_after_s, long max_retry_after_s,
                         uint32_t rnd);

/* Parses "bytes START-END/TOTAL" (TOTAL may be '*'); 0 on success. */
int cxr_xfer_parse_content_range(const char *value, int64_t *start,
                                 int64_t *end, int64_t *total);

#endif
