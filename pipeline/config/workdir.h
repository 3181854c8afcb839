/* workdir.h: where each stage keeps its files under the config's workdir:
 *
 *     <workdir>/cache/objects/<aa>/<sha256>   verified downloads (fetch)
 *     <workdir>/cache/urls/<sha256 of url>    url -> content sha256 (fetch)
 *     <workdir>/cache/partial/                 downloads in progress (fetch)
 *     <workdir>/cache/verified/                images already decoded (layout)
 *     <workdir>/cache/store/<aa>/<sha256>      laid-out images, once each (layout)
 *     <workdir>/cache/store/index.tsv          source -> sha256 of the store (layout)
 *     <workdir>/cache/layout.state             what the trees were built from (layout)
 *     <workdir>/manifests/<stage>/...         manifests and summary.json
 *     <workdir>/<layout.root>/...             the dataset trees (layout)
 *
 * and how a source URL from the config becomes a local file to read. */
#ifndef CXR_WORKDIR_H
#define CXR_WORKDIR_H

#include "config.h"
#include "error.h"

/* malloc'd "<workdir>/manifests/<stage>/<name>" (name may be NULL for the
 * directory itself); caller frees; NULL when out of memory. */
char *cxr_stage_path(const cxr_config *conf, const char *stage, const char *name);
/* malloc'd "<workdir>/cache/objects/<aa>/<sha256>"; caller frees; NULL when out of memory. */
char *cxr_cache_object_path(const cxr_config *conf, const char *sha256);
/* malloc'd "<workdir>/cache/urls/<sha256 of url>"; caller frees; NULL when out of memory. */
char *cxr_cache_url_index_path(const cxr_config *conf, const char *url);

/* Turns a source URL into a readable local file (malloc'd, caller frees):
 * a plain path or file:// URL is used as it is; an http(s) URL is looked up
 * in the fetch cache, by 'sha256' when pinned (may be NULL), else by the url
 * index. CXR_ERR_MISSING when not cached ("run 'cxrprep fetch' first"). */
cxr_status cxr_source_local_path(const cxr_config *conf, const char *url,
                                 const char *sha256, char **path, cxr_error *err);

/* Replaces every "{filename}" in 'tmpl' with 'filename', percent-encoded
 * (every byte but A-Z a-z 0-9 - . _ ~) when the template is a URL with a
 * scheme, verbatim when it is a plain path. The fetch stage and the layout
 * stage both fill the template here, so they name the same cached file.
 * malloc'd (caller frees); NULL when out of memory. */
char *cxr_source_url_fill(const char *tmpl, const char *filename);

#endif
