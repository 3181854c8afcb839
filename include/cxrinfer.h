/* cxrinfer.h: the public C API of libcxrinfer, a small ONNX inference engine
 * for image classifiers (Keras models exported by tf2onnx or keras2onnx,
 * PyTorch exports): load a model, run a batch of images, read the class
 * probabilities. Math by oneDNN, with a plain-C reference path.
 *
 * Lifecycle:
 *
 *     cxrinfer_options opt;
 *     cxrinfer_model *m;
 *     char err[512];
 *     cxrinfer_options_init(&opt);              // threads 0 = all, backend auto
 *     if (cxrinfer_model_load("m.onnx", &opt, &m, err, sizeof err) != CXRINFER_OK)
 *         fprintf(stderr, "%s\n", err);         // the engine never prints
 *     cxrinfer_model_info info;
 *     cxrinfer_model_get_info(m, &info);        // input H, W, C; class count
 *     // images: n * H * W * C floats, NHWC (RGB when C is 3), values in [0,1]
 *     if (cxrinfer_run(m, images, n, probs, info.classes) != CXRINFER_OK)
 *         fprintf(stderr, "%s\n", cxrinfer_model_error(m));
 *     cxrinfer_model_free(m);                   // NULL is a no-op
 *
 * Ownership: every pointer passed in is borrowed for the duration of the
 * call (the model file or buffer is copied as needed; nothing is kept).
 * Handles returned are owned by the caller and freed with their _free.
 *
 * Memory: the file is read once and its weights copied out as it is parsed;
 * on the oneDNN path each weight is then held once, in the format its
 * primitive reads (the ONNX copy is freed), and all activations and
 * scratch space of a run share one block planned by liveness (VGG16 at
 * 224x224: about 60 MB of weights and 55 MB of working memory).
 *
 * Thread safety: loading is reentrant (two threads may load models at once).
 * A cxrinfer_model holds its working buffers, so one handle must not run in
 * two threads at once; use one handle per thread (they share nothing).
 *
 * Link with `pkg-config --cflags --libs cxrinfer`. */
#ifndef CXRINFER_H
#define CXRINFER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CXRINFER_VERSION_MAJOR 1
#define CXRINFER_VERSION_MINOR 0

typedef enum cxrinfer_status {
    CXRINFER_OK = 0,
    CXRINFER_ERR_ARG,         /* bad argument: NULL pointer, wrong count or size */
    CXRINFER_ERR_IO,          /* the model file could not be read */
    CXRINFER_ERR_MODEL,       /* the model is malformed or truncated */
    CXRINFER_ERR_UNSUPPORTED, /* valid ONNX this engine cannot run (op, attribute, type) */
    CXRINFER_ERR_SHAPE,       /* shapes do not fit (input size, an op's inputs) */
    CXRINFER_ERR_BACKEND,     /* oneDNN refused or failed */
    CXRINFER_ERR_NOMEM
} cxrinfer_status;

/* A short name for a status ("malformed model"). Never NULL. */
const char *cxrinfer_strerror(cxrinfer_status status);

typedef enum cxrinfer_backend {
    CXRINFER_BACKEND_AUTO = 0,  /* oneDNN where it is usable (for this model and
                                   these shapes), else the reference path */
    CXRINFER_BACKEND_DNNL,      /* oneDNN; loading fails if it is unusable */
    CXRINFER_BACKEND_REFERENCE  /* plain C, single-threaded: a second opinion for tests */
} cxrinfer_backend;

typedef struct cxrinfer_options {
    int threads;                /* threads of the oneDNN path; 0: the OpenMP default
                                   (OMP_NUM_THREADS, else all cores). The caller's
                                   own OpenMP setting is left as it was */
    cxrinfer_backend backend;
    int winograd;               /* 1: oneDNN may run 3x3 stride-1 convolutions with
                                   Winograd F(4x4,3x3) where that pays (images of 24x24
                                   and more, 16 or more input channels; about 2x faster
                                   on VGG16's layers down to 28x28; the weights are
                                   transformed at each run, not held 4x larger; results
                                   differ from direct convolution by ~1e-6 relative);
                                   0: direct convolution only */
} cxrinfer_options;

/* Fills the defaults: threads 0, backend auto, winograd 1. Always start
 * from these, so that fields added later get their defaults. */
void cxrinfer_options_init(cxrinfer_options *opt);

typedef struct cxrinfer_model cxrinfer_model;

