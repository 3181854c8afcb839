#!/bin/sh
# score_models.sh: cxrprep-score with several named models (score.models) on
# the generated demo mirror, laid out by cxrprep run: the demo model, a
# second one (the same graph, another class-0 bias) and a third with a
# 32x32 input (another input size: its own decoding pass). Checks the
# per-image CSVs (score_<name> columns; 'score' is the first model's, equal
# to a one-model run's), the per-set JSON and summary.json per model, the
# report (the models side by side per set, the recipe's false positives,
# the provenance: tree sha256, archive sha256, each model's sha256, the
# seed), --model NAME in set and single image mode, shards and a merge with
# several models, the config errors (score.model and score.models together,
# a name given twice or not a file name), and score's progress: redrawn
# with \r under script(1), no \r when stderr is a file, none with --quiet.
# Needs no ../shared and no python onnx.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
demo_score_setup

cd "$T" || exit 1
W=$T/work
DEMO="--config $SRC/config/demo.yaml --set workdir=$W --set fetch.lock_file=$T/demo.lock
 --set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip"
# shellcheck disable=SC2086
expect_exit 0 "demo laid out" "$BIN/cxrprep" run $DEMO --to layout
python3 - "$MIRROR/model.onnx" <<'PYEOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
bias, dims = struct.pack("<2f", -1.2, 0.9), b"\x0a\x02\x08\x40\x0a\x02\x08\x40"
assert d.count(bias) == 1 and d.count(dims) == 1, "demo model: bias or input dims not found"
open("model2.onnx", "wb").write(d.replace(bias, struct.pack("<2f", 0.4, 0.9)))
open("small.onnx", "wb").write(d.replace(dims, b"\x0a\x02\x08\x20\x0a\x02\x08\x20"))
PYEOF
MODELS="score.models=[{name: model1, path: $MIRROR/model.onnx}, {name: model2, path: $T/model2.onnx}, {name: small, path: $T/small.onnx}]"
S=$W/manifests/score
sc() { "$SCORE" $DEMO --set score.model= --set "$MODELS" "$@"; }

