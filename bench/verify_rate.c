/* verify_rate.c: how fast JPEG verification reads the real images, each
 * way in the same run: cxr_image_verify as layout calls it (the structure
 * walk, then the scan of image_jpeg_scan.c, then libjpeg for what the scan
 * does not vouch for), libjpeg-turbo's strict 1/8-scale verification alone
 * (the way before the scan), and a full decode for scale. Every file is read
 * into memory first (untimed); each way runs over all of them ROUNDS
 * times, and the median round is printed in MB/s of JPEG. Run by
 * bench/verify_bench.sh.
 *
 *   verify_rate ROUNDS FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "image.h"
#include "image_jpeg.h"

typedef struct jpeg_file {
    unsigned char *data;
    size_t len;
} jpeg_file;

enum { WAY_SCAN, WAY_LIBJPEG, WAY_DECODE, WAYS };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One way over every file; returns how many it passed. */
static int run_way(int way, const jpeg_file *files, int n)
{
    int passed = 0;
    for (int i = 0; i < n; i++) {
        cxr_error err = {0};
        cxr_image img = {0};
        cxr_status st;
        if (way == WAY_SCAN)
            st = cxr_image_verify(files[i].data, files[i].len, 0, &err);
        else if (way == WAY_LIBJPEG)
            st = cxr_jpeg_verify(files[i].data, files[i].len, &err);
        else
            st = cxr_image_decode(files[i].data, files[i].len, 0, 0, &img, &err);
        cxr_image_release(&img);
        passed += st == CXR_OK;
    }
    return passed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    static const char *names[WAYS] = {"verify: scan, libjpeg for the rest (now)",
                                      "libjpeg strict at 1/8 for all (before)",
                                      "libjpeg full decode"};
    int rounds = argc > 1 ? atoi(argv[1]) : 0, n = 0, passed[WAYS] = {0};
    jpeg_file *files = calloc((size_t)(argc > 2 ? argc : 1), sizeof(*files));
    double bytes = 0, *times = calloc((size_t)(rounds > 0 ? rounds : 1), sizeof(double));

    if (rounds < 1 || argc < 3 || !files || !times) {
        fprintf(stderr, "usage: verify_rate ROUNDS FILE...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        cxr_error err = {0};
        jpeg_file f = {0};
        if (cxr_read_file(argv[i], &f.data, &f.len, &err) != CXR_OK) {
            fprintf(stderr, "verify_rate: %s\n", err.msg);
            return 1;
        }
        if (cxr_image_sniff(f.data, f.len) != CXR_IMG_JPEG) {
            free(f.data);
            continue;
        }
        files[n++] = f;
        bytes += (double)f.len;
    }
    printf("%d JPEGs, %.1f MB, median of %d rounds\n", n, bytes / 1e6, rounds);
    printf("%-46s %9s %8s %9s\n", "way", "MB/s", "ratio", "passed");
    static const int order[WAYS] = {WAY_LIBJPEG, WAY_SCAN, WAY_DECODE}; /* baseline first */
    double base = 0;
    for (int o = 0; o < WAYS; o++) {
        int way = order[o];
        for (int r = 0; r < rounds; r++) {
            double t0 = now();
            passed[way] = run_way(way, files, n);
            times[r] = now() - t0;
        }
        qsort(times, (size_t)rounds, sizeof(double), cmp_double);
        double rate = bytes / 1e6 / times[rounds / 2];
        if (way == WAY_LIBJPEG)
            base = rate;
        printf("%-46s %9.1f %7.2fx %5d/%d\n", names[way], rate, rate / base, passed[way], n);
    }
    for (int i = 0; i < n; i++)
        free(files[i].data);
    free(files);
    free(times);
    return 0;
}
