/* image_preprocess.c: the model input the recipe's preprocessing gives:
 * hand-computed bilinear values in float (no rounding), grey to RGB, the
 * [0, 1] scale, the one bilinear interpolation that the model input and
 * layout's PNG trees (cxr_image_resize) share, and a real X-ray of every
 * decoded form. */
#include <math.h>

#include "fsutil.h"
#include "preprocess.h"
#include "testutil.h"

#define NEAR(a, b, eps) CHECK(fabs((a) - (b)) <= (eps))

static void test_hand_values(void)
{
    unsigned char px[16] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 151};
    cxr_image img = {4, 4, 1, px};
    cxr_prep_shape sh = {2, 2, 1};
    float out[4];
    cxr_error err = {0};

    CHECK_INT(cxr_preprocess_image(&img, &sh, out, &err), CXR_OK);
    NEAR(out[0], 25.0f / 255, 1e-6);
    NEAR(out[3], 125.25f / 255, 1e-6); /* (100+110+140+151)/4: not rounded */
    {
        unsigned char two[6] = {0, 0, 0, 255, 100, 50}; /* 2x1 RGB */
        cxr_image rgb = {2, 1, 3, two};
        cxr_prep_shape s3 = {4, 1, 3};
        float o[12];
        CHECK_INT(cxr_preprocess_image(&rgb, &s3, o, &err), CXR_OK);
        NEAR(o[0], 0, 0);         /* x = -0.25 clamps to the first pixel */
        NEAR(o[3], 63.75f / 255, 1e-6);  /* x = 0.25: R */
        NEAR(o[4], 25.0f / 255, 1e-6);   /* G */
        NEAR(o[8], 37.5f / 255, 1e-6);   /* x = 0.75: B */
        NEAR(o[9], 1.0, 1e-6);    /* x = 1.25 clamps to the last pixel */
    }
    {   /* grey replicated into RGB: the same values as decoding to RGB */
        cxr_prep_shape s3 = {2, 2, 3};
        float o3[12];
        CHECK_INT(cxr_preprocess_image(&img, &s3, o3, &err), CXR_OK);
        CHECK(o3[0] == out[0] && o3[1] == out[0] && o3[2] == out[0]);
        CHECK(o3[9] == out[3] && o3[11] == out[3]);
    }
    {   /* RGBA to grey: alpha ignored, stb_image's integer luma */
        unsigned char rgba[4] = {200, 100, 50, 7};
        cxr_image im4 = {1, 1, 4, rgba};
        cxr_prep_shape s1 = {1, 1, 1};
        float g;
        CHECK_INT(cxr_preprocess_image(&im4, &s1, &g, &err), CXR_OK);
        NEAR(g, ((200 * 77 + 100 * 150 + 50 * 29) >> 8) / 255.0f, 1e-6);
    }
    sh.channels = 2;
    CHECK_INT(cxr_preprocess_image(&img, &sh, out, &err), CXR_ERR_INTERNAL);
}

