/* kubesync.c — syncs clusters with core/kube and reports what it holds.
 *
 * A test and benchmark driver for core/kube until `kubilitics serve` wires
 * it: loads kubeconfigs, connects each chosen context, discovers the served
 * resource types, runs one reflector per watchable type, and prints JSON
 * lines on stdout:
 *
 *   {"type":"error","context":"x","error":"kubeconfig …"}      a context that could not load
 *   {"type":"report","ms":1234,"clusters":[{"id","status","error","synced",
 *     "objects":{"pods":10,…},"requests":N,"retries":N,"relists":N,"bytesIn":N}]}
 *   {"type":"synced","ms":…,"objects":N,"bytesIn":N,"cpuSeconds":…,"maxRssKiB":N}
 *
 *   kubesync [--kubeconfig F]… [--context C]… [--all-contexts] [--resources all|pods,deployments.apps]
 *            [--qps N] [--burst N] [--report-ms N] [--exit-after-sync] [--timeout-s N]
 *
 * Build: cc -Icore bench/sync/kubesync.c build/libkcore.a $(pkg-config --libs …)
 * (bench/sync/run.sh and the integration tests do this).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "kube/kube.h"

#define MAX_CLUSTERS 64
#define MAX_REFL 512

typedef struct sync_cluster sync_cluster_t;

typedef struct refl {
    sync_cluster_t *sc;
    kube_reflector_t *r;
    bool synced;
} refl_t;

struct sync_cluster {
    kube_cluster_t *cl;
    kube_discovery_t *disc;
    refl_t refl[MAX_REFL];
    int nrefl;
    bool discovered;
};

static struct {
    uv_loop_t *loop;
    kube_client_t *client;
    sync_cluster_t clusters[MAX_CLUSTERS];
    int n;
    const char *resources;
    bool exit_after_sync;
    uint64_t start_ms;
    bool done;
    uv_timer_t report, deadline;
    uv_signal_t sigterm, sigint;
} g;

static void on_event(int type, cJSON *obj, void *ud)
{
    (void)type;
    (void)obj;
    (void)ud;
}

static void on_synced(void *ud)
{
    refl_t *r = ud;
    r->synced = true;
}

static bool wanted(const kube_api_resource_t *r)
{
    if (!r->watchable) return false;
    if (!strcmp(g.resources, "all")) {
        /* Events and leases churn on their own; a dashboard still wants
         * them, so keep them — but never the review subresources. */
        return strcmp(r->group, "authorization.k8s.io") && strcmp(r->group, "authentication.k8s.io");
    }
    const char *p = g.resources;
    while (*p) {
        size_t n = strcspn(p, ",");
        char name[200];
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        char full[256];
        snprintf(full, sizeof full, "%s%s%s", r->resource, *r->group ? "." : "", r->group);
        if (!strcmp(name, full)) return true;
        p += n;
        if (*p == ',') p++;
    }
    return false;
}

static void on_discovery(const kube_api_resource_t *list, size_t n, void *ud)
{
    sync_cluster_t *sc = ud;
    sc->discovered = true;
    for (size_t i = 0; i < n; i++) {
        if (!wanted(&list[i]) || sc->nrefl >= MAX_REFL) continue;
        bool have = false;
        for (int k = 0; k < sc->nrefl && !have; k++) {
            char full[256];
            snprintf(full, sizeof full, "%s%s%s", list[i].resource, *list[i].group ? "." : "", list[i].group);
            have = !strcmp(kube_reflector_resource(sc->refl[k].r), full);
        }
        if (have) continue;
        refl_t *r = &sc->refl[sc->nrefl];
        r->sc = sc;
        kube_reflector_handlers_t h = {.on_event = on_event, .on_synced = on_synced};
        err_t e;
        r->r = kube_reflector_new(sc->cl, list[i].group, list[i].version, list[i].resource, NULL, &h, r, &e);
        if (r->r) sc->nrefl++;
        else fprintf(stderr, "reflector: %s\n", e.msg);
    }
}

