/* dnnl_backend.c: the oneDNN path (every oneDNN call of the engine is in
 * this file). For one plan it builds a list of steps: Conv (with a fused
 * Relu), pooling, Relu, and Gemm/MatMul with constant weights run as oneDNN
 * primitives on the memory formats oneDNN picks (format_tag any, so
 * activations stay blocked between them); every other op runs as the
 * reference kernel on plain row-major data, with reorders only where a
 * tensor crosses between the two. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <dnnl.h>

#include "internal.h"

enum { STEP_PRIM, STEP_REF, STEP_SKIP };

typedef struct dstep {
    int kind;
    int node;
    dnnl_primitive_t prim;
    int nargs;
    dnnl_exec_arg_t args[6];
} dstep;

/* A value's oneDNN memories: 'prim' in the producer's format (or NULL),
 * 'plain' wrapping the row-major data in p->vals, 'alt' a copy in the
 * format one consumer asked for. */
typedef struct dval {
    dnnl_memory_t prim, plain, alt;
    int need_plain;     /* a reference step or the caller reads it */
    int consumers;
    int alias;          /* a fused Relu output: the value it shares memory with, or -1 */
} dval;

struct ci_dnnl {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dstep *steps;
    int n_steps, cap_steps;
    dval *vals;
    int n_vals;
    unsigned char *dnnl_made; /* per value: written by a oneDNN primitive */
    dnnl_memory_t *owned;   /* memories to destroy that are in no dval (weights) */
    int n_owned, cap_owned;
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

int ci_dnnl_available(void)
{
    dnnl_engine_t e;
    if (dnnl_engine_get_count(dnnl_cpu) < 1 || dnnl_engine_create(&e, dnnl_cpu, 0) != dnnl_success)
        return 0;
    dnnl_engine_destroy(e);
    return 1;
}

static dstep *add_step(ci_dnnl *d)
{
    if (d->n_steps == d->cap_steps) {
        int cap = d->cap_steps ? d->cap_steps * 2 : 32;
        dstep *s = realloc(d->steps, (size_t)cap * sizeof(*s));
        if (!s)
            return NULL;
        d->steps = s;
        d->cap_steps = cap;
    }
    dstep *s = &d->steps[d->n_steps++];
    memset(s, 0, sizeof(*s));
    return s;
}

static int keep_mem(ci_dnnl *d, dnnl_memory_t m)
{
    if (d->n_owned == d->cap_owned) {
        int cap = d->cap_owned ? d->cap_owned * 2 : 32;
        dnnl_memory_t *o = realloc(d->owned, (size_t)cap * sizeof(*o));
        if (!o)
            return -1;
        d->owned = o;
        d->cap_owned = cap;
    }
    d->owned[d->n_owned++] = m;
    return 0;
}

static const dnnl_format_tag_t plain_tags[] = {dnnl_a, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd,
                                               dnnl_abcde, dnnl_abcdef};

static cxrinfer_status plain_md(const ci_tensor *t, dnnl_memory_desc_t *md, const char *where,
                                ci_err *err)
{
    dnnl_dims_t dims;
    int r = t->rank ? t->rank : 1;
    if (r > 6)
        return ci_fail(err, CXRINFER_ERR_UNSUPPORTED, "%s: rank %d is too large", where, r);
    for (int i = 0; i < r; i++)
        dims[i] = t->rank ? t->dims[i] : 1;
    DN(dnnl_memory_desc_init_by_tag(md, r, dims, dnnl_f32, plain_tags[r]), "plain descriptor");
    return CXRINFER_OK;
}

/* The plain memory of value v, allocating its row-major data if needed. */
static cxrinfer_status get_plain(ci_dnnl *d, ci_plan *p, int v, dnnl_memory_t *out,
                                 const char *where, ci_err *err)
{
    if (d->vals[v].alias >= 0)
        v = d->vals[v].alias;
    if (!d->vals[v].plain) {
        dnnl_memory_desc_t md;
        cxrinfer_status st;
        if (!p->vals[v].data && (st = ci_tensor_alloc(&p->vals[v], err)))
            return st;
        if ((st = plain_md(&p->vals[v], &md, where, err)))
            return st;
        DN(dnnl_memory_create(&d->vals[v].plain, &md, d->eng, p->vals[v].data), "memory");
    }
    *out = d->vals[v].plain;
    return CXRINFER_OK;
}

static cxrinfer_status add_reorder(ci_dnnl *d, dnnl_memory_t from, dnnl_memory_t to,
                                   const char *where, ci_err *err)
{
    const dnnl_memory_desc_t *src, *dst;
    dnnl_primitive_desc_t pd;
    DN(dnnl_memory_get_memory_desc(from, &src), "memory query");
    DN(dnnl_memory_get_memory_desc(to, &dst), "memory query");
    dstep *s = add_step(d);
    if (!s)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    s->kind = STEP_PRIM;
    s->node = -1;
    DN(dnnl_reorder_primitive_desc_create(&pd, src, d->eng, dst, d->eng, NULL), "reorder");
    dnnl_status_t rs = dnnl_primitive_create(&s->prim, pd);
    dnnl_primitive_desc_destroy(pd);
    DN(rs, "reorder");
    s->nargs = 2;
    s->args[0] = (dnnl_exec_arg_t){DNNL_ARG_FROM, from};
    s->args[1] = (dnnl_exec_arg_t){DNNL_ARG_TO, to};
    return CXRINFER_OK;
}

/* A memory holding value v in format 'want', adding a reorder if needed. */
static cxrinfer_status get_input(ci_dnnl *d, ci_plan *p, int v, const dnnl_memory_desc_t *want,
                                 dnnl_memory_t *out, const char *where, ci_err *err)
{
    const dnnl_memory_desc_t *have;
    dval *dv = &d->vals[d->vals[v].alias >= 0 ? d->vals[v].alias : v];
    cxrinfer_status st;
    dnnl_memory_t src;
    if (!dv->prim && (st = get_plain(d, p, v, &src, where, err)))
        return st;
    dnnl_memory_t cands[3] = {dv->prim, dv->plain, dv->alt};
    for (int i = 0; i < 3; i++) {
        if (!cands[i])
            continue;
        DN(dnnl_memory_get_memory_desc(cands[i], &have), "memory query");
        if (dnnl_memory_desc_equal(have, want)) {
            *out = cands[i];
            return CXRINFER_OK;
        }
    }
    if (dv->prim)
        src = dv->prim;
    else if ((st = get_plain(d, p, v, &src, where, err)))
        return st;
    if (dv->alt) /* a second format for one value: rare; replace the first */
        keep_mem(d, dv->alt);
    DN(dnnl_memory_create(&dv->alt, want, d->eng, DNNL_MEMORY_ALLOCATE), "memory");
    *out = dv->alt;
    return add_reorder(d, src, dv->alt, where, err);
}

/* Makes the output memory of a primitive for value v in format 'md'. */
static cxrinfer_status set_output(ci_dnnl *d, ci_plan *p, int v, const dnnl_memory_desc_t *md,
                                  dnnl_memory_t *out, const char *where, ci_err *err)
{
    dnnl_memory_desc_t pm;
    cxrinfer_status st = plain_md(&p->vals[v], &pm, where, err);
    if (st)
        return st;
    if (dnnl_memory_desc_equal(&pm, md)) {
        if ((st = get_plain(d, p, v, out, where, err)))
            return st;
        d->vals[v].prim = *out;
        return CXRINFER_OK;
    }
    DN(dnnl_memory_create(&d->vals[v].prim, md, d->eng, DNNL_MEMORY_ALLOCATE), "memory");
    *out = d->vals[v].prim;
    return CXRINFER_OK;
}

/* After a primitive wrote value v: a reorder to plain if someone needs it. */
static cxrinfer_status publish(ci_dnnl *d, ci_plan *p, int v, const char *where, ci_err *err)
{
    dnnl_memory_t pl;
    cxrinfer_status st;
    if (!d->vals[v].need_plain || d->vals[v].plain)
        return CXRINFER_OK;
    if ((st = get_plain(d, p, v, &pl, where, err)))
        return st;
    return add_reorder(d, d->vals[v].prim, pl, where, err);
}

/* Creates the primitive of 'desc' and its step; pd is returned for queries. */
static cxrinfer_status make_prim(ci_dnnl *d, const void *desc, const_dnnl_primitive_attr_t attr,
                                 dnnl_primitive_desc_t *pd, const char *where, ci_err *err)
{
    DN(dnnl_primitive_desc_create(pd, (const_dnnl_op_desc_t)desc, attr, d->eng, NULL),
       "primitive descriptor");
    return CXRINFER_OK;
}

static cxrinfer_status finish_prim(ci_dnnl *d, dnnl_primitive_desc_t pd, int node, int nargs,
                                   const dnnl_exec_arg_t *args, const char *where, ci_err *err)
{
    dstep *s = add_step(d);
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    s->kind = STEP_PRIM;
    s->node = node;
    s->nargs = nargs;
    memcpy(s->args, args, (size_t)nargs * sizeof(*args));
    dnnl_status_t rs = dnnl_primitive_create(&s->prim, pd);
    dnnl_primitive_desc_destroy(pd);
    if (rs != dnnl_success)
        s->kind = STEP_SKIP;
    DN(rs, "primitive creation");
    return CXRINFER_OK;
}

/* Reorders constant data (weights) once, now, into format 'want'. */
static cxrinfer_status const_into(ci_dnnl *d, const ci_tensor *t, const dnnl_memory_desc_t *src_md,
                                  const dnnl_memory_desc_t *want, dnnl_memory_t *out,
                                  const char *where, ci_err *err)
{
    dnnl_memory_t src;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t r;
    DN(dnnl_memory_create(&src, src_md, d->eng, t->data), "memory");
    DN(dnnl_memory_create(out, want, d->eng, DNNL_MEMORY_ALLOCATE), "memory");
    if (keep_mem(d, *out) || keep_mem(d, src))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    DN(dnnl_reorder_primitive_desc_create(&pd, src_md, d->eng, want, d->eng, NULL), "reorder");
    dnnl_status_t rs = dnnl_primitive_create(&r, pd);
    dnnl_primitive_desc_destroy(pd);
    DN(rs, "reorder");
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, *out}};
    rs = dnnl_primitive_execute(r, d->stream, 2, args);
    if (rs == dnnl_success)
        rs = dnnl_stream_wait(d->stream);
    dnnl_primitive_destroy(r);
    DN(rs, "weight reorder");
    return CXRINFER_OK;
}

