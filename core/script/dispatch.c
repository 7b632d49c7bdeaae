/* dispatch.c — plugin HTTP routes, independent of the HTTP server.
 *
 * script_dispatch turns (method, path, query, headers, body, user) into
 * (status, headers, body): it finds the plugin by the path segment after
 * /api/v1/plugins/, matches the plugin's routes, builds the request table,
 * runs the handler under the plugin's budget and converts what it returns.
 * A handler error becomes a 500 and a budget kill a 503, both in the API's
 * error shape; nothing a plugin does escapes this function.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/str.h"
#include "script/script_int.h"

#define MAX_SEGS 64

void script_http_res_free(script_http_res_t *res)
{
    free(res->error_message);
    free(res->content_type);
    for (size_t i = 0; i < res->nheaders; i++) {
        free(res->header_names[i]);
        free(res->header_values[i]);
    }
    free(res->header_names);
    free(res->header_values);
    buf_free(&res->body);
    memset(res, 0, sizeof *res);
}

static int res_error(script_http_res_t *res, int status, const char *code, const char *msg, int rc)
{
    script_http_res_free(res);
    res->status = status;
    res->error_code = code;
    res->error_message = xstrdup(msg);
    return rc;
}

typedef struct call_ctx {
    const script_http_req_t *req;
    const script_route_t *route;
    sv_t *segs; /* decoded, relative to the plugin */
    size_t nsegs;
    char *rel_path;
    script_http_res_t *res;
} call_ctx_t;

/* Push s decoded (percent escapes; '+' as space when plus). */
static void push_decoded(lua_State *L, sv_t s, bool plus)
{
    luaL_Buffer b;
    char *dst = luaL_buffinitsize(L, &b, s.n + 1);
    long n = url_decode(s, dst, plus);
    if (n < 0) {
        memcpy(dst, s.p, s.n); /* not valid escapes: keep the bytes as sent */
        n = (long)s.n;
    }
    luaL_pushresultsize(&b, (size_t)n);
}

static void push_query(lua_State *L, sv_t q)
{
    lua_newtable(L);
    while (q.n) {
        sv_t pair = sv_cut(&q, '&');
        if (!pair.n) continue;
        sv_t key = sv_cut(&pair, '=');
        push_decoded(L, key, true);
        if (lua_rawget(L, -2) != LUA_TNIL) { /* first value wins */
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 1);
        push_decoded(L, key, true);
        push_decoded(L, pair, true);
        lua_rawset(L, -3);
    }
}

static void push_headers(lua_State *L, const script_http_req_t *req)
{
    lua_createtable(L, 0, (int)req->nheaders);
    for (size_t i = 0; i < req->nheaders; i++) {
        sv_t name = req->headers[i].name, value = req->headers[i].value;
        luaL_Buffer b;
        char *dst = luaL_buffinitsize(L, &b, name.n);
        for (size_t j = 0; j < name.n; j++)
            dst[j] = (char)((name.p[j] >= 'A' && name.p[j] <= 'Z') ? name.p[j] + 32 : name.p[j]);
        luaL_pushresultsize(&b, name.n);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, -3) == LUA_TSTRING) {
            lua_pushliteral(L, ", ");
            lua_pushlstring(L, value.p, value.n);
            lua_concat(L, 3);
        } else {
            lua_pop(L, 1);
            lua_pushlstring(L, value.p, value.n);
        }
        lua_rawset(L, -3);
    }
}

static bool token_ok(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *s)))
            return false;
    return true;
}

