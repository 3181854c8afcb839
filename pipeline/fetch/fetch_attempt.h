/* fetch_attempt.h: one HTTP request of a transfer job (internal to
 * fetch_transfer.c): the locked partial file, the easy handle's options,
 * and the header and body callbacks that decide between appending (206) and
 * restarting (200). */
#ifndef CXR_FETCH_ATTEMPT_H
#define CXR_FETCH_ATTEMPT_H

#include <curl/curl.h>
#include <stdint.h>

#include "fetch_transfer.h"

typedef enum cxr_attempt_abort {
    CXR_ABORT_NONE,
    CXR_ABORT_ERRBODY,  /* body of an error status: stopped reading it */
    CXR_ABORT_RANGE,    /* 206 for another range than asked */
    CXR_ABORT_OVERSIZE, /* more bytes than the pinned size */
    CXR_ABORT_IO        /* writing the partial file failed */
} cxr_attempt_abort;

typedef struct cxr_attempt {
    CURL *easy;              /* owned; a new one per request, NULL between */
    struct curl_slist *headers;
    cxr_xfer_job *job;       /* borrowed; NULL when the slot is free */
    size_t job_index;
    int fd;                  /* partial file, flock'ed; -1 when closed */
    int pinned;              /* the job's bytes will be verified by a pin */
    int64_t offset;          /* bytes in the partial file before the request */
    int64_t pos;             /* bytes in the partial file now */
    long status;             /* status line of the current response */
    int64_t content_length;  /* of the current response, -1 unknown */
    int have_range;
    int64_t range_start, range_total;
    char validator[256];     /* strong ETag or Last-Modified; "" none */
    int body_started;
    cxr_attempt_abort abort_reason;
    int io_errno;
    int busy;                /* another process holds the partial file */
    uint64_t received;       /* body bytes in this attempt */
    uint64_t *run_received;  /* the run's counter (borrowed) */
    int64_t *run_known;      /* the run's sum of known sizes (borrowed) */
    int *counted_size;       /* the job's size is in run_known (borrowed) */
    char errbuf[CURL_ERROR_SIZE];
} cxr_attempt;

/* Opens and locks the partial file and decides the starting offset. Sets
 * '*complete' when the partial file already holds the pinned size (no
 * request needed). CXR_ERR_IO when the file is locked by another process
 * or cannot be opened. */
cxr_status cxr_attempt_open(cxr_attempt *a, cxr_error *err, int *complete);
/* Makes a new easy handle for a request from a->offset. A handle is never
 * reused: after some failures (a name that does not resolve) libcurl keeps
 * state in it that curl_easy_reset does not clear, and the next request's
 * options are refused. Connections are still reused: the multi handle
 * keeps them. CXR_ERR_NOMEM when libcurl cannot allocate. */
cxr_status cxr_attempt_setup(cxr_attempt *a, const cxr_xfer_options *o,
                             cxr_error *err);
/* Ends the request: truncates a 200 that had no body; keeps the partial
 * file; frees the easy handle (remove it from the multi handle first).
 * Safe to call twice. */
void cxr_attempt_close(cxr_attempt *a);
/* Removes the partial file and its validator (restart from zero). */
void cxr_attempt_discard(const cxr_xfer_job *job);
/* Removes the validator once the file is complete. */
void cxr_attempt_forget(const cxr_xfer_job *job);

#endif