# --- one model first: the reference scores ---
# shellcheck disable=SC2086
expect_exit 0 "one model (score.model)" "$SCORE" $DEMO --set "score.model=$MIRROR/model.onnx"
check "one model: the plain CSV header" sh -c "head -1 $S/kermany_test_normal.csv | grep -qx 'image,score,truth,prediction,error'"
mkdir one && cp "$S"/*.csv "$S"/*.json one/
check "one model: no model column in the table" sh -c "! grep -q '^set  *model ' '$T/stdout'"

expect_exit 0 "three models" sc
check "table: a row per set and model" sh -c \
  "grep -Eq '^kermany_test_normal +model2 +10 ' '$T/stdout' && grep -Eq '^kermany_test_normal +small +10 ' '$T/stdout'"
check "CSV: a score and a prediction column per model" sh -c "head -1 $S/covid_validation.csv | grep -qx \
'image,score,truth,prediction,error,score_model1,prediction_model1,score_model2,prediction_model2,score_small,prediction_small'"
check "CSVs: every model scored every image; 'score' is model1's, as a one-model run's" \
  python3 - "$S" one <<'PYEOF'
import csv, sys
s, one = sys.argv[1:3]
bad = 0
for name in ("covid_validation", "normal_validation", "non_covid_pneumonia_validation",
             "kermany_test_normal", "kermany_test_pneumonia"):
    rows = list(csv.DictReader(open("%s/%s.csv" % (s, name))))
    ref = {r["image"]: r for r in csv.DictReader(open("%s/%s.csv" % (one, name)))}
    for r in rows:
        o = ref[r["image"]]
        ok = [r["score"] == r["score_model1"] == o["score"], r["prediction"] == o["prediction"],
              r["score_model2"] != "" and r["score_small"] != "",
              r["prediction_model2"] == ("positive" if float(r["score_model2"]) >= 0.5 else "negative")]
        if not all(ok):
            print(name, r, ok); bad = 1
    if len(rows) != len(ref):
        bad = 1
# the models differ: model2 calls more images positive
m2 = sum(1 for n in ("kermany_test_normal",) for r in csv.DictReader(open("%s/%s.csv" % (s, n)))
         if r["prediction_model2"] == "positive")
m1 = sum(1 for r in csv.DictReader(open("%s/kermany_test_normal.csv" % s)) if r["prediction_model1"] == "positive")
print("false positives on kermany_test_normal: model1 %d, model2 %d" % (m1, m2))
sys.exit(bad or not m2 > m1)
PYEOF
check "JSON: per set and in summary.json, each model's numbers from its column" \
  python3 - "$S" "$MIRROR/model.onnx" <<'PYEOF'
import csv, hashlib, json, sys
s, model = sys.argv[1:3]
summary = json.load(open(s + "/summary.json"))
names = [m["name"] for m in summary["models"]]
bad = names != ["model1", "model2", "small"]
bad |= summary["models"][0]["model"]["sha256"] != hashlib.sha256(open(model, "rb").read()).hexdigest()
bad |= summary["models"][2]["model"]["input_hwc"] != [32, 32, 3]
for name in ("normal_validation", "kermany_test_pneumonia"):
    j = json.load(open("%s/%s.json" % (s, name)))
    rows = list(csv.DictReader(open("%s/%s.csv" % (s, name))))
    for m in j["models"]:
        pos = sum(1 for r in rows if r["prediction_" + m["name"]] == "positive")
        if m["positives"] != pos or m["n"] != len(rows):
            print(name, m["name"], m["positives"], pos); bad = True
sys.exit(1 if bad else 0)
PYEOF
R=$S/report.html
check "report: both names, side by side per set" sh -c \
  "grep -q '<th>model1: positives</th><th>model2: positives</th><th>small: positives</th>' $R &&
   grep -q 'normal_validation: model1 (n=6)' $R && grep -q 'normal_validation: model2 (n=6)' $R"
check "report: the false positives on the Kermany test sets per model" sh -c \
  "grep -q '<th>model1: false positives</th><th>model2: false positives</th>' $R"
prov() { grep -q "<tr><th>$1</th><td><code>$2</code></td></tr>" "$R" || { echo "no '$1' '$2' in the report" >&2; return 1; }; }
check "report: the tree sha256" prov "tree sha256" "$(cut -c1-64 "$W/manifests/layout/tree.sha256")"
check "report: the tree is the demo's" prov "tree sha256" 8f5e0180900265bbfaf9ffa9c7f18215fbef36fa23d4a965e52a2f21abab2e1c
check "report: the archive sha256" prov "Kermany archive sha256" "$(sha256sum "$MIRROR/ChestXRay2017.zip" | cut -c1-64)"
check "report: the metadata sha256" prov "metadata sha256" "$(sha256sum "$MIRROR/metadata.csv" | cut -c1-64)"
check "report: the seed" prov seed 42
check "report: the config and its sha256" sh -c "grep -q '$(sha256sum "$SRC/config/demo.yaml" | cut -c1-64)' $R"
for m in model1:$MIRROR/model.onnx model2:$T/model2.onnx small:$T/small.onnx; do
  check "report: model ${m%%:*}'s path and sha256" sh -c \
    "grep -q \"<th>model &#39;${m%%:*}&#39; path</th><td><code>${m#*:}</code>\" $R &&
     grep -q \"<th>model &#39;${m%%:*}&#39; sha256</th><td><code>$(sha256sum "${m#*:}" | cut -c1-64)</code>\" $R"
done

# --- --model NAME: one configured model ---
expect_exit 0 "--model NAME in set mode" sc --model model2
check "--model model2: only its columns" sh -c "head -1 $S/covid_validation.csv | grep -qx \
'image,score,truth,prediction,error,score_model2,prediction_model2'"
img=$W/datasets/dataset_validation/covid_validation/$(sed -n 2p "$S/covid_validation.csv" | cut -d, -f1)
want() { python3 -c "import sys; p=float(sys.argv[1]); m=round(p*1e6); print('%s %d%%' % (('POSITIVE', (m+5000)//10000) if p >= 0.5 else ('NEGATIVE', (10**6-m+5000)//10000)))" "$1"; }
expect_exit 0 "three models again" sc
row=$(grep "^$(basename "$img")," "$S/covid_validation.csv")
expect_exit 0 "--image --model model2" sc --image "$img" --model model2
check "--image --model model2: model2's answer" [ "$(cat "$T/stdout")" = "$(want "$(echo "$row" | cut -d, -f8)")" ]
expect_exit 0 "--image, no --model: the first model" sc --image "$img"
check "--image: model1's answer" [ "$(cat "$T/stdout")" = "$(want "$(echo "$row" | cut -d, -f6)")" ]
expect_exit 0 "--image --model small" sc --image "$img" --model small
check "--image --model small: small's answer" [ "$(cat "$T/stdout")" = "$(want "$(echo "$row" | cut -d, -f10)")" ]
expect_exit 0 "--image --model FILE still takes a file" "$SCORE" --model "$T/model2.onnx" --image "$img"
check "--model FILE: model2's answer" [ "$(cat "$T/stdout")" = "$(want "$(echo "$row" | cut -d, -f8)")" ]

# --- shards and a merge with several models: the unsharded outputs ---
mkdir full && cp "$S"/*.csv "$S"/*.json full/
expect_exit 0 "shard 1/2" sc --shard 1/2
expect_exit 0 "shard 2/2" sc --shard 2/2
rm "$S"/*.csv "$S"/*.json
expect_exit 4 "merge with one of the models" sc --merge 2 --model model1
check "merge: says the models differ" stderr_has "scored with 3 models; this merge has 1"
expect_exit 0 "merge" sc --merge 2
for f in full/*.csv full/*.json; do
  check "merged $(basename "$f") equals unsharded" cmp -s "$f" "$S/$(basename "$f")"
done

# --- progress: redrawn on a terminal, never in a file ---
ONE_LINE=$(echo $DEMO)
expect_exit 0 "progress under script(1)" script -qec "'$SCORE' $ONE_LINE --set score.model= --set '$MODELS' >/dev/null" /dev/null
check "terminal: redraws with \\r" grep -q "$(printf '\r')score: [0-9]*/76 images" "$T/stdout"
check "terminal: the last count is every image of both passes" grep -q "score: 76/76 images" "$T/stdout"
expect_exit 0 "progress under script(1), --quiet" script -qec "'$SCORE' $ONE_LINE --quiet --set score.model= --set '$MODELS' >/dev/null" /dev/null
check "--quiet: no progress" sh -c "! grep -q 'score: ' '$T/stdout'"
sc > out.txt 2> err.txt
check "stderr to a file: no carriage return" sh -c "! grep -q \"\$(printf '\\r')\" err.txt && ! grep -q \"\$(printf '\\r')\" out.txt"

