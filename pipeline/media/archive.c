/* archive.c: listing, root choice and selective extraction of an image
 * archive with libarchive (rules in archive_path.c, contract in archive_reader.h). */
#include "archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fsutil.h"
#include "utf8.h"

static cxr_status open_archive(const char *path, struct archive **out, cxr_error *err)
{
    struct archive *a;
    if (!cxr_is_file(path))
        return cxr_fail(err, CXR_ERR_MISSING, "archive '%s' is not a readable file", path);
    if (!(a = archive_read_new()))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory opening '%s'", path);
    archive_read_support_format_zip(a);
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
        if (archive_errno(a) == ENOMEM)
            cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        else
            cxr_fail(err, CXR_ERR_INPUT, "cannot read archive '%s': %s", path,
                 archive_error_string(a) ? archive_error_string(a) : "unknown format");
        archive_read_free(a);
        return err ? err->status : CXR_ERR_INPUT;
    }
    *out = a;
    return CXR_OK;
}

static cxr_entry_type entry_type(struct archive_entry *e)
{
    if (archive_entry_hardlink(e))
        return CXR_ETYPE_HARDLINK;
    if (archive_entry_is_encrypted(e))
        return CXR_ETYPE_ENCRYPTED;
    switch (archive_entry_filetype(e)) {
    case AE_IFREG: return CXR_ETYPE_FILE;
    case AE_IFDIR: return CXR_ETYPE_DIR;
    case AE_IFLNK: return CXR_ETYPE_SYMLINK;
    default: return CXR_ETYPE_SPECIAL;
    }
}

/* Next header; CXR_OK with *e NULL at the end. Warnings are tolerated (the
 * name checks catch what matters), failures are input errors. '*last'
 * (malloc'd, NULL before the first) names the entry before, for the message;
 * the caller frees it. */
