#!/bin/sh
# cli_select.sh: cxrprep-select end to end on metadata files written here,
# in the old 28-column and the new 30-column format, and on malformed input;
# the summary line and summary.json count the rejected rows by reason (also
# on the demo mirror's metadata).
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"

old_header='patientid,offset,sex,age,finding,survival,intubated,intubation_present,went_icu,needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,neutrophil_count,lymphocyte_count,view,modality,date,location,folder,filename,doi,url,license,clinical_notes,other_notes,'
new_header='patientid,offset,sex,age,finding,RT_PCR_positive,survival,intubated,intubation_present,went_icu,in_icu,needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,neutrophil_count,lymphocyte_count,view,modality,date,location,folder,filename,doi,url,license,clinical_notes,other_notes,'
# old(patient finding view modality date folder filename)
old() { echo "$1,0,M,50,$2,,,,,,,,,,,,$3,$4,$5,\"Somewhere, Earth\",$6,$7,doi,url,,\"note, with comma\",,"; }
new() { echo "$1,0,M,50,$2,Y,,,,,,,,,,,,,$3,$4,$5,\"Somewhere, Earth\",$6,$7,doi,url,,note,,"; }

{
  echo "$old_header"
  old 1 COVID-19 PA X-ray '"March 4, 2020"' images a1.jpg
  old 1 COVID-19 PA X-ray '"January 22, 2020"' images a2.jpg
  old 2 '"COVID-19, ARDS"' PA X-ray 3/3/2020 images b1.jpg
  old 3 COVID-19 AP X-ray 03/16/20 images c1.jpg
  old 4 COVID-19 PA CT 2020 volumes d1.nii.gz
  old 5 COVID-19 PA X-ray 2020 images e1.jpg
  old 6 COVID-19 PA X-ray '' images f1.jpg
  old 7 COVID-19 PA X-ray '"January 12"' images g1.jpg
  old 8 SARS PA X-ray '"March 2003"' images h1.jpg
  old 9 COVID-19 PA X-ray 03/06/20 images ../evil.jpg
  old 10 COVID-19 PA X-ray '"Mar 3, 2020"' images a1.jpg
  old 331a COVID-19 PA X-ray '"Feb 21, 2020"' images i1.jpg
} > "$T/old.csv"
{
  echo "$new_header"
  new 1 Pneumonia/Viral/COVID-19 PA X-ray '"March 4, 2020"' images a1.jpg
  new 2 Pneumonia/Viral/SARS PA X-ray 2004 images s1.jpg
  new 3 '"Pneumonia/Viral/COVID-19, ARDS"' PA X-ray 3/3/2020 images b1.jpg
  new 4 Pneumonia/Viral/COVID-19 PA X-ray 2020 images e1.jpg
} > "$T/new.csv"

cat > "$T/c.yaml" <<YAML
version: 1
workdir: $T/work
sources:
  metadata: {url: $T/old.csv}
select:
  filters: {modality: [X-ray], view: [PA], folder: [images], finding: [COVID-19]}
  holdout: {mode: dates, date_from: 2020-03-01, date_to: 2020-03-31}
YAML
M=$T/work/manifests/select

expect_exit 0 "old format" "$BIN/cxrprep-select" --config "$T/c.yaml"
check "old: 5 training rows" [ "$(rows "$M/covid_train.csv")" = 5 ]
check "old: held out a1 only" [ "$(cut -d, -f3 "$M/holdout.csv" | tail -n +2)" = a1.jpg ]
check "old: training in file order" [ "$(cut -d, -f3 "$M/covid_train.csv" | tail -n +2 | tr '\n' ' ')" = "a2.jpg e1.jpg f1.jpg g1.jpg i1.jpg " ]
check "old: 'COVID-19, ARDS' rejected" grep -q "^4,2,b1.jpg,.*finding 'COVID-19, ARDS' is not one of \[COVID-19\]" "$M/rejected.csv"
check "old: AP rejected" grep -q "c1.jpg.*view 'AP' is not one of \[PA\]" "$M/rejected.csv"
check "old: '..' rejected" grep -q "evil.jpg.*unsafe file name: '..' component" "$M/rejected.csv"
check "old: duplicate rejected" grep -q "^12,10,a1.jpg.*duplicate file name (first at line 2)" "$M/rejected.csv"
check "old: undated counted" grep -q '"undated": 3' "$M/summary.json"
check "old: overlap counted under allow" grep -q '"patient_overlap": 1' "$M/summary.json"
check "old: non-numeric patient kept" grep -q "^13,331a,i1.jpg" "$M/covid_train.csv"
# rejected rows by reason: on the summary line and in summary.json
reason() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"]["rejected_by"][sys.argv[2]])' "$M/summary.json" "$1"; }
check "old: summary line by reason" grep -qx "select: 12 rows: 5 training, 1 held out, 6 rejected: 1 not X-ray, 1 not PA, 2 not COVID-19, 1 unsafe file names, 1 duplicate file names; 3 kept rows undated" "$T/stdout"
check "old: rejected_by view" [ "$(reason view)" = 1 ]
check "old: rejected_by unsafe_name" [ "$(reason unsafe_name)" = 1 ]
check "old: rejected_by duplicate" [ "$(reason duplicate)" = 1 ]
check "old: rejected_by finding" [ "$(reason finding)" = 2 ]
check "old: rejected_by folder (the CT row failed modality first)" [ "$(reason folder)" = 0 ]
check "old: rejected_by undated" [ "$(reason undated)" = 0 ]

