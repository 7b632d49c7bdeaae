/* state.c — one lua_State per plugin: the capped allocator, the budget hook,
 * the allow-list sandbox and the protected call every entry into Lua goes
 * through.
 *
 * Ownership: a script_plugin_t owns its lua_State and every C string hung on
 * it; script_plugin_free() releases all of it, whatever stage loading reached.
 * Host code touches the state only through script_pcall(), so a Lua error
 * (including a failed allocation) always lands in a protected frame.
 *
 * Known limit: the count hook sees Lua instructions only. C loops are
 * bounded by memory (string.rep, concat), charged to the budget (table.move,
 * table.sort), or — Lua patterns in string.find/match/gmatch/gsub — not
 * bounded: a pathological pattern can backtrack for a long time inside C.
 * Plugins must not use request input as a pattern (use find's plain flag).
 */
#include <errno.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "script/script_int.h"

#define SCRIPT_MAX_SOURCE (4u << 20)

void script_limits_defaults(const script_limits_t *in, script_limits_t *out)
{
    script_limits_t z = {0};
    *out = in ? *in : z;
    if (!out->max_instructions) out->max_instructions = 10000000u;
    if (!out->max_ms) out->max_ms = 100;
    if (!out->max_memory) out->max_memory = 32u << 20;
    if (!out->debounce_ms) out->debounce_ms = 100;
}

const char *script_plugin_label(const script_plugin_t *p)
{
    return p->name ? p->name : p->file;
}

const char *script_phase_name(int phase)
{
    switch (phase) {
    case SCRIPT_PHASE_LOAD:
        return "load";
    case SCRIPT_PHASE_ROUTE:
        return "route";
    case SCRIPT_PHASE_RELATION:
        return "relation";
    case SCRIPT_PHASE_ALERT:
        return "alert";
    case SCRIPT_PHASE_RUNBOOK:
        return "runbook";
    default:
        return "none";
    }
}

/* The manual's allocator contract: nsize 0 frees and returns NULL; ptr NULL
 * means a new block (osize then tells the type, not a size); a failure must
 * return NULL and leave the block alone; shrinking must not fail. The cap is
 * checked only on growth, so Lua can always free and shrink at the limit; a
 * refusal makes Lua run an emergency collection and retry before it raises
 * "not enough memory". */
static void *kb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    script_plugin_t *p = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        p->mem_used -= old;
        return NULL;
    }
    if (nsize > old && p->mem_used - old + nsize > p->mem_limit) return NULL;
    void *np = realloc(ptr, nsize);
    if (!np) return nsize <= old ? ptr : NULL;
    p->mem_used = p->mem_used - old + nsize;
    return np;
}

/* Only reachable if host code used the Lua API outside script_pcall — a bug
 * in this module. Dying loudly beats unwinding into the event loop. */
static int kb_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    log_write(LOG_FATAL, "lua panic outside a protected call", "error=%s", msg ? msg : "?");
    abort();
    return 0;
}

/* Warnings come from errors in __gc finalizers: one log line per message. */
static void kb_warn(void *ud, const char *msg, int tocont)
{
    script_plugin_t *p = ud;
    if (!p->warn.len && !tocont && msg[0] == '@') return; /* control message */
    buf_puts(&p->warn, msg);
    if (tocont) return;
    log_warn("plugin warning", "plugin=%s message=%s", script_plugin_label(p), p->warn.data);
    buf_free(&p->warn);
}

static void record_position(lua_State *L, script_plugin_t *p)
{
    lua_Debug ar;
    p->kill_where[0] = '\0';
    for (int level = 0; level < 8 && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        snprintf(p->kill_where, sizeof p->kill_where, "%s:%d", ar.short_src, ar.currentline);
        return;
    }
}

/* The budget: every SCRIPT_HOOK_EVERY instructions count them and look at
 * the clock. Once the budget is gone the kill is sticky: the hook switches to
 * firing on every instruction and raises an error each time, so a plugin's
 * pcall can catch it but cannot run on; the call unwinds to the host. */
