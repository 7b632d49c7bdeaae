/* reflector.c — list + watch of one resource type; see kube.h.
 *
 * States: LISTING (pages of limit=N with continue) → WATCHING (from the
 * list's resourceVersion, bookmarks on) → on a clean end of the watch
 * (server timeout) WATCHING again from the last version seen; on a dropped
 * stream BACKOFF then WATCHING from the last version; on 410 Expired (HTTP
 * status or an ERROR event) LISTING again — a relist, delivered as a
 * difference through the rv map. 403 on the list → FORBIDDEN, retried every
 * forbidden_retry_ms; 404 → ERROR, retried as slowly.
 *
 * The reflector may be freed from inside any of its own callbacks: `depth`
 * counts our frames on the stack and the struct is released when the
 * outermost one unwinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/jsonarena.h"
#include "base/log.h"
#include "base/mem.h"
#include "kube/kube_int.h"
#include "kube/ndjson.h"
#include "kube/resil.h"
#include "kube/rvmap.h"

#define SLOW_RETRY_MS (5 * 60 * 1000)

struct kube_reflector {
    kube_attached_t att; /* first: the cluster hands it back to us */
    kube_cluster_t *cl;
    char *resname;       /* "pods", "deployments.apps" — metrics, logs */
    char *base_path;     /* /api/v1/pods or /apis/g/v/namespaces/ns/res */
    char *selectors;     /* "&labelSelector=…&fieldSelector=…" or "" */
    char *api_version;   /* for synthesised deletions: "v1", "apps/v1" */
    char *kind;          /* from the list's kind minus "List" */
    kube_reflector_opts_t opts;
    kube_reflector_handlers_t h;
    void *ud;

    kube_reflector_state_t state;
    bool synced_once;
    kube_rvmap_t rvs;
    char rv[64];          /* resume point */
    char *cont;           /* continue token of the list in progress */
    bool relist_pending;  /* an ERROR 410 event asked for a relist */
    bool stale;           /* relisting after an outage: what we hold may be far behind */
    bool unpaged;         /* the next list is one unpaginated request (a continue token expired) */
    kube_call_t *call;
    kube_lines_t lines;
    kube_liststream_t ls; /* an unpaged list, cut into items as it streams in */
    /* Every parsed item and watch event lives here until it is delivered
     * (reset after each; freed after each page and watch chunk). */
    arena_t arena;
    uv_timer_t timer;
    void (*timer_fn)(kube_reflector_t *r);
    kube_backoff_t backoff;
    unsigned relists;
    int depth;
    bool dead;
};

static void start_list(kube_reflector_t *r);
static void start_watch(kube_reflector_t *r);
static void on_oversize(size_t len, void *ud);

const char *kube_reflector_state_name(kube_reflector_state_t s)
{
    switch (s) {
    case KUBE_REFLECTOR_LISTING: return "listing";
    case KUBE_REFLECTOR_WATCHING: return "watching";
    case KUBE_REFLECTOR_BACKOFF: return "backoff";
    case KUBE_REFLECTOR_FORBIDDEN: return "forbidden";
    case KUBE_REFLECTOR_ERROR: return "error";
    }
    return "unknown";
}

/* ---- lifetime ---- */

static void timer_closed(uv_handle_t *h) { free(h->data); }

static void really_free(kube_reflector_t *r)
{
    kube_rvmap_free(&r->rvs);
    kube_lines_free(&r->lines);
    kube_liststream_free(&r->ls);
    arena_free(&r->arena);
    free(r->resname);
    free(r->base_path);
    free(r->selectors);
    free(r->api_version);
    free(r->kind);
    free(r->cont);
    free((char *)r->opts.namespace_);
    free((char *)r->opts.label_selector);
    free((char *)r->opts.field_selector);
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, timer_closed);
}

static void enter(kube_reflector_t *r) { r->depth++; }
/* Returns false when the reflector died while we were out. */
static bool leave(kube_reflector_t *r)
{
    if (--r->depth == 0 && r->dead) {
        really_free(r);
        return false;
    }
    return !r->dead;
}

static void stop(kube_reflector_t *r)
{
    if (r->call) kube_call_cancel(r->call);
    r->call = NULL;
    uv_timer_stop(&r->timer);
}

void kube_reflector_free(kube_reflector_t *r)
{
    if (!r || r->dead) return;
    r->dead = true;
    stop(r);
    if (r->cl) kube_cluster__detach(r->cl, &r->att);
    r->cl = NULL;
    if (r->depth == 0) really_free(r);
}

static void att_destroy(kube_attached_t *a)
{
    /* The cluster is being freed and has already detached us: the owner
     * still holds the pointer, so keep the struct and just go quiet. */
    kube_reflector_t *r = (kube_reflector_t *)a;
    stop(r);
    r->cl = NULL;
}

static void timer_cb(uv_timer_t *t)
{
    kube_reflector_t *r = t->data;
    if (!r->cl) return;
    enter(r);
    r->timer_fn(r);
    leave(r);
}

static void after(kube_reflector_t *r, uint64_t ms, void (*fn)(kube_reflector_t *))
{
    r->timer_fn = fn;
    if (ms && r->cl) uv_update_time(kube_cluster__loop(r->cl)); /* backoff counts from now (client.c now_ms) */
    uv_timer_start(&r->timer, timer_cb, ms, 0);
}

