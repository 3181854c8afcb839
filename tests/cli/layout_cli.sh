#!/bin/sh
# layout_cli.sh: cxrprep-layout end to end: trees from hand-written select
# manifests (COVID-19 images in a local directory, plus broken ones) and a
# Kermany zip built here with junk and hostile entries; verification and
# quarantine (each file once; a Kermany image gives way to the next of its
# draw's order), manifests and digest, hard links or copies, PNG output,
# reruns that change nothing, staging leftovers, and bad inputs.
# It runs on the demo mirror the build writes (images/ and kermany-sample/,
# tools/mkdemo.h); layout_cli_real.sh runs it on the real images in ../shared
# through the CXR_TEST_* variables below.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
need python3 python3
MIRROR=$CXR_BUILD_DIR/demo/mirror
K=${CXR_TEST_KERMANY:-$MIRROR/kermany-sample}
I=${CXR_TEST_IMAGES:-$MIRROR/images}
# four good COVID-19 images: a .jpeg, a .jpg (both JPEG), then two PNGs
good=${CXR_TEST_GOOD:-demo-covid-p9.jpeg demo-covid-p2.jpg demo-covid-p3.png demo-covid-p4.png}
holdout=${CXR_TEST_HOLDOUT:-demo-covid-p13.jpeg demo-covid-p14.jpg}
# a layout.max_dimension that IM-0177-0001.jpeg (and a few more NORMAL
# images) is over, and one that every image of the sample is over (the demo
# sample's sides: MKDEMO_SAMPLE_LARGE_SIDE, MKDEMO_SAMPLE_SIDE_* in tools/mkdemo.h)
some_over=${CXR_TEST_MAX_DIM_SOME:-600}
all_over=${CXR_TEST_MAX_DIM_ALL:-200}
[ -f "$K/chest_xray/train/NORMAL/IM-0177-0001.jpeg" ] ||
  { echo "FAIL: no Kermany sample in '$K' (the build writes it: target demo_mirror)"; exit 1; }
set -- $good
jpeg=$1 jpg=$2 png=$4
pngbase=${png%.*}
python3 "$SRC/tests/lib/archive_make.py" "$T/k.zip" --src "$K" --junk --hostile --duplicate || exit 1
python3 "$SRC/tests/lib/archive_make.py" "$T/flat.zip" --src "$K" --root "" || exit 1

mkdir -p "$T/img" "$T/work/manifests/select"
for f in $good $holdout; do
  cp "$I/$f" "$T/img/" || exit 1
done
head -c 3000 "$I/$jpeg" > "$T/img/truncated.jpeg"
head -c 4096 /dev/urandom > "$T/img/corrupt.png"
# damage inside the entropy-coded data (structure intact): 16 stuffed 0xFF
# bytes, all one-bits, never a Huffman code; found by verification's decode
python3 - "$I/$jpeg" "$T/img/damaged.jpeg" <<'PY' || exit 1
import sys
d = bytearray(open(sys.argv[1], "rb").read())
lo = d.index(b"\xff\xda") + 2
lo += int.from_bytes(d[lo:lo + 2], "big")
mid = lo + (d.index(b"\xff\xd9", lo) - lo) // 2
while d[mid - 1] == 0xFF or 0xFF in d[mid:mid + 32]:
    mid += 1
d[mid:mid + 32] = b"\xff\x00" * 16
open(sys.argv[2], "wb").write(d)
PY
# format by magic bytes; its own bytes (a byte after the end marker)
{ cat "$I/$jpg"; printf x; } > "$T/img/jpeg-named.png"
{ echo "patientid,filename"; n=0
  for f in $good truncated.jpeg corrupt.png damaged.jpeg jpeg-named.png; do n=$((n + 1)); echo "$n,$f"; done
} > "$T/work/manifests/select/covid_train.csv"
{ echo "patientid,filename"; n=19
  for f in $holdout; do n=$((n + 1)); echo "$n,$f"; done
} > "$T/work/manifests/select/holdout.csv"

cat > "$T/c.yaml" <<YAML
version: 1
workdir: $T/work
sources:
  metadata: {url: $T/none.csv}
  images: {url_template: "$T/img/{filename}"}
  kermany: {url: $T/k.zip}
select: {}
sample:
  draws:
    - {name: normal_train, split: train, class: NORMAL, count: 6}
    - {name: pneumonia_train, split: train, class: PNEUMONIA, count: 6}
    - {name: normal_validation, split: train, class: NORMAL, count: 3,
       disjoint_from: [normal_train, pneumonia_train]}
    - {name: pneumonia_validation, split: train, class: PNEUMONIA, count: 3,
       disjoint_from: [normal_train, pneumonia_train]}
