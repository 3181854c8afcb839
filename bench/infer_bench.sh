#!/bin/sh
# infer_bench.sh: libcxrinfer against ONNX Runtime 1.30 (npm onnxruntime-node)
# on the recipe's model shape (bench/infer_vgg_model.py: VGG16 base at
# 224x224 + AveragePool 2x2, flatten, Dense 128 relu, Dropout, Dense 2
# softmax; 15,304,898 random parameters, 61 MB), in two exports: 'vgg'
# (tf2onnx style, NHWC) and 'vgg_pt' (torch.onnx.export, NCHW; only where
# python3-torch is installed). Same model, input and thread count for both
# engines, every figure and its baseline from the same run:
#
#   ms per image        each round times RUNS single-image runs after a
#                       warm-up and keeps their median: 'as shipped' (as
#                       cxrprep-score runs the engine, OpenMP threads that
#                       wait passively, against ONNX Runtime's default
#                       spinning), both spinning, libcxrinfer with
#                       winograd=0 (direct convolution only), both engines
#                       with threads that wait without spinning
#                       (OMP_WAIT_POLICY=passive; allow_spinning=0), and
#                       both on 1 thread
#   load                cxrinfer_model_load against ONNX Runtime's session
#                       creation, each in a fresh process
#   first image         the first run after loading
#   peak RSS            VmHWM of a fresh process that loads the model and
#                       runs one image (ONNX Runtime's process is Node.js:
#                       its own peak before creating the session is shown)
#   probabilities       max |difference| of the two engines on 2 images
#
# Rounds alternate the engines so that a busy machine hurts both alike; the
# table shows the median of the rounds and the ratio ONNX Runtime /
# libcxrinfer (above 1: libcxrinfer is faster or smaller).
#
#   bench/infer_bench.sh [BUILD_DIR] [THREADS] [ROUNDS] [RUNS]
# defaults: build 2 3 10. Needs python3-onnx/numpy, node and npm (ONNX
# Runtime is installed into BUILD_DIR/ort on first use).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd) || { echo "infer_bench: no build directory '${1:-$top/build}'" >&2; exit 1; }
threads=${2:-2}
rounds=${3:-3}
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
work=$(mktemp -d "${TMPDIR:-/tmp}/cxr-infer-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")

# the models: name, file, layout
models="vgg"
[ -f "$build/bench-vgg16-head.onnx" ] || "$PY" "$top/bench/infer_vgg_model.py" "$build/bench-vgg16-head.onnx"
if [ -f "$build/bench-vgg16-head-pt.onnx" ] ||
   "$PY" "$top/bench/infer_vgg_model.py" --pytorch "$build/bench-vgg16-head-pt.onnx" >"$work/pt.log" 2>&1; then
  models="vgg vgg_pt"
else
  echo "note: no 'vgg_pt' (python3-torch missing or the export failed: $(tail -1 "$work/pt.log"))"
fi
model_file() { [ "$1" = vgg ] && echo "$build/bench-vgg16-head.onnx" || echo "$build/bench-vgg16-head-pt.onnx"; }
model_layout() { [ "$1" = vgg ] && echo NHWC || echo NCHW; }

