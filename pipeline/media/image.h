/* image.h: image decoding for layout verification and scoring (stb_image;
 * JPEG by libjpeg-turbo): format from magic bytes, never from the name; a
 * dimension cap; 8-bit output (16-bit inputs are reduced); bilinear resize;
 * PNG writing. */
#ifndef CXR_IMAGE_H
#define CXR_IMAGE_H

#include <stddef.h>

#include "error.h"

typedef enum cxr_image_format {
    CXR_IMG_UNKNOWN = 0,
    CXR_IMG_JPEG,
    CXR_IMG_PNG,
    CXR_IMG_BMP,
    CXR_IMG_GIF,
    CXR_IMG_WEBP, /* recognised, not decodable: CXR_ERR_UNSUPPORTED */
    CXR_IMG_TIFF  /* recognised, not decodable: CXR_ERR_UNSUPPORTED */
} cxr_image_format;

cxr_image_format cxr_image_sniff(const unsigned char *data, size_t len);
const char *cxr_image_format_name(cxr_image_format fmt); /* "jpeg", ... */

typedef struct cxr_image {
    int width, height;
    int channels;            /* 1..4, interleaved */
    unsigned char *pixels;   /* owned; width*height*channels bytes */
} cxr_image;

/* Decodes 'data' (borrowed). want_channels 0 keeps the file's channels, 3
 * gives RGB (grey is replicated, alpha dropped). Truncated or corrupt data
 * is CXR_ERR_INPUT, an unknown or undecodable format CXR_ERR_UNSUPPORTED, a
 * side over max_dimension (0: no cap) CXR_ERR_INPUT; the message says which. */
cxr_status cxr_image_decode(const unsigned char *data, size_t len,
                            int max_dimension, int want_channels,
                            cxr_image *out, cxr_error *err);
/* Verification only, no pixels kept: the same checks as cxr_image_decode
 * and the same errors, but every Huffman code of a sequential JPEG is
 * decoded without transforming anything (our own scan; what it cannot
 * vouch for, libjpeg decodes at 1/8 scale: every entropy-coded bit is
 * still decoded, so damaged data is still found), and there libjpeg's
 * corrupt-data warnings (bad Huffman code, premature end of a scan, ...),
 * which cxr_image_decode passes over, are CXR_ERR_INPUT. A PNG's pixel
 * data is inflated by zlib without unfiltering; other formats are decoded
 * fully. */
cxr_status cxr_image_verify(const unsigned char *data, size_t len, int max_dimension,
                            cxr_error *err);
/* cxr_image_decode that refuses what cxr_image_verify refuses (libjpeg's
 * corrupt-data warnings are CXR_ERR_INPUT): for pixels from verified
 * images in one decode. */
cxr_status cxr_image_decode_strict(const unsigned char *data, size_t len, int max_dimension,
                                   int want_channels, cxr_image *out, cxr_error *err);

/* The fast decode of scoring (score.decode: fast): cxr_image_decode, but
 * a JPEG of one or three components comes out of libjpeg-turbo's DCT
 * scaling at the smallest of 1/8, 2/8 .. 8/8 of its size whose sides are
 * both still >= min_width x min_height (full size when the image is
 * smaller); other formats, and other JPEGs, at full size. The same checks
 * and errors; min_width and min_height must be > 0. */
cxr_status cxr_image_decode_at_least(const unsigned char *data, size_t len, int max_dimension,
                                     int want_channels, int min_width, int min_height,
                                     cxr_image *out, cxr_error *err);
/* That scale, in eighths (1..8), for a width x height JPEG: the smallest k
 * with ceil(width * k / 8) >= min_width and ceil(height * k / 8) >=
 * min_height (libjpeg rounds each scaled side up), else 8. */
int cxr_jpeg_scale_eighths(int width, int height, int min_width, int min_height);

/* Frees the pixels; safe on a zeroed struct. */
void cxr_image_release(cxr_image *img);

/* The one bilinear interpolation of the library (layout's PNG trees and the
 * model's input both use it): half-pixel centres, no antialias, as
 * TensorFlow/Keras resize_bilinear with half_pixel_centers; computed in
 * float on the 8-bit values, never rounded in between.
 *
 *     cxr_bilinear b;
 *     cxr_bilinear_init(&b, src, width, height, channels, &err);
 *     for (y = 0; y < height; y++)
 *         cxr_bilinear_row(&b, y, row);   // width * channels floats in [0, 255]
 *     cxr_bilinear_release(&b);
 *
 * 'channels' of the output: the source's own (kept as they are), or 1 or 3
 * from any source: grey is replicated, alpha dropped, RGB to grey with
 * stb_image's integer weights (77, 150, 29) >> 8. */
typedef struct cxr_bilinear {
    const cxr_image *src;      /* borrowed */
    int width, height, channels;
    struct cxr_bilinear_tap *xt, *yt; /* owned */
} cxr_bilinear;

cxr_status cxr_bilinear_init(cxr_bilinear *b, const cxr_image *src, int width, int height,
                             int channels, cxr_error *err);
void cxr_bilinear_row(const cxr_bilinear *b, int y, float *row);
void cxr_bilinear_release(cxr_bilinear *b); /* safe on a zeroed struct */

/* Bilinear resize (cxr_bilinear, rounded to the nearest 8-bit value) into a
 * new image of the source's channels, which the caller releases. */
cxr_status cxr_image_resize(const cxr_image *src, int width, int height,
                            cxr_image *dst, cxr_error *err);

/* Writes a PNG atomically (temporary name, then rename). */
cxr_status cxr_image_write_png(const cxr_image *img, const char *path, cxr_error *err);

#endif
