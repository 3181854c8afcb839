/* filehash.c: file hashes remembered by path, size, mtime, ctime and inode,
 * kept as a jansson object {path: [size, mtime_ns, ctime_ns, ino, sha256]}.
 *
 * File times are coarse (a clock tick of a few ms): a file written again in
 * the same tick as it was hashed keeps its times. As git does with "racily
 * clean" entries, a file modified less than RACY_NS before it was hashed is
 * not remembered, so it is hashed again next time. */
#include "filehash.h"
#include "jsontext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define RACY_NS 2000000000LL

#include <jansson.h>

struct cxr_filehash {
    json_t *before;  /* from the lock file */
    json_t *now;     /* looked up in this run */
    unsigned long hashed;
};

cxr_filehash *cxr_filehash_new(const char *saved)
{
    cxr_filehash *fh = calloc(1, sizeof(*fh));
    if (!fh)
        return NULL;
    fh->before = saved ? json_loads(saved, 0, NULL) : NULL;
    if (!json_is_object(fh->before)) {
        json_decref(fh->before);
        fh->before = json_object();
    }
    fh->now = json_object();
    if (!fh->before || !fh->now) {
        cxr_filehash_free(fh);
        return NULL;
    }
    return fh;
}

void cxr_filehash_free(cxr_filehash *fh)
{
    if (!fh)
        return;
    json_decref(fh->before);
    json_decref(fh->now);
    free(fh);
}

static json_t *stat_key(const struct stat *st)
{
    return json_pack("[I,I,I,I]", (json_int_t)st->st_size,
                     (json_int_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                     (json_int_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
                     (json_int_t)st->st_ino);
}

/* The remembered hash of 'path' if its stat still matches, else NULL. */
static const char *remembered(const cxr_filehash *fh, const char *path, const json_t *key)
{
    json_t *entry = json_object_get(fh->now, path);
    if (!entry)
        entry = json_object_get(fh->before, path);
    if (!json_is_array(entry) || json_array_size(entry) != 5)
        return NULL;
    for (size_t i = 0; i < 4; i++)
        if (!json_equal(json_array_get(entry, i), json_array_get(key, i)))
            return NULL;
    return json_string_value(json_array_get(entry, 4));
}

static int is_racy(const struct stat *st)
{
    struct timespec now;
    long long mtime = (long long)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000000000 + now.tv_nsec - mtime < RACY_NS;
}

cxr_status cxr_filehash_get(cxr_filehash *fh, const char *path, char hex[CXR_SHA256_HEX],
                            uint64_t *size, cxr_error *err)
{
    struct stat st;
    json_t *key;
    const char *known;

    if (lstat(path, &st) != 0)
        return cxr_fail(err, errno == ENOENT ? CXR_ERR_MISSING : CXR_ERR_IO,
                        "cannot stat '%s': %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cxr_fail(err, CXR_ERR_INPUT, "'%s' is not a regular file", path);
    key = stat_key(&st);
    if (!key)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    known = remembered(fh, path, key);
    if (known && cxr_sha256_valid(known))
        memcpy(hex, known, CXR_SHA256_HEX);
    else if (cxr_sha256_file(path, hex, NULL, err) != CXR_OK) {
        json_decref(key);
        return err->status;
    } else
        fh->hashed++;
    if (is_racy(&st))
        json_array_set_new(key, 1, json_integer(-1)); /* never matches: hash again */
    json_array_append_new(key, json_string(hex));
    json_object_set_new(fh->now, path, key);
    if (size)
        *size = (uint64_t)st.st_size;
    return CXR_OK;
}

char *cxr_filehash_save(const cxr_filehash *fh)
{
    return cxr_json_text(fh->now, JSON_COMPACT | JSON_SORT_KEYS);
}

unsigned long cxr_filehash_hashed(const cxr_filehash *fh)
{
    return fh->hashed;
}
