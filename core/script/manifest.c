/* manifest.c — run a plugin's file and validate the table it returns.
 *
 * Plugins declare, the core validates: every field is checked here and a
 * malformed plugin is rejected with "file:line: what is wrong". Tables carry
 * no line numbers, so the line is the best one known: a route's handler
 * function, a relation rule's recorded line (the kubilitics.relations
 * constructors record where they were called) or its match function, else
 * the line of the chunk's `return`. What is validated is copied into C
 * structures owned by the plugin (routes, relation rules); Lua functions stay
 * in the registry, referenced.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "script/script_int.h"

int script_run_plugin_chunk(script_plugin_t *p, err_t *err); /* state.c */

#define MAX_ROUTES 256
#define MAX_RELATIONS 1024

/* ---- semantic versions ---- */

static bool numeric_id(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return n == 1 || s[0] != '0';
}

static bool ident_list(const char *s, size_t n, bool prerelease)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            char c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
                return false;
            continue;
        }
        size_t len = i - start;
        if (len == 0) return false;
        bool digits = true;
        for (size_t j = start; j < i; j++)
            if (s[j] < '0' || s[j] > '9') digits = false;
        if (prerelease && digits && len > 1 && s[start] == '0') return false;
        start = i + 1;
    }
    return true;
}

/* MAJOR.MINOR.PATCH[-prerelease][+build], as semver.org 2.0.0 has it. */
bool script_semver_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128) return false;
    const char *plus = strchr(s, '+');
    const char *core_end = plus ? plus : s + n;
    const char *dash = memchr(s, '-', (size_t)(core_end - s));
    const char *num_end = dash ? dash : core_end;
    const char *c = s;
    for (int part = 0; part < 3; part++) {
        const char *e = c;
        while (e < num_end && *e != '.') e++;
        if (!numeric_id(c, (size_t)(e - c))) return false;
        if (part < 2) {
            if (e >= num_end) return false;
            c = e + 1;
        } else if (e != num_end) {
            return false;
        }
    }
    if (dash && !ident_list(dash + 1, (size_t)(core_end - dash - 1), true)) return false;
    if (plus && !ident_list(plus + 1, (size_t)(s + n - plus - 1), false)) return false;
    return true;
}

/* ---- helpers ---- */

typedef struct vctx {
    script_plugin_t *p;
    int deflt; /* line of the return statement, or the last line */
} vctx_t;

static _Noreturn void vfail(lua_State *L, vctx_t *v, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static _Noreturn void vfail(lua_State *L, vctx_t *v, int line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line <= 0) line = v->deflt;
    if (line > 0)
        lua_pushfstring(L, "%s:%d: %s", v->p->file, line, msg);
    else
        lua_pushfstring(L, "%s: %s", v->p->file, msg);
    lua_error(L);
    __builtin_unreachable(); /* lua_error longjmps */
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) return false;
    return true;
}

static int fn_line(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TFUNCTION) return 0;
    lua_Debug ar;
    lua_pushvalue(L, idx);
    if (!lua_getinfo(L, ">S", &ar)) return 0;
    return ar.linedefined > 0 ? ar.linedefined : 0;
}

/* Reject keys of t (at idx) not in allowed (NULL-terminated). */
static void check_keys(lua_State *L, vctx_t *v, int idx, int line, const char *where,
                       const char *const *allowed)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            vfail(L, v, line, "%s has a key of type %s", where, luaL_typename(L, -1));
        const char *k = lua_tostring(L, -1);
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, k) == 0) ok = true;
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                if (strcmp(*a, "line") == 0) continue;
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "", *a);
            }
            vfail(L, v, line, "%s: unknown field '%s' (expected one of %s)", where, k, list);
        }
    }
}

