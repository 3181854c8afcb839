#!/bin/sh
# cli_select_real.sh: the select stage on the real metadata.csv at the
# pinned commit reproduces the recipe: 142 PA X-ray COVID-19 rows, of which
# the 8 dated March 2020 are held out; and the newer format's real excerpt.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
shared_or_skip
META=$SHARED/data/ieee8023/metadata-8b133d0.csv
M=$T/work/manifests/select

expect_exit 0 "pinned metadata" "$BIN/cxrprep-select" --config "$SRC/config/covid19xray.yaml" \
  --set "workdir=$T/work" --set "sources.metadata.url=$META"
check "142 selected" [ $(( $(rows "$M/covid_train.csv") + $(rows "$M/holdout.csv") )) = 142 ]
check "134 training" [ "$(rows "$M/covid_train.csv")" = 134 ]
check "8 held out" [ "$(rows "$M/holdout.csv")" = 8 ]
check "212 rejected" [ "$(rows "$M/rejected.csv")" = 212 ]
check "held-out dates" [ "$(grep -o '2020-03-[0-9]*' "$M/holdout.csv" | sort | tr '\n' ' ')" = "2020-03-03 2020-03-03 2020-03-04 2020-03-06 2020-03-07 2020-03-10 2020-03-16 2020-03-16 " ]
check "106 undated in training" grep -q '"undated": 106' "$M/summary.json"
check "rejected by reason, on the line" grep -qx "select: 354 rows: 134 training, 8 held out, 212 rejected: 44 not X-ray, 105 not PA, 63 not COVID-19; 106 kept rows undated" "$T/stdout"
check "rejected by reason, in summary.json" python3 -c '
import json, sys
by = json.load(open(sys.argv[1]))["counts"]["rejected_by"]
assert (by["modality"], by["view"], by["finding"]) == (44, 105, 63) and sum(by.values()) == 212, by' "$M/summary.json"
check "pinned sha256 recorded" grep -q 2f7a7a0503ebb3565ba4ff191032528fad35bd23e170a983fef8faa6c6c70dc3 "$M/summary.json"
# the same selection as a plain reading of the CSV (Python's csv module)
python3 - "$META" "$M" <<'PY' && ok || bad "python cross-check"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
want = [r['filename'] for r in rows if r['modality'] == 'X-ray' and r['view'] == 'PA'
        and r['finding'] == 'COVID-19' and r['folder'] == 'images']
got = [r['filename'] for f in ('covid_train.csv', 'holdout.csv')
       for r in csv.DictReader(open(sys.argv[2] + '/' + f, newline=''))]
assert sorted(want) == sorted(got), (len(want), len(got))
PY

# a pinned file that is not the pinned bytes is refused
expect_exit 7 "wrong bytes" "$BIN/cxrprep-select" --config "$SRC/config/covid19xray.yaml" \
  --set "workdir=$T/work" --set "sources.metadata.url=$SHARED/data/ieee8023/metadata-latest-6a42423-excerpt.csv"
check "wrong bytes: says so" stderr_has "the config pins 2f7a7a05"
# the newer 30-column format, hierarchical findings
expect_exit 0 "latest excerpt" "$BIN/cxrprep-select" --config "$SRC/config/covid19xray.yaml" \
  --set "workdir=$T/work" --set "sources.metadata.url=$SHARED/data/ieee8023/metadata-latest-6a42423-excerpt.csv" \
  --set sources.metadata.sha256=
python3 - "$SHARED/data/ieee8023/metadata-latest-6a42423-excerpt.csv" "$M" <<'PY' && ok || bad "excerpt cross-check"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
want = [r['filename'] for r in rows if r['modality'] == 'X-ray' and r['view'] == 'PA'
        and 'COVID-19' in r['finding'].split('/') and r['folder'] == 'images']
got = [r['filename'] for f in ('covid_train.csv', 'holdout.csv')
       for r in csv.DictReader(open(sys.argv[2] + '/' + f, newline=''))]
assert want and want == [g for g in got], (want, got)
PY
finish
