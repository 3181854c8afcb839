/* engine.c: the public C API of libcxrinfer (cxrinfer.h): loading, model
 * description, running images or general tensors, and error reporting.
 * It keeps one plan (and its oneDNN steps) for the last input shapes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MAX_MODEL_BYTES ((size_t)2 << 30)

/* The message of the last failed call on a model (cxrinfer_model_error).
 * It is not part of what the model computes with, so it is kept apart from
 * the model: cxrinfer_model_get_info takes a const handle, changes nothing
 * of the model, and still records why it failed here. */
typedef struct model_error {
    char msg[CI_MSG_MAX];
} model_error;

struct cxrinfer_model {
    ci_graph g;
    cxrinfer_options opt;
    int use_dnnl;
    ci_plan plan;
    int have_plan;
    ci_tensor plan_shapes[16];   /* the input shapes the plan was built for */
    ci_dnnl *dnnl;
    cxrinfer_model_info info;
    int have_info;
    char info_err[CI_MSG_MAX];
    model_error *last_error;     /* owned; see model_error */
};

const char *cxrinfer_strerror(cxrinfer_status status)
{
    switch (status) {
    case CXRINFER_OK: return "success";
    case CXRINFER_ERR_ARG: return "bad argument";
    case CXRINFER_ERR_IO: return "cannot read the model";
    case CXRINFER_ERR_MODEL: return "malformed model";
    case CXRINFER_ERR_UNSUPPORTED: return "unsupported model";
    case CXRINFER_ERR_SHAPE: return "shape mismatch";
    case CXRINFER_ERR_BACKEND: return "oneDNN error";
    case CXRINFER_ERR_NOMEM: return "out of memory";
    }
    return "unknown error";
}

void cxrinfer_options_init(cxrinfer_options *opt)
{
    if (!opt)
        return;
    opt->threads = 0;
    opt->backend = CXRINFER_BACKEND_AUTO;
    opt->winograd = 1;
}

static cxrinfer_status model_fail(cxrinfer_model *m, ci_err *e)
{
    snprintf(m->last_error->msg, sizeof m->last_error->msg, "%s", e->msg);
    return e->status;
}

static void drop_plan(cxrinfer_model *m)
{
    ci_dnnl_free(m->dnnl);
    m->dnnl = NULL;
    if (m->have_plan)
        ci_plan_free(&m->g, &m->plan);
    m->have_plan = 0;
}

/* Builds (or reuses) the plan for these input shapes. */
static cxrinfer_status ensure_plan(cxrinfer_model *m, const ci_tensor *shapes, ci_err *err)
{
    int same = m->have_plan;
    for (int i = 0; same && i < m->g.n_inputs; i++) {
        same = shapes[i].rank == m->plan_shapes[i].rank &&
               shapes[i].dtype == m->plan_shapes[i].dtype &&
               !memcmp(shapes[i].dims, m->plan_shapes[i].dims,
                       (size_t)shapes[i].rank * sizeof(int64_t));
        /* integer inputs were planned by value */
        const ci_tensor *had = &m->plan.vals[m->g.inputs[i]];
        if (same && shapes[i].dtype == CXRINFER_INT64 && shapes[i].count)
            same = shapes[i].data && had->data &&
                   !memcmp(shapes[i].data, had->data, shapes[i].count * sizeof(int64_t));
    }
    if (same)
        return CXRINFER_OK;
    /* the weights live in oneDNN's formats: the new plan needs them plain */
    cxrinfer_status st = ci_dnnl_restore(m->dnnl, &m->g, err);
    if (st)
        return st;
    drop_plan(m);
    if ((st = ci_plan_build(&m->g, shapes, &m->plan, err)))
        return st;
    m->have_plan = 1;
    for (int i = 0; i < m->g.n_inputs; i++) {
        m->plan_shapes[i] = shapes[i];
        m->plan_shapes[i].data = NULL;
    }
    if (m->use_dnnl && (st = ci_dnnl_create(&m->g, &m->plan, m->opt.threads, m->opt.winograd,
                                            &m->dnnl, err))) {
        if (st != CXRINFER_ERR_BACKEND || m->opt.backend == CXRINFER_BACKEND_DNNL) {
            drop_plan(m);
            return st;
        }
        /* backend auto: a shape oneDNN refuses runs on the reference path */
        m->use_dnnl = 0;
        m->info.backend = "reference";
        ci_plan_free(&m->g, &m->plan);
        if ((st = ci_plan_build(&m->g, shapes, &m->plan, err)))
            m->have_plan = 0;
        return st;
    }
    return CXRINFER_OK;
}