/* The Relu that may be fused into node k's primitive, or -1. */
static int fusable_relu(const ci_graph *g, const ci_plan *p, ci_dnnl *d, int step_index)
{
    const ci_node *n = &g->nodes[p->steps[step_index]];
    int v = n->out[0];
    if (p->keep[v] || d->vals[v].consumers != 1)
        return -1;
    for (int s = step_index + 1; s < p->n_steps; s++) {
        const ci_node *m = &g->nodes[p->steps[s]];
        for (int j = 0; j < m->n_in; j++)
            if (m->in[j] == v)
                return m->op == CI_OP_RELU ? s : -1;
    }
    return -1;
}

static cxrinfer_status relu_attr(dnnl_primitive_attr_t *attr, int fuse, const char *where,
                                 ci_err *err)
{
    dnnl_post_ops_t po;
    *attr = NULL;
    if (!fuse)
        return CXRINFER_OK;
    DN(dnnl_primitive_attr_create(attr), "attribute");
    DN(dnnl_post_ops_create(&po), "post-ops");
    dnnl_status_t s = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    if (s == dnnl_success)
        s = dnnl_primitive_attr_set_post_ops(*attr, po);
    dnnl_post_ops_destroy(po);
    DN(s, "post-ops");
    return CXRINFER_OK;
}

