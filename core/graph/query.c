/* query.c — scoped topology queries, their JSON, and cross-cluster search.
 *
 * A query picks a node set (focus + hops, namespaces, or the whole cluster),
 * filters it (kinds, label selector), caps it (limit → truncated), lays it
 * out (layout.c), and collects the edges between its nodes. Results are
 * deterministic: node order is layout order (or ID order without layout),
 * edges are sorted by (source, target, type) in that order, and a truncated
 * set keeps the first `limit` nodes by ID (by hop distance, then ID, for a
 * focus query).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "graph/graph_int.h"

#define DEFAULT_LIMIT 100000
#define MAX_DEPTH 8

typedef struct ovec {
    store_oid_t *v;
    size_t n, cap;
} ovec_t;

static void ovec_push(ovec_t *x, store_oid_t o)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 256;
        x->v = xrealloc(x->v, x->cap * sizeof *x->v);
    }
    x->v[x->n++] = o;
}

static bool collect(store_oid_t o, void *ud)
{
    ovec_push(ud, o);
    return true;
}

/* ID order without building strings: kind, namespace, name. */
static int cmp_oid_id(const void *a, const void *b, void *ctx)
{
    const store_t *s = ctx;
    store_oid_t x = *(const store_oid_t *)a, y = *(const store_oid_t *)b;
    int c = strcmp(store_str(s, store_obj_kind(s, x)), store_str(s, store_obj_kind(s, y)));
    if (c) return c;
    c = strcmp(store_str(s, store_obj_ns(s, x)), store_str(s, store_obj_ns(s, y)));
    if (c) return c;
    return strcmp(store_str(s, store_obj_name(s, x)), store_str(s, store_obj_name(s, y)));
}

typedef struct filter {
    const graph_t *g;
    uint32_t *kinds;
    size_t nkinds;
    bool has_sel;
    store_selector_t sel;
    uint32_t excl[3]; /* kinds left out unless named: see EXCLUDED */
} filter_t;

/* Events and Leases are not topology: they belong to the events API and to
 * leader election, and a busy namespace has more of them than objects. A
 * query shows them only when its kinds name them (or its focus is one). */
static const char *const EXCLUDED[3] = {"Event", "Event.events.k8s.io", "Lease.coordination.k8s.io"};

static bool excluded(const filter_t *f, store_oid_t o)
{
    uint32_t k = store_obj_kind(f->g->s, o);
    return k == f->excl[0] || k == f->excl[1] || k == f->excl[2];
}

static bool passes(const filter_t *f, store_oid_t o)
{
    if (excluded(f, o)) return false;
    if (f->nkinds) {
        uint32_t k = store_obj_kind(f->g->s, o);
        bool ok = false;
        for (size_t i = 0; i < f->nkinds && !ok; i++) ok = f->kinds[i] == k;
        if (!ok) return false;
    }
    return !f->has_sel || store_selector_matches(f->g->s, &f->sel, o);
}

/* The focus object names itself: only kinds and the selector apply. */
static bool passes_named(const filter_t *f, store_oid_t o)
{
    filter_t g = *f;
    g.excl[0] = g.excl[1] = g.excl[2] = INTERN_NONE;
    return passes(&g, o);
}

static void focus_set(graph_t *g, store_oid_t start, int depth, size_t hub, const filter_t *f, size_t limit,
                      ovec_t *out, bool *truncated)
{
    graph_mark_begin(g);
    ovec_t level = {0}, next = {0};
    ovec_push(&level, start);
    graph_mark(g, start);
    for (int d = 0; d <= depth && level.n; d++) {
        if (level.n > 1) qsort_r(level.v, level.n, sizeof *level.v, cmp_oid_id, g->s);
        for (size_t i = 0; i < level.n; i++) {
            if (level.v[i] == start ? !passes_named(f, start) : !passes(f, level.v[i])) continue;
            if (out->n == limit) {
                *truncated = true;
                break;
            }
            ovec_push(out, level.v[i]);
        }
        if (*truncated || d == depth) break;
        next.n = 0;
        for (size_t i = 0; i < level.n; i++) {
            const gnode_t *n = &g->n[level.v[i]];
            if (level.v[i] != start && n->ne > hub) continue;
            for (uint32_t k = 0; k < n->ne; k++) {
                store_oid_t o = n->e[k].other;
                if (graph_marked(g, o)) continue;
                graph_mark(g, o);
                ovec_push(&next, o);
            }
        }
        ovec_t t = level;
        level = next;
        next = t;
    }
    free(level.v);
    free(next.v);
}

