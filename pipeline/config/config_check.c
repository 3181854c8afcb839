/* config_check.c: checks a config tree against the schema table (unknown
 * keys, types, bounds, choices, required keys), normalises values (sizes to
 * bytes, booleans to true/false, a lone string to a one-item list) and fills
 * in defaults, so that getters can read the tree as it stands. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config_tree.h"
#include "datefmt.h"
#include "fsutil.h"

#define PATH_MAX_LEN 256

static cxr_status check_map(cxr_config *conf, cfg_node *map, const char *pattern,
                            const char *path, cxr_error *err);

const cxr_schema_key *cxr_cfg_schema_find(const char *pattern)
{
    for (const cxr_schema_key *k = cxr_config_schema; k->path; k++)
        if (strcmp(k->path, pattern) == 0)
            return k;
    return NULL;
}

/* The last segment of 'entry' if it is a direct child of 'pattern'. */
static const char *child_name(const char *entry, const char *pattern)
{
    size_t lp = strlen(pattern);
    const char *rest;

    if (lp == 0)
        rest = entry;
    else if (strncmp(entry, pattern, lp) == 0 && entry[lp] == '.')
        rest = entry + lp + 1;
    else
        return NULL;
    return strchr(rest, '.') ? NULL : rest;
}

static void join(char *out, const char *a, const char *b)
{
    snprintf(out, PATH_MAX_LEN, "%s%s%s", a, *a ? "." : "", b);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

static cxr_status unknown_key(const cfg_node *key_node, const char *key, const char *pattern,
                              const char *path, cxr_error *err)
{
    char where[512], hint[160] = "", full[PATH_MAX_LEN];
    size_t best = 3;

    for (const cxr_schema_key *k = cxr_config_schema; k->path; k++) {
        const char *name = child_name(k->path, pattern);
        size_t d = name ? edit_distance(key, name) : 99;
        if (d < best) {
            best = d;
            snprintf(hint, sizeof(hint), " (did you mean '%s'?)", name);
        }
    }
    cxr_cfg_where(key_node, where, sizeof(where));
    join(full, path, key);
    return cxr_fail(err, CXR_ERR_CONFIG, "%sunknown key '%s'%s", where, full, hint);
}

static cxr_status bad_value(const cfg_node *node, const char *path, const char *want,
                            cxr_error *err)
{
    char where[512];
    cxr_cfg_where(node, where, sizeof(where));
    if (node->kind == NODE_SCALAR)
        return cxr_fail(err, CXR_ERR_CONFIG, "%s'%s' must be %s, got '%s'", where, path, want,
                        node->value);
    return cxr_fail(err, CXR_ERR_CONFIG, "%s'%s' must be %s, got a %s", where, path, want,
                    node->kind == NODE_MAP ? "mapping" : "list");
}

/* Replaces the node's text with its normalised form. */
static cxr_status set_value(cfg_node *node, const char *value, cxr_error *err)
{
    char *copy = strdup(value);
    if (!copy)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    free(node->value);
    node->value = copy;
    return CXR_OK;
}

static int parse_int(const char *s, long long *out)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return 0;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return !*end && errno == 0;
}

/* "8GiB", "512M", "1000" -> bytes. */
static int parse_size(const char *s, long long *out)
{
    static const struct { const char *suffix; long long mult; } units[] = {
        {"", 1}, {"B", 1}, {"K", 1000}, {"KB", 1000}, {"KiB", 1024},
        {"M", 1000000}, {"MB", 1000000}, {"MiB", 1048576},
        {"G", 1000000000}, {"GB", 1000000000}, {"GiB", 1073741824},
        {"T", 1000000000000LL}, {"TB", 1000000000000LL}, {"TiB", 1099511627776LL}};
    char *end;
    long long n;

    if (!isdigit((unsigned char)*s))
        return 0;
    errno = 0;
    n = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].suffix) == 0) {
            if (errno || n > (long long)(9e18 / (double)units[i].mult))
                return 0;
            *out = n * units[i].mult;
            return 1;
        }
    return 0;
}

static int in_choices(const char *value, const char *choices)
{
    size_t len = strlen(value);
    const char *p = choices;
    while (p && *p) {
        size_t seg = strcspn(p, "|");
        if (seg == len && strncmp(p, value, len) == 0)
            return 1;
        p += seg + (p[seg] == '|');
    }
    return 0;
}

