/* infer_api.c: the contract of cxrinfer.h, linked against the shared
 * library like any user program: NULL handling, error statuses and
 * messages, model info of each exporter's layout, argument checks, that
 * a batch gives the same results as its images one by one, on both paths,
 * and that handles used in parallel threads (one each) agree. Models the
 * test writes itself check the engine's memory: buffers reused between
 * runs and layers, weights held once (the peak RSS of a load), weights
 * given back to a new plan after oneDNN took them; and models with
 * impossible Reshape and Squeeze shapes are refused, naming the node. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cxrinfer.h"
#include "testutil.h"

static cxrinfer_model *load(const char *path, cxrinfer_backend be, char *err, size_t len)
{
    cxrinfer_options opt;
    cxrinfer_model *m = NULL;
    cxrinfer_options_init(&opt);
    opt.backend = be;
    opt.threads = 2;
    CHECK(cxrinfer_model_load(path, &opt, &m, err, len) == CXRINFER_OK);
    return m;
}

static void basics(void)
{
    char err[512];
    cxrinfer_model *m = (cxrinfer_model *)1;
    cxrinfer_options opt;
    cxrinfer_model_free(NULL);
    cxrinfer_options_init(NULL);
    cxrinfer_options_init(&opt);
    CHECK(opt.threads == 0 && opt.backend == CXRINFER_BACKEND_AUTO && opt.winograd == 1);
    for (int s = CXRINFER_OK; s <= CXRINFER_ERR_NOMEM; s++)
        CHECK(cxrinfer_strerror((cxrinfer_status)s)[0] != 0);
    CHECK(cxrinfer_strerror((cxrinfer_status)999) != NULL);
    CHECK(cxrinfer_model_load(NULL, NULL, &m, err, sizeof err) == CXRINFER_ERR_ARG);
    CHECK(m == NULL);
    CHECK(cxrinfer_model_load("/nonexistent/model.onnx", NULL, &m, err, sizeof err) ==
          CXRINFER_ERR_IO);
    CHECK(test_contains(err, "'/nonexistent/model.onnx'"));
    CHECK(cxrinfer_model_load_buffer("", 0, NULL, &m, err, sizeof err) == CXRINFER_ERR_MODEL);
    CHECK(test_contains(err, "empty"));
    CHECK(cxrinfer_model_load_buffer("", 0, NULL, &m, NULL, 0) == CXRINFER_ERR_MODEL);
    CHECK(cxrinfer_run(NULL, NULL, 0, NULL, 0) == CXRINFER_ERR_ARG);
    CHECK(cxrinfer_model_get_info(NULL, NULL) == CXRINFER_ERR_ARG);
    CHECK(cxrinfer_model_input_count(NULL) == 0);
    CHECK(strcmp(cxrinfer_model_error(NULL), "no model") == 0);
    cxrinfer_tensor_release(NULL);
}

static void check_info(const char *dir, const char *file, cxrinfer_layout layout, int batch,
                       int h, int c, int classes, int softmax)
{
    char path[4096], err[512];
    cxrinfer_model_info in;
    snprintf(path, sizeof path, "%s/models/%s", dir, file);
    cxrinfer_model *m = load(path, CXRINFER_BACKEND_AUTO, err, sizeof err);
    if (!m)
        return;
    CHECK(cxrinfer_model_get_info(m, &in) == CXRINFER_OK);
    CHECK(in.layout == layout);
    CHECK_INT(in.batch, batch);
    CHECK_INT(in.height, h);
    CHECK_INT(in.width, h);
    CHECK_INT(in.channels, c);
    CHECK_INT(in.classes, classes);
    CHECK_INT(in.softmax_output, softmax);
    CHECK_STR(in.backend, "dnnl");
    CHECK(cxrinfer_model_input_count(m) == 1 && cxrinfer_model_output_count(m) == 1);
    cxrinfer_model_free(m);
}

/* n images at once and one by one: identical, and the two paths agree. */
static void batch_equals_single(const char *dir)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/models/keras2onnx_mnist_cnn_nhwc.onnx", dir);
    cxrinfer_model *m = load(path, CXRINFER_BACKEND_DNNL, err, sizeof err);
    cxrinfer_model *r = load(path, CXRINFER_BACKEND_REFERENCE, err, sizeof err);
    if (!m || !r) {
        cxrinfer_model_free(m);
        cxrinfer_model_free(r);
        return;
    }
    enum { N = 5, IMG = 28 * 28, K = 10 };
    float *x = malloc(N * IMG * sizeof(float)), all[N * K], one[K], ref[N * K];
    for (int i = 0; i < N * IMG; i++)
        x[i] = (float)((i * 7919) % 1000) / 1000.0f;
    CHECK(cxrinfer_run(m, x, N, all, K) == CXRINFER_OK);
    CHECK(cxrinfer_run(r, x, N, ref, K) == CXRINFER_OK);
    for (int b = 0; b < N; b++) {
        CHECK(cxrinfer_run(m, x + b * IMG, 1, one, K) == CXRINFER_OK);
        CHECK(memcmp(one, all + b * K, sizeof one) == 0);
        float sum = 0;
        for (int k = 0; k < K; k++) {
            sum += all[b * K + k];
            CHECK(fabsf(all[b * K + k] - ref[b * K + k]) < 1e-5f);
        }
        CHECK(fabsf(sum - 1.0f) < 1e-5f); /* softmax output */
    }
    /* images differ, so their outputs must too (no stale buffers) */
    CHECK(memcmp(all, all + K, K * sizeof(float)) != 0);
    /* wrong class count: an argument error with a message on the handle */
    CHECK(cxrinfer_run(m, x, 1, one, 3) == CXRINFER_ERR_ARG);
    CHECK(test_contains(cxrinfer_model_error(m), "10"));
    CHECK(cxrinfer_run(m, NULL, 1, one, K) == CXRINFER_ERR_ARG);
    CHECK(cxrinfer_run(m, x, 0, one, K) == CXRINFER_OK);
    CHECK(cxrinfer_model_error(m)[0] == 0);
    /* general tensors: wrong input count and shape are errors, not crashes */
    cxrinfer_tensor in = {CXRINFER_FLOAT, 4, {1, 28, 28, 1}, x}, out;
    CHECK(cxrinfer_run_tensors(m, &in, 2, &out, 1) == CXRINFER_ERR_ARG);
    in.dims[1] = 27;
    CHECK(cxrinfer_run_tensors(m, &in, 1, &out, 1) == CXRINFER_ERR_SHAPE);
    CHECK(test_contains(cxrinfer_model_error(m), "conv2d_5_input"));
    in.dims[1] = 28;
    in.dims[0] = 2;
    CHECK(cxrinfer_run_tensors(m, &in, 1, &out, 1) == CXRINFER_OK);
    CHECK(out.rank == 2 && out.dims[0] == 2 && out.dims[1] == K);
    CHECK(memcmp(out.data, all, 2 * K * sizeof(float)) == 0 ||
          fabsf(((float *)out.data)[0] - all[0]) < 1e-5f);
    cxrinfer_tensor_release(&out);
    CHECK(out.data == NULL);
    free(x);
    cxrinfer_model_free(m);
    cxrinfer_model_free(r);
}

