#!/bin/sh
# fetch_bench.sh: the fetch stage's two benchmarks, against the loopback
# server (tests/lib/fetch_server.py, 127.0.0.1, nothing else contacted).
#
# 1. 150 images of ~400 KB with 20 ms added latency per request: cxrprep-fetch
#    with fetch.parallel=8 (the default) against fetch.parallel=1, same run,
#    REPS runs each from an empty cache; medians and their ratio (target >= 5x).
# 2. A 200 MB file whose first transfer is cut at 50% (fetch.retries=0, so
#    the run fails): the bytes the next run transfers to complete it, against
#    the whole file a restart from zero would transfer (target <= 51%).
#
# usage: sh bench/fetch_bench.sh [BUILD_DIR]   (default: build)
#        REPS=5 NFILES=150 FILE_KB=400 LATENCY_MS=20 BIG_MB=200 to change sizes
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
bin="$build/bin/cxrprep-fetch"
[ -x "$bin" ] || { echo "build cxrprep-fetch first ($bin not found)"; exit 1; }
REPS=${REPS:-5}
NFILES=${NFILES:-150}
FILE_KB=${FILE_KB:-400}
LATENCY_MS=${LATENCY_MS:-20}
BIG_MB=${BIG_MB:-200}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cxr-fetch-bench-XXXXXX")
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT HUP INT PIPE TERM

mkdir -p "$tmp/srv" "$tmp/sel"
python3 - "$tmp" "$NFILES" "$FILE_KB" <<'EOF'
import os, random, sys
tmp, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(1)
with open(os.path.join(tmp, "sel", "covid_train.csv"), "w") as m:
    m.write("patientid,filename\n")
    for i in range(n):
        name = "img%03d.jpg" % i
        size = kb * 1000 + rng.randrange(-kb * 100, kb * 100)
        with open(os.path.join(tmp, "srv", name), "wb") as f:
            f.write(rng.randbytes(size))
        m.write("%d,%s\n" % (i, name))
EOF
head -c $((BIG_MB * 1000000)) /dev/urandom > "$tmp/srv/big.bin"
echo "placeholder" > "$tmp/meta.csv"
python3 "$top/tests/lib/fetch_server.py" --root "$tmp/srv" --port-file "$tmp/port" \
  --log "$tmp/log" --latency-ms "$LATENCY_MS" &
server=$!
# ready when the port file appears (renamed into place once the socket
# listens); no fixed timeout: a busy machine only makes it slower
while [ ! -s "$tmp/port" ]; do
  kill -0 "$server" 2>/dev/null || { echo "fetch_bench: the test server exited (see $tmp/log)"; exit 1; }
  sleep 0.05
done
base="http://127.0.0.1:$(cat "$tmp/port")"

cat > "$tmp/images.yaml" <<EOF
version: 1
workdir: $tmp/w
sources:
  metadata:
    url: $tmp/meta.csv
  images:
    url_template: $base/f/{filename}
select: {}
fetch:
  lock_file: $tmp/images.lock
EOF

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

one_run() { # one_run PARALLEL -> seconds
  rm -rf "$tmp/w" "$tmp/images.lock"
  mkdir -p "$tmp/w/manifests/select"
  cp "$tmp/sel/covid_train.csv" "$tmp/w/manifests/select/"
  t0=$(now)
  "$bin" --config "$tmp/images.yaml" --quiet --set "fetch.parallel=$1" >/dev/null
  t1=$(now)
  n=$(find "$tmp/w/cache/objects" -type f | wc -l)
  [ "$n" -eq "$NFILES" ] || { echo "only $n of $NFILES files fetched" >&2; exit 1; }
  echo "$t1 $t0" | awk '{printf "%.3f\n", $1 - $2}'
}

: > "$tmp/t1"
: > "$tmp/t8"
r=0
while [ $r -lt "$REPS" ]; do # interleaved, so drift hits both alike
  one_run 1 >> "$tmp/t1"
  one_run 8 >> "$tmp/t8"
  r=$((r + 1))
done
m1=$(median < "$tmp/t1")
m8=$(median < "$tmp/t8")
mb=$(du -sb "$tmp/srv" | awk -v big="$BIG_MB" '{printf "%.1f", ($1 - big * 1000000) / 1e6}')
echo "fetch benchmark 1: $NFILES files, $mb MB, ${LATENCY_MS} ms latency per request, $REPS runs each (median)"
printf "%-34s %10s %10s\n" "mode" "median s" "files/s"
printf "%-34s %10.3f %10.1f\n" "one at a time (fetch.parallel=1)" "$m1" "$(echo "$NFILES $m1" | awk '{print $1/$2}')"
printf "%-34s %10.3f %10.1f\n" "parallel (fetch.parallel=8)" "$m8" "$(echo "$NFILES $m8" | awk '{print $1/$2}')"
echo "speed-up: $(echo "$m1 $m8" | awk '{printf "%.1f", $1/$2}')x (target: at least 5x)"
echo "runs, one at a time: $(tr '\n' ' ' < "$tmp/t1")"
echo "runs, parallel:      $(tr '\n' ' ' < "$tmp/t8")"

# --- 2: resume after a cut at 50% ---
half=$((BIG_MB * 1000000 / 2))
size=$((BIG_MB * 1000000))
sha=$(sha256sum "$tmp/srv/big.bin" | cut -d' ' -f1)
cat > "$tmp/big.yaml" <<EOF
version: 1
workdir: $tmp/wb
sources:
  metadata:
    url: $base/cut/$half/big.bin
    sha256: $sha
    size: $size
select: {}
fetch:
  retries: 0
  lock_file: $tmp/big.lock
EOF
: > "$tmp/log"
if "$bin" --config "$tmp/big.yaml" --quiet >/dev/null 2>&1; then
  echo "the cut run did not fail" >&2; exit 1
fi
first=$(awk -F'\t' '$1 ~ /big.bin$/ {s += $5} END {print s + 0}' "$tmp/log")
: > "$tmp/log"
"$bin" --config "$tmp/big.yaml" --quiet >/dev/null
second=$(awk -F'\t' '$1 ~ /big.bin$/ {s += $5} END {print s + 0}' "$tmp/log")
ranged=$(awk -F'\t' '$1 ~ /big.bin$/ && $3 != "-" {print $3}' "$tmp/log")
obj="$tmp/wb/cache/objects/$(echo "$sha" | cut -c1-2)/$sha"
[ "$(sha256sum "$obj" | cut -d' ' -f1)" = "$sha" ] || { echo "resumed file is wrong" >&2; exit 1; }
echo
echo "fetch benchmark 2: a ${BIG_MB} MB file cut at 50%, then fetched again"
printf "%-40s %14s %8s\n" "run" "bytes sent" "of file"
printf "%-40s %14d %7.1f%%\n" "first run (cut, fails)" "$first" "$(echo "$first $size" | awk '{print 100*$1/$2}')"
printf "%-40s %14d %7.1f%%\n" "second run, resumed ($ranged)" "$second" "$(echo "$second $size" | awk '{print 100*$1/$2}')"
printf "%-40s %14d %7.1f%%\n" "baseline: restart from zero" "$size" 100
echo "resumed run transferred $(echo "$second $size" | awk '{printf "%.1f", 100*$1/$2}')% of the file (target: at most 51%); sha256 verified"
