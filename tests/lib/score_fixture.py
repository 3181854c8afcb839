#!/usr/bin/env python3
"""score_fixture.py: the inputs of the score stage's CLI tests, written into
OUTDIR:

  model.onnx      tf2onnx-style classifier with fixed, asymmetric weights:
                  NHWC [N,32,32,3] -> Transpose -> GlobalAveragePool ->
                  Flatten -> Gemm (3 -> 2) -> Softmax, so an image of one
                  colour (r, g, b) in [0,1] scores exactly
                  softmax(W^T [r,g,b] + B)[0], whatever the resize does
  expected.csv    set,image,score for every solid image below
  work/datasets/dataset_validation/<set>/*.png  solid-colour PNGs (grey, RGB,
                  RGBA, grey+alpha, 16-bit) and one truncated PNG
  kermany.zip     chest_xray/test/{NORMAL,PNEUMONIA}/ with real Kermany
                  sample JPEGs (from ../shared when given) under new names,
                  plus __MACOSX/ and .DS_Store junk
  kermany.tar.gz  the same entries in a gzipped tar

usage: score_fixture.py OUTDIR [SHARED_DIR]
Needs numpy and onnx (Debian python3-numpy, python3-onnx) for the model.
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


def write_model(path):
    import numpy as np
    from onnx import TensorProto, checker, helper, numpy_helper, save
    inits = [numpy_helper.from_array(np.array(W, np.float32), "dense/kernel"),
             numpy_helper.from_array(np.array(B, np.float32), "dense/bias")]
    nodes = [
        helper.make_node("Transpose", ["input:0"], ["nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("GlobalAveragePool", ["nchw"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "dense/kernel", "dense/bias"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs:0"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "score_fixture",
        [helper.make_tensor_value_info("input:0", TensorProto.FLOAT, ["N", 32, 32, 3])],
        [helper.make_tensor_value_info("probs:0", TensorProto.FLOAT, ["N", 2])], inits)
    m = helper.make_model(graph, producer_name="cxrprep-score-test",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    checker.check_model(m)
    save(m, path)


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
    shared = sys.argv[2] if len(sys.argv) == 3 else None
    os.makedirs(out, exist_ok=True)
    write_model(os.path.join(out, "model.onnx"))
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
    if shared:
        sample = os.path.join(shared, "data", "kermany-sample", "chest_xray", "train")
        entries = []
        for cls, n in (("NORMAL", 3), ("PNEUMONIA", 4)):
            names = sorted(os.listdir(os.path.join(sample, cls)))[:n]
            for i, name in enumerate(names):
                with open(os.path.join(sample, cls, name), "rb") as f:
                    data = f.read()
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
