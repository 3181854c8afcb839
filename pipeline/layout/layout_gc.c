/* layout_gc.c: the store's housekeeping (cxrprep-layout --gc), as `dvc gc`
 * is DVC's: every object of <workdir>/cache/store that the trees just laid
 * out do not hold (by the sha256 column of manifests/layout/layout.csv,
 * which must still be the run's: its digest is checked) is removed, with
 * the temporary files of runs that were killed mid-write and the index
 * rows of the removed objects. It holds the store's lock exclusively, so no
 * run is placing objects meanwhile; a run that starts waits for it. */
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
#include "hash.h"
#include "manifest.h"
#include "workdir.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* The sha256 of every file of the trees (layout.csv's rows) in *keep
 * (the caller frees it, also on failure). layout.csv must be the file
 * whose sha256 is 'tree_digest' (the run's), or another run has laid out
 * other trees since: then nothing is removed. */
static cxr_status kept_objects(const cxr_config *conf, const char *tree_digest,
                               cxr_strmap **keep, cxr_error *err)
{
    static const char *const columns[] = {"sha256", NULL};
    char *path = cxr_stage_path(conf, CXR_STAGE_LAYOUT, "layout.csv");
    char digest[CXR_SHA256_HEX];
    cxr_manifest *m = NULL;
    cxr_status st = CXR_OK;
    if (!path || !(*keep = cxr_strmap_new())) {
        free(path);
        return nomem(err);
    }
    if (!cxr_is_file(path))
        st = cxr_fail(err, CXR_ERR_MISSING, "'%s' not found: the gc keeps what the trees "
                      "hold, and there are none (run cxrprep-layout first)", path);
    if (st == CXR_OK && (st = cxr_sha256_file(path, digest, NULL, err)) == CXR_OK &&
        strcmp(digest, tree_digest) != 0)
        st = cxr_fail(err, CXR_ERR_IO, "'%s' changed after this run laid out its trees "
                      "(another cxrprep-layout ran): nothing removed; run the gc again",
                      path);
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

/* 1 when 'name' has the form of n lowercase hex digits then 'rest'. */
static int hex_then(const char *name, size_t n, const char *rest)
{
    for (size_t i = 0; i < n; i++)
        if (!name[i] || !strchr("0123456789abcdef", name[i]))
            return 0;
    return strncmp(name + n, rest, strlen(rest)) == 0;
}

/* A store object's temporary name: "<sha256>.tmp.<pid>.<hex>" (layout_store.c). */
static int is_object_temporary(const char *name)
{
    const char *p = name + 64 + 5;
    if (!hex_then(name, 64, ".tmp.") || !*p)
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    return *p == '.' && p[1] && strspn(p + 1, "0123456789abcdef") == strlen(p + 1);
}

/* Removes the regular file 'path' (anything else is left alone), adding
 * its size to *freed when it was its last name. */
static cxr_status remove_file(const char *path, int *removed, uint64_t *freed, cxr_error *err)
{
    struct stat sb;
    *removed = 0;
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return CXR_OK;
    if (unlink(path) != 0)
        return errno == ENOENT ? CXR_OK
                               : cxr_fail(err, CXR_ERR_IO, "cannot remove '%s': %s", path,
                                          strerror(errno));
    *removed = 1;
    if (sb.st_nlink == 1)
        *freed += (uint64_t)sb.st_size;
    return CXR_OK;
}

/* What a sweep needs of the gc: the objects kept, the tallies. */
typedef struct sweep {
    const cxr_strmap *keep;
    cxr_layout_gc_result *res;
} sweep;

/* Calls fn for every entry of 'dir' (but . and ..) with its path, until
 * one fails. */
static cxr_status each_entry(const char *dir, sweep *sw,
                             cxr_status (*fn)(sweep *sw, const char *path, const char *name,
                                              cxr_error *err),
                             cxr_error *err)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    cxr_status st = CXR_OK;
    if (!dp)
        return cxr_fail(err, CXR_ERR_IO, "cannot read '%s': %s", dir, strerror(errno));
    while (st == CXR_OK && (e = readdir(dp))) {
        char *path;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!(path = cxr_path_join(dir, e->d_name)))
            st = nomem(err);
        else
            st = fn(sw, path, e->d_name, err);
        free(path);
    }
    closedir(dp);
    return st;
}

/* An entry of "<store>/<aa>": an object not kept, or a temporary file,
 * removed; anything else left alone. */
static cxr_status sweep_object(sweep *sw, const char *path, const char *name, cxr_error *err)
{
    const char *pair = strrchr(path, '/') - 2; /* the directory's name */
    int mine = !strncmp(name, pair, 2), removed = 0;
    int object = mine && cxr_sha256_valid(name);
    int temporary = mine && !object && is_object_temporary(name);
    cxr_status st = CXR_OK;
    if ((!object && !temporary) || (object && cxr_strmap_get(sw->keep, name, NULL)))
        sw->res->nkept += object;
    else
        st = remove_file(path, &removed, &sw->res->bytes_freed, err);
    sw->res->nremoved += removed && object;
    sw->res->ntemporary += removed && temporary;
    return st;
}

/* An entry of the store: a "<aa>" directory, swept (and removed when
 * empty), or the temporary file of an index save that was killed
 * ("index.tsv.tmp.XXXXXX", fsutil.c's atomic files); index.tsv, lock and
 * files of others are left alone. */
static cxr_status sweep_store_entry(sweep *sw, const char *path, const char *name,
                                    cxr_error *err)
{
    int removed = 0;
    cxr_status st = CXR_OK;
    if (is_hex_pair(name)) {
        if ((st = each_entry(path, sw, sweep_object, err)) == CXR_OK)
            rmdir(path); /* only when empty: ENOTEMPTY is the usual answer */
    } else if (!strncmp(name, "index.tsv.tmp.", 14) && strlen(name) == 20 &&
               (st = remove_file(path, &removed, &sw->res->bytes_freed, err)) == CXR_OK) {
        sw->res->ntemporary += removed;
    }
    return st;
}

cxr_status cxr_layout_gc(const cxr_config *conf, const char *tree_digest,
                         cxr_layout_gc_result *res, cxr_error *err)
{
    layout_ctx c;
    cxr_strmap *keep = NULL;
    cxr_status st;
    memset(&c, 0, sizeof(c));
    memset(res, 0, sizeof(*res));
    c.store_lock = -1;
    c.conf = conf;
    pthread_mutex_init(&c.lock, NULL);
    if ((st = cxr_layout_settings_read(conf, &c.set, err)) == CXR_OK &&
        (st = cxr_layout_store_open(&c, 1, err)) == CXR_OK &&
        (st = kept_objects(conf, tree_digest, &keep, err)) == CXR_OK &&
        (st = each_entry(c.store_dir, &(sweep){keep, res}, sweep_store_entry, err)) == CXR_OK &&
        (st = cxr_layout_index_load(&c, err)) == CXR_OK &&
        (st = cxr_layout_index_keep(&c, keep, &res->nindex_dropped, err)) == CXR_OK)
        st = cxr_layout_index_save(&c, err);
    cxr_strmap_free(keep);
    cxr_layout_ctx_release(&c);
    pthread_mutex_destroy(&c.lock);
    return st;
}
