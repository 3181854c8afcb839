/* config.c: the public config API: loading, --set overrides, typed getters,
 * the canonical hash and the dump. Parsing is in config_yaml.c, the schema
 * check in config_check.c, the tree they share in config_node.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config_tree.h"
#include "fsutil.h"
#include "jsontext.h"

/* --- loading and overrides --- */

cxr_status cxr_config_load_string(const char *text, const char *name,
                                  cxr_config **out, cxr_error *err)
{
    cxr_config *conf = calloc(1, sizeof(*conf));
    cxr_status st;

    *out = NULL;
    if (!conf)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (!(conf->file = strdup(name))) {
        free(conf);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    st = cxr_cfg_parse_yaml(conf, text, strlen(text), name, &conf->root, err);
    if (st == CXR_OK && (!conf->root || conf->root->kind != NODE_MAP))
        st = cxr_fail(err, CXR_ERR_CONFIG, "%s: the config must be a YAML mapping of keys", name);
    if (st != CXR_OK) {
        cxr_config_free(conf);
        return st;
    }
    *out = conf;
    return CXR_OK;
}

cxr_status cxr_config_load(const char *path, cxr_config **out, cxr_error *err)
{
    unsigned char *text;
    size_t len;
    cxr_status st;

    *out = NULL;
    st = cxr_read_file(path, &text, &len, err);
    if (st == CXR_ERR_NOMEM || (st != CXR_OK && errno == ENOMEM))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (st != CXR_OK)
        return cxr_fail(err, CXR_ERR_CONFIG, "cannot read config '%s': %s", path,
                        strerror(errno ? errno : ENOENT));
    if (strlen((char *)text) != len)
        st = cxr_fail(err, CXR_ERR_CONFIG, "config '%s' contains a NUL byte", path);
    else
        st = cxr_config_load_string((char *)text, path, out, err);
    free(text);
    return st;
}

/* Splits "a.b.c=value" and checks the key's shape. */
static cxr_status split_assignment(const char *assignment, char **key, const char **value,
                                   cxr_error *err)
{
    const char *eq = strchr(assignment, '=');
    size_t klen = eq ? (size_t)(eq - assignment) : 0;

    if (!eq || klen == 0)
        return cxr_fail(err, CXR_ERR_USAGE, "--set '%s': expected KEY.PATH=VALUE", assignment);
    *key = malloc(klen + 1);
    if (!*key)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    memcpy(*key, assignment, klen);
    (*key)[klen] = '\0';
    *value = eq + 1;
    if ((*key)[0] == '.' || (*key)[klen - 1] == '.' || strstr(*key, "..")) {
        free(*key);
        return cxr_fail(err, CXR_ERR_USAGE, "--set '%s': empty segment in key", assignment);
    }
    return CXR_OK;
}

/* Puts 'value' at 'key' (dotted), creating maps on the way; a numeric
 * segment indexes an existing list. Takes 'value'. */
static cxr_status install(cxr_config *conf, char *key, cfg_node *value, const char *origin,
                          cxr_error *err)
{
    cfg_node *at = conf->root;
    char *save = NULL, *seg = strtok_r(key, ".", &save);

    while (seg) {
        char *next = strtok_r(NULL, ".", &save);
        size_t index;
        cfg_node *child;
        if (at->kind == NODE_SEQ) {
            char *end;
            unsigned long i = strtoul(seg, &end, 10);
            if (*end || i >= at->n) {
                cxr_cfg_node_free(value);
                return cxr_fail(err, CXR_ERR_CONFIG, "%s: no item '%s' in a list of %zu",
                                origin, seg, at->n);
            }
            index = i;
            child = at->items[i];
        } else if (at->kind == NODE_MAP) {
            child = cxr_cfg_node_get(at, seg, &index);
        } else {
            cxr_cfg_node_free(value);
            return cxr_fail(err, CXR_ERR_CONFIG, "%s: '%s' is inside a plain value", origin, seg);
        }
        if (!next) {
            if (child) {
                cxr_cfg_node_free(child);
                at->items[index] = value;
            } else if (cxr_cfg_node_append(at, seg, value) != CXR_OK)
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
            return CXR_OK;
        }
        if (!child || child->kind == NODE_SCALAR) {
            cfg_node *map = cxr_cfg_node_new(NODE_MAP, origin, 0, 0);
            if (!map || (!child && cxr_cfg_node_append(at, seg, map) != CXR_OK)) {
                cxr_cfg_node_free(value);
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
            }
            if (child) {
                cxr_cfg_node_free(child);
                at->items[index] = map;
            }
            child = map;
        }
        at = child;
        seg = next;
    }
    cxr_cfg_node_free(value);
    return CXR_OK;
}

cxr_status cxr_config_set(cxr_config *conf, const char *assignment, cxr_error *err)
{
    char *key = NULL, *origin_text;
    const char *value_text = NULL, *origin;
    cfg_node *value = NULL;
    cxr_status st;
    size_t n = strlen(assignment) + 16;

    st = split_assignment(assignment, &key, &value_text, err);
    if (st != CXR_OK)
        return st;
    origin_text = malloc(n);
    if (origin_text)
        snprintf(origin_text, n, "--set '%s'", assignment);
    origin = origin_text ? cxr_cfg_origin(conf, origin_text) : NULL;
    free(origin_text);
    if (!origin) {
        free(key);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    st = cxr_cfg_parse_yaml(conf, value_text, strlen(value_text), origin, &value, err);
    if (st == CXR_OK && !value) {
        value = cxr_cfg_node_new(NODE_SCALAR, origin, 0, 0);
        if (!value || !(value->value = strdup("")))
            st = cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        else
            value->plain = 1;
    }
    if (st == CXR_OK) {
        value->line = value->column = 0; /* point messages at the --set itself */
        st = install(conf, key, value, origin, err);
    } else
        cxr_cfg_node_free(value);
    free(key);
    conf->validated = 0;
    return st;
}

cxr_status cxr_config_validate(cxr_config *conf, cxr_error *err)
{
    cxr_status st = cxr_cfg_check(conf, err);
    conf->validated = st == CXR_OK;
    return st;
}

void cxr_config_free(cxr_config *conf)
{
    if (!conf)
        return;
    cxr_cfg_node_free(conf->root);
    for (size_t i = 0; i < conf->norigins; i++)
        free(conf->origins[i]);
    free(conf->origins);
    free(conf->file);
    free(conf);
}

const char *cxr_config_file(const cxr_config *conf)
{
    return conf->file;
}

/* --- getters --- */

static const cfg_node *lookup(const cxr_config *conf, const char *path)
{
    const cfg_node *at = conf->root;
    const char *p = path;

    while (at && *p) {
        size_t len = strcspn(p, ".");
        char seg[128];
        if (len >= sizeof(seg))
            return NULL;
        memcpy(seg, p, len);
        seg[len] = '\0';
        if (at->kind == NODE_MAP)
            at = cxr_cfg_node_get(at, seg, NULL);
        else if (at->kind == NODE_SEQ) {
            char *end;
            unsigned long i = strtoul(seg, &end, 10);
            at = (*end || i >= at->n) ? NULL : at->items[i];
        } else
            return NULL;
        p += len;
        if (*p == '.')
            p++;
    }
    return at;
}

const char *cxr_config_str(const cxr_config *conf, const char *path)
{
    const cfg_node *node = lookup(conf, path);
    return node && node->kind == NODE_SCALAR ? node->value : NULL;
}

long long cxr_config_int(const cxr_config *conf, const char *path)
{
    const char *s = cxr_config_str(conf, path);
    return s ? strtoll(s, NULL, 10) : 0;
}

double cxr_config_float(const cxr_config *conf, const char *path)
{
    const char *s = cxr_config_str(conf, path);
    return s ? strtod(s, NULL) : 0.0;
}

int cxr_config_bool(const cxr_config *conf, const char *path)
{
    const char *s = cxr_config_str(conf, path);
    return s && strcmp(s, "true") == 0;
}

int cxr_config_has(const cxr_config *conf, const char *path)
{
    const cfg_node *node = lookup(conf, path);
    return node && !node->from_default;
}

size_t cxr_config_len(const cxr_config *conf, const char *path)
{
    const cfg_node *node = lookup(conf, path);
    return node && node->kind == NODE_SEQ ? node->n : 0;
}

const char *cxr_config_list_str(const cxr_config *conf, const char *path, size_t i)
{
    const cfg_node *node = lookup(conf, path);
    if (!node || node->kind != NODE_SEQ || i >= node->n || node->items[i]->kind != NODE_SCALAR)
        return NULL;
    return node->items[i]->value;
}

/* --- hash and dump --- */

/* The node as JSON; NULL when out of memory. */
static json_t *to_json(const cfg_node *node)
{
    json_t *out;
    if (node->kind == NODE_SCALAR)
        return json_string(node->value);
    out = node->kind == NODE_MAP ? json_object() : json_array();
    for (size_t i = 0; out && i < node->n; i++) {
        json_t *item = to_json(node->items[i]);
        int rc = node->kind == NODE_MAP ? json_object_set_new(out, node->keys[i], item)
                                        : json_array_append_new(out, item);
        if (!item || rc != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

cxr_status cxr_config_hash(const cxr_config *conf, const char *section,
                           char hex[CXR_SHA256_HEX])
{
    const cfg_node *node = section ? lookup(conf, section) : conf->root;
    json_t *json = node ? to_json(node) : json_null();
    char *text = json ? cxr_json_text(json, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

    if (!text) {
        json_decref(json);
        memset(hex, 0, CXR_SHA256_HEX);
        return CXR_ERR_NOMEM;
    }
    cxr_sha256_buf(text, strlen(text), hex);
    free(text);
    json_decref(json);
    return CXR_OK;
}

static void dump_node(const cfg_node *node, FILE *out, int indent, int first_inline);

/* Plain when YAML reads it back as the same string, else JSON-quoted (a
 * JSON string is a valid YAML scalar). */
static void dump_scalar(const char *s, FILE *out)
{
    /* a trailing ':' reads as a key; U+2028 and U+2029 as line breaks */
    int plain = *s && strchr("-?:,[]{}#&*!|>'\"%@` ", *s) == NULL &&
                s[strlen(s) - 1] != ' ' && s[strlen(s) - 1] != ':' && !strstr(s, ": ") &&
                !strstr(s, " #") && !strstr(s, "\xe2\x80\xa8") && !strstr(s, "\xe2\x80\xa9") &&
                strcmp(s, "~") && strcasecmp(s, "null"); /* those would read as null */
    for (const char *p = s; plain && *p; p++)
        plain = (unsigned char)*p >= 0x20 && *p != 0x7f;
    if (plain) {
        fputs(s, out);
        return;
    }
    json_t *str = json_string(s);
    char *text = cxr_json_text(str, JSON_ENCODE_ANY);
    fputs(text ? text : "\"\"", out);
    free(text);
    json_decref(str);
}

/* Writes the items of a map or a list; with 'first_inline' the first line
 * continues a "- " already written. */
static void dump_node(const cfg_node *node, FILE *out, int indent, int first_inline)
{
    for (size_t i = 0; i < node->n; i++) {
        const cfg_node *child = node->items[i];
        if (!(first_inline && i == 0))
            fprintf(out, "%*s", indent, "");
        if (node->kind == NODE_MAP)
            fprintf(out, "%s:", node->keys[i]);
        else
            fputs("-", out);
        if (child->kind == NODE_SCALAR) {
            fputc(' ', out);
            dump_scalar(child->value, out);
            fputc('\n', out);
        } else if (child->n == 0)
            fputs(child->kind == NODE_MAP ? " {}\n" : " []\n", out);
        else if (node->kind == NODE_SEQ && child->kind == NODE_MAP) {
            fputc(' ', out); /* "- key: value" then the other keys below it */
            dump_node(child, out, indent + 2, 1);
        } else {
            fputc('\n', out);
            dump_node(child, out, indent + 2, 0);
        }
    }
}

cxr_status cxr_config_dump(const cxr_config *conf, FILE *out, cxr_error *err)
{
    fprintf(out, "# effective config of '%s' (defaults filled in)\n", conf->file);
    dump_node(conf->root, out, 0, 0);
    if (ferror(out))
        return cxr_fail(err, CXR_ERR_IO, "cannot write the config dump");
    return CXR_OK;
}
