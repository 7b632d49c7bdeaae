/* topology.c — GET /clusters/{c}/topology, /topology.svg, /topology.dot.
 *
 * The graph engine answers the query; this file decides the scope the
 * asker may see. The ETag is a hash of the scope (query, format, the
 * asker's visibility) and of the answer's content, so a scope whose nodes,
 * edges and positions did not change answers 304 even while the rest of
 * the cluster churns; the last tag of each scope is remembered with the
 * store generation, so a repeat while nothing at all changed answers 304
 * without running the query.
 *
 * Visibility for a restricted user: a namespace or whole-cluster query runs
 * over the namespaces where the user may list something, restricted to the
 * kinds the user may list in all of them (cluster-scoped objects are left
 * out); a focus query must start from an object the user may see, and when
 * its neighbourhood crosses into what the user may not list, the JSON form
 * leaves those nodes and their edges out (the SVG and DOT forms, which
 * cannot be filtered after layout, answer 403).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "base/mem.h"

enum { FMT_JSON, FMT_SVG, FMT_DOT };
static const char *const FMT_TYPES[] = {"application/json", "image/svg+xml", "text/vnd.graphviz; charset=utf-8"};

#define NO_NS "\x01none" /* a namespace that cannot exist: an empty result with the usual shape */

typedef struct topo_st {
    int fmt;
    uint64_t scope, gen; /* scope_of() and the store generation the query ran at */
    char **nss;
    size_t nns;
    char **kinds;
    size_t nkinds;
    char *focus;
    int depth;
    char *label;
    size_t limit;
    const char **gate_ns; /* store strings */
    char **gate_cres;
    size_t ngate_cres;
} topo_st_t;

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static void topo_free(topo_st_t *st)
{
    if (!st) return;
    strv_free(st->nss, st->nns);
    strv_free(st->kinds, st->nkinds);
    strv_free(st->gate_cres, st->ngate_cres);
    free(st->focus);
    free(st->label);
    free(st->gate_ns);
    free(st);
}

static void topo_gone(api_req_t *q)
{
    topo_free(q->st);
    q->st = NULL;
}

/* Values of a parameter given repeated and/or comma-separated. */
static char **multi(http_req_t *r, const char *name, size_t *n)
{
    const char *vals[64];
    size_t nv = http_req_query_all(r, name, vals, 64);
    char **out = NULL;
    *n = 0;
    for (size_t i = 0; i < nv; i++) {
        sv_t rest = sv_from(vals[i]);
        while (rest.n) {
            sv_t one = sv_trim(sv_cut(&rest, ','));
            if (!one.n) continue;
            out = xrealloc(out, (*n + 1) * sizeof *out);
            out[(*n)++] = sv_dup(one);
        }
    }
    return out;
}

static uint64_t mix(uint64_t h, const void *p, size_t n) { return (h ^ hash_bytes(p, n)) * 1099511628211ull; }

/* The scope of a request: the query, format, cluster and the asker's
 * visibility — everything that decides an answer except the data. */
static uint64_t scope_of(api_req_t *q, topo_st_t *st)
{
    uint64_t h = 1469598103934665603ull;
    sv_t qs = http_req_query_string(q->r);
    h = mix(h, qs.p ? qs.p : "", qs.n);
    h = mix(h, &st->fmt, sizeof st->fmt);
    h = mix(h, q->cid, strlen(q->cid));
    if (q->view) {
        size_t kl;
        const char *k = api_view_idkey(q->view, &kl);
        uint64_t vg = api_view_generation(q->view);
        h = mix(h, k, kl);
        h = mix(h, &vg, sizeof vg);
    }
    return h;
}

/* The content of a JSON answer leaves out its top-level resourceVersion:
 * that is a position in the whole cluster's stream and moves with changes
 * anywhere, while the tag is about this scope. */
static uint64_t content_of(const buf_t *b, int fmt)
{
    static const char pat[] = "\"resourceVersion\":\"";
    const char *p = fmt == FMT_JSON && b->data ? strstr(b->data, pat) : NULL;
    if (!p) return hash_bytes(b->data ? b->data : "", b->len);
    size_t at = (size_t)(p - b->data) + sizeof pat - 1, end = at;
    while (end < b->len && b->data[end] != '"') end++;
    uint64_t h = mix(1469598103934665603ull, b->data, at);
    return mix(h, b->data + end, b->len - end);
}

static void tag_str(uint64_t tag, char out[24]) { snprintf(out, 24, "\"t%016llx\"", (unsigned long long)tag); }

