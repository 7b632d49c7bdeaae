/* test_graph_layout.c — the topology layout (core/graph/layout.c) and what
 * the query layer feeds it (core/graph/query.c): role columns left to right,
 * owners above owned, application / traffic / shared / unattached groups,
 * no overlapping boxes, a sane aspect ratio, independence from event order,
 * stability when one Pod comes or goes, Events and Leases left out, and an
 * SVG that draws the JSON's coordinates and groups.
 *
 * The fixture is a ~100-object namespace "shop" built like a real one:
 * Deployments with ReplicaSets and Pods, Services with EndpointSlices,
 * HPAs, a PDB, a StatefulSet with its PVC, a multi-app Ingress with its TLS
 * Secret, a ConfigMap and a ServiceAccount several apps use, an RBAC pair,
 * unreferenced objects, Events and a Lease. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/mem.h"
#include "graph/graph.h"
#include "script/script.h"
#include "store/store.h"
#include "test.h"

#define NODE_W 180.0
#define NODE_H 64.0

/* ---------------------------------------------------------------- rules (as plugins/core-relations.lua) */

#include "graph_rules.h"

#define RBAC ".rbac.authorization.k8s.io"

static void core_rules(rules_t *rs)
{
    add_rule(rs, SCRIPT_REL_OWNER, "owns", "*", "*", NULL);
    add_rule(rs, SCRIPT_REL_SELECTOR, "selects", "Service", "Pod", "spec.selector")->selector_form =
        SCRIPT_SEL_MAP;
    add_rule(rs, SCRIPT_REL_SELECTOR, "selects", "PodDisruptionBudget.policy", "Pod", "spec.selector")
        ->selector_form = SCRIPT_SEL_LABEL_SELECTOR;
    add_rule(rs, SCRIPT_REL_REF, "routes", "Ingress.networking.k8s.io", "Service",
             "spec.rules[*].http.paths[*].backend.service.name");
    add_rule(rs, SCRIPT_REL_REF, "terminates", "Ingress.networking.k8s.io", "Secret", "spec.tls[*].secretName");
    add_rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "ConfigMap", "spec.volumes[*].configMap.name");
    add_rule(rs, SCRIPT_REL_REF, "mounts", "Pod", "PersistentVolumeClaim",
             "spec.volumes[*].persistentVolumeClaim.claimName");
    add_rule(rs, SCRIPT_REL_REF, "uses", "Pod", "ServiceAccount", "spec.serviceAccountName");
    add_rule(rs, SCRIPT_REL_REF, "runs-on", "Pod", "Node", "spec.nodeName")->cross_namespace = true;
    add_rule(rs, SCRIPT_REL_REF, "scales", "HorizontalPodAutoscaler.autoscaling", "Deployment.apps",
             "spec.scaleTargetRef");
    add_rule(rs, SCRIPT_REL_REF, "grants", "RoleBinding" RBAC, "Role" RBAC, "roleRef");
    add_rule(rs, SCRIPT_REL_REF, "grants", "RoleBinding" RBAC, "ServiceAccount", "subjects[*]");
}

/* ---------------------------------------------------------------- fixture */

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

/* One object: its ID, extra metadata (JSON members) and body members. */
typedef struct obj {
    char id[128];
    char *meta, *body;
} obj_t;

typedef struct world {
    obj_t *o;
    size_t n, cap;
    int clock; /* creation times: one minute per object, in declaration order */
} world_t;

static void w_add(world_t *w, const char *id, const char *meta, const char *body)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->o = xrealloc(w->o, w->cap * sizeof *w->o);
    }
    obj_t *o = &w->o[w->n++];
    snprintf(o->id, sizeof o->id, "%s", id);
    buf_t m = {0};
    int t = w->clock++;
    buf_printf(&m, "\"creationTimestamp\":\"2026-01-01T%02d:%02d:00Z\"", t / 60, t % 60);
    if (meta && *meta) buf_printf(&m, ",%s", meta);
    o->meta = buf_steal(&m);
    o->body = xstrdup(body ? body : "");
}

static void w_free(world_t *w)
{
    for (size_t i = 0; i < w->n; i++) free(w->o[i].meta), free(w->o[i].body);
    free(w->o);
}

static store_kind_t kind_of(const char *id, char *buf, size_t n)
{
    const char *slash = strchr(id, '/');
    snprintf(buf, n, "%.*s", (int)(slash - id), id);
    char *dot = strchr(buf, '.');
    store_kind_t k = {"", "v1", buf, slash[1] != '/'};
    if (dot) {
        *dot = '\0';
        k.group = dot + 1;
    }
    return k;
}