/* ---- a tiny protobuf writer for the models this test makes ---- */

typedef struct pbw {
    unsigned char *b;
    size_t n, cap;
} pbw;

static void pb_put(pbw *w, const void *data, size_t len)
{
    if (w->n + len > w->cap) {
        w->cap = (w->n + len) * 2 + 64;
        w->b = realloc(w->b, w->cap);
        if (!w->b)
            abort(); /* a test fixture: no memory is no test */
    }
    memcpy(w->b + w->n, data, len);
    w->n += len;
}

static void pb_varint(pbw *w, uint64_t v)
{
    unsigned char byte;
    do {
        byte = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            byte |= 0x80;
        pb_put(w, &byte, 1);
    } while (v);
}

static void pb_int(pbw *w, int field, uint64_t v)
{
    pb_varint(w, (uint64_t)field << 3);
    pb_varint(w, v);
}

static void pb_bytes(pbw *w, int field, const void *data, size_t len)
{
    pb_varint(w, (uint64_t)field << 3 | 2);
    pb_varint(w, len);
    pb_put(w, data, len);
}

static void pb_str(pbw *w, int field, const char *s)
{
    pb_bytes(w, field, s, strlen(s));
}

/* Appends 'sub' as a length-delimited field and frees it. */
static void pb_msg(pbw *w, int field, pbw *sub)
{
    pb_bytes(w, field, sub->b, sub->n);
    free(sub->b);
    memset(sub, 0, sizeof(*sub));
}