static bool etag_matches(http_req_t *r, const char *etag)
{
    const char *inm = http_req_header(r, "If-None-Match");
    return inm && (strstr(inm, etag) || strcmp(inm, "*") == 0);
}

/* The graph writes the store's resourceVersion; the API answers with the
 * delta position a WebSocket `since` takes (api_ws_position), which is the
 * same number, with ".N" when deltas arrived since without raising it.
 * The first "resourceVersion" member of the answer is the top-level one
 * (the cluster ID before it is a JSON string, where the quoted pattern
 * cannot occur unescaped). */
static void set_position(api_req_t *q, buf_t *b)
{
    static const char pat[] = "\"resourceVersion\":\"";
    char *p = b->data ? strstr(b->data, pat) : NULL;
    if (!p) return;
    size_t at = (size_t)(p - b->data) + sizeof pat - 1, end = at;
    while (end < b->len && b->data[end] != '"') end++;
    buf_t pos = {0};
    api_ws_position(q->ac, &pos);
    size_t had = end - at;
    if (pos.len != had || memcmp(b->data + at, pos.data, had) != 0) {
        /* in place: the body can be megabytes */
        buf_reserve(b, pos.len);
        memmove(b->data + at + pos.len, b->data + end, b->len - end + 1);
        memcpy(b->data + at, pos.data, pos.len);
        b->len = b->len - had + pos.len;
    }
    buf_free(&pos);
}

/* Answers body b (the query's result in st's format): the ETag is the
 * scope with the content, so an unchanged scope answers 304 even when the
 * rest of the cluster moved; the tag is remembered for the store
 * generation the query ran at, so a repeat with nothing changed is 304
 * without running the query (topo_run). */
static void answer(api_req_t *q, topo_st_t *st, buf_t *b)
{
    uint64_t tag = mix(st->scope, &(uint64_t){content_of(b, st->fmt)}, sizeof(uint64_t));
    struct api_topo_tag *t = &q->ac->topo_tags[st->scope % (sizeof q->ac->topo_tags / sizeof q->ac->topo_tags[0])];
    *t = (struct api_topo_tag){.scope = st->scope, .gen = st->gen, .tag = tag};
    char etag[24];
    tag_str(tag, etag);
    int fmt = st->fmt;
    topo_free(st);
    q->st = NULL;
    q->on_gone = NULL;
    http_res_header(q->r, "ETag", etag);
    http_res_header(q->r, "Cache-Control", "no-cache");
    if (etag_matches(q->r, etag)) {
        buf_free(b);
        api_req_send(q, 304, NULL, b);
        return;
    }
    api_req_send(q, 200, FMT_TYPES[fmt], b);
}

static void send_result(api_req_t *q, topo_st_t *st, graph_result_t *res)
{
    buf_t b = {0};
    if (st->fmt == FMT_JSON) {
        graph_result_json(res, &b);
        set_position(q, &b);
    } else if (st->fmt == FMT_SVG) graph_result_svg(res, &b);
    else graph_result_dot(res, &b);
    graph_result_free(res);
    answer(q, st, &b);
}

static graph_result_t *run(api_req_t *q, graph_query_t *gq)
{
    err_t e = {0};
    graph_result_t *res = graph_query_run(cluster_graph(q->c), gq, &e);
    if (!res) {
        if (e.code == ERR_NOTFOUND) api_req_error(q, 404, "not_found", "%s", e.msg);
        else api_req_error(q, 400, "bad_request", "%s", e.msg);
    }
    return res;
}

/* ---- the filtered JSON of a focus neighbourhood ---- */

typedef struct fedge {
    api_req_t *q;
    graph_t *g;
    store_t *s;
    store_oid_t self;
    map_t *keep; /* oid bytes → 1 */
    map_t seen;
    buf_t *out;
    size_t n;
} fedge_t;

static bool fedge_cb(store_oid_t src, store_oid_t dst, const char *type, void *ud)
{
    fedge_t *f = ud;
    if (src != f->self || !map_get(f->keep, &dst, sizeof dst)) return true;
    char key[64];
    int kl = snprintf(key, sizeof key, "%u/%u/%s", src, dst, type);
    if (map_get(&f->seen, key, (size_t)kl)) return true;
    map_put(&f->seen, key, (size_t)kl, (void *)1);
    buf_t id = {0};
    if (f->n++) buf_putc(f->out, ',');
    buf_puts(f->out, "{\"source\":");
    store_obj_id(f->s, src, &id);
    buf_json_str(f->out, id.data, id.len);
    buf_reset(&id);
    buf_puts(f->out, ",\"target\":");
    store_obj_id(f->s, dst, &id);
    buf_json_str(f->out, id.data, id.len);
    buf_free(&id);
    buf_puts(f->out, ",\"type\":");
    buf_json_cstr(f->out, type);
    buf_putc(f->out, '}');
    return true;
}

