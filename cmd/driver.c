/* driver.c: `cxrprep run` and `cxrprep status`: the plan, the up-to-date
 * checks against the lock file, and running each step in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "fsutil.h"
#include "runstate.h"
#include "steps.h"

typedef struct plan {
    const driver_opts *opts;
    const cxr_config *conf;
    cxr_run_settings settings;
    cxr_runstate *state;
    cxr_filehash *files;  /* owned by state */
    char *lock_path;
    int first, last;      /* step range */
    unsigned pending;     /* bit i: step i would run (dry run, status) */
} plan;

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

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
    if (cxr_run_settings_read(conf, &p->settings, err) != CXR_OK)
        return err->status;
    p->lock_path = cxr_path_join(p->settings.common.workdir, "cxrprep-run.lock");
    if (!p->lock_path)
        return nomem(err);
    if (cxr_runstate_load(p->lock_path, &p->state, err) != CXR_OK)
        return err->status;
    p->files = cxr_runstate_filehash(p->state);
    return CXR_OK;
}

static void release_plan(plan *p)
{
    cxr_runstate_free(p->state);
    cxr_run_settings_release(&p->settings);
    free(p->lock_path);
}

/* *why: NULL when the step's record matches, else why it must run (in
 * 'buf' or a literal). */
static cxr_status why_run(plan *p, const cxr_step *step, const cxr_fingerprints *inputs,
                          char *buf, size_t size, const char **why, cxr_error *err)
{
    cxr_fingerprints then_in, then_out, now_out;
    cxr_status st;
    int found;

    *why = NULL;
    st = cxr_runstate_get(p->state, step->name, &found, &then_in, &then_out, err);
    if (st != CXR_OK || !found) {
        *why = "never run";
        return st;
    }
    *why = cxr_fingerprints_diff(&then_in, inputs, buf, size);
    if (!*why &&
        (st = cxr_step_outputs(p->conf, &p->settings, step, p->files, &now_out, err)) == CXR_OK) {
        char tmp[1024];
        if ((*why = cxr_fingerprints_diff(&then_out, &now_out, tmp, sizeof(tmp))) != NULL) {
            snprintf(buf, size, "output %s", tmp);
            *why = buf;
        }
        cxr_fingerprints_release(&now_out);
    }
    cxr_fingerprints_release(&then_in);
    cxr_fingerprints_release(&then_out);
    return st;
}

/* The step before 'index' that would run first and writes manifests/<stage>
 * (the plan), or NULL. */
static const char *pending_writer(const plan *p, int index, const char *stage)
{
    for (int j = index - 1; j >= 0; j--)
        if ((p->pending >> j & 1u) && !strcmp(cxr_steps[j].stage, stage))
            return cxr_steps[j].name;
    return NULL;
}

/* One line of the plan: what the step would read, and how many rows. */
static void print_read(const plan *p, int index, const cxr_step_read *r)
{
    const char *writer = r->stage ? pending_writer(p, index, r->stage) : NULL;
    const char *what = !strcmp(r->kind, "archive") ? "the archive "
                       : !strcmp(r->kind, "model") ? "the model "
                       : !strcmp(r->kind, "images") ? "the images in " : "";

    printf("%9s reads %s%s", "", what, r->path);
    if (r->note)
        printf(": %s", r->note);
    else if (r->rows >= 0)
        printf(": %lld %s", r->rows, !strcmp(r->kind, "images") ? "files" : "rows");
    if (writer)
        printf(r->note ? " (step '%s' runs first)" : " now (step '%s' runs first and rewrites it)",
               writer);
    putchar('\n');
}

static cxr_status print_reads(const plan *p, int index, cxr_error *err)
{
    cxr_step_reads reads;

    if (cxr_step_reads_list(p->conf, &p->settings, &cxr_steps[index], &reads, err) != CXR_OK)
        return err->status;
    for (size_t i = 0; i < reads.n; i++)
        print_read(p, index, &reads.items[i]);
    cxr_step_reads_release(&reads);
    return CXR_OK;
}

/* cxrprep-STAGE's arguments (argv[0] left for the spawner); NULL when out
 * of memory. */
