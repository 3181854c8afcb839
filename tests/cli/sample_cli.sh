#!/bin/sh
# sample_cli.sh: cxrprep-sample on zip and tar.gz archives built here from the
# demo mirror's Kermany sample (kermany-sample/, the real sample's 40 file
# names on synthetic pictures, tools/mkdemo_sample.c), with mirror junk, a
# nested root and hostile entries: refusals, draws (the seeded order of every
# candidate, the nominal draw first), draws.csv, disjointness by file and
# patient, determinism, limits and every bad input. Sampling reads names and
# sizes only, never pixels, so the real sample would test nothing more.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
need python3 python3
K=$CXR_BUILD_DIR/demo/mirror/kermany-sample
[ -f "$K/chest_xray/train/PNEUMONIA/person890_bacteria_2814.jpeg" ] ||
  { echo "FAIL: no Kermany sample in '$K' (the build writes it: target demo_mirror)"; exit 1; }
MK="python3 $SRC/tests/lib/archive_make.py"
$MK "$T/k.zip" --src "$K" --junk --hostile --duplicate || exit 1
$MK "$T/k.tgz" --format tgz --src "$K" --junk --hostile --root chest_xray \
    --root chest_xray/chest_xray || exit 1
$MK "$T/p.zip" --src "$K" --root "" --counts 0,12,0,0 || exit 1   # 6 patients x 2
echo "not an archive" > "$T/bad.zip"

cat > "$T/c.yaml" <<YAML
version: 1
workdir: $T/work
sources:
  metadata: {url: $T/none.csv}
  kermany: {url: $T/k.zip}
select: {}
sample:
  draws:
    - {name: normal_train, split: train, class: NORMAL, count: 8}
    - {name: pneumonia_train, split: train, class: PNEUMONIA, count: 8}
    - {name: normal_validation, split: train, class: NORMAL, count: 5,
       disjoint_from: [normal_train, pneumonia_train]}
    - {name: pneumonia_validation, split: train, class: PNEUMONIA, count: 5,
       disjoint_from: [normal_train, pneumonia_train]}
