/* logs.c — container logs proxied from the cluster as the user.
 *
 *   GET /clusters/{c}/pods/{ns}/{name}/logs?container=&tail=&since=&previous=&timestamps=&follow=&limitBytes=
 *   GET /clusters/{c}/logs/{kind}/{ns}/{name}?container=&tail=&since=&previous=&timestamps=&follow=
 *
 * A pod's log is one upstream pods/log call streamed through chunk by
 * chunk: it ends when the upstream ends (the container stopped, the pod was
 * deleted) or when the client leaves (the upstream call is cancelled). A
 * workload's log merges the logs of every container of every pod it owns
 * (through ReplicaSets and Jobs), each line prefixed "[pod/container] ";
 * lines are never split between two sources. A client that stops reading
 * is not buffered for without bound: past LOG_MAX_PENDING queued bytes the
 * stream ends with a note saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "base/clock.h"
#include "base/mem.h"

#define LOG_MAX_PENDING (4u << 20)
#define LOG_MAX_PODS 20
#define LOG_MAX_STREAMS 32
#define LOG_MAX_LINE (64u << 10)

/* ---- parameters ---- */

typedef struct log_opts {
    char container[254];
    long tail;          /* -1: all */
    long since_s;       /* 0: none */
    char since_time[40];
    bool previous, timestamps, follow;
    long limit_bytes;
} log_opts_t;

static bool parse_bool(const char *s, bool *out)
{
    if (!s) return true;
    if (!*s || !strcmp(s, "true") || !strcmp(s, "1")) *out = true;
    else if (!strcmp(s, "false") || !strcmp(s, "0")) *out = false;
    else return false;
    return true;
}

/* "300", "30s", "5m", "2h", "1h30m" → seconds; -1 when malformed. */
static long parse_duration(const char *s)
{
    if (!*s) return -1;
    long total = 0;
    bool units = false;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 0) return -1;
        long mult = 1;
        if (*end == 's') mult = 1, end++, units = true;
        else if (*end == 'm') mult = 60, end++, units = true;
        else if (*end == 'h') mult = 3600, end++, units = true;
        else if (*end == 'd') mult = 86400, end++, units = true;
        else if (*end) return -1;
        total += v * mult;
        s = end;
        if (!units && *s) return -1;
    }
    return total;
}

static int parse_opts(http_req_t *r, log_opts_t *o, char *msg, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->tail = -1;
    const char *v;
    if ((v = http_req_query(r, "container"))) {
        if (strlen(v) >= sizeof o->container) return snprintf(msg, cap, "container: too long"), -1;
        snprintf(o->container, sizeof o->container, "%s", v);
    }
    if ((v = http_req_query(r, "tail"))) {
        char *end;
        o->tail = strtol(v, &end, 10);
        if (!*v || *end || o->tail < 0) return snprintf(msg, cap, "tail: expected a number of lines (0 or more)"), -1;
    }
    if ((v = http_req_query(r, "since")) && *v) {
        long d = parse_duration(v);
        if (d >= 0) o->since_s = d;
        else if (clock_parse_rfc3339(v) >= 0 && strlen(v) < sizeof o->since_time)
            snprintf(o->since_time, sizeof o->since_time, "%s", v);
        else return snprintf(msg, cap, "since: expected seconds, a duration (30s, 5m, 2h) or an RFC 3339 time"), -1;
    }
    if (!parse_bool(http_req_query(r, "previous"), &o->previous))
        return snprintf(msg, cap, "previous: expected true or false"), -1;
    if (!parse_bool(http_req_query(r, "timestamps"), &o->timestamps))
        return snprintf(msg, cap, "timestamps: expected true or false"), -1;
    if (!parse_bool(http_req_query(r, "follow"), &o->follow))
        return snprintf(msg, cap, "follow: expected true or false"), -1;
    if ((v = http_req_query(r, "limitBytes"))) {
        char *end;
        o->limit_bytes = strtol(v, &end, 10);
        if (!*v || *end || o->limit_bytes <= 0) return snprintf(msg, cap, "limitBytes: expected a positive integer"), -1;
    }
    return 0;
}

