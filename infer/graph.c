/* graph.c: turns the parsed ONNX graph into something runnable: names
 * resolved to values, ops looked up, nodes in topological order; then, for
 * one set of input shapes, a plan: every value's shape, constants folded,
 * the nodes left to run; and the reference executor of such a plan. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

cxrinfer_status ci_fail(ci_err *err, cxrinfer_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

size_t ci_tensor_elem_size(int dtype)
{
    return dtype == CXRINFER_INT64 ? 8 : 4;
}

int ci_tensor_set_shape(ci_tensor *t, int rank, const int64_t *dims)
{
    size_t count = 1;
    if (rank < 0 || rank > CXRINFER_MAX_RANK)
        return -1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || dims[i] > ((int64_t)1 << 40))
            return -1;
        if (dims[i] && count > ((size_t)1 << 40) / (size_t)dims[i])
            return -1;
        count *= (size_t)dims[i];
        t->dims[i] = dims[i];
    }
    t->rank = rank;
    t->count = count;
    return 0;
}

cxrinfer_status ci_tensor_alloc(ci_tensor *t, ci_err *err)
{
    size_t esz = ci_tensor_elem_size(t->dtype);
    if (t->count > ((size_t)1 << 32) / esz) /* 4 GiB: no image classifier comes near */
        return ci_fail(err, CXRINFER_ERR_NOMEM, "a tensor of %zu values is over 4 GiB",
                       t->count);
    t->data = calloc(t->count ? t->count : 1, esz);
    if (!t->data)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory for a tensor of %zu values",
                       t->count);
    t->owned = 1;
    return CXRINFER_OK;
}

void ci_tensor_clear(ci_tensor *t)
{
    if (t->owned)
        free(t->data);
    t->data = NULL;
    t->owned = 0;
}

const char *ci_shape_str(const ci_tensor *t, char *buf, size_t len)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < t->rank && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, i ? ",%lld" : "%lld", (long long)t->dims[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}

const ci_attr *ci_attr_find(const ci_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name))
            return &n->attrs[i];
    return NULL;
}

int64_t ci_attr_int(const ci_node *n, const char *name, int64_t dflt)
{
    const ci_attr *a = ci_attr_find(n, name);
    return a && a->type == CI_ATTR_INT ? a->i : dflt;
}

float ci_attr_float(const ci_node *n, const char *name, float dflt)
{
    const ci_attr *a = ci_attr_find(n, name);
    return a && a->type == CI_ATTR_FLOAT ? a->f : dflt;
}

const char *ci_attr_str(const ci_node *n, const char *name, const char *dflt)
{
    const ci_attr *a = ci_attr_find(n, name);
    return a && a->type == CI_ATTR_STRING && a->s ? a->s : dflt;
}

int ci_attr_ints(const ci_node *n, const char *name, int64_t *out, int max)
{
    const ci_attr *a = ci_attr_find(n, name);
    if (!a || a->type != CI_ATTR_INTS)
        return -1;
    int k = (int)(a->n < (size_t)max ? a->n : (size_t)max);
    for (int i = 0; i < k; i++)
        out[i] = a->ints[i];
    return a->n > (size_t)max ? max + 1 : k;
}

const char *ci_node_label(const ci_node *n, char *buf, size_t len)
{
    if (n->name && n->name[0])
        snprintf(buf, len, "node '%s' ('%s')", n->name, n->op_type);
    else
        snprintf(buf, len, "node #%d ('%s')", n->index, n->op_type);
    return buf;
}