static void apply(fx_t *f, int type, const obj_t *o)
{
    char kb[128];
    store_kind_t k = kind_of(o->id, kb, sizeof kb);
    const char *a = strchr(o->id, '/'), *b = strchr(a + 1, '/');
    buf_t j = {0};
    buf_printf(&j, "{\"metadata\":{\"name\":\"%s\",\"uid\":\"%s\"", b + 1, o->id);
    if (b > a + 1) buf_printf(&j, ",\"namespace\":\"%.*s\"", (int)(b - a - 1), a + 1);
    if (o->meta && *o->meta) buf_printf(&j, ",%s", o->meta);
    buf_puts(&j, "}");
    if (o->body && *o->body) buf_printf(&j, ",%s", o->body);
    buf_puts(&j, "}");
    cJSON *x = cJSON_Parse(j.data);
    if (!x) TEST_FAIL_("bad fixture: %s", j.data);
    err_t err = {0};
    if (store_apply_event(f->s, type, &k, x, &err)) TEST_FAIL_("apply %s: %s", o->id, err.msg);
    cJSON_Delete(x);
    buf_free(&j);
}

static void del(fx_t *f, const char *id)
{
    obj_t o = {{0}, NULL, NULL};
    snprintf(o.id, sizeof o.id, "%s", id);
    apply(f, STORE_EV_DELETED, &o);
}

#define OWNED(kind, name, group)                                                                             \
    "\"ownerReferences\":[{\"apiVersion\":\"" group "\",\"kind\":\"" kind "\",\"name\":\"" name              \
    "\",\"uid\":\"x\",\"controller\":true}]"

/* A Deployment with a ReplicaSet and n Pods, a Service (with an
 * EndpointSlice) selecting them; the Pods mount config and use sa. */
static void w_app(world_t *w, const char *app, int pods, const char *config, const char *sa)
{
    char id[128], meta[512], body[512];
    snprintf(meta, sizeof meta, "\"labels\":{\"app\":\"%s\"}", app);
    snprintf(id, sizeof id, "Deployment.apps/shop/%s", app);
    w_add(w, id, meta, NULL);
    snprintf(id, sizeof id, "ReplicaSet.apps/shop/%s-5f6d", app);
    snprintf(meta, sizeof meta,
             "\"labels\":{\"app\":\"%s\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
             "\"Deployment\",\"name\":\"%s\",\"uid\":\"x\",\"controller\":true}]",
             app, app);
    w_add(w, id, meta, NULL);
    for (int p = 0; p < pods; p++) {
        snprintf(id, sizeof id, "Pod/shop/%s-5f6d-p%02d", app, p);
        snprintf(meta, sizeof meta,
                 "\"labels\":{\"app\":\"%s\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
                 "\"ReplicaSet\",\"name\":\"%s-5f6d\",\"uid\":\"x\",\"controller\":true}]",
                 app, app);
        snprintf(body, sizeof body,
                 "\"spec\":{\"nodeName\":\"n1\",\"serviceAccountName\":\"%s\",\"volumes\":[{\"configMap\":{"
                 "\"name\":\"%s\"}}]}",
                 sa, config);
        w_add(w, id, meta, body);
    }
    snprintf(id, sizeof id, "Service/shop/%s", app);
    snprintf(body, sizeof body, "\"spec\":{\"selector\":{\"app\":\"%s\"}}", app);
    w_add(w, id, NULL, body);
    snprintf(id, sizeof id, "EndpointSlice.discovery.k8s.io/shop/%s-abcde", app);
    snprintf(meta, sizeof meta,
             "\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"name\":\"%s\",\"uid\":\"x\"}]",
             app);
    w_add(w, id, meta, NULL);
}

