/* index.h — the small hash structures behind the store and graph indexes.
 *
 * tmap_t maps a key of three uint32_t (e.g. namespace, label key, label
 * value ids) to one uint32_t: 16 bytes a slot, open addressing with linear
 * probing and backward-shift deletion.
 * plist_pool_t holds posting lists (growable uint32_t arrays of object ids)
 * named by a uint32_t; a tmap value usually names one. Removal from a list
 * is swap-with-last, so lists are unordered sets.
 * Both are owned by whoever embeds them; nothing here touches the loop.
 */
#ifndef KB_STORE_INDEX_H
#define KB_STORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tmap_slot {
    uint32_t a, b, c;
    uint32_t v; /* value + 1; 0 = empty */
} tmap_slot_t;

typedef struct tmap {
    tmap_slot_t *s;
    uint32_t cap, len;
} tmap_t;

void tmap_free(tmap_t *m);
/* The value for (a,b,c), or UINT32_MAX when absent. */
uint32_t tmap_get(const tmap_t *m, uint32_t a, uint32_t b, uint32_t c);
/* Insert or replace. v must be < UINT32_MAX. */
void tmap_put(tmap_t *m, uint32_t a, uint32_t b, uint32_t c, uint32_t v);
bool tmap_del(tmap_t *m, uint32_t a, uint32_t b, uint32_t c);
size_t tmap_bytes(const tmap_t *m);

typedef struct plist {
    uint32_t *v;
    uint32_t n, cap; /* cap == UINT32_MAX marks a free entry */
} plist_t;

typedef struct plist_pool {
    plist_t *l;
    uint32_t n, cap;
    uint32_t free_head; /* free entries chained through n; UINT32_MAX = none */
    size_t bytes;
} plist_pool_t;

void plist_pool_init(plist_pool_t *p);
void plist_pool_free(plist_pool_t *p);
uint32_t plist_new(plist_pool_t *p);
void plist_release(plist_pool_t *p, uint32_t id);
void plist_add(plist_pool_t *p, uint32_t id, uint32_t v);
/* Remove one occurrence of v; returns the list's new length. */
uint32_t plist_remove(plist_pool_t *p, uint32_t id, uint32_t v);
static inline plist_t *plist_get(plist_pool_t *p, uint32_t id)
{
    return &p->l[id];
}

/* Keyed posting lists: (a,b,c) → list, created on first add and released
 * when emptied. */
typedef struct pindex {
    tmap_t map;
    plist_pool_t *pool;
} pindex_t;

void pindex_add(pindex_t *x, uint32_t a, uint32_t b, uint32_t c, uint32_t v);
void pindex_remove(pindex_t *x, uint32_t a, uint32_t b, uint32_t c, uint32_t v);
/* The list for a key, or NULL. Valid until the next change of the index. */
const plist_t *pindex_get(const pindex_t *x, uint32_t a, uint32_t b, uint32_t c);

/* 32-bit mix of three words (also used for object-ID hashes). */
static inline uint32_t idx_hash3(uint32_t a, uint32_t b, uint32_t c)
{
    uint64_t h = ((uint64_t)a * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)b * 0xC2B2AE3D27D4EB4Full) ^
                 ((uint64_t)c * 0x165667B19E3779F9ull);
    h ^= h >> 31;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
    return (uint32_t)h;
}

#endif
