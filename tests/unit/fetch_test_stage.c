/* fetch_test_stage.c: the fetch stage end to end on configs against the
 * loopback server: the cache layout other stages read, pins in the config
 * and in the lock file, --update-pins, wrong bytes never cached, a run cut
 * off and resumed by the next run, images from the select manifests with a
 * 404, --offline, --only, local sources, refused schemes, --verify. */
#include <dirent.h>

#include "fetch.h"
#include "fetch_testserver.h"
#include "fsutil.h"
#include "hash.h"
#include "manifest.h"
#include "testutil.h"
#include "workdir.h"

static test_server srv;
static char *dir;

typedef struct events {
    int start, end, files, failed;
    size_t total;
    char failed_names[1024];
} events;

static void on_event(void *ctx, const cxr_fetch_event *ev)
{
    events *e = ctx;
    if (ev->kind == CXR_FETCH_EV_START) {
        e->start++;
        e->total = ev->files_total;
    } else if (ev->kind == CXR_FETCH_EV_END) {
        e->end++;
    } else if (ev->kind == CXR_FETCH_EV_FILE) {
        e->files++;
        if (ev->failed) {
            e->failed++;
            strncat(e->failed_names, ev->name,
                    sizeof(e->failed_names) - strlen(e->failed_names) - 2);
            strcat(e->failed_names, " ");
        }
    }
}

/* A config for workdir 'w' under the test dir; 'sources' is YAML for the
 * sources section with %s standing for the server's base URL (up to 4). */
static cxr_config *config(const char *w, const char *sources, const char *extra)
{
    char yaml[8192], src[4096];
    cxr_config *conf = NULL;
    cxr_error err;
    snprintf(src, sizeof(src), sources, srv.base, srv.base, srv.base, srv.base);
    snprintf(yaml, sizeof(yaml),
             "version: 1\nworkdir: %s/%s\nsources:\n%s\nselect: {}\n"
             "fetch:\n  retries: 2\n  backoff_ms: 10\n  lock_file: %s/%s.lock\n%s",
             dir, w, src, dir, w, extra ? extra : "");
    if (cxr_config_load_string(yaml, "test.yaml", &conf, &err) != CXR_OK ||
        cxr_config_validate(conf, &err) != CXR_OK) {
        fprintf(stderr, "bad test config: %s\n%s", err.msg, yaml);
        exit(1);
    }
    return conf;
}

static cxr_status run(cxr_config *conf, cxr_fetch_options *o, events *e, cxr_error *err)
{
    cxr_fetch_options def = {0};
    cxr_status st;
    if (!o)
        o = &def;
    memset(e, 0, sizeof(*e));
    o->on_event = on_event;
    o->event_ctx = e;
    cxr_error_clear(err);
    st = cxr_fetch_run(conf, o, err);
    CHECK_INT(e->start, 1);
    CHECK_INT(e->end, 1);
    CHECK_INT((size_t)e->files, e->total);
    return st;
}

static void server_sha(const char *name, char hex[CXR_SHA256_HEX])
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", srv.root, name);
    if (cxr_sha256_file(path, hex, NULL, NULL) != CXR_OK)
        abort();
}

