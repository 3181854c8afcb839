/* plan.c: a plan for one set of input shapes (every value's shape, the
 * constants folded, the nodes left to run), and the reference executor
 * that runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void ci_plan_free(const ci_graph *graph, ci_plan *plan)
{
    if (plan->vals)
        for (int v = 0; v < graph->n_values; v++)
            ci_tensor_clear(&plan->vals[v]);
    free(plan->vals);
    free(plan->is_const);
    free(plan->steps);
    free(plan->last_use);
    free(plan->keep);
    memset(plan, 0, sizeof(*plan));
}

/* Checks a given input against the rank, dims and type the graph declares. */
static cxrinfer_status check_input(const ci_value *value, const ci_tensor *given, ci_err *err)
{
    char have[200], want[200];
    int ok = value->rank < 0 || value->rank == given->rank;
    for (int i = 0; ok && value->rank >= 0 && i < value->rank; i++)
        ok = value->dims[i] < 0 || value->dims[i] == given->dims[i];
    if (ok && value->elem_type && value->elem_type != (int)given->dtype &&
        !(value->elem_type == 6 && given->dtype == CXRINFER_INT64))
        return ci_fail(err, CXRINFER_ERR_SHAPE, "input '%s' has element type %d, the model "
                       "expects %d", value->name, (int)given->dtype, value->elem_type);
    if (ok)
        return CXRINFER_OK;
    size_t at = (size_t)snprintf(want, sizeof want, "[");
    for (int i = 0; i < value->rank && at < sizeof want; i++)
        at += (size_t)snprintf(want + at, sizeof want - at,
                               value->dims[i] < 0 ? "%s?" : "%s%lld", i ? "," : "",
                               (long long)value->dims[i]);
    if (at < sizeof want)
        snprintf(want + at, sizeof want - at, "]");
    return ci_fail(err, CXRINFER_ERR_SHAPE, "input '%s' has shape %s, the model expects %s",
                   value->name, ci_shape_str(given, have, sizeof have), want);
}

/* Infers node k's outputs; folds it into constants when it can. */
static cxrinfer_status plan_node(const ci_graph *graph, ci_plan *plan, int k, ci_err *err)
{
    const ci_node *node = &graph->nodes[k];
    ci_tensor *in[16] = {0}, *out[8] = {0}, unused;
    int all_const = 1;
    char label[300];
    memset(&unused, 0, sizeof(unused));
    if (node->n_in > 16 || node->n_out > 8)
        return ci_fail(err, CXRINFER_ERR_UNSUPPORTED, "unsupported model: %s has too many "
                       "inputs or outputs", ci_node_label(node, label, sizeof label));
    for (int j = 0; j < node->n_in; j++) {
        in[j] = node->in[j] >= 0 ? &plan->vals[node->in[j]] : NULL;
        if (in[j] && !plan->is_const[node->in[j]])
            all_const = 0;
    }
    for (int j = 0; j < node->n_out; j++)
        out[j] = node->out[j] >= 0 ? &plan->vals[node->out[j]] : &unused;
    cxrinfer_status st = ci_ref_infer(graph, node, in, out, err);
    if (st != CXRINFER_OK)
        return st;
    if (!all_const && !ci_ref_is_shape_only(node)) {
        plan->steps[plan->n_steps++] = k;
        return CXRINFER_OK;
    }
    for (int j = 0; j < node->n_out; j++)
        if (node->out[j] >= 0 && (st = ci_tensor_alloc(out[j], err)) != CXRINFER_OK)
            return st;
    ci_ref_exec(graph, node, in, out);
    for (int j = 0; j < node->n_out; j++)
        if (node->out[j] >= 0)
            plan->is_const[node->out[j]] = 1;
    return CXRINFER_OK;
}

/* Sets the graph inputs' shapes; integer inputs (shapes, axes, indices)
 * are planned by value. */
static cxrinfer_status plan_inputs(const ci_graph *graph, const ci_tensor *input_shapes,
                                   ci_plan *plan, ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    for (int i = 0; i < graph->n_inputs && st == CXRINFER_OK; i++) {
        ci_tensor *input = &plan->vals[graph->inputs[i]];
        *input = input_shapes[i];
        input->data = NULL;
        input->owned = 0;
        st = check_input(&graph->values[graph->inputs[i]], input, err);
        if (st == CXRINFER_OK && input->dtype == CXRINFER_INT64 && input_shapes[i].data &&
            (st = ci_tensor_alloc(input, err)) == CXRINFER_OK) {
            if (input->count)
                memcpy(input->data, input_shapes[i].data, input->count * sizeof(int64_t));
            plan->is_const[graph->inputs[i]] = 1;
        }
    }
    return st;
}

