/* error.c: status names, exit codes and message formatting for cxr_error. */
#include "error.h"

#include <stdio.h>
#include <string.h>

cxr_status cxr_fail(cxr_error *err, cxr_status status, const char *fmt, ...)
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

cxr_status cxr_error_prefix(cxr_error *err, const char *fmt, ...)
{
    char prefix[512];
    char old[CXR_ERROR_MAX];
    va_list ap;

    if (!err)
        return CXR_ERR_INTERNAL;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s%s", prefix, old);
    return err->status;
}

void cxr_error_clear(cxr_error *err)
{
    if (err) {
        err->status = CXR_OK;
        err->msg[0] = '\0';
    }
}

static const struct {
    cxr_status status;
    int exit_code;
    const char *name;
} status_table[] = {
    {CXR_OK, 0, "ok"},
    {CXR_ERR_USAGE, 2, "usage error"},
    {CXR_ERR_CONFIG, 3, "config error"},
    {CXR_ERR_INPUT, 4, "bad input"},
    {CXR_ERR_IO, 5, "i/o error"},
    {CXR_ERR_NETWORK, 6, "network error"},
    {CXR_ERR_INTEGRITY, 7, "integrity error"},
    {CXR_ERR_MISSING, 8, "missing file"},
    {CXR_ERR_UNSUPPORTED, 9, "unsupported"},
    {CXR_ERR_NOMEM, 10, "out of memory"},
    {CXR_ERR_INTERNAL, 70, "internal error"},
};

const char *cxr_strerror(cxr_status status)
{
    for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
        if (status_table[i].status == status)
            return status_table[i].name;
    return "unknown error";
}

int cxr_exit_code(cxr_status status)
{
    for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
        if (status_table[i].status == status)
            return status_table[i].exit_code;
    return 70;
}
