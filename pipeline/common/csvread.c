/* csvread.c: a strict, streaming CSV reader on libcsv that knows line
 * numbers. The input is fed to libcsv one line at a time, so every record,
 * error and invalid byte can be placed on its line. */
#include "csvread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "fsutil.h"
#include "utf8.h"

typedef struct reader {
    const char *name;
    size_t line;           /* line being fed */
    size_t row_line;       /* line where the current record began */
    int between_records;   /* the last line fed ended a record (or none was fed) */
    size_t header_fields;  /* 0 until the header is read */
    char **fields;
    size_t nfields, cap;
    cxr_csv_row_fn on_row;
    void *ctx;
    cxr_status status;     /* first failure, reported after csv_parse */
    cxr_error *err;
} reader;

static void clear_fields(reader *r)
{
    for (size_t i = 0; i < r->nfields; i++)
        free(r->fields[i]);
    r->nfields = 0;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    char *copy;

    if (r->status != CXR_OK)
        return;
    if (r->nfields == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 32;
        char **nf = realloc(r->fields, ncap * sizeof(*nf));
        if (!nf) {
            r->status = cxr_fail(r->err, CXR_ERR_NOMEM, "out of memory reading '%s'", r->name);
            return;
        }
        r->fields = nf;
        r->cap = ncap;
    }
    copy = malloc(len + 1);
    if (!copy) {
        r->status = cxr_fail(r->err, CXR_ERR_NOMEM, "out of memory reading '%s'", r->name);
        return;
    }
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    r->fields[r->nfields++] = copy;
}

static void on_row_end(int terminator, void *data)
{
    reader *r = data;
    cxr_csv_row row;

    if (r->status == CXR_OK && terminator == '\r') /* CRLF is refused before */
        r->status = cxr_fail(r->err, CXR_ERR_INPUT,
                             "'%s' line %zu: a carriage return ends a record (CR line ends?); "
                             "convert the file to LF line ends", r->name, r->row_line);
    if (r->status == CXR_OK) {
        if (r->header_fields == 0)
            r->header_fields = r->nfields;
        else if (r->nfields != r->header_fields)
            r->status = cxr_fail(r->err, CXR_ERR_INPUT,
                                 "'%s' line %zu: %zu fields, the header has %zu",
                                 r->name, r->row_line, r->nfields, r->header_fields);
    }
    if (r->status == CXR_OK) {
        row.line = r->row_line;
        row.nfields = r->nfields;
        row.fields = r->fields;
        r->status = r->on_row(r->ctx, &row, r->err);
    }
    clear_fields(r);
    r->between_records = 1;
}

/* Checks one raw line (with its '\n', if any) before libcsv sees it. */
static cxr_status check_line(reader *r, const char *text, size_t len)
{
    size_t bad;

    if (r->line == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        return cxr_fail(r->err, CXR_ERR_INPUT,
                        "'%s' line 1: starts with a UTF-8 byte order mark; save it without BOM",
                        r->name);
    if (len >= 2 && text[len - 1] == '\n' && text[len - 2] == '\r')
        return cxr_fail(r->err, CXR_ERR_INPUT,
                        "'%s' line %zu: CRLF line end; convert the file to LF line ends",
                        r->name, r->line);
    if (memchr(text, '\0', len))
        return cxr_fail(r->err, CXR_ERR_INPUT, "'%s' line %zu: contains a NUL byte",
                        r->name, r->line);
    bad = cxr_utf8_check((const unsigned char *)text, len);
    if (bad != len)
        return cxr_fail(r->err, CXR_ERR_INPUT,
                        "'%s' line %zu: invalid UTF-8 at byte %zu of the line",
                        r->name, r->line, bad + 1);
    return CXR_OK;
}

static cxr_status feed(reader *r, struct csv_parser *p, const char *text, size_t len)
{
    cxr_status st = check_line(r, text, len);
    if (st != CXR_OK)
        return st;
    /* The next record starts on the first line that is not blank: libcsv
     * skips blank lines without a word. */
    if (r->between_records && !(len == 1 && text[0] == '\n')) {
        r->row_line = r->line;
        r->between_records = 0;
    }
    if (csv_parse(p, text, len, on_field, on_row_end, r) != len && r->status == CXR_OK)
        return cxr_fail(r->err, CXR_ERR_INPUT, "'%s' line %zu: %s", r->name, r->line,
                        csv_error(p) == CSV_EPARSE
                            ? "malformed quoting (a quote inside an unquoted field, or text after a closing quote)"
                            : csv_strerror(csv_error(p)));
    return r->status;
}

static cxr_status read_lines(reader *r, struct csv_parser *p, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got = 0;
    int e;
    cxr_status st = CXR_OK;

    while (st == CXR_OK && (got = getline(&line, &cap, f)) > 0) {
        st = feed(r, p, line, (size_t)got);
        r->line++;
    }
    e = errno;
    free(line);
    /* getline's -1 is the end only when feof says so: a failed allocation
     * sets neither flag, and must not pass for a short file. */
    if (st == CXR_OK && got < 0 && e == ENOMEM && !feof(f))
        st = cxr_fail(r->err, CXR_ERR_NOMEM, "out of memory reading '%s' (line %zu)", r->name,
                      r->line);
    else if (st == CXR_OK && (ferror(f) || (got < 0 && !feof(f))))
        st = cxr_fail(r->err, CXR_ERR_IO, "cannot read '%s': %s", r->name, strerror(e));
    return st;
}

cxr_status cxr_csv_read(const char *path, const char *display_name,
                        cxr_csv_row_fn on_row, void *ctx, cxr_error *err)
{
    struct csv_parser parser;
    reader r = {0};
    FILE *f;
    cxr_status st;

    r.name = display_name ? display_name : path;
    r.line = r.row_line = 1;
    r.between_records = 1;
    r.on_row = on_row;
    r.ctx = ctx;
    r.err = err;
    f = fopen(path, "rb");
    if (!f)
        return cxr_fail_open(err, r.name, errno);
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(f);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory reading '%s'", r.name);
    }
    st = read_lines(&r, &parser, f);
    if (st == CXR_OK && csv_fini(&parser, on_field, on_row_end, &r) != 0)
        st = cxr_fail(err, CXR_ERR_INPUT,
                      "'%s' line %zu: unterminated quoted field at the end of the file",
                      r.name, r.row_line);
    if (st == CXR_OK && r.status != CXR_OK)
        st = r.status;
    if (st == CXR_OK && r.header_fields == 0)
        st = cxr_fail(err, CXR_ERR_INPUT, "'%s' is empty: no header line", r.name);
    clear_fields(&r);
    free(r.fields);
    csv_free(&parser);
    fclose(f);
    return st;
}
