/* stagedir.c: output directories swapped into place whole (renameat2 with
 * RENAME_EXCHANGE), and removing directory trees without following links. */
#define _GNU_SOURCE /* renameat2 */
#include "stagedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

/* Removes 'name' inside 'dirfd' and everything under it. 0 or -1 (errno). */
static int remove_at(int dirfd, const char *name)
{
    struct stat sb;
    struct dirent *de;
    DIR *d;
    int fd, rc = 0;

    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode))
        return unlinkat(dirfd, name, 0);
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while (rc == 0 && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            rc = remove_at(fd, de->d_name);
    closedir(d);
    return rc ? rc : unlinkat(dirfd, name, AT_REMOVEDIR);
}

cxr_status cxr_remove_tree(const char *path, cxr_error *err)
{
    if (remove_at(AT_FDCWD, path) != 0)
        return cxr_fail(err, CXR_ERR_IO, "cannot remove '%s': %s", path, strerror(errno));
    return CXR_OK;
}

cxr_status cxr_stagedir_open(cxr_stagedir *sd, const char *path, cxr_error *err)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(path) + 32;

    memset(sd, 0, sizeof(*sd));
    if (!*base)
        return cxr_fail(err, CXR_ERR_INTERNAL, "'%s' names no directory", path);
    if (cxr_mkdirs_parent(path, err) != CXR_OK)
        return err->status;
    sd->path = cxr_strdup(path);
    sd->tmp = malloc(n);
    if (!sd->path || !sd->tmp) {
        free(sd->path);
        free(sd->tmp);
        memset(sd, 0, sizeof(*sd));
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    snprintf(sd->tmp, n, "%.*s.%s.tmp.XXXXXX", (int)(base - path), path, base);
    if (!mkdtemp(sd->tmp)) {
        cxr_fail(err, CXR_ERR_IO, "cannot create '%s': %s", sd->tmp, strerror(errno));
        free(sd->tmp);
        sd->tmp = NULL;
        cxr_stagedir_abort(sd);
        return CXR_ERR_IO;
    }
    chmod(sd->tmp, 0755);
    return CXR_OK;
}

cxr_status cxr_stagedir_commit(cxr_stagedir *sd, cxr_error *err)
{
    int exchanged = renameat2(AT_FDCWD, sd->tmp, AT_FDCWD, sd->path, RENAME_EXCHANGE) == 0;

    if (!exchanged && errno == ENOENT && rename(sd->tmp, sd->path) == 0) {
        free(sd->tmp); /* nothing was there before */
        sd->tmp = NULL;
    } else if (!exchanged) {
        int e = errno;
        cxr_fail(err, CXR_ERR_IO, "cannot move '%s' into place: %s", sd->path, strerror(e));
        cxr_stagedir_abort(sd);
        return CXR_ERR_IO;
    }
    cxr_stagedir_abort(sd); /* sd->tmp now holds the old contents */
    return CXR_OK;
}

void cxr_stagedir_abort(cxr_stagedir *sd)
{
    if (!sd)
        return;
    if (sd->tmp)
        (void)remove_at(AT_FDCWD, sd->tmp);
    free(sd->tmp);
    free(sd->path);
    memset(sd, 0, sizeof(*sd));
}
