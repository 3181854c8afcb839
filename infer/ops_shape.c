/* ops_shape.c: ops that only give their input a new shape (Reshape,
 * Flatten, Squeeze, Unsqueeze: a plain copy), or make a constant (Shape,
 * Constant). */
#include <string.h>

#include "ops.h"

/* The target shape of Reshape: an attribute before opset 5, an input after. */
static cxrinfer_status reshape_target(const ci_graph *graph, const ci_node *node,
                                      ci_tensor **in, int64_t *attr, const int64_t **target,
                                      size_t *rank, ci_err *err)
{
    if (graph->opset < 5) {
        int count = ci_attr_ints(node, "shape", attr, CXRINFER_MAX_RANK + 1);
        if (count < 0)
            return ci_shape_error(node, err, "attribute 'shape' is missing");
        *target = attr;
        *rank = (size_t)count;
    } else if (ci_const_ints(in[1], target, rank)) {
        return ci_unsupported(node, err, "the shape input '%s' is not a constant int64 tensor",
                              node->in_names[1]);
    }
    if (*rank > CXRINFER_MAX_RANK)
        return ci_unsupported(node, err, "target rank %zu is too large", *rank);
    return CXRINFER_OK;
}

cxrinfer_status ci_reshape_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                 ci_tensor **out, ci_err *err)
{
    const int64_t *target;
    int64_t attr[CXRINFER_MAX_RANK + 1], dims[CXRINFER_MAX_RANK];
    size_t rank;
    cxrinfer_status st = ci_need_inputs(node, in, graph->opset >= 5 ? 2 : 1, 0, err);
    if (st || (st = reshape_target(graph, node, in, attr, &target, &rank, err)))
        return st;
    int allowzero = ci_attr_int(node, "allowzero", 0) != 0, infer_at = -1;
    size_t known = 1;
    for (size_t i = 0; i < rank; i++) {
        dims[i] = target[i];
        if (dims[i] == 0 && !allowzero) {
            if ((int)i >= in[0]->rank)
                return ci_shape_error(node, err,
                                      "a 0 in the shape copies a dimension the input lacks");
            dims[i] = in[0]->dims[i];
        }
        if (dims[i] == -1) {
            if (infer_at >= 0)
                return ci_shape_error(node, err, "the shape has two -1 values");
            infer_at = (int)i;
        } else if (dims[i] < 0) {
            return ci_shape_error(node, err, "the shape holds %lld", (long long)dims[i]);
        } else {
            known *= (size_t)dims[i];
        }
    }
    if (infer_at >= 0) {
        if (known == 0 || in[0]->count % known)
            return ci_shape_error(node, err, "cannot infer -1: %zu values do not divide into %zu",
                                  in[0]->count, known);
        dims[infer_at] = (int64_t)(in[0]->count / known);
        known *= (size_t)dims[infer_at];
    }
    if (known != in[0]->count) {
        char shape[200];
        return ci_shape_error(node, err, "cannot reshape %s (%zu values) into %zu values",
                              ci_shape_str(in[0], shape, sizeof shape), in[0]->count, known);
    }
    return ci_set_output(node, out[0], in[0]->dtype, (int)rank, dims, err);
}

cxrinfer_status ci_flatten_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                 ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 0, err);
    if (st)
        return st;
    int rank = in[0]->rank;
    int64_t axis = ci_norm_axis(ci_attr_int(node, "axis", 1), rank);
    if (axis < 0 || axis > rank)
        return ci_shape_error(node, err, "axis is out of range for rank %d", rank);
    int64_t dims[2] = {1, 1};
    for (int i = 0; i < rank; i++)
        dims[i >= axis] *= in[0]->dims[i];
    return ci_set_output(node, out[0], in[0]->dtype, 2, dims, err);
}

/* Axes of Squeeze/Unsqueeze: attribute before opset 13, input after. */
static cxrinfer_status squeeze_axes(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                    int64_t *axes, int *n_axes, ci_err *err)
{
    if (graph->opset < 13 || node->n_in < 2 || !in[1]) {
        *n_axes = ci_attr_ints(node, "axes", axes, CXRINFER_MAX_RANK);
        if (*n_axes > CXRINFER_MAX_RANK)
            return ci_shape_error(node, err, "too many axes");
        return CXRINFER_OK;
    }
    const int64_t *values;
    size_t count;
    if (ci_const_ints(in[1], &values, &count))
        return ci_unsupported(node, err, "the axes input '%s' is not a constant int64 tensor",
                              node->in_names[1]);
    if (count > CXRINFER_MAX_RANK)
        return ci_shape_error(node, err, "too many axes");
    memcpy(axes, values, count * sizeof(int64_t));
    *n_axes = (int)count;
    return CXRINFER_OK;
}

/* Squeeze drops the given axes of size 1 (all of them when none are
 * given); Unsqueeze inserts axes of size 1. */
