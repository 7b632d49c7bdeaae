/* script.h — the Lua 5.4 plugin host.
 *
 * A plugin is a Lua file, or a folder with init.lua, that returns a manifest
 * table (name, version, priority, routes, relations, audit, alerts, runbooks;
 * see docs/plugins.md and shared/API.md). Each plugin runs in its own
 * lua_State with an allow-list sandbox, an instruction/time budget per call
 * and a memory cap; a Lua error is logged (plugin, file:line, message,
 * traceback), counted, and never unwinds into the event loop.
 *
 * Lifecycle (everything on the loop thread):
 *   h = script_host_new(loop, http, dirs, ndirs, limits, &err);  nothing loaded yet
 *   script_host_load(h, &err);     first load; starts the directory watchers.
 *                                  On error nothing is loaded (the caller decides
 *                                  whether that is fatal) but watchers still run,
 *                                  so fixing the file loads it.
 *   script_host_reload(h, &err);   SIGHUP / POST /plugins/reload. The watchers call
 *                                  it too, 100 ms after the last file change. It
 *                                  logs success and failure itself (one JSON line
 *                                  per broken plugin with file:line).
 *   script_host_close(h);          unregisters the plugin routes, closes handles;
 *                                  h is freed in the last close callback. Call it
 *                                  before http_server_close().
 * Reload is build-aside: the whole new set is loaded and validated in fresh
 * states; only on success are the old routes unregistered, the new ones
 * registered and the old states freed, in one loop turn. On any error the old
 * set keeps running and the error shows in script_host_info and the log.
 *
 * Pointers handed out (plugin info, relation rules) stay valid until the next
 * successful reload or close; register script_host_on_swap to learn when.
 */
#ifndef KB_SCRIPT_H
#define KB_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "http/http.h"

typedef struct script_host script_host_t;

typedef struct script_limits {
    uint64_t max_instructions; /* per call into a plugin; 0 → 10,000,000 */
    uint32_t max_ms;           /* wall time per call; 0 → 100 ms */
    size_t max_memory;         /* per plugin state; 0 → 32 MiB */
    uint32_t debounce_ms;      /* file change → reload delay; 0 → 100 ms */
    /* Folder holding kubilitics/init.lua. NULL → $KUBILITICS_LUA_DIR, else
     * ./lua, else ../lua (up to four levels) from the executable. */
    const char *lib_dir;
} script_limits_t;

/* dirs are copied. http may be NULL (routes then reachable only through
 * script_host_dispatch, as in tests). Fails when a directory does not exist. */
script_host_t *script_host_new(uv_loop_t *loop, http_server_t *http, const char *const *dirs, size_t ndirs,
                               const script_limits_t *limits, err_t *err);
int script_host_load(script_host_t *h, err_t *err);
int script_host_reload(script_host_t *h, err_t *err);
void script_host_close(script_host_t *h);
/* Called after every successful load/reload swap (e.g. to recompute edges). */
void script_host_on_swap(script_host_t *h, void (*fn)(script_host_t *h, void *ud), void *ud);
/* Who is asking, for req.user in route handlers; NULL result → req.user nil. */
void script_host_set_user_fn(script_host_t *h, const char *(*fn)(http_req_t *r, void *ud), void *ud);

/* ---- stats (GET /plugins, /metrics) ---- */
typedef struct script_plugin_info {
    const char *name, *version, *file;
    int priority;
    const char *status; /* "ok", or "error" when its last call failed */
    size_t routes, relations;
    uint64_t calls_total;  /* calls into the plugin (loads, routes, rules) */
    uint64_t errors_total; /* failed calls, kills included; kept across reloads */
    uint64_t budget_kills_total;
    const char *last_error; /* "" when none */
    size_t memory_bytes;    /* current size of the plugin's Lua heap */
} script_plugin_info_t;

