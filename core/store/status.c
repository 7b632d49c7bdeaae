/* status.c — the status summary and list columns of an object.
 *
 * The summary is what the topology colours a node with: ok, unknown,
 * warning or error, plus a short reason a person recognises from kubectl
 * (CrashLoopBackOff, ImagePullBackOff, NotReady, Pending, failed Job,
 * "2 unavailable"). The columns are kubectl's default columns for the kind,
 * computed once at ingest so the resource list API never needs the JSON.
 * AGE is not stored: it is derived from the creation time when listed.
 * Custom resources get their CRD's additionalPrinterColumns (printcols.h),
 * evaluated at ingest too; their date columns are stored as times and
 * written as ages when listed, like AGE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

const cJSON *sj_get(const cJSON *o, const char *key)
{
    /* cJSON_GetObjectItemCaseSensitive's walk, with the first byte compared
     * in line: on the ingest path most members are passed over, and a call
     * to strcmp for each was a tenth of the store's time. */
    if (!o) return NULL;
    for (const cJSON *c = o->child; c && c->string; c = c->next)
        if (c->string[0] == key[0] && strcmp(c->string, key) == 0) return c;
    return NULL;
}

const char *sj_str(const cJSON *o, const char *key)
{
    const cJSON *v = sj_get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *sj_strd(const cJSON *o, const char *key, const char *dflt)
{
    const char *v = sj_str(o, key);
    return v ? v : dflt;
}

long long sj_int(const cJSON *o, const char *key, long long dflt)
{
    const cJSON *v = sj_get(o, key);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

typedef struct kind_cols {
    const char *kind;
    const char *cols[STORE_MAX_COLS + 1]; /* NULL-terminated, AGE excluded */
} kind_cols_t;

static const kind_cols_t KIND_COLS[] = {
    {"Pod", {"READY", "STATUS", "RESTARTS", "NODE", "IP"}},
    {"Deployment.apps", {"READY", "UP-TO-DATE", "AVAILABLE"}},
    {"ReplicaSet.apps", {"DESIRED", "CURRENT", "READY"}},
    {"StatefulSet.apps", {"READY"}},
    {"DaemonSet.apps", {"DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE"}},
    {"Job.batch", {"STATUS", "COMPLETIONS"}},
    {"CronJob.batch", {"SCHEDULE", "SUSPEND", "ACTIVE"}},
    {"Service", {"TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORTS"}},
    {"Node", {"STATUS", "ROLES", "VERSION"}},
    {"PersistentVolumeClaim", {"STATUS", "VOLUME", "CAPACITY", "STORAGECLASS"}},
    {"PersistentVolume", {"CAPACITY", "STATUS", "CLAIM", "STORAGECLASS"}},
    {"ConfigMap", {"DATA"}},
    {"Secret", {"TYPE", "DATA"}},
    {"Namespace", {"STATUS"}},
    {"Ingress.networking.k8s.io", {"CLASS", "HOSTS"}},
    {"HorizontalPodAutoscaler.autoscaling", {"REFERENCE", "MINPODS", "MAXPODS", "REPLICAS"}},
    {"EndpointSlice.discovery.k8s.io", {"ADDRESSTYPE", "ENDPOINTS"}},
};

static const char *const AGE_ONLY[] = {"AGE"};

size_t store_column_names(const store_t *s, const char *kind, const char *const **names)
{
    /* Static per-kind tables with AGE appended, built once: they are
     * constant data, not mutable state. */
    static const char *tables[sizeof KIND_COLS / sizeof KIND_COLS[0]][STORE_MAX_COLS + 2];
    for (size_t i = 0; i < sizeof KIND_COLS / sizeof KIND_COLS[0]; i++) {
        if (strcmp(KIND_COLS[i].kind, kind) != 0) continue;
        size_t n = 0;
        while (KIND_COLS[i].cols[n]) {
            tables[i][n] = KIND_COLS[i].cols[n];
            n++;
        }
        tables[i][n] = "AGE";
        *names = tables[i];
        return n + 1;
    }
    const printcols_set_t *set = s ? printcols_find(store__printcols(s), kind) : NULL;
    if (set) {
        *names = set->names;
        return set->n + 1;
    }
    *names = AGE_ONLY;
    return 1;
}

/* kubectl -o wide columns among the built-in tables. */
static bool wide_column(const char *kind, const char *name)
{
    return !strcmp(kind, "Pod") && (!strcmp(name, "NODE") || !strcmp(name, "IP"));
}

void store_column_defs_json(const store_t *s, const char *kind, buf_t *out)
{
    const char *const *names;
    size_t n = store_column_names(s, kind, &names);
    const printcols_set_t *set = NULL;
    bool builtin = false;
    for (size_t i = 0; i < sizeof KIND_COLS / sizeof KIND_COLS[0] && !builtin; i++)
        builtin = !strcmp(KIND_COLS[i].kind, kind);
    if (!builtin && s) set = printcols_find(store__printcols(s), kind);
    buf_putc(out, '[');
    for (size_t i = 0; i + 1 < n; i++) {
        const printcols_column_t *c = set && i < set->n ? &set->cols[i] : NULL;
        buf_puts(out, "{\"name\":");
        buf_json_cstr(out, names[i]);
        buf_puts(out, ",\"type\":");
        buf_json_cstr(out, c ? c->type : "string");
        buf_printf(out, ",\"priority\":%d", c ? c->priority : wide_column(kind, names[i]) ? 1 : 0);
        if (c) {
            buf_puts(out, ",\"jsonPath\":");
            buf_json_cstr(out, c->json_path);
            buf_puts(out, ",\"description\":");
            buf_json_cstr(out, c->description);
        }
        buf_puts(out, "},");
    }
    buf_puts(out, "{\"name\":\"AGE\",\"type\":\"date\",\"priority\":0}]");
}

bool store_column_is_date(const char *value)
{
    return value && value[0] == PRINTCOLS_DATE_MARK;
}

void store_age_text(int64_t secs, char out[32])
{
    if (secs < 0) secs = 0;
    if (secs < 120)
        snprintf(out, 32, "%llds", (long long)secs);
    else if (secs < 7200)
        snprintf(out, 32, "%lldm", (long long)(secs / 60));
    else if (secs < 172800)
        snprintf(out, 32, "%lldh", (long long)(secs / 3600));
    else
        snprintf(out, 32, "%lldd", (long long)(secs / 86400));
}

void store_columns_dates_json(const store_t *s, store_oid_t o, int64_t now_s, buf_t *out)
{
    const uint32_t *c;
    size_t nc = store_obj_columns(s, o, &c);
    const char *const *names = NULL;
    size_t nn = 0;
    for (size_t i = 0; i < nc; i++) {
        long long t;
        if (!printcols_date_of(store_str(s, c[i]), &t)) continue;
        if (!names) nn = store_column_names(s, store_str(s, store_obj_kind(s, o)), &names);
        if (i + 1 >= nn) break;
        char a[32];
        store_age_text(now_s - t, a);
        buf_putc(out, ',');
        buf_json_cstr(out, names[i]);
        buf_putc(out, ':');
        buf_json_cstr(out, a);
    }
}

void store_columns_json(const store_t *s, store_oid_t o, int64_t now_s, buf_t *out)
{
    const char *const *names;
    size_t n = store_column_names(s, store_str(s, store_obj_kind(s, o)), &names);
    const uint32_t *c;
    size_t nc = store_obj_columns(s, o, &c);
    buf_putc(out, '{');
    for (size_t i = 0; i + 1 < n && i < nc; i++) {
        const char *v = store_str(s, c[i]);
        if (store_column_is_date(v)) continue; /* after AGE, as lists write them */
        buf_json_cstr(out, names[i]);
        buf_putc(out, ':');
        buf_json_cstr(out, v);
        buf_putc(out, ',');
    }
    char a[32];
    int64_t cr = store_obj_created(s, o);
    if (cr)
        store_age_text(now_s - cr, a);
    else
        snprintf(a, sizeof a, "<unknown>");
    buf_puts(out, "\"AGE\":");
    buf_json_cstr(out, a);
    store_columns_dates_json(s, o, now_s, out);
    buf_putc(out, '}');
}

static void setr(store_projected_t *p, int status, const char *reason)
{
    p->status = status;
    snprintf(p->reason, sizeof p->reason, "%s", reason ? reason : "");
}

static void col(store_projected_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void col(store_projected_t *p, const char *fmt, ...)
{
    if (p->ncols >= STORE_MAX_COLS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->cols[p->ncols++], sizeof p->cols[0], fmt, ap);
    va_end(ap);
}

/* The column setters below avoid printf: they run for every object the
 * store ingests. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

static void col_s(store_projected_t *p, const char *v)
{
    if (p->ncols < STORE_MAX_COLS) copy_str(p->cols[p->ncols++], sizeof p->cols[0], v);
}

static char *fmt_i(char *end, long long v)
{
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    *--end = '\0';
    do *--end = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--end = '-';
    return end;
}

static void col_i(store_projected_t *p, long long v)
{
    char b[32];
    col_s(p, fmt_i(b + sizeof b, v));
}

static void col_ratio(store_projected_t *p, long long a, long long b)
{
    char x[32], y[32], out[70];
    const char *xs = fmt_i(x + sizeof x, a), *ys = fmt_i(y + sizeof y, b);
    size_t xl = strlen(xs), yl = strlen(ys);
    memcpy(out, xs, xl);
    out[xl] = '/';
    memcpy(out + xl + 1, ys, yl + 1);
    col_s(p, out);
}

static const cJSON *condition(const cJSON *status, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, sj_get(status, "conditions"))
    {
        const char *t = sj_str(c, "type");
        if (t && strcmp(t, type) == 0) return c;
    }
    return NULL;
}

static bool cond_is(const cJSON *status, const char *type, const char *want)
{
    const cJSON *c = condition(status, type);
    const char *s = sj_str(c, "status");
    return s && strcmp(s, want) == 0;
}

static bool is_error_reason(const char *r)
{
    static const char *const bad[] = {"CrashLoopBackOff",
                                      "ImagePullBackOff",
                                      "ErrImagePull",
                                      "CreateContainerConfigError",
                                      "CreateContainerError",
                                      "InvalidImageName",
                                      "RunContainerError",
                                      "OOMKilled",
                                      "Error",
                                      "Evicted",
                                      "Failed",
                                      "ContainerStatusUnknown",
                                      NULL};
    for (int i = 0; bad[i]; i++)
        if (strcmp(r, bad[i]) == 0) return true;
    return strncmp(r, "Init:", 5) == 0 && is_error_reason(r + 5);
}

static void pod(const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status"), *spec = sj_get(obj, "spec");
    const char *phase = sj_str(st, "phase");
    char reason[80];
    copy_str(reason, sizeof reason, sj_strd(st, "reason", phase ? phase : "Unknown"));
    int total = cJSON_GetArraySize(sj_get(spec, "containers")), ready = 0;
    long long restarts = 0;
    bool init_blocked = false;
    const cJSON *c;
    int i = 0;
    cJSON_ArrayForEach(c, sj_get(st, "initContainerStatuses"))
    {
        restarts += sj_int(c, "restartCount", 0);
        const cJSON *state = sj_get(c, "state");
        const char *w = sj_str(sj_get(state, "waiting"), "reason");
        const cJSON *term = sj_get(state, "terminated");
        if (term && sj_int(term, "exitCode", 0) == 0) {
            i++;
            continue;
        }
        if (!init_blocked) {
            if (w && strcmp(w, "PodInitializing") != 0)
                snprintf(reason, sizeof reason, "Init:%s", w);
            else if (term)
                snprintf(reason, sizeof reason, "Init:%s", sj_strd(term, "reason", "Error"));
            else
                snprintf(reason, sizeof reason, "Init:%d/%d", i,
                         cJSON_GetArraySize(sj_get(spec, "initContainers")));
            init_blocked = true;
        }
        i++;
    }
    bool running_seen = false;
    cJSON_ArrayForEach(c, sj_get(st, "containerStatuses"))
    {
        restarts += sj_int(c, "restartCount", 0);
        if (cJSON_IsTrue(sj_get(c, "ready"))) ready++;
        if (init_blocked) continue;
        const cJSON *state = sj_get(c, "state");
        const char *w = sj_str(sj_get(state, "waiting"), "reason");
        const cJSON *term = sj_get(state, "terminated");
        if (w && *w)
            copy_str(reason, sizeof reason, w);
        else if (term) {
            const char *tr = sj_str(term, "reason");
            if (tr)
                copy_str(reason, sizeof reason, tr);
            else
                snprintf(reason, sizeof reason, "ExitCode:%lld", sj_int(term, "exitCode", 0));
        } else if (sj_get(state, "running"))
            running_seen = true;
    }
    (void)running_seen;
    if (sj_get(sj_get(obj, "metadata"), "deletionTimestamp")) snprintf(reason, sizeof reason, "Terminating");

    if (!st || !phase)
        setr(p, STORE_STATUS_UNKNOWN, "Unknown");
    else if (is_error_reason(reason))
        setr(p, STORE_STATUS_ERROR, reason);
    else if (strcmp(reason, "Terminating") == 0)
        setr(p, STORE_STATUS_WARNING, reason);
    else if (strcmp(phase, "Succeeded") == 0)
        setr(p, STORE_STATUS_OK, "Completed");
    else if (strcmp(phase, "Failed") == 0)
        setr(p, STORE_STATUS_ERROR, reason);
    else if (strcmp(phase, "Unknown") == 0)
        setr(p, STORE_STATUS_UNKNOWN, reason);
    else if (strcmp(phase, "Pending") == 0 || init_blocked)
        setr(p, STORE_STATUS_WARNING, reason);
    else if (total && ready < total)
        setr(p, STORE_STATUS_WARNING, strcmp(reason, "Running") == 0 ? "NotReady" : reason);
    else
        setr(p, STORE_STATUS_OK, reason);

    if (strcmp(phase ? phase : "", "Succeeded") == 0 && strcmp(reason, "Succeeded") == 0)
        snprintf(reason, sizeof reason, "Completed");
    col_ratio(p, ready, total);
    col_s(p, reason);
    col_i(p, restarts);
    col_s(p, sj_strd(spec, "nodeName", "<none>"));
    col_s(p, sj_strd(st, "podIP", "<none>"));
}

/* Deployments, ReplicaSets, StatefulSets: desired vs ready/available. */
static void replicas(const char *kind, const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status"), *spec = sj_get(obj, "spec");
    long long want = sj_int(spec, "replicas", 1), have = sj_int(st, "replicas", 0),
              ready = sj_int(st, "readyReplicas", 0), avail = sj_int(st, "availableReplicas", 0),
              upd = sj_int(st, "updatedReplicas", 0);
    bool is_sts = strcmp(kind, "StatefulSet.apps") == 0, is_rs = strcmp(kind, "ReplicaSet.apps") == 0;
    long long up = is_sts || is_rs ? ready : avail;
    char why[80];
    if (cond_is(st, "ReplicaFailure", "True")) {
        const cJSON *c = condition(st, "ReplicaFailure");
        setr(p, STORE_STATUS_ERROR, sj_strd(c, "reason", "ReplicaFailure"));
    } else if (cond_is(st, "Progressing", "False")) {
        const cJSON *c = condition(st, "Progressing");
        setr(p, STORE_STATUS_ERROR, sj_strd(c, "reason", "ProgressDeadlineExceeded"));
    } else if (up < want) {
        snprintf(why, sizeof why, "%lld unavailable", want - up);
        setr(p, want > 0 && up == 0 && have > 0 ? STORE_STATUS_ERROR : STORE_STATUS_WARNING, why);
    } else
        setr(p, STORE_STATUS_OK, "");
    if (!st) setr(p, STORE_STATUS_UNKNOWN, "");
    if (strcmp(kind, "Deployment.apps") == 0) {
        col_ratio(p, ready, want);
        col_i(p, upd);
        col_i(p, avail);
    } else if (is_rs) {
        col_i(p, want);
        col_i(p, have);
        col_i(p, ready);
    } else
        col_ratio(p, ready, want);
}

static void daemonset(const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status");
    long long want = sj_int(st, "desiredNumberScheduled", 0), cur = sj_int(st, "currentNumberScheduled", 0),
              ready = sj_int(st, "numberReady", 0), upd = sj_int(st, "updatedNumberScheduled", 0),
              avail = sj_int(st, "numberAvailable", 0);
    char why[80];
    snprintf(why, sizeof why, "%lld unavailable", want - avail);
    if (!st)
        setr(p, STORE_STATUS_UNKNOWN, "");
    else if (avail < want)
        setr(p, STORE_STATUS_WARNING, why);
    else
        setr(p, STORE_STATUS_OK, "");
    col_i(p, want);
    col_i(p, cur);
    col_i(p, ready);
    col_i(p, upd);
    col_i(p, avail);
}

static void job(const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status"), *spec = sj_get(obj, "spec");
    long long want = sj_int(spec, "completions", 1), done = sj_int(st, "succeeded", 0);
    const char *s;
    if (cond_is(st, "Failed", "True")) {
        setr(p, STORE_STATUS_ERROR, "failed Job");
        s = "Failed";
    } else if (cond_is(st, "Complete", "True")) {
        setr(p, STORE_STATUS_OK, "Complete");
        s = "Complete";
    } else if (cJSON_IsTrue(sj_get(spec, "suspend"))) {
        setr(p, STORE_STATUS_OK, "Suspended");
        s = "Suspended";
    } else {
        setr(p, sj_int(st, "failed", 0) > 0 ? STORE_STATUS_WARNING : STORE_STATUS_OK,
             sj_int(st, "failed", 0) > 0 ? "pods failed" : "Running");
        s = "Running";
    }
    col_s(p, s);
    col_ratio(p, done, want);
}

static void node(const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status"), *spec = sj_get(obj, "spec"), *meta = sj_get(obj, "metadata");
    const cJSON *rc = condition(st, "Ready");
    const char *rs = sj_str(rc, "status");
    bool ready = rs && strcmp(rs, "True") == 0, unsched = cJSON_IsTrue(sj_get(spec, "unschedulable"));
    if (!rc)
        setr(p, STORE_STATUS_UNKNOWN, "Unknown");
    else if (!ready)
        setr(p, STORE_STATUS_ERROR, "NotReady");
    else if (unsched)
        setr(p, STORE_STATUS_WARNING, "SchedulingDisabled");
    else if (cond_is(st, "MemoryPressure", "True") || cond_is(st, "DiskPressure", "True") ||
             cond_is(st, "PIDPressure", "True"))
        setr(p, STORE_STATUS_WARNING, "Pressure");
    else
        setr(p, STORE_STATUS_OK, "Ready");
    col(p, "%s%s", !rc ? "Unknown" : ready ? "Ready" : "NotReady", unsched ? ",SchedulingDisabled" : "");
    char roles[96] = "";
    size_t rl = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, sj_get(meta, "labels"))
    {
        static const char pre[] = "node-role.kubernetes.io/";
        if (l->string && strncmp(l->string, pre, sizeof pre - 1) == 0 && rl + 2 < sizeof roles)
            rl += (size_t)snprintf(roles + rl, sizeof roles - rl, "%s%s", rl ? "," : "",
                                   l->string + sizeof pre - 1);
        if (rl >= sizeof roles) rl = sizeof roles - 1;
    }
    col_s(p, rl ? roles : "<none>");
    const char *v = sj_str(sj_get(st, "nodeInfo"), "kubeletVersion");
    col_s(p, v ? v : "");
}

static const char *quantity(const cJSON *o, const char *key)
{
    const cJSON *v = sj_get(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void pvc(const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status"), *spec = sj_get(obj, "spec");
    const char *ph = sj_str(st, "phase");
    if (!ph)
        setr(p, STORE_STATUS_UNKNOWN, "");
    else if (strcmp(ph, "Bound") == 0)
        setr(p, STORE_STATUS_OK, ph);
    else if (strcmp(ph, "Lost") == 0)
        setr(p, STORE_STATUS_ERROR, ph);
    else
        setr(p, STORE_STATUS_WARNING, ph);
    col_s(p, ph ? ph : "");
    col_s(p, sj_strd(spec, "volumeName", ""));
    col_s(p, quantity(sj_get(st, "capacity"), "storage"));
    col_s(p, sj_strd(spec, "storageClassName", ""));
}

static void pv(const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status"), *spec = sj_get(obj, "spec");
    const char *ph = sj_str(st, "phase");
    if (!ph)
        setr(p, STORE_STATUS_UNKNOWN, "");
    else if (strcmp(ph, "Failed") == 0)
        setr(p, STORE_STATUS_ERROR, ph);
    else if (strcmp(ph, "Released") == 0 || strcmp(ph, "Pending") == 0)
        setr(p, STORE_STATUS_WARNING, ph);
    else
        setr(p, STORE_STATUS_OK, ph);
    col_s(p, quantity(sj_get(spec, "capacity"), "storage"));
    col_s(p, ph ? ph : "");
    const cJSON *cr = sj_get(spec, "claimRef");
    if (cr)
        col(p, "%s/%s", sj_strd(cr, "namespace", ""), sj_strd(cr, "name", ""));
    else
        col_s(p, "");
    col_s(p, sj_strd(spec, "storageClassName", ""));
}

static void service(const cJSON *obj, store_projected_t *p)
{
    const cJSON *spec = sj_get(obj, "spec"), *st = sj_get(obj, "status");
    const char *type = sj_strd(spec, "type", "ClusterIP");
    setr(p, STORE_STATUS_OK, "");
    col_s(p, type);
    col_s(p, sj_strd(spec, "clusterIP", "<none>"));
    char ext[96] = "";
    size_t el = 0;
    const cJSON *i;
    cJSON_ArrayForEach(i, sj_get(sj_get(st, "loadBalancer"), "ingress"))
    {
        const char *ip = sj_str(i, "ip") ? sj_str(i, "ip") : sj_str(i, "hostname");
        if (ip && el + 2 < sizeof ext)
            el += (size_t)snprintf(ext + el, sizeof ext - el, "%s%s", el ? "," : "", ip);
        if (el >= sizeof ext) el = sizeof ext - 1;
    }
    if (!el && strcmp(type, "LoadBalancer") == 0) {
        snprintf(ext, sizeof ext, "<pending>");
        setr(p, STORE_STATUS_WARNING, "LoadBalancer pending");
    }
    col_s(p, el || ext[0] ? ext : "<none>");
    char ports[96] = "";
    size_t pl = 0;
    cJSON_ArrayForEach(i, sj_get(spec, "ports"))
    {
        long long port = sj_int(i, "port", 0), np = sj_int(i, "nodePort", 0);
        const char *proto = sj_strd(i, "protocol", "TCP");
        if (pl + 2 >= sizeof ports) break;
        if (np)
            pl += (size_t)snprintf(ports + pl, sizeof ports - pl, "%s%lld:%lld/%s", pl ? "," : "", port, np,
                                   proto);
        else
            pl += (size_t)snprintf(ports + pl, sizeof ports - pl, "%s%lld/%s", pl ? "," : "", port, proto);
        if (pl >= sizeof ports) pl = sizeof ports - 1;
    }
    col_s(p, pl ? ports : "<none>");
}

/* Custom resources and the rest: a Ready (or Available) condition decides,
 * else the object simply exists and is ok. */
static void generic(const cJSON *obj, store_projected_t *p)
{
    const cJSON *st = sj_get(obj, "status");
    const cJSON *c = condition(st, "Ready");
    if (!c) c = condition(st, "Available");
    const char *s = sj_str(c, "status");
    if (!c)
        setr(p, STORE_STATUS_OK, "");
    else if (strcmp(s ? s : "", "True") == 0)
        setr(p, STORE_STATUS_OK, "");
    else if (strcmp(s ? s : "", "False") == 0)
        setr(p, STORE_STATUS_WARNING, sj_strd(c, "reason", "NotReady"));
    else
        setr(p, STORE_STATUS_UNKNOWN, sj_str(c, "reason"));
}

/* A custom resource's printer columns, from the CRD version its
 * apiVersion names. */
static void crd_columns(printcols_t *pc, const char *kind, const cJSON *obj, store_projected_t *p)
{
    const char *av = sj_str(obj, "apiVersion");
    const char *slash = av ? strchr(av, '/') : NULL;
    const printcols_set_t *set = printcols_use(pc, kind, slash ? slash + 1 : av);
    for (size_t i = 0; set && i < set->n && p->ncols < STORE_MAX_COLS; i++) {
        const printcols_column_t *c = &set->cols[i];
        printcols_cell(c->path, c->ctype, obj, p->cols[p->ncols++], sizeof p->cols[0]);
    }
}

void store_status_project(printcols_t *pc, const char *kind, const cJSON *obj, store_projected_t *p)
{
    memset(p, 0, sizeof *p);
    const cJSON *st = sj_get(obj, "status"), *spec = sj_get(obj, "spec");
    if (strcmp(kind, "Pod") == 0)
        pod(obj, p);
    else if (strcmp(kind, "Deployment.apps") == 0 || strcmp(kind, "ReplicaSet.apps") == 0 ||
             strcmp(kind, "StatefulSet.apps") == 0)
        replicas(kind, obj, p);
    else if (strcmp(kind, "DaemonSet.apps") == 0)
        daemonset(obj, p);
    else if (strcmp(kind, "Job.batch") == 0)
        job(obj, p);
    else if (strcmp(kind, "Node") == 0)
        node(obj, p);
    else if (strcmp(kind, "PersistentVolumeClaim") == 0)
        pvc(obj, p);
    else if (strcmp(kind, "PersistentVolume") == 0)
        pv(obj, p);
    else if (strcmp(kind, "Service") == 0)
        service(obj, p);
    else if (strcmp(kind, "CronJob.batch") == 0) {
        setr(p, cJSON_IsTrue(sj_get(spec, "suspend")) ? STORE_STATUS_WARNING : STORE_STATUS_OK,
             cJSON_IsTrue(sj_get(spec, "suspend")) ? "Suspended" : "");
        col_s(p, sj_strd(spec, "schedule", ""));
        col_s(p, cJSON_IsTrue(sj_get(spec, "suspend")) ? "True" : "False");
        col_i(p, cJSON_GetArraySize(sj_get(st, "active")));
    } else if (strcmp(kind, "ConfigMap") == 0) {
        setr(p, STORE_STATUS_OK, "");
        col_i(p, cJSON_GetArraySize(sj_get(obj, "data")) + cJSON_GetArraySize(sj_get(obj, "binaryData")));
    } else if (strcmp(kind, "Secret") == 0) {
        setr(p, STORE_STATUS_OK, "");
        col_s(p, sj_strd(obj, "type", "Opaque"));
        col_i(p, cJSON_GetArraySize(sj_get(obj, "data")));
    } else if (strcmp(kind, "Namespace") == 0) {
        const char *ph = sj_strd(st, "phase", "Active");
        setr(p, strcmp(ph, "Active") == 0 ? STORE_STATUS_OK : STORE_STATUS_WARNING,
             strcmp(ph, "Active") == 0 ? "" : ph);
        col_s(p, ph);
    } else if (strcmp(kind, "Ingress.networking.k8s.io") == 0) {
        setr(p, STORE_STATUS_OK, "");
        col_s(p, sj_strd(spec, "ingressClassName", "<none>"));
        char hosts[96] = "";
        size_t hl = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, sj_get(spec, "rules"))
        {
            const char *h = sj_str(r, "host");
            if (h && hl + 2 < sizeof hosts)
                hl += (size_t)snprintf(hosts + hl, sizeof hosts - hl, "%s%s", hl ? "," : "", h);
            if (hl >= sizeof hosts) hl = sizeof hosts - 1;
        }
        col_s(p, hl ? hosts : "*");
    } else if (strcmp(kind, "HorizontalPodAutoscaler.autoscaling") == 0) {
        const cJSON *ref = sj_get(spec, "scaleTargetRef");
        bool limited = cond_is(st, "ScalingActive", "False");
        setr(p, limited ? STORE_STATUS_WARNING : STORE_STATUS_OK, limited ? "ScalingInactive" : "");
        col(p, "%s/%s", sj_strd(ref, "kind", ""), sj_strd(ref, "name", ""));
        col_i(p, sj_int(spec, "minReplicas", 1));
        col_i(p, sj_int(spec, "maxReplicas", 0));
        col_i(p, sj_int(st, "currentReplicas", 0));
    } else if (strcmp(kind, "EndpointSlice.discovery.k8s.io") == 0) {
        setr(p, STORE_STATUS_OK, "");
        col_s(p, sj_strd(obj, "addressType", ""));
        col_i(p, cJSON_GetArraySize(sj_get(obj, "endpoints")));
    } else {
        generic(obj, p);
        if (pc) crd_columns(pc, kind, obj, p);
    }
}
