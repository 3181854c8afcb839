/* fetch_retry.c: the retry policy of the transfer loop: which outcomes are
 * transient, how long to wait, and parsing the Content-Range of a 206. */
#include "fetch_transfer.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int transient_curl_code(int code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

cxr_xfer_verdict cxr_xfer_classify(int curl_code, long http_status)
{
    if (curl_code != CURLE_OK) {
        /* A response status decides when the body was cut after an error
         * status (e.g. a 503 whose body never came). */
        if (http_status == 429 || http_status == 408 || http_status >= 500)
            return CXR_XFER_RETRY;
        if (curl_code == CURLE_RANGE_ERROR)
            return CXR_XFER_RESTART;
        return transient_curl_code(curl_code) ? CXR_XFER_RETRY : CXR_XFER_FAIL;
    }
    if (http_status == 200 || http_status == 206)
        return CXR_XFER_COMPLETE;
    if (http_status == 416)
        return CXR_XFER_RESTART;
    if (http_status == 429 || http_status == 408 || http_status >= 500)
        return CXR_XFER_RETRY;
    if (http_status == 404 || http_status == 410)
        return CXR_XFER_MISSING;
    return CXR_XFER_FAIL;
}

long cxr_xfer_backoff_ms(int retry, long backoff_ms, long max_backoff_ms,
                         long retry_after_s, long max_retry_after_s,
                         uint32_t rnd)
{
    long delay = backoff_ms > 0 ? backoff_ms : 0;
    for (int i = 1; i < retry && delay < max_backoff_ms; i++)
        delay *= 2;
    if (max_backoff_ms > 0 && delay > max_backoff_ms)
        delay = max_backoff_ms;
    /* Equal jitter: keep half, draw the other half, so retries from many
     * transfers do not arrive together. */
    if (delay > 1)
        delay = delay / 2 + (long)(rnd % (uint32_t)(delay / 2 + 1));
    if (retry_after_s > 0) {
        long ra = retry_after_s;
        if (max_retry_after_s >= 0 && ra > max_retry_after_s)
            ra = max_retry_after_s;
        if (ra * 1000 > delay)
            delay = ra * 1000;
    }
    return delay;
}

static int parse_i64(const char **p, int64_t *out)
{
    const char *s = *p;
    int64_t v = 0;
    if (!isdigit((unsigned char)*s))
        return -1;
    while (isdigit((unsigned char)*s)) {
        if (v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s++ - '0');
    }
    *out = v;
    *p = s;
    return 0;
}

int cxr_xfer_parse_content_range(const char *value, int64_t *start,
                                 int64_t *end, int64_t *total)
{
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "bytes", 5) != 0)
        return -1;
    p += 5;
    while (*p == ' ')
        p++;
    if (parse_i64(&p, start) || *p++ != '-' || parse_i64(&p, end) || *p++ != '/')
        return -1;
    if (*p == '*') {
        *total = -1;
        p++;
    } else if (parse_i64(&p, total)) {
        return -1;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (*p || *end < *start || (*total >= 0 && *end >= *total))
        return -1;
    return 0;
}
