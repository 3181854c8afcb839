/* runstate.c: reading and writing the driver's lock file with jansson. */
#include "runstate.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsutil.h"

struct cxr_runstate {
    json_t *root; /* {"version": 1, "steps": {name: {"inputs": {}, "outputs": {}}},
                      "file_hashes": {...}} */
    cxr_filehash *files;
};

cxr_status cxr_runstate_load(const char *path, cxr_runstate **out, cxr_error *err)
{
    cxr_runstate *state = calloc(1, sizeof(*state));
    json_error_t jerr;

    *out = NULL;
    if (!state)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (!cxr_is_file(path))
        state->root = json_pack("{s:i,s:{}}", "version", 1, "steps");
    else if (!(state->root = json_load_file(path, 0, &jerr)) ||
             !json_is_object(json_object_get(state->root, "steps"))) {
        cxr_runstate_free(state);
        return cxr_fail(err, CXR_ERR_INPUT,
                        "'%s' line %d: not a cxrprep lock file (%s); delete it to rebuild everything",
                        path, jerr.line, jerr.text);
    }
    {
        char *saved = json_dumps(json_object_get(state->root, "file_hashes"), JSON_ENCODE_ANY);
        state->files = cxr_filehash_new(saved);
        free(saved);
    }
    if (!state->files) {
        cxr_runstate_free(state);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    *out = state;
    return CXR_OK;
}

static void from_json(json_t *obj, cxr_fingerprints *fps)
{
    const char *key;
    json_t *value;

    fps->n = 0;
    fps->items = calloc(json_object_size(obj) + 1, sizeof(*fps->items));
    if (!fps->items)
        abort();
    json_object_foreach(obj, key, value) {
        fps->items[fps->n].name = cxr_strdup(key);
        fps->items[fps->n].hash = cxr_strdup(json_is_string(value) ? json_string_value(value) : "");
        fps->n++;
    }
}

static json_t *to_json(const cxr_fingerprints *fps)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < fps->n; i++)
        json_object_set_new(obj, fps->items[i].name, json_string(fps->items[i].hash));
    return obj;
}

int cxr_runstate_get(const cxr_runstate *state, const char *step,
                     cxr_fingerprints *inputs, cxr_fingerprints *outputs)
{
    json_t *rec = json_object_get(json_object_get(state->root, "steps"), step);
    if (!json_is_object(rec))
        return 0;
    from_json(json_object_get(rec, "inputs"), inputs);
    from_json(json_object_get(rec, "outputs"), outputs);
    return 1;
}

void cxr_runstate_put(cxr_runstate *state, const char *step,
                      const cxr_fingerprints *inputs, const cxr_fingerprints *outputs)
{
    json_object_set_new(json_object_get(state->root, "steps"), step,
                        json_pack("{s:o,s:o}", "inputs", to_json(inputs), "outputs",
                                  to_json(outputs)));
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
    cxr_status st;

    json_object_set_new(state->root, "file_hashes",
                        files ? json_loads(files, 0, NULL) : json_object());
    free(files);
    if ((st = cxr_atomic_open(&af, path, err)) != CXR_OK)
        return st;
    if (json_dumpf(state->root, af.fp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
        cxr_atomic_abort(&af);
        return cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", path);
    }
    fputc('\n', af.fp);
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