typedef struct script_host_info {
    size_t plugins;
    uint64_t reloads_total; /* successful loads and reloads */
    uint64_t reload_failures_total;
    const char *last_reload_error; /* "" when the last attempt succeeded */
    int64_t last_reload_ms;        /* wall clock of the last attempt, 0 never */
} script_host_info_t;

/* Visit the loaded plugins in order (priority descending, then name). */
void script_host_stats(script_host_t *h, void (*cb)(const script_plugin_info_t *pi, void *ud), void *ud);
void script_host_info(script_host_t *h, script_host_info_t *out);
/* The GET /api/v1/plugins body: {"plugins":[…],"reloadsTotal":…,…}. */
void script_host_stats_json(script_host_t *h, buf_t *out);

/* ---- routes ---- */
/* Plugin routes live under SCRIPT_ROUTE_PREFIX "{name}/…". The HTTP glue
 * registers each with http_route and answers through script_host_dispatch;
 * both are usable without a server. */
#define SCRIPT_ROUTE_PREFIX "/api/v1/plugins/"

typedef struct script_header {
    sv_t name, value;
} script_header_t;

typedef struct script_http_req {
    const char *method; /* "GET" */
    sv_t raw_path;      /* undecoded, no query: "/api/v1/plugins/hello/items/a%20b" */
    sv_t query;         /* undecoded, after '?' */
    const script_header_t *headers;
    size_t nheaders;
    sv_t body;
    const char *user; /* NULL → anonymous */
    const char *request_id;
} script_http_req_t;

typedef struct script_http_res {
    int status;
    /* Set when the host answers itself with the API error contract (e.g.
     * "internal", "plugin_budget_exceeded", "not_found"); then error_message
     * holds the message and body/content_type are empty. */
    const char *error_code;
    char *error_message;
    char *content_type;
    char **header_names, **header_values; /* extra response headers */
    size_t nheaders;
    buf_t body;
} script_http_res_t;

/* Run the plugin route matching req and fill res (always filled, even on
 * failure). Returns 0, or the negative ERR_* of the failure. */
int script_host_dispatch(script_host_t *h, const script_http_req_t *req, script_http_res_t *res);
void script_http_res_free(script_http_res_t *res);

/* ---- relation rules (issue 5) ----
 * A relation rule says which edges of one type to draw from objects of a
 * source kind. Kinds are canonical ID kinds ("Pod", "Deployment.apps",
 * "Certificate.cert-manager.io"), or "*" for any. Field paths are dotted with
 * list steps: "spec.volumes[*].configMap.name", "metadata.labels[\"app.kubernetes.io/name\"]",
 * "spec.containers[0].image"; they come parsed too.
 *
 *   OWNER     edges owner → owned from metadata.ownerReferences (from/to may be "*").
 *   SELECTOR  source's label selector at `paths` (matchLabels/matchExpressions
 *             or a plain map, per `selector_form`) matched against the labels
 *             of `to` objects in the source's namespace.
 *   REF       the value at each path names the target: a string is the target
 *             name; an object gives name (and kind, namespace when present, as
 *             in roleRef, subjects[*], scaleTargetRef). Target namespace: the
 *             value at namespace_path if set, else the source's own, or none
 *             when cross_namespace (cluster-scoped targets, e.g. Node).
 *   LABELREF  the source's label `label` names the target: target name equals
 *             the value, or, when target_label is set, targets whose label
 *             target_label has that value.
 *   FUNCTION  a Lua function match(obj, find) → array of target IDs (or
 *             {id=, type=} tables); run it with script_relation_eval.
 * Rules are listed in plugin order, each plugin's in declaration order.
 */
typedef enum {
    SCRIPT_REL_OWNER,
    SCRIPT_REL_SELECTOR,
    SCRIPT_REL_REF,
    SCRIPT_REL_LABELREF,
    SCRIPT_REL_FUNCTION,
} script_rel_rule_t;

