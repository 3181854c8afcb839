#!/bin/sh
# score_cli.sh: cxrprep-score end to end on a fixture with known answers
# (tests/lib/score_fixture.py: a model whose score of a one-colour image is
# known exactly, solid PNGs in every pixel form, a truncated PNG, and a
# Kermany-shaped zip of the demo mirror's JPEGs read in place), then the
# model contract (ten-class and two-input models refused before any image
# is read, a sigmoid model), single image mode (the recipe's label and
# percent, the decode cap, a 30000x30000 PNG refused), shards + merge
# against the unsharded outputs (and a merge refusing another threshold or
# model), and the errors a user meets. No ../shared: the real images and
# models are in score_cli_real.sh; several named models: score_models.sh.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "skip: no python3 with onnx and numpy (Debian python3-onnx)"; exit 77; }
SCORE="$BIN/cxrprep-score"
[ -x "$SCORE" ] || { echo "skip: cxrprep-score not built (libcxrinfer absent)"; exit 77; }
MIRROR=${CXR_BUILD_DIR:?run through ctest}/demo/mirror
[ -f "$MIRROR/.complete" ] || { bad "the build did not write the demo mirror"; finish; exit 1; }

cd "$T" || exit 1
"$PY" "$SRC/tests/lib/score_fixture.py" "$T" "$MIRROR/ChestXRay2017.zip" || { echo "FAIL: fixture"; exit 1; }
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
V=work/datasets/dataset_validation

expect_exit 0 "full run" "$SCORE" --config c.yaml
check "images/s printed" grep -q "images/s" "$T/stdout"
# the table's numbers are the JSON's (a set's median is never "nan")
check "table median is the JSON median" "$PY" - "$M" "$T/stdout" <<'PYEOF'
import json, sys
m, out = sys.argv[1], sys.argv[2]
rows = {l.split()[0]: l.split() for l in open(out) if l[:1].isalpha() and len(l.split()) == 6}
j = json.load(open("%s/covid_validation.json" % m))
sys.exit(0 if rows["covid_validation"][5] == "%.3f" % j["median"] else 1)
PYEOF

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
# the one rule at its boundary: a threshold equal to a score makes that
# image positive in the CSV, the counts, the confusion matrices and --image
thr=$(grep '^c05_dim.png,' "$M/covid_validation.csv" | cut -d, -f2)
expect_exit 0 "threshold equal to a score" "$SCORE" --config c.yaml --set workdir=work-thr \
  --set "score.threshold=$thr" --set "score.sets=[{name: covid, folder: $T/$V/covid_validation, truth: positive}, {name: normal, folder: $T/$V/normal_validation, truth: negative}]"
check "at the threshold: positive everywhere" "$PY" - work-thr/manifests/score "$thr" <<'PYEOF'
import csv, json, sys
m, thr = sys.argv[1], float(sys.argv[2])
rows = list(csv.DictReader(open(m + "/covid.csv")))
c05 = [r for r in rows if r["image"] == "c05_dim.png"][0]
pos = sum(1 for r in rows if r["score"] and float(r["score"]) >= thr)
j = json.load(open(m + "/covid.json"))
cmp = json.load(open(m + "/summary.json"))["comparisons"][0]["confusion"]
ok = [c05["prediction"] == "positive", float(c05["score"]) == thr, j["positives"] == pos,
      j["confusion"]["tp"] == pos, cmp["tp"] == pos, pos == 5]
print(ok)
sys.exit(0 if all(ok) else 1)
PYEOF
expect_exit 0 "single image at a threshold equal to its score" "$SCORE" --config c.yaml \
  --set "score.threshold=$thr" --image $V/covid_validation/c05_dim.png
check "single image at the threshold: POSITIVE" grep -qx "POSITIVE 61%" "$T/stdout"

# --- the model contract: checked at load, before any image is read ---
for m in model_cifar10 model_mnist10; do
  expect_exit 4 "$m: set mode" "$SCORE" --config c.yaml --model $m.onnx --set workdir=nowhere
  check "$m: set mode names the output found" stderr_has "output"
  check "$m: set mode says what is expected" stderr_has "expected one input [N,H,W,C]"
  check "$m: set mode, no output written" test ! -d nowhere/manifests/score
  expect_exit 4 "$m: single image mode" "$SCORE" --model $m.onnx --image no-such-image.png
  check "$m: single image mode says what is expected" stderr_has "one output [N,2] (two classes)"
