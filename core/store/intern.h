/* intern.h — a string intern table with reference counts.
 *
 * Every string the store keeps (kinds, namespaces, names, label keys and
 * values, column values, extracted field values) lives here once and is
 * named by a uint32_t id. intern_add() takes a reference; intern_unref()
 * drops one and frees the string when the last goes. Id 0 is the empty
 * string, always present and never freed, so a zeroed field means "".
 * intern_find() looks a string up without taking a reference (for queries).
 *
 * Ownership: the table owns its strings; intern_str() pointers stay valid
 * while the caller holds a reference to the id.
 */
#ifndef KB_STORE_INTERN_H
#define KB_STORE_INTERN_H

#include <stddef.h>
#include <stdint.h>

#define INTERN_NONE UINT32_MAX

typedef struct intern_str intern_str_t;

typedef struct intern {
    intern_str_t **strs; /* id → string block, NULL when free */
    uint32_t *refs;
    uint32_t n, cap; /* ids in use + free ids, capacity */
    uint32_t *free_ids;
    uint32_t nfree, free_cap;
    uint64_t *table; /* open addressing: hash << 32 | (id + 1), 0 = empty */
    uint32_t tcap, tlen;
    size_t str_bytes; /* bytes of live string blocks, for stats */
} intern_t;

void intern_init(intern_t *t);
void intern_free(intern_t *t);
uint32_t intern_add(intern_t *t, const char *s, size_t n);
static inline uint32_t intern_addz(intern_t *t, const char *s)
{
    return intern_add(t, s, s ? __builtin_strlen(s) : 0);
}
uint32_t intern_find(const intern_t *t, const char *s, size_t n);
void intern_ref(intern_t *t, uint32_t id);
void intern_unref(intern_t *t, uint32_t id);
const char *intern_str(const intern_t *t, uint32_t id);
uint32_t intern_len(const intern_t *t, uint32_t id);
uint32_t intern_hash(const intern_t *t, uint32_t id);
/* Live strings and an estimate of the heap bytes the table uses. */
size_t intern_count(const intern_t *t);
size_t intern_bytes(const intern_t *t);

#endif
