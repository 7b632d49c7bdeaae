/* resources.c — GET /clusters/{c}/resources/{kind} (from the store) and
 * GET /clusters/{c}/resources/{kind}/{ns}/{name} (live, as the user).
 *
 * Lists read the store, never the cluster: filtered by namespace, label
 * and field selectors and by what the asker may list, ordered by the sort
 * key then (namespace, name), cut into pages whose `continue` token names
 * the last item returned (cursor.h), so paging is stable while objects come
 * and go. A detail is a live GET made as the user, so the cluster's RBAC
 * decides, returned as JSON or YAML with Secret values redacted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "api/cursor.h"
#include "api/fieldsel.h"
#include "api/kinds.h"
#include "api/redact.h"
#include "base/clock.h"
#include "base/mem.h"

enum { SORT_NAMESPACE, SORT_NAME, SORT_CREATED, SORT_STATUS, SORT_KIND_MAX };
static const char *const SORT_NAMES[] = {"namespace", "name", "created", "status"};

typedef struct list_st {
    const kube_api_resource_t *res; /* valid this turn only: re-resolved after a gate */
    char kind_arg[256];
    char kind_id[256];
    char ns[254];
    char *label_sel;
    api_fieldsel_t fs;
    int sort;
    bool desc;
    size_t limit;
    bool has_cursor;
    api_cursor_t cur;
    uint64_t qhash;
    const char **nss; /* gated namespaces (owned array, store strings) */
    size_t nnss;
} list_st_t;

typedef struct item {
    store_oid_t o;
    const char *ns, *name;
    char key[24]; /* created / status sort key */
    const char *skey;
} item_t;

typedef struct walk {
    api_req_t *q;
    list_st_t *st;
    store_t *s;
    store_selector_t sel;
    bool has_sel;
    item_t *v;
    size_t n, cap;
    map_t nsok; /* namespace → (void*)1 visible / (void*)2 hidden */
    bool need_node;
} walk_t;

static void list_st_free(list_st_t *st)
{
    if (!st) return;
    free(st->label_sel);
    free(st->nss);
    free(st);
}

static void list_gone(api_req_t *q)
{
    list_st_free(q->st);
    q->st = NULL;
}

static int cmp_items(const item_t *a, const item_t *b, const list_st_t *st)
{
    int c = strcmp(a->skey, b->skey);
    if (!c) c = strcmp(a->ns, b->ns);
    if (!c) c = strcmp(a->name, b->name);
    return st->desc ? -c : c;
}

static int cmp_qsort(const void *a, const void *b, void *ctx) { return cmp_items(a, b, ctx); }

static void sort_key(walk_t *w, item_t *it)
{
    switch (w->st->sort) {
    case SORT_NAME: it->skey = it->name; break;
    case SORT_CREATED:
        snprintf(it->key, sizeof it->key, "%020lld", (long long)store_obj_created(w->s, it->o));
        it->skey = it->key;
        break;
    case SORT_STATUS:
        snprintf(it->key, sizeof it->key, "%d", store_obj_status(w->s, it->o));
        it->skey = it->key;
        break;
    default: it->skey = it->ns; break;
    }
}

/* The NODE column of a Pod (for spec.nodeName): read from its columns. */
static void pod_node(walk_t *w, store_oid_t o, char *out, size_t cap)
{
    buf_t b = {0};
    store_columns_json(w->s, o, 0, &b);
    out[0] = '\0';
    cJSON *j = cJSON_ParseWithLength(b.data, b.len);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "NODE");
    if (cJSON_IsString(n) && strcmp(n->valuestring, "<none>") != 0) snprintf(out, cap, "%s", n->valuestring);
    cJSON_Delete(j);
    buf_free(&b);
}

static bool visit(store_oid_t o, void *ud)
{
    walk_t *w = ud;
    const char *ns = store_str(w->s, store_obj_ns(w->s, o));
    const char *name = store_str(w->s, store_obj_name(w->s, o));
    if (w->q->view && !api_view_is_admin(w->q->view)) {
        void *ok = map_gets(&w->nsok, ns);
        if (!ok) {
            int v = api_visible(w->q->ac, w->q->view, ns, w->st->kind_id);
            ok = (void *)(uintptr_t)(v == 1 ? 1 : 2);
            map_puts(&w->nsok, ns, ok);
        }
        if (ok != (void *)1) return true;
    }
    if (w->has_sel && !store_selector_matches(w->s, &w->sel, o)) return true;
    if (w->st->fs.n) {
        char node[256] = "";
        if (w->need_node) pod_node(w, o, node, sizeof node);
        if (!api_fieldsel_match(&w->st->fs, ns, name, w->need_node ? node : NULL)) return true;
    }
    item_t it = {.o = o, .ns = ns, .name = name};
    sort_key(w, &it);
    if (w->st->has_cursor) {
        item_t c = {.ns = w->st->cur.ns, .name = w->st->cur.name, .skey = w->st->cur.sortkey};
        if (cmp_items(&it, &c, w->st) <= 0) return true;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->v = xrealloc(w->v, w->cap * sizeof *w->v);
    }
    w->v[w->n++] = it;
    /* the skey of created/status items points into the item itself */
    if (w->v[w->n - 1].skey == it.key) w->v[w->n - 1].skey = w->v[w->n - 1].key;
    return true;
}

