/* gen.c — the scale generator behind `kubesim --nodes N --pods N
 * --namespaces N --seed S` (sim_generate in ctrl.h).
 *
 * Builds a cluster that looks lived-in: Nodes with capacity, allocatable,
 * labels, conditions, addresses and nodeInfo, each with its Lease;
 * Namespaces with their default and "workload" ServiceAccounts; per
 * application a ConfigMap, a Secret, a Deployment owning a ReplicaSet
 * owning Running Pods already bound to nodes, a Service selecting them and
 * its EndpointSlice (core Endpoints come from the controller).
 * Everything is consistent with what the
 * controllers would write, so they adopt it without churning.
 *
 * Speed (150k pods in a few CPU seconds, see docs/kubesim.md): each kind of
 * object is described once as a cJSON tree with placeholders, printed once,
 * and expanded per application by text substitution ("text templates"
 * below); pods add their name, node and status as JSON written directly.
 * Objects enter the store through sim_create_raw (no tree, no parse, no
 * cache), and the pod spec an application's Deployment, ReplicaSet and
 * Pods share is stored once (a sim_chunk_t). All randomness comes from the
 * seed, so two runs with the same flags give the same cluster (uids and
 * timestamps come from the store and the clock).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "ctrl_internal.h"

typedef struct gen {
    sim_ctx_t *ctx;
    sim_store_t *st;
    ctrl_kinds_t k;
    uint64_t rng;
    int64_t now_ms;
    long nnodes;
    char **node_names;
    char **node_ips;
    int *node_pods;
    uint32_t *node_next_ip;
    long next_node;
    long created;
    err_t *err;
    char *scratch; /* print buffer of put_members */
    size_t scratch_cap;
    buf_t mb, bb;  /* metadata and body members of the object being added */
    buf_t pb;      /* a pod's body */
    buf_t eb;      /* an application's EndpointSlice endpoints */
    struct shape **shapes; /* text templates per pod-template shape (see shape_get) */
    size_t nshapes;
    struct ttext_pair {
        char *meta, *body;
    } t_cm, t_secret, t_svc, t_slice;
} gen_t;

static const char *const APPS[] = {"api",      "web",       "frontend", "checkout", "payments",  "cart",
                                   "catalog",  "search",    "auth",     "orders",   "inventory", "shipping",
                                   "notify",   "recommend", "reviews",  "gateway",  "worker",    "scheduler",
                                   "billing",  "profile",   "ledger",   "media",    "export",    "audit"};
static const char *const TEAMS[] = {"core", "growth", "platform", "payments", "data", "mobile"};

/* Print an object's members without its braces, ","-led ("" when empty),
 * into b — the shape sim_create_raw takes. */
static void put_members(gen_t *g, buf_t *b, const cJSON *obj)
{
    buf_reset(b);
    if (!obj || !obj->child) return;
    for (;;) {
        if (cJSON_PrintPreallocated((cJSON *)obj, g->scratch, (int)g->scratch_cap, 0)) break;
        g->scratch_cap *= 2;
        g->scratch = xrealloc(g->scratch, g->scratch_cap);
    }
    size_t n = strlen(g->scratch);
    buf_putc(b, ',');
    buf_append(b, g->scratch + 1, n - 2);
}

/* Create a tree built the ordinary way (apiVersion, kind, metadata with
 * name and namespace, then the rest) through the store's bulk path: no
 * parse, no cached tree. Takes obj. Namespaces go through sim_create. */
static int add(gen_t *g, const sim_kind_t *k, const char *ns, cJSON *obj, const sim_obj_t **out)
{
    int rc;
    if (k == g->k.ns) {
        rc = sim_create(g->st, k, ns, obj, NULL, out, g->err);
    } else {
        cJSON *md = cJSON_DetachItemFromObjectCaseSensitive(obj, "metadata");
        char name[256];
        snprintf(name, sizeof name, "%s", sim_jstr(md, "name") ? sim_jstr(md, "name") : "");
        cJSON_DeleteItemFromObjectCaseSensitive(md, "name");
        cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
        put_members(g, &g->mb, md);
        put_members(g, &g->bb, obj);
        cJSON_Delete(md);
        cJSON_Delete(obj);
        rc = sim_create_raw(g->st, k, ns, name, sv_make(g->mb.data, g->mb.len), sv_make(g->bb.data, g->bb.len), NULL,
                            out, g->err);
    }
    if (rc < 0 && rc != ERR_EXISTS) return rc;
    g->created++;
    return 0;
}

