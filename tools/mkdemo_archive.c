/* mkdemo_archive.c: the demo's Kermany archive, ChestXRay2017.zip, in the
 * official layout chest_xray/{train,test}/{NORMAL,PNEUMONIA}/<name>.jpeg with
 * Kermany's naming (IM-0001-0001.jpeg, NORMAL2-IM-0002-0001.jpeg,
 * person12_bacteria_45.jpeg, person3_virus_7.jpeg; several images for some
 * patients) and the junk of the mirrors people download: directory entries,
 * __MACOSX/ resource forks, '._' files and .DS_Store. Written with
 * libarchive into memory, with fixed timestamps and owners, so the bytes are
 * the same on every run. The pictures are synthetic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "mkdemo.h"

#define MTIME 1515196800 /* 2018-01-06, about when Kermany was published */
#define ROOT "chest_xray"

typedef struct zipper {
    struct archive *a;
    struct archive_entry *e;
    mkdemo_buf out;
    uint64_t seed;
    cxr_error *err;
} zipper;

static la_ssize_t sink(struct archive *a, void *ctx, const void *p, size_t n)
{
    (void)a;
    mkdemo_buf_put(&((zipper *)ctx)->out, p, n);
    return (la_ssize_t)n;
}

static cxr_status add(zipper *z, const char *path, int dir, const void *data, size_t len)
{
    archive_entry_clear(z->e);
    archive_entry_set_pathname(z->e, path);
    archive_entry_set_filetype(z->e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(z->e, dir ? 0755 : 0644);
    archive_entry_set_size(z->e, dir ? 0 : (la_int64_t)len);
    archive_entry_set_mtime(z->e, MTIME, 0);
    archive_entry_set_uid(z->e, 0);
    archive_entry_set_gid(z->e, 0);
    if (archive_write_header(z->a, z->e) != ARCHIVE_OK ||
        (len && archive_write_data(z->a, data, len) != (la_ssize_t)len))
        return cxr_fail(z->err, CXR_ERR_INTERNAL, "mkdemo: libarchive: cannot add '%s': %s",
                        path, archive_error_string(z->a));
    return CXR_OK;
}

static cxr_status add_dir(zipper *z, const char *path)
{
    return add(z, path, 1, NULL, 0);
}

/* A synthetic picture; every seventh is RGB (as some of Kermany's are). */
static cxr_status add_image(zipper *z, const char *dir, const char *name, mkdemo_look look)
{
    mkdemo_buf img = {0};
    char path[256];
    cxr_status st;
    z->seed++;
    st = mkdemo_image(0x4b65726d616e79ULL ^ (z->seed * 0x9e3779b97f4a7c15ULL), look,
                      MKDEMO_JPEG, z->seed % 7 == 0 ? 3 : 1, &img, z->err);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (st == CXR_OK)
        st = add(z, path, 0, img.data, img.len);
    mkdemo_buf_free(&img);
    return st;
}

/* NORMAL: IM-<patient>-<n>.jpeg, and from image 'normal2_from' on
 * NORMAL2-IM-<patient>-0001.jpeg; every fifth patient has two images. */
static cxr_status add_normal(zipper *z, const char *dir, int count, int first_patient,
                             int normal2_from)
{
    cxr_status st = CXR_OK;
    char name[64];
    for (int i = 0, p = first_patient; i < count && st == CXR_OK; p++) {
        int views = (p % 5 == 0 && i + 1 < count && i + 1 < normal2_from) ? 2 : 1;
        for (int v = 1; v <= views && st == CXR_OK; v++, i++) {
            snprintf(name, sizeof(name), "%sIM-%04d-%04d.jpeg",
                     i >= normal2_from ? "NORMAL2-" : "", p, v);
            st = add_image(z, dir, name, MKDEMO_LOOK_NORMAL);
        }
    }
    return st;
}

/* PNEUMONIA: person<N>_{bacteria,virus}_<image counter>.jpeg; 'patients'
 * patients, every fourth with two images (*counter numbers the images). */
static cxr_status add_pneumonia(zipper *z, const char *dir, int patients, int first_patient,
                                int *counter)
{
    cxr_status st = CXR_OK;
    char name[64];
    for (int p = first_patient; p < first_patient + patients && st == CXR_OK; p++) {
        int views = p % 4 == 3 ? 2 : 1;
        for (int v = 0; v < views && st == CXR_OK; v++) {
            snprintf(name, sizeof(name), "person%d_%s_%d.jpeg", p,
                     p % 3 == 0 ? "virus" : "bacteria", ++*counter);
            st = add_image(z, dir, name, MKDEMO_LOOK_PNEUMONIA);
        }
    }
    return st;
}

/* The junk of a zip made on a Mac: resource forks and Finder files. */
static cxr_status add_junk(zipper *z)
{
    static const unsigned char appledouble[] = {0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00,
                                                0x00, 'M',  'a',  'c',  ' ',  'O',  'S',
                                                ' ',  'X',  ' ',  ' ',  ' ',  ' ',  ' ',
                                                ' ',  ' ',  ' ',  0x00, 0x00};
    static const unsigned char dsstore[] = {0x00, 0x00, 0x00, 0x01, 'B', 'u', 'd', '1'};
    cxr_status st = add(z, ROOT "/.DS_Store", 0, dsstore, sizeof(dsstore));
    if (st == CXR_OK)
        st = add(z, ROOT "/train/.DS_Store", 0, dsstore, sizeof(dsstore));
    if (st == CXR_OK)
        st = add(z, ROOT "/train/PNEUMONIA/._person1_bacteria_1.jpeg", 0, appledouble,
                 sizeof(appledouble));
    if (st == CXR_OK)
        st = add_dir(z, "__MACOSX/");
    if (st == CXR_OK)
        st = add_dir(z, "__MACOSX/" ROOT "/");
    if (st == CXR_OK)
        st = add(z, "__MACOSX/" ROOT "/._train", 0, appledouble, sizeof(appledouble));
    if (st == CXR_OK)
        st = add(z, "__MACOSX/" ROOT "/train/NORMAL/._IM-0001-0001.jpeg", 0, appledouble,
                 sizeof(appledouble));
    return st;
}

static cxr_status fill(zipper *z)
{
    static const char *const dirs[] = {ROOT "/", ROOT "/train/", ROOT "/train/NORMAL/",
                                       ROOT "/train/PNEUMONIA/", ROOT "/test/",
                                       ROOT "/test/NORMAL/", ROOT "/test/PNEUMONIA/"};
    int counter = 0;
    cxr_status st = CXR_OK;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && st == CXR_OK; i++)
        st = add_dir(z, dirs[i]);
    if (st == CXR_OK)
        st = add_normal(z, ROOT "/train/NORMAL", MKDEMO_TRAIN_NORMAL, 1, 16);
    if (st == CXR_OK)
        st = add_pneumonia(z, ROOT "/train/PNEUMONIA", 30, 1, &counter);
    if (st == CXR_OK)
        st = add_normal(z, ROOT "/test/NORMAL", MKDEMO_TEST_NORMAL, 101, 7);
    if (st == CXR_OK)
        st = add_pneumonia(z, ROOT "/test/PNEUMONIA", 8, 101, &counter);
    if (st == CXR_OK)
        st = add_junk(z);
    return st;
}

cxr_status mkdemo_write_archive(const char *outdir, cxr_error *err)
{
    zipper z = {archive_write_new(), archive_entry_new(), {0}, 0, err};
    cxr_status st;

    if (!z.a || !z.e)
        abort();
    if (archive_write_set_format_zip(z.a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(z.a, 1) != ARCHIVE_OK ||
        archive_write_open(z.a, &z, NULL, sink, NULL) != ARCHIVE_OK) {
        st = cxr_fail(err, CXR_ERR_INTERNAL, "mkdemo: libarchive: %s",
                      archive_error_string(z.a));
    } else {
        st = fill(&z);
        if (archive_write_close(z.a) != ARCHIVE_OK && st == CXR_OK)
            st = cxr_fail(err, CXR_ERR_INTERNAL, "mkdemo: libarchive: %s",
                          archive_error_string(z.a));
    }
    archive_entry_free(z.e);
    archive_write_free(z.a);
    if (st == CXR_OK)
        st = mkdemo_write_file(outdir, "ChestXRay2017.zip", z.out.data, z.out.len, err);
    mkdemo_buf_free(&z.out);
    return st;
}
