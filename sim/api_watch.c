/* api_watch.c — ?watch=1 streams: newline-delimited {"type","object"}
 * events over chunked HTTP.
 *
 * One store subscription feeds every watch. Each change's line is printed
 * once (sim_event_line) and written to every watcher that wants it as is;
 * only selector transitions (MODIFIED into or out of a selector becomes
 * ADDED or DELETED) and Table watches build their own line. A watcher whose
 * unsent output passes api->watch_max_pending is closed rather than
 * buffered without bound, as the real server drops slow watchers; the
 * client resumes from its last resourceVersion.
 *
 * Lifecycle of a watch: created by sim_api_watch_start, linked in api->watches;
 * ended once (timeout, drop fault, slow client, client gone, shutdown) by
 * watch_end, which unlinks it and closes its timer; freed in the timer's
 * close callback.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "select.h"
#include "store_srv.h"

typedef struct api_watch {
    struct api_watch *prev, *next;
    sim_api_t *api;
    api_req_t *q;
    const sim_kind_t *kind;
    char ns[256];
    sim_selector_t *ls, *fs;
    bool bookmarks, table, ended;
    int include;
    uint64_t last_rv;
    uint64_t last_send_ms;
    uv_timer_t timer; /* timeoutSeconds / drop fault */
} api_watch_t;

static const char *type_name(int t) { return t == SIM_ADDED ? "ADDED" : t == SIM_MODIFIED ? "MODIFIED" : "DELETED"; }

static void watch_freed(uv_handle_t *h) { free(h->data); }

static void watch_end(api_watch_t *w, bool client_gone)
{
    if (w->ended) return;
    w->ended = true;
    sim_api_t *api = w->api;
    if (w->prev) w->prev->next = w->next;
    else api->watches = w->next;
    if (w->next) w->next->prev = w->prev;
    api->nwatches--;
    if (!client_gone) {
        http_req_on_abort(w->q->http, NULL, NULL);
        http_res_stream_end(w->q->http);
    }
    api->inflight--;
    sim_api_req_free(w->q);
    w->q = NULL;
    sim_selector_free(w->ls);
    sim_selector_free(w->fs);
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, watch_freed);
}

static void watch_write(api_watch_t *w, const char *p, size_t n)
{
    if (w->ended) return;
    if (http_res_stream_write(w->q->http, p, n) < 0) {
        watch_end(w, true);
        return;
    }
    w->last_send_ms = clock_mono_ms();
    if (http_req_pending_bytes(w->q->http) > w->api->watch_max_pending) {
        log_warn("watch dropped: client too slow", "path=%s pending=%zu", w->kind->resource,
                 http_req_pending_bytes(w->q->http));
        watch_end(w, false);
    }
}

static bool matches(const api_watch_t *w, const sim_obj_t *o)
{
    if (!o) return false;
    if (w->ns[0] && strcmp(sim_obj_namespace(o), w->ns) != 0) return false;
    return sim_selectors_match(w->ls, w->fs, o);
}

static void send_obj(api_watch_t *w, const char *type, const sim_obj_t *o)
{
    buf_t b = {0};
    if (w->table) {
        sim_api_table_event(&b, w->kind, type, o, w->include, w->api->store);
    } else {
        buf_reserve(&b, sim_obj_len(o) + 40);
        buf_puts(&b, "{\"type\":\"");
        buf_puts(&b, type);
        buf_puts(&b, "\",\"object\":");
        sim_obj_write(o, &b);
        buf_puts(&b, "}\n");
    }
    watch_write(w, b.data, b.len);
    buf_free(&b);
}

/* One change for one watcher, with selector transitions. */
static void deliver(api_watch_t *w, const sim_event_t *ev)
{
    if (ev->kind != w->kind || ev->rv <= w->last_rv) return;
    bool now = ev->type != SIM_DELETED && matches(w, ev->obj);
    bool before = ev->type == SIM_ADDED ? false : ev->type == SIM_DELETED ? matches(w, ev->obj) || matches(w, ev->old)
                                                                          : matches(w, ev->old);
    int type;
    if (ev->type == SIM_DELETED) type = before ? SIM_DELETED : 0;
    else if (now && before) type = SIM_MODIFIED;
    else if (now) type = SIM_ADDED;
    else if (before) type = SIM_DELETED;
    else type = 0;
    w->last_rv = ev->rv;
    if (!type) return;
    if (type == ev->type && !w->table) {
        sv_t line = sim_event_line(ev);
        watch_write(w, line.p, line.n);
    } else {
        send_obj(w, type_name(type), ev->obj);
    }
}

