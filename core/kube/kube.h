/* kube.h — cluster access: the HTTP client for Kubernetes API servers, the
 * per-cluster limiter and breaker, discovery, and reflectors (list + watch).
 *
 * Objects and who owns them
 *
 *   kube_client_t     one per loop. Owns the single libcurl multi handle that
 *                     carries every request to every cluster, driven by the
 *                     libuv loop (socket + timer callbacks). Create it first,
 *                     free it last.
 *   kube_cluster_t    one per connected cluster: its config (copied),
 *                     credentials (static token, token file re-read on change,
 *                     client certificate, exec plugin), token bucket, circuit
 *                     breaker, status. Every request goes through one.
 *   kube_call_t       one request in flight. Ends with exactly one on_done
 *                     unless cancelled first; invalid after on_done returns or
 *                     after kube_call_cancel.
 *   kube_reflector_t  one watched resource type of one cluster: paginated
 *                     LIST, then WATCH from the list's resourceVersion with
 *                     bookmarks; 410 → relist delivered as a difference.
 *   kube_discovery_t  the served resource types of one cluster, refreshed
 *                     when CustomResourceDefinitions change.
 *
 * Threading and callbacks: everything runs on the loop thread. No callback
 * ever runs inside the function that registered it — a function that fails
 * returns NULL/negative with err filled and never calls back; one that
 * succeeds calls back later from the loop. Every callback may free the
 * object that called it (and any other kube object) — the code after the
 * callback notices and stops.
 *
 * Teardown order: reflectors and discoveries, then clusters, then the client
 * (kube_client_free with live clusters frees them too). Freeing never calls a
 * callback. Handles close in the background; run the loop until it has no
 * more handles (uv_run(UV_RUN_DEFAULT) after the frees) before closing it.
 *
 * Reflector event contract (what the store consumes)
 *
 *   on_event(type, obj, ud)   type KUBE_EV_ADDED / MODIFIED / DELETED; obj is
 *                             borrowed, valid only during the call (copy what
 *                             you keep), and read-only: its nodes live in the
 *                             reflector's arena (base/jsonarena.h), so never
 *                             cJSON_Delete, detach from or add to it (make a
 *                             cJSON_Duplicate to edit). Per reflector, events arrive in
 *                             resourceVersion order: a list page is delivered
 *                             sorted by resourceVersion, a watch in stream
 *                             order (except the unpaged list that follows an
 *                             expired continue token: streamed, so in the
 *                             server's order). A relist (after 410 Expired, a
 *                             reconnect that could not resume, or a cluster
 *                             restart) delivers only the difference against
 *                             what was delivered before: ADDED for new keys,
 *                             MODIFIED for changed resourceVersions, nothing
 *                             for unchanged ones, and DELETED (with a minimal
 *                             object: apiVersion, kind, metadata.name,
 *                             namespace, resourceVersion = the list's) for
 *                             keys the list no longer has. So a consumer that
 *                             applies events in order always converges on the
 *                             server's state, deletions included.
 *   on_synced(ud)             after the first complete LIST was delivered
 *                             (once per reflector; relists do not repeat it).
 *   on_status(state, msg, ud) state changes: LISTING, WATCHING, BACKOFF,
 *                             FORBIDDEN (403 on list: retried slowly, every
 *                             5 min), ERROR; msg is a one-line reason or NULL.
 *
 * Secrets: tokens, keys, exec output and exec env values never appear in
 * logs, error strings, metrics hooks or anything returned from here.
 */
#ifndef KB_KUBE_H
#define KB_KUBE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/err.h"
#include "kube/kubeconfig.h"
#include "kube/ndjson.h" /* KUBE_EV_* */

typedef struct kube_client kube_client_t;
typedef struct kube_cluster kube_cluster_t;
typedef struct kube_call kube_call_t;
typedef struct kube_reflector kube_reflector_t;
typedef struct kube_discovery kube_discovery_t;

/* ---- metrics hooks ----
 * Set once on the client; every hook is optional. They are plain counters
 * and observations for core/obs to export under the names given. */
typedef struct kube_hooks {
    void *ud;
    /* kube_requests_total{cluster,verb,code} and kube_request_duration_seconds.
     * One call per HTTP attempt; code 0 when no response arrived. For watches
     * and other streams seconds is the time to the response headers. */
    void (*request)(void *ud, const char *cluster, const char *verb, int code, double seconds);
    /* kube_watch_events_total{cluster,resource,type}: each event delivered by a
     * reflector (watch or relist difference). resource is "pods", "deployments.apps". */
    void (*watch_event)(void *ud, const char *cluster, const char *resource, const char *type);
    /* kube_relists_total{cluster,resource} */
    void (*relist)(void *ud, const char *cluster, const char *resource);
    /* kube_ratelimiter_wait_seconds{cluster}: time a request waited for a token. */
    void (*ratelimit_wait)(void *ud, const char *cluster, double seconds);
    /* kube_dropped_objects_total{cluster,resource,reason}: reason "oversized" or "malformed". */
    void (*dropped)(void *ud, const char *cluster, const char *resource, const char *reason);
} kube_hooks_t;

