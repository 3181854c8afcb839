/* fetch_test_unit.c: the fetch stage's pure parts: the retry verdicts and
 * backoff, Content-Range parsing, URL schemes and the image template, the
 * lock file, --only, the progress line and the rate meter, and promotion
 * into the cache. */
#include <curl/curl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fetch.h"
#include "fetch_internal.h"
#include "fetch_transfer.h"
#include "fsutil.h"
#include "testutil.h"
#include "workdir.h"

static void test_classify(void)
{
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 200), CXR_XFER_COMPLETE);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 206), CXR_XFER_COMPLETE);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 500), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 503), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 429), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 408), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 404), CXR_XFER_MISSING);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 410), CXR_XFER_MISSING);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 403), CXR_XFER_FAIL);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 401), CXR_XFER_FAIL);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 416), CXR_XFER_RESTART);
    CHECK_INT(cxr_xfer_classify(CURLE_OK, 302), CXR_XFER_FAIL);
    CHECK_INT(cxr_xfer_classify(CURLE_COULDNT_CONNECT, 0), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_OPERATION_TIMEDOUT, 0), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_PARTIAL_FILE, 200), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_RECV_ERROR, 206), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_GOT_NOTHING, 0), CXR_XFER_RETRY);
    CHECK_INT(cxr_xfer_classify(CURLE_UNSUPPORTED_PROTOCOL, 302), CXR_XFER_FAIL);
    CHECK_INT(cxr_xfer_classify(CURLE_PEER_FAILED_VERIFICATION, 0), CXR_XFER_FAIL);
    CHECK_INT(cxr_xfer_classify(CURLE_TOO_MANY_REDIRECTS, 302), CXR_XFER_FAIL);
    CHECK_INT(cxr_xfer_classify(CURLE_PARTIAL_FILE, 503), CXR_XFER_RETRY);
}

static void test_backoff(void)
{
    /* no jitter when rnd picks the lower bound: half the nominal delay */
    CHECK_INT(cxr_xfer_backoff_ms(1, 500, 30000, 0, 300, 0), 250);
    CHECK_INT(cxr_xfer_backoff_ms(2, 500, 30000, 0, 300, 0), 500);
    CHECK_INT(cxr_xfer_backoff_ms(3, 500, 30000, 0, 300, 0), 1000);
    /* the upper bound is the nominal delay */
    CHECK_INT(cxr_xfer_backoff_ms(3, 500, 30000, 0, 300, 1000), 2000);
    /* capped */
    CHECK_INT(cxr_xfer_backoff_ms(20, 500, 30000, 0, 300, 0), 15000);
    CHECK(cxr_xfer_backoff_ms(20, 500, 30000, 0, 300, 0xffffffffu) <= 30000);
    /* Retry-After wins when longer, and is itself capped */
    CHECK_INT(cxr_xfer_backoff_ms(1, 500, 30000, 7, 300, 0), 7000);
    CHECK_INT(cxr_xfer_backoff_ms(1, 500, 30000, 7, 3, 0), 3000);
    CHECK_INT(cxr_xfer_backoff_ms(5, 500, 30000, 1, 300, 0), 4000);
    for (uint32_t r = 0; r < 5000; r += 37) {
        long d = cxr_xfer_backoff_ms(4, 100, 30000, 0, 300, r);
        CHECK(d >= 400 && d <= 800);
    }
}

static void test_content_range(void)
{
    int64_t s, e, t;
    CHECK_INT(cxr_xfer_parse_content_range("bytes 100-199/1000", &s, &e, &t), 0);
    CHECK_INT(s, 100);
    CHECK_INT(e, 199);
    CHECK_INT(t, 1000);
    CHECK_INT(cxr_xfer_parse_content_range(" bytes 0-0/*\r\n", &s, &e, &t), 0);
    CHECK_INT(t, -1);
    CHECK(cxr_xfer_parse_content_range("bytes */1000", &s, &e, &t) != 0);
    CHECK(cxr_xfer_parse_content_range("bytes 5-4/10", &s, &e, &t) != 0);
    CHECK(cxr_xfer_parse_content_range("bytes 5-10/10", &s, &e, &t) != 0);
    CHECK(cxr_xfer_parse_content_range("items 0-1/2", &s, &e, &t) != 0);
    CHECK(cxr_xfer_parse_content_range("bytes 1-2/3x", &s, &e, &t) != 0);
    CHECK(cxr_xfer_parse_content_range("bytes 99999999999999999999-1/2", &s, &e, &t) != 0);
}

