/* ops_conv.c: Conv (bias, groups, dilations, pads): shape function and kernel. */
#include "ops.h"

cxrinfer_status ci_conv_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 2, 3, err);
    if (st)
        return st;
    const ci_tensor *input = in[0], *weights = in[1];
    int64_t group = ci_attr_int(node, "group", 1);
    if (input->rank < 3 || weights->rank != input->rank)
        return ci_shape_error(node, err, "input rank %d and weight rank %d do not fit",
                              input->rank, weights->rank);
    if (group < 1 || input->dims[1] % group || weights->dims[0] % group || weights->dims[0] == 0)
        return ci_shape_error(node, err, "group %lld does not divide the channels",
                              (long long)group);
    if (weights->dims[1] * group != input->dims[1])
        return ci_shape_error(node, err, "input has %lld channels, the weights expect %lld",
                              (long long)input->dims[1], (long long)(weights->dims[1] * group));
    const ci_tensor *bias = node->n_in > 2 ? in[2] : NULL;
    if (bias && (bias->dtype != CXRINFER_FLOAT || bias->count != (size_t)weights->dims[0]))
        return ci_shape_error(node, err, "bias has %zu values for %lld output channels",
                              bias->count, (long long)weights->dims[0]);
    ci_window win;
    if ((st = ci_window_resolve(node, input, weights->dims + 2, &win, err)))
        return st;
    for (int i = 0; i < win.nd; i++)
        if (win.kernel[i] != weights->dims[2 + i])
            return ci_shape_error(node, err, "'kernel_shape' does not match the weights");
    int64_t dims[4] = {input->dims[0], weights->dims[0], win.out[0], win.out[1]};
    return ci_set_output(node, out[0], CXRINFER_FLOAT, input->rank, dims, err);
}

/* Adds one kernel tap (weight at kernel_y, kernel_x) of one input plane to
 * one output plane. */
static void conv_tap(const ci_window_2d *geo, float weight, int64_t kernel_y, int64_t kernel_x,
                     const float *plane, float *out_plane)
{
    int64_t offset = kernel_x * geo->dilation_w - geo->pad_left;
    /* the output columns where 0 <= out_x * stride_w + offset < in_w */
    int64_t first = offset >= 0 ? 0 : (-offset + geo->stride_w - 1) / geo->stride_w;
    int64_t end = geo->in_w - offset <= 0 ? 0 : (geo->in_w - offset - 1) / geo->stride_w + 1;
    end = end > geo->out_w ? geo->out_w : end;
    for (int64_t out_y = 0; out_y < geo->out_h; out_y++) {
        int64_t in_y = out_y * geo->stride_h - geo->pad_top + kernel_y * geo->dilation_h;
        if (in_y < 0 || in_y >= geo->in_h)
            continue;
        const float *in_row = plane + in_y * geo->in_w + offset;
        float *out_row = out_plane + out_y * geo->out_w;
        for (int64_t out_x = first; out_x < end; out_x++)
            out_row[out_x] += weight * in_row[out_x * geo->stride_w];
    }
}

void ci_conv_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    const ci_tensor *input = in[0], *weights = in[1];
    const float *bias = node->n_in > 2 && in[2] ? ci_f32(in[2]) : NULL;
    ci_window win;
    ci_window_resolve(node, input, weights->dims + 2, &win, NULL);
    ci_window_2d geo = ci_window_as_2d(&win, input);
    int64_t batch = input->dims[0], channels = input->dims[1], out_channels = weights->dims[0];
    int64_t group = ci_attr_int(node, "group", 1);
    int64_t group_channels = channels / group, group_out_channels = out_channels / group;
    int64_t plane_size = geo.in_h * geo.in_w, out_plane_size = geo.out_h * geo.out_w;
    const float *in_data = ci_f32(input), *weight_data = ci_f32(weights);
    for (int64_t b = 0; b < batch; b++)
        for (int64_t oc = 0; oc < out_channels; oc++) {
            float *out_plane = ci_f32(out[0]) + (b * out_channels + oc) * out_plane_size;
            for (int64_t i = 0; i < out_plane_size; i++)
                out_plane[i] = bias ? bias[oc] : 0.0f;
            int64_t first_channel = (oc / group_out_channels) * group_channels;
            for (int64_t c = 0; c < group_channels; c++) {
                const float *plane = in_data + (b * channels + first_channel + c) * plane_size;
                const float *kernel =
                    weight_data + (oc * group_channels + c) * geo.kernel_h * geo.kernel_w;
                for (int64_t ky = 0; ky < geo.kernel_h; ky++)
                    for (int64_t kx = 0; kx < geo.kernel_w; kx++)
                        conv_tap(&geo, kernel[ky * geo.kernel_w + kx], ky, kx, plane, out_plane);
            }
        }
}