static int count_files(const char *sub)
{
    char path[1200], cmd[1300];
    FILE *p;
    int n = -1;
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    snprintf(cmd, sizeof(cmd), "find '%s' -type f 2>/dev/null | wc -l", path);
    p = popen(cmd, "r");
    if (p && fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    return n;
}

/* The row of 'name' in the fetch manifest: its status and reason. */
static int manifest_row(cxr_config *conf, const char *name, char *status, char *reason)
{
    char *path = cxr_stage_path(conf, "fetch", "fetch.csv");
    cxr_manifest *m = NULL;
    cxr_error err;
    int found = 0;
    if (cxr_manifest_load(path, NULL, &m, &err) == CXR_OK) {
        int cn = cxr_manifest_column(m, "name"), cs = cxr_manifest_column(m, "status"),
            cr = cxr_manifest_column(m, "reason");
        for (size_t r = 0; r < cxr_manifest_nrows(m); r++)
            if (strcmp(cxr_manifest_get(m, r, cn), name) == 0) {
                strcpy(status, cxr_manifest_get(m, r, cs));
                strcpy(reason, cxr_manifest_get(m, r, cr));
                found = 1;
            }
    }
    cxr_manifest_free(m);
    free(path);
    return found;
}

static void test_pinned_metadata(void)
{
    char sha[CXR_SHA256_HEX], url[256], yaml[512], status[64], reason[512];
    char *path = NULL, *obj;
    unsigned char *idx;
    size_t len;
    events e;
    cxr_error err;
    cxr_config *conf;

    server_sha("meta.csv", sha);
    snprintf(yaml, sizeof(yaml),
             "  metadata:\n    url: %%s/f/meta.csv\n    sha256: %s\n    size: 4000\n", sha);
    conf = config("w1", yaml, NULL);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    /* the contract with select: objects/<aa>/<sha> and urls/<sha of url> */
    obj = cxr_cache_object_path(conf, sha);
    CHECK(cxr_is_file(obj));
    snprintf(url, sizeof(url), "%s/f/meta.csv", srv.base);
    {
        char *ip = cxr_cache_url_index_path(conf, url);
        CHECK_INT(cxr_read_file(ip, &idx, &len, &err), CXR_OK);
        CHECK(len >= 64 && strncmp((char *)idx, sha, 64) == 0);
        free(idx);
        free(ip);
    }
    CHECK_INT(cxr_source_local_path(conf, url, NULL, &path, &err), CXR_OK);
    CHECK_STR(path, obj);
    free(path);
    CHECK(manifest_row(conf, "meta.csv", status, reason));
    CHECK_STR(status, "cached"); /* downloaded now: what a rerun will say */
    CHECK_INT(count_files("w1/cache/partial"), 0);
    {   /* paths inside the work directory are relative to it */
        char *csv = cxr_stage_path(conf, "fetch", "fetch.csv"), want[200];
        unsigned char *text = NULL;
        size_t n;
        snprintf(want, sizeof(want), ",cache/objects/%.2s/%s,", sha, sha);
        CHECK_INT(cxr_read_file(csv, &text, &n, &err), CXR_OK);
        CHECK(text && strstr((char *)text, want));
        CHECK(text && !strstr((char *)text, cxr_config_str(conf, "workdir")));
        free(text);
        free(csv);
    }
    /* second run: from the cache, no request; fetch.csv and summary.json
     * are byte for byte the first run's */
    {
        char *csv = cxr_stage_path(conf, "fetch", "fetch.csv");
        char *sum = cxr_stage_path(conf, "fetch", "summary.json");
        unsigned char *c1 = NULL, *c2 = NULL, *s1 = NULL, *s2 = NULL;
        size_t n;
        cxr_read_file(csv, &c1, &n, &err);
        cxr_read_file(sum, &s1, &n, &err);
        CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
        cxr_read_file(csv, &c2, &n, &err);
        cxr_read_file(sum, &s2, &n, &err);
        CHECK(c1 && c2 && !strcmp((char *)c1, (char *)c2));
        CHECK(s1 && s2 && !strcmp((char *)s1, (char *)s2));
        free(c1);
        free(c2);
        free(s1);
        free(s2);
        free(csv);
        free(sum);
    }
    CHECK_INT(test_server_requests(&srv, "/f/meta.csv", NULL, NULL), 1);
    CHECK(manifest_row(conf, "meta.csv", status, reason));
    CHECK_STR(status, "cached");
    free(obj);
    cxr_config_free(conf);
}

static void test_lock_pins(void)
{
    char sha1[CXR_SHA256_HEX], sha2[CXR_SHA256_HEX], lockpath[1200], cmd[1300];
    unsigned char *lock;
    size_t len;
    events e;
    cxr_error err;
    cxr_fetch_options o = {0};
    cxr_config *conf = config("w2", "  metadata:\n    url: %s/f/moving.csv\n", NULL);

    test_server_file(&srv, "moving.csv", 3000, 7);
    server_sha("moving.csv", sha1);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    snprintf(lockpath, sizeof(lockpath), "%s/w2.lock", dir);
    CHECK_INT(cxr_read_file(lockpath, &lock, &len, &err), CXR_OK);
    CHECK(test_contains((char *)lock, sha1));
    CHECK(test_contains((char *)lock, " 3000 "));
    free(lock);
    /* upstream changes; the cache is lost: the lock's pin catches it */
    test_server_file(&srv, "moving.csv", 3000, 8);
    server_sha("moving.csv", sha2);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/w2/cache'", dir);
    CHECK_INT(system(cmd), 0);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_ERR_INTEGRITY);
    CHECK_INT(e.failed, 1);
    CHECK_INT(count_files("w2/cache/objects"), 0);
    CHECK_INT(count_files("w2/cache/partial"), 0);
    /* the user accepts the new version */
    o.update_pins = 1;
    CHECK_INT(run(conf, &o, &e, &err), CXR_OK);
    CHECK_INT(cxr_read_file(lockpath, &lock, &len, &err), CXR_OK);
    CHECK(test_contains((char *)lock, sha2));
    CHECK(!test_contains((char *)lock, sha1));
    free(lock);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    cxr_config_free(conf);
}

