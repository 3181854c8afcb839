/* ops_normalize.c: the normalizing ops: Softmax (opset < 13 and >= 13
 * semantics) and BatchNormalization (inference). */
#include <math.h>

#include "ops.h"

static int64_t softmax_axis(const ci_graph *graph, const ci_node *node, int rank)
{
    return ci_norm_axis(ci_attr_int(node, "axis", graph->opset >= 13 ? -1 : 1), rank);
}

cxrinfer_status ci_softmax_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                 ci_tensor **out, ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 1, err);
    if (st)
        return st;
    int64_t axis = softmax_axis(graph, node, in[0]->rank);
    if (axis < 0 || axis >= (in[0]->rank ? in[0]->rank : 1))
        return ci_shape_error(node, err, "axis %lld is out of range for rank %d",
                              (long long)ci_attr_int(node, "axis", 0), in[0]->rank);
    return ci_set_output(node, out[0], CXRINFER_FLOAT, in[0]->rank, in[0]->dims, err);
}

/* Softmax of 'len' values 'stride' apart. */
static void softmax_line(const float *src, float *dst, int64_t len, int64_t stride)
{
    float max = -INFINITY;
    double sum = 0;
    for (int64_t i = 0; i < len; i++)
        max = src[i * stride] > max ? src[i * stride] : max;
    for (int64_t i = 0; i < len; i++) {
        dst[i * stride] = expf(src[i * stride] - max);
        sum += dst[i * stride];
    }
    for (int64_t i = 0; i < len; i++)
        dst[i * stride] = (float)(dst[i * stride] / sum);
}

void ci_softmax_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                     ci_tensor **out)
{
    int rank = in[0]->rank;
    int64_t axis = softmax_axis(graph, node, rank);
    int64_t outer = 1, len = 1, inner = 1;
    /* before opset 13 the axis and all after it are flattened into one */
    for (int i = 0; i < rank; i++) {
        if (i < axis)
            outer *= in[0]->dims[i];
        else if (i == axis || graph->opset < 13)
            len *= in[0]->dims[i];
        else
            inner *= in[0]->dims[i];
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < inner; k++)
            softmax_line(ci_f32(in[0]) + o * len * inner + k,
                         ci_f32(out[0]) + o * len * inner + k, len, inner);
}

cxrinfer_status ci_batchnorm_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                   ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 5, 31, err);
    if (st)
        return st;
    if (ci_attr_int(node, "training_mode", 0) || (node->n_out > 1 && node->out[1] >= 0))
        return ci_unsupported(node, err, "training mode is not supported (inference only)");
    if (in[0]->rank < 2)
        return ci_shape_error(node, err, "input has rank %d", in[0]->rank);
    for (int j = 1; j < 5; j++)
        if (in[j]->count != (size_t)in[0]->dims[1])
            return ci_shape_error(node, err, "input %d has %zu values for %lld channels", j,
                                  in[j]->count, (long long)in[0]->dims[1]);
    return ci_set_output(node, out[0], CXRINFER_FLOAT, in[0]->rank, in[0]->dims, err);
}

void ci_batchnorm_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    float epsilon = ci_attr_float(node, "epsilon", 1e-5f);
    const float *gamma = ci_f32(in[1]), *beta = ci_f32(in[2]);
    const float *mean = ci_f32(in[3]), *var = ci_f32(in[4]);
    int64_t batch = in[0]->dims[0], channels = in[0]->dims[1];
    size_t plane_size = (batch * channels) != 0 ? in[0]->count / (size_t)(batch * channels) : 0;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t c = 0; c < channels; c++) {
            float scale = gamma[c] / sqrtf(var[c] + epsilon);
            float shift = beta[c] - mean[c] * scale;
            const float *src = ci_f32(in[0]) + (size_t)(b * channels + c) * plane_size;
            float *dst = ci_f32(out[0]) + (size_t)(b * channels + c) * plane_size;
            for (size_t i = 0; i < plane_size; i++)
                dst[i] = src[i] * scale + shift;
        }
}
