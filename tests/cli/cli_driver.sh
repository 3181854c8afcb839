#!/bin/sh
# cli_driver.sh: `cxrprep` runs stages git-style, skips up-to-date steps,
# reruns what changed, reports status, and passes a failing stage's exit
# code through. Uses the select step, which needs no network.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
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
row 3 2020 c.jpg >> "$T/m.csv"
expect_exit 0 "status" "$D" status "$T/c.yaml" --from select --to select
check "status names the changed input" grep -q "out of date: '$T/m.csv' changed" "$T/stdout"
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
# a failing stage stops the run with its own exit code and message
echo "$hdr" > "$T/m.csv"; printf '1,"open\n' >> "$T/m.csv"
expect_exit 4 "failure passes through" run_select
check "stage message shown" stderr_has "unterminated quoted field"
check "driver names the step" stderr_has "step 'select' failed (exit 4)"
# git-style dispatch
expect_exit 0 "stage help" "$D" select --help
check "stage help is the stage's" grep -q "usage: cxrprep-select" "$T/stdout"
expect_exit 2 "unknown command" "$D" frobnicate
check "unknown command message" stderr_has "'frobnicate' is not a command or stage"
expect_exit 2 "unknown step" "$D" run "$T/c.yaml" --from nowhere
check "unknown step message" stderr_has "unknown step 'nowhere'"
expect_exit 2 "steps in the wrong order" "$D" run "$T/c.yaml" --from sample --to select
check "wrong order: message" stderr_has "--from 'sample' comes after --to 'select'"
expect_exit 3 "bad config" "$D" run "$T/c.yaml" --set seed=x
finish