cxrinfer_status ci_plan_build(const ci_graph *graph, const ci_tensor *input_shapes,
                              ci_plan *plan, ci_err *err)
{
    size_t n_values = (size_t)(graph->n_values ? graph->n_values : 1);
    memset(plan, 0, sizeof(*plan));
    plan->vals = calloc(n_values, sizeof(*plan->vals));
    plan->is_const = calloc(n_values, 1);
    plan->keep = calloc(n_values, 1);
    plan->last_use = malloc(n_values * sizeof(int));
    plan->steps = malloc((size_t)(graph->n_nodes + 1) * sizeof(int));
    if (!plan->vals || !plan->is_const || !plan->keep || !plan->last_use || !plan->steps) {
        ci_plan_free(graph, plan);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    for (int v = 0; v < graph->n_values; v++) {
        plan->last_use[v] = -1;
        if (graph->values[v].is_init && !graph->values[v].init.data) {
            /* oneDNN took it and could not give it back (ci_dnnl_restore) */
            ci_plan_free(graph, plan);
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory: initializer '%s' was lost",
                           graph->values[v].name);
        }
        if (graph->values[v].is_init) {
            plan->vals[v] = graph->values[v].init;
            plan->vals[v].owned = 0; /* borrowed from the graph */
            plan->is_const[v] = 1;
        }
    }
    cxrinfer_status st = plan_inputs(graph, input_shapes, plan, err);
    for (int k = 0; k < graph->n_nodes && st == CXRINFER_OK; k++)
        st = plan_node(graph, plan, k, err);
    if (st != CXRINFER_OK) {
        ci_plan_free(graph, plan);
        return st;
    }
    for (int i = 0; i < graph->n_outputs; i++)
        plan->keep[graph->outputs[i]] = 1;
    for (int step = 0; step < plan->n_steps; step++) {
        const ci_node *node = &graph->nodes[plan->steps[step]];
        for (int j = 0; j < node->n_in; j++)
            if (node->in[j] >= 0)
                plan->last_use[node->in[j]] = step;
    }
    return CXRINFER_OK;
}

/* Runs step 'step': allocates its outputs, runs its kernel, and frees the
 * inputs it was the last to read. */
static cxrinfer_status run_step(const ci_graph *graph, ci_plan *plan, int step, ci_err *err)
{
    const ci_node *node = &graph->nodes[plan->steps[step]];
    ci_tensor *in[16] = {0}, *out[8] = {0}, scratch[8];
    cxrinfer_status st = CXRINFER_OK;
    memset(scratch, 0, sizeof(scratch));
    for (int j = 0; j < node->n_in; j++)
        in[j] = node->in[j] >= 0 ? &plan->vals[node->in[j]] : NULL;
    for (int j = 0; j < node->n_out; j++) {
        out[j] = node->out[j] >= 0 ? &plan->vals[node->out[j]] : &scratch[j];
        if (node->out[j] < 0)
            continue;
        ci_tensor_clear(out[j]);
        if ((st = ci_tensor_alloc(out[j], err)) != CXRINFER_OK)
            break;
    }
    if (st == CXRINFER_OK)
        ci_ref_exec(graph, node, in, out);
    for (int j = 0; j < node->n_in; j++) {
        int v = node->in[j]; /* a value index */
        if (v >= 0 && plan->last_use[v] == step && !plan->is_const[v] && !plan->keep[v] &&
            !graph->values[v].is_input)
            ci_tensor_clear(&plan->vals[v]);
    }
    return st;
}

cxrinfer_status ci_ref_run(const ci_graph *graph, ci_plan *plan,
                           const ci_tensor *const *inputs, ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    for (int i = 0; i < graph->n_inputs; i++) {
        if (plan->is_const[graph->inputs[i]])
            continue;
        /* borrowed: the kernels only read the graph inputs */
        plan->vals[graph->inputs[i]].data = inputs[i]->data;
        plan->vals[graph->inputs[i]].owned = 0;
    }
    for (int step = 0; step < plan->n_steps && st == CXRINFER_OK; step++)
        st = run_step(graph, plan, step, err);
    return st;
}
