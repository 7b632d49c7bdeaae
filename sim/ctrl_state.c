/* ctrl_state.c — what the controllers share: kind lookups, the node cache
 * and per-node accounting, the first sweep over an existing store, the
 * routing of store changes to work queues, write helpers, and the periodic
 * jobs (cron schedules, node leases, event expiry).
 *
 * The store keeps objects as bytes and parses lazily, so everything that
 * runs over all pods here reads selectable fields and scans bytes instead of
 * asking for trees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "ctrl_internal.h"

int ctrl_kinds_init(sim_controllers_t *c, err_t *err)
{
    ctrl_kinds_t *k = &c->k;
    sim_store_t *s = c->st;
    k->pod = sim_kind_by_kind(s, "", "Pod");
    k->node = sim_kind_by_kind(s, "", "Node");
    k->ns = sim_kind_by_kind(s, "", "Namespace");
    k->svc = sim_kind_by_kind(s, "", "Service");
    k->eps = sim_kind_by_kind(s, "", "Endpoints");
    k->pvc = sim_kind_by_kind(s, "", "PersistentVolumeClaim");
    k->pv = sim_kind_by_kind(s, "", "PersistentVolume");
    k->event = sim_kind_by_kind(s, "", "Event");
    k->cm = sim_kind_by_kind(s, "", "ConfigMap");
    k->secret = sim_kind_by_kind(s, "", "Secret");
    k->sa = sim_kind_by_kind(s, "", "ServiceAccount");
    k->rs = sim_kind_by_kind(s, "apps", "ReplicaSet");
    k->deploy = sim_kind_by_kind(s, "apps", "Deployment");
    k->sts = sim_kind_by_kind(s, "apps", "StatefulSet");
    k->ds = sim_kind_by_kind(s, "apps", "DaemonSet");
    k->crev = sim_kind_by_kind(s, "apps", "ControllerRevision");
    k->job = sim_kind_by_kind(s, "batch", "Job");
    k->cronjob = sim_kind_by_kind(s, "batch", "CronJob");
    k->slice = sim_kind_by_kind(s, "discovery.k8s.io", "EndpointSlice");
    k->sc = sim_kind_by_kind(s, "storage.k8s.io", "StorageClass");
    k->lease = sim_kind_by_kind(s, "coordination.k8s.io", "Lease");
    const sim_kind_t **all = (const sim_kind_t **)k;
    for (size_t i = 0; i < sizeof *k / sizeof *all; i++)
        if (!all[i]) return err_set(err, ERR_INTERNAL, "controllers: the store does not serve kind #%zu", i);
    return 0;
}

/* ---- write helpers ---- */

static void log_write_failure(const char *op, const sim_kind_t *k, const char *ns, const cJSON *obj,
                              const err_t *e, int rc)
{
    /* Conflicts and races with user deletes are normal: the sync retries. */
    if (rc == SIM_ERR_CONFLICT || rc == ERR_NOTFOUND || rc == ERR_EXISTS) return;
    const char *name = obj ? sim_jstr(sim_jpath(obj, "metadata"), "name") : NULL;
    log_warn("controller write failed", "op=%s kind=%s ns=%s name=%s code=%d error=%s", op, k->kind, ns,
             name, rc, e->msg);
}

int ctrl_create(sim_controllers_t *c, const sim_kind_t *k, const char *ns, cJSON *obj, const sim_obj_t **out)
{
    err_t e = {0};
    int rc = sim_create(c->st, k, ns, obj, NULL, out, &e);
    if (rc < 0) log_write_failure("create", k, ns, NULL, &e, rc);
    return rc;
}

int ctrl_update(sim_controllers_t *c, const sim_kind_t *k, const char *ns, cJSON *obj)
{
    err_t e = {0};
    int rc = sim_update(c->st, k, ns, obj, NULL, NULL, &e);
    if (rc < 0) log_write_failure("update", k, ns, NULL, &e, rc);
    return rc;
}