static cJSON *meta(cJSON *obj, const char *api, const char *kind, const char *name, const char *ns)
{
    cJSON_AddStringToObject(obj, "apiVersion", api);
    cJSON_AddStringToObject(obj, "kind", kind);
    cJSON *md = cJSON_AddObjectToObject(obj, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    if (ns) cJSON_AddStringToObject(md, "namespace", ns);
    return md;
}

static void ts_at(int64_t ms, char out[32]) { clock_rfc3339(ms / 1000, out); }

/* ---- nodes ---- */

static int gen_nodes(gen_t *g)
{
    g->node_names = xcalloc((size_t)g->nnodes, sizeof *g->node_names);
    g->node_ips = xcalloc((size_t)g->nnodes, sizeof *g->node_ips);
    g->node_pods = xcalloc((size_t)g->nnodes, sizeof *g->node_pods);
    g->node_next_ip = xcalloc((size_t)g->nnodes, sizeof *g->node_next_ip);
    static const char *const types[] = {"m5.2xlarge", "m5.4xlarge", "c5.4xlarge", "r5.2xlarge"};
    for (long i = 0; i < g->nnodes; i++) {
        char name[64], ip[32], zone[32];
        snprintf(name, sizeof name, "node-%05ld", i);
        snprintf(ip, sizeof ip, "172.18.%ld.%ld", i / 250, 2 + i % 250);
        snprintf(zone, sizeof zone, "zone-%c", (int)('a' + i % 3));
        g->node_names[i] = xstrdup(name);
        g->node_ips[i] = xstrdup(ip);
        g->node_next_ip[i] = 2;
        cJSON *n = cJSON_CreateObject();
        cJSON *md = meta(n, "v1", "Node", name, NULL);
        cJSON *l = cJSON_AddObjectToObject(md, "labels");
        cJSON_AddStringToObject(l, "kubernetes.io/hostname", name);
        cJSON_AddStringToObject(l, "kubernetes.io/os", "linux");
        cJSON_AddStringToObject(l, "kubernetes.io/arch", "amd64");
        cJSON_AddStringToObject(l, "beta.kubernetes.io/os", "linux");
        cJSON_AddStringToObject(l, "beta.kubernetes.io/arch", "amd64");
        cJSON_AddStringToObject(l, "topology.kubernetes.io/zone", zone);
        cJSON_AddStringToObject(l, "topology.kubernetes.io/region", "sim-1");
        cJSON_AddStringToObject(l, "node.kubernetes.io/instance-type", types[i % 4]);
        cJSON_AddStringToObject(l, "node-pool", i % 10 == 0 ? "system" : "general");
        cJSON *an = cJSON_AddObjectToObject(md, "annotations");
        cJSON_AddStringToObject(an, "node.alpha.kubernetes.io/ttl", "0");
        cJSON_AddStringToObject(an, "volumes.kubernetes.io/controller-managed-attach-detach", "true");
        cJSON *sp = cJSON_AddObjectToObject(n, "spec");
        char cidr[48];
        snprintf(cidr, sizeof cidr, "10.%ld.%ld.0/24", 244 + i / 256, i % 256);
        cJSON_AddStringToObject(sp, "podCIDR", cidr);
        cJSON_AddItemToObject(sp, "podCIDRs", cJSON_CreateStringArray((const char *[]){cidr}, 1));
        char pid[160];
        snprintf(pid, sizeof pid, "kubesim:///%s/%s", zone, name);
        cJSON_AddStringToObject(sp, "providerID", pid);
        cJSON_AddItemToObject(n, "status", ctrl_node_status(name, (int)i, 16000, 64LL << 30, g->now_ms - 30LL * 86400000));
        const sim_obj_t *out = NULL;
        if (add(g, g->k.node, NULL, n, &out) < 0) return -1;
        if (out && add(g, g->k.lease, "kube-node-lease", ctrl_lease(name, sim_obj_uid(out), g->now_ms), NULL) < 0)
            return -1;
    }
    return 0;
}

/* ---- one application ---- */

typedef struct app {
    char ns[64], name[96], image[160], team[32], version[16];
    int replicas;
    int cpu_m, mem_mi;
    bool sidecar;
    int port;
} app_t;

static cJSON *env(const char *name, const char *value)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", name);
    cJSON_AddStringToObject(e, "value", value);
    return e;
}

static cJSON *env_ref(const char *name, const char *kind, const char *obj, const char *key)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", name);
    cJSON *vf = cJSON_AddObjectToObject(e, "valueFrom");
    cJSON *r = cJSON_AddObjectToObject(vf, kind);
    if (obj) cJSON_AddStringToObject(r, "name", obj);
    cJSON_AddStringToObject(r, key ? "key" : "fieldPath", key ? key : obj);
    if (!key) cJSON_DeleteItemFromObject(r, "name"), cJSON_AddStringToObject(r, "apiVersion", "v1");
    return e;
}

static cJSON *probe(const char *path, int port, int delay, int period)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *h = cJSON_AddObjectToObject(p, "httpGet");
    cJSON_AddStringToObject(h, "path", path);
    cJSON_AddNumberToObject(h, "port", port);
    cJSON_AddStringToObject(h, "scheme", "HTTP");
    cJSON_AddNumberToObject(p, "initialDelaySeconds", delay);
    cJSON_AddNumberToObject(p, "timeoutSeconds", 1);
    cJSON_AddNumberToObject(p, "periodSeconds", period);
    cJSON_AddNumberToObject(p, "successThreshold", 1);
    cJSON_AddNumberToObject(p, "failureThreshold", 3);
    return p;
}

static cJSON *resources(int cpu_m, int mem_mi, bool limits)
{
    char v[32];
    cJSON *r = cJSON_CreateObject();
    cJSON *rq = cJSON_AddObjectToObject(r, "requests");
    snprintf(v, sizeof v, "%dm", cpu_m);
    cJSON_AddStringToObject(rq, "cpu", v);
    snprintf(v, sizeof v, "%dMi", mem_mi);
    cJSON_AddStringToObject(rq, "memory", v);
    if (limits) {
        cJSON *lm = cJSON_AddObjectToObject(r, "limits");
        snprintf(v, sizeof v, "%dm", cpu_m * 4);
        cJSON_AddStringToObject(lm, "cpu", v);
        snprintf(v, sizeof v, "%dMi", mem_mi * 2);
        cJSON_AddStringToObject(lm, "memory", v);
    }
    return r;
}

static cJSON *mount(const char *name, const char *path, bool ro)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "name", name);
    cJSON_AddStringToObject(m, "mountPath", path);
    if (ro) cJSON_AddTrueToObject(m, "readOnly");
    return m;
}

