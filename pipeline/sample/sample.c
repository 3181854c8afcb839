/* sample.c: the sample stage: reads the draws from the config, lists the
 * archive, draws each sample and writes the manifests (see sample.h). */
#include "contract.h"
#include "sample.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "archive_reader.h"
#include "fsutil.h"
#include "manifest.h"
#include "safename.h"
#include "summary.h"
#include "workdir.h"

#define PATIENT_MAX 64

typedef struct draw {
    char key[64];            /* "sample.draws.<i>" */
    const char *name, *split, *klass; /* borrowed from the config */
    size_t count;
    size_t *chosen;          /* owned; indices into ls->images, ascending */
    size_t ncandidates, excluded_file, excluded_patient;
} draw;

typedef struct sample_ctx {
    const cxr_config *conf;
    char *archive;           /* owned: local path of the archive */
    cxr_archive_listing *ls;
    const char *root;        /* borrowed from ls */
    draw *draws;
    size_t ndraws;
} sample_ctx;

static const char *draw_str(const cxr_config *conf, const draw *d, const char *field)
{
    char path[128];
    snprintf(path, sizeof(path), "%s.%s", d->key, field);
    return cxr_config_str(conf, path);
}

static cxr_status resolve_count(const cxr_config *conf, draw *d, cxr_error *err)
{
    const char *text = draw_str(conf, d, "count"), *file;
    cxr_manifest *m;
    char *path;
    cxr_status st;
    if (cxr_sample_parse_count(text, &d->count))
        return CXR_OK;
    if (!text || !(file = cxr_contract_select_manifest(text)))
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: %s.count '%s' is neither a number nor "
                        "'covid_train' or 'covid_holdout'", cxr_config_file(conf), d->key,
                        text ? text : "");
    path = cxr_stage_path(conf, CXR_STAGE_SELECT, file);
    st = cxr_manifest_load(path, NULL, &m, err);
    if (st == CXR_OK) {
        d->count = cxr_manifest_nrows(m);
        cxr_manifest_free(m);
    } else if (st == CXR_ERR_IO || st == CXR_ERR_MISSING) {
        cxr_error_prefix(err, "draw '%s' takes its count from '%s' (run "
                         "'cxrprep select' first): ", d->name, path);
    }
    free(path);
    return st;
}

static cxr_status check_draw(const sample_ctx *c, size_t i, cxr_error *err)
{
    const draw *d = &c->draws[i];
    const char *why = cxr_safename_problem(d->name);
    if (!why && strlen(d->name) > 100)
        why = "longer than 100 bytes";
    if (!why && (cxr_contract_select_manifest(d->name) || !strcmp(d->name, "refused") ||
                 !strcmp(d->name, "summary")))
        why = "reserved";
    for (size_t j = 0; !why && j < i; j++)
        if (!strcmp(c->draws[j].name, d->name))
            why = "used by an earlier draw";
    if (why)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: %s.name '%s' cannot name a draw: %s",
                        cxr_config_file(c->conf), d->key, d->name, why);
    return CXR_OK;
}

static cxr_status read_draws(sample_ctx *c, cxr_error *err)
{
    c->ndraws = cxr_config_len(c->conf, "sample.draws");
    c->draws = calloc(c->ndraws ? c->ndraws : 1, sizeof(*c->draws));
    if (!c->draws)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->ndraws; i++) {
        draw *d = &c->draws[i];
        cxr_status st;
        snprintf(d->key, sizeof(d->key), "sample.draws.%zu", i);
        d->name = draw_str(c->conf, d, "name");
        d->split = draw_str(c->conf, d, "split");
        d->klass = draw_str(c->conf, d, "class");
        if ((st = check_draw(c, i, err)) != CXR_OK ||
            (st = resolve_count(c->conf, d, err)) != CXR_OK)
            return st;
    }
    return CXR_OK;
}

static cxr_status load_archive(sample_ctx *c, char *note, size_t note_size, cxr_error *err)
{
    const char *url = cxr_config_str(c->conf, "sources.kermany.url");
    cxr_archive_limits lim;
    cxr_status st;
    if (!url)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: sources.kermany is required by the "
                        "sample stage", cxr_config_file(c->conf));
    st = cxr_source_local_path(c->conf, url, cxr_config_str(c->conf, "sources.kermany.sha256"),
                               &c->archive, err);
    if (st != CXR_OK)
        return st;
    lim.max_entries = (uint64_t)cxr_config_int(c->conf, "sources.kermany.max_entries");
    lim.max_total_size = (uint64_t)cxr_config_int(c->conf, "sources.kermany.max_total_size");
    if ((st = cxr_archive_list(c->archive, &lim, &c->ls, err)) != CXR_OK)
        return st;
    return cxr_archive_choose_root(c->ls, cxr_config_str(c->conf, "sample.archive_root"),
                                   &c->root, note, note_size, err);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const draw *find_draw(const sample_ctx *c, size_t before, const char *name)
{
    for (size_t j = 0; j < before; j++)
        if (!strcmp(c->draws[j].name, name))
            return &c->draws[j];
    return NULL;
}

