#!/bin/sh
# layout_link.sh: layout.link and the content-addressed store on the demo
# mirror: every mode lays out the same tree (the demo's tree.sha256); hard
# links share the store object's inode, read-only, so that writing through
# a tree fails; symbolic links name the objects; copies are plain files; a
# second run writes no new object; an object damaged by hand is seen (the
# tree is rebuilt) and replaced; the user's images are never linked.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
MIRROR=${CXR_BUILD_DIR:?}/demo/mirror
[ -f "$MIRROR/.complete" ] || { echo "skip: demo mirror not built at '$MIRROR'"; exit 77; }
DEMO=8f5e0180900265bbfaf9ffa9c7f18215fbef36fa23d4a965e52a2f21abab2e1c
W=$T/work; D=$W/datasets; S=$W/cache/store; L=$W/manifests/layout
sed -e "s|build/demo/mirror|$MIRROR|g" -e "s|build/demo/work|$W|g" \
  "$SRC/config/demo.yaml" > "$T/demo.yaml"
stage() { s=$1; shift; "$BIN/cxrprep-$s" --config "$T/demo.yaml" "$@"; }
layout() { stage layout --force --set "layout.link=$1"; }
digest() { cut -d' ' -f1 "$L/tree.sha256"; }
objects() { find "$S" -mindepth 2 -type f | wc -l; }
expect_exit 0 "select" stage select
expect_exit 0 "sample" stage sample
# a covid image in both training trees, and its store object
f=demo-covid-p1-day0.jpeg
A=$D/10_dataset/covid/$f; B=$D/20_dataset/covid/$f
sha=$(sha256sum < "$MIRROR/images/$f" | cut -d' ' -f1)
obj=$S/$(printf %.2s "$sha")/$sha

# --- hardlink: one object, one inode, read-only ---
expect_exit 0 "hardlink" layout hardlink
check "hardlink: the demo's tree" [ "$(digest)" = "$DEMO" ]
check "hardlink: the store object exists" [ -f "$obj" ]
check "hardlink: 10_dataset's file is the store object" [ "$A" -ef "$obj" ]
check "hardlink: 20_dataset's file is the store object" [ "$B" -ef "$obj" ]
check "hardlink: read-only (0444)" [ "$(stat -c %a "$A")" = 444 ]
check "hardlink: the object is read-only too" [ "$(stat -c %a "$obj")" = 444 ]
check "hardlink: the user's image is not linked" [ ! "$A" -ef "$MIRROR/images/$f" ]
check "hardlink: the user's image has one name" [ "$(stat -c %h "$MIRROR/images/$f")" = 1 ]
check "hardlink: the summary counts the links" grep -q "58 hard links, 0 reflinks, 0 symbolic links, 0 copies" "$T/stdout"
check "hardlink: identical files are one object" [ "$(objects)" = "$(tail -n +2 "$L/layout.csv" | cut -d, -f2 | sort -u | wc -l)" ]
check "hardlink: no temporary file in the store" [ -z "$(find "$S" -name '*.tmp.*')" ]
# writing through the tree fails (root ignores file modes: as root, the
# write is tried as an unprivileged user)
chmod 755 "$T"
as_user() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}
[ "$(id -u)" != 0 ] || need setpriv util-linux
write_fails() { ! as_user sh -c 'printf X >> "$1"' sh "$1" 2>/dev/null; }
check "hardlink: a user can read the tree file" as_user cat "$A" > /dev/null
check "hardlink: writing to the tree file fails" write_fails "$A"
check "hardlink: the store object is unchanged" cmp -s "$obj" "$MIRROR/images/$f"
ino=$(stat -c %i "$obj")
n=$(objects)

# --- a second run with the store present writes no new object ---
expect_exit 0 "hardlink again" layout hardlink
check "second run: no new object" grep -q "; 0 new objects in the store" "$T/stdout"
check "second run: no source read again" grep -q ", 48 images not read again" "$T/stdout"
check "second run: as many objects" [ "$(objects)" = "$n" ]
check "second run: the same object" [ "$(stat -c %i "$obj")" = "$ino" ]
check "second run: the demo's tree" [ "$(digest)" = "$DEMO" ]
expect_exit 0 "rerun" stage layout --set layout.link=hardlink
check "rerun after a rebuild: up to date" grep -q "up to date" "$T/stdout"

# --- an edit through a tree file (root ignores the mode) is seen ---
if [ "$(id -u)" = 0 ]; then
  printf 'X' | dd of="$A" bs=1 seek=100 conv=notrunc 2>/dev/null
  expect_exit 0 "rerun, edited tree file" stage layout --set layout.link=hardlink
  check "edited tree file: rebuilt, the object written again" grep -q "; 1 new objects in the store" "$T/stdout"
  check "edited tree file: the image's bytes again" cmp -s "$A" "$MIRROR/images/$f"
  check "edited tree file: a new object" [ "$(stat -c %i "$obj")" != "$ino" ]
fi

# --- an object damaged by hand is seen and replaced ---
chmod 644 "$obj"
printf 'X' | dd of="$obj" bs=1 seek=100 conv=notrunc 2>/dev/null
touch -r "$L/layout.csv" "$obj" # even with its time set back
expect_exit 0 "rerun, damaged object" stage layout --set layout.link=hardlink
check "damaged object: not up to date" grep -q "1 new objects in the store" "$T/stdout"
check "damaged object: the tree has the image's bytes again" cmp -s "$A" "$MIRROR/images/$f"
check "damaged object: the demo's tree" [ "$(digest)" = "$DEMO" ]

# --- symlink: links to the objects ---
expect_exit 0 "symlink" layout symlink
check "symlink: the demo's tree" [ "$(digest)" = "$DEMO" ]
check "symlink: a symbolic link" [ -L "$A" ]
check "symlink: to the store object" [ "$(readlink "$A")" = "$(cd "$S" && pwd -P)/$(printf %.2s "$sha")/$sha" ]
check "symlink: no new object" grep -q "; 0 new objects in the store" "$T/stdout"
expect_exit 0 "symlink rerun" stage layout --set layout.link=symlink
check "symlink rerun: up to date" grep -q "up to date" "$T/stdout"

# --- copy: plain files, no store needed ---
expect_exit 0 "copy" layout copy
check "copy: the demo's tree" [ "$(digest)" = "$DEMO" ]
check "copy: one name" [ "$(stat -c %h "$A")" = 1 ]
check "copy: writable by its owner (0644)" [ "$(stat -c %a "$A")" = 644 ]
check "copy: 58 copies" grep -q "0 hard links, 0 reflinks, 0 symbolic links, 58 copies" "$T/stdout"

# --- auto: a reflink where the file system takes them, else a hard link ---
expect_exit 0 "auto" layout auto
check "auto: the demo's tree" [ "$(digest)" = "$DEMO" ]
check "auto: no copies on one file system" grep -q ", 0 copies;" "$T/stdout"

# --- reflink: the same tree, or an error naming the fallback ---
printf x > "$W/probe"
if cp --reflink=always "$W/probe" "$W/probe2" 2>/dev/null; then
  expect_exit 0 "reflink" layout reflink
  check "reflink: the demo's tree" [ "$(digest)" = "$DEMO" ]
  check "reflink: not the object's inode" [ ! "$A" -ef "$obj" ]
else
  expect_exit 9 "reflink where the file system has none" layout reflink
  check "reflink: the message names the fallback" stderr_has "layout.link: auto falls back"
  check "reflink: the tree is left as it was" [ "$(digest)" = "$DEMO" ]
fi
finish