static void relist(kube_reflector_t *r, const char *why);

static void relist_after_outage(kube_reflector_t *r)
{
    if (!r->synced_once) {
        start_list(r);
        return;
    }
    r->stale = true;
    relist(r, "cluster reachable again");
}

/* The cluster was unreachable and answers again. It may have restarted, or
 * be a different cluster behind the same address (its resourceVersions then
 * start lower, and a watch resumed from ours would wait for ever): relist
 * and deliver the difference rather than resume. Deferred to our timer so
 * nothing runs while the cluster walks its list. */
static void att_kick(kube_attached_t *a)
{
    kube_reflector_t *r = (kube_reflector_t *)a;
    if (r->state == KUBE_REFLECTOR_FORBIDDEN || r->state == KUBE_REFLECTOR_ERROR) return;
    kube_backoff_reset(&r->backoff);
    after(r, 0, relist_after_outage);
}

/* ---- status ---- */

static void set_state(kube_reflector_t *r, kube_reflector_state_t s, const char *msg)
{
    bool changed = r->state != s;
    r->state = s;
    if (r->cl) {
        /* A forbidden or missing type is skipped: it must not hold the
         * cluster in "syncing" for ever. A routine relist (410 after a
         * dropped watch) does not count either: the copy is a moment behind
         * at most, and a busy cluster would flicker between "connected" and
         * "syncing". The first list and a relist after an outage do. */
        bool listing = s == KUBE_REFLECTOR_LISTING || s == KUBE_REFLECTOR_BACKOFF;
        bool unsynced = listing && (!r->synced_once || r->stale);
        kube_cluster__set_unsynced(r->cl, &r->att, unsynced);
    }
    if ((changed || msg) && r->h.on_status) r->h.on_status(s, msg, r->ud);
}

static void backoff_then(kube_reflector_t *r, void (*fn)(kube_reflector_t *), const char *msg)
{
    uint64_t d = kube_backoff_next(&r->backoff);
    log_info("kube reflector backing off", "cluster=%s resource=%s ms=%llu error=%s", kube_cluster_id(r->cl),
             r->resname, (unsigned long long)d, msg);
    set_state(r, KUBE_REFLECTOR_BACKOFF, msg);
    if (r->dead || !r->cl) return;
    after(r, d, fn);
}

/* ---- objects ---- */

static bool object_key(const cJSON *obj, buf_t *key, const char **rv)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(md, "namespace");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
    if (!cJSON_IsString(name) || !*name->valuestring) return false;
    buf_reset(key);
    if (cJSON_IsString(ns)) buf_puts(key, ns->valuestring);
    buf_putc(key, '/');
    buf_puts(key, name->valuestring);
    *rv = cJSON_IsString(v) ? v->valuestring : "";
    return true;
}

static void set_rv(kube_reflector_t *r, const char *rv)
{
    if (rv && *rv) snprintf(r->rv, sizeof r->rv, "%s", rv);
}

/* Deliver one event; false when the reflector died in the callback. */
static bool deliver(kube_reflector_t *r, int type, cJSON *obj)
{
    kube_cluster__watch_event(r->cl, r->resname, type);
    if (r->h.on_event) r->h.on_event(type, obj, r->ud);
    return !r->dead && r->cl;
}

static void malformed(kube_reflector_t *r, const char *what)
{
    kube_cluster__dropped(r->cl, r->resname, "malformed");
    log_warn("kube object dropped", "cluster=%s resource=%s reason=%s what=%s", kube_cluster_id(r->cl),
             r->resname, "malformed", what);
}

/* ---- list ---- */

/* ---- list pages ----
 *
 * A page of 500 pods is ~150,000 JSON nodes. With cJSON's own parser, one
 * malloc each: freed at once they filled malloc's fast bins, and the next
 * allocation of a kilobyte or more consolidated them all (glibc's
 * malloc_consolidate, a third of a 150,000-pod sync's CPU); parsed item by
 * item, malloc and free were still a quarter. Now every tree is built by
 * base/jsonarena in the reflector's arena and dropped in one step:
 *   - a page of up to PAGE_TREE_MAX bytes is parsed whole, in one pass;
 *     its items are sorted by resourceVersion by pointer and delivered from
 *     the tree (ingest_whole);
 *   - a larger page (a server that ignores limit) or one that does not parse is cut
 *     into its items by the small scanner below (strings and nesting only),
 *     each item's metadata.resourceVersion read from its text for the
 *     ordering, and the items parsed and delivered one by one, the arena
 *     reset after each: memory stays one object, and a broken item costs a
 *     counter, not the page. */

typedef struct item_span {
    const char *s;
    size_t n;
    uint64_t rv;
} item_span_t;

