#!/usr/bin/env python3
"""infer_gen_models.py: writes the small ONNX models of libcxrinfer's model
tests into OUTDIR, in the styles of the exporters users have (random,
asymmetric weights, so that a flatten-order or layout mistake shows):

  tf2onnx_style.onnx   NHWC input, Transpose, Conv with asymmetric pads,
                       Keras BatchNorm as Mul+Add, MaxPool, Conv auto_pad
                       SAME_UPPER stride 2, AveragePool count_include_pad,
                       Transpose back, dynamic flatten (Shape, Slice, Concat,
                       Reshape), MatMul+Add, Dropout, Softmax (opset 13)
  keras2onnx_style.onnx NHWC, Transpose + Flatten, Squeeze/Unsqueeze with
                       axes attributes, Softmax axis -1 (opset 11)
  pytorch_style.onnx   NCHW static batch, Conv, MaxPool ceil_mode with pads,
                       Pad + AveragePool, grouped Conv, BatchNormalization,
                       Flatten, Gemm transB alpha/beta, Softmax (opset 11)
  dynamo_style.onnx    NHWC C=1 turned NCHW by a Reshape (allowzero), Shape
                       start/end, Conv without kernel_shape, Gather, Cast,
                       Squeeze with axes input, Sigmoid, Gemm (opset 17)
  softmax_opset11/13   Softmax axis 1 on a 4-D tensor under both semantics
  relu_out_conv/dense  a fused Relu (after Conv, after Gemm) as the graph output
  bad_unsupported.onnx an op the engine lacks (Erf)
  bad_shape.onnx       a Conv whose weights do not fit its input
  bad_cycle.onnx       two nodes feeding each other

usage: infer_gen_models.py OUTDIR
"""
import os
import sys

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper, save

RNG = np.random.default_rng(20240611)