static void log_path(const char *ns, const char *pod, const char *container, const log_opts_t *o, buf_t *out)
{
    buf_puts(out, "/api/v1/namespaces/");
    api_escape(out, ns);
    buf_puts(out, "/pods/");
    api_escape(out, pod);
    buf_puts(out, "/log?");
    if (container && *container) {
        buf_puts(out, "container=");
        api_escape(out, container);
        buf_putc(out, '&');
    }
    if (o->tail >= 0) buf_printf(out, "tailLines=%ld&", o->tail);
    if (o->since_s > 0) buf_printf(out, "sinceSeconds=%ld&", o->since_s);
    if (o->since_time[0]) {
        buf_puts(out, "sinceTime=");
        api_escape(out, o->since_time);
        buf_putc(out, '&');
    }
    if (o->limit_bytes > 0) buf_printf(out, "limitBytes=%ld&", o->limit_bytes);
    if (o->previous) buf_puts(out, "previous=true&");
    if (o->timestamps) buf_puts(out, "timestamps=true&");
    if (o->follow) buf_puts(out, "follow=true&");
    out->len--; /* the last '&' or the '?' */
    out->data[out->len] = '\0';
}

/* ---- one pod ---- */

typedef struct pod_log {
    api_req_t *q;
    bool streaming;
    bool cut; /* ended for a slow client */
} pod_log_t;

static void pod_gone(api_req_t *q)
{
    free(q->st);
    q->st = NULL;
}

static void pod_head(const kube_response_t *res, void *ud)
{
    pod_log_t *pl = ud;
    http_res_header(pl->q->r, "X-Content-Type-Options", "nosniff");
    http_res_header(pl->q->r, "Cache-Control", "no-store");
    http_res_stream_begin(pl->q->r, 200, "text/plain; charset=utf-8");
    pl->streaming = true;
}

static bool pod_chunk(const char *data, size_t len, void *ud)
{
    pod_log_t *pl = ud;
    if (!pl->streaming) return true;
    if (http_res_stream_write(pl->q->r, data, len) != 0) return false;
    if (http_req_pending_bytes(pl->q->r) > LOG_MAX_PENDING) {
        pl->cut = true;
        return false;
    }
    return true;
}

static void pod_done(const kube_response_t *res, void *ud)
{
    pod_log_t *pl = ud;
    api_req_t *q = pl->q;
    q->call = NULL;
    if (!pl->streaming) {
        free(pl);
        q->st = NULL;
        q->on_gone = NULL;
        if (res->status >= 200 && res->status < 300) {
            /* an empty log: no chunk and no head callback */
            buf_t b = {0};
            api_req_send(q, 200, "text/plain; charset=utf-8", &b);
        } else api_req_kube_error(q, res);
        return;
    }
    if (pl->cut) {
        static const char note[] = "\n[kubilitics: the log stream ended because the client was not reading]\n";
        http_res_stream_write(q->r, note, sizeof note - 1);
    }
    free(pl);
    q->st = NULL;
    q->on_gone = NULL;
    http_req_t *r = q->r;
    http_req_on_abort(r, NULL, NULL);
    q->r = NULL;
    http_res_stream_end(r);
    api_req_free(q);
}

static void h_pod_logs(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    log_opts_t o;
    char msg[256];
    if (parse_opts(r, &o, msg, sizeof msg) != 0) {
        api_req_error(q, 400, "bad_request", "%s", msg);
        return;
    }
    buf_t path = {0};
    log_path(http_req_param(r, "ns"), http_req_param(r, "name"), o.container, &o, &path);
    kube_header_t h[API_MAX_GROUPS + 2];
    size_t nh = api_imp_headers(&q->id, h, API_MAX_GROUPS + 1);
    kube_request_t req = {.method = "GET", .path = path.data, .headers = h, .nheaders = nh, .verb = "get",
                          .timeout_ms = api->cfg.live_timeout_ms};
    pod_log_t *pl = xcalloc(1, sizeof *pl);
    pl->q = q;
    q->st = pl;
    q->on_gone = pod_gone;
    kube_stream_handlers_t sh = {pod_head, pod_chunk, pod_done};
    err_t e = {0};
    q->call = kube_request_stream(cluster_kube(q->c), &req, &sh, pl, &e);
    buf_free(&path);
    if (!q->call) {
        free(pl);
        q->st = NULL;
        q->on_gone = NULL;
        api_req_error(q, 500, "internal", "log request not sent: %s", e.msg);
    }
}

