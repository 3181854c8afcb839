/* mkdemo.h: the parts of cxrprep-mkdemo, the program that writes the small,
 * wholly synthetic source mirror config/demo.yaml runs on:
 *
 *     OUTDIR/metadata.csv        old-format (28-column) ieee8023 metadata
 *     OUTDIR/images/<filename>   the X-ray images its rows name
 *     OUTDIR/ChestXRay2017.zip   a Kermany-shaped archive, with junk entries
 *     OUTDIR/model.onnx          a tiny classifier (NHWC [N,64,64,3] -> 2)
 *     OUTDIR/kermany-sample/     loose Kermany images for the tests' archives
 *     OUTDIR/.complete           written last: the mirror is whole
 *
 * Everything is deterministic (fixed seeds, fixed archive timestamps), so
 * two runs write the same bytes. The counts the demo relies on are the
 * MKDEMO_* constants below; the tests check the files against them. */
#ifndef CXR_MKDEMO_H
#define CXR_MKDEMO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* metadata.csv: rows that cxrprep-select keeps with the demo filters
 * (X-ray, PA, images, COVID-19), and of those, dated in March 2020. */
#define MKDEMO_META_ROWS 26        /* data rows, header excluded */
#define MKDEMO_COVID_SELECTED 16
#define MKDEMO_COVID_HOLDOUT 6     /* March 2020 */
#define MKDEMO_COVID_TRAIN 10      /* of which undated: */
#define MKDEMO_COVID_UNDATED 4     /* "2020" twice, "", "January 12" */
#define MKDEMO_META_COLUMNS 28     /* 27 names and the unnamed last column */

/* ChestXRay2017.zip: images per split and class. */
#define MKDEMO_TRAIN_NORMAL 24
#define MKDEMO_TRAIN_PNEUMONIA 37  /* 30 patients (person<N>), 7 with two */
#define MKDEMO_TEST_NORMAL 10
#define MKDEMO_TEST_PNEUMONIA 10

/* kermany-sample/chest_xray/train/{NORMAL,PNEUMONIA}/: a loose Kermany
 * sample for the tests' own archives (tests/lib/archive_make.py --src), with
 * the file names of the real sample in ../shared/data/kermany-sample;
 * MKDEMO_SAMPLE_LARGE of its NORMAL images are MKDEMO_SAMPLE_LARGE_SIDE
 * pixels wide, all the others at most MKDEMO_SAMPLE_SIDE_MAX and at least
 * MKDEMO_SAMPLE_SIDE_MIN pixels a side. */
#define MKDEMO_SAMPLE_NORMAL 20
#define MKDEMO_SAMPLE_PNEUMONIA 20
#define MKDEMO_SAMPLE_LARGE 5
#define MKDEMO_SAMPLE_LARGE_SIDE 640
#define MKDEMO_SAMPLE_SIDE_MIN 224
#define MKDEMO_SAMPLE_SIDE_MAX 288

/* model.onnx: the input side in pixels (NHWC, 3 channels) and classes. */
#define MKDEMO_MODEL_SIDE 64
#define MKDEMO_MODEL_CLASSES 2

/* A growable byte buffer; out of memory aborts (a build tool). */
typedef struct mkdemo_buf {
    unsigned char *data;
    size_t len, cap;
} mkdemo_buf;

void mkdemo_buf_put(mkdemo_buf *b, const void *p, size_t n);
void mkdemo_buf_byte(mkdemo_buf *b, unsigned char c);
void mkdemo_buf_str(mkdemo_buf *b, const char *s);
void mkdemo_buf_free(mkdemo_buf *b);

/* splitmix64: a small deterministic generator (not the pipeline's PCG32,
 * which draws samples; this one only paints pictures). */
typedef struct mkdemo_rng {
    uint64_t state;
} mkdemo_rng;

uint64_t mkdemo_rng_next(mkdemo_rng *r);
double mkdemo_rng_unit(mkdemo_rng *r);              /* [0, 1) */
double mkdemo_rng_range(mkdemo_rng *r, double lo, double hi);

/* Writes 'len' bytes (borrowed) to OUTDIR/name atomically. */
cxr_status mkdemo_write_file(const char *outdir, const char *name, const void *data,
                             size_t len, cxr_error *err);

/* --- images (mkdemo_images.c) --- */
typedef enum mkdemo_look {
    MKDEMO_LOOK_NORMAL,     /* clear lung fields */
    MKDEMO_LOOK_COVID,      /* bilateral peripheral ground-glass haze */
    MKDEMO_LOOK_PNEUMONIA   /* one dense lobar consolidation */
} mkdemo_look;

typedef enum mkdemo_format {
    MKDEMO_JPEG,
    MKDEMO_PNG
} mkdemo_format;

/* Paints a chest-X-ray-like greyscale picture from 'seed' (side about 256
 * pixels, varying with the seed) and encodes it into 'out' (appended) with
 * 'channels' 1 (grey), 2 (grey+alpha, PNG only), 3 (RGB) or 4 (RGBA, PNG
 * only). */
cxr_status mkdemo_image(uint64_t seed, mkdemo_look look, mkdemo_format fmt, int channels,
                        mkdemo_buf *out, cxr_error *err);
/* The same with the side set: 'width' x 'height' pixels (0, 0: the seed's). */
cxr_status mkdemo_image_sized(uint64_t seed, mkdemo_look look, mkdemo_format fmt, int channels,
                              int width, int height, mkdemo_buf *out, cxr_error *err);

/* --- the mirror's parts; each writes into OUTDIR --- */
cxr_status mkdemo_write_metadata(const char *outdir, cxr_error *err);
cxr_status mkdemo_write_archive(const char *outdir, cxr_error *err);
cxr_status mkdemo_write_model(const char *outdir, cxr_error *err);
cxr_status mkdemo_write_kermany_sample(const char *outdir, cxr_error *err);

/* --- protobuf encoding (mkdemo_pb.c), enough for an ONNX ModelProto --- */
void mkdemo_pb_varint(mkdemo_buf *b, uint64_t v);
void mkdemo_pb_int(mkdemo_buf *b, unsigned field, int64_t v);        /* varint */
void mkdemo_pb_float(mkdemo_buf *b, unsigned field, float v);        /* fixed32 */
void mkdemo_pb_bytes(mkdemo_buf *b, unsigned field, const void *p, size_t n);
void mkdemo_pb_str(mkdemo_buf *b, unsigned field, const char *s);
/* Appends 'msg' as an embedded message (length-delimited) and frees it. */
void mkdemo_pb_msg(mkdemo_buf *b, unsigned field, mkdemo_buf *msg);
void mkdemo_pb_packed_floats(mkdemo_buf *b, unsigned field, const float *v, size_t n);
void mkdemo_pb_packed_ints(mkdemo_buf *b, unsigned field, const int64_t *v, size_t n);

#endif