static int span_cmp(const void *a, const void *b)
{
    const item_span_t *x = a, *y = b;
    int c = kube_rv_cmp(x->rv, y->rv);
    return c ? c : (x->s < y->s ? -1 : x->s > y->s); /* stable: server order among equals */
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* p at '"': the byte after the closing quote, or NULL. Strings are most
 * of a page's bytes: memchr finds each candidate quote, and it closes the
 * string unless an odd number of backslashes precedes it. */
static const char *skip_string(const char *p, const char *end)
{
    const char *seg = p + 1;
    for (;;) {
        const char *q = memchr(seg, '"', (size_t)(end - seg));
        if (!q) return NULL;
        size_t bs = 0;
        for (const char *b = q; b > seg && b[-1] == '\\'; b--) bs++;
        if (bs % 2 == 0) return q + 1;
        seg = q + 1;
    }
}

/* The end of the JSON value at p (after skip_ws), or NULL when it is cut. */
static const char *skip_value(const char *p, const char *end)
{
    static const unsigned char special[256] = {['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1};
    if (p >= end) return NULL;
    if (*p == '"') return skip_string(p, end);
    if (*p != '{' && *p != '[') {
        while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' &&
               *p != '\t')
            p++;
        return p;
    }
    int depth = 0;
    while (p < end) {
        while (p < end && !special[(unsigned char)*p]) p++;
        if (p >= end) break;
        if (*p == '"') {
            p = skip_string(p, end);
            if (!p) return NULL;
            continue;
        }
        if (*p == '{' || *p == '[') depth++;
        else if (--depth == 0) return p + 1;
        p++;
    }
    return NULL;
}

/* In the object at obj ('{'), the value of member key (a key without
 * escapes): its span [*vs, *ve). */
static bool find_member(const char *obj, const char *end, const char *key, const char **vs, const char **ve)
{
    size_t klen = strlen(key);
    const char *p = skip_ws(obj + 1, end);
    while (p < end && *p == '"') {
        const char *ks = p + 1;
        const char *ke = skip_string(p, end);
        if (!ke) return false;
        p = skip_ws(ke, end);
        if (p >= end || *p != ':') return false;
        p = skip_ws(p + 1, end);
        const char *v = p;
        p = skip_value(p, end);
        if (!p) return false;
        if ((size_t)(ke - 1 - ks) == klen && !memcmp(ks, key, klen)) {
            *vs = v;
            *ve = p;
            return true;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') p = skip_ws(p + 1, end);
    }
    return false;
}

/* metadata.resourceVersion of an item's text, encoded; 0 when not found
 * (the item is then checked properly once parsed). */
static uint64_t span_rv(const char *s, const char *end)
{
    const char *ms, *me, *rs, *re;
    if (*s != '{' || !find_member(s, end, "metadata", &ms, &me) || *ms != '{' ||
        !find_member(ms, me, "resourceVersion", &rs, &re) || *rs != '"' || re - rs < 2 || re - rs > 64)
        return 0;
    char rv[64];
    memcpy(rv, rs + 1, (size_t)(re - rs - 2));
    rv[re - rs - 2] = '\0';
    return kube_rv_encode(rv);
}

/* Cut the items array [is, ie) into spans; false when it is malformed. */
static bool split_items(const char *is, const char *ie, item_span_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (is >= ie || *is == 'n') return true; /* "items": null */
    if (*is != '[') return false;
    size_t cap = 0;
    const char *p = skip_ws(is + 1, ie);
    while (p < ie && *p != ']') {
        const char *e = skip_value(p, ie);
        if (!e) {
            free(*out);
            *out = NULL;
            return false;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 512;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*n)++] = (item_span_t){p, (size_t)(e - p), span_rv(p, e)};
        p = skip_ws(e, ie);
        if (p < ie && *p == ',') p = skip_ws(p + 1, ie);
    }
    return true;
}

typedef struct gone_list {
    char **keys;
    size_t n, cap;
} gone_list_t;

static void collect_gone(const char *key, size_t klen, void *ud)
{
    gone_list_t *g = ud;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->keys = xrealloc(g->keys, g->cap * sizeof *g->keys);
    }
    g->keys[g->n++] = xstrndup(key, klen);
}

static void list_finished(kube_reflector_t *r, const char *list_rv)
{
    gone_list_t g = {0};
    kube_rvmap_sweep(&r->rvs, collect_gone, &g);
    bool alive = true;
    for (size_t i = 0; i < g.n; i++) {
        if (alive) {
            /* The object is gone: all we know is its key. */
            const char *slash = strchr(g.keys[i], '/');
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "apiVersion", r->api_version);
            cJSON_AddStringToObject(o, "kind", r->kind ? r->kind : "");
            cJSON *md = cJSON_AddObjectToObject(o, "metadata");
            cJSON_AddStringToObject(md, "name", slash + 1);
            if (slash != g.keys[i]) {
                char *ns = xstrndup(g.keys[i], (size_t)(slash - g.keys[i]));
                cJSON_AddStringToObject(md, "namespace", ns);
                free(ns);
            }
            cJSON_AddStringToObject(md, "resourceVersion", list_rv);
            alive = deliver(r, KUBE_EV_DELETED, o);
            cJSON_Delete(o);
        }
        free(g.keys[i]);
    }
    free(g.keys);
    if (!alive) return;
    set_rv(r, list_rv);
    kube_backoff_reset(&r->backoff);
    bool first = !r->synced_once;
    r->synced_once = true;
    r->stale = false;
    r->unpaged = false; /* the next relist tries pages again */
    log_info("kube reflector synced", "cluster=%s resource=%s objects=%zu resourceVersion=%s relist=%b",
             kube_cluster_id(r->cl), r->resname, kube_rvmap_len(&r->rvs), r->rv, !first);
    start_watch(r); /* sets WATCHING (cluster sync accounting) */
    if (r->dead || !r->cl) return;
    if (first && r->h.on_synced) r->h.on_synced(r->ud);
}