static void test_wrong_bytes_not_cached(void)
{
    char sha[CXR_SHA256_HEX], yaml[512], status[64], reason[512];
    events e;
    cxr_error err;
    cxr_config *conf;
    server_sha("meta.csv", sha);
    snprintf(yaml, sizeof(yaml), "  metadata:\n    url: %%s/wrong/meta.csv\n    sha256: %s\n",
             sha);
    conf = config("w3", yaml, NULL);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_ERR_INTEGRITY);
    CHECK(test_contains(err.msg, "1 of 1 files failed"));
    CHECK_INT(count_files("w3/cache/objects"), 0);
    CHECK_INT(count_files("w3/cache/partial"), 0);
    CHECK(manifest_row(conf, "meta.csv", status, reason));
    CHECK_STR(status, "failed");
    CHECK(test_contains(reason, "pinned"));
    cxr_config_free(conf);
}

static void test_resume_next_run(void)
{
    char sha[CXR_SHA256_HEX], yaml[512];
    long long bytes;
    int ranged;
    events e;
    cxr_error err;
    cxr_config *conf;
    test_server_file(&srv, "big.bin", 400000, 9);
    server_sha("big.bin", sha);
    snprintf(yaml, sizeof(yaml),
             "  metadata:\n    url: %%s/cut/150000/big.bin\n    sha256: %s\n", sha);
    conf = config("w4", yaml, NULL);
    cxr_config_set(conf, "fetch.retries=0", &err);
    CHECK_INT(cxr_config_validate(conf, &err), CXR_OK);
    /* the connection drops and there are no retries: the run fails ... */
    CHECK_INT(run(conf, NULL, &e, &err), CXR_ERR_NETWORK);
    CHECK_INT(count_files("w4/cache/objects"), 0);
    CHECK_INT(count_files("w4/cache/partial"), 2); /* the bytes and their validator */
    /* ... and the next run continues from byte 150000 */
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    CHECK_INT(test_server_requests(&srv, "/cut/150000/big.bin", &bytes, &ranged), 2);
    CHECK_INT(ranged, 1);
    CHECK_INT(bytes, 400000);
    CHECK_INT(count_files("w4/cache/objects"), 1);
    cxr_config_free(conf);
}

static void write_select_manifest(cxr_config *conf, const char *name,
                                  const char *const *files)
{
    static const char *const cols[] = {"patientid", "filename"};
    char *path = cxr_stage_path(conf, "select", name);
    cxr_manifest_writer *w;
    cxr_error err;
    CHECK_INT(cxr_manifest_create(path, cols, 2, &w, &err), CXR_OK);
    for (size_t i = 0; files[i]; i++) {
        const char *row[2] = {"1", files[i]};
        CHECK_INT(cxr_manifest_add(w, row, &err), CXR_OK);
    }
    CHECK_INT(cxr_manifest_commit(w, &err), CXR_OK);
    free(path);
}

static const char images_yaml[] = "  metadata:\n    url: %s/f/meta.csv\n"
                                  "  images:\n    url_template: %s/f/{filename}\n";

