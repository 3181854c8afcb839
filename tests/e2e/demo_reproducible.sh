#!/bin/sh
# demo_reproducible.sh: cxrprep-mkdemo writes the same bytes on every run
# (fixed seeds, fixed archive timestamps), refuses bad usage, and the mirror
# the build wrote is the one it writes now.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
BUILD=${CXR_BUILD_DIR:?run through ctest}
MK="$BIN/cxrprep-mkdemo"

expect_exit 0 "first run" "$MK" "$T/a"
expect_exit 0 "second run" "$MK" "$T/b"
check "the summary line gives the counts" grep -q "16 selected, 6 held out" "$T/stdout"
for f in metadata.csv ChestXRay2017.zip model.onnx .complete; do
  check "$f is written" test -s "$T/a/$f"
done
check "the two runs are byte-identical" diff -r "$T/a" "$T/b"
check "the build's mirror is the same" diff -r "$T/a" "$BUILD/demo/mirror"
check "images for the metadata rows" test "$(ls "$T/a/images" | wc -l)" -eq 25
check "no temporary files left" test -z "$(find "$T/a" -name '*.tmp.*')"

# a rerun over an existing mirror replaces it in place, still identical
expect_exit 0 "rerun over the mirror" "$MK" "$T/a"
check "rerun is identical" diff -r "$T/a" "$T/b"

expect_exit 2 "no argument is a usage error" "$MK"
expect_exit 2 "two arguments are a usage error" "$MK" "$T/x" "$T/y"
check "usage names the program" stderr_has "usage: cxrprep-mkdemo OUTDIR"
: > "$T/file"
rc=0
"$MK" "$T/file/sub" >"$T/stdout" 2>"$T/stderr" || rc=$?
check "an unwritable OUTDIR fails" test "$rc" -ne 0
check "and says so" stderr_has "cxrprep-mkdemo:"
finish
