/* ctrl_metrics.c — metrics.k8s.io/v1beta1 content for kubesim (see
 * sim_metrics_* in ctrl.h).
 *
 * Nothing is sampled or stored: a container's usage at time t is a smooth
 * function of a per-container seed and t (two value-noise curves, one slow
 * and one fast), scaled to its requests and clamped under its limits. A
 * node's usage is a per-node system overhead plus its running pods' usage.
 * Pod resources are read from the committed bytes, not parsed trees, so a
 * node summary over 150k pods stays cheap.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/map.h"
#include "base/mem.h"
#include "ctrl.h"
#include "ctrl_internal.h"

/* Value noise in [0,1]: a random value per period, cosine-interpolated. */
static double smooth(uint64_t seed, int64_t t_ms, int64_t period_ms)
{
    int64_t k = t_ms / period_ms;
    double f = (double)(t_ms % period_ms) / (double)period_ms;
    double a = sim_unit(sim_mix64(seed ^ (uint64_t)k * 0x9e3779b97f4a7c15ULL));
    double b = sim_unit(sim_mix64(seed ^ (uint64_t)(k + 1) * 0x9e3779b97f4a7c15ULL));
    double w = (1 - cos(f * M_PI)) / 2;
    return a + (b - a) * w;
}

void sim_metrics_container_usage(uint64_t seed, int64_t req_cpu_m, int64_t lim_cpu_m, int64_t req_mem,
                                 int64_t lim_mem, int64_t now_ms, int64_t *cpu_nano, int64_t *mem_bytes)
{
    double slow = smooth(seed, now_ms, 600000), fast = smooth(seed ^ 0x5bd1e995, now_ms, 30000);
    double base_cpu = req_cpu_m > 0 ? (double)req_cpu_m : 20.0 + (double)(seed % 80);
    double cpu_m = base_cpu * (0.08 + 0.55 * slow + 0.45 * fast);
    if (lim_cpu_m > 0 && cpu_m > 0.97 * (double)lim_cpu_m) cpu_m = 0.97 * (double)lim_cpu_m;
    double base_mem = req_mem > 0 ? (double)req_mem : (double)(32 + seed % 96) * 1048576.0;
    double mem = base_mem * (0.45 + 0.35 * slow + 0.08 * fast);
    if (lim_mem > 0 && mem > 0.95 * (double)lim_mem) mem = 0.95 * (double)lim_mem;
    if (cpu_nano) *cpu_nano = (int64_t)(cpu_m * 1e6) + 1;
    if (mem_bytes) *mem_bytes = ((int64_t)mem / 1024) * 1024;
}

static cJSON *usage_obj(int64_t cpu_nano, int64_t mem)
{
    char v[48];
    cJSON *u = cJSON_CreateObject();
    snprintf(v, sizeof v, "%lldn", (long long)cpu_nano);
    cJSON_AddStringToObject(u, "cpu", v);
    snprintf(v, sizeof v, "%lldKi", (long long)(mem / 1024));
    cJSON_AddStringToObject(u, "memory", v);
    return u;
}

static cJSON *labels_obj(const sim_obj_t *o)
{
    cJSON *l = cJSON_CreateObject();
    const char *p = sim_obj_labels_packed(o);
    while (p && *p) {
        const char *k = p;
        const char *v = k + strlen(k) + 1;
        cJSON_AddStringToObject(l, k, v);
        p = v + strlen(v) + 1;
    }
    return l;
}

static cJSON *metrics_head(const char *kind, const sim_obj_t *o, int64_t now_ms)
{
    char ts[32];
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "kind", kind);
    cJSON_AddStringToObject(m, "apiVersion", "metrics.k8s.io/v1beta1");
    cJSON *md = cJSON_AddObjectToObject(m, "metadata");
    cJSON_AddStringToObject(md, "name", sim_obj_name(o));
    if (*sim_obj_namespace(o)) cJSON_AddStringToObject(md, "namespace", sim_obj_namespace(o));
    clock_rfc3339(now_ms / 1000, ts);
    cJSON_AddStringToObject(md, "creationTimestamp", ts);
    cJSON_AddItemToObject(md, "labels", labels_obj(o));
    /* metrics-server scrapes every 15 s: report the last scrape. */
    clock_rfc3339((now_ms / 15000) * 15, ts);
    cJSON_AddStringToObject(m, "timestamp", ts);
    cJSON_AddStringToObject(m, "window", "30s");
    return m;
}