# undated rows can go to the hold-out or be rejected instead
expect_exit 0 "undated: reject" "$BIN/cxrprep-select" --config "$T/c.yaml" --set select.holdout.undated=reject
check "undated rejected" [ "$(grep -c 'cannot be placed in the hold-out window' "$M/rejected.csv")" = 3 ]
check "undated: counted as a reason" [ "$(reason undated)" = 3 ]
check "undated: on the summary line" grep -q "1 unsafe file names, 3 undated, 1 duplicate file names; 0 kept rows undated$" "$T/stdout"
# patient overlap: a1 (patient 1) is held out, so a2 (patient 1) leaves training
expect_exit 0 "overlap" "$BIN/cxrprep-select" --config "$T/c.yaml" --set select.holdout.patient_overlap=move_to_holdout
check "overlap: a2 moved" [ "$(cut -d, -f3 "$M/holdout.csv" | tail -n +2 | tr '\n' ' ')" = "a1.jpg a2.jpg " ]
expect_exit 0 "overlap drop" "$BIN/cxrprep-select" --config "$T/c.yaml" --set select.holdout.patient_overlap=drop_from_train
check "overlap: a2 dropped" grep -q "a2.jpg.*patient '1' has held-out images" "$M/rejected.csv"
check "overlap: counted as a reason" [ "$(reason patient_overlap)" = 1 ]
check "overlap: on the summary line" grep -q ", 1 patients with held-out images;" "$T/stdout"
# explicit file list
expect_exit 0 "files" "$BIN/cxrprep-select" --config "$T/c.yaml" --set select.holdout.mode=files --set 'select.holdout.files=[e1.jpg, i1.jpg]'
check "files: held out e1 and i1" [ "$(cut -d, -f3 "$M/holdout.csv" | tail -n +2 | tr '\n' ' ')" = "e1.jpg i1.jpg " ]

# a listed hold-out file that no selected row has is an error, not a silent no-op
expect_exit 3 "files: unmatched" "$BIN/cxrprep-select" --config "$T/c.yaml" --set select.holdout.mode=files --set 'select.holdout.files=[e1.jpg, c1.jpg]'
check "files: unmatched named" stderr_has "names 'c1.jpg', which is not a selected row"
# columns nothing depends on are still written
expect_exit 0 "few filters" "$BIN/cxrprep-select" --config "$T/c.yaml" --set 'select.filters={finding: [COVID-19]}' --set select.holdout.mode=none
check "unused columns written" grep -q '^13,331a,i1.jpg,COVID-19,PA,X-ray,images,"Feb 21, 2020",full,2020-02-21,train' "$M/covid_train.csv"

# the demo mirror's metadata with config/demo.yaml: every rejected row has
# one reason, the reasons add up, and the line says them
DEMO=${CXR_BUILD_DIR:?run through ctest}/demo/mirror/metadata.csv
if [ -f "$DEMO" ]; then
  expect_exit 0 "demo" "$BIN/cxrprep-select" --config "$SRC/config/demo.yaml" \
    --set "workdir=$T/demo" --set "sources.metadata.url=$DEMO"
  M=$T/demo/manifests/select
  check "demo: summary line by reason" grep -qx "select: 26 rows: 10 training, 6 held out, 10 rejected: 2 not X-ray, 3 not PA, 5 not COVID-19; 4 kept rows undated" "$T/stdout"
  check "demo: reasons add up to rejected" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["counts"]
by = c["rejected_by"]
assert sorted(by) == sorted(["modality", "folder", "view", "finding", "unsafe_name", "undated", "excluded", "duplicate", "patient_overlap"]), by
assert sum(by.values()) == c["rejected"] == 10, c
assert (by["modality"], by["view"], by["finding"]) == (2, 3, 5), by' "$M/summary.json"
  check "demo: rejected.csv agrees" [ "$(grep -c "view '[^']*' is not one of" "$M/rejected.csv")" = 3 ]
  expect_exit 0 "demo: several values" "$BIN/cxrprep-select" --config "$SRC/config/demo.yaml" \
    --set "workdir=$T/demo" --set "sources.metadata.url=$DEMO" --set 'select.filters.view=[PA, AP]'
  check "demo: several values on the line" grep -q " not PA or AP" "$T/stdout"
  M=$T/work/manifests/select