/* Marks a fused Relu as skipped and makes its output share the producer's. */
static void fuse_relu(ci_dnnl *d, const ci_graph *g, const ci_plan *p, int relu_step, int v,
                      int *skip)
{
    int rv = g->nodes[p->steps[relu_step]].out[0];
    d->vals[v].alias = -1;
    d->vals[rv].alias = v;
    d->vals[v].need_plain |= d->vals[rv].need_plain;
    skip[relu_step] = 1;
}

/* The descriptors of one convolution: formats 'any' for oneDNN to choose,
 * the plain formats of the constant weights and bias. */
typedef struct conv_mds {
    dnnl_memory_desc_t src, w, w_plain, b, dst;
    dnnl_dims_t strides, dil, pl, pr;
    int winograd_ok;          /* 3x3, stride 1, no dilation, one group */
} conv_mds;

static cxrinfer_status conv_descs(const ci_node *n, const ci_tensor *x, const ci_tensor *w,
                                  conv_mds *c, const char *where, ci_err *err)
{
    ci_window win;
    cxrinfer_status st = ci_window_resolve(n, x, w->dims + 2, &win, err);
    if (st)
        return st;
    int64_t G = ci_attr_int(n, "group", 1), OC = w->dims[0];
    dnnl_dims_t sd = {x->dims[0], x->dims[1], x->dims[2], x->dims[3]};
    dnnl_dims_t dd = {x->dims[0], OC, win.out[0], win.out[1]};
    dnnl_dims_t wg = {G, OC / G, w->dims[1], w->dims[2], w->dims[3]};
    dnnl_dims_t w1 = {OC, w->dims[1], w->dims[2], w->dims[3]};
    dnnl_dims_t bd = {OC};
    int gi = G > 1;
    for (int i = 0; i < 2; i++) {
        c->strides[i] = win.stride[i];
        c->dil[i] = win.dilation[i] - 1;
        c->pl[i] = win.pad_lo[i];
        c->pr[i] = win.pad_hi[i];
    }
    c->winograd_ok = !gi && w1[2] == 3 && w1[3] == 3 && win.stride[0] == 1 &&
                     win.stride[1] == 1 && win.dilation[0] == 1 && win.dilation[1] == 1;
    DN(dnnl_memory_desc_init_by_tag(&c->src, 4, sd, dnnl_f32, dnnl_format_tag_any), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->dst, 4, dd, dnnl_f32, dnnl_format_tag_any), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->w, 4 + gi, gi ? wg : w1, dnnl_f32, dnnl_format_tag_any),
       "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->w_plain, 4 + gi, gi ? wg : w1, dnnl_f32,
                                    gi ? dnnl_goihw : dnnl_oihw), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->b, 1, bd, dnnl_f32, dnnl_a), "descriptor");
    return CXRINFER_OK;
}

/* Winograd F(4x4,3x3) where oneDNN has it (AVX-512; about twice as fast on
 * VGG), direct convolution otherwise or when the option is off. */
