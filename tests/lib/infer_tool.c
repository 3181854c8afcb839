/* infer_tool.c: a small driver of libcxrinfer for the model tests and the
 * benchmark: describe a model, run it on a raw float32 file of NHWC images,
 * or time it. Linked against the shared library only.
 *
 *   infer_tool info MODEL
 *   infer_tool run MODEL IN.f32 OUT.f32 N [ref|dnnl|dnnl-direct] [THREADS]
 *   infer_tool bench MODEL N_RUNS [THREADS] [dnnl|dnnl-direct|ref]
 *                                        (prints the median ms per image)
 *   infer_tool load MODEL [THREADS] [dnnl|dnnl-direct|ref]
 *                                        (one load and one image in a fresh
 *                                        process: prints 'load_ms first_run_ms
 *                                        base_kb load_kb peak_kb', the peak
 *                                        RSS (VmHWM) before loading, after
 *                                        loading, after the image) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cxrinfer.h"

static int usage(void)
{
    fprintf(stderr, "usage: infer_tool info MODEL\n"
                    "       infer_tool run MODEL IN.f32 OUT.f32 N [ref|dnnl|dnnl-direct] [THREADS]\n"
                    "       infer_tool bench MODEL N_RUNS [THREADS] [dnnl|dnnl-direct|ref]\n"
                    "       infer_tool load MODEL [THREADS] [dnnl|dnnl-direct|ref]\n");
    return 2;
}

static cxrinfer_model *load(const char *path, const char *backend, int threads)
{
    cxrinfer_options opt;
    cxrinfer_model *m;
    char err[1024];
    cxrinfer_options_init(&opt);
    opt.threads = threads;
    if (backend && !strcmp(backend, "ref"))
        opt.backend = CXRINFER_BACKEND_REFERENCE;
    else if (backend && !strncmp(backend, "dnnl", 4))
        opt.backend = CXRINFER_BACKEND_DNNL;
    if (backend && !strcmp(backend, "dnnl-direct"))
        opt.winograd = 0;
    cxrinfer_status st = cxrinfer_model_load(path, &opt, &m, err, sizeof err);
    if (st != CXRINFER_OK) {
        fprintf(stderr, "infer_tool: %s (%s)\n", err, cxrinfer_strerror(st));
        return NULL;
    }
    return m;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run(int argc, char **argv)
{
    if (argc < 6)
        return usage();
    cxrinfer_model *m = load(argv[2], argc > 6 ? argv[6] : NULL, argc > 7 ? atoi(argv[7]) : 0);
    cxrinfer_model_info info;
    if (!m)
        return 1;
    if (cxrinfer_model_get_info(m, &info) != CXRINFER_OK) {
        fprintf(stderr, "infer_tool: %s\n", cxrinfer_model_error(m));
        cxrinfer_model_free(m);
        return 1;
    }
    size_t n = (size_t)atol(argv[5]);
    size_t img = (size_t)info.height * info.width * info.channels;
    float *x = malloc(n * img * sizeof(float) + 1), *y = malloc(n * info.classes * sizeof(float) + 1);
    FILE *f = fopen(argv[3], "rb");
    int rc = 1;
    if (!x || !y || !f || fread(x, sizeof(float), n * img, f) != n * img) {
        fprintf(stderr, "infer_tool: cannot read %zu images from '%s'\n", n, argv[3]);
    } else if (cxrinfer_run(m, x, n, y, (size_t)info.classes) != CXRINFER_OK) {
        fprintf(stderr, "infer_tool: %s\n", cxrinfer_model_error(m));
    } else {
        FILE *o = fopen(argv[4], "wb");
        if (o && fwrite(y, sizeof(float), n * info.classes, o) == n * (size_t)info.classes &&
            fclose(o) == 0)
            rc = 0;
        else
            fprintf(stderr, "infer_tool: cannot write '%s'\n", argv[4]);
    }
    if (f)
        fclose(f);
    free(x);
    free(y);
    cxrinfer_model_free(m);
    return rc;
}

/* The process's peak resident memory so far (VmHWM), in KiB; -1 unknown. */
static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

/* Fills one image with the same pseudo-random pixels as 'bench'. */
static void fill_image(float *x, size_t n)
{
    unsigned s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (float)((s >> 8) & 0xffff) / 65535.0f;
    }
}

