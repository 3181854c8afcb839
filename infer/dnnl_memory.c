/* dnnl_memory.c: where the oneDNN path keeps its data. Every value's
 * memories (the producer's format, plain row-major for the reference
 * kernels, another format a consumer asked for) and every primitive's
 * scratchpad lie in one arena, packed by liveness (arena.c), so that
 * buffers never alive together share memory. Constants (weights) are
 * reordered once into the primitive's format and their ONNX copy is freed;
 * ci_dnnl_restore converts them back when a new plan needs them. */
#include <limits.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "dnnl_internal.h"

/* Makes room for one more element in the array whose pointer is at
 * 'field' (any object pointer type; read and written with memcpy), 'n'
 * used of '*cap'. 0, or -1 when out of memory (the array left as it was). */
static int grow(void *field, int n, int *cap, size_t elem)
{
    void *arr, *grown;
    if (n < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 32;
    memcpy(&arr, field, sizeof arr);
    if (!(grown = realloc(arr, (size_t)ncap * elem)))
        return -1;
    memcpy(field, &grown, sizeof grown);
    *cap = ncap;
    return 0;
}

/* A new buffer of 'bytes'. A padded oneDNN format (channels rounded up to
 * a block) relies on its padding staying zero, so it gets memory of its
 * own for the whole run ('exclusive'); the arena starts zeroed. */
static int new_buf(ci_dnnl *d, size_t bytes, int exclusive)
{
    if (grow(&d->bufs, d->n_bufs, &d->cap_bufs, sizeof(*d->bufs)))
        return -1;
    ci_arena_buf *b = &d->bufs[d->n_bufs];
    b->size = bytes ? bytes : 1;
    b->first = exclusive ? -1 : INT_MAX;
    b->last = exclusive ? INT_MAX : -1;
    b->offset = 0;
    return d->n_bufs++;
}

static int bind(ci_dnnl *d, dnnl_memory_t mem, int value, int buf)
{
    if (grow(&d->binds, d->n_binds, &d->cap_binds, sizeof(*d->binds)))
        return -1;
    d->binds[d->n_binds++] = (dbind){mem, value, buf};
    return 0;
}

void ci_dn_touch(ci_dnnl *d, int buf, int step)
{
    if (buf < 0)
        return;
    if (step < d->bufs[buf].first)
        d->bufs[buf].first = step;
    if (step > d->bufs[buf].last)
        d->bufs[buf].last = step;
}

int ci_dn_buf_of(const ci_dnnl *d, dnnl_memory_t mem)
{
    for (int i = 0; mem && i < d->n_binds; i++)
        if (d->binds[i].mem == mem)
            return d->binds[i].buf;
    return -1;
}

static const dnnl_format_tag_t plain_tags[] = {dnnl_a, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd,
                                               dnnl_abcde, dnnl_abcdef};

cxrinfer_status ci_dn_plain_md(const ci_tensor *t, dnnl_memory_desc_t *md, const char *where,
                               ci_err *err)
{
    dnnl_dims_t dims;
    int r = t->rank ? t->rank : 1;
    if (r > 6)
        return ci_fail(err, CXRINFER_ERR_UNSUPPORTED, "%s: rank %d is too large", where, r);
    for (int i = 0; i < r; i++)
        dims[i] = t->rank ? t->dims[i] : 1;
    DN(dnnl_memory_desc_init_by_tag(md, r, dims, dnnl_f32, plain_tags[r]), "plain descriptor");
    return CXRINFER_OK;
}

/* 1 if a format holds more than its values (padded channel blocks). */
static int is_padded(const dnnl_memory_desc_t *md)
{
    size_t values = 1;
    for (int i = 0; i < md->ndims; i++)
        values *= (size_t)md->dims[i];
    return dnnl_memory_desc_get_size(md) > values * sizeof(float);
}

/* A memory of format 'md' in buffer 'buf', its handle set by ci_dn_place. */
static cxrinfer_status placed_memory(ci_dnnl *d, const dnnl_memory_desc_t *md, int buf,
                                     dnnl_memory_t *out, const char *where, ci_err *err)
{
    DN(dnnl_memory_create(out, md, d->eng, DNNL_MEMORY_NONE), "memory");
    if (bind(d, *out, -1, buf)) {
        dnnl_memory_destroy(*out);
        *out = NULL;
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    return CXRINFER_OK;
}

cxrinfer_status ci_dn_value_buf(ci_dnnl *d, ci_plan *p, int v, int *buf, ci_err *err)
{
    ci_tensor *t = &p->vals[v];
    *buf = d->vals[v].plain_buf;
    if (*buf >= 0 || t->data)
        return CXRINFER_OK;
    size_t bytes = (t->count ? t->count : 1) * ci_tensor_elem_size(t->dtype);
    if (t->count > ((size_t)1 << 32) / ci_tensor_elem_size(t->dtype))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "a tensor of %zu values is over 4 GiB", t->count);
    if ((*buf = new_buf(d, bytes, 0)) < 0 || bind(d, NULL, v, *buf))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    d->vals[v].plain_buf = *buf;
    return CXRINFER_OK;
}

cxrinfer_status ci_dn_get_plain(ci_dnnl *d, ci_plan *p, int v, dnnl_memory_t *out,
                                const char *where, ci_err *err)
{
    v = ci_dn_root(d, v);
    dval *dv = &d->vals[v];
    if (!dv->plain) {
        dnnl_memory_desc_t md;
        int buf;
        cxrinfer_status st = ci_dn_plain_md(&p->vals[v], &md, where, err);
        if (st == CXRINFER_OK)
            st = ci_dn_value_buf(d, p, v, &buf, err);
        if (st != CXRINFER_OK)
            return st;
        if (buf < 0) /* a constant: its own data */
            DN(dnnl_memory_create(&dv->plain, &md, d->eng, p->vals[v].data), "memory");
        else if ((st = placed_memory(d, &md, buf, &dv->plain, where, err)))
            return st;
    }
    *out = dv->plain;
    return CXRINFER_OK;
}

cxrinfer_status ci_dn_attr(dnnl_primitive_attr_t *attr, int relu, const char *where,
                           ci_err *err)
{
    dnnl_post_ops_t po;
    DN(dnnl_primitive_attr_create(attr), "attribute");
    dnnl_status_t s = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user);
    if (s == dnnl_success && relu) {
        s = dnnl_post_ops_create(&po);
        if (s == dnnl_success) {
            s = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
            if (s == dnnl_success)
                s = dnnl_primitive_attr_set_post_ops(*attr, po);
            dnnl_post_ops_destroy(po);
        }
    }
    if (s != dnnl_success) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
    }
    DN(s, "attribute");
    return CXRINFER_OK;
}

