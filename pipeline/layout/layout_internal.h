/* layout_internal.h: what the files of the layout stage share (not part of
 * the library's interface): the folders, the covid items, the sample draws
 * and their candidates, the records of the outputs, and the helpers of each
 * file. */
#ifndef CXR_LAYOUT_INTERNAL_H
#define CXR_LAYOUT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "layout.h"
#include "strmap.h"

#define LAYOUT_NONE ((size_t)-1)

typedef enum layout_source { SRC_IEEE8023, SRC_KERMANY } layout_source;
typedef enum layout_outcome { OUTCOME_PENDING, OUTCOME_PLACED, OUTCOME_BAD } layout_outcome;

typedef struct layout_folder {
    const char *path;        /* borrowed from the settings */
    const char *draw;        /* borrowed from the settings */
    const char *klass;       /* the folder's last component (points into path) */
    size_t sdraw;            /* its sample draw in c->draws; LAYOUT_NONE for covid */
    unsigned char *placed;   /* owned, sample draws: per candidate, 1 once laid out here */
} layout_folder;

/* One image to place in one folder; items with the same source and entry
 * share the work (decoded once) and are placed in each of their folders.
 * cxr_layout_place writes 'outcome' (and 'why' on the first of a group). */
typedef struct layout_item {
    size_t folder;
    layout_source src;
    char *filename;          /* owned: name in the folder (before .png) */
    char *entry;             /* owned: archive entry, or the ieee8023 file name */
    char *local;             /* owned: the source file (ieee8023); NULL for kermany */
    uint64_t size;           /* declared size (kermany); 0 when unknown */
    char *key;               /* owned: the source's identity in the index (the
                                group's first item); NULL: none */
    size_t cand;             /* kermany: the candidate's index in its draw */
    layout_outcome outcome;
    char *why;               /* owned: why the image was left out ("missing: ...",
                                "quarantined: ..."), on the group's first item */
} layout_item;

/* qsort order of layout_items: by archive entry, then folder (layout_plan.c). */
int cxr_layout_item_cmp(const void *a, const void *b);

/* Where a candidate stands in the last choice (cxr_layout_choose). */
typedef enum layout_skip {
    SKIP_NONE,               /* chosen, or not reached */
    SKIP_BAD,                /* failed verification */
    SKIP_FILE,               /* an earlier draw it is disjoint from took it */
    SKIP_PATIENT             /* ... or an image of its patient */
} layout_skip;

/* One row of a sample draw's manifest (sample.h), in rank order. */
typedef struct layout_cand {
    char *filename, *patient, *entry; /* owned */
    uint64_t size;
    int nominal;             /* in the nominal draw (ranks 1..count) */
    size_t image;            /* its archive entry in c->images */
    int chosen;              /* in the last choice */
    layout_skip skip;
} layout_cand;

/* An archive entry some draw may take; draws that are not disjoint may
 * share one. */
typedef enum layout_state { STATE_UNKNOWN, STATE_GOOD, STATE_BAD } layout_state;
typedef struct layout_image {
    const char *entry;       /* borrowed from the first candidate naming it */
    layout_state state;
    char *why;               /* owned: the reason when STATE_BAD */
    char *path;              /* owned: where it was to go when found bad */
    const char *draw;        /* ... for which draw (borrowed) */
} layout_image;

/* A sample draw, from manifests/sample/draws.csv (in the sample's order). */
typedef struct layout_draw {
    char *name;              /* owned */
    char *count_from;        /* owned: covid_train, covid_holdout or "" */
    size_t nominal;          /* the nominal draw's size */
    size_t *disjoint;        /* owned: earlier draws (indices) it never overlaps */
    size_t ndisjoint;
    int patient_disjoint;
    int laid_out;            /* some folder takes it */
    layout_cand *cands;      /* owned, rank order (laid-out draws only) */
    size_t ncands;
    size_t wanted;           /* how many it takes (cxr_layout_size_draws) */
    size_t nchosen, nbad, ntaken_file, ntaken_patient, nreplacements;
    size_t nlaid_out;        /* after the last pass */
} layout_draw;

