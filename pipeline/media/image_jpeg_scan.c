/* image_jpeg_scan.c: JPEG verification without libjpeg, for the common
 * case: a sequential Huffman JPEG of 8-bit samples in one scan. It walks
 * the marker segments, builds the Huffman tables as libjpeg does (and
 * refuses the tables libjpeg refuses), then decodes every Huffman code of
 * every block, skipping the coefficient bits without dequantising or
 * transforming anything, and checks each restart marker and the end of
 * image where libjpeg expects them. libjpeg's strict verification
 * (image_jpeg.c) must keep every MCU on its slow Huffman path to see bad
 * codes, which made it most of a cold layout's time; this scan reads
 * eight bytes at a time and an 11-bit lookahead table that takes every
 * AC code the lookahead holds whole (with its coefficient bits) at once.
 *
 * It only ever vouches: anything it does not recognise as whole, damaged
 * or just unusual, is CXR_ERR_UNSUPPORTED and goes to libjpeg, so a damaged
 * JPEG keeps libjpeg's verdict and message. Its bit consumption matches
 * libjpeg's exactly, which is what makes a "whole" here a "whole" there:
 * tests/unit/test_jpeg_scan.c checks that on thousands of damaged files. */
#include "image_jpeg_scan.h"

#include <stdint.h>
#include <string.h>

#define NOT_VOUCHED CXR_ERR_UNSUPPORTED
#define LOOKAHEAD 11            /* bits of the first-level Huffman table */
#define MAX_COMPONENTS 3
#define MAX_DIMENSION 65500     /* libjpeg's JPEG_MAX_DIMENSION */
#define MAX_BLOCKS_IN_MCU 10    /* libjpeg's D_MAX_BLOCKS_IN_MCU */
#define MAX_DC_PREDICTOR 65536  /* far past any 8-bit image's DC value */

typedef struct huff_table {
    int defined;
    int nsymbols;
    uint16_t fast[1 << LOOKAHEAD]; /* (code length << 8) | symbol; 0: longer */
    int32_t maxcode[17];           /* largest code of each length; -1: none */
    int32_t valoffset[17];         /* symbol index = code + valoffset[length] */
    uint8_t symbols[256];
} huff_table;

/* An AC table: its Huffman table, and for each lookahead the codes it
 * holds whole, each with its coefficient bits, up to and including an end
 * of block, in one entry. CODES_*: their bits in all, how far they move
 * the coefficient index in all (run + 1 for a coefficient, 16 for a run of
 * 16 zeros, 0 for the end of block), and whether the last one ends the
 * block. FIRST_*: the first code alone, taken by itself where the whole
 * entry could pass coefficient 63 (libjpeg's edge, which the scan checks
 * one code at a time). Several codes per lookup shorten the chain of
 * dependent loads and shifts that bounds the scan. */
typedef struct ac_table {
    huff_table huff;
    uint32_t codes[1 << LOOKAHEAD]; /* 0: not even the first code fits */
} ac_table;

#define CODES_LENGTH(e) ((int)((e) & 15))
#define CODES_ADVANCE(e) ((int)(((e) >> 4) & 127))
#define CODES_END_BLOCK (1u << 11)
#define FIRST_LENGTH(e) ((int)(((e) >> 12) & 15))
#define FIRST_ADVANCE(e) ((int)(((e) >> 16) & 127))
#define FIRST_COEFFICIENT (1u << 23)
#define CODES_MAX_ADVANCE 62 /* an entry never applies whole past this */

typedef struct frame_component {
    int id, h, v, quant;
} frame_component;

typedef struct jpeg_walk {
    const unsigned char *data;
    size_t len;
    int quant_defined[4];
    huff_table dc[4];
    ac_table ac[4];
    int have_frame, width, height, ncomponents, hmax, vmax;
    frame_component comp[MAX_COMPONENTS];
    unsigned restart_interval;
} jpeg_walk;

/* One component of a scan: its frame entry and tables. */
typedef struct scan_component {
    const frame_component *frame_comp;
    const huff_table *dc;
    const ac_table *ac;
} scan_component;

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* The codes entry of lookahead x: codes decoded from its bits until one
 * does not fit whole with its coefficient bits, needs more than 10 of them
 * (left to huff_decode, which refuses it), would take the advance past
 * CODES_MAX_ADVANCE, or ends the block (then included). */
