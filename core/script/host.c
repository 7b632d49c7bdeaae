/* host.c — script_host_t: the plugin set in service, its reloads, its
 * watchers and its numbers. See script.h for the lifecycle.
 *
 * The host owns the current set, a uv_timer (reload debounce) and one
 * uv_fs_event per plugin folder and per folder plugin. Counters are kept per
 * plugin name in the host, not in the set, so they survive reloads.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "script/script_int.h"

typedef struct watch {
    uv_fs_event_t h;
    script_host_t *host;
    bool folder; /* a folder plugin's own folder (re-made on each reload) */
} watch_t;

struct script_host {
    uv_loop_t *loop;
    http_server_t *http;
    char **dirs;
    size_t ndirs;
    script_limits_t lim;
    char *lib_dir;
    script_set_t *set;
    map_t counters; /* name → script_counters_t* */
    uint64_t reloads_total, reload_failures_total;
    char *last_reload_error;
    int64_t last_reload_ms;
    watch_t **watches;
    size_t nwatches;
    bool dirs_watched;
    uv_timer_t *timer;
    int in_call;
    bool closing;
    int open_handles;
    void (*on_swap)(script_host_t *h, void *ud);
    void *swap_ud;
    const char *(*user_fn)(http_req_t *r, void *ud);
    void *user_ud;
};

static void host_free(script_host_t *h)
{
    script_set_free(h->set);
    for (size_t it = 0; it < h->counters.cap; it++)
        if (h->counters.slots[it].key) free(h->counters.slots[it].val);
    map_free(&h->counters);
    for (size_t i = 0; i < h->ndirs; i++) free(h->dirs[i]);
    free(h->dirs);
    free(h->watches);
    free(h->lib_dir);
    free(h->last_reload_error);
    free(h);
}

static void on_handle_closed(uv_handle_t *handle)
{
    script_host_t *h = handle->data;
    free(handle); /* a watch_t starts with its handle */
    if (--h->open_handles == 0 && h->closing) host_free(h);
}

