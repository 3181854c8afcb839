#!/bin/sh
# cli_driver.sh: `cxrprep` runs stages git-style, skips up-to-date steps,
# reruns what changed, reports status, and passes a failing stage's exit
# code through. Uses the select step, which needs no network.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
two_row_select_config
D="$BIN/cxrprep"
run_select() { "$D" run "$T/c.yaml" --from select --to select "$@"; }

expect_exit 0 "first run" run_select
check "first run ran select" grep -q "^select  running (never run)" "$T/stdout"
check "lock file written" [ -f "$T/work/cxrprep-run.lock" ]
expect_exit 0 "second run" run_select
check "second run skipped" grep -q "^select  up to date" "$T/stdout"
expect_exit 0 "override" run_select --set select.holdout.mode=none
check "override reran" grep -q "config 'select' changed" "$T/stdout"
expect_exit 0 "back" run_select
status_select() { "$D" status "$T/c.yaml" --from select --to select "$@"; }
expect_exit 0 "status: exit 0 when up to date" status_select
check "status says up to date" grep -q "^select  up to date" "$T/stdout"
row 3 2020 c.jpg >> "$T/m.csv"
expect_exit 1 "status: exit 1 when a step is out of date" status_select
check "status names the changed input" grep -q "out of date: '$T/m.csv' changed" "$T/stdout"
expect_exit 1 "status --quiet: exit 1 too" status_select --quiet
check "status --quiet lists the step out of date" grep -q "^select  out of date" "$T/stdout"
expect_exit 0 "status --help" "$D" status --help
check "status --help gives exit 1" grep -q "1 when one is out of date" "$T/stdout"
expect_exit 0 "dry run" run_select --dry-run
check "dry run plans" grep -q "would run" "$T/stdout"
check "dry run counts" grep -q "reads $T/m.csv: 3 rows" "$T/stdout"
check "dry run wrote nothing" [ "$(rows "$T/work/manifests/select/covid_train.csv")" = 1 ]
expect_exit 0 "input changed" run_select
check "input change reran" [ "$(rows "$T/work/manifests/select/covid_train.csv")" = 2 ]
rm "$T/work/manifests/select/holdout.csv"
expect_exit 0 "output removed" run_select
check "output removal reran" grep -q "running (output" "$T/stdout"
check "output restored" [ -f "$T/work/manifests/select/holdout.csv" ]
expect_exit 0 "force" run_select --force
check "force reran" grep -q "running (forced)" "$T/stdout"

# a tree entry that cannot be examined (lstat fails: its path is longer than
# PATH_MAX) cannot be fingerprinted: the step is out of date, not up to date
python3 - "$T/work/manifests/select" <<'PY'
import os, sys
os.chdir(sys.argv[1])
for _ in range(24):
    os.mkdir("d" * 200); os.chdir("d" * 200)
open("leaf", "w").close()
PY
expect_exit 1 "unreadable output: status exit 1" status_select
check "unreadable output: named" grep -q "out of date: output '$T/work/manifests/select' cannot be read" "$T/stdout"
rm -rf "$T/work/manifests/select/$(printf 'd%.0s' $(seq 200))"
expect_exit 0 "readable again" status_select

# the plan: per step, the manifests and sources it would read, with their rows
# (a quoted field may hold a line break: 2 rows in 3 lines of data)
mkdir -p "$T/img"
{ echo "$hdr"; row 1 2020-03-04 a.jpg; echo '2,0,M,50,COVID-19,,,,,,,,,,,,PA,X-ray,2020,x,images,b.jpg,d,u,,"two'
  echo 'lines",,'; } > "$T/m2.csv"
sed -e "s|$T/work|$T/plan|" -e "s|$T/m.csv|$T/m2.csv|" "$T/c.yaml" > "$T/p.yaml"
cat >> "$T/p.yaml" <<YAML
score: {model: $T/no-model.onnx}
YAML
plan() { "$D" run "$T/p.yaml" --set "sources.images.url_template=$T/img/{filename}" \
  --set "sources.kermany.url=$T/no.zip" --dry-run "$@"; }
