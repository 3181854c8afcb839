/* layout_plan.c: the plan of the layout stage: its folders, the images each
 * one gets (from the select and sample manifests), and the fingerprint of
 * every input, which decides whether a rerun has anything to do. */
#include "contract.h"
#include "layout_internal.h"

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
static int is_sample_draw(const cxr_config *conf, const char *draw)
{
    size_t n = cxr_config_len(conf, "sample.draws");
    for (size_t i = 0; i < n; i++) {
        char key[64];
        const char *name;
        snprintf(key, sizeof(key), "sample.draws.%zu.name", i);
        name = cxr_config_str(conf, key);
        if (name && !strcmp(name, draw))
            return 1;
    }
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
    c->nfolders = cxr_config_len(c->conf, "layout.folders");
    c->folders = calloc(c->nfolders ? c->nfolders : 1, sizeof(*c->folders));
    if (!c->folders)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->nfolders; i++) {
        layout_folder *f = &c->folders[i];
        char key[64];
        const char *why, *slash;
        snprintf(key, sizeof(key), "layout.folders.%zu.path", i);
        f->path = cxr_config_str(c->conf, key);
        snprintf(key, sizeof(key), "layout.folders.%zu.draw", i);
        f->draw = cxr_config_str(c->conf, key);
        why = folder_problem(f->path);
        for (size_t j = 0; !why && j < i; j++)
            if (nested(c->folders[j].path, f->path) || nested(f->path, c->folders[j].path))
                why = "the same as, inside or around another folder";
        if (why)
            return cxr_fail(err, CXR_ERR_CONFIG, "%s: layout.folders.%zu.path '%s' cannot "
                            "be a folder: %s", cxr_config_file(c->conf), i, f->path, why);
        slash = strrchr(f->path, '/');
        f->klass = slash ? slash + 1 : f->path;
    }
    return CXR_OK;
}

static layout_item *new_item(layout_ctx *c, size_t *cap)
{
    if (c->nitems == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        if (!(c->items = realloc(c->items, *cap * sizeof(*c->items))))
            abort();
    }
    memset(&c->items[c->nitems], 0, sizeof(*c->items));
    return &c->items[c->nitems++];
}

/* The covid images of one folder, from a select manifest. A file that is
 * not in the cache yet is left with local NULL and quarantined later when
 * missing images are allowed. */
