#!/bin/sh
# fetch_cli.sh: cxrprep-fetch as users run it, against the loopback server:
# a process killed midway resumes on the next run, log lines when stdout is
# not a terminal, a live line when it is, --quiet, exit codes and messages
# for 404, --offline, a bad --only and a typo in the fetch section, network
# errors after retries (a name that does not resolve, a refused connection:
# exit 6 with curl's reason), and TLS verification (an unknown certificate
# fails; fetch.ca_file trusts it) and no https to http downgrade on a
# redirect; local sources (in place; wrong size, absent, a relative file
# URL, an unknown scheme).
set -u
bin="${CXR_BIN_DIR:?}/cxrprep-fetch"
src="${CXR_SOURCE_DIR:?}"
command -v python3 >/dev/null 2>&1 ||
  { echo "FAIL: 'python3' not found (Debian package python3; sh scripts/install-deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cxr-fetch-cli-XXXXXX")
fails=0
server=""
tls=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -n "$tls" ] && kill "$tls" 2>/dev/null && wait "$tls" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT HUP INT PIPE TERM
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$tmp/srv"
head -c 2000000 /dev/urandom > "$tmp/srv/big.bin"
head -c 5000 /dev/urandom > "$tmp/srv/meta.csv"
python3 "$src/tests/lib/fetch_server.py" --root "$tmp/srv" --port-file "$tmp/port" \
  --log "$tmp/log" &
server=$!
# ready when the port file names a port that accepts a connection (polled,
# up to 60 s: python3 may start slowly under ctest -j)
port=$(python3 "$src/tests/lib/fetch_server.py" --wait "$tmp/port" --pid "$server") ||
  { echo "the loopback server did not start"; exit 1; }
base="http://127.0.0.1:$port"
big_sha=$(sha256sum "$tmp/srv/big.bin" | cut -d' ' -f1)
meta_sha=$(sha256sum "$tmp/srv/meta.csv" | cut -d' ' -f1)

config() { # config NAME METADATA_URL [SHA]
  cat > "$tmp/$1.yaml" <<EOF
version: 1
workdir: $tmp/w-$1
sources:
  metadata:
    url: $2
    sha256: ${3:-$meta_sha}
select: {}
fetch:
  retries: 1
  backoff_ms: 10
EOF
}

# --- killed midway, resumed by the next run ---
config kill "$base/slowonce/400000/big.bin" "$big_sha"
"$bin" --config "$tmp/kill.yaml" > "$tmp/kill.out" 2>&1 &
pid=$!
part=""
i=0
while [ $i -lt 100 ]; do
  part=$(find "$tmp/w-kill/cache/partial" -type f ! -name '*.validator' 2>/dev/null | head -n 1)
  if [ -n "$part" ] && [ "$(stat -c %s "$part")" -gt 300000 ]; then break; fi
  sleep 0.1
  i=$((i + 1))
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
have=$(stat -c %s "$part" 2>/dev/null || echo 0)
[ "$have" -gt 0 ] && [ "$have" -lt 2000000 ] || fail "no partial file after the kill ($have bytes)"
[ -z "$(find "$tmp/w-kill/cache/objects" -type f 2>/dev/null)" ] || fail "an object was cached by a killed run"
"$bin" --config "$tmp/kill.yaml" > "$tmp/kill2.out" 2>&1 || fail "the resumed run failed: $(cat "$tmp/kill2.out")"
obj="$tmp/w-kill/cache/objects/$(echo "$big_sha" | cut -c1-2)/$big_sha"
[ "$(sha256sum "$obj" 2>/dev/null | cut -d' ' -f1)" = "$big_sha" ] || fail "resumed object is wrong"
grep -q "slowonce/400000/big.bin	206	bytes=$have-" "$tmp/log" ||
  fail "the second run did not ask for bytes=$have- ($(grep big.bin "$tmp/log"))"

# --- not a terminal: one line per file, and a summary ---
config plain "$base/f/meta.csv"
out=$("$bin" --config "$tmp/plain.yaml" 2>&1) || fail "plain run failed: $out"
echo "$out" | grep -q "^fetch: downloaded metadata/meta.csv (5000 bytes)$" || fail "no per-file line: $out"
echo "$out" | grep -q "^fetch: 1 files: 1 downloaded" || fail "no summary line: $out"
case "$out" in *"$(printf '\r')"*) fail "a live line when not on a terminal";; esac

