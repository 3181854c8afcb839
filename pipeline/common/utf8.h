/* utf8.h: UTF-8 validation (RFC 3629: no overlongs, no surrogates). */
#ifndef CXR_UTF8_H
#define CXR_UTF8_H

#include <stddef.h>

/* Returns the offset of the first invalid byte, or len when all is valid. */
size_t cxr_utf8_check(const unsigned char *s, size_t len);

#endif
