/* layout_main.c: cxrprep-layout, the stage that builds the training and
 * validation trees (pipeline/layout.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "layout.h"
#include "malloc_policy.h"
#include "progress_line.h"

enum { OPT_FORCE = 1, OPT_GC };

typedef struct layout_opts {
    int force, gc;
} layout_opts;

static const cxr_cli_option options[] = {
    {"force", NULL, OPT_FORCE, "rebuild the trees even when nothing changed"},
    {"gc", NULL, OPT_GC, "then remove from the store what the trees do not hold"},
    {NULL, NULL, 0, NULL},
};

static const cxr_cli_spec spec = {
    "cxrprep-layout",
    "build the training and validation trees from the covid and sample manifests",
    "  cxrprep-layout --config config/covid19xray.yaml\n"
    "  cxrprep-layout --config config/demo.yaml --set layout.images=png --force\n"
    "  cxrprep-layout --config config/covid19xray.yaml --gc\n",
    options, 1, NULL};

static cxr_status on_option(void *opts, int id, const char *value, cxr_error *err)
{
    layout_opts *o = opts;
    (void)value;
    (void)err;
    if (id == OPT_FORCE)
        o->force = 1;
    else if (id == OPT_GC)
        o->gc = 1;
    return CXR_OK;
}

static void report(const cxr_layout_result *res)
{
    if (res->up_to_date)
        printf("layout: up to date (%zu files)\n", res->nfiles);
    else
        printf("layout: %zu files (%zu hard links), %zu missing, %zu quarantined, %zu images "
               "verified by an earlier run\n", res->nfiles, res->nlinked, res->nmissing,
               res->nquarantined, res->nverified_before);
    if (!res->up_to_date)
        printf("layout: %zu hard links, %zu reflinks, %zu symbolic links, %zu copies; %zu new "
               "objects in the store, %zu images not read again (in the store)\n",
               res->nlinked, res->nreflinked, res->nsymlinked, res->ncopied, res->nstored,
               res->nunread);
    if (!res->up_to_date && res->nreplacements)
        printf("layout: %zu sample images taken from beyond their nominal draws, in place of "
               "ones left out (quarantine.csv says why)\n", res->nreplacements);
    printf("layout: tree sha256 %s\n", res->tree_digest);
}

static void report_gc(const cxr_layout_gc_result *gc)
{
    printf("layout: gc: %zu objects kept, %zu removed (%.1f MB freed), %zu temporary files "
           "removed, %zu index rows dropped\n", gc->nkept, gc->nremoved,
           (double)gc->bytes_freed / 1e6, gc->ntemporary, gc->nindex_dropped);
}

int main(int argc, char **argv)
{
    cxr_cli cli = {0};
    cxr_config *conf = NULL;
    cxr_error err = {0};
    cxr_layout_result res;
    cxr_layout_gc_result gc;
    cxr_progress_printer line;
    cxr_progress_sink progress;
    layout_opts opts = {0, 0};
    cxr_status st;
    /* libarchive gives each zip entry's DOS time to mktime(); with TZ unset,
     * glibc stats /etc/localtime on every call (4 per entry). The same zone,
     * named, is read once. */
    setenv("TZ", ":/etc/localtime", 0);
    cxr_malloc_keep_large();
    st = cxr_cli_parse(&spec, argc, argv, &cli, on_option, &opts, &err);
    if (st == CXR_OK && !cli.exit_now)
        st = cxr_cli_load_config(&cli, &conf, &err);
    if (st == CXR_OK && !cli.exit_now) {
        progress = cxr_progress_printer_init(&line, cli.quiet);
        st = cxr_layout_run(conf, opts.force, &progress, &res, &err);
        cxr_progress_printer_clear(&line);
        if (st == CXR_OK && !cli.quiet)
            report(&res);
        if (st == CXR_OK && res.state_unsaved[0]) /* a warning, even with --quiet */
            fprintf(stderr, "%s: warning: cache/layout.state not saved (%s): the next run "
                    "rebuilds the trees\n", spec.prog, res.state_unsaved);
        if (st == CXR_OK && opts.gc &&
            (st = cxr_layout_gc(conf, res.tree_digest, &gc, &err)) == CXR_OK && !cli.quiet)
            report_gc(&gc);
    }
    cxr_config_free(conf);
    cxr_cli_release(&cli);
    return cxr_cli_finish(spec.prog, st, &err);
}
