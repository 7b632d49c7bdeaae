/* api.c — the API's assembly: per-request identity, rate limit, cluster
 * lookup and access gating; live calls with coalescing; the per-cluster
 * state; the access fetcher (review calls made as the user); lifecycle.
 * Handlers live in one file per resource family (resources.c, topology.c,
 * logs.c, events_api.c, metrics.c, mutate.c, ws.c, clusters_api.c).
 */
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

int64_t api_now_ms(void) { return clock_wall_ms(); }

int api_timeout_ms(api_t *api) { return api->cfg.live_timeout_ms; }

/* ---- the access log's fields ---- */

typedef struct reqinfo {
    char rid[130];
    char user[128];
    char cluster[128];
} reqinfo_t;

#define REQINFO_MAX 65536

static void reqinfo_put(api_t *api, http_req_t *r, const char *user, const char *cluster)
{
    if (api->reqinfo.len >= REQINFO_MAX) {
        /* the observer is not collecting: forget everything rather than grow */
        map_slot_t *s;
        for (size_t it = 0; map_next(&api->reqinfo, &it, &s);) free(s->val);
        map_free(&api->reqinfo);
    }
    reqinfo_t *ri = map_get(&api->reqinfo, &r, sizeof r);
    if (!ri) {
        ri = xcalloc(1, sizeof *ri);
        map_put(&api->reqinfo, &r, sizeof r, ri);
    }
    snprintf(ri->rid, sizeof ri->rid, "%s", http_req_id(r));
    snprintf(ri->user, sizeof ri->user, "%s", user ? user : "");
    snprintf(ri->cluster, sizeof ri->cluster, "%s", cluster ? cluster : "");
}

void api_request_fields(api_t *api, const http_req_t *r, char *user, size_t usz, char *cluster, size_t csz)
{
    if (usz) user[0] = '\0';
    if (csz) cluster[0] = '\0';
    if (!api) return;
    reqinfo_t *ri = map_del(&api->reqinfo, &r, sizeof r);
    if (!ri) return;
    if (strcmp(ri->rid, http_req_id(r)) == 0) {
        snprintf(user, usz, "%s", ri->user);
        snprintf(cluster, csz, "%s", ri->cluster);
    }
    free(ri);
}

/* ---- clusters ---- */

api_cluster_t *api_cluster_find(api_t *api, const char *id) { return map_gets(&api->acs, id); }

static void kinds_reset(api_cluster_t *ac)
{
    map_free(&ac->kinds);
    ac->kinds_src = NULL;
    ac->kinds_n = 0;
}

const kube_api_resource_t *api_cluster_kind(api_cluster_t *ac, const char *kind_id)
{
    kube_discovery_t *d = cluster_discovery(ac->c);
    if (!d) return NULL;
    size_t n = 0;
    const kube_api_resource_t *list = kube_discovery_resources(d, &n);
    if (list != ac->kinds_src || n != ac->kinds_n) {
        kinds_reset(ac);
        ac->kinds_src = list;
        ac->kinds_n = n;
    }
    const kube_api_resource_t *r = map_gets(&ac->kinds, kind_id);
    if (r) return r;
    r = api_kind_resolve(list, n, kind_id);
    /* only exact ID kinds are memoised (a lookup of a spelling that does
     * not resolve stays a miss) */
    if (r) map_puts(&ac->kinds, kind_id, (void *)r);
    return r;
}

int api_visible(api_cluster_t *ac, api_view_t *v, const char *ns, const char *kind_id)
{
    if (!v) return 1;
    if (api_view_is_admin(v)) {
        /* still refresh the admin decision when it expires */
        return api_view_allows(v, api_now_ms(), "", "", "") >= 0 ? 1 : -1;
    }
    const kube_api_resource_t *r = api_cluster_kind(ac, kind_id);
    if (!r) return 0;
    return api_view_allows(v, api_now_ms(), r->namespaced ? ns : "", r->group, r->resource);
}

