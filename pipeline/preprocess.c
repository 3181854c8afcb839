/* preprocess.c: decoded image to the model's float NHWC input: bilinear
 * resize with half-pixel centres (TensorFlow's resize_bilinear with
 * half_pixel_centers, antialias off) computed in float, scaled by 1/255. */
#include "preprocess.h"

#include <math.h>
#include <stdlib.h>

typedef struct tap {
    int lo, hi;
    float frac;
} tap;

static void make_taps(int src, int dst, tap *t)
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

cxr_status cxr_preprocess_image(const cxr_image *img, const cxr_prep_shape *shape,
                                float *out, cxr_error *err)
{
    const float inv = 1.0f / 255.0f;
    tap *xt, *yt;
    int c;

    if (!img || !img->pixels || !shape || !out || shape->width <= 0 || shape->height <= 0)
        return cxr_fail(err, CXR_ERR_INTERNAL, "preprocess: bad arguments");
    c = shape->channels;
    if (img->channels != c)
        return cxr_fail(err, CXR_ERR_INTERNAL, "preprocess: image has %d channels, model %d",
                        img->channels, c);
    xt = malloc(sizeof(*xt) * (size_t)shape->width);
    yt = malloc(sizeof(*yt) * (size_t)shape->height);
    if (!xt || !yt) {
        free(xt);
        free(yt);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory preprocessing an image");
    }
    make_taps(img->width, shape->width, xt);
    make_taps(img->height, shape->height, yt);
    for (int y = 0; y < shape->height; y++) {
        const unsigned char *r0 = img->pixels + (size_t)yt[y].lo * img->width * c;
        const unsigned char *r1 = img->pixels + (size_t)yt[y].hi * img->width * c;
        float fy = yt[y].frac, *o = out + (size_t)y * shape->width * c;
        for (int x = 0; x < shape->width; x++) {
            const unsigned char *a = r0 + xt[x].lo * c, *b = r0 + xt[x].hi * c;
            const unsigned char *p = r1 + xt[x].lo * c, *q = r1 + xt[x].hi * c;
            float fx = xt[x].frac;
            for (int k = 0; k < c; k++) {
                float top = a[k] + (b[k] - a[k]) * fx;
                float bot = p[k] + (q[k] - p[k]) * fx;
                o[x * c + k] = (top + (bot - top) * fy) * inv;
            }
        }
    }
    free(xt);
    free(yt);
    return CXR_OK;
}

cxr_status cxr_preprocess_bytes(const unsigned char *data, size_t len, int max_dimension,
                                const cxr_prep_shape *shape, float *out, int *orig_w,
                                int *orig_h, cxr_error *err)
{
    cxr_image img = {0};
    cxr_status st;

    if (!shape || (shape->channels != 1 && shape->channels != 3))
        return cxr_fail(err, CXR_ERR_UNSUPPORTED, "models with %d input channels are not "
                        "supported (1 or 3)", shape ? shape->channels : 0);
    st = cxr_image_decode(data, len, max_dimension, shape->channels, &img, err);
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