int ctrl_update_status(sim_controllers_t *c, const sim_kind_t *k, const char *ns, cJSON *obj)
{
    err_t e = {0};
    int rc = sim_update_status(c->st, k, ns, obj, NULL, NULL, &e);
    if (rc < 0) log_write_failure("update_status", k, ns, NULL, &e, rc);
    return rc;
}

int ctrl_write_status(sim_controllers_t *c, const sim_kind_t *k, const char *ns, const char *name, cJSON *status)
{
    if (!(k->subresources & SIM_SUB_STATUS)) { /* a plain update: it needs the whole object */
        cJSON *whole = sim_get_copy(c->st, k, ns, name);
        if (!whole) {
            cJSON_Delete(status);
            return ERR_NOTFOUND;
        }
        sim_jset(whole, "status", status);
        return ctrl_update(c, k, ns, whole);
    }
    /* sim_update_status reads only .status and the metadata's name and
     * preconditions from what it is given. */
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(obj, "metadata"), "name", name);
    cJSON_AddItemToObject(obj, "status", status);
    return ctrl_update_status(c, k, ns, obj);
}

int ctrl_delete(sim_controllers_t *c, const sim_kind_t *k, const char *ns, const char *name)
{
    err_t e = {0};
    bool pending = false;
    sim_delete_opts_t o = {.propagation = SIM_PROPAGATE_BACKGROUND};
    int rc = sim_delete(c->st, k, ns, name, &o, NULL, &pending, &e);
    if (rc < 0) log_write_failure("delete", k, ns, NULL, &e, rc);
    return rc;
}

/* ---- owners ---- */

bool ctrl_controller_of(const sim_obj_t *o, ctrl_owner_t *out)
{
    sv_t b = sim_obj_bytes(o);
    static const char pat[] = "\"ownerReferences\":";
    if (!memmem(b.p, b.n, pat, sizeof pat - 1)) return false;
    cJSON *refs = sim_bytes_member(b, "ownerReferences");
    bool found = false;
    const cJSON *r;
    cJSON_ArrayForEach(r, refs)
    {
        if (!sim_jbool(r, "controller", false)) continue;
        const char *k = sim_jstr(r, "kind"), *n = sim_jstr(r, "name"), *u = sim_jstr(r, "uid");
        if (!k || !n) continue;
        snprintf(out->kind, sizeof out->kind, "%s", k);
        snprintf(out->name, sizeof out->name, "%s", n);
        snprintf(out->uid, sizeof out->uid, "%s", u ? u : "");
        found = true;
        break;
    }
    cJSON_Delete(refs);
    return found;
}

cJSON *ctrl_owner_ref(const char *api_version, const char *kind, const char *name, const char *uid)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "apiVersion", api_version);
    cJSON_AddStringToObject(r, "kind", kind);
    cJSON_AddStringToObject(r, "name", name);
    cJSON_AddStringToObject(r, "uid", uid);
    cJSON_AddTrueToObject(r, "controller");
    cJSON_AddTrueToObject(r, "blockOwnerDeletion");
    return r;
}

bool ctrl_is_controlled_by(const cJSON *obj, const char *uid)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, sim_jpath(obj, "metadata", "ownerReferences"))
    {
        const char *u = sim_jstr(r, "uid");
        if (u && uid && strcmp(u, uid) == 0 && sim_jbool(r, "controller", false)) return true;
    }
    return false;
}

bool ctrl_obj_controlled_by(const sim_obj_t *o, const char *uid)
{
    ctrl_owner_t ow;
    return uid && ctrl_controller_of(o, &ow) && strcmp(ow.uid, uid) == 0;
}

bool ctrl_pod_active(const sim_obj_t *pod)
{
    if (sim_obj_deleting(pod)) return false;
    const char *ph = sim_obj_field(pod, "status.phase");
    return !(ph && (strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0));
}