typedef struct layout_record {
    char *path;              /* owned: relative to the tree root */
    char sha256[CXR_SHA256_HEX];
    uint64_t size;
    const char *klass, *source, *draw;
    char *entry;             /* owned */
} layout_record;

/* A file left out, once per file (quarantine.csv). */
typedef struct layout_left {
    char *path;              /* owned: where it was to go (its first folder) */
    const char *source, *draw;
    char *entry, *reason;    /* owned */
    int kind;                /* LEFT_MISSING, LEFT_QUARANTINED, LEFT_UNUSED */
} layout_left;
enum { LEFT_MISSING, LEFT_QUARANTINED, LEFT_UNUSED };

/* The sha256 of a source's bytes, learnt by an earlier run (layout_index.c). */
typedef struct layout_digest {
    char *key;               /* owned */
    char sha[CXR_SHA256_HEX];
    uint64_t size;
} layout_digest;
typedef struct layout_index {
    void *map;               /* owned cxr_strmap: key -> row */
    layout_digest *rows;     /* owned */
    size_t n, cap;
    char *path;              /* owned: <store>/index.tsv */
    int dirty;               /* a row was added or changed */
} layout_index;

/* How a tree file was made from its store object (layout_store.c). */
typedef enum layout_link_kind { LINK_HARD, LINK_REFLINK, LINK_SYMLINK, LINK_COPY,
                                LINK_KINDS } layout_link_kind;

typedef struct layout_ctx {
    const cxr_config *conf;  /* borrowed; for the config layer's path helpers */
    cxr_layout_settings set;
    char *root;              /* owned: the final tree directory */
    char *staging;           /* owned: where the tree is built */
    char *archive;           /* owned: local Kermany archive, when needed */
    layout_folder *folders;
    size_t nfolders;
    layout_item *items;      /* covid items, sorted by (entry, folder) */
    size_t nitems;
    layout_draw *draws;      /* the sample's draws */
    size_t ndraws;
    layout_image *images;    /* the entries the laid-out draws may take */
    size_t nimages;
    layout_record *records;  /* files laid out */
    size_t nrecords, rcap;
    layout_left *left;       /* files left out */
    size_t nleft, lcap;
    size_t nby_kind[LINK_KINDS]; /* tree files by how they were made */
    size_t nstored;          /* objects added to the store in this run */
    size_t nunread;          /* images placed from the store, their source unread */
    atomic_int no_reflink;   /* auto: the file system refused a reflink */
    char *store_dir;         /* owned: <workdir>/cache/store, absolute */
    int store_lock;          /* owned: <store>/lock, flock'ed; -1: none */
    layout_index index;      /* guarded by lock once the workers run */
    char *archive_key;       /* owned: the archive's identity; NULL: none */
    size_t ncached;          /* images whose verification a marker vouched for */
    char *verified_dir;      /* owned: <workdir>/cache/verified */
    int verify;              /* layout.verify, or PNG output */
    pthread_mutex_t lock;    /* guards records, nby_kind, nstored, ncached and the
                                progress */
    const cxr_progress_sink *progress; /* borrowed; NULL: none */
    size_t files_done, files_planned;  /* the progress: files settled, of about */
    double t0;               /* when the run started (monotonic seconds) */
} layout_ctx;

/* layout_progress.c: 'n' more files settled (laid out or left out);
 * reports the progress. Thread-safe (takes c->lock: the caller must not
 * hold it). */
void cxr_layout_progress(layout_ctx *c, size_t n);
/* Monotonic seconds. */
double cxr_layout_now(void);

/* layout_plan.c: folders and covid items from the settings and the select
 * manifests, the sample draws (layout_draws.c), and the fingerprint. */
cxr_status cxr_layout_plan(layout_ctx *c, cxr_error *err);
/* The fingerprint of every input of the plan. */
cxr_status cxr_layout_fingerprint(const layout_ctx *c, char hex[CXR_SHA256_HEX], cxr_error *err);
void cxr_layout_ctx_release(layout_ctx *c);

