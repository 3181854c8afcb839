/* workdir.c: the work directory's layout and turning source URLs into
 * local files to read. */
#include "workdir.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "hash.h"

static char *format_path(const char *fmt, const char *a, const char *b, const char *c)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + strlen(c) + 1;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, fmt, a, b, c);
    return out;
}

static const char *workdir(const cxr_config *conf)
{
    const char *dir = cxr_config_str(conf, "workdir");
    return dir && *dir ? dir : ".";
}

char *cxr_stage_path(const cxr_config *conf, const char *stage, const char *name)
{
    if (!name)
        return format_path("%s/manifests/%s%s", workdir(conf), stage, "");
    return format_path("%s/manifests/%s/%s", workdir(conf), stage, name);
}

char *cxr_cache_object_path(const cxr_config *conf, const char *sha256)
{
    char prefix[3] = {sha256[0], sha256[0] ? sha256[1] : 0, 0};
    return format_path("%s/cache/objects/%s/%s", workdir(conf), prefix, sha256);
}

char *cxr_cache_url_index_path(const cxr_config *conf, const char *url)
{
    char hex[CXR_SHA256_HEX];
    cxr_sha256_buf(url, strlen(url), hex);
    return format_path("%s/cache/urls/%s%s", workdir(conf), hex, "");
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* file:///abs/path or file://localhost/abs/path, %XX decoded. */
static cxr_status file_url_path(const char *url, char **path, cxr_error *err)
{
    const char *p = url + 7;
    char *out, *o;

    if (strncmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/')
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "file URL '%s' must be absolute (file:///path); use a plain path for a relative file",
                        url);
    out = o = cxr_strdup(p);
    if (!out)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (; *p; p++) {
        if (*p == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
            *o++ = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));
            p += 2;
        } else
            *o++ = *p;
    }
    *o = '\0';
    *path = out;
    return CXR_OK;
}

static cxr_status cached_path(const cxr_config *conf, const char *url, const char *sha256,
                              char **path, cxr_error *err)
{
    char *index = NULL, *object;
    unsigned char *hex = NULL;
    size_t len;

    if (!sha256 || !*sha256) {
        cxr_status st;
        if (!(index = cxr_cache_url_index_path(conf, url)))
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        st = cxr_read_file(index, &hex, &len, NULL);
        if (st == CXR_ERR_NOMEM) {
            free(index);
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        }
        if (st == CXR_OK) {
            while (len && (hex[len - 1] == '\n' || hex[len - 1] == ' '))
                hex[--len] = '\0';
            sha256 = (const char *)hex;
        }
        free(index);
    }
    if (!sha256 || !cxr_sha256_valid(sha256)) {
        free(hex);
        return cxr_fail(err, CXR_ERR_MISSING, "'%s' is not in the cache: run 'cxrprep fetch' first",
                        url);
    }
    object = cxr_cache_object_path(conf, sha256);
    free(hex);
    if (!object)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (!cxr_is_file(object)) {
        free(object);
        return cxr_fail(err, CXR_ERR_MISSING, "'%s' is not in the cache: run 'cxrprep fetch' first",
                        url);
    }
    *path = object;
    return CXR_OK;
}

cxr_status cxr_source_local_path(const cxr_config *conf, const char *url,
                                 const char *sha256, char **path, cxr_error *err)
{
    *path = NULL;
    if (!url || !*url)
        return cxr_fail(err, CXR_ERR_CONFIG, "empty source URL");
    if (strncasecmp(url, "file://", 7) == 0)
        return file_url_path(url, path, err);
    if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0)
        return cached_path(conf, url, sha256, path, err);
    if (strstr(url, "://"))
        return cxr_fail(err, CXR_ERR_UNSUPPORTED,
                        "unsupported URL scheme in '%s' (http, https and file only)", url);
    *path = cxr_strdup(url);
    return *path ? CXR_OK : cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
}

/* --- filling the images URL template --- */

static int unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static size_t encoded_len(const char *s, int encode)
{
    size_t n = 0;
    for (; *s; s++)
        n += (!encode || unreserved((unsigned char)*s)) ? 1 : 3;
    return n;
}

static char *append_name(char *p, const char *s, int encode)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!encode || unreserved(c)) {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    return p;
}

char *cxr_source_url_fill(const char *tmpl, const char *filename)
{
    int encode = strstr(tmpl, "://") != NULL;
    static const char key[] = "{filename}";
    const size_t klen = sizeof(key) - 1;
    size_t count = 0, len;
    const char *s;
    char *out, *p;

    for (s = strstr(tmpl, key); s; s = strstr(s + klen, key))
        count++;
    len = strlen(tmpl) - count * klen + count * encoded_len(filename, encode);
    out = malloc(len + 1);
    if (!out)
        return NULL;
    for (p = out, s = tmpl; *s;) {
        if (strncmp(s, key, klen) == 0) {
            p = append_name(p, filename, encode);
            s += klen;
        } else {
            *p++ = *s++;
        }
    }
    *p = '\0';
    return out;
}
