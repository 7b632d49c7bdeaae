/* api_int.h — what the API's handler files share (not a public header).
 *
 * api_t is the loop-owned context of the whole API; api_cluster_t the API's
 * state for one cluster (delta ring and subscriptions, event ring, metrics
 * history), created when the cluster appears and freed when it is removed;
 * api_req_t one HTTP request being served (identity, cluster, visibility
 * view, the handler's state), freed when its response is finished or its
 * client went away.
 */
#ifndef KB_API_INT_H
#define KB_API_INT_H

#include <cjson/cJSON.h>

#include "api/access.h"
#include "api/api.h"
#include "api/errors.h"
#include "api/events.h"
#include "api/flight.h"
#include "api/identity.h"
#include "api/listcache.h"
#include "api/outbox.h"
#include "api/ratelimit.h"
#include "base/buf.h"
#include "base/map.h"

typedef struct api_cluster api_cluster_t;
typedef struct api_req api_req_t;
typedef struct api_sock api_sock_t;
typedef struct api_sub api_sub_t;
typedef struct api_delta api_delta_t;
typedef struct api_chan api_chan_t;
typedef struct api_metrics api_metrics_t;

struct api {
    uv_loop_t *loop;
    http_server_t *http;
    clusters_t *clusters;
    obs_registry_t *obs;
    api_config_t cfg;
    char *default_user;
    char **default_groups;
    api_ratelimit_t rl;
    api_flights_t flights;
    api_access_t *access;
    map_t acs;           /* cluster id → api_cluster_t */
    api_sock_t *socks;   /* every WebSocket and SSE client */
    size_t nsocks;
    uv_check_t flush;    /* sends pending deltas at the end of the loop turn */
    uv_timer_t tick;     /* 1 s: slow sockets, metrics sampling, cache sweeps */
    int open_handles;
    bool flush_armed;
    bool draining, freeing;
    unsigned char secret[32]; /* confirmation tokens */
    map_t reqinfo;       /* request → user/cluster, for the access log */
    buf_t list_body;     /* resource list pages are built here (reused) */
    obs_metric_t *m_ws_clients, *m_ws_msgs, *m_ws_resyncs, *m_ws_drops, *m_coalesced, *m_ratelimited,
        *m_delta_seconds, *m_access_calls, *m_outbox_bytes, *m_held;
};

/* ---- clusters ---- */

struct api_cluster {
    api_t *api;
    cluster_t *c;
    char *id;
    graph_t *graph;           /* the graph we listen to (NULL until known) */
    /* deltas kept for `since` resumes, oldest first */
    api_delta_t *ring_head, *ring_tail;
    size_t ring_n, ring_bytes;
    /* Positions in the ring are (rv, sub): rv is the cluster's
     * resourceVersion, sub counts deltas that arrived with an rv not above
     * the last one (watch streams of different types interleave), so the
     * order is total and a resume is exact. Written "rv" or "rv.sub". */
    uint64_t floor_rv;        /* the ring is complete only after (floor_rv, floor_sub) */
    uint32_t floor_sub;
    bool floor_set;           /* false until the store first synced */
    uint64_t last_rv;
    uint32_t last_sub;
    api_sub_t *subs;          /* focus subscriptions of this cluster (offered each delta) */
    /* channels (ws.c): the other subscriptions, grouped by (namespace,
     * view) so a delta is filtered and encoded once per group */
    api_chan_t *chans;        /* all of them */
    map_t chans_ns;           /* namespace → first channel of that namespace */
    api_chan_t *chans_all;    /* namespace "" (every namespace) */
    api_events_t events;
    kube_reflector_t *ev_refl;
    bool ev_synced;
    api_metrics_t *metrics;
    api_listcache_t *lists;   /* list orders and rows (resources.c), made on first use */
    struct api_prom_req *prom_reqs; /* Prometheus queries in flight (prom.c) */
    /* topology.c: the content ETag last answered per query, valid while the
     * store generation is unchanged (a direct-mapped table of scope hashes) */
    struct api_topo_tag { uint64_t scope, gen, tag; } topo_tags[64];
    /* kind ID → discovery entry, rebuilt when discovery changes */
    map_t kinds;
    const void *kinds_src;
    size_t kinds_n;
};

api_cluster_t *api_cluster_find(api_t *api, const char *id);
/* The discovery entry of a canonical ID kind ("Deployment.apps"), or NULL. */
const kube_api_resource_t *api_cluster_kind(api_cluster_t *ac, const char *kind_id);
/* Visibility of an object for view v (NULL: everything): 1 yes, 0 no,
 * -1 not decided yet (a decision is being fetched). */
