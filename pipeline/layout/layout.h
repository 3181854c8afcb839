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
 * Writes <workdir>/manifests/layout/layout.csv (path, sha256, size, class,
 * source, entry, draw; sorted by path; path relative to layout.root),
 * quarantine.csv (path, source, entry, draw, reason), tree.sha256 (the
 * sha256 of layout.csv, one line) and summary.json (the same in any work
 * directory: no paths, no run statistics), and <workdir>/cache/layout.state,
 * this machine's fingerprint of every input (paths, sizes, mtimes, inodes):
 * a rerun whose inputs are unchanged, and whose tree still holds exactly the
 * manifest's files (sizes, and no file modified after layout.csv was
 * written), touches nothing. */
#ifndef CXR_LAYOUT_H
#define CXR_LAYOUT_H

#include <stddef.h>
#include <stdio.h> /* config.h uses FILE */

#include "config.h"
#include "error.h"
#include "hash.h"

typedef struct cxr_layout_result {
    int up_to_date;                 /* nothing changed; the tree was left as it was */
    size_t nfiles;                  /* files in the tree */
    size_t nquarantined;
    size_t nlinked;                 /* of nfiles, hard links to cache objects */
    size_t nverified_before;        /* images not decoded again: verified by an
                                       earlier run (cache/verified) */
    char tree_digest[CXR_SHA256_HEX];
} cxr_layout_result;

/* Runs the stage with a validated config (borrowed). With 'force', the
 * trees are rebuilt even when nothing changed. */
cxr_status cxr_layout_run(const cxr_config *conf, int force, cxr_layout_result *res,
                          cxr_error *err);

#endif
