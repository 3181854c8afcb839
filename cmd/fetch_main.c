/* fetch_main.c: cxrprep-fetch, the download stage, and its output: the
 * live progress line on a terminal (progress_line.h), one line per finished
 * file otherwise. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fetch.h"
#include "progress_line.h"

enum { OPT_OFFLINE = 1, OPT_ONLY, OPT_UPDATE_PINS, OPT_VERIFY };

static const cxr_cli_option options[] = {
    {"offline", NULL, OPT_OFFLINE, "use the cache only; name every file it lacks"},
    {"only", "GROUPS", OPT_ONLY,
     "fetch only metadata, images and/or archives (comma-separated)"},
    {"update-pins", NULL, OPT_UPDATE_PINS,
     "download unpinned sources again and rewrite their pins in the lock file"},
    {"verify", NULL, OPT_VERIFY, "rehash cached files instead of trusting their size"},
    {NULL, NULL, 0, NULL},
};

static const cxr_cli_spec spec = {
    "cxrprep-fetch",
    "Download the config's sources into the verified cache of the work directory\n"
    "(metadata and archives; images once cxrprep-select has listed them).",
    "  cxrprep-fetch --config config/covid19xray.yaml --only metadata\n"
    "  cxrprep-fetch --config config/covid19xray.yaml --set fetch.parallel=16\n"
    "  cxrprep-fetch --config config/covid19xray.yaml --offline\n",
    options, 1, NULL,
};

typedef struct printer {
    int quiet, tty;
    cxr_progress_printer line;   /* the live line (terminal only) */
    size_t by_state[6];
} printer;

static cxr_status on_option(void *ctx, int id, const char *value, cxr_error *err)
{
    cxr_fetch_options *o = ctx;
    switch (id) {
    case OPT_OFFLINE: o->offline = 1; break;
    case OPT_ONLY: return cxr_fetch_parse_only(value, &o->only, err);
    case OPT_UPDATE_PINS: o->update_pins = 1; break;
    case OPT_VERIFY: o->verify = 1; break;
    default: return cxr_fail(err, CXR_ERR_INTERNAL, "unknown option id %d", id);
    }
    return CXR_OK;
}

static void print_file(printer *p, const cxr_fetch_event *ev)
{
    static const char *const states[] = {"downloaded", "cached",  "local",
                                         "skipped",    "missing", "failed"};
    for (size_t i = 0; i < 6; i++)
        if (strcmp(ev->state, states[i]) == 0)
            p->by_state[i]++;
    if (ev->failed || ev->reason[0]) {
        cxr_progress_printer_clear(&p->line);
        if (ev->failed || !p->quiet)
            fprintf(ev->failed ? stderr : stdout, "fetch: %s %s/%s: %s (%s)\n", ev->state,
                    ev->source, ev->name, ev->reason, ev->url);
    } else if (!p->quiet && !p->tty) {
        printf("fetch: %s %s/%s (%llu bytes)\n", ev->state, ev->source, ev->name,
               (unsigned long long)ev->file_bytes);
    }
}

static void print_summary(printer *p, const cxr_fetch_event *ev)
{
    cxr_progress_printer_clear(&p->line);
    if (p->quiet)
        return;
    printf("fetch: %zu files: %zu downloaded, %zu cached, %zu local, %zu skipped, "
           "%zu missing, %zu failed; %llu bytes received in %.1f s\n",
           ev->files_total, p->by_state[0], p->by_state[1], p->by_state[2],
           p->by_state[3], p->by_state[4], p->by_state[5],
           (unsigned long long)ev->bytes_received, ev->elapsed_s);
}

static void on_event(void *ctx, const cxr_fetch_event *ev)
{
    printer *p = ctx;
    if (ev->kind == CXR_FETCH_EV_FILE)
        print_file(p, ev);
    else if (ev->kind == CXR_FETCH_EV_END)
        print_summary(p, ev);
}

int main(int argc, char **argv)
{
    cxr_error err = {0};
    cxr_cli cli;
    cxr_config *conf = NULL;
    cxr_fetch_options opts = {0};
    printer p = {0};
    cxr_status st = cxr_cli_parse(&spec, argc, argv, &cli, on_option, &opts, &err);

    if (st == CXR_OK && !cli.exit_now)
        st = cxr_cli_load_config(&cli, &conf, &err);
    if (st == CXR_OK && !cli.exit_now) {
        p.quiet = cli.quiet;
        p.tty = isatty(STDERR_FILENO);
        opts.on_event = on_event;
        opts.event_ctx = &p;
        opts.progress = cxr_progress_printer_init(&p.line, cli.quiet);
        st = cxr_fetch_run(conf, &opts, &err);
        cxr_progress_printer_clear(&p.line);
    }
    cxr_config_free(conf);
    cxr_cli_release(&cli);
    return cxr_cli_finish(spec.prog, st, &err);
}
