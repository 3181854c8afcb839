/* test_demo_mirror.c: the demo mirror the build writes (build/demo/mirror) is
 * whole and well formed: metadata.csv parses with 28 columns and the real
 * header, its rows give the counts tools/mkdemo.h promises, every image it
 * names decodes (the '.png' that is a JPEG sniffs as JPEG), the zip has the
 * Kermany layout, names, counts and junk, kermany-sample/ holds the real
 * sample's names at the sides mkdemo.h promises, and model.onnx is a
 * ModelProto that libcxrinfer loads and whose scores vary from image to
 * image. */
#include <dirent.h>
#include <stdint.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "csvread.h"
#include "datefmt.h"
#include "fsutil.h"
#include "image.h"
#include "mkdemo.h"
#include "testutil.h"
#ifdef CXR_DEMO_HAVE_CXRINFER
#include "cxrinfer.h"
#endif

typedef struct meta {
    const char *dir;
    char header[1024];
    size_t rows, selected, holdout, undated, bad_width, images, undecodable;
    int quoted_comma, png_is_jpeg;
} meta;

static int decodes(const unsigned char *data, size_t len)
{
    cxr_image img = {0};
    cxr_error err;
    int ok = cxr_image_decode(data, len, 0, 3, &img, &err) == CXR_OK && img.width >= 200 &&
             img.height >= 200;
    if (!ok)
        fprintf(stderr, "decode: %s\n", err.msg);
    cxr_image_release(&img);
    return ok;
}

static void check_image(meta *m, const char *name)
{
    char path[1024];
    unsigned char *data = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/images/%s", m->dir, name);
    m->images++;
    if (cxr_read_file(path, &data, &len, NULL) != CXR_OK || !decodes(data, len))
        m->undecodable++;
    else if (strstr(name, ".png") && cxr_image_sniff(data, len) == CXR_IMG_JPEG)
        m->png_is_jpeg++;
    free(data);
}

static void place_date(meta *m, const char *text)
{
    cxr_date d, from = {2020, 3, 1}, to = {2020, 3, 31};
    cxr_date_kind k = cxr_date_parse(text, &d);
    cxr_window_place p = cxr_date_place(k, &d, &from, &to);
    if (p == CXR_WINDOW_INSIDE)
        m->holdout++;
    else if (p == CXR_WINDOW_UNKNOWN)
        m->undated++;
}

static cxr_status on_row(void *ctx, const cxr_csv_row *row, cxr_error *err)
{
    meta *m = ctx;
    (void)err;
    if (row->nfields != MKDEMO_META_COLUMNS)
        m->bad_width++;
    if (row->line == 1) {
        for (size_t i = 0; i < row->nfields; i++) {
            strncat(m->header, row->fields[i], sizeof(m->header) - strlen(m->header) - 2);
            strcat(m->header, ",");
        }
        return CXR_OK;
    }
    m->rows++;
    if (row->nfields != MKDEMO_META_COLUMNS)
        return CXR_OK;
    if (!strcmp(row->fields[4], "COVID-19, ARDS"))
        m->quoted_comma = 1;
    if (!strcmp(row->fields[20], "images"))
        check_image(m, row->fields[21]);
    if (!strcmp(row->fields[4], "COVID-19") && !strcmp(row->fields[16], "PA") &&
        !strcmp(row->fields[17], "X-ray") && !strcmp(row->fields[20], "images")) {
        m->selected++;
        place_date(m, row->fields[18]);
    }
    return CXR_OK;
}

/* The header of the recipe's metadata.csv, from ../shared when present. */
static void check_header(const meta *m)
{
    const char *shared = test_shared_dir();
    char path[1024], want[1024];
    FILE *f;
    if (!shared)
        return;
    snprintf(path, sizeof(path), "%s/data/ieee8023/metadata-8b133d0.csv", shared);
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fgets(want, sizeof(want), f) != NULL);
    fclose(f);
    want[strcspn(want, "\n")] = '\0';
    /* the trailing comma makes an empty 28th name, which the join shows as ",," */
    strcat(want, ",");
    CHECK_STR(m->header, want);
}

