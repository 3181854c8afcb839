# serve.cmake: cxrprep serve against the real server on loopback, on the
# demo: the API and every bad input with curl (serve_api), a bounded load
# test (serve_load), exclusions honoured by the next run (serve_curation),
# and headless Chromium driven by puppeteer-core from npm
# uploading, reviewing and excluding an image whose exclusion the next
# `cxrprep run` honours (serve_browser).
foreach(t serve_api serve_load serve_curation serve_browser)
  cxr_add_script_test(${t} e2e/${t}.sh)
endforeach()
set_tests_properties(serve_api PROPERTIES TIMEOUT 300)
set_tests_properties(serve_load serve_curation PROPERTIES TIMEOUT 300)
# the first run installs puppeteer-core from npm into the build directory
set_tests_properties(serve_browser PROPERTIES TIMEOUT 900)
