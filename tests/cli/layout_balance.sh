#!/bin/sh
# layout_balance.sh: the classes of every training tree stay balanced when
# images are left out, on copies of the demo mirror: a covid training image
# missing (allow_missing) or corrupt shrinks the normal and pneumonia draws
# with it; a corrupt Kermany image of a nominal draw gives way to the next
# of the draw's seeded order, which a validation draw disjoint from it then
# never holds (by file or patient); every file left out is listed once with
# why; too few candidates is an error naming the draw and the shortfall;
# the same inputs give the same bytes.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
BUILD=${CXR_BUILD_DIR:?run through ctest}
need python3 python3
[ -f "$BUILD/demo/mirror/.complete" ] || { bad "the build did not write the demo mirror"; finish; exit 1; }
mkdir "$T/run"
ln -s "$BUILD" "$T/run/build"
cd "$T/run" || exit 1
cp -r "$BUILD/demo/mirror" "$T/m" || exit 1
MIRROR="$T/m"
# stage NAME [--set ...]: one stage of the demo config on the mirror copy, in $W
stage() { s=$1; shift; "$BIN/cxrprep-$s" --config "$SRC/config/demo.yaml" --set "workdir=$W" \
            --set "fetch.lock_file=$W/demo.lock" --set "sources.metadata.url=$MIRROR/metadata.csv" \
            --set "sources.images.url_template=$MIRROR/images/{filename}" \
            --set "sources.kermany.url=$MIRROR/ChestXRay2017.zip" "$@"; }
