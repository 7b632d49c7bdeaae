/* clusters.c — the cluster registry; see clusters.h.
 *
 * Per cluster the wiring is:
 *
 *   kube_cluster ──/version──▶ version string
 *        │
 *        ├─ discovery ──on_change──▶ one reflector per watchable type
 *        │                                  │ on_event
 *        │                                  ▼
 *        └──────────────────────────▶ store ──observer──▶ graph (rules from plugins)
 *
 * A reflector for a type that discovery stops serving is freed and its
 * objects are dropped from the store (a resync pass that sees nothing).
 */
#include "clusters.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "kube/kube_obs.h"

#define MAX_LISTENERS 8

typedef struct watched {
    cluster_t *cl;
    kube_reflector_t *refl;
    store_kind_t kind; /* strings owned below */
    char *group, *version, *kindname, *resource;
    bool synced;
    bool resyncing; /* a refill pass is open in the store */
    bool seen;      /* still served by the latest discovery */
} watched_t;

struct cluster {
    clusters_t *cs;
    char *id, *name, *server;
    char version[64];
    kube_cluster_t *kube;
    kube_discovery_t *disc;
    kube_call_t *version_call;
    store_t *store;
    graph_t *graph;
    watched_t **types;
    size_t ntypes;
    const char *status;
    char *error;
    int64_t last_sync_ms;
    bool persisted; /* added through the API: lives in the database */
    kube_cluster_t *prom; /* its Prometheus, or NULL (cluster_set_prometheus) */
};

typedef struct listener {
    clusters_change_fn fn;
    void *ud;
} listener_t;

struct clusters {
    uv_loop_t *loop;
    db_t *db;
    obs_registry_t *obs;
    script_host_t *plugins;
    clusters_config_t cfg;
    kubeconfig_t *kc; /* the loaded files, for contexts named later through the API */
    kube_client_t *client;
    cluster_t **v;
    size_t n;
    listener_t listeners[MAX_LISTENERS];
    size_t nlisteners;
    kube_obs_t *metrics;
};

static void notify(cluster_t *c, int what)
{
    clusters_t *cs = c->cs;
    for (size_t i = 0; i < cs->nlisteners; i++) cs->listeners[i].fn(c, what, cs->listeners[i].ud);
}

/* ---- reflectors ---- */

static void refill_crd_kind(const store_kind_t *k, void *ud);

