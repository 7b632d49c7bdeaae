/* metrics.c — GET /clusters/{c}/metrics/{pods|nodes}, and the sampler that
 * keeps an hour of history for sparklines.
 *
 * Usage comes from metrics.k8s.io, live and as the user, only when the
 * cluster's discovery shows that group; otherwise 501 metrics_unavailable
 * says why. Every answer also files its samples in the cluster's rings; a
 * background sample (the server's identity, every interval) keeps the
 * rings going for an hour after the last request, so the first sparkline a
 * person sees after a while is not empty. History is only ever returned for
 * objects in the user's own live answer, so it reveals nothing the cluster
 * did not just show them.
 */
#include "api/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

/* ---- quantities ---- */

bool api_quantity(const char *s, double *out)
{
    if (!s || !*s) return false;
    char *end;
    double v = strtod(s, &end);
    if (end == s || isnan(v) || isinf(v)) return false;
    static const struct {
        const char *suf;
        double mult;
    } sufs[] = {{"n", 1e-9}, {"u", 1e-6}, {"m", 1e-3}, {"", 1},        {"k", 1e3},        {"M", 1e6},
                {"G", 1e9},  {"T", 1e12}, {"P", 1e15}, {"E", 1e18},    {"Ki", 1024.0},    {"Mi", 1048576.0},
                {"Gi", 1073741824.0},     {"Ti", 1099511627776.0},     {"Pi", 1125899906842624.0},
                {"Ei", 1152921504606846976.0}};
    for (size_t i = 0; i < sizeof sufs / sizeof sufs[0]; i++) {
        if (strcmp(end, sufs[i].suf) == 0) {
            *out = v * sufs[i].mult;
            return true;
        }
    }
    return false;
}

/* ---- rings ---- */

void api_mring_add(api_mring_t *r, int64_t now_s, int interval_s, double cpu_m, double mem_b)
{
    api_msample_t x = {(uint32_t)now_s, (float)cpu_m, (float)mem_b};
    if (r->n) {
        uint8_t last = (uint8_t)((r->head + API_METRICS_SLOTS - 1) % API_METRICS_SLOTS);
        /* a slot is named by its first sample's time; later samples within
         * the interval update its values */
        if ((int64_t)r->s[last].t_s + interval_s > now_s) {
            r->s[last].cpu_m = x.cpu_m;
            r->s[last].mem_b = x.mem_b;
            return;
        }
    }
    r->s[r->head] = x;
    r->head = (uint8_t)((r->head + 1) % API_METRICS_SLOTS);
    if (r->n < API_METRICS_SLOTS) r->n++;
}

void api_mring_json(const api_mring_t *r, int64_t now_s, buf_t *out)
{
    buf_putc(out, '[');
    bool first = true;
    for (uint8_t i = 0; i < r->n; i++) {
        const api_msample_t *x = &r->s[(r->head + API_METRICS_SLOTS - r->n + i) % API_METRICS_SLOTS];
        if ((int64_t)x->t_s + 3600 < now_s) continue;
        if (!first) buf_putc(out, ',');
        first = false;
        buf_printf(out, "[%lld,%.3f,%.0f]", (long long)x->t_s * 1000, (double)x->cpu_m, (double)x->mem_b);
    }
    buf_putc(out, ']');
}

/* ---- per cluster ---- */

struct api_metrics {
    api_cluster_t *ac;
    map_t series;          /* "pods/ns/name" or "nodes//name" → api_mring_t */
    int64_t last_request_ms;
    int64_t last_sample_ms;
    kube_call_t *calls[2];
};

static api_metrics_t *metrics_of(api_cluster_t *ac)
{
    if (!ac->metrics) {
        ac->metrics = xcalloc(1, sizeof *ac->metrics);
        ac->metrics->ac = ac;
    }
    return ac->metrics;
}

void api_metrics_free(api_cluster_t *ac)
{
    api_metrics_t *m = ac->metrics;
    if (!m) return;
    for (int i = 0; i < 2; i++)
        if (m->calls[i]) kube_call_cancel(m->calls[i]);
    map_slot_t *s;
    for (size_t it = 0; map_next(&m->series, &it, &s);) free(s->val);
    map_free(&m->series);
    free(m);
    ac->metrics = NULL;
}

