/* graph.c: links a parsed ONNX graph: names resolved to values, ops looked
 * up, nodes in topological order. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A small open-addressing table from names to values. */
typedef struct name_map {
    int *slot;        /* value index + 1; 0 empty */
    size_t cap;
} name_map;

static size_t hash_str(const char *name)
{
    size_t hash = 1469598103934665603ull;
    while (*name)
        hash = (hash ^ (unsigned char)*name++) * 1099511628211ull;
    return hash;
}

static int map_find(const name_map *map, const ci_graph *graph, const char *name)
{
    for (size_t i = hash_str(name) & (map->cap - 1);; i = (i + 1) & (map->cap - 1)) {
        if (!map->slot[i])
            return -1;
        if (!strcmp(graph->values[map->slot[i] - 1].name, name))
            return map->slot[i] - 1;
    }
}

/* Adds a value named 'name' (copied); returns its index or -1 (no memory). */
static int add_value(name_map *map, ci_graph *graph, const char *name)
{
    if (graph->n_values == graph->cap_values) {
        int cap = graph->cap_values ? graph->cap_values * 2 : 64;
        ci_value *values = realloc(graph->values, (size_t)cap * sizeof(*values));
        if (!values)
            return -1;
        graph->values = values;
        graph->cap_values = cap;
    }
    ci_value *value = &graph->values[graph->n_values];
    memset(value, 0, sizeof(*value));
    value->rank = -1;
    value->producer = -1;
    if (!(value->name = strdup(name)))
        return -1;
    size_t i = hash_str(name) & (map->cap - 1);
    while (map->slot[i])
        i = (i + 1) & (map->cap - 1);
    map->slot[i] = ++graph->n_values;
    return graph->n_values - 1;
}

/* Initializers and graph inputs become values (an initializer listed as an
 * input stays a constant). */
static cxrinfer_status link_inputs(ci_graph *graph, name_map *map, ci_err *err)
{
    for (int i = 0; i < graph->n_raw_inits; i++) {
        int value_index = map_find(map, graph, graph->raw_init_names[i]);
        if (value_index < 0 && (value_index = add_value(map, graph, graph->raw_init_names[i])) < 0)
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        ci_tensor_clear(&graph->values[value_index].init);
        graph->values[value_index].is_init = 1;
        graph->values[value_index].init = graph->raw_inits[i];
        memset(&graph->raw_inits[i], 0, sizeof(graph->raw_inits[i]));
    }
    for (int i = 0; i < graph->n_raw_inputs; i++) {
        int value_index = map_find(map, graph, graph->raw_inputs[i]);
        if (value_index >= 0 && graph->values[value_index].is_init)
            continue; /* an initializer listed as an input (IR < 4): a constant */
        if (value_index >= 0)
            return ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: input '%s' is listed twice",
                           graph->raw_inputs[i]);
        if ((value_index = add_value(map, graph, graph->raw_inputs[i])) < 0)
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        ci_value *value = &graph->values[value_index];
        value->is_input = 1;
        value->elem_type = graph->raw_input_info[i].elem_type;
        value->rank = graph->raw_input_info[i].rank;
        memcpy(value->dims, graph->raw_input_info[i].dims, sizeof(value->dims));
        int *inputs = realloc(graph->inputs, (size_t)(graph->n_inputs + 1) * sizeof(*inputs));
        if (!inputs)
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        graph->inputs = inputs;
        inputs[graph->n_inputs++] = value_index;
    }
    return CXRINFER_OK;
}

/* Node outputs become values. */
static cxrinfer_status link_node_outputs(ci_graph *graph, name_map *map, ci_err *err)
{
    char label[300];
    for (int k = 0; k < graph->n_nodes; k++) {
        ci_node *node = &graph->nodes[k];
        if (!(node->out = malloc((size_t)(node->n_out + 1) * sizeof(int))))
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        for (int j = 0; j < node->n_out; j++) {
            node->out[j] = -1;
            if (!node->out_names[j][0])
                continue;
            int value_index = map_find(map, graph, node->out_names[j]);
            if (value_index >= 0)
                return ci_fail(err, CXRINFER_ERR_MODEL,
                               "malformed model: %s writes '%s', which already has a value",
                               ci_node_label(node, label, sizeof label), node->out_names[j]);
            if ((value_index = add_value(map, graph, node->out_names[j])) < 0)
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            graph->values[value_index].producer = k;
            node->out[j] = value_index;
        }
    }
    return CXRINFER_OK;
}

/* Node inputs are looked up. */
static cxrinfer_status link_node_inputs(ci_graph *graph, name_map *map, ci_err *err)
{
    char label[300];
    for (int k = 0; k < graph->n_nodes; k++) {
        ci_node *node = &graph->nodes[k];
        if (!(node->in = malloc((size_t)(node->n_in + 1) * sizeof(int))))
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        for (int j = 0; j < node->n_in; j++) {
            node->in[j] = node->in_names[j][0] ? map_find(map, graph, node->in_names[j]) : -1;
            if (node->in_names[j][0] && node->in[j] < 0)
                return ci_fail(err, CXRINFER_ERR_MODEL,
                               "malformed model: %s reads '%s', which no node, input or "
                               "initializer provides",
                               ci_node_label(node, label, sizeof label), node->in_names[j]);
        }
    }
    return CXRINFER_OK;
}

