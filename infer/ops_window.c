/* ops_window.c: the window geometry of Conv and pooling (kernel, strides,
 * dilations, pads, output size), shared by the reference and oneDNN paths. */
#include <string.h>

#include "ops.h"

/* Reads kernel_shape (else 'kernel_from_weights'), strides, dilations and
 * pads into 'win' for 'spatial' dims. */
static cxrinfer_status read_window_attrs(const ci_node *node, int spatial,
                                         const int64_t *kernel_from_weights, ci_window *win,
                                         ci_err *err)
{
    int64_t values[8];
    int count = ci_attr_ints(node, "kernel_shape", values, 8);
    if (count < 0 && !kernel_from_weights)
        return ci_shape_error(node, err, "attribute 'kernel_shape' is missing");
    if (count >= 0 && count != spatial)
        return ci_shape_error(node, err, "'kernel_shape' has %d values for %d spatial dims",
                              count, spatial);
    for (int i = 0; i < spatial; i++) {
        win->kernel[i] = count >= 0 ? values[i] : kernel_from_weights[i];
        win->stride[i] = win->dilation[i] = 1;
    }
    if ((count = ci_attr_ints(node, "strides", values, 8)) >= 0) {
        if (count != spatial)
            return ci_shape_error(node, err, "'strides' has %d values for %d spatial dims",
                                  count, spatial);
        memcpy(win->stride, values, (size_t)spatial * sizeof(int64_t));
    }
    if ((count = ci_attr_ints(node, "dilations", values, 8)) >= 0) {
        if (count != spatial)
            return ci_shape_error(node, err, "'dilations' has %d values for %d spatial dims",
                                  count, spatial);
        memcpy(win->dilation, values, (size_t)spatial * sizeof(int64_t));
    }
    if ((count = ci_attr_ints(node, "pads", values, 8)) >= 0) {
        if (count != 2 * spatial)
            return ci_shape_error(node, err, "'pads' has %d values for %d spatial dims",
                                  count, spatial);
        for (int i = 0; i < spatial; i++) {
            win->pad_lo[i] = values[i];
            win->pad_hi[i] = values[i + spatial];
        }
    }
    return CXRINFER_OK;
}

/* Applies auto_pad to spatial dim 'axis' and computes its output size. */
static cxrinfer_status resolve_dim(const ci_node *node, const char *auto_pad, int64_t in_size,
                                   int axis, ci_window *win, ci_err *err)
{
    int64_t stride = win->stride[axis], dilation = win->dilation[axis];
    int64_t kernel = win->kernel[axis], pad_lo = win->pad_lo[axis], pad_hi = win->pad_hi[axis];
    if (kernel < 1 || stride < 1 || dilation < 1 || kernel > 4096 || stride > 4096 ||
        dilation > 4096 || pad_lo < 0 || pad_hi < 0 || pad_lo > 4096 || pad_hi > 4096)
        return ci_shape_error(node, err, "kernel, stride, dilation or pad out of range");
    int64_t dilated = (kernel - 1) * dilation + 1;
    if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
        int64_t out_size = (in_size + stride - 1) / stride;
        int64_t total = (out_size - 1) * stride + dilated - in_size;
        total = total < 0 ? 0 : total;
        win->pad_lo[axis] = !strcmp(auto_pad, "SAME_UPPER") ? total / 2 : total - total / 2;
        win->pad_hi[axis] = total - win->pad_lo[axis];
    } else if (!strcmp(auto_pad, "VALID")) {
        win->pad_lo[axis] = win->pad_hi[axis] = 0;
    } else if (strcmp(auto_pad, "NOTSET")) {
        return ci_unsupported(node, err, "auto_pad '%s' is not supported", auto_pad);
    }
    int64_t span = in_size + win->pad_lo[axis] + win->pad_hi[axis] - dilated;
    if (span < 0)
        return ci_shape_error(node, err,
                              "the window (%lld) is larger than the padded input (%lld)",
                              (long long)dilated,
                              (long long)(in_size + win->pad_lo[axis] + win->pad_hi[axis]));
    int64_t out_size = (win->ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (win->ceil_mode && (out_size - 1) * stride >= in_size + win->pad_lo[axis])
        out_size--;
    win->out[axis] = out_size;
    return CXRINFER_OK;
}

cxrinfer_status ci_window_resolve(const ci_node *node, const ci_tensor *input,
                                  const int64_t *kernel_from_weights, ci_window *win,
                                  ci_err *err)
{
    int spatial = input->rank - 2;
    memset(win, 0, sizeof(*win));
    if (spatial < 1 || spatial > 2)
        return ci_unsupported(node, err,
                              "input has rank %d; only 1-D and 2-D windows are supported",
                              input->rank);
    win->nd = spatial;
    cxrinfer_status st = read_window_attrs(node, spatial, kernel_from_weights, win, err);
    if (st)
        return st;
    win->ceil_mode = (int)ci_attr_int(node, "ceil_mode", 0);
    win->count_include_pad = (int)ci_attr_int(node, "count_include_pad", 0);
    const char *auto_pad = ci_attr_str(node, "auto_pad", "NOTSET");
    for (int i = 0; i < spatial; i++)
        if ((st = resolve_dim(node, auto_pad, input->dims[2 + i], i, win, err)))
            return st;
    return CXRINFER_OK;
}

ci_window_2d ci_window_as_2d(const ci_window *win, const ci_tensor *input)
{
    ci_window_2d view;
    int two = win->nd == 2;
    view.in_h = two ? input->dims[2] : 1;
    view.in_w = input->dims[2 + two];
    view.out_h = two ? win->out[0] : 1;
    view.out_w = win->out[two];
    view.kernel_h = two ? win->kernel[0] : 1;
    view.kernel_w = win->kernel[two];
    view.stride_h = two ? win->stride[0] : 1;
    view.stride_w = win->stride[two];
    view.dilation_h = two ? win->dilation[0] : 1;
    view.dilation_w = win->dilation[two];
    view.pad_top = two ? win->pad_lo[0] : 0;
    view.pad_left = win->pad_lo[two];
    view.pad_bottom = two ? win->pad_hi[0] : 0;
    view.pad_right = win->pad_hi[two];
    return view;
}
