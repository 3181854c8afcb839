/* ops_ref.c: the reference path: for every supported op, a shape function
 * (checks the inputs, sets the outputs' dtype and shape) and a plain-C
 * kernel, written for clarity; the oneDNN path is checked against it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef ci_tensor *T;

static cxrinfer_status nfail(const ci_node *n, ci_err *err, cxrinfer_status st,
                             const char *fmt, ...) CI_PRINTF(4, 5);

static cxrinfer_status nfail(const ci_node *n, ci_err *err, cxrinfer_status st,
                             const char *fmt, ...)
{
    char detail[CI_MSG_MAX], lb[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return ci_fail(err, st, "%s: %s", ci_node_label(n, lb, sizeof lb), detail);
}

#define SHAPE_ERR(...) nfail(n, err, CXRINFER_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) nfail(n, err, CXRINFER_ERR_UNSUPPORTED, __VA_ARGS__)

static int64_t norm_axis(int64_t axis, int rank)
{
    return axis < 0 ? axis + rank : axis;
}

static float *F(const ci_tensor *t)
{
    return (float *)t->data;
}

static int64_t *I(const ci_tensor *t)
{
    return (int64_t *)t->data;
}

/* Checks that inputs 0..need-1 are present and float when 'flt' says so. */
static cxrinfer_status need_inputs(const ci_node *n, T *in, int need, unsigned flt_mask,
                                   ci_err *err)
{
    if (n->n_in < need)
        return SHAPE_ERR("needs %d inputs, has %d", need, n->n_in);
    for (int j = 0; j < need; j++) {
        if (!in[j])
            return SHAPE_ERR("input %d is missing", j);
        if ((flt_mask >> j & 1) && in[j]->dtype != CXRINFER_FLOAT)
            return UNSUP("input %d ('%s') is not float", j, n->in_names[j]);
    }
    return CXRINFER_OK;
}

static cxrinfer_status set_out(const ci_node *n, T out, int dtype, int rank, const int64_t *dims,
                               ci_err *err)
{
    out->dtype = dtype;
    if (ci_tensor_set_shape(out, rank, dims))
        return SHAPE_ERR("output shape is invalid or too large");
    return CXRINFER_OK;
}

/* Reads a constant int64 input (or returns -1 when absent / not known). */
static int const_ints(const ci_tensor *t, const int64_t **v, size_t *count)
{
    if (!t || !t->data || t->dtype != CXRINFER_INT64)
        return -1;
    *v = I(t);
    *count = t->count;
    return 0;
}

/* ---- Conv and pooling geometry ---- */

cxrinfer_status ci_window_resolve(const ci_node *n, const ci_tensor *x, const int64_t *kw,
                                  ci_window *w, ci_err *err)
{
    int64_t tmp[8];
    int nd = x->rank - 2;
    memset(w, 0, sizeof(*w));
    if (nd < 1 || nd > 2)
        return UNSUP("input has rank %d; only 1-D and 2-D windows are supported", x->rank);
    w->nd = nd;
    int k = ci_attr_ints(n, "kernel_shape", tmp, 8);
    if (k < 0 && !kw)
        return SHAPE_ERR("attribute 'kernel_shape' is missing");
    if (k >= 0 && k != nd)
        return SHAPE_ERR("'kernel_shape' has %d values for %d spatial dims", k, nd);
    for (int i = 0; i < nd; i++) {
        w->kernel[i] = k >= 0 ? tmp[i] : kw[i];
        w->stride[i] = w->dilation[i] = 1;
    }
    if ((k = ci_attr_ints(n, "strides", tmp, 8)) >= 0) {
        if (k != nd)
            return SHAPE_ERR("'strides' has %d values for %d spatial dims", k, nd);
        memcpy(w->stride, tmp, (size_t)nd * sizeof(int64_t));
    }
    if ((k = ci_attr_ints(n, "dilations", tmp, 8)) >= 0) {
        if (k != nd)
            return SHAPE_ERR("'dilations' has %d values for %d spatial dims", k, nd);
        memcpy(w->dilation, tmp, (size_t)nd * sizeof(int64_t));
    }
    if ((k = ci_attr_ints(n, "pads", tmp, 8)) >= 0) {
        if (k != 2 * nd)
            return SHAPE_ERR("'pads' has %d values for %d spatial dims", k, nd);
        for (int i = 0; i < nd; i++) {
            w->pad_lo[i] = tmp[i];
            w->pad_hi[i] = tmp[i + nd];
        }
    }
    w->ceil_mode = (int)ci_attr_int(n, "ceil_mode", 0);
    w->count_include_pad = (int)ci_attr_int(n, "count_include_pad", 0);
    const char *ap = ci_attr_str(n, "auto_pad", "NOTSET");
    for (int i = 0; i < nd; i++) {
        int64_t in = x->dims[2 + i], s = w->stride[i], d = w->dilation[i], kk = w->kernel[i];
        if (kk < 1 || s < 1 || d < 1 || kk > 4096 || s > 4096 || d > 4096 || w->pad_lo[i] < 0 ||
            w->pad_hi[i] < 0 || w->pad_lo[i] > 4096 || w->pad_hi[i] > 4096)
            return SHAPE_ERR("kernel, stride, dilation or pad out of range");
        int64_t dk = (kk - 1) * d + 1;
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            int64_t o = (in + s - 1) / s;
            int64_t total = (o - 1) * s + dk - in;
            total = total < 0 ? 0 : total;
            w->pad_lo[i] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
            w->pad_hi[i] = total - w->pad_lo[i];
        } else if (!strcmp(ap, "VALID")) {
            w->pad_lo[i] = w->pad_hi[i] = 0;
        } else if (strcmp(ap, "NOTSET")) {
            return UNSUP("auto_pad '%s' is not supported", ap);
        }
        int64_t span = in + w->pad_lo[i] + w->pad_hi[i] - dk;
        if (span < 0)
            return SHAPE_ERR("the window (%lld) is larger than the padded input (%lld)",
                             (long long)dk, (long long)(in + w->pad_lo[i] + w->pad_hi[i]));
        int64_t o = (w->ceil_mode ? (span + s - 1) / s : span / s) + 1;
        if (w->ceil_mode && (o - 1) * s >= in + w->pad_lo[i])
            o--;
        w->out[i] = o;
    }
    return CXRINFER_OK;
}

/* Views a 1-D or 2-D window as 2-D (H = 1 for 1-D). */
typedef struct win2 {
    int64_t H, W, OH, OW, kh, kw, sh, sw, dh, dw, ph, pw, phe, pwe;
} win2;

static win2 as2d(const ci_window *w, const ci_tensor *x)
{
    win2 r;
    int two = w->nd == 2;
    r.H = two ? x->dims[2] : 1;
    r.W = x->dims[2 + two];
    r.OH = two ? w->out[0] : 1;
    r.OW = w->out[two];
    r.kh = two ? w->kernel[0] : 1;
    r.kw = w->kernel[two];
    r.sh = two ? w->stride[0] : 1;
    r.sw = w->stride[two];
    r.dh = two ? w->dilation[0] : 1;
    r.dw = w->dilation[two];
    r.ph = two ? w->pad_lo[0] : 0;
    r.pw = w->pad_lo[two];
    r.phe = two ? w->pad_hi[0] : 0;
    r.pwe = w->pad_hi[two];
    return r;
}

