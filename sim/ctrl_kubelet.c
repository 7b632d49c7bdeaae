/* ctrl_kubelet.c — one kubelet for every node: moves bound pods through
 * Pending (ContainerCreating) → Running, with containerStatuses, the
 * pod conditions, podIP/hostIP and startTime, and Events Pulling, Pulled,
 * Created, Started.
 *
 * Images tell the kubelet what to simulate:
 *   name contains "crash"                  runs 2–4 s, exits 1; restarts with
 *                                          CrashLoopBackOff, back-off 10 s
 *                                          doubling to 5 min (restartPolicy
 *                                          Never: the pod Fails)
 *   "nopull" or "does-not-exist"           ErrImagePull ↔ ImagePullBackOff
 *   pods of a Job (restartPolicy ≠ Always) run 1.5–3.5 s, exit 0: Completed,
 *                                          phase Succeeded
 * Every step is a status write followed by a requeue at the time the next
 * step is due; the due times live in c->kubelet_due so the kubelet's own
 * writes (which re-queue the pod) do not make it skip ahead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ctrl_internal.h"

#define KL "kubelet"

static int64_t due_get(sim_controllers_t *c, const char *key)
{
    int64_t *d = map_gets(&c->kubelet_due, key);
    return d ? *d : 0;
}

static void due_set(sim_controllers_t *c, const char *key, int64_t when)
{
    int64_t *d = map_gets(&c->kubelet_due, key);
    if (!d) {
        d = xmalloc(sizeof *d);
        map_puts(&c->kubelet_due, key, d);
    }
    *d = when;
}

static void due_clear(sim_controllers_t *c, const char *key)
{
    free(map_dels(&c->kubelet_due, key));
}

static cJSON *cond(const char *type, bool ok, const char *reason, const char *ts)
{
    cJSON *c = cJSON_CreateObject();
    /* type then status: sim_bytes_pod_ready relies on this order */
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", ok ? "True" : "False");
    cJSON_AddNullToObject(c, "lastProbeTime");
    cJSON_AddStringToObject(c, "lastTransitionTime", ts);
    if (reason) cJSON_AddStringToObject(c, "reason", reason);
    return c;
}

/* Keep lastTransitionTime of conditions whose status did not change. */
static void set_conditions(cJSON *st, cJSON *conds)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(st, "conditions");
    cJSON *nc;
    cJSON_ArrayForEach(nc, conds)
    {
        const cJSON *oc;
        cJSON_ArrayForEach(oc, old)
        {
            const char *t = sim_jstr(oc, "type"), *s = sim_jstr(oc, "status"), *lt = sim_jstr(oc, "lastTransitionTime");
            if (t && s && lt && strcmp(t, sim_jstr(nc, "type")) == 0 && strcmp(s, sim_jstr(nc, "status")) == 0)
                sim_jset_str(nc, "lastTransitionTime", lt);
        }
    }
    sim_jset(st, "conditions", conds);
}

static const cJSON *find_status(const cJSON *arr, const char *name)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, arr)
    {
        const char *n = sim_jstr(s, "name");
        if (n && name && strcmp(n, name) == 0) return s;
    }
    return NULL;
}

static cJSON *state_obj(const char *which, cJSON *inner)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddItemToObject(s, which, inner);
    return s;
}

static cJSON *waiting(const char *reason, const char *msg)
{
    cJSON *w = cJSON_CreateObject();
    cJSON_AddStringToObject(w, "reason", reason);
    if (msg) cJSON_AddStringToObject(w, "message", msg);
    return state_obj("waiting", w);
}

static void container_ids(sim_controllers_t *c, const char *image, char *image_id, size_t n, char cid[80])
{
    char hex[65];
    uint64_t h = sim_hash_str(image, 41);
    sim_hex(&h, hex, 64);
    const char *repo = strchr(image, '/') ? "" : "docker.io/library/";
    char base[256];
    snprintf(base, sizeof base, "%s", image);
    char *colon = strrchr(base, ':');
    if (colon && !strchr(colon, '/')) *colon = '\0';
    snprintf(image_id, n, "%s%s@sha256:%s", repo, base, hex);
    sim_hex(&c->rng, hex, 64);
    snprintf(cid, 80, "containerd://%s", hex);
}