static void test_urls(void)
{
    cxr_url_kind k;
    cxr_error err;
    char *u;
    CHECK_INT(cxr_fetch_url_kind("https://example.org/a", &k, &err), CXR_OK);
    CHECK_INT(k, CXR_URL_HTTP);
    CHECK_INT(cxr_fetch_url_kind("HTTP://example.org/a", &k, &err), CXR_OK);
    CHECK_INT(k, CXR_URL_HTTP);
    CHECK_INT(cxr_fetch_url_kind("file:///tmp/x", &k, &err), CXR_OK);
    CHECK_INT(k, CXR_URL_FILE);
    CHECK_INT(cxr_fetch_url_kind("data/metadata.csv", &k, &err), CXR_OK);
    CHECK_INT(k, CXR_URL_PATH);
    CHECK_INT(cxr_fetch_url_kind("ftp://example.org/a", &k, &err), CXR_ERR_CONFIG);
    CHECK(test_contains(err.msg, "'ftp'"));
    CHECK_INT(cxr_fetch_url_kind("scp://h/a", &k, &err), CXR_ERR_CONFIG);
    u = cxr_source_url_fill("https://h/x/images/{filename}", "a b(1)+é.png");
    CHECK_STR(u, "https://h/x/images/a%20b%281%29%2B%C3%A9.png");
    free(u);
    u = cxr_source_url_fill("/mirror/{filename}/{filename}", "a b.png");
    CHECK_STR(u, "/mirror/a b.png/a b.png");
    free(u);
    u = cxr_source_url_fill("https://h/static", "x.png");
    CHECK_STR(u, "https://h/static");
    free(u);
}

static void test_lock(const char *dir)
{
    char path[1024], badpath[1024];
    const char *sha;
    int64_t size;
    cxr_fetch_lock *lock;
    cxr_error err;
    const char *h1 = "1111111111111111111111111111111111111111111111111111111111111111";
    const char *h2 = "2222222222222222222222222222222222222222222222222222222222222222";
    FILE *f;

    snprintf(path, sizeof(path), "%s/c.lock", dir);
    CHECK_INT(cxr_fetch_lock_load(path, &lock, &err), CXR_OK); /* absent: empty */
    CHECK_INT(cxr_fetch_lock_count(lock), 0);
    CHECK(!cxr_fetch_lock_dirty(lock));
    CHECK_INT(cxr_fetch_lock_set(lock, "https://h/b", h2, 20, &err), CXR_OK);
    CHECK_INT(cxr_fetch_lock_set(lock, "https://h/a b", h1, 10, &err), CXR_OK);
    CHECK(cxr_fetch_lock_dirty(lock));
    CHECK_INT(cxr_fetch_lock_save(lock, &err), CXR_OK);
    CHECK(!cxr_fetch_lock_dirty(lock));
    CHECK_INT(cxr_fetch_lock_set(lock, "https://h/b", h2, 20, &err), CXR_OK);
    CHECK(!cxr_fetch_lock_dirty(lock)); /* same pin: nothing to write */
    cxr_fetch_lock_free(lock);

    CHECK_INT(cxr_fetch_lock_load(path, &lock, &err), CXR_OK);
    CHECK_INT(cxr_fetch_lock_count(lock), 2);
    CHECK(cxr_fetch_lock_find(lock, "https://h/a b", &sha, &size));
    CHECK_STR(sha, h1);
    CHECK_INT(size, 10);
    CHECK(!cxr_fetch_lock_find(lock, "https://h/c", &sha, &size));
    cxr_fetch_lock_free(lock);

    /* many pins added one by one stay findable (kept sorted) */
    CHECK_INT(cxr_fetch_lock_load(path, &lock, &err), CXR_OK);
    for (int i = 999; i >= 0; i--) {
        char url[64];
        snprintf(url, sizeof(url), "https://h/img%d.png", (i * 7919) % 1000);
        CHECK_INT(cxr_fetch_lock_set(lock, url, h1, i, &err), CXR_OK);
    }
    CHECK_INT(cxr_fetch_lock_count(lock), 1002);
    {
        int found = 0;
        for (int i = 0; i < 1000; i++) {
            char url[64];
            snprintf(url, sizeof(url), "https://h/img%d.png", i);
            found += cxr_fetch_lock_find(lock, url, &sha, &size);
        }
        CHECK_INT(found, 1000);
    }
    CHECK(cxr_fetch_lock_find(lock, "https://h/a b", &sha, &size));
    cxr_fetch_lock_free(lock);

    snprintf(badpath, sizeof(badpath), "%s/bad.lock", dir);
    f = fopen(badpath, "w");
    fprintf(f, "# comment\n%s 10 https://h/a\nnot-a-hash 5 https://h/b\n", h1);
    fclose(f);
    CHECK_INT(cxr_fetch_lock_load(badpath, &lock, &err), CXR_ERR_INPUT);
    CHECK(test_contains(err.msg, "line 3"));
    f = fopen(badpath, "w");
    fprintf(f, "%s 10 https://h/a\n%s 11 https://h/a\n", h1, h2);
    fclose(f);
    CHECK_INT(cxr_fetch_lock_load(badpath, &lock, &err), CXR_ERR_INPUT);
    CHECK(test_contains(err.msg, "twice"));
}