/* ---- a workload: many pods and containers merged ---- */

typedef struct wl wl_t;

typedef struct src {
    wl_t *w;
    char *prefix; /* "[pod/container] " */
    kube_call_t *call;
    buf_t partial;
    bool done;
} src_t;

typedef struct podref {
    wl_t *w;
    char *name;
    kube_call_t *call;
} podref_t;

struct wl {
    api_req_t *q;
    log_opts_t o;
    char ns[254];
    podref_t pods[LOG_MAX_PODS];
    size_t npods, pods_left;
    src_t srcs[LOG_MAX_STREAMS];
    size_t nsrcs, srcs_left;
    bool streaming, cut, ended;
    char first_error[1024];
    int first_status;
};

static void wl_free(wl_t *w)
{
    for (size_t i = 0; i < w->npods; i++) {
        if (w->pods[i].call) kube_call_cancel(w->pods[i].call);
        free(w->pods[i].name);
    }
    for (size_t i = 0; i < w->nsrcs; i++) {
        if (w->srcs[i].call) kube_call_cancel(w->srcs[i].call);
        free(w->srcs[i].prefix);
        buf_free(&w->srcs[i].partial);
    }
    free(w);
}

static void wl_gone(api_req_t *q)
{
    wl_free(q->st);
    q->st = NULL;
}

static void wl_end(wl_t *w)
{
    api_req_t *q = w->q;
    if (w->ended) return;
    w->ended = true;
    if (w->cut) {
        static const char note[] = "[kubilitics: the log stream ended because the client was not reading]\n";
        http_res_stream_write(q->r, note, sizeof note - 1);
    }
    http_req_t *r = q->r;
    http_req_on_abort(r, NULL, NULL);
    q->r = NULL;
    q->st = NULL;
    q->on_gone = NULL;
    http_res_stream_end(r);
    wl_free(w);
    api_req_free(q);
}

static void wl_write_line(wl_t *w, const src_t *s, const char *line, size_t n)
{
    api_req_t *q = w->q;
    buf_t b = {0};
    buf_puts(&b, s->prefix);
    buf_append(&b, line, n);
    buf_putc(&b, '\n');
    http_res_stream_write(q->r, b.data, b.len);
    buf_free(&b);
    if (http_req_pending_bytes(q->r) > LOG_MAX_PENDING) w->cut = true;
}

static bool src_chunk(const char *data, size_t len, void *ud)
{
    src_t *s = ud;
    wl_t *w = s->w;
    if (w->cut) return false;
    buf_append(&s->partial, data, len);
    size_t start = 0;
    for (size_t i = 0; i < s->partial.len; i++) {
        if (s->partial.data[i] != '\n') continue;
        wl_write_line(w, s, s->partial.data + start, i - start);
        start = i + 1;
    }
    buf_consume(&s->partial, start);
    /* a line that never ends is cut rather than held without bound */
    if (s->partial.len > LOG_MAX_LINE) {
        wl_write_line(w, s, s->partial.data, s->partial.len);
        buf_reset(&s->partial);
    }
    return !w->cut;
}

