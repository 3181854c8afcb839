#!/bin/sh
# The main command for a new user: installs the Debian packages, builds, and
# runs the whole pipeline offline on the embedded demo (config/demo.yaml,
# whose small mirror the build generates), then says where everything is.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)"
build/bin/cxrprep run config/demo.yaml "$@"
work=build/demo/work
echo
echo "dataset trees:  $work/datasets/"
echo "manifests:      $work/manifests/<stage>/ (CSV, and summary.json per stage)"
echo "score report:   $work/manifests/score/report.html"