/* Clears the data of non-constant values after a reference run. */
static void reset_values(cxrinfer_model *m)
{
    if (m->dnnl)
        return; /* the oneDNN steps keep their buffers for the next run */
    for (int v = 0; v < m->g.n_values; v++)
        if (!m->plan.is_const[v])
            ci_tensor_clear(&m->plan.vals[v]);
}

static cxrinfer_status run_plan(cxrinfer_model *m, const ci_tensor *inputs, ci_err *err)
{
    const ci_tensor *ins[16];
    cxrinfer_status st = ensure_plan(m, inputs, err);
    if (st)
        return st;
    for (int i = 0; i < m->g.n_inputs; i++)
        ins[i] = &inputs[i];
    if (m->dnnl)
        return ci_dnnl_run(m->dnnl, &m->g, &m->plan, ins, err);
    return ci_ref_run(&m->g, &m->plan, ins, err);
}

/* 4-D image input: which side holds 1 or 3 channels. */
static void describe(cxrinfer_model *m)
{
    cxrinfer_model_info *in = &m->info;
    memset(in, 0, sizeof(*in));
    if (m->g.n_inputs < 1) {
        snprintf(m->info_err, sizeof m->info_err, "the graph has no inputs");
        return;
    }
    const ci_value *x = &m->g.values[m->g.inputs[0]];
    in->backend = m->use_dnnl ? "dnnl" : "reference";
    in->input_name = x->name;
    in->output_name = m->g.values[m->g.outputs[0]].name;
    if (x->rank != 4) {
        snprintf(m->info_err, sizeof m->info_err,
                 "input '%s' is not a 4-D image tensor (rank %d)", x->name, x->rank);
        return;
    }
    int c_last = x->dims[3] == 1 || x->dims[3] == 3, c_first = x->dims[1] == 1 || x->dims[1] == 3;
    in->layout = c_last && !c_first ? CXRINFER_LAYOUT_NHWC : CXRINFER_LAYOUT_NCHW;
    if (c_last && c_first) /* both fit (a 3x3 image?): trust a leading Transpose */
        for (int k = 0; k < m->g.n_nodes; k++)
            if (m->g.nodes[k].op == CI_OP_TRANSPOSE && m->g.nodes[k].n_in &&
                m->g.nodes[k].in[0] == m->g.inputs[0])
                in->layout = CXRINFER_LAYOUT_NHWC;
    int nhwc = in->layout == CXRINFER_LAYOUT_NHWC;
    in->batch = x->dims[0] > 0 ? (int)x->dims[0] : 0;
    in->channels = (int)x->dims[nhwc ? 3 : 1];
    in->height = (int)x->dims[nhwc ? 1 : 2];
    in->width = (int)x->dims[nhwc ? 2 : 3];
    if (!c_last && !c_first) {
        snprintf(m->info_err, sizeof m->info_err,
                 "input '%s' has no side of 1 or 3 channels", x->name);
        return;
    }
    if (in->height <= 0 || in->width <= 0) {
        snprintf(m->info_err, sizeof m->info_err,
                 "input '%s' has no fixed height and width", x->name);
        return;
    }
    int out = m->g.outputs[0];
    int prod = m->g.values[out].producer;
    while (prod >= 0 && (m->g.nodes[prod].op == CI_OP_IDENTITY ||
                         m->g.nodes[prod].op == CI_OP_DROPOUT) && m->g.nodes[prod].in[0] >= 0)
        prod = m->g.values[m->g.nodes[prod].in[0]].producer;
    in->softmax_output = prod >= 0 && m->g.nodes[prod].op == CI_OP_SOFTMAX;
    m->have_info = 1;
}

