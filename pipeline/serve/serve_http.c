/* serve_http.c: the HTTP side, on GNU libmicrohttpd: one thread per
 * connection (at most 64), the checks made before a body is read (Host,
 * Origin, size), request bodies parsed within the memory budget
 * (multipart and urlencoded forms by libmicrohttpd's post processor, JSON
 * kept whole up to 64 KiB), and replies turned into responses with their
 * safety headers. */
#include "serve_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONNECTIONS 64
#define JSON_MAX (64 * 1024)
#define BUDGET_WAIT_MS 30000

enum { BODY_NONE, BODY_FORM, BODY_JSON };

typedef struct conn {
    cxr_server *srv;
    int method_get, kind, replied, part_skip;
    struct MHD_PostProcessor *pp;
    serve_form form;
    char *json;
    size_t json_len, json_cap;
    size_t limit, received, reserved;
    int too_large, bad_form;
} conn;

/* --- replies --- */

static const char csp[] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

static struct MHD_Response *file_response(const char *path)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct MHD_Response *r;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return NULL;
    }
    r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r)
        close(fd);
    return r;
}

static enum MHD_Result send_reply(struct MHD_Connection *mc, serve_reply *rp)
{
    struct MHD_Response *r = NULL;
    enum MHD_Result ok;

    if (rp->body.failed)
        serve_json_error(rp, 503, "out of memory");
    if (rp->file && !(r = file_response(rp->file))) {
        free(rp->file);
        rp->file = NULL;
        serve_json_error(rp, 404, "the file cannot be read");
    }
    if (!r) {
        r = MHD_create_response_from_buffer(rp->body.len, rp->body.len ? rp->body.data : "",
                                            rp->body.len ? MHD_RESPMEM_MUST_FREE
                                                         : MHD_RESPMEM_PERSISTENT);
        if (r && rp->body.len)
            memset(&rp->body, 0, sizeof(rp->body)); /* the response frees it */
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rp->type ? rp->type : "text/plain; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin"); /* no-referrer makes Origin "null" */
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            rp->cache ? "private, max-age=86400" : "no-store");
    if (rp->location[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rp->location);
    if (rp->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rp->allow);
    ok = MHD_queue_response(mc, (unsigned)rp->status, r);
    MHD_destroy_response(r);
    return ok;
}

/* An answer decided before the body is read (or instead of it). */
static enum MHD_Result refuse(struct MHD_Connection *mc, conn *c, int status, const char *msg)
{
    serve_reply rp = {0};
    enum MHD_Result ok;

    c->replied = 1;
    serve_json_error(&rp, status, msg);
    ok = send_reply(mc, &rp);
    serve_buf_release(&rp.body);
    return ok;
}

/* --- the checks before the body --- */

static const char *header(struct MHD_Connection *mc, const char *name)
{
    return MHD_lookup_connection_value(mc, MHD_HEADER_KIND, name);
}

/* On loopback, the Host must be the server's own (DNS rebinding). */
static int host_ok(const cxr_server *srv, const char *host)
{
    if (!srv->loopback || !host)
        return 1;
    for (size_t i = 0; i < sizeof(srv->hosts) / sizeof(srv->hosts[0]); i++)
        if (srv->hosts[i][0] && strcasecmp(host, srv->hosts[i]) == 0)
            return 1;
    return 0;
}

/* A state-changing request from a page of another origin is refused. */
static int origin_ok(const cxr_server *srv, struct MHD_Connection *mc)
{
    const char *origin = header(mc, "Origin"), *site = header(mc, "Sec-Fetch-Site");
    const char *host = header(mc, MHD_HTTP_HEADER_HOST);
    char own[160];

    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return 0;
    if (!origin)
        return 1; /* not a browser (curl, scripts) */
    snprintf(own, sizeof(own), "http://%s", host ? host : srv->hosts[0]);
    return strcasecmp(origin, own) == 0;
}

