#!/bin/sh
# infer_bench.sh: libcxrinfer against ONNX Runtime 1.30 (npm onnxruntime-node)
# on the recipe's model shape (bench/infer_vgg_model.py: VGG16 base at
# 224x224 + AveragePool 2x2, Flatten, Dense 128 relu, Dropout, Dense 2
# softmax; 15,304,898 random parameters), same model, same input, same
# thread count, in the same run. Rounds alternate the two engines so that
# a busy machine hurts both alike; each round times RUNS single-image runs
# after a warm-up and reports its median. Prints a table of medians and the
# ratio, after checking that both give the same probabilities (1e-4).
# libcxrinfer runs twice: by default (Winograd for the 3x3 convolutions)
# and with winograd=0 (direct convolution, ONNX Runtime's arithmetic).
#
#   bench/infer_bench.sh [BUILD_DIR] [THREADS] [ROUNDS] [RUNS]
# defaults: build 2 5 10. Needs python3-onnx/numpy, node and npm (ONNX
# Runtime is installed into BUILD_DIR/ort on first use).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
threads=${2:-2}
rounds=${3:-5}
runs=${4:-10}
tool="$build/bin/infer_tool"
[ -x "$tool" ] || { echo "infer_bench: build first ($tool missing)"; exit 1; }
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "infer_bench: needs python3 with onnx and numpy"; exit 1; }
ort="$build/ort"
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  mkdir -p "$ort"
  (cd "$ort" && ONNXRUNTIME_NODE_INSTALL=skip timeout 600 npm install --no-audit --no-fund \
     --fetch-retries=1 --fetch-timeout=60000 onnxruntime-node@1.30.0 >"$ort/npm.log" 2>&1) ||
    { echo "infer_bench: npm install onnxruntime-node@1.30.0 failed (see $ort/npm.log)"; exit 1; }
fi
model="$build/bench-vgg16-head.onnx"
[ -f "$model" ] || "$PY" "$top/bench/infer_vgg_model.py" "$model"
work=$(mktemp -d "${TMPDIR:-/tmp}/cxr-infer-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$PY" -c "import numpy as np; np.random.seed(3); np.random.rand(2,224,224,3).astype(np.float32).tofile('$work/in.f32')"

# same answers first
"$tool" run "$model" "$work/in.f32" "$work/cxr.f32" 2 dnnl "$threads"
NODE_PATH="$ort/node_modules" node "$top/tests/lib/infer_ort.js" "$model" "$work/in.f32" "$work/ort.f32" 2 224 224 3 NHWC 0 "$threads"
diff=$("$PY" -c "import numpy as np; a=np.fromfile('$work/cxr.f32',np.float32); b=np.fromfile('$work/ort.f32',np.float32); print('%.2e' % np.abs(a-b).max())")

cxr="" direct="" ortr=""
i=0
while [ $i -lt "$rounds" ]; do
  cxr="$cxr $("$tool" bench "$model" "$runs" "$threads")"
  direct="$direct $("$tool" bench "$model" "$runs" "$threads" dnnl-direct)"
  ortr="$ortr $(NODE_PATH="$ort/node_modules" node "$top/tests/lib/infer_ort.js" "$model" "$work/in.f32" /dev/null 1 224 224 3 NHWC 0 "$threads" "$runs")"
  i=$((i + 1))
done
"$PY" - "$threads" "$rounds" "$runs" "$diff" "$cxr" "$ortr" "$direct" <<'PYEOF'
import os, statistics, sys
threads, rounds, runs, diff = sys.argv[1:5]
cxr = [float(x) for x in sys.argv[5].split()]
ort = [float(x) for x in sys.argv[6].split()]
dct = [float(x) for x in sys.argv[7].split()]
mc, mo, md = statistics.median(cxr), statistics.median(ort), statistics.median(dct)
print(f"recipe model (VGG16 base + head, 15,304,898 params), 224x224, batch 1, {threads} threads")
print(f"{rounds} alternating rounds x {runs} runs; per-round medians: ms per image")
print(f"max |probability difference| libcxrinfer vs ONNX Runtime: {diff}")
print(f"load average at the end: {os.getloadavg()[0]:.2f}")
print()
print(f"{'engine':<28}{'median ms/img':>14}{'min':>9}{'max':>9}{'img/s':>8}")
for name, v, m in (("libcxrinfer (default)", cxr, mc), ("libcxrinfer winograd=0", dct, md),
                   ("ONNX Runtime 1.30 (npm)", ort, mo)):
    print(f"{name:<28}{m:>14.2f}{min(v):>9.2f}{max(v):>9.2f}{1000/m:>8.2f}")
print()
print(f"ratio ONNX Runtime / libcxrinfer = {mo/mc:.3f} (above 1: libcxrinfer is faster)")
print(f"ratio ONNX Runtime / libcxrinfer winograd=0 = {mo/md:.3f}")
PYEOF