static cxrinfer_status link_values(ci_graph *graph, name_map *map, ci_err *err)
{
    cxrinfer_status st = link_inputs(graph, map, err);
    if (st == CXRINFER_OK)
        st = link_node_outputs(graph, map, err);
    if (st == CXRINFER_OK)
        st = link_node_inputs(graph, map, err);
    if (st != CXRINFER_OK)
        return st;
    if (!(graph->outputs = malloc((size_t)(graph->n_raw_outputs + 1) * sizeof(int))))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    for (int i = 0; i < graph->n_raw_outputs; i++) {
        int value_index = map_find(map, graph, graph->raw_outputs[i]);
        if (value_index < 0)
            return ci_fail(err, CXRINFER_ERR_MODEL,
                           "malformed model: graph output '%s' is not produced by any node",
                           graph->raw_outputs[i]);
        graph->outputs[graph->n_outputs++] = value_index;
    }
    if (graph->n_outputs == 0)
        return ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: the graph has no outputs");
    return CXRINFER_OK;
}

/* Places every node whose inputs are ready, until none is left or none can
 * be placed; returns how many were placed. */
static int place_ready(ci_graph *graph, ci_node *sorted, unsigned char *done,
                       unsigned char *ready)
{
    int placed = 0, progress = 1;
    while (placed < graph->n_nodes && progress) {
        progress = 0;
        for (int k = 0; k < graph->n_nodes; k++) {
            ci_node *node = &graph->nodes[k];
            int ok = !done[k];
            for (int j = 0; ok && j < node->n_in; j++)
                ok = node->in[j] < 0 || ready[node->in[j]];
            if (!ok)
                continue;
            done[k] = 1;
            sorted[placed++] = *node;
            for (int j = 0; j < node->n_out; j++)
                if (node->out[j] >= 0)
                    ready[node->out[j]] = 1;
            progress = 1;
        }
    }
    return placed;
}

/* Reorders graph->nodes so every node comes after the producers of its inputs. */
static cxrinfer_status topo_sort(ci_graph *graph, ci_err *err)
{
    int n_nodes = graph->n_nodes;
    ci_node *sorted = malloc((size_t)(n_nodes ? n_nodes : 1) * sizeof(*sorted));
    unsigned char *done = calloc((size_t)(n_nodes ? n_nodes : 1), 1);
    unsigned char *ready = calloc((size_t)(graph->n_values ? graph->n_values : 1), 1);
    if (!sorted || !done || !ready) {
        free(sorted), free(done), free(ready);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    for (int v = 0; v < graph->n_values; v++)
        ready[v] = graph->values[v].producer < 0;
    int placed = place_ready(graph, sorted, done, ready);
    cxrinfer_status st = CXRINFER_OK;
    if (placed < n_nodes) {
        char label[300];
        for (int k = 0; k < n_nodes; k++)
            if (!done[k]) {
                st = ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: %s is part of a cycle",
                             ci_node_label(&graph->nodes[k], label, sizeof label));
                break;
            }
    } else if (n_nodes > 0) {
        memcpy(graph->nodes, sorted, (size_t)n_nodes * sizeof(*sorted));
        for (int k = 0; k < n_nodes; k++)
            for (int j = 0; j < graph->nodes[k].n_out; j++)
                if (graph->nodes[k].out[j] >= 0)
                    graph->values[graph->nodes[k].out[j]].producer = k;
    }
    free(sorted), free(done), free(ready);
    return st;
}

cxrinfer_status ci_graph_link(ci_graph *graph, ci_err *err)
{
    char label[300];
    for (int k = 0; k < graph->n_nodes; k++) {
        ci_node *node = &graph->nodes[k];
        const char *domain = node->domain && node->domain[0] ? node->domain : "";
        node->op = ci_op_lookup(node->op_type);
        if ((domain[0] && strcmp(domain, "ai.onnx")) || node->op == CI_OP_UNKNOWN)
            return ci_fail(err, CXRINFER_ERR_UNSUPPORTED,
                           "unsupported model: %s: op '%s%s%s' is not supported by this engine",
                           ci_node_label(node, label, sizeof label), domain,
                           domain[0] ? "." : "", node->op_type);
    }
    name_map map;
    size_t want = (size_t)graph->n_raw_inits + (size_t)graph->n_raw_inputs + 16;
    for (int k = 0; k < graph->n_nodes; k++)
        want += (size_t)graph->nodes[k].n_out;
    for (map.cap = 64; map.cap < want * 2; map.cap *= 2)
        ;
    if (!(map.slot = calloc(map.cap, sizeof(int))))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    cxrinfer_status st = link_values(graph, &map, err);
    free(map.slot);
    if (st == CXRINFER_OK)
        st = topo_sort(graph, err);
    return st;
}
