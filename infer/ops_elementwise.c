/* ops_elementwise.c: ops applied value by value: Relu, LeakyRelu, Sigmoid,
 * Tanh, Clip, Identity, Dropout, Cast, and the broadcasting Add, Sub, Mul, Div. */
#include <math.h>
#include <string.h>

#include "ops.h"

cxrinfer_status ci_unary_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                               int need_float, ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, need_float ? 1 : 0, err);
    if (st)
        return st;
    /* Dropout's second output is its mask */
    for (int j = 0; j < node->n_out && j < 2; j++)
        if (j == 0 || node->op == CI_OP_DROPOUT)
            if ((st = ci_set_output(node, out[j], j ? CXRINFER_INT64 : in[0]->dtype, in[0]->rank,
                                    in[0]->dims, err)))
                return st;
    if (node->op == CI_OP_DROPOUT && node->n_in > 2 && in[2] && in[2]->data && in[2]->count &&
        ci_i64(in[2])[0])
        return ci_unsupported(node, err, "training_mode is not supported (inference only)");
    return CXRINFER_OK;
}

cxrinfer_status ci_clip_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 1, err);
    if (st)
        return st;
    for (int j = 1; j < node->n_in && j < 3; j++)
        if (in[j] && (in[j]->dtype != CXRINFER_FLOAT || in[j]->count != 1))
            return ci_unsupported(node, err, "input %d must be one float", j);
    return ci_set_output(node, out[0], CXRINFER_FLOAT, in[0]->rank, in[0]->dims, err);
}

static void clip_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    const float *src = ci_f32(in[0]);
    float *dst = ci_f32(out[0]);
    float lo = -INFINITY, hi = INFINITY;
    if (ci_attr_find(node, "min") || ci_attr_find(node, "max")) {
        lo = ci_attr_float(node, "min", lo);
        hi = ci_attr_float(node, "max", hi);
    }
    if (node->n_in > 1 && in[1])
        lo = ci_f32(in[1])[0];
    if (node->n_in > 2 && in[2])
        hi = ci_f32(in[2])[0];
    for (size_t i = 0; i < in[0]->count; i++)
        dst[i] = src[i] < lo ? lo : src[i] > hi ? hi : src[i];
}

void ci_unary_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    size_t count = in[0]->count;
    const float *src = ci_f32(in[0]);
    float *dst = ci_f32(out[0]);
    if (node->op == CI_OP_LEAKYRELU) {
        float alpha = ci_attr_float(node, "alpha", 0.01f);
        for (size_t i = 0; i < count; i++)
            dst[i] = src[i] >= 0.0f ? src[i] : alpha * src[i];
    } else if (node->op == CI_OP_TANH) {
        for (size_t i = 0; i < count; i++)
            dst[i] = tanhf(src[i]);
    } else if (node->op == CI_OP_CLIP) {
        clip_exec(node, in, out);
    } else if (node->op == CI_OP_RELU) {
        for (size_t i = 0; i < count; i++)
            dst[i] = src[i] > 0.0f ? src[i] : 0.0f;
    } else if (node->op == CI_OP_SIGMOID) {
        for (size_t i = 0; i < count; i++)
            dst[i] = 1.0f / (1.0f + expf(-src[i]));
    } else { /* Identity, Dropout: any dtype */
        memcpy(out[0]->data, in[0]->data, count * ci_tensor_elem_size(in[0]->dtype));
        if (node->op == CI_OP_DROPOUT && node->n_out > 1 && out[1]->data)
            for (size_t i = 0; i < count; i++)
                ci_i64(out[1])[i] = 1;
    }
}

cxrinfer_status ci_binary_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 2, 0, err);
    int64_t dims[CXRINFER_MAX_RANK];
    int rank;
    if (st)
        return st;
    if (in[0]->dtype != in[1]->dtype)
        return ci_shape_error(node, err, "inputs have different element types");
    if ((st = ci_broadcast_shape(node, in, 2, dims, &rank, err)))
        return st;
    return ci_set_output(node, out[0], in[0]->dtype, rank, dims, err);
}

static double binop(ci_op op, double lhs, double rhs)
{
    switch (op) {
    case CI_OP_ADD: return lhs + rhs;
    case CI_OP_SUB: return lhs - rhs;
    case CI_OP_MUL: return lhs * rhs;
    default: return lhs / rhs;
    }
}

/* One innermost row of a float binary op; lhs and rhs advance by their
 * strides (0 where broadcast). */