static void test_images(void)
{
    static const char *const train[] = {"img1.png", "sp ace.png", "gone.png", NULL};
    static const char *const hold[] = {"img2.png", "img1.png", NULL};
    char status[64], reason[512];
    cxr_fetch_options o = {0};
    events e;
    cxr_error err;
    cxr_config *conf = config("w5", images_yaml, NULL);

    /* before select: metadata only, images not planned */
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    CHECK_INT(e.total, 1);
    o.only = CXR_FETCH_IMAGES;
    CHECK_INT(cxr_fetch_run(conf, &o, &err), CXR_ERR_MISSING);
    CHECK(test_contains(err.msg, "cxrprep select"));
    write_select_manifest(conf, "covid_train.csv", train);
    write_select_manifest(conf, "holdout.csv", hold);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_ERR_MISSING);
    CHECK_INT(e.total, 5); /* metadata + 4 distinct images */
    CHECK_INT(e.failed, 1);
    CHECK(test_contains(e.failed_names, "gone.png"));
    CHECK(manifest_row(conf, "gone.png", status, reason));
    CHECK_STR(status, "missing");
    CHECK(test_contains(reason, "HTTP 404"));
    CHECK(manifest_row(conf, "sp ace.png", status, reason));
    CHECK_STR(status, "cached");
    CHECK_INT(count_files("w5/cache/objects"), 4);
    cxr_config_free(conf);
    /* allowed to be missing: recorded, not fatal */
    conf = config("w5", images_yaml, "");
    cxr_config_set(conf, "sources.images.allow_missing=true", &err);
    CHECK_INT(cxr_config_validate(conf, &err), CXR_OK);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    CHECK_INT(e.failed, 0);
    CHECK(manifest_row(conf, "gone.png", status, reason));
    CHECK_STR(status, "missing");
    cxr_config_free(conf);
}

static void test_unsafe_name(void)
{
    static const char *const train[] = {"img1.png", "../evil.png", NULL};
    static const char *const none[] = {NULL};
    char status[64], reason[512];
    events e;
    cxr_error err;
    cxr_config *conf = config("w10", images_yaml, NULL);
    write_select_manifest(conf, "covid_train.csv", train);
    write_select_manifest(conf, "holdout.csv", none);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_ERR_INPUT);
    CHECK_INT(e.failed, 1);
    CHECK(manifest_row(conf, "../evil.png", status, reason));
    CHECK_STR(status, "failed");
    CHECK(test_contains(reason, "unsafe file name"));
    CHECK_INT(test_server_requests(&srv, "evil.png", NULL, NULL), 0);
    CHECK(manifest_row(conf, "img1.png", status, reason));
    CHECK_STR(status, "cached");
    cxr_config_free(conf);
}

static void test_offline(void)
{
    cxr_fetch_options o = {0};
    events e;
    cxr_error err;
    int before;
    cxr_config *conf = config("w6", "  metadata:\n    url: %s/f/meta.csv\n"
                                    "  kermany:\n    url: %s/f/arch.zip\n", NULL);
    o.offline = 1;
    before = test_server_requests(&srv, "/f/arch.zip", NULL, NULL);
    CHECK_INT(run(conf, &o, &e, &err), CXR_ERR_MISSING);
    CHECK_INT(e.failed, 2);
    CHECK(test_contains(e.failed_names, "meta.csv"));
    CHECK(test_contains(e.failed_names, "arch.zip"));
    CHECK(test_contains(err.msg, "--offline: 2 of 2 files"));
    CHECK_INT(test_server_requests(&srv, "/f/arch.zip", NULL, NULL), before);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    CHECK_INT(run(conf, &o, &e, &err), CXR_OK);
    CHECK_INT(test_server_requests(&srv, "/f/arch.zip", NULL, NULL), before + 1);
    cxr_config_free(conf);
}