static cxrinfer_status conv_pd(ci_dnnl *d, conv_mds *c, int has_bias,
                               const_dnnl_primitive_attr_t attr, dnnl_primitive_desc_t *pd,
                               const char *where, ci_err *err)
{
    dnnl_convolution_desc_t cd;
    const dnnl_memory_desc_t *b = has_bias ? &c->b : NULL;
    *pd = NULL;
    if (d->winograd && c->winograd_ok &&
        dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                                   dnnl_convolution_winograd, &c->src, &c->w, b,
                                                   &c->dst, c->strides, c->dil, c->pl,
                                                   c->pr) == dnnl_success &&
        dnnl_primitive_desc_create(pd, &cd, attr, d->eng, NULL) == dnnl_success)
        return CXRINFER_OK;
    *pd = NULL;
    DN(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                                  dnnl_convolution_direct, &c->src, &c->w, b,
                                                  &c->dst, c->strides, c->dil, c->pl, c->pr),
       "convolution descriptor");
    return make_prim(d, &cd, attr, pd, where, err);
}

static cxrinfer_status build_conv(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si, int *skip,
                                  const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *w = &p->vals[n->in[1]];
    const ci_tensor *b = n->n_in > 2 && n->in[2] >= 0 ? &p->vals[n->in[2]] : NULL;
    int out = n->out[0], relu = fusable_relu(g, p, d, si);
    conv_mds c;
    dnnl_primitive_attr_t attr;
    dnnl_primitive_desc_t pd;
    cxrinfer_status st = conv_descs(n, &p->vals[n->in[0]], w, &c, where, err);
    if (st || (st = relu_attr(&attr, relu >= 0, where, err)))
        return st;
    st = conv_pd(d, &c, b != NULL, attr, &pd, where, err);
    dnnl_primitive_attr_destroy(attr);
    if (st)
        return st;
    dnnl_memory_t src, wm, bm = NULL, dst;
    const dnnl_memory_desc_t *q_src = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *q_w = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *q_dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if ((st = get_input(d, p, n->in[0], q_src, &src, where, err)) ||
        (st = const_into(d, w, &c.w_plain, q_w, &wm, where, err)) ||
        (b && (st = const_into(d, b, &c.b, &c.b, &bm, where, err))) ||
        (st = set_output(d, p, out, q_dst, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst},
                               {DNNL_ARG_BIAS, bm}};
    if (relu >= 0)
        fuse_relu(d, g, p, relu, out, skip);
    if ((st = finish_prim(d, pd, p->steps[si], b ? 4 : 3, args, where, err)))
        return st;
    return publish(d, p, out, where, err);
}

static cxrinfer_status build_pool(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si,
                                  const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *x = &p->vals[n->in[0]];
    int out = n->out[0];
    ci_window win;
    cxrinfer_status st;
    if (n->op == CI_OP_GLOBALAVGPOOL) {
        memset(&win, 0, sizeof(win));
        win.nd = 2;
        win.kernel[0] = x->dims[2], win.kernel[1] = x->dims[3];
        win.stride[0] = win.stride[1] = win.dilation[0] = win.dilation[1] = 1;
        win.out[0] = win.out[1] = 1;
    } else if ((st = ci_window_resolve(n, x, NULL, &win, err))) {
        return st;
    }
    dnnl_dims_t pr;
    for (int i = 0; i < 2; i++) /* ceil_mode: widen the right pad to fit the output */
        pr[i] = (win.out[i] - 1) * win.stride[i] + (win.kernel[i] - 1) * win.dilation[i] + 1 -
                x->dims[2 + i] - win.pad_lo[i];
    dnnl_alg_kind_t alg = n->op == CI_OP_MAXPOOL ? dnnl_pooling_max
                        : win.count_include_pad ? dnnl_pooling_avg_include_padding
                                                : dnnl_pooling_avg_exclude_padding;
    dnnl_dims_t dd = {x->dims[0], x->dims[1], win.out[0], win.out[1]};
    dnnl_dims_t strides = {win.stride[0], win.stride[1]}, kern = {win.kernel[0], win.kernel[1]};
    dnnl_dims_t dil = {win.dilation[0] - 1, win.dilation[1] - 1};
    dnnl_dims_t pl = {win.pad_lo[0], win.pad_lo[1]};
    dnnl_memory_desc_t src_md, dst_any;
    const dnnl_memory_desc_t *have;
    dval *dv = &d->vals[d->vals[n->in[0]].alias >= 0 ? d->vals[n->in[0]].alias : n->in[0]];
    if (dv->prim) {
        DN(dnnl_memory_get_memory_desc(dv->prim, &have), "memory query");
        src_md = *have;
    } else {
        /* pooling on plain NCHW is oneDNN's slow reference kernel: a reorder
         * to a blocked format (or NHWC) and the JIT kernel cost far less */
        dnnl_dims_t sd = {x->dims[0], x->dims[1], x->dims[2], x->dims[3]};
        DN(dnnl_memory_desc_init_by_tag(&src_md, 4, sd, dnnl_f32,
                                        x->dims[1] % 16 ? dnnl_acdb : dnnl_aBcd16b),
           "descriptor");
    }
    DN(dnnl_memory_desc_init_by_tag(&dst_any, 4, dd, dnnl_f32, dnnl_format_tag_any), "descriptor");
    dnnl_pooling_v2_desc_t pdsc;
    DN(dnnl_pooling_v2_forward_desc_init(&pdsc, dnnl_forward_inference, alg, &src_md, &dst_any,
                                         strides, kern, dil, pl, pr), "pooling descriptor");
    dnnl_primitive_desc_t pd;
    if ((st = make_prim(d, &pdsc, NULL, &pd, where, err)))
        return st;
    dnnl_memory_t src, dst;
    const dnnl_memory_desc_t *q_src = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *q_dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if ((st = get_input(d, p, n->in[0], q_src, &src, where, err)) ||
        (st = set_output(d, p, out, q_dst, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    if ((st = finish_prim(d, pd, p->steps[si], 2, args, where, err)))
        return st;
    return publish(d, p, out, where, err);
}

static cxrinfer_status build_relu(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si,
                                  const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    dval *dv = &d->vals[d->vals[n->in[0]].alias >= 0 ? d->vals[n->in[0]].alias : n->in[0]];
    const dnnl_memory_desc_t *md;
    dnnl_eltwise_desc_t ed;
    dnnl_primitive_desc_t pd;
    dnnl_memory_t dst;
    cxrinfer_status st;
    DN(dnnl_memory_get_memory_desc(dv->prim, &md), "memory query");
    DN(dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, dnnl_eltwise_relu, md, 0, 0),
       "eltwise descriptor");
    if ((st = make_prim(d, &ed, NULL, &pd, where, err)))
        return st;
    const dnnl_memory_desc_t *q_dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if ((st = set_output(d, p, n->out[0], q_dst, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, dv->prim}, {DNNL_ARG_DST, dst}};
    if ((st = finish_prim(d, pd, p->steps[si], 2, args, where, err)))
        return st;
    return publish(d, p, n->out[0], where, err);
}

/* x (oneDNN memory, 4-D) times or plus a constant per-channel tensor
 * ([1,C,1,1] or [C,1,1]: Keras BatchNormalization after an activation, as
 * tf2onnx exports it): a binary primitive in x's own format. */
static int per_channel_const(const ci_plan *p, const ci_node *n)
{
    const ci_tensor *x = &p->vals[n->in[0]], *c = &p->vals[n->in[1]];
    if (x->rank != 4 || !p->is_const[n->in[1]] || c->dtype != CXRINFER_FLOAT ||
        c->count != (size_t)x->dims[1] || c->rank < 3 || c->rank > 4)
        return 0;
    for (int i = 0; i < c->rank; i++)
        if (c->dims[i] != (i == c->rank - 3 ? x->dims[1] : 1))
            return 0;
    return 1;
}

static cxrinfer_status build_binary(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si,
                                    const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    dval *dv = &d->vals[d->vals[n->in[0]].alias >= 0 ? d->vals[n->in[0]].alias : n->in[0]];
    const ci_tensor *c = &p->vals[n->in[1]];
    const dnnl_memory_desc_t *md;
    dnnl_memory_desc_t c_md, c_any;
    dnnl_dims_t cd = {1, p->vals[n->in[0]].dims[1], 1, 1};
    dnnl_binary_desc_t bd;
    dnnl_primitive_desc_t pd;
    dnnl_memory_t cm, dst;
    cxrinfer_status st;
    DN(dnnl_memory_get_memory_desc(dv->prim, &md), "memory query");
    DN(dnnl_memory_desc_init_by_tag(&c_md, 4, cd, dnnl_f32, dnnl_abcd), "descriptor");
    /* the constant in x's own layout, so that the JIT kernel takes it */
    static const dnnl_format_tag_t tags[] = {dnnl_aBcd16b, dnnl_aBcd8b, dnnl_acdb, dnnl_abcd};
    dnnl_format_tag_t tag = dnnl_abcd;
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
        dnnl_memory_desc_t probe;
        dnnl_dims_t xd = {md->dims[0], md->dims[1], md->dims[2], md->dims[3]};
        if (dnnl_memory_desc_init_by_tag(&probe, 4, xd, dnnl_f32, tags[i]) == dnnl_success &&
            dnnl_memory_desc_equal(&probe, md)) {
            tag = tags[i];
            break;
        }
    }
    DN(dnnl_memory_desc_init_by_tag(&c_any, 4, cd, dnnl_f32, tag), "descriptor");
    DN(dnnl_binary_desc_init(&bd, n->op == CI_OP_MUL ? dnnl_binary_mul : dnnl_binary_add, md,
                             &c_any, md), "binary descriptor");
    if ((st = make_prim(d, &bd, NULL, &pd, where, err)))
        return st;
    const dnnl_memory_desc_t *q_c = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 1);
    if ((st = const_into(d, c, &c_md, q_c, &cm, where, err)) ||
        (st = set_output(d, p, n->out[0], md, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC_0, dv->prim}, {DNNL_ARG_SRC_1, cm},
                               {DNNL_ARG_DST, dst}};
    if ((st = finish_prim(d, pd, p->steps[si], 3, args, where, err)))
        return st;
    return publish(d, p, n->out[0], where, err);
}

/* Gemm (alpha 1, beta 1, no transA) or MatMul, 2-D, constant weights. */
static cxrinfer_status build_dense(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si, int *skip,
                                   const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *a = &p->vals[n->in[0]], *w = &p->vals[n->in[1]];
    const ci_tensor *c = n->op == CI_OP_GEMM && n->n_in > 2 && n->in[2] >= 0 ? &p->vals[n->in[2]]
                                                                            : NULL;
    int tb = n->op == CI_OP_GEMM && ci_attr_int(n, "transB", 0);
    int64_t M = a->dims[0], K = a->dims[1], N = p->vals[n->out[0]].dims[1];
    dnnl_dims_t ad = {M, K}, wd = {K, N}, od = {M, N}, bd = {1, N};
    dnnl_memory_desc_t a_md, w_plain, w_any, b_md, o_md;
    DN(dnnl_memory_desc_init_by_tag(&a_md, 2, ad, dnnl_f32, dnnl_ab), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&w_plain, 2, wd, dnnl_f32, tb ? dnnl_ba : dnnl_ab), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&w_any, 2, wd, dnnl_f32, dnnl_format_tag_any), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&b_md, 2, bd, dnnl_f32, dnnl_ab), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&o_md, 2, od, dnnl_f32, dnnl_ab), "descriptor");
    dnnl_matmul_desc_t md;
    DN(dnnl_matmul_desc_init(&md, &a_md, &w_any, c ? &b_md : NULL, &o_md), "matmul descriptor");
    int relu = fusable_relu(g, p, d, si);
    dnnl_primitive_attr_t attr;
    dnnl_primitive_desc_t pd;
    cxrinfer_status st = relu_attr(&attr, relu >= 0, where, err);
    if (st)
        return st;
    st = make_prim(d, &md, attr, &pd, where, err);
    dnnl_primitive_attr_destroy(attr);
    if (st)
        return st;
    dnnl_memory_t src, wm, bm = NULL, dst;
    const dnnl_memory_desc_t *q_w = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if ((st = get_input(d, p, n->in[0], &a_md, &src, where, err)) ||
        (st = const_into(d, w, &w_plain, q_w, &wm, where, err)) ||
        (c && (st = const_into(d, c, &b_md, &b_md, &bm, where, err))) ||
        (st = set_output(d, p, n->out[0], &o_md, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst},
                               {DNNL_ARG_BIAS, bm}};
    if (relu >= 0)
        fuse_relu(d, g, p, relu, n->out[0], skip);
    return finish_prim(d, pd, p->steps[si], c ? 4 : 3, args, where, err);
}