int api_visible(api_cluster_t *ac, api_view_t *v, const char *ns, const char *kind_id);

/* ---- requests ---- */

struct api_req {
    api_t *api;
    http_req_t *r;
    api_identity_t id;
    cluster_t *c;
    api_cluster_t *ac;
    char cid[256];
    api_view_t *view;         /* NULL: unrestricted (the server's identity) */
    api_wait_t *wait;
    api_flight_waiter_t fw;
    kube_call_t *call;        /* a live call owned by this request alone */
    void (*on_gone)(api_req_t *q); /* handler cleanup when the client leaves */
    void (*cont)(api_req_t *q);
    void *st;
    int arg;                  /* a small handler argument */
};

/* Start serving r: identity, rate limit, and (with_cluster) the {c} path
 * parameter. NULL when an error was already answered. */
api_req_t *api_req_begin(api_t *api, http_req_t *r, bool with_cluster);
/* Same, with the cluster named by a query parameter (SSE). */
api_req_t *api_req_begin_cluster(api_t *api, http_req_t *r, const char *cluster_id);
/* Finish: these answer and free q. */
void api_req_json(api_req_t *q, int status, buf_t *body);
void api_req_send(api_req_t *q, int status, const char *ctype, buf_t *body);
/* Same with borrowed bytes (copied only as far as the socket does not take
 * them at once). */
void api_req_send_bytes(api_req_t *q, int status, const char *ctype, const void *data, size_t len);
void api_req_error(api_req_t *q, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void api_req_kube_error(api_req_t *q, const kube_response_t *res);
/* Free q without answering (the response was finished otherwise). */
void api_req_free(api_req_t *q);
/* Run cont(q) once the view has decisions for these namespaces and
 * cluster resources ("resource.group"); at once when unrestricted. */
void api_req_gate(api_req_t *q, const char *const *nss, size_t nns, const char *const *cres, size_t ncres,
                  void (*cont)(api_req_t *q));
/* Every namespace the store holds (for gating all-namespace reads). */
size_t api_store_namespaces(store_t *s, const char ***out); /* free(*out) */
/* kind resolution against the cluster's discovery; answers 404/503 itself
 * and returns NULL when it cannot. */
const kube_api_resource_t *api_req_kind(api_req_t *q, const char *name);
int64_t api_now_ms(void);
/* "NS/NAME", "/NAME" or "NAME" after /resources/{kind}/; -1 when malformed. */
int api_split_tail(const char *tail, char *ns, size_t nssz, char *name, size_t namesz);

/* Impersonation headers of an identity (pointers into id). */
size_t api_imp_headers(const api_identity_t *id, kube_header_t *out, size_t max);
/* A live GET as the user, coalesced with identical ones in flight. fn
 * runs once with the answer (q still valid; q->on_gone handles aborts). */
void api_live_get(api_req_t *q, const char *path, const char *accept, void (*fn)(api_req_t *q, const kube_response_t *res));
int api_timeout_ms(api_t *api);

/* ---- handlers (one file each) ---- */
void api_clusters_routes(api_t *api);
void api_resources_routes(api_t *api);
void api_topology_routes(api_t *api);
void api_logs_routes(api_t *api);
void api_events_routes(api_t *api);
void api_metrics_routes(api_t *api);
void api_mutate_routes(api_t *api);
void api_ws_routes(api_t *api);
void api_prom_routes(api_t *api);
void api_prom_detach(api_cluster_t *ac); /* answers its queries in flight */

/* ---- WebSocket side (ws.c) ---- */
void api_ws_attach(api_cluster_t *ac);           /* listen to the cluster's graph */
void api_ws_cluster_removed(api_cluster_t *ac);  /* subscriptions end */
void api_ws_cluster_status(api_t *api, cluster_t *c);
void api_ws_view_changed(api_t *api, api_view_t *v);
void api_ws_flush(api_t *api);
void api_ws_tick(api_t *api, int64_t now_ms);
void api_ws_drain(api_t *api);
void api_ws_stats(api_t *api, size_t *outbox_bytes, size_t *held);
void api_ws_free_cluster(api_cluster_t *ac);
/* The cluster's current delta position, "RV" or "RV.N", appended to out:
 * what list and topology answers carry as resourceVersion, so that a
 * client can subscribe with it as `since` and miss nothing. */
void api_ws_position(api_cluster_t *ac, buf_t *out);

/* ---- metrics side (metrics.c) ---- */
void api_metrics_tick(api_cluster_t *ac, int64_t now_ms);
void api_metrics_free(api_cluster_t *ac);

/* ---- events side (events_api.c) ---- */
void api_events_attach(api_cluster_t *ac);
void api_events_detach(api_cluster_t *ac);

#endif
