/* utf8.c: UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#include "utf8.h"

static size_t sequence_length(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

size_t cxr_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = sequence_length(s + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}