static cJSON *running_status(sim_controllers_t *c, const char *name, const char *image, int64_t restarts,
                             const cJSON *last_state, const char *ts)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "name", name);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "startedAt", ts);
    cJSON_AddItemToObject(s, "state", state_obj("running", r));
    cJSON_AddItemToObject(s, "lastState", last_state ? cJSON_Duplicate(last_state, true) : cJSON_CreateObject());
    cJSON_AddTrueToObject(s, "ready");
    cJSON_AddNumberToObject(s, "restartCount", (double)restarts);
    cJSON_AddStringToObject(s, "image", image);
    char iid[512], cid[80];
    container_ids(c, image, iid, sizeof iid, cid);
    cJSON_AddStringToObject(s, "imageID", iid);
    cJSON_AddStringToObject(s, "containerID", cid);
    cJSON_AddTrueToObject(s, "started");
    return s;
}

static int64_t backoff_ms(int64_t restarts)
{
    int64_t b = 10000;
    for (int64_t i = 1; i < restarts && b < 300000; i++) b *= 2;
    return b > 300000 ? 300000 : b;
}

int ctrl_kubelet_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    const sim_obj_t *o = sim_get_obj(c->st, c->k.pod, ns, name);
    if (!o || !ctrl_pod_active(o)) {
        due_clear(c, key);
        return 0;
    }
    const char *node = sim_obj_field(o, "spec.nodeName");
    if (!node || !*node) return 0;
    int64_t now = c->now_ms;
    int64_t due = due_get(c, key);
    if (due > now) return (int)(due - now);

    /* What is written is only .status (spliced into the stored text by
     * sim_update_status): work on a copy of the status, read the rest from
     * the cached tree, rather than copying the whole pod each step. */
    const cJSON *cur = sim_obj_json(o);
    if (!cur) return 0;
    cJSON *pod = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(pod, "metadata"), "name", name);
    const cJSON *cur_st = sim_jpath(cur, "status");
    cJSON_AddItemToObject(pod, "status", cur_st ? cJSON_Duplicate(cur_st, true) : cJSON_CreateObject());
    const cJSON *spec = sim_jpath(cur, "spec");
    const cJSON *containers = sim_jpath(spec, "containers");
    const char *rp = sim_jstr(spec, "restartPolicy");
    bool always = !rp || strcmp(rp, "Always") == 0;
    bool never = rp && strcmp(rp, "Never") == 0;
    cJSON *st = sim_jobj(pod, "status");
    const cJSON *old_cs = sim_jpath(st, "containerStatuses");
    ctrl_node_t *n = ctrl_node_get(c, node);
    char ts[32];
    sim_now_rfc3339(now, ts);
    char pod_ref[600];
    snprintf(pod_ref, sizeof pod_ref, "%s_%s(%s)", name, ns, sim_obj_uid(o));
    uint64_t ph = sim_hash_str(sim_obj_uid(o), 43);
    int64_t next = INT64_MAX;

    if (!old_cs) {
        /* Just bound: the sandbox and images are on their way. */
        cJSON *cs = cJSON_CreateArray();
        const cJSON *ct;
        cJSON_ArrayForEach(ct, containers)
        {
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "name", sim_jstr(ct, "name"));
            cJSON_AddItemToObject(s, "state", waiting("ContainerCreating", NULL));
            cJSON_AddObjectToObject(s, "lastState");
            cJSON_AddFalseToObject(s, "ready");
            cJSON_AddNumberToObject(s, "restartCount", 0);
            cJSON_AddStringToObject(s, "image", sim_jstr(ct, "image") ? sim_jstr(ct, "image") : "");
            cJSON_AddStringToObject(s, "imageID", "");
            cJSON_AddFalseToObject(s, "started");
            cJSON_AddItemToArray(cs, s);
        }
        sim_jset(st, "containerStatuses", cs);
        sim_jset_str(st, "phase", "Pending");
        if (n) {
            sim_jset_str(st, "hostIP", n->ip);
            cJSON *hips = cJSON_CreateArray();
            cJSON *h = cJSON_CreateObject();
            cJSON_AddStringToObject(h, "ip", n->ip);
            cJSON_AddItemToArray(hips, h);
            sim_jset(st, "hostIPs", hips);
        }
        sim_jset_str(st, "startTime", ts);
        cJSON *conds = cJSON_CreateArray();
        cJSON_AddItemToArray(conds, cond("PodReadyToStartContainers", false, NULL, ts));
        cJSON_AddItemToArray(conds, cond("Initialized", true, NULL, ts));
        cJSON_AddItemToArray(conds, cond("Ready", false, "ContainersNotReady", ts));
        cJSON_AddItemToArray(conds, cond("ContainersReady", false, "ContainersNotReady", ts));
        cJSON_AddItemToArray(conds, cond("PodScheduled", true, NULL, ts));
        set_conditions(st, conds);
        if (ctrl_update_status(c, c->k.pod, ns, pod) < 0) return -1;
        o = sim_get_obj(c->st, c->k.pod, ns, name);
        cJSON_ArrayForEach(ct, sim_jpath(sim_obj_json(o), "spec", "containers"))
            ctrl_event_obj(c, o, "Normal", "Pulling", KL, "Pulling image \"%s\"", sim_jstr(ct, "image"));
        int64_t d = 700 + (int64_t)(ph % 800);
        due_set(c, key, now + d);
        return (int)d;
    }

    /* Decide each container's next state. Events are collected and written
     * after the status so they name the pod's new version. */
    typedef struct pending_ev {
        const char *type, *reason;
        char msg[700];
    } pending_ev_t;
    pending_ev_t evs[16];
    int nev = 0;
