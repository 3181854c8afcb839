/* serve_catalog_build.c: the image catalog, read from the workdir's
 * manifests: every file of the trees (layout.csv), every image of the score
 * sets (<set>.csv; archive sets extracted by serve_archive.c), one entry per
 * distinct content (sha256), with the folders it is in, its scores, and the
 * provenance the select and sample manifests hold. */
#include "serve_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "fsutil.h"
#include "manifest.h"
#include "strmap.h"
#include "workdir.h"

typedef struct group_acc {
    size_t *members;
    size_t n, cap;
} group_acc;

typedef struct builder {
    const cxr_config *conf;
    const cxr_serve_settings *s;
    serve_catalog *cat;
    size_t cap, gcap;
    group_acc *acc;          /* by group */
    cxr_strmap *by_sha, *by_path, *by_group, *by_name;
    char *root;              /* the trees' directory */
    char *serve_dir;
} builder;

#define NOMEM(err) cxr_fail(err, CXR_ERR_NOMEM, "out of memory")

static const char *dup(builder *b, const char *s)
{
    return serve_arena_strdup(&b->cat->arena, s ? s : "");
}

static void note(builder *b, const char *text)
{
    if (b->cat->nnotes < sizeof(b->cat->notes) / sizeof(b->cat->notes[0]))
        b->cat->notes[b->cat->nnotes++] = dup(b, text);
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The image of content 'sha256', added when new. */
static cxr_status image_for(builder *b, const char *sha256, const char *file,
                            const char *source, const char *disk, uint64_t size, size_t *index,
                            cxr_error *err)
{
    serve_catalog *c = b->cat;
    serve_image *im;
    int added;

    if (cxr_strmap_get(b->by_sha, sha256, index))
        return CXR_OK;
    if (c->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        serve_image *grown = realloc(c->images, cap * sizeof(*grown));
        if (!grown)
            return NOMEM(err);
        c->images = grown;
        b->cap = cap;
    }
    im = &c->images[c->n];
    memset(im, 0, sizeof(*im));
    snprintf(im->sha256, sizeof(im->sha256), "%s", sha256);
    snprintf(im->id, sizeof(im->id), "%.*s", SERVE_ID_LEN, sha256);
    im->file = dup(b, file);
    im->source = dup(b, source);
    im->disk = dup(b, disk);
    im->size = size;
    if (!im->file || !im->source || !im->disk)
        return NOMEM(err);
    added = cxr_strmap_add(b->by_sha, sha256, c->n);
    if (added < 0)
        return NOMEM(err);
    *index = c->n++;
    return CXR_OK;
}

/* The group called 'name', added when new; 'set' is taken when it has none. */
static cxr_status group_for(builder *b, const char *name, const char *origin, const char *set,
                            size_t *index, cxr_error *err)
{
    serve_catalog *c = b->cat;
    serve_group *g;

    if (cxr_strmap_get(b->by_group, name, index)) {
        g = &c->groups[*index];
        if (set && !g->set && !(g->set = dup(b, set)))
            return NOMEM(err);
        return CXR_OK;
    }
    if (c->ngroups == b->gcap) {
        size_t cap = b->gcap ? b->gcap * 2 : 16;
        serve_group *grown = realloc(c->groups, cap * sizeof(*grown));
        group_acc *acc = grown ? realloc(b->acc, cap * sizeof(*acc)) : NULL;
        if (grown)
            c->groups = grown;
        if (!acc)
            return NOMEM(err);
        b->acc = acc;
        b->gcap = cap;
    }
    g = &c->groups[c->ngroups];
    memset(g, 0, sizeof(*g));
    memset(&b->acc[c->ngroups], 0, sizeof(b->acc[0]));
    g->name = dup(b, name);
    g->origin = dup(b, origin);
    g->set = set ? dup(b, set) : NULL;
    if (!g->name || !g->origin || (set && !g->set) || cxr_strmap_add(b->by_group, name,
                                                                     c->ngroups) < 0)
        return NOMEM(err);
    *index = c->ngroups++;
    return CXR_OK;
}

static cxr_status group_add(builder *b, size_t group, size_t image, cxr_error *err)
{
    group_acc *a = &b->acc[group];
    for (size_t i = 0; i < a->n; i++)
        if (a->members[i] == image)
            return CXR_OK;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        size_t *grown = realloc(a->members, cap * sizeof(*grown));
        if (!grown)
            return NOMEM(err);
        a->members = grown;
        a->cap = cap;
    }
    a->members[a->n++] = image;
    return CXR_OK;
}

