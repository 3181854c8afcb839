/* onnx_pb.c: a bounded reader of the protobuf wire format and of the few
 * ONNX messages the engine needs (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto). Every length is checked
 * against the bytes left; packed and unpacked repeated fields are read. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct pb {
    const uint8_t *p, *end;
    int drop_pages;       /* the buffer is a mapped block the reader may give
                             back page by page once a tensor's bytes are copied */
} pb;

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* The element types a TensorProto may carry that the reader converts. */
enum { TP_FLOAT = 1, TP_UINT8 = 2, TP_INT8 = 3, TP_INT32 = 6, TP_INT64 = 7,
       TP_BOOL = 9, TP_FLOAT16 = 10, TP_DOUBLE = 11, TP_BFLOAT16 = 16 };

/* IEEE half and bfloat16 bit patterns to float (weights stored in 16 bits). */
static float half_float(uint32_t h, int dt)
{
    uint32_t bits;
    if (dt == TP_BFLOAT16) {
        bits = (h & 0xffff) << 16;
    } else {
        uint32_t sign = (h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
        if (e == 0x1f) {
            bits = sign | 0x7f800000 | (m << 13);
        } else if (e) {
            bits = sign | ((e + 112) << 23) | (m << 13);
        } else if (!m) {
            bits = sign;
        } else { /* subnormal: normalise */
            e = 113;
            while (!(m & 0x400)) {
                m <<= 1;
                e--;
            }
            bits = sign | (e << 23) | ((m & 0x3ff) << 13);
        }
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static size_t tp_size(uint64_t dt)
{
    return dt == TP_FLOAT || dt == TP_INT32 ? 4 : dt == TP_INT64 || dt == TP_DOUBLE ? 8
         : dt == TP_FLOAT16 || dt == TP_BFLOAT16 ? 2 : 1;
}

#define MAX_NODES 100000
#define MAX_ATTRS 1000

static int rd_varint(pb *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return -1;
        uint8_t b = *r->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static int rd_key(pb *r, uint32_t *field, int *wt)
{
    uint64_t k;
    if (rd_varint(r, &k) || (k >> 3) == 0 || (k >> 3) > 0x1fffffff)
        return -1;
    *field = (uint32_t)(k >> 3);
    *wt = (int)(k & 7);
    return 0;
}

/* A length-delimited field: the sub-reader spans exactly its bytes. */
static int rd_len(pb *r, pb *sub)
{
    uint64_t n;
    if (rd_varint(r, &n) || n > (uint64_t)(r->end - r->p))
        return -1;
    sub->p = r->p;
    sub->end = r->p + n;
    sub->drop_pages = r->drop_pages;
    r->p += n;
    return 0;
}

static int rd_fixed32(pb *r, uint32_t *v)
{
    if (r->end - r->p < 4)
        return -1;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
         (uint32_t)r->p[3] << 24;
    r->p += 4;
    return 0;
}

static int rd_fixed64(pb *r, uint64_t *v)
{
    uint32_t lo, hi;
    if (rd_fixed32(r, &lo) || rd_fixed32(r, &hi))
        return -1;
    *v = (uint64_t)hi << 32 | lo;
    return 0;
}

static int rd_skip(pb *r, int wt)
{
    uint64_t v;
    pb sub;
    switch (wt) {
    case WT_VARINT: return rd_varint(r, &v);
    case WT_I64: return rd_fixed64(r, &v);
    case WT_LEN: return rd_len(r, &sub);
    case WT_I32: {
        uint32_t x;
        return rd_fixed32(r, &x);
    }
    default: return -1; /* groups (3, 4) are not used by ONNX */
    }
}

static float u32_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* A length-delimited string into a malloc'd copy: 0, or STR_OVERRUN when it
 * overruns the buffer, STR_NOMEM when out of memory. */
enum { STR_OVERRUN = 1, STR_NOMEM = 2 };
static int rd_string(pb *r, char **out)
{
    pb s;
    size_t n;
    if (rd_len(r, &s))
        return STR_OVERRUN;
    n = (size_t)(s.end - s.p);
    if (!(*out = malloc(n + 1)))
        return STR_NOMEM;
    memcpy(*out, s.p, n);
    (*out)[n] = 0;
    return 0;
}

/* The error for a failed rd_string. */
#define STR_FAIL(rc, what) \
    ((rc) == STR_NOMEM ? ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory") : BAD(what))

/* A growable array of int64 (repeated varint fields, packed or not). */
typedef struct i64vec {
    int64_t *v;
    size_t n, cap;
} i64vec;

/* Makes room for one more element in a growable array of 'n' used of
 * '*cap': the array (moved, perhaps), or NULL when out of memory (then the
 * old array is left as it was). */
static void *grow(void *v, size_t n, size_t *cap, size_t elem)
{
    size_t ncap;
    if (n < *cap)
        return v;
    ncap = *cap ? *cap * 2 : 8;
    if ((v = realloc(v, ncap * elem)) != NULL)
        *cap = ncap;
    return v;
}

/* The repeated-field readers below return 0, STR_OVERRUN (the field
 * overruns the buffer or has the wrong wire type) or STR_NOMEM. */
static int vec_push(i64vec *a, int64_t x)
{
    int64_t *v = grow(a->v, a->n, &a->cap, sizeof(*v));
    if (!v)
        return STR_NOMEM;
    a->v = v;
    a->v[a->n++] = x;
    return 0;
}

static int rd_rep_varint(pb *r, int wt, i64vec *a)
{
    uint64_t v;
    int rc;
    if (wt == WT_VARINT)
        return rd_varint(r, &v) ? STR_OVERRUN : vec_push(a, (int64_t)v);
    if (wt != WT_LEN)
        return STR_OVERRUN;
    pb s;
    if (rd_len(r, &s))
        return STR_OVERRUN;
    while (s.p < s.end) {
        if (rd_varint(&s, &v))
            return STR_OVERRUN;
        if ((rc = vec_push(a, (int64_t)v)) != 0)
            return rc;
    }
    return 0;
}

typedef struct f32vec {
    float *v;
    size_t n, cap;
} f32vec;

static int fvec_push(f32vec *a, float x)
{
    float *v = grow(a->v, a->n, &a->cap, sizeof(*v));
    if (!v)
        return STR_NOMEM;
    a->v = v;
    a->v[a->n++] = x;
    return 0;
}

static int rd_rep_float(pb *r, int wt, f32vec *a)
{
    uint32_t u;
    int rc;
    if (wt == WT_I32)
        return rd_fixed32(r, &u) ? STR_OVERRUN : fvec_push(a, u32_float(u));
    if (wt != WT_LEN)
        return STR_OVERRUN;
    pb s;
    if (rd_len(r, &s) || (s.end - s.p) % 4)
        return STR_OVERRUN;
    while (s.p < s.end) {
        if (rd_fixed32(&s, &u))
            return STR_OVERRUN;
        if ((rc = fvec_push(a, u32_float(u))) != 0)
            return rc;
    }
    return 0;
}

static int rd_rep_double(pb *r, int wt, f32vec *a)
{
    uint64_t u;
    double d;
    int rc;
    if (wt == WT_I64) {
        if (rd_fixed64(r, &u))
            return STR_OVERRUN;
        memcpy(&d, &u, 8);
        return fvec_push(a, (float)d);
    }
    if (wt != WT_LEN)
        return STR_OVERRUN;
    pb s;
    if (rd_len(r, &s) || (s.end - s.p) % 8)
        return STR_OVERRUN;
    while (s.p < s.end) {
        if (rd_fixed64(&s, &u))
            return STR_OVERRUN;
        memcpy(&d, &u, 8);
        if ((rc = fvec_push(a, (float)d)) != 0)
            return rc;
    }
    return 0;
}

#define BAD(what) ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: %s", what)

static int host_is_little_endian(void)
{
    const uint32_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Converts raw_data of 'dt' into t's float or int64 data. */
static cxrinfer_status raw_convert(ci_tensor *t, int dt, const uint8_t *raw, size_t len,
                                   const char *name, ci_err *err)
{
    size_t esz = tp_size((uint64_t)dt);
    if (len != t->count * esz)
        return ci_fail(err, CXRINFER_ERR_MODEL,
                       "malformed model: tensor '%s' holds %zu bytes of data, its shape needs %zu",
                       name, len, t->count * esz);
    if (dt == TP_FLOAT && host_is_little_endian()) {
        if (len)
            memcpy(t->data, raw, len); /* the file's byte order is the host's */
        return CXRINFER_OK;
    }
    for (size_t i = 0; i < t->count; i++) {
        const uint8_t *q = raw + i * esz;
        uint64_t u = 0;
        for (size_t b = 0; b < esz; b++)
            u |= (uint64_t)q[b] << (8 * b);
        if (dt == TP_FLOAT)
            ((float *)t->data)[i] = u32_float((uint32_t)u);
        else if (dt == TP_FLOAT16 || dt == TP_BFLOAT16)
            ((float *)t->data)[i] = half_float((uint32_t)u, dt);
        else if (dt == TP_DOUBLE) {
            double d;
            memcpy(&d, &u, 8);
            ((float *)t->data)[i] = (float)d;
        } else if (dt == TP_INT32)
            ((int64_t *)t->data)[i] = (int32_t)(uint32_t)u;
        else if (dt == TP_INT8)
            ((int64_t *)t->data)[i] = (int8_t)(uint8_t)u;
        else
            ((int64_t *)t->data)[i] = (int64_t)u;
    }
    return CXRINFER_OK;
}

/* The fields of one TensorProto, as read (not yet checked). */
typedef struct tensor_fields {
    i64vec dims, ints;
    f32vec floats;
    const uint8_t *raw;
    size_t raw_len;
    int has_raw;
    uint64_t dt;
    char *name;
} tensor_fields;

/* A repeated field of TensorProto (dims, float/int32/int64/double data):
 * as the readers above, or -1 when 'f' is none of them. */
static int rd_tensor_repeated(pb *r, uint32_t f, int wt, tensor_fields *tf)
{
    switch (f) {
    case 1: return rd_rep_varint(r, wt, &tf->dims);
    case 4: return rd_rep_float(r, wt, &tf->floats);
    case 5: case 7: return rd_rep_varint(r, wt, &tf->ints);
    case 10: return rd_rep_double(r, wt, &tf->floats);
    default: return -1;
    }
}

/* TensorProto: dims=1, data_type=2, float_data=4, int32_data=5,
 * int64_data=7, name=8, raw_data=9, double_data=10, data_location=14. */
static cxrinfer_status rd_tensor_fields(pb *r, tensor_fields *tf, ci_err *err)
{
    uint64_t v;
    while (r->p < r->end) {
        uint32_t f;
        int wt, rc;
        pb s;
        if (rd_key(r, &f, &wt))
            return BAD("bad field key in a tensor");
        if ((rc = rd_tensor_repeated(r, f, wt, tf)) >= 0) {
            if (rc)
                return STR_FAIL(rc, "a tensor field overruns the buffer or has the wrong wire type");
            continue;
        }
        if (f == 2 && wt == WT_VARINT && rd_varint(r, &tf->dt) == 0)
            continue;
        if (f == 8 && wt == WT_LEN && !tf->name) {
            int rc = rd_string(r, &tf->name);
            if (rc)
                return STR_FAIL(rc, "tensor name overruns the buffer");
        } else if (f == 9 && wt == WT_LEN && rd_len(r, &s) == 0) {
            tf->raw = s.p;
            tf->raw_len = (size_t)(s.end - s.p);
            tf->has_raw = 1;
        } else if (f == 14 && wt == WT_VARINT && rd_varint(r, &v) == 0) {
            if (v == 1)
                return ci_fail(err, CXRINFER_ERR_UNSUPPORTED,
                               "unsupported model: tensor data stored in an external file");
        } else if ((f <= 10 && f != 3 && f != 6) || rd_skip(r, wt)) {
            return BAD("a tensor field overruns the buffer or has the wrong wire type");
        }
    }
    return CXRINFER_OK;
}

/* Checks the fields' shape, type and data count, and fills 't'. */
static cxrinfer_status tensor_build(const tensor_fields *tf, ci_tensor *t, ci_err *err)
{
    const char *nm = tf->name ? tf->name : "";
    uint64_t dt = tf->dt;
    if (tf->dims.n > CXRINFER_MAX_RANK)
        return ci_fail(err, CXRINFER_ERR_UNSUPPORTED,
                       "unsupported model: tensor '%s' has rank %zu (at most %d)", nm,
                       tf->dims.n, CXRINFER_MAX_RANK);
    if (ci_tensor_set_shape(t, (int)tf->dims.n, tf->dims.v))
        return ci_fail(err, CXRINFER_ERR_MODEL, "malformed model: tensor '%s' has bad dims", nm);
    if (dt == TP_FLOAT || dt == TP_DOUBLE || dt == TP_FLOAT16 || dt == TP_BFLOAT16)
        t->dtype = CXRINFER_FLOAT;
    else if (dt == TP_INT64 || dt == TP_INT32 || dt == TP_INT8 || dt == TP_UINT8 || dt == TP_BOOL)
        t->dtype = CXRINFER_INT64;
    else
        return ci_fail(err, CXRINFER_ERR_UNSUPPORTED,
                       "unsupported model: tensor '%s' has element type %d", nm, (int)dt);
    /* the count must match the values present, so a forged shape can
     * never make the reader allocate more than the file holds */
    size_t esz = tp_size(dt);
    int half = dt == TP_FLOAT16 || dt == TP_BFLOAT16; /* int32_data holds their bits */
    size_t have = tf->has_raw ? tf->raw_len / esz
                : t->dtype == CXRINFER_FLOAT && !half ? tf->floats.n : tf->ints.n;
    if (have != t->count || (tf->has_raw && tf->raw_len % esz))
        return ci_fail(err, CXRINFER_ERR_MODEL,
                       "malformed model: tensor '%s' holds %zu values, its shape needs %zu", nm,
                       have, t->count);
    cxrinfer_status st = ci_tensor_alloc(t, err);
    if (st != CXRINFER_OK || tf->has_raw)
        return st ? st : raw_convert(t, (int)dt, tf->raw, tf->raw_len, nm, err);
    if (half)
        for (size_t i = 0; i < t->count; i++)
            ((float *)t->data)[i] = half_float((uint32_t)tf->ints.v[i], (int)dt);
    else if (t->count && t->dtype == CXRINFER_FLOAT)
        memcpy(t->data, tf->floats.v, t->count * sizeof(float));
    else if (t->count)
        memcpy(t->data, tf->ints.v, t->count * sizeof(int64_t));
    return CXRINFER_OK;
}

/* Reads a TensorProto into 't'; its name goes to *name_out (or is dropped). */
static cxrinfer_status rd_tensor(pb *r, ci_tensor *t, char **name_out, ci_err *err)
{
    tensor_fields tf;
    memset(&tf, 0, sizeof(tf));
    memset(t, 0, sizeof(*t));
    cxrinfer_status st = rd_tensor_fields(r, &tf, err);
    if (st == CXRINFER_OK)
        st = tensor_build(&tf, t, err);
    if (st == CXRINFER_OK && tf.has_raw && r->drop_pages)
        ci_block_drop(tf.raw, tf.raw_len); /* copied: the file's pages can go */
    free(tf.dims.v);
    free(tf.ints.v);
    free(tf.floats.v);
    if (st != CXRINFER_OK) {
        ci_tensor_clear(t);
        free(tf.name);
        return st;
    }
    if (!name_out) {
        free(tf.name);
        return CXRINFER_OK;
    }
    *name_out = tf.name ? tf.name : strdup("");
    return *name_out ? CXRINFER_OK : ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
}

/* AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20. */
static cxrinfer_status rd_attr(pb *r, ci_attr *a, ci_err *err)
{
    i64vec ints = {0};
    f32vec floats = {0};
    uint64_t v;
    uint32_t u;
    cxrinfer_status st = CXRINFER_OK;
    int has_f = 0, has_i = 0;
    while (r->p < r->end && st == CXRINFER_OK) {
        uint32_t f;
        int wt;
        pb s;
        if (rd_key(r, &f, &wt)) {
            st = BAD("bad field key in an attribute");
            break;
        }
        if (f == 1 && wt == WT_LEN && !a->name) {
            int rc = rd_string(r, &a->name);
            if (rc)
                st = STR_FAIL(rc, "attribute name overruns the buffer");
        } else if (f == 2 && wt == WT_I32 && rd_fixed32(r, &u) == 0) {
            a->f = u32_float(u);
            has_f = 1;
        } else if (f == 3 && wt == WT_VARINT && rd_varint(r, &v) == 0) {
            a->i = (int64_t)v;
            has_i = 1;
        } else if (f == 4 && wt == WT_LEN && !a->s) {
            int rc = rd_string(r, &a->s);
            if (rc)
                st = STR_FAIL(rc, "attribute string overruns the buffer");
        } else if (f == 5 && wt == WT_LEN && !a->has_t && rd_len(r, &s) == 0) {
            st = rd_tensor(&s, &a->t, NULL, err);
            a->has_t = st == CXRINFER_OK;
        } else if (f == 7 || f == 8) {
            int rc = f == 7 ? rd_rep_float(r, wt, &floats) : rd_rep_varint(r, wt, &ints);
            if (rc)
                st = STR_FAIL(rc, "an attribute field overruns the buffer or has the wrong wire type");
        } else if (f == 20 && wt == WT_VARINT && rd_varint(r, &v) == 0) {
            a->type = (int)v;
        } else if ((f <= 8 && f != 6) || f == 20 || rd_skip(r, wt)) {
            st = BAD("an attribute field overruns the buffer or has the wrong wire type");
        }
    }
    if (st == CXRINFER_OK && !a->name)
        st = BAD("an attribute has no name");
    if (st == CXRINFER_OK && a->type == 0) /* IR < 3 files may omit it */
        a->type = a->has_t ? CI_ATTR_TENSOR : a->s ? CI_ATTR_STRING : ints.n ? CI_ATTR_INTS
                  : floats.n ? CI_ATTR_FLOATS : has_f ? CI_ATTR_FLOAT : has_i ? CI_ATTR_INT : 0;
    if (a->type == CI_ATTR_INTS) {
        a->ints = ints.v;
        a->n = ints.n;
        ints.v = NULL;
    } else if (a->type == CI_ATTR_FLOATS) {
        a->floats = floats.v;
        a->n = floats.n;
        floats.v = NULL;
    }
    free(ints.v);
    free(floats.v);
    return st;
}

static int push_str(char ***arr, int *n, char *s)
{
    char **v = realloc(*arr, (size_t)(*n + 1) * sizeof(**arr));
    if (!v) {
        free(s);
        return -1;
    }
    *arr = v;
    v[(*n)++] = s;
    return 0;
}

/* NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7. */
static cxrinfer_status rd_node(pb *r, ci_node *n, ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    while (r->p < r->end && st == CXRINFER_OK) {
        uint32_t f;
        int wt;
        pb s;
        char *str;
        if (rd_key(r, &f, &wt))
            return BAD("bad field key in a node");
        if ((f == 1 || f == 2 || f == 3 || f == 4 || f == 7) && wt == WT_LEN) {
            int rc = rd_string(r, &str);
            if (rc)
                return STR_FAIL(rc, "a node string overruns the buffer");
            if ((f == 1 && push_str(&n->in_names, &n->n_in, str)) ||
                (f == 2 && push_str(&n->out_names, &n->n_out, str)))
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            char **slot = f == 3 ? &n->name : f == 4 ? &n->op_type : f == 7 ? &n->domain : NULL;
            if (slot) {
                free(*slot);
                *slot = str;
            }
        } else if (f == 5 && wt == WT_LEN && rd_len(r, &s) == 0) {
            if (n->n_attrs >= MAX_ATTRS)
                return BAD("a node has too many attributes");
            ci_attr *a = realloc(n->attrs, (size_t)(n->n_attrs + 1) * sizeof(*a));
            if (!a)
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            n->attrs = a;
            memset(&a[n->n_attrs], 0, sizeof(*a));
            n->n_attrs++;
            st = rd_attr(&s, &a[n->n_attrs - 1], err);
        } else if ((f <= 7 && f != 6) || rd_skip(r, wt)) {
            return BAD("a node field overruns the buffer or has the wrong wire type");
        }
    }
    if (st == CXRINFER_OK && !n->op_type)
        return BAD("a node has no op_type");
    if (st == CXRINFER_OK && !n->name && !(n->name = strdup("")))
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
    return st;
}

/* TensorShapeProto: dim=1 > dim_value=1 | dim_param=2 (symbolic: -1). */
static cxrinfer_status rd_shape(pb *sh, ci_value *v, ci_err *err)
{
    uint32_t f;
    int wt;
    uint64_t x;
    pb dm;
    v->rank = 0;
    while (sh->p < sh->end) {
        if (rd_key(sh, &f, &wt))
            return BAD("bad field key in a shape");
        if (!(f == 1 && wt == WT_LEN)) {
            if (rd_skip(sh, wt))
                return BAD("a shape field overruns the buffer");
            continue;
        }
        if (rd_len(sh, &dm))
            return BAD("a dimension overruns the buffer");
        if (v->rank >= CXRINFER_MAX_RANK)
            return ci_fail(err, CXRINFER_ERR_UNSUPPORTED,
                           "unsupported model: an input has rank over %d", CXRINFER_MAX_RANK);
        int64_t d = -1;
        while (dm.p < dm.end) {
            if (rd_key(&dm, &f, &wt))
                return BAD("bad field key in a dimension");
            if (f == 1 && wt == WT_VARINT && rd_varint(&dm, &x) == 0)
                d = (int64_t)x > 0 ? (int64_t)x : -1;
            else if (rd_skip(&dm, wt))
                return BAD("a dimension field overruns the buffer");
        }
        v->dims[v->rank++] = d;
    }
    return CXRINFER_OK;
}

/* TypeProto: tensor_type=1 > elem_type=1, shape=2. */
static cxrinfer_status rd_type(pb *tp, ci_value *v, ci_err *err)
{
    uint32_t f;
    int wt;
    uint64_t x;
    pb tt, sh;
    while (tp->p < tp->end) {
        if (rd_key(tp, &f, &wt))
            return BAD("bad field key in a type");
        if (!(f == 1 && wt == WT_LEN)) {
            if (rd_skip(tp, wt))
                return BAD("a type field overruns the buffer");
            continue;
        }
        if (rd_len(tp, &tt))
            return BAD("a tensor type overruns the buffer");
        while (tt.p < tt.end) {
            cxrinfer_status st;
            if (rd_key(&tt, &f, &wt))
                return BAD("bad field key in a tensor type");
            if (f == 1 && wt == WT_VARINT && rd_varint(&tt, &x) == 0)
                v->elem_type = (int)x;
            else if (f == 2 && wt == WT_LEN && rd_len(&tt, &sh) == 0) {
                if ((st = rd_shape(&sh, v, err)))
                    return st;
            } else if (rd_skip(&tt, wt))
                return BAD("a tensor type field overruns the buffer");
        }
    }
    return CXRINFER_OK;
}

/* ValueInfoProto: name=1, type=2. */
static cxrinfer_status rd_value_info(pb *r, ci_value *v, char **name, ci_err *err)
{
    v->rank = -1;
    while (r->p < r->end) {
        uint32_t f;
        int wt;
        pb tp;
        cxrinfer_status st;
        if (rd_key(r, &f, &wt))
            return BAD("bad field key in a value info");
        if (f == 1 && wt == WT_LEN && !*name) {
            int rc = rd_string(r, name);
            if (rc)
                return STR_FAIL(rc, "a value name overruns the buffer");
        } else if (f == 2 && wt == WT_LEN) {
            if (rd_len(r, &tp))
                return BAD("a value type overruns the buffer");
            if ((st = rd_type(&tp, v, err)))
                return st;
        } else if (f <= 2 || rd_skip(r, wt)) {
            return BAD("a value info field overruns the buffer");
        }
    }
    if (!*name)
        return BAD("a graph input or output has no name");
    return CXRINFER_OK;
}

static cxrinfer_status rd_graph(pb *r, ci_graph *g, ci_err *err)
{
    cxrinfer_status st = CXRINFER_OK;
    while (r->p < r->end && st == CXRINFER_OK) {
        uint32_t f;
        int wt;
        pb s;
        if (rd_key(r, &f, &wt))
            return BAD("bad field key in the graph");
        if (wt == WT_LEN && (f == 1 || f == 5 || f == 11 || f == 12)) {
            if (rd_len(r, &s))
                return BAD("a graph field overruns the buffer");
        } else {
            if (rd_skip(r, wt))
                return BAD("a graph field overruns the buffer");
            continue;
        }
        if (f == 1) {
            if (g->n_nodes >= MAX_NODES)
                return BAD("too many nodes");
            ci_node *nn = realloc(g->nodes, (size_t)(g->n_nodes + 1) * sizeof(*nn));
            if (!nn)
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            g->nodes = nn;
            memset(&nn[g->n_nodes], 0, sizeof(*nn));
            nn[g->n_nodes].index = g->n_nodes;
            g->n_nodes++;
            st = rd_node(&s, &nn[g->n_nodes - 1], err);
        } else if (f == 5) {
            ci_tensor *t = realloc(g->raw_inits, (size_t)(g->n_raw_inits + 1) * sizeof(*t));
            char **nm = t ? realloc(g->raw_init_names, (size_t)(g->n_raw_inits + 1) * sizeof(*nm))
                          : NULL;
            if (t)
                g->raw_inits = t;
            if (!nm)
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            g->raw_init_names = nm;
            nm[g->n_raw_inits] = NULL;
            st = rd_tensor(&s, &t[g->n_raw_inits], &nm[g->n_raw_inits], err);
            if (st == CXRINFER_OK)
                g->n_raw_inits++;
        } else if (f == 11) {
            ci_value *vi = realloc(g->raw_input_info, (size_t)(g->n_raw_inputs + 1) * sizeof(*vi));
            if (!vi)
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            g->raw_input_info = vi;
            memset(&vi[g->n_raw_inputs], 0, sizeof(*vi));
            char *name = NULL;
            st = rd_value_info(&s, &vi[g->n_raw_inputs], &name, err);
            if (st == CXRINFER_OK && push_str(&g->raw_inputs, &g->n_raw_inputs, name))
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            if (st != CXRINFER_OK)
                free(name);
        } else {
            ci_value vi;
            char *name = NULL;
            memset(&vi, 0, sizeof(vi));
            st = rd_value_info(&s, &vi, &name, err);
            if (st == CXRINFER_OK && push_str(&g->raw_outputs, &g->n_raw_outputs, name))
                return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory");
            if (st != CXRINFER_OK)
                free(name);
        }
    }
    return st;
}

cxrinfer_status ci_onnx_parse(const uint8_t *buf, size_t len, int drop_pages, ci_graph *g,
                              ci_err *err)
{
    pb r = {buf, buf + len, drop_pages};
    int have_graph = 0;
    memset(g, 0, sizeof(*g));
    g->opset = -1;
    if (len == 0)
        return BAD("the file is empty");
    while (r.p < r.end) {
        uint32_t f;
        int wt;
        pb s;
        if (rd_key(&r, &f, &wt))
            return BAD("bad field key at the top level (is this an ONNX file?)");
        if (f == 7 && wt == WT_LEN) {
            if (have_graph)
                return BAD("two graphs in one model");
            if (rd_len(&r, &s))
                return BAD("the graph overruns the buffer (truncated file?)");
            cxrinfer_status st = rd_graph(&s, g, err);
            if (st != CXRINFER_OK)
                return st;
            have_graph = 1;
        } else if (f == 8 && wt == WT_LEN) {
            char *domain = NULL;
            uint64_t ver = 0;
            int has_ver = 0;
            if (rd_len(&r, &s))
                return BAD("an opset import overruns the buffer");
            while (s.p < s.end) {
                uint32_t ff;
                int w;
                if (rd_key(&s, &ff, &w))
                    return free(domain), BAD("bad field key in an opset import");
                if (ff == 1 && w == WT_LEN && !domain) {
                    int rc = rd_string(&s, &domain);
                    if (rc)
                        return STR_FAIL(rc, "an opset domain overruns the buffer");
                } else if (ff == 2 && w == WT_VARINT && rd_varint(&s, &ver) == 0) {
                    has_ver = 1;
                } else if (rd_skip(&s, w)) {
                    return free(domain), BAD("an opset import field overruns the buffer");
                }
            }
            if (has_ver && (!domain || !domain[0] || !strcmp(domain, "ai.onnx")))
                g->opset = (int64_t)ver;
            free(domain);
        } else if (rd_skip(&r, wt)) {
            return BAD("a model field overruns the buffer (truncated file?)");
        }
    }
    if (!have_graph)
        return BAD("no graph in the model (is this an ONNX file?)");
    if (g->opset < 0)
        return BAD("no opset import for the default domain");
    return CXRINFER_OK;
}

static void attr_free(ci_attr *a)
{
    free(a->name);
    free(a->s);
    free(a->floats);
    free(a->ints);
    ci_tensor_clear(&a->t);
}

void ci_graph_free(ci_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_nodes; i++) {
        ci_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++)
            free(n->in_names[k]);
        for (int k = 0; k < n->n_out; k++)
            free(n->out_names[k]);
        for (int k = 0; k < n->n_attrs; k++)
            attr_free(&n->attrs[k]);
        free(n->in_names);
        free(n->out_names);
        free(n->in);
        free(n->out);
        free(n->attrs);
        free(n->name);
        free(n->op_type);
        free(n->domain);
    }
    free(g->nodes);
    for (int i = 0; i < g->n_values; i++) {
        free(g->values[i].name);
        ci_tensor_clear(&g->values[i].init);
    }
    free(g->values);
    free(g->inputs);
    free(g->outputs);
    for (int i = 0; i < g->n_raw_inputs; i++)
        free(g->raw_inputs[i]);
    for (int i = 0; i < g->n_raw_outputs; i++)
        free(g->raw_outputs[i]);
    for (int i = 0; i < g->n_raw_inits; i++) {
        free(g->raw_init_names[i]);
        ci_tensor_clear(&g->raw_inits[i]);
    }
    free(g->raw_inputs);
    free(g->raw_outputs);
    free(g->raw_inits);
    free(g->raw_init_names);
    free(g->raw_input_info);
    memset(g, 0, sizeof(*g));
}

cxrinfer_status ci_onnx_parse_tensor(const uint8_t *buf, size_t len, ci_tensor *t, ci_err *err)
{
    pb r = {buf, buf + len, 0};
    return rd_tensor(&r, t, NULL, err);
}
