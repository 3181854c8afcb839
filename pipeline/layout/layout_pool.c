/* layout_pool.c: the worker threads that verify and place images while the
 * main thread reads the next ones (see layout_internal.h). */
#include "layout_internal.h"

#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX 8

typedef struct job {
    layout_item *items;
    size_t n, len;
    unsigned char *data;
} job;

struct layout_pool {
    layout_ctx *c;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    job queue[QUEUE_MAX];
    size_t head, count;
    int closing;
    cxr_error first_err;    /* status CXR_OK until a job fails */
};

static void *worker(void *arg)
{
    layout_pool *p = arg;
    for (;;) {
        job j;
        cxr_error e;
        cxr_status st = CXR_OK;
        e.status = CXR_OK;
        e.msg[0] = '\0';
        pthread_mutex_lock(&p->mu);
        while (!p->count && !p->closing)
            pthread_cond_wait(&p->not_empty, &p->mu);
        if (!p->count) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        j = p->queue[p->head];
        p->head = (p->head + 1) % QUEUE_MAX;
        p->count--;
        pthread_cond_signal(&p->not_full);
        if (p->first_err.status == CXR_OK) {
            pthread_mutex_unlock(&p->mu);
            st = cxr_layout_place(p->c, j.items, j.n, j.data, j.len, &e);
            pthread_mutex_lock(&p->mu);
        }
        if (st != CXR_OK && p->first_err.status == CXR_OK)
            p->first_err = e;
        pthread_mutex_unlock(&p->mu);
        free(j.data);
    }
}

cxr_status cxr_layout_pool_start(layout_ctx *c, int threads, layout_pool **out, cxr_error *err)
{
    layout_pool *p = calloc(1, sizeof(*p));
    *out = NULL;
    if (!p)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    p->c = c;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    if (threads > 1) {
        if (!(p->threads = calloc((size_t)threads, sizeof(*p->threads)))) {
            cxr_layout_pool_finish(p, NULL);
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        }
        for (int i = 0; i < threads; i++) {
            if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
                break;
            p->nthreads++;
        }
    }
    *out = p;
    return CXR_OK;
}

cxr_status cxr_layout_pool_submit(layout_pool *p, layout_item *items, size_t n,
                                  unsigned char *data, size_t len, cxr_error *err)
{
    cxr_status st;
    if (p->nthreads == 0) { /* one thread: do it here */
        st = cxr_layout_place(p->c, items, n, data, len, err);
        free(data);
        return st;
    }
    pthread_mutex_lock(&p->mu);
    while (p->count == QUEUE_MAX && p->first_err.status == CXR_OK)
        pthread_cond_wait(&p->not_full, &p->mu);
    if (p->first_err.status != CXR_OK) {
        *err = p->first_err;
        pthread_mutex_unlock(&p->mu);
        free(data);
        return err->status;
    }
    p->queue[(p->head + p->count) % QUEUE_MAX] = (job){items, n, len, data};
    p->count++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    return CXR_OK;
}

cxr_status cxr_layout_pool_finish(layout_pool *p, cxr_error *err)
{
    cxr_status st;
    if (!p)
        return CXR_OK;
    pthread_mutex_lock(&p->mu);
    p->closing = 1;
    pthread_cond_broadcast(&p->not_empty);
    pthread_cond_broadcast(&p->not_full);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    st = p->first_err.status;
    if (st != CXR_OK && err)
        *err = p->first_err;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->not_empty);
    pthread_cond_destroy(&p->not_full);
    free(p->threads);
    free(p);
    return st;
}
