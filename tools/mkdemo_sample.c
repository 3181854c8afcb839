/* mkdemo_sample.c: the mirror's kermany-sample/, loose Kermany-shaped images
 * (chest_xray/train/{NORMAL,PNEUMONIA}/<name>.jpeg) that the tests build
 * their own zip and tar.gz archives from (tests/lib/archive_make.py --src),
 * so sample and layout are tested without ../shared. The names are those of
 * the real sample in ../shared/data/kermany-sample, so both tiers draw the
 * same files; the pictures are synthetic. The NORMAL images that are over
 * 2000 pixels in the real sample are MKDEMO_SAMPLE_LARGE_SIDE wide here,
 * for the tests of layout.max_dimension. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "mkdemo.h"

#define DIR "kermany-sample/chest_xray/train"

static const char *const normal[MKDEMO_SAMPLE_NORMAL] = {
    "IM-0177-0001.jpeg", "IM-0207-0001.jpeg", "IM-0341-0001.jpeg",
    "IM-0355-0001.jpeg", "IM-0388-0001.jpeg", "IM-0427-0001.jpeg",
    "IM-0494-0001.jpeg", "IM-0561-0001.jpeg", "IM-0656-0001-0001.jpeg",
    "IM-0757-0001.jpeg", "NORMAL2-IM-0393-0001.jpeg", "NORMAL2-IM-0500-0001.jpeg",
    "NORMAL2-IM-0736-0001.jpeg", "NORMAL2-IM-0927-0001.jpeg", "NORMAL2-IM-0994-0001.jpeg",
    "NORMAL2-IM-1056-0001.jpeg", "NORMAL2-IM-1110-0001.jpeg", "NORMAL2-IM-1260-0001.jpeg",
    "NORMAL2-IM-1326-0001.jpeg", "NORMAL2-IM-1440-0001.jpeg"};

/* the NORMAL images drawn large (over 2000 pixels in the real sample) */
static const char *const large[MKDEMO_SAMPLE_LARGE] = {
    "IM-0177-0001.jpeg", "IM-0561-0001.jpeg", "IM-0656-0001-0001.jpeg",
    "NORMAL2-IM-0927-0001.jpeg", "NORMAL2-IM-0994-0001.jpeg"};

static const char *const pneumonia[MKDEMO_SAMPLE_PNEUMONIA] = {
    "person1214_bacteria_3166.jpeg", "person124_virus_238.jpeg",
    "person1353_virus_2333.jpeg", "person1438_bacteria_3721.jpeg",
    "person1491_bacteria_3893.jpeg", "person1514_bacteria_3964.jpeg",
    "person1598_bacteria_4197.jpeg", "person1619_bacteria_4261.jpeg",
    "person26_bacteria_122.jpeg", "person276_bacteria_1296.jpeg",
    "person281_bacteria_1329.jpeg", "person321_bacteria_1489.jpeg",
    "person478_virus_975.jpeg", "person535_virus_1062.jpeg",
    "person63_bacteria_306.jpeg", "person661_bacteria_2553.jpeg",
    "person688_bacteria_2584.jpeg", "person69_bacteria_338.jpeg",
    "person755_bacteria_2659.jpeg", "person890_bacteria_2814.jpeg"};

static int is_large(const char *name)
{
    for (size_t i = 0; i < MKDEMO_SAMPLE_LARGE; i++)
        if (!strcmp(large[i], name))
            return 1;
    return 0;
}

/* Writes one class's pictures into OUTDIR/DIR/<class>/. */
static cxr_status write_class(const char *outdir, const char *klass,
                              const char *const *names, size_t count, mkdemo_look look,
                              uint64_t salt, cxr_error *err)
{
    cxr_status st = CXR_OK;
    for (size_t i = 0; i < count && st == CXR_OK; i++) {
        mkdemo_buf img = {0};
        char rel[256];
        int side = is_large(names[i]) ? MKDEMO_SAMPLE_LARGE_SIDE : 0;
        st = mkdemo_image_sized(salt ^ ((i + 1) * 0x9e3779b97f4a7c15ULL), look, MKDEMO_JPEG,
                                i % 7 == 3 ? 3 : 1, side, side * 7 / 8, &img, err);
        snprintf(rel, sizeof(rel), DIR "/%s/%s", klass, names[i]);
        if (st == CXR_OK)
            st = mkdemo_write_file(outdir, rel, img.data, img.len, err);
        mkdemo_buf_free(&img);
    }
    return st;
}

cxr_status mkdemo_write_kermany_sample(const char *outdir, cxr_error *err)
{
    char *dir = cxr_path_join(outdir, DIR "/NORMAL");
    cxr_status st;
    if (!dir)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_mkdirs(dir, err);
    free(dir);
    if (st != CXR_OK)
        return st;
    if (!(dir = cxr_path_join(outdir, DIR "/PNEUMONIA")))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_mkdirs(dir, err);
    free(dir);
    if (st == CXR_OK)
        st = write_class(outdir, "NORMAL", normal, MKDEMO_SAMPLE_NORMAL, MKDEMO_LOOK_NORMAL,
                         0x53616d706c654eULL, err);
    if (st == CXR_OK)
        st = write_class(outdir, "PNEUMONIA", pneumonia, MKDEMO_SAMPLE_PNEUMONIA,
                         MKDEMO_LOOK_PNEUMONIA, 0x53616d706c6550ULL, err);
    return st;
}
