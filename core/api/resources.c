/* resources.c — GET /clusters/{c}/resources/{kind} (from the store) and
 * GET /clusters/{c}/resources/{kind}/{ns}/{name} (live, as the user).
 *
 * Lists read the store, never the cluster: filtered by namespace, label
 * and field selectors and by what the asker may list, ordered by the sort
 * key then (namespace, name), cut into pages whose `continue` token names
 * the last item returned (cursor.h), so paging is stable while objects come
 * and go. The orders and the items' JSON come from the cluster's list cache
 * (listcache.h), kept current with the store's per-(namespace, kind)
 * generations, so a page costs about its own size. A detail is a live GET made as the user, so the cluster's RBAC
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
#include "api/listcache.h"
#include "api/redact.h"
#include "base/clock.h"
#include "base/mem.h"

enum { SORT_NAMESPACE = API_SORT_NAMESPACE, SORT_NAME = API_SORT_NAME, SORT_CREATED = API_SORT_CREATED,
       SORT_STATUS = API_SORT_STATUS, SORT_KIND_MAX = API_SORT_MAX };
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
    char *cont; /* the continue token as given (part of the page key) */
    uint64_t qhash;
    char **nss; /* gated namespaces (owned copies: the gate may outlive the store's strings) */
    size_t nnss;
} list_st_t;

static void list_st_free(list_st_t *st)
{
    if (!st) return;
    free(st->label_sel);
    free(st->cont);
    for (size_t i = 0; i < st->nnss; i++) free(st->nss[i]);
    free(st->nss);
    free(st);
}

static void list_gone(api_req_t *q)
{
    list_st_free(q->st);
    q->st = NULL;
}

/* What a page keeps besides kind and namespace. */
typedef struct filt {
    store_selector_t sel;
    bool has_sel;
    const api_fieldsel_t *fs;
    int node_col; /* index of the NODE column (spec.nodeName), -1 when not needed */
} filt_t;

