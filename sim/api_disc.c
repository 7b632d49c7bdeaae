/* api_disc.c — discovery in the legacy (unaggregated) format: /version,
 * /api, /api/v1, /apis, /apis/{g}, /apis/{g}/{v}, plus health endpoints.
 * Clients that ask for aggregated discovery (apidiscovery.k8s.io v2) get
 * application/json and fall back to these documents, as they do with any
 * server that predates aggregation. OpenAPI is not served (404), which
 * kubectl treats as "no schema": apply falls back to the compiled-in
 * types, explain does not work. */
#include "api.h"

#include <string.h>

#include "base/buf.h"
#include "kinds.h"

static void verbs_json(buf_t *b, unsigned v)
{
    static const char *names[] = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
    static const int order[] = {3, 6, 7, 0, 1, 5, 4, 2}; /* the server lists them alphabetically */
    buf_putc(b, '[');
    bool first = true;
    for (int i = 0; i < 8; i++) {
        int bit = order[i];
        if (!(v & (1u << bit))) continue;
        if (!first) buf_putc(b, ',');
        first = false;
        buf_json_cstr(b, names[bit]);
    }
    buf_putc(b, ']');
}

static void csv_json(buf_t *b, const char *key, const char *csv)
{
    if (!csv || !*csv) return;
    buf_printf(b, ",\"%s\":[", key);
    bool first = true;
    for (const char *p = csv; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!first) buf_putc(b, ',');
        first = false;
        buf_json_str(b, p, n);
        p = e ? e + 1 : NULL;
    }
    buf_putc(b, ']');
}

static void sub_json(buf_t *b, const sim_kind_t *k, const char *sub, const char *group, const char *version,
                     const char *kind, const char *verbs)
{
    buf_puts(b, ",{\"name\":\"");
    buf_puts(b, k->resource);
    buf_putc(b, '/');
    buf_puts(b, sub);
    buf_printf(b, "\",\"singularName\":\"\",\"namespaced\":%s,", k->namespaced ? "true" : "false");
    if (group) buf_printf(b, "\"group\":\"%s\",\"version\":\"%s\",", group, version);
    buf_printf(b, "\"kind\":\"%s\",\"verbs\":%s}", kind, verbs);
}

typedef struct gv_ctx {
    const char *group;
    const char *version;
    buf_t *b;
    bool first;
    bool found;
} gv_ctx_t;

static bool add_resource(const sim_kind_t *k, void *ud)
{
    gv_ctx_t *c = ud;
    if (strcmp(k->group, c->group) != 0 || strcmp(k->version, c->version) != 0) return true;
    c->found = true;
    buf_t *b = c->b;
    if (!c->first) buf_putc(b, ',');
    c->first = false;
    buf_puts(b, "{\"name\":");
    buf_json_cstr(b, k->resource);
    buf_puts(b, ",\"singularName\":");
    buf_json_cstr(b, k->singular);
    buf_printf(b, ",\"namespaced\":%s,\"kind\":", k->namespaced ? "true" : "false");
    buf_json_cstr(b, k->kind);
    buf_puts(b, ",\"verbs\":");
    verbs_json(b, k->verbs);
    csv_json(b, "shortNames", k->short_names);
    csv_json(b, "categories", k->categories);
    buf_putc(b, '}');
    if (k->subresources & SIM_SUB_STATUS) sub_json(b, k, "status", NULL, NULL, k->kind, "[\"get\",\"patch\",\"update\"]");
    if (k->subresources & SIM_SUB_SCALE)
        sub_json(b, k, "scale", "autoscaling", "v1", "Scale", "[\"get\",\"patch\",\"update\"]");
    if (k->subresources & SIM_SUB_LOG) sub_json(b, k, "log", NULL, NULL, k->kind, "[\"get\"]");
    if (k->subresources & SIM_SUB_BINDING) sub_json(b, k, "binding", NULL, NULL, "Binding", "[\"create\"]");
    if (k->subresources & SIM_SUB_EVICTION)
        sub_json(b, k, "eviction", "policy", "v1", "Eviction", "[\"create\"]");
    if (!strcmp(k->resource, "namespaces") && !k->group[0])
        sub_json(b, k, "finalize", NULL, NULL, k->kind, "[\"update\"]");
    return true;
}

