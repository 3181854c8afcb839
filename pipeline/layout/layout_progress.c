/* layout_progress.c: the layout stage's progress events (progress.h): files
 * settled of the files planned, from the main thread and the workers. */
#include "layout_internal.h"

#include <time.h>

double cxr_layout_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cxr_layout_progress(layout_ctx *c, size_t n)
{
    cxr_progress_event ev = {"layout", "files", 0, 0, 0, 0, 0};
    if (!c->progress || !c->progress->fn)
        return;
    pthread_mutex_lock(&c->lock);
    c->files_done += n;
    ev.done = c->files_done;
    /* an image that fails gives way to another: the plan grows */
    ev.total = c->files_done > c->files_planned ? c->files_done : c->files_planned;
    ev.elapsed_s = cxr_layout_now() - c->t0;
    cxr_progress_emit(c->progress, &ev);
    pthread_mutex_unlock(&c->lock);
}
