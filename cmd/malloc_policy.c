/* malloc_policy.c: glibc malloc settings per program (malloc_policy.h).
 * Other C libraries keep their defaults. */
#include "malloc_policy.h"

#include <stdlib.h> /* defines __GLIBC__ under glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* glibc would otherwise raise its mmap threshold on the first free of a
 * large buffer and keep later ones in its heaps, at their peak. */
void cxr_malloc_return_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_ARENA_MAX, 4);
#endif
}

/* libjpeg's whole-image coefficient arrays for a progressive JPEG (tens of
 * MB, zeroed before use) were most of its verification time when each came
 * from a fresh mapping: measured on the 23 progressive ieee8023 JPEGs,
 * 431 ms with the default against 240 ms with the pages kept. A full
 * decode of the 116 baseline ones: 1020 against 708 ms. */
void cxr_malloc_keep_large(void)
{
#ifdef __GLIBC__
    /* 32 MiB: the most mallopt(3) documents on 64-bit (older glibc refuses
     * more). Setting either value turns glibc's own adjustment off, so the
     * trim threshold is set only when the mmap threshold took: with it
     * alone, every buffer over 128 KiB would be a fresh mapping. */
    if (mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1)
        mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}