static api_cluster_t *attach(api_t *api, cluster_t *c)
{
    api_cluster_t *ac = api_cluster_find(api, cluster_id(c));
    if (ac) return ac;
    ac = xcalloc(1, sizeof *ac);
    ac->api = api;
    ac->c = c;
    ac->id = xstrdup(cluster_id(c));
    api_events_init(&ac->events, api->cfg.events_max);
    map_puts(&api->acs, ac->id, ac);
    api_ws_attach(ac);
    api_events_attach(ac);
    return ac;
}

static void detach(api_t *api, api_cluster_t *ac)
{
    map_dels(&api->acs, ac->id);
    api_ws_cluster_removed(ac);
    api_ws_free_cluster(ac);
    api_events_detach(ac);
    api_events_free(&ac->events);
    api_metrics_free(ac);
    api_prom_detach(ac);
    api_access_forget_cluster(api->access, ac->id);
    kinds_reset(ac);
    api_listcache_free(ac->lists);
    free(ac->id);
    free(ac);
}

static void on_clusters(cluster_t *c, int what, void *ud)
{
    api_t *api = ud;
    if (api->freeing) return;
    if (what == CLUSTERS_ADDED) {
        attach(api, c);
        api_ws_cluster_status(api, c);
    } else if (what == CLUSTERS_STATUS) {
        api_cluster_t *ac = attach(api, c);
        /* the graph may have been created after we first looked */
        api_ws_attach(ac);
        api_ws_cluster_status(api, c);
    } else if (what == CLUSTERS_REMOVING) {
        api_cluster_t *ac = api_cluster_find(api, cluster_id(c));
        if (ac) detach(api, ac);
    }
}

/* ---- requests ---- */

static void req_aborted(http_req_t *r, void *ud)
{
    (void)r;
    api_req_t *q = ud;
    q->r = NULL; /* must not be used after on_abort returns */
    api_req_free(q);
}

void api_req_free(api_req_t *q)
{
    if (!q) return;
    if (q->on_gone) {
        /* the handler's state goes with the request, however it ends */
        void (*fn)(api_req_t *) = q->on_gone;
        q->on_gone = NULL;
        fn(q);
    }
    if (q->r) http_req_on_abort(q->r, NULL, NULL);
    if (q->wait) api_wait_cancel(q->wait);
    api_flight_leave(&q->api->flights, &q->fw);
    if (q->call) kube_call_cancel(q->call);
    api_view_release(q->view);
    api_identity_free(&q->id);
    free(q);
}

static api_req_t *begin(api_t *api, http_req_t *r, const char *cid)
{
    api_identity_t id;
    err_t e = {0};
    if (api_identity_from_request(r, &api->cfg.identity, &id, &e) != 0) {
        reqinfo_put(api, r, NULL, cid);
        http_res_error(r, 400, "bad_request", e.msg, NULL);
        return NULL;
    }
    reqinfo_put(api, r, id.user, cid);
    /* The server's own identity (desktop mode, no users) is not limited:
     * there is nobody else to protect. */
    int retry = 0;
    if (id.user && !api_ratelimit_take(&api->rl, id.user, (int64_t)clock_mono_ms(), &retry)) {
        char ra[16], msg[256];
        snprintf(ra, sizeof ra, "%d", retry);
        snprintf(msg, sizeof msg, "user \"%s\" sent more than %.0f requests per second; retry in %d s", id.user,
                 api->cfg.rate_qps, retry);
        obs_add(api->m_ratelimited, 1, NULL);
        http_res_header(r, "Retry-After", ra);
        http_res_error(r, 429, "rate_limited", msg, NULL);
        api_identity_free(&id);
        return NULL;
    }
    api_req_t *q = xcalloc(1, sizeof *q);
    q->api = api;
    q->r = r;
    q->id = id;
    if (cid) {
        snprintf(q->cid, sizeof q->cid, "%s", cid);
        q->c = clusters_get(api->clusters, cid);
        if (!q->c) {
            char msg[400];
            snprintf(msg, sizeof msg, "cluster \"%s\" not found (GET /api/v1/clusters lists them)", cid);
            http_res_error(r, 404, "not_found", msg, cid);
            api_identity_free(&q->id);
            free(q);
            return NULL;
        }
        q->ac = attach(api, q->c);
        if (q->id.user) {
            buf_t key = {0};
            api_identity_key(&q->id, &key);
            q->view = api_access_view(api->access, key.data, key.len, cid);
            buf_free(&key);
        }
    }
    http_req_on_abort(r, req_aborted, q);
    return q;
}

