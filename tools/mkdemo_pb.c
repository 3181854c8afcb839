/* mkdemo_pb.c: a minimal protocol-buffers encoder (varint, fixed32,
 * length-delimited, packed repeated fields): just enough to write the demo's
 * ONNX model without a protobuf library. */
#include <string.h>

#include "mkdemo.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_FIXED32 = 5 };

void mkdemo_pb_varint(mkdemo_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        mkdemo_buf_byte(b, (unsigned char)(v | 0x80));
        v >>= 7;
    }
    mkdemo_buf_byte(b, (unsigned char)v);
}

static void key(mkdemo_buf *b, unsigned field, unsigned wire)
{
    mkdemo_pb_varint(b, ((uint64_t)field << 3) | wire);
}

/* Negative values take ten bytes, as protobuf's int64 encoding says. */
void mkdemo_pb_int(mkdemo_buf *b, unsigned field, int64_t v)
{
    key(b, field, WIRE_VARINT);
    mkdemo_pb_varint(b, (uint64_t)v);
}

static void put_f32(mkdemo_buf *b, float v)
{
    uint32_t u;
    unsigned char le[4];
    memcpy(&u, &v, 4);
    for (int i = 0; i < 4; i++)
        le[i] = (unsigned char)(u >> (8 * i));
    mkdemo_buf_put(b, le, 4);
}

void mkdemo_pb_float(mkdemo_buf *b, unsigned field, float v)
{
    key(b, field, WIRE_FIXED32);
    put_f32(b, v);
}

void mkdemo_pb_bytes(mkdemo_buf *b, unsigned field, const void *p, size_t n)
{
    key(b, field, WIRE_LEN);
    mkdemo_pb_varint(b, n);
    mkdemo_buf_put(b, p, n);
}

void mkdemo_pb_str(mkdemo_buf *b, unsigned field, const char *s)
{
    mkdemo_pb_bytes(b, field, s, strlen(s));
}

void mkdemo_pb_msg(mkdemo_buf *b, unsigned field, mkdemo_buf *msg)
{
    mkdemo_pb_bytes(b, field, msg->data, msg->len);
    mkdemo_buf_free(msg);
}

void mkdemo_pb_packed_floats(mkdemo_buf *b, unsigned field, const float *v, size_t n)
{
    key(b, field, WIRE_LEN);
    mkdemo_pb_varint(b, 4 * n);
    for (size_t i = 0; i < n; i++)
        put_f32(b, v[i]);
}

void mkdemo_pb_packed_ints(mkdemo_buf *b, unsigned field, const int64_t *v, size_t n)
{
    mkdemo_buf tmp = {0};
    for (size_t i = 0; i < n; i++)
        mkdemo_pb_varint(&tmp, (uint64_t)v[i]);
    key(b, field, WIRE_LEN);
    mkdemo_pb_varint(b, tmp.len);
    mkdemo_buf_put(b, tmp.data, tmp.len);
    mkdemo_buf_free(&tmp);
}
