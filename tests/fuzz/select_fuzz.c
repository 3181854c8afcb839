/* select_fuzz.c: libFuzzer target for the select stage (pipeline/select/
 * select.h) on hostile metadata.csv bytes: the CSV reader, the column
 * binding, the filters, the date parsing of the hold-out window, the
 * duplicate and patient-overlap rules and the manifests, under one of three
 * configs chosen by the input's size. The stage must succeed or fail with a
 * message; when it succeeds its counts must add up. */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_util.h"
#include "select.h"

/* The demo's choices; hold-out by file names; the strictest settings. */
static const char *const config_text[] = {
    "version: 1\nworkdir: '%s/work'\nsources: {metadata: {url: '%s/metadata.csv'}}\n"
    "select:\n  filters: {modality: [X-ray], view: [PA], folder: [images], finding: [COVID-19]}\n"
    "  holdout: {mode: dates, date_from: 2020-03-01, date_to: 2020-03-31, undated: train}\n",
    "version: 1\nworkdir: '%s/work'\nsources: {metadata: {url: '%s/metadata.csv'}}\n"
    "select:\n  filters: {view: [PA, AP]}\n"
    "  holdout: {mode: files, files: [demo-covid-p1-day0.jpeg],\n"
    "            undated: holdout, patient_overlap: move_to_holdout}\n",
    "version: 1\nworkdir: '%s/work'\nsources: {metadata: {url: '%s/metadata.csv'}}\n"
    "select:\n  columns: {date: date, patient: patientid}\n"
    "  filters: {finding: ['Pneumonia/Viral/COVID-19', COVID-19]}\n"
    "  holdout: {mode: dates, date_from: 2020-01-01, date_to: 2020-12-31,\n"
    "            undated: reject, patient_overlap: drop_from_train}\n"
    "  duplicates: error\n",
};
#define NCONFIGS (sizeof(config_text) / sizeof(config_text[0]))

/* The process's scratch directory and validated configs: made once, freed
 * at exit. */
static struct {
    char dir[256];
    char metadata[300];
    cxr_config *conf[NCONFIGS];
} scratch;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    for (size_t i = 0; i < NCONFIGS; i++)
        cxr_config_free(scratch.conf[i]);
    if (scratch.dir[0] && nftw(scratch.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "select_fuzz: could not remove '%s'\n", scratch.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char text[2048];
    cxr_error err;

    (void)argc;
    (void)argv;
    snprintf(scratch.dir, sizeof(scratch.dir), "%.200s/cxrfuzz.XXXXXX", tmp);
    if (!mkdtemp(scratch.dir)) {
        fprintf(stderr, "select_fuzz: cannot make a directory in '%s': %s\n", tmp,
                strerror(errno));
        exit(1);
    }
    atexit(cleanup);
    snprintf(scratch.metadata, sizeof(scratch.metadata), "%s/metadata.csv", scratch.dir);
    for (size_t i = 0; i < NCONFIGS; i++) {
        snprintf(text, sizeof(text), config_text[i], scratch.dir, scratch.dir);
        if (cxr_config_load_string(text, "fuzz.yaml", &scratch.conf[i], &err) != CXR_OK ||
            cxr_config_validate(scratch.conf[i], &err) != CXR_OK) {
            fprintf(stderr, "select_fuzz: config %zu: %s\n", i, err.msg);
            exit(1);
        }
    }
    return 0;
}

static int write_input(const uint8_t *data, size_t size)
{
    FILE *f = fopen(scratch.metadata, "wb");
    int ok = f && fwrite(data, 1, size, f) == size;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxr_select_counts c;
    cxr_error err;

    if (!write_input(data, size))
        return 0;
    cxr_error_clear(&err);
    memset(&c, 0, sizeof(c));
    cxr_status st = cxr_select_run(scratch.conf[size % NCONFIGS], &c, &err);
    if (st != CXR_OK) {
        FUZZ_CHECK(err.status == st && err.msg[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(c.train + c.holdout + c.rejected == c.rows);
    FUZZ_CHECK(c.duplicates <= c.rejected && c.undated <= c.train + c.holdout);
    size_t dated = 0;
    for (int k = 0; k < 6; k++)
        dated += c.date_kinds[k];
    FUZZ_CHECK(dated <= c.rows);
    return 0;
}
