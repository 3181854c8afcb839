/* driver.c: `cxrprep run` and `cxrprep status`: the plan, the up-to-date
 * checks against the lock file, and running each step in turn. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "fsutil.h"
#include "runstate.h"
#include "workdir.h"
#include "steps.h"

typedef struct plan {
    const driver_opts *opts;
    const cxr_config *conf;
    cxr_runstate *state;
    cxr_filehash *files;  /* owned by state */
    char *lock_path;
    int first, last;      /* step range */
} plan;

static cxr_status load_plan(plan *p, const cxr_config *conf, const driver_opts *opts,
                            cxr_error *err)
{
    memset(p, 0, sizeof(*p));
    p->opts = opts;
    p->conf = conf;
    p->first = opts->from ? cxr_step_find(opts->from) : 0;
    p->last = opts->to ? cxr_step_find(opts->to) : (int)cxr_nsteps - 1;
    if (p->first < 0 || p->last < 0)
        return cxr_fail(err, CXR_ERR_USAGE,
                        "unknown step '%s' (steps: fetch, select, images, sample, layout, score)",
                        p->first < 0 ? opts->from : opts->to);
    if (p->first > p->last)
        return cxr_fail(err, CXR_ERR_USAGE, "--from '%s' comes after --to '%s': no step to run",
                        opts->from, opts->to);
    p->lock_path = cxr_path_join(cxr_config_str(conf, "workdir"), "cxrprep-run.lock");
    if (cxr_runstate_load(p->lock_path, &p->state, err) != CXR_OK)
        return err->status;
    p->files = cxr_runstate_filehash(p->state);
    return CXR_OK;
}

static void release_plan(plan *p)
{
    cxr_runstate_free(p->state);
    free(p->lock_path);
}

/* NULL when the step's record matches, else why it must run. */
static const char *why_run(plan *p, const cxr_step *step, const cxr_fingerprints *inputs,
                           char *buf, size_t size)
{
    cxr_fingerprints then_in, then_out, now_out;
    const char *why;

    if (!cxr_runstate_get(p->state, step->name, &then_in, &then_out)) {
        snprintf(buf, size, "never run");
        return buf;
    }
    why = cxr_fingerprints_diff(&then_in, inputs, buf, size);
    if (!why) {
        cxr_step_outputs(p->conf, step, p->files, &now_out);
        why = cxr_fingerprints_diff(&then_out, &now_out, buf, size);
        if (why) {
            char tmp[1024];
            snprintf(tmp, sizeof(tmp), "output %s", buf);
            snprintf(buf, size, "%s", tmp);
        }
        cxr_fingerprints_release(&now_out);
    }
    cxr_fingerprints_release(&then_in);
    cxr_fingerprints_release(&then_out);
    return why;
}

/* Rows of a CSV file (lines less the header), or -1 when unreadable. */
static long csv_rows(const char *path)
{
    FILE *f = fopen(path, "rb");
    long lines = 0;
    int c, last = '\n';

    if (!f)
        return -1;
    while ((c = getc(f)) != EOF) {
        lines += c == '\n';
        last = c;
    }
    fclose(f);
    return lines + (last != '\n') - 1;
}

/* For the plan: how many rows the manifests a step reads hold now. */
static void print_input_counts(const plan *p, const cxr_step *step)
{
    const char *url = cxr_config_str(p->conf, "sources.metadata.url");
    char *meta = NULL;

    if (step->reads_metadata && url &&
        cxr_source_local_path(p->conf, url, NULL, &meta, NULL) == CXR_OK && csv_rows(meta) >= 0)
        printf("%9s reads %s: %ld rows\n", "", meta, csv_rows(meta));
    free(meta);
    for (const char *const *r = step->reads; *r; r++) {
        char *dir = cxr_stage_path(p->conf, *r, NULL);
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 4 || strcmp(e->d_name + n - 4, ".csv") != 0)
                continue;
            char *path = cxr_path_join(dir, e->d_name);
            printf("%9s reads %s: %ld rows\n", "", path, csv_rows(path));
            free(path);
        }
        if (d)
            closedir(d);
        free(dir);
    }
}

