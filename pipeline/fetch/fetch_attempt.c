/* fetch_attempt.c: one HTTP request of a transfer job: opens and locks the
 * partial file, asks for the missing range, and writes the body where the
 * server's answer says it belongs (206: append, 200: from zero). */
#include "fetch_attempt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

#define ERRBODY_MAX 65536

static char *validator_path(const cxr_xfer_job *job)
{
    size_t n = strlen(job->partial_path) + sizeof(".validator");
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.validator", job->partial_path);
    return p;
}

static void read_validator(const cxr_xfer_job *job, char *out, size_t len)
{
    char *path = validator_path(job);
    FILE *f = path ? fopen(path, "r") : NULL;
    out[0] = '\0';
    if (f) {
        if (!fgets(out, (int)len, f))
            out[0] = '\0';
        out[strcspn(out, "\r\n")] = '\0';
        fclose(f);
    }
    free(path);
}

static void write_validator(const cxr_xfer_job *job, const char *value)
{
    char *path = validator_path(job);
    if (!path)
        return;
    if (value[0]) {
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%s\n", value);
            fclose(f);
        }
    } else {
        unlink(path);
    }
    free(path);
}

void cxr_attempt_forget(const cxr_xfer_job *job)
{
    write_validator(job, "");
}

void cxr_attempt_discard(const cxr_xfer_job *job)
{
    unlink(job->partial_path);
    write_validator(job, "");
}

static cxr_status lock_partial(cxr_attempt *a, cxr_error *err)
{
    const char *path = a->job->partial_path;
    cxr_status st = cxr_mkdirs_parent(path, err);
    if (st != CXR_OK)
        return st;
    a->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (a->fd < 0)
        return cxr_fail(err, CXR_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    if (flock(a->fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(a->fd);
        a->fd = -1;
        a->busy = e == EWOULDBLOCK;
        if (a->busy)
            return cxr_fail(err, CXR_ERR_IO,
                            "'%s' is being downloaded by another process", path);
        return cxr_fail(err, CXR_ERR_IO, "cannot lock '%s': %s", path, strerror(e));
    }
    return CXR_OK;
}

cxr_status cxr_attempt_open(cxr_attempt *a, cxr_error *err, int *complete)
{
    struct stat sb;
    int64_t expected = a->job->expected_size;
    cxr_status st = lock_partial(a, err);

    *complete = 0;
    if (st != CXR_OK)
        return st;
    if (fstat(a->fd, &sb) != 0)
        return cxr_fail(err, CXR_ERR_IO, "cannot stat '%s': %s",
                        a->job->partial_path, strerror(errno));
    a->offset = sb.st_size;
    if (expected >= 0 && a->offset > expected)
        a->offset = 0; /* longer than the pin: cannot be right */
    a->validator[0] = '\0';
    if (a->offset > 0)
        read_validator(a->job, a->validator, sizeof(a->validator));
    /* Without a pin, only a validator guards against splicing two versions
     * of the file, so an unpinned file without one starts again. */
    if (a->offset > 0 && !a->pinned && !a->validator[0])
        a->offset = 0;
    if (a->offset == 0 && (ftruncate(a->fd, 0) != 0 || lseek(a->fd, 0, SEEK_SET) != 0))
        return cxr_fail(err, CXR_ERR_IO, "cannot truncate '%s': %s",
                        a->job->partial_path, strerror(errno));
    if (a->offset > 0 && lseek(a->fd, a->offset, SEEK_SET) != a->offset)
        return cxr_fail(err, CXR_ERR_IO, "cannot seek '%s': %s",
                        a->job->partial_path, strerror(errno));
    a->pos = a->offset;
    if (expected >= 0 && a->offset == expected && expected > 0)
        *complete = 1;
    return CXR_OK;
}

void cxr_attempt_close(cxr_attempt *a)
{
    if (a->easy)
        curl_easy_cleanup(a->easy);
    a->easy = NULL;
    curl_slist_free_all(a->headers);
    a->headers = NULL;
    if (a->fd < 0)
        return;
    /* A 200 with an empty body still replaces what was there. */
    if (!a->body_started && a->status == 200 && a->abort_reason == CXR_ABORT_NONE)
        if (ftruncate(a->fd, 0) == 0)
            a->pos = 0;
    close(a->fd);
    a->fd = -1;
}

/* --- callbacks --- */

static void header_value(const char *line, size_t len, size_t name_len,
                         char *out, size_t out_len)
{
    size_t i = name_len, j = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    while (i < len && line[i] != '\r' && line[i] != '\n' && j + 1 < out_len)
        out[j++] = line[i++];
    out[j] = '\0';
}

static int header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len > n && strncasecmp(line, name, n) == 0;
}

static void new_response(cxr_attempt *a, const char *line, size_t len)
{
    char buf[64];
    const char *sp;
    header_value(line, len, 0, buf, sizeof(buf));
    sp = strchr(buf, ' ');
    a->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    a->content_length = -1;
    a->have_range = 0;
    a->validator[0] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    cxr_attempt *a = ud;
    size_t len = size * n;
    char value[256];

    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        new_response(a, line, len);
    } else if (header_is(line, len, "content-length:")) {
        header_value(line, len, 15, value, sizeof(value));
        a->content_length = strtoll(value, NULL, 10);
    } else if (header_is(line, len, "content-range:")) {
        int64_t end;
        header_value(line, len, 14, value, sizeof(value));
        a->have_range = cxr_xfer_parse_content_range(value, &a->range_start, &end,
                                                     &a->range_total) == 0;
    } else if (header_is(line, len, "etag:")) {
        header_value(line, len, 5, value, sizeof(value));
        if (strncmp(value, "W/", 2) != 0) /* If-Range needs a strong one */
            snprintf(a->validator, sizeof(a->validator), "%s", value);
    } else if (header_is(line, len, "last-modified:") && !a->validator[0]) {
        header_value(line, len, 14, a->validator, sizeof(a->validator));
    }
    return len;
}

