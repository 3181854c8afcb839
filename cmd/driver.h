/* driver.h: `cxrprep run` and `cxrprep status`: the steps of steps.h in
 * order, each as its own executable, skipping those whose lock-file record
 * still matches. */
#ifndef CXR_DRIVER_H
#define CXR_DRIVER_H

#include <stddef.h>

typedef struct driver_opts {
    const char *config_path;
    const char **sets;    /* borrowed strings; array owned */
    size_t nsets;
    const char *from, *to;
    int force, dry_run, quiet;
    int status_only;      /* `cxrprep status` */
} driver_opts;

/* Returns the process exit code. */
int driver_run(const char *self, const driver_opts *opts);

/* Runs cxrprep-STAGE with argv (argv[0] is replaced); returns only on
 * failure, with an exit code. */
int driver_exec_stage(const char *self, const char *stage, char **argv);

#endif
