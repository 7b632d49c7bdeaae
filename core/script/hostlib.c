/* hostlib.c — "kubilitics.host", the C half of the plugin API.
 *
 * Plugins reach it through require "kubilitics" (lua/kubilitics/init.lua
 * re-exports it). Every function is registered with the phases it may run in
 * (load, route, relation, alert, runbook) and refuses elsewhere with a message
 * naming the function and where it can be used, so a route-only call made
 * from a relation rule fails loudly instead of doing something half-right.
 */
#include <string.h>

#include "base/log.h"
#include "script/script_int.h"

typedef struct host_fn {
    const char *name; /* as the plugin sees it, for messages */
    lua_CFunction fn;
    int phases;
} host_fn_t;

static const char *phases_text(int mask)
{
    switch (mask) {
    case SCRIPT_PHASE_LOAD:
        return "while the plugin loads";
    case SCRIPT_PHASE_ROUTE:
        return "in route handlers";
    case SCRIPT_PHASE_RELATION:
        return "in relation rules";
    case SCRIPT_PHASE_ALERT:
        return "in alert rules";
    case SCRIPT_PHASE_RUNBOOK:
        return "in runbooks";
    case SCRIPT_PHASE_ROUTE | SCRIPT_PHASE_RUNBOOK:
        return "in route handlers and runbooks";
    default:
        return "in some phases";
    }
}

/* First statement of every host function. */
static void phase_check(lua_State *L)
{
    script_plugin_t *p = script_plugin_of(L);
    int mask = (int)lua_tointeger(L, lua_upvalueindex(1));
    if (p->phase & mask) return;
    luaL_error(L, "%s is only available %s (called during %s)", lua_tostring(L, lua_upvalueindex(2)),
               phases_text(mask), script_phase_name(p->phase));
}

/* log(level, message) */
static int h_log(lua_State *L)
{
    phase_check(L);
    static const char *const levels[] = {"debug", "info", "warn", "error", NULL};
    int lvl = luaL_checkoption(L, 1, NULL, levels);
    const char *msg = luaL_checkstring(L, 2);
    log_write(lvl, msg, "plugin=%s", script_plugin_label(script_plugin_of(L)));
    return 0;
}

/* phase() → "load" | "route" | … */
static int h_phase(lua_State *L)
{
    phase_check(L);
    lua_pushstring(L, script_phase_name(script_plugin_of(L)->phase));
    return 1;
}

/* where(level) → file, line of the function `level` calls up from the
 * caller (1 = the caller itself); lets Lua constructors record where a
 * plugin declared something without giving plugins the debug library. */
static int h_where(lua_State *L)
{
    phase_check(L);
    int level = (int)luaL_optinteger(L, 1, 1);
    lua_Debug ar;
    for (int l = level; l < level + 8 && lua_getstack(L, l, &ar); l++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        lua_pushstring(L, ar.short_src);
        lua_pushinteger(L, ar.currentline);
        return 2;
    }
    luaL_pushfail(L);
    return 1;
}

/* kind(name) → canonical kind, or nil, message */
static int h_kind(lua_State *L)
{
    phase_check(L);
    const char *name = luaL_checkstring(L, 1);
    char out[256];
    if (strcmp(name, "*") == 0 || script_kind_canonical(name, out, sizeof out)) {
        lua_pushstring(L, strcmp(name, "*") == 0 ? "*" : out);
        return 1;
    }
    luaL_pushfail(L);
    lua_pushfstring(L, "unknown kind '%s' (use a built-in kind, or Kind.group for custom resources)", name);
    return 2;
}