stages() { stage select "$@" >/dev/null 2>&1 && stage sample "$@" >/dev/null 2>&1 && stage layout "$@"; }
n() { ls "$W/datasets/$1" | wc -l; }
D() { echo "$W/datasets"; }
L() { echo "$W/manifests/layout"; }
S() { echo "$W/manifests/sample"; }
# balanced COUNT: every training pair of class folders holds COUNT files
balanced() {
  [ "$(n 10_dataset/covid)" = "$1" ] && [ "$(n 10_dataset/normal)" = "$1" ] &&
  [ "$(n 20_dataset/covid)" = "$1" ] && [ "$(n 20_dataset/pneumo)" = "$1" ]
}
# the filename of rank RANK in draw DRAW's manifest
ranked() { awk -F, -v r="$2" 'NR > 1 && $9 == r { print $1 }' "$(S)/$1.csv"; }
left_rows() { grep -c "$1" "$(L)/quarantine.csv"; }
# truncate_entry ZIP ENTRY: the entry keeps half its bytes (a JPEG cut short)
truncate_entry() {
  python3 - "$1" "$2" <<'PY' || exit 1
import shutil, sys, zipfile
src, name = sys.argv[1], sys.argv[2]
shutil.copy(src, src + ".orig")
with zipfile.ZipFile(src + ".orig") as zin, zipfile.ZipFile(src, "w") as zout:
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename == name:
            data = data[: len(data) // 2]
        zout.writestr(info, data)
PY
}

# --- nothing left out: the trees hold exactly the nominal draws ---
W="$T/plain"
expect_exit 0 "demo as it is" stages
check "plain: balanced at 10" balanced 10
check "plain: the nominal draw of normal_train" [ "$(LC_ALL=C ls "$(D)/10_dataset/normal")" = \
  "$(awk -F, 'NR > 1 && $10 == 1 { print $1 }' "$(S)/normal_train.csv" | LC_ALL=C sort)" ]
check "plain: nothing left out" [ "$(rows "$(L)/quarantine.csv")" = 0 ]
plain=$(cat "$(L)/tree.sha256")

# --- (a) a covid training image missing: every training class follows ---
W="$T/missing"
stage select >/dev/null 2>&1
gone=$(awk -F, 'NR == 2 { print $3 }' "$W/manifests/select/covid_train.csv")
mv "$MIRROR/images/$gone" "$T/$gone"
expect_exit 8 "missing, not allowed" stage layout
expect_exit 0 "missing, allowed" stages --set sources.images.allow_missing=true
check "missing: balanced at 9" balanced 9
check "missing: validation untouched" [ "$(n dataset_validation/normal_validation)" = 6 ]
check "missing: listed once" [ "$(left_rows ",$gone,covid_train,missing: ")" = 1 ]
check "missing: the normal image not needed is listed" grep -q ',normal_train,"not needed: .normal_train. takes 9 of its 10 nominal images, as many as .covid_train. laid out"' "$(L)/quarantine.csv"
check "missing: the pneumonia image not needed is listed" grep -q ',pneumonia_train,"not needed: ' "$(L)/quarantine.csv"
check "missing: the one not needed is rank 10" grep -q "^10_dataset/normal/$(ranked normal_train 10),kermany," "$(L)/quarantine.csv"
check "missing: stdout counts it once" grep -q ', 1 missing, 0 quarantined,' "$T/stdout"
check "missing: summary" grep -q '"wanted": 9' "$(L)/summary.json"
mv "$T/$gone" "$MIRROR/images/$gone"

# --- a covid training image that fails verification: the same ---
W="$T/corrupt_covid"
cp "$MIRROR/images/$gone" "$T/$gone"
head -c 2000 "$T/$gone" > "$MIRROR/images/$gone"
expect_exit 0 "corrupt covid image" stages
check "corrupt covid: balanced at 9" balanced 9
check "corrupt covid: listed once, quarantined" [ "$(left_rows ",$gone,covid_train,quarantined: ")" = 1 ]
check "corrupt covid: stdout counts it once" grep -q ', 0 missing, 1 quarantined,' "$T/stdout"
cp "$T/$gone" "$MIRROR/images/$gone"

# --- (b) a corrupt Kermany image of the nominal draw: the next candidate ---
W="$T/corrupt"
stage select >/dev/null 2>&1; stage sample >/dev/null 2>&1
bad_img=$(ranked normal_train 1)
next=$(ranked normal_train 11)           # the first of the reserve
next_patient=$(awk -F, -v f="$next" 'NR > 1 && $1 == f { print $2 }' "$(S)/normal_train.csv")
check "fixture: the replacement is in normal_validation's nominal draw" \
  awk -F, -v f="$next" 'NR > 1 && $1 == f && $10 == 1 { hit = 1 } END { exit !hit }' "$(S)/normal_validation.csv"
truncate_entry "$MIRROR/ChestXRay2017.zip" "chest_xray/train/NORMAL/$bad_img"
expect_exit 0 "corrupt Kermany image" stages
check "corrupt: balanced at 10" balanced 10
check "corrupt: not in the tree" [ ! -e "$(D)/10_dataset/normal/$bad_img" ]
check "corrupt: replaced by the next candidate" [ -f "$(D)/10_dataset/normal/$next" ]
check "corrupt: listed once, with why" [ "$(left_rows "^10_dataset/normal/$bad_img,kermany,chest_xray/train/NORMAL/$bad_img,normal_train,quarantined: ")" = 1 ]
check "corrupt: one row in all" [ "$(rows "$(L)/quarantine.csv")" = 1 ]
check "corrupt: validation still 6" [ "$(n dataset_validation/normal_validation)" = 6 ]
check "corrupt: validation gave the replacement up" [ ! -e "$(D)/dataset_validation/normal_validation/$next" ]
check "corrupt: validation holds no image of the replacement's patient" \
  [ -z "$(ls "$(D)/dataset_validation/normal_validation" | grep -F "$next_patient-")" ]
check "corrupt: training and validation share no file" \
  [ -z "$(ls "$(D)/10_dataset/normal" "$(D)/dataset_validation/normal_validation" | grep jpeg | sort | uniq -d)" ]
# two replacements: normal_train's, and normal_validation's for the image
# (and patient) normal_train's replacement took from it
check "corrupt: replacements counted" grep -q '"replacements": 2' "$(L)/summary.json"
check "corrupt: stdout says so" grep -q '2 sample images taken from beyond their nominal draws' "$T/stdout"
corrupt=$(cat "$(L)/tree.sha256")
check "corrupt: another tree than the plain one" [ "$corrupt" != "$plain" ]

# --- (d) reproducible: another work dir; one thread: the same bytes ---
W="$T/corrupt2"
expect_exit 0 "corrupt, again" stages
check "again: same tree digest" [ "$(cat "$(L)/tree.sha256")" = "$corrupt" ]
check "again: same trees" diff -r "$T/corrupt/datasets" "$T/corrupt2/datasets"
check "again: same manifests" diff -r "$T/corrupt/manifests/layout" "$T/corrupt2/manifests/layout"
expect_exit 0 "corrupt, one thread" stage layout --force --set layout.threads=1
check "one thread: same tree digest" [ "$(cat "$(L)/tree.sha256")" = "$corrupt" ]
check "one thread: same left-out files" cmp -s "$T/corrupt/manifests/layout/quarantine.csv" "$(L)/quarantine.csv"

# --- (c) too few candidates: the draw and the shortfall are named ---
# normal_validation has 14 candidates; the replacement takes one file and,
# by patient, one more
W="$T/short"
expect_exit 4 "too few at layout" stages --set 'sample.draws.2.count=13'
check "too few: message" stderr_has "draw 'normal_validation' needs 13 images but only 12 of its 14 candidates can be laid out (0 failed verification, 1 are images of earlier draws it is disjoint from, 1 of their patients)"
check "too few: no tree" [ ! -e "$W/datasets" ]
expect_exit 4 "too few at sample" stage sample --set 'sample.draws.2.count=15'
check "too few at sample: message" stderr_has "draw 'normal_validation' wants 15 images but only 14 candidates remain"
finish