static const char *const op_names[CI_OP_COUNT] = {
    [CI_OP_CONV] = "Conv", [CI_OP_RELU] = "Relu", [CI_OP_SIGMOID] = "Sigmoid",
    [CI_OP_MAXPOOL] = "MaxPool", [CI_OP_AVGPOOL] = "AveragePool",
    [CI_OP_GLOBALAVGPOOL] = "GlobalAveragePool", [CI_OP_PAD] = "Pad",
    [CI_OP_TRANSPOSE] = "Transpose", [CI_OP_RESHAPE] = "Reshape",
    [CI_OP_FLATTEN] = "Flatten", [CI_OP_MATMUL] = "MatMul", [CI_OP_GEMM] = "Gemm",
    [CI_OP_ADD] = "Add", [CI_OP_SUB] = "Sub", [CI_OP_MUL] = "Mul", [CI_OP_DIV] = "Div",
    [CI_OP_SOFTMAX] = "Softmax", [CI_OP_IDENTITY] = "Identity", [CI_OP_DROPOUT] = "Dropout",
    [CI_OP_SQUEEZE] = "Squeeze", [CI_OP_UNSQUEEZE] = "Unsqueeze",
    [CI_OP_BATCHNORM] = "BatchNormalization", [CI_OP_CONSTANT] = "Constant",
    [CI_OP_SHAPE] = "Shape", [CI_OP_GATHER] = "Gather", [CI_OP_CAST] = "Cast",
    [CI_OP_SLICE] = "Slice", [CI_OP_CONCAT] = "Concat", [CI_OP_LEAKYRELU] = "LeakyRelu",
    [CI_OP_TANH] = "Tanh", [CI_OP_CLIP] = "Clip", [CI_OP_REDUCEMEAN] = "ReduceMean",
};

ci_op ci_op_lookup(const char *op_type)
{
    for (int i = 1; i < CI_OP_COUNT; i++)
        if (op_names[i] && !strcmp(op_names[i], op_type))
            return (ci_op)i;
    return CI_OP_UNKNOWN;
}

/* ---- linking: a small open-addressing table from names to values ---- */

typedef struct name_map {
    int *slot;        /* value index + 1; 0 empty */
    size_t cap;
} name_map;

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static int map_find(const name_map *m, const ci_graph *g, const char *name)
{
    for (size_t i = hash_str(name) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slot[i])
            return -1;
        if (!strcmp(g->values[m->slot[i] - 1].name, name))
            return m->slot[i] - 1;
    }
}

/* Adds a value named 'name' (copied); returns its index or -1 (no memory). */
static int add_value(name_map *m, ci_graph *g, const char *name)
{
    if (g->n_values == g->cap_values) {
        int cap = g->cap_values ? g->cap_values * 2 : 64;
        ci_value *v = realloc(g->values, (size_t)cap * sizeof(*v));
        if (!v)
            return -1;
        g->values = v;
        g->cap_values = cap;
    }
    ci_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof(*v));
    v->rank = -1;
    v->producer = -1;
    if (!(v->name = strdup(name)))
        return -1;
    size_t i = hash_str(name) & (m->cap - 1);
    while (m->slot[i])
        i = (i + 1) & (m->cap - 1);
    m->slot[i] = ++g->n_values;
    return g->n_values - 1;
}

/* Initializers and graph inputs become values (an initializer listed as an
 * input stays a constant). */
static cxrinfer_status link_inputs(ci_graph *g, name_map *m, ci_err *err)
{
    for (int i = 0; i < g->n_raw_inits; i++) {
        int v = map_find(m, g, g->raw_init_names[i]);
        if (v < 0 && (v = add_value(m, g, g->raw_init_names[i])) < 0)
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        ci_tensor_clear(&g->values[v].init);
        g->values[v].is_init = 1;
        g->values[v].init = g->raw_inits[i];
        memset(&g->raw_inits[i], 0, sizeof(g->raw_inits[i]));
    }
    for (int i = 0; i < g->n_raw_inputs; i++) {
        int v = map_find(m, g, g->raw_inputs[i]);
        if (v >= 0 && g->values[v].is_init)
            continue; /* an initializer listed as an input (IR < 4): a constant */
        if (v >= 0)
            return ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: input '%s' is listed twice",
                           g->raw_inputs[i]);
        if ((v = add_value(m, g, g->raw_inputs[i])) < 0)
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        ci_value *val = &g->values[v];
        val->is_input = 1;
        val->elem_type = g->raw_input_info[i].elem_type;
        val->rank = g->raw_input_info[i].rank;
        memcpy(val->dims, g->raw_input_info[i].dims, sizeof(val->dims));
        int *in = realloc(g->inputs, (size_t)(g->n_inputs + 1) * sizeof(*in));
        if (!in)
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        g->inputs = in;
        in[g->n_inputs++] = v;
    }
    return CXRINFER_OK;
}

