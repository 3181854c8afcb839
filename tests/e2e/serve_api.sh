#!/bin/sh
# serve_api.sh: cxrprep-serve on the demo, with curl against the real server
# on loopback: the pages and the JSON API answer; /api/predict and the
# upload form give the numbers and the labelled copy of `cxrprep-score
# --image`; every bad input gets its code (text 415, 40 MB 413, path-like
# ids 404, a foreign Origin 403, a foreign Host 400, ...) and the server
# still answers afterwards; exclusions add and remove rows of the CSV;
# thumbnails are made once; SIGTERM stops it with exit 0; `cxrprep serve`
# runs it through the driver.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
. "$SRC/tests/e2e/serve_lib.sh"

expect_exit 0 "the demo pipeline" demo_run
W=$T/w
VAL=$W/datasets/dataset_validation/covid_validation
serve_start || exit 1
check "the URL is loopback on the chosen port" sh -c "echo '$URL' | grep -Eq '^http://127\.0\.0\.1:[0-9]+/$'"

# --- pages and the image list ---
expect_http 200 "upload page" GET /
check "upload form: multipart, a file field 'image'" sh -c \
  "grep -q 'enctype=\"multipart/form-data\"' '$T/body' && grep -q 'type=\"file\" name=\"image\"' '$T/body'"
check "one model: no model choice" sh -c "! grep -q '<select name=\"model\"' '$T/body'"
expect_http 200 "review page" GET /review
check "review: grouped by folder" grep -q 'data-group="10_dataset/covid"' "$T/body"
check "review: archive score sets too" grep -q 'data-group="kermany_test_normal"' "$T/body"
check "review: misclassified marked" grep -q 'class="card wrong"' "$T/body"
expect_http 200 "review sorted by score" GET '/review?sort=-score'
expect_http 200 "image list" GET /api/images
python3 - "$T/body" "$W" <<'PY' && ok || bad "image list: ids, folders, scores match the manifests"
import csv, json, sys
imgs = json.load(open(sys.argv[1])); w = sys.argv[2]
keys = {"id", "file", "folders", "set", "score", "truth", "prediction", "excluded"}
assert all(keys <= set(i) for i in imgs), "fields"
layout = list(csv.DictReader(open(w + "/manifests/layout/layout.csv")))
ids = {i["id"]: i for i in imgs}
for row in layout:
    i = ids[row["sha256"][:16]]
    assert row["path"].rsplit("/", 1)[0] in i["folders"], row
scored = list(csv.DictReader(open(w + "/manifests/score/covid_validation.csv")))
byfile = {i["file"]: i for i in imgs if i["set"] == "covid_validation"}
for row in scored:
    assert abs(byfile[row["image"]]["score"] - float(row["score"])) < 1e-9, row
    assert byfile[row["image"]]["prediction"] == row["prediction"]
test = [i for i in imgs if i["set"] == "kermany_test_normal"]
assert len(test) == 10, len(test)
print(len(imgs), "images")
PY
ID=$(json '[i["id"] for i in j if "10_dataset/covid" in i["folders"]][0]')
SHA=$(json "[i['sha256'] for i in j if i['id'] == '$ID'][0]")
expect_http 200 "detail view" GET "/review/$ID"
check "detail: provenance (sha256, patient, date, folders)" sh -c \
  "grep -q '$SHA' '$T/body' && grep -q '<th>patient</th>' '$T/body' && grep -q '<th>date</th>' '$T/body' && grep -q '10_dataset/covid/' '$T/body'"
expect_http 200 "image bytes" GET "/image/$ID"
check "image bytes are the listed ones" [ "$(sha256sum < "$T/body" | cut -c1-64)" = "$SHA" ]
expect_http 200 "thumbnail" GET "/thumb/$ID"
check "thumbnail is a PNG" sh -c "head -c 8 '$T/body' | od -An -c | grep -q 'P   N   G'"
check "thumbnail cached in the workdir" test -f "$W/serve/thumbs/$ID.png"
touch -d '2001-01-01' "$W/serve/thumbs/$ID.png"
expect_http 200 "thumbnail again" GET "/thumb/$ID"
check "thumbnail made once" [ "$(stat -c %Y "$W/serve/thumbs/$ID.png")" = "$(date -d 2001-01-01 +%s)" ]

