/* preprocess.c: decoded image to the model's float NHWC input: bilinear
 * resize with half-pixel centres (TensorFlow's resize_bilinear with
 * half_pixel_centers, antialias off) computed in float, scaled by 1/255;
 * grey, grey+alpha, RGB and RGBA sources to RGB (or grey) on the fly. */
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

/* Channel k of the model's input from one source pixel of 'cin' channels:
 * grey is replicated, alpha dropped, RGB to grey as stb_image does it. */
static inline float sample(const unsigned char *p, int cin, int cout, int k)
{
    if (cin <= 2)
        return p[0];
    if (cout == 3)
        return p[k];
    return (float)((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
}

cxr_status cxr_preprocess_image(const cxr_image *img, const cxr_prep_shape *shape,
                                float *out, cxr_error *err)
{
    const float inv = 1.0f / 255.0f;
    tap *xt, *yt;
    int c, ci;

    if (!img || !img->pixels || !shape || !out || shape->width <= 0 || shape->height <= 0)
        return cxr_fail(err, CXR_ERR_INTERNAL, "preprocess: bad arguments");
    c = shape->channels;
    ci = img->channels;
    if ((c != 1 && c != 3) || ci < 1 || ci > 4)
        return cxr_fail(err, CXR_ERR_INTERNAL, "preprocess: %d channels to %d", ci, c);
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
        const unsigned char *r0 = img->pixels + (size_t)yt[y].lo * img->width * ci;
        const unsigned char *r1 = img->pixels + (size_t)yt[y].hi * img->width * ci;
        float fy = yt[y].frac, *o = out + (size_t)y * shape->width * c;
        for (int x = 0; x < shape->width; x++) {
            const unsigned char *a = r0 + xt[x].lo * ci, *b = r0 + xt[x].hi * ci;
            const unsigned char *p = r1 + xt[x].lo * ci, *q = r1 + xt[x].hi * ci;
            float fx = xt[x].frac;
            for (int k = 0; k < c; k++) {
                float va = sample(a, ci, c, k), vb = sample(b, ci, c, k);
                float vp = sample(p, ci, c, k), vq = sample(q, ci, c, k);
                float top = va + (vb - va) * fx;
                float bot = vp + (vq - vp) * fx;
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
    /* the file's own channels: a grey X-ray decodes to one channel, a third
     * of the work and memory of RGB, and is replicated while resizing */
    st = cxr_image_decode(data, len, max_dimension, 0, &img, err);
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
