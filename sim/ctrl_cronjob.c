/* ctrl_cronjob.c — CronJob → Jobs, and the 5-field cron parser.
 *
 * At each scheduled minute (UTC; spec.timeZone is not honoured) a Job named
 * <cronjob>-<minutes since the epoch> is created from spec.jobTemplate, as
 * the real controller names them; a missed run is made up once (the most
 * recent missed time only). concurrencyPolicy Allow/Forbid/Replace and
 * suspend are honoured; finished Jobs past successfulJobsHistoryLimit (3)
 * and failedJobsHistoryLimit (1) are deleted. Status has active references,
 * lastScheduleTime and lastSuccessfulTime. A sync asks to be called again
 * at the next scheduled time.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/clock.h"
#include "base/mem.h"
#include "ctrl_internal.h"

/* ---- the parser ---- */

static int name_value(const char *s, size_t n, int field)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    if (n != 3) return -1;
    if (field == 3)
        for (int i = 0; i < 12; i++)
            if (strncasecmp(s, months[i], 3) == 0) return i + 1;
    if (field == 4)
        for (int i = 0; i < 7; i++)
            if (strncasecmp(s, days[i], 3) == 0) return i;
    return -1;
}

static int parse_num(const char **p, int field, int *out)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long v = 0;
        while (isdigit((unsigned char)*s)) {
            v = v * 10 + (*s - '0');
            if (v > 1000) return -1;
            s++;
        }
        *out = (int)v;
        *p = s;
        return 0;
    }
    size_t n = 0;
    while (isalpha((unsigned char)s[n])) n++;
    int v = name_value(s, n, field);
    if (v < 0) return -1;
    *out = v;
    *p = s + n;
    return 0;
}

/* One field: comma-separated items of *, N, N-M, each with an optional /step. */
static int parse_field(const char *s, size_t len, int field, int lo, int hi, uint64_t *bits, bool *star)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *bits = 0;
    *star = strcmp(buf, "*") == 0 || strcmp(buf, "?") == 0;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        const char *p = item;
        int a = lo, b = hi, step = 1;
        if (*p == '*' || *p == '?') {
            p++;
        } else {
            if (parse_num(&p, field, &a) < 0) return -1;
            b = a;
            if (*p == '-') {
                p++;
                if (parse_num(&p, field, &b) < 0) return -1;
            }
        }
        if (*p == '/') {
            p++;
            if (parse_num(&p, -1, &step) < 0 || step <= 0) return -1;
            if (item[0] != '*' && item[0] != '?' && !strchr(item, '-')) b = hi; /* "5/15" means 5-hi/15 */
        }
        if (*p) return -1;
        if (field == 4 && b == 7) b = 7; /* 7 is Sunday too */
        int max = field == 4 ? 7 : hi;
        if (a < lo || b > max || a > b) return -1;
        for (int v = a; v <= b; v += step) *bits |= 1ULL << (field == 4 && v == 7 ? 0 : v);
    }
    return 0;
}

int sim_cron_parse(const char *spec, sim_cron_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!spec) return err_set(err, ERR_INVALID, "empty schedule");
    while (isspace((unsigned char)*spec)) spec++;
    static const struct {
        const char *name, *expand;
    } macros[] = {{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
                  {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
                  {"@hourly", "0 * * * *"}};
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
        if (strcmp(spec, macros[i].name) == 0) spec = macros[i].expand;
    if (spec[0] == '@') return err_set(err, ERR_INVALID, "unrecognized descriptor: %s", spec);
    const char *fields[5];
    size_t lens[5];
    int nf = 0;
    const char *p = spec;
    while (*p) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (nf == 5) return err_set(err, ERR_INVALID, "expected exactly 5 fields, found more: %s", spec);
        fields[nf] = start;
        lens[nf] = (size_t)(p - start);
        nf++;
    }
    if (nf != 5) return err_set(err, ERR_INVALID, "expected exactly 5 fields, found %d: %s", nf, spec);
    static const int lo[5] = {0, 0, 1, 1, 0}, hi[5] = {59, 23, 31, 12, 6};
    static const char *const names[5] = {"minute", "hour", "day of month", "month", "day of week"};
    uint64_t bits[5];
    bool star[5];
    for (int i = 0; i < 5; i++)
        if (parse_field(fields[i], lens[i], i, lo[i], hi[i], &bits[i], &star[i]) < 0)
            return err_set(err, ERR_INVALID, "bad %s field \"%.*s\" in schedule %s", names[i], (int)lens[i], fields[i],
                           spec);
    out->minute = bits[0];
    out->hour = (uint32_t)bits[1];
    out->dom = (uint32_t)bits[2];
    out->month = (uint32_t)bits[3];
    out->dow = (uint8_t)bits[4];
    out->dom_star = star[2];
    out->dow_star = star[4];
    return 0;
}