done
# every model of score.models is held to the contract, before any image is read
expect_exit 4 "score.models with a ten-class model" "$SCORE" --config c.yaml --set score.model= \
  --set 'score.models=[{name: good, path: model.onnx}, {name: c10, path: model_cifar10.onnx}]' \
  --set workdir=nowhere
check "score.models: the ten-class model named" stderr_has "model 'model_cifar10.onnx' is not a two-class image classifier"
check "score.models: no output written" test ! -d nowhere/manifests/score
check "a 32x32x3 ten-class model: the shapes found" sh -c \
  "'$SCORE' --model model_cifar10.onnx --image x.png 2>&1 | grep -qF \"found input 'input:0' [N,32,32,3] (NHWC) and output 'probs:0' [N,10]\""
check "an MNIST-like model: the shapes found" sh -c \
  "'$SCORE' --model model_mnist10.onnx --image x.png 2>&1 | grep -qF \"[1,1,28,28] (NCHW) and output 'output' [1,10]\""
expect_exit 4 "a model with two inputs" "$SCORE" --config c.yaml --model model_2in.onnx
check "two inputs: named" stderr_has "has 2 inputs and 1 output"
expect_exit 3 "positive_index beyond the classes" "$SCORE" --config c.yaml \
  --set score.positive_index=2
check "positive_index: both named" stderr_has "score.positive_index 2, but model 'model.onnx' has two classes"
# a single sigmoid unit is the probability of class 1: with positive_index
# 0 the score is its complement, the two-class model's score
expect_exit 0 "sigmoid model" "$SCORE" --config c.yaml --model model_sigmoid.onnx \
  --set workdir=work-sig --set "score.sets=[{name: v, folder: $T/$V/covid_validation}]"
check "sigmoid scores equal the two-class model's" "$PY" - work-sig/manifests/score/v.csv \
  "$M/covid_validation.csv" <<'PYEOF'
import csv, sys
a = {r["image"]: r["score"] for r in csv.DictReader(open(sys.argv[1]))}
b = {r["image"]: r["score"] for r in csv.DictReader(open(sys.argv[2]))}
sys.exit(0 if a.keys() == b.keys() and all(abs(float(a[k]) - float(b[k])) < 2e-6 for k in a) else 1)
PYEOF
expect_exit 0 "sigmoid model, positive_index 1" "$SCORE" --model model_sigmoid.onnx \
  --config c.yaml --set score.positive_index=1 --image $V/covid_validation/c05_dim.png
check "positive class 1 loses at 0.3915: NEGATIVE, class 0's 61%" grep -qx "NEGATIVE 61%" "$T/stdout"

# --- single image mode: the recipe's answer, from the same rule and caps ---
img=$V/covid_validation/c05_dim.png
expect_exit 0 "single image" "$SCORE" --model model.onnx --image "$img" --labelled-copy copies
# P(class 0) = 0.608472...: POSITIVE, round(60.85) = 61
check "prints POSITIVE 61%" grep -qx "POSITIVE 61%" "$T/stdout"
check "labelled copy" test -f copies/POSITIVE_Prob_61_Name_c05_dim.png
check "labelled copy is a png" sh -c "head -c 4 copies/POSITIVE_Prob_61_Name_c05_dim.png | od -An -c | grep -q 'P   N   G'"
expect_exit 0 "single negative" "$SCORE" --model model.onnx --image $V/normal_validation/n01_dark.png
# P(class 0) = 0.0322: the negative class wins with 96.8%
check "prints NEGATIVE 97% (the winning class's probability)" grep -qx "NEGATIVE 97%" "$T/stdout"
expect_exit 0 "single image, threshold from config" "$SCORE" --config c.yaml \
  --set score.threshold=0.7 --image "$img"
check "NEGATIVE at threshold 0.7, with P(negative)" grep -qx "NEGATIVE 39%" "$T/stdout"
expect_exit 3 "single image, threshold out of range" "$SCORE" --config c.yaml \
  --set score.threshold=2 --image "$img"
check "threshold out of range: named" stderr_has "'score.threshold' must be between 0 and 1"
check "every image: label and percent from the set run's probabilities" "$PY" - "$SCORE" "$M" \
  "$V" <<'PYEOF'
