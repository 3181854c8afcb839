#!/bin/sh
# infer_models.sh: whole-model tests of libcxrinfer. The three real exported
# models in ../shared/models and small generated models in each exporter's
# style (tests/lib/infer_gen_models.py, asymmetric random weights) are run on
# random images by both paths (oneDNN with and without Winograd, and the
# reference) and by ONNX Runtime
# (npm onnxruntime-node, installed into the build directory on first use),
# plus, with python3-torch, models exported by torch.onnx.export itself:
# every output must agree within 1e-4. Broken models must fail to load with
# a message naming the node and op. Skips (77) when python3-onnx is missing;
# without Node.js/ONNX Runtime it checks oneDNN against the reference only,
# says so, and ends with 77.
set -u
tool="$CXR_BIN_DIR/infer_tool"
src="$CXR_SOURCE_DIR"
work=$(mktemp -d "${TMPDIR:-/tmp}/cxr-infer-models-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0

PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
  echo "skip: no python3 with the onnx and numpy modules (Debian python3-onnx, python3-numpy)"
  exit 77
fi

# ONNX Runtime from npm, into the build directory (never into the repo).
ort_dir="$CXR_BUILD_DIR/ort"
have_ort=0
if command -v node >/dev/null 2>&1; then
  if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ] && command -v npm >/dev/null 2>&1; then
    mkdir -p "$ort_dir"
    (cd "$ort_dir" && ONNXRUNTIME_NODE_INSTALL=skip timeout 600 npm install --no-audit --no-fund \
       --fetch-retries=1 --fetch-timeout=60000 onnxruntime-node@1.30.0 >"$ort_dir/npm.log" 2>&1) ||
      echo "note: npm install failed, see $ort_dir/npm.log"
  fi
  if NODE_PATH="$ort_dir/node_modules" node -e 'require("onnxruntime-node")' 2>/dev/null; then
    have_ort=1
  fi
fi
[ $have_ort = 1 ] || echo "note: ONNX Runtime (npm onnxruntime-node@1.30.0) unavailable: comparing oneDNN with the reference path only"

"$PY" "$src/tests/lib/infer_gen_models.py" "$work/gen" || { echo "FAIL: model generation"; exit 1; }

models="$work/gen/tf2onnx_style.onnx $work/gen/keras2onnx_style.onnx $work/gen/pytorch_style.onnx $work/gen/dynamo_style.onnx"
models="$models $work/gen/softmax_opset11.onnx $work/gen/softmax_opset13.onnx"
models="$models $work/gen/relu_out_conv.onnx $work/gen/relu_out_dense.onnx"
# models from the real PyTorch exporter, where python3-torch is installed
"$PY" "$src/tests/lib/infer_torch_models.py" "$work/torch" >"$work/torch.log" 2>&1; rc=$?
if [ $rc = 0 ]; then
  models="$models $work/torch/torch_cnn_opset11.onnx $work/torch/torch_cnn_bn_opset13.onnx"
elif [ $rc = 3 ]; then
  echo "note: python3-torch not installed: no models from the PyTorch exporter itself"
else
  cat "$work/torch.log"; echo "FAIL: PyTorch export"; fail=1
fi
if [ -d "$CXR_SHARED_DIR/models" ]; then
  models="$models $CXR_SHARED_DIR/models/tf2onnx_plant_cnn224_nhwc.onnx"
  models="$models $CXR_SHARED_DIR/models/keras2onnx_mnist_cnn_nhwc.onnx"
  models="$models $CXR_SHARED_DIR/models/pytorch_mnist_cnn_opset11.onnx"
else
  echo "note: $CXR_SHARED_DIR/models absent: real exported models not tested"
fi

# compare A B: the largest absolute difference must be at most 1e-4
compare() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, numpy as np
a = np.fromfile(sys.argv[1], np.float32); b = np.fromfile(sys.argv[2], np.float32)
if a.size == 0 or a.shape != b.shape or not np.all(np.isfinite(a)):
    print("sizes %d and %d" % (a.size, b.size)); sys.exit(1)
d = float(np.abs(a - b).max())
print("max |diff| %.2e" % d)
sys.exit(0 if d <= 1e-4 else 1)
PYEOF
}

for m in $models; do
  name=$(basename "$m" .onnx)
  info=$("$tool" info "$m") || { echo "FAIL: $name: cannot load"; fail=1; continue; }
  set -- $info
  batch=$2 h=$4 w=$6 c=$8 layout=${10}
  n=3; [ "$batch" = 0 ] || n=$batch
  [ "$batch" = 1 ] && n=2
  "$PY" -c "import numpy as np; np.random.seed(7); np.random.rand($n,$h,$w,$c).astype(np.float32).tofile('$work/$name.in')"
  for be in ref dnnl dnnl-direct; do
    "$tool" run "$m" "$work/$name.in" "$work/$name.$be" "$n" $be 2 || { echo "FAIL: $name: $be run"; fail=1; }
  done
  for be in dnnl dnnl-direct; do
    printf '%s: %s vs reference: ' "$name" $be; compare "$work/$name.$be" "$work/$name.ref" || { echo "FAIL: $name: $be vs reference"; fail=1; }
  done
  if [ $have_ort = 1 ]; then
    NODE_PATH="$ort_dir/node_modules" node "$src/tests/lib/infer_ort.js" "$m" "$work/$name.in" \
      "$work/$name.ort" "$n" "$h" "$w" "$c" "$layout" "$batch" || { echo "FAIL: $name: onnxruntime"; fail=1; continue; }
    for be in ref dnnl dnnl-direct; do
      printf '%s: %s vs onnxruntime: ' "$name" "$be"; compare "$work/$name.$be" "$work/$name.ort" || { echo "FAIL: $name: $be vs onnxruntime"; fail=1; }
    done
  fi
done

# broken models: a clear error naming the node and the op, never a crash
expect_error() {
  out=$("$tool" info "$1" 2>&1); rc=$?
  if [ $rc -ne 1 ] || ! printf '%s' "$out" | grep -q "$2"; then
    echo "FAIL: $(basename "$1"): exit $rc, message: $out (want '$2')"; fail=1
  else
    echo "ok: $(basename "$1"): $out"
  fi
}
expect_error "$work/gen/bad_unsupported.onnx" "node 'erf_1' ('Erf'): op 'Erf' is not supported"
expect_error "$work/gen/bad_shape.onnx" "node 'conv_b' ('Conv'): input has 3 channels, the weights expect 4"
expect_error "$work/gen/bad_cycle.onnx" "is part of a cycle"

[ $fail = 0 ] || exit 1
[ $have_ort = 1 ] || exit 77
echo "all models agree with ONNX Runtime within 1e-4"
