#!/bin/sh
# oom_sweep.sh STAGE: out of memory, the way sqlite tests it. Runs one stage
# (select, sample, layout or score) on the demo with the Nth allocation of
# its main() failing (tests/lib/failmalloc.c, LD_PRELOAD), for every N up to
# DENSE (100) and then a sample of the rest, and checks each run: exit 0 with
# the same outputs as a clean run, or exit 10 with "out of memory" on stderr
# and the stage's outputs not in place (never abort, a crash, another exit
# code or a misleading message).
#
# select fails every allocation of the process, libyaml's, jansson's and
# libc's included. The stages that read the Kermany archive or run the
# engine fail only the project's own allocations (CXR_FAIL_ALLOC_OWN): the
# executable and libcxrinfer. libarchive exits 1 ("Fatal Internal Error in
# libarchive: No memory") on some of its own, and oneDNN and libgomp have
# their own behaviour: that is theirs to fix, not a result of this sweep.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
STAGE=${1:?stage}
SHIM=$CXR_BUILD_DIR/tests/libfailmalloc.so
[ -f "$SHIM" ] || { echo "FAIL: $SHIM not built"; exit 1; }
# the suite's budget: every allocation up to DENSE, then POINTS in all
# (CXR_OOM_DENSE=400 CXR_OOM_POINTS=2000 for a thorough sweep)
DENSE=${CXR_OOM_DENSE:-100}
POINTS=${CXR_OOM_POINTS:-180}
[ "$STAGE" = select ] || export CXR_FAIL_ALLOC_OWN=1
cd "$SRC"
MIRROR=$CXR_BUILD_DIR/demo/mirror
stage_args() { # the demo config, pointed at work dir $1
  echo --config config/demo.yaml --set "workdir=$1" --set "fetch.lock_file=$1/demo.lock" \
    --set "sources.metadata.url=$MIRROR/metadata.csv" \
    --set "sources.images.url_template=$MIRROR/images/{filename}" \
    --set "sources.kermany.url=$MIRROR/ChestXRay2017.zip" --set "score.model=$MIRROR/model.onnx" \
    --set score.threads=1 --set layout.threads=1 --quiet
}
# what the stage writes (its manifests, and the trees for layout)
outputs() { case $STAGE in layout) echo "manifests/layout datasets" ;; *) echo "manifests/$STAGE" ;; esac; }

# a work dir with every stage before STAGE done
prev=""
for s in fetch select images sample layout score; do
  [ "$s" = "$STAGE" ] && break
  prev="$prev $s"
done
"$BIN/cxrprep" run config/demo.yaml $(stage_args "$T/base" | sed 's/--config config.demo.yaml//') \
  --to "$(echo $prev | awk '{print $NF}')" >"$T/prep.log" 2>&1 || { cat "$T/prep.log"; bad "prepare"; finish; exit 1; }
# the reference run and its allocation count
cp -a "$T/base" "$T/ref"
CXR_COUNT_ALLOC=$T/count LD_PRELOAD=$SHIM "$BIN/cxrprep-$STAGE" $(stage_args "$T/ref") \
  >/dev/null 2>"$T/ref.err" || { cat "$T/ref.err"; bad "reference run"; finish; exit 1; }
total=$(cat "$T/count")
echo "$STAGE: $total allocations"
step=$(( total > DENSE ? (total - DENSE) / (POINTS - DENSE) + 1 : 1 ))

n=1; runs=0; nomem=0
while [ "$n" -le "$total" ]; do
  rm -rf "$T/w"; cp -al "$T/base" "$T/w"
  CXR_FAIL_ALLOC=$n LD_PRELOAD=$SHIM "$BIN/cxrprep-$STAGE" $(stage_args "$T/w") \
    >/dev/null 2>"$T/err"
  rc=$?; runs=$((runs + 1))
  case $rc in
    0) for o in $(outputs); do
         diff -r -x '*.lock' "$T/ref/$o" "$T/w/$o" >/dev/null ||
           bad "allocation $n: exit 0 but $o differs from a clean run"
       done ;;
    10) nomem=$((nomem + 1))
        grep -q "out of memory" "$T/err" || bad "allocation $n: exit 10 without 'out of memory': $(head -c 200 "$T/err")"
        for o in $(outputs); do
          [ -e "$T/w/$o/summary.json" ] || [ -e "$T/w/$o/tree.sha256" ] &&
            bad "allocation $n: exit 10 but $o is in place"
        done ;;
    *) bad "allocation $n: exit $rc, want 0 or 10: $(head -c 300 "$T/err")" ;;
  esac
  if [ "$n" -lt "$DENSE" ]; then n=$((n + 1)); else n=$((n + step)); fi
done
echo "$STAGE: $runs runs, $nomem out of memory, $((runs - nomem)) succeeded"
check "some runs hit an allocation failure" [ "$nomem" -gt 0 ]
finish
