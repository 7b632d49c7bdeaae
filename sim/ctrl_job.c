/* ctrl_job.c — Job → Pods.
 *
 * Runs up to spec.parallelism pods at once until spec.completions have
 * Succeeded (default 1), counts Failed pods against spec.backoffLimit
 * (default 6), and marks the Job Complete or Failed (BackoffLimitExceeded)
 * with its conditions, startTime and completionTime. spec.suspend deletes
 * active pods; ttlSecondsAfterFinished deletes the finished Job (and, by
 * the store's garbage collection, its pods). Pods keep their terminal
 * phase, as in Kubernetes, so `kubectl get pods` shows Completed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ctrl_internal.h"

typedef struct job_walk {
    const sim_controllers_t *c;
    const char *uid;
    int active, succeeded, failed, ready;
    char (*active_names)[256];
    size_t nactive_names, cap;
} job_walk_t;

static bool job_visit(const sim_obj_t *o, void *ud)
{
    job_walk_t *w = ud;
    if (sim_obj_kind(o) != w->c->k.pod) return true;
    ctrl_owner_t ow;
    if (!ctrl_controller_of(o, &ow) || strcmp(ow.uid, w->uid) != 0) return true;
    const char *ph = sim_obj_field(o, "status.phase");
    if (ph && strcmp(ph, "Succeeded") == 0) w->succeeded++;
    else if (ph && strcmp(ph, "Failed") == 0) w->failed++;
    else if (!sim_obj_deleting(o)) {
        w->active++;
        if (sim_bytes_pod_ready(sim_obj_bytes(o))) w->ready++;
        if (w->nactive_names == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 8;
            w->active_names = xrealloc(w->active_names, w->cap * sizeof *w->active_names);
        }
        snprintf(w->active_names[w->nactive_names++], 256, "%s", sim_obj_name(o));
    }
    return true;
}

static cJSON *job_cond(const char *type, const char *reason, const char *msg, const char *ts)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "lastProbeTime", ts);
    cJSON_AddStringToObject(c, "lastTransitionTime", ts);
    if (reason) cJSON_AddStringToObject(c, "reason", reason);
    if (msg) cJSON_AddStringToObject(c, "message", msg);
    return c;
}

static const char *finished(const cJSON *job)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, sim_jpath(job, "status", "conditions"))
    {
        const char *t = sim_jstr(c, "type"), *s = sim_jstr(c, "status");
        if (t && s && strcmp(s, "True") == 0 && (strcmp(t, "Complete") == 0 || strcmp(t, "Failed") == 0)) return t;
    }
    return NULL;
}

int ctrl_job_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(c->st, c->k.job, ns, name);
    if (!o || sim_obj_deleting(o)) return 0;
    const cJSON *job = sim_obj_json(o);
    const cJSON *spec = sim_jpath(job, "spec");
    char ts[32];
    sim_now_rfc3339(c->now_ms, ts);
    if (finished(job)) {
        int64_t ttl = sim_jint(spec, "ttlSecondsAfterFinished", -1);
        if (ttl < 0) return 0;
        int64_t done = sim_jtime_ms(sim_jpath(job, "status"), "completionTime");
        if (done < 0) done = c->now_ms;
        if (c->now_ms >= done + ttl * 1000) {
            ctrl_delete(c, c->k.job, ns, name);
            return 0;
        }
        return (int)(done + ttl * 1000 - c->now_ms + 10);
    }
    int64_t parallelism = sim_jint(spec, "parallelism", 1);
    int64_t completions = sim_jint(spec, "completions", 1);
    int64_t backoff = sim_jint(spec, "backoffLimit", 6);
    bool suspend = sim_jbool(spec, "suspend", false);
    char uid[64];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(o));
    job_walk_t w = {.c = c, .uid = uid};
    sim_each_dependent(c->st, uid, job_visit, &w);

    cJSON *upd = sim_get_copy(c->st, c->k.job, ns, name);
    if (!upd) {
        free(w.active_names);
        return 0;
    }
    cJSON *st = sim_jobj(upd, "status");
    if (!sim_jstr(st, "startTime") && !suspend) sim_jset_str(st, "startTime", ts);
    int rc = 0;
    const char *outcome = NULL;
    if (w.failed > backoff) {
        for (size_t i = 0; i < w.nactive_names; i++) ctrl_delete(c, c->k.pod, ns, w.active_names[i]);
        w.active = 0;
        cJSON *conds = cJSON_CreateArray();
        cJSON_AddItemToArray(conds, job_cond("FailureTarget", "BackoffLimitExceeded",
                                             "Job has reached the specified backoff limit", ts));
        cJSON_AddItemToArray(conds, job_cond("Failed", "BackoffLimitExceeded",
                                             "Job has reached the specified backoff limit", ts));
        sim_jset(st, "conditions", conds);
        outcome = "Failed";
    } else if (w.succeeded >= completions) {
        cJSON *conds = cJSON_CreateArray();
        cJSON_AddItemToArray(conds, job_cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", ts));
        cJSON_AddItemToArray(conds, job_cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods", ts));
        sim_jset(st, "conditions", conds);
        sim_jset_str(st, "completionTime", ts);
        outcome = "Complete";
    } else if (suspend) {
        for (size_t i = 0; i < w.nactive_names; i++) ctrl_delete(c, c->k.pod, ns, w.active_names[i]);
        w.active = 0;
    } else {
        int64_t want = parallelism;
        if (completions - w.succeeded < want) want = completions - w.succeeded;
        int64_t create = want - w.active;
        if (create > 50) create = 50, rc = 100;
        const cJSON *tmpl = sim_jpath(spec, "template");
        for (int64_t i = 0; i < create; i++) {
            cJSON *t = cJSON_Duplicate(tmpl, true);
            if (!t) t = cJSON_CreateObject();
            cJSON *labels = sim_jobj(sim_jobj(t, "metadata"), "labels");
            sim_jset_str(labels, "batch.kubernetes.io/controller-uid", uid);
            sim_jset_str(labels, "batch.kubernetes.io/job-name", name);
            sim_jset_str(labels, "controller-uid", uid);
            sim_jset_str(labels, "job-name", name);
            cJSON *ps = sim_jobj(t, "spec");
            if (!sim_jstr(ps, "restartPolicy")) sim_jset_str(ps, "restartPolicy", "Never");
            char gen[300];
            snprintf(gen, sizeof gen, "%.240s-", name);
            cJSON *pod = ctrl_pod_from_template(t, ns, NULL, gen, ctrl_owner_ref("batch/v1", "Job", name, uid));
            cJSON_Delete(t);
            const sim_obj_t *created = NULL;
            if (ctrl_create(c, c->k.pod, ns, pod, &created) < 0) {
                rc = -1;
                break;
            }
            w.active++;
            ctrl_event_obj(c, o, "Normal", "SuccessfulCreate", "job-controller", "Created pod: %s",
                           created ? sim_obj_name(created) : gen);
        }
    }
    sim_jset_num(st, "active", w.active);
    if (!w.active) cJSON_DeleteItemFromObjectCaseSensitive(st, "active");
    sim_jset_num(st, "succeeded", w.succeeded);
    if (!w.succeeded) cJSON_DeleteItemFromObjectCaseSensitive(st, "succeeded");
    sim_jset_num(st, "failed", w.failed);
    if (!w.failed) cJSON_DeleteItemFromObjectCaseSensitive(st, "failed");
    sim_jset_num(st, "ready", w.ready);
    sim_jset_num(st, "terminating", 0);
    sim_jset(st, "uncountedTerminatedPods", cJSON_CreateObject());
    free(w.active_names);
    const cJSON *before = sim_jpath(job, "status");
    if (before && cJSON_Compare(before, st, true)) {
        cJSON_Delete(upd);
        return rc;
    }
    if (ctrl_update_status(c, c->k.job, ns, upd) < 0) return -1;
    if (outcome) {
        o = sim_get_obj(c->st, c->k.job, ns, name);
        if (o && strcmp(outcome, "Complete") == 0)
            ctrl_event_obj(c, o, "Normal", "Completed", "job-controller", "Job completed");
        else if (o)
            ctrl_event_obj(c, o, "Warning", "BackoffLimitExceeded", "job-controller",
                           "Job has reached the specified backoff limit");
        int64_t ttl = sim_jint(spec, "ttlSecondsAfterFinished", -1);
        if (ttl >= 0) return (int)(ttl * 1000 + 10);
    }
    return rc;
}