/* ---- client ---- */

kube_client_t *kube_client_new(uv_loop_t *loop, err_t *err);
void kube_client_set_hooks(kube_client_t *c, const kube_hooks_t *hooks);
/* Frees every cluster still attached (without callbacks), then itself once
 * its handles have closed. */
void kube_client_free(kube_client_t *c);

/* ---- cluster ---- */

typedef enum kube_cluster_state {
    KUBE_CLUSTER_CONNECTING,   /* nothing answered yet */
    KUBE_CLUSTER_SYNCING,      /* answering; discovery's first pass, a reflector's first list, or a
                                * relist after an outage is not finished (routine 410 relists do not count) */
    KUBE_CLUSTER_CONNECTED,
    KUBE_CLUSTER_DISCONNECTED, /* unreachable: connection errors, 5xx, breaker open */
    KUBE_CLUSTER_ERROR,        /* reachable but unusable: 401, TLS verification, bad credentials */
    KUBE_CLUSTER_FORBIDDEN,    /* our identity may not read the API (403 on discovery) */
} kube_cluster_state_t;

const char *kube_cluster_state_name(kube_cluster_state_t s); /* "connected", … as in API.md */

typedef struct kube_cluster_status {
    kube_cluster_state_t state;
    const char *error;         /* last error (one line, no secrets) or NULL; valid until the next loop turn */
    int64_t last_sync_ms;      /* wall clock of the last time every reflector was in sync; 0 = never */
    int64_t since_ms;          /* wall clock of the last state change */
    const char *breaker;       /* "closed", "open", "half-open" */
} kube_cluster_status_t;

typedef void (*kube_cluster_status_fn)(kube_cluster_t *cl, const kube_cluster_status_t *st, void *ud);

/* Build a cluster from a resolved config (copied; the caller keeps its own).
 * Validates what libcurl will need (server URL, PEM material present); the
 * first request makes the first contact. insecure-skip-tls-verify is logged
 * as a warning here. */
kube_cluster_t *kube_cluster_new(kube_client_t *c, const kube_cluster_config_t *cfg, err_t *err);
void kube_cluster_free(kube_cluster_t *cl);
const char *kube_cluster_id(const kube_cluster_t *cl);
const char *kube_cluster_server(const kube_cluster_t *cl);
void kube_cluster_status(kube_cluster_t *cl, kube_cluster_status_t *out);
/* Called on every state change (not on every error). */
void kube_cluster_on_status(kube_cluster_t *cl, kube_cluster_status_fn fn, void *ud);
/* Counters for /api/v1/clusters and tests. */
typedef struct kube_cluster_stats {
    uint64_t requests, retries, failures, ratelimited_ms, relists, dropped;
    uint64_t bytes_in;   /* response body bytes received (after decompression) */
    double ratelimit_qps;
    int ratelimit_burst;
} kube_cluster_stats_t;
void kube_cluster_stats(const kube_cluster_t *cl, kube_cluster_stats_t *out);

/* ---- requests ---- */

typedef struct kube_header {
    const char *name;
    const char *value;
} kube_header_t;

enum {
    KUBE_REQ_NO_RETRY = 1u << 0, /* no automatic retry of any kind (still passes the limiter) */
    KUBE_REQ_NO_LIMIT = 1u << 1, /* skip the token bucket (watches; health probes) */
    KUBE_REQ_BIG_BODY = 1u << 2, /* no max_body_bytes cap (a reflector's unpaginated fallback list) */
};

typedef struct kube_request {
    const char *method;          /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;            /* "/api/v1/namespaces/a/pods?limit=5" — starts with '/', already escaped */
    const kube_header_t *headers; /* extra headers (Impersonate-User, Impersonate-Group, Accept…) */
    size_t nheaders;
    const char *body;            /* copied */
    size_t body_len;
    const char *content_type;    /* for body; default application/json */
    const char *verb;            /* metric label; NULL → from method (get, create, update, patch, delete) */
    unsigned flags;
    int timeout_ms;              /* non-streaming total; 0 → the cluster's */
} kube_request_t;

typedef struct kube_response {
    int status;              /* HTTP status; 0 when no response (see error) */
    int err_code;            /* ERR_UNAVAILABLE (connect/TLS/breaker), ERR_TIMEOUT, ERR_LIMIT, … when status is 0 */
    const char *error;       /* one-line reason when status is 0, else NULL */
    const char *body;        /* whole body (non-streaming), NUL-terminated; for streams only an error body */
    size_t body_len;
    size_t nheaders;
    const kube_header_t *headers; /* response headers, names as sent */
} kube_response_t;

/* Case-insensitive header lookup; NULL when absent. */
const char *kube_response_header(const kube_response_t *r, const char *name);

typedef void (*kube_done_fn)(const kube_response_t *res, void *ud);

/* Send one request. It carries X-Request-Id "kb-<call>.<attempt>" unless
 * req->headers has one. Retries (invisible to the caller): 429 and 503 with
 * Retry-After for any method, waiting as told (capped at 60 s); 5xx and
 * connection errors for GET/HEAD with exponential backoff and jitter; one
 * retry after a 401 when the credential comes from an exec plugin or a token
 * file that changed. While the cluster's breaker is open the call fails
 * fast (status 0, ERR_UNAVAILABLE). NULL + err only on invalid arguments. */
