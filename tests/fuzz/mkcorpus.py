#!/usr/bin/env python3
"""mkcorpus.py: writes the fuzz targets' seed corpora into
tests/fuzz/corpus/<target>/ and their libFuzzer dictionaries into
tests/fuzz/dict/<target>.dict (committed; rerun after changing this file).
Every seed is small and synthetic: CSV rows in the demo's metadata format,
YAML configs, hand-encoded PNG, JPEG, BMP and GIF files, zip and tar
archives in the Kermany layout with hostile names, and hand-encoded ONNX
protobufs. corpus/onnx/demo_model.onnx is the demo's generated model
(tools/mkdemo_model.c), copied, not written here.

usage: mkcorpus.py
"""
import gzip
import io
import os
import re
import struct
import sys
import tarfile
import warnings
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def write(root, target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data)


# ---- metadata CSV (the demo's old 28-column format) ----

HEADER = ("patientid,offset,sex,age,finding,survival,intubated,intubation_present,went_icu,"
          "needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,"
          "neutrophil_count,lymphocyte_count,view,modality,date,location,folder,filename,doi,"
          "url,license,clinical_notes,other_notes,\n")


def row(patient, finding, view, modality, date, folder, filename, notes="synthetic", spill=""):
    fields = [patient, "0", "M", "60", finding] + [""] * 11 + [
        view, modality, date, "Synthetic Hospital, Demo City", folder, filename, "",
        "https://example.org/demo", "CC0-1.0", notes, "", spill]
    out = []
    for f in fields:
        if any(c in f for c in ',"\n'):
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ",".join(out) + "\n"


CSV_SEEDS = {
    "demo_rows.csv": HEADER
    + row("1", "COVID-19", "PA", "X-ray", "January 22, 2020", "images", "demo-covid-p1-day0.jpeg")
    + row("9", "COVID-19", "PA", "X-ray", "Mar 3, 2020", "images", "demo-covid-p9.jpeg")
    + row("10", "COVID-19", "PA", "X-ray", "3/7/2020", "images", "demo-covid-p10.jpg")
    + row("3", "COVID-19", "PA", "X-ray", "2020", "images", "demo-covid-p3.png")
    + row("4", "COVID-19", "PA", "X-ray", "", "images", "demo-covid-p4.png"),
    "findings.csv": HEADER
    + row("24", "COVID-19, ARDS", "PA", "X-ray", "2020", "images", "demo-ards-p24.jpg")
    + row("25", "Pneumonia/Viral/COVID-19", "PA", "X-ray", "2020-03-15", "images", "p25.png")
    + row("26", "Pneumonia/Bacterial", "AP Supine", "X-ray", "March 2020", "images", "p26.png")
    + row("20", "COVID-19", "Axial", "CT", "2020", "volumes", "demo-ct-p20.nii.gz"),
    "quoting.csv": HEADER
    + row("p-7", "COVID-19", "PA", "X-ray", "Mar 12, 2020", "images", "q.jpeg",
          notes='a "quoted" note, with a comma\nand a second line', spill="spilled, text")
    + row("p-7", "COVID-19", "PA", "X-ray", "January 12", "images", "q.jpeg"),
    "overlap.csv": HEADER
    + row("5", "COVID-19", "PA", "X-ray", "Mar 1, 2020", "images", "a.jpeg")
    + row("5", "COVID-19", "PA", "X-ray", "Feb 28, 2020", "images", "b.jpeg")
    + row("6", "COVID-19", "PA", "X-ray", "31 March 2020", "images", "../c.jpeg"),
    "new_format.csv": "patientid,offset,sex,age,finding,RT_PCR_positive,view,modality,date,"
    "location,folder,filename,doi,url,license,clinical_notes,other_notes,\n"
    "100,0,F,41,Pneumonia/Viral/COVID-19,Y,PA,X-ray,2020-03-20,Demo,images,n1.png,,,CC0,,,\n"
    "101,,M,,No Finding,N,L,X-ray,2019,Demo,images,n2.png,,,CC0,,,\n",
    "header_only.csv": HEADER,
    "small.csv": "a,b\n1,2\n\"x,y\",\"q\"\"q\"\n",
}


