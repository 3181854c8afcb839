# score: image decoding (shared with layout), preprocessing and statistics
# in cxrprep_lib; the score stage (cxrprep-score) and its HTML report in
# cxrprep_score, the only part of the pipeline that links libcxrinfer.
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
pkg_check_modules(JPEG REQUIRED IMPORTED_TARGET libjpeg)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)

target_sources(cxrprep_lib PRIVATE
  pipeline/image.c
  pipeline/image_jpeg.c
  pipeline/preprocess.c
  pipeline/stats.c
  pipeline/stats_binary.c
)
target_link_libraries(cxrprep_lib PUBLIC PkgConfig::STB PkgConfig::JPEG PkgConfig::ZLIB)

cxr_add_unit_test(test_image tests/test_image.c)
cxr_add_unit_test(image_preprocess tests/image_preprocess.c)
cxr_add_unit_test(stats_test tests/stats_test.c)

if(TARGET cxrinfer)
  add_library(cxrprep_score STATIC
    pipeline/score.c
    pipeline/score_sets.c
    pipeline/score_engine.c
    pipeline/score_pipeline.c
    pipeline/score_stats.c
    pipeline/score_output.c
    pipeline/score_merge.c
    pipeline/report.c
    pipeline/report_svg.c
  )
  target_link_libraries(cxrprep_score PUBLIC cxrprep_lib cxrinfer)

  cxr_add_stage(cxrprep-score cmd/score_main.c)
  target_link_libraries(cxrprep-score PRIVATE cxrprep_score)
  # bench helper: the engine-alone rate on preprocessed images (not installed)
  add_executable(score_engine_rate bench/score_engine_rate.c)
  target_link_libraries(score_engine_rate PRIVATE cxrprep_score)
  set_target_properties(score_engine_rate PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)

  cxr_add_script_test(score_cli tests/score_cli.sh)
  cxr_add_script_test(report_render tests/report_render.sh)
  set_tests_properties(report_render PROPERTIES TIMEOUT 600)
endif()