/* Checks the graph at load: a plan for one image (batch 1 when symbolic). */
static cxrinfer_status check_at_load(cxrinfer_model *m, ci_err *err)
{
    ci_tensor shapes[16];
    if (m->g.n_inputs > 16)
        return ci_fail(err, CXRINFER_ERR_UNSUPPORTED, "unsupported model: more than 16 inputs");
    for (int i = 0; i < m->g.n_inputs; i++) {
        const ci_value *v = &m->g.values[m->g.inputs[i]];
        memset(&shapes[i], 0, sizeof(shapes[i]));
        shapes[i].dtype = v->elem_type == 7 || v->elem_type == 6 ? CXRINFER_INT64 : CXRINFER_FLOAT;
        if (v->elem_type && v->elem_type != 1 && v->elem_type != 7)
            return ci_fail(err, CXRINFER_ERR_UNSUPPORTED,
                           "unsupported model: input '%s' has element type %d (float or int64 "
                           "expected)", v->name, v->elem_type);
        if (v->rank < 0 || shapes[i].dtype == CXRINFER_INT64)
            return CXRINFER_OK; /* unknown rank or planned by value: checked at the first run */
        int64_t dims[CXRINFER_MAX_RANK];
        for (int k = 0; k < v->rank; k++)
            dims[k] = v->dims[k] > 0 ? v->dims[k] : 1;
        if (ci_tensor_set_shape(&shapes[i], v->rank, dims))
            return ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: input '%s' is too large",
                           v->name);
    }
    cxrinfer_status st = ensure_plan(m, shapes, err);
    if (st == CXRINFER_OK && m->have_info) {
        const ci_tensor *o = &m->plan.vals[m->g.outputs[0]];
        int64_t b = m->info.batch ? m->info.batch : 1;
        if (o->rank < 1 || o->dims[0] != b || o->count % (size_t)b || o->count == 0) {
            char s[200];
            snprintf(m->info_err, sizeof m->info_err, "output '%s' has shape %s, not [N, classes]",
                     m->info.output_name, ci_shape_str(o, s, sizeof s));
            m->have_info = 0;
        } else {
            m->info.classes = (int)(o->count / (size_t)b);
        }
    }
    return st;
}

/* Parses a serialized model into a new handle (see ci_onnx_parse for
 * 'drop_pages'); the buffer is no longer needed afterwards. */
static cxrinfer_status model_parse(const void *data, size_t size, int drop_pages,
                                   const cxrinfer_options *opt, cxrinfer_model **out, ci_err *err)
{
    cxrinfer_model *m = calloc(1, sizeof(*m));
    if (!m || !(m->last_error = calloc(1, sizeof(model_error)))) {
        free(m);
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    }
    cxrinfer_options_init(&m->opt);
    if (opt)
        m->opt = *opt;
    cxrinfer_status st = ci_onnx_parse(data, size, drop_pages, &m->g, err);
    if (st != CXRINFER_OK) {
        cxrinfer_model_free(m);
        return st;
    }
    *out = m;
    return CXRINFER_OK;
}

/* Links the parsed graph, picks the backend and checks the graph with a
 * plan for one image (the oneDNN steps are built here, not at the first
 * run). Frees the model on failure. */
static cxrinfer_status model_prepare(cxrinfer_model *m, ci_err *err)
{
    cxrinfer_status st = ci_graph_link(&m->g, err);
    if (st == CXRINFER_OK && m->opt.backend != CXRINFER_BACKEND_REFERENCE) {
        m->use_dnnl = ci_dnnl_available();
        if (!m->use_dnnl && m->opt.backend == CXRINFER_BACKEND_DNNL)
            st = ci_fail(err, CXRINFER_ERR_BACKEND, "oneDNN has no usable CPU engine");
    }
    if (st == CXRINFER_OK) {
        describe(m);
        st = check_at_load(m, err);
    }
    if (st != CXRINFER_OK)
        cxrinfer_model_free(m);
    return st;
}

