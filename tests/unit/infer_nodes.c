/* infer_nodes.c: per-op tests of libcxrinfer against the ONNX node tests
 * that Debian's libonnx-testdata ships (model.onnx plus input_*.pb and
 * expected output_*.pb, read with the engine's own protobuf reader). Each
 * test runs on both paths (oneDNN and reference). Tests of features the
 * engine does not have must fail at load with an error naming the node.
 *
 *   infer_nodes [TEST_NAME...]     (default: the built-in lists)
 * $CXR_ONNX_TESTDATA overrides /usr/share/libonnx-testdata/data/node.
 * Also checks the arena packing of the oneDNN path's buffers (arena.c). */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static const char *const supported[] = {
    "test_add", "test_add_bcast", "test_sub", "test_sub_bcast", "test_sub_example",
    "test_mul", "test_mul_bcast", "test_mul_example", "test_div", "test_div_bcast",
    "test_div_example",
    "test_averagepool_1d_default", "test_averagepool_2d_ceil", "test_averagepool_2d_default",
    "test_averagepool_2d_pads", "test_averagepool_2d_pads_count_include_pad",
    "test_averagepool_2d_precomputed_pads",
    "test_averagepool_2d_precomputed_pads_count_include_pad",
    "test_averagepool_2d_precomputed_same_upper", "test_averagepool_2d_precomputed_strides",
    "test_averagepool_2d_same_lower", "test_averagepool_2d_same_upper",
    "test_averagepool_2d_strides",
    "test_batchnorm_epsilon", "test_batchnorm_example",
    "test_concat_1d_axis_0", "test_concat_1d_axis_negative_1", "test_concat_2d_axis_0",
    "test_concat_2d_axis_1", "test_concat_2d_axis_negative_1", "test_concat_2d_axis_negative_2",
    "test_concat_3d_axis_0", "test_concat_3d_axis_1", "test_concat_3d_axis_2",
    "test_concat_3d_axis_negative_1", "test_concat_3d_axis_negative_2",
    "test_concat_3d_axis_negative_3",
    "test_constant", "test_constant_pad",
    "test_conv_with_autopad_same", "test_conv_with_strides_and_asymmetric_padding",
    "test_conv_with_strides_no_padding", "test_conv_with_strides_padding",
    "test_basic_conv_with_padding", "test_basic_conv_without_padding",
    "test_dropout_default", "test_dropout_default_mask", "test_dropout_default_old",
    "test_dropout_random_old",
    "test_flatten_axis0", "test_flatten_axis1", "test_flatten_axis2", "test_flatten_axis3",
    "test_flatten_default_axis", "test_flatten_negative_axis1", "test_flatten_negative_axis2",
    "test_flatten_negative_axis3", "test_flatten_negative_axis4",
    "test_gather_0", "test_gather_1", "test_gather_2d_indices", "test_gather_negative_indices",
    "test_gemm_all_attributes", "test_gemm_alpha", "test_gemm_beta",
    "test_gemm_default_matrix_bias", "test_gemm_default_no_bias",
    "test_gemm_default_scalar_bias", "test_gemm_default_single_elem_vector_bias",
    "test_gemm_default_vector_bias", "test_gemm_default_zero_bias", "test_gemm_transposeA",
    "test_gemm_transposeB",
    "test_globalaveragepool", "test_globalaveragepool_precomputed",
    "test_identity",
    "test_matmul_2d", "test_matmul_3d", "test_matmul_4d",
    "test_maxpool_1d_default", "test_maxpool_2d_ceil", "test_maxpool_2d_default",
    "test_maxpool_2d_dilations", "test_maxpool_2d_pads", "test_maxpool_2d_precomputed_pads",
    "test_maxpool_2d_precomputed_same_upper", "test_maxpool_2d_precomputed_strides",
    "test_maxpool_2d_same_lower", "test_maxpool_2d_same_upper", "test_maxpool_2d_strides",
    "test_relu",
    "test_reshape_allowzero_reordered", "test_reshape_extended_dims",
    "test_reshape_negative_dim", "test_reshape_negative_extended_dims",
    "test_reshape_one_dim", "test_reshape_reduced_dims", "test_reshape_reordered_all_dims",
    "test_reshape_reordered_last_dims", "test_reshape_zero_and_negative_dim",
    "test_reshape_zero_dim",
    "test_shape", "test_shape_clip_end", "test_shape_clip_start", "test_shape_end_1",
    "test_shape_end_negative_1", "test_shape_example", "test_shape_start_1",
    "test_shape_start_1_end_2", "test_shape_start_1_end_negative_1",
    "test_shape_start_negative_1",
    "test_sigmoid", "test_sigmoid_example", "test_tanh", "test_tanh_example",
    "test_leakyrelu", "test_leakyrelu_default", "test_leakyrelu_example",
    "test_clip", "test_clip_default_inbounds", "test_clip_default_max", "test_clip_default_min",
    "test_clip_example", "test_clip_inbounds", "test_clip_outbounds", "test_clip_splitbounds",
    "test_reduce_mean_default_axes_keepdims_example", "test_reduce_mean_default_axes_keepdims_random",
    "test_reduce_mean_do_not_keepdims_example", "test_reduce_mean_do_not_keepdims_random",
    "test_reduce_mean_keepdims_example", "test_reduce_mean_keepdims_random",
    "test_reduce_mean_negative_axes_keepdims_example",
    "test_reduce_mean_negative_axes_keepdims_random",
    "test_slice", "test_slice_default_axes", "test_slice_default_steps",
    "test_slice_end_out_of_bounds", "test_slice_neg", "test_slice_neg_steps",
    "test_slice_negative_axes", "test_slice_start_out_of_bounds",
    "test_softmax_axis_0", "test_softmax_axis_1", "test_softmax_axis_2",
    "test_softmax_default_axis", "test_softmax_example", "test_softmax_large_number",
    "test_softmax_negative_axis",
    "test_squeeze", "test_squeeze_negative_axes",
    "test_transpose_all_permutations_0", "test_transpose_all_permutations_1",
    "test_transpose_all_permutations_2", "test_transpose_all_permutations_3",
    "test_transpose_all_permutations_4", "test_transpose_all_permutations_5",
    "test_transpose_default",
    "test_unsqueeze_axis_0", "test_unsqueeze_axis_1", "test_unsqueeze_axis_2",
    "test_unsqueeze_axis_3", "test_unsqueeze_negative_axes", "test_unsqueeze_three_axes",
    "test_unsqueeze_two_axes", "test_unsqueeze_unsorted_axes",
};

