/* test_graph.c — the topology engine: every rule kind, the incremental
 * paths (add/change/delete of owners, selectors, labels, volumes, nodes),
 * missing → resolved, relists, reload, determinism, limits, status
 * propagation, deltas, queries and exports.
 *
 * Rules are built in C as script_relation_t values, the way the script host
 * hands them over; core_rules() mirrors plugins/core-relations.lua. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/mem.h"
#include "graph/graph.h"
#include "script/script.h"
#include "store/store.h"
#include "test.h"

#include "graph_rules.h"

#define RBAC ".rbac.authorization.k8s.io"
static void core_rules(rules_t *rs)
{
    add_rule(rs, SCRIPT_REL_OWNER, "owns", "*", "*", NULL);
    add_rule(rs, SCRIPT_REL_SELECTOR, "selects", "Service", "Pod", "spec.selector")->selector_form =
        SCRIPT_SEL_MAP;
    add_rule(rs, SCRIPT_REL_SELECTOR, "selects", "PodDisruptionBudget.policy", "Pod", "spec.selector")
        ->selector_form = SCRIPT_SEL_LABEL_SELECTOR;
    add_rule(rs, SCRIPT_REL_SELECTOR, "selects", "NetworkPolicy.networking.k8s.io", "Pod", "spec.podSelector")
        ->selector_form = SCRIPT_SEL_LABEL_SELECTOR;
    add_rule(rs, SCRIPT_REL_REF, "routes", "Ingress.networking.k8s.io", "Service",
             "spec.rules[*].http.paths[*].backend.service.name|spec.defaultBackend.service.name");
    add_rule(rs, SCRIPT_REL_REF, "routes", "HTTPRoute.gateway.networking.k8s.io", "Service",
             "spec.rules[*].backendRefs[*]");
    add_rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "ConfigMap",
             "spec.volumes[*].configMap.name|spec.volumes[*].projected.sources[*].configMap.name");
    add_rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "Secret",
             "spec.volumes[*].secret.secretName|spec.volumes[*].projected.sources[*].secret.name");
    add_rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "PersistentVolumeClaim",
             "spec.volumes[*].persistentVolumeClaim.claimName");
    add_rule(rs, SCRIPT_REL_REF, "references", "Pod", "ConfigMap",
             "spec.containers[*].env[*].valueFrom.configMapKeyRef.name|spec.containers[*].envFrom[*]."
             "configMapRef.name");
    add_rule(
        rs, SCRIPT_REL_REF, "references", "Pod", "Secret",
        "spec.containers[*].env[*].valueFrom.secretKeyRef.name|spec.containers[*].envFrom[*].secretRef.name|"
        "spec.imagePullSecrets[*].name");
    add_rule(rs, SCRIPT_REL_REF, "uses", "Pod", "ServiceAccount", "spec.serviceAccountName");
    add_rule(rs, SCRIPT_REL_REF, "runs-on", "Pod", "Node", "spec.nodeName")->cross_namespace = true;
    add_rule(rs, SCRIPT_REL_REF, "binds", "PersistentVolumeClaim", "PersistentVolume", "spec.volumeName")
        ->cross_namespace = true;
    add_rule(rs, SCRIPT_REL_REF, "binds", "PersistentVolumeClaim", "StorageClass.storage.k8s.io",
             "spec.storageClassName")
        ->cross_namespace = true;
    add_rule(rs, SCRIPT_REL_REF, "binds", "PersistentVolume", "StorageClass.storage.k8s.io",
             "spec.storageClassName")
        ->cross_namespace = true;
    add_rule(rs, SCRIPT_REL_REF, "grants", "RoleBinding" RBAC, "Role" RBAC ",ClusterRole" RBAC, "roleRef");
    add_rule(rs, SCRIPT_REL_REF, "grants", "ClusterRoleBinding" RBAC, "ClusterRole" RBAC, "roleRef");
    add_rule(rs, SCRIPT_REL_REF, "grants", "RoleBinding" RBAC, "ServiceAccount", "subjects[*]");
    add_rule(rs, SCRIPT_REL_REF, "grants", "ClusterRoleBinding" RBAC, "ServiceAccount", "subjects[*]");
    add_rule(rs, SCRIPT_REL_REF, "scales", "HorizontalPodAutoscaler.autoscaling",
             "Deployment.apps,StatefulSet.apps,ReplicaSet.apps", "spec.scaleTargetRef");
    add_rule(rs, SCRIPT_REL_REF, "terminates", "Ingress.networking.k8s.io", "Secret",
             "spec.tls[*].secretName");
}

/* ---------------------------------------------------------------- fixtures */

typedef struct fx {
    store_t *s;
    graph_t *g;
    rules_t rules;
} fx_t;

static void fx_init(fx_t *f)
{
    memset(f, 0, sizeof *f);
    f->s = store_new("c1");
    f->g = graph_new(f->s);
    core_rules(&f->rules);
    err_t err = {0};
    if (graph_set_rules(f->g, f->rules.r, f->rules.n, &err)) TEST_FAIL_("rules: %s", err.msg);
}

static void fx_free(fx_t *f)
{
    err_t err = {0};
    if (graph_check(f->g, &err)) TEST_FAIL_("graph invariants: %s", err.msg);
    graph_free(f->g);
    store_free(f->s);
    rules_free(&f->rules);
}

static store_kind_t kind_of(const char *id)
{
    static char buf[128];
    const char *slash = strchr(id, '/');
    snprintf(buf, sizeof buf, "%.*s", (int)(slash - id), id);
    char *dot = strchr(buf, '.');
    store_kind_t k = {"", "v1", buf, slash[1] != '/'};
    if (dot) {
        *dot = '\0';
        k.group = dot + 1;
    }
    return k;
}

/* put(f, "Pod/shop/web-1", "{...rest of object without metadata name/namespace...}", "labels json or NULL")
 */
static void ev(fx_t *f, int type, const char *id, const char *meta_extra, const char *body)
{
    store_kind_t k = kind_of(id);
    const char *a = strchr(id, '/'), *b = strchr(a + 1, '/');
    buf_t j = {0};
    buf_printf(&j, "{\"metadata\":{\"name\":\"%s\"", b + 1);
    if (b > a + 1) buf_printf(&j, ",\"namespace\":\"%.*s\"", (int)(b - a - 1), a + 1);
    if (meta_extra && *meta_extra) buf_printf(&j, ",%s", meta_extra);
    buf_puts(&j, "}");
    if (body && *body) buf_printf(&j, ",%s", body);
    buf_puts(&j, "}");
    cJSON *o = cJSON_Parse(j.data);
    if (!o) TEST_FAIL_("bad fixture: %s", j.data);
    err_t err = {0};
    if (store_apply_event(f->s, type, &k, o, &err)) TEST_FAIL_("apply %s: %s", id, err.msg);
    cJSON_Delete(o);
    buf_free(&j);
}

static void put(fx_t *f, const char *id, const char *meta_extra, const char *body)
{
    ev(f, STORE_EV_ADDED, id, meta_extra, body);
}
static void mod(fx_t *f, const char *id, const char *meta_extra, const char *body)
{
    ev(f, STORE_EV_MODIFIED, id, meta_extra, body);
}
static void del(fx_t *f, const char *id)
{
    ev(f, STORE_EV_DELETED, id, NULL, NULL);
}

static char *query_json(fx_t *f, const graph_query_t *q);

static bool has(fx_t *f, const char *src, const char *type, const char *dst)
{
    return graph_has_edge(f->g, src, dst, type);
}

#define EDGE(f, a, t, b)                                                                                     \
    do {                                                                                                     \
        if (!has(f, a, t, b)) TEST_FAIL_("expected edge %s -%s-> %s", a, t, b);                              \
    } while (0)
