/* test_script_testing.c — kubilitics.testing (Lua, for `plugin test`) gives
 * the server's answers: the same relation edges and missing references as
 * core/store + core/graph, the same route responses as core/script's
 * dispatch, the same kind names as script_kind_canonical. Each test runs one
 * input through both sides in this process (the Lua side in a plain
 * lua_State with lua/ on package.path) and compares. Runs from the
 * repository root. */
#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "graph/graph.h"
#include "script/script.h"
#include "store/store.h"
#include "test.h"

#define CONF_DIR "tests/lua/fixtures/conformance"

static lua_State *lua_side(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path") != LUA_OK)
        TEST_FAIL_("lua: %s", lua_tostring(L, -1));
    return L;
}

/* Run chunk (which returns a string) and copy the result into out. */
static void lua_run(lua_State *L, const char *chunk, buf_t *out)
{
    if (luaL_dostring(L, chunk) != LUA_OK) TEST_FAIL_("lua side failed: %s", lua_tostring(L, -1));
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    if (!s) TEST_FAIL_("lua side returned no string");
    buf_append(out, s, n);
    lua_pop(L, 1);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the lines of text, so both sides compare whatever order they list. */
static void sort_lines(buf_t *text)
{
    char *copy = xstrdup(buf_cstr(text));
    char *lines[4096];
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l && n < 4096; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    qsort(lines, n, sizeof *lines, cmp_line);
    buf_t out = {0};
    for (size_t i = 0; i < n; i++) buf_printf(&out, "%s\n", lines[i]);
    free(copy);
    buf_free(text);
    *text = out;
}

/* ---- relations ---- */

static int eval_fn(void *ud, const script_relation_t *rule, const char *obj_json, size_t len,
                   script_find_fn find, script_emit_fn emit, void *emit_ud, err_t *err)
{
    return script_relation_eval(ud, rule, obj_json, len, find, emit, emit_ud, err);
}

typedef struct dump_ctx {
    store_t *s;
    store_oid_t self;
    buf_t *out;
} dump_ctx_t;

static bool dump_edge(store_oid_t src, store_oid_t dst, const char *type, void *ud)
{
    dump_ctx_t *c = ud;
    if (src != c->self) return true; /* each edge once, from its source */
    store_obj_id(c->s, src, c->out);
    buf_printf(c->out, " %s ", type);
    store_obj_id(c->s, dst, c->out);
    buf_putc(c->out, '\n');
    return true;
}

/* The C side: rules set, objects applied, rules set again (so function
 * rules see every object, as the Lua side does), then every edge and
 * missing list written in kubilitics.testing's dump format. */
static void c_side_relations(buf_t *out)
{
    const char *dirs[] = {CONF_DIR};
    err_t err = {0};
    script_host_t *h = script_host_new(NULL, NULL, dirs, 1, NULL, &err);
    if (!h || script_host_load(h, &err) != 0) TEST_FAIL_("host: %s", err.msg);
    store_t *s = store_new("c1");
    graph_t *g = graph_new(s);
    graph_set_fn_eval(g, eval_fn, h);
    size_t nr = 0;
    const script_relation_t *rules = script_host_relations(h, &nr);
    if (graph_set_rules(g, rules, nr, &err) != 0) TEST_FAIL_("rules: %s", err.msg);

    size_t len = 0;
    FILE *f = fopen(CONF_DIR "/objects.json", "rb");
    if (!f) TEST_FAIL_("cannot open %s/objects.json", CONF_DIR);
    buf_t text = {0};
    char chunk[4096];
    while ((len = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&text, chunk, len);
    fclose(f);
    cJSON *list = cJSON_Parse(buf_cstr(&text));
    if (!list) TEST_FAIL_("objects.json does not parse");
    const cJSON *items = cJSON_GetObjectItem(list, "items"), *o;
    cJSON_ArrayForEach(o, items)
    {
        const char *api = cJSON_GetStringValue(cJSON_GetObjectItem(o, "apiVersion"));
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(o, "kind"));
        char group[128] = "";
        const char *slash = strchr(api, '/');
        if (slash) snprintf(group, sizeof group, "%.*s", (int)(slash - api), api);
        /* Namespaced when any object of the kind has a namespace, as the
         * Lua side decides (discovery does it in the server). */
        bool namespaced = false;
        const cJSON *x;
        cJSON_ArrayForEach(x, items)
        {
            if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "kind")), kind) == 0 &&
                cJSON_GetObjectItem(cJSON_GetObjectItem(x, "metadata"), "namespace"))
                namespaced = true;
        }
        store_kind_t k = {group, "v1", kind, namespaced};
        if (store_apply_event(s, STORE_EV_ADDED, &k, o, &err) != 0) TEST_FAIL_("apply %s: %s", kind, err.msg);
    }
    cJSON_Delete(list);
    buf_free(&text);
    if (graph_set_rules(g, rules, nr, &err) != 0) TEST_FAIL_("rules again: %s", err.msg);

    uint32_t cap = store_capacity(s);
    for (store_oid_t oid = 0; oid < cap; oid++) {
        if (!store_live(s, oid)) continue;
        dump_ctx_t c = {s, oid, out};
        graph_each_edge(g, oid, dump_edge, &c);
        buf_t miss = {0};
        if (graph_node_missing_json(g, oid, &miss) > 0) {
            cJSON *arr = cJSON_Parse(buf_cstr(&miss));
            int n = cJSON_GetArraySize(arr);
            const char **ids = calloc((size_t)n, sizeof *ids);
            for (int i = 0; i < n; i++) ids[i] = cJSON_GetStringValue(cJSON_GetArrayItem(arr, i));
            qsort(ids, (size_t)n, sizeof *ids, cmp_line);
            buf_puts(out, "missing ");
            store_obj_id(s, oid, out);
            buf_putc(out, ':');
            for (int i = 0; i < n; i++) {
                /* duplicates differ only in edge type on the C side */
                if (i && strcmp(ids[i], ids[i - 1]) == 0) continue;
                buf_printf(out, " %s", ids[i]);
            }
            buf_putc(out, '\n');
            free(ids);
            cJSON_Delete(arr);
        }
        buf_free(&miss);
    }
    graph_free(g);
    store_free(s);
    script_host_close(h);
}

