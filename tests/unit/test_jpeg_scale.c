/* test_jpeg_scale.c: score.decode: fast's scale choice (the smallest k/8,
 * k = 1..8, whose sides, rounded up as libjpeg rounds them, are both still
 * at least the model's input) and the decode that uses it: a JPEG comes out
 * at that size, a PNG and a JPEG smaller than the input at full size, and
 * the same checks refuse a damaged file. JPEGs and PNGs are made here with
 * stb_image_write. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image_write.h>

#include "image.h"
#include "preprocess.h"
#include "testutil.h"

static void test_scale_choice(void)
{
    /* 224x224 input */
    CHECK_INT(cxr_jpeg_scale_eighths(2048, 2048, 224, 224), 1);  /* 256 */
    CHECK_INT(cxr_jpeg_scale_eighths(1792, 1792, 224, 224), 1);  /* exactly 224 */
    CHECK_INT(cxr_jpeg_scale_eighths(1791, 1791, 224, 224), 1);  /* ceil(223.9) = 224 */
    CHECK_INT(cxr_jpeg_scale_eighths(1785, 1785, 224, 224), 1);  /* ceil(1785/8) = 224 */
    CHECK_INT(cxr_jpeg_scale_eighths(1784, 1784, 224, 224), 2);  /* 223: too small */
    CHECK_INT(cxr_jpeg_scale_eighths(1000, 800, 224, 224), 3);   /* 375x300; 2/8: 250x200 */
    CHECK_INT(cxr_jpeg_scale_eighths(3000, 300, 224, 224), 6);   /* the short side decides */
    CHECK_INT(cxr_jpeg_scale_eighths(300, 3000, 224, 224), 6);
    CHECK_INT(cxr_jpeg_scale_eighths(256, 256, 224, 224), 7);    /* 224 */
    CHECK_INT(cxr_jpeg_scale_eighths(255, 255, 224, 224), 7);    /* 7/8: ceil(223.1) = 224 */
    CHECK_INT(cxr_jpeg_scale_eighths(250, 250, 224, 224), 8);    /* 7/8: 219 */
    CHECK_INT(cxr_jpeg_scale_eighths(100, 100, 224, 224), 8);    /* smaller than the input */
    CHECK_INT(cxr_jpeg_scale_eighths(224, 224, 224, 224), 8);
    /* every k: ceil(side * k / 8) >= target, and k - 1 would not do */
    for (int w = 1; w <= 700; w += 3)
        for (int t = 1; t <= 300; t += 7) {
            int k = cxr_jpeg_scale_eighths(w, w, t, t);
            CHECK(k >= 1 && k <= 8);
            if (k < 8)
                CHECK((w * k + 7) / 8 >= t);
            if (k > 1)
                CHECK((w * (k - 1) + 7) / 8 < t);
        }
}

typedef struct buf {
    unsigned char *data;
    size_t len, cap;
} buf;

static void sink(void *ctx, void *data, int size)
{
    buf *b = ctx;
    if (b->len + (size_t)size > b->cap) {
        b->cap = (b->len + (size_t)size) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, data, (size_t)size);
    b->len += (size_t)size;
}

/* A smooth gradient with some texture, w x h, 'c' channels. */
static unsigned char *pattern(int w, int h, int c)
{
    unsigned char *px = malloc((size_t)w * h * c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++)
                px[((size_t)y * w + x) * c + k] =
                    (unsigned char)((x * 150 / w + y * 50 / h + ((x / 7 + y / 5) % 3) * 2 + k * 3));
    return px;
}

static void test_decode_at_least(void)
{
    cxr_image img = {0};
    cxr_error err = {0};
    buf jpg = {0}, png = {0}, small = {0};
    unsigned char *px = pattern(600, 400, 3), *tiny = pattern(50, 40, 1);

    CHECK(stbi_write_jpg_to_func(sink, &jpg, 600, 400, 3, px, 95));
    CHECK(stbi_write_png_to_func(sink, &png, 600, 400, 3, px, 600 * 3));
    CHECK(stbi_write_jpg_to_func(sink, &small, 50, 40, 1, tiny, 95));
    /* 600x400 for 64x64: 1/8 is 75x50, 2/8 is 150x100 */
    CHECK_INT(cxr_image_decode_at_least(jpg.data, jpg.len, 0, 0, 64, 64, &img, &err), CXR_OK);
    CHECK_INT(img.width, 150);
    CHECK_INT(img.height, 100);
    CHECK_INT(img.channels, 3);
    cxr_image_release(&img);
    CHECK_INT(cxr_image_decode_at_least(jpg.data, jpg.len, 0, 0, 32, 32, &img, &err), CXR_OK);
    CHECK_INT(img.width, 75);
    CHECK_INT(img.height, 50);
    cxr_image_release(&img);
    /* a PNG is decoded in full */
    CHECK_INT(cxr_image_decode_at_least(png.data, png.len, 0, 0, 64, 64, &img, &err), CXR_OK);
    CHECK_INT(img.width, 600);
    CHECK_INT(img.height, 400);
    cxr_image_release(&img);
    /* a JPEG smaller than the input: in full, the same pixels as exact */
    {
        cxr_image full = {0};
        CHECK_INT(cxr_image_decode_at_least(small.data, small.len, 0, 0, 64, 64, &img, &err),
                  CXR_OK);
        CHECK_INT(cxr_image_decode(small.data, small.len, 0, 0, &full, &err), CXR_OK);
        CHECK_INT(img.width, 50);
        CHECK(img.pixels && full.pixels && memcmp(img.pixels, full.pixels, 50 * 40) == 0);
        cxr_image_release(&full);
        cxr_image_release(&img);
    }
    /* the same checks: the cap, and a truncated file */
    CHECK_INT(cxr_image_decode_at_least(jpg.data, jpg.len, 500, 0, 64, 64, &img, &err),
              CXR_ERR_INPUT);
    CHECK_INT(cxr_image_decode_at_least(jpg.data, jpg.len / 2, 0, 0, 64, 64, &img, &err),
              CXR_ERR_INPUT);
    CHECK_INT(cxr_image_decode_at_least(jpg.data, jpg.len, 0, 0, 0, 64, &img, &err),
              CXR_ERR_INTERNAL);
    /* the model input of a fast decode stays close to the exact one */
    {
        cxr_prep_shape sh = {64, 64, 3};
        float *a = malloc(sizeof(float) * 64 * 64 * 3), *b = malloc(sizeof(float) * 64 * 64 * 3);
        double worst = 0;
        CHECK_INT(cxr_preprocess_bytes_mode(jpg.data, jpg.len, 0, CXR_DECODE_EXACT, &sh, a,
                                            &err), CXR_OK);
        CHECK_INT(cxr_preprocess_bytes_mode(jpg.data, jpg.len, 0, CXR_DECODE_FAST, &sh, b,
                                            &err), CXR_OK);
        for (int i = 0; i < 64 * 64 * 3; i++)
            worst = fabs(a[i] - b[i]) > worst ? fabs(a[i] - b[i]) : worst;
        CHECK(worst > 0);          /* another decode */
        CHECK(worst < 8.0 / 255);  /* of the same smooth picture (measured: 3.5 / 255) */
        CHECK_STR(cxr_decode_mode_name(CXR_DECODE_FAST), "fast");
        CHECK_STR(cxr_decode_mode_name(CXR_DECODE_EXACT), "exact");
        free(a);
        free(b);
    }
    free(px);
    free(tiny);
    free(jpg.data);
    free(png.data);
    free(small.data);
}

int main(void)
{
    test_scale_choice();
    test_decode_at_least();
    return test_finish();
}
