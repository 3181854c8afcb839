#!/bin/sh
# score_cli.sh: cxrprep-score end to end on a fixture with known answers
# (tests/lib/score_fixture.py: a model whose score of a one-colour image is
# known exactly, solid PNGs in every pixel form, a truncated PNG, and a
# Kermany-shaped zip read in place), then single image mode, shards + merge
# against the unsharded outputs, the 128 real ieee8023 images, and the
# errors a user meets.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
shared_or_skip
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "skip: no python3 with onnx and numpy (Debian python3-onnx)"; exit 77; }
SCORE="$BIN/cxrprep-score"
[ -x "$SCORE" ] || { echo "skip: cxrprep-score not built (libcxrinfer absent)"; exit 77; }

cd "$T" || exit 1
"$PY" "$SRC/tests/lib/score_fixture.py" "$T" "$SHARED" || { echo "FAIL: fixture"; exit 1; }
cat > c.yaml <<YAML
version: 1
workdir: work
seed: 7
sources:
  metadata:
    url: unused.csv
  kermany:
    url: kermany.zip
select: {}
score:
  model: model.onnx
  threads: 3
  batch: 2
YAML
M=work/manifests/score

expect_exit 0 "full run" "$SCORE" --config c.yaml
check "images/s printed" grep -q "images/s" "$T/stdout"
for s in covid_validation normal_validation non_covid_pneumonia_validation \
         kermany_test_normal kermany_test_pneumonia; do
  check "$s.csv" test -f "$M/$s.csv"
  check "$s.json" test -f "$M/$s.json"
done
check "report written" test -f "$M/report.html"
check "csv header" sh -c "head -1 $M/covid_validation.csv | grep -qx 'image,score,truth,prediction,error'"

# every solid image scores what the weights say (float32 engine: 1e-4)
check "scores match the closed form" "$PY" - "$M" expected.csv <<'PYEOF'
import csv, sys
m, exp = sys.argv[1], sys.argv[2]
bad = 0
for row in csv.DictReader(open(exp)):
    got = {r["image"]: r for r in csv.DictReader(open("%s/%s.csv" % (m, row["set"])))}
    r = got.get(row["image"])
    want = float(row["score"])
    if r is None or abs(float(r["score"]) - want) > 1e-4:
        print("score of %s: %s, want %.6f" % (row["image"], r and r["score"], want)); bad = 1
    elif r["prediction"] != ("positive" if float(r["score"]) >= 0.5 else "negative"):
        print("prediction of %s: %s" % (row["image"], r["prediction"])); bad = 1
sys.exit(bad)
PYEOF
check "truncated image recorded, not scored" \
  grep -q '^n05_truncated.png,,negative,,truncated png' "$M/normal_validation.csv"
check "archive set: names from the zip, junk skipped" sh -c \
  "[ \$(($(wc -l < $M/kermany_test_pneumonia.csv) - 1)) = 4 ] && ! grep -q '\._' $M/kermany_test_pneumonia.csv"

# the same Kermany sets from a tar.gz give the same rows
expect_exit 0 "archive sets from a tar.gz" "$SCORE" --config c.yaml --set workdir=work-tar \
  --set sources.kermany.url=kermany.tar.gz \
  --set 'score.sets=[{name: kermany_test_normal, archive_dir: test/NORMAL, truth: negative}]'
check "tar.gz rows equal zip rows" cmp -s work-tar/manifests/score/kermany_test_normal.csv \
  "$M/kermany_test_normal.csv"
expect_exit 8 "an archive folder that is not there" "$SCORE" --config c.yaml --set workdir=work-tar \
  --set 'score.sets=[{name: v, archive_dir: val/NORMAL}]'
check "names the folder" stderr_has "no images under 'val/NORMAL'"

