/* api_table.c — meta.k8s.io/v1 Table output, so `kubectl get` prints the
 * columns a real server gives it (NAME READY STATUS RESTARTS AGE for pods,
 * …), with -o wide columns at priority 1, and CRD additionalPrinterColumns.
 * Cells are computed from the object tree (parsed on demand). */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/printcols.h"

typedef struct col {
    const char *name;
    const char *type;
    int priority;
} col_t;

typedef struct printer {
    const char *group, *kind;
    const col_t *cols; /* NAME first, implied */
    void (*cells)(buf_t *b, const cJSON *o);
} printer_t;

/* ---------- tree helpers ---------- */

static const cJSON *at(const cJSON *o, const char *path)
{
    char part[128];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part) return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, part);
        path += n + (dot ? 1 : 0);
    }
    return o;
}

static const char *str_at(const cJSON *o, const char *path, const char *dflt)
{
    const cJSON *v = at(o, path);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : dflt;
}

static long num_at(const cJSON *o, const char *path, long dflt)
{
    const cJSON *v = at(o, path);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

static void cell_s(buf_t *b, const char *s)
{
    buf_putc(b, ',');
    buf_json_cstr(b, s ? s : "");
}

static void cell_i(buf_t *b, long v) { buf_printf(b, ",%ld", v); }

static void human_duration(char *out, size_t cap, int64_t secs)
{
    if (secs < -1) {
        snprintf(out, cap, "<invalid>");
        return;
    }
    if (secs < 0) secs = 0;
    int64_t m = secs / 60, h = secs / 3600;
    if (secs < 120) snprintf(out, cap, "%llds", (long long)secs);
    else if (m < 10) {
        if (secs % 60) snprintf(out, cap, "%lldm%llds", (long long)m, (long long)(secs % 60));
        else snprintf(out, cap, "%lldm", (long long)m);
    } else if (m < 180) snprintf(out, cap, "%lldm", (long long)m);
    else if (h < 8) {
        if (m % 60) snprintf(out, cap, "%lldh%lldm", (long long)h, (long long)(m % 60));
        else snprintf(out, cap, "%lldh", (long long)h);
    } else if (h < 48) snprintf(out, cap, "%lldh", (long long)h);
    else if (h < 24 * 8) {
        if (h % 24) snprintf(out, cap, "%lldd%lldh", (long long)(h / 24), (long long)(h % 24));
        else snprintf(out, cap, "%lldd", (long long)(h / 24));
    } else if (h < 24 * 365 * 2) snprintf(out, cap, "%lldd", (long long)(h / 24));
    else if (h < 24 * 365 * 8) {
        int64_t y = h / (24 * 365), d = (h / 24) % 365;
        if (d) snprintf(out, cap, "%lldy%lldd", (long long)y, (long long)d);
        else snprintf(out, cap, "%lldy", (long long)y);
    } else snprintf(out, cap, "%lldy", (long long)(h / (24 * 365)));
}

static void cell_age_of(buf_t *b, const char *ts)
{
    char out[32];
    int64_t t = ts ? clock_parse_rfc3339(ts) : -1;
    if (t < 0) {
        cell_s(b, "<unknown>");
        return;
    }
    /* clock_parse_rfc3339 gives seconds or ms? Normalise to seconds. */
    int64_t now = clock_wall_ms() / 1000;
    if (t > 100000000000LL) t /= 1000;
    human_duration(out, sizeof out, now - t);
    cell_s(b, out);
}

static void cell_age(buf_t *b, const cJSON *o) { cell_age_of(b, str_at(o, "metadata.creationTimestamp", NULL)); }

static int count_children(const cJSON *o) { return o ? cJSON_GetArraySize(o) : 0; }

static void join_strs(buf_t *tmp, const cJSON *arr, const char *field, const char *sep)
{
    const cJSON *x;
    bool first = true;
    cJSON_ArrayForEach(x, arr)
    {
        const cJSON *v = field ? cJSON_GetObjectItemCaseSensitive(x, field) : x;
        if (!cJSON_IsString(v)) continue;
        if (!first) buf_puts(tmp, sep);
        first = false;
        buf_puts(tmp, v->valuestring);
    }
}

static void cell_join(buf_t *b, const cJSON *arr, const char *field, const char *dflt)
{
    buf_t t = {0};
    join_strs(&t, arr, field, ",");
    cell_s(b, t.len ? t.data : dflt);
    buf_free(&t);
}

static void map_join(buf_t *t, const cJSON *m)
{
    const cJSON *x;
    bool first = true;
    cJSON_ArrayForEach(x, m)
    {
        if (!cJSON_IsString(x)) continue;
        if (!first) buf_putc(t, ',');
        first = false;
        buf_printf(t, "%s=%s", x->string, x->valuestring);
    }
}

/* ---------- printers ---------- */

static const col_t pod_cols[] = {{"Ready", "string", 0},    {"Status", "string", 0},         {"Restarts", "string", 0},
                                 {"Age", "string", 0},      {"IP", "string", 1},             {"Node", "string", 1},
                                 {"Nominated Node", "string", 1}, {"Readiness Gates", "string", 1}, {0}};

static void pod_cells(buf_t *b, const cJSON *o)
{
    const cJSON *cs = at(o, "status.containerStatuses"), *c;
    int total = count_children(at(o, "spec.containers")), ready = 0;
    long restarts = 0;
    const char *reason = str_at(o, "status.reason", NULL);
    if (!reason) reason = str_at(o, "status.phase", "Pending");
    const char *last_restart = NULL;
    cJSON_ArrayForEach(c, cs)
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ready"))) ready++;
        restarts += num_at(c, "restartCount", 0);
        const char *fin = str_at(c, "lastState.terminated.finishedAt", NULL);
        if (fin && (!last_restart || strcmp(fin, last_restart) > 0)) last_restart = fin;
        const char *w = str_at(c, "state.waiting.reason", NULL);
        const char *t = str_at(c, "state.terminated.reason", NULL);
        if (w) reason = w;
        else if (t) reason = t;
    }
    char initbuf[64];
    const cJSON *ics = at(o, "status.initContainerStatuses");
    int i = 0, ninit = count_children(at(o, "spec.initContainers"));
    cJSON_ArrayForEach(c, ics)
    {
        const char *w = str_at(c, "state.waiting.reason", NULL);
        bool done = str_at(c, "state.terminated.reason", NULL) &&
                    num_at(c, "state.terminated.exitCode", 1) == 0;
        if (!done) {
            if (w && strcmp(w, "PodInitializing") != 0) snprintf(initbuf, sizeof initbuf, "Init:%s", w);
            else snprintf(initbuf, sizeof initbuf, "Init:%d/%d", i, ninit);
            reason = initbuf;
            break;
        }
        i++;
    }
    if (at(o, "metadata.deletionTimestamp")) reason = "Terminating";
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%d/%d", ready, total);
    cell_s(b, tmp);
    cell_s(b, reason);
    if (restarts && last_restart) {
        char ago[32];
        int64_t t = clock_parse_rfc3339(last_restart);
        if (t > 100000000000LL) t /= 1000;
        human_duration(ago, sizeof ago, clock_wall_ms() / 1000 - t);
        snprintf(tmp, sizeof tmp, "%ld (%s ago)", restarts, ago);
    } else {
        snprintf(tmp, sizeof tmp, "%ld", restarts);
    }
    cell_s(b, tmp);
    cell_age(b, o);
    cell_s(b, str_at(o, "status.podIP", "<none>"));
    cell_s(b, str_at(o, "spec.nodeName", "<none>"));
    cell_s(b, str_at(o, "status.nominatedNodeName", "<none>"));
    cell_s(b, "<none>");
}