/* Node outputs become values; node inputs are looked up. */
static cxrinfer_status link_nodes(ci_graph *g, name_map *m, ci_err *err)
{
    char lb[300];
    for (int k = 0; k < g->n_nodes; k++) {
        ci_node *n = &g->nodes[k];
        if (!(n->out = malloc((size_t)(n->n_out + 1) * sizeof(int))))
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        for (int j = 0; j < n->n_out; j++) {
            n->out[j] = -1;
            if (!n->out_names[j][0])
                continue;
            int v = map_find(m, g, n->out_names[j]);
            if (v >= 0)
                return ci_fail(err, CXRINFER_ERR_MODEL,
                               "malformed model: %s writes '%s', which already has a value",
                               ci_node_label(n, lb, sizeof lb), n->out_names[j]);
            if ((v = add_value(m, g, n->out_names[j])) < 0)
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            g->values[v].producer = k;
            n->out[j] = v;
        }
    }
    for (int k = 0; k < g->n_nodes; k++) {
        ci_node *n = &g->nodes[k];
        if (!(n->in = malloc((size_t)(n->n_in + 1) * sizeof(int))))
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        for (int j = 0; j < n->n_in; j++) {
            n->in[j] = n->in_names[j][0] ? map_find(m, g, n->in_names[j]) : -1;
            if (n->in_names[j][0] && n->in[j] < 0)
                return ci_fail(err, CXRINFER_ERR_MODEL,
                               "malformed model: %s reads '%s', which no node, input or "
                               "initializer provides",
                               ci_node_label(n, lb, sizeof lb), n->in_names[j]);
        }
    }
    return CXRINFER_OK;
}

static cxrinfer_status link_values(ci_graph *g, name_map *m, ci_err *err)
{
    cxrinfer_status st = link_inputs(g, m, err);
    if (st == CXRINFER_OK)
        st = link_nodes(g, m, err);
    if (st != CXRINFER_OK)
        return st;
    if (!(g->outputs = malloc((size_t)(g->n_raw_outputs + 1) * sizeof(int))))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_raw_outputs; i++) {
        int v = map_find(m, g, g->raw_outputs[i]);
        if (v < 0)
            return ci_fail(err, CXRINFER_ERR_MODEL,
                           "malformed model: graph output '%s' is not produced by any node",
                           g->raw_outputs[i]);
        g->outputs[g->n_outputs++] = v;
    }
    if (g->n_outputs == 0)
        return ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: the graph has no outputs");
    return CXRINFER_OK;
}

/* Reorders g->nodes so every node comes after the producers of its inputs. */
static cxrinfer_status topo_sort(ci_graph *g, ci_err *err)
{
    int n = g->n_nodes;
    ci_node *sorted = malloc((size_t)(n ? n : 1) * sizeof(*sorted));
    unsigned char *done = calloc((size_t)(n ? n : 1), 1);
    unsigned char *ready = calloc((size_t)(g->n_values ? g->n_values : 1), 1);
    if (!sorted || !done || !ready) {
        free(sorted), free(done), free(ready);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    for (int v = 0; v < g->n_values; v++)
        ready[v] = g->values[v].producer < 0;
    int placed = 0, progress = 1;
    while (placed < n && progress) {
        progress = 0;
        for (int k = 0; k < n; k++) {
            ci_node *nd = &g->nodes[k];
            int ok = !done[k];
            for (int j = 0; ok && j < nd->n_in; j++)
                ok = nd->in[j] < 0 || ready[nd->in[j]];
            if (!ok)
                continue;
            done[k] = 1;
            sorted[placed++] = *nd;
            for (int j = 0; j < nd->n_out; j++)
                if (nd->out[j] >= 0)
                    ready[nd->out[j]] = 1;
            progress = 1;
        }
    }
    cxrinfer_status st = CXRINFER_OK;
    if (placed < n) {
        char lb[300];
        for (int k = 0; k < n; k++)
            if (!done[k]) {
                st = ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: %s is part of a cycle",
                             ci_node_label(&g->nodes[k], lb, sizeof lb));
                break;
            }
    } else if (n > 0) {
        memcpy(g->nodes, sorted, (size_t)n * sizeof(*sorted));
        for (int k = 0; k < n; k++)
            for (int j = 0; j < g->nodes[k].n_out; j++)
                if (g->nodes[k].out[j] >= 0)
                    g->values[g->nodes[k].out[j]].producer = k;
    }
    free(sorted), free(done), free(ready);
    return st;
}

