/* fetch_url.c: what the fetch stage needs to know about a source URL: its
 * scheme (http, https, file or a plain path, nothing else) and filling the
 * image URL template. */
#include "fetch_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* Length of the "scheme" in "scheme://...", or 0 when there is none. */
static size_t scheme_len(const char *url)
{
    size_t i = 0;
    if (!isalpha((unsigned char)url[0]))
        return 0;
    while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
        i++;
    return strncmp(url + i, "://", 3) == 0 ? i : 0;
}

cxr_status cxr_fetch_url_kind(const char *url, cxr_url_kind *kind, cxr_error *err)
{
    size_t n = scheme_len(url);
    if (!url[0])
        return cxr_fail(err, CXR_ERR_CONFIG, "empty source URL");
    if (n == 0)
        *kind = CXR_URL_PATH;
    else if ((n == 4 && strncasecmp(url, "http", 4) == 0) ||
             (n == 5 && strncasecmp(url, "https", 5) == 0))
        *kind = CXR_URL_HTTP;
    else if (n == 4 && strncasecmp(url, "file", 4) == 0)
        *kind = CXR_URL_FILE;
    else
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "unsupported scheme '%.*s' in '%s' (use http, https or file)",
                        (int)n, url, url);
    return CXR_OK;
}

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

char *cxr_fetch_url_fill(const char *tmpl, const char *filename, int encode)
{
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
