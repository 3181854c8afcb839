/* cxrprep_main.c: the driver, git-style: `cxrprep run CONFIG`, `cxrprep
 * status CONFIG`, and `cxrprep STAGE ARGS...`, which runs cxrprep-STAGE. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "driver.h"

enum { OPT_DRY_RUN, OPT_FORCE, OPT_FROM, OPT_TO };

static const cxr_cli_option run_options[] = {
    {"dry-run", NULL, OPT_DRY_RUN, "show the plan, with the rows each step would read; write nothing"},
    {"force", NULL, OPT_FORCE, "run the steps even when they are up to date"},
    {"from", "STEP", OPT_FROM, "start at STEP: fetch, select, images, sample, layout, score"},
    {"to", "STEP", OPT_TO, "stop after STEP"},
    {NULL, NULL, 0, NULL},
};

static const cxr_cli_spec run_spec = {
    "cxrprep run",
    "Run the pipeline's steps in order: fetch (metadata, archives), select, images\n"
    "(the selected images), sample, layout, score. A step whose inputs, config keys,\n"
    "tool version and outputs match its record in <workdir>/cxrprep-run.lock is\n"
    "skipped; the first failing step stops the run with its own exit code.",
    "  cxrprep run config/demo.yaml\n"
    "  cxrprep run config/covid19xray.yaml --set seed=7 --from sample\n"
    "  cxrprep run config/covid19xray.yaml --to layout --dry-run\n",
    run_options, 1, "CONFIG",
};

static const cxr_cli_spec status_spec = {
    "cxrprep status",
    "Say which steps are up to date and, for the others, what changed. Exits 0\n"
    "when every step is up to date and 1 when one is out of date (as `git diff\n"
    "--exit-code`); with --quiet, only the steps out of date are listed.",
    "  cxrprep status config/covid19xray.yaml\n"
    "  cxrprep status config/covid19xray.yaml --quiet || cxrprep run config/covid19xray.yaml\n",
    run_options + 2, 1, "CONFIG", /* --from and --to */
};

static const char *const stages[] = {"fetch", "select", "sample", "layout", "score", "serve", NULL};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cxrprep run CONFIG [options]      run the pipeline (cxrprep run --help)\n"
            "       cxrprep status CONFIG [options]   what is up to date, what changed\n"
            "       cxrprep STAGE [ARGS...]           run cxrprep-STAGE: fetch, select, sample,\n"
            "                                         layout, score (cxrprep STAGE --help)\n"
            "       cxrprep --version\n");
}

static cxr_status on_option(void *ctx, int id, const char *value, cxr_error *err)
{
    driver_opts *o = ctx;
    (void)err;
    switch (id) {
    case OPT_DRY_RUN: o->dry_run = 1; break;
    case OPT_FORCE: o->force = 1; break;
    case OPT_FROM: o->from = value; break;
    case OPT_TO: o->to = value; break;
    }
    return CXR_OK;
}

static int run_or_status(const char *self, const cxr_cli_spec *spec, int argc, char **argv,
                         int status_only)
{
    driver_opts opts = {0};
    cxr_error err = {0};
    cxr_config *conf = NULL;
    cxr_cli cli;
    int exit_code = 0;
    cxr_status st = cxr_cli_parse(spec, argc, argv, &cli, on_option, &opts, &err);

    if (st == CXR_OK && !cli.exit_now)
        st = cxr_cli_load_config(&cli, &conf, &err);
    if (st == CXR_OK && !cli.exit_now) {
        opts.config_path = cli.config_path;
        opts.sets = cli.sets;
        opts.nsets = cli.nsets;
        opts.quiet = cli.quiet;
        opts.status_only = status_only;
        st = driver_run(self, conf, &opts, &exit_code, &err);
    }
    cxr_config_free(conf);
    cxr_cli_release(&cli);
    if (st == CXR_OK && exit_code != 0) {
        int flushed = cxr_cli_finish(spec->prog, st, &err); /* flushes stdout */
        return flushed != 0 ? flushed : exit_code;
    }
    return cxr_cli_finish(spec->prog, st, &err);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : cxr_cli_finish("cxrprep", CXR_OK, NULL);
    }
    if (!strcmp(argv[1], "--version")) {
        printf("cxrprep %s\n", CXR_VERSION);
        return cxr_cli_finish("cxrprep", CXR_OK, NULL);
    }
    for (const char *const *s = stages; *s; s++)
        if (!strcmp(argv[1], *s))
            return driver_exec_stage(argv[0], *s, argv + 1);
    if (!strcmp(argv[1], "run"))
        return run_or_status(argv[0], &run_spec, argc - 1, argv + 1, 0);
    if (!strcmp(argv[1], "status"))
        return run_or_status(argv[0], &status_spec, argc - 1, argv + 1, 1);
    fprintf(stderr, "cxrprep: '%s' is not a command or stage (see cxrprep --help)\n", argv[1]);
    return 2;
}