/* An array-like table: keys 1..n only. Returns n. */
static lua_Integer array_len(lua_State *L, vctx_t *v, int idx, int line, const char *where, lua_Integer max)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n)
            vfail(L, v, line, "%s must be a list (found key %s)", where, luaL_tolstring(L, -1, NULL));
    }
    if (count != n) vfail(L, v, line, "%s must be a list without holes", where);
    if (n > max) vfail(L, v, line, "%s has more than %d entries", where, (int)max);
    return n;
}

/* ---- routes ---- */

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};

static bool seg_literal_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == '_' || c == '~'))
            return false;
    }
    return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

static bool seg_param_ok(const char *s, size_t n)
{
    if (n < 3 || s[0] != '{' || s[n - 1] != '}') return false;
    for (size_t i = 1; i < n - 1; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 1 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

/* Split and check a route path; fills r->segs. Returns NULL or why not. */
static const char *route_path_parse(script_route_t *r, const char *path)
{
    size_t n = strlen(path);
    if (n < 2 || path[0] != '/') return "must start with '/' and name at least one segment";
    if (n > 200) return "is longer than 200 bytes";
    if (path[n - 1] == '/') return "must not end with '/'";
    r->segs = xcalloc(n, sizeof *r->segs);
    const char *c = path + 1;
    while (*c) {
        const char *e = strchr(c, '/');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == 0) return "has an empty segment";
        bool param = c[0] == '{';
        if (param ? !seg_param_ok(c, len) : !seg_literal_ok(c, len))
            return param ? "has a bad parameter (use {name} with letters, digits, _)"
                         : "has a bad segment (letters, digits, - . _ ~ or {param})";
        if (param) {
            for (size_t i = 0; i < r->nsegs; i++)
                if (strlen(r->segs[i]) == len && memcmp(r->segs[i], c, len) == 0)
                    return "repeats a parameter";
        } else {
            r->nliterals++;
        }
        r->segs[r->nsegs++] = xstrndup(c, len);
        c += len;
        if (*c == '/') c++;
    }
    return NULL;
}

/* "GET /items/{}": two routes with the same shape would shadow each other. */
static void route_shape(const script_route_t *r, buf_t *b)
{
    buf_puts(b, r->method);
    buf_putc(b, ' ');
    for (size_t i = 0; i < r->nsegs; i++) {
        buf_putc(b, '/');
        buf_puts(b, r->segs[i][0] == '{' ? "{}" : r->segs[i]);
    }
}

static void validate_routes(lua_State *L, vctx_t *v, int idx)
{
    script_plugin_t *p = v->p;
    static const char *const fields[] = {"method", "path", "handler", "description", "line", NULL};
    lua_Integer n = array_len(L, v, idx, 0, "routes", MAX_ROUTES);
    p->routes = xcalloc((size_t)n + 1, sizeof *p->routes);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int e = lua_gettop(L);
        if (!lua_istable(L, e)) vfail(L, v, 0, "routes[%d] must be a table", (int)i);
        script_route_t *r = &p->routes[p->nroutes++];
        r->handler_ref = LUA_NOREF;
        lua_getfield(L, e, "handler");
        int line = fn_line(L, -1);
        lua_getfield(L, e, "line");
        if (lua_isinteger(L, -1)) line = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        r->line = line;
        char where[32];
        snprintf(where, sizeof where, "routes[%d]", (int)i);
        check_keys(L, v, e, line, where, fields);

        lua_getfield(L, e, "method");
        const char *m = lua_tostring(L, -1);
        bool ok = false;
        for (const char *const *a = methods; m && lua_type(L, -1) == LUA_TSTRING && *a; a++)
            if (strcmp(*a, m) == 0) ok = true;
        if (!ok) vfail(L, v, line, "routes[%d].method must be one of GET, POST, PUT, PATCH, DELETE", (int)i);
        r->method = xstrdup(m);
        lua_pop(L, 1);

        lua_getfield(L, e, "path");
        if (lua_type(L, -1) != LUA_TSTRING)
            vfail(L, v, line, "routes[%d].path must be a string like \"/items/{id}\"", (int)i);
        const char *path = lua_tostring(L, -1);
        r->path = xstrdup(path);
        const char *why = route_path_parse(r, path);
        if (why) vfail(L, v, line, "routes[%d].path '%s' %s", (int)i, path, why);
        lua_pop(L, 1);
        buf_t pat = {0};
        buf_printf(&pat, "%s%s%s", SCRIPT_ROUTE_PREFIX, p->name, path);
        r->pattern = buf_steal(&pat);

        if (!lua_isfunction(L, e + 1)) vfail(L, v, line, "routes[%d].handler must be a function", (int)i);
        lua_pushvalue(L, e + 1);
        r->handler_ref = luaL_ref(L, LUA_REGISTRYINDEX);

        buf_t a = {0}, b = {0};
        route_shape(r, &a);
        for (size_t j = 0; j + 1 < p->nroutes; j++) {
            buf_reset(&b);
            route_shape(&p->routes[j], &b);
            if (strcmp(a.data, b.data) == 0) {
                lua_pushfstring(L, "routes[%d] (%s %s) has the same method and path as routes[%d]", (int)i,
                                r->method, r->path, (int)j + 1);
                buf_free(&a);
                buf_free(&b);
                vfail(L, v, line, "%s", lua_tostring(L, -1));
            }
        }
        buf_free(&a);
        buf_free(&b);
        lua_settop(L, e - 1);
    }
}