static const col_t deploy_cols[] = {{"Ready", "string", 0},     {"Up-to-date", "integer", 0}, {"Available", "integer", 0},
                                    {"Age", "string", 0},       {"Containers", "string", 1},  {"Images", "string", 1},
                                    {"Selector", "string", 1},  {0}};

static void selector_cell(buf_t *b, const cJSON *sel)
{
    buf_t t = {0};
    map_join(&t, cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"));
    cell_s(b, t.len ? t.data : "<none>");
    buf_free(&t);
}

static void containers_cells(buf_t *b, const cJSON *podspec)
{
    cell_join(b, cJSON_GetObjectItemCaseSensitive(podspec, "containers"), "name", "<none>");
    cell_join(b, cJSON_GetObjectItemCaseSensitive(podspec, "containers"), "image", "<none>");
}

static void deploy_cells(buf_t *b, const cJSON *o)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%ld/%ld", num_at(o, "status.readyReplicas", 0), num_at(o, "spec.replicas", 1));
    cell_s(b, tmp);
    cell_i(b, num_at(o, "status.updatedReplicas", 0));
    cell_i(b, num_at(o, "status.availableReplicas", 0));
    cell_age(b, o);
    containers_cells(b, at(o, "spec.template.spec"));
    selector_cell(b, at(o, "spec.selector"));
}

static const col_t rs_cols[] = {{"Desired", "integer", 0}, {"Current", "integer", 0}, {"Ready", "integer", 0},
                                {"Age", "string", 0},      {"Containers", "string", 1}, {"Images", "string", 1},
                                {"Selector", "string", 1}, {0}};

static void rs_cells(buf_t *b, const cJSON *o)
{
    cell_i(b, num_at(o, "spec.replicas", 1));
    cell_i(b, num_at(o, "status.replicas", 0));
    cell_i(b, num_at(o, "status.readyReplicas", 0));
    cell_age(b, o);
    containers_cells(b, at(o, "spec.template.spec"));
    selector_cell(b, at(o, "spec.selector"));
}

static const col_t sts_cols[] = {{"Ready", "string", 0}, {"Age", "string", 0}, {"Containers", "string", 1},
                                 {"Images", "string", 1}, {0}};