typedef struct groups_ctx {
    buf_t *b;
    char seen[64][128];
    int nseen;
    const char *only; /* one group, for /apis/{g} */
    bool metrics;
    bool found;
} groups_ctx_t;

static bool add_group(const sim_kind_t *k, void *ud)
{
    groups_ctx_t *c = ud;
    if (!k->group[0]) return true;
    if (!c->metrics && sim_kind_is_virtual(k)) return true;
    if (c->only && strcmp(c->only, k->group) != 0) return true;
    for (int i = 0; i < c->nseen; i++)
        if (!strcmp(c->seen[i], k->group)) return true;
    if (c->nseen < 64) snprintf(c->seen[c->nseen++], sizeof c->seen[0], "%s", k->group);
    buf_t *b = c->b;
    if (c->found && !c->only) buf_putc(b, ',');
    c->found = true;
    buf_puts(b, "{\"name\":");
    buf_json_cstr(b, k->group);
    buf_printf(b, ",\"versions\":[{\"groupVersion\":\"%s\",\"version\":\"%s\"}],"
                  "\"preferredVersion\":{\"groupVersion\":\"%s\",\"version\":\"%s\"}}",
               k->api_version, k->version, k->api_version, k->version);
    return true;
}

/* OpenAPI v3, just enough for kubectl: a document per group version
 * holding, for each kind, its PATCH operation tagged with the kind
 * (x-kubernetes-group-version-kind) and the fieldValidation parameter.
 * That tells kubectl the server validates fields itself, so `apply` needs
 * no client-side schema (and no --validate=false). No schemas are served:
 * `kubectl explain` does not work. */
typedef struct oapi_ctx {
    buf_t *b;
    const char *group, *version; /* NULL for the root listing */
    char seen[96][160];
    int nseen;
    bool first, found, metrics;
} oapi_ctx_t;

static bool oapi_visit(const sim_kind_t *k, void *ud)
{
    oapi_ctx_t *c = ud;
    if (!c->metrics && sim_kind_is_virtual(k)) return true;
    buf_t *b = c->b;
    if (!c->group) {
        char gv[160];
        if (k->group[0]) snprintf(gv, sizeof gv, "apis/%s/%s", k->group, k->version);
        else snprintf(gv, sizeof gv, "api/%s", k->version);
        for (int i = 0; i < c->nseen; i++)
            if (!strcmp(c->seen[i], gv)) return true;
        if (c->nseen < 96) snprintf(c->seen[c->nseen++], sizeof c->seen[0], "%s", gv);
        if (!c->first) buf_putc(b, ',');
        c->first = false;
        buf_printf(b, "\"%s\":{\"serverRelativeURL\":\"/openapi/v3/%s?hash=kubesim\"}", gv, gv);
        return true;
    }
    if (strcmp(k->group, c->group) != 0 || strcmp(k->version, c->version) != 0) return true;
    c->found = true;
    if (!c->first) buf_putc(b, ',');
    c->first = false;
    buf_printf(b, "\"/%s%s%s/%s%s/%s/{name}\":{\"patch\":{\"x-kubernetes-group-version-kind\":{\"group\":\"%s\","
                  "\"version\":\"%s\",\"kind\":\"%s\"},\"parameters\":[{\"name\":\"fieldValidation\",\"in\":"
                  "\"query\",\"schema\":{\"type\":\"string\"}},{\"name\":\"dryRun\",\"in\":\"query\",\"schema\":"
                  "{\"type\":\"string\"}}],\"responses\":{}}}",
               k->group[0] ? "apis/" : "api", k->group[0] ? k->group : "", k->group[0] ? "/" : "", k->version,
               k->namespaced ? "/namespaces/{namespace}" : "", k->resource, k->group, k->version, k->kind);
    return true;
}

