/* mkdemo_model.c: the demo's ONNX model, a tiny image classifier in the
 * shape tf2onnx gives Keras models: NHWC input [N,64,64,3], Transpose to
 * NCHW, Conv 3->4 3x3 (pads 1) with bias, Relu, MaxPool 2x2,
 * GlobalAveragePool, Flatten, Gemm 4->2 (transB), Softmax. Its weights are
 * chosen by hand, not trained: four filters measure brightness, vertical
 * and horizontal edges and darkness, so the score (class 0, "covid") rises
 * with hazy, bright lung fields, and varies from image to image. The conv
 * weights go in raw_data, the rest in float_data, as exporters mix them. */
#include <string.h>

#include "mkdemo.h"

/* ONNX field numbers (onnx.proto) */
enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER = 2, MODEL_PRODUCER_VERSION = 3,
       MODEL_GRAPH = 7, MODEL_OPSET = 8 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2 };
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_DOC = 10,
       GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP = 4, NODE_ATTR = 5 };
enum { ATTR_NAME = 1, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20 };
enum { ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7 };
enum { TENSOR_DIMS = 1, TENSOR_TYPE = 2, TENSOR_FLOATS = 4, TENSOR_NAME = 8,
       TENSOR_RAW = 9 };
enum { VI_NAME = 1, VI_TYPE = 2, TYPE_TENSOR = 1, TT_ELEM = 1, TT_SHAPE = 2,
       SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2 };
enum { ONNX_FLOAT = 1, IR_VERSION = 7, OPSET = 13 };

#define SIDE MKDEMO_MODEL_SIDE

/* An attribute: a single int (n == 0) or a list of ints. */
typedef struct attr {
    const char *name;
    int64_t v[4];
    size_t n;
} attr;

static void node(mkdemo_buf *g, const char *op, const char *name, const char *const *in,
                 size_t nin, const char *out, const attr *attrs, size_t nattrs)
{
    mkdemo_buf n = {0};
    for (size_t i = 0; i < nin; i++)
        mkdemo_pb_str(&n, NODE_INPUT, in[i]);
    mkdemo_pb_str(&n, NODE_OUTPUT, out);
    mkdemo_pb_str(&n, NODE_NAME, name);
    mkdemo_pb_str(&n, NODE_OP, op);
    for (size_t i = 0; i < nattrs; i++) {
        mkdemo_buf a = {0};
        mkdemo_pb_str(&a, ATTR_NAME, attrs[i].name);
        if (attrs[i].n == 0) {
            mkdemo_pb_int(&a, ATTR_I, attrs[i].v[0]);
            mkdemo_pb_int(&a, ATTR_TYPE, ATTR_TYPE_INT);
        } else {
            for (size_t k = 0; k < attrs[i].n; k++) /* unpacked, as onnx writes them */
                mkdemo_pb_int(&a, ATTR_INTS, attrs[i].v[k]);
            mkdemo_pb_int(&a, ATTR_TYPE, ATTR_TYPE_INTS);
        }
        mkdemo_pb_msg(&n, NODE_ATTR, &a);
    }
    mkdemo_pb_msg(g, GRAPH_NODE, &n);
}

static void initializer(mkdemo_buf *g, const char *name, const int64_t *dims, size_t ndims,
                        const float *v, size_t nv, int raw)
{
    mkdemo_buf t = {0};
    for (size_t i = 0; i < ndims; i++)
        mkdemo_pb_int(&t, TENSOR_DIMS, dims[i]);
    mkdemo_pb_int(&t, TENSOR_TYPE, ONNX_FLOAT);
    if (raw) {
        mkdemo_buf le = {0};
        for (size_t i = 0; i < nv; i++) {
            uint32_t u;
            unsigned char b[4];
            memcpy(&u, &v[i], 4);
            for (int k = 0; k < 4; k++)
                b[k] = (unsigned char)(u >> (8 * k));
            mkdemo_buf_put(&le, b, 4);
        }
        mkdemo_pb_str(&t, TENSOR_NAME, name);
        mkdemo_pb_bytes(&t, TENSOR_RAW, le.data, le.len);
        mkdemo_buf_free(&le);
    } else {
        mkdemo_pb_packed_floats(&t, TENSOR_FLOATS, v, nv);
        mkdemo_pb_str(&t, TENSOR_NAME, name);
    }
    mkdemo_pb_msg(g, GRAPH_INITIALIZER, &t);
}

/* A float tensor's name and shape; a dimension of -1 is the symbol "N". */
static void value_info(mkdemo_buf *g, unsigned field, const char *name, const int64_t *dims,
                       size_t ndims)
{
    mkdemo_buf vi = {0}, type = {0}, tt = {0}, shape = {0};
    for (size_t i = 0; i < ndims; i++) {
        mkdemo_buf d = {0};
        if (dims[i] < 0)
            mkdemo_pb_str(&d, DIM_PARAM, "N");
        else
            mkdemo_pb_int(&d, DIM_VALUE, dims[i]);
        mkdemo_pb_msg(&shape, SHAPE_DIM, &d);
    }
    mkdemo_pb_int(&tt, TT_ELEM, ONNX_FLOAT);
    mkdemo_pb_msg(&tt, TT_SHAPE, &shape);
    mkdemo_pb_msg(&type, TYPE_TENSOR, &tt);
    mkdemo_pb_str(&vi, VI_NAME, name);
    mkdemo_pb_msg(&vi, VI_TYPE, &type);
    mkdemo_pb_msg(g, field, &vi);
}

