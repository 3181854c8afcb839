# fuzz.cmake: the libFuzzer smoke tests (included by tests/CMakeLists.txt).
# fuzz_build (a fixture) builds tests/fuzz/ with clang into <build>/fuzz;
# then each target replays its committed inputs and fuzzes for
# CXR_FUZZ_SECONDS. Label 'fuzz'; also 'nosan': the targets carry their own
# ASan and UBSan, so the suite's ASan pass (ctest -LE nosan) does not rerun
# them. Longer runs: sh scripts/fuzz.sh SECONDS.
set(CXR_FUZZ_SECONDS 10 CACHE STRING "seconds each fuzz target runs in ctest")
set(CXR_FUZZ_TARGETS csv select config onnx image zip)
set(CXR_FUZZ_BUILD ${PROJECT_BINARY_DIR}/fuzz)

add_test(NAME fuzz_build
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fuzz_build.sh ${CXR_FUZZ_BUILD})
set_tests_properties(fuzz_build PROPERTIES FIXTURES_SETUP fuzz LABELS "fuzz;nosan"
                     TIMEOUT 900)
foreach(t ${CXR_FUZZ_TARGETS})
  add_test(NAME fuzz_${t}
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fuzz_run.sh ${CXR_FUZZ_BUILD} ${t}
                   ${CXR_FUZZ_SECONDS})
  math(EXPR timeout "${CXR_FUZZ_SECONDS} + 180")
  set_tests_properties(fuzz_${t} PROPERTIES FIXTURES_REQUIRED fuzz LABELS "fuzz;nosan"
                       TIMEOUT ${timeout})
endforeach()