static bool openapi_v3(api_req_t *q, sv_t p, buf_t *b, bool metrics)
{
    oapi_ctx_t c = {.b = b, .first = true, .metrics = metrics};
    if (sv_eq_cstr(p, "/openapi/v3")) {
        buf_puts(b, "{\"paths\":{");
        sim_kind_each(q->api->store, oapi_visit, &c);
        buf_puts(b, "}}");
        return true;
    }
    char group[256] = "", version[64] = "";
    sv_t rest;
    if (sv_starts_with(p, SV("/openapi/v3/api/"))) {
        rest = sv_make(p.p + 16, p.n - 16);
        if (rest.n == 0 || rest.n >= sizeof version || memchr(rest.p, '/', rest.n)) return false;
        memcpy(version, rest.p, rest.n);
    } else if (sv_starts_with(p, SV("/openapi/v3/apis/"))) {
        rest = sv_make(p.p + 17, p.n - 17);
        sv_t g = sv_cut(&rest, '/');
        if (!g.n || g.n >= sizeof group || !rest.n || rest.n >= sizeof version || memchr(rest.p, '/', rest.n))
            return false;
        memcpy(group, g.p, g.n);
        memcpy(version, rest.p, rest.n);
    } else {
        return false;
    }
    c.group = group;
    c.version = version;
    buf_puts(b, "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"Kubernetes (kubesim)\",\"version\":\"v1.31.0\"},"
                "\"paths\":{");
    sim_kind_each(q->api->store, oapi_visit, &c);
    buf_puts(b, "},\"components\":{\"schemas\":{}}}");
    return c.found;
}

static void send_text(api_req_t *q, const char *text)
{
    sim_api_log_request(q, 200);
    http_res_send(q->http, 200, "text/plain; charset=utf-8", text, strlen(text));
    q->api->inflight--;
    sim_api_req_free(q);
}

/* /metrics: Prometheus text with kubesim's own figures (kube-apiserver
 * serves its metrics there too; these are kubesim's, not apiserver_*), so
 * a benchmark can read the churn rate actually achieved. */
