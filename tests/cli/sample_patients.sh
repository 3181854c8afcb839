#!/bin/sh
# sample_patients.sh: patient-disjoint draws of Kermany NORMAL images, whose
# names carry the patient as IM-<P>-..., NORMAL2-IM-<P>-... (sample.h): a
# validation draw never holds a patient of the training draw; and a known
# answer of a whole seed-42 draw.
# The archive's bytes come from the demo mirror's Kermany sample; only the
# names archive_make.py gives them matter here.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
need python3 python3
K=$CXR_BUILD_DIR/demo/mirror/kermany-sample
[ -d "$K/chest_xray/train/NORMAL" ] ||
  { echo "FAIL: no Kermany sample in '$K' (the build writes it: target demo_mirror)"; exit 1; }
# 12 NORMAL images of 6 patients, two each, in the three name forms
python3 "$SRC/tests/lib/archive_make.py" "$T/n.zip" --src "$K" --root "" --counts 12,0,0,0 \
  --normal-patients || exit 1
cat > "$T/c.yaml" <<YAML
version: 1
workdir: $T/work
seed: 42
sources:
  metadata: {url: $T/none.csv}
  kermany: {url: $T/n.zip}
select: {}
sample:
  draws:
    - {name: tr, split: train, class: NORMAL, count: 5}
    - {name: va, split: train, class: NORMAL, count: 2, disjoint_from: [tr]}
YAML
M=$T/work/manifests/sample
run() { "$BIN/cxrprep-sample" --config "$T/c.yaml" "$@"; }
nominal() { tail -n +2 "$1" | grep ',1$'; }  # the rows of the nominal draw
nrows() { nominal "$1" | wc -l; }
# the patients of a nominal draw, read from its file names here (not its column)
patients() { nominal "$1" | cut -d, -f1 | sed -E 's/^((NORMAL2-)?IM-[0-9]+)-.*/\1/' | sort -u; }
# the patient column agrees with the file name on every row
column_ok() { tail -n +2 "$1" | cut -d, -f1,2 | sed -E 's/^((NORMAL2-)?IM-[0-9]+)-[^,]*,/\1,/' |
              awk -F, '$1 != $2 { bad = 1 } END { exit bad }'; }

expect_exit 0 "patient-disjoint NORMAL draws" run
check "training rows" [ "$(nrows "$M/tr.csv")" = 5 ]
check "validation rows" [ "$(nrows "$M/va.csv")" = 2 ]
check "training ranks every candidate" [ "$(rows "$M/tr.csv")" = 12 ]
# known answer of the whole stage (candidates sorted, seed 42, draw 'tr'),
# computed by an independent Python implementation of rng.h and Algorithm R
check "seed 42 draws the known files" [ "$(nominal "$M/tr.csv" | cut -d, -f1 | LC_ALL=C sort | tr '\n' ' ')" = \
  "IM-0000-0001.jpeg IM-0002-0001-0001.jpeg IM-0005-0001-0001.jpeg NORMAL2-IM-0001-0001.jpeg NORMAL2-IM-0001-0002.jpeg " ]
check "patient column of training" column_ok "$M/tr.csv"
check "patient column of validation" column_ok "$M/va.csv"
patients "$M/tr.csv" > "$T/ptr"
patients "$M/va.csv" > "$T/pva"
check "no validation patient in training" [ -z "$(sort "$T/ptr" "$T/pva" | uniq -d)" ]
# validation's whole order (its reserve too) holds no patient of the nominal training draw
tail -n +2 "$M/va.csv" | cut -d, -f2 | sort -u > "$T/pall"
check "no patient of training among validation's candidates" [ -z "$(sort "$T/ptr" "$T/pall" | uniq -d)" ]
check "patients excluded counted" grep -q '"excluded_as_patients": [1-9]' "$M/summary.json"
# 5 training images hold 3 or more of the 6 patients: at most 6 images are left
expect_exit 4 "too few once patients are excluded" run \
  --set 'sample.draws=[{name: tr, split: train, class: NORMAL, count: 5}, {name: va, split: train, class: NORMAL, count: 7, disjoint_from: [tr]}]'
# every seed: never a shared patient
for s in 1 2 3 4 5 6 7 8; do
  run --set seed=$s > /dev/null 2>&1
  patients "$M/tr.csv" > "$T/ptr"; patients "$M/va.csv" > "$T/pva"
  check "seed $s: no shared patient" [ -z "$(sort "$T/ptr" "$T/pva" | uniq -d)" ]
done
finish
