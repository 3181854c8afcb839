/* ops_matmul.c: matrix products: MatMul (broadcast batches) and Gemm
 * (transA/transB, alpha/beta, bias broadcast). */
#include <string.h>

#include "ops.h"

cxrinfer_status ci_matmul_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                                ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 2, 3, err);
    if (st)
        return st;
    const ci_tensor *lhs = in[0], *rhs = in[1];
    if (lhs->rank < 1 || rhs->rank < 1)
        return ci_shape_error(node, err, "inputs must have rank 1 or more");
    int64_t depth = lhs->dims[lhs->rank - 1];
    int64_t rhs_depth = rhs->rank == 1 ? rhs->dims[0] : rhs->dims[rhs->rank - 2];
    if (depth != rhs_depth) {
        char lhs_shape[200], rhs_shape[200];
        return ci_shape_error(node, err, "inner dimensions differ: %s x %s",
                              ci_shape_str(lhs, lhs_shape, sizeof lhs_shape),
                              ci_shape_str(rhs, rhs_shape, sizeof rhs_shape));
    }
    /* the batch dims (all but the last two) broadcast */
    ci_tensor lhs_batch = *lhs, rhs_batch = *rhs;
    lhs_batch.rank = lhs->rank > 2 ? lhs->rank - 2 : 0;
    rhs_batch.rank = rhs->rank > 2 ? rhs->rank - 2 : 0;
    ci_tensor *batches[2] = {&lhs_batch, &rhs_batch};
    int64_t dims[CXRINFER_MAX_RANK + 2];
    int rank;
    if ((st = ci_broadcast_shape(node, batches, 2, dims, &rank, err)))
        return st;
    if (lhs->rank > 1)
        dims[rank++] = lhs->dims[lhs->rank - 2];
    if (rhs->rank > 1)
        dims[rank++] = rhs->dims[rhs->rank - 1];
    if (rank > CXRINFER_MAX_RANK)
        return ci_unsupported(node, err, "rank too large");
    return ci_set_output(node, out[0], CXRINFER_FLOAT, rank, dims, err);
}

/* dst[rows,cols] += alpha * lhs[rows,depth] * rhs[depth,cols], each input
 * read with its own element strides (row, column). */
static void gemm_ref(int64_t rows, int64_t cols, int64_t depth, float alpha, const float *lhs,
                     int64_t lhs_row_stride, int64_t lhs_col_stride, const float *rhs,
                     int64_t rhs_row_stride, int64_t rhs_col_stride, float *dst)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t k = 0; k < depth; k++) {
            float scaled = alpha * lhs[i * lhs_row_stride + k * lhs_col_stride];
            if (scaled == 0.0f)
                continue;
            const float *rhs_row = rhs + k * rhs_row_stride;
            float *dst_row = dst + i * cols;
            for (int64_t j = 0; j < cols; j++)
                dst_row[j] += scaled * rhs_row[j * rhs_col_stride];
        }
}

void ci_matmul_exec(ci_tensor **in, ci_tensor **out)
{
    const ci_tensor *lhs = in[0], *rhs = in[1], *dst = out[0];
    int64_t depth = lhs->dims[lhs->rank - 1];
    int64_t rows = lhs->rank > 1 ? lhs->dims[lhs->rank - 2] : 1;
    int64_t cols = rhs->rank > 1 ? rhs->dims[rhs->rank - 1] : 1;
    int batch_rank = dst->rank - (lhs->rank > 1) - (rhs->rank > 1);
    ci_tensor lhs_batch = *lhs, rhs_batch = *rhs, dst_batch = *dst;
    lhs_batch.rank = lhs->rank > 2 ? lhs->rank - 2 : 0;
    rhs_batch.rank = rhs->rank > 2 ? rhs->rank - 2 : 0;
    dst_batch.rank = batch_rank;
    int64_t lhs_strides[CXRINFER_MAX_RANK] = {0}, rhs_strides[CXRINFER_MAX_RANK] = {0};
    int64_t idx[CXRINFER_MAX_RANK] = {0};
    ci_broadcast_strides(&lhs_batch, &dst_batch, lhs_strides);
    ci_broadcast_strides(&rhs_batch, &dst_batch, rhs_strides);
    int64_t batches = 1;
    for (int i = 0; i < batch_rank; i++)
        batches *= dst->dims[i];
    memset(dst->data, 0, dst->count * sizeof(float));
    for (int64_t b = 0; b < batches; b++) {
        int64_t lhs_at = 0, rhs_at = 0;
        for (int i = 0; i < batch_rank; i++) {
            lhs_at += idx[i] * lhs_strides[i];
            rhs_at += idx[i] * rhs_strides[i];
        }
        gemm_ref(rows, cols, depth, 1.0f, ci_f32(lhs) + lhs_at * rows * depth, depth, 1,
                 ci_f32(rhs) + rhs_at * depth * cols, cols, 1, ci_f32(dst) + b * rows * cols);
        for (int i = batch_rank - 1; i >= 0; i--) {
            if (++idx[i] < dst->dims[i])
                break;
            idx[i] = 0;
        }
    }
}

