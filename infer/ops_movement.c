/* ops_movement.c: ops that move values to new places: Transpose, Gather,
 * Slice, Concat, Pad (constant mode). */
#include <string.h>

#include "ops.h"

/* Row-major strides of 'tensor'. */
static void dense_strides(const ci_tensor *tensor, int64_t *strides)
{
    int64_t step = 1;
    for (int i = tensor->rank - 1; i >= 0; i--) {
        strides[i] = step;
        step *= tensor->dims[i];
    }
}

/* Steps a row-major index over 'dims' (the last axis fastest). */
static void next_index(int64_t *idx, const int64_t *dims, int rank)
{
    for (int i = rank - 1; i >= 0; i--) {
        if (++idx[i] < dims[i])
            break;
        idx[i] = 0;
    }
}

/* Transpose's 'perm' (reversed axes when absent); returns its length. */
static int transpose_perm(const ci_node *node, int rank, int64_t *perm)
{
    int count = ci_attr_ints(node, "perm", perm, CXRINFER_MAX_RANK + 1);
    if (count < 0)
        for (count = 0; count < rank; count++)
            perm[count] = rank - 1 - count;
    return count;
}

cxrinfer_status ci_transpose_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                   ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 0, err);
    if (st)
        return st;
    int64_t perm[CXRINFER_MAX_RANK + 1], dims[CXRINFER_MAX_RANK];
    int rank = in[0]->rank, count = transpose_perm(node, rank, perm);
    if (count != rank)
        return ci_shape_error(node, err, "'perm' has %d values for rank %d", count, rank);
    unsigned seen = 0;
    for (int i = 0; i < rank; i++) {
        if (perm[i] < 0 || perm[i] >= rank || (seen >> perm[i] & 1))
            return ci_shape_error(node, err, "'perm' is not a permutation");
        seen |= 1u << perm[i];
        dims[i] = in[0]->dims[perm[i]];
    }
    return ci_set_output(node, out[0], in[0]->dtype, rank, dims, err);
}

void ci_transpose_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    int64_t perm[CXRINFER_MAX_RANK + 1], strides[CXRINFER_MAX_RANK];
    int64_t src_strides[CXRINFER_MAX_RANK], idx[CXRINFER_MAX_RANK] = {0};
    int rank = in[0]->rank;
    transpose_perm(node, rank, perm);
    dense_strides(in[0], strides);
    for (int i = 0; i < rank; i++)
        src_strides[i] = strides[perm[i]];
    size_t elem_size = ci_tensor_elem_size(in[0]->dtype);
    const char *src = in[0]->data;
    char *dst = out[0]->data;
    for (size_t at = 0; at < out[0]->count; at++) {
        int64_t from = 0;
        for (int i = 0; i < rank; i++)
            from += idx[i] * src_strides[i];
        memcpy(dst + at * elem_size, src + (size_t)from * elem_size, elem_size);
        next_index(idx, out[0]->dims, rank);
    }
}

cxrinfer_status ci_gather_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 2, 0, err);
    if (st)
        return st;
    const ci_tensor *data = in[0], *indices = in[1];
    int rank = data->rank, out_rank = 0;
    int64_t axis = ci_norm_axis(ci_attr_int(node, "axis", 0), rank), dims[CXRINFER_MAX_RANK];
    if (axis < 0 || axis >= rank)
        return ci_shape_error(node, err, "axis is out of range for rank %d", rank);
    if (indices->dtype != CXRINFER_INT64)
        return ci_unsupported(node, err, "indices are not integers");
    if (rank - 1 + indices->rank > CXRINFER_MAX_RANK)
        return ci_unsupported(node, err, "rank too large");
    if (indices->data)
        for (size_t i = 0; i < indices->count; i++)
            if (ci_i64(indices)[i] < -data->dims[axis] || ci_i64(indices)[i] >= data->dims[axis])
                return ci_shape_error(node, err, "index %lld is out of range",
                                      (long long)ci_i64(indices)[i]);
    for (int i = 0; i < axis; i++)
        dims[out_rank++] = data->dims[i];
    for (int i = 0; i < indices->rank; i++)
        dims[out_rank++] = indices->dims[i];
    for (int i = (int)axis + 1; i < rank; i++)
        dims[out_rank++] = data->dims[i];
    return ci_set_output(node, out[0], data->dtype, out_rank, dims, err);
}