/* A small xorshift: the test's pixels, the same on every run. */
static unsigned next_pixel(unsigned *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* cxr_image_resize and cxr_preprocess_image are the same interpolation:
 * the bytes are the floats rounded, the floats are the values / 255. */
static void test_one_bilinear(void)
{
    static const int sizes[][4] = {{4, 4, 2, 2}, {7, 5, 16, 9}, {90, 31, 17, 40}, {3, 60, 8, 8},
                                   {1, 1, 5, 3}, {64, 64, 32, 32}};
    unsigned state = 2463534242u;
    cxr_error err = {0};

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        for (int ci = 1; ci <= 4; ci++) {
            cxr_image img = {sizes[k][0], sizes[k][1], ci, NULL}, small = {0};
            int w = sizes[k][2], h = sizes[k][3];
            size_t n = (size_t)img.width * img.height * ci;
            cxr_bilinear b;
            float *row = malloc(sizeof(float) * (size_t)w * 4);
            float *out = malloc(sizeof(float) * (size_t)w * h * 3);
            int same = 1;

            img.pixels = malloc(n);
            for (size_t i = 0; i < n; i++)
                img.pixels[i] = (unsigned char)next_pixel(&state);
            CHECK_INT(cxr_image_resize(&img, w, h, &small, &err), CXR_OK);
            CHECK_INT(cxr_bilinear_init(&b, &img, w, h, ci, &err), CXR_OK);
            for (int y = 0; y < h && small.pixels; y++) {
                cxr_bilinear_row(&b, y, row);
                for (int i = 0; i < w * ci; i++)
                    same &= small.pixels[(size_t)y * w * ci + i] == (unsigned char)(row[i] + 0.5f);
            }
            cxr_bilinear_release(&b);
            CHECK(same);
            for (int co = 1; co <= 3; co += 2) { /* the model input, grey and RGB */
                cxr_prep_shape sh = {w, h, co};
                CHECK_INT(cxr_preprocess_image(&img, &sh, out, &err), CXR_OK);
                CHECK_INT(cxr_bilinear_init(&b, &img, w, h, co, &err), CXR_OK);
                for (int y = 0; y < h; y++) {
                    cxr_bilinear_row(&b, y, row);
                    for (int i = 0; i < w * co; i++)
                        same &= out[(size_t)y * w * co + i] == row[i] * (1.0f / 255.0f);
                }
                cxr_bilinear_release(&b);
                CHECK(same);
                if (co == ci) { /* same channels: the PNG's bytes are the input rounded */
                    for (size_t i = 0; i < (size_t)w * h * co && small.pixels; i++)
                        same &= small.pixels[i] == (unsigned char)(out[i] * 255.0f + 0.5f) ||
                                fabsf(out[i] * 255.0f - (float)small.pixels[i]) <= 0.5001f;
                    CHECK(same);
                }
            }
            cxr_image_release(&small);
            cxr_image_release(&img);
            free(row);
            free(out);
        }
    }
    {   /* the hand values of test_hand_values, as bytes */
        unsigned char px[16] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 151};
        cxr_image img = {4, 4, 1, px}, small = {0};
        CHECK_INT(cxr_image_resize(&img, 2, 2, &small, &err), CXR_OK);
        CHECK(small.pixels && small.pixels[0] == 25 && small.pixels[3] == 125); /* 125.25 */
        cxr_image_release(&small);
    }
}

static void test_real(const char *shared)
{
    static const char *files[] = {
        "data/kermany-sample/chest_xray/train/NORMAL/IM-0177-0001.jpeg",
        "data/ieee8023/images/covid-19-pneumonia-34.png",
    };
    cxr_prep_shape sh = {224, 224, 3};
    float *out = malloc(sizeof(float) * 224 * 224 * 3);
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[4096];
        unsigned char *d = NULL;
        size_t len = 0;
        int w = 0, h = 0;
        cxr_error err = {0};
        double sum = 0, lo = 1, hi = 0;

        snprintf(path, sizeof(path), "%s/%s", shared, files[f]);
        if (cxr_read_file(path, &d, &len, &err) != CXR_OK) {
            fprintf(stderr, "%s\n", err.msg);
            CHECK(!"shared image missing");
            continue;
        }
        CHECK_INT(cxr_preprocess_bytes(d, len, 0, &sh, out, &w, &h, &err), CXR_OK);
        CHECK(w > 224 && h > 224);
        for (size_t i = 0; i < 224 * 224 * 3; i++) {
            sum += out[i];
            lo = out[i] < lo ? out[i] : lo;
            hi = out[i] > hi ? out[i] : hi;
        }
        CHECK(lo >= 0.0 && hi <= 1.0);
        CHECK(hi - lo > 0.5);        /* an X-ray has dark and bright parts */
        CHECK(sum / (224 * 224 * 3) > 0.1);
        {   /* the same floats as decoding straight to RGB first */
            cxr_image rgb = {0};
            float *ref = malloc(sizeof(float) * 224 * 224 * 3);
            CHECK_INT(cxr_image_decode(d, len, 0, 3, &rgb, &err), CXR_OK);
            CHECK_INT(cxr_preprocess_image(&rgb, &sh, ref, &err), CXR_OK);
            CHECK(memcmp(ref, out, sizeof(float) * 224 * 224 * 3) == 0);
            cxr_image_release(&rgb);
            free(ref);
        }
        CHECK_INT(cxr_preprocess_bytes(d, len / 2, 0, &sh, out, NULL, NULL, &err),
                  CXR_ERR_INPUT);
        free(d);
    }
    free(out);
}

int main(void)
{
    const char *shared = test_shared_dir(); /* image_preprocess_real */
    if (shared) {
        test_real(shared);
        return test_finish();
    }
    test_hand_values();
    test_one_bilinear();
    return test_finish();
}
