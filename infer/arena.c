/* arena.c: packs buffers whose lifetimes are known (the first and the last
 * step that touch each) into one block, so that buffers never alive at the
 * same time share memory: the activations and scratch space of a plan. */
#include <stdlib.h>

#include "internal.h"

/* Largest first; among equal sizes the one that starts first. */
static int by_size(const void *a, const void *b, const ci_arena_buf *bufs)
{
    const ci_arena_buf *x = &bufs[*(const int *)a], *y = &bufs[*(const int *)b];
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Insertion sort of 'order' (a few hundred buffers at most; qsort has no
 * context argument in C11). */
static void sort_order(int *order, int n, const ci_arena_buf *bufs)
{
    for (int i = 1; i < n; i++) {
        int key = order[i], j = i - 1;
        while (j >= 0 && by_size(&order[j], &key, bufs) > 0) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = key;
    }
}

static int alive_together(const ci_arena_buf *a, const ci_arena_buf *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* The lowest offset where 'b' fits between the placed buffers it lives
 * with ('placed' holds their indices, sorted by offset here). */
static size_t lowest_fit(const ci_arena_buf *bufs, const ci_arena_buf *b, int *placed,
                         int n_placed)
{
    for (int i = 1; i < n_placed; i++) {
        int key = placed[i], j = i - 1;
        while (j >= 0 && bufs[placed[j]].offset > bufs[key].offset) {
            placed[j + 1] = placed[j];
            j--;
        }
        placed[j + 1] = key;
    }
    size_t at = 0;
    for (int i = 0; i < n_placed; i++) {
        const ci_arena_buf *c = &bufs[placed[i]];
        if (!alive_together(b, c))
            continue;
        if (at + b->size <= c->offset)
            break;
        if (c->offset + c->size > at)
            at = c->offset + c->size;
    }
    return at;
}

cxrinfer_status ci_arena_pack(ci_arena_buf *bufs, int n, size_t *total, ci_err *err)
{
    int *order = malloc((size_t)(n ? n : 1) * sizeof(int));
    int *placed = malloc((size_t)(n ? n : 1) * sizeof(int));
    *total = 0;
    if (!order || !placed) {
        free(order);
        free(placed);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        bufs[i].size = (bufs[i].size + CI_ARENA_ALIGN - 1) / CI_ARENA_ALIGN * CI_ARENA_ALIGN;
        order[i] = i;
    }
    sort_order(order, n, bufs);
    for (int k = 0; k < n; k++) {
        ci_arena_buf *b = &bufs[order[k]];
        b->offset = lowest_fit(bufs, b, placed, k);
        placed[k] = order[k];
        if (b->offset + b->size > *total)
            *total = b->offset + b->size;
    }
    free(order);
    free(placed);
    return CXRINFER_OK;
}