static cxr_status next_header(struct archive *a, const char *path, char **last,
                              struct archive_entry **e, cxr_error *err)
{
    int r = archive_read_next_header(a, e);
    const char *why = archive_error_string(a) ? archive_error_string(a) : "read error";
    if (r == ARCHIVE_EOF) {
        *e = NULL;
        return CXR_OK;
    }
    if (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
        free(*last);
        *last = cxr_strdup(archive_entry_pathname(*e));
        return *last ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    if (archive_errno(a) == ENOMEM)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (*last)
        return cxr_fail(err, CXR_ERR_INPUT, "archive '%s' is damaged after entry '%s': %s",
                        path, *last, why);
    return cxr_fail(err, CXR_ERR_INPUT, "archive '%s' is damaged: %s", path, why);
}

static cxr_status check_limits(const cxr_archive_limits *lim, size_t nentries,
                               uint64_t total, const char *path, cxr_error *err)
{
    if (lim && lim->max_entries && nentries > lim->max_entries)
        return cxr_fail(err, CXR_ERR_INPUT,
                        "archive '%s' has more than %llu entries "
                        "(sources.kermany.max_entries); refusing it", path,
                        (unsigned long long)lim->max_entries);
    if (lim && lim->max_total_size && total > lim->max_total_size)
        return cxr_fail(err, CXR_ERR_INPUT,
                        "archive '%s' holds more than %llu bytes uncompressed "
                        "(sources.kermany.max_total_size); refusing it", path,
                        (unsigned long long)lim->max_total_size);
    return CXR_OK;
}

/* Room for one more element: 'arr' itself, or a larger copy; NULL when out
 * of memory ('arr' is then left as it was). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    size_t ncap;
    void *p;
    if (n < *cap)
        return arr;
    ncap = *cap ? *cap * 2 : 256;
    if (!(p = realloc(arr, ncap * elem)))
        return NULL;
    *cap = ncap;
    return p;
}

/* A malloc'd copy of 'name' with each byte that is not UTF-8 written as
 * \xNN, so that the refusals (refused.csv) stay UTF-8. */
static char *utf8_name(const char *name)
{
    size_t len = strlen(name), n = 0, i = 0;
    char *out = malloc(4 * len + 1);
    if (!out)
        return NULL;
    while (i < len) {
        size_t ok = cxr_utf8_check((const unsigned char *)name + i, len - i);
        memcpy(out + n, name + i, ok);
        n += ok;
        i += ok;
        if (i < len) {
            snprintf(out + n, 5, "\\x%02X", (unsigned char)name[i++]);
            n += 4;
        }
    }
    out[n] = '\0';
    return out;
}

/* CXR_OK or CXR_ERR_NOMEM. */
static cxr_status add_refusal(cxr_archive_listing *ls, size_t *cap, const char *path,
                              const char *reason)
{
    cxr_archive_refusal *grown = grow(ls->refused, cap, ls->nrefused, sizeof(*ls->refused));
    char *name;
    if (!grown)
        return CXR_ERR_NOMEM;
    ls->refused = grown;
    if (!(name = utf8_name(path ? path : "(unreadable)")))
        return CXR_ERR_NOMEM;
    ls->refused[ls->nrefused].path = name;
    ls->refused[ls->nrefused].reason = reason;
    ls->nrefused++;
    return CXR_OK;
}

static int image_cmp(const void *pa, const void *pb)
{
    const cxr_archive_image *a = pa, *b = pb;
    int c = strcmp(a->root, b->root);
    if (!c)
        c = strcmp(a->split, b->split);
    if (!c)
        c = strcmp(a->klass, b->klass);
    if (!c)
        c = strcmp(a->name, b->name);
    return c;
}

/* Sorts the images and moves every name stored more than once (after
 * dropping "./") to the refusals: which copy is meant cannot be known. */
static cxr_status refuse_duplicates(cxr_archive_listing *ls, size_t *rcap)
{
    size_t i = 0, kept = 0;
    cxr_status st = CXR_OK;
    if (ls->nimages)
        qsort(ls->images, ls->nimages, sizeof(*ls->images), image_cmp);
    while (i < ls->nimages) {
        size_t j = i + 1;
        while (j < ls->nimages && !image_cmp(&ls->images[i], &ls->images[j]))
            j++;
        if (j - i == 1) {
            ls->images[kept++] = ls->images[i];
        } else {
            for (size_t k = i; k < j; k++) {
                if (st == CXR_OK)
                    st = add_refusal(ls, rcap, ls->images[k].path, "entry name stored twice");
                cxr_archive_image_release(&ls->images[k]);
            }
        }
        i = j;
    }
    ls->nimages = kept;
    return st;
}

/* Where a listing reports its progress. */
typedef struct list_progress {
    const cxr_progress_sink *sink; /* NULL: nowhere */
    const char *stage;
    uint64_t file_size;            /* 0: no bytes in the events */
    struct timespec t0;
} list_progress;

static void list_progress_emit(struct archive *a, list_progress *lp, size_t nentries)
{
    cxr_progress_event ev = {lp->stage, "entries", nentries, 0, 0, 0, 0};
    struct timespec now;
    int zip = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;

    if (!lp->sink || !lp->sink->fn)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ev.elapsed_s = (double)(now.tv_sec - lp->t0.tv_sec) + (now.tv_nsec - lp->t0.tv_nsec) / 1e9;
    if (lp->file_size && !zip) {
        la_int64_t read = archive_filter_bytes(a, -1);
        ev.bytes_total = lp->file_size;
        ev.bytes_done = read < 0 ? 0 : (uint64_t)read;
        if (ev.bytes_done > ev.bytes_total)
            ev.bytes_done = ev.bytes_total;
    }
    cxr_progress_emit(lp->sink, &ev);
}

static cxr_status list_entries(struct archive *a, const char *path,
                               const cxr_archive_limits *lim, cxr_archive_listing *ls,
                               size_t *rcap, char **last, list_progress *lp,
                               cxr_error *err)
{
    size_t icap = 0;
    for (;;) {
        struct archive_entry *e;
        cxr_archive_image img = {0};
        const char *reason, *name;
        cxr_status st = next_header(a, path, last, &e, err);
        if (st != CXR_OK || !e) {
            if (st == CXR_OK)
                list_progress_emit(a, lp, ls->nentries);
            return st;
        }
        if (++ls->nentries % 64 == 1)
            list_progress_emit(a, lp, ls->nentries);
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
            ls->total_size += (uint64_t)archive_entry_size(e);
        if ((st = check_limits(lim, ls->nentries, ls->total_size, path, err)) != CXR_OK)
            return st;
        name = archive_entry_pathname(e);
        switch (cxr_archive_classify(name, entry_type(e), &img, &reason)) {
        case CXR_ENTRY_REFUSED:
            if (add_refusal(ls, rcap, name, reason) != CXR_OK)
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
            break;
        case CXR_ENTRY_JUNK:
            ls->njunk++;
            break;
        case CXR_ENTRY_IMAGE:
        {
            cxr_archive_image *grown = grow(ls->images, &icap, ls->nimages, sizeof(*ls->images));
            img.path = cxr_strdup(name);
            img.size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;
            if (!grown || !img.path || !img.root || !img.split || !img.klass || !img.name) {
                if (grown)
                    ls->images = grown;
                cxr_archive_image_release(&img);
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
            }
            ls->images = grown;
            ls->images[ls->nimages++] = img;
            break;
        }
        }
        /* no archive_read_data_skip: the next header call skips the data,
         * by seeking where the format allows it */
    }
}

cxr_status cxr_archive_list(const char *path, const cxr_archive_limits *lim,
                            cxr_archive_listing **out, cxr_error *err)
{
    return cxr_archive_list_progress(path, lim, NULL, NULL, out, err);
}

cxr_status cxr_archive_list_progress(const char *path, const cxr_archive_limits *lim,
                                     const cxr_progress_sink *progress, const char *stage,
                                     cxr_archive_listing **out, cxr_error *err)
{
    struct archive *a;
    cxr_archive_listing *ls;
    size_t rcap = 0;
    char *last = NULL;
    list_progress lp = {progress, stage ? stage : "archive", 0, {0, 0}};
    struct stat sb;
    cxr_status st = open_archive(path, &a, err);
    *out = NULL;
    clock_gettime(CLOCK_MONOTONIC, &lp.t0);
    if (stat(path, &sb) == 0 && sb.st_size > 0)
        lp.file_size = (uint64_t)sb.st_size;
    if (st != CXR_OK)
        return st;
    ls = calloc(1, sizeof(*ls));
    if (!ls) {
        archive_read_free(a);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory listing '%s'", path);
    }
    st = list_entries(a, path, lim, ls, &rcap, &last, &lp, err);
    free(last);
    snprintf(ls->format, sizeof(ls->format), "%s",
             archive_format_name(a) ? archive_format_name(a) : "unknown");
    archive_read_free(a);
    if (st != CXR_OK) {
        cxr_archive_listing_free(ls);
        return st;
    }
    if (refuse_duplicates(ls, &rcap) != CXR_OK) {
        cxr_archive_listing_free(ls);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    *out = ls;
    return CXR_OK;
}

void cxr_archive_listing_free(cxr_archive_listing *ls)
{
    if (!ls)
        return;
    for (size_t i = 0; i < ls->nimages; i++)
        cxr_archive_image_release(&ls->images[i]);
    for (size_t i = 0; i < ls->nrefused; i++)
        free(ls->refused[i].path);
    free(ls->images);
    free(ls->refused);
    free(ls);
}

/* Reads the current entry's data into *buf (grown as needed), capped at
 * its declared size and at the bytes left under the total limit. */
static cxr_status read_entry(struct archive *a, struct archive_entry *e,
                             const char *apath, const char *name, uint64_t budget,
                             unsigned char **buf, size_t *cap, size_t *len,
                             cxr_error *err)
{
    uint64_t declared = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e)
                                                     : CXR_ARCHIVE_MAX_ENTRY_SIZE;
    uint64_t limit = declared < budget ? declared : budget;
    if (limit > CXR_ARCHIVE_MAX_ENTRY_SIZE)
        limit = CXR_ARCHIVE_MAX_ENTRY_SIZE;
    *len = 0;
    for (;;) {
        la_ssize_t n;
        if (*cap < *len + 65536) {
            size_t ncap = *cap ? *cap * 2 : 1 << 20;
            unsigned char *p;
            while (ncap < *len + 65536)
                ncap *= 2;
            if (!(p = realloc(*buf, ncap)))
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory reading '%s'", name);
            *buf = p;
            *cap = ncap;
        }
        n = archive_read_data(a, *buf + *len, 65536);
        if (n < 0 && archive_errno(a) == ENOMEM)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        if (n < 0)
            return cxr_fail(err, CXR_ERR_INPUT, "cannot read entry '%s' of '%s': %s",
                            name, apath, archive_error_string(a) ? archive_error_string(a)
                                                                 : "read error");
        if (n == 0)
            break;
        *len += (size_t)n;
        if (*len > limit)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "entry '%s' of '%s' holds more bytes than %s (%llu); "
                            "refusing it", name, apath,
                            limit == declared ? "its header declares" : "the limits allow",
                            (unsigned long long)limit);
    }
    if (archive_entry_size_is_set(e) && *len != declared)
        return cxr_fail(err, CXR_ERR_INPUT,
                        "entry '%s' of '%s' is truncated (%zu of %llu bytes)", name,
                        apath, *len, (unsigned long long)declared);
    return CXR_OK;
}

