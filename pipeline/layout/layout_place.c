/* layout_place.c: one source image into its folders of the staging tree:
 * verified by decoding, then hard-linked (cache objects only), written, or
 * written as a resized PNG; or quarantined with the reason. */
#include "layout_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "image.h"
#include "safename.h"
#include "workdir.h"

static const char *source_name(layout_source src)
{
    return src == SRC_KERMANY ? "kermany" : "ieee8023";
}

static void add_record(layout_ctx *c, const layout_item *it, char *path, const char *sha,
                       uint64_t size, char *reason, int linked)
{
    layout_record *r;
    pthread_mutex_lock(&c->lock);
    if (c->nrecords == c->rcap) {
        c->rcap = c->rcap ? c->rcap * 2 : 256;
        if (!(c->records = realloc(c->records, c->rcap * sizeof(*c->records))))
            abort();
    }
    r = &c->records[c->nrecords++];
    memset(r, 0, sizeof(*r));
    r->path = path;
    snprintf(r->sha256, sizeof(r->sha256), "%s", sha ? sha : "");
    r->size = size;
    r->klass = c->folders[it->folder].klass;
    r->draw = c->folders[it->folder].draw;
    r->source = source_name(it->src);
    r->entry = cxr_strdup(it->entry);
    r->reason = reason;
    c->nlinked += linked != 0;
    pthread_mutex_unlock(&c->lock);
}

void cxr_layout_quarantine(layout_ctx *c, size_t first, size_t n, const char *reason)
{
    for (size_t k = first; k < first + n; k++)
        add_record(c, &c->items[k], cxr_layout_out_path(c, &c->items[k]), NULL, 0, cxr_strdup(reason), 0);
}

static cxr_status write_bytes(const char *path, const unsigned char *data, size_t len,
                              cxr_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    size_t done = 0;
    if (fd < 0)
        return cxr_fail(err, CXR_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return cxr_fail(err, CXR_ERR_IO, "cannot write '%s': %s", path, strerror(e));
        }
        done += (size_t)w;
    }
    if (close(fd) != 0)
        return cxr_fail(err, CXR_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
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

/* Places the original bytes ('sha' their sha256): a hard link when allowed
 * and possible, else a new file. Only read-only, content-addressed cache
 * objects are linked, and only when the bytes hash to the object's name;
 * the user's local sources are always copied, so an in-place edit of the
 * tree never reaches them. */
static cxr_status place_original(layout_ctx *c, const layout_item *it, const char *dst,
                                 const unsigned char *data, size_t len, const char *sha,
                                 int *linked, cxr_error *err)
{
    *linked = 0;
    if (it->local && c->link != LINK_COPY && cache_object(c, it->local)) {
        const char *name = strrchr(it->local, '/') + 1;
        if (strcmp(name, sha) != 0)
            return cxr_fail(err, CXR_ERR_INPUT, "cache object '%s' does not hash to its "
                            "name (sha256 %s): the cache is damaged; run 'cxrprep fetch "
                            "--verify'", it->local, sha);
        if (link(it->local, dst) == 0) {
            *linked = 1;
            return CXR_OK;
        }
        if (c->link == LINK_HARD)
            return cxr_fail(err, CXR_ERR_IO, "cannot hard-link '%s' to '%s': %s "
                            "(layout.link: auto or copy copies instead)", it->local, dst,
                            strerror(errno));
    }
    return write_bytes(dst, data, len, err);
}

/* "<verified_dir>/<sha256>.<max_dimension>.<version>.strict": a marker
 * that these bytes passed verification (strict: libjpeg's corrupt-data
 * warnings refused; markers without it are from the lenient decode and
 * are not trusted) under this dimension cap with this version. */
static void marker_path(const layout_ctx *c, const char *sha, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.%d.%s.strict", c->verified_dir, sha, c->max_dimension,
             CXR_VERSION);
}

/* Verifies (and decodes for PNG output); a bad image is a reason
 * in *why (malloc'd), not an error. Original bytes verified before (a
 * marker in the verified cache) are not decoded again. */
static cxr_status verify(layout_ctx *c, const unsigned char *data, size_t len,
                         const char *sha, cxr_image *img, char **why, cxr_error *err)
{
    cxr_error e2;
    cxr_image raw = {0};
    cxr_status st;
    char marker[4096];
    *why = NULL;
    if (!c->verify)
        return CXR_OK;
    marker_path(c, sha, marker, sizeof(marker));
    if (!c->png && access(marker, F_OK) == 0) {
        pthread_mutex_lock(&c->lock);
        c->ncached++;
        pthread_mutex_unlock(&c->lock);
        return CXR_OK;
    }
    /* verification alone decodes JPEGs at 1/8 scale; PNG output decodes
     * fully, refusing what verification refuses */
    if (!c->png)
        st = cxr_image_verify(data, len, c->max_dimension, &e2);
    else if ((st = cxr_image_decode_strict(data, len, c->max_dimension, 0, &raw, &e2)) == CXR_OK)
        st = cxr_image_resize(&raw, c->image_size, c->image_size, img, &e2);
    cxr_image_release(&raw);
    if (st == CXR_ERR_INPUT || st == CXR_ERR_UNSUPPORTED) {
        *why = cxr_strdup(e2.msg);
        return CXR_OK;
    }
    if (st != CXR_OK) {
        *err = e2;
        return st;
    }
    if (!c->png) { /* a cache: failing to leave the marker only costs time */
        int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
    }
    return CXR_OK;
}

cxr_status cxr_layout_place(layout_ctx *c, size_t first, size_t n, const unsigned char *data,
                        size_t len, cxr_error *err)
{
    cxr_image img = {0};
    char sha[CXR_SHA256_HEX], *why = NULL;
    const char *bad = cxr_safename_problem(c->items[first].filename);
    cxr_status st = CXR_OK;
    if (bad) {
        cxr_layout_quarantine(c, first, n, bad);
        return CXR_OK;
    }
    cxr_sha256_buf(data, len, sha);
    if ((st = verify(c, data, len, sha, &img, &why, err)) != CXR_OK)
        return st;
    if (why) {
        cxr_layout_quarantine(c, first, n, why);
        free(why);
        return CXR_OK;
    }
    for (size_t k = first; st == CXR_OK && k < first + n; k++) {
        const layout_item *it = &c->items[k];
        char *rel = cxr_layout_out_path(c, it), *dst = cxr_path_join(c->staging, rel);
        uint64_t size = len;
        int linked = 0;
        if (!dst)
            abort();
        if (c->png) {
            st = cxr_image_write_png(&img, dst, err);
            if (st == CXR_OK)
                st = cxr_sha256_file(dst, sha, &size, err);
        } else {
            st = place_original(c, it, dst, data, len, sha, &linked, err);
        }
        free(dst);
        if (st == CXR_OK)
            add_record(c, it, rel, sha, size, NULL, linked);
        else
            free(rel);
    }
    cxr_image_release(&img);
    return st;
}