static cxrinfer_status load_done(cxrinfer_status st, const ci_err *err, char *errbuf,
                                 size_t errlen)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "%s", st == CXRINFER_OK ? "" : err->msg);
    return st;
}

cxrinfer_status cxrinfer_model_load_buffer(const void *data, size_t size,
                                           const cxrinfer_options *opt, cxrinfer_model **out,
                                           char *errbuf, size_t errlen)
{
    ci_err err = {CXRINFER_OK, ""};
    cxrinfer_model *m = NULL;
    cxrinfer_status st;
    if (out)
        *out = NULL;
    if (!out || (!data && size))
        st = ci_fail(&err, CXRINFER_ERR_ARG, "load: a NULL argument");
    else if ((st = model_parse(size ? data : "", size, 0, opt, &m, &err)) == CXRINFER_OK &&
             (st = model_prepare(m, &err)) == CXRINFER_OK)
        *out = m;
    return load_done(st, &err, errbuf, errlen);
}

/* A model file read into memory: a regular file into one block of its
 * size (a mapped block when large, so that the parser can give its pages
 * back as it copies the tensors out), anything else (a pipe) into a
 * growing buffer. */
typedef struct model_file {
    unsigned char *data;
    size_t len, cap;
    int is_block;       /* from ci_block_alloc (cap bytes), else malloc */
} model_file;

static void file_release(model_file *f)
{
    if (f->is_block)
        ci_block_free(f->data, f->cap);
    else
        free(f->data);
    f->data = NULL;
}

/* Reads until the end of the file or until 'cap' bytes are in; a growing
 * buffer doubles when full. Returns 0, -1 on a read error (errno), -2 out
 * of memory, -3 over MAX_MODEL_BYTES. */
static int read_all(int fd, model_file *f)
{
    for (;;) {
        if (f->len == f->cap && f->is_block)
            return 0; /* the size fstat gave; a file growing meanwhile is cut there */
        if (f->len == f->cap) {
            if (f->cap >= MAX_MODEL_BYTES)
                return -3;
            unsigned char *grown = realloc(f->data, f->cap * 2);
            if (!grown)
                return -2;
            f->data = grown, f->cap *= 2;
        }
        ssize_t got = read(fd, f->data + f->len, f->cap - f->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return got < 0 ? -1 : 0;
        f->len += (size_t)got;
    }
}

static cxrinfer_status read_file(const char *path, model_file *f, ci_err *err)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -2;
    memset(f, 0, sizeof(*f));
    if (fd < 0 || fstat(fd, &sb)) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return ci_fail(err, CXRINFER_ERR_IO, "cannot read model '%s': %s", path, strerror(saved));
    }
    f->is_block = S_ISREG(sb.st_mode);
    if (f->is_block && (uint64_t)sb.st_size > MAX_MODEL_BYTES)
        rc = -3;
    else if ((f->cap = f->is_block ? (size_t)sb.st_size : (size_t)1 << 20),
             (f->data = f->is_block ? ci_block_alloc(f->cap) : malloc(f->cap)) != NULL)
        rc = read_all(fd, f);
    int saved = errno;
    close(fd);
    if (rc == 0)
        return CXRINFER_OK;
    file_release(f);
    if (rc == -2)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    return ci_fail(err, CXRINFER_ERR_IO, "cannot read model '%s': %s", path,
                   rc == -3 ? "larger than 2 GiB" : strerror(saved));
}

