/* ops_util.c: helpers the op files share: failures that name the node,
 * input and output checks, constant integer inputs, broadcasting. */
#include <stdarg.h>
#include <stdio.h>

#include "ops.h"

static cxrinfer_status node_fail(const ci_node *node, ci_err *err, cxrinfer_status status,
                                 const char *fmt, va_list ap) CI_PRINTF(4, 0);

static cxrinfer_status node_fail(const ci_node *node, ci_err *err, cxrinfer_status status,
                                 const char *fmt, va_list ap)
{
    char detail[CI_MSG_MAX], label[300];
    vsnprintf(detail, sizeof detail, fmt, ap);
    return ci_fail(err, status, "%s: %s", ci_node_label(node, label, sizeof label), detail);
}

cxrinfer_status ci_shape_error(const ci_node *node, ci_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cxrinfer_status status = node_fail(node, err, CXRINFER_ERR_SHAPE, fmt, ap);
    va_end(ap);
    return status;
}

cxrinfer_status ci_unsupported(const ci_node *node, ci_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cxrinfer_status status = node_fail(node, err, CXRINFER_ERR_UNSUPPORTED, fmt, ap);
    va_end(ap);
    return status;
}

int64_t ci_norm_axis(int64_t axis, int rank)
{
    return axis < 0 ? axis + rank : axis;
}

cxrinfer_status ci_need_inputs(const ci_node *node, ci_tensor **in, int need,
                               unsigned float_mask, ci_err *err)
{
    if (node->n_in < need)
        return ci_shape_error(node, err, "needs %d inputs, has %d", need, node->n_in);
    for (int j = 0; j < need; j++) {
        if (!in[j])
            return ci_shape_error(node, err, "input %d is missing", j);
        if ((float_mask >> j & 1) && in[j]->dtype != CXRINFER_FLOAT)
            return ci_unsupported(node, err, "input %d ('%s') is not float", j,
                                  node->in_names[j]);
    }
    return CXRINFER_OK;
}

cxrinfer_status ci_set_output(const ci_node *node, ci_tensor *out, int dtype, int rank,
                              const int64_t *dims, ci_err *err)
{
    out->dtype = dtype;
    if (ci_tensor_set_shape(out, rank, dims))
        return ci_shape_error(node, err, "output shape is invalid or too large");
    return CXRINFER_OK;
}

int ci_const_ints(const ci_tensor *tensor, const int64_t **values, size_t *count)
{
    if (!tensor || !tensor->data || tensor->dtype != CXRINFER_INT64)
        return -1;
    *values = ci_i64(tensor);
    *count = tensor->count;
    return 0;
}

cxrinfer_status ci_broadcast_shape(const ci_node *node, ci_tensor **in, int n_in,
                                   int64_t *dims, int *rank, ci_err *err)
{
    int out_rank = 0;
    for (int j = 0; j < n_in; j++)
        out_rank = in[j]->rank > out_rank ? in[j]->rank : out_rank;
    for (int i = 0; i < out_rank; i++) {
        dims[i] = 1;
        for (int j = 0; j < n_in; j++) {
            int at = i - (out_rank - in[j]->rank);
            int64_t dim = at >= 0 ? in[j]->dims[at] : 1;
            if (dim != 1 && dims[i] != 1 && dim != dims[i]) {
                char first[200], second[200];
                return ci_shape_error(node, err, "shapes %s and %s do not broadcast",
                                      ci_shape_str(in[0], first, sizeof first),
                                      ci_shape_str(in[1], second, sizeof second));
            }
            if (dim != 1)
                dims[i] = dim;
            if (dim == 0)
                dims[i] = 0;
        }
    }
    *rank = out_rank;
    return CXRINFER_OK;
}

void ci_broadcast_strides(const ci_tensor *tensor, const ci_tensor *out, int64_t *strides)
{
    int64_t step = 1;
    for (int i = out->rank - 1; i >= 0; i--) {
        int at = i - (out->rank - tensor->rank);
        int64_t dim = at >= 0 ? tensor->dims[at] : 1;
        strides[i] = dim == 1 ? 0 : step;
        step *= dim;
    }
}
