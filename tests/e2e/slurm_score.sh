#!/bin/sh
# slurm_score.sh: README's Slurm recipe for the score stage, on a real
# single-node cluster (munged, slurmctld, slurmd on loopback, all under the
# test's temp dir: tests/lib/slurm/cluster.sh). The job array of
# `cxrprep-score --shard K/3` (tests/lib/slurm/score.sbatch) with a dependent
# `--merge 3` (merge.sbatch) must write what an unsharded run writes, byte
# for byte. Then README's failure story: shard 2 fails (exit 8 in
# 'scontrol show job'), the dependent merge never runs, a merge run anyway
# refuses naming shard 2, 'sbatch --array=2' reruns only that shard, and the
# merge after it matches the unsharded run. The daemons are stopped on every
# exit. Needs root (SlurmUser=root) and deps/slurm.txt; without them it
# fails, naming the cause.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
. "$SRC/tests/lib/slurm/cluster.sh"
trap 'slurm_down; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
[ "$(id -u)" = 0 ] || { echo "FAIL: slurm: needs root (the test cluster runs as SlurmUser=root)"; exit 1; }
slurm_need
cd "$SRC"
START=$(date +%s)
say() { echo "slurm: [$(( $(date +%s) - START )) s] $*"; }
MIRROR=$CXR_BUILD_DIR/demo/mirror
JOBS=$SRC/tests/lib/slurm
stage_args() { # the demo config, pointed at work dir $1 and the build's mirror
  echo --config config/demo.yaml --set "workdir=$1" --set "fetch.lock_file=$1/demo.lock" \
    --set "sources.metadata.url=$MIRROR/metadata.csv" \
    --set "sources.images.url_template=$MIRROR/images/{filename}" \
    --set "sources.kermany.url=$MIRROR/ChestXRay2017.zip" --set "score.model=$MIRROR/model.onnx"
}

# the demo up to layout once; the reference: an unsharded run in another dir
"$BIN/cxrprep" run config/demo.yaml $(stage_args "$T/base" | sed 's/--config config.demo.yaml//') \
  --to layout --quiet >"$T/prep.log" 2>&1 || { cat "$T/prep.log"; bad "demo up to layout"; finish; exit 1; }
for w in ref happy broken; do cp -a "$T/base" "$T/$w"; done
"$BIN/cxrprep-score" $(stage_args "$T/ref") --quiet 2>"$T/ref.err" ||
  { cat "$T/ref.err"; bad "unsharded score run"; finish; exit 1; }

slurm_up "$T/slurm"
say "cluster up on $SLURM_HOST ($(nproc) CPUs), $SLURM_CONF"
export PATH="$BIN:$PATH"   # the jobs run cxrprep-score as README does
mkdir -p "$T/out"
DEADLINE=$(( $(date +%s) + 180 ))

# submit NAME SBATCH-ARGS... : the job id; its output in $T/out/NAME.out
# (NAME may hold sbatch's %a, the array task)
submit() {
  name=$1; shift
  sbatch --parsable --output="$T/out/$name.out" "$@" | cut -d';' -f1
}
# settle JOBID: waits (up to the test's deadline) until the job has ended or
# can never start; its tasks' 'JOBID_K STATE EXIT REASON' lines in $T/jobs
settle() {
  left=$(( DEADLINE - $(date +%s) ))
  [ "$left" -gt 0 ] || left=1
  slurm_wait_job "$1" "$left" >"$T/jobs" && return 0
  bad "job $1 did not end within 180 s: $(cat "$T/jobs")"
  slurm_logs
  return 1
}
state_is() { # state_is JOBID[_K] 'STATE EXIT [REASON]'
  got=$(awk -v id="$1" '$1 == id { print $2, $3, $4 }' "$T/jobs")
  case "$got " in "$2 "*) return 0 ;; esac
  echo "job $1: '$got', want '$2'" >&2
  return 1
}
# same_as_unsharded WORKDIR: what the merge wrote is what the unsharded run
# wrote (the CSVs, the per-set JSONs, summary.json and report.html); only
# shards/, the merge's input, is left out: an unsharded run has none
same_as_unsharded() {
  diff -r -x shards "$T/ref/manifests/score" "$1/manifests/score" >"$T/diff" 2>&1 &&
    [ -f "$1/manifests/score/summary.json" ] && [ -f "$1/manifests/score/report.html" ] && return 0
  head -n 20 "$T/diff" >&2
  return 1
}