cJSON *ctrl_pod_from_template(const cJSON *tmpl, const char *ns, const char *name, const char *generate_name,
                              cJSON *owner_ref)
{
    cJSON *pod = cJSON_CreateObject();
    cJSON_AddStringToObject(pod, "apiVersion", "v1");
    cJSON_AddStringToObject(pod, "kind", "Pod");
    cJSON *md = cJSON_AddObjectToObject(pod, "metadata");
    if (name) cJSON_AddStringToObject(md, "name", name);
    else cJSON_AddStringToObject(md, "generateName", generate_name);
    cJSON_AddStringToObject(md, "namespace", ns);
    const cJSON *tmd = sim_jpath(tmpl, "metadata");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(tmd, "labels");
    if (l) cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(l, true));
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(tmd, "annotations");
    if (a) cJSON_AddItemToObject(md, "annotations", cJSON_Duplicate(a, true));
    if (owner_ref) {
        cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
        cJSON_AddItemToArray(refs, owner_ref);
    }
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(tmpl, "spec");
    cJSON *ps = spec ? cJSON_Duplicate(spec, true) : cJSON_CreateObject();
    /* The defaults the API server would fill in. */
    if (!cJSON_GetObjectItemCaseSensitive(ps, "restartPolicy")) cJSON_AddStringToObject(ps, "restartPolicy", "Always");
    if (!cJSON_GetObjectItemCaseSensitive(ps, "schedulerName"))
        cJSON_AddStringToObject(ps, "schedulerName", "default-scheduler");
    if (!cJSON_GetObjectItemCaseSensitive(ps, "dnsPolicy")) cJSON_AddStringToObject(ps, "dnsPolicy", "ClusterFirst");
    if (!cJSON_GetObjectItemCaseSensitive(ps, "terminationGracePeriodSeconds"))
        cJSON_AddNumberToObject(ps, "terminationGracePeriodSeconds", 30);
    if (!cJSON_GetObjectItemCaseSensitive(ps, "serviceAccountName"))
        cJSON_AddStringToObject(ps, "serviceAccountName", "default");
    cJSON_AddItemToObject(pod, "spec", ps);
    cJSON *st = cJSON_AddObjectToObject(pod, "status");
    cJSON_AddStringToObject(st, "phase", "Pending");
    cJSON_AddStringToObject(st, "qosClass", "Burstable");
    return pod;
}

void ctrl_template_hash(const cJSON *tmpl, uint32_t collisions, char out[16])
{
    /* FNV-1a over the printed template, then the safe alphabet, as the
     * deployment controller does (so the hash changes exactly when the
     * template does). */
    char *txt = cJSON_PrintUnformatted(tmpl);
    ctrl_template_hash_text(txt ? txt : "", collisions, out);
    free(txt);
}

void ctrl_template_hash_sv(sv_t txt, uint32_t collisions, char out[16])
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < txt.n; i++) h = (h ^ (uint8_t)txt.p[i]) * 16777619u;
    h = (h ^ collisions) * 16777619u;
    sim_hash_suffix(sim_mix64(h), out, 10);
}

void ctrl_template_hash_text(const char *txt, uint32_t collisions, char out[16])
{
    ctrl_template_hash_sv(sv_from(txt), collisions, out);
}

/* ---- nodes and their pods ---- */

static void node_free(ctrl_node_t *n)
{
    cJSON_Delete(n->labels);
    cJSON_Delete(n->taints);
    free(n->name);
    free(n);
}

ctrl_node_t *ctrl_node_get(sim_controllers_t *c, const char *name)
{
    return name ? map_gets(&c->nodes, name) : NULL;
}