static void on_event(int type, cJSON *obj, void *ud)
{
    watched_t *w = ud;
    err_t e = {0};
    if (store_apply_event(w->cl->store, type, &w->kind, obj, &e) != 0)
        log_warn("object not stored", "cluster=%s resource=%s error=%s", w->cl->id, w->resource, e.msg);
    /* A CRD's printer columns changed: its kind's objects are stale in the
     * store (store.h); relist them so they get the new columns. */
    if (!strcmp(w->resource, "customresourcedefinitions") && !strcmp(w->group, "apiextensions.k8s.io"))
        store_stale_kinds(w->cl->store, refill_crd_kind, w->cl);
    /* (issue 4 helper) At debug level only: one line per event once the
     * store and graph have applied it, with the object's resourceVersion
     * and the wall clock in µs — bench/sync joins these with the server's
     * write times to measure write→apply lag. */
    if (log_enabled(LOG_DEBUG)) {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
        const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        log_debug("kube event applied", "cluster=%s resource=%s type=%s rv=%s us=%lld", w->cl->id, w->resource,
                  kube_event_type_name(type), cJSON_IsString(rv) ? rv->valuestring : "",
                  (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    }
}

static void on_synced(void *ud)
{
    watched_t *w = ud;
    w->synced = true;
    if (w->resyncing) {
        size_t gone = store_resync_end(w->cl->store, &w->kind);
        w->resyncing = false;
        if (gone) log_info("refill removed vanished objects", "cluster=%s resource=%s objects=%zu", w->cl->id,
                           w->resource, gone);
    }
    store_set_synced(w->cl->store, &w->kind, true);
    if (store_all_synced(w->cl->store)) w->cl->last_sync_ms = clock_wall_ms();
}

static void on_refl_status(kube_reflector_state_t st, const char *msg, void *ud)
{
    watched_t *w = ud;
    if (st == KUBE_REFLECTOR_FORBIDDEN || st == KUBE_REFLECTOR_ERROR) {
        /* a type we may not read must not hold readiness back forever */
        store_set_synced(w->cl->store, &w->kind, true);
        log_warn("resource type not readable", "cluster=%s resource=%s state=%s reason=%s", w->cl->id,
                 w->resource, kube_reflector_state_name(st), msg ? msg : "");
    }
}

static void watched_free(watched_t *w)
{
    if (!w) return;
    kube_reflector_free(w->refl);
    free(w->group);
    free(w->version);
    free(w->kindname);
    free(w->resource);
    free(w);
}

static int watched_start(watched_t *w, err_t *err)
{
    static const kube_reflector_handlers_t h = {on_event, on_synced, on_refl_status};
    w->synced = false;
    store_set_synced(w->cl->store, &w->kind, false);
    w->refl = kube_reflector_new(w->cl->kube, w->group, w->version, w->resource, NULL, &h, w, err);
    return w->refl ? 0 : ERR_INVALID;
}

static watched_t *find_type(cluster_t *c, const char *group, const char *resource)
{
    for (size_t i = 0; i < c->ntypes; i++)
        if (!strcmp(c->types[i]->group, group) && !strcmp(c->types[i]->resource, resource)) return c->types[i];
    return NULL;
}

/* Types not watched into the store: Events (core and events.k8s.io) are
 * kept by the API's own bounded event ring, with their text, rather than as
 * store objects and topology nodes; a few legacy resources serve nothing a
 * person looks at. */
static bool skip_type(const kube_api_resource_t *r)
{
    if (!r->watchable || !r->preferred) return true;
    if (!strcmp(r->group, "events.k8s.io")) return true;
    if (!strcmp(r->group, "") && !strcmp(r->resource, "events")) return true;
    if (!strcmp(r->group, "") && !strcmp(r->resource, "componentstatuses")) return true;
    return false;
}

static void on_discovery(const kube_api_resource_t *list, size_t n, void *ud)
{
    cluster_t *c = ud;
    for (size_t i = 0; i < c->ntypes; i++) c->types[i]->seen = false;
    for (size_t i = 0; i < n; i++) {
        const kube_api_resource_t *r = &list[i];
        if (skip_type(r)) continue;
        watched_t *w = find_type(c, r->group, r->resource);
        if (w && strcmp(w->version, r->version) == 0) {
            w->seen = true;
            continue;
        }
        if (w) { /* preferred version changed: rewatch under the new one */
            watched_free(w);
            for (size_t j = 0; j < c->ntypes; j++)
                if (c->types[j] == w) c->types[j] = c->types[--c->ntypes];
        }
        w = xcalloc(1, sizeof *w);
        w->cl = c;
        w->group = xstrdup(r->group);
        w->version = xstrdup(r->version);
        w->kindname = xstrdup(r->kind);
        w->resource = xstrdup(r->resource);
        w->kind = (store_kind_t){w->group, w->version, w->kindname, r->namespaced};
        w->seen = true;
        err_t e = {0};
        if (watched_start(w, &e) != 0) {
            log_warn("cannot watch resource type", "cluster=%s resource=%s error=%s", c->id, r->resource, e.msg);
            watched_free(w);
            continue;
        }
        c->types = xrealloc(c->types, (c->ntypes + 1) * sizeof *c->types);
        c->types[c->ntypes++] = w;
    }
    /* types no longer served (a CRD deleted): forget them and their objects */
    for (size_t i = 0; i < c->ntypes;) {
        watched_t *w = c->types[i];
        if (w->seen) {
            i++;
            continue;
        }
        log_info("resource type gone", "cluster=%s resource=%s", c->id, w->resource);
        kube_reflector_free(w->refl);
        w->refl = NULL;
        store_resync_begin(c->store, &w->kind);
        store_resync_end(c->store, &w->kind);
        store_set_synced(c->store, &w->kind, true);
        watched_free(w);
        c->types[i] = c->types[--c->ntypes];
    }
}

/* ---- rules ---- */

static int eval_fn(void *ud, const script_relation_t *rule, const char *obj, size_t len, script_find_fn find,
                   script_emit_fn emit, void *emit_ud, err_t *err)
{
    clusters_t *cs = ud;
    return script_relation_eval(cs->plugins, rule, obj, len, find, emit, emit_ud, err);
}

/* Types whose objects lack field values that new rules read: watch them
 * again inside a resync pass, which refills the values and drops objects
 * the fresh list no longer has. */
static void refill_kind(const store_kind_t *k, void *ud)
{
    cluster_t *c = ud;
    for (size_t i = 0; i < c->ntypes; i++) {
        watched_t *w = c->types[i];
        if (strcmp(w->group, k->group) || strcmp(w->kindname, k->kind)) continue;
        kube_reflector_free(w->refl);
        w->refl = NULL;
        store_resync_begin(c->store, &w->kind);
        w->resyncing = true;
        err_t e = {0};
        if (watched_start(w, &e) != 0)
            log_warn("cannot rewatch resource type", "cluster=%s resource=%s error=%s", c->id, w->resource, e.msg);
    }
}

/* As refill_kind, for kinds whose CRD changed; a kind already being
 * refilled is left alone (its fresh list has not been applied yet), so the
 * CRDs of an initial list restart nothing. */
static void refill_crd_kind(const store_kind_t *k, void *ud)
{
    cluster_t *c = ud;
    for (size_t i = 0; i < c->ntypes; i++) {
        watched_t *w = c->types[i];
        if (!strcmp(w->group, k->group) && !strcmp(w->kindname, k->kind) && w->resyncing) return;
    }
    refill_kind(k, ud);
}

static void apply_rules(cluster_t *c)
{
    size_t n = 0;
    const script_relation_t *rules = c->cs->plugins ? script_host_relations(c->cs->plugins, &n) : NULL;
    err_t e = {0};
    if (graph_set_rules(c->graph, rules, n, &e) != 0) {
        log_error("relation rules rejected; the previous rules stay", "cluster=%s error=%s", c->id, e.msg);
        return;
    }
    store_stale_kinds(c->store, refill_kind, c);
}

void clusters_rules_changed(clusters_t *cs)
{
    for (size_t i = 0; i < cs->n; i++) apply_rules(cs->v[i]);
}

/* ---- status and version ---- */

static void on_status(kube_cluster_t *kc, const kube_cluster_status_t *st, void *ud)
{
    (void)kc;
    cluster_t *c = ud;
    const char *before = c->status;
    c->status = kube_cluster_state_name(st->state);
    free(c->error);
    c->error = st->error ? xstrdup(st->error) : NULL;
    if (before != c->status)
        log_info("cluster status", "cluster=%s status=%s error=%s", c->id, c->status, c->error);
    notify(c, CLUSTERS_STATUS);
}

static void fetch_version(cluster_t *c);

static void on_version(const kube_response_t *res, void *ud)
{
    cluster_t *c = ud;
    c->version_call = NULL;
    if (res->status != 200) return;
    cJSON *doc = cJSON_ParseWithLength(res->body, res->body_len);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "gitVersion");
    if (cJSON_IsString(v)) snprintf(c->version, sizeof c->version, "%s", v->valuestring);
    cJSON_Delete(doc);
}

static void fetch_version(cluster_t *c)
{
    kube_request_t rq = {.method = "GET", .path = "/version", .verb = "get"};
    err_t e = {0};
    c->version_call = kube_request(c->kube, &rq, on_version, c, &e);
}

/* ---- registry ---- */

static void cluster_free(cluster_t *c)
{
    if (!c) return;
    if (c->version_call) kube_call_cancel(c->version_call);
    for (size_t i = 0; i < c->ntypes; i++) watched_free(c->types[i]);
    free(c->types);
    kube_discovery_free(c->disc);
    if (c->prom) kube_cluster_free(c->prom);
    if (c->graph) graph_free(c->graph);
    if (c->store) store_free(c->store);
    if (c->kube) kube_cluster_free(c->kube);
    free(c->id);
    free(c->name);
    free(c->server);
    free(c->error);
    free(c);
}

static bool id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 128) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '_' || ch == '.' || ch == '@' || ch == ':'))
            return false;
    }
    return true;
}

