/* image_png.c: a PNG verification that inflates every IDAT byte with zlib
 * (its inflate is several times faster than stb_image's, and it checks the
 * stream's Adler-32) and checks the pixel data's exact size and each row's
 * filter type, without unfiltering or converting pixels. It only ever says
 * "whole" for a PNG stb_image decodes; whatever it cannot vouch for is
 * CXR_ERR_UNSUPPORTED, and the caller then decodes with stb_image as
 * before, so a damaged PNG gets the same verdict and message as always. */
#include "image_png.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

typedef struct png_header {
    uint32_t width, height;
    int depth, color, interlace;
} png_header;

typedef struct row_walk { /* where the next row's filter byte is */
    const png_header *h;
    int pass;                /* 0 when not interlaced, 0..6 (Adam7) */
    uint64_t rows_left, row_len, next;
} row_walk;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int channels(int color)
{
    switch (color) {
    case 0: case 3: return 1;
    case 2: return 3;
    case 4: return 2;
    case 6: return 4;
    default: return 0;
    }
}

/* 1 for the bit depths the PNG specification allows with colour type 'color'. */
static int depth_allowed(int color, int depth)
{
    if (color == 0)
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    if (color == 3)
        return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    return channels(color) && (depth == 8 || depth == 16);
}

/* The size of pass 'pass' (Adam7, or the whole image when not interlaced). */
static void pass_size(const png_header *h, int pass, uint64_t *w, uint64_t *rows)
{
    static const int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
    static const int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    if (!h->interlace) {
        *w = h->width;
        *rows = h->height;
        return;
    }
    *w = h->width > (uint32_t)x0[pass] ? (h->width - x0[pass] + dx[pass] - 1) / dx[pass] : 0;
    *rows = h->height > (uint32_t)y0[pass] ? (h->height - y0[pass] + dy[pass] - 1) / dy[pass]
                                           : 0;
}

/* Moves to the first pass at or after 'pass' with pixels; 0 past the last. */
static int walk_pass(row_walk *r, int pass)
{
    for (; pass < (r->h->interlace ? 7 : 1); pass++) {
        uint64_t w, rows;
        pass_size(r->h, pass, &w, &rows);
        if (w && rows) {
            r->pass = pass;
            r->rows_left = rows;
            r->row_len = 1 + (w * (uint64_t)channels(r->h->color) * (uint64_t)r->h->depth + 7) / 8;
            return 1;
        }
    }
    r->rows_left = 0;
    return 0;
}

/* The bytes of filtered pixel data the header promises. */
static uint64_t raw_size(const png_header *h)
{
    row_walk r = {h, 0, 0, 0, 0};
    uint64_t total = 0;
    for (int more = walk_pass(&r, 0); more; more = walk_pass(&r, r.pass + 1))
        total += r.rows_left * r.row_len;
    return total;
}

/* Checks the filter bytes among out[0..n), the inflated bytes from offset
 * 'at'; 0 at one that is not a filter type (0..4). */
static int check_filters(row_walk *r, const unsigned char *out, size_t n, uint64_t at)
{
    while (r->rows_left && r->next < at + n) {
        if (out[r->next - at] > 4)
            return 0;
        r->next += r->row_len;
        if (--r->rows_left == 0)
            walk_pass(r, r->pass + 1);
    }
    return 1;
}

/* 1 for a chunk stb_image reads without complaint: IHDR first only, a
 * PLTE of 1..256 entries before the pixel data, IDAT, IEND, and the
 * ancillary chunks it skips (not tRNS, which it checks). */
static int chunk_known(const unsigned char *type, uint32_t clen, size_t pos, int seen_idat)
{
    if (!memcmp(type, "IHDR", 4))
        return pos == 8;
    if (!memcmp(type, "PLTE", 4))
        return !seen_idat && clen && clen % 3 == 0 && clen <= 256 * 3;
    if (!memcmp(type, "IDAT", 4) || !memcmp(type, "IEND", 4))
        return 1;
    return (type[0] & 0x20) && memcmp(type, "tRNS", 4) != 0; /* ancillary */
}

/* Inflates the IDAT chunks (chunk list already checked: lengths, CRCs, an
 * IHDR first, an IEND last) and checks what comes out. */
static int idat_whole(const unsigned char *d, size_t len, const png_header *h)
{
    unsigned char out[1 << 15];
    uint64_t want = raw_size(h), got = 0;
    row_walk r = {h, 0, 0, 0, 0};
    z_stream z;
    int zr = Z_OK, plte = 0, seen_idat = 0, ended = 0, iend = 0, ok = 1;
    size_t pos = 8;
    memset(&z, 0, sizeof(z));
    if (!want || inflateInit(&z) != Z_OK)
        return 0;
    walk_pass(&r, 0);
    while (ok && !iend && pos + 12 <= len) {
        uint32_t clen = be32(d + pos);
        const unsigned char *type = d + pos + 4;
        if (clen > len - pos - 12 || !chunk_known(type, clen, pos, seen_idat)) {
            ok = 0;
            break;
        }
        if (!memcmp(type, "IEND", 4))
            iend = 1;
        if (!memcmp(type, "PLTE", 4))
            plte = 1;
        if (!memcmp(type, "IDAT", 4)) {
            if (ended || (h->color == 3 && !plte))
                ok = 0;
            seen_idat = 1;
            z.next_in = (unsigned char *)(d + pos + 8);
            z.avail_in = clen;
            while (ok && zr != Z_STREAM_END) {
                z.next_out = out;
                z.avail_out = sizeof(out);
                zr = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
                    ok = 0;
                else if (!check_filters(&r, out, sizeof(out) - z.avail_out, got))
                    ok = 0;
                got += sizeof(out) - z.avail_out;
                if (got > want)
                    ok = 0;
                if (!z.avail_in && z.avail_out) /* this chunk's bytes are used up */
                    break;
            }
            if (zr == Z_STREAM_END && z.avail_in) /* bytes after the stream */
                ok = 0;
        } else if (seen_idat) {
            ended = 1; /* IDAT chunks must follow one another */
        }
        pos += (size_t)clen + 12;
    }
    inflateEnd(&z);
    return ok && iend && zr == Z_STREAM_END && got == want && !r.rows_left;
}

cxr_status cxr_png_verify(const unsigned char *data, size_t len, cxr_error *err)
{
    png_header h;
    (void)err;
    /* signature (8), IHDR chunk length and type (8), its 13 bytes */
    if (len < 8 + 8 + 13 + 4 || memcmp(data + 12, "IHDR", 4) != 0 || be32(data + 8) != 13)
        return CXR_ERR_UNSUPPORTED;
    h.width = be32(data + 16);
    h.height = be32(data + 20);
    h.depth = data[24];
    h.color = data[25];
    h.interlace = data[28];
    if (!h.width || !h.height || h.width > 0x7FFFFFFFu || h.height > 0x7FFFFFFFu ||
        !depth_allowed(h.color, h.depth) || data[26] != 0 || data[27] != 0 || h.interlace > 1 ||
        (uint64_t)h.width * h.height * 4 > (1u << 30)) /* stb_image's "too large" */
        return CXR_ERR_UNSUPPORTED;
    return idat_whole(data, len, &h) ? CXR_OK : CXR_ERR_UNSUPPORTED;
}
