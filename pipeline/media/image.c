/* image.c: image decoding for layout verification and scoring, on Debian's
 * compiled stb_image (libstb), with JPEGs of one or three components
 * decoded by libjpeg-turbo (image_jpeg.c): the format comes from the magic
 * bytes, the container structure is walked before decoding (decoders
 * accept a truncated JPEG silently, stb_image never checks PNG CRCs), and a
 * dimension cap is applied before any pixel buffer is allocated. Also the
 * library's one bilinear interpolation and atomic PNG writing
 * (stb_image_write). Decoding is
 * thread-safe (stb_image's error text is thread-local). */
#include "image.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>
#include <stb_image_write.h>
#include <zlib.h>

#include "fsutil.h"
#include "image_jpeg.h"
#include "image_jpeg_scan.h"
#include "image_png.h"

cxr_image_format cxr_image_sniff(const unsigned char *d, size_t len)
{
    if (!d)
        return CXR_IMG_UNKNOWN;
    if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return CXR_IMG_JPEG;
    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return CXR_IMG_PNG;
    if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return CXR_IMG_GIF;
    if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return CXR_IMG_WEBP;
    if (len >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
        return CXR_IMG_TIFF;
    if (len >= 14 && d[0] == 'B' && d[1] == 'M')
        return CXR_IMG_BMP;
    return CXR_IMG_UNKNOWN;
}

const char *cxr_image_format_name(cxr_image_format fmt)
{
    switch (fmt) {
    case CXR_IMG_JPEG: return "jpeg";
    case CXR_IMG_PNG: return "png";
    case CXR_IMG_BMP: return "bmp";
    case CXR_IMG_GIF: return "gif";
    case CXR_IMG_WEBP: return "webp";
    case CXR_IMG_TIFF: return "tiff";
    case CXR_IMG_UNKNOWN: break;
    }
    return "unknown";
}

/* Skips the entropy-coded data after an SOS header: a 0xFF there is always
 * followed by 0x00 (stuffing) or a restart marker, so the first other marker
 * ends the scan. Returns the position of that marker's 0xFF, or len. */
static size_t jpeg_skip_scan(const unsigned char *d, size_t pos, size_t len)
{
    while (pos + 1 < len) {
        const unsigned char *ff = memchr(d + pos, 0xFF, len - 1 - pos); /* fast */
        unsigned char next;
        if (!ff)
            break;
        pos = (size_t)(ff - d);
        next = d[pos + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (next != 0xFF)
            return pos;
        pos++;
    }
    return len;
}

/* Walks the JPEG marker segments from SOI to EOI; the first frame header
 * gives the size. */
static cxr_status jpeg_check(const unsigned char *d, size_t len, int *w, int *h,
                             cxr_error *err)
{
    size_t pos = 2;
    int frames = 0, scans = 0;

    for (;;) {
        unsigned char m;
        size_t seglen;

        if (pos >= len)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "truncated jpeg: data ends before the end-of-image marker");
        if (d[pos] != 0xFF)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "corrupt jpeg: expected a marker at byte %zu", pos);
        while (pos < len && d[pos] == 0xFF)
            pos++; /* fill bytes */
        if (pos >= len)
            continue;
        m = d[pos++];
        if (m == 0xD9) {
            if (!frames || !scans)
                return cxr_fail(err, CXR_ERR_INPUT, "corrupt jpeg: no %s before the end",
                                frames ? "scan" : "frame header");
            return CXR_OK;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue; /* standalone markers */
        if (m == 0xD8 || m == 0x00)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "corrupt jpeg: unexpected marker 0x%02x at byte %zu", m, pos - 1);
        if (pos + 2 > len)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "truncated jpeg: data ends inside a marker segment");
        seglen = ((size_t)d[pos] << 8) | d[pos + 1];
        if (seglen < 2)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "corrupt jpeg: segment length %zu at byte %zu", seglen, pos);
        if (seglen > len - pos)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "truncated jpeg: data ends inside a marker segment");
        if ((m >= 0xC0 && m <= 0xCF) && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (seglen < 8)
                return cxr_fail(err, CXR_ERR_INPUT, "corrupt jpeg: short frame header");
            if (m != 0xC0 && m != 0xC1 && m != 0xC2)
                return cxr_fail(err, CXR_ERR_UNSUPPORTED, "unsupported jpeg: coding process "
                                "0x%02x (lossless, hierarchical or arithmetic)", m);
            if (d[pos + 2] != 8)
                return cxr_fail(err, CXR_ERR_UNSUPPORTED, "unsupported jpeg: %d-bit samples",
                                d[pos + 2]);
            if (!frames++) {
                *h = (d[pos + 3] << 8) | d[pos + 4];
                *w = (d[pos + 5] << 8) | d[pos + 6];
            }
        }
        pos += seglen;
        if (m == 0xDA) {
            scans++;
            pos = jpeg_skip_scan(d, pos, len);
        }
    }
}

