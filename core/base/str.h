/* str.h — string views and small string helpers.
 *
 * An sv_t borrows bytes it does not own; it is valid as long as the owner
 * keeps them. Nothing here allocates except sv_dup().
 */
#ifndef KB_BASE_STR_H
#define KB_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sv {
    const char *p;
    size_t n;
} sv_t;

#define SV(lit) ((sv_t){(lit), sizeof(lit) - 1})

static inline sv_t sv_from(const char *s) { return (sv_t){s, s ? strlen(s) : 0}; }
static inline sv_t sv_make(const char *p, size_t n) { return (sv_t){p, n}; }
static inline bool sv_eq(sv_t a, sv_t b) { return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0); }
static inline bool sv_eq_cstr(sv_t a, const char *s) { return sv_eq(a, sv_from(s)); }
bool sv_case_eq(sv_t a, sv_t b);
bool sv_starts_with(sv_t s, sv_t prefix);
bool sv_ends_with(sv_t s, sv_t suffix);
sv_t sv_trim(sv_t s);
/* Split at the first c: returns the part before it and advances *s past it.
 * When c is absent, returns all of *s and leaves *s empty. */
sv_t sv_cut(sv_t *s, char c);
/* Parse a whole decimal integer (optional '-'); false on any junk or overflow. */
bool sv_to_i64(sv_t s, int64_t *out);
/* Fresh NUL-terminated copy; caller frees. */
char *sv_dup(sv_t s);

/* Percent-decode src into dst (which holds at least src.n + 1 bytes);
 * '+' becomes a space when plus_space. Returns the length, or -1 on a bad
 * escape. dst is NUL-terminated. */
long url_decode(sv_t src, char *dst, bool plus_space);

#endif