static void filtered_json(api_req_t *q, graph_result_t *res, const bool *vis, buf_t *out)
{
    graph_t *g = cluster_graph(q->c);
    store_t *s = cluster_store(q->c);
    size_t n = graph_result_node_count(res);
    map_t keep = {0};
    buf_printf(out, "{\"cluster\":");
    buf_json_cstr(out, q->cid);
    buf_puts(out, ",\"resourceVersion\":\"");
    api_ws_position(q->ac, out);
    buf_printf(out, "\",\"truncated\":%s,\"filtered\":true,\"nodes\":[", graph_result_truncated(res) ? "true" : "false");
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (!vis[i]) continue;
        store_oid_t o;
        double x, y;
        graph_result_node(res, i, &o, &x, &y);
        map_put(&keep, &o, sizeof o, (void *)1);
        if (w++) buf_putc(out, ',');
        size_t at = out->len;
        graph_node_json(g, o, out);
        if (out->len > at && out->data[out->len - 1] == '}') {
            out->len--;
            buf_printf(out, ",\"x\":%lld,\"y\":%lld}", (long long)x, (long long)y);
        }
    }
    buf_puts(out, "],\"edges\":[");
    fedge_t f = {.q = q, .g = g, .s = s, .keep = &keep, .out = out};
    for (size_t i = 0; i < n; i++) {
        if (!vis[i]) continue;
        double x, y;
        graph_result_node(res, i, &f.self, &x, &y);
        graph_each_edge(g, f.self, fedge_cb, &f);
    }
    buf_puts(out, "]}");
    map_free(&f.seen);
    map_free(&keep);
}

/* ---- running a query for the asker ---- */

