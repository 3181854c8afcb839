#!/bin/sh
# layout_cli_real.sh: layout_cli.sh on the real data in ../shared: ieee8023
# images as their authors saved them (Exif, PNGs of several kinds) and the
# real Kermany sample, whose NORMAL images are 1188 to 2373 pixels wide.
. "$CXR_SOURCE_DIR/tests/lib/lib.sh"
shared_or_skip
CXR_TEST_KERMANY=$SHARED/data/kermany-sample \
CXR_TEST_IMAGES=$SHARED/data/ieee8023/images \
CXR_TEST_GOOD="01E392EE-69F9-4E33-BFCE-E5C968654078.jpeg 1-s2.0-S0140673620303706-fx1_lrg.jpg 1-s2.0-S1684118220300682-main.pdf-002-a1.png 16654_1_1.png" \
CXR_TEST_HOLDOUT="03BF7561-A9BA-4C3C-B8A0-D3E585F73F3C.jpeg 1312A392-67A3-4EBF-9319-810CF6DA5EF6.jpeg" \
CXR_TEST_MAX_DIM_SOME=2000 CXR_TEST_MAX_DIM_ALL=1000 \
  sh "$SRC/tests/cli/layout_cli.sh"
