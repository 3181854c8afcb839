/* ops_reduce.c: ReduceMean (axes as an attribute, or an input from opset 18). */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* The reduced axes as a bit mask (all axes when none are given, none with
 * noop_with_empty_axes). */
static cxrinfer_status reduce_axes(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                   int *mask, ci_err *err)
{
    int64_t axes[CXRINFER_MAX_RANK + 1];
    int n_axes = -1, rank = in[0]->rank;
    if (graph->opset < 18 || node->n_in < 2 || !in[1]) {
        n_axes = ci_attr_ints(node, "axes", axes, CXRINFER_MAX_RANK + 1);
    } else {
        const int64_t *values;
        size_t count;
        if (ci_const_ints(in[1], &values, &count) || count > CXRINFER_MAX_RANK)
            return ci_unsupported(node, err, "the axes input must be a constant int64 tensor");
        memcpy(axes, values, count * sizeof(int64_t));
        n_axes = (int)count;
    }
    if (n_axes > CXRINFER_MAX_RANK)
        return ci_shape_error(node, err, "too many axes");
    *mask = 0;
    if (n_axes <= 0) {
        if (n_axes == 0 && ci_attr_int(node, "noop_with_empty_axes", 0))
            return CXRINFER_OK;
        *mask = (1 << rank) - 1;
        return CXRINFER_OK;
    }
    for (int i = 0; i < n_axes; i++) {
        int64_t axis = ci_norm_axis(axes[i], rank);
        if (axis < 0 || axis >= rank)
            return ci_shape_error(node, err, "axis %lld is out of range for rank %d",
                                  (long long)axes[i], rank);
        *mask |= 1 << axis;
    }
    return CXRINFER_OK;
}

cxrinfer_status ci_reducemean_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                    ci_tensor **out, ci_err *err)
{
    int mask, rank = 0, keepdims = ci_attr_int(node, "keepdims", 1) != 0;
    int64_t dims[CXRINFER_MAX_RANK];
    cxrinfer_status st = ci_need_inputs(node, in, 1, 1, err);
    if (st || (st = reduce_axes(graph, node, in, &mask, err)))
        return st;
    for (int i = 0; i < in[0]->rank; i++)
        if (!(mask >> i & 1))
            dims[rank++] = in[0]->dims[i];
        else if (keepdims)
            dims[rank++] = 1;
    return ci_set_output(node, out[0], CXRINFER_FLOAT, rank, dims, err);
}

void ci_reducemean_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                        ci_tensor **out)
{
    int mask, rank = in[0]->rank;
    int64_t idx[CXRINFER_MAX_RANK] = {0}, out_strides[CXRINFER_MAX_RANK], step = 1;
    reduce_axes(graph, node, in, &mask, NULL);
    /* output strides seen from the input's dims (0 on reduced axes) */
    for (int i = rank - 1; i >= 0; i--) {
        out_strides[i] = mask >> i & 1 ? 0 : step;
        step *= mask >> i & 1 ? 1 : in[0]->dims[i];
    }
    size_t per_output = out[0]->count ? in[0]->count / out[0]->count : 0;
    double *sum = calloc(out[0]->count ? out[0]->count : 1, sizeof(double));
    if (!sum)
        return;
    for (size_t k = 0; k < in[0]->count; k++) {
        int64_t at = 0;
        for (int i = 0; i < rank; i++)
            at += idx[i] * out_strides[i];
        sum[at] += ci_f32(in[0])[k];
        for (int i = rank - 1; i >= 0; i--) {
            if (++idx[i] < in[0]->dims[i])
                break;
            idx[i] = 0;
        }
    }
    for (size_t k = 0; k < out[0]->count; k++)
        ci_f32(out[0])[k] = per_output ? (float)(sum[k] / (double)per_output) : 0.0f;
    free(sum);
}
