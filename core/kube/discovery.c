/* discovery.c — the resource types a cluster serves; see kube.h.
 *
 * One pass: GET /api (core versions) and /apis (groups with their preferred
 * versions), then every group version's resource list in parallel. A group
 * version that fails (an aggregated API whose backend is down answers 503)
 * is left out of the result and logged, as kubectl does, rather than failing
 * the whole pass. After the first pass a reflector on CustomResourceDefinitions
 * triggers a new pass (debounced) whenever a CRD changes, and a timer
 * re-runs it every 10 minutes for aggregated APIs that come and go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "kube/kube_int.h"
#include "kube/resil.h"

#define DISC_REFRESH_MS (10 * 60 * 1000)
#define DISC_DEBOUNCE_MS 1000
#define DISC_RETRY_SKIPPED_MS 30000

typedef struct disc_list {
    kube_api_resource_t *v;
    size_t n, cap;
} disc_list_t;

struct kube_discovery {
    kube_attached_t att;
    kube_cluster_t *cl;
    kube_discovery_fn on_change;
    void *ud;
    disc_list_t cur;      /* last delivered */
    disc_list_t next;     /* pass in progress */
    char *signature;      /* of cur, to tell whether a pass changed anything */
    kube_call_t **calls;  /* in flight during a pass */
    size_t ncalls, capcalls;
    size_t pending;
    bool pass_failed;
    bool skipped;         /* a group version failed this pass */
    bool have_result;
    uv_timer_t timer;
    void (*timer_fn)(kube_discovery_t *d);
    kube_backoff_t backoff;
    kube_reflector_t *crds;
    bool crds_synced;
    int depth;
    bool dead;
};

static void pass_start(kube_discovery_t *d);

static void list_clear(disc_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].group);
        free((char *)l->v[i].version);
        free((char *)l->v[i].resource);
        free((char *)l->v[i].kind);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void timer_closed(uv_handle_t *h) { free(h->data); }

static void cancel_calls(kube_discovery_t *d)
{
    for (size_t i = 0; i < d->ncalls; i++)
        if (d->calls[i]) kube_call_cancel(d->calls[i]);
    d->ncalls = 0;
    d->pending = 0;
}

static void really_free(kube_discovery_t *d)
{
    list_clear(&d->cur);
    list_clear(&d->next);
    free(d->signature);
    free(d->calls);
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, timer_closed);
}

static void quiet(kube_discovery_t *d)
{
    cancel_calls(d);
    uv_timer_stop(&d->timer);
    if (d->crds) kube_reflector_free(d->crds);
    d->crds = NULL;
}

void kube_discovery_free(kube_discovery_t *d)
{
    if (!d || d->dead) return;
    d->dead = true;
    quiet(d);
    if (d->cl) kube_cluster__detach(d->cl, &d->att);
    d->cl = NULL;
    if (d->depth == 0) really_free(d);
}

static void att_destroy(kube_attached_t *a)
{
    kube_discovery_t *d = (kube_discovery_t *)a;
    quiet(d); /* frees the CRD reflector: nobody else owns it */
    d->cl = NULL;
}

static void enter(kube_discovery_t *d) { d->depth++; }
static bool leave(kube_discovery_t *d)
{
    if (--d->depth == 0 && d->dead) {
        really_free(d);
        return false;
    }
    return !d->dead;
}

static void timer_cb(uv_timer_t *t)
{
    kube_discovery_t *d = t->data;
    if (!d->cl) return;
    enter(d);
    d->timer_fn(d);
    leave(d);
}

static void after(kube_discovery_t *d, uint64_t ms, void (*fn)(kube_discovery_t *))
{
    d->timer_fn = fn;
    uv_timer_start(&d->timer, timer_cb, ms, 0);
}

static void att_kick(kube_attached_t *a)
{
    kube_discovery_t *d = (kube_discovery_t *)a;
    /* After an outage the served types may differ (a restarted or replaced
     * cluster): discover again. */
    if (d->pending == 0) after(d, 0, pass_start);
}

/* ---- CRD watch ---- */

static void crd_event(int type, cJSON *obj, void *ud)
{
    (void)type;
    (void)obj;
    kube_discovery_t *d = ud;
    /* The initial list is what the first pass already saw. */
    if (!d->crds_synced) return;
    if (d->pending == 0) after(d, DISC_DEBOUNCE_MS, pass_start);
}

static void crd_synced(void *ud)
{
    kube_discovery_t *d = ud;
    d->crds_synced = true;
}

static void maybe_watch_crds(kube_discovery_t *d)
{
    if (d->crds) return;
    for (size_t i = 0; i < d->cur.n; i++) {
        const kube_api_resource_t *r = &d->cur.v[i];
        if (!strcmp(r->group, "apiextensions.k8s.io") && !strcmp(r->resource, "customresourcedefinitions")) {
            kube_reflector_handlers_t h = {.on_event = crd_event, .on_synced = crd_synced};
            err_t e;
            d->crds = kube_reflector_new(d->cl, r->group, r->version, r->resource, NULL, &h, d, &e);
            return;
        }
    }
}