/* Turn the handler's return value (top of stack) into res. */
static void take_response(lua_State *L, script_plugin_t *p, script_http_res_t *res)
{
    int t = lua_gettop(L);
    if (!lua_istable(L, t))
        luaL_error(L, "route handler must return a table {status=, headers=, body=} (got %s)",
                   luaL_typename(L, t));
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        if (strcmp(k, "status") && strcmp(k, "headers") && strcmp(k, "body"))
            luaL_error(L, "route handler returned an unknown field '%s' (expected status, headers, body)",
                       luaL_tolstring(L, -1, NULL));
    }
    lua_getfield(L, t, "status");
    res->status = 200;
    if (!lua_isnil(L, -1)) {
        int ok = 0;
        lua_Integer st = lua_tointegerx(L, -1, &ok);
        if (!ok || st < 200 || st > 599)
            luaL_error(L, "route handler returned a bad status (want an integer 200-599)");
        res->status = (int)st;
    }
    lua_pop(L, 1);

    lua_getfield(L, t, "headers");
    int h = lua_gettop(L);
    if (!lua_isnil(L, h)) {
        if (!lua_istable(L, h)) luaL_error(L, "route handler returned headers that are not a table");
        size_t count = 0;
        lua_pushnil(L);
        while (lua_next(L, h)) {
            lua_pop(L, 1);
            count++;
        }
        if (count > 64) luaL_error(L, "route handler returned more than 64 headers");
        res->header_names = xcalloc(count + 1, sizeof *res->header_names);
        res->header_values = xcalloc(count + 1, sizeof *res->header_values);
        lua_pushnil(L);
        while (lua_next(L, h)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "route handler headers must map strings to strings");
            const char *name = lua_tostring(L, -2);
            size_t vlen;
            const char *value = lua_tolstring(L, -1, &vlen);
            if (!token_ok(name)) luaL_error(L, "route handler returned a bad header name '%s'", name);
            if (strlen(value) != vlen || strpbrk(value, "\r\n"))
                luaL_error(L, "route handler header '%s' has a line break or NUL in its value", name);
            if (!strcasecmp(name, "content-length") || !strcasecmp(name, "transfer-encoding") ||
                !strcasecmp(name, "connection") || !strcasecmp(name, "x-request-id"))
                luaL_error(L, "route handler may not set the header '%s' (the server sets it)", name);
            if (!strcasecmp(name, "content-type")) {
                free(res->content_type);
                res->content_type = xstrdup(value);
            } else {
                res->header_names[res->nheaders] = xstrdup(name);
                res->header_values[res->nheaders] = xstrdup(value);
                res->nheaders++;
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    lua_getfield(L, t, "body");
    int b = lua_gettop(L);
    if (lua_type(L, b) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, b, &n);
        buf_append(&res->body, s, n);
        if (!res->content_type) res->content_type = xstrdup("text/plain; charset=utf-8");
    } else if (lua_istable(L, b)) {
        buf_t *enc = script_json_encode_box(L, b, p->mem_limit);
        buf_free(&res->body);
        res->body = *enc;
        memset(enc, 0, sizeof *enc);
        if (!res->content_type) res->content_type = xstrdup("application/json");
    } else if (!lua_isnil(L, b)) {
        luaL_error(L, "route handler returned a body of type %s (want a string or a table)",
                   luaL_typename(L, b));
    }
}

static int route_call(lua_State *L)
{
    call_ctx_t *c = lua_touserdata(L, 1);
    script_plugin_t *p = script_plugin_of(L);
    const script_http_req_t *req = c->req;
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->route->handler_ref);
    lua_createtable(L, 0, 10);
    lua_pushstring(L, req->method);
    lua_setfield(L, 2, "method");
    lua_pushstring(L, c->rel_path);
    lua_setfield(L, 2, "path");
    lua_pushstring(L, c->route->path);
    lua_setfield(L, 2, "route");
    lua_newtable(L);
    for (size_t i = 0; i < c->route->nsegs; i++) {
        const char *seg = c->route->segs[i];
        if (seg[0] != '{') continue;
        lua_pushlstring(L, seg + 1, strlen(seg) - 2);
        lua_pushlstring(L, c->segs[i].p, c->segs[i].n);
        lua_rawset(L, -3);
    }
    lua_setfield(L, 2, "params");
    push_query(L, req->query);
    lua_setfield(L, 2, "query");
    push_headers(L, req);
    lua_setfield(L, 2, "headers");
    lua_pushlstring(L, req->body.p ? req->body.p : "", req->body.n);
    lua_setfield(L, 2, "body");
    if (req->user) {
        lua_pushstring(L, req->user);
        lua_setfield(L, 2, "user");
    }
    if (req->request_id) {
        lua_pushstring(L, req->request_id);
        lua_setfield(L, 2, "request_id");
    }
    lua_call(L, 1, 1);
    take_response(L, p, c->res);
    return 0;
}