api_req_t *api_req_begin(api_t *api, http_req_t *r, bool with_cluster)
{
    return begin(api, r, with_cluster ? http_req_param(r, "c") : NULL);
}

api_req_t *api_req_begin_cluster(api_t *api, http_req_t *r, const char *cluster_id)
{
    return begin(api, r, cluster_id);
}

void api_req_send(api_req_t *q, int status, const char *ctype, buf_t *body)
{
    http_req_t *r = q->r;
    http_req_on_abort(r, NULL, NULL);
    q->r = NULL;
    http_res_send_buf(r, status, ctype, body);
    api_req_free(q);
}

void api_req_send_bytes(api_req_t *q, int status, const char *ctype, const void *data, size_t len)
{
    http_req_t *r = q->r;
    http_req_on_abort(r, NULL, NULL);
    q->r = NULL;
    http_res_send(r, status, ctype, data, len);
    api_req_free(q);
}

void api_req_json(api_req_t *q, int status, buf_t *body) { api_req_send(q, status, "application/json", body); }

void api_req_error(api_req_t *q, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    http_req_t *r = q->r;
    http_req_on_abort(r, NULL, NULL);
    q->r = NULL;
    http_res_error(r, status, code, msg, q->cid[0] ? q->cid : NULL);
    api_req_free(q);
}

void api_req_kube_error(api_req_t *q, const kube_response_t *res)
{
    api_error_t e;
    if (res->status == 0) api_error_from_transport(res->err_code, res->error, q->cid, &e);
    else
        api_error_from_cluster(res->status, res->body, res->body_len, kube_response_header(res, "Retry-After"), q->cid,
                               &e);
    if (e.retry_after_s > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", e.retry_after_s);
        http_res_header(q->r, "Retry-After", ra);
    }
    api_req_error(q, e.status, e.code, "%s", e.message);
}

static void gate_done(void *ud)
{
    api_req_t *q = ud;
    q->wait = NULL;
    q->cont(q);
}

void api_req_gate(api_req_t *q, const char *const *nss, size_t nns, const char *const *cres, size_t ncres,
                  void (*cont)(api_req_t *q))
{
    q->cont = cont;
    if (!q->view || api_view_need(q->view, api_now_ms(), nss, nns, cres, ncres, gate_done, q, &q->wait)) cont(q);
}

size_t api_store_namespaces(store_t *s, const char ***out)
{
    uint32_t *ids = NULL;
    size_t n = store_namespaces(s, &ids);
    const char **v = xcalloc(n ? n : 1, sizeof *v);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        const char *ns = store_str(s, ids[i]);
        if (ns && *ns) v[w++] = ns;
    }
    free(ids);
    *out = v;
    return w;
}

const kube_api_resource_t *api_req_kind(api_req_t *q, const char *name)
{
    kube_discovery_t *d = cluster_discovery(q->c);
    size_t n = 0;
    const kube_api_resource_t *list = d ? kube_discovery_resources(d, &n) : NULL;
    if (!list || !n) {
        http_res_header(q->r, "Retry-After", "2");
        api_req_error(q, 503, "unavailable", "cluster \"%s\" has not finished discovery yet; retry shortly", q->cid);
        return NULL;
    }
    const kube_api_resource_t *r = api_kind_resolve(list, n, name);
    if (!r) {
        api_req_error(q, 404, "not_found", "cluster \"%s\" serves no resource type \"%s\"", q->cid, name);
        return NULL;
    }
    return r;
}

size_t api_imp_headers(const api_identity_t *id, kube_header_t *out, size_t max)
{
    size_t n = 0;
    if (!id->user || !max) return 0;
    out[n++] = (kube_header_t){"Impersonate-User", id->user};
    for (size_t i = 0; i < id->ngroups && n < max; i++) out[n++] = (kube_header_t){"Impersonate-Group", id->groups[i]};
    return n;
}

/* ---- live GETs, coalesced ---- */

typedef struct live_call {
    api_t *api;
    api_flight_t *f;
    kube_call_t *call;
} live_call_t;

