/* csvread.h: a strict, streaming RFC 4180 reader on top of libcsv.
 *
 * Rows are handed to a callback one at a time, so memory does not grow with
 * the file. Refused with the line number: a UTF-8 byte order mark, CRLF line
 * ends or a bare CR ending a record, invalid UTF-8, an unterminated quote, a
 * row whose field count differs from the header's, an empty file. */
#ifndef CXR_CSVREAD_H
#define CXR_CSVREAD_H

#include <stddef.h>

#include "error.h"

typedef struct cxr_csv_row {
    size_t line;          /* 1-based line where the record starts */
    size_t nfields;
    char **fields;        /* borrowed: valid only during the callback */
} cxr_csv_row;

/* Called for the header (row->line == 1) and then for every record. A
 * non-OK return stops the read and is passed back to the caller. */
typedef cxr_status (*cxr_csv_row_fn)(void *ctx, const cxr_csv_row *row,
                                     cxr_error *err);

/* Reads 'path'; 'display_name' names the file in messages (NULL: path). */
cxr_status cxr_csv_read(const char *path, const char *display_name,
                        cxr_csv_row_fn on_row, void *ctx, cxr_error *err);

#endif