YAML
M=$T/work/manifests/sample
run() { "$BIN/cxrprep-sample" --config "$T/c.yaml" "$@"; }
# column of a manifest's nominal draw (no quoting here; 'nominal' is the last column)
mcol() { tail -n +2 "$1" | grep ',1$' | cut -d, -f"$2"; }
nrows() { tail -n +2 "$1" | grep -c ',1$'; }   # rows of the nominal draw
# all candidates of a draw (nominal and reserve), one column
acol() { tail -n +2 "$1" | cut -d, -f"$2"; }
# ranks are 1..n in file order and the first COUNT rows (only they) are nominal
ranked() { tail -n +2 "$1" | awk -F, -v n="$2" '$9 != NR || ($10 == 1) != (NR <= n) { bad = 1 } END { exit bad }'; }
# disjoint A B COLUMN: no value of COLUMN is in both manifests
disjoint() { mcol "$1" "$3" | sort -u > "$T/a"; mcol "$2" "$3" | sort -u > "$T/b"; [ -z "$(sort "$T/a" "$T/b" | uniq -d)" ]; }
none_match() { ! cat "$M"/*_*.csv | grep -q "$1"; }
not_same() { ! cmp -s "$1" "$2"; }
same_draws() { for f in normal_train normal_validation pneumonia_train pneumonia_validation; do cmp -s "$1/$f.csv" "$M/$f.csv" || return 1; done; }

expect_exit 0 "zip with junk and hostile entries" run
for d in normal_train:8 pneumonia_train:8 normal_validation:5 pneumonia_validation:5; do
  check "$d nominal rows" [ "$(nrows "$M/${d%%:*}.csv")" = "${d##*:}" ]
  check "$d ranked, nominal first" ranked "$M/${d%%:*}.csv" "${d##*:}"
done
check "header" [ "$(head -1 "$M/normal_train.csv")" = "filename,patient,split,class,entry,size,source,draw,rank,nominal" ]
check "every candidate listed: 20 NORMAL" [ "$(rows "$M/normal_train.csv")" = 20 ]
check "validation lists the candidates left: 20 - 8" [ "$(rows "$M/normal_validation.csv")" = 12 ]
check "draws.csv" [ "$(cat "$M/draws.csv")" = "draw,split,class,count,count_from,disjoint_from,patient_disjoint,candidates
normal_train,train,NORMAL,8,,,1,20
pneumonia_train,train,PNEUMONIA,8,,,1,19
normal_validation,train,NORMAL,5,,normal_train/pneumonia_train,1,12
pneumonia_validation,train,PNEUMONIA,5,,normal_train/pneumonia_train,1,$(rows "$M/pneumonia_validation.csv")" ]
check "classes" [ "$(mcol "$M/pneumonia_train.csv" 4 | sort -u)" = PNEUMONIA ]
check "entries under the root" [ "$(mcol "$M/normal_train.csv" 5 | grep -vc '^chest_xray/train/NORMAL/')" = 0 ]
check "refused: absolute" grep -q '^/tmp/cxr-evil.jpeg,absolute path' "$M/refused.csv"
check "refused: .." grep -q "cxr-evil.jpeg,'..' component" "$M/refused.csv"
check "refused: symlink" grep -q 'zz-link.jpeg,symbolic link' "$M/refused.csv"
check "refused: stored twice" [ "$(grep -c 'person890_bacteria_2814.jpeg,entry name stored twice' "$M/refused.csv")" = 2 ]
check "stdout names refusals" grep -q 'refused 5 hostile archive entries' "$T/stdout"
check 'no refused entry drawn' none_match 'zz-\|evil\|person890'
check 'junk never drawn' none_match '__MACOSX\|DS_Store\|/\._'
check "summary counts junk" grep -q '"junk": 4[0-9]' "$M/summary.json"
# disjointness by file
check "normal validation disjoint by file" disjoint "$M/normal_train.csv" "$M/normal_validation.csv" 1
check "pneumonia validation disjoint by file" disjoint "$M/pneumonia_train.csv" "$M/pneumonia_validation.csv" 1
check "pneumonia validation disjoint by patient" disjoint "$M/pneumonia_train.csv" "$M/pneumonia_validation.csv" 2
# and every candidate of validation (its reserve too) avoids the nominal training draws
acol "$M/normal_validation.csv" 1 | sort > "$T/all"
check "validation's candidates avoid training's nominal draw" [ -z "$(mcol "$M/normal_train.csv" 1 | sort | comm -12 - "$T/all")" ]

# determinism: same config, same draws; another seed, another draw; a new
# draw leaves the others alone; zip and tar.gz give the same sample
cp -r "$M" "$T/first"
expect_exit 0 "rerun" run
check "rerun: same manifests" same_draws "$T/first"
expect_exit 0 "other seed" run --set seed=7
check "other seed: other sample" not_same "$T/first/normal_train.csv" "$M/normal_train.csv"
expect_exit 0 "added draw" run --set 'sample.draws=[{name: extra, split: train, class: NORMAL, count: 3}, {name: normal_train, split: train, class: NORMAL, count: 8}, {name: pneumonia_train, split: train, class: PNEUMONIA, count: 8}]'
check "added draw: normal_train unchanged" cmp -s "$T/first/normal_train.csv" "$M/normal_train.csv"
check "added draw: pneumonia_train unchanged" cmp -s "$T/first/pneumonia_train.csv" "$M/pneumonia_train.csv"
check "dropped draw: its manifest removed" [ ! -e "$M/normal_validation.csv" ]
check "refused.csv kept" [ -e "$M/refused.csv" ]
expect_exit 0 "tar.gz with two identical roots" run --set "sources.kermany.url=$T/k.tgz"
check "tar.gz: root choice said" grep -q "under 2 roots.*using 'chest_xray'" "$T/stdout"
check "tar.gz: same sample as zip" cmp -s "$T/first/normal_validation.csv" "$M/normal_validation.csv"
check "tar.gz: hard link refused" grep -q 'zz-hard.jpeg,hard link' "$M/refused.csv"
check "tar.gz: device refused" grep -q 'zz-dev.jpeg,"device' "$M/refused.csv"
check "tar.gz: fifo refused" grep -q 'zz-fifo.jpeg,"device' "$M/refused.csv"
expect_exit 0 "explicit nested root" run --set "sources.kermany.url=$T/k.tgz" --set sample.archive_root=chest_xray/chest_xray
check "nested root used" [ "$(mcol "$M/normal_train.csv" 5 | grep -vc '^chest_xray/chest_xray/train/NORMAL/')" = 0 ]
expect_exit 8 "unknown root" run --set sample.archive_root=elsewhere
check "unknown root: message" stderr_has "dataset root 'elsewhere' is not in the archive"

# patients: 12 pneumonia images of 6 patients at the archive's top level
P="--set sources.kermany.url=$T/p.zip"
D1='{name: tr, split: train, class: PNEUMONIA, count: 5}'
expect_exit 0 "patient disjoint" run $P --set "sample.draws=[$D1, {name: va, split: train, class: PNEUMONIA, count: 2, disjoint_from: [tr]}]"
check "no shared patient" disjoint "$M/tr.csv" "$M/va.csv" 2
check "patients excluded counted" grep -q '"excluded_as_patients": [1-9]' "$M/summary.json"
expect_exit 4 "too few once patients are excluded" run $P --set "sample.draws=[$D1, {name: va, split: train, class: PNEUMONIA, count: 7, disjoint_from: [tr]}]"
check "too few: says how many" stderr_has "draw 'va' wants 7 images but only"
expect_exit 0 "patient_disjoint false" run $P --set "sample.draws=[$D1, {name: va, split: train, class: PNEUMONIA, count: 7, disjoint_from: [tr], patient_disjoint: false}]"

# counts from the select manifest
mkdir -p "$T/work/manifests/select"
printf 'patientid,filename\n1,a.jpg\n2,b.jpg\n3,c.jpg\n' > "$T/work/manifests/select/covid_train.csv"
expect_exit 0 "count: covid_train" run --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: covid_train}]'
check "count: covid_train rows" [ "$(nrows "$M/n.csv")" = 3 ]
check "count: covid_train in draws.csv" grep -q '^n,train,NORMAL,3,covid_train,,1,20$' "$M/draws.csv"
expect_exit 8 "count: holdout missing" run --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: covid_holdout}]'
check "count: says run select" stderr_has "run 'cxrprep select' first"

# the default draws (the recipe's): as many as covid_train, then 20 + 20
python3 "$SRC/tests/lib/archive_make.py" "$T/d.zip" --src "$K" --counts 30,30,0,0 || exit 1
sed '/^sample:/,$d' "$T/c.yaml" > "$T/default.yaml"
expect_exit 0 "default draws" "$BIN/cxrprep-sample" --config "$T/default.yaml" --set "sources.kermany.url=$T/d.zip"
for d in normal_train:3 pneumonia_train:3 normal_validation:20 pneumonia_validation:20; do
  check "default $d rows" [ "$(nrows "$M/${d%%:*}.csv")" = "${d##*:}" ]
done
check "default: validation disjoint by patient" disjoint "$M/pneumonia_train.csv" "$M/pneumonia_validation.csv" 2

# bad inputs
expect_exit 4 "too few candidates" run --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: 21}]'
check "too few: message" stderr_has "wants 21 images but only 20 candidates remain"
expect_exit 4 "no test split in the sample" run --set 'sample.draws=[{name: n, split: test, class: NORMAL, count: 1}]'
check "no test split: message" stderr_has "only 0 candidates remain (0 in test/NORMAL"
expect_exit 4 "entry cap" run --set sources.kermany.max_entries=10
check "entry cap: message" stderr_has "more than 10 entries (sources.kermany.max_entries)"
# a cap of half the images' bytes: the archive holds them all (and more)
half=$(( $(cat "$K"/chest_xray/train/*/* | wc -c) / 2048 ))KiB
expect_exit 4 "size cap" run --set sources.kermany.max_total_size=$half
check "size cap: message" stderr_has "sources.kermany.max_total_size"
expect_exit 4 "not an archive" run --set "sources.kermany.url=$T/bad.zip"
check "not an archive: message" stderr_has "cannot read archive"
# an entry name that is not UTF-8 is refused and written as \xNN: refused.csv stays UTF-8
python3 - "$T/k.zip" "$T/u.zip" <<'PYEOF' || exit 1
import shutil, sys, zipfile
shutil.copy(sys.argv[1], sys.argv[2])
with zipfile.ZipFile(sys.argv[2], "a") as z:
    z.writestr("chest_xray/train/NORMAL/placeholder.jpeg", b"x")
