#!/usr/bin/env python3
"""archive_make.py: builds Kermany-shaped archives (zip or tar.gz) for the
tests and the benchmark from the real sample in ../shared/data/kermany-sample:
the official '<root>/<split>/<CLASS>/<name>' layout under one or more roots,
optional mirror junk (__MACOSX/, ._*, .DS_Store, README, directories),
hostile entries (absolute path, '..', symlink, hard link, devices) and a
name stored twice.

  archive_make.py OUT.zip --src DIR [--root chest_xray]... [--junk] [--hostile]
                  [--duplicate] [--counts 1349,3883,234,390] [--format zip|tgz]
                  [--normal-patients]

Without --counts the 40 real files go to train/ with their own names; with
--counts, train/test NORMAL/PNEUMONIA get that many files whose bytes are the
real ones reused under new names (PNEUMONIA patients hold two images each;
with --normal-patients NORMAL patients too, named in the three Kermany
forms IM-<P>-<K>.jpeg, NORMAL2-IM-<P>-<K>.jpeg and IM-<P>-0001-<K>.jpeg),
each made unique by its new name written after the JPEG's end marker (which
decoders ignore), so no two files have the same content.
"""
import argparse
import io
import os
import sys
import tarfile
import time
import warnings
import zipfile

warnings.filterwarnings("ignore", "Duplicate name")

MTIME = (2018, 1, 6, 0, 0, 0)


def real_files(src, klass):
    d = os.path.join(src, "chest_xray", "train", klass)
    names = sorted(os.listdir(d))
    return [(n, open(os.path.join(d, n), "rb").read()) for n in names]


def normal_name(i, base, patients):
    """A NORMAL file name: one image per patient, or two per patient."""
    if not patients:
        return "IM-%05d-0001.jpeg" % (base + i)
    p, k = base + i // 2, i % 2 + 1
    form = (i // 2) % 3
    if form == 0:
        return "IM-%04d-%04d.jpeg" % (p, k)
    if form == 1:
        return "NORMAL2-IM-%04d-%04d.jpeg" % (p, k)
    return "IM-%04d-0001-%04d.jpeg" % (p, k)


def plan(src, counts, normal_patients=False):
    """[(relpath under root, bytes)]"""
    normal, pneu = real_files(src, "NORMAL"), real_files(src, "PNEUMONIA")
    if not counts:
        return [("train/NORMAL/" + n, b) for n, b in normal] + \
               [("train/PNEUMONIA/" + n, b) for n, b in pneu]
    out = []
    for split, nn, npn in (("train", counts[0], counts[1]), ("test", counts[2], counts[3])):
        base = 0 if split == "train" else 100000
        for i in range(nn):
            name = "%s/NORMAL/%s" % (split, normal_name(i, base, normal_patients))
            out.append((name, normal[i % len(normal)][1] + name.encode()))
        for i in range(npn):
            kind = "virus" if i % 3 == 0 else "bacteria"
            name = "%s/PNEUMONIA/person%d_%s_%d.jpeg" % (split, base + i // 2, kind, i)
            out.append((name, pneu[i % len(pneu)][1] + name.encode()))
    return out


class Writer:
    def __init__(self, path, fmt, level):
        self.fmt = fmt
        if fmt == "zip":
            self.z = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level)
        else:
            self.t = tarfile.open(path, "w:gz", compresslevel=level)

    def file(self, name, data):
        if self.fmt == "zip":
            zi = zipfile.ZipInfo(name, MTIME)
            zi.external_attr = 0o100644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            self.z.writestr(zi, data)
        else:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), time.mktime(MTIME + (0, 0, -1)), 0o644
            self.t.addfile(ti, io.BytesIO(data))

    def dir(self, name):
        if self.fmt == "zip":
            zi = zipfile.ZipInfo(name.rstrip("/") + "/", MTIME)
            zi.external_attr = (0o40755 << 16) | 0x10
            self.z.writestr(zi, b"")
        else:
            ti = tarfile.TarInfo(name.rstrip("/"))
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            self.t.addfile(ti)

    def special(self, name, kind, target=""):
        if self.fmt == "zip":
            if kind != "symlink":
                return  # zip has no hard links or devices
            zi = zipfile.ZipInfo(name, MTIME)
            zi.external_attr = 0o120777 << 16
            self.z.writestr(zi, target.encode())
            return
        ti = tarfile.TarInfo(name)
        ti.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                   "chardev": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
        ti.linkname = target
        ti.devmajor, ti.devminor = (1, 3) if kind == "chardev" else (0, 0)
        self.t.addfile(ti)

    def close(self):
        (self.z if self.fmt == "zip" else self.t).close()