void ctrl_node_refresh(sim_controllers_t *c, const sim_obj_t *o)
{
    const char *name = sim_obj_name(o);
    ctrl_node_t *n = map_gets(&c->nodes, name);
    if (!n) {
        n = xcalloc(1, sizeof *n);
        n->name = xstrdup(name);
        n->index = c->next_node_index++;
        n->next_ip = 2;
        map_puts(&c->nodes, name, n);
    }
    const cJSON *j = sim_obj_json(o);
    cJSON_Delete(n->labels);
    cJSON_Delete(n->taints);
    const cJSON *l = sim_jpath(j, "metadata", "labels");
    n->labels = l ? cJSON_Duplicate(l, true) : cJSON_CreateObject();
    const cJSON *t = sim_jpath(j, "spec", "taints");
    n->taints = t ? cJSON_Duplicate(t, true) : cJSON_CreateArray();
    n->unschedulable = sim_jbool(sim_jpath(j, "spec"), "unschedulable", false);
    const cJSON *alloc = sim_jpath(j, "status", "allocatable");
    n->alloc_cpu_m = sim_qty_json_milli(cJSON_GetObjectItemCaseSensitive(alloc, "cpu"));
    n->alloc_mem = sim_qty_json_value(cJSON_GetObjectItemCaseSensitive(alloc, "memory"));
    n->alloc_pods = sim_qty_json_value(cJSON_GetObjectItemCaseSensitive(alloc, "pods"));
    /* A Node applied without status (a bare manifest) is treated as a
     * healthy 4-core node until the node controller fills it in. */
    if (n->alloc_cpu_m <= 0) n->alloc_cpu_m = 4000;
    if (n->alloc_mem <= 0) n->alloc_mem = 16LL << 30;
    if (n->alloc_pods <= 0) n->alloc_pods = 110;
    n->ready = true;
    const cJSON *cond;
    cJSON_ArrayForEach(cond, sim_jpath(j, "status", "conditions"))
    {
        const char *ty = sim_jstr(cond, "type"), *stt = sim_jstr(cond, "status");
        if (ty && stt && strcmp(ty, "Ready") == 0) n->ready = strcmp(stt, "True") == 0;
    }
    n->ip[0] = '\0';
    const cJSON *a;
    cJSON_ArrayForEach(a, sim_jpath(j, "status", "addresses"))
    {
        const char *ty = sim_jstr(a, "type"), *ad = sim_jstr(a, "address");
        if (ty && ad && strcmp(ty, "InternalIP") == 0) snprintf(n->ip, sizeof n->ip, "%s", ad);
    }
    if (!n->ip[0]) snprintf(n->ip, sizeof n->ip, "172.18.%d.%d", n->index / 250, 2 + n->index % 250);
}

static void node_forget(sim_controllers_t *c, const char *name)
{
    ctrl_node_t *n = map_dels(&c->nodes, name);
    if (n) node_free(n);
}

void ctrl_pod_account(sim_controllers_t *c, const sim_obj_t *pod, bool gone)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s", sim_obj_namespace(pod), sim_obj_name(pod));
    const char *node = sim_obj_field(pod, "spec.nodeName");
    bool counts = !gone && node && *node && ctrl_pod_active(pod);
    ctrl_pod_acct_t *a = map_gets(&c->pod_acct, key);
    if (a && counts && strcmp(a->node, node) == 0) return; /* requests of a bound pod do not change */
    if (a) {
        ctrl_node_t *n = ctrl_node_get(c, a->node);
        if (n) {
            n->used_cpu_m -= a->cpu_m;
            n->used_mem -= a->mem;
            n->used_pods--;
        }
        map_dels(&c->pod_acct, key);
        free(a->node);
        free(a);
    }
    if (!counts) return;
    a = xcalloc(1, sizeof *a);
    a->node = xstrdup(node);
    sim_bytes_resources(sim_obj_bytes(pod), &a->cpu_m, &a->mem, NULL, NULL);
    map_puts(&c->pod_acct, key, a);
    ctrl_node_t *n = ctrl_node_get(c, node);
    if (n) {
        n->used_cpu_m += a->cpu_m;
        n->used_mem += a->mem;
        n->used_pods++;
    }
}

/* ---- bootstrap: what a fresh cluster has ---- */

static cJSON *parse_or_null(const char *txt)
{
    return cJSON_Parse(txt);
}

