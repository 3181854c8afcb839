#!/bin/sh
# layout_bench.sh: rebuild the three dataset trees from a full-size Kermany
# archive (official layout: train 1349/3883, test 234/390, plus __MACOSX/
# junk; bytes of the 40 shared sample files reused under new names; about
# 1.5 GB built in $TMPDIR, never in the repo) and the real ieee8023 images,
# against the recipe's way (unzip the whole archive, then copy the chosen
# files with a script) and the fair Python way (zipfile extracting only the
# chosen members), in the same run. Prints the median wall time of RUNS
# runs of each, the ratios, the no-change rerun, and peak memory (max RSS)
# on the full archive and on one a quarter of its size. Rows: cold (no
# markers, no store: every member inflated, hashed and decoded), and its
# floor (the same with layout.verify=false: inflated, hashed and written,
# nothing decoded: what verification adds is the difference); rebuild
# (trees and manifests deleted, cache/ kept: verification markers, the
# content-addressed store and its index, so members are neither inflated
# nor hashed again and trees are links); the same rebuild with
# layout.link=copy (the recipe's way of writing every file, no store).
#
# Usage: sh bench/layout_bench.sh [BUILD_DIR]      (default: build)
# Environment: RUNS (3), SCALE (1: archive size factor), KEEP=1 keeps the
# archives in $TMPDIR/cxr-layout-bench for the next run, OTHER=BUILD_DIR
# times that build's cold run too, in the same loop (before/after a change).
# The load averages at the start and the end are printed: on a shared
# machine they say how far the times can be trusted.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}/bin
runs=${RUNS:-3}
scale=${SCALE:-1}
shared=$(cd "$top/../shared" 2>/dev/null && pwd) || { echo "../shared not found" >&2; exit 1; }
other=${OTHER:+$(cd "$OTHER" && pwd)/bin}
for b in cxrprep-select cxrprep-sample cxrprep-layout; do
  for d in "$bin" ${other:+"$other"}; do
    [ -x "$d/$b" ] || { echo "build first: $d/$b not found" >&2; exit 1; }
  done
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
dir=${TMPDIR:-/tmp}/cxr-layout-bench
mkdir -p "$dir"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT

counts() { # counts FACTOR -> "n,n,n,n"
  python3 -c "import sys; f=float(sys.argv[1]); print(','.join(str(max(1, round(c*f))) for c in (1349,3883,234,390)))" "$1"
}
archive() { # archive FACTOR -> path (built once)
  c=$(counts "$1"); a="$dir/kermany-$(echo "$c" | tr , -).zip"
  [ -f "$a" ] || python3 "$top/tests/lib/archive_make.py" "$a" --src "$shared/data/kermany-sample" \
                   --junk --counts "$c" >&2
  echo "$a"
}
config() { # config ARCHIVE WORKDIR FILE
  cat > "$3" <<YAML
version: 1
workdir: $2
sources:
  metadata: {url: $shared/data/ieee8023/metadata-8b133d0.csv}
  images: {url_template: "$shared/data/ieee8023/images/{filename}", allow_missing: true}
  kermany: {url: "$1"}
select:
  filters: {modality: [X-ray], view: [PA], folder: [images], finding: [COVID-19]}
  holdout: {mode: dates, date_from: 2020-03-01, date_to: 2020-03-31}
YAML
}
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss() { /usr/bin/time -f %M -o "$dir/rss" "$@" >/dev/null && cat "$dir/rss"; }

# the recipe's way: unzip everything, then a script copies the chosen files
recipe() { # recipe ARCHIVE WORKDIR OUT
  rm -rf "$3"; mkdir -p "$3"
  unzip -q "$1" -d "$3/unzipped"
  python3 - "$2" "$3" "$shared/data/ieee8023/images" <<'PY'
import csv, os, shutil, sys
work, out, images = sys.argv[1:4]
folders = {"10_dataset/covid": "select/covid_train", "10_dataset/normal": "sample/normal_train",
           "20_dataset/covid": "select/covid_train", "20_dataset/pneumo": "sample/pneumonia_train",
           "dataset_validation/covid_validation": "select/holdout",
           "dataset_validation/normal_validation": "sample/normal_validation",
           "dataset_validation/non_covid_pneumonia_validation": "sample/pneumonia_validation"}
for folder, m in folders.items():
    dst = os.path.join(out, "datasets", folder)
    os.makedirs(dst, exist_ok=True)
    for row in csv.DictReader(open(os.path.join(work, "manifests", m + ".csv"))):
        if row.get("nominal", "1") != "1":  # a sample draw's reserve
            continue
        src = (os.path.join(out, "unzipped", row["entry"]) if "entry" in row
               else os.path.join(images, row["filename"]))
        if os.path.exists(src):
            shutil.copy(src, dst)
PY
}

