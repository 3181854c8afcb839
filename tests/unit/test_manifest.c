/* test_manifest.c: manifests round-trip through quoting, appear only when
 * committed, and name missing columns. */
#include <unistd.h>

#include "fsutil.h"
#include "manifest.h"
#include "testutil.h"

int main(void)
{
    char *dir = test_tmpdir("manifest");
    char *path = cxr_path_join(dir, "sub/dir/m.csv");
    const char *cols[] = {"name", "note"};
    const char *row1[] = {"a.png", "plain"};
    const char *row2[] = {"b,c.png", "say \"hi\"\nthere"};
    const char *row3[] = {"d.png", NULL};
    cxr_manifest_writer *w = NULL;
    cxr_manifest *m = NULL;
    cxr_error err = {0};

    CHECK(cxr_manifest_create(path, cols, 2, &w, &err) == CXR_OK);
    CHECK(cxr_manifest_add(w, row1, &err) == CXR_OK);
    CHECK(cxr_manifest_add(w, row2, &err) == CXR_OK);
    CHECK(cxr_manifest_add(w, row3, &err) == CXR_OK);
    CHECK(!cxr_is_file(path)); /* not there until committed */
    CHECK(cxr_manifest_commit(w, &err) == CXR_OK);
    CHECK(cxr_is_file(path));

    CHECK(cxr_manifest_load(path, (const char *[]){"name", "note", NULL}, &m, &err) == CXR_OK);
    CHECK_INT(cxr_manifest_nrows(m), 3);
    CHECK_STR(cxr_manifest_get(m, 1, cxr_manifest_column(m, "name")), "b,c.png");
    CHECK_STR(cxr_manifest_get(m, 1, 1), "say \"hi\"\nthere");
    CHECK_STR(cxr_manifest_get(m, 2, 1), "");
    CHECK_INT(cxr_manifest_column(m, "absent"), -1);
    cxr_manifest_free(m);

    /* an aborted rewrite leaves the old file as it was */
    CHECK(cxr_manifest_create(path, cols, 2, &w, &err) == CXR_OK);
    CHECK(cxr_manifest_add(w, row1, &err) == CXR_OK);
    cxr_manifest_abort(w);
    m = NULL;
    CHECK(cxr_manifest_load(path, NULL, &m, &err) == CXR_OK);
    CHECK_INT(cxr_manifest_nrows(m), 3);
    cxr_manifest_free(m);

    m = NULL;
    CHECK(cxr_manifest_load(path, (const char *[]){"sha256", NULL}, &m, &err) == CXR_ERR_INPUT);
    CHECK(test_contains(err.msg, "column 'sha256' not found"));
    CHECK(test_contains(err.msg, "(columns: name, note)"));
    CHECK(m == NULL);

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    free(path);
    free(dir);
    return test_finish();
}