void ci_gather_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    const ci_tensor *data = in[0], *indices = in[1];
    int rank = data->rank;
    int64_t axis = ci_norm_axis(ci_attr_int(node, "axis", 0), rank), outer = 1, inner = 1;
    int64_t axis_len = data->dims[axis];
    for (int i = 0; i < axis; i++)
        outer *= data->dims[i];
    for (int i = (int)axis + 1; i < rank; i++)
        inner *= data->dims[i];
    size_t elem_size = ci_tensor_elem_size(data->dtype), n_indices = indices->count;
    size_t block = (size_t)inner * elem_size;
    char *dst = out[0]->data;
    const char *src = data->data;
    for (int64_t o = 0; o < outer; o++)
        for (size_t j = 0; j < n_indices; j++) {
            int64_t index = ci_i64(indices)[j];
            index = index < 0 ? index + axis_len : index;
            if (index < 0 || index >= axis_len)
                index = 0; /* checked at plan time when constant; keep memory safe */
            memcpy(dst + ((size_t)o * n_indices + j) * block,
                   src + (size_t)(o * axis_len + index) * block, block);
        }
}

/* Slice per axis: the first index, the step, and how many are taken. */
typedef struct slice_plan {
    int64_t start[CXRINFER_MAX_RANK], step[CXRINFER_MAX_RANK], len[CXRINFER_MAX_RANK];
} slice_plan;

/* Slice's starts, ends, axes and steps, and how many of each: attributes
 * before opset 10, inputs after (axes and steps NULL when absent). */
typedef struct slice_args {
    const int64_t *starts, *ends, *axes, *steps;
    size_t count;
    int64_t attr_starts[CXRINFER_MAX_RANK], attr_ends[CXRINFER_MAX_RANK];
    int64_t attr_axes[CXRINFER_MAX_RANK];
} slice_args;

static cxrinfer_status slice_read_args(const ci_graph *graph, const ci_node *node,
                                       ci_tensor **in, slice_args *args, ci_err *err)
{
    size_t n_starts = 0, n_ends = 0, n_axes = 0, n_steps = 0;
    memset(args, 0, sizeof(*args));
    if (graph->opset < 10) {
        int starts = ci_attr_ints(node, "starts", args->attr_starts, CXRINFER_MAX_RANK);
        int ends = ci_attr_ints(node, "ends", args->attr_ends, CXRINFER_MAX_RANK);
        int axes = ci_attr_ints(node, "axes", args->attr_axes, CXRINFER_MAX_RANK);
        if (starts < 0 || ends < 0)
            return ci_shape_error(node, err, "'starts' or 'ends' is missing");
        args->starts = args->attr_starts, args->ends = args->attr_ends;
        n_starts = (size_t)starts, n_ends = (size_t)ends;
        if (axes >= 0)
            args->axes = args->attr_axes, n_axes = (size_t)axes;
    } else {
        if (node->n_in < 3 || ci_const_ints(in[1], &args->starts, &n_starts) ||
            ci_const_ints(in[2], &args->ends, &n_ends))
            return ci_unsupported(node, err, "'starts' and 'ends' must be constant int64 inputs");
        if (node->n_in > 3 && in[3] && ci_const_ints(in[3], &args->axes, &n_axes))
            return ci_unsupported(node, err, "'axes' must be a constant int64 input");
        if (node->n_in > 4 && in[4] && ci_const_ints(in[4], &args->steps, &n_steps))
            return ci_unsupported(node, err, "'steps' must be a constant int64 input");
    }
    if (n_starts != n_ends || (args->axes && n_axes != n_starts) ||
        (args->steps && n_steps != n_starts) || n_starts > (size_t)in[0]->rank)
        return ci_shape_error(node, err, "starts, ends, axes and steps disagree in length");
    args->count = n_starts;
    return CXRINFER_OK;
}