static cxrinfer_status infer_conv(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 2, 3, err);
    if (st)
        return st;
    const ci_tensor *x = in[0], *w = in[1];
    int64_t group = ci_attr_int(n, "group", 1);
    if (x->rank < 3 || w->rank != x->rank)
        return SHAPE_ERR("input rank %d and weight rank %d do not fit", x->rank, w->rank);
    if (group < 1 || x->dims[1] % group || w->dims[0] % group || w->dims[0] == 0)
        return SHAPE_ERR("group %lld does not divide the channels", (long long)group);
    if (w->dims[1] * group != x->dims[1])
        return SHAPE_ERR("input has %lld channels, the weights expect %lld",
                         (long long)x->dims[1], (long long)(w->dims[1] * group));
    if (n->n_in > 2 && in[2] && (in[2]->dtype != CXRINFER_FLOAT || in[2]->count != (size_t)w->dims[0]))
        return SHAPE_ERR("bias has %zu values for %lld output channels", in[2]->count,
                         (long long)w->dims[0]);
    ci_window win;
    if ((st = ci_window_resolve(n, x, w->dims + 2, &win, err)))
        return st;
    for (int i = 0; i < win.nd; i++)
        if (win.kernel[i] != w->dims[2 + i])
            return SHAPE_ERR("'kernel_shape' does not match the weights");
    int64_t d[4] = {x->dims[0], w->dims[0], win.out[0], win.out[1]};
    return set_out(n, out[0], CXRINFER_FLOAT, x->rank, d, err);
}

static void exec_conv(const ci_node *n, T *in, T *out)
{
    const ci_tensor *x = in[0], *wt = in[1];
    const float *b = n->n_in > 2 && in[2] ? F(in[2]) : NULL;
    ci_window win;
    ci_window_resolve(n, x, wt->dims + 2, &win, NULL);
    win2 g = as2d(&win, x);
    int64_t N = x->dims[0], C = x->dims[1], M = wt->dims[0], group = ci_attr_int(n, "group", 1);
    int64_t cg = C / group, mg = M / group;
    const float *X = F(x), *Wt = F(wt);
    float *Y = F(out[0]);
    for (int64_t bi = 0; bi < N; bi++)
        for (int64_t m = 0; m < M; m++) {
            float *y = Y + (bi * M + m) * g.OH * g.OW;
            for (int64_t i = 0; i < g.OH * g.OW; i++)
                y[i] = b ? b[m] : 0.0f;
            int64_t c0 = (m / mg) * cg;
            for (int64_t c = 0; c < cg; c++) {
                const float *xp = X + (bi * C + c0 + c) * g.H * g.W;
                for (int64_t ki = 0; ki < g.kh; ki++)
                    for (int64_t kj = 0; kj < g.kw; kj++) {
                        float wv = Wt[((m * cg + c) * g.kh + ki) * g.kw + kj];
                        int64_t off = kj * g.dw - g.pw;
                        /* ow range where 0 <= ow*sw + off < W */
                        int64_t lo = off >= 0 ? 0 : (-off + g.sw - 1) / g.sw;
                        int64_t hi = g.W - off <= 0 ? 0 : (g.W - off - 1) / g.sw + 1;
                        hi = hi > g.OW ? g.OW : hi;
                        for (int64_t oh = 0; oh < g.OH; oh++) {
                            int64_t ih = oh * g.sh - g.ph + ki * g.dh;
                            if (ih < 0 || ih >= g.H)
                                continue;
                            const float *xr = xp + ih * g.W + off;
                            float *yr = y + oh * g.OW;
                            for (int64_t ow = lo; ow < hi; ow++)
                                yr[ow] += wv * xr[ow * g.sw];
                        }
                    }
            }
        }
}

static cxrinfer_status infer_pool(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 1, err);
    if (st)
        return st;
    if (n->n_out > 1 && n->out[1] >= 0)
        return UNSUP("the 'Indices' output is not supported");
    if (ci_attr_int(n, "storage_order", 0) != 0)
        return UNSUP("storage_order 1 is not supported");
    ci_window win;
    if ((st = ci_window_resolve(n, in[0], NULL, &win, err)))
        return st;
    int64_t d[4] = {in[0]->dims[0], in[0]->dims[1], win.out[0], win.out[1]};
    return set_out(n, out[0], CXRINFER_FLOAT, in[0]->rank, d, err);
}

static void exec_pool(const ci_node *n, T *in, T *out)
{
    ci_window win;
    ci_window_resolve(n, in[0], NULL, &win, NULL);
    win2 g = as2d(&win, in[0]);
    int is_max = n->op == CI_OP_MAXPOOL;
    int64_t planes = in[0]->dims[0] * in[0]->dims[1];
    for (int64_t p = 0; p < planes; p++) {
        const float *x = F(in[0]) + p * g.H * g.W;
        float *y = F(out[0]) + p * g.OH * g.OW;
        for (int64_t oh = 0; oh < g.OH; oh++)
            for (int64_t ow = 0; ow < g.OW; ow++) {
                int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
                float acc = is_max ? -INFINITY : 0.0f;
                int64_t cnt = 0;
                for (int64_t i = 0; i < g.kh; i++)
                    for (int64_t j = 0; j < g.kw; j++) {
                        int64_t ih = h0 + i * g.dh, iw = w0 + j * g.dw;
                        if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W)
                            continue;
                        float v = x[ih * g.W + iw];
                        acc = is_max ? (v > acc ? v : acc) : acc + v;
                        cnt++;
                    }
                if (!is_max && win.count_include_pad) {
                    int64_t he = h0 + g.kh > g.H + g.phe ? g.H + g.phe : h0 + g.kh;
                    int64_t we = w0 + g.kw > g.W + g.pwe ? g.W + g.pwe : w0 + g.kw;
                    cnt = (he - h0) * (we - w0);
                }
                y[oh * g.OW + ow] = is_max ? acc : cnt ? acc / (float)cnt : 0.0f;
            }
    }
}

static cxrinfer_status infer_gap(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 1, err);
    if (st)
        return st;
    if (in[0]->rank < 3)
        return SHAPE_ERR("input has rank %d, needs at least 3", in[0]->rank);
    int64_t d[CXRINFER_MAX_RANK];
    for (int i = 0; i < in[0]->rank; i++)
        d[i] = i < 2 ? in[0]->dims[i] : 1;
    return set_out(n, out[0], CXRINFER_FLOAT, in[0]->rank, d, err);
}

static void exec_gap(T *in, T *out)
{
    size_t planes = (size_t)(in[0]->dims[0] * in[0]->dims[1]);
    size_t sz = planes ? in[0]->count / planes : 0;
    for (size_t p = 0; p < planes; p++) {
        double acc = 0;
        for (size_t i = 0; i < sz; i++)
            acc += F(in[0])[p * sz + i];
        F(out[0])[p] = sz ? (float)(acc / (double)sz) : 0.0f;
    }
}

/* ---- elementwise and broadcasting ---- */

static cxrinfer_status infer_unary(const ci_node *n, T *in, T *out, int need_float, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, need_float ? 1 : 0, err);
    if (st)
        return st;
    for (int j = 0; j < n->n_out && j < 2; j++)
        if (j == 0 || n->op == CI_OP_DROPOUT)
            if ((st = set_out(n, out[j], j ? CXRINFER_INT64 : in[0]->dtype, in[0]->rank,
                              in[0]->dims, err)))
                return st;
    if (n->op == CI_OP_DROPOUT && n->n_in > 2 && in[2] && in[2]->data && in[2]->count &&
        I(in[2])[0])
        return UNSUP("training_mode is not supported (inference only)");
    return CXRINFER_OK;
}

static cxrinfer_status infer_clip(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 1, err);
    if (st)
        return st;
    for (int j = 1; j < n->n_in && j < 3; j++)
        if (in[j] && (in[j]->dtype != CXRINFER_FLOAT || in[j]->count != 1))
            return UNSUP("input %d must be one float", j);
    return set_out(n, out[0], CXRINFER_FLOAT, in[0]->rank, in[0]->dims, err);
}