static uint32_t read_be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Walks the PNG chunks from IHDR to IEND, checking each CRC; IHDR gives
 * the size. */
static cxr_status png_check(const unsigned char *d, size_t len, int *w, int *h,
                            cxr_error *err)
{
    size_t pos = 8;
    int first = 1;

    for (;;) {
        uint32_t clen, crc;
        char type[5];

        if (len - pos < 12)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "truncated png: data ends before the IEND chunk");
        clen = read_be32(d + pos);
        memcpy(type, d + pos + 4, 4);
        type[4] = '\0';
        if (clen > 0x7FFFFFFFu)
            return cxr_fail(err, CXR_ERR_INPUT, "corrupt png: chunk length %u", clen);
        if (clen > len - pos - 12)
            return cxr_fail(err, CXR_ERR_INPUT,
                            "truncated png: data ends inside chunk '%s'", type);
        if (first && (strcmp(type, "IHDR") != 0 || clen != 13))
            return cxr_fail(err, CXR_ERR_INPUT, "corrupt png: first chunk is not IHDR");
        crc = (uint32_t)crc32(0L, d + pos + 4, (uInt)clen + 4); /* zlib's: fast */
        if (crc != read_be32(d + pos + 8 + clen))
            return cxr_fail(err, CXR_ERR_INPUT,
                            "corrupt png: checksum mismatch in chunk '%s'", type);
        if (first) {
            uint32_t pw = read_be32(d + pos + 8), ph = read_be32(d + pos + 12);
            *w = pw > INT_MAX ? INT_MAX : (int)pw;
            *h = ph > INT_MAX ? INT_MAX : (int)ph;
        }
        pos += (size_t)clen + 12;
        first = 0;
        if (strcmp(type, "IEND") == 0)
            return CXR_OK;
    }
}

/* Checks the container and finds the size without decoding pixels. */
static cxr_status check_structure(cxr_image_format fmt, const unsigned char *data,
                                  size_t len, int *w, int *h, cxr_error *err)
{
    int n;
    switch (fmt) {
    case CXR_IMG_JPEG: return jpeg_check(data, len, w, h, err);
    case CXR_IMG_PNG: return png_check(data, len, w, h, err);
    case CXR_IMG_BMP:
    case CXR_IMG_GIF: /* stb_image checks these itself */
        if (len > INT_MAX || !stbi_info_from_memory(data, (int)len, w, h, &n))
            return cxr_fail(err, CXR_ERR_INPUT, "corrupt %s: %s", cxr_image_format_name(fmt),
                            stbi_failure_reason() ? stbi_failure_reason() : "bad header");
        return CXR_OK;
    case CXR_IMG_WEBP:
    case CXR_IMG_TIFF:
        return cxr_fail(err, CXR_ERR_UNSUPPORTED, "unsupported image format '%s'",
                        cxr_image_format_name(fmt));
    case CXR_IMG_UNKNOWN: break;
    }
    return cxr_fail(err, CXR_ERR_UNSUPPORTED,
                    "unknown image format (no known magic bytes)");
}

/* The checks before any pixel is decoded: arguments, format, container
 * structure, size and the dimension cap. */
