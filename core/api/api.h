/* api.h — the HTTP and WebSocket API under /api/v1 (API.md, issue 6).
 *
 * api_new registers every route of the API on the server: clusters,
 * resources (lists from the store, detail live as the user), topology
 * (JSON, SVG, DOT with ETag), logs (pods and workloads, follow), events,
 * metrics, apply/delete (write mode + confirmation token), the WebSocket
 * /api/v1/ws and its Server-Sent Events fallback /api/v1/events/stream.
 * /api/v1/version and /api/v1/plugins* stay with the caller (app.c).
 *
 * Who is asking: each request's identity (identity.h) — proxy headers when
 * trusted, else the configured default, else the server's own identity.
 * Live calls carry impersonation headers for it; store reads are filtered to
 * what it may list (access.c: SelfSubjectRulesReview / AccessReview made as
 * that user, cached briefly). The server's own identity sees everything.
 *
 * Lifecycle, all on the loop thread:
 *   api = api_new(loop, http, clusters, obs, &cfg, &err)  after clusters_new;
 *         takes the clusters' change listener (clusters_on_change) and each
 *         cluster graph's delta listener (graph_set_listener).
 *   api_drain(api)  when the server starts draining: WebSockets close with
 *         1001, SSE and log streams end, new subscriptions are refused.
 *   api_free(api)   before clusters_free and before the HTTP server is
 *         closed; releases every handle (closing in the background: run the
 *         loop afterwards as for every other module).
 * The config is copied.
 */
#ifndef KB_API_H
#define KB_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "api/identity.h"
#include "app/clusters.h"
#include "base/err.h"
#include "http/http.h"
#include "obs/obs.h"

typedef struct api api_t;

typedef struct api_config {
    api_identity_config_t identity; /* trust proxy headers, default user/groups */
    bool read_only;                 /* apply/delete answer 403 read_only */
    int live_timeout_ms;            /* every live call; 0 → 30 s (504 timeout past it) */
    double rate_qps;                /* per identified user; 0 → 50; < 0 → no limit */
    int rate_burst;                 /* 0 → 2 × qps (at least 100) */
    int access_ttl_ms;              /* RBAC decisions cache; 0 → 30 s */
    size_t ws_max_subscriptions;    /* per socket; 0 → 32 */
    size_t ws_outbox_bytes;         /* per subscription; past it → resync; 0 → 1 MiB */
    size_t ws_high_water;           /* socket bytes queued before deltas are held back; 0 → 256 KiB */
    int ws_behind_ms;               /* held back this long → close 1008; 0 → 60 s */
    size_t delta_ring;              /* deltas kept per cluster for `since`; 0 → 8192 */
    size_t delta_ring_bytes;        /* and at most these bytes; 0 → 32 MiB */
    size_t events_max;              /* events kept per cluster; 0 → 20000 */
    int metrics_interval_ms;        /* sparkline sampling; 0 → 60 s */
    size_t metrics_series_max;      /* objects with history per cluster; 0 → 50000 */
    size_t list_max_limit;          /* largest page; 0 → 5000 (default page 500) */
} api_config_t;

api_t *api_new(uv_loop_t *loop, http_server_t *http, clusters_t *clusters, obs_registry_t *obs,
               const api_config_t *cfg, err_t *err);
void api_drain(api_t *api);
void api_free(api_t *api);

/* For the access log: the user and cluster the API decided for request r
 * (NULL when unknown or not an API request). Call it from the server's
 * observer; the record is forgotten afterwards. */
void api_request_fields(api_t *api, const http_req_t *r, char *user, size_t usz, char *cluster, size_t csz);

#endif
