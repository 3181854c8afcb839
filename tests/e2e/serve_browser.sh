#!/bin/sh
# serve_browser.sh: a real browser on cxrprep serve: headless Chromium
# (Debian chromium) driven by puppeteer-core from npm (installed on first
# use into the build directory, never the repository) uploads a demo image
# through the form (the verdict must be `cxrprep-score --image`'s), opens
# /review and excludes a 10_dataset/covid image by clicking. Then the
# pipeline honours it: `cxrprep status` exits 1, `cxrprep run` rebuilds, the
# image is in no tree, and covid and normal (covid and pneumo) counts are
# equal. Missing chromium, node, npm or curl is a failure naming the package.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
need chromium chromium
need node nodejs
need npm npm
. "$SRC/tests/e2e/serve_lib.sh"

# puppeteer-core, pinned, cached in the build directory
PUP=$CXR_BUILD_DIR/npm-serve
if [ ! -f "$PUP/node_modules/puppeteer-core/package.json" ]; then
  mkdir -p "$PUP"
  (cd "$PUP" && timeout 600 npm install --no-audit --no-fund --fetch-retries=1 \
     --fetch-timeout=60000 puppeteer-core@24.43.1 >"$PUP/npm.log" 2>&1) ||
    { echo "FAIL: npm install puppeteer-core failed (see $PUP/npm.log)"; exit 1; }
fi

expect_exit 0 "the demo pipeline" demo_run
W=$T/w
expect_exit 0 "status: up to date" demo_status
serve_start || exit 1
VAL=$W/datasets/dataset_validation/covid_validation
F=$(ls "$VAL" | head -1)
mkdir "$T/profile"
NODE_PATH="$PUP/node_modules" CHROME=$(command -v chromium) timeout 300 \
  node "$SRC/tests/e2e/serve_browser.js" "$URL" "$VAL/$F" "$T/seen.json" "$T/profile"
check "the browser did it all" test -s "$T/seen.json"
[ -s "$T/seen.json" ] || { finish; exit 1; }
cat "$T/seen.json"
seen() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$T/seen.json"; }
want=$(score_image "$VAL/$F")
check "upload form verdict '$(seen 'j["verdict"]')' = cxrprep-score '$want'" [ "$(seen 'j["verdict"]')" = "$want" ]
check "the uploaded image is shown" [ "$(seen 'j["shown"]')" = True ]
check "review: grouped by folder" [ "$(seen '"10_dataset/normal" in j["groups"] and "kermany_test_normal" in j["groups"]')" = True ]
check "review: the thumbnail loaded" [ "$(seen 'j["thumb"]')" = True ]
check "the detail view opened" [ "$(seen '"/review/" in j["detail"]')" = True ]
check "the page says excluded" [ "$(seen 'j["status"].startswith("Excluded")')" = True ]
check "its card is marked excluded" [ "$(seen 'j["excluded"]')" = True ]
check "nothing fetched from elsewhere" [ "$(seen 'len(j["foreign"])')" = 0 ]
ID=$(seen 'j["id"]')
SHA=$(grep ",$ID" "$T/exclusions.csv" | cut -d, -f3)
check "a row in the exclusions file" [ "$(rows "$T/exclusions.csv")" = 1 ]
check "the row holds the image's sha256" sh -c "echo '$SHA' | grep -q '^$ID'"
FILE=$(sed -n 2p "$T/exclusions.csv" | cut -d, -f2)

# the pipeline honours it
expect_exit 1 "status: out of date after the exclusion" demo_status
expect_exit 0 "cxrprep run rebuilds" demo_run
expect_exit 0 "status: up to date again" demo_status
check "the image is in no tree (layout.csv)" sh -c "! grep -q '$SHA' '$W/manifests/layout/layout.csv'"
find "$W/datasets" -type f -exec sha256sum {} + > "$T/tree.sums"
check "no file of the trees has its bytes" sh -c "! grep -q '^$SHA' '$T/tree.sums'"
check "no file of the trees has its name" [ -z "$(find "$W/datasets" -name "$FILE")" ]
count() { ls "$W/datasets/$1" | wc -l; }
check "10_dataset: covid $(count 10_dataset/covid) = normal $(count 10_dataset/normal)" \
  [ "$(count 10_dataset/covid)" = "$(count 10_dataset/normal)" ]
check "20_dataset: covid $(count 20_dataset/covid) = pneumo $(count 20_dataset/pneumo)" \
  [ "$(count 20_dataset/covid)" = "$(count 20_dataset/pneumo)" ]
check "one image fewer than before" [ "$(count 10_dataset/covid)" = 9 ]
expect_http 200 "the server sees the rebuilt manifests" GET /api/images
check "the image is no longer listed" sh -c "! grep -q '\"$ID\"' '$T/body'"
expect_http 200 "review page" GET /review
check "the review page lists the exclusion" grep -q "arrows and text on the film" "$T/body"
check "SIGTERM stops it with exit 0" serve_stop
finish