static cluster_t *start_cluster(clusters_t *cs, const char *id, kube_cluster_config_t *kcfg, err_t *err)
{
    if (!id_ok(id)) {
        err_set(err, ERR_INVALID,
                "cluster id \"%s\": use 1-128 letters, digits and - _ . @ : (it appears in URLs)", id);
        return NULL;
    }
    if (clusters_get(cs, id)) {
        err_set(err, ERR_EXISTS, "cluster \"%s\" is already registered", id);
        return NULL;
    }
    free(kcfg->id);
    kcfg->id = xstrdup(id);
    kcfg->qps = cs->cfg.qps;
    kcfg->burst = cs->cfg.burst;
    kcfg->request_timeout_ms = cs->cfg.timeout_ms;
    cluster_t *c = xcalloc(1, sizeof *c);
    c->cs = cs;
    c->id = xstrdup(id);
    c->name = xstrdup(kcfg->context ? kcfg->context : id);
    c->server = xstrdup(kcfg->server ? kcfg->server : "");
    c->status = "connecting";
    c->kube = kube_cluster_new(cs->client, kcfg, err);
    if (!c->kube) goto fail;
    kube_cluster_on_status(c->kube, on_status, c);
    c->store = store_new(id);
    c->graph = graph_new(c->store);
    graph_set_fn_eval(c->graph, eval_fn, cs);
    apply_rules(c);
    c->disc = kube_discovery_new(c->kube, on_discovery, c, err);
    if (!c->disc) goto fail;
    fetch_version(c);
    /* a Prometheus from the configuration: "ID=URL" */
    for (size_t i = 0; i < cs->cfg.nprometheus; i++) {
        const char *ent = cs->cfg.prometheus[i], *eq = strchr(ent, '=');
        if (!eq || (size_t)(eq - ent) != strlen(id) || strncmp(ent, id, strlen(id))) continue;
        err_t pe = {0};
        if (cluster_set_prometheus(c, eq + 1, &pe) != 0)
            log_error("prometheus not configured", "cluster=%s error=%s", id, pe.msg);
    }
    cs->v = xrealloc(cs->v, (cs->n + 1) * sizeof *cs->v);
    cs->v[cs->n++] = c;
    log_info("cluster registered", "cluster=%s server=%s", c->id, c->server);
    notify(c, CLUSTERS_ADDED);
    return c;
fail:
    cluster_free(c);
    return NULL;
}