/* ReduceMean: axes as an attribute (opset < 18) or an input (opset 18). */
static cxrinfer_status reduce_axes(const ci_node *n, T *in, const ci_graph *g, int *mask,
                                   ci_err *err)
{
    int64_t axes[CXRINFER_MAX_RANK + 1];
    int k = -1, r = in[0]->rank;
    if (g->opset < 18 || n->n_in < 2 || !in[1]) {
        k = ci_attr_ints(n, "axes", axes, CXRINFER_MAX_RANK + 1);
    } else {
        const int64_t *v;
        size_t c;
        if (const_ints(in[1], &v, &c) || c > CXRINFER_MAX_RANK)
            return UNSUP("the axes input must be a constant int64 tensor");
        memcpy(axes, v, c * sizeof(int64_t));
        k = (int)c;
    }
    if (k > CXRINFER_MAX_RANK)
        return SHAPE_ERR("too many axes");
    *mask = 0;
    if (k <= 0) {
        if (k == 0 && ci_attr_int(n, "noop_with_empty_axes", 0))
            return CXRINFER_OK;
        *mask = (1 << r) - 1;
        return CXRINFER_OK;
    }
    for (int i = 0; i < k; i++) {
        int64_t a = norm_axis(axes[i], r);
        if (a < 0 || a >= r)
            return SHAPE_ERR("axis %lld is out of range for rank %d", (long long)axes[i], r);
        *mask |= 1 << a;
    }
    return CXRINFER_OK;
}

static cxrinfer_status infer_reducemean(const ci_node *n, T *in, T *out, const ci_graph *g,
                                        ci_err *err)
{
    int mask, o = 0, keep = ci_attr_int(n, "keepdims", 1) != 0;
    int64_t d[CXRINFER_MAX_RANK];
    cxrinfer_status st = need_inputs(n, in, 1, 1, err);
    if (st || (st = reduce_axes(n, in, g, &mask, err)))
        return st;
    for (int i = 0; i < in[0]->rank; i++)
        if (!(mask >> i & 1))
            d[o++] = in[0]->dims[i];
        else if (keep)
            d[o++] = 1;
    return set_out(n, out[0], CXRINFER_FLOAT, o, d, err);
}

static void exec_reducemean(const ci_node *n, T *in, T *out, const ci_graph *g)
{
    int mask, r = in[0]->rank;
    int64_t idx[CXRINFER_MAX_RANK] = {0}, so[CXRINFER_MAX_RANK], acc = 1;
    reduce_axes(n, in, g, &mask, NULL);
    /* output strides seen from the input's dims (0 on reduced axes) */
    for (int i = r - 1; i >= 0; i--) {
        so[i] = mask >> i & 1 ? 0 : acc;
        acc *= mask >> i & 1 ? 1 : in[0]->dims[i];
    }
    size_t per = out[0]->count ? in[0]->count / out[0]->count : 0;
    double *sum = calloc(out[0]->count ? out[0]->count : 1, sizeof(double));
    if (!sum)
        return;
    for (size_t k = 0; k < in[0]->count; k++) {
        int64_t o = 0;
        for (int i = 0; i < r; i++)
            o += idx[i] * so[i];
        sum[o] += F(in[0])[k];
        for (int i = r - 1; i >= 0; i--) {
            if (++idx[i] < in[0]->dims[i])
                break;
            idx[i] = 0;
        }
    }
    for (size_t k = 0; k < out[0]->count; k++)
        F(out[0])[k] = per ? (float)(sum[k] / (double)per) : 0.0f;
    free(sum);
}

static cxrinfer_status broadcast_shape(const ci_node *n, T *in, int k, int64_t *d, int *rank,
                                       ci_err *err)
{
    int r = 0;
    for (int j = 0; j < k; j++)
        r = in[j]->rank > r ? in[j]->rank : r;
    for (int i = 0; i < r; i++) {
        d[i] = 1;
        for (int j = 0; j < k; j++) {
            int off = i - (r - in[j]->rank);
            int64_t v = off >= 0 ? in[j]->dims[off] : 1;
            if (v != 1 && d[i] != 1 && v != d[i]) {
                char a[200], b[200];
                return SHAPE_ERR("shapes %s and %s do not broadcast",
                                 ci_shape_str(in[0], a, sizeof a), ci_shape_str(in[1], b, sizeof b));
            }
            if (v != 1)
                d[i] = v;
            if (v == 0)
                d[i] = 0;
        }
    }
    *rank = r;
    return CXRINFER_OK;
}

static cxrinfer_status infer_binary(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 2, 0, err);
    int64_t d[CXRINFER_MAX_RANK];
    int r;
    if (st)
        return st;
    if (in[0]->dtype != in[1]->dtype)
        return SHAPE_ERR("inputs have different element types");
    if ((st = broadcast_shape(n, in, 2, d, &r, err)))
        return st;
    return set_out(n, out[0], in[0]->dtype, r, d, err);
}

/* Strides of 't' seen with the output's rank (0 where broadcast). */
static void bcast_strides(const ci_tensor *t, const ci_tensor *o, int64_t *s)
{
    int64_t acc = 1;
    for (int i = o->rank - 1; i >= 0; i--) {
        int off = i - (o->rank - t->rank);
        int64_t dim = off >= 0 ? t->dims[off] : 1;
        s[i] = dim == 1 ? 0 : acc;
        acc *= dim;
    }
}

static double binop(ci_op op, double a, double b)
{
    switch (op) {
    case CI_OP_ADD: return a + b;
    case CI_OP_SUB: return a - b;
    case CI_OP_MUL: return a * b;
    default: return a / b;
    }
}

static void exec_binary(const ci_node *n, T *in, T *out)
{
    const ci_tensor *o = out[0];
    int64_t sa[CXRINFER_MAX_RANK], sb[CXRINFER_MAX_RANK], idx[CXRINFER_MAX_RANK] = {0};
    int r = o->rank, is_f = o->dtype == CXRINFER_FLOAT;
    if (o->count == 0)
        return;
    bcast_strides(in[0], o, sa);
    bcast_strides(in[1], o, sb);
    int64_t inner = r ? o->dims[r - 1] : 1, la = r ? sa[r - 1] : 0, lb = r ? sb[r - 1] : 0;
    for (size_t base = 0; base < o->count; base += (size_t)inner) {
        int64_t oa = 0, ob = 0;
        for (int i = 0; i < r - 1; i++) {
            oa += idx[i] * sa[i];
            ob += idx[i] * sb[i];
        }
        if (is_f) {
            const float *a = F(in[0]) + oa, *b = F(in[1]) + ob;
            float *y = F(out[0]) + base;
            switch (n->op) {
            case CI_OP_ADD: for (int64_t i = 0; i < inner; i++) y[i] = a[i * la] + b[i * lb]; break;
            case CI_OP_MUL: for (int64_t i = 0; i < inner; i++) y[i] = a[i * la] * b[i * lb]; break;
            case CI_OP_SUB: for (int64_t i = 0; i < inner; i++) y[i] = a[i * la] - b[i * lb]; break;
            default: for (int64_t i = 0; i < inner; i++) y[i] = a[i * la] / b[i * lb]; break;
            }
        } else {
            const int64_t *a = I(in[0]) + oa, *b = I(in[1]) + ob;
            for (int64_t i = 0; i < inner; i++) {
                int64_t bv = b[i * lb];
                I(out[0])[base + (size_t)i] = n->op == CI_OP_DIV
                    ? (bv ? a[i * la] / bv : 0) : (int64_t)binop(n->op, (double)a[i * la], (double)bv);
            }
        }
        for (int i = r - 2; i >= 0; i--) {
            if (++idx[i] < o->dims[i])
                break;
            idx[i] = 0;
        }
    }
}

