/* bench_topology.c — the topology engine at cluster scale, in process.
 *
 * Synthesises a realistic large cluster (default 5,000 nodes, 150,000 pods in
 * 150 namespaces: Deployments → ReplicaSets → Pods, Services with
 * EndpointSlices, ConfigMaps, Secrets, ServiceAccounts — about 500,000
 * objects) as JSON text, parses every object with cJSON exactly as a
 * reflector does, and feeds it through store_apply_event with the core
 * relation rules loaded (the C twin of plugins/core-relations.lua). Then it
 * streams changes (pod status flips, crashes, pod replacement, service
 * selector edits, ConfigMap deletes/recreates) and runs the queries the UI
 * makes. Prints one JSON line of figures; bench/topology/run.sh records them.
 *
 *   bench_topology [--nodes N] [--pods N] [--namespaces N] [--events N] [--seed N]
 *
 * References measured in the same run: the time cJSON takes to parse the
 * same JSON (the floor of any ingest path), and the heap a "keep the whole
 * object" cache (an informer holding parsed objects) needs for the same mix.
 */
#include <cjson/cJSON.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "graph/graph.h"
#include "script/script.h"
#include "store/store.h"

/* ---------------------------------------------------------------- options and rng */

static int opt_nodes = 5000, opt_pods = 150000, opt_ns = 150, opt_events = 20000;
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void suffix(char *out, int n)
{
    static const char al[] = "bcdfghjklmnpqrstvwxz2456789";
    for (int i = 0; i < n; i++) out[i] = al[rnd() % (sizeof al - 1)];
    out[n] = '\0';
}

/* ---------------------------------------------------------------- rules (core-relations.lua in C) */

typedef struct rules {
    script_relation_t r[32];
    size_t n;
} rules_t;

static script_relation_t *rule(rules_t *rs, script_rel_rule_t k, const char *type, const char *from,
                               const char *to, const char *paths)
{
    script_relation_t *r = &rs->r[rs->n++];
    memset(r, 0, sizeof *r);
    r->rule = k;
    r->plugin = "core-relations";
    r->file = "plugins/core-relations.lua";
    r->line = (int)rs->n;
    r->type = type;
    r->from = from;
    /* to: comma-separated */
    char *t = xstrdup(to);
    for (char *p = strtok(t, ","); p; p = strtok(NULL, ",")) {
        r->to = xrealloc(r->to, (r->nto + 1) * sizeof *r->to);
        r->to[r->nto++] = xstrdup(p);
    }
    free(t);
    if (paths) {
        char *ps = xstrdup(paths);
        for (char *p = strtok(ps, "|"); p; p = strtok(NULL, "|")) {
            r->paths = xrealloc(r->paths, (r->npaths + 1) * sizeof *r->paths);
            if (script_path_parse(p, &r->paths[r->npaths++], NULL)) abort();
        }
        free(ps);
    }
    return r;
}

#define RBAC ".rbac.authorization.k8s.io"
static void core_rules(rules_t *rs)
{
    rule(rs, SCRIPT_REL_OWNER, "owns", "*", "*", NULL);
    rule(rs, SCRIPT_REL_SELECTOR, "selects", "Service", "Pod", "spec.selector")->selector_form =
        SCRIPT_SEL_MAP;
    rule(rs, SCRIPT_REL_SELECTOR, "selects", "PodDisruptionBudget.policy", "Pod", "spec.selector")
        ->selector_form = SCRIPT_SEL_LABEL_SELECTOR;
    rule(rs, SCRIPT_REL_SELECTOR, "selects", "NetworkPolicy.networking.k8s.io", "Pod", "spec.podSelector")
        ->selector_form = SCRIPT_SEL_LABEL_SELECTOR;
    rule(rs, SCRIPT_REL_REF, "routes", "Ingress.networking.k8s.io", "Service",
         "spec.rules[*].http.paths[*].backend.service.name|spec.defaultBackend.service.name");
    rule(rs, SCRIPT_REL_REF, "routes", "HTTPRoute.gateway.networking.k8s.io", "Service",
         "spec.rules[*].backendRefs[*]");
    rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "ConfigMap",
         "spec.volumes[*].configMap.name|spec.volumes[*].projected.sources[*].configMap.name");
    rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "Secret",
         "spec.volumes[*].secret.secretName|spec.volumes[*].projected.sources[*].secret.name");
    rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "PersistentVolumeClaim",
         "spec.volumes[*].persistentVolumeClaim.claimName");
    rule(rs, SCRIPT_REL_REF, "references", "Pod", "ConfigMap",
         "spec.containers[*].env[*].valueFrom.configMapKeyRef.name|spec.containers[*].envFrom[*]."
         "configMapRef.name|"
         "spec.initContainers[*].env[*].valueFrom.configMapKeyRef.name|spec.initContainers[*].envFrom[*]."
         "configMapRef.name");
    rule(rs, SCRIPT_REL_REF, "references", "Pod", "Secret",
         "spec.containers[*].env[*].valueFrom.secretKeyRef.name|spec.containers[*].envFrom[*].secretRef.name|"
         "spec.initContainers[*].env[*].valueFrom.secretKeyRef.name|spec.initContainers[*].envFrom[*]."
         "secretRef.name|"
         "spec.imagePullSecrets[*].name");
    rule(rs, SCRIPT_REL_REF, "uses", "Pod", "ServiceAccount", "spec.serviceAccountName");
    rule(rs, SCRIPT_REL_REF, "runs-on", "Pod", "Node", "spec.nodeName")->cross_namespace = true;
    rule(rs, SCRIPT_REL_REF, "binds", "PersistentVolumeClaim", "PersistentVolume", "spec.volumeName")
        ->cross_namespace = true;
    rule(rs, SCRIPT_REL_REF, "binds", "PersistentVolumeClaim", "StorageClass.storage.k8s.io",
         "spec.storageClassName")
        ->cross_namespace = true;
    rule(rs, SCRIPT_REL_REF, "binds", "PersistentVolume", "StorageClass.storage.k8s.io",
         "spec.storageClassName")
        ->cross_namespace = true;
    rule(rs, SCRIPT_REL_REF, "grants", "RoleBinding" RBAC, "Role" RBAC ",ClusterRole" RBAC, "roleRef");
    rule(rs, SCRIPT_REL_REF, "grants", "ClusterRoleBinding" RBAC, "ClusterRole" RBAC, "roleRef");
    rule(rs, SCRIPT_REL_REF, "grants", "RoleBinding" RBAC, "ServiceAccount", "subjects[*]");
    rule(rs, SCRIPT_REL_REF, "grants", "ClusterRoleBinding" RBAC, "ServiceAccount", "subjects[*]");
    rule(rs, SCRIPT_REL_REF, "scales", "HorizontalPodAutoscaler.autoscaling",
         "Deployment.apps,StatefulSet.apps,ReplicaSet.apps", "spec.scaleTargetRef");
    rule(rs, SCRIPT_REL_REF, "terminates", "Ingress.networking.k8s.io", "Secret", "spec.tls[*].secretName");
}

