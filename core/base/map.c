/* map.c — open-addressing hash map; see map.h. */
#include "map.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* A 64-bit multiply-xorshift hash over 8-byte words: fast on short keys such
 * as object IDs and label pairs, and well mixed in the low bits we mask. */
uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 29;
        s += 8, n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w ^ ((uint64_t)n << 56)) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return h;
}

void map_free(map_t *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = 0;
}

static size_t find(const map_t *m, const void *key, size_t klen, uint32_t h, bool *found)
{
    size_t mask = m->cap - 1, i = h & mask;
    for (;;) {
        map_slot_t *s = &m->slots[i];
        if (!s->key) { *found = false; return i; }
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0) { *found = true; return i; }
        i = (i + 1) & mask;
    }
}

static void grow(map_t *m)
{
    size_t oldcap = m->cap;
    map_slot_t *old = m->slots;
    m->cap = oldcap ? oldcap * 2 : 16;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].key) continue;
        size_t j = old[i].hash & (m->cap - 1);
        while (m->slots[j].key) j = (j + 1) & (m->cap - 1);
        m->slots[j] = old[i];
    }
    free(old);
}

void *map_get(const map_t *m, const void *key, size_t klen)
{
    if (!m->len) return NULL;
    bool found;
    size_t i = find(m, key, klen, (uint32_t)hash_bytes(key, klen), &found);
    return found ? m->slots[i].val : NULL;
}

void *map_put(map_t *m, const void *key, size_t klen, void *val)
{
    if ((m->len + 1) * 4 > m->cap * 3) grow(m);
    uint32_t h = (uint32_t)hash_bytes(key, klen);
    bool found;
    size_t i = find(m, key, klen, h, &found);
    map_slot_t *s = &m->slots[i];
    if (found) {
        void *old = s->val;
        s->val = val;
        return old;
    }
    s->key = xmalloc(klen + 1);
    memcpy(s->key, key, klen);
    s->key[klen] = '\0';
    s->klen = (uint32_t)klen;
    s->hash = h;
    s->val = val;
    m->len++;
    return NULL;
}

/* Remove slot i and shift later members of its probe run back, so no
 * tombstone is needed. */
static void remove_at(map_t *m, size_t i)
{
    size_t mask = m->cap - 1;
    free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->len--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        map_slot_t *s = &m->slots[j];
        if (!s->key) break;
        size_t home = s->hash & mask;
        /* s may move to i only if i lies cyclically in [home, j). */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            m->slots[i] = *s;
            s->key = NULL;
            i = j;
        }
    }
}

void *map_del(map_t *m, const void *key, size_t klen)
{
    if (!m->len) return NULL;
    bool found;
    size_t i = find(m, key, klen, (uint32_t)hash_bytes(key, klen), &found);
    if (!found) return NULL;
    void *v = m->slots[i].val;
    remove_at(m, i);
    return v;
}

bool map_next(const map_t *m, size_t *it, map_slot_t **slot)
{
    while (*it < m->cap) {
        map_slot_t *s = &m->slots[(*it)++];
        if (s->key) { *slot = s; return true; }
    }
    return false;
}
