/* cli.c: option parsing from one table per program, generated --help, the
 * common options, config loading and the exit path every executable shares. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

enum { OPT_CONFIG = -1, OPT_SET = -2, OPT_QUIET = -3, OPT_PRINT_CONFIG = -4,
       OPT_HELP = -5, OPT_VERSION = -6 };

static const cxr_cli_option common_options[] = {
    {"config", "FILE", OPT_CONFIG, "the YAML config to run"},
    {"help", NULL, OPT_HELP, "show this help and exit"},
    {"print-config", NULL, OPT_PRINT_CONFIG, "print the effective config (defaults filled in) and exit"},
    {"quiet", NULL, OPT_QUIET, "print errors only"},
    {"set", "KEY=VALUE", OPT_SET, "override a config key (repeatable), e.g. --set seed=7"},
    {"version", NULL, OPT_VERSION, "show the version and exit"},
    {NULL, NULL, 0, NULL},
};

static void print_option(const cxr_cli_option *o)
{
    char left[64];
    snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    printf("  %-26s %s\n", left, o->help);
}

static void print_help(const cxr_cli_spec *spec)
{
    if (spec->positional)
        printf("usage: %s %s [--set KEY=VALUE]... [options]\n\n%s\n\noptions:\n",
               spec->prog, spec->positional, spec->summary);
    else
        printf("usage: %s [--config FILE] [--set KEY=VALUE]... [options]\n\n%s\n\noptions:\n",
               spec->prog, spec->summary);
    for (const cxr_cli_option *o = spec->options; o && o->name; o++)
        print_option(o);
    for (const cxr_cli_option *o = common_options; o->name; o++)
        print_option(o);
    if (spec->examples)
        printf("\nexamples:\n%s", spec->examples);
    printf("\nexit codes: 0 ok, 2 usage, 3 config, 4 bad input, 5 i/o, 6 network,\n"
           "7 integrity, 8 missing file, 9 unsupported, 10 out of memory, 70 internal\n");
}

static const cxr_cli_option *find_option(const cxr_cli_option *table, const char *name,
                                         size_t len)
{
    for (const cxr_cli_option *o = table; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static cxr_status handle_common(const cxr_cli_spec *spec, cxr_cli *cli, int id,
                                const char *value, cxr_error *err)
{
    const char **grown;
    switch (id) {
    case OPT_CONFIG:
        cli->config_path = value;
        break;
    case OPT_SET:
        grown = realloc(cli->sets, (cli->nsets + 1) * sizeof(*grown));
        if (!grown)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        cli->sets = grown;
        cli->sets[cli->nsets++] = value;
        break;
    case OPT_QUIET:
        cli->quiet = 1;
        break;
    case OPT_PRINT_CONFIG:
        cli->print_config = 1;
        break;
    case OPT_HELP:
        print_help(spec);
        cli->exit_now = 1;
        break;
    case OPT_VERSION:
        printf("%s %s\n", spec->prog, CXR_VERSION);
        cli->exit_now = 1;
        break;
    }
    return CXR_OK;
}

/* Parses one "--name[=value]" at argv[*i]; advances *i past a separate value. */
static cxr_status parse_one(const cxr_cli_spec *spec, int argc, char **argv, int *i,
                            cxr_cli *cli, cxr_cli_handler handler, void *opts, cxr_error *err)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const cxr_cli_option *o = find_option(spec->options, arg, len);
    int common = 0;
    const char *value = NULL;

    if (!o && (o = find_option(common_options, arg, len)))
        common = 1;
    if (!o)
        return cxr_fail(err, CXR_ERR_USAGE, "unknown option '%s' (see --help)", argv[*i]);
    if (o->arg) {
        if (eq)
            value = eq + 1;
        else if (*i + 1 < argc)
            value = argv[++*i];
        else
            return cxr_fail(err, CXR_ERR_USAGE, "option '--%s' needs a value (%s)", o->name, o->arg);
    } else if (eq)
        return cxr_fail(err, CXR_ERR_USAGE, "option '--%s' takes no value", o->name);
    if (common)
        return handle_common(spec, cli, o->id, value, err);
    return handler ? handler(opts, o->id, value, err) : CXR_OK;
}

cxr_status cxr_cli_parse(const cxr_cli_spec *spec, int argc, char **argv, cxr_cli *cli,
                         cxr_cli_handler handler, void *opts, cxr_error *err)
{
    memset(cli, 0, sizeof(*cli));
    if (cxr_hash_init() != CXR_OK)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (int i = 1; i < argc && !cli->exit_now; i++) {
        if (strcmp(argv[i], "-h") == 0) {
            handle_common(spec, cli, OPT_HELP, NULL, err);
            break;
        }
        if (spec->positional && argv[i][0] != '-' && !cli->config_path) {
            cli->config_path = argv[i];
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0')
            return cxr_fail(err, CXR_ERR_USAGE, "unexpected argument '%s' (see --help)", argv[i]);
        if (parse_one(spec, argc, argv, &i, cli, handler, opts, err) != CXR_OK)
            return err->status;
    }
    if (!cli->exit_now && spec->config_required && !cli->config_path)
        return cxr_fail(err, CXR_ERR_USAGE, "%s is required (see --help)",
                        spec->positional ? spec->positional : "--config FILE");
    return CXR_OK;
}

cxr_status cxr_cli_load_config(cxr_cli *cli, cxr_config **conf, cxr_error *err)
{
    cxr_status st = cxr_config_load(cli->config_path, conf, err);
    for (size_t i = 0; st == CXR_OK && i < cli->nsets; i++)
        st = cxr_config_set(*conf, cli->sets[i], err);
    if (st == CXR_OK)
        st = cxr_config_validate(*conf, err);
    if (st == CXR_OK && cli->print_config) {
        st = cxr_config_dump(*conf, stdout, err);
        cli->exit_now = 1;
    }
    if (st != CXR_OK) {
        cxr_config_free(*conf);
        *conf = NULL;
    }
    return st;
}

void cxr_cli_release(cxr_cli *cli)
{
    free(cli->sets);
    cli->sets = NULL;
    cli->nsets = 0;
}

int cxr_cli_finish(const char *prog, cxr_status status, const cxr_error *err)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write to standard output: %s\n", prog, strerror(errno));
        if (status == CXR_OK)
            status = CXR_ERR_IO;
    } else if (status != CXR_OK)
        fprintf(stderr, "%s: %s\n", prog, err && err->msg[0] ? err->msg : cxr_strerror(status));
    return cxr_exit_code(status);
}
