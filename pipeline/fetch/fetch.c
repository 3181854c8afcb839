/* fetch.c: the fetch stage's run: plan, resolve (fetch_resolve.c), download
 * what is missing through the transfer loop, then record the outcome; it
 * also turns the run's progress into events for the executable. */
#include "fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch_internal.h"
#include "fetch_transfer.h"
#include "fsutil.h"

typedef struct run {
    const cxr_config *conf;
    cxr_fetch_settings settings;
    const cxr_fetch_options *opts;
    unsigned only;
    cxr_fetch_plan plan;
    cxr_fetch_lock *lock;
    char *lock_path;
    struct timespec t0;
    double last_tick;
    size_t files_done;
    uint64_t local_bytes_done;  /* cached and local files, counted at once */
    uint64_t local_bytes_known; /* sizes known outside the transfers */
    uint64_t received, xfer_known;
} run;

static double elapsed(const run *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - r->t0.tv_sec) + (ts.tv_nsec - r->t0.tv_nsec) / 1e9;
}

/* The common progress event of a fetch event (not at the end: the
 * executable's summary line follows then). */
static void emit_progress(run *r, const cxr_fetch_event *ev)
{
    cxr_progress_event p = {"fetch", "files", ev->files_done, ev->files_total,
                            ev->bytes_done, ev->bytes_total, ev->elapsed_s};
    if (ev->kind != CXR_FETCH_EV_END)
        cxr_progress_emit(&r->opts->progress, &p);
}

static void emit(run *r, cxr_fetch_event_kind kind, const cxr_fetch_item *it)
{
    cxr_fetch_event ev;
    if (!r->opts->on_event && !r->opts->progress.fn)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    if (it) {
        ev.source = it->source;
        ev.name = it->name;
        ev.url = it->url;
        ev.state = cxr_fetch_item_state_name(it->state);
        ev.reason = it->reason;
        ev.file_bytes = it->size > 0 ? (uint64_t)it->size : 0;
        ev.failed = it->state == CXR_ITEM_FAILED ||
                    (it->state == CXR_ITEM_MISSING && !it->allow_missing);
    }
    ev.files_done = r->files_done;
    ev.files_total = r->plan.n;
    ev.bytes_received = r->received;
    ev.bytes_done = r->local_bytes_done + r->received;
    ev.bytes_total = r->local_bytes_known + r->xfer_known;
    if (ev.bytes_done > ev.bytes_total)
        ev.bytes_total = ev.bytes_done;
    ev.elapsed_s = elapsed(r);
    if (r->opts->on_event)
        r->opts->on_event(r->opts->event_ctx, &ev);
    emit_progress(r, &ev);
}

static void file_done(run *r, cxr_fetch_item *it)
{
    r->files_done++;
    emit(r, CXR_FETCH_EV_FILE, it);
}

static cxr_status resolve_all(run *r, cxr_error *err)
{
    cxr_fetch_resolver rs = {r->conf, r->opts, r->only, r->lock};
    for (size_t i = 0; i < r->plan.n; i++) {
        cxr_fetch_item *it = &r->plan.items[i];
        cxr_status st = cxr_fetch_resolve(&rs, it, err);
        if (st != CXR_OK)
            return st;
        if (it->state == CXR_ITEM_CACHED || it->state == CXR_ITEM_LOCAL)
            r->local_bytes_done += it->size > 0 ? (uint64_t)it->size : 0;
        if (it->state != CXR_ITEM_TODO && it->size > 0)
            r->local_bytes_known += (uint64_t)it->size;
    }
    return CXR_OK;
}

/* --- downloading --- */