/* A float initializer with deterministic values in [-scale, scale]. */
static void add_weights(pbw *graph, const char *name, int rank, const int64_t *dims,
                        float scale, unsigned seed)
{
    pbw t = {0};
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        pb_int(&t, 1, (uint64_t)dims[i]);
        count *= (size_t)dims[i];
    }
    pb_int(&t, 2, 1);
    pb_str(&t, 8, name);
    float *v = malloc(count * sizeof(float));
    if (!v)
        abort();
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = scale * ((float)(seed >> 8) / 8388608.0f - 1.0f);
    }
    pb_bytes(&t, 9, v, count * sizeof(float));
    free(v);
    pb_msg(graph, 5, &t);
}

/* A node; attrs: "name=i" ints (one int) or "name=i,j,k" (ints). */
static void add_node(pbw *graph, const char *op, const char *in, const char *out,
                     const char *attrs)
{
    pbw n = {0};
    char list[200], *save = NULL;
    snprintf(list, sizeof list, "%s", in);
    for (char *tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
        pb_str(&n, 1, tok);
    pb_str(&n, 2, out);
    pb_str(&n, 3, out);
    pb_str(&n, 4, op);
    snprintf(list, sizeof list, "%s", attrs ? attrs : "");
    for (char *tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        pbw a = {0};
        char *eq = strchr(tok, '='), *p;
        *eq = 0;
        pb_str(&a, 1, tok);
        int many = strchr(eq + 1, ',') != NULL || !strcmp(tok, "pads") ||
                   !strcmp(tok, "kernel_shape") || !strcmp(tok, "strides");
        for (p = eq + 1; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
            pb_int(&a, many ? 8 : 3, (uint64_t)strtoll(p, NULL, 10));
        pb_int(&a, 20, many ? 7 : 2);
        pb_msg(&n, 5, &a);
    }
    pb_msg(graph, 1, &n);
}

/* A float graph input or output: rank dims, dims[i] < 0 symbolic. */
static void add_io(pbw *graph, int field, const char *name, int rank, const int64_t *dims)
{
    pbw vi = {0}, type = {0}, tensor = {0}, shape = {0};
    for (int i = 0; i < rank; i++) {
        pbw dim = {0};
        if (dims[i] < 0)
            pb_str(&dim, 2, "N");
        else
            pb_int(&dim, 1, (uint64_t)dims[i]);
        pb_msg(&shape, 1, &dim);
    }
    pb_int(&tensor, 1, 1);
    pb_msg(&tensor, 2, &shape);
    pb_msg(&type, 1, &tensor);
    pb_str(&vi, 1, name);
    pb_msg(&vi, 2, &type);
    pb_msg(graph, field, &vi);
}

/* Wraps a graph into a ModelProto (opset 13) and writes it to 'path'. */
static int write_model(pbw *graph, const char *path)
{
    pbw model = {0}, opset = {0};
    pb_int(&model, 1, 7);
    pb_str(&opset, 1, "");
    pb_int(&opset, 2, 13);
    pb_msg(&model, 8, &opset);
    pb_msg(&model, 7, graph);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(model.b, 1, model.n, f) == model.n;
    if (f && fclose(f))
        ok = 0;
    free(model.b);
    return ok;
}

/* A small CNN, batch symbolic: Conv 3->16 (3x3) Relu, Conv 16->32 (3x3,
 * Winograd-sized) Relu, Relu again (in place), MaxPool, Conv 1x1, Relu,
 * GlobalAveragePool, Flatten, Gemm to 10, Softmax. */
static int write_cnn(const char *path)
{
    pbw g = {0};
    int64_t x[4] = {-1, 3, 32, 32}, y[2] = {-1, 10};
    int64_t w1[4] = {16, 3, 3, 3}, w2[4] = {32, 16, 3, 3}, w3[4] = {32, 32, 1, 1};
    int64_t b16[1] = {16}, b32[1] = {32}, fc[2] = {10, 32}, b10[1] = {10};
    add_node(&g, "Conv", "x w1 b1", "c1", "kernel_shape=3,3 pads=1,1,1,1");
    add_node(&g, "Relu", "c1", "r1", NULL);
    add_node(&g, "Conv", "r1 w2 b2", "c2", "kernel_shape=3,3 pads=1,1,1,1");
    add_node(&g, "Relu", "c2", "r2", NULL);
    add_node(&g, "Relu", "r2", "r2b", NULL);
    add_node(&g, "MaxPool", "r2b", "p2", "kernel_shape=2,2 strides=2,2");
    add_node(&g, "Conv", "p2 w3 b3", "c3", "kernel_shape=1,1");
    add_node(&g, "Relu", "c3", "r3", NULL);
    add_node(&g, "GlobalAveragePool", "r3", "gap", NULL);
    add_node(&g, "Flatten", "gap", "flat", NULL);
    add_node(&g, "Gemm", "flat fc fcb", "logits", "transB=1");
    add_node(&g, "Softmax", "logits", "y", NULL);
    pb_str(&g, 2, "cnn");
    add_weights(&g, "w1", 4, w1, 0.3f, 1);
    add_weights(&g, "b1", 1, b16, 0.1f, 2);
    add_weights(&g, "w2", 4, w2, 0.1f, 3);
    add_weights(&g, "b2", 1, b32, 0.1f, 4);
    add_weights(&g, "w3", 4, w3, 0.2f, 5);
    add_weights(&g, "b3", 1, b32, 0.1f, 6);
    add_weights(&g, "fc", 2, fc, 0.5f, 7);
    add_weights(&g, "fcb", 1, b10, 0.1f, 8);
    add_io(&g, 11, "x", 4, x);
    add_io(&g, 12, "y", 2, y);
    return write_model(&g, path);
}

/* Dense layers with 32 MiB of weights in four 8 MiB matrices: x [N,1024]
 * -> 2048 -> 1024 -> 2048 -> 1024 (Relu) -> 10, Softmax. */
static int write_dense(const char *path)
{
    pbw g = {0};
    int64_t x[2] = {-1, 1024}, y[2] = {-1, 10};
    int64_t up[2] = {1024, 2048}, down[2] = {2048, 1024}, last[2] = {1024, 10};
    add_node(&g, "MatMul", "x m1", "h1", NULL);
    add_node(&g, "Relu", "h1", "a1", NULL);
    add_node(&g, "MatMul", "a1 m2", "h2", NULL);
    add_node(&g, "Relu", "h2", "a2", NULL);
    add_node(&g, "MatMul", "a2 m3", "h3", NULL);
    add_node(&g, "Relu", "h3", "a3", NULL);
    add_node(&g, "MatMul", "a3 m4", "h4", NULL);
    add_node(&g, "Relu", "h4", "a4", NULL);
    add_node(&g, "MatMul", "a4 m5", "logits", NULL);
    add_node(&g, "Softmax", "logits", "y", NULL);
    pb_str(&g, 2, "dense");
    add_weights(&g, "m1", 2, up, 0.05f, 11);
    add_weights(&g, "m2", 2, down, 0.03f, 12);
    add_weights(&g, "m3", 2, up, 0.05f, 13);
    add_weights(&g, "m4", 2, down, 0.03f, 14);
    add_weights(&g, "m5", 2, last, 0.2f, 15);
    add_io(&g, 11, "x", 2, x);
    add_io(&g, 12, "y", 2, y);
    return write_model(&g, path);
}

static cxrinfer_model *load_opt(const char *path, cxrinfer_backend be, int winograd)
{
    cxrinfer_options opt;
    cxrinfer_model *m = NULL;
    char err[512];
    cxrinfer_options_init(&opt);
    opt.backend = be;
    opt.threads = 2;
    opt.winograd = winograd;
    if (cxrinfer_model_load(path, &opt, &m, err, sizeof err) != CXRINFER_OK)
        fprintf(stderr, "load '%s': %s\n", path, err);
    CHECK(m != NULL);
    return m;
}

/* Runs 'n' inputs of 'per' floats through run_tensors; 1 if it worked. */
static int run_batch(cxrinfer_model *m, const float *x, int64_t n, int rank,
                     const int64_t *dims, float *out, size_t out_len)
{
    cxrinfer_tensor in = {CXRINFER_FLOAT, rank, {0}, (void *)x}, y;
    memcpy(in.dims, dims, (size_t)rank * sizeof(int64_t));
    in.dims[0] = n;
    if (cxrinfer_run_tensors(m, &in, 1, &y, 1) != CXRINFER_OK) {
        fprintf(stderr, "run: %s\n", cxrinfer_model_error(m));
        return 0;
    }
    size_t count = 1;
    for (int i = 0; i < y.rank; i++)
        count *= (size_t)y.dims[i];
    int ok = count == out_len;
    if (ok)
        memcpy(out, y.data, count * sizeof(float));
    cxrinfer_tensor_release(&y);
    return ok;
}

static float max_diff(const float *a, const float *b, size_t n)
{
    float d = 0;
    for (size_t i = 0; i < n; i++)
        d = fabsf(a[i] - b[i]) > d ? fabsf(a[i] - b[i]) : d;
    return d;
}

/* The oneDNN path against the reference on the model the test wrote:
 * batch 1, then 3 (a new plan: the weights oneDNN took must come back),
 * then 1 again, and two different inputs on one handle (buffers reused
 * between runs must not leak one run into the next). */
static void check_replan(const char *path, int rank, const int64_t *dims, int classes,
                         int winograd)
{
    size_t per = 1;
    for (int i = 1; i < rank; i++)
        per *= (size_t)dims[i];
    float *x = malloc(3 * per * sizeof(float)), got[30], want[30];
    for (size_t i = 0; i < 3 * per; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
    cxrinfer_model *m = load_opt(path, CXRINFER_BACKEND_DNNL, winograd);
    cxrinfer_model *r = load_opt(path, CXRINFER_BACKEND_REFERENCE, 1);
    static const int64_t batches[] = {1, 3, 1, 2};
    for (size_t k = 0; m && r && k < sizeof batches / sizeof *batches; k++) {
        const float *in = x + (k == 3 ? per : 0); /* the last run: other images */
        size_t len = (size_t)batches[k] * (size_t)classes;
        CHECK(run_batch(r, in, batches[k], rank, dims, want, len));
        CHECK(run_batch(m, in, batches[k], rank, dims, got, len));
        CHECK(max_diff(got, want, len) < 1e-4f);
    }
    cxrinfer_model_free(m);
    cxrinfer_model_free(r);
    free(x);
}

#if !defined(__SANITIZE_ADDRESS__)
/* A resident-memory figure of this process from /proc (KiB), -1 unknown. */
static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
            kb = atol(line + strlen(key) + 1);
    if (f)
        fclose(f);
    return kb;
}
#endif

/* Loading and running a model with 32 MiB of weights must not hold the
 * file, the ONNX copy and oneDNN's copy at once: the peak grows by about
 * the weights (one 8 MiB matrix is in two copies while it is reordered),
 * not three times them. Runs first, while the peak is still low. */
static void check_weights_held_once(const char *path)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)path;
    fprintf(stderr, "skip: the RSS check under AddressSanitizer (it keeps freed memory)\n");
#else
    FILE *reset = fopen("/proc/self/clear_refs", "w"); /* "5": the peak restarts from now */
    int can_reset = reset && fputs("5", reset) >= 0;
    if (reset && fclose(reset))
        can_reset = 0;
    long before = status_kb("VmRSS");
    cxrinfer_model *m = load_opt(path, CXRINFER_BACKEND_DNNL, 1);
    float x[2 * 1024], y[2 * 10];
    for (int i = 0; i < 2 * 1024; i++)
        x[i] = (float)(i % 97) / 97.0f;
    int64_t dims[2] = {1, 1024};
    CHECK(m && run_batch(m, x, 1, 2, dims, y, 10));
    long peak = status_kb("VmHWM");
    if (!can_reset)
        fprintf(stderr, "skip: the RSS check (cannot reset the peak in /proc/self/clear_refs)\n");
    if (can_reset && before > 0 && peak > 0) {
        long grew = peak - before, weights = 32L * 1024 + 40;
        if (grew > weights * 3 / 2)
            fprintf(stderr, "peak RSS grew by %ld KiB for %ld KiB of weights\n", grew, weights);
        CHECK(grew <= weights * 3 / 2);
    }
    cxrinfer_model_free(m);
#endif
}