static void sts_cells(buf_t *b, const cJSON *o)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%ld/%ld", num_at(o, "status.readyReplicas", 0), num_at(o, "spec.replicas", 1));
    cell_s(b, tmp);
    cell_age(b, o);
    containers_cells(b, at(o, "spec.template.spec"));
}

static const col_t ds_cols[] = {{"Desired", "integer", 0},   {"Current", "integer", 0}, {"Ready", "integer", 0},
                                {"Up-to-date", "integer", 0}, {"Available", "integer", 0},
                                {"Node Selector", "string", 0}, {"Age", "string", 0},   {0}};

static void ds_cells(buf_t *b, const cJSON *o)
{
    cell_i(b, num_at(o, "status.desiredNumberScheduled", 0));
    cell_i(b, num_at(o, "status.currentNumberScheduled", 0));
    cell_i(b, num_at(o, "status.numberReady", 0));
    cell_i(b, num_at(o, "status.updatedNumberScheduled", 0));
    cell_i(b, num_at(o, "status.numberAvailable", 0));
    buf_t t = {0};
    map_join(&t, at(o, "spec.template.spec.nodeSelector"));
    cell_s(b, t.len ? t.data : "<none>");
    buf_free(&t);
    cell_age(b, o);
}

static const col_t svc_cols[] = {{"Type", "string", 0}, {"Cluster-IP", "string", 0}, {"External-IP", "string", 0},
                                 {"Port(s)", "string", 0}, {"Age", "string", 0}, {"Selector", "string", 1}, {0}};

static void svc_cells(buf_t *b, const cJSON *o)
{
    const char *type = str_at(o, "spec.type", "ClusterIP");
    cell_s(b, type);
    cell_s(b, str_at(o, "spec.clusterIP", "<none>"));
    buf_t t = {0};
    const cJSON *ing = at(o, "status.loadBalancer.ingress"), *x;
    cJSON_ArrayForEach(x, ing)
    {
        const char *ip = str_at(x, "ip", str_at(x, "hostname", NULL));
        if (!ip) continue;
        if (t.len) buf_putc(&t, ',');
        buf_puts(&t, ip);
    }
    join_strs(&t, at(o, "spec.externalIPs"), NULL, ",");
    if (!t.len && !strcmp(type, "LoadBalancer")) buf_puts(&t, "<pending>");
    if (!t.len && !strcmp(type, "ExternalName")) buf_puts(&t, str_at(o, "spec.externalName", ""));
    cell_s(b, t.len ? t.data : "<none>");
    buf_reset(&t);
    cJSON_ArrayForEach(x, at(o, "spec.ports"))
    {
        if (t.len) buf_putc(&t, ',');
        long np = num_at(x, "nodePort", 0);
        if (np) buf_printf(&t, "%ld:%ld/%s", num_at(x, "port", 0), np, str_at(x, "protocol", "TCP"));
        else buf_printf(&t, "%ld/%s", num_at(x, "port", 0), str_at(x, "protocol", "TCP"));
    }
    cell_s(b, t.len ? t.data : "<none>");
    buf_reset(&t);
    map_join(&t, at(o, "spec.selector"));
    cell_age(b, o);
    cell_s(b, t.len ? t.data : "<none>");
    buf_free(&t);
}

static const col_t node_cols[] = {{"Status", "string", 0},        {"Roles", "string", 0},
                                  {"Age", "string", 0},           {"Version", "string", 0},
                                  {"Internal-IP", "string", 1},   {"External-IP", "string", 1},
                                  {"OS-Image", "string", 1},      {"Kernel-Version", "string", 1},
                                  {"Container-Runtime", "string", 1}, {0}};

static void node_cells(buf_t *b, const cJSON *o)
{
    const char *st = "Unknown";
    const cJSON *c;
    cJSON_ArrayForEach(c, at(o, "status.conditions"))
    {
        if (strcmp(str_at(c, "type", ""), "Ready") != 0) continue;
        const char *v = str_at(c, "status", "Unknown");
        st = !strcmp(v, "True") ? "Ready" : "NotReady";
    }
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s%s", st, cJSON_IsTrue(at(o, "spec.unschedulable")) ? ",SchedulingDisabled" : "");
    cell_s(b, tmp);
    buf_t t = {0};
    const cJSON *l;
    cJSON_ArrayForEach(l, at(o, "metadata.labels"))
    {
        const char *pfx = "node-role.kubernetes.io/";
        if (strncmp(l->string, pfx, strlen(pfx)) != 0) continue;
        if (t.len) buf_putc(&t, ',');
        buf_puts(&t, l->string + strlen(pfx));
    }
    cell_s(b, t.len ? t.data : "<none>");
    buf_free(&t);
    cell_age(b, o);
    cell_s(b, str_at(o, "status.nodeInfo.kubeletVersion", ""));
    const char *internal = "<none>", *external = "<none>";
    cJSON_ArrayForEach(c, at(o, "status.addresses"))
    {
        if (!strcmp(str_at(c, "type", ""), "InternalIP")) internal = str_at(c, "address", "<none>");
        if (!strcmp(str_at(c, "type", ""), "ExternalIP")) external = str_at(c, "address", "<none>");
    }
    cell_s(b, internal);
    cell_s(b, external);
    cell_s(b, str_at(o, "status.nodeInfo.osImage", "<unknown>"));
    cell_s(b, str_at(o, "status.nodeInfo.kernelVersion", "<unknown>"));
    cell_s(b, str_at(o, "status.nodeInfo.containerRuntimeVersion", "<unknown>"));
}