static void exec_unary(const ci_node *n, T *in, T *out)
{
    size_t cnt = in[0]->count;
    if (n->op == CI_OP_LEAKYRELU) {
        float alpha = ci_attr_float(n, "alpha", 0.01f);
        for (size_t i = 0; i < cnt; i++)
            F(out[0])[i] = F(in[0])[i] >= 0.0f ? F(in[0])[i] : alpha * F(in[0])[i];
    } else if (n->op == CI_OP_TANH) {
        for (size_t i = 0; i < cnt; i++)
            F(out[0])[i] = tanhf(F(in[0])[i]);
    } else if (n->op == CI_OP_CLIP) {
        float lo = -INFINITY, hi = INFINITY;
        if (ci_attr_find(n, "min") || ci_attr_find(n, "max")) {
            lo = ci_attr_float(n, "min", lo);
            hi = ci_attr_float(n, "max", hi);
        }
        if (n->n_in > 1 && in[1])
            lo = F(in[1])[0];
        if (n->n_in > 2 && in[2])
            hi = F(in[2])[0];
        for (size_t i = 0; i < cnt; i++) {
            float v = F(in[0])[i];
            F(out[0])[i] = v < lo ? lo : v > hi ? hi : v;
        }
    } else if (n->op == CI_OP_RELU) {
        for (size_t i = 0; i < cnt; i++)
            F(out[0])[i] = F(in[0])[i] > 0.0f ? F(in[0])[i] : 0.0f;
    } else if (n->op == CI_OP_SIGMOID) {
        for (size_t i = 0; i < cnt; i++)
            F(out[0])[i] = 1.0f / (1.0f + expf(-F(in[0])[i]));
    } else {
        memcpy(out[0]->data, in[0]->data, cnt * ci_tensor_elem_size(in[0]->dtype));
        if (n->op == CI_OP_DROPOUT && n->n_out > 1 && out[1]->data)
            for (size_t i = 0; i < cnt; i++)
                I(out[1])[i] = 1;
    }
}

static cxrinfer_status infer_softmax(const ci_node *n, T *in, T *out, const ci_graph *g,
                                     ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 1, err);
    if (st)
        return st;
    int64_t axis = norm_axis(ci_attr_int(n, "axis", g->opset >= 13 ? -1 : 1), in[0]->rank);
    if (axis < 0 || axis >= (in[0]->rank ? in[0]->rank : 1))
        return SHAPE_ERR("axis %lld is out of range for rank %d",
                         (long long)ci_attr_int(n, "axis", 0), in[0]->rank);
    return set_out(n, out[0], CXRINFER_FLOAT, in[0]->rank, in[0]->dims, err);
}

static void exec_softmax(const ci_node *n, T *in, T *out, const ci_graph *g)
{
    int rank = in[0]->rank;
    int64_t axis = norm_axis(ci_attr_int(n, "axis", g->opset >= 13 ? -1 : 1), rank);
    int64_t outer = 1, len = 1, inner = 1;
    for (int i = 0; i < rank; i++) {
        if (i < axis)
            outer *= in[0]->dims[i];
        else if (i == axis || g->opset < 13)
            len *= in[0]->dims[i];
        else
            inner *= in[0]->dims[i];
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < inner; k++) {
            const float *x = F(in[0]) + o * len * inner + k;
            float *y = F(out[0]) + o * len * inner + k;
            float mx = -INFINITY;
            double sum = 0;
            for (int64_t i = 0; i < len; i++)
                mx = x[i * inner] > mx ? x[i * inner] : mx;
            for (int64_t i = 0; i < len; i++) {
                y[i * inner] = expf(x[i * inner] - mx);
                sum += y[i * inner];
            }
            for (int64_t i = 0; i < len; i++)
                y[i * inner] = (float)(y[i * inner] / sum);
        }
}

/* ---- matrix products ---- */

static cxrinfer_status infer_matmul(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 2, 3, err);
    if (st)
        return st;
    const ci_tensor *a = in[0], *b = in[1];
    if (a->rank < 1 || b->rank < 1)
        return SHAPE_ERR("inputs must have rank 1 or more");
    int64_t K = a->dims[a->rank - 1], Kb = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
    if (K != Kb) {
        char s1[200], s2[200];
        return SHAPE_ERR("inner dimensions differ: %s x %s", ci_shape_str(a, s1, sizeof s1),
                         ci_shape_str(b, s2, sizeof s2));
    }
    ci_tensor ba = *a, bb = *b;
    ba.rank = a->rank > 2 ? a->rank - 2 : 0;
    bb.rank = b->rank > 2 ? b->rank - 2 : 0;
    T pair[2] = {&ba, &bb};
    int64_t d[CXRINFER_MAX_RANK + 2];
    int r;
    if ((st = broadcast_shape(n, pair, 2, d, &r, err)))
        return st;
    if (a->rank > 1)
        d[r++] = a->dims[a->rank - 2];
    if (b->rank > 1)
        d[r++] = b->dims[b->rank - 1];
    if (r > CXRINFER_MAX_RANK)
        return UNSUP("rank too large");
    return set_out(n, out[0], CXRINFER_FLOAT, r, d, err);
}

/* y[M,N] (+)= a[M,K] * b[K,N], with element strides. */
static void gemm_ref(int64_t M, int64_t N, int64_t K, float alpha, const float *a, int64_t sam,
                     int64_t sak, const float *b, int64_t sbk, int64_t sbn, float *y)
{
    for (int64_t i = 0; i < M; i++)
        for (int64_t k = 0; k < K; k++) {
            float av = alpha * a[i * sam + k * sak];
            if (av == 0.0f)
                continue;
            const float *br = b + k * sbk;
            float *yr = y + i * N;
            for (int64_t j = 0; j < N; j++)
                yr[j] += av * br[j * sbn];
        }
}

static void exec_matmul(T *in, T *out)
{
    const ci_tensor *a = in[0], *b = in[1], *o = out[0];
    int64_t K = a->dims[a->rank - 1];
    int64_t M = a->rank > 1 ? a->dims[a->rank - 2] : 1;
    int64_t N = b->rank > 1 ? b->dims[b->rank - 1] : 1;
    int ob = o->rank - (a->rank > 1) - (b->rank > 1); /* batch rank of the output */
    ci_tensor ba = *a, bb = *b, bo = *o;
    ba.rank = a->rank > 2 ? a->rank - 2 : 0;
    bb.rank = b->rank > 2 ? b->rank - 2 : 0;
    bo.rank = ob;
    int64_t sa[CXRINFER_MAX_RANK] = {0}, sb[CXRINFER_MAX_RANK] = {0}, idx[CXRINFER_MAX_RANK] = {0};
    bcast_strides(&ba, &bo, sa);
    bcast_strides(&bb, &bo, sb);
    int64_t batches = 1;
    for (int i = 0; i < ob; i++)
        batches *= o->dims[i];
    memset(o->data, 0, o->count * sizeof(float));
    for (int64_t bt = 0; bt < batches; bt++) {
        int64_t offa = 0, offb = 0;
        for (int i = 0; i < ob; i++) {
            offa += idx[i] * sa[i];
            offb += idx[i] * sb[i];
        }
        gemm_ref(M, N, K, 1.0f, F(a) + offa * M * K, K, 1, F(b) + offb * K * N, N, 1,
                 F(o) + bt * M * N);
        for (int i = ob - 1; i >= 0; i--) {
            if (++idx[i] < o->dims[i])
                break;
            idx[i] = 0;
        }
    }
}

static cxrinfer_status infer_gemm(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 2, 3, err);
    if (st)
        return st;
    const ci_tensor *a = in[0], *b = in[1];
    if (a->rank != 2 || b->rank != 2)
        return SHAPE_ERR("inputs must be 2-D (ranks %d and %d)", a->rank, b->rank);
    int ta = ci_attr_int(n, "transA", 0) != 0, tb = ci_attr_int(n, "transB", 0) != 0;
    int64_t M = a->dims[ta], K = a->dims[1 - ta], Kb = b->dims[tb], N = b->dims[1 - tb];
    if (K != Kb)
        return SHAPE_ERR("inner dimensions differ (%lld and %lld)", (long long)K, (long long)Kb);
    int64_t d[2] = {M, N};
    if (n->n_in > 2 && in[2]) {
        const ci_tensor *c = in[2];
        int ok = c->dtype == CXRINFER_FLOAT && c->rank <= 2;
        for (int i = 0; ok && i < c->rank; i++) {
            int64_t want = d[2 - c->rank + i];
            ok = c->dims[i] == 1 || c->dims[i] == want;
        }
        if (!ok) {
            char s[200];
            return SHAPE_ERR("bias %s does not broadcast to [%lld,%lld]",
                             ci_shape_str(c, s, sizeof s), (long long)M, (long long)N);
        }
    }
    return set_out(n, out[0], CXRINFER_FLOAT, 2, d, err);
}