cxrinfer_status ci_squeeze_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                                 ci_tensor **out, ci_err *err)
{
    int64_t axes[CXRINFER_MAX_RANK], dims[CXRINFER_MAX_RANK];
    int n_axes = -1, marked[CXRINFER_MAX_RANK] = {0}, rank = 0;
    cxrinfer_status st = ci_need_inputs(node, in, 1, 0, err);
    if (st || (st = squeeze_axes(graph, node, in, axes, &n_axes, err)))
        return st;
    int in_rank = in[0]->rank, is_squeeze = node->op == CI_OP_SQUEEZE;
    int out_rank = is_squeeze ? in_rank : in_rank + (n_axes > 0 ? n_axes : 0);
    if (!is_squeeze && n_axes <= 0)
        return ci_shape_error(node, err, "'axes' is missing");
    if (out_rank > CXRINFER_MAX_RANK)
        return ci_unsupported(node, err, "rank too large");
    for (int i = 0; i < n_axes; i++) {
        int64_t axis = ci_norm_axis(axes[i], out_rank);
        if (axis < 0 || axis >= out_rank || marked[axis])
            return ci_shape_error(node, err, "axis %lld is out of range or repeated",
                                  (long long)axes[i]);
        if (is_squeeze && in[0]->dims[axis] != 1)
            return ci_shape_error(node, err, "cannot squeeze axis %lld of size %lld",
                                  (long long)axes[i], (long long)in[0]->dims[axis]);
        marked[axis] = 1;
    }
    if (is_squeeze) {
        for (int i = 0; i < in_rank; i++)
            if (!(n_axes > 0 ? marked[i] : in[0]->dims[i] == 1))
                dims[rank++] = in[0]->dims[i];
    } else {
        for (int i = 0, j = 0; i < out_rank; i++)
            dims[rank++] = marked[i] ? 1 : in[0]->dims[j++];
    }
    return ci_set_output(node, out[0], in[0]->dtype, rank, dims, err);
}

void ci_copy_exec(ci_tensor **in, ci_tensor **out)
{
    if (out[0]->count)
        memcpy(out[0]->data, in[0]->data, out[0]->count * ci_tensor_elem_size(in[0]->dtype));
}

/* Shape's start and end, clamped to [0, rank]. */
static void shape_range(const ci_node *node, int rank, int64_t *start, int64_t *end)
{
    *start = ci_norm_axis(ci_attr_int(node, "start", 0), rank);
    *end = ci_norm_axis(ci_attr_int(node, "end", rank), rank);
    *start = *start < 0 ? 0 : *start > rank ? rank : *start;
    *end = *end < 0 ? 0 : *end > rank ? rank : *end;
    if (*end < *start)
        *end = *start;
}

cxrinfer_status ci_shape_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                               ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 0, err);
    int64_t start, end;
    if (st)
        return st;
    shape_range(node, in[0]->rank, &start, &end);
    int64_t len = end - start;
    return ci_set_output(node, out[0], CXRINFER_INT64, 1, &len, err);
}

void ci_shape_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    int64_t start, end;
    shape_range(node, in[0]->rank, &start, &end);
    for (int64_t i = start; i < end; i++)
        ci_i64(out[0])[i - start] = in[0]->dims[i];
}

cxrinfer_status ci_constant_infer(const ci_node *node, ci_tensor **out, ci_err *err)
{
    const ci_attr *attr = ci_attr_find(node, "value");
    if (attr && attr->has_t)
        return ci_set_output(node, out[0], attr->t.dtype, attr->t.rank, attr->t.dims, err);
    int64_t len = 1;
    if ((attr = ci_attr_find(node, "value_float")))
        return ci_set_output(node, out[0], CXRINFER_FLOAT, 0, NULL, err);
    if ((attr = ci_attr_find(node, "value_int")))
        return ci_set_output(node, out[0], CXRINFER_INT64, 0, NULL, err);
    if ((attr = ci_attr_find(node, "value_floats")) && attr->type == CI_ATTR_FLOATS) {
        len = (int64_t)attr->n;
        return ci_set_output(node, out[0], CXRINFER_FLOAT, 1, &len, err);
    }
    if ((attr = ci_attr_find(node, "value_ints")) && attr->type == CI_ATTR_INTS) {
        len = (int64_t)attr->n;
        return ci_set_output(node, out[0], CXRINFER_INT64, 1, &len, err);
    }
    return ci_unsupported(node, err, "only tensor, float(s) and int(s) constants are supported");
}

void ci_constant_exec(const ci_node *node, ci_tensor **out)
{
    const ci_attr *attr = ci_attr_find(node, "value");
    if (attr && attr->has_t) {
        if (attr->t.count)
            memcpy(out[0]->data, attr->t.data, attr->t.count * ci_tensor_elem_size(attr->t.dtype));
    } else if ((attr = ci_attr_find(node, "value_float"))) {
        ci_f32(out[0])[0] = attr->f;
    } else if ((attr = ci_attr_find(node, "value_int"))) {
        ci_i64(out[0])[0] = attr->i;
    } else if ((attr = ci_attr_find(node, "value_floats"))) {
        if (attr->n)
            memcpy(out[0]->data, attr->floats, attr->n * sizeof(float));
    } else if ((attr = ci_attr_find(node, "value_ints")) && attr->n) {
        memcpy(out[0]->data, attr->ints, attr->n * sizeof(int64_t));
    }
}