static void kb_hook(lua_State *L, lua_Debug *ar)
{
    script_plugin_t *p = script_plugin_of(L);
    if (ar->event == LUA_HOOKRET) {
        if (p->phase == SCRIPT_PHASE_LOAD && lua_getinfo(L, "Sl", ar) && strcmp(ar->what, "main") == 0 &&
            ar->source[0] == '@' && strcmp(ar->source + 1, p->file) == 0)
            p->return_line = ar->currentline;
        return;
    }
    if (ar->event != LUA_HOOKCOUNT) return;
    if (!p->kill) {
        p->instr_used += SCRIPT_HOOK_EVERY;
        if (p->instr_used > p->max_instr)
            p->kill = SCRIPT_KILL_INSTRUCTIONS;
        else if (clock_mono_ns() > p->deadline_ns)
            p->kill = SCRIPT_KILL_TIME;
        if (!p->kill) return;
        record_position(L, p);
        lua_sethook(L, kb_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, "plugin budget exceeded");
}

static void arm_budget(script_plugin_t *p, int phase)
{
    p->kill = SCRIPT_KILL_NONE;
    p->instr_used = 0;
    p->deadline_ns = clock_mono_ns() + p->max_ns;
    int mask = LUA_MASKCOUNT | (phase == SCRIPT_PHASE_LOAD ? LUA_MASKRET : 0);
    lua_sethook(p->L, kb_hook, mask, SCRIPT_HOOK_EVERY);
}

/* Message handler: the message plus a traceback. It runs no Lua code, so it
 * cannot itself be stopped by the sticky kill. */
static int kb_msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* "file:line: rest" → where = "file:line". */
static void split_where(const char *msg, char *where, size_t wsz)
{
    where[0] = '\0';
    for (const char *c = strchr(msg, ':'); c; c = strchr(c + 1, ':')) {
        const char *d = c + 1;
        while (*d >= '0' && *d <= '9') d++;
        if (d > c + 1 && d[0] == ':' && d[1] == ' ') {
            size_t n = (size_t)(d - msg);
            if (n >= wsz) n = wsz - 1;
            memcpy(where, msg, n);
            where[n] = '\0';
            return;
        }
        if (strchr(msg, '\n') && c > strchr(msg, '\n')) return;
    }
}

int script_pcall(script_plugin_t *p, int phase, lua_CFunction fn, void *ud, const char *log_what, err_t *err)
{
    lua_State *L = p->L;
    if (p->depth > 0)
        return err_set(err, ERR_CONFLICT, "%s: re-entrant call into the plugin", script_plugin_label(p));
    script_counters_t *c = p->counters ? p->counters : &p->own_counters;
    c->calls_total++;
    int base = lua_gettop(L);
    /* Neither push allocates: a light C function and a light userdata fit in
     * the stack space Lua always keeps free. */
    lua_pushcfunction(L, kb_msgh);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, ud);
    p->depth++;
    p->phase = phase;
    arm_budget(p, phase);
    int rc = lua_pcall(L, 1, 0, base + 1);
    int kill = p->kill;
    p->phase = SCRIPT_PHASE_NONE;
    p->depth--;
    /* Leave a fresh budget armed: finalizers that run later, outside any
     * call, are still bounded. */
    arm_budget(p, SCRIPT_PHASE_NONE);
    if (rc == LUA_OK && !kill) {
        lua_settop(L, base);
        c->last_failed = false;
        return 0;
    }
    char msg[400], where[200] = "";
    const char *tb = "";
    int code = ERR_INVALID;
    const char *raw = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "unknown error";
    if (kill) {
        code = ERR_LIMIT;
        snprintf(where, sizeof where, "%s", p->kill_where);
        if (kill == SCRIPT_KILL_TIME)
            snprintf(msg, sizeof msg, "%s%stime budget exceeded (%llu ms)", where, where[0] ? ": " : "",
                     (unsigned long long)(p->max_ns / 1000000u));
        else
            snprintf(msg, sizeof msg, "%s%sinstruction budget exceeded (%llu instructions)", where,
                     where[0] ? ": " : "", (unsigned long long)p->max_instr);
        c->budget_kills_total++;
    } else if (rc == LUA_ERRMEM) {
        code = ERR_LIMIT;
        snprintf(msg, sizeof msg, "memory limit exceeded (%zu bytes)", p->mem_limit);
        c->budget_kills_total++;
    } else {
        const char *nl = strstr(raw, "\nstack traceback:");
        size_t n = nl ? (size_t)(nl - raw) : strlen(raw);
        if (n >= sizeof msg) n = sizeof msg - 1;
        memcpy(msg, raw, n);
        msg[n] = '\0';
        if (nl) tb = nl + 1;
        split_where(msg, where, sizeof where);
    }
    err_set(err, code, "%s", msg);
    if (log_what) {
        c->errors_total++;
        c->last_failed = true;
        snprintf(c->last_error, sizeof c->last_error, "%s", msg);
        log_error("plugin error", "plugin=%s phase=%s what=%s where=%s error=%s requestId=%s traceback=%s",
                  script_plugin_label(p), script_phase_name(phase), log_what, where, msg, p->request_id, tb);
    }
    lua_settop(L, base);
    /* After an out-of-memory or a kill, give the heap back before the next call. */
    if (code == ERR_LIMIT) lua_gc(L, LUA_GCCOLLECT);
    return code;
}