static const col_t ns_cols[] = {{"Status", "string", 0}, {"Age", "string", 0}, {0}};
static void ns_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "status.phase", "Active"));
    cell_age(b, o);
}

static const col_t cm_cols[] = {{"Data", "integer", 0}, {"Age", "string", 0}, {0}};
static void cm_cells(buf_t *b, const cJSON *o)
{
    cell_i(b, count_children(at(o, "data")) + count_children(at(o, "binaryData")));
    cell_age(b, o);
}

static const col_t secret_cols[] = {{"Type", "string", 0}, {"Data", "integer", 0}, {"Age", "string", 0}, {0}};
static void secret_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "type", "Opaque"));
    cell_i(b, count_children(at(o, "data")));
    cell_age(b, o);
}

static const col_t sa_cols[] = {{"Secrets", "integer", 0}, {"Age", "string", 0}, {0}};
static void sa_cells(buf_t *b, const cJSON *o)
{
    cell_i(b, count_children(at(o, "secrets")));
    cell_age(b, o);
}

static const col_t ep_cols[] = {{"Endpoints", "string", 0}, {"Age", "string", 0}, {0}};
static void ep_cells(buf_t *b, const cJSON *o)
{
    buf_t t = {0};
    int n = 0, total = 0;
    const cJSON *ss, *a, *p;
    cJSON_ArrayForEach(ss, at(o, "subsets"))
    {
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(ss, "addresses"))
        {
            const cJSON *ports = cJSON_GetObjectItemCaseSensitive(ss, "ports");
            if (!ports || !ports->child) {
                total++;
                if (n++ < 3) buf_printf(&t, "%s%s", t.len ? "," : "", str_at(a, "ip", ""));
            }
            cJSON_ArrayForEach(p, ports)
            {
                total++;
                if (n++ < 3) buf_printf(&t, "%s%s:%ld", t.len ? "," : "", str_at(a, "ip", ""), num_at(p, "port", 0));
            }
        }
    }
    if (total > 3) buf_printf(&t, " + %d more...", total - 3);
    cell_s(b, t.len ? t.data : "<none>");
    buf_free(&t);
    cell_age(b, o);
}

static const col_t ev_cols[] = {{"Last Seen", "string", 0}, {"Type", "string", 0}, {"Reason", "string", 0},
                                {"Object", "string", 0},    {"Message", "string", 0}, {0}};

/* Events print LAST SEEN first, then the name column at priority 1; we
 * emulate that with a custom row below. */
static void ev_cells(buf_t *b, const cJSON *o) { (void)b, (void)o; }

static const col_t job_cols[] = {{"Completions", "string", 0}, {"Duration", "string", 0}, {"Age", "string", 0},
                                 {"Containers", "string", 1}, {"Images", "string", 1}, {0}};
static void job_cells(buf_t *b, const cJSON *o)
{
    char tmp[64];
    long comp = num_at(o, "spec.completions", 1);
    snprintf(tmp, sizeof tmp, "%ld/%ld", num_at(o, "status.succeeded", 0), comp);
    cell_s(b, tmp);
    const char *start = str_at(o, "status.startTime", NULL), *end = str_at(o, "status.completionTime", NULL);
    if (start) {
        int64_t s = clock_parse_rfc3339(start), e = end ? clock_parse_rfc3339(end) : clock_wall_ms();
        if (s > 100000000000LL) s /= 1000;
        if (e > 100000000000LL) e /= 1000;
        human_duration(tmp, sizeof tmp, e - s);
        cell_s(b, tmp);
    } else {
        cell_s(b, "");
    }
    cell_age(b, o);
    containers_cells(b, at(o, "spec.template.spec"));
}

static const col_t cj_cols[] = {{"Schedule", "string", 0}, {"Suspend", "boolean", 0}, {"Active", "integer", 0},
                                {"Last Schedule", "string", 0}, {"Age", "string", 0}, {0}};
static void cj_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "spec.schedule", ""));
    buf_puts(b, cJSON_IsTrue(at(o, "spec.suspend")) ? ",true" : ",false");
    cell_i(b, count_children(at(o, "status.active")));
    const char *last = str_at(o, "status.lastScheduleTime", NULL);
    if (last) cell_age_of(b, last);
    else cell_s(b, "<none>");
    cell_age(b, o);
}

