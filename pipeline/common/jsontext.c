/* jsontext.c: json_dumps without its silent truncation. json_dumpb into a
 * buffer of the right size appends with memcpy and allocates nothing per
 * append, so no key can be dropped: measure, allocate, dump again. */
#include "jsontext.h"

#include <stdlib.h>

char *cxr_json_text(const json_t *json, size_t flags)
{
    size_t len = json ? json_dumpb(json, NULL, 0, flags) : 0;
    char *text;

    if (len == 0)
        return NULL;
    text = malloc(len + 1);
    if (!text)
        return NULL;
    if (json_dumpb(json, text, len, flags) != len) {
        free(text);
        return NULL;
    }
    text[len] = '\0';
    return text;
}
