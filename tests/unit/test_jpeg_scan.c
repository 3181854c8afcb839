/* test_jpeg_scan.c: the JPEG scan of verification (image_jpeg_scan.c) only
 * ever vouches for what libjpeg's strict verification passes. JPEGs are
 * made here with libjpeg's encoder (grey, 4:2:0, 4:4:4, restart intervals
 * of 1, 7 and 207 MCUs, optimised Huffman tables, odd sizes, progressive);
 * each clean one must be vouched for (progressive must not), and thousands
 * of damaged copies (bits flipped, bytes changed, dropped, inserted,
 * restart markers renumbered, data cut) must never be vouched for when
 * libjpeg refuses them. test_jpeg_scan_real does the same on the real
 * JPEGs in ../shared. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "fsutil.h"
#include "image.h"
#include "image_jpeg.h"
#include "image_jpeg_scan.h"
#include "testutil.h"

typedef struct jpeg_spec {
    const char *name;
    int width, height, components;
    int h0, v0;           /* the first component's sampling factors */
    int restart_mcus, optimize, progressive;
} jpeg_spec;

static const jpeg_spec specs[] = {
    {"grey", 64, 48, 1, 1, 1, 0, 0, 0},
    {"grey, restart 7", 61, 37, 1, 1, 1, 7, 0, 0},
    {"grey, restart 1, optimised", 40, 24, 1, 1, 1, 1, 1, 0},
    {"4:2:0, restart 207", 250, 90, 3, 2, 2, 207, 0, 0},
    {"4:2:0, restart 3, optimised", 45, 33, 3, 2, 2, 3, 1, 0},
    {"4:4:4", 33, 17, 3, 1, 1, 0, 0, 0},
    {"4:2:2, restart 5", 50, 30, 3, 2, 1, 5, 0, 0},
    {"progressive", 64, 48, 3, 2, 2, 0, 0, 1},
};

/* A picture with edges and noise, so that AC codes of many sizes occur. */
static unsigned char *picture(const jpeg_spec *s, unsigned seed)
{
    size_t n = (size_t)s->width * s->height * s->components;
    unsigned char *px = malloc(n);
    if (!px)
        abort();
    for (int y = 0; y < s->height; y++)
        for (int x = 0; x < s->width; x++)
            for (int c = 0; c < s->components; c++) {
                seed = seed * 1103515245u + 12345u;
                int v = ((x / 5 + y / 3) % 2) * 120 + x * 2 + c * 30 + (int)(seed >> 27);
                px[((size_t)y * s->width + x) * s->components + c] = (unsigned char)v;
            }
    return px;
}

static unsigned char *encode(const jpeg_spec *s, unsigned long *len)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    unsigned char *px = picture(s, 7), *out = NULL;

    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, len);
    ci.image_width = (JDIMENSION)s->width;
    ci.image_height = (JDIMENSION)s->height;
    ci.input_components = s->components;
    ci.in_color_space = s->components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 90, TRUE);
    ci.comp_info[0].h_samp_factor = s->h0;
    ci.comp_info[0].v_samp_factor = s->v0;
    ci.restart_interval = (unsigned)s->restart_mcus;
    ci.optimize_coding = s->optimize ? TRUE : FALSE;
    if (s->progressive)
        jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = px + (size_t)ci.next_scanline * s->width * s->components;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(px);
    return out;
}

/* Where the entropy-coded data starts: after the first SOS segment. */
static size_t scan_start(const unsigned char *d, size_t len)
{
    size_t pos = 2;
    while (pos + 4 <= len && d[pos] == 0xFF) {
        size_t seglen = (size_t)d[pos + 2] << 8 | d[pos + 3];
        if (d[pos + 1] == 0xDA)
            return pos + 2 + seglen;
        pos += 2 + seglen;
    }
    return 2;
}

typedef struct tally {
    int cases, vouched, refused_by_libjpeg;
} tally;

/* The property: a scan that vouches means libjpeg passes it too. */
static void check_one(const unsigned char *d, size_t len, const char *what, tally *t)
{
    cxr_error err = {0};
    cxr_status scan = cxr_jpeg_scan(d, len);
    cxr_status lib = cxr_jpeg_verify(d, len, &err);

    t->cases++;
    t->vouched += scan == CXR_OK;
    t->refused_by_libjpeg += lib != CXR_OK;
    if (scan == CXR_OK && lib != CXR_OK) {
        fprintf(stderr, "%s: the scan vouches, libjpeg says: %s\n", what, err.msg);
        CHECK(0);
    }
    CHECK(scan == CXR_OK || scan == CXR_ERR_UNSUPPORTED);
}

