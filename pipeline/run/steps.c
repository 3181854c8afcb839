/* steps.c: the step table of `cxrprep run` and the fingerprints of what
 * each step reads and writes. */
#include "contract.h"
#include "steps.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "hash.h"
#include "workdir.h"

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Keys are as narrow as the step's use: a change of the Kermany URL does not
 * rerun select, a change of score.threshold reruns only score. */
const cxr_step cxr_steps[] = {
    {"fetch", "fetch", LIST("--only", "metadata,archives"),
     LIST("sources.metadata", "sources.kermany", "fetch.lock_file", "fetch.ca_file"),
     LIST(NULL), NULL, 0, 0, 0, 0, 0, NULL},
    {"select", "select", LIST(NULL), LIST("sources.metadata", "select"), LIST(NULL),
     "select", 1, 0, 0, 0, 0, NULL},
    {"images", "fetch", LIST("--only", "images"),
     LIST("sources.images", "fetch.lock_file", "fetch.ca_file"), LIST("select"), NULL,
     0, 0, 0, 0, 0, "sources.images.url_template"},
    {"sample", "sample", LIST(NULL), LIST("seed", "sources.kermany", "sample"),
     LIST("select"), "sample", 0, 0, 1, 0, 0, "sources.kermany.url"},
    {"layout", "layout", LIST(NULL), LIST("sources.images", "sources.kermany", "layout"),
     LIST("select", "fetch", "sample"), "layout", 0, 1, 1, 0, 1, NULL},
    {"score", "score", LIST(NULL),
     LIST("seed", "sources.kermany", "sample.archive_root", "layout.root", "score"),
     LIST("layout"), "score", 0, 0, 1, 1, 0, "score.model"},
};
const size_t cxr_nsteps = sizeof(cxr_steps) / sizeof(cxr_steps[0]);