# the fair Python way: zipfile extracts only the chosen members, shutil
# copies the covid images (no verification, no store)
fair() { # fair ARCHIVE WORKDIR OUT
  rm -rf "$3"; mkdir -p "$3"
  python3 - "$1" "$2" "$3" "$shared/data/ieee8023/images" <<'PY'
import csv, os, shutil, sys, zipfile
archive, work, out, images = sys.argv[1:5]
folders = {"10_dataset/covid": "select/covid_train", "10_dataset/normal": "sample/normal_train",
           "20_dataset/covid": "select/covid_train", "20_dataset/pneumo": "sample/pneumonia_train",
           "dataset_validation/covid_validation": "select/holdout",
           "dataset_validation/normal_validation": "sample/normal_validation",
           "dataset_validation/non_covid_pneumonia_validation": "sample/pneumonia_validation"}
with zipfile.ZipFile(archive) as z:
    for folder, m in folders.items():
        dst = os.path.join(out, "datasets", folder)
        os.makedirs(dst, exist_ok=True)
        for row in csv.DictReader(open(os.path.join(work, "manifests", m + ".csv"))):
            if row.get("nominal", "1") != "1":
                continue
            if "entry" in row:
                with z.open(row["entry"]) as src, \
                     open(os.path.join(dst, os.path.basename(row["entry"])), "wb") as f:
                    shutil.copyfileobj(src, f)
            elif os.path.exists(os.path.join(images, row["filename"])):
                shutil.copy(os.path.join(images, row["filename"]), dst)
PY
}

full=$(archive "$scale")
quarter=$(archive "$(echo "$scale" | awk '{print $1/4}')")
config "$full" "$dir/work" "$dir/full.yaml"
config "$quarter" "$dir/work-q" "$dir/quarter.yaml"
"$bin/cxrprep-select" --quiet --config "$dir/full.yaml"
"$bin/cxrprep-select" --quiet --config "$dir/quarter.yaml"

cold_reset() { # no trees, manifests, verification markers, store or index
  rm -rf "$dir/work/datasets" "$dir/work/manifests/sample" "$dir/work/manifests/layout" \
         "$dir/work/cache/verified" "$dir/work/cache/store"
}
ours="" warm="" copy="" noverify="" noop="" theirs="" oth="" py="" floor=""
for i in $(seq "$runs"); do
  if [ -n "$other" ]; then # the other build, cold, first
    cold_reset; t0=$(now)
    "$other/cxrprep-sample" --quiet --config "$dir/full.yaml"
    "$other/cxrprep-layout" --quiet --config "$dir/full.yaml"
    t1=$(now); oth="$oth $(ms "$t0" "$t1")"
  fi
  # the floor of a cold run: the same, with no image decoded at all
  cold_reset; t0=$(now)
  "$bin/cxrprep-sample" --quiet --config "$dir/full.yaml"
  "$bin/cxrprep-layout" --quiet --config "$dir/full.yaml" --set layout.verify=false
  t1=$(now); floor="$floor $(ms "$t0" "$t1")"
  # cold: no trees, no manifests, no verification markers
  cold_reset
  t0=$(now)
  "$bin/cxrprep-sample" --quiet --config "$dir/full.yaml"
  "$bin/cxrprep-layout" --quiet --config "$dir/full.yaml"
  t1=$(now)
  "$bin/cxrprep-layout" --quiet --config "$dir/full.yaml"
  t2=$(now)
  "$bin/cxrprep-layout" --quiet --config "$dir/full.yaml" --force --set layout.verify=false
  t3=$(now)
  # trees and manifests gone, verification markers of the cold run kept
  rm -rf "$dir/work/datasets" "$dir/work/manifests/sample" "$dir/work/manifests/layout"
  t4=$(now)
  "$bin/cxrprep-sample" --quiet --config "$dir/full.yaml"
  "$bin/cxrprep-layout" --quiet --config "$dir/full.yaml"
  t5=$(now)
  # the same with layout.link=copy: every file written, the recipe's way
  rm -rf "$dir/work/datasets" "$dir/work/manifests/sample" "$dir/work/manifests/layout"
  t6=$(now)
  "$bin/cxrprep-sample" --quiet --config "$dir/full.yaml"
  "$bin/cxrprep-layout" --quiet --config "$dir/full.yaml" --set layout.link=copy
  t7=$(now)
  ours="$ours $(ms "$t0" "$t1")"; noop="$noop $(ms "$t1" "$t2")"
  noverify="$noverify $(ms "$t2" "$t3")"; warm="$warm $(ms "$t4" "$t5")"
  copy="$copy $(ms "$t6" "$t7")"
  t0=$(now); recipe "$full" "$dir/work" "$dir/recipe"; t1=$(now)
  theirs="$theirs $(ms "$t0" "$t1")"
  rm -rf "$dir/recipe"
  t0=$(now); fair "$full" "$dir/work" "$dir/fair"; t1=$(now)
  py="$py $(ms "$t0" "$t1")"
  rm -rf "$dir/fair"