static const col_t ing_cols[] = {{"Class", "string", 0}, {"Hosts", "string", 0}, {"Address", "string", 0},
                                 {"Ports", "string", 0}, {"Age", "string", 0}, {0}};
static void ing_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "spec.ingressClassName", "<none>"));
    buf_t t = {0};
    const cJSON *r;
    cJSON_ArrayForEach(r, at(o, "spec.rules"))
    {
        if (t.len) buf_putc(&t, ',');
        buf_puts(&t, str_at(r, "host", "*"));
    }
    cell_s(b, t.len ? t.data : "*");
    buf_reset(&t);
    cJSON_ArrayForEach(r, at(o, "status.loadBalancer.ingress"))
    {
        if (t.len) buf_putc(&t, ',');
        buf_puts(&t, str_at(r, "ip", str_at(r, "hostname", "")));
    }
    cell_s(b, t.data ? t.data : "");
    buf_free(&t);
    cell_s(b, count_children(at(o, "spec.tls")) ? "80, 443" : "80");
    cell_age(b, o);
}

static void access_modes(buf_t *b, const cJSON *modes)
{
    buf_t t = {0};
    const cJSON *m;
    cJSON_ArrayForEach(m, modes)
    {
        if (!cJSON_IsString(m)) continue;
        const char *s = m->valuestring;
        const char *abbr = !strcmp(s, "ReadWriteOnce") ? "RWO" : !strcmp(s, "ReadOnlyMany") ? "ROX"
                           : !strcmp(s, "ReadWriteMany") ? "RWX" : !strcmp(s, "ReadWriteOncePod") ? "RWOP" : s;
        if (t.len) buf_putc(&t, ',');
        buf_puts(&t, abbr);
    }
    cell_s(b, t.data ? t.data : "");
    buf_free(&t);
}

static const col_t pvc_cols[] = {{"Status", "string", 0},       {"Volume", "string", 0}, {"Capacity", "string", 0},
                                 {"Access Modes", "string", 0}, {"StorageClass", "string", 0}, {"Age", "string", 0},
                                 {0}};
static void pvc_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "status.phase", "Pending"));
    cell_s(b, str_at(o, "spec.volumeName", ""));
    cell_s(b, str_at(o, "status.capacity.storage", ""));
    access_modes(b, at(o, "status.accessModes"));
    cell_s(b, str_at(o, "spec.storageClassName", "<unset>"));
    cell_age(b, o);
}

static const col_t pv_cols[] = {{"Capacity", "string", 0},     {"Access Modes", "string", 0},
                                {"Reclaim Policy", "string", 0}, {"Status", "string", 0},
                                {"Claim", "string", 0},        {"StorageClass", "string", 0},
                                {"Reason", "string", 0},       {"Age", "string", 0}, {0}};
static void pv_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "spec.capacity.storage", ""));
    access_modes(b, at(o, "spec.accessModes"));
    cell_s(b, str_at(o, "spec.persistentVolumeReclaimPolicy", "Retain"));
    cell_s(b, str_at(o, "status.phase", "Pending"));
    char claim[600] = "";
    if (at(o, "spec.claimRef"))
        snprintf(claim, sizeof claim, "%s/%s", str_at(o, "spec.claimRef.namespace", ""),
                 str_at(o, "spec.claimRef.name", ""));
    cell_s(b, claim);
    cell_s(b, str_at(o, "spec.storageClassName", ""));
    cell_s(b, str_at(o, "status.reason", ""));
    cell_age(b, o);
}

static const col_t hpa_cols[] = {{"Reference", "string", 0}, {"Targets", "string", 0}, {"MinPods", "string", 0},
                                 {"MaxPods", "integer", 0},  {"Replicas", "integer", 0}, {"Age", "string", 0}, {0}};
static void hpa_cells(buf_t *b, const cJSON *o)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s/%s", str_at(o, "spec.scaleTargetRef.kind", ""),
             str_at(o, "spec.scaleTargetRef.name", ""));
    cell_s(b, tmp);
    buf_t t = {0};
    const cJSON *m;
    int i = 0;
    cJSON_ArrayForEach(m, at(o, "spec.metrics"))
    {
        const char *res = str_at(m, "resource.name", NULL);
        long target = num_at(m, "resource.target.averageUtilization", -1);
        if (!res || target < 0) continue;
        long cur = -1;
        const cJSON *cm;
        cJSON_ArrayForEach(cm, at(o, "status.currentMetrics"))
        {
            if (!strcmp(str_at(cm, "resource.name", ""), res)) cur = num_at(cm, "resource.current.averageUtilization", -1);
        }
        if (t.len) buf_puts(&t, ", ");
        if (cur >= 0) buf_printf(&t, "%s: %ld%%/%ld%%", res, cur, target);
        else buf_printf(&t, "%s: <unknown>/%ld%%", res, target);
        i++;
    }
    cell_s(b, t.len ? t.data : "<none>");
    buf_free(&t);
    snprintf(tmp, sizeof tmp, "%ld", num_at(o, "spec.minReplicas", 1));
    cell_s(b, tmp);
    cell_i(b, num_at(o, "spec.maxReplicas", 0));
    cell_i(b, num_at(o, "status.currentReplicas", 0));
    cell_age(b, o);
}