static void generated_models(void)
{
    char *dir = test_tmpdir("infer-api");
    char cnn[4096], dense[4096];
    snprintf(cnn, sizeof cnn, "%s/cnn.onnx", dir);
    snprintf(dense, sizeof dense, "%s/dense.onnx", dir);
    CHECK(write_cnn(cnn) && write_dense(dense));
    check_weights_held_once(dense);
    int64_t cnn_dims[4] = {1, 3, 32, 32}, dense_dims[2] = {1, 1024};
    check_replan(cnn, 4, cnn_dims, 10, 1);
    check_replan(cnn, 4, cnn_dims, 10, 0);
    check_replan(dense, 2, dense_dims, 10, 1);
    unlink(cnn);
    unlink(dense);
    rmdir(dir);
    free(dir);
}

/* An int64 initializer (a Reshape shape, Squeeze axes). */
static void add_ints(pbw *graph, const char *name, int count, const int64_t *values)
{
    pbw t = {0};
    pb_int(&t, 1, (uint64_t)count);
    pb_int(&t, 2, 7);
    pb_str(&t, 8, name);
    pb_bytes(&t, 9, values, (size_t)count * sizeof(int64_t));
    pb_msg(graph, 5, &t);
}

/* x [1,8] -> OP(x, k) with k the int64 initializer 'values' -> y [out]. */
static int write_shape_op(const char *path, const char *op, int count, const int64_t *values,
                          int out_rank, const int64_t *out)
{
    pbw g = {0};
    int64_t x[2] = {1, 8};
    add_node(&g, op, "x k", "y", NULL);
    pb_str(&g, 2, "shape_op");
    add_ints(&g, "k", count, values);
    add_io(&g, 11, "x", 2, x);
    add_io(&g, 12, "y", out_rank, out);
    return write_model(&g, path);
}

