/* ctrl_daemonset.c — DaemonSet → one Pod per eligible node.
 *
 * A node is eligible when its labels match the template's nodeSelector and
 * its NoSchedule/NoExecute taints are tolerated by the template's
 * tolerations plus those the real controller adds (not-ready, unreachable,
 * disk/memory/pid pressure, unschedulable). Pods are bound directly
 * (spec.nodeName, plus the node affinity the real controller writes), so
 * the scheduler is not involved. Extra pods and pods on nodes no longer
 * eligible are deleted. At most DS_BURST pods are created per sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ctrl_internal.h"

#define DS_BURST 200
#define DSC "daemonset-controller"

typedef struct ds_walk {
    const sim_controllers_t *c;
    const char *uid;
    map_t by_node; /* node → (void*)1 when a pod is there */
    char (*extra)[256];
    size_t nextra, cap;
    int ready, total;
} ds_walk_t;

static void add_extra(ds_walk_t *w, const char *name)
{
    if (w->nextra == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->extra = xrealloc(w->extra, w->cap * sizeof *w->extra);
    }
    snprintf(w->extra[w->nextra++], 256, "%s", name);
}

static bool ds_visit(const sim_obj_t *o, void *ud)
{
    ds_walk_t *w = ud;
    if (sim_obj_kind(o) != w->c->k.pod || !ctrl_pod_active(o)) return true;
    ctrl_owner_t ow;
    if (!ctrl_controller_of(o, &ow) || strcmp(ow.uid, w->uid) != 0) return true;
    const char *node = sim_obj_field(o, "spec.nodeName");
    if (!node || !*node) return true;
    if (map_gets(&w->by_node, node)) {
        add_extra(w, sim_obj_name(o));
        return true;
    }
    map_puts(&w->by_node, node, (void *)sim_obj_name(o));
    w->total++;
    if (sim_bytes_pod_ready(sim_obj_bytes(o))) w->ready++;
    return true;
}

static cJSON *default_tolerations(const cJSON *tmpl_tols)
{
    cJSON *t = tmpl_tols ? cJSON_Duplicate(tmpl_tols, true) : cJSON_CreateArray();
    static const char *const keys[] = {"node.kubernetes.io/not-ready",      "node.kubernetes.io/unreachable",
                                       "node.kubernetes.io/disk-pressure",  "node.kubernetes.io/memory-pressure",
                                       "node.kubernetes.io/pid-pressure",   "node.kubernetes.io/unschedulable"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "key", keys[i]);
        cJSON_AddStringToObject(x, "operator", "Exists");
        cJSON_AddStringToObject(x, "effect", i < 2 ? "NoExecute" : "NoSchedule");
        cJSON_AddItemToArray(t, x);
    }
    return t;
}

int ctrl_daemonset_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(c->st, c->k.ds, ns, name);
    if (!o || sim_obj_deleting(o)) return 0;
    const cJSON *ds = sim_obj_json(o);
    const cJSON *tmpl = sim_jpath(ds, "spec", "template");
    const cJSON *sel = sim_jpath(tmpl, "spec", "nodeSelector");
    cJSON *tols = default_tolerations(sim_jpath(tmpl, "spec", "tolerations"));
    char uid[64], hash[16];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(o));
    ctrl_template_hash(tmpl, 0, hash);
    ds_walk_t w = {.c = c, .uid = uid};
    sim_each_dependent(c->st, uid, ds_visit, &w);
    int rc = 0, created = 0;
    int64_t desired = 0;
    map_slot_t *slot;
    for (size_t it = 0; map_next(&c->nodes, &it, &slot);) {
        ctrl_node_t *n = slot->val;
        bool eligible = (!sel || !sel->child || sim_labels_match(sel, n->labels)) && ctrl_tolerates(tols, n->taints);
        const char *have = map_gets(&w.by_node, n->name);
        if (!eligible) {
            if (have) add_extra(&w, have);
            continue;
        }
        desired++;
        if (have) continue;
        if (created >= DS_BURST) {
            rc = 100;
            continue;
        }
        cJSON *t = cJSON_Duplicate(tmpl, true);
        if (!t) t = cJSON_CreateObject();
        cJSON *labels = sim_jobj(sim_jobj(t, "metadata"), "labels");
        sim_jset_str(labels, "controller-revision-hash", hash);
        sim_jset_str(labels, "pod-template-generation", "1");
        cJSON *ps = sim_jobj(t, "spec");
        sim_jset_str(ps, "nodeName", n->name);
        sim_jset(ps, "tolerations", cJSON_Duplicate(tols, true));
        /* the node affinity the real controller pins each pod with */
        cJSON *aff = cJSON_CreateObject();
        cJSON *terms = cJSON_AddArrayToObject(
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(aff, "nodeAffinity"),
                                    "requiredDuringSchedulingIgnoredDuringExecution"),
            "nodeSelectorTerms");
        cJSON *term = cJSON_CreateObject();
        cJSON *mf = cJSON_AddArrayToObject(term, "matchFields");
        cJSON *req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "key", "metadata.name");
        cJSON_AddStringToObject(req, "operator", "In");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "values"), cJSON_CreateString(n->name));
        cJSON_AddItemToArray(mf, req);
        cJSON_AddItemToArray(terms, term);
        sim_jset(ps, "affinity", aff);
        char gen[300];
        snprintf(gen, sizeof gen, "%.240s-", name);
        cJSON *pod = ctrl_pod_from_template(t, ns, NULL, gen, ctrl_owner_ref("apps/v1", "DaemonSet", name, uid));
        cJSON_Delete(t);
        const sim_obj_t *po = NULL;
        if (ctrl_create(c, c->k.pod, ns, pod, &po) == 0) {
            created++;
            ctrl_event_obj(c, o, "Normal", "SuccessfulCreate", DSC, "Created pod: %s", po ? sim_obj_name(po) : gen);
        }
    }
    for (size_t i = 0; i < w.nextra; i++) {
        if (ctrl_delete(c, c->k.pod, ns, w.extra[i]) == 0)
            ctrl_event_obj(c, o, "Normal", "SuccessfulDelete", DSC, "Deleted pod: %s", w.extra[i]);
    }
    cJSON_Delete(tols);
    int total = w.total;
    int ready = w.ready;
    free(w.extra);
    map_free(&w.by_node);
    cJSON *upd = sim_get_copy(c->st, c->k.ds, ns, name);
    if (!upd) return rc;
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(upd, "status");
    cJSON *st = cJSON_CreateObject();
    cJSON_AddNumberToObject(st, "currentNumberScheduled", total + created);
    cJSON_AddNumberToObject(st, "numberMisscheduled", 0);
    cJSON_AddNumberToObject(st, "desiredNumberScheduled", (double)desired);
    cJSON_AddNumberToObject(st, "numberReady", ready);
    cJSON_AddNumberToObject(st, "observedGeneration", (double)sim_jint(sim_jpath(upd, "metadata"), "generation", 1));
    cJSON_AddNumberToObject(st, "updatedNumberScheduled", total + created);
    cJSON_AddNumberToObject(st, "numberAvailable", ready);
    if (desired - ready > 0) cJSON_AddNumberToObject(st, "numberUnavailable", (double)(desired - ready));
    if (old && cJSON_Compare(old, st, true)) {
        cJSON_Delete(st);
        cJSON_Delete(upd);
        return rc;
    }
    sim_jset(upd, "status", st);
    if (ctrl_update_status(c, c->k.ds, ns, upd) < 0) return -1;
    return rc;
}