static uint32_t ac_codes_entry(const huff_table *t, unsigned x)
{
    uint32_t entry = 0;
    unsigned used = 0, advance = 0;

    for (;;) {
        unsigned e = t->fast[(x << used) & ((1u << LOOKAHEAD) - 1)];
        unsigned length = e >> 8, r = (e >> 4) & 15, s = e & 15, step;
        if (!e || used + length + s > LOOKAHEAD || s > 10)
            break;
        step = s ? r + 1 : r == 15 ? 16 : 0;
        if (advance + step > CODES_MAX_ADVANCE)
            break;
        if (used == 0)
            entry = (uint32_t)(length + s) << 12 | (uint32_t)step << 16 |
                    (s ? FIRST_COEFFICIENT : 0);
        used += length + s;
        advance += step;
        if (!s && r != 15) {
            entry |= CODES_END_BLOCK;
            break;
        }
    }
    return used ? entry | used | advance << 4 : 0;
}

static void ac_codes_build(ac_table *t)
{
    for (unsigned x = 0; x < (1u << LOOKAHEAD); x++)
        t->codes[x] = ac_codes_entry(&t->huff, x);
}

/* libjpeg's jpeg_make_d_derived_tbl: canonical codes, refusing a table
 * with a code of all ones or DC symbols over 15 (both are libjpeg
 * errors). 0: not vouched. */
static int huff_build(huff_table *t, const unsigned char counts[16],
                      const unsigned char *symbols, int nsymbols, int is_dc)
{
    uint32_t codes[256];
    uint32_t code = 0;
    int p = 0;

    memset(t, 0, sizeof(*t));
    for (int length = 1; length <= 16; length++) {
        for (int i = 0; i < counts[length - 1]; i++)
            codes[p++] = code++;
        if (counts[length - 1] && code >= (1u << length))
            return 0; /* the last code would be all ones */
        code <<= 1;
    }
    p = 0;
    for (int length = 1; length <= 16; length++) {
        int n = counts[length - 1];
        t->maxcode[length] = -1;
        if (!n)
            continue;
        t->valoffset[length] = p - (int32_t)codes[p];
        for (int i = 0; i < n; i++, p++) {
            if (length > LOOKAHEAD)
                continue;
            int shift = LOOKAHEAD - length;
            uint32_t first = codes[p] << shift;
            for (uint32_t x = 0; x < (1u << shift); x++)
                t->fast[first + x] = (uint16_t)(length << 8 | symbols[p]);
        }
        t->maxcode[length] = (int32_t)codes[p - 1];
    }
    for (int i = 0; i < nsymbols; i++)
        if (is_dc && symbols[i] > 15)
            return 0;
    memcpy(t->symbols, symbols, (size_t)nsymbols);
    t->nsymbols = nsymbols;
    t->defined = 1;
    return 1;
}

/* The entropy-coded bits of one restart interval. acc holds the next bits
 * from its top; below the real ones it is all zeros, which is what libjpeg
 * reads after a marker too (and warns: a vouched scan never reads them). */
typedef struct bit_reader {
    const unsigned char *data;
    size_t pos, end;
    uint64_t acc;
    int nbits;     /* real bits in acc; negative once zeros were read */
    int stopped;   /* pos is at a 0xFF that is no stuffed byte, or the end */
} bit_reader;

static uint64_t load_be64(const unsigned char *p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return __builtin_bswap64(w);
#else
    uint64_t w = 0;
    for (int i = 0; i < 8; i++)
        w = w << 8 | p[i];
    return w;
#endif
}

