# infer: libcxrinfer, the shared ONNX inference engine (include/cxrinfer.h),
# its tests and its benchmark. It does not link cxrprep_lib: any program
# can use it. Installs the header, the versioned library and cxrinfer.pc.
include(GNUInstallDirs)
find_package(OpenMP REQUIRED COMPONENTS C)
find_path(DNNL_INCLUDE_DIR dnnl.h PATH_SUFFIXES oneapi/dnnl REQUIRED)
find_library(DNNL_LIBRARY dnnl REQUIRED)
get_filename_component(CXRINFER_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CXRINFER_VERSION 1.0.0)

# One set of objects: the shared library, and a static copy that the unit
# tests of internal parts (protobuf reader, op kernels) link.
add_library(cxrinfer_obj OBJECT
  ${CXRINFER_ROOT}/infer/onnx_pb.c
  ${CXRINFER_ROOT}/infer/graph.c
  ${CXRINFER_ROOT}/infer/ops_ref.c
  ${CXRINFER_ROOT}/infer/dnnl_backend.c
  ${CXRINFER_ROOT}/infer/engine.c)
set_target_properties(cxrinfer_obj PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(cxrinfer_obj PUBLIC ${CXRINFER_ROOT}/include
                           PRIVATE ${DNNL_INCLUDE_DIR})
target_compile_options(cxrinfer_obj PRIVATE ${OpenMP_C_FLAGS})

add_library(cxrinfer SHARED $<TARGET_OBJECTS:cxrinfer_obj>)
target_include_directories(cxrinfer PUBLIC
  $<BUILD_INTERFACE:${CXRINFER_ROOT}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(cxrinfer PRIVATE ${DNNL_LIBRARY} OpenMP::OpenMP_C m)
target_link_options(cxrinfer PRIVATE
  "-Wl,--version-script=${CXRINFER_ROOT}/infer/cxrinfer.map" "-Wl,--no-undefined")
set_target_properties(cxrinfer PROPERTIES VERSION ${CXRINFER_VERSION} SOVERSION 1
  PUBLIC_HEADER ${CXRINFER_ROOT}/include/cxrinfer.h
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib
  LINK_DEPENDS ${CXRINFER_ROOT}/infer/cxrinfer.map)

add_library(cxrinfer_internal STATIC $<TARGET_OBJECTS:cxrinfer_obj>)
target_include_directories(cxrinfer_internal PUBLIC ${CXRINFER_ROOT}/include ${CXRINFER_ROOT}/infer)
target_link_libraries(cxrinfer_internal PUBLIC ${DNNL_LIBRARY} OpenMP::OpenMP_C m)

# The .pc file finds its prefix from where it lies, so a package or a
# `cmake --install --prefix` elsewhere needs no rewrite.
file(RELATIVE_PATH CXRINFER_PC_UP "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" CXRINFER_PC_UP "${CXRINFER_PC_UP}")
set(CXRINFER_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(CXRINFER_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
configure_file(${CXRINFER_ROOT}/cmake/cxrinfer.pc.in ${PROJECT_BINARY_DIR}/cxrinfer.pc @ONLY)
install(TARGETS cxrinfer
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/cxrinfer.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# cxrinfer_add_test(NAME SOURCE LIB): a C test linked with LIB (cxrinfer or
# cxrinfer_internal) only, never with cxrprep_lib.
function(cxrinfer_add_test name source lib)
  add_executable(${name} ${CXRINFER_ROOT}/${source})
  target_link_libraries(${name} PRIVATE ${lib})
  target_include_directories(${name} PRIVATE ${CXRINFER_ROOT}/tests)
  add_test(NAME ${name} COMMAND ${name})
  cxr_test_env(${name})
endfunction()

if(EXISTS ${CXRINFER_ROOT}/tests/infer_nodes.c)
  cxrinfer_add_test(infer_nodes tests/infer_nodes.c cxrinfer_internal)
endif()
if(EXISTS ${CXRINFER_ROOT}/tests/infer_fuzz.c)
  cxrinfer_add_test(infer_fuzz tests/infer_fuzz.c cxrinfer)
endif()
if(EXISTS ${CXRINFER_ROOT}/tests/infer_api.c)
  cxrinfer_add_test(infer_api tests/infer_api.c cxrinfer)
  target_link_libraries(infer_api PRIVATE Threads::Threads)
endif()
if(EXISTS ${CXRINFER_ROOT}/tests/infer_tool.c)
  # infer_tool: runs a model on raw float32 files (used by the model tests
  # and the benchmark); a test helper, not installed.
  add_executable(infer_tool ${CXRINFER_ROOT}/tests/infer_tool.c)
  target_link_libraries(infer_tool PRIVATE cxrinfer)
  set_target_properties(infer_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  cxr_add_script_test(infer_models tests/infer_models.sh)
  cxr_add_script_test(infer_install tests/infer_install.sh)
  # the sanitizer runtime is not in a plain program's link: no ASan run
  set_tests_properties(infer_install PROPERTIES LABELS nosan)
  set_tests_properties(infer_models PROPERTIES TIMEOUT 900)
endif()