typedef enum { SCRIPT_SEL_AUTO, SCRIPT_SEL_MAP, SCRIPT_SEL_LABEL_SELECTOR } script_sel_form_t;

typedef enum { SCRIPT_SEG_KEY, SCRIPT_SEG_INDEX, SCRIPT_SEG_ALL } script_seg_kind_t;

typedef struct script_path_seg {
    script_seg_kind_t kind;
    char *key; /* SCRIPT_SEG_KEY */
    int index; /* SCRIPT_SEG_INDEX */
} script_path_seg_t;

typedef struct script_path {
    char *text;
    script_path_seg_t *segs;
    size_t nsegs;
} script_path_t;

typedef struct script_fn script_fn_t; /* a Lua function held by a plugin state */

typedef struct script_relation {
    script_rel_rule_t rule;
    const char *plugin; /* declaring plugin */
    const char *file;   /* where declared */
    int line;
    const char *type; /* edge type: "owns", "selects", … */
    const char *from; /* source kind or "*" */
    const char **to;  /* target kinds (usually one) or {"*"} */
    size_t nto;
    script_path_t *paths; /* SELECTOR, REF: at least one */
    size_t npaths;
    script_path_t *namespace_path; /* REF: NULL → the source's namespace */
    bool cross_namespace;          /* REF: target looked up without namespace */
    script_sel_form_t selector_form;
    const char *label;        /* LABELREF: label key on the source */
    const char *target_label; /* LABELREF: NULL → match target by name */
    script_fn_t *fn;          /* FUNCTION */
} script_relation_t;

/* The current rules; *n receives the count. Valid until the next swap. */
const script_relation_t *script_host_relations(script_host_t *h, size_t *n);

/* For FUNCTION rules. find answers the rule's find(kind, namespace, name)
 * with the object's JSON (borrowed until the next find call) or NULL; emit
 * receives each target ID and edge type. obj is the source object as JSON.
 * Runs under the plugin's budget; returns 0 or ERR_INVALID / ERR_LIMIT. */
typedef const char *(*script_find_fn)(const char *kind, const char *ns, const char *name, size_t *len,
                                      void *ud);
typedef void (*script_emit_fn)(const char *target_id, const char *type, void *ud);
int script_relation_eval(script_host_t *h, const script_relation_t *rule, const char *obj_json, size_t len,
                         script_find_fn find, script_emit_fn emit, void *ud, err_t *err);

/* ---- helpers shared with other modules ---- */
/* Parse a field path; on success *out owns its strings (script_path_free). */
int script_path_parse(const char *text, script_path_t *out, err_t *err);
void script_path_free(script_path_t *p);
/* Canonical ID kind for a kind or resource name as kubectl takes it ("pods",
 * "deployment", "Deployment.apps", "ingresses.networking.k8s.io"), written
 * to out; a "Kind.some.group" of a kind not built in is accepted as written.
 * Returns NULL when unknown. */
const char *script_kind_canonical(const char *name, char *out, size_t outsz);

/* `kubilitics plugin check PATH`: load and validate one plugin file or
 * folder without a server, append a human-readable report. 0 when valid. */
int script_check_path(const char *path, buf_t *report, err_t *err);

/* `kubilitics plugin test PATH [BUSTED_ARGS…]`: check the plugin as above,
 * then run its busted specs (`lua5.4 /usr/bin/busted`, or $KUBILITICS_LUA and
 * $KUBILITICS_BUSTED) with LUA_PATH set so kubilitics.testing resolves; see
 * docs/plugins.md for where specs and fixtures live. args go to busted before
 * the spec files; progress lines (the check's report) go to out when not
 * NULL. Returns the exit status: 0 every spec passed; 1 a spec failed or the
 * plugin does not load (err has file:line); 2 nothing could run — no such
 * plugin, no specs, no busted (err says which). */
int script_test_path(const char *path, const char *const *args, size_t nargs, FILE *out, err_t *err);

#endif
