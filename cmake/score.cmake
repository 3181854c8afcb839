# score: image decoding (shared with layout), preprocessing, statistics, the
# score stage (cxrprep-score) and its HTML report.
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)

target_sources(cxrprep_lib PRIVATE
  pipeline/image.c
  pipeline/preprocess.c
  pipeline/stats.c
  pipeline/stats_binary.c
)
target_link_libraries(cxrprep_lib PUBLIC PkgConfig::STB)

cxr_add_unit_test(test_image tests/test_image.c)
cxr_add_unit_test(image_preprocess tests/image_preprocess.c)
cxr_add_unit_test(stats_test tests/stats_test.c)
