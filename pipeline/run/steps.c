/* steps.c: the step table of `cxrprep run` and the fingerprints of what
 * each step reads and writes. */
#include "contract.h"
#include "steps.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exclusions.h"
#include "fsutil.h"
#include "hash.h"
#include "workdir.h"

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Keys are as narrow as the step's use: a change of the Kermany URL does not
 * rerun select, a change of score.threshold reruns only score. select and
 * sample read the review's exclusions file (curation.exclusions), so an
 * exclusion reruns them and what follows. */
const cxr_step cxr_steps[] = {
    {"fetch", "fetch", LIST("--only", "metadata,archives"),
     LIST("sources.metadata", "sources.kermany", "fetch.lock_file", "fetch.ca_file"),
     LIST(NULL), NULL, 0, 0, 0, 0, 0, CXR_STEP_NEEDS_NOTHING, 0},
    {"select", "select", LIST(NULL), LIST("sources.metadata", "select"), LIST(NULL),
     "select", 1, 0, 0, 0, 0, CXR_STEP_NEEDS_NOTHING, 1},
    {"images", "fetch", LIST("--only", "images"),
     LIST("sources.images", "fetch.lock_file", "fetch.ca_file"), LIST("select"), NULL,
     0, 0, 0, 0, 0, CXR_STEP_NEEDS_IMAGES, 0},
    {"sample", "sample", LIST(NULL), LIST("seed", "sources.kermany", "sample"),
     LIST("select"), "sample", 0, 0, 1, 0, 0, CXR_STEP_NEEDS_KERMANY, 1},
    {"layout", "layout", LIST(NULL), LIST("sources.images", "sources.kermany", "layout"),
     LIST("select", "fetch", "sample"), "layout", 0, 1, 1, 0, 1, CXR_STEP_NEEDS_NOTHING, 0},
    {"score", "score", LIST(NULL),
     LIST("seed", "sources.kermany", "sample.archive_root", "layout.root", "score"),
     LIST("layout"), "score", 0, 0, 1, 1, 0, CXR_STEP_NEEDS_MODEL, 0},
};
const size_t cxr_nsteps = sizeof(cxr_steps) / sizeof(cxr_steps[0]);

static const char UNREADABLE[] = "unreadable";

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