/* Marks the images of the draws in disjoint_from in 'excluded' and gathers
 * their patients (malloc'd copies, sorted) into *patients. */
static cxr_status gather_exclusions(const sample_ctx *c, size_t i, unsigned char *excluded,
                                    char ***patients, size_t *npatients, cxr_error *err)
{
    const draw *d = &c->draws[i];
    char path[128];
    size_t n, cap = 0;
    snprintf(path, sizeof(path), "%s.disjoint_from", d->key);
    n = cxr_config_len(c->conf, path);
    *patients = NULL;
    *npatients = 0;
    for (size_t k = 0; k < n; k++) {
        const char *other = cxr_config_list_str(c->conf, path, k);
        const draw *o = other ? find_draw(c, i, other) : NULL;
        if (!o)
            return cxr_fail(err, CXR_ERR_CONFIG, "%s: %s.disjoint_from names '%s', which "
                            "is not an earlier draw", cxr_config_file(c->conf), d->key,
                            other ? other : "");
        for (size_t m = 0; m < o->count; m++) {
            const cxr_archive_image *img = &c->ls->images[o->chosen[m]];
            char pid[PATIENT_MAX];
            excluded[o->chosen[m]] = 1;
            cxr_kermany_patient(img->name, pid, sizeof(pid));
            if (!*pid)
                continue;
            if (*npatients == cap) {
                cap = cap ? cap * 2 : 64;
                if (!(*patients = realloc(*patients, cap * sizeof(**patients))))
                    abort();
            }
            (*patients)[(*npatients)++] = cxr_strdup(pid);
        }
    }
    if (*npatients)
        qsort(*patients, *npatients, sizeof(**patients), str_cmp);
    return CXR_OK;
}

/* Indices of the candidates of draw i, in listing (bytewise) order. */
static void candidates(const sample_ctx *c, draw *d, const unsigned char *excluded,
                       char **patients, size_t npatients, int by_patient,
                       size_t *cand, size_t *ncand)
{
    *ncand = 0;
    for (size_t k = 0; k < c->ls->nimages; k++) {
        const cxr_archive_image *img = &c->ls->images[k];
        char pid[PATIENT_MAX];
        const char *key = pid;
        if (strcmp(img->root, c->root) || strcmp(img->split, d->split) ||
            strcmp(img->klass, d->klass))
            continue;
        d->ncandidates++;
        if (excluded[k]) {
            d->excluded_file++;
            continue;
        }
        cxr_kermany_patient(img->name, pid, sizeof(pid));
        if (by_patient && *pid && npatients &&
            bsearch(&key, patients, npatients, sizeof(*patients), str_cmp)) {
            d->excluded_patient++;
            continue;
        }
        cand[(*ncand)++] = k;
    }
}

static cxr_status run_draw(sample_ctx *c, size_t i, cxr_error *err)
{
    draw *d = &c->draws[i];
    size_t nimg = c->ls->nimages, ncand = 0, npatients = 0;
    unsigned char *excluded = calloc(nimg ? nimg : 1, 1);
    size_t *cand = malloc((nimg ? nimg : 1) * sizeof(*cand));
    char **patients = NULL, path[128];
    cxr_rng rng;
    cxr_status st = CXR_ERR_NOMEM;
    d->chosen = malloc((d->count ? d->count : 1) * sizeof(*d->chosen));
    snprintf(path, sizeof(path), "%s.patient_disjoint", d->key);
    if (!excluded || !cand || !d->chosen) {
        cxr_fail(err, st, "out of memory");
        goto done;
    }
    st = gather_exclusions(c, i, excluded, &patients, &npatients, err);
    if (st == CXR_OK)
        candidates(c, d, excluded, patients, npatients, cxr_config_bool(c->conf, path),
                   cand, &ncand);
    if (st == CXR_OK && ncand < d->count)
        st = cxr_fail(err, CXR_ERR_INPUT, "draw '%s' wants %zu images but only %zu "
                      "candidates remain (%zu in %s/%s under root '%s', %zu excluded as "
                      "files of earlier draws, %zu as their patients)", d->name, d->count,
                      ncand, d->ncandidates, d->split, d->klass, c->root,
                      d->excluded_file, d->excluded_patient);
    if (st == CXR_OK) {
        cxr_rng_seed_named(&rng, cxr_config_int(c->conf, "seed"), d->name);
        st = cxr_reservoir_sample(&rng, ncand, d->count, d->chosen, err);
        for (size_t k = 0; st == CXR_OK && k < d->count; k++)
            d->chosen[k] = cand[d->chosen[k]];
    }
done:
    for (size_t k = 0; k < npatients; k++)
        free(patients[k]);
    free(patients);
    free(excluded);
    free(cand);
    return st;
}