/* Clamps one axis' start and end to its size 'dim' and counts the indices. */
static void slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, slice_plan *plan,
                       int64_t axis)
{
    start = start < 0 ? start + dim : start;
    end = end < 0 ? (end < INT64_MIN / 2 ? -1 : end + dim) : end;
    if (step > 0) {
        start = start < 0 ? 0 : start > dim ? dim : start;
        end = end < 0 ? 0 : end > dim ? dim : end;
        plan->len[axis] = end > start ? (end - start + step - 1) / step : 0;
    } else {
        start = start < 0 ? -1 : start > dim - 1 ? dim - 1 : start;
        end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
        plan->len[axis] = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
    plan->start[axis] = start;
    plan->step[axis] = step;
}

static cxrinfer_status slice_params(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                    slice_plan *plan, ci_err *err)
{
    slice_args args;
    int rank = in[0]->rank;
    cxrinfer_status st = slice_read_args(graph, node, in, &args, err);
    if (st)
        return st;
    for (int i = 0; i < rank; i++) {
        plan->start[i] = 0;
        plan->step[i] = 1;
        plan->len[i] = in[0]->dims[i];
    }
    unsigned seen = 0;
    for (size_t j = 0; j < args.count; j++) {
        int64_t axis = ci_norm_axis(args.axes ? args.axes[j] : (int64_t)j, rank);
        if (axis < 0 || axis >= rank || (seen >> axis & 1))
            return ci_shape_error(node, err, "axis out of range or repeated");
        seen |= 1u << axis;
        int64_t step = args.steps ? args.steps[j] : 1;
        if (step == 0)
            return ci_shape_error(node, err, "a step is 0");
        slice_axis(in[0]->dims[axis], args.starts[j], args.ends[j], step, plan, axis);
    }
    return CXRINFER_OK;
}

cxrinfer_status ci_slice_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                               ci_tensor **out, ci_err *err)
{
    slice_plan plan;
    cxrinfer_status st = ci_need_inputs(node, in, 1, 0, err);
    if (st || (st = slice_params(graph, node, in, &plan, err)))
        return st;
    return ci_set_output(node, out[0], in[0]->dtype, in[0]->rank, plan.len, err);
}

void ci_slice_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                   ci_tensor **out)
{
    slice_plan plan;
    int64_t strides[CXRINFER_MAX_RANK], idx[CXRINFER_MAX_RANK] = {0};
    int rank = in[0]->rank;
    slice_params(graph, node, in, &plan, NULL);
    dense_strides(in[0], strides);
    size_t elem_size = ci_tensor_elem_size(in[0]->dtype);
    for (size_t at = 0; at < out[0]->count; at++) {
        int64_t from = 0;
        for (int i = 0; i < rank; i++)
            from += (plan.start[i] + idx[i] * plan.step[i]) * strides[i];
        memcpy((char *)out[0]->data + at * elem_size,
               (const char *)in[0]->data + (size_t)from * elem_size, elem_size);
        next_index(idx, out[0]->dims, rank);
    }
}

cxrinfer_status ci_concat_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err)
{
    if (node->n_in < 1 || !in[0])
        return ci_shape_error(node, err, "needs at least one input");
    int rank = in[0]->rank;
    int64_t axis = ci_norm_axis(ci_attr_int(node, "axis", 0), rank), dims[CXRINFER_MAX_RANK];
    if (axis < 0 || axis >= rank)
        return ci_shape_error(node, err, "axis is out of range for rank %d", rank);
    memcpy(dims, in[0]->dims, sizeof(dims));
    dims[axis] = 0;
    for (int j = 0; j < node->n_in; j++) {
        if (!in[j] || in[j]->rank != rank || in[j]->dtype != in[0]->dtype)
            return ci_shape_error(node, err, "input %d has another rank or element type", j);
        for (int i = 0; i < rank; i++)
            if (i != axis && in[j]->dims[i] != in[0]->dims[i])
                return ci_shape_error(node, err, "input %d differs outside the axis", j);
        dims[axis] += in[j]->dims[axis];
    }
    return ci_set_output(node, out[0], in[0]->dtype, rank, dims, err);
}

