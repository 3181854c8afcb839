/* strmap.c: open-addressing hash map (FNV-1a, linear probing) from copied
 * strings to size_t values. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char *key;
    size_t value;
} slot;

struct cxr_strmap {
    slot *slots;
    size_t cap, used;
};

static uint64_t hash_string(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

cxr_strmap *cxr_strmap_new(void)
{
    cxr_strmap *map = calloc(1, sizeof(*map));
    if (!map)
        return NULL;
    map->cap = 64;
    map->slots = calloc(map->cap, sizeof(slot));
    if (!map->slots) {
        free(map);
        return NULL;
    }
    return map;
}

void cxr_strmap_free(cxr_strmap *map)
{
    if (!map)
        return;
    for (size_t i = 0; i < map->cap; i++)
        free(map->slots[i].key);
    free(map->slots);
    free(map);
}

static slot *find_slot(slot *slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash_string(key) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(cxr_strmap *map)
{
    size_t ncap = map->cap * 2;
    slot *nslots = calloc(ncap, sizeof(slot));
    if (!nslots)
        return -1;
    for (size_t i = 0; i < map->cap; i++)
        if (map->slots[i].key)
            *find_slot(nslots, ncap, map->slots[i].key) = map->slots[i];
    free(map->slots);
    map->slots = nslots;
    map->cap = ncap;
    return 0;
}

int cxr_strmap_add(cxr_strmap *map, const char *key, size_t value)
{
    slot *s;
    if ((map->used + 1) * 4 > map->cap * 3 && grow(map) != 0)
        return -1;
    s = find_slot(map->slots, map->cap, key);
    if (s->key)
        return 0;
    s->key = strdup(key);
    if (!s->key)
        return -1;
    s->value = value;
    map->used++;
    return 1;
}

int cxr_strmap_get(const cxr_strmap *map, const char *key, size_t *value)
{
    const slot *s = find_slot(map->slots, map->cap, key);
    if (!s->key)
        return 0;
    if (value)
        *value = s->value;
    return 1;
}

size_t cxr_strmap_size(const cxr_strmap *map)
{
    return map->used;
}
