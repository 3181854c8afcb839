/* image_jpeg.h (internal): JPEG decoding with libjpeg-turbo for image.c. */
#ifndef CXR_IMAGE_JPEG_H
#define CXR_IMAGE_JPEG_H

#include <stddef.h>

#include "error.h"
#include "image.h"

/* Decodes a JPEG whose structure image.c has checked. want_channels 0
 * (the file's: 1 or 3), 1 (grey) or 3 (RGB). CXR_ERR_UNSUPPORTED means
 * "not handled here" (CMYK/YCCK, 2 or 4 channels wanted): the caller falls
 * back to stb_image. Corrupt data is CXR_ERR_INPUT with libjpeg's message;
 * 'strict' adds the corrupt-data warnings, as cxr_jpeg_verify.
 * scale_eighths 1..7 decodes at that many eighths of the size (libjpeg-turbo's
 * DCT scaling: each side rounded up); 8 (or anything else) at full size. */
cxr_status cxr_jpeg_decode(const unsigned char *data, size_t len, int want_channels,
                           int strict, int scale_eighths, cxr_image *out, cxr_error *err);

/* Verifies a JPEG whose structure image.c has checked by decoding every
 * entropy-coded bit at 1/8 scale, to grey, without keeping pixels; libjpeg
 * warnings that mean corrupt data (bad Huffman code, premature end of a
 * scan, extraneous bytes, ...) are CXR_ERR_INPUT here, unlike in
 * cxr_jpeg_decode. CXR_ERR_UNSUPPORTED without a message: not handled here
 * (CMYK/YCCK), the caller decodes fully instead. */
cxr_status cxr_jpeg_verify(const unsigned char *data, size_t len, cxr_error *err);

#endif
