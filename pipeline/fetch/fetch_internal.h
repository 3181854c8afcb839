/* fetch_internal.h: the pieces of the fetch stage shared by its files: URL
 * handling, the lock file of pins, the cache, and the plan of items. Not
 * part of the library's interface to other stages (that is fetch.h). */
#ifndef CXR_FETCH_INTERNAL_H
#define CXR_FETCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "fetch.h"
#include "hash.h"

/* --- URLs (fetch_url.c) --- */

typedef enum cxr_url_kind {
    CXR_URL_HTTP,  /* http:// or https://: downloaded into the cache */
    CXR_URL_FILE,  /* file:// */
    CXR_URL_PATH   /* no scheme: a local path */
} cxr_url_kind;

/* Refuses any scheme but http, https and file (CXR_ERR_CONFIG). */
cxr_status cxr_fetch_url_kind(const char *url, cxr_url_kind *kind, cxr_error *err);

/* --- the lock file of pins (fetch_lock.c) --- */

typedef struct cxr_fetch_lock cxr_fetch_lock;

/* Loads 'path' (copied); a missing file is an empty lock. A malformed line
 * is CXR_ERR_INPUT naming the file and line. */
cxr_status cxr_fetch_lock_load(const char *path, cxr_fetch_lock **out, cxr_error *err);
/* The pin of 'url', or 0 when there is none; 'sha256' is borrowed. */
int cxr_fetch_lock_find(cxr_fetch_lock *lock, const char *url,
                        const char **sha256, int64_t *size);
/* Adds or replaces a pin (strings copied). */
cxr_status cxr_fetch_lock_set(cxr_fetch_lock *lock, const char *url,
                              const char *sha256, int64_t size, cxr_error *err);
/* 1 when a pin was added or changed since the load. */
int cxr_fetch_lock_dirty(const cxr_fetch_lock *lock);
size_t cxr_fetch_lock_count(const cxr_fetch_lock *lock);
/* Writes the lock file atomically, pins sorted by URL. */
cxr_status cxr_fetch_lock_save(cxr_fetch_lock *lock, cxr_error *err);
void cxr_fetch_lock_free(cxr_fetch_lock *lock);

/* --- the content-addressed cache (fetch_cache.c) --- */

/* "<workdir>/cache/partial/<sha256 of url>", malloc'd; NULL when out of
 * memory. */
char *cxr_fetch_partial_path(const char *workdir, const char *url);
/* 1 when the object 'sha256' is cached with 'size' bytes (size < 0: any),
 * 0 when not, -1 when out of memory. With 'verify' the object is rehashed,
 * and removed when it does not match. '*path' (may be NULL) receives the
 * object's malloc'd path when found. */
int cxr_fetch_cache_has(const cxr_config *conf, const char *sha256, int64_t size,
                        int verify, char **path);
/* The content sha256 the URL index holds for 'url': 1, 0 when none, -1
 * when out of memory. */
int cxr_fetch_cache_url_get(const cxr_config *conf, const char *url,
                            char sha256[CXR_SHA256_HEX]);
/* Flushes the cache's file system (syncfs), once per run, before pins are
 * recorded. */
cxr_status cxr_fetch_cache_sync(const char *workdir, cxr_error *err);
/* Moves a verified partial file to objects/ and records url -> sha256. */
cxr_status cxr_fetch_cache_promote(const cxr_config *conf, const char *partial,
                                   const char *url, const char *sha256,
                                   char **object_path, cxr_error *err);

/* --- the plan (fetch_plan.c) --- */

typedef enum cxr_pin_origin { CXR_PIN_NONE, CXR_PIN_CONFIG, CXR_PIN_LOCK } cxr_pin_origin;