/* Which oneDNN builder takes step si, or 0 for the reference kernel. */
static int dnnl_kind(const ci_dnnl *d, const ci_graph *g, const ci_plan *p, int si)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *x = &p->vals[n->in[0]];
    if (x->dtype != CXRINFER_FLOAT || x->count == 0)
        return 0;
    switch (n->op) {
    case CI_OP_CONV:
        return x->rank == 4 && p->is_const[n->in[1]] &&
               (n->n_in < 3 || n->in[2] < 0 || p->is_const[n->in[2]]) ? 1 : 0;
    case CI_OP_MAXPOOL:
    case CI_OP_AVGPOOL: {
        ci_window w;
        if (x->rank != 4 || ci_window_resolve(n, x, NULL, &w, NULL))
            return 0;
        for (int i = 0; i < 2; i++) /* ceil_mode with a counted pad: ONNX clips, oneDNN not */
            if (w.count_include_pad && n->op == CI_OP_AVGPOOL &&
                (w.out[i] - 1) * w.stride[i] + w.kernel[i] > x->dims[2 + i] + w.pad_lo[i] + w.pad_hi[i])
                return 0;
        return 2;
    }
    case CI_OP_GLOBALAVGPOOL: return x->rank == 4 ? 2 : 0;
    case CI_OP_RELU: /* on oneDNN memory only: a primitive made its input */
        return d->dnnl_made[n->in[0]] ? 3 : 0;
    case CI_OP_MUL:
    case CI_OP_ADD:
        return d->dnnl_made[n->in[0]] && per_channel_const(p, n) ? 5 : 0;
    case CI_OP_GEMM:
        if (ci_attr_int(n, "transA", 0) || ci_attr_float(n, "alpha", 1.0f) != 1.0f ||
            ci_attr_float(n, "beta", 1.0f) != 1.0f)
            return 0;
        if (n->n_in > 2 && n->in[2] >= 0) {
            const ci_tensor *c = &p->vals[n->in[2]];
            int64_t N = p->vals[n->out[0]].dims[1];
            if (!p->is_const[n->in[2]] || c->count != (size_t)N ||
                (c->rank == 2 && c->dims[0] != 1) || c->rank > 2)
                return 0;
        }
        /* fall through */
    case CI_OP_MATMUL:
        return x->rank == 2 && p->vals[n->in[1]].rank == 2 && p->is_const[n->in[1]] ? 4 : 0;
    default: return 0;
    }
}

