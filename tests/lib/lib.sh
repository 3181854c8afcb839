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
# need COMMAND PACKAGE: a tool the test cannot do without. Missing, it is a
# failure naming the package, never a skip (scripts/install-deps.sh
# installs every one; a CI machine that lost one must not stay green).
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "FAIL: '$1' not found (Debian package $2; sh scripts/install-deps.sh installs it)"
  exit 1
}
# need_python MODULE... : python3 with these modules, or a failure naming them.
need_python() {
  need python3 python3
  for m in "$@"; do
    python3 -c "import $m" 2>/dev/null && continue
    echo "FAIL: python3 module '$m' not found (Debian package python3-$m; sh scripts/install-deps.sh installs it)"
    exit 1
  done
}
# two_row_select_config: $T/m.csv (two COVID-19 PA X-ray rows of the
# recipe's metadata format, one dated March 2020) and $T/c.yaml selecting
# them into $T/work: the select step, no network, no images.
two_row_select_config() {
  hdr='patientid,offset,sex,age,finding,survival,intubated,intubation_present,went_icu,needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,neutrophil_count,lymphocyte_count,view,modality,date,location,folder,filename,doi,url,license,clinical_notes,other_notes,'
  row() { echo "$1,0,M,50,COVID-19,,,,,,,,,,,,PA,X-ray,$2,x,images,$3,d,u,,n,,"; }
  { echo "$hdr"; row 1 '"March 4, 2020"' a.jpg; row 2 2020 b.jpg; } > "$T/m.csv"
  cat > "$T/c.yaml" <<YAML
version: 1
workdir: $T/work
sources: {metadata: {url: $T/m.csv}}
select:
  filters: {finding: [COVID-19]}
  holdout: {mode: dates, date_from: 2020-03-01, date_to: 2020-03-31}
YAML
}
# demo_score_setup: MIRROR (the build's demo mirror) and SCORE
# (cxrprep-score), or a failure saying which is missing.
demo_score_setup() {
  MIRROR=${CXR_BUILD_DIR:?run through ctest}/demo/mirror
  [ -f "$MIRROR/.complete" ] || { bad "the build did not write the demo mirror"; finish; exit 1; }
  need python3 python3
  SCORE="$BIN/cxrprep-score"
  [ -x "$SCORE" ] || { echo "skip: cxrprep-score not built (libcxrinfer absent)"; exit 77; }
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