def csv_seeds(root):
    for name, text in CSV_SEEDS.items():
        write(root, "csv", name, text)
        # the select target picks its config by size modulo 3: trailing
        # blank lines (skipped by the reader) give each seed every config
        for pad in range(3):
            write(root, "select", "%s.%d" % (name, pad), text + "\n" * pad)


# ---- YAML configs, then --set assignments after NUL bytes ----

MINIMAL = ("version: 1\nsources:\n  metadata:\n    url: metadata.csv\nselect: {}\n")


def config_seeds(root):
    for name in ("demo.yaml", "covid19xray.yaml"):
        with open(os.path.join(TOP, "config", name), "rb") as f:
            write(root, "config", name, f.read())
    write(root, "config", "minimal.yaml", MINIMAL)
    write(root, "config", "sets.yaml", MINIMAL + "\0seed=7\0select.filters.view=[PA, AP]"
          "\0select.holdout.mode=dates\0select.holdout.date_from=2020-03-01"
          "\0select.holdout.date_to=2020-03-31\0sources.kermany.max_total_size=64MiB")
    write(root, "config", "sample.yaml", MINIMAL + (
        "sources:\n  metadata: {url: m.csv, sha256: '%s', size: 1K}\n"
        "  kermany: {url: 'https://example.org/k.zip', max_entries: 10}\n"
        "sample:\n  archive_root: auto\n  draws:\n"
        "    - {name: a, split: train, class: NORMAL, count: covid_train}\n"
        "    - name: b\n      split: test\n      class: PNEUMONIA\n      count: 6\n"
        "      disjoint_from: [a]\n      patient_disjoint: true\n" % ("0" * 64))
        + "\0sample.draws.1.count=7")
    write(root, "config", "bad_key.yaml", MINIMAL + "select:\n  holdout:\n    date_frm: 2020-01-01\n")
    write(root, "config", "bad_types.yaml",
          "version: 1\nseed: [1, 2]\nworkdir: {a: b}\nsources: {metadata: {url: [x]}}\n"
          "select: {duplicates: maybe}\nlayout: {threads: -3, verify: yes}\n")
    write(root, "config", "anchors.yaml",
          "version: 1\nsources: &s {metadata: {url: \"m\\u00e9ta.csv\"}}\nother: *s\n"
          "select: !!map {filters: {finding: 'COVID-19'}}\n---\nsecond: doc\n")


# ---- images ----

