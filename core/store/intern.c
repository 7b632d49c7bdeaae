/* intern.c — reference-counted string interning; see intern.h.
 *
 * Each string is one allocation holding its hash, length and bytes. A slot
 * of the lookup table holds the string's id and its 32-bit hash (8 bytes):
 * probing compares hashes in the table itself and follows an id to its
 * string block only when the hashes agree, so a lookup costs one cache
 * miss for the probe run and one for the match, and a miss (every new
 * name during a sync) usually none beyond the first. Growing and deleting
 * never touch the string blocks either. Linear probing with backward-shift
 * deletion: no tombstones, so churn never lengthens probes.
 */
#include "store/intern.h"

#include <stdlib.h>
#include <string.h>

#include "base/map.h"
#include "base/mem.h"

struct intern_str {
    uint32_t hash, len;
    char s[];
};

static uint32_t str_hash(const char *s, size_t n)
{
    return (uint32_t)hash_bytes(s, n);
}

void intern_init(intern_t *t)
{
    memset(t, 0, sizeof *t);
    (void)intern_add(t, "", 0); /* id 0 */
}

void intern_free(intern_t *t)
{
    for (uint32_t i = 0; i < t->n; i++) free(t->strs[i]);
    free(t->strs);
    free(t->refs);
    free(t->free_ids);
    free(t->table);
    memset(t, 0, sizeof *t);
}

#define SLOT_HASH(v) ((uint32_t)((v) >> 32))
#define SLOT_ID(v) ((uint32_t)(v) - 1)

static void table_grow(intern_t *t)
{
    uint32_t ncap = t->tcap ? t->tcap * 2 : 64;
    uint64_t *nt = xcalloc(ncap, sizeof *nt);
    for (uint32_t i = 0; i < t->tcap; i++) {
        uint64_t v = t->table[i];
        if (!v) continue;
        uint32_t j = SLOT_HASH(v) & (ncap - 1);
        while (nt[j]) j = (j + 1) & (ncap - 1);
        nt[j] = v;
    }
    free(t->table);
    t->table = nt;
    t->tcap = ncap;
}

static uint32_t lookup(const intern_t *t, const char *s, size_t n, uint32_t h, uint32_t *slot)
{
    if (!t->tcap) {
        *slot = 0;
        return INTERN_NONE;
    }
    uint32_t mask = t->tcap - 1, i = h & mask;
    for (;;) {
        uint64_t v = t->table[i];
        if (!v) {
            *slot = i;
            return INTERN_NONE;
        }
        if (SLOT_HASH(v) == h) {
            const intern_str_t *e = t->strs[SLOT_ID(v)];
            if (e->len == n && memcmp(e->s, s, n) == 0) {
                *slot = i;
                return SLOT_ID(v);
            }
        }
        i = (i + 1) & mask;
    }
}

uint32_t intern_find(const intern_t *t, const char *s, size_t n)
{
    uint32_t slot;
    return lookup(t, s, n, str_hash(s, n), &slot);
}

uint32_t intern_add(intern_t *t, const char *s, size_t n)
{
    uint32_t h = str_hash(s, n), slot;
    uint32_t id = lookup(t, s, n, h, &slot);
    if (id != INTERN_NONE) {
        t->refs[id]++;
        return id;
    }
    if ((t->tlen + 1) * 4 > t->tcap * 3) {
        table_grow(t);
        (void)lookup(t, s, n, h, &slot);
    }
    if (t->nfree) {
        id = t->free_ids[--t->nfree];
    } else {
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 256;
            t->strs = xrealloc(t->strs, t->cap * sizeof *t->strs);
            t->refs = xrealloc(t->refs, t->cap * sizeof *t->refs);
        }
        id = t->n++;
    }
    intern_str_t *e = xmalloc(sizeof *e + n + 1);
    e->hash = h;
    e->len = (uint32_t)n;
    memcpy(e->s, s, n);
    e->s[n] = '\0';
    t->strs[id] = e;
    t->refs[id] = 1;
    t->table[slot] = (uint64_t)h << 32 | (id + 1);
    t->tlen++;
    t->str_bytes += sizeof *e + n + 1;
    return id;
}

void intern_ref(intern_t *t, uint32_t id)
{
    if (id != INTERN_NONE) t->refs[id]++;
}

static void table_remove(intern_t *t, uint32_t id)
{
    intern_str_t *e = t->strs[id];
    uint32_t mask = t->tcap - 1, i = e->hash & mask;
    while ((uint32_t)t->table[i] != id + 1) i = (i + 1) & mask;
    /* Backward shift: pull later members of the probe run into the hole. */
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        uint64_t v = t->table[j];
        if (!v) break;
        uint32_t home = SLOT_HASH(v) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->table[i] = v;
            i = j;
        }
    }
    t->table[i] = 0;
    t->tlen--;
}

void intern_unref(intern_t *t, uint32_t id)
{
    if (id == 0 || id == INTERN_NONE) return;
    if (--t->refs[id]) return;
    table_remove(t, id);
    t->str_bytes -= sizeof *t->strs[id] + t->strs[id]->len + 1;
    free(t->strs[id]);
    t->strs[id] = NULL;
    if (t->nfree == t->free_cap) {
        t->free_cap = t->free_cap ? t->free_cap * 2 : 64;
        t->free_ids = xrealloc(t->free_ids, t->free_cap * sizeof *t->free_ids);
    }
    t->free_ids[t->nfree++] = id;
}

const char *intern_str(const intern_t *t, uint32_t id)
{
    return id < t->n && t->strs[id] ? t->strs[id]->s : "";
}
uint32_t intern_len(const intern_t *t, uint32_t id)
{
    return id < t->n && t->strs[id] ? t->strs[id]->len : 0;
}
uint32_t intern_hash(const intern_t *t, uint32_t id)
{
    return t->strs[id]->hash;
}
size_t intern_count(const intern_t *t)
{
    return t->n - t->nfree;
}

size_t intern_bytes(const intern_t *t)
{
    /* Each block also pays the allocator's header (~16 bytes). */
    return t->str_bytes + intern_count(t) * 16 + (size_t)t->cap * (sizeof *t->strs + sizeof *t->refs) +
           (size_t)t->tcap * sizeof *t->table + t->free_cap * sizeof *t->free_ids;
}
