/* fsutil.c: atomic file writes, mkdir -p, path joins and whole-file reads. */
#include "fsutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cxr_strdup(const char *s)
{
    return strdup(s ? s : "");
}

char *cxr_path_join(const char *a, const char *b)
{
    size_t la = a ? strlen(a) : 0, lb = strlen(b);
    char *out;

    if (la == 0 || b[0] == '/')
        return strdup(b);
    out = malloc(la + lb + 2);
    if (!out)
        return NULL;
    memcpy(out, a, la);
    if (a[la - 1] != '/')
        out[la++] = '/';
    memcpy(out + la, b, lb + 1);
    return out;
}

cxr_status cxr_fail_open(cxr_error *err, const char *path, int e)
{
    if (e == ENOMEM)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory opening '%s'", path);
    return cxr_fail(err, e == ENOENT ? CXR_ERR_MISSING : CXR_ERR_IO, "cannot open '%s': %s",
                    path, strerror(e));
}

cxr_status cxr_mkdirs(const char *path, cxr_error *err)
{
    char *buf = cxr_strdup(path);
    size_t len;

    if (!buf)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    len = strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            cxr_fail(err, CXR_ERR_IO, "cannot create directory '%s': %s", buf, strerror(e));
            free(buf);
            return CXR_ERR_IO;
        }
        buf[i] = saved;
    }
    free(buf);
    return CXR_OK;
}

cxr_status cxr_mkdirs_parent(const char *path, cxr_error *err)
{
    char *dir = cxr_strdup(path);
    char *slash;
    cxr_status st = CXR_OK;

    if (!dir)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        st = cxr_mkdirs(dir, err);
    }
    free(dir);
    return st;
}

cxr_status cxr_atomic_open(cxr_atomic_file *af, const char *path, cxr_error *err)
{
    size_t n = strlen(path) + 32;
    int fd;

    cxr_status st;

    memset(af, 0, sizeof(*af));
    if ((st = cxr_mkdirs_parent(path, err)) != CXR_OK)
        return st;
    af->path = cxr_strdup(path);
    af->tmp_path = malloc(n);
    if (!af->path || !af->tmp_path) {
        free(af->path);
        free(af->tmp_path);
        memset(af, 0, sizeof(*af));
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    snprintf(af->tmp_path, n, "%s.tmp.XXXXXX", path);
    fd = mkstemp(af->tmp_path);
    if (fd < 0 || !(af->fp = fdopen(fd, "wb"))) {
        int e = errno;
        if (fd >= 0) { /* fdopen failed: the file exists, remove it */
            close(fd);
            unlink(af->tmp_path);
        }
        st = e == ENOMEM ? cxr_fail(err, CXR_ERR_NOMEM, "out of memory")
                         : cxr_fail(err, CXR_ERR_IO, "cannot create '%s': %s", af->tmp_path,
                                    strerror(e));
        free(af->tmp_path);
        af->tmp_path = NULL; /* nothing left to remove */
        cxr_atomic_abort(af);
        return st;
    }
    fchmod(fd, 0644);
    return CXR_OK;
}

cxr_status cxr_atomic_commit(cxr_atomic_file *af, cxr_error *err)
{
    int failed = 0, e = 0;

    if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0) {
        failed = 1;
        e = errno;
    }
    if (fclose(af->fp) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    af->fp = NULL;
    if (!failed && rename(af->tmp_path, af->path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        cxr_status st = e == ENOMEM ? cxr_fail(err, CXR_ERR_NOMEM, "out of memory")
                                    : cxr_fail(err, CXR_ERR_IO, "cannot write '%s': %s",
                                               af->path, strerror(e));
        cxr_atomic_abort(af);
        return st;
    }
    free(af->tmp_path);
    af->tmp_path = NULL;
    cxr_atomic_abort(af);
    return CXR_OK;
}

void cxr_atomic_abort(cxr_atomic_file *af)
{
    if (!af)
        return;
    if (af->fp)
        fclose(af->fp);
    if (af->tmp_path)
        unlink(af->tmp_path);
    free(af->tmp_path);
    free(af->path);
    memset(af, 0, sizeof(*af));
}

cxr_status cxr_read_file(const char *path, unsigned char **data, size_t *len,
                         cxr_error *err)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, used = 0;

    *data = NULL;
    *len = 0;
    if (!f)
        return cxr_fail_open(err, path, errno);
    for (;;) {
        if (used + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            unsigned char *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                fclose(f);
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory reading '%s'", path);
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return cxr_fail(err, CXR_ERR_IO, "cannot read '%s': %s", path, strerror(e));
    }
    fclose(f);
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return CXR_OK;
}

int cxr_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