static bool pod_has_metrics(const sim_obj_t *o)
{
    const char *phase = sim_obj_field(o, "status.phase");
    const char *node = sim_obj_field(o, "spec.nodeName");
    return phase && strcmp(phase, "Running") == 0 && node && *node;
}

static uint64_t container_seed(const sim_obj_t *pod, const char *container)
{
    uint64_t h = sim_hash_str(sim_obj_namespace(pod), 3);
    h = sim_mix64(h ^ sim_hash_str(sim_obj_name(pod), 5));
    return sim_mix64(h ^ sim_hash_str(container, 7));
}

static cJSON *pod_metrics(const sim_obj_t *o, int64_t now_ms)
{
    cJSON *cs = sim_bytes_member(sim_obj_bytes(o), "containers");
    if (!cJSON_IsArray(cs)) {
        cJSON_Delete(cs);
        return NULL;
    }
    cJSON *m = metrics_head("PodMetrics", o, now_ms);
    cJSON *out = cJSON_AddArrayToObject(m, "containers");
    const cJSON *c;
    cJSON_ArrayForEach(c, cs)
    {
        const char *name = sim_jstr(c, "name");
        if (!name) continue;
        const cJSON *req = sim_jpath(c, "resources", "requests");
        const cJSON *lim = sim_jpath(c, "resources", "limits");
        int64_t cpu, mem;
        sim_metrics_container_usage(container_seed(o, name),
                                    sim_qty_json_milli(cJSON_GetObjectItemCaseSensitive(req, "cpu")),
                                    sim_qty_json_milli(cJSON_GetObjectItemCaseSensitive(lim, "cpu")),
                                    sim_qty_json_value(cJSON_GetObjectItemCaseSensitive(req, "memory")),
                                    sim_qty_json_value(cJSON_GetObjectItemCaseSensitive(lim, "memory")), now_ms, &cpu,
                                    &mem);
        cJSON *ce = cJSON_CreateObject();
        cJSON_AddStringToObject(ce, "name", name);
        cJSON_AddItemToObject(ce, "usage", usage_obj(cpu, mem));
        cJSON_AddItemToArray(out, ce);
    }
    cJSON_Delete(cs);
    return m;
}

typedef struct pods_walk {
    cJSON *arr;
    int64_t now_ms;
} pods_walk_t;

static bool pods_visit(const sim_obj_t *o, void *ud)
{
    pods_walk_t *w = ud;
    if (!pod_has_metrics(o)) return true;
    cJSON *m = pod_metrics(o, w->now_ms);
    if (m) cJSON_AddItemToArray(w->arr, m);
    return true;
}

cJSON *sim_metrics_pods(sim_ctx_t *ctx, const char *ns, const char *name)
{
    if (ctx->cfg && ctx->cfg->no_metrics) return NULL;
    const sim_kind_t *pk = sim_kind_by_kind(ctx->store, "", "Pod");
    int64_t now = clock_wall_ms();
    if (name && *name) {
        const sim_obj_t *o = sim_get_obj(ctx->store, pk, ns, name);
        if (!o || !pod_has_metrics(o)) return NULL;
        cJSON *m = pod_metrics(o, now);
        if (!m) return NULL;
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, m);
        return arr;
    }
    pods_walk_t w = {cJSON_CreateArray(), now};
    sim_each(ctx->store, pk, ns, pods_visit, &w);
    return w.arr;
}

/* A pod's whole usage, from its summed requests/limits: what a node adds up.
 * Cheaper than per-container metrics and close to their sum. */