static cJSON *pod_template(const app_t *a, const char *sa_vol)
{
    char cm[128], sec[128];
    snprintf(cm, sizeof cm, "%s-config", a->name);
    snprintf(sec, sizeof sec, "%s-secrets", a->name);
    cJSON *t = cJSON_CreateObject();
    cJSON *md = cJSON_AddObjectToObject(t, "metadata");
    cJSON *l = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(l, "app", a->name);
    cJSON_AddStringToObject(l, "app.kubernetes.io/name", a->name);
    cJSON_AddStringToObject(l, "app.kubernetes.io/part-of", a->ns);
    cJSON_AddStringToObject(l, "app.kubernetes.io/version", a->version);
    cJSON_AddStringToObject(l, "team", a->team);
    cJSON *an = cJSON_AddObjectToObject(md, "annotations");
    cJSON_AddStringToObject(an, "prometheus.io/scrape", "true");
    char port[16];
    snprintf(port, sizeof port, "%d", a->port);
    cJSON_AddStringToObject(an, "prometheus.io/port", port);
    cJSON *sp = cJSON_AddObjectToObject(t, "spec");
    cJSON *vols = cJSON_AddArrayToObject(sp, "volumes");
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "name", "config");
    cJSON *cmv = cJSON_AddObjectToObject(v, "configMap");
    cJSON_AddStringToObject(cmv, "name", cm);
    cJSON_AddNumberToObject(cmv, "defaultMode", 420);
    cJSON_AddItemToArray(vols, v);
    v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "name", "secrets");
    cJSON *sv = cJSON_AddObjectToObject(v, "secret");
    cJSON_AddStringToObject(sv, "secretName", sec);
    cJSON_AddNumberToObject(sv, "defaultMode", 420);
    cJSON_AddItemToArray(vols, v);
    v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "name", "tmp");
    cJSON_AddObjectToObject(v, "emptyDir");
    cJSON_AddItemToArray(vols, v);
    v = cJSON_Parse("{\"projected\":{\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":"
                    "\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\","
                    "\"path\":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":[{\"path\":\"namespace\",\"fieldRef\":{"
                    "\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"}}]}}],\"defaultMode\":420}}");
    cJSON_AddStringToObject(v, "name", sa_vol);
    cJSON_AddItemToArray(vols, v);

    cJSON *cs = cJSON_AddArrayToObject(sp, "containers");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", a->name);
    cJSON_AddStringToObject(c, "image", a->image);
    cJSON *ports = cJSON_AddArrayToObject(c, "ports");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", "http");
    cJSON_AddNumberToObject(p, "containerPort", a->port);
    cJSON_AddStringToObject(p, "protocol", "TCP");
    cJSON_AddItemToArray(ports, p);
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", "metrics");
    cJSON_AddNumberToObject(p, "containerPort", 9090);
    cJSON_AddStringToObject(p, "protocol", "TCP");
    cJSON_AddItemToArray(ports, p);
    cJSON *ef = cJSON_AddArrayToObject(c, "envFrom");
    cJSON *efc = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(efc, "configMapRef"), "name", cm);
    cJSON_AddItemToArray(ef, efc);
    cJSON *e = cJSON_AddArrayToObject(c, "env");
    cJSON_AddItemToArray(e, env("APP_NAME", a->name));
    cJSON_AddItemToArray(e, env("LOG_LEVEL", "info"));
    cJSON_AddItemToArray(e, env("HTTP_PORT", port));
    cJSON_AddItemToArray(e, env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4317"));
    cJSON_AddItemToArray(e, env_ref("DATABASE_PASSWORD", "secretKeyRef", sec, "db-password"));
    cJSON_AddItemToArray(e, env_ref("API_TOKEN", "secretKeyRef", sec, "api-token"));
    cJSON_AddItemToArray(e, env_ref("FEATURE_FLAGS", "configMapKeyRef", cm, "feature-flags"));
    cJSON_AddItemToArray(e, env_ref("POD_NAME", "fieldRef", "metadata.name", NULL));
    cJSON_AddItemToArray(e, env_ref("POD_IP", "fieldRef", "status.podIP", NULL));
    cJSON_AddItemToArray(e, env_ref("NODE_NAME", "fieldRef", "spec.nodeName", NULL));
    cJSON_AddItemToObject(c, "resources", resources(a->cpu_m, a->mem_mi, true));
    cJSON *vm = cJSON_AddArrayToObject(c, "volumeMounts");
    cJSON_AddItemToArray(vm, mount("config", "/etc/app", true));
    cJSON_AddItemToArray(vm, mount("secrets", "/var/run/secrets/app", true));
    cJSON_AddItemToArray(vm, mount("tmp", "/tmp", false));
    cJSON_AddItemToArray(vm, mount(sa_vol, "/var/run/secrets/kubernetes.io/serviceaccount", true));
    cJSON_AddItemToObject(c, "livenessProbe", probe("/healthz", a->port, 10, 10));
    cJSON_AddItemToObject(c, "readinessProbe", probe("/ready", a->port, 5, 5));
    cJSON_AddStringToObject(c, "terminationMessagePath", "/dev/termination-log");
    cJSON_AddStringToObject(c, "terminationMessagePolicy", "File");
    cJSON_AddStringToObject(c, "imagePullPolicy", "IfNotPresent");
    cJSON_AddItemToObject(c, "securityContext",
                          cJSON_Parse("{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]},"
                                      "\"readOnlyRootFilesystem\":true,\"runAsNonRoot\":true,\"runAsUser\":10001}"));
    cJSON_AddItemToArray(cs, c);
    if (a->sidecar) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", "log-shipper");
        cJSON_AddStringToObject(s, "image", "fluent/fluent-bit:2.2.0");
        cJSON_AddItemToObject(s, "resources", resources(20, 32, true));
        cJSON *svm = cJSON_AddArrayToObject(s, "volumeMounts");
        cJSON_AddItemToArray(svm, mount("tmp", "/var/log/app", true));
        cJSON_AddItemToArray(svm, mount(sa_vol, "/var/run/secrets/kubernetes.io/serviceaccount", true));
        cJSON_AddStringToObject(s, "terminationMessagePath", "/dev/termination-log");
        cJSON_AddStringToObject(s, "terminationMessagePolicy", "File");
        cJSON_AddStringToObject(s, "imagePullPolicy", "IfNotPresent");
        cJSON_AddItemToArray(cs, s);
    }
    cJSON_AddStringToObject(sp, "restartPolicy", "Always");
    cJSON_AddNumberToObject(sp, "terminationGracePeriodSeconds", 30);
    cJSON_AddStringToObject(sp, "dnsPolicy", "ClusterFirst");
    cJSON_AddStringToObject(sp, "serviceAccountName", "workload");
    cJSON_AddStringToObject(sp, "serviceAccount", "workload");
    cJSON_AddObjectToObject(sp, "securityContext");
    cJSON_AddStringToObject(sp, "schedulerName", "default-scheduler");
    cJSON_AddItemToObject(sp, "tolerations",
                          cJSON_Parse("[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
                                      "\"effect\":\"NoExecute\",\"tolerationSeconds\":300},{\"key\":"
                                      "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":"
                                      "\"NoExecute\",\"tolerationSeconds\":300}]"));
    cJSON_AddNumberToObject(sp, "priority", 0);
    cJSON_AddTrueToObject(sp, "enableServiceLinks");
    cJSON_AddStringToObject(sp, "preemptionPolicy", "PreemptLowerPriority");
    return t;
}

static long pick_node(gen_t *g)
{
    for (long tries = 0; tries < g->nnodes; tries++) {
        long i = (g->next_node + (long)sim_rng_below(&g->rng, 7)) % g->nnodes;
        g->next_node = (g->next_node + 1) % g->nnodes;
        if (g->node_pods[i] < 100) return i;
    }
    return g->next_node;
}