static void topo_run(api_req_t *q)
{
    topo_st_t *st = q->st;
    st->scope = scope_of(q, st);
    st->gen = store_generation(cluster_store(q->c));
    const struct api_topo_tag *t =
        &q->ac->topo_tags[st->scope % (sizeof q->ac->topo_tags / sizeof q->ac->topo_tags[0])];
    char etag[24];
    tag_str(t->tag, etag);
    if (t->scope == st->scope && t->gen == st->gen && etag_matches(q->r, etag)) {
        http_res_header(q->r, "ETag", etag);
        topo_free(st);
        q->st = NULL;
        q->on_gone = NULL;
        buf_t b = {0};
        api_req_send(q, 304, NULL, &b);
        return;
    }
    graph_query_t gq = {.focus = st->focus, .depth = st->depth, .label_selector = st->label,
                        .limit = st->limit,
                        .namespaces = (const char *const *)st->nss, .nnamespaces = st->nns,
                        .kinds = (const char *const *)st->kinds, .nkinds = st->nkinds};
    bool restricted = q->view && !api_view_is_admin(q->view);
    if (!restricted) {
        graph_result_t *res = run(q, &gq);
        if (res) send_result(q, st, res);
        return;
    }
    store_t *s = cluster_store(q->c);
    if (st->focus) {
        api_id_parts_t p;
        api_id_split(st->focus, &p);
        char kind[256], ns[256];
        snprintf(kind, sizeof kind, "%.*s", (int)p.kind_len, p.kind);
        snprintf(ns, sizeof ns, "%.*s", (int)p.ns_len, p.ns);
        if (store_find(s, st->focus, strlen(st->focus)) == STORE_NONE || api_visible(q->ac, q->view, ns, kind) != 1) {
            api_req_error(q, 404, "not_found", "focus object %s not found", st->focus);
            return;
        }
        graph_result_t *res = run(q, &gq);
        if (!res) return;
        size_t n = graph_result_node_count(res);
        bool *vis = xcalloc(n ? n : 1, sizeof *vis);
        size_t hidden = 0;
        for (size_t i = 0; i < n; i++) {
            store_oid_t o;
            double x, y;
            graph_result_node(res, i, &o, &x, &y);
            const char *ons = store_str(s, store_obj_ns(s, o));
            const char *okind = store_str(s, store_obj_kind(s, o));
            vis[i] = api_visible(q->ac, q->view, ons, okind) == 1;
            hidden += !vis[i];
        }
        if (!hidden) {
            free(vis);
            send_result(q, st, res);
            return;
        }
        if (st->fmt != FMT_JSON) {
            free(vis);
            graph_result_free(res);
            api_req_error(q, 403, "forbidden",
                          "the neighbourhood of %s reaches objects you may not list; the JSON form "
                          "(/topology) shows the part you may see",
                          st->focus);
            return;
        }
        buf_t b = {0};
        filtered_json(q, res, vis, &b);
        free(vis);
        graph_result_free(res);
        answer(q, st, &b);
        return;
    }
    /* Namespace or whole-cluster scope: the namespaces where the user may
     * list something, and the kinds listable in every one of them. */
    kube_discovery_t *d = cluster_discovery(q->c);
    size_t nres = 0;
    const kube_api_resource_t *list = d ? kube_discovery_resources(d, &nres) : NULL;
    const char **cand = st->nns ? (const char **)st->nss : st->gate_ns;
    size_t ncand = st->nns ? st->nns : 0;
    if (!st->nns)
        while (st->gate_ns && st->gate_ns[ncand]) ncand++;
    const char **keep_ns = xcalloc(ncand ? ncand : 1, sizeof *keep_ns);
    size_t nkeep = 0;
    /* allowed[k]: the k-th namespaced resource is listable in every kept ns */
    bool *allowed = xcalloc(nres ? nres : 1, sizeof *allowed);
    bool first = true;
    for (size_t i = 0; i < ncand; i++) {
        bool any = false;
        bool *here = xcalloc(nres ? nres : 1, sizeof *here);
        for (size_t k = 0; k < nres; k++) {
            if (!list[k].namespaced || !list[k].preferred || !list[k].watchable) continue;
            here[k] = api_view_allows(q->view, api_now_ms(), cand[i], list[k].group, list[k].resource) == 1;
            any |= here[k];
        }
        if (any) {
            keep_ns[nkeep++] = cand[i];
            for (size_t k = 0; k < nres; k++) allowed[k] = first ? here[k] : allowed[k] && here[k];
            first = false;
        }
        free(here);
    }
    size_t nall = 0, nallowed = 0;
    for (size_t k = 0; k < nres; k++) {
        if (!list[k].namespaced || !list[k].preferred || !list[k].watchable) continue;
        nall++;
        nallowed += allowed[k];
    }
    /* kind IDs of the allowed resources (storage for the query's kinds) */
    char *ids = xcalloc(nres ? nres : 1, 256);
    const char **kinds = xcalloc((nres > st->nkinds ? nres : st->nkinds) + 1, sizeof *kinds);
    size_t nkinds = 0;
    bool restrict_kinds = true;
    if (st->nkinds) {
        for (size_t i = 0; i < st->nkinds; i++) {
            const kube_api_resource_t *r = api_cluster_kind(q->ac, st->kinds[i]);
            size_t k = r && list ? (size_t)(r - list) : nres;
            if (k < nres && allowed[k]) kinds[nkinds++] = st->kinds[i];
        }
    } else if (nallowed < nall) {
        for (size_t k = 0; k < nres; k++) {
            if (!allowed[k]) continue;
            api_kind_id(&list[k], ids + k * 256, 256);
            kinds[nkinds++] = ids + k * 256;
        }
    } else restrict_kinds = false;
    static const char *const none_ns[] = {NO_NS};
    gq.kinds = restrict_kinds ? kinds : NULL;
    gq.nkinds = restrict_kinds ? nkinds : 0;
    if (!nkeep || (restrict_kinds && !nkinds)) gq.namespaces = none_ns, gq.nnamespaces = 1, gq.nkinds = 0;
    else gq.namespaces = keep_ns, gq.nnamespaces = nkeep;
    graph_result_t *res = run(q, &gq);
    free(ids);
    free(kinds);
    free(keep_ns);
    free(allowed);
    if (res) send_result(q, st, res);
}