/* ---- relations ---- */

void script_relation_free(script_relation_t *r)
{
    free((char *)r->type);
    free((char *)r->from);
    for (size_t i = 0; i < r->nto; i++) free((char *)r->to[i]);
    free(r->to);
    for (size_t i = 0; i < r->npaths; i++) script_path_free(&r->paths[i]);
    free(r->paths);
    if (r->namespace_path) script_path_free(r->namespace_path);
    free(r->namespace_path);
    free((char *)r->label);
    free((char *)r->target_label);
    free(r->fn);
    memset(r, 0, sizeof *r);
}

static const char *const rule_names[] = {"owner", "selector", "ref", "labelref", "function", NULL};

static bool edge_type_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) return false;
    return true;
}

static bool label_key_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 317) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == '_' || c == '/'))
            return false;
    }
    return true;
}

static char *kind_field(lua_State *L, vctx_t *v, int line, const char *where, const char *field, bool star_ok)
{
    if (lua_type(L, -1) != LUA_TSTRING) vfail(L, v, line, "%s.%s must be a kind name", where, field);
    const char *k = lua_tostring(L, -1);
    if (strcmp(k, "*") == 0) {
        if (!star_ok) vfail(L, v, line, "%s.%s: '*' is not allowed for this rule", where, field);
        return xstrdup("*");
    }
    char out[256];
    if (!script_kind_canonical(k, out, sizeof out))
        vfail(L, v, line,
              "%s.%s: unknown kind '%s' (use a built-in kind, or Kind.group for custom resources)", where,
              field, k);
    return xstrdup(out);
}

static void path_field(lua_State *L, vctx_t *v, int line, const char *where, const char *field,
                       script_path_t *out)
{
    err_t err = {0};
    if (lua_type(L, -1) != LUA_TSTRING) vfail(L, v, line, "%s.%s must be a field path string", where, field);
    if (script_path_parse(lua_tostring(L, -1), out, &err) != 0)
        vfail(L, v, line, "%s.%s: %s", where, field, err.msg);
}

