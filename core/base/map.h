/* map.h — a hash map from byte-string keys to pointers.
 *
 * Open addressing with linear probing and backward-shift deletion, so there
 * are no tombstones and lookups stay short under churn. The map copies each
 * key into its own storage and frees it on delete; values are borrowed — the
 * map never frees them. Iteration order is unspecified and invalidated by
 * any insert or delete: collect keys first, then change the map.
 */
#ifndef KB_BASE_MAP_H
#define KB_BASE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct map_slot {
    char *key; /* NULL = empty */
    uint32_t klen;
    uint32_t hash;
    void *val;
} map_slot_t;

typedef struct map {
    map_slot_t *slots;
    size_t cap; /* power of two, or 0 */
    size_t len;
} map_t;

uint64_t hash_bytes(const void *p, size_t n);

void map_free(map_t *m); /* keys freed; values untouched */
void *map_get(const map_t *m, const void *key, size_t klen);
static inline void *map_gets(const map_t *m, const char *key) { return map_get(m, key, __builtin_strlen(key)); }
/* Insert or replace; returns the previous value (or NULL). */
void *map_put(map_t *m, const void *key, size_t klen, void *val);
static inline void *map_puts(map_t *m, const char *key, void *val) { return map_put(m, key, __builtin_strlen(key), val); }
/* Remove; returns the removed value (or NULL). */
void *map_del(map_t *m, const void *key, size_t klen);
static inline void *map_dels(map_t *m, const char *key) { return map_del(m, key, __builtin_strlen(key)); }

/* for (size_t it = 0; map_next(m, &it, &slot);) { … } */
bool map_next(const map_t *m, size_t *it, map_slot_t **slot);

#endif