static void live_cancel(void *ud)
{
    live_call_t *lc = ud;
    if (lc->call) kube_call_cancel(lc->call);
    free(lc);
}

static void live_done(const kube_response_t *res, void *ud)
{
    live_call_t *lc = ud;
    api_flight_t *f = lc->f;
    f->cancel = NULL; /* the call is over; nothing to cancel */
    lc->call = NULL;
    api_flight_finish(&lc->api->flights, f, res);
    free(lc);
}

typedef struct live_waiter_ctx {
    void (*fn)(api_req_t *q, const kube_response_t *res);
} live_waiter_ctx_t;

static void live_deliver(const kube_response_t *res, void *ud)
{
    api_req_t *q = ud;
    void (*fn)(api_req_t *, const kube_response_t *) = (void (*)(api_req_t *, const kube_response_t *))q->st;
    q->st = NULL;
    fn(q, res);
}

void api_live_get(api_req_t *q, const char *path, const char *accept, void (*fn)(api_req_t *q, const kube_response_t *res))
{
    api_t *api = q->api;
    buf_t key = {0};
    api_identity_key(&q->id, &key);
    buf_printf(&key, "\n%s\n%s\n%s", q->cid, path, accept ? accept : "");
    bool first = false;
    q->st = (void *)fn;
    api_flight_t *f = api_flight_join(&api->flights, key.data, key.len, &q->fw, live_deliver, q, &first);
    buf_free(&key);
    if (!first) {
        obs_add(api->m_coalesced, 1, NULL);
        return;
    }
    kube_header_t h[API_MAX_GROUPS + 2];
    size_t nh = api_imp_headers(&q->id, h, API_MAX_GROUPS + 1);
    if (accept) h[nh++] = (kube_header_t){"Accept", accept};
    kube_request_t req = {.method = "GET", .path = path, .headers = h, .nheaders = nh,
                          .timeout_ms = api->cfg.live_timeout_ms};
    live_call_t *lc = xcalloc(1, sizeof *lc);
    lc->api = api;
    lc->f = f;
    err_t e = {0};
    lc->call = kube_request(cluster_kube(q->c), &req, live_done, lc, &e);
    if (!lc->call) {
        free(lc);
        kube_response_t res = {.status = 0, .err_code = ERR_INVALID, .error = e.msg};
        api_flight_finish(&api->flights, f, &res);
        return;
    }
    f->cancel = live_cancel;
    f->cancel_ud = lc;
}

/* ---- the access fetcher: review calls made as the user ---- */

typedef struct fetch {
    api_t *api;
    api_view_t *v;
    int what;
    char *name;
    api_identity_t id;
    kube_call_t *call;
    struct fetch *prev, *next;
} fetch_t;

typedef struct fetch_list {
    fetch_t *head;
} fetch_list_t;

static fetch_list_t *fetches(api_t *api);

static void fetch_unlink(api_t *api, fetch_t *f)
{
    fetch_list_t *l = fetches(api);
    if (f->prev) f->prev->next = f->next;
    else l->head = f->next;
    if (f->next) f->next->prev = f->prev;
}

static void fetch_free(fetch_t *f)
{
    free(f->name);
    api_identity_free(&f->id);
    free(f);
}

static void fetch_done(const kube_response_t *res, void *ud)
{
    fetch_t *f = ud;
    api_t *api = f->api;
    fetch_unlink(api, f);
    int64_t now = api_now_ms();
    bool ok = res->status == 201 || res->status == 200;
    if (!ok)
        log_warn("access review failed; treating as no access until retried", "cluster=%s user=%s what=%s status=%d error=%s",
                 api_view_cluster(f->v), f->id.user, f->name[0] ? f->name : "admin", res->status,
                 res->error ? res->error : (res->body ? res->body : ""));
    if (f->what == API_ASK_NS) {
        api_rules_t rules = {0};
        if (ok && api_rules_parse(res->body, res->body_len, &rules) != 0) ok = false;
        api_view_answer_ns(f->v, f->name, ok, &rules, now);
        api_rules_free(&rules);
    } else {
        bool allowed = false;
        if (ok) {
            cJSON *doc = cJSON_ParseWithLength(res->body, res->body_len);
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "status");
            allowed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "allowed"));
            cJSON_Delete(doc);
        }
        if (f->what == API_ASK_ADMIN) api_view_answer_admin(f->v, ok, allowed, now);
        else api_view_answer_cluster(f->v, f->name, ok, allowed, now);
    }
    fetch_free(f);
}