cxrinfer_status ci_gemm_infer(const ci_node *node, ci_tensor **in, ci_tensor **out,
                              ci_err *err)
{
    cxrinfer_status st = ci_need_inputs(node, in, 2, 3, err);
    if (st)
        return st;
    const ci_tensor *lhs = in[0], *rhs = in[1];
    if (lhs->rank != 2 || rhs->rank != 2)
        return ci_shape_error(node, err, "inputs must be 2-D (ranks %d and %d)", lhs->rank,
                              rhs->rank);
    int trans_a = ci_attr_int(node, "transA", 0) != 0;
    int trans_b = ci_attr_int(node, "transB", 0) != 0;
    int64_t rows = lhs->dims[trans_a], depth = lhs->dims[1 - trans_a];
    int64_t rhs_depth = rhs->dims[trans_b], cols = rhs->dims[1 - trans_b];
    if (depth != rhs_depth)
        return ci_shape_error(node, err, "inner dimensions differ (%lld and %lld)",
                              (long long)depth, (long long)rhs_depth);
    int64_t dims[2] = {rows, cols};
    if (node->n_in > 2 && in[2]) {
        const ci_tensor *bias = in[2];
        int ok = bias->dtype == CXRINFER_FLOAT && bias->rank <= 2;
        for (int i = 0; ok && i < bias->rank; i++) {
            int64_t want = dims[2 - bias->rank + i];
            ok = bias->dims[i] == 1 || bias->dims[i] == want;
        }
        if (!ok) {
            char bias_shape[200];
            return ci_shape_error(node, err, "bias %s does not broadcast to [%lld,%lld]",
                                  ci_shape_str(bias, bias_shape, sizeof bias_shape),
                                  (long long)rows, (long long)cols);
        }
    }
    return ci_set_output(node, out[0], CXRINFER_FLOAT, 2, dims, err);
}

void ci_gemm_exec(const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    const ci_tensor *lhs = in[0], *rhs = in[1];
    int trans_a = ci_attr_int(node, "transA", 0) != 0;
    int trans_b = ci_attr_int(node, "transB", 0) != 0;
    float alpha = ci_attr_float(node, "alpha", 1.0f), beta = ci_attr_float(node, "beta", 1.0f);
    int64_t rows = out[0]->dims[0], cols = out[0]->dims[1], depth = lhs->dims[1 - trans_a];
    float *dst = ci_f32(out[0]);
    memset(dst, 0, out[0]->count * sizeof(float));
    if (node->n_in > 2 && in[2]) {
        const ci_tensor *bias = in[2];
        /* element strides of the bias along rows and columns (0 where broadcast) */
        int64_t row_stride = bias->rank == 2 && bias->dims[0] != 1
                                 ? (bias->dims[1] == 1 ? 1 : cols) : 0;
        int64_t col_stride = bias->rank >= 1 && bias->dims[bias->rank - 1] != 1 ? 1 : 0;
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++)
                dst[i * cols + j] = beta * ci_f32(bias)[i * row_stride + j * col_stride];
    }
    gemm_ref(rows, cols, depth, alpha, ci_f32(lhs), trans_a ? 1 : depth, trans_a ? rows : 1,
             ci_f32(rhs), trans_b ? 1 : cols, trans_b ? depth : 1, dst);
}