/* ---------------------------------------------------------------- object generators */

static const store_kind_t K_NS = {"", "v1", "Namespace", false}, K_NODE = {"", "v1", "Node", false},
                          K_POD = {"", "v1", "Pod", true}, K_DEP = {"apps", "v1", "Deployment", true},
                          K_RS = {"apps", "v1", "ReplicaSet", true}, K_SVC = {"", "v1", "Service", true},
                          K_EPS = {"discovery.k8s.io", "v1", "EndpointSlice", true},
                          K_CM = {"", "v1", "ConfigMap", true}, K_SEC = {"", "v1", "Secret", true},
                          K_SA = {"", "v1", "ServiceAccount", true};

typedef struct world {
    store_t *s;
    graph_t *g;
    uint64_t rv;
    uint64_t uidn;
    buf_t j;
    /* totals */
    size_t objects, json_bytes;
    uint64_t parse_ns, apply_ns;
    bool keep; /* keep parsed trees (reference measurement) */
    cJSON **kept;
    size_t nkept;
    /* event timing: wall and this thread's CPU time (immune to preemption
     * on a loaded machine) */
    uint64_t *ev_ns, *ev_cpu;
    int *ev_class, cur_class;
    size_t nev;
} world_t;

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void feed(world_t *w, int type, const store_kind_t *k)
{
    uint64_t t0 = clock_mono_ns();
    cJSON *o = cJSON_ParseWithLength(w->j.data, w->j.len);
    uint64_t t1 = clock_mono_ns();
    if (!o) {
        fprintf(stderr, "bad generated JSON: %.200s\n", w->j.data);
        exit(1);
    }
    err_t err = {0};
    uint64_t c1 = w->ev_cpu ? cpu_ns() : 0;
    t1 = clock_mono_ns();
    if (!w->keep && store_apply_event(w->s, type, k, o, &err)) {
        fprintf(stderr, "apply: %s\n", err.msg);
        exit(1);
    }
    uint64_t t2 = clock_mono_ns();
    if (w->ev_cpu) w->ev_cpu[w->nev] = cpu_ns() - c1;
    if (w->ev_class) w->ev_class[w->nev] = w->cur_class * 3 + type;
    w->parse_ns += t1 - t0;
    w->apply_ns += t2 - t1;
    if (w->ev_ns) w->ev_ns[w->nev++] = t2 - t1;
    w->json_bytes += w->j.len;
    w->objects++;
    if (w->keep)
        w->kept[w->nkept++] = o;
    else
        cJSON_Delete(o);
}

/* The uid meta() just wrote into the object being generated. */
static void last_uid(world_t *w, char out[40])
{
    const char *p = strstr(w->j.data, "\"uid\":\"");
    snprintf(out, 40, "%.36s", p ? p + 7 : "");
}

static void meta(world_t *w, const char *name, const char *ns, const char *labels, const char *owner_kind,
                 const char *owner_api, const char *owner_name, const char *owner_uid)
{
    /* uid and creation time are the object's own: derived from its kind,
     * namespace and name, so every update of an object repeats them. */
    uint64_t h = 1469598103934665603ull;
    for (const char *c = w->j.data; *c; c++)
        h = (h ^ (uint8_t)*c) * 1099511628211ull; /* {"apiVersion":…,"kind":… */
    for (const char *c = ns ? ns : ""; *c; c++) h = (h ^ (uint8_t)*c) * 1099511628211ull;
    for (const char *c = name; *c; c++) h = (h ^ (uint8_t)*c) * 1099511628211ull;
    char u[40];
    snprintf(u, sizeof u, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xffff,
             (unsigned)h & 0xfff, (unsigned)(h >> 40) & 0xfff,
             (unsigned long long)((h * 0x9E3779B97F4A7C15ull) & 0xffffffffffffull));
    w->uidn++;
    uint32_t t = (uint32_t)(h % 2000000);
    buf_printf(&w->j, "\"metadata\":{\"name\":\"%s\",", name);
    if (ns) buf_printf(&w->j, "\"namespace\":\"%s\",", ns);
    buf_printf(&w->j,
               "\"uid\":\"%s\",\"resourceVersion\":\"%llu\",\"generation\":1,\"creationTimestamp\":"
               "\"2026-11-%02dT%02d:%02d:%02dZ\"",
               u, (unsigned long long)++w->rv, 1 + (int)(t / 86400) % 27, (int)(t / 3600) % 24,
               (int)(t / 60) % 60, (int)t % 60);
    if (labels) buf_printf(&w->j, ",\"labels\":{%s}", labels);
    buf_printf(&w->j, ",\"annotations\":{\"kubilitics.io/generated\":\"bench\",\"deployment.kubernetes.io/"
                      "revision\":\"3\"}");
    if (owner_kind)
        buf_printf(
            &w->j,
            ",\"ownerReferences\":[{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"name\":\"%s\",\"uid\":\"%s\","
            "\"controller\":true,\"blockOwnerDeletion\":true}]",
            owner_api, owner_kind, owner_name, owner_uid);
    buf_puts(&w->j, "}");
}

