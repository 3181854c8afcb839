# serve.cmake: cxrprep serve against the real server on loopback, on the
# demo: the API and every bad input with curl (serve_api), a bounded load
# test (serve_load), exclusions honoured by the next `cxrprep run`
# (serve_curation) and headless Chromium driven by puppeteer-core from npm
# uploading, reviewing and excluding by clicking (serve_browser; the first
# run installs puppeteer-core into the build directory).
foreach(t serve_api serve_load serve_curation serve_browser)
  cxr_add_script_test(${t} e2e/${t}.sh)
endforeach()
set_tests_properties(serve_api serve_load serve_curation PROPERTIES TIMEOUT 300)
set_tests_properties(serve_browser PROPERTIES TIMEOUT 900)
# the load test and the browser run the same server code as serve_api and
# serve_curation, which the sanitizer build runs
set_tests_properties(serve_load serve_browser PROPERTIES LABELS nosan)