static void exec_gemm(const ci_node *n, T *in, T *out)
{
    const ci_tensor *a = in[0], *b = in[1];
    int ta = ci_attr_int(n, "transA", 0) != 0, tb = ci_attr_int(n, "transB", 0) != 0;
    float alpha = ci_attr_float(n, "alpha", 1.0f), beta = ci_attr_float(n, "beta", 1.0f);
    int64_t M = out[0]->dims[0], N = out[0]->dims[1], K = a->dims[1 - ta];
    float *y = F(out[0]);
    memset(y, 0, out[0]->count * sizeof(float));
    if (n->n_in > 2 && in[2]) {
        const ci_tensor *c = in[2];
        int64_t sm = c->rank == 2 && c->dims[0] != 1 ? (c->dims[1] == 1 ? 1 : N) : 0;
        int64_t sn = c->rank >= 1 && c->dims[c->rank - 1] != 1 ? 1 : 0;
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                y[i * N + j] = beta * F(c)[i * sm + j * sn];
    }
    gemm_ref(M, N, K, alpha, F(a), ta ? 1 : K, ta ? M : 1, F(b), tb ? 1 : N, tb ? K : 1, y);
}

/* ---- shape and data movement ---- */

static cxrinfer_status infer_transpose(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 0, err);
    if (st)
        return st;
    int64_t perm[CXRINFER_MAX_RANK + 1], d[CXRINFER_MAX_RANK];
    int r = in[0]->rank, k = ci_attr_ints(n, "perm", perm, CXRINFER_MAX_RANK + 1);
    if (k < 0)
        for (k = 0; k < r; k++)
            perm[k] = r - 1 - k;
    if (k != r)
        return SHAPE_ERR("'perm' has %d values for rank %d", k, r);
    unsigned seen = 0;
    for (int i = 0; i < r; i++) {
        if (perm[i] < 0 || perm[i] >= r || (seen >> perm[i] & 1))
            return SHAPE_ERR("'perm' is not a permutation");
        seen |= 1u << perm[i];
        d[i] = in[0]->dims[perm[i]];
    }
    return set_out(n, out[0], in[0]->dtype, r, d, err);
}

static void exec_transpose(const ci_node *n, T *in, T *out)
{
    int64_t perm[CXRINFER_MAX_RANK + 1], s[CXRINFER_MAX_RANK], src[CXRINFER_MAX_RANK];
    int64_t idx[CXRINFER_MAX_RANK] = {0};
    int r = in[0]->rank;
    if (ci_attr_ints(n, "perm", perm, CXRINFER_MAX_RANK + 1) < 0)
        for (int k = 0; k < r; k++)
            perm[k] = r - 1 - k;
    int64_t acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= in[0]->dims[i];
    }
    for (int i = 0; i < r; i++)
        src[i] = s[perm[i]];
    size_t esz = ci_tensor_elem_size(in[0]->dtype);
    const char *x = in[0]->data;
    char *y = out[0]->data;
    for (size_t o = 0; o < out[0]->count; o++) {
        int64_t off = 0;
        for (int i = 0; i < r; i++)
            off += idx[i] * src[i];
        memcpy(y + o * esz, x + (size_t)off * esz, esz);
        for (int i = r - 1; i >= 0; i--) {
            if (++idx[i] < out[0]->dims[i])
                break;
            idx[i] = 0;
        }
    }
}

static void exec_copy(T *in, T *out)
{
    if (out[0]->count)
        memcpy(out[0]->data, in[0]->data, out[0]->count * ci_tensor_elem_size(in[0]->dtype));
}

static cxrinfer_status infer_reshape(const ci_node *n, T *in, T *out, const ci_graph *g,
                                     ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, g->opset >= 5 ? 2 : 1, 0, err);
    const int64_t *shp;
    int64_t attr[CXRINFER_MAX_RANK + 1], d[CXRINFER_MAX_RANK];
    size_t k;
    if (st)
        return st;
    if (g->opset < 5) {
        int a = ci_attr_ints(n, "shape", attr, CXRINFER_MAX_RANK + 1);
        if (a < 0)
            return SHAPE_ERR("attribute 'shape' is missing");
        shp = attr;
        k = (size_t)a;
    } else if (const_ints(in[1], &shp, &k)) {
        return UNSUP("the shape input '%s' is not a constant int64 tensor", n->in_names[1]);
    }
    if (k > CXRINFER_MAX_RANK)
        return UNSUP("target rank %zu is too large", k);
    int allowzero = ci_attr_int(n, "allowzero", 0) != 0, infer_at = -1;
    size_t known = 1;
    for (size_t i = 0; i < k; i++) {
        d[i] = shp[i];
        if (d[i] == 0 && !allowzero) {
            if ((int)i >= in[0]->rank)
                return SHAPE_ERR("a 0 in the shape copies a dimension the input lacks");
            d[i] = in[0]->dims[i];
        }
        if (d[i] == -1) {
            if (infer_at >= 0)
                return SHAPE_ERR("the shape has two -1 values");
            infer_at = (int)i;
        } else if (d[i] < 0) {
            return SHAPE_ERR("the shape holds %lld", (long long)d[i]);
        } else {
            known *= (size_t)d[i];
        }
    }
    if (infer_at >= 0) {
        if (known == 0 || in[0]->count % known)
            return SHAPE_ERR("cannot infer -1: %zu values do not divide into %zu",
                             in[0]->count, known);
        d[infer_at] = (int64_t)(in[0]->count / known);
        known *= (size_t)d[infer_at];
    }
    if (known != in[0]->count) {
        char s[200];
        return SHAPE_ERR("cannot reshape %s (%zu values) into %zu values",
                         ci_shape_str(in[0], s, sizeof s), in[0]->count, known);
    }
    return set_out(n, out[0], in[0]->dtype, (int)k, d, err);
}

static cxrinfer_status infer_flatten(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 0, err);
    if (st)
        return st;
    int r = in[0]->rank;
    int64_t axis = norm_axis(ci_attr_int(n, "axis", 1), r);
    if (axis < 0 || axis > r)
        return SHAPE_ERR("axis is out of range for rank %d", r);
    int64_t d[2] = {1, 1};
    for (int i = 0; i < r; i++)
        d[i >= axis] *= in[0]->dims[i];
    return set_out(n, out[0], in[0]->dtype, 2, d, err);
}

/* Axes of Squeeze/Unsqueeze: attribute before opset 13, input after. */
static cxrinfer_status get_axes(const ci_node *n, T *in, const ci_graph *g, int64_t *axes,
                                int *k, ci_err *err)
{
    if (g->opset < 13 || n->n_in < 2 || !in[1]) {
        *k = ci_attr_ints(n, "axes", axes, CXRINFER_MAX_RANK);
        if (*k > CXRINFER_MAX_RANK)
            return SHAPE_ERR("too many axes");
        return CXRINFER_OK;
    }
    const int64_t *v;
    size_t c;
    if (const_ints(in[1], &v, &c))
        return UNSUP("the axes input '%s' is not a constant int64 tensor", n->in_names[1]);
    if (c > CXRINFER_MAX_RANK)
        return SHAPE_ERR("too many axes");
    memcpy(axes, v, c * sizeof(int64_t));
    *k = (int)c;
    return CXRINFER_OK;
}

