# fetch: the download stage (cxrprep-fetch): libcurl multi transfers,
# the content-addressed cache, the lock file of pins, progress output.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)

target_sources(cxrprep_lib PRIVATE
  pipeline/fetch.c
  pipeline/fetch_attempt.c
  pipeline/fetch_cache.c
  pipeline/fetch_lock.c
  pipeline/fetch_plan.c
  pipeline/fetch_progress.c
  pipeline/fetch_report.c
  pipeline/fetch_resolve.c
  pipeline/fetch_retry.c
  pipeline/fetch_transfer.c
  pipeline/fetch_url.c
)
target_link_libraries(cxrprep_lib PUBLIC PkgConfig::CURL)

cxr_add_stage(cxrprep-fetch cmd/fetch_main.c)

cxr_add_unit_test(fetch_unit tests/fetch_test_unit.c)

# The network tests run the loopback server (tests/fetch_server.py); a hang
# must fail, not block the suite.
cxr_add_unit_test(fetch_transfer tests/fetch_test_transfer.c)
set_tests_properties(fetch_transfer PROPERTIES TIMEOUT 120)
cxr_add_unit_test(fetch_stage tests/fetch_test_stage.c)
set_tests_properties(fetch_stage PROPERTIES TIMEOUT 120)
cxr_add_script_test(fetch_cli tests/fetch_cli.sh)
set_tests_properties(fetch_cli PROPERTIES TIMEOUT 120)