/* ---- text templates ----
 *
 * Per application the objects differ only in a few strings (names, image,
 * uids, timestamps) and numbers (replicas). Each object is therefore built
 * once as a cJSON tree by the code above, with placeholders "@@n@@" where
 * those values go (numbers as raw JSON), printed once, and expanded per
 * application by plain substitution: the output has exactly the shape the
 * tree would have printed, without a tree per object. Templates that depend
 * on the pod template's resources and sidecar are kept per "shape". The
 * substituted values are names, versions, images, uids, hex and timestamps:
 * none needs JSON escaping. */

enum {
    P_NAME, P_NS, P_VERSION, P_TEAM, P_IMAGE, P_SAVOL, P_HASH, P_DEP_UID, P_RS_UID, P_REPLICAS, P_MAXREP, P_TS,
    P_HEX1, P_HEX2, P_CIP, P_SVC_UID, P_EPS, P_COUNT
};
static const char *const PH[P_COUNT] = {"@@0@@",  "@@1@@",  "@@2@@",  "@@3@@",  "@@4@@",  "@@5@@",
                                        "@@6@@",  "@@7@@",  "@@8@@",  "@@9@@",  "@@10@@", "@@11@@",
                                        "@@12@@", "@@13@@", "@@14@@", "@@15@@", "@@16@@"};

/* Append t with every "@@n@@" replaced by vals[n]. */
static void subst(buf_t *out, const char *t, const char *const *vals)
{
    for (;;) {
        const char *p = strstr(t, "@@");
        if (!p) {
            buf_puts(out, t);
            return;
        }
        buf_append(out, t, (size_t)(p - t));
        char *end;
        long i = strtol(p + 2, &end, 10);
        if (end > p + 2 && end[0] == '@' && end[1] == '@' && i >= 0 && i < P_COUNT) {
            if (vals[i]) buf_puts(out, vals[i]);
            t = end + 2;
        } else {
            buf_append(out, p, 2);
            t = p + 2;
        }
    }
}

/* sim_create_raw's two pieces, with placeholders */
typedef struct ttext_pair ttext_t;

/* Split a full object tree as add() does, into placeholder texts. Takes obj. */
static void ttext_of(gen_t *g, cJSON *obj, ttext_t *t)
{
    cJSON *md = cJSON_DetachItemFromObjectCaseSensitive(obj, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(md, "name");
    cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
    put_members(g, &g->mb, md);
    t->meta = xstrdup(g->mb.len ? g->mb.data : "");
    put_members(g, &g->bb, obj);
    t->body = xstrdup(g->bb.len ? g->bb.data : "");
    cJSON_Delete(md);
    cJSON_Delete(obj);
}

static void ttext_free(ttext_t *t)
{
    free(t->meta);
    free(t->body);
}

/* Expand t with vals and create the object named name. */
static int add_text(gen_t *g, const sim_kind_t *k, const char *ns, const char *name, const ttext_t *t,
                    const char *const *vals, const sv_t *share, sim_chunk_t *chunk, const sim_obj_t **out)
{
    buf_reset(&g->mb);
    buf_reset(&g->bb);
    subst(&g->mb, t->meta, vals);
    subst(&g->bb, t->body, vals);
    if (chunk) {
        /* The pod spec (share, the chunk's text) appears once in the body,
         * inside the template: put the marker there and let the store
         * keep one copy for the whole application. */
        char *at = memmem(g->bb.data, g->bb.len, share->p, share->n);
        if (at && share->n) {
            size_t off = (size_t)(at - g->bb.data);
            *at = 1;
            memmove(at + 1, at + share->n, g->bb.len - off - share->n + 1);
            g->bb.len -= share->n - 1;
        } else {
            chunk = NULL;
        }
    }
    int rc = sim_create_raw(g->st, k, ns, name, sv_make(g->mb.data, g->mb.len), sv_make(g->bb.data, g->bb.len), chunk,
                            out, g->err);
    if (rc < 0 && rc != ERR_EXISTS) return rc;
    g->created++;
    return 0;
}

typedef struct shape {
    int cpu_m, mem_mi, port;
    bool sidecar;
    char *tmpl;               /* the Deployment's pod template; its expansion is what gets hashed */
    ttext_t deploy, rs, pod;  /* pod.body: the spec's members, ","-led */
    int ncts;
    char *ct_name[4], *ct_image[4];
} shape_t;

static void shape_free(shape_t *sh)
{
    free(sh->tmpl);
    ttext_free(&sh->deploy);
    ttext_free(&sh->rs);
    ttext_free(&sh->pod);
    for (int i = 0; i < sh->ncts; i++) {
        free(sh->ct_name[i]);
        free(sh->ct_image[i]);
    }
    free(sh);
}

static cJSON *deployment_tree(const app_t *ph, const char *tmpl_txt)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *md = meta(o, "apps/v1", "Deployment", ph->name, ph->ns);
    cJSON *l = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(l, "app", ph->name);
    cJSON_AddStringToObject(l, "team", ph->team);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "annotations"), "deployment.kubernetes.io/revision", "1");
    cJSON *sp = cJSON_AddObjectToObject(o, "spec");
    cJSON_AddRawToObject(sp, "replicas", PH[P_REPLICAS]);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(sp, "selector"), "matchLabels"), "app",
                            ph->name);
    cJSON_AddRawToObject(sp, "template", tmpl_txt);
    cJSON *strat = cJSON_AddObjectToObject(sp, "strategy");
    cJSON_AddStringToObject(strat, "type", "RollingUpdate");
    cJSON *ru = cJSON_AddObjectToObject(strat, "rollingUpdate");
    cJSON_AddStringToObject(ru, "maxSurge", "25%");
    cJSON_AddStringToObject(ru, "maxUnavailable", "25%");
    cJSON_AddNumberToObject(sp, "revisionHistoryLimit", 10);
    cJSON_AddNumberToObject(sp, "progressDeadlineSeconds", 600);
    cJSON *st = cJSON_AddObjectToObject(o, "status");
    cJSON_AddNumberToObject(st, "observedGeneration", 1);
    cJSON_AddRawToObject(st, "replicas", PH[P_REPLICAS]);
    cJSON_AddRawToObject(st, "updatedReplicas", PH[P_REPLICAS]);
    cJSON_AddRawToObject(st, "readyReplicas", PH[P_REPLICAS]);
    cJSON_AddRawToObject(st, "availableReplicas", PH[P_REPLICAS]);
    char msg[256];
    snprintf(msg, sizeof msg, "ReplicaSet \"%s-%s\" has successfully progressed.", ph->name, PH[P_HASH]);
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    static const char *const kinds[2][3] = {
        {"Available", "MinimumReplicasAvailable", "Deployment has minimum availability."},
        {"Progressing", "NewReplicaSetAvailable", NULL}};
    for (int i = 0; i < 2; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", kinds[i][0]);
        cJSON_AddStringToObject(c, "status", "True");
        cJSON_AddStringToObject(c, "lastUpdateTime", PH[P_TS]);
        cJSON_AddStringToObject(c, "lastTransitionTime", PH[P_TS]);
        cJSON_AddStringToObject(c, "reason", kinds[i][1]);
        cJSON_AddStringToObject(c, "message", kinds[i][2] ? kinds[i][2] : msg);
        cJSON_AddItemToArray(conds, c);
    }
    return o;
}

