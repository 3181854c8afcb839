/* layout_gc.c: the store's housekeeping (cxrprep-layout --gc), as `dvc gc`
 * is DVC's: every object of <workdir>/cache/store that the current trees
 * do not hold (by the sha256 column of manifests/layout/layout.csv) is
 * removed, with the temporary files of runs that were killed mid-write and
 * the index rows of the removed objects. It holds the store's lock
 * exclusively, so no run is placing objects meanwhile; a run that starts
 * waits for it. */
#include "contract.h"
#include "layout_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "manifest.h"
#include "workdir.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* The sha256 of every file of the current trees (layout.csv's rows). */
static cxr_status kept_objects(const cxr_config *conf, cxr_strmap **keep, cxr_error *err)
{
    static const char *const columns[] = {"sha256", NULL};
    char *path = cxr_stage_path(conf, CXR_STAGE_LAYOUT, "layout.csv");
    cxr_manifest *m = NULL;
    cxr_status st = CXR_OK;
    if (!path || !(*keep = cxr_strmap_new())) {
        free(path);
        return nomem(err);
    }
    if (!cxr_is_file(path))
        st = cxr_fail(err, CXR_ERR_MISSING, "'%s' not found: the gc keeps what the trees "
                      "hold, and there are none (run cxrprep-layout first)", path);
    if (st == CXR_OK)
        st = cxr_manifest_load(path, columns, &m, err);
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++)
        if (cxr_strmap_add(*keep, cxr_manifest_get(m, r, cxr_manifest_column(m, "sha256")),
                           r) < 0)
            st = nomem(err);
    cxr_manifest_free(m);
    free(path);
    return st;
}

/* "<aa>": the name of a store directory (two lowercase hex digits). */
static int is_hex_pair(const char *name)
{
    static const char hex[] = "0123456789abcdef";
    return strlen(name) == 2 && strchr(hex, name[0]) && strchr(hex, name[1]);
}

/* Removes 'path', counting its bytes. */
static cxr_status remove_file(const char *path, uint64_t *bytes, cxr_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) == 0)
        *bytes += (uint64_t)sb.st_size;
    if (unlink(path) != 0 && errno != ENOENT)
        return cxr_fail(err, CXR_ERR_IO, "cannot remove '%s': %s", path, strerror(errno));
    return CXR_OK;
}

/* One "<store>/<aa>" directory: objects not kept, and temporary files,
 * removed; anything else left alone. The directory goes when empty. */
static cxr_status sweep_dir(const char *dir, const char *pair, const cxr_strmap *keep,
                            cxr_layout_gc_result *res, cxr_error *err)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    cxr_status st = CXR_OK;
    if (!dp)
        return cxr_fail(err, CXR_ERR_IO, "cannot read '%s': %s", dir, strerror(errno));
    while (st == CXR_OK && (e = readdir(dp))) {
        int object = cxr_sha256_valid(e->d_name) && !strncmp(e->d_name, pair, 2);
        int temporary = !object && !strncmp(e->d_name, pair, 2) && strstr(e->d_name, ".tmp.");
        char *path;
        if ((!object && !temporary) || (object && cxr_strmap_get(keep, e->d_name, NULL))) {
            res->nkept += object;
            continue;
        }
        if (!(path = cxr_path_join(dir, e->d_name)))
            st = nomem(err);
        else
            st = remove_file(path, &res->bytes_removed, err);
        res->nremoved += st == CXR_OK && object;
        res->ntemporary += st == CXR_OK && temporary;
        free(path);
    }
    closedir(dp);
    if (st == CXR_OK)
        rmdir(dir); /* only when empty: ENOTEMPTY is the usual answer */
    return st;
}

static cxr_status sweep_store(const char *store, const cxr_strmap *keep,
                              cxr_layout_gc_result *res, cxr_error *err)
{
    DIR *dp = opendir(store);
    struct dirent *e;
    cxr_status st = CXR_OK;
    if (!dp)
        return cxr_fail(err, CXR_ERR_IO, "cannot read '%s': %s", store, strerror(errno));
    while (st == CXR_OK && (e = readdir(dp))) {
        char *dir;
        if (!is_hex_pair(e->d_name))
            continue; /* index.tsv, lock, . and .. */
        if (!(dir = cxr_path_join(store, e->d_name)))
            st = nomem(err);
        else
            st = sweep_dir(dir, e->d_name, keep, res, err);
        free(dir);
    }
    closedir(dp);
    return st;
}

cxr_status cxr_layout_gc(const cxr_config *conf, cxr_layout_gc_result *res, cxr_error *err)
{
    layout_ctx c;
    cxr_strmap *keep = NULL;
    cxr_status st;
    memset(&c, 0, sizeof(c));
    memset(res, 0, sizeof(*res));
    c.store_lock = -1;
    c.conf = conf;
    if ((st = cxr_layout_settings_read(conf, &c.set, err)) == CXR_OK &&
        (st = cxr_layout_store_open(&c, 1, err)) == CXR_OK &&
        (st = kept_objects(conf, &keep, err)) == CXR_OK &&
        (st = sweep_store(c.store_dir, keep, res, err)) == CXR_OK &&
        (st = cxr_layout_index_load(&c, err)) == CXR_OK &&
        (st = cxr_layout_index_keep(&c, keep, &res->nindex_dropped, err)) == CXR_OK)
        st = cxr_layout_index_save(&c, err);
    cxr_strmap_free(keep);
    cxr_layout_ctx_release(&c);
    return st;
}