static void src_done(const kube_response_t *res, void *ud)
{
    src_t *s = ud;
    wl_t *w = s->w;
    s->call = NULL;
    s->done = true;
    if (res->status >= 300 || res->status == 0) {
        api_error_t e;
        if (res->status == 0) api_error_from_transport(res->err_code, res->error, w->q->cid, &e);
        else api_error_from_cluster(res->status, res->body, res->body_len, NULL, w->q->cid, &e);
        char line[1200];
        int n = snprintf(line, sizeof line, "error: %s", e.message);
        wl_write_line(w, s, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
    } else if (s->partial.len) {
        wl_write_line(w, s, s->partial.data, s->partial.len);
        buf_reset(&s->partial);
    }
    if (--w->srcs_left == 0) wl_end(w);
}

static void wl_begin_streams(wl_t *w)
{
    api_req_t *q = w->q;
    if (!w->nsrcs) {
        /* nothing to read: say why, as an error when every pod failed */
        q->st = NULL;
        q->on_gone = NULL;
        if (w->first_status) {
            int st = w->first_status;
            char msg[sizeof w->first_error];
            memcpy(msg, w->first_error, sizeof msg);
            wl_free(w);
            api_req_error(q, st, api_error_code_for_status(st), "%s", msg);
            return;
        }
        wl_free(w);
        api_req_error(q, 404, "not_found", "no running containers to read logs from");
        return;
    }
    http_res_header(q->r, "X-Content-Type-Options", "nosniff");
    http_res_header(q->r, "Cache-Control", "no-store");
    http_res_stream_begin(q->r, 200, "text/plain; charset=utf-8");
    w->streaming = true;
    w->srcs_left = w->nsrcs;
    kube_header_t h[API_MAX_GROUPS + 2];
    size_t nh = api_imp_headers(&q->id, h, API_MAX_GROUPS + 1);
    for (size_t i = 0; i < w->nsrcs; i++) {
        src_t *s = &w->srcs[i];
        /* the prefix is "[pod/container] " */
        const char *slash = strchr(s->prefix + 1, '/');
        char pod[254], ctr[254];
        snprintf(pod, sizeof pod, "%.*s", (int)(slash - s->prefix - 1), s->prefix + 1);
        snprintf(ctr, sizeof ctr, "%.*s", (int)(strlen(slash + 1) - 2), slash + 1);
        buf_t path = {0};
        log_path(w->ns, pod, ctr, &w->o, &path);
        kube_request_t req = {.method = "GET", .path = path.data, .headers = h, .nheaders = nh, .verb = "get",
                              .timeout_ms = q->api->cfg.live_timeout_ms};
        kube_stream_handlers_t sh = {NULL, src_chunk, src_done};
        err_t e = {0};
        s->call = kube_request_stream(cluster_kube(q->c), &req, &sh, s, &e);
        buf_free(&path);
        if (!s->call) {
            kube_response_t res = {.status = 0, .err_code = ERR_INVALID, .error = e.msg};
            /* counted down like a finished source, without re-entering wl_end early */
            s->done = true;
            char line[700];
            int n = snprintf(line, sizeof line, "error: %s", res.error);
            wl_write_line(w, s, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
            w->srcs_left--;
        }
    }
    if (w->srcs_left == 0) wl_end(w);
}

static void pod_got(const kube_response_t *res, void *ud)
{
    podref_t *p = ud;
    wl_t *w = p->w;
    p->call = NULL;
    if (res->status == 200) {
        cJSON *pod = cJSON_ParseWithLength(res->body, res->body_len);
        const cJSON *ctrs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pod, "spec"), "containers");
        const cJSON *c;
        cJSON_ArrayForEach(c, ctrs)
        {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
            if (!cJSON_IsString(n) || w->nsrcs == LOG_MAX_STREAMS) continue;
            if (w->o.container[0] && strcmp(w->o.container, n->valuestring) != 0) continue;
            src_t *s = &w->srcs[w->nsrcs++];
            s->w = w;
            buf_t b = {0};
            buf_printf(&b, "[%s/%s] ", p->name, n->valuestring);
            s->prefix = buf_steal(&b);
        }
        cJSON_Delete(pod);
    } else if (!w->first_status) {
        api_error_t e;
        if (res->status == 0) api_error_from_transport(res->err_code, res->error, w->q->cid, &e);
        else api_error_from_cluster(res->status, res->body, res->body_len, NULL, w->q->cid, &e);
        w->first_status = e.status;
        snprintf(w->first_error, sizeof w->first_error, "%s", e.message);
    }
    if (--w->pods_left == 0) wl_begin_streams(w);
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
    const store_t *s = ctx;
    return strcmp(store_str(s, store_obj_name(s, *(const store_oid_t *)a)),
                  store_str(s, store_obj_name(s, *(const store_oid_t *)b)));
}

