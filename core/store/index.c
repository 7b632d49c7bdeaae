/* index.c — triple-keyed hash map and posting lists; see index.h. */
#include "store/index.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void tmap_free(tmap_t *m)
{
    free(m->s);
    memset(m, 0, sizeof *m);
}

static uint32_t find(const tmap_t *m, uint32_t a, uint32_t b, uint32_t c, bool *found)
{
    uint32_t mask = m->cap - 1, i = idx_hash3(a, b, c) & mask;
    for (;;) {
        const tmap_slot_t *s = &m->s[i];
        if (!s->v) {
            *found = false;
            return i;
        }
        if (s->a == a && s->b == b && s->c == c) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
}

uint32_t tmap_get(const tmap_t *m, uint32_t a, uint32_t b, uint32_t c)
{
    if (!m->cap) return UINT32_MAX;
    bool found;
    uint32_t i = find(m, a, b, c, &found);
    return found ? m->s[i].v - 1 : UINT32_MAX;
}

static void grow(tmap_t *m)
{
    uint32_t oc = m->cap;
    tmap_slot_t *old = m->s;
    m->cap = oc ? oc * 2 : 64;
    m->s = xcalloc(m->cap, sizeof *m->s);
    for (uint32_t i = 0; i < oc; i++) {
        if (!old[i].v) continue;
        uint32_t j = idx_hash3(old[i].a, old[i].b, old[i].c) & (m->cap - 1);
        while (m->s[j].v) j = (j + 1) & (m->cap - 1);
        m->s[j] = old[i];
    }
    free(old);
}

void tmap_put(tmap_t *m, uint32_t a, uint32_t b, uint32_t c, uint32_t v)
{
    if ((m->len + 1) * 4 > m->cap * 3) grow(m);
    bool found;
    uint32_t i = find(m, a, b, c, &found);
    if (!found) m->len++;
    m->s[i] = (tmap_slot_t){a, b, c, v + 1};
}

bool tmap_del(tmap_t *m, uint32_t a, uint32_t b, uint32_t c)
{
    if (!m->cap) return false;
    bool found;
    uint32_t i = find(m, a, b, c, &found);
    if (!found) return false;
    uint32_t mask = m->cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        tmap_slot_t *s = &m->s[j];
        if (!s->v) break;
        uint32_t home = idx_hash3(s->a, s->b, s->c) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->s[i] = *s;
            i = j;
        }
    }
    m->s[i].v = 0;
    m->len--;
    return true;
}

size_t tmap_bytes(const tmap_t *m)
{
    return (size_t)m->cap * sizeof *m->s;
}

void plist_pool_init(plist_pool_t *p)
{
    memset(p, 0, sizeof *p);
    p->free_head = UINT32_MAX;
}

void plist_pool_free(plist_pool_t *p)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (p->l[i].cap != UINT32_MAX) free(p->l[i].v);
    free(p->l);
    memset(p, 0, sizeof *p);
    p->free_head = UINT32_MAX;
}

uint32_t plist_new(plist_pool_t *p)
{
    uint32_t id;
    if (p->free_head != UINT32_MAX) {
        id = p->free_head;
        p->free_head = p->l[id].n;
    } else {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 64;
            p->l = xrealloc(p->l, p->cap * sizeof *p->l);
        }
        id = p->n++;
    }
    p->l[id] = (plist_t){NULL, 0, 0};
    return id;
}

void plist_release(plist_pool_t *p, uint32_t id)
{
    p->bytes -= (size_t)p->l[id].cap * sizeof(uint32_t);
    free(p->l[id].v);
    p->l[id] = (plist_t){NULL, p->free_head, UINT32_MAX};
    p->free_head = id;
}

void plist_add(plist_pool_t *p, uint32_t id, uint32_t v)
{
    plist_t *l = &p->l[id];
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap + l->cap / 2 + 1 : 2;
        p->bytes += (size_t)(nc - l->cap) * sizeof(uint32_t);
        l->v = xrealloc(l->v, nc * sizeof *l->v);
        l->cap = nc;
    }
    l->v[l->n++] = v;
}

uint32_t plist_remove(plist_pool_t *p, uint32_t id, uint32_t v)
{
    plist_t *l = &p->l[id];
    /* Recently added entries are the likeliest to leave soon (churned pods),
     * so search from the end. */
    for (uint32_t i = l->n; i-- > 0;) {
        if (l->v[i] == v) {
            l->v[i] = l->v[--l->n];
            break;
        }
    }
    if (l->cap > 8 && l->n < l->cap / 4) {
        uint32_t nc = l->cap / 2;
        p->bytes -= (size_t)(l->cap - nc) * sizeof(uint32_t);
        l->v = xrealloc(l->v, nc * sizeof *l->v);
        l->cap = nc;
    }
    return l->n;
}

void pindex_add(pindex_t *x, uint32_t a, uint32_t b, uint32_t c, uint32_t v)
{
    uint32_t id = tmap_get(&x->map, a, b, c);
    if (id == UINT32_MAX) {
        id = plist_new(x->pool);
        tmap_put(&x->map, a, b, c, id);
    }
    plist_add(x->pool, id, v);
}

void pindex_remove(pindex_t *x, uint32_t a, uint32_t b, uint32_t c, uint32_t v)
{
    uint32_t id = tmap_get(&x->map, a, b, c);
    if (id == UINT32_MAX) return;
    if (plist_remove(x->pool, id, v) == 0) {
        plist_release(x->pool, id);
        tmap_del(&x->map, a, b, c);
    }
}

const plist_t *pindex_get(const pindex_t *x, uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t id = tmap_get(&x->map, a, b, c);
    return id == UINT32_MAX ? NULL : &x->pool->l[id];
}