/* The scratchpad a primitive asks for: a memory in a buffer of its own
 * step only. Added to args (NULL memory when none is needed). */
static cxrinfer_status add_scratchpad(ci_dnnl *d, const_dnnl_primitive_desc_t pd,
                                      dnnl_memory_t *mem, const char *where, ci_err *err)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t bytes = md ? dnnl_memory_desc_get_size(md) : 0;
    int buf;
    *mem = NULL;
    if (!bytes)
        return CXRINFER_OK;
    if (grow(&d->extra, d->n_extra, &d->cap_extra, sizeof(*d->extra)) ||
        (buf = new_buf(d, bytes, 0)) < 0)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    cxrinfer_status st = placed_memory(d, md, buf, mem, where, err);
    if (st == CXRINFER_OK)
        d->extra[d->n_extra++] = *mem;
    return st;
}

dstep *ci_dn_new_step(ci_dnnl *d)
{
    if (grow(&d->steps, d->n_steps, &d->cap_steps, sizeof(*d->steps)))
        return NULL;
    dstep *s = &d->steps[d->n_steps++];
    memset(s, 0, sizeof(*s));
    return s;
}

cxrinfer_status ci_dn_add_prim(ci_dnnl *d, dnnl_primitive_desc_t pd, int node, int nargs,
                               const dnnl_exec_arg_t *args, const char *where, ci_err *err)
{
    dnnl_memory_t scratch;
    cxrinfer_status st = CXRINFER_OK;
    if (nargs >= DN_MAX_ARGS ||
        grow(&d->steps, d->n_steps, &d->cap_steps, sizeof(*d->steps)))
        st = ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    if (st == CXRINFER_OK)
        st = add_scratchpad(d, pd, &scratch, where, err);
    if (st != CXRINFER_OK) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    dstep *s = &d->steps[d->n_steps]; /* room made above; counted once created */
    memset(s, 0, sizeof(*s));
    s->kind = STEP_PRIM;
    s->node = node;
    memcpy(s->args, args, (size_t)nargs * sizeof(*args));
    s->nargs = nargs;
    if (scratch)
        s->args[s->nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratch};
    dnnl_status_t rs = dnnl_primitive_create(&s->prim, pd);
    dnnl_primitive_desc_destroy(pd);
    DN(rs, "primitive creation");
    for (int i = 0; i < s->nargs; i++)
        ci_dn_touch(d, ci_dn_buf_of(d, s->args[i].memory), d->n_steps);
    d->n_steps++;
    return CXRINFER_OK;
}

