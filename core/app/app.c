/* app.c — the serve command's assembly and built-in routes; see app.h. */
#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "app/clusters.h"
#include "app/demo.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "db/db.h"
#include "obs/obs.h"
#include "script/script.h"

#ifndef KB_VERSION
#define KB_VERSION "0.1.0-dev"
#endif

struct app {
    kb_loop_t *loop;
    const kb_config_t *cfg;
    db_t *db;
    obs_registry_t *obs;
    http_server_t *http;
    script_host_t *plugins;
    clusters_t *clusters;
    api_t *api;
    demo_t *demo;
    obs_metric_t *m_requests, *m_duration, *m_conns, *m_rss, *m_plugin_errors, *m_plugin_kills,
        *m_plugin_reload_fail, *m_plugin_mem;
    bool draining;
    api_identity_config_t identity;
    char plugin_user[257]; /* req.user of the plugin route being served */
};

/* ---- metrics and access log ---- */

static void on_response(const http_req_t *r, const char *route, int status, uint64_t ns, void *ud)
{
    app_t *a = ud;
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    const char *rt = *route ? route : "unmatched";
    obs_add(a->m_requests, 1, (const char *[]){rt, code});
    obs_observe(a->m_duration, (double)ns / 1e9, (const char *[]){rt});
    sv_t path = http_req_raw_path(r);
    char p[256], user[128] = "", cluster[128] = "";
    snprintf(p, sizeof p, "%.*s", (int)(path.n < 255 ? path.n : 255), path.p);
    if (a->api) api_request_fields(a->api, r, user, sizeof user, cluster, sizeof cluster);
    log_info("request", "requestId=%s method=%s path=%s route=%s status=%d ms=%.3f peer=%s user=%s cluster=%s",
             http_req_id(r), http_req_method(r), p, rt, status, (double)ns / 1e6, http_req_peer(r),
             *user ? user : NULL, *cluster ? cluster : NULL);
}

static void plugin_metric(const script_plugin_info_t *pi, void *ud)
{
    app_t *a = ud;
    const char *lv[] = {pi->name};
    obs_set(a->m_plugin_errors, (double)pi->errors_total, lv);
    obs_set(a->m_plugin_kills, (double)pi->budget_kills_total, lv);
    obs_set(a->m_plugin_mem, (double)pi->memory_bytes, lv);
}

static void collect(obs_registry_t *r, void *ud)
{
    (void)r;
    app_t *a = ud;
    obs_set(a->m_rss, obs_process_rss_bytes(), NULL);
    obs_set(a->m_conns, http_server_connections(a->http), NULL);
    if (a->plugins) {
        /* plugins come and go with reloads: rebuild their series each scrape */
        obs_clear(a->m_plugin_errors);
        obs_clear(a->m_plugin_kills);
        obs_clear(a->m_plugin_mem);
        script_host_stats(a->plugins, plugin_metric, a);
        script_host_info_t hi;
        script_host_info(a->plugins, &hi);
        obs_set(a->m_plugin_reload_fail, (double)hi.reload_failures_total, NULL);
    }
}

static void register_metrics(app_t *a)
{
    obs_registry_t *o = a->obs;
    a->m_requests = obs_counter(o, "http_requests_total", "HTTP responses by route pattern and status code.",
                                "route,code");
    a->m_duration = obs_histogram(o, "http_request_duration_seconds",
                                  "Time from a request's first byte to its response's last.", "route", NULL, 0);
    a->m_conns = obs_gauge(o, "http_connections_active", "Open HTTP and WebSocket connections.", NULL);
    a->m_rss = obs_gauge(o, "process_resident_memory_bytes", "Resident memory of this process.", NULL);
    a->m_plugin_errors = obs_gauge(o, "plugin_errors_total",
                                   "Failed calls into each plugin (errors and budget kills).", "plugin");
    a->m_plugin_kills = obs_gauge(o, "plugin_budget_kills_total",
                                  "Plugin calls stopped by the instruction, time or memory budget.", "plugin");
    a->m_plugin_mem = obs_gauge(o, "plugin_memory_bytes", "Lua heap of each plugin.", "plugin");
    a->m_plugin_reload_fail = obs_gauge(o, "plugin_reload_failures_total",
                                        "Plugin set reloads rejected (the previous set kept running).", NULL);
    obs_set(obs_gauge(o, "kubilitics_build_info", "Version of this build (always 1).", "version"), 1,
            (const char *[]){KB_VERSION});
    obs_on_collect(o, collect, a);
}