kube_call_t *kube_request(kube_cluster_t *cl, const kube_request_t *req, kube_done_fn on_done, void *ud,
                          err_t *err);

/* Streaming variant (logs ?follow=true, watches). on_head runs once with the
 * status and headers of a 2xx answer; on_chunk for each piece of body (return
 * false to stop: the call then ends with on_done as if cancelled by the
 * server, status kept); on_done once at the end. A non-2xx answer skips
 * on_head/on_chunk and arrives in on_done with its body. Streams use the
 * idle timeout (no byte for stream_idle_timeout_ms) instead of a total. */
typedef struct kube_stream_handlers {
    void (*on_head)(const kube_response_t *res, void *ud);
    bool (*on_chunk)(const char *data, size_t len, void *ud);
    kube_done_fn on_done;
} kube_stream_handlers_t;

kube_call_t *kube_request_stream(kube_cluster_t *cl, const kube_request_t *req, const kube_stream_handlers_t *h,
                                 void *ud, err_t *err);

/* No callback runs for the call after this; safe inside any callback. */
void kube_call_cancel(kube_call_t *call);

/* ---- reflectors ---- */

typedef enum kube_reflector_state {
    KUBE_REFLECTOR_LISTING,
    KUBE_REFLECTOR_WATCHING,
    KUBE_REFLECTOR_BACKOFF,   /* waiting to retry after an error */
    KUBE_REFLECTOR_FORBIDDEN, /* 403 on list: skipped, retried every 5 minutes */
    KUBE_REFLECTOR_ERROR,     /* 404 (type gone) or another non-retryable answer; retried slowly */
} kube_reflector_state_t;

const char *kube_reflector_state_name(kube_reflector_state_t s);

typedef struct kube_reflector_handlers {
    void (*on_event)(int type, cJSON *obj, void *ud);
    void (*on_synced)(void *ud);
    void (*on_status)(kube_reflector_state_t state, const char *msg, void *ud);
} kube_reflector_handlers_t;

typedef struct kube_reflector_opts {
    const char *namespace_;      /* NULL → all namespaces */
    const char *label_selector;
    const char *field_selector;
    int page_size;               /* 0 → 500 */
    int watch_timeout_s;         /* server-side watch timeout; 0 → random 5–10 min, like client-go */
    int forbidden_retry_ms;      /* 0 → 5 min */
} kube_reflector_opts_t;

/* Watch group/version/resource (group "" for the core API) on cl. opts may
 * be NULL. Starts listing on the next loop turn. */
kube_reflector_t *kube_reflector_new(kube_cluster_t *cl, const char *group, const char *version,
                                     const char *resource, const kube_reflector_opts_t *opts,
                                     const kube_reflector_handlers_t *h, void *ud, err_t *err);
void kube_reflector_free(kube_reflector_t *r);
kube_reflector_state_t kube_reflector_state(const kube_reflector_t *r);
bool kube_reflector_synced(const kube_reflector_t *r);
size_t kube_reflector_count(const kube_reflector_t *r);           /* kube_objects{cluster,resource} */
const char *kube_reflector_resource_version(const kube_reflector_t *r); /* last seen; "" before the first list */
const char *kube_reflector_resource(const kube_reflector_t *r);   /* "pods", "deployments.apps" */
/* Relists performed (410s, unresumable reconnects), for tests. */
unsigned kube_reflector_relists(const kube_reflector_t *r);

/* ---- discovery ---- */

typedef struct kube_api_resource {
    const char *group;       /* "" for core */
    const char *version;
    const char *resource;    /* plural: "deployments" */
    const char *kind;        /* "Deployment" */
    bool namespaced;
    bool watchable;          /* verbs include list and watch */
    bool preferred;          /* version is the group's preferred one */
} kube_api_resource_t;

/* list is valid during the call only. */
typedef void (*kube_discovery_fn)(const kube_api_resource_t *list, size_t n, void *ud);

/* Fetch /api, /apis and each group version; call on_change with the result
 * now and whenever it changes later: a CustomResourceDefinition watched on
 * apiextensions.k8s.io is created, changed or deleted (debounced 1 s), or
 * the periodic refresh (10 min) finds a difference. Failures back off and
 * retry; a 403 on /api sets the cluster FORBIDDEN. */
kube_discovery_t *kube_discovery_new(kube_cluster_t *cl, kube_discovery_fn on_change, void *ud, err_t *err);
void kube_discovery_free(kube_discovery_t *d);
/* The last result (valid until the next on_change). */
const kube_api_resource_t *kube_discovery_resources(const kube_discovery_t *d, size_t *n);
/* Find by resource, kind or short form, case-insensitively, like kubectl:
 * "pods", "Pod", "deployments.apps", "Deployment.apps". Preferred version. */
const kube_api_resource_t *kube_discovery_find(const kube_discovery_t *d, const char *name);

#endif