static cxr_status check_number(const cxr_schema_key *key, cfg_node *node, const char *path,
                               cxr_error *err)
{
    long long n;
    char want[160], num[32];
    int ok = key->type == CXR_T_INT ? parse_int(node->value, &n) : parse_size(node->value, &n);

    if (!ok && key->choices && in_choices(node->value, key->choices))
        return CXR_OK;
    if (key->type == CXR_T_SIZE)
        snprintf(want, sizeof(want), "a size in bytes (like 1000, 512MiB or 8GiB)");
    else
        snprintf(want, sizeof(want), "an integer%s%s", key->choices ? " or one of " : "",
                 key->choices ? key->choices : "");
    if (!ok)
        return bad_value(node, path, want, err);
    if ((key->min || key->max) && (n < key->min || (key->max && n > key->max))) {
        if (key->max)
            snprintf(want, sizeof(want), "between %lld and %lld", key->min, key->max);
        else
            snprintf(want, sizeof(want), "at least %lld", key->min);
        return bad_value(node, path, want, err);
    }
    snprintf(num, sizeof(num), "%lld", n);
    return set_value(node, num, err);
}

static cxr_status check_scalar(const cxr_schema_key *key, cfg_node *node, const char *path,
                               cxr_error *err)
{
    const char *v = node->value;
    char want[256];
    cxr_date date;
    char *end;

    switch (key->type) {
    case CXR_T_STR:
        return CXR_OK;
    case CXR_T_INT:
    case CXR_T_SIZE:
        return check_number(key, node, path, err);
    case CXR_T_FLOAT:
        if (!*v || (strtod(v, &end), *end) || !isfinite(strtod(v, NULL)))
            return bad_value(node, path, "a number", err);
        if ((key->min || key->max) &&
            (strtod(v, NULL) < (double)key->min || strtod(v, NULL) > (double)key->max)) {
            snprintf(want, sizeof(want), "between %lld and %lld", key->min, key->max);
            return bad_value(node, path, want, err);
        }
        return CXR_OK;
    case CXR_T_BOOL:
        if (in_choices(v, "true|True|TRUE|yes|on"))
            return set_value(node, "true", err);
        else if (in_choices(v, "false|False|FALSE|no|off"))
            return set_value(node, "false", err);
        return bad_value(node, path, "true or false", err);
    case CXR_T_ENUM:
        snprintf(want, sizeof(want), "one of %s", key->choices);
        return in_choices(v, key->choices) ? CXR_OK : bad_value(node, path, want, err);
    case CXR_T_DATE:
        return cxr_date_parse_iso(v, &date) ? CXR_OK
                                            : bad_value(node, path, "a date YYYY-MM-DD", err);
    default:
        return cxr_fail(err, CXR_ERR_INTERNAL, "schema type of '%s' is not a scalar", path);
    }
}

static cxr_status check_list(cxr_config *conf, const cxr_schema_key *key, cfg_node *node,
                             const char *pattern, const char *path, cxr_error *err)
{
    char item_pattern[PATH_MAX_LEN], item_path[PATH_MAX_LEN];

    if (node->kind != NODE_SEQ)
        return bad_value(node, path, key->type == CXR_T_MAPLIST ? "a list of mappings"
                                                                : "a list of strings", err);
    snprintf(item_pattern, sizeof(item_pattern), "%s[]", pattern);
    for (size_t i = 0; i < node->n; i++) {
        cfg_node *item = node->items[i];
        snprintf(item_path, sizeof(item_path), "%s.%zu", path, i);
        if (key->type == CXR_T_STRLIST && item->kind != NODE_SCALAR)
            return bad_value(item, item_path, "a string", err);
        if (key->type == CXR_T_MAPLIST) {
            if (item->kind != NODE_MAP)
                return bad_value(item, item_path, "a mapping", err);
            if (check_map(conf, item, item_pattern, item_path, err) != CXR_OK)
                return err->status;
        }
    }
    return CXR_OK;
}

