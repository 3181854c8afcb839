/* strmap.h: a hash map from strings (copied) to a size_t, for duplicate
 * checks and look-ups by name. Not thread-safe; one owner. */
#ifndef CXR_STRMAP_H
#define CXR_STRMAP_H

#include <stddef.h>

typedef struct cxr_strmap cxr_strmap;

cxr_strmap *cxr_strmap_new(void);       /* NULL when out of memory */
void cxr_strmap_free(cxr_strmap *map);   /* NULL is a no-op */
/* Adds 'key' with 'value' unless present. Returns 1 if added, 0 if the key
 * was there (its value is left as it was), -1 when out of memory. */
int cxr_strmap_add(cxr_strmap *map, const char *key, size_t value);
/* 1 and *value (may be NULL) if present; 0 otherwise. */
int cxr_strmap_get(const cxr_strmap *map, const char *key, size_t *value);
size_t cxr_strmap_size(const cxr_strmap *map);

#endif