static cxr_status on_complete(void *ctx, cxr_xfer_job *job, cxr_error *err)
{
    run *r = ctx;
    cxr_fetch_item *it = job->user;
    uint64_t size = 0;
    cxr_status st = cxr_sha256_file(job->partial_path, it->sha256, &size, err);
    if (st != CXR_OK)
        return st;
    it->size = (int64_t)size;
    it->state = CXR_ITEM_DOWNLOADED;
    cxr_fetch_check_pins(it);
    if (it->state == CXR_ITEM_FAILED) {
        it->state = CXR_ITEM_TODO;
        return cxr_fail(err, CXR_ERR_INTEGRITY, "%s", it->reason);
    }
    free(it->path);
    it->path = NULL;
    st = cxr_fetch_cache_promote(r->conf, job->partial_path, it->url, it->sha256,
                                 &it->path, err);
    if (st == CXR_OK && it->pin_origin == CXR_PIN_NONE)
        st = cxr_fetch_lock_set(r->lock, it->url, it->sha256, it->size, err);
    return st;
}

static void on_done(void *ctx, cxr_xfer_job *job)
{
    run *r = ctx;
    cxr_fetch_item *it = job->user;
    if (job->status == CXR_OK) {
        it->state = CXR_ITEM_DOWNLOADED;
        it->reason[0] = '\0';
    } else {
        cxr_fetch_item_set_reason(it, job->missing ? CXR_ITEM_MISSING : CXR_ITEM_FAILED,
                                  job->status, "%s", job->reason);
    }
    file_done(r, it);
}

static void on_tick(void *ctx, uint64_t received, uint64_t known_total)
{
    run *r = ctx;
    double now = elapsed(r);
    r->received = received;
    r->xfer_known = known_total;
    if (now - r->last_tick >= 0.25) {
        r->last_tick = now;
        emit(r, CXR_FETCH_EV_PROGRESS, NULL);
    }
}

static void xfer_options(const run *r, cxr_xfer_options *o)
{
    const cxr_fetch_settings *s = &r->settings;
    memset(o, 0, sizeof(*o));
    o->parallel = s->parallel;
    o->retries = s->retries;
    o->backoff_ms = s->backoff_ms;
    o->max_backoff_ms = s->max_backoff_ms;
    o->max_retry_after_s = s->max_retry_after_s;
    o->connect_timeout_s = s->connect_timeout_s;
    o->low_speed_bytes = s->low_speed_bytes;
    o->low_speed_time_s = s->low_speed_time_s;
    o->max_redirects = s->max_redirects;
    o->ca_file = s->ca_file;
    o->user_agent = "cxrprep/" CXR_VERSION;
    o->on_complete = on_complete;
    o->on_done = on_done;
    o->on_tick = on_tick;
    o->ctx = (void *)r;
}

static void release_jobs(cxr_xfer_job *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++)
        free((char *)jobs[i].partial_path);
    free(jobs);
}

static cxr_status download(run *r, cxr_error *err)
{
    cxr_xfer_job *jobs = calloc(r->plan.n ? r->plan.n : 1, sizeof(*jobs));
    cxr_xfer_options o;
    size_t n = 0;
    cxr_status st;
    if (!jobs)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->plan.n; i++) {
        cxr_fetch_item *it = &r->plan.items[i];
        if (it->state != CXR_ITEM_TODO)
            continue;
        jobs[n].url = it->url;
        jobs[n].partial_path = cxr_fetch_partial_path(r->settings.common.workdir, it->url);
        if (!jobs[n].partial_path) {
            release_jobs(jobs, n);
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        }
        jobs[n].expected_size = it->pin_origin != CXR_PIN_NONE ? it->pin_size : -1;
        jobs[n].pinned = it->pin_sha256[0] != '\0';
        jobs[n].user = it;
        n++;
    }
    xfer_options(r, &o);
    st = n ? cxr_xfer_run(jobs, n, &o, err) : CXR_OK;
    release_jobs(jobs, n);
    return st;
}

/* --- the run --- */

