/* ops_dispatch.c: the op table of the reference path: ONNX op names to
 * ci_op, and for each op its shape function and kernel (in the ops_*.c
 * files of its family). */
#include <string.h>

#include "ops.h"

static const char *const op_names[CI_OP_COUNT] = {
    [CI_OP_CONV] = "Conv", [CI_OP_RELU] = "Relu", [CI_OP_SIGMOID] = "Sigmoid",
    [CI_OP_MAXPOOL] = "MaxPool", [CI_OP_AVGPOOL] = "AveragePool",
    [CI_OP_GLOBALAVGPOOL] = "GlobalAveragePool", [CI_OP_PAD] = "Pad",
    [CI_OP_TRANSPOSE] = "Transpose", [CI_OP_RESHAPE] = "Reshape",
    [CI_OP_FLATTEN] = "Flatten", [CI_OP_MATMUL] = "MatMul", [CI_OP_GEMM] = "Gemm",
    [CI_OP_ADD] = "Add", [CI_OP_SUB] = "Sub", [CI_OP_MUL] = "Mul", [CI_OP_DIV] = "Div",
    [CI_OP_SOFTMAX] = "Softmax", [CI_OP_IDENTITY] = "Identity", [CI_OP_DROPOUT] = "Dropout",
    [CI_OP_SQUEEZE] = "Squeeze", [CI_OP_UNSQUEEZE] = "Unsqueeze",
    [CI_OP_BATCHNORM] = "BatchNormalization", [CI_OP_CONSTANT] = "Constant",
    [CI_OP_SHAPE] = "Shape", [CI_OP_GATHER] = "Gather", [CI_OP_CAST] = "Cast",
    [CI_OP_SLICE] = "Slice", [CI_OP_CONCAT] = "Concat", [CI_OP_LEAKYRELU] = "LeakyRelu",
    [CI_OP_TANH] = "Tanh", [CI_OP_CLIP] = "Clip", [CI_OP_REDUCEMEAN] = "ReduceMean",
};

ci_op ci_op_lookup(const char *op_type)
{
    for (int i = 1; i < CI_OP_COUNT; i++)
        if (op_names[i] && !strcmp(op_names[i], op_type))
            return (ci_op)i;
    return CI_OP_UNKNOWN;
}

int ci_ref_is_shape_only(const ci_node *node)
{
    return node->op == CI_OP_SHAPE || node->op == CI_OP_CONSTANT;
}

cxrinfer_status ci_ref_infer(const ci_graph *graph, const ci_node *node, ci_tensor **in,
                             ci_tensor **out, ci_err *err)
{
    if (node->n_out < 1 || node->out[0] < 0)
        return ci_shape_error(node, err, "has no output");
    switch (node->op) {
    case CI_OP_CONV: return ci_conv_infer(node, in, out, err);
    case CI_OP_RELU:
    case CI_OP_LEAKYRELU:
    case CI_OP_TANH:
    case CI_OP_SIGMOID: return ci_unary_infer(node, in, out, 1, err);
    case CI_OP_CLIP: return ci_clip_infer(node, in, out, err);
    case CI_OP_REDUCEMEAN: return ci_reducemean_infer(graph, node, in, out, err);
    case CI_OP_IDENTITY:
    case CI_OP_DROPOUT: return ci_unary_infer(node, in, out, 0, err);
    case CI_OP_MAXPOOL:
    case CI_OP_AVGPOOL: return ci_pool_infer(node, in, out, err);
    case CI_OP_GLOBALAVGPOOL: return ci_global_pool_infer(node, in, out, err);
    case CI_OP_PAD: return ci_pad_infer(graph, node, in, out, err);
    case CI_OP_TRANSPOSE: return ci_transpose_infer(node, in, out, err);
    case CI_OP_RESHAPE: return ci_reshape_infer(graph, node, in, out, err);
    case CI_OP_FLATTEN: return ci_flatten_infer(node, in, out, err);
    case CI_OP_MATMUL: return ci_matmul_infer(node, in, out, err);
    case CI_OP_GEMM: return ci_gemm_infer(node, in, out, err);
    case CI_OP_ADD:
    case CI_OP_SUB:
    case CI_OP_MUL:
    case CI_OP_DIV: return ci_binary_infer(node, in, out, err);
    case CI_OP_SOFTMAX: return ci_softmax_infer(graph, node, in, out, err);
    case CI_OP_SQUEEZE:
    case CI_OP_UNSQUEEZE: return ci_squeeze_infer(graph, node, in, out, err);
    case CI_OP_BATCHNORM: return ci_batchnorm_infer(node, in, out, err);
    case CI_OP_CONSTANT: return ci_constant_infer(node, out, err);
    case CI_OP_SHAPE: return ci_shape_infer(node, in, out, err);
    case CI_OP_GATHER: return ci_gather_infer(node, in, out, err);
    case CI_OP_CAST: return ci_cast_infer(node, in, out, err);
    case CI_OP_SLICE: return ci_slice_infer(graph, node, in, out, err);
    case CI_OP_CONCAT: return ci_concat_infer(node, in, out, err);
    default: return ci_unsupported(node, err, "op is not supported");
    }
}

void ci_ref_exec(const ci_graph *graph, const ci_node *node, ci_tensor **in, ci_tensor **out)
{
    switch (node->op) {
    case CI_OP_CONV: ci_conv_exec(node, in, out); break;
    case CI_OP_RELU:
    case CI_OP_LEAKYRELU:
    case CI_OP_TANH:
    case CI_OP_CLIP:
    case CI_OP_SIGMOID:
    case CI_OP_IDENTITY:
    case CI_OP_DROPOUT: ci_unary_exec(node, in, out); break;
    case CI_OP_REDUCEMEAN: ci_reducemean_exec(graph, node, in, out); break;
    case CI_OP_MAXPOOL:
    case CI_OP_AVGPOOL: ci_pool_exec(node, in, out); break;
    case CI_OP_GLOBALAVGPOOL: ci_global_pool_exec(in, out); break;
    case CI_OP_PAD: ci_pad_exec(graph, node, in, out); break;
    case CI_OP_TRANSPOSE: ci_transpose_exec(node, in, out); break;
    case CI_OP_RESHAPE:
    case CI_OP_FLATTEN:
    case CI_OP_SQUEEZE:
    case CI_OP_UNSQUEEZE: ci_copy_exec(in, out); break;
    case CI_OP_MATMUL: ci_matmul_exec(in, out); break;
    case CI_OP_GEMM: ci_gemm_exec(node, in, out); break;
    case CI_OP_ADD:
    case CI_OP_SUB:
    case CI_OP_MUL:
    case CI_OP_DIV: ci_binary_exec(node, in, out); break;
    case CI_OP_SOFTMAX: ci_softmax_exec(graph, node, in, out); break;
    case CI_OP_BATCHNORM: ci_batchnorm_exec(node, in, out); break;
    case CI_OP_CONSTANT: ci_constant_exec(node, out); break;
    case CI_OP_SHAPE: ci_shape_exec(node, in, out); break;
    case CI_OP_GATHER: ci_gather_exec(node, in, out); break;
    case CI_OP_CAST: ci_cast_exec(node, in, out); break;
    case CI_OP_SLICE: ci_slice_exec(graph, node, in, out); break;
    case CI_OP_CONCAT: ci_concat_exec(node, in, out); break;
    default: break;
    }
}