/* Rebuild the identity from the view's key ("user\0g1\0g2…"). */
static void identity_from_key(const char *k, size_t n, api_identity_t *id)
{
    memset(id, 0, sizeof *id);
    size_t i = 0;
    size_t l = strnlen(k, n);
    id->user = xstrndup(k, l);
    i = l + 1;
    while (i < n && id->ngroups < API_MAX_GROUPS) {
        l = strnlen(k + i, n - i);
        id->groups[id->ngroups++] = xstrndup(k + i, l);
        i += l + 1;
    }
}

static void fetch_start(void *ud, api_view_t *v, int what, const char *name)
{
    api_t *api = ud;
    fetch_t *f = xcalloc(1, sizeof *f);
    f->api = api;
    f->v = v;
    f->what = what;
    f->name = xstrdup(name);
    size_t kl;
    const char *k = api_view_idkey(v, &kl);
    identity_from_key(k, kl, &f->id);
    buf_t body = {0};
    const char *path;
    if (what == API_ASK_NS) {
        path = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
        buf_puts(&body, "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\",\"spec\":{"
                        "\"namespace\":");
        buf_json_cstr(&body, name);
        buf_puts(&body, "}}");
    } else {
        path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
        const char *res = "*", *group = "*";
        char rb[256] = "", gb[256] = "";
        if (what == API_ASK_CLUSTER) {
            const char *dot = strchr(name, '.');
            snprintf(rb, sizeof rb, "%.*s", (int)(dot ? (size_t)(dot - name) : strlen(name)), name);
            snprintf(gb, sizeof gb, "%s", dot ? dot + 1 : "");
            res = rb;
            group = gb;
        }
        buf_puts(&body, "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":"
                        "{\"resourceAttributes\":{\"verb\":\"list\",\"group\":");
        buf_json_cstr(&body, group);
        buf_puts(&body, ",\"resource\":");
        buf_json_cstr(&body, res);
        buf_puts(&body, "}}}");
    }
    kube_header_t h[API_MAX_GROUPS + 1];
    size_t nh = api_imp_headers(&f->id, h, API_MAX_GROUPS + 1);
    kube_request_t req = {.method = "POST", .path = path, .headers = h, .nheaders = nh, .body = body.data,
                          .body_len = body.len, .verb = "create", .timeout_ms = api->cfg.live_timeout_ms};
    cluster_t *c = clusters_get(api->clusters, api_view_cluster(v));
    err_t e = {0};
    f->call = c ? kube_request(cluster_kube(c), &req, fetch_done, f, &e) : NULL;
    buf_free(&body);
    obs_add(api->m_access_calls, 1, NULL);
    if (!f->call) {
        /* Kept without a call: the tick fails it on a later turn, because
         * the fetcher must never call back from inside fetch (the caller
         * may be mid-iteration). */
        log_warn("access review not sent", "cluster=%s error=%s", api_view_cluster(v), c ? e.msg : "cluster removed");
    }
    fetch_list_t *l = fetches(api);
    f->next = l->head;
    if (l->head) l->head->prev = f;
    l->head = f;
}

static void fetch_changed(void *ud, api_view_t *v) { api_ws_view_changed(ud, v); }

/* The fetch list lives beside api_t (kept out of api_int.h: only this file
 * uses it). */
typedef struct api_priv {
    api_t api;
    fetch_list_t fetches;
} api_priv_t;

static fetch_list_t *fetches(api_t *api) { return &((api_priv_t *)api)->fetches; }

/* Fetches that could not even start fail here, one turn later. */
static void fail_unstarted(api_t *api)
{
    fetch_list_t *l = fetches(api);
    for (fetch_t *f = l->head, *n; f; f = n) {
        n = f->next;
        if (f->call) continue;
        kube_response_t res = {.status = 0, .err_code = ERR_UNAVAILABLE, .error = "cluster unavailable"};
        fetch_done(&res, f);
        return; /* the list may have changed under us; the next tick continues */
    }
}

