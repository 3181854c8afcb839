/* serve.h: cxrprep serve, the review app: an HTTP server (GNU
 * libmicrohttpd) over a workdir's manifests. It never writes the trees.
 *
 *     GET  /                      the upload page (a form: file 'image', a model choice)
 *     POST /predict               multipart: the verdict page ("POSITIVE 96%")
 *     POST /api/predict           multipart, field 'image', optional 'model': JSON
 *                                 {label, percent, score, model, sha256, copy}
 *     GET  /review                every image of the trees and score sets, by folder
 *                                 (?sort=score, ?sort=-score, ?sort=file)
 *     GET  /review/<id>           one image: scores and provenance; exclude / include
 *     GET  /api/images            JSON [{id, file, folders, set, score, truth,
 *                                 prediction, excluded}]
 *     GET  /image/<id>, /thumb/<id>   the bytes, a cached PNG thumbnail
 *     GET  /analysis/<name>       a labelled copy the server wrote
 *     POST /api/exclusions        JSON {id, reason} (or a form): 201, a row in
 *                                 curation.exclusions (exclusions.h)
 *     DELETE /api/exclusions/<id> undoes it
 *
 * Ids are the first 16 hex digits of an image's sha256; only images the
 * manifests list have one. It writes under <workdir>/serve/ only: analysis/
 * (labelled copies), thumbs/ and archive/ (images of archive score sets,
 * extracted once).
 *
 * Safety: a request body over serve.max_upload_mb is 413; bytes that are not
 * a supported image 415 (JSON error on the API); unknown or path-like ids
 * 404; a POST or DELETE whose Origin (or Sec-Fetch-Site) is not the server's
 * own 403; on loopback, a Host header that is not the server's 400. Images
 * decode under score.max_dimension, as the score stage. Memory stays
 * bounded: at most 64 connections, upload bodies held within a budget of
 * four maximal uploads (a request waits for room, then 503), at most two
 * images decoded at once, one engine whose calls are serialized. */
#ifndef CXR_SERVE_H
#define CXR_SERVE_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "score.h"

/* A model the upload page offers (serve.models, or score.model alone). */
typedef struct cxr_serve_model {
    const char *name;  /* borrowed from the config, or the file's base name */
    const char *path;
} cxr_serve_model;

/* The serve section and what serving reads of the others, read once.
 * Strings are borrowed from the config except where owned. */
typedef struct cxr_serve_settings {
    cxr_score_settings score;   /* threshold, decode cap, sets, layout root, workdir */
    size_t max_upload_bytes;    /* serve.max_upload_mb in bytes */
    cxr_serve_model *models;    /* owned array; the first is the default */
    size_t nmodels;             /* 0: no model, prediction answers 503 */
    char *exclusions;           /* owned: curation.exclusions resolved, or NULL */
} cxr_serve_settings;

/* Fills 'out' from a validated config (borrowed; must outlive 'out');
 * 'model' (may be NULL) replaces the models by that one file. */
cxr_status cxr_serve_settings_read(const cxr_config *conf, const char *model,
                                   cxr_serve_settings *out, cxr_error *err);
void cxr_serve_settings_release(cxr_serve_settings *s); /* safe on a zeroed struct */

typedef struct cxr_serve_options {
    const char *bind;   /* an IPv4 or IPv6 literal, or "localhost"; NULL: 127.0.0.1 */
    int port;           /* 0: a free port */
    const char *model;  /* overrides score.model and serve.models; may be NULL */
} cxr_serve_options;

/* A running server: its threads answer until cxr_serve_stop. */
typedef struct cxr_server cxr_server;

/* Reads the settings, opens the models (each checked against the model
 * contract, score.h), binds and starts answering. 'conf' is borrowed and
 * must outlive the server. Signals are the caller's: block SIGINT and
 * SIGTERM before starting, so that the server's threads never take them. */
cxr_status cxr_serve_start(const cxr_config *conf, const cxr_serve_options *opt,
                           cxr_server **out, cxr_error *err);
/* The port it listens on (the one chosen for port 0). */
int cxr_serve_port(const cxr_server *srv);
/* "http://127.0.0.1:5000/" (borrowed, lives as long as the server). */
const char *cxr_serve_url(const cxr_server *srv);
/* Stops answering, waits for the requests in progress, frees everything.
 * NULL is a no-op. */
void cxr_serve_stop(cxr_server *srv);

#endif
