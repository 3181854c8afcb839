#!/bin/sh
# serve_load.sh: a bounded load test of cxrprep-serve on the demo: 100
# predictions, 16 at a time, within 120 s: every one answered 200 with the
# answer `cxrprep-score --image` gives for that image; afterwards the
# server's resident memory (VmRSS) is under 300 MB, it still answers and
# stops cleanly. Also 16 uploads of 30 MB at once, all refused or answered
# (never a crash), and the memory bounded after them too.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
. "$SRC/tests/e2e/serve_lib.sh"
need xargs findutils

expect_exit 0 "the demo pipeline" demo_run
VAL=$T/w/datasets/dataset_validation/covid_validation
serve_start || exit 1

# the expected answer of each image, by the command line
for f in $(ls "$VAL"); do
  printf '%s %s\n' "$f" "$(score_image "$VAL/$f")" >> "$T/want"
done
# 100 requests over the images, in turn
i=0
files=$(ls "$VAL")
n=$(echo "$files" | wc -l)
while [ $i -lt 100 ]; do
  echo "$files" | sed -n "$((i % n + 1))p" >> "$T/jobs"
  i=$((i + 1))
done
mkdir "$T/out"
start=$(date +%s)
# each job (xargs appends its number and file): its status and answer in files of its own
cat -n "$T/jobs" | timeout 120 xargs -P 16 -L 1 sh -c \
  'curl -s --max-time 60 -o "$1/out/$4.json" -w "%{http_code}" -F "image=@$2/$5" "${3}api/predict" > "$1/out/$4.code"; echo "$5" > "$1/out/$4.file"' \
  sh "$T" "$VAL" "$URL"
elapsed=$(( $(date +%s) - start ))
echo "100 predictions, 16 at a time: ${elapsed} s"
check "all 100 answered" [ "$(ls "$T/out" | grep -c '\.code$')" = 100 ]
check "all 100 answered 200" [ "$(cat "$T/out"/*.code | tr -d '\n' | sed 's/200//g')" = "" ]
python3 - "$T/out" "$T/want" <<'PY' && ok || bad "every answer is the command line's"
import json, os, sys
want = dict(l.rstrip("\n").split(" ", 1) for l in open(sys.argv[2]))
out = sys.argv[1]
for name in os.listdir(out):
    if not name.endswith(".json"):
        continue
    j = json.load(open(os.path.join(out, name)))
    f = open(os.path.join(out, name[:-5] + ".file")).read().strip()
    got = "%s %d%%" % (j["label"], j["percent"])
    assert got == want[f], (f, got, want[f])
PY
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVE_PID/status"; }
# under AddressSanitizer freed memory waits in its quarantine: the bound is the plain build's
SAN=0
ldd "$BIN/cxrprep-serve" | grep -q libasan && SAN=1
rss_under_300mb() {
  [ $SAN = 1 ] && { echo "note: sanitizer build, RSS $1 kB not checked"; return 0; }
  [ "$1" -lt 307200 ]
}
kb=$(rss)
echo "server VmRSS after the load: $kb kB"
check "server RSS after 100 predictions under 300 MB ($kb kB)" rss_under_300mb "$kb"

# 16 large uploads at once: within the body budget, each answered (415:
# the bytes are no image) or turned away (503), never a crash
head -c 30000000 /dev/zero > "$T/big.bin"
seq 16 | timeout 120 xargs -P 16 -I{} curl -s --max-time 90 -o /dev/null -w '%{http_code}\n' \
  -F "image=@$T/big.bin" "${URL}api/predict" > "$T/big.codes"
rm -f "$T/big.bin"
check "16 large uploads answered" [ "$(wc -l < "$T/big.codes")" = 16 ]
check "each 415 or 503" [ -z "$(grep -v -e 415 -e 503 "$T/big.codes")" ]
kb=$(rss)
echo "server VmRSS after 16 x 30 MB: $kb kB"
check "server RSS after large uploads under 300 MB ($kb kB)" rss_under_300mb "$kb"
expect_http 200 "the server still answers" GET /api/images
check "SIGTERM stops it with exit 0" serve_stop
finish