cxrinfer_status cxrinfer_model_load(const char *path, const cxrinfer_options *opt,
                                    cxrinfer_model **out, char *errbuf, size_t errlen)
{
    ci_err err = {CXRINFER_OK, ""};
    cxrinfer_model *m = NULL;
    model_file f;
    if (out)
        *out = NULL;
    if (!path || !out) {
        ci_fail(&err, CXRINFER_ERR_ARG, "load: a NULL argument");
        return load_done(CXRINFER_ERR_ARG, &err, errbuf, errlen);
    }
    cxrinfer_status st = read_file(path, &f, &err);
    if (st != CXRINFER_OK)
        return load_done(st, &err, errbuf, errlen);
    /* read once, parsed, and freed before the backend takes the weights */
    st = model_parse(f.len ? f.data : (const void *)"", f.len,
                     f.is_block && f.cap >= CI_BLOCK_MIN, opt, &m, &err);
    file_release(&f);
    if (st == CXRINFER_OK && (st = model_prepare(m, &err)) == CXRINFER_OK)
        *out = m;
    if (st != CXRINFER_OK) {
        char msg[CI_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err.msg);
        snprintf(err.msg, sizeof err.msg, "%.600s (model '%s')", msg, path);
    }
    return load_done(st, &err, errbuf, errlen);
}

void cxrinfer_model_free(cxrinfer_model *model)
{
    if (!model)
        return;
    drop_plan(model);
    ci_graph_free(&model->g);
    free(model->last_error);
    free(model);
}

cxrinfer_status cxrinfer_model_get_info(const cxrinfer_model *model, cxrinfer_model_info *info)
{
    if (!model || !info)
        return CXRINFER_ERR_ARG;
    if (!model->have_info) {
        snprintf(model->last_error->msg, sizeof model->last_error->msg,
                 "not an image classifier: %.700s", model->info_err);
        return CXRINFER_ERR_UNSUPPORTED;
    }
    *info = model->info;
    return CXRINFER_OK;
}

const char *cxrinfer_model_error(const cxrinfer_model *model)
{
    return model ? model->last_error->msg : "no model";
}

/* Copies chunk images (NHWC) into the model's layout; pads with zeros. */
static void to_layout(const cxrinfer_model_info *in, const float *src, size_t n_img, float *dst)
{
    size_t hw = (size_t)in->height * (size_t)in->width, c = (size_t)in->channels;
    size_t batch = in->batch ? (size_t)in->batch : 1;
    memset(dst, 0, batch * hw * c * sizeof(float));
    if (in->layout == CXRINFER_LAYOUT_NHWC) {
        memcpy(dst, src, n_img * hw * c * sizeof(float));
        return;
    }
    for (size_t b = 0; b < n_img; b++)
        for (size_t i = 0; i < hw; i++)
            for (size_t k = 0; k < c; k++)
                dst[(b * c + k) * hw + i] = src[(b * hw + i) * c + k];
}

cxrinfer_status cxrinfer_run(cxrinfer_model *m, const float *images, size_t n, float *out,
                             size_t n_classes)
{
    ci_err err = {CXRINFER_OK, ""};
    if (!m)
        return CXRINFER_ERR_ARG;
    m->last_error->msg[0] = 0;
    if (!m->have_info) {
        ci_fail(&err, CXRINFER_ERR_UNSUPPORTED, "run: not an image classifier: %s", m->info_err);
        return model_fail(m, &err);
    }
    if ((!images || !out) && n) {
        ci_fail(&err, CXRINFER_ERR_ARG, "run: NULL images or output");
        return model_fail(m, &err);
    }
    if (n_classes != (size_t)m->info.classes) {
        ci_fail(&err, CXRINFER_ERR_ARG, "run: the output has room for %zu classes, the model "
                "gives %d", n_classes, m->info.classes);
        return model_fail(m, &err);
    }
    cxrinfer_model_info *in = &m->info;
    size_t batch = in->batch ? (size_t)in->batch : 1;
    size_t img = (size_t)in->height * (size_t)in->width * (size_t)in->channels;
    float *buf = malloc(batch * img * sizeof(float));
    if (!buf) {
        ci_fail(&err, CXRINFER_ERR_NOMEM, "out of memory");
        return model_fail(m, &err);
    }
    ci_tensor x;
    memset(&x, 0, sizeof(x));
    int64_t dims[4] = {(int64_t)batch, in->height, in->width, in->channels};
    if (in->layout == CXRINFER_LAYOUT_NCHW) {
        dims[1] = in->channels, dims[2] = in->height, dims[3] = in->width;
    }
    x.dtype = CXRINFER_FLOAT;
    ci_tensor_set_shape(&x, 4, dims);
    x.data = buf;
    cxrinfer_status st = CXRINFER_OK;
    for (size_t at = 0; at < n && st == CXRINFER_OK; at += batch) {
        size_t k = n - at < batch ? n - at : batch;
        to_layout(in, images + at * img, k, buf);
        st = run_plan(m, &x, &err);
        if (st == CXRINFER_OK)
            memcpy(out + at * n_classes, m->plan.vals[m->g.outputs[0]].data,
                   k * n_classes * sizeof(float));
        if (m->have_plan)
            reset_values(m);
    }
    free(buf);
    return st == CXRINFER_OK ? CXRINFER_OK : model_fail(m, &err);
}