# --- --quiet prints nothing on success ---
out=$("$bin" --config "$tmp/plain.yaml" --quiet 2>&1) || fail "quiet run failed"
[ -z "$out" ] || fail "--quiet printed: $out"

# --- a terminal gets the live line (when script(1) can give us one) ---
if command -v script >/dev/null 2>&1; then
  rm -rf "$tmp/w-plain"
  script -qec "'$bin' --config '$tmp/plain.yaml'" /dev/null > "$tmp/tty.out" 2>&1
  grep -q "1/1 files" "$tmp/tty.out" || fail "no live progress line on a terminal: $(cat "$tmp/tty.out")"
fi

# --- 404: exit 8, the file named on stderr ---
config missing "$base/missing/meta.csv"
"$bin" --config "$tmp/missing.yaml" > "$tmp/m.out" 2> "$tmp/m.err"
rc=$?
[ $rc -eq 8 ] || fail "404 exit code $rc, want 8"
grep -q "missing metadata/meta.csv: HTTP 404" "$tmp/m.err" || fail "404 not named: $(cat "$tmp/m.err")"
[ "$(grep -c 'missing/meta.csv' "$tmp/log")" -eq 1 ] || fail "a 404 was retried"

# --- --offline on an empty cache: exit 8, every missing file named ---
config offline "$base/f/meta.csv"
"$bin" --config "$tmp/offline.yaml" --offline > /dev/null 2> "$tmp/o.err"
rc=$?
[ $rc -eq 8 ] || fail "--offline exit code $rc, want 8"
grep -q "meta.csv: not in the cache (--offline)" "$tmp/o.err" || fail "offline miss not named: $(cat "$tmp/o.err")"

# --- wrong bytes: exit 7 ---
config wrong "$base/wrong/meta.csv"
"$bin" --config "$tmp/wrong.yaml" > /dev/null 2>&1
rc=$?
[ $rc -eq 7 ] || fail "wrong bytes exit code $rc, want 7"

# --- local sources: verified in place, each error with its exit code ---
# (a fresh work dir for each; "local NAME URL [--set ...]" runs fetch on it)
local_fetch() {
  name=$1 url=$2; shift 2
  config "$name" "$url"
  "$bin" --config "$tmp/$name.yaml" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
}
local_fetch local "$tmp/srv/meta.csv" || fail "a local file: exit $?: $(cat "$tmp/local.err")"
grep -q "local metadata/meta.csv (5000 bytes)" "$tmp/local.out" || fail "a local file not listed: $(cat "$tmp/local.out")"
local_fetch localsize "$tmp/srv/meta.csv" --set sources.metadata.size=4999
rc=$?
[ $rc -eq 7 ] || fail "a local file of the wrong size: exit $rc, want 7"
grep -q "failed metadata/meta.csv: size 5000 bytes, pinned 4999 in the config" "$tmp/localsize.err" ||
  fail "the wrong size is not named: $(cat "$tmp/localsize.err")"
local_fetch localnone "$tmp/srv/none.csv"
rc=$?
[ $rc -eq 8 ] || fail "an absent local file: exit $rc, want 8"
grep -q "missing metadata/none.csv: no such file '$tmp/srv/none.csv'" "$tmp/localnone.err" ||
  fail "the absent local file is not named: $(cat "$tmp/localnone.err")"
local_fetch localrel "file://srv/meta.csv"
rc=$?
[ $rc -eq 3 ] || fail "a relative file URL: exit $rc, want 3"
grep -q "file URL 'file://srv/meta.csv' must be absolute" "$tmp/localrel.err" ||
  fail "the relative file URL is not named: $(cat "$tmp/localrel.err")"
local_fetch scheme "gopher://127.0.0.1/meta.csv"
rc=$?
[ $rc -eq 3 ] || fail "an unknown URL scheme: exit $rc, want 3"
grep -q "source 'metadata': unsupported scheme 'gopher'" "$tmp/scheme.err" ||
  fail "the unknown scheme is not named: $(cat "$tmp/scheme.err")"