# the JSON numbers follow from the CSV (independent recount)
check "per-set JSON agrees with its CSV" "$PY" - "$M" <<'PYEOF'
import csv, json, statistics, sys
m = sys.argv[1]
bad = 0
for s in ("covid_validation", "normal_validation", "non_covid_pneumonia_validation"):
    rows = list(csv.DictReader(open("%s/%s.csv" % (m, s))))
    sc = sorted(float(r["score"]) for r in rows if r["score"])
    j = json.load(open("%s/%s.json" % (m, s)))
    pos = sum(v >= 0.5 for v in sc)
    checks = [j["n"] == len(sc), j["failed"] == len(rows) - len(sc), j["positives"] == pos,
              abs(j["mean"] - sum(sc) / len(sc)) < 1e-9,
              abs(j["median"] - statistics.median(sc)) < 1e-9,
              sum(j["histogram"]["counts"]) == len(sc), j["min"] == sc[0], j["max"] == sc[-1]]
    if j["truth"] == "positive":
        checks.append(j["confusion"]["tp"] == pos and j["specificity"] is None)
    else:
        checks.append(j["confusion"]["fp"] == pos and j["sensitivity"] is None)
    if not all(checks):
        print(s, checks); bad = 1
summary = json.load(open("%s/summary.json" % m))
c = [x for x in summary["comparisons"] if x["label"] == "covid_validation vs normal_validation"]
# covid scores {.9997,.9989,.9923,.9995,.6085} vs normal {.0322,.2304,.0815,.9985}:
# pairs won 4*3 + 4 (the 0.9985 beats only 0.9923 and 0.6085: 2 lost) -> 18/20
if not c or abs(c[0]["roc_auc"] - 0.9) > 1e-9 or not (c[0]["ci_low"] <= 0.9 <= c[0]["ci_high"]):
    print("auc", c); bad = 1
if summary["images"] != 19 or summary["failed"] != 1:
    print("totals", summary["images"], summary["failed"]); bad = 1
sys.exit(bad)
PYEOF

# single image mode and the recipe's labelled copy
img=work/datasets/dataset_validation/covid_validation/c05_dim.png
expect_exit 0 "single image" "$SCORE" --model model.onnx --image "$img" --labelled-copy copies
check "prints POSITIVE 60%" grep -qx "POSITIVE 60%" "$T/stdout"
check "labelled copy" test -f copies/POSITIVE_Prob_60_Name_c05_dim.png
check "labelled copy is a png" sh -c "head -c 4 copies/POSITIVE_Prob_60_Name_c05_dim.png | od -An -c | grep -q 'P   N   G'"
expect_exit 0 "single negative" "$SCORE" --model model.onnx \
  --image work/datasets/dataset_validation/normal_validation/n01_dark.png
check "prints NEGATIVE 3%" grep -qx "NEGATIVE 3%" "$T/stdout"
expect_exit 0 "single image, threshold from config" "$SCORE" --config c.yaml \
  --set score.threshold=0.7 --image "$img"
check "NEGATIVE at threshold 0.7" grep -qx "NEGATIVE 60%" "$T/stdout"
expect_exit 3 "single image, threshold out of range" "$SCORE" --config c.yaml \
  --set score.threshold=2 --image "$img"
check "threshold out of range: named" stderr_has "'score.threshold' must be between 0 and 1"
expect_exit 4 "single truncated image" "$SCORE" --model model.onnx \
  --image work/datasets/dataset_validation/normal_validation/n05_truncated.png
check "names the image" stderr_has "n05_truncated.png"
expect_exit 5 "single image that is a directory" "$SCORE" --model model.onnx --image copies
check "directory: the reason" stderr_has "cannot read 'copies': Is a directory"
# score runs itself again with OMP_WAIT_POLICY=PASSIVE; under valgrind
# --trace-children=yes that must start the program, not valgrind's tool
# (--help: valgrind cannot follow the engine's JIT code on every model;
# skipped without valgrind or in a sanitizer build)
if command -v valgrind >/dev/null 2>&1 && ! ldd "$SCORE" | grep -q libasan; then
  expect_exit 0 "under valgrind" env -u OMP_WAIT_POLICY valgrind -q --trace-children=yes \
    --error-exitcode=99 "$SCORE" --help
  check "under valgrind: the help" grep -q "^usage: cxrprep-score" "$T/stdout"