static bool filter_cb(const store_t *s, store_oid_t o, void *ud)
{
    filt_t *f = ud;
    if (f->has_sel && !store_selector_matches(s, &f->sel, o)) return false;
    if (!f->fs->n) return true;
    const char *node = NULL;
    if (f->node_col >= 0) {
        const uint32_t *cols;
        size_t nc = store_obj_columns(s, o, &cols);
        node = (size_t)f->node_col < nc ? store_str(s, cols[f->node_col]) : "";
        if (strcmp(node, "<none>") == 0) node = "";
    }
    return api_fieldsel_match(f->fs, store_str(s, store_obj_ns(s, o)), store_str(s, store_obj_name(s, o)), node);
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
    filt_t f = {.fs = &st->fs, .node_col = -1};
    if (api_fieldsel_has(&st->fs, API_FIELD_NODENAME)) {
        const char *const *names;
        size_t nn = store_column_names(s, st->kind_id, &names);
        for (size_t i = 0; i < nn; i++)
            if (strcmp(names[i], "NODE") == 0) f.node_col = (int)i;
    }
    err_t e = {0};
    if (st->label_sel && *st->label_sel) {
        if (store_selector_parse(s, st->label_sel, strlen(st->label_sel), false, &f.sel, &e) != 0) {
            api_req_error(q, 400, "bad_request", "labelSelector: %s", e.msg);
            return;
        }
        f.has_sel = true;
    }
    /* The namespaces to take objects from: the one asked for, or every
     * namespace holding the kind that the asker may list it in. */
    intern_t *t = store_strings(s);
    uint32_t kind = intern_find(t, st->kind_id, strlen(st->kind_id));
    uint32_t *nss = NULL;
    size_t nns = 0;
    if (kind != INTERN_NONE) {
        if (!st->res->namespaced) {
            nss = xmalloc(sizeof *nss);
            nss[nns++] = 0; /* "" */
        } else if (st->ns[0]) {
            uint32_t ns = intern_find(t, st->ns, strlen(st->ns));
            if (ns != INTERN_NONE) {
                nss = xmalloc(sizeof *nss);
                nss[nns++] = ns;
            }
        } else {
            size_t n = store_namespaces(s, &nss);
            bool restricted = q->view && !api_view_is_admin(q->view);
            for (size_t i = 0; i < n; i++) {
                if (!store_kind_count(s, nss[i], kind)) continue;
                if (restricted && api_visible(q->ac, q->view, store_str(s, nss[i]), st->kind_id) != 1) continue;
                nss[nns++] = nss[i];
            }
        }
    }
    if (!q->ac->lists) q->ac->lists = api_listcache_new(0, 0);
    api_list_query_t lq = {.kind = kind, .nss = nss, .nns = nns, .sort = st->sort, .desc = st->desc,
                           .limit = st->limit, .after = st->has_cursor ? &st->cur : NULL,
                           .filter = f.has_sel || st->fs.n ? filter_cb : NULL, .filter_ud = &f};
    int64_t now_s = api_now_ms() / 1000;
    /* The page key: what was asked (qhash covers kind, namespace,
     * selectors and sort) and the namespaces this asker may see. */
    buf_t key = {0};
    buf_append(&key, &st->qhash, sizeof st->qhash);
    uint64_t lim = st->limit;
    buf_append(&key, &lim, sizeof lim);
    buf_append(&key, &kind, sizeof kind);
    buf_append(&key, nss ? (const void *)nss : "", nns * sizeof *nss);
    buf_puts(&key, st->cont ? st->cont : "");
    api_page_bytes_t *kept = nns ? api_listcache_page_get(q->ac->lists, s, key.data, key.len, &lq, now_s) : NULL;
    if (kept) {
        free(nss);
        buf_free(&key);
        if (f.has_sel) store_selector_release(s, &f.sel);
        list_st_free(st);
        q->st = NULL;
        q->on_gone = NULL;
        /* the kept bytes go out as they are: one write, and what the socket
         * does not take at once stays shared with the cache (a reference) */
        http_req_t *r = q->r;
        http_req_on_abort(r, NULL, NULL);
        q->r = NULL;
        /* a client that takes gzip gets the page's gzip, made once per
         * page rather than per request: a tenth of the bytes to move */
        api_page_bytes_t *out = http_req_accepts_gzip(r) ? api_page_bytes_gzip(kept) : NULL;
        if (out) http_res_header(r, "Content-Encoding", "gzip");
        else out = kept;
        http_res_header(r, "Vary", "Accept-Encoding");
        out->refs++;
        http_res_send_borrowed(r, 200, "application/json", out->data, out->len, api_page_bytes_release, out);
        api_req_free(q);
        return;
    }
    api_list_page_t pg = {0};
    if (nns) api_listcache_page(q->ac->lists, s, &lq, &pg);
    /* one body buffer per API, reused: a page is hundreds of KiB */
    buf_t *b = &q->api->list_body;
    buf_reset(b);
    buf_puts(b, "{\"kind\":");
    buf_json_cstr(b, st->kind_id);
    buf_puts(b, ",\"resourceVersion\":\"");
    api_ws_position(q->ac, b);
    buf_puts(b, "\",\"items\":[");
    for (size_t i = 0; i < pg.n; i++) {
        if (i) buf_putc(b, ',');
        api_listcache_row(q->ac->lists, s, pg.items[i], now_s, b);
    }
    buf_puts(b, "],\"columnDefinitions\":");
    store_column_defs_json(s, st->kind_id, b);
    buf_puts(b, ",\"continue\":");
    if (pg.remaining && pg.n) {
        api_cursor_t c;
        api_listcache_cursor(s, pg.items[pg.n - 1], st->sort, st->qhash, &c);
        buf_putc(b, '"');
        api_cursor_encode(&c, b);
        buf_putc(b, '"');
    } else buf_puts(b, "\"\"");
    buf_puts(b, ",\"remaining\":");
    buf_put_u64(b, pg.remaining);
    buf_putc(b, '}');
    if (nns) api_listcache_page_put(q->ac->lists, s, key.data, key.len, &lq, &pg, now_s, b);
    free(nss);
    buf_free(&key);
    if (f.has_sel) store_selector_release(s, &f.sel);
    free(pg.items);
    list_st_free(st);
    q->st = NULL;
    q->on_gone = NULL;
    http_res_header(q->r, "Vary", "Accept-Encoding"); /* a repeat may come gzipped */
    api_req_send_bytes(q, 200, "application/json", b->data, b->len);
    /* keep the buffer, but not a rare giant one */
    if (b->cap > (8u << 20)) buf_free(b);
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
        st->cont = xstrdup(cont);
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
    const char **nss;
    size_t n = api_store_namespaces(cluster_store(q->c), &nss);
    st->nss = xcalloc(n ? n : 1, sizeof *st->nss);
    for (size_t i = 0; i < n; i++) st->nss[i] = xstrdup(nss[i]);
    st->nnss = n;
    free(nss);
    api_req_gate(q, (const char *const *)st->nss, st->nnss, NULL, 0, list_run);
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