void ci_concat_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    int rank = in[0]->rank;
    int64_t axis = ci_norm_axis(ci_attr_int(node, "axis", 0), rank), outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= in[0]->dims[i];
    for (int i = (int)axis + 1; i < rank; i++)
        inner *= in[0]->dims[i];
    size_t elem_size = ci_tensor_elem_size(in[0]->dtype), at = 0;
    size_t out_row = (size_t)(out[0]->dims[axis] * inner) * elem_size;
    for (int j = 0; j < node->n_in; j++) {
        size_t part = (size_t)(in[j]->dims[axis] * inner) * elem_size;
        for (int64_t o = 0; o < outer; o++)
            memcpy((char *)out[0]->data + (size_t)o * out_row + at,
                   (const char *)in[j]->data + (size_t)o * part, part);
        at += part;
    }
}

/* Pad: 'constant' mode only ('reflect' and 'edge' are rare in classifiers).
 * Pads and value: attributes before opset 11, inputs after. */
static cxrinfer_status pad_params(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                  int64_t *pads, float *value, ci_err *err)
{
    int rank = in[0]->rank;
    const char *mode = ci_attr_str(node, "mode", "constant");
    if (strcmp(mode, "constant"))
        return ci_unsupported(node, err, "mode '%s' is not supported (only 'constant')", mode);
    *value = 0.0f;
    if (graph->opset < 11) {
        int count = ci_attr_ints(node, graph->opset < 2 ? "paddings" : "pads", pads,
                                 2 * CXRINFER_MAX_RANK);
        if (count != 2 * rank)
            return ci_shape_error(node, err, "'pads' has %d values for rank %d", count, rank);
        *value = ci_attr_float(node, "value", 0.0f);
    } else {
        const int64_t *values = NULL;
        size_t count = 0;
        if (node->n_in < 2 || ci_const_ints(in[1], &values, &count))
            return ci_unsupported(node, err, "the pads input must be a constant int64 tensor");
        if (count != (size_t)(2 * rank))
            return ci_shape_error(node, err, "pads has %zu values for rank %d", count, rank);
        if (node->n_in > 3 && in[3])
            return ci_unsupported(node, err, "the axes input is not supported");
        memcpy(pads, values, count * sizeof(int64_t));
        if (node->n_in > 2 && in[2]) {
            if (in[2]->dtype != CXRINFER_FLOAT || in[2]->count != 1)
                return ci_unsupported(node, err, "the constant_value input must be one float");
            *value = in[2]->data ? ci_f32(in[2])[0] : 0.0f; /* known when exec runs */
        }
    }
    for (int i = 0; i < 2 * rank; i++)
        if (pads[i] < 0 || pads[i] > 65536)
            return ci_unsupported(node, err, "negative or huge pads are not supported");
    return CXRINFER_OK;
}

cxrinfer_status ci_pad_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                             ci_tensor **out, ci_err *err)
{
    int64_t pads[2 * CXRINFER_MAX_RANK], dims[CXRINFER_MAX_RANK];
    float value;
    cxrinfer_status st = ci_need_inputs(node, in, 1, 1, err);
    if (st || (st = pad_params(graph, node, in, pads, &value, err)))
        return st;
    for (int i = 0; i < in[0]->rank; i++)
        dims[i] = in[0]->dims[i] + pads[i] + pads[i + in[0]->rank];
    return ci_set_output(node, out[0], CXRINFER_FLOAT, in[0]->rank, dims, err);
}

void ci_pad_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    int64_t pads[2 * CXRINFER_MAX_RANK], idx[CXRINFER_MAX_RANK] = {0};
    int64_t strides[CXRINFER_MAX_RANK];
    float value;
    int rank = in[0]->rank;
    pad_params(graph, node, in, pads, &value, NULL);
    dense_strides(in[0], strides);
    for (size_t at = 0; at < out[0]->count; at++) {
        int64_t from = 0, inside = 1;
        for (int i = 0; i < rank && inside; i++) {
            int64_t in_index = idx[i] - pads[i];
            inside = in_index >= 0 && in_index < in[0]->dims[i];
            from += in_index * strides[i];
        }
        ci_f32(out[0])[at] = inside ? ci_f32(in[0])[from] : value;
        next_index(idx, out[0]->dims, rank);
    }
}