/* Edges sort by (source, target, type name); ctx is the rank of each type
 * index in name order. */
static int cmp_edge(const void *a, const void *b, void *ctx)
{
    const gpend_t *x = a, *y = b;
    const uint32_t *rank = ctx;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    return rank[x->type] < rank[y->type] ? -1 : rank[x->type] > rank[y->type];
}

static int cmp_type_name(const void *a, const void *b, void *ctx)
{
    return strcmp(graph_type_str(ctx, *(const uint32_t *)a), graph_type_str(ctx, *(const uint32_t *)b));
}

graph_result_t *graph_query_run(graph_t *g, const graph_query_t *q, err_t *err)
{
    filter_t f = {g, NULL, 0, false, {0}, {INTERN_NONE, INTERN_NONE, INTERN_NONE}};
    ovec_t nodes = {0};
    bool truncated = false;
    size_t limit = q->limit ? q->limit : DEFAULT_LIMIT;
    intern_t *t = g->str;
    if (q->label_selector && *q->label_selector) {
        if (store_selector_parse(g->s, q->label_selector, strlen(q->label_selector), false, &f.sel, err) != 0)
            return NULL;
        f.has_sel = true;
    }
    if (q->nkinds) {
        f.kinds = xcalloc(q->nkinds, sizeof *f.kinds);
        for (size_t i = 0; i < q->nkinds; i++)
            f.kinds[f.nkinds++] = intern_find(t, q->kinds[i], strlen(q->kinds[i]));
    }
    for (int k = 0; k < 3; k++) {
        bool named = false;
        for (size_t i = 0; i < q->nkinds && !named; i++) named = strcmp(q->kinds[i], EXCLUDED[k]) == 0;
        if (!named) f.excl[k] = intern_find(t, EXCLUDED[k], strlen(EXCLUDED[k]));
    }
    if (q->focus && *q->focus) {
        store_oid_t o = store_find(g->s, q->focus, strlen(q->focus));
        if (o == STORE_NONE) {
            err_set(err, ERR_NOTFOUND, "focus object %s not found", q->focus);
            goto fail;
        }
        int depth = q->depth <= 0 ? 1 : q->depth > MAX_DEPTH ? MAX_DEPTH : q->depth;
        focus_set(g, o, depth, q->expand_limit ? q->expand_limit : 256, &f, limit, &nodes, &truncated);
    } else {
        ovec_t all = {0};
        if (q->nnamespaces) {
            for (size_t i = 0; i < q->nnamespaces; i++) {
                uint32_t ns = intern_find(t, q->namespaces[i], strlen(q->namespaces[i]));
                if (ns == INTERN_NONE) continue;
                bool dup = false;
                for (size_t j = 0; j < i && !dup; j++) dup = strcmp(q->namespaces[j], q->namespaces[i]) == 0;
                if (dup) continue;
                if (f.nkinds)
                    for (size_t k = 0; k < f.nkinds; k++) {
                        if (f.kinds[k] != INTERN_NONE) store_each(g->s, ns, f.kinds[k], collect, &all);
                    }
                else
                    store_each(g->s, ns, STORE_ANY, collect, &all);
            }
        } else if (f.nkinds) {
            for (size_t k = 0; k < f.nkinds; k++) {
                bool dup = false;
                for (size_t j = 0; j < k && !dup; j++) dup = f.kinds[j] == f.kinds[k];
                if (!dup && f.kinds[k] != INTERN_NONE) store_each(g->s, STORE_ANY, f.kinds[k], collect, &all);
            }
        } else
            store_each(g->s, STORE_ANY, STORE_ANY, collect, &all);
        for (size_t i = 0; i < all.n; i++)
            if (!excluded(&f, all.v[i]) && (!f.has_sel || store_selector_matches(g->s, &f.sel, all.v[i])))
                ovec_push(&nodes, all.v[i]);
        free(all.v);
        if (nodes.n > limit) {
            if (nodes.n > 1) qsort_r(nodes.v, nodes.n, sizeof *nodes.v, cmp_oid_id, g->s);
            nodes.n = limit;
            truncated = true;
        }
    }
    bool whole_ns = !(q->focus && *q->focus) && !f.nkinds && !f.has_sel && !truncated;

    graph_result_t *r = xcalloc(1, sizeof *r);
    r->g = g;
    r->truncated = truncated;
    r->rv = store_resource_version(g->s);
    r->nnodes = nodes.n;
    r->nodes = xmalloc((nodes.n ? nodes.n : 1) * sizeof *r->nodes);
    if (!q->no_layout) {
        layout_out_t lo;
        layout_run(g, nodes.v, nodes.n, whole_ns, &lo);
        r->xy = xmalloc((nodes.n ? nodes.n : 1) * 2 * sizeof *r->xy);
        for (size_t i = 0; i < nodes.n; i++) {
            uint32_t k = lo.order[i];
            r->nodes[i] = nodes.v[k];
            r->xy[2 * i] = lo.xy[2 * k];
            r->xy[2 * i + 1] = lo.xy[2 * k + 1];
        }
        r->groups = lo.groups;
        r->ngroups = lo.ngroups;
        lo.groups = NULL;
        layout_out_free(&lo);
    } else {
        if (nodes.n > 1) qsort_r(nodes.v, nodes.n, sizeof *nodes.v, cmp_oid_id, g->s);
        if (nodes.n) memcpy(r->nodes, nodes.v, nodes.n * sizeof *r->nodes);
        r->xy = xcalloc(nodes.n ? 2 * nodes.n : 2, sizeof *r->xy);
    }
    free(nodes.v);
    /* Edges between members, as indexes into the node order. The layout's
     * scratch position table maps handles to indexes. */
    graph_mark_begin(g);
    if (g->qcap < store_capacity(g->s)) {
        g->qcap = store_capacity(g->s);
        g->qidx = xrealloc(g->qidx, g->qcap * sizeof *g->qidx);
    }
    uint32_t *idx = g->qidx; /* handle → node index, kept between queries */
    for (size_t i = 0; i < r->nnodes; i++) {
        graph_mark(g, r->nodes[i]);
        idx[r->nodes[i]] = (uint32_t)i;
    }
    size_t cap = 0;
    for (size_t i = 0; i < r->nnodes; i++) {
        const gnode_t *n = &g->n[r->nodes[i]];
        for (uint32_t k = 0; k < n->ne; k++) {
            const gedge_t *e = &n->e[k];
            if (!(e->tf & GE_OUT) || !graph_marked(g, e->other)) continue;
            if (r->nedges == cap) {
                cap = cap ? cap * 2 : 1024;
                r->edges = xrealloc(r->edges, cap * sizeof *r->edges);
            }
            r->edges[r->nedges++] = (gpend_t){(uint32_t)i, idx[e->other], ge_type(e)};
        }
    }
    /* Edges were collected source by source in node order: sort each
     * source's run only. */
    uint32_t *order = xmalloc((g->ntypes + 1) * sizeof *order),
             *rank = xmalloc((g->ntypes + 1) * sizeof *rank);
    for (uint32_t i = 0; i < g->ntypes; i++) order[i] = i;
    if (g->ntypes > 1) qsort_r(order, g->ntypes, sizeof *order, cmp_type_name, g);
    for (uint32_t i = 0; i < g->ntypes; i++) rank[order[i]] = i;
    for (size_t i = 0; i < r->nedges;) {
        size_t j = i;
        while (j < r->nedges && r->edges[j].src == r->edges[i].src) j++;
        if (j - i > 1) qsort_r(r->edges + i, j - i, sizeof *r->edges, cmp_edge, rank);
        i = j;
    }
    /* Two rules can draw the same edge (a ConfigMap mounted as a volume and
     * as a projected source): report it once. */
    size_t w = 0;
    for (size_t i = 0; i < r->nedges; i++)
        if (!w || cmp_edge(&r->edges[w - 1], &r->edges[i], rank) != 0) r->edges[w++] = r->edges[i];
    r->nedges = w;
    free(order);
    free(rank);
    if (f.has_sel) store_selector_release(g->s, &f.sel);
    free(f.kinds);
    return r;
fail:
    if (f.has_sel) store_selector_release(g->s, &f.sel);
    free(f.kinds);
    free(nodes.v);
    return NULL;
}