/* layout_draws.c: the sample draws each folder takes, and the choice. */
/* Loads draws.csv and the manifest of every draw a folder takes. */
cxr_status cxr_layout_load_draws(layout_ctx *c, cxr_error *err);
/* Sets each laid-out draw's 'wanted': its nominal count, or, for a count
 * from covid_train or covid_holdout laid out in some folder, the number of
 * those images the covid items laid out. */
void cxr_layout_size_draws(layout_ctx *c);
/* Chooses, draw by draw, the first 'wanted' candidates by rank that are not
 * known bad and not taken by an earlier draw it is disjoint from (by file,
 * or by patient); sets each candidate's 'chosen' and 'skip'. *short_draw
 * is the first draw that could not get 'wanted' (LAYOUT_NONE when none). */
cxr_status cxr_layout_choose(layout_ctx *c, size_t *short_draw, cxr_error *err);
/* The error for a draw that cannot be filled. */
cxr_status cxr_layout_shortfall(const layout_ctx *c, size_t d, cxr_error *err);

/* layout_fill.c: extracts, verifies and places the chosen Kermany images,
 * choosing again until every chosen image is laid out. */
cxr_status cxr_layout_fill_samples(layout_ctx *c, cxr_error *err);

/* layout_place.c: where an image goes, and placing it. */
/* malloc'd "<folder>/<name>" relative to the tree root, with the extension
 * replaced by .png when the config asks for PNG images; NULL when out of
 * memory. */
char *cxr_layout_out_path(const layout_ctx *c, size_t folder, const char *filename);
/* Verifies the bytes of items[0..n) (one source image) and
 * writes it into each item's folder under c->staging. A bad image is an
 * outcome (OUTCOME_BAD, why on items[0]), not an error. Thread-safe. */
cxr_status cxr_layout_place(layout_ctx *c, layout_item *items, size_t n,
                            const unsigned char *data, size_t len, cxr_error *err);
/* Places items[0..n) from the store object of 'sha' ('len' bytes, known
 * from the index) without reading the source, when the store holds the
 * object (read-only, that size), its verification marker is there (when
 * verifying), and the tree files are links (not copies, not PNG): *done 1.
 * Otherwise *done 0 and nothing happened. Thread-safe. */
cxr_status cxr_layout_place_known(layout_ctx *c, layout_item *items, size_t n,
                                  const char *sha, uint64_t len, int *done, cxr_error *err);
/* Marks items[0..n) bad: 'why' is copied. */
cxr_status cxr_layout_mark_bad(layout_item *items, size_t n, const char *why, cxr_error *err);
/* Removes the file laid out at 'rel' (relative to the tree) and its record. */
cxr_status cxr_layout_unplace(layout_ctx *c, const char *rel, cxr_error *err);
/* Adds a row to the left-out files; takes 'path' and copies the rest. */
cxr_status cxr_layout_left_out(layout_ctx *c, char *path, const char *source,
                               const char *entry, const char *draw, const char *reason,
                               int kind, cxr_error *err);

/* layout_store.c: the content-addressed store and the tree files made
 * from it. */
/* The mtime of every object the store writes: a write to an object (which
 * sets the mtime to now) shows, and such an object is never linked again
 * without its bytes being compared. */
#define CXR_LAYOUT_STORE_MTIME 1
/* Sets c->store_dir to "<workdir>/cache/store", absolute (symbolic links
 * name it), made when missing, and takes <store>/lock: shared for a run
 * (waiting while a gc holds it), exclusive for a gc (another run holding it
 * is CXR_ERR_IO, "in use"). The lock goes with c->store_lock. */
cxr_status cxr_layout_store_open(layout_ctx *c, int exclusive, cxr_error *err);
/* Lets the lock go and frees c->store_dir; safe when never opened. */
void cxr_layout_store_close(layout_ctx *c);

/* malloc'd "<store_dir>/<aa>/<sha>"; NULL when out of memory. */
char *cxr_layout_store_object(const layout_ctx *c, const char *sha);
/* Makes sure the store holds 'data' (len bytes, sha256 'sha', hashed by the
 * caller) as a read-only object, and sets *obj (malloc'd) to its path. An
 * object already there is kept (nothing written); a new one is a hard link
 * to 'cache_obj' (a fetch cache object with these bytes, may be NULL) when
 * possible, else written. Thread-safe. */
