/* mkdemo_images.c: synthetic chest-X-ray-like pictures for the demo mirror:
 * a dark background, a grey body, two darker lung fields crossed by faint
 * ribs, a bright spine and heart shadow, and for the diseased looks a
 * ground-glass haze (COVID-19) or a dense consolidation (pneumonia); noise
 * on top. Deterministic from the seed; encoded with stb_image_write (Debian
 * ships it compiled in libstb). Nothing here comes from real images. */
#include <math.h>
#include <stdlib.h>

#include <stb_image_write.h>

#include "mkdemo.h"

#define PI 3.14159265358979323846

typedef struct blob {
    double x, y, rx, ry, amount;
} blob;

typedef struct scene {
    int w, h;
    double lung_dx, lung_y, lung_rx, lung_ry; /* lungs at x = +-lung_dx */
    double body, lung, spine, gain, offset, noise, rib_freq;
    blob blobs[4];
    int nblobs;
} scene;

/* 1 inside an ellipse, 0 outside, with a soft edge 'soft' wide. */
static double ellipse(double x, double y, double cx, double cy, double rx, double ry,
                      double soft)
{
    double d2 = (x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry), d;
    if (d2 >= 1.0)
        return 0.0;
    d = sqrt(d2);
    if (d <= 1.0 - soft)
        return 1.0;
    d = (1.0 - d) / soft;
    return d * d * (3.0 - 2.0 * d);
}

static void add_blobs(scene *s, mkdemo_rng *r, mkdemo_look look)
{
    s->nblobs = 0;
    if (look == MKDEMO_LOOK_COVID) {
        /* bilateral, peripheral, lower zones: one or two per lung */
        for (int side = -1; side <= 1; side += 2) {
            int n = 1 + (int)(mkdemo_rng_unit(r) * 2.0);
            for (int i = 0; i < n && s->nblobs < 4; i++)
                s->blobs[s->nblobs++] = (blob){
                    side * (s->lung_dx + mkdemo_rng_range(r, 0.05, 0.15)),
                    s->lung_y + mkdemo_rng_range(r, 0.05, 0.35),
                    mkdemo_rng_range(r, 0.16, 0.24), mkdemo_rng_range(r, 0.2, 0.32),
                    mkdemo_rng_range(r, 45.0, 75.0)};
        }
    } else if (look == MKDEMO_LOOK_PNEUMONIA) {
        int side = mkdemo_rng_unit(r) < 0.5 ? -1 : 1;
        s->blobs[s->nblobs++] = (blob){
            side * (s->lung_dx + mkdemo_rng_range(r, -0.05, 0.05)),
            s->lung_y + mkdemo_rng_range(r, -0.1, 0.3), mkdemo_rng_range(r, 0.12, 0.2),
            mkdemo_rng_range(r, 0.15, 0.25), mkdemo_rng_range(r, 60.0, 95.0)};
    }
}

static void make_scene(scene *s, mkdemo_rng *r, mkdemo_look look)
{
    s->w = 224 + 8 * (int)(mkdemo_rng_unit(r) * 9.0);  /* 224..288 */
    s->h = 224 + 8 * (int)(mkdemo_rng_unit(r) * 9.0);
    s->lung_dx = mkdemo_rng_range(r, 0.36, 0.44);
    s->lung_y = mkdemo_rng_range(r, -0.12, 0.0);
    s->lung_rx = mkdemo_rng_range(r, 0.24, 0.3);
    s->lung_ry = mkdemo_rng_range(r, 0.5, 0.62);
    s->body = mkdemo_rng_range(r, 120.0, 140.0);
    s->lung = mkdemo_rng_range(r, 30.0, 55.0);
    s->spine = mkdemo_rng_range(r, 60.0, 90.0);
    s->gain = mkdemo_rng_range(r, 0.92, 1.08);
    s->offset = mkdemo_rng_range(r, -6.0, 6.0);
    s->noise = mkdemo_rng_range(r, 4.0, 10.0);
    s->rib_freq = mkdemo_rng_range(r, 8.0, 11.0);
    add_blobs(s, r, look);
}