TEST(lua_evaluator_draws_the_edges_and_missing_references_the_graph_draws)
{
    log_set_level(LOG_FATAL); /* the function rule's deliberate failure */
    setenv("KUBILITICS_LUA_DIR", "lua", 1);
    buf_t c = {0}, l = {0};
    c_side_relations(&c);
    lua_State *L = lua_side();
    lua_run(L,
            "local t = require 'kubilitics.testing'\n"
            "local p = t.load('" CONF_DIR "/rules.lua')\n"
            "local g = p:relations(t.fixtures('" CONF_DIR "/objects.json'))\n"
            "assert(#g.errors == 1, 'expected the one failing function call, got ' .. #g.errors)\n"
            "return g:dump()\n",
            &l);
    lua_close(L);
    sort_lines(&c);
    sort_lines(&l);
    CHECK(c.len > 1000); /* the fixture draws a lot: a comparison of two empties proves nothing */
    if (strcmp(buf_cstr(&c), buf_cstr(&l)) != 0)
        TEST_FAIL_("the evaluators differ\n--- core/graph:\n%s--- kubilitics.testing:\n%s", buf_cstr(&c),
                   buf_cstr(&l));
    buf_free(&c);
    buf_free(&l);
}

/* ---- routes ---- */

static const char *const requests[][3] = {
    /* method, path under /api/v1/plugins/, body */
    {"GET", "team-routes/teams", ""},
    {"GET", "team-routes/teams/payments", ""},
    {"GET", "team-routes/teams/nope", ""},
    {"GET", "team-routes/whoami", ""},
    {"GET", "team-routes/namespaces/pay%2Dstaging/owner", ""},
    {"GET", "team-routes/namespaces/bad%zz/owner", ""},
    {"POST", "team-routes/owners", "{\"namespaces\":[\"pay\",\"x\"]}"},
    {"POST", "team-routes/owners", "nope"},
    {"DELETE", "team-routes/teams", ""},
    {"GET", "team-routes/nothing", ""},
    {"GET", "team-routes//teams", ""},
    {"GET", "hello/hello", ""},
    {"POST", "hello/echo", "ping \xff"},
};

