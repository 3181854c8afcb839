/* image_jpeg_scan.h (internal): a JPEG entropy-data scan for image.c's
 * verification, without libjpeg (image_jpeg_scan.c). */
#ifndef CXR_IMAGE_JPEG_SCAN_H
#define CXR_IMAGE_JPEG_SCAN_H

#include <stddef.h>

#include "error.h"

/* CXR_OK when 'data' is a baseline or extended-sequential 8-bit Huffman
 * JPEG of one or three components, in one scan, every Huffman code and
 * restart marker of which decodes exactly, with nothing left over: one
 * that libjpeg-turbo's strict verification (cxr_jpeg_verify) passes too.
 * CXR_ERR_UNSUPPORTED, with no message, for anything else, damaged or
 * merely unusual (progressive, several scans, sampling factors over 2,
 * a byte of fill or padding more than needed): the caller then asks
 * libjpeg, whose verdict and message stand. */
cxr_status cxr_jpeg_scan(const unsigned char *data, size_t len);

#endif
