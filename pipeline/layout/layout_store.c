/* layout_store.c: the layout stage's content-addressed store of original
 * image bytes (<workdir>/cache/store/<aa>/<sha256>, read-only objects
 * written once): opening it under its lock (<store>/lock, flock'ed shared
 * by runs and exclusively by the gc, layout_gc.c), putting objects in, and
 * the tree files made from them: a reflink, a hard link, a symbolic link
 * or a copy, as layout.link says. */
#include "layout_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* Takes <store>/lock: shared, waiting for a gc to end; or exclusive, at
 * once or CXR_ERR_IO. */
static cxr_status lock_store(layout_ctx *c, int exclusive, cxr_error *err)
{
    char *path = cxr_path_join(c->store_dir, "lock");
    cxr_status st = CXR_OK;
    int fd, e = 0;
    if (!path)
        return nomem(err);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
        e = errno;
    while (fd >= 0 && flock(fd, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH) != 0)
        if ((e = errno) != EINTR) {
            close(fd);
            fd = -1;
        }
    if (fd < 0 && e == EWOULDBLOCK)
        st = cxr_fail(err, CXR_ERR_IO, "the store '%s' is in use by another cxrprep-layout: "
                      "run the gc again when it has finished", c->store_dir);
    else if (fd < 0)
        st = cxr_fail(err, e == ENOMEM ? CXR_ERR_NOMEM : CXR_ERR_IO, "cannot lock '%s': %s",
                      path, strerror(e));
    free(path);
    c->store_lock = fd;
    return st;
}

cxr_status cxr_layout_store_open(layout_ctx *c, int exclusive, cxr_error *err)
{
    const char *wd = c->set.common.workdir;
    char *rel = cxr_path_join(wd && *wd ? wd : ".", "cache/store");
    cxr_status st = rel ? cxr_mkdirs(rel, err) : nomem(err);
    if (st != CXR_OK) {
        free(rel);
        return st;
    }
    if (!(c->store_dir = realpath(rel, NULL)))
        st = errno == ENOMEM ? nomem(err)
                             : cxr_fail(err, CXR_ERR_IO, "cannot resolve '%s': %s", rel,
                                        strerror(errno));
    free(rel);
    return st == CXR_OK ? lock_store(c, exclusive, err) : st;
}

void cxr_layout_store_close(layout_ctx *c)
{
    if (c->store_lock >= 0)
        close(c->store_lock); /* the lock goes with it */
    c->store_lock = -1;
    free(c->store_dir);
    c->store_dir = NULL;
}

char *cxr_layout_store_object(const layout_ctx *c, const char *sha)
{
    size_t n = strlen(c->store_dir) + strlen(sha) + 6;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%.2s/%s", c->store_dir, sha, sha);
    return p;
}

/* Writes 'data' to a new file 'path' with 'mode' (O_EXCL: never over
 * another file); a store object gets the store's mtime. */
static cxr_status write_new(const char *path, const unsigned char *data, size_t len,
                            mode_t mode, int object, cxr_error *err)
{
    const struct timespec times[2] = {{CXR_LAYOUT_STORE_MTIME, 0},
                                      {CXR_LAYOUT_STORE_MTIME, 0}};
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    size_t done = 0;
    if (fd < 0)
        return cxr_fail(err, CXR_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlink(path);
            return cxr_fail(err, CXR_ERR_IO, "cannot write '%s': %s", path, strerror(e));
        }
        done += (size_t)w;
    }
    if (object && futimens(fd, times) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return cxr_fail(err, CXR_ERR_IO, "cannot set the time of '%s': %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(path);
        return cxr_fail(err, CXR_ERR_IO, "cannot write '%s': %s", path, strerror(e));
    }
    return CXR_OK;
}