/* ---- files ---- */

char *script_read_file(const char *path, size_t max, size_t *len, err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(err, ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf_t b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > max) {
            fclose(f);
            buf_free(&b);
            err_set(err, ERR_LIMIT, "%s: larger than %zu bytes", path, max);
            return NULL;
        }
        buf_append(&b, chunk, n);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_free(&b);
        err_set(err, ERR_IO, "%s: read error", path);
        return NULL;
    }
    *len = b.len;
    return buf_steal(&b);
}

/* Load path as a text chunk with the plugin's environment, leaving the
 * function on the stack. The bytes go through a Lua userdata so nothing leaks
 * if a Lua error interrupts. */
static void push_file_chunk(lua_State *L, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) luaL_error(L, "cannot read %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) luaL_error(L, "cannot read %s: not a regular file", path);
    if ((size_t)st.st_size > SCRIPT_MAX_SOURCE) luaL_error(L, "cannot read %s: larger than 4 MiB", path);
    size_t cap = (size_t)st.st_size;
    char *data = lua_newuserdatauv(L, cap ? cap : 1, 0);
    FILE *f = fopen(path, "rb");
    if (!f) {
        luaL_error(L, "cannot read %s: %s", path, strerror(errno));
        return;
    }
    size_t n = fread(data, 1, cap, f);
    fclose(f);
    lua_pushfstring(L, "@%s", path);
    int rc = luaL_loadbufferx(L, data, n, lua_tostring(L, -1), "t");
    if (rc != LUA_OK) lua_error(L);
    lua_replace(L, -3); /* drop data and name, keep the chunk */
    lua_pop(L, 1);
    script_push_env(L);
    lua_setupvalue(L, -2, 1);
}

void script_push_env(lua_State *L)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, script_plugin_of(L)->env_ref);
}

/* ---- the sandbox's own versions of a few base functions ---- */

