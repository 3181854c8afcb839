/* fetch_test_transfer.c: the transfer loop against the loopback server, one
 * test per network behaviour: resume with Range, a cut connection, 500 then
 * 200, 429 with Retry-After, 404, other 4xx, redirects (and a refused one to
 * file://), wrong bytes, a slow server, a stalled one, a server that ignores
 * Range, a changed file (If-Range), retries running out, connection refused,
 * a name that does not resolve (and the next transfer on its slot), and
 * connection reuse. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>

#include "fetch_testserver.h"
#include "fetch_transfer.h"
#include "fsutil.h"
#include "hash.h"
#include "testutil.h"

typedef struct ctx {
    char want[CXR_SHA256_HEX]; /* "" : accept anything */
    int completes;             /* on_complete calls */
    int done;                  /* on_done calls */
} ctx;

static cxr_status verify(void *vctx, cxr_xfer_job *job, cxr_error *err)
{
    ctx *c = vctx;
    char got[CXR_SHA256_HEX];
    cxr_status st = cxr_sha256_file(job->partial_path, got, NULL, err);
    c->completes++;
    if (st != CXR_OK)
        return st;
    if (c->want[0] && strcmp(got, c->want) != 0)
        return cxr_fail(err, CXR_ERR_INTEGRITY, "sha256 %s, want %s", got, c->want);
    return CXR_OK;
}

static void count_done(void *vctx, cxr_xfer_job *job)
{
    (void)job;
    ((ctx *)vctx)->done++;
}

static cxr_xfer_options options(ctx *c)
{
    cxr_xfer_options o;
    memset(&o, 0, sizeof(o));
    o.parallel = 4;
    o.retries = 3;
    o.backoff_ms = 20;
    o.max_backoff_ms = 200;
    o.max_retry_after_s = 5;
    o.connect_timeout_s = 5;
    o.low_speed_bytes = 1000;
    o.low_speed_time_s = 2;
    o.max_redirects = 5;
    o.on_complete = verify;
    o.on_done = count_done;
    o.ctx = c;
    return o;
}

static test_server srv;
static char *dir;

static void file_sha(const char *name, char hex[CXR_SHA256_HEX])
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", srv.root, name);
    if (cxr_sha256_file(path, hex, NULL, NULL) != CXR_OK)
        abort();
}

/* One job for 'path' on the server, into partial file 'part'. */
static cxr_xfer_job run_one(const char *path, const char *part, int64_t size, ctx *c,
                            cxr_xfer_options *o)
{
    char url[512], partial[1200];
    cxr_xfer_job job;
    cxr_error err;
    snprintf(url, sizeof(url), "%s%s", srv.base, path);
    snprintf(partial, sizeof(partial), "%s/partial/%s", dir, part);
    memset(&job, 0, sizeof(job));
    job.url = url;
    job.partial_path = partial;
    job.expected_size = size;
    job.pinned = c->want[0] != '\0';
    CHECK_INT(cxr_xfer_run(&job, 1, o, &err), CXR_OK);
    job.url = NULL;
    job.partial_path = NULL;
    return job;
}

static int partial_matches(const char *part, const char *want)
{
    char path[1200], got[CXR_SHA256_HEX];
    snprintf(path, sizeof(path), "%s/partial/%s", dir, part);
    return cxr_sha256_file(path, got, NULL, NULL) == CXR_OK && strcmp(got, want) == 0;
}

/* Writes the first 'n' bytes of server file 'name' as partial 'part'. */
static void seed_partial(const char *name, const char *part, size_t n, const char *validator)
{
    char src[1200], dst[1200];
    unsigned char *data;
    size_t len;
    FILE *f;
    snprintf(src, sizeof(src), "%s/%s", srv.root, name);
    snprintf(dst, sizeof(dst), "%s/partial/%s", dir, part);
    if (cxr_read_file(src, &data, &len, NULL) != CXR_OK || n > len || !(f = fopen(dst, "wb")))
        abort();
    fwrite(data, 1, n, f);
    fclose(f);
    free(data);
    if (validator) {
        snprintf(dst, sizeof(dst), "%s/partial/%s.validator", dir, part);
        f = fopen(dst, "w");
        fprintf(f, "%s\n", validator);
        fclose(f);
    }
}

