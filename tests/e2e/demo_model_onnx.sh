#!/bin/sh
# demo_model_onnx.sh: the demo's model.onnx, written by cxrprep-mkdemo's own
# protobuf encoder, passes the ONNX checker (Debian python3-onnx, with shape
# inference) and has the graph tools/mkdemo_model.c describes. Skips when no
# Python with the onnx module is installed.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
PY=
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import onnx' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "skip: no python3 with the onnx module (Debian python3-onnx)"; exit 77; }

expect_exit 0 "mkdemo writes the mirror" "$BIN/cxrprep-mkdemo" "$T/m"
cat > "$T/check.py" <<'PYEOF'
import sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
ops = [n.op_type for n in m.graph.node]
want = ["Transpose", "Conv", "Relu", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm", "Softmax"]
assert ops == want, ops
dims = [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
assert dims == ["N", 64, 64, 3], dims
inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
out = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
assert out == ["N", 2], out
raw = {t.name: bool(t.raw_data) for t in m.graph.initializer}
assert raw == {"conv_w": True, "conv_b": False, "fc_w": False, "fc_b": False}, raw
print("onnx checker: ok")
PYEOF
expect_exit 0 "the ONNX checker accepts model.onnx" "$PY" "$T/check.py" "$T/m/model.onnx"
[ "$failed" = 0 ] || cat "$T/stderr" >&2
# and a broken model is refused, so the check above can fail
head -c 600 "$T/m/model.onnx" > "$T/broken.onnx"
"$PY" "$T/check.py" "$T/broken.onnx" >/dev/null 2>&1
check "a truncated model fails the checker" test $? -ne 0
finish