static void send_metrics(api_req_t *q)
{
    const sim_stats_t *st = &q->api->ctx->stats;
    buf_t b = {0};
    buf_printf(&b,
               "# HELP kubesim_churn_target_per_second Changes per second --churn asks for.\n"
               "# TYPE kubesim_churn_target_per_second gauge\n"
               "kubesim_churn_target_per_second %g\n"
               "# HELP kubesim_churn_achieved_per_second Churn changes per second made over the last ~10 s.\n"
               "# TYPE kubesim_churn_achieved_per_second gauge\n"
               "kubesim_churn_achieved_per_second %.1f\n"
               "# HELP kubesim_churn_changes_total Churn changes made.\n"
               "# TYPE kubesim_churn_changes_total counter\n"
               "kubesim_churn_changes_total %llu\n"
               "# HELP kubesim_churn_failed_total Churn attempts that found nothing to change.\n"
               "# TYPE kubesim_churn_failed_total counter\n"
               "kubesim_churn_failed_total %llu\n"
               "# HELP kubesim_changes_per_second Committed changes per second (churn and controllers) over the "
               "last ~10 s of churn.\n"
               "# TYPE kubesim_changes_per_second gauge\n"
               "kubesim_changes_per_second %.1f\n"
               "# HELP kubesim_resource_version The store's resourceVersion (one per committed change).\n"
               "# TYPE kubesim_resource_version counter\n"
               "kubesim_resource_version %llu\n"
               "# HELP kubesim_watches Open watch streams.\n"
               "# TYPE kubesim_watches gauge\n"
               "kubesim_watches %d\n"
               "# HELP kubesim_controller_syncs_total Controller syncs run.\n"
               "# TYPE kubesim_controller_syncs_total counter\n"
               "kubesim_controller_syncs_total %llu\n"
               "# HELP kubesim_controller_queued Keys waiting in the controllers' queues.\n"
               "# TYPE kubesim_controller_queued gauge\n"
               "kubesim_controller_queued %zu\n",
               st->churn_rate, st->churn_achieved, (unsigned long long)st->churn_done,
               (unsigned long long)st->churn_failed, st->changes_per_s,
               (unsigned long long)sim_store_rv(q->api->store), q->api->nwatches,
               (unsigned long long)st->ctrl_syncs, st->ctrl_queued);
    sim_api_log_request(q, 200);
    http_res_send(q->http, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    buf_free(&b);
    q->api->inflight--;
    sim_api_req_free(q);
}

void sim_api_discovery(api_req_t *q)
{
    sim_api_t *api = q->api;
    sv_t p = http_req_path(q->http);
    while (p.n > 1 && p.p[p.n - 1] == '/') p.n--;
    bool get = !strcmp(http_req_method(q->http), "GET") || !strcmp(http_req_method(q->http), "HEAD");
    buf_t b = {0};
    bool metrics = !(api->ctx->cfg && api->ctx->cfg->no_metrics);
    if (get && sv_eq_cstr(p, "/version")) {
        buf_puts(&b, "{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.0+kubesim\",\"gitCommit\":"
                     "\"0000000000000000000000000000000000000000\",\"gitTreeState\":\"clean\",\"buildDate\":"
                     "\"2024-08-13T00:00:00Z\",\"goVersion\":\"go1.22.5\",\"compiler\":\"gc\",\"platform\":"
                     "\"linux/amd64\"}");
    } else if (get && (sv_eq_cstr(p, "/healthz") || sv_eq_cstr(p, "/livez") || sv_eq_cstr(p, "/readyz"))) {
        send_text(q, "ok");
        return;
    } else if (get && sv_eq_cstr(p, "/metrics")) {
        send_metrics(q);
        return;
    } else if (get && sv_starts_with(p, SV("/openapi/v3"))) {
        if (!openapi_v3(q, p, &b, metrics)) goto not_found;
    } else if (get && sv_eq_cstr(p, "/api")) {
        buf_printf(&b, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                       "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1:%d\"}]}",
                   api->srv ? http_server_port(api->srv) : 0);
    } else if (get && sv_eq_cstr(p, "/api/v1")) {
        buf_puts(&b, "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":[");
        gv_ctx_t c = {"", "v1", &b, true, false};
        sim_kind_each(api->store, add_resource, &c);
        buf_puts(&b, "]}");
    } else if (get && sv_eq_cstr(p, "/apis")) {
        buf_puts(&b, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[");
        groups_ctx_t c = {.b = &b, .metrics = metrics};
        sim_kind_each(api->store, add_group, &c);
        buf_puts(&b, "]}");
    } else if (get && sv_starts_with(p, SV("/apis/"))) {
        /* /apis/{g} or /apis/{g}/{v} */
        char group[256] = "", version[64] = "";
        sv_t rest = sv_make(p.p + 6, p.n - 6);
        sv_t g = sv_cut(&rest, '/'), v = sv_cut(&rest, '/');
        if (g.n && g.n < sizeof group && v.n < sizeof version && rest.n == 0) {
            memcpy(group, g.p, g.n);
            memcpy(version, v.p, v.n);
        }
        if (!group[0] || (!metrics && !strcmp(group, "metrics.k8s.io"))) goto not_found;
        if (!version[0]) {
            buf_puts(&b, "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",");
            size_t mark = b.len;
            groups_ctx_t c = {.b = &b, .only = group, .metrics = metrics};
            sim_kind_each(api->store, add_group, &c);
            if (!c.found) goto not_found;
            /* add_group wrote {"name":…}: splice it into the APIGroup. */
            char *obj = b.data + mark;
            memmove(obj, obj + 1, b.len - mark - 1);
            b.len -= 1;
            b.data[b.len] = '\0';
        } else {
            buf_printf(&b, "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"%s/%s\","
                           "\"resources\":[",
                       group, version);
            gv_ctx_t c = {group, version, &b, true, false};
            sim_kind_each(api->store, add_resource, &c);
            if (!c.found) goto not_found;
            buf_puts(&b, "]}");
        }
    } else {
        goto not_found;
    }
    sim_api_send_buf(q, 200, &b);
    return;
not_found:
    buf_free(&b);
    sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
}