static cxr_status check_value(cxr_config *conf, const cxr_schema_key *key, cfg_node *node,
                              const char *path, cxr_error *err)
{
    if (key->type == CXR_T_MAP) {
        if (node->kind != NODE_MAP)
            return bad_value(node, path, "a mapping of keys", err);
        return check_map(conf, node, key->path, path, err);
    }
    if (key->type == CXR_T_STRLIST && node->kind == NODE_SCALAR) {
        cfg_node *item = cxr_cfg_node_copy(node); /* a lone string is a list of one */
        if (!item)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        free(node->value);
        node->value = NULL;
        node->kind = NODE_SEQ;
        if (cxr_cfg_node_append(node, NULL, item) != CXR_OK)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    if (key->type == CXR_T_STRLIST || key->type == CXR_T_MAPLIST)
        return check_list(conf, key, node, key->path, path, err);
    if (node->kind != NODE_SCALAR)
        return bad_value(node, path, "a single value", err);
    return check_scalar(key, node, path, err);
}

static void mark_default(cfg_node *node)
{
    node->from_default = 1;
    for (size_t i = 0; i < node->n; i++)
        mark_default(node->items[i]);
}

static int has_required_child(const char *pattern)
{
    for (const cxr_schema_key *k = cxr_config_schema; k->path; k++)
        if (k->required && child_name(k->path, pattern))
            return 1;
    return 0;
}

/* Adds what the map lacks: an error for required keys, defaults otherwise. */
static cxr_status fill_defaults(cxr_config *conf, cfg_node *map, const char *pattern,
                                const char *path, cxr_error *err)
{
    for (const cxr_schema_key *k = cxr_config_schema; k->path; k++) {
        const char *name = child_name(k->path, pattern);
        char full[PATH_MAX_LEN], where[512];
        cfg_node *value = NULL;

        if (!name || cxr_cfg_node_get(map, name, NULL))
            continue;
        join(full, path, name);
        if (k->required) {
            cxr_cfg_where(map, where, sizeof(where));
            return cxr_fail(err, CXR_ERR_CONFIG, "%smissing required key '%s' (%s)", where,
                            full, k->doc);
        }
        if (k->def) {
            cxr_status st = cxr_cfg_parse_yaml(conf, k->def, strlen(k->def), "schema default",
                                               &value, err);
            if (st == CXR_ERR_NOMEM)
                return st;
            if (st != CXR_OK)
                return cxr_error_prefix(err, "default of '%s': ", k->path);
        } else if (k->type == CXR_T_MAP && !has_required_child(k->path)) {
            if (!(value = cxr_cfg_node_new(NODE_MAP, map->origin, 0, 0)))
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        }
        if (!value)
            continue;
        mark_default(value);
        if (cxr_cfg_node_append(map, name, value) != CXR_OK)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        if (check_value(conf, k, value, full, err) != CXR_OK)
            return err->status;
    }
    return CXR_OK;
}

static void remove_at(cfg_node *map, size_t i)
{
    free(map->keys[i]);
    cxr_cfg_node_free(map->items[i]);
    memmove(map->keys + i, map->keys + i + 1, (map->n - i - 1) * sizeof(*map->keys));
    memmove(map->items + i, map->items + i + 1, (map->n - i - 1) * sizeof(*map->items));
    map->n--;
}

static cxr_status check_map(cxr_config *conf, cfg_node *map, const char *pattern,
                            const char *path, cxr_error *err)
{
    for (size_t i = 0; i < map->n;) {
        char child_pattern[PATH_MAX_LEN], child_path[PATH_MAX_LEN];
        const cxr_schema_key *key;

        join(child_pattern, pattern, map->keys[i]);
        join(child_path, path, map->keys[i]);
        key = cxr_cfg_schema_find(child_pattern);
        if (!key)
            return unknown_key(map->items[i], map->keys[i], pattern, path, err);
        if (cxr_cfg_node_is_null(map->items[i])) {
            remove_at(map, i); /* "key:" with no value means: use the default */
            continue;
        }
        if (check_value(conf, key, map->items[i], child_path, err) != CXR_OK)
            return err->status;
        i++;
    }
    return fill_defaults(conf, map, pattern, path, err);
}

cxr_status cxr_cfg_check(cxr_config *conf, cxr_error *err)
{
    return check_map(conf, conf->root, "", "", err);
}
