#!/bin/sh
# progress_cli.sh: the progress lines of cxrprep-sample and cxrprep-layout
# on the demo mirror: redrawn in place (carriage returns) when stderr is a
# terminal (under script(1)), none at all when stderr is a file, and none
# with --quiet; the summary lines are the same either way.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
MIRROR=${CXR_BUILD_DIR:?}/demo/mirror
[ -f "$MIRROR/.complete" ] || { echo "skip: demo mirror not built at '$MIRROR'"; exit 77; }
need script util-linux
sed -e "s|build/demo/mirror|$MIRROR|g" -e "s|build/demo/work|$T/work|g" \
  "$SRC/config/demo.yaml" > "$T/demo.yaml"
expect_exit 0 "select" "$BIN/cxrprep-select" --config "$T/demo.yaml"
cr() { tr -cd '\r' < "$1" | wc -c; }
# tty FILE STAGE ARGS...: runs the stage on a terminal; the terminal's output in FILE
tty() { out=$1; shift; script -qec "$*" /dev/null > "$out" 2>&1; }

for stage in sample layout; do
  cmd="$BIN/cxrprep-$stage --config $T/demo.yaml"
  [ "$stage" = layout ] && cmd="$cmd --force"
  expect_exit 0 "$stage on a terminal" tty "$T/$stage.tty" "$cmd"
  check "$stage redraws its progress on a terminal" [ "$(cr "$T/$stage.tty")" -gt 1 ]
  check "$stage's progress line has a count and a rate" grep -q "$stage: [0-9/]* [a-z]*, [-0-9.]* [a-z]*/s" "$T/$stage.tty"
  check "$stage's summary follows" grep -q "$stage: [0-9]* [a-z]* in\|$stage: [0-9]* files (" "$T/$stage.tty"
  $cmd > "$T/$stage.out" 2> "$T/$stage.err"; rc=$?
  check "$stage into files exits 0" [ "$rc" = 0 ]
  check "$stage's stderr in a file has no carriage return" [ "$(cr "$T/$stage.err")" = 0 ]
  check "$stage's stderr in a file is empty" [ ! -s "$T/$stage.err" ]
  check "$stage's stdout in a file has no carriage return" [ "$(cr "$T/$stage.out")" = 0 ]
  check "$stage's stdout has its summary" grep -q "^$stage: " "$T/$stage.out"
  expect_exit 0 "$stage --quiet on a terminal" tty "$T/$stage.quiet" "$cmd --quiet"
  check "$stage --quiet prints nothing on a terminal" [ ! -s "$T/$stage.quiet" ]
done
check "layout's line has an ETA" grep -q "layout: [0-9]*/[0-9]* files, .*ETA" "$T/layout.tty"
# the tree is the same whatever the output
check "the demo's tree" grep -q "^8f5e0180900265bbfaf9ffa9c7f18215fbef36fa23d4a965e52a2f21abab2e1c " \
  "$T/work/manifests/layout/tree.sha256"
finish