static cxr_status fact_add(builder *b, serve_image *im, const char *label, const char *value,
                           cxr_error *err)
{
    serve_fact *f, **tail = &im->facts;
    if (!value || !*value)
        return CXR_OK;
    f = serve_arena_alloc(&b->cat->arena, sizeof(*f));
    if (!f || !(f->label = dup(b, label)) || !(f->value = dup(b, value)))
        return NOMEM(err);
    while (*tail)
        tail = &(*tail)->next;
    *tail = f;
    return CXR_OK;
}

/* Loads a manifest when it exists: *m NULL when it does not. */
static cxr_status load_if_there(const char *path, const char *const *cols, cxr_manifest **m,
                                cxr_error *err)
{
    *m = NULL;
    if (!path)
        return NOMEM(err);
    if (!cxr_is_file(path))
        return CXR_OK;
    return cxr_manifest_load(path, cols, m, err);
}

/* --- the trees --- */

static cxr_status add_place(builder *b, serve_image *im, const char *path, const char *draw,
                            const char *klass, cxr_error *err)
{
    serve_place *p = serve_arena_alloc(&b->cat->arena, sizeof(*p)), **tail = &im->places;
    const char *slash = strrchr(path, '/');
    char folder[4096];

    snprintf(folder, sizeof(folder), "%.*s", slash ? (int)(slash - path) : 0, path);
    if (!p || !(p->folder = dup(b, folder)) || !(p->path = dup(b, path)) ||
        !(p->draw = dup(b, draw)) || !(p->klass = dup(b, klass)))
        return NOMEM(err);
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
    return CXR_OK;
}

/* "a/b/c.png" -> "a/b" ("." for a file at the top). */
static void folder_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(out, size, "%.*s", (int)(slash - path), path);
    else
        snprintf(out, size, ".");
}

static cxr_status read_layout_row(builder *b, const cxr_manifest *m, size_t r, const int *col,
                                  cxr_error *err)
{
    const char *path = cxr_manifest_get(m, r, col[0]), *sha = cxr_manifest_get(m, r, col[1]);
    const char *entry = cxr_manifest_get(m, r, col[5]);
    char *disk = cxr_path_join(b->root, path), folder[4096];
    size_t idx = 0, group;
    cxr_status st;

    if (!disk)
        return NOMEM(err);
    if (!cxr_sha256_valid(sha))
        st = cxr_fail(err, CXR_ERR_INPUT, "line %zu: bad sha256 '%s'", r + 2, sha);
    else
        st = image_for(b, sha, base_of(*entry ? entry : path), cxr_manifest_get(m, r, col[4]),
                       disk, strtoull(cxr_manifest_get(m, r, col[2]), NULL, 10), &idx, err);
    free(disk);
    if (st == CXR_OK)
        st = add_place(b, &b->cat->images[idx], path, cxr_manifest_get(m, r, col[6]),
                       cxr_manifest_get(m, r, col[3]), err);
    if (st == CXR_OK && cxr_strmap_add(b->by_path, path, idx) < 0)
        st = NOMEM(err);
    folder_of(path, folder, sizeof(folder));
    if (st == CXR_OK)
        st = group_for(b, folder, "tree", NULL, &group, err);
    if (st == CXR_OK)
        st = group_add(b, group, idx, err);
    return st;
}

static cxr_status read_layout(builder *b, cxr_error *err)
{
    static const char *const cols[] = {"path", "sha256", "size", "class", "source",
                                       "entry", "draw", NULL};
    char *path = cxr_stage_path(b->conf, CXR_STAGE_LAYOUT, CXR_LAYOUT_CSV);
    cxr_manifest *m = NULL;
    int col[7];
    cxr_status st = load_if_there(path, cols, &m, err);

    free(path);
    if (st != CXR_OK || !m) {
        if (st == CXR_OK)
            note(b, "no layout manifest yet: run 'cxrprep run' to build the trees");
        return st == CXR_OK ? st : cxr_error_prefix(err, "layout: ");
    }
    for (int i = 0; i < 7; i++)
        col[i] = cxr_manifest_column(m, cols[i]);
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++)
        st = read_layout_row(b, m, r, col, err);
    cxr_manifest_free(m);
    return st == CXR_OK ? CXR_OK : cxr_error_prefix(err, "layout manifest: ");
}