static void binary_row_f32(ci_op op, const float *lhs, int64_t lhs_step, const float *rhs,
                           int64_t rhs_step, float *dst, int64_t len)
{
    switch (op) {
    case CI_OP_ADD:
        for (int64_t i = 0; i < len; i++)
            dst[i] = lhs[i * lhs_step] + rhs[i * rhs_step];
        break;
    case CI_OP_MUL:
        for (int64_t i = 0; i < len; i++)
            dst[i] = lhs[i * lhs_step] * rhs[i * rhs_step];
        break;
    case CI_OP_SUB:
        for (int64_t i = 0; i < len; i++)
            dst[i] = lhs[i * lhs_step] - rhs[i * rhs_step];
        break;
    default:
        for (int64_t i = 0; i < len; i++)
            dst[i] = lhs[i * lhs_step] / rhs[i * rhs_step];
        break;
    }
}

/* The same on int64 (integer division by 0 gives 0). */
static void binary_row_i64(ci_op op, const int64_t *lhs, int64_t lhs_step, const int64_t *rhs,
                           int64_t rhs_step, int64_t *dst, int64_t len)
{
    for (int64_t i = 0; i < len; i++) {
        int64_t right = rhs[i * rhs_step];
        dst[i] = op == CI_OP_DIV ? (right ? lhs[i * lhs_step] / right : 0)
                                 : (int64_t)binop(op, (double)lhs[i * lhs_step], (double)right);
    }
}

void ci_binary_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    const ci_tensor *dst = out[0];
    int64_t lhs_strides[CXRINFER_MAX_RANK], rhs_strides[CXRINFER_MAX_RANK];
    int64_t idx[CXRINFER_MAX_RANK] = {0};
    int rank = dst->rank;
    if (dst->count == 0)
        return;
    ci_broadcast_strides(in[0], dst, lhs_strides);
    ci_broadcast_strides(in[1], dst, rhs_strides);
    int64_t inner = rank ? dst->dims[rank - 1] : 1;
    int64_t lhs_step = rank ? lhs_strides[rank - 1] : 0;
    int64_t rhs_step = rank ? rhs_strides[rank - 1] : 0;
    for (size_t base = 0; base < dst->count; base += (size_t)inner) {
        int64_t lhs_at = 0, rhs_at = 0;
        for (int i = 0; i < rank - 1; i++) {
            lhs_at += idx[i] * lhs_strides[i];
            rhs_at += idx[i] * rhs_strides[i];
        }
        if (dst->dtype == CXRINFER_FLOAT)
            binary_row_f32(node->op, ci_f32(in[0]) + lhs_at, lhs_step, ci_f32(in[1]) + rhs_at,
                           rhs_step, ci_f32(dst) + base, inner);
        else
            binary_row_i64(node->op, ci_i64(in[0]) + lhs_at, lhs_step, ci_i64(in[1]) + rhs_at,
                           rhs_step, ci_i64(dst) + base, inner);
        for (int i = rank - 2; i >= 0; i--) {
            if (++idx[i] < dst->dims[i])
                break;
            idx[i] = 0;
        }
    }
}

cxrinfer_status ci_cast_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 1, 0, err);
    if (st)
        return st;
    int64_t to = ci_attr_int(node, "to", 0);
    int dtype = to == 1 || to == 11 ? CXRINFER_FLOAT
              : to == 7 || to == 6 || to == 3 || to == 2 || to == 9 ? CXRINFER_INT64 : 0;
    if (!dtype)
        return ci_unsupported(node, err, "cast to element type %lld is not supported",
                              (long long)to);
    return ci_set_output(node, out[0], dtype, in[0]->rank, in[0]->dims, err);
}

/* A float as int64: NaN gives 0, out of range saturates. */
static int64_t float_to_i64(float value)
{
    return value != value ? 0 : value >= 9.2e18f ? INT64_MAX
         : value <= -9.2e18f ? INT64_MIN : (int64_t)value;
}

void ci_cast_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    int to_bool = ci_attr_int(node, "to", 0) == 9;
    for (size_t i = 0; i < in[0]->count; i++) {
        if (out[0]->dtype == CXRINFER_FLOAT) {
            ci_f32(out[0])[i] = in[0]->dtype == CXRINFER_FLOAT ? ci_f32(in[0])[i]
                                                               : (float)ci_i64(in[0])[i];
        } else if (in[0]->dtype == CXRINFER_INT64) {
            ci_i64(out[0])[i] = to_bool ? ci_i64(in[0])[i] != 0 : ci_i64(in[0])[i];
        } else {
            float value = ci_f32(in[0])[i];
            ci_i64(out[0])[i] = to_bool ? value != 0.0f : float_to_i64(value);
        }
    }
}
