/* manifest.c: writing manifests (atomic, RFC 4180 quoting only where needed)
 * and reading them back whole, by column name. */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "fsutil.h"

struct cxr_manifest_writer {
    cxr_atomic_file file;
    size_t ncolumns;
    size_t rows;
};

static void write_field(FILE *fp, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void write_row(cxr_manifest_writer *w, const char *const *values)
{
    for (size_t i = 0; i < w->ncolumns; i++) {
        if (i)
            fputc(',', w->file.fp);
        write_field(w->file.fp, values[i]);
    }
    fputc('\n', w->file.fp);
}

cxr_status cxr_manifest_create(const char *path, const char *const *columns,
                               size_t ncolumns, cxr_manifest_writer **out,
                               cxr_error *err)
{
    cxr_manifest_writer *w = calloc(1, sizeof(*w));
    cxr_status st;

    *out = NULL;
    if (!w)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if ((st = cxr_atomic_open(&w->file, path, err)) != CXR_OK) {
        free(w);
        return st;
    }
    w->ncolumns = ncolumns;
    write_row(w, columns);
    *out = w;
    return CXR_OK;
}

cxr_status cxr_manifest_add(cxr_manifest_writer *w, const char *const *values,
                            cxr_error *err)
{
    if (!w)
        return cxr_fail(err, CXR_ERR_INTERNAL, "cxr_manifest_add: no writer");
    write_row(w, values);
    w->rows++;
    if (ferror(w->file.fp))
        return cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", w->file.tmp_path);
    return CXR_OK;
}

size_t cxr_manifest_written(const cxr_manifest_writer *w)
{
    return w ? w->rows : 0;
}

cxr_status cxr_manifest_commit(cxr_manifest_writer *w, cxr_error *err)
{
    cxr_status st;
    if (!w)
        return cxr_fail(err, CXR_ERR_INTERNAL, "cxr_manifest_commit: no writer");
    st = cxr_atomic_commit(&w->file, err);
    free(w);
    return st;
}

void cxr_manifest_abort(cxr_manifest_writer *w)
{
    if (!w)
        return;
    cxr_atomic_abort(&w->file);
    free(w);
}

/* --- reading --- */

struct cxr_manifest {
    size_t ncolumns;
    char **header;     /* ncolumns */
    size_t nrows, cap;
    char **cells;      /* nrows * ncolumns, row-major */
};

static char **copy_fields(const cxr_csv_row *row)
{
    char **copy = malloc(row->nfields * sizeof(*copy));
    if (!copy)
        return NULL;
    for (size_t i = 0; i < row->nfields; i++)
        if (!(copy[i] = cxr_strdup(row->fields[i]))) {
            while (i > 0)
                free(copy[--i]);
            free(copy);
            return NULL;
        }
    return copy;
}

static cxr_status on_manifest_row(void *ctx, const cxr_csv_row *row, cxr_error *err)
{
    cxr_manifest *m = ctx;

    if (!m->header) {
        m->ncolumns = row->nfields;
        m->header = copy_fields(row);
        return m->header ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    if (m->nrows == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        char **nc = realloc(m->cells, ncap * m->ncolumns * sizeof(*nc));
        if (!nc)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        m->cells = nc;
        m->cap = ncap;
    }
    for (size_t i = 0; i < row->nfields; i++) {
        char *cell = cxr_strdup(row->fields[i]);
        if (!cell) {
            while (i > 0)
                free(m->cells[m->nrows * m->ncolumns + --i]);
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        }
        m->cells[m->nrows * m->ncolumns + i] = cell;
    }
    m->nrows++;
    return CXR_OK;
}

static cxr_status check_required(const cxr_manifest *m, const char *path,
                                 const char *const *required, cxr_error *err)
{
    for (size_t i = 0; required && required[i]; i++) {
        if (cxr_manifest_column(m, required[i]) >= 0)
            continue;
        char found[1024] = "";
        for (size_t c = 0; c < m->ncolumns; c++) {
            size_t used = strlen(found);
            snprintf(found + used, sizeof(found) - used, "%s%s", c ? ", " : "", m->header[c]);
        }
        return cxr_fail(err, CXR_ERR_INPUT, "column '%s' not found in '%s' (columns: %s)",
                        required[i], path, found);
    }
    return CXR_OK;
}

cxr_status cxr_manifest_load(const char *path, const char *const *required,
                             cxr_manifest **out, cxr_error *err)
{
    cxr_manifest *m = calloc(1, sizeof(*m));
    cxr_status st;

    *out = NULL;
    if (!m)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_csv_read(path, NULL, on_manifest_row, m, err);
    if (st == CXR_OK)
        st = check_required(m, path, required, err);
    if (st != CXR_OK) {
        cxr_manifest_free(m);
        return st;
    }
    *out = m;
    return CXR_OK;
}

size_t cxr_manifest_nrows(const cxr_manifest *m)
{
    return m ? m->nrows : 0;
}

int cxr_manifest_column(const cxr_manifest *m, const char *name)
{
    for (size_t i = 0; m && i < m->ncolumns; i++)
        if (strcmp(m->header[i], name) == 0)
            return (int)i;
    return -1;
}

const char *cxr_manifest_get(const cxr_manifest *m, size_t row, int column)
{
    if (!m || row >= m->nrows || column < 0 || (size_t)column >= m->ncolumns)
        return "";
    return m->cells[row * m->ncolumns + (size_t)column];
}

void cxr_manifest_free(cxr_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nrows * m->ncolumns; i++)
        free(m->cells[i]);
    for (size_t i = 0; m->header && i < m->ncolumns; i++)
        free(m->header[i]);
    free(m->cells);
    free(m->header);
    free(m);
}
