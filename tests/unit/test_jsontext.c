/* test_jsontext.c: cxr_json_text writes what json_dumps writes, for every
 * flag the project uses, and NULL for what cannot be dumped. (Its reason to
 * exist, a key json_dumps drops out of memory, is caught by the OOM sweeps:
 * oom_select compares summary.json with a clean run's.) */
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "testutil.h"

static void same_as_dumps(const json_t *j, size_t flags)
{
    char *want = json_dumps(j, flags);
    char *got = cxr_json_text(j, flags);
    CHECK(want != NULL && got != NULL);
    if (want && got)
        CHECK_STR(got, want);
    free(want);
    free(got);
}

int main(void)
{
    json_t *j = json_pack("{s:s, s:i, s:f, s:[s, {s:s, s:n}], s:b, s:s}", "zeta", "last",
                          "alpha", 1, "real", 0.1, "list", "x", "k", "v\"quoted\"\n", "null",
                          "yes", 1, "utf8", "caf\xc3\xa9");
    const size_t flags[] = {0, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY,
                            JSON_SORT_KEYS | JSON_INDENT(2), JSON_PRESERVE_ORDER |
                            JSON_REAL_PRECISION(6), JSON_COMPACT | JSON_SORT_KEYS};
    json_t *str = json_string("plain");
    json_t *empty = json_object();

    CHECK(j != NULL);
    for (size_t i = 0; j && i < sizeof(flags) / sizeof(flags[0]); i++)
        same_as_dumps(j, flags[i]);
    same_as_dumps(empty, 0);
    same_as_dumps(str, JSON_ENCODE_ANY);
    CHECK(cxr_json_text(str, 0) == NULL); /* a bare string needs JSON_ENCODE_ANY */
    CHECK(cxr_json_text(NULL, 0) == NULL);
    json_decref(j);
    json_decref(str);
    json_decref(empty);
    return test_finish();
}
