#!/bin/sh
# report_render.sh: the score report renders in headless Chromium (Debian
# chromium). The demo (the generated mirror, laid out by cxrprep run) is
# scored with two named models; then every chart is an <svg> in the rendered
# DOM with its marks (bars, boxes, curves, matrices), one ROC chart per
# model, the axis titles (histograms: score and count; ROC: false positive
# rate and true positive rate, ticks 0.0 to 1.0 on both axes) and the model
# names are SVG text, and no text's box (getBBox, through its transform)
# leaves its chart: a copy of the report with a checking script appended is
# dumped by Chromium. The report itself has no scripts and fetches nothing,
# and a screenshot is far from blank. Without chromium: a skip, a failure
# under CI=true.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
MIRROR=${CXR_BUILD_DIR:?run through ctest}/demo/mirror
[ -f "$MIRROR/.complete" ] || { bad "the build did not write the demo mirror"; finish; exit 1; }
[ "${CI:-}" = true ] && need chromium chromium
CHROME=""
for c in chromium chromium-browser; do
  command -v "$c" >/dev/null 2>&1 && { CHROME=$c; break; }
done
[ -n "$CHROME" ] || { echo "skip: chromium not installed (Debian package chromium)"; exit 77; }
need python3 python3
[ -x "$BIN/cxrprep-score" ] || { echo "skip: cxrprep-score not built"; exit 77; }

cd "$T" || exit 1
W=$T/work
DEMO="--set workdir=$W --set fetch.lock_file=$T/demo.lock
 --set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip"
# shellcheck disable=SC2086
expect_exit 0 "demo laid out" "$BIN/cxrprep" run "$SRC/config/demo.yaml" $DEMO --to layout
# a second model: the demo model with another bias for class 0
python3 - "$MIRROR/model.onnx" model2.onnx <<'PYEOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
old = struct.pack("<2f", -1.2, 0.9)
assert d.count(old) == 1, "demo model: Gemm bias not found"
open(sys.argv[2], "wb").write(d.replace(old, struct.pack("<2f", 0.4, 0.9)))
PYEOF
# shellcheck disable=SC2086
expect_exit 0 "score with two models" "$BIN/cxrprep-score" --config "$SRC/config/demo.yaml" \
  $DEMO --set score.model= --set score.report=out/report.html \
  --set "score.models=[{name: model1, path: $MIRROR/model.onnx}, {name: model2, path: $T/model2.onnx}]"
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
# the checking copy: after the page has laid out, list every chart's text
# ("TEXT <chart kind> <text>") and every text whose box leaves its chart
# ("OUTSIDE ..."), into a <pre> that --dump-dom writes out
sed 's#</body></html>##' "$R" > checked.html
cat >> checked.html <<'EOF'
<script>
var lines = [];
document.querySelectorAll("svg.chart").forEach(function (svg) {
  var kind = svg.getAttribute("class").replace("chart ", "");
  var w = svg.width.baseVal.value, h = svg.height.baseVal.value;
  svg.querySelectorAll("text").forEach(function (t) {
    var b = t.getBBox(), m = t.getCTM(), xs = [], ys = [];
    [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height],
     [b.x + b.width, b.y + b.height]].forEach(function (c) {
      var p = new DOMPoint(c[0], c[1]).matrixTransform(m);
      xs.push(p.x); ys.push(p.y);
    });
    var l = Math.min.apply(null, xs), r = Math.max.apply(null, xs);
    var u = Math.min.apply(null, ys), d = Math.max.apply(null, ys);
    lines.push("TEXT " + kind + " " + t.textContent);
    if (l < -0.5 || u < -0.5 || r > w + 0.5 || d > h + 0.5)
      lines.push("OUTSIDE " + kind + " '" + t.textContent + "' [" + [l, u, r, d].map(function (x) {
        return x.toFixed(1); }).join(", ") + "] in " + w + "x" + h);
  });
});
var pre = document.createElement("pre");
pre.id = "render-check";
pre.textContent = "\n" + lines.join("\n") + "\nEND-CHECK\n";
document.body.appendChild(pre);
</script>
</body></html>
EOF
chrome --dump-dom "file://$T/checked.html" > dom.html
check "chromium rendered the page" grep -q "cxrprep score report" dom.html
check "the checking script ran" grep -q "^END-CHECK" dom.html
count() { grep -o "$1" dom.html | wc -l; }
check "box plot chart" [ "$(count 'class="chart boxplot"')" = 1 ]
check "a histogram per set and model" [ "$(count 'class="chart histogram"')" = 10 ]
check "histogram bars" [ "$(count 'class="bar"')" = 100 ]
check "a box per set and model" [ "$(count 'class="box"')" = 10 ]
check "a ROC chart per model" [ "$(count 'class="chart roc"')" = 2 ]
check "ROC curves: one per comparison and model" [ "$(count 'class="curve"')" = 10 ]
check "confusion matrices" [ "$(count 'class="chart confusion"')" = 10 ]
check "the population caveat" grep -q "the classes come from different populations" dom.html
check "no text leaves its chart" sh -c "! grep '^OUTSIDE' dom.html"
grep '^OUTSIDE' dom.html | head -5
texts() { grep -c "^TEXT $1 $2\$" dom.html; }
check "histograms: x axis 'score'" [ "$(texts histogram score)" = 10 ]
check "histograms: y axis 'count'" [ "$(texts histogram count)" = 10 ]
check "histograms: count ticks (0 and more)" [ "$(grep -Ec '^TEXT histogram [0-9]+$' dom.html)" -ge 20 ]
check "ROC: 'false positive rate'" [ "$(texts roc 'false positive rate')" = 2 ]
check "ROC: 'true positive rate'" [ "$(texts roc 'true positive rate')" = 2 ]
check "ROC: ticks 0.0 to 1.0 on both axes" sh -c \
  "for t in 0.0 0.2 0.4 0.6 0.8 1.0; do [ \$(grep -c \"^TEXT roc \$t\\\$\" dom.html) = 4 ] || exit 1; done"
check "box plot: axis 'score'" [ "$(texts boxplot score)" = 1 ]
check "box plot: both models named per set" sh -c \
  "grep -q '^TEXT boxplot non_covid_pneumonia_validation: model1 (n=6)\$' dom.html &&
   grep -q '^TEXT boxplot non_covid_pneumonia_validation: model2 (n=6)\$' dom.html"
check "report: the models side by side" grep -q '<th>model1: positives</th><th>model2: positives</th>' dom.html
check "report: the recipe's comparison" grep -q '<th>model1: false positives</th><th>model2: false positives</th>' dom.html

printf '<!DOCTYPE html><html><body></body></html>\n' > blank.html
chrome --screenshot="$T/blank.png" --window-size=1000,2400 "file://$T/blank.html"
chrome --screenshot="$T/report.png" --window-size=1000,2400 "file://$T/$R"
check "screenshots taken" sh -c "test -s blank.png && test -s report.png"
check "screenshot far from blank" python3 - blank.png report.png <<'PYEOF'
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