/* The object's directory "<store>/<aa>", made when missing. */
static cxr_status object_dir(const char *obj, cxr_error *err)
{
    char dir[4096];
    const char *slash = strrchr(obj, '/');
    size_t n = slash ? (size_t)(slash - obj) : 0;
    if (n == 0 || n >= sizeof(dir))
        return cxr_fail(err, CXR_ERR_INTERNAL, "bad store path '%s'", obj);
    memcpy(dir, obj, n);
    dir[n] = '\0';
    if (mkdir(dir, 0755) == 0 || errno == EEXIST)
        return CXR_OK;
    return cxr_mkdirs(dir, err);
}

/* A new object from the bytes: written under a temporary name, made
 * read-only, renamed into place (over a damaged object; or over the same
 * bytes another thread has just put there). */
static cxr_status write_object(const char *obj, const unsigned char *data, size_t len,
                               cxr_error *err)
{
    size_t n = strlen(obj) + 48;
    char *tmp = malloc(n);
    cxr_status st;
    static const char *const fmt = "%s.tmp.%ld.%lx";
    if (!tmp)
        return nomem(err);
    snprintf(tmp, n, fmt, obj, (long)getpid(), (unsigned long)(uintptr_t)data);
    st = write_new(tmp, data, len, 0444, 1, err);
    if (st == CXR_OK && rename(tmp, obj) != 0) {
        st = cxr_fail(err, CXR_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, obj,
                      strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return st;
}

/* 1 when file 'path' holds exactly data[0..len): an object damaged by
 * hand (made writable and edited) is not linked again. A comparison, not a
 * second hash: the bytes were hashed once, when read. */
static int same_bytes(const char *path, const unsigned char *data, size_t len)
{
    unsigned char buf[1 << 16];
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), same = fd >= 0;
    while (same && done < len) {
        size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        same = n > 0 && memcmp(buf, data + done, (size_t)n) == 0;
        done += n > 0 ? (size_t)n : 0;
    }
    if (fd >= 0)
        close(fd);
    return same;
}

cxr_status cxr_layout_store_put(layout_ctx *c, const char *sha, const unsigned char *data,
                                size_t len, const char *cache_obj, char **obj,
                                cxr_error *err)
{
    struct stat sb;
    cxr_status st;
    int added = 0;
    if (!(*obj = cxr_layout_store_object(c, sha)))
        return nomem(err);
    /* an object is only ever made from bytes that hash to its name */
    if (lstat(*obj, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == len &&
        same_bytes(*obj, data, len))
        return CXR_OK;
    if ((st = object_dir(*obj, err)) != CXR_OK)
        return st;
    /* a fetch cache object with these bytes is read-only too: one more name
     * (EEXIST: a damaged object is there, and the rename below replaces it
     * in one step, never leaving the name missing for another thread) */
    if (cache_obj && link(cache_obj, *obj) == 0)
        added = 1;
    else if ((st = write_object(*obj, data, len, err)) == CXR_OK)
        added = 1;
    if (added) {
        pthread_mutex_lock(&c->lock);
        c->nstored++;
        pthread_mutex_unlock(&c->lock);
    }
    return st;
}

/* Errors that mean "this file system cannot do that link here" (the next
 * way is tried in auto mode), as opposed to real failures. */
static int unsupported(int e)
{
    return e == EXDEV || e == EPERM || e == EOPNOTSUPP || e == ENOTTY || e == EINVAL ||
           e == ENOSYS || e == EMLINK;
}

/* A copy-on-write clone of 'obj' at 'dst' (FICLONE); -1 with errno set
 * when it cannot be made (dst is then removed). */
static int reflink(const char *obj, const char *dst)
{
    int in = open(obj, O_RDONLY | O_CLOEXEC), out, rc, e;
    if (in < 0)
        return -1;
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        e = errno;
        close(in);
        errno = e;
        return -1;
    }
    rc = ioctl(out, FICLONE, in);
    e = errno;
    close(in);
    if (close(out) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0)
        unlink(dst);
    errno = e;
    return rc;
}

/* A plain copy at 'dst' of the bytes, or of the object when the caller
 * has no bytes (NULL data: placed from the index). */
static cxr_status copy_object(const char *obj, const char *dst, const unsigned char *data,
                              size_t len, cxr_error *err)
{
    unsigned char *bytes;
    size_t n;
    cxr_status st;
    if (data || !obj)
        return write_new(dst, data, len, 0644, 0, err);
    if ((st = cxr_read_file(obj, &bytes, &n, err)) != CXR_OK)
        return st;
    st = write_new(dst, bytes, n, 0644, 0, err);
    free(bytes);
    return st;
}

static const char *mode_name(cxr_layout_link mode)
{
    switch (mode) {
    case CXR_LAYOUT_LINK_REFLINK: return "reflink";
    case CXR_LAYOUT_LINK_HARD: return "hardlink";
    case CXR_LAYOUT_LINK_SYMLINK: return "symlink";
    case CXR_LAYOUT_LINK_COPY: return "copy";
    default: return "auto";
    }
}

static cxr_status link_failed(cxr_layout_link mode, const char *obj, const char *dst, int e,
                              cxr_error *err)
{
    return cxr_fail(err, unsupported(e) ? CXR_ERR_UNSUPPORTED : CXR_ERR_IO,
                    "cannot make '%s' a %s of '%s': %s (layout.link: auto falls back to a "
                    "hard link or a copy)", dst, mode_name(mode), obj, strerror(e));
}

static void count_kind(layout_ctx *c, layout_link_kind kind)
{
    pthread_mutex_lock(&c->lock);
    c->nby_kind[kind]++;
    pthread_mutex_unlock(&c->lock);
}

/* auto: a reflink while the file system takes them, else a hard link,
 * else a copy (each file falls back on its own). */
static cxr_status link_auto(layout_ctx *c, const char *obj, const char *dst,
                            const unsigned char *data, size_t len, layout_link_kind *kind,
                            cxr_error *err)
{
    if (!atomic_load(&c->no_reflink)) {
        if (reflink(obj, dst) == 0) {
            *kind = LINK_REFLINK;
            return CXR_OK;
        }
        if (!unsupported(errno))
            return link_failed(CXR_LAYOUT_LINK_REFLINK, obj, dst, errno, err);
        atomic_store(&c->no_reflink, 1); /* the file system said no: no more tries */
    }
    if (link(obj, dst) == 0) {
        *kind = LINK_HARD;
        return CXR_OK;
    }
    if (!unsupported(errno))
        return link_failed(CXR_LAYOUT_LINK_HARD, obj, dst, errno, err);
    *kind = LINK_COPY;
    return copy_object(obj, dst, data, len, err);
}

cxr_status cxr_layout_store_link(layout_ctx *c, const char *obj, const char *dst,
                                 const unsigned char *data, size_t len, cxr_error *err)
{
    layout_link_kind kind = LINK_COPY;
    cxr_status st = CXR_OK;
    switch (c->set.link) {
    case CXR_LAYOUT_LINK_REFLINK:
        kind = LINK_REFLINK;
        if (reflink(obj, dst) != 0)
            return link_failed(c->set.link, obj, dst, errno, err);
        break;
    case CXR_LAYOUT_LINK_HARD:
        kind = LINK_HARD;
        if (link(obj, dst) != 0)
            return link_failed(c->set.link, obj, dst, errno, err);
        break;
    case CXR_LAYOUT_LINK_SYMLINK:
        kind = LINK_SYMLINK;
        if (symlink(obj, dst) != 0)
            return link_failed(c->set.link, obj, dst, errno, err);
        break;
    case CXR_LAYOUT_LINK_COPY:
        st = copy_object(obj, dst, data, len, err);
        break;
    default:
        st = link_auto(c, obj, dst, data, len, &kind, err);
    }
    if (st == CXR_OK)
        count_kind(c, kind);
    return st;
}
