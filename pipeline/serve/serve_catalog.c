/* serve_catalog.c: the server's current catalog: built at start, built
 * again when a stage has rewritten its manifests since (their directories'
 * inode and modification time change when a manifest is renamed into place),
 * shared by the connections with a reference count; and look-ups in it. */
#include "serve_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "contract.h"
#include "workdir.h"

int serve_id_valid(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
            return 0;
    return n == SERVE_ID_LEN;
}

const serve_image *serve_catalog_find(const serve_catalog *c, const char *id)
{
    size_t lo = 0, hi = c->n;

    if (!serve_id_valid(id))
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(c->images[mid].id, id);
        if (cmp == 0)
            return &c->images[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const serve_scored *serve_image_score(const serve_image *im, const char *set)
{
    for (const serve_scored *s = im->scores; s; s = s->next)
        if (!set || strcmp(s->set, set) == 0)
            return s;
    return NULL;
}

/* The stat of the manifest directories the catalog reads, as text. */
static void stamp(const cxr_config *conf, char *out, size_t size)
{
    static const char *const stages[] = {CXR_STAGE_LAYOUT, CXR_STAGE_SCORE, CXR_STAGE_SELECT,
                                         CXR_STAGE_SAMPLE, NULL};
    size_t used = 0;

    out[0] = '\0';
    for (const char *const *st = stages; *st && used < size; st++) {
        char *dir = cxr_stage_path(conf, *st, NULL);
        struct stat sb;
        int n;
        if (dir && stat(dir, &sb) == 0)
            n = snprintf(out + used, size - used, "%llu:%lld.%09ld;",
                         (unsigned long long)sb.st_ino, (long long)sb.st_mtim.tv_sec,
                         sb.st_mtim.tv_nsec);
        else
            n = snprintf(out + used, size - used, "-;");
        free(dir);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void unref(serve_catalog *c)
{
    if (c && --c->refs == 0)
        serve_catalog_free(c);
}

cxr_status serve_catalog_get(cxr_server *srv, serve_catalog **out, cxr_error *err)
{
    char now[sizeof(srv->catalog_stamp)];
    serve_catalog *fresh = NULL;
    cxr_status st = CXR_OK;

    pthread_mutex_lock(&srv->catalog_lock);
    stamp(srv->conf, now, sizeof(now));
    if (!srv->catalog || strcmp(now, srv->catalog_stamp) != 0) {
        /* built under the lock: the other requests wait for it, once */
        st = serve_catalog_build(srv->conf, &srv->s, &fresh, err);
        if (st == CXR_OK) {
            fresh->refs = 1; /* the server's own */
            unref(srv->catalog);
            srv->catalog = fresh;
            snprintf(srv->catalog_stamp, sizeof(srv->catalog_stamp), "%s", now);
        }
    }
    if (st == CXR_OK) {
        srv->catalog->refs++;
        *out = srv->catalog;
    }
    pthread_mutex_unlock(&srv->catalog_lock);
    return st;
}

void serve_catalog_put(cxr_server *srv, serve_catalog *c)
{
    pthread_mutex_lock(&srv->catalog_lock);
    unref(c);
    pthread_mutex_unlock(&srv->catalog_lock);
}