static cluster_t *add_from(clusters_t *cs, const kubeconfig_t *kc, const char *id, const char *context, err_t *err)
{
    kube_cluster_config_t *kcfg = kubeconfig_resolve(kc, context, err);
    if (!kcfg) return NULL;
    const char *ctx = kcfg->context ? kcfg->context : context;
    cluster_t *c = start_cluster(cs, id ? id : ctx ? ctx : "default", kcfg, err);
    kube_cluster_config_free(kcfg);
    return c;
}

cluster_t *clusters_add(clusters_t *cs, const char *id, const char *context, const char *kubeconfig,
                        size_t kubeconfig_len, err_t *err)
{
    cluster_t *c;
    if (kubeconfig) {
        kubeconfig_t *kc = kubeconfig_load_mem("uploaded kubeconfig", NULL, kubeconfig, kubeconfig_len, err);
        if (!kc) return NULL;
        c = add_from(cs, kc, id, context, err);
        kubeconfig_free(kc);
    } else {
        if (!context) {
            err_set(err, ERR_INVALID, "name a context of the loaded kubeconfig, or upload a kubeconfig");
            return NULL;
        }
        if (!cs->kc) {
            err_set(err, ERR_INVALID, "no kubeconfig was loaded at start: upload one instead");
            return NULL;
        }
        c = add_from(cs, cs->kc, id, context, err);
    }
    if (!c || !cs->db) return c;
    int64_t now = clock_wall_ms();
    db_val_t p[] = {DB_TEXT(c->id), DB_TEXT(c->name), DB_TEXT(context),
                    kubeconfig ? DB_BLOB(kubeconfig, kubeconfig_len) : DB_NULLV, DB_INT(now)};
    err_t e = {0};
    if (db_exec(cs->db,
                "INSERT OR REPLACE INTO clusters(id, name, source, context, kubeconfig, created_at)"
                " VALUES (?, ?, 'api', ?, ?, ?)",
                p, 5, &e) != 0)
        log_warn("cluster not persisted; it will be gone after a restart", "cluster=%s error=%s", c->id, e.msg);
    else c->persisted = true;
    return c;
}