void graph_result_free(graph_result_t *r)
{
    if (!r) return;
    free(r->nodes);
    free(r->xy);
    free(r->edges);
    free(r->groups);
    free(r);
}

size_t graph_result_node_count(const graph_result_t *r)
{
    return r->nnodes;
}
size_t graph_result_edge_count(const graph_result_t *r)
{
    return r->nedges;
}
bool graph_result_truncated(const graph_result_t *r)
{
    return r->truncated;
}

void graph_result_node(const graph_result_t *r, size_t i, store_oid_t *o, double *x, double *y)
{
    *o = r->nodes[i];
    *x = r->xy[2 * i];
    *y = r->xy[2 * i + 1];
}

/* ---------------------------------------------------------------- JSON */

static bool plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return false;
    }
    return true;
}

/* A string value without the cost of escaping what needs none (every
 * Kubernetes name). */
static void put_str(buf_t *out, const char *s, size_t n)
{
    if (plain(s, n)) {
        buf_reserve(out, n + 2);
        out->data[out->len++] = '"';
        memcpy(out->data + out->len, s, n);
        out->len += n;
        out->data[out->len++] = '"';
        out->data[out->len] = '\0';
    } else
        buf_json_str(out, s, n);
}

static void put_id(const store_t *s, store_oid_t o, buf_t *out)
{
    const intern_t *t = store_strings((store_t *)s);
    uint32_t k = store_obj_kind(s, o), ns = store_obj_ns(s, o), nm = store_obj_name(s, o);
    const char *ks = intern_str(t, k), *nss = intern_str(t, ns), *nms = intern_str(t, nm);
    size_t kl = intern_len(t, k), nsl = intern_len(t, ns), nml = intern_len(t, nm);
    if (plain(ks, kl) && plain(nss, nsl) && plain(nms, nml)) {
        buf_reserve(out, kl + nsl + nml + 4);
        char *p = out->data + out->len;
        *p++ = '"';
        memcpy(p, ks, kl), p += kl;
        *p++ = '/';
        memcpy(p, nss, nsl), p += nsl;
        *p++ = '/';
        memcpy(p, nms, nml), p += nml;
        *p++ = '"';
        out->len = (size_t)(p - out->data);
        out->data[out->len] = '\0';
    } else {
        buf_t id = {0};
        store_obj_id(s, o, &id);
        buf_json_str(out, id.data, id.len);
        buf_free(&id);
    }
}

