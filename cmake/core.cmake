# core: the pipeline library (cxrprep_lib), the CLI helpers shared by the
# executables, the select stage, and the helper functions other areas use.

add_library(cxrprep_lib STATIC
  pipeline/error.c
  pipeline/fsutil.c
  pipeline/hash.c
  pipeline/csvread.c
  pipeline/manifest.c
  pipeline/config.c
  pipeline/config_schema.c
  pipeline/summary.c
  pipeline/workdir.c
  pipeline/datefmt.c
  pipeline/finding.c
  pipeline/safename.c
  pipeline/select_rules.c
  pipeline/select.c
  pipeline/steps.c
  pipeline/runstate.c
  pipeline/filehash.c
  pipeline/stagedir.c
  pipeline/strmap.c
  pipeline/utf8.c
  pipeline/config_yaml.c
  pipeline/config_check.c
)
target_include_directories(cxrprep_lib PUBLIC ${PROJECT_SOURCE_DIR}/pipeline
                                              ${CSV_INCLUDE_DIR})
target_link_libraries(cxrprep_lib PUBLIC PkgConfig::YAML PkgConfig::JANSSON
                      PkgConfig::CRYPTO ${CSV_LIBRARY} Threads::Threads m)

add_library(cxrprep_cli STATIC cmd/cli.c)
target_link_libraries(cxrprep_cli PUBLIC cxrprep_lib)
target_include_directories(cxrprep_cli PUBLIC ${PROJECT_SOURCE_DIR}/cmd)

# cxr_add_stage(NAME SOURCE): an executable built from cmd/, output in bin/.
function(cxr_add_stage name source)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE cxrprep_cli)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  install(TARGETS ${name} RUNTIME DESTINATION bin)
endfunction()

# cxr_add_unit_test(NAME SOURCE [LABELS ...]): a C test program run by ctest
# with CXR_SHARED_DIR, CXR_BIN_DIR and CXR_SOURCE_DIR in its environment.
function(cxr_add_unit_test name source)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE cxrprep_lib)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  cxr_test_env(${name})
endfunction()

# cxr_add_script_test(NAME SCRIPT): a shell test (tests/*.sh) run by ctest.
function(cxr_add_script_test name script)
  add_test(NAME ${name} COMMAND sh ${PROJECT_SOURCE_DIR}/${script})
  cxr_test_env(${name})
endfunction()

function(cxr_test_env name)
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT
    "CXR_SHARED_DIR=${CXR_SHARED_DIR};CXR_BIN_DIR=${PROJECT_BINARY_DIR}/bin;CXR_SOURCE_DIR=${PROJECT_SOURCE_DIR};CXR_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()

cxr_add_stage(cxrprep-select cmd/select_main.c)
cxr_add_stage(cxrprep cmd/cxrprep_main.c)
target_sources(cxrprep PRIVATE cmd/driver.c cmd/driver_spawn.c)

# Tests of the core.
foreach(t test_datefmt test_finding test_config test_csvread test_manifest test_filehash)
  cxr_add_unit_test(${t} tests/${t}.c)
endforeach()
foreach(t cli_select cli_select_real cli_driver cli_driver_demo cli_install)
  cxr_add_script_test(${t} tests/${t}.sh)
endforeach()
