#!/usr/bin/env python3
"""score_fixture.py: the inputs of the score stage's CLI tests, written into
OUTDIR:

  model.onnx      tf2onnx-style classifier with fixed, asymmetric weights:
                  NHWC [N,32,32,3] -> Transpose -> GlobalAveragePool ->
                  Flatten -> Gemm (3 -> 2) -> Softmax, so an image of one
                  colour (r, g, b) in [0,1] scores exactly
                  softmax(W^T [r,g,b] + B)[0], whatever the resize does
  model_sigmoid.onnx  the same up to Gemm (3 -> 1) -> Sigmoid: one unit, the
                  probability of class 1 (Keras' binary mode), sigmoid(z)
                  with z = W[:,1] - W[:,0] applied to [r,g,b] plus
                  B[1] - B[0], so its class 0 probability is model.onnx's
  model_cifar10.onnx  NHWC [N,32,32,3] -> ... -> Gemm (3 -> 10) -> Softmax:
                  a 32x32x3 ten-class model (not two classes: refused)
  model_mnist10.onnx  NCHW [1,1,28,28] -> Flatten -> Gemm (784 -> 10): ten
                  logits, as a PyTorch MNIST export (refused)
  model_2in.onnx  two image inputs added, then as model.onnx (refused: one
                  input is the contract)
  expected.csv    set,image,score for every solid image below
  work/datasets/dataset_validation/<set>/*.png  solid-colour PNGs (grey, RGB,
                  RGBA, grey+alpha, 16-bit) and one truncated PNG
  kermany.zip     chest_xray/test/{NORMAL,PNEUMONIA}/ with JPEGs from
                  JPEG_SOURCE under new names, plus __MACOSX/ and .DS_Store
                  junk; JPEG_SOURCE is a Kermany-shaped zip (the demo
                  mirror's ChestXRay2017.zip) or the ../shared directory
                  (its Kermany sample)
  kermany.tar.gz  the same entries in a gzipped tar

usage: score_fixture.py OUTDIR [JPEG_SOURCE]
Needs numpy and onnx (Debian python3-numpy, python3-onnx) for the models.
"""
import math
import os
import io
import struct
import sys
import tarfile
import zipfile
import zlib

W = [[4.0, -2.0], [1.5, -1.0], [2.5, -3.0]]   # Gemm B: [3 inputs, 2 classes]
B = [-2.5, 2.0]


def expected(r, g, b):
    z = [r * W[0][k] + g * W[1][k] + b * W[2][k] + B[k] for k in range(2)]
    m = max(z)
    e = [math.exp(v - m) for v in z]
    return e[0] / sum(e)


