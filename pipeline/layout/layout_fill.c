/* layout_fill.c: the Kermany images of the sample draws into their folders.
 * Each pass chooses (layout_draws.c), removes what an earlier pass laid out
 * and the choice no longer holds, and reads the archive once for the chosen
 * images not laid out yet, verifying and placing them; an image that fails
 * verification changes the next choice. The passes end when every chosen
 * image is laid out: one pass when nothing fails. */
#include "layout_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_reader.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* Removes the files of candidates laid out by an earlier pass that the
 * choice no longer holds (another draw took them as a replacement). */
static cxr_status unplace_unchosen(layout_ctx *c, cxr_error *err)
{
    for (size_t f = 0; f < c->nfolders; f++) {
        layout_folder *fo = &c->folders[f];
        const layout_draw *d = fo->sdraw == LAYOUT_NONE ? NULL : &c->draws[fo->sdraw];
        for (size_t k = 0; d && k < d->ncands; k++) {
            char *rel;
            cxr_status st;
            if (!fo->placed[k] || d->cands[k].chosen)
                continue;
            if (!(rel = cxr_layout_out_path(c, f, d->cands[k].filename)))
                return nomem(err);
            st = cxr_layout_unplace(c, rel, err);
            free(rel);
            if (st != CXR_OK)
                return st;
            fo->placed[k] = 0;
        }
    }
    return CXR_OK;
}

static void free_items(layout_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].filename);
        free(items[i].entry);
        free(items[i].why);
        free(items[i].key);
    }
    free(items);
}

/* The chosen (folder, candidate) pairs not laid out yet, by entry. */
static cxr_status pass_items(const layout_ctx *c, layout_item **out, size_t *nout,
                             cxr_error *err)
{
    size_t n = 0, cap = 0;
    layout_item *items = NULL;
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t f = 0; f < c->nfolders; f++) {
            const layout_folder *fo = &c->folders[f];
            const layout_draw *d = fo->sdraw == LAYOUT_NONE ? NULL : &c->draws[fo->sdraw];
            for (size_t k = 0; d && k < d->ncands; k++) {
                const layout_cand *cd = &d->cands[k];
                layout_item *it;
                if (!cd->chosen || fo->placed[k])
                    continue;
                if (!pass) {
                    cap++;
                    continue;
                }
                it = &items[n++];
                it->folder = f;
                it->src = SRC_KERMANY;
                it->cand = k;
                it->size = cd->size;
                it->filename = strdup(cd->filename);
                it->entry = strdup(cd->entry);
                if (!it->filename || !it->entry) {
                    free_items(items, n);
                    return nomem(err);
                }
            }
        }
        if (!pass && !(items = calloc(cap ? cap : 1, sizeof(*items))))
            return nomem(err);
    }
    if (n)
        qsort(items, n, sizeof(*items), cxr_layout_item_cmp);
    *out = items;
    *nout = n;
    return CXR_OK;
}

typedef struct extract_ctx {
    layout_pool *pool;
    layout_item *items;
    size_t n;
} extract_ctx;

static int entry_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const layout_item *)elem)->entry);
}

static size_t group_end(const layout_item *items, size_t n, size_t i)
{
    size_t j = i + 1;
    while (j < n && !strcmp(items[j].entry, items[i].entry))
        j++;
    return j;
}

static cxr_status on_entry(void *ctx, const char *path, const unsigned char *data,
                           size_t len, cxr_error *err)
{
    extract_ctx *x = ctx;
    layout_item *hit = bsearch(path, x->items, x->n, sizeof(*x->items), entry_cmp);
    size_t i, end;
    unsigned char *copy;
    if (!hit)
        return cxr_fail(err, CXR_ERR_INTERNAL, "unexpected entry '%s'", path);
    for (i = (size_t)(hit - x->items); i > 0 && !strcmp(x->items[i - 1].entry, path);)
        i--;
    end = group_end(x->items, x->n, i);
    if (x->items[i].size != len)
        return cxr_fail(err, CXR_ERR_INPUT, "entry '%s' has %zu bytes, the sample manifest "
                        "says %llu: the archive changed since 'cxrprep sample' ran", path,
                        len, (unsigned long long)x->items[i].size);
    if (!(copy = malloc(len ? len : 1)))
        return nomem(err);
    memcpy(copy, data, len);
    return cxr_layout_pool_submit(x->pool, x->items + i, end - i, copy, len, err);
}