/* ---- a pass ---- */

static int res_cmp(const void *a, const void *b)
{
    const kube_api_resource_t *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (!c) c = strcmp(x->resource, y->resource);
    if (!c) c = strcmp(x->version, y->version);
    return c;
}

static char *signature_of(const disc_list_t *l)
{
    buf_t b = {0};
    for (size_t i = 0; i < l->n; i++)
        buf_printf(&b, "%s/%s/%s/%s/%d%d%d\n", l->v[i].group, l->v[i].version, l->v[i].resource, l->v[i].kind,
                   l->v[i].namespaced, l->v[i].watchable, l->v[i].preferred);
    return b.data ? buf_steal(&b) : xstrdup("");
}

static void pass_end(kube_discovery_t *d)
{
    if (d->pass_failed) {
        list_clear(&d->next);
        uint64_t ms = kube_backoff_next(&d->backoff);
        after(d, ms, pass_start);
        return;
    }
    kube_backoff_reset(&d->backoff);
    if (d->next.n > 1) qsort(d->next.v, d->next.n, sizeof *d->next.v, res_cmp);
    char *sig = signature_of(&d->next);
    bool changed = !d->signature || strcmp(sig, d->signature);
    if (changed) {
        list_clear(&d->cur);
        d->cur = d->next;
        memset(&d->next, 0, sizeof d->next);
        free(d->signature);
        d->signature = sig;
    } else {
        list_clear(&d->next);
        free(sig);
    }
    d->have_result = true;
    after(d, d->skipped ? DISC_RETRY_SKIPPED_MS : DISC_REFRESH_MS, pass_start);
    if (changed) {
        log_info("kube discovery", "cluster=%s resources=%zu", kube_cluster_id(d->cl), d->cur.n);
        maybe_watch_crds(d);
        if (d->on_change) d->on_change(d->cur.v, d->cur.n, d->ud);
    }
    /* Only now may the cluster count as synced: before the first pass no
     * reflector exists yet, and the cluster would show "connected" with
     * nothing listed (then "syncing" once on_change started them). */
    if (!d->dead && d->cl) kube_cluster__set_unsynced(d->cl, &d->att, false);
}

static void call_forget(kube_discovery_t *d, kube_call_t *c)
{
    for (size_t i = 0; i < d->ncalls; i++)
        if (d->calls[i] == c) d->calls[i] = NULL;
}

typedef struct gv_req {
    kube_discovery_t *d;
    kube_call_t *call;
    char *group, *version;
    bool preferred;
    bool root; /* /api or /apis */
} gv_req_t;

static void gv_done(const kube_response_t *res, void *ud);

static void issue(kube_discovery_t *d, const char *path, const char *group, const char *version, bool preferred,
                  bool root)
{
    gv_req_t *g = xcalloc(1, sizeof *g);
    g->d = d;
    g->group = xstrdup(group ? group : "");
    g->version = xstrdup(version ? version : "");
    g->preferred = preferred;
    g->root = root;
    /* Group versions are not retried inline: one broken aggregated API would
     * hold the whole pass back; a pass with skipped groups comes back soon. */
    kube_request_t req = {.method = "GET", .path = path, .verb = "discovery", .flags = root ? 0 : KUBE_REQ_NO_RETRY};
    err_t e;
    g->call = kube_request(d->cl, &req, gv_done, g, &e);
    if (!g->call) {
        d->pass_failed = true;
        free(g->group);
        free(g->version);
        free(g);
        return;
    }
    if (d->ncalls == d->capcalls) {
        d->capcalls = d->capcalls ? d->capcalls * 2 : 16;
        d->calls = xrealloc(d->calls, d->capcalls * sizeof *d->calls);
    }
    d->calls[d->ncalls++] = g->call;
    d->pending++;
}

static bool has_verb(const cJSON *verbs, const char *v)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, verbs)
    {
        if (cJSON_IsString(it) && !strcmp(it->valuestring, v)) return true;
    }
    return false;
}

static void add_resources(kube_discovery_t *d, const gv_req_t *g, const cJSON *doc)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "resources");
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(it, "kind");
        const cJSON *ns = cJSON_GetObjectItemCaseSensitive(it, "namespaced");
        const cJSON *verbs = cJSON_GetObjectItemCaseSensitive(it, "verbs");
        if (!cJSON_IsString(name) || !cJSON_IsString(kind) || strchr(name->valuestring, '/')) continue;
        disc_list_t *l = &d->next;
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 64;
            l->v = xrealloc(l->v, l->cap * sizeof *l->v);
        }
        l->v[l->n++] = (kube_api_resource_t){.group = xstrdup(g->group),
                                              .version = xstrdup(g->version),
                                              .resource = xstrdup(name->valuestring),
                                              .kind = xstrdup(kind->valuestring),
                                              .namespaced = cJSON_IsTrue(ns),
                                              .watchable = has_verb(verbs, "list") && has_verb(verbs, "watch"),
                                              .preferred = g->preferred};
    }
}