# ONNX Runtime in a fresh Node.js process, like infer_tool:
#   ort_run.js load MODEL LAYOUT THREADS: 'create_ms first_ms base_kb load_kb peak_kb'
#   ort_run.js bench MODEL LAYOUT THREADS RUNS SPIN: the median ms of RUNS images
#     (SPIN 0: worker threads wait without spinning, session.intra_op.allow_spinning)
cat >"$work/ort_run.js" <<'JSEOF'
'use strict';
const ort = require('onnxruntime-node');
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
async function main() {
  const [mode, model, layout] = process.argv.slice(2, 5);
  const threads = Number(process.argv[5]), runs = Number(process.argv[6] || 0);
  const base = process.resourceUsage().maxRSS;
  const opts = { graphOptimizationLevel: 'all', executionMode: 'sequential' };
  if (threads > 0) { opts.intraOpNumThreads = threads; opts.interOpNumThreads = 1; }
  if (process.argv[7] === '0') opts.extra = { session: { intra_op: { allow_spinning: '0' } } };
  let t0 = process.hrtime.bigint();
  const sess = await ort.InferenceSession.create(model, opts);
  const create = ms(t0), loaded = process.resourceUsage().maxRSS;
  const data = new Float32Array(224 * 224 * 3);
  let s = 12345;
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; data[i] = ((s >>> 8) & 0xffff) / 65535; }
  const dims = layout === 'NCHW' ? [1, 3, 224, 224] : [1, 224, 224, 3];
  const feed = { [sess.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  t0 = process.hrtime.bigint();
  await sess.run(feed);
  const first = ms(t0);
  if (mode === 'load') {
    console.log(create.toFixed(1), first.toFixed(1), base, loaded, process.resourceUsage().maxRSS);
    return;
  }
  const t = [];
  for (let r = 0; r < runs; r++) { t0 = process.hrtime.bigint(); await sess.run(feed); t.push(ms(t0)); }
  t.sort((a, b) => a - b);
  console.log(t[Math.floor(runs / 2)].toFixed(2));
}
main().catch((e) => { console.error('ort_run: ' + e.message); process.exit(1); });
JSEOF
ort_node() { NODE_PATH="$ort/node_modules" node "$@"; }

# same answers first
"$PY" -c "import numpy as np; np.random.seed(3); np.random.rand(2,224,224,3).astype(np.float32).tofile('$work/in.f32')"
for m in $models; do
  f=$(model_file $m)
  "$tool" run "$f" "$work/in.f32" "$work/$m.cxr" 2 dnnl "$threads"
  ort_node "$top/tests/lib/infer_ort.js" "$f" "$work/in.f32" "$work/$m.ort" 2 224 224 3 "$(model_layout $m)" 0 "$threads"
  "$PY" -c "import numpy as np; a=np.fromfile('$work/$m.cxr',np.float32); b=np.fromfile('$work/$m.ort',np.float32); print('%.2e' % np.abs(a-b).max())" >"$work/$m.diff"
done

# rounds: every figure of every model, the engines alternating
i=0
while [ $i -lt "$rounds" ]; do
  for m in $models; do
    f=$(model_file $m)
    l=$(model_layout $m)
    "$tool" load "$f" "$threads" dnnl >>"$work/$m.cxr_load"
    ort_node "$work/ort_run.js" load "$f" "$l" "$threads" >>"$work/$m.ort_load"
    "$tool" bench "$f" "$runs" "$threads" dnnl >>"$work/$m.cxr_ms"
    ort_node "$work/ort_run.js" bench "$f" "$l" "$threads" "$runs" 1 >>"$work/$m.ort_ms"
    "$tool" bench "$f" "$runs" "$threads" dnnl-direct >>"$work/$m.direct_ms"
    OMP_WAIT_POLICY=passive "$tool" bench "$f" "$runs" "$threads" dnnl >>"$work/$m.cxr_passive"
    ort_node "$work/ort_run.js" bench "$f" "$l" "$threads" "$runs" 0 >>"$work/$m.ort_passive"
    "$tool" bench "$f" "$runs" 1 dnnl >>"$work/$m.cxr_one"
    ort_node "$work/ort_run.js" bench "$f" "$l" 1 "$runs" 1 >>"$work/$m.ort_one"
  done
  i=$((i + 1))
done

"$PY" - "$work" "$threads" "$rounds" "$runs" "$load_start" $models <<'PYEOF'
import os, statistics, sys
work, threads, rounds, runs, load_start = sys.argv[1:6]
models = sys.argv[6:]
def col(path, k):
    return [float(line.split()[k]) for line in open(path) if line.strip()]
def med(path, k=0):
    return statistics.median(col(path, k))
print(f"libcxrinfer vs ONNX Runtime 1.30 (npm), recipe model (VGG16 base + head, 15,304,898 params), "
      f"224x224, batch 1, {threads} threads")
print(f"medians of {rounds} alternating rounds; ms per image: the median of {runs} runs in each round")
print(f"load average: {load_start} at the start, {os.getloadavg()[0]:.2f} at the end")
print()
print(f"{'model':<8}{'figure':<40}{'libcxrinfer':>13}{'ONNX Runtime':>14}{'ORT/cxr':>9}")
def row(model, figure, cxr, ort, fmt):
    ratio = f"{ort / cxr:>9.2f}" if ort is not None and cxr else ""
    ort_s = format(ort, fmt) if ort is not None else "-"
    print(f"{model:<8}{figure:<40}{format(cxr, fmt):>13}{ort_s:>14}{ratio}")
for m in models:
    p = lambda name: os.path.join(work, f"{m}.{name}")
    row(m, "ms per image, as shipped", med(p("cxr_passive")), med(p("ort_ms")), ".2f")
    row(m, "ms per image, threads spin (both)", med(p("cxr_ms")), med(p("ort_ms")), ".2f")
    row(m, "ms per image, spin, winograd=0", med(p("direct_ms")), med(p("ort_ms")), ".2f")
    row(m, "ms per image, threads wait passively", med(p("cxr_passive")),
        med(p("ort_passive")), ".2f")
    row(m, "ms per image, 1 thread", med(p("cxr_one")), med(p("ort_one")), ".2f")
    row(m, "load / session creation, ms", med(p("cxr_load"), 0), med(p("ort_load"), 0), ".1f")
    row(m, "first image after load, ms", med(p("cxr_load"), 1), med(p("ort_load"), 1), ".1f")
    row(m, "peak RSS after load, MB", med(p("cxr_load"), 3) / 1024, med(p("ort_load"), 3) / 1024, ".1f")
    row(m, "peak RSS, load + 1 image, MB", med(p("cxr_load"), 4) / 1024,
        med(p("ort_load"), 4) / 1024, ".1f")
    row(m, "  process before loading, MB", med(p("cxr_load"), 2) / 1024,
        med(p("ort_load"), 2) / 1024, ".1f")
    print(f"{m:<8}{'max |probability difference|':<40}{open(p('diff')).read().strip():>13}")
print()
print("'As shipped': each engine as its program runs it by default: cxrprep-score and")
print("cxrprep-serve set OMP_WAIT_POLICY=passive unless the user set it (cmd/openmp_passive.c);")
print("ONNX Runtime's threads spin (its default).")
print("ORT/cxr above 1: libcxrinfer is faster or smaller. ONNX Runtime's RSS is that of its")
print("Node.js process (the row 'process before loading' is Node.js itself). 'Threads wait")
print("passively': OMP_WAIT_POLICY=passive for libcxrinfer, session.intra_op.allow_spinning=0")
print("for ONNX Runtime; on a machine busier than its cores, spinning threads wait for")
print("preempted ones at every barrier, and this row and the 1-thread row show the engines")
print("without that.")
PYEOF
