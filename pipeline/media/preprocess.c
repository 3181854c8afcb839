/* preprocess.c: decoded image to the model's float NHWC input: the
 * library's bilinear resize (image.h: half-pixel centres, antialias off,
 * computed in float), grey, grey+alpha, RGB and RGBA sources to RGB (or
 * grey) on the fly, scaled by 1/255; decoding exact (full size) or fast
 * (JPEGs DCT-scaled to no less than the input size). */
#include "preprocess.h"

#include <math.h>
#include <stdlib.h>

cxr_status cxr_preprocess_image(const cxr_image *img, const cxr_prep_shape *shape,
                                float *out, cxr_error *err)
{
    const float inv = 1.0f / 255.0f;
    size_t rowlen;
    cxr_bilinear b;
    cxr_status st;

    if (!img || !img->pixels || !shape || !out || shape->width <= 0 || shape->height <= 0)
        return cxr_fail(err, CXR_ERR_INTERNAL, "preprocess: bad arguments");
    if ((shape->channels != 1 && shape->channels != 3) || img->channels < 1 ||
        img->channels > 4)
        return cxr_fail(err, CXR_ERR_INTERNAL, "preprocess: %d channels to %d", img->channels,
                        shape->channels);
    st = cxr_bilinear_init(&b, img, shape->width, shape->height, shape->channels, err);
    if (st != CXR_OK)
        return st;
    rowlen = (size_t)shape->width * (size_t)shape->channels;
    for (int y = 0; y < shape->height; y++) {
        float *o = out + (size_t)y * rowlen;
        cxr_bilinear_row(&b, y, o);
        for (size_t i = 0; i < rowlen; i++)
            o[i] *= inv;
    }
    cxr_bilinear_release(&b);
    return CXR_OK;
}

const char *cxr_decode_mode_name(cxr_decode_mode mode)
{
    return mode == CXR_DECODE_FAST ? "fast" : "exact";
}

cxr_status cxr_preprocess_decode(const unsigned char *data, size_t len, int max_dimension,
                                 cxr_decode_mode mode, const cxr_prep_shape *shape,
                                 cxr_image *img, cxr_error *err)
{
    if (!shape || (shape->channels != 1 && shape->channels != 3))
        return cxr_fail(err, CXR_ERR_UNSUPPORTED, "models with %d input channels are not "
                        "supported (1 or 3)", shape ? shape->channels : 0);
    /* the file's own channels: a grey X-ray decodes to one channel, a third
     * of the work and memory of RGB, and is replicated while resizing */
    if (mode == CXR_DECODE_FAST && shape->width > 0 && shape->height > 0)
        return cxr_image_decode_at_least(data, len, max_dimension, 0, shape->width,
                                         shape->height, img, err);
    return cxr_image_decode(data, len, max_dimension, 0, img, err);
}

cxr_status cxr_preprocess_bytes_mode(const unsigned char *data, size_t len, int max_dimension,
                                     cxr_decode_mode mode, const cxr_prep_shape *shape,
                                     float *out, cxr_error *err)
{
    cxr_image img = {0};
    cxr_status st = cxr_preprocess_decode(data, len, max_dimension, mode, shape, &img, err);

    if (st == CXR_OK)
        st = cxr_preprocess_image(&img, shape, out, err);
    cxr_image_release(&img);
    return st;
}

cxr_status cxr_preprocess_bytes(const unsigned char *data, size_t len, int max_dimension,
                                const cxr_prep_shape *shape, float *out, int *orig_w,
                                int *orig_h, cxr_error *err)
{
    cxr_image img = {0};
    cxr_status st;

    st = cxr_preprocess_decode(data, len, max_dimension, CXR_DECODE_EXACT, shape, &img, err);
    if (st != CXR_OK)
        return st;
    if (orig_w)
        *orig_w = img.width;
    if (orig_h)
        *orig_h = img.height;
    st = cxr_preprocess_image(&img, shape, out, err);
    cxr_image_release(&img);
    return st;
}