static void item_json(walk_t *w, store_oid_t o, int64_t now_s, buf_t *out)
{
    store_t *s = w->s;
    char uid[40], created[32];
    store_obj_uid(s, o, uid);
    int64_t cr = store_obj_created(s, o);
    if (cr) clock_rfc3339(cr, created);
    buf_puts(out, "{\"id\":");
    buf_t id = {0};
    store_obj_id(s, o, &id);
    buf_json_str(out, id.data, id.len);
    buf_free(&id);
    buf_puts(out, ",\"kind\":");
    buf_json_cstr(out, w->st->kind_id);
    buf_puts(out, ",\"namespace\":");
    buf_json_cstr(out, store_str(s, store_obj_ns(s, o)));
    buf_puts(out, ",\"name\":");
    buf_json_cstr(out, store_str(s, store_obj_name(s, o)));
    buf_puts(out, ",\"uid\":");
    buf_json_cstr(out, uid);
    buf_puts(out, ",\"created\":");
    if (cr) buf_json_cstr(out, created);
    else buf_puts(out, "null");
    buf_printf(out, ",\"resourceVersion\":\"%llu\",\"status\":\"%s\"", (unsigned long long)store_obj_rv(s, o),
               store_status_name(store_obj_status(s, o)));
    const char *reason = store_obj_reason(s, o);
    if (reason && *reason) {
        buf_puts(out, ",\"reason\":");
        buf_json_cstr(out, reason);
    }
    const uint32_t *pairs;
    size_t np = store_obj_labels(s, o, &pairs);
    buf_puts(out, ",\"labels\":{");
    for (size_t i = 0; i < np; i++) {
        if (i) buf_putc(out, ',');
        buf_json_cstr(out, store_str(s, pairs[2 * i]));
        buf_putc(out, ':');
        buf_json_cstr(out, store_str(s, pairs[2 * i + 1]));
    }
    buf_puts(out, "},\"columns\":");
    store_columns_json(s, o, now_s, out);
    buf_putc(out, '}');
}

/* A user who may list the kind in none of the asked namespaces (or, for a
 * cluster-scoped kind, not at all) is told so with 403, as kubectl would be,
 * rather than shown an empty list that reads as "there are none". Where some
 * namespaces are allowed the list is filtered silently: the others' objects,
 * and their count, stay unseen. */
static bool list_allowed(api_req_t *q, list_st_t *st)
{
    if (!q->view || api_view_is_admin(q->view)) return true;
    if (!st->res->namespaced) return api_visible(q->ac, q->view, "", st->kind_id) == 1;
    if (st->ns[0]) return api_visible(q->ac, q->view, st->ns, st->kind_id) == 1;
    for (size_t i = 0; i < st->nnss; i++)
        if (api_visible(q->ac, q->view, st->nss[i], st->kind_id) == 1) return true;
    return st->nnss == 0;
}