static void on_change(const sim_event_t *ev, void *ud)
{
    sim_api_t *api = ud;
    for (api_watch_t *w = api->watches, *next; w; w = next) {
        next = w->next;
        deliver(w, ev);
    }
}

static void send_bookmark(api_watch_t *w, uint64_t rv, bool initial_end)
{
    buf_t b = {0};
    buf_printf(&b, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":"
                   "{\"resourceVersion\":\"%llu\"",
               w->table ? "Table" : w->kind->kind, w->table ? "meta.k8s.io/v1" : w->kind->api_version,
               (unsigned long long)rv);
    if (initial_end) buf_puts(&b, ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}");
    buf_puts(&b, "}}}\n");
    watch_write(w, b.data, b.len);
    buf_free(&b);
}

static void bookmark_tick(uv_timer_t *t)
{
    sim_api_t *api = t->data;
    uint64_t rv = sim_store_rv(api->store), now = clock_mono_ms();
    for (api_watch_t *w = api->watches, *next; w; w = next) {
        next = w->next;
        if (!w->bookmarks || now - w->last_send_ms < 1000) continue;
        w->last_rv = rv > w->last_rv ? rv : w->last_rv;
        send_bookmark(w, w->last_rv, false);
    }
}

static void watch_timeout(uv_timer_t *t)
{
    api_watch_t *w = t->data;
    watch_end(w, false);
}

static void watch_abort(http_req_t *r, void *ud) { watch_end(ud, true); }

static bool send_initial(const sim_obj_t *o, void *ud)
{
    api_watch_t *w = ud;
    if (!matches(w, o)) return true;
    send_obj(w, "ADDED", o);
    return !w->ended;
}

static bool replay(const sim_event_t *ev, void *ud)
{
    api_watch_t *w = ud;
    deliver(w, ev);
    return !w->ended;
}

static void ensure_subscribed(sim_api_t *api)
{
    if (api->sub_id) return;
    api->sub_id = sim_store_subscribe(api->store, on_change, api);
    uv_timer_init(api->ctx->loop, &api->bookmark_timer);
    api->bookmark_timer.data = api;
    uv_timer_start(&api->bookmark_timer, bookmark_tick, 1000, 1000);
}

/* A watch-list that waited for its resourceVersion: start it now, or the
 * 504 Timeout as the stream's one ERROR event (newErrWatcher upstream). */
static void watch_resume(api_req_t *q, bool fresh)
{
    if (fresh) {
        sim_api_watch_start(q);
        return;
    }
    http_req_t *r = q->http;
    int64_t rv = 0;
    sv_to_i64(sv_from(http_req_query(r, "resourceVersion")), &rv);
    buf_t b = {0};
    buf_puts(&b, "{\"type\":\"ERROR\",\"object\":");
    sim_api_too_large_json(&b, (uint64_t)rv, sim_store_rv(q->api->store));
    buf_puts(&b, "}\n");
    sim_api_log_request(q, 200);
    http_res_stream_begin(r, 200, "application/json");
    http_res_stream_write(r, b.data, b.len);
    http_res_stream_end(r);
    buf_free(&b);
    q->api->inflight--;
    sim_api_req_free(q);
}