static int has_type(const char *content_type, const char *type)
{
    size_t n = strlen(type);
    return content_type && strncasecmp(content_type, type, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* --- bodies --- */

static int append(char *dst, size_t size, uint64_t off, const char *data, size_t n)
{
    size_t used = strlen(dst);
    (void)off;
    if (used + n + 1 > size)
        return 0;
    memcpy(dst + used, data, n);
    dst[used + n] = '\0';
    return 1;
}

static int image_append(conn *c, const char *data, size_t n)
{
    serve_form *f = &c->form;
    if (f->image_len + n > c->limit)
        return 0;
    if (f->image_len + n > f->image_cap) {
        size_t cap = f->image_cap ? f->image_cap : 65536;
        unsigned char *grown;
        while (cap < f->image_len + n)
            cap *= 2;
        cap = cap > c->reserved ? c->reserved : cap;
        grown = realloc(f->image, cap);
        if (!grown)
            return 0;
        f->image = grown;
        f->image_cap = cap;
    }
    memcpy(f->image + f->image_len, data, n);
    f->image_len += n;
    return 1;
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    conn *c = cls;
    serve_form *f = &c->form;
    (void)kind, (void)content_type, (void)transfer_encoding;

    if (strcmp(key, "image") == 0) {
        if (off == 0) { /* a new part: only the first 'image' counts */
            c->part_skip = f->has_image;
            if (!f->has_image)
                snprintf(f->image_name, sizeof(f->image_name), "%s", filename ? filename : "");
            f->has_image = 1;
        }
        if (!c->part_skip && size > 0 && !image_append(c, data, size))
            c->bad_form = 1;
    } else if (strcmp(key, "model") == 0) {
        f->overflow |= !append(f->model, sizeof(f->model), off, data, size);
    } else if (strcmp(key, "reason") == 0) {
        f->overflow |= !append(f->reason, sizeof(f->reason), off, data, size);
    } else if (strcmp(key, "id") == 0) {
        f->overflow |= !append(f->id, sizeof(f->id), off, data, size);
    }
    return MHD_YES;
}

static int json_append(conn *c, const char *data, size_t n)
{
    if (c->json_len + n + 1 > c->json_cap) {
        size_t cap = c->json_len + n + 1 > 4096 ? c->json_len + n + 1 : 4096;
        char *grown = realloc(c->json, cap);
        if (!grown)
            return 0;
        c->json = grown;
        c->json_cap = cap;
    }
    memcpy(c->json + c->json_len, data, n);
    c->json_len += n;
    c->json[c->json_len] = '\0';
    return 1;
}

/* Sets up the body's parsing and reserves its bytes; 0 or an HTTP status. */
static int begin_body(cxr_server *srv, struct MHD_Connection *mc, conn *c)
{
    const char *type = header(mc, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *length = header(mc, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *chunked = header(mc, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    unsigned long long declared = length ? strtoull(length, NULL, 10) : 0;

    if (has_type(type, "application/json")) {
        c->kind = BODY_JSON;
        c->limit = JSON_MAX;
    } else if (has_type(type, "multipart/form-data") ||
               has_type(type, "application/x-www-form-urlencoded")) {
        c->kind = BODY_FORM;
        c->limit = srv->s.max_upload_bytes;
        c->pp = MHD_create_post_processor(mc, 65536, on_field, c);
        if (!c->pp)
            return 400;
    } else {
        c->kind = BODY_NONE;
        c->limit = JSON_MAX;
    }
    if (declared > c->limit)
        return 413;
    /* the declared length, or the most a chunked body may hold */
    c->reserved = length ? (size_t)declared : chunked ? c->limit : 0;
    if (c->reserved > 0 && !serve_budget_take(&srv->limits, c->reserved, BUDGET_WAIT_MS)) {
        c->reserved = 0;
        return 503;
    }
    return 0;
}

static void feed(conn *c, const char *data, size_t n)
{
    c->received += n;
    if (c->too_large || c->received > c->limit || c->received > c->reserved) {
        c->too_large = 1;
        return;
    }
    if (c->kind == BODY_FORM) {
        if (MHD_post_process(c->pp, data, n) != MHD_YES)
            c->bad_form = 1;
    } else if (c->kind == BODY_JSON && !json_append(c, data, n)) {
        c->bad_form = 1;
    }
}

/* --- the request's life --- */

static enum MHD_Result first_call(cxr_server *srv, struct MHD_Connection *mc, conn *c,
                                  const char *method)
{
    int state_changing = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
    int status;

    c->method_get = !state_changing;
    if (!host_ok(srv, header(mc, MHD_HTTP_HEADER_HOST)))
        return refuse(mc, c, 400, "this server answers to its own address only (Host)");
    if (state_changing && !origin_ok(srv, mc))
        return refuse(mc, c, 403, "a request from another origin may not change anything");
    if (!state_changing)
        return MHD_YES;
    status = begin_body(srv, mc, c);
    if (status == 413) {
        char msg[128];
        snprintf(msg, sizeof(msg), "the request body is over %zu MiB (serve.max_upload_mb)",
                 c->limit == JSON_MAX ? 0 : c->limit >> 20);
        if (c->limit == JSON_MAX)
            snprintf(msg, sizeof(msg), "a JSON body is at most 64 KiB");
        return refuse(mc, c, 413, msg);
    }
    if (status)
        return refuse(mc, c, status, status == 503 ? "busy: too many uploads at once, try "
                                                     "again" : "cannot parse the form");
    return MHD_YES;
}

static enum MHD_Result last_call(cxr_server *srv, struct MHD_Connection *mc, conn *c,
                                 const char *url, const char *method)
{
    serve_request rq = {0};
    serve_reply rp = {0};
    enum MHD_Result ok;

    if (c->too_large)
        return refuse(mc, c, 413, "the request body is over serve.max_upload_mb");
    if (c->bad_form)
        return refuse(mc, c, 400, "the form cannot be read");
    rq.method = c->method_get ? "GET" : method;
    rq.path = url;
    rq.sort = MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND, "sort");
    rq.json = c->kind == BODY_JSON;
    rq.body = c->json;
    rq.body_len = c->json_len;
    rq.form = c->kind == BODY_FORM ? &c->form : NULL;
    serve_route(srv, &rq, &rp);
    c->replied = 1;
    ok = send_reply(mc, &rp);
    serve_buf_release(&rp.body);
    free(rp.file);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    cxr_server *srv = cls;
    conn *c = *con_cls;
    (void)version;

    if (!c) {
        c = calloc(1, sizeof(*c));
        if (!c)
            return MHD_NO;
        c->srv = srv;
        *con_cls = c;
        return first_call(srv, mc, c, method);
    }
    if (*upload_data_size > 0) {
        if (!c->replied)
            feed(c, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->replied)
        return MHD_YES;
    return last_call(srv, mc, c, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    cxr_server *srv = cls;
    conn *c = *con_cls;
    (void)mc, (void)why;

    if (!c)
        return;
    if (c->pp)
        MHD_destroy_post_processor(c->pp);
    if (c->reserved)
        serve_budget_give(&srv->limits, c->reserved);
    free(c->form.image);
    free(c->json);
    free(c);
    *con_cls = NULL;
}

/* --- the daemon --- */

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static cxr_status parse_bind(const char *bind, int port, struct sockaddr_storage *ss,
                             cxr_error *err)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (!bind || strcmp(bind, "localhost") == 0)
        bind = "127.0.0.1";
    if (inet_pton(AF_INET, bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return CXR_OK;
    }
    if (inet_pton(AF_INET6, bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return CXR_OK;
    }
    return cxr_fail(err, CXR_ERR_USAGE, "--bind '%s': want an IPv4 or IPv6 address", bind);
}

static void own_names(cxr_server *srv, const char *bind, int v6)
{
    const char *addr = !bind || strcmp(bind, "localhost") == 0 ? "127.0.0.1" : bind;

    snprintf(srv->url, sizeof(srv->url), v6 ? "http://[%s]:%d/" : "http://%s:%d/", addr,
             srv->port);
    snprintf(srv->hosts[0], sizeof(srv->hosts[0]), v6 ? "[%s]:%d" : "%s:%d", addr, srv->port);
    snprintf(srv->hosts[1], sizeof(srv->hosts[1]), "localhost:%d", srv->port);
    snprintf(srv->hosts[2], sizeof(srv->hosts[2]), v6 ? "127.0.0.1:%d" : "[::1]:%d", srv->port);
}

cxr_status serve_http_start(cxr_server *srv, const cxr_serve_options *opt, cxr_error *err)
{
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL;
    cxr_status st = parse_bind(opt->bind, opt->port, &ss, err);

    if (st != CXR_OK)
        return st;
    if (opt->port < 0 || opt->port > 65535)
        return cxr_fail(err, CXR_ERR_USAGE, "--port %d: want 0 to 65535", opt->port);
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->loopback = is_loopback(&ss);
    errno = 0;
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)opt->port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        srv, MHD_OPTION_END); /* no LISTENING_ADDRESS_REUSE: that is SO_REUSEPORT, two
                                  servers on one port */
    if (!srv->daemon)
        return cxr_fail(err, CXR_ERR_IO, "cannot listen on %s port %d%s%s",
                        opt->bind ? opt->bind : "127.0.0.1", opt->port, errno ? ": " : "",
                        errno ? strerror(errno) : "");
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opt->port;
    own_names(srv, opt->bind, ss.ss_family == AF_INET6);
    return CXR_OK;
}

void serve_http_stop(cxr_server *srv)
{
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
}
