/* ctrl_replicaset.c — ReplicaSet → Pods.
 *
 * Keeps spec.replicas active pods (ownerReferences controller=true) from the
 * template: creates the missing ones in bursts (at most RS_BURST per sync,
 * the rest on the next pass, like the real controller's slow start), deletes
 * the surplus preferring unscheduled, then not-ready, then newest pods, and
 * reports status.replicas / fullyLabeledReplicas / readyReplicas /
 * availableReplicas / observedGeneration. Pods are found through the store's
 * owner index and read from their bytes, never parsed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ctrl_internal.h"

#define RS_BURST 100

typedef struct rs_pod {
    char name[256];
    int rank; /* lower is deleted first */
    uint64_t rv;
} rs_pod_t;

typedef struct rs_walk {
    const sim_controllers_t *c;
    const char *uid;
    rs_pod_t *pods;
    size_t n, cap;
    int ready, labeled;
} rs_walk_t;

static bool rs_visit(const sim_obj_t *o, void *ud)
{
    rs_walk_t *w = ud;
    if (sim_obj_kind(o) != w->c->k.pod || !ctrl_pod_active(o)) return true;
    ctrl_owner_t ow;
    if (!ctrl_controller_of(o, &ow) || strcmp(ow.uid, w->uid) != 0) return true;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->pods = xrealloc(w->pods, w->cap * sizeof *w->pods);
    }
    rs_pod_t *p = &w->pods[w->n++];
    snprintf(p->name, sizeof p->name, "%s", sim_obj_name(o));
    const char *node = sim_obj_field(o, "spec.nodeName");
    bool ready = sim_bytes_pod_ready(sim_obj_bytes(o));
    p->rank = (!node || !*node) ? 0 : (!ready ? 1 : 2);
    p->rv = sim_obj_rv(o);
    if (ready) w->ready++;
    w->labeled++;
    return true;
}

static int by_rank_then_newest(const void *a, const void *b)
{
    const rs_pod_t *x = a, *y = b;
    if (x->rank != y->rank) return x->rank - y->rank;
    return x->rv < y->rv ? 1 : (x->rv > y->rv ? -1 : 0);
}

int ctrl_replicaset_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(c->st, c->k.rs, ns, name);
    if (!o || sim_obj_deleting(o)) return 0;
    const cJSON *rs = sim_obj_json(o);
    const cJSON *spec = sim_jpath(rs, "spec");
    int64_t want = sim_jint(spec, "replicas", 1);
    char uid[64];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(o));
    rs_walk_t w = {.c = c, .uid = uid};
    sim_each_dependent(c->st, uid, rs_visit, &w);
    int64_t have = (int64_t)w.n;
    int rc = 0;
    if (have < want) {
        int64_t n = want - have;
        if (n > RS_BURST) n = RS_BURST, rc = 50;
        const cJSON *tmpl = sim_jpath(spec, "template");
        char gen[300];
        snprintf(gen, sizeof gen, "%s-", name);
        for (int64_t i = 0; i < n; i++) {
            cJSON *pod = ctrl_pod_from_template(tmpl, ns, NULL, gen,
                                                ctrl_owner_ref("apps/v1", "ReplicaSet", name, uid));
            const sim_obj_t *created = NULL;
            if (ctrl_create(c, c->k.pod, ns, pod, &created) < 0) {
                rc = -1;
                break;
            }
            /* re-fetch: the create may have evicted our borrowed tree */
            o = sim_get_obj(c->st, c->k.rs, ns, name);
            if (!o) break;
            ctrl_event_obj(c, o, "Normal", "SuccessfulCreate", "replicaset-controller", "Created pod: %s",
                           created ? sim_obj_name(created) : gen);
            o = sim_get_obj(c->st, c->k.rs, ns, name);
            if (!o) break;
            rs = sim_obj_json(o);
            spec = sim_jpath(rs, "spec");
            tmpl = sim_jpath(spec, "template");
        }
    } else if (have > want) {
        if (w.n > 1) qsort(w.pods, w.n, sizeof *w.pods, by_rank_then_newest);
        int64_t n = have - want;
        if (n > RS_BURST) n = RS_BURST, rc = 50;
        for (int64_t i = 0; i < n; i++) {
            if (ctrl_delete(c, c->k.pod, ns, w.pods[i].name) == 0) {
                const sim_obj_t *cur = sim_get_obj(c->st, c->k.rs, ns, name);
                if (cur)
                    ctrl_event_obj(c, cur, "Normal", "SuccessfulDelete", "replicaset-controller", "Deleted pod: %s",
                                   w.pods[i].name);
            }
        }
    }
    free(w.pods);

    /* status from what exists now */
    o = sim_get_obj(c->st, c->k.rs, ns, name);
    if (!o) return 0;
    rs_walk_t w2 = {.c = c, .uid = uid};
    sim_each_dependent(c->st, uid, rs_visit, &w2);
    free(w2.pods);
    const cJSON *cur = sim_obj_json(o);
    const cJSON *st = sim_jpath(cur, "status");
    int64_t gen = sim_jint(sim_jpath(cur, "metadata"), "generation", 1);
    if (sim_jint(st, "replicas", -1) == (int64_t)w2.n && sim_jint(st, "readyReplicas", 0) == w2.ready &&
        sim_jint(st, "availableReplicas", 0) == w2.ready && sim_jint(st, "observedGeneration", -1) == gen &&
        sim_jint(st, "fullyLabeledReplicas", 0) == w2.labeled)
        return rc;
    cJSON *ns_st = cJSON_CreateObject();
    cJSON_AddNumberToObject(ns_st, "replicas", (double)w2.n);
    cJSON_AddNumberToObject(ns_st, "fullyLabeledReplicas", w2.labeled);
    if (w2.ready) {
        cJSON_AddNumberToObject(ns_st, "readyReplicas", w2.ready);
        cJSON_AddNumberToObject(ns_st, "availableReplicas", w2.ready);
    }
    cJSON_AddNumberToObject(ns_st, "observedGeneration", (double)gen);
    if (ctrl_write_status(c, c->k.rs, ns, name, ns_st) < 0) return -1;
    return rc;
}