/* Append bytes already in out (reserve first: appending may move them). */
static void self_copy(buf_t *out, size_t at, size_t n)
{
    buf_reserve(out, n);
    memcpy(out->data + out->len, out->data + at, n);
    out->len += n;
    out->data[out->len] = '\0';
}

void graph_result_json(const graph_result_t *r, buf_t *out)
{
    graph_t *g = r->g;
    const store_t *s = g->s;
    const intern_t *t = g->str;
    buf_puts(out, "{\"cluster\":");
    buf_json_cstr(out, store_cluster(s));
    buf_printf(out, ",\"resourceVersion\":\"%llu\",\"truncated\":%s,\"nodes\":[", (unsigned long long)r->rv,
               r->truncated ? "true" : "false");
    /* Each node's quoted ID is written once and reused by the edges. */
    size_t *at = xmalloc((r->nnodes + 1) * sizeof *at), *len = xmalloc((r->nnodes + 1) * sizeof *len);
    for (size_t i = 0; i < r->nnodes; i++) {
        store_oid_t o = r->nodes[i];
        if (i) buf_putc(out, ',');
        buf_puts(out, "{\"id\":");
        at[i] = out->len;
        put_id(s, o, out);
        len[i] = out->len - at[i];
        uint32_t k = store_obj_kind(s, o), ns = store_obj_ns(s, o), nm = store_obj_name(s, o);
        buf_puts(out, ",\"kind\":");
        put_str(out, intern_str(t, k), intern_len(t, k));
        buf_puts(out, ",\"namespace\":");
        put_str(out, intern_str(t, ns), intern_len(t, ns));
        buf_puts(out, ",\"name\":");
        put_str(out, intern_str(t, nm), intern_len(t, nm));
        buf_puts(out, ",\"status\":\"");
        buf_puts(out, store_status_name(graph_node_status(g, o)));
        buf_putc(out, '"');
        const char *reason = graph_node_reason(g, o);
        if (*reason) {
            buf_puts(out, ",\"reason\":");
            put_str(out, reason, strlen(reason));
        }
        buf_puts(out, ",\"x\":");
        buf_put_i64(out, (int64_t)r->xy[2 * i]);
        buf_puts(out, ",\"y\":");
        buf_put_i64(out, (int64_t)r->xy[2 * i + 1]);
        buf_puts(out, ",\"group\":");
        put_str(out, intern_str(t, ns), intern_len(t, ns));
        if (g->n[o].nmiss) {
            buf_puts(out, ",\"missing\":");
            graph_node_missing_json(g, o, out);
        }
        buf_putc(out, '}');
    }
    buf_puts(out, "],\"edges\":[");
    for (size_t i = 0; i < r->nedges; i++) {
        const gpend_t *e = &r->edges[i];
        if (i) buf_putc(out, ',');
        buf_puts(out, "{\"source\":");
        self_copy(out, at[e->src], len[e->src]);
        buf_puts(out, ",\"target\":");
        self_copy(out, at[e->dst], len[e->dst]);
        buf_puts(out, ",\"type\":");
        const char *ty = graph_type_str(g, e->type);
        put_str(out, ty, strlen(ty));
        buf_putc(out, '}');
    }
    /* The frames and groups the layout drew, so a client draws what the SVG
     * export draws: kind (namespace, app, traffic, shared, other,
     * unattached, cluster), namespace, name, and the rectangle. */
    buf_puts(out, "],\"groups\":[");
    for (size_t i = 0; i < r->ngroups; i++) {
        const layout_group_t *gr = &r->groups[i];
        if (i) buf_putc(out, ',');
        buf_printf(out, "{\"kind\":\"%s\",\"namespace\":", layout_group_kind_name(gr->kind));
        put_str(out, intern_str(t, gr->ns), intern_len(t, gr->ns));
        buf_puts(out, ",\"name\":");
        if (gr->kind == LAYOUT_G_APP)
            put_str(out, intern_str(t, gr->app), intern_len(t, gr->app));
        else if (gr->kind == LAYOUT_G_NAMESPACE)
            put_str(out, intern_str(t, gr->ns), intern_len(t, gr->ns));
        else
            buf_json_cstr(out, gr->title ? gr->title : "");
        buf_printf(out, ",\"x\":%lld,\"y\":%lld,\"w\":%lld,\"h\":%lld}", (long long)gr->x, (long long)gr->y,
                   (long long)gr->w, (long long)gr->h);
    }
    buf_puts(out, "]}");
    free(at);
    free(len);
}