static void test_range_resume(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    int ranged;
    long long bytes;
    file_sha("a.bin", c.want);
    seed_partial("a.bin", "resume", 120000, NULL); /* pinned: no validator needed */
    j = run_one("/f/a.bin", "resume", 300000, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.bytes_received, 300000 - 120000);
    CHECK_INT(j.resumed_from, 120000);
    CHECK(partial_matches("resume", c.want));
    CHECK_INT(test_server_requests(&srv, "/f/a.bin", &bytes, &ranged), 1);
    CHECK_INT(ranged, 1);
    CHECK_INT(bytes, 180000);
}

static void test_cut_connection(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    int ranged;
    long long bytes;
    file_sha("a.bin", c.want);
    j = run_one("/cut/100000/a.bin", "cut", 300000, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.attempts, 2);
    CHECK_INT(j.bytes_received, 300000); /* nothing fetched twice */
    CHECK(partial_matches("cut", c.want));
    CHECK_INT(test_server_requests(&srv, "/cut/100000/a.bin", &bytes, &ranged), 2);
    CHECK_INT(ranged, 1);
    CHECK_INT(bytes, 300000);
}

static void test_500_then_200(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    file_sha("b.bin", c.want);
    j = run_one("/status/2/500/0/b.bin", "s500", -1, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.attempts, 3);
    CHECK(partial_matches("s500", c.want));
}

static void test_429_retry_after(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    double t0 = test_now();
    cxr_xfer_job j;
    file_sha("b.bin", c.want);
    j = run_one("/status/1/429/1/b.bin", "s429", -1, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.attempts, 2);
    /* the backoff alone is at most 20 ms: the wait is the server's second */
    CHECK(test_now() - t0 >= 0.95);
}

static void test_404_and_403(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j = run_one("/missing/b.bin", "s404", -1, &c, &o);
    CHECK_INT(j.status, CXR_ERR_MISSING);
    CHECK(j.missing);
    CHECK_INT(j.attempts, 1);
    CHECK(test_contains(j.reason, "HTTP 404"));
    j = run_one("/status/9/403/0/b.bin", "s403", -1, &c, &o);
    CHECK_INT(j.status, CXR_ERR_NETWORK);
    CHECK(!j.missing);
    CHECK_INT(j.attempts, 1);
    CHECK(test_contains(j.reason, "HTTP 403"));
    CHECK_INT(c.completes, 0);
    CHECK_INT(c.done, 2);
}

static void test_redirects(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    file_sha("b.bin", c.want);
    j = run_one("/redirect/b.bin", "redir", -1, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK(partial_matches("redir", c.want));
    j = run_one("/redirect-file/b.bin", "redirfile", -1, &c, &o);
    CHECK_INT(j.status, CXR_ERR_NETWORK);
    CHECK_INT(j.attempts, 1);
    CHECK_INT(c.completes, 1); /* /etc/passwd never reached verification */
}

static void test_wrong_bytes(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    char path[1200];
    file_sha("b.bin", c.want);
    j = run_one("/wrong/b.bin", "wrong", 50000, &c, &o);
    CHECK_INT(j.status, CXR_ERR_INTEGRITY);
    CHECK_INT(j.attempts, 2); /* one retry from zero */
    CHECK_INT(c.completes, 2);
    snprintf(path, sizeof(path), "%s/partial/wrong", dir);
    CHECK(!cxr_is_file(path)); /* the wrong bytes are gone */
    c.completes = 0;
    j = run_one("/wrongonce/b.bin", "wrongonce", 50000, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.attempts, 2);
    CHECK(partial_matches("wrongonce", c.want));
}

static void test_slow_and_stalled(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    int ranged;
    file_sha("b.bin", c.want);
    /* 50 kB at 100 kB/s: slow but above the low-speed limit: no retry */
    j = run_one("/slow/100000/b.bin", "slow", 50000, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.attempts, 1);
    CHECK(partial_matches("slow", c.want));
    /* stalls after 2000 bytes: cut by the low-speed timeout, then resumed */
    o.low_speed_time_s = 1;
    j = run_one("/stallonce/2000/b.bin", "stall", 50000, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.attempts, 2);
    CHECK_INT(j.resumed_from, 2000);
    CHECK(partial_matches("stall", c.want));
    CHECK_INT(test_server_requests(&srv, "/stallonce/2000/b.bin", NULL, &ranged), 2);
    CHECK_INT(ranged, 1);
}

static void test_ignores_range(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    long long bytes;
    file_sha("a.bin", c.want);
    seed_partial("a.bin", "norange", 150000, NULL);
    j = run_one("/norange/a.bin", "norange", 300000, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.bytes_received, 300000); /* restarted from zero */
    CHECK(partial_matches("norange", c.want));
    CHECK_INT(test_server_requests(&srv, "/norange/a.bin", &bytes, NULL), 1);
    CHECK_INT(bytes, 300000);
}

static void test_if_range(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    /* unpinned, the partial file is from another version of the file: the
     * stale validator makes the server send it whole */
    seed_partial("a.bin", "ifrange", 100000, "\"stale-etag\"");
    j = run_one("/f/b.bin", "ifrange", -1, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.bytes_received, 50000);
    file_sha("b.bin", c.want);
    CHECK(partial_matches("ifrange", c.want));
    /* unpinned without a validator: never resumed */
    c.want[0] = '\0';
    seed_partial("b.bin", "novalidator", 1000, NULL);
    j = run_one("/f/b.bin", "novalidator", -1, &c, &o);
    CHECK_INT(j.status, CXR_OK);
    CHECK_INT(j.bytes_received, 50000);
    CHECK_INT(j.resumed_from, 0);
    file_sha("b.bin", c.want);
    CHECK(partial_matches("novalidator", c.want));
}

static void test_retries_run_out(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    o.retries = 2;
    j = run_one("/status/99/503/0/b.bin", "s503", -1, &c, &o);
    CHECK_INT(j.status, CXR_ERR_NETWORK);
    CHECK_INT(j.attempts, 3);
    CHECK(test_contains(j.reason, "HTTP 503"));
    CHECK(test_contains(j.reason, "gave up after 3 attempts"));
}

static int closed_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        abort();
    port = ntohs(a.sin_port);
    close(fd); /* nothing listens there now */
    return port;
}