static char **stage_argv(const plan *p, const cxr_step *step)
{
    size_t n = 0, cap = 8 + 2 * p->opts->nsets;
    char **argv = calloc(cap + 4, sizeof(*argv));

    if (!argv)
        return NULL;
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

/* Runs one step and records it. A failing step's exit code comes back in
 * *exit_code (it printed its own message); the lock file then forgets the
 * step, and a failure to write it is reported beside. */
static cxr_status run_step(plan *p, const char *self, const cxr_step *step,
                           const cxr_fingerprints *inputs, int *exit_code, cxr_error *err)
{
    char **argv = stage_argv(p, step);
    cxr_fingerprints outputs;
    cxr_error lock_err = {0};
    cxr_status st;
    int rc;

    if (!argv)
        return nomem(err);
    rc = driver_spawn_stage(self, step->stage, argv);
    free(argv);
    if (rc != 0) {
        fprintf(stderr, "cxrprep: step '%s' failed (exit %d); later steps not run\n", step->name, rc);
        *exit_code = rc;
        cxr_runstate_forget(p->state, step->name);
        if (cxr_runstate_save(p->state, p->lock_path, &lock_err) != CXR_OK)
            fprintf(stderr, "cxrprep: %s\n", lock_err.msg);
        return CXR_OK;
    }
    st = cxr_step_outputs(p->conf, &p->settings, step, p->files, &outputs, err);
    if (st != CXR_OK)
        return st;
    st = cxr_runstate_put(p->state, step->name, inputs, &outputs, err);
    cxr_fingerprints_release(&outputs);
    return st == CXR_OK ? cxr_runstate_save(p->state, p->lock_path, err) : st;
}

/* Says what step 'index' would do (dry run, status) and lists what it
 * would read (dry run). */
static cxr_status plan_step(plan *p, int index, const char *why, cxr_error *err)
{
    const driver_opts *o = p->opts;

    printf("%-7s %s: %s\n", cxr_steps[index].name, o->status_only ? "out of date" : "would run",
           why);
    p->pending |= 1u << index;
    return o->dry_run ? print_reads(p, index, err) : CXR_OK;
}

/* Plans (dry run, status) or runs step 'index'. */
static cxr_status visit_step(plan *p, const char *self, int index, int *exit_code,
                             cxr_error *err)
{
    const cxr_step *step = &cxr_steps[index];
    const driver_opts *o = p->opts;
    const char *unmet = cxr_step_unmet(step, &p->settings), *why = "forced";
    int planning = o->dry_run || o->status_only;
    cxr_fingerprints inputs;
    char buf[1024];
    cxr_status st;

    if (unmet) {
        if (!o->quiet)
            printf("%-7s skipped: '%s' is not set\n", step->name, unmet);
        return CXR_OK;
    }
    /* before running, not after */
    if ((st = cxr_step_inputs(p->conf, &p->settings, step, p->files, &inputs, err)) != CXR_OK)
        return st;
    if (!o->force)
        st = why_run(p, step, &inputs, buf, sizeof(buf), &why, err);
    if (st == CXR_OK && !why && p->pending && planning)
        why = "an earlier step will change its inputs";
    if (st != CXR_OK)
        ;
    else if (!why) {
        if (!o->quiet)
            printf("%-7s up to date\n", step->name);
    } else if (planning)
        st = plan_step(p, index, why, err);
    else {
        if (!o->quiet)
            printf("%-7s running (%s)\n", step->name, why);
        fflush(stdout);
        st = run_step(p, self, step, &inputs, exit_code, err);
    }
    cxr_fingerprints_release(&inputs);
    return st;
}

cxr_status driver_run(const char *self, const cxr_config *conf, const driver_opts *opts,
                      int *exit_code, cxr_error *err)
{
    plan p;
    cxr_status st = load_plan(&p, conf, opts, err);

    *exit_code = 0;
    for (int i = p.first; st == CXR_OK && *exit_code == 0 && i <= p.last; i++)
        st = visit_step(&p, self, i, exit_code, err);
    if (st == CXR_OK && opts->status_only && p.pending)
        *exit_code = 1; /* like `git diff --exit-code` */
    if (st == CXR_OK && *exit_code == 0 && !opts->quiet && !opts->dry_run && !opts->status_only)
        printf("done: manifests in %s/manifests, lock file %s\n", p.settings.common.workdir,
               p.lock_path);
    release_plan(&p);
    return st;
}