#define NO_EDGE(f, a, t, b)                                                                                  \
    do {                                                                                                     \
        if (has(f, a, t, b)) TEST_FAIL_("unexpected edge %s -%s-> %s", a, t, b);                             \
    } while (0)

static store_oid_t oid(fx_t *f, const char *id)
{
    return store_find(f->s, id, strlen(id));
}

static const char *missing(fx_t *f, const char *id, buf_t *b)
{
    buf_reset(b);
    graph_node_missing_json(f->g, oid(f, id), b);
    return b->data;
}

static const char *status(fx_t *f, const char *id)
{
    return store_status_name(graph_node_status(f->g, oid(f, id)));
}

#define OWNER(kind, name, uid)                                                                               \
    "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"" kind "\",\"name\":\"" name                \
    "\",\"uid\":\"" uid "\",\"controller\":true}]"
#define RUNNING_STATUS                                                                                       \
    "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"ready\":true,\"state\":{\"running\":{}}}]}"
#define RUNNING "\"spec\":{\"containers\":[{}]}," RUNNING_STATUS
#define CRASHING                                                                                             \
    "\"spec\":{\"containers\":[{}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"ready\":"    \
    "false,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}"

/* ---------------------------------------------------------------- owners */

TEST(owner_reference_draws_owns_edge)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Deployment.apps/shop/web", NULL, NULL);
    put(&f, "ReplicaSet.apps/shop/web-7d", OWNER("Deployment", "web", "u1"), NULL);
    put(&f, "Pod/shop/web-7d-a", OWNER("ReplicaSet", "web-7d", "u2"), NULL);
    EDGE(&f, "Deployment.apps/shop/web", "owns", "ReplicaSet.apps/shop/web-7d");
    EDGE(&f, "ReplicaSet.apps/shop/web-7d", "owns", "Pod/shop/web-7d-a");
    CHECK_INT(graph_edge_count(f.g), 2);
    fx_free(&f);
}

TEST(pod_before_its_owner_is_missing_then_resolved)
{
    fx_t f;
    fx_init(&f);
    buf_t b = {0};
    put(&f, "Pod/shop/web-7d-a", OWNER("ReplicaSet", "web-7d", "u2"), NULL);
    CHECK_STR(missing(&f, "Pod/shop/web-7d-a", &b), "[\"ReplicaSet.apps/shop/web-7d\"]");
    CHECK_INT(graph_edge_count(f.g), 0);
    put(&f, "ReplicaSet.apps/shop/web-7d", NULL, NULL);
    EDGE(&f, "ReplicaSet.apps/shop/web-7d", "owns", "Pod/shop/web-7d-a");
    CHECK_STR(missing(&f, "Pod/shop/web-7d-a", &b), "[]");
    /* owner deleted: the child misses it again */
    del(&f, "ReplicaSet.apps/shop/web-7d");
    CHECK_INT(graph_edge_count(f.g), 0);
    CHECK_STR(missing(&f, "Pod/shop/web-7d-a", &b), "[\"ReplicaSet.apps/shop/web-7d\"]");
    buf_free(&b);
    fx_free(&f);
}

TEST(owner_reference_change_moves_the_edge)
{
    fx_t f;
    fx_init(&f);
    put(&f, "ReplicaSet.apps/shop/a", NULL, NULL);
    put(&f, "ReplicaSet.apps/shop/b", NULL, NULL);
    put(&f, "Pod/shop/p", OWNER("ReplicaSet", "a", "ua"), NULL);
    EDGE(&f, "ReplicaSet.apps/shop/a", "owns", "Pod/shop/p");
    mod(&f, "Pod/shop/p", OWNER("ReplicaSet", "b", "ub"), NULL);
    NO_EDGE(&f, "ReplicaSet.apps/shop/a", "owns", "Pod/shop/p");
    EDGE(&f, "ReplicaSet.apps/shop/b", "owns", "Pod/shop/p");
    mod(&f, "Pod/shop/p", NULL, NULL);
    CHECK_INT(graph_edge_count(f.g), 0);
    fx_free(&f);
}

/* ---------------------------------------------------------------- selectors */

TEST(service_selects_matching_pods_in_its_namespace_only)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Pod/shop/a", "\"labels\":{\"app\":\"web\",\"x\":\"1\"}", NULL);
    put(&f, "Pod/shop/b", "\"labels\":{\"app\":\"db\"}", NULL);
    put(&f, "Pod/other/c", "\"labels\":{\"app\":\"web\"}", NULL);
    put(&f, "Service/shop/web", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    put(&f, "Service/shop/none", NULL, "\"spec\":{}");
    put(&f, "Service/shop/empty", NULL, "\"spec\":{\"selector\":{}}");
    EDGE(&f, "Service/shop/web", "selects", "Pod/shop/a");
    NO_EDGE(&f, "Service/shop/web", "selects", "Pod/shop/b");
    NO_EDGE(&f, "Service/shop/web", "selects", "Pod/other/c");
    CHECK_INT(graph_edge_count(f.g), 1);
    /* a new pod is found through the selector index */
    put(&f, "Pod/shop/d", "\"labels\":{\"app\":\"web\"}", NULL);
    EDGE(&f, "Service/shop/web", "selects", "Pod/shop/d");
    CHECK_INT(graph_edge_count(f.g), 2);
    fx_free(&f);
}

TEST(pod_label_change_reselects)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Service/shop/web", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    put(&f, "Service/shop/db", NULL, "\"spec\":{\"selector\":{\"app\":\"db\"}}");
    put(&f, "Pod/shop/p", "\"labels\":{\"app\":\"web\"}", NULL);
    EDGE(&f, "Service/shop/web", "selects", "Pod/shop/p");
    mod(&f, "Pod/shop/p", "\"labels\":{\"app\":\"db\"}", NULL);
    NO_EDGE(&f, "Service/shop/web", "selects", "Pod/shop/p");
    EDGE(&f, "Service/shop/db", "selects", "Pod/shop/p");
    mod(&f, "Pod/shop/p", NULL, NULL);
    CHECK_INT(graph_edge_count(f.g), 0);
    fx_free(&f);
}

TEST(service_selector_change_reselects_pods)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Pod/shop/a", "\"labels\":{\"app\":\"web\"}", NULL);
    put(&f, "Pod/shop/b", "\"labels\":{\"app\":\"db\"}", NULL);
    put(&f, "Service/shop/s", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    EDGE(&f, "Service/shop/s", "selects", "Pod/shop/a");
    mod(&f, "Service/shop/s", NULL, "\"spec\":{\"selector\":{\"app\":\"db\"}}");
    NO_EDGE(&f, "Service/shop/s", "selects", "Pod/shop/a");
    EDGE(&f, "Service/shop/s", "selects", "Pod/shop/b");
    del(&f, "Service/shop/s");
    CHECK_INT(graph_edge_count(f.g), 0);
    /* the pod's edge lists are clean: adding a new service works */
    put(&f, "Service/shop/s2", NULL, "\"spec\":{\"selector\":{\"app\":\"db\"}}");
    EDGE(&f, "Service/shop/s2", "selects", "Pod/shop/b");
    fx_free(&f);
}

