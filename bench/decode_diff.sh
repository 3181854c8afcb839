#!/bin/sh
# decode_diff.sh: how far score.decode: fast moves the scores from exact.
# Scores the same images both ways and prints, per model and set group, the
# images compared, the largest and the mean |fast - exact| and the
# predictions that cross the threshold (0.5):
#   demo: the generated demo mirror laid out by cxrprep run, the demo model
#         (64x64 input);
#   real: ../shared/data (the 128 ieee8023 images and the 40 Kermany JPEGs),
#         with the demo model and with the recipe's model shape (VGG16 base,
#         224x224, random weights: bench/infer_vgg_model.py; needs python3
#         with onnx and numpy, else skipped).
#
# usage: bench/decode_diff.sh [BUILD_DIR]   (default: build)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
MIRROR=$BUILD/demo/mirror
[ -x "$BUILD/bin/cxrprep-score" ] || { echo "build cxrprep-score first (cmake --build $BUILD)"; exit 1; }
[ -f "$MIRROR/.complete" ] || { echo "no demo mirror in $MIRROR (build first)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/cxr-decode-diff-XXXXXX")
trap 'rm -rf "$W"' EXIT

# compare LABEL EXACT_DIR FAST_DIR: one line of the table
compare() {
  python3 - "$@" <<'PYEOF'
import csv, glob, os, sys
label, exact, fast = sys.argv[1:4]
n, worst, total, flips, where = 0, 0.0, 0.0, 0, ""
for e in sorted(glob.glob(exact + "/*.csv")):
    f = os.path.join(fast, os.path.basename(e))
    for x, y in zip(csv.DictReader(open(e)), csv.DictReader(open(f))):
        assert x["image"] == y["image"]
        if not x["score"] or not y["score"]:
            continue
        d = abs(float(x["score"]) - float(y["score"]))
        n, total = n + 1, total + d
        flips += x["prediction"] != y["prediction"]
        if d >= worst:
            worst, where = d, os.path.basename(e)[:-4] + "/" + x["image"]
print("%-34s %6d %10.6f %10.6f %6d  %s" % (label, n, worst, total / max(n, 1), flips, where))
PYEOF
}

# score_both NAME ARGS...: cxrprep-score exact and fast, the CSVs kept
score_both() {
  name=$1; shift
  for d in exact fast; do
    "$BUILD/bin/cxrprep-score" --quiet "$@" --set score.decode=$d --set score.bootstrap=0 \
      >/dev/null
    mkdir -p "$W/$name-$d" && cp "$W/work-$name"/manifests/score/*.csv "$W/$name-$d/"
  done
}

printf '%-34s %6s %10s %10s %6s  %s\n' "fast against exact" "images" "max |d|" "mean |d|" \
  "flips" "largest at"
DEMO="--config $SRC/config/demo.yaml --set workdir=$W/work-demo --set fetch.lock_file=$W/demo.lock
 --set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip --set score.model=$MIRROR/model.onnx"
# shellcheck disable=SC2086
"$BUILD/bin/cxrprep" run $DEMO --quiet --to layout >/dev/null
# shellcheck disable=SC2086
score_both demo $DEMO
compare "demo sets, demo model (64x64)" "$W/demo-exact" "$W/demo-fast"

SHARED=$(cd "$SRC/../shared" 2>/dev/null && pwd) || { echo "real sets: skipped (no ../shared)"; exit 0; }
I="$SHARED/data/ieee8023/images"
KN="$SHARED/data/kermany-sample/chest_xray/train/NORMAL"
KP="$SHARED/data/kermany-sample/chest_xray/train/PNEUMONIA"
real_yaml() { # real_yaml MODEL NAME
  cat > "$W/$2.yaml" <<YAML
version: 1
workdir: $W/work-$2
sources: {metadata: {url: unused.csv}}
select: {}
score:
  model: $1
  sets:
    - {name: ieee8023, folder: $I, truth: positive, source: ieee8023}
    - {name: kermany_normal, folder: $KN, truth: negative, source: kermany}
    - {name: kermany_pneumonia, folder: $KP, truth: negative, source: kermany}
YAML
}
real_yaml "$MIRROR/model.onnx" real-demo
score_both real-demo --config "$W/real-demo.yaml"
compare "real sets, demo model (64x64)" "$W/real-demo-exact" "$W/real-demo-fast"
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
  "$PY" "$SRC/bench/infer_vgg_model.py" "$W/vgg16.onnx" >/dev/null
  real_yaml "$W/vgg16.onnx" real-vgg
  score_both real-vgg --config "$W/real-vgg.yaml"
  compare "real sets, VGG16 shape (224x224)" "$W/real-vgg-exact" "$W/real-vgg-fast"
else
  echo "real sets, VGG16 shape: skipped (needs python3 with onnx and numpy)"
fi