cluster_t *clusters_add_transient(clusters_t *cs, const char *id, const char *kubeconfig, size_t len, err_t *err)
{
    kubeconfig_t *kc = kubeconfig_load_mem("demo kubeconfig", NULL, kubeconfig, len, err);
    if (!kc) return NULL;
    cluster_t *c = add_from(cs, kc, id, NULL, err);
    kubeconfig_free(kc);
    return c;
}

int clusters_remove(clusters_t *cs, const char *id, err_t *err)
{
    for (size_t i = 0; i < cs->n; i++) {
        cluster_t *c = cs->v[i];
        if (strcmp(c->id, id)) continue;
        notify(c, CLUSTERS_REMOVING);
        memmove(&cs->v[i], &cs->v[i + 1], (cs->n - i - 1) * sizeof *cs->v);
        cs->n--;
        if (cs->db) {
            db_val_t p[] = {DB_TEXT(id)};
            db_exec(cs->db, "DELETE FROM clusters WHERE id = ?", p, 1, NULL);
        }
        log_info("cluster removed", "cluster=%s", id);
        cluster_free(c);
        return 0;
    }
    return err_set(err, ERR_NOTFOUND, "no cluster \"%s\"", id);
}

static int restore_row(const db_val_t *col, size_t n, void *ud)
{
    clusters_t *cs = ud;
    if (n < 3) return 0;
    const char *id = col[0].s;
    const char *context = col[1].type == DB_TEXT ? col[1].s : NULL;
    const char *prom = n > 3 && col[3].type == DB_TEXT ? col[3].s : NULL;
    err_t e = {0};
    cluster_t *c = NULL;
    if (clusters_get(cs, id)) return 0;
    if (col[2].type == DB_BLOB || col[2].type == DB_TEXT) {
        kubeconfig_t *kc = kubeconfig_load_mem("stored kubeconfig", NULL, col[2].s, col[2].n, &e);
        if (kc) {
            c = add_from(cs, kc, id, context, &e);
            kubeconfig_free(kc);
        }
    } else if (cs->kc && context) {
        c = add_from(cs, cs->kc, id, context, &e);
    } else {
        err_set(&e, ERR_NOTFOUND, "context %s is not in the loaded kubeconfig", context ? context : "(none)");
    }
    if (c) c->persisted = true;
    else log_error("stored cluster not restored", "cluster=%s error=%s", id, e.msg);
    if (c && prom && *prom && cluster_set_prometheus(c, prom, &e) != 0)
        log_error("stored prometheus not restored", "cluster=%s error=%s", id, e.msg);
    return 0;
}

