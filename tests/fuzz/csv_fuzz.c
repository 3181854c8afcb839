/* csv_fuzz.c: libFuzzer target for the strict metadata CSV reader
 * (pipeline/common/csvread.h): any bytes are read or refused with a message,
 * and every row handed out keeps the reader's promises (fields counted like
 * the header, valid UTF-8 without NUL, line numbers that only grow). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "fuzz_util.h"
#include "utf8.h"

typedef struct seen {
    size_t rows;
    size_t header_fields;
    size_t last_line;
    size_t bytes;           /* of every field handed out */
} seen;

static cxr_status on_row(void *ctx, const cxr_csv_row *row, cxr_error *err)
{
    seen *s = ctx;

    (void)err;
    FUZZ_CHECK(row->nfields > 0 && row->fields != NULL);
    FUZZ_CHECK(row->line > s->last_line || (s->rows == 0 && row->line == 1));
    if (s->rows++ == 0)
        s->header_fields = row->nfields;
    else
        FUZZ_CHECK(row->nfields == s->header_fields);
    s->last_line = row->line;
    for (size_t i = 0; i < row->nfields; i++) {
        size_t len = strlen(row->fields[i]);
        FUZZ_CHECK(cxr_utf8_check((const unsigned char *)row->fields[i], len) == len);
        s->bytes += len;
    }
    return CXR_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    cxr_error err;
    seen s = {0};
    int fd = fuzz_memfile(data, size, path, sizeof(path));

    if (fd < 0)
        return 0;
    cxr_error_clear(&err);
    cxr_status st = cxr_csv_read(path, "metadata.csv", on_row, &s, &err);
    if (st == CXR_OK) {
        FUZZ_CHECK(s.rows >= 1);        /* an empty file is refused */
        FUZZ_CHECK(s.bytes <= size);    /* fields come from the input */
    } else {
        FUZZ_CHECK(err.status == st && err.msg[0] != '\0');
    }
    close(fd);
    return 0;
}
