/* api.h — kubesim's HTTP face: the Kubernetes REST API over core/http.
 *
 * Owned by the API-server half (sim/api*.c). main.c creates one sim_api_t
 * per process, after the store and before listening, and frees it after the
 * HTTP server has closed.
 *
 *   api.c          routing, request attributes, authn/authz/faults gates,
 *                  request log, Status responses
 *   api_path.c     URL → request attributes (pure; fuzzed)
 *   api_disc.c     /version, /api, /apis, /apis/{g}/{v}, /openapi 404s
 *   api_crud.c     get, list, create, update, patch, delete, deletecollection
 *   api_watch.c    watch streams with a shared event line per change
 *   api_wait.c     requests held until the store reaches a resourceVersion
 *   api_sub.c      status, scale, log, binding, eviction, metrics, reviews
 *   api_table.c    meta.k8s.io Table rendering for kubectl get
 */
#ifndef KB_SIM_API_H
#define KB_SIM_API_H

#include <stdbool.h>
#include <stdio.h>

#include "auth.h"
#include "faults.h"
#include "http/http.h"
#include "sim.h"
#include "store.h"

typedef struct sim_api sim_api_t;

sim_api_t *sim_api_new(sim_ctx_t *ctx, http_server_t *srv, sim_auth_t *auth, sim_faults_t *faults, err_t *err);
/* Close every watch and log stream (before the server drains). */
void sim_api_shutdown(sim_api_t *api);
void sim_api_free(sim_api_t *api);

/* ---- request attributes (api_path.c) ---- */

enum { SIM_PATH_NONRESOURCE, SIM_PATH_RESOURCE };

typedef struct sim_path {
    int type;
    bool legacy;           /* /api (core group) */
    char group[128];
    char version[32];
    char ns[256];
    char resource[128];
    char name[256];
    char sub[64];
    int depth; /* segments after the group/version: 0 = the group version itself */
} sim_path_t;

/* Split a decoded request path. Resource paths are /api/v1/… and
 * /apis/{g}/{v}/…; everything else (/version, /api, /apis, /apis/{g},
 * /healthz, …) is SIM_PATH_NONRESOURCE. Returns 0, or SIM_ERR_BAD_REQUEST
 * when a resource path is malformed (too many segments, empty ones). */
int sim_path_parse(const char *path, size_t len, sim_path_t *out);

/* ---- inside the API half ---- */

typedef struct api_req api_req_t;

struct api_req {
    http_req_t *http;
    sim_api_t *api;
    sim_path_t path;
    const sim_kind_t *kind;
    const char *verb; /* get list watch create update patch delete deletecollection, or HTTP verb */
    sim_user_t user;
    bool as_table;
    bool logged;
    sim_fault_t fault;
    uint64_t start_ns;
};

struct sim_api {
    sim_ctx_t *ctx;
    sim_store_t *store;
    http_server_t *srv;
    sim_auth_t *auth;
    sim_faults_t *faults;
    FILE *request_log;
    int inflight;
    struct api_watch *watches; /* doubly linked */
    int nwatches;
    struct api_follow *follows;
    struct api_rvwait *rvwaits; /* requests waiting for a resourceVersion (api_wait.c) */
    int sub_id;
    uv_timer_t bookmark_timer;
    bool shutting_down;
    uint64_t watch_max_pending; /* bytes queued before a watcher is dropped */
    uint32_t next_ip, next_node_port; /* Service allocations */
};

/* Responses: each logs the request once. */
void sim_api_send_json(api_req_t *q, int status, const char *json, size_t len);
void sim_api_send_buf(api_req_t *q, int status, buf_t *body);
void sim_api_send_obj(api_req_t *q, int status, const cJSON *obj);
/* A Status object for an error code from store.h / err.h (message from err). */
void sim_api_send_error(api_req_t *q, int code, const char *msg);
/* A Status with an explicit HTTP code, reason and details kind/name. */
void sim_api_send_status(api_req_t *q, int http_code, const char *reason, const char *message);
void sim_api_log_request(api_req_t *q, int status);
void sim_api_req_free(api_req_t *q);
int sim_api_err_http(int code);
const char *sim_api_err_reason(int code);
/* Build a Status JSON into b. */
void sim_api_status_json(buf_t *b, int http_code, const char *reason, const char *message, const sim_path_t *p,
                     const sim_kind_t *k);

/* Handlers. */
void sim_api_discovery(api_req_t *q);
void sim_api_resource(api_req_t *q);
void sim_api_watch_start(api_req_t *q);
void sim_api_subresource(api_req_t *q);
void sim_api_review(api_req_t *q);
void sim_api_metrics(api_req_t *q);
/* Table for kubectl get: rows for the objects; b receives the JSON. */
/* begin returns the CRD's printer columns (borrowed, NULL for built-ins),
 * which each row of the same table takes. */
const cJSON *sim_api_table_begin(buf_t *b, const sim_kind_t *k, sim_store_t *s);
void sim_api_table_row(buf_t *b, const sim_kind_t *k, const sim_obj_t *o, int include /* 0 none 1 meta 2 obj */,
                   bool first, const cJSON *crd_cols);
void sim_api_table_end(buf_t *b, uint64_t rv, const char *cont, long remaining);
void sim_api_table_event(buf_t *b, const sim_kind_t *k, const char *type, const sim_obj_t *o, int include,
                     sim_store_t *s);
bool sim_api_wants_table(http_req_t *r);

/* A protobuf body (RoleBinding, ClusterRoleBinding) as JSON, or NULL. */
cJSON *sim_api_proto_decode(const void *data, size_t len);

/* Requests from a resourceVersion the store has not reached (api_wait.c):
 * hold q until the store's resourceVersion is at least rv, at most 3 s as
 * kube-apiserver's watch cache, then call resume(q, fresh) — fresh false
 * on timeout or shutdown. The wait owns q meanwhile (and frees it when the
 * client goes away, without calling resume). */
typedef struct api_rvwait api_rvwait_t;
typedef void (*sim_api_resume_fn)(api_req_t *q, bool fresh);
void sim_api_wait_rv(api_req_t *q, uint64_t rv, sim_api_resume_fn resume);
void sim_api_wait_shutdown_all(sim_api_t *api);
/* The 504 Timeout Status "Too large resource version: want, current: cur"
 * (with its ResourceVersionTooLarge cause and retryAfterSeconds 1). */
void sim_api_too_large_json(buf_t *b, uint64_t want, uint64_t cur);
void sim_api_send_too_large(api_req_t *q, uint64_t want); /* as the response, with Retry-After */

/* Helpers shared by the handlers. */
bool sim_api_parse_bool(const char *v);
long sim_api_query_long(http_req_t *r, const char *name, long dflt);
cJSON *sim_api_body_json(api_req_t *q, int *code, char *msg, size_t msgcap);

#endif