/* Why the cluster has no metrics, or NULL when it has them. */
static const char *unavailable(api_cluster_t *ac, bool pods)
{
    kube_discovery_t *d = cluster_discovery(ac->c);
    size_t n = 0;
    const kube_api_resource_t *list = d ? kube_discovery_resources(d, &n) : NULL;
    if (!list || !n) return "discovery has not completed yet, so it is not known whether the cluster serves metrics.k8s.io";
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].group, "metrics.k8s.io") && !strcmp(list[i].resource, pods ? "pods" : "nodes"))
            return NULL;
    return "the cluster does not serve metrics.k8s.io (metrics-server is not installed or not ready)";
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void usage_of(const cJSON *usage, double *cpu_m, double *mem_b)
{
    double v;
    if (api_quantity(jstr(usage, "cpu"), &v)) *cpu_m += v * 1000.0;
    if (api_quantity(jstr(usage, "memory"), &v)) *mem_b += v;
}

/* File every item of a metrics list; with out, also write the answer. */
static void ingest(api_cluster_t *ac, bool pods, const cJSON *list, buf_t *out)
{
    api_metrics_t *m = metrics_of(ac);
    api_t *api = ac->api;
    int64_t now_s = api_now_ms() / 1000;
    int interval_s = api->cfg.metrics_interval_ms / 1000;
    if (interval_s < 1) interval_s = 1;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items"), *it;
    size_t w = 0;
    if (out) {
        buf_printf(out, "{\"kind\":\"%s\",\"intervalSeconds\":%d,\"items\":[", pods ? "pods" : "nodes", interval_s);
    }
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(it, "metadata");
        const char *name = jstr(meta, "name"), *ns = jstr(meta, "namespace");
        if (!name) continue;
        double cpu = 0, mem = 0;
        const cJSON *ctrs = cJSON_GetObjectItemCaseSensitive(it, "containers"), *c;
        if (pods) {
            cJSON_ArrayForEach(c, ctrs) usage_of(cJSON_GetObjectItemCaseSensitive(c, "usage"), &cpu, &mem);
        } else usage_of(cJSON_GetObjectItemCaseSensitive(it, "usage"), &cpu, &mem);
        buf_t key = {0};
        buf_printf(&key, "%s/%s/%s", pods ? "Pod" : "Node", pods && ns ? ns : "", name);
        api_mring_t *ring = map_get(&m->series, key.data, key.len);
        if (!ring && m->series.len < api->cfg.metrics_series_max) {
            ring = xcalloc(1, sizeof *ring);
            map_put(&m->series, key.data, key.len, ring);
        }
        if (ring) api_mring_add(ring, now_s, interval_s, cpu, mem);
        if (out) {
            if (w++) buf_putc(out, ',');
            buf_puts(out, "{\"id\":");
            buf_json_str(out, key.data, key.len);
            buf_puts(out, ",\"namespace\":");
            buf_json_cstr(out, pods && ns ? ns : "");
            buf_puts(out, ",\"name\":");
            buf_json_cstr(out, name);
            buf_puts(out, ",\"timestamp\":");
            const char *ts = jstr(it, "timestamp");
            if (ts) buf_json_cstr(out, ts);
            else buf_puts(out, "null");
            buf_puts(out, ",\"window\":");
            const char *win = jstr(it, "window");
            if (win) buf_json_cstr(out, win);
            else buf_puts(out, "null");
            buf_printf(out, ",\"cpuMillicores\":%.3f,\"memoryBytes\":%.0f", cpu, mem);
            if (pods) {
                buf_puts(out, ",\"containers\":[");
                size_t k = 0;
                cJSON_ArrayForEach(c, ctrs)
                {
                    double cc = 0, cm = 0;
                    usage_of(cJSON_GetObjectItemCaseSensitive(c, "usage"), &cc, &cm);
                    if (k++) buf_putc(out, ',');
                    buf_puts(out, "{\"name\":");
                    buf_json_cstr(out, jstr(c, "name") ? jstr(c, "name") : "");
                    buf_printf(out, ",\"cpuMillicores\":%.3f,\"memoryBytes\":%.0f}", cc, cm);
                }
                buf_putc(out, ']');
            }
            buf_puts(out, ",\"history\":");
            if (ring) api_mring_json(ring, now_s, out);
            else buf_puts(out, "[]");
            buf_putc(out, '}');
        }
        buf_free(&key);
    }
    if (out) buf_puts(out, "]}");
}