/* ---- loop handles ---- */

static void on_check(uv_check_t *h)
{
    api_t *api = h->data;
    api_ws_flush(api);
}

static void on_tick(uv_timer_t *h)
{
    api_t *api = h->data;
    int64_t now = api_now_ms();
    fail_unstarted(api);
    api_ws_tick(api, now);
    map_slot_t *s;
    for (size_t it = 0; map_next(&api->acs, &it, &s);) api_metrics_tick(s->val, now);
    api_access_sweep(api->access, now);
}

static void on_handle_closed(uv_handle_t *h)
{
    api_t *api = h->data;
    if (--api->open_handles == 0) free(api);
}

/* ---- lifecycle ---- */

static void collect(obs_registry_t *r, void *ud)
{
    (void)r;
    api_t *api = ud;
    size_t bytes, held;
    api_ws_stats(api, &bytes, &held);
    obs_set(api->m_outbox_bytes, (double)bytes, NULL);
    obs_set(api->m_held, (double)held, NULL);
}

static void register_metrics(api_t *api)
{
    obs_registry_t *o = api->obs;
    api->m_ws_clients = obs_gauge(o, "api_ws_clients", "Open WebSocket and SSE subscribers.", NULL);
    api->m_ws_msgs = obs_counter(o, "api_ws_messages_total", "Messages sent to WebSocket and SSE clients.", "type");
    api->m_ws_resyncs = obs_counter(o, "api_ws_resyncs_total", "Resync messages (client behind, since too old).", NULL);
    api->m_ws_drops = obs_counter(o, "api_ws_dropped_total", "Clients closed for staying behind (1008).", NULL);
    api->m_coalesced = obs_counter(o, "api_live_coalesced_total",
                                   "Live GETs answered by an identical call already in flight.", NULL);
    api->m_ratelimited = obs_counter(o, "api_rate_limited_total", "Requests refused with 429.", NULL);
    api->m_delta_seconds = obs_histogram(o, "api_delta_fanout_seconds",
                                         "Time to file one graph delta for every subscriber.", NULL, NULL, 0);
    api->m_access_calls = obs_counter(o, "api_access_reviews_total",
                                      "SelfSubject{Access,Rules}Reviews made to decide visibility.", NULL);
    api->m_outbox_bytes = obs_gauge(o, "api_ws_outbox_bytes", "Delta bytes waiting in subscribers' outboxes.", NULL);
    api->m_held = obs_gauge(o, "api_ws_held_clients", "Subscribers held back because they are not reading.", NULL);
    obs_on_collect(o, collect, api);
}

static void copy_config(api_t *api, const api_config_t *cfg)
{
    api->cfg = *cfg;
    api_config_t *c = &api->cfg;
    if (c->live_timeout_ms <= 0) c->live_timeout_ms = 30000;
    if (c->rate_qps == 0) c->rate_qps = 50;
    if (c->rate_burst <= 0) c->rate_burst = c->rate_qps * 2 > 100 ? (int)(c->rate_qps * 2) : 100;
    if (c->access_ttl_ms <= 0) c->access_ttl_ms = 30000;
    if (!c->ws_max_subscriptions) c->ws_max_subscriptions = 32;
    if (!c->ws_outbox_bytes) c->ws_outbox_bytes = 1u << 20;
    if (!c->ws_high_water) c->ws_high_water = 256u << 10;
    if (c->ws_behind_ms <= 0) c->ws_behind_ms = 60000;
    if (!c->delta_ring) c->delta_ring = 8192;
    if (!c->delta_ring_bytes) c->delta_ring_bytes = 32u << 20;
    if (!c->events_max) c->events_max = 20000;
    if (c->metrics_interval_ms <= 0) c->metrics_interval_ms = 60000;
    if (!c->metrics_series_max) c->metrics_series_max = 50000;
    if (!c->list_max_limit) c->list_max_limit = 5000;
    /* the identity config's strings are ours from here on */
    api->default_user = cfg->identity.default_user ? xstrdup(cfg->identity.default_user) : NULL;
    size_t ng = cfg->identity.ndefault_groups;
    api->default_groups = xcalloc(ng ? ng : 1, sizeof *api->default_groups);
    for (size_t i = 0; i < ng; i++) api->default_groups[i] = xstrdup(cfg->identity.default_groups[i]);
    c->identity.default_user = api->default_user;
    c->identity.default_groups = (const char *const *)api->default_groups;
}