static cJSON *replicaset_tree(const app_t *ph, const char *rsname, const cJSON *tmpl)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *md = meta(o, "apps/v1", "ReplicaSet", rsname, ph->ns);
    cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(sim_jpath(tmpl, "metadata", "labels"), true));
    cJSON *an = cJSON_AddObjectToObject(md, "annotations");
    cJSON_AddStringToObject(an, "deployment.kubernetes.io/desired-replicas", PH[P_REPLICAS]);
    cJSON_AddStringToObject(an, "deployment.kubernetes.io/max-replicas", PH[P_MAXREP]);
    cJSON_AddStringToObject(an, "deployment.kubernetes.io/revision", "1");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "ownerReferences"),
                         ctrl_owner_ref("apps/v1", "Deployment", ph->name, PH[P_DEP_UID]));
    cJSON *sp = cJSON_AddObjectToObject(o, "spec");
    cJSON_AddRawToObject(sp, "replicas", PH[P_REPLICAS]);
    cJSON *ml = cJSON_AddObjectToObject(cJSON_AddObjectToObject(sp, "selector"), "matchLabels");
    cJSON_AddStringToObject(ml, "app", ph->name);
    cJSON_AddStringToObject(ml, "pod-template-hash", PH[P_HASH]);
    cJSON_AddItemToObject(sp, "template", cJSON_Duplicate(tmpl, true));
    cJSON *st = cJSON_AddObjectToObject(o, "status");
    cJSON_AddRawToObject(st, "replicas", PH[P_REPLICAS]);
    cJSON_AddRawToObject(st, "fullyLabeledReplicas", PH[P_REPLICAS]);
    cJSON_AddRawToObject(st, "readyReplicas", PH[P_REPLICAS]);
    cJSON_AddRawToObject(st, "availableReplicas", PH[P_REPLICAS]);
    cJSON_AddNumberToObject(st, "observedGeneration", 1);
    return o;
}

/* The templates of an application's Deployment, ReplicaSet and Pods for
 * its resources, sidecar and port, built on first use. */
static shape_t *shape_get(gen_t *g, const app_t *a)
{
    for (size_t i = 0; i < g->nshapes; i++) {
        shape_t *sh = g->shapes[i];
        if (sh->cpu_m == a->cpu_m && sh->mem_mi == a->mem_mi && sh->port == a->port && sh->sidecar == a->sidecar)
            return sh;
    }
    shape_t *sh = xcalloc(1, sizeof *sh);
    sh->cpu_m = a->cpu_m;
    sh->mem_mi = a->mem_mi;
    sh->port = a->port;
    sh->sidecar = a->sidecar;
    app_t ph = *a;
    snprintf(ph.name, sizeof ph.name, "%s", PH[P_NAME]);
    snprintf(ph.ns, sizeof ph.ns, "%s", PH[P_NS]);
    snprintf(ph.version, sizeof ph.version, "%s", PH[P_VERSION]);
    snprintf(ph.team, sizeof ph.team, "%s", PH[P_TEAM]);
    snprintf(ph.image, sizeof ph.image, "%s", PH[P_IMAGE]);
    cJSON *tmpl = pod_template(&ph, PH[P_SAVOL]);
    sh->tmpl = cJSON_PrintUnformatted(tmpl);
    ttext_of(g, deployment_tree(&ph, sh->tmpl), &sh->deploy);
    cJSON_AddStringToObject((cJSON *)sim_jpath(tmpl, "metadata", "labels"), "pod-template-hash", PH[P_HASH]);
    char rsname[64];
    snprintf(rsname, sizeof rsname, "%s-%s", PH[P_NAME], PH[P_HASH]);
    ttext_of(g, replicaset_tree(&ph, rsname, tmpl), &sh->rs);
    cJSON *proto = ctrl_pod_from_template(tmpl, ph.ns, "x", NULL,
                                          ctrl_owner_ref("apps/v1", "ReplicaSet", rsname, PH[P_RS_UID]));
    cJSON_Delete(tmpl);
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(proto, "metadata"), "generateName", rsname);
    cJSON_DeleteItemFromObjectCaseSensitive(proto, "status"); /* written per pod */
    const cJSON *ct;
    cJSON_ArrayForEach(ct, sim_jpath(proto, "spec", "containers"))
    {
        if (sh->ncts == 4) break;
        sh->ct_name[sh->ncts] = xstrdup(sim_jstr(ct, "name") ? sim_jstr(ct, "name") : "");
        sh->ct_image[sh->ncts] = xstrdup(sim_jstr(ct, "image") ? sim_jstr(ct, "image") : "");
        sh->ncts++;
    }
    cJSON *spec = cJSON_DetachItemFromObjectCaseSensitive(proto, "spec");
    ttext_of(g, proto, &sh->pod);
    free(sh->pod.body);
    put_members(g, &g->bb, spec);
    sh->pod.body = xstrdup(g->bb.len ? g->bb.data : "");
    cJSON_Delete(spec);
    g->shapes = xrealloc(g->shapes, (g->nshapes + 1) * sizeof *g->shapes);
    g->shapes[g->nshapes++] = sh;
    return sh;
}

/* The application-independent templates: ConfigMap, Secret, Service and
 * EndpointSlice. */
