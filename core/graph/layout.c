/* layout.c — deterministic topology layout with a per-namespace cache.
 *
 * The picture, top to bottom: one frame per namespace (cluster-scoped
 * objects first, then namespaces by name); inside a frame one band per
 * application (app.kubernetes.io/part-of, …/name, app or k8s-app, inherited
 * from owners, and for Services and Ingresses from what they select or
 * route to), named applications by name, then the rest. Inside a band,
 * lanes from left to right follow traffic: Ingress/Gateway routes, then
 * Services and policies, then workloads, then configuration and storage,
 * then everything else. In a lane each object without an owner in view is
 * the root of an owner tree drawn downwards (owners above owned); the owned
 * objects of one owner, when they own nothing themselves, form a grid
 * ordered by creation time then name, so a new Pod lands in the next free
 * cell and nothing else moves. Trees are packed into shelves by kind then
 * name.
 *
 * Everything depends only on the graph, never on event order: orders are by
 * strings and creation times, never by handles or intern ids. Heights are
 * rounded up to a multiple of 4 rows so a band or frame that grows by a row
 * does not push the ones below it.
 *
 * Cache: a namespace laid out whole is kept with the graph's version of that
 * namespace (bumped by object adds, deletes, label and reference changes —
 * not by status-only churn) and reused until the version moves. A cluster
 * query therefore redoes only the namespaces that changed.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "graph/graph_int.h"

#define SLOT_W 220.0
#define SLOT_H 110.0
#define GRID_MAX 8
#define NLANES 5

static const int LANE_X[NLANES] = {0, 2, 6, 38, 46};
static const int LANE_W[NLANES] = {2, 4, 32, 8, 8};

typedef struct ns_layout {
    uint32_t ns;
    uint32_t version;
    uint32_t n;
    store_oid_t *oids;      /* in layout order */
    float *xy;              /* local slot coordinates (col,row) per node */
    layout_group_t *groups; /* local, in slots */
    uint32_t ngroups;
    uint32_t rows; /* frame height in rows, rounded */
} ns_layout_t;

struct layout_cache {
    tmap_t map; /* (ns,0,0) → index */
    ns_layout_t *e;
    uint32_t ne, cap;
    uint32_t *pos; /* scratch: oid → index */
    uint32_t *idx; /* scratch: oid → index in the caller's array */
    uint32_t poscap;
};

void layout_cache_free(layout_cache_t *c)
{
    if (!c) return;
    for (uint32_t i = 0; i < c->ne; i++) {
        free(c->e[i].oids);
        free(c->e[i].xy);
        free(c->e[i].groups);
    }
    free(c->e);
    free(c->pos);
    free(c->idx);
    tmap_free(&c->map);
    free(c);
}

size_t layout_cache_bytes(const layout_cache_t *c)
{
    if (!c) return 0;
    size_t b = tmap_bytes(&c->map) + (size_t)c->cap * sizeof *c->e + (size_t)c->poscap * 8;
    for (uint32_t i = 0; i < c->ne; i++)
        b += c->e[i].n * (sizeof(store_oid_t) + 2 * sizeof(float)) + c->e[i].ngroups * sizeof(layout_group_t);
    return b;
}

void layout_out_free(layout_out_t *o)
{
    free(o->xy);
    free(o->groups);
    free(o->order);
    memset(o, 0, sizeof *o);
}

/* ---------------------------------------------------------------- kinds */

static int lane_of(const char *kind)
{
    static const char *const lanes[NLANES - 1][12] = {
        {"Ingress.networking.k8s.io", "HTTPRoute.gateway.networking.k8s.io",
         "GRPCRoute.gateway.networking.k8s.io", "Gateway.gateway.networking.k8s.io", NULL},
        {"Service", "NetworkPolicy.networking.k8s.io", "PodDisruptionBudget.policy",
         "EndpointSlice.discovery.k8s.io", "Endpoints", NULL},
        {"Deployment.apps", "StatefulSet.apps", "DaemonSet.apps", "ReplicaSet.apps", "CronJob.batch",
         "Job.batch", "Pod", "HorizontalPodAutoscaler.autoscaling", "Node", NULL},
        {"ConfigMap", "Secret", "PersistentVolumeClaim", "PersistentVolume", "ServiceAccount",
         "StorageClass.storage.k8s.io", NULL},
    };
    for (int l = 0; l < NLANES - 1; l++)
        for (int i = 0; lanes[l][i]; i++)
            if (strcmp(kind, lanes[l][i]) == 0) return l;
    return NLANES - 1;
}

