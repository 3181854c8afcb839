/* score_engine_rate.c: the engine-alone rate that bench/score_bench.sh
 * compares cxrprep-score with: the same images, preprocessed into memory
 * first (untimed), then scored through the same engine adapter, batch size
 * and engine threads as the stage uses; prints images/s.
 *
 *   score_engine_rate MODEL ENGINE_THREADS BATCH DIR... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "score_internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Appends every decodable image of 'dir' to *inputs; returns the count,
 * or (size_t)-1 when out of memory. */
static size_t load_dir(const char *dir, const score_model_info *mi, float **inputs,
                       size_t n)
{
    cxr_prep_shape sh = {mi->width, mi->height, mi->channels};
    size_t one = (size_t)mi->width * mi->height * mi->channels;
    DIR *dp = opendir(dir);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        char *p;
        float *grown;
        unsigned char *d;
        size_t len;
        cxr_error err = {0};
        if (e->d_name[0] == '.')
            continue;
        p = cxr_path_join(dir, e->d_name);
        grown = p ? realloc(*inputs, (n + 1) * one * sizeof(float)) : NULL;
        if (!grown) {
            free(p);
            closedir(dp);
            return (size_t)-1;
        }
        *inputs = grown;
        if (cxr_read_file(p, &d, &len, &err) == CXR_OK) {
            if (cxr_preprocess_bytes(d, len, 0, &sh, *inputs + n * one, NULL, NULL, &err) ==
                CXR_OK)
                n++;
            free(d);
        }
        free(p);
    }
    if (dp)
        closedir(dp);
    return n;
}

int main(int argc, char **argv)
{
    score_model_info mi = {0};
    score_engine *e;
    cxr_error err = {0};
    float *inputs = NULL;
    double *scores, t0, t;
    size_t n = 0, batch, one;

    if (argc < 5) {
        fprintf(stderr, "usage: score_engine_rate MODEL ENGINE_THREADS BATCH DIR...\n");
        return 2;
    }
    if (cxr_score_engine_open(argv[1], atoi(argv[2]), 0, &e, &mi, &err) != CXR_OK) {
        fprintf(stderr, "score_engine_rate: %s\n", err.msg);
        return 1;
    }
    batch = (size_t)atoi(argv[3]);
    for (int a = 4; a < argc; a++)
        if ((n = load_dir(argv[a], &mi, &inputs, n)) == (size_t)-1) {
            fprintf(stderr, "score_engine_rate: out of memory\n");
            return 10;
        }
    one = (size_t)mi.width * mi.height * mi.channels;
    scores = malloc((n + 1) * sizeof(double));
    if (!n || !batch || !scores || cxr_score_engine_run(e, inputs, 1, scores, &err) != CXR_OK) {
        fprintf(stderr, "score_engine_rate: no images or warm-up failed %s\n", err.msg);
        return 1;
    }
    t0 = now();
    for (size_t i = 0; i < n; i += batch)
        if (cxr_score_engine_run(e, inputs + i * one, i + batch > n ? n - i : batch, scores + i,
                             &err) != CXR_OK) {
            fprintf(stderr, "score_engine_rate: %s\n", err.msg);
            return 1;
        }
    t = now() - t0;
    printf("engine: %zu images in %.2f s: %.2f images/s\n", n, t, (double)n / t);
    cxr_score_engine_free(e);
    free(mi.path);
    free(inputs);
    free(scores);
    return 0;
}
