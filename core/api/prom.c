/* prom.c — named Prometheus queries per cluster; see prom.h.
 *
 * A request is planned (name and arguments checked), gated by the access
 * layer, then sent to the cluster's Prometheus as one GET /api/v1/query (or
 * /api/v1/query_range with range=) through the kube client; the answer is
 * rewritten as plain series. Requests in flight are kept on their cluster's
 * list so that removing the cluster answers them (the Prometheus connection
 * goes with the cluster).
 */
#include "api/prom.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "base/mem.h"

enum { P_NS = 1u << 0, P_POD = 1u << 1, P_NODE = 1u << 2, P_WORKLOAD = 1u << 3 };

typedef struct prom_query {
    const char *name, *unit, *description;
    unsigned params;
    const char *tmpl; /* {namespace} {pod} {node} {pods} are replaced */
} prom_query_t;

/* Label names follow cAdvisor (kubelet) and kube-state-metrics as the
 * kube-prometheus stack scrapes them (node= on cAdvisor series). */
#define CTR "container!=\"\",container!=\"POD\""
static const prom_query_t QUERIES[] = {
    {"pod_cpu", "cores", "CPU used by a pod's containers (5-minute rate)", P_NS | P_POD,
     "sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"{namespace}\",pod=\"{pod}\"," CTR "}[5m]))"},
    {"pod_memory", "bytes", "working-set memory of a pod's containers", P_NS | P_POD,
     "sum by (pod) (container_memory_working_set_bytes{namespace=\"{namespace}\",pod=\"{pod}\"," CTR "})"},
    {"pod_restarts", "count", "container restarts of a pod (kube-state-metrics)", P_NS | P_POD,
     "sum by (pod) (kube_pod_container_status_restarts_total{namespace=\"{namespace}\",pod=\"{pod}\"})"},
    {"namespace_cpu", "cores", "CPU used by every container of a namespace (5-minute rate)", P_NS,
     "sum(rate(container_cpu_usage_seconds_total{namespace=\"{namespace}\"," CTR "}[5m]))"},
    {"namespace_memory", "bytes", "working-set memory of every container of a namespace", P_NS,
     "sum(container_memory_working_set_bytes{namespace=\"{namespace}\"," CTR "})"},
    {"workload_cpu", "cores", "CPU used by each pod of a workload (5-minute rate)", P_NS | P_WORKLOAD,
     "sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"{namespace}\",pod=~\"{pods}\"," CTR "}[5m]))"},
    {"workload_memory", "bytes", "working-set memory of each pod of a workload", P_NS | P_WORKLOAD,
     "sum by (pod) (container_memory_working_set_bytes{namespace=\"{namespace}\",pod=~\"{pods}\"," CTR "})"},
    {"node_cpu", "cores", "CPU used on a node, all cgroups (5-minute rate)", P_NODE,
     "sum(rate(container_cpu_usage_seconds_total{node=\"{node}\",id=\"/\"}[5m]))"},
    {"node_memory", "bytes", "working-set memory used on a node, all cgroups", P_NODE,
     "sum(container_memory_working_set_bytes{node=\"{node}\",id=\"/\"})"},
};
#define NQUERIES (sizeof QUERIES / sizeof QUERIES[0])

#define MAX_RANGE_S (31 * 86400)
#define MAX_POINTS 11000 /* Prometheus refuses more per series */
#define MAX_PODS 500
#define MAX_SERIES 1000

static const prom_query_t *query_by_name(const char *name)
{
    for (size_t i = 0; name && i < NQUERIES; i++)
        if (!strcmp(QUERIES[i].name, name)) return &QUERIES[i];
    return NULL;
}

/* ---- arguments ---- */

/* RFC 1123 label (namespaces) or subdomain (pods, nodes, workloads): what
 * Kubernetes accepts as a name, so nothing that could end a PromQL string. */
static bool k8s_name(const char *s, bool subdomain)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > (subdomain ? 253u : 63u)) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && !(subdomain && c == '.')) return false;
        if (!alnum && (i == 0 || i == n - 1)) return false;
    }
    return true;
}

