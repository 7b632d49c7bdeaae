/* intern.c — reference-counted string interning; see intern.h.
 *
 * Each string is one allocation holding its hash, length and bytes. The
 * lookup table holds ids only (4 bytes a slot) and compares through the
 * string blocks, which keeps the table small at hundreds of thousands of
 * names. Linear probing with backward-shift deletion: no tombstones, so
 * churn never lengthens probes.
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

static void table_grow(intern_t *t)
{
    uint32_t ncap = t->tcap ? t->tcap * 2 : 64;
    uint32_t *nt = xcalloc(ncap, sizeof *nt);
    for (uint32_t i = 0; i < t->tcap; i++) {
        uint32_t v = t->table[i];
        if (!v) continue;
        uint32_t j = t->strs[v - 1]->hash & (ncap - 1);
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
        uint32_t v = t->table[i];
        if (!v) {
            *slot = i;
            return INTERN_NONE;
        }
        const intern_str_t *e = t->strs[v - 1];
        if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0) {
            *slot = i;
            return v - 1;
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
    t->table[slot] = id + 1;
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
    while (t->table[i] != id + 1) i = (i + 1) & mask;
    /* Backward shift: pull later members of the probe run into the hole. */
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        uint32_t v = t->table[j];
        if (!v) break;
        uint32_t home = t->strs[v - 1]->hash & mask;
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
