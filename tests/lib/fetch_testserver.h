/* fetch_testserver.h: starts and stops the loopback HTTP server of the fetch
 * tests (tests/lib/fetch_server.py on 127.0.0.1, ephemeral port), writes the
 * files it serves, and reads its request log. The server is ready when its
 * port file names a port that accepts a connection: polled, with a generous
 * bound, since python3 may start slowly on a loaded machine (ctest -j). */
#ifndef CXR_FETCH_TESTSERVER_H
#define CXR_FETCH_TESTSERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_SERVER_READY_S 60 /* the most a start may take */

typedef struct test_server {
    pid_t pid;
    int port;
    char root[1024];
    char log[1100];
    char base[64]; /* "http://127.0.0.1:PORT" */
} test_server;

static inline double test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The port in 'portfile', or 0 while it is not (fully) there. */
static inline int test_server_read_port(const char *portfile)
{
    int port = 0;
    FILE *f = fopen(portfile, "r");
    if (f) {
        if (fscanf(f, "%d", &port) != 1 || port <= 0 || port > 65535)
            port = 0;
        fclose(f);
    }
    return port;
}

/* 1 when something accepts connections on 127.0.0.1:'port'. */
static inline int test_server_accepts(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;
    if (fd < 0)
        return 0;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* Starts the server on a new directory under 'dir'; 0 on success, -1 when it
 * is not ready after TEST_SERVER_READY_S seconds. Exits 77 (skip) when
 * python3 or the script is unavailable. */
static inline int test_server_start(test_server *s, const char *dir, int latency_ms)
{
    const char *src = getenv("CXR_SOURCE_DIR");
    char script[1024], portfile[1100], lat[32];
    double deadline;
    useconds_t delay = 10000;
    memset(s, 0, sizeof(*s));
    if (!src) {
        fprintf(stderr, "skip: CXR_SOURCE_DIR is not set\n");
        exit(77);
    }
    snprintf(script, sizeof(script), "%s/tests/lib/fetch_server.py", src);
    snprintf(s->root, sizeof(s->root), "%s/srv", dir);
    snprintf(s->log, sizeof(s->log), "%s/server.log", dir);
    snprintf(portfile, sizeof(portfile), "%s/server.port", dir);
    snprintf(lat, sizeof(lat), "%d", latency_ms);
    mkdir(s->root, 0755);
    s->pid = fork();
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        execlp("python3", "python3", script, "--root", s->root, "--port-file", portfile,
               "--log", s->log, "--latency-ms", lat, (char *)NULL);
        _exit(127);
    }
    if (s->pid < 0) {
        s->pid = 0;
        return -1;
    }
    deadline = test_now() + TEST_SERVER_READY_S;
    while (test_now() < deadline) {
        int st, port;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "skip: the loopback server did not start (python3?)\n");
            exit(77);
        }
        port = test_server_read_port(portfile);
        if (port > 0 && test_server_accepts(port)) {
            s->port = port;
            snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
            return 0;
        }
        usleep(delay);
        if (delay < 200000)
            delay *= 2;
    }
    fprintf(stderr, "the loopback server was not ready after %d s\n", TEST_SERVER_READY_S);
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
    return -1;
}

static inline void test_server_stop(test_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

/* Writes 'len' deterministic pseudo-random bytes (seeded by 'seed') to the
 * server's root as 'name'. */
static inline void test_server_file(const test_server *s, const char *name, size_t len,
                             uint32_t seed)
{
    char path[1200];
    FILE *f;
    uint32_t x = seed * 2654435761u + 1;
    snprintf(path, sizeof(path), "%s/%s", s->root, name);
    f = fopen(path, "wb");
    if (!f)
        abort();
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        fputc((int)(x & 0xff), f);
    }
    fclose(f);
}

/* Counts the logged requests whose path ends with 'suffix'; sums their body
 * bytes into *bytes and counts those with a Range header into *ranged (both
 * may be NULL). */
static inline int test_server_requests(const test_server *s, const char *suffix,
                                long long *bytes, int *ranged)
{
    char line[4096];
    int n = 0;
    FILE *f = fopen(s->log, "r");
    if (bytes)
        *bytes = 0;
    if (ranged)
        *ranged = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        char path[2048], range[256], ifr[512];
        int status;
        long long nb;
        size_t pl, sl = strlen(suffix);
        if (sscanf(line, "%2047[^\t]\t%d\t%255[^\t]\t%511[^\t]\t%lld", path, &status, range,
                   ifr, &nb) != 5)
            continue;
        pl = strlen(path);
        if (pl < sl || strcmp(path + pl - sl, suffix) != 0)
            continue;
        n++;
        if (bytes)
            *bytes += nb;
        if (ranged && strcmp(range, "-") != 0)
            (*ranged)++;
    }
    fclose(f);
    return n;
}

#endif