static void list_run(api_req_t *q)
{
    list_st_t *st = q->st;
    store_t *s = cluster_store(q->c);
    if (!list_allowed(q, st)) {
        const char *who = q->id.user ? q->id.user : "this identity";
        const char *res = st->res->resource;
        if (!st->res->namespaced)
            api_req_error(q, 403, "forbidden", "user \"%s\" may not list %s (cluster-scoped) in cluster \"%s\"",
                          who, res, q->cid);
        else if (st->ns[0])
            api_req_error(q, 403, "forbidden", "user \"%s\" may not list %s in namespace \"%s\" of cluster \"%s\"",
                          who, res, st->ns, q->cid);
        else
            api_req_error(q, 403, "forbidden", "user \"%s\" may not list %s in any namespace of cluster \"%s\"",
                          who, res, q->cid);
        return;
    }
    walk_t w = {.q = q, .st = st, .s = s};
    w.need_node = api_fieldsel_has(&st->fs, API_FIELD_NODENAME);
    err_t e = {0};
    if (st->label_sel && *st->label_sel) {
        if (store_selector_parse(s, st->label_sel, strlen(st->label_sel), false, &w.sel, &e) != 0) {
            api_req_error(q, 400, "bad_request", "labelSelector: %s", e.msg);
            return;
        }
        w.has_sel = true;
    }
    intern_t *t = store_strings(s);
    uint32_t kind = intern_find(t, st->kind_id, strlen(st->kind_id));
    if (kind != INTERN_NONE) {
        if (st->ns[0]) {
            uint32_t ns = intern_find(t, st->ns, strlen(st->ns));
            if (ns != INTERN_NONE) store_each(s, ns, kind, visit, &w);
        } else store_each(s, STORE_ANY, kind, visit, &w);
    }
    if (w.has_sel) store_selector_release(s, &w.sel);
    map_free(&w.nsok);
    /* only the page is needed in order: select it, then sort it */
    size_t take = w.n < st->limit ? w.n : st->limit;
    if (w.n > 1) qsort_r(w.v, w.n, sizeof *w.v, cmp_qsort, st);
    buf_t b = {0};
    buf_reserve(&b, 256 + take * 320);
    buf_puts(&b, "{\"kind\":");
    buf_json_cstr(&b, st->kind_id);
    buf_printf(&b, ",\"resourceVersion\":\"%llu\",\"items\":[", (unsigned long long)store_resource_version(s));
    int64_t now_s = api_now_ms() / 1000;
    for (size_t i = 0; i < take; i++) {
        if (i) buf_putc(&b, ',');
        item_json(&w, w.v[i].o, now_s, &b);
    }
    buf_puts(&b, "],\"continue\":");
    if (w.n > take) {
        api_cursor_t c = {.qhash = st->qhash};
        const item_t *last = &w.v[take - 1];
        snprintf(c.sortkey, sizeof c.sortkey, "%s", last->skey);
        snprintf(c.ns, sizeof c.ns, "%s", last->ns);
        snprintf(c.name, sizeof c.name, "%s", last->name);
        buf_putc(&b, '"');
        api_cursor_encode(&c, &b);
        buf_putc(&b, '"');
    } else buf_puts(&b, "\"\"");
    buf_printf(&b, ",\"remaining\":%zu}", w.n - take);
    free(w.v);
    list_st_free(st);
    q->st = NULL;
    q->on_gone = NULL;
    api_req_json(q, 200, &b);
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;
}

static bool parse_size(const char *s, size_t *out)
{
    if (!s || !*s) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0) return false;
    *out = (size_t)v;
    return true;
}

static void h_list(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    const kube_api_resource_t *res = api_req_kind(q, http_req_param(r, "kind"));
    if (!res) return;
    list_st_t *st = xcalloc(1, sizeof *st);
    q->st = st;
    q->on_gone = list_gone;
    st->res = res;
    api_kind_id(res, st->kind_id, sizeof st->kind_id);
    const char *ns = http_req_query(r, "namespace");
    if (ns && strlen(ns) >= sizeof st->ns) {
        api_req_error(q, 400, "bad_request", "namespace: longer than 253 characters");
        return;
    }
    if (ns && res->namespaced) snprintf(st->ns, sizeof st->ns, "%s", ns);
    const char *ls = http_req_query(r, "labelSelector");
    st->label_sel = ls ? xstrdup(ls) : NULL;
    err_t e = {0};
    if (st->label_sel) {
        /* validate now (the walk parses again against the store) */
        store_selector_t sel;
        store_t *s = cluster_store(q->c);
        if (store_selector_parse(s, st->label_sel, strlen(st->label_sel), false, &sel, &e) != 0) {
            api_req_error(q, 400, "bad_request", "labelSelector: %s", e.msg);
            return;
        }
        store_selector_release(s, &sel);
    }
    if (api_fieldsel_parse(http_req_query(r, "fieldSelector"), st->kind_id, &st->fs, &e) != 0) {
        api_req_error(q, 400, "bad_request", "%s", e.msg);
        return;
    }
    const char *sort = http_req_query(r, "sort");
    st->sort = SORT_NAMESPACE;
    if (sort && *sort) {
        const char *sn = sort;
        if (*sn == '-') st->desc = true, sn++;
        int found = -1;
        for (int i = 0; i < SORT_KIND_MAX; i++)
            if (strcasecmp(sn, SORT_NAMES[i]) == 0) found = i;
        if (found < 0) {
            api_req_error(q, 400, "bad_request", "sort: \"%s\" is not one of namespace, name, created, status "
                                                 "(prefix - for descending)", sort);
            return;
        }
        st->sort = found;
    }
    const char *lim = http_req_query(r, "limit");
    st->limit = 500;
    if (lim && (!parse_size(lim, &st->limit) || st->limit == 0 || st->limit > api->cfg.list_max_limit)) {
        api_req_error(q, 400, "bad_request", "limit: expected an integer from 1 to %zu", api->cfg.list_max_limit);
        return;
    }
    uint64_t h = 1469598103934665603ull;
    h = fnv(h, st->kind_id);
    h = fnv(h, st->ns);
    h = fnv(h, st->label_sel);
    h = fnv(h, http_req_query(r, "fieldSelector"));
    h = fnv(h, SORT_NAMES[st->sort]);
    h = fnv(h, st->desc ? "-" : "+");
    st->qhash = h;
    const char *cont = http_req_query(r, "continue");
    if (cont && *cont) {
        if (api_cursor_decode(cont, st->qhash, &st->cur, &e) != 0) {
            api_req_error(q, 400, "bad_request", "%s", e.msg);
            return;
        }
        st->has_cursor = true;
    }
    /* What the asker may list decides what the walk keeps. */
    if (!q->view) {
        list_run(q);
        return;
    }
    if (!res->namespaced) {
        char cres[300];
        if (*res->group) snprintf(cres, sizeof cres, "%s.%s", res->resource, res->group);
        else snprintf(cres, sizeof cres, "%s", res->resource);
        const char *cr[1] = {cres};
        api_req_gate(q, NULL, 0, cr, 1, list_run);
        return;
    }
    if (st->ns[0]) {
        const char *one[1] = {st->ns};
        api_req_gate(q, one, 1, NULL, 0, list_run);
        return;
    }
    st->nnss = api_store_namespaces(cluster_store(q->c), &st->nss);
    api_req_gate(q, st->nss, st->nnss, NULL, 0, list_run);
}

