/* layout_plan.c: the plan of the layout stage: its folders, the covid
 * images they get (from the select manifests), the sample draws they take
 * (layout_draws.c), and the fingerprint of every input, which decides
 * whether a rerun has anything to do. */
#include "contract.h"
#include "layout_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "manifest.h"
#include "safename.h"
#include "workdir.h"

/* 1 if 'draw' is one of sample.draws (a manifest left by an earlier
 * config must not be laid out). */
static int is_sample_draw(const layout_ctx *c, const char *draw)
{
    for (size_t i = 0; i < c->set.nsample_draws; i++)
        if (!strcmp(c->set.sample_draws[i], draw))
            return 1;
    return 0;
}

/* Checks a folder path: relative, canonical, each component a safe name. */
static const char *folder_problem(const char *path)
{
    char part[256];
    const char *p = path;
    if (!*path)
        return "empty";
    while (*p) {
        size_t n = strcspn(p, "/");
        const char *why;
        if (n == 0 || n >= sizeof(part))
            return n ? "component too long" : "empty component or absolute path";
        memcpy(part, p, n);
        part[n] = '\0';
        if ((why = cxr_safename_problem(part)) != NULL)
            return why;
        if (!strcmp(part, "."))
            return "'.' component";
        p += n;
        if (*p == '/' && !*++p)
            return "trailing '/'";
    }
    return NULL;
}

static int nested(const char *a, const char *b)
{
    size_t n = strlen(a);
    return !strncmp(a, b, n) && (b[n] == '/' || b[n] == '\0');
}

static cxr_status read_folders(layout_ctx *c, cxr_error *err)
{
    c->nfolders = c->set.nfolders;
    c->folders = calloc(c->nfolders ? c->nfolders : 1, sizeof(*c->folders));
    if (!c->folders) {
        c->nfolders = 0;
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->nfolders; i++) {
        layout_folder *f = &c->folders[i];
        const char *why, *slash;
        f->path = c->set.folders[i].path;
        f->draw = c->set.folders[i].draw;
        f->sdraw = LAYOUT_NONE;
        why = folder_problem(f->path);
        for (size_t j = 0; !why && j < i; j++)
            if (nested(c->folders[j].path, f->path) || nested(f->path, c->folders[j].path))
                why = "the same as, inside or around another folder";
        if (why)
            return cxr_fail(err, CXR_ERR_CONFIG, "%s: layout.folders.%zu.path '%s' cannot "
                            "be a folder: %s", c->set.common.config_file, i, f->path, why);
        slash = strrchr(f->path, '/');
        f->klass = slash ? slash + 1 : f->path;
    }
    return CXR_OK;
}

static layout_item *new_item(layout_ctx *c, size_t *cap)
{
    if (c->nitems == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 256;
        layout_item *grown = realloc(c->items, grown_cap * sizeof(*grown));
        if (!grown)
            return NULL;
        c->items = grown;
        *cap = grown_cap;
    }
    memset(&c->items[c->nitems], 0, sizeof(*c->items));
    return &c->items[c->nitems++];
}

/* The covid images of one folder, from a select manifest. A file that is
 * not in the cache yet is left with local NULL and left out later when
 * missing images are allowed. */
static cxr_status plan_covid(layout_ctx *c, size_t fi, const cxr_manifest *m,
                             size_t *cap, cxr_error *err)
{
    const char *tmpl = c->set.common.images_url_template;
    int col = cxr_manifest_column(m, "filename");
    if (!tmpl)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: sources.images.url_template is needed "
                        "to lay out draw '%s'", c->set.common.config_file,
                        c->folders[fi].draw);
    for (size_t r = 0; r < cxr_manifest_nrows(m); r++) {
        layout_item *it = new_item(c, cap);
        const char *name = cxr_manifest_get(m, r, col);
        char *url;
        cxr_error e2;
        if (!it)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        it->folder = fi;
        it->src = SRC_IEEE8023;
        it->filename = strdup(name);
        it->entry = strdup(name);
        url = cxr_source_url_fill(tmpl, name);
        if (!it->filename || !it->entry || !url) {
            free(url);
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        }
        if (cxr_source_local_path(c->conf, url, NULL, &it->local, &e2) != CXR_OK) {
            if (e2.status != CXR_ERR_MISSING || !c->set.common.images_allow_missing) {
                *err = e2;
                free(url);
                return err->status;
            }
            it->local = NULL;
        }
        free(url);
    }
    return CXR_OK;
}

