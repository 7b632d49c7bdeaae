/* ctrl_scheduler.c — binds pending pods to nodes.
 *
 * Filters: node Ready and schedulable, spec.nodeSelector against node
 * labels, NoSchedule/NoExecute taints tolerated, requests fit in
 * allocatable minus what bound pods request, pod count under
 * allocatable pods. Score: the least requested CPU share, ties broken by a
 * hash of pod and node so placement is spread yet deterministic. Like the
 * real scheduler on big clusters it stops after finding SCHED_SAMPLE
 * feasible nodes, starting from a rotating offset. Binding sets
 * spec.nodeName and the PodScheduled condition; events Scheduled or
 * FailedScheduling (then retried after a few seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "ctrl_internal.h"

#define SCHED_SAMPLE 64

bool ctrl_tolerates(const cJSON *tolerations, const cJSON *taints);

static bool toleration_matches(const cJSON *tol, const cJSON *taint)
{
    const char *tk = sim_jstr(taint, "key"), *tv = sim_jstr(taint, "value"), *te = sim_jstr(taint, "effect");
    const char *k = sim_jstr(tol, "key"), *op = sim_jstr(tol, "operator"), *v = sim_jstr(tol, "value"),
               *e = sim_jstr(tol, "effect");
    if (e && *e && te && strcmp(e, te) != 0) return false;
    bool exists = op && strcmp(op, "Exists") == 0;
    if (!k || !*k) return exists; /* empty key + Exists tolerates everything */
    if (!tk || strcmp(k, tk) != 0) return false;
    if (exists) return true;
    return strcmp(v ? v : "", tv ? tv : "") == 0;
}

bool ctrl_tolerates(const cJSON *tolerations, const cJSON *taints)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, taints)
    {
        const char *eff = sim_jstr(t, "effect");
        if (!eff || strcmp(eff, "PreferNoSchedule") == 0) continue;
        bool ok = false;
        const cJSON *tol;
        cJSON_ArrayForEach(tol, tolerations)
        {
            if (toleration_matches(tol, t)) {
                ok = true;
                break;
            }
        }
        if (!ok) return false;
    }
    return true;
}

typedef struct sched_why {
    int total, not_ready, selector, taint, cpu, mem, pods;
} sched_why_t;

