/* serve_main.c: cxrprep-serve, the review app: serves the upload page and
 * the review page until SIGINT or SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "malloc_policy.h"
#include "openmp_passive.h"
#include "serve.h"

enum { OPT_BIND = 1, OPT_MODEL, OPT_PORT };

static const cxr_cli_option options[] = {
    {"bind", "ADDR", OPT_BIND,
     "listen on ADDR (default 127.0.0.1); a non-loopback address is reachable by others"},
    {"model", "FILE", OPT_MODEL, "the ONNX model (overrides score.model and serve.models)"},
    {"port", "N", OPT_PORT, "listen on port N (default 5000; 0: any free port)"},
    {NULL, NULL, 0, NULL},
};

static const cxr_cli_spec spec = {
    "cxrprep-serve",
    "Serve the upload page (one chest X-ray in, POSITIVE or NEGATIVE out) and the review\n"
    "page over the workdir's manifests, whose exclusions the next `cxrprep run` honours.\n"
    "Prints 'serving URL' once it answers; SIGINT or SIGTERM stops it.",
    "  cxrprep serve config/demo.yaml\n"
    "  cxrprep-serve --config config/covid19xray.yaml --port 0\n"
    "  cxrprep-serve --config c.yaml --bind 0.0.0.0 --port 8080   # reachable by others\n",
    options, 1, "CONFIG",
};

static cxr_status on_option(void *ctx, int id, const char *value, cxr_error *err)
{
    cxr_serve_options *o = ctx;
    char *end;
    long port;

    switch (id) {
    case OPT_BIND: o->bind = value; break;
    case OPT_MODEL: o->model = value; break;
    case OPT_PORT:
        port = strtol(value, &end, 10);
        if (*value == '\0' || *end || port < 0 || port > 65535)
            return cxr_fail(err, CXR_ERR_USAGE, "--port '%s': want 0 to 65535", value);
        o->port = (int)port;
        break;
    }
    return CXR_OK;
}

/* Runs until SIGINT or SIGTERM, which are blocked in every thread (the
 * server's inherit the mask) and taken here by sigwait. */
static cxr_status serve(const cxr_config *conf, const cxr_serve_options *opt, cxr_error *err)
{
    cxr_server *srv = NULL;
    sigset_t stop;
    int sig = 0;
    cxr_status st;

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    st = cxr_serve_start(conf, opt, &srv, err);
    if (st != CXR_OK)
        return st;
    printf("serving %s\n", cxr_serve_url(srv));
    if (fflush(stdout) != 0)
        st = cxr_fail(err, CXR_ERR_IO, "cannot write to stdout");
    while (st == CXR_OK && sigwait(&stop, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
        ;
    cxr_serve_stop(srv);
    return st;
}

int main(int argc, char **argv)
{
    cxr_error err = {0};
    cxr_serve_options opt = {NULL, 5000, NULL};
    cxr_config *conf = NULL;
    cxr_cli cli;
    cxr_status st;

    cxr_openmp_passive(argv);
    cxr_malloc_return_memory(); /* returned to the system after a burst of uploads */
    st = cxr_cli_parse(&spec, argc, argv, &cli, on_option, &opt, &err);

    if (st == CXR_OK && !cli.exit_now)
        st = cxr_cli_load_config(&cli, &conf, &err);
    if (st == CXR_OK && !cli.exit_now)
        st = serve(conf, &opt, &err);
    cxr_config_free(conf);
    cxr_cli_release(&cli);
    return cxr_cli_finish(spec.prog, st, &err);
}