/* The picture's value at (u, v), both in [-1, 1], before noise. */
static double shade(const scene *s, double u, double v)
{
    double body = ellipse(u, v, 0.0, 0.35, 0.95, 1.3, 0.12);
    double val = 14.0 + (s->body - 14.0) * body;
    for (int side = -1; side <= 1; side += 2) {
        double lung = ellipse(u, v, side * s->lung_dx, s->lung_y, s->lung_rx, s->lung_ry, 0.3);
        double rib;
        if (lung == 0.0)
            continue;
        rib = 0.5 + 0.5 * sin(v * PI * s->rib_freq + u * side * 2.5);
        val += lung * (s->lung - s->body + 16.0 * rib * rib * rib);
    }
    val += s->spine * (1.0 - fmin(1.0, fabs(u) / 0.09)) * (v > -0.9);
    val += 45.0 * ellipse(u, v, 0.1, 0.3, 0.26, 0.28, 0.5);   /* heart */
    for (int i = 0; i < s->nblobs; i++) {
        const blob *b = &s->blobs[i];
        val += b->amount * ellipse(u, v, b->x, b->y, b->rx, b->ry, 0.8);
    }
    return val;
}

static unsigned char *paint(const scene *s, mkdemo_rng *r, int channels)
{
    unsigned char *px = malloc((size_t)s->w * s->h * channels);
    if (!px)
        abort();
    for (int y = 0; y < s->h; y++) {
        double v = 2.0 * (y + 0.5) / s->h - 1.0;
        for (int x = 0; x < s->w; x++) {
            double u = 2.0 * (x + 0.5) / s->w - 1.0;
            double n = (mkdemo_rng_unit(r) + mkdemo_rng_unit(r) - 1.0) * s->noise;
            double val = s->gain * shade(s, u, v) + s->offset + n;
            unsigned char g = (unsigned char)(val < 0 ? 0 : val > 255 ? 255 : val + 0.5);
            unsigned char *p = px + ((size_t)y * s->w + x) * channels;
            for (int c = 0; c < channels; c++)
                p[c] = (c == 1 && channels == 2) || c == 3 ? 255 : g;
        }
    }
    return px;
}

static void sink(void *ctx, void *data, int size)
{
    mkdemo_buf_put(ctx, data, (size_t)size);
}

cxr_status mkdemo_image(uint64_t seed, mkdemo_look look, mkdemo_format fmt, int channels,
                        mkdemo_buf *out, cxr_error *err)
{
    return mkdemo_image_sized(seed, look, fmt, channels, 0, 0, out, err);
}

cxr_status mkdemo_image_sized(uint64_t seed, mkdemo_look look, mkdemo_format fmt, int channels,
                              int width, int height, mkdemo_buf *out, cxr_error *err)
{
    mkdemo_rng r = {seed};
    scene s;
    unsigned char *px;
    int ok;

    if (channels < 1 || channels > 4 || (fmt == MKDEMO_JPEG && (channels & 1) == 0))
        return cxr_fail(err, CXR_ERR_INTERNAL, "mkdemo: %d channels cannot be written as %s",
                        channels, fmt == MKDEMO_JPEG ? "JPEG" : "PNG");
    make_scene(&s, &r, look);
    if (width > 0 && height > 0) {  /* the same picture, drawn at this size */
        s.w = width;
        s.h = height;
    }
    px = paint(&s, &r, channels);
    if (fmt == MKDEMO_JPEG)
        ok = stbi_write_jpg_to_func(sink, out, s.w, s.h, channels, px, 90);
    else
        ok = stbi_write_png_to_func(sink, out, s.w, s.h, channels, px, s.w * channels);
    free(px);
    if (!ok)
        return cxr_fail(err, CXR_ERR_INTERNAL, "mkdemo: stb_image_write failed");
    return CXR_OK;
}