# --- the driver: `cxrprep run` scores with score.models alone, each model
# file an input of the score step (a changed model makes it stale) ---
# shellcheck disable=SC2086
expect_exit 0 "cxrprep run with score.models" "$BIN/cxrprep" run $DEMO --set score.model= --set "$MODELS"
check "run: the score step ran (not skipped)" sh -c "! grep -q 'score skipped' '$T/stdout' '$T/stderr'"
check "run: the CSVs have every model's column" sh -c "head -1 $S/covid_validation.csv | grep -q 'score_small,prediction_small'"
# shellcheck disable=SC2086
expect_exit 0 "status: up to date" "$BIN/cxrprep" status $DEMO --set score.model= --set "$MODELS"
printf 'x' >> "$T/small.onnx"
# shellcheck disable=SC2086
expect_exit 1 "status: a changed model file makes score stale" "$BIN/cxrprep" status $DEMO --set score.model= --set "$MODELS"
check "status: names the score step" sh -c "grep -q '^score' '$T/stdout'"
head -c -1 "$T/small.onnx" > "$T/small.tmp" && mv "$T/small.tmp" "$T/small.onnx"

# --- config errors: exit 3, naming the key ---
expect_exit 3 "score.model and score.models" "$SCORE" $DEMO --set "score.model=$MIRROR/model.onnx" --set "$MODELS"
check "names both keys" stderr_has "give 'score.model' or 'score.models', not both"
expect_exit 3 "a name given twice" "$SCORE" $DEMO --set score.model= \
  --set "score.models=[{name: a, path: $MIRROR/model.onnx}, {name: a, path: $T/model2.onnx}]"
check "names the name" stderr_has "score.models: the name 'a' is given twice"
expect_exit 3 "a name that is a path" "$SCORE" $DEMO --set score.model= \
  --set "score.models=[{name: ../a, path: $MIRROR/model.onnx}]"
check "names the key" stderr_has "score.models.0.name '../a'"
expect_exit 3 "a model without a path" "$SCORE" $DEMO --set score.model= --set "score.models=[{name: a}]"
check "names the missing key" stderr_has "path"
echo "not onnx" > bad.onnx
rm -rf "$S"
expect_exit 4 "a model that is not ONNX among the models" "$SCORE" $DEMO --set score.model= \
  --set "score.models=[{name: a, path: $MIRROR/model.onnx}, {name: b, path: $T/bad.onnx}]"
check "names the model" stderr_has "model '$T/bad.onnx'"
check "nothing written" test ! -e "$S/summary.json"
finish