bool api_prom_duration(const char *s, int64_t *secs)
{
    if (!s || !*s) return false;
    int64_t v = 0;
    size_t i = 0;
    for (; isdigit((unsigned char)s[i]); i++) {
        if (i >= 9) return false;
        v = v * 10 + (s[i] - '0');
    }
    if (i == 0) return false;
    int64_t mult = 1;
    if (s[i]) {
        if (s[i + 1]) return false;
        switch (s[i]) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        default: return false;
        }
    }
    *secs = v * mult;
    return true;
}

static const struct {
    const char *word, *id;
} WORKLOAD_KINDS[] = {{"deployment", "Deployment.apps"}, {"statefulset", "StatefulSet.apps"},
                      {"daemonset", "DaemonSet.apps"},   {"replicaset", "ReplicaSet.apps"},
                      {"job", "Job.batch"},              {"cronjob", "CronJob.batch"}};

static int arg_check(const char *what, const char *v, bool wanted, bool subdomain, const char *qname, err_t *err)
{
    if (!wanted && v)
        return err_set(err, ERR_INVALID, "parameter %s is not used by query \"%s\"", what, qname);
    if (wanted && !v) return err_set(err, ERR_INVALID, "query \"%s\" needs the parameter %s", qname, what);
    if (v && !k8s_name(v, subdomain))
        return err_set(err, ERR_INVALID, "%s \"%.100s\" is not a Kubernetes name (lower-case letters, digits, '-'%s)",
                       what, v, subdomain ? ", '.'" : "");
    return 0;
}

int api_prom_plan(const char *name, const api_prom_args_t *a, api_prom_plan_t *plan, err_t *err)
{
    memset(plan, 0, sizeof *plan);
    const prom_query_t *q = query_by_name(name);
    if (!q) {
        buf_t names = {0};
        for (size_t i = 0; i < NQUERIES; i++) buf_printf(&names, "%s%s", i ? ", " : "", QUERIES[i].name);
        err_set(err, ERR_NOTFOUND, "no query \"%.100s\"; the queries are %s", name ? name : "", names.data);
        buf_free(&names);
        return ERR_NOTFOUND;
    }
    plan->name = q->name;
    plan->unit = q->unit;
    plan->by_node = q->params & P_NODE;
    plan->needs_pods = q->params & P_WORKLOAD;
    int rc;
    if ((rc = arg_check("namespace", a->namespace_, q->params & P_NS, false, q->name, err)) ||
        (rc = arg_check("pod", a->pod, q->params & P_POD, true, q->name, err)) ||
        (rc = arg_check("node", a->node, q->params & P_NODE, true, q->name, err)))
        return rc;
    if (!(q->params & P_WORKLOAD) && a->workload)
        return err_set(err, ERR_INVALID, "parameter workload is not used by query \"%s\"", q->name);
    if (q->params & P_WORKLOAD) {
        /* KIND/NAME, KIND one of the workload kinds (any case) */
        const char *w = a->workload, *slash = w ? strchr(w, '/') : NULL;
        if (!w) return err_set(err, ERR_INVALID, "query \"%s\" needs the parameter workload (KIND/NAME)", q->name);
        const char *id = NULL;
        for (size_t i = 0; slash && i < sizeof WORKLOAD_KINDS / sizeof WORKLOAD_KINDS[0]; i++)
            if ((size_t)(slash - w) == strlen(WORKLOAD_KINDS[i].word) &&
                !strncasecmp(w, WORKLOAD_KINDS[i].word, (size_t)(slash - w)))
                id = WORKLOAD_KINDS[i].id;
        if (!id)
            return err_set(err, ERR_INVALID,
                           "workload \"%.100s\": expected KIND/NAME with KIND Deployment, StatefulSet, DaemonSet, "
                           "ReplicaSet, Job or CronJob",
                           w);
        if (!k8s_name(slash + 1, true))
            return err_set(err, ERR_INVALID, "workload name \"%.100s\" is not a Kubernetes name", slash + 1);
        snprintf(plan->wkind, sizeof plan->wkind, "%s", id);
        snprintf(plan->wname, sizeof plan->wname, "%s", slash + 1);
    }
    if (a->step && !a->range) return err_set(err, ERR_INVALID, "step needs range");
    if (a->range) {
        if (!api_prom_duration(a->range, &plan->range_s) || plan->range_s < 1 || plan->range_s > MAX_RANGE_S)
            return err_set(err, ERR_INVALID, "range \"%.40s\": expected a duration such as 30m, 6h or 7d, at most 31d",
                           a->range);
        if (a->step) {
            if (!api_prom_duration(a->step, &plan->step_s) || plan->step_s < 1)
                return err_set(err, ERR_INVALID, "step \"%.40s\": expected a duration such as 15s or 5m", a->step);
        } else {
            plan->step_s = (plan->range_s + 119) / 120; /* about 120 points */
            if (plan->step_s < 15) plan->step_s = 15;
        }
        if (plan->range_s / plan->step_s > MAX_POINTS)
            return err_set(err, ERR_INVALID, "range/step gives more than %d points; use a larger step", MAX_POINTS);
    }
    return 0;
}