def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png(width, height, depth, colour, rows, palette=None, interlace=0, extra=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra
    if palette:
        out += png_chunk(b"PLTE", palette)
    raw = b"".join(b"\x00" + r for r in rows)
    return out + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")


def adam7_rows(width, height, pixel):
    """Rows of an 8-bit grey Adam7 image, pass by pass (pixel(x, y) -> byte)."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
              (1, 0, 2, 2), (0, 1, 1, 2)]
    rows = []
    for x0, y0, dx, dy in passes:
        xs = list(range(x0, width, dx))
        if not xs:
            continue
        for y in range(y0, height, dy):
            rows.append(bytes(pixel(x, y) for x in xs))
    return rows


def huffman_segment(tables):
    body = b""
    for cls_id, counts, symbols in tables:
        body += bytes([cls_id]) + bytes(counts) + bytes(symbols)
    return b"\xff\xc4" + struct.pack(">H", len(body) + 2) + body


# The standard DC tables of ITU T.81 annex K, and AC tables that hold only
# what the seeds need (EOB, and one first-coefficient code).
DC_LUMA = (0x00, [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], list(range(12)))
DC_CHROMA = (0x01, [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], list(range(12)))
AC_SMALL = (0x10, [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0x00, 0x01])
AC_SMALL1 = (0x11, [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0x00, 0x01])


def dc_luma_code(cat):
    # canonical codes of DC_LUMA: 0 -> 00, 1..5 -> 010..110, 6 -> 1110, ...
    table = {0: "00", 1: "010", 2: "011", 3: "100", 4: "101", 5: "110", 6: "1110",
             7: "11110", 8: "111110"}
    return table[cat]


def dc_chroma_code(cat):
    table = {0: "00", 1: "01", 2: "10", 3: "110", 4: "1110", 5: "11110"}
    return table[cat]


def dc_bits(diff, code):
    if diff == 0:
        return code(0)
    cat = abs(diff).bit_length()
    value = diff if diff > 0 else diff + (1 << cat) - 1
    return code(cat) + format(value, "0%db" % cat)


def jpeg(width, height, comps, dcs, restart=0, comment=b""):
    """A baseline JPEG of 4:4:4 8x8 blocks whose blocks are flat (DC only,
    then one AC coefficient of +1 in every other block); dcs[b] is the DC of
    block b for each component."""
    qt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    if comps == 3:
        qt += b"\xff\xdb" + struct.pack(">H", 67) + b"\x01" + bytes([1] * 64)
    sof = struct.pack(">BHHB", 8, height, width, comps)
    for c in range(comps):
        sof += bytes([c + 1, 0x11, 0 if c == 0 else 1])
    out = b"\xff\xd8" + (b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
                         if comment else b"")
    out += qt + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof
    out += huffman_segment([DC_LUMA, AC_SMALL] + ([DC_CHROMA, AC_SMALL1] if comps == 3 else []))
    if restart:
        out += b"\xff\xdd" + struct.pack(">HH", 4, restart)
    sos = bytes([comps]) + b"".join(bytes([c + 1, 0x00 if c == 0 else 0x11])
                                    for c in range(comps)) + b"\x00\x3f\x00"
    out += b"\xff\xda" + struct.pack(">H", len(sos) + 2) + sos
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    scan, bits, pred, rst = b"", "", [0] * comps, 0

    def flush(bits):
        bits += "1" * (-len(bits) % 8)
        data = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
        return data.replace(b"\xff", b"\xff\x00")

    for b in range(blocks):
        if restart and b and b % restart == 0:
            scan += flush(bits) + bytes([0xFF, 0xD0 + rst % 8])
            bits, pred, rst = "", [0] * comps, rst + 1
        for c in range(comps):
            dc = dcs[b % len(dcs)] if c == 0 else 0
            bits += dc_bits(dc - pred[c], dc_luma_code if c == 0 else dc_chroma_code)
            pred[c] = dc
            # AC: EOB is code 00; symbol 0x01 (run 0, size 1) is 01, then
            # the magnitude bit 1 (+1)
            bits += "01" + "1" + "00" if b % 2 else "00"
    scan += flush(bits)
    return out + scan + b"\xff\xd9"


def bmp(width, height, pixels):
    stride = (width * 3 + 3) & ~3
    data = b""
    for y in range(height - 1, -1, -1):
        line = b"".join(pixels(x, y) for x in range(width))
        data += line + b"\x00" * (stride - len(line))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(data), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    return header + info + data


GIF_1X1 = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
           b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def image_seeds(root):
    grey = [bytes((x * 40 + y * 20) & 255 for x in range(4)) for y in range(3)]
    write(root, "image", "grey8.png", png(4, 3, 8, 0, grey))
    write(root, "image", "rgb8.png", png(3, 2, 8, 2, [bytes(range(9)), bytes(range(9, 18))]))
    write(root, "image", "rgba8.png", png(2, 2, 8, 6, [bytes(range(8)), bytes(range(8, 16))]))
    write(root, "image", "greya8.png", png(2, 1, 8, 4, [b"\x10\xff\x80\x7f"]))
    write(root, "image", "grey16.png", png(2, 2, 16, 0, [b"\x12\x34\xff\xff", b"\x00\x01\x80\x00"]))
    write(root, "image", "palette.png", png(4, 2, 2, 3, [b"\x1b", b"\xe4"],
                                            palette=b"\x00\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\xff"))
    write(root, "image", "adam7.png", png(9, 9, 8, 0, adam7_rows(9, 9, lambda x, y: x * 25 + y),
                                          interlace=1, extra=png_chunk(b"tEXt", b"k\x00v")))
    write(root, "image", "grey8x8.jpg", jpeg(8, 8, 1, [0]))
    write(root, "image", "grey16x16.jpg", jpeg(16, 16, 1, [-40, 10, 60, -5]))
    write(root, "image", "rgb16x8.jpg", jpeg(16, 8, 3, [30, -30], comment=b"demo"))
    write(root, "image", "restart.jpg", jpeg(24, 16, 1, [5, -5, 20], restart=2))
    write(root, "image", "rgb.bmp", bmp(3, 2, lambda x, y: bytes([x * 80, y * 120, 200])))
    write(root, "image", "one.gif", GIF_1X1)


# ---- archives in the Kermany layout ----

def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=(2018, 1, 6, 0, 0, 0))
            info.external_attr = mode << 16
            info.create_system = 3
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, kind, link in entries:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mtime = kind, link, 1515196800
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    data = buf.getvalue().rstrip(b"\0")  # the record padding, down to the
    return data + b"\0" * (-len(data) % 512 + 1024)  # two end-of-archive blocks


FILE, DIR, LINK = 0o100644, 0o040755, 0o120777


def zip_seeds(root):
    img = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"
    kermany = [("chest_xray/", b"", DIR), ("chest_xray/train/NORMAL/", b"", DIR),
               ("chest_xray/train/NORMAL/IM-0001-0001.jpeg", img, FILE),
               ("chest_xray/train/PNEUMONIA/person1_bacteria_1.jpeg", img * 2, FILE),
               ("chest_xray/test/NORMAL/NORMAL2-IM-0002-0001.jpeg", img, FILE),
               ("chest_xray/test/PNEUMONIA/person2_virus_3.jpeg", b"", FILE),
               ("chest_xray/val/NORMAL/IM-0003.png", img, FILE)]
    write(root, "zip", "kermany.zip", zip_bytes(kermany))
    write(root, "zip", "stored.zip", zip_bytes(kermany[:4], zipfile.ZIP_STORED))
    junk = [("__MACOSX/chest_xray/._IM-0001-0001.jpeg", b"x", FILE),
            ("chest_xray/.DS_Store", b"x", FILE), ("chest_xray/train/NORMAL/readme.txt", b"x", FILE),
            ("chest_xray/train/IM-0009-0001.jpeg", img, FILE)]
    hostile = [("../evil.jpeg", img, FILE), ("/abs/train/NORMAL/a.jpeg", img, FILE),
               ("chest_xray//train/NORMAL/b.jpeg", img, FILE),
               ("chest_xray/./train/NORMAL/c.jpeg", img, FILE),
               ("chest_xray\\train\\NORMAL\\d.jpeg", img, FILE),
               ("chest_xray/train/NORMAL/link.jpeg", b"../../etc/passwd", LINK),
               ("chest_xray/train/NORMAL/IM-0001-0001.jpeg", img, FILE),
               ("chest_xray/train/NORMAL/IM-0001-0001.jpeg", img, FILE),
               ("chest_xray/train/NORMAL/ctl\x01.jpeg", img, FILE)]
    write(root, "zip", "junk_hostile.zip", zip_bytes(junk + hostile))
    nested = kermany[2:5] + [("chest_xray/chest_xray/" + n[len("chest_xray/"):], d, m)
                             for n, d, m in kermany[2:5]] + [("train/NORMAL/IM-0100-0001.jpeg", img, FILE)]
    write(root, "zip", "nested_roots.zip", zip_bytes(nested))
    tar_entries = [("chest_xray/train/NORMAL/IM-0001-0001.jpeg", img, tarfile.REGTYPE, ""),
                   ("chest_xray/test/PNEUMONIA/person3_bacteria_9.jpeg", img, tarfile.REGTYPE, ""),
                   ("chest_xray/test/NORMAL/hard.jpeg", b"", tarfile.LNKTYPE,
                    "chest_xray/train/NORMAL/IM-0001-0001.jpeg"),
                   ("chest_xray/test/NORMAL/fifo.jpeg", b"", tarfile.FIFOTYPE, "")]
    write(root, "zip", "kermany.tar.gz", gzip.compress(tar_bytes(tar_entries), mtime=0))
    write(root, "zip", "kermany.tar", tar_bytes(tar_entries[:2]))


# ---- ONNX protobufs (field numbers of onnx.proto) ----

def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def key(field, wire):
    return varint(field << 3 | wire)


def ld(field, data):
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def vint(field, v):
    return key(field, 0) + varint(v & 0xFFFFFFFFFFFFFFFF)


def attr_int(name, v):
    return ld(1, name) + vint(3, v) + vint(20, 2)          # type INT


def attr_ints(name, vs):
    return ld(1, name) + b"".join(vint(8, v) for v in vs) + vint(20, 7)   # INTS


def node(op, inputs, outputs, attrs=()):
    return (b"".join(ld(1, i) for i in inputs) + b"".join(ld(2, o) for o in outputs)
            + ld(4, op) + b"".join(ld(5, a) for a in attrs))


def tensor(name, dims, floats):
    return (b"".join(vint(1, d) for d in dims) + vint(2, 1) + ld(8, name)
            + ld(9, struct.pack("<%df" % len(floats), *floats)))


def value_info(name, dims):
    shape = b"".join(ld(1, vint(1, d) if d > 0 else ld(2, "N")) for d in dims)
    return ld(1, name) + ld(2, ld(1, vint(1, 1) + ld(2, shape)))   # tensor_type elem FLOAT


def model(nodes, inits, inp, out, opset=13):
    graph = (b"".join(ld(1, n) for n in nodes) + ld(2, "g")
             + b"".join(ld(5, t) for t in inits) + ld(11, inp) + ld(12, out))
    return vint(1, 7) + ld(2, "cxrprep-fuzz") + ld(7, graph) + ld(8, ld(1, "") + vint(2, opset))


def onnx_seeds(root):
    write(root, "onnx", "relu.onnx", model([node("Relu", ["x"], ["y"])], [],
                                           value_info("x", [1, 4]), value_info("y", [1, 4])))
    # NHWC 4x4x1 image -> Transpose -> Conv 2x2 -> Relu -> GlobalAveragePool
    # -> Flatten -> Gemm (2 classes) -> Softmax
    nodes = [node("Transpose", ["x"], ["t"], [attr_ints("perm", [0, 3, 1, 2])]),
             node("Conv", ["t", "w", "b"], ["c"], [attr_ints("kernel_shape", [2, 2])]),
             node("Relu", ["c"], ["r"]), node("GlobalAveragePool", ["r"], ["p"]),
             node("Flatten", ["p"], ["f"], [attr_int("axis", 1)]),
             node("Gemm", ["f", "fc", "fb"], ["g"], [attr_int("transB", 1)]),
             node("Softmax", ["g"], ["y"], [attr_int("axis", 1)])]
    inits = [tensor("w", [2, 1, 2, 2], [0.5, -0.25, 0.125, 1.0, -1.0, 0.5, 0.25, 0.75]),
             tensor("b", [2], [0.1, -0.1]), tensor("fc", [2, 2], [1.0, -1.0, 0.5, 2.0]),
             tensor("fb", [2], [0.0, 0.5])]
    write(root, "onnx", "small_cnn.onnx", model(nodes, inits, value_info("x", [0, 4, 4, 1]),
                                                value_info("y", [0, 2])))
    dense = [node("Flatten", ["x"], ["f"]), node("MatMul", ["f", "m"], ["mm"]),
             node("Add", ["mm", "a"], ["s"]), node("Sigmoid", ["s"], ["y"])]
    write(root, "onnx", "dense_sigmoid.onnx",
          model(dense, [tensor("m", [4, 1], [0.5, -0.5, 1.0, 0.25]), tensor("a", [1], [0.1])],
                value_info("x", [1, 2, 2, 1]), value_info("y", [1, 1]), opset=11))


# ---- dictionaries: the words a mutation rarely finds by itself ----

def dict_entry(word):
    if isinstance(word, str):
        word = word.encode()
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else "\\x%02X" % b
                         for b in word) + '"'


def write_dict(name, words):
    os.makedirs(os.path.join(HERE, "dict"), exist_ok=True)
    with open(os.path.join(HERE, "dict", name + ".dict"), "w") as f:
        f.write("# %s.dict: written by tests/fuzz/mkcorpus.py\n" % name)
        for w in sorted(set(words), key=lambda w: w if isinstance(w, bytes) else w.encode()):
            f.write(dict_entry(w) + "\n")


CSV_WORDS = ['"', '""', ",", "\n", '","', "COVID-19", "Pneumonia/Viral/COVID-19", "ARDS",
             "PA", "AP", "AP Supine", "L", "X-ray", "CT", "images", "volumes", "2020",
             "2020-03-01", "March 3, 2020", "Mar 31, 2020", "3/7/2020", "January 12",
             "patientid", "filename", "finding", "view", "modality", "date", "folder", "../",
             b"\xc3\xa9", b"\xef\xbb\xbf", "\r\n"]
ONNX_OPS = ["Conv", "Relu", "Sigmoid", "MaxPool", "AveragePool", "GlobalAveragePool", "Pad",
            "Transpose", "Reshape", "Flatten", "MatMul", "Gemm", "Add", "Sub", "Mul", "Div",
            "Softmax", "Identity", "Dropout", "Squeeze", "Unsqueeze", "BatchNormalization",
            "Constant", "Shape", "Gather", "Cast", "Slice", "Concat", "LeakyRelu", "Tanh",
            "Clip", "ReduceMean"]
ONNX_ATTRS = ["kernel_shape", "strides", "pads", "perm", "axis", "axes", "transA", "transB",
              "alpha", "beta", "epsilon", "auto_pad", "SAME_UPPER", "VALID", "group",
              "ceil_mode", "dilations", "count_include_pad", "allowzero", "to", "keepdims",
              "value", "start", "end", "mode"]


def dicts():
    with open(os.path.join(TOP, "pipeline", "config", "config_schema.c")) as f:
        keys = re.findall(r'^\s*\{"([a-z0-9_.\[\]]+)", CXR_T_', f.read(), re.M)
    words = set()
    for k in keys:
        words.update(k.replace("[]", "").split("."))
        words.add(k.replace("[]", ".0") + "=")
    words.update(["version: 1\n", ": ", "- ", "[]", "{}", "true", "false", "null", "~",
                  "64MiB", "8GiB", "2020-03-31", "covid_train", "auto", "dates", "files",
                  "none", "&a ", "*a", "!!str ", "'", '"', "\0", ":\n", "\\u2028",
                  b"\xe2\x80\xa8", b"\xc2\x85"])
    write_dict("config", words)
    write_dict("csv", CSV_WORDS)
    write_dict("select", CSV_WORDS)
    write_dict("onnx", [ld(4, op) for op in ONNX_OPS] + [ld(1, a) for a in ONNX_ATTRS]
               + [ld(8, ld(1, "") + vint(2, v)) for v in (7, 11, 13, 17)])


def main():
    warnings.simplefilter("ignore")  # zipfile warns of the duplicate names on purpose
    root = os.path.join(HERE, "corpus")
    csv_seeds(root)
    config_seeds(root)
    image_seeds(root)
    zip_seeds(root)
    onnx_seeds(root)
    dicts()


if __name__ == "__main__":
    main()