static const col_t created_cols[] = {{"Created At", "date", 0}, {0}};
static void created_cells(buf_t *b, const cJSON *o) { cell_s(b, str_at(o, "metadata.creationTimestamp", "")); }

static const col_t rb_cols[] = {{"Role", "string", 0}, {"Age", "string", 0}, {0}};
static void rb_cells(buf_t *b, const cJSON *o)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s/%s", str_at(o, "roleRef.kind", ""), str_at(o, "roleRef.name", ""));
    cell_s(b, tmp);
    cell_age(b, o);
}

static const col_t sc_cols[] = {{"Provisioner", "string", 0},       {"ReclaimPolicy", "string", 0},
                                {"VolumeBindingMode", "string", 0}, {"AllowVolumeExpansion", "string", 0},
                                {"Age", "string", 0}, {0}};
static void sc_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "provisioner", ""));
    cell_s(b, str_at(o, "reclaimPolicy", "Delete"));
    cell_s(b, str_at(o, "volumeBindingMode", "Immediate"));
    cell_s(b, cJSON_IsTrue(at(o, "allowVolumeExpansion")) ? "true" : "false");
    cell_age(b, o);
}

static const col_t lease_cols[] = {{"Holder", "string", 0}, {"Age", "string", 0}, {0}};
static void lease_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "spec.holderIdentity", ""));
    cell_age(b, o);
}

static const col_t pdb_cols[] = {{"Min Available", "string", 0}, {"Max Unavailable", "string", 0},
                                 {"Allowed Disruptions", "integer", 0}, {"Age", "string", 0}, {0}};
static void intstr_cell(buf_t *b, const cJSON *v)
{
    char tmp[64];
    if (cJSON_IsNumber(v)) snprintf(tmp, sizeof tmp, "%ld", (long)v->valuedouble);
    else if (cJSON_IsString(v)) snprintf(tmp, sizeof tmp, "%s", v->valuestring);
    else snprintf(tmp, sizeof tmp, "N/A");
    cell_s(b, tmp);
}
static void pdb_cells(buf_t *b, const cJSON *o)
{
    intstr_cell(b, at(o, "spec.minAvailable"));
    intstr_cell(b, at(o, "spec.maxUnavailable"));
    cell_i(b, num_at(o, "status.disruptionsAllowed", 0));
    cell_age(b, o);
}

static const col_t netpol_cols[] = {{"Pod-Selector", "string", 0}, {"Age", "string", 0}, {0}};
static void netpol_cells(buf_t *b, const cJSON *o)
{
    buf_t t = {0};
    map_join(&t, at(o, "spec.podSelector.matchLabels"));
    cell_s(b, t.len ? t.data : "<none>");
    buf_free(&t);
    cell_age(b, o);
}

static const col_t slice_cols[] = {{"AddressType", "string", 0}, {"Ports", "string", 0}, {"Endpoints", "string", 0},
                                   {"Age", "string", 0}, {0}};
static void slice_cells(buf_t *b, const cJSON *o)
{
    cell_s(b, str_at(o, "addressType", ""));
    buf_t t = {0};
    const cJSON *x, *a;
    cJSON_ArrayForEach(x, at(o, "ports")) buf_printf(&t, "%s%ld", t.len ? "," : "", num_at(x, "port", 0));
    cell_s(b, t.len ? t.data : "<unset>");
    buf_reset(&t);
    int n = 0, total = 0;
    cJSON_ArrayForEach(x, at(o, "endpoints"))
    {
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(x, "addresses"))
        {
            total++;
            if (cJSON_IsString(a) && n++ < 3) buf_printf(&t, "%s%s", t.len ? "," : "", a->valuestring);
        }
    }
    if (total > 3) buf_printf(&t, " + %d more...", total - 3);
    cell_s(b, t.len ? t.data : "<unset>");
    buf_free(&t);
    cell_age(b, o);
}

static const col_t age_cols[] = {{"Age", "string", 0}, {0}};
static void age_cells(buf_t *b, const cJSON *o) { cell_age(b, o); }