static void common_templates(gen_t *g)
{
    char cm[64], sec[64];
    snprintf(cm, sizeof cm, "%s-config", PH[P_NAME]);
    snprintf(sec, sizeof sec, "%s-secrets", PH[P_NAME]);
    cJSON *o = cJSON_CreateObject();
    cJSON *md = meta(o, "v1", "ConfigMap", cm, PH[P_NS]);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), "app", PH[P_NAME]);
    cJSON *d = cJSON_AddObjectToObject(o, "data");
    cJSON_AddStringToObject(d, "feature-flags", "checkout-v2=true,new-search=false,dark-mode=true");
    cJSON_AddStringToObject(d, "CACHE_TTL", "300");
    cJSON_AddStringToObject(d, "UPSTREAM_TIMEOUT", "2s");
    cJSON_AddStringToObject(d, "app.yaml", "server:\n  port: 8080\n  gracefulShutdown: 20s\nlogging:\n  level: info\n  format: json\n");
    ttext_of(g, o, &g->t_cm);
    o = cJSON_CreateObject();
    md = meta(o, "v1", "Secret", sec, PH[P_NS]);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), "app", PH[P_NAME]);
    cJSON_AddStringToObject(o, "type", "Opaque");
    d = cJSON_AddObjectToObject(o, "data");
    cJSON_AddStringToObject(d, "db-password", PH[P_HEX1]);
    cJSON_AddStringToObject(d, "api-token", PH[P_HEX2]);
    ttext_of(g, o, &g->t_secret);

    o = cJSON_CreateObject();
    md = meta(o, "v1", "Service", PH[P_NAME], PH[P_NS]);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), "app", PH[P_NAME]);
    cJSON *sp = cJSON_AddObjectToObject(o, "spec");
    cJSON_AddStringToObject(sp, "type", "ClusterIP");
    cJSON_AddStringToObject(sp, "clusterIP", PH[P_CIP]);
    cJSON_AddItemToObject(sp, "clusterIPs", cJSON_CreateStringArray((const char *[]){PH[P_CIP]}, 1));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(sp, "selector"), "app", PH[P_NAME]);
    cJSON *ports = cJSON_AddArrayToObject(sp, "ports");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", "http");
    cJSON_AddNumberToObject(p, "port", 80);
    cJSON_AddNumberToObject(p, "targetPort", 8080);
    cJSON_AddStringToObject(p, "protocol", "TCP");
    cJSON_AddItemToArray(ports, p);
    cJSON_AddStringToObject(sp, "sessionAffinity", "None");
    cJSON_AddStringToObject(sp, "internalTrafficPolicy", "Cluster");
    cJSON_AddItemToObject(sp, "ipFamilies", cJSON_CreateStringArray((const char *[]){"IPv4"}, 1));
    cJSON_AddStringToObject(sp, "ipFamilyPolicy", "SingleStack");
    cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "status"), "loadBalancer");
    ttext_of(g, o, &g->t_svc);

    o = cJSON_CreateObject();
    md = meta(o, "discovery.k8s.io/v1", "EndpointSlice", "x", PH[P_NS]);
    cJSON *l = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(l, "kubernetes.io/service-name", PH[P_NAME]);
    cJSON_AddStringToObject(l, "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "ownerReferences"),
                         ctrl_owner_ref("v1", "Service", PH[P_NAME], PH[P_SVC_UID]));
    cJSON_AddStringToObject(o, "addressType", "IPv4");
    cJSON_AddRawToObject(o, "endpoints", PH[P_EPS]);
    ports = cJSON_AddArrayToObject(o, "ports");
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", "http");
    cJSON_AddNumberToObject(p, "port", 8080);
    cJSON_AddStringToObject(p, "protocol", "TCP");
    cJSON_AddItemToArray(ports, p);
    ttext_of(g, o, &g->t_slice);
}

/* An application's Deployment, ReplicaSet and Pods; share is the pod spec
 * (the chunk's text). Its EndpointSlice entries are left in g->eb. */
