/* infer_api.c: the contract of cxrinfer.h, linked against the shared
 * library like any user program: NULL handling, error statuses and
 * messages, model info of each exporter's layout, argument checks, that
 * a batch gives the same results as its images one by one, on both paths,
 * and that handles used in parallel threads (one each) agree. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    basics();
    const char *dir = test_shared_dir();
    if (!dir) {
        fprintf(stderr, "skip: model tests need the shared models\n");
        return test_finish();
    }
    check_info(dir, "tf2onnx_plant_cnn224_nhwc.onnx", CXRINFER_LAYOUT_NHWC, 0, 224, 3, 4, 1);
    check_info(dir, "pytorch_mnist_cnn_opset11.onnx", CXRINFER_LAYOUT_NCHW, 1, 28, 1, 10, 0);
    check_info(dir, "keras2onnx_mnist_cnn_nhwc.onnx", CXRINFER_LAYOUT_NHWC, 0, 28, 1, 10, 1);
    batch_equals_single(dir);
    parallel_handles(dir);
    return test_finish();
}
