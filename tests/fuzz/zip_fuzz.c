/* zip_fuzz.c: libFuzzer target for the Kermany archive reader
 * (pipeline/media/archive_reader.h): any bytes (zip, tar, compressed tar)
 * are listed or refused with a message; every entry is counted once as an
 * image, junk or a refusal, and no image has a name the path rules refuse;
 * the root is chosen and a few images are extracted, within the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive_reader.h"
#include "fuzz_util.h"
#include "utf8.h"

#define MAX_WANTED 8

static const cxr_archive_limits limits = {1000, 64ULL << 20};

typedef struct extracted {
    size_t entries;
    uint64_t bytes;
} extracted;

static cxr_status on_data(void *ctx, const char *path, const unsigned char *data, size_t len,
                          cxr_error *err)
{
    extracted *x = ctx;

    (void)err;
    FUZZ_CHECK(path != NULL && (data != NULL || len == 0));
    x->entries++;
    x->bytes += len;
    return CXR_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_listing(const cxr_archive_listing *ls)
{
    FUZZ_CHECK(ls->nimages + ls->njunk + ls->nrefused == ls->nentries);
    FUZZ_CHECK(ls->nentries <= limits.max_entries && ls->total_size <= limits.max_total_size);
    for (size_t i = 0; i < ls->nimages; i++) {
        const cxr_archive_image *img = &ls->images[i];
        cxr_archive_image again = {0};
        const char *reason = NULL;
        char patient[64];
        FUZZ_CHECK(cxr_archive_classify(img->path, CXR_ETYPE_FILE, &again, &reason) ==
                   CXR_ENTRY_IMAGE);
        FUZZ_CHECK(!strcmp(again.root, img->root) && !strcmp(again.split, img->split) &&
                   !strcmp(again.klass, img->klass) && !strcmp(again.name, img->name));
        cxr_archive_image_release(&again);
        cxr_kermany_patient(img->name, patient, sizeof(patient));
        FUZZ_CHECK(strlen(patient) < sizeof(patient));
    }
    for (size_t i = 0; i < ls->nrefused; i++) {
        const char *p = ls->refused[i].path;
        FUZZ_CHECK(p != NULL && ls->refused[i].reason != NULL);
        FUZZ_CHECK(cxr_utf8_check((const unsigned char *)p, strlen(p)) == strlen(p));
    }
}

/* Extracts up to MAX_WANTED images of the chosen root. */
static void extract_some(const char *path, const cxr_archive_listing *ls, const char *root)
{
    const char *wanted[MAX_WANTED];
    size_t n = 0;
    extracted x = {0};
    cxr_error err;

    for (size_t i = 0; i < ls->nimages && n < MAX_WANTED; i++)
        if (!strcmp(ls->images[i].root, root))
            wanted[n++] = ls->images[i].path;
    qsort(wanted, n, sizeof(*wanted), cmp_str);
    cxr_error_clear(&err);
    cxr_status st = cxr_archive_extract(path, &limits, wanted, n, on_data, &x, &err);
    if (st == CXR_OK)
        FUZZ_CHECK(x.entries == n && x.bytes <= limits.max_total_size);
    else
        FUZZ_CHECK(err.status == st && err.msg[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], note[512];
    cxr_archive_listing *ls = NULL;
    const char *root = NULL;
    cxr_error err;
    int fd = fuzz_memfile(data, size, path, sizeof(path));

    if (fd < 0)
        return 0;
    cxr_error_clear(&err);
    cxr_status st = cxr_archive_list(path, &limits, &ls, &err);
    if (st != CXR_OK) {
        FUZZ_CHECK(ls == NULL && err.status == st && err.msg[0] != '\0');
        close(fd);
        return 0;
    }
    check_listing(ls);
    st = cxr_archive_choose_root(ls, "auto", &root, note, sizeof(note), &err);
    if (st == CXR_OK)
        extract_some(path, ls, root);
    else
        FUZZ_CHECK(err.msg[0] != '\0');
    cxr_archive_listing_free(ls);
    close(fd);
    return 0;
}