TEST(label_selector_rules_use_match_expressions)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Pod/n/prod", "\"labels\":{\"app\":\"web\",\"env\":\"prod\"}", NULL);
    put(&f, "Pod/n/dev", "\"labels\":{\"app\":\"web\",\"env\":\"dev\"}", NULL);
    put(&f, "Pod/n/bare", "\"labels\":{\"app\":\"web\"}", NULL);
    put(&f, "PodDisruptionBudget.policy/n/pdb", NULL,
        "\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"env\","
        "\"operator\":"
        "\"NotIn\",\"values\":[\"dev\"]}]}}");
    put(&f, "NetworkPolicy.networking.k8s.io/n/all", NULL, "\"spec\":{\"podSelector\":{}}");
    put(&f, "NetworkPolicy.networking.k8s.io/n/withenv", NULL,
        "\"spec\":{\"podSelector\":{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"Exists\"}]}}");
    EDGE(&f, "PodDisruptionBudget.policy/n/pdb", "selects", "Pod/n/prod");
    EDGE(&f, "PodDisruptionBudget.policy/n/pdb", "selects", "Pod/n/bare");
    NO_EDGE(&f, "PodDisruptionBudget.policy/n/pdb", "selects", "Pod/n/dev");
    EDGE(&f, "NetworkPolicy.networking.k8s.io/n/all", "selects", "Pod/n/bare");
    EDGE(&f, "NetworkPolicy.networking.k8s.io/n/all", "selects", "Pod/n/dev");
    EDGE(&f, "NetworkPolicy.networking.k8s.io/n/withenv", "selects", "Pod/n/dev");
    NO_EDGE(&f, "NetworkPolicy.networking.k8s.io/n/withenv", "selects", "Pod/n/bare");
    /* unanchored selectors are found for new pods too */
    put(&f, "Pod/n/late", "\"labels\":{\"env\":\"qa\"}", NULL);
    EDGE(&f, "NetworkPolicy.networking.k8s.io/n/all", "selects", "Pod/n/late");
    EDGE(&f, "NetworkPolicy.networking.k8s.io/n/withenv", "selects", "Pod/n/late");
    NO_EDGE(&f, "PodDisruptionBudget.policy/n/pdb", "selects", "Pod/n/late");
    fx_free(&f);
}

/* ---------------------------------------------------------------- references */

#define POD_SPEC                                                                                             \
    "\"spec\":{\"nodeName\":\"worker-1\",\"serviceAccountName\":\"web\",\"volumes\":[{\"name\":\"c\","       \
    "\"configMap\":{"                                                                                        \
    "\"name\":\"cfg\"}},{\"name\":\"s\",\"secret\":{\"secretName\":\"tls\"}},{\"name\":\"d\","               \
    "\"persistentVolumeClaim\":"                                                                             \
    "{\"claimName\":\"data\"}},{\"name\":\"p\",\"projected\":{\"sources\":[{\"configMap\":{\"name\":"        \
    "\"proj\"}},"                                                                                            \
    "{\"secret\":{\"name\":\"psec\"}}]}}],\"containers\":[{\"env\":[{\"name\":\"A\",\"valueFrom\":{"         \
    "\"configMapKeyRef\":"                                                                                   \
    "{\"name\":\"envcm\",\"key\":\"a\"}}},{\"name\":\"B\",\"valueFrom\":{\"secretKeyRef\":{\"name\":"        \
    "\"envsec\","                                                                                            \
    "\"key\":\"b\"}}}],\"envFrom\":[{\"configMapRef\":{\"name\":\"fromcm\"}}]}],\"imagePullSecrets\":[{"     \
    "\"name\":"                                                                                              \
    "\"regcred\"}]}"

TEST(pod_references_mounts_uses_and_runs_on)
{
    fx_t f;
    fx_init(&f);
    const char *targets[] = {
        "ConfigMap/shop/cfg",      "Secret/shop/tls",       "PersistentVolumeClaim/shop/data",
        "ConfigMap/shop/proj",     "Secret/shop/psec",      "ConfigMap/shop/envcm",
        "Secret/shop/envsec",      "ConfigMap/shop/fromcm", "Secret/shop/regcred",
        "ServiceAccount/shop/web", "Node//worker-1"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) put(&f, targets[i], NULL, NULL);
    put(&f, "Pod/shop/p", NULL, POD_SPEC);
    EDGE(&f, "Pod/shop/p", "mounts", "ConfigMap/shop/cfg");
    EDGE(&f, "Pod/shop/p", "mounts", "Secret/shop/tls");
    EDGE(&f, "Pod/shop/p", "mounts", "PersistentVolumeClaim/shop/data");
    EDGE(&f, "Pod/shop/p", "mounts", "ConfigMap/shop/proj");
    EDGE(&f, "Pod/shop/p", "mounts", "Secret/shop/psec");
    EDGE(&f, "Pod/shop/p", "references", "ConfigMap/shop/envcm");
    EDGE(&f, "Pod/shop/p", "references", "Secret/shop/envsec");
    EDGE(&f, "Pod/shop/p", "references", "ConfigMap/shop/fromcm");
    EDGE(&f, "Pod/shop/p", "references", "Secret/shop/regcred");
    EDGE(&f, "Pod/shop/p", "uses", "ServiceAccount/shop/web");
    EDGE(&f, "Pod/shop/p", "runs-on", "Node//worker-1");
    CHECK_INT(graph_edge_count(f.g), 11);
    buf_t b = {0};
    CHECK_STR(missing(&f, "Pod/shop/p", &b), "[]");
    /* a volume removed from the spec drops its edge */
    mod(&f, "Pod/shop/p", NULL, "\"spec\":{\"nodeName\":\"worker-1\"}");
    CHECK_INT(graph_edge_count(f.g), 1);
    EDGE(&f, "Pod/shop/p", "runs-on", "Node//worker-1");
    /* node deleted: missing; node back: resolved */
    del(&f, "Node//worker-1");
    CHECK_STR(missing(&f, "Pod/shop/p", &b), "[\"Node//worker-1\"]");
    put(&f, "Node//worker-1", NULL, NULL);
    EDGE(&f, "Pod/shop/p", "runs-on", "Node//worker-1");
    buf_free(&b);
    fx_free(&f);
}

TEST(configmap_arriving_resolves_missing_reference)
{
    fx_t f;
    fx_init(&f);
    buf_t b = {0};
    put(&f, "Pod/shop/p", NULL, "\"spec\":{\"volumes\":[{\"configMap\":{\"name\":\"cfg\"}}]}");
    CHECK_STR(missing(&f, "Pod/shop/p", &b), "[\"ConfigMap/shop/cfg\"]");
    put(&f, "ConfigMap/other/cfg", NULL, NULL); /* wrong namespace: still missing */
    CHECK_STR(missing(&f, "Pod/shop/p", &b), "[\"ConfigMap/shop/cfg\"]");
    put(&f, "ConfigMap/shop/cfg", NULL, NULL);
    EDGE(&f, "Pod/shop/p", "mounts", "ConfigMap/shop/cfg");
    CHECK_STR(missing(&f, "Pod/shop/p", &b), "[]");
    del(&f, "ConfigMap/shop/cfg");
    NO_EDGE(&f, "Pod/shop/p", "mounts", "ConfigMap/shop/cfg");
    CHECK_STR(missing(&f, "Pod/shop/p", &b), "[\"ConfigMap/shop/cfg\"]");
    del(&f, "Pod/shop/p");
    put(&f, "ConfigMap/shop/cfg", NULL, NULL);
    CHECK_INT(graph_edge_count(f.g), 0);
    graph_stats_t st;
    graph_get_stats(f.g, &st);
    CHECK_INT(st.missing, 0);
    buf_free(&b);
    fx_free(&f);
}

