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
  COMMAND cxrprep-mkdemo ${CXR_DEMO_MIRROR}
  DEPENDS cxrprep-mkdemo
  COMMENT "Writing the demo mirror in ${CXR_DEMO_MIRROR}"
  VERBATIM)
add_custom_target(demo_mirror ALL DEPENDS ${CXR_DEMO_MIRROR}/.complete)
