/* ctrl_deployment.c — Deployment → ReplicaSets.
 *
 * The ReplicaSet whose pod-template-hash label matches the hash of the
 * current template is the new one; the others are old. RollingUpdate
 * scales the new one up within replicas + maxSurge and the old ones down
 * while at least replicas − maxUnavailable stay available; Recreate scales
 * the old ones to zero first. Revisions go in the
 * deployment.kubernetes.io/revision annotation; old ReplicaSets past
 * revisionHistoryLimit are deleted. Status carries replicas, updated,
 * ready, available and unavailable counts and the Available and
 * Progressing conditions. spec.paused freezes the rollout (not scaling).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "ctrl_internal.h"

typedef struct dep_rs {
    char name[256];
    char hash[64];
    int64_t replicas, status_replicas, ready, available;
    int64_t revision;
    uint64_t rv;
    bool same_template;
} dep_rs_t;

typedef struct dep_walk {
    const sim_controllers_t *c;
    const char *uid;
    const cJSON *tmpl;
    sv_t tmpl_text; /* the Deployment's template as stored */
    buf_t *scratch;
    dep_rs_t *rs;
    size_t n, cap;
} dep_walk_t;

/* Is the ReplicaSet's template the Deployment's, ignoring the
 * pod-template-hash label (as the real controller's EqualIgnoreHash)? The
 * stored texts are compared first, with the label's member cut out of the
 * ReplicaSet's; only when they differ are the trees compared (key order or
 * an emptied labels object can make equal templates print differently). */
static bool same_template(dep_walk_t *w, const sim_obj_t *o, const char *hash)
{
    sv_t t = sim_obj_member_text(o, "spec.template");
    if (!t.p || !w->tmpl_text.p) return false;
    buf_t *b = w->scratch;
    buf_reset(b);
    buf_append(b, t.p, t.n);
    char pat[128];
    int pn = snprintf(pat, sizeof pat, "\"pod-template-hash\":\"%s\"", hash);
    char *m = pn > 0 && (size_t)pn < sizeof pat ? memmem(b->data, b->len, pat, (size_t)pn) : NULL;
    if (m) {
        size_t at = (size_t)(m - b->data), cut = (size_t)pn;
        if (at > 0 && b->data[at - 1] == ',') at--, cut++;
        else if (at + cut < b->len && b->data[at + cut] == ',') cut++;
        memmove(b->data + at, b->data + at + cut, b->len - at - cut);
        b->len -= cut;
    }
    if (b->len == w->tmpl_text.n && memcmp(b->data, w->tmpl_text.p, b->len) == 0) return true;
    cJSON *rt = sim_obj_member(o, "spec.template");
    cJSON *tl = (cJSON *)sim_jpath(rt, "metadata", "labels");
    if (tl) cJSON_DeleteItemFromObjectCaseSensitive(tl, "pod-template-hash");
    if (tl && cJSON_GetArraySize(tl) == 0 && !sim_jpath(w->tmpl, "metadata", "labels"))
        cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)sim_jpath(rt, "metadata"), "labels");
    bool same = rt && w->tmpl && cJSON_Compare(rt, w->tmpl, true);
    cJSON_Delete(rt);
    return same;
}

static int64_t member_int(const sim_obj_t *o, const char *path, int64_t dflt)
{
    cJSON *v = sim_obj_member(o, path);
    int64_t n = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
    cJSON_Delete(v);
    return n;
}

/* One ReplicaSet the Deployment controls, read from its text: a sync runs
 * on every change of any of them, and parsing each whole (templates of
 * several KB) made this controller the most expensive part of churn. */