static cxr_status precheck(const unsigned char *data, size_t len, int max_dimension,
                           cxr_image_format *fmt, int *width, int *height, cxr_error *err)
{
    int w = 0, h = 0;
    cxr_status st;

    if (len == 0)
        return cxr_fail(err, CXR_ERR_INPUT, "empty image file");
    *fmt = cxr_image_sniff(data, len);
    st = check_structure(*fmt, data, len, &w, &h, err);
    if (st != CXR_OK)
        return st;
    if (w <= 0 || h <= 0)
        return cxr_fail(err, CXR_ERR_INPUT, "corrupt %s: size %dx%d",
                        cxr_image_format_name(*fmt), w, h);
    if (max_dimension > 0 && (w > max_dimension || h > max_dimension))
        return cxr_fail(err, CXR_ERR_INPUT, "image too large: %dx%d exceeds the %d pixel cap",
                        w, h, max_dimension);
    if (len > INT_MAX)
        return cxr_fail(err, CXR_ERR_INPUT, "image file too large (%zu bytes)", len);
    *width = w;
    *height = h;
    return CXR_OK;
}

/* The decode after precheck: full size, or a JPEG at scale_eighths / 8. */
static cxr_status decode_checked(cxr_image_format fmt, const unsigned char *data, size_t len,
                                 int want_channels, int strict, int scale_eighths,
                                 cxr_image *out, cxr_error *err)
{
    int w = 0, h = 0, n = 0;
    unsigned char *px;
    cxr_status st;

    if (fmt == CXR_IMG_JPEG) {
        st = cxr_jpeg_decode(data, len, want_channels, strict, scale_eighths, out, err);
        if (st != CXR_ERR_UNSUPPORTED)
            return st;
    }
    /* stb_image allocates with malloc (Debian builds it with no allocator
     * macros), so cxr_image_release frees with free(). */
    px = stbi_load_from_memory(data, (int)len, &w, &h, &n, want_channels);
    if (!px)
        return cxr_fail(err, stbi_failure_reason() &&
                                     strcmp(stbi_failure_reason(), "outofmem") == 0
                                 ? CXR_ERR_NOMEM : CXR_ERR_INPUT,
                        "corrupt %s: %s", cxr_image_format_name(fmt),
                        stbi_failure_reason() ? stbi_failure_reason() : "decoding failed");
    out->width = w;
    out->height = h;
    out->channels = want_channels ? want_channels : n;
    out->pixels = px;
    return CXR_OK;
}

/* min_width, min_height > 0: a JPEG may come out scaled down to no less
 * than that (cxr_jpeg_scale_eighths); 0: full size. */
static cxr_status decode(const unsigned char *data, size_t len, int max_dimension,
                         int want_channels, int strict, int min_width, int min_height,
                         cxr_image *out, cxr_error *err)
{
    cxr_image_format fmt;
    cxr_status st;
    int w = 0, h = 0, k = 8;

    if (!out || (!data && len) || want_channels < 0 || want_channels > 4)
        return cxr_fail(err, CXR_ERR_INTERNAL, "image decode: bad arguments");
    memset(out, 0, sizeof(*out));
    if ((st = precheck(data, len, max_dimension, &fmt, &w, &h, err)) != CXR_OK)
        return st;
    if (min_width > 0 && min_height > 0)
        k = cxr_jpeg_scale_eighths(w, h, min_width, min_height);
    return decode_checked(fmt, data, len, want_channels, strict, k, out, err);
}

cxr_status cxr_image_decode(const unsigned char *data, size_t len, int max_dimension,
                            int want_channels, cxr_image *out, cxr_error *err)
{
    return decode(data, len, max_dimension, want_channels, 0, 0, 0, out, err);
}

cxr_status cxr_image_decode_at_least(const unsigned char *data, size_t len, int max_dimension,
                                     int want_channels, int min_width, int min_height,
                                     cxr_image *out, cxr_error *err)
{
    if (min_width <= 0 || min_height <= 0)
        return cxr_fail(err, CXR_ERR_INTERNAL, "image decode: bad arguments");
    return decode(data, len, max_dimension, want_channels, 0, min_width, min_height, out, err);
}