void sim_api_watch_start(api_req_t *q)
{
    sim_api_t *api = q->api;
    http_req_t *r = q->http;
    err_t err = {0};
    if (!q->kind->namespaced && q->path.ns[0]) {
        sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (!(q->kind->verbs & SIM_VERB_WATCH)) {
        sim_api_send_status(q, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        return;
    }
    sim_selector_t *ls = NULL, *fs = NULL;
    int rc = sim_label_selector_parse(http_req_query(r, "labelSelector"), &ls, &err);
    if (rc == 0) rc = sim_field_selector_parse(http_req_query(r, "fieldSelector"), q->kind, &fs, &err);
    if (rc < 0) {
        sim_selector_free(ls);
        sim_api_send_error(q, rc, err.msg);
        return;
    }
    const char *rvs = http_req_query(r, "resourceVersion");
    int64_t rv = 0;
    bool from_rv = rvs && *rvs && strcmp(rvs, "0") != 0;
    if (from_rv && (!sv_to_i64(sv_from(rvs), &rv) || rv < 0)) {
        sim_selector_free(ls);
        sim_selector_free(fs);
        char msg[300];
        snprintf(msg, sizeof msg, "resourceVersion: Invalid value: \"%s\": must be a valid resourceVersion", rvs);
        sim_api_send_status(q, 400, "BadRequest", msg);
        return;
    }
    /* A watch-list (sendInitialEvents) from a resourceVersion the store has
     * not reached waits for it, up to 3 s, as kube-apiserver's cache does
     * (api_wait.c); a plain watch from there simply waits for the changes
     * after it. */
    bool initial = sim_api_parse_bool(http_req_query(r, "sendInitialEvents"));
    if (initial && from_rv && (uint64_t)rv > sim_store_rv(api->store)) {
        sim_selector_free(ls);
        sim_selector_free(fs);
        sim_api_wait_rv(q, (uint64_t)rv, watch_resume);
        return;
    }
    ensure_subscribed(api);
    api_watch_t *w = xcalloc(1, sizeof *w);
    w->api = api;
    w->q = q;
    w->kind = q->kind;
    snprintf(w->ns, sizeof w->ns, "%s", q->path.ns);
    w->ls = ls;
    w->fs = fs;
    w->bookmarks = sim_api_parse_bool(http_req_query(r, "allowWatchBookmarks"));
    w->table = sim_api_wants_table(r);
    const char *inc = http_req_query(r, "includeObject");
    w->include = inc && !strcmp(inc, "None") ? 0 : inc && !strcmp(inc, "Object") ? 2 : 1;
    w->last_send_ms = clock_mono_ms();
    uv_timer_init(api->ctx->loop, &w->timer);
    w->timer.data = w;
    long timeout = sim_api_query_long(r, "timeoutSeconds", 1800);
    uint64_t ms = timeout > 0 ? (uint64_t)timeout * 1000 : 1800000;
    if (q->fault.drop_after_ms && q->fault.drop_after_ms < ms) ms = q->fault.drop_after_ms;
    uv_timer_start(&w->timer, watch_timeout, ms, 0);
    w->next = api->watches;
    if (api->watches) api->watches->prev = w;
    api->watches = w;
    api->nwatches++;
    http_req_on_abort(r, watch_abort, w);
    sim_api_log_request(q, 200);
    http_res_stream_begin(r, 200, "application/json");
    uint64_t cur = sim_store_rv(api->store);
    if (from_rv && !initial &&
        (q->fault.action == SIM_FAULT_GONE || (uint64_t)rv < sim_window_oldest(api->store))) {
        buf_t b = {0};
        char msg[200];
        snprintf(msg, sizeof msg, "too old resource version: %lld (%llu)", (long long)rv,
                 (unsigned long long)(sim_window_oldest(api->store) + 1));
        buf_puts(&b, "{\"type\":\"ERROR\",\"object\":");
        sim_api_status_json(&b, 410, "Expired", msg, NULL, NULL);
        buf_puts(&b, "}\n");
        watch_write(w, b.data, b.len);
        buf_free(&b);
        watch_end(w, false);
        return;
    }
    if (from_rv && !initial) {
        w->last_rv = (uint64_t)rv;
        if ((uint64_t)rv < cur) sim_window_each(api->store, (uint64_t)rv, replay, w, &err);
        return;
    }
    /* No resourceVersion (or "0"), or a watch-list (sendInitialEvents, the
     * state not older than its resourceVersion): the current state as
     * ADDED, then live. */
    w->last_rv = cur;
    sim_each(api->store, q->kind, q->path.ns[0] ? q->path.ns : NULL, send_initial, w);
    if (!w->ended && initial && w->bookmarks) send_bookmark(w, cur, true);
}

void sim_api_watch_shutdown_all(sim_api_t *api)
{
    while (api->watches) watch_end(api->watches, false);
    if (api->sub_id) {
        sim_store_unsubscribe(api->store, api->sub_id);
        api->sub_id = 0;
        uv_timer_stop(&api->bookmark_timer);
        uv_close((uv_handle_t *)&api->bookmark_timer, NULL);
    }
}
