/* sample_main.c: cxrprep-sample, the stage that draws the Kermany images
 * of every draw the config declares (pipeline/sample.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "progress_line.h"
#include "sample.h"

static const cxr_cli_spec spec = {
    "cxrprep-sample",
    "draw seeded, reproducible, disjoint samples of Kermany images from the archive",
    "  cxrprep-sample --config config/covid19xray.yaml\n"
    "  cxrprep-sample --config config/demo.yaml --set seed=7\n",
    NULL, 1, NULL};

static void report(const cxr_sample_result *res)
{
    printf("sample: %zu images in %zu draws\n", res->ndraws ? res->nimages : 0, res->ndraws);
    if (res->note[0])
        printf("sample: %s\n", res->note);
    if (res->nrefused)
        printf("sample: refused %zu hostile archive entries (listed in refused.csv)\n",
               res->nrefused);
}

int main(int argc, char **argv)
{
    cxr_cli cli = {0};
    cxr_config *conf = NULL;
    cxr_error err = {0};
    cxr_sample_result res;
    cxr_progress_printer line;
    cxr_progress_sink progress;
    cxr_status st;
    /* libarchive gives each zip entry's DOS time to mktime(); with TZ unset,
     * glibc stats /etc/localtime on every call (4 per entry). The same zone,
     * named, is read once. */
    setenv("TZ", ":/etc/localtime", 0);
    st = cxr_cli_parse(&spec, argc, argv, &cli, NULL, NULL, &err);
    if (st == CXR_OK && !cli.exit_now)
        st = cxr_cli_load_config(&cli, &conf, &err);
    if (st == CXR_OK && !cli.exit_now) {
        progress = cxr_progress_printer_init(&line, cli.quiet);
        st = cxr_sample_run(conf, &progress, &res, &err);
        cxr_progress_printer_clear(&line);
        if (st == CXR_OK && !cli.quiet)
            report(&res);
    }
    cxr_config_free(conf);
    cxr_cli_release(&cli);
    return cxr_cli_finish(spec.prog, st, &err);
}