/* The ~100-object namespace. */
static void w_shop(world_t *w)
{
    static const char *const apps[] = {"web", "api", "cart", "search", "worker", "mailer", "billing", "auth"};
    static const int pods[] = {4, 3, 3, 4, 5, 2, 3, 2};
    for (int a = 0; a < 8; a++) {
        char cfg[64];
        snprintf(cfg, sizeof cfg, "%s-config", apps[a]);
        /* web and api share "settings" and the "backend" ServiceAccount */
        w_app(w, apps[a], pods[a], a < 2 ? "settings" : cfg, a < 3 ? "backend" : a < 7 ? "default" : "auth");
        if (a >= 2) {
            char id[128];
            snprintf(id, sizeof id, "ConfigMap/shop/%s", cfg);
            w_add(w, id, NULL, NULL);
        }
    }
    w_add(w, "ConfigMap/shop/settings", NULL, NULL);
    w_add(w, "ServiceAccount/shop/backend", NULL, NULL);
    w_add(w, "ServiceAccount/shop/default", NULL, NULL);
    w_add(w, "ServiceAccount/shop/auth", NULL, NULL);
    w_add(w, "HorizontalPodAutoscaler.autoscaling/shop/web", NULL,
          "\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"}}");
    w_add(w, "PodDisruptionBudget.policy/shop/web", NULL, "\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}");
    /* a StatefulSet and its claim */
    w_add(w, "StatefulSet.apps/shop/db", "\"labels\":{\"app\":\"db\"}", NULL);
    w_add(w, "Pod/shop/db-0", "\"labels\":{\"app\":\"db\"}," OWNED("StatefulSet", "db", "apps/v1"),
          "\"spec\":{\"volumes\":[{\"persistentVolumeClaim\":{\"claimName\":\"data-db-0\"}}]}");
    w_add(w, "PersistentVolumeClaim/shop/data-db-0", NULL, NULL);
    w_add(w, "Service/shop/db", NULL, "\"spec\":{\"selector\":{\"app\":\"db\"}}");
    /* an unlabelled Deployment: grouped under its own name */
    w_add(w, "Deployment.apps/shop/nolabel", NULL, NULL);
    w_add(w, "ReplicaSet.apps/shop/nolabel-1", OWNED("Deployment", "nolabel", "apps/v1"), NULL);
    w_add(w, "Pod/shop/nolabel-1-a", OWNED("ReplicaSet", "nolabel-1", "apps/v1"), NULL);
    /* the entry: one Ingress for web and api, with its certificate */
    w_add(w, "Ingress.networking.k8s.io/shop/front", NULL,
          "\"spec\":{\"tls\":[{\"secretName\":\"front-tls\"}],\"rules\":[{\"http\":{\"paths\":[{\"backend\":{"
          "\"service\":{\"name\":\"web\"}}},{\"backend\":{\"service\":{\"name\":\"api\"}}}]}}]}");
    w_add(w, "Secret/shop/front-tls", NULL, NULL);
    /* RBAC for the shared ServiceAccount */
    w_add(w, "RoleBinding.rbac.authorization.k8s.io/shop/backend-reader", NULL,
          "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"reader\"},"
          "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"backend\",\"namespace\":\"shop\"}]");
    w_add(w, "Role.rbac.authorization.k8s.io/shop/reader", NULL, NULL);
    /* nothing refers to these */
    for (int i = 0; i < 8; i++) {
        char id[128];
        snprintf(id, sizeof id, "ConfigMap/shop/unused-%d", i);
        w_add(w, id, i == 0 ? "\"labels\":{\"app\":\"web\"}" : NULL, NULL);
        snprintf(id, sizeof id, "Secret/shop/old-%d", i);
        w_add(w, id, NULL, NULL);
    }
    w_add(w, "ConfigMap/shop/kube-root-ca.crt", NULL, NULL);
    /* not topology */
    for (int i = 0; i < 6; i++) {
        char id[128];
        snprintf(id, sizeof id, "Event/shop/web.%04d", i);
        w_add(w, id, NULL, "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web\"}");
        snprintf(id, sizeof id, "Event.events.k8s.io/shop/api.%04d", i);
        w_add(w, id, NULL, NULL);
    }
    w_add(w, "Lease.coordination.k8s.io/shop/leader", NULL, NULL);
    /* elsewhere */
    w_add(w, "Node//n1", NULL, NULL);
    w_add(w, "Deployment.apps/other/x", "\"labels\":{\"app\":\"x\"}", NULL);
}

/* Apply the world in an order: 0 as declared, 1 reversed, 2.. shuffled. */
static void load(fx_t *f, const world_t *w, unsigned order)
{
    size_t *ix = xmalloc(w->n * sizeof *ix);
    for (size_t i = 0; i < w->n; i++) ix[i] = order == 1 ? w->n - 1 - i : i;
    if (order >= 2) {
        uint64_t s = order * 0x9E3779B97F4A7C15ull;
        for (size_t i = w->n - 1; i > 0; i--) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            size_t j = (size_t)(s % (i + 1)), t = ix[i];
            ix[i] = ix[j], ix[j] = t;
        }
    }
    for (size_t i = 0; i < w->n; i++) apply(f, STORE_EV_ADDED, &w->o[ix[i]]);
    free(ix);
}

/* ---------------------------------------------------------------- positions */

typedef struct pos {
    char id[128];
    double x, y;
} pos_t;

typedef struct snap {
    pos_t *p;
    size_t n;
} snap_t;

