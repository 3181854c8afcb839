/* serve.c: the server's life (serve.h): settings, the models, the first
 * catalog, the HTTP daemon; and its orderly end. */
#include "serve_internal.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

#define DECODE_SLOTS 2

int cxr_serve_port(const cxr_server *srv)
{
    return srv ? srv->port : 0;
}

const char *cxr_serve_url(const cxr_server *srv)
{
    return srv ? srv->url : "";
}

static void server_free(cxr_server *srv, int locks)
{
    serve_predictor_close(srv->predictor);
    if (srv->catalog && --srv->catalog->refs == 0)
        serve_catalog_free(srv->catalog);
    if (locks) {
        serve_limits_destroy(&srv->limits);
        pthread_mutex_destroy(&srv->catalog_lock);
        pthread_mutex_destroy(&srv->exclusions_lock);
    }
    cxr_serve_settings_release(&srv->s);
    free(srv->dir);
    free(srv);
}

static cxr_status init_locks(cxr_server *srv, cxr_error *err)
{
    size_t budget = 4 * srv->s.max_upload_bytes;

    if (serve_limits_init(&srv->limits, budget, DECODE_SLOTS) != 0)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&srv->catalog_lock, NULL) != 0) {
        serve_limits_destroy(&srv->limits);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    if (pthread_mutex_init(&srv->exclusions_lock, NULL) != 0) {
        serve_limits_destroy(&srv->limits);
        pthread_mutex_destroy(&srv->catalog_lock);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    return CXR_OK;
}

cxr_status cxr_serve_start(const cxr_config *conf, const cxr_serve_options *opt,
                           cxr_server **out, cxr_error *err)
{
    cxr_server *srv = calloc(1, sizeof(*srv));
    serve_catalog *first = NULL;
    int locks = 0;
    cxr_status st = srv ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");

    *out = NULL;
    if (st == CXR_OK) {
        srv->conf = conf;
        st = cxr_serve_settings_read(conf, opt->model, &srv->s, err);
    }
    if (st == CXR_OK && !(srv->dir = cxr_path_join(srv->s.score.common.workdir, "serve")))
        st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st == CXR_OK && (st = init_locks(srv, err)) == CXR_OK)
        locks = 1;
    if (st == CXR_OK)
        st = cxr_mkdirs(srv->dir, err);
    if (st == CXR_OK)
        st = serve_predictor_open(conf, &srv->s, srv->dir, &srv->predictor, err);
    /* the first catalog now: a malformed manifest is said at start */
    if (st == CXR_OK && (st = serve_catalog_get(srv, &first, err)) == CXR_OK)
        serve_catalog_put(srv, first);
    if (st == CXR_OK)
        st = serve_http_start(srv, opt, err);
    if (st != CXR_OK) {
        if (srv)
            server_free(srv, locks);
        return st;
    }
    *out = srv;
    return CXR_OK;
}

void cxr_serve_stop(cxr_server *srv)
{
    if (!srv)
        return;
    serve_http_stop(srv); /* waits for the connections' threads */
    server_free(srv, 1);
}