static bool dep_visit(const sim_obj_t *o, void *ud)
{
    dep_walk_t *w = ud;
    if (sim_obj_kind(o) != w->c->k.rs || sim_obj_deleting(o)) return true;
    if (!ctrl_obj_controlled_by(o, w->uid)) return true;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->rs = xrealloc(w->rs, w->cap * sizeof *w->rs);
    }
    dep_rs_t *r = &w->rs[w->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", sim_obj_name(o));
    const char *h = sim_obj_label(o, "pod-template-hash");
    snprintf(r->hash, sizeof r->hash, "%s", h ? h : "");
    r->replicas = member_int(o, "spec.replicas", 1);
    cJSON *st = sim_obj_member(o, "status");
    r->status_replicas = sim_jint(st, "replicas", 0);
    r->ready = sim_jint(st, "readyReplicas", 0);
    r->available = sim_jint(st, "availableReplicas", 0);
    cJSON_Delete(st);
    cJSON *ann = sim_obj_member(o, "metadata.annotations");
    const char *rev = sim_jstr(ann, "deployment.kubernetes.io/revision");
    r->revision = rev ? atoll(rev) : 0;
    cJSON_Delete(ann);
    r->rv = sim_obj_rv(o);
    r->same_template = same_template(w, o, r->hash);
    return true;
}

/* An IntOrString: an integer, or "25%" of total rounded up or down. */
static int64_t int_or_percent(const cJSON *v, int64_t total, bool round_up, int64_t dflt)
{
    if (cJSON_IsNumber(v)) return (int64_t)v->valuedouble;
    if (cJSON_IsString(v)) {
        double p = atof(v->valuestring);
        if (strchr(v->valuestring, '%')) {
            double x = p * (double)total / 100.0;
            return (int64_t)(round_up ? ceil(x) : floor(x));
        }
        return (int64_t)p;
    }
    return dflt;
}

static int set_rs_replicas(sim_controllers_t *c, const char *ns, const sim_obj_t *dep, const char *rs_name,
                           int64_t from, int64_t to, int64_t dep_replicas, int64_t max_surge)
{
    /* Two members change: edit them in the stored text (no copy of the
     * ReplicaSet and its template). */
    const sim_obj_t *rso = sim_get_obj(c->st, c->k.rs, ns, rs_name);
    if (!rso) return 0;
    cJSON *ann = sim_obj_member(rso, "metadata.annotations");
    if (!cJSON_IsObject(ann)) {
        cJSON_Delete(ann);
        ann = cJSON_CreateObject();
    }
    char v[32], rep[32];
    snprintf(v, sizeof v, "%lld", (long long)dep_replicas);
    sim_jset_str(ann, "deployment.kubernetes.io/desired-replicas", v);
    snprintf(v, sizeof v, "%lld", (long long)(dep_replicas + max_surge));
    sim_jset_str(ann, "deployment.kubernetes.io/max-replicas", v);
    char *ann_text = cJSON_PrintUnformatted(ann);
    cJSON_Delete(ann);
    snprintf(rep, sizeof rep, "%lld", (long long)to);
    sim_member_edit_t ed[] = {{"spec.replicas", rep, 0}, {"metadata.annotations", ann_text, 0}};
    err_t e = {0};
    int rc = sim_update_members(c->st, c->k.rs, ns, rs_name, 0, ed, 2, NULL, &e);
    cJSON_free(ann_text);
    if (rc < 0 && rc != ERR_NOTFOUND)
        log_warn("controller write failed", "op=update kind=ReplicaSet ns=%s name=%s code=%d error=%s", ns, rs_name,
                 rc, e.msg);
    if (rc == 0)
        ctrl_event_obj(c, dep, "Normal", "ScalingReplicaSet", "deployment-controller",
                       "Scaled %s replica set %s from %lld to %lld", to > from ? "up" : "down", rs_name,
                       (long long)from, (long long)to);
    return rc;
}

static cJSON *condition(const char *type, const char *status, const char *reason, const char *msg, const char *ts)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", status);
    cJSON_AddStringToObject(c, "lastUpdateTime", ts);
    cJSON_AddStringToObject(c, "lastTransitionTime", ts);
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", msg);
    return c;
}

/* Keep lastTransitionTime when the status did not change. */
static void keep_transition(cJSON *cond, const cJSON *old_conds)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, old_conds)
    {
        const char *t = sim_jstr(o, "type"), *s = sim_jstr(o, "status");
        if (t && s && strcmp(t, sim_jstr(cond, "type")) == 0 && strcmp(s, sim_jstr(cond, "status")) == 0) {
            const char *lt = sim_jstr(o, "lastTransitionTime");
            if (lt) sim_jset_str(cond, "lastTransitionTime", lt);
            const char *r = sim_jstr(o, "reason");
            if (r && strcmp(r, sim_jstr(cond, "reason")) == 0) {
                const char *lu = sim_jstr(o, "lastUpdateTime");
                if (lu) sim_jset_str(cond, "lastUpdateTime", lu);
            }
        }
    }
}

