/* config.h: the YAML config every stage shares, checked strictly against one
 * schema (config_schema.c, where every key and default is documented).
 *
 * Lifecycle:
 *     cxr_config *conf;
 *     cxr_config_load("config/covid19xray.yaml", &conf, &err);
 *     cxr_config_set(conf, "seed=7", &err);        // once per --set
 *     cxr_config_validate(conf, &err);             // unknown keys, types, required
 *     seed = cxr_config_int(conf, "seed");         // typed getters, defaults applied
 *     cxr_config_free(conf);
 *
 * Paths use dots; items of a list of maps are addressed by index
 * ("sample.draws.0.name"); the schema writes them "sample.draws[].name".
 * Getters may only be called after a successful validate, with a path the
 * schema knows; they never fail. Relative paths in a config are taken from
 * the directory the command runs in (as make does). A config may be shared
 * by threads once validated (getters only read). */
#ifndef CXR_CONFIG_H
#define CXR_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "hash.h"

typedef struct cxr_config cxr_config;

cxr_status cxr_config_load(const char *path, cxr_config **out, cxr_error *err);
/* Parses YAML text (for tests and embedded configs); 'name' appears in
 * messages in place of a file name. */
cxr_status cxr_config_load_string(const char *text, const char *name,
                                  cxr_config **out, cxr_error *err);
/* Applies "key.path=value"; the value is YAML ("7", "[PA, AP]", "true"), so
 * it is typed and checked like the file. Intermediate maps are created. */
cxr_status cxr_config_set(cxr_config *conf, const char *assignment, cxr_error *err);
/* Checks the whole tree: unknown keys, wrong types, missing required keys,
 * values outside their choices. Errors name file:line:column and the path. */
cxr_status cxr_config_validate(cxr_config *conf, cxr_error *err);
void cxr_config_free(cxr_config *conf); /* NULL is a no-op */

/* The file the config came from (or the name given to load_string). */
const char *cxr_config_file(const cxr_config *conf);

/* Typed getters (after validate). A key absent from the file yields its
 * schema default; with no default: NULL, 0, 0.0 or 0. */
const char *cxr_config_str(const cxr_config *conf, const char *path);
long long cxr_config_int(const cxr_config *conf, const char *path);
double cxr_config_float(const cxr_config *conf, const char *path);
int cxr_config_bool(const cxr_config *conf, const char *path);
/* 1 if the key was given in the file or by --set. */
int cxr_config_has(const cxr_config *conf, const char *path);
/* Length of a list (of strings or of maps); 0 when absent. */
size_t cxr_config_len(const cxr_config *conf, const char *path);
/* Item i of a list of strings. */
const char *cxr_config_list_str(const cxr_config *conf, const char *path, size_t i);

/* SHA-256 over a canonical form of the effective config (defaults applied,
 * keys sorted) of one top-level section, or of everything when 'section' is
 * NULL. Stages record it in their summaries; the driver compares it.
 * CXR_OK, or CXR_ERR_NOMEM (hex is then empty). */
cxr_status cxr_config_hash(const cxr_config *conf, const char *section,
                           char hex[CXR_SHA256_HEX]);

/* Writes the effective config as YAML (defaults filled in). */
cxr_status cxr_config_dump(const cxr_config *conf, FILE *out, cxr_error *err);

/* --- the schema (config_schema.c) --- */
typedef enum cxr_type {
    CXR_T_MAP,      /* a section with the keys listed under it */
    CXR_T_STR,
    CXR_T_INT,      /* integer, checked against [min, max] */
    CXR_T_SIZE,     /* bytes: integer with optional K, M, G, KiB, MiB, GiB */
    CXR_T_FLOAT,
    CXR_T_BOOL,     /* true / false */
    CXR_T_ENUM,     /* one of 'choices' ("a|b|c") */
    CXR_T_DATE,     /* YYYY-MM-DD */
    CXR_T_STRLIST,  /* list of strings (a single string is accepted as one) */
    CXR_T_MAPLIST   /* list of maps whose keys are "path[].key" entries */
} cxr_type;

typedef struct cxr_schema_key {
    const char *path;     /* "select.holdout.date_from", "sample.draws[].name" */
    cxr_type type;
    int required;         /* required whenever its parent map is present */
    const char *def;      /* default, as YAML text; NULL: none */
    const char *choices;  /* CXR_T_ENUM: "dates|files|none" */
    long long min, max;   /* CXR_T_INT / CXR_T_SIZE / CXR_T_FLOAT bounds (0, 0: unbounded) */
    const char *doc;      /* one line for the reference */
} cxr_schema_key;

/* The schema table, terminated by an entry with path == NULL. */
extern const cxr_schema_key cxr_config_schema[];

#endif