/* A Transpose NHWC -> NCHW (perm 0,3,1,2) whose result only oneDNN reads
 * costs nothing: the NHWC data is the NCHW tensor in format 'acdb'. */
static int is_view_transpose(const ci_dnnl *d, const ci_graph *g, const ci_plan *p, int si)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    int64_t perm[CXRINFER_MAX_RANK + 1];
    const ci_tensor *x = &p->vals[n->in[0]];
    return n->op == CI_OP_TRANSPOSE && x->rank == 4 && x->dtype == CXRINFER_FLOAT &&
           ci_attr_ints(n, "perm", perm, CXRINFER_MAX_RANK + 1) == 4 && perm[0] == 0 &&
           perm[1] == 3 && perm[2] == 1 && perm[3] == 2 && !d->dnnl_made[n->in[0]] &&
           !d->vals[n->out[0]].need_plain && n->out[0] >= 0 && !p->keep[n->out[0]];
}

static cxrinfer_status build_view(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si,
                                  const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *y = &p->vals[n->out[0]];
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {y->dims[0], y->dims[1], y->dims[2], y->dims[3]};
    cxrinfer_status st;
    if (!p->vals[n->in[0]].data && (st = ci_tensor_alloc(&p->vals[n->in[0]], err)))
        return st;
    DN(dnnl_memory_desc_init_by_tag(&md, 4, dims, dnnl_f32, dnnl_acdb), "descriptor");
    DN(dnnl_memory_create(&d->vals[n->out[0]].prim, &md, d->eng, p->vals[n->in[0]].data),
       "memory");
    return CXRINFER_OK;
}