void api_prom_promql(const api_prom_plan_t *plan, const api_prom_args_t *a, const char *const *pods, size_t npods,
                     buf_t *out)
{
    const prom_query_t *q = query_by_name(plan->name);
    if (!q) return;
    for (const char *p = q->tmpl; *p;) {
        if (*p != '{') {
            buf_putc(out, *p++);
            continue;
        }
        const char *end = strchr(p, '}');
        size_t n = end ? (size_t)(end - p) + 1 : 0;
        if (n == 11 && !strncmp(p, "{namespace}", n)) buf_puts(out, a->namespace_);
        else if (n == 5 && !strncmp(p, "{pod}", n)) buf_puts(out, a->pod);
        else if (n == 6 && !strncmp(p, "{node}", n)) buf_puts(out, a->node);
        else if (n == 6 && !strncmp(p, "{pods}", n)) {
            /* a fully anchored regex of the names: '.' is the only special
             * character a Kubernetes name can hold; its backslash is
             * doubled for the PromQL string */
            for (size_t i = 0; i < npods; i++) {
                if (i) buf_putc(out, '|');
                for (const char *c = pods[i]; *c; c++) {
                    if (*c == '.') buf_puts(out, "\\\\.");
                    else buf_putc(out, *c);
                }
            }
        } else {
            buf_putc(out, *p++); /* a PromQL brace: label matchers */
            continue;
        }
        p += n;
    }
}

void api_prom_queries_json(buf_t *out)
{
    static const char *const pnames[] = {"namespace", "pod", "node", "workload"};
    buf_putc(out, '[');
    for (size_t i = 0; i < NQUERIES; i++) {
        const prom_query_t *q = &QUERIES[i];
        if (i) buf_putc(out, ',');
        buf_puts(out, "{\"name\":");
        buf_json_cstr(out, q->name);
        buf_puts(out, ",\"description\":");
        buf_json_cstr(out, q->description);
        buf_puts(out, ",\"unit\":");
        buf_json_cstr(out, q->unit);
        buf_puts(out, ",\"parameters\":[");
        bool first = true;
        for (int k = 0; k < 4; k++) {
            if (!(q->params & (1u << k))) continue;
            if (!first) buf_putc(out, ',');
            first = false;
            buf_json_cstr(out, pnames[k]);
        }
        buf_puts(out, "],\"optional\":[\"range\",\"step\"],\"access\":");
        buf_json_cstr(out, q->params & P_NODE ? "list nodes" : "list pods in the namespace");
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
}

/* ---- answers ---- */

static void put_value(buf_t *out, const cJSON *v)
{
    double d = 0;
    bool ok = false;
    if (cJSON_IsString(v)) {
        char *end;
        d = strtod(v->valuestring, &end);
        ok = end != v->valuestring && !*end && isfinite(d);
    } else if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
        ok = isfinite(d);
    }
    if (ok) buf_printf(out, "%.12g", d);
    else buf_puts(out, "null"); /* NaN, ±Inf, or not a number */
}