/* path_check(path) → true, or nil, message */
static int h_path_check(lua_State *L)
{
    phase_check(L);
    const char *text = luaL_checkstring(L, 1);
    script_path_t path;
    err_t err = {0};
    if (script_path_parse(text, &path, &err) != 0) {
        luaL_pushfail(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    script_path_free(&path);
    lua_pushboolean(L, 1);
    return 1;
}

/* json.encode(value) → string, or nil, message */
static int h_json_encode(lua_State *L)
{
    phase_check(L);
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    script_plugin_t *p = script_plugin_of(L);
    buf_t *b = script_json_encode_box(L, 1, p->mem_limit);
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    return 1;
}

/* json.decode(string) → value, or nil, message */
static int h_json_decode(lua_State *L)
{
    phase_check(L);
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    script_json_decode(L, s, n);
    return 1;
}

/* json.array(t) → t, marked to encode as a JSON array even when empty */
static int h_json_array(lua_State *L)
{
    phase_check(L);
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    script_json_push_array_mt(L);
    lua_setmetatable(L, 1);
    return 1;
}

/* http.request_id() → the request ID of the route call */
static int h_request_id(lua_State *L)
{
    phase_check(L);
    const char *id = script_plugin_of(L)->request_id;
    if (id)
        lua_pushstring(L, id);
    else
        lua_pushnil(L);
    return 1;
}

static void set_fns(lua_State *L, const host_fn_t *fns)
{
    for (const host_fn_t *f = fns; f->name; f++) {
        const char *dot = strrchr(f->name, '.');
        lua_pushinteger(L, f->phases);
        lua_pushstring(L, f->name);
        lua_pushcclosure(L, f->fn, 2);
        lua_setfield(L, -2, dot ? dot + 1 : f->name);
    }
}

/* Errors from encode are about the value, so plugins get nil, message
 * rather than an error: wrap the raising encoder in a pcall. */
static int h_json_encode_safe(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(3)); /* the raising encoder */
    lua_insert(L, 1);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK) return 1;
    /* A budget kill must stay an error: it is not about the value. */
    if (script_plugin_of(L)->kill) return lua_error(L);
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
}

static int h_json_decode_safe(lua_State *L)
{
    luaL_checklstring(L, 1, NULL);
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_insert(L, 1);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK) return 1;
    if (script_plugin_of(L)->kill) return lua_error(L);
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
}

static void set_safe(lua_State *L, const char *name, lua_CFunction safe, lua_CFunction raw)
{
    const char *dot = strrchr(name, '.');
    lua_pushinteger(L, SCRIPT_PHASE_ANY);
    lua_pushstring(L, name);
    lua_pushinteger(L, SCRIPT_PHASE_ANY);
    lua_pushstring(L, name);
    lua_pushcclosure(L, raw, 2);
    lua_pushcclosure(L, safe, 3);
    lua_setfield(L, -2, dot + 1);
}

int script_open_hostlib(lua_State *L)
{
    static const host_fn_t top[] = {
        {"kubilitics.log", h_log, SCRIPT_PHASE_ANY},
        {"kubilitics.phase", h_phase, SCRIPT_PHASE_ANY},
        {"kubilitics.where", h_where, SCRIPT_PHASE_ANY},
        {"kubilitics.kind", h_kind, SCRIPT_PHASE_ANY},
        {"kubilitics.path_check", h_path_check, SCRIPT_PHASE_ANY},
        {NULL, NULL, 0},
    };
    static const host_fn_t json[] = {
        {"kubilitics.json.array", h_json_array, SCRIPT_PHASE_ANY},
        {NULL, NULL, 0},
    };
    static const host_fn_t http[] = {
        {"kubilitics.http.request_id", h_request_id, SCRIPT_PHASE_ROUTE},
        {NULL, NULL, 0},
    };
    lua_newtable(L);
    set_fns(L, top);
    lua_pushliteral(L, KUBILITICS_VERSION);
    lua_setfield(L, -2, "version");
    lua_newtable(L);
    set_fns(L, json);
    set_safe(L, "kubilitics.json.encode", h_json_encode_safe, h_json_encode);
    set_safe(L, "kubilitics.json.decode", h_json_decode_safe, h_json_decode);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_setfield(L, -2, "json");
    lua_newtable(L);
    set_fns(L, http);
    lua_setfield(L, -2, "http");
    return 1;
}