/* --- the score sets --- */

static cxr_status add_score(builder *b, serve_image *im, const char *set, const cxr_manifest *m,
                            size_t r, const int *col, cxr_error *err)
{
    serve_scored *sc = serve_arena_alloc(&b->cat->arena, sizeof(*sc)), **tail = &im->scores;
    const char *score = cxr_manifest_get(m, r, col[1]);

    if (!sc || !(sc->set = dup(b, set)) || !(sc->score = dup(b, score)) ||
        !(sc->truth = dup(b, cxr_manifest_get(m, r, col[2]))) ||
        !(sc->prediction = dup(b, cxr_manifest_get(m, r, col[3]))) ||
        !(sc->error = dup(b, cxr_manifest_get(m, r, col[4]))))
        return NOMEM(err);
    sc->value = *score ? strtod(score, NULL) : -1;
    while (*tail)
        tail = &(*tail)->next;
    *tail = sc;
    return CXR_OK;
}

/* An image of a folder set that is not a file of the trees (a folder
 * outside layout.root, say): hashed where it is. */
static cxr_status folder_image(builder *b, const cxr_score_set_settings *set, const char *rel,
                               const char *image, size_t *idx, int *found, cxr_error *err)
{
    char *disk = cxr_path_join(b->root, rel), hex[CXR_SHA256_HEX];
    uint64_t size = 0;
    cxr_status st = CXR_OK;

    *found = 0;
    if (!disk)
        return NOMEM(err);
    if (cxr_is_file(disk) && cxr_sha256_file(disk, hex, &size, NULL) == CXR_OK) {
        st = image_for(b, hex, image, *set->source ? set->source : "score set", disk, size, idx,
                       err);
        *found = st == CXR_OK;
    }
    free(disk);
    return st;
}

static cxr_status read_folder_set(builder *b, const cxr_score_set_settings *set,
                                  const cxr_manifest *m, const int *col, cxr_error *err)
{
    size_t group;
    char origin[4200];
    cxr_status st;

    snprintf(origin, sizeof(origin), "score set '%s'", set->name);
    st = group_for(b, set->folder, set->folder[0] == '/' ? origin : "tree", set->name, &group,
                   err);
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++) {
        const char *image = cxr_manifest_get(m, r, col[0]);
        char rel[8192];
        size_t idx;
        int found = 1;
        snprintf(rel, sizeof(rel), "%s/%s", set->folder, image);
        if (!cxr_strmap_get(b->by_path, rel, &idx))
            st = folder_image(b, set, rel, image, &idx, &found, err);
        if (st == CXR_OK && found)
            st = add_score(b, &b->cat->images[idx], set->name, m, r, col, err);
        if (st == CXR_OK && found)
            st = group_add(b, group, idx, err);
    }
    return st;
}