static void test_only(void)
{
    unsigned m;
    cxr_error err;
    CHECK_INT(cxr_fetch_parse_only("metadata", &m, &err), CXR_OK);
    CHECK_INT(m, CXR_FETCH_METADATA);
    CHECK_INT(cxr_fetch_parse_only("images,archives", &m, &err), CXR_OK);
    CHECK_INT(m, CXR_FETCH_IMAGES | CXR_FETCH_ARCHIVES);
    CHECK_INT(cxr_fetch_parse_only("all", &m, &err), CXR_OK);
    CHECK_INT(m, CXR_FETCH_ALL);
    CHECK_INT(cxr_fetch_parse_only("metadata,imagez", &m, &err), CXR_ERR_USAGE);
    CHECK(test_contains(err.msg, "'imagez'"));
    CHECK_INT(cxr_fetch_parse_only("", &m, &err), CXR_ERR_USAGE);
}

static void test_progress(void)
{
    cxr_progress_event ev = {"fetch", "files", 12, 150, 4800000, 60000000, 0};
    cxr_progress_meter m;
    char line[256];
    memset(&m, 0, sizeof(m));
    cxr_progress_format(&ev, 2300000.0, line, sizeof(line));
    CHECK_STR(line, "fetch: 12/150 files, 4.8 MB of 60.0 MB, 2.3 MB/s, ETA 0:24");
    cxr_progress_format(&ev, -1, line, sizeof(line));
    CHECK(test_contains(line, "ETA --:--"));
    CHECK_INT(cxr_progress_meter_update(&m, 0.0, 0) < 0, 1);
    CHECK(cxr_progress_meter_update(&m, 1.0, 1000) == 1000.0);
    for (int i = 2; i <= 40; i++)
        cxr_progress_meter_update(&m, i * 0.1 + 1.0, 1000 + 5000 * i * 0.1);
    /* the window forgets the slow first second: about 5000 B/s now */
    {
        double r = cxr_progress_meter_update(&m, 5.1, 1000 + 5000 * 4.1);
        CHECK(r > 4900 && r < 5100);
    }
}

/* Files under 'dir' whose name has ".tmp." (temporary names left over). */
static int count_tmp(const char *dir)
{
    char cmd[1200], line[64];
    FILE *p;
    int n = -1;
    snprintf(cmd, sizeof(cmd), "find '%s' -name '*.tmp.*' | wc -l", dir);
    if ((p = popen(cmd, "r")) != NULL) {
        if (fgets(line, sizeof(line), p))
            n = atoi(line);
        pclose(p);
    }
    return n;
}

/* Promoting a download: the object, the URL index (written under a
 * temporary name and renamed), nothing left over when the index cannot be
 * written. */
static void test_cache_promote(const char *dir)
{
    const char *sha = "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589";
    char yaml[1200], partial[1100], got[CXR_SHA256_HEX] = "", *obj = NULL, *idx;
    cxr_config *conf = NULL;
    cxr_error err;
    FILE *f;
    snprintf(yaml, sizeof(yaml), "version: 1\nworkdir: %s/pw\nsources:\n  metadata:\n    url: https://h/m.csv\nselect: {}\n", dir);
    if (cxr_config_load_string(yaml, "t.yaml", &conf, &err) != CXR_OK ||
        cxr_config_validate(conf, &err) != CXR_OK) {
        fprintf(stderr, "bad config: %s\n", err.msg);
        CHECK(!"config");
        cxr_config_free(conf);
        return;
    }
    snprintf(partial, sizeof(partial), "%s/partial-abcd", dir);
    f = fopen(partial, "w");
    if (f) {
        fputs("abcd", f);
        fclose(f);
    }
    CHECK_INT(cxr_fetch_cache_promote(conf, partial, "https://h/abcd", sha, &obj, &err),
              CXR_OK);
    CHECK(obj && cxr_is_file(obj));
    {   /* read-only: an edit through a hard link in a tree must fail */
        struct stat sb;
        CHECK(obj && stat(obj, &sb) == 0 && (sb.st_mode & 0777) == 0444);
    }
    CHECK(cxr_fetch_cache_url_get(conf, "https://h/abcd", got));
    CHECK_STR(got, sha);
    /* an index that cannot be written: an error, no temporary file left */
    idx = cxr_cache_url_index_path(conf, "https://h/dir");
    CHECK(idx && mkdir(idx, 0755) == 0);
    f = fopen(partial, "w");
    if (f) {
        fputs("abcd", f);
        fclose(f);
    }
    CHECK_INT(cxr_fetch_cache_promote(conf, partial, "https://h/dir", sha, NULL, &err),
              CXR_ERR_IO);
    CHECK_INT(count_tmp(dir), 0);
    free(idx);
    free(obj);
    cxr_config_free(conf);
}

int main(void)
{
    char *dir = test_tmpdir("fetch-unit");
    char cmd[1100];
    test_classify();
    test_backoff();
    test_content_range();
    test_urls();
    test_lock(dir);
    test_cache_promote(dir);
    test_only();
    test_progress();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove '%s'\n", dir);
    free(dir);
    return test_finish();
}
