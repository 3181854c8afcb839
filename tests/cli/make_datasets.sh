#!/bin/sh
# make_datasets.sh: `make datasets CONFIG=... SET='...'` forwards to
# `cxrprep run CONFIG --set ...` (one --set per SET word), and the package
# install and the CMake configure run only when their inputs changed.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
need make make
cd "$SRC"
B=$T/b
make -n datasets BUILD="$B" CONFIG=config/demo.yaml SET='seed=7 layout.threads=1' >"$T/plan" 2>&1
check "runs cxrprep run on CONFIG" grep -q "^$B/bin/cxrprep run config/demo.yaml --to layout" "$T/plan"
check "one --set per SET word" grep -q -- "--set 'seed=7' --set 'layout.threads=1'" "$T/plan"
check "first time: installs packages" grep -q "install-deps.sh" "$T/plan"
check "first time: configures" grep -q "cmake -S . -B $B" "$T/plan"
# stamps newer than every input: neither runs again
mkdir -p "$B" && touch "$B/.deps-stamp" && sleep 1 && touch "$B/CMakeCache.txt"
make -n datasets BUILD="$B" CONFIG=config/demo.yaml >"$T/plan2" 2>&1
check "up to date: no install" sh -c "! grep -q install-deps.sh '$T/plan2'"
check "up to date: no configure" sh -c "! grep -q 'cmake -S' '$T/plan2'"
check "up to date: still builds and runs" grep -q "cxrprep run config/demo.yaml" "$T/plan2"
# a changed package list reinstalls
make -n datasets BUILD="$B" CONFIG=config/demo.yaml -W deps/core.txt >"$T/plan3" 2>&1
check "changed deps: installs again" grep -q "install-deps.sh" "$T/plan3"
finish