static void validate_relation(lua_State *L, vctx_t *v, int e, int i, script_relation_t *r)
{
    script_plugin_t *p = v->p;
    static const char *const fields[] = {
        "rule",     "type",  "from",         "to",    "path", "namespace_path", "cross_namespace",
        "selector", "label", "target_label", "match", "line", "description",    NULL};
    char where[40];
    snprintf(where, sizeof where, "relations[%d]", i);
    r->plugin = p->name;
    r->file = p->file;
    lua_getfield(L, e, "match");
    int line = fn_line(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, e, "line");
    if (lua_isinteger(L, -1)) line = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    r->line = line > 0 ? line : v->deflt;
    check_keys(L, v, e, line, where, fields);

    lua_getfield(L, e, "rule");
    int rule = -1;
    for (int k = 0; rule_names[k] && lua_type(L, -1) == LUA_TSTRING; k++)
        if (strcmp(rule_names[k], lua_tostring(L, -1)) == 0) rule = k;
    if (rule < 0) vfail(L, v, line, "%s.rule must be one of owner, selector, ref, labelref, function", where);
    lua_pop(L, 1);
    r->rule = (script_rel_rule_t)rule;
    bool star_ok = rule == SCRIPT_REL_OWNER || rule == SCRIPT_REL_LABELREF || rule == SCRIPT_REL_FUNCTION;

    lua_getfield(L, e, "type");
    if (lua_isnil(L, -1) && rule == SCRIPT_REL_OWNER)
        r->type = xstrdup("owns");
    else if (lua_type(L, -1) != LUA_TSTRING || !edge_type_ok(lua_tostring(L, -1)))
        vfail(L, v, line, "%s.type must be an edge type of [a-z0-9-]+ (e.g. \"mounts\")", where);
    else
        r->type = xstrdup(lua_tostring(L, -1));
    lua_pop(L, 1);

    lua_getfield(L, e, "from");
    if (lua_isnil(L, -1) && rule == SCRIPT_REL_OWNER)
        r->from = xstrdup("*");
    else if (lua_isnil(L, -1))
        vfail(L, v, line, "%s.from (the source kind) is required", where);
    else
        r->from = kind_field(L, v, line, where, "from", star_ok);
    lua_pop(L, 1);

    lua_getfield(L, e, "to");
    int to = lua_gettop(L);
    if (lua_isnil(L, to)) {
        if (rule != SCRIPT_REL_OWNER && rule != SCRIPT_REL_FUNCTION)
            vfail(L, v, line, "%s.to (the target kind) is required", where);
        r->to = xcalloc(1, sizeof *r->to);
        r->to[r->nto++] = xstrdup("*");
    } else if (lua_istable(L, to)) {
        lua_Integer n = array_len(L, v, to, line, where, 32);
        if (n == 0) vfail(L, v, line, "%s.to must name at least one kind", where);
        r->to = xcalloc((size_t)n, sizeof *r->to);
        for (lua_Integer k = 1; k <= n; k++) {
            lua_rawgeti(L, to, k);
            r->to[r->nto++] = kind_field(L, v, line, where, "to", star_ok);
            lua_pop(L, 1);
        }
    } else {
        r->to = xcalloc(1, sizeof *r->to);
        r->to[r->nto++] = kind_field(L, v, line, where, "to", star_ok);
    }
    lua_pop(L, 1);

    lua_getfield(L, e, "path");
    int pi = lua_gettop(L);
    bool needs_path = rule == SCRIPT_REL_SELECTOR || rule == SCRIPT_REL_REF;
    if (lua_isnil(L, pi)) {
        if (needs_path) vfail(L, v, line, "%s.path (where to look on the source) is required", where);
    } else if (!needs_path) {
        vfail(L, v, line, "%s.path is not used by %s rules", where, rule_names[rule]);
    } else if (lua_istable(L, pi)) {
        lua_Integer n = array_len(L, v, pi, line, where, 32);
        if (n == 0) vfail(L, v, line, "%s.path must hold at least one path", where);
        r->paths = xcalloc((size_t)n, sizeof *r->paths);
        for (lua_Integer k = 1; k <= n; k++) {
            lua_rawgeti(L, pi, k);
            path_field(L, v, line, where, "path", &r->paths[r->npaths]);
            r->npaths++;
            lua_pop(L, 1);
        }
    } else {
        r->paths = xcalloc(1, sizeof *r->paths);
        path_field(L, v, line, where, "path", &r->paths[0]);
        r->npaths = 1;
    }
    lua_pop(L, 1);

    lua_getfield(L, e, "namespace_path");
    if (!lua_isnil(L, -1)) {
        if (rule != SCRIPT_REL_REF) vfail(L, v, line, "%s.namespace_path is only used by ref rules", where);
        r->namespace_path = xcalloc(1, sizeof *r->namespace_path);
        path_field(L, v, line, where, "namespace_path", r->namespace_path);
    }
    lua_pop(L, 1);

    lua_getfield(L, e, "cross_namespace");
    if (!lua_isnil(L, -1)) {
        if (rule != SCRIPT_REL_REF) vfail(L, v, line, "%s.cross_namespace is only used by ref rules", where);
        if (!lua_isboolean(L, -1)) vfail(L, v, line, "%s.cross_namespace must be true or false", where);
        r->cross_namespace = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);

    lua_getfield(L, e, "selector");
    if (!lua_isnil(L, -1)) {
        if (rule != SCRIPT_REL_SELECTOR)
            vfail(L, v, line, "%s.selector is only used by selector rules", where);
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        if (strcmp(s, "auto") == 0)
            r->selector_form = SCRIPT_SEL_AUTO;
        else if (strcmp(s, "map") == 0)
            r->selector_form = SCRIPT_SEL_MAP;
        else if (strcmp(s, "labelSelector") == 0)
            r->selector_form = SCRIPT_SEL_LABEL_SELECTOR;
        else
            vfail(L, v, line, "%s.selector must be one of auto, map, labelSelector", where);
    }
    lua_pop(L, 1);

    lua_getfield(L, e, "label");
    if (rule == SCRIPT_REL_LABELREF) {
        if (lua_type(L, -1) != LUA_TSTRING || !label_key_ok(lua_tostring(L, -1)))
            vfail(L, v, line, "%s.label must be a label key (e.g. \"app.kubernetes.io/part-of\")", where);
        r->label = xstrdup(lua_tostring(L, -1));
    } else if (!lua_isnil(L, -1)) {
        vfail(L, v, line, "%s.label is only used by labelref rules", where);
    }
    lua_pop(L, 1);
    lua_getfield(L, e, "target_label");
    if (!lua_isnil(L, -1)) {
        if (rule != SCRIPT_REL_LABELREF)
            vfail(L, v, line, "%s.target_label is only used by labelref rules", where);
        if (lua_type(L, -1) != LUA_TSTRING || !label_key_ok(lua_tostring(L, -1)))
            vfail(L, v, line, "%s.target_label must be a label key", where);
        r->target_label = xstrdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);

    lua_getfield(L, e, "match");
    if (rule == SCRIPT_REL_FUNCTION) {
        if (!lua_isfunction(L, -1)) vfail(L, v, line, "%s.match must be a function(obj, find)", where);
        r->fn = xcalloc(1, sizeof *r->fn);
        r->fn->plugin = p;
        r->fn->ref = LUA_NOREF;
        lua_pushvalue(L, -1);
        r->fn->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else if (!lua_isnil(L, -1)) {
        vfail(L, v, line, "%s.match is only used by function rules", where);
    }
    lua_pop(L, 1);
}

static void validate_relations(lua_State *L, vctx_t *v, int idx)
{
    script_plugin_t *p = v->p;
    lua_Integer n = array_len(L, v, idx, 0, "relations", MAX_RELATIONS);
    p->rels = xcalloc((size_t)n + 1, sizeof *p->rels);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int e = lua_gettop(L);
        if (!lua_istable(L, e))
            vfail(L, v, 0, "relations[%d] must be a table (use kubilitics.relations)", (int)i);
        script_relation_t *r = &p->rels[p->nrels++];
        validate_relation(L, v, e, (int)i, r);
        lua_settop(L, e - 1);
    }
}