#define EV(t, r, ...)                                                                                              \
    do {                                                                                                           \
        if (nev < 16) {                                                                                            \
            evs[nev].type = t;                                                                                     \
            evs[nev].reason = r;                                                                                   \
            snprintf(evs[nev].msg, sizeof evs[nev].msg, __VA_ARGS__);                                              \
            nev++;                                                                                                 \
        }                                                                                                          \
    } while (0)

    cJSON *cs = cJSON_CreateArray();
    int total = 0, ready = 0, running = 0, succeeded = 0, failed = 0;
    const cJSON *ct;
    cJSON_ArrayForEach(ct, containers)
    {
        total++;
        const char *cname = sim_jstr(ct, "name") ? sim_jstr(ct, "name") : "";
        const char *image = sim_jstr(ct, "image") ? sim_jstr(ct, "image") : "";
        const cJSON *s = find_status(old_cs, cname);
        bool crash = strstr(image, "crash") != NULL;
        bool nopull = strstr(image, "nopull") || strstr(image, "does-not-exist");
        uint64_t chash = sim_mix64(ph ^ sim_hash_str(cname, 47));
        const cJSON *wt = sim_jpath(s, "state", "waiting");
        const cJSON *rn = sim_jpath(s, "state", "running");
        const cJSON *tm = sim_jpath(s, "state", "terminated");
        int64_t restarts = sim_jint(s, "restartCount", 0);
        const char *wreason = wt ? sim_jstr(wt, "reason") : NULL;
        if (!s || (wreason && (strcmp(wreason, "ContainerCreating") == 0 || strcmp(wreason, "ErrImagePull") == 0 ||
                               strcmp(wreason, "ImagePullBackOff") == 0))) {
            if (nopull) {
                cJSON *ns_ = s ? cJSON_Duplicate(s, true) : cJSON_CreateObject();
                if (!s) {
                    cJSON_AddStringToObject(ns_, "name", cname);
                    cJSON_AddFalseToObject(ns_, "ready");
                    cJSON_AddNumberToObject(ns_, "restartCount", 0);
                    cJSON_AddStringToObject(ns_, "image", image);
                    cJSON_AddStringToObject(ns_, "imageID", "");
                }
                bool to_backoff = wreason && strcmp(wreason, "ErrImagePull") == 0;
                if (to_backoff) {
                    char m[600];
                    snprintf(m, sizeof m, "Back-off pulling image \"%s\"", image);
                    sim_jset(ns_, "state", waiting("ImagePullBackOff", m));
                    EV("Normal", "BackOff", "Back-off pulling image \"%s\"", image);
                    EV("Warning", "Failed", "Error: ImagePullBackOff");
                    next = now + 20000 < next ? now + 20000 : next;
                } else {
                    char m[700];
                    snprintf(m, sizeof m,
                             "failed to pull and unpack image \"%s\": failed to resolve reference \"%s\": %s: not found",
                             image, image, image);
                    sim_jset(ns_, "state", waiting("ErrImagePull", m));
                    EV("Warning", "Failed", "Failed to pull image \"%.200s\": rpc error: code = NotFound desc = %.400s", image,
                       m);
                    EV("Warning", "Failed", "Error: ErrImagePull");
                    next = now + 3000 < next ? now + 3000 : next;
                }
                cJSON_AddItemToArray(cs, ns_);
                continue;
            }
            cJSON *r = running_status(c, cname, image, restarts, sim_jpath(s, "lastState"), ts);
            cJSON_AddItemToArray(cs, r);
            EV("Normal", "Pulled", "Successfully pulled image \"%s\" in %u.%03us (%u.%03us including waiting)", image,
               (unsigned)(chash % 3), (unsigned)(chash >> 8) % 1000, (unsigned)(chash % 3),
               (unsigned)(chash >> 8) % 1000 + 12);
            EV("Normal", "Created", "Created container %s", cname);
            EV("Normal", "Started", "Started container %s", cname);
            running++, ready++;
            if (crash || !always) {
                int64_t run_for = crash ? 2000 + (int64_t)(chash % 2000) : 1500 + (int64_t)(chash % 2000);
                next = now + run_for < next ? now + run_for : next;
            }
            continue;
        }
        if (wreason && strcmp(wreason, "CrashLoopBackOff") == 0) {
            int64_t fin = sim_jtime_ms(sim_jpath(s, "lastState", "terminated"), "finishedAt");
            int64_t restart_at = fin + backoff_ms(restarts);
            if (now >= restart_at) {
                cJSON *r = running_status(c, cname, image, restarts, sim_jpath(s, "lastState"), ts);
                cJSON_AddItemToArray(cs, r);
                EV("Normal", "Pulled", "Container image \"%s\" already present on machine", image);
                EV("Normal", "Created", "Created container %s", cname);
                EV("Normal", "Started", "Started container %s", cname);
                running++, ready++;
                int64_t run_for = 2000 + (int64_t)(chash % 2000);
                next = now + run_for < next ? now + run_for : next;
            } else {
                cJSON_AddItemToArray(cs, cJSON_Duplicate(s, true));
                running++;
                next = restart_at < next ? restart_at : next;
            }
            continue;
        }
        if (rn) {
            int64_t started = sim_jtime_ms(rn, "startedAt");
            bool ends = crash || !always;
            int64_t run_for = crash ? 2000 + (int64_t)(chash % 2000) : 1500 + (int64_t)(chash % 2000);
            if (!ends || now < started + run_for) {
                cJSON_AddItemToArray(cs, cJSON_Duplicate(s, true));
                running++;
                if (sim_jbool(s, "ready", false)) ready++;
                if (ends) next = started + run_for < next ? started + run_for : next;
                continue;
            }
            int code = crash ? 1 : 0;
            cJSON *term = cJSON_CreateObject();
            cJSON_AddNumberToObject(term, "exitCode", code);
            cJSON_AddStringToObject(term, "reason", code ? "Error" : "Completed");
            cJSON_AddStringToObject(term, "startedAt", sim_jstr(rn, "startedAt") ? sim_jstr(rn, "startedAt") : ts);
            cJSON_AddStringToObject(term, "finishedAt", ts);
            const char *cid = sim_jstr(s, "containerID");
            if (cid) cJSON_AddStringToObject(term, "containerID", cid);
            cJSON *ns_ = cJSON_Duplicate(s, true);
            sim_jset(ns_, "ready", cJSON_CreateFalse());
            bool restart = code != 0 ? !never : always;
            if (restart) {
                sim_jset(ns_, "lastState", state_obj("terminated", term));
                sim_jset_num(ns_, "restartCount", (double)(restarts + 1));
                sim_jset(ns_, "started", cJSON_CreateFalse());
                char m[700];
                snprintf(m, sizeof m, "back-off %llds restarting failed container=%s pod=%s",
                         (long long)(backoff_ms(restarts + 1) / 1000), cname, pod_ref);
                sim_jset(ns_, "state", waiting("CrashLoopBackOff", m));
                EV("Warning", "BackOff", "Back-off restarting failed container %s in pod %s", cname, pod_ref);
                running++;
                int64_t at = now + backoff_ms(restarts + 1);
                next = at < next ? at : next;
            } else {
                sim_jset(ns_, "state", state_obj("terminated", term));
                sim_jset(ns_, "started", cJSON_CreateFalse());
                if (code) failed++;
                else succeeded++;
            }
            cJSON_AddItemToArray(cs, ns_);
            continue;
        }
        if (tm) {
            if (sim_jint(tm, "exitCode", 0) == 0) succeeded++;
            else failed++;
        } else {
            running++;
        }
        cJSON_AddItemToArray(cs, cJSON_Duplicate(s, true));
    }
