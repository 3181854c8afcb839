/* serve_route.c: which handler answers a request: by method and path;
 * ids must be 16 lowercase hex digits of an image the catalog lists, so a
 * path-like or unknown id is a 404 before any file is touched. */
#include "serve_internal.h"

#include <stdio.h>
#include <string.h>

/* The rest of 'path' after 'prefix', or NULL. */
static const char *after(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 ? path + n : NULL;
}

static void not_allowed(serve_reply *rp, const char *allow)
{
    serve_json_error(rp, 405, "method not allowed");
    rp->allow = allow;
}

/* GET /image/<id> and /thumb/<id>: only ids of the catalog. */
static void send_by_id(cxr_server *srv, const char *id, int thumb, serve_reply *rp)
{
    serve_catalog *c = NULL;
    cxr_error err = {0};
    const serve_image *im;
    cxr_status st;

    if (!serve_id_valid(id)) {
        serve_json_error(rp, 404, "no such image");
        return;
    }
    st = serve_catalog_get(srv, &c, &err);
    if (st != CXR_OK) {
        serve_json_error(rp, serve_http_status(st), err.msg);
        return;
    }
    im = serve_catalog_find(c, id);
    if (!im)
        serve_json_error(rp, 404, "no such image");
    else if (thumb)
        serve_send_thumb(srv, im, rp);
    else
        serve_send_image(srv, im, rp);
    serve_catalog_put(srv, c);
}

/* POST /review/<id>/exclude and /review/<id>/include */
static int review_decision(cxr_server *srv, const serve_request *rq, const char *rest,
                           serve_reply *rp)
{
    char id[SERVE_ID_LEN + 1];
    const char *slash = strchr(rest, '/');

    if (!slash || slash - rest != SERVE_ID_LEN)
        return 0;
    snprintf(id, sizeof(id), "%.*s", SERVE_ID_LEN, rest);
    if (strcmp(slash, "/exclude") != 0 && strcmp(slash, "/include") != 0)
        return 0;
    if (strcmp(rq->method, "POST") != 0)
        not_allowed(rp, "POST");
    else
        serve_review_decide(srv, id, strcmp(slash, "/exclude") == 0, rq, rp);
    return 1;
}

static void route_get(cxr_server *srv, const serve_request *rq, serve_reply *rp)
{
    const char *p = rq->path, *rest;

    if (strcmp(p, "/") == 0)
        serve_page_upload(srv, rp);
    else if (strcmp(p, "/review") == 0)
        serve_page_review(srv, rq, rp);
    else if ((rest = after(p, "/review/")) && !strchr(rest, '/'))
        serve_page_detail(srv, rest, rp);
    else if (strcmp(p, "/api/images") == 0)
        serve_api_images(srv, rp);
    else if ((rest = after(p, "/image/")))
        send_by_id(srv, rest, 0, rp);
    else if ((rest = after(p, "/thumb/")))
        send_by_id(srv, rest, 1, rp);
    else if ((rest = after(p, "/analysis/")))
        serve_send_analysis(srv, rest, rp);
    else if (strcmp(p, "/predict") == 0 || strcmp(p, "/api/predict") == 0 ||
             strcmp(p, "/api/exclusions") == 0)
        not_allowed(rp, "POST");
    else
        serve_json_error(rp, 404, "not found");
}

void serve_route(cxr_server *srv, const serve_request *rq, serve_reply *rp)
{
    const char *p = rq->path, *rest;
    int post = strcmp(rq->method, "POST") == 0;

    if (rq->form && rq->form->overflow) {
        serve_json_error(rp, 400, "a form field is too long");
        return;
    }
    if ((rest = after(p, "/review/")) && review_decision(srv, rq, rest, rp))
        return;
    if (strcmp(p, "/predict") == 0 && post)
        serve_page_predict(srv, rq, rp);
    else if (strcmp(p, "/api/predict") == 0 && post)
        serve_api_predict(srv, rq, rp);
    else if (strcmp(p, "/api/exclusions") == 0 && post)
        serve_api_exclude(srv, rq, rp);
    else if ((rest = after(p, "/api/exclusions/")) && strcmp(rq->method, "DELETE") == 0)
        serve_api_include(srv, rest, rp);
    else if ((rest = after(p, "/api/exclusions/")))
        not_allowed(rp, "DELETE");
    else if (strcmp(rq->method, "GET") == 0)
        route_get(srv, rq, rp);
    else if (strcmp(p, "/predict") == 0 || strcmp(p, "/api/predict") == 0 ||
             strcmp(p, "/api/exclusions") == 0)
        not_allowed(rp, "POST");
    else
        not_allowed(rp, "GET, HEAD");
}