/* ---- built-in routes ---- */

static void h_healthz(http_req_t *r, void *ud)
{
    (void)ud;
    static const char body[] = "{\"status\":\"ok\"}";
    http_res_send(r, 200, "application/json", body, sizeof body - 1);
}

static void h_readyz(http_req_t *r, void *ud)
{
    app_t *a = ud;
    buf_t b = {0};
    /* Ready when not draining and every cluster has listed every type it
     * may read at least once: before that, lists and topology would show a
     * partial picture as if it were whole. */
    bool synced = clusters_all_synced(a->clusters);
    bool ok = !a->draining && synced;
    buf_printf(&b, "{\"status\":\"%s\",\"checks\":{\"database\":\"ok\",\"draining\":%s,\"clustersSynced\":%s",
               ok ? "ok" : "unavailable", a->draining ? "true" : "false", synced ? "true" : "false");
    buf_puts(&b, ",\"clusters\":[");
    for (size_t i = 0; i < clusters_count(a->clusters); i++) {
        if (i) buf_putc(&b, ',');
        cluster_json(clusters_at(a->clusters, i), true, &b);
    }
    buf_puts(&b, "]}}");
    http_res_send_buf(r, ok ? 200 : 503, "application/json", &b);
}

static void h_metrics(http_req_t *r, void *ud)
{
    app_t *a = ud;
    buf_t b = {0};
    obs_render(a->obs, &b);
    http_res_send_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

static void h_version(http_req_t *r, void *ud)
{
    (void)ud;
    buf_t b = {0};
    buf_printf(&b, "{\"version\":\"%s\"}", KB_VERSION);
    http_res_send_buf(r, 200, "application/json", &b);
}

static void h_plugins(http_req_t *r, void *ud)
{
    app_t *a = ud;
    buf_t b = {0};
    script_host_stats_json(a->plugins, &b);
    http_res_send_buf(r, 200, "application/json", &b);
}

static void h_plugins_reload(http_req_t *r, void *ud)
{
    app_t *a = ud;
    err_t e = {0};
    if (script_host_reload(a->plugins, &e) != 0) {
        http_res_error(r, 422, "plugin_invalid", e.msg, NULL);
        return;
    }
    h_plugins(r, ud);
}

/* Everything that is not an API route is the single-page UI: a known asset,
 * or index.html so that client-side routes survive a reload. */
static const http_asset_t *asset_find(const char *rel)
{
    for (size_t i = 0; i < kb_ui_nassets; i++)
        if (strcmp(kb_ui_assets[i].path, rel) == 0) return &kb_ui_assets[i];
    return NULL;
}

static void h_ui(http_req_t *r, void *ud)
{
    app_t *a = ud;
    sv_t path = http_req_path(r);
    if (sv_starts_with(path, SV("/api/"))) {
        http_res_error(r, 404, "not_found", "no such API endpoint", NULL);
        return;
    }
    if (strcmp(http_req_method(r), "GET") && strcmp(http_req_method(r), "HEAD")) {
        http_res_header(r, "Allow", "GET, HEAD");
        http_res_error(r, 405, "method_not_allowed", "the UI is read with GET", NULL);
        return;
    }
    char rel[1024];
    snprintf(rel, sizeof rel, "%.*s", (int)(path.n > 1 ? path.n - 1 : 0), path.p + 1);
    if (!*rel) snprintf(rel, sizeof rel, "index.html");
    if (a->cfg->ui_dir) {
        char full[2048];
        struct stat st;
        snprintf(full, sizeof full, "%s/%s", a->cfg->ui_dir, rel);
        if (strstr(rel, "..") == NULL && stat(full, &st) != 0) snprintf(rel, sizeof rel, "index.html");
        http_res_file(r, a->cfg->ui_dir, rel);
        return;
    }
    if (!kb_ui_nassets) {
        http_res_error(r, 501, "ui_not_built",
                       "this binary was built without the web UI: run `make` (which builds ui/) or pass --ui-dir",
                       NULL);
        return;
    }
    const http_asset_t *as = asset_find(rel);
    if (!as) as = asset_find("index.html");
    http_res_asset(r, as);
}

/* ---- lifecycle ---- */

static void drained(void *ud)
{
    app_t *a = ud;
    err_t e = {0};
    if (a->demo) demo_stop(a->demo), a->demo = NULL;
    if (a->api) api_free(a->api), a->api = NULL;
    if (a->clusters) clusters_free(a->clusters), a->clusters = NULL;
    if (a->plugins) script_host_close(a->plugins), a->plugins = NULL;
    if (a->db && db_checkpoint(a->db, &e) != 0) log_warn("database flush failed", "error=%s", e.msg);
    http_server_close(a->http);
    a->http = NULL;
    kb_loop_monitor_stop(a->loop);
    kb_loop_signals_off(a->loop);
    log_info("stopped", "");
}

static void on_drain(void *ud)
{
    app_t *a = ud;
    a->draining = true;
    if (a->api) api_drain(a->api);
    http_server_drain(a->http, (uint64_t)a->cfg->drain_timeout_ms, drained, a);
}

static void on_reload(void *ud)
{
    app_t *a = ud;
    err_t e = {0};
    if (script_host_reload(a->plugins, &e) != 0)
        log_error("plugin reload failed; the previous plugins keep running", "error=%s", e.msg);
}

int app_parse_listen(const char *listen, char *host, size_t hostsz, int *port, err_t *err)
{
    const char *colon;
    const char *h = listen;
    size_t hl;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':') goto bad;
        h = listen + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon) goto bad;
        hl = (size_t)(colon - listen);
    }
    if (hl == 0 || hl >= hostsz) goto bad;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 0 || p > 65535) goto bad;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (int)p;
    return 0;