else
  bad "the build did not write the demo mirror ($DEMO)"
fi

# new 30-column format with hierarchical findings
expect_exit 0 "new format" "$BIN/cxrprep-select" --config "$T/c.yaml" --set "sources.metadata.url=$T/new.csv"
check "new: a1 held out" grep -q "a1.jpg" "$M/holdout.csv"
check "new: e1 in training" grep -q "e1.jpg" "$M/covid_train.csv"
check "new: SARS path rejected" grep -q "s1.jpg" "$M/rejected.csv"
check "new: path with ', ARDS' rejected" grep -q "b1.jpg.*is not one of" "$M/rejected.csv"

# malformed input: a clear error with the line, and the manifests untouched
cp "$M/covid_train.csv" "$T/before.csv"
bad_input() { # NAME CONTENT-COMMAND EXPECTED-MESSAGE
  "$2" > "$T/bad.csv"
  expect_exit 4 "$1" "$BIN/cxrprep-select" --config "$T/c.yaml" --set "sources.metadata.url=$T/bad.csv"
  check "$1: message" stderr_has "$3"
  check "$1: manifest untouched" cmp -s "$M/covid_train.csv" "$T/before.csv"
  check "$1: no temporary files left" [ -z "$(ls -A "$M" "$M/.." | grep "\.tmp\.")" ]
}
mk_ragged() { echo "$old_header"; old 1 COVID-19 PA X-ray 2020 images z.jpg; echo "1,2,3"; }
mk_quote() { echo "$old_header"; old 1 COVID-19 PA X-ray 2020 images z.jpg; echo "1,0,M,50,\"COVID-19,,,"; }
mk_bom() { printf '\357\273\277'; echo "$old_header"; }
mk_crlf() { printf '%s\r\n' "$old_header"; }
mk_utf8() { echo "$old_header"; old 1 COVID-19 PA X-ray 2020 images "$(printf 'z\377.jpg')"; }
mk_empty() { :; }
mk_dupcol() { echo "${old_header}filename"; echo "$(old 1 COVID-19 PA X-ray 2020 images z.jpg)y.jpg"; }
bad_input ragged mk_ragged "bad.csv' line 3: 3 fields, the header has 28"
bad_input quote mk_quote "bad.csv' line 3: unterminated quoted field"
bad_input bom mk_bom "line 1: starts with a UTF-8 byte order mark"
bad_input crlf mk_crlf "line 1: CRLF line end"
bad_input utf8 mk_utf8 "line 2: invalid UTF-8"
bad_input empty mk_empty "is empty"
expect_exit 5 "metadata is a directory" "$BIN/cxrprep-select" --config "$T/c.yaml" --set "sources.metadata.url=$T"
check "directory: the reason" stderr_has "cannot read '$T': Is a directory"
bad_input dupcol mk_dupcol "bad.csv' line 1: column 'filename' appears twice (columns 22 and 28)"

# a column the config names must exist; the message lists what was found
expect_exit 4 "missing column" "$BIN/cxrprep-select" --config "$T/c.yaml" --set select.columns.view=projection
check "missing column: named" stderr_has "column 'projection' not found in"
check "missing column: listed" stderr_has "(columns: patientid, offset, sex"
# config errors name the file, line and key
printf 'version: 1\nsources: {metadata: {url: x}}\nselect:\n  filter: {}\n' > "$T/typo.yaml"
expect_exit 3 "config typo" "$BIN/cxrprep-select" --config "$T/typo.yaml"
check "config typo: located" stderr_has "typo.yaml:4:11: unknown key 'select.filter' (did you mean 'filters'?)"
expect_exit 2 "no config" "$BIN/cxrprep-select"
expect_exit 2 "unknown option" "$BIN/cxrprep-select" --frobnicate
expect_exit 0 "help" "$BIN/cxrprep-select" --help
check "help lists --set" grep -q -- "--set KEY=VALUE" "$T/stdout"
expect_exit 8 "missing metadata" "$BIN/cxrprep-select" --config "$T/c.yaml" --set "sources.metadata.url=$T/none.csv"
expect_exit 0 "print-config" "$BIN/cxrprep-select" --config "$T/c.yaml" --print-config
check "print-config shows defaults" grep -q 'undated: train' "$T/stdout"
finish
