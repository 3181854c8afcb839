/* config_tree.h (internal): the parsed config tree shared by config.c
 * (public API), config_yaml.c (YAML to tree) and config_check.c (schema). */
#ifndef CXR_CONFIG_TREE_H
#define CXR_CONFIG_TREE_H

#include <stddef.h>

#include "config.h"

typedef enum node_kind { NODE_SCALAR, NODE_MAP, NODE_SEQ } node_kind;

typedef struct cfg_node {
    node_kind kind;
    char *value;              /* NODE_SCALAR: owned */
    int plain;                /* scalar was unquoted (so "~", "" mean null) */
    int from_default;         /* filled in from the schema by validate */
    char **keys;              /* NODE_MAP: owned keys, parallel to items */
    struct cfg_node **items;  /* NODE_MAP values / NODE_SEQ items: owned */
    size_t n, cap;
    const char *origin;       /* file name or "--set 'a=b'": owned by the config */
    size_t line, column;      /* 1-based; 0 when not from a file */
} cfg_node;

struct cxr_config {
    char *file;
    cfg_node *root;
    char **origins;           /* strings cfg_node.origin points into */
    size_t norigins;
    int validated;
};

/* Every function that allocates returns NULL or CXR_ERR_NOMEM when out of
 * memory, and reports nothing: callers fail with "out of memory". */

/* A new node (caller frees with cxr_cfg_node_free); NULL when out of memory. */
cfg_node *cxr_cfg_node_new(node_kind kind, const char *origin, size_t line, size_t column);
void cxr_cfg_node_free(cfg_node *node);
/* Appends (map: with a copy of 'key'); takes 'child' in every case (it is
 * freed on failure; a NULL child is an allocation that already failed).
 * CXR_OK or CXR_ERR_NOMEM. */
cxr_status cxr_cfg_node_append(cfg_node *node, const char *key, cfg_node *child);
/* Map lookup; NULL when absent. */
cfg_node *cxr_cfg_node_get(const cfg_node *map, const char *key, size_t *index);
/* Deep copy (origin pointers are shared); NULL when out of memory. */
cfg_node *cxr_cfg_node_copy(const cfg_node *node);
/* 1 for a plain "", "~", "null" or "Null" scalar: YAML's null. */
int cxr_cfg_node_is_null(const cfg_node *node);

/* Keeps a copy of 's' alive as long as the config; returns it, or NULL
 * when out of memory. */
const char *cxr_cfg_origin(cxr_config *conf, const char *s);

/* Parses YAML text into a tree (a single document; no aliases, tags or
 * duplicate keys). 'origin' names the source in messages. */
cxr_status cxr_cfg_parse_yaml(cxr_config *conf, const char *text, size_t len,
                          const char *origin, cfg_node **out, cxr_error *err);

/* Schema check and defaults (config_check.c). */
cxr_status cxr_cfg_check(cxr_config *conf, cxr_error *err);
const cxr_schema_key *cxr_cfg_schema_find(const char *pattern);

/* "file:12:5: " or "--set 'a=b': " prefix for messages about 'node'. */
void cxr_cfg_where(const cfg_node *node, char *buf, size_t size);

#endif
