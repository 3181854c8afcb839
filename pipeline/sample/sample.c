/* sample.c: the sample stage: checks the draws of the settings, lists the
 * archive and makes each draw's seeded order of candidates (see sample.h). */
#include "contract.h"
#include "sample_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "manifest.h"
#include "safename.h"
#include "workdir.h"

/* Rows of select's excluded.csv that would have been in 'split' (train or
 * holdout): a count taken from a select manifest counts them too, so a
 * review's exclusion of a covid image does not change the seeded order. */
static cxr_status excluded_rows(const sample_ctx *c, const char *split, size_t *n,
                                cxr_error *err)
{
    static const char *const cols[] = {"split", NULL};
    char *path = cxr_stage_path(c->conf, CXR_STAGE_SELECT, CXR_SELECT_EXCLUDED);
    cxr_manifest *m = NULL;
    cxr_status st = path ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    *n = 0;
    if (st == CXR_OK && cxr_is_file(path))
        st = cxr_manifest_load(path, cols, &m, err);
    for (size_t r = 0; m && r < cxr_manifest_nrows(m); r++)
        *n += !strcmp(cxr_manifest_get(m, r, cxr_manifest_column(m, "split")), split);
    cxr_manifest_free(m);
    free(path);
    return st;
}

static cxr_status resolve_count(const sample_ctx *c, sample_draw *d, cxr_error *err)
{
    const char *text = d->set->count, *file;
    cxr_manifest *m;
    char *path;
    cxr_status st;
    if (cxr_sample_parse_count(text, &d->count))
        return CXR_OK;
    if (!text || !(file = cxr_contract_select_manifest(text)))
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: %s.count '%s' is neither a number nor "
                        "'covid_train' or 'covid_holdout'", c->set.common.config_file,
                        d->key, text ? text : "");
    d->count_from = text;
    if (!(path = cxr_stage_path(c->conf, CXR_STAGE_SELECT, file)))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_manifest_load(path, NULL, &m, err);
    if (st == CXR_OK) {
        size_t excluded = 0;
        d->count = cxr_manifest_nrows(m);
        cxr_manifest_free(m);
        st = excluded_rows(c, strcmp(file, CXR_SELECT_HOLDOUT) ? "train" : "holdout",
                           &excluded, err);
        d->count += excluded;
    } else if (st == CXR_ERR_IO || st == CXR_ERR_MISSING) {
        cxr_error_prefix(err, "draw '%s' takes its count from '%s' (run "
                         "'cxrprep select' first): ", d->set->name, path);
    }
    free(path);
    return st;
}

static cxr_status check_draw(const sample_ctx *c, size_t i, cxr_error *err)
{
    const sample_draw *d = &c->draws[i];
    const char *name = d->set->name, *why = cxr_safename_problem(name);
    if (!why && strlen(name) > 100)
        why = "longer than 100 bytes";
    if (!why && (cxr_contract_select_manifest(name) || !strcmp(name, "refused") ||
                 !strcmp(name, "draws") || !strcmp(name, "summary")))
        why = "reserved";
    for (size_t j = 0; !why && j < i; j++)
        if (!strcmp(c->draws[j].set->name, name))
            why = "used by an earlier draw";
    if (why)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: %s.name '%s' cannot name a draw: %s",
                        c->set.common.config_file, d->key, name, why);
    return CXR_OK;
}

static const sample_draw *find_draw(const sample_ctx *c, size_t before, const char *name)
{
    for (size_t j = 0; j < before; j++)
        if (!strcmp(c->draws[j].set->name, name))
            return &c->draws[j];
    return NULL;
}

static cxr_status check_disjoint_from(const sample_ctx *c, size_t i, cxr_error *err)
{
    const sample_draw *d = &c->draws[i];
    for (size_t k = 0; k < d->set->ndisjoint; k++)
        if (!find_draw(c, i, d->set->disjoint_from[k]))
            return cxr_fail(err, CXR_ERR_CONFIG, "%s: %s.disjoint_from names '%s', which "
                            "is not an earlier draw", c->set.common.config_file, d->key,
                            d->set->disjoint_from[k]);
    return CXR_OK;
}