static void check_metadata(const char *dir)
{
    meta m = {0};
    char path[1024];
    cxr_error err;
    m.dir = dir;
    snprintf(path, sizeof(path), "%s/metadata.csv", dir);
    CHECK_INT(cxr_csv_read(path, NULL, on_row, &m, &err), CXR_OK);
    CHECK_INT(m.bad_width, 0);
    CHECK_INT(m.rows, MKDEMO_META_ROWS);
    CHECK_INT(m.selected, MKDEMO_COVID_SELECTED);
    CHECK_INT(m.holdout, MKDEMO_COVID_HOLDOUT);
    CHECK_INT(m.selected - m.holdout, MKDEMO_COVID_TRAIN);
    CHECK_INT(m.undated, MKDEMO_COVID_UNDATED);
    CHECK_INT(m.images, MKDEMO_META_ROWS - 1); /* one row is a CT volume */
    CHECK_INT(m.undecodable, 0);
    CHECK_INT(m.png_is_jpeg, 1);
    CHECK(m.quoted_comma);
    check_header(&m);
}

typedef struct zip_counts {
    size_t train_normal, train_pneumonia, test_normal, test_pneumonia;
    size_t dirs, macosx, appledouble, dsstore, undecodable, bad_names;
    char persons[64][32];
    size_t npersons;
} zip_counts;

static int kermany_name(const char *name, const char *klass)
{
    int a, b, c;
    char kind[16];
    if (!strcmp(klass, "NORMAL"))
        return sscanf(name, "IM-%4d-%4d.jpeg", &a, &b) == 2 ||
               sscanf(name, "NORMAL2-IM-%4d-%4d.jpeg", &a, &b) == 2;
    return sscanf(name, "person%d_%15[a-z]_%d.jpeg", &a, kind, &c) == 3 &&
           (!strcmp(kind, "bacteria") || !strcmp(kind, "virus"));
}

static void note_person(zip_counts *z, const char *name)
{
    char pid[32];
    snprintf(pid, sizeof(pid), "%.*s", (int)strcspn(name, "_"), name);
    for (size_t i = 0; i < z->npersons; i++)
        if (!strcmp(z->persons[i], pid))
            return;
    if (z->npersons < 64)
        strcpy(z->persons[z->npersons++], pid);
}

