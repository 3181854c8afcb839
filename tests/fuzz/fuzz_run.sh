#!/bin/sh
# fuzz_run.sh BUILD_DIR TARGET SECONDS [WORK_DIR]: replays the committed
# inputs of one libFuzzer target (tests/fuzz/regressions/TARGET/, each at
# full size, then tests/fuzz/corpus/TARGET/), then fuzzes it for SECONDS.
# WORK_DIR gets the corpus the run grows (corpus/, kept between runs), the
# failing inputs (artifacts/) and the targets' scratch files (tmp/); without
# it, BUILD_DIR/work/TARGET with the corpus emptied first. Nothing is
# written into the repository. Fails on any crash, leak, UB, timeout or
# out-of-memory, naming the input libFuzzer saved.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
usage="usage: fuzz_run.sh BUILD_DIR TARGET SECONDS [WORK_DIR]"
build=${1:?$usage}
target=${2:?$usage}
seconds=${3:-20}
bin="$build/fuzz_$target"
seeds="$here/corpus/$target"
regressions="$here/regressions/$target"
work=${4:-$build/work/$target}
corpus="$work/corpus"

[ -x "$bin" ] || { echo "fuzz_run: '$bin' is not built (run fuzz_build.sh)" >&2; exit 1; }
[ -d "$seeds" ] || { echo "fuzz_run: no seed corpus '$seeds'" >&2; exit 1; }
[ $# -ge 4 ] || rm -rf "$corpus"
rm -rf "$work/artifacts" "$work/tmp"
mkdir -p "$corpus" "$work/artifacts" "$work/tmp"

# One input may take 10 s and 2 GiB; leaks are findings (detect_leaks=1).
opts="-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$work/artifacts/ -print_final_stats=1"
[ -f "$here/dict/$target.dict" ] && opts="$opts -dict=$here/dict/$target.dict"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"

report() {
  echo "fuzz_run: $target: $1" >&2
  for f in "$work"/artifacts/*; do
    [ -e "$f" ] || continue
    echo "fuzz_run: $target: input kept in '$f'; replay: $bin $f" >&2
    echo "fuzz_run: commit it under tests/fuzz/regressions/$target/ with the fix" >&2
  done
  exit 1
}

export TMPDIR="$work/tmp"

if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  echo "fuzz_run: $target: replaying $(find "$regressions" -type f | wc -l) regression inputs"
  # shellcheck disable=SC2086 # opts are separate words
  "$bin" $opts "$regressions"/* || report "a committed regression input fails"
fi
echo "fuzz_run: $target: seeds, then fuzzing for $seconds s"
# shellcheck disable=SC2086
"$bin" $opts -max_total_time="$seconds" "$corpus" "$seeds" ||
  report "libFuzzer found a failing input"
echo "fuzz_run: $target: ok ($(find "$corpus" -type f | wc -l) inputs in the grown corpus '$corpus')"
