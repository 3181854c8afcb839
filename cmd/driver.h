/* driver.h: `cxrprep run` and `cxrprep status`: the steps of steps.h in
 * order, each as its own executable, skipping those whose lock-file record
 * still matches; and running one stage git-style. */
#ifndef CXR_DRIVER_H
#define CXR_DRIVER_H

#include <stddef.h>

#include "config.h"
#include "error.h"

typedef struct driver_opts {
    const char *config_path;  /* borrowed; passed on to every stage */
    const char **sets;        /* borrowed --set assignments, passed on */
    size_t nsets;
    const char *from, *to;    /* step names; NULL: first, last */
    int force, dry_run, quiet;
    int status_only;          /* `cxrprep status` */
} driver_opts;

/* Runs (or, with dry_run/status_only, plans) the steps on a validated
 * config (borrowed). A failing step's exit code comes back in *exit_code
 * with CXR_OK: the step printed its own message. With status_only,
 * *exit_code is 1 when a step is out of date. An error of the driver itself
 * (the lock file cannot be read or written, out of memory) is returned. */
cxr_status driver_run(const char *self, const cxr_config *conf, const driver_opts *opts,
                      int *exit_code, cxr_error *err);

/* Replaces the process with cxrprep-STAGE (beside this executable, else on
 * PATH) and argv (argv[0] is replaced); returns an exit code on failure. */
int driver_exec_stage(const char *self, const char *stage, char **argv);

/* Runs cxrprep-STAGE with argv and waits: its exit code, 128+signal if
 * killed, 126/127 if it could not start. */
int driver_spawn_stage(const char *self, const char *stage, char **argv);

#endif
