/* config_node.c: the parsed config tree (config_tree.h): nodes, map lookup,
 * deep copy, and where a node came from for messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_tree.h"
#include "fsutil.h"

cfg_node *cxr_cfg_node_new(node_kind kind, const char *origin, size_t line, size_t column)
{
    cfg_node *node = calloc(1, sizeof(*node));
    if (!node)
        return NULL;
    node->kind = kind;
    node->origin = origin;
    node->line = line;
    node->column = column;
    return node;
}

void cxr_cfg_node_free(cfg_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->n; i++) {
        if (node->keys)
            free(node->keys[i]);
        cxr_cfg_node_free(node->items[i]);
    }
    free(node->keys);
    free(node->items);
    free(node->value);
    free(node);
}

cxr_status cxr_cfg_node_append(cfg_node *node, const char *key, cfg_node *child)
{
    char *key_copy = NULL;

    if (!child || (node->kind == NODE_MAP && !(key_copy = strdup(key))))
        goto nomem;
    if (node->n == node->cap) {
        size_t cap = node->cap ? node->cap * 2 : 8;
        cfg_node **items = realloc(node->items, cap * sizeof(*items));
        if (!items)
            goto nomem;
        node->items = items;
        if (node->kind == NODE_MAP) {
            char **keys = realloc(node->keys, cap * sizeof(*keys));
            if (!keys)
                goto nomem;
            node->keys = keys;
        }
        node->cap = cap;
    }
    if (node->kind == NODE_MAP)
        node->keys[node->n] = key_copy;
    node->items[node->n++] = child;
    return CXR_OK;
nomem:
    free(key_copy);
    cxr_cfg_node_free(child);
    return CXR_ERR_NOMEM;
}

cfg_node *cxr_cfg_node_get(const cfg_node *map, const char *key, size_t *index)
{
    if (!map || map->kind != NODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0) {
            if (index)
                *index = i;
            return map->items[i];
        }
    return NULL;
}

cfg_node *cxr_cfg_node_copy(const cfg_node *node)
{
    cfg_node *copy = cxr_cfg_node_new(node->kind, node->origin, node->line, node->column);

    if (!copy)
        return NULL;
    copy->plain = node->plain;
    copy->from_default = node->from_default;
    if (node->value && !(copy->value = strdup(node->value)))
        goto nomem;
    for (size_t i = 0; i < node->n; i++)
        if (cxr_cfg_node_append(copy, node->keys ? node->keys[i] : NULL,
                                cxr_cfg_node_copy(node->items[i])) != CXR_OK)
            goto nomem;
    return copy;
nomem:
    cxr_cfg_node_free(copy);
    return NULL;
}

int cxr_cfg_node_is_null(const cfg_node *node)
{
    const char *v = node->value;
    return node->kind == NODE_SCALAR && node->plain &&
           (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
            !strcmp(v, "NULL"));
}

const char *cxr_cfg_origin(cxr_config *conf, const char *s)
{
    char **grown = realloc(conf->origins, (conf->norigins + 1) * sizeof(*grown));
    char *copy;

    if (!grown)
        return NULL;
    conf->origins = grown;
    if (!(copy = strdup(s)))
        return NULL;
    conf->origins[conf->norigins++] = copy;
    return copy;
}

void cxr_cfg_where(const cfg_node *node, char *buf, size_t size)
{
    if (node && node->line)
        snprintf(buf, size, "%s:%zu:%zu: ", node->origin, node->line, node->column);
    else if (node && node->origin)
        snprintf(buf, size, "%s: ", node->origin);
    else
        snprintf(buf, size, "config: ");
}