static void make_node(sim_controllers_t *c, const char *name, bool control_plane, int idx)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"labels\":{"
             "\"kubernetes.io/hostname\":\"%s\",\"kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":\"amd64\","
             "\"beta.kubernetes.io/os\":\"linux\",\"beta.kubernetes.io/arch\":\"amd64\","
             "\"topology.kubernetes.io/zone\":\"zone-%c\",\"node.kubernetes.io/instance-type\":\"sim.large\"%s}},"
             "\"spec\":{\"podCIDR\":\"10.244.%d.0/24\",\"podCIDRs\":[\"10.244.%d.0/24\"],\"providerID\":\"kubesim://%s\"%s},"
             "\"status\":{}}",
             name, name, 'a' + idx % 3,
             control_plane ? ",\"node-role.kubernetes.io/control-plane\":\"\"" : "", idx, idx, name,
             control_plane ? ",\"taints\":[{\"key\":\"node-role.kubernetes.io/control-plane\",\"effect\":\"NoSchedule\"}]"
                           : "");
    cJSON *n = parse_or_null(buf);
    if (n) ctrl_create(c, c->k.node, NULL, n, NULL);
}

void ctrl_bootstrap(sim_controllers_t *c)
{
    if (sim_store_count(c->st, c->k.node) == 0) {
        make_node(c, "sim-control-plane", true, 0);
        make_node(c, "sim-worker", false, 1);
        make_node(c, "sim-worker2", false, 2);
    }
    if (!sim_get_obj(c->st, c->k.sc, NULL, "standard")) {
        cJSON *sc = parse_or_null(
            "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"standard\","
            "\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
            "\"provisioner\":\"kubesim.io/hostpath\",\"reclaimPolicy\":\"Delete\","
            "\"volumeBindingMode\":\"Immediate\",\"allowVolumeExpansion\":true}");
        if (sc) ctrl_create(c, c->k.sc, NULL, sc, NULL);
    }
}

/* ---- the first sweep ---- */

static bool sweep_node(const sim_obj_t *o, void *ud)
{
    sim_controllers_t *c = ud;
    ctrl_node_refresh(c, o);
    ctrl_enqueue(c, CQ_NODE, "", sim_obj_name(o));
    return true;
}

static bool sweep_pod(const sim_obj_t *o, void *ud)
{
    sim_controllers_t *c = ud;
    ctrl_pod_account(c, o, false);
    const char *node = sim_obj_field(o, "spec.nodeName");
    const char *ph = sim_obj_field(o, "status.phase");
    bool running = ph && strcmp(ph, "Running") == 0 && sim_bytes_pod_ready(sim_obj_bytes(o));
    if (!node || !*node) ctrl_enqueue(c, CQ_SCHED, sim_obj_namespace(o), sim_obj_name(o));
    else if (!running && ctrl_pod_active(o)) ctrl_enqueue(c, CQ_KUBELET, sim_obj_namespace(o), sim_obj_name(o));
    else if (sim_obj_deleting(o)) ctrl_enqueue(c, CQ_KUBELET, sim_obj_namespace(o), sim_obj_name(o));
    /* A running crash-looping image keeps the kubelet busy. */
    else if (running) {
        char img[256];
        if (sim_bytes_str(sim_obj_bytes(o), "image", img, sizeof img) && strstr(img, "crash"))
            ctrl_enqueue(c, CQ_KUBELET, sim_obj_namespace(o), sim_obj_name(o));
    }
    return true;
}

typedef struct sweep_q {
    sim_controllers_t *c;
    int q;
} sweep_q_t;

static bool sweep_enqueue(const sim_obj_t *o, void *ud)
{
    sweep_q_t *s = ud;
    /* What sim_generate wrote is already reconciled; syncing 50k
     * Deployments and ReplicaSets to find nothing to do would parse every
     * one of them. Their first change brings them into the queues. */
    const sim_ctx_t *ctx = s->c->ctx;
    uint64_t rv = sim_obj_rv(o);
    if (ctx && rv >= ctx->generated_rv_first && rv <= ctx->generated_rv_last) return true;
    ctrl_enqueue(s->c, s->q, sim_obj_namespace(o), sim_obj_name(o));
    return true;
}

