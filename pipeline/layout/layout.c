/* layout.c: the layout stage's run: plan, the up-to-date check, the covid
 * images, then the sample draws sized to them (layout_fill.c), the list of
 * files left out, the manifests, the swap and the state (see layout.h). */
#include "contract.h"
#include "layout_internal.h"
#include "stagedir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "safename.h"
#include "workdir.h"

/* The files the trees will hold: the covid items and what each sample
 * folder takes ('wanted' once the draws are sized, else the nominal count). */
static size_t planned_files(const layout_ctx *c, int sized)
{
    size_t n = c->nitems;
    for (size_t f = 0; f < c->nfolders; f++)
        if (c->folders[f].sdraw != LAYOUT_NONE)
            n += sized ? c->draws[c->folders[f].sdraw].wanted
                       : c->draws[c->folders[f].sdraw].nominal;
    return n;
}

/* Items [i, end) with the same entry: one image, several folders. */
static size_t group_end(const layout_ctx *c, size_t i)
{
    size_t j = i + 1;
    while (j < c->nitems && !strcmp(c->items[j].entry, c->items[i].entry))
        j++;
    return j;
}

/* Places items[0..n) (one local file) from the store when an earlier run
 * learnt the file's digest (*done 1); else leaves its key on the first
 * item, for cxr_layout_place to record. */
static cxr_status place_from_index(layout_ctx *c, layout_item *it, size_t n, int *done,
                                   cxr_error *err)
{
    char sha[CXR_SHA256_HEX];
    uint64_t size;
    *done = 0;
    free(it->key);
    it->key = cxr_layout_file_key(it->local);
    if (!cxr_layout_index_get(c, it->key, sha, &size))
        return CXR_OK;
    return cxr_layout_place_known(c, it, n, sha, size, done, err);
}

static cxr_status place_covid(layout_ctx *c, layout_pool *pool, cxr_error *err)
{
    for (size_t i = 0, end; i < c->nitems; i = end) {
        layout_item *it = &c->items[i];
        const char *bad = cxr_safename_problem(it->filename);
        unsigned char *data;
        size_t len;
        int done = 0;
        cxr_status st;
        end = group_end(c, i);
        if (bad) {
            char why[512];
            snprintf(why, sizeof(why), "quarantined: %s", bad);
            st = cxr_layout_mark_bad(it, end - i, why, err);
            cxr_layout_progress(c, end - i);
        } else if (!it->local || !cxr_is_file(it->local)) {
            if (!c->set.common.images_allow_missing)
                return cxr_fail(err, CXR_ERR_MISSING, "image '%s' is missing ('%s'): run "
                                "'cxrprep fetch' first, or set sources.images.allow_missing",
                                it->entry, it->local ? it->local : "not in the cache");
            st = cxr_layout_mark_bad(it, end - i,
                                     "missing: not in the cache or images directory", err);
            cxr_layout_progress(c, end - i);
        } else if ((st = place_from_index(c, it, end - i, &done, err)) == CXR_OK && !done &&
                   (st = cxr_read_file(it->local, &data, &len, err)) == CXR_OK) {
            st = cxr_layout_pool_submit(pool, it, end - i, data, len, err);
        }
        if (st != CXR_OK)
            return st;
    }
    return CXR_OK;
}

/* The covid images left out, once each. */
static cxr_status covid_left_out(layout_ctx *c, cxr_error *err)
{
    for (size_t i = 0, end; i < c->nitems; i = end) {
        const layout_item *it = &c->items[i];
        int missing;
        cxr_status st;
        end = group_end(c, i);
        if (it->outcome != OUTCOME_BAD)
            continue;
        missing = !strncmp(it->why, "missing", 7);
        st = cxr_layout_left_out(c, cxr_layout_out_path(c, it->folder, it->filename),
                                 "ieee8023", it->entry, c->folders[it->folder].draw, it->why,
                                 missing ? LEFT_MISSING : LEFT_QUARANTINED, err);
        if (st != CXR_OK)
            return st;
    }
    return CXR_OK;
}