cxr_status cxr_image_decode_strict(const unsigned char *data, size_t len, int max_dimension,
                                   int want_channels, cxr_image *out, cxr_error *err)
{
    return decode(data, len, max_dimension, want_channels, 1, 0, 0, out, err);
}

cxr_status cxr_image_verify(const unsigned char *data, size_t len, int max_dimension,
                            cxr_error *err)
{
    cxr_image_format fmt;
    cxr_image img = {0};
    cxr_status st;
    int w, h;

    if (!data && len)
        return cxr_fail(err, CXR_ERR_INTERNAL, "image verify: bad arguments");
    if ((st = precheck(data, len, max_dimension, &fmt, &w, &h, err)) != CXR_OK)
        return st;
    if (fmt == CXR_IMG_JPEG) {
        if (cxr_jpeg_scan(data, len) == CXR_OK) /* only ever vouches */
            return CXR_OK;
        st = cxr_jpeg_verify(data, len, err);
        if (st != CXR_ERR_UNSUPPORTED)
            return st;
    }
    if (fmt == CXR_IMG_PNG && cxr_png_verify(data, len, err) == CXR_OK)
        return CXR_OK;
    st = decode_checked(fmt, data, len, 0, 1, 8, &img, err);
    cxr_image_release(&img);
    return st;
}

void cxr_image_release(cxr_image *img)
{
    if (!img)
        return;
    free(img->pixels);
    memset(img, 0, sizeof(*img));
}

/* One output coordinate's source pixels and weight, half-pixel centres. */
struct cxr_bilinear_tap {
    int lo, hi;
    float frac;
};

static void bilinear_taps(int src, int dst, struct cxr_bilinear_tap *t)
{
    float scale = (float)src / (float)dst;
    for (int i = 0; i < dst; i++) {
        float in = ((float)i + 0.5f) * scale - 0.5f;
        float fl = floorf(in);
        int lo = (int)fl, hi = (int)ceilf(in);
        t[i].lo = lo < 0 ? 0 : lo > src - 1 ? src - 1 : lo;
        t[i].hi = hi < 0 ? 0 : hi > src - 1 ? src - 1 : hi;
        t[i].frac = in - fl;
    }
}

cxr_status cxr_bilinear_init(cxr_bilinear *b, const cxr_image *src, int width, int height,
                             int channels, cxr_error *err)
{
    memset(b, 0, sizeof(*b));
    if (!src || !src->pixels || src->width <= 0 || src->height <= 0 || src->channels < 1 ||
        src->channels > 4 || width <= 0 || height <= 0 ||
        (channels != src->channels && channels != 1 && channels != 3))
        return cxr_fail(err, CXR_ERR_INTERNAL, "bilinear resize: bad arguments");
    b->xt = malloc(sizeof(*b->xt) * (size_t)width);
    b->yt = malloc(sizeof(*b->yt) * (size_t)height);
    if (!b->xt || !b->yt) {
        cxr_bilinear_release(b);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory resizing to %dx%d", width, height);
    }
    bilinear_taps(src->width, width, b->xt);
    bilinear_taps(src->height, height, b->yt);
    b->src = src;
    b->width = width;
    b->height = height;
    b->channels = channels;
    return CXR_OK;
}

void cxr_bilinear_release(cxr_bilinear *b)
{
    if (!b)
        return;
    free(b->xt);
    free(b->yt);
    memset(b, 0, sizeof(*b));
}

/* How an output channel comes from a source pixel. */
enum { TAKE_CHANNEL, TAKE_FIRST, TAKE_LUMA };

/* Channel k of the output from source pixel 'p': as it is (channels kept,
 * or RGB(A) to RGB), the grey value replicated (alpha dropped), or RGB to
 * grey as stb_image does it. */
