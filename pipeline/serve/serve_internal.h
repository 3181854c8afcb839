/* serve_internal.h (internal): what the serve layer's files share: text
 * buffers and the catalog's arena (serve_buf.c), the limits on memory
 * (serve_limits.c), the image catalog read from the manifests
 * (serve_catalog*.c, serve_archive.c), exclusions (serve_exclude.c),
 * predictions (serve_predict.c), thumbnails and files (serve_files.c), the
 * pages (serve_pages.c, serve_review.c), the JSON API (serve_api.c), the
 * routes (serve_route.c) and the HTTP server (serve_http.c). */
#ifndef CXR_SERVE_INTERNAL_H
#define CXR_SERVE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "exclusions.h"
#include "hash.h"
#include "serve.h"

/* --- serve_buf.c: a growable text buffer; an allocation failure sets
 * 'failed' and later appends do nothing, so callers check once --- */
typedef struct serve_buf {
    char *data;   /* owned, NUL-terminated when len > 0 */
    size_t len, cap;
    int failed;
} serve_buf;

void serve_buf_add(serve_buf *b, const char *s);
void serve_buf_addn(serve_buf *b, const char *s, size_t n);
void serve_buf_printf(serve_buf *b, const char *fmt, ...) CXR_PRINTF(2, 3);
void serve_buf_html(serve_buf *b, const char *s);   /* escaped for text and attributes */
void serve_buf_release(serve_buf *b);

/* Strings and small records of one catalog, freed together. */
typedef struct serve_arena serve_arena;
void *serve_arena_alloc(serve_arena **a, size_t n);      /* zeroed; NULL: out of memory */
char *serve_arena_strdup(serve_arena **a, const char *s); /* NULL: out of memory */
void serve_arena_free(serve_arena *a);

/* --- serve_limits.c: memory bounds shared by the connections --- */
typedef struct serve_limits {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t budget, used;   /* bytes of request bodies held */
    int slots, busy;       /* images decoded at once */
} serve_limits;

int serve_limits_init(serve_limits *l, size_t budget, int slots);
void serve_limits_destroy(serve_limits *l);
/* Reserves n bytes of the body budget, waiting up to wait_ms for room; 0
 * when there was none (the caller answers 503). */
int serve_budget_take(serve_limits *l, size_t n, int wait_ms);
void serve_budget_give(serve_limits *l, size_t n);
void serve_slot_take(serve_limits *l);
void serve_slot_give(serve_limits *l);

/* --- the catalog: every image of the trees and score sets --- */
typedef struct serve_place {     /* a file of the trees (layout.csv) */
    const char *folder, *path, *draw, *klass;
    struct serve_place *next;
} serve_place;

typedef struct serve_scored {    /* a row of a score set's CSV */
    const char *set, *score, *truth, *prediction, *error; /* score "" when not scored */
    double value;
    struct serve_scored *next;
} serve_scored;

typedef struct serve_fact {      /* a line of provenance for the detail view */
    const char *label, *value;
    struct serve_fact *next;
} serve_fact;

#define SERVE_ID_LEN 16

typedef struct serve_image {
    char id[SERVE_ID_LEN + 1];
    char sha256[CXR_SHA256_HEX];
    const char *file;            /* the name the stages know it by */
    const char *source;          /* "ieee8023", "kermany", a score set's source */
    const char *disk;            /* where its bytes are */
    const char *url;             /* where it came from, or NULL */
    uint64_t size;
    serve_place *places;
    serve_scored *scores;
    serve_fact *facts;
} serve_image;

typedef struct serve_group {     /* a folder of the trees, or an archive score set */
    const char *name, *origin;
    const char *set;             /* the score set whose scores it shows, or NULL */
    size_t *members;             /* indexes into images */
    size_t n;
} serve_group;

typedef struct serve_catalog {
    serve_arena *arena;
    serve_image *images;         /* sorted by id */
    size_t n;
    serve_group *groups;
    size_t ngroups;
    const char *notes[8];        /* what is missing, for the review page */
    size_t nnotes;
    int refs;                    /* under the server's catalog lock */
} serve_catalog;

/* serve_catalog_build.c: reads the manifests of 's' (and extracts the
 * images of archive score sets into <workdir>/serve/archive/ once). */
