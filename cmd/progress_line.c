/* progress_line.c: the terminal drawing of progress events (progress.h). */
#include "progress_line.h"

#include <stdio.h>
#include <unistd.h>

static void on_progress(void *ctx, const cxr_progress_event *ev)
{
    cxr_progress_printer *p = ctx;
    int has_bytes = ev->bytes_total || ev->bytes_done;
    double rate = cxr_progress_meter_update(
        &p->meter, ev->elapsed_s, has_bytes ? (double)ev->bytes_done : (double)ev->done);
    int last = ev->total && ev->done >= ev->total;
    char line[256];

    if (!p->enabled || (p->live && !last && ev->elapsed_s - p->last_draw < 0.1))
        return;
    cxr_progress_format(ev, rate, line, sizeof(line));
    fprintf(stderr, "\r%s\033[K", line);
    p->live = 1;
    p->last_draw = ev->elapsed_s;
}

cxr_progress_sink cxr_progress_printer_init(cxr_progress_printer *p, int quiet)
{
    cxr_progress_sink sink = {on_progress, p};
    *p = (cxr_progress_printer){0};
    p->enabled = !quiet && isatty(STDERR_FILENO);
    return sink;
}

void cxr_progress_printer_clear(cxr_progress_printer *p)
{
    if (!p->live)
        return;
    fputs("\r\033[K", stderr);
    p->live = 0;
}