static cxr_status read_draws(sample_ctx *c, cxr_error *err)
{
    c->ndraws = c->set.ndraws;
    c->draws = calloc(c->ndraws ? c->ndraws : 1, sizeof(*c->draws));
    if (!c->draws) {
        c->ndraws = 0;
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->ndraws; i++) {
        sample_draw *d = &c->draws[i];
        cxr_status st;
        d->set = &c->set.draws[i];
        snprintf(d->key, sizeof(d->key), "sample.draws.%zu", i);
        if ((st = check_draw(c, i, err)) != CXR_OK ||
            (st = resolve_count(c, d, err)) != CXR_OK)
            return st;
    }
    return CXR_OK;
}

static cxr_status load_archive(sample_ctx *c, char *note, size_t note_size, cxr_error *err)
{
    const cxr_source_settings *k = &c->set.common.kermany;
    cxr_archive_limits lim;
    cxr_status st;
    if (!k->url)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s: sources.kermany is required by the "
                        "sample stage", c->set.common.config_file);
    st = cxr_source_local_path(c->conf, k->url, k->sha256, &c->archive, err);
    if (st != CXR_OK)
        return st;
    lim.max_entries = c->set.common.kermany_max_entries;
    lim.max_total_size = c->set.common.kermany_max_total_size;
    st = cxr_archive_list_progress(c->archive, &lim, c->progress, "sample", &c->ls, err);
    if (st != CXR_OK)
        return st;
    return cxr_archive_choose_root(c->ls, c->set.archive_root, &c->root, note, note_size,
                                   err);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_patients(char **patients, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(patients[k]);
    free(patients);
}

/* Marks the images of the nominal draws in disjoint_from in 'excluded' and
 * gathers their patients (malloc'd copies, sorted) into *patients. */
static cxr_status gather_exclusions(const sample_ctx *c, size_t i, unsigned char *excluded,
                                    char ***patients, size_t *npatients, cxr_error *err)
{
    const sample_draw *d = &c->draws[i];
    size_t cap = 0;
    *patients = NULL;
    *npatients = 0;
    for (size_t k = 0; k < d->set->ndisjoint; k++) {
        const sample_draw *o = find_draw(c, i, d->set->disjoint_from[k]);
        for (size_t m = 0; o && m < o->count; m++) {
            const cxr_archive_image *img = &c->ls->images[o->order[m]];
            char pid[CXR_SAMPLE_PATIENT_MAX];
            excluded[o->order[m]] = 1;
            cxr_kermany_patient(img->name, pid, sizeof(pid));
            if (!*pid)
                continue;
            if (*npatients == cap) {
                char **grown = realloc(*patients, (cap ? cap * 2 : 64) * sizeof(*grown));
                if (!grown)
                    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
                *patients = grown;
                cap = cap ? cap * 2 : 64;
            }
            if (!((*patients)[*npatients] = strdup(pid)))
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
            (*npatients)++;
        }
    }
    if (*npatients)
        qsort(*patients, *npatients, sizeof(**patients), str_cmp);
    return CXR_OK;
}

/* Indices of the candidates of draw d, in listing (bytewise) order. */
static void candidates(const sample_ctx *c, sample_draw *d, const unsigned char *excluded,
                       char **patients, size_t npatients, size_t *cand, size_t *ncand)
{
    *ncand = 0;
    for (size_t k = 0; k < c->ls->nimages; k++) {
        const cxr_archive_image *img = &c->ls->images[k];
        char pid[CXR_SAMPLE_PATIENT_MAX];
        const char *key = pid;
        if (strcmp(img->root, c->root) || strcmp(img->split, d->set->split) ||
            strcmp(img->klass, d->set->klass))
            continue;
        d->ncandidates++;
        if (excluded[k]) {
            d->excluded_file++;
            continue;
        }
        cxr_kermany_patient(img->name, pid, sizeof(pid));
        if (d->set->patient_disjoint && *pid && npatients &&
            bsearch(&key, patients, npatients, sizeof(*patients), str_cmp)) {
            d->excluded_patient++;
            continue;
        }
        cand[(*ncand)++] = k;
    }
}

/* Images a review excluded leave the order and the later ranks close up:
 * the draw refills from the same seeded order. */