static cxr_status plan_covid(layout_ctx *c, size_t fi, const cxr_manifest *m,
                             size_t *cap, cxr_error *err)
{
    const char *tmpl = cxr_config_str(c->conf, "sources.images.url_template");
    int col = cxr_manifest_column(m, "filename");
    if (!tmpl)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: sources.images.url_template is needed "
                        "to lay out draw '%s'", cxr_config_file(c->conf), c->folders[fi].draw);
    for (size_t r = 0; r < cxr_manifest_nrows(m); r++) {
        layout_item *it = new_item(c, cap);
        const char *name = cxr_manifest_get(m, r, col);
        char *url = cxr_source_url_fill(tmpl, name);
        cxr_error e2;
        it->folder = fi;
        it->src = SRC_IEEE8023;
        it->filename = cxr_strdup(name);
        it->entry = cxr_strdup(name);
        if (cxr_source_local_path(c->conf, url, NULL, &it->local, &e2) != CXR_OK) {
            if (e2.status != CXR_ERR_MISSING || !c->allow_missing) {
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

static cxr_status plan_kermany(layout_ctx *c, size_t fi, const cxr_manifest *m,
                               size_t *cap, cxr_error *err)
{
    int name = cxr_manifest_column(m, "filename"), entry = cxr_manifest_column(m, "entry");
    int size = cxr_manifest_column(m, "size");
    (void)err;
    for (size_t r = 0; r < cxr_manifest_nrows(m); r++) {
        layout_item *it = new_item(c, cap);
        it->folder = fi;
        it->src = SRC_KERMANY;
        it->filename = cxr_strdup(cxr_manifest_get(m, r, name));
        it->entry = cxr_strdup(cxr_manifest_get(m, r, entry));
        it->size = strtoull(cxr_manifest_get(m, r, size), NULL, 10);
    }
    return CXR_OK;
}

static cxr_status plan_folder(layout_ctx *c, size_t fi, size_t *cap, cxr_error *err)
{
    static const char *const covid_cols[] = {"filename", NULL};
    static const char *const sample_cols[] = {"filename", "entry", "size", NULL};
    const char *draw = c->folders[fi].draw, *sel = cxr_contract_select_manifest(draw);
    char file[160], *path;
    cxr_manifest *m;
    cxr_status st;
    snprintf(file, sizeof(file), "%s.csv", draw);
    if (!sel && (cxr_safename_problem(file) || !is_sample_draw(c->conf, draw)))
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: layout.folders.%zu.draw '%s' is neither "
                        "covid_train, covid_holdout nor a name in sample.draws",
                        cxr_config_file(c->conf), fi, draw);
    path = sel ? cxr_stage_path(c->conf, CXR_STAGE_SELECT, sel) : cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, file);
    st = cxr_manifest_load(path, sel ? covid_cols : sample_cols, &m, err);
    if (st != CXR_OK) {
        cxr_error_prefix(err, "folder '%s' needs draw '%s' (run 'cxrprep %s' first): ",
                         c->folders[fi].path, draw, sel ? "select" : "sample");
        free(path);
        return st;
    }
    free(path);
    st = sel ? plan_covid(c, fi, m, cap, err) : plan_kermany(c, fi, m, cap, err);
    cxr_manifest_free(m);
    return st;
}

char *cxr_layout_out_path(const layout_ctx *c, const layout_item *it)
{
    const char *folder = c->folders[it->folder].path, *dot = strrchr(it->filename, '.');
    size_t base = c->png && dot && dot != it->filename ? (size_t)(dot - it->filename)
                                                       : strlen(it->filename);
    size_t n = strlen(folder) + base + 8;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%.*s%s", folder, (int)base, it->filename, c->png ? ".png" : "");
    return p;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two images may not land on one path ('a.jpg' and 'a.png' as PNGs). */
static cxr_status check_collisions(const layout_ctx *c, cxr_error *err)
{
    char **paths = malloc((c->nitems ? c->nitems : 1) * sizeof(*paths));
    cxr_status st = CXR_OK;
    if (!paths)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->nitems; i++)
        paths[i] = cxr_layout_out_path(c, &c->items[i]);
    if (c->nitems)
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

static int item_cmp(const void *pa, const void *pb)
{
    const layout_item *a = pa, *b = pb;
    int d;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if ((d = strcmp(a->entry, b->entry)) != 0)
        return d;
    return a->folder < b->folder ? -1 : a->folder > b->folder;
}

static char *layout_verified_dir(const cxr_config *conf)
{
    const char *wd = cxr_config_str(conf, "workdir");
    char *p = cxr_path_join(wd && *wd ? wd : ".", "cache/verified");
    if (!p)
        abort();
    return p;
}

static char *tree_root(const cxr_config *conf)
{
    const char *root = cxr_config_str(conf, "layout.root");
    const char *wd = cxr_config_str(conf, "workdir");
    char *p = cxr_path_join(wd && *wd ? wd : ".", root);
    if (!p)
        abort();
    return p;
}

cxr_status cxr_layout_plan(layout_ctx *c, cxr_error *err)
{
    const char *link = cxr_config_str(c->conf, "layout.link");
    size_t cap = 0;
    cxr_status st;
    c->root = tree_root(c->conf);
    c->verified_dir = layout_verified_dir(c->conf);
    c->png = !strcmp(cxr_config_str(c->conf, "layout.images"), "png");
    c->image_size = (int)cxr_config_int(c->conf, "layout.image_size");
    c->max_dimension = (int)cxr_config_int(c->conf, "layout.max_dimension");
    c->verify = cxr_config_bool(c->conf, "layout.verify") || c->png;
    c->allow_missing = cxr_config_bool(c->conf, "sources.images.allow_missing");
    c->link = !strcmp(link, "hardlink") ? LINK_HARD : !strcmp(link, "copy") ? LINK_COPY
                                                                            : LINK_AUTO;
    if ((st = read_folders(c, err)) != CXR_OK)
        return st;
    for (size_t i = 0; i < c->nfolders; i++)
        if ((st = plan_folder(c, i, &cap, err)) != CXR_OK)
            return st;
    if (c->nitems)
        qsort(c->items, c->nitems, sizeof(*c->items), item_cmp);
    if ((st = check_collisions(c, err)) != CXR_OK)
        return st;
    for (size_t i = 0; i < c->nitems; i++)
        if (c->items[i].src == SRC_KERMANY && !c->archive) {
            const char *url = cxr_config_str(c->conf, "sources.kermany.url");
            if (!url)
                return cxr_fail(err, CXR_ERR_CONFIG, "%s: sources.kermany is needed to "
                                "lay out the sample draws", cxr_config_file(c->conf));
            st = cxr_source_local_path(c->conf, url,
                                       cxr_config_str(c->conf, "sources.kermany.sha256"),
                                       &c->archive, err);
            if (st != CXR_OK)
                return st;
        }
    return CXR_OK;
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

cxr_status cxr_layout_fingerprint(const layout_ctx *c, char hex[CXR_SHA256_HEX], cxr_error *err)
{
    cxr_sha256 *h = cxr_sha256_new();
    char buf[128], conf_hash[CXR_SHA256_HEX];
    if (!h)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    cxr_config_hash(c->conf, "layout", conf_hash);
    hash_line(h, "tool", "cxrprep-layout " CXR_VERSION);
    hash_line(h, "config", conf_hash);
    hash_line(h, "root", c->root);
    hash_line(h, "allow_missing", c->allow_missing ? "1" : "0");
    hash_line(h, "archive", c->archive);
    stat_text(c->archive, buf, sizeof(buf));
    hash_line(h, "archive_stat", c->archive ? buf : NULL);
    hash_line(h, "archive_sha256", cxr_config_str(c->conf, "sources.kermany.sha256"));
    for (size_t i = 0; i < c->nitems; i++) {
        const layout_item *it = &c->items[i];
        snprintf(buf, sizeof(buf), "%zu %d %llu", it->folder, (int)it->src,
                 (unsigned long long)it->size);
        hash_line(h, "item", buf);
        hash_line(h, it->filename, it->entry);
        stat_text(it->local, buf, sizeof(buf));
        hash_line(h, it->local ? it->local : "-", it->local ? buf : NULL);
    }
    cxr_sha256_final(h, hex);
    cxr_sha256_free(h);
    return CXR_OK;
}

void cxr_layout_ctx_release(layout_ctx *c)
{
    for (size_t i = 0; i < c->nitems; i++) {
        free(c->items[i].filename);
        free(c->items[i].entry);
        free(c->items[i].local);
    }
    for (size_t i = 0; i < c->nrecords; i++) {
        free(c->records[i].path);
        free(c->records[i].entry);
        free(c->records[i].reason);
    }
    free(c->items);
    free(c->records);
    free(c->folders);
    free(c->root);
    free(c->staging);
    free(c->archive);
    free(c->verified_dir);
}