expect_exit 0 "plan: fresh work dir" plan
check "plan: metadata rows, counted as CSV records" grep -q "^  *reads $T/m2.csv: 2 rows$" "$T/stdout"
check "plan: manifests not written yet" grep -q "^  *reads $T/plan/manifests/select/\\*.csv: not written yet (step 'select' runs first)$" "$T/stdout"
check "plan: the archive" grep -q "^  *reads the archive $T/no.zip: missing$" "$T/stdout"
check "plan: the images" grep -q "^  *reads the images in $T/img/: 0 files$" "$T/stdout"
check "plan: the model" grep -q "^  *reads the model $T/no-model.onnx: missing$" "$T/stdout"
check "plan: every step would run" test "$(grep -c 'would run: never run' "$T/stdout")" = 6
check "plan: nothing written" test ! -e "$T/plan"
expect_exit 0 "plan: run select" "$D" run "$T/p.yaml" --from select --to select
expect_exit 0 "plan: after select" plan --from select --to images
check "plan: select up to date" grep -q "^select  up to date" "$T/stdout"
check "plan: rows of select's manifests, sorted" test "$(grep reads "$T/stdout" | sed 's/^ *//')" = \
"reads $T/plan/manifests/select/covid_train.csv: 1 rows
reads $T/plan/manifests/select/holdout.csv: 1 rows
reads $T/plan/manifests/select/rejected.csv: 0 rows"
expect_exit 0 "plan: select changes" plan --from select --to images --set select.holdout.mode=none
check "plan: rows now, rewritten first" grep -q "covid_train.csv: 1 rows now (step 'select' runs first and rewrites it)" "$T/stdout"

# the lock file cannot be written (a directory stands in its place): exit 5
rm "$T/work/cxrprep-run.lock" && mkdir "$T/work/cxrprep-run.lock"
expect_exit 5 "lock file not writable" run_select
check "lock file error named" stderr_has "cxrprep run: "
check "lock file error names the file" stderr_has "cxrprep-run.lock"
# a failing stage stops the run with its own exit code and message
echo "$hdr" > "$T/m.csv"; printf '1,"open\n' >> "$T/m.csv"
expect_exit 4 "failure passes through" run_select
check "stage message shown" stderr_has "unterminated quoted field"
check "driver names the step" stderr_has "step 'select' failed (exit 4)"
check "and that the lock file could not be written" stderr_has "cxrprep: cannot"
rmdir "$T/work/cxrprep-run.lock"
expect_exit 4 "failure passes through, lock file written" run_select
check "no lock file message" sh -c "! grep -q 'cxrprep: cannot' '$T/stderr'"
# a lock file that is JSON but not ours
echo '{"steps": 3}' > "$T/work/cxrprep-run.lock"
expect_exit 4 "lock file without steps" "$D" status "$T/c.yaml"
check "lock file without steps: message" stderr_has "not a cxrprep lock file (no \"steps\" object)"
# a lock file that is not JSON (cut off mid-write): status and run refuse it
# with exit 4, naming the file and line, and leave it for the user to delete
printf '{\n  "steps": {\n    "select": {"inputs": {\n' > "$T/work/cxrprep-run.lock"
cp "$T/work/cxrprep-run.lock" "$T/cut.lock"
expect_exit 4 "lock file not JSON: status" "$D" status "$T/c.yaml"
check "lock file not JSON: names file and line" stderr_has "'$T/work/cxrprep-run.lock' line 4: not a cxrprep lock file ("
check "lock file not JSON: says what to do" stderr_has "delete it to rebuild everything"
expect_exit 4 "lock file not JSON: run" run_select
check "lock file not JSON: run leaves it" cmp -s "$T/work/cxrprep-run.lock" "$T/cut.lock"
rm "$T/work/cxrprep-run.lock"
# git-style dispatch
expect_exit 0 "stage help" "$D" select --help
check "stage help is the stage's" grep -q "usage: cxrprep-select" "$T/stdout"
# a stage executable that is not there (127) or cannot be run (126)
mkdir "$T/solo" "$T/path"
cp "$D" "$T/solo/cxrprep"
expect_exit 127 "stage not found" env PATH="$T/path" "$T/solo/cxrprep" select --help
check "stage not found: message" stderr_has "cannot run 'cxrprep-select': No such file or directory"
: > "$T/path/cxrprep-select"
expect_exit 126 "stage not executable" env PATH="$T/path" "$T/solo/cxrprep" select --help
check "stage not executable: message" stderr_has "cannot run 'cxrprep-select': Permission denied"
expect_exit 2 "unknown command" "$D" frobnicate
check "unknown command message" stderr_has "'frobnicate' is not a command or stage"
expect_exit 2 "unknown step" "$D" run "$T/c.yaml" --from nowhere
check "unknown step message" stderr_has "unknown step 'nowhere'"
expect_exit 2 "steps in the wrong order" "$D" run "$T/c.yaml" --from sample --to select
check "wrong order: message" stderr_has "--from 'sample' comes after --to 'select'"
expect_exit 3 "bad config" "$D" run "$T/c.yaml" --set seed=x
finish
