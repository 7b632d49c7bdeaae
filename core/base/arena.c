/* arena.c — bump allocator; see arena.h. */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct arena_block {
    arena_block_t *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
};

void *arena_alloc(arena_t *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_block_t *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t bs = a->block_size ? a->block_size : 64 * 1024;
        size_t cap = n > bs / 4 ? n : bs; /* big requests get their own block */
        arena_block_t *nb = xmalloc(sizeof *nb + cap);
        nb->cap = cap;
        nb->used = 0;
        if (b && cap == n && b->cap - b->used > n) {
            /* keep the roomy current block in front */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena_t *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

void arena_reset(arena_t *a)
{
    if (!a->head) return;
    arena_block_t *keep = a->head, *b = keep->next;
    while (b) {
        arena_block_t *n = b->next;
        free(b);
        b = n;
    }
    keep->next = NULL;
    keep->used = 0;
    a->used_total = 0;
}

void arena_free(arena_t *a)
{
    arena_block_t *b = a->head;
    while (b) {
        arena_block_t *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->used_total = 0;
}