int graph_export(graph_t *g, const graph_query_t *q, const char *format, buf_t *out, err_t *err)
{
    if (!format) format = "json";
    if (strcmp(format, "json") != 0 && strcmp(format, "svg") != 0 && strcmp(format, "dot") != 0)
        return err_set(err, ERR_INVALID, "unknown export format '%s' (json, svg, dot)", format);
    graph_result_t *r = graph_query_run(g, q, err);
    if (!r) return err ? err->code : ERR_INVALID;
    if (format[0] == 'j')
        graph_result_json(r, out);
    else if (format[0] == 's')
        graph_result_svg(r, out);
    else
        graph_result_dot(r, out);
    graph_result_free(r);
    return 0;
}

/* ---------------------------------------------------------------- deltas as JSON */

static bool in_ns(const char *id, const char *ns)
{
    if (!ns) return true;
    const char *a = strchr(id, '/');
    if (!a) return false;
    const char *b = strchr(a + 1, '/');
    if (!b) return false;
    size_t n = (size_t)(b - a - 1);
    return n == 0 || (strlen(ns) == n && memcmp(a + 1, ns, n) == 0);
}

bool graph_delta_json(graph_t *g, const graph_delta_t *d, const char *sub, const char *ns, buf_t *out)
{
    size_t start = out->len, items = 0;
    buf_puts(out, "{\"sub\":");
    buf_json_cstr(out, sub ? sub : "");
    if (d->resync) {
        buf_puts(out, ",\"type\":\"resync\"}");
        return true;
    }
    buf_printf(out, ",\"type\":\"delta\",\"resourceVersion\":\"%llu\",\"nodes\":{\"upsert\":[",
               (unsigned long long)d->resource_version);
    size_t w = 0;
    for (size_t i = 0; i < d->n_nodes_upsert; i++) {
        store_oid_t o = d->nodes_upsert[i];
        uint32_t ons = store_obj_ns(g->s, o);
        if (ns && ons != 0 && strcmp(store_str(g->s, ons), ns) != 0) continue;
        if (w++) buf_putc(out, ',');
        graph_node_json(g, o, out);
    }
    items += w;
    buf_puts(out, "],\"remove\":[");
    w = 0;
    for (size_t i = 0; i < d->n_nodes_remove; i++) {
        if (!in_ns(d->nodes_remove[i], ns)) continue;
        if (w++) buf_putc(out, ',');
        buf_json_cstr(out, d->nodes_remove[i]);
    }
    items += w;
    for (int pass = 0; pass < 2; pass++) {
        const graph_edge_ref_t *e = pass ? d->edges_remove : d->edges_upsert;
        size_t n = pass ? d->n_edges_remove : d->n_edges_upsert;
        buf_puts(out, pass ? "],\"remove\":[" : "]},\"edges\":{\"upsert\":[");
        w = 0;
        for (size_t i = 0; i < n; i++) {
            if (!in_ns(e[i].source, ns) && !in_ns(e[i].target, ns)) continue;
            if (w++) buf_putc(out, ',');
            buf_puts(out, "{\"source\":");
            buf_json_cstr(out, e[i].source);
            buf_puts(out, ",\"target\":");
            buf_json_cstr(out, e[i].target);
            buf_puts(out, ",\"type\":");
            buf_json_cstr(out, e[i].type);
            buf_putc(out, '}');
        }
        items += w;
    }
    buf_puts(out, "]}}");
    if (!items) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- search */

typedef struct hit {
    size_t cluster;
    store_oid_t o;
    const store_t *s;
} hit_t;

static int cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;
    if (x->cluster != y->cluster) return x->cluster < y->cluster ? -1 : 1;
    return cmp_oid_id(&x->o, &y->o, (void *)x->s);
}