static int gen_workload(gen_t *g, const app_t *a, shape_t *sh, const char **vals, int64_t born, sv_t share,
                        sim_chunk_t *chunk)
{
    char suf[8];
    /* Deployment: its template expanded once, hashed as the deployment
     * controller hashes it (so the controller adopts the ReplicaSet). */
    buf_t *tb = &g->pb;
    buf_reset(tb);
    subst(tb, sh->tmpl, vals);
    char hash[16];
    ctrl_template_hash_text(tb->data, 0, hash);
    vals[P_HASH] = hash;
    const sim_obj_t *dep = NULL, *rs = NULL;
    if (add_text(g, g->k.deploy, a->ns, a->name, &sh->deploy, vals, &share, chunk, &dep) < 0 || !dep) return -1;
    char dep_uid[64], rs_uid[64], rsname[160];
    snprintf(dep_uid, sizeof dep_uid, "%s", sim_obj_uid(dep));
    vals[P_DEP_UID] = dep_uid;
    snprintf(rsname, sizeof rsname, "%s-%s", a->name, hash);
    if (add_text(g, g->k.rs, a->ns, rsname, &sh->rs, vals, &share, chunk, &rs) < 0 || !rs) return -1;
    snprintf(rs_uid, sizeof rs_uid, "%s", sim_obj_uid(rs));
    vals[P_RS_UID] = rs_uid;

    /* Pods: metadata and spec expanded once per application; each pod adds
     * its name, node and status, written straight as JSON. */
    buf_t pod_meta = {0};
    subst(&pod_meta, sh->pod.meta, vals);
    int rc = 0;
    char images[4][160], image_ids[4][256];
    for (int i = 0; i < sh->ncts; i++) {
        buf_reset(tb);
        subst(tb, sh->ct_image[i], vals);
        snprintf(images[i], sizeof images[i], "%s", tb->data ? tb->data : "");
        uint64_t ih = sim_hash_str(images[i], 41);
        char ihex[65];
        sim_hex(&ih, ihex, 64);
        snprintf(image_ids[i], sizeof image_ids[i], "%.160s@sha256:%s", images[i], ihex);
    }
    buf_t *pb = &g->pb, *eb = &g->eb;
    buf_reset(eb);
    buf_putc(eb, '[');
    for (int r = 0; r < a->replicas; r++) {
        char pname[200], ip[32], started[32];
        sim_rand_suffix(&g->rng, suf, 5);
        snprintf(pname, sizeof pname, "%s-%s", rsname, suf);
        long ni = pick_node(g);
        g->node_pods[ni]++;
        uint32_t k = g->node_next_ip[ni]++;
        snprintf(ip, sizeof ip, "10.%ld.%ld.%u", 244 + ni / 256, ni % 256, k % 254 + 1);
        int64_t start = born + (int64_t)sim_rng_below(&g->rng, 3600000);
        ts_at(start, started);
        buf_reset(pb);
        buf_puts(pb, ",\"spec\":{");
        if (chunk) buf_puts(pb, "\x01,"); /* the shared spec members go here */
        buf_printf(pb, "\"nodeName\":\"%s\"},\"status\":{\"phase\":\"Running\",\"conditions\":[", g->node_names[ni]);
        static const char *const ctypes[] = {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                             "PodScheduled"};
        for (int i = 0; i < 5; i++)
            buf_printf(pb,
                       "%s{\"type\":\"%s\",\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"}",
                       i ? "," : "", ctypes[i], started);
        buf_printf(pb,
                   "],\"hostIP\":\"%s\",\"hostIPs\":[{\"ip\":\"%s\"}],\"podIP\":\"%s\",\"podIPs\":[{\"ip\":\"%s\"}],"
                   "\"startTime\":\"%s\",\"containerStatuses\":[",
                   g->node_ips[ni], g->node_ips[ni], ip, ip, started);
        for (int i = 0; i < sh->ncts; i++) {
            char cid[65];
            sim_hex(&g->rng, cid, 64);
            buf_printf(pb,
                       "%s{\"name\":\"%s\",\"state\":{\"running\":{\"startedAt\":\"%s\"}},\"lastState\":{},"
                       "\"ready\":true,\"restartCount\":0,\"image\":\"%s\",\"imageID\":\"%s\",\"containerID\":"
                       "\"containerd://%s\",\"started\":true}",
                       i ? "," : "", sh->ct_name[i][0] == '@' ? a->name : sh->ct_name[i], started, images[i],
                       image_ids[i], cid);
        }
        buf_puts(pb, "],\"qosClass\":\"Burstable\"}");
        const sim_obj_t *po = NULL;
        rc = sim_create_raw(g->st, g->k.pod, a->ns, pname, sv_make(pod_meta.data, pod_meta.len),
                            sv_make(pb->data, pb->len), chunk, &po, g->err);
        if (rc < 0 && rc != ERR_EXISTS) break;
        rc = 0;
        g->created++;
        if (!po) continue;
        /* the pod's entry in its Service's EndpointSlice */
        buf_printf(eb,
                   "%s{\"addresses\":[\"%s\"],\"conditions\":{\"ready\":true,\"serving\":true,\"terminating\":false},"
                   "\"nodeName\":\"%s\",\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"%s\",\"name\":\"%s\","
                   "\"uid\":\"%s\"}}",
                   eb->len > 1 ? "," : "", ip, g->node_names[ni], a->ns, pname, sim_obj_uid(po));
    }
    buf_free(&pod_meta);
    if (rc < 0) return -1;
    buf_putc(eb, ']');
    return 0;
}


static int gen_app(gen_t *g, const app_t *a)
{
    char ts_old[32], sa_vol[64], suf[8];
    const char *vals[P_COUNT] = {0};
    int64_t born = g->now_ms - (int64_t)(1 + sim_rng_below(&g->rng, 20)) * 86400000 - sim_rng_below(&g->rng, 86400000);
    ts_at(born, ts_old);
    sim_rand_suffix(&g->rng, suf, 5);
    snprintf(sa_vol, sizeof sa_vol, "kube-api-access-%s", suf);
    vals[P_NAME] = a->name;
    vals[P_NS] = a->ns;
    vals[P_VERSION] = a->version;
    vals[P_TEAM] = a->team;
    vals[P_IMAGE] = a->image;
    vals[P_SAVOL] = sa_vol;
    vals[P_TS] = ts_old;
    char replicas[16], maxrep[16];
    snprintf(replicas, sizeof replicas, "%d", a->replicas);
    snprintf(maxrep, sizeof maxrep, "%d", a->replicas + (a->replicas + 3) / 4);
    vals[P_REPLICAS] = replicas;
    vals[P_MAXREP] = maxrep;

    /* ConfigMap, Secret */
    char name[256], hex1[33], hex2[33];
    sim_hex(&g->rng, hex1, 32);
    sim_hex(&g->rng, hex2, 32);
    vals[P_HEX1] = hex1;
    vals[P_HEX2] = hex2;
    snprintf(name, sizeof name, "%s-config", a->name);
    if (add_text(g, g->k.cm, a->ns, name, &g->t_cm, vals, NULL, NULL, NULL) < 0) return -1;
    snprintf(name, sizeof name, "%s-secrets", a->name);
    if (add_text(g, g->k.secret, a->ns, name, &g->t_secret, vals, NULL, NULL, NULL) < 0) return -1;

    /* The pod spec is the same in the Deployment's and the ReplicaSet's
     * template and in every Pod: the store keeps it once (a chunk). */
    shape_t *sh = shape_get(g, a);
    buf_t pod_spec = {0};
    subst(&pod_spec, sh->pod.body, vals);
    sv_t share = pod_spec.len ? sv_make(pod_spec.data + 1, pod_spec.len - 1) : sv_make("", 0);
    sim_chunk_t *chunk = share.n ? sim_chunk_new(share.p, share.n) : NULL;
    int rc = gen_workload(g, a, sh, vals, born, share, chunk);
    vals[P_HASH] = vals[P_DEP_UID] = vals[P_RS_UID] = NULL; /* they pointed into gen_workload's frame */
    sim_chunk_unref(chunk);
    buf_free(&pod_spec);
    if (rc < 0) return -1;

    /* Service, EndpointSlice (core Endpoints are not generated: they would
     * add 1/7 to the object count; the endpoints controller writes them on
     * the Service's first pod change). */
    char cip[32];
    snprintf(cip, sizeof cip, "10.96.%u.%u", (unsigned)sim_rng_below(&g->rng, 250) + 1,
             (unsigned)sim_rng_below(&g->rng, 250) + 2);
    vals[P_CIP] = cip;
    const sim_obj_t *svc = NULL;
    if (add_text(g, g->k.svc, a->ns, a->name, &g->t_svc, vals, NULL, NULL, &svc) < 0 || !svc) return -1;
    char svc_uid[64], sname[256];
    snprintf(svc_uid, sizeof svc_uid, "%s", sim_obj_uid(svc));
    vals[P_SVC_UID] = svc_uid;
    vals[P_EPS] = g->eb.data;
    ctrl_slice_name(a->ns, a->name, sname, sizeof sname);
    return add_text(g, g->k.slice, a->ns, sname, &g->t_slice, vals, NULL, NULL, NULL);
}

