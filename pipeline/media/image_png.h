/* image_png.h (internal): PNG verification for image.c without decoding pixels (image_png.c). */
#ifndef CXR_IMAGE_PNG_H
#define CXR_IMAGE_PNG_H

#include <stddef.h>

#include "error.h"

/* CXR_OK when the PNG 'data' (its chunk list, lengths and checksums
 * already checked) inflates to exactly the pixel data its header
 * promises, every row with a valid filter type; CXR_ERR_UNSUPPORTED for
 * anything else: the caller then decodes it to find out. */
cxr_status cxr_png_verify(const unsigned char *data, size_t len, cxr_error *err);

#endif