def w(name, *shape, scale=0.3):
    return numpy_helper.from_array((RNG.standard_normal(shape) * scale).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model(nodes, inits, inp, out, opset, name):
    g = helper.make_graph(nodes, name, [inp], [out], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="cxrprep-tests")
    m.ir_version = 7 if opset < 15 else 8
    checker.check_model(m)
    return m


def tf2onnx_style():
    n = helper.make_node
    nodes = [
        n("Transpose", ["input:0"], ["t0"], perm=[0, 3, 1, 2]),
        n("Conv", ["t0", "k1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[0, 1, 1, 2], strides=[1, 1]),
        n("Relu", ["c1"], ["r1"]),
        n("Mul", ["r1", "bn_mul"], ["m1"]),
        n("Add", ["m1", "bn_add"], ["a1"]),
        n("MaxPool", ["a1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        n("Conv", ["p1", "k2", "b2"], ["c2"], auto_pad="SAME_UPPER", strides=[2, 2]),
        n("Relu", ["c2"], ["r2"]),
        n("AveragePool", ["r2"], ["p2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
          count_include_pad=1),
        n("Transpose", ["p2"], ["t1"], perm=[0, 2, 3, 1]),
        n("Shape", ["t1"], ["s"]),
        n("Slice", ["s", "zero", "one"], ["batch"]),
        n("Concat", ["batch", "minus1"], ["newshape"], axis=0),
        n("Reshape", ["t1", "newshape"], ["flat"]),
        n("MatMul", ["flat", "d1"], ["mm1"]),
        n("Add", ["mm1", "db1"], ["h1"]),
        n("Relu", ["h1"], ["hr1"]),
        n("Dropout", ["hr1"], ["dr"]),
        n("MatMul", ["dr", "d2"], ["mm2"]),
        n("Add", ["mm2", "db2"], ["logits"]),
        n("Softmax", ["logits"], ["Identity:0"]),
    ]
    # 19x20 -> conv (pads 0,1 top/left, 1,2 bottom/right) 18x20 -> pool 9x10
    # -> conv SAME stride 2 5x5 -> avgpool 5x5, 6 channels: 150 features
    inits = [w("k1", 8, 3, 3, 3), w("b1", 8),
             numpy_helper.from_array(RNG.uniform(0.5, 1.5, (1, 8, 1, 1)).astype(np.float32), "bn_mul"),
             w("bn_add", 1, 8, 1, 1), w("k2", 6, 8, 3, 3), w("b2", 6),
             ints("zero", [0]), ints("one", [1]), ints("minus1", [-1]),
             w("d1", 150, 16, scale=0.2), w("db1", 16), w("d2", 16, 3), w("db2", 3)]
    inp = helper.make_tensor_value_info("input:0", TensorProto.FLOAT, ["unk__1", 19, 20, 3])
    out = helper.make_tensor_value_info("Identity:0", TensorProto.FLOAT, ["unk__2", 3])
    return model(nodes, inits, inp, out, 13, "tf2onnx_style")


def keras2onnx_style():
    n = helper.make_node
    nodes = [
        n("Transpose", ["x"], ["t0"], perm=[0, 3, 1, 2]),
        n("Conv", ["t0", "k1", "b1"], ["c1"], kernel_shape=[4, 4], pads=[1, 1, 2, 2],
          auto_pad="NOTSET"),
        n("Relu", ["c1"], ["r1"]),
        n("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="VALID"),
        n("Transpose", ["p1"], ["t1"], perm=[0, 2, 3, 1]),
        n("Flatten", ["t1"], ["f"]),
        n("Unsqueeze", ["f"], ["u"], axes=[1]),
        n("Squeeze", ["u"], ["sq"], axes=[1]),
        n("MatMul", ["sq", "d1"], ["mm1"]),
        n("Add", ["mm1", "db1"], ["h"]),
        n("Softmax", ["h"], ["sm"], axis=-1),
        n("Identity", ["sm"], ["dense_out"]),
    ]
    inits = [w("k1", 5, 3, 4, 4), w("b1", 5), w("d1", 5 * 7 * 6, 4, scale=0.2), w("db1", 4)]
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 14, 12, 3])
    out = helper.make_tensor_value_info("dense_out", TensorProto.FLOAT, ["N", 4])
    return model(nodes, inits, inp, out, 11, "keras2onnx_style")


def pytorch_style():
    n = helper.make_node
    nodes = [
        n("Conv", ["input", "c1.weight", "c1.bias"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        n("Relu", ["c1"], ["r1"]),
        n("MaxPool", ["r1"], ["p1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
          ceil_mode=1),
        n("Pad", ["p1", "pads"], ["pd"], mode="constant"),
        n("AveragePool", ["pd"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        n("Conv", ["p2", "c2.weight"], ["c2"], kernel_shape=[3, 3], group=2, pads=[1, 1, 1, 1]),
        n("BatchNormalization", ["c2", "bn.w", "bn.b", "bn.mean", "bn.var"], ["bn"], epsilon=1e-3),
        n("Relu", ["bn"], ["r2"]),
        n("Flatten", ["r2"], ["f"], axis=1),
        n("Gemm", ["f", "fc1.weight", "fc1.bias"], ["g1"], transB=1, alpha=0.5, beta=2.0),
        n("Relu", ["g1"], ["r3"]),
        n("Gemm", ["r3", "fc2.weight", "fc2.bias"], ["g2"], transB=1),
        n("Softmax", ["g2"], ["output"], axis=1),
    ]
    # 3x21x17 -> conv 8x21x17 -> maxpool ceil 11x9 -> pad (0,1,1,0) 12x10
    # -> avgpool 6x5 -> grouped conv 4x6x5: 120 features
    inits = [w("c1.weight", 8, 3, 3, 3), w("c1.bias", 8), ints("pads", [0, 0, 0, 1, 0, 0, 1, 0]),
             w("c2.weight", 4, 4, 3, 3), w("bn.w", 4), w("bn.b", 4), w("bn.mean", 4),
             numpy_helper.from_array(RNG.uniform(0.5, 2.0, 4).astype(np.float32), "bn.var"),
             w("fc1.weight", 10, 120, scale=0.2), w("fc1.bias", 10), w("fc2.weight", 2, 10),
             w("fc2.bias", 2)]
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 21, 17])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2])
    return model(nodes, inits, inp, out, 11, "pytorch_style")


def dynamo_style():
    n = helper.make_node
    nodes = [
        n("Shape", ["x"], ["bs"], start=0, end=1),
        n("Concat", ["bs", "chw"], ["nchw"], axis=0),
        n("Reshape", ["x", "nchw"], ["x4"], allowzero=1),
        n("Conv", ["x4", "w1", "b1"], ["c1"], strides=[2, 2], pads=[1, 1, 1, 1]),
        n("Sigmoid", ["c1"], ["s1"]),
        n("Conv", ["s1", "w2"], ["c2"], dilations=[2, 2]),
        n("Relu", ["c2"], ["r2"]),
        n("GlobalAveragePool", ["r2"], ["gap"]),
        n("Squeeze", ["gap", "axes23"], ["sq"]),
        n("Shape", ["sq"], ["sqs"]),
        n("Gather", ["sqs", "idx0"], ["n0"], axis=0),
        n("Cast", ["n0"], ["n0i"], to=TensorProto.INT64),
        n("Unsqueeze", ["n0i", "axes0"], ["n1"]),
        n("Concat", ["n1", "minus1"], ["shp"], axis=0),
        n("Reshape", ["sq", "shp"], ["flat"]),
        n("Gemm", ["flat", "fc.weight", "fc.bias"], ["g"], transB=1),
        n("Softmax", ["g"], ["probs"]),
    ]
    inits = [ints("chw", [1, 16, 15]), w("w1", 6, 1, 3, 3), w("b1", 6), w("w2", 7, 6, 3, 3),
             ints("axes23", [2, 3]), ints("idx0", 0), ints("axes0", [0]), ints("minus1", [-1]),
             w("fc.weight", 5, 7), w("fc.bias", 5)]
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16, 15, 1])
    out = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 5])
    return model(nodes, inits, inp, out, 17, "dynamo_style")


def softmax_4d(opset):
    """Softmax over axis 1 of a 4-D tensor: before opset 13 it normalises the
    whole [C,H,W] block (inputs coerced to 2-D), from 13 on only C."""
    n = helper.make_node
    nodes = [n("Transpose", ["x"], ["t"], perm=[0, 3, 1, 2]),
             n("Conv", ["t", "k"], ["c"], kernel_shape=[1, 1]),
             n("Softmax", ["c"], ["y"], axis=1)]
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 5, 4, 3])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, 5, 4])
    return model(nodes, [w("k", 3, 3, 1, 1, scale=2.0)], inp, out, opset, "softmax_%d" % opset)