/* Load and merge the kubeconfig files, skipping broken ones. (issue 4
 * helper's fix: kubeconfig_load stops at the first broken file, which took
 * every other file's clusters down with it; now each broken file is logged
 * on one line naming file:line:field and the rest are merged as usual.) */
static kubeconfig_t *load_merged(const char *const *paths, size_t n, unsigned flags)
{
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load(paths, n, flags, &e);
    if (kc || n == 1) {
        if (!kc) log_error("kubeconfig not loaded", "error=%s", e.msg);
        return kc;
    }
    const char **good = xcalloc(n, sizeof *good);
    size_t ngood = 0;
    for (size_t i = 0; i < n; i++) {
        err_t fe = {0};
        kubeconfig_t *one = kubeconfig_load(&paths[i], 1, flags, &fe);
        if (!one) {
            log_error("kubeconfig not loaded; its contexts are skipped", "error=%s", fe.msg);
            continue;
        }
        kubeconfig_free(one);
        good[ngood++] = paths[i];
    }
    kc = NULL;
    if (ngood) {
        err_t me = {0};
        kc = kubeconfig_load(good, ngood, flags, &me);
        if (!kc) log_error("kubeconfig not loaded", "error=%s", me.msg);
    }
    free(good);
    return kc;
}

static void load_kubeconfigs(clusters_t *cs)
{
    char **owned = NULL;
    const char *const *paths = cs->cfg.kubeconfigs;
    size_t n = cs->cfg.nkubeconfigs;
    unsigned flags = 0;
    char home_path[1024];
    const char *home_list[1];
    if (n == 0) {
        const char *env = getenv("KUBECONFIG");
        if (env && *env) {
            owned = kubeconfig_split_paths(env, &n);
            paths = (const char *const *)owned;
            flags = KUBECONFIG_SKIP_MISSING;
        } else if (getenv("HOME")) {
            snprintf(home_path, sizeof home_path, "%s/.kube/config", getenv("HOME"));
            struct stat st;
            if (stat(home_path, &st) != 0) return; /* no kubeconfig anywhere: start with no clusters */
            home_list[0] = home_path;
            paths = home_list;
            n = 1;
        }
    }
    if (n == 0) goto done;
    err_t e = {0};
    cs->kc = load_merged(paths, n, flags);
    if (!cs->kc) goto done;
    for (size_t i = 0; i < kubeconfig_context_count(cs->kc); i++) {
        const char *ctx = kubeconfig_context_name(cs->kc, i);
        if (cs->cfg.ncontexts) {
            bool wanted = false;
            for (size_t j = 0; j < cs->cfg.ncontexts; j++) wanted |= !strcmp(cs->cfg.contexts[j], ctx);
            if (!wanted) continue;
        }
        if (!add_from(cs, cs->kc, NULL, ctx, &e))
            log_error("context skipped", "context=%s error=%s", ctx, e.msg);
    }
    for (size_t j = 0; j < cs->cfg.ncontexts; j++) {
        bool found = false;
        for (size_t i = 0; i < kubeconfig_context_count(cs->kc); i++)
            found |= !strcmp(kubeconfig_context_name(cs->kc, i), cs->cfg.contexts[j]);
        /* resolve's message names the files and the contexts they do have */
        if (!found && !kubeconfig_resolve(cs->kc, cs->cfg.contexts[j], &e))
            log_error("context skipped", "context=%s error=%s", cs->cfg.contexts[j], e.msg);
    }
done:
    if (owned) kubeconfig_paths_free(owned);
}

