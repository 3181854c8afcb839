# demo: cxrprep-mkdemo, the program that writes the embedded demo's synthetic
# source mirror, and the build step that runs it into
# ${PROJECT_BINARY_DIR}/demo/mirror (config/demo.yaml reads it from
# build/demo/mirror). The mirror is rewritten only when the tool changes.
if(NOT TARGET PkgConfig::STB)
  pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
endif()
if(NOT TARGET PkgConfig::DEMO_ARCHIVE)
  pkg_check_modules(DEMO_ARCHIVE REQUIRED IMPORTED_TARGET libarchive)
endif()

add_executable(cxrprep-mkdemo
  tools/mkdemo_main.c
  tools/mkdemo_util.c
  tools/mkdemo_images.c
  tools/mkdemo_metadata.c
  tools/mkdemo_archive.c
  tools/mkdemo_pb.c
  tools/mkdemo_model.c
)
target_include_directories(cxrprep-mkdemo PRIVATE ${PROJECT_SOURCE_DIR}/tools)
target_link_libraries(cxrprep-mkdemo PRIVATE cxrprep_lib PkgConfig::STB
                      PkgConfig::DEMO_ARCHIVE m)
set_target_properties(cxrprep-mkdemo PROPERTIES
                      RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)

set(CXR_DEMO_MIRROR ${PROJECT_BINARY_DIR}/demo/mirror)
add_custom_command(
  OUTPUT ${CXR_DEMO_MIRROR}/.complete
  BYPRODUCTS ${CXR_DEMO_MIRROR}/metadata.csv ${CXR_DEMO_MIRROR}/ChestXRay2017.zip
             ${CXR_DEMO_MIRROR}/model.onnx
  # start empty, so files an older generator wrote never linger
  COMMAND ${CMAKE_COMMAND} -E remove_directory ${CXR_DEMO_MIRROR}
  COMMAND cxrprep-mkdemo ${CXR_DEMO_MIRROR}
  DEPENDS cxrprep-mkdemo
  COMMENT "Writing the demo mirror in ${CXR_DEMO_MIRROR}"
  VERBATIM)
add_custom_target(demo_mirror ALL DEPENDS ${CXR_DEMO_MIRROR}/.complete)

# The mirror is whole and well formed; with libcxrinfer, the model also loads
# and runs. Its counts are checked against tools/mkdemo.h.
cxr_add_unit_test(test_demo_mirror tests/test_demo_mirror.c)
target_sources(test_demo_mirror PRIVATE tools/mkdemo_util.c)
target_include_directories(test_demo_mirror PRIVATE ${PROJECT_SOURCE_DIR}/tools)
target_link_libraries(test_demo_mirror PRIVATE PkgConfig::DEMO_ARCHIVE)
if(TARGET cxrinfer)
  target_link_libraries(test_demo_mirror PRIVATE cxrinfer)
  target_compile_definitions(test_demo_mirror PRIVATE CXR_DEMO_HAVE_CXRINFER)
endif()
add_dependencies(test_demo_mirror demo_mirror)

# Two runs of the generator write the same bytes; config/demo.yaml runs the
# whole pipeline on the mirror (skipped when the driver is not built).
cxr_add_script_test(demo_reproducible tests/demo_reproducible.sh)
cxr_add_script_test(demo_config tests/demo_config.sh)
cxr_add_script_test(demo_model_onnx tests/demo_model_onnx.sh)
