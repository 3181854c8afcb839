/* serve_buf.c: the text buffers pages and JSON are written into, and the
 * arena that holds one catalog's strings and records. */
#include "serve_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(serve_buf *b, size_t more)
{
    size_t cap;
    char *data;

    if (b->failed)
        return 0;
    if (b->len + more + 1 <= b->cap)
        return 1;
    cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    data = realloc(b->data, cap);
    if (!data) {
        b->failed = 1;
        return 0;
    }
    b->data = data;
    b->cap = cap;
    return 1;
}

void serve_buf_addn(serve_buf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void serve_buf_add(serve_buf *b, const char *s)
{
    serve_buf_addn(b, s, strlen(s));
}

void serve_buf_printf(serve_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void serve_buf_html(serve_buf *b, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *esc = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                        : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
        if (!esc)
            continue;
        serve_buf_addn(b, run, (size_t)(s - run));
        serve_buf_add(b, esc);
        run = s + 1;
    }
    serve_buf_addn(b, run, (size_t)(s - run));
}

void serve_buf_release(serve_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* The arena: a list of blocks, each used from the front. */
struct serve_arena {
    struct serve_arena *next;
    size_t used, size;
    max_align_t data[];
};

#define ARENA_BLOCK 65536

void *serve_arena_alloc(serve_arena **a, size_t n)
{
    serve_arena *blk = *a;
    size_t align = sizeof(max_align_t), size;
    void *p;

    n = (n + align - 1) / align * align;
    if (!blk || blk->size - blk->used < n) {
        size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        blk = malloc(sizeof(*blk) + size);
        if (!blk)
            return NULL;
        blk->next = *a;
        blk->used = 0;
        blk->size = size;
        *a = blk;
    }
    p = (char *)blk->data + blk->used;
    blk->used += n;
    memset(p, 0, n);
    return p;
}

char *serve_arena_strdup(serve_arena **a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = serve_arena_alloc(a, n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

void serve_arena_free(serve_arena *a)
{
    while (a) {
        serve_arena *next = a->next;
        free(a);
        a = next;
    }
}