static cxr_status read_archive_set(builder *b, const cxr_score_set_settings *set,
                                   const cxr_manifest *m, const int *col, cxr_error *err)
{
    size_t n = cxr_manifest_nrows(m), group;
    serve_archive_want *wants = calloc(n ? n : 1, sizeof(*wants));
    char origin[4200], *cache = cxr_path_join(b->serve_dir, "archive");
    cxr_error why = {0};
    cxr_status st = wants && cache ? CXR_OK : NOMEM(err);

    snprintf(origin, sizeof(origin), "archive %s", set->archive_dir);
    if (st == CXR_OK)
        st = group_for(b, set->name, origin, set->name, &group, err);
    for (size_t r = 0; st == CXR_OK && r < n; r++)
        wants[r] = (serve_archive_want){set->archive_dir, cxr_manifest_get(m, r, col[0]), NULL};
    if (st == CXR_OK && serve_archive_fetch(b->conf, b->s, cache, wants, n, &b->cat->arena,
                                            &why) != CXR_OK) {
        char text[CXR_ERROR_MAX + 200];
        if (why.status == CXR_ERR_NOMEM)
            st = NOMEM(err);
        snprintf(text, sizeof(text), "the images of score set '%s' cannot be shown: %s",
                 set->name, why.msg);
        note(b, text);
        n = 0;
    }
    for (size_t r = 0; st == CXR_OK && r < n; r++) {
        char hex[CXR_SHA256_HEX];
        uint64_t size = 0;
        size_t idx;
        if (!wants[r].disk || cxr_sha256_file(wants[r].disk, hex, &size, NULL) != CXR_OK)
            continue;
        st = image_for(b, hex, wants[r].image, *set->source ? set->source : "archive",
                       wants[r].disk, size, &idx, err);
        if (st == CXR_OK)
            st = add_score(b, &b->cat->images[idx], set->name, m, r, col, err);
        if (st == CXR_OK)
            st = group_add(b, group, idx, err);
    }
    free(cache);
    free(wants);
    return st;
}

static cxr_status read_scores(builder *b, cxr_error *err)
{
    static const char *const cols[] = {"image", "score", "truth", "prediction", "error", NULL};
    cxr_status st = CXR_OK;
    int any = 0;

    for (size_t i = 0; st == CXR_OK && i < b->s->score.nsets; i++) {
        const cxr_score_set_settings *set = &b->s->score.sets[i];
        char name[1024], *path;
        cxr_manifest *m = NULL;
        int col[5];
        if (!*set->name || (!set->folder && !set->archive_dir))
            continue;
        snprintf(name, sizeof(name), "%s.csv", set->name);
        path = cxr_stage_path(b->conf, CXR_STAGE_SCORE, name);
        st = load_if_there(path, cols, &m, err);
        free(path);
        if (st != CXR_OK || !m)
            continue;
        any = 1;
        for (int c = 0; c < 5; c++)
            col[c] = cxr_manifest_column(m, cols[c]);
        st = set->folder ? read_folder_set(b, set, m, col, err)
                         : read_archive_set(b, set, m, col, err);
        cxr_manifest_free(m);
        if (st != CXR_OK)
            cxr_error_prefix(err, "score set '%s': ", set->name);
    }
    if (st == CXR_OK && !any)
        note(b, "no scores yet: run 'cxrprep run' with score.model set to score the sets");
    return st;
}

/* --- provenance: the select and sample manifests --- */

/* The image a stage knows as (source, file), by the catalog's "source/file" map. */
static serve_image *image_named(builder *b, const char *source, const char *file)
{
    char key[4096];
    size_t idx;
    snprintf(key, sizeof(key), "%s/%s", source, file);
    return cxr_strmap_get(b->by_name, key, &idx) ? &b->cat->images[idx] : NULL;
}

static cxr_status read_select(builder *b, const char *name, cxr_error *err)
{
    static const char *const cols[] = {"line", "patientid", "filename", "finding", "view",
                                       "date", "date_iso", "split", NULL};
    char *path = cxr_stage_path(b->conf, CXR_STAGE_SELECT, name);
    cxr_manifest *m = NULL;
    int col[8];
    cxr_status st = load_if_there(path, cols, &m, err);

    free(path);
    if (st != CXR_OK || !m)
        return st;
    for (int i = 0; i < 8; i++)
        col[i] = cxr_manifest_column(m, cols[i]);
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++) {
        serve_image *im = image_named(b, "ieee8023", cxr_manifest_get(m, r, col[2]));
        char date[512], line[600];
        const char *iso = cxr_manifest_get(m, r, col[6]);
        if (!im)
            continue;
        snprintf(date, sizeof(date), "%s%s%s%s", cxr_manifest_get(m, r, col[5]),
                 *iso ? " (" : "", iso, *iso ? ")" : "");
        snprintf(line, sizeof(line), "%s line %s (%s)", "metadata.csv",
                 cxr_manifest_get(m, r, col[0]), name);
        st = fact_add(b, im, "patient", cxr_manifest_get(m, r, col[1]), err);
        if (st == CXR_OK && strcmp(date, "") != 0)
            st = fact_add(b, im, "date", date, err);
        if (st == CXR_OK)
            st = fact_add(b, im, "finding", cxr_manifest_get(m, r, col[3]), err);
        if (st == CXR_OK)
            st = fact_add(b, im, "view", cxr_manifest_get(m, r, col[4]), err);
        if (st == CXR_OK)
            st = fact_add(b, im, "split", cxr_manifest_get(m, r, col[7]), err);
        if (st == CXR_OK)
            st = fact_add(b, im, "selected from", line, err);
    }
    cxr_manifest_free(m);
    return st;
}