static void gen_node(world_t *w, int i)
{
    char name[64];
    snprintf(name, sizeof name, "worker-%05d", i);
    buf_reset(&w->j);
    buf_puts(&w->j, "{\"apiVersion\":\"v1\",\"kind\":\"Node\",");
    char labels[512];
    snprintf(labels, sizeof labels,
             "\"kubernetes.io/hostname\":\"%s\",\"node-role.kubernetes.io/"
             "worker\":\"\",\"topology.kubernetes.io/zone\":"
             "\"zone-%c\",\"kubernetes.io/arch\":\"amd64\",\"kubernetes.io/os\":\"linux\"",
             name, 'a' + i % 3);
    meta(w, name, NULL, labels, NULL, NULL, NULL, NULL);
    buf_printf(
        &w->j,
        ",\"spec\":{\"podCIDR\":\"10.%d.%d.0/24\",\"providerID\":\"sim://%s\"},\"status\":{\"capacity\":"
        "{\"cpu\":\"16\",\"memory\":\"64Gi\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"15800m\","
        "\"memory\":\"62Gi\","
        "\"pods\":\"110\"},\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":\"False\"},{\"type\":"
        "\"DiskPressure\",\"status\":\"False\"},{\"type\":\"PIDPressure\",\"status\":\"False\"},{\"type\":"
        "\"Ready\","
        "\"status\":\"True\",\"reason\":\"KubeletReady\"}],\"addresses\":[{\"type\":\"InternalIP\","
        "\"address\":"
        "\"172.16.%d.%d\"},{\"type\":\"Hostname\",\"address\":\"%s\"}],\"nodeInfo\":{\"kubeletVersion\":\"v1."
        "30.2\","
        "\"containerRuntimeVersion\":\"containerd://1.7.13\",\"osImage\":\"Debian GNU/Linux 12\"}}}",
        i / 256, i % 256, name, i / 256, i % 256, name);
    feed(w, STORE_EV_ADDED, &K_NODE);
}

static void gen_pod(world_t *w, const char *ns, const char *app, const char *rs, const char *rs_uid,
                    const char *hash, const char *name, int node, int cm0, int sec0, const char *state)
{
    /* The scheduler's choice and the pod IP are fixed for a pod's life: a
     * status update repeats them (the caller's node only seeds new pods). */
    uint32_t ip = 2166136261u;
    for (const char *c = name; *c; c++) ip = (ip ^ (uint8_t)*c) * 16777619u;
    node = (int)((ip >> 7) % (uint32_t)opt_nodes);
    buf_reset(&w->j);
    buf_puts(&w->j, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",");
    char labels[256];
    snprintf(labels, sizeof labels,
             "\"app\":\"%s\",\"pod-template-hash\":\"%s\",\"tier\":\"backend\",\"team\":\"t%d\"", app, hash,
             (int)(strlen(app) % 7));
    meta(w, name, ns, labels, "ReplicaSet", "apps/v1", rs, rs_uid);
    buf_printf(
        &w->j,
        ",\"spec\":{\"nodeName\":\"worker-%05d\",\"serviceAccountName\":\"default\",\"restartPolicy\":"
        "\"Always\","
        "\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\",\"imagePullSecrets\":[{\"name\":"
        "\"%s-sec-0\"}],"
        "\"volumes\":[{\"name\":\"config\",\"configMap\":{\"name\":\"%s-cm-%d\"}},{\"name\":\"certs\","
        "\"secret\":{"
        "\"secretName\":\"%s-sec-%d\"}},{\"name\":\"cache\",\"emptyDir\":{}},{\"name\":\"kube-api-access\","
        "\"projected\":"
        "{\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":\"token\"}},{"
        "\"configMap\":{\"name\":"
        "\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}}]}}],"
        "\"containers\":[{\"name\":\"app\",\"image\":\"registry.example.com/"
        "%s:1.4.2\",\"ports\":[{\"containerPort\":8080,"
        "\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"LOG_LEVEL\",\"value\":\"info\"},{\"name\":\"DB_URL\","
        "\"valueFrom\":"
        "{\"secretKeyRef\":{\"name\":\"%s-sec-%d\",\"key\":\"url\"}}},{\"name\":\"FEATURES\",\"valueFrom\":{"
        "\"configMapKeyRef\":{\"name\":\"%s-cm-%d\",\"key\":\"features\"}}},{\"name\":\"POD_NAME\","
        "\"valueFrom\":"
        "{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}}],\"envFrom\":[{\"configMapRef\":{\"name\":\"%s-cm-"
        "%d\"}}],"
        "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},\"limits\":{\"memory\":"
        "\"256Mi\"}},"
        "\"volumeMounts\":[{\"name\":\"config\",\"mountPath\":\"/etc/"
        "app\"},{\"name\":\"certs\",\"mountPath\":\"/certs\","
        "\"readOnly\":true},{\"name\":\"cache\",\"mountPath\":\"/"
        "cache\"},{\"name\":\"kube-api-access\",\"mountPath\":"
        "\"/var/run/secrets/kubernetes.io/"
        "serviceaccount\",\"readOnly\":true}],\"readinessProbe\":{\"httpGet\":{\"path\":"
        "\"/ready\",\"port\":8080},\"periodSeconds\":5},\"livenessProbe\":{\"httpGet\":{\"path\":\"/"
        "healthz\",\"port\":"
        "8080},\"periodSeconds\":10}},{\"name\":\"sidecar\",\"image\":\"registry.example.com/"
        "proxy:2.1\",\"ports\":[{"
        "\"containerPort\":15001}],\"resources\":{\"requests\":{\"cpu\":\"10m\",\"memory\":\"32Mi\"}}}],"
        "\"tolerations\":[{\"key\":\"node.kubernetes.io/"
        "not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
        "\"tolerationSeconds\":300}]}",
        node, app, app, cm0, app, sec0, app, app, sec0 + 1, app, cm0 + 1, app, cm0 + 2);
    int crash = strcmp(state, "crash") == 0, notready = strcmp(state, "notready") == 0;
    buf_printf(
        &w->j,
        ",\"status\":{\"phase\":\"Running\",\"hostIP\":\"172.16.%d.%d\",\"podIP\":\"10.%d.%d.%d\","
        "\"startTime\":"
        "\"2026-11-20T10:00:00Z\",\"qosClass\":\"Burstable\",\"conditions\":[{\"type\":\"Initialized\","
        "\"status\":\"True\"},"
        "{\"type\":\"Ready\",\"status\":\"%s\"},{\"type\":\"ContainersReady\",\"status\":\"%s\"},{\"type\":"
        "\"PodScheduled\",\"status\":\"True\"}],\"containerStatuses\":[{\"name\":\"app\",\"ready\":%s,"
        "\"restartCount\":%d,"
        "\"image\":\"registry.example.com/"
        "%s:1.4.2\",\"imageID\":\"sha256:4f1c\",\"containerID\":\"containerd://%s\","
        "\"started\":true,\"state\":%s},{\"name\":\"sidecar\",\"ready\":true,\"restartCount\":0,\"image\":"
        "\"registry.example.com/"
        "proxy:2.1\",\"imageID\":\"sha256:77ab\",\"started\":true,\"state\":{\"running\":{"
        "\"startedAt\":\"2026-11-20T10:00:03Z\"}}}]}}",
        node / 256, node % 256, (int)(ip >> 16 & 0xff), (int)(ip >> 8 & 0xff), (int)(ip & 0xff),
        crash || notready ? "False" : "True", crash || notready ? "False" : "True",
        crash || notready ? "false" : "true", crash ? 17 : 0, app, name,
        crash ? "{\"waiting\":{\"reason\":\"CrashLoopBackOff\",\"message\":\"back-off 5m0s restarting failed "
                "container\"}}"
              : "{\"running\":{\"startedAt\":\"2026-11-20T10:00:02Z\"}}");
    feed(w, STORE_EV_MODIFIED, &K_POD);
}