int script_dispatch(script_set_t *set, const script_http_req_t *req, script_http_res_t *res)
{
    memset(res, 0, sizeof *res);
    sv_t path = req->raw_path;
    sv_t prefix = SV(SCRIPT_ROUTE_PREFIX);
    if (!set || !sv_starts_with(path, prefix))
        return res_error(res, 404, "not_found", "no such plugin route", ERR_NOTFOUND);
    path.p += prefix.n;
    path.n -= prefix.n;
    /* Decode segment by segment, so an escaped '/' stays inside its segment. */
    char *scratch = xmalloc(path.n + 1);
    sv_t segs[MAX_SEGS + 1];
    size_t nsegs = 0, used = 0;
    int rc = 0;
    while (path.n) {
        sv_t raw = sv_cut(&path, '/');
        if (nsegs == MAX_SEGS + 1 || raw.n == 0) {
            rc = res_error(res, 404, "not_found", "no such plugin route", ERR_NOTFOUND);
            goto done;
        }
        long n = url_decode(raw, scratch + used, false);
        if (n < 0) {
            rc = res_error(res, 400, "bad_request", "bad percent-escape in the path", ERR_INVALID);
            goto done;
        }
        segs[nsegs++] = sv_make(scratch + used, (size_t)n);
        used += (size_t)n + 1;
    }
    if (nsegs < 2) {
        rc = res_error(res, 404, "not_found", "no such plugin route", ERR_NOTFOUND);
        goto done;
    }
    script_plugin_t *p = map_get(&set->by_name, segs[0].p, segs[0].n);
    const script_route_t *best = NULL;
    bool path_matched = false;
    buf_t allow = {0};
    for (size_t i = 0; p && i < p->nroutes; i++) {
        const script_route_t *r = &p->routes[i];
        if (r->nsegs != nsegs - 1) continue;
        bool ok = true;
        for (size_t j = 0; ok && j < r->nsegs; j++)
            if (r->segs[j][0] != '{' && !sv_eq_cstr(segs[j + 1], r->segs[j])) ok = false;
        if (!ok) continue;
        path_matched = true;
        if (strcmp(r->method, req->method) != 0) {
            if (!strstr(allow.data ? allow.data : "", r->method))
                buf_printf(&allow, "%s%s", allow.len ? ", " : "", r->method);
            continue;
        }
        if (!best || r->nliterals > best->nliterals) best = r;
    }
    if (!best) {
        if (path_matched) {
            rc = res_error(res, 405, "method_not_allowed", "method not allowed for this plugin route",
                           ERR_INVALID);
            res->header_names = xcalloc(1, sizeof(char *));
            res->header_values = xcalloc(1, sizeof(char *));
            res->header_names[0] = xstrdup("Allow");
            res->header_values[0] = buf_steal(&allow);
            res->nheaders = 1;
        } else {
            rc = res_error(res, 404, "not_found", "no such plugin route", ERR_NOTFOUND);
        }
        buf_free(&allow);
        goto done;
    }
    buf_free(&allow);

    buf_t rel = {0};
    for (size_t i = 1; i < nsegs; i++) {
        buf_putc(&rel, '/');
        buf_append(&rel, segs[i].p, segs[i].n);
    }
    call_ctx_t ctx = {req, best, segs + 1, nsegs - 1, buf_steal(&rel), res};
    err_t err = {0};
    p->request_id = req->request_id;
    rc = script_pcall(p, SCRIPT_PHASE_ROUTE, route_call, &ctx, "route handler", &err);
    p->request_id = NULL;
    free(ctx.rel_path);
    if (rc == ERR_LIMIT) {
        char msg[600];
        snprintf(msg, sizeof msg, "plugin %s stopped: %s", p->name, err.msg);
        res_error(res, 503, "plugin_budget_exceeded", msg, rc);
    } else if (rc != 0) {
        /* The Lua message stays in the log (with the request ID): it may
         * quote data the caller should not see. */
        char msg[600];
        snprintf(msg, sizeof msg, "plugin %s failed to handle %s %s (see the server log for this request)",
                 p->name, req->method, best->path);
        res_error(res, 500, "internal", msg, rc);
    }
done:
    free(scratch);
    return rc;
}
