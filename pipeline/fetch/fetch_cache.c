/* fetch_cache.c: the content-addressed download cache of the work directory
 * (layout in workdir.h): lookups by content hash or URL, partial-file names,
 * and moving a verified download into objects/, read-only (mode 0444).
 * Nothing unverified is ever written under objects/. Durability is batched: objects are renamed into
 * place without an fsync each, and cxr_fetch_cache_sync() flushes them all
 * before the lock file records their pins; until then an object is trusted
 * only by its pinned size or a rehash (see fetch.c). */
#define _GNU_SOURCE /* syncfs */
#include "fetch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "workdir.h"

char *cxr_fetch_partial_path(const char *workdir, const char *url)
{
    char hex[CXR_SHA256_HEX], *dir, *path;
    cxr_sha256_buf(url, strlen(url), hex);
    if (!hex[0]) /* libcrypto ran out of memory */
        return NULL;
    dir = cxr_path_join(workdir, "cache/partial");
    path = dir ? cxr_path_join(dir, hex) : NULL;
    free(dir);
    return path;
}

int cxr_fetch_cache_has(const cxr_config *conf, const char *sha256, int64_t size,
                        int verify, char **path)
{
    struct stat sb;
    char *obj = cxr_cache_object_path(conf, sha256);
    int ok = obj && stat(obj, &sb) == 0 && S_ISREG(sb.st_mode) &&
             (size < 0 || sb.st_size == size);
    if (!obj)
        return -1;
    if (ok && verify) {
        char got[CXR_SHA256_HEX];
        cxr_error err;
        cxr_status st = cxr_sha256_file(obj, got, NULL, &err);
        if (st == CXR_ERR_NOMEM) {
            free(obj);
            return -1;
        }
        ok = st == CXR_OK && strcmp(got, sha256) == 0;
        if (!ok)
            unlink(obj); /* a corrupt object must not be used again */
    }
    if (ok && path)
        *path = obj;
    else
        free(obj);
    return ok;
}

int cxr_fetch_cache_url_get(const cxr_config *conf, const char *url,
                            char sha256[CXR_SHA256_HEX])
{
    char *path = cxr_cache_url_index_path(conf, url);
    unsigned char *data = NULL;
    size_t len = 0;
    cxr_error err;
    cxr_status st = path ? cxr_read_file(path, &data, &len, &err) : CXR_ERR_NOMEM;
    int ok = st == CXR_ERR_NOMEM ? -1 : 0;
    if (st == CXR_OK) {
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
            data[--len] = '\0';
        ok = cxr_sha256_valid((const char *)data);
        if (ok)
            memcpy(sha256, data, CXR_SHA256_HEX);
    }
    free(data);
    free(path);
    return ok;
}

/* The URL index is a hint, written like every output: a temporary name
 * renamed into place (pipeline/fsutil.h). */
static cxr_status write_url_index(const cxr_config *conf, const char *url,
                                  const char *sha256, cxr_error *err)
{
    char *path = cxr_cache_url_index_path(conf, url);
    cxr_atomic_file af;
    cxr_status st;
    if (!path)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_atomic_open(&af, path, err);
    if (st == CXR_OK && fprintf(af.fp, "%s\n", sha256) < 0) {
        int e = errno;
        cxr_atomic_abort(&af);
        st = cxr_fail(err, CXR_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    } else if (st == CXR_OK) {
        st = cxr_atomic_commit(&af, err);
    }
    free(path);
    return st;
}

cxr_status cxr_fetch_cache_sync(const char *workdir, cxr_error *err)
{
    char *dir = cxr_path_join(workdir, "cache");
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int ok = fd >= 0 && syncfs(fd) == 0;
    cxr_status st = ok     ? CXR_OK
                    : !dir ? cxr_fail(err, CXR_ERR_NOMEM, "out of memory")
                           : cxr_fail(err, CXR_ERR_IO, "cannot sync '%s': %s", dir,
                                      strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
    return st;
}

cxr_status cxr_fetch_cache_promote(const cxr_config *conf, const char *partial,
                                   const char *url, const char *sha256,
                                   char **object_path, cxr_error *err)
{
    char *obj = cxr_cache_object_path(conf, sha256);
    cxr_status st;
    if (!obj)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_mkdirs_parent(obj, err);
    /* read-only: layout hard-links objects into the trees, and an in-place
     * edit there must not rewrite the verified bytes of the cache */
    if (st == CXR_OK && chmod(partial, 0444) != 0)
        st = cxr_fail(err, CXR_ERR_IO, "cannot make '%s' read-only: %s", partial,
                      strerror(errno));
    if (st == CXR_OK && rename(partial, obj) != 0)
        st = cxr_fail(err, CXR_ERR_IO, "cannot move '%s' to '%s': %s", partial, obj,
                      strerror(errno));
    if (st == CXR_OK)
        st = write_url_index(conf, url, sha256, err);
    if (st == CXR_OK && object_path)
        *object_path = obj;
    else
        free(obj);
    return st;
}