fi

# shards 1..3 then a merge give the unsharded outputs
mkdir full && cp "$M"/*.csv "$M"/*.json full/
for k in 1 2 3; do
  expect_exit 0 "shard $k/3" "$SCORE" --config c.yaml --shard $k/3
done
check "shard 2 has its own outputs" test -f "$M/shards/2-of-3/shard.json"
rm "$M"/*.csv "$M"/*.json
expect_exit 0 "merge" "$SCORE" --config c.yaml --merge 3
for f in full/*.csv full/*.json; do
  b=$(basename "$f")
  [ "$b" = summary.json ] && continue
  check "merged $b equals unsharded" cmp -s "$f" "$M/$b"
done
check "merged summary equals unsharded, byte for byte" cmp -s full/summary.json "$M/summary.json"
check "no run timing in summary.json" test -z "$(grep -e throughput -e images_per_s "$M/summary.json")"
expect_exit 8 "merge with a shard missing" "$SCORE" --config c.yaml --merge 4
check "names the missing shard" stderr_has "shard 1 of 4 is missing"

# the real images: every form decodes and scores
cat > real.yaml <<YAML
version: 1
workdir: work-real
sources: {metadata: {url: unused.csv}}
select: {}
score:
  model: model.onnx
  sets:
    - {name: ieee8023, folder: $SHARED/data/ieee8023/images, truth: positive, source: ieee8023}
    - {name: kermany, folder: $SHARED/data/kermany-sample/chest_xray/train/NORMAL, truth: negative, source: kermany}
YAML
expect_exit 0 "real images" "$SCORE" --config real.yaml
check "128 real ieee8023 images scored, none failed" grep -Eq '^ieee8023 +128 +0 ' "$T/stdout"
check "20 Kermany images scored" grep -Eq '^kermany +20 +0 ' "$T/stdout"

# an empty set, and a set name the report must escape
mkdir -p work/datasets/empty
expect_exit 0 "empty set" "$SCORE" --config c.yaml \
  --set 'score.sets=[{name: "a<b>&c", folder: empty, truth: positive}]'
check "empty set: warned" stderr_has "warning: set 'a<b>&c' has no images"
check "empty set: n 0, no mean" "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j['n'] == 0 and j['mean'] is None))" "$M/a<b>&c.json"
check "set names escaped in the report" sh -c "grep -q 'a&lt;b&gt;&amp;c' $M/report.html && ! grep -q 'a<b>&c' $M/report.html"

# errors
expect_exit 3 "no model" "$SCORE" --config c.yaml --set score.model=
check "says how to give one" stderr_has "give --model FILE"
expect_exit 2 "bad shard" "$SCORE" --config c.yaml --shard 4/3
expect_exit 2 "no config" "$SCORE"
expect_exit 8 "missing folder" "$SCORE" --config c.yaml --set workdir=elsewhere
check "names the set and folder" stderr_has "set 'covid_validation': folder 'elsewhere/datasets"
expect_exit 3 "set with folder and archive_dir" "$SCORE" --config c.yaml \
  --set 'score.sets=[{name: a, folder: x, archive_dir: test/NORMAL}]'
expect_exit 3 "set name that is a path" "$SCORE" --config c.yaml \
  --set 'score.sets=[{name: ../a, folder: x}]'
echo "not onnx" > bad.onnx
expect_exit 4 "malformed model" "$SCORE" --config c.yaml --model bad.onnx
check "names the model" stderr_has "model 'bad.onnx'"
expect_exit 3 "positive_index beyond the classes" "$SCORE" --config c.yaml \
  --set score.positive_index=2
finish
