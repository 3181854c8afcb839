/* hash.c: SHA-256 through OpenSSL's EVP interface, as lowercase hex. */
#include "hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fsutil.h"

struct cxr_sha256 {
    EVP_MD_CTX *ctx;
};

/* libcrypto sets itself up on first use, and OpenSSL 3 does not survive
 * running out of memory there (it keeps a NULL lock and crashes on the next
 * call). Set it up before main, where nothing else is allocating; the
 * executables then check it with cxr_hash_init(). */
__attribute__((constructor)) static void setup_libcrypto(void)
{
    char hex[CXR_SHA256_HEX];
    if (OPENSSL_init_crypto(0, NULL) == 1)
        cxr_sha256_buf("", 0, hex);
}

cxr_status cxr_hash_init(void)
{
    char hex[CXR_SHA256_HEX];

    cxr_sha256_buf("", 0, hex);
    return strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
               ? CXR_ERR_NOMEM
               : CXR_OK;
}

cxr_sha256 *cxr_sha256_new(void)
{
    cxr_sha256 *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        cxr_sha256_free(h);
        return NULL;
    }
    return h;
}

void cxr_sha256_update(cxr_sha256 *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * n] = '\0';
}

void cxr_sha256_final(cxr_sha256 *h, char hex[CXR_SHA256_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    to_hex(md, n, hex);
    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void cxr_sha256_free(cxr_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void cxr_sha256_buf(const void *data, size_t len, char hex[CXR_SHA256_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
        n = 0; /* an empty digest, never a wrong one */
    to_hex(md, n, hex);
}

cxr_status cxr_sha256_file(const char *path, char hex[CXR_SHA256_HEX],
                           uint64_t *size, cxr_error *err)
{
    FILE *f = fopen(path, "rb");
    unsigned char buf[1 << 16];
    uint64_t total = 0;
    cxr_sha256 *h;
    size_t got;

    if (!f)
        return cxr_fail_open(err, path, errno);
    h = cxr_sha256_new();
    if (!h) {
        fclose(f);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory hashing '%s'", path);
    }
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
        cxr_sha256_update(h, buf, got);
        total += got;
    }
    if (ferror(f)) {
        int e = errno;
        cxr_sha256_free(h);
        fclose(f);
        return cxr_fail(err, CXR_ERR_IO, "cannot read '%s': %s", path, strerror(e));
    }
    fclose(f);
    cxr_sha256_final(h, hex);
    cxr_sha256_free(h);
    if (size)
        *size = total;
    return CXR_OK;
}

int cxr_sha256_valid(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}