static bool sweep_service(const sim_obj_t *o, void *ud)
{
    sim_controllers_t *c = ud;
    sim_event_t ev = {.type = SIM_ADDED, .kind = c->k.svc, .obj = o};
    ctrl_endpoints_on_service(c, &ev);
    return true;
}

static bool sweep_namespace(const sim_obj_t *o, void *ud)
{
    ctrl_enqueue(ud, CQ_NODE, "@ns", sim_obj_name(o));
    return true;
}

void ctrl_initial_sweep(sim_controllers_t *c)
{
    sim_each(c->st, c->k.node, NULL, sweep_node, c);
    sim_each(c->st, c->k.pod, NULL, sweep_pod, c);
    const struct {
        const sim_kind_t *k;
        int q;
    } work[] = {{c->k.deploy, CQ_DEPLOY}, {c->k.rs, CQ_RS},   {c->k.sts, CQ_STS}, {c->k.ds, CQ_DS},
                {c->k.job, CQ_JOB},       {c->k.cronjob, CQ_CRONJOB}, {c->k.pvc, CQ_PV}};
    for (size_t i = 0; i < sizeof work / sizeof work[0]; i++) {
        sweep_q_t s = {c, work[i].q};
        sim_each(c->st, work[i].k, NULL, sweep_enqueue, &s);
    }
    sim_each(c->st, c->k.svc, NULL, sweep_service, c);
    sim_each(c->st, c->k.ns, NULL, sweep_namespace, c);
}

/* ---- store changes → queues ---- */

static void enqueue_owner(sim_controllers_t *c, const sim_obj_t *o)
{
    ctrl_owner_t ow;
    if (!o || !ctrl_controller_of(o, &ow)) return;
    const char *ns = sim_obj_namespace(o);
    if (strcmp(ow.kind, "ReplicaSet") == 0) ctrl_enqueue(c, CQ_RS, ns, ow.name);
    else if (strcmp(ow.kind, "Deployment") == 0) ctrl_enqueue(c, CQ_DEPLOY, ns, ow.name);
    else if (strcmp(ow.kind, "StatefulSet") == 0) ctrl_enqueue(c, CQ_STS, ns, ow.name);
    else if (strcmp(ow.kind, "DaemonSet") == 0) ctrl_enqueue(c, CQ_DS, ns, ow.name);
    else if (strcmp(ow.kind, "Job") == 0) ctrl_enqueue(c, CQ_JOB, ns, ow.name);
    else if (strcmp(ow.kind, "CronJob") == 0) ctrl_enqueue(c, CQ_CRONJOB, ns, ow.name);
}

static bool enqueue_all_ds(const sim_obj_t *o, void *ud)
{
    sim_controllers_t *c = ud;
    ctrl_enqueue(c, CQ_DS, sim_obj_namespace(o), sim_obj_name(o));
    return true;
}

static void on_pod(sim_controllers_t *c, const sim_event_t *ev)
{
    const sim_obj_t *o = ev->obj;
    const char *ns = sim_obj_namespace(o), *name = sim_obj_name(o);
    ctrl_pod_account(c, o, ev->type == SIM_DELETED);
    enqueue_owner(c, o);
    ctrl_endpoints_on_pod(c, ev);
    if (ev->type == SIM_DELETED) return;
    const char *node = sim_obj_field(o, "spec.nodeName");
    if (!node || !*node) {
        if (ctrl_pod_active(o)) ctrl_enqueue(c, CQ_SCHED, ns, name);
        return;
    }
    const char *old_node = ev->old ? sim_obj_field(ev->old, "spec.nodeName") : NULL;
    bool newly_bound = !old_node || strcmp(old_node, node) != 0;
    bool deleting = sim_obj_deleting(o) && !(ev->old && sim_obj_deleting(ev->old));
    if (newly_bound || deleting || ev->type == SIM_ADDED) ctrl_enqueue(c, CQ_KUBELET, ns, name);
}

