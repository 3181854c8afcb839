# sample: reading the Kermany archive (libarchive), the seeded sampler
# (cxrprep-sample) and the dataset trees (cxrprep-layout).
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)

target_sources(cxrprep_lib PRIVATE
  pipeline/archive.c
  pipeline/archive_path.c
  pipeline/archive_root.c
  pipeline/rng.c
  pipeline/sample.c
  pipeline/sample_draw.c
  pipeline/layout.c
  pipeline/layout_place.c
  pipeline/layout_plan.c
  pipeline/layout_pool.c
  pipeline/layout_tree.c
)
target_link_libraries(cxrprep_lib PUBLIC PkgConfig::LIBARCHIVE)

cxr_add_stage(cxrprep-sample cmd/sample_main.c)
cxr_add_stage(cxrprep-layout cmd/layout_main.c)

cxr_add_unit_test(test_rng tests/test_rng.c)
cxr_add_unit_test(test_archive tests/test_archive.c)
cxr_add_script_test(sample_cli tests/sample_cli.sh)
cxr_add_script_test(layout_cli tests/layout_cli.sh)
# needs the demo mirror (cmake/demo.cmake) and the loopback server
cxr_add_script_test(layout_safety tests/layout_safety.sh)
# layout_tree.c compiled with rename, renameat2 and kill replaced
cxr_add_unit_test(test_layout_tree tests/test_layout_tree.c)
cxr_add_script_test(sample_patients tests/sample_patients.sh)
