#!/bin/sh
# score_bench.sh: end-to-end images/s of cxrprep-score on the real images
# (the 128 ieee8023 figures and the 40 Kermany JPEGs in ../shared) against
# the engine-alone rate on the same images, preprocessed into memory first
# (bench/score_engine_rate.c: same engine adapter, batch and threads), with
# the recipe's model shape (bench/infer_vgg_model.py, the engine benchmark's
# generator: VGG16 base, 224x224, 15,304,898 random parameters). Engine and
# end-to-end runs alternate, so a load change on the machine hits both;
# medians and their ratio are printed (targets: end to end >= 0.85 of the
# engine alone with the default exact decode, >= 0.95 with score.decode:
# fast, a row of its own). The engine alone
# runs with both OpenMP wait policies and the faster one is the baseline;
# cxrprep-score sets OMP_WAIT_POLICY=PASSIVE itself unless the user set it.
#
# usage: bench/score_bench.sh [BUILD_DIR] [REPS]   (default: build, 3)
# env:   ENGINE_THREADS (2), DECODE_THREADS (2), BATCH (4)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
REPS=${2:-3}
ET=${ENGINE_THREADS:-2}; DT=${DECODE_THREADS:-2}; BATCH=${BATCH:-4}
SHARED=$(cd "$SRC/../shared" 2>/dev/null && pwd) || { echo "needs ../shared (real images)"; exit 1; }
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "needs python3 with onnx and numpy (Debian python3-onnx)"; exit 1; }
for b in cxrprep-score score_engine_rate; do
  [ -x "$BUILD/bin/$b" ] || { echo "build $b first (cmake --build $BUILD)"; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/cxr-score-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
"$PY" "$SRC/bench/infer_vgg_model.py" "$W/vgg16.onnx" >/dev/null
I="$SHARED/data/ieee8023/images"
KN="$SHARED/data/kermany-sample/chest_xray/train/NORMAL"
KP="$SHARED/data/kermany-sample/chest_xray/train/PNEUMONIA"
cat > "$W/bench.yaml" <<YAML
version: 1
workdir: $W/work
sources: {metadata: {url: unused.csv}}
select: {}
score:
  model: $W/vgg16.onnx
  engine_threads: $ET
  threads: $DT
  batch: $BATCH
  bootstrap: 0
  sets:
    - {name: ieee8023, folder: $I, truth: positive, source: ieee8023}
    - {name: kermany_normal, folder: $KN, truth: negative, source: kermany}
    - {name: kermany_pneumonia, folder: $KP, truth: negative, source: kermany}
YAML
rate() { sed -n 's/.*: \([0-9.]*\) images\/s.*/\1/p' | head -1; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for f in engine engine_passive e2e e2e_normal e2e_fast; do : > "$W/$f"; done
echo "cxrprep-score benchmark: $(nproc) cores, engine threads $ET, decode threads $DT, batch $BATCH, $REPS reps"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ER="$BUILD/bin/score_engine_rate"
for r in $(seq "$REPS"); do
  e=$(env -u OMP_WAIT_POLICY "$ER" "$W/vgg16.onnx" "$ET" "$BATCH" "$I" "$KN" "$KP" | rate)
  p=$(OMP_WAIT_POLICY=passive "$ER" "$W/vgg16.onnx" "$ET" "$BATCH" "$I" "$KN" "$KP" | rate)
  s=$(env -u OMP_WAIT_POLICY "$BUILD/bin/cxrprep-score" --config "$W/bench.yaml" | rate)
  n=$(env -u OMP_WAIT_POLICY "$BUILD/bin/cxrprep-score" --config "$W/bench.yaml" \
        --set score.decode_priority=normal | rate)
  f=$(env -u OMP_WAIT_POLICY "$BUILD/bin/cxrprep-score" --config "$W/bench.yaml" \
        --set score.decode=fast | rate)
  echo "$e" >> "$W/engine"; echo "$p" >> "$W/engine_passive"
  echo "$s" >> "$W/e2e"; echo "$n" >> "$W/e2e_normal"; echo "$f" >> "$W/e2e_fast"
  echo "rep $r: engine alone $e (OpenMP default) $p (passive); end to end $s (defaults) $n (decode priority normal) $f (decode fast) images/s"
done
E=$(median < "$W/engine"); P=$(median < "$W/engine_passive")
S=$(median < "$W/e2e"); N=$(median < "$W/e2e_normal"); F=$(median < "$W/e2e_fast")
BEST=$(echo "$E $P" | awk '{print ($1 > $2) ? $1 : $2}')
ratio() { echo "$1 $BEST" | awk '{printf "%.2f", $1/$2}'; }
echo
printf '%-52s %10s %8s\n' "measure (real images, medians of $REPS)" "images/s" "ratio"
printf '%-52s %10.2f %8s\n' "engine alone, OpenMP wait policy default" "$E" "$(ratio "$E")"
printf '%-52s %10.2f %8s\n' "engine alone, OMP_WAIT_POLICY=passive" "$P" "$(ratio "$P")"
printf '%-52s %10.2f %8s\n' "cxrprep-score end to end (decode low, OpenMP passive)" "$S" "$(ratio "$S")"
printf '%-52s %10.2f %8s\n' "cxrprep-score end to end, decode priority normal" "$N" "$(ratio "$N")"
printf '%-52s %10.2f %8s\n' "cxrprep-score end to end, score.decode: fast" "$F" "$(ratio "$F")"
echo "ratios against the faster engine-alone median; targets: end to end >= 0.85 (exact), >= 0.95 (fast)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