TEST(ingress_routes_and_terminates_httproute_routes)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Service/shop/front", NULL, NULL);
    put(&f, "Service/shop/api", NULL, NULL);
    put(&f, "Secret/shop/tls", NULL, NULL);
    put(&f, "Ingress.networking.k8s.io/shop/in", NULL,
        "\"spec\":{\"tls\":[{\"secretName\":\"tls\"}],\"rules\":[{\"http\":{\"paths\":[{\"backend\":{"
        "\"service\":{"
        "\"name\":\"front\"}}},{\"backend\":{\"service\":{\"name\":\"api\"}}}]}}]}");
    EDGE(&f, "Ingress.networking.k8s.io/shop/in", "routes", "Service/shop/front");
    EDGE(&f, "Ingress.networking.k8s.io/shop/in", "routes", "Service/shop/api");
    EDGE(&f, "Ingress.networking.k8s.io/shop/in", "terminates", "Secret/shop/tls");
    put(&f, "HTTPRoute.gateway.networking.k8s.io/shop/r", NULL,
        "\"spec\":{\"rules\":[{\"backendRefs\":[{\"name\":\"api\",\"port\":80},{\"kind\":\"Service\","
        "\"name\":\"front\"}]}]}");
    EDGE(&f, "HTTPRoute.gateway.networking.k8s.io/shop/r", "routes", "Service/shop/api");
    EDGE(&f, "HTTPRoute.gateway.networking.k8s.io/shop/r", "routes", "Service/shop/front");
    fx_free(&f);
}

TEST(rbac_bindings_grant_roles_and_service_accounts)
{
    fx_t f;
    fx_init(&f);
    put(&f, "ClusterRole.rbac.authorization.k8s.io//view", NULL, NULL);
    put(&f, "Role.rbac.authorization.k8s.io/shop/edit", NULL, NULL);
    put(&f, "ServiceAccount/shop/web", NULL, NULL);
    put(&f, "ServiceAccount/ops/bot", NULL, NULL);
    put(&f, "RoleBinding.rbac.authorization.k8s.io/shop/rb1", NULL,
        "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
        "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"web\",\"namespace\":\"shop\"},{\"kind\":"
        "\"User\","
        "\"name\":\"alice\"},{\"kind\":\"ServiceAccount\",\"name\":\"bot\",\"namespace\":\"ops\"}]");
    put(&f, "RoleBinding.rbac.authorization.k8s.io/shop/rb2", NULL,
        "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"edit\"}");
    put(&f, "ClusterRoleBinding.rbac.authorization.k8s.io//crb", NULL,
        "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
        "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"bot\",\"namespace\":\"ops\"}]");
    EDGE(&f, "RoleBinding.rbac.authorization.k8s.io/shop/rb1", "grants",
         "ClusterRole.rbac.authorization.k8s.io//view");
    EDGE(&f, "RoleBinding.rbac.authorization.k8s.io/shop/rb1", "grants", "ServiceAccount/shop/web");
    EDGE(&f, "RoleBinding.rbac.authorization.k8s.io/shop/rb1", "grants", "ServiceAccount/ops/bot");
    EDGE(&f, "RoleBinding.rbac.authorization.k8s.io/shop/rb2", "grants",
         "Role.rbac.authorization.k8s.io/shop/edit");
    EDGE(&f, "ClusterRoleBinding.rbac.authorization.k8s.io//crb", "grants",
         "ClusterRole.rbac.authorization.k8s.io//view");
    EDGE(&f, "ClusterRoleBinding.rbac.authorization.k8s.io//crb", "grants", "ServiceAccount/ops/bot");
    buf_t b = {0};
    /* a User subject is not a ServiceAccount: not drawn, not missing */
    CHECK_STR(missing(&f, "RoleBinding.rbac.authorization.k8s.io/shop/rb1", &b), "[]");
    buf_free(&b);
    fx_free(&f);
}

TEST(hpa_scales_and_pvc_binds)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Deployment.apps/shop/web", NULL, NULL);
    put(&f, "HorizontalPodAutoscaler.autoscaling/shop/web", NULL,
        "\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/"
        "v1\",\"kind\":\"Deployment\",\"name\":\"web\"}}");
    EDGE(&f, "HorizontalPodAutoscaler.autoscaling/shop/web", "scales", "Deployment.apps/shop/web");
    put(&f, "StorageClass.storage.k8s.io//fast", NULL, NULL);
    put(&f, "PersistentVolumeClaim/shop/data", NULL,
        "\"spec\":{\"volumeName\":\"pv-1\",\"storageClassName\":\"fast\"}");
    buf_t b = {0};
    CHECK_STR(missing(&f, "PersistentVolumeClaim/shop/data", &b), "[\"PersistentVolume//pv-1\"]");
    put(&f, "PersistentVolume//pv-1", NULL, "\"spec\":{\"storageClassName\":\"fast\"}");
    EDGE(&f, "PersistentVolumeClaim/shop/data", "binds", "PersistentVolume//pv-1");
    EDGE(&f, "PersistentVolumeClaim/shop/data", "binds", "StorageClass.storage.k8s.io//fast");
    EDGE(&f, "PersistentVolume//pv-1", "binds", "StorageClass.storage.k8s.io//fast");
    buf_free(&b);
    fx_free(&f);
}

TEST(labelref_by_name_and_by_target_label)
{
    fx_t f;
    memset(&f, 0, sizeof f);
    f.s = store_new("c1");
    f.g = graph_new(f.s);
    script_relation_t *r =
        add_rule(&f.rules, SCRIPT_REL_LABELREF, "part-of", "*", "Application.app.k8s.io", NULL);
    r->label = "app.kubernetes.io/part-of";
    r = add_rule(&f.rules, SCRIPT_REL_LABELREF, "groups", "Application.app.k8s.io", "*", NULL);
    r->label = "app.kubernetes.io/name";
    r->target_label = "app.kubernetes.io/part-of";
    err_t err = {0};
    CHECK_INT(graph_set_rules(f.g, f.rules.r, f.rules.n, &err), 0);
    put(&f, "Deployment.apps/shop/web", "\"labels\":{\"app.kubernetes.io/part-of\":\"shop\"}", NULL);
    put(&f, "Application.app.k8s.io/shop/shop", "\"labels\":{\"app.kubernetes.io/name\":\"shop\"}", NULL);
    put(&f, "Service/shop/web", "\"labels\":{\"app.kubernetes.io/part-of\":\"shop\"}", NULL);
    EDGE(&f, "Deployment.apps/shop/web", "part-of", "Application.app.k8s.io/shop/shop");
    EDGE(&f, "Service/shop/web", "part-of", "Application.app.k8s.io/shop/shop");
    EDGE(&f, "Application.app.k8s.io/shop/shop", "groups", "Deployment.apps/shop/web");
    EDGE(&f, "Application.app.k8s.io/shop/shop", "groups", "Service/shop/web");
    mod(&f, "Service/shop/web", NULL, NULL);
    NO_EDGE(&f, "Service/shop/web", "part-of", "Application.app.k8s.io/shop/shop");
    NO_EDGE(&f, "Application.app.k8s.io/shop/shop", "groups", "Service/shop/web");
    fx_free(&f);
}

/* A fake FUNCTION evaluator: emits Secret/<ns>/<spec.secretName> for
 * Certificates, found in the object JSON it is given. */
static int fake_eval(void *ud, const script_relation_t *rule, const char *obj_json, size_t len,
                     script_find_fn find, script_emit_fn emit, void *emit_ud, err_t *err)
{
    (*(int *)ud)++;
    cJSON *o = cJSON_ParseWithLength(obj_json, len);
    if (!o) return err_set(err, ERR_INVALID, "bad json");
    const cJSON *meta = cJSON_GetObjectItem(o, "metadata"), *spec = cJSON_GetObjectItem(o, "spec");
    const cJSON *sn = cJSON_GetObjectItem(spec, "secretName");
    if (cJSON_IsString(sn)) {
        char id[256];
        snprintf(id, sizeof id, "Secret/%s/%s", cJSON_GetObjectItem(meta, "namespace")->valuestring,
                 sn->valuestring);
        size_t fl = 0;
        const char *found = find("Secret", cJSON_GetObjectItem(meta, "namespace")->valuestring,
                                 sn->valuestring, &fl, emit_ud);
        emit(id, found ? "issues" : NULL, emit_ud);
    }
    (void)rule;
    cJSON_Delete(o);
    return 0;
}

