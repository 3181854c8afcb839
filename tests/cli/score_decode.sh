#!/bin/sh
# score_decode.sh: score.decode on the generated demo mirror, laid out by
# cxrprep run. exact (the default) writes the same CSVs whether said or
# not, and no "decode" key; fast scores every image exact scores, each
# within BOUND of its exact score, and says so in the JSONs and the report;
# --image and its labelled copy follow score.decode; shards scored fast
# merge only under fast; a bad value is a config error (exit 3) naming the
# key. Needs no ../shared.
#
# The key is absent from the effective config unless given (no schema
# default), so the score section's hash, and with it every exact output
# of a config that does not name it, is what it was before the key.
#
# BOUND: the demo's JPEGs (224 to 640 pixels a side) are decoded for the
# 64x64 demo model at 3/8 to 7/8 of their size: the IDCT's scaling is an
# average over each block where the exact path samples the full image, so
# the model's input moves by a few grey levels where the synthetic images
# have edges. Measured (bench/decode_diff.sh): the largest |fast - exact|
# is 0.0035 on the demo (38 images, mean 0.0010) and 0.023 on the real
# images with the same model (168 images, 1 to 2 megapixels, so 1/8 to
# 2/8 scale); 0.02 is the demo's with a wide margin, and an order of
# magnitude under the spread of the demo's scores.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
demo_score_setup
BOUND=0.02

cd "$T" || exit 1
W=$T/work
DEMO="--config $SRC/config/demo.yaml --set workdir=$W --set fetch.lock_file=$T/demo.lock
 --set sources.metadata.url=$MIRROR/metadata.csv
 --set sources.images.url_template=$MIRROR/images/{filename}
 --set sources.kermany.url=$MIRROR/ChestXRay2017.zip
 --set score.model=$MIRROR/model.onnx"
S=$W/manifests/score
# shellcheck disable=SC2086
expect_exit 0 "demo laid out" "$BIN/cxrprep" run $DEMO --to layout