/* ---------------------------------------------------------------- application of an object */

static const char *const APP_LABELS[] = {"app.kubernetes.io/part-of", "app.kubernetes.io/name", "app",
                                         "k8s-app", NULL};

/* The application label keys as intern ids, looked up once per layout. */
typedef struct app_keys {
    uint32_t k[4];
} app_keys_t;

static void app_keys_init(const graph_t *g, app_keys_t *ak)
{
    for (int i = 0; APP_LABELS[i]; i++) ak->k[i] = intern_find(g->str, APP_LABELS[i], strlen(APP_LABELS[i]));
}

static const char *own_app_k(const graph_t *g, const app_keys_t *ak, store_oid_t o)
{
    for (int i = 0; i < 4; i++) {
        if (ak->k[i] == INTERN_NONE) continue;
        uint32_t v = store_obj_label(g->s, o, ak->k[i]);
        if (v != INTERN_NONE && v != 0) return store_str(g->s, v);
    }
    return NULL;
}

static const char *app_of_k(const graph_t *g, const app_keys_t *ak, store_oid_t o, int depth)
{
    const char *a = own_app_k(g, ak, o);
    if (a || depth > 3) return a;
    const gnode_t *n = &g->n[o];
    const char *best = NULL;
    /* Owners first: an owned object belongs with its owner. */
    for (uint32_t i = 0; i < n->ne; i++) {
        const gedge_t *e = &n->e[i];
        if ((e->tf & GE_OUT) || !graph_rule_is_owner(g, e->rule)) continue;
        const char *pa = app_of_k(g, ak, e->other, depth + 1);
        if (pa && (!best || strcmp(pa, best) < 0)) best = pa;
    }
    if (best) return best;
    /* Traffic objects join what they select or route to. */
    int lane = lane_of(store_str(g->s, store_obj_kind(g->s, o)));
    if (lane > 1) return NULL;
    for (uint32_t i = 0; i < n->ne; i++) {
        const gedge_t *e = &n->e[i];
        if (!(e->tf & GE_OUT)) continue;
        const char *t = graph_type_str(g, ge_type(e));
        if (strcmp(t, "selects") != 0 && strcmp(t, "routes") != 0) continue;
        const char *pa = depth < 1 ? app_of_k(g, ak, e->other, depth + 2) : own_app_k(g, ak, e->other);
        if (pa && (!best || strcmp(pa, best) < 0)) best = pa;
    }
    return best;
}

/* ---------------------------------------------------------------- one namespace */

typedef struct item {
    store_oid_t o;
    const char *app; /* NULL none */
    const char *kind, *name;
    uint32_t created;
    int lane;
    int parent; /* index into items or -1 */
    int first_child, next_sibling, nchildren;
    int w, h;  /* tree extent in slots */
    bool grid; /* children are drawn as a grid */
} item_t;

static int cmp_str_null_last(const char *a, const char *b)
{
    if (!a || !b) return a ? -1 : b ? 1 : 0;
    return strcmp(a, b);
}

static int cmp_id(const item_t *a, const item_t *b)
{
    int c = strcmp(a->kind, b->kind);
    return c ? c : strcmp(a->name, b->name);
}

static int cmp_root(const void *x, const void *y, void *ctx)
{
    const item_t *items = ctx, *a = &items[*(const int *)x], *b = &items[*(const int *)y];
    int c = cmp_str_null_last(a->app, b->app);
    if (c) return c;
    if (a->lane != b->lane) return a->lane - b->lane;
    return cmp_id(a, b);
}

static int cmp_child(const void *x, const void *y, void *ctx)
{
    const item_t *items = ctx, *a = &items[*(const int *)x], *b = &items[*(const int *)y];
    if (a->created != b->created) return a->created < b->created ? -1 : 1;
    return cmp_id(a, b);
}

static int pow2ceil(int n)
{
    int p = 1;
    while (p < n) p *= 2;
    return p;
}

