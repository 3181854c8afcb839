/* infer_fuzz.c: libcxrinfer must refuse damaged models with an error, never
 * crash (run under ASan/UBSan in CI): the real exported models truncated at
 * many offsets and with bytes flipped at seeded random places (a model that
 * still loads is also run), plus hand-made hostile protobufs (lengths past
 * the end, forged huge shapes, deep garbage). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxrinfer.h"
#include "testutil.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)(n > 0 ? n : 1));
    if (buf && (n <= 0 || fread(buf, 1, (size_t)n, f) != (size_t)n)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Loads (and when it loads, runs one image); returns the load status. */
static cxrinfer_status try_load(const unsigned char *buf, size_t len, int run)
{
    cxrinfer_options opt;
    cxrinfer_model *m = NULL;
    char err[512];
    cxrinfer_options_init(&opt);
    opt.threads = 1;
    opt.backend = run == 2 ? CXRINFER_BACKEND_REFERENCE : CXRINFER_BACKEND_AUTO;
    cxrinfer_status st = cxrinfer_model_load_buffer(buf, len, &opt, &m, err, sizeof err);
    if (st != CXRINFER_OK) {
        CHECK(m == NULL);
        CHECK(err[0] != 0);
        return st;
    }
    cxrinfer_model_info info;
    if (run && cxrinfer_model_get_info(m, &info) == CXRINFER_OK) {
        size_t img = (size_t)info.height * info.width * info.channels;
        float *x = calloc(img, sizeof(float)), *y = calloc((size_t)info.classes, sizeof(float));
        if (x && y)
            cxrinfer_run(m, x, 1, y, (size_t)info.classes); /* any status; no crash */
        free(x);
        free(y);
    }
    cxrinfer_model_free(m);
    return st;
}

static void fuzz_model(const char *path, int flips, int run_flipped)
{
    size_t len;
    unsigned char *buf = slurp(path, &len);
    CHECK(buf != NULL);
    if (!buf)
        return;
    CHECK(try_load(buf, len, 0) == CXRINFER_OK);
    /* truncations: every offset in the first 2 KiB, then 300 spread out */
    int refused = 0, tried = 0;
    for (size_t cut = 0; cut < len; cut += cut < 2048 ? 1 : len / 300 + 1) {
        cxrinfer_status st = try_load(buf, cut, 0);
        tried++;
        refused += st == CXRINFER_ERR_MODEL;
        if (st == CXRINFER_OK)
            fprintf(stderr, "%s: truncated to %zu bytes still loads\n", path, cut);
    }
    CHECK(refused == tried);
    /* byte flips: 1..4 random bytes xor'ed with random values */
    unsigned char *copy = malloc(len);
    int loaded = 0;
    for (int i = 0; copy && i < flips; i++) {
        memcpy(copy, buf, len);
        int k = 1 + (int)(next() % 4);
        for (int j = 0; j < k; j++) {
            /* half anywhere (mostly weights), half in the first or last 2 KiB
             * (where exporters put the nodes, attributes and value infos) */
            size_t at = next() % len, edge = len < 2048 ? len : 2048;
            if (i & 2)
                at = (next() & 1) ? next() % edge : len - 1 - next() % edge;
            copy[at] ^= (unsigned char)(1 + next() % 255);
        }
        loaded += try_load(copy, len, run_flipped ? 1 + (i & 1) : 0) == CXRINFER_OK;
    }
    printf("%s: %d truncations refused, %d of %d flipped copies still load\n", path, refused,
           loaded, flips);
    free(copy);
    free(buf);
}

/* ---- hand-made protobufs ---- */

typedef struct out {
    unsigned char b[512];
    size_t n;
} out;