/* The current entry's bytes (malloc'd), or NULL on a read error. */
static unsigned char *read_entry(struct archive *a, size_t *len)
{
    mkdemo_buf b = {0};
    char chunk[16384];
    la_ssize_t n;
    while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
        mkdemo_buf_put(&b, chunk, (size_t)n);
    if (n < 0) {
        mkdemo_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

static void classify(zip_counts *z, struct archive *a, const char *path, int dir)
{
    char split[16], klass[16], name[256];
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (dir) {
        z->dirs++;
        return;
    }
    if (!strncmp(path, "__MACOSX/", 9)) {
        z->macosx++;
        return;
    }
    if (!strncmp(base, "._", 2)) {
        z->appledouble++;
        return;
    }
    if (!strcmp(base, ".DS_Store")) {
        z->dsstore++;
        return;
    }
    if (sscanf(path, "chest_xray/%15[^/]/%15[^/]/%255s", split, klass, name) != 3 ||
        !kermany_name(name, klass)) {
        z->bad_names++;
        return;
    }
    {
        int train = !strcmp(split, "train"), normal = !strcmp(klass, "NORMAL");
        size_t *n = train ? (normal ? &z->train_normal : &z->train_pneumonia)
                          : (normal ? &z->test_normal : &z->test_pneumonia);
        size_t len = 0;
        unsigned char *data = read_entry(a, &len);
        (*n)++;
        if (!data || !decodes(data, len))
            z->undecodable++;
        free(data);
        if (train && !normal)
            note_person(z, name);
    }
}

static void check_archive(const char *dir)
{
    static zip_counts z;
    char path[1024];
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    snprintf(path, sizeof(path), "%s/ChestXRay2017.zip", dir);
    archive_read_support_format_zip(a);
    CHECK_INT(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK)
        classify(&z, a, archive_entry_pathname(e), archive_entry_filetype(e) == AE_IFDIR);
    archive_read_free(a);
    CHECK_INT(z.train_normal, MKDEMO_TRAIN_NORMAL);
    CHECK_INT(z.train_pneumonia, MKDEMO_TRAIN_PNEUMONIA);
    CHECK_INT(z.test_normal, MKDEMO_TEST_NORMAL);
    CHECK_INT(z.test_pneumonia, MKDEMO_TEST_PNEUMONIA);
    CHECK_INT(z.npersons, 30); /* several images for some patients */
    CHECK(z.npersons < z.train_pneumonia);
    CHECK_INT(z.undecodable, 0);
    CHECK_INT(z.bad_names, 0);
    CHECK(z.dirs >= 7);
    CHECK(z.macosx >= 2);
    CHECK(z.appledouble >= 1);
    CHECK(z.dsstore >= 1);
    /* the demo's draws: train + validation from train/, disjoint */
    CHECK(z.train_normal >= MKDEMO_COVID_TRAIN + 6);
}

/* kermany-sample/: the counts and sides mkdemo.h promises, every image
 * decodes, Kermany names; with ../shared, the real sample's names. */
typedef struct sample_counts {
    size_t files, large, in_range, undecodable, bad_names, real_names;
} sample_counts;

static void check_sample_image(sample_counts *c, const char *path, const char *name,
                               const char *klass, const char *shared)
{
    unsigned char *data = NULL;
    size_t len = 0;
    cxr_image img = {0};
    char real[2048];
    c->files++;
    if (!kermany_name(name, klass))
        c->bad_names++;
    if (cxr_read_file(path, &data, &len, NULL) != CXR_OK ||
        cxr_image_decode(data, len, 0, 0, &img, NULL) != CXR_OK)
        c->undecodable++;
    else if (img.width == MKDEMO_SAMPLE_LARGE_SIDE)
        c->large++;
    else if (img.width >= MKDEMO_SAMPLE_SIDE_MIN && img.width <= MKDEMO_SAMPLE_SIDE_MAX &&
             img.height >= MKDEMO_SAMPLE_SIDE_MIN && img.height <= MKDEMO_SAMPLE_SIDE_MAX)
        c->in_range++;
    snprintf(real, sizeof(real), "%s/data/kermany-sample/chest_xray/train/%s/%s",
             shared ? shared : "", klass, name);
    c->real_names += shared && cxr_is_file(real);
    cxr_image_release(&img);
    free(data);
}

static void check_sample_class(const char *dir, const char *klass, size_t want,
                               size_t want_large, const char *shared)
{
    sample_counts c = {0};
    char path[1024], file[1400];
    struct dirent *d;
    DIR *dp;
    snprintf(path, sizeof(path), "%s/kermany-sample/chest_xray/train/%s", dir, klass);
    dp = opendir(path);
    CHECK(dp != NULL);
    while (dp && (d = readdir(dp)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
        check_sample_image(&c, file, d->d_name, klass, shared);
    }
    if (dp)
        closedir(dp);
    CHECK_INT(c.files, want);
    CHECK_INT(c.large, want_large);
    CHECK_INT(c.in_range, want - want_large);
    CHECK_INT(c.undecodable, 0);
    CHECK_INT(c.bad_names, 0);
    if (shared)
        CHECK_INT(c.real_names, want);
}

static void check_kermany_sample(const char *dir)
{
    const char *shared = getenv("CXR_SHARED_DIR");
    char probe[1024];
    snprintf(probe, sizeof(probe), "%s/data/kermany-sample/README.md", shared ? shared : "");
    if (!shared || !cxr_is_file(probe))
        shared = NULL;   /* the names are compared when ../shared is there */
    check_sample_class(dir, "NORMAL", MKDEMO_SAMPLE_NORMAL, MKDEMO_SAMPLE_LARGE, shared);
    check_sample_class(dir, "PNEUMONIA", MKDEMO_SAMPLE_PNEUMONIA, 0, shared);
}

/* Walks one protobuf message, bounded; returns the fields seen as a bit
 * mask (fields 1..31) or 0 when malformed. */
static uint32_t pb_fields(const unsigned char *p, size_t len)
{
    uint32_t seen = 0;
    size_t i = 0;
    while (i < len) {
        uint64_t key = 0, v = 0;
        int shift = 0;
        do {
            if (i >= len || shift > 63)
                return 0;
            key |= (uint64_t)(p[i] & 0x7f) << shift;
            shift += 7;
        } while (p[i++] & 0x80);
        if ((key >> 3) == 0 || (key >> 3) > 31)
            return 0;
        seen |= 1u << (key >> 3);
        switch (key & 7) {
        case 0:
        case 2:
            shift = 0;
            do {
                if (i >= len || shift > 63)
                    return 0;
                v |= (uint64_t)(p[i] & 0x7f) << shift;
                shift += 7;
            } while (p[i++] & 0x80);
            if ((key & 7) == 2) {
                if (v > len - i)
                    return 0;
                i += v;
            }
            break;
        case 5:
            if (len - i < 4)
                return 0;
            i += 4;
            break;
        default:
            return 0;
        }
    }
    return seen;
}

#ifdef CXR_DEMO_HAVE_CXRINFER
static int load_input(const char *dir, const char *name, float *out)
{
    char path[1024];
    unsigned char *data = NULL;
    size_t len, n = MKDEMO_MODEL_SIDE * MKDEMO_MODEL_SIDE * 3;
    cxr_image img = {0}, small = {0};
    int ok;
    snprintf(path, sizeof(path), "%s/images/%s", dir, name);
    ok = cxr_read_file(path, &data, &len, NULL) == CXR_OK &&
         cxr_image_decode(data, len, 0, 3, &img, NULL) == CXR_OK &&
         cxr_image_resize(&img, MKDEMO_MODEL_SIDE, MKDEMO_MODEL_SIDE, &small, NULL) == CXR_OK;
    for (size_t i = 0; ok && i < n; i++)
        out[i] = small.pixels[i] / 255.0f;
    free(data);
    cxr_image_release(&img);
    cxr_image_release(&small);
    return ok;
}

static void check_inference(const char *dir, const char *model_path)
{
    static const char *const names[] = {"demo-covid-p1-day0.jpeg", "demo-covid-p3.png",
                                        "demo-covid-p6.png", "demo-nofinding-p27.png",
                                        "demo-strep-p26.jpg", "demo-covid-p14.jpg"};
    enum { NIMG = sizeof(names) / sizeof(names[0]) };
    static float in[NIMG][MKDEMO_MODEL_SIDE * MKDEMO_MODEL_SIDE * 3];
    float out[NIMG][MKDEMO_MODEL_CLASSES], lo = 1, hi = 0;
    char msg[512] = "";
    cxrinfer_model *m = NULL;
    cxrinfer_model_info info;
    CHECK_INT(cxrinfer_model_load(model_path, NULL, &m, msg, sizeof(msg)), CXRINFER_OK);
    if (!m) {
        fprintf(stderr, "cxrinfer: %s\n", msg);
        return;
    }
    CHECK_INT(cxrinfer_model_get_info(m, &info), CXRINFER_OK);
    CHECK_INT(info.height, MKDEMO_MODEL_SIDE);
    CHECK_INT(info.width, MKDEMO_MODEL_SIDE);
    CHECK_INT(info.channels, 3);
    CHECK_INT(info.layout, CXRINFER_LAYOUT_NHWC);
    CHECK_INT(info.classes, MKDEMO_MODEL_CLASSES);
    CHECK_INT(info.batch, 0);
    CHECK(info.softmax_output);
    for (size_t i = 0; i < NIMG; i++)
        CHECK(load_input(dir, names[i], in[i]));
    CHECK_INT(cxrinfer_run(m, &in[0][0], NIMG, &out[0][0], MKDEMO_MODEL_CLASSES),
              CXRINFER_OK);
    for (size_t i = 0; i < NIMG; i++) {
        CHECK(out[i][0] > 0.0f && out[i][0] < 1.0f);
        CHECK(out[i][0] + out[i][1] > 0.999f && out[i][0] + out[i][1] < 1.001f);
        lo = out[i][0] < lo ? out[i][0] : lo;
        hi = out[i][0] > hi ? out[i][0] : hi;
    }
    CHECK(hi - lo > 0.1f); /* the scores vary from image to image */
    cxrinfer_model_free(m);
}
#endif

static void check_model(const char *dir)
{
    char path[1024];
    unsigned char *data = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/model.onnx", dir);
    CHECK_INT(cxr_read_file(path, &data, &len, NULL), CXR_OK);
    /* ir_version (1), producer (2, 3), graph (7), opset_import (8) */
    CHECK_INT(pb_fields(data, len), (1u << 1) | (1u << 2) | (1u << 3) | (1u << 7) | (1u << 8));
    free(data);
#ifdef CXR_DEMO_HAVE_CXRINFER
    check_inference(dir, path);
#else
    fprintf(stderr, "note: libcxrinfer not built; the model is checked as protobuf only\n");
#endif
}

int main(void)
{
    const char *build = getenv("CXR_BUILD_DIR");
    char dir[1024], complete[1100];
    if (!build) {
        fprintf(stderr, "skip: CXR_BUILD_DIR not set (run through ctest)\n");
        return 77;
    }
    snprintf(dir, sizeof(dir), "%s/demo/mirror", build);
    snprintf(complete, sizeof(complete), "%s/.complete", dir);
    CHECK(cxr_is_file(complete)); /* the build wrote the whole mirror */
    if (cxr_is_file(complete)) {
        check_metadata(dir);
        check_archive(dir);
        check_kermany_sample(dir);
        check_model(dir);
    }
    return test_finish();
}