/* ---- detail ---- */

static bool want_yaml(http_req_t *r)
{
    const char *f = http_req_query(r, "format");
    if (f) return strcasecmp(f, "yaml") == 0;
    const char *acc = http_req_header(r, "Accept");
    return acc && (strstr(acc, "application/yaml") || strstr(acc, "text/yaml") || strstr(acc, "application/x-yaml"));
}

static void detail_done(api_req_t *q, const kube_response_t *res)
{
    if (res->status < 200 || res->status >= 300) {
        api_req_kube_error(q, res);
        return;
    }
    cJSON *obj = cJSON_ParseWithLength(res->body, res->body_len);
    if (!obj) {
        api_req_error(q, 502, "cluster_error", "cluster \"%s\" answered with a body that is not JSON", q->cid);
        return;
    }
    api_redact(obj);
    buf_t b = {0};
    if (want_yaml(q->r)) {
        api_yaml_from_json(obj, &b);
        cJSON_Delete(obj);
        api_req_send(q, 200, "application/yaml; charset=utf-8", &b);
        return;
    }
    char *txt = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    buf_puts(&b, txt);
    free(txt);
    api_req_json(q, 200, &b);
}

/* The tail after /resources/{kind}/ is "NS/NAME", or "/NAME" and "NAME"
 * for cluster-scoped objects (the ID form Node//worker-1 leaves the
 * namespace segment empty). */
int api_split_tail(const char *tail, char *ns, size_t nssz, char *name, size_t namesz)
{
    const char *slash = strchr(tail, '/');
    const char *nm = slash ? slash + 1 : tail;
    size_t nl = slash ? (size_t)(slash - tail) : 0;
    if (!*nm || strchr(nm, '/') || nl >= nssz || strlen(nm) >= namesz) return -1;
    memcpy(ns, tail, nl);
    ns[nl] = '\0';
    snprintf(name, namesz, "%s", nm);
    return 0;
}

static void h_detail(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    const kube_api_resource_t *res = api_req_kind(q, http_req_param(r, "kind"));
    if (!res) return;
    char ns[254], name[254];
    if (api_split_tail(http_req_param(r, "*"), ns, sizeof ns, name, sizeof name) != 0) {
        api_req_error(q, 404, "not_found", "expected /resources/KIND/NAMESPACE/NAME (NAMESPACE empty for cluster-scoped)");
        return;
    }
    if (res->namespaced && !ns[0]) {
        api_req_error(q, 400, "bad_request", "%s is namespaced: use /resources/%s/NAMESPACE/%s", res->kind,
                      http_req_param(r, "kind"), name);
        return;
    }
    buf_t path = {0};
    api_kind_path(res, res->namespaced ? ns : NULL, name, &path);
    api_live_get(q, path.data, "application/json", detail_done);
    buf_free(&path);
}

void api_resources_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/clusters/{c}/resources/{kind}", h_list, api);
    http_route(api->http, "GET", "/api/v1/clusters/{c}/resources/{kind}/*", h_detail, api);
}