done
o=$(echo "$ours" | median); n=$(echo "$noverify" | median); v=$(echo "$warm" | median)
z=$(echo "$noop" | median); r=$(echo "$theirs" | median); cp=$(echo "$copy" | median)
p=$(echo "$py" | median); f=$(echo "$floor" | median)
sample_ms() { t0=$(now); "$bin/cxrprep-sample" --quiet --config "$1"; t1=$(now); ms "$t0" "$t1"; }
s=$(sample_ms "$dir/full.yaml")
rm -rf "$dir/work/cache/verified" "$dir/work-q/cache/verified"
rss_full=$(rss "$bin/cxrprep-layout" --quiet --config "$dir/full.yaml" --force)
rss_sfull=$(rss "$bin/cxrprep-sample" --quiet --config "$dir/full.yaml")
"$bin/cxrprep-sample" --quiet --config "$dir/quarter.yaml"
rss_q=$(rss "$bin/cxrprep-layout" --quiet --config "$dir/quarter.yaml" --force)
rss_sq=$(rss "$bin/cxrprep-sample" --quiet --config "$dir/quarter.yaml")
files=$(($(wc -l < "$dir/work/manifests/layout/layout.csv") - 1))

printf '\narchive: %s (%s MB), %s files laid out, %s runs, %s\n' "$(basename "$full")" \
  "$(( $(stat -c %s "$full") / 1000000 ))" "$files" "$runs" "$(nproc) cores"
printf '%-52s %10s %8s\n' "what (median wall time)" "ms" "ratio"
printf '%-52s %10s %8s\n' "recipe: unzip all + copy chosen files (baseline)" "$r" "1.0"
printf '%-52s %10s %8s\n' "fair Python: zipfile, chosen members only" "$p" \
  "$(awk -v a="$r" -v b="$p" 'BEGIN {printf "%.1fx", a/b}')"
printf '%-52s %10s %8s\n' "cxrprep sample + layout, every image decoded (cold)" "$o" \
  "$(awk -v a="$r" -v b="$o" 'BEGIN {printf "%.1fx", a/b}')"
printf '%-52s %10s %8s\n' "  its floor: cold, layout.verify=false (no decoding)" "$f" \
  "$(awk -v a="$r" -v b="$f" 'BEGIN {printf "%.1fx", a/b}')"
printf '%-52s %10s %8s %s\n' "rebuild: markers, store and index of an earlier run" "$v" \
  "$(awk -v a="$r" -v b="$v" 'BEGIN {printf "%.1fx", a/b}')" \
  "($(awk -v a="$p" -v b="$v" 'BEGIN {printf "%.1fx", a/b}') the fair Python way)"
printf '%-52s %10s %8s %s\n' "same, layout.link=copy (every file written)" "$cp" \
  "$(awk -v a="$r" -v b="$cp" 'BEGIN {printf "%.1fx", a/b}')" \
  "($(awk -v a="$p" -v b="$cp" 'BEGIN {printf "%.1fx", a/b}') the fair Python way)"
printf '%-52s %10s %8s\n' "cxrprep layout --force, layout.verify=false" "$n" \
  "$(awk -v a="$r" -v b="$n" 'BEGIN {printf "%.1fx", a/b}')"
if [ -n "$other" ]; then
  x=$(echo "$oth" | median)
  printf '%-52s %10s %8s\n' "same, cold, the OTHER build (below)" "$x" \
    "$(awk -v a="$r" -v b="$x" 'BEGIN {printf "%.1fx", a/b}')"
fi
printf '%-52s %10s\n' "cxrprep sample alone (lists the archive)" "$s"
printf '%-52s %10s\n' "cxrprep layout rerun, nothing changed" "$z"
printf '%-52s %10s %10s\n' "peak memory (max RSS, KB)" "full" "quarter"
printf '%-52s %10s %10s\n' "cxrprep-sample" "$rss_sfull" "$rss_sq"
printf '%-52s %10s %10s\n' "cxrprep-layout --force" "$rss_full" "$rss_q"
[ -z "$other" ] || printf 'OTHER build: %s\n' "$(dirname "$other")"
printf 'load average (1, 5, 15 min): %s at the start, %s at the end\n' "$load0" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