typedef struct dep {
    char ns[32], app[48], rs[80], rs_uid[40], hash[16];
    int pods;
    char (*pod)[96];
} dep_t;

static void gen_simple(world_t *w, const store_kind_t *k, const char *kind, const char *name, const char *ns,
                       const char *labels, const char *body)
{
    buf_reset(&w->j);
    buf_printf(&w->j, "{\"apiVersion\":\"%s%s%s\",\"kind\":\"%s\",", k->group, *k->group ? "/" : "",
               k->version, kind);
    meta(w, name, ns, labels, NULL, NULL, NULL, NULL);
    if (body) buf_printf(&w->j, ",%s", body);
    buf_puts(&w->j, "}");
    feed(w, STORE_EV_ADDED, k);
}

#define CM_PER_DEP 7
#define SEC_PER_DEP 7
#define RS_PER_DEP 4
#define EPS_PER_SVC 2

static dep_t *deps;
static int ndeps;

static void gen_world(world_t *w)
{
    int per_ns = opt_pods / opt_ns, dep_size = 10;
    int deps_per_ns = (per_ns + dep_size - 1) / dep_size;
    deps = xcalloc((size_t)(deps_per_ns * opt_ns), sizeof *deps);
    for (int i = 0; i < opt_nodes; i++) gen_node(w, i);
    int podn = 0;
    for (int n = 0; n < opt_ns; n++) {
        char ns[32];
        snprintf(ns, sizeof ns, "team-%03d", n);
        gen_simple(w, &K_NS, "Namespace", ns, NULL, "\"kubernetes.io/metadata.name\":\"x\"",
                   "\"status\":{\"phase\":\"Active\"}");
        gen_simple(w, &K_SA, "ServiceAccount", "default", ns, NULL, NULL);
        gen_simple(w, &K_CM, "ConfigMap", "kube-root-ca.crt", ns, NULL,
                   "\"data\":{\"ca.crt\":\"-----BEGIN CERTIFICATE-----\"}");
        for (int d = 0; d < deps_per_ns && podn < opt_pods; d++) {
            dep_t *dp = &deps[ndeps++];
            snprintf(dp->ns, sizeof dp->ns, "%s", ns);
            snprintf(dp->app, sizeof dp->app, "svc-%03d-%02d", n, d);
            char labels[128], dep_uid[40];
            snprintf(labels, sizeof labels, "\"app\":\"%s\",\"app.kubernetes.io/part-of\":\"shop-%d\"",
                     dp->app, d % 5);
            /* Deployment */
            buf_reset(&w->j);
            buf_puts(&w->j, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",");
            meta(w, dp->app, ns, labels, NULL, NULL, NULL, NULL);
            last_uid(w, dep_uid);
            buf_printf(
                &w->j,
                ",\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},\"template\":{"
                "\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":[{\"name\":\"app\","
                "\"image\":"
                "\"registry.example.com/%s:1.4.2\"}]}}},\"status\":{\"replicas\":%d,\"readyReplicas\":%d,"
                "\"availableReplicas\":%d,\"updatedReplicas\":%d,\"conditions\":[{\"type\":\"Available\","
                "\"status\":"
                "\"True\"},{\"type\":\"Progressing\",\"status\":\"True\"}]}}",
                dep_size, dp->app, dp->app, dp->app, dep_size, dep_size, dep_size, dep_size);
            feed(w, STORE_EV_ADDED, &K_DEP);
            /* ReplicaSets: the current one and older revisions scaled to 0 */
            for (int r = 0; r < RS_PER_DEP; r++) {
                char hash[16], rsname[80], rsuid[40];
                suffix(hash, 10);
                snprintf(rsname, sizeof rsname, "%s-%s", dp->app, hash);
                buf_reset(&w->j);
                buf_puts(&w->j, "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",");
                char rl[160];
                snprintf(rl, sizeof rl, "\"app\":\"%s\",\"pod-template-hash\":\"%s\"", dp->app, hash);
                meta(w, rsname, ns, rl, "Deployment", "apps/v1", dp->app, dep_uid);
                last_uid(w, rsuid);
                int reps = r == RS_PER_DEP - 1 ? dep_size : 0;
                buf_printf(
                    &w->j,
                    ",\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\",\"pod-template-"
                    "hash\":"
                    "\"%s\"}}},\"status\":{\"replicas\":%d,\"readyReplicas\":%d,\"availableReplicas\":%d}}",
                    reps, dp->app, hash, reps, reps, reps);
                feed(w, STORE_EV_ADDED, &K_RS);
                if (reps) {
                    snprintf(dp->rs, sizeof dp->rs, "%s", rsname);
                    snprintf(dp->rs_uid, sizeof dp->rs_uid, "%s", rsuid);
                    snprintf(dp->hash, sizeof dp->hash, "%s", hash);
                }
            }
            for (int c = 0; c < CM_PER_DEP; c++) {
                char nm[80];
                snprintf(nm, sizeof nm, "%s-cm-%d", dp->app, c);
                gen_simple(w, &K_CM, "ConfigMap", nm, ns, labels,
                           "\"data\":{\"features\":\"a,b,c\",\"app.yaml\":\"server:\\n  port: 8080\\n  "
                           "threads: 8\\n\"}");
                snprintf(nm, sizeof nm, "%s-sec-%d", dp->app, c);
                gen_simple(w, &K_SEC, "Secret", nm, ns, labels,
                           "\"type\":\"Opaque\",\"data\":{\"url\":\"cG9zdGdyZXM6Ly9kYg==\",\"password\":"
                           "\"aHVudGVyMg==\"}");
            }
            /* Service + EndpointSlices owned by it */
            char svc_uid[40];
            buf_reset(&w->j);
            buf_puts(&w->j, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",");
            meta(w, dp->app, ns, labels, NULL, NULL, NULL, NULL);
            last_uid(w, svc_uid);
            buf_printf(
                &w->j,
                ",\"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"10.96.%d.%d\",\"selector\":{\"app\":\"%"
                "s\"},"
                "\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080,\"protocol\":\"TCP\"}]}}",
                (int)(rnd() % 250), (int)(rnd() % 250), dp->app);
            feed(w, STORE_EV_ADDED, &K_SVC);
            for (int e = 0; e < EPS_PER_SVC; e++) {
                char nm[80], sfx[8], el[200];
                suffix(sfx, 5);
                snprintf(nm, sizeof nm, "%s-%s", dp->app, sfx);
                snprintf(el, sizeof el,
                         "\"kubernetes.io/service-name\":\"%s\",\"endpointslice.kubernetes.io/managed-by\":"
                         "\"endpointslice-controller.k8s.io\"",
                         dp->app);
                buf_reset(&w->j);
                buf_puts(&w->j, "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",");
                meta(w, nm, ns, el, "Service", "v1", dp->app, svc_uid);
                buf_puts(&w->j, ",\"addressType\":\"IPv4\",\"endpoints\":[");
                for (int k = 0; k < dep_size / EPS_PER_SVC; k++)
                    buf_printf(&w->j, "%s{\"addresses\":[\"10.1.%d.%d\"],\"conditions\":{\"ready\":true}}",
                               k ? "," : "", e, k);
                buf_puts(&w->j, "],\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]}");
                feed(w, STORE_EV_ADDED, &K_EPS);
            }
            dp->pod = xcalloc((size_t)dep_size, sizeof *dp->pod);
            for (int p = 0; p < dep_size && podn < opt_pods; p++, podn++) {
                char sfx[8];
                suffix(sfx, 5);
                snprintf(dp->pod[p], sizeof dp->pod[p], "%s-%s", dp->rs, sfx);
                gen_pod(w, ns, dp->app, dp->rs, dp->rs_uid, dp->hash, dp->pod[p],
                        (int)(rnd() % (uint64_t)opt_nodes), 0, 0, "running");
                dp->pods++;
            }
        }
    }
}

/* ---------------------------------------------------------------- measurement helpers */

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return (size_t)res * 4096;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i];
}

/* CPU time of the last timed_export: what the query costs, without the time
 * other processes of a loaded machine took the CPU away. */
static uint64_t last_cpu_ns;

static uint64_t timed_export(graph_t *g, const graph_query_t *q, size_t *bytes, size_t *nodes)
{
    buf_t b = {0};
    err_t err = {0};
    uint64_t c0 = cpu_ns();
    uint64_t t0 = clock_mono_ns();
    graph_result_t *r = graph_query_run(g, q, &err);
    if (!r) {
        fprintf(stderr, "query: %s\n", err.msg);
        exit(1);
    }
    graph_result_json(r, &b);
    uint64_t t1 = clock_mono_ns();
    last_cpu_ns = cpu_ns() - c0;
    if (bytes) *bytes = b.len;
    if (nodes) *nodes = graph_result_node_count(r);
    graph_result_free(r);
    buf_free(&b);
    return t1 - t0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--nodes"))
            opt_nodes = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--pods"))
            opt_pods = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--namespaces"))
            opt_ns = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--events"))
            opt_events = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            rng_state = strtoull(argv[i + 1], NULL, 10) | 1;
        else {
            fprintf(stderr, "usage: %s [--nodes N] [--pods N] [--namespaces N] [--events N] [--seed N]\n",
                    argv[0]);
            return 2;
        }
    }
    uint64_t seed = rng_state;
    /* Reference: the heap a keep-the-whole-object cache needs, on a sample
     * of the same mix (all objects of the first namespaces). */
    world_t ref = {0};
    {
        int saved_pods = opt_pods, saved_ns = opt_ns, saved_nodes = opt_nodes;
        opt_ns = 3;
        opt_pods = 3 * (saved_pods / saved_ns);
        opt_nodes = 100;
        ref.keep = true;
        ref.kept = xmalloc(200000 * sizeof *ref.kept);
        size_t h0 = heap_in_use();
        gen_world(&ref);
        size_t h1 = heap_in_use();
        ref.s = NULL;
        double per_obj = (double)(h1 - h0) / (double)ref.nkept;
        double per_json = (double)ref.json_bytes / (double)ref.objects;
        for (size_t i = 0; i < ref.nkept; i++) cJSON_Delete(ref.kept[i]);
        free(ref.kept);
        for (int d = 0; d < ndeps; d++) free(deps[d].pod);
        free(deps);
        deps = NULL;
        ndeps = 0;
        buf_free(&ref.j);
        opt_pods = saved_pods, opt_ns = saved_ns, opt_nodes = saved_nodes;
        ref.parse_ns = (uint64_t)per_obj; /* stash */
        ref.apply_ns = (uint64_t)per_json;
    }
    rng_state = seed;
    malloc_trim(0);

    world_t w = {0};
    size_t heap0 = heap_in_use(), rss0 = rss_bytes();
    w.s = store_new("bench");
    w.g = graph_new(w.s);
    rules_t rules = {0};
    core_rules(&rules);
    err_t err = {0};
    if (graph_set_rules(w.g, rules.r, rules.n, &err)) {
        fprintf(stderr, "rules: %s\n", err.msg);
        return 1;
    }
    uint64_t t_build0 = clock_mono_ns();
    gen_world(&w);
    uint64_t t_build1 = clock_mono_ns();
    uint64_t build_apply_ns = w.apply_ns;
    buf_free(&w.j);
    malloc_trim(0);
    size_t heap1 = heap_in_use(), rss1 = rss_bytes();
    store_stats_t ss;
    graph_stats_t gs;
    store_get_stats(w.s, &ss);
    graph_get_stats(w.g, &gs);

    /* ---- churn: per-event apply time ---- */
    w.ev_ns = xmalloc((size_t)opt_events * 2 * sizeof *w.ev_ns);
    w.ev_cpu = xmalloc((size_t)opt_events * 2 * sizeof *w.ev_cpu);
    w.ev_class = xmalloc((size_t)opt_events * 2 * sizeof *w.ev_class);
    uint64_t cpu_overhead;
    {
        uint64_t tt[1000];
        for (int i = 0; i < 1000; i++) {
            uint64_t a = cpu_ns();
            tt[i] = cpu_ns() - a;
        }
        cpu_overhead = (uint64_t)pct(tt, 1000, 0.5);
    }
    w.nev = 0;
    uint64_t parse_before = w.parse_ns;
    size_t objects_before = w.objects;
    for (int e = 0; e < opt_events; e++) {
        dep_t *dp = &deps[rnd() % (uint64_t)ndeps];
        int kind = (int)(rnd() % 100);
        int p = (int)(rnd() % (uint64_t)dp->pods);
        w.cur_class = kind < 70 ? 0 : kind < 90 ? 1 : kind < 95 ? 2 : 3;
        if (kind < 70) {
            /* status churn: readiness flips, crashes, recoveries */
            const char *st = kind < 40 ? "notready" : kind < 55 ? "crash" : "running";
            gen_pod(&w, dp->ns, dp->app, dp->rs, dp->rs_uid, dp->hash, dp->pod[p],
                    (int)(rnd() % (uint64_t)opt_nodes), 0, 0, st);
        } else if (kind < 90) {
            /* pod replaced: deleted, a new one created (another node) */
            buf_reset(&w.j);
            buf_printf(&w.j,
                       "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"resourceVersion\":\"%llu\"}}",
                       dp->pod[p], dp->ns, (unsigned long long)++w.rv);
            feed(&w, STORE_EV_DELETED, &K_POD);
            char sfx[8];
            suffix(sfx, 5);
            snprintf(dp->pod[p], sizeof dp->pod[p], "%s-%s", dp->rs, sfx);
            gen_pod(&w, dp->ns, dp->app, dp->rs, dp->rs_uid, dp->hash, dp->pod[p],
                    (int)(rnd() % (uint64_t)opt_nodes), 0, 0, "running");
        } else if (kind < 95) {
            /* service selector edited back and forth */
            char labels[128];
            snprintf(labels, sizeof labels, "\"app\":\"%s\"", dp->app);
            buf_reset(&w.j);
            buf_puts(&w.j, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",");
            meta(&w, dp->app, dp->ns, labels, NULL, NULL, NULL, NULL);
            buf_printf(&w.j,
                       ",\"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"10.96.1.1\",\"selector\":{\"app\":"
                       "\"%s\"%s},"
                       "\"ports\":[{\"port\":80}]}}",
                       dp->app, kind % 2 ? ",\"tier\":\"backend\"" : "");
            feed(&w, STORE_EV_MODIFIED, &K_SVC);
        } else {
            /* a mounted ConfigMap deleted and recreated: missing, then resolved */
            char nm[80];
            snprintf(nm, sizeof nm, "%s-cm-0", dp->app);
            buf_reset(&w.j);
            buf_printf(&w.j, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"}}", nm, dp->ns);
            feed(&w, STORE_EV_DELETED, &K_CM);
            gen_simple(&w, &K_CM, "ConfigMap", nm, dp->ns, NULL, "\"data\":{\"features\":\"a\"}");
        }
    }
    size_t nev = w.nev;
    uint64_t *ev_ns = w.ev_ns;
    w.ev_ns = NULL; /* later feeds are not churn events */
    double ev_parse_us = (double)(w.parse_ns - parse_before) / 1e3 / (double)(w.objects - objects_before);
    uint64_t ev_total = 0;
    for (size_t i = 0; i < nev; i++) ev_total += ev_ns[i];
    double ev_p50 = pct(ev_ns, nev, 0.50) / 1e3, ev_p99 = pct(ev_ns, nev, 0.99) / 1e3,
           ev_max = pct(ev_ns, nev, 1.0) / 1e3;
    free(ev_ns);
    for (size_t i = 0; i < nev; i++)
        w.ev_cpu[i] = w.ev_cpu[i] > cpu_overhead ? w.ev_cpu[i] - cpu_overhead : 0;
    {
        /* per event class, on stderr (status / replace / service / configmap × ADDED, MODIFIED, DELETED) */
        static const char *const cls[] = {"pod-status", "pod-replace", "svc-selector", "cm-recreate"};
        uint64_t *tmp = xmalloc(nev * sizeof *tmp);
        for (int c = 0; c < 12; c++) {
            size_t k = 0;
            for (size_t i = 0; i < nev; i++)
                if (w.ev_class[i] == c) tmp[k++] = w.ev_cpu[i];
            if (k)
                fprintf(stderr, "%s/%s: n=%zu cpu p50 %.1f us p99 %.1f us\n", cls[c / 3],
                        c % 3 == 0   ? "ADDED"
                        : c % 3 == 1 ? "MODIFIED"
                                     : "DELETED",
                        k, pct(tmp, k, 0.5) / 1e3, pct(tmp, k, 0.99) / 1e3);
        }
        free(tmp);
        free(w.ev_class);
        w.ev_class = NULL;
    }
    double evc_p50 = pct(w.ev_cpu, nev, 0.50) / 1e3, evc_p99 = pct(w.ev_cpu, nev, 0.99) / 1e3;
    free(w.ev_cpu);
    w.ev_cpu = NULL;

    /* ---- queries ---- */
    graph_query_t q = {0};
    size_t bytes = 0, nn = 0;
    /* namespace query, first (cold: layout computed) then warm (cached) */
    const char *nsname[] = {deps[ndeps / 2].ns};
    q.namespaces = nsname;
    q.nnamespaces = 1;
    q.limit = 1000000;
    uint64_t ns_cold = timed_export(w.g, &q, &bytes, &nn);
    size_t ns_nodes = nn, ns_bytes = bytes;
    uint64_t ns_t[60], ns_c[60];
    for (int i = 0; i < 60; i++) {
        ns_t[i] = timed_export(w.g, &q, NULL, NULL);
        ns_c[i] = last_cpu_ns;
    }
    double ns_p50 = pct(ns_t, 60, 0.5) / 1e6, ns_p99 = pct(ns_t, 60, 0.99) / 1e6,
           ns_cpu_p99 = pct(ns_c, 60, 0.99) / 1e6;
    /* namespace query right after a pod in it was replaced (layout redone) */
    uint64_t ns_dirty_t[30];
    for (int i = 0; i < 30; i++) {
        dep_t *dp = &deps[ndeps / 2];
        gen_pod(&w, dp->ns, dp->app, dp->rs, dp->rs_uid, dp->hash, dp->pod[i % dp->pods], i, 0, 0,
                i % 2 ? "crash" : "running");
        buf_reset(&w.j);
        buf_printf(&w.j, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"}}", dp->pod[0], dp->ns);
        char sfx[8];
        suffix(sfx, 5);
        feed(&w, STORE_EV_DELETED, &K_POD);
        snprintf(dp->pod[0], sizeof dp->pod[0], "%s-%s", dp->rs, sfx);
        gen_pod(&w, dp->ns, dp->app, dp->rs, dp->rs_uid, dp->hash, dp->pod[0], i, 0, 0, "running");
        ns_dirty_t[i] = timed_export(w.g, &q, NULL, NULL);
    }
    double ns_dirty_p50 = pct(ns_dirty_t, 30, 0.5) / 1e6, ns_dirty_p99 = pct(ns_dirty_t, 30, 0.99) / 1e6;
    /* focus + 2 hops on random pods */
    enum { NF = 400 };
    uint64_t *ft = xmalloc(NF * sizeof *ft), *fc = xmalloc(NF * sizeof *fc);
    size_t fnodes = 0;
    for (int i = 0; i < NF; i++) {
        dep_t *dp = &deps[rnd() % (uint64_t)ndeps];
        char id[200];
        snprintf(id, sizeof id, "Pod/%s/%s", dp->ns, dp->pod[rnd() % (uint64_t)dp->pods]);
        graph_query_t fq = {.focus = id, .depth = 2, .limit = 1000000};
        ft[i] = timed_export(w.g, &fq, NULL, &nn);
        fc[i] = last_cpu_ns;
        fnodes += nn;
    }
    double f_p50 = pct(ft, NF, 0.5) / 1e6, f_p99 = pct(ft, NF, 0.99) / 1e6,
           f_cpu_p99 = pct(fc, NF, 0.99) / 1e6;
    free(ft);
    free(fc);
    /* focus + 2 on a Deployment (narrower: its ReplicaSets and pods) */
    uint64_t fd[NF];
    for (int i = 0; i < NF; i++) {
        dep_t *dp = &deps[rnd() % (uint64_t)ndeps];
        char id[200];
        snprintf(id, sizeof id, "Deployment.apps/%s/%s", dp->ns, dp->app);
        graph_query_t fq = {.focus = id, .depth = 2, .limit = 1000000};
        fd[i] = timed_export(w.g, &fq, NULL, NULL);
    }
    double fd_p99 = pct(fd, NF, 0.99) / 1e6;
    /* whole cluster with layout: cold (every namespace laid out) and warm */
    graph_query_t all = {.limit = 2000000};
    malloc_trim(0);
    size_t all_bytes = 0, all_nodes = 0;
    uint64_t all_cold = timed_export(w.g, &all, &all_bytes, &all_nodes);
    uint64_t all_cold_cpu = last_cpu_ns;
    uint64_t all_warm = timed_export(w.g, &all, NULL, NULL);
    /* whole cluster after churn in 20 namespaces */
    for (int i = 0; i < 20; i++) {
        dep_t *dp = &deps[rnd() % (uint64_t)ndeps];
        buf_reset(&w.j);
        buf_printf(&w.j, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"}}", dp->pod[0], dp->ns);
        feed(&w, STORE_EV_DELETED, &K_POD);
        char sfx[8];
        suffix(sfx, 5);
        snprintf(dp->pod[0], sizeof dp->pod[0], "%s-%s", dp->rs, sfx);
        gen_pod(&w, dp->ns, dp->app, dp->rs, dp->rs_uid, dp->hash, dp->pod[0], i, 0, 0, "running");
    }
    uint64_t all_churned = timed_export(w.g, &all, NULL, NULL);
    /* reload: recompute every edge from the store */
    uint64_t t_re0 = clock_mono_ns();
    graph_set_rules(w.g, rules.r, rules.n, &err);
    uint64_t t_re1 = clock_mono_ns();
    graph_stats_t gs2;
    graph_get_stats(w.g, &gs2);

    struct utsname un;
    uname(&un);
    char cpu[300] = "?";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[256];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                snprintf(cpu, sizeof cpu, "%s", c ? c + 2 : line);
                cpu[strcspn(cpu, "\n")] = '\0';
                break;
            }
        fclose(ci);
    }
    size_t objs = ss.objects;
    char loadavg[64] = "";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(loadavg, sizeof loadavg, la)) loadavg[0] = '\0';
        fclose(la);
        loadavg[strcspn(loadavg, "\n")] = '\0';
        char *sp = strchr(loadavg, ' ');
        for (int k = 0; sp && k < 2; k++) sp = strchr(sp + 1, ' ');
        if (sp) *sp = '\0';
    }
    printf("{\"machine\":\"%s %s, %ld x %s\",\"objects\":%zu,\"pods\":%d,\"nodes\":%d,\"namespaces\":%d,"
           "\"edges\":%zu,\"missing\":%zu,\"jsonBytes\":%zu,"
           "\"heapBytesPerObject\":%.0f,\"rssBytesPerObject\":%.0f,\"storeBytesPerObject\":%.0f,"
           "\"graphBytesPerObject\":%.0f,"
           "\"stringBytes\":%zu,\"refKeepJsonTreeBytesPerObject\":%.0f,\"refJsonBytesPerObject\":%.0f,"
           "\"buildMs\":%.0f,\"buildApplyMs\":%.0f,\"buildParseMs\":%.0f,"
           "\"events\":%zu,\"eventCpuP50Us\":%.2f,\"eventCpuP99Us\":%.2f,\"eventP50Us\":%.2f,\"eventP99Us\":%"
           ".2f,\"eventMaxUs\":%.0f,\"eventMeanUs\":%.2f,\"eventParseMeanUs\":%.2f,"
           "\"nsQueryNodes\":%zu,\"nsQueryBytes\":%zu,\"nsQueryColdMs\":%.2f,\"nsQueryP50Ms\":%.2f,"
           "\"nsQueryP99Ms\":%.2f,"
           "\"nsQueryCpuP99Ms\":%.2f,\"focusPodCpuP99Ms\":%.3f,\"wholeColdCpuMs\":%.0f,"
           "\"nsQueryAfterChangeP50Ms\":%.2f,\"nsQueryAfterChangeP99Ms\":%.2f,"
           "\"focusPodNodesMean\":%.0f,\"focusPodP50Ms\":%.3f,\"focusPodP99Ms\":%.3f,"
           "\"focusDeploymentP99Ms\":%.3f,"
           "\"wholeNodes\":%zu,\"wholeBytes\":%zu,\"wholeColdMs\":%.0f,\"wholeWarmMs\":%.0f,"
           "\"wholeAfterChurnMs\":%.0f,"
           "\"reloadRecomputeMs\":%.0f,\"edgesAfterReload\":%zu,\"loadavg\":\"%s\"}\n",
           un.sysname, un.release, sysconf(_SC_NPROCESSORS_ONLN), cpu, objs, opt_pods, opt_nodes, opt_ns,
           gs.edges, gs.missing, w.json_bytes, (double)(heap1 - heap0) / (double)objs,
           (double)(rss1 - rss0) / (double)objs,
           (double)(ss.bytes_objects + ss.bytes_strings + ss.bytes_indexes) / (double)objs,
           (double)gs.bytes / (double)objs, ss.bytes_strings, (double)ref.parse_ns, (double)ref.apply_ns,
           (double)(t_build1 - t_build0) / 1e6, (double)build_apply_ns / 1e6, (double)parse_before / 1e6, nev,
           evc_p50, evc_p99, ev_p50, ev_p99, ev_max, (double)ev_total / 1e3 / (double)nev, ev_parse_us,
           ns_nodes, ns_bytes, (double)ns_cold / 1e6, ns_p50, ns_p99, ns_cpu_p99, f_cpu_p99,
           (double)all_cold_cpu / 1e6, ns_dirty_p50, ns_dirty_p99, (double)fnodes / NF, f_p50, f_p99, fd_p99,
           all_nodes, all_bytes, (double)all_cold / 1e6, (double)all_warm / 1e6, (double)all_churned / 1e6,
           (double)(t_re1 - t_re0) / 1e6, gs2.edges, loadavg);
    return 0;
}
