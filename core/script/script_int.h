/* script_int.h — what the files of core/script share; not for other modules.
 *
 * state.c     one lua_State per plugin: capped allocator, budget hook,
 *             sandbox environment, protected calls (script_pcall)
 * hostlib.c   the C module "kubilitics.host" seen by plugins (phase checked)
 * json.c      Lua value ⇄ JSON
 * manifest.c  run a plugin's chunk and validate the table it returns
 * set.c       scan plugin folders, load a whole set, order it
 * dispatch.c  plugin HTTP routes: match, call, build the response
 * glue.c      the thin layer between core/http and dispatch
 * host.c      script_host_t: load, reload (build-aside), watch, stats
 * testrun.c   `kubilitics plugin test`: the busted specs of one plugin
 * path.c, kinds.c  field paths and Kubernetes kind names
 */
#ifndef KB_SCRIPT_INT_H
#define KB_SCRIPT_INT_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/map.h"
#include "script/script.h"

/* The plugin API version plugins see as kubilitics.version (and specs, through
 * KUBILITICS_API_VERSION set by `plugin test`). */
#ifndef KUBILITICS_VERSION
#define KUBILITICS_VERSION "0.1.0"
#endif

/* Phases: where a call into a plugin is running. Host functions declare the
 * phases they may run in. */
enum {
    SCRIPT_PHASE_NONE = 0,
    SCRIPT_PHASE_LOAD = 1 << 0,
    SCRIPT_PHASE_ROUTE = 1 << 1,
    SCRIPT_PHASE_RELATION = 1 << 2,
    SCRIPT_PHASE_ALERT = 1 << 3,
    SCRIPT_PHASE_RUNBOOK = 1 << 4,
    SCRIPT_PHASE_ANY = 0x1f,
};

enum { SCRIPT_KILL_NONE, SCRIPT_KILL_INSTRUCTIONS, SCRIPT_KILL_TIME };

#define SCRIPT_HOOK_EVERY 1000

/* Counters that outlive a plugin state: kept by the host per plugin name so
 * errors_total stays monotonic across reloads. */
typedef struct script_counters {
    uint64_t calls_total, errors_total, budget_kills_total;
    char last_error[400];
    bool last_failed;
} script_counters_t;

typedef struct script_route {
    char *method;  /* "GET" */
    char *path;    /* as declared: "/items/{id}" */
    char *pattern; /* for http_route: "/api/v1/plugins/hello/items/{id}" */
    char **segs;   /* path split at '/' */
    size_t nsegs;
    int nliterals;
    int handler_ref; /* registry ref */
    int line;
} script_route_t;

struct script_fn {
    struct script_plugin *plugin;
    int ref;
};

typedef struct script_plugin {
    lua_State *L;
    char *file;    /* the file loaded: x.lua or folder/init.lua */
    char *dir;     /* folder plugins: the folder, for require */
    char *lib_dir; /* folder holding the kubilitics/ modules */
    char *name, *version;
    int priority;
    int env_ref, manifest_ref, loaded_ref;
    script_route_t *routes;
    size_t nroutes;
    script_relation_t *rels;
    size_t nrels;
    bool has_audit, has_alerts, has_runbooks;
    /* limits and accounting */
    size_t mem_used, mem_limit;
    uint64_t max_instr, instr_used, max_ns, deadline_ns;
    int kill;
    char kill_where[160];
    int phase;
    int depth;                   /* nested script_pcall depth */
    int return_line;             /* line of the chunk's `return`, found while loading */
    const char *request_id;      /* during route calls */
    const void *find_ctx;        /* during relation calls */
    script_counters_t *counters; /* NULL until attached by the host */
    script_counters_t own_counters;
    buf_t warn; /* pieces of a lua_warning message */
} script_plugin_t;

/* ---- state.c ---- */
script_plugin_t *script_plugin_new(const char *file, const char *dir, const char *lib_dir,
                                   const script_limits_t *lim, err_t *err);
void script_plugin_free(script_plugin_t *p);
static inline script_plugin_t *script_plugin_of(lua_State *L)
{
    return *(script_plugin_t **)lua_getextraspace(L);
}
const char *script_plugin_label(const script_plugin_t *p);
/* Call fn(L) with lightuserdata ud as its only argument, protected, with a
 * traceback handler, a fresh budget and the given phase. Returns 0, ERR_LIMIT
 * (budget or memory), or ERR_INVALID (a Lua error); err gets the message
 * without traceback. When log_what is non-NULL, a failure is logged as one
 * JSON line (with the traceback) and counted. */
int script_pcall(script_plugin_t *p, int phase, lua_CFunction fn, void *ud, const char *log_what, err_t *err);
/* Push the plugin's sandbox environment. */
void script_push_env(lua_State *L);
const char *script_phase_name(int phase);
void script_limits_defaults(const script_limits_t *in, script_limits_t *out);
/* Read a whole file (at most max bytes). Caller frees. */
char *script_read_file(const char *path, size_t max, size_t *len, err_t *err);

/* ---- hostlib.c ---- */
int script_open_hostlib(lua_State *L);

/* ---- json.c ---- */
/* Encode the value at idx (raw access, no metamethods) into a buffer held
 * by a userdata pushed on the stack; raises a Lua error on a value JSON
 * cannot hold or output past max bytes. Steal the bytes before popping. */
buf_t *script_json_encode_box(lua_State *L, int idx, size_t max);
/* Push the decoded value, or raise a Lua error. Runs inside a protected call. */
void script_json_decode(lua_State *L, const char *s, size_t n);
void script_json_push_array_mt(lua_State *L);

/* ---- manifest.c ---- */
/* Run the plugin's file and validate its manifest. */
int script_manifest_load(script_plugin_t *p, err_t *err);
bool script_semver_valid(const char *s);

/* ---- set.c ---- */
typedef struct script_entry {
    char *file; /* x.lua or folder/init.lua */
    char *dir;  /* folder plugins */
} script_entry_t;

typedef struct script_set {
    script_plugin_t **plugins;
    size_t n;
    script_relation_t *rels; /* shallow copies of the plugins' rules */
    size_t nrels;
    map_t by_name;
} script_set_t;

int script_scan_dirs(char *const *dirs, size_t ndirs, script_entry_t **out, size_t *n, err_t *err);
void script_entries_free(script_entry_t *e, size_t n);
/* Load every entry; on failure every error is logged and err holds the first
 * (plus a count of the others); all builds are freed. */
script_set_t *script_set_build(const script_entry_t *e, size_t n, const char *lib_dir,
                               const script_limits_t *lim, err_t *err);
void script_set_free(script_set_t *s);
void script_set_sort(script_plugin_t **v, size_t n);
/* limits.lib_dir resolved as script.h describes; caller frees. */
char *script_lib_dir_resolve(const char *given);

/* ---- dispatch.c ---- */
int script_dispatch(script_set_t *set, const script_http_req_t *req, script_http_res_t *res);

/* ---- glue.c ---- */
void script_glue_register(http_server_t *http, script_set_t *old_set, script_set_t *new_set,
                          script_host_t *h);
void script_glue_handler(http_req_t *r, void *ud);

/* ---- host.c, for glue.c ---- */
script_set_t *script_host_set(script_host_t *h);
const char *script_host_user(script_host_t *h, http_req_t *r);

/* ---- relations (manifest.c) ---- */
void script_relation_free(script_relation_t *r);

#endif