/* One list item, parsed: its key goes into the rv map, and unless the map
 * already had that version it is delivered (kind and apiVersion added:
 * list items carry neither). False when the reflector died. */
static bool ingest_item(kube_reflector_t *r, cJSON *obj, buf_t *key)
{
    const char *rv;
    if (!cJSON_IsObject(obj) || !object_key(obj, key, &rv)) {
        malformed(r, "list item without metadata.name");
        return true;
    }
    int what = kube_rvmap_put(&r->rvs, key->data, key->len, kube_rv_encode(rv));
    if (what == KUBE_RV_SAME) return true;
    if (!cJSON_GetObjectItemCaseSensitive(obj, "kind") && r->kind) jsonarena_add_string(&r->arena, obj, "kind", r->kind);
    if (!cJSON_GetObjectItemCaseSensitive(obj, "apiVersion"))
        jsonarena_add_string(&r->arena, obj, "apiVersion", r->api_version);
    return deliver(r, what == KUBE_RV_ADDED ? KUBE_EV_ADDED : KUBE_EV_MODIFIED, obj);
}

/* The envelope's figures: list_rv, *next (the continue token or NULL), and
 * the kind and apiVersion the first time. False when it has no
 * metadata.resourceVersion. */
static bool read_envelope(kube_reflector_t *r, const cJSON *doc, char list_rv[64], char **next)
{
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    const cJSON *lrv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
    const cJSON *cont = cJSON_GetObjectItemCaseSensitive(md, "continue");
    if (!doc || !cJSON_IsString(lrv)) return false;
    if (!r->kind) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "kind");
        const cJSON *av = cJSON_GetObjectItemCaseSensitive(doc, "apiVersion");
        if (cJSON_IsString(k)) {
            size_t kn = strlen(k->valuestring);
            r->kind = (kn > 4 && !strcmp(k->valuestring + kn - 4, "List")) ? xstrndup(k->valuestring, kn - 4)
                                                                          : xstrdup(k->valuestring);
        }
        if (cJSON_IsString(av) && *av->valuestring) {
            free(r->api_version);
            r->api_version = xstrdup(av->valuestring);
        }
    }
    snprintf(list_rv, 64, "%s", lrv->valuestring);
    *next = (cJSON_IsString(cont) && *cont->valuestring) ? xstrdup(cont->valuestring) : NULL;
    return true;
}

typedef struct item_ref {
    cJSON *obj;
    uint64_t rv;
    size_t i;
} item_ref_t;

static int ref_cmp(const void *a, const void *b)
{
    const item_ref_t *x = a, *y = b;
    int c = kube_rv_cmp(x->rv, y->rv);
    return c ? c : (x->i > y->i) - (x->i < y->i); /* stable: server order among equals */
}

/* A page of ordinary size is parsed whole, in one pass, into the arena;
 * its items are then sorted by resourceVersion and delivered from the
 * tree. (A 500-pod page of 2.6 MB makes a 12 MB tree.) 1/-1 as
 * ingest_page; 0 when the page does not parse: the item-by-item path then
 * tells the malformed items from the good ones. */
static int ingest_whole(kube_reflector_t *r, const char *body, size_t len, char list_rv[64], char **next)
{
    cJSON *doc = jsonarena_parse(&r->arena, body, len);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (!doc || (items && !cJSON_IsArray(items) && !cJSON_IsNull(items)) || !read_envelope(r, doc, list_rv, next)) {
        arena_free(&r->arena);
        return 0;
    }
    size_t n = 0, cap = 0;
    item_ref_t *refs = NULL;
    cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            refs = xrealloc(refs, cap * sizeof *refs);
        }
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(it, "metadata");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
        refs[n] = (item_ref_t){it, cJSON_IsString(v) ? kube_rv_encode(v->valuestring) : 0, n};
        n++;
    }
    if (n > 1) qsort(refs, n, sizeof *refs, ref_cmp);
    bool alive = true;
    buf_t key = {0};
    for (size_t i = 0; i < n && alive; i++) alive = ingest_item(r, refs[i].obj, &key);
    buf_free(&key);
    free(refs);
    arena_free(&r->arena);
    return alive ? 1 : -1;
}

/* Deliver the items of one list response body in resourceVersion order:
 * 1 with list_rv and *next (the continue token, or NULL) filled, 0 when the
 * body is malformed (nothing delivered), -1 when the reflector died in a
 * callback. Pages up to PAGE_TREE_MAX go through ingest_whole. Larger
 * bodies (a server that ignored limit; the unpaged fallback list is
 * streamed instead, see unpaged_chunk) and pages
 * that do not parse are cut into items by the scanner above; the envelope
 * (kind, apiVersion, metadata) is parsed with the items array cut out, and
 * the items one by one, each into the arena, reset as soon as the consumer
 * has seen it. */
#define PAGE_TREE_MAX (8u << 20)