/* One damaged copy of d (len bytes, entropy data from 'start'), kind
 * chosen by the draw; returns its length. */
static size_t damage(const unsigned char *d, size_t len, size_t start, unsigned draw,
                     unsigned char *out)
{
    size_t span = len - start, at = start + (draw >> 8) % span, n = len;
    unsigned byte = (draw >> 3) & 0xFF;

    memcpy(out, d, len);
    switch (draw % 7) {
    case 0: out[at] ^= (unsigned char)(1u << (byte & 7)); break;     /* a bit */
    case 1: out[at] = (unsigned char)byte; break;                    /* a byte */
    case 2: memmove(out + at, d + at + 1, len - at - 1); n--; break; /* dropped */
    case 3:                                                          /* inserted */
        out[at] = (unsigned char)byte;
        memcpy(out + at + 1, d + at, len - at);
        n++;
        break;
    case 4: /* a stuffed 0xFF 0x00, or a marker, inserted */
        out[at] = 0xFF;
        out[at + 1] = (byte & 1) ? 0x00 : (unsigned char)(0xD0 + (byte & 7));
        memcpy(out + at + 2, d + at, len - at);
        n += 2;
        break;
    case 5: /* a restart marker renumbered, if one is near */
        for (size_t i = at; i + 1 < len; i++)
            if (out[i] == 0xFF && out[i + 1] >= 0xD0 && out[i + 1] <= 0xD7) {
                out[i + 1] = (unsigned char)(0xD0 + ((out[i + 1] + 1 + (byte & 3)) & 7));
                break;
            }
        break;
    default: /* cut, with the end-of-image marker put back */
        out[at] = 0xFF;
        out[at + 1] = 0xD9;
        n = at + 2;
        break;
    }
    return n;
}

/* Every fourth copy is damaged anywhere after SOI (the marker segments:
 * frame, scan, table headers), the others in the entropy-coded data. */
static void sweep(const unsigned char *d, size_t len, int rounds, const char *name, tally *t)
{
    unsigned char *out = malloc(len + 8);
    size_t start = scan_start(d, len);
    unsigned draw = 2166136261u;

    if (!out)
        abort();
    for (int i = 0; i < rounds; i++) {
        draw = draw * 747796405u + 2891336453u;
        size_t n = damage(d, len, i % 4 == 0 ? 2 : start, draw ^ (draw >> 13), out);
        char what[160];
        snprintf(what, sizeof(what), "%s, damage %d (kind %u)", name, i,
                 (draw ^ (draw >> 13)) % 7);
        check_one(out, n, what, t);
    }
    free(out);
}

static void test_generated(void)
{
    tally t = {0};
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        unsigned long len = 0;
        unsigned char *d = encode(&specs[i], &len);
        cxr_error err = {0};
        CHECK(d && len > 0);
        /* clean: vouched for unless progressive; libjpeg passes all */
        CHECK_INT(cxr_jpeg_scan(d, len), specs[i].progressive ? CXR_ERR_UNSUPPORTED : CXR_OK);
        CHECK_INT(cxr_jpeg_verify(d, len, &err), CXR_OK);
        CHECK_INT(cxr_image_verify(d, len, 0, &err), CXR_OK);
        sweep(d, len, 1500, specs[i].name, &t);
        free(d);
    }
    /* not a vacuous sweep: libjpeg refused many, the scan vouched for some
     * (damage in coefficient bits that still decodes) */
    fprintf(stderr, "generated: %d damaged copies, %d refused by libjpeg, %d vouched for\n",
            t.cases, t.refused_by_libjpeg, t.vouched);
    CHECK(t.refused_by_libjpeg > t.cases / 4);
    CHECK(t.vouched > t.cases / 50);
}

/* Damage made by hand on the grey image with a restart marker after every
 * MCU, each with the verdict libjpeg gives it. */