/* A model the engine must refuse at load: 'want' and a message that names
 * the node and says what is wrong, never a crash or a plan. */
static void refused(const char *dir, const char *op, int count, const int64_t *values,
                    cxrinfer_status want, const char *says)
{
    char path[4096], err[512] = "";
    int64_t out[2] = {1, 8};
    cxrinfer_model *m = NULL;
    snprintf(path, sizeof path, "%s/bad.onnx", dir);
    CHECK(write_shape_op(path, op, count, values, 2, out));
    CHECK_INT(cxrinfer_model_load(path, NULL, &m, err, sizeof err), want);
    CHECK(m == NULL);
    if (!test_contains(err, says) || !test_contains(err, op))
        fprintf(stderr, "model %s: message '%s', want '%s'\n", op, err, says);
    CHECK(test_contains(err, says) && test_contains(err, op));
    cxrinfer_model_free(m);
    unlink(path);
}

/* Reshape and Squeeze with impossible shapes: refused with the reason. */
static void bad_shape_models(void)
{
    char *dir = test_tmpdir("infer-bad");
    int64_t two_unknown[2] = {-1, -1}, indivisible[3] = {1, -1, 3}, fewer[2] = {1, 3};
    int64_t negative[2] = {1, -5}, wide[1] = {1}, far[1] = {5};
    int64_t fine[3] = {1, 2, 4};
    char path[4096], err[512] = "";
    int64_t out3[3] = {1, 2, 4};
    cxrinfer_model *m = NULL;
    refused(dir, "Reshape", 2, two_unknown, CXRINFER_ERR_SHAPE, "the shape has two -1 values");
    refused(dir, "Reshape", 3, indivisible, CXRINFER_ERR_SHAPE,
            "cannot infer -1: 8 values do not divide into 3");
    refused(dir, "Reshape", 2, fewer, CXRINFER_ERR_SHAPE, "(8 values) into 3 values");
    refused(dir, "Reshape", 2, negative, CXRINFER_ERR_SHAPE, "the shape holds -5");
    refused(dir, "Squeeze", 1, wide, CXRINFER_ERR_SHAPE, "cannot squeeze axis 1 of size 8");
    refused(dir, "Squeeze", 1, far, CXRINFER_ERR_SHAPE, "axis 5 is out of range or repeated");
    /* and the same model with a possible shape loads and runs */
    snprintf(path, sizeof path, "%s/good.onnx", dir);
    CHECK(write_shape_op(path, "Reshape", 3, fine, 3, out3));
    CHECK_INT(cxrinfer_model_load(path, NULL, &m, err, sizeof err), CXRINFER_OK);
    if (!m)
        fprintf(stderr, "good reshape model: %s\n", err);
    cxrinfer_model_free(m);
    unlink(path);
    rmdir(dir);
    free(dir);
}

