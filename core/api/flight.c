/* flight.c — live request coalescing; see flight.h. */
#include "api/flight.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void api_flights_init(api_flights_t *fl) { memset(fl, 0, sizeof *fl); }

static void flight_free(api_flight_t *f)
{
    free(f->key);
    free(f);
}

void api_flights_free(api_flights_t *fl)
{
    map_slot_t *s;
    for (size_t it = 0; map_next(&fl->m, &it, &s);) {
        api_flight_t *f = s->val;
        if (f->cancel) f->cancel(f->cancel_ud);
        for (api_flight_waiter_t *w = f->head; w; w = w->next) w->flight = NULL;
        flight_free(f);
    }
    map_free(&fl->m);
}

api_flight_t *api_flight_join(api_flights_t *fl, const char *key, size_t klen, api_flight_waiter_t *w,
                              api_flight_fn fn, void *ud, bool *first)
{
    api_flight_t *f = map_get(&fl->m, key, klen);
    *first = f == NULL;
    if (!f) {
        f = xcalloc(1, sizeof *f);
        f->key = xmemdup(key, klen);
        f->klen = klen;
        map_put(&fl->m, f->key, klen, f);
    } else fl->coalesced_total++;
    w->fn = fn;
    w->ud = ud;
    w->flight = f;
    w->next = NULL;
    w->prev = f->tail;
    if (f->tail) f->tail->next = w;
    else f->head = w;
    f->tail = w;
    f->nwaiters++;
    return f;
}

void api_flight_leave(api_flights_t *fl, api_flight_waiter_t *w)
{
    api_flight_t *f = w->flight;
    if (!f) return;
    if (w->prev) w->prev->next = w->next;
    else f->head = w->next;
    if (w->next) w->next->prev = w->prev;
    else f->tail = w->prev;
    w->flight = NULL;
    if (--f->nwaiters) return;
    map_del(&fl->m, f->key, f->klen);
    if (f->cancel) f->cancel(f->cancel_ud);
    flight_free(f);
}

void api_flight_finish(api_flights_t *fl, api_flight_t *f, const kube_response_t *res)
{
    map_del(&fl->m, f->key, f->klen);
    /* detach the list first: callbacks may free their waiters */
    api_flight_waiter_t *w = f->head;
    f->head = f->tail = NULL;
    while (w) {
        api_flight_waiter_t *next = w->next;
        w->flight = NULL;
        w->fn(res, w->ud);
        w = next;
    }
    flight_free(f);
}