cxr_status serve_catalog_build(const cxr_config *conf, const cxr_serve_settings *s,
                               serve_catalog **out, cxr_error *err);
void serve_catalog_free(serve_catalog *c);
/* serve_catalog.c: look-ups, and the shared current catalog. */
const serve_image *serve_catalog_find(const serve_catalog *c, const char *id);
const serve_scored *serve_image_score(const serve_image *im, const char *set);
/* 1 when 'id' is SERVE_ID_LEN lowercase hex digits. */
int serve_id_valid(const char *id);

/* serve_archive.c: the images of archive score sets, extracted into
 * 'cache_dir' (a file per entry); 'disks[i]' receives the file of
 * entries[i] (arena strings). */
typedef struct serve_archive_want {
    const char *archive_dir, *image;  /* 'test/NORMAL', 'IM-0001.jpeg' */
    const char *disk;                 /* filled */
} serve_archive_want;
cxr_status serve_archive_fetch(const cxr_config *conf, const cxr_serve_settings *s,
                               const char *cache_dir, serve_archive_want *wants, size_t n,
                               serve_arena **arena, cxr_error *err);

/* --- predictions (serve_predict.c) --- */
typedef struct serve_answer {
    const char *label;           /* "POSITIVE" or "NEGATIVE" (static) */
    int percent;
    double score;
    const char *model;           /* the model's name (the server's) */
    char sha256[CXR_SHA256_HEX]; /* of the uploaded bytes */
    char copy[160];              /* the labelled copy's name under analysis/ */
} serve_answer;

typedef struct serve_predictor serve_predictor;
cxr_status serve_predictor_open(const cxr_config *conf, const cxr_serve_settings *s,
                                const char *work_dir, serve_predictor **out, cxr_error *err);
void serve_predictor_close(serve_predictor *p);
/* Scores one upload as cxrprep-score --image scores a file of that name:
 * 'model' is a name of s->models (NULL: the first); writes the labelled
 * copy under <workdir>/serve/analysis/. Thread-safe. An unknown model is
 * CXR_ERR_USAGE; no model at all CXR_ERR_MISSING; bytes of no supported
 * format CXR_ERR_UNSUPPORTED; a broken image CXR_ERR_INPUT. */
cxr_status serve_predict(serve_predictor *p, const char *model, const unsigned char *data,
                         size_t len, const char *upload_name, serve_answer *out,
                         cxr_error *err);
/* 'name' with the path and extension dropped and every byte outside
 * [A-Za-z0-9._-] made '_' (no leading dot; "upload" when nothing is left). */
void serve_safe_stem(const char *name, char *out, size_t size);

/* --- the server --- */
struct cxr_server {
    const cxr_config *conf;      /* borrowed */
    cxr_serve_settings s;
    char *dir;                   /* owned: <workdir>/serve */
    struct MHD_Daemon *daemon;
    int port, loopback;
    char url[96];
    char hosts[3][96];           /* Host values the server answers to on loopback */
    serve_limits limits;
    serve_predictor *predictor;
    pthread_mutex_t catalog_lock;
    serve_catalog *catalog;      /* current; refs counted under catalog_lock */
    char catalog_stamp[256];     /* the manifests' stat, when it was built */
    pthread_mutex_t exclusions_lock;
};

/* serve_catalog.c: the current catalog (rebuilt when the manifests changed
 * since), with a reference the caller gives back. */
cxr_status serve_catalog_get(cxr_server *srv, serve_catalog **out, cxr_error *err);
void serve_catalog_put(cxr_server *srv, serve_catalog *c);

/* serve_exclude.c: curation.exclusions, under the server's lock. */
cxr_status serve_exclusions_read(cxr_server *srv, cxr_exclusions *out, cxr_error *err);
/* The catalog (to give back with serve_catalog_put) and the exclusions (to
 * release) a page or answer shows; on failure, neither is held. */
cxr_status serve_catalog_and_exclusions(cxr_server *srv, serve_catalog **c, cxr_exclusions *x,
                                        cxr_error *err);
/* The row that excludes 'im', or NULL. */
const cxr_exclusion *serve_excluded(const cxr_exclusions *x, const serve_image *im);
/* Adds a row for 'im' unless excluded already (*added 0). CXR_ERR_MISSING
 * when the config names no exclusions file. */
