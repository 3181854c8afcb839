/* fetch_resolve.c: decides, without the network, what the fetch stage must
 * do for each planned file: pin it from the lock file, find it in the cache,
 * verify a local file in place, or leave it to download. */
#include "fetch_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "workdir.h"

static int selected(const cxr_fetch_resolver *r, const cxr_fetch_item *it)
{
    return (r->only & it->group) != 0;
}

void cxr_fetch_check_pins(cxr_fetch_item *it)
{
    const char *where = it->pin_origin == CXR_PIN_LOCK
                            ? " in the lock file (--update-pins accepts the new bytes)"
                            : " in the config";
    if (it->pin_size >= 0 && it->size != it->pin_size)
        cxr_fetch_item_set_reason(it, CXR_ITEM_FAILED, CXR_ERR_INTEGRITY,
                                  "size %" PRId64 " bytes, pinned %" PRId64 "%s", it->size,
                                  it->pin_size, where);
    else if (it->pin_sha256[0] && strcmp(it->sha256, it->pin_sha256) != 0)
        cxr_fetch_item_set_reason(it, CXR_ITEM_FAILED, CXR_ERR_INTEGRITY,
                                  "sha256 %s, pinned %s%s", it->sha256, it->pin_sha256,
                                  where);
}

/* A file that cannot be read fails its item; out of memory stops the run
 * (CXR_ERR_NOMEM in 'err'). */
static cxr_status resolve_local(const cxr_fetch_resolver *r, cxr_fetch_item *it,
                                cxr_error *err)
{
    uint64_t size = 0;
    if (!selected(r, it)) {
        cxr_fetch_item_set_reason(it, CXR_ITEM_SKIPPED, CXR_OK, "not in --only");
        return CXR_OK;
    }
    if (cxr_source_local_path(r->conf, it->url, NULL, &it->path, err) != CXR_OK) {
        if (err->status == CXR_ERR_NOMEM)
            return err->status;
        cxr_fetch_item_set_reason(it, CXR_ITEM_FAILED, err->status, "%s", err->msg);
        return CXR_OK;
    }
    if (!cxr_is_file(it->path)) {
        cxr_fetch_item_set_reason(it, CXR_ITEM_MISSING, CXR_ERR_MISSING,
                                  "no such file '%s'", it->path);
        return CXR_OK;
    }
    if (cxr_sha256_file(it->path, it->sha256, &size, err) != CXR_OK) {
        if (err->status == CXR_ERR_NOMEM)
            return err->status;
        cxr_fetch_item_set_reason(it, CXR_ITEM_FAILED, err->status, "%s", err->msg);
        return CXR_OK;
    }
    it->size = (int64_t)size;
    it->state = CXR_ITEM_LOCAL;
    cxr_fetch_check_pins(it);
    return CXR_OK;
}

/* Cached under its pin, or (unpinned) under the URL index: 1, 0 when not,
 * -1 when out of memory. */
static int find_cached(const cxr_fetch_resolver *r, cxr_fetch_item *it)
{
    char sha[CXR_SHA256_HEX];
    int verify = r->opts->verify, found;

    if (it->pin_origin != CXR_PIN_NONE) {
        found = cxr_fetch_cache_has(r->conf, it->pin_sha256, it->pin_size,
                                    verify || it->pin_size < 0, &it->path);
        if (found == 1)
            memcpy(it->sha256, it->pin_sha256, CXR_SHA256_HEX);
        return found;
    }
    if (r->opts->update_pins)
        return 0;
    if ((found = cxr_fetch_cache_url_get(r->conf, it->url, sha)) != 1)
        return found;
    /* No pin to check the size against (the lock file lost it, or the run
     * that fetched it died before recording it): rehash. */
    if ((found = cxr_fetch_cache_has(r->conf, sha, -1, 1, &it->path)) == 1)
        memcpy(it->sha256, sha, CXR_SHA256_HEX);
    return found;
}

static cxr_status resolve_remote(const cxr_fetch_resolver *r, cxr_fetch_item *it, cxr_error *err)
{
    struct stat sb;
    int found = find_cached(r, it);
    if (found < 0)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (found) {
        it->state = CXR_ITEM_CACHED;
        it->size = stat(it->path, &sb) == 0 ? (int64_t)sb.st_size : -1;
        if (it->pin_origin == CXR_PIN_NONE)
            return cxr_fetch_lock_set(r->lock, it->url, it->sha256, it->size, err);
        return CXR_OK;
    }
    if (!selected(r, it))
        cxr_fetch_item_set_reason(it, CXR_ITEM_SKIPPED, CXR_OK,
                                  "not in --only and not cached");
    else if (r->opts->offline)
        cxr_fetch_item_set_reason(it, CXR_ITEM_MISSING, CXR_ERR_MISSING,
                                  "not in the cache (--offline)");
    return CXR_OK;
}

static void apply_lock_pin(const cxr_fetch_resolver *r, cxr_fetch_item *it)
{
    const char *sha;
    int64_t size;
    if (it->kind != CXR_URL_HTTP || it->pin_origin != CXR_PIN_NONE || r->opts->update_pins)
        return;
    if (cxr_fetch_lock_find(r->lock, it->url, &sha, &size)) {
        memcpy(it->pin_sha256, sha, CXR_SHA256_HEX);
        it->pin_size = size;
        it->pin_origin = CXR_PIN_LOCK;
    }
}

cxr_status cxr_fetch_resolve(const cxr_fetch_resolver *r, cxr_fetch_item *it,
                             cxr_error *err)
{
    if (it->state != CXR_ITEM_TODO)
        return CXR_OK; /* refused while planning */
    apply_lock_pin(r, it);
    if (it->kind == CXR_URL_HTTP)
        return resolve_remote(r, it, err);
    return resolve_local(r, it, err);
}