static void test_only_metadata(void)
{
    char status[64], reason[512];
    cxr_fetch_options o = {0};
    events e;
    cxr_error err;
    cxr_config *conf = config("w7", "  metadata:\n    url: %s/f/meta.csv\n"
                                    "  kermany:\n    url: %s/f/arch.zip\n", NULL);
    o.only = CXR_FETCH_METADATA;
    CHECK_INT(run(conf, &o, &e, &err), CXR_OK);
    CHECK(manifest_row(conf, "arch.zip", status, reason));
    CHECK_STR(status, "skipped");
    CHECK(manifest_row(conf, "meta.csv", status, reason));
    CHECK_STR(status, "cached");
    cxr_config_free(conf);
}

static void test_local_and_schemes(void)
{
    char sha[CXR_SHA256_HEX], yaml[1500], status[64], reason[512];
    events e;
    cxr_error err;
    cxr_config *conf;
    server_sha("meta.csv", sha);
    snprintf(yaml, sizeof(yaml), "  metadata:\n    url: file://%s/meta.csv\n    sha256: %s\n",
             srv.root, sha);
    conf = config("w8", yaml, NULL);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    CHECK(manifest_row(conf, "meta.csv", status, reason));
    CHECK_STR(status, "local");
    CHECK_INT(count_files("w8/cache"), 0); /* verified in place, not copied */
    cxr_config_free(conf);
    snprintf(yaml, sizeof(yaml), "  metadata:\n    url: %s/meta.csv\n    sha256: %064d\n",
             srv.root, 0);
    conf = config("w8", yaml, NULL);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_ERR_INTEGRITY);
    cxr_config_free(conf);
    conf = config("w8", "  metadata:\n    url: ftp://127.0.0.1/meta.csv\n", NULL);
    memset(&e, 0, sizeof(e));
    CHECK_INT(cxr_fetch_run(conf, &(cxr_fetch_options){0}, &err), CXR_ERR_CONFIG);
    CHECK(test_contains(err.msg, "'ftp'"));
    cxr_config_free(conf);
}

static void test_local_images(void)
{
    static const char *const train[] = {"img1.png", "sp ace.png", "pc%41.png", NULL};
    static const char *const none[] = {NULL};
    char yaml[1500], status[64], reason[512];
    events e;
    cxr_error err;
    cxr_config *conf;
    snprintf(yaml, sizeof(yaml),
             "  metadata:\n    url: %s/meta.csv\n"
             "  images:\n    url_template: file://%s/{filename}\n",
             srv.root, srv.root);
    conf = config("w11", yaml, NULL);
    write_select_manifest(conf, "covid_train.csv", train);
    write_select_manifest(conf, "holdout.csv", none);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    CHECK(manifest_row(conf, "sp ace.png", status, reason));
    CHECK_STR(status, "local");
    CHECK(manifest_row(conf, "pc%41.png", status, reason)); /* not read as "pcA.png" */
    CHECK_STR(status, "local");
    CHECK_INT(count_files("w11/cache"), 0);
    cxr_config_free(conf);
}

/* 1 when every file under 'sub' is named by its own sha256. */
static int objects_all_verified(const char *sub)
{
    char cmd[1300], line[1400];
    FILE *p;
    int ok = 1;
    snprintf(cmd, sizeof(cmd), "find '%s/%s' -type f 2>/dev/null", dir, sub);
    p = popen(cmd, "r");
    while (p && fgets(line, sizeof(line), p)) {
        char got[CXR_SHA256_HEX];
        const char *base;
        line[strcspn(line, "\n")] = '\0';
        base = strrchr(line, '/') + 1;
        if (cxr_sha256_file(line, got, NULL, NULL) != CXR_OK || strcmp(got, base) != 0) {
            fprintf(stderr, "corrupt cache object '%s'\n", line);
            ok = 0;
        }
    }
    if (p)
        pclose(p);
    return ok;
}

/* Fault injection: every request may drop midway, fail, or send wrong
 * bytes. No run may leave a corrupt object; some run completes. */