static void measure(item_t *it, int i)
{
    item_t *t = &it[i];
    if (!t->nchildren) {
        t->w = t->h = 1;
        return;
    }
    bool all_leaves = true;
    for (int c = t->first_child; c >= 0; c = it[c].next_sibling) {
        measure(it, c);
        if (it[c].nchildren) all_leaves = false;
    }
    if (all_leaves) {
        int cols = pow2ceil(t->nchildren < GRID_MAX ? t->nchildren : GRID_MAX);
        if (cols > GRID_MAX) cols = GRID_MAX;
        t->grid = true;
        t->w = cols;
        t->h = 1 + (t->nchildren + cols - 1) / cols;
        return;
    }
    int w = 0, h = 0;
    for (int c = t->first_child; c >= 0; c = it[c].next_sibling) {
        w += it[c].w;
        if (it[c].h > h) h = it[c].h;
    }
    t->w = w ? w : 1;
    t->h = 1 + h;
}

static void place(item_t *it, int i, int x, int y, float *xy, store_oid_t *order, uint32_t *no)
{
    item_t *t = &it[i];
    xy[2 * i] = (float)x;
    xy[2 * i + 1] = (float)y;
    order[(*no)++] = (store_oid_t)i;
    if (t->grid) {
        int k = 0;
        for (int c = t->first_child; c >= 0; c = it[c].next_sibling, k++)
            place(it, c, x + k % t->w, y + 1 + k / t->w, xy, order, no);
        return;
    }
    int cx = x;
    for (int c = t->first_child; c >= 0; c = it[c].next_sibling) {
        place(it, c, cx, y + 1, xy, order, no);
        cx += it[c].w;
    }
}

static int round4(int rows)
{
    return (rows + 3) / 4 * 4;
}

