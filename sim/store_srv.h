/* store_srv.h — the parts of the store only the API server half uses:
 * consistent paged listing, the watch event window, and the shared wire
 * bytes of each event.
 *
 * Owned by the API-server half (store.c implements it). Borrowed pointers
 * follow store.h's rule: valid until sim_store_gc().
 */
#ifndef KB_SIM_STORE_SRV_H
#define KB_SIM_STORE_SRV_H

#include "store.h"

typedef bool (*sim_filter_fn)(const sim_obj_t *o, void *ud);

typedef struct sim_page {
    const sim_obj_t **items; /* owned by the page (free with sim_page_free) */
    size_t n;
    uint64_t rv;        /* the snapshot the page was read at */
    char *next_key;     /* last key returned when more remain, else NULL */
    long remaining;     /* items after this page (-1 when unknown: selectors) */
} sim_page_t;

/* One page of a kind in (namespace, name) order as the store was at
 * resourceVersion at_rv (0 → now), starting after the key after_key (NULL →
 * from the start), at most limit items (0 → no limit) that pass filter (NULL
 * → all). SIM_ERR_GONE when at_rv is older than the event window can
 * reconstruct. ns NULL or "" → every namespace. */
int sim_list_page(sim_store_t *s, const sim_kind_t *k, const char *ns, uint64_t at_rv, const char *after_key,
                  size_t limit, sim_filter_fn filter, void *ud, sim_page_t *out, err_t *err);
void sim_page_free(sim_page_t *p);
/* The sort key of an object ("ns/name", "/name" when cluster-scoped). */
void sim_obj_key(const sim_obj_t *o, char *out, size_t cap);

/* Visit the recorded changes with rv > since_rv, oldest first. SIM_ERR_GONE
 * when some of them have already left the window. fn returns false to
 * stop. */
int sim_window_each(sim_store_t *s, uint64_t since_rv, bool (*fn)(const sim_event_t *ev, void *ud), void *ud,
                    err_t *err);
/* The oldest resourceVersion a watch can resume from. */
uint64_t sim_window_oldest(const sim_store_t *s);

/* `{"type":"MODIFIED","object":{…}}\n` for an event, printed once and
 * shared by every watcher (valid while the event is in the window or being
 * delivered). */
sv_t sim_event_line(const sim_event_t *ev);

#endif