bad:
    return err_set(err, ERR_INVALID, "listen address \"%s\": expected HOST:PORT (e.g. 127.0.0.1:8080)", listen);
}

/* req.user for plugin routes: the same identity the API decides. The
 * string lives in the app until the next plugin request. */
static const char *plugin_user(http_req_t *r, void *ud)
{
    app_t *a = ud;
    api_identity_t id;
    err_t e = {0};
    if (api_identity_from_request(r, &a->identity, &id, &e) != 0 || !id.user) {
        api_identity_free(&id);
        return NULL;
    }
    snprintf(a->plugin_user, sizeof a->plugin_user, "%s", id.user);
    api_identity_free(&id);
    return a->plugin_user;
}

static void on_plugins_swapped(script_host_t *h, void *ud)
{
    (void)h;
    app_t *a = ud;
    if (a->clusters) clusters_rules_changed(a->clusters);
}

static void demo_ready(const char *kubeconfig, size_t len, void *ud)
{
    app_t *a = ud;
    err_t e = {0};
    if (!clusters_add_transient(a->clusters, "demo", kubeconfig, len, &e))
        log_error("demo cluster not registered", "error=%s", e.msg);
}

static void demo_failed(const char *reason, void *ud)
{
    (void)ud;
    log_error("demo cluster unavailable", "reason=%s", reason);
}

static int start_clusters(app_t *a, err_t *err)
{
    const kb_config_t *c = a->cfg;
    clusters_config_t cc = {
        .kubeconfigs = (const char *const *)c->kubeconfigs.v,
        .nkubeconfigs = c->kubeconfigs.n,
        .contexts = (const char *const *)c->contexts.v,
        .ncontexts = c->contexts.n,
        .qps = c->kube_qps,
        .burst = (int)c->kube_burst,
        .timeout_ms = (int)c->kube_timeout_ms,
        .prometheus = (const char *const *)c->prometheus_urls.v,
        .nprometheus = c->prometheus_urls.n,
        .prometheus_timeout_ms = (int)c->prometheus_timeout_ms,
    };
    a->clusters = clusters_new(&a->loop->uv, a->db, a->obs, a->plugins, &cc, err);
    if (!a->clusters) return err->code ? err->code : ERR_INTERNAL;
    script_host_on_swap(a->plugins, on_plugins_swapped, a);
    a->identity = (api_identity_config_t){.trust_proxy_headers = c->trust_proxy_headers,
                                          .default_user = c->default_user,
                                          .default_groups = (const char *const *)c->default_groups.v,
                                          .ndefault_groups = c->default_groups.n};
    script_host_set_user_fn(a->plugins, plugin_user, a);
    api_config_t ac = {
        .identity = a->identity,
        .read_only = c->read_only,
        .live_timeout_ms = (int)c->kube_timeout_ms,
    };
    a->api = api_new(&a->loop->uv, a->http, a->clusters, a->obs, &ac, err);
    if (!a->api) return err->code ? err->code : ERR_INTERNAL;
    if (c->demo) {
        demo_handlers_t h = {demo_ready, demo_failed};
        a->demo = demo_start(&a->loop->uv, c->data_dir, &h, a, err);
        if (!a->demo) return err->code ? err->code : ERR_INTERNAL;
    }
    return 0;
}

