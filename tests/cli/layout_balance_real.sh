#!/bin/sh
# layout_balance_real.sh: balance on the real sources in ../shared: the
# pinned metadata (8b133d0), the real ieee8023 images (14 of the selected
# rows have no image there: allow_missing) and Kermany zips built from the
# real sample. Every training pair of class folders holds the same number of
# images, and quarantine.csv and summary.json explain each one left out.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
shared_or_skip
K=$SHARED/data/kermany-sample
I=$SHARED/data/ieee8023
MK="python3 $SRC/tests/lib/archive_make.py"
# the 40 real files as they are; and 200 + 200 files reusing their bytes
$MK "$T/k.zip" --src "$K" || exit 1
$MK "$T/big.zip" --src "$K" --counts 200,200,0,0 || exit 1

# config WORKDIR ARCHIVE UNDATED DATE_TO: the recipe's select; hold-out window
# from 2020-01-01 or 2020-03-01 (the recipe's March) to DATE_TO
config() {
  cat <<YAML
version: 1
workdir: $1
seed: 42
sources:
  metadata: {url: $I/metadata-8b133d0.csv}
  images: {url_template: "$I/images/{filename}", allow_missing: true}
  kermany: {url: $2}
select:
  filters: {modality: [X-ray], view: [PA], folder: [images], finding: [COVID-19]}
  holdout: {mode: dates, date_from: $4, date_to: $5, undated: $3}
YAML
}
stages() { for s in select sample layout; do
             "$BIN/cxrprep-$s" --config "$T/c.yaml" "$@" >"$T/stdout" 2>"$T/stderr" || return $?
           done; }
n() { ls "$W/datasets/$1" | wc -l; }
balanced() { # every training pair of class folders holds $1 files
  [ "$(n 10_dataset/covid)" = "$1" ] && [ "$(n 10_dataset/normal)" = "$1" ] &&
  [ "$(n 20_dataset/covid)" = "$1" ] && [ "$(n 20_dataset/pneumo)" = "$1" ]
}
reasons() { tail -n +2 "$W/manifests/layout/quarantine.csv" | grep -c "$1"; }

# --- the recipe: 134 training rows, 14 without an image: 120 of each class ---
W="$T/recipe"
config "$W" "$T/big.zip" train 2020-03-01 2020-03-31 > "$T/c.yaml"
expect_exit 0 "recipe" stages
check "recipe: 134 selected for training" [ "$(rows "$W/manifests/select/covid_train.csv")" = 134 ]
check "recipe: balanced at 120" balanced 120
check "recipe: normal validation as declared" [ "$(n dataset_validation/normal_validation)" = 20 ]
check "recipe: pneumonia validation as declared" \
  [ "$(n dataset_validation/non_covid_pneumonia_validation)" = 20 ]
check "recipe: 14 missing, each listed once" [ "$(reasons ',covid_train,missing: ')" = 14 ]
check "recipe: 14 nominal normal images not needed" [ "$(reasons ',normal_train,"not needed: ')" = 14 ]
check "recipe: 14 nominal pneumonia images not needed" [ "$(reasons ',pneumonia_train,"not needed: ')" = 14 ]
check "recipe: the left-out rows and no other" [ "$(rows "$W/manifests/layout/quarantine.csv")" = 42 ]
check "recipe: stdout" grep -q '528 files ([0-9]* hard links), 14 missing, 0 quarantined' "$T/stdout"
check "recipe: summary counts" python3 - "$W/manifests/layout/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c, d = s["counts"], s["draws"]
assert (c["missing"], c["not_used"], c["left_out"]) == (14, 28, 42), c
assert d["covid_train"] == {"rows": 134, "laid_out": 120, "missing": 14, "quarantined": 0}, d
for k in ("normal_train", "pneumonia_train"):
    assert (d[k]["nominal"], d[k]["wanted"], d[k]["laid_out"]) == (134, 120, 120), d[k]
    assert d[k]["count_from"] == "covid_train"
PY

# --- 16 training rows (January held out, undated rejected), the 40 real
# Kermany files: the oversized ones give way to the next of their order ---
W="$T/small"
config "$W" "$T/k.zip" reject 2020-01-01 2020-01-31 > "$T/c.yaml"
cat >> "$T/c.yaml" <<YAML
sample:
  draws:
    - {name: normal_train, split: train, class: NORMAL, count: covid_train}
    - {name: pneumonia_train, split: train, class: PNEUMONIA, count: covid_train}
    - {name: normal_validation, split: train, class: NORMAL, count: 2,
       disjoint_from: [normal_train, pneumonia_train]}
    - {name: pneumonia_validation, split: train, class: PNEUMONIA, count: 2,
       disjoint_from: [normal_train, pneumonia_train]}
YAML
expect_exit 0 "small" stages --set layout.max_dimension=2300
check "small: balanced at 16" balanced 16
check "small: two oversized NORMAL images quarantined" [ "$(reasons ',normal_train,quarantined: image too large')" = 2 ]
check "small: nothing else left out" [ "$(rows "$W/manifests/layout/quarantine.csv")" = 2 ]
check "small: training and validation disjoint" \
  [ -z "$(ls "$W/datasets/10_dataset/normal" "$W/datasets/dataset_validation/normal_validation" | grep jpeg | sort | uniq -d)" ]
digest=$(cat "$W/manifests/layout/tree.sha256")
expect_exit 0 "small, again" "$BIN/cxrprep-layout" --config "$T/c.yaml" --set layout.max_dimension=2300 --force
check "small: same bytes again" [ "$(cat "$W/manifests/layout/tree.sha256")" = "$digest" ]
# five NORMAL images over 2000 pixels: 15 left for 16 + 2
expect_exit 4 "too few" "$BIN/cxrprep-layout" --config "$T/c.yaml" --set layout.max_dimension=2000
check "too few: message" stderr_has "draw 'normal_train' needs 16 images (as many as 'covid_train' laid out) but only 15 of its 20 candidates can be laid out (5 failed verification"
finish