static cxr_status read_draw(builder *b, const char *path, cxr_error *err)
{
    static const char *const cols[] = {"filename", "patient", "split", "class", "entry",
                                       "draw", NULL};
    cxr_manifest *m = NULL;
    int col[6], rank;
    cxr_status st = cxr_manifest_load(path, cols, &m, err);

    if (st != CXR_OK)
        return st;
    for (int i = 0; i < 6; i++)
        col[i] = cxr_manifest_column(m, cols[i]);
    rank = cxr_manifest_column(m, "rank");
    for (size_t r = 0; st == CXR_OK && r < cxr_manifest_nrows(m); r++) {
        serve_image *im = image_named(b, "kermany", cxr_manifest_get(m, r, col[0]));
        char draw[600];
        if (!im)
            continue;
        if (rank >= 0 && *cxr_manifest_get(m, r, rank))
            snprintf(draw, sizeof(draw), "%s (rank %s, %s/%s)", cxr_manifest_get(m, r, col[5]),
                     cxr_manifest_get(m, r, rank), cxr_manifest_get(m, r, col[2]),
                     cxr_manifest_get(m, r, col[3]));
        else
            snprintf(draw, sizeof(draw), "%s (%s/%s)", cxr_manifest_get(m, r, col[5]),
                     cxr_manifest_get(m, r, col[2]), cxr_manifest_get(m, r, col[3]));
        st = fact_add(b, im, "patient", cxr_manifest_get(m, r, col[1]), err);
        if (st == CXR_OK)
            st = fact_add(b, im, "draw", draw, err);
        if (st == CXR_OK)
            st = fact_add(b, im, "archive entry", cxr_manifest_get(m, r, col[4]), err);
    }
    cxr_manifest_free(m);
    return st;
}

static int is_draw_manifest(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".csv") == 0 && strcmp(name, CXR_SAMPLE_REFUSED) != 0 &&
           strcmp(name, CXR_SAMPLE_DRAWS) != 0 && name[0] != '.' && !strstr(name, ".tmp.");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cxr_status read_sample(builder *b, cxr_error *err)
{
    char *dir = cxr_stage_path(b->conf, CXR_STAGE_SAMPLE, NULL), **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    cxr_status st = dir ? CXR_OK : NOMEM(err);

    while (st == CXR_OK && d && (e = readdir(d))) {
        if (!is_draw_manifest(e->d_name))
            continue;
        if (n == cap) {
            char **grown = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*grown));
            if (!grown) {
                st = NOMEM(err);
                break;
            }
            names = grown;
        }
        if (!(names[n] = cxr_path_join(dir, e->d_name)))
            st = NOMEM(err);
        else
            n++;
    }
    if (d)
        closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; st == CXR_OK && i < n; i++) {
        cxr_error ignored = {0};
        /* a CSV without a draw's columns is no draw: passed over */
        if (read_draw(b, names[i], &ignored) == CXR_ERR_NOMEM)
            st = NOMEM(err);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(dir);
    return st;
}

/* Where each image came from: the images URL template filled with the
 * file name, or the archive's URL. */
static cxr_status add_urls(builder *b, cxr_error *err)
{
    const cxr_common_settings *c = &b->s->score.common;

    for (size_t i = 0; i < b->cat->n; i++) {
        serve_image *im = &b->cat->images[i];
        char *url = NULL;
        if (strcmp(im->source, "ieee8023") == 0 && c->images_url_template) {
            if (!(url = cxr_source_url_fill(c->images_url_template, im->file)))
                return NOMEM(err);
        } else if (c->kermany.url && (strcmp(im->source, "kermany") == 0)) {
            if (!(url = strdup(c->kermany.url)))
                return NOMEM(err);
        }
        if (url && !(im->url = dup(b, url))) {
            free(url);
            return NOMEM(err);
        }
        free(url);
    }
    return CXR_OK;
}