static int start_plugins(app_t *a, err_t *err)
{
    const kb_config_t *c = a->cfg;
    script_limits_t lim = {
        .max_instructions = (uint64_t)c->plugin_instructions,
        .max_ms = (uint32_t)c->plugin_timeout_ms,
        .max_memory = (size_t)c->plugin_memory_mb << 20,
    };
    a->plugins = script_host_new(&a->loop->uv, a->http, (const char *const *)c->plugin_dirs.v,
                                 c->plugin_dirs.n, &lim, err);
    if (!a->plugins) return err->code ? err->code : ERR_INVALID;
    err_t le = {0};
    /* A broken plugin does not stop the server: it is reported, and fixing
     * the file loads it (the directories are watched). */
    if (script_host_load(a->plugins, &le) != 0)
        log_error("plugins not loaded; fix the file and it reloads", "error=%s", le.msg);
    return 0;
}

app_t *app_start(kb_loop_t *loop, const kb_config_t *cfg, err_t *err)
{
    app_t *a = xcalloc(1, sizeof *a);
    a->loop = loop;
    a->cfg = cfg;
    char host[256];
    int port;
    if (app_parse_listen(cfg->listen, host, sizeof host, &port, err)) goto fail;
    if (db_open(&a->db, cfg->data_dir, err)) goto fail;
    a->obs = obs_registry_new();
    http_config_t hc = {
        .host = host,
        .port = port,
        .max_header_bytes = (size_t)cfg->http_max_header_bytes,
        .max_body_bytes = (size_t)cfg->http_max_body_bytes,
        .max_connections = (int)cfg->http_max_connections,
        .header_timeout_ms = (int)cfg->http_header_timeout_ms,
        .idle_timeout_ms = (int)cfg->http_idle_timeout_ms,
    };
    a->http = http_server_new(&loop->uv, &hc, err);
    if (!a->http) goto fail;
    register_metrics(a);
    /* stalls of the one thread everything shares: kubilitics_loop_lag_seconds */
    kb_loop_monitor_start(loop, a->obs, 100, 250);
    http_server_set_observer(a->http, on_response, a);
    http_route(a->http, "GET", "/healthz", h_healthz, a);
    http_route(a->http, "GET", "/readyz", h_readyz, a);
    http_route(a->http, "GET", "/metrics", h_metrics, a);
    http_route(a->http, "GET", "/api/v1/version", h_version, a);
    http_route(a->http, "GET", "/api/v1/plugins", h_plugins, a);
    http_route(a->http, "POST", "/api/v1/plugins/reload", h_plugins_reload, a);
    http_set_fallback(a->http, h_ui, a);
    if (start_plugins(a, err)) goto fail;
    if (start_clusters(a, err)) goto fail;
    if (http_server_listen(a->http, err)) goto fail;
    kb_loop_on_signals(loop, on_drain, on_reload, a);

    int actual = http_server_port(a->http);
    const char *shown = strchr(host, ':') ? "[%s]:%d" : "%s:%d";
    char addr[300];
    snprintf(addr, sizeof addr, shown, host, actual);
    if (cfg->port_file) {
        FILE *f = fopen(cfg->port_file, "w");
        if (!f) {
            err_set(err, ERR_IO, "port file %s: %s", cfg->port_file, strerror(errno));
            goto fail;
        }
        fprintf(f, "%d\n", actual);
        fclose(f);
    }
    log_info("listening", "addr=%s version=%s dataDir=%s", addr, KB_VERSION, cfg->data_dir);
    printf("listening on http://%s\n", addr);
    fflush(stdout);
    return a;
fail:
    kb_loop_monitor_stop(loop);
    if (a->demo) demo_stop(a->demo), a->demo = NULL;
    if (a->api) api_free(a->api), a->api = NULL;
    if (a->clusters) clusters_free(a->clusters), a->clusters = NULL;
    if (a->plugins) script_host_close(a->plugins), a->plugins = NULL;
    if (a->http) http_server_close(a->http), a->http = NULL;
    app_free(a);
    return NULL;
}

void app_free(app_t *a)
{
    if (!a) return;
    db_close(a->db);
    obs_registry_free(a->obs);
    free(a);
}