TEST(lua_route_calls_answer_what_the_host_answers)
{
    log_set_level(LOG_FATAL);
    setenv("KUBILITICS_LUA_DIR", "lua", 1);
    const char *dirs[] = {"examples/plugins"};
    err_t err = {0};
    script_host_t *h = script_host_new(NULL, NULL, dirs, 1, NULL, &err);
    if (!h || script_host_load(h, &err) != 0) TEST_FAIL_("host: %s", err.msg);
    lua_State *L = lua_side();
    buf_t scratch = {0};
    lua_run(L,
            "local t = require 'kubilitics.testing'\n"
            "P = { ['team-routes'] = t.load('examples/plugins/team-routes'),\n"
            "      hello = t.load('examples/plugins/hello.lua') }\n"
            "return ''",
            &scratch);
    buf_free(&scratch);
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        buf_t full = {0}, want = {0}, got = {0};
        buf_printf(&full, "%s%s", SCRIPT_ROUTE_PREFIX, requests[i][1]);
        script_http_req_t req = {.method = requests[i][0],
                                 .raw_path = sv_make(full.data, full.len),
                                 .query = sv_make("", 0),
                                 .body = sv_from(requests[i][2]),
                                 .user = "alice",
                                 .request_id = "test-1"};
        script_http_res_t res;
        script_host_dispatch(h, &req, &res);
        if (res.error_code)
            buf_printf(&want, "%d %s %s", res.status, res.error_code, res.error_message);
        else
            buf_printf(&want, "%d %s %.*s", res.status, res.content_type, (int)res.body.len,
                       res.body.data ? res.body.data : "");
        script_http_res_free(&res);

        lua_getglobal(L, "P");
        const char *plugin = requests[i][1];
        const char *slash = strchr(plugin, '/');
        lua_pushlstring(L, plugin, (size_t)(slash - plugin));
        lua_gettable(L, -2);
        lua_getfield(L, -1, "request");
        lua_pushvalue(L, -2);
        lua_pushstring(L, requests[i][0]);
        lua_pushstring(L, full.data);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, requests[i][2]);
        lua_setfield(L, -2, "body");
        lua_pushliteral(L, "alice");
        lua_setfield(L, -2, "user");
        lua_pushliteral(L, "test-1");
        lua_setfield(L, -2, "request_id");
        if (lua_pcall(L, 4, 1, 0) != LUA_OK) TEST_FAIL_("request: %s", lua_tostring(L, -1));
        int r = lua_gettop(L);
        lua_getfield(L, r, "status");
        lua_getfield(L, r, "error");
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "code");
            lua_getfield(L, -2, "message");
            buf_printf(&got, "%d %s %s", (int)lua_tointeger(L, r + 1), lua_tostring(L, -2),
                       lua_tostring(L, -1));
        } else {
            lua_getfield(L, r, "content_type");
            lua_getfield(L, r, "body");
            size_t n;
            const char *b = lua_tolstring(L, -1, &n);
            buf_printf(&got, "%d %s %.*s", (int)lua_tointeger(L, r + 1), lua_tostring(L, -2), (int)n,
                       b ? b : "");
        }
        lua_settop(L, 0);
        if (strcmp(buf_cstr(&want), buf_cstr(&got)) != 0)
            TEST_FAIL_("%s /%s:\n  host:    %s\n  testing: %s", requests[i][0], requests[i][1],
                       buf_cstr(&want), buf_cstr(&got));
        buf_free(&full);
        buf_free(&want);
        buf_free(&got);
    }
    lua_close(L);
    script_host_close(h);
}

/* ---- kinds ---- */

TEST(lua_kind_names_are_the_hosts)
{
    lua_State *L = lua_side();
    /* Probe every built-in row in every spelling, plus odd inputs. */
    buf_t probes = {0};
    lua_run(
        L,
        "local k = require 'kubilitics.testing.kinds'\n"
        "local out = {'', 'Nope', 'pod.', 'Foo.bar', 'Foo.bar.baz', 'foo.bar.baz', 'X.a..b', 'Policy',\n"
        "             'PODS', 'Ingresses', 'ingress', 'policies', 'networkpolicy', 'endpoints', 'endpoint',\n"
        "             'pods.metrics.k8s.io', 'Deployment.extensions', 'Certificate.cert-manager.io'}\n"
        "for _, r in ipairs(k.BUILTIN) do\n"
        "  local g = r[2] ~= '' and ('.' .. r[2]) or ''\n"
        "  for _, n in ipairs{r[1], r[1]:lower(), r[3], r[3]:upper(), r[3]:sub(1, -2), r[1] .. g, r[3] .. "
        "g,\n"
        "                     r[1] .. g:upper()} do out[#out + 1] = n end\n"
        "end\n"
        "local lines = {}\n"
        "for _, n in ipairs(out) do lines[#lines + 1] = n .. '=' .. tostring(k.canonical(n)) end\n"
        "return table.concat(lines, '\\n')\n",
        &probes);
    lua_close(L);
    char *copy = xstrdup(buf_cstr(&probes));
    int n = 0;
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
        char *eq = strrchr(l, '=');
        *eq = '\0';
        char out[256];
        const char *c = script_kind_canonical(l, out, sizeof out);
        const char *want = c ? c : "nil";
        if (strcmp(want, eq + 1) != 0)
            TEST_FAIL_("kind '%s': host says %s, kubilitics.testing says %s", l, want, eq + 1);
    }
    CHECK(n > 300);
    free(copy);
    buf_free(&probes);
}

TEST_MAIN()