# --- predictions agree with cxrprep-score --image ---
for f in $(ls "$VAL" | head -3); do
  expect_http 200 "api predict $f" POST /api/predict -F "image=@$VAL/$f"
  got="$(json 'j["label"] + " " + str(j["percent"]) + "%"')"
  want=$(score_image "$VAL/$f")
  check "api predict $f: '$got' = cxrprep-score '$want'" [ "$got" = "$want" ]
  csv=$(grep "^$f," "$W/manifests/score/covid_validation.csv" | cut -d, -f2)
  check "api predict $f: score = the score CSV's" [ "$(json '"%.6f" % j["score"]')" = "$csv" ]
  check "api predict $f: sha256 of the upload" [ "$(json 'j["sha256"]')" = "$(sha256sum < "$VAL/$f" | cut -c1-64)" ]
  check "api predict $f: model named" [ "$(json 'j["model"]')" = model.onnx ]
done
F=$(ls "$VAL" | head -1)
expect_http 200 "upload form" POST /predict -F "image=@$VAL/$F"
want=$(score_image "$VAL/$F" --labelled-copy "$T/copy")
check "upload page shows '$want'" grep -q "id=\"verdict\">$want<" "$T/body"
copy=$(ls "$T/copy")
check "labelled copy saved as the recipe's app did" cmp "$T/copy/$copy" "$W/serve/analysis/$copy"
expect_http 200 "labelled copy served" GET "/analysis/$copy"
check "labelled copy bytes" cmp "$T/body" "$T/copy/$copy"

# --- bad inputs ---
printf 'hello, not an image\n' > "$T/text.txt"
expect_http 415 "text upload" POST /api/predict -F "image=@$T/text.txt"
check "415 is a JSON error" sh -c "python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[\"error\"]' '$T/body'"
head -c 40000000 /dev/zero > "$T/big.bin"
expect_http 413 "40 MB upload" POST /api/predict -F "image=@$T/big.bin"
expect_http 413 "40 MB upload, no Expect" POST /api/predict -H 'Expect:' -F "image=@$T/big.bin"
expect_http 413 "40 MB upload, chunked" POST /api/predict -H 'Transfer-Encoding: chunked' -F "image=@$T/big.bin"
rm -f "$T/big.bin"
printf 'RIFF\0\0\0\0WEBPVP8 ' > "$T/x.webp"
expect_http 415 "webp upload" POST /api/predict -F "image=@$T/x.webp"
head -c 300 "$VAL/$F" > "$T/cut.jpeg"
expect_http 422 "truncated image" POST /api/predict -F "image=@$T/cut.jpeg"
expect_http 400 "no image field" POST /api/predict -F "other=@$VAL/$F"
expect_http 400 "unknown model" POST /api/predict -F "image=@$VAL/$F" -F model=nope
expect_http 405 "GET /api/predict" GET /api/predict
for p in /image/../../etc/passwd /image/..%2f..%2fetc%2fpasswd /thumb/../../etc/passwd \
         /image/0123456789abcdef /image/0123456789ABCDEF /image/$ID/x /image/${ID}0 \
         /analysis/../../../etc/passwd /analysis/POSITIVE_Prob_1_Name_..png /nope; do
  http GET "$p"
  case $CODE in 404|400) ok ;; *) bad "path-like or unknown '$p': HTTP $CODE" ;; esac
done
J='Content-Type: application/json'
expect_http 403 "foreign Origin on /api/exclusions" POST /api/exclusions -H "$J" \
  -H 'Origin: http://evil.example' -d "{\"id\": \"$ID\", \"reason\": \"x\"}"
expect_http 403 "foreign Origin on DELETE" DELETE "/api/exclusions/$ID" -H 'Origin: http://evil.example'
expect_http 403 "another port of localhost" POST /api/exclusions -H "$J" \
  -H 'Origin: http://127.0.0.1:1' -d "{\"id\": \"$ID\", \"reason\": \"x\"}"
expect_http 403 "cross-site fetch" POST /api/predict -H 'Sec-Fetch-Site: cross-site' -F "image=@$VAL/$F"
expect_http 403 "foreign Origin on the review form" POST "/review/$ID/exclude" \
  -H 'Origin: http://evil.example' -d reason=x
