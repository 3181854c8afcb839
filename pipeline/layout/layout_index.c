/* layout_index.c: what earlier runs learnt about the sources' bytes, so that
 * a rebuild neither reads nor hashes them again: <store>/index.tsv maps a
 * source's identity (a file's device, inode, size and mtime; an archive
 * member's archive identity and entry name) to the sha256 and size of its
 * bytes, whose object the store holds. Lines "sha256\tsize\tkey". */
#include "layout_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "strmap.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

char *cxr_layout_file_key(const char *path)
{
    struct stat sb;
    char buf[160];
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return NULL;
    snprintf(buf, sizeof(buf), "f:%llu:%llu:%lld:%lld.%09ld", (unsigned long long)sb.st_dev,
             (unsigned long long)sb.st_ino, (long long)sb.st_size,
             (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
    return strdup(buf);
}

char *cxr_layout_member_key(const char *archive_key, const char *entry)
{
    size_t n = strlen(archive_key) + strlen(entry) + 4;
    char *k;
    if (strchr(entry, '\n') || !(k = malloc(n)))
        return NULL;
    snprintf(k, n, "k:%s:%s", archive_key, entry);
    return k;
}

/* Adds or replaces a row; the caller holds c->lock (or is alone). */
static cxr_status index_set(layout_index *ix, const char *key, const char *sha, uint64_t size)
{
    size_t at;
    if (cxr_strmap_get(ix->map, key, &at)) {
        snprintf(ix->rows[at].sha, sizeof(ix->rows[at].sha), "%s", sha);
        ix->rows[at].size = size;
        return CXR_OK;
    }
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 256;
        layout_digest *grown = realloc(ix->rows, cap * sizeof(*grown));
        if (!grown)
            return CXR_ERR_NOMEM;
        ix->rows = grown;
        ix->cap = cap;
    }
    if (!(ix->rows[ix->n].key = strdup(key)))
        return CXR_ERR_NOMEM;
    if (cxr_strmap_add(ix->map, key, ix->n) < 0) {
        free(ix->rows[ix->n].key);
        return CXR_ERR_NOMEM;
    }
    snprintf(ix->rows[ix->n].sha, sizeof(ix->rows[ix->n].sha), "%s", sha);
    ix->rows[ix->n++].size = size;
    return CXR_OK;
}

cxr_status cxr_layout_index_load(layout_ctx *c, cxr_error *err)
{
    layout_index *ix = &c->index;
    char line[8192];
    FILE *fp;
    if (!(ix->map = cxr_strmap_new()) || !(ix->path = cxr_path_join(c->store_dir, "index.tsv")))
        return nomem(err);
    if (!(fp = fopen(ix->path, "r")))
        return CXR_OK; /* none yet: everything is read and hashed */
    while (fgets(line, sizeof(line), fp)) {
        char *sha = line, *size = strchr(line, '\t'), *key, *end;
        if (!size || !(key = strchr(size + 1, '\t')) || !(end = strchr(key, '\n')))
            continue; /* a damaged line only costs a read */
        *size++ = '\0';
        *key++ = '\0';
        *end = '\0';
        if (!cxr_sha256_valid(sha))
            continue;
        if (index_set(ix, key, sha, strtoull(size, NULL, 10)) != CXR_OK) {
            fclose(fp);
            return nomem(err);
        }
    }
    fclose(fp);
    return CXR_OK;
}

int cxr_layout_index_get(layout_ctx *c, const char *key, char sha[CXR_SHA256_HEX],
                         uint64_t *size)
{
    size_t at;
    int hit;
    if (!key || !c->index.map)
        return 0;
    pthread_mutex_lock(&c->lock);
    hit = cxr_strmap_get(c->index.map, key, &at);
    if (hit) {
        memcpy(sha, c->index.rows[at].sha, CXR_SHA256_HEX);
        *size = c->index.rows[at].size;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

cxr_status cxr_layout_index_put(layout_ctx *c, const char *key, const char *sha,
                                uint64_t size, cxr_error *err)
{
    cxr_status st;
    if (!key || !c->index.map)
        return CXR_OK;
    pthread_mutex_lock(&c->lock);
    st = index_set(&c->index, key, sha, size);
    c->index.dirty = 1;
    pthread_mutex_unlock(&c->lock);
    return st == CXR_OK ? CXR_OK : nomem(err);
}

cxr_status cxr_layout_index_save(layout_ctx *c, cxr_error *err)
{
    layout_index *ix = &c->index;
    cxr_atomic_file af;
    cxr_status st;
    if (!ix->dirty || !ix->path)
        return CXR_OK;
    if ((st = cxr_atomic_open(&af, ix->path, err)) != CXR_OK)
        return st;
    for (size_t i = 0; i < ix->n; i++)
        if (fprintf(af.fp, "%s\t%llu\t%s\n", ix->rows[i].sha,
                    (unsigned long long)ix->rows[i].size, ix->rows[i].key) < 0) {
            cxr_atomic_abort(&af);
            return cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", ix->path);
        }
    return cxr_atomic_commit(&af, err);
}

cxr_status cxr_layout_index_keep(layout_ctx *c, const cxr_strmap *keep, size_t *dropped,
                                 cxr_error *err)
{
    layout_index *ix = &c->index;
    size_t kept = 0;
    cxr_strmap *map = cxr_strmap_new();
    *dropped = 0;
    if (!map)
        return nomem(err);
    /* the new map first (it copies the keys): out of memory changes nothing */
    for (size_t i = 0; i < ix->n; i++)
        if (cxr_strmap_get(keep, ix->rows[i].sha, NULL) &&
            cxr_strmap_add(map, ix->rows[i].key, kept++) < 0) {
            cxr_strmap_free(map);
            return nomem(err);
        }
    kept = 0;
    for (size_t i = 0; i < ix->n; i++) {
        if (cxr_strmap_get(keep, ix->rows[i].sha, NULL))
            ix->rows[kept++] = ix->rows[i];
        else
            free(ix->rows[i].key);
    }
    *dropped = ix->n - kept;
    ix->n = kept;
    cxr_strmap_free(ix->map);
    ix->map = map;
    ix->dirty = 1;
    return CXR_OK;
}

void cxr_layout_index_release(layout_index *ix)
{
    for (size_t i = 0; i < ix->n; i++)
        free(ix->rows[i].key);
    free(ix->rows);
    cxr_strmap_free(ix->map);
    free(ix->path);
    memset(ix, 0, sizeof(*ix));
}
