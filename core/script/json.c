/* json.c — Lua values ⇄ JSON for plugins (kubilitics.json) and route bodies.
 *
 * Encoding writes straight into a buf_t held by a Lua userdata, and decoding
 * parses with cJSON into a tree held by a userdata; both boxes free their C
 * memory from __gc, so a Lua error halfway (out of memory, a bad value)
 * leaks nothing. Both must run inside a protected call.
 *
 * Mapping: objects ⇄ tables with string keys (sorted on output, so the same
 * table always gives the same bytes); arrays ⇄ sequences, and tables marked
 * with the array metatable (json.array, or anything decoded from an array) so
 * an empty array stays []; null ⇄ json.null (a light userdata NULL). An empty
 * unmarked table is {}.
 */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "script/script_int.h"

#define JSON_MAX_DEPTH 128

static const char array_mt_key = 'a';

void script_json_push_array_mt(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &array_mt_key) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__jsontype");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &array_mt_key);
}

/* ---- boxes ---- */

typedef struct jbox {
    buf_t b;
    cJSON *tree;
} jbox_t;

static int jbox_close(lua_State *L)
{
    jbox_t *j = luaL_checkudata(L, 1, "kb.jbox");
    buf_free(&j->b);
    if (j->tree) cJSON_Delete(j->tree);
    j->tree = NULL;
    return 0;
}

static jbox_t *jbox_push(lua_State *L)
{
    jbox_t *j = lua_newuserdatauv(L, sizeof *j, 0);
    memset(j, 0, sizeof *j);
    if (luaL_newmetatable(L, "kb.jbox")) {
        lua_pushcfunction(L, jbox_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, jbox_close);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return j;
}

/* ---- encode ---- */

typedef struct enc {
    lua_State *L;
    buf_t *b;
    size_t max;
} enc_t;

typedef struct okey {
    const char *s;
    size_t n;
    int is_int;
    lua_Integer i;
} okey_t;

static int okey_cmp(const void *a, const void *b)
{
    const okey_t *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

static void enc_check(enc_t *e)
{
    if (e->b->len > e->max) luaL_error(e->L, "json: output larger than %d bytes", (int)e->max);
}

static void enc_value(enc_t *e, int idx, int depth);

static bool is_array(lua_State *L, int idx, lua_Integer *len)
{
    if (lua_getmetatable(L, idx)) {
        script_json_push_array_mt(L);
        bool marked = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (marked) {
            *len = (lua_Integer)lua_rawlen(L, idx);
            return true;
        }
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n == 0) return false;
    lua_Integer count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1)) {
            lua_pop(L, 1);
            return false;
        }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1 || k > n) {
            lua_pop(L, 1);
            return false;
        }
        count++;
    }
    *len = n;
    return count == n;
}

static void enc_table(enc_t *e, int idx, int depth)
{
    lua_State *L = e->L;
    if (depth > JSON_MAX_DEPTH) luaL_error(L, "json: nested deeper than %d (a cycle?)", JSON_MAX_DEPTH);
    luaL_checkstack(L, 6, "json");
    lua_Integer n;
    if (is_array(L, idx, &n)) {
        buf_putc(e->b, '[');
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) buf_putc(e->b, ',');
            lua_rawgeti(L, idx, i);
            enc_value(e, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        buf_putc(e->b, ']');
        return;
    }
    /* Object: collect the keys, sort them, then emit. The key array lives in
     * a userdata so an error below frees it; integer keys are given string
     * forms anchored in a holder table. */
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
    }
    okey_t *keys = lua_newuserdatauv(L, (count ? count : 1) * sizeof *keys, 0);
    lua_newtable(L);
    int holder = lua_gettop(L);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        okey_t *o = &keys[k++];
        memset(o, 0, sizeof *o);
        if (lua_type(L, -1) == LUA_TSTRING) {
            o->s = lua_tolstring(L, -1, &o->n);
        } else if (lua_isinteger(L, -1)) {
            o->is_int = 1;
            o->i = lua_tointeger(L, -1);
            o->s = lua_pushfstring(L, "%I", (LUAI_UACINT)o->i);
            o->n = strlen(o->s);
            lua_rawseti(L, holder, (lua_Integer)k);
        } else {
            luaL_error(L, "json: cannot encode a table key of type %s", luaL_typename(L, -1));
        }
    }
    if (count > 1) qsort(keys, count, sizeof *keys, okey_cmp);
    buf_putc(e->b, '{');
    for (size_t i = 0; i < count; i++) {
        if (i) buf_putc(e->b, ',');
        buf_json_str(e->b, keys[i].s, keys[i].n);
        buf_putc(e->b, ':');
        if (keys[i].is_int)
            lua_pushinteger(L, keys[i].i);
        else
            lua_pushlstring(L, keys[i].s, keys[i].n);
        lua_rawget(L, idx);
        enc_value(e, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
        enc_check(e);
    }
    buf_putc(e->b, '}');
    lua_pop(L, 2);
}

