#!/bin/sh
# cli_install.sh: `cmake --install` gives working executables anywhere: the
# driver finds its stages beside it, and cxrprep-score finds libcxrinfer.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
expect_exit 0 "install" cmake --install "${CXR_BUILD_DIR:?}" --prefix "$T/prefix"
for s in fetch select sample layout score; do
  expect_exit 0 "installed cxrprep $s" "$T/prefix/bin/cxrprep" "$s" --version
  check "cxrprep $s is the installed stage" grep -q "^cxrprep-$s " "$T/stdout"
done
finish