static void test_chaos(void)
{
    static const char *none[] = {NULL};
    const char *names[13];
    char namebuf[12][32], lockpath[1200], yaml[512];
    FILE *lock;
    events e;
    cxr_error err;
    cxr_status st = CXR_ERR_NETWORK;
    int runs = 0;
    cxr_config *conf;
    snprintf(lockpath, sizeof(lockpath), "%s/w12.lock", dir);
    lock = fopen(lockpath, "w"); /* pins, as a first clean download would write */
    for (int i = 0; i < 12; i++) {
        char sha[CXR_SHA256_HEX];
        snprintf(namebuf[i], sizeof(namebuf[i]), "chaos%02d.bin", i);
        test_server_file(&srv, namebuf[i], 20000 + 3000 * (size_t)i, 100 + (uint32_t)i);
        server_sha(namebuf[i], sha);
        fprintf(lock, "%s %d %s/chaos/7/%s\n", sha, 20000 + 3000 * i, srv.base, namebuf[i]);
        names[i] = namebuf[i];
    }
    names[12] = NULL;
    fclose(lock);
    snprintf(yaml, sizeof(yaml), "  metadata:\n    url: %s/meta.csv\n"
             "  images:\n    url_template: %%s/chaos/7/{filename}\n", srv.root);
    conf = config("w12", yaml, NULL);
    cxr_config_set(conf, "fetch.retries=1", &err);
    CHECK_INT(cxr_config_validate(conf, &err), CXR_OK);
    write_select_manifest(conf, "covid_train.csv", names);
    write_select_manifest(conf, "holdout.csv", none);
    while (st != CXR_OK && runs < 20) {
        st = run(conf, NULL, &e, &err);
        runs++;
        CHECK(st == CXR_OK || st == CXR_ERR_NETWORK || st == CXR_ERR_INTEGRITY);
        CHECK(objects_all_verified("w12/cache/objects"));
        CHECK(count_files("w12/cache/objects") <= 12); /* no wrong bytes kept */
    }
    CHECK_INT(st, CXR_OK);
    CHECK_INT(count_files("w12/cache/objects"), 12);
    fprintf(stderr, "chaos: complete after %d runs\n", runs);
    cxr_config_free(conf);
}

static void test_verify_cache(void)
{
    char sha[CXR_SHA256_HEX], yaml[512];
    cxr_fetch_options o = {0};
    events e;
    cxr_error err;
    cxr_config *conf;
    char *obj;
    FILE *f;
    server_sha("meta.csv", sha);
    snprintf(yaml, sizeof(yaml), "  metadata:\n    url: %%s/f/meta.csv?v\n    sha256: %s\n",
             sha);
    conf = config("w9", yaml, NULL);
    CHECK_INT(run(conf, NULL, &e, &err), CXR_OK);
    obj = cxr_cache_object_path(conf, sha);
    f = fopen(obj, "r+b"); /* rot one byte, same size */
    fputc('X', f);
    fclose(f);
    o.verify = 1;
    CHECK_INT(run(conf, &o, &e, &err), CXR_OK); /* dropped and fetched again */
    CHECK_INT(test_server_requests(&srv, "/f/meta.csv?v", NULL, NULL), 2);
    {
        char got[CXR_SHA256_HEX];
        CHECK_INT(cxr_sha256_file(obj, got, NULL, &err), CXR_OK);
        CHECK_STR(got, sha);
    }
    free(obj);
    cxr_config_free(conf);
}

int main(void)
{
    dir = test_tmpdir("fetch-stage");
    if (test_server_start(&srv, dir, 0) != 0) {
        fprintf(stderr, "the loopback server did not start\n");
        return 1;
    }
    test_server_file(&srv, "meta.csv", 4000, 1);
    test_server_file(&srv, "arch.zip", 20000, 2);
    test_server_file(&srv, "img1.png", 30000, 3);
    test_server_file(&srv, "img2.png", 30000, 4);
    test_server_file(&srv, "sp ace.png", 1000, 5);
    test_server_file(&srv, "pc%41.png", 1000, 6);
    test_pinned_metadata();
    test_lock_pins();
    test_wrong_bytes_not_cached();
    test_resume_next_run();
    test_images();
    test_unsafe_name();
    test_offline();
    test_only_metadata();
    test_local_and_schemes();
    test_local_images();
    test_chaos();
    test_verify_cache();
    test_server_stop(&srv);
    return test_done_in(dir);
}