static inline float sample(const unsigned char *p, int how, int k)
{
    if (how == TAKE_CHANNEL)
        return p[k];
    if (how == TAKE_FIRST)
        return p[0];
    return (float)((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
}

/* One output row; 'how' is a constant in each caller below, so the
 * compiler makes three specialised loops. */
static inline void lerp_row(const cxr_bilinear *b, int y, int how, float *row)
{
    const cxr_image *src = b->src;
    int ci = src->channels, c = b->channels;
    const unsigned char *r0 = src->pixels + (size_t)b->yt[y].lo * src->width * ci;
    const unsigned char *r1 = src->pixels + (size_t)b->yt[y].hi * src->width * ci;
    float fy = b->yt[y].frac;

    for (int x = 0; x < b->width; x++) {
        const unsigned char *p00 = r0 + b->xt[x].lo * ci, *p01 = r0 + b->xt[x].hi * ci;
        const unsigned char *p10 = r1 + b->xt[x].lo * ci, *p11 = r1 + b->xt[x].hi * ci;
        float fx = b->xt[x].frac;
        for (int k = 0; k < c; k++) {
            float v00 = sample(p00, how, k), v01 = sample(p01, how, k);
            float v10 = sample(p10, how, k), v11 = sample(p11, how, k);
            float top = v00 + (v01 - v00) * fx;
            float bot = v10 + (v11 - v10) * fx;
            row[x * c + k] = top + (bot - top) * fy;
        }
    }
}

void cxr_bilinear_row(const cxr_bilinear *b, int y, float *row)
{
    int ci = b->src->channels, c = b->channels;
    if (ci == c || (c == 3 && ci >= 3))
        lerp_row(b, y, TAKE_CHANNEL, row);
    else if (ci <= 2)
        lerp_row(b, y, TAKE_FIRST, row);
    else
        lerp_row(b, y, TAKE_LUMA, row);
}

cxr_status cxr_image_resize(const cxr_image *src, int width, int height, cxr_image *dst,
                            cxr_error *err)
{
    cxr_bilinear b;
    float *row;
    cxr_status st;
    int c;

    if (!src || !dst)
        return cxr_fail(err, CXR_ERR_INTERNAL, "image resize: bad arguments");
    memset(dst, 0, sizeof(*dst));
    st = cxr_bilinear_init(&b, src, width, height, src->channels, err);
    if (st != CXR_OK)
        return st;
    c = src->channels;
    row = malloc(sizeof(*row) * (size_t)width * (size_t)c);
    dst->pixels = malloc((size_t)width * (size_t)height * (size_t)c);
    if (!row || !dst->pixels) {
        free(row);
        cxr_image_release(dst);
        cxr_bilinear_release(&b);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory resizing to %dx%d", width, height);
    }
    for (int y = 0; y < height; y++) {
        unsigned char *o = dst->pixels + (size_t)y * width * c;
        cxr_bilinear_row(&b, y, row);
        for (int i = 0; i < width * c; i++) {
            float v = row[i] + 0.5f;
            o[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(row);
    cxr_bilinear_release(&b);
    dst->width = width;
    dst->height = height;
    dst->channels = c;
    return CXR_OK;
}

typedef struct png_sink {
    FILE *fp;
    int failed;
} png_sink;

static void png_write_cb(void *ctx, void *data, int size)
{
    png_sink *s = ctx;
    if (size > 0 && fwrite(data, 1, (size_t)size, s->fp) != (size_t)size)
        s->failed = 1;
}

cxr_status cxr_image_write_png(const cxr_image *img, const char *path, cxr_error *err)
{
    cxr_atomic_file af;
    png_sink sink;
    cxr_status st;

    if (!img || !img->pixels || !path || img->width <= 0 || img->height <= 0 ||
        img->channels < 1 || img->channels > 4)
        return cxr_fail(err, CXR_ERR_INTERNAL, "image write: bad arguments");
    memset(&af, 0, sizeof(af));
    st = cxr_atomic_open(&af, path, err);
    if (st != CXR_OK)
        return st;
    sink.fp = af.fp;
    sink.failed = 0;
    if (!stbi_write_png_to_func(png_write_cb, &sink, img->width, img->height, img->channels,
                                img->pixels, img->width * img->channels) ||
        sink.failed) {
        cxr_atomic_abort(&af);
        return cxr_fail(err, CXR_ERR_IO, "cannot write png '%s'", path);
    }
    return cxr_atomic_commit(&af, err);
}