int cxr_step_find(const char *name)
{
    for (size_t i = 0; i < cxr_nsteps; i++)
        if (strcmp(cxr_steps[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *cxr_step_unmet(const cxr_step *step, const cxr_run_settings *settings)
{
    switch (step->needs) {
    case CXR_STEP_NEEDS_IMAGES:
        return settings->common.images_url_template ? NULL : "sources.images.url_template";
    case CXR_STEP_NEEDS_KERMANY:
        return settings->common.kermany.url ? NULL : "sources.kermany.url";
    case CXR_STEP_NEEDS_MODEL:
        return settings->nscore_models ? NULL : "score.model";
    case CXR_STEP_NEEDS_NOTHING:
        break;
    }
    return NULL;
}

cxr_status cxr_fingerprints_add(cxr_fingerprints *fps, const char *name, const char *hash,
                                cxr_error *err)
{
    cxr_fingerprint *grown = realloc(fps->items, (fps->n + 1) * sizeof(*grown));
    char *name_copy, *hash_copy;

    if (!grown)
        return nomem(err);
    fps->items = grown;
    name_copy = strdup(name);
    hash_copy = strdup(hash);
    if (!name_copy || !hash_copy) {
        free(name_copy);
        free(hash_copy);
        return nomem(err);
    }
    fps->items[fps->n].name = name_copy;
    fps->items[fps->n].hash = hash_copy;
    fps->n++;
    return CXR_OK;
}

void cxr_fingerprints_release(cxr_fingerprints *fps)
{
    for (size_t i = 0; i < fps->n; i++) {
        free(fps->items[i].name);
        free(fps->items[i].hash);
    }
    free(fps->items);
    fps->items = NULL;
    fps->n = 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "<name>.tmp.XXXXXX": a file being written (fsutil.h). */
static int is_temporary(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    return t && strlen(t + 5) == 6;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The entries of 'dir', sorted, less temporary files; *unreadable is set
 * when the directory cannot be listed. */
static cxr_status sorted_names(const char *dir, char ***out, size_t *n, int *unreadable,
                               cxr_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL, **grown;

    *out = NULL;
    *n = 0;
    if (!d) {
        *unreadable = 1;
        return CXR_OK;
    }
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_temporary(e->d_name))
            continue;
        if (!(grown = realloc(names, (*n + 1) * sizeof(*names))) ||
            !(grown[*n] = strdup(e->d_name))) {
            closedir(d);
            free_names(grown ? grown : names, *n);
            *n = 0;
            return nomem(err);
        }
        names = grown;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof(*names), compare_names);
    *out = names;
    return CXR_OK;
}

/* The sha256 of a regular file (through 'fh'), or "unreadable" with
 * *unreadable set; only out of memory is an error. */
static cxr_status file_hex(cxr_filehash *fh, const char *path, char hex[CXR_SHA256_HEX],
                           uint64_t *size, int *unreadable, cxr_error *err)
{
    cxr_error why = {0};

    if (cxr_filehash_get(fh, path, hex, size, &why) == CXR_OK)
        return CXR_OK;
    if (why.status == CXR_ERR_NOMEM)
        return nomem(err);
    snprintf(hex, CXR_SHA256_HEX, "%s", UNREADABLE);
    *unreadable = 1;
    return CXR_OK;
}

static cxr_status hash_tree(const char *dir, const char *rel, int skip_summaries,
                            cxr_filehash *fh, cxr_sha256 *h, int *unreadable, cxr_error *err);

/* One entry of a tree into 'h': a directory by its entries, a symlink by
 * "path -> target" (never followed), a file by "path size sha256"; an
 * entry that cannot be examined (gone since the listing, a path too long)
 * sets *unreadable. */
static cxr_status hash_entry(const char *dir, const char *rel, const char *name,
                             int skip_summaries, cxr_filehash *fh, cxr_sha256 *h,
                             int *unreadable, cxr_error *err)
{
    char *child_rel = rel[0] ? cxr_path_join(rel, name) : strdup(name);
    char *child = child_rel ? cxr_path_join(dir, child_rel) : NULL;
    char hex[CXR_SHA256_HEX], line[8192], target[4096];
    uint64_t size = 0;
    struct stat st;
    ssize_t len;
    cxr_status rc = CXR_OK;

    line[0] = '\0';
    if (!child)
        rc = nomem(err);
    else if (lstat(child, &st) != 0)
        *unreadable = 1;
    else if (S_ISDIR(st.st_mode))
        rc = hash_tree(dir, child_rel, skip_summaries, fh, h, unreadable, err);
    else if (S_ISLNK(st.st_mode)) {
        if ((len = readlink(child, target, sizeof(target) - 1)) < 0)
            *unreadable = 1;
        else {
            target[len] = '\0';
            snprintf(line, sizeof(line), "%s -> %s\n", child_rel, target);
        }
    } else if (!S_ISREG(st.st_mode))
        snprintf(line, sizeof(line), "%s special\n", child_rel);
    else if (!(skip_summaries && !strcmp(name, CXR_SUMMARY_JSON)) &&
             (rc = file_hex(fh, child, hex, &size, unreadable, err)) == CXR_OK)
        snprintf(line, sizeof(line), "%s %llu %s\n", child_rel, (unsigned long long)size, hex);
    if (line[0])
        cxr_sha256_update(h, line, strlen(line));
    free(child);
    free(child_rel);
    return rc;
}

/* sha256 over the entries of every file under 'dir', sorted; with
 * 'skip_summaries', summary.json files are left out (run statistics). */
static cxr_status hash_tree(const char *dir, const char *rel, int skip_summaries,
                            cxr_filehash *fh, cxr_sha256 *h, int *unreadable, cxr_error *err)
{
    char *path = rel[0] ? cxr_path_join(dir, rel) : strdup(dir);
    char **names = NULL;
    size_t n = 0;
    cxr_status rc = path ? sorted_names(path, &names, &n, unreadable, err) : nomem(err);

    for (size_t i = 0; i < n && rc == CXR_OK; i++)
        rc = hash_entry(dir, rel, names[i], skip_summaries, fh, h, unreadable, err);
    free_names(names, n);
    free(path);
    return rc;
}

/* A file or directory: a directory by its tree, a file by its bytes (a
 * symlink by those of its target). */
static cxr_status add_path(cxr_fingerprints *fps, cxr_filehash *fh, const char *path,
                           int skip_summaries, cxr_error *err)
{
    struct stat st;
    char hex[CXR_SHA256_HEX], *target;
    int unreadable = 0;
    cxr_status rc;

    if (stat(path, &st) != 0)
        return cxr_fingerprints_add(fps, path,
                                    errno == ENOENT || errno == ENOTDIR ? "absent" : UNREADABLE,
                                    err);
    if (S_ISDIR(st.st_mode)) {
        cxr_sha256 *h = cxr_sha256_new();
        if (!h)
            return nomem(err);
        rc = hash_tree(path, "", skip_summaries, fh, h, &unreadable, err);
        cxr_sha256_final(h, hex);
        cxr_sha256_free(h);
    } else if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode))
        rc = file_hex(fh, path, hex, NULL, &unreadable, err);
    else if (!(target = realpath(path, NULL)))
        rc = errno == ENOMEM ? nomem(err) : (unreadable = 1, CXR_OK);
    else {
        rc = file_hex(fh, target, hex, NULL, &unreadable, err);
        free(target);
    }
    if (rc != CXR_OK)
        return rc;
    return cxr_fingerprints_add(fps, path, unreadable ? UNREADABLE : hex, err);
}

/* A source a step reads: a local file (path or file:// URL) is hashed (once
 * while unchanged: filehash.h); an http(s) source is named by its cache
 * object, whose name is its verified sha256. */
static cxr_status add_source(cxr_fingerprints *fps, cxr_filehash *fh, const cxr_config *conf,
                             const cxr_source_settings *source, cxr_error *err)
{
    const char *url = source->url;
    char *path = NULL;
    int remote = url && (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8));
    cxr_error why = {0};
    cxr_status rc;

    if (!url)
        return CXR_OK;
    rc = cxr_source_local_path(conf, url, source->sha256, &path, &why);
    if (rc == CXR_ERR_NOMEM)
        rc = nomem(err);
    else if (rc != CXR_OK)
        rc = cxr_fingerprints_add(fps, url, "absent", err);
    else if (remote)
        rc = cxr_fingerprints_add(fps, url, strrchr(path, '/') + 1, err);
    else
        rc = add_path(fps, fh, path, 0, err);
    free(path);
    return rc;
}

/* A local images directory (the template is a path or file:// URL): its
 * files are inputs of layout. Remote images come through the fetch cache,
 * which the fetch manifest describes. */
static cxr_status add_images_dir(cxr_fingerprints *fps, cxr_filehash *fh,
                                 const cxr_config *conf, const char *tmpl, cxr_error *err)
{
    const char *key = tmpl ? strstr(tmpl, "{filename}") : NULL;
    char *dir, *path = NULL;
    cxr_status rc = CXR_OK;

    if (!key || strstr(tmpl, "http://") == tmpl || strstr(tmpl, "https://") == tmpl)
        return CXR_OK;
    if (!(dir = strdup(tmpl)))
        return nomem(err);
    dir[key - tmpl] = '\0';
    rc = cxr_source_local_path(conf, dir[0] ? dir : ".", NULL, &path, NULL);
    if (rc == CXR_OK)
        rc = add_path(fps, fh, path, 0, err);
    else if (rc == CXR_ERR_NOMEM)
        rc = nomem(err);
    else
        rc = CXR_OK; /* as before: a bad template is the stage's to report */
    free(path);
    free(dir);
    return rc;
}

static cxr_status add_config_keys(cxr_fingerprints *out, const cxr_config *conf,
                                  const cxr_step *step, cxr_error *err)
{
    char hex[CXR_SHA256_HEX], name[160];
    cxr_status rc = CXR_OK;

    for (const char *const *k = step->keys; *k && rc == CXR_OK; k++) {
        if (cxr_config_hash(conf, *k, hex) != CXR_OK)
            return nomem(err);
        snprintf(name, sizeof(name), "config:%s", *k);
        rc = cxr_fingerprints_add(out, name, hex, err);
    }
    return rc;
}

static cxr_status add_read_dirs(cxr_fingerprints *out, const cxr_config *conf,
                                const cxr_step *step, cxr_filehash *fh, cxr_error *err)
{
    cxr_status rc = CXR_OK;

    for (const char *const *r = step->reads; *r && rc == CXR_OK; r++) {
        char *dir = cxr_stage_path(conf, *r, NULL);
        rc = dir ? add_path(out, fh, dir, 1, err) : nomem(err);
        free(dir);
    }
    return rc;
}

/* The exclusions file, when the config names one (a missing file is
 * "absent": creating it is a change). No entry otherwise, so the records
 * of configs without one stay as they were. */
static cxr_status add_exclusions(cxr_fingerprints *out, cxr_filehash *fh,
                                 const cxr_config *conf, cxr_error *err)
{
    char *path = NULL;
    cxr_status rc = cxr_exclusions_path(conf, &path, err);

    if (rc == CXR_OK && path)
        rc = add_path(out, fh, path, 0, err);
    free(path);
    return rc;
}

cxr_status cxr_step_inputs(const cxr_config *conf, const cxr_run_settings *settings,
                           const cxr_step *step, cxr_filehash *fh, cxr_fingerprints *out,
                           cxr_error *err)
{
    cxr_status rc;

    memset(out, 0, sizeof(*out));
    rc = cxr_fingerprints_add(out, "tool", CXR_VERSION, err);
    if (rc == CXR_OK)
        rc = add_config_keys(out, conf, step, err);
    if (rc == CXR_OK)
        rc = add_read_dirs(out, conf, step, fh, err);
    if (rc == CXR_OK && step->reads_metadata)
        rc = add_source(out, fh, conf, &settings->common.metadata, err);
    if (rc == CXR_OK && step->reads_images)
        rc = add_images_dir(out, fh, conf, settings->common.images_url_template, err);
    if (rc == CXR_OK && step->reads_archive)
        rc = add_source(out, fh, conf, &settings->common.kermany, err);
    for (size_t i = 0; rc == CXR_OK && step->reads_model && i < settings->nscore_models; i++)
        rc = add_path(out, fh, settings->score_models[i], 0, err);
    if (rc == CXR_OK && step->reads_exclusions)
        rc = add_exclusions(out, fh, conf, err);
    if (rc != CXR_OK)
        cxr_fingerprints_release(out);
    return rc;
}

cxr_status cxr_step_outputs(const cxr_config *conf, const cxr_run_settings *settings,
                            const cxr_step *step, cxr_filehash *fh, cxr_fingerprints *out,
                            cxr_error *err)
{
    const char *root = settings->layout_root ? settings->layout_root : "datasets";
    cxr_status rc = CXR_OK;

    memset(out, 0, sizeof(*out));
    if (step->writes) {
        char *dir = cxr_stage_path(conf, step->writes, NULL);
        rc = dir ? add_path(out, fh, dir, 0, err) : nomem(err);
        free(dir);
    }
    if (rc == CXR_OK && step->writes_tree) {
        char *tree = cxr_path_join(settings->common.workdir, root);
        rc = tree ? add_path(out, fh, tree, 0, err) : nomem(err);
        free(tree);
    }
    if (rc != CXR_OK)
        cxr_fingerprints_release(out);
    return rc;
}

static const cxr_fingerprint *find(const cxr_fingerprints *fps, const char *name)
{
    for (size_t i = 0; i < fps->n; i++)
        if (!strcmp(fps->items[i].name, name))
            return &fps->items[i];
    return NULL;
}

const char *cxr_fingerprints_diff(const cxr_fingerprints *recorded,
                                  const cxr_fingerprints *current, char *buf, size_t size)
{
    for (size_t i = 0; i < current->n; i++) {
        const cxr_fingerprint *now = &current->items[i];
        const cxr_fingerprint *then = find(recorded, now->name);
        if (then && !strcmp(then->hash, now->hash) && strcmp(now->hash, UNREADABLE))
            continue;
        if (!strncmp(now->name, "config:", 7))
            snprintf(buf, size, "config '%s' changed", now->name + 7);
        else if (!strcmp(now->name, "tool"))
            snprintf(buf, size, "tool version changed (%s)", now->hash);
        else if (!strcmp(now->hash, "absent"))
            snprintf(buf, size, "'%s' is missing", now->name);
        else if (!strcmp(now->hash, UNREADABLE))
            snprintf(buf, size, "'%s' cannot be read", now->name);
        else
            snprintf(buf, size, "'%s' %s", now->name, then ? "changed" : "is new");
        return buf;
    }
    if (recorded->n != current->n) {
        snprintf(buf, size, "the set of inputs changed");
        return buf;
    }
    return NULL;
}