d = open(sys.argv[2], "rb").read().replace(b"placeholder", b"bad\xff\xfe-names")  # same length
open(sys.argv[2], "wb").write(d)
PYEOF
expect_exit 0 "a name that is not UTF-8" run --set "sources.kermany.url=$T/u.zip"
check "not UTF-8: refused, escaped" grep -qF 'NORMAL/bad\xFF\xFE-names.jpeg,name is not valid UTF-8' "$M/refused.csv"
check "not UTF-8: refused.csv is UTF-8" python3 -c "open('$M/refused.csv', encoding='utf-8').read()"
# a truncated archive: the entry where it breaks is named, the manifests stay
head -c $(( $(wc -c < "$T/k.zip") / 2 )) "$T/k.zip" > "$T/trunc.zip"
cp "$M/normal_train.csv" "$T/before.csv"
expect_exit 4 "truncated archive" run --set "sources.kermany.url=$T/trunc.zip"
check "truncated archive: names the entry" stderr_has "archive '$T/trunc.zip' is damaged after entry '"
check "truncated archive: manifests untouched" cmp -s "$M/normal_train.csv" "$T/before.csv"
check "truncated archive: no temporary files" [ -z "$(find "$T/work" -name '*.tmp.*')" ]
expect_exit 8 "absent archive" run --set "sources.kermany.url=$T/absent.zip"
# the archive's URL: file URLs (localhost, %XX) name the same file; other
# schemes are refused; an http(s) archive is read from the fetch cache only
mkdir -p "$T/a dir"; cp "$T/k.zip" "$T/a dir/k.zip"
expect_exit 0 "file URL" run --set "sources.kermany.url=file://localhost$T/a%20dir/k.zip"
check "file URL: the same draws as the path" same_draws "$T/first"
expect_exit 3 "relative file URL" run --set "sources.kermany.url=file://k.zip"
check "relative file URL: message" stderr_has "file URL 'file://k.zip' must be absolute (file:///path)"
expect_exit 9 "unsupported scheme" run --set "sources.kermany.url=ftp://example.org/k.zip"
check "unsupported scheme: message" stderr_has "unsupported URL scheme in 'ftp://example.org/k.zip' (http, https and file only)"
expect_exit 8 "http archive not fetched" run --set "sources.kermany.url=http://127.0.0.1:9/k.zip"
check "not fetched: says run fetch" stderr_has "'http://127.0.0.1:9/k.zip' is not in the cache: run 'cxrprep fetch' first"
expect_exit 8 "pinned http archive not fetched" run --set "sources.kermany.url=https://127.0.0.1:9/k.zip" \
  --set "sources.kermany.sha256=$(sha256sum < "$T/k.zip" | cut -d' ' -f1)"
check "pinned, not fetched: says run fetch" stderr_has "'https://127.0.0.1:9/k.zip' is not in the cache: run 'cxrprep fetch' first"
expect_exit 3 "bad class" run --set 'sample.draws=[{name: n, split: train, class: COVID, count: 1}]'
expect_exit 3 "bad count" run --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: many}]'
expect_exit 3 "unknown disjoint_from" run --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: 1, disjoint_from: [later]}]'
check "unknown disjoint_from: message" stderr_has "'later', which is not an earlier draw"
expect_exit 3 "repeated name" run --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: 1}, {name: n, split: train, class: NORMAL, count: 1}]'
expect_exit 3 "unsafe name" run --set 'sample.draws=[{name: ../x, split: train, class: NORMAL, count: 1}]'
expect_exit 3 "reserved name" run --set 'sample.draws=[{name: draws, split: train, class: NORMAL, count: 1}]'
check "reserved name: message" stderr_has "'draws' cannot name a draw: reserved"
expect_exit 3 "unknown key" run --set 'sample.draws=[{name: n, split: train, class: NORMAL, count: 1, cuont: 2}]'
finish