script_host_t *script_host_new(uv_loop_t *loop, http_server_t *http, const char *const *dirs, size_t ndirs,
                               const script_limits_t *limits, err_t *err)
{
    for (size_t i = 0; i < ndirs; i++) {
        struct stat st;
        if (stat(dirs[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            err_set(err, ERR_INVALID, "plugin folder %s does not exist", dirs[i]);
            return NULL;
        }
    }
    script_host_t *h = xcalloc(1, sizeof *h);
    h->loop = loop;
    h->http = http;
    h->dirs = xcalloc(ndirs ? ndirs : 1, sizeof *h->dirs);
    for (size_t i = 0; i < ndirs; i++) h->dirs[i] = xstrdup(dirs[i]);
    h->ndirs = ndirs;
    script_limits_defaults(limits, &h->lim);
    h->lib_dir = script_lib_dir_resolve(h->lim.lib_dir);
    h->lim.lib_dir = h->lib_dir;
    h->last_reload_error = xstrdup("");
    if (loop) {
        h->timer = xcalloc(1, sizeof *h->timer);
        uv_timer_init(loop, h->timer);
        h->timer->data = h;
        h->open_handles++;
    }
    return h;
}

void script_host_on_swap(script_host_t *h, void (*fn)(script_host_t *h, void *ud), void *ud)
{
    h->on_swap = fn;
    h->swap_ud = ud;
}

void script_host_set_user_fn(script_host_t *h, const char *(*fn)(http_req_t *r, void *ud), void *ud)
{
    h->user_fn = fn;
    h->user_ud = ud;
}

script_set_t *script_host_set(script_host_t *h)
{
    return h->set;
}

const char *script_host_user(script_host_t *h, http_req_t *r)
{
    return h->user_fn ? h->user_fn(r, h->user_ud) : NULL;
}

/* ---- watching ---- */

static void on_debounce(uv_timer_t *t)
{
    script_host_t *h = t->data;
    err_t err = {0};
    script_host_reload(h, &err); /* logs success and failure itself */
}

static void on_fs_event(uv_fs_event_t *handle, const char *filename, int events, int status)
{
    script_host_t *h = ((watch_t *)handle)->host;
    if (h->closing) return;
    if (status < 0) {
        log_warn("plugin watch error", "error=%s", uv_strerror(status));
        return;
    }
    /* Editors write swap and backup files next to the plugin; they are not
     * plugins, but a reload for them is harmless and cheap to debounce. */
    uv_timer_start(h->timer, on_debounce, h->lim.debounce_ms, 0);
}

static void watch_add(script_host_t *h, const char *path, bool folder)
{
    watch_t *w = xcalloc(1, sizeof *w);
    w->host = h;
    w->folder = folder;
    uv_fs_event_init(h->loop, &w->h);
    w->h.data = h;
    h->open_handles++;
    int rc = uv_fs_event_start(&w->h, on_fs_event, path, 0);
    if (rc < 0) {
        log_warn("cannot watch plugin folder", "path=%s error=%s", path, uv_strerror(rc));
        uv_close((uv_handle_t *)&w->h, on_handle_closed);
        return;
    }
    h->watches = xrealloc(h->watches, (h->nwatches + 1) * sizeof *h->watches);
    h->watches[h->nwatches++] = w;
}

static void watches_close(script_host_t *h, bool folders_only)
{
    size_t keep = 0;
    for (size_t i = 0; i < h->nwatches; i++) {
        watch_t *w = h->watches[i];
        if (folders_only && !w->folder) {
            h->watches[keep++] = w;
            continue;
        }
        uv_close((uv_handle_t *)&w->h, on_handle_closed);
    }
    h->nwatches = keep;
}

static void watch_folders(script_host_t *h, const script_entry_t *e, size_t n)
{
    if (!h->loop) return;
    watches_close(h, true);
    for (size_t i = 0; i < n; i++)
        if (e[i].dir) watch_add(h, e[i].dir, true);
}

/* ---- load / reload ---- */

static script_counters_t *counters_for(script_host_t *h, const char *name)
{
    script_counters_t *c = map_gets(&h->counters, name);
    if (!c) {
        c = xcalloc(1, sizeof *c);
        map_puts(&h->counters, name, c);
    }
    return c;
}

int script_host_reload(script_host_t *h, err_t *err)
{
    if (h->closing) return err_set(err, ERR_CONFLICT, "plugin host is closing");
    if (h->in_call) return err_set(err, ERR_CONFLICT, "plugin reload requested from inside a plugin call");
    h->last_reload_ms = clock_wall_ms();
    script_entry_t *entries = NULL;
    size_t n = 0;
    err_t e = {0};
    script_set_t *set = NULL;
    int rc = script_scan_dirs(h->dirs, h->ndirs, &entries, &n, &e);
    if (rc == 0) {
        watch_folders(h, entries, n);
        set = script_set_build(entries, n, h->lib_dir, &h->lim, &e);
        if (!set) rc = e.code ? e.code : ERR_INVALID;
    }
    script_entries_free(entries, n);
    if (rc != 0) {
        h->reload_failures_total++;
        free(h->last_reload_error);
        h->last_reload_error = xstrdup(e.msg);
        log_error("plugin reload failed; the previous plugins keep running", "error=%s running=%zu", e.msg,
                  h->set ? h->set->n : (size_t)0);
        if (err) *err = e;
        return rc;
    }
    for (size_t i = 0; i < set->n; i++) {
        script_plugin_t *p = set->plugins[i];
        p->counters = counters_for(h, p->name);
        p->counters->calls_total += p->own_counters.calls_total;
        p->counters->last_failed = false;
    }
    /* The swap: routes first, so the router never points at a route whose
     * plugin is gone (the ud is the host, which stays). */
    script_set_t *old = h->set;
    script_glue_register(h->http, old, set, h);
    h->set = set;
    script_set_free(old);
    h->reloads_total++;
    free(h->last_reload_error);
    h->last_reload_error = xstrdup("");
    buf_t names = {0};
    for (size_t i = 0; i < set->n; i++)
        buf_printf(&names, "%s%s@%s", i ? "," : "", set->plugins[i]->name, set->plugins[i]->version);
    log_info("plugins loaded", "count=%zu plugins=%s", set->n, names.data ? names.data : "");
    buf_free(&names);
    if (h->on_swap) h->on_swap(h, h->swap_ud);
    return 0;
}

int script_host_load(script_host_t *h, err_t *err)
{
    if (h->loop && !h->dirs_watched) {
        h->dirs_watched = true;
        for (size_t i = 0; i < h->ndirs; i++) watch_add(h, h->dirs[i], false);
    }
    return script_host_reload(h, err);
}

void script_host_close(script_host_t *h)
{
    if (!h || h->closing) return;
    h->closing = true;
    script_glue_register(h->http, h->set, NULL, h);
    if (!h->loop) {
        host_free(h);
        return;
    }
    watches_close(h, false);
    uv_timer_stop(h->timer);
    uv_close((uv_handle_t *)h->timer, on_handle_closed);
}

/* ---- dispatch ---- */

int script_host_dispatch(script_host_t *h, const script_http_req_t *req, script_http_res_t *res)
{
    h->in_call++;
    int rc = script_dispatch(h->closing ? NULL : h->set, req, res);
    h->in_call--;
    return rc;
}

/* ---- stats ---- */

static void fill_info(const script_plugin_t *p, script_plugin_info_t *pi)
{
    const script_counters_t *c = p->counters ? p->counters : &p->own_counters;
    memset(pi, 0, sizeof *pi);
    pi->name = p->name;
    pi->version = p->version;
    pi->file = p->file;
    pi->priority = p->priority;
    pi->status = c->last_failed ? "error" : "ok";
    pi->routes = p->nroutes;
    pi->relations = p->nrels;
    pi->calls_total = c->calls_total;
    pi->errors_total = c->errors_total;
    pi->budget_kills_total = c->budget_kills_total;
    pi->last_error = c->last_error;
    pi->memory_bytes = p->mem_used;
}

void script_host_stats(script_host_t *h, void (*cb)(const script_plugin_info_t *pi, void *ud), void *ud)
{
    for (size_t i = 0; h->set && i < h->set->n; i++) {
        script_plugin_info_t pi;
        fill_info(h->set->plugins[i], &pi);
        cb(&pi, ud);
    }
}

void script_host_info(script_host_t *h, script_host_info_t *out)
{
    out->plugins = h->set ? h->set->n : 0;
    out->reloads_total = h->reloads_total;
    out->reload_failures_total = h->reload_failures_total;
    out->last_reload_error = h->last_reload_error;
    out->last_reload_ms = h->last_reload_ms;
}

static void stats_json_one(const script_plugin_info_t *pi, void *ud)
{
    buf_t *b = ud;
    if (b->data[b->len - 1] != '[') buf_putc(b, ',');
    buf_puts(b, "{\"name\":");
    buf_json_cstr(b, pi->name);
    buf_puts(b, ",\"version\":");
    buf_json_cstr(b, pi->version);
    buf_puts(b, ",\"file\":");
    buf_json_cstr(b, pi->file);
    buf_printf(b, ",\"priority\":%d,\"status\":\"%s\",\"routes\":%zu,\"relations\":%zu", pi->priority,
               pi->status, pi->routes, pi->relations);
    buf_printf(b, ",\"callsTotal\":%llu,\"errorsTotal\":%llu,\"budgetKillsTotal\":%llu,\"memoryBytes\":%zu",
               (unsigned long long)pi->calls_total, (unsigned long long)pi->errors_total,
               (unsigned long long)pi->budget_kills_total, pi->memory_bytes);
    buf_puts(b, ",\"lastError\":");
    buf_json_cstr(b, pi->last_error);
    buf_putc(b, '}');
}

void script_host_stats_json(script_host_t *h, buf_t *out)
{
    buf_puts(out, "{\"plugins\":[");
    script_host_stats(h, stats_json_one, out);
    script_host_info_t info;
    script_host_info(h, &info);
    buf_printf(out, "],\"reloadsTotal\":%llu,\"reloadFailuresTotal\":%llu,\"lastReloadError\":",
               (unsigned long long)info.reloads_total, (unsigned long long)info.reload_failures_total);
    buf_json_cstr(out, info.last_reload_error);
    char ts[32] = "";
    if (info.last_reload_ms) clock_rfc3339_ms(info.last_reload_ms, ts);
    buf_puts(out, ",\"lastReload\":");
    if (ts[0])
        buf_json_cstr(out, ts);
    else
        buf_puts(out, "null");
    buf_putc(out, '}');
}

/* ---- relations ---- */

const script_relation_t *script_host_relations(script_host_t *h, size_t *n)
{
    *n = h->set ? h->set->nrels : 0;
    return h->set ? h->set->rels : NULL;
}

typedef struct rel_ctx {
    const script_relation_t *rule;
    const char *obj;
    size_t len;
    script_find_fn find;
    script_emit_fn emit;
    void *ud;
} rel_ctx_t;

/* find(kind, namespace, name) → object table or nil; only during the rule's
 * own call, because the C side's find context lives only that long. */
static int rel_find(lua_State *L)
{
    script_plugin_t *p = script_plugin_of(L);
    const rel_ctx_t *c = p->find_ctx;
    if (!c || p->phase != SCRIPT_PHASE_RELATION)
        return luaL_error(L, "find is only available in relation rules");
    const char *kind = luaL_checkstring(L, 1);
    const char *ns = luaL_optstring(L, 2, "");
    const char *name = luaL_checkstring(L, 3);
    size_t len = 0;
    const char *json = c->find ? c->find(kind, ns, name, &len, c->ud) : NULL;
    if (!json) {
        lua_pushnil(L);
        return 1;
    }
    script_json_decode(L, json, len);
    return 1;
}

static int rel_call(lua_State *L)
{
    rel_ctx_t *c = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->rule->fn->ref);
    script_json_decode(L, c->obj, c->len);
    lua_pushcfunction(L, rel_find);
    lua_call(L, 2, 1);
    if (lua_isnil(L, 1)) return 0;
    if (!lua_istable(L, 1))
        return luaL_error(L, "relation rule must return a list of target IDs (got %s)", luaL_typename(L, 1));
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        const char *id = NULL, *type = c->rule->type;
        if (lua_type(L, -1) == LUA_TSTRING) {
            id = lua_tostring(L, -1);
        } else if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "id");
            lua_getfield(L, -2, "type");
            id = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            if (lua_type(L, -1) == LUA_TSTRING)
                type = lua_tostring(L, -1);
            else if (!lua_isnil(L, -1))
                id = NULL;
        }
        if (!id)
            return luaL_error(L, "relation rule result [%d] must be an ID string or {id=, type=}", (int)i);
        c->emit(id, type, c->ud);
        lua_settop(L, 1);
    }
    return 0;
}