static cxr_status plan_folder(layout_ctx *c, size_t fi, size_t *cap, cxr_error *err)
{
    static const char *const covid_cols[] = {"filename", NULL};
    const char *draw = c->folders[fi].draw, *sel = cxr_contract_select_manifest(draw);
    char file[160], *path;
    cxr_manifest *m;
    cxr_status st;
    snprintf(file, sizeof(file), "%s.csv", draw);
    if (!sel && (cxr_safename_problem(file) || !is_sample_draw(c, draw)))
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: layout.folders.%zu.draw '%s' is neither "
                        "covid_train, covid_holdout nor a name in sample.draws",
                        c->set.common.config_file, fi, draw);
    if (!sel)
        return CXR_OK; /* a sample draw: layout_draws.c */
    if (!(path = cxr_stage_path(c->conf, CXR_STAGE_SELECT, sel)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_manifest_load(path, covid_cols, &m, err);
    if (st != CXR_OK) {
        cxr_error_prefix(err, "folder '%s' needs draw '%s' (run 'cxrprep select' first): ",
                         c->folders[fi].path, draw);
        free(path);
        return st;
    }
    free(path);
    st = plan_covid(c, fi, m, cap, err);
    cxr_manifest_free(m);
    return st;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two images may not land on one path ('a.jpg' and 'a.png' as PNGs). */
static cxr_status check_collisions(const layout_ctx *c, cxr_error *err)
{
    char **paths = calloc(c->nitems ? c->nitems : 1, sizeof(*paths));
    cxr_status st = CXR_OK;
    if (!paths)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == CXR_OK && i < c->nitems; i++)
        if (!(paths[i] = cxr_layout_out_path(c, c->items[i].folder, c->items[i].filename)))
            st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st == CXR_OK && c->nitems)
        qsort(paths, c->nitems, sizeof(*paths), str_cmp);
    for (size_t i = 1; st == CXR_OK && i < c->nitems; i++)
        if (!strcmp(paths[i - 1], paths[i]))
            st = cxr_fail(err, CXR_ERR_INPUT, "two images would be laid out as '%s'",
                          paths[i]);
    for (size_t i = 0; i < c->nitems; i++)
        free(paths[i]);
    free(paths);
    return st;
}

/* Items by archive entry, then folder: the order the archive is read in. */
int cxr_layout_item_cmp(const void *pa, const void *pb)
{
    const layout_item *a = pa, *b = pb;
    int d = strcmp(a->entry, b->entry);
    if (d)
        return d;
    return a->folder < b->folder ? -1 : a->folder > b->folder;
}

/* "<workdir>/<name>" (workdir "." when empty). */
static char *under_workdir(const layout_ctx *c, const char *name)
{
    const char *wd = c->set.common.workdir;
    return cxr_path_join(wd && *wd ? wd : ".", name);
}

static cxr_status open_archive(layout_ctx *c, cxr_error *err)
{
    const cxr_source_settings *k = &c->set.common.kermany;
    if (!k->url)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: sources.kermany is needed to lay out the "
                        "sample draws", c->set.common.config_file);
    return cxr_source_local_path(c->conf, k->url, k->sha256, &c->archive, err);
}

cxr_status cxr_layout_plan(layout_ctx *c, cxr_error *err)
{
    size_t cap = 0;
    int samples = 0;
    cxr_status st;
    if ((st = cxr_layout_settings_read(c->conf, &c->set, err)) != CXR_OK)
        return st;
    c->root = under_workdir(c, c->set.root ? c->set.root : "datasets");
    c->verified_dir = under_workdir(c, "cache/verified");
    if (!c->root || !c->verified_dir || (st = cxr_layout_store_open(c, 0, err)) != CXR_OK)
        return st == CXR_OK ? cxr_fail(err, CXR_ERR_NOMEM, "out of memory") : st;
    c->verify = c->set.verify || c->set.png;
    if ((st = read_folders(c, err)) != CXR_OK)
        return st;
    for (size_t i = 0; i < c->nfolders; i++)
        if ((st = plan_folder(c, i, &cap, err)) != CXR_OK)
            return st;
    if (c->nitems)
        qsort(c->items, c->nitems, sizeof(*c->items), cxr_layout_item_cmp);
    if ((st = check_collisions(c, err)) != CXR_OK ||
        (st = cxr_layout_load_draws(c, err)) != CXR_OK)
        return st;
    for (size_t i = 0; i < c->ndraws; i++)
        samples |= c->draws[i].laid_out;
    return samples ? open_archive(c, err) : CXR_OK;
}

