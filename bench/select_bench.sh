#!/bin/sh
# select_bench.sh: cxrprep-select over generated metadata files of 10,000 and
# 1,000,000 rows (old 28-column format, ~6% PA X-ray COVID-19 rows, messy
# dates). Prints rows/s and peak memory (max RSS) per size, median of RUNS
# runs, with Python's csv module doing the same filter as a baseline.
# Usage: sh bench/select_bench.sh [BUILD_DIR] (default: build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}/bin/cxrprep-select
runs=${RUNS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cxr-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin" ] || { echo "build first: $bin not found" >&2; exit 1; }

gen() { # gen ROWS FILE
  python3 - "$1" "$2" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(1)
header = ('patientid,offset,sex,age,finding,survival,intubated,intubation_present,went_icu,'
          'needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,'
          'neutrophil_count,lymphocyte_count,view,modality,date,location,folder,filename,doi,'
          'url,license,clinical_notes,other_notes,')
findings = ['COVID-19'] * 3 + ['SARS', 'Streptococcus', '"COVID-19, ARDS"', 'No Finding']
views = ['PA', 'PA', 'AP', 'AP Supine', 'L', 'Axial']
dates = ['2020', '', '"January 22, 2020"', '"Mar 3, 2020"', '3/7/2020', '03/16/20',
         '"January 12"', '"March 2003"', '"Feb 21, 2020"']
with open(path, 'w', newline='') as f:
    f.write(header + '\n')
    for i in range(n):
        modality = 'X-ray' if rnd.random() < 0.85 else 'CT'
        f.write(f'{i // 3},0,M,60,{rnd.choice(findings)},Y,,,,,,,,,,,{rnd.choice(views)},'
                f'{modality},{rnd.choice(dates)},"Some Hospital, City",images,img{i:07d}.jpeg,'
                f'10.1000/x{i},https://example.org/{i},CC BY,"notes, with a comma",,\n')
PY
}

measure() { # measure ROWS -> "rows/s maxrss_kb" (median of runs)
  rows=$1
  gen "$rows" "$tmp/m$rows.csv"
  cat > "$tmp/c$rows.yaml" <<YAML
version: 1
workdir: $tmp/w$rows
sources: {metadata: {url: $tmp/m$rows.csv}}
select:
  filters: {modality: [X-ray], view: [PA], folder: [images], finding: [COVID-19]}
  holdout: {mode: dates, date_from: 2020-03-01, date_to: 2020-03-31}
YAML
  for r in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" --config "$tmp/c$rows.yaml" --quiet
    read -r secs kb < "$tmp/time"
    echo "$secs $kb"
  done | sort -n | awk -v rows="$rows" '{s[NR]=$1; k[NR]=$2} END {m=int((NR+1)/2);
    printf "%d %d\n", (s[m] > 0 ? rows / s[m] : 0), k[m]}'
}

baseline() { # Python csv module, same filter, rows/s
  python3 - "$tmp/m$1.csv" <<'PY'
import csv, sys, time
t = time.perf_counter()
n = kept = 0
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    for r in csv.DictReader(f):
        n += 1
        kept += (r['modality'] == 'X-ray' and r['view'] == 'PA' and r['folder'] == 'images'
                 and 'COVID-19' in r['finding'].split('/'))
print(int(n / (time.perf_counter() - t)))
PY
}

small=$(measure 10000)
large=$(measure 1000000)
py=$(baseline 1000000)
set -- $small; small_rate=$1; small_kb=$2
set -- $large; large_rate=$1; large_kb=$2
printf '%-34s %14s %14s\n' "select (median of $runs runs)" "rows/s" "peak RSS (KiB)"
printf '%-34s %14s %14s\n' "cxrprep-select, 10,000 rows" "$small_rate" "$small_kb"
printf '%-34s %14s %14s\n' "cxrprep-select, 1,000,000 rows" "$large_rate" "$large_kb"
printf '%-34s %14s %14s\n' "python3 csv filter, 1,000,000 rows" "$py" "-"
awk -v a="$large_kb" -v b="$small_kb" -v r="$large_rate" -v p="$py" 'BEGIN {
  printf "memory 1M/10k rows: %.2fx; speed vs python csv: %.1fx\n", a / b, r / p }'