static char **stage_argv(const plan *p, const cxr_step *step)
{
    size_t n = 0, cap = 8 + 2 * p->opts->nsets;
    char **argv = calloc(cap + 4, sizeof(*argv));

    if (!argv)
        abort();
    argv[n++] = (char *)step->stage;
    argv[n++] = "--config";
    argv[n++] = (char *)p->opts->config_path;
    for (size_t i = 0; i < p->opts->nsets; i++) {
        argv[n++] = "--set";
        argv[n++] = (char *)p->opts->sets[i];
    }
    for (const char *const *a = step->args; *a; a++)
        argv[n++] = (char *)*a;
    if (p->opts->quiet)
        argv[n++] = "--quiet";
    return argv;
}

/* Runs one step; 0 or the step's exit code. */
static int run_step(plan *p, const char *self, const cxr_step *step,
                    const cxr_fingerprints *inputs, cxr_error *err)
{
    char **argv = stage_argv(p, step);
    cxr_fingerprints outputs;
    int rc;

    rc = driver_spawn_stage(self, step->stage, argv);
    free(argv);
    if (rc != 0) {
        cxr_runstate_forget(p->state, step->name);
        cxr_runstate_save(p->state, p->lock_path, err);
        fprintf(stderr, "cxrprep: step '%s' failed (exit %d); later steps not run\n", step->name, rc);
        return rc;
    }
    cxr_step_outputs(p->conf, step, p->files, &outputs);
    cxr_runstate_put(p->state, step->name, inputs, &outputs);
    cxr_fingerprints_release(&outputs);
    if (cxr_runstate_save(p->state, p->lock_path, err) != CXR_OK) {
        fprintf(stderr, "cxrprep: %s\n", err->msg);
        return cxr_exit_code(err->status);
    }
    return 0;
}

static int walk_steps(plan *p, const char *self, cxr_error *err)
{
    const driver_opts *o = p->opts;
    int pending = 0; /* an earlier step would run (dry run, status) */

    for (int i = p->first; i <= p->last; i++) {
        const cxr_step *step = &cxr_steps[i];
        cxr_fingerprints inputs;
        char buf[1024];
        const char *why;
        int rc = 0;

        if (step->requires && !cxr_config_str(p->conf, step->requires)) {
            if (!o->quiet)
                printf("%-7s skipped: '%s' is not set\n", step->name, step->requires);
            continue;
        }
        cxr_step_inputs(p->conf, step, p->files, &inputs); /* before running, not after */
        why = o->force ? "forced" : why_run(p, step, &inputs, buf, sizeof(buf));
        if (!why && pending && (o->dry_run || o->status_only))
            why = "an earlier step will change its inputs";
        if (!why) {
            if (!o->quiet)
                printf("%-7s up to date\n", step->name);
        } else if (o->dry_run || o->status_only) {
            printf("%-7s %s: %s\n", step->name, o->status_only ? "out of date" : "would run", why);
            if (o->dry_run)
                print_input_counts(p, step);
            pending = 1;
        } else {
            if (!o->quiet)
                printf("%-7s running (%s)\n", step->name, why);
            fflush(stdout);
            rc = run_step(p, self, step, &inputs, err);
        }
        cxr_fingerprints_release(&inputs);
        if (rc != 0)
            return rc;
    }
    return 0;
}

cxr_status driver_run(const char *self, const cxr_config *conf, const driver_opts *opts,
                      int *exit_code, cxr_error *err)
{
    plan p;
    cxr_status st = load_plan(&p, conf, opts, err);

    *exit_code = 0;
    if (st == CXR_OK)
        *exit_code = walk_steps(&p, self, err);
    if (st == CXR_OK && *exit_code == 0 && !opts->quiet && !opts->dry_run && !opts->status_only)
        printf("done: manifests in %s/manifests, lock file %s\n",
               cxr_config_str(conf, "workdir"), p.lock_path);
    release_plan(&p);
    return st;
}