static int by_revision(const void *a, const void *b)
{
    const dep_rs_t *x = a, *y = b;
    return x->revision < y->revision ? -1 : (x->revision > y->revision ? 1 : 0);
}

int ctrl_deployment_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(c->st, c->k.deploy, ns, name);
    if (!o || sim_obj_deleting(o)) return 0;
    const cJSON *d = sim_obj_json(o);
    const cJSON *spec = sim_jpath(d, "spec");
    const cJSON *tmpl = sim_jpath(spec, "template");
    if (!tmpl) return 0;
    int64_t replicas = sim_jint(spec, "replicas", 1);
    bool paused = sim_jbool(spec, "paused", false);
    const char *strategy = sim_jstr(sim_jpath(spec, "strategy"), "type");
    bool recreate = strategy && strcmp(strategy, "Recreate") == 0;
    const cJSON *ru = sim_jpath(spec, "strategy", "rollingUpdate");
    int64_t surge = recreate ? 0 : int_or_percent(cJSON_GetObjectItemCaseSensitive(ru, "maxSurge"), replicas, true, -1);
    int64_t unavail =
        recreate ? replicas : int_or_percent(cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable"), replicas, false, -1);
    if (surge < 0) surge = (replicas * 25 + 99) / 100;
    if (unavail < 0) unavail = replicas * 25 / 100;
    if (!recreate && surge == 0 && unavail == 0) unavail = 1;
    int64_t history = sim_jint(spec, "revisionHistoryLimit", 10);

    char uid[64];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(o));
    uint32_t collisions = (uint32_t)sim_jint(sim_jpath(d, "status"), "collisionCount", 0);
    /* The template's stored text is its print (hash and comparisons need
     * no print of the tree); a copy, as reading the ReplicaSets may reuse
     * the view's buffer. */
    buf_t *tmpl_text = &c->tmpl_text;
    buf_reset(tmpl_text);
    sv_t tv = sim_obj_member_text(o, "spec.template");
    buf_append(tmpl_text, tv.p, tv.n);
    char hash[16];
    ctrl_template_hash_sv(sv_make(tmpl_text->data, tmpl_text->len), collisions, hash);
    dep_walk_t w = {.c = c, .uid = uid, .tmpl = tmpl, .tmpl_text = sv_make(tmpl_text->data, tmpl_text->len),
                    .scratch = &c->tmpl_scratch};
    sim_each_dependent(c->st, uid, dep_visit, &w);
    if (w.n > 1) qsort(w.rs, w.n, sizeof *w.rs, by_revision);
    dep_rs_t *nrs = NULL;
    int64_t max_rev = 0, total = 0, available = 0;
    for (size_t i = 0; i < w.n; i++) {
        if (w.rs[i].same_template && !nrs) nrs = &w.rs[i];
        if (w.rs[i].revision > max_rev) max_rev = w.rs[i].revision;
        total += w.rs[i].replicas;
        available += w.rs[i].available;
    }
    int rc = 0;

    if (!nrs && !paused) {
        /* A new revision. Under Recreate it waits until the old pods are gone. */
        int64_t old_pods = 0;
        for (size_t i = 0; i < w.n; i++) old_pods += w.rs[i].status_replicas + w.rs[i].replicas;
        if (!recreate || old_pods == 0) {
            int64_t start = recreate ? replicas : replicas + surge - total;
            if (w.n == 0) start = replicas;
            if (start < 0) start = 0;
            if (start > replicas) start = replicas;
            cJSON *rs = cJSON_CreateObject();
            cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
            cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
            cJSON *md = cJSON_AddObjectToObject(rs, "metadata");
            char rsname[300];
            snprintf(rsname, sizeof rsname, "%.240s-%s", name, hash);
            cJSON_AddStringToObject(md, "name", rsname);
            cJSON_AddStringToObject(md, "namespace", ns);
            cJSON *tl = cJSON_Duplicate(sim_jpath(tmpl, "metadata", "labels"), true);
            if (!tl) tl = cJSON_CreateObject();
            sim_jset_str(tl, "pod-template-hash", hash);
            cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(tl, true));
            cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
            char v[32];
            snprintf(v, sizeof v, "%lld", (long long)replicas);
            cJSON_AddStringToObject(ann, "deployment.kubernetes.io/desired-replicas", v);
            snprintf(v, sizeof v, "%lld", (long long)(replicas + surge));
            cJSON_AddStringToObject(ann, "deployment.kubernetes.io/max-replicas", v);
            snprintf(v, sizeof v, "%lld", (long long)(max_rev + 1));
            cJSON_AddStringToObject(ann, "deployment.kubernetes.io/revision", v);
            cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
            cJSON_AddItemToArray(refs, ctrl_owner_ref("apps/v1", "Deployment", name, uid));
            cJSON *rspec = cJSON_AddObjectToObject(rs, "spec");
            cJSON_AddNumberToObject(rspec, "replicas", (double)start);
            cJSON *sel = cJSON_Duplicate(sim_jpath(spec, "selector"), true);
            if (!sel) sel = cJSON_CreateObject();
            sim_jset_str(sim_jobj(sel, "matchLabels"), "pod-template-hash", hash);
            cJSON_AddItemToObject(rspec, "selector", sel);
            cJSON *t = cJSON_Duplicate(tmpl, true);
            sim_jset(sim_jobj(t, "metadata"), "labels", tl);
            cJSON_AddItemToObject(rspec, "template", t);
            int64_t mrs = sim_jint(spec, "minReadySeconds", 0);
            if (mrs) cJSON_AddNumberToObject(rspec, "minReadySeconds", (double)mrs);
            cJSON_AddObjectToObject(rs, "status");
            int crc = ctrl_create(c, c->k.rs, ns, rs, NULL);
            if (crc == ERR_EXISTS) {
                /* a ReplicaSet with this name but another template: bump
                 * collisionCount, as the real controller does */
                cJSON *dc = sim_get_copy(c->st, c->k.deploy, ns, name);
                if (dc) {
                    sim_jset_num(sim_jobj(dc, "status"), "collisionCount", collisions + 1);
                    ctrl_update_status(c, c->k.deploy, ns, dc);
                }
                free(w.rs);
                return 100;
            }
            if (crc < 0) {
                free(w.rs);
                return -1;
            }
            ctrl_event_obj(c, o, "Normal", "ScalingReplicaSet", "deployment-controller",
                           "Scaled up replica set %s to %lld", rsname, (long long)start);
        }
        free(w.rs);
        return 200; /* look again once the new ReplicaSet shows up */
    }

    if (nrs) {
        /* Rollout and scaling. */
        int64_t old_total = total - nrs->replicas;
        if (old_total == 0 || paused) {
            if (nrs->replicas != replicas)
                rc = set_rs_replicas(c, ns, o, nrs->name, nrs->replicas, replicas, replicas, surge) < 0 ? -1 : rc;
        } else if (recreate) {
            for (size_t i = 0; i < w.n; i++)
                if (&w.rs[i] != nrs && w.rs[i].replicas > 0)
                    set_rs_replicas(c, ns, o, w.rs[i].name, w.rs[i].replicas, 0, replicas, surge);
            rc = 500;
        } else {
            /* scale up the new set within the surge */
            int64_t room = replicas + surge - total;
            if (room > 0 && nrs->replicas < replicas) {
                int64_t to = nrs->replicas + room;
                if (to > replicas) to = replicas;
                set_rs_replicas(c, ns, o, nrs->name, nrs->replicas, to, replicas, surge);
            }
            /* scale down old sets while enough stay available */
            int64_t can_remove = available - (replicas - unavail);
            for (size_t i = 0; i < w.n && can_remove > 0; i++) {
                dep_rs_t *r = &w.rs[i];
                if (r == nrs || r->replicas == 0) continue;
                /* unavailable old pods can always go */
                int64_t down = r->replicas - r->available;
                if (down < 0) down = 0;
                down += can_remove;
                if (down > r->replicas) down = r->replicas;
                set_rs_replicas(c, ns, o, r->name, r->replicas, r->replicas - down, replicas, surge);
                can_remove -= down;
            }
            rc = 500;
        }
        /* history: delete old sets at zero beyond the limit, oldest first */
        int64_t old_zero = 0;
        for (size_t i = 0; i < w.n; i++)
            if (&w.rs[i] != nrs && w.rs[i].replicas == 0 && w.rs[i].status_replicas == 0) old_zero++;
        for (size_t i = 0; i < w.n && old_zero > history; i++) {
            if (&w.rs[i] == nrs || w.rs[i].replicas != 0 || w.rs[i].status_replicas != 0) continue;
            ctrl_delete(c, c->k.rs, ns, w.rs[i].name);
            old_zero--;
        }
    }

    /* status */
    int64_t st_repl = 0, st_ready = 0, st_avail = 0, st_upd = 0;
    for (size_t i = 0; i < w.n; i++) {
        st_repl += w.rs[i].status_replicas;
        st_ready += w.rs[i].ready;
        st_avail += w.rs[i].available;
    }
    char nrs_found[256] = "";
    if (nrs) {
        st_upd = nrs->status_replicas;
        snprintf(nrs_found, sizeof nrs_found, "%s", nrs->name);
    }
    bool complete = nrs && st_upd == replicas && st_repl == replicas && st_avail == replicas;
    free(w.rs);
    if (complete && rc == 500) rc = 0;
    /* d is still the current version: nothing above wrote the Deployment
     * (a collision returned early). */
    const cJSON *old_st = cJSON_GetObjectItemCaseSensitive(d, "status");
    int64_t gen = sim_jint(sim_jpath(d, "metadata"), "generation", 1);
    char ts[32];
    sim_now_rfc3339(c->now_ms, ts);
    cJSON *st = cJSON_CreateObject();
    cJSON_AddNumberToObject(st, "observedGeneration", (double)gen);
    cJSON_AddNumberToObject(st, "replicas", (double)st_repl);
    cJSON_AddNumberToObject(st, "updatedReplicas", (double)st_upd);
    if (st_ready) cJSON_AddNumberToObject(st, "readyReplicas", (double)st_ready);
    if (st_avail) cJSON_AddNumberToObject(st, "availableReplicas", (double)st_avail);
    int64_t unav = replicas - st_avail;
    if (unav > 0) cJSON_AddNumberToObject(st, "unavailableReplicas", (double)unav);
    if (collisions) cJSON_AddNumberToObject(st, "collisionCount", collisions);
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    bool avail_ok = st_avail >= replicas - unavail;
    cJSON *ca = condition("Available", avail_ok ? "True" : "False",
                          avail_ok ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                          avail_ok ? "Deployment has minimum availability."
                                   : "Deployment does not have minimum availability.",
                          ts);
    char msg[600];
    char nrs_name[300];
    snprintf(nrs_name, sizeof nrs_name, "%.240s-%s", name, hash);
    if (nrs_found[0]) snprintf(nrs_name, sizeof nrs_name, "%s", nrs_found);
    if (paused)
        snprintf(msg, sizeof msg, "Deployment is paused");
    else if (complete)
        snprintf(msg, sizeof msg, "ReplicaSet \"%s\" has successfully progressed.", nrs_name);
    else
        snprintf(msg, sizeof msg, "ReplicaSet \"%s\" is progressing.", nrs_name);
    cJSON *cp = condition("Progressing", paused ? "Unknown" : "True",
                          paused ? "DeploymentPaused" : (complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"),
                          msg, ts);
    keep_transition(ca, cJSON_GetObjectItemCaseSensitive(old_st, "conditions"));
    keep_transition(cp, cJSON_GetObjectItemCaseSensitive(old_st, "conditions"));
    cJSON_AddItemToArray(conds, ca);
    cJSON_AddItemToArray(conds, cp);
    /* Write only on a change, so a settled Deployment costs nothing. */
    if (old_st && cJSON_Compare(old_st, st, true)) {
        cJSON_Delete(st);
        return rc;
    }
    if (ctrl_write_status(c, c->k.deploy, ns, name, st) < 0) return -1;
    return rc;
}