/* [ts, "value"] → [ms, value]; false when the pair is malformed. */
static bool put_point(buf_t *out, const cJSON *pair)
{
    const cJSON *ts = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);
    if (!cJSON_IsArray(pair) || !cJSON_IsNumber(ts) || !isfinite(ts->valuedouble) || fabs(ts->valuedouble) > 1e13)
        return false;
    buf_printf(out, "[%lld,", (long long)llround(ts->valuedouble * 1000.0));
    put_value(out, v);
    buf_putc(out, ']');
    return true;
}

int api_prom_normalise(const char *body, size_t len, buf_t *out, err_t *err)
{
    cJSON *doc = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    int rc = 0;
    if (!cJSON_IsObject(doc)) {
        rc = err_set(err, ERR_INVALID, "the answer is not JSON");
        goto done;
    }
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
    if (!cJSON_IsString(status) || strcmp(status->valuestring, "success")) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
        rc = err_set(err, ERR_INVALID, "%s", cJSON_IsString(e) ? e->valuestring : "the answer is not a success");
        goto done;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result");
    if (!cJSON_IsString(rt) || !res) {
        rc = err_set(err, ERR_INVALID, "the answer has no data.resultType or data.result");
        goto done;
    }
    const char *type = rt->valuestring;
    buf_puts(out, "\"resultType\":");
    buf_json_cstr(out, type);
    buf_puts(out, ",\"series\":[");
    size_t nseries = 0;
    bool truncated = false;
    if (!strcmp(type, "scalar") || !strcmp(type, "string")) {
        buf_puts(out, "{\"labels\":{},\"points\":[");
        if (!put_point(out, res)) {
            rc = err_set(err, ERR_INVALID, "a %s result that is not [time, value]", type);
            goto done;
        }
        buf_puts(out, "]}");
    } else if (!strcmp(type, "vector") || !strcmp(type, "matrix")) {
        bool matrix = type[0] == 'm';
        const cJSON *s;
        cJSON_ArrayForEach(s, res)
        {
            if (nseries == MAX_SERIES) {
                truncated = true;
                break;
            }
            if (nseries++) buf_putc(out, ',');
            buf_puts(out, "{\"labels\":{");
            const cJSON *l;
            size_t nl = 0;
            cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(s, "metric"))
            {
                if (!cJSON_IsString(l) || !l->string) continue;
                if (nl++) buf_putc(out, ',');
                buf_json_cstr(out, l->string);
                buf_putc(out, ':');
                buf_json_cstr(out, l->valuestring);
            }
            buf_puts(out, "},\"points\":[");
            if (matrix) {
                const cJSON *pt;
                size_t np = 0;
                cJSON_ArrayForEach(pt, cJSON_GetObjectItemCaseSensitive(s, "values"))
                {
                    if (np == MAX_POINTS) break;
                    size_t mark = out->len;
                    if (np) buf_putc(out, ',');
                    if (put_point(out, pt)) np++;
                    else out->len = mark;
                }
            } else if (!put_point(out, cJSON_GetObjectItemCaseSensitive(s, "value"))) {
                rc = err_set(err, ERR_INVALID, "a vector sample that is not [time, value]");
                goto done;
            }
            buf_puts(out, "]}");
        }
    } else {
        rc = err_set(err, ERR_INVALID, "resultType \"%.40s\" is not one of vector, matrix, scalar, string", type);
        goto done;
    }
    buf_printf(out, "],\"truncated\":%s", truncated ? "true" : "false");
done:
    if (out->data) out->data[out->len] = '\0';
    cJSON_Delete(doc);
    return rc;
}

/* ---- requests ---- */

typedef struct api_prom_req prom_req_t;
struct api_prom_req {
    api_req_t *q;
    api_prom_args_t a;
    char *vals[6]; /* owned copies behind a */
    api_prom_plan_t plan;
    char *promql;
    prom_req_t *prev, *next;
};

