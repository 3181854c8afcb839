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