static const printer_t printers[] = {
    {"", "Pod", pod_cols, pod_cells},
    {"apps", "Deployment", deploy_cols, deploy_cells},
    {"apps", "ReplicaSet", rs_cols, rs_cells},
    {"", "ReplicationController", rs_cols, rs_cells},
    {"apps", "StatefulSet", sts_cols, sts_cells},
    {"apps", "DaemonSet", ds_cols, ds_cells},
    {"", "Service", svc_cols, svc_cells},
    {"", "Node", node_cols, node_cells},
    {"", "Namespace", ns_cols, ns_cells},
    {"", "ConfigMap", cm_cols, cm_cells},
    {"", "Secret", secret_cols, secret_cells},
    {"", "ServiceAccount", sa_cols, sa_cells},
    {"", "Endpoints", ep_cols, ep_cells},
    {"", "Event", ev_cols, ev_cells},
    {"batch", "Job", job_cols, job_cells},
    {"batch", "CronJob", cj_cols, cj_cells},
    {"networking.k8s.io", "Ingress", ing_cols, ing_cells},
    {"networking.k8s.io", "NetworkPolicy", netpol_cols, netpol_cells},
    {"", "PersistentVolumeClaim", pvc_cols, pvc_cells},
    {"", "PersistentVolume", pv_cols, pv_cells},
    {"autoscaling", "HorizontalPodAutoscaler", hpa_cols, hpa_cells},
    {"rbac.authorization.k8s.io", "Role", created_cols, created_cells},
    {"rbac.authorization.k8s.io", "ClusterRole", created_cols, created_cells},
    {"rbac.authorization.k8s.io", "RoleBinding", rb_cols, rb_cells},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding", rb_cols, rb_cells},
    {"apiextensions.k8s.io", "CustomResourceDefinition", created_cols, created_cells},
    {"storage.k8s.io", "StorageClass", sc_cols, sc_cells},
    {"coordination.k8s.io", "Lease", lease_cols, lease_cells},
    {"policy", "PodDisruptionBudget", pdb_cols, pdb_cells},
    {"discovery.k8s.io", "EndpointSlice", slice_cols, slice_cells},
};

static const printer_t default_printer = {"", "", age_cols, age_cells};

static const printer_t *printer_for(const sim_kind_t *k)
{
    for (size_t i = 0; i < sizeof printers / sizeof *printers; i++)
        if (!strcmp(printers[i].group, k->group) && !strcmp(printers[i].kind, k->kind)) return &printers[i];
    return &default_printer;
}

/* CRD printer columns: the served version's additionalPrinterColumns. */
static const cJSON *crd_columns(const sim_kind_t *k, sim_store_t *s)
{
    if (!k->crd || !s) return NULL;
    const sim_kind_t *crdk = sim_kind_by_resource(s, "apiextensions.k8s.io", "customresourcedefinitions");
    char name[400];
    snprintf(name, sizeof name, "%s.%s", k->resource, k->group);
    const cJSON *crd = sim_get(s, crdk, NULL, name);
    const cJSON *v;
    cJSON_ArrayForEach(v, at(crd, "spec.versions"))
    {
        if (!strcmp(str_at(v, "name", ""), k->version))
            return cJSON_GetObjectItemCaseSensitive(v, "additionalPrinterColumns");
    }
    return NULL;
}

static bool is_event(const sim_kind_t *k) { return !k->group[0] && !strcmp(k->kind, "Event"); }

static void column(buf_t *b, const char *name, const char *type, int prio, const char *fmt, bool first)
{
    if (!first) buf_putc(b, ',');
    buf_puts(b, "{\"name\":");
    buf_json_cstr(b, name);
    buf_puts(b, ",\"type\":");
    buf_json_cstr(b, type);
    buf_printf(b, ",\"format\":\"%s\",\"description\":\"\",\"priority\":%d}", fmt, prio);
}

const cJSON *sim_api_table_begin(buf_t *b, const sim_kind_t *k, sim_store_t *s)
{
    buf_puts(b, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"columnDefinitions\":[");
    const cJSON *crd_cols = crd_columns(k, s);
    if (is_event(k)) {
        column(b, "Last Seen", "string", 0, "", true);
        column(b, "Type", "string", 0, "", false);
        column(b, "Reason", "string", 0, "", false);
        column(b, "Object", "string", 0, "", false);
        column(b, "Subobject", "string", 1, "", false);
        column(b, "Source", "string", 1, "", false);
        column(b, "Message", "string", 0, "", false);
        column(b, "First Seen", "string", 1, "", false);
        column(b, "Count", "string", 1, "", false);
        column(b, "Name", "string", 1, "name", false);
    } else {
        column(b, "Name", "string", 0, "name", true);
        if (crd_cols) {
            const cJSON *c;
            cJSON_ArrayForEach(c, crd_cols)
            {
                column(b, str_at(c, "name", ""), str_at(c, "type", "string"), (int)num_at(c, "priority", 0), "", false);
            }
        } else {
            for (const col_t *c = printer_for(k)->cols; c->name; c++) column(b, c->name, c->type, c->priority, "", false);
        }
    }
    buf_puts(b, "],\"rows\":[");
    return crd_cols;
}