/* Valid ONNX the engine refuses: the load must fail naming the node. */
static const char *const refused[] = {
    "test_maxpool_with_argmax_2d_precomputed_pads", "test_batchnorm_example_training_mode",
    "test_maxpool_3d_default", "test_averagepool_3d_default", "test_cast_FLOAT_to_STRING",
    "test_abs", "test_convtranspose", "test_lrn", "test_instancenorm_example",
};

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)(n > 0 ? n : 1));
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)(n > 0 ? n : 0);
    return buf;
}

static int read_pb(const char *path, ci_tensor *t)
{
    size_t len;
    ci_err err;
    unsigned char *buf = slurp(path, &len);
    if (!buf)
        return -1;
    cxrinfer_status st = ci_onnx_parse_tensor(buf, len, t, &err);
    free(buf);
    if (st != CXRINFER_OK)
        fprintf(stderr, "%s: %s\n", path, err.msg);
    return st == CXRINFER_OK ? 0 : -1;
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Runs one node test on one backend; returns 0 when every output matches. */
static int run_case(const char *dir, const char *name, cxrinfer_backend be)
{
    char path[4096], err[1024];
    const char *bname = be == CXRINFER_BACKEND_REFERENCE ? "reference" : "dnnl";
    cxrinfer_options opt;
    cxrinfer_model *m;
    cxrinfer_options_init(&opt);
    opt.backend = be;
    opt.threads = 2;
    snprintf(path, sizeof path, "%s/%s/model.onnx", dir, name);
    if (cxrinfer_model_load(path, &opt, &m, err, sizeof err) != CXRINFER_OK) {
        fprintf(stderr, "%s [%s]: load: %s\n", name, bname, err);
        return -1;
    }
    ci_tensor in[16], want[8];
    cxrinfer_tensor tin[16], tout[8];
    size_t nin = cxrinfer_model_input_count(m), nout = cxrinfer_model_output_count(m);
    int rc = 0;
    memset(in, 0, sizeof in);
    memset(want, 0, sizeof want);
    for (size_t i = 0; i < nin && i < 16 && !rc; i++) {
        snprintf(path, sizeof path, "%s/%s/test_data_set_0/input_%zu.pb", dir, name, i);
        rc = read_pb(path, &in[i]);
        tin[i].dtype = (cxrinfer_dtype)in[i].dtype;
        tin[i].rank = in[i].rank;
        memcpy(tin[i].dims, in[i].dims, sizeof in[i].dims);
        tin[i].data = in[i].data;
    }
    size_t nwant = 0;
    for (; nwant < nout && nwant < 8 && !rc; nwant++) {
        snprintf(path, sizeof path, "%s/%s/test_data_set_0/output_%zu.pb", dir, name, nwant);
        if (!file_exists(path) || read_pb(path, &want[nwant]))
            break;
    }
    if (!rc && cxrinfer_run_tensors(m, tin, nin, tout, nwant) != CXRINFER_OK) {
        fprintf(stderr, "%s [%s]: run: %s\n", name, bname, cxrinfer_model_error(m));
        rc = -1;
        nwant = 0;
    } else if (rc) {
        nwant = 0;
    }
    for (size_t o = 0; o < nwant; o++) {
        const ci_tensor *w = &want[o];
        int ok = tout[o].rank == w->rank && !memcmp(tout[o].dims, w->dims,
                                                      (size_t)w->rank * sizeof(int64_t));
        for (size_t k = 0; ok && k < w->count; k++) {
            double a = tout[o].dtype == CXRINFER_FLOAT ? ((float *)tout[o].data)[k]
                                                        : (double)((int64_t *)tout[o].data)[k];
            double b = w->dtype == CXRINFER_FLOAT ? ((float *)w->data)[k]
                                                  : (double)((int64_t *)w->data)[k];
            if (!(fabs(a - b) <= 1e-5 + 1e-4 * fabs(b))) {
                fprintf(stderr, "%s [%s]: output %zu[%zu] = %g, want %g\n", name, bname, o, k, a, b);
                ok = 0;
            }
        }
        if (!ok) {
            fprintf(stderr, "%s [%s]: output %zu differs (shape or values)\n", name, bname, o);
            rc = -1;
        }
        cxrinfer_tensor_release(&tout[o]);
    }
    for (size_t i = 0; i < 16; i++)
        ci_tensor_clear(&in[i]);
    for (size_t i = 0; i < 8; i++)
        ci_tensor_clear(&want[i]);
    cxrinfer_model_free(m);
    return rc;
}

/* 16-bit floats (weights of half-precision exports) read as float: the
 * Cast tests' float16/bfloat16 inputs must equal their float outputs. */
static void check_half_reader(const char *dir, const char *name)
{
    char path[4096];
    ci_tensor a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    snprintf(path, sizeof path, "%s/%s/test_data_set_0/input_0.pb", dir, name);
    if (!file_exists(path))
        return;
    CHECK(read_pb(path, &a) == 0);
    snprintf(path, sizeof path, "%s/%s/test_data_set_0/output_0.pb", dir, name);
    CHECK(read_pb(path, &b) == 0);
    CHECK(a.dtype == CXRINFER_FLOAT && b.dtype == CXRINFER_FLOAT && a.count == b.count);
    int same = a.count == b.count && a.count > 0;
    for (size_t i = 0; same && i < a.count; i++) {
        float x = ((float *)a.data)[i], y = ((float *)b.data)[i];
        same = x == y || (x != x && y != y);
    }
    CHECK(same);
    ci_tensor_clear(&a);
    ci_tensor_clear(&b);
}

static void check_refused(const char *dir, const char *name)
{
    char path[4096], err[1024];
    cxrinfer_model *m = NULL;
    snprintf(path, sizeof path, "%s/%s/model.onnx", dir, name);
    if (!file_exists(path))
        return;
    cxrinfer_status st = cxrinfer_model_load(path, NULL, &m, err, sizeof err);
    CHECK(st == CXRINFER_ERR_UNSUPPORTED);
    CHECK(m == NULL);
    CHECK(test_contains(err, "node "));
    if (st != CXRINFER_ERR_UNSUPPORTED || !test_contains(err, "node "))
        fprintf(stderr, "%s: expected a refusal naming the node, got %d: %s\n", name, st, err);
    cxrinfer_model_free(m);
}

/* 1 if no two buffers alive at the same time overlap, all lie inside
 * 'total' and start on a CI_ARENA_ALIGN boundary. */
static int arena_valid(const ci_arena_buf *b, int n, size_t total)
{
    for (int i = 0; i < n; i++) {
        if (b[i].offset % CI_ARENA_ALIGN || b[i].offset + b[i].size > total)
            return 0;
        for (int j = 0; j < i; j++) {
            int together = b[i].first <= b[j].last && b[j].first <= b[i].last;
            int apart = b[i].offset + b[i].size <= b[j].offset ||
                        b[j].offset + b[j].size <= b[i].offset;
            if (together && !apart)
                return 0;
        }
    }
    return 1;
}

static void check_arena(void)
{
    /* A and C never live together and share; B overlaps both in time */
    ci_arena_buf abc[3] = {{100, 0, 1, 0}, {100, 1, 2, 0}, {100, 2, 3, 0}};
    size_t total;
    CHECK(ci_arena_pack(abc, 3, &total, NULL) == CXRINFER_OK);
    CHECK(arena_valid(abc, 3, total));
    CHECK_INT(total, 2 * 128);
    CHECK(abc[0].offset == abc[2].offset);
    /* random lifetimes; 'exclusive' buffers (alive throughout) */
    enum { N = 300, STEPS = 60 };
    static ci_arena_buf bufs[N];
    unsigned seed = 7;
    size_t sum = 0, live_max = 0;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        int first = (int)(seed >> 8) % STEPS, len = (int)(seed >> 20) % 8;
        bufs[i].size = 1 + (seed >> 4) % 100000;
        bufs[i].first = i % 50 == 0 ? -1 : first;
        bufs[i].last = i % 50 == 0 ? INT_MAX : first + len;
    }
    CHECK(ci_arena_pack(bufs, N, &total, NULL) == CXRINFER_OK);
    CHECK(arena_valid(bufs, N, total));
    for (int step = 0; step < STEPS + 8; step++) {
        size_t live = 0;
        for (int i = 0; i < N; i++)
            live += bufs[i].first <= step && step <= bufs[i].last ? bufs[i].size : 0;
        live_max = live > live_max ? live : live_max;
    }
    for (int i = 0; i < N; i++)
        sum += bufs[i].size;
    CHECK(total >= live_max && total < sum); /* reuse happened, never below the live peak */
    CHECK(ci_arena_pack(NULL, 0, &total, NULL) == CXRINFER_OK && total == 0);
}

