/* internal.h: the engine's private types shared by its files: tensors, the
 * parsed graph, attributes, the per-shape plan, and the error context. */
#ifndef CXRINFER_INTERNAL_H
#define CXRINFER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cxrinfer.h"

#if defined(__GNUC__)
#define CI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CI_PRINTF(f, a)
#endif

#define CI_MSG_MAX 768

typedef struct ci_err {
    cxrinfer_status status;
    char msg[CI_MSG_MAX];
} ci_err;

/* error.c: records a message and returns 'status' ('err' may be NULL). */
cxrinfer_status ci_fail(ci_err *err, cxrinfer_status status, const char *fmt, ...)
    CI_PRINTF(3, 4);

/* A tensor: dtype, shape and (maybe) data. Only float and int64 are held;
 * int32 and bool initializers are widened to int64 when read. */
typedef struct ci_tensor {
    int dtype;                        /* CXRINFER_FLOAT or CXRINFER_INT64 */
    int rank;
    int64_t dims[CXRINFER_MAX_RANK];
    size_t count;                     /* product of dims */
    void *data;                       /* NULL while only the shape is known */
    int owned;                        /* data is freed with the tensor: 1 by free,
                                         2 by ci_block_free (a large block) */
    size_t bytes;                     /* size of the data when owned */
} ci_tensor;

/* tensor.c */
size_t ci_tensor_elem_size(int dtype);
/* Sets rank/dims/count; fails on a negative dim or an overflow. */
int ci_tensor_set_shape(ci_tensor *t, int rank, const int64_t *dims);
/* Allocates zeroed data for the shape already set (owned). */
cxrinfer_status ci_tensor_alloc(ci_tensor *t, ci_err *err);
void ci_tensor_clear(ci_tensor *t);
/* Zeroed memory, 64-byte aligned; blocks of CI_BLOCK_MIN bytes or more are
 * mapped from the system, so that freeing them gives the memory back at
 * once (malloc may keep freed heap memory, and its mmap threshold moves). */
#define CI_BLOCK_MIN ((size_t)1 << 20)
void *ci_block_alloc(size_t bytes);
void ci_block_free(void *block, size_t bytes);
/* Gives back the whole pages inside [start, start + len) of a mapped block
 * whose bytes are no longer needed (they read as zeros afterwards). */
void ci_block_drop(const void *start, size_t len);
/* Formats "[1,3,224,224]" into buf. */
const char *ci_shape_str(const ci_tensor *t, char *buf, size_t len);

enum ci_attr_type {
    CI_ATTR_FLOAT = 1, CI_ATTR_INT = 2, CI_ATTR_STRING = 3, CI_ATTR_TENSOR = 4,
    CI_ATTR_FLOATS = 6, CI_ATTR_INTS = 7
};

typedef struct ci_attr {
    char *name;
    int type;          /* ci_attr_type, 0 when the file omitted it (guessed) */
    float f;
    int64_t i;
    char *s;           /* NUL-terminated copy */
    float *floats;
    int64_t *ints;
    size_t n;          /* length of floats or ints */
    ci_tensor t;
    int has_t;
} ci_attr;

typedef enum ci_op {
    CI_OP_UNKNOWN = 0,
    CI_OP_CONV, CI_OP_RELU, CI_OP_SIGMOID, CI_OP_MAXPOOL, CI_OP_AVGPOOL,
    CI_OP_GLOBALAVGPOOL, CI_OP_PAD, CI_OP_TRANSPOSE, CI_OP_RESHAPE,
    CI_OP_FLATTEN, CI_OP_MATMUL, CI_OP_GEMM, CI_OP_ADD, CI_OP_SUB, CI_OP_MUL,
    CI_OP_DIV, CI_OP_SOFTMAX, CI_OP_IDENTITY, CI_OP_DROPOUT, CI_OP_SQUEEZE,
    CI_OP_UNSQUEEZE, CI_OP_BATCHNORM, CI_OP_CONSTANT, CI_OP_SHAPE,
    CI_OP_GATHER, CI_OP_CAST, CI_OP_SLICE, CI_OP_CONCAT, CI_OP_LEAKYRELU, CI_OP_TANH,
    CI_OP_CLIP, CI_OP_REDUCEMEAN,
    CI_OP_COUNT
} ci_op;