def add_bomb(path, name):
    """Appends an entry of 50 MB of zeros whose local and central headers
    both claim 100 bytes (a zip bomb that lies about its size)."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(name, MTIME), b"\0" * (50 << 20))
    data = bytearray(open(path, "rb").read())
    raw = name.encode()
    lo = data.rfind(b"PK\3\4" + b"\0" * 0, 0, data.rfind(raw))  # its local header
    while lo >= 0 and data[lo + 30:lo + 30 + len(raw)] != raw:
        lo = data.rfind(b"PK\3\4", 0, lo)
    data[lo + 22:lo + 26] = (100).to_bytes(4, "little")
    ce = data.rfind(b"PK\1\2", 0, data.rfind(raw))
    data[ce + 24:ce + 28] = (100).to_bytes(4, "little")
    open(path, "wb").write(bytes(data))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--src", required=True)
    ap.add_argument("--root", action="append")
    ap.add_argument("--format", choices=["zip", "tgz"], default="zip")
    ap.add_argument("--junk", action="store_true")
    ap.add_argument("--hostile", action="store_true")
    ap.add_argument("--duplicate", action="store_true")
    ap.add_argument("--bomb", action="store_true",
                    help="add an entry whose headers declare 100 bytes for 50 MB")
    ap.add_argument("--counts")
    ap.add_argument("--level", type=int, default=6)
    ap.add_argument("--normal-patients", action="store_true",
                    help="with --counts: NORMAL patients hold two images each")
    a = ap.parse_args()
    roots = a.root if a.root is not None else ["chest_xray"]
    counts = [int(x) for x in a.counts.split(",")] if a.counts else None
    files = plan(a.src, counts, a.normal_patients)
    w = Writer(a.out, a.format, a.level)
    for root in roots:
        pre = root + "/" if root else ""
        if a.junk and root:
            w.dir(pre)
            w.dir(pre + "train/")
            w.file(pre + ".DS_Store", b"\0\0\0\1Bud1" + b"\0" * 64)
            w.file(pre + "train/.DS_Store", b"\0\0\0\1Bud1" + b"\0" * 64)
            w.file(pre + "README.txt", b"chest x-ray images\n")
        for rel, data in files:
            w.file(pre + rel, data)
            if a.junk:
                w.file("__MACOSX/" + pre + os.path.dirname(rel) + "/._" +
                       os.path.basename(rel), b"\0\5\26\7" + b"\0" * 78)
    first = roots[0] + "/" if roots[0] else ""
    if a.hostile:
        w.file("/tmp/cxr-evil.jpeg", files[0][1])
        w.file(first + "train/NORMAL/../../../cxr-evil.jpeg", files[0][1])
        w.special(first + "train/NORMAL/zz-link.jpeg", "symlink", "/etc/passwd")
        w.special(first + "train/PNEUMONIA/zz-hard.jpeg", "hardlink", first + files[-1][0])
        w.special(first + "train/NORMAL/zz-dev.jpeg", "chardev")
        w.special(first + "train/NORMAL/zz-fifo.jpeg", "fifo")
    if a.duplicate:
        w.file(first + files[-1][0], files[0][1])
    w.close()
    if a.bomb:
        add_bomb(a.out, first + "train/NORMAL/zz-bomb.jpeg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
