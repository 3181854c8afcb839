/* dnnl_backend.c: the oneDNN path's steps. For one plan it builds a list
 * of steps: Conv (with a fused Relu), pooling, Relu, per-channel Mul/Add
 * and Gemm/MatMul with constant weights run as oneDNN primitives on the
 * memory formats oneDNN picks (format_tag any, so activations stay blocked
 * between them); every other op runs as the reference kernel on plain
 * row-major data, with reorders only where a tensor crosses between the
 * two. Where the data lives (the arena, the constants) is dnnl_memory.c;
 * every oneDNN call of the engine is in these two files. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "dnnl_internal.h"

int ci_dnnl_available(void)
{
    dnnl_engine_t e;
    if (dnnl_engine_get_count(dnnl_cpu) < 1 || dnnl_engine_create(&e, dnnl_cpu, 0) != dnnl_success)
        return 0;
    dnnl_engine_destroy(e);
    return 1;
}

/* The primitive descriptor of 'desc' with 'attr'. */
static cxrinfer_status make_pd(ci_dnnl *d, const void *desc, const_dnnl_primitive_attr_t attr,
                               dnnl_primitive_desc_t *pd, const char *where, ci_err *err)
{
    DN(dnnl_primitive_desc_create(pd, (const_dnnl_op_desc_t)desc, attr, d->eng, NULL),
       "primitive descriptor");
    return CXRINFER_OK;
}

/* The same with the plain attribute (our scratchpad, no post-op). */
static cxrinfer_status make_plain_pd(ci_dnnl *d, const void *desc, dnnl_primitive_desc_t *pd,
                                     const char *where, ci_err *err)
{
    dnnl_primitive_attr_t attr;
    cxrinfer_status st = ci_dn_attr(&attr, 0, where, err);
    if (st)
        return st;
    st = make_pd(d, desc, attr, pd, where, err);
    dnnl_primitive_attr_destroy(attr);
    return st;
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

/* The arena buffer of value v's oneDNN memory if no later step reads v (an
 * op may then write its output over it), else -1. */
static int dying_buf(const ci_dnnl *d, const ci_plan *p, int v, int step_index)
{
    int root = ci_dn_root(d, v);
    if (p->keep[v] || p->keep[root] || p->last_use[v] > step_index ||
        p->last_use[root] > step_index)
        return -1;
    return d->vals[root].prim_buf;
}

/* The descriptors of one convolution: formats 'any' for oneDNN to choose,
 * the plain formats of the constant weights and bias. */
typedef struct conv_mds {
    dnnl_memory_desc_t src, w, w_plain, b, dst;
    dnnl_dims_t strides, dil, pl, pr;
    int winograd_pays;        /* 3x3, stride 1, one group, and large enough */
} conv_mds;

/* Winograd F(4x4,3x3) beats direct convolution where the image is large
 * and the channels many (VGG16: every 3x3 layer from 224x224 down to
 * 28x28; at 14x14 or with 3 input channels direct is faster). */
static int winograd_pays(const ci_window *win, int64_t batch, int64_t in_channels)
{
    return win->kernel[0] == 3 && win->kernel[1] == 3 && win->stride[0] == 1 &&
           win->stride[1] == 1 && win->dilation[0] == 1 && win->dilation[1] == 1 &&
           in_channels >= 16 && batch * win->out[0] * win->out[1] >= 24 * 24;
}

/* 1 if the only reader of step si's output (through a fused Relu) is a
 * convolution that will run as Winograd: it reads blocks of 16 channels,
 * so writing them saves a reorder of the whole tensor (VGG16's first
 * layer: 12.8 MB a run). */
static int feeds_winograd(const ci_dnnl *d, const ci_graph *g, const ci_plan *p, int si)
{
    int v = g->nodes[p->steps[si]].out[0];
    for (int s = si + 1; d->winograd && s < p->n_steps; s++) {
        const ci_node *m = &g->nodes[p->steps[s]];
        if (m->n_in < 1 || m->in[0] != v)
            continue;
        if (m->op == CI_OP_RELU && d->vals[v].consumers == 1 && !p->keep[v]) {
            v = m->out[0];
            continue;
        }
        ci_window win;
        const ci_tensor *x = &p->vals[v];
        return m->op == CI_OP_CONV && d->vals[v].consumers == 1 && !p->keep[v] &&
               x->rank == 4 && m->n_in > 1 && p->is_const[m->in[1]] &&
               ci_attr_int(m, "group", 1) == 1 &&
               ci_window_resolve(m, x, p->vals[m->in[1]].dims + 2, &win, NULL) == CXRINFER_OK &&
               winograd_pays(&win, x->dims[0], x->dims[1]);
    }
    return 0;
}

static cxrinfer_status conv_descs(const ci_node *n, const ci_tensor *x, const ci_tensor *w,
                                  dnnl_format_tag_t dst_tag, conv_mds *c, const char *where,
                                  ci_err *err)
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
    c->winograd_pays = !gi && winograd_pays(&win, x->dims[0], x->dims[1]);
    DN(dnnl_memory_desc_init_by_tag(&c->src, 4, sd, dnnl_f32, dnnl_format_tag_any), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->dst, 4, dd, dnnl_f32, dst_tag), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->w, 4 + gi, gi ? wg : w1, dnnl_f32, dnnl_format_tag_any),
       "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->w_plain, 4 + gi, gi ? wg : w1, dnnl_f32,
                                    gi ? dnnl_goihw : dnnl_oihw), "descriptor");
    DN(dnnl_memory_desc_init_by_tag(&c->b, 1, bd, dnnl_f32, dnnl_a), "descriptor");
    return CXRINFER_OK;
}

