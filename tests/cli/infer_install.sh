#!/bin/sh
# infer_install.sh: libcxrinfer installs as a library other programs use:
# `cmake --install` into a scratch prefix gives the header, a versioned
# shared library (soname libcxrinfer.so.1) that exports only cxrinfer_*
# symbols, and a pkg-config file with which a small program compiles,
# links and runs.
set -u
work=$(mktemp -d "${TMPDIR:-/tmp}/cxr-infer-install-XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail=0
cmake --install "$CXR_BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "FAIL: cmake --install"; exit 1; }
[ -f "$prefix/include/cxrinfer.h" ] || { echo "FAIL: header not installed"; fail=1; }
lib=$(find "$prefix" -name 'libcxrinfer.so.1.*' -type f | head -1)
pc=$(find "$prefix" -name cxrinfer.pc | head -1)
[ -n "$lib" ] || { echo "FAIL: no versioned library installed"; exit 1; }
[ -n "$pc" ] || { echo "FAIL: no cxrinfer.pc installed"; exit 1; }
libdir=$(dirname "$lib")
[ -L "$libdir/libcxrinfer.so.1" ] && [ -L "$libdir/libcxrinfer.so" ] ||
  { echo "FAIL: missing libcxrinfer.so.1 / libcxrinfer.so links"; fail=1; }
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "libcxrinfer.so.1" ] || { echo "FAIL: soname is '$soname'"; fail=1; }
extra=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^cxrinfer_' | grep -v '^CXRINFER_' || true)
[ -z "$extra" ] || { echo "FAIL: exports beyond cxrinfer_*: $extra"; fail=1; }
cat >"$work/use.c" <<'CEOF'
#include <cxrinfer.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    cxrinfer_options o;
    cxrinfer_model *m;
    char err[256];
    cxrinfer_options_init(&o);
    if (cxrinfer_model_load_buffer("x", 1, &o, &m, err, sizeof err) != CXRINFER_ERR_MODEL)
        return 1;
    printf("%s: %s\n", cxrinfer_strerror(CXRINFER_ERR_MODEL), err);
    return strlen(err) ? 0 : 1;
}
CEOF
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs cxrinfer) ||
  { echo "FAIL: pkg-config cxrinfer"; exit 1; }
# shellcheck disable=SC2086
cc -std=c11 -Wall -Werror -o "$work/use" "$work/use.c" $flags || { echo "FAIL: compile with pkg-config flags: $flags"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$work/use" || { echo "FAIL: the program did not run"; fail=1; }
[ $fail = 0 ] && echo "ok: installed header, $soname, cxrinfer.pc ($flags)"
exit $fail
