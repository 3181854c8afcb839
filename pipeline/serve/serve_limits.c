/* serve_limits.c: what keeps the server's memory bounded however many
 * clients upload at once: a budget of request-body bytes held, and a number
 * of slots for decoding images (a decoded image can be far larger than its
 * file). */
#include "serve_internal.h"

#include <errno.h>
#include <time.h>

int serve_limits_init(serve_limits *l, size_t budget, int slots)
{
    pthread_condattr_t attr;
    int rc;

    l->budget = budget;
    l->used = 0;
    l->slots = slots;
    l->busy = 0;
    if (pthread_mutex_init(&l->lock, NULL) != 0)
        return -1;
    /* waits are timed on the monotonic clock: a clock change cannot stretch them */
    rc = pthread_condattr_init(&attr);
    if (rc == 0)
        rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&l->changed, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_destroy(&l->lock);
        return -1;
    }
    return 0;
}

void serve_limits_destroy(serve_limits *l)
{
    pthread_cond_destroy(&l->changed);
    pthread_mutex_destroy(&l->lock);
}

int serve_budget_take(serve_limits *l, size_t n, int wait_ms)
{
    struct timespec until;
    int ok = 1;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&l->lock);
    /* one body alone always fits: n is at most the largest upload */
    while (l->used > 0 && l->used + n > l->budget) {
        if (pthread_cond_timedwait(&l->changed, &l->lock, &until) == ETIMEDOUT) {
            ok = l->used == 0 || l->used + n <= l->budget;
            break;
        }
    }
    if (ok)
        l->used += n;
    pthread_mutex_unlock(&l->lock);
    return ok;
}

void serve_budget_give(serve_limits *l, size_t n)
{
    pthread_mutex_lock(&l->lock);
    l->used -= n <= l->used ? n : l->used;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}

void serve_slot_take(serve_limits *l)
{
    pthread_mutex_lock(&l->lock);
    while (l->busy >= l->slots)
        pthread_cond_wait(&l->changed, &l->lock);
    l->busy++;
    pthread_mutex_unlock(&l->lock);
}

void serve_slot_give(serve_limits *l)
{
    pthread_mutex_lock(&l->lock);
    l->busy--;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
}
