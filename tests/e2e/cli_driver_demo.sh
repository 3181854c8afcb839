#!/bin/sh
# cli_driver_demo.sh: `cxrprep run` over the demo mirror, from local files and
# from a loopback HTTP server: a second run is a no-op, and a config change
# reruns only the steps that depend on the changed key.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
MIRROR=${CXR_BUILD_DIR:?}/demo/mirror
[ -f "$MIRROR/.complete" ] || { echo "skip: demo mirror not built at '$MIRROR'"; exit 77; }
D="$BIN/cxrprep"

# ran STEP...: exactly these steps ran in the last run ("running"), the others did not
ran() {
  got=$(grep ' running (' "$T/stdout" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$*" ] || { echo "ran: '$got', want '$*'" >&2; return 1; }
}
run_demo() { "$D" run "$SRC/config/demo.yaml" --set "workdir=$T/$WORK" \
  --set "fetch.lock_file=$T/$WORK.lock" "$@" $SOURCES; }
status_demo() { "$D" status "$SRC/config/demo.yaml" --set "workdir=$T/$WORK" \
  --set "fetch.lock_file=$T/$WORK.lock" "$@" $SOURCES; }

WORK=local
SOURCES="--set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip --set score.model=$MIRROR/model.onnx"
expect_exit 0 "local: first run" run_demo
check "local: every step ran" ran fetch select images sample layout score
expect_exit 0 "local: second run" run_demo
check "local: second run is a no-op" ran
check "local: all six up to date" [ "$(grep -c ' up to date' "$T/stdout")" = 6 ]
expect_exit 0 "local: status exits 0 when every step is up to date" status_demo
check "local: status, all six up to date" [ "$(grep -c ' up to date' "$T/stdout")" = 6 ]
expect_exit 1 "local: status exits 1 when a step is out of date" status_demo --set score.threshold=0.6
check "local: status names score" grep -q "^score   out of date: config 'score' changed" "$T/stdout"
expect_exit 3 "local: status, a config error keeps its code" status_demo --set score.threshold=2
expect_exit 0 "threshold" run_demo --set score.threshold=0.6
check "threshold: only score" ran score
expect_exit 0 "seed" run_demo --set seed=7
check "seed: sample and what follows" ran sample layout score
expect_exit 0 "back to seed 42" run_demo
expect_exit 0 "kermany limit" run_demo --set sources.kermany.max_entries=2000
check "kermany key: not select, not images" ran fetch sample layout score
touch "$T/$WORK/manifests/sample/normal_train.csv"
expect_exit 0 "touched" run_demo --set sources.kermany.max_entries=2000
check "a touched, unchanged file is not a change" ran
check "the lock file remembers file hashes" grep -q '"file_hashes"' "$T/$WORK/cxrprep-run.lock"
check "no staging directories left" [ -z "$(ls -A "$T/$WORK" "$T/$WORK/manifests" | grep -e '\.tmp\.' -e '\.staging\.')" ]

# The model is an input of score, by its bytes: a weight changed in place, or
# a symlink pointed at another model, makes score out of date (exit 1).
M=$T/model.onnx
SOURCES="--set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip --set score.model=$M"
cp "$MIRROR/model.onnx" "$M"
expect_exit 0 "model: a copy" run_demo --set sources.kermany.max_entries=2000
check "model: a copy at another path reruns score" ran score
check "model: its sha256 is in score's record" grep -q "\"$M\": \"$(sha256sum < "$M" | cut -d' ' -f1)\"" "$T/$WORK/cxrprep-run.lock"
expect_exit 0 "model: status up to date" status_demo --set sources.kermany.max_entries=2000
cp "$T/$WORK/manifests/score/covid_validation.csv" "$T/scores-a.csv"
python3 - "$M" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
old = struct.pack("<4f", 15.0, 1.0, -0.5, -22.0)   # a row of the fc weights (tools/mkdemo_model.c)
assert data.count(old) == 1
open(sys.argv[1], "wb").write(data.replace(old, struct.pack("<4f", 15.5, 1.0, -0.5, -22.0)))
PY
expect_exit 1 "model: a changed weight, status exit 1" status_demo --set sources.kermany.max_entries=2000
check "model: status names the model" grep -q "^score   out of date: '$M' changed" "$T/stdout"
check "model: only score" [ "$(grep -c 'out of date' "$T/stdout")" = 1 ]
expect_exit 0 "model: rerun" run_demo --set sources.kermany.max_entries=2000
check "model: changed weight reruns score" ran score
check "model: and changes the scores" sh -c "! cmp -s '$T/scores-a.csv' '$T/$WORK/manifests/score/covid_validation.csv'"
mv "$M" "$T/model-b.onnx"
cp "$MIRROR/model.onnx" "$T/model-a.onnx"
ln -s model-b.onnx "$M"
expect_exit 0 "model: a symlink to the same bytes is up to date" status_demo --set sources.kermany.max_entries=2000
ln -sfn model-a.onnx "$M"
expect_exit 1 "model: symlink pointed at another model, status exit 1" status_demo --set sources.kermany.max_entries=2000
check "model: symlink retargeted, named" grep -q "^score   out of date: '$M' changed" "$T/stdout"

# the same over http: served by the loopback test server
mkdir -p "$T/srv"
cp "$MIRROR/metadata.csv" "$MIRROR/ChestXRay2017.zip" "$MIRROR"/images/* "$T/srv/"
python3 "$SRC/tests/lib/fetch_server.py" --root "$T/srv" --port-file "$T/port" &
server=$!
python3 "$SRC/tests/lib/fetch_server.py" --wait "$T/port" --pid "$server" >/dev/null ||
  { bad "the loopback server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$T/port")"
WORK=http
SOURCES="--set sources.metadata.url=$base/f/metadata.csv
 --set sources.images.url_template=$base/f/{filename}
 --set sources.kermany.url=$base/f/ChestXRay2017.zip --set score.model=$MIRROR/model.onnx"
expect_exit 0 "http: first run" run_demo
check "http: every step ran" ran fetch select images sample layout score
expect_exit 0 "http: second run" run_demo
check "http: second run is a no-op" ran
check "http: same tree as from local files" cmp -s "$T/local/manifests/layout/tree.sha256" "$T/http/manifests/layout/tree.sha256"
kill "$server" 2>/dev/null
finish