static bool all_synced(size_t *objects)
{
    bool ok = g.n > 0;
    *objects = 0;
    for (int i = 0; i < g.n; i++) {
        sync_cluster_t *sc = &g.clusters[i];
        if (!sc->discovered) ok = false;
        for (int k = 0; k < sc->nrefl; k++) {
            kube_reflector_state_t st = kube_reflector_state(sc->refl[k].r);
            if (!sc->refl[k].synced && st != KUBE_REFLECTOR_FORBIDDEN && st != KUBE_REFLECTOR_ERROR) ok = false;
            *objects += kube_reflector_count(sc->refl[k].r);
        }
    }
    return ok;
}

static void report(void)
{
    buf_t b = {0};
    buf_printf(&b, "{\"type\":\"report\",\"ms\":%llu,\"clusters\":[",
               (unsigned long long)(uv_now(g.loop) - g.start_ms));
    for (int i = 0; i < g.n; i++) {
        sync_cluster_t *sc = &g.clusters[i];
        kube_cluster_status_t st;
        kube_cluster_status(sc->cl, &st);
        kube_cluster_stats_t s;
        kube_cluster_stats(sc->cl, &s);
        buf_printf(&b, "%s{\"id\":", i ? "," : "");
        buf_json_cstr(&b, kube_cluster_id(sc->cl));
        buf_printf(&b, ",\"status\":\"%s\",\"error\":", kube_cluster_state_name(st.state));
        if (st.error) buf_json_cstr(&b, st.error);
        else buf_puts(&b, "null");
        bool synced = sc->discovered;
        for (int k = 0; k < sc->nrefl; k++) synced = synced && sc->refl[k].synced;
        buf_printf(&b, ",\"synced\":%s,\"objects\":{", synced ? "true" : "false");
        for (int k = 0; k < sc->nrefl; k++) {
            buf_printf(&b, "%s", k ? "," : "");
            buf_json_cstr(&b, kube_reflector_resource(sc->refl[k].r));
            buf_printf(&b, ":%zu", kube_reflector_count(sc->refl[k].r));
        }
        buf_printf(&b, "},\"requests\":%llu,\"retries\":%llu,\"relists\":%llu,\"dropped\":%llu,\"bytesIn\":%llu}",
                   (unsigned long long)s.requests, (unsigned long long)s.retries, (unsigned long long)s.relists,
                   (unsigned long long)s.dropped, (unsigned long long)s.bytes_in);
    }
    buf_puts(&b, "]}\n");
    fwrite(b.data, 1, b.len, stdout);
    fflush(stdout);
    buf_free(&b);
}

static void stop_all(void)
{
    if (g.done) return;
    g.done = true;
    for (int i = 0; i < g.n; i++) {
        for (int k = 0; k < g.clusters[i].nrefl; k++) kube_reflector_free(g.clusters[i].refl[k].r);
        kube_discovery_free(g.clusters[i].disc);
    }
    kube_client_free(g.client);
    uv_close((uv_handle_t *)&g.report, NULL);
    uv_close((uv_handle_t *)&g.deadline, NULL);
    uv_close((uv_handle_t *)&g.sigterm, NULL);
    uv_close((uv_handle_t *)&g.sigint, NULL);
}

static void on_report(uv_timer_t *t)
{
    (void)t;
    size_t objects;
    bool synced = all_synced(&objects);
    report();
    if (synced && g.exit_after_sync) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        uint64_t bytes = 0;
        for (int i = 0; i < g.n; i++) {
            kube_cluster_stats_t s;
            kube_cluster_stats(g.clusters[i].cl, &s);
            bytes += s.bytes_in;
        }
        double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                     (double)ru.ru_stime.tv_usec / 1e6;
        printf("{\"type\":\"synced\",\"ms\":%llu,\"objects\":%zu,\"bytesIn\":%llu,\"cpuSeconds\":%.3f,"
               "\"maxRssKiB\":%ld}\n",
               (unsigned long long)(uv_now(g.loop) - g.start_ms), objects, (unsigned long long)bytes, cpu,
               ru.ru_maxrss);
        fflush(stdout);
        stop_all();
    }
}

static void on_deadline(uv_timer_t *t)
{
    (void)t;
    report();
    fprintf(stderr, "kubesync: timed out\n");
    stop_all();
}

static void on_signal(uv_signal_t *s, int sig)
{
    (void)s;
    (void)sig;
    stop_all();
}

