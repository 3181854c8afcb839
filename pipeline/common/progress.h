/* progress.h: progress of a long stage (fetch, sample, layout, score), as
 * events the library emits and the executable draws. Libraries never print:
 * a stage calls the sink it was given; cmd/progress_line.c redraws one line on a
 * terminal (count, rate, ETA) and draws nothing when stderr is not one.
 *
 *     cxr_progress_sink sink = {on_progress, ctx};     // from the executable
 *     cxr_progress_emit(&sink, "layout", "files", done, total, 0, 0);
 *
 * The meter and the formatting live here so every stage's line reads the
 * same: "layout: 120/556 files, 48.2 files/s, ETA 0:09". */
#ifndef CXR_PROGRESS_H
#define CXR_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct cxr_progress_event {
    const char *stage;      /* "layout" */
    const char *unit;       /* what is counted: "files", "images", "entries" */
    size_t done, total;     /* total 0: unknown */
    uint64_t bytes_done, bytes_total; /* 0, 0 when the stage counts no bytes */
    double elapsed_s;       /* since the stage started */
} cxr_progress_event;

typedef void (*cxr_progress_fn)(void *ctx, const cxr_progress_event *ev);

/* Where a stage sends its progress; fn NULL: nowhere. Borrowed by the stage. */
typedef struct cxr_progress_sink {
    cxr_progress_fn fn;
    void *ctx;
} cxr_progress_sink;

/* Calls the sink (when there is one). Thread-safe when the sink's fn is. */
void cxr_progress_emit(const cxr_progress_sink *sink, const cxr_progress_event *ev);

/* A rate meter over a sliding window of about two seconds (caller-owned
 * value, zero-initialise before use). */
typedef struct cxr_progress_meter {
    double t[8];
    double amount[8];
    unsigned n, head;
} cxr_progress_meter;

/* Records 'amount' done by time 't' (seconds) and returns the rate per
 * second over the window, or -1 until there are two samples. */
double cxr_progress_meter_update(cxr_progress_meter *m, double t, double amount);

/* "12.3 MB" (decimal units) into buf. */
void cxr_progress_bytes(uint64_t n, char *buf, size_t len);
/* "1:05", "1:02:03", or "--:--" for a negative or huge number of seconds. */
void cxr_progress_eta(double seconds, char *buf, size_t len);

/* The one-line text of an event: "layout: 120/556 files, 48.2 files/s,
 * ETA 0:09", with bytes when the event has them ("fetch: 12/150 files,
 * 4.8 MB of 60.0 MB, 2.3 MB/s, ETA 0:24"). 'rate' is per second of the
 * count, or of the bytes when the event has bytes; < 0: unknown. A total
 * of 0 (unknown) shows the count alone, "sample: 1200 entries", and no
 * ETA unless the bytes give one. */
void cxr_progress_format(const cxr_progress_event *ev, double rate, char *buf, size_t len);

#endif
