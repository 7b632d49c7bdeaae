/* arena.h — bump allocation for data that dies together.
 *
 * Allocations are carved from large blocks and released all at once with
 * arena_free() (or reused with arena_reset()). Use it for per-request or
 * per-build scratch: a parsed query, a layout pass, an export. Nothing
 * allocated here may be passed to free().
 */
#ifndef KB_BASE_ARENA_H
#define KB_BASE_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block_t;

typedef struct arena {
    arena_block_t *head;
    size_t block_size; /* 0 → 64 KiB */
    size_t used_total; /* bytes handed out, for metrics */
} arena_t;

void *arena_alloc(arena_t *a, size_t n);  /* 16-byte aligned, zeroed */
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_strdup(arena_t *a, const char *s);
/* Keep the first block, drop the rest, forget every allocation. */
void arena_reset(arena_t *a);
void arena_free(arena_t *a);

#endif