static cxrinfer_status build_ref(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    dstep *s = add_step(d);
    if (!s)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    s->kind = STEP_REF;
    s->node = p->steps[si];
    for (int j = 0; j < n->n_out; j++) {
        cxrinfer_status st;
        if (n->out[j] >= 0 && !p->vals[n->out[j]].data &&
            (st = ci_tensor_alloc(&p->vals[n->out[j]], err)))
            return st;
    }
    return CXRINFER_OK;
}

static cxrinfer_status build_all(ci_dnnl *d, const ci_graph *g, ci_plan *p, int *skip,
                                 ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    for (int i = 0; i < g->n_inputs && st == CXRINFER_OK; i++)
        if (!p->is_const[g->inputs[i]])
            st = ci_tensor_alloc(&p->vals[g->inputs[i]], err);
    for (int si = 0; si < p->n_steps && st == CXRINFER_OK; si++) {
        const ci_node *n = &g->nodes[p->steps[si]];
        char where[300];
        ci_node_label(n, where, sizeof where);
        if (skip[si])
            continue;
        if (is_view_transpose(d, g, p, si)) {
            st = build_view(d, g, p, si, where, err);
            continue;
        }
        switch (dnnl_kind(d, g, p, si)) {
        case 1: st = build_conv(d, g, p, si, skip, where, err); break;
        case 2: st = build_pool(d, g, p, si, where, err); break;
        case 3: st = build_relu(d, g, p, si, where, err); break;
        case 5: st = build_binary(d, g, p, si, where, err); break;
        case 4:
            st = build_dense(d, g, p, si, skip, where, err);
            if (st == CXRINFER_OK)
                st = publish(d, p, n->out[0], where, err);
            break;
        default: st = build_ref(d, g, p, si, err); break;
        }
    }
    return st;
}

/* Decides, before any builder runs, which step runs where, and so which
 * values a reference step or the caller reads (they need a plain copy). */
static void place_steps(ci_dnnl *d, const ci_graph *g, const ci_plan *p)
{
    for (int v = 0; v < g->n_values; v++) {
        d->vals[v].alias = -1;
        d->vals[v].need_plain = p->keep[v];
    }
    for (int si = 0; si < p->n_steps; si++) {
        const ci_node *n = &g->nodes[p->steps[si]];
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0)
                d->vals[n->in[j]].consumers++;
    }
    for (int si = 0; si < p->n_steps; si++) {
        const ci_node *n = &g->nodes[p->steps[si]];
        int k = dnnl_kind(d, g, p, si);
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0 && (k == 0 || j > 0))
                d->vals[n->in[j]].need_plain = 1;
        for (int j = 0; k && j < n->n_out; j++)
            if (n->out[j] >= 0)
                d->dnnl_made[n->out[j]] = 1;
    }
}

static cxrinfer_status build_steps(ci_dnnl *d, const ci_graph *g, ci_plan *p, ci_err *err)
{
    int *skip = calloc((size_t)p->n_steps + 1, sizeof(int));
    if (!skip)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    int caller_threads = omp_get_max_threads();
    if (d->threads > 0)
        omp_set_num_threads(d->threads);
    cxrinfer_status st = build_all(d, g, p, skip, err);
    omp_set_num_threads(caller_threads); /* the caller's own OpenMP setting */
    free(skip);
    /* graph outputs that are fused Relu outputs get their own copy */
    for (int i = 0; i < g->n_outputs && st == CXRINFER_OK; i++) {
        int v = g->outputs[i];
        if (d->vals[v].alias >= 0 && !p->vals[v].data)
            st = ci_tensor_alloc(&p->vals[v], err);
    }
    return st;
}

