/* runstate.c: reading and writing the driver's lock file with jansson. */
#include "runstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsutil.h"
#include "jsontext.h"

struct cxr_runstate {
    json_t *root; /* {"version": 1, "steps": {name: {"inputs": {}, "outputs": {}}},
                      "file_hashes": {...}} */
    cxr_filehash *files;
};

static cxr_status nomem(cxr_error *err)
{
    return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* jansson reports some allocation failures inside its parser as syntax
 * errors, or as no error at all. The same bytes parse the same way unless
 * memory ran out, so a second parse tells the two apart: 1 when the failure
 * in 'first' was memory (*root: the second parse, when it worked). */
static int failed_for_memory(const char *path, const json_error_t *first, json_t **root)
{
    json_error_t again;

    if (!first->text[0] || json_error_code(first) == json_error_out_of_memory)
        return 1;
    *root = json_load_file(path, 0, &again);
    return *root || again.position != first->position || strcmp(again.text, first->text);
}

static cxr_status parse(cxr_runstate *state, const char *path, cxr_error *err)
{
    json_error_t jerr;

    if (!cxr_is_file(path)) {
        state->root = json_pack("{s:i,s:{}}", "version", 1, "steps");
        return state->root ? CXR_OK : nomem(err);
    }
    if (!(state->root = json_load_file(path, 0, &jerr))) {
        if (!failed_for_memory(path, &jerr, &state->root))
            return cxr_fail(err, CXR_ERR_INPUT,
                            "'%s' line %d: not a cxrprep lock file (%s); delete it to rebuild everything",
                            path, jerr.line, jerr.text);
        if (!state->root)
            return nomem(err);
    }
    if (!json_is_object(json_object_get(state->root, "steps")))
        return cxr_fail(err, CXR_ERR_INPUT,
                        "'%s': not a cxrprep lock file (no \"steps\" object); delete it to rebuild everything",
                        path);
    return CXR_OK;
}

cxr_status cxr_runstate_load(const char *path, cxr_runstate **out, cxr_error *err)
{
    cxr_runstate *state = calloc(1, sizeof(*state));
    cxr_status rc;

    *out = NULL;
    if (!state)
        return nomem(err);
    rc = parse(state, path, err);
    if (rc == CXR_OK) {
        /* NULL (none saved, or no memory to copy it) only costs rehashing */
        char *saved = cxr_json_text(json_object_get(state->root, "file_hashes"), JSON_ENCODE_ANY);
        state->files = cxr_filehash_new(saved);
        free(saved);
        rc = state->files ? CXR_OK : nomem(err);
    }
    if (rc != CXR_OK) {
        cxr_runstate_free(state);
        return rc;
    }
    *out = state;
    return CXR_OK;
}

static cxr_status from_json(json_t *obj, cxr_fingerprints *fps, cxr_error *err)
{
    const char *key;
    json_t *value;

    memset(fps, 0, sizeof(*fps));
    json_object_foreach(obj, key, value) {
        const char *hash = json_is_string(value) ? json_string_value(value) : "";
        if (cxr_fingerprints_add(fps, key, hash, err) != CXR_OK) {
            cxr_fingerprints_release(fps);
            return err->status;
        }
    }
    return CXR_OK;
}

static json_t *to_json(const cxr_fingerprints *fps)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < fps->n; i++)
        if (json_object_set_new(obj, fps->items[i].name, json_string(fps->items[i].hash)) != 0) {
            json_decref(obj);
            return NULL;
        }
    return obj;
}

cxr_status cxr_runstate_get(const cxr_runstate *state, const char *step, int *found,
                            cxr_fingerprints *inputs, cxr_fingerprints *outputs,
                            cxr_error *err)
{
    json_t *rec = json_object_get(json_object_get(state->root, "steps"), step);

    *found = json_is_object(rec);
    if (!*found)
        return CXR_OK;
    if (from_json(json_object_get(rec, "inputs"), inputs, err) != CXR_OK)
        return err->status;
    if (from_json(json_object_get(rec, "outputs"), outputs, err) != CXR_OK) {
        cxr_fingerprints_release(inputs);
        return err->status;
    }
    return CXR_OK;
}

cxr_status cxr_runstate_put(cxr_runstate *state, const char *step,
                            const cxr_fingerprints *inputs, const cxr_fingerprints *outputs,
                            cxr_error *err)
{
    json_t *in = to_json(inputs), *out = to_json(outputs);
    json_t *rec = in && out ? json_pack("{s:O,s:O}", "inputs", in, "outputs", out) : NULL;
    int failed = !rec || json_object_set_new(json_object_get(state->root, "steps"), step, rec);

    json_decref(in);
    json_decref(out);
    return failed ? nomem(err) : CXR_OK;
}

void cxr_runstate_forget(cxr_runstate *state, const char *step)
{
    json_object_del(json_object_get(state->root, "steps"), step);
}

cxr_filehash *cxr_runstate_filehash(cxr_runstate *state)
{
    return state->files;
}

cxr_status cxr_runstate_save(const cxr_runstate *state, const char *path, cxr_error *err)
{
    cxr_atomic_file af;
    char *files = cxr_filehash_save(state->files);
    json_t *hashes = files ? json_loads(files, 0, NULL) : NULL;
    cxr_status st;

    free(files);
    if (!hashes || json_object_set_new(state->root, "file_hashes", hashes) != 0)
        return nomem(err);
    if ((st = cxr_atomic_open(&af, path, err)) != CXR_OK)
        return st;
    errno = 0;
    if (json_dumpf(state->root, af.fp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ||
        fputc('\n', af.fp) == EOF) {
        int saved = errno;
        cxr_atomic_abort(&af);
        if (saved == ENOMEM)
            return nomem(err);
        return cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", path);
    }
    return cxr_atomic_commit(&af, err);
}

void cxr_runstate_free(cxr_runstate *state)
{
    if (!state)
        return;
    json_decref(state->root);
    cxr_filehash_free(state->files);
    free(state);
}