static void topology(http_req_t *r, api_t *api, int fmt)
{
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    topo_st_t *st = xcalloc(1, sizeof *st);
    q->st = st;
    q->on_gone = topo_gone;
    st->fmt = fmt;
    st->nss = multi(r, "namespace", &st->nns);
    size_t nk = 0;
    char **kinds = multi(r, "kinds", &nk);
    if (nk) {
        kube_discovery_t *d = cluster_discovery(q->c);
        size_t nres = 0;
        const kube_api_resource_t *list = d ? kube_discovery_resources(d, &nres) : NULL;
        st->kinds = xcalloc(nk, sizeof *st->kinds);
        for (size_t i = 0; i < nk; i++) {
            const kube_api_resource_t *res = list ? api_kind_resolve(list, nres, kinds[i]) : NULL;
            if (!res) {
                api_req_error(q, 400, "bad_request", "kinds: cluster \"%s\" serves no resource type \"%s\"", q->cid,
                              kinds[i]);
                strv_free(kinds, nk);
                return;
            }
            char id[256];
            api_kind_id(res, id, sizeof id);
            st->kinds[st->nkinds++] = xstrdup(id);
        }
        strv_free(kinds, nk);
    }
    const char *focus = http_req_query(r, "focus");
    if (focus && *focus) {
        api_id_parts_t p;
        if (api_id_split(focus, &p) != 0) {
            api_req_error(q, 400, "bad_request", "focus: \"%s\" is not an object ID (KIND[.GROUP]/NAMESPACE/NAME)",
                          focus);
            return;
        }
        st->focus = xstrdup(focus);
    }
    const char *depth = http_req_query(r, "depth");
    st->depth = 1;
    if (depth) {
        char *end;
        long v = strtol(depth, &end, 10);
        if (!*depth || *end || v < 1 || v > 8) {
            api_req_error(q, 400, "bad_request", "depth: expected an integer from 1 to 8");
            return;
        }
        st->depth = (int)v;
    }
    const char *ls = http_req_query(r, "labelSelector");
    if (ls && *ls) {
        store_selector_t sel;
        err_t e = {0};
        store_t *s = cluster_store(q->c);
        if (store_selector_parse(s, ls, strlen(ls), false, &sel, &e) != 0) {
            api_req_error(q, 400, "bad_request", "labelSelector: %s", e.msg);
            return;
        }
        store_selector_release(s, &sel);
        st->label = xstrdup(ls);
    }
    const char *lim = http_req_query(r, "limit");
    if (lim) {
        char *end;
        long long v = strtoll(lim, &end, 10);
        if (!*lim || *end || v < 1 || v > 100000) {
            api_req_error(q, 400, "bad_request", "limit: expected an integer from 1 to 100000");
            return;
        }
        st->limit = (size_t)v;
    }
    if (!q->view) {
        topo_run(q);
        return;
    }
    /* Decisions needed: the namespaces in scope (all of them for a focus
     * or whole-cluster query) and, for a focus, the cluster-scoped kinds
     * its neighbourhood may reach. */
    const char **nss;
    size_t nns;
    if (st->nns && !st->focus) {
        nss = xcalloc(st->nns + 1, sizeof *nss);
        for (size_t i = 0; i < st->nns; i++) nss[i] = st->nss[i];
        nns = st->nns;
    } else {
        nns = api_store_namespaces(cluster_store(q->c), &nss);
        nss = xrealloc(nss, (nns + 1) * sizeof *nss);
    }
    nss[nns] = NULL;
    st->gate_ns = nss;
    if (st->focus) {
        kube_discovery_t *d = cluster_discovery(q->c);
        size_t nres = 0;
        const kube_api_resource_t *list = d ? kube_discovery_resources(d, &nres) : NULL;
        for (size_t k = 0; k < nres; k++) {
            if (list[k].namespaced || !list[k].preferred || !list[k].watchable) continue;
            char cr[300];
            if (*list[k].group) snprintf(cr, sizeof cr, "%s.%s", list[k].resource, list[k].group);
            else snprintf(cr, sizeof cr, "%s", list[k].resource);
            st->gate_cres = xrealloc(st->gate_cres, (st->ngate_cres + 1) * sizeof *st->gate_cres);
            st->gate_cres[st->ngate_cres++] = xstrdup(cr);
        }
    }
    api_req_gate(q, nss, nns, (const char *const *)st->gate_cres, st->ngate_cres, topo_run);
}

static void h_json(http_req_t *r, void *ud) { topology(r, ud, FMT_JSON); }
static void h_svg(http_req_t *r, void *ud) { topology(r, ud, FMT_SVG); }
static void h_dot(http_req_t *r, void *ud) { topology(r, ud, FMT_DOT); }

void api_topology_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/clusters/{c}/topology", h_json, api);
    http_route(api->http, "GET", "/api/v1/clusters/{c}/topology.svg", h_svg, api);
    http_route(api->http, "GET", "/api/v1/clusters/{c}/topology.dot", h_dot, api);
}