static void event_cells(buf_t *b, const cJSON *o)
{
    const char *last = str_at(o, "lastTimestamp", str_at(o, "eventTime", str_at(o, "metadata.creationTimestamp", NULL)));
    bool first = true;
    (void)first;
    /* First cell without a leading comma. */
    char out[32] = "<unknown>";
    if (last) {
        int64_t t = clock_parse_rfc3339(last);
        if (t > 100000000000LL) t /= 1000;
        if (t >= 0) human_duration(out, sizeof out, clock_wall_ms() / 1000 - t);
    }
    buf_json_cstr(b, out);
    cell_s(b, str_at(o, "type", ""));
    cell_s(b, str_at(o, "reason", ""));
    char obj[600];
    const char *kind = str_at(o, "involvedObject.kind", "");
    char lk[128];
    size_t i = 0;
    for (; kind[i] && i + 1 < sizeof lk; i++) lk[i] = (char)(kind[i] >= 'A' && kind[i] <= 'Z' ? kind[i] + 32 : kind[i]);
    lk[i] = '\0';
    snprintf(obj, sizeof obj, "%s/%s", lk, str_at(o, "involvedObject.name", ""));
    cell_s(b, obj);
    cell_s(b, str_at(o, "involvedObject.fieldPath", ""));
    char src[300];
    snprintf(src, sizeof src, "%s%s%s", str_at(o, "source.component", str_at(o, "reportingComponent", "")),
             at(o, "source.host") ? ", " : "", str_at(o, "source.host", ""));
    cell_s(b, src);
    cell_s(b, str_at(o, "message", ""));
    const char *firstts = str_at(o, "firstTimestamp", NULL);
    if (firstts) cell_age_of(b, firstts);
    else cell_s(b, "<unknown>");
    char cnt[32];
    snprintf(cnt, sizeof cnt, "%ld", num_at(o, "count", 1));
    cell_s(b, cnt);
    cell_s(b, str_at(o, "metadata.name", ""));
}

/* A printer column's cell: the first value its JSONPath selects, as the
 * API server's table does (a date as an age); the path language is the one
 * Kubilitics reads CRD columns with (store/printcols.h), so both agree. */
static void jsonpath_cell(buf_t *b, const cJSON *o, const char *path, const char *type)
{
    err_t e = {0};
    printcols_path_t *p = printcols_path_compile(path, &e);
    const cJSON *cur = NULL;
    if (p && printcols_path_eval(p, o, &cur, 1) == 0) cur = NULL;
    printcols_path_free(p);
    if (!cur) {
        buf_puts(b, ",null");
        return;
    }
    if (!strcmp(type, "date") && cJSON_IsString(cur)) {
        cell_age_of(b, cur->valuestring);
        return;
    }
    if (cJSON_IsString(cur)) cell_s(b, cur->valuestring);
    else {
        char *j = cJSON_PrintUnformatted(cur);
        buf_putc(b, ',');
        buf_puts(b, j);
        free(j);
    }
}

static void row_object(buf_t *b, const sim_kind_t *k, const sim_obj_t *o, const cJSON *t, int include)
{
    if (include == 0) return;
    buf_puts(b, ",\"object\":");
    if (include == 2) {
        sv_t by = sim_obj_bytes(o);
        buf_append(b, by.p, by.n);
        return;
    }
    buf_puts(b, "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":");
    char *m = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(t, "metadata"));
    buf_puts(b, m ? m : "{}");
    free(m);
    buf_putc(b, '}');
}

void sim_api_table_row(buf_t *b, const sim_kind_t *k, const sim_obj_t *o, int include, bool first, const cJSON *crd_cols)
{
    const cJSON *t = sim_obj_json(o);
    if (!first) buf_putc(b, ',');
    buf_puts(b, "{\"cells\":[");
    if (is_event(k)) {
        event_cells(b, t);
    } else {
        buf_json_cstr(b, sim_obj_name(o));
        if (crd_cols && k->crd) {
            const cJSON *c;
            cJSON_ArrayForEach(c, crd_cols) jsonpath_cell(b, t, str_at(c, "jsonPath", ""), str_at(c, "type", ""));
        } else {
            printer_for(k)->cells(b, t);
        }
    }
    buf_putc(b, ']');
    row_object(b, k, o, t, include);
    buf_putc(b, '}');
}

void sim_api_table_end(buf_t *b, uint64_t rv, const char *cont, long remaining)
{
    buf_puts(b, "]");
    /* The list's resourceVersion and continue go last: they are known only
     * once the rows are written (JSON key order is free). */
    buf_printf(b, ",\"metadata\":{\"resourceVersion\":\"%llu\"", (unsigned long long)rv);
    if (cont) {
        buf_puts(b, ",\"continue\":");
        buf_json_cstr(b, cont);
        if (remaining > 0) buf_printf(b, ",\"remainingItemCount\":%ld", remaining);
    }
    buf_puts(b, "}}");
}

void sim_api_table_event(buf_t *b, const sim_kind_t *k, const char *type, const sim_obj_t *o, int include, sim_store_t *s)
{
    buf_puts(b, "{\"type\":\"");
    buf_puts(b, type);
    buf_puts(b, "\",\"object\":");
    const cJSON *cols = sim_api_table_begin(b, k, s);
    sim_api_table_row(b, k, o, include, true, cols);
    sim_api_table_end(b, sim_obj_rv(o), NULL, 0);
    buf_puts(b, "}\n");
}
