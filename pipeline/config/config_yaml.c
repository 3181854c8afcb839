/* config_yaml.c: YAML text to a config tree with libyaml's event parser,
 * keeping line and column of every node for error messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config_tree.h"
#include "fsutil.h"

typedef struct builder {
    yaml_parser_t parser;
    const char *origin;
    cxr_error *err;
} builder;

static cxr_status parse_node(builder *b, yaml_event_t *ev, cfg_node **out, int depth);

static cxr_status next_event(builder *b, yaml_event_t *ev)
{
    if (yaml_parser_parse(&b->parser, ev))
        return CXR_OK;
    if (b->parser.error == YAML_MEMORY_ERROR)
        return cxr_fail(b->err, CXR_ERR_NOMEM, "out of memory");
    return cxr_fail(b->err, CXR_ERR_CONFIG, "%s:%zu:%zu: invalid YAML: %s", b->origin,
                    b->parser.problem_mark.line + 1, b->parser.problem_mark.column + 1,
                    b->parser.problem ? b->parser.problem : "parse error");
}

static cxr_status parse_map(builder *b, cfg_node *map, int depth)
{
    for (;;) {
        yaml_event_t ev;
        cfg_node *key = NULL, *value = NULL;
        cxr_status st;

        if ((st = next_event(b, &ev)) != CXR_OK)
            return st;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return CXR_OK;
        }
        st = parse_node(b, &ev, &key, depth + 1);
        if (st == CXR_OK && key->kind != NODE_SCALAR)
            st = cxr_fail(b->err, CXR_ERR_CONFIG, "%s:%zu:%zu: a key must be a plain string",
                          b->origin, key->line, key->column);
        if (st == CXR_OK && cxr_cfg_node_get(map, key->value, NULL))
            st = cxr_fail(b->err, CXR_ERR_CONFIG, "%s:%zu:%zu: duplicate key '%s'",
                          b->origin, key->line, key->column, key->value);
        if (st == CXR_OK && (st = next_event(b, &ev)) == CXR_OK)
            st = parse_node(b, &ev, &value, depth + 1);
        if (st != CXR_OK) {
            cxr_cfg_node_free(key);
            cxr_cfg_node_free(value);
            return st;
        }
        if (value->kind != NODE_SCALAR && value->line != key->line) {
            /* a block collection starts at its first item, a line below:
             * messages about it name its key */
            value->line = key->line;
            value->column = key->column;
        }
        st = cxr_cfg_node_append(map, key->value, value);
        cxr_cfg_node_free(key);
        if (st != CXR_OK)
            return cxr_fail(b->err, st, "out of memory");
    }
}

static cxr_status parse_seq(builder *b, cfg_node *seq, int depth)
{
    for (;;) {
        yaml_event_t ev;
        cfg_node *item = NULL;
        cxr_status st;

        if ((st = next_event(b, &ev)) != CXR_OK)
            return st;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return CXR_OK;
        }
        if ((st = parse_node(b, &ev, &item, depth + 1)) != CXR_OK)
            return st;
        if ((st = cxr_cfg_node_append(seq, NULL, item)) != CXR_OK)
            return cxr_fail(b->err, st, "out of memory");
    }
}

/* Builds the node that starts with 'ev' (consumed). */
static cxr_status parse_node(builder *b, yaml_event_t *ev, cfg_node **out, int depth)
{
    size_t line = ev->start_mark.line + 1, column = ev->start_mark.column + 1;
    cxr_status st = CXR_OK;
    cfg_node *node = NULL;

    *out = NULL;
    if (depth > 32)
        st = cxr_fail(b->err, CXR_ERR_CONFIG, "%s:%zu:%zu: nesting deeper than 32 levels",
                      b->origin, line, column);
    else if (ev->type == YAML_ALIAS_EVENT)
        st = cxr_fail(b->err, CXR_ERR_CONFIG, "%s:%zu:%zu: YAML aliases are not supported",
                      b->origin, line, column);
    else if (ev->type == YAML_SCALAR_EVENT) {
        node = cxr_cfg_node_new(NODE_SCALAR, b->origin, line, column);
        if (!node || !(node->value = malloc(ev->data.scalar.length + 1))) {
            yaml_event_delete(ev);
            cxr_cfg_node_free(node);
            return cxr_fail(b->err, CXR_ERR_NOMEM, "out of memory");
        }
        memcpy(node->value, ev->data.scalar.value, ev->data.scalar.length);
        node->value[ev->data.scalar.length] = '\0';
        node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (strlen(node->value) != ev->data.scalar.length)
            st = cxr_fail(b->err, CXR_ERR_CONFIG, "%s:%zu:%zu: NUL character in a value",
                          b->origin, line, column);
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        node = cxr_cfg_node_new(NODE_MAP, b->origin, line, column);
        yaml_event_delete(ev);
        st = node ? parse_map(b, node, depth) : cxr_fail(b->err, CXR_ERR_NOMEM, "out of memory");
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        node = cxr_cfg_node_new(NODE_SEQ, b->origin, line, column);
        yaml_event_delete(ev);
        st = node ? parse_seq(b, node, depth) : cxr_fail(b->err, CXR_ERR_NOMEM, "out of memory");
    } else
        st = cxr_fail(b->err, CXR_ERR_CONFIG, "%s:%zu:%zu: unexpected YAML structure",
                      b->origin, line, column);
    yaml_event_delete(ev);
    if (st != CXR_OK) {
        cxr_cfg_node_free(node);
        return st;
    }
    *out = node;
    return CXR_OK;
}

/* Expects STREAM-START DOCUMENT-START node DOCUMENT-END STREAM-END. */
static cxr_status parse_document(builder *b, cfg_node **out)
{
    yaml_event_t ev;
    cxr_status st;

    *out = NULL;
    for (int i = 0; i < 2; i++) { /* stream start, document start */
        if ((st = next_event(b, &ev)) != CXR_OK)
            return st;
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            return CXR_OK; /* empty text */
    }
    if ((st = next_event(b, &ev)) != CXR_OK)
        return st;
    st = parse_node(b, &ev, out, 0);
    if (st != CXR_OK)
        return st;
    if ((st = next_event(b, &ev)) != CXR_OK) /* document end */
        return st;
    yaml_event_delete(&ev);
    if ((st = next_event(b, &ev)) != CXR_OK)
        return st;
    if (ev.type != YAML_STREAM_END_EVENT) {
        size_t line = ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        return cxr_fail(b->err, CXR_ERR_CONFIG,
                        "%s:%zu: more than one YAML document; a config is one document",
                        b->origin, line);
    }
    yaml_event_delete(&ev);
    return CXR_OK;
}

cxr_status cxr_cfg_parse_yaml(cxr_config *conf, const char *text, size_t len,
                          const char *origin, cfg_node **out, cxr_error *err)
{
    builder b;
    cxr_status st;

    memset(&b, 0, sizeof(b));
    b.origin = cxr_cfg_origin(conf, origin);
    b.err = err;
    if (!b.origin || !yaml_parser_initialize(&b.parser))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&b.parser, YAML_UTF8_ENCODING);
    st = parse_document(&b, out);
    if (st != CXR_OK) {
        cxr_cfg_node_free(*out);
        *out = NULL;
    }
    yaml_parser_delete(&b.parser);
    return st;
}