import csv, subprocess, sys
score, m, v = sys.argv[1:4]
bad = 0
for s in ("covid_validation", "normal_validation", "non_covid_pneumonia_validation"):
    for r in csv.DictReader(open("%s/%s.csv" % (m, s))):
        if not r["score"]:
            continue
        p = float(r["score"])  # six decimals: the percent in integer millionths
        micro = round(p * 1e6)
        label, prob = ("POSITIVE", micro) if p >= 0.5 else ("NEGATIVE", 10**6 - micro)
        want = "%s %d%%" % (label, (prob + 5000) // 10000)
        got = subprocess.run([score, "--model", "model.onnx", "--image", "%s/%s/%s" % (v, s, r["image"])],
                             capture_output=True, text=True).stdout.strip()
        if got != want:
            print(r["image"], got, want); bad = 1
sys.exit(bad)
PYEOF
expect_exit 4 "single image over score.max_dimension" "$SCORE" --config c.yaml \
  --set score.max_dimension=20 --image "$img"
check "the cap is the config's" stderr_has "40x30 exceeds the 20 pixel cap"
# a 30000x30000 grey PNG in 0.9 MB (rows of zeros; deflate blocks after a
# full flush repeat): refused from its header, never decoded into 900 MB
"$PY" - huge.png <<'PYEOF'
import struct, sys, zlib
W = H = 30000
block = b"\0" * (W + 1) * 100
c = zlib.compressobj(9)
first = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
end = c.flush(zlib.Z_FINISH)[:-4]
adler = 1
for _ in range(H // 100):
    adler = zlib.adler32(block, adler)
idat = first + again * (H // 100 - 1) + end + struct.pack(">I", adler)
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
PYEOF
check "huge png under 1 MB" test "$(wc -c < huge.png)" -lt 1000000
check "huge png: refused fast and small (exit 4, < 10 s, < 400 MB)" "$PY" - "$SCORE" <<'PYEOF'
import resource, subprocess, sys, time
t = time.time()
p = subprocess.run([sys.argv[1], "--model", "model.onnx", "--image", "huge.png"],
                   capture_output=True, text=True)
secs, rss = time.time() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
print("huge png: exit %d in %.2f s, %.0f MB: %s" % (p.returncode, secs, rss, p.stderr.strip()))
sys.exit(0 if p.returncode == 4 and "30000x30000 exceeds the 16384 pixel cap" in p.stderr
         and secs < 10 and rss < 400 else 1)
PYEOF
mkdir -p work/datasets/big && cp huge.png work/datasets/big/
expect_exit 0 "set mode: the huge png is a failed image" "$SCORE" --config c.yaml \
  --set 'score.sets=[{name: big, folder: big}]'
check "set mode: the same cap" grep -q '^huge.png,,,,image too large: 30000x30000 exceeds the 16384 pixel cap' "$M/big.csv"
expect_exit 4 "single truncated image" "$SCORE" --model model.onnx \
  --image $V/normal_validation/n05_truncated.png
check "names the image" stderr_has "n05_truncated.png"
expect_exit 5 "single image that is a directory" "$SCORE" --model model.onnx --image copies
check "directory: the reason" stderr_has "cannot read 'copies': Is a directory"
expect_exit 2 "single image without a model" "$SCORE" --image "$img"
# score runs itself again with OMP_WAIT_POLICY=PASSIVE; under valgrind
# --trace-children=yes that must start the program, not valgrind's tool
# (--help: valgrind cannot follow the engine's JIT code on every model;
# skipped without valgrind or in a sanitizer build)
if command -v valgrind >/dev/null 2>&1 && ! ldd "$SCORE" | grep -q libasan; then
  expect_exit 0 "under valgrind" env -u OMP_WAIT_POLICY valgrind -q --trace-children=yes \
    --error-exitcode=99 "$SCORE" --help
  check "under valgrind: the help" grep -q "^usage: cxrprep-score" "$T/stdout"
fi

# --- the demo's model on the demo's images: single image mode = set mode ---
printf 'version: 1\nworkdir: work-demo\nsources: {metadata: {url: x.csv}}\nselect: {}\nscore:\n  model: %s\n  sets: [{name: demo, folder: %s}]\n' \
  "$MIRROR/model.onnx" "$MIRROR/images" > demo.yaml
expect_exit 0 "demo images, set mode" "$SCORE" --config demo.yaml
check "demo images: label and percent of every image from the set run's CSV" "$PY" - "$SCORE" \
  work-demo/manifests/score/demo.csv "$MIRROR" <<'PYEOF'
import csv, subprocess, sys
score, path, mirror = sys.argv[1:4]
rows = [r for r in csv.DictReader(open(path)) if r["score"]]
labels = set()
for r in rows:
    p = float(r["score"])
    micro = round(p * 1e6)
    label, prob = ("POSITIVE", micro) if p >= 0.5 else ("NEGATIVE", 10**6 - micro)
    want = "%s %d%%" % (label, (prob + 5000) // 10000)
    got = subprocess.run([score, "--config", "demo.yaml", "--image", "%s/images/%s" % (mirror, r["image"])],
                         capture_output=True, text=True).stdout.strip()
    labels.add(label)
    if got != want:
        print(r["image"], got, want); sys.exit(1)
sys.exit(0 if len(rows) > 20 and len(labels) == 2 else 1)
PYEOF

# --- shards 1..3 then a merge give the unsharded outputs ---
rm -rf "$M"
expect_exit 0 "full run again" "$SCORE" --config c.yaml
mkdir full && cp "$M"/*.csv "$M"/*.json full/
for k in 1 2 3; do
  expect_exit 0 "shard $k/3" "$SCORE" --config c.yaml --shard $k/3
  check "shard $k/3: no 'nan' in the table" sh -c "! grep -q nan '$T/stdout'"
done
check "shard 3/3: median is the shard's" "$PY" - "$M/shards/3-of-3/covid_validation.csv" "$T/stdout" <<'PYEOF'
import csv, statistics, sys
sc = [float(r["score"]) for r in csv.DictReader(open(sys.argv[1])) if r["score"]]
row = [l.split() for l in open(sys.argv[2]) if l.startswith("covid_validation ")][0]
sys.exit(0 if row[5] == "%.3f" % statistics.median(sc) else 1)
PYEOF
check "shard 2 has its own outputs" test -f "$M/shards/2-of-3/shard.json"
rm "$M"/*.csv "$M"/*.json
expect_exit 4 "merge at another threshold" "$SCORE" --config c.yaml --merge 3 \
  --set score.threshold=0.7
check "merge threshold: names both" stderr_has "scored at threshold 0.5, this merge's threshold is 0.7"
expect_exit 4 "merge with another model" "$SCORE" --config c.yaml --merge 3 --model model_sigmoid.onnx
sha_model=$(sha256sum model.onnx | cut -d' ' -f1)
sha_sigmoid=$(sha256sum model_sigmoid.onnx | cut -d' ' -f1)
check "merge model: names both sha256" sh -c "grep -qF '$sha_model' '$T/stderr' && grep -qF \"'model_sigmoid.onnx' has sha256 $sha_sigmoid\" '$T/stderr'"
check "refused merges write nothing" test ! -e "$M/summary.json"
expect_exit 0 "merge" "$SCORE" --config c.yaml --merge 3
for f in full/*.csv full/*.json; do
  b=$(basename "$f")
  [ "$b" = summary.json ] && continue
  check "merged $b equals unsharded" cmp -s "$f" "$M/$b"
done
check "merged summary equals unsharded, byte for byte" cmp -s full/summary.json "$M/summary.json"
check "no run timing in summary.json" test -z "$(grep -e throughput -e images_per_s "$M/summary.json")"
expect_exit 0 "merge naming the same model" "$SCORE" --config c.yaml --merge 3 --model model.onnx
expect_exit 8 "merge with a shard missing" "$SCORE" --config c.yaml --merge 4
check "names the missing shard" stderr_has "shard 1 of 4 is missing"

# an empty set, and a set name the report must escape
mkdir -p work/datasets/empty
expect_exit 0 "empty set" "$SCORE" --config c.yaml \
  --set 'score.sets=[{name: "a<b>&c", folder: empty, truth: positive}]'
check "empty set: warned" stderr_has "warning: set 'a<b>&c' has no images"
check "empty set: '-' for mean and median, never 'nan'" sh -c \
  "grep -Eq '^a<b>&c +0 +0 +0 +- +-\$' '$T/stdout' && ! grep -q nan '$T/stdout'"
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
finish
