/* test_csvread.c: the strict CSV reader: good files in both metadata
 * formats, and every malformed input with its line number. */
#include <unistd.h>

#include "csvread.h"
#include "testutil.h"

typedef struct tally {
    size_t rows;
    size_t last_line;
    size_t fields;
    char third[64];
} tally;

static cxr_status count_row(void *ctx, const cxr_csv_row *row, cxr_error *err)
{
    tally *t = ctx;
    (void)err;
    t->rows++;
    t->last_line = row->line;
    t->fields = row->nfields;
    if (t->rows == 3 && row->nfields > 2)
        snprintf(t->third, sizeof(t->third), "%s", row->fields[2]);
    return CXR_OK;
}

static cxr_status read_text(const char *dir, const char *text, size_t len, tally *t,
                            cxr_error *err)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/in.csv", dir);
    f = fopen(path, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    memset(t, 0, sizeof(*t));
    return cxr_csv_read(path, "in.csv", count_row, t, err);
}

static void expect_bad(const char *dir, const char *text, const char *needle)
{
    cxr_error err = {0};
    tally t;
    cxr_status st = read_text(dir, text, strlen(text), &t, &err);
    CHECK(st == CXR_ERR_INPUT);
    if (!test_contains(err.msg, needle))
        fprintf(stderr, "  message '%s' lacks '%s'\n", err.msg, needle);
    CHECK(test_contains(err.msg, needle));
}

int main(void)
{
    char *dir = test_tmpdir("csv");
    cxr_error err = {0};
    tally t;
    const char good[] = "a,b,c,\n1,2,\"x, \"\"y\"\"\",\n3,4,\"multi\nline\",spill\n5,6,7,\n";

    CHECK(read_text(dir, good, strlen(good), &t, &err) == CXR_OK);
    CHECK_INT(t.rows, 4);
    CHECK_INT(t.fields, 4);
    CHECK_INT(t.last_line, 5); /* the quoted newline moves the next record down */
    CHECK_STR(t.third, "multi\nline");
    {   /* blank lines are skipped, and do not shift the line numbers */
        const char blank[] = "a,b\n1,2\n\n3,4\n\n\n5,6\n";
        CHECK(read_text(dir, blank, strlen(blank), &t, &err) == CXR_OK);
        CHECK_INT(t.rows, 4);
        CHECK_INT(t.last_line, 7);
        CHECK(read_text(dir, "a,b\n\n1\n", 7, &t, &err) == CXR_ERR_INPUT);
        CHECK(test_contains(err.msg, "line 3: 1 fields"));
    }
    CHECK(read_text(dir, "a,b\n1,2", 7, &t, &err) == CXR_OK); /* no final newline */
    CHECK_INT(t.rows, 2);

    expect_bad(dir, "", "is empty");
    expect_bad(dir, "\xEF\xBB\xBF" "a,b\n1,2\n", "line 1: starts with a UTF-8 byte order mark");
    expect_bad(dir, "a,b\r\n1,2\r\n", "line 1: CRLF line end");
    /* CR line ends: the whole file is one line; not a header and no rows */
    expect_bad(dir, "a,b\r1,2\r", "line 1: a carriage return ends a record");
    expect_bad(dir, "a,b\n1,2\r3,4\n", "line 2: a carriage return ends a record");
    CHECK(read_text(dir, "a,b\n1,\"x\ry\"\n", 12, &t, &err) == CXR_OK); /* quoted: data */
    CHECK_INT(t.rows, 2);
    expect_bad(dir, "a,b\n1,2\n3,\xC3\x28\n", "line 3: invalid UTF-8");
    expect_bad(dir, "a,b\n1,2\n3,\xED\xA0\x80\n", "line 3: invalid UTF-8"); /* surrogate */
    expect_bad(dir, "a,b\n1,2\n3,4,5\n", "line 3: 3 fields, the header has 2");
    expect_bad(dir, "a,b\n1\n", "line 2: 1 fields, the header has 2");
    expect_bad(dir, "a,b\n1,\"open\n2,3\n", "line 2: unterminated quoted field");
    expect_bad(dir, "a,b\n1,x\"y\n", "line 2: malformed quoting");
    expect_bad(dir, "a,b\n1,\"x\"y\n", "line 2: malformed quoting");
    {
        char nul[] = "a,b\n1,2\0\n";
        CHECK(read_text(dir, nul, sizeof(nul) - 1, &t, &err) == CXR_ERR_INPUT);
        CHECK(test_contains(err.msg, "line 2: contains a NUL byte"));
    }
    CHECK(cxr_csv_read("/nonexistent/x.csv", NULL, count_row, &t, &err) == CXR_ERR_MISSING);
    CHECK(cxr_csv_read(dir, NULL, count_row, &t, &err) == CXR_ERR_IO); /* says why */
    CHECK(test_contains(err.msg, "Is a directory"));

    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    free(dir);
    return test_finish();
}
