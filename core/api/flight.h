/* flight.h — identical concurrent live requests coalesced into one.
 *
 * A live GET is keyed by who asks and what (identity key + path + Accept).
 * The first request for a key starts the upstream call; requests with the
 * same key that arrive while it is in flight join it and all get the one
 * answer. A waiter whose client goes away leaves; when the last one leaves,
 * the upstream call is cancelled (through the cancel hook the starter set).
 *
 * Waiters are owned by their callers (embedded in a request's state) and
 * must stay valid until their callback ran or they left. Callbacks run in
 * join order from api_flight_finish; a callback may leave or join other
 * flights, but not touch this one (it is already unlinked).
 */
#ifndef KB_API_FLIGHT_H
#define KB_API_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/map.h"
#include "kube/kube.h"

typedef struct api_flight api_flight_t;
typedef struct api_flight_waiter api_flight_waiter_t;

typedef void (*api_flight_fn)(const kube_response_t *res, void *ud);

struct api_flight_waiter {
    api_flight_waiter_t *prev, *next;
    api_flight_t *flight;
    api_flight_fn fn;
    void *ud;
};

struct api_flight {
    char *key;
    size_t klen;
    api_flight_waiter_t *head, *tail;
    size_t nwaiters;
    void (*cancel)(void *ud); /* set by the starter */
    void *cancel_ud;
};

typedef struct api_flights {
    map_t m;
    size_t coalesced_total; /* joins that did not start a call */
} api_flights_t;

void api_flights_init(api_flights_t *fl);
/* Cancels every flight (without callbacks). */
void api_flights_free(api_flights_t *fl);
/* *first: this waiter created the flight and must start the call (and set
 * f->cancel). */
api_flight_t *api_flight_join(api_flights_t *fl, const char *key, size_t klen, api_flight_waiter_t *w,
                              api_flight_fn fn, void *ud, bool *first);
void api_flight_leave(api_flights_t *fl, api_flight_waiter_t *w);
/* Deliver res to every waiter and forget the flight. */
void api_flight_finish(api_flights_t *fl, api_flight_t *f, const kube_response_t *res);

#endif