static void gv_done(const kube_response_t *res, void *ud)
{
    gv_req_t *g = ud;
    kube_discovery_t *d = g->d;
    enter(d);
    call_forget(d, g->call);
    d->pending--;
    cJSON *doc = res->status == 200 ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
    if (g->root) {
        if (res->status == 403 || res->status == 401) {
            char msg[300];
            snprintf(msg, sizeof msg, "cluster %s: discovery: HTTP %d: our identity may not read the API",
                     kube_cluster_id(d->cl), res->status);
            if (res->status == 403) kube_cluster__set_forbidden(d->cl, true, msg);
            d->pass_failed = true;
        } else if (!doc) {
            d->pass_failed = true;
        } else if (!strcmp(g->group, "")) {
            /* /api: core versions; v1 is the one that matters. */
            kube_cluster__set_forbidden(d->cl, false, NULL);
            const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "versions");
            const cJSON *v;
            cJSON_ArrayForEach(v, vs)
            {
                if (!cJSON_IsString(v)) continue;
                char path[128];
                snprintf(path, sizeof path, "/api/%.100s", v->valuestring);
                issue(d, path, "", v->valuestring, true, false);
            }
        } else {
            /* /apis: each group's preferred version. */
            const cJSON *groups = cJSON_GetObjectItemCaseSensitive(doc, "groups");
            const cJSON *gr;
            cJSON_ArrayForEach(gr, groups)
            {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(gr, "name");
                const cJSON *pv = cJSON_GetObjectItemCaseSensitive(gr, "preferredVersion");
                const cJSON *ver = cJSON_GetObjectItemCaseSensitive(pv, "version");
                if (!cJSON_IsString(ver)) {
                    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(gr, "versions");
                    ver = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(vs, 0), "version");
                }
                if (!cJSON_IsString(name) || !cJSON_IsString(ver)) continue;
                buf_t p = {0};
                buf_printf(&p, "/apis/%s/%s", name->valuestring, ver->valuestring);
                issue(d, p.data, name->valuestring, ver->valuestring, true, false);
                buf_free(&p);
            }
        }
    } else if (doc) {
        add_resources(d, g, doc);
    } else if (res->status == 0) {
        d->pass_failed = true; /* the cluster itself is not answering */
    } else {
        d->skipped = true;
        log_warn("kube discovery: group version unavailable; skipped", "cluster=%s group=%s version=%s status=%d",
                 kube_cluster_id(d->cl), g->group, g->version, res->status);
    }
    cJSON_Delete(doc);
    free(g->group);
    free(g->version);
    free(g);
    if (!d->dead && d->cl && d->pending == 0) {
        d->ncalls = 0;
        pass_end(d);
    }
    leave(d);
}

static void pass_start(kube_discovery_t *d)
{
    cancel_calls(d);
    list_clear(&d->next);
    d->pass_failed = false;
    d->skipped = false;
    /* "" marks /api; any non-empty group marks /apis. */
    issue(d, "/api", "", "", true, true);
    issue(d, "/apis", "*", "", true, true);
    if (d->pending == 0) pass_end(d);
}

kube_discovery_t *kube_discovery_new(kube_cluster_t *cl, kube_discovery_fn on_change, void *ud, err_t *err)
{
    if (!cl) {
        err_set(err, ERR_INVALID, "discovery: no cluster");
        return NULL;
    }
    kube_discovery_t *d = xcalloc(1, sizeof *d);
    d->cl = cl;
    d->on_change = on_change;
    d->ud = ud;
    kube_backoff_init(&d->backoff, 1000, 60000, 0.5, clock_mono_ns());
    uv_timer_init(kube_cluster__loop(cl), &d->timer);
    d->timer.data = d;
    d->att.kick = att_kick;
    d->att.destroy = att_destroy;
    d->att.unsynced = true; /* until the first pass has ended (pass_end) */
    kube_cluster__attach(cl, &d->att);
    after(d, 0, pass_start);
    return d;
}

const kube_api_resource_t *kube_discovery_resources(const kube_discovery_t *d, size_t *n)
{
    *n = d->cur.n;
    return d->cur.v;
}

const kube_api_resource_t *kube_discovery_find(const kube_discovery_t *d, const char *name)
{
    /* "deployments.apps" / "Deployment.apps": split at the first dot. */
    const char *dot = strchr(name, '.');
    size_t base = dot ? (size_t)(dot - name) : strlen(name);
    const char *group = dot ? dot + 1 : NULL;
    const kube_api_resource_t *found = NULL;
    for (size_t i = 0; i < d->cur.n; i++) {
        const kube_api_resource_t *r = &d->cur.v[i];
        if (group && strcasecmp(r->group, group)) continue;
        bool match = (strlen(r->resource) == base && !strncasecmp(r->resource, name, base)) ||
                     (strlen(r->kind) == base && !strncasecmp(r->kind, name, base));
        if (!match) continue;
        /* Without a group, the core group wins, then the first group in order. */
        if (!found || (!group && !*r->group && *found->group)) found = r;
    }
    return found;
}
