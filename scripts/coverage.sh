#!/bin/sh
# coverage.sh: line coverage of pipeline/, infer/ and cmd/ by the test suite.
# Builds with gcc --coverage in build-cov/, runs ctest there (all tests but
# the fuzz smoke, which has its own clang build), and prints a per-file table
# then a last line "lines: NN.N%" (gcovr, Debian package gcovr). The counters
# are updated atomically: threads (the engine, serve) racing on plain ones
# leave negative counts that gcov prints and gcovr cannot parse.
#
#   sh scripts/coverage.sh            # the table and the total
#   sh scripts/coverage.sh --html     # also build-cov/coverage/index.html
#
# Two variables, for a quicker look while writing tests (the default runs
# the whole suite, and only that figure is the project's):
#   CXR_COVERAGE_BUILD=DIR       build in DIR instead of build-cov/
#   CXR_COVERAGE_CTEST='ARGS'    more ctest arguments, e.g. '-E infer_models'
#                                or '-R layout' (the figure is then that part's)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${CXR_COVERAGE_BUILD:-$top/build-cov}
jobs=$(nproc 2>/dev/null || echo 2)
sh "$top/scripts/install-deps.sh"
command -v gcovr >/dev/null || { echo "coverage: gcovr not found (Debian package gcovr)" >&2; exit 1; }
cmake -S "$top" -B "$b" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="--coverage -fprofile-update=atomic -O0" -DCMAKE_EXE_LINKER_FLAGS=--coverage \
  -DCMAKE_SHARED_LINKER_FLAGS=--coverage >/dev/null
cmake --build "$b" -j "$jobs"
find "$b" -name '*.gcda' -delete
# a failing test still leaves its coverage; say so, and report the figure
# shellcheck disable=SC2086
ctest --test-dir "$b" -j "$jobs" -LE fuzz --output-on-failure ${CXR_COVERAGE_CTEST:-} \
  >"$b/ctest.log" 2>&1 ||
  { echo "coverage: some tests failed (see $b/ctest.log)" >&2; grep -E "^\s+[0-9]+ - " "$b/ctest.log" >&2 || true; }
filters="--filter $top/pipeline/ --filter $top/infer/ --filter $top/cmd/"
html=""
[ "${1:-}" = --html ] && { mkdir -p "$b/coverage"; html="--html-details $b/coverage/index.html"; }
# shellcheck disable=SC2086
gcovr -r "$top" $filters --object-directory "$b" $html --print-summary -j "$jobs" \
  >"$b/coverage.txt" 2>"$b/gcovr.log" || { cat "$b/gcovr.log" >&2; exit 1; }
grep -v "^lines:\|^functions:\|^branches:" "$b/coverage.txt" | sed -n '1,200p'
pct=$(sed -n 's/^lines: \([0-9.]*\)%.*/\1/p' "$b/coverage.txt")
echo "lines: $pct%"
