/* error.c: the engine's error context: a failure's status and message. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

cxrinfer_status ci_fail(ci_err *err, cxrinfer_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}