static void enc_value(enc_t *e, int idx, int depth)
{
    lua_State *L = e->L;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        buf_puts(e->b, "null");
        break;
    case LUA_TBOOLEAN:
        buf_puts(e->b, lua_toboolean(L, idx) ? "true" : "false");
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            buf_put_i64(e->b, (int64_t)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            if (!isfinite(d))
                luaL_error(L, "json: cannot encode %s", isnan(d) ? "NaN" : "an infinite number");
            if (d == floor(d) && fabs(d) < 1e15)
                buf_printf(e->b, "%.1f", d);
            else
                buf_printf(e->b, "%.17g", d);
        }
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        buf_json_str(e->b, s, n);
        break;
    }
    case LUA_TTABLE:
        enc_table(e, idx, depth);
        break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            buf_puts(e->b, "null");
            break;
        }
        /* fall through */
    default:
        luaL_error(L, "json: cannot encode a value of type %s", luaL_typename(L, idx));
    }
    enc_check(e);
}

buf_t *script_json_encode_box(lua_State *L, int idx, size_t max)
{
    idx = lua_absindex(L, idx);
    jbox_t *j = jbox_push(L);
    enc_t e = {L, &j->b, max};
    enc_value(&e, idx, 0);
    return &j->b;
}

/* ---- decode ---- */

static void dec_value(lua_State *L, const cJSON *v, int depth)
{
    if (depth > JSON_MAX_DEPTH) luaL_error(L, "json: nested deeper than %d", JSON_MAX_DEPTH);
    luaL_checkstack(L, 4, "json");
    if (cJSON_IsNull(v)) {
        lua_pushlightuserdata(L, NULL);
    } else if (cJSON_IsFalse(v) || cJSON_IsTrue(v)) {
        lua_pushboolean(L, cJSON_IsTrue(v));
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) <= 9007199254740992.0)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, d);
    } else if (cJSON_IsString(v)) {
        lua_pushstring(L, v->valuestring);
    } else if (cJSON_IsArray(v)) {
        lua_createtable(L, cJSON_GetArraySize(v), 0);
        lua_Integer i = 1;
        for (const cJSON *c = v->child; c; c = c->next) {
            dec_value(L, c, depth + 1);
            lua_rawseti(L, -2, i++);
        }
        script_json_push_array_mt(L);
        lua_setmetatable(L, -2);
    } else if (cJSON_IsObject(v)) {
        lua_createtable(L, 0, cJSON_GetArraySize(v));
        for (const cJSON *c = v->child; c; c = c->next) {
            lua_pushstring(L, c->string);
            dec_value(L, c, depth + 1);
            lua_rawset(L, -3);
        }
    } else {
        luaL_error(L, "json: unexpected value");
    }
}

void script_json_decode(lua_State *L, const char *s, size_t n)
{
    jbox_t *j = jbox_push(L);
    const char *end = NULL;
    j->tree = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    if (!j->tree) {
        size_t off = end && end >= s ? (size_t)(end - s) : 0;
        luaL_error(L, "json: invalid JSON near byte %d", (int)off);
    }
    /* Only whitespace may follow the value. */
    for (const char *c = end; c && c < s + n; c++)
        if (*c != ' ' && *c != '\t' && *c != '\r' && *c != '\n')
            luaL_error(L, "json: trailing data at byte %d", (int)(c - s));
    dec_value(L, j->tree, 0);
    cJSON_Delete(j->tree);
    j->tree = NULL;
    lua_remove(L, -2); /* the box */
}