static void count_size(cxr_attempt *a, int64_t size)
{
    if (a->job->expected_size < 0 && !*a->counted_size && size >= 0) {
        *a->run_known += size;
        *a->counted_size = 1;
    }
}

/* The first body bytes of a 2xx response: where do they go? */
static int start_body(cxr_attempt *a)
{
    a->body_started = 1;
    if (a->status == 206) {
        if (!a->have_range || a->range_start != a->offset) {
            a->abort_reason = CXR_ABORT_RANGE;
            return -1;
        }
        count_size(a, a->range_total);
        a->job->resumed_from = a->job->resumed_from ? a->job->resumed_from
                                                    : (uint64_t)a->offset;
        return 0;
    }
    if (ftruncate(a->fd, 0) != 0 || lseek(a->fd, 0, SEEK_SET) != 0) {
        a->io_errno = errno;
        a->abort_reason = CXR_ABORT_IO;
        return -1;
    }
    a->pos = 0;
    write_validator(a->job, a->validator);
    count_size(a, a->content_length);
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    cxr_attempt *a = ud;
    size_t len = size * n;

    if (a->status != 200 && a->status != 206) {
        a->received += len; /* an error page: read a little, then stop */
        if (a->received > ERRBODY_MAX) {
            a->abort_reason = CXR_ABORT_ERRBODY;
            return 0;
        }
        return len;
    }
    if (!a->body_started && start_body(a) != 0)
        return 0;
    if (a->job->expected_size >= 0 && a->pos + (int64_t)len > a->job->expected_size) {
        a->abort_reason = CXR_ABORT_OVERSIZE;
        return 0;
    }
    if (write_all(a->fd, data, len) != 0) {
        a->io_errno = errno;
        a->abort_reason = CXR_ABORT_IO;
        return 0;
    }
    a->pos += (int64_t)len;
    a->received += len;
    a->job->bytes_received += len;
    *a->run_received += len;
    return len;
}

/* --- options --- */

static cxr_status set_range(cxr_attempt *a, cxr_error *err)
{
    char range[64], hdr[300];
    curl_slist_free_all(a->headers);
    a->headers = NULL;
    if (a->offset <= 0)
        return CXR_OK;
    snprintf(range, sizeof(range), "%lld-", (long long)a->offset);
    curl_easy_setopt(a->easy, CURLOPT_RANGE, range); /* copied by libcurl */
    if (a->validator[0]) {
        snprintf(hdr, sizeof(hdr), "If-Range: %s", a->validator);
        a->headers = curl_slist_append(NULL, hdr);
        if (!a->headers)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        curl_easy_setopt(a->easy, CURLOPT_HTTPHEADER, a->headers);
    }
    return CXR_OK;
}

cxr_status cxr_attempt_setup(cxr_attempt *a, const cxr_xfer_options *o,
                             cxr_error *err)
{
    CURL *e;
    CURLcode rc = CURLE_OK;

    if (a->easy)
        curl_easy_cleanup(a->easy);
    e = a->easy = curl_easy_init();
    if (!e)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    a->status = 0;
    a->content_length = -1;
    a->have_range = 0;
    a->body_started = 0;
    a->abort_reason = CXR_ABORT_NONE;
    a->received = 0;
    a->errbuf[0] = '\0';
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, a->job->url);
    SET(CURLOPT_PRIVATE, (void *)a);
    SET(CURLOPT_ERRORBUFFER, a->errbuf);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    /* no downgrade: an https URL may be redirected only to https */
    SET(CURLOPT_REDIR_PROTOCOLS_STR,
        strncasecmp(a->job->url, "https://", 8) == 0 ? "https" : "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, o->max_redirects);
    SET(CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
    SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
    SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_BUFFERSIZE, 256L * 1024);
    SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "cxrprep");
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)a);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)a);
    if (o->ca_file)
        SET(CURLOPT_CAINFO, o->ca_file);
#undef SET
    if (rc == CURLE_OUT_OF_MEMORY)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (rc != CURLE_OK)
        return cxr_fail(err, CXR_ERR_INTERNAL, "cannot set up a transfer of '%s': %s",
                        a->job->url, curl_easy_strerror(rc));
    return set_range(a, err);
}