static int ingest_page(kube_reflector_t *r, const char *body, size_t len, char list_rv[64], char **next)
{
    *next = NULL;
    if (len <= PAGE_TREE_MAX) {
        int got = ingest_whole(r, body, len, list_rv, next);
        if (got) return got;
    }
    const char *bend = body + len;
    const char *top = skip_ws(body, bend);
    const char *is = NULL, *ie = NULL;
    bool have_items = top < bend && *top == '{' && find_member(top, bend, "items", &is, &ie);
    item_span_t *spans = NULL;
    size_t n = 0;
    cJSON *doc = NULL;
    if (!have_items || split_items(is, ie, &spans, &n)) {
        if (have_items) {
            buf_t env = {0};
            buf_append(&env, body, (size_t)(is - body));
            buf_puts(&env, "null");
            buf_append(&env, ie, (size_t)(bend - ie));
            doc = jsonarena_parse(&r->arena, env.data, env.len);
            buf_free(&env);
        } else {
            doc = jsonarena_parse(&r->arena, body, len);
        }
    }
    if (!read_envelope(r, doc, list_rv, next)) {
        free(spans);
        arena_free(&r->arena);
        return 0;
    }
    arena_reset(&r->arena); /* the envelope is read */
    if (n > 1) qsort(spans, n, sizeof *spans, span_cmp);
    bool alive = true;
    buf_t key = {0};
    for (size_t i = 0; i < n && alive; i++) {
        alive = ingest_item(r, jsonarena_parse(&r->arena, spans[i].s, spans[i].n), &key);
        arena_reset(&r->arena);
    }
    free(spans);
    buf_free(&key);
    arena_free(&r->arena); /* a page's worth of blocks is not kept between pages */
    if (!alive) {
        free(*next);
        *next = NULL;
        return -1;
    }
    return 1;
}

int kube_reflector__ingest_page(kube_reflector_t *r, const char *body, size_t len)
{
    char list_rv[64], *next = NULL;
    enter(r);
    int got = ingest_page(r, body, len, list_rv, &next);
    free(next);
    if (got > 0) set_rv(r, list_rv);
    return leave(r) ? got : -1;
}

static void list_page(kube_reflector_t *r);

static void relist(kube_reflector_t *r, const char *why)
{
    /* Retrying a first list that never finished is not a relist. */
    if (r->synced_once) {
        r->relists++;
        kube_cluster__relist(r->cl, r->resname);
        log_info("kube reflector relisting", "cluster=%s resource=%s reason=%s", kube_cluster_id(r->cl), r->resname,
                 why);
    }
    start_list(r);
}

static void relist_cb(kube_reflector_t *r) { relist(r, "retry"); }

static const char *status_message(const kube_response_t *res, char *out, size_t cap)
{
    /* A Status body says why; fall back to the status line. Bodies are the
     * server's words about our request — never our credentials. */
    cJSON *st = res->body_len ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(st, "message");
    if (cJSON_IsString(m)) snprintf(out, cap, "HTTP %d: %.300s", res->status, m->valuestring);
    else if (res->status) snprintf(out, cap, "HTTP %d", res->status);
    else snprintf(out, cap, "%s", res->error ? res->error : "no response");
    cJSON_Delete(st);
    return out;
}

static void handle_list_error(kube_reflector_t *r, const kube_response_t *res)
{
    char msg[600], full[700];
    status_message(res, msg, sizeof msg);
    snprintf(full, sizeof full, "list %s: %s", r->resname, msg);
    free(r->cont);
    r->cont = NULL;
    if (res->status == 403 || res->status == 404) {
        int ms = res->status == 403 ? r->opts.forbidden_retry_ms : SLOW_RETRY_MS;
        log_warn(res->status == 403 ? "kube resource forbidden; skipped" : "kube resource not served; skipped",
                 "cluster=%s resource=%s retryMs=%d error=%s", kube_cluster_id(r->cl), r->resname, ms, msg);
        set_state(r, res->status == 403 ? KUBE_REFLECTOR_FORBIDDEN : KUBE_REFLECTOR_ERROR, full);
        if (r->dead || !r->cl) return;
        after(r, (uint64_t)ms, relist_cb);
        return;
    }
    backoff_then(r, relist_cb, full);
}

static void list_done(const kube_response_t *res, void *ud)
{
    kube_reflector_t *r = ud;
    r->call = NULL;
    enter(r);
    if (res->status == 410 && r->cont) {
        /* The continue token expired mid-list: the server keeps less history
         * than our pages take to read (a busy cluster, a short compaction
         * window). Paging again would expire again, for ever; as client-go's
         * pager does, list once without pages. */
        free(r->cont);
        r->cont = NULL;
        r->unpaged = true;
        if (!r->synced_once) /* (a relist says so itself) */
            log_info("kube reflector listing without pages", "cluster=%s resource=%s reason=%s",
                     kube_cluster_id(r->cl), r->resname, "continue token expired");
        relist(r, "continue token expired; listing without pages");
        leave(r);
        return;
    }
    if (res->status != 200) {
        handle_list_error(r, res);
        leave(r);
        return;
    }
    char list_rv[64];
    char *next = NULL;
    int got = ingest_page(r, res->body, res->body_len, list_rv, &next);
    if (got < 0) {
        leave(r);
        return;
    }
    if (got == 0) {
        malformed(r, "list response");
        backoff_then(r, relist_cb, "list: malformed response");
        leave(r);
        return;
    }
    free(r->cont);
    r->cont = next;
    if (next) list_page(r);
    else list_finished(r, list_rv);
    leave(r);
}

