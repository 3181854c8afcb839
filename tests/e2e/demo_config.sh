#!/bin/sh
# demo_config.sh: config/demo.yaml, as committed, validates against the
# schema and runs the whole pipeline on the mirror the build wrote, with the
# counts tools/mkdemo.h promises (select 10 train / 6 held out / 4 undated;
# draws 10 + 10 + 6 + 6; seven folders; five scored sets), and gives
# byte-identical manifests in work dirs at different paths. Skips when the
# driver is not built.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
BUILD=${CXR_BUILD_DIR:?run through ctest}
[ -x "$BIN/cxrprep" ] || { echo "skip: cxrprep (the driver) is not built"; exit 77; }
[ -f "$BUILD/demo/mirror/.complete" ] || { bad "the build did not write the demo mirror"; finish; exit 1; }

# The config's paths are relative to the directory the command runs in
# (build/demo/...): run it from a directory whose build/ is this build.
mkdir "$T/run"
ln -s "$BUILD" "$T/run/build"
cd "$T/run" || exit 1
W="$T/work"
run() { "$BIN/cxrprep" run "$SRC/config/demo.yaml" --set "workdir=$W" \
          --set "fetch.lock_file=$W/demo.lock" "$@"; }

expect_exit 0 "the demo config runs end to end" run
check "the first run runs the steps" grep -q ' running ' "$T/stdout"
M="$W/manifests"
check "select: 10 train" test "$(rows "$M/select/covid_train.csv")" -eq 10
check "select: 6 held out" test "$(rows "$M/select/holdout.csv")" -eq 6
check "select: 10 rejected" test "$(rows "$M/select/rejected.csv")" -eq 10
check "select: 4 undated" grep -q '"undated": 4' "$M/select/summary.json"
check "the .png that is a JPEG is kept" grep -q 'demo-covid-p6.png' "$M/select/covid_train.csv"
check "COVID-19, ARDS is rejected" grep -q 'demo-ards-p24.jpg' "$M/select/rejected.csv"
for d in normal_train pneumonia_train; do
  check "sample: $d has 10" test "$(grep -c ',1$' "$M/sample/$d.csv")" -eq 10
done
for d in normal_validation pneumonia_validation; do
  check "sample: $d has 6" test "$(grep -c ',1$' "$M/sample/$d.csv")" -eq 6
done
check "sample: no hostile entries" test "$(rows "$M/sample/refused.csv")" -eq 0
D="$W/datasets"
for f in 10_dataset/covid 20_dataset/covid; do
  check "$f has 10" test "$(ls "$D/$f" | wc -l)" -eq 10
done
for f in 10_dataset/normal 20_dataset/pneumo; do
  check "$f has 10" test "$(ls "$D/$f" | wc -l)" -eq 10
done
for f in covid_validation normal_validation non_covid_pneumonia_validation; do
  check "$f has 6" test "$(ls "$D/dataset_validation/$f" | wc -l)" -eq 6
done
check "layout: nothing quarantined" test "$(rows "$M/layout/quarantine.csv")" -eq 0
for s in covid_validation normal_validation non_covid_pneumonia_validation \
         kermany_test_normal kermany_test_pneumonia; do
  check "score: $s scored" test -s "$M/score/$s.json"
done
check "score: 10 Kermany test images" test "$(rows "$M/score/kermany_test_normal.csv")" -eq 10
check "score: the report" test -s "$M/score/report.html"
# the model's scores vary (not one value for every image)
check "scores vary" test "$(cut -d, -f2 "$M"/score/*_validation.csv | grep -v score | sort -u | wc -l)" -gt 10
check "nothing written in the source tree" test ! -e "$SRC/config/demo.lock"

expect_exit 0 "a second run" run
check "the second run skips every step" sh -c "! grep -q ' running ' '$T/stdout'"

# A staging tree left by a layout run that was killed goes with the next
# run, also when the tree is up to date and nothing is rebuilt.
mkdir -p "$W/.datasets.staging.2147483646/10_dataset/covid"
: > "$W/.datasets.staging.2147483646/10_dataset/covid/half.jpeg"
expect_exit 0 "layout after a killed run" "$BIN/cxrprep-layout" --config "$SRC/config/demo.yaml" \
  --set "workdir=$W" --set "fetch.lock_file=$W/demo.lock"
check "layout: the tree was up to date" grep -q 'up to date' "$T/stdout"
check "layout: the dead run's staging tree is removed" test ! -e "$W/.datasets.staging.2147483646"

# The same sources as file:// URLs, into another work dir: the same trees.
# (rc=0; cmd || rc=$?: the exit status is kept before anything else runs,
# also under set -e, and the description's $(...) cannot replace it.)
U="file://$BUILD/demo/mirror"
rc=0
"$BIN/cxrprep" run "$SRC/config/demo.yaml" --set "workdir=$T/work2" \
  --set "fetch.lock_file=$T/work2/demo.lock" --set "sources.metadata.url=$U/metadata.csv" \
  --set "sources.images.url_template=$U/images/{filename}" \
  --set "sources.kermany.url=$U/ChestXRay2017.zip" --set "score.model=$BUILD/demo/mirror/model.onnx" \
  >"$T/stdout" 2>"$T/stderr" || rc=$?
check "the demo runs from file:// URLs ($(tail -1 "$T/stderr"))" test "$rc" -eq 0
check "file:// URLs give the same trees" diff -r "$W/datasets" "$T/work2/datasets"
check "and the same scores" diff "$M/score/covid_validation.csv" "$T/work2/manifests/score/covid_validation.csv"

# The same config and sources into a work dir at another absolute path
# (deeper, another name): every manifest and summary is byte-identical,
# including summary.json, tree.sha256, the score JSONs and report.html,
# and after the reruns above the first work dir's are unchanged.
W3="$T/elsewhere/deeper/w3"
rc=0
"$BIN/cxrprep" run "$SRC/config/demo.yaml" --set "workdir=$W3" --set "fetch.lock_file=$W3/demo.lock" \
  >"$T/stdout" 2>"$T/stderr" || rc=$?
check "the demo runs in another work dir ($(tail -1 "$T/stderr"))" test "$rc" -eq 0
check "manifests identical whatever the work dir's path" diff -r "$M" "$W3/manifests"
check "no absolute work dir path in the manifests" sh -c "! grep -rq -e '$T' '$W3/manifests'"
finish