static void test_connection_refused(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job job;
    char url[128], partial[1200];
    cxr_error err;
    o.retries = 1;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/f/b.bin", closed_port());
    snprintf(partial, sizeof(partial), "%s/partial/refused", dir);
    memset(&job, 0, sizeof(job));
    job.url = url;
    job.partial_path = partial;
    job.expected_size = -1;
    CHECK_INT(cxr_xfer_run(&job, 1, &o, &err), CXR_OK);
    CHECK_INT(job.status, CXR_ERR_NETWORK);
    CHECK_INT(job.attempts, 2);
    CHECK(test_contains(job.reason, "connect"));
}

/* A name that does not resolve, retried: the last attempt's curl error is
 * the reason (a retry used to reuse the failed easy handle, whose options
 * libcurl then refused: "A libcurl function was given a bad argument").
 * With one slot, the next job runs where the failed one ran. */
static void test_unresolvable(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job jobs[2];
    char url[512], parts[2][1200];
    cxr_error err;
    o.parallel = 1;
    o.retries = 2;
    o.backoff_ms = 10;
    o.connect_timeout_s = 2;
    snprintf(url, sizeof(url), "%s/f/b.bin?after-unresolvable", srv.base);
    memset(jobs, 0, sizeof(jobs));
    jobs[0].url = "http://cxrprep-test.invalid/b.bin";
    jobs[1].url = url;
    for (int i = 0; i < 2; i++) {
        snprintf(parts[i], sizeof(parts[i]), "%s/partial/unresolvable%d", dir, i);
        jobs[i].partial_path = parts[i];
        jobs[i].expected_size = -1;
    }
    CHECK_INT(cxr_xfer_run(jobs, 2, &o, &err), CXR_OK);
    CHECK_INT(jobs[0].status, CXR_ERR_NETWORK);
    CHECK_INT(jobs[0].attempts, 3);
    CHECK(test_contains(jobs[0].reason, "resolve"));
    CHECK(!test_contains(jobs[0].reason, "bad argument"));
    CHECK_INT(jobs[1].status, CXR_OK);
    CHECK_INT(c.done, 2);
}