int64_t sim_cron_next(const sim_cron_t *c, int64_t after_s)
{
    int64_t t = (after_s / 60 + 1) * 60;
    int64_t limit = t + 5LL * 366 * 86400;
    while (t < limit) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        if (!(c->month & (1u << (tm.tm_mon + 1)))) {
            /* jump to the first day of the next month */
            tm.tm_mon++;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
            t = (int64_t)timegm(&tm);
            continue;
        }
        bool dom_ok = (c->dom & (1u << tm.tm_mday)) != 0, dow_ok = (c->dow & (1u << tm.tm_wday)) != 0;
        /* Vixie cron: when both are restricted, either may match. */
        bool day_ok = (c->dom_star || c->dow_star) ? (dom_ok && dow_ok) : (dom_ok || dow_ok);
        if (!day_ok) {
            tm.tm_mday++;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
            t = (int64_t)timegm(&tm);
            continue;
        }
        if (!(c->hour & (1u << tm.tm_hour))) {
            tm.tm_hour++;
            tm.tm_min = tm.tm_sec = 0;
            t = (int64_t)timegm(&tm);
            continue;
        }
        if (!(c->minute & (1ULL << tm.tm_min))) {
            t += 60;
            continue;
        }
        return t;
    }
    return -1;
}

/* ---- the controller ---- */

typedef struct cj_job {
    char name[256];
    int64_t sched_s;
    const char *outcome; /* NULL active, "Complete", "Failed" */
    int64_t completion_ms;
    char uid[64];
} cj_job_t;

typedef struct cj_walk {
    const sim_controllers_t *c;
    const char *uid;
    cj_job_t *jobs;
    size_t n, cap;
} cj_walk_t;

static bool cj_visit(const sim_obj_t *o, void *ud)
{
    cj_walk_t *w = ud;
    if (sim_obj_kind(o) != w->c->k.job || sim_obj_deleting(o)) return true;
    const cJSON *j = sim_obj_json(o);
    if (!ctrl_is_controlled_by(j, w->uid)) return true;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->jobs = xrealloc(w->jobs, w->cap * sizeof *w->jobs);
    }
    cj_job_t *x = &w->jobs[w->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->name, sizeof x->name, "%s", sim_obj_name(o));
    snprintf(x->uid, sizeof x->uid, "%s", sim_obj_uid(o));
    const char *dash = strrchr(x->name, '-');
    x->sched_s = dash ? atoll(dash + 1) * 60 : 0;
    const cJSON *cd;
    cJSON_ArrayForEach(cd, sim_jpath(j, "status", "conditions"))
    {
        const char *t = sim_jstr(cd, "type"), *s = sim_jstr(cd, "status");
        if (t && s && strcmp(s, "True") == 0) {
            if (strcmp(t, "Complete") == 0) x->outcome = "Complete";
            else if (strcmp(t, "Failed") == 0) x->outcome = "Failed";
        }
    }
    x->completion_ms = sim_jtime_ms(sim_jpath(j, "status"), "completionTime");
    return true;
}

static int by_sched(const void *a, const void *b)
{
    const cj_job_t *x = a, *y = b;
    return x->sched_s < y->sched_s ? -1 : (x->sched_s > y->sched_s ? 1 : 0);
}

void ctrl_cronjob_scan(sim_controllers_t *c) { (void)c; }

