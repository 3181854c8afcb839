/* fetch_transfer.c: the libcurl multi loop that runs transfer jobs in
 * parallel, schedules retries with backoff and hands complete files to the
 * caller's verification. */
#include "fetch_transfer.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch_attempt.h"

typedef enum { JOB_PENDING, JOB_WAITING, JOB_ACTIVE, JOB_DONE } job_phase;

typedef struct job_state {
    job_phase phase;
    int retries_used;
    int integrity_retried;
    int counted_size;
    int64_t best_pos;     /* largest partial file seen: progress */
    long long ready_at;   /* JOB_WAITING: monotonic ms */
} job_state;

typedef struct xfer {
    CURLM *multi;
    const cxr_xfer_options *o;
    cxr_xfer_job *jobs;
    size_t njobs;
    job_state *st;
    cxr_attempt *slots;
    int nslots;
    size_t next_fresh;    /* first job never started */
    size_t done;
    size_t nwaiting;      /* jobs in JOB_WAITING */
    int active;
    uint64_t received;
    int64_t known;
    uint32_t rng;
} xfer;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t next_random(xfer *x)
{
    x->rng ^= x->rng << 13;
    x->rng ^= x->rng >> 17;
    x->rng ^= x->rng << 5;
    return x->rng;
}

static void finish_job(xfer *x, size_t i, cxr_status status, const char *reason)
{
    cxr_xfer_job *job = &x->jobs[i];
    job->status = status;
    snprintf(job->reason, sizeof(job->reason), "%s", reason ? reason : "");
    x->st[i].phase = JOB_DONE;
    x->done++;
    if (x->o->on_tick) /* so the counts are current when the file is reported */
        x->o->on_tick(x->o->ctx, x->received, (uint64_t)x->known);
    if (x->o->on_done)
        x->o->on_done(x->o->ctx, job);
}

static void schedule_retry(xfer *x, size_t i, long delay_ms, const char *reason,
                           int counts)
{
    job_state *s = &x->st[i];
    if (counts) {
        if (s->retries_used >= x->o->retries) {
            char msg[600];
            snprintf(msg, sizeof(msg), "%s (gave up after %d attempts)", reason,
                     x->jobs[i].attempts);
            finish_job(x, i, CXR_ERR_NETWORK, msg);
            return;
        }
        s->retries_used++;
    }
    snprintf(x->jobs[i].reason, sizeof(x->jobs[i].reason), "%s", reason);
    s->phase = JOB_WAITING;
    x->nwaiting++;
    s->ready_at = now_ms() + delay_ms;
}

/* A complete partial file: let the caller verify it. */
static void verify_job(xfer *x, size_t i)
{
    cxr_error err;
    cxr_status st;
    cxr_error_clear(&err);
    st = x->o->on_complete ? x->o->on_complete(x->o->ctx, &x->jobs[i], &err) : CXR_OK;
    if (st == CXR_ERR_INTEGRITY && !x->st[i].integrity_retried) {
        x->st[i].integrity_retried = 1;
        cxr_attempt_discard(&x->jobs[i]);
        schedule_retry(x, i, 0, err.msg, 0);
        return;
    }
    if (st == CXR_ERR_INTEGRITY)
        cxr_attempt_discard(&x->jobs[i]);
    else if (st == CXR_OK)
        cxr_attempt_forget(&x->jobs[i]);
    finish_job(x, i, st, st == CXR_OK ? "" : err.msg);
}

static void attempt_reason(const cxr_attempt *a, int code, char *buf, size_t len)
{
    if (a->abort_reason == CXR_ABORT_RANGE)
        snprintf(buf, len, "server answered another range than bytes %lld-",
                 (long long)a->offset);
    else if (a->abort_reason == CXR_ABORT_IO)
        snprintf(buf, len, "cannot write '%s': %s", a->job->partial_path,
                 strerror(a->io_errno));
    else if (a->status >= 300 && (code == CURLE_OK || a->abort_reason == CXR_ABORT_ERRBODY))
        snprintf(buf, len, "HTTP %ld", a->status);
    else
        snprintf(buf, len, "%s", a->errbuf[0] ? a->errbuf
                                              : curl_easy_strerror((CURLcode)code));
}