clusters_t *clusters_new(uv_loop_t *loop, db_t *db, obs_registry_t *obs, script_host_t *plugins,
                         const clusters_config_t *cfg, err_t *err)
{
    clusters_t *cs = xcalloc(1, sizeof *cs);
    cs->loop = loop;
    cs->db = db;
    cs->obs = obs;
    cs->plugins = plugins;
    cs->cfg = *cfg;
    cs->client = kube_client_new(loop, err);
    if (!cs->client) {
        free(cs);
        return NULL;
    }
    cs->metrics = kube_obs_attach(cs->client, obs);
    for (size_t i = 0; i < cfg->nprometheus; i++)
        if (!strchr(cfg->prometheus[i], '='))
            log_error("prometheus entry skipped: expected CLUSTER=URL", "entry=%s", cfg->prometheus[i]);
    load_kubeconfigs(cs);
    if (db) {
        err_t e = {0};
        if (db_query(db, "SELECT id, context, kubeconfig, prometheus FROM clusters WHERE source = 'api' ORDER BY created_at", NULL,
                     0, restore_row, cs, &e) != 0)
            log_error("stored clusters not read", "error=%s", e.msg);
    }
    return cs;
}

void clusters_free(clusters_t *cs)
{
    if (!cs) return;
    for (size_t i = 0; i < cs->n; i++) cluster_free(cs->v[i]);
    free(cs->v);
    kube_obs_detach(cs->metrics);
    kube_obs_free(cs->metrics);
    kube_client_free(cs->client);
    kubeconfig_free(cs->kc);
    free(cs);
}

void clusters_on_change(clusters_t *cs, clusters_change_fn fn, void *ud)
{
    if (cs->nlisteners < MAX_LISTENERS) cs->listeners[cs->nlisteners++] = (listener_t){fn, ud};
}

size_t clusters_count(const clusters_t *cs) { return cs->n; }
cluster_t *clusters_at(clusters_t *cs, size_t i) { return i < cs->n ? cs->v[i] : NULL; }

cluster_t *clusters_get(clusters_t *cs, const char *id)
{
    for (size_t i = 0; i < cs->n; i++)
        if (!strcmp(cs->v[i]->id, id)) return cs->v[i];
    return NULL;
}

bool clusters_all_synced(const clusters_t *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        if (!cs->v[i]->disc || !cs->v[i]->ntypes || !store_all_synced(cs->v[i]->store)) return false;
    return true;
}

const char *cluster_id(const cluster_t *c) { return c->id; }
const char *cluster_name(const cluster_t *c) { return c->name; }
const char *cluster_server(const cluster_t *c) { return c->server; }
const char *cluster_version(const cluster_t *c) { return c->version; }
kube_cluster_t *cluster_kube(cluster_t *c) { return c->kube; }
kube_discovery_t *cluster_discovery(cluster_t *c) { return c->disc; }
store_t *cluster_store(cluster_t *c) { return c->store; }
graph_t *cluster_graph(cluster_t *c) { return c->graph; }
kube_cluster_t *cluster_prometheus(cluster_t *c) { return c->prom; }

int cluster_set_prometheus(cluster_t *c, const char *url, err_t *err)
{
    kube_cluster_t *p = NULL;
    if (url && *url) {
        size_t n = strlen(url);
        if (n > 1024 || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
            return err_set(err, ERR_INVALID, "prometheus URL \"%.200s\": expected http://HOST[:PORT][/PREFIX] or https://…", url);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)url[i] <= ' ' || url[i] == '?' || url[i] == '#')
                return err_set(err, ERR_INVALID, "prometheus URL \"%.200s\": no spaces, query or fragment", url);
        char id[300], server[1100];
        snprintf(id, sizeof id, "%s/prometheus", c->id);
        snprintf(server, sizeof server, "%s", url);
        while (n > 8 && server[n - 1] == '/') server[--n] = '\0';
        /* Its own connection settings: no retries (a dashboard asks again),
         * the configured timeout, and none of the cluster's credentials. */
        int to = c->cs->cfg.prometheus_timeout_ms > 0 ? c->cs->cfg.prometheus_timeout_ms : 10000;
        kube_cluster_config_t pc = {.id = id, .server = server, .max_retries = -1, .request_timeout_ms = to,
                                    .first_byte_timeout_ms = to, .connect_timeout_ms = to < 10000 ? to : 10000,
                                    .qps = 100, .burst = 200, .max_body_bytes = 16u << 20};
        p = kube_cluster_new(c->cs->client, &pc, err);
        if (!p) return err->code ? err->code : ERR_INVALID;
    }
    if (c->prom) kube_cluster_free(c->prom);
    c->prom = p;
    if (c->persisted && c->cs->db) {
        db_val_t pv[] = {p ? DB_TEXT(url) : DB_NULLV, DB_TEXT(c->id)};
        err_t e = {0};
        if (db_exec(c->cs->db, "UPDATE clusters SET prometheus = ? WHERE id = ?", pv, 2, &e) != 0)
            log_warn("prometheus setting not persisted", "cluster=%s error=%s", c->id, e.msg);
    }
    return 0;
}