/* The archive's identity in the index: its device, inode, size and mtime
 * (NULL when it cannot be read: the extraction then says why). */
static void archive_key(layout_ctx *c)
{
    if (!c->archive_key)
        c->archive_key = cxr_layout_file_key(c->archive);
}

/* Places the group items[i..end) from the store when an earlier run learnt
 * its member's digest (*done 1); else leaves the key on items[i]. */
static cxr_status place_from_index(layout_ctx *c, layout_item *items, size_t i, size_t end,
                                   int *done, cxr_error *err)
{
    char sha[CXR_SHA256_HEX];
    uint64_t size;
    *done = 0;
    if (!c->archive_key)
        return CXR_OK;
    if (!(items[i].key = cxr_layout_member_key(c->archive_key, items[i].entry)))
        return CXR_OK;
    if (!cxr_layout_index_get(c, items[i].key, sha, &size) || size != items[i].size)
        return CXR_OK;
    return cxr_layout_place_known(c, items + i, end - i, sha, size, done, err);
}

/* One read of the archive: verifies and places items[0..n), but for those
 * whose bytes the store holds already (then the archive may not be read at
 * all). */
static cxr_status extract(layout_ctx *c, layout_item *items, size_t n, cxr_error *err)
{
    extract_ctx x = {NULL, items, n};
    const char **wanted = malloc(n * sizeof(*wanted));
    size_t nwanted = 0;
    cxr_archive_limits lim;
    cxr_error e2;
    cxr_status st = wanted ? CXR_OK : nomem(err);
    archive_key(c);
    for (size_t i = 0, end; st == CXR_OK && i < n; i = end) {
        int done = 0;
        end = group_end(items, n, i);
        st = place_from_index(c, items, i, end, &done, err);
        if (!done)
            wanted[nwanted++] = items[i].entry;
    }
    if (st != CXR_OK || nwanted == 0) {
        free(wanted);
        return st;
    }
    lim.max_entries = c->set.common.kermany_max_entries;
    lim.max_total_size = c->set.common.kermany_max_total_size;
    st = cxr_layout_pool_start(c, c->set.threads, &x.pool, err);
    if (st == CXR_OK)
        st = cxr_archive_extract(c->archive, &lim, wanted, nwanted, on_entry, &x, err);
    if (cxr_layout_pool_finish(x.pool, &e2) != CXR_OK && st == CXR_OK) {
        *err = e2;
        st = e2.status;
    }
    free(wanted);
    return st;
}

/* Records what the pass found: laid out, or bad (each image once). */
static cxr_status settle(layout_ctx *c, layout_item *items, size_t n, cxr_error *err)
{
    for (size_t i = 0, end; i < n; i = end) {
        layout_draw *d = &c->draws[c->folders[items[i].folder].sdraw];
        layout_image *img = &c->images[d->cands[items[i].cand].image];
        end = group_end(items, n, i);
        if (items[i].outcome == OUTCOME_PENDING)
            return cxr_fail(err, CXR_ERR_INTERNAL, "entry '%s' was not placed",
                            items[i].entry);
        if (items[i].outcome == OUTCOME_PLACED) {
            img->state = STATE_GOOD;
            for (size_t k = i; k < end; k++)
                c->folders[items[k].folder].placed[items[k].cand] = 1;
            continue;
        }
        img->state = STATE_BAD;
        img->why = items[i].why;
        items[i].why = NULL;
        img->draw = c->folders[items[i].folder].draw;
        if (!(img->path = cxr_layout_out_path(c, items[i].folder, items[i].filename)))
            return nomem(err);
    }
    return CXR_OK;
}

cxr_status cxr_layout_fill_samples(layout_ctx *c, cxr_error *err)
{
    for (;;) {
        layout_item *items = NULL;
        size_t n = 0, short_draw;
        cxr_status st = cxr_layout_choose(c, &short_draw, err);
        if (st == CXR_OK)
            st = unplace_unchosen(c, err);
        if (st == CXR_OK)
            st = pass_items(c, &items, &n, err);
        if (st == CXR_OK && n == 0) {
            free_items(items, n);
            return short_draw == LAYOUT_NONE ? CXR_OK
                                             : cxr_layout_shortfall(c, short_draw, err);
        }
        if (st == CXR_OK)
            st = extract(c, items, n, err);
        if (st == CXR_OK)
            st = settle(c, items, n, err);
        free_items(items, n);
        if (st != CXR_OK)
            return st;
    }
}