YAML
sed "s|workdir: $T/work|workdir: $T/work2|" "$T/c.yaml" > "$T/c2.yaml"
W=$T/work; D=$W/datasets; L=$W/manifests/layout
sample() { "$BIN/cxrprep-sample" --config "$T/c.yaml" "$@" >/dev/null; }
layout() { "$BIN/cxrprep-layout" --config "$T/c.yaml" "$@"; }
nfiles() { find "$1" -type f | wc -l; }
digest() { cut -d' ' -f1 "$L/tree.sha256"; }
# every row of layout.csv names a file of the tree with that sha256 and size
rows_match_files() {
  tail -n +2 "$L/layout.csv" | while IFS=, read -r p sha size rest; do
    [ "$(sha256sum < "$D/$p" | cut -d' ' -f1)" = "$sha" ] && [ "$(stat -c %s "$D/$p")" = "$size" ] || { echo "mismatch: $p" >&2; exit 1; }
  done
}
same_bytes_as_sources() {
  for f in $good; do cmp -s "$I/$f" "$D/10_dataset/covid/$f" || return 1; done
  for f in $(ls "$D/10_dataset/normal"); do cmp -s "$K/chest_xray/train/NORMAL/$f" "$D/10_dataset/normal/$f" || return 1; done
}
links() { stat -c %h "$D/10_dataset/covid/$png"; }

expect_exit 0 "sample" sample
expect_exit 0 "first layout" layout
check "seven folders" [ "$(find "$D" -mindepth 2 -maxdepth 2 -type d | wc -l)" = 7 ]
check "10_dataset/covid: 5 good images" [ "$(nfiles "$D/10_dataset/covid")" = 5 ]
check "20_dataset/covid same names" [ "$(ls "$D/20_dataset/covid")" = "$(ls "$D/10_dataset/covid")" ]
check "10_dataset/normal: 6" [ "$(nfiles "$D/10_dataset/normal")" = 6 ]
check "20_dataset/pneumo: 6" [ "$(nfiles "$D/20_dataset/pneumo")" = 6 ]
check "covid_validation: 2" [ "$(nfiles "$D/dataset_validation/covid_validation")" = 2 ]
check "normal_validation: 3" [ "$(nfiles "$D/dataset_validation/normal_validation")" = 3 ]
check "pneumonia validation: 3" [ "$(nfiles "$D/dataset_validation/non_covid_pneumonia_validation")" = 3 ]
check "normal names are the sample's nominal draw" [ "$(LC_ALL=C ls "$D/10_dataset/normal")" = "$(tail -n +2 "$W/manifests/sample/normal_train.csv" | grep ',1$' | cut -d, -f1 | LC_ALL=C sort)" ]
check "original bytes" same_bytes_as_sources
check "jpeg bytes under a .png name laid out" [ -f "$D/10_dataset/covid/jpeg-named.png" ]
check "quarantined: truncated" grep -q '^10_dataset/covid/truncated.jpeg,ieee8023,truncated.jpeg,covid_train,' "$L/quarantine.csv"
check "quarantined: corrupt, once (not once per folder)" [ "$(grep -c ',ieee8023,corrupt.png,covid_train,quarantined: ' "$L/quarantine.csv")" = 1 ]
check "quarantined: damaged scan" grep -q '^10_dataset/covid/damaged.jpeg,ieee8023,damaged.jpeg,covid_train,quarantined: corrupt jpeg: Corrupt JPEG data: bad Huffman code' "$L/quarantine.csv"
check "quarantine: 3 rows, one per file" [ "$(rows "$L/quarantine.csv")" = 3 ]
check "stdout counts each file once" grep -q ', 0 missing, 3 quarantined,' "$T/stdout"
check "summary counts each file once" grep -q '"quarantined": 3' "$L/summary.json"
check "no hostile or junk output" [ -z "$(find "$W" "$T" -name 'zz-*' -o -name '*evil*' -o -name '._*' -o -name .DS_Store)" ]
check "manifest header" [ "$(head -1 "$L/layout.csv")" = "path,sha256,size,class,source,entry,draw" ]
check "one row per file" [ "$(rows "$L/layout.csv")" = "$(nfiles "$D")" ]
check "rows match files" rows_match_files
check "tree digest is the manifest's sha256" [ "$(digest)" = "$(sha256sum < "$L/layout.csv" | cut -d' ' -f1)" ]
check "classes are folder names" [ "$(tail -n +2 "$L/layout.csv" | cut -d, -f4 | sort -u | tr '\n' ' ')" = "covid covid_validation non_covid_pneumonia_validation normal normal_validation pneumo " ]
check "local covid images never linked to the user's files (auto links the store's copy; layout_link.sh tests the store)" [ ! "$D/10_dataset/covid/$png" -ef "$I/$png" ]
check "no staging left" [ -z "$(ls -A "$W" | grep staging)" ]
check "first run decoded everything" grep -q ", 0 images verified by an earlier run" "$T/stdout"
check "verified markers: one per good image" [ "$(ls "$W/cache/verified" | wc -l)" = 25 ]
first=$(digest)