static snap_t snapshot(fx_t *f, const graph_query_t *q)
{
    err_t err = {0};
    graph_result_t *r = graph_query_run(f->g, q, &err);
    if (!r) TEST_FAIL_("query: %s", err.msg);
    snap_t s = {xcalloc(graph_result_node_count(r) + 1, sizeof(pos_t)), graph_result_node_count(r)};
    for (size_t i = 0; i < s.n; i++) {
        store_oid_t o;
        graph_result_node(r, i, &o, &s.p[i].x, &s.p[i].y);
        buf_t id = {0};
        store_obj_id(f->s, o, &id);
        snprintf(s.p[i].id, sizeof s.p[i].id, "%s", id.data);
        buf_free(&id);
    }
    graph_result_free(r);
    return s;
}

static const pos_t *find(const snap_t *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->p[i].id, id) == 0) return &s->p[i];
    return NULL;
}

static const pos_t *must(const snap_t *s, const char *id)
{
    const pos_t *p = find(s, id);
    if (!p) TEST_FAIL_("%s is not in the result", id);
    return p;
}

/* Nodes of a (other than those whose ID starts with skip) that are in b at
 * another place (more than 2 px away); the first is named in *which. */
static int moved(const snap_t *a, const snap_t *b, const char *skip, const char **which)
{
    int n = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (skip && strncmp(a->p[i].id, skip, strlen(skip)) == 0) continue;
        const pos_t *q = find(b, a->p[i].id);
        if (!q) continue;
        if (fabs(q->x - a->p[i].x) > 2 || fabs(q->y - a->p[i].y) > 2) {
            if (!n && which) *which = a->p[i].id;
            n++;
        }
    }
    return n;
}

static const char *const SHOP[] = {"shop"};
static const graph_query_t Q_SHOP = {.namespaces = SHOP, .nnamespaces = 1};

/* ---------------------------------------------------------------- tests */

TEST(columns_follow_traffic_and_ownership_left_to_right)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    /* an Ingress for one application belongs to that application's group */
    w_add(&w, "Ingress.networking.k8s.io/shop/search", NULL,
          "\"spec\":{\"rules\":[{\"http\":{\"paths\":[{\"backend\":{\"service\":{\"name\":\"search\"}}}]}}]}");
    load(&f, &w, 0);
    snap_t s = snapshot(&f, &Q_SHOP);
    const pos_t *ing = must(&s, "Ingress.networking.k8s.io/shop/search"), *svc = must(&s, "Service/shop/search"),
                *dep = must(&s, "Deployment.apps/shop/search"), *rs = must(&s, "ReplicaSet.apps/shop/search-5f6d"),
                *pod = must(&s, "Pod/shop/search-5f6d-p00"), *cm = must(&s, "ConfigMap/shop/search-config");
    CHECK(ing->x < svc->x && svc->x < dep->x && dep->x < rs->x && rs->x < pod->x && pod->x < cm->x);
    /* owners above what they own; the Service beside its Pods */
    CHECK(dep->y < rs->y && rs->y < pod->y);
    CHECK(fabs(svc->y - pod->y) < 1 && fabs(ing->y - svc->y) < 1);
    /* the EndpointSlice under its Service, the HPA beside its Deployment */
    const pos_t *eps = must(&s, "EndpointSlice.discovery.k8s.io/shop/web-abcde"), *wsvc = must(&s, "Service/shop/web"),
                *hpa = must(&s, "HorizontalPodAutoscaler.autoscaling/shop/web"),
                *wdep = must(&s, "Deployment.apps/shop/web");
    CHECK(eps->x == wsvc->x && eps->y > wsvc->y);
    CHECK(hpa->x < wdep->x && fabs(hpa->y - wdep->y) < 1);
    /* a StatefulSet's Pods sit in the Pod column, its claim right of them */
    const pos_t *sts = must(&s, "StatefulSet.apps/shop/db"), *db0 = must(&s, "Pod/shop/db-0"),
                *pvc = must(&s, "PersistentVolumeClaim/shop/data-db-0");
    CHECK(sts->x < db0->x && db0->x < pvc->x && sts->y < db0->y);
    free(s.p);
    w_free(&w);
    fx_free(&f);
}

static bool overlap(const pos_t *a, const pos_t *b)
{
    return fabs(a->x - b->x) < NODE_W && fabs(a->y - b->y) < NODE_H;
}

static void check_no_overlap(const snap_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++)
            if (overlap(&s->p[i], &s->p[j]))
                TEST_FAIL_("%s (%.0f,%.0f) overlaps %s (%.0f,%.0f)", s->p[i].id, s->p[i].x, s->p[i].y, s->p[j].id,
                           s->p[j].x, s->p[j].y);
}