const char *cluster_status(cluster_t *c, const char **error, int64_t *last_sync_ms)
{
    kube_cluster_status_t st;
    kube_cluster_status(c->kube, &st);
    if (error) *error = st.error;
    if (last_sync_ms) *last_sync_ms = c->last_sync_ms ? c->last_sync_ms : st.last_sync_ms;
    return kube_cluster_state_name(st.state);
}

void cluster_json(cluster_t *c, bool counts, buf_t *out)
{
    const char *error;
    int64_t last;
    const char *status = cluster_status(c, &error, &last);
    buf_puts(out, "{\"id\":");
    buf_json_cstr(out, c->id);
    buf_puts(out, ",\"name\":");
    buf_json_cstr(out, c->name);
    buf_puts(out, ",\"server\":");
    buf_json_cstr(out, c->server);
    buf_puts(out, ",\"status\":");
    buf_json_cstr(out, status);
    buf_puts(out, ",\"error\":");
    if (error) buf_json_cstr(out, error);
    else buf_puts(out, "null");
    buf_puts(out, ",\"version\":");
    buf_json_cstr(out, c->version);
    if (counts) buf_printf(out, ",\"objects\":%zu,\"lastSync\":", store_count(c->store));
    else buf_puts(out, ",\"objects\":null,\"lastSync\":");
    if (last) {
        char ts[32];
        clock_rfc3339_ms(last, ts);
        buf_json_cstr(out, ts);
    } else {
        buf_puts(out, "null");
    }
    size_t synced = 0;
    for (size_t i = 0; i < c->ntypes; i++) synced += c->types[i]->synced;
    buf_printf(out, ",\"resourceTypes\":%zu,\"resourceTypesSynced\":%zu,\"persisted\":%s,\"prometheus\":%s}",
               c->ntypes, synced, c->persisted ? "true" : "false", c->prom ? "true" : "false");
}

void cluster_types_json(cluster_t *c, bool counts, buf_t *out)
{
    buf_putc(out, '[');
    for (size_t i = 0; i < c->ntypes; i++) {
        watched_t *w = c->types[i];
        if (i) buf_putc(out, ',');
        buf_puts(out, "{\"group\":");
        buf_json_cstr(out, w->group);
        buf_puts(out, ",\"version\":");
        buf_json_cstr(out, w->version);
        buf_puts(out, ",\"resource\":");
        buf_json_cstr(out, w->resource);
        buf_puts(out, ",\"kind\":");
        buf_json_cstr(out, w->kindname);
        buf_printf(out, ",\"namespaced\":%s,\"state\":", w->kind.namespaced ? "true" : "false");
        buf_json_cstr(out, w->refl ? kube_reflector_state_name(kube_reflector_state(w->refl)) : "stopped");
        if (counts) buf_printf(out, ",\"objects\":%zu", w->refl ? kube_reflector_count(w->refl) : 0);
        else buf_puts(out, ",\"objects\":null");
        buf_printf(out, ",\"synced\":%s}", w->synced ? "true" : "false");
    }
    buf_putc(out, ']');
}
