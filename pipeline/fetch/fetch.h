/* fetch.h: the fetch stage (cxrprep-fetch): downloads the sources the config
 * names into the content-addressed cache of the work directory, verified
 * against their pins.
 *
 *     cxr_fetch_options opts = {0};          // default plan, online
 *     opts.on_event = print_file;            // optional: each finished file
 *     opts.progress = sink;                  // optional: count, bytes (progress.h)
 *     status = cxr_fetch_run(conf, &opts, &err);
 *
 * What is fetched: the metadata file (sources.metadata), the archives
 * (sources.kermany) and, when the select stage's manifests exist, the
 * images they list (sources.images.url_template filled with each file name).
 * http(s) sources are downloaded into <workdir>/cache (see workdir.h);
 * file:// URLs and plain paths are verified where they are, never copied.
 * Sources without a sha256 in the config are pinned on first download in the
 * lock file (fetch.lock_file) and verified against it on every later run.
 * Writes <workdir>/manifests/fetch/fetch.csv and summary.json, the same on
 * a rerun and in any work directory: a file downloaded now is "cached" like
 * one found in the cache, paths inside the work directory are relative to
 * it, and run statistics (downloads, bytes) are only in the events. */
#ifndef CXR_FETCH_H
#define CXR_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "progress.h"
#include "settings.h"

/* The fetch section of the config (and the shared settings), read once at
 * the stage's entry. Strings are borrowed from the config; nothing to free. */
typedef struct cxr_fetch_settings {
    cxr_common_settings common;
    int64_t metadata_size;   /* sources.metadata.size; -1 when not given (0 pins
                                an empty file, unlike common.metadata.size) */
    int64_t kermany_size;    /* sources.kermany.size, the same way */
    int parallel;            /* transfers at once */
    int retries;             /* extra attempts per file */
    long backoff_ms, max_backoff_ms, max_retry_after_s;
    long connect_timeout_s;
    long low_speed_bytes, low_speed_time_s; /* slower than this, this long: cut */
    long max_redirects;
    const char *ca_file;     /* NULL: the system's CA store */
    const char *lock_file;   /* NULL: beside the config (cxr_fetch_lock_path) */
} cxr_fetch_settings;

/* Fills 'out' from a validated config (borrowed: it must outlive 'out'). */
cxr_status cxr_fetch_settings_read(const cxr_config *conf, cxr_fetch_settings *out,
                                   cxr_error *err);

/* Which sources a run may download or verify (cxr_fetch_options.only). The
 * others are still looked up in the cache and listed in the manifest. */
enum {
    CXR_FETCH_METADATA = 1,
    CXR_FETCH_IMAGES = 2,
    CXR_FETCH_ARCHIVES = 4,
    CXR_FETCH_ALL = 7
};

typedef enum cxr_fetch_event_kind {
    CXR_FETCH_EV_START,    /* the plan is known: files_total, bytes_total */
    CXR_FETCH_EV_PROGRESS, /* a few times a second while transferring */
    CXR_FETCH_EV_FILE,     /* one file is finished (any status) */
    CXR_FETCH_EV_END       /* everything is finished */
} cxr_fetch_event_kind;

/* Everything borrowed, valid only during the callback. */
typedef struct cxr_fetch_event {
    cxr_fetch_event_kind kind;
    /* CXR_FETCH_EV_FILE only: */
    const char *source;    /* "metadata", "images", "kermany" */
    const char *name;      /* file name (images) or the source name */
    const char *url;
    const char *state;     /* "downloaded", "cached", "local", "skipped",
                              "missing", "failed" */
    const char *reason;    /* why missing or failed; "" otherwise */
    uint64_t file_bytes;   /* size of the file (0 when unknown) */
    int failed;            /* 1 when this file makes the stage fail */
    /* all kinds: */
    size_t files_done, files_total;
    uint64_t bytes_done;   /* bytes of finished files plus bytes received */
    uint64_t bytes_total;  /* known sizes only (pins, Content-Length) */
    uint64_t bytes_received; /* over the network in this run */
    double elapsed_s;
} cxr_fetch_event;

typedef void (*cxr_fetch_event_fn)(void *ctx, const cxr_fetch_event *ev);

typedef struct cxr_fetch_options {
    unsigned only;         /* CXR_FETCH_* mask; 0: all */
    int offline;           /* use the cache only; name every missing file */
    int update_pins;       /* ignore lock-file pins and re-pin on download */
    int verify;            /* rehash cached objects instead of trusting size */
    cxr_fetch_event_fn on_event; /* may be NULL */
    void *event_ctx;
    cxr_progress_sink progress;  /* files and bytes done; fn NULL: none */
} cxr_fetch_options;

/* Runs the stage on a validated config. Every file that fails is reported
 * by a CXR_FETCH_EV_FILE event with failed = 1 and a row in fetch.csv; the
 * return value is then CXR_ERR_INTEGRITY, CXR_ERR_NETWORK or
 * CXR_ERR_MISSING (in that order of precedence) with a count in 'err'.
 * 'conf' and 'opts' are borrowed. */
cxr_status cxr_fetch_run(const cxr_config *conf, const cxr_fetch_options *opts,
                         cxr_error *err);

/* Parses "metadata,images" (also "archives", "kermany", "all") into a
 * CXR_FETCH_* mask. */
cxr_status cxr_fetch_parse_only(const char *text, unsigned *mask, cxr_error *err);

/* The lock file a config uses: fetch.lock_file, or the config's path with
 * .yaml/.yml replaced by .lock. malloc'd; caller frees; NULL when out of
 * memory. */
char *cxr_fetch_lock_path(const cxr_fetch_settings *settings);

#endif
