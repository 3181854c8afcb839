#!/bin/sh
# verify_bench.sh: JPEG verification rate on the real images in ../shared
# (40 Kermany JPEGs, whose restart markers keep libjpeg-turbo on its slow
# Huffman path, and the ieee8023 JPEGs), the scan layout uses against
# libjpeg-turbo's strict 1/8-scale verification (the way before it, and
# its fallback) in the same run (bench/verify_rate.c). A table per set.
#
# Usage: sh bench/verify_bench.sh [BUILD_DIR] [ROUNDS]   (build, 5)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}/bin
rounds=${2:-5}
shared=$(cd "$top/../shared" 2>/dev/null && pwd) || { echo "../shared not found" >&2; exit 1; }
[ -x "$bin/verify_rate" ] || { echo "build first: $bin/verify_rate not found" >&2; exit 1; }
printf 'load average at the start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '\nKermany sample (baseline JPEGs with restart markers, and 2 progressive):\n'
"$bin/verify_rate" "$rounds" "$shared"/data/kermany-sample/chest_xray/*/*/*
printf '\nieee8023 images (JPEGs only; progressive ones go to libjpeg):\n'
"$bin/verify_rate" "$rounds" "$shared"/data/ieee8023/images/*
printf '\nload average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