def relu_outputs(dense):
    """The graph's output is a Relu that oneDNN fuses into its producer:
    a convolution's (dense=0) or a Gemm's (dense=1)."""
    n = helper.make_node
    nodes = [n("Conv", ["x", "k", "kb"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             n("Relu", ["c"], ["r" if dense else "y"])]
    inits = [w("k", 4, 3, 3, 3), w("kb", 4)]
    if dense:
        nodes += [n("GlobalAveragePool", ["r"], ["g"]), n("Flatten", ["g"], ["f"]),
                  n("Gemm", ["f", "fw", "fb"], ["d"], transB=1), n("Relu", ["d"], ["y"])]
        inits += [w("fw", 6, 4), w("fb", 6)]
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 6, 5])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                        ["N", 6] if dense else ["N", 4, 6, 5])
    return model(nodes, inits, inp, out, 13, "relu_out")


def bad_models():
    n = helper.make_node
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    g = helper.make_graph([n("Conv", ["x", "k"], ["c"], kernel_shape=[3, 3], name="conv_a"),
                           n("Erf", ["c"], ["y"], name="erf_1")], "bad", [x], [y],
                          [w("k", 2, 3, 3, 3)])
    unsupported = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    g = helper.make_graph([n("Conv", ["x", "k"], ["y"], kernel_shape=[3, 3], name="conv_b")],
                          "bad", [x], [y], [w("k", 2, 4, 3, 3)])
    shape = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    g = helper.make_graph([n("Relu", ["x", ], ["a"], name="relu_a"),
                           n("Add", ["a", "b"], ["y"], name="add_b"),
                           n("Relu", ["y"], ["b"], name="relu_c")], "bad", [x], [y])
    cycle = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    return unsupported, shape, cycle


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in [("tf2onnx_style", tf2onnx_style), ("keras2onnx_style", keras2onnx_style),
                     ("pytorch_style", pytorch_style), ("dynamo_style", dynamo_style),
                     ("softmax_opset11", lambda: softmax_4d(11)),
                     ("softmax_opset13", lambda: softmax_4d(13)),
                     ("relu_out_conv", lambda: relu_outputs(0)),
                     ("relu_out_dense", lambda: relu_outputs(1))]:
        save(fn(), os.path.join(out, name + ".onnx"))
    for name, m in zip(["bad_unsupported", "bad_shape", "bad_cycle"], bad_models()):
        save(m, os.path.join(out, name + ".onnx"))


if __name__ == "__main__":
    main()