# rerun: nothing to do, nothing touched
ino=$(stat -c %i "$D")
expect_exit 0 "rerun" layout
check "rerun: up to date" grep -q "up to date" "$T/stdout"
check "rerun: same tree directory" [ "$(stat -c %i "$D")" = "$ino" ]
# a stray file and a stale staging directory of a dead run are removed
touch "$D/10_dataset/normal/stray.jpeg"; mkdir -p "$W/.datasets.staging.999999/x"
expect_exit 0 "rerun with a stray file" layout
check "stray file gone" [ ! -e "$D/10_dataset/normal/stray.jpeg" ]
check "stale staging gone" [ ! -e "$W/.datasets.staging.999999" ]
check "same digest after rebuild" [ "$(digest)" = "$first" ]
# a file edited in place (same size) is noticed and rebuilt
f=$(ls "$D/10_dataset/normal" | head -1)
sleep 0.05; printf 'X' | dd of="$D/10_dataset/normal/$f" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_exit 0 "rerun after an edit" layout
check "edit: rebuilt" grep -q "quarantined" "$T/stdout"
check "edit: original bytes back" cmp -s "$K/chest_xray/train/NORMAL/$f" "$D/10_dataset/normal/$f"
expect_exit 0 "force" layout --force
check "force: same digest" [ "$(digest)" = "$first" ]
check "force: nothing decoded again" grep -q ", 25 images verified by an earlier run" "$T/stdout"
expect_exit 0 "one thread" layout --force --set layout.threads=1
check "one thread: same digest" [ "$(digest)" = "$first" ]
expect_exit 0 "other cap: decoded again" layout --set layout.max_dimension=9999
check "other cap: 0 from markers" grep -q ", 0 images verified by an earlier run" "$T/stdout"
# another work directory, same inputs: same digest
mkdir -p "$T/work2/manifests"; cp -r "$W/manifests/select" "$T/work2/manifests/"
"$BIN/cxrprep-sample" --config "$T/c2.yaml" >/dev/null
expect_exit 0 "second work directory" "$BIN/cxrprep-layout" --config "$T/c2.yaml"
check "second work directory: same digest" [ "$(cut -d' ' -f1 "$T/work2/manifests/layout/tree.sha256")" = "$first" ]
check "second work directory: same manifest" cmp -s "$L/layout.csv" "$T/work2/manifests/layout/layout.csv"

# copies instead of links; PNG output; another seed
expect_exit 0 "copy" layout --set layout.link=copy
check "copy: not linked" [ "$(links)" = 1 ]
check "copy: same digest" [ "$(digest)" = "$first" ]
expect_exit 0 "png" layout --set layout.images=png --set layout.image_size=64
check "png: names end in .png" [ -z "$(find "$D" -type f ! -name '*.png')" ]
check "png: 64x64" [ "$(od -An -tx1 -j16 -N8 "$D/10_dataset/normal/$(ls "$D/10_dataset/normal" | head -1)" | tr -d ' ')" = "0000004000000040" ]
check "png: other digest" [ "$(digest)" != "$first" ]
check "png: damaged scan quarantined" grep -q '^10_dataset/covid/damaged.png,.*bad Huffman code' "$L/quarantine.csv"
# an oversized image of a nominal draw gives way to the next of the draw's
# order: the counts hold, the draws stay disjoint
expect_exit 0 "oversized" layout --set "layout.max_dimension=$some_over"
check "oversized: quarantined" grep -q "IM-0177-0001.jpeg,normal_train,quarantined: .*$some_over" "$L/quarantine.csv"
check "oversized: replaced, 10_dataset/normal still 6" [ "$(nfiles "$D/10_dataset/normal")" = 6 ]
check "oversized: normal_validation still 3" [ "$(nfiles "$D/dataset_validation/normal_validation")" = 3 ]
check "oversized: replacements counted" grep -q '"replacements": [1-9]' "$L/summary.json"
check "oversized: the draws stay disjoint" [ -z "$(ls "$D/10_dataset/normal" "$D/dataset_validation/normal_validation" | grep jpeg | sort | uniq -d)" ]
check "oversized: not in the tree" [ ! -e "$D/10_dataset/normal/IM-0177-0001.jpeg" ]
oversized=$(digest)
# too few candidates once the oversized ones are out: an error naming the draw
expect_exit 4 "too few usable candidates" layout --set "layout.max_dimension=$all_over"
check "too few: names the draw and the shortfall" stderr_has "draw 'normal_train' needs 6 images but only 0 of its 20 candidates can be laid out (20 failed verification"
check "too few: tree unchanged" [ "$(digest)" = "$oversized" ]
expect_exit 0 "seed 7" sample --set seed=7
expect_exit 0 "seed 7 layout" layout
check "seed 7: other digest" [ "$(digest)" != "$first" ]
expect_exit 0 "back to seed 42" sample
expect_exit 0 "seed 42 layout" layout
check "seed 42 again: first digest" [ "$(digest)" = "$first" ]

