# serve.cmake: cxrprep serve against the real server on loopback, on the
# demo: the API and every bad input with curl (serve_api) and a bounded load
# test (serve_load).
#
# Not registered yet: serve_curation (exclusions honoured by the next
# `cxrprep run`) and serve_browser (headless Chromium uploading, reviewing
# and excluding): select and sample do not honour the exclusions CSV yet, so
# both fail; they are the next step of issue 13, not a passing test to hide.
foreach(t serve_api serve_load)
  cxr_add_script_test(${t} e2e/${t}.sh)
endforeach()
set_tests_properties(serve_api serve_load PROPERTIES TIMEOUT 300)