static void pod_total_usage(const sim_obj_t *o, int64_t now_ms, int64_t *cpu, int64_t *mem)
{
    int64_t rc, rm, lc, lm;
    sim_bytes_resources(sim_obj_bytes(o), &rc, &rm, &lc, &lm);
    sim_metrics_container_usage(container_seed(o, ""), rc, lc, rm, lm, now_ms, cpu, mem);
}

typedef struct node_acc {
    int64_t cpu, mem;
} node_acc_t;

typedef struct nodes_walk {
    map_t acc; /* node name → node_acc_t */
    const char *only;
    int64_t now_ms;
} nodes_walk_t;

static bool nodes_pod_visit(const sim_obj_t *o, void *ud)
{
    nodes_walk_t *w = ud;
    if (!pod_has_metrics(o)) return true;
    const char *node = sim_obj_field(o, "spec.nodeName");
    if (w->only && strcmp(node, w->only) != 0) return true;
    node_acc_t *a = map_gets(&w->acc, node);
    if (!a) {
        a = xcalloc(1, sizeof *a);
        map_puts(&w->acc, node, a);
    }
    int64_t c, m;
    pod_total_usage(o, w->now_ms, &c, &m);
    a->cpu += c;
    a->mem += m;
    return true;
}

typedef struct nodes_out {
    nodes_walk_t *w;
    cJSON *arr;
} nodes_out_t;

static cJSON *node_metrics(const sim_obj_t *n, const node_acc_t *a, int64_t now_ms)
{
    const cJSON *alloc = sim_jpath(sim_obj_json(n), "status", "capacity");
    int64_t cap_cpu = sim_qty_json_milli(cJSON_GetObjectItemCaseSensitive(alloc, "cpu"));
    int64_t cap_mem = sim_qty_json_value(cJSON_GetObjectItemCaseSensitive(alloc, "memory"));
    if (cap_cpu <= 0) cap_cpu = 4000;
    if (cap_mem <= 0) cap_mem = 16LL << 30;
    uint64_t seed = sim_hash_str(sim_obj_name(n), 19);
    /* kubelet, container runtime and system daemons */
    double s = smooth(seed, now_ms, 120000);
    int64_t cpu = (int64_t)((60.0 + 0.03 * (double)cap_cpu * (0.5 + s)) * 1e6);
    int64_t mem = (int64_t)(600.0 * 1048576.0 + 0.04 * (double)cap_mem * s);
    if (a) {
        cpu += a->cpu;
        mem += a->mem;
    }
    if (cpu > cap_cpu * 1000000) cpu = cap_cpu * 1000000 - 1000;
    if (mem > cap_mem) mem = cap_mem - 4096;
    cJSON *m = metrics_head("NodeMetrics", n, now_ms);
    cJSON_AddItemToObject(m, "usage", usage_obj(cpu, mem));
    return m;
}

static bool nodes_node_visit(const sim_obj_t *n, void *ud)
{
    nodes_out_t *o = ud;
    cJSON_AddItemToArray(o->arr, node_metrics(n, map_gets(&o->w->acc, sim_obj_name(n)), o->w->now_ms));
    return true;
}

cJSON *sim_metrics_nodes(sim_ctx_t *ctx, const char *name)
{
    if (ctx->cfg && ctx->cfg->no_metrics) return NULL;
    const sim_kind_t *nk = sim_kind_by_kind(ctx->store, "", "Node");
    const sim_kind_t *pk = sim_kind_by_kind(ctx->store, "", "Pod");
    nodes_walk_t w = {.only = name && *name ? name : NULL, .now_ms = clock_wall_ms()};
    if (w.only && !sim_get_obj(ctx->store, nk, NULL, w.only)) return NULL;
    sim_each(ctx->store, pk, NULL, nodes_pod_visit, &w);
    nodes_out_t out = {&w, cJSON_CreateArray()};
    if (w.only) nodes_node_visit(sim_get_obj(ctx->store, nk, NULL, w.only), &out);
    else sim_each(ctx->store, nk, NULL, nodes_node_visit, &out);
    map_slot_t *slot;
    for (size_t it = 0; map_next(&w.acc, &it, &slot);) free(slot->val);
    map_free(&w.acc);
    return out.arr;
}
