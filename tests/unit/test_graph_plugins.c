/* test_graph_plugins.c — the shipped rule files through the real plugin host
 * into the graph: plugins/core-relations.lua and
 * examples/plugins/org-relations.lua loaded by core/script, compiled by
 * graph_set_rules, FUNCTION rules run by script_relation_eval, and a reload
 * recomputing edges — exactly the wiring the server does (see
 * docs/topology.md "Wiring"). Runs from the repository root. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "base/buf.h"
#include "graph/graph.h"
#include "script/script.h"
#include "store/store.h"
#include "test.h"

static int eval_fn(void *ud, const script_relation_t *rule, const char *obj_json, size_t len,
                   script_find_fn find, script_emit_fn emit, void *emit_ud, err_t *err)
{
    return script_relation_eval(ud, rule, obj_json, len, find, emit, emit_ud, err);
}

typedef struct ctx {
    script_host_t *h;
    graph_t *g;
    int swaps;
} ctx_t;

static void on_swap(script_host_t *h, void *ud)
{
    ctx_t *c = ud;
    size_t n = 0;
    const script_relation_t *r = script_host_relations(h, &n);
    err_t err = {0};
    if (graph_set_rules(c->g, r, n, &err)) TEST_FAIL_("rules: %s", err.msg);
    c->swaps++;
}

static void put(store_t *s, const char *group, const char *kind, bool namespaced, const char *json)
{
    store_kind_t k = {group, "v1", kind, namespaced};
    cJSON *o = cJSON_Parse(json);
    if (!o) TEST_FAIL_("bad fixture %s", json);
    err_t err = {0};
    if (store_apply_event(s, STORE_EV_ADDED, &k, o, &err)) TEST_FAIL_("apply: %s", err.msg);
    cJSON_Delete(o);
}

#define EDGE(g, a, t, b)                                                                                     \
    do {                                                                                                     \
        if (!graph_has_edge(g, a, b, t)) TEST_FAIL_("expected edge %s -%s-> %s", a, t, b);                   \
    } while (0)

static ctx_t *setup(store_t **s)
{
    setenv("KUBILITICS_LUA_DIR", "lua", 0);
    static ctx_t c;
    memset(&c, 0, sizeof c);
    const char *dirs[] = {"plugins", "examples/plugins"};
    script_limits_t lim = {0};
    err_t err = {0};
    c.h = script_host_new(NULL, NULL, dirs, 2, &lim, &err);
    if (!c.h) TEST_FAIL_("host: %s", err.msg);
    *s = store_new("c1");
    c.g = graph_new(*s);
    graph_set_fn_eval(c.g, eval_fn, c.h);
    script_host_on_swap(c.h, on_swap, &c);
    if (script_host_load(c.h, &err)) TEST_FAIL_("load: %s", err.msg);
    if (!c.swaps) on_swap(c.h, &c); /* hosts that do not call back on the first load */
    return &c;
}

static void teardown(ctx_t *c, store_t *s)
{
    graph_free(c->g);
    store_free(s);
    script_host_close(c->h);
}

TEST(shipped_plugins_compile_and_draw_core_and_org_edges)
{
    store_t *s;
    ctx_t *c = setup(&s);
    graph_stats_t st;
    graph_get_stats(c->g, &st);
    CHECK(st.rules >= 24);
    put(s, "", "Service", true,
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\",\"labels\":{\"app.kubernetes.io/"
        "part-of\":\"shop\"}},\"spec\":{\"selector\":{\"app\":\"web\"}}}");
    put(s, "", "Pod", true,
        "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"labels\":{\"app\":\"web\"}},\"spec\":{"
        "\"nodeName\":\"n1\",\"volumes\":[{\"secret\":{\"secretName\":\"web-tls\"}}]}}");
    put(s, "", "Node", false, "{\"metadata\":{\"name\":\"n1\"}}");
    put(s, "", "Secret", true, "{\"metadata\":{\"name\":\"web-tls\",\"namespace\":\"shop\"}}");
    put(s, "app.k8s.io", "Application", true,
        "{\"metadata\":{\"name\":\"shop\",\"namespace\":\"shop\",\"labels\":{\"app.kubernetes.io/"
        "name\":\"shop\"}}}");
    put(s, "cert-manager.io", "ClusterIssuer", false, "{\"metadata\":{\"name\":\"le\"}}");
    put(s, "cert-manager.io", "Certificate", true,
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"secretName\":\"web-tls\","
        "\"issuerRef\":{\"name\":\"le\",\"kind\":\"ClusterIssuer\"}}}");
    put(s, "cert-manager.io", "Certificate", true,
        "{\"metadata\":{\"name\":\"int\",\"namespace\":\"shop\"},\"spec\":{\"secretName\":\"int-tls\","
        "\"issuerRef\":{\"name\":\"ca\"}}}");
    EDGE(c->g, "Service/shop/web", "selects", "Pod/shop/web-1");
    EDGE(c->g, "Pod/shop/web-1", "runs-on", "Node//n1");
    EDGE(c->g, "Pod/shop/web-1", "mounts", "Secret/shop/web-tls");
    EDGE(c->g, "Application.app.k8s.io/shop/shop", "groups", "Service/shop/web");
    EDGE(c->g, "Certificate.cert-manager.io/shop/web", "issues", "Secret/shop/web-tls");
    /* the FUNCTION rule ran in Lua through script_relation_eval */
    EDGE(c->g, "Certificate.cert-manager.io/shop/web", "issued-by", "ClusterIssuer.cert-manager.io//le");
    buf_t b = {0};
    graph_node_missing_json(c->g, store_find(s, "Certificate.cert-manager.io/shop/int", 36), &b);
    CHECK_STR(b.data, "[\"Issuer.cert-manager.io/shop/ca\",\"Secret/shop/int-tls\"]");
    put(s, "cert-manager.io", "Issuer", true, "{\"metadata\":{\"name\":\"ca\",\"namespace\":\"shop\"}}");
    EDGE(c->g, "Certificate.cert-manager.io/shop/int", "issued-by", "Issuer.cert-manager.io/shop/ca");
    /* a reload recomputes everything from the store (FUNCTION rules from the
     * stored projection, which here lacks spec: their edges go until the
     * objects change again — see docs/topology.md) */
    err_t err = {0};
    int swaps = c->swaps;
    CHECK_INT(script_host_reload(c->h, &err), 0);
    CHECK(c->swaps == swaps + 1);
    EDGE(c->g, "Service/shop/web", "selects", "Pod/shop/web-1");
    EDGE(c->g, "Application.app.k8s.io/shop/shop", "groups", "Service/shop/web");
    buf_free(&b);
    teardown(c, s);
}

TEST_MAIN()
