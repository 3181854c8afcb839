#!/bin/sh
# layout_gc.sh: cxrprep-layout --gc on the demo mirror. After a run with
# another seed the store holds the objects of both trees; --gc leaves
# exactly those the current trees hold (tree files still their objects,
# the tree's digest unchanged, a rerun up to date with no new object),
# removes the temporary files a killed run left (an object's, the index's)
# and the index rows of the removed objects, and leaves files it does not
# know alone, names like a temporary file's included. The old tree
# comes back from the archive. While another run holds the store (its
# shared lock), --gc refuses with exit 5 and removes nothing.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
MIRROR=${CXR_BUILD_DIR:?}/demo/mirror
[ -f "$MIRROR/.complete" ] || { echo "skip: demo mirror not built at '$MIRROR'"; exit 77; }
need flock util-linux
DEMO=8f5e0180900265bbfaf9ffa9c7f18215fbef36fa23d4a965e52a2f21abab2e1c
W=$T/work; D=$W/datasets; S=$W/cache/store; L=$W/manifests/layout
sed -e "s|build/demo/mirror|$MIRROR|g" -e "s|build/demo/work|$W|g" \
  "$SRC/config/demo.yaml" > "$T/demo.yaml"
stage() { s=$1; shift; "$BIN/cxrprep-$s" --config "$T/demo.yaml" --set layout.link=hardlink "$@"; }
digest() { cut -d' ' -f1 "$L/tree.sha256"; }
objects() { find "$S" -mindepth 2 -type f | wc -l; }
tree_shas() { tail -n +2 "$L/layout.csv" | cut -d, -f2 | sort -u; }
# every file of the tree is its store object (hard links)
all_linked() {
  tail -n +2 "$L/layout.csv" | cut -d, -f1,2 | while IFS=, read -r p sha; do
    [ "$D/$p" -ef "$S/$(printf %.2s "$sha")/$sha" ] || { echo "not linked: $p" >&2; return 1; }
  done
}
# every index row names an object the store has
index_whole() {
  while IFS="$(printf '\t')" read -r sha size key; do
    [ -f "$S/$(printf %.2s "$sha")/$sha" ] || { echo "index row without object: $key" >&2; return 1; }
  done < "$S/index.tsv"
}

for s in select sample layout; do expect_exit 0 "$s, seed 42" stage "$s"; done
check "seed 42: the demo's tree" [ "$(digest)" = "$DEMO" ]
for s in sample layout; do expect_exit 0 "$s, seed 7" stage "$s" --set seed=7; done
seed7=$(digest)
check "seed 7: another tree" [ "$seed7" != "$DEMO" ]
check "seed 7: the store holds both trees' objects" [ "$(objects)" -gt "$(tree_shas | wc -l)" ]
rows_before=$(wc -l < "$S/index.tsv")
# a killed run's temporary file, and files the gc does not know
first=$(tree_shas | head -n 1); aa=$(printf %.2s "$first")
printf 'half' > "$S/$aa/$first.tmp.4242.7f00"
printf 'half' > "$S/index.tsv.tmp.Ab12Cd"
printf 'mine' > "$S/notes.txt"; printf 'mine' > "$S/$aa/README"
printf 'mine' > "$S/$aa/$aa.tmp.bak"; printf 'mine' > "$S/$aa/$first.tmp.keep"

# --- another run holds the store: --gc refuses, removes nothing ---
flock -s "$S/lock" sleep 4 &
holder=$!
sleep 1
n=$(objects)
expect_exit 5 "gc while the store is in use" stage layout --set seed=7 --gc
check "busy: the message says the store is in use" stderr_has "is in use by another cxrprep-layout"
check "busy: nothing removed" [ "$(objects)" = "$n" ]
wait "$holder"

# --- gc: only the current tree's objects stay ---
expect_exit 0 "gc" stage layout --set seed=7 --gc
check "gc: the run part found the tree up to date" grep -q "up to date" "$T/stdout"
check "gc: its report" grep -q "^layout: gc: $(tree_shas | wc -l) objects kept, " "$T/stdout"
check "gc: the temporary files are counted" grep -q ", 2 temporary files removed, " "$T/stdout"
check "gc: as many objects as the tree has distinct files" [ "$(find "$S" -mindepth 2 -type f -name '????????????????????????????????????????????????????????????????' | wc -l)" = "$(tree_shas | wc -l)" ]
check "gc: every tree file is still its object" all_linked
check "gc: the tree's digest is unchanged" [ "$(digest)" = "$seed7" ]
check "gc: the object's temporary file is gone" [ ! -e "$S/$aa/$first.tmp.4242.7f00" ]
check "gc: the index's temporary file is gone" [ ! -e "$S/index.tsv.tmp.Ab12Cd" ]
check "gc: files it does not know are left" [ -f "$S/notes.txt" ] && [ -f "$S/$aa/README" ]
check "gc: names like a temporary file's are left" [ -f "$S/$aa/$aa.tmp.bak" ] && [ -f "$S/$aa/$first.tmp.keep" ]
check "gc: the index lost rows" [ "$(wc -l < "$S/index.tsv")" -lt "$rows_before" ]
check "gc: every index row has its object" index_whole
expect_exit 0 "rerun after gc" stage layout --set seed=7
check "rerun after gc: up to date" grep -q "up to date" "$T/stdout"
expect_exit 0 "gc again" stage layout --set seed=7 --gc
check "gc again: nothing to remove" grep -q " 0 removed (0.0 MB freed), 0 temporary files removed, 0 index rows dropped" "$T/stdout"

# --- the old tree comes back from the sources ---
for s in sample layout; do expect_exit 0 "$s, seed 42 again" stage "$s"; done
check "seed 42 again: the demo's tree" [ "$(digest)" = "$DEMO" ]
check "seed 42 again: its objects written again" [ "$(objects)" -gt "$(tree_shas | wc -l)" ]
check "seed 42 again: every tree file is its object" all_linked
expect_exit 0 "gc, seed 42" stage layout --gc
check "gc, seed 42: the seed-7 objects removed" [ "$(find "$S" -mindepth 2 -type f -name '????????????????????????????????????????????????????????????????' | wc -l)" = "$(tree_shas | wc -l)" ]
finish
