# serve_lib.sh: what the serve tests share (sourced after lib.sh): the demo
# pipeline run into $T/w from a copy of config/demo.yaml whose exclusions
# file is $T/exclusions.csv, and cxrprep-serve started on a free loopback
# port ($URL, $SERVE_PID) and stopped with SIGTERM. Every request is bounded
# in time (curl --max-time).
MIRROR=${CXR_BUILD_DIR:?run through ctest}/demo/mirror
[ -f "$MIRROR/.complete" ] || { echo "FAIL: the build did not write the demo mirror"; exit 1; }
need curl curl
need python3 python3

cp "$SRC/config/demo.yaml" "$T/demo.yaml"
SETS="--set workdir=$T/w --set fetch.lock_file=$T/w/demo.lock
 --set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip --set score.model=$MIRROR/model.onnx
 --set curation.exclusions=exclusions.csv"
SERVE_PID=""
trap 'serve_kill; rm -rf "$T"' EXIT

# the driver on the test's config, from the source tree (as the README runs it)
demo_run() { (cd "$SRC" && "$BIN/cxrprep" run "$T/demo.yaml" $SETS "$@"); }
demo_status() { (cd "$SRC" && "$BIN/cxrprep" status "$T/demo.yaml" $SETS "$@"); }
# score_image FILE ARGS...: cxrprep-score --image on the same config
score_image() { f=$1; shift; "$BIN/cxrprep-score" --config "$T/demo.yaml" $SETS --image "$f" "$@"; }

serve_kill() { [ -n "$SERVE_PID" ] && kill -KILL "$SERVE_PID" 2>/dev/null; SERVE_PID=""; }

# serve_start [PROGRAM] ARGS...: starts the server (default cxrprep-serve),
# waits up to 30 s for its 'serving URL' line.
serve_start() {
  prog="$BIN/cxrprep-serve"
  [ "${1:-}" = driver ] && { prog="$BIN/cxrprep serve"; shift; }
  $prog "$T/demo.yaml" $SETS --port 0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
  SERVE_PID=$!
  i=0
  while [ $i -lt 300 ]; do
    URL=$(sed -n 's/^serving //p' "$T/serve.out")
    [ -n "$URL" ] && return 0
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1; i=$((i + 1))
  done
  echo "FAIL: the server did not start: $(cat "$T/serve.err")"
  return 1
}

# serve_stop: SIGTERM; the server must exit 0 within 20 s (a watchdog kills it).
serve_stop() {
  pid=$SERVE_PID
  kill -TERM "$pid" || return 1
  ( sleep 20; kill -KILL "$pid" 2>/dev/null ) &
  dog=$!
  wait "$pid"; rc=$?
  kill "$dog" 2>/dev/null
  SERVE_PID=""
  [ "$rc" = 0 ] || { echo "server exit status $rc: $(cat "$T/serve.err")" >&2; return 1; }
}

# http METHOD PATH [curl args...]: the status code in $CODE, the body in $T/body
http() {
  m=$1; p=$2; shift 2
  CODE=$(curl -s --max-time 30 --path-as-is -X "$m" -o "$T/body" -w '%{http_code}' "$@" "${URL%/}$p")
}
# expect_http CODE DESCRIPTION METHOD PATH [curl args...]
expect_http() {
  want=$1; desc=$2; shift 2
  http "$@"
  if [ "$CODE" = "$want" ]; then ok; else bad "$desc: HTTP $CODE, want $want ($(head -c 300 "$T/body"))"; fi
}
# json EXPR: evaluates a python expression over the last body as 'j'
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$T/body"; }
