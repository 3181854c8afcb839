/* serve_exclude.c: the review page's decisions, kept in the file
 * curation.exclusions names (exclusions.h): read, add and remove rows under
 * the server's lock, so that two reviewers never lose each other's rows.
 * The file is read again on every change, so hand edits are kept. */
#include "serve_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

cxr_status serve_exclusions_read(cxr_server *srv, cxr_exclusions *out, cxr_error *err)
{
    cxr_status st;

    memset(out, 0, sizeof(*out));
    if (!srv->s.exclusions)
        return CXR_OK;
    pthread_mutex_lock(&srv->exclusions_lock);
    st = cxr_exclusions_load(srv->s.exclusions, out, err);
    pthread_mutex_unlock(&srv->exclusions_lock);
    return st;
}

cxr_status serve_catalog_and_exclusions(cxr_server *srv, serve_catalog **c, cxr_exclusions *x,
                                        cxr_error *err)
{
    cxr_status st = serve_catalog_get(srv, c, err);

    if (st == CXR_OK && (st = serve_exclusions_read(srv, x, err)) != CXR_OK) {
        serve_catalog_put(srv, *c);
        *c = NULL;
    }
    return st;
}

const cxr_exclusion *serve_excluded(const cxr_exclusions *x, const serve_image *im)
{
    for (size_t i = 0; i < x->n; i++) {
        const cxr_exclusion *r = &x->rows[i];
        if (strcmp(r->sha256, im->sha256) == 0 ||
            (strcmp(r->source, im->source) == 0 && strcmp(r->file, im->file) == 0))
            return r;
    }
    return NULL;
}

static cxr_status no_file(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_MISSING, "the config names no exclusions file: add "
                    "'curation: {exclusions: exclusions.csv}' to it");
}

cxr_status serve_exclude(cxr_server *srv, const serve_image *im, const char *reason,
                         int *added, cxr_error *err)
{
    cxr_exclusions x;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    cxr_status st;

    *added = 0;
    if (!srv->s.exclusions)
        return no_file(err);
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&srv->exclusions_lock);
    st = cxr_exclusions_load(srv->s.exclusions, &x, err);
    if (st == CXR_OK && !serve_excluded(&x, im)) {
        cxr_exclusion row = {(char *)im->source, (char *)im->file, (char *)im->sha256,
                             (char *)reason, when};
        st = cxr_exclusions_add(&x, &row, err);
        if (st == CXR_OK)
            st = cxr_exclusions_save(srv->s.exclusions, &x, err);
        *added = st == CXR_OK;
    }
    pthread_mutex_unlock(&srv->exclusions_lock);
    cxr_exclusions_release(&x);
    return st;
}

cxr_status serve_include(cxr_server *srv, const char *id, size_t *removed, cxr_error *err)
{
    cxr_exclusions x;
    cxr_status st;

    *removed = 0;
    if (!srv->s.exclusions)
        return no_file(err);
    pthread_mutex_lock(&srv->exclusions_lock);
    st = cxr_exclusions_load(srv->s.exclusions, &x, err);
    if (st == CXR_OK && (*removed = cxr_exclusions_remove_sha256(&x, id)) > 0)
        st = cxr_exclusions_save(srv->s.exclusions, &x, err);
    pthread_mutex_unlock(&srv->exclusions_lock);
    cxr_exclusions_release(&x);
    return st;
}
