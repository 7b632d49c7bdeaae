/* cursor.h — the `continue` token of resource lists.
 *
 * A page ends at the last item it returned; the token names that item's
 * position in the list order (its sort key, namespace and name), not an
 * offset, so the next page starts right after it even when objects were
 * added or removed in between: nothing is returned twice and nothing that
 * existed through both requests is skipped. The token also carries a hash
 * of the query it belongs to (kind, namespace, selectors, sort), so a token
 * replayed against another query is refused instead of silently paging
 * something else.
 *
 * Encoding: base64url (no padding) of "k1" US qhash US sortkey US ns US name
 * (US = 0x1f, which no Kubernetes name or label can hold). Opaque to
 * clients.
 */
#ifndef KB_API_CURSOR_H
#define KB_API_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define API_CURSOR_MAX 1024 /* bytes of a decoded part */

typedef struct api_cursor {
    uint64_t qhash;
    char sortkey[API_CURSOR_MAX];
    char ns[API_CURSOR_MAX];
    char name[API_CURSOR_MAX];
} api_cursor_t;

/* Append the token to out. */
void api_cursor_encode(const api_cursor_t *c, buf_t *out);
/* ERR_INVALID with a message when the token is not one of ours, or belongs
 * to another query (qhash differs from want_qhash). */
int api_cursor_decode(const char *token, uint64_t want_qhash, api_cursor_t *out, err_t *err);

/* base64url without padding, shared with the confirmation tokens. */
void api_b64url_encode(const void *p, size_t n, buf_t *out);
/* Returns the decoded length, or -1 on a character outside the alphabet. */
long api_b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap);

#endif