#undef EV

    /* pod-level status */
    const char *phase = "Running";
    if (succeeded == total) phase = "Succeeded";
    else if (failed && failed + succeeded == total) phase = "Failed";
    else if (running == 0 && failed + succeeded < total) phase = "Pending";
    bool all_ready = ready == total && total > 0;
    sim_jset(st, "containerStatuses", cs);
    sim_jset_str(st, "phase", phase);
    if (strcmp(phase, "Pending") != 0 && !sim_jstr(st, "podIP")) {
        char ip[32];
        if (n) {
            uint32_t k = n->next_ip++;
            if (n->next_ip > 254) n->next_ip = 2;
            snprintf(ip, sizeof ip, "10.%d.%d.%u", 244 + n->index / 256, n->index % 256, k);
        } else {
            snprintf(ip, sizeof ip, "10.244.255.%u", (unsigned)(2 + ph % 250));
        }
        sim_jset_str(st, "podIP", ip);
        cJSON *ips = cJSON_CreateArray();
        cJSON *ipo = cJSON_CreateObject();
        cJSON_AddStringToObject(ipo, "ip", ip);
        cJSON_AddItemToArray(ips, ipo);
        sim_jset(st, "podIPs", ips);
    }
    bool done = strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
    cJSON *conds = cJSON_CreateArray();
    cJSON_AddItemToArray(conds, cond("PodReadyToStartContainers", !done, NULL, ts));
    cJSON_AddItemToArray(conds, cond("Initialized", true, done ? "PodCompleted" : NULL, ts));
    cJSON_AddItemToArray(conds, cond("Ready", all_ready, done ? "PodCompleted" : (all_ready ? NULL : "ContainersNotReady"), ts));
    cJSON_AddItemToArray(conds, cond("ContainersReady", all_ready, done ? "PodCompleted" : (all_ready ? NULL : "ContainersNotReady"), ts));
    cJSON_AddItemToArray(conds, cond("PodScheduled", true, NULL, ts));
    set_conditions(st, conds);
    if (ctrl_update_status(c, c->k.pod, ns, pod) < 0) return -1;
    o = sim_get_obj(c->st, c->k.pod, ns, name);
    for (int i = 0; o && i < nev; i++) ctrl_event_obj(c, o, evs[i].type, evs[i].reason, KL, "%s", evs[i].msg);
    if (done || next == INT64_MAX) {
        due_clear(c, key);
        return 0;
    }
    due_set(c, key, next);
    return (int)(next - now > 0 ? next - now : 1);
}
