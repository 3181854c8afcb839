#!/bin/sh
# serve_curation.sh: the review's exclusions are a committed input of the
# next rebuild (no browser: the API with curl). Excluding a covid training
# image and a normal image makes `cxrprep status` exit 1 (select and sample
# out of date, saying the exclusions file changed); `cxrprep run` rebuilds:
# neither image is in any tree, select lists the covid one as rejected with
# the reason, the normal draw refills from the same seeded order (the other
# normal images stay), covid and normal counts stay equal; taking both back
# rebuilds the original trees byte for byte (same tree.sha256).
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
. "$SRC/tests/e2e/serve_lib.sh"

W=$T/w
expect_exit 0 "the demo pipeline" demo_run
TREE0=$(cat "$W/manifests/layout/tree.sha256")
cp "$W/manifests/layout/layout.csv" "$T/layout0.csv"
expect_exit 0 "no exclusions file: status up to date" demo_status
serve_start || exit 1
expect_http 200 "image list" GET /api/images
COVID=$(json '[i["id"] for i in j if "10_dataset/covid" in i["folders"]][0]')
NORMAL=$(json '[i["id"] for i in j if "10_dataset/normal" in i["folders"]][0]')
CFILE=$(json "[i['file'] for i in j if i['id'] == '$COVID'][0]")
NFILE=$(json "[i['file'] for i in j if i['id'] == '$NORMAL'][0]")
J='Content-Type: application/json'
expect_http 201 "exclude a covid image" POST /api/exclusions -H "$J" \
  -d "{\"id\": \"$COVID\", \"reason\": \"lateral view labelled PA\"}"
expect_http 201 "exclude a normal image" POST /api/exclusions -H "$J" \
  -d "{\"id\": \"$NORMAL\", \"reason\": \"text on the film\"}"
check "two rows" [ "$(rows "$T/exclusions.csv")" = 2 ]

expect_exit 1 "status: out of date" demo_status
check "status: select names the exclusions file" grep -q "^select .*exclusions.csv" "$T/stdout"
check "status: sample names the exclusions file" grep -q "^sample .*exclusions.csv" "$T/stdout"
expect_exit 0 "cxrprep run rebuilds" demo_run
expect_exit 0 "status: up to date again" demo_status
L=$W/manifests/layout/layout.csv
for f in "$CFILE" "$NFILE"; do
  check "'$f' is in no tree" sh -c "! grep -q '/$f,' '$L'"
  check "'$f' is in no folder" [ -z "$(find "$W/datasets" -name "$f")" ]
done
check "select rejects the covid image with the reason" \
  grep -q "$CFILE.*lateral view labelled PA" "$W/manifests/select/rejected.csv"
check "select: not in training" sh -c "! grep -q ',$CFILE,' '$W/manifests/select/covid_train.csv'"
count() { ls "$W/datasets/$1" | wc -l; }
check "10_dataset: covid 9" [ "$(count 10_dataset/covid)" = 9 ]
check "10_dataset: covid = normal" [ "$(count 10_dataset/covid)" = "$(count 10_dataset/normal)" ]
check "20_dataset: covid = pneumo" [ "$(count 20_dataset/covid)" = "$(count 20_dataset/pneumo)" ]
check "the other normal images stayed (same seeded order)" python3 - "$T/layout0.csv" "$L" "$NFILE" <<'PY'
import csv, sys
before = [r["path"] for r in csv.DictReader(open(sys.argv[1])) if r["path"].startswith("10_dataset/normal/")]
after = [r["path"] for r in csv.DictReader(open(sys.argv[2])) if r["path"].startswith("10_dataset/normal/")]
gone = [p for p in before if p not in after]
# the excluded image left; with one covid image fewer, at most one more
assert any(p.endswith("/" + sys.argv[3]) for p in gone) and len(gone) <= 2, (gone, after)
PY
expect_http 200 "the server reads the rebuilt manifests" GET /api/images
check "the covid image is no longer listed" sh -c "! grep -q '\"$COVID\"' '$T/body'"
expect_http 200 "review page" GET /review
check "the review page lists both exclusions" sh -c \
  "grep -q 'lateral view labelled PA' '$T/body' && grep -q 'text on the film' '$T/body'"

expect_http 200 "take the covid image back" DELETE "/api/exclusions/$COVID"
expect_http 200 "take the normal image back" DELETE "/api/exclusions/$NORMAL"
check "no rows" [ "$(rows "$T/exclusions.csv")" = 0 ]
expect_exit 1 "status: out of date again" demo_status
expect_exit 0 "cxrprep run rebuilds" demo_run
check "the original trees, byte for byte" [ "$(cat "$W/manifests/layout/tree.sha256")" = "$TREE0" ]
check "SIGTERM stops it with exit 0" serve_stop
finish
