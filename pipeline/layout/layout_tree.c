/* layout_tree.c: the staging directory the trees are built in, the swap
 * that puts it in place in one rename, removal without following links,
 * and the check that a tree still matches its manifest. */
#define _GNU_SOURCE /* renameat2, syncfs */
#include "layout_internal.h"
#include "stagedir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "manifest.h"

/* Splits c->root into its parent directory (malloc'd; NULL when out of
 * memory) and its last component. */
static void split_root(const char *root, char **parent, const char **base)
{
    const char *slash = strrchr(root, '/');
    *parent = strdup(slash ? root : ".");
    *base = slash ? slash + 1 : root;
    if (slash && *parent) {
        (*parent)[slash - root] = '\0';
        if (slash == root)
            strcpy(*parent, "/");
    }
}

/* This host's name for staging directory names (work directories may be
 * shared between hosts, on NFS or a cluster): bytes other than A-Z a-z 0-9
 * '-' '_' '.' become '_'; "localhost" when it has none. */
static void layout_host(char *buf, size_t size)
{
    if (gethostname(buf, size) != 0 || !buf[0])
        snprintf(buf, size, "localhost");
    buf[size - 1] = '\0';
    for (char *p = buf; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            *p = '_';
}

/* 1 when process 'pid' of this host is gone. EPERM means it lives (another
 * user's); only ESRCH says it is gone. */
static int process_gone(long pid)
{
    if (pid == (long)getpid())
        return 1; /* our own leftover of an earlier attempt */
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* The pid of a staging name's tail ("<pid>" or "<pid>.old", the old tree of
 * a fallback swap), or 0 when the tail is something else. */
static long staging_pid(const char *tail)
{
    char *end;
    long pid;
    if (!isdigit((unsigned char)*tail))
        return 0;
    pid = strtol(tail, &end, 10);
    return (*end == '\0' || !strcmp(end, ".old")) && pid > 0 ? pid : 0;
}

/* Removes the staging directories (and '.old' trees) left by runs of this
 * host that died: '.<base>.staging.<host>.<pid>[.old]' whose process is
 * gone; also '.<base>.staging.<pid>[.old]', the names before hosts were. A
 * staging directory of another host is never touched. */
static void remove_stale(const char *parent, const char *base)
{
    char host[256], prefix[600];
    struct dirent *de;
    DIR *d = opendir(parent);
    int n = snprintf(prefix, sizeof(prefix), ".%s.staging.", base), nh;
    layout_host(host, sizeof(host));
    if (!d || n < 0 || (size_t)n >= sizeof(prefix)) {
        if (d)
            closedir(d);
        return;
    }
    nh = (int)strlen(host);
    while ((de = readdir(d)) != NULL) {
        const char *tail = de->d_name + n;
        long pid;
        if (strncmp(de->d_name, prefix, (size_t)n) != 0)
            continue;
        if (!strncmp(tail, host, (size_t)nh) && tail[nh] == '.')
            pid = staging_pid(tail + nh + 1);
        else
            pid = staging_pid(tail); /* before hosts; a host name is never a pid */
        if (pid > 0 && process_gone(pid)) {
            char *path = cxr_path_join(parent, de->d_name);
            if (path)
                (void)cxr_remove_tree(path, NULL);
            free(path);
        }
    }
    closedir(d);
}

void cxr_layout_staging_clean(const layout_ctx *c)
{
    char *parent;
    const char *base;
    split_root(c->root, &parent, &base);
    if (parent && *base && strcmp(base, ".") && strcmp(base, ".."))
        remove_stale(parent, base);
    free(parent);
}

cxr_status cxr_layout_staging_create(layout_ctx *c, cxr_error *err)
{
    char *parent, host[256];
    const char *base;
    size_t n;
    cxr_status st;
    split_root(c->root, &parent, &base);
    if (!parent)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        free(parent);
        return cxr_fail(err, CXR_ERR_CONFIG, "layout.root '%s' must name a directory",
                        c->root);
    }
    if ((st = cxr_mkdirs(parent, err)) != CXR_OK) {
        free(parent);
        return st;
    }
    remove_stale(parent, base);
    layout_host(host, sizeof(host));
    n = strlen(parent) + strlen(base) + strlen(host) + 40;
    if (!(c->staging = malloc(n))) {
        free(parent);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    snprintf(c->staging, n, "%s/.%s.staging.%s.%ld", parent, base, host, (long)getpid());
    free(parent);
    if ((st = cxr_remove_tree(c->staging, err)) != CXR_OK)
        return st;
    for (size_t i = 0; st == CXR_OK && i < c->nfolders; i++) {
        char *dir = cxr_path_join(c->staging, c->folders[i].path);
        st = dir ? cxr_mkdirs(dir, err) : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        free(dir);
    }
    return st;
}

/* Flushes the staging tree's data, then exchanges it with the old tree in
 * one rename (or renames it into place when there is none) and removes the
 * old tree. Where the kernel cannot exchange, two renames are used. */
cxr_status cxr_layout_swap_into_place(layout_ctx *c, cxr_error *err)
{
    int fd = open(c->staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0) {
        (void)syncfs(fd);
        close(fd);
    }
    if (lstat(c->root, &sb) != 0) {
        if (rename(c->staging, c->root) != 0)
            return cxr_fail(err, CXR_ERR_IO, "cannot rename '%s' to '%s': %s", c->staging,
                            c->root, strerror(errno));
        return CXR_OK;
    }
    if (renameat2(AT_FDCWD, c->staging, AT_FDCWD, c->root, RENAME_EXCHANGE) != 0) {
        size_t n = strlen(c->staging) + 8;
        char *old = malloc(n);
        if (!old)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        snprintf(old, n, "%s.old", c->staging);
        if (rename(c->root, old) != 0) {
            cxr_fail(err, CXR_ERR_IO, "cannot move the new tree into '%s': %s", c->root,
                     strerror(errno));
            free(old);
            return err->status;
        }
        if (rename(c->staging, c->root) != 0) {
            int e = errno;
            if (rename(old, c->root) != 0) /* the live tree goes back in place */
                cxr_fail(err, CXR_ERR_IO, "cannot move the new tree into '%s' (%s), nor "
                         "the old tree back from '%s': %s", c->root, strerror(e), old,
                         strerror(errno));
            else
                cxr_fail(err, CXR_ERR_IO, "cannot move the new tree into '%s': %s",
                         c->root, strerror(e));
            free(old);
            return err->status;
        }
        free(c->staging);
        c->staging = old;
    }
    return cxr_remove_tree(c->staging, err); /* now the old tree */
}

/* Counts the regular files and symbolic links (layout.link: symlink) under
 * 'name' in 'dirfd'; -1 when anything else (a device, a fifo) is there or
 * the walk fails. */
static long count_files(int dirfd, const char *name)
{
    struct stat sb;
    struct dirent *de;
    DIR *d;
    long total = 0;
    int fd;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode))
        return 1;
    if (!S_ISDIR(sb.st_mode))
        return -1;
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while (total >= 0 && (de = readdir(d)) != NULL) {
        long n;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        n = count_files(fd, de->d_name);
        total = n < 0 ? -1 : total + n;
    }
    closedir(d);
    return total;
}