api_t *api_new(uv_loop_t *loop, http_server_t *http, clusters_t *clusters, obs_registry_t *obs,
               const api_config_t *cfg, err_t *err)
{
    if (!loop || !http || !clusters || !obs) {
        err_set(err, ERR_INVALID, "api_new: loop, http, clusters and obs are required");
        return NULL;
    }
    api_priv_t *p = xcalloc(1, sizeof *p);
    api_t *api = &p->api;
    api->loop = loop;
    api->http = http;
    api->clusters = clusters;
    api->obs = obs;
    copy_config(api, cfg ? cfg : &(api_config_t){0});
    api_ratelimit_init(&api->rl, api->cfg.rate_qps > 0 ? api->cfg.rate_qps : 0, api->cfg.rate_burst);
    api_flights_init(&api->flights);
    api_access_fetcher_t f = {fetch_start, fetch_changed, api};
    api->access = api_access_new(&f, api->cfg.access_ttl_ms, 5000);
    if (RAND_bytes(api->secret, sizeof api->secret) != 1) {
        err_set(err, ERR_INTERNAL, "api_new: no random bytes for confirmation tokens");
        goto fail;
    }
    register_metrics(api);
    uv_check_init(loop, &api->flush);
    api->flush.data = api;
    uv_unref((uv_handle_t *)&api->flush);
    uv_timer_init(loop, &api->tick);
    api->tick.data = api;
    api->open_handles = 2;
    uv_timer_start(&api->tick, on_tick, 1000, 1000);
    uv_unref((uv_handle_t *)&api->tick);
    uv_check_start(&api->flush, on_check);
    for (size_t i = 0; i < clusters_count(clusters); i++) attach(api, clusters_at(clusters, i));
    clusters_on_change(clusters, on_clusters, api);
    api_clusters_routes(api);
    api_resources_routes(api);
    api_topology_routes(api);
    api_logs_routes(api);
    api_events_routes(api);
    api_metrics_routes(api);
    api_mutate_routes(api);
    api_ws_routes(api);
    api_prom_routes(api);
    return api;
fail:
    api_access_free(api->access);
    api_ratelimit_free(&api->rl);
    free(p);
    return NULL;
}

void api_drain(api_t *api)
{
    if (!api || api->draining) return;
    api->draining = true;
    api_ws_drain(api);
}

void api_free(api_t *api)
{
    if (!api) return;
    api->freeing = true;
    obs_off_collect(api->obs, collect, api);
    api_ws_drain(api);
    /* every cluster state goes; subscriptions and streams with it */
    for (;;) {
        size_t it = 0;
        map_slot_t *s;
        if (!map_next(&api->acs, &it, &s)) break;
        detach(api, s->val);
    }
    map_free(&api->acs);
    fetch_list_t *l = fetches(api);
    while (l->head) {
        fetch_t *f = l->head;
        if (f->call) kube_call_cancel(f->call);
        f->call = NULL;
        kube_response_t res = {.status = 0, .err_code = ERR_UNAVAILABLE, .error = "server stopping"};
        fetch_done(&res, f);
    }
    api_flights_free(&api->flights);
    api_access_free(api->access);
    api_ratelimit_free(&api->rl);
    map_slot_t *s;
    for (size_t it = 0; map_next(&api->reqinfo, &it, &s);) free(s->val);
    map_free(&api->reqinfo);
    buf_free(&api->list_body);
    free(api->default_user);
    for (size_t i = 0; i < api->cfg.identity.ndefault_groups; i++) free(api->default_groups[i]);
    free(api->default_groups);
    uv_check_stop(&api->flush);
    uv_timer_stop(&api->tick);
    /* api (the api_priv_t) is freed when both handles have closed */
    uv_close((uv_handle_t *)&api->flush, on_handle_closed);
    uv_close((uv_handle_t *)&api->tick, on_handle_closed);
}