# --- network errors with retries left: exit 6 and curl's reason, fast ---
# (the retry used to reuse a failed transfer's handle: exit 70, "A libcurl
# function was given a bad argument"). The connect timeout also bounds the
# name lookup, should a resolver not answer for .invalid at once.
net_error() { # NAME URL PATTERN
  config "$1" "$2"
  start=$(date +%s)
  "$bin" --config "$tmp/$1.yaml" --set fetch.retries=2 --set fetch.backoff_ms=10 \
    --set fetch.connect_timeout_s=1 > /dev/null 2> "$tmp/$1.err"
  rc=$?
  took=$(( $(date +%s) - start ))
  [ $rc -eq 6 ] || fail "$1: exit code $rc, want 6: $(cat "$tmp/$1.err")"
  grep -qiE "$3" "$tmp/$1.err" || fail "$1: the cause is not named: $(cat "$tmp/$1.err")"
  grep -q "gave up after 3 attempts" "$tmp/$1.err" || fail "$1: not retried: $(cat "$tmp/$1.err")"
  grep -qi "bad argument" "$tmp/$1.err" && fail "$1: a libcurl misuse: $(cat "$tmp/$1.err")"
  [ $took -lt 5 ] || fail "$1: took $took s"
}
net_error unresolvable "http://cxrprep-test.invalid/x.csv" "resolve"
closed=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')
net_error refused "http://127.0.0.1:$closed/x.csv" "connect|refused"

# --- usage and config errors ---
"$bin" --config "$tmp/plain.yaml" --only imagez > /dev/null 2>&1
[ $? -eq 2 ] || fail "--only imagez is not a usage error"
"$bin" --config "$tmp/plain.yaml" --set fetch.paralel=4 > /dev/null 2>&1
[ $? -eq 3 ] || fail "a typo in the fetch section is not a config error"
"$bin" --help | grep -q -- "--offline" || fail "--help lacks --offline"

# --- TLS: verification is on; an unknown certificate fails, its CA passes ---
if command -v openssl >/dev/null 2>&1 &&
   openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
     -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
  python3 "$src/tests/lib/fetch_server.py" --root "$tmp/srv" --port-file "$tmp/tlsport" \
    --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" &
  tls=$!
  tlsport=$(python3 "$src/tests/lib/fetch_server.py" --wait "$tmp/tlsport" --pid "$tls") ||
    { echo "the TLS loopback server did not start"; exit 1; }
  config tls "https://127.0.0.1:$tlsport/f/meta.csv"
  "$bin" --config "$tmp/tls.yaml" > /dev/null 2> "$tmp/tls.err"
  rc=$?
  [ $rc -eq 6 ] || fail "an untrusted certificate gave exit code $rc, want 6: $(cat "$tmp/tls.err")"
  grep -qi "certificate" "$tmp/tls.err" || fail "no certificate error: $(cat "$tmp/tls.err")"
  "$bin" --config "$tmp/tls.yaml" --set "fetch.ca_file=$tmp/cert.pem" > /dev/null 2> "$tmp/tls.err" ||
    fail "https with the right CA failed: $(cat "$tmp/tls.err")"
  # redirects from https: to https is followed, to plain http is refused
  # (no downgrade) and the http server never sees the request
  tbase="https://127.0.0.1:$tlsport"
  config tlsredir "$tbase/redirect/meta.csv"
  "$bin" --config "$tmp/tlsredir.yaml" --set "fetch.ca_file=$tmp/cert.pem" > /dev/null 2> "$tmp/tls.err" ||
    fail "an https to https redirect failed: $(cat "$tmp/tls.err")"
  config downgrade "$tbase/redirect-http/$port/meta.csv"
  "$bin" --config "$tmp/downgrade.yaml" --set "fetch.ca_file=$tmp/cert.pem" > /dev/null 2> "$tmp/tls.err"
  rc=$?
  [ $rc -ne 0 ] || fail "an https to http redirect was followed"
  grep -qi "protocol\|redirect" "$tmp/tls.err" || fail "the refused redirect is not explained: $(cat "$tmp/tls.err")"
  [ ! -e "$tmp/w-downgrade/cache/objects/$(printf %.2s "$meta_sha")/$meta_sha" ] ||
    fail "bytes from the http downgrade are in the cache"
  kill "$tls" 2>/dev/null
  wait "$tls" 2>/dev/null
else
  echo "note: openssl could not make a certificate; TLS checks skipped"
fi

[ $fails -eq 0 ] && echo "fetch_cli: all checks passed"
exit $((fails > 0))