typedef struct job {
    const char *path;
    float out[4 * 4];
    int rc;
} job;

/* Each thread loads its own handle and scores the same four images. */
static void *thread_run(void *arg)
{
    job *j = arg;
    cxrinfer_options opt;
    cxrinfer_model *m;
    char err[512];
    cxrinfer_options_init(&opt);
    opt.threads = 1;
    j->rc = -1;
    if (cxrinfer_model_load(j->path, &opt, &m, err, sizeof err) != CXRINFER_OK)
        return NULL;
    size_t img = 224 * 224 * 3;
    float *x = malloc(4 * img * sizeof(float));
    for (size_t i = 0; x && i < 4 * img; i++)
        x[i] = (float)((i * 2654435761u) % 997) / 996.0f;
    for (int rep = 0; x && rep < 3; rep++)
        j->rc = (int)cxrinfer_run(m, x, 4, j->out, 4);
    free(x);
    cxrinfer_model_free(m);
    return NULL;
}

static void parallel_handles(const char *dir)
{
    char path[4096];
    job jobs[3];
    pthread_t t[3];
    snprintf(path, sizeof path, "%s/models/tf2onnx_plant_cnn224_nhwc.onnx", dir);
    for (int i = 0; i < 3; i++) {
        jobs[i].path = path;
        CHECK(pthread_create(&t[i], NULL, thread_run, &jobs[i]) == 0);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 3; i++) {
        CHECK(jobs[i].rc == CXRINFER_OK);
        CHECK(memcmp(jobs[i].out, jobs[0].out, sizeof jobs[0].out) == 0);
    }
}

int main(void)
{
    const char *dir = test_shared_dir(); /* infer_api_real: the shared models */
    if (!dir) {
        basics();
        generated_models();
        bad_shape_models();
        return test_finish();
    }
    check_info(dir, "tf2onnx_plant_cnn224_nhwc.onnx", CXRINFER_LAYOUT_NHWC, 0, 224, 3, 4, 1);
    check_info(dir, "pytorch_mnist_cnn_opset11.onnx", CXRINFER_LAYOUT_NCHW, 1, 28, 1, 10, 0);
    check_info(dir, "keras2onnx_mnist_cnn_nhwc.onnx", CXRINFER_LAYOUT_NHWC, 0, 28, 1, 10, 1);
    batch_equals_single(dir);
    parallel_handles(dir);
    return test_finish();
}
