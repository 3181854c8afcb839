/* cxrprep_main.c: the driver, git-style: `cxrprep run CONFIG`, `cxrprep
 * status CONFIG`, and `cxrprep STAGE ARGS...`, which runs cxrprep-STAGE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

static const char *const stages[] = {"fetch", "select", "sample", "layout", "score", NULL};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cxrprep run CONFIG [--from STEP] [--to STEP] [--force] [--dry-run]\n"
            "                          [--set KEY=VALUE]... [--quiet]\n"
            "       cxrprep status CONFIG [--set KEY=VALUE]...\n"
            "       cxrprep STAGE [ARGS...]      (runs cxrprep-STAGE: fetch, select, sample,\n"
            "                                     layout, score; see cxrprep STAGE --help)\n\n"
            "steps of a run, in order: fetch (metadata, archives), select, images (the\n"
            "selected images), sample, layout, score. A step whose inputs, config\n"
            "sections, tool version and outputs match its record in\n"
            "<workdir>/cxrprep-run.lock is skipped.\n\n"
            "examples:\n"
            "  cxrprep run config/demo.yaml\n"
            "  cxrprep run config/covid19xray.yaml --set seed=7 --from sample\n"
            "  cxrprep status config/covid19xray.yaml\n"
            "  cxrprep select --config config/covid19xray.yaml\n\n"
            "exit codes: a failed step's own exit code; 2 usage, 3 config, 4 bad input,\n"
            "5 i/o, 6 network, 7 integrity, 8 missing file, 9 unsupported, 70 internal\n");
}

/* Parses the arguments after "run"/"status"; 0 on success, else an exit code. */
static int parse_run(int argc, char **argv, driver_opts *o)
{
    o->sets = calloc((size_t)argc, sizeof(*o->sets));
    if (!o->sets)
        return 10;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--force"))
            o->force = 1;
        else if (!strcmp(a, "--dry-run"))
            o->dry_run = 1;
        else if (!strcmp(a, "--quiet"))
            o->quiet = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (has_value && !strcmp(a, "--from"))
            o->from = argv[++i];
        else if (has_value && !strcmp(a, "--to"))
            o->to = argv[++i];
        else if (has_value && !strcmp(a, "--set"))
            o->sets[o->nsets++] = argv[++i];
        else if (has_value && !strcmp(a, "--config"))
            o->config_path = argv[++i];
        else if (a[0] != '-' && !o->config_path)
            o->config_path = a;
        else {
            fprintf(stderr, "cxrprep: unexpected argument '%s' (see cxrprep --help)\n", a);
            return 2;
        }
    }
    if (!o->config_path) {
        fprintf(stderr, "cxrprep: %s needs a CONFIG file (see cxrprep --help)\n", argv[1]);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    driver_opts opts = {0};
    int rc;

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("cxrprep %s\n", CXR_VERSION);
        return 0;
    }
    for (const char *const *s = stages; *s; s++)
        if (!strcmp(argv[1], *s))
            return driver_exec_stage(argv[0], *s, argv + 1);
    if (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "status") != 0) {
        fprintf(stderr, "cxrprep: '%s' is not a command or stage (see cxrprep --help)\n", argv[1]);
        return 2;
    }
    opts.status_only = !strcmp(argv[1], "status");
    rc = parse_run(argc, argv, &opts);
    if (rc == 0)
        rc = driver_run(argv[0], &opts);
    free(opts.sets);
    return rc < 0 ? 0 : rc;
}