static cxrinfer_status add_reorder(ci_dnnl *d, dnnl_memory_t from, dnnl_memory_t to,
                                   const char *where, ci_err *err)
{
    const dnnl_memory_desc_t *src, *dst;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_attr_t attr;
    DN(dnnl_memory_get_memory_desc(from, &src), "memory query");
    DN(dnnl_memory_get_memory_desc(to, &dst), "memory query");
    cxrinfer_status st = ci_dn_attr(&attr, 0, where, err);
    if (st)
        return st;
    dnnl_status_t rs = dnnl_reorder_primitive_desc_create(&pd, src, d->eng, dst, d->eng, attr);
    dnnl_primitive_attr_destroy(attr);
    DN(rs, "reorder");
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return ci_dn_add_prim(d, pd, -1, 2, args, where, err);
}

cxrinfer_status ci_dn_get_input(ci_dnnl *d, ci_plan *p, int v, const dnnl_memory_desc_t *want,
                                dnnl_memory_t *out, const char *where, ci_err *err)
{
    const dnnl_memory_desc_t *have;
    dval *dv = &d->vals[ci_dn_root(d, v)];
    cxrinfer_status st;
    dnnl_memory_t src;
    if (!dv->prim && (st = ci_dn_get_plain(d, p, v, &src, where, err)))
        return st;
    dnnl_memory_t cands[3] = {dv->prim, dv->plain, dv->alt};
    for (int i = 0; i < 3; i++) {
        if (!cands[i])
            continue;
        DN(dnnl_memory_get_memory_desc(cands[i], &have), "memory query");
        if (dnnl_memory_desc_equal(have, want)) {
            *out = cands[i];
            return CXRINFER_OK;
        }
    }
    src = dv->prim ? dv->prim : dv->plain;
    if (dv->alt) { /* a second format for one value: rare; the first stays in use */
        if (grow(&d->extra, d->n_extra, &d->cap_extra, sizeof(*d->extra)))
            return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
        d->extra[d->n_extra++] = dv->alt;
    }
    int buf = new_buf(d, dnnl_memory_desc_get_size(want), is_padded(want));
    if (buf < 0)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    if ((st = placed_memory(d, want, buf, &dv->alt, where, err)))
        return st;
    dv->alt_buf = buf;
    *out = dv->alt;
    return add_reorder(d, src, dv->alt, where, err);
}

cxrinfer_status ci_dn_set_output(ci_dnnl *d, ci_plan *p, int v, const dnnl_memory_desc_t *md,
                                 int share_buf, dnnl_memory_t *out, const char *where,
                                 ci_err *err)
{
    dnnl_memory_desc_t pm;
    dval *dv = &d->vals[v];
    cxrinfer_status st = ci_dn_plain_md(&p->vals[v], &pm, where, err);
    if (st)
        return st;
    if (dnnl_memory_desc_equal(&pm, md)) {
        if (share_buf >= 0 && dv->plain_buf < 0) { /* in place: v's data is the input's */
            if (bind(d, NULL, v, share_buf))
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            dv->plain_buf = share_buf;
        }
        if ((st = ci_dn_get_plain(d, p, v, out, where, err)))
            return st;
        dv->prim = *out;
        dv->prim_buf = dv->plain_buf;
        return CXRINFER_OK;
    }
    int buf = share_buf >= 0 ? share_buf : new_buf(d, dnnl_memory_desc_get_size(md), is_padded(md));
    if (buf < 0)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    if ((st = placed_memory(d, md, buf, &dv->prim, where, err)))
        return st;
    dv->prim_buf = buf;
    *out = dv->prim;
    return CXRINFER_OK;
}

