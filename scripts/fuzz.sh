#!/bin/sh
# fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer targets (tests/fuzz/)
# and runs each for SECONDS (default 60), as many at once as there are
# cores. The corpus each run grows is kept between runs in a scratch
# directory, never in the repository; crashing inputs are named at the end
# (commit them under tests/fuzz/regressions/TARGET/ with the fix).
#   CXR_FUZZ_BUILD  where to build (default build/fuzz, beside ctest's copy)
#   CXR_FUZZ_WORK   scratch corpora and logs (default $TMPDIR/cxrprep-fuzz)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-csv select config onnx image zip}
build=${CXR_FUZZ_BUILD:-$top/build/fuzz}
work=${CXR_FUZZ_WORK:-${TMPDIR:-/tmp}/cxrprep-fuzz}
jobs=$(nproc 2>/dev/null || echo 2)

sh "$top/tests/fuzz/fuzz_build.sh" "$build"
mkdir -p "$work"
running=0
for t in $targets; do
  rm -f "$work/$t.status"
  echo "fuzz: $t for ${seconds}s (log: $work/$t.log)"
  ( if sh "$top/tests/fuzz/fuzz_run.sh" "$build" "$t" "$seconds" "$work/$t" \
         >"$work/$t.log" 2>&1; then echo ok >"$work/$t.status"
    else echo failed >"$work/$t.status"; fi ) &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
done
wait
failed=""
for t in $targets; do
  if [ "$(cat "$work/$t.status" 2>/dev/null)" = ok ]; then
    echo "fuzz: $t: ok ($(find "$work/$t/corpus" -type f | wc -l) corpus inputs)"
  else
    failed="$failed $t"
    echo "fuzz: $t: FAILED; the end of $work/$t.log:"
    tail -n 40 "$work/$t.log"
  fi
done
[ -z "$failed" ] || { echo "fuzz: failing targets:$failed" >&2; exit 1; }