static void wl_start(api_req_t *q)
{
    wl_t *w = q->st;
    store_t *s = cluster_store(q->c);
    const kube_api_resource_t *res = api_req_kind(q, http_req_param(q->r, "kind"));
    if (!res) return; /* answered (on_gone freed nothing yet: free here) */
    char kid[256];
    api_kind_id(res, kid, sizeof kid);
    if (!res->namespaced) {
        api_req_error(q, 400, "bad_request", "%s is not namespaced: logs come from pods of namespaced workloads", kid);
        return;
    }
    if (api_visible(q->ac, q->view, w->ns, "Pod") != 1) {
        api_req_error(q, 403, "forbidden", "you may not list pods in namespace \"%s\"", w->ns);
        return;
    }
    buf_t id = {0};
    buf_printf(&id, "%s/%s/%s", kid, w->ns, http_req_param(q->r, "name"));
    store_oid_t o = store_find(s, id.data, id.len);
    if (o == STORE_NONE) {
        api_req_error(q, 404, "not_found", "%s not found", id.data);
        buf_free(&id);
        return;
    }
    buf_free(&id);
    /* more than shown, so the first LOG_MAX_PODS by name are the same each time */
    struct {
        store_oid_t pods[LOG_MAX_PODS * 4];
        size_t n;
    } c;
    c.n = store_pods_of(s, o, c.pods, sizeof c.pods / sizeof c.pods[0]);
    if (c.n > 1) qsort_r(c.pods, c.n, sizeof *c.pods, cmp_name, s);
    if (c.n > LOG_MAX_PODS) c.n = LOG_MAX_PODS;
    if (!c.n) {
        api_req_error(q, 404, "not_found", "%s/%s/%s has no pods", kid, w->ns, http_req_param(q->r, "name"));
        return;
    }
    kube_header_t h[API_MAX_GROUPS + 2];
    size_t nh = api_imp_headers(&q->id, h, API_MAX_GROUPS + 1);
    w->npods = c.n;
    w->pods_left = c.n;
    for (size_t i = 0; i < c.n; i++) {
        podref_t *p = &w->pods[i];
        p->w = w;
        p->name = xstrdup(store_str(s, store_obj_name(s, c.pods[i])));
    }
    for (size_t i = 0; i < c.n; i++) {
        podref_t *p = &w->pods[i];
        buf_t path = {0};
        buf_puts(&path, "/api/v1/namespaces/");
        api_escape(&path, w->ns);
        buf_puts(&path, "/pods/");
        api_escape(&path, p->name);
        kube_request_t req = {.method = "GET", .path = path.data, .headers = h, .nheaders = nh,
                              .timeout_ms = q->api->cfg.live_timeout_ms};
        err_t e = {0};
        p->call = kube_request(cluster_kube(q->c), &req, pod_got, p, &e);
        buf_free(&path);
        if (!p->call) {
            w->pods_left--;
            if (!w->first_status) {
                w->first_status = 500;
                snprintf(w->first_error, sizeof w->first_error, "pod request not sent: %s", e.msg);
            }
        }
    }
    if (w->pods_left == 0) wl_begin_streams(w);
}

static void h_workload_logs(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    wl_t *w = xcalloc(1, sizeof *w);
    w->q = q;
    char msg[256];
    if (parse_opts(r, &w->o, msg, sizeof msg) != 0) {
        free(w);
        api_req_error(q, 400, "bad_request", "%s", msg);
        return;
    }
    snprintf(w->ns, sizeof w->ns, "%s", http_req_param(r, "ns"));
    q->st = w;
    q->on_gone = wl_gone;
    const char *one[1] = {w->ns};
    api_req_gate(q, one, 1, NULL, 0, wl_start);
}

void api_logs_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/clusters/{c}/pods/{ns}/{name}/logs", h_pod_logs, api);
    http_route(api->http, "GET", "/api/v1/clusters/{c}/logs/{kind}/{ns}/{name}", h_workload_logs, api);
}