typedef enum cxr_item_state {
    CXR_ITEM_TODO,       /* to download */
    CXR_ITEM_DOWNLOADED,
    CXR_ITEM_CACHED,
    CXR_ITEM_LOCAL,      /* file:// or a path, verified in place */
    CXR_ITEM_SKIPPED,    /* not in this run's --only and not cached */
    CXR_ITEM_MISSING,    /* 404, or not cached when offline */
    CXR_ITEM_FAILED
} cxr_item_state;

#define CXR_FETCH_REASON_MAX 512

typedef struct cxr_fetch_item {
    unsigned group;        /* CXR_FETCH_METADATA / IMAGES / ARCHIVES */
    char *source;          /* "metadata", "images", "kermany" */
    char *name;
    char *url;
    cxr_url_kind kind;
    char pin_sha256[CXR_SHA256_HEX]; /* "" when unpinned */
    int64_t pin_size;      /* -1 when unpinned */
    cxr_pin_origin pin_origin;
    int allow_missing;
    cxr_item_state state;
    char *path;            /* local file once resolved */
    char sha256[CXR_SHA256_HEX];     /* of the bytes we have */
    int64_t size;
    cxr_status status;     /* why it failed (state FAILED or MISSING) */
    char reason[CXR_FETCH_REASON_MAX]; /* why missing, failed or skipped; "" */
} cxr_fetch_item;

typedef struct cxr_fetch_plan {
    cxr_fetch_item *items;
    size_t n, cap;
    char **inputs;         /* select manifests read */
    size_t ninputs;
    int images_planned;    /* the select manifests were found */
} cxr_fetch_plan;

/* Lists the items of every source of the config; images only when the
 * select manifests exist (CXR_ERR_MISSING when 'need_images' and they do
 * not). Config pins are applied; duplicate URLs are listed once. */
cxr_status cxr_fetch_plan_build(const cxr_config *conf, const cxr_fetch_settings *settings,
                                int need_images, cxr_fetch_plan *plan, cxr_error *err);
void cxr_fetch_plan_release(cxr_fetch_plan *plan);
void cxr_fetch_item_set_reason(cxr_fetch_item *it, cxr_item_state state,
                               cxr_status status, const char *fmt, ...)
    CXR_PRINTF(4, 5);
const char *cxr_fetch_item_state_name(cxr_item_state state);

/* --- resolving items before any transfer (fetch_resolve.c) --- */

typedef struct cxr_fetch_resolver {
    const cxr_config *conf;
    const cxr_fetch_options *opts;
    unsigned only;         /* CXR_FETCH_* groups this run may fetch */
    cxr_fetch_lock *lock;  /* pins read here; cache hits of unpinned URLs added */
} cxr_fetch_resolver;

/* Leaves 'it' TODO (download it) or settles it: CACHED, LOCAL (verified in
 * place), SKIPPED (not in --only), MISSING (--offline or no such local file)
 * or FAILED (a local file that does not match its pin). */
cxr_status cxr_fetch_resolve(const cxr_fetch_resolver *r, cxr_fetch_item *it,
                             cxr_error *err);
/* Sets 'it' FAILED (CXR_ERR_INTEGRITY) when its size or sha256 differ from
 * its pin; the reason says where the pin came from. */
void cxr_fetch_check_pins(cxr_fetch_item *it);

/* --- the manifest and summary (fetch_report.c) --- */

typedef struct cxr_fetch_counts {
    size_t total, downloaded, cached, local, skipped, missing, failed;
    size_t missing_fatal;  /* missing and not allowed */
    uint64_t bytes_received;
    size_t pins_added;
    cxr_status worst;      /* CXR_OK or the status the run returns */
} cxr_fetch_counts;

void cxr_fetch_count(const cxr_fetch_plan *plan, cxr_fetch_counts *c);
/* Paths inside 'workdir' are written relative to it. */
cxr_status cxr_fetch_report_write(const cxr_config *conf, const char *workdir,
                                  const cxr_fetch_plan *plan,
                                  const cxr_fetch_counts *c, const char *lock_path,
                                  const cxr_fetch_options *opts, cxr_error *err);

#endif