# --- exact: the default, and the same bytes when said ---
# shellcheck disable=SC2086
expect_exit 0 "exact (the default)" "$SCORE" $DEMO
mkdir exact && cp "$S"/*.csv "$S"/*.json "$S"/report.html exact/
# shellcheck disable=SC2086
expect_exit 0 "score.decode=exact" "$SCORE" $DEMO --set score.decode=exact
check "score.decode=exact writes the CSVs the default writes, byte for byte" sh -c \
  "for f in exact/*.csv; do cmp -s \"\$f\" '$S'/\$(basename \"\$f\") || exit 1; done"
check "score.decode=exact: the JSONs differ only in the score section's hash (a key given)" \
  python3 - exact "$S" <<'PYEOF'
import glob, json, os, sys
ok = True
for f in glob.glob(sys.argv[1] + "/*.json"):
    a, b = json.load(open(f)), json.load(open(os.path.join(sys.argv[2], os.path.basename(f))))
    ok &= a.pop("config_hash") != b.pop("config_hash") and a == b
sys.exit(0 if ok else 1)
PYEOF
check "exact: no 'decode' key in the JSONs" sh -c "! grep -q '\"decode\"' exact/*.json"
check "exact: the report's provenance says exact" grep -qF 'exact (score.decode)' exact/report.html

# --- fast: every image scored, within BOUND, and said ---
# shellcheck disable=SC2086
expect_exit 0 "score.decode=fast" "$SCORE" $DEMO --set score.decode=fast
mkdir fast && cp "$S"/*.csv "$S"/*.json "$S"/report.html fast/
check "fast: the same images, each scored, within $BOUND of exact" \
  python3 - exact fast "$BOUND" <<'PYEOF'
import csv, glob, json, os, sys
exact, fast, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
worst, n, changed, ok = 0.0, 0, 0, True
for e in sorted(glob.glob(exact + "/*.csv")):
    a = list(csv.DictReader(open(e)))
    b = list(csv.DictReader(open(os.path.join(fast, os.path.basename(e)))))
    ok &= [r["image"] for r in a] == [r["image"] for r in b]
    for x, y in zip(a, b):
        ok &= bool(x["score"]) == bool(y["score"]) and x["error"] == y["error"]
        if x["score"]:
            d = abs(float(x["score"]) - float(y["score"]))
            worst, n, changed = max(worst, d), n + 1, changed + (d > 0)
    je = json.load(open(e[:-4] + ".json"))
    jf = json.load(open(os.path.join(fast, os.path.basename(e)[:-4] + ".json")))
    ok &= je["n"] == jf["n"] and je["failed"] == jf["failed"] and jf.get("decode") == "fast"
ok &= json.load(open(fast + "/summary.json")).get("decode") == "fast"
print("fast against exact: %d images, %d changed, largest |difference| %.6f" % (n, changed, worst))
sys.exit(0 if ok and n > 0 and changed > 0 and worst <= bound else 1)
PYEOF
check "fast: the report's provenance says fast" grep -qF 'fast (score.decode)' fast/report.html

# --- --image follows score.decode: each JPEG of a set, both ways ---
python3 - exact fast "$W" > images.txt <<'PYEOF'
import csv, json, sys
exact, fast, w = sys.argv[1:4]
origin = json.load(open(exact + "/covid_validation.json"))["origin"]
folder = origin.split(" ", 1)[1]   # "folder <path>", relative to the workdir
folder = folder if folder.startswith("/") else w + "/" + folder
for x, y in zip(csv.DictReader(open(exact + "/covid_validation.csv")),
                csv.DictReader(open(fast + "/covid_validation.csv"))):
    if x["image"].lower().endswith((".jpg", ".jpeg")) and x["score"]:
        print(folder + "/" + x["image"], x["score"], y["score"])
PYEOF
percent() { # the single image answer from a CSV score, as score_single.c rounds it
  python3 -c "import sys; m=round(float(sys.argv[1])*1e6); p=m>=500000
print(('POSITIVE' if p else 'NEGATIVE'), '%d%%' % (((m if p else 1000000-m)+5000)//10000))" "$1"
}
differ=0 agree=0 total=0
while read -r img se sf; do
  total=$((total + 1))
  [ "$(percent "$se")" != "$(percent "$sf")" ] && differ=$((differ + 1))
  # shellcheck disable=SC2086
  e=$("$SCORE" $DEMO --image "$img" 2>/dev/null)
  # shellcheck disable=SC2086
  f=$("$SCORE" $DEMO --set score.decode=fast --image "$img" 2>/dev/null)
  [ "$e" = "$(percent "$se")" ] && [ "$f" = "$(percent "$sf")" ] && agree=$((agree + 1))
done < images.txt
check "--image: exact and fast answers are the set run's ($agree of $total JPEGs)" \
  test "$total" -gt 0 -a "$agree" = "$total"
check "--image: some JPEG's answer changes with fast, so the check above can tell" \
  test "$differ" -gt 0
img=$(head -1 images.txt | cut -d' ' -f1)
# shellcheck disable=SC2086
expect_exit 0 "--image fast --labelled-copy" "$SCORE" $DEMO --set score.decode=fast \
  --image "$img" --labelled-copy copies
check "fast: the labelled copy is the image at its own size" python3 - "$img" copies <<'PYEOF'
import glob, struct, subprocess, sys
img, d = sys.argv[1:3]
png = glob.glob(d + "/*.png")
data = open(img, "rb").read()
i, size = 2, None
while i < len(data):          # the JPEG's first frame header
    m, n = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
    if 0xC0 <= m <= 0xC2:
        h, w = struct.unpack(">HH", data[i + 5:i + 9]); size = (w, h); break
    i += 2 + n
w, h = struct.unpack(">II", open(png[0], "rb").read()[16:24])
sys.exit(0 if len(png) == 1 and size == (w, h) else 1)
PYEOF

# --- shards: the decode travels with them ---
for k in 1 2; do
  # shellcheck disable=SC2086
  expect_exit 0 "fast shard $k/2" "$SCORE" $DEMO --set score.decode=fast --shard $k/2
done
check "shard.json says fast" grep -q '"decode": *"fast"' "$S/shards/1-of-2/shard.json"
# shellcheck disable=SC2086
expect_exit 4 "merge of fast shards under exact" "$SCORE" $DEMO --merge 2
check "merge under exact: names score.decode" stderr_has "score.decode"
# shellcheck disable=SC2086
expect_exit 0 "merge of fast shards under fast" "$SCORE" $DEMO --set score.decode=fast --merge 2
check "merged fast summary equals the unsharded fast one" cmp -s fast/summary.json "$S/summary.json"

# --- a bad value is a config error naming the key ---
# shellcheck disable=SC2086
expect_exit 3 "score.decode=quick" "$SCORE" $DEMO --set score.decode=quick
check "bad value: names score.decode" stderr_has "score.decode"
# shellcheck disable=SC2086
expect_exit 3 "--image with score.decode=quick" "$SCORE" $DEMO --set score.decode=quick \
  --image "$img"
finish