cxrinfer_status ci_graph_link(ci_graph *g, ci_err *err)
{
    char lb[300];
    for (int k = 0; k < g->n_nodes; k++) {
        ci_node *n = &g->nodes[k];
        n->op = ci_op_lookup(n->op_type);
        if ((n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx")) || n->op == CI_OP_UNKNOWN)
            return ci_fail(err, CXRINFER_ERR_UNSUPPORTED,
                           "unsupported model: %s: op '%s%s%s' is not supported by this engine",
                           ci_node_label(n, lb, sizeof lb),
                           n->domain && n->domain[0] ? n->domain : "",
                           n->domain && n->domain[0] ? "." : "", n->op_type);
    }
    name_map m;
    size_t want = (size_t)g->n_raw_inits + (size_t)g->n_raw_inputs + 16;
    for (int k = 0; k < g->n_nodes; k++)
        want += (size_t)g->nodes[k].n_out;
    for (m.cap = 64; m.cap < want * 2; m.cap *= 2)
        ;
    if (!(m.slot = calloc(m.cap, sizeof(int))))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    cxrinfer_status st = link_values(g, &m, err);
    free(m.slot);
    if (st == CXRINFER_OK)
        st = topo_sort(g, err);
    return st;
}

/* ---- plans ---- */

void ci_plan_free(const ci_graph *g, ci_plan *p)
{
    if (p->vals)
        for (int v = 0; v < g->n_values; v++)
            ci_tensor_clear(&p->vals[v]);
    free(p->vals);
    free(p->is_const);
    free(p->steps);
    free(p->last_use);
    free(p->keep);
    memset(p, 0, sizeof(*p));
}

static cxrinfer_status check_input(const ci_value *v, const ci_tensor *given, ci_err *err)
{
    char have[200], want[200];
    int ok = v->rank < 0 || v->rank == given->rank;
    for (int i = 0; ok && v->rank >= 0 && i < v->rank; i++)
        ok = v->dims[i] < 0 || v->dims[i] == given->dims[i];
    if (ok && v->elem_type && v->elem_type != (int)given->dtype &&
        !(v->elem_type == 6 && given->dtype == CXRINFER_INT64))
        return ci_fail(err, CXRINFER_ERR_SHAPE, "input '%s' has element type %d, the model "
                       "expects %d", v->name, (int)given->dtype, v->elem_type);
    if (ok)
        return CXRINFER_OK;
    size_t at = (size_t)snprintf(want, sizeof want, "[");
    for (int i = 0; i < v->rank && at < sizeof want; i++)
        at += (size_t)snprintf(want + at, sizeof want - at, v->dims[i] < 0 ? "%s?" : "%s%lld",
                               i ? "," : "", (long long)v->dims[i]);
    if (at < sizeof want)
        snprintf(want + at, sizeof want - at, "]");
    return ci_fail(err, CXRINFER_ERR_SHAPE, "input '%s' has shape %s, the model expects %s",
                   v->name, ci_shape_str(given, have, sizeof have), want);
}

/* Infers a node's outputs; folds it into constants when it can. */
static cxrinfer_status plan_node(const ci_graph *g, ci_plan *p, int k, ci_err *err)
{
    const ci_node *n = &g->nodes[k];
    ci_tensor *in[16] = {0}, *out[8] = {0}, none;
    int all_const = 1;
    char lb[300];
    memset(&none, 0, sizeof(none));
    if (n->n_in > 16 || n->n_out > 8)
        return ci_fail(err, CXRINFER_ERR_UNSUPPORTED, "unsupported model: %s has too many "
                       "inputs or outputs", ci_node_label(n, lb, sizeof lb));
    for (int j = 0; j < n->n_in; j++) {
        in[j] = n->in[j] >= 0 ? &p->vals[n->in[j]] : NULL;
        if (in[j] && !p->is_const[n->in[j]])
            all_const = 0;
    }
    for (int j = 0; j < n->n_out; j++)
        out[j] = n->out[j] >= 0 ? &p->vals[n->out[j]] : &none;
    cxrinfer_status st = ci_ref_infer(g, n, in, out, err);
    if (st != CXRINFER_OK)
        return st;
    if (!all_const && !ci_ref_is_shape_only(n)) {
        p->steps[p->n_steps++] = k;
        return CXRINFER_OK;
    }
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0 && (st = ci_tensor_alloc(out[j], err)) != CXRINFER_OK)
            return st;
    ci_ref_exec(g, n, in, out);
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0)
            p->is_const[n->out[j]] = 1;
    return CXRINFER_OK;
}