/* "size mtime inode" of a file, or "missing". */
static void stat_text(const char *path, char *buf, size_t size)
{
    struct stat sb;
    if (!path || stat(path, &sb) != 0) {
        snprintf(buf, size, "missing");
        return;
    }
    snprintf(buf, size, "%lld %lld.%09ld %llu", (long long)sb.st_size,
             (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec,
             (unsigned long long)sb.st_ino);
}

static void hash_line(cxr_sha256 *h, const char *a, const char *b)
{
    cxr_sha256_update(h, a, strlen(a));
    cxr_sha256_update(h, "\t", 1);
    cxr_sha256_update(h, b ? b : "", b ? strlen(b) : 0);
    cxr_sha256_update(h, "\n", 1);
}

static void hash_draws(const layout_ctx *c, cxr_sha256 *h)
{
    char buf[128];
    for (size_t f = 0; f < c->nfolders; f++)
        hash_line(h, c->folders[f].path, c->folders[f].draw);
    for (size_t i = 0; i < c->ndraws; i++) {
        const layout_draw *d = &c->draws[i];
        snprintf(buf, sizeof(buf), "%zu %d %d %zu", d->nominal, d->patient_disjoint,
                 d->laid_out, d->ncands);
        hash_line(h, d->name, buf);
        hash_line(h, "count_from", d->count_from);
        for (size_t k = 0; k < d->ndisjoint; k++)
            hash_line(h, "disjoint_from", c->draws[d->disjoint[k]].name);
        for (size_t k = 0; k < d->ncands; k++) {
            const layout_cand *cd = &d->cands[k];
            snprintf(buf, sizeof(buf), "%d %llu", cd->nominal, (unsigned long long)cd->size);
            hash_line(h, cd->filename, cd->entry);
            hash_line(h, cd->patient, buf);
        }
    }
}

cxr_status cxr_layout_fingerprint(const layout_ctx *c, char hex[CXR_SHA256_HEX], cxr_error *err)
{
    cxr_sha256 *h = cxr_sha256_new();
    char buf[128], conf_hash[CXR_SHA256_HEX];
    if (!h)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (cxr_config_hash(c->conf, "layout", conf_hash) != CXR_OK) {
        cxr_sha256_free(h);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    hash_line(h, "tool", "cxrprep-layout " CXR_VERSION);
    hash_line(h, "config", conf_hash);
    hash_line(h, "root", c->root);
    hash_line(h, "allow_missing", c->set.common.images_allow_missing ? "1" : "0");
    hash_line(h, "archive", c->archive);
    stat_text(c->archive, buf, sizeof(buf));
    hash_line(h, "archive_stat", c->archive ? buf : NULL);
    hash_line(h, "archive_sha256", c->set.common.kermany.sha256);
    for (size_t i = 0; i < c->nitems; i++) {
        const layout_item *it = &c->items[i];
        snprintf(buf, sizeof(buf), "%zu", it->folder);
        hash_line(h, "item", buf);
        hash_line(h, it->filename, it->entry);
        stat_text(it->local, buf, sizeof(buf));
        hash_line(h, it->local ? it->local : "-", it->local ? buf : NULL);
    }
    hash_draws(c, h);
    cxr_sha256_final(h, hex);
    cxr_sha256_free(h);
    if (!cxr_sha256_valid(hex))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    return CXR_OK;
}

static void release_draws(layout_ctx *c)
{
    for (size_t i = 0; i < c->ndraws; i++) {
        layout_draw *d = &c->draws[i];
        for (size_t k = 0; k < d->ncands; k++) {
            free(d->cands[k].filename);
            free(d->cands[k].patient);
            free(d->cands[k].entry);
        }
        free(d->cands);
        free(d->disjoint);
        free(d->name);
        free(d->count_from);
    }
    free(c->draws);
    for (size_t i = 0; i < c->nimages; i++) {
        free(c->images[i].why);
        free(c->images[i].path);
    }
    free(c->images);
}

void cxr_layout_ctx_release(layout_ctx *c)
{
    for (size_t i = 0; i < c->nitems; i++) {
        free(c->items[i].filename);
        free(c->items[i].entry);
        free(c->items[i].local);
        free(c->items[i].why);
        free(c->items[i].key);
    }
    for (size_t i = 0; i < c->nrecords; i++) {
        free(c->records[i].path);
        free(c->records[i].entry);
    }
    for (size_t i = 0; i < c->nleft; i++) {
        free(c->left[i].path);
        free(c->left[i].entry);
        free(c->left[i].reason);
    }
    for (size_t i = 0; i < c->nfolders; i++)
        free(c->folders[i].placed);
    release_draws(c);
    free(c->items);
    free(c->records);
    free(c->left);
    free(c->folders);
    free(c->root);
    free(c->staging);
    free(c->archive);
    free(c->verified_dir);
    cxr_layout_store_close(c);
    free(c->archive_key);
    cxr_layout_index_release(&c->index);
    cxr_layout_settings_release(&c->set);
}
