/* image_fuzz.c: libFuzzer target for image decoding and verification
 * (pipeline/media/image.h, preprocess.h): sniffing, the container walk, the
 * decoders (libjpeg-turbo, stb_image), the dimension cap, resizing and the
 * model's preprocessing. Any bytes decode or fail with a message; what
 * layout verifies, score decodes strictly (the two must agree); what the
 * JPEG scan vouches for, libjpeg's strict verification passes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "image.h"
#include "image_jpeg.h"
#include "image_jpeg_scan.h"
#include "preprocess.h"

#define MAX_DIMENSION 1024 /* keeps one run fast; the cap itself is fuzzed */

static void check_image(const cxr_image *img, int want_channels)
{
    FUZZ_CHECK(img->pixels != NULL);
    FUZZ_CHECK(img->width > 0 && img->width <= MAX_DIMENSION);
    FUZZ_CHECK(img->height > 0 && img->height <= MAX_DIMENSION);
    FUZZ_CHECK(want_channels ? img->channels == want_channels
                             : img->channels >= 1 && img->channels <= 4);
    /* every pixel is there (ASan reads the last byte) */
    size_t last = (size_t)img->width * (size_t)img->height * (size_t)img->channels - 1;
    volatile unsigned char probe = img->pixels[last];
    (void)probe;
}

/* Resizing and the model's preprocessing of a decoded image. */
static void use_pixels(const cxr_image *img)
{
    static const cxr_prep_shape shapes[] = {{7, 5, 3}, {3, 9, 1}};
    float out[7 * 5 * 3];
    cxr_image small = {0};
    cxr_error err;

    if (cxr_image_resize(img, 5, 3, &small, &err) == CXR_OK) {
        FUZZ_CHECK(small.width == 5 && small.height == 3 && small.channels == img->channels);
        cxr_image_release(&small);
    }
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
        if (cxr_preprocess_image(img, &shapes[i], out, &err) == CXR_OK)
            for (int k = 0; k < shapes[i].width * shapes[i].height * shapes[i].channels; k++)
                FUZZ_CHECK(out[k] >= 0.0f && out[k] <= 1.0f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxr_image img = {0}, strict = {0};
    cxr_error err;
    cxr_status verified, decoded, strict_st;

    (void)cxr_image_format_name(cxr_image_sniff(data, size));
    cxr_error_clear(&err);
    verified = cxr_image_verify(data, size, MAX_DIMENSION, &err);
    if (verified != CXR_OK)
        FUZZ_CHECK(err.status == verified && err.msg[0] != '\0');

    decoded = cxr_image_decode(data, size, MAX_DIMENSION, 0, &img, &err);
    if (decoded == CXR_OK) {
        check_image(&img, 0);
        use_pixels(&img);
    } else {
        FUZZ_CHECK(img.pixels == NULL && err.msg[0] != '\0');
    }
    cxr_image_release(&img);

    strict_st = cxr_image_decode_strict(data, size, MAX_DIMENSION, 3, &strict, &err);
    if (strict_st == CXR_OK)
        check_image(&strict, 3);
    cxr_image_release(&strict);
    /* score decodes strictly what layout verified: the two must agree */
    if ((verified == CXR_OK) != (strict_st == CXR_OK))
        fprintf(stderr, "verify says %d, strict decode says %d: %s\n", verified, strict_st,
                err.msg);
    FUZZ_CHECK((verified == CXR_OK) == (strict_st == CXR_OK));
    /* strict refuses more than plain decoding, never less */
    FUZZ_CHECK(strict_st != CXR_OK || decoded == CXR_OK);
    /* the scan of verification only ever vouches */
    if (cxr_jpeg_scan(data, size) == CXR_OK)
        FUZZ_CHECK(cxr_jpeg_verify(data, size, &err) == CXR_OK);
    return 0;
}