static int newer(const struct stat *a, const struct stat *b)
{
    return a->st_mtim.tv_sec > b->st_mtim.tv_sec ||
           (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec > b->st_mtim.tv_nsec);
}

static int changed_since(const struct stat *a, const struct stat *b)
{
    return a->st_ctim.tv_sec > b->st_mtim.tv_sec ||
           (a->st_ctim.tv_sec == b->st_mtim.tv_sec && a->st_ctim.tv_nsec > b->st_mtim.tv_nsec);
}

/* 1 when symbolic link 'p' names the store object of 'sha256'. */
static int links_to_object(const layout_ctx *c, const char *p, const char *sha256)
{
    char target[4096], *obj = cxr_layout_store_object(c, sha256);
    ssize_t n = readlink(p, target, sizeof(target) - 1);
    int ok = obj && n > 0 && (target[n] = '\0', !strcmp(target, obj));
    free(obj);
    return ok;
}

/* 1 when the file 'p' of the tree (lstat in sb) still is row r: a regular
 * file of its size (or a symbolic link to its store object, and that
 * object), neither written (mtime) nor changed in any way, a write through
 * another name of a hard link included (ctime, which no one can set back),
 * since the run ended ('made'). Nothing is hashed again. */
static int file_matches(const layout_ctx *c, const char *p, const struct stat *sb,
                        const struct stat *made, const char *size, const char *sha256)
{
    struct stat target;
    if (S_ISLNK(sb->st_mode)) {
        if (!links_to_object(c, p, sha256) || stat(p, &target) != 0)
            return 0;
        sb = &target;
    }
    return S_ISREG(sb->st_mode) && !newer(sb, made) && !changed_since(sb, made) &&
           (unsigned long long)sb->st_size == strtoull(size, NULL, 10);
}

int cxr_layout_tree_matches(const layout_ctx *c, const char *layout_csv,
                            const char *state_file)
{
    static const char *const cols[] = {"path", "size", "sha256", NULL};
    cxr_manifest *m;
    struct stat made;
    int ok = 1, pcol, scol, hcol;
    /* the old tree's removal changes the ctime of the store objects it
     * shared with the new one: the state, written after it, is the mark */
    if (stat(state_file, &made) != 0 ||
        cxr_manifest_load(layout_csv, cols, &m, NULL) != CXR_OK)
        return 0;
    pcol = cxr_manifest_column(m, "path");
    scol = cxr_manifest_column(m, "size");
    hcol = cxr_manifest_column(m, "sha256");
    for (size_t r = 0; ok && r < cxr_manifest_nrows(m); r++) {
        char *p = cxr_path_join(c->root, cxr_manifest_get(m, r, pcol));
        struct stat sb;
        /* written before the state was, so a later time means an edit */
        ok = p && lstat(p, &sb) == 0 &&
             file_matches(c, p, &sb, &made, cxr_manifest_get(m, r, scol),
                          cxr_manifest_get(m, r, hcol));
        free(p);
    }
    if (ok)
        ok = count_files(AT_FDCWD, c->root) == (long)cxr_manifest_nrows(m);
    cxr_manifest_free(m);
    return ok;
}
