/* mkdemo_util.c: the small helpers of cxrprep-mkdemo: a growable byte
 * buffer, a seeded generator (splitmix64) and atomic file output. */
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "mkdemo.h"

void mkdemo_buf_put(mkdemo_buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        if (!(b->data = realloc(b->data, cap)))
            abort();
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void mkdemo_buf_byte(mkdemo_buf *b, unsigned char c)
{
    mkdemo_buf_put(b, &c, 1);
}

void mkdemo_buf_str(mkdemo_buf *b, const char *s)
{
    mkdemo_buf_put(b, s, strlen(s));
}

void mkdemo_buf_free(mkdemo_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint64_t mkdemo_rng_next(mkdemo_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double mkdemo_rng_unit(mkdemo_rng *r)
{
    return (double)(mkdemo_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double mkdemo_rng_range(mkdemo_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * mkdemo_rng_unit(r);
}

cxr_status mkdemo_write_file(const char *outdir, const char *name, const void *data,
                             size_t len, cxr_error *err)
{
    cxr_atomic_file af;
    char *path = cxr_path_join(outdir, name);
    cxr_status st;

    if (!path)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    st = cxr_atomic_open(&af, path, err);
    if (st == CXR_OK) {
        if (len && fwrite(data, 1, len, af.fp) != len) {
            cxr_atomic_abort(&af);
            st = cxr_fail(err, CXR_ERR_IO, "cannot write '%s'", path);
        } else {
            st = cxr_atomic_commit(&af, err);
        }
    }
    free(path);
    return st;
}