static int str_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

typedef struct extract_state {
    const char *path;
    const cxr_archive_limits *lim;
    const char *const *wanted;
    size_t nwanted;
    unsigned char *seen;
    unsigned char *buf;
    size_t cap;
    uint64_t total;
} extract_state;

/* Handles one header: ignores unwanted entries, reads and hands on the rest. */
static cxr_status extract_one(struct archive *a, struct archive_entry *e,
                              extract_state *s, cxr_archive_data_fn fn, void *ctx,
                              cxr_error *err)
{
    const char *name = archive_entry_pathname(e), *reason;
    const char *const *hit;
    size_t idx, len;
    uint64_t budget = UINT64_MAX;
    cxr_status st;
    if (!name || !s->nwanted)
        return CXR_OK;
    hit = bsearch(name, s->wanted, s->nwanted, sizeof(*s->wanted), str_cmp);
    if (!hit)
        return CXR_OK;
    idx = (size_t)(hit - s->wanted);
    if (cxr_archive_classify(name, entry_type(e), NULL, &reason) != CXR_ENTRY_IMAGE)
        return cxr_fail(err, CXR_ERR_INPUT, "entry '%s' of '%s' is not a readable image "
                        "entry (%s)", name, s->path, reason);
    if (s->seen[idx])
        return cxr_fail(err, CXR_ERR_INPUT, "entry '%s' is stored twice in '%s'; "
                        "refusing to choose one", name, s->path);
    s->seen[idx] = 1;
    if (s->lim && s->lim->max_total_size)
        budget = s->lim->max_total_size > s->total ? s->lim->max_total_size - s->total : 0;
    st = read_entry(a, e, s->path, name, budget, &s->buf, &s->cap, &len, err);
    if (st != CXR_OK)
        return st;
    s->total += len;
    return fn(ctx, name, s->buf, len, err);
}

