/* node.c: lookups on a parsed node: attributes by name, and the label that
 * names the node in messages. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const ci_attr *ci_attr_find(const ci_node *node, const char *name)
{
    for (int i = 0; i < node->n_attrs; i++)
        if (!strcmp(node->attrs[i].name, name))
            return &node->attrs[i];
    return NULL;
}

int64_t ci_attr_int(const ci_node *node, const char *name, int64_t dflt)
{
    const ci_attr *attr = ci_attr_find(node, name);
    return attr && attr->type == CI_ATTR_INT ? attr->i : dflt;
}

float ci_attr_float(const ci_node *node, const char *name, float dflt)
{
    const ci_attr *attr = ci_attr_find(node, name);
    return attr && attr->type == CI_ATTR_FLOAT ? attr->f : dflt;
}

const char *ci_attr_str(const ci_node *node, const char *name, const char *dflt)
{
    const ci_attr *attr = ci_attr_find(node, name);
    return attr && attr->type == CI_ATTR_STRING && attr->s ? attr->s : dflt;
}

int ci_attr_ints(const ci_node *node, const char *name, int64_t *out, int max)
{
    const ci_attr *attr = ci_attr_find(node, name);
    if (!attr || attr->type != CI_ATTR_INTS)
        return -1;
    int copied = (int)(attr->n < (size_t)max ? attr->n : (size_t)max);
    for (int i = 0; i < copied; i++)
        out[i] = attr->ints[i];
    return attr->n > (size_t)max ? max + 1 : copied;
}

const char *ci_node_label(const ci_node *node, char *buf, size_t len)
{
    if (node->name && node->name[0])
        snprintf(buf, len, "node '%s' ('%s')", node->name, node->op_type);
    else
        snprintf(buf, len, "node #%d ('%s')", node->index, node->op_type);
    return buf;
}