static cxrinfer_status infer_squeeze(const ci_node *n, T *in, T *out, const ci_graph *g,
                                     ci_err *err)
{
    int64_t axes[CXRINFER_MAX_RANK], d[CXRINFER_MAX_RANK];
    int k = -1, r, drop[CXRINFER_MAX_RANK] = {0}, o = 0;
    cxrinfer_status st = need_inputs(n, in, 1, 0, err);
    if (st || (st = get_axes(n, in, g, axes, &k, err)))
        return st;
    r = in[0]->rank;
    int is_sq = n->op == CI_OP_SQUEEZE;
    int outr = is_sq ? r : r + (k > 0 ? k : 0);
    if (!is_sq && k <= 0)
        return SHAPE_ERR("'axes' is missing");
    if (outr > CXRINFER_MAX_RANK)
        return UNSUP("rank too large");
    for (int i = 0; i < k; i++) {
        int64_t a = norm_axis(axes[i], outr);
        if (a < 0 || a >= outr || drop[a])
            return SHAPE_ERR("axis %lld is out of range or repeated", (long long)axes[i]);
        if (is_sq && in[0]->dims[a] != 1)
            return SHAPE_ERR("cannot squeeze axis %lld of size %lld", (long long)axes[i],
                             (long long)in[0]->dims[a]);
        drop[a] = 1;
    }
    if (is_sq) {
        for (int i = 0; i < r; i++)
            if (!(k > 0 ? drop[i] : in[0]->dims[i] == 1))
                d[o++] = in[0]->dims[i];
    } else {
        for (int i = 0, j = 0; i < outr; i++)
            d[o++] = drop[i] ? 1 : in[0]->dims[j++];
    }
    return set_out(n, out[0], in[0]->dtype, o, d, err);
}

static cxrinfer_status infer_batchnorm(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 5, 31, err);
    if (st)
        return st;
    if (ci_attr_int(n, "training_mode", 0) || (n->n_out > 1 && n->out[1] >= 0))
        return UNSUP("training mode is not supported (inference only)");
    if (in[0]->rank < 2)
        return SHAPE_ERR("input has rank %d", in[0]->rank);
    for (int j = 1; j < 5; j++)
        if (in[j]->count != (size_t)in[0]->dims[1])
            return SHAPE_ERR("input %d has %zu values for %lld channels", j, in[j]->count,
                             (long long)in[0]->dims[1]);
    return set_out(n, out[0], CXRINFER_FLOAT, in[0]->rank, in[0]->dims, err);
}

static void exec_batchnorm(const ci_node *n, T *in, T *out)
{
    float eps = ci_attr_float(n, "epsilon", 1e-5f);
    int64_t N = in[0]->dims[0], C = in[0]->dims[1];
    size_t sz = (N * C) != 0 ? in[0]->count / (size_t)(N * C) : 0;
    for (int64_t b = 0; b < N; b++)
        for (int64_t c = 0; c < C; c++) {
            float sc = F(in[1])[c] / sqrtf(F(in[4])[c] + eps);
            float sh = F(in[2])[c] - F(in[3])[c] * sc;
            const float *x = F(in[0]) + (size_t)(b * C + c) * sz;
            float *y = F(out[0]) + (size_t)(b * C + c) * sz;
            for (size_t i = 0; i < sz; i++)
                y[i] = x[i] * sc + sh;
        }
}

static cxrinfer_status infer_constant(const ci_node *n, T *out, ci_err *err)
{
    const ci_attr *a = ci_attr_find(n, "value");
    if (a && a->has_t)
        return set_out(n, out[0], a->t.dtype, a->t.rank, a->t.dims, err);
    int64_t one = 1;
    if ((a = ci_attr_find(n, "value_float")))
        return set_out(n, out[0], CXRINFER_FLOAT, 0, NULL, err);
    if ((a = ci_attr_find(n, "value_int")))
        return set_out(n, out[0], CXRINFER_INT64, 0, NULL, err);
    if ((a = ci_attr_find(n, "value_floats")) && a->type == CI_ATTR_FLOATS) {
        one = (int64_t)a->n;
        return set_out(n, out[0], CXRINFER_FLOAT, 1, &one, err);
    }
    if ((a = ci_attr_find(n, "value_ints")) && a->type == CI_ATTR_INTS) {
        one = (int64_t)a->n;
        return set_out(n, out[0], CXRINFER_INT64, 1, &one, err);
    }
    return UNSUP("only tensor, float(s) and int(s) constants are supported");
}

static void exec_constant(const ci_node *n, T *out)
{
    const ci_attr *a = ci_attr_find(n, "value");
    if (a && a->has_t) {
        if (a->t.count)
            memcpy(out[0]->data, a->t.data, a->t.count * ci_tensor_elem_size(a->t.dtype));
    } else if ((a = ci_attr_find(n, "value_float"))) {
        F(out[0])[0] = a->f;
    } else if ((a = ci_attr_find(n, "value_int"))) {
        I(out[0])[0] = a->i;
    } else if ((a = ci_attr_find(n, "value_floats"))) {
        if (a->n)
            memcpy(out[0]->data, a->floats, a->n * sizeof(float));
    } else if ((a = ci_attr_find(n, "value_ints")) && a->n) {
        memcpy(out[0]->data, a->ints, a->n * sizeof(int64_t));
    }
}

static void shape_range(const ci_node *n, int r, int64_t *s, int64_t *e)
{
    *s = norm_axis(ci_attr_int(n, "start", 0), r);
    *e = norm_axis(ci_attr_int(n, "end", r), r);
    *s = *s < 0 ? 0 : *s > r ? r : *s;
    *e = *e < 0 ? 0 : *e > r ? r : *e;
    if (*e < *s)
        *e = *s;
}

static cxrinfer_status infer_shape(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 0, err);
    int64_t s, e;
    if (st)
        return st;
    shape_range(n, in[0]->rank, &s, &e);
    int64_t d = e - s;
    return set_out(n, out[0], CXRINFER_INT64, 1, &d, err);
}

static void exec_shape(const ci_node *n, T *in, T *out)
{
    int64_t s, e;
    shape_range(n, in[0]->rank, &s, &e);
    for (int64_t i = s; i < e; i++)
        I(out[0])[i - s] = in[0]->dims[i];
}

static cxrinfer_status infer_gather(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 2, 0, err);
    if (st)
        return st;
    int r = in[0]->rank;
    int64_t axis = norm_axis(ci_attr_int(n, "axis", 0), r), d[CXRINFER_MAX_RANK];
    if (axis < 0 || axis >= r)
        return SHAPE_ERR("axis is out of range for rank %d", r);
    if (in[1]->dtype != CXRINFER_INT64)
        return UNSUP("indices are not integers");
    if (r - 1 + in[1]->rank > CXRINFER_MAX_RANK)
        return UNSUP("rank too large");
    if (in[1]->data)
        for (size_t i = 0; i < in[1]->count; i++)
            if (I(in[1])[i] < -in[0]->dims[axis] || I(in[1])[i] >= in[0]->dims[axis])
                return SHAPE_ERR("index %lld is out of range", (long long)I(in[1])[i]);
    int o = 0;
    for (int i = 0; i < axis; i++)
        d[o++] = in[0]->dims[i];
    for (int i = 0; i < in[1]->rank; i++)
        d[o++] = in[1]->dims[i];
    for (int i = (int)axis + 1; i < r; i++)
        d[o++] = in[0]->dims[i];
    return set_out(n, out[0], in[0]->dtype, o, d, err);
}

