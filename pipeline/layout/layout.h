/* layout.h: the layout stage (cxrprep-layout): the training and validation
 * trees, built from the select manifests (covid images, read from the fetch
 * cache or a local images directory through sources.images.url_template)
 * and the sample manifests (Kermany images, extracted one by one from the
 * archive, never the whole archive).
 *
 * Each folder of layout.folders is filled from one draw. The trees are built
 * in a staging directory beside layout.root and swapped into place in one
 * rename, so a crash never leaves a half-built tree and no file outside the
 * manifests survives. Every image is decoded first (image.h): truncated,
 * corrupt, unsupported or oversized ones are quarantined, not laid out; a
 * marker named by the sha256 of the bytes, the dimension cap and the tool
 * version (<workdir>/cache/verified/) spares decoding the same bytes again
 * in later runs.
 * Originals keep their bytes (covid images hard-linked from the fetch cache,
 * whose objects are read-only, when layout.link allows; local sources are
 * always copied); layout.images: png writes decoded
 * images resized to layout.image_size instead.
 *
 * Balance: the covid images are laid out first. A sample draw whose count
 * is covid_train (covid_holdout) then takes as many images as that covid
 * draw actually laid out (missing and quarantined ones left out), and any
 * sample draw takes the first candidates of its seeded order (sample.h) that
 * verify, skipping those an earlier draw it is disjoint from took (and, with
 * patient_disjoint, their patients): a quarantined Kermany image gives way
 * to the next candidate, so the counts hold and the choice is reproducible.
 * Too few candidates is CXR_ERR_INPUT naming the draw, how many it needs and
 * how many it could use.
 *
 * Writes <workdir>/manifests/layout/layout.csv (path, sha256, size, class,
 * source, entry, draw; sorted by path; path relative to layout.root),
 * quarantine.csv (path, source, entry, draw, reason: each file left out
 * once, sorted by path: missing, quarantined, or a nominal sample image not
 * needed or usable), tree.sha256 (the sha256 of layout.csv, one line) and
 * summary.json (per-folder and per-draw counts; the same in any work
 * directory: no paths, no run statistics), and <workdir>/cache/layout.state,
 * this machine's fingerprint of every input (paths, sizes, mtimes, inodes):
 * a rerun whose inputs are unchanged, and whose tree still holds exactly the
 * manifest's files (sizes, and no file modified after layout.csv was
 * written), touches nothing. */
#ifndef CXR_LAYOUT_H
#define CXR_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* config.h uses FILE */

#include "config.h"
#include "error.h"
#include "hash.h"
#include "progress.h"

#include "settings.h"

/* How tree files are made from the store's objects (layout.link). */
typedef enum cxr_layout_link {
    CXR_LAYOUT_LINK_AUTO,           /* reflink, else hard link, else copy, per file */
    CXR_LAYOUT_LINK_HARD,           /* hard links (read-only, the store's inode), or fail */
    CXR_LAYOUT_LINK_REFLINK,        /* copy-on-write clones (FICLONE), or fail */
    CXR_LAYOUT_LINK_SYMLINK,        /* symbolic links to the objects, or fail */
    CXR_LAYOUT_LINK_COPY            /* plain copies, no store (the recipe's way) */
} cxr_layout_link;

/* One of layout.folders. Strings are borrowed from the config. */
typedef struct cxr_layout_folder_settings {
    const char *path;               /* relative to layout.root */
    const char *draw;               /* covid_train, covid_holdout or a sample draw */
} cxr_layout_folder_settings;

/* The layout stage's part of the config, read once at its entry point. */
typedef struct cxr_layout_settings {
    cxr_common_settings common;     /* workdir, sources.images, sources.kermany */
    const char *root;               /* layout.root, under workdir unless absolute */
    cxr_layout_folder_settings *folders; /* owned; config order */
    size_t nfolders;
    const char **sample_draws;      /* owned array of the names in sample.draws
                                       (borrowed): a manifest of another name is
                                       an old config's, never laid out */
    size_t nsample_draws;
    int png;                        /* layout.images: png (else original) */
    int image_size;
    int max_dimension;
    int verify;
    int threads;
    cxr_layout_link link;
} cxr_layout_settings;

/* Fills 'out' from a validated config (borrowed: it must outlive 'out').
 * CXR_ERR_NOMEM when out of memory; release with cxr_layout_settings_release
 * either way. */
cxr_status cxr_layout_settings_read(const cxr_config *conf, cxr_layout_settings *out,
                                    cxr_error *err);
void cxr_layout_settings_release(cxr_layout_settings *s);

typedef struct cxr_layout_result {
    int up_to_date;                 /* nothing changed; the tree was left as it was */
    size_t nfiles;                  /* files in the tree */
    size_t nmissing;                /* covid images not found (each file once) */
    size_t nquarantined;            /* images that failed verification (each once) */
    size_t nreplacements;           /* sample images taken from beyond a nominal draw */
    size_t nlinked;                 /* of nfiles, hard links to store objects */
    size_t nreflinked, nsymlinked, ncopied; /* of nfiles, made the other ways (a
                                       rebuild; 0 when up to date) */
    size_t nstored;                 /* objects this run added to the store */
    size_t nunread;                 /* images placed from the store without reading
                                       their source (its digest known) */
    size_t nverified_before;        /* images not decoded again: verified by an
                                       earlier run (cache/verified) */
    char tree_digest[CXR_SHA256_HEX];
    char state_unsaved[200];        /* why cache/layout.state could not be written
                                       after the trees were committed ("" when it
                                       was): the next run then rebuilds them */
} cxr_layout_result;

/* Runs the stage with a validated config (borrowed). With 'force', the
 * trees are rebuilt even when nothing changed. The files laid out (or left
 * out) are reported to 'progress' as they are done (borrowed; NULL:
 * nowhere; called from the worker threads, one call at a time). */
cxr_status cxr_layout_run(const cxr_config *conf, int force, const cxr_progress_sink *progress,
                          cxr_layout_result *res, cxr_error *err);

/* What cxr_layout_gc did. */
typedef struct cxr_layout_gc_result {
    size_t nkept;                   /* objects the trees hold */
    size_t nremoved;                /* objects removed */
    size_t ntemporary;              /* temporary files of killed runs removed */
    size_t nindex_dropped;          /* index rows of removed objects */
    uint64_t bytes_freed;           /* sizes of the removed files that were their
                                       data's last name (a hard-linked old tree
                                       keeps its bytes) */
} cxr_layout_gc_result;

/* The store's housekeeping (cxrprep-layout --gc), right after a run that
 * laid out the trees whose digest is 'tree_digest' (its result's): removes
 * from <workdir>/cache/store every object that manifests/layout/layout.csv
 * does not list, the temporary files of runs that were killed, and the
 * index rows of the removed objects; files it does not know are left
 * alone. Trees made by earlier runs with layout.link: symlink at another
 * layout.root point into the store and lose their removed objects. It
 * takes the store's lock exclusively: another cxrprep-layout using the
 * store, or a layout.csv that another run has rewritten since, is
 * CXR_ERR_IO and nothing is removed; no layout.csv is CXR_ERR_MISSING. */
cxr_status cxr_layout_gc(const cxr_config *conf, const char *tree_digest,
                         cxr_layout_gc_result *res, cxr_error *err);

#endif
