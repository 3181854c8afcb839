/* exclusions.c: reading and writing the curation exclusions file
 * (exclusions.h), and where the config says it is. */
#include "exclusions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "manifest.h"

const char *const cxr_exclusions_columns[CXR_EXCLUSIONS_NCOLUMNS + 1] = {
    "source", "file", "sha256", "reason", "time", NULL};

cxr_status cxr_exclusions_path(const cxr_config *conf, char **path, cxr_error *err)
{
    const char *value = cxr_config_str(conf, "curation.exclusions");
    const char *file = cxr_config_file(conf);
    const char *slash = file ? strrchr(file, '/') : NULL;
    char *dir;

    *path = NULL;
    if (!value || !*value)
        return CXR_OK;
    dir = slash ? strndup(file, (size_t)(slash - file)) : strdup("");
    if (dir && slash == file) { /* a config at the root: "/c.yaml" */
        free(dir);
        dir = strdup("/");
    }
    if (dir)
        *path = cxr_path_join(dir, value);
    free(dir);
    return *path ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

static void row_release(cxr_exclusion *r)
{
    free(r->source);
    free(r->file);
    free(r->sha256);
    free(r->reason);
    free(r->time);
    memset(r, 0, sizeof(*r));
}

void cxr_exclusions_release(cxr_exclusions *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++)
        row_release(&x->rows[i]);
    free(x->rows);
    memset(x, 0, sizeof(*x));
}

cxr_status cxr_exclusions_add(cxr_exclusions *x, const cxr_exclusion *row, cxr_error *err)
{
    const char *fields[CXR_EXCLUSIONS_NCOLUMNS] = {row->source, row->file, row->sha256,
                                                   row->reason, row->time};
    char *copies[CXR_EXCLUSIONS_NCOLUMNS] = {0};
    int ok = 1;

    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        cxr_exclusion *grown = realloc(x->rows, cap * sizeof(*grown));
        if (!grown)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        x->rows = grown;
        x->cap = cap;
    }
    for (int i = 0; i < CXR_EXCLUSIONS_NCOLUMNS; i++)
        ok = ok && (copies[i] = strdup(fields[i] ? fields[i] : "")) != NULL;
    if (!ok) {
        for (int i = 0; i < CXR_EXCLUSIONS_NCOLUMNS; i++)
            free(copies[i]);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    x->rows[x->n++] = (cxr_exclusion){copies[0], copies[1], copies[2], copies[3], copies[4]};
    return CXR_OK;
}

cxr_status cxr_exclusions_load(const char *path, cxr_exclusions *out, cxr_error *err)
{
    cxr_manifest *m = NULL;
    struct stat sb;
    int col[CXR_EXCLUSIONS_NCOLUMNS];
    cxr_status st;

    memset(out, 0, sizeof(*out));
    if (stat(path, &sb) != 0 && errno == ENOENT)
        return CXR_OK;
    st = cxr_manifest_load(path, cxr_exclusions_columns, &m, err);
    if (st != CXR_OK)
        return cxr_error_prefix(err, "curation.exclusions: ");
    for (int i = 0; i < CXR_EXCLUSIONS_NCOLUMNS; i++)
        col[i] = cxr_manifest_column(m, cxr_exclusions_columns[i]);
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++) {
        cxr_exclusion row = {
            (char *)cxr_manifest_get(m, r, col[0]), (char *)cxr_manifest_get(m, r, col[1]),
            (char *)cxr_manifest_get(m, r, col[2]), (char *)cxr_manifest_get(m, r, col[3]),
            (char *)cxr_manifest_get(m, r, col[4])};
        if (!*row.source || !*row.file)
            st = cxr_fail(err, CXR_ERR_INPUT,
                          "curation.exclusions: '%s' line %zu: empty 'source' or 'file'", path,
                          r + 2);
        else
            st = cxr_exclusions_add(out, &row, err);
    }
    cxr_manifest_free(m);
    if (st != CXR_OK)
        cxr_exclusions_release(out);
    return st;
}

int cxr_exclusions_has(const cxr_exclusions *x, const char *source, const char *file)
{
    for (size_t i = 0; x && i < x->n; i++)
        if (strcmp(x->rows[i].source, source) == 0 && strcmp(x->rows[i].file, file) == 0)
            return 1;
    return 0;
}

size_t cxr_exclusions_remove_sha256(cxr_exclusions *x, const char *prefix)
{
    size_t kept = 0, len = strlen(prefix), removed;

    if (len == 0)
        return 0;
    for (size_t i = 0; i < x->n; i++) {
        if (strncmp(x->rows[i].sha256, prefix, len) == 0)
            row_release(&x->rows[i]);
        else
            x->rows[kept++] = x->rows[i];
    }
    removed = x->n - kept;
    x->n = kept;
    return removed;
}

cxr_status cxr_exclusions_save(const char *path, const cxr_exclusions *x, cxr_error *err)
{
    cxr_manifest_writer *w = NULL;
    cxr_status st = cxr_manifest_create(path, cxr_exclusions_columns, CXR_EXCLUSIONS_NCOLUMNS,
                                        &w, err);

    for (size_t i = 0; st == CXR_OK && i < x->n; i++) {
        const cxr_exclusion *r = &x->rows[i];
        const char *values[CXR_EXCLUSIONS_NCOLUMNS] = {r->source, r->file, r->sha256, r->reason,
                                                       r->time};
        st = cxr_manifest_add(w, values, err);
    }
    if (st == CXR_OK)
        return cxr_manifest_commit(w, err);
    cxr_manifest_abort(w);
    return st;
}