/* ops_dispatch.c: the op of an ONNX op name, CI_OP_UNKNOWN if none. */
ci_op ci_op_lookup(const char *op_type);

typedef struct ci_node {
    char *name, *op_type, *domain;
    int index;                        /* position in the file, for messages */
    ci_op op;
    int n_in, n_out;
    char **in_names, **out_names;     /* as in the file; "" is an absent input */
    int *in, *out;                    /* value indices; -1 for absent */
    ci_attr *attrs;
    int n_attrs;
} ci_node;

typedef struct ci_value {
    char *name;
    int is_init;          /* an initializer: 'init' holds its data */
    ci_tensor init;
    int is_input;         /* declared graph input (not an initializer) */
    int elem_type;        /* declared element type of a graph input, 0 unknown */
    int rank;             /* declared rank of a graph input, -1 unknown */
    int64_t dims[CXRINFER_MAX_RANK]; /* -1 where symbolic */
    int producer;         /* node index, -1 if none */
} ci_value;

typedef struct ci_graph {
    ci_node *nodes;
    int n_nodes;
    ci_value *values;
    int n_values, cap_values;
    int *inputs, n_inputs;    /* graph inputs, initializers excluded */
    int *outputs, n_outputs;
    int64_t opset;            /* version of the default ("" / ai.onnx) domain */
    /* the parser's raw lists, resolved into the above by ci_graph_link */
    char **raw_inputs, **raw_outputs;
    int n_raw_inputs, n_raw_outputs;
    ci_tensor *raw_inits;
    char **raw_init_names;
    int n_raw_inits;
    ci_value *raw_input_info;
} ci_graph;

/* onnx_pb.c: parses a serialized ModelProto into 'g' (zeroed first). Every
 * length is bounded by the buffer; the graph is not yet linked; nothing
 * points into the buffer afterwards. With 'drop_pages' (the buffer is a
 * block from ci_block_alloc, read once) each tensor's pages are given back
 * as soon as its values are copied, so the file and its tensors are not
 * both held. */
cxrinfer_status ci_onnx_parse(const uint8_t *buf, size_t len, int drop_pages, ci_graph *g,
                              ci_err *err);
void ci_graph_free(ci_graph *g);
/* Parses one serialized TensorProto (the .pb files of ONNX node tests). */
cxrinfer_status ci_onnx_parse_tensor(const uint8_t *buf, size_t len, ci_tensor *t, ci_err *err);

/* graph.c: resolves names to values, checks every node's op and inputs,
 * and orders nodes topologically. */
cxrinfer_status ci_graph_link(ci_graph *g, ci_err *err);

/* node.c: attribute lookups (NULL / default when absent). */
const ci_attr *ci_attr_find(const ci_node *n, const char *name);
int64_t ci_attr_int(const ci_node *n, const char *name, int64_t dflt);
float ci_attr_float(const ci_node *n, const char *name, float dflt);
const char *ci_attr_str(const ci_node *n, const char *name, const char *dflt);
/* Copies up to 'max' ints; returns the count, or -1 when absent. */
int ci_attr_ints(const ci_node *n, const char *name, int64_t *out, int max);

/* Formats "node 'name' ('Op')" for messages. */
const char *ci_node_label(const ci_node *n, char *buf, size_t len);

/* ops_dispatch.c: every op as a shape function and a plain-C kernel (the
 * kernels are in the ops_*.c file of the op's family, see ops.h). infer
 * sets the outputs' dtype and shape from the inputs (whose data is present
 * only where known at plan time: initializers and folded constants); exec
 * computes outputs whose data is allocated. */