cxr_status cxr_layout_store_put(layout_ctx *c, const char *sha, const unsigned char *data,
                                size_t len, const char *cache_obj, char **obj,
                                cxr_error *err);
/* Makes the tree file 'dst' from store object 'obj' as layout.link says
 * ('data' is the object's bytes, for copies); counts it by kind.
 * Thread-safe. */
cxr_status cxr_layout_store_link(layout_ctx *c, const char *obj, const char *dst,
                                 const unsigned char *data, size_t len, cxr_error *err);

/* layout_index.c: the digests of sources that earlier runs read. */
/* malloc'd identities: of a file (device, inode, size, mtime; NULL when it
 * cannot be read or out of memory), of an archive member. */
char *cxr_layout_file_key(const char *path);
char *cxr_layout_member_key(const char *archive_key, const char *entry);
cxr_status cxr_layout_index_load(layout_ctx *c, cxr_error *err);
/* 1 and the digest when 'key' (may be NULL) is known. Thread-safe. */
int cxr_layout_index_get(layout_ctx *c, const char *key, char sha[CXR_SHA256_HEX],
                         uint64_t *size);
/* Records that the bytes of 'key' (may be NULL: nothing) hash to 'sha'.
 * Thread-safe. */
cxr_status cxr_layout_index_put(layout_ctx *c, const char *key, const char *sha,
                                uint64_t size, cxr_error *err);
cxr_status cxr_layout_index_save(layout_ctx *c, cxr_error *err);
/* Drops the rows whose sha256 'keep' does not hold (marking the index to
 * be saved); *dropped says how many. CXR_ERR_NOMEM when out of memory. */
cxr_status cxr_layout_index_keep(layout_ctx *c, const cxr_strmap *keep, size_t *dropped,
                                 cxr_error *err);
void cxr_layout_index_release(layout_index *ix);

/* layout_output.c: the manifests, the digest, the summary, the state. */
cxr_status cxr_layout_write_manifests(const layout_ctx *c, const char *dir,
                                      cxr_layout_result *res, cxr_error *err);
cxr_status cxr_layout_write_state(const layout_ctx *c, const char *fingerprint,
                                  const cxr_layout_result *res, cxr_error *err);
/* 1 when the last run's state has this fingerprint and the tree on disk
 * still holds exactly its files; fills res. */
int cxr_layout_up_to_date(const layout_ctx *c, const char *fingerprint,
                          cxr_layout_result *res);

/* layout_tree.c: the staging directory and the swap into place. */
cxr_status cxr_layout_staging_create(layout_ctx *c, cxr_error *err);
/* Removes the staging trees of this host's runs that died (their process
 * is gone: ESRCH), and the old trees a fallback swap left. */
void cxr_layout_staging_clean(const layout_ctx *c);
cxr_status cxr_layout_swap_into_place(layout_ctx *c, cxr_error *err);
/* 1 if the tree at c->root holds exactly the files of 'layout_csv' with
 * their sizes, none written or changed (mtime, ctime) since 'state_file'
 * (the last thing a run writes) was written, and nothing else. */
int cxr_layout_tree_matches(const layout_ctx *c, const char *layout_csv,
                            const char *state_file);

/* layout_pool.c: worker threads that run cxr_layout_place on jobs handed over
 * by the reading thread, through a bounded queue (memory stays bounded by
 * the queue, whatever the archive's size). With one thread, submit does the
 * work itself. */
typedef struct layout_pool layout_pool;
cxr_status cxr_layout_pool_start(layout_ctx *c, int threads, layout_pool **out, cxr_error *err);
/* Takes 'data' (malloc'd); items[0..n) stay the caller's and must outlive
 * the pool. Blocks while the queue is full. Returns the first error any
 * job has met so far (the caller stops submitting). */
cxr_status cxr_layout_pool_submit(layout_pool *p, layout_item *items, size_t n,
                                  unsigned char *data, size_t len, cxr_error *err);
/* Waits for the jobs, stops the threads, frees the pool; returns the first
 * error any job met. NULL is a no-op. */
cxr_status cxr_layout_pool_finish(layout_pool *p, cxr_error *err);

#endif
