/* dnnl_internal.h: what the two oneDNN files share: the backend's state
 * (its steps, each value's memories, the arena buffers and what is placed
 * in them, the constants taken into oneDNN formats) and the memory helpers
 * of dnnl_memory.c that the step builders of dnnl_backend.c use. */
#ifndef CXRINFER_DNNL_INTERNAL_H
#define CXRINFER_DNNL_INTERNAL_H

#include <dnnl.h>

#include "internal.h"

enum { STEP_PRIM, STEP_REF };

#define DN_MAX_ARGS 8

typedef struct dstep {
    int kind;
    int node;                 /* -1 for a reorder */
    dnnl_primitive_t prim;
    int nargs;
    dnnl_exec_arg_t args[DN_MAX_ARGS];
} dstep;

/* A value's oneDNN memories: 'prim' in the producer's format (or NULL),
 * 'plain' over the row-major data of p->vals, 'alt' a copy in the format
 * one consumer asked for; each lies in an arena buffer (-1: none). */
typedef struct dval {
    dnnl_memory_t prim, plain, alt;
    int prim_buf, plain_buf, alt_buf;
    int need_plain;     /* a reference step or the caller reads it */
    int consumers;      /* plan steps that read it */
    int const_uses;     /* primitives that took this constant into their format */
    int alias;          /* a fused Relu output: the value it shares memory with, or -1 */
} dval;

/* A memory, or a value's row-major data (value >= 0), placed in buffer 'buf'. */
typedef struct dbind {
    dnnl_memory_t mem;
    int value;
    int buf;
} dbind;

/* A constant (weights, bias) reordered once into a primitive's format. */
typedef struct dconst {
    int value;
    dnnl_memory_t mem;
    void *data;                 /* ci_block_alloc'd, 'bytes' long */
    size_t bytes;
    dnnl_memory_desc_t plain;   /* the ONNX layout, to convert it back */
    int released;               /* the graph's copy was freed */
} dconst;

struct ci_dnnl {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dstep *steps;
    int n_steps, cap_steps;
    dval *vals;
    int n_vals;
    unsigned char *dnnl_made;   /* per value: written by a oneDNN primitive */
    dnnl_memory_t *extra;       /* memories in no dval: scratchpads, replaced alternates */
    int n_extra, cap_extra;
    ci_arena_buf *bufs;
    int n_bufs, cap_bufs;
    dbind *binds;
    int n_binds, cap_binds;
    dconst *consts;
    int n_consts, cap_consts;
    void *arena;                /* every buffer, packed by liveness */
    size_t arena_size;
    int threads;
    int winograd;
};

#define DN(call, what)                                                             \
    do {                                                                           \
        dnnl_status_t s_ = (call);                                                 \
        if (s_ != dnnl_success)                                                    \
            return ci_fail(err, CXRINFER_ERR_BACKEND, "%s: oneDNN %s failed (status %d)", \
                           where, what, (int)s_);                                  \
    } while (0)

/* The value whose memory v uses (itself unless it is a fused Relu's output). */
static inline int ci_dn_root(const ci_dnnl *d, int v)
{
    return d->vals[v].alias >= 0 ? d->vals[v].alias : v;
}

/* dnnl_memory.c */
cxrinfer_status ci_dn_plain_md(const ci_tensor *t, dnnl_memory_desc_t *md, const char *where,
                               ci_err *err);
/* The arena buffer holding v's row-major data (made on first use); -1 for
 * a constant, whose data is its own. */
cxrinfer_status ci_dn_value_buf(ci_dnnl *d, ci_plan *p, int v, int *buf, ci_err *err);
/* Records that step 'step' reads or writes buffer 'buf'. */
void ci_dn_touch(ci_dnnl *d, int buf, int step);
/* The buffer a memory lies in, -1 if none (a constant). */
int ci_dn_buf_of(const ci_dnnl *d, dnnl_memory_t mem);
/* The plain memory of value v. */
cxrinfer_status ci_dn_get_plain(ci_dnnl *d, ci_plan *p, int v, dnnl_memory_t *out,
                                const char *where, ci_err *err);
/* A memory holding value v in format 'want', adding a reorder if needed. */
cxrinfer_status ci_dn_get_input(ci_dnnl *d, ci_plan *p, int v, const dnnl_memory_desc_t *want,
                                dnnl_memory_t *out, const char *where, ci_err *err);
/* The output memory of a primitive for value v in format 'md': in a new
 * buffer, or (share_buf >= 0) in place, in the buffer of a dying input. */
cxrinfer_status ci_dn_set_output(ci_dnnl *d, ci_plan *p, int v, const dnnl_memory_desc_t *md,
                                 int share_buf, dnnl_memory_t *out, const char *where,
                                 ci_err *err);
/* After a primitive wrote value v: a reorder to plain if someone needs it. */
cxrinfer_status ci_dn_publish(ci_dnnl *d, ci_plan *p, int v, const char *where, ci_err *err);
/* The attribute every primitive is made with (the scratchpad is ours, in
 * the arena), with a fused Relu when 'relu'. */
cxrinfer_status ci_dn_attr(dnnl_primitive_attr_t *attr, int relu, const char *where,
                           ci_err *err);
/* A new zeroed step at the end of the list, NULL when out of memory. */
dstep *ci_dn_new_step(ci_dnnl *d);
/* Creates the primitive of 'pd' (destroyed here) as the next step, with
 * its scratchpad, and records the buffers its arguments touch. */
cxrinfer_status ci_dn_add_prim(ci_dnnl *d, dnnl_primitive_desc_t pd, int node, int nargs,
                               const dnnl_exec_arg_t *args, const char *where, ci_err *err);
/* Constant value v (weights, bias, in layout 'src_md') in format 'want',
 * reordered once now. When every step reading v has taken it so, the ONNX
 * copy is freed (ci_dnnl_restore gives the graph its initializers back). */
cxrinfer_status ci_dn_const_into(ci_dnnl *d, ci_graph *g, ci_plan *p, int v,
                                 const dnnl_memory_desc_t *src_md, const dnnl_memory_desc_t *want,
                                 dnnl_memory_t *out, const char *where, ci_err *err);
/* Packs the buffers into the arena and points every memory and value at
 * its place. */
cxrinfer_status ci_dn_place(ci_dnnl *d, const ci_graph *g, ci_plan *p, ci_err *err);
/* Destroys every memory and frees the arena and the constants. */
void ci_dn_memory_free(ci_dnnl *d);

#endif