static int bench(int argc, char **argv)
{
    if (argc < 4)
        return usage();
    cxrinfer_model *m = load(argv[2], argc > 5 ? argv[5] : "dnnl", argc > 4 ? atoi(argv[4]) : 0);
    cxrinfer_model_info info;
    if (!m)
        return 1;
    if (cxrinfer_model_get_info(m, &info) != CXRINFER_OK) {
        fprintf(stderr, "infer_tool: %s\n", cxrinfer_model_error(m));
        cxrinfer_model_free(m);
        return 1;
    }
    int runs = atoi(argv[3]);
    size_t img = (size_t)info.height * info.width * info.channels;
    float *x = malloc(img * sizeof(float)), *y = malloc((size_t)info.classes * sizeof(float));
    double *t = malloc((size_t)(runs > 0 ? runs : 1) * sizeof(double));
    fill_image(x, img);
    int rc = cxrinfer_run(m, x, 1, y, (size_t)info.classes) != CXRINFER_OK; /* warm-up */
    for (int r = 0; r < runs && !rc; r++) {
        double t0 = now_ms();
        rc = cxrinfer_run(m, x, 1, y, (size_t)info.classes) != CXRINFER_OK;
        t[r] = now_ms() - t0;
    }
    if (!rc && runs > 0) {
        qsort(t, (size_t)runs, sizeof(double), cmp_double);
        printf("%.2f\n", t[runs / 2]);
    } else {
        fprintf(stderr, "infer_tool: %s\n", cxrinfer_model_error(m));
        rc = 1;
    }
    free(x);
    free(y);
    free(t);
    cxrinfer_model_free(m);
    return rc;
}

static int load_once(int argc, char **argv)
{
    long base_kb = peak_rss_kb();
    double t0 = now_ms();
    cxrinfer_model *m = load(argv[2], argc > 4 ? argv[4] : "dnnl", argc > 3 ? atoi(argv[3]) : 0);
    double load_ms = now_ms() - t0;
    long load_kb = peak_rss_kb();
    cxrinfer_model_info info;
    if (!m)
        return 1;
    if (cxrinfer_model_get_info(m, &info) != CXRINFER_OK) {
        fprintf(stderr, "infer_tool: %s\n", cxrinfer_model_error(m));
        cxrinfer_model_free(m);
        return 1;
    }
    size_t img = (size_t)info.height * info.width * info.channels;
    float *x = malloc(img * sizeof(float)), *y = malloc((size_t)info.classes * sizeof(float));
    int rc = !x || !y;
    double run_ms = 0;
    if (!rc) {
        fill_image(x, img);
        t0 = now_ms();
        rc = cxrinfer_run(m, x, 1, y, (size_t)info.classes) != CXRINFER_OK;
        run_ms = now_ms() - t0;
    }
    if (rc)
        fprintf(stderr, "infer_tool: %s\n", cxrinfer_model_error(m));
    else
        printf("%.1f %.1f %ld %ld %ld\n", load_ms, run_ms, base_kb, load_kb, peak_rss_kb());
    free(x);
    free(y);
    cxrinfer_model_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    if (!strcmp(argv[1], "run"))
        return run(argc, argv);
    if (!strcmp(argv[1], "bench"))
        return bench(argc, argv);
    if (!strcmp(argv[1], "load"))
        return load_once(argc, argv);
    if (strcmp(argv[1], "info"))
        return usage();
    cxrinfer_model *m = load(argv[2], argc > 3 ? argv[3] : NULL, 0);
    cxrinfer_model_info in;
    if (!m)
        return 1;
    int rc = cxrinfer_model_get_info(m, &in) != CXRINFER_OK;
    if (rc)
        fprintf(stderr, "infer_tool: %s\n", cxrinfer_model_error(m));
    else
        printf("batch %d height %d width %d channels %d layout %s classes %d softmax %d "
               "backend %s input '%s' output '%s'\n",
               in.batch, in.height, in.width, in.channels,
               in.layout == CXRINFER_LAYOUT_NHWC ? "NHWC" : "NCHW", in.classes, in.softmax_output,
               in.backend, in.input_name, in.output_name);
    cxrinfer_model_free(m);
    return rc;
}