static int sb_print(lua_State *L)
{
    script_plugin_t *p = script_plugin_of(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    log_info("plugin print", "plugin=%s text=%s", script_plugin_label(p), lua_tostring(L, -1));
    return 0;
}

/* load(chunk [, chunkname [, mode [, env]]]): text only; env defaults to the
 * plugin's own environment, never the real globals. */
static int sb_load(lua_State *L)
{
    int top = lua_gettop(L);
    const char *mode = luaL_optstring(L, 3, "t");
    if (strchr(mode, 'b')) {
        luaL_pushfail(L);
        lua_pushliteral(L, "binary chunks are not allowed in plugins");
        return 2;
    }
    lua_pushvalue(L, lua_upvalueindex(1)); /* the real load */
    lua_pushvalue(L, 1);
    if (top >= 2)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_pushliteral(L, "t");
    if (top >= 4)
        lua_pushvalue(L, 4);
    else
        script_push_env(L);
    lua_call(L, 4, 2);
    return 2;
}

/* setmetatable(t, mt) without __gc: Lua runs finalizers with hooks turned
 * off, so a finalizer could loop beyond any budget. Lua only arms __gc when
 * it is present at setmetatable time, so this one check is enough. */
static bool mt_has_gc(lua_State *L)
{
    lua_pushliteral(L, "__gc");
    bool has = lua_rawget(L, 2) != LUA_TNIL;
    lua_pop(L, 1);
    return has;
}

static int sb_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE && mt_has_gc(L))
        return luaL_error(L, "__gc metamethods are not available to plugins");
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* A few library functions loop in C, where the count hook never fires:
 * table.move over a huge range touches no memory at all. Their work is
 * charged to the instruction budget before they run. */
static void charge(lua_State *L, lua_Integer units)
{
    script_plugin_t *p = script_plugin_of(L);
    if (units <= 0) return;
    p->instr_used += (uint64_t)units;
    if (p->instr_used <= p->max_instr || p->kill) return;
    p->kill = SCRIPT_KILL_INSTRUCTIONS;
    record_position(L, p);
    lua_sethook(L, kb_hook, LUA_MASKCOUNT, 1);
    luaL_error(L, "plugin budget exceeded");
}

/* table.move(a1, f, e, t [, a2]) */
static int sb_table_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    if (e >= f) {
        lua_Unsigned span = (lua_Unsigned)e - (lua_Unsigned)f; /* no signed overflow */
        charge(L, span < (lua_Unsigned)(LUA_MAXINTEGER / 2) ? (lua_Integer)span + 1 : LUA_MAXINTEGER / 2);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* table.sort(t [, comp]): n·log2(n) comparisons, charged up front. */
static int sb_table_sort(lua_State *L)
{
    lua_Integer n = (lua_Integer)luaL_len(L, 1), cost = n;
    for (lua_Integer m = n; m > 1; m >>= 1) cost += n;
    charge(L, cost);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

static void wrap_field(lua_State *L, int tab, const char *name, lua_CFunction fn)
{
    lua_getfield(L, tab, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, tab, name);
}

static int sb_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage: only \"count\" is available to plugins");
    int kb = lua_gc(L, LUA_GCCOUNT), b = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, (lua_Number)kb + (lua_Number)b / 1024.0);
    return 1;
}

static bool module_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128 || s[0] == '.' || s[n - 1] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-' || (c == '.' && s[i + 1] != '.');
        if (!ok) return false;
    }
    return true;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Find root/<name with dots as slashes>.lua or …/init.lua; pushes the path. */
static bool find_module(lua_State *L, const char *root, const char *name)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, root);
    luaL_addchar(&b, '/');
    for (const char *c = name; *c; c++) luaL_addchar(&b, *c == '.' ? '/' : *c);
    luaL_pushresult(&b);
    const char *stem = lua_tostring(L, -1);
    lua_pushfstring(L, "%s.lua", stem);
    if (file_exists(lua_tostring(L, -1))) {
        lua_remove(L, -2);
        return true;
    }
    lua_pop(L, 1);
    lua_pushfstring(L, "%s/init.lua", stem);
    lua_remove(L, -2);
    if (file_exists(lua_tostring(L, -1))) return true;
    lua_pop(L, 1);
    return false;
}

