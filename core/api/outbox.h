/* outbox.h — one subscriber's pending topology deltas, coalesced and bounded.
 *
 * The WebSocket layer puts every node and edge change in scope into the
 * subscriber's outbox, keyed by node ID or edge (source, target, type). A
 * later change to the same key replaces the earlier one, so a client that
 * reads slowly receives the latest state of each object once, not every
 * intermediate step. The outbox holds at most max_bytes of JSON; past that
 * it empties itself and flags `overflowed`, and the caller sends `resync`
 * instead of deltas. Nothing here grows without bound.
 *
 * Entries leave in the order their keys first entered (FIFO by first
 * change), which keeps a Pod's upsert before the edge upserts that name it.
 *
 * Sharing. The WebSocket layer keeps one outbox per channel (subscribers
 * of the same scope and access) and sends each batch it detaches to every
 * member that keeps up: api_outbox_detach takes the entries out,
 * api_outbox_batch_body writes the message once without its "sub" member
 * (each member's `{"sub":"ID"` is put in front), and a member that is held
 * back gets the same entries in its own outbox with api_outbox_put_batch,
 * where they coalesce as above.
 */
#ifndef KB_API_OUTBOX_H
#define KB_API_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/map.h"

enum { OUTBOX_NODE = 0, OUTBOX_EDGE = 1 };
enum { OUTBOX_UPSERT = 0, OUTBOX_REMOVE = 1 };

typedef struct outbox_entry outbox_entry_t;

typedef struct api_outbox {
    map_t index;                  /* key → entry */
    outbox_entry_t *head, *tail;  /* first-change order */
    size_t count;
    size_t bytes;                 /* JSON bytes held */
    size_t max_bytes;
    bool overflowed;
    uint64_t coalesced_total;     /* changes absorbed by a later one */
    char rv[32];                  /* newest resourceVersion put */
} api_outbox_t;

void api_outbox_init(api_outbox_t *o, size_t max_bytes);
void api_outbox_free(api_outbox_t *o);
/* json: the node or edge object for an upsert, or the ID (node) / edge
 * object (edge) for a remove, as JSON text; copied. rv may be NULL. */
void api_outbox_put(api_outbox_t *o, int kind, int op, const char *key, size_t klen, const char *json,
                    size_t jlen, const char *rv);
/* Move up to about max_bytes of entries into one delta message for
 * subscription sub (the contract's {"sub","type":"delta",…}); returns the
 * number of entries taken (0: nothing pending, msg untouched). */
size_t api_outbox_take(api_outbox_t *o, const char *sub, size_t max_bytes, buf_t *msg);
/* Forget everything and clear the overflow flag (after a resync). */
void api_outbox_clear(api_outbox_t *o);

/* Entries detached from an outbox, in order, with the outbox's newest
 * resourceVersion at the time. */
typedef struct api_outbox_batch {
    outbox_entry_t *head;
    size_t n;
    char rv[32];
} api_outbox_batch_t;

/* Detach up to about max_bytes of entries (at least one) into b; returns
 * how many (0: nothing pending, b empty). */
size_t api_outbox_detach(api_outbox_t *o, size_t max_bytes, api_outbox_batch_t *b);
/* Append the delta message of b after its "sub" member:
 * ,"type":"delta","resourceVersion":…,"nodes":{…},"edges":{…}} */
void api_outbox_batch_body(const api_outbox_batch_t *b, buf_t *out);
/* Put every entry of b into o (coalescing with what o holds). */
void api_outbox_put_batch(api_outbox_t *o, const api_outbox_batch_t *b);
void api_outbox_batch_free(api_outbox_batch_t *b);

#endif