size_t cxrinfer_model_input_count(const cxrinfer_model *model)
{
    return model ? (size_t)model->g.n_inputs : 0;
}

size_t cxrinfer_model_output_count(const cxrinfer_model *model)
{
    return model ? (size_t)model->g.n_outputs : 0;
}

cxrinfer_status cxrinfer_run_tensors(cxrinfer_model *m, const cxrinfer_tensor *inputs,
                                     size_t n_in, cxrinfer_tensor *outputs, size_t n_out)
{
    ci_err err = {CXRINFER_OK, ""};
    ci_tensor x[16];
    if (!m)
        return CXRINFER_ERR_ARG;
    m->last_error->msg[0] = 0;
    if (n_in > 16 || n_in != (size_t)m->g.n_inputs || n_out > (size_t)m->g.n_outputs || !inputs ||
        (n_out && !outputs)) {
        ci_fail(&err, CXRINFER_ERR_ARG, "run: the model has %d inputs and %d outputs, got %zu "
                "and %zu", m->g.n_inputs, m->g.n_outputs, n_in, n_out);
        return model_fail(m, &err);
    }
    for (size_t i = 0; i < n_in; i++) {
        memset(&x[i], 0, sizeof(x[i]));
        x[i].dtype = inputs[i].dtype;
        if ((inputs[i].dtype != CXRINFER_FLOAT && inputs[i].dtype != CXRINFER_INT64) ||
            ci_tensor_set_shape(&x[i], inputs[i].rank, inputs[i].dims) ||
            (!inputs[i].data && x[i].count)) {
            ci_fail(&err, CXRINFER_ERR_ARG, "run: input %zu has a bad type, shape or no data", i);
            return model_fail(m, &err);
        }
        x[i].data = inputs[i].data;
    }
    for (size_t i = 0; i < n_out; i++)
        outputs[i].data = NULL;
    cxrinfer_status st = run_plan(m, x, &err);
    for (size_t i = 0; i < n_out && st == CXRINFER_OK; i++) {
        const ci_tensor *o = &m->plan.vals[m->g.outputs[i]];
        size_t bytes = o->count * ci_tensor_elem_size(o->dtype);
        outputs[i].dtype = (cxrinfer_dtype)o->dtype;
        outputs[i].rank = o->rank;
        memcpy(outputs[i].dims, o->dims, sizeof(o->dims));
        if (!(outputs[i].data = malloc(bytes ? bytes : 1)))
            st = ci_fail(&err, CXRINFER_ERR_NOMEM, "out of memory");
        else if (bytes)
            memcpy(outputs[i].data, o->data, bytes);
    }
    if (m->have_plan)
        reset_values(m);
    if (st != CXRINFER_OK) {
        for (size_t i = 0; i < n_out; i++)
            cxrinfer_tensor_release(&outputs[i]);
        return model_fail(m, &err);
    }
    return CXRINFER_OK;
}

void cxrinfer_tensor_release(cxrinfer_tensor *tensor)
{
    if (!tensor)
        return;
    free(tensor->data);
    tensor->data = NULL;
}
