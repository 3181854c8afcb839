/* select_main.c: cxrprep-select, the COVID-19 row selection stage. */
#include <stdio.h>

#include "cli.h"
#include "select.h"

static const cxr_cli_spec spec = {
    "cxrprep-select",
    "Select the COVID-19 rows of the ieee8023 metadata and split off the hold-out set.",
    "  cxrprep-select --config config/covid19xray.yaml\n"
    "  cxrprep-select --config config/covid19xray.yaml --set select.holdout.mode=none\n",
    NULL, 1, NULL,
};

int main(int argc, char **argv)
{
    cxr_error err = {0};
    cxr_cli cli;
    cxr_config *conf = NULL;
    cxr_select_counts counts;
    char line[1024];
    cxr_status st = cxr_cli_parse(&spec, argc, argv, &cli, NULL, NULL, &err);

    if (st == CXR_OK && !cli.exit_now)
        st = cxr_cli_load_config(&cli, &conf, &err);
    if (st == CXR_OK && !cli.exit_now) {
        st = cxr_select_run(conf, &counts, &err);
        if (st == CXR_OK && !cli.quiet) {
            cxr_select_counts_format(&counts, line, sizeof(line));
            printf("select: %s\n", line);
        }
    }
    cxr_config_free(conf);
    cxr_cli_release(&cli);
    return cxr_cli_finish(spec.prog, st, &err);
}
