/* ops.h: what the op files (ops_*.c) share: typed views of a tensor's data,
 * input and output checks whose failures name the node, broadcasting, and
 * each op family's shape function (_infer) and plain-C kernel (_exec).
 *
 * An _infer function checks a node's inputs and sets its outputs' dtype and
 * shape; input data is present only where known at plan time. An _exec
 * function computes outputs whose data is allocated, from inputs that the
 * matching _infer accepted. ops_dispatch.c picks them by op. */
#ifndef CXRINFER_OPS_H
#define CXRINFER_OPS_H

#include "internal.h"

/* A tensor's data as floats or int64s (the dtype says which). */
static inline float *ci_f32(const ci_tensor *t)
{
    return (float *)t->data;
}

static inline int64_t *ci_i64(const ci_tensor *t)
{
    return (int64_t *)t->data;
}

/* ---- ops_util.c ---- */

/* Records "node 'name' ('Op'): <message>" with CXRINFER_ERR_SHAPE or
 * CXRINFER_ERR_UNSUPPORTED and returns that status ('err' may be NULL). */
cxrinfer_status ci_shape_error(const ci_node *node, ci_err *err, const char *fmt, ...)
    CI_PRINTF(3, 4);
cxrinfer_status ci_unsupported(const ci_node *node, ci_err *err, const char *fmt, ...)
    CI_PRINTF(3, 4);

/* A negative axis counted from the end. */
int64_t ci_norm_axis(int64_t axis, int rank);
/* Checks that inputs 0..need-1 are present, and float where bit j of
 * 'float_mask' is set. */
cxrinfer_status ci_need_inputs(const ci_node *node, ci_tensor **in, int need,
                               unsigned float_mask, ci_err *err);
cxrinfer_status ci_set_output(const ci_node *node, ci_tensor *out, int dtype, int rank,
                              const int64_t *dims, ci_err *err);
/* Points *values at a constant int64 input; -1 when absent or not known. */
int ci_const_ints(const ci_tensor *tensor, const int64_t **values, size_t *count);
/* The broadcast shape of in[0..n_in-1] (numpy rules). */
cxrinfer_status ci_broadcast_shape(const ci_node *node, ci_tensor **in, int n_in,
                                   int64_t *dims, int *rank, ci_err *err);
/* Strides of 'tensor' seen with the rank of 'out' (0 where broadcast). */
void ci_broadcast_strides(const ci_tensor *tensor, const ci_tensor *out, int64_t *strides);

/* ---- ops_window.c: a 1-D or 2-D window seen as 2-D (height 1 for 1-D) ---- */

typedef struct ci_window_2d {
    int64_t in_h, in_w, out_h, out_w;
    int64_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
    int64_t pad_top, pad_left, pad_bottom, pad_right;
} ci_window_2d;

ci_window_2d ci_window_as_2d(const ci_window *win, const ci_tensor *input);

/* ---- ops_conv.c ---- */
cxrinfer_status ci_conv_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err);
void ci_conv_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);

/* ---- ops_pool.c: MaxPool, AveragePool, GlobalAveragePool ---- */
cxrinfer_status ci_pool_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err);
void ci_pool_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_global_pool_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                     ci_err *err);
void ci_global_pool_exec(ci_tensor **in, ci_tensor **out);

/* ---- ops_elementwise.c: activations, Identity, Dropout, Clip, Cast, and
 * the broadcasting Add, Sub, Mul, Div ---- */
cxrinfer_status ci_unary_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                               int need_float, ci_err *err);
cxrinfer_status ci_clip_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err);
void ci_unary_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_binary_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err);
void ci_binary_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_cast_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err);
void ci_cast_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);

/* ---- ops_reduce.c: ReduceMean ---- */
cxrinfer_status ci_reducemean_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                    ci_tensor **out, ci_err *err);
void ci_reducemean_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                        ci_tensor **out);

/* ---- ops_normalize.c: Softmax, BatchNormalization ---- */
cxrinfer_status ci_softmax_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                 ci_tensor **out, ci_err *err);
void ci_softmax_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                     ci_tensor **out);
cxrinfer_status ci_batchnorm_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                   ci_err *err);
void ci_batchnorm_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);

/* ---- ops_matmul.c: MatMul, Gemm ---- */
cxrinfer_status ci_matmul_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err);
void ci_matmul_exec(ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_gemm_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err);
void ci_gemm_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);

/* ---- ops_shape.c: Reshape, Flatten, Squeeze, Unsqueeze (a copy with a
 * new shape), Shape, Constant ---- */
cxrinfer_status ci_reshape_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                 ci_tensor **out, ci_err *err);
cxrinfer_status ci_flatten_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                 ci_err *err);
cxrinfer_status ci_squeeze_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                 ci_tensor **out, ci_err *err);
void ci_copy_exec(ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_shape_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                               ci_err *err);
void ci_shape_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_constant_infer(const ci_node *node, ci_tensor **out, ci_err *err);
void ci_constant_exec(const ci_node *node, ci_tensor **out);

/* ---- ops_movement.c: Transpose, Gather, Slice, Concat, Pad ---- */
cxrinfer_status ci_transpose_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                   ci_err *err);
void ci_transpose_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_gather_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err);
void ci_gather_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_slice_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                               ci_tensor **out, ci_err *err);
void ci_slice_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                   ci_tensor **out);
cxrinfer_status ci_concat_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err);
void ci_concat_exec(const ci_node *node, ci_tensor **in, ci_tensor **out);
cxrinfer_status ci_pad_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                             ci_tensor **out, ci_err *err);
void ci_pad_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in, ci_tensor **out);

#endif
