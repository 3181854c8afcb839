/* preprocess.h: the recipe's preprocessing of one image for the model:
 * decode, convert to RGB (or grey for a one-channel model), bilinear resize
 * to the model's input size (the library's one bilinear, image.h: half-pixel
 * centres, no antialias, as Keras / TensorFlow), scale to [0, 1] with no
 * mean or std: float NHWC. */
#ifndef CXR_PREPROCESS_H
#define CXR_PREPROCESS_H

#include <stddef.h>

#include "error.h"
#include "image.h"

/* The model's input: out holds height * width * channels floats. */
typedef struct cxr_prep_shape {
    int width, height;
    int channels;        /* 1 or 3 */
} cxr_prep_shape;

/* Resizes 'img' (borrowed; 8-bit, 1 to 4 channels, any size) into 'out'
 * (caller-owned, height*width*channels floats) in [0, 1]: cxr_bilinear's
 * values divided by 255. Grey is replicated to RGB, alpha is dropped, RGB
 * goes to grey with stb_image's weights. The interpolation is done in
 * floating point on the 8-bit values, never rounded in between. */
cxr_status cxr_preprocess_image(const cxr_image *img, const cxr_prep_shape *shape,
                                float *out, cxr_error *err);

/* Decodes 'data' (borrowed) and preprocesses it into 'out'; the image's
 * original size goes to *orig_w / *orig_h (may be NULL). Errors are those
 * of cxr_image_decode. */
cxr_status cxr_preprocess_bytes(const unsigned char *data, size_t len, int max_dimension,
                                const cxr_prep_shape *shape, float *out, int *orig_w,
                                int *orig_h, cxr_error *err);

/* How an image is decoded before the resize: EXACT is the recipe's (the
 * full image, then the one bilinear resize); FAST lets a JPEG come out of
 * the IDCT already scaled down, to no less than the model's input on
 * either side (cxr_image_decode_at_least), then the same resize. */
typedef enum cxr_decode_mode {
    CXR_DECODE_EXACT = 0,
    CXR_DECODE_FAST
} cxr_decode_mode;

const char *cxr_decode_mode_name(cxr_decode_mode mode); /* "exact", "fast" */

/* The file's own channels (grey stays grey until the resize replicates it)
 * decoded by 'mode' for 'shape', into 'img' (the caller releases it). */
cxr_status cxr_preprocess_decode(const unsigned char *data, size_t len, int max_dimension,
                                 cxr_decode_mode mode, const cxr_prep_shape *shape,
                                 cxr_image *img, cxr_error *err);

/* cxr_preprocess_bytes decoding by 'mode' (orig sizes not reported):
 * CXR_DECODE_EXACT gives exactly cxr_preprocess_bytes' floats. */
cxr_status cxr_preprocess_bytes_mode(const unsigned char *data, size_t len, int max_dimension,
                                     cxr_decode_mode mode, const cxr_prep_shape *shape,
                                     float *out, cxr_error *err);

#endif