/* ---- the endpoint ---- */

static void metrics_done(api_req_t *q, const kube_response_t *res)
{
    bool pods = q->arg != 0;
    if (res->status == 404 || res->status == 503) {
        /* discovery said yes, the aggregated API says no: metrics-server down */
        api_error_t e;
        api_error_from_cluster(res->status, res->body, res->body_len, NULL, q->cid, &e);
        api_req_error(q, 501, "metrics_unavailable", "metrics.k8s.io did not answer: %s", e.message);
        return;
    }
    if (res->status != 200) {
        api_req_kube_error(q, res);
        return;
    }
    cJSON *list = cJSON_ParseWithLength(res->body, res->body_len);
    if (!list) {
        api_req_error(q, 502, "cluster_error", "metrics.k8s.io answered with a body that is not JSON");
        return;
    }
    buf_t b = {0};
    ingest(q->ac, pods, list, &b);
    cJSON_Delete(list);
    api_req_json(q, 200, &b);
}

static void h_metrics(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    const char *what = http_req_param(r, "what");
    bool pods = strcmp(what, "pods") == 0;
    if (!pods && strcmp(what, "nodes") != 0) {
        api_req_error(q, 404, "not_found", "metrics are served for \"pods\" and \"nodes\", not \"%s\"", what);
        return;
    }
    const char *why = unavailable(q->ac, pods);
    if (why) {
        api_req_error(q, 501, "metrics_unavailable", "cluster \"%s\": %s", q->cid, why);
        return;
    }
    const char *ns = http_req_query(r, "namespace");
    const char *ls = http_req_query(r, "labelSelector");
    buf_t path = {0};
    buf_puts(&path, "/apis/metrics.k8s.io/v1beta1");
    if (pods && ns && *ns) {
        buf_puts(&path, "/namespaces/");
        api_escape(&path, ns);
    }
    buf_puts(&path, pods ? "/pods" : "/nodes");
    if (ls && *ls) {
        buf_puts(&path, "?labelSelector=");
        api_escape(&path, ls);
    }
    metrics_of(q->ac)->last_request_ms = api_now_ms();
    q->arg = pods;
    api_live_get(q, path.data, "application/json", metrics_done);
    buf_free(&path);
}

/* ---- background sampling ---- */

typedef struct sample_call {
    api_metrics_t *m;
    int idx;
} sample_call_t;

static void sample_done(const kube_response_t *res, void *ud)
{
    sample_call_t *sc = ud;
    api_metrics_t *m = sc->m;
    m->calls[sc->idx] = NULL;
    if (res->status == 200) {
        cJSON *list = cJSON_ParseWithLength(res->body, res->body_len);
        if (list) ingest(m->ac, sc->idx == 0, list, NULL);
        cJSON_Delete(list);
    }
    free(sc);
}

void api_metrics_tick(api_cluster_t *ac, int64_t now_ms)
{
    api_metrics_t *m = ac->metrics;
    if (!m || now_ms - m->last_request_ms > 3600 * 1000) return;
    if (now_ms - m->last_sample_ms < ac->api->cfg.metrics_interval_ms) return;
    m->last_sample_ms = now_ms;
    for (int i = 0; i < 2; i++) {
        if (m->calls[i] || unavailable(ac, i == 0)) continue;
        sample_call_t *sc = xcalloc(1, sizeof *sc);
        sc->m = m;
        sc->idx = i;
        kube_request_t req = {.method = "GET", .path = i == 0 ? "/apis/metrics.k8s.io/v1beta1/pods"
                                                              : "/apis/metrics.k8s.io/v1beta1/nodes",
                              .timeout_ms = ac->api->cfg.live_timeout_ms};
        err_t e = {0};
        m->calls[i] = kube_request(cluster_kube(ac->c), &req, sample_done, sc, &e);
        if (!m->calls[i]) free(sc);
    }
}

void api_metrics_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/clusters/{c}/metrics/{what}", h_metrics, api);
}