static void exec_gather(const ci_node *n, T *in, T *out)
{
    int r = in[0]->rank;
    int64_t axis = norm_axis(ci_attr_int(n, "axis", 0), r), outer = 1, inner = 1;
    int64_t ad = in[0]->dims[axis];
    for (int i = 0; i < axis; i++)
        outer *= in[0]->dims[i];
    for (int i = (int)axis + 1; i < r; i++)
        inner *= in[0]->dims[i];
    size_t esz = ci_tensor_elem_size(in[0]->dtype), ni = in[1]->count;
    char *y = out[0]->data;
    const char *x = in[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (size_t j = 0; j < ni; j++) {
            int64_t k = I(in[1])[j];
            k = k < 0 ? k + ad : k;
            if (k < 0 || k >= ad)
                k = 0; /* checked at plan time when constant; keep memory safe */
            memcpy(y + ((size_t)o * ni + j) * (size_t)inner * esz,
                   x + (size_t)(o * ad + k) * (size_t)inner * esz, (size_t)inner * esz);
        }
}

static cxrinfer_status infer_cast(const ci_node *n, T *in, T *out, ci_err *err)
{
    cxrinfer_status st = need_inputs(n, in, 1, 0, err);
    if (st)
        return st;
    int64_t to = ci_attr_int(n, "to", 0);
    int dt = to == 1 || to == 11 ? CXRINFER_FLOAT
           : to == 7 || to == 6 || to == 3 || to == 2 || to == 9 ? CXRINFER_INT64 : 0;
    if (!dt)
        return UNSUP("cast to element type %lld is not supported", (long long)to);
    return set_out(n, out[0], dt, in[0]->rank, in[0]->dims, err);
}

static void exec_cast(const ci_node *n, T *in, T *out)
{
    int64_t to = ci_attr_int(n, "to", 0);
    for (size_t i = 0; i < in[0]->count; i++) {
        if (out[0]->dtype == CXRINFER_FLOAT) {
            F(out[0])[i] = in[0]->dtype == CXRINFER_FLOAT ? F(in[0])[i] : (float)I(in[0])[i];
        } else if (in[0]->dtype == CXRINFER_INT64) {
            I(out[0])[i] = to == 9 ? I(in[0])[i] != 0 : I(in[0])[i];
        } else {
            float v = F(in[0])[i];
            int64_t x = v != v ? 0 : v >= 9.2e18f ? INT64_MAX : v <= -9.2e18f ? INT64_MIN : (int64_t)v;
            I(out[0])[i] = to == 9 ? v != 0.0f : x;
        }
    }
}

/* Slice parameters per axis: start, step, count. */
typedef struct slice_p {
    int64_t start[CXRINFER_MAX_RANK], step[CXRINFER_MAX_RANK], len[CXRINFER_MAX_RANK];
} slice_p;

static cxrinfer_status slice_params(const ci_node *n, T *in, const ci_graph *g, slice_p *p,
                                    ci_err *err)
{
    int64_t sa[CXRINFER_MAX_RANK], ea[CXRINFER_MAX_RANK], aa[CXRINFER_MAX_RANK];
    const int64_t *st_ = NULL, *en = NULL, *ax = NULL, *sp = NULL;
    size_t ks = 0, ke = 0, ka = 0, kp = 0;
    int r = in[0]->rank;
    if (g->opset < 10) {
        int a = ci_attr_ints(n, "starts", sa, CXRINFER_MAX_RANK);
        int b = ci_attr_ints(n, "ends", ea, CXRINFER_MAX_RANK);
        int c = ci_attr_ints(n, "axes", aa, CXRINFER_MAX_RANK);
        if (a < 0 || b < 0)
            return SHAPE_ERR("'starts' or 'ends' is missing");
        st_ = sa, en = ea, ks = (size_t)a, ke = (size_t)b;
        if (c >= 0)
            ax = aa, ka = (size_t)c;
    } else {
        if (n->n_in < 3 || const_ints(in[1], &st_, &ks) || const_ints(in[2], &en, &ke))
            return UNSUP("'starts' and 'ends' must be constant int64 inputs");
        if (n->n_in > 3 && in[3] && const_ints(in[3], &ax, &ka))
            return UNSUP("'axes' must be a constant int64 input");
        if (n->n_in > 4 && in[4] && const_ints(in[4], &sp, &kp))
            return UNSUP("'steps' must be a constant int64 input");
    }
    if (ks != ke || (ax && ka != ks) || (sp && kp != ks) || ks > (size_t)r)
        return SHAPE_ERR("starts, ends, axes and steps disagree in length");
    for (int i = 0; i < r; i++) {
        p->start[i] = 0;
        p->step[i] = 1;
        p->len[i] = in[0]->dims[i];
    }
    unsigned seen = 0;
    for (size_t j = 0; j < ks; j++) {
        int64_t a = norm_axis(ax ? ax[j] : (int64_t)j, r);
        if (a < 0 || a >= r || (seen >> a & 1))
            return SHAPE_ERR("axis out of range or repeated");
        seen |= 1u << a;
        int64_t dim = in[0]->dims[a], step = sp ? sp[j] : 1, s = st_[j], e = en[j];
        if (step == 0)
            return SHAPE_ERR("a step is 0");
        s = s < 0 ? s + dim : s;
        e = e < 0 ? (e < INT64_MIN / 2 ? -1 : e + dim) : e;
        if (step > 0) {
            s = s < 0 ? 0 : s > dim ? dim : s;
            e = e < 0 ? 0 : e > dim ? dim : e;
            p->len[a] = e > s ? (e - s + step - 1) / step : 0;
        } else {
            s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            p->len[a] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
        }
        p->start[a] = s;
        p->step[a] = step;
    }
    return CXRINFER_OK;
}

static cxrinfer_status infer_slice(const ci_node *n, T *in, T *out, const ci_graph *g,
                                   ci_err *err)
{
    slice_p p;
    cxrinfer_status st = need_inputs(n, in, 1, 0, err);
    if (st || (st = slice_params(n, in, g, &p, err)))
        return st;
    return set_out(n, out[0], in[0]->dtype, in[0]->rank, p.len, err);
}

static void exec_slice(const ci_node *n, T *in, T *out, const ci_graph *g)
{
    slice_p p;
    int64_t s[CXRINFER_MAX_RANK], idx[CXRINFER_MAX_RANK] = {0}, acc = 1;
    int r = in[0]->rank;
    slice_params(n, in, g, &p, NULL);
    for (int i = r - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= in[0]->dims[i];
    }
    size_t esz = ci_tensor_elem_size(in[0]->dtype);
    for (size_t o = 0; o < out[0]->count; o++) {
        int64_t off = 0;
        for (int i = 0; i < r; i++)
            off += (p.start[i] + idx[i] * p.step[i]) * s[i];
        memcpy((char *)out[0]->data + o * esz, (const char *)in[0]->data + (size_t)off * esz, esz);
        for (int i = r - 1; i >= 0; i--) {
            if (++idx[i] < out[0]->dims[i])
                break;
            idx[i] = 0;
        }
    }
}

static cxrinfer_status infer_concat(const ci_node *n, T *in, T *out, ci_err *err)
{
    if (n->n_in < 1 || !in[0])
        return SHAPE_ERR("needs at least one input");
    int r = in[0]->rank;
    int64_t axis = norm_axis(ci_attr_int(n, "axis", 0), r), d[CXRINFER_MAX_RANK];
    if (axis < 0 || axis >= r)
        return SHAPE_ERR("axis is out of range for rank %d", r);
    memcpy(d, in[0]->dims, sizeof(d));
    d[axis] = 0;
    for (int j = 0; j < n->n_in; j++) {
        if (!in[j] || in[j]->rank != r || in[j]->dtype != in[0]->dtype)
            return SHAPE_ERR("input %d has another rank or element type", j);
        for (int i = 0; i < r; i++)
            if (i != axis && in[j]->dims[i] != in[0]->dims[i])
                return SHAPE_ERR("input %d differs outside the axis", j);
        d[axis] += in[j]->dims[axis];
    }
    return set_out(n, out[0], in[0]->dtype, r, d, err);
}

static void exec_concat(const ci_node *n, T *in, T *out)
{
    int r = in[0]->rank;
    int64_t axis = norm_axis(ci_attr_int(n, "axis", 0), r), outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= in[0]->dims[i];
    for (int i = (int)axis + 1; i < r; i++)
        inner *= in[0]->dims[i];
    size_t esz = ci_tensor_elem_size(in[0]->dtype), at = 0;
    size_t row = (size_t)(out[0]->dims[axis] * inner) * esz;
    for (int j = 0; j < n->n_in; j++) {
        size_t part = (size_t)(in[j]->dims[axis] * inner) * esz;
        for (int64_t o = 0; o < outer; o++)
            memcpy((char *)out[0]->data + (size_t)o * row + at,
                   (const char *)in[j]->data + (size_t)o * part, part);
        at += part;
    }
}

/* Pad: 'constant' mode only ('reflect' and 'edge' are rare in classifiers). */
static cxrinfer_status pad_params(const ci_node *n, T *in, const ci_graph *g, int64_t *pads,
                                  float *value, ci_err *err)
{
    int r = in[0]->rank;
    const char *mode = ci_attr_str(n, "mode", "constant");
    if (strcmp(mode, "constant"))
        return UNSUP("mode '%s' is not supported (only 'constant')", mode);
    *value = 0.0f;
    if (g->opset < 11) {
        int k = ci_attr_ints(n, g->opset < 2 ? "paddings" : "pads", pads, 2 * CXRINFER_MAX_RANK);
        if (k != 2 * r)
            return SHAPE_ERR("'pads' has %d values for rank %d", k, r);
        *value = ci_attr_float(n, "value", 0.0f);
    } else {
        const int64_t *v = NULL;
        size_t k = 0;
        if (n->n_in < 2 || const_ints(in[1], &v, &k))
            return UNSUP("the pads input must be a constant int64 tensor");
        if (k != (size_t)(2 * r))
            return SHAPE_ERR("pads has %zu values for rank %d", k, r);
        if (n->n_in > 3 && in[3])
            return UNSUP("the axes input is not supported");
        memcpy(pads, v, k * sizeof(int64_t));
        if (n->n_in > 2 && in[2]) {
            if (in[2]->dtype != CXRINFER_FLOAT || in[2]->count != 1)
                return UNSUP("the constant_value input must be one float");
            *value = in[2]->data ? F(in[2])[0] : 0.0f; /* known when exec runs */
        }
    }
    for (int i = 0; i < 2 * r; i++)
        if (pads[i] < 0 || pads[i] > 65536)
            return UNSUP("negative or huge pads are not supported");
    return CXRINFER_OK;
}

static cxrinfer_status infer_pad(const ci_node *n, T *in, T *out, const ci_graph *g, ci_err *err)
{
    int64_t pads[2 * CXRINFER_MAX_RANK], d[CXRINFER_MAX_RANK];
    float v;
    cxrinfer_status st = need_inputs(n, in, 1, 1, err);
    if (st || (st = pad_params(n, in, g, pads, &v, err)))
        return st;
    for (int i = 0; i < in[0]->rank; i++)
        d[i] = in[0]->dims[i] + pads[i] + pads[i + in[0]->rank];
    return set_out(n, out[0], CXRINFER_FLOAT, in[0]->rank, d, err);
}

static void exec_pad(const ci_node *n, T *in, T *out, const ci_graph *g)
{
    int64_t pads[2 * CXRINFER_MAX_RANK], idx[CXRINFER_MAX_RANK] = {0}, s[CXRINFER_MAX_RANK];
    float v;
    int r = in[0]->rank;
    pad_params(n, in, g, pads, &v, NULL);
    int64_t acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= in[0]->dims[i];
    }
    for (size_t o = 0; o < out[0]->count; o++) {
        int64_t off = 0, inside = 1;
        for (int i = 0; i < r && inside; i++) {
            int64_t k = idx[i] - pads[i];
            inside = k >= 0 && k < in[0]->dims[i];
            off += k * s[i];
        }
        F(out[0])[o] = inside ? F(in[0])[off] : v;
        for (int i = r - 1; i >= 0; i--) {
            if (++idx[i] < out[0]->dims[i])
                break;
            idx[i] = 0;
        }
    }
}