/* Lay out nodes (all in namespace ns) into e: local slots, layout order. */
static void layout_ns(graph_t *g, uint32_t ns, const store_oid_t *nodes, uint32_t n, ns_layout_t *e)
{
    item_t *it = xcalloc(n ? n : 1, sizeof *it);
    layout_cache_t *c = g->layout;
    app_keys_t ak;
    app_keys_init(g, &ak);
    for (uint32_t i = 0; i < n; i++) {
        store_oid_t o = nodes[i];
        c->pos[o] = i;
        it[i] = (item_t){o,
                         app_of_k(g, &ak, o, 0),
                         store_str(g->s, store_obj_kind(g->s, o)),
                         store_str(g->s, store_obj_name(g->s, o)),
                         (uint32_t)store_obj_created(g->s, o),
                         0,
                         -1,
                         -1,
                         -1,
                         0,
                         1,
                         1,
                         false};
        it[i].lane = lane_of(it[i].kind);
    }
    graph_mark_begin(g);
    for (uint32_t i = 0; i < n; i++) graph_mark(g, nodes[i]);
    /* Tree parent: the owner in view with the same application and the
     * smallest ID. */
    for (uint32_t i = 0; i < n; i++) {
        const gnode_t *gn = &g->n[it[i].o];
        int best = -1;
        for (uint32_t k = 0; k < gn->ne; k++) {
            const gedge_t *ed = &gn->e[k];
            if ((ed->tf & GE_OUT) || !graph_rule_is_owner(g, ed->rule) || !graph_marked(g, ed->other))
                continue;
            if (store_obj_ns(g->s, ed->other) != ns) continue;
            int p = (int)c->pos[ed->other];
            if (cmp_str_null_last(it[p].app, it[i].app) != 0 || p == (int)i) continue;
            if (best < 0 || cmp_id(&it[p], &it[best]) < 0) best = p;
        }
        it[i].parent = best;
    }
    /* Break ownership cycles (malformed data) by making their members roots. */
    for (uint32_t i = 0; i < n; i++) {
        int p = it[i].parent, steps = 0;
        while (p >= 0 && steps < 64 && p != (int)i) p = it[p].parent, steps++;
        if (p == (int)i || steps == 64) it[i].parent = -1;
    }
    int *kids = xmalloc((n + 1) * sizeof *kids), *roots = xmalloc((n + 1) * sizeof *roots);
    int nroots = 0;
    /* Children per parent, sorted: collect then link. */
    int *cnt = xcalloc(n + 1, sizeof *cnt), *start = xcalloc(n + 2, sizeof *start);
    for (uint32_t i = 0; i < n; i++)
        if (it[i].parent >= 0)
            cnt[it[i].parent]++;
        else
            roots[nroots++] = (int)i;
    for (uint32_t i = 0; i < n; i++) start[i + 1] = start[i] + cnt[i];
    memset(cnt, 0, (n + 1) * sizeof *cnt);
    for (uint32_t i = 0; i < n; i++)
        if (it[i].parent >= 0) kids[start[it[i].parent] + cnt[it[i].parent]++] = (int)i;
    for (uint32_t i = 0; i < n; i++) {
        if (!cnt[i]) continue;
        if ((size_t)cnt[i] > 1) qsort_r(kids + start[i], (size_t)cnt[i], sizeof *kids, cmp_child, it);
        it[i].nchildren = cnt[i];
        it[i].first_child = kids[start[i]];
        for (int k = 0; k < cnt[i]; k++)
            it[kids[start[i] + k]].next_sibling = k + 1 < cnt[i] ? kids[start[i] + k + 1] : -1;
    }
    if ((size_t)nroots > 1) qsort_r(roots, (size_t)nroots, sizeof *roots, cmp_root, it);
    for (int r = 0; r < nroots; r++) measure(it, roots[r]);

    float *xy = xmalloc((n ? n : 1) * 2 * sizeof *xy);
    store_oid_t *order = xmalloc((n ? n : 1) * sizeof *order);
    uint32_t no = 0;
    layout_group_t *groups = NULL;
    uint32_t ngroups = 0;
    int y = 1; /* row 0: the namespace title */
    for (int r = 0; r < nroots;) {
        const char *app = it[roots[r]].app;
        int gy = y + 1; /* one row for the band's title */
        int lane_y[NLANES], lane_x[NLANES], shelf_h[NLANES], maxw = 0;
        for (int l = 0; l < NLANES; l++) lane_y[l] = gy, lane_x[l] = 0, shelf_h[l] = 0;
        int r0 = r;
        for (; r < nroots && cmp_str_null_last(it[roots[r]].app, app) == 0; r++) {
            item_t *t = &it[roots[r]];
            int l = t->lane;
            if (lane_x[l] > 0 && lane_x[l] + t->w > LANE_W[l]) {
                lane_y[l] += shelf_h[l];
                lane_x[l] = 0;
                shelf_h[l] = 0;
            }
            place(it, roots[r], LANE_X[l] + lane_x[l], lane_y[l], xy, order, &no);
            lane_x[l] += t->w;
            if (t->h > shelf_h[l]) shelf_h[l] = t->h;
            if (LANE_X[l] + lane_x[l] > maxw) maxw = LANE_X[l] + lane_x[l];
        }
        (void)r0;
        int bottom = gy;
        for (int l = 0; l < NLANES; l++)
            if (lane_y[l] + shelf_h[l] > bottom) bottom = lane_y[l] + shelf_h[l];
        int h = round4(bottom - y);
        groups = xrealloc(groups, (ngroups + 1) * sizeof *groups);
        uint32_t app_id = app ? intern_find(g->str, app, strlen(app)) : 0;
        groups[ngroups++] = (layout_group_t){ns,
                                             app_id == INTERN_NONE ? 0 : app_id,
                                             0,
                                             (double)y,
                                             (double)(maxw > LANE_X[NLANES - 1] + LANE_W[NLANES - 1]
                                                          ? maxw
                                                          : LANE_X[NLANES - 1] + LANE_W[NLANES - 1]),
                                             (double)h};
        y += h;
    }
    e->ns = ns;
    e->n = n;
    e->rows = (uint32_t)round4(y + 1);
    /* Store in layout order with positions re-indexed. */
    e->oids = xmalloc((n ? n : 1) * sizeof *e->oids);
    e->xy = xmalloc((n ? n : 1) * 2 * sizeof *e->xy);
    for (uint32_t k = 0; k < no; k++) {
        uint32_t i = order[k];
        e->oids[k] = it[i].o;
        e->xy[2 * k] = xy[2 * i];
        e->xy[2 * k + 1] = xy[2 * i + 1];
    }
    e->groups = groups;
    e->ngroups = ngroups;
    free(xy);
    free(order);
    free(kids);
    free(roots);
    free(cnt);
    free(start);
    free(it);
}

static void ns_layout_free(ns_layout_t *e)
{
    free(e->oids);
    free(e->xy);
    free(e->groups);
    memset(e, 0, sizeof *e);
}

/* ---------------------------------------------------------------- whole result */

typedef struct nsb {
    uint32_t ns;
    const char *name;
    uint32_t start, n; /* range in the bucketed node array */
} nsb_t;

static int cmp_nsb(const void *a, const void *b)
{
    return strcmp(((const nsb_t *)a)->name, ((const nsb_t *)b)->name);
}

