/* events.h — the Kubernetes events of one cluster, kept in a bounded ring.
 *
 * Fed by a watch on core/v1 events (events.k8s.io/v1 objects are accepted
 * too: the same event seen through the newer API). Each event is filed
 * under its own key (namespace/name) and updated in place when the cluster
 * bumps its count; a deleted event (the cluster expires them after an hour)
 * leaves. Past max events the least recently updated leaves first. Every
 * record carries the ID of the object it is about (involvedObject /
 * regarding), so the UI can jump from an event to the object and its
 * topology node.
 */
#ifndef KB_API_EVENTS_H
#define KB_API_EVENTS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/map.h"

typedef struct api_event api_event_t;

struct api_event {
    api_event_t *prev, *next; /* update order, oldest first */
    char *key;                /* namespace/name */
    char *id;                 /* Event/ns/name (events.k8s.io: Event.events.k8s.io) */
    char *object;             /* KIND[.GROUP]/NS/NAME of the object it is about */
    char *ns;
    char *type;               /* Normal, Warning */
    char *reason;
    char *message;
    char *source;             /* reporting component */
    int64_t count;
    int64_t first_ms, last_ms;
};

typedef struct api_events {
    map_t by_key;
    api_event_t *head, *tail;
    size_t n, max;
} api_events_t;

void api_events_init(api_events_t *ev, size_t max);
void api_events_free(api_events_t *ev);
/* type: KUBE_EV_ADDED / MODIFIED / DELETED (0/1/2). */
void api_events_apply(api_events_t *ev, int type, const cJSON *obj);

typedef struct api_events_query {
    const char *ns;            /* NULL: all */
    const map_t *objects;      /* object IDs to keep (NULL: all) */
    const char *type;          /* NULL: all; case-insensitive */
    int64_t since_ms;          /* last ≥ since */
    size_t limit;
    /* visibility: may the asker see events of namespace ns? */
    bool (*visible)(const char *ns, void *ud);
    void *ud;
} api_events_query_t;

/* {"items":[{id,object,namespace,type,reason,message,source,count,first,last}…],
 *  "truncated":bool}, newest first. */
void api_events_json(const api_events_t *ev, const api_events_query_t *q, buf_t *out);
/* The object ID of an event's involvedObject/regarding: apiVersion's group
 * joins the kind ("apps/v1" + Deployment → Deployment.apps). */
void api_event_object_id(const cJSON *ref, const char *dflt_ns, buf_t *out);

#endif
