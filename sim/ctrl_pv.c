/* ctrl_pv.c — PersistentVolumeClaim ↔ PersistentVolume binding.
 *
 * A Pending claim binds to an Available volume of its class with enough
 * capacity (or the one named in spec.volumeName); otherwise, when its
 * StorageClass (default "standard", created at start) has a provisioner, a
 * volume pvc-<claim uid> is provisioned (a hostPath under
 * /var/local-path-provisioner) and bound. Claim and volume then show
 * phase Bound with the annotations the real binder writes. When a claim is
 * deleted, its volume is deleted (reclaimPolicy Delete) or Released.
 * Keys queued as "@pv/<volume>" ask to reclaim that volume.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl_internal.h"

#define PVC_CTRL "persistentvolume-controller"

typedef struct pv_find {
    const char *cls;
    int64_t need;
    char found[256];
} pv_find_t;

static bool pv_visit(const sim_obj_t *o, void *ud)
{
    pv_find_t *f = ud;
    const cJSON *pv = sim_obj_json(o);
    const cJSON *spec = sim_jpath(pv, "spec");
    if (sim_jpath(spec, "claimRef")) return true;
    const char *ph = sim_jstr(sim_jpath(pv, "status"), "phase");
    if (ph && strcmp(ph, "Available") != 0) return true;
    const char *cls = sim_jstr(spec, "storageClassName");
    if (strcmp(cls ? cls : "", f->cls) != 0) return true;
    int64_t cap = sim_qty_json_value(sim_jpath(spec, "capacity", "storage"));
    if (cap < f->need) return true;
    snprintf(f->found, sizeof f->found, "%s", sim_obj_name(o));
    return false;
}

static int reclaim(sim_controllers_t *c, const char *pv_name)
{
    cJSON *pv = sim_get_copy(c->st, c->k.pv, NULL, pv_name);
    if (!pv) return 0;
    const cJSON *cr = sim_jpath(pv, "spec", "claimRef");
    const char *cns = sim_jstr(cr, "namespace"), *cn = sim_jstr(cr, "name");
    if (cns && cn && sim_get_obj(c->st, c->k.pvc, cns, cn)) {
        cJSON_Delete(pv);
        return 0;
    }
    const char *pol = sim_jstr(sim_jpath(pv, "spec"), "persistentVolumeReclaimPolicy");
    if (!pol || strcmp(pol, "Delete") == 0) {
        cJSON_Delete(pv);
        return ctrl_delete(c, c->k.pv, NULL, pv_name) < 0 && 0;
    }
    sim_jset_str(sim_jobj(pv, "status"), "phase", "Released");
    return ctrl_update_status(c, c->k.pv, NULL, pv) < 0 ? -1 : 0;
}

int ctrl_pv_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    if (strcmp(ns, "@pv") == 0) return reclaim(c, name);
    const sim_obj_t *o = sim_get_obj(c->st, c->k.pvc, ns, name);
    if (!o || sim_obj_deleting(o)) return 0;
    const cJSON *pvc = sim_obj_json(o);
    const cJSON *spec = sim_jpath(pvc, "spec");
    const char *phase = sim_jstr(sim_jpath(pvc, "status"), "phase");
    if (phase && strcmp(phase, "Bound") == 0) return 0;
    const char *cls = sim_jstr(spec, "storageClassName");
    if (!cls) cls = "standard"; /* what the DefaultStorageClass admission would set */
    int64_t need = sim_qty_json_value(sim_jpath(spec, "resources", "requests", "storage"));
    if (need < 0) need = 0;
    const char *want = sim_jstr(spec, "volumeName");
    char pv_name[256] = "";
    char uid[64];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(o));
    char cls_copy[256];
    snprintf(cls_copy, sizeof cls_copy, "%s", cls);
    if (want && *want) {
        if (!sim_get_obj(c->st, c->k.pv, NULL, want)) return 5000;
        snprintf(pv_name, sizeof pv_name, "%s", want);
    } else {
        pv_find_t f = {.cls = cls_copy, .need = need};
        sim_each(c->st, c->k.pv, NULL, pv_visit, &f);
        snprintf(pv_name, sizeof pv_name, "%s", f.found);
    }
    bool provisioned = false;
    if (!pv_name[0]) {
        const sim_obj_t *sco = sim_get_obj(c->st, c->k.sc, NULL, cls_copy);
        if (!sco) {
            ctrl_event_obj(c, o, "Warning", "ProvisioningFailed", PVC_CTRL, "storageclass.storage.k8s.io \"%s\" not found",
                           cls_copy);
            return 10000;
        }
        const cJSON *sc = sim_obj_json(sco);
        const char *prov = sim_jstr(sc, "provisioner");
        const char *pol = sim_jstr(sc, "reclaimPolicy");
        snprintf(pv_name, sizeof pv_name, "pvc-%s", uid);
        cJSON *pv = cJSON_CreateObject();
        cJSON_AddStringToObject(pv, "apiVersion", "v1");
        cJSON_AddStringToObject(pv, "kind", "PersistentVolume");
        cJSON *md = cJSON_AddObjectToObject(pv, "metadata");
        cJSON_AddStringToObject(md, "name", pv_name);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "annotations"), "pv.kubernetes.io/provisioned-by",
                                prov ? prov : "kubesim.io/hostpath");
        cJSON *ps = cJSON_AddObjectToObject(pv, "spec");
        char q[64];
        const cJSON *req = sim_jpath(spec, "resources", "requests", "storage");
        snprintf(q, sizeof q, "%s", cJSON_IsString(req) ? req->valuestring : "1Gi");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(ps, "capacity"), "storage", q);
        const cJSON *am = sim_jpath(spec, "accessModes");
        cJSON_AddItemToObject(ps, "accessModes", am ? cJSON_Duplicate(am, true) : cJSON_CreateStringArray((const char *[]){"ReadWriteOnce"}, 1));
        char path[600];
        snprintf(path, sizeof path, "/var/local-path-provisioner/%s_%s_%s", pv_name, ns, name);
        cJSON *hp = cJSON_AddObjectToObject(ps, "hostPath");
        cJSON_AddStringToObject(hp, "path", path);
        cJSON_AddStringToObject(hp, "type", "DirectoryOrCreate");
        cJSON_AddStringToObject(ps, "persistentVolumeReclaimPolicy", pol ? pol : "Delete");
        cJSON_AddStringToObject(ps, "storageClassName", cls_copy);
        cJSON_AddStringToObject(ps, "volumeMode", "Filesystem");
        cJSON *cr = cJSON_AddObjectToObject(ps, "claimRef");
        cJSON_AddStringToObject(cr, "kind", "PersistentVolumeClaim");
        cJSON_AddStringToObject(cr, "namespace", ns);
        cJSON_AddStringToObject(cr, "name", name);
        cJSON_AddStringToObject(cr, "uid", uid);
        cJSON_AddStringToObject(cr, "apiVersion", "v1");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(pv, "status"), "phase", "Pending");
        if (ctrl_create(c, c->k.pv, NULL, pv, NULL) < 0) return -1;
        provisioned = true;
        ctrl_event_obj(c, o, "Normal", "Provisioning", prov ? prov : "kubesim.io/hostpath",
                       "External provisioner is provisioning volume for claim \"%s/%s\"", ns, name);
        ctrl_event_obj(c, o, "Normal", "ProvisioningSucceeded", prov ? prov : "kubesim.io/hostpath",
                       "Successfully provisioned volume %s", pv_name);
    } else {
        cJSON *pv = sim_get_copy(c->st, c->k.pv, NULL, pv_name);
        if (!pv) return 1000;
        cJSON *cr = cJSON_CreateObject();
        cJSON_AddStringToObject(cr, "kind", "PersistentVolumeClaim");
        cJSON_AddStringToObject(cr, "namespace", ns);
        cJSON_AddStringToObject(cr, "name", name);
        cJSON_AddStringToObject(cr, "uid", uid);
        cJSON_AddStringToObject(cr, "apiVersion", "v1");
        sim_jset(sim_jobj(pv, "spec"), "claimRef", cr);
        if (ctrl_update(c, c->k.pv, NULL, pv) < 0) return -1;
    }
    /* the volume: Bound */
    cJSON *pv = sim_get_copy(c->st, c->k.pv, NULL, pv_name);
    if (pv) {
        sim_jset_str(sim_jobj(pv, "status"), "phase", "Bound");
        ctrl_update_status(c, c->k.pv, NULL, pv);
    }
    /* the claim: volumeName and annotations, then status */
    cJSON *upd = sim_get_copy(c->st, c->k.pvc, ns, name);
    if (!upd) return 0;
    cJSON *uspec = sim_jobj(upd, "spec");
    sim_jset_str(uspec, "volumeName", pv_name);
    if (!sim_jstr(uspec, "storageClassName")) sim_jset_str(uspec, "storageClassName", cls_copy);
    cJSON *ann = sim_jobj(sim_jobj(upd, "metadata"), "annotations");
    sim_jset_str(ann, "pv.kubernetes.io/bind-completed", "yes");
    sim_jset_str(ann, "pv.kubernetes.io/bound-by-controller", "yes");
    if (provisioned) {
        sim_jset_str(ann, "volume.beta.kubernetes.io/storage-provisioner", "kubesim.io/hostpath");
        sim_jset_str(ann, "volume.kubernetes.io/storage-provisioner", "kubesim.io/hostpath");
    }
    if (ctrl_update(c, c->k.pvc, ns, upd) < 0) return -1;
    upd = sim_get_copy(c->st, c->k.pvc, ns, name);
    if (!upd) return 0;
    const cJSON *pvj = sim_get(c->st, c->k.pv, NULL, pv_name);
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "phase", "Bound");
    const cJSON *am = sim_jpath(pvj, "spec", "accessModes");
    if (am) cJSON_AddItemToObject(st, "accessModes", cJSON_Duplicate(am, true));
    const cJSON *cap = sim_jpath(pvj, "spec", "capacity");
    if (cap) cJSON_AddItemToObject(st, "capacity", cJSON_Duplicate(cap, true));
    sim_jset(upd, "status", st);
    return ctrl_update_status(c, c->k.pvc, ns, upd) < 0 ? -1 : 0;
}
