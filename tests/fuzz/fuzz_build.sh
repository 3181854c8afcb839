#!/bin/sh
# fuzz_build.sh BUILD_DIR: configures and builds the libFuzzer targets
# (tests/fuzz/CMakeLists.txt) with clang into BUILD_DIR. Run by the ctest
# fixture fuzz_build and by scripts/fuzz.sh. Without clang or its libFuzzer
# runtime it fails naming the Debian packages: never a silent skip.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: fuzz_build.sh BUILD_DIR}
jobs=${CXR_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

missing() {
  echo "fuzz_build: $1; the fuzz targets need clang with libFuzzer" >&2
  echo "fuzz_build: install the Debian packages 'clang' and 'libclang-rt-14-dev'" \
       "(deps/fuzz.txt; sh scripts/install-deps.sh installs them)" >&2
  [ "${CI:-}" = true ] && echo "fuzz_build: CI=true: a missing fuzzer is a failure" >&2
  exit 1
}

cc=${CXR_FUZZ_CC:-}
if [ -z "$cc" ]; then
  for c in clang clang-16 clang-15 clang-14; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
  done
fi
[ -n "$cc" ] || missing "no clang on PATH"

# libFuzzer's runtime comes in a package of its own (libclang-rt-14-dev)
mkdir -p "$build"
probe="$build/probe_libfuzzer"
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
  > "$probe.c"
"$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" >"$probe.log" 2>&1 ||
  { cat "$probe.log" >&2; missing "'$cc' cannot link -fsanitize=fuzzer,address,undefined"; }
rm -f "$probe" "$probe.c" "$probe.log"

CC=$cc cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=None >/dev/null
cmake --build "$build" -j "$jobs"