static int gen_namespace(gen_t *g, const char *ns, int idx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *md = meta(o, "v1", "Namespace", ns, NULL);
    cJSON *l = cJSON_AddObjectToObject(md, "labels");
    cJSON_AddStringToObject(l, "kubernetes.io/metadata.name", ns);
    cJSON_AddStringToObject(l, "team", TEAMS[idx % 6]);
    cJSON_AddStringToObject(l, "environment", idx % 5 == 0 ? "staging" : "production");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "spec"), "finalizers",
                          cJSON_CreateStringArray((const char *[]){"kubernetes"}, 1));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "status"), "phase", "Active");
    if (add(g, g->k.ns, NULL, o, NULL) < 0) return -1;
    o = cJSON_CreateObject();
    meta(o, "v1", "ServiceAccount", "default", ns);
    if (add(g, g->k.sa, ns, o, NULL) < 0) return -1;
    o = cJSON_CreateObject();
    meta(o, "v1", "ServiceAccount", "workload", ns);
    return add(g, g->k.sa, ns, o, NULL);
}

static int64_t now_wall(void) { return clock_wall_ms(); }

int sim_generate(sim_ctx_t *ctx, err_t *err)
{
    const sim_config_t *cfg = ctx->cfg;
    gen_t g = {.ctx = ctx, .st = ctx->store, .err = err};
    sim_controllers_t tmp = {.st = ctx->store};
    if (ctrl_kinds_init(&tmp, err) < 0) return err->code;
    g.k = tmp.k;
    g.rng = sim_mix64(cfg && cfg->seed ? cfg->seed : 1);
    g.now_ms = now_wall();
    g.scratch_cap = 64 * 1024;
    g.scratch = xmalloc(g.scratch_cap);
    long pods = cfg ? cfg->pods : 0;
    g.nnodes = cfg && cfg->nodes > 0 ? cfg->nodes : (pods / 30 > 3 ? pods / 30 : 3);
    long nns = cfg && cfg->namespaces > 0 ? cfg->namespaces : (pods / 3000 > 1 ? pods / 3000 : 1);
    uint64_t t0 = clock_mono_ms();
    ctx->generated_rv_first = sim_store_rv(g.st) + 1;
    common_templates(&g);
    int rc = gen_nodes(&g);
    if (rc < 0) goto done;
    sim_store_gc(g.st);
    char **ns_names = xcalloc((size_t)nns, sizeof *ns_names);
    for (long i = 0; i < nns && rc == 0; i++) {
        char ns[64];
        snprintf(ns, sizeof ns, "gen-%03ld", i);
        ns_names[i] = xstrdup(ns);
        rc = gen_namespace(&g, ns, (int)i);
    }
    /* Applications, round-robin over namespaces, until the pod budget is spent. */
    long made = 0, napp = 0;
    static const char *const images[] = {"registry.example.com/%s/%s:%s", "ghcr.io/example/%s-%s:%s",
                                         "docker.io/example/%s-%s:%s"};
    while (rc == 0 && made < pods) {
        app_t a;
        memset(&a, 0, sizeof a);
        long nsi = napp % nns;
        snprintf(a.ns, sizeof a.ns, "%s", ns_names[nsi]);
        const char *base = APPS[sim_rng_below(&g.rng, sizeof APPS / sizeof APPS[0])];
        snprintf(a.name, sizeof a.name, "%s-%ld", base, napp / nns);
        snprintf(a.team, sizeof a.team, "%s", TEAMS[nsi % 6]);
        snprintf(a.version, sizeof a.version, "1.%u.%u", sim_rng_below(&g.rng, 20), sim_rng_below(&g.rng, 10));
        char img[160];
        snprintf(img, sizeof img, images[napp % 3], a.team, base, a.version);
        if (napp % 17 == 5) snprintf(img, sizeof img, "nginx:1.25.%u", sim_rng_below(&g.rng, 4));
        snprintf(a.image, sizeof a.image, "%s", img);
        a.replicas = 1 + (int)sim_rng_below(&g.rng, 5);
        if (made + a.replicas > pods) a.replicas = (int)(pods - made);
        a.cpu_m = 50 + 50 * (int)sim_rng_below(&g.rng, 6);
        a.mem_mi = 64 << sim_rng_below(&g.rng, 4);
        a.sidecar = sim_rng_below(&g.rng, 10) < 3;
        a.port = 8080;
        rc = gen_app(&g, &a);
        made += a.replicas;
        napp++;
        /* The store caches each new object's tree until its gc runs; no
         * borrowed pointer is held between applications, so trim here to
         * keep generation within its memory budget. */
        if (napp % 64 == 0) sim_store_gc(g.st);
    }
    for (long i = 0; i < nns; i++) free(ns_names[i]);
    free(ns_names);
    sim_store_gc(g.st);
done:
    for (long i = 0; i < g.nnodes && g.node_names; i++) {
        free(g.node_names[i]);
        free(g.node_ips[i]);
    }
    free(g.node_names);
    free(g.node_ips);
    free(g.node_pods);
    free(g.node_next_ip);
    for (size_t i = 0; i < g.nshapes; i++) shape_free(g.shapes[i]);
    free(g.shapes);
    ttext_free(&g.t_cm);
    ttext_free(&g.t_secret);
    ttext_free(&g.t_svc);
    ttext_free(&g.t_slice);
    free(g.scratch);
    buf_free(&g.mb);
    buf_free(&g.bb);
    buf_free(&g.pb);
    buf_free(&g.eb);
    /* Generation leaves many freed small blocks behind (the per-object
     * trees of nodes, Deployments, Services…); give the pages back. */
    malloc_trim(0);
    if (rc < 0) return rc;
    ctx->generated_rv_last = sim_store_rv(g.st);
    log_info("cluster generated", "nodes=%ld namespaces=%ld pods=%ld objects=%ld ms=%llu", g.nnodes, nns, pods,
             g.created, (unsigned long long)(clock_mono_ms() - t0));
    return 0;
}