int main(int argc, char **argv)
{
    const char *dir = getenv("CXR_ONNX_TESTDATA");
    char probe[4096];
    check_arena();
    if (!dir)
        dir = "/usr/share/libonnx-testdata/data/node";
    snprintf(probe, sizeof probe, "%s/test_relu/model.onnx", dir);
    if (!file_exists(probe)) {
        fprintf(stderr, "skip: ONNX node tests not found at '%s' (Debian libonnx-testdata)\n", dir);
        return 77;
    }
    size_t ran = 0;
    const char *const *list = argc > 1 ? (const char *const *)argv + 1 : supported;
    size_t n = argc > 1 ? (size_t)argc - 1 : sizeof supported / sizeof *supported;
    for (size_t i = 0; i < n; i++) {
        snprintf(probe, sizeof probe, "%s/%s/model.onnx", dir, list[i]);
        if (!file_exists(probe)) {
            fprintf(stderr, "note: %s not in this version of the test data\n", list[i]);
            continue;
        }
        CHECK(run_case(dir, list[i], CXRINFER_BACKEND_REFERENCE) == 0);
        CHECK(run_case(dir, list[i], CXRINFER_BACKEND_DNNL) == 0);
        ran++;
    }
    if (argc == 1) {
        for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
            check_refused(dir, refused[i]);
        check_half_reader(dir, "test_cast_FLOAT16_to_FLOAT");
    }
    printf("%zu node tests run on both paths\n", ran);
    CHECK(ran > 0);
    return test_finish();
}
