#!/bin/sh
# layout_safety.sh: the layout stage never lets an edit of a dataset tree
# reach the user's files or the fetch cache: local sources are copied (also
# with layout.link: hardlink); only read-only cache objects are hard-linked,
# and only when their bytes hash to their name. Runs the demo config's stages
# on the demo mirror, with the images once local, once through the loopback
# server and the cache.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
BUILD=${CXR_BUILD_DIR:?run through ctest}
need python3 python3
[ -f "$BUILD/demo/mirror/.complete" ] || { bad "the build did not write the demo mirror"; finish; exit 1; }
mkdir "$T/run"
ln -s "$BUILD" "$T/run/build"
cd "$T/run" || exit 1
MIRROR=build/demo/mirror
stage() { s=$1; shift; "$BIN/cxrprep-$s" --config "$SRC/config/demo.yaml" --set "workdir=$W" \
            --set "fetch.lock_file=$W/demo.lock" "$@"; }
links() { stat -c %h "$1"; }

# --- local sources: copied into the store, never linked, whatever layout.link says ---
W="$T/local"
expect_exit 0 "select" stage select
expect_exit 0 "sample" stage sample
expect_exit 0 "layout, link: hardlink, local sources" stage layout --set layout.link=hardlink
C="$W/datasets/10_dataset/covid"
f=$(ls "$C" | head -1)
check "a local source is not linked" [ ! "$C/$f" -ef "$MIRROR/images/$f" ]
check "the mirror file has one link" [ "$(links "$MIRROR/images/$f")" = 1 ]
check "the tree file is a read-only link to the store's copy" [ "$(stat -c %a "$C/$f")" = 444 ]
chmod u+w "$C/$f" # as the user would, to edit it
cp "$MIRROR/images/$f" "$T/orig"
printf 'X' | dd of="$C/$f" bs=1 seek=100 conv=notrunc 2>/dev/null
check "an in-place edit of the tree leaves the source" cmp -s "$T/orig" "$MIRROR/images/$f"
check "... which did change the tree's file" test -n "$(cmp "$T/orig" "$C/$f")"

# --- images through the loopback server: cache objects, read-only, linked ---
python3 "$SRC/tests/lib/fetch_server.py" --root "$MIRROR/images" --port-file "$T/port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$T"' EXIT
python3 "$SRC/tests/lib/fetch_server.py" --wait "$T/port" --pid "$server" >/dev/null ||
  { bad "the loopback server did not start"; finish; exit 1; }
URL="sources.images.url_template=http://127.0.0.1:$(cat "$T/port")/f/{filename}"
W="$T/cached"
expect_exit 0 "select (cached)" stage select
expect_exit 0 "fetch images" stage fetch --only images --set "$URL"
expect_exit 0 "sample (cached)" stage sample
expect_exit 0 "layout from the cache" stage layout --set "$URL"
C="$W/datasets/10_dataset/covid"
f=$(ls "$C" | head -1)
sha=$(sha256sum "$C/$f" | cut -d' ' -f1)
obj="$W/cache/objects/$(printf %.2s "$sha")/$sha"
check "a cache object is hard-linked" [ "$(links "$C/$f")" -ge 2 ] && [ "$C/$f" -ef "$obj" ]
check "cache objects are read-only" [ "$(stat -c %a "$obj")" = 444 ]
check "the log line counts the hard links" grep -q '([1-9][0-9]* hard links)' "$T/stdout"
# a damaged object (same size, another byte) is never linked into a tree
# (verification off, so that the damage is not caught by decoding first)
chmod u+w "$obj"
printf 'X' | dd of="$obj" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_exit 4 "layout refuses a damaged cache object" stage layout --set "$URL" --force \
  --set layout.verify=false
check "damaged object: message" stderr_has "does not hash to its name"
finish
