#!/usr/bin/env python3
"""infer_vgg_model.py: writes the recipe's model shape as an ONNX file with
random weights, for bench/infer_bench.sh: VGG16 base at 224x224 (13
Conv+Relu, 5 MaxPool), head AveragePool 2x2, flatten to 4608, Dense 128
relu, Dropout, Dense 2, Softmax: 15,304,898 parameters.

  (default)   tf2onnx style: NHWC input, Transpose to NCHW, Transpose back,
              Reshape [-1, 4608], MatMul+Add; written with onnx.helper
  --pytorch   the same network as a torch.nn.Module exported by
              torch.onnx.export (opset 13, dynamic batch): NCHW input,
              Flatten, Gemm; exits 3 when torch is not installed

usage: infer_vgg_model.py [--pytorch] OUT.onnx
"""
import sys

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper, save

VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
         512, 512, 512, "M"]


def pytorch_model(out):
    """The network as a torch module with the same kind of weights, exported."""
    try:
        import torch
        from torch import nn
    except ImportError:
        sys.exit(3)
    rng = np.random.default_rng(1234)
    layers, cin = [], 3
    for v in VGG16:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        conv = nn.Conv2d(cin, v, 3, padding=1)
        conv.weight.data = torch.from_numpy(
            (rng.standard_normal((v, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))).astype(np.float32))
        conv.bias.data = torch.from_numpy((rng.standard_normal(v) * 0.01).astype(np.float32))
        layers += [conv, nn.ReLU()]
        cin = v
    dense1, dense2 = nn.Linear(4608, 128), nn.Linear(128, 2)
    for lin, scale in ((dense1, np.sqrt(2.0 / 4608)), (dense2, np.sqrt(1.0 / 128))):
        lin.weight.data = torch.from_numpy(
            (rng.standard_normal(tuple(lin.weight.shape)) * scale).astype(np.float32))
        lin.bias.data = torch.from_numpy((rng.standard_normal(lin.out_features) * 0.01)
                                         .astype(np.float32))
    net = nn.Sequential(*layers, nn.AvgPool2d(2, 2), nn.Flatten(), dense1, nn.ReLU(),
                        nn.Dropout(0.5), dense2, nn.Softmax(dim=1)).eval()
    params = sum(p.numel() for p in net.parameters())
    assert params == 15304898, params
    torch.onnx.export(net, torch.zeros(1, 3, 224, 224), out, opset_version=13,
                      input_names=["input"], output_names=["probs"],
                      dynamic_axes={"input": {0: "batch"}, "probs": {0: "batch"}})
    print(f"wrote {out}: {params:,} parameters (torch.onnx.export)")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--pytorch":
        if len(args) != 2:
            sys.exit(__doc__)
        pytorch_model(args[1])
        return
    if len(args) != 1:
        sys.exit(__doc__)
    rng = np.random.default_rng(1234)
    nodes, inits = [], []
    params = 0

    def init(name, arr):
        nonlocal params
        params += arr.size
        inits.append(numpy_helper.from_array(arr.astype(np.float32), name))

    nodes.append(helper.make_node("Transpose", ["input_1"], ["x0"], perm=[0, 3, 1, 2]))
    cur, cin, i = "x0", 3, 0
    for v in VGG16:
        i += 1
        if v == "M":
            nodes.append(helper.make_node("MaxPool", [cur], [f"p{i}"], kernel_shape=[2, 2],
                                          strides=[2, 2]))
            cur = f"p{i}"
            continue
        # He-style scale keeps activations in range through 13 layers
        init(f"w{i}", rng.standard_normal((v, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9)))
        init(f"b{i}", rng.standard_normal(v) * 0.01)
        nodes.append(helper.make_node("Conv", [cur, f"w{i}", f"b{i}"], [f"c{i}"],
                                      kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        cur, cin = f"r{i}", v
    nodes.append(helper.make_node("AveragePool", [cur], ["ap"], kernel_shape=[2, 2],
                                  strides=[2, 2]))
    nodes.append(helper.make_node("Transpose", ["ap"], ["apt"], perm=[0, 2, 3, 1]))
    inits.append(numpy_helper.from_array(np.array([-1, 4608], dtype=np.int64), "flat_shape"))
    nodes.append(helper.make_node("Reshape", ["apt", "flat_shape"], ["flat"]))
    init("d1", rng.standard_normal((4608, 128)) * np.sqrt(2.0 / 4608))
    init("db1", rng.standard_normal(128) * 0.01)
    nodes += [helper.make_node("MatMul", ["flat", "d1"], ["h1"]),
              helper.make_node("Add", ["h1", "db1"], ["h1b"]),
              helper.make_node("Relu", ["h1b"], ["h1r"]),
              helper.make_node("Dropout", ["h1r"], ["h1d"])]
    init("d2", rng.standard_normal((128, 2)) * np.sqrt(1.0 / 128))
    init("db2", rng.standard_normal(2) * 0.01)
    nodes += [helper.make_node("MatMul", ["h1d", "d2"], ["h2"]),
              helper.make_node("Add", ["h2", "db2"], ["logits"]),
              helper.make_node("Softmax", ["logits"], ["dense_2"])]
    assert params == 15304898, params
    g = helper.make_graph(
        nodes, "vgg16_head", [helper.make_tensor_value_info("input_1", TensorProto.FLOAT,
                                                            ["unk__1", 224, 224, 3])],
        [helper.make_tensor_value_info("dense_2", TensorProto.FLOAT, ["unk__2", 2])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="cxrprep-bench")
    m.ir_version = 7
    checker.check_model(m)
    save(m, sys.argv[1])
    print(f"wrote {sys.argv[1]}: {params:,} parameters")


if __name__ == "__main__":
    main()