cxrinfer_status ci_dn_publish(ci_dnnl *d, ci_plan *p, int v, const char *where, ci_err *err)
{
    dnnl_memory_t pl;
    cxrinfer_status st;
    if (!d->vals[v].need_plain || d->vals[v].plain)
        return CXRINFER_OK;
    if ((st = ci_dn_get_plain(d, p, v, &pl, where, err)))
        return st;
    return add_reorder(d, d->vals[v].prim, pl, where, err);
}

/* Frees the ONNX copy of constant v, now held by oneDNN ('c' can convert
 * it back): the graph's initializer, or the plan's folded constant. */
static void release_const(ci_graph *g, ci_plan *p, int v, dconst *c)
{
    if (v < g->n_values && g->values[v].is_init && g->values[v].init.data == p->vals[v].data) {
        ci_tensor_clear(&g->values[v].init);
        c->released = 1;
    } else {
        ci_tensor_clear(&p->vals[v]);
    }
    p->vals[v].data = NULL;
    p->vals[v].owned = 0;
}

/* The constant memory already made for v in format 'want', if any. */
static dconst *find_const(ci_dnnl *d, int v, const dnnl_memory_desc_t *want)
{
    for (int i = 0; i < d->n_consts; i++) {
        const dnnl_memory_desc_t *have;
        if (d->consts[i].value == v &&
            dnnl_memory_get_memory_desc(d->consts[i].mem, &have) == dnnl_success &&
            dnnl_memory_desc_equal(have, want))
            return &d->consts[i];
    }
    return NULL;
}

/* Runs one reorder now, from 'from' to 'to' (both memories). */
static cxrinfer_status reorder_now(ci_dnnl *d, dnnl_memory_t from, dnnl_memory_t to,
                                   const char *where, ci_err *err)
{
    const dnnl_memory_desc_t *src, *dst;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t r;
    DN(dnnl_memory_get_memory_desc(from, &src), "memory query");
    DN(dnnl_memory_get_memory_desc(to, &dst), "memory query");
    DN(dnnl_reorder_primitive_desc_create(&pd, src, d->eng, dst, d->eng, NULL), "reorder");
    dnnl_status_t rs = dnnl_primitive_create(&r, pd);
    dnnl_primitive_desc_destroy(pd);
    DN(rs, "reorder");
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    rs = dnnl_primitive_execute(r, d->stream, 2, args);
    if (rs == dnnl_success)
        rs = dnnl_stream_wait(d->stream);
    dnnl_primitive_destroy(r);
    DN(rs, "constant reorder");
    return CXRINFER_OK;
}

/* A new constant memory of format 'want' filled from plain 'src_md' data. */
static cxrinfer_status make_const(ci_dnnl *d, const ci_tensor *t, int v,
                                  const dnnl_memory_desc_t *src_md,
                                  const dnnl_memory_desc_t *want, dconst **out,
                                  const char *where, ci_err *err)
{
    if (grow(&d->consts, d->n_consts, &d->cap_consts, sizeof(*d->consts)))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    dconst *c = &d->consts[d->n_consts];
    memset(c, 0, sizeof(*c));
    c->value = v;
    c->plain = *src_md;
    c->bytes = dnnl_memory_desc_get_size(want);
    if (!(c->data = ci_block_alloc(c->bytes)))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    dnnl_memory_t src = NULL;
    dnnl_status_t s = dnnl_memory_create(&c->mem, want, d->eng, c->data);
    if (s == dnnl_success)
        s = dnnl_memory_create(&src, src_md, d->eng, t->data);
    if (s != dnnl_success) {
        if (c->mem)
            dnnl_memory_destroy(c->mem);
        ci_block_free(c->data, c->bytes);
    }
    DN(s, "memory");
    d->n_consts++;
    cxrinfer_status st = reorder_now(d, src, c->mem, where, err);
    dnnl_memory_destroy(src);
    *out = c;
    return st;
}