/* Loads an ONNX model from a file ('path' borrowed). 'opt' may be NULL
 * (defaults). On failure *out is NULL, and the message (naming the node and
 * op where one is at fault) is written to 'errbuf' (may be NULL; always
 * NUL-terminated when errlen > 0). The graph is checked at load: an
 * unsupported op or a shape mismatch fails here, not at the first run. */
cxrinfer_status cxrinfer_model_load(const char *path, const cxrinfer_options *opt,
                                    cxrinfer_model **out, char *errbuf, size_t errlen);

/* The same from a serialized ModelProto in memory ('data' borrowed). */
cxrinfer_status cxrinfer_model_load_buffer(const void *data, size_t size,
                                           const cxrinfer_options *opt,
                                           cxrinfer_model **out, char *errbuf,
                                           size_t errlen);

/* Frees the model and its buffers. NULL is a no-op. */
void cxrinfer_model_free(cxrinfer_model *model);

typedef enum cxrinfer_layout {
    CXRINFER_LAYOUT_NHWC = 0,   /* Keras/tf2onnx style: [N, H, W, C] */
    CXRINFER_LAYOUT_NCHW        /* PyTorch style: [N, C, H, W] */
} cxrinfer_layout;

typedef struct cxrinfer_model_info {
    int batch;              /* the model's fixed batch size, or 0 when symbolic */
    int height, width;      /* input size in pixels */
    int channels;           /* 1 (grey) or 3 (RGB) */
    cxrinfer_layout layout; /* as the model declares its input (run() converts) */
    int classes;            /* values per image in the output */
    int softmax_output;     /* 1 if the output comes from Softmax (probabilities),
                               0 if it is raw scores (logits) */
    const char *backend;    /* "dnnl" or "reference"; owned by the model */
    const char *input_name, *output_name; /* owned by the model */
} cxrinfer_model_info;

/* Describes the model's first input and first output. The input must be a
 * 4-D image tensor (NHWC or NCHW; the layout is taken from where the side
 * with 1 or 3 channels is) and the output [N, classes]. */
cxrinfer_status cxrinfer_model_get_info(const cxrinfer_model *model,
                                        cxrinfer_model_info *info);

/* Runs 'n' images: 'images' holds n * height * width * channels floats in
 * NHWC order (RGB when channels is 3), whatever the model's own layout;
 * 'out' receives n * n_classes floats (n_classes must equal info.classes).
 * Images are run in chunks of the model's batch size (1 when symbolic), so
 * an image's result never depends on the others. Both pointers borrowed.
 * The values are the model's output as is: probabilities when
 * info.softmax_output is 1, else raw scores (apply a softmax or sigmoid). */
cxrinfer_status cxrinfer_run(cxrinfer_model *model, const float *images, size_t n,
                             float *out, size_t n_classes);

/* The message of the last failed call on 'model' ("" if none). Owned by
 * the model; valid until its next call. */
const char *cxrinfer_model_error(const cxrinfer_model *model);

/* ---- General tensors: any graph, any inputs (used by the op tests) ---- */

typedef enum cxrinfer_dtype {
    CXRINFER_FLOAT = 1, /* ONNX TensorProto.FLOAT */
    CXRINFER_INT64 = 7  /* ONNX TensorProto.INT64 */
} cxrinfer_dtype;

#define CXRINFER_MAX_RANK 8

typedef struct cxrinfer_tensor {
    cxrinfer_dtype dtype;
    int rank;
    int64_t dims[CXRINFER_MAX_RANK];
    void *data;             /* float or int64_t, row-major */
} cxrinfer_tensor;

/* The graph's declared inputs (initializers excluded) and outputs. */
size_t cxrinfer_model_input_count(const cxrinfer_model *model);
size_t cxrinfer_model_output_count(const cxrinfer_model *model);

/* Runs the graph on 'inputs' (n_in tensors in the order of the graph's
 * inputs, in the model's own layout, borrowed). Fills outputs[0..n_out-1]
 * with new tensors whose data the caller frees with cxrinfer_tensor_release. */
cxrinfer_status cxrinfer_run_tensors(cxrinfer_model *model,
                                     const cxrinfer_tensor *inputs, size_t n_in,
                                     cxrinfer_tensor *outputs, size_t n_out);

/* Frees a tensor's data filled by cxrinfer_run_tensors; sets it to NULL. */
void cxrinfer_tensor_release(cxrinfer_tensor *tensor);

#ifdef __cplusplus
}
#endif

#endif