static void st_unlink(api_cluster_t *ac, prom_req_t *p)
{
    if (p->prev) p->prev->next = p->next;
    else if (ac && ac->prom_reqs == p) ac->prom_reqs = p->next;
    if (p->next) p->next->prev = p->prev;
    p->prev = p->next = NULL;
}

static void st_gone(api_req_t *q)
{
    prom_req_t *p = q->st;
    if (!p) return;
    st_unlink(q->ac, p);
    for (int i = 0; i < 6; i++) free(p->vals[i]);
    free(p->promql);
    free(p);
    q->st = NULL;
}

void api_prom_detach(api_cluster_t *ac)
{
    /* the cluster (and its Prometheus connection) is going: answer what
     * still waits; each answer unlinks itself */
    while (ac->prom_reqs) {
        api_req_t *q = ac->prom_reqs->q;
        api_req_error(q, 404, "not_found", "cluster \"%s\" was removed", q->cid);
    }
}

static void h_list(http_req_t *r, void *ud)
{
    api_req_t *q = api_req_begin(ud, r, true);
    if (!q) return;
    buf_t b = {0};
    bool have = cluster_prometheus(q->c) != NULL;
    buf_puts(&b, "{\"cluster\":");
    buf_json_cstr(&b, q->cid);
    buf_printf(&b, ",\"available\":%s", have ? "true" : "false");
    if (!have)
        buf_puts(&b, ",\"reason\":\"no Prometheus is configured for this cluster (prometheus.urls CLUSTER=URL, or "
                     "\\\"prometheus\\\" in POST /clusters)\"");
    buf_puts(&b, ",\"queries\":");
    api_prom_queries_json(&b);
    buf_putc(&b, '}');
    api_req_json(q, 200, &b);
}

static void prom_done(const kube_response_t *res, void *ud)
{
    api_req_t *q = ud;
    prom_req_t *p = q->st;
    q->call = NULL;
    if (res->status == 0) {
        if (res->err_code == ERR_TIMEOUT)
            api_req_error(q, 504, "timeout", "the Prometheus of cluster \"%s\" did not answer in time", q->cid);
        else
            api_req_error(q, 502, "prometheus_unreachable", "the Prometheus of cluster \"%s\" is unreachable: %s",
                          q->cid, res->error ? res->error : "no answer");
        return;
    }
    buf_t b = {0};
    buf_puts(&b, "{\"cluster\":");
    buf_json_cstr(&b, q->cid);
    buf_puts(&b, ",\"query\":");
    buf_json_cstr(&b, p->plan.name);
    buf_puts(&b, ",\"unit\":");
    buf_json_cstr(&b, p->plan.unit);
    buf_puts(&b, ",\"promql\":");
    buf_json_cstr(&b, p->promql);
    if (p->plan.range_s)
        buf_printf(&b, ",\"rangeSeconds\":%lld,\"stepSeconds\":%lld", (long long)p->plan.range_s,
                   (long long)p->plan.step_s);
    buf_putc(&b, ',');
    err_t e = {0};
    if (api_prom_normalise(res->body, res->body_len, &b, &e) != 0) {
        buf_free(&b);
        api_req_error(q, 502, "prometheus_error", "the Prometheus of cluster \"%s\" answered HTTP %d: %s", q->cid,
                      res->status, e.msg);
        return;
    }
    buf_putc(&b, '}');
    api_req_json(q, 200, &b);
}