void ctrl_dispatch_event(sim_controllers_t *c, const sim_event_t *ev)
{
    const sim_kind_t *k = ev->kind;
    const sim_obj_t *o = ev->obj;
    const char *ns = sim_obj_namespace(o), *name = sim_obj_name(o);
    if (k == c->k.pod) {
        on_pod(c, ev);
    } else if (k == c->k.rs) {
        ctrl_enqueue(c, CQ_RS, ns, name);
        enqueue_owner(c, o);
    } else if (k == c->k.deploy) {
        ctrl_enqueue(c, CQ_DEPLOY, ns, name);
    } else if (k == c->k.sts) {
        ctrl_enqueue(c, CQ_STS, ns, name);
    } else if (k == c->k.ds) {
        ctrl_enqueue(c, CQ_DS, ns, name);
    } else if (k == c->k.job) {
        ctrl_enqueue(c, CQ_JOB, ns, name);
        enqueue_owner(c, o);
    } else if (k == c->k.cronjob) {
        ctrl_enqueue(c, CQ_CRONJOB, ns, name);
    } else if (k == c->k.svc) {
        ctrl_endpoints_on_service(c, ev);
    } else if (k == c->k.pvc) {
        ctrl_enqueue(c, CQ_PV, ns, name);
    } else if (k == c->k.pv) {
        char claim_ns[256], claim[256];
        sv_t b = sim_obj_bytes(o);
        const char *cr = memmem(b.p, b.n, "\"claimRef\":", 11);
        if (cr) {
            sv_t rest = sv_make(cr, (size_t)(b.p + b.n - cr));
            if (sim_bytes_str(rest, "namespace", claim_ns, sizeof claim_ns) &&
                sim_bytes_str(rest, "name", claim, sizeof claim))
                ctrl_enqueue(c, CQ_PV, claim_ns, claim);
        }
    } else if (k == c->k.node) {
        if (ev->type == SIM_DELETED) {
            node_forget(c, name);
        } else {
            ctrl_node_refresh(c, o);
            if (ev->type == SIM_ADDED) ctrl_enqueue(c, CQ_NODE, "", name);
        }
        if (ev->type != SIM_MODIFIED || !ev->old) sim_each(c->st, c->k.ds, NULL, enqueue_all_ds, c);
    } else if (k == c->k.ns && ev->type == SIM_ADDED) {
        /* Every namespace gets its default ServiceAccount and the root CA
         * ConfigMap, as kube-controller-manager does. */
        ctrl_enqueue(c, CQ_NODE, "@ns", name);
    }
}

/* ---- periodic work ---- */

void ctrl_periodic(sim_controllers_t *c)
{
    if (c->now_ms - c->last_cron_ms >= 1000) {
        c->last_cron_ms = c->now_ms;
        ctrl_cronjob_scan(c);
    }
    if (c->now_ms - c->last_lease_ms >= 1000) {
        c->last_lease_ms = c->now_ms;
        ctrl_node_leases(c);
    }
    if (c->now_ms - c->last_event_gc_ms >= 10000) {
        c->last_event_gc_ms = c->now_ms;
        ctrl_events_gc(c);
    }
}

void ctrl_state_free(sim_controllers_t *c)
{
    map_slot_t *slot;
    for (size_t it = 0; map_next(&c->nodes, &it, &slot);) node_free(slot->val);
    map_free(&c->nodes);
    for (size_t it = 0; map_next(&c->pod_acct, &it, &slot);) {
        ctrl_pod_acct_t *a = slot->val;
        free(a->node);
        free(a);
    }
    map_free(&c->pod_acct);
    for (size_t it = 0; map_next(&c->kubelet_due, &it, &slot);) free(slot->val);
    map_free(&c->kubelet_due);
    ctrl_endpoints_free(c);
    ctrl_events_free(c);
    buf_free(&c->tmpl_text);
    buf_free(&c->tmpl_scratch);
}
