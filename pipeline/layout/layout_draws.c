/* layout_draws.c: the sample draws the folders take (manifests/sample/
 * draws.csv and <draw>.csv, in rank order), how many images each takes,
 * and the choice of its first usable candidates (see layout.h). */
#include "contract.h"
#include "layout_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "strmap.h"
#include "workdir.h"

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* Loads manifests/sample/<name>; a missing one says to run the sample. */
static cxr_status load_sample_manifest(const layout_ctx *c, const char *name,
                                       const char *const *cols, const char *folder,
                                       const char *draw, cxr_manifest **m, cxr_error *err)
{
    char *path = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, name);
    cxr_status st;
    if (!path)
        return nomem(err);
    st = cxr_manifest_load(path, cols, m, err);
    if (st != CXR_OK)
        cxr_error_prefix(err, "folder '%s' needs draw '%s' (run 'cxrprep sample' first): ",
                         folder, draw);
    free(path);
    return st;
}

static size_t find_draw(const layout_ctx *c, size_t before, const char *name, size_t len)
{
    for (size_t i = 0; i < before; i++)
        if (strlen(c->draws[i].name) == len && !strncmp(c->draws[i].name, name, len))
            return i;
    return LAYOUT_NONE;
}

/* disjoint_from: earlier draws' names joined by '/' (no draw name has one). */
static cxr_status parse_disjoint(layout_ctx *c, size_t i, const char *text, cxr_error *err)
{
    layout_draw *d = &c->draws[i];
    size_t n = *text ? 1 : 0;
    for (const char *p = text; *p; p++)
        n += *p == '/';
    if (n && !(d->disjoint = calloc(n, sizeof(*d->disjoint))))
        return nomem(err);
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "/"), o = find_draw(c, i, p, len);
        if (o == LAYOUT_NONE)
            return cxr_fail(err, CXR_ERR_INPUT, "sample manifest '%s': draw '%s' is disjoint "
                            "from '%.*s', which is not an earlier draw", CXR_SAMPLE_DRAWS,
                            d->name, (int)len, p);
        d->disjoint[d->ndisjoint++] = o;
        p += len + (p[len] == '/');
    }
    return CXR_OK;
}

static cxr_status read_draw_rows(layout_ctx *c, const cxr_manifest *m, cxr_error *err)
{
    int name = cxr_manifest_column(m, "draw"), count = cxr_manifest_column(m, "count");
    int from = cxr_manifest_column(m, "count_from");
    int disj = cxr_manifest_column(m, "disjoint_from");
    int pat = cxr_manifest_column(m, "patient_disjoint");
    c->ndraws = cxr_manifest_nrows(m);
    if (!(c->draws = calloc(c->ndraws ? c->ndraws : 1, sizeof(*c->draws)))) {
        c->ndraws = 0;
        return nomem(err);
    }
    for (size_t i = 0; i < c->ndraws; i++) {
        layout_draw *d = &c->draws[i];
        cxr_status st;
        d->name = strdup(cxr_manifest_get(m, i, name));
        d->count_from = strdup(cxr_manifest_get(m, i, from));
        if (!d->name || !d->count_from)
            return nomem(err);
        d->nominal = (size_t)strtoull(cxr_manifest_get(m, i, count), NULL, 10);
        d->patient_disjoint = !strcmp(cxr_manifest_get(m, i, pat), "1");
        if ((st = parse_disjoint(c, i, cxr_manifest_get(m, i, disj), err)) != CXR_OK)
            return st;
    }
    return CXR_OK;
}

typedef struct ranked_row {
    unsigned long long rank;
    size_t row;
} ranked_row;