cxrinfer_status ci_dn_const_into(ci_dnnl *d, ci_graph *g, ci_plan *p, int v,
                                 const dnnl_memory_desc_t *src_md, const dnnl_memory_desc_t *want,
                                 dnnl_memory_t *out, const char *where, ci_err *err)
{
    dconst *c = find_const(d, v, want); /* weights shared by layers are held once */
    cxrinfer_status st;
    if (!c && (st = make_const(d, &p->vals[v], v, src_md, want, &c, where, err)))
        return st;
    *out = c->mem;
    if (++d->vals[v].const_uses == d->vals[v].consumers && !p->keep[v])
        release_const(g, p, v, c);
    return CXRINFER_OK;
}

/* Converts constant 'c' back into its initializer's new ONNX copy. */
static cxrinfer_status restore_one(ci_dnnl *d, ci_graph *g, dconst *c, ci_err *err)
{
    const char *where = "oneDNN";
    ci_tensor *t = &g->values[c->value].init;
    dnnl_memory_t plain;
    cxrinfer_status st = ci_tensor_alloc(t, err);
    if (st)
        return st;
    dnnl_status_t s = dnnl_memory_create(&plain, &c->plain, d->eng, t->data);
    if (s == dnnl_success) {
        st = reorder_now(d, c->mem, plain, where, err);
        dnnl_memory_destroy(plain);
    } else {
        st = ci_fail(err, CXRINFER_ERR_BACKEND, "%s: oneDNN memory failed (status %d)", where,
                     (int)s);
    }
    if (st == CXRINFER_OK)
        c->released = 0;
    else
        ci_tensor_clear(t); /* still released: a later call tries again */
    return st;
}

cxrinfer_status ci_dnnl_restore(ci_dnnl *d, ci_graph *g, ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    if (!d)
        return st;
    int caller_threads = omp_get_max_threads();
    if (d->threads > 0)
        omp_set_num_threads(d->threads);
    for (int i = 0; i < d->n_consts && st == CXRINFER_OK; i++)
        if (d->consts[i].released)
            st = restore_one(d, g, &d->consts[i], err);
    omp_set_num_threads(caller_threads); /* the caller's own OpenMP setting */
    return st;
}

cxrinfer_status ci_dn_place(ci_dnnl *d, const ci_graph *g, ci_plan *p, ci_err *err)
{
    const char *where = "oneDNN";
    for (int i = 0; i < d->n_bufs; i++)
        if (d->bufs[i].first > d->bufs[i].last) /* no step touches it: keep it apart */
            d->bufs[i].first = -1, d->bufs[i].last = INT_MAX;
    for (int v = 0; v < g->n_values; v++) { /* what the caller reads stays to the end */
        int buf = d->vals[ci_dn_root(d, v)].plain_buf;
        if (p->keep[v] && buf >= 0)
            d->bufs[buf].last = INT_MAX;
    }
    cxrinfer_status st = ci_arena_pack(d->bufs, d->n_bufs, &d->arena_size, err);
    if (st)
        return st;
    if (!(d->arena = ci_block_alloc(d->arena_size)))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory for %zu bytes of activations",
                       d->arena_size);
    for (int i = 0; i < d->n_binds; i++) {
        dbind *b = &d->binds[i];
        char *at = (char *)d->arena + d->bufs[b->buf].offset;
        if (b->mem)
            DN(dnnl_memory_set_data_handle_v2(b->mem, at, d->stream), "memory placement");
        if (b->value >= 0) {
            p->vals[b->value].data = at;
            p->vals[b->value].owned = 0;
        }
    }
    DN(dnnl_stream_wait(d->stream), "stream wait");
    return CXRINFER_OK;
}

void ci_dn_memory_free(ci_dnnl *d)
{
    for (int v = 0; d->vals && v < d->n_vals; v++) {
        dval *dv = &d->vals[v];
        if (dv->prim && dv->prim != dv->plain)
            dnnl_memory_destroy(dv->prim);
        if (dv->plain)
            dnnl_memory_destroy(dv->plain);
        if (dv->alt)
            dnnl_memory_destroy(dv->alt);
    }
    for (int i = 0; i < d->n_extra; i++)
        dnnl_memory_destroy(d->extra[i]);
    for (int i = 0; i < d->n_consts; i++) {
        dnnl_memory_destroy(d->consts[i].mem);
        ci_block_free(d->consts[i].data, d->consts[i].bytes);
    }
    ci_block_free(d->arena, d->arena_size);
    free(d->extra);
    free(d->consts);
    free(d->binds);
    free(d->bufs);
}
