/* progress.c: the rate meter and the text of a progress line (progress.h). */
#include "progress.h"

#include <stdio.h>

void cxr_progress_emit(const cxr_progress_sink *sink, const cxr_progress_event *ev)
{
    if (sink && sink->fn)
        sink->fn(sink->ctx, ev);
}

double cxr_progress_meter_update(cxr_progress_meter *m, double t, double amount)
{
    const unsigned cap = sizeof(m->t) / sizeof(m->t[0]);
    unsigned oldest, newest;
    double dt;

    /* A sample closer than 0.25 s to the one before the newest replaces the
     * newest, so the window spans about two seconds at any call rate. */
    if (m->n >= 2 && t - m->t[(m->head + cap - 2) % cap] < 0.25) {
        m->amount[(m->head + cap - 1) % cap] = amount;
        m->t[(m->head + cap - 1) % cap] = t;
    } else {
        m->t[m->head] = t;
        m->amount[m->head] = amount;
        m->head = (m->head + 1) % cap;
        if (m->n < cap)
            m->n++;
    }
    if (m->n < 2)
        return -1;
    oldest = (m->head + cap - m->n) % cap;
    newest = (m->head + cap - 1) % cap;
    dt = m->t[newest] - m->t[oldest];
    return dt > 0 ? (m->amount[newest] - m->amount[oldest]) / dt : -1;
}

void cxr_progress_bytes(uint64_t n, char *buf, size_t len)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    unsigned u = 0;

    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

void cxr_progress_eta(double seconds, char *buf, size_t len)
{
    long s = (long)(seconds + 0.5);

    if (seconds < 0 || seconds > 359999)
        snprintf(buf, len, "--:--");
    else if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

/* Seconds left at 'rate' for 'left' more; -1 when unknown, 0 when done. */
static double seconds_left(double left, double rate)
{
    if (left <= 0)
        return 0;
    return rate > 0 ? left / rate : -1;
}

/* "12/150 files", or "12 files" when the total is unknown. */
static void count_text(const cxr_progress_event *ev, char *buf, size_t len)
{
    if (ev->total)
        snprintf(buf, len, "%zu/%zu %s", ev->done, ev->total, ev->unit);
    else
        snprintf(buf, len, "%zu %s", ev->done, ev->unit);
}

void cxr_progress_format(const cxr_progress_event *ev, double rate, char *buf, size_t len)
{
    char eta[16], done[32], total[32], speed[32], count[96];

    count_text(ev, count, sizeof(count));

    if (ev->bytes_total || ev->bytes_done) {
        cxr_progress_bytes(ev->bytes_done, done, sizeof(done));
        cxr_progress_bytes(ev->bytes_total, total, sizeof(total));
        if (rate >= 0)
            cxr_progress_bytes((uint64_t)rate, speed, sizeof(speed));
        else
            snprintf(speed, sizeof(speed), "-- B");
        cxr_progress_eta(ev->bytes_total
                             ? seconds_left((double)ev->bytes_total - (double)ev->bytes_done, rate)
                             : -1,
                         eta, sizeof(eta));
        snprintf(buf, len, "%s: %s, %s of %s, %s/s, ETA %s", ev->stage, count, done, total,
                 speed, eta);
        return;
    }
    cxr_progress_eta(ev->total ? seconds_left((double)ev->total - (double)ev->done, rate) : -1,
                     eta, sizeof(eta));
    if (rate >= 0)
        snprintf(speed, sizeof(speed), "%.1f", rate);
    else
        snprintf(speed, sizeof(speed), "--");
    if (!ev->total) { /* no end known: no ETA */
        snprintf(buf, len, "%s: %s, %s %s/s", ev->stage, count, speed, ev->unit);
        return;
    }
    snprintf(buf, len, "%s: %s, %s %s/s, ETA %s", ev->stage, count, speed, ev->unit, eta);
}