cxrinfer_status ci_ref_infer(const ci_graph *g, const ci_node *n, ci_tensor **in,
                             ci_tensor **out, ci_err *err);
void ci_ref_exec(const ci_graph *g, const ci_node *n, ci_tensor **in, ci_tensor **out);
/* 1 if a node's output must be computed even when its inputs are only
 * shapes (Shape), so that it folds into a constant. */
int ci_ref_is_shape_only(const ci_node *n);

/* ops_window.c: Conv and pool geometry shared by the reference and oneDNN
 * paths. */
typedef struct ci_window {
    int nd;                   /* spatial dims (1..3) */
    int64_t kernel[3], stride[3], dilation[3], pad_lo[3], pad_hi[3], out[3];
    int count_include_pad, ceil_mode;
} ci_window;
cxrinfer_status ci_window_resolve(const ci_node *n, const ci_tensor *x,
                                  const int64_t *kernel_from_w, ci_window *w,
                                  ci_err *err);

/* plan.c: a plan for one set of input shapes: every value's shape, the
 * constants folded, and the nodes left to run. */
typedef struct ci_plan {
    ci_tensor *vals;          /* per value; data of constants is owned */
    unsigned char *is_const;  /* per value */
    int *steps;               /* node indices to run, in order */
    int n_steps;
    int *last_use;            /* per value: last step reading it (-1 never) */
    unsigned char *keep;      /* per value: a graph output */
} ci_plan;

cxrinfer_status ci_plan_build(const ci_graph *g, const ci_tensor *input_shapes,
                              ci_plan *p, ci_err *err);
void ci_plan_free(const ci_graph *g, ci_plan *p);

/* The reference executor: runs the plan's steps, allocating each value's
 * data and freeing it after its last use; outputs are left in p->vals.
 * The inputs' data is borrowed for the call and only read. */
cxrinfer_status ci_ref_run(const ci_graph *g, ci_plan *p, const ci_tensor *const *inputs,
                           ci_err *err);

/* arena.c: one block for buffers with known lifetimes. A buffer is alive
 * from the step that first touches it to the last (both included); two
 * buffers alive at the same time never overlap. */
#define CI_ARENA_ALIGN 64
typedef struct ci_arena_buf {
    size_t size;          /* bytes; rounded up to CI_ARENA_ALIGN by the packing */
    int first, last;      /* steps; INT_MAX as 'last': alive to the end */
    size_t offset;        /* set by ci_arena_pack */
} ci_arena_buf;
/* Sets every buffer's offset (largest first, each at the lowest offset
 * clear of the buffers placed before it that live at the same time) and
 * the block size in *total. */
cxrinfer_status ci_arena_pack(ci_arena_buf *bufs, int n, size_t *total, ci_err *err);

/* dnnl_backend.c: every oneDNN call lives there. */
typedef struct ci_dnnl ci_dnnl;
int ci_dnnl_available(void);
/* Builds the oneDNN steps of plan 'p'. The float constants that only
 * primitives read are reordered once into their formats and their ONNX
 * copy is freed, in the graph too (an initializer's data is then NULL):
 * call ci_dnnl_restore before building another plan. */
cxrinfer_status ci_dnnl_create(ci_graph *g, ci_plan *p, int threads, int winograd,
                               ci_dnnl **out, ci_err *err);
/* Gives the graph back the initializers ci_dnnl_create freed (converted
 * back from the oneDNN formats). */
cxrinfer_status ci_dnnl_restore(ci_dnnl *d, ci_graph *g, ci_err *err);
cxrinfer_status ci_dnnl_run(ci_dnnl *d, const ci_graph *g, ci_plan *p,
                            const ci_tensor *const *inputs, ci_err *err);
void ci_dnnl_free(ci_dnnl *d);

#endif