/* Nonzero when one of the eight bytes is 0xFF. */
static int has_ff_byte(uint64_t w)
{
    uint64_t v = ~w;
    return ((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull) != 0;
}

static inline void refill(bit_reader *bits)
{
    while (bits->nbits <= 56 && !bits->stopped) {
        if (bits->end - bits->pos >= 8) {
            uint64_t w = load_be64(bits->data + bits->pos);
            if (!has_ff_byte(w)) {
                int take = (64 - bits->nbits) >> 3; /* whole bytes that fit */
                if (take < 8)
                    w &= ~(~0ull >> (8 * take));
                bits->acc |= w >> bits->nbits;
                bits->pos += (size_t)take;
                bits->nbits += 8 * take;
                continue;
            }
        }
        if (bits->pos >= bits->end) {
            bits->stopped = 1;
            break;
        }
        unsigned c = bits->data[bits->pos];
        if (c == 0xFF) {
            if (bits->pos + 1 >= bits->end || bits->data[bits->pos + 1] != 0x00) {
                bits->stopped = 1;
                break;
            }
            bits->pos += 2;
        } else {
            bits->pos++;
        }
        bits->acc |= (uint64_t)c << (56 - bits->nbits);
        bits->nbits += 8;
    }
}

/* Consumes the next n bits. */
static inline void drop_bits(bit_reader *bits, int n)
{
    bits->acc <<= n;
    bits->nbits -= n;
}

/* The next Huffman symbol, or -1 for a code the table does not have. */
static inline int huff_decode(bit_reader *bits, const huff_table *t)
{
    unsigned entry = t->fast[bits->acc >> (64 - LOOKAHEAD)];
    int length, symbol;

    if (entry) {
        length = (int)(entry >> 8);
        symbol = (int)(entry & 0xFF);
    } else {
        int32_t code = 0, index;
        for (length = LOOKAHEAD + 1; length <= 16; length++) {
            code = (int32_t)(bits->acc >> (64 - length));
            if (code <= t->maxcode[length])
                break;
        }
        if (length > 16)
            return -1;
        index = code + t->valoffset[length];
        if (index < 0 || index >= t->nsymbols)
            return -1;
        symbol = t->symbols[index];
    }
    drop_bits(bits, length);
    return symbol;
}

/* Takes the next s (1..16) bits. */
static inline uint32_t take_bits(bit_reader *bits, int s)
{
    uint32_t v = (uint32_t)(bits->acc >> (64 - s));
    drop_bits(bits, s);
    return v;
}

/* One 8x8 block's codes: a DC difference, then AC run/size codes up to
 * the end of block or coefficient 63, as libjpeg's decode_mcu_slow. Its
 * DC predictor is kept, as libjpeg refuses one that overflows. */
static int decode_block(bit_reader *reader, const scan_component *comp, int32_t *dc_predictor)
{
    bit_reader local = *reader, *bits = &local; /* in registers */
    int s;

    if (bits->nbits < 32)
        refill(bits);
    if ((s = huff_decode(bits, comp->dc)) < 0 || s > 11)
        return 0;
    if (s) {
        int32_t v = (int32_t)take_bits(bits, s);
        if (v < (1 << (s - 1)))
            v -= (1 << s) - 1;
        *dc_predictor += v;
        if (*dc_predictor > MAX_DC_PREDICTOR || *dc_predictor < -MAX_DC_PREDICTOR)
            return 0;
    }
    for (int next = 1; next < 64;) { /* next: the coefficient index to come */
        int rs, r;
        uint32_t codes;
        if (bits->nbits < 32)
            refill(bits);
        if ((codes = comp->ac->codes[bits->acc >> (64 - LOOKAHEAD)]) != 0) {
            if (next + CODES_ADVANCE(codes) <= 63) { /* every code of it inside the block */
                drop_bits(bits, CODES_LENGTH(codes));
                if (codes & CODES_END_BLOCK)
                    break;
                next += CODES_ADVANCE(codes);
                continue;
            }
            drop_bits(bits, FIRST_LENGTH(codes));
            if ((codes & FIRST_COEFFICIENT) && next + FIRST_ADVANCE(codes) - 1 > 63)
                return 0; /* as below: libjpeg goes on past 63 */
            next += FIRST_ADVANCE(codes);
            continue;
        }
        if ((rs = huff_decode(bits, &comp->ac->huff)) < 0)
            return 0;
        r = rs >> 4;
        s = rs & 15;
        if (s) {
            if (next + r > 63 || s > 10) /* libjpeg goes on past 63: not ours to vouch */
                return 0;
            drop_bits(bits, s);
            next += r + 1;
        } else {
            if (r != 15)
                break;
            next += 16;
        }
    }
    *reader = local;
    return bits->nbits >= 0;
}

/* After the last MCU of an interval or of the scan: fewer than 8 bits
 * left (libjpeg counts a whole byte as extraneous data), then 0xFF and
 * the marker 'want' at once (fill bytes of 0xFF allowed). Returns the
 * position after the marker, or 0. */
static size_t segment_end(const bit_reader *bits, unsigned want)
{
    size_t pos = bits->pos;

    if (bits->nbits < 0 || bits->nbits >= 8 || pos >= bits->end || bits->data[pos] != 0xFF)
        return 0;
    while (pos < bits->end && bits->data[pos] == 0xFF)
        pos++;
    if (pos >= bits->end || bits->data[pos] != want)
        return 0;
    return pos + 1;
}

static void bits_start(bit_reader *bits, const unsigned char *data, size_t pos, size_t end)
{
    bits->data = data;
    bits->pos = pos;
    bits->end = end;
    bits->acc = 0;
    bits->nbits = 0;
    bits->stopped = 0;
}

/* The blocks of one MCU: h x v per component when the scan interleaves,
 * one when it has a single component. */
static int decode_mcu(bit_reader *bits, const scan_component *scan, int ns, int32_t *predictors)
{
    if (ns == 1)
        return decode_block(bits, &scan[0], &predictors[0]);
    for (int c = 0; c < ns; c++)
        for (int n = scan[c].frame_comp->h * scan[c].frame_comp->v; n > 0; n--)
            if (!decode_block(bits, &scan[c], &predictors[c]))
                return 0;
    return 1;
}

static uint64_t ceil_div(uint64_t num, uint64_t den)
{
    return (num + den - 1) / den;
}

/* The entropy-coded data from 'pos' to the end-of-image marker. Returns
 * the position after EOI, or 0. */
static size_t scan_data(const jpeg_walk *walk, const scan_component *scan, int ns, size_t pos)
{
    uint64_t mcus;
    int32_t predictors[MAX_COMPONENTS] = {0};
    unsigned left = walk->restart_interval, next_rst = 0;
    bit_reader bits;

    if (ns == 1) {
        const frame_component *comp = scan[0].frame_comp;
        uint64_t w = ceil_div((uint64_t)walk->width * (uint64_t)comp->h, (uint64_t)walk->hmax);
        uint64_t h = ceil_div((uint64_t)walk->height * (uint64_t)comp->v, (uint64_t)walk->vmax);
        mcus = ceil_div(w, 8) * ceil_div(h, 8);
    } else {
        mcus = ceil_div((uint64_t)walk->width, 8u * (uint64_t)walk->hmax) *
               ceil_div((uint64_t)walk->height, 8u * (uint64_t)walk->vmax);
    }
    bits_start(&bits, walk->data, pos, walk->len);
    for (uint64_t m = 0; m < mcus; m++) {
        if (walk->restart_interval && left == 0) {
            size_t after = segment_end(&bits, 0xD0 + next_rst);
            if (!after)
                return 0;
            bits_start(&bits, walk->data, after, walk->len);
            memset(predictors, 0, sizeof(predictors));
            next_rst = (next_rst + 1) & 7;
            left = walk->restart_interval;
        }
        if (!decode_mcu(&bits, scan, ns, predictors))
            return 0;
        left--;
    }
    return segment_end(&bits, 0xD9);
}

static int parse_dqt(jpeg_walk *walk, const unsigned char *seg, size_t left)
{
    while (left > 0) {
        unsigned precision = seg[0] >> 4, index = seg[0] & 15;
        size_t size = 1 + (precision ? 128 : 64);
        if (index >= 4 || precision > 1 || left < size)
            return 0;
        walk->quant_defined[index] = 1;
        seg += size;
        left -= size;
    }
    return 1;
}

static int parse_dht(jpeg_walk *walk, const unsigned char *seg, size_t left)
{
    while (left > 0) {
        unsigned klass = seg[0] >> 4, index = seg[0] & 15;
        int count = 0;
        if (left < 17 || klass > 1 || index >= 4)
            return 0;
        for (int i = 1; i <= 16; i++)
            count += seg[i];
        if (count > 256 || (size_t)count > left - 17)
            return 0;
        if (!huff_build(klass ? &walk->ac[index].huff : &walk->dc[index], seg + 1, seg + 17,
                        count, klass == 0))
            return 0;
        if (klass)
            ac_codes_build(&walk->ac[index]);
        seg += 17 + (size_t)count;
        left -= 17 + (size_t)count;
    }
    return 1;
}

static int parse_sof(jpeg_walk *walk, const unsigned char *seg, size_t left)
{
    int blocks = 0;

    if (walk->have_frame || left < 6 || seg[0] != 8)
        return 0;
    walk->height = (int)be16(seg + 1);
    walk->width = (int)be16(seg + 3);
    walk->ncomponents = seg[5];
    if (walk->width <= 0 || walk->height <= 0 || walk->width > MAX_DIMENSION ||
        walk->height > MAX_DIMENSION || (walk->ncomponents != 1 && walk->ncomponents != 3) ||
        left != 6 + 3 * (size_t)walk->ncomponents)
        return 0;
    for (int c = 0; c < walk->ncomponents; c++) {
        frame_component *frame_comp = &walk->comp[c];
        frame_comp->id = seg[6 + 3 * c];
        frame_comp->h = seg[7 + 3 * c] >> 4;
        frame_comp->v = seg[7 + 3 * c] & 15;
        frame_comp->quant = seg[8 + 3 * c];
        if (frame_comp->h < 1 || frame_comp->h > 2 || frame_comp->v < 1 || frame_comp->v > 2 ||
            frame_comp->quant >= 4)
            return 0;
        for (int d = 0; d < c; d++)
            if (walk->comp[d].id == frame_comp->id)
                return 0;
        walk->hmax = frame_comp->h > walk->hmax ? frame_comp->h : walk->hmax;
        walk->vmax = frame_comp->v > walk->vmax ? frame_comp->v : walk->vmax;
        blocks += frame_comp->h * frame_comp->v;
    }
    if (walk->ncomponents > 1 && blocks > MAX_BLOCKS_IN_MCU)
        return 0;
    walk->have_frame = 1;
    return 1;
}

/* The scan header: every frame component once, in the frame's order, with
 * defined tables, and the sequential spectral selection (0..63, no
 * successive approximation). */
static int parse_sos(const jpeg_walk *walk, const unsigned char *seg, size_t left,
                     scan_component *scan, int *ns)
{
    if (!walk->have_frame || left < 1)
        return 0;
    *ns = seg[0];
    if (*ns != walk->ncomponents || left != 4 + 2 * (size_t)*ns)
        return 0;
    /* in the frame's order: libjpeg-turbo 2.1's get_sos matches a scan's
     * components to the frame's by position too, and refuses another
     * order (JERR_BAD_COMPONENT_ID) */
    for (int i = 0; i < *ns; i++) {
        unsigned id = seg[1 + 2 * i], td = seg[2 + 2 * i] >> 4, ta = seg[2 + 2 * i] & 15;
        if ((unsigned)walk->comp[i].id != id || td >= 4 || ta >= 4 || !walk->dc[td].defined ||
            !walk->ac[ta].huff.defined || !walk->quant_defined[walk->comp[i].quant])
            return 0;
        scan[i].frame_comp = &walk->comp[i];
        scan[i].dc = &walk->dc[td];
        scan[i].ac = &walk->ac[ta];
    }
    seg += 1 + 2 * *ns;
    return seg[0] == 0 && seg[1] == 63 && seg[2] == 0;
}

/* One marker segment before the scan; 'body' and 'left' exclude the length. */
static int parse_segment(jpeg_walk *walk, unsigned marker, const unsigned char *body, size_t left)
{
    switch (marker) {
    case 0xDB: return parse_dqt(walk, body, left);
    case 0xC4: return parse_dht(walk, body, left);
    case 0xC0: /* baseline */
    case 0xC1: return parse_sof(walk, body, left); /* extended sequential, Huffman */
    case 0xDD:
        if (left != 2)
            return 0;
        walk->restart_interval = be16(body);
        return 1;
    default: /* APPn and COM; anything else goes to libjpeg */
        return (marker >= 0xE0 && marker <= 0xEF) || marker == 0xFE;
    }
}

cxr_status cxr_jpeg_scan(const unsigned char *data, size_t len)
{
    jpeg_walk walk;
    size_t pos = 2;

    if (!data || len < 4 || data[0] != 0xFF || data[1] != 0xD8)
        return NOT_VOUCHED;
    memset(&walk, 0, sizeof(walk));
    walk.data = data;
    walk.len = len;
    for (;;) {
        unsigned marker;
        size_t seglen;

        if (pos >= len || data[pos] != 0xFF)
            return NOT_VOUCHED;
        while (pos < len && data[pos] == 0xFF)
            pos++;
        if (len - pos < 3)
            return NOT_VOUCHED;
        marker = data[pos++];
        seglen = be16(data + pos);
        if (seglen < 2 || seglen > len - pos)
            return NOT_VOUCHED;
        if (marker == 0xDA) {
            scan_component scan[MAX_COMPONENTS];
            int ns = 0;
            if (!parse_sos(&walk, data + pos + 2, seglen - 2, scan, &ns))
                return NOT_VOUCHED;
            return scan_data(&walk, scan, ns, pos + seglen) ? CXR_OK : NOT_VOUCHED;
        }
        if (!parse_segment(&walk, marker, data + pos + 2, seglen - 2))
            return NOT_VOUCHED;
        pos += seglen;
    }
}
