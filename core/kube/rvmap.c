/* rvmap.c — per-key resourceVersion memory; see rvmap.h. */
#include "kube/rvmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

typedef struct kube_rv_entry {
    uint64_t rv;
    uint32_t gen;
} kube_rv_entry_t;

#define RV_OPAQUE (1ull << 63)

uint64_t kube_rv_encode(const char *rv)
{
    if (!rv || !*rv) return 0;
    uint64_t v = 0;
    const char *p = rv;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (RV_OPAQUE - 1 - 9) / 10) break; /* would reach the opaque range */
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (!*p && p - rv <= 19) return v;
    return hash_bytes(rv, strlen(rv)) | RV_OPAQUE;
}

int kube_rv_cmp(uint64_t a, uint64_t b)
{
    if (a == b) return 0;
    if ((a | b) & RV_OPAQUE) return 0;
    return a < b ? -1 : 1;
}

void kube_rvmap_begin_pass(kube_rvmap_t *m) { m->gen++; }

int kube_rvmap_put(kube_rvmap_t *m, const char *key, size_t klen, uint64_t rv)
{
    kube_rv_entry_t *e = map_get(&m->keys, key, klen);
    if (!e) {
        e = xmalloc(sizeof *e);
        e->rv = rv;
        e->gen = m->gen;
        map_put(&m->keys, key, klen, e);
        return KUBE_RV_ADDED;
    }
    e->gen = m->gen;
    if (e->rv == rv) return KUBE_RV_SAME;
    e->rv = rv;
    return KUBE_RV_CHANGED;
}

bool kube_rvmap_del(kube_rvmap_t *m, const char *key, size_t klen)
{
    kube_rv_entry_t *e = map_del(&m->keys, key, klen);
    free(e);
    return e != NULL;
}

bool kube_rvmap_has(const kube_rvmap_t *m, const char *key, size_t klen)
{
    return map_get(&m->keys, key, klen) != NULL;
}

size_t kube_rvmap_sweep(kube_rvmap_t *m, void (*on_gone)(const char *key, size_t klen, void *ud), void *ud)
{
    /* Collect first: the map's iteration is invalidated by deletes. */
    size_t n = 0, cap = 0;
    char **gone = NULL;
    size_t *lens = NULL;
    map_slot_t *s;
    for (size_t it = 0; map_next(&m->keys, &it, &s);) {
        const kube_rv_entry_t *e = s->val;
        if (e->gen == m->gen) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            gone = xrealloc(gone, cap * sizeof *gone);
            lens = xrealloc(lens, cap * sizeof *lens);
        }
        gone[n] = xmemdup(s->key, s->klen);
        lens[n++] = s->klen;
    }
    for (size_t i = 0; i < n; i++) {
        if (on_gone) on_gone(gone[i], lens[i], ud);
        kube_rvmap_del(m, gone[i], lens[i]);
        free(gone[i]);
    }
    free(gone);
    free(lens);
    return n;
}

void kube_rvmap_free(kube_rvmap_t *m)
{
    map_slot_t *s;
    for (size_t it = 0; map_next(&m->keys, &it, &s);) free(s->val);
    map_free(&m->keys);
    m->gen = 0;
}