static cxr_status index_names(builder *b, cxr_error *err)
{
    for (size_t i = 0; i < b->cat->n; i++) {
        char key[4096];
        snprintf(key, sizeof(key), "%s/%s", b->cat->images[i].source, b->cat->images[i].file);
        if (cxr_strmap_add(b->by_name, key, i) < 0)
            return NOMEM(err);
    }
    return CXR_OK;
}

/* --- finishing: images sorted by id, groups' members renumbered --- */

static int by_id(const void *a, const void *b)
{
    return strcmp(((const serve_image *)a)->id, ((const serve_image *)b)->id);
}

static cxr_status finish(builder *b, cxr_error *err)
{
    serve_catalog *c = b->cat;
    size_t *where = malloc((c->n ? c->n : 1) * sizeof(*where));

    if (!where)
        return NOMEM(err);
    qsort(c->images, c->n, sizeof(*c->images), by_id);
    for (size_t i = 0; i < c->n; i++) {
        size_t old;
        cxr_strmap_get(b->by_sha, c->images[i].sha256, &old);
        where[old] = i;
    }
    for (size_t g = 0; g < c->ngroups; g++) {
        group_acc *a = &b->acc[g];
        c->groups[g].members = serve_arena_alloc(&c->arena, (a->n ? a->n : 1) * sizeof(size_t));
        if (!c->groups[g].members) {
            free(where);
            return NOMEM(err);
        }
        for (size_t k = 0; k < a->n; k++)
            c->groups[g].members[k] = where[a->members[k]];
        c->groups[g].n = a->n;
    }
    free(where);
    return CXR_OK;
}

static cxr_status trees_dir(builder *b, cxr_error *err)
{
    const char *root = b->s->score.layout_root;
    const char *workdir = b->s->score.common.workdir;

    b->root = root[0] == '/' ? strdup(root) : cxr_path_join(workdir, root);
    b->serve_dir = cxr_path_join(workdir, "serve");
    return b->root && b->serve_dir ? CXR_OK : NOMEM(err);
}

void serve_catalog_free(serve_catalog *c)
{
    if (!c)
        return;
    free(c->images);
    free(c->groups);
    serve_arena_free(c->arena);
    free(c);
}

cxr_status serve_catalog_build(const cxr_config *conf, const cxr_serve_settings *s,
                               serve_catalog **out, cxr_error *err)
{
    builder b = {conf, s, calloc(1, sizeof(serve_catalog)), 0, 0, NULL, cxr_strmap_new(),
                 cxr_strmap_new(), cxr_strmap_new(), cxr_strmap_new(), NULL, NULL};
    cxr_status st = b.cat && b.by_sha && b.by_path && b.by_group && b.by_name ? CXR_OK
                                                                             : NOMEM(err);

    *out = NULL;
    if (st == CXR_OK)
        st = trees_dir(&b, err);
    if (st == CXR_OK)
        st = read_layout(&b, err);
    if (st == CXR_OK)
        st = read_scores(&b, err);
    if (st == CXR_OK)
        st = index_names(&b, err);
    if (st == CXR_OK)
        st = read_select(&b, CXR_SELECT_COVID_TRAIN, err);
    if (st == CXR_OK)
        st = read_select(&b, CXR_SELECT_HOLDOUT, err);
    if (st == CXR_OK)
        st = read_sample(&b, err);
    if (st == CXR_OK)
        st = add_urls(&b, err);
    if (st == CXR_OK)
        st = finish(&b, err);
    for (size_t g = 0; b.cat && g < b.cat->ngroups; g++)
        free(b.acc[g].members);
    free(b.acc);
    cxr_strmap_free(b.by_sha);
    cxr_strmap_free(b.by_path);
    cxr_strmap_free(b.by_group);
    cxr_strmap_free(b.by_name);
    free(b.root);
    free(b.serve_dir);
    if (st != CXR_OK)
        serve_catalog_free(b.cat);
    else
        *out = b.cat;
    return st;
}
