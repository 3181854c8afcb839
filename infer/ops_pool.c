/* ops_pool.c: MaxPool, AveragePool and GlobalAveragePool: shape functions
 * and kernels. */
#include <math.h>

#include "ops.h"

cxrinfer_status ci_pool_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 1, err);
    if (st)
        return st;
    if (node->n_out > 1 && node->out[1] >= 0)
        return ci_unsupported(node, err, "the 'Indices' output is not supported");
    if (ci_attr_int(node, "storage_order", 0) != 0)
        return ci_unsupported(node, err, "storage_order 1 is not supported");
    ci_window win;
    if ((st = ci_window_resolve(node, in[0], NULL, &win, err)))
        return st;
    int64_t dims[4] = {in[0]->dims[0], in[0]->dims[1], win.out[0], win.out[1]};
    return ci_set_output(node, out[0], CXRINFER_FLOAT, in[0]->rank, dims, err);
}

/* One output value of a pooling window whose top left is (top, left). */
static float pool_window(const ci_window_2d *geo, const float *plane, int64_t top, int64_t left,
                         int is_max, int count_include_pad)
{
    float acc = is_max ? -INFINITY : 0.0f;
    int64_t count = 0;
    for (int64_t i = 0; i < geo->kernel_h; i++)
        for (int64_t j = 0; j < geo->kernel_w; j++) {
            int64_t in_y = top + i * geo->dilation_h, in_x = left + j * geo->dilation_w;
            if (in_y < 0 || in_y >= geo->in_h || in_x < 0 || in_x >= geo->in_w)
                continue;
            float value = plane[in_y * geo->in_w + in_x];
            acc = is_max ? (value > acc ? value : acc) : acc + value;
            count++;
        }
    if (!is_max && count_include_pad) {
        int64_t bottom = top + geo->kernel_h > geo->in_h + geo->pad_bottom
                             ? geo->in_h + geo->pad_bottom : top + geo->kernel_h;
        int64_t right = left + geo->kernel_w > geo->in_w + geo->pad_right
                            ? geo->in_w + geo->pad_right : left + geo->kernel_w;
        count = (bottom - top) * (right - left);
    }
    return is_max ? acc : count ? acc / (float)count : 0.0f;
}

void ci_pool_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    ci_window win;
    ci_window_resolve(node, in[0], NULL, &win, NULL);
    ci_window_2d geo = ci_window_as_2d(&win, in[0]);
    int is_max = node->op == CI_OP_MAXPOOL;
    int64_t planes = in[0]->dims[0] * in[0]->dims[1];
    for (int64_t p = 0; p < planes; p++) {
        const float *plane = ci_f32(in[0]) + p * geo.in_h * geo.in_w;
        float *out_plane = ci_f32(out[0]) + p * geo.out_h * geo.out_w;
        for (int64_t out_y = 0; out_y < geo.out_h; out_y++)
            for (int64_t out_x = 0; out_x < geo.out_w; out_x++)
                out_plane[out_y * geo.out_w + out_x] =
                    pool_window(&geo, plane, out_y * geo.stride_h - geo.pad_top,
                                out_x * geo.stride_w - geo.pad_left, is_max,
                                win.count_include_pad);
    }
}

cxrinfer_status ci_global_pool_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                     ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 1, err);
    if (st)
        return st;
    if (in[0]->rank < 3)
        return ci_shape_error(node, err, "input has rank %d, needs at least 3", in[0]->rank);
    int64_t dims[CXRINFER_MAX_RANK];
    for (int i = 0; i < in[0]->rank; i++)
        dims[i] = i < 2 ? in[0]->dims[i] : 1;
    return ci_set_output(node, out[0], CXRINFER_FLOAT, in[0]->rank, dims, err);
}

void ci_global_pool_exec(ci_tensor **in, ci_tensor **out)
{
    size_t planes = (size_t)(in[0]->dims[0] * in[0]->dims[1]);
    size_t plane_size = planes ? in[0]->count / planes : 0;
    for (size_t p = 0; p < planes; p++) {
        double acc = 0;
        for (size_t i = 0; i < plane_size; i++)
            acc += ci_f32(in[0])[p * plane_size + i];
        ci_f32(out[0])[p] = plane_size ? (float)(acc / (double)plane_size) : 0.0f;
    }
}