static bool icontains(const char *hay, const char *needle, size_t nl)
{
    if (!nl) return true;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == nl) return true;
    }
    return false;
}

void graph_search_json(graph_t *const *graphs, size_t n, const char *needle, size_t limit, buf_t *out)
{
    if (!limit) limit = 100;
    size_t nl = needle ? strlen(needle) : 0;
    hit_t *hits = NULL;
    size_t nh = 0, cap = 0;
    for (size_t c = 0; c < n; c++) {
        const store_t *s = graph_store(graphs[c]);
        uint32_t capo = store_capacity(s);
        for (store_oid_t o = 0; o < capo; o++) {
            if (!store_live(s, o) || !icontains(store_str(s, store_obj_name(s, o)), needle ? needle : "", nl))
                continue;
            if (nh == cap) {
                cap = cap ? cap * 2 : 64;
                hits = xrealloc(hits, cap * sizeof *hits);
            }
            hits[nh++] = (hit_t){c, o, s};
        }
    }
    if (nh > 1) qsort(hits, nh, sizeof *hits, cmp_hit);
    buf_puts(out, "{\"items\":[");
    for (size_t i = 0; i < nh && i < limit; i++) {
        const store_t *s = hits[i].s;
        store_oid_t o = hits[i].o;
        if (i) buf_putc(out, ',');
        buf_puts(out, "{\"cluster\":");
        buf_json_cstr(out, store_cluster(s));
        buf_puts(out, ",\"id\":");
        put_id(s, o, out);
        buf_puts(out, ",\"kind\":");
        buf_json_cstr(out, store_str(s, store_obj_kind(s, o)));
        buf_puts(out, ",\"namespace\":");
        buf_json_cstr(out, store_str(s, store_obj_ns(s, o)));
        buf_puts(out, ",\"name\":");
        buf_json_cstr(out, store_str(s, store_obj_name(s, o)));
        buf_printf(out, ",\"status\":\"%s\"}",
                   store_status_name(graph_node_status(graphs[hits[i].cluster], o)));
    }
    buf_printf(out, "],\"truncated\":%s}", nh > limit ? "true" : "false");
    free(hits);
}