TEST(no_two_node_boxes_overlap)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    load(&f, &w, 0);
    snap_t s = snapshot(&f, &Q_SHOP);
    CHECK(s.n > 80);
    check_no_overlap(&s);
    free(s.p);
    graph_query_t all = {0};
    s = snapshot(&f, &all);
    check_no_overlap(&s);
    free(s.p);
    /* a focus query (laid out fresh, not from the cache) */
    graph_query_t fq = {.focus = "Service/shop/web", .depth = 3};
    s = snapshot(&f, &fq);
    CHECK(s.n > 5);
    check_no_overlap(&s);
    free(s.p);
    w_free(&w);
    fx_free(&f);
}

TEST(same_graph_in_any_event_order_gives_the_same_coordinates)
{
    world_t w = {0};
    w_shop(&w);
    char *want = NULL;
    for (unsigned order = 0; order < 5; order++) {
        fx_t f;
        fx_init(&f);
        load(&f, &w, order);
        /* churn that leaves the graph as it was */
        obj_t tmp = {"Pod/shop/tmp", "\"labels\":{\"app\":\"web\"}", ""};
        apply(&f, STORE_EV_ADDED, &tmp);
        del(&f, "Pod/shop/tmp");
        buf_t b = {0};
        err_t err = {0};
        CHECK_INT(graph_export(f.g, &Q_SHOP, "json", &b, &err), 0);
        graph_query_t all = {0};
        CHECK_INT(graph_export(f.g, &all, "json", &b, &err), 0);
        if (!want)
            want = buf_steal(&b);
        else {
            CHECK_STR(b.data, want);
            buf_free(&b);
        }
        fx_free(&f);
    }
    free(want);
    w_free(&w);
}

TEST(one_new_pod_moves_no_other_node)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    load(&f, &w, 0);
    snap_t before = snapshot(&f, &Q_SHOP);
    CHECK(before.n >= 95 && before.n <= 110);
    obj_t pod = {"Pod/shop/web-5f6d-p99",
                 "\"creationTimestamp\":\"2026-01-02T00:00:00Z\",\"labels\":{\"app\":\"web\"}," OWNED(
                     "ReplicaSet", "web-5f6d", "apps/v1"),
                 "\"spec\":{\"serviceAccountName\":\"backend\",\"volumes\":[{\"configMap\":{\"name\":\"settings\"}}]}"};
    apply(&f, STORE_EV_ADDED, &pod);
    snap_t after = snapshot(&f, &Q_SHOP);
    CHECK_INT((int)after.n, (int)before.n + 1);
    const char *which = NULL;
    int n = moved(&before, &after, NULL, &which);
    if (n) TEST_FAIL_("%d nodes moved, first %s", n, which);
    /* the new Pod takes the next cell of its ReplicaSet's Pods */
    const pos_t *p2 = must(&before, "Pod/shop/web-5f6d-p02"), *p99 = must(&after, "Pod/shop/web-5f6d-p99");
    CHECK(p99->x == p2->x && p99->y > p2->y);
    free(before.p);
    free(after.p);
    w_free(&w);
    fx_free(&f);
}

TEST(deleting_a_pod_moves_only_its_younger_siblings)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    load(&f, &w, 0);
    snap_t s0 = snapshot(&f, &Q_SHOP);
    /* the newest Pod of api: nothing else moves */
    del(&f, "Pod/shop/api-5f6d-p02");
    snap_t s1 = snapshot(&f, &Q_SHOP);
    const char *which = NULL;
    int n = moved(&s0, &s1, NULL, &which);
    if (n) TEST_FAIL_("%d nodes moved, first %s", n, which);
    /* the oldest Pod of cart: its younger siblings take its place, in
     * order; nothing outside cart's Pods moves */
    del(&f, "Pod/shop/cart-5f6d-p00");
    snap_t s2 = snapshot(&f, &Q_SHOP);
    n = moved(&s1, &s2, "Pod/shop/cart-5f6d-", &which);
    if (n) TEST_FAIL_("%d nodes moved, first %s", n, which);
    CHECK(must(&s2, "Pod/shop/cart-5f6d-p01")->y == must(&s1, "Pod/shop/cart-5f6d-p00")->y);
    free(s0.p);
    free(s1.p);
    free(s2.p);
    w_free(&w);
    fx_free(&f);
}

/* Scaling one Deployment from 1 to 40 Pods a Pod at a time: the rest of the
 * namespace moves only when the block outgrows a reserve step or the Pod
 * grid widens — 7 of the 39 steps with the ladder (6, 8, 12, 16, …) and
 * grid widths (1 column up to 6 Pods, 2 up to 24, 4 up to 96). */
