#!/bin/sh
# score_cli_real.sh: cxrprep-score on ../shared: the 128 real ieee8023
# images and 20 Kermany images decode and score (every form the sources
# hold), and the real exported models of ../shared/models (ten-class MNIST
# from keras2onnx and PyTorch, the four-class tf2onnx plant model) break the
# model contract: exit 4 naming the shapes, in set mode and in --image
# mode, before any image is read. Skips without ../shared.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
shared_or_skip
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "skip: no python3 with onnx and numpy (Debian python3-onnx)"; exit 77; }
SCORE="$BIN/cxrprep-score"
[ -x "$SCORE" ] || { echo "skip: cxrprep-score not built (libcxrinfer absent)"; exit 77; }

cd "$T" || exit 1
"$PY" "$SRC/tests/lib/score_fixture.py" "$T" || { echo "FAIL: fixture"; exit 1; }
cat > real.yaml <<YAML
version: 1
workdir: work-real
sources: {metadata: {url: unused.csv}}
select: {}
score:
  model: model.onnx
  sets:
    - {name: ieee8023, folder: $SHARED/data/ieee8023/images, truth: positive, source: ieee8023}
    - {name: kermany, folder: $SHARED/data/kermany-sample/chest_xray/train/NORMAL, truth: negative, source: kermany}
YAML
expect_exit 0 "real images" "$SCORE" --config real.yaml
check "128 real ieee8023 images scored, none failed" grep -Eq '^ieee8023 +128 +0 ' "$T/stdout"
check "20 Kermany images scored" grep -Eq '^kermany +20 +0 ' "$T/stdout"

img=$SHARED/data/kermany-sample/chest_xray/train/NORMAL/$(ls "$SHARED/data/kermany-sample/chest_xray/train/NORMAL" | head -1)
for m in keras2onnx_mnist_cnn_nhwc:"[N,28,28,1] (NHWC)":"[N,10]" \
         pytorch_mnist_cnn_opset11:"[1,1,28,28] (NCHW)":"[1,10]" \
         tf2onnx_plant_cnn224_nhwc:"[N,224,224,3] (NHWC)":"[N,4]"; do
  name=${m%%:*}; rest=${m#*:}; input=${rest%%:*}; output=${rest#*:}
  f=$SHARED/models/$name.onnx
  [ -f "$f" ] || { bad "$f missing"; continue; }
  expect_exit 4 "$name: set mode" "$SCORE" --config real.yaml --model "$f" --set workdir=work-$name
  check "$name: set mode names the input" stderr_has "$input"
  check "$name: set mode names the output" stderr_has "$output"
  check "$name: set mode says what is expected" stderr_has "one output [N,2] (two classes)"
  check "$name: nothing written" test ! -d work-$name/manifests
  expect_exit 4 "$name: single image mode" "$SCORE" --model "$f" --image "$img"
  check "$name: single image mode names the shapes" stderr_has "$input and output"
  check "$name: single image mode, no answer printed" test ! -s "$T/stdout"
done
finish