static void append_query_value(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.' || *p == '~') {
            buf_putc(b, (char)*p);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[*p >> 4]);
            buf_putc(b, hex[*p & 15]);
        }
    }
}

/* ---- the unpaged fallback list, streamed ----
 *
 * A whole cluster's pods in one answer is hundreds of megabytes. Held
 * whole and then parsed, it cost ~1 GiB of RSS and, worse, one callback of
 * several seconds on the loop (4 s for 150,000 pods) during which no watch
 * event, HTTP request or timer was served — and the watches that fell
 * behind meanwhile were dropped by the server as too slow. So it is read as
 * a stream: ndjson.c's kube_liststream cuts the items array into items as
 * the chunks arrive, each is parsed and delivered at once, and the
 * envelope (its resourceVersion, wherever the server put it) is read at the
 * end. Each chunk is a few items' work. The price: these items arrive in
 * the server's order, not sorted by resourceVersion (they are all states at
 * or before the list's resourceVersion; what matters to a consumer, the
 * difference against what it holds, is the same). */

static bool unpaged_item(const char *item, size_t len, void *ud)
{
    kube_reflector_t *r = ud;
    if (!r->kind) {
        /* Normally read from the first page of the paged attempt. Else the
         * envelope so far, when it came before the items: it ends with the
         * array's "null", so closing it makes a document. */
        buf_t env = {0};
        buf_append(&env, r->ls.env.data, r->ls.env.len);
        buf_putc(&env, '}');
        cJSON *doc = jsonarena_parse(&r->arena, env.data, env.len);
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "kind");
        if (cJSON_IsString(k)) {
            size_t kn = strlen(k->valuestring);
            r->kind = (kn > 4 && !strcmp(k->valuestring + kn - 4, "List")) ? xstrndup(k->valuestring, kn - 4)
                                                                          : xstrdup(k->valuestring);
        }
        buf_free(&env);
        arena_reset(&r->arena);
    }
    cJSON *obj = jsonarena_parse(&r->arena, item, len);
    bool alive = true;
    if (!obj) {
        malformed(r, "list item is not JSON");
    } else {
        buf_t key = {0};
        alive = ingest_item(r, obj, &key);
        buf_free(&key);
    }
    arena_reset(&r->arena);
    return alive;
}

static bool unpaged_chunk(const char *data, size_t len, void *ud)
{
    kube_reflector_t *r = ud;
    enter(r);
    int rc = kube_liststream_feed(&r->ls, data, len, unpaged_item, on_oversize, r);
    arena_free(&r->arena); /* nothing held between chunks but the unfinished item */
    return leave(r) && rc == KUBE_LS_OK;
}

static void unpaged_done(const kube_response_t *res, void *ud)
{
    kube_reflector_t *r = ud;
    r->call = NULL;
    enter(r);
    if (res->status < 200 || res->status >= 300) {
        kube_liststream_reset(&r->ls);
        handle_list_error(r, res);
        leave(r);
        return;
    }
    char list_rv[64];
    char *next = NULL;
    cJSON *env = kube_liststream_done(&r->ls) ? jsonarena_parse(&r->arena, r->ls.env.data, r->ls.env.len) : NULL;
    bool ok = env && read_envelope(r, env, list_rv, &next);
    free(next); /* an unpaged answer has no continue */
    arena_free(&r->arena);
    size_t items = r->ls.items;
    kube_liststream_reset(&r->ls);
    if (!ok) {
        /* Cut short (a dropped connection reads as a clean end) or not a
         * list: what was delivered stays (real states); list again. */
        malformed(r, "unpaged list response");
        char why[96];
        snprintf(why, sizeof why, "unpaged list: incomplete or malformed response after %zu items", items);
        backoff_then(r, relist_cb, why);
        leave(r);
        return;
    }
    list_finished(r, list_rv);
    leave(r);
}

static void list_page(kube_reflector_t *r)
{
    buf_t p = {0};
    kube_request_t req = {.method = "GET", .verb = "list"};
    err_t e;
    if (r->unpaged) {
        /* One answer with everything, read as a stream (above): no body
         * cap, and the stream's idle timeout rather than a total. */
        buf_printf(&p, "%s%s%s", r->base_path, *r->selectors ? "?" : "", *r->selectors ? r->selectors + 1 : "");
        req.path = p.data;
        kube_liststream_reset(&r->ls);
        r->ls.max_item = kube_cluster__config(r->cl)->max_object_bytes;
        kube_stream_handlers_t h = {.on_chunk = unpaged_chunk, .on_done = unpaged_done};
        r->call = kube_request_stream(r->cl, &req, &h, r, &e);
    } else {
        buf_printf(&p, "%s?limit=%d%s", r->base_path, r->opts.page_size, r->selectors);
        if (r->cont) {
            buf_puts(&p, "&continue=");
            append_query_value(&p, r->cont);
        }
        req.path = p.data;
        r->call = kube_request(r->cl, &req, list_done, r, &e);
    }
    buf_free(&p);
    if (!r->call) backoff_then(r, relist_cb, e.msg);
}

