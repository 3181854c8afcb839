# lib.sh: helpers for the shell tests (sourced). Counts checks and prints
# "N passed, N failed" at the end, like the C tests.
set -u
passed=0
failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/cxr-sh-XXXXXX")
trap 'rm -rf "$T"' EXIT
BIN=${CXR_BIN_DIR:?run through ctest}
SRC=${CXR_SOURCE_DIR:?run through ctest}

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
  desc=$1; shift
  if "$@"; then ok; else bad "$desc"; fi
}
# expect_exit CODE DESCRIPTION COMMAND... (stderr kept in $T/stderr)
expect_exit() {
  want=$1; desc=$2; shift 2
  "$@" >"$T/stdout" 2>"$T/stderr"; got=$?
  if [ "$got" = "$want" ]; then ok; else bad "$desc: exit $got, want $want ($(cat "$T/stderr"))"; fi
}
stderr_has() { grep -qF -- "$1" "$T/stderr" || { echo "stderr was: $(cat "$T/stderr")" >&2; return 1; }; }
rows() { echo $(( $(wc -l < "$1") - 1 )); }
shared_or_skip() {
  SHARED=${CXR_SHARED_DIR:-}
  if [ -z "$SHARED" ] || [ ! -d "$SHARED/data" ]; then
    # CI always has ../shared: there a missing one is a failure, not a skip
    [ "${CI:-}" = true ] && { echo "FAIL: shared data not found at '${SHARED}' (CI=true)"; exit 1; }
    echo "skip: shared data not found at '${SHARED}'"; exit 77
  fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