static void test_known_damage(void)
{
    unsigned long len = 0;
    unsigned char *d = encode(&specs[2], &len), *copy = malloc(len + 4);
    size_t start = scan_start(d, len), rst = 0;
    cxr_error err = {0};

    CHECK(d && copy);
    for (size_t i = start; i + 1 < len; i++)
        if (d[i] == 0xFF && d[i + 1] == 0xD2) {
            rst = i;
            break;
        }
    CHECK(rst > start);
    /* RST2 where RST3 was wanted: libjpeg must resync */
    memcpy(copy, d, len);
    copy[rst + 1] = 0xD3;
    CHECK_INT(cxr_jpeg_scan(copy, len), CXR_ERR_UNSUPPORTED);
    CHECK_INT(cxr_image_verify(copy, len, 0, &err), CXR_ERR_INPUT);
    /* a whole byte of data more before a restart marker: extraneous */
    memcpy(copy, d, rst);
    copy[rst] = 0x5A;
    memcpy(copy + rst + 1, d + rst, len - rst);
    CHECK_INT(cxr_jpeg_scan(copy, len + 1), CXR_ERR_UNSUPPORTED);
    CHECK_INT(cxr_image_verify(copy, len + 1, 0, &err), CXR_ERR_INPUT);
    /* the scan cut short: the end-of-image marker comes too early */
    memcpy(copy, d, rst);
    copy[rst] = 0xFF;
    copy[rst + 1] = 0xD9;
    CHECK_INT(cxr_jpeg_scan(copy, rst + 2), CXR_ERR_UNSUPPORTED);
    CHECK_INT(cxr_image_verify(copy, rst + 2, 0, &err), CXR_ERR_INPUT);
    /* fill bytes before a marker are allowed, by both */
    memcpy(copy, d, rst);
    copy[rst] = 0xFF;
    memcpy(copy + rst + 1, d + rst, len - rst);
    CHECK_INT(cxr_jpeg_scan(copy, len + 1), CXR_OK);
    CHECK_INT(cxr_jpeg_verify(copy, len + 1, &err), CXR_OK);
    /* a scan listing the components in another order than the frame's:
     * libjpeg-turbo refuses it (bad component id) */
    free(d);
    free(copy);
    d = encode(&specs[5], &len); /* 4:4:4: three components, one block each */
    copy = malloc(len);
    CHECK(d && copy);
    start = scan_start(d, len);
    memcpy(copy, d, len);
    for (size_t i = 2; i + 9 < start; i++)
        if (copy[i] == 0xFF && copy[i + 1] == 0xDA) { /* SOS: length, n, (id, tables) x n */
            unsigned char id = copy[i + 5]; /* the ids swapped, the tables kept: the */
            copy[i + 5] = copy[i + 7];      /* data still decodes, in the wrong order */
            copy[i + 7] = id;
            break;
        }
    CHECK(memcmp(copy, d, len) != 0);
    CHECK_INT(cxr_jpeg_scan(copy, len), CXR_ERR_UNSUPPORTED);
    CHECK_INT(cxr_image_verify(copy, len, 0, &err), CXR_ERR_INPUT);
    /* nothing, or not a JPEG */
    CHECK_INT(cxr_jpeg_scan(d, 3), CXR_ERR_UNSUPPORTED);
    CHECK_INT(cxr_jpeg_scan(NULL, 0), CXR_ERR_UNSUPPORTED);
    free(copy);
    free(d);
}

/* Every real JPEG of a folder: the property, and how many were vouched
 * for; 'rounds' damaged copies of every seventh file. */
static void real_folder(const char *dir, int rounds, tally *clean, tally *damaged)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    int n = 0;

    CHECK(dp != NULL);
    while (dp && (e = readdir(dp))) {
        char *path = cxr_path_join(dir, e->d_name);
        size_t len = 0;
        unsigned char *d = NULL;
        cxr_error err = {0};
        if (e->d_name[0] != '.' && path && cxr_read_file(path, &d, &len, &err) == CXR_OK &&
            cxr_image_sniff(d, len) == CXR_IMG_JPEG) {
            check_one(d, len, path, clean);
            if (n++ % 7 == 0)
                sweep(d, len, rounds, path, damaged);
        }
        free(d);
        free(path);
    }
    if (dp)
        closedir(dp);
}

static void test_real(const char *shared)
{
    static const char *dirs[] = {
        "data/ieee8023/images", "data/kermany-sample/chest_xray/train/NORMAL",
        "data/kermany-sample/chest_xray/train/PNEUMONIA"};
    tally clean = {0}, damaged = {0};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char *dir = cxr_path_join(shared, dirs[i]);
        real_folder(dir, 20, &clean, &damaged);
        free(dir);
    }
    fprintf(stderr, "real: %d JPEGs, %d vouched for; %d damaged copies, %d refused by "
            "libjpeg, %d vouched for\n", clean.cases, clean.vouched, damaged.cases,
            damaged.refused_by_libjpeg, damaged.vouched);
    /* all but the progressive ones (25 of 141 when this was written) */
    CHECK(clean.cases >= 100);
    CHECK(clean.vouched >= clean.cases * 3 / 4);
    CHECK_INT(clean.refused_by_libjpeg, 0);
    CHECK(damaged.refused_by_libjpeg > damaged.cases / 4);
}

int main(void)
{
    const char *shared = test_shared_dir(); /* test_jpeg_scan_real */

    if (shared) {
        test_real(shared);
        return test_finish();
    }
    test_generated();
    test_known_damage();
    return test_finish();
}