# bad inputs; a failed run leaves the tree as it was
rm "$T/img/$png"
expect_exit 8 "missing covid image" layout
check "missing: message" stderr_has "image '$png' is missing"
expect_exit 0 "missing allowed" layout --set sources.images.allow_missing=true
check "missing: quarantined" grep -q "$png,covid_train,missing" "$L/quarantine.csv"
cp "$I/$png" "$T/img/"
expect_exit 0 "restored" layout
expect_exit 8 "archive without the sampled entries" layout --set "sources.kermany.url=$T/flat.zip"
check "entry missing: message" stderr_has "is not in archive"
check "failed run: tree unchanged" [ "$(digest)" = "$first" ]
check "failed run: no staging left" [ -z "$(ls -A "$W" | grep staging)" ]
check "failed run: files unchanged" rows_match_files
expect_exit 3 "folder outside the root" layout --set 'layout.folders=[{path: ../out, draw: normal_train}]'
expect_exit 3 "nested folders" layout --set 'layout.folders=[{path: a, draw: normal_train}, {path: a/b, draw: pneumonia_train}]'
expect_exit 3 "unknown draw" layout --set 'layout.folders=[{path: a, draw: nosuchdraw}]'
check "unknown draw: message" stderr_has "'nosuchdraw' is neither covid_train, covid_holdout nor a name in sample.draws"
rm "$W/manifests/sample/normal_train.csv"
expect_exit 8 "sample manifest missing" layout
check "sample manifest missing: message" stderr_has "run 'cxrprep sample' first"
expect_exit 0 "sample again" sample
# a.jpg and a.png both become a.png
cp "$I/$png" "$T/img/$pngbase.jpg"
printf 'patientid,filename\n1,%s\n2,%s.jpg\n' "$png" "$pngbase" > "$W/manifests/select/holdout.csv"
expect_exit 4 "two images on one path" layout --set layout.images=png
check "two images on one path: message" stderr_has "two images would be laid out as 'dataset_validation/covid_validation/$png'"
# an unsafe file name in a select manifest is quarantined, never read
printf 'patientid,filename\n1,../img/%s\n' "$png" > "$W/manifests/select/holdout.csv"
expect_exit 0 "unsafe name" layout
check "unsafe name: quarantined" grep -q "^dataset_validation/covid_validation/../img/$png,.*,covid_holdout," "$L/quarantine.csv"
expect_exit 3 "bad link mode" layout --set layout.link=softlink
# a zip bomb whose headers declare 100 bytes for 50 MB: refused while reading
python3 "$SRC/tests/lib/archive_make.py" "$T/bomb.zip" --src "$K" --bomb || exit 1
before=$(digest)
bomb() { "$@" --set "sources.kermany.url=$T/bomb.zip" \
    --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: 21}]'; }
expect_exit 0 "bomb: sampled (its header looks small)" bomb sample
expect_exit 4 "bomb: refused at extraction" bomb layout --set 'layout.folders=[{path: all, draw: n}]'
check "bomb: message" stderr_has "zz-bomb.jpeg' of '$T/bomb.zip' holds more bytes than its header declares (100)"
check "bomb: tree unchanged" [ "$(digest)" = "$before" ]
check "bomb: manifest still matches the tree" rows_match_files
finish