void layout_run(graph_t *g, const store_oid_t *nodes, size_t n, bool whole_namespaces, layout_out_t *out)
{
    memset(out, 0, sizeof *out);
    if (!g->layout) g->layout = xcalloc(1, sizeof *g->layout);
    layout_cache_t *c = g->layout;
    uint32_t cap = store_capacity(g->s);
    if (c->poscap < cap) {
        /* Handle-indexed scratch, kept between queries: allocating (and
         * faulting in) megabytes per query would cost more than a small
         * query itself. */
        c->pos = xrealloc(c->pos, cap * sizeof *c->pos);
        c->idx = xrealloc(c->idx, cap * sizeof *c->idx);
        c->poscap = cap;
    }
    out->xy = xcalloc(n ? 2 * n : 2, sizeof *out->xy);
    out->order = xmalloc((n ? n : 1) * sizeof *out->order);
    /* Bucket by namespace. */
    tmap_t bm = {0};
    nsb_t *b = NULL;
    uint32_t nb = 0;
    uint32_t *bi = xmalloc((n ? n : 1) * sizeof *bi);
    for (size_t i = 0; i < n; i++) {
        uint32_t ns = store_obj_ns(g->s, nodes[i]);
        uint32_t k = tmap_get(&bm, ns, 0, 0);
        if (k == UINT32_MAX) {
            b = xrealloc(b, (nb + 1) * sizeof *b);
            b[nb] = (nsb_t){ns, store_str(g->s, ns), 0, 0};
            tmap_put(&bm, ns, 0, 0, nb);
            k = nb++;
        }
        b[k].n++;
        bi[i] = k;
    }
    uint32_t acc = 0;
    for (uint32_t k = 0; k < nb; k++) b[k].start = acc, acc += b[k].n, b[k].n = 0;
    store_oid_t *sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    uint32_t *orig = xmalloc((n ? n : 1) * sizeof *orig);
    for (size_t i = 0; i < n; i++) {
        nsb_t *x = &b[bi[i]];
        sorted[x->start + x->n] = nodes[i];
        orig[x->start + x->n] = (uint32_t)i;
        x->n++;
    }
    /* Index of each handle in the caller's array. */
    uint32_t *idx = c->idx;
    for (size_t i = 0; i < n; i++) idx[nodes[i]] = (uint32_t)i;
    if (nb > 1) qsort(b, nb, sizeof *b, cmp_nsb);
    double y0 = 0;
    size_t no = 0;
    for (uint32_t k = 0; k < nb; k++) {
        ns_layout_t tmp = {0}, *e = &tmp;
        uint32_t ver = graph_ns_version(g, b[k].ns);
        if (whole_namespaces) {
            uint32_t ci = tmap_get(&c->map, b[k].ns, 0, 0);
            if (ci == UINT32_MAX) {
                if (c->ne == c->cap) {
                    c->cap = c->cap ? c->cap * 2 : 16;
                    c->e = xrealloc(c->e, c->cap * sizeof *c->e);
                }
                ci = c->ne++;
                memset(&c->e[ci], 0, sizeof c->e[ci]);
                c->e[ci].version = UINT32_MAX;
                tmap_put(&c->map, b[k].ns, 0, 0, ci);
            }
            e = &c->e[ci];
            if (e->version != ver || e->n != b[k].n) {
                ns_layout_free(e);
                layout_ns(g, b[k].ns, sorted + b[k].start, b[k].n, e);
                e->version = ver;
            }
        } else {
            layout_ns(g, b[k].ns, sorted + b[k].start, b[k].n, e);
        }
        for (uint32_t i = 0; i < e->n; i++) {
            uint32_t at = idx[e->oids[i]];
            out->xy[2 * at] = e->xy[2 * i] * SLOT_W + SLOT_W / 2;
            out->xy[2 * at + 1] = (y0 + e->xy[2 * i + 1]) * SLOT_H + SLOT_H / 2;
            out->order[no++] = at;
        }
        out->groups = xrealloc(out->groups, (out->ngroups + e->ngroups) * sizeof *out->groups);
        for (uint32_t i = 0; i < e->ngroups; i++) {
            layout_group_t gr = e->groups[i];
            gr.x = gr.x * SLOT_W;
            gr.y = (y0 + gr.y) * SLOT_H;
            gr.w *= SLOT_W;
            gr.h *= SLOT_H;
            out->groups[out->ngroups++] = gr;
        }
        y0 += e->rows;
        if (e == &tmp) ns_layout_free(&tmp);
    }
    (void)orig;
    free(orig);
    free(sorted);
    free(bi);
    free(b);
    tmap_free(&bm);
}
