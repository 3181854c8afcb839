/* config_fuzz.c: libFuzzer target for the YAML config (pipeline/config/
 * config.h). The input is YAML text, then any number of '--set' assignments,
 * each after a NUL byte: "version: 1\n...\0seed=7\0select.filters.view=[PA]".
 * Loading, the overrides and validation must succeed or fail with a message.
 * A valid config is read through every getter of the schema and the shared
 * settings, hashed, and printed as --print-config does; the printed config
 * must load and validate again, to the same hash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_util.h"
#include "settings.h"

#define MAX_SETS 16

/* Calls the getter of every key the schema has outside lists of maps. */
static void read_every_key(const cxr_config *conf)
{
    size_t sum = 0;

    for (const cxr_schema_key *k = cxr_config_schema; k->path; k++) {
        if (strstr(k->path, "[]"))
            continue;
        sum += (size_t)cxr_config_has(conf, k->path);
        switch (k->type) {
        case CXR_T_STR:
        case CXR_T_ENUM:
        case CXR_T_DATE: {
            const char *s = cxr_config_str(conf, k->path);
            sum += s ? strlen(s) : 0;
            break;
        }
        case CXR_T_INT:
        case CXR_T_SIZE:
            sum += (size_t)cxr_config_int(conf, k->path);
            break;
        case CXR_T_FLOAT:
            sum += cxr_config_float(conf, k->path) > 0;
            break;
        case CXR_T_BOOL:
            sum += (size_t)cxr_config_bool(conf, k->path);
            break;
        case CXR_T_STRLIST:
            for (size_t i = 0, n = cxr_config_len(conf, k->path); i < n; i++) {
                const char *s = cxr_config_list_str(conf, k->path, i);
                FUZZ_CHECK(s != NULL);
                sum += strlen(s);
            }
            break;
        case CXR_T_MAPLIST:
            sum += cxr_config_len(conf, k->path);
            break;
        case CXR_T_MAP:
            break;
        }
    }
    (void)sum;
}

/* The config as --print-config writes it (malloc'd); NULL when it fails. */
static char *dump(const cxr_config *conf)
{
    char *text = NULL;
    size_t len = 0;
    cxr_error err;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return NULL;
    cxr_status st = cxr_config_dump(conf, f, &err);
    if (fclose(f) != 0 || st != CXR_OK) {
        free(text);
        return NULL;
    }
    return text;
}

/* A validated config printed and read back is the same config. */
static void check_round_trip(const cxr_config *conf)
{
    char hash[CXR_SHA256_HEX], again_hash[CXR_SHA256_HEX];
    char *text = dump(conf);
    cxr_config *again = NULL;
    cxr_error err;

    if (!text)
        return;
    cxr_config_hash(conf, NULL, hash);
    if (cxr_config_load_string(text, "printed.yaml", &again, &err) != CXR_OK ||
        cxr_config_validate(again, &err) != CXR_OK) {
        fprintf(stderr, "the printed config does not load: %s\n--- printed:\n%s---\n",
                err.msg, text);
        FUZZ_CHECK(!"the printed config loads and validates");
    }
    cxr_config_hash(again, NULL, again_hash);
    if (strcmp(hash, again_hash) != 0) {
        fprintf(stderr, "--- printed:\n%s---\n", text);
        FUZZ_CHECK(!"the printed config has the hash of the config printed");
    }
    cxr_config_free(again);
    free(text);
}

static void use_valid(const cxr_config *conf)
{
    static const char *const sections[] = {"sources", "select", "fetch", "sample",
                                           "layout", "score", "nosuchsection"};
    char hex[CXR_SHA256_HEX];
    cxr_common_settings common;

    read_every_key(conf);
    cxr_common_settings_read(conf, &common);
    FUZZ_CHECK(common.workdir != NULL && common.metadata.url != NULL);
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        cxr_config_hash(conf, sections[i], hex);
    check_round_trip(conf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size;
    const uint8_t *nul = memchr(data, '\0', size);
    char *yaml = fuzz_strndup(data, nul ? (size_t)(nul - data) : size);
    cxr_config *conf = NULL;
    cxr_error err;
    cxr_status st;

    if (!yaml)
        return 0;
    cxr_error_clear(&err);
    st = cxr_config_load_string(yaml, "fuzz.yaml", &conf, &err);
    free(yaml);
    /* each NUL-terminated piece after the YAML is one --set */
    for (int n = 0; st == CXR_OK && nul && n < MAX_SETS; n++) {
        const uint8_t *from = nul + 1;
        nul = memchr(from, '\0', (size_t)(end - from));
        char *set = fuzz_strndup(from, nul ? (size_t)(nul - from) : (size_t)(end - from));
        if (!set)
            break;
        st = cxr_config_set(conf, set, &err);
        free(set);
    }
    if (st == CXR_OK)
        st = cxr_config_validate(conf, &err);
    if (st == CXR_OK)
        use_valid(conf);
    else
        FUZZ_CHECK(err.status == st && err.msg[0] != '\0');
    cxr_config_free(conf);
    return 0;
}