TEST(scaling_up_moves_the_rest_only_at_reserve_steps)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    load(&f, &w, 0);
    int moves = 0, pod_moves = 0;
    snap_t prev = snapshot(&f, &Q_SHOP);
    for (int p = 1; p < 40; p++) {
        obj_t pod = {{0}, NULL, NULL};
        snprintf(pod.id, sizeof pod.id, "Pod/shop/mailer-5f6d-q%02d", p);
        char meta[512];
        snprintf(meta, sizeof meta,
                 "\"creationTimestamp\":\"2026-01-03T00:%02d:00Z\",\"labels\":{\"app\":\"mailer\"}," OWNED(
                     "ReplicaSet", "mailer-5f6d", "apps/v1"),
                 p);
        pod.meta = meta;
        pod.body = "";
        apply(&f, STORE_EV_ADDED, &pod);
        snap_t cur = snapshot(&f, &Q_SHOP);
        check_no_overlap(&cur);
        int others = moved(&prev, &cur, "Pod/shop/mailer-", NULL), all = moved(&prev, &cur, NULL, NULL);
        if (others) moves++;
        if (all > others) pod_moves++;
        if (getenv("LAYOUT_DEBUG")) fprintf(stderr, "pods %d: %d others moved, %d pods moved\n", p + 1, others, all - others);
        free(prev.p);
        prev = cur;
    }
    free(prev.p);
    CHECK(moves <= 7);
    /* the Pods themselves re-flow when the grid widens (7, 25 Pods) and move
     * with their group when the namespace re-packs (twice) */
    CHECK(pod_moves <= 4);
    w_free(&w);
    fx_free(&f);
}

/* The groups of the JSON answer, by kind and name. */
static const cJSON *group(const cJSON *doc, const char *kind, const char *name)
{
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(doc, "groups"))
    {
        if (strcmp(cJSON_GetObjectItem(g, "kind")->valuestring, kind) != 0) continue;
        if (name && strcmp(cJSON_GetObjectItem(g, "name")->valuestring, name) != 0) continue;
        return g;
    }
    return NULL;
}

static double gnum(const cJSON *g, const char *k)
{
    return cJSON_GetObjectItem(g, k)->valuedouble;
}

static bool inside(const cJSON *g, const pos_t *p)
{
    return p->x - NODE_W / 2 >= gnum(g, "x") && p->x + NODE_W / 2 <= gnum(g, "x") + gnum(g, "w") &&
           p->y - NODE_H / 2 >= gnum(g, "y") && p->y + NODE_H / 2 <= gnum(g, "y") + gnum(g, "h");
}

TEST(applications_traffic_shared_and_unattached_groups)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    load(&f, &w, 0);
    buf_t b = {0};
    err_t err = {0};
    CHECK_INT(graph_export(f.g, &Q_SHOP, "json", &b, &err), 0);
    cJSON *doc = cJSON_Parse(b.data);
    CHECK(doc != NULL);
    snap_t s = snapshot(&f, &Q_SHOP);
    const cJSON *web = group(doc, "app", "web"), *traffic = group(doc, "traffic", NULL),
                *shared = group(doc, "shared", NULL), *loose = group(doc, "unattached", NULL),
                *frame = group(doc, "namespace", "shop"), *nolabel = group(doc, "app", "nolabel");
    CHECK(web && traffic && shared && loose && frame && nolabel);
    /* members */
    CHECK(inside(web, must(&s, "Pod/shop/web-5f6d-p00")));
    CHECK(inside(web, must(&s, "Service/shop/web")));
    CHECK(inside(web, must(&s, "HorizontalPodAutoscaler.autoscaling/shop/web")));
    CHECK(inside(nolabel, must(&s, "Pod/shop/nolabel-1-a")));
    CHECK(inside(traffic, must(&s, "Ingress.networking.k8s.io/shop/front")));
    CHECK(inside(traffic, must(&s, "Secret/shop/front-tls")));
    CHECK(inside(shared, must(&s, "ConfigMap/shop/settings")));
    CHECK(inside(shared, must(&s, "ServiceAccount/shop/backend")));
    CHECK(inside(shared, must(&s, "RoleBinding.rbac.authorization.k8s.io/shop/backend-reader")));
    CHECK(inside(shared, must(&s, "Role.rbac.authorization.k8s.io/shop/reader")));
    /* a ServiceAccount one application uses stays in it; one several use is shared */
    CHECK(inside(group(doc, "app", "auth"), must(&s, "ServiceAccount/shop/auth")));
    CHECK(inside(shared, must(&s, "ServiceAccount/shop/default")));
    CHECK(inside(group(doc, "app", "worker"), must(&s, "ConfigMap/shop/worker-config")));
    CHECK(inside(loose, must(&s, "ConfigMap/shop/unused-0")));  /* labelled, but nothing refers to it */
    CHECK(inside(loose, must(&s, "ConfigMap/shop/kube-root-ca.crt")));
    CHECK(inside(loose, must(&s, "Secret/shop/old-5")));
    /* traffic left of every application, shared right of them, unattached below */
    double app_left = 1e9, app_right = -1e9, app_bottom = -1e9;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(doc, "groups"))
    {
        if (strcmp(cJSON_GetObjectItem(g, "kind")->valuestring, "app") != 0) continue;
        if (gnum(g, "x") < app_left) app_left = gnum(g, "x");
        if (gnum(g, "x") + gnum(g, "w") > app_right) app_right = gnum(g, "x") + gnum(g, "w");
        if (gnum(g, "y") + gnum(g, "h") > app_bottom) app_bottom = gnum(g, "y") + gnum(g, "h");
        CHECK(inside(frame, &(pos_t){"", gnum(g, "x") + NODE_W / 2, gnum(g, "y") + NODE_H / 2}));
    }
    CHECK(gnum(traffic, "x") + gnum(traffic, "w") <= app_left);
    CHECK(gnum(shared, "x") >= app_right);
    CHECK(gnum(loose, "y") >= app_bottom);
    CHECK(gnum(loose, "y") >= gnum(traffic, "y") + gnum(traffic, "h"));
    CHECK(gnum(loose, "y") >= gnum(shared, "y") + gnum(shared, "h"));
    for (size_t i = 0; i < s.n; i++) CHECK(inside(frame, &s.p[i]));
    /* a sane aspect ratio, not a strip */
    double aspect = gnum(frame, "w") / gnum(frame, "h");
    if (aspect < 0.7 || aspect > 3.2) TEST_FAIL_("namespace frame aspect %.2f", aspect);
    cJSON_Delete(doc);
    free(s.p);
    buf_free(&b);
    w_free(&w);
    fx_free(&f);
}