static void put_varint(out *o, uint64_t v)
{
    do {
        o->b[o->n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

static void put_key(out *o, unsigned field, unsigned wt)
{
    put_varint(o, (uint64_t)field << 3 | wt);
}

static void put_bytes(out *o, unsigned field, const out *sub)
{
    put_key(o, field, 2);
    put_varint(o, sub->n);
    memcpy(o->b + o->n, sub->b, sub->n);
    o->n += sub->n;
}

static void put_str(out *o, unsigned field, const char *s)
{
    out t = {{0}, strlen(s)};
    memcpy(t.b, s, t.n);
    put_bytes(o, field, &t);
}

/* A model whose graph has one Relu and an initializer 'tensor'. */
static void model_with_tensor(out *m, const out *tensor)
{
    out node = {{0}, 0}, graph = {{0}, 0}, vi = {{0}, 0}, opset = {{0}, 0};
    put_str(&node, 1, "x");
    put_str(&node, 2, "y");
    put_str(&node, 4, "Relu");
    put_bytes(&graph, 1, &node);
    put_bytes(&graph, 5, tensor);
    put_str(&vi, 1, "x");
    put_bytes(&graph, 11, &vi);
    vi.n = 0;
    put_str(&vi, 1, "y");
    put_bytes(&graph, 12, &vi);
    put_key(&opset, 2, 0);
    put_varint(&opset, 13);
    m->n = 0;
    put_bytes(m, 7, &graph);
    put_bytes(m, 8, &opset);
}

/* A graph without nodes whose output is its input: loads, and runs as a copy. */
static void empty_graph(void)
{
    out graph = {{0}, 0}, vi = {{0}, 0}, opset = {{0}, 0}, m = {{0}, 0};
    put_str(&vi, 1, "x");
    put_bytes(&graph, 11, &vi);
    put_bytes(&graph, 12, &vi);
    put_key(&opset, 2, 0);
    put_varint(&opset, 13);
    put_bytes(&m, 7, &graph);
    put_bytes(&m, 8, &opset);
    cxrinfer_model *model = NULL;
    char err[256];
    CHECK(cxrinfer_model_load_buffer(m.b, m.n, NULL, &model, err, sizeof err) == CXRINFER_OK);
    if (!model)
        return;
    float v[3] = {1.5f, -2.0f, 3.0f};
    cxrinfer_tensor in = {CXRINFER_FLOAT, 1, {3}, v}, o;
    CHECK(cxrinfer_run_tensors(model, &in, 1, &o, 1) == CXRINFER_OK);
    CHECK(o.rank == 1 && o.dims[0] == 3 && o.data && memcmp(o.data, v, sizeof v) == 0);
    cxrinfer_tensor_release(&o);
    cxrinfer_model_info info;
    CHECK(cxrinfer_model_get_info(model, &info) == CXRINFER_ERR_UNSUPPORTED);
    CHECK(cxrinfer_run(model, v, 1, v, 3) == CXRINFER_ERR_UNSUPPORTED);
    cxrinfer_model_free(model);
}

static void hostile(void)
{
    out t = {{0}, 0}, m;
    /* forged shape: 2^40 x 2^40 floats with 4 bytes of data */
    put_key(&t, 1, 0);
    put_varint(&t, (uint64_t)1 << 40);
    put_key(&t, 1, 0);
    put_varint(&t, (uint64_t)1 << 40);
    put_key(&t, 2, 0);
    put_varint(&t, 1);
    put_str(&t, 8, "w");
    put_str(&t, 9, "abcd");
    model_with_tensor(&m, &t);
    CHECK(try_load(m.b, m.n, 0) == CXRINFER_ERR_MODEL);
    /* a shape of 1000 floats with 4 bytes of raw data */
    t.n = 0;
    put_key(&t, 1, 0);
    put_varint(&t, 1000);
    put_key(&t, 2, 0);
    put_varint(&t, 1);
    put_str(&t, 8, "w");
    put_str(&t, 9, "abcd");
    model_with_tensor(&m, &t);
    CHECK(try_load(m.b, m.n, 0) == CXRINFER_ERR_MODEL);
    /* negative dim (varint of -1), unknown type 8 (string) */
    t.n = 0;
    put_key(&t, 1, 0);
    put_varint(&t, UINT64_MAX);
    put_key(&t, 2, 0);
    put_varint(&t, 1);
    model_with_tensor(&m, &t);
    CHECK(try_load(m.b, m.n, 0) == CXRINFER_ERR_MODEL);
    t.n = 0;
    put_key(&t, 2, 0);
    put_varint(&t, 8);
    put_str(&t, 8, "s");
    model_with_tensor(&m, &t);
    CHECK(try_load(m.b, m.n, 0) == CXRINFER_ERR_UNSUPPORTED);
    /* a well-formed tensor: the model loads (x -> Relu -> y) */
    t.n = 0;
    put_key(&t, 1, 0);
    put_varint(&t, 1);
    put_key(&t, 2, 0);
    put_varint(&t, 1);
    put_str(&t, 8, "w");
    put_str(&t, 9, "abcd");
    model_with_tensor(&m, &t);
    CHECK(try_load(m.b, m.n, 0) == CXRINFER_OK);
    /* a length far past the end; an 11-byte varint; a group wire type */
    unsigned char past[] = {0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a};
    CHECK(try_load(past, sizeof past, 0) == CXRINFER_ERR_MODEL);
    unsigned char longv[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK(try_load(longv, sizeof longv, 0) == CXRINFER_ERR_MODEL);
    unsigned char group[] = {0x0b, 0x0c};
    CHECK(try_load(group, sizeof group, 0) == CXRINFER_ERR_MODEL);
    CHECK(try_load((const unsigned char *)"", 0, 0) == CXRINFER_ERR_MODEL);
    /* random garbage */
    unsigned char junk[4096];
    for (int i = 0; i < 2000; i++) {
        size_t n = 1 + next() % sizeof junk;
        for (size_t k = 0; k < n; k++)
            junk[k] = (unsigned char)next();
        CHECK(try_load(junk, n, 0) != CXRINFER_OK);
    }
}

int main(void)
{
    const char *shared = test_shared_dir(); /* infer_fuzz_real: the shared models */
    if (!shared) {
        hostile();
        empty_graph();
        return test_finish();
    }
    char path[4096];
    const char *models[] = {"pytorch_mnist_cnn_opset11.onnx", "keras2onnx_mnist_cnn_nhwc.onnx",
                            "tf2onnx_plant_cnn224_nhwc.onnx"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/models/%s", shared, models[i]);
        fuzz_model(path, i < 2 ? 300 : 120, i < 2);
    }
    return test_finish();
}