cxr_status cxr_archive_extract(const char *path, const cxr_archive_limits *lim,
                               const char *const *wanted, size_t nwanted,
                               cxr_archive_data_fn fn, void *ctx, cxr_error *err)
{
    extract_state s = {path, lim, wanted, nwanted, NULL, NULL, 0, 0};
    struct archive *a;
    size_t nentries = 0;
    char *last = NULL;
    cxr_status st = open_archive(path, &a, err);
    if (st != CXR_OK)
        return st;
    s.seen = calloc(nwanted ? nwanted : 1, 1);
    if (!s.seen) {
        archive_read_free(a);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    for (;;) {
        struct archive_entry *e;
        if ((st = next_header(a, path, &last, &e, err)) != CXR_OK || !e)
            break;
        if (lim && lim->max_entries && ++nentries > lim->max_entries) {
            st = check_limits(lim, nentries, 0, path, err);
            break;
        }
        if ((st = extract_one(a, e, &s, fn, ctx, err)) != CXR_OK)
            break;
    }
    for (size_t i = 0; st == CXR_OK && i < nwanted; i++)
        if (!s.seen[i])
            st = cxr_fail(err, CXR_ERR_MISSING, "entry '%s' is not in archive '%s'",
                          wanted[i], path);
    archive_read_free(a);
    free(last);
    free(s.seen);
    free(s.buf);
    return st;
}