TEST(many_applications_pack_into_a_grid_near_16_9)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    for (int a = 0; a < 40; a++) {
        char app[32];
        snprintf(app, sizeof app, "app-%02d", a);
        w_app(&w, app, 1 + a % 4, "shared-config", "default");
    }
    w_add(&w, "ConfigMap/shop/shared-config", NULL, NULL);
    w_add(&w, "ServiceAccount/shop/default", NULL, NULL);
    load(&f, &w, 0);
    buf_t b = {0};
    err_t err = {0};
    CHECK_INT(graph_export(f.g, &Q_SHOP, "json", &b, &err), 0);
    cJSON *doc = cJSON_Parse(b.data);
    const cJSON *frame = group(doc, "namespace", "shop");
    double aspect = gnum(frame, "w") / gnum(frame, "h");
    if (aspect < 1.2 || aspect > 2.6) TEST_FAIL_("40 applications: frame aspect %.2f", aspect);
    /* groups in reading order by name: app-00 left of app-01 on the first shelf */
    CHECK(gnum(group(doc, "app", "app-00"), "x") < gnum(group(doc, "app", "app-01"), "x"));
    snap_t s = snapshot(&f, &Q_SHOP);
    check_no_overlap(&s);
    free(s.p);
    cJSON_Delete(doc);
    buf_free(&b);
    w_free(&w);
    fx_free(&f);
}

TEST(events_and_leases_are_not_topology_nodes_unless_asked_for)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    load(&f, &w, 0);
    snap_t s = snapshot(&f, &Q_SHOP);
    for (size_t i = 0; i < s.n; i++) {
        CHECK(strncmp(s.p[i].id, "Event/", 6) != 0);
        CHECK(strncmp(s.p[i].id, "Event.events.k8s.io/", 20) != 0);
        CHECK(strncmp(s.p[i].id, "Lease.", 6) != 0);
    }
    free(s.p);
    graph_query_t all = {0};
    s = snapshot(&f, &all);
    CHECK(find(&s, "Event/shop/web.0000") == NULL && find(&s, "Lease.coordination.k8s.io/shop/leader") == NULL);
    CHECK(find(&s, "Node//n1") != NULL);
    free(s.p);
    /* named kinds bring them back */
    const char *kinds[] = {"Event", "Lease.coordination.k8s.io"};
    graph_query_t qk = {.namespaces = SHOP, .nnamespaces = 1, .kinds = kinds, .nkinds = 2};
    s = snapshot(&f, &qk);
    CHECK_INT((int)s.n, 7);
    CHECK(find(&s, "Event/shop/web.0005") != NULL && find(&s, "Lease.coordination.k8s.io/shop/leader") != NULL);
    free(s.p);
    /* so does a focus on one */
    graph_query_t qf = {.focus = "Event/shop/web.0001"};
    s = snapshot(&f, &qf);
    CHECK_INT((int)s.n, 1);
    free(s.p);
    w_free(&w);
    fx_free(&f);
}