/* 1 when some draw chose image 'image' (it is laid out). */
static int chosen_anywhere(const layout_ctx *c, size_t image)
{
    for (size_t i = 0; i < c->ndraws; i++)
        for (size_t k = 0; k < c->draws[i].ncands; k++)
            if (c->draws[i].cands[k].chosen && c->draws[i].cands[k].image == image)
                return 1;
    return 0;
}

/* Why nominal candidate cd of draw d is not laid out anywhere. */
static void unused_reason(const layout_draw *d, const layout_cand *cd, char *buf, size_t size)
{
    if (cd->skip == SKIP_PATIENT)
        snprintf(buf, size, "not used: patient '%s' is in an earlier draw that '%s' is "
                 "disjoint from", cd->patient, d->name);
    else if (*d->count_from)
        snprintf(buf, size, "not needed: '%s' takes %zu of its %zu nominal images, as many "
                 "as '%s' laid out", d->name, d->wanted, d->nominal, d->count_from);
    else
        snprintf(buf, size, "not needed: '%s' takes %zu of its %zu nominal images", d->name,
                 d->wanted, d->nominal);
}

/* The Kermany images left out, once each: those that failed verification,
 * and those of a nominal draw that no folder got (not needed, to balance a
 * covid draw that lost images; or not usable). */
static cxr_status samples_left_out(layout_ctx *c, cxr_error *err)
{
    unsigned char *listed = calloc(c->nimages ? c->nimages : 1, 1);
    cxr_status st = listed ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == CXR_OK && i < c->nimages; i++)
        if (c->images[i].state == STATE_BAD) {
            listed[i] = 1;
            st = cxr_layout_left_out(c, strdup(c->images[i].path), "kermany",
                                     c->images[i].entry, c->images[i].draw, c->images[i].why,
                                     LEFT_QUARANTINED, err);
        }
    for (size_t f = 0; st == CXR_OK && f < c->nfolders; f++) {
        const layout_draw *d = c->folders[f].sdraw == LAYOUT_NONE ? NULL
                                                                 : &c->draws[c->folders[f].sdraw];
        for (size_t k = 0; st == CXR_OK && d && k < d->ncands; k++) {
            const layout_cand *cd = &d->cands[k];
            char why[512];
            if (!cd->nominal || cd->chosen || listed[cd->image] ||
                chosen_anywhere(c, cd->image))
                continue;
            listed[cd->image] = 1;
            unused_reason(d, cd, why, sizeof(why));
            st = cxr_layout_left_out(c, cxr_layout_out_path(c, f, cd->filename), "kermany",
                                     cd->entry, d->name, why, LEFT_UNUSED, err);
        }
    }
    free(listed);
    return st;
}

static int record_cmp(const void *pa, const void *pb)
{
    return strcmp(((const layout_record *)pa)->path, ((const layout_record *)pb)->path);
}

static int left_cmp(const void *pa, const void *pb)
{
    return strcmp(((const layout_left *)pa)->path, ((const layout_left *)pb)->path);
}

static void count(layout_ctx *c, cxr_layout_result *res)
{
    if (c->nrecords)
        qsort(c->records, c->nrecords, sizeof(*c->records), record_cmp);
    if (c->nleft)
        qsort(c->left, c->nleft, sizeof(*c->left), left_cmp);
    res->nfiles = c->nrecords;
    for (size_t i = 0; i < c->nleft; i++) {
        res->nmissing += c->left[i].kind == LEFT_MISSING;
        res->nquarantined += c->left[i].kind == LEFT_QUARANTINED;
    }
    for (size_t i = 0; i < c->ndraws; i++)
        res->nreplacements += c->draws[i].nreplacements;
    res->nlinked = c->nby_kind[LINK_HARD];
    res->nreflinked = c->nby_kind[LINK_REFLINK];
    res->nsymlinked = c->nby_kind[LINK_SYMLINK];
    res->ncopied = c->nby_kind[LINK_COPY];
    res->nstored = c->nstored;
    res->nunread = c->nunread;
    res->nverified_before = c->ncached;
}