int ctrl_scheduler_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(c->st, c->k.pod, ns, name);
    if (!o || !ctrl_pod_active(o)) return 0;
    const char *bound = sim_obj_field(o, "spec.nodeName");
    if (bound && *bound) return 0;
    const char *sched = sim_obj_field(o, "spec.schedulerName");
    if (sched && *sched && strcmp(sched, "default-scheduler") != 0) return 0;
    const cJSON *pod = sim_obj_json(o);
    const cJSON *spec = sim_jpath(pod, "spec");
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(spec, "nodeSelector");
    const cJSON *tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
    int64_t cpu, mem;
    sim_bytes_resources(sim_obj_bytes(o), &cpu, &mem, NULL, NULL);
    uint64_t ph = sim_hash_str(sim_obj_uid(o), 23);

    /* rotate the starting point so consecutive pods spread */
    size_t nn = c->nodes.len;
    if (!nn) return 2000;
    ctrl_node_t **cand = xmalloc(nn * sizeof *cand);
    size_t nc = 0;
    map_slot_t *slot;
    for (size_t it = 0; map_next(&c->nodes, &it, &slot);) cand[nc++] = slot->val;
    size_t start = (size_t)(sim_rng_next(&c->rng) % nc);
    sched_why_t why = {.total = (int)nc};
    ctrl_node_t *best = NULL;
    double best_score = -1;
    int feasible = 0;
    for (size_t i = 0; i < nc && feasible < SCHED_SAMPLE; i++) {
        ctrl_node_t *n = cand[(start + i) % nc];
        if (!n->ready || n->unschedulable) {
            why.not_ready++;
            continue;
        }
        if (sel && cJSON_GetArraySize(sel) > 0 && !sim_labels_match(sel, n->labels)) {
            why.selector++;
            continue;
        }
        if (!ctrl_tolerates(tols, n->taints)) {
            why.taint++;
            continue;
        }
        if (n->used_pods + 1 > n->alloc_pods) {
            why.pods++;
            continue;
        }
        if (cpu > 0 && n->used_cpu_m + cpu > n->alloc_cpu_m) {
            why.cpu++;
            continue;
        }
        if (mem > 0 && n->used_mem + mem > n->alloc_mem) {
            why.mem++;
            continue;
        }
        feasible++;
        double free_share = 1.0 - (double)(n->used_cpu_m + cpu) / (double)(n->alloc_cpu_m ? n->alloc_cpu_m : 1);
        double score = free_share + sim_unit(sim_mix64(ph ^ sim_hash_str(n->name, 29))) * 0.01;
        if (score > best_score) best_score = score, best = n;
    }
    free(cand);
    char ts[32];
    sim_now_rfc3339(c->now_ms, ts);
    if (!best) {
        buf_t msg = {0};
        buf_printf(&msg, "0/%d nodes are available:", why.total);
        int parts = 0;
#define WHY(n, text)                                                                                             \
    if (n) buf_printf(&msg, "%s %d %s", parts++ ? "," : "", n, text);
        WHY(why.cpu, "Insufficient cpu")
        WHY(why.mem, "Insufficient memory")
        WHY(why.pods, "Too many pods")
        WHY(why.selector, "node(s) didn't match Pod's node affinity/selector")
        WHY(why.taint, "node(s) had untolerated taint")
        WHY(why.not_ready, "node(s) were not ready or unschedulable")
#undef WHY
        buf_puts(&msg, ". preemption: not eligible due to preemptionPolicy=Never.");
        ctrl_event_obj(c, o, "Warning", "FailedScheduling", "default-scheduler", "%s", msg.data);
        cJSON *upd = sim_get_copy(c->st, c->k.pod, ns, name);
        if (upd) {
            cJSON *st = sim_jobj(upd, "status");
            sim_jset_str(st, "phase", "Pending");
            cJSON *conds = cJSON_CreateArray();
            cJSON *cnd = cJSON_CreateObject();
            cJSON_AddStringToObject(cnd, "type", "PodScheduled");
            cJSON_AddStringToObject(cnd, "status", "False");
            cJSON_AddNullToObject(cnd, "lastProbeTime");
            cJSON_AddStringToObject(cnd, "lastTransitionTime", ts);
            cJSON_AddStringToObject(cnd, "reason", "Unschedulable");
            cJSON_AddStringToObject(cnd, "message", msg.data);
            cJSON_AddItemToArray(conds, cnd);
            const cJSON *old = cJSON_GetObjectItemCaseSensitive(st, "conditions");
            const cJSON *oc = cJSON_GetArrayItem(old, 0);
            bool same = oc && sim_jstr(oc, "message") && strcmp(sim_jstr(oc, "message"), msg.data) == 0;
            if (same) {
                cJSON_Delete(conds);
                cJSON_Delete(upd);
            } else {
                sim_jset(st, "conditions", conds);
                ctrl_update_status(c, c->k.pod, ns, upd);
            }
        }
        buf_free(&msg);
        return 5000;
    }
    cJSON *upd = sim_get_copy(c->st, c->k.pod, ns, name);
    if (!upd) return 0;
    sim_jset_str(sim_jobj(upd, "spec"), "nodeName", best->name);
    char node_name[256];
    snprintf(node_name, sizeof node_name, "%s", best->name);
    if (ctrl_update(c, c->k.pod, ns, upd) < 0) return -1;
    upd = sim_get_copy(c->st, c->k.pod, ns, name);
    if (upd) {
        cJSON *st = sim_jobj(upd, "status");
        sim_jset_str(st, "phase", "Pending");
        cJSON *conds = cJSON_CreateArray();
        cJSON *cnd = cJSON_CreateObject();
        cJSON_AddStringToObject(cnd, "type", "PodScheduled");
        cJSON_AddStringToObject(cnd, "status", "True");
        cJSON_AddNullToObject(cnd, "lastProbeTime");
        cJSON_AddStringToObject(cnd, "lastTransitionTime", ts);
        cJSON_AddItemToArray(conds, cnd);
        sim_jset(st, "conditions", conds);
        ctrl_update_status(c, c->k.pod, ns, upd);
    }
    const sim_obj_t *now = sim_get_obj(c->st, c->k.pod, ns, name);
    if (now)
        ctrl_event_obj(c, now, "Normal", "Scheduled", "default-scheduler", "Successfully assigned %s/%s to %s", ns,
                       name, node_name);
    return 0;
}