TEST(cluster_scoped_objects_have_their_own_frame_above_the_namespaces)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    w_add(&w, "Node//n2", NULL, NULL);
    w_add(&w, "StorageClass.storage.k8s.io//fast", NULL, NULL);
    load(&f, &w, 0);
    graph_query_t all = {0};
    buf_t b = {0};
    err_t err = {0};
    CHECK_INT(graph_export(f.g, &all, "json", &b, &err), 0);
    cJSON *doc = cJSON_Parse(b.data);
    snap_t s = snapshot(&f, &all);
    const cJSON *nodes = group(doc, "cluster", "Nodes"), *storage = group(doc, "cluster", "Storage"),
                *shop = group(doc, "namespace", "shop"), *other = group(doc, "namespace", "other");
    CHECK(nodes && storage && shop && other);
    CHECK(inside(nodes, must(&s, "Node//n1")) && inside(nodes, must(&s, "Node//n2")));
    CHECK(inside(storage, must(&s, "StorageClass.storage.k8s.io//fast")));
    CHECK(inside(other, must(&s, "Deployment.apps/other/x")));
    const cJSON *cl = group(doc, "cluster", "cluster-scoped");
    CHECK(cl != NULL);
    CHECK(gnum(cl, "y") + gnum(cl, "h") <= gnum(shop, "y") && gnum(cl, "y") + gnum(cl, "h") <= gnum(other, "y"));
    check_no_overlap(&s);
    free(s.p);
    cJSON_Delete(doc);
    buf_free(&b);
    w_free(&w);
    fx_free(&f);
}

TEST(svg_draws_the_json_coordinates_groups_and_legend)
{
    fx_t f;
    fx_init(&f);
    world_t w = {0};
    w_shop(&w);
    load(&f, &w, 0);
    buf_t svg = {0}, js = {0};
    err_t err = {0};
    CHECK_INT(graph_export(f.g, &Q_SHOP, "svg", &svg, &err), 0);
    CHECK_INT(graph_export(f.g, &Q_SHOP, "json", &js, &err), 0);
    cJSON *doc = cJSON_Parse(js.data);
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(doc, "nodes"))
    {
        char want[160];
        snprintf(want, sizeof want, "<rect x=\"%d\" y=\"%d\" width=\"180\" height=\"64\"",
                 (int)cJSON_GetObjectItem(n, "x")->valuedouble - 90, (int)cJSON_GetObjectItem(n, "y")->valuedouble - 32);
        if (!strstr(svg.data, want)) TEST_FAIL_("svg lacks %s", want);
    }
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(doc, "groups"))
    {
        char want[160];
        snprintf(want, sizeof want, "x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"", (int)gnum(g, "x"),
                 (int)gnum(g, "y"), (int)gnum(g, "w"), (int)gnum(g, "h"));
        if (!strstr(svg.data, want)) TEST_FAIL_("svg lacks group rectangle %s", want);
    }
    CHECK(strstr(svg.data, ">web</tspan>") != NULL);                  /* an application's title */
    CHECK(strstr(svg.data, ">traffic (several apps)</tspan>") != NULL); /* pseudo-groups' titles */
    CHECK(strstr(svg.data, ">shared (several apps)</tspan>") != NULL);
    CHECK(strstr(svg.data, ">unattached</tspan>") != NULL);
    CHECK(strstr(svg.data, "class=\"legend\"") != NULL);
    CHECK(strstr(svg.data, ">routes</text>") != NULL && strstr(svg.data, ">grants</text>") != NULL);
    CHECK(strstr(svg.data, "stroke-dasharray=\"6 4\" marker-end") != NULL); /* selects: dashed */
    CHECK(strstr(svg.data, "Event/") == NULL);
    cJSON_Delete(doc);
    buf_free(&svg);
    buf_free(&js);
    w_free(&w);
    fx_free(&f);
}

TEST(long_names_are_shortened_in_the_middle)
{
    fx_t f;
    fx_init(&f);
    obj_t o = {"ConfigMap/shop/a-very-long-configuration-map-name-with-suffix-xyz12", "", ""};
    apply(&f, STORE_EV_ADDED, &o);
    buf_t svg = {0};
    err_t err = {0};
    CHECK_INT(graph_export(f.g, &Q_SHOP, "svg", &svg, &err), 0);
    /* 28 characters: the start and the distinguishing end */
    CHECK(strstr(svg.data, ">a-very-long-c…h-suffix-xyz12</text>") != NULL);
    buf_free(&svg);
    fx_free(&f);
}

TEST_MAIN()