cxr_status serve_exclude(cxr_server *srv, const serve_image *im, const char *reason,
                         int *added, cxr_error *err);
/* Removes the rows of the image 'id'; *removed 0 when there was none. */
cxr_status serve_include(cxr_server *srv, const char *id, size_t *removed, cxr_error *err);

/* --- a request, as the handlers see it --- */
typedef struct serve_form {
    unsigned char *image;        /* owned: the field 'image' */
    size_t image_len, image_cap;
    int has_image;
    char image_name[256];        /* its file name, as sent */
    char model[128], reason[1024], id[64];
    int overflow;                /* a text field did not fit */
} serve_form;

typedef struct serve_request {
    const char *method;          /* "GET" (also for HEAD), "POST", "DELETE", ... */
    const char *path;
    const char *sort;            /* ?sort=, or NULL */
    int json;                    /* the body is application/json */
    const char *body;            /* a JSON body, NUL-terminated, or NULL */
    size_t body_len;
    serve_form *form;            /* the fields of a form body, or NULL */
} serve_request;

typedef struct serve_reply {
    int status;
    const char *type;            /* Content-Type (static) */
    serve_buf body;
    char *file;                  /* owned: send this file instead of body */
    char location[160];          /* a redirect's target */
    const char *allow;           /* 405: the methods allowed */
    int cache;                   /* the content never changes (ids are hashes) */
} serve_reply;

/* serve_route.c: answers one complete request. */
void serve_route(cxr_server *srv, const serve_request *rq, serve_reply *rp);
/* Predicts the request's uploaded form field 'image' under the server's
 * limit on concurrent predictions (serve_api.c); the upload page and the
 * API both go through it. No image is CXR_ERR_USAGE. */
cxr_status serve_predict_upload(cxr_server *srv, const serve_request *rq, serve_answer *a,
                                cxr_error *err);
/* A JSON error {"error": message} (serve_api.c). */
void serve_json_error(serve_reply *rp, int status, const char *message);
/* The HTTP status for a failed status. */
int serve_http_status(cxr_status st);

/* serve_files.c */
void serve_send_image(cxr_server *srv, const serve_image *im, serve_reply *rp);
void serve_send_thumb(cxr_server *srv, const serve_image *im, serve_reply *rp);
void serve_send_analysis(cxr_server *srv, const char *name, serve_reply *rp);

/* serve_pages.c: the upload page and the verdict page. */
void serve_page_upload(cxr_server *srv, serve_reply *rp);
void serve_page_predict(cxr_server *srv, const serve_request *rq, serve_reply *rp);
/* The shared head and foot of every page. */
void serve_page_open(serve_buf *b, const char *title);
void serve_page_close(serve_buf *b);
void serve_page_error(serve_reply *rp, int status, const char *message);

/* serve_review.c */
void serve_page_review(cxr_server *srv, const serve_request *rq, serve_reply *rp);
void serve_page_detail(cxr_server *srv, const char *id, serve_reply *rp);
/* POST /review/<id>/exclude or include (a form): 303 to the detail view. */
void serve_review_decide(cxr_server *srv, const char *id, int exclude, const serve_request *rq,
                         serve_reply *rp);

/* serve_api.c */
void serve_api_images(cxr_server *srv, serve_reply *rp);
void serve_api_predict(cxr_server *srv, const serve_request *rq, serve_reply *rp);
void serve_api_exclude(cxr_server *srv, const serve_request *rq, serve_reply *rp);
void serve_api_include(cxr_server *srv, const char *id, serve_reply *rp);
/* The work of both: excluding the image 'id' for 'reason' (one line of
 * text, required) or taking it back; the HTTP status (201 added, 200
 * already there or taken back, 4xx/5xx) and a message for the client. */
int serve_exclude_id(cxr_server *srv, const char *id, const char *reason, char *msg,
                     size_t size);
int serve_include_id(cxr_server *srv, const char *id, char *msg, size_t size);

/* serve_http.c */
cxr_status serve_http_start(cxr_server *srv, const cxr_serve_options *opt, cxr_error *err);
void serve_http_stop(cxr_server *srv);

#endif