def save_model(path, nodes, inputs, outputs, inits):
    from onnx import checker, helper, save
    graph = helper.make_graph(nodes, "score_fixture", inputs, outputs, inits)
    m = helper.make_model(graph, producer_name="cxrprep-score-test",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    checker.check_model(m)
    save(m, path)


def write_model(path, kernel, bias, last="Softmax", inputs=1):
    """NHWC [N,32,32,3] -> mean colour -> Gemm(kernel, bias) -> 'last'."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    inits = [numpy_helper.from_array(np.array(kernel, np.float32), "dense/kernel"),
             numpy_helper.from_array(np.array(bias, np.float32), "dense/bias")]
    x = "input:0" if inputs == 1 else "sum"
    nodes = [
        helper.make_node("Transpose", [x], ["nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("GlobalAveragePool", ["nchw"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "dense/kernel", "dense/bias"], ["logits"]),
        helper.make_node(last, ["logits"], ["probs:0"], **({"axis": 1} if last == "Softmax" else {})),
    ]
    ins = [helper.make_tensor_value_info("input:0", TensorProto.FLOAT, ["N", 32, 32, 3])]
    if inputs == 2:
        ins.append(helper.make_tensor_value_info("input:1", TensorProto.FLOAT, ["N", 32, 32, 3]))
        nodes.insert(0, helper.make_node("Add", ["input:0", "input:1"], ["sum"]))
    classes = len(bias)
    save_model(path, nodes, ins,
               [helper.make_tensor_value_info("probs:0", TensorProto.FLOAT, ["N", classes])], inits)


def write_mnist10(path):
    """A PyTorch-style MNIST classifier: [1,1,28,28] -> 10 logits."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    w = np.linspace(-1, 1, 10 * 784, dtype=np.float32).reshape(10, 784)
    inits = [numpy_helper.from_array(w, "fc.weight"),
             numpy_helper.from_array(np.arange(10, dtype=np.float32), "fc.bias")]
    nodes = [helper.make_node("Flatten", ["input"], ["flat"], axis=1),
             helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["output"], transB=1)]
    save_model(path, nodes,
               [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
               [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)


def write_models(out):
    write_model(os.path.join(out, "model.onnx"), W, B)
    # one unit: z1 - z0 of the two-class model, so sigmoid(z) = softmax(z)[1]
    write_model(os.path.join(out, "model_sigmoid.onnx"),
                [[row[1] - row[0]] for row in W], [B[1] - B[0]], last="Sigmoid")
    write_model(os.path.join(out, "model_cifar10.onnx"),
                [[0.1 * (i + 1) * (j - 4.5) for j in range(10)] for i in range(3)],
                [0.0] * 10)
    write_model(os.path.join(out, "model_2in.onnx"), W, B, inputs=2)
    write_mnist10(os.path.join(out, "model_mnist10.onnx"))


def jpeg_entries(source):
    """(class, name, bytes): 3 NORMAL and 4 PNEUMONIA training JPEGs of a
    Kermany-shaped zip, or of ../shared's Kermany sample."""
    found = []
    if source.endswith(".zip"):
        with zipfile.ZipFile(source) as z:
            names = sorted(n for n in z.namelist() if n.endswith(".jpeg") and "/train/" in n
                           and "__MACOSX" not in n and "/._" not in n)
            for cls, n in (("NORMAL", 3), ("PNEUMONIA", 4)):
                mine = [x for x in names if "/train/%s/" % cls in x][:n]
                found += [(cls, os.path.basename(x), z.read(x)) for x in mine]
        return found
    sample = os.path.join(source, "data", "kermany-sample", "chest_xray", "train")
    for cls, n in (("NORMAL", 3), ("PNEUMONIA", 4)):
        for name in sorted(os.listdir(os.path.join(sample, cls)))[:n]:
            with open(os.path.join(sample, cls, name), "rb") as f:
                found.append((cls, name, f.read()))
    return found


def png(path, w, h, pixel, color_type, depth=8):
    """A PNG of one colour; 'pixel' is the bytes of one pixel."""
    raw = b"".join(b"\x00" + pixel * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    data = (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(data)
    return data


# (set, name, colour type, pixel bytes, depth, (r, g, b) in 0..255)
IMAGES = [
    ("covid_validation", "c01_grey.png", 0, bytes([230]), 8, (230, 230, 230)),
    ("covid_validation", "c02_rgb.png", 2, bytes([200, 120, 250]), 8, (200, 120, 250)),
    ("covid_validation", "c03_rgba.png", 6, bytes([180, 170, 160, 10]), 8, (180, 170, 160)),
    ("covid_validation", "c04_grey16.png", 0, bytes([0xDC, 0x11]), 16, (0xDC, 0xDC, 0xDC)),
    ("covid_validation", "c05_dim.png", 0, bytes([90]), 8, (90, 90, 90)),
    ("normal_validation", "n01_dark.png", 0, bytes([20]), 8, (20, 20, 20)),
    ("normal_validation", "n02_greyalpha.png", 4, bytes([60, 255]), 8, (60, 60, 60)),
    ("normal_validation", "n03_rgb.png", 2, bytes([10, 100, 40]), 8, (10, 100, 40)),
    ("normal_validation", "n04_bright.png", 0, bytes([200]), 8, (200, 200, 200)),
    ("non_covid_pneumonia_validation", "p01.png", 0, bytes([110]), 8, (110, 110, 110)),
    ("non_covid_pneumonia_validation", "p02.png", 0, bytes([70]), 8, (70, 70, 70)),
    ("non_covid_pneumonia_validation", "p03.png", 0, bytes([150]), 8, (150, 150, 150)),
]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    source = sys.argv[2] if len(sys.argv) == 3 else None
    os.makedirs(out, exist_ok=True)
    write_models(out)
    root = os.path.join(out, "work", "datasets", "dataset_validation")
    rows = []
    for s, name, ct, px, depth, rgb in IMAGES:
        os.makedirs(os.path.join(root, s), exist_ok=True)
        png(os.path.join(root, s, name), 40, 30, px, ct, depth)
        r, g, b = (v / 255.0 for v in rgb)
        rows.append("%s,%s,%.6f" % (s, name, expected(r, g, b)))
    # a truncated image: recorded as failed, never scored
    data = png(os.path.join(root, "normal_validation", "n05_truncated.png"), 40, 30,
               bytes([5]), 0)
    with open(os.path.join(root, "normal_validation", "n05_truncated.png"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(out, "expected.csv"), "w") as f:
        f.write("set,image,score\n" + "\n".join(rows) + "\n")
    if source:
        entries = []
        counters = {}
        for cls, name, data in jpeg_entries(source):
            i = counters.get(cls, 0)
            counters[cls] = i + 1
            entries.append(("chest_xray/test/%s/test-%d-%s" % (cls, i, name), data))
            entries.append(("chest_xray/train/%s/%s" % (cls, name), data))
            entries.append(("__MACOSX/chest_xray/test/%s/._%s" % (cls, name), b"junk"))
        entries.append(("chest_xray/.DS_Store", b"junk"))
        with zipfile.ZipFile(os.path.join(out, "kermany.zip"), "w") as z:
            for name, data in entries:
                z.writestr(name, data)
        with tarfile.open(os.path.join(out, "kermany.tar.gz"), "w:gz") as t:
            for name, data in entries:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