static cxr_status write_draw(const sample_ctx *c, const draw *d, cxr_error *err)
{
    static const char *const cols[] = {"filename", "patient", "split", "class",
                                       "entry", "size", "source", "draw"};
    char name[160], *path;
    cxr_manifest_writer *w;
    cxr_status st;
    snprintf(name, sizeof(name), "%s.csv", d->name);
    path = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, name);
    st = cxr_manifest_create(path, cols, 8, &w, err);
    free(path);
    for (size_t k = 0; st == CXR_OK && k < d->count; k++) {
        const cxr_archive_image *img = &c->ls->images[d->chosen[k]];
        char pid[PATIENT_MAX], size[32];
        const char *row[8] = {img->name, pid, img->split, img->klass, img->path, size,
                              "kermany", d->name};
        cxr_kermany_patient(img->name, pid, sizeof(pid));
        snprintf(size, sizeof(size), "%llu", (unsigned long long)img->size);
        st = cxr_manifest_add(w, row, err);
    }
    if (st == CXR_OK)
        return cxr_manifest_commit(w, err);
    cxr_manifest_abort(w);
    return st;
}

static cxr_status write_refused(const sample_ctx *c, cxr_error *err)
{
    static const char *const cols[] = {"entry", "reason"};
    char *path = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, CXR_SAMPLE_REFUSED);
    cxr_manifest_writer *w;
    cxr_status st = cxr_manifest_create(path, cols, 2, &w, err);
    free(path);
    for (size_t k = 0; st == CXR_OK && k < c->ls->nrefused; k++) {
        const char *row[2] = {c->ls->refused[k].path, c->ls->refused[k].reason};
        st = cxr_manifest_add(w, row, err);
    }
    if (st == CXR_OK)
        return cxr_manifest_commit(w, err);
    cxr_manifest_abort(w);
    return st;
}

static cxr_status write_summary(const sample_ctx *c, const char *note, cxr_error *err)
{
    json_t *body = json_object(), *draws = json_array();
    char *path = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, CXR_SUMMARY_JSON);
    const char *sha = cxr_config_str(c->conf, "sources.kermany.sha256");
    cxr_status st;
    for (size_t i = 0; i < c->ndraws; i++) {
        const draw *d = &c->draws[i];
        json_array_append_new(draws, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
            "name", d->name, "split", d->split, "class", d->klass,
            "count", (json_int_t)d->count, "candidates", (json_int_t)d->ncandidates,
            "excluded_as_files", (json_int_t)d->excluded_file,
            "excluded_as_patients", (json_int_t)d->excluded_patient));
    }
    json_object_set_new(body, "inputs", json_pack("{s:s, s:s?}", "kermany",
                        cxr_config_str(c->conf, "sources.kermany.url"), "kermany_sha256", sha));
    json_object_set_new(body, "archive", json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s}",
        "format", c->ls->format, "entries", (json_int_t)c->ls->nentries,
        "images", (json_int_t)c->ls->nimages, "junk", (json_int_t)c->ls->njunk,
        "refused", (json_int_t)c->ls->nrefused, "root", c->root, "root_note", note));
    json_object_set_new(body, "seed", json_integer(cxr_config_int(c->conf, "seed")));
    json_object_set_new(body, "draws", draws);
    st = cxr_summary_write(path, "sample", c->conf, "sample", body, err);
    json_decref(body);
    free(path);
    return st;
}

/* Removes the manifests of draws no longer in the config, so that no later
 * stage can take an old draw for a current one. */
static void remove_stale(const sample_ctx *c)
{
    char *dir = cxr_stage_path(c->conf, CXR_STAGE_SAMPLE, NULL);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name), i;
        if (n < 5 || strcmp(de->d_name + n - 4, ".csv") || !strcmp(de->d_name, CXR_SAMPLE_REFUSED))
            continue;
        for (i = 0; i < c->ndraws; i++)
            if (strlen(c->draws[i].name) == n - 4 && !strncmp(de->d_name, c->draws[i].name, n - 4))
                break;
        if (i == c->ndraws)
            (void)unlinkat(dirfd(d), de->d_name, 0);
    }
    if (d)
        closedir(d);
    free(dir);
}

static void ctx_release(sample_ctx *c)
{
    for (size_t i = 0; c->draws && i < c->ndraws; i++)
        free(c->draws[i].chosen);
    free(c->draws);
    cxr_archive_listing_free(c->ls);
    free(c->archive);
}

cxr_status cxr_sample_run(const cxr_config *conf, cxr_sample_result *res, cxr_error *err)
{
    sample_ctx c = {conf, NULL, NULL, NULL, NULL, 0};
    cxr_status st;
    memset(res, 0, sizeof(*res));
    st = read_draws(&c, err);
    if (st == CXR_OK)
        st = load_archive(&c, res->note, sizeof(res->note), err);
    for (size_t i = 0; st == CXR_OK && i < c.ndraws; i++)
        st = run_draw(&c, i, err);
    for (size_t i = 0; st == CXR_OK && i < c.ndraws; i++) {
        st = write_draw(&c, &c.draws[i], err);
        res->nimages += c.draws[i].count;
    }
    if (st == CXR_OK)
        st = write_refused(&c, err);
    if (st == CXR_OK)
        st = write_summary(&c, res->note, err);
    if (st == CXR_OK)
        remove_stale(&c);
    if (st == CXR_OK) {
        res->ndraws = c.ndraws;
        res->nrefused = c.ls->nrefused;
    }
    ctx_release(&c);
    return st;
}