cxrinfer_status ci_dnnl_create(const ci_graph *g, ci_plan *p, int threads, int winograd,
                               ci_dnnl **out, ci_err *err)
{
    ci_dnnl *d = calloc(1, sizeof(*d));
    *out = NULL;
    if (!d || !(d->vals = calloc((size_t)g->n_values + 1, sizeof(dval))) ||
        !(d->dnnl_made = calloc((size_t)g->n_values + 1, 1))) {
        ci_dnnl_free(d);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    d->n_vals = g->n_values;
    d->threads = threads;
    d->winograd = winograd;
    place_steps(d, g, p);
    cxrinfer_status st = CXRINFER_OK;
    dnnl_status_t s = dnnl_engine_create(&d->eng, dnnl_cpu, 0);
    if (s == dnnl_success)
        s = dnnl_stream_create(&d->stream, d->eng, dnnl_stream_default_flags);
    if (s != dnnl_success)
        st = ci_fail(err, CXRINFER_ERR_BACKEND, "oneDNN: engine creation failed (status %d)",
                     (int)s);
    if (st == CXRINFER_OK)
        st = build_steps(d, g, p, err);
    if (st != CXRINFER_OK) {
        ci_dnnl_free(d);
        return st;
    }
    *out = d;
    return CXRINFER_OK;
}

static cxrinfer_status run_steps(ci_dnnl *d, const ci_graph *g, ci_plan *p,
                                 const ci_tensor *const *inputs, ci_err *err);

cxrinfer_status ci_dnnl_run(ci_dnnl *d, const ci_graph *g, ci_plan *p,
                            const ci_tensor *const *inputs, ci_err *err)
{
    int caller_threads = omp_get_max_threads();
    if (d->threads > 0)
        omp_set_num_threads(d->threads);
    cxrinfer_status st = run_steps(d, g, p, inputs, err);
    omp_set_num_threads(caller_threads); /* the caller's own OpenMP setting */
    return st;
}

static cxrinfer_status run_steps(ci_dnnl *d, const ci_graph *g, ci_plan *p,
                                 const ci_tensor *const *inputs, ci_err *err)
{
    const char *where = "oneDNN";
    for (int i = 0; i < g->n_inputs; i++) {
        ci_tensor *t = &p->vals[g->inputs[i]];
        if (t->count && !p->is_const[g->inputs[i]])
            memcpy(t->data, inputs[i]->data, t->count * ci_tensor_elem_size(t->dtype));
    }
    for (int k = 0; k < d->n_steps; k++) {
        dstep *s = &d->steps[k];
        if (s->kind == STEP_PRIM) {
            DN(dnnl_primitive_execute(s->prim, d->stream, s->nargs, s->args), "execution");
            continue;
        }
        if (s->kind != STEP_REF)
            continue;
        /* a reference step reads plain data: wait for the primitives before it */
        DN(dnnl_stream_wait(d->stream), "stream wait");
        const ci_node *n = &g->nodes[s->node];
        ci_tensor *in[16] = {0}, *out[8] = {0}, scratch[8];
        memset(scratch, 0, sizeof(scratch));
        for (int j = 0; j < n->n_in && j < 16; j++)
            in[j] = n->in[j] >= 0 ? &p->vals[d->vals[n->in[j]].alias >= 0 ? d->vals[n->in[j]].alias
                                                                           : n->in[j]]
                                  : NULL;
        for (int j = 0; j < n->n_out && j < 8; j++)
            out[j] = n->out[j] >= 0 ? &p->vals[n->out[j]] : &scratch[j];
        ci_ref_exec(g, n, in, out);
    }
    DN(dnnl_stream_wait(d->stream), "stream wait");
    /* graph outputs that are fused Relu outputs live in their producer's data */
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i], a = d->vals[v].alias;
        if (a >= 0 && p->vals[v].count)
            memcpy(p->vals[v].data, p->vals[a].data, p->vals[v].count * sizeof(float));
    }
    return CXRINFER_OK;
}

void ci_dnnl_free(ci_dnnl *d)
{
    if (!d)
        return;
    for (int k = 0; k < d->n_steps; k++)
        if (d->steps[k].prim)
            dnnl_primitive_destroy(d->steps[k].prim);
    for (int v = 0; v < d->n_vals; v++) {
        dval *dv = &d->vals[v];
        if (dv->prim && dv->prim != dv->plain)
            dnnl_memory_destroy(dv->prim);
        if (dv->plain)
            dnnl_memory_destroy(dv->plain);
        if (dv->alt)
            dnnl_memory_destroy(dv->alt);
    }
    for (int i = 0; i < d->n_owned; i++)
        dnnl_memory_destroy(d->owned[i]);
    if (d->stream)
        dnnl_stream_destroy(d->stream);
    if (d->eng)
        dnnl_engine_destroy(d->eng);
    free(d->steps);
    free(d->vals);
    free(d->dnnl_made);
    free(d->owned);
    free(d);
}