int ci_ref_is_shape_only(const ci_node *n)
{
    return n->op == CI_OP_SHAPE || n->op == CI_OP_CONSTANT;
}

cxrinfer_status ci_ref_infer(const ci_graph *g, const ci_node *n, T *in, T *out, ci_err *err)
{
    if (n->n_out < 1 || n->out[0] < 0)
        return SHAPE_ERR("has no output");
    switch (n->op) {
    case CI_OP_CONV: return infer_conv(n, in, out, err);
    case CI_OP_RELU:
    case CI_OP_LEAKYRELU:
    case CI_OP_TANH:
    case CI_OP_SIGMOID: return infer_unary(n, in, out, 1, err);
    case CI_OP_CLIP: return infer_clip(n, in, out, err);
    case CI_OP_REDUCEMEAN: return infer_reducemean(n, in, out, g, err);
    case CI_OP_IDENTITY:
    case CI_OP_DROPOUT: return infer_unary(n, in, out, 0, err);
    case CI_OP_MAXPOOL:
    case CI_OP_AVGPOOL: return infer_pool(n, in, out, err);
    case CI_OP_GLOBALAVGPOOL: return infer_gap(n, in, out, err);
    case CI_OP_PAD: return infer_pad(n, in, out, g, err);
    case CI_OP_TRANSPOSE: return infer_transpose(n, in, out, err);
    case CI_OP_RESHAPE: return infer_reshape(n, in, out, g, err);
    case CI_OP_FLATTEN: return infer_flatten(n, in, out, err);
    case CI_OP_MATMUL: return infer_matmul(n, in, out, err);
    case CI_OP_GEMM: return infer_gemm(n, in, out, err);
    case CI_OP_ADD:
    case CI_OP_SUB:
    case CI_OP_MUL:
    case CI_OP_DIV: return infer_binary(n, in, out, err);
    case CI_OP_SOFTMAX: return infer_softmax(n, in, out, g, err);
    case CI_OP_SQUEEZE:
    case CI_OP_UNSQUEEZE: return infer_squeeze(n, in, out, g, err);
    case CI_OP_BATCHNORM: return infer_batchnorm(n, in, out, err);
    case CI_OP_CONSTANT: return infer_constant(n, out, err);
    case CI_OP_SHAPE: return infer_shape(n, in, out, err);
    case CI_OP_GATHER: return infer_gather(n, in, out, err);
    case CI_OP_CAST: return infer_cast(n, in, out, err);
    case CI_OP_SLICE: return infer_slice(n, in, out, g, err);
    case CI_OP_CONCAT: return infer_concat(n, in, out, err);
    default: return UNSUP("op is not supported");
    }
}

void ci_ref_exec(const ci_graph *g, const ci_node *n, T *in, T *out)
{
    switch (n->op) {
    case CI_OP_CONV: exec_conv(n, in, out); break;
    case CI_OP_RELU:
    case CI_OP_LEAKYRELU:
    case CI_OP_TANH:
    case CI_OP_CLIP:
    case CI_OP_SIGMOID:
    case CI_OP_IDENTITY:
    case CI_OP_DROPOUT: exec_unary(n, in, out); break;
    case CI_OP_REDUCEMEAN: exec_reducemean(n, in, out, g); break;
    case CI_OP_MAXPOOL:
    case CI_OP_AVGPOOL: exec_pool(n, in, out); break;
    case CI_OP_GLOBALAVGPOOL: exec_gap(in, out); break;
    case CI_OP_PAD: exec_pad(n, in, out, g); break;
    case CI_OP_TRANSPOSE: exec_transpose(n, in, out); break;
    case CI_OP_RESHAPE:
    case CI_OP_FLATTEN:
    case CI_OP_SQUEEZE:
    case CI_OP_UNSQUEEZE: exec_copy(in, out); break;
    case CI_OP_MATMUL: exec_matmul(in, out); break;
    case CI_OP_GEMM: exec_gemm(n, in, out); break;
    case CI_OP_ADD:
    case CI_OP_SUB:
    case CI_OP_MUL:
    case CI_OP_DIV: exec_binary(n, in, out); break;
    case CI_OP_SOFTMAX: exec_softmax(n, in, out, g); break;
    case CI_OP_BATCHNORM: exec_batchnorm(n, in, out); break;
    case CI_OP_CONSTANT: exec_constant(n, out); break;
    case CI_OP_SHAPE: exec_shape(n, in, out); break;
    case CI_OP_GATHER: exec_gather(n, in, out); break;
    case CI_OP_CAST: exec_cast(n, in, out); break;
    case CI_OP_SLICE: exec_slice(n, in, out, g); break;
    case CI_OP_CONCAT: exec_concat(n, in, out); break;
    default: break;
    }
}
