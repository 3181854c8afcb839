/* serve_archive.c: the images of archive score sets (the Kermany test
 * folders, scored in place by the score stage), extracted once into the
 * server's cache so that they can be shown and thumbnailed like tree
 * files. A cached file's name is a hash of the archive's identity (URL,
 * size, modification time), the root setting and the entry, so a changed
 * archive is extracted again. */
#include "serve_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive_reader.h"
#include "fsutil.h"
#include "strmap.h"
#include "workdir.h"

typedef struct extraction {
    const char *const *disks;  /* by want index */
    cxr_strmap *entries;       /* entry path -> want index */
} extraction;

static cxr_status on_entry(void *ctx, const char *path, const unsigned char *data, size_t len,
                           cxr_error *err)
{
    extraction *x = ctx;
    cxr_atomic_file af = {0};
    size_t i;
    cxr_status st;

    if (!cxr_strmap_get(x->entries, path, &i))
        return CXR_OK;
    st = cxr_atomic_open(&af, x->disks[i], err);
    if (st != CXR_OK)
        return st;
    if (fwrite(data, 1, len, af.fp) != len) {
        cxr_atomic_abort(&af);
        return cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", x->disks[i]);
    }
    return cxr_atomic_commit(&af, err);
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Extracts the wants whose file is missing, in one pass over the archive. */
static cxr_status extract_missing(const char *archive, const cxr_serve_settings *s,
                                  serve_archive_want *wants, const char **disks, size_t n,
                                  serve_arena **arena, cxr_error *err)
{
    cxr_archive_limits lim = {s->score.common.kermany_max_entries,
                              s->score.common.kermany_max_total_size};
    cxr_archive_listing *ls = NULL;
    const char *root = NULL, **names = NULL;
    extraction x = {disks, cxr_strmap_new()};
    char note[512];
    size_t nnames = 0;
    cxr_status st = x.entries ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    if (st == CXR_OK)
        st = cxr_archive_list(archive, &lim, &ls, err);
    if (st == CXR_OK)
        st = cxr_archive_choose_root(ls, s->score.archive_root, &root, note, sizeof(note), err);
    if (st == CXR_OK && !(names = calloc(n, sizeof(*names))))
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == CXR_OK && i < n; i++) {
        char entry[4096];
        int added;
        if (cxr_is_file(disks[i]))
            continue;
        snprintf(entry, sizeof(entry), "%s%s%s/%s", root, *root ? "/" : "", wants[i].archive_dir,
                 wants[i].image);
        added = cxr_strmap_add(x.entries, entry, i);
        if (added < 0 || (added && !(names[nnames++] = serve_arena_strdup(arena, entry))))
            st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    if (st == CXR_OK && nnames > 0) {
        qsort(names, nnames, sizeof(*names), by_string);
        st = cxr_archive_extract(archive, &lim, names, nnames, on_entry, &x, err);
    }
    free(names);
    cxr_strmap_free(x.entries);
    cxr_archive_listing_free(ls);
    return st;
}

cxr_status serve_archive_fetch(const cxr_config *conf, const cxr_serve_settings *s,
                               const char *cache_dir, serve_archive_want *wants, size_t n,
                               serve_arena **arena, cxr_error *err)
{
    const cxr_source_settings *src = &s->score.common.kermany;
    char *archive = NULL, key[8192], hex[CXR_SHA256_HEX];
    const char **disks = NULL;
    struct stat sb;
    size_t missing = 0;
    cxr_status st;

    if (!src->url)
        return cxr_fail(err, CXR_ERR_MISSING, "the config names no archive (sources.kermany)");
    st = cxr_source_local_path(conf, src->url, src->sha256, &archive, err);
    if (st == CXR_OK && stat(archive, &sb) != 0)
        st = cxr_fail(err, CXR_ERR_MISSING, "archive '%s' not found", archive);
    if (st == CXR_OK && !(disks = calloc(n ? n : 1, sizeof(*disks))))
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == CXR_OK && i < n; i++) {
        char name[512], stem[200];
        snprintf(key, sizeof(key), "%s\n%lld\n%lld.%09ld\n%s\n%s/%s", src->url,
                 (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
                 s->score.archive_root, wants[i].archive_dir, wants[i].image);
        cxr_sha256_buf(key, strlen(key), hex);
        serve_safe_stem(wants[i].image, stem, sizeof(stem));
        snprintf(name, sizeof(name), "%s/%.32s-%s", cache_dir, hex, stem);
        if (!(disks[i] = serve_arena_strdup(arena, name)))
            st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        else if (!cxr_is_file(disks[i]))
            missing++;
    }
    if (st == CXR_OK && missing > 0)
        st = extract_missing(archive, s, wants, disks, n, arena, err);
    for (size_t i = 0; st == CXR_OK && i < n; i++)
        wants[i].disk = cxr_is_file(disks[i]) ? disks[i] : NULL;
    free(disks);
    free(archive);
    return st;
}
