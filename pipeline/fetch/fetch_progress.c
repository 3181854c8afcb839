/* fetch_progress.c: the fetch stage's live progress line (files, bytes,
 * rate, ETA) as text, and the sliding-window rate meter behind it. The
 * executable decides where and whether to print it. */
#include "fetch.h"

#include <stdio.h>

static void human_bytes(uint64_t n, char *buf, size_t len)
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

static void eta_text(double seconds, char *buf, size_t len)
{
    long s = (long)(seconds + 0.5);
    if (seconds < 0 || seconds > 359999)
        snprintf(buf, len, "--:--");
    else if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

void cxr_fetch_progress_format(const cxr_fetch_event *ev, double rate, char *buf,
                               size_t len)
{
    char done[32], total[32], speed[32], eta[16];
    human_bytes(ev->bytes_done, done, sizeof(done));
    human_bytes(ev->bytes_total, total, sizeof(total));
    if (rate >= 0) {
        human_bytes((uint64_t)rate, speed, sizeof(speed));
    } else {
        snprintf(speed, sizeof(speed), "-- B");
    }
    eta_text(rate > 0 && ev->bytes_total > ev->bytes_done
                 ? (double)(ev->bytes_total - ev->bytes_done) / rate
                 : (ev->bytes_total <= ev->bytes_done ? 0 : -1),
             eta, sizeof(eta));
    snprintf(buf, len, "fetch: %zu/%zu files, %s of %s, %s/s, ETA %s", ev->files_done,
             ev->files_total, done, total, speed, eta);
}

double cxr_fetch_meter_update(cxr_fetch_meter *m, double t, uint64_t bytes)
{
    const unsigned cap = sizeof(m->t) / sizeof(m->t[0]);
    unsigned oldest;
    /* A sample closer than 0.25 s to the one before the newest replaces the
     * newest, so the window spans about two seconds at any call rate. */
    if (m->n >= 2 && t - m->t[(m->head + cap - 2) % cap] < 0.25) {
        m->bytes[(m->head + cap - 1) % cap] = bytes;
        m->t[(m->head + cap - 1) % cap] = t;
    } else {
        m->t[m->head] = t;
        m->bytes[m->head] = bytes;
        m->head = (m->head + 1) % cap;
        if (m->n < cap)
            m->n++;
    }
    if (m->n < 2)
        return -1;
    oldest = (m->head + cap - m->n) % cap;
    {
        unsigned newest = (m->head + cap - 1) % cap;
        double dt = m->t[newest] - m->t[oldest];
        if (dt <= 0)
            return -1;
        return (double)(m->bytes[newest] - m->bytes[oldest]) / dt;
    }
}