TEST(function_rule_runs_for_changed_objects_only)
{
    fx_t f;
    memset(&f, 0, sizeof f);
    f.s = store_new("c1");
    f.g = graph_new(f.s);
    int calls = 0;
    graph_set_fn_eval(f.g, fake_eval, &calls);
    script_relation_t *r =
        add_rule(&f.rules, SCRIPT_REL_FUNCTION, "issues", "Certificate.cert-manager.io", "Secret", NULL);
    r->fn = (script_fn_t *)&calls; /* any non-NULL handle: the fake ignores it */
    err_t err = {0};
    CHECK_INT(graph_set_rules(f.g, f.rules.r, f.rules.n, &err), 0);
    put(&f, "Secret/shop/other", NULL, NULL);
    CHECK_INT(calls, 0);
    put(&f, "Certificate.cert-manager.io/shop/c", NULL, "\"spec\":{\"secretName\":\"tls\"}");
    CHECK_INT(calls, 1);
    buf_t b = {0};
    CHECK_STR(missing(&f, "Certificate.cert-manager.io/shop/c", &b), "[\"Secret/shop/tls\"]");
    put(&f, "Secret/shop/tls", NULL, NULL);
    CHECK_INT(calls, 1); /* the secret's arrival resolves without running the rule */
    EDGE(&f, "Certificate.cert-manager.io/shop/c", "issues", "Secret/shop/tls");
    mod(&f, "Certificate.cert-manager.io/shop/c", NULL, "\"spec\":{\"secretName\":\"other\"}");
    CHECK_INT(calls, 2);
    NO_EDGE(&f, "Certificate.cert-manager.io/shop/c", "issues", "Secret/shop/tls");
    EDGE(&f, "Certificate.cert-manager.io/shop/c", "issues", "Secret/shop/other");
    buf_free(&b);
    fx_free(&f);
}

TEST(random_churn_keeps_every_invariant_and_matches_a_rebuild)
{
    fx_t f;
    fx_init(&f);
    uint64_t rng = 42;
    char id[64], meta[256], body[512];
    for (int step = 0; step < 3000; step++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int k = (int)(rng % 6), i = (int)((rng >> 8) % 40), j = (int)((rng >> 16) % 5);
        switch (k) {
        case 0: /* pod with owner, labels, volume, node */
            snprintf(id, sizeof id, "Pod/ns%d/p%d", i % 2, i);
            snprintf(meta, sizeof meta, "\"labels\":{\"app\":\"a%d\"}," OWNER("ReplicaSet", "rs%d", "u"), j,
                     j);
            snprintf(body, sizeof body,
                     "\"spec\":{\"nodeName\":\"n%d\",\"serviceAccountName\":\"default\","
                     "\"volumes\":[{\"configMap\":{\"name\":\"c%d\"}}]}",
                     j, (j + i) % 5);
            put(&f, id, meta, body);
            break;
        case 1:
            snprintf(id, sizeof id, "Pod/ns%d/p%d", i % 2, i);
            del(&f, id);
            break;
        case 2:
            snprintf(id, sizeof id, "Service/ns%d/s%d", i % 2, j);
            snprintf(body, sizeof body, "\"spec\":{\"selector\":{\"app\":\"a%d\"}}", (int)(rng >> 24) % 5);
            put(&f, id, NULL, body);
            break;
        case 3:
            snprintf(id, sizeof id, "%s/ns%d/%s%d", j % 2 ? "ConfigMap" : "ReplicaSet.apps", i % 2,
                     j % 2 ? "c" : "rs", j);
            if (rng >> 40 & 1)
                del(&f, id);
            else
                put(&f, id, NULL, NULL);
            break;
        case 4:
            snprintf(id, sizeof id, "Node//n%d", j);
            if (rng >> 40 & 1)
                del(&f, id);
            else
                put(&f, id, NULL, NULL);
            break;
        default:
            snprintf(id, sizeof id, "ServiceAccount/ns%d/default", i % 2);
            if (rng >> 40 & 1)
                del(&f, id);
            else
                put(&f, id, NULL, NULL);
        }
        if (step % 100 == 0) {
            err_t err = {0};
            if (graph_check(f.g, &err)) TEST_FAIL_("step %d: %s", step, err.msg);
        }
    }
    /* then only label changes: selectors must follow them */
    for (int step = 0; step < 200; step++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int i = (int)((rng >> 8) % 40), j = (int)((rng >> 16) % 5);
        snprintf(id, sizeof id, "Pod/ns%d/p%d", i % 2, i);
        if (oid(&f, id) == STORE_NONE) continue;
        snprintf(meta, sizeof meta, "\"labels\":{\"app\":\"a%d\"}," OWNER("ReplicaSet", "rs%d", "u"), j,
                 i % 5);
        snprintf(body, sizeof body,
                 "\"spec\":{\"nodeName\":\"n%d\",\"serviceAccountName\":\"default\","
                 "\"volumes\":[{\"configMap\":{\"name\":\"c%d\"}}]}",
                 i % 5, i % 5);
        mod(&f, id, meta, body);
    }
    /* the incremental graph equals one recomputed from scratch */
    graph_query_t q = {.no_layout = true};
    char *inc = query_json(&f, &q);
    err_t err = {0};
    CHECK_INT(graph_set_rules(f.g, f.rules.r, f.rules.n, &err), 0);
    char *full = query_json(&f, &q);
    CHECK_STR(inc, full);
    free(inc);
    free(full);
    fx_free(&f);
}

/* ---------------------------------------------------------------- relist, reload */

TEST(relist_removes_vanished_objects_and_their_edges)
{
    fx_t f;
    fx_init(&f);
    store_kind_t pod = {"", "v1", "Pod", true};
    put(&f, "Service/shop/web", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    put(&f, "Pod/shop/a", "\"labels\":{\"app\":\"web\"}", NULL);
    put(&f, "Pod/shop/b", "\"labels\":{\"app\":\"web\"}", NULL);
    CHECK_INT(graph_edge_count(f.g), 2);
    store_resync_begin(f.s, &pod);
    mod(&f, "Pod/shop/b", "\"labels\":{\"app\":\"web\"}", NULL);
    CHECK_INT(store_resync_end(f.s, &pod), 1);
    CHECK(oid(&f, "Pod/shop/a") == STORE_NONE);
    CHECK_INT(graph_edge_count(f.g), 1);
    EDGE(&f, "Service/shop/web", "selects", "Pod/shop/b");
    fx_free(&f);
}

TEST(reload_recomputes_edges_from_the_store)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Service/shop/web", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    put(&f, "Pod/shop/a", "\"labels\":{\"app\":\"web\"}",
        "\"spec\":{\"volumes\":[{\"configMap\":{\"name\":\"c\"}}]}");
    put(&f, "ConfigMap/shop/c", NULL, NULL);
    CHECK_INT(graph_edge_count(f.g), 2);
    /* a rule set with only owners: the other edges go */
    rules_t only = {0};
    add_rule(&only, SCRIPT_REL_OWNER, "owns", "*", "*", NULL);
    err_t err = {0};
    CHECK_INT(graph_set_rules(f.g, only.r, only.n, &err), 0);
    CHECK_INT(graph_edge_count(f.g), 0);
    /* back to the full set: recomputed without any new event */
    CHECK_INT(graph_set_rules(f.g, f.rules.r, f.rules.n, &err), 0);
    CHECK_INT(graph_edge_count(f.g), 2);
    EDGE(&f, "Service/shop/web", "selects", "Pod/shop/a");
    EDGE(&f, "Pod/shop/a", "mounts", "ConfigMap/shop/c");
    rules_free(&only);
    fx_free(&f);
}