int ctrl_cronjob_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(c->st, c->k.cronjob, ns, name);
    if (!o || sim_obj_deleting(o)) return 0;
    const cJSON *cj = sim_obj_json(o);
    const cJSON *spec = sim_jpath(cj, "spec");
    sim_cron_t sched;
    err_t e = {0};
    if (sim_cron_parse(sim_jstr(spec, "schedule"), &sched, &e) < 0) {
        ctrl_event_obj(c, o, "Warning", "InvalidSchedule", "cronjob-controller", "invalid schedule: %s", e.msg);
        return 0;
    }
    char uid[64];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(o));
    cj_walk_t w = {.c = c, .uid = uid};
    sim_each_dependent(c->st, uid, cj_visit, &w);
    if (w.n > 1) qsort(w.jobs, w.n, sizeof *w.jobs, by_sched);
    int64_t now_s = c->now_ms / 1000;
    const cJSON *st = sim_jpath(cj, "status");
    int64_t last = sim_jtime_ms(st, "lastScheduleTime");
    if (last < 0) last = sim_jtime_ms(sim_jpath(cj, "metadata"), "creationTimestamp");
    if (last < 0) last = c->now_ms;
    int64_t last_s = last / 1000;
    /* the most recent scheduled time in (last, now] */
    int64_t due = -1;
    for (int64_t t = sim_cron_next(&sched, last_s), guard = 0; t >= 0 && t <= now_s && guard < 100000; guard++) {
        due = t;
        t = sim_cron_next(&sched, t);
    }
    bool suspended = sim_jbool(spec, "suspend", false);
    const char *policy = sim_jstr(spec, "concurrencyPolicy");
    int64_t new_sched = -1;
    if (due >= 0 && !suspended) {
        bool active = false;
        for (size_t i = 0; i < w.n; i++)
            if (!w.jobs[i].outcome) active = true;
        bool skip = active && policy && strcmp(policy, "Forbid") == 0;
        if (active && policy && strcmp(policy, "Replace") == 0)
            for (size_t i = 0; i < w.n; i++)
                if (!w.jobs[i].outcome) {
                    ctrl_delete(c, c->k.job, ns, w.jobs[i].name);
                    ctrl_event_obj(c, o, "Normal", "SuccessfulDelete", "cronjob-controller", "Deleted job %s",
                                   w.jobs[i].name);
                }
        if (!skip) {
            char jname[300];
            snprintf(jname, sizeof jname, "%.200s-%lld", name, (long long)(due / 60));
            if (!sim_get_obj(c->st, c->k.job, ns, jname)) {
                const cJSON *jt = sim_jpath(spec, "jobTemplate");
                cJSON *job = cJSON_CreateObject();
                cJSON_AddStringToObject(job, "apiVersion", "batch/v1");
                cJSON_AddStringToObject(job, "kind", "Job");
                cJSON *md = cJSON_AddObjectToObject(job, "metadata");
                cJSON_AddStringToObject(md, "name", jname);
                cJSON_AddStringToObject(md, "namespace", ns);
                const cJSON *jl = sim_jpath(jt, "metadata", "labels");
                if (jl) cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(jl, true));
                cJSON *ann = cJSON_Duplicate(sim_jpath(jt, "metadata", "annotations"), true);
                if (!ann) ann = cJSON_CreateObject();
                char ts[32];
                clock_rfc3339(due, ts);
                sim_jset_str(ann, "batch.kubernetes.io/cronjob-scheduled-timestamp", ts);
                cJSON_AddItemToObject(md, "annotations", ann);
                cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
                cJSON_AddItemToArray(refs, ctrl_owner_ref("batch/v1", "CronJob", name, uid));
                const cJSON *js = sim_jpath(jt, "spec");
                cJSON_AddItemToObject(job, "spec", js ? cJSON_Duplicate(js, true) : cJSON_CreateObject());
                if (ctrl_create(c, c->k.job, ns, job, NULL) == 0)
                    ctrl_event_obj(c, o, "Normal", "SuccessfulCreate", "cronjob-controller", "Created job %s", jname);
            }
            new_sched = due;
        }
    }
    /* history limits */
    int64_t keep_ok = sim_jint(spec, "successfulJobsHistoryLimit", 3), keep_fail = sim_jint(spec, "failedJobsHistoryLimit", 1);
    int64_t nok = 0, nfail = 0, last_success = -1;
    for (size_t i = 0; i < w.n; i++) {
        if (w.jobs[i].outcome && strcmp(w.jobs[i].outcome, "Complete") == 0) {
            nok++;
            if (w.jobs[i].completion_ms > last_success) last_success = w.jobs[i].completion_ms;
        } else if (w.jobs[i].outcome) {
            nfail++;
        }
    }
    for (size_t i = 0; i < w.n; i++) {
        const char *oc = w.jobs[i].outcome;
        if (!oc) continue;
        bool ok = strcmp(oc, "Complete") == 0;
        if (ok && nok > keep_ok) {
            ctrl_delete(c, c->k.job, ns, w.jobs[i].name);
            nok--;
        } else if (!ok && nfail > keep_fail) {
            ctrl_delete(c, c->k.job, ns, w.jobs[i].name);
            nfail--;
        }
    }
    /* status */
    cJSON *upd = sim_get_copy(c->st, c->k.cronjob, ns, name);
    if (upd) {
        cJSON *nst = cJSON_CreateObject();
        cJSON *act = cJSON_CreateArray();
        for (size_t i = 0; i < w.n; i++) {
            if (w.jobs[i].outcome) continue;
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "apiVersion", "batch/v1");
            cJSON_AddStringToObject(r, "kind", "Job");
            cJSON_AddStringToObject(r, "name", w.jobs[i].name);
            cJSON_AddStringToObject(r, "namespace", ns);
            cJSON_AddStringToObject(r, "uid", w.jobs[i].uid);
            cJSON_AddItemToArray(act, r);
        }
        if (cJSON_GetArraySize(act)) cJSON_AddItemToObject(nst, "active", act);
        else cJSON_Delete(act);
        char ts[32];
        int64_t ls = new_sched >= 0 ? new_sched * 1000 : sim_jtime_ms(st, "lastScheduleTime");
        if (ls >= 0) {
            clock_rfc3339(ls / 1000, ts);
            cJSON_AddStringToObject(nst, "lastScheduleTime", ts);
        }
        if (last_success >= 0) {
            clock_rfc3339(last_success / 1000, ts);
            cJSON_AddStringToObject(nst, "lastSuccessfulTime", ts);
        }
        if (st && cJSON_Compare(st, nst, true)) {
            cJSON_Delete(nst);
            cJSON_Delete(upd);
        } else {
            sim_jset(upd, "status", nst);
            ctrl_update_status(c, c->k.cronjob, ns, upd);
        }
    }
    free(w.jobs);
    int64_t next = sim_cron_next(&sched, now_s);
    if (next < 0) return 0;
    int64_t wait = (next - now_s) * 1000 + 50;
    return (int)(wait > 60000 ? 60000 : wait);
}
