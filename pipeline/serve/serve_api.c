/* serve_api.c: the JSON API: the image list, predictions, and the
 * exclusions (the review page's forms use the same work, serve_*_id). */
#include "serve_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "utf8.h"

#define REASON_MAX 500

int serve_http_status(cxr_status st)
{
    switch (st) {
    case CXR_OK: return 200;
    case CXR_ERR_USAGE: return 400;
    case CXR_ERR_UNSUPPORTED: return 415;
    case CXR_ERR_INPUT: return 422;
    case CXR_ERR_MISSING: return 503;
    case CXR_ERR_NOMEM: return 503;
    default: return 500;
    }
}

/* Writes 'json' (taken) as the reply with 'status'. */
static void json_reply(serve_reply *rp, int status, json_t *json)
{
    char *text = json ? cxr_json_text(json, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;

    json_decref(json);
    serve_buf_release(&rp->body);
    rp->type = "application/json";
    if (!text) {
        rp->status = 503;
        serve_buf_add(&rp->body, "{\"error\": \"out of memory\"}\n");
        return;
    }
    rp->status = status;
    serve_buf_add(&rp->body, text);
    serve_buf_add(&rp->body, "\n");
    free(text);
}

void serve_json_error(serve_reply *rp, int status, const char *message)
{
    json_reply(rp, status, json_pack("{s:s, s:i}", "error", message, "status", status));
}

static json_t *image_json(const serve_image *im, const cxr_exclusions *x)
{
    const serve_scored *sc = serve_image_score(im, NULL);
    json_t *folders = json_array(), *o;

    for (const serve_place *p = im->places; folders && p; p = p->next)
        json_array_append_new(folders, json_string(p->folder));
    o = json_pack("{s:s, s:s, s:o?, s:s?, s:o, s:s?, s:s?, s:b, s:s, s:s}", "id", im->id,
                  "file", im->file, "folders", folders, "set", sc ? sc->set : NULL, "score",
                  sc && *sc->score ? json_real(sc->value) : json_null(), "truth",
                  sc && *sc->truth ? sc->truth : NULL, "prediction",
                  sc && *sc->prediction ? sc->prediction : NULL, "excluded",
                  serve_excluded(x, im) != NULL, "source", im->source, "sha256", im->sha256);
    return o;
}

void serve_api_images(cxr_server *srv, serve_reply *rp)
{
    serve_catalog *c = NULL;
    cxr_exclusions x = {0};
    cxr_error err = {0};
    json_t *list;
    cxr_status st = serve_catalog_and_exclusions(srv, &c, &x, &err);

    if (st != CXR_OK) {
        serve_json_error(rp, serve_http_status(st), err.msg);
        return;
    }
    list = json_array();
    for (size_t i = 0; list && i < c->n; i++)
        if (json_array_append_new(list, image_json(&c->images[i], &x)) != 0) {
            json_decref(list);
            list = NULL;
        }
    json_reply(rp, 200, list);
    serve_catalog_put(srv, c);
    cxr_exclusions_release(&x);
}

cxr_status serve_predict_upload(cxr_server *srv, const serve_request *rq, serve_answer *a,
                                cxr_error *err)
{
    cxr_status st;

    if (!rq->form || !rq->form->has_image || rq->form->image_len == 0)
        return cxr_fail(err, CXR_ERR_USAGE,
                        "send the image as the multipart form field 'image'");
    serve_slot_take(&srv->limits);
    st = serve_predict(srv->predictor, rq->form->model, rq->form->image, rq->form->image_len,
                       rq->form->image_name, a, err);
    serve_slot_give(&srv->limits);
    return st;
}

void serve_api_predict(cxr_server *srv, const serve_request *rq, serve_reply *rp)
{
    serve_answer a;
    cxr_error err = {0};
    cxr_status st = serve_predict_upload(srv, rq, &a, &err);

    if (st != CXR_OK) {
        serve_json_error(rp, serve_http_status(st), err.msg);
        return;
    }
    json_reply(rp, 200, json_pack("{s:s, s:i, s:f, s:s, s:s, s:s}", "label", a.label, "percent",
                                  a.percent, "score", a.score, "model", a.model, "sha256",
                                  a.sha256, "copy", a.copy));
}

/* NULL when 'reason' will do, else what is wrong with it. */
static const char *reason_problem(const char *reason)
{
    size_t n = reason ? strlen(reason) : 0;

    if (n == 0 || strspn(reason, " \t") == n)
        return "give a reason (what is wrong with the image)";
    if (n > REASON_MAX)
        return "the reason is too long (at most 500 bytes)";
    if (cxr_utf8_check((const unsigned char *)reason, n) != n)
        return "the reason is not valid UTF-8";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
            return "the reason must be one line of text";
    return NULL;
}

int serve_exclude_id(cxr_server *srv, const char *id, const char *reason, char *msg,
                     size_t size)
{
    serve_catalog *c = NULL;
    const serve_image *im;
    const char *problem = reason_problem(reason);
    cxr_error err = {0};
    int added = 0, status;
    cxr_status st;

    if (!id || !serve_id_valid(id)) {
        snprintf(msg, size, "no image with id '%.64s'", id ? id : "");
        return id && *id ? 404 : 400;
    }
    if (problem) {
        snprintf(msg, size, "%s", problem);
        return 400;
    }
    st = serve_catalog_get(srv, &c, &err);
    im = st == CXR_OK ? serve_catalog_find(c, id) : NULL;
    if (st == CXR_OK && !im) {
        snprintf(msg, size, "no image with id '%s' in the manifests", id);
        status = 404;
    } else {
        if (st == CXR_OK)
            st = serve_exclude(srv, im, reason, &added, &err);
        status = st != CXR_OK ? serve_http_status(st) : added ? 201 : 200;
        snprintf(msg, size, "%s", st != CXR_OK ? err.msg : added ? "excluded" : "already excluded");
    }
    if (c)
        serve_catalog_put(srv, c);
    return status;
}

int serve_include_id(cxr_server *srv, const char *id, char *msg, size_t size)
{
    cxr_error err = {0};
    size_t removed = 0;
    cxr_status st;

    if (!serve_id_valid(id)) {
        snprintf(msg, size, "no image with id '%.64s'", id);
        return 404;
    }
    st = serve_include(srv, id, &removed, &err);
    if (st != CXR_OK) {
        snprintf(msg, size, "%s", err.msg);
        return serve_http_status(st);
    }
    snprintf(msg, size, removed ? "taken back" : "'%s' is not excluded", id);
    return removed ? 200 : 404;
}

/* {"id": "...", "reason": "..."} from a JSON body, or the form's fields. */
static int exclusion_request(const serve_request *rq, char *id, size_t id_size, char *reason,
                             size_t reason_size, char *msg, size_t msg_size)
{
    json_t *root, *jid, *jreason;
    json_error_t jerr;

    if (!rq->json) {
        if (!rq->form) {
            snprintf(msg, msg_size, "send JSON {\"id\": ..., \"reason\": ...}");
            return 415;
        }
        snprintf(id, id_size, "%s", rq->form->id);
        snprintf(reason, reason_size, "%s", rq->form->reason);
        return 0;
    }
    root = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
    jid = root ? json_object_get(root, "id") : NULL;
    jreason = root ? json_object_get(root, "reason") : NULL;
    if (!root || !json_is_string(jid) || (jreason && !json_is_string(jreason))) {
        snprintf(msg, msg_size, "want JSON {\"id\": \"<16 hex>\", \"reason\": \"...\"}%s%s",
                 root ? "" : ": ", root ? "" : jerr.text);
        json_decref(root);
        return 400;
    }
    if (jreason && strlen(json_string_value(jreason)) > REASON_MAX) {
        snprintf(msg, msg_size, "the reason is too long (at most %d bytes)", REASON_MAX);
        json_decref(root);
        return 400;
    }
    snprintf(id, id_size, "%s", json_string_value(jid));
    snprintf(reason, reason_size, "%s", jreason ? json_string_value(jreason) : "");
    json_decref(root);
    return 0;
}

void serve_api_exclude(cxr_server *srv, const serve_request *rq, serve_reply *rp)
{
    char id[80], reason[REASON_MAX + 8], msg[CXR_ERROR_MAX];
    int status = exclusion_request(rq, id, sizeof(id), reason, sizeof(reason), msg, sizeof(msg));

    if (status) {
        serve_json_error(rp, status, msg);
        return;
    }
    status = serve_exclude_id(srv, id, reason, msg, sizeof(msg));
    if (status >= 300)
        serve_json_error(rp, status, msg);
    else
        json_reply(rp, status, json_pack("{s:s, s:s, s:b}", "id", id, "reason", reason,
                                         "excluded", 1));
}

void serve_api_include(cxr_server *srv, const char *id, serve_reply *rp)
{
    char msg[CXR_ERROR_MAX];
    int status = serve_include_id(srv, id, msg, sizeof(msg));

    if (status >= 300)
        serve_json_error(rp, status, msg);
    else
        json_reply(rp, status, json_pack("{s:s, s:b}", "id", id, "excluded", 0));
}