TEST(invalid_rule_names_plugin_and_line_and_keeps_old_rules)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Service/shop/web", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    put(&f, "Pod/shop/a", "\"labels\":{\"app\":\"web\"}", NULL);
    rules_t bad = {0};
    add_rule(&bad, SCRIPT_REL_OWNER, "owns", "*", "*", NULL);
    script_relation_t *r = add_rule(&bad, SCRIPT_REL_SELECTOR, "selects", "Service", "Pod", NULL);
    r->line = 42;
    err_t err = {0};
    CHECK_INT(graph_set_rules(f.g, bad.r, bad.n, &err), ERR_INVALID);
    CHECK(strstr(err.msg, "core-relations") != NULL);
    CHECK(strstr(err.msg, ":42:") != NULL);
    EDGE(&f, "Service/shop/web", "selects", "Pod/shop/a");
    put(&f, "Pod/shop/b", "\"labels\":{\"app\":\"web\"}", NULL);
    EDGE(&f, "Service/shop/web", "selects", "Pod/shop/b");
    rules_free(&bad);
    fx_free(&f);
}

/* ---------------------------------------------------------------- status */

TEST(crashing_pods_turn_their_deployment_warning)
{
    fx_t f;
    fx_init(&f);
    put(&f, "Deployment.apps/shop/web", NULL,
        "\"spec\":{\"replicas\":1},\"status\":{\"replicas\":1,\"readyReplicas\":1,\"availableReplicas\":1}");
    put(&f, "ReplicaSet.apps/shop/web-1", OWNER("Deployment", "web", "d"),
        "\"spec\":{\"replicas\":1},\"status\":{\"replicas\":1,\"readyReplicas\":1}");
    put(&f, "Pod/shop/web-1-a", OWNER("ReplicaSet", "web-1", "r"), RUNNING);
    CHECK_STR(status(&f, "Deployment.apps/shop/web"), "ok");
    mod(&f, "Pod/shop/web-1-a", OWNER("ReplicaSet", "web-1", "r"), CRASHING);
    CHECK_STR(status(&f, "Pod/shop/web-1-a"), "error");
    CHECK_STR(status(&f, "ReplicaSet.apps/shop/web-1"), "warning");
    CHECK_STR(status(&f, "Deployment.apps/shop/web"), "warning");
    CHECK_STR(graph_node_reason(f.g, oid(&f, "Deployment.apps/shop/web")), "CrashLoopBackOff");
    mod(&f, "Pod/shop/web-1-a", OWNER("ReplicaSet", "web-1", "r"), RUNNING);
    CHECK_STR(status(&f, "Deployment.apps/shop/web"), "ok");
    mod(&f, "Pod/shop/web-1-a", OWNER("ReplicaSet", "web-1", "r"), CRASHING);
    CHECK_STR(status(&f, "Deployment.apps/shop/web"), "warning");
    del(&f, "Pod/shop/web-1-a");
    CHECK_STR(status(&f, "Deployment.apps/shop/web"), "ok");
    /* a crashing pod that arrives before its owners */
    put(&f, "Pod/shop/x", OWNER("ReplicaSet", "x-1", "r2"), CRASHING);
    put(&f, "ReplicaSet.apps/shop/x-1", OWNER("Deployment", "x", "d2"),
        "\"spec\":{\"replicas\":1},\"status\":{\"replicas\":1,\"readyReplicas\":1}");
    put(&f, "Deployment.apps/shop/x", NULL,
        "\"spec\":{\"replicas\":1},\"status\":{\"replicas\":1,\"readyReplicas\":1,\"availableReplicas\":1}");
    CHECK_STR(status(&f, "Deployment.apps/shop/x"), "warning");
    fx_free(&f);
}

/* ---------------------------------------------------------------- deltas */

typedef struct rec {
    buf_t log;
    int calls;
} rec_t;

static void listener(graph_t *g, const graph_delta_t *d, void *ud)
{
    rec_t *r = ud;
    r->calls++;
    for (size_t i = 0; i < d->n_nodes_upsert; i++) {
        buf_puts(&r->log, "N+ ");
        store_obj_id(graph_store(g), d->nodes_upsert[i], &r->log);
        buf_putc(&r->log, '\n');
    }
    for (size_t i = 0; i < d->n_nodes_remove; i++) buf_printf(&r->log, "N- %s\n", d->nodes_remove[i]);
    for (size_t i = 0; i < d->n_edges_upsert; i++)
        buf_printf(&r->log, "E+ %s %s %s\n", d->edges_upsert[i].source, d->edges_upsert[i].type,
                   d->edges_upsert[i].target);
    for (size_t i = 0; i < d->n_edges_remove; i++)
        buf_printf(&r->log, "E- %s %s %s\n", d->edges_remove[i].source, d->edges_remove[i].type,
                   d->edges_remove[i].target);
}

