/* jsontext.h: JSON text that is either whole or absent. */
#ifndef CXR_JSONTEXT_H
#define CXR_JSONTEXT_H

#include <stddef.h>

#include <jansson.h>

/* The text of 'json' as json_dumps(json, flags) writes it, malloc'd (the
 * caller frees it), or NULL when out of memory or 'json' cannot be dumped.
 * Use it instead of json_dumps: out of memory, json_dumps can return a text
 * with an object key missing (jansson 2.14 ignores a failed append of a
 * key when sorting keys), which would pass for the whole text. */
char *cxr_json_text(const json_t *json, size_t flags);

#endif