/* The covid images first (the counts of the sample draws follow them), then
 * the sample draws. */
static cxr_status fill(layout_ctx *c, cxr_error *err)
{
    layout_pool *pool = NULL;
    cxr_error e2;
    cxr_status st = cxr_layout_pool_start(c, c->set.threads, &pool, err);
    c->files_planned = planned_files(c, 0);
    if (st == CXR_OK)
        st = place_covid(c, pool, err);
    if (cxr_layout_pool_finish(pool, &e2) != CXR_OK && st == CXR_OK) {
        *err = e2;
        st = e2.status;
    }
    if (st == CXR_OK)
        st = covid_left_out(c, err);
    if (st == CXR_OK) {
        cxr_layout_size_draws(c);
        pthread_mutex_lock(&c->lock);
        c->files_planned = planned_files(c, 1);
        pthread_mutex_unlock(&c->lock);
        st = cxr_layout_fill_samples(c, err);
    }
    if (st == CXR_OK)
        st = samples_left_out(c, err);
    return st;
}

static cxr_status build(layout_ctx *c, const char *fingerprint, cxr_layout_result *res,
                        cxr_error *err)
{
    cxr_stagedir manifests = {0};
    char *mdir = cxr_stage_path(c->conf, CXR_STAGE_LAYOUT, NULL);
    cxr_status st = mdir ? cxr_layout_staging_create(c, err)
                         : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st == CXR_OK && c->verify && !c->set.png)
        st = cxr_mkdirs(c->verified_dir, err);
    if (st == CXR_OK)
        st = cxr_layout_index_load(c, err);
    if (st == CXR_OK)
        st = fill(c, err);
    if (st == CXR_OK) /* only a run that ended well teaches the index */
        st = cxr_layout_index_save(c, err);
    count(c, res);
    /* The manifests are built aside too, and swapped in right after the
     * tree; the state that says "up to date" is written last of all. */
    if (st == CXR_OK)
        st = cxr_stagedir_open(&manifests, mdir, err);
    if (st == CXR_OK)
        st = cxr_layout_write_manifests(c, manifests.tmp, res, err);
    if (st == CXR_OK)
        st = cxr_layout_swap_into_place(c, err);
    if (st == CXR_OK)
        st = cxr_stagedir_commit(&manifests, err);
    else
        cxr_stagedir_abort(&manifests);
    if (st == CXR_OK) {
        /* the trees and manifests are in place and whole: the state is a
         * cache of "up to date", so failing to write it (out of memory, a
         * full disk) is not the stage failing, only a rebuild next time */
        cxr_error state_err = {0};
        if (cxr_layout_write_state(c, fingerprint, res, &state_err) != CXR_OK)
            snprintf(res->state_unsaved, sizeof(res->state_unsaved), "%s", state_err.msg);
    }
    if (st != CXR_OK && c->staging)
        (void)cxr_remove_tree(c->staging, NULL);
    free(mdir);
    return st;
}

cxr_status cxr_layout_run(const cxr_config *conf, int force, const cxr_progress_sink *progress,
                          cxr_layout_result *res, cxr_error *err)
{
    layout_ctx c;
    char fingerprint[CXR_SHA256_HEX];
    cxr_status st;
    memset(&c, 0, sizeof(c));
    memset(res, 0, sizeof(*res));
    c.store_lock = -1;
    c.conf = conf;
    c.progress = progress;
    c.t0 = cxr_layout_now();
    pthread_mutex_init(&c.lock, NULL);
    st = cxr_layout_plan(&c, err);
    if (st == CXR_OK)
        st = cxr_layout_fingerprint(&c, fingerprint, err);
    if (st == CXR_OK)
        cxr_layout_staging_clean(&c); /* also when nothing is rebuilt */
    if (st == CXR_OK && (force || !cxr_layout_up_to_date(&c, fingerprint, res)))
        st = build(&c, fingerprint, res, err);
    cxr_layout_ctx_release(&c);
    pthread_mutex_destroy(&c.lock);
    return st;
}