static void run(api_req_t *q)
{
    prom_req_t *p = q->st;
    const char *who = q->id.user ? q->id.user : "this identity";
    if (p->plan.by_node) {
        if (api_visible(q->ac, q->view, "", "Node") != 1) {
            api_req_error(q, 403, "forbidden", "user \"%s\" may not list nodes in cluster \"%s\"", who, q->cid);
            return;
        }
    } else if (api_visible(q->ac, q->view, p->a.namespace_, "Pod") != 1) {
        api_req_error(q, 403, "forbidden", "user \"%s\" may not list pods in namespace \"%s\" of cluster \"%s\"", who,
                      p->a.namespace_, q->cid);
        return;
    }
    kube_cluster_t *prom = cluster_prometheus(q->c);
    if (!prom) { /* removed while the access decision was fetched */
        api_req_error(q, 501, "metrics_unavailable", "cluster \"%s\" has no Prometheus configured", q->cid);
        return;
    }
    const char *pods[MAX_PODS];
    size_t npods = 0;
    if (p->plan.needs_pods) {
        store_t *s = cluster_store(q->c);
        buf_t id = {0};
        buf_printf(&id, "%s/%s/%s", p->plan.wkind, p->a.namespace_, p->plan.wname);
        store_oid_t o = store_find(s, id.data, id.len);
        buf_free(&id);
        if (o == STORE_NONE) {
            api_req_error(q, 404, "not_found", "no %s \"%s\" in namespace \"%s\" of cluster \"%s\"", p->plan.wkind,
                          p->plan.wname, p->a.namespace_, q->cid);
            return;
        }
        store_oid_t oids[MAX_PODS];
        npods = store_pods_of(s, o, oids, MAX_PODS);
        for (size_t i = 0; i < npods; i++) pods[i] = store_str(s, store_obj_name(s, oids[i]));
    }
    buf_t ql = {0};
    api_prom_promql(&p->plan, &p->a, pods, npods, &ql);
    p->promql = buf_steal(&ql);
    buf_t path = {0};
    buf_puts(&path, p->plan.range_s ? "/api/v1/query_range?query=" : "/api/v1/query?query=");
    api_escape(&path, p->promql);
    if (p->plan.range_s) {
        long long end = (long long)(api_now_ms() / 1000);
        buf_printf(&path, "&start=%lld&end=%lld&step=%lld", end - (long long)p->plan.range_s, end,
                   (long long)p->plan.step_s);
    }
    kube_request_t req = {.method = "GET", .path = path.data, .verb = "prometheus", .flags = KUBE_REQ_NO_RETRY};
    err_t e = {0};
    q->call = kube_request(prom, &req, prom_done, q, &e);
    buf_free(&path);
    if (!q->call) api_req_error(q, 502, "prometheus_unreachable", "cluster \"%s\": %s", q->cid, e.msg);
}

static void h_query(http_req_t *r, void *ud)
{
    api_req_t *q = api_req_begin(ud, r, true);
    if (!q) return;
    prom_req_t *p = xcalloc(1, sizeof *p);
    p->q = q;
    q->st = p;
    q->on_gone = st_gone;
    static const char *const keys[6] = {"namespace", "pod", "node", "workload", "range", "step"};
    const char **dst[6] = {&p->a.namespace_, &p->a.pod, &p->a.node, &p->a.workload, &p->a.range, &p->a.step};
    for (int i = 0; i < 6; i++) {
        const char *v = http_req_query(r, keys[i]);
        if (v && *v) *dst[i] = p->vals[i] = xstrdup(v);
    }
    err_t e = {0};
    if (api_prom_plan(http_req_param(r, "name"), &p->a, &p->plan, &e) != 0) {
        api_req_error(q, 400, "bad_request", "%s", e.msg);
        return;
    }
    if (!cluster_prometheus(q->c)) {
        api_req_error(q, 501, "metrics_unavailable",
                      "cluster \"%s\" has no Prometheus configured (prometheus.urls CLUSTER=URL in the configuration, "
                      "or \"prometheus\" when registering the cluster)",
                      q->cid);
        return;
    }
    p->next = q->ac->prom_reqs;
    if (p->next) p->next->prev = p;
    q->ac->prom_reqs = p;
    if (p->plan.by_node) {
        const char *cres[1] = {"nodes"};
        api_req_gate(q, NULL, 0, cres, 1, run);
    } else {
        const char *nss[1] = {p->a.namespace_};
        api_req_gate(q, nss, 1, NULL, 0, run);
    }
}

void api_prom_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/clusters/{c}/metrics/query", h_list, api);
    http_route(api->http, "GET", "/api/v1/clusters/{c}/metrics/query/{name}", h_query, api);
}
