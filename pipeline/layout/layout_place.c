/* layout_place.c: one source image into its folders of the staging tree:
 * verified by decoding, then kept once in the store and linked from it
 * (layout_store.c) or copied, or written as a resized PNG at its path in
 * the folder; or marked bad with the reason. Also the records of the files
 * laid out and left out. */
#include "layout_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "image.h"
#include "safename.h"
#include "workdir.h"

static const char *source_name(layout_source src)
{
    return src == SRC_KERMANY ? "kermany" : "ieee8023";
}

char *cxr_layout_out_path(const layout_ctx *c, size_t folder, const char *filename)
{
    const char *dir = c->folders[folder].path, *dot = strrchr(filename, '.');
    int png = c->set.png;
    size_t base = png && dot && dot != filename ? (size_t)(dot - filename) : strlen(filename);
    size_t n = strlen(dir) + base + 8;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%.*s%s", dir, (int)base, filename, png ? ".png" : "");
    return p;
}

/* Records a file laid out; takes 'path'. */
static cxr_status add_record(layout_ctx *c, const layout_item *it, char *path, const char *sha,
                             uint64_t size, cxr_error *err)
{
    layout_record *r;
    char *entry = strdup(it->entry);
    pthread_mutex_lock(&c->lock);
    if (entry && c->nrecords == c->rcap) {
        size_t cap = c->rcap ? c->rcap * 2 : 256;
        layout_record *grown = realloc(c->records, cap * sizeof(*grown));
        if (grown) {
            c->records = grown;
            c->rcap = cap;
        }
    }
    if (!entry || c->nrecords == c->rcap) {
        pthread_mutex_unlock(&c->lock);
        free(entry);
        free(path);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    r = &c->records[c->nrecords++];
    memset(r, 0, sizeof(*r));
    r->path = path;
    snprintf(r->sha256, sizeof(r->sha256), "%s", sha ? sha : "");
    r->size = size;
    r->klass = c->folders[it->folder].klass;
    r->draw = c->folders[it->folder].draw;
    r->source = source_name(it->src);
    r->entry = entry;
    pthread_mutex_unlock(&c->lock);
    return CXR_OK;
}

cxr_status cxr_layout_unplace(layout_ctx *c, const char *rel, cxr_error *err)
{
    char *dst = cxr_path_join(c->staging, rel);
    if (!dst)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (unlink(dst) != 0 && errno != ENOENT) {
        cxr_fail(err, CXR_ERR_IO, "cannot remove '%s': %s", dst, strerror(errno));
        free(dst);
        return err->status;
    }
    free(dst);
    for (size_t i = 0; i < c->nrecords; i++)
        if (!strcmp(c->records[i].path, rel)) {
            free(c->records[i].path);
            free(c->records[i].entry);
            c->records[i] = c->records[--c->nrecords];
            break;
        }
    return CXR_OK;
}

cxr_status cxr_layout_left_out(layout_ctx *c, char *path, const char *source,
                               const char *entry, const char *draw, const char *reason,
                               int kind, cxr_error *err)
{
    layout_left *l;
    char *e = strdup(entry), *r = strdup(reason);
    if (e && r && c->nleft == c->lcap) {
        size_t cap = c->lcap ? c->lcap * 2 : 64;
        layout_left *grown = realloc(c->left, cap * sizeof(*grown));
        if (grown) {
            c->left = grown;
            c->lcap = cap;
        }
    }
    if (!path || !e || !r || c->nleft == c->lcap) {
        free(path);
        free(e);
        free(r);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    l = &c->left[c->nleft++];
    l->path = path;
    l->source = source;
    l->entry = e;
    l->draw = draw;
    l->reason = r;
    l->kind = kind;
    return CXR_OK;
}

cxr_status cxr_layout_mark_bad(layout_item *items, size_t n, const char *why, cxr_error *err)
{
    free(items[0].why);
    if (!(items[0].why = strdup(why)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        items[k].outcome = OUTCOME_BAD;
    return CXR_OK;
}

/* 1 when 'path' is a fetch cache object, "<workdir>/cache/objects/<aa>/<name>". */
static int cache_object(const layout_ctx *c, const char *path)
{
    const char *name = strrchr(path, '/');
    char *obj;
    int is;
    name = name ? name + 1 : path;
    if (!cxr_sha256_valid(name))
        return 0;
    obj = cxr_cache_object_path(c->conf, name);
    is = obj && !strcmp(obj, path);
    free(obj);
    return is;
}

/* The store object of the original bytes ('sha' their sha256), made when
 * missing: from a fetch cache object by a hard link (only when the bytes
 * hash to its name), else written. The user's local sources are never
 * linked: the store holds a copy, so an edit of the tree through any link
 * never reaches them. NULL *obj with layout.link: copy (no store). */
static cxr_status store_original(layout_ctx *c, const layout_item *it,
                                 const unsigned char *data, size_t len, const char *sha,
                                 char **obj, cxr_error *err)
{
    const char *cache_obj = NULL;
    *obj = NULL;
    if (c->set.png || c->set.link == CXR_LAYOUT_LINK_COPY)
        return CXR_OK;
    if (it->local && cache_object(c, it->local)) {
        const char *name = strrchr(it->local, '/') + 1;
        if (strcmp(name, sha) != 0)
            return cxr_fail(err, CXR_ERR_INPUT, "cache object '%s' does not hash to its "
                            "name (sha256 %s): the cache is damaged; run 'cxrprep fetch "
                            "--verify'", it->local, sha);
        cache_obj = it->local;
    }
    return cxr_layout_store_put(c, sha, data, len, cache_obj, obj, err);
}

/* "<verified_dir>/<sha256>.<max_dimension>.<version>.strict": a marker
 * that these bytes passed verification (strict: libjpeg's corrupt-data
 * warnings refused; markers without it are from the lenient decode and
 * are not trusted) under this dimension cap with this version. */
static void marker_path(const layout_ctx *c, const char *sha, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.%d.%s.strict", c->verified_dir, sha, c->set.max_dimension,
             CXR_VERSION);
}

/* Verifies (and decodes for PNG output); a bad image is a reason
 * in *why (malloc'd, "quarantined: ..."), not an error. Original bytes
 * verified before (a marker in the verified cache) are not decoded again. */
static cxr_status verify(layout_ctx *c, const unsigned char *data, size_t len,
                         const char *sha, cxr_image *img, char **why, cxr_error *err)
{
    cxr_error e2;
    cxr_image raw = {0};
    cxr_status st;
    char marker[4096];
    int png = c->set.png;
    *why = NULL;
    if (!c->verify)
        return CXR_OK;
    marker_path(c, sha, marker, sizeof(marker));
    if (!png && access(marker, F_OK) == 0) {
        pthread_mutex_lock(&c->lock);
        c->ncached++;
        pthread_mutex_unlock(&c->lock);
        return CXR_OK;
    }
    /* verification alone scans a JPEG's codes (libjpeg at 1/8 scale for
     * what the scan cannot vouch for); PNG output decodes fully, refusing
     * what verification refuses */
    if (!png)
        st = cxr_image_verify(data, len, c->set.max_dimension, &e2);
    else if ((st = cxr_image_decode_strict(data, len, c->set.max_dimension, 0, &raw, &e2)) ==
             CXR_OK)
        st = cxr_image_resize(&raw, c->set.image_size, c->set.image_size, img, &e2);
    cxr_image_release(&raw);
    if (st == CXR_ERR_INPUT || st == CXR_ERR_UNSUPPORTED) {
        size_t n = strlen(e2.msg) + 16;
        if (!(*why = malloc(n)))
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        snprintf(*why, n, "quarantined: %s", e2.msg);
        return CXR_OK;
    }
    if (st != CXR_OK) {
        *err = e2;
        return st;
    }
    if (!png) { /* a cache: failing to leave the marker only costs time */
        int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
    }
    return CXR_OK;
}

/* Writes the verified image into the item's folder (from store object
 * 'obj', or the bytes when NULL) and records it. */
static cxr_status place_one(layout_ctx *c, layout_item *it, const cxr_image *img,
                            const unsigned char *data, size_t len, const char *sha,
                            const char *obj, cxr_error *err)
{
    char *rel = cxr_layout_out_path(c, it->folder, it->filename);
    char *dst = rel ? cxr_path_join(c->staging, rel) : NULL;
    char out_sha[CXR_SHA256_HEX];
    uint64_t size = len;
    cxr_status st;
    if (!dst) {
        free(rel);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    snprintf(out_sha, sizeof(out_sha), "%s", sha);
    if (c->set.png) {
        st = cxr_image_write_png(img, dst, err);
        if (st == CXR_OK)
            st = cxr_sha256_file(dst, out_sha, &size, err);
    } else {
        st = cxr_layout_store_link(c, obj, dst, data, len, err);
    }
    free(dst);
    if (st != CXR_OK) {
        free(rel);
        return st;
    }
    if ((st = add_record(c, it, rel, out_sha, size, err)) == CXR_OK)
        it->outcome = OUTCOME_PLACED;
    return st;
}

/* 1 when store object 'obj' is whole as far as a stat can tell: a regular,
 * read-only file of 'len' bytes that no one wrote since the store did
 * (mtime; objects linked from the fetch cache keep its mtime and are
 * always compared). */
static int object_intact(const char *obj, uint64_t len)
{
    struct stat sb;
    return lstat(obj, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0777) == 0444 &&
           (uint64_t)sb.st_size == len && sb.st_mtim.tv_sec == CXR_LAYOUT_STORE_MTIME &&
           sb.st_mtim.tv_nsec == 0;
}

cxr_status cxr_layout_place_known(layout_ctx *c, layout_item *items, size_t n,
                                  const char *sha, uint64_t len, int *done, cxr_error *err)
{
    char marker[4096], *obj;
    cxr_status st = CXR_OK;
    *done = 0;
    if (c->set.png || c->set.link == CXR_LAYOUT_LINK_COPY ||
        cxr_safename_problem(items[0].filename))
        return CXR_OK;
    if (c->verify) {
        marker_path(c, sha, marker, sizeof(marker));
        if (access(marker, F_OK) != 0)
            return CXR_OK;
    }
    if (!(obj = cxr_layout_store_object(c, sha)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (object_intact(obj, len)) {
        *done = 1;
        for (size_t k = 0; st == CXR_OK && k < n; k++)
            st = place_one(c, &items[k], NULL, NULL, (size_t)len, sha, obj, err);
        pthread_mutex_lock(&c->lock);
        c->ncached += c->verify != 0;
        c->nunread++;
        pthread_mutex_unlock(&c->lock);
        cxr_layout_progress(c, n);
    }
    free(obj);
    return st;
}

cxr_status cxr_layout_place(layout_ctx *c, layout_item *items, size_t n,
                            const unsigned char *data, size_t len, cxr_error *err)
{
    cxr_image img = {0};
    char sha[CXR_SHA256_HEX], *why = NULL, *obj = NULL;
    const char *bad = cxr_safename_problem(items[0].filename);
    cxr_status st = CXR_OK;
    if (bad) {
        char text[512];
        snprintf(text, sizeof(text), "quarantined: %s", bad);
        return cxr_layout_mark_bad(items, n, text, err);
    }
    cxr_sha256_buf(data, len, sha);
    if (!cxr_sha256_valid(sha)) /* the digest could not be set up */
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if ((st = cxr_layout_index_put(c, items[0].key, sha, len, err)) != CXR_OK)
        return st;
    if ((st = verify(c, data, len, sha, &img, &why, err)) != CXR_OK)
        return st;
    if (why) {
        st = cxr_layout_mark_bad(items, n, why, err);
        free(why);
        cxr_layout_progress(c, n);
        return st;
    }
    st = store_original(c, &items[0], data, len, sha, &obj, err);
    for (size_t k = 0; st == CXR_OK && k < n; k++)
        st = place_one(c, &items[k], &img, data, len, sha, obj, err);
    cxr_image_release(&img);
    free(obj);
    cxr_layout_progress(c, n);
    return st;
}
