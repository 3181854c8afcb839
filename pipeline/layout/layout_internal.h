/* layout_internal.h: what the files of the layout stage share (not part of
 * the library's interface): the plan of items, the records of the outputs,
 * and the helpers of each file. */
#ifndef CXR_LAYOUT_INTERNAL_H
#define CXR_LAYOUT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "layout.h"

typedef enum layout_source { SRC_IEEE8023, SRC_KERMANY } layout_source;
typedef enum layout_link { LINK_AUTO, LINK_HARD, LINK_COPY } layout_link;

typedef struct layout_folder {
    const char *path;        /* borrowed from the config */
    const char *draw;        /* borrowed from the config */
    const char *klass;       /* the folder's last component (points into path) */
} layout_folder;

/* One image to place; items with the same source and entry share the work
 * (decoded once) and are placed in each of their folders. */
typedef struct layout_item {
    size_t folder;
    layout_source src;
    char *filename;          /* owned: name in the folder (before .png) */
    char *entry;             /* owned: archive entry, or the ieee8023 file name */
    char *local;             /* owned: the source file (ieee8023); NULL for kermany */
    uint64_t size;           /* declared size (kermany); 0 when unknown */
} layout_item;

typedef struct layout_record {
    char *path;              /* owned: relative to the tree root */
    char sha256[CXR_SHA256_HEX];
    uint64_t size;
    const char *klass, *source, *draw;
    char *entry;             /* owned */
    char *reason;            /* owned: quarantine reason; NULL for a laid-out file */
} layout_record;

typedef struct layout_ctx {
    const cxr_config *conf;
    char *root;              /* owned: the final tree directory */
    char *staging;           /* owned: where the tree is built */
    char *archive;           /* owned: local Kermany archive, when needed */
    layout_folder *folders;
    size_t nfolders;
    layout_item *items;      /* sorted by (src, entry, folder) */
    size_t nitems;
    layout_record *records;  /* outputs and quarantined items */
    size_t nrecords, rcap;
    size_t nlinked;
    size_t ncached;          /* images whose verification a marker vouched for */
    char *verified_dir;      /* owned: <workdir>/cache/verified */
    int png, image_size, max_dimension, verify, allow_missing;
    layout_link link;
    pthread_mutex_t lock;    /* guards records, nlinked and ncached */
} layout_ctx;

/* layout_plan.c: folders and items from the config and the manifests. */
cxr_status cxr_layout_plan(layout_ctx *c, cxr_error *err);
/* malloc'd "<folder>/<name>" of an item, relative to the tree root, with
 * the extension replaced by .png when the config asks for PNG images. */
char *cxr_layout_out_path(const layout_ctx *c, const layout_item *it);
/* The fingerprint of every input of the plan. */
cxr_status cxr_layout_fingerprint(const layout_ctx *c, char hex[CXR_SHA256_HEX], cxr_error *err);
void cxr_layout_ctx_release(layout_ctx *c);

/* layout_place.c: verifies the bytes of items[first..first+n) (one source
 * image) and writes it into each item's folder under c->staging. A bad
 * image becomes a quarantine record, not an error. Thread-safe. */
cxr_status cxr_layout_place(layout_ctx *c, size_t first, size_t n, const unsigned char *data,
                        size_t len, cxr_error *err);
/* Records that items[first..first+n) could not be read ('reason'). */
void cxr_layout_quarantine(layout_ctx *c, size_t first, size_t n, const char *reason);

/* layout_tree.c: the staging directory and the swap into place. */
cxr_status cxr_layout_staging_create(layout_ctx *c, cxr_error *err);
/* Removes the staging trees of this host's runs that died (their process
 * is gone: ESRCH), and the old trees a fallback swap left. */
void cxr_layout_staging_clean(const layout_ctx *c);
cxr_status cxr_layout_swap_into_place(layout_ctx *c, cxr_error *err);
/* 1 if the tree at c->root holds exactly the files of 'layout_csv' with
 * their sizes, none changed since layout.csv was written (mtime; files
 * with several links, hard links to cache objects, are rehashed too), and
 * nothing else. */
int cxr_layout_tree_matches(const layout_ctx *c, const char *layout_csv);

/* layout_pool.c: worker threads that run cxr_layout_place on jobs handed over
 * by the reading thread, through a bounded queue (memory stays bounded by
 * the queue, whatever the archive's size). With one thread, submit does the
 * work itself. */
typedef struct layout_pool layout_pool;
cxr_status cxr_layout_pool_start(layout_ctx *c, int threads, layout_pool **out, cxr_error *err);
/* Takes 'data' (malloc'd). Blocks while the queue is full. Returns the
 * first error any job has met so far (the caller stops submitting). */
cxr_status cxr_layout_pool_submit(layout_pool *p, size_t first, size_t n, unsigned char *data,
                              size_t len, cxr_error *err);
/* Waits for the jobs, stops the threads, frees the pool; returns the first
 * error any job met. NULL is a no-op. */
cxr_status cxr_layout_pool_finish(layout_pool *p, cxr_error *err);

#endif
