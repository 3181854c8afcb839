#!/bin/sh
# cli_driver_oom.sh: out of memory in the driver (`cxrprep`), the way
# tests/e2e/oom_sweep.sh does it for the stages: `cxrprep status`, `cxrprep
# run` with nothing to do, `run --dry-run` and `run --force` (which starts
# cxrprep-select, whose allocation N fails as well) run with the Nth
# allocation failing (tests/lib/failmalloc.c), for every N up to DENSE (60) and a
# sample of the rest. Each run exits as a clean run does, or exits 10 with
# "out of memory" on stderr; the lock file stays the one before or becomes
# a whole new one (never cut off); never an abort, a crash or another code.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
need python3 python3
SHIM=$CXR_BUILD_DIR/tests/libfailmalloc.so
[ -f "$SHIM" ] || { echo "FAIL: $SHIM not built"; exit 1; }
# every allocation up to DENSE, then POINTS in all, per sweep
DENSE=${CXR_OOM_DENSE:-60}
POINTS=${CXR_OOM_POINTS:-110}
two_row_select_config
"$BIN/cxrprep" run "$T/c.yaml" --from select --to select >/dev/null 2>&1 || { bad "first run"; finish; exit 1; }
cp -a "$T/work" "$T/base"
# a whole lock file: JSON with a "steps" object
whole_lock() { python3 -c "import json, sys; assert isinstance(json.load(open(sys.argv[1]))['steps'], dict)" "$1" 2>/dev/null; }

# sweep NAME WANT ARGS...: the driver with ARGS, clean (exit WANT), then
# with allocation N failing
sweep() {
  name=$1 want=$2; shift 2
  rm -rf "$T/work"; cp -a "$T/base" "$T/work"
  CXR_COUNT_ALLOC=$T/count LD_PRELOAD=$SHIM "$BIN/cxrprep" "$@" >"$T/ref.out" 2>"$T/ref.err"
  rc=$?
  [ "$rc" = "$want" ] || { bad "$name: clean run exit $rc, want $want: $(head -c 300 "$T/ref.err")"; return; }
  total=$(cat "$T/count")
  step=$(( total > DENSE ? (total - DENSE) / (POINTS - DENSE) + 1 : 1 ))
  n=1 runs=0 nomem=0
  while [ "$n" -le "$total" ]; do
    rm -rf "$T/work"; cp -a "$T/base" "$T/work"
    CXR_FAIL_ALLOC=$n LD_PRELOAD=$SHIM "$BIN/cxrprep" "$@" >"$T/out" 2>"$T/err"
    rc=$? runs=$((runs + 1))
    case $rc in
      "$want") cmp -s "$T/out" "$T/ref.out" || bad "$name: allocation $n: exit $rc but other output" ;;
      10) nomem=$((nomem + 1))
          grep -q "out of memory" "$T/err" ||
            bad "$name: allocation $n: exit 10 without 'out of memory': $(head -c 200 "$T/err")" ;;
      *) bad "$name: allocation $n: exit $rc, want $want or 10: $(head -c 300 "$T/err")" ;;
    esac
    cmp -s "$T/work/cxrprep-run.lock" "$T/base/cxrprep-run.lock" ||
      whole_lock "$T/work/cxrprep-run.lock" || bad "$name: allocation $n: lock file cut off"
    if [ "$n" -lt "$DENSE" ]; then n=$((n + 1)); else n=$((n + step)); fi
  done
  echo "$name: $total allocations, $runs runs, $nomem out of memory"
  check "$name: some runs ran out of memory" [ "$nomem" -gt 0 ]
}

sweep status 0 status "$T/c.yaml" --from select --to select
sweep "run, up to date" 0 run "$T/c.yaml" --from select --to select
sweep "dry run" 0 run "$T/c.yaml" --from select --to select --dry-run --force
sweep "run --force" 0 run "$T/c.yaml" --from select --to select --force
finish
