/* summary.c: writes a stage's JSON summary with its provenance fields. */
#include "summary.h"

#include <errno.h>
#include <stdlib.h>

#include "fsutil.h"

cxr_status cxr_summary_write(const char *path, const char *stage,
                             const cxr_config *conf, const char *section,
                             json_t *body, cxr_error *err)
{
    char hash[CXR_SHA256_HEX];
    cxr_atomic_file af;
    cxr_status st;

    /* a body the caller could not build, or a field we cannot add, is out
     * of memory: never write a summary with fields missing */
    if (!body || cxr_config_hash(conf, section, hash) != CXR_OK ||
        json_object_set_new(body, "stage", json_string(stage)) ||
        json_object_set_new(body, "tool_version", json_string(CXR_VERSION)) ||
        json_object_set_new(body, "config", json_string(cxr_config_file(conf))) ||
        json_object_set_new(body, "config_section", section ? json_string(section) : json_null()) ||
        json_object_set_new(body, "config_hash", json_string(hash)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if ((st = cxr_atomic_open(&af, path, err)) != CXR_OK)
        return st;
    /* 12 significant digits: 0.1, not 0.10000000000000001 */
    errno = 0;
    if (json_dumpf(body, af.fp, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(12)) != 0 ||
        fputc('\n', af.fp) == EOF) {
        int saved = errno;
        cxr_atomic_abort(&af);
        if (saved == ENOMEM)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        return cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", path);
    }
    return cxr_atomic_commit(&af, err);
}