static cxr_xfer_verdict verdict_of(const cxr_attempt *a, int code)
{
    switch (a->abort_reason) {
    case CXR_ABORT_RANGE: return CXR_XFER_RESTART;
    case CXR_ABORT_IO: return CXR_XFER_FAIL;
    case CXR_ABORT_ERRBODY: return cxr_xfer_classify(CURLE_OK, a->status);
    case CXR_ABORT_OVERSIZE: return CXR_XFER_COMPLETE; /* verify says no */
    default: return cxr_xfer_classify(code, a->status);
    }
}

static void handle_done(xfer *x, cxr_attempt *a, int code)
{
    size_t i = a->job_index;
    char reason[512];
    curl_off_t retry_after = 0;
    int progressed;
    cxr_xfer_verdict v = verdict_of(a, code);

    curl_easy_getinfo(a->easy, CURLINFO_RETRY_AFTER, &retry_after);
    curl_multi_remove_handle(x->multi, a->easy);
    cxr_attempt_close(a);
    attempt_reason(a, code, reason, sizeof(reason));
    a->job->http_status = a->status;
    a->job = NULL;
    x->active--;
    progressed = a->pos > x->st[i].best_pos && (a->status == 200 || a->status == 206);
    if (a->pos > x->st[i].best_pos)
        x->st[i].best_pos = a->pos;
    switch (v) {
    case CXR_XFER_COMPLETE:
        verify_job(x, i);
        break;
    case CXR_XFER_RETRY: {
        int retry = x->st[i].retries_used + 1;
        long d = cxr_xfer_backoff_ms(retry, x->o->backoff_ms, x->o->max_backoff_ms,
                                     (long)retry_after, x->o->max_retry_after_s,
                                     next_random(x));
        /* A cut that still moved the file forward does not use up a retry
         * (but retries: 0 means none at all). */
        if (x->o->retries == 0)
            progressed = 0;
        schedule_retry(x, i, progressed ? 0 : d, reason, !progressed);
        break;
    }
    case CXR_XFER_RESTART:
        cxr_attempt_discard(&x->jobs[i]);
        x->st[i].best_pos = 0;
        schedule_retry(x, i, 0, reason, 1);
        break;
    case CXR_XFER_MISSING:
        x->jobs[i].missing = 1;
        finish_job(x, i, CXR_ERR_MISSING, reason);
        break;
    default:
        finish_job(x, i,
                   a->abort_reason == CXR_ABORT_IO ? CXR_ERR_IO
                   : code == CURLE_OUT_OF_MEMORY   ? CXR_ERR_NOMEM
                                                   : CXR_ERR_NETWORK,
                   reason);
    }
}

static void start_job(xfer *x, cxr_attempt *a, size_t i)
{
    cxr_error err;
    int complete = 0;
    cxr_status st;

    a->job = &x->jobs[i];
    a->job_index = i;
    a->pinned = a->job->pinned;
    a->counted_size = &x->st[i].counted_size;
    a->status = 0;
    a->body_started = 0;
    a->abort_reason = CXR_ABORT_NONE;
    x->st[i].phase = JOB_ACTIVE;
    x->jobs[i].attempts++;
    cxr_error_clear(&err);
    st = cxr_attempt_open(a, &err, &complete);
    if (st == CXR_OK && !complete)
        st = cxr_attempt_setup(a, x->o, &err);
    if (st == CXR_OK && !complete) {
        CURLMcode mc = curl_multi_add_handle(x->multi, a->easy);
        if (mc == CURLM_OUT_OF_MEMORY)
            st = cxr_fail(&err, CXR_ERR_NOMEM, "out of memory");
        else if (mc != CURLM_OK)
            st = cxr_fail(&err, CXR_ERR_INTERNAL, "cannot start the transfer of '%s': %s",
                          a->job->url, curl_multi_strerror(mc));
    }
    if (st == CXR_OK && !complete) {
        x->active++;
        return;
    }
    cxr_attempt_close(a);
    a->job = NULL;
    if (st == CXR_OK) {
        x->jobs[i].attempts--; /* no request was made */
        verify_job(x, i);
    } else if (a->busy) {  /* another run is fetching it: wait for it */
        a->busy = 0;
        schedule_retry(x, i, cxr_xfer_backoff_ms(x->st[i].retries_used + 1, x->o->backoff_ms,
                                                 x->o->max_backoff_ms, 0, 0, next_random(x)),
                       err.msg, 1);
    } else {
        finish_job(x, i, st, err.msg);
    }
}

static cxr_attempt *free_slot(xfer *x)
{
    for (int k = 0; k < x->nslots; k++)
        if (!x->slots[k].job)
            return &x->slots[k];
    return NULL;
}