# 1. the documented array and its dependent merge
jid=$(submit happy-score-%a "$JOBS/score.sbatch" $(stage_args "$T/happy"))
mid=$(submit happy-merge --dependency=afterok:"$jid" "$JOBS/merge.sbatch" $(stage_args "$T/happy"))
check "array and merge submitted ('$jid', '$mid')" test -n "$jid" -a -n "$mid"
if settle "$mid"; then
  check "merge job completed" state_is "$mid" "COMPLETED 0:0"
  settle "$jid"
  for k in 1 2 3; do check "shard $k completed" state_is "${jid}_$k" "COMPLETED 0:0"; done
  check "three shard directories" [ -f "$T/happy/manifests/score/shards/3-of-3/shard.json" ]
  check "merged outputs are byte-identical to the unsharded run" same_as_unsharded "$T/happy"
fi

say "array $jid and merge $mid done"

# 2. shard 2 fails: its exit code, the merge that never starts
jid=$(submit broken-score-%a --export=ALL,BREAK_TASK=2 "$JOBS/score.sbatch" \
      $(stage_args "$T/broken"))
mid=$(submit broken-merge --dependency=afterok:"$jid" "$JOBS/merge.sbatch" $(stage_args "$T/broken"))
if settle "$jid"; then
  check "shard 1 completed" state_is "${jid}_1" "COMPLETED 0:0"
  check "shard 3 completed" state_is "${jid}_3" "COMPLETED 0:0"
  check "shard 2 failed with exit 8 (missing file)" state_is "${jid}_2" "FAILED 8:0 NonZeroExitCode"
  grep -q "model: cannot open '/nonexistent/model.onnx'" "$T/out/broken-score-2.out" ||
    bad "shard 2's output does not name the missing model: $(cat "$T/out/broken-score-2.out")"
fi
settle "$mid" && check "the dependent merge never starts" \
  state_is "$mid" "PENDING 0:0 DependencyNeverSatisfied"
scancel "$mid"
check "the merge job wrote nothing" [ ! -e "$T/broken/manifests/score/summary.json" ]
say "shard 2 of array $jid failed, merge $mid cancelled"
# a merge run anyway refuses, naming the shard to rerun
fid=$(submit broken-force "$JOBS/merge.sbatch" $(stage_args "$T/broken"))
if settle "$fid"; then
  check "a merge without shard 2 fails with exit 8" state_is "$fid" "FAILED 8:0"
  grep -q "shard 2 of 3 is missing: no '.*shards/2-of-3/shard.json' (run 'cxrprep-score --shard 2/3' first)" \
    "$T/out/broken-force.out" || bad "the merge's message: $(cat "$T/out/broken-force.out")"
fi
check "the refused merge wrote nothing" [ ! -e "$T/broken/manifests/score/summary.json" ]

say "merge $fid refused"

# 3. rerun only shard 2, then the merge again
rid=$(submit broken-rerun-%a --array=2 "$JOBS/score.sbatch" $(stage_args "$T/broken"))
mid=$(submit broken-remerge --dependency=afterok:"$rid" "$JOBS/merge.sbatch" $(stage_args "$T/broken"))
if settle "$mid"; then
  check "the merge after the rerun completed" state_is "$mid" "COMPLETED 0:0"
  settle "$rid" && check "shard 2 rerun completed" state_is "${rid}_2" "COMPLETED 0:0"
  check "after the rerun, byte-identical to the unsharded run" same_as_unsharded "$T/broken"
fi

say "shard 2 rerun ($rid) and merge $mid done"

# the daemons stop, and none is left behind
pids="$SLURM_PIDS $MUNGED_PID"
slurm_down
for pid in $pids; do
  check "daemon $pid stopped" sh -c "! kill -0 $pid 2>/dev/null"
done
say "daemons stopped"
finish