/* require(name): "kubilitics" and "kubilitics.*" from the library folder,
 * "kubilitics.host" from C, and for folder plugins their own modules. A new
 * module may only be loaded while the plugin loads: a route handler must not
 * read files on the loop thread. */
static int sb_require(lua_State *L)
{
    script_plugin_t *p = script_plugin_of(L);
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->loaded_ref); /* 2 */
    lua_getfield(L, 2, name);
    if (lua_toboolean(L, -1)) {
        if (lua_islightuserdata(L, -1)) return luaL_error(L, "require: module '%s' requires itself", name);
        return 1;
    }
    lua_pop(L, 1);
    if (!(p->phase & SCRIPT_PHASE_LOAD))
        return luaL_error(L, "require of a new module ('%s') is only available while the plugin loads", name);
    if (strcmp(name, "kubilitics.host") == 0) {
        luaL_requiref(L, name, script_open_hostlib, 0);
        lua_pushvalue(L, -1);
        lua_setfield(L, 2, name);
        return 1;
    }
    if (!module_name_ok(name)) return luaL_error(L, "require: bad module name '%s'", name);
    /* The spec toolbox reads files and uses debug: it has no business in a
     * plugin, and would only fail later with a less useful message. */
    if (strncmp(name, "kubilitics.testing", 18) == 0 && (name[18] == '\0' || name[18] == '.'))
        return luaL_error(L, "module '%s' is for specs (kubilitics plugin test), not for plugins", name);
    bool lib = strcmp(name, "kubilitics") == 0 || strncmp(name, "kubilitics.", 11) == 0;
    const char *root = lib ? p->lib_dir : p->dir;
    if (!root || !find_module(L, root, name)) {
        if (lib)
            return luaL_error(L, "module '%s' not found in %s/kubilitics", name,
                              p->lib_dir ? p->lib_dir : "?");
        return luaL_error(L, "module '%s' not found: plugins may require kubilitics.* modules%s", name,
                          p->dir ? " and files in their own folder" : "");
    }
    const char *path = lua_tostring(L, -1); /* 3 */
    lua_pushlightuserdata(L, p);            /* marks "loading" to catch cycles */
    lua_setfield(L, 2, name);
    push_file_chunk(L, path);
    lua_pushstring(L, name);
    lua_pushvalue(L, 3);
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

static const char *const sb_base_names[] = {
    "assert",   "error",        "ipairs",       "next",     "pairs",    "pcall",  "select",
    "tonumber", "tostring",     "type",         "xpcall",   "rawequal", "rawget", "rawlen",
    "rawset",   "setmetatable", "getmetatable", "_VERSION", NULL,
};

/* Build the plugin's environment: an allow-list copied from the opened
 * libraries. The real globals table stays in the registry, unreachable. */