static cxr_status finish(run *r, cxr_error *err)
{
    cxr_fetch_counts c;
    cxr_status st = CXR_OK;
    cxr_fetch_count(&r->plan, &c);
    if (c.worst == CXR_ERR_NOMEM) /* no report that says less than happened */
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (c.downloaded > 0)
        st = cxr_fetch_cache_sync(r->settings.common.workdir, err);
    if (st == CXR_OK && cxr_fetch_lock_dirty(r->lock))
        st = cxr_fetch_lock_save(r->lock, err);
    c.bytes_received = r->received;
    if (st == CXR_OK)
        st = cxr_fetch_report_write(r->conf, r->settings.common.workdir, &r->plan, &c,
                                    r->lock_path, r->opts, err);
    emit(r, CXR_FETCH_EV_END, NULL);
    if (st != CXR_OK || c.worst == CXR_OK)
        return st;
    if (r->opts->offline && c.failed == 0)
        return cxr_fail(err, CXR_ERR_MISSING,
                        "--offline: %zu of %zu files are not in the cache",
                        c.missing_fatal, c.total);
    return cxr_fail(err, c.worst,
                    "%zu of %zu files failed (%zu missing, %zu other errors); "
                    "see the list above",
                    c.failed + c.missing_fatal, c.total, c.missing_fatal, c.failed);
}

static cxr_status run_stage(run *r, cxr_error *err)
{
    int need_images = r->opts->only && (r->opts->only & CXR_FETCH_IMAGES);
    cxr_status st = cxr_fetch_plan_build(r->conf, &r->settings, need_images, &r->plan, err);
    if (st == CXR_OK)
        st = cxr_fetch_lock_load(r->lock_path, &r->lock, err);
    if (st == CXR_OK)
        st = resolve_all(r, err);
    if (st != CXR_OK)
        return st;
    emit(r, CXR_FETCH_EV_START, NULL);
    for (size_t i = 0; i < r->plan.n; i++)
        if (r->plan.items[i].state != CXR_ITEM_TODO)
            file_done(r, &r->plan.items[i]);
    st = download(r, err);
    return st == CXR_OK ? finish(r, err) : st;
}

cxr_status cxr_fetch_run(const cxr_config *conf, const cxr_fetch_options *opts,
                         cxr_error *err)
{
    run r;
    cxr_status st;
    memset(&r, 0, sizeof(r));
    r.conf = conf;
    r.opts = opts;
    r.only = opts->only ? opts->only : CXR_FETCH_ALL;
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    st = cxr_fetch_settings_read(conf, &r.settings, err);
    if (st == CXR_OK && !(r.lock_path = cxr_fetch_lock_path(&r.settings)))
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st == CXR_OK)
        st = run_stage(&r, err);
    cxr_fetch_lock_free(r.lock);
    cxr_fetch_plan_release(&r.plan);
    free(r.lock_path);
    return st;
}

cxr_status cxr_fetch_parse_only(const char *text, unsigned *mask, cxr_error *err)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"metadata", CXR_FETCH_METADATA}, {"images", CXR_FETCH_IMAGES},
        {"archives", CXR_FETCH_ARCHIVES}, {"kermany", CXR_FETCH_ARCHIVES},
        {"all", CXR_FETCH_ALL}};
    const char *p = text;
    *mask = 0;
    while (*p) {
        size_t len = strcspn(p, ","), k;
        for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            if (strlen(names[k].name) == len && strncmp(p, names[k].name, len) == 0)
                break;
        if (k == sizeof(names) / sizeof(names[0]))
            return cxr_fail(err, CXR_ERR_USAGE,
                            "unknown source group '%.*s' in --only (use metadata, "
                            "images, archives or all)", (int)len, p);
        *mask |= names[k].bit;
        p += len + (p[len] == ',');
    }
    return *mask ? CXR_OK : cxr_fail(err, CXR_ERR_USAGE, "--only needs a source group");
}

char *cxr_fetch_lock_path(const cxr_fetch_settings *settings)
{
    const char *file = settings->common.config_file;
    size_t n;
    char *out;
    if (settings->lock_file)
        return strdup(settings->lock_file);
    n = strlen(file);
    out = malloc(n + 6);
    if (!out)
        return NULL;
    memcpy(out, file, n + 1);
    if (n > 5 && strcmp(file + n - 5, ".yaml") == 0)
        out[n - 5] = '\0';
    else if (n > 4 && strcmp(file + n - 4, ".yml") == 0)
        out[n - 4] = '\0';
    strcat(out, ".lock");
    return out;
}
