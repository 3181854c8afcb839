/* runstate.h: the driver's lock file, <workdir>/cxrprep-run.lock (JSON):
 * for each step, the fingerprints of its inputs (taken before it ran) and
 * of its outputs (after); and the file hashes remembered by stat
 * (filehash.h). A step whose recorded inputs and outputs still match is up
 * to date. Running out of memory is CXR_ERR_NOMEM everywhere. */
#ifndef CXR_RUNSTATE_H
#define CXR_RUNSTATE_H

#include "error.h"
#include "steps.h"

typedef struct cxr_runstate cxr_runstate;

/* A missing file is an empty state; a malformed one is CXR_ERR_INPUT. */
cxr_status cxr_runstate_load(const char *path, cxr_runstate **out, cxr_error *err);
/* *found is 1 and 'inputs', 'outputs' are filled (copies, caller
 * releases) when 'step' is recorded; 0 otherwise. */
cxr_status cxr_runstate_get(const cxr_runstate *state, const char *step, int *found,
                            cxr_fingerprints *inputs, cxr_fingerprints *outputs,
                            cxr_error *err);
/* Records a step (copies the fingerprints). */
cxr_status cxr_runstate_put(cxr_runstate *state, const char *step,
                            const cxr_fingerprints *inputs, const cxr_fingerprints *outputs,
                            cxr_error *err);
void cxr_runstate_forget(cxr_runstate *state, const char *step);
/* The remembered file hashes (owned by the state; saved with it). */
cxr_filehash *cxr_runstate_filehash(cxr_runstate *state);
/* Writes atomically: CXR_ERR_IO when the file cannot be written. */
cxr_status cxr_runstate_save(const cxr_runstate *state, const char *path, cxr_error *err);
void cxr_runstate_free(cxr_runstate *state);

#endif