static int sandbox_build(lua_State *L)
{
    script_plugin_t *p = script_plugin_of(L);
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    int g = lua_absindex(L, -6), str = g + 1, tab = g + 2, math = g + 3, utf8 = g + 4, os = g + 5;

    lua_newtable(L); /* env */
    int env = lua_gettop(L);
    for (const char *const *n = sb_base_names; *n; n++) {
        lua_getfield(L, g, *n);
        lua_setfield(L, env, *n);
    }
    lua_pushnil(L);
    lua_setfield(L, str, "dump"); /* bytecode has no use here */
    lua_pushvalue(L, str);
    lua_setfield(L, env, "string");
    wrap_field(L, tab, "move", sb_table_move);
    wrap_field(L, tab, "sort", sb_table_sort);
    lua_pushvalue(L, tab);
    lua_setfield(L, env, "table");
    lua_pushvalue(L, math);
    lua_setfield(L, env, "math");
    lua_pushvalue(L, utf8);
    lua_setfield(L, env, "utf8");
    lua_createtable(L, 0, 3);
    static const char *const os_names[] = {"time", "clock", "date"};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, os, os_names[i]);
        lua_setfield(L, -2, os_names[i]);
    }
    lua_setfield(L, env, "os");
    lua_pushcfunction(L, sb_print);
    lua_setfield(L, env, "print");
    lua_getfield(L, g, "load");
    lua_pushcclosure(L, sb_load, 1);
    lua_setfield(L, env, "load");
    lua_getfield(L, g, "setmetatable");
    lua_pushcclosure(L, sb_setmetatable, 1);
    lua_setfield(L, env, "setmetatable");
    lua_pushcfunction(L, sb_collectgarbage);
    lua_setfield(L, env, "collectgarbage");
    lua_pushcfunction(L, sb_require);
    lua_setfield(L, env, "require");
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");

    /* The full os library was only needed for the copy above. */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushnil(L);
    lua_setfield(L, -2, LUA_OSLIBNAME);
    lua_pop(L, 1);
    /* Freeze the string metatable against getmetatable("").__index = … games. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_pushvalue(L, env);
    p->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    p->loaded_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* Run the plugin file; leaves its result in the registry slot manifest_ref. */
static int run_chunk(lua_State *L)
{
    script_plugin_t *p = script_plugin_of(L);
    push_file_chunk(L, p->file);
    lua_call(L, 0, 1);
    p->manifest_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int script_run_plugin_chunk(script_plugin_t *p, err_t *err);
int script_run_plugin_chunk(script_plugin_t *p, err_t *err)
{
    return script_pcall(p, SCRIPT_PHASE_LOAD, run_chunk, NULL, NULL, err);
}

script_plugin_t *script_plugin_new(const char *file, const char *dir, const char *lib_dir,
                                   const script_limits_t *lim, err_t *err)
{
    script_limits_t l;
    script_limits_defaults(lim, &l);
    script_plugin_t *p = xcalloc(1, sizeof *p);
    p->file = xstrdup(file);
    p->dir = dir ? xstrdup(dir) : NULL;
    p->lib_dir = lib_dir ? xstrdup(lib_dir) : NULL;
    p->mem_limit = l.max_memory;
    p->max_instr = l.max_instructions;
    p->max_ns = (uint64_t)l.max_ms * 1000000u;
    p->env_ref = p->manifest_ref = p->loaded_ref = LUA_NOREF;
    p->L = lua_newstate(kb_alloc, p);
    if (!p->L) {
        err_set(err, ERR_LIMIT, "%s: cannot create a Lua state within %zu bytes", file, p->mem_limit);
        goto fail;
    }
    *(script_plugin_t **)lua_getextraspace(p->L) = p;
    lua_atpanic(p->L, kb_panic);
    lua_setwarnf(p->L, kb_warn, p);
    arm_budget(p, SCRIPT_PHASE_NONE);
    if (script_pcall(p, SCRIPT_PHASE_LOAD, sandbox_build, NULL, NULL, err) != 0) goto fail;
    return p;
fail:
    script_plugin_free(p);
    return NULL;
}

void script_plugin_free(script_plugin_t *p)
{
    if (!p) return;
    if (p->L) {
        /* Finalizers run inside lua_close: give them a budget of their own. */
        arm_budget(p, SCRIPT_PHASE_NONE);
        lua_close(p->L);
    }
    for (size_t i = 0; i < p->nroutes; i++) {
        script_route_t *r = &p->routes[i];
        free(r->method);
        free(r->path);
        free(r->pattern);
        for (size_t j = 0; j < r->nsegs; j++) free(r->segs[j]);
        free(r->segs);
    }
    free(p->routes);
    for (size_t i = 0; i < p->nrels; i++) script_relation_free(&p->rels[i]);
    free(p->rels);
    buf_free(&p->warn);
    free(p->file);
    free(p->dir);
    free(p->lib_dir);
    free(p->name);
    free(p->version);
    free(p);
}
