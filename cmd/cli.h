/* cli.h: what every cxrprep executable shares: one option table per program
 * (from which --help is generated), the common options (--config, --set,
 * --quiet, --help, --version), loading the config, and turning a status into
 * a message on stderr and an exit code. The executable layer may print; the
 * pipeline library never does. */
#ifndef CXR_CLI_H
#define CXR_CLI_H

#include <stddef.h>

#include "config.h"
#include "error.h"

typedef struct cxr_cli_option {
    const char *name;  /* long name without "--"; the table is sorted by it */
    const char *arg;   /* "FILE", "K/N"...; NULL for a flag */
    int id;            /* passed to the program's handler */
    const char *help;
} cxr_cli_option;

typedef struct cxr_cli_spec {
    const char *prog;              /* "cxrprep-select" */
    const char *summary;           /* one line */
    const char *examples;          /* lines for --help, may be NULL */
    const cxr_cli_option *options; /* program options; {NULL} ends; may be NULL */
    int config_required;           /* --config must be given */
    const char *positional;        /* "CONFIG": one bare argument may name the
                                      config instead of --config; NULL: none */
} cxr_cli_spec;

/* The common options, filled by cxr_cli_parse. Strings borrow argv. */
typedef struct cxr_cli {
    const char *config_path;
    const char **sets;   /* owned array of borrowed strings */
    size_t nsets;
    int quiet;
    int print_config;    /* --print-config: show the effective config, exit */
    int exit_now;        /* --help or --version was printed: exit 0 */
} cxr_cli;

/* Called for each program option; 'value' is NULL for flags. */
typedef cxr_status (*cxr_cli_handler)(void *opts, int id, const char *value,
                                      cxr_error *err);

/* Parses argv. Positional arguments are refused. Frees nothing on error:
 * call cxr_cli_release either way. */
cxr_status cxr_cli_parse(const cxr_cli_spec *spec, int argc, char **argv,
                         cxr_cli *cli, cxr_cli_handler handler, void *opts,
                         cxr_error *err);
/* Loads --config, applies every --set in order, validates; with
 * --print-config also prints the effective config and sets exit_now. */
cxr_status cxr_cli_load_config(cxr_cli *cli, cxr_config **conf, cxr_error *err);
void cxr_cli_release(cxr_cli *cli);

/* Prints "prog: message" for a failure, flushes stdout (a failed flush, e.g.
 * a full disk, is an i/o error) and returns the exit code. */
int cxr_cli_finish(const char *prog, cxr_status status, const cxr_error *err);

#endif
