/* steps.c: the step table of `cxrprep run` and the fingerprints of what
 * each step reads and writes. */
#include "steps.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "hash.h"
#include "workdir.h"

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

const cxr_step cxr_steps[] = {
    {"fetch", "fetch", LIST("--only", "metadata,archives"), LIST("sources", "fetch"),
     LIST(NULL), NULL, 1, 1, 0, 0, NULL},
    {"select", "select", LIST(NULL), LIST("sources", "select"), LIST(NULL), "select",
     1, 0, 0, 0, NULL},
    {"images", "fetch", LIST("--only", "images"), LIST("sources", "fetch"), LIST("select"),
     "fetch", 0, 0, 0, 0, "sources.images.url_template"},
    {"sample", "sample", LIST(NULL), LIST("seed", "sources", "sample"), LIST("select"),
     "sample", 0, 1, 0, 0, "sources.kermany.url"},
    {"layout", "layout", LIST(NULL), LIST("sources", "layout"),
     LIST("select", "fetch", "sample"), "layout", 0, 1, 0, 1, NULL},
    {"score", "score", LIST(NULL), LIST("sources", "sample", "layout", "score"), LIST("layout"),
     "score", 0, 1, 1, 0, "score.model"},
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

/* sha256 over "relative-path size sha256\n" of every file under 'dir',
 * sorted; temporary files (".tmp.") are left out. */
static void hash_tree(const char *dir, const char *rel, cxr_sha256 *h)
{
    char *path = rel[0] ? cxr_path_join(dir, rel) : cxr_strdup(dir);
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || strstr(e->d_name, ".tmp."))
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (!names)
            abort();
        names[n++] = cxr_strdup(e->d_name);
    }
    if (d)
        closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), compare_names);
    for (size_t i = 0; i < n; i++) {
        char *child_rel = rel[0] ? cxr_path_join(rel, names[i]) : cxr_strdup(names[i]);
        char *child = cxr_path_join(dir, child_rel);
        struct stat st;
        char hex[CXR_SHA256_HEX] = "", line[8192];
        if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
            hash_tree(dir, child_rel, h);
        else if (cxr_sha256_file(child, hex, NULL, NULL) == CXR_OK) {
            snprintf(line, sizeof(line), "%s %lld %s\n", child_rel, (long long)st.st_size, hex);
            cxr_sha256_update(h, line, strlen(line));
        }
        free(child);
        free(child_rel);
        free(names[i]);
    }
    free(names);
    free(path);
}

static void add_path(cxr_fingerprints *fps, const char *path)
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
        hash_tree(path, "", h);
        cxr_sha256_final(h, hex);
        cxr_sha256_free(h);
    } else if (cxr_sha256_file(path, hex, NULL, NULL) != CXR_OK)
        snprintf(hex, sizeof(hex), "unreadable");
    add(fps, path, hex);
}

/* A source a step reads: a local file (path or file:// URL) is hashed; an
 * http(s) source is named by its cache object, whose name is its verified
 * sha256, so a 1.2 GB archive is not hashed again on every run. */
static void add_source(cxr_fingerprints *fps, const cxr_config *conf, const char *url_key,
                       const char *sha_key)
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
        add_path(fps, path);
    free(path);
}

cxr_status cxr_step_inputs(const cxr_config *conf, const cxr_step *step,
                           cxr_fingerprints *out, cxr_error *err)
{
    char hex[CXR_SHA256_HEX], name[128];
    (void)err;

    memset(out, 0, sizeof(*out));
    add(out, "tool", CXR_VERSION);
    for (const char *const *s = step->sections; *s; s++) {
        cxr_config_hash(conf, *s, hex);
        snprintf(name, sizeof(name), "config:%s", *s);
        add(out, name, hex);
    }
    for (const char *const *r = step->reads; *r; r++) {
        char *dir = cxr_stage_path(conf, *r, NULL);
        add_path(out, dir);
        free(dir);
    }
    if (step->reads_metadata)
        add_source(out, conf, "sources.metadata.url", "sources.metadata.sha256");
    if (step->reads_archive && cxr_config_str(conf, "sources.kermany.url"))
        add_source(out, conf, "sources.kermany.url", "sources.kermany.sha256");
    if (step->reads_model && cxr_config_str(conf, "score.model"))
        add_path(out, cxr_config_str(conf, "score.model"));
    return CXR_OK;
}

cxr_status cxr_step_outputs(const cxr_config *conf, const cxr_step *step,
                            cxr_fingerprints *out, cxr_error *err)
{
    (void)err;
    memset(out, 0, sizeof(*out));
    if (step->writes) {
        char *dir = cxr_stage_path(conf, step->writes, NULL);
        add_path(out, dir);
        free(dir);
    }
    if (step->writes_tree) {
        const char *root = cxr_config_str(conf, "layout.root");
        const char *workdir = cxr_config_str(conf, "workdir");
        char *tree = cxr_path_join(workdir, root ? root : "datasets");
        add_path(out, tree);
        free(tree);
    }
    return CXR_OK;
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
            snprintf(buf, size, "config section '%s' changed", now->name + 7);
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