int script_relation_eval(script_host_t *h, const script_relation_t *rule, const char *obj_json, size_t len,
                         script_find_fn find, script_emit_fn emit, void *ud, err_t *err)
{
    if (rule->rule != SCRIPT_REL_FUNCTION || !rule->fn)
        return err_set(err, ERR_INVALID, "not a function rule");
    script_plugin_t *p = rule->fn->plugin;
    rel_ctx_t c = {rule, obj_json, len, find, emit, ud};
    h->in_call++;
    p->find_ctx = &c;
    int rc = script_pcall(p, SCRIPT_PHASE_RELATION, rel_call, &c, "relation rule", err);
    p->find_ctx = NULL;
    h->in_call--;
    return rc;
}

/* ---- plugin check ---- */

int script_check_path(const char *path, buf_t *report, err_t *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        buf_printf(report, "FAIL %s: no such file or folder\n", path);
        return err_set(err, ERR_NOTFOUND, "%s: no such file or folder", path);
    }
    char *file = NULL, *dir = NULL;
    if (S_ISDIR(st.st_mode)) {
        buf_t b = {0};
        buf_printf(&b, "%s/init.lua", path);
        file = buf_steal(&b);
        dir = xstrdup(path);
    } else {
        file = xstrdup(path);
    }
    char *lib = script_lib_dir_resolve(NULL);
    script_limits_t lim;
    script_limits_defaults(NULL, &lim);
    err_t e = {0};
    int rc = 0;
    script_plugin_t *p = script_plugin_new(file, dir, lib, &lim, &e);
    if (!p || script_manifest_load(p, &e) != 0) {
        rc = e.code ? e.code : ERR_INVALID;
        buf_printf(report, "FAIL %s\n", e.msg);
        if (err) *err = e;
        goto done;
    }
    buf_printf(report, "ok   %s %s (priority %d) from %s\n", p->name, p->version, p->priority, p->file);
    for (size_t i = 0; i < p->nroutes; i++)
        buf_printf(report, "     route %s %s%s%s (line %d)\n", p->routes[i].method, SCRIPT_ROUTE_PREFIX,
                   p->name, p->routes[i].path, p->routes[i].line);
    static const char *const rule_names[] = {"owner", "selector", "ref", "labelref", "function"};
    for (size_t i = 0; i < p->nrels; i++) {
        const script_relation_t *r = &p->rels[i];
        buf_printf(report, "     relation %s %s: %s -> %s", rule_names[r->rule], r->type, r->from, r->to[0]);
        for (size_t j = 1; j < r->nto; j++) buf_printf(report, "|%s", r->to[j]);
        for (size_t j = 0; j < r->npaths; j++) buf_printf(report, " %s", r->paths[j].text);
        buf_printf(report, " (line %d)\n", r->line);
    }
    if (p->has_audit) buf_puts(report, "     audit rules present\n");
    if (p->has_alerts) buf_puts(report, "     alert rules present\n");
    if (p->has_runbooks) buf_puts(report, "     runbooks present\n");
done:
    script_plugin_free(p);
    free(file);
    free(dir);
    free(lib);
    return rc;
}