static void start_list(kube_reflector_t *r)
{
    if (r->call) kube_call_cancel(r->call);
    r->call = NULL;
    free(r->cont);
    r->cont = NULL;
    kube_rvmap_begin_pass(&r->rvs);
    set_state(r, KUBE_REFLECTOR_LISTING, NULL);
    if (r->dead || !r->cl) return;
    list_page(r);
}

static void start_list_cb(kube_reflector_t *r) { start_list(r); }

/* ---- watch ---- */

static bool on_line(const char *line, size_t len, void *ud)
{
    kube_reflector_t *r = ud;
    int type;
    cJSON *obj;
    cJSON *doc = kube_watch_event_parse(&r->arena, line, len, &type, &obj);
    if (!doc) {
        malformed(r, "watch line is not a watch event");
        return true;
    }
    bool alive = true;
    if (type == KUBE_EV_ERROR) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(obj, "message");
        int c = cJSON_IsNumber(code) ? code->valueint : 0;
        log_info("kube watch error event", "cluster=%s resource=%s code=%d message=%s", kube_cluster_id(r->cl),
                 r->resname, c, cJSON_IsString(msg) ? msg->valuestring : NULL);
        if (c == 410) r->relist_pending = true;
        arena_reset(&r->arena);
        return false; /* end this watch; on_done decides what next */
    }
    buf_t key = {0};
    const char *rv;
    if (!object_key(obj, &key, &rv)) {
        if (type == KUBE_EV_BOOKMARK) {
            const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
            if (cJSON_IsString(v)) set_rv(r, v->valuestring);
        } else {
            malformed(r, "watch object without metadata.name");
        }
        buf_free(&key);
        arena_reset(&r->arena);
        return true;
    }
    uint64_t erv = kube_rv_encode(rv);
    if (type != KUBE_EV_BOOKMARK) {
        /* Real servers include both; make sure consumers can rely on it. */
        if (!cJSON_GetObjectItemCaseSensitive(obj, "kind") && r->kind)
            jsonarena_add_string(&r->arena, obj, "kind", r->kind);
        if (!cJSON_GetObjectItemCaseSensitive(obj, "apiVersion"))
            jsonarena_add_string(&r->arena, obj, "apiVersion", r->api_version);
    }
    if (type == KUBE_EV_BOOKMARK) {
        set_rv(r, rv);
    } else if (type == KUBE_EV_DELETED) {
        if (kube_rvmap_del(&r->rvs, key.data, key.len)) alive = deliver(r, KUBE_EV_DELETED, obj);
        set_rv(r, rv);
    } else {
        int what = kube_rvmap_put(&r->rvs, key.data, key.len, erv);
        if (what != KUBE_RV_SAME) alive = deliver(r, what == KUBE_RV_ADDED ? KUBE_EV_ADDED : KUBE_EV_MODIFIED, obj);
        set_rv(r, rv);
    }
    buf_free(&key);
    arena_reset(&r->arena);
    return alive;
}

static void on_oversize(size_t len, void *ud)
{
    kube_reflector_t *r = ud;
    kube_cluster__dropped(r->cl, r->resname, "oversized");
    log_warn("kube object dropped", "cluster=%s resource=%s reason=%s bytes=%zu", kube_cluster_id(r->cl),
             r->resname, "oversized", len);
}

static void watch_head(const kube_response_t *res, void *ud)
{
    kube_reflector_t *r = ud;
    (void)res;
    kube_backoff_reset(&r->backoff);
}

static bool watch_chunk(const char *data, size_t len, void *ud)
{
    kube_reflector_t *r = ud;
    enter(r);
    bool go = kube_lines_feed(&r->lines, data, len, on_line, on_oversize, r);
    arena_free(&r->arena); /* an idle watch holds no blocks */
    return leave(r) && go;
}

static void start_watch_cb(kube_reflector_t *r) { start_watch(r); }

static void watch_done(const kube_response_t *res, void *ud)
{
    kube_reflector_t *r = ud;
    r->call = NULL;
    enter(r);
    kube_lines_reset(&r->lines);
    if (r->relist_pending || res->status == 410) {
        r->relist_pending = false;
        relist(r, "resourceVersion expired (410)");
    } else if (res->status == 200) {
        /* The server ended the watch (timeoutSeconds) or we stopped on an
         * ERROR event: resume from where we are. */
        start_watch(r);
    } else if (res->status == 403) {
        char msg[600], full[700];
        snprintf(full, sizeof full, "watch %s: %s", r->resname, status_message(res, msg, sizeof msg));
        set_state(r, KUBE_REFLECTOR_FORBIDDEN, full);
        if (!r->dead && r->cl) after(r, (uint64_t)r->opts.forbidden_retry_ms, relist_cb);
    } else {
        char msg[600], full[700];
        snprintf(full, sizeof full, "watch %s: %s", r->resname, status_message(res, msg, sizeof msg));
        /* Dropped or refused: come back after a pause, from the same
         * resourceVersion (a 410 then tells us to relist). */
        backoff_then(r, start_watch_cb, full);
    }
    leave(r);
}