static void test_parallel_many(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job jobs[12];
    char urls[12][256], parts[12][1200];
    cxr_error err;
    memset(jobs, 0, sizeof(jobs));
    for (int i = 0; i < 12; i++) {
        /* every third one fails twice first */
        if (i % 3 == 0)
            snprintf(urls[i], sizeof(urls[i]), "%s/status/2/503/0/%s", srv.base,
                     i % 2 ? "a.bin" : "b.bin");
        else
            snprintf(urls[i], sizeof(urls[i]), "%s/f/%s?%d", srv.base, i % 2 ? "a.bin" : "b.bin", i);
        snprintf(parts[i], sizeof(parts[i]), "%s/partial/par%d", dir, i);
        jobs[i].url = urls[i];
        jobs[i].partial_path = parts[i];
        jobs[i].expected_size = -1;
    }
    CHECK_INT(cxr_xfer_run(jobs, 12, &o, &err), CXR_OK);
    for (int i = 0; i < 12; i++)
        CHECK_INT(jobs[i].status, CXR_OK);
    CHECK_INT(c.done, 12);
}

/* A partial file locked by another process: wait for it, then go on. */
static void test_busy_partial(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job j;
    char path[1200];
    int fd, ready[2];
    pid_t pid;
    snprintf(path, sizeof(path), "%s/partial/busy", dir);
    if (pipe(ready) != 0)
        abort();
    pid = fork();
    if (pid == 0) { /* the other run: holds the lock for 1 s */
        fd = open(path, O_RDWR | O_CREAT, 0644);
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "x", 1) != 1)
            _exit(1);
        usleep(1000000);
        _exit(0);
    }
    if (read(ready[0], path + sizeof(path) - 1, 1) != 1) /* wait for the lock */
        abort();
    path[sizeof(path) - 1] = '\0';
    o.retries = 1;
    o.backoff_ms = 10;
    o.max_backoff_ms = 20;
    j = run_one("/f/b.bin", "busy", -1, &c, &o); /* gives up while locked */
    CHECK_INT(j.status, CXR_ERR_NETWORK);
    CHECK(test_contains(j.reason, "another process"));
    o.retries = 8;
    o.backoff_ms = 200;
    o.max_backoff_ms = 400;
    j = run_one("/f/b.bin", "busy", -1, &c, &o); /* waits until it is free */
    CHECK_INT(j.status, CXR_OK);
    waitpid(pid, NULL, 0);
    close(ready[0]);
    close(ready[1]);
}

/* Sequential transfers share one kept-alive connection. */
static void test_connection_reuse(void)
{
    ctx c = {0};
    cxr_xfer_options o = options(&c);
    cxr_xfer_job jobs[6];
    char urls[6][256], parts[6][1200], line[4096], first[32] = "";
    cxr_error err;
    int requests = 0, same = 0;
    FILE *f;
    o.parallel = 1;
    memset(jobs, 0, sizeof(jobs));
    for (int i = 0; i < 6; i++) {
        snprintf(urls[i], sizeof(urls[i]), "%s/f/b.bin?reuse%d", srv.base, i);
        snprintf(parts[i], sizeof(parts[i]), "%s/partial/reuse%d", dir, i);
        jobs[i].url = urls[i];
        jobs[i].partial_path = parts[i];
        jobs[i].expected_size = -1;
    }
    CHECK_INT(cxr_xfer_run(jobs, 6, &o, &err), CXR_OK);
    f = fopen(srv.log, "r");
    while (f && fgets(line, sizeof(line), f)) {
        char *port = strrchr(line, '\t');
        if (!strstr(line, "?reuse") || !port)
            continue;
        port[strcspn(port, "\n")] = '\0';
        if (!first[0])
            snprintf(first, sizeof(first), "%s", port);
        requests++;
        same += strcmp(port, first) == 0;
    }
    if (f)
        fclose(f);
    CHECK_INT(requests, 6);
    CHECK_INT(same, 6);
}

int main(void)
{
    char partial_dir[1200];
    dir = test_tmpdir("fetch-xfer");
    snprintf(partial_dir, sizeof(partial_dir), "%s/partial", dir);
    mkdir(partial_dir, 0755);
    if (test_server_start(&srv, dir, 0) != 0) {
        fprintf(stderr, "the loopback server did not start\n");
        return 1;
    }
    test_server_file(&srv, "a.bin", 300000, 1);
    test_server_file(&srv, "b.bin", 50000, 2);
    test_range_resume();
    test_cut_connection();
    test_500_then_200();
    test_429_retry_after();
    test_404_and_403();
    test_redirects();
    test_wrong_bytes();
    test_slow_and_stalled();
    test_ignores_range();
    test_if_range();
    test_retries_run_out();
    test_connection_refused();
    test_unresolvable();
    test_parallel_many();
    test_connection_reuse();
    test_busy_partial();
    test_server_stop(&srv);
    return test_done_in(dir);
}