/* ---- the manifest ---- */

static int validate(lua_State *L)
{
    script_plugin_t *p = script_plugin_of(L);
    vctx_t v = {p, p->return_line};
    static const char *const fields[] = {"name",  "version", "priority", "description", "relations",
                                         "audit", "alerts",  "routes",   "runbooks",    NULL};
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->manifest_ref);
    if (!lua_istable(L, 1))
        vfail(L, &v, 0, "the plugin must return a table (it returned %s)", luaL_typename(L, 1));
    check_keys(L, &v, 1, 0, "the plugin table", fields);

    lua_getfield(L, 1, "name");
    if (lua_type(L, -1) != LUA_TSTRING) vfail(L, &v, 0, "name is required: a string of [a-z0-9-]+");
    if (!name_ok(lua_tostring(L, -1)))
        vfail(L, &v, 0, "name '%s' must be 1-63 characters of [a-z0-9-]", lua_tostring(L, -1));
    /* /api/v1/plugins/reload is the server's own route */
    if (!strcmp(lua_tostring(L, -1), "reload"))
        vfail(L, &v, 0, "name 'reload' is reserved (POST /api/v1/plugins/reload reloads the plugins)");
    p->name = xstrdup(lua_tostring(L, -1));
    lua_pop(L, 1);

    lua_getfield(L, 1, "version");
    if (lua_type(L, -1) != LUA_TSTRING)
        vfail(L, &v, 0, "version is required: a semantic version like \"1.2.0\"");
    if (!script_semver_valid(lua_tostring(L, -1)))
        vfail(L, &v, 0, "version '%s' is not a semantic version (MAJOR.MINOR.PATCH)", lua_tostring(L, -1));
    p->version = xstrdup(lua_tostring(L, -1));
    lua_pop(L, 1);

    lua_getfield(L, 1, "priority");
    if (!lua_isnil(L, -1)) {
        lua_Integer pr;
        int isint = 0;
        pr = lua_tointegerx(L, -1, &isint);
        if (!isint || lua_type(L, -1) != LUA_TNUMBER || pr < -1000000 || pr > 1000000)
            vfail(L, &v, 0, "priority must be an integer between -1000000 and 1000000");
        p->priority = (int)pr;
    }
    lua_pop(L, 1);

    lua_getfield(L, 1, "description");
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING) vfail(L, &v, 0, "description must be a string");
    lua_pop(L, 1);

    lua_getfield(L, 1, "routes");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) vfail(L, &v, 0, "routes must be a list of {method=, path=, handler=}");
        validate_routes(L, &v, lua_gettop(L));
    }
    lua_pop(L, 1);

    lua_getfield(L, 1, "relations");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) vfail(L, &v, 0, "relations must be a list of rules");
        validate_relations(L, &v, lua_gettop(L));
    }
    lua_pop(L, 1);

    /* audit, alerts and runbooks: their schemas come with their issues; for
     * now they must at least be tables. */
    static const char *const later[] = {"audit", "alerts", "runbooks"};
    bool *flags[] = {&p->has_audit, &p->has_alerts, &p->has_runbooks};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, 1, later[i]);
        if (!lua_isnil(L, -1)) {
            if (!lua_istable(L, -1)) vfail(L, &v, 0, "%s must be a table", later[i]);
            *flags[i] = true;
        }
        lua_pop(L, 1);
    }
    return 0;
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int lines = 0, c, last = '\n';
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') lines++;
        last = c;
    }
    fclose(f);
    return last == '\n' ? lines : lines + 1;
}

int script_manifest_load(script_plugin_t *p, err_t *err)
{
    p->return_line = 0;
    int rc = script_run_plugin_chunk(p, err);
    if (rc != 0) return rc;
    /* A `return f{…}` is a tail call and never reports its line: fall back to
     * the file's last line, where the return usually sits. */
    if (p->return_line <= 0) p->return_line = count_lines(p->file);
    return script_pcall(p, SCRIPT_PHASE_LOAD, validate, NULL, NULL, err);
}