cxrinfer_status ci_plan_build(const ci_graph *g, const ci_tensor *input_shapes, ci_plan *p,
                              ci_err *err)
{
    size_t nv = (size_t)(g->n_values ? g->n_values : 1);
    memset(p, 0, sizeof(*p));
    p->vals = calloc(nv, sizeof(*p->vals));
    p->is_const = calloc(nv, 1);
    p->keep = calloc(nv, 1);
    p->last_use = malloc(nv * sizeof(int));
    p->steps = malloc((size_t)(g->n_nodes + 1) * sizeof(int));
    if (!p->vals || !p->is_const || !p->keep || !p->last_use || !p->steps) {
        ci_plan_free(g, p);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    for (int v = 0; v < g->n_values; v++) {
        p->last_use[v] = -1;
        if (g->values[v].is_init) {
            p->vals[v] = g->values[v].init;
            p->vals[v].owned = 0; /* borrowed from the graph */
            p->is_const[v] = 1;
        }
    }
    cxrinfer_status st = CXRINFER_OK;
    for (int i = 0; i < g->n_inputs && st == CXRINFER_OK; i++) {
        ci_tensor *t = &p->vals[g->inputs[i]];
        *t = input_shapes[i];
        t->data = NULL;
        t->owned = 0;
        st = check_input(&g->values[g->inputs[i]], t, err);
        /* integer inputs (shapes, axes, indices) are planned by value */
        if (st == CXRINFER_OK && t->dtype == CXRINFER_INT64 && input_shapes[i].data &&
            (st = ci_tensor_alloc(t, err)) == CXRINFER_OK) {
            if (t->count)
                memcpy(t->data, input_shapes[i].data, t->count * sizeof(int64_t));
            p->is_const[g->inputs[i]] = 1;
        }
    }
    for (int k = 0; k < g->n_nodes && st == CXRINFER_OK; k++)
        st = plan_node(g, p, k, err);
    if (st != CXRINFER_OK) {
        ci_plan_free(g, p);
        return st;
    }
    for (int i = 0; i < g->n_outputs; i++)
        p->keep[g->outputs[i]] = 1;
    for (int s = 0; s < p->n_steps; s++) {
        const ci_node *n = &g->nodes[p->steps[s]];
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0)
                p->last_use[n->in[j]] = s;
    }
    return CXRINFER_OK;
}

cxrinfer_status ci_ref_run(const ci_graph *g, ci_plan *p, ci_tensor *const *inputs, ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    for (int i = 0; i < g->n_inputs; i++) {
        if (p->is_const[g->inputs[i]])
            continue;
        p->vals[g->inputs[i]].data = inputs[i]->data;
        p->vals[g->inputs[i]].owned = 0;
    }
    for (int s = 0; s < p->n_steps && st == CXRINFER_OK; s++) {
        const ci_node *n = &g->nodes[p->steps[s]];
        ci_tensor *in[16] = {0}, *out[8] = {0}, scratch[8];
        memset(scratch, 0, sizeof(scratch));
        for (int j = 0; j < n->n_in; j++)
            in[j] = n->in[j] >= 0 ? &p->vals[n->in[j]] : NULL;
        for (int j = 0; j < n->n_out; j++) {
            out[j] = n->out[j] >= 0 ? &p->vals[n->out[j]] : &scratch[j];
            if (n->out[j] < 0)
                continue;
            ci_tensor_clear(out[j]);
            if ((st = ci_tensor_alloc(out[j], err)) != CXRINFER_OK)
                break;
        }
        if (st == CXRINFER_OK)
            ci_ref_exec(g, n, in, out);
        for (int j = 0; j < n->n_in; j++) {
            int v = n->in[j];
            if (v >= 0 && p->last_use[v] == s && !p->is_const[v] && !p->keep[v] &&
                !g->values[v].is_input)
                ci_tensor_clear(&p->vals[v]);
        }
    }
    return st;
}