static void usage(void)
{
    fprintf(stderr, "usage: kubesync [--kubeconfig F]... [--context C]... [--all-contexts] [--resources all|a,b]\n"
                    "                [--qps N] [--burst N] [--report-ms N] [--exit-after-sync] [--timeout-s N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *paths[32];
    size_t npaths = 0;
    const char *contexts[MAX_CLUSTERS];
    int ncontexts = 0;
    bool all_contexts = false;
    double qps = 0;
    int burst = 0, report_ms = 500, timeout_s = 0;
    g.resources = "all";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--kubeconfig") && v && npaths < 32) paths[npaths++] = argv[++i];
        else if (!strcmp(a, "--context") && v && ncontexts < MAX_CLUSTERS) contexts[ncontexts++] = argv[++i];
        else if (!strcmp(a, "--all-contexts")) all_contexts = true;
        else if (!strcmp(a, "--resources") && v) g.resources = argv[++i];
        else if (!strcmp(a, "--qps") && v) qps = atof(argv[++i]);
        else if (!strcmp(a, "--burst") && v) burst = atoi(argv[++i]);
        else if (!strcmp(a, "--report-ms") && v) report_ms = atoi(argv[++i]);
        else if (!strcmp(a, "--timeout-s") && v) timeout_s = atoi(argv[++i]);
        else if (!strcmp(a, "--exit-after-sync")) g.exit_after_sync = true;
        else usage();
    }
    log_set_level(getenv("KUBESYNC_LOG") ? log_parse_level(getenv("KUBESYNC_LOG")) : LOG_WARN);
    char **envpaths = NULL;
    unsigned flags = 0;
    if (!npaths) {
        const char *env = getenv("KUBECONFIG");
        size_t n = 0;
        envpaths = kubeconfig_split_paths(env, &n);
        for (size_t i = 0; i < n && npaths < 32; i++) paths[npaths++] = envpaths[i];
        flags = KUBECONFIG_SKIP_MISSING;
    }
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load(paths, npaths, flags, &e);
    if (!kc) {
        fprintf(stderr, "%s\n", e.msg);
        return 2;
    }
    if (all_contexts)
        for (size_t i = 0; i < kubeconfig_context_count(kc) && ncontexts < MAX_CLUSTERS; i++)
            contexts[ncontexts++] = kubeconfig_context_name(kc, i);
    if (!ncontexts) contexts[ncontexts++] = NULL;

    uv_loop_t loop;
    uv_loop_init(&loop);
    g.loop = &loop;
    g.client = kube_client_new(&loop, &e);
    if (!g.client) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    for (int i = 0; i < ncontexts; i++) {
        kube_cluster_config_t *cfg = kubeconfig_resolve(kc, contexts[i], &e);
        kube_cluster_t *cl = NULL;
        if (cfg) {
            cfg->qps = qps;
            cfg->burst = burst;
            cl = kube_cluster_new(g.client, cfg, &e);
        }
        kube_cluster_config_free(cfg);
        if (!cl) {
            buf_t b = {0};
            buf_puts(&b, "{\"type\":\"error\",\"context\":");
            buf_json_cstr(&b, contexts[i] ? contexts[i] : "");
            buf_puts(&b, ",\"error\":");
            buf_json_cstr(&b, e.msg);
            buf_puts(&b, "}\n");
            fwrite(b.data, 1, b.len, stdout);
            buf_free(&b);
            continue;
        }
        sync_cluster_t *sc = &g.clusters[g.n++];
        sc->cl = cl;
        sc->disc = kube_discovery_new(cl, on_discovery, sc, &e);
    }
    fflush(stdout);
    kubeconfig_free(kc);
    kubeconfig_paths_free(envpaths);
    g.start_ms = uv_now(&loop);
    uv_timer_init(&loop, &g.report);
    uv_timer_start(&g.report, on_report, (uint64_t)report_ms, (uint64_t)report_ms);
    uv_timer_init(&loop, &g.deadline);
    if (timeout_s > 0) uv_timer_start(&g.deadline, on_deadline, (uint64_t)timeout_s * 1000, 0);
    uv_signal_init(&loop, &g.sigterm);
    uv_signal_start(&g.sigterm, on_signal, SIGTERM);
    uv_signal_init(&loop, &g.sigint);
    uv_signal_start(&g.sigint, on_signal, SIGINT);
    if (g.n == 0) stop_all();
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return g.n == 0 ? 1 : 0;
}
