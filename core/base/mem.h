/* mem.h — allocation that never returns NULL.
 *
 * Kubilitics treats running out of memory as fatal (as Redis does): every
 * allocation goes through these wrappers, which abort with a log line instead
 * of returning NULL, so callers never carry an OOM branch they cannot test.
 * Memory from these functions is released with free().
 */
#ifndef KB_BASE_MEM_H
#define KB_BASE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Copy n bytes of p into a fresh allocation (no terminator added). */
void *xmemdup(const void *p, size_t n);

#endif
