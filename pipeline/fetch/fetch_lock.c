/* fetch_lock.c: the lock file that pins sources the config leaves unpinned:
 * one "sha256 size url" line per URL, sorted, written on first download and
 * checked on every later run. */
#include "fetch_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

typedef struct pin {
    char *url;
    char sha256[CXR_SHA256_HEX];
    int64_t size;
} pin;

struct cxr_fetch_lock {
    char *path;
    pin *pins;
    size_t n, cap;
    int sorted;
    int dirty;
};

static int pin_cmp(const void *a, const void *b)
{
    return strcmp(((const pin *)a)->url, ((const pin *)b)->url);
}

static void sort_pins(cxr_fetch_lock *lock)
{
    if (!lock->sorted)
        qsort(lock->pins, lock->n, sizeof(pin), pin_cmp);
    lock->sorted = 1;
}

static pin *find(cxr_fetch_lock *lock, const char *url)
{
    pin key;
    sort_pins(lock);
    key.url = (char *)url;
    return lock->n ? bsearch(&key, lock->pins, lock->n, sizeof(pin), pin_cmp) : NULL;
}

static cxr_status add(cxr_fetch_lock *lock, const char *url, const char *sha256,
                      int64_t size, cxr_error *err)
{
    if (lock->n == lock->cap) {
        size_t cap = lock->cap ? lock->cap * 2 : 64;
        pin *p = realloc(lock->pins, cap * sizeof(pin));
        if (!p)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        lock->pins = p;
        lock->cap = cap;
    }
    lock->pins[lock->n].url = strdup(url);
    if (!lock->pins[lock->n].url)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    snprintf(lock->pins[lock->n].sha256, CXR_SHA256_HEX, "%s", sha256);
    lock->pins[lock->n].size = size;
    lock->n++;
    lock->sorted = 0;
    return CXR_OK;
}

/* Adds a pin where it keeps the array sorted, so that pinning every image
 * of a large selection costs no sort per image. */
static cxr_status insert_sorted(cxr_fetch_lock *lock, const char *url,
                                const char *sha256, int64_t size, cxr_error *err)
{
    size_t lo = 0, hi;
    pin added;
    cxr_status st;
    sort_pins(lock);
    hi = lock->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(lock->pins[mid].url, url) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    st = add(lock, url, sha256, size, err); /* appended last */
    if (st != CXR_OK)
        return st;
    added = lock->pins[lock->n - 1];
    memmove(&lock->pins[lo + 1], &lock->pins[lo], (lock->n - 1 - lo) * sizeof(pin));
    lock->pins[lo] = added;
    lock->sorted = 1;
    return CXR_OK;
}

/* "sha256 size url": the URL is the rest of the line. */
static cxr_status parse_line(cxr_fetch_lock *lock, char *line, size_t lineno,
                             cxr_error *err)
{
    char *sp1 = strchr(line, ' '), *sp2, *end;
    long long size;
    if (sp1) {
        *sp1 = '\0';
        sp2 = strchr(sp1 + 1, ' ');
        if (sp2 && cxr_sha256_valid(line)) {
            *sp2 = '\0';
            errno = 0;
            size = strtoll(sp1 + 1, &end, 10);
            if (!errno && *end == '\0' && end != sp1 + 1 && size >= 0 && sp2[1])
                return add(lock, sp2 + 1, line, size, err);
        }
    }
    return cxr_fail(err, CXR_ERR_INPUT,
                    "malformed pin in lock file '%s' line %zu "
                    "(want 'sha256 size url')", lock->path, lineno);
}

static cxr_status read_lines(cxr_fetch_lock *lock, FILE *f, cxr_error *err)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    cxr_status st = CXR_OK;
    while (st == CXR_OK && (errno = 0, len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        st = parse_line(lock, line, lineno, err);
    }
    free(line);
    /* getline's -1 is also out of memory or a read error, not only the end:
     * a lock file read in part would lose pins when it is saved again */
    if (st == CXR_OK && errno == ENOMEM)
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    else if (st == CXR_OK && ferror(f))
        st = cxr_fail(err, CXR_ERR_IO, "cannot read lock file '%s': %s", lock->path,
                      strerror(errno));
    if (st != CXR_OK)
        return st;
    sort_pins(lock);
    for (size_t i = 1; i < lock->n; i++)
        if (strcmp(lock->pins[i - 1].url, lock->pins[i].url) == 0)
            return cxr_fail(err, CXR_ERR_INPUT, "lock file '%s' pins '%s' twice",
                            lock->path, lock->pins[i].url);
    return CXR_OK;
}

cxr_status cxr_fetch_lock_load(const char *path, cxr_fetch_lock **out, cxr_error *err)
{
    cxr_fetch_lock *lock = calloc(1, sizeof(*lock));
    FILE *f;
    cxr_status st = CXR_OK;
    *out = NULL;
    if (!lock)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    lock->path = strdup(path);
    lock->sorted = 1;
    f = lock->path ? fopen(path, "r") : NULL;
    if (f) {
        st = read_lines(lock, f, err);
        fclose(f);
    } else if (!lock->path || errno == ENOMEM) {
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    } else if (errno != ENOENT) {
        st = cxr_fail(err, CXR_ERR_IO, "cannot read lock file '%s': %s", path,
                      strerror(errno));
    }
    if (st != CXR_OK) {
        cxr_fetch_lock_free(lock);
        return st;
    }
    *out = lock;
    return CXR_OK;
}

int cxr_fetch_lock_find(cxr_fetch_lock *lock, const char *url,
                        const char **sha256, int64_t *size)
{
    pin *p = find(lock, url);
    if (!p)
        return 0;
    *sha256 = p->sha256;
    *size = p->size;
    return 1;
}

cxr_status cxr_fetch_lock_set(cxr_fetch_lock *lock, const char *url,
                              const char *sha256, int64_t size, cxr_error *err)
{
    pin *p = find(lock, url);
    if (p && strcmp(p->sha256, sha256) == 0 && p->size == size)
        return CXR_OK;
    lock->dirty = 1;
    if (p) {
        snprintf(p->sha256, CXR_SHA256_HEX, "%s", sha256);
        p->size = size;
        return CXR_OK;
    }
    return insert_sorted(lock, url, sha256, size, err);
}

int cxr_fetch_lock_dirty(const cxr_fetch_lock *lock)
{
    return lock && lock->dirty;
}

size_t cxr_fetch_lock_count(const cxr_fetch_lock *lock)
{
    return lock ? lock->n : 0;
}

cxr_status cxr_fetch_lock_save(cxr_fetch_lock *lock, cxr_error *err)
{
    cxr_atomic_file af;
    cxr_status st;
    memset(&af, 0, sizeof(af));
    sort_pins(lock);
    st = cxr_atomic_open(&af, lock->path, err);
    if (st != CXR_OK)
        return st;
    fprintf(af.fp, "# cxrprep fetch lock: sha256, size and URL of every source the "
                   "config does not pin,\n# recorded on first download and checked "
                   "on every later run. Update: cxrprep-fetch --update-pins\n");
    for (size_t i = 0; i < lock->n; i++)
        fprintf(af.fp, "%s %" PRId64 " %s\n", lock->pins[i].sha256, lock->pins[i].size,
                lock->pins[i].url);
    st = cxr_atomic_commit(&af, err);
    if (st == CXR_OK)
        lock->dirty = 0;
    return st;
}

void cxr_fetch_lock_free(cxr_fetch_lock *lock)
{
    if (!lock)
        return;
    for (size_t i = 0; i < lock->n; i++)
        free(lock->pins[i].url);
    free(lock->pins);
    free(lock->path);
    free(lock);
}