static void start_watch(kube_reflector_t *r)
{
    set_state(r, KUBE_REFLECTOR_WATCHING, NULL);
    if (r->dead || !r->cl) return;
    int timeout = r->opts.watch_timeout_s;
    if (timeout <= 0) timeout = 300 + (int)(kube_cluster__rand(r->cl) * 300); /* spread reconnects, like client-go */
    buf_t p = {0};
    buf_printf(&p, "%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=%d%s", r->base_path, timeout, r->selectors);
    if (r->rv[0]) {
        buf_puts(&p, "&resourceVersion=");
        append_query_value(&p, r->rv);
    }
    kube_request_t req = {.method = "GET", .path = p.data, .verb = "watch", .flags = KUBE_REQ_NO_LIMIT};
    kube_stream_handlers_t h = {.on_head = watch_head, .on_chunk = watch_chunk, .on_done = watch_done};
    err_t e;
    kube_lines_reset(&r->lines);
    r->call = kube_request_stream(r->cl, &req, &h, r, &e);
    buf_free(&p);
    if (!r->call) backoff_then(r, start_watch_cb, e.msg);
}

/* ---- public ---- */

static bool valid_segment(const char *s, bool allow_empty)
{
    if (!s) return allow_empty;
    if (!*s) return allow_empty;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
              (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

kube_reflector_t *kube_reflector_new(kube_cluster_t *cl, const char *group, const char *version,
                                     const char *resource, const kube_reflector_opts_t *opts,
                                     const kube_reflector_handlers_t *h, void *ud, err_t *err)
{
    if (!cl) {
        err_set(err, ERR_INVALID, "reflector: no cluster");
        return NULL;
    }
    if (!valid_segment(group, true) || !valid_segment(version, false) || !valid_segment(resource, false)) {
        err_set(err, ERR_INVALID, "cluster %s: reflector: invalid group/version/resource %.60s/%.30s/%.60s",
                kube_cluster_id(cl), group ? group : "", version ? version : "(null)", resource ? resource : "(null)");
        return NULL;
    }
    if (opts && opts->namespace_ && !valid_segment(opts->namespace_, true)) {
        err_set(err, ERR_INVALID, "cluster %s: reflector: invalid namespace", kube_cluster_id(cl));
        return NULL;
    }
    kube_reflector_t *r = xcalloc(1, sizeof *r);
    r->cl = cl;
    r->h = h ? *h : (kube_reflector_handlers_t){0};
    r->ud = ud;
    if (opts) r->opts = *opts;
    r->opts.namespace_ = (opts && opts->namespace_ && *opts->namespace_) ? xstrdup(opts->namespace_) : NULL;
    r->opts.label_selector = (opts && opts->label_selector) ? xstrdup(opts->label_selector) : NULL;
    r->opts.field_selector = (opts && opts->field_selector) ? xstrdup(opts->field_selector) : NULL;
    if (r->opts.page_size <= 0) r->opts.page_size = 500;
    if (r->opts.forbidden_retry_ms <= 0) r->opts.forbidden_retry_ms = SLOW_RETRY_MS;
    bool core = !group || !*group;
    buf_t b = {0};
    buf_printf(&b, "%s%s%s", resource, core ? "" : ".", core ? "" : group);
    r->resname = buf_steal(&b);
    if (core) buf_printf(&b, "/api/%s", version);
    else buf_printf(&b, "/apis/%s/%s", group, version);
    if (r->opts.namespace_) buf_printf(&b, "/namespaces/%s", r->opts.namespace_);
    buf_printf(&b, "/%s", resource);
    r->base_path = buf_steal(&b);
    if (r->opts.label_selector && *r->opts.label_selector) {
        buf_puts(&b, "&labelSelector=");
        append_query_value(&b, r->opts.label_selector);
    }
    if (r->opts.field_selector && *r->opts.field_selector) {
        buf_puts(&b, "&fieldSelector=");
        append_query_value(&b, r->opts.field_selector);
    }
    r->selectors = b.data ? buf_steal(&b) : xstrdup("");
    if (core) r->api_version = xstrdup(version);
    else {
        buf_printf(&b, "%s/%s", group, version);
        r->api_version = buf_steal(&b);
    }
    r->lines.max = kube_cluster__config(cl)->max_object_bytes;
    kube_backoff_init(&r->backoff, 500, 30000, 0.5, hash_bytes(r->base_path, strlen(r->base_path)) ^ clock_mono_ns());
    uv_timer_init(kube_cluster__loop(cl), &r->timer);
    r->timer.data = r;
    r->att.kick = att_kick;
    r->att.destroy = att_destroy;
    r->att.unsynced = true;
    r->att.reflector = r;
    r->state = KUBE_REFLECTOR_LISTING;
    kube_cluster__attach(cl, &r->att);
    after(r, 0, start_list_cb);
    return r;
}

kube_reflector_state_t kube_reflector_state(const kube_reflector_t *r) { return r->state; }
bool kube_reflector_synced(const kube_reflector_t *r) { return r->synced_once; }
size_t kube_reflector_count(const kube_reflector_t *r) { return kube_rvmap_len(&r->rvs); }
const char *kube_reflector_resource_version(const kube_reflector_t *r) { return r->rv; }
const char *kube_reflector_resource(const kube_reflector_t *r) { return r->resname; }
unsigned kube_reflector_relists(const kube_reflector_t *r) { return r->relists; }