/* Conv weights [4][3][3][3] and bias: brightness, edges, darkness. The
 * channel weights differ so a channel-order mistake shows. */
static void conv_weights(float w[4][3][3][3], float b[4])
{
    static const float sobel[3][3] = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
    static const float chan[3] = {0.5f, 0.3f, 0.2f};
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++) {
                w[0][c][y][x] = chan[c] / 9.0f;
                w[1][c][y][x] = chan[c] * sobel[y][x] * 0.5f;
                w[2][c][y][x] = chan[c] * sobel[x][y] * 0.5f;
                w[3][c][y][x] = -chan[c] / 9.0f;
            }
    b[0] = -0.25f; /* relu(mean - 0.25): tissue, bone and haze */
    b[1] = 0.0f;
    b[2] = 0.0f;
    b[3] = 0.22f; /* relu(0.22 - mean): dark, air-filled lung */
}

static void graph(mkdemo_buf *g)
{
    static const int64_t in_dims[] = {-1, SIDE, SIDE, 3}, out_dims[] = {-1, 2};
    static const int64_t wd[] = {4, 3, 3, 3}, bd[] = {4}, fd[] = {2, 4}, fbd[] = {2};
    /* Gemm, transB: logits = flat . fc^T + fc_b; row 0 is "covid" */
    static const float fc[2][4] = {{15.0f, 1.0f, -0.5f, -22.0f}, {-10.0f, 0.5f, 0.5f, 18.0f}};
    static const float fc_b[2] = {-1.2f, 0.9f};
    const char *in[3];
    float w[4][3][3][3], b[4];

    conv_weights(w, b);
    in[0] = "input_1";
    node(g, "Transpose", "to_nchw", in, 1, "nchw", (attr[]){{"perm", {0, 3, 1, 2}, 4}}, 1);
    in[0] = "nchw", in[1] = "conv_w", in[2] = "conv_b";
    node(g, "Conv", "conv", in, 3, "conv",
         (attr[]){{"kernel_shape", {3, 3}, 2}, {"pads", {1, 1, 1, 1}, 4},
                  {"strides", {1, 1}, 2}}, 3);
    in[0] = "conv";
    node(g, "Relu", "relu", in, 1, "relu", NULL, 0);
    in[0] = "relu";
    node(g, "MaxPool", "pool", in, 1, "pool",
         (attr[]){{"kernel_shape", {2, 2}, 2}, {"strides", {2, 2}, 2}}, 2);
    in[0] = "pool";
    node(g, "GlobalAveragePool", "gap", in, 1, "gap", NULL, 0);
    in[0] = "gap";
    node(g, "Flatten", "flatten", in, 1, "flat", (attr[]){{"axis", {1}, 0}}, 1);
    in[0] = "flat", in[1] = "fc_w", in[2] = "fc_b";
    node(g, "Gemm", "dense", in, 3, "logits", (attr[]){{"transB", {1}, 0}}, 1);
    in[0] = "logits";
    node(g, "Softmax", "softmax", in, 1, "probabilities", (attr[]){{"axis", {1}, 0}}, 1);

    mkdemo_pb_str(g, GRAPH_NAME, "cxrprep_demo");
    initializer(g, "conv_w", wd, 4, &w[0][0][0][0], 4 * 27, 1);
    initializer(g, "conv_b", bd, 1, b, 4, 0);
    initializer(g, "fc_w", fd, 2, &fc[0][0], 8, 0);
    initializer(g, "fc_b", fbd, 1, fc_b, 2, 0);
    mkdemo_pb_str(g, GRAPH_DOC, "cxrprep demo classifier: hand-set weights, not trained; "
                                "classes [covid, other]");
    value_info(g, GRAPH_INPUT, "input_1", in_dims, 4);
    value_info(g, GRAPH_OUTPUT, "probabilities", out_dims, 2);
}

cxr_status mkdemo_write_model(const char *outdir, cxr_error *err)
{
    mkdemo_buf model = {0}, g = {0}, opset = {0};
    cxr_status st;

    mkdemo_pb_int(&model, MODEL_IR_VERSION, IR_VERSION);
    mkdemo_pb_str(&model, MODEL_PRODUCER, "cxrprep-mkdemo");
    mkdemo_pb_str(&model, MODEL_PRODUCER_VERSION, CXR_VERSION);
    graph(&g);
    mkdemo_pb_msg(&model, MODEL_GRAPH, &g);
    mkdemo_pb_str(&opset, OPSET_DOMAIN, "");
    mkdemo_pb_int(&opset, OPSET_VERSION, OPSET);
    mkdemo_pb_msg(&model, MODEL_OPSET, &opset);
    st = mkdemo_write_file(outdir, "model.onnx", model.data, model.len, err);
    mkdemo_buf_free(&model);
    return st;
}