static int rank_cmp(const void *pa, const void *pb)
{
    const ranked_row *a = pa, *b = pb;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* Row r of a draw's manifest as candidate cd (the k-th by rank). */
static cxr_status read_cand(const layout_draw *d, const cxr_manifest *m, size_t r, size_t k,
                            unsigned long long rank, layout_cand *cd, cxr_error *err)
{
    int nominal = !strcmp(cxr_manifest_get(m, r, cxr_manifest_column(m, "nominal")), "1");
    if (rank != k + 1 || nominal != (k < d->nominal))
        return cxr_fail(err, CXR_ERR_INPUT, "sample manifest '%s.csv': its ranks are not "
                        "1..%zu with the first %zu nominal (line %zu): run 'cxrprep sample' "
                        "again", d->name, cxr_manifest_nrows(m), d->nominal, r + 2);
    cd->nominal = nominal;
    cd->filename = strdup(cxr_manifest_get(m, r, cxr_manifest_column(m, "filename")));
    cd->patient = strdup(cxr_manifest_get(m, r, cxr_manifest_column(m, "patient")));
    cd->entry = strdup(cxr_manifest_get(m, r, cxr_manifest_column(m, "entry")));
    cd->size = strtoull(cxr_manifest_get(m, r, cxr_manifest_column(m, "size")), NULL, 10);
    if (!cd->filename || !cd->patient || !cd->entry)
        return nomem(err);
    return CXR_OK;
}

/* The rows of one draw's manifest, by rank. */
static cxr_status read_cands(layout_draw *d, const cxr_manifest *m, cxr_error *err)
{
    int rcol = cxr_manifest_column(m, "rank");
    size_t n = cxr_manifest_nrows(m);
    ranked_row *order = malloc((n ? n : 1) * sizeof(*order));
    cxr_status st = CXR_OK;
    if (!order || !(d->cands = calloc(n ? n : 1, sizeof(*d->cands)))) {
        free(order);
        return nomem(err);
    }
    d->ncands = n;
    for (size_t r = 0; r < n; r++) {
        order[r].rank = strtoull(cxr_manifest_get(m, r, rcol), NULL, 10);
        order[r].row = r;
    }
    qsort(order, n, sizeof(*order), rank_cmp);
    for (size_t k = 0; st == CXR_OK && k < n; k++)
        st = read_cand(d, m, order[k].row, k, order[k].rank, &d->cands[k], err);
    free(order);
    return st;
}

/* The table of archive entries the laid-out draws may take. */
static cxr_status index_images(layout_ctx *c, cxr_error *err)
{
    cxr_strmap *map = cxr_strmap_new();
    size_t total = 0, cap;
    cxr_status st = CXR_OK;
    for (size_t i = 0; i < c->ndraws; i++)
        total += c->draws[i].ncands;
    cap = total ? total : 1;
    if (!map || !(c->images = calloc(cap, sizeof(*c->images)))) {
        cxr_strmap_free(map);
        return nomem(err);
    }
    for (size_t i = 0; st == CXR_OK && i < c->ndraws; i++)
        for (size_t k = 0; st == CXR_OK && k < c->draws[i].ncands; k++) {
            layout_cand *cd = &c->draws[i].cands[k];
            int added = cxr_strmap_add(map, cd->entry, c->nimages);
            if (added < 0)
                st = nomem(err);
            else if (added)
                c->images[c->nimages++].entry = cd->entry;
            if (st == CXR_OK)
                cxr_strmap_get(map, cd->entry, &cd->image);
        }
    cxr_strmap_free(map);
    return st;
}

/* Links the folders to their draws and loads the manifests they need. */
static cxr_status link_folders(layout_ctx *c, cxr_error *err)
{
    static const char *const cols[] = {"filename", "patient", "entry", "size", "rank",
                                       "nominal", NULL};
    for (size_t f = 0; f < c->nfolders; f++) {
        layout_folder *fo = &c->folders[f];
        layout_draw *d;
        char file[160];
        cxr_manifest *m;
        cxr_status st;
        if (cxr_contract_select_manifest(fo->draw))
            continue;
        if ((fo->sdraw = find_draw(c, c->ndraws, fo->draw, strlen(fo->draw))) == LAYOUT_NONE)
            return cxr_fail(err, CXR_ERR_MISSING, "folder '%s' needs draw '%s' (run "
                            "'cxrprep sample' first): '%s' does not list it", fo->path,
                            fo->draw, CXR_SAMPLE_DRAWS);
        d = &c->draws[fo->sdraw];
        if (!d->laid_out) {
            snprintf(file, sizeof(file), "%s.csv", d->name);
            if ((st = load_sample_manifest(c, file, cols, fo->path, fo->draw, &m, err)) !=
                CXR_OK)
                return st;
            st = read_cands(d, m, err);
            cxr_manifest_free(m);
            if (st != CXR_OK)
                return st;
            d->laid_out = 1;
        }
        if (!(fo->placed = calloc(d->ncands ? d->ncands : 1, 1)))
            return nomem(err);
    }
    return CXR_OK;
}

cxr_status cxr_layout_load_draws(layout_ctx *c, cxr_error *err)
{
    static const char *const cols[] = {"draw", "count", "count_from", "disjoint_from",
                                       "patient_disjoint", NULL};
    size_t first = LAYOUT_NONE;
    cxr_manifest *m;
    cxr_status st;
    for (size_t f = 0; f < c->nfolders && first == LAYOUT_NONE; f++)
        if (!cxr_contract_select_manifest(c->folders[f].draw))
            first = f;
    if (first == LAYOUT_NONE)
        return CXR_OK; /* no folder takes a sample draw */
    st = load_sample_manifest(c, CXR_SAMPLE_DRAWS, cols, c->folders[first].path,
                              c->folders[first].draw, &m, err);
    if (st != CXR_OK)
        return st;
    st = read_draw_rows(c, m, err);
    cxr_manifest_free(m);
    if (st == CXR_OK)
        st = link_folders(c, err);
    if (st == CXR_OK)
        st = index_images(c, err);
    return st;
}

/* 1 when some folder lays out the covid draw 'name'. */
static int covid_laid_out(const layout_ctx *c, const char *name)
{
    for (size_t f = 0; f < c->nfolders; f++)
        if (!strcmp(c->folders[f].draw, name))
            return 1;
    return 0;
}

/* The covid images of 'name' laid out in at least one folder. */
static size_t covid_count(const layout_ctx *c, const char *name)
{
    size_t n = 0;
    for (size_t i = 0, end; i < c->nitems; i = end) {
        int ours = 0;
        for (end = i; end < c->nitems && !strcmp(c->items[end].entry, c->items[i].entry);
             end++)
            ours |= !strcmp(c->folders[c->items[end].folder].draw, name);
        n += ours && c->items[i].outcome == OUTCOME_PLACED;
    }
    return n;
}

void cxr_layout_size_draws(layout_ctx *c)
{
    for (size_t i = 0; i < c->ndraws; i++) {
        layout_draw *d = &c->draws[i];
        d->wanted = d->nominal;
        if (d->laid_out && *d->count_from && covid_laid_out(c, d->count_from))
            d->wanted = covid_count(c, d->count_from);
    }
}

/* Marks the images (used) and patients (map, may be NULL) of the draws d is
 * disjoint from, as they chose. */
static cxr_status mark_used(const layout_ctx *c, const layout_draw *d, unsigned char *used,
                            cxr_strmap *patients, cxr_error *err)
{
    memset(used, 0, c->nimages ? c->nimages : 1);
    for (size_t k = 0; k < d->ndisjoint; k++) {
        const layout_draw *o = &c->draws[d->disjoint[k]];
        for (size_t j = 0; j < o->ncands; j++) {
            const layout_cand *cd = &o->cands[j];
            if (!cd->chosen)
                continue;
            used[cd->image] = 1;
            if (patients && *cd->patient && cxr_strmap_add(patients, cd->patient, 0) < 0)
                return nomem(err);
        }
    }
    return CXR_OK;
}

static void choose_draw(const layout_ctx *c, layout_draw *d, const unsigned char *used,
                        const cxr_strmap *patients)
{
    d->nchosen = d->nbad = d->ntaken_file = d->ntaken_patient = d->nreplacements = 0;
    for (size_t k = 0; k < d->ncands; k++) {
        layout_cand *cd = &d->cands[k];
        cd->chosen = 0;
        cd->skip = SKIP_NONE;
        if (c->images[cd->image].state == STATE_BAD) {
            cd->skip = SKIP_BAD;
            d->nbad++;
        } else if (used[cd->image]) {
            cd->skip = SKIP_FILE;
            d->ntaken_file++;
        } else if (patients && *cd->patient && cxr_strmap_get(patients, cd->patient, NULL)) {
            cd->skip = SKIP_PATIENT;
            d->ntaken_patient++;
        } else if (d->nchosen < d->wanted) {
            cd->chosen = 1;
            d->nchosen++;
            d->nreplacements += !cd->nominal;
        }
    }
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* With PNG output 'a.jpeg' and 'a.png' of one draw land on one path. */
static cxr_status check_names(const layout_ctx *c, size_t i, cxr_error *err)
{
    const layout_draw *d = &c->draws[i];
    size_t f = 0, n = 0;
    char **paths;
    cxr_status st = CXR_OK;
    while (f < c->nfolders && c->folders[f].sdraw != i)
        f++;
    if (!c->set.png || f == c->nfolders || d->nchosen < 2)
        return CXR_OK;
    if (!(paths = calloc(d->nchosen, sizeof(*paths))))
        return nomem(err);
    for (size_t k = 0; st == CXR_OK && k < d->ncands; k++)
        if (d->cands[k].chosen &&
            !(paths[n++] = cxr_layout_out_path(c, f, d->cands[k].filename)))
            st = nomem(err);
    if (st == CXR_OK)
        qsort(paths, n, sizeof(*paths), str_cmp);
    for (size_t k = 1; st == CXR_OK && k < n; k++)
        if (!strcmp(paths[k - 1], paths[k]))
            st = cxr_fail(err, CXR_ERR_INPUT, "two images would be laid out as '%s'",
                          paths[k]);
    for (size_t k = 0; k < n; k++)
        free(paths[k]);
    free(paths);
    return st;
}

cxr_status cxr_layout_choose(layout_ctx *c, size_t *short_draw, cxr_error *err)
{
    unsigned char *used = malloc(c->nimages ? c->nimages : 1);
    cxr_status st = used ? CXR_OK : nomem(err);
    *short_draw = LAYOUT_NONE;
    for (size_t i = 0; st == CXR_OK && i < c->ndraws; i++) {
        layout_draw *d = &c->draws[i];
        cxr_strmap *patients = NULL;
        if (!d->laid_out)
            continue;
        if (d->patient_disjoint && d->ndisjoint && !(patients = cxr_strmap_new()))
            st = nomem(err);
        if (st == CXR_OK)
            st = mark_used(c, d, used, patients, err);
        if (st == CXR_OK) {
            choose_draw(c, d, used, patients);
            st = check_names(c, i, err);
        }
        if (st == CXR_OK && d->nchosen < d->wanted && *short_draw == LAYOUT_NONE)
            *short_draw = i;
        cxr_strmap_free(patients);
    }
    free(used);
    return st;
}

cxr_status cxr_layout_shortfall(const layout_ctx *c, size_t i, cxr_error *err)
{
    const layout_draw *d = &c->draws[i];
    char because[256] = "";
    if (*d->count_from && covid_laid_out(c, d->count_from))
        snprintf(because, sizeof(because), " (as many as '%s' laid out)", d->count_from);
    return cxr_fail(err, CXR_ERR_INPUT, "draw '%s' needs %zu images%s but only %zu of its "
                    "%zu candidates can be laid out (%zu failed verification, %zu are "
                    "images of earlier draws it is disjoint from, %zu of their patients)",
                    d->name, d->wanted, because, d->nchosen, d->ncands, d->nbad,
                    d->ntaken_file, d->ntaken_patient);
}