/* Starts waiting jobs whose backoff is over, then fresh ones, up to the
 * parallel limit. Returns the ms until the next waiting job is ready. */
static long start_ready(xfer *x)
{
    long long now = now_ms(), next = -1;
    for (size_t i = 0; x->nwaiting && i < x->next_fresh && x->active < x->nslots; i++) {
        if (x->st[i].phase != JOB_WAITING)
            continue;
        if (x->st[i].ready_at <= now) {
            x->nwaiting--;
            start_job(x, free_slot(x), i);
        }
        else if (next < 0 || x->st[i].ready_at < next)
            next = x->st[i].ready_at;
    }
    while (x->next_fresh < x->njobs && x->active < x->nslots)
        start_job(x, free_slot(x), x->next_fresh++);
    return next < 0 ? 200 : (long)(next - now);
}

static void read_messages(xfer *x)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(x->multi, &left))) {
        cxr_attempt *a = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&a);
        handle_done(x, a, (int)msg->data.result);
    }
}

static cxr_status run_loop(xfer *x, cxr_error *err)
{
    while (x->done < x->njobs) {
        int running = 0;
        long wait = start_ready(x);
        CURLMcode mc = curl_multi_perform(x->multi, &running);
        if (mc == CURLM_OK) {
            read_messages(x);
            if (x->o->on_tick)
                x->o->on_tick(x->o->ctx, x->received, (uint64_t)x->known);
            wait = start_ready(x); /* fill freed slots before sleeping */
        }
        if (mc != CURLM_OK)
            return cxr_fail(err, CXR_ERR_INTERNAL, "transfer loop failed: %s",
                            curl_multi_strerror(mc));
        if (x->done >= x->njobs)
            break;
        if (wait > 200)
            wait = 200;
        if (wait < 0)
            wait = 0;
        if (x->active > 0 || wait > 0)
            curl_multi_poll(x->multi, NULL, 0, (int)wait, NULL);
    }
    return CXR_OK;
}

static cxr_status xfer_init(xfer *x, cxr_xfer_job *jobs, size_t njobs,
                            const cxr_xfer_options *o, cxr_error *err)
{
    memset(x, 0, sizeof(*x));
    x->o = o;
    x->jobs = jobs;
    x->njobs = njobs;
    x->nslots = o->parallel > 0 ? o->parallel : 1;
    x->rng = (uint32_t)now_ms() ^ (uint32_t)getpid() ^ 0x9e3779b9u;
    if (!x->rng)
        x->rng = 1;
    x->st = calloc(njobs ? njobs : 1, sizeof(*x->st));
    x->slots = calloc((size_t)x->nslots, sizeof(*x->slots));
    x->multi = curl_multi_init();
    if (!x->st || !x->slots || !x->multi)
        return cxr_fail(err, CXR_ERR_NOMEM, "cannot start the transfers: out of memory");
    curl_multi_setopt(x->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)x->nslots);
    curl_multi_setopt(x->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)x->nslots);
    for (int k = 0; k < x->nslots; k++) {
        x->slots[k].fd = -1;
        x->slots[k].run_received = &x->received;
        x->slots[k].run_known = &x->known;
    }
    for (size_t i = 0; i < njobs; i++) {
        jobs[i].status = CXR_OK;
        jobs[i].reason[0] = '\0';
        if (jobs[i].expected_size >= 0)
            x->known += jobs[i].expected_size;
    }
    return CXR_OK;
}

static void xfer_release(xfer *x)
{
    for (int k = 0; x->slots && k < x->nslots; k++) {
        if (x->slots[k].job && x->slots[k].easy)
            curl_multi_remove_handle(x->multi, x->slots[k].easy);
        cxr_attempt_close(&x->slots[k]);
    }
    if (x->multi)
        curl_multi_cleanup(x->multi);
    free(x->slots);
    free(x->st);
}

cxr_status cxr_xfer_run(cxr_xfer_job *jobs, size_t njobs,
                        const cxr_xfer_options *opts, cxr_error *err)
{
    xfer x;
    cxr_status st;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return cxr_fail(err, CXR_ERR_INTERNAL, "cannot initialise libcurl");
    st = xfer_init(&x, jobs, njobs, opts, err);
    if (st == CXR_OK)
        st = run_loop(&x, err);
    xfer_release(&x);
    curl_global_cleanup();
    return st;
}