expect_http 400 "a foreign Host (DNS rebinding)" GET /api/images -H 'Host: evil.example'
expect_http 400 "malformed JSON" POST /api/exclusions -H "$J" -d '{"id": '
expect_http 400 "no reason" POST /api/exclusions -H "$J" -d "{\"id\": \"$ID\"}"
expect_http 400 "a reason of two lines" POST /api/exclusions -H "$J" -d "{\"id\": \"$ID\", \"reason\": \"a\\nb\"}"
expect_http 404 "unknown id" POST /api/exclusions -H "$J" -d '{"id": "0123456789abcdef", "reason": "x"}'
expect_http 404 "path-like id" POST /api/exclusions -H "$J" -d '{"id": "../../etc/passwd", "reason": "x"}'
head -c 100000 /dev/zero > "$T/big.json"
expect_http 413 "JSON over 64 KiB" POST /api/exclusions -H "$J" --data-binary "@$T/big.json"
check "nothing written by refused requests" test ! -e "$T/exclusions.csv"
expect_http 200 "the server still answers" GET /
expect_http 200 "the server still predicts" POST /api/predict -F "image=@$VAL/$F"

# --- exclusions ---
expect_http 201 "exclude" POST /api/exclusions -H "$J" -H "Origin: ${URL%/}" \
  -d "{\"id\": \"$ID\", \"reason\": \"arrows, text on the film\"}"
check "a row in the CSV beside the config" python3 - "$T/exclusions.csv" "$SHA" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0].keys()) == ["source", "file", "sha256", "reason", "time"], rows
assert len(rows) == 1 and rows[0]["sha256"] == sys.argv[2] and rows[0]["source"] == "ieee8023"
assert rows[0]["reason"] == "arrows, text on the film" and rows[0]["time"].endswith("Z")
PY
expect_http 200 "exclude again: already" POST /api/exclusions -H "$J" -d "{\"id\": \"$ID\", \"reason\": \"x\"}"
check "still one row" [ "$(rows "$T/exclusions.csv")" = 1 ]
expect_http 200 "image list" GET /api/images
check "listed as excluded" [ "$(json "[i['excluded'] for i in j if i['id'] == '$ID'][0]")" = True ]
expect_http 200 "undo" DELETE "/api/exclusions/$ID"
check "row removed" [ "$(rows "$T/exclusions.csv")" = 0 ]
expect_http 404 "undo again" DELETE "/api/exclusions/$ID"
expect_http 303 "exclude by the review form" POST "/review/$ID/exclude" -H "Origin: ${URL%/}" -d 'reason=lateral view'
check "the form's row" grep -q ",lateral view," "$T/exclusions.csv"
expect_http 303 "take back by the review form" POST "/review/$ID/include" -d ''
check "the form's row removed" [ "$(rows "$T/exclusions.csv")" = 0 ]

check "SIGTERM stops it with exit 0" serve_stop
http GET /
check "nothing listens after the stop" [ "$CODE" = 000 ]
check "no temporary files left" [ -z "$(find "$W/serve" -name '*.tmp.*')" ]

# --- the driver, the options ---
serve_start driver || exit 1
expect_http 200 "cxrprep serve CONFIG runs cxrprep-serve" GET /api/images
check "SIGINT stops it too" sh -c "kill -INT $SERVE_PID"
wait "$SERVE_PID"; rc=$?; SERVE_PID=""
check "SIGINT: exit 0" [ "$rc" = 0 ]
expect_exit 2 "--bind nonsense" "$BIN/cxrprep-serve" "$T/demo.yaml" $SETS --port 0 --bind nonsense
expect_exit 2 "--port 70000" "$BIN/cxrprep-serve" "$T/demo.yaml" $SETS --port 70000
expect_exit 8 "a model that is not there" "$BIN/cxrprep-serve" "$T/demo.yaml" $SETS --port 0 --model "$T/none.onnx"
expect_exit 0 "--help" "$BIN/cxrprep-serve" --help
check "--help names --bind" grep -q -- '--bind ADDR' "$T/stdout"
finish
