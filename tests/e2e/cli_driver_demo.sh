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

WORK=local
SOURCES="--set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip --set score.model=$MIRROR/model.onnx"
expect_exit 0 "local: first run" run_demo
check "local: every step ran" ran fetch select images sample layout score
expect_exit 0 "local: second run" run_demo
check "local: second run is a no-op" ran
check "local: all six up to date" [ "$(grep -c ' up to date' "$T/stdout")" = 6 ]
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

# the same over http: served by the loopback test server
mkdir -p "$T/srv"
cp "$MIRROR/metadata.csv" "$MIRROR/ChestXRay2017.zip" "$MIRROR"/images/* "$T/srv/"
python3 "$SRC/tests/lib/fetch_server.py" --root "$T/srv" --port-file "$T/port" &
server=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
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