static cxr_status drop_excluded(const sample_ctx *c, sample_draw *d, cxr_error *err)
{
    size_t kept = 0;

    for (size_t k = 0; k < d->norder; k++) {
        if (cxr_exclusions_has(&c->exclusions, "kermany", c->ls->images[d->order[k]].name))
            d->excluded_review++;
        else
            d->order[kept++] = d->order[k];
    }
    d->norder = kept;
    if (kept < d->count)
        return cxr_fail(err, CXR_ERR_INPUT, "draw '%s' wants %zu images but only %zu "
                        "candidates remain once the %zu a review excluded (curation."
                        "exclusions) are left out", d->set->name, d->count, kept,
                        d->excluded_review);
    return CXR_OK;
}

/* The seeded order of draw i over its candidates. */
static cxr_status order_draw(const sample_ctx *c, sample_draw *d, size_t *cand, size_t ncand,
                             cxr_error *err)
{
    cxr_rng rng;
    cxr_status st;
    if (ncand < d->count)
        return cxr_fail(err, CXR_ERR_INPUT, "draw '%s' wants %zu images but only %zu "
                        "candidates remain (%zu in %s/%s under root '%s', %zu excluded as "
                        "files of earlier draws, %zu as their patients)", d->set->name,
                        d->count, ncand, d->ncandidates, d->set->split, d->set->klass,
                        c->root, d->excluded_file, d->excluded_patient);
    if (!(d->order = malloc((ncand ? ncand : 1) * sizeof(*d->order))))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (cxr_rng_seed_named(&rng, c->set.common.seed, d->set->name) != CXR_OK)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if ((st = cxr_sample_order(&rng, ncand, d->count, d->order, err)) != CXR_OK)
        return st;
    for (size_t k = 0; k < ncand; k++)
        d->order[k] = cand[d->order[k]];
    d->norder = ncand;
    return drop_excluded(c, d, err);
}

static cxr_status run_draw(sample_ctx *c, size_t i, cxr_error *err)
{
    sample_draw *d = &c->draws[i];
    size_t nimg = c->ls->nimages, ncand = 0, npatients = 0;
    unsigned char *excluded = calloc(nimg ? nimg : 1, 1);
    size_t *cand = malloc((nimg ? nimg : 1) * sizeof(*cand));
    char **patients = NULL;
    cxr_status st = check_disjoint_from(c, i, err);
    if (st == CXR_OK && (!excluded || !cand))
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st == CXR_OK)
        st = gather_exclusions(c, i, excluded, &patients, &npatients, err);
    if (st == CXR_OK) {
        candidates(c, d, excluded, patients, npatients, cand, &ncand);
        st = order_draw(c, d, cand, ncand, err);
    }
    free_patients(patients, npatients);
    free(excluded);
    free(cand);
    return st;
}

static void ctx_release(sample_ctx *c)
{
    for (size_t i = 0; c->draws && i < c->ndraws; i++)
        free(c->draws[i].order);
    free(c->draws);
    cxr_archive_listing_free(c->ls);
    free(c->archive);
    cxr_exclusions_release(&c->exclusions);
    cxr_sample_settings_release(&c->set);
}

cxr_status cxr_sample_run(const cxr_config *conf, const cxr_progress_sink *progress,
                          cxr_sample_result *res, cxr_error *err)
{
    sample_ctx c;
    cxr_status st;
    memset(&c, 0, sizeof(c));
    memset(res, 0, sizeof(*res));
    c.conf = conf;
    c.progress = progress;
    st = cxr_sample_settings_read(conf, &c.set, err);
    if (st == CXR_OK && c.set.exclusions)
        st = cxr_exclusions_load(c.set.exclusions, &c.exclusions, err);
    if (st == CXR_OK)
        st = read_draws(&c, err);
    if (st == CXR_OK)
        st = load_archive(&c, res->note, sizeof(res->note), err);
    for (size_t i = 0; st == CXR_OK && i < c.ndraws; i++)
        st = run_draw(&c, i, err);
    if (st == CXR_OK)
        st = cxr_sample_write_outputs(&c, res->note, err);
    if (st == CXR_OK) {
        res->ndraws = c.ndraws;
        res->nrefused = c.ls->nrefused;
        for (size_t i = 0; i < c.ndraws; i++)
            res->nimages += c.draws[i].count;
    }
    ctx_release(&c);
    return st;
}