/* Winograd where it pays and oneDNN has it (AVX-512), direct convolution
 * otherwise or when the option is off. The Winograd primitive is made for
 * 'forward_training': it then keeps the weights in an ordinary blocked
 * format and transforms them at each run into the arena's scratch space,
 * instead of holding them transformed, four times as large (VGG16: 60 MB
 * of weights instead of 170), and reordered at load about ten times more
 * slowly. The arithmetic is the same. */
static cxrinfer_status conv_pd(ci_dnnl *d, conv_mds *c, int has_bias,
                               const_dnnl_primitive_attr_t attr, dnnl_primitive_desc_t *pd,
                               const char *where, ci_err *err)
{
    dnnl_convolution_desc_t cd;
    const dnnl_memory_desc_t *b = has_bias ? &c->b : NULL;
    *pd = NULL;
    if (d->winograd && c->winograd_pays &&
        dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_training,
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
    return make_pd(d, &cd, attr, pd, where, err);
}

/* The convolution primitive of step si. A direct convolution feeding a
 * Winograd one writes the blocked format that one reads, where oneDNN has
 * a kernel for it; otherwise oneDNN picks the formats. */
static cxrinfer_status conv_primitive(ci_dnnl *d, const ci_graph *g, const ci_plan *p, int si,
                                      int has_b, const_dnnl_primitive_attr_t attr, conv_mds *c,
                                      dnnl_primitive_desc_t *pd, const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *x = &p->vals[n->in[0]], *w = &p->vals[n->in[1]];
    cxrinfer_status st;
    if (w->dims[0] % 16 == 0 && feeds_winograd(d, g, p, si) &&
        conv_descs(n, x, w, dnnl_aBcd16b, c, where, err) == CXRINFER_OK && !c->winograd_pays &&
        conv_pd(d, c, has_b, attr, pd, where, err) == CXRINFER_OK)
        return CXRINFER_OK;
    if ((st = conv_descs(n, x, w, dnnl_format_tag_any, c, where, err)))
        return st;
    return conv_pd(d, c, has_b, attr, pd, where, err);
}

static cxrinfer_status build_conv(ci_dnnl *d, ci_graph *g, ci_plan *p, int si, int *skip,
                                  const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    int has_b = n->n_in > 2 && n->in[2] >= 0;
    int out = n->out[0], relu = fusable_relu(g, p, d, si);
    conv_mds c;
    dnnl_primitive_attr_t attr;
    dnnl_primitive_desc_t pd;
    cxrinfer_status st = ci_dn_attr(&attr, relu >= 0, where, err);
    if (st)
        return st;
    st = conv_primitive(d, g, p, si, has_b, attr, &c, &pd, where, err);
    dnnl_primitive_attr_destroy(attr);
    if (st)
        return st;
    dnnl_memory_t src, wm, bm = NULL, dst;
    const dnnl_memory_desc_t *q_src = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *q_w = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *q_dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if ((st = ci_dn_get_input(d, p, n->in[0], q_src, &src, where, err)) ||
        (st = ci_dn_const_into(d, g, p, n->in[1], &c.w_plain, q_w, &wm, where, err)) ||
        (has_b && (st = ci_dn_const_into(d, g, p, n->in[2], &c.b, &c.b, &bm, where, err))) ||
        (st = ci_dn_set_output(d, p, out, q_dst, -1, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst},
                               {DNNL_ARG_BIAS, bm}};
    if (relu >= 0)
        fuse_relu(d, g, p, relu, out, skip);
    if ((st = ci_dn_add_prim(d, pd, p->steps[si], has_b ? 4 : 3, args, where, err)))
        return st;
    return ci_dn_publish(d, p, out, where, err);
}

/* The window of a pooling node (a global average pool: the whole image). */
static cxrinfer_status pool_window(const ci_node *n, const ci_tensor *x, ci_window *win,
                                   ci_err *err)
{
    if (n->op != CI_OP_GLOBALAVGPOOL)
        return ci_window_resolve(n, x, NULL, win, err);
    memset(win, 0, sizeof(*win));
    win->nd = 2;
    win->kernel[0] = x->dims[2], win->kernel[1] = x->dims[3];
    win->stride[0] = win->stride[1] = win->dilation[0] = win->dilation[1] = 1;
    win->out[0] = win->out[1] = 1;
    return CXRINFER_OK;
}

/* The format pooling reads x in: the producer's, else (plain NCHW would be
 * oneDNN's slow reference kernel) a blocked one or NHWC. */
static cxrinfer_status pool_src_md(ci_dnnl *d, int v, const ci_tensor *x, dnnl_memory_desc_t *md,
                                   const char *where, ci_err *err)
{
    const dnnl_memory_desc_t *have;
    dval *dv = &d->vals[ci_dn_root(d, v)];
    if (dv->prim) {
        DN(dnnl_memory_get_memory_desc(dv->prim, &have), "memory query");
        *md = *have;
        return CXRINFER_OK;
    }
    dnnl_dims_t sd = {x->dims[0], x->dims[1], x->dims[2], x->dims[3]};
    DN(dnnl_memory_desc_init_by_tag(md, 4, sd, dnnl_f32, x->dims[1] % 16 ? dnnl_acdb
                                                                         : dnnl_aBcd16b),
       "descriptor");
    return CXRINFER_OK;
}

static cxrinfer_status build_pool(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si,
                                  const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *x = &p->vals[n->in[0]];
    int out = n->out[0];
    ci_window win;
    dnnl_memory_desc_t src_md, dst_any;
    cxrinfer_status st = pool_window(n, x, &win, err);
    if (st || (st = pool_src_md(d, n->in[0], x, &src_md, where, err)))
        return st;
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
    DN(dnnl_memory_desc_init_by_tag(&dst_any, 4, dd, dnnl_f32, dnnl_format_tag_any), "descriptor");
    dnnl_pooling_v2_desc_t pdsc;
    DN(dnnl_pooling_v2_forward_desc_init(&pdsc, dnnl_forward_inference, alg, &src_md, &dst_any,
                                         strides, kern, dil, pl, pr), "pooling descriptor");
    dnnl_primitive_desc_t pd;
    if ((st = make_plain_pd(d, &pdsc, &pd, where, err)))
        return st;
    dnnl_memory_t src, dst;
    const dnnl_memory_desc_t *q_src = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *q_dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if ((st = ci_dn_get_input(d, p, n->in[0], q_src, &src, where, err)) ||
        (st = ci_dn_set_output(d, p, out, q_dst, -1, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    if ((st = ci_dn_add_prim(d, pd, p->steps[si], 2, args, where, err)))
        return st;
    return ci_dn_publish(d, p, out, where, err);
}

/* A Relu on oneDNN memory: in place when nothing reads its input later. */
static cxrinfer_status build_relu(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si,
                                  const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    dval *dv = &d->vals[ci_dn_root(d, n->in[0])];
    const dnnl_memory_desc_t *md;
    dnnl_eltwise_desc_t ed;
    dnnl_primitive_desc_t pd;
    dnnl_memory_t dst;
    cxrinfer_status st;
    DN(dnnl_memory_get_memory_desc(dv->prim, &md), "memory query");
    DN(dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, dnnl_eltwise_relu, md, 0, 0),
       "eltwise descriptor");
    if ((st = make_plain_pd(d, &ed, &pd, where, err)))
        return st;
    const dnnl_memory_desc_t *q_dst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    int share = dnnl_memory_desc_equal(q_dst, md) ? dying_buf(d, p, n->in[0], si) : -1;
    if ((st = ci_dn_set_output(d, p, n->out[0], q_dst, share, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, dv->prim}, {DNNL_ARG_DST, dst}};
    if ((st = ci_dn_add_prim(d, pd, p->steps[si], 2, args, where, err)))
        return st;
    return ci_dn_publish(d, p, n->out[0], where, err);
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

/* The constant of a binary op in x's own layout, so that the JIT kernel takes it. */
static cxrinfer_status per_channel_md(const dnnl_memory_desc_t *x_md, dnnl_memory_desc_t *c_any,
                                      const char *where, ci_err *err)
{
    static const dnnl_format_tag_t tags[] = {dnnl_aBcd16b, dnnl_aBcd8b, dnnl_acdb, dnnl_abcd};
    dnnl_format_tag_t tag = dnnl_abcd;
    dnnl_dims_t cd = {1, x_md->dims[1], 1, 1};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
        dnnl_memory_desc_t probe;
        dnnl_dims_t xd = {x_md->dims[0], x_md->dims[1], x_md->dims[2], x_md->dims[3]};
        if (dnnl_memory_desc_init_by_tag(&probe, 4, xd, dnnl_f32, tags[i]) == dnnl_success &&
            dnnl_memory_desc_equal(&probe, x_md)) {
            tag = tags[i];
            break;
        }
    }
    DN(dnnl_memory_desc_init_by_tag(c_any, 4, cd, dnnl_f32, tag), "descriptor");
    return CXRINFER_OK;
}

/* Mul or Add of a per-channel constant: in place when x dies here. */
static cxrinfer_status build_binary(ci_dnnl *d, ci_graph *g, ci_plan *p, int si,
                                    const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    dval *dv = &d->vals[ci_dn_root(d, n->in[0])];
    const dnnl_memory_desc_t *md;
    dnnl_memory_desc_t c_md, c_any;
    dnnl_dims_t cd = {1, p->vals[n->in[0]].dims[1], 1, 1};
    dnnl_binary_desc_t bd;
    dnnl_primitive_desc_t pd;
    dnnl_memory_t cm, dst;
    cxrinfer_status st;
    DN(dnnl_memory_get_memory_desc(dv->prim, &md), "memory query");
    DN(dnnl_memory_desc_init_by_tag(&c_md, 4, cd, dnnl_f32, dnnl_abcd), "descriptor");
    if ((st = per_channel_md(md, &c_any, where, err)))
        return st;
    DN(dnnl_binary_desc_init(&bd, n->op == CI_OP_MUL ? dnnl_binary_mul : dnnl_binary_add, md,
                             &c_any, md), "binary descriptor");
    if ((st = make_plain_pd(d, &bd, &pd, where, err)))
        return st;
    const dnnl_memory_desc_t *q_c = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 1);
    if ((st = ci_dn_const_into(d, g, p, n->in[1], &c_md, q_c, &cm, where, err)) ||
        (st = ci_dn_set_output(d, p, n->out[0], md, dying_buf(d, p, n->in[0], si), &dst, where,
                               err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC_0, dv->prim}, {DNNL_ARG_SRC_1, cm},
                               {DNNL_ARG_DST, dst}};
    if ((st = ci_dn_add_prim(d, pd, p->steps[si], 3, args, where, err)))
        return st;
    return ci_dn_publish(d, p, n->out[0], where, err);
}

/* Gemm (alpha 1, beta 1, no transA) or MatMul, 2-D, constant weights. */
static cxrinfer_status build_dense(ci_dnnl *d, ci_graph *g, ci_plan *p, int si, int *skip,
                                   const char *where, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    const ci_tensor *a = &p->vals[n->in[0]];
    int has_c = n->op == CI_OP_GEMM && n->n_in > 2 && n->in[2] >= 0;
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
    DN(dnnl_matmul_desc_init(&md, &a_md, &w_any, has_c ? &b_md : NULL, &o_md),
       "matmul descriptor");
    int relu = fusable_relu(g, p, d, si);
    dnnl_primitive_attr_t attr;
    dnnl_primitive_desc_t pd;
    cxrinfer_status st = ci_dn_attr(&attr, relu >= 0, where, err);
    if (st)
        return st;
    st = make_pd(d, &md, attr, &pd, where, err);
    dnnl_primitive_attr_destroy(attr);
    if (st)
        return st;
    dnnl_memory_t src, wm, bm = NULL, dst;
    const dnnl_memory_desc_t *q_w = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if ((st = ci_dn_get_input(d, p, n->in[0], &a_md, &src, where, err)) ||
        (st = ci_dn_const_into(d, g, p, n->in[1], &w_plain, q_w, &wm, where, err)) ||
        (has_c && (st = ci_dn_const_into(d, g, p, n->in[2], &b_md, &b_md, &bm, where, err))) ||
        (st = ci_dn_set_output(d, p, n->out[0], &o_md, -1, &dst, where, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst},
                               {DNNL_ARG_BIAS, bm}};
    if (relu >= 0)
        fuse_relu(d, g, p, relu, n->out[0], skip);
    if ((st = ci_dn_add_prim(d, pd, p->steps[si], has_c ? 4 : 3, args, where, err)))
        return st;
    return ci_dn_publish(d, p, n->out[0], where, err);
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
    dnnl_memory_t view;
    int buf;
    cxrinfer_status st = ci_dn_value_buf(d, p, n->in[0], &buf, err);
    if (st)
        return st;
    DN(dnnl_memory_desc_init_by_tag(&md, 4, dims, dnnl_f32, dnnl_acdb), "descriptor");
    if (buf >= 0) /* the input's buffer, seen as NCHW */
        return ci_dn_set_output(d, p, n->out[0], &md, buf, &view, where, err);
    DN(dnnl_memory_create(&d->vals[n->out[0]].prim, &md, d->eng, p->vals[n->in[0]].data),
       "memory");
    return CXRINFER_OK;
}

/* A reference kernel step: its inputs and outputs in plain buffers. */
static cxrinfer_status build_ref(ci_dnnl *d, const ci_graph *g, ci_plan *p, int si, ci_err *err)
{
    const ci_node *n = &g->nodes[p->steps[si]];
    int step = d->n_steps, buf;
    cxrinfer_status st = CXRINFER_OK;
    for (int j = 0; j < n->n_in && st == CXRINFER_OK; j++)
        if (n->in[j] >= 0 && (st = ci_dn_value_buf(d, p, ci_dn_root(d, n->in[j]), &buf, err)) == 0)
            ci_dn_touch(d, buf, step);
    for (int j = 0; j < n->n_out && st == CXRINFER_OK; j++)
        if (n->out[j] >= 0 && (st = ci_dn_value_buf(d, p, n->out[j], &buf, err)) == 0)
            ci_dn_touch(d, buf, step);
    dstep *s = st == CXRINFER_OK ? ci_dn_new_step(d) : NULL;
    if (st == CXRINFER_OK && !s)
        st = ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    if (s) {
        s->kind = STEP_REF;
        s->node = p->steps[si];
    }
    return st;
}

static cxrinfer_status build_all(ci_dnnl *d, ci_graph *g, ci_plan *p, int *skip, ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    for (int i = 0; i < g->n_inputs && st == CXRINFER_OK; i++) {
        int buf; /* the caller's input is copied in before the first step */
        if (!p->is_const[g->inputs[i]] &&
            (st = ci_dn_value_buf(d, p, g->inputs[i], &buf, err)) == CXRINFER_OK)
            ci_dn_touch(d, buf, -1);
    }
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
        case 4: st = build_dense(d, g, p, si, skip, where, err); break;
        case 5: st = build_binary(d, g, p, si, where, err); break;
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
        d->vals[v].prim_buf = d->vals[v].plain_buf = d->vals[v].alt_buf = -1;
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

static cxrinfer_status build_steps(ci_dnnl *d, ci_graph *g, ci_plan *p, ci_err *err)
{
    int *skip = calloc((size_t)p->n_steps + 1, sizeof(int));
    if (!skip)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    cxrinfer_status st = build_all(d, g, p, skip, err);
    free(skip);
    /* graph outputs that are fused Relu outputs get their own copy */
    for (int i = 0; i < g->n_outputs && st == CXRINFER_OK; i++) {
        int v = g->outputs[i];
        if (d->vals[v].alias >= 0 && !p->vals[v].data)
            st = ci_tensor_alloc(&p->vals[v], err);
    }
    if (st == CXRINFER_OK)
        st = ci_dn_place(d, g, p, err);
    return st;
}

/* Builds the steps of plan 'p'. Constants the primitives took are freed
 * from the graph as they go; on failure they are given back first. */
cxrinfer_status ci_dnnl_create(ci_graph *g, ci_plan *p, int threads, int winograd,
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
    int caller_threads = omp_get_max_threads();
    if (d->threads > 0)
        omp_set_num_threads(d->threads);
    if (st == CXRINFER_OK)
        st = build_steps(d, g, p, err);
    if (st != CXRINFER_OK) {
        ci_err restore_err;
        if (ci_dnnl_restore(d, g, &restore_err) != CXRINFER_OK)
            *err = restore_err, st = restore_err.status;
    }
    omp_set_num_threads(caller_threads); /* the caller's own OpenMP setting */
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

/* Runs a reference kernel on the plain data of its node's values. */
static void run_ref(const ci_dnnl *d, const ci_graph *g, ci_plan *p, const dstep *s)
{
    const ci_node *n = &g->nodes[s->node];
    ci_tensor *in[16] = {0}, *out[8] = {0}, scratch[8];
    memset(scratch, 0, sizeof(scratch));
    for (int j = 0; j < n->n_in && j < 16; j++)
        in[j] = n->in[j] >= 0 ? &p->vals[ci_dn_root(d, n->in[j])] : NULL;
    for (int j = 0; j < n->n_out && j < 8; j++)
        out[j] = n->out[j] >= 0 ? &p->vals[n->out[j]] : &scratch[j];
    ci_ref_exec(g, n, in, out);
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
        /* a reference step reads plain data: wait for the primitives before it */
        DN(dnnl_stream_wait(d->stream), "stream wait");
        run_ref(d, g, p, s);
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
    ci_dn_memory_free(d);
    if (d->stream)
        dnnl_stream_destroy(d->stream);
    if (d->eng)
        dnnl_engine_destroy(d->eng);
    free(d->steps);
    free(d->vals);
    free(d->dnnl_made);
    free(d);
}
