/* ctrl_statefulset.c — StatefulSet → ordered Pods name-0…name-(n-1) and
 * their PersistentVolumeClaims from volumeClaimTemplates
 * (<template>-<set>-<ordinal>, kept when pods go, as with the default
 * Retain policy). OrderedReady (the default) creates one pod at a time,
 * each after the previous is Running and Ready, and removes from the highest
 * ordinal down; Parallel does not wait. A template change rolls pods from
 * the highest ordinal down, one at a time, identified by the
 * controller-revision-hash label. Pods get hostname and subdomain
 * (spec.serviceName) as in Kubernetes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl_internal.h"

#define SC "statefulset-controller"

typedef struct sts_extra {
    const sim_controllers_t *c;
    const char *uid, *name;
    int64_t replicas;
    int64_t max_ordinal;
} sts_extra_t;

static bool sts_visit(const sim_obj_t *o, void *ud)
{
    sts_extra_t *w = ud;
    if (sim_obj_kind(o) != w->c->k.pod) return true;
    const char *n = sim_obj_name(o);
    size_t l = strlen(w->name);
    if (strncmp(n, w->name, l) != 0 || n[l] != '-') return true;
    int64_t ord = atoll(n + l + 1);
    if (ord > w->max_ordinal) w->max_ordinal = ord;
    return true;
}

int ctrl_statefulset_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(c->st, c->k.sts, ns, name);
    if (!o || sim_obj_deleting(o)) return 0;
    const cJSON *sts = sim_obj_json(o);
    const cJSON *spec = sim_jpath(sts, "spec");
    int64_t replicas = sim_jint(spec, "replicas", 1);
    const char *pmp = sim_jstr(spec, "podManagementPolicy");
    bool parallel = pmp && strcmp(pmp, "Parallel") == 0;
    const char *svc = sim_jstr(spec, "serviceName");
    const cJSON *tmpl = sim_jpath(spec, "template");
    const cJSON *vcts = sim_jpath(spec, "volumeClaimTemplates");
    char uid[64], hash[16], rev[300];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(o));
    ctrl_template_hash(tmpl, 0, hash);
    snprintf(rev, sizeof rev, "%.240s-%s", name, hash);
    int rc = 0;
    int64_t ready = 0, existing = 0, updated = 0;
    bool all_ready = true;

    for (int64_t i = 0; i < replicas; i++) {
        char pname[300];
        snprintf(pname, sizeof pname, "%.240s-%lld", name, (long long)i);
        const sim_obj_t *p = sim_get_obj(c->st, c->k.pod, ns, pname);
        if (p && !ctrl_pod_active(p)) {
            /* a failed or succeeded member is replaced */
            if (!sim_obj_deleting(p)) ctrl_delete(c, c->k.pod, ns, pname);
            all_ready = false;
            rc = 500;
            if (!parallel) break;
            continue;
        }
        if (!p) {
            const cJSON *vct;
            cJSON_ArrayForEach(vct, vcts)
            {
                const char *vn = sim_jstr(sim_jpath(vct, "metadata"), "name");
                if (!vn) continue;
                char cname[600];
                snprintf(cname, sizeof cname, "%s-%s", vn, pname);
                if (sim_get_obj(c->st, c->k.pvc, ns, cname)) continue;
                cJSON *pvc = cJSON_CreateObject();
                cJSON_AddStringToObject(pvc, "apiVersion", "v1");
                cJSON_AddStringToObject(pvc, "kind", "PersistentVolumeClaim");
                cJSON *md = cJSON_AddObjectToObject(pvc, "metadata");
                cJSON_AddStringToObject(md, "name", cname);
                cJSON_AddStringToObject(md, "namespace", ns);
                const cJSON *sl = sim_jpath(spec, "selector", "matchLabels");
                if (sl) cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(sl, true));
                const cJSON *vs = sim_jpath(vct, "spec");
                cJSON_AddItemToObject(pvc, "spec", vs ? cJSON_Duplicate(vs, true) : cJSON_CreateObject());
                cJSON *pst = cJSON_AddObjectToObject(pvc, "status");
                cJSON_AddStringToObject(pst, "phase", "Pending");
                if (ctrl_create(c, c->k.pvc, ns, pvc, NULL) == 0)
                    ctrl_event_obj(c, o, "Normal", "SuccessfulCreate", SC,
                                   "create Claim %s Pod %s in StatefulSet %s success", cname, pname, name);
            }
            cJSON *t = cJSON_Duplicate(tmpl, true);
            if (!t) t = cJSON_CreateObject();
            cJSON *labels = sim_jobj(sim_jobj(t, "metadata"), "labels");
            sim_jset_str(labels, "statefulset.kubernetes.io/pod-name", pname);
            sim_jset_str(labels, "controller-revision-hash", rev);
            char idx[24];
            snprintf(idx, sizeof idx, "%lld", (long long)i);
            sim_jset_str(labels, "apps.kubernetes.io/pod-index", idx);
            cJSON *ps = sim_jobj(t, "spec");
            sim_jset_str(ps, "hostname", pname);
            if (svc) sim_jset_str(ps, "subdomain", svc);
            cJSON *vols = cJSON_GetObjectItemCaseSensitive(ps, "volumes");
            if (!cJSON_IsArray(vols)) {
                vols = cJSON_CreateArray();
                sim_jset(ps, "volumes", vols);
            }
            cJSON_ArrayForEach(vct, vcts)
            {
                const char *vn = sim_jstr(sim_jpath(vct, "metadata"), "name");
                if (!vn) continue;
                char cname[600];
                snprintf(cname, sizeof cname, "%s-%s", vn, pname);
                cJSON *v = cJSON_CreateObject();
                cJSON_AddStringToObject(v, "name", vn);
                cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "persistentVolumeClaim"), "claimName", cname);
                cJSON_AddItemToArray(vols, v);
            }
            cJSON *pod = ctrl_pod_from_template(t, ns, pname, NULL, ctrl_owner_ref("apps/v1", "StatefulSet", name, uid));
            cJSON_Delete(t);
            if (ctrl_create(c, c->k.pod, ns, pod, NULL) == 0)
                ctrl_event_obj(c, o, "Normal", "SuccessfulCreate", SC, "create Pod %s in StatefulSet %s successful",
                               pname, name);
            all_ready = false;
            rc = 500;
            if (!parallel) break;
            continue;
        }
        existing++;
        const char *prev = sim_obj_label(p, "controller-revision-hash");
        if (prev && strcmp(prev, rev) == 0) updated++;
        bool r = sim_bytes_pod_ready(sim_obj_bytes(p));
        if (r) ready++;
        else {
            all_ready = false;
            rc = 500;
            if (!parallel) break;
        }
    }
    /* scale down, highest ordinal first */
    sts_extra_t w = {.c = c, .uid = uid, .name = name, .replicas = replicas, .max_ordinal = -1};
    sim_each_dependent(c->st, uid, sts_visit, &w);
    if (w.max_ordinal >= replicas && (all_ready || parallel)) {
        char pname[300];
        snprintf(pname, sizeof pname, "%.240s-%lld", name, (long long)w.max_ordinal);
        const sim_obj_t *p = sim_get_obj(c->st, c->k.pod, ns, pname);
        if (p && !sim_obj_deleting(p)) {
            ctrl_delete(c, c->k.pod, ns, pname);
            ctrl_event_obj(c, o, "Normal", "SuccessfulDelete", SC, "delete Pod %s in StatefulSet %s successful", pname,
                           name);
        }
        rc = 500;
    } else if (all_ready && existing == replicas && updated < replicas) {
        /* rolling update: replace the highest ordinal still on the old revision */
        for (int64_t i = replicas - 1; i >= 0; i--) {
            char pname[300];
            snprintf(pname, sizeof pname, "%.240s-%lld", name, (long long)i);
            const sim_obj_t *p = sim_get_obj(c->st, c->k.pod, ns, pname);
            const char *prev = p ? sim_obj_label(p, "controller-revision-hash") : NULL;
            if (p && (!prev || strcmp(prev, rev) != 0)) {
                ctrl_delete(c, c->k.pod, ns, pname);
                ctrl_event_obj(c, o, "Normal", "SuccessfulDelete", SC, "delete Pod %s in StatefulSet %s successful",
                               pname, name);
                break;
            }
        }
        rc = 500;
    }
    cJSON *upd = sim_get_copy(c->st, c->k.sts, ns, name);
    if (!upd) return rc;
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(upd, "status");
    cJSON *st = cJSON_CreateObject();
    cJSON_AddNumberToObject(st, "observedGeneration", (double)sim_jint(sim_jpath(upd, "metadata"), "generation", 1));
    cJSON_AddNumberToObject(st, "replicas", (double)existing);
    cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
    cJSON_AddNumberToObject(st, "currentReplicas", (double)updated);
    cJSON_AddNumberToObject(st, "updatedReplicas", (double)updated);
    cJSON_AddNumberToObject(st, "availableReplicas", (double)ready);
    cJSON_AddStringToObject(st, "currentRevision", rev);
    cJSON_AddStringToObject(st, "updateRevision", rev);
    cJSON_AddNumberToObject(st, "collisionCount", 0);
    if (old && cJSON_Compare(old, st, true)) {
        cJSON_Delete(st);
        cJSON_Delete(upd);
        return rc;
    }
    sim_jset(upd, "status", st);
    if (ctrl_update_status(c, c->k.sts, ns, upd) < 0) return -1;
    return rc;
}