TEST(listener_reports_node_and_edge_deltas_once_per_event)
{
    fx_t f;
    fx_init(&f);
    rec_t r = {0};
    graph_set_listener(f.g, listener, &r);
    put(&f, "Service/shop/web", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    CHECK_STR(r.log.data, "N+ Service/shop/web\n");
    buf_reset(&r.log);
    put(&f, "Pod/shop/a", "\"labels\":{\"app\":\"web\"}", NULL);
    CHECK_STR(r.log.data, "N+ Pod/shop/a\nE+ Service/shop/web selects Pod/shop/a\n");
    buf_reset(&r.log);
    /* a change that re-derives the same edges reports no edge delta */
    mod(&f, "Service/shop/web", "\"labels\":{\"x\":\"y\"}", "\"spec\":{\"selector\":{\"app\":\"web\"}}");
    CHECK_STR(r.log.data, "N+ Service/shop/web\n");
    buf_reset(&r.log);
    del(&f, "Pod/shop/a");
    CHECK_STR(r.log.data, "N- Pod/shop/a\nE- Service/shop/web selects Pod/shop/a\n");
    int calls = r.calls;
    buf_t j = {0};
    graph_delta_t d = {0};
    CHECK(!graph_delta_json(f.g, &d, "s1", NULL, &j));
    CHECK_INT(j.len, 0);
    CHECK_INT(r.calls, calls);
    buf_free(&j);
    buf_free(&r.log);
    fx_free(&f);
}

static void json_listener(graph_t *g, const graph_delta_t *d, void *ud)
{
    buf_t *b = ud;
    buf_reset(b);
    graph_delta_json(g, d, "s1", "shop", b);
}

TEST(delta_json_is_filtered_by_namespace)
{
    fx_t f;
    fx_init(&f);
    buf_t b = {0};
    graph_set_listener(f.g, json_listener, &b);
    put(&f, "Pod/other/x", NULL, NULL);
    CHECK_INT(b.len, 0);
    put(&f, "Pod/shop/p", "\"resourceVersion\":\"42\"", "\"spec\":{\"nodeName\":\"n1\"}");
    CHECK_STR(
        b.data,
        "{\"sub\":\"s1\",\"type\":\"delta\",\"resourceVersion\":\"42\",\"nodes\":{\"upsert\":[{\"id\":"
        "\"Pod/shop/p\",\"kind\":\"Pod\",\"namespace\":\"shop\",\"name\":\"p\",\"status\":\"unknown\","
        "\"reason\":\"Unknown\",\"group\":\"shop\",\"missing\":[\"Node//n1\"]}],\"remove\":[]},\"edges\":"
        "{\"upsert\":[],\"remove\":[]}}");
    put(&f, "Node//n1", "\"resourceVersion\":\"43\"", NULL);
    CHECK(strstr(b.data, "\"edges\":{\"upsert\":[{\"source\":\"Pod/shop/p\",\"target\":\"Node//"
                         "n1\",\"type\":\"runs-on\"}]") != NULL);
    buf_free(&b);
    fx_free(&f);
}

/* ---------------------------------------------------------------- queries, determinism, layout */

static void shop(fx_t *f, bool reverse)
{
    const char *ids[][3] = {
        {"Namespace//shop", NULL, NULL},
        {"Node//worker-1", NULL, NULL},
        {"Deployment.apps/shop/web",
         "\"labels\":{\"app\":\"web\"},\"creationTimestamp\":\"2026-01-01T00:00:00Z\"", NULL},
        {"ReplicaSet.apps/shop/web-1", "\"labels\":{\"app\":\"web\"}," OWNER("Deployment", "web", "d"), NULL},
        {"Pod/shop/web-1-a",
         "\"labels\":{\"app\":\"web\"},\"creationTimestamp\":\"2026-01-01T00:01:00Z\"," OWNER("ReplicaSet",
                                                                                              "web-1", "r"),
         "\"spec\":{\"nodeName\":\"worker-1\",\"volumes\":[{\"configMap\":{\"name\":\"cfg\"}}]}"},
        {"Pod/shop/web-1-b",
         "\"labels\":{\"app\":\"web\"},\"creationTimestamp\":\"2026-01-01T00:02:00Z\"," OWNER("ReplicaSet",
                                                                                              "web-1", "r"),
         "\"spec\":{\"nodeName\":\"worker-1\",\"volumes\":[{\"configMap\":{\"name\":\"cfg\"}}]}"},
        {"Service/shop/web", NULL, "\"spec\":{\"selector\":{\"app\":\"web\"}}"},
        {"Ingress.networking.k8s.io/shop/front", NULL,
         "\"spec\":{\"rules\":[{\"http\":{\"paths\":[{\"backend\":{\"service\":{\"name\":\"web\"}}}]}}]}"},
        {"ConfigMap/shop/cfg", NULL, NULL},
        {"Deployment.apps/shop/db", "\"labels\":{\"app\":\"db\"}", NULL},
        {"Pod/other/x", "\"labels\":{\"app\":\"web\"}", NULL},
    };
    size_t n = sizeof ids / sizeof ids[0];
    for (size_t k = 0; k < n; k++) {
        size_t i = reverse ? n - 1 - k : k;
        put(f, ids[i][0], ids[i][1], ids[i][2]);
    }
}

static char *query_json(fx_t *f, const graph_query_t *q)
{
    buf_t b = {0};
    err_t err = {0};
    if (graph_export(f->g, q, "json", &b, &err)) TEST_FAIL_("query: %s", err.msg);
    return buf_steal(&b);
}

TEST(same_objects_in_two_orders_give_the_same_json_and_layout)
{
    fx_t a, b;
    fx_init(&a);
    fx_init(&b);
    shop(&a, false);
    shop(&b, true);
    /* extra churn on b: add and remove an unrelated pod */
    put(&b, "Pod/shop/tmp", "\"labels\":{\"app\":\"web\"}", NULL);
    del(&b, "Pod/shop/tmp");
    graph_query_t q = {0};
    char *ja = query_json(&a, &q), *jb = query_json(&b, &q);
    CHECK_STR(ja, jb);
    CHECK(strstr(ja, "\"edges\":[") != NULL);
    free(ja);
    free(jb);
    const char *ns[] = {"shop"};
    q.namespaces = ns;
    q.nnamespaces = 1;
    ja = query_json(&a, &q);
    jb = query_json(&b, &q);
    CHECK_STR(ja, jb);
    free(ja);
    free(jb);
    fx_free(&a);
    fx_free(&b);
}

static bool pos_of(fx_t *f, const graph_query_t *q, const char *id, double *x, double *y)
{
    err_t err = {0};
    graph_result_t *r = graph_query_run(f->g, q, &err);
    store_oid_t want = oid(f, id);
    bool found = false;
    for (size_t i = 0; i < graph_result_node_count(r); i++) {
        store_oid_t o;
        double px, py;
        graph_result_node(r, i, &o, &px, &py);
        if (o == want) {
            *x = px, *y = py;
            found = true;
        }
    }
    graph_result_free(r);
    return found;
}

TEST(layout_layers_owners_above_and_traffic_left_to_right_and_a_new_pod_moves_nothing)
{
    fx_t f;
    fx_init(&f);
    shop(&f, false);
    const char *ns[] = {"shop"};
    graph_query_t q = {.namespaces = ns, .nnamespaces = 1};
    double dx, dy, rx, ry, px, py, sx, sy, ix, iy, bx, by;
    CHECK(pos_of(&f, &q, "Deployment.apps/shop/web", &dx, &dy));
    CHECK(pos_of(&f, &q, "ReplicaSet.apps/shop/web-1", &rx, &ry));
    CHECK(pos_of(&f, &q, "Pod/shop/web-1-a", &px, &py));
    CHECK(pos_of(&f, &q, "Service/shop/web", &sx, &sy));
    CHECK(pos_of(&f, &q, "Ingress.networking.k8s.io/shop/front", &ix, &iy));
    CHECK(dy < ry && ry < py);
    CHECK(ix < sx && sx < dx);
    CHECK(pos_of(&f, &q, "Pod/shop/web-1-b", &bx, &by));
    put(&f, "Pod/shop/web-1-c",
        "\"labels\":{\"app\":\"web\"},\"creationTimestamp\":\"2026-01-01T00:03:00Z\"," OWNER("ReplicaSet",
                                                                                             "web-1", "r"),
        NULL);
    double px2, py2, bx2, by2, sx2, sy2, cx, cy;
    CHECK(pos_of(&f, &q, "Pod/shop/web-1-a", &px2, &py2));
    CHECK(pos_of(&f, &q, "Pod/shop/web-1-b", &bx2, &by2));
    CHECK(pos_of(&f, &q, "Service/shop/web", &sx2, &sy2));
    CHECK(pos_of(&f, &q, "Pod/shop/web-1-c", &cx, &cy));
    CHECK(px == px2 && py == py2 && bx == bx2 && by == by2 && sx == sx2 && sy == sy2);
    CHECK(cx != px2 || cy != py2);
    fx_free(&f);
}

TEST(limit_truncates_deterministically)
{
    fx_t f;
    fx_init(&f);
    shop(&f, false);
    graph_query_t q = {.limit = 3};
    err_t err = {0};
    graph_result_t *r = graph_query_run(f.g, &q, &err);
    CHECK_INT(graph_result_node_count(r), 3);
    CHECK(graph_result_truncated(r));
    graph_result_free(r);
    char *j = query_json(&f, &q);
    CHECK(strstr(j, "\"truncated\":true") != NULL);
    /* the first three IDs in order */
    CHECK(strstr(j, "ConfigMap/shop/cfg") != NULL);
    CHECK(strstr(j, "Deployment.apps/shop/db") != NULL);
    CHECK(strstr(j, "Deployment.apps/shop/web") != NULL);
    free(j);
    fx_free(&f);
}

TEST(focus_query_walks_hops_in_both_directions)
{
    fx_t f;
    fx_init(&f);
    shop(&f, false);
    graph_query_t q = {.focus = "ReplicaSet.apps/shop/web-1", .depth = 1, .no_layout = true};
    err_t err = {0};
    graph_result_t *r = graph_query_run(f.g, &q, &err);
    CHECK_INT(graph_result_node_count(r), 4); /* rs, deployment, two pods */
    graph_result_free(r);
    q.depth = 2; /* + service, configmap, node */
    r = graph_query_run(f.g, &q, &err);
    CHECK_INT(graph_result_node_count(r), 7);
    CHECK(graph_result_edge_count(r) >= 8);
    graph_result_free(r);
    q.focus = "Pod/shop/nope";
    CHECK(graph_query_run(f.g, &q, &err) == NULL);
    CHECK_INT(err.code, ERR_NOTFOUND);
    fx_free(&f);
}

TEST(focus_query_shows_hubs_but_does_not_expand_through_them)
{
    fx_t f;
    fx_init(&f);
    put(&f, "ServiceAccount/shop/default", NULL, NULL);
    for (int i = 0; i < 300; i++) {
        char id[64];
        snprintf(id, sizeof id, "Pod/shop/p%03d", i);
        put(&f, id, NULL, "\"spec\":{\"serviceAccountName\":\"default\"}");
    }
    graph_query_t q = {.focus = "Pod/shop/p000", .depth = 2, .no_layout = true};
    err_t err = {0};
    graph_result_t *r = graph_query_run(f.g, &q, &err);
    CHECK_INT(graph_result_node_count(r), 2); /* the pod and its (hub) service account */
    graph_result_free(r);
    q.expand_limit = SIZE_MAX;
    r = graph_query_run(f.g, &q, &err);
    CHECK_INT(graph_result_node_count(r), 301);
    graph_result_free(r);
    /* the hub itself as focus is expanded */
    graph_query_t q2 = {.focus = "ServiceAccount/shop/default", .depth = 1, .no_layout = true};
    r = graph_query_run(f.g, &q2, &err);
    CHECK_INT(graph_result_node_count(r), 301);
    graph_result_free(r);
    fx_free(&f);
}

TEST(status_only_update_keeps_references_and_updates_status)
{
    fx_t f;
    fx_init(&f);
    put(&f, "ConfigMap/shop/cfg", NULL, NULL);
    put(&f, "Pod/shop/p", "\"labels\":{\"app\":\"web\"}",
        "\"spec\":{\"containers\":[{}],\"volumes\":[{\"configMap\":{\"name\":\"cfg\"}}]},"
        "\"status\":{\"phase\":\"Pending\"}");
    EDGE(&f, "Pod/shop/p", "mounts", "ConfigMap/shop/cfg");
    CHECK_STR(status(&f, "Pod/shop/p"), "warning");
    rec_t r = {0};
    graph_set_listener(f.g, listener, &r);
    mod(&f, "Pod/shop/p", "\"labels\":{\"app\":\"web\"}",
        "\"spec\":{\"containers\":[{}],\"volumes\":[{\"configMap\":{\"name\":\"cfg\"}}]}," RUNNING_STATUS);
    CHECK_STR(status(&f, "Pod/shop/p"), "ok");
    CHECK_STR(r.log.data, "N+ Pod/shop/p\n"); /* no edge churn */
    EDGE(&f, "Pod/shop/p", "mounts", "ConfigMap/shop/cfg");
    const char *app = store_obj_label_str(f.s, oid(&f, "Pod/shop/p"), "app");
    CHECK_STR(app, "web");
    /* then a spec change is seen */
    buf_reset(&r.log);
    mod(&f, "Pod/shop/p", "\"labels\":{\"app\":\"web\"}", "\"spec\":{\"containers\":[{}]}," RUNNING_STATUS);
    NO_EDGE(&f, "Pod/shop/p", "mounts", "ConfigMap/shop/cfg");
    CHECK_STR(r.log.data, "N+ Pod/shop/p\nE- Pod/shop/p mounts ConfigMap/shop/cfg\n");
    buf_free(&r.log);
    fx_free(&f);
}

TEST(namespace_kind_and_label_queries)
{
    fx_t f;
    fx_init(&f);
    shop(&f, false);
    const char *ns[] = {"shop"}, *kinds[] = {"Pod"};
    graph_query_t q = {.namespaces = ns, .nnamespaces = 1, .no_layout = true};
    err_t err = {0};
    graph_result_t *r = graph_query_run(f.g, &q, &err);
    CHECK_INT(graph_result_node_count(r), 8);
    graph_result_free(r);
    q.kinds = kinds;
    q.nkinds = 1;
    r = graph_query_run(f.g, &q, &err);
    CHECK_INT(graph_result_node_count(r), 2);
    CHECK_INT(graph_result_edge_count(r), 0);
    graph_result_free(r);
    graph_query_t q2 = {.label_selector = "app=web", .no_layout = true};
    r = graph_query_run(f.g, &q2, &err);
    CHECK_INT(graph_result_node_count(r), 5); /* deployment, rs, 2 pods in shop, 1 in other */
    graph_result_free(r);
    q2.label_selector = "app in (";
    CHECK(graph_query_run(f.g, &q2, &err) == NULL);
    CHECK_INT(err.code, ERR_INVALID);
    fx_free(&f);
}

TEST(svg_and_dot_exports_draw_the_layout)
{
    fx_t f;
    fx_init(&f);
    shop(&f, false);
    mod(&f, "Pod/shop/web-1-a",
        "\"labels\":{\"app\":\"web\"},\"creationTimestamp\":\"2026-01-01T00:01:00Z\"," OWNER("ReplicaSet",
                                                                                             "web-1", "r"),
        CRASHING);
    const char *ns[] = {"shop"};
    graph_query_t q = {.namespaces = ns, .nnamespaces = 1};
    buf_t svg = {0}, dot = {0}, js = {0};
    err_t err = {0};
    CHECK_INT(graph_export(f.g, &q, "svg", &svg, &err), 0);
    CHECK_INT(graph_export(f.g, &q, "dot", &dot, &err), 0);
    CHECK_INT(graph_export(f.g, &q, "json", &js, &err), 0);
    CHECK(strncmp(svg.data, "<svg ", 5) == 0);
    CHECK(strstr(svg.data, "Pod/shop/web-1-a") != NULL);
    CHECK(strstr(svg.data, "#c62828") != NULL); /* error colour */
    CHECK(strstr(svg.data, ">deploy</text>") != NULL);
    CHECK(strstr(svg.data, "class=\"legend\"") != NULL);
    CHECK(strstr(svg.data, ">selects</text>") != NULL);
    CHECK(strncmp(dot.data, "digraph topology {", 18) == 0);
    CHECK(strstr(dot.data, "\"ReplicaSet.apps/shop/web-1\" -> \"Pod/shop/web-1-a\" [label=\"owns\"") != NULL);
    /* the SVG node boxes sit at the JSON coordinates */
    cJSON *doc = cJSON_Parse(js.data);
    CHECK(doc != NULL);
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(doc, "nodes"))
    {
        char want[128];
        snprintf(want, sizeof want, "x=\"%d\" y=\"%d\" width=\"180\"",
                 (int)cJSON_GetObjectItem(n, "x")->valuedouble - 90,
                 (int)cJSON_GetObjectItem(n, "y")->valuedouble - 32);
        if (!strstr(svg.data, want))
            TEST_FAIL_("svg lacks %s for %s", want, cJSON_GetObjectItem(n, "id")->valuestring);
    }
    cJSON_Delete(doc);
    CHECK_INT(graph_export(f.g, &q, "png", &js, &err), ERR_INVALID);
    buf_free(&svg);
    buf_free(&dot);
    buf_free(&js);
    fx_free(&f);
}

TEST(search_finds_names_across_clusters)
{
    fx_t a, b;
    fx_init(&a);
    fx_init(&b);
    shop(&a, false);
    put(&b, "Pod/x/WEB-frontend", NULL, NULL);
    graph_t *gs[] = {a.g, b.g};
    buf_t out = {0};
    graph_search_json(gs, 2, "web-1-", 10, &out);
    CHECK(strstr(out.data, "\"id\":\"Pod/shop/web-1-a\"") != NULL);
    CHECK(strstr(out.data, "\"truncated\":false") != NULL);
    buf_reset(&out);
    graph_search_json(gs, 2, "web", 2, &out);
    CHECK(strstr(out.data, "\"truncated\":true") != NULL);
    buf_reset(&out);
    graph_search_json(gs, 2, "frontend", 10, &out);
    CHECK(strstr(out.data, "WEB-frontend") != NULL);
    buf_free(&out);
    fx_free(&a);
    fx_free(&b);
}

TEST_MAIN()