int cxr_step_find(const char *name)
{
    for (size_t i = 0; i < cxr_nsteps; i++)
        if (strcmp(cxr_steps[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void add(cxr_fingerprints *fps, const char *name, const char *hash)
{
    cxr_fingerprint *grown = realloc(fps->items, (fps->n + 1) * sizeof(*grown));
    if (!grown)
        abort();
    fps->items = grown;
    fps->items[fps->n].name = cxr_strdup(name);
    fps->items[fps->n].hash = cxr_strdup(hash);
    fps->n++;
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

static char **sorted_names(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;

    *n = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_temporary(e->d_name))
            continue;
        names = realloc(names, (*n + 1) * sizeof(*names));
        if (!names)
            abort();
        names[(*n)++] = cxr_strdup(e->d_name);
    }
    if (d)
        closedir(d);
    if (*n)
        qsort(names, *n, sizeof(*names), compare_names);
    return names;
}

/* sha256 over "relative-path size sha256\n" of every file under 'dir',
 * sorted (symlinks as "path -> target", never followed); with
 * 'skip_summaries', summary.json files are left out (run statistics). */
static void hash_tree(const char *dir, const char *rel, int skip_summaries, cxr_filehash *fh,
                      cxr_sha256 *h)
{
    char *path = rel[0] ? cxr_path_join(dir, rel) : cxr_strdup(dir);
    size_t n;
    char **names = sorted_names(path, &n);

    for (size_t i = 0; i < n; i++) {
        char *child_rel = rel[0] ? cxr_path_join(rel, names[i]) : cxr_strdup(names[i]);
        char *child = cxr_path_join(dir, child_rel);
        char hex[CXR_SHA256_HEX] = "unreadable", line[8192], target[4096];
        uint64_t size = 0;
        struct stat st;
        ssize_t len;

        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            hash_tree(dir, child_rel, skip_summaries, fh, h);
        else if (S_ISLNK(st.st_mode) && (len = readlink(child, target, sizeof(target) - 1)) >= 0) {
            target[len] = '\0';
            snprintf(line, sizeof(line), "%s -> %s\n", child_rel, target);
            cxr_sha256_update(h, line, strlen(line));
        } else if (!(skip_summaries && !strcmp(names[i], CXR_SUMMARY_JSON))) {
            cxr_filehash_get(fh, child, hex, &size, NULL);
            snprintf(line, sizeof(line), "%s %llu %s\n", child_rel, (unsigned long long)size, hex);
            cxr_sha256_update(h, line, strlen(line));
        }
        free(child);
        free(child_rel);
        free(names[i]);
    }
    free(names);
    free(path);
}

static void add_path(cxr_fingerprints *fps, cxr_filehash *fh, const char *path,
                     int skip_summaries)
{
    struct stat st;
    char hex[CXR_SHA256_HEX];

    if (stat(path, &st) != 0) {
        add(fps, path, "absent");
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        cxr_sha256 *h = cxr_sha256_new();
        if (!h)
            abort();
        hash_tree(path, "", skip_summaries, fh, h);
        cxr_sha256_final(h, hex);
        cxr_sha256_free(h);
    } else if (cxr_filehash_get(fh, path, hex, NULL, NULL) != CXR_OK)
        snprintf(hex, sizeof(hex), "unreadable");
    add(fps, path, hex);
}

/* A source a step reads: a local file (path or file:// URL) is hashed (once
 * while unchanged: filehash.h); an http(s) source is named by its cache
 * object, whose name is its verified sha256. */
static void add_source(cxr_fingerprints *fps, cxr_filehash *fh, const cxr_config *conf,
                       const char *url_key, const char *sha_key)
{
    const char *url = cxr_config_str(conf, url_key);
    char *path = NULL;
    int remote = url && (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8));

    if (!url)
        return;
    if (cxr_source_local_path(conf, url, cxr_config_str(conf, sha_key), &path, NULL) != CXR_OK)
        add(fps, url, "absent");
    else if (remote)
        add(fps, url, strrchr(path, '/') + 1);
    else
        add_path(fps, fh, path, 0);
    free(path);
}

/* A local images directory (the template is a path or file:// URL): its
 * files are inputs of layout. Remote images come through the fetch cache,
 * which the fetch manifest describes. */
static void add_images_dir(cxr_fingerprints *fps, cxr_filehash *fh, const cxr_config *conf)
{
    const char *tmpl = cxr_config_str(conf, "sources.images.url_template");
    const char *key = tmpl ? strstr(tmpl, "{filename}") : NULL;
    char *dir, *path = NULL;

    if (!key || strstr(tmpl, "http://") == tmpl || strstr(tmpl, "https://") == tmpl)
        return;
    dir = cxr_strdup(tmpl);
    dir[key - tmpl] = '\0';
    if (cxr_source_local_path(conf, dir[0] ? dir : ".", NULL, &path, NULL) == CXR_OK)
        add_path(fps, fh, path, 0);
    free(path);
    free(dir);
}

void cxr_step_inputs(const cxr_config *conf, const cxr_step *step, cxr_filehash *fh,
                     cxr_fingerprints *out)
{
    char hex[CXR_SHA256_HEX], name[160];

    memset(out, 0, sizeof(*out));
    add(out, "tool", CXR_VERSION);
    for (const char *const *k = step->keys; *k; k++) {
        cxr_config_hash(conf, *k, hex);
        snprintf(name, sizeof(name), "config:%s", *k);
        add(out, name, hex);
    }
    for (const char *const *r = step->reads; *r; r++) {
        char *dir = cxr_stage_path(conf, *r, NULL);
        add_path(out, fh, dir, 1);
        free(dir);
    }
    if (step->reads_metadata)
        add_source(out, fh, conf, "sources.metadata.url", "sources.metadata.sha256");
    if (step->reads_images)
        add_images_dir(out, fh, conf);
    if (step->reads_archive)
        add_source(out, fh, conf, "sources.kermany.url", "sources.kermany.sha256");
    if (step->reads_model && cxr_config_str(conf, "score.model"))
        add_path(out, fh, cxr_config_str(conf, "score.model"), 0);
}

void cxr_step_outputs(const cxr_config *conf, const cxr_step *step, cxr_filehash *fh,
                      cxr_fingerprints *out)
{
    memset(out, 0, sizeof(*out));
    if (step->writes) {
        char *dir = cxr_stage_path(conf, step->writes, NULL);
        add_path(out, fh, dir, 0);
        free(dir);
    }
    if (step->writes_tree) {
        const char *root = cxr_config_str(conf, "layout.root");
        char *tree = cxr_path_join(cxr_config_str(conf, "workdir"), root ? root : "datasets");
        add_path(out, fh, tree, 0);
        free(tree);
    }
}

const char *cxr_fingerprints_diff(const cxr_fingerprints *recorded,
                                  const cxr_fingerprints *current, char *buf, size_t size)
{
    for (size_t i = 0; i < current->n; i++) {
        const cxr_fingerprint *now = &current->items[i];
        const cxr_fingerprint *then = NULL;
        for (size_t j = 0; j < recorded->n && !then; j++)
            if (!strcmp(recorded->items[j].name, now->name))
                then = &recorded->items[j];
        if (then && !strcmp(then->hash, now->hash))
            continue;
        if (!strncmp(now->name, "config:", 7))
            snprintf(buf, size, "config '%s' changed", now->name + 7);
        else if (!strcmp(now->name, "tool"))
            snprintf(buf, size, "tool version changed (%s)", now->hash);
        else if (!strcmp(now->hash, "absent"))
            snprintf(buf, size, "'%s' is missing", now->name);
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
