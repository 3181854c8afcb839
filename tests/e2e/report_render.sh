#!/bin/sh
# report_render.sh: the score report renders in headless Chromium (Debian
# chromium): every chart is an <svg> in the rendered DOM with its marks
# (bars, boxes, curves, matrices), the population caveat is there, nothing
# is fetched, and a screenshot is far from blank (compared with a blank
# page rendered in the same run). The Kermany sets read the demo mirror's
# JPEGs. Skips when chromium is absent.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
MIRROR=${CXR_BUILD_DIR:?run through ctest}/demo/mirror
[ -f "$MIRROR/.complete" ] || { bad "the build did not write the demo mirror"; finish; exit 1; }
CHROME=""
for c in chromium chromium-browser; do
  command -v "$c" >/dev/null 2>&1 && { CHROME=$c; break; }
done
[ -n "$CHROME" ] || { echo "skip: chromium not installed (Debian package chromium)"; exit 77; }
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "skip: no python3 with onnx and numpy (Debian python3-onnx)"; exit 77; }
[ -x "$BIN/cxrprep-score" ] || { echo "skip: cxrprep-score not built"; exit 77; }

cd "$T" || exit 1
"$PY" "$SRC/tests/lib/score_fixture.py" "$T" "$MIRROR/ChestXRay2017.zip" || { echo "FAIL: fixture"; exit 1; }
printf 'version: 1\nworkdir: work\nsources: {metadata: {url: x.csv}, kermany: {url: kermany.zip}}\nselect: {}\nscore: {model: model.onnx, report: out/report.html}\n' > c.yaml
expect_exit 0 "score run" "$BIN/cxrprep-score" --config c.yaml
R=out/report.html
check "report at score.report" test -f "$R"
check "self-contained: no scripts" sh -c "! grep -qi '<script' $R"
check "self-contained: nothing linked" sh -c "! grep -Eqi '(src|href)=' $R"

chrome() { # chrome ARGS...: one headless run with a fresh profile
  prof=$(mktemp -d "$T/profile-XXXXXX")
  timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$prof" "$@" 2>>chrome.log
}
chrome --dump-dom "file://$T/$R" > dom.html
check "chromium rendered the page" grep -q "cxrprep score report" dom.html
count() { grep -o "$1" dom.html | wc -l; }
check "box plot chart" [ "$(count 'class="chart boxplot"')" = 1 ]
check "one histogram per set" [ "$(count 'class="chart histogram"')" = 5 ]
check "histogram bars" [ "$(count 'class="bar"')" = 50 ]
check "a box per scored set" [ "$(count 'class="box"')" = 5 ]
check "ROC chart with a curve per comparison" [ "$(count 'class="curve"')" = 5 ]
check "confusion matrices" [ "$(count 'class="chart confusion"')" = 5 ]
check "the population caveat" grep -q "the classes come from different populations" dom.html
check "provenance names both sources" sh -c "grep -q 'ieee8023' dom.html && grep -q 'kermany' dom.html"

printf '<!DOCTYPE html><html><body></body></html>\n' > blank.html
chrome --screenshot="$T/blank.png" --window-size=1000,2400 "file://$T/blank.html"
chrome --screenshot="$T/report.png" --window-size=1000,2400 "file://$T/$R"
check "screenshots taken" sh -c "test -s blank.png && test -s report.png"
check "screenshot far from blank" "$PY" - blank.png report.png <<'PYEOF'
import struct, sys, zlib
def ink(path):
    """Share of pixels that are not white, decoding the PNG (8-bit RGB/RGBA)."""
    data = open(path, "rb").read()
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, t = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if t == b"IHDR":
            w, h, depth, ct = struct.unpack(">IIBB", body[:10])
        elif t == b"IDAT":
            idat += body
        pos += n + 12
    bpp = {2: 3, 6: 4}[ct]
    raw, stride = zlib.decompress(idat), w * bpp
    prev, dark, i = bytearray(stride), 0, 0
    for y in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        dark += sum(1 for x in range(0, stride, bpp) if min(line[x:x + 3]) < 200)
        prev = line
    return dark / float(w * h)
blank, report = ink(sys.argv[1]), ink(sys.argv[2])
print("non-white share: blank %.4f, report %.4f" % (blank, report))
sys.exit(0 if blank < 0.001 and report > 0.02 else 1)
PYEOF
finish
