/* layout.c — deterministic, stable topology layout with a per-namespace cache.
 * Owner: the topology layout (layout.c and export.c share the geometry in
 * graph_int.h; query.c calls layout_run).
 *
 * The picture. The canvas holds one frame per namespace — the cluster-scoped
 * objects first, then namespaces by name — packed in shelves towards a 16:9
 * canvas. Inside a namespace frame:
 *
 *   ┌ namespace ───────────────────────────────────────────────────────┐
 *   │ [traffic of several apps] [app groups, packed 16:9] [shared]     │
 *   │ [unattached: objects without edges, a compact grid]              │
 *   └──────────────────────────────────────────────────────────────────┘
 *
 * An object's application is its app.kubernetes.io/part-of, …/name, app or
 * k8s-app label; else its owner's (transitively); else, for Services,
 * policies, HPAs and routes, the one application of what they select, scale
 * or route to (several → the "traffic" column on the left); else the name of
 * its unlabelled owner-tree root (a Deployment "foo" → group "foo"); else
 * the one application of its neighbours (several → the "shared" column on
 * the right: a ConfigMap two apps mount, a ServiceAccount). Objects with no
 * edge to anything in their namespace go to the unattached block below.
 *
 * Inside an application group, columns left to right follow traffic and
 * ownership — Ingress/routes, Service (its EndpointSlices below it),
 * policies, HPAs; workloads; ReplicaSets/Jobs; Pods; ConfigMaps, Secrets,
 * PVCs, ServiceAccounts, RoleBindings; Roles and other kinds — and rows are
 * cut into blocks, one per workload (owner-tree root). In a block each owned
 * level sits one row below and one column right of its owner (a staircase:
 * owners above owned, traffic left to right); the Pods of one owner form a
 * grid ordered by creation time then name, so a new Pod takes the next cell.
 * Block heights are rounded up to a step of a ladder with at least one free
 * row (3, 4, 6, 8, 12, 16, 24, …): growth lands in reserved rows and nothing below
 * moves until a block outgrows its step. Tall groups wrap their blocks into
 * several block columns.
 *
 * Everything depends only on the graph, never on event order: every order is
 * by kind, name and creation time, never by handle, intern id or hash.
 *
 * Cache: a namespace laid out whole is kept with the graph's version of that
 * namespace (bumped by object adds, deletes, label and reference changes —
 * not by status churn) and reused until the version moves; a cluster query
 * redoes only the namespaces that changed and re-packs the frames.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "graph/graph_int.h"

/* Geometry, pixels. A column holds a node box and the gap edges bend in. */
#define COL_W 250.0
#define ROW_H 84.0
#define GRP_PAD 16.0
#define GRP_TITLE 40.0
#define GRP_GAP 32.0  /* between groups, and between a group's block columns */
#define BLOCK_GAP 28.0 /* between the blocks (workloads) of a group */
#define NS_PAD 24.0
#define NS_TITLE 56.0
#define FRAME_GAP 64.0
#define ASPECT (16.0 / 9.0)

enum { L_ENTRY, L_TRAFFIC, L_WORKLOAD, L_REPLICA, L_POD, L_CONFIG, L_OTHER, NL };
enum { CAT_NONE, CAT_NODES, CAT_STORAGE, CAT_RBAC, CAT_NAMESPACES, CAT_OTHER, NCAT };
/* What an object was assigned to. */
enum { C_NONE, C_APP, C_ENTRY, C_SHARED, C_OTHER, C_LOOSE, C_CAT };

typedef struct kdef {
    const char *kind;
    uint8_t layer, cat;
} kdef_t;

/* Known kinds in display order (the order is their rank in every sort). */
static const kdef_t KINDS[] = {
    {"Ingress.networking.k8s.io", L_ENTRY, CAT_NONE},
    {"Gateway.gateway.networking.k8s.io", L_ENTRY, CAT_NONE},
    {"HTTPRoute.gateway.networking.k8s.io", L_ENTRY, CAT_NONE},
    {"GRPCRoute.gateway.networking.k8s.io", L_ENTRY, CAT_NONE},
    {"TLSRoute.gateway.networking.k8s.io", L_ENTRY, CAT_NONE},
    {"TCPRoute.gateway.networking.k8s.io", L_ENTRY, CAT_NONE},
    {"UDPRoute.gateway.networking.k8s.io", L_ENTRY, CAT_NONE},
    {"Service", L_TRAFFIC, CAT_NONE},
    {"EndpointSlice.discovery.k8s.io", L_TRAFFIC, CAT_NONE},
    {"Endpoints", L_TRAFFIC, CAT_NONE},
    {"HorizontalPodAutoscaler.autoscaling", L_TRAFFIC, CAT_NONE},
    {"PodDisruptionBudget.policy", L_TRAFFIC, CAT_NONE},
    {"NetworkPolicy.networking.k8s.io", L_TRAFFIC, CAT_NONE},
    {"Deployment.apps", L_WORKLOAD, CAT_NONE},
    {"StatefulSet.apps", L_WORKLOAD, CAT_NONE},
    {"DaemonSet.apps", L_WORKLOAD, CAT_NONE},
    {"CronJob.batch", L_WORKLOAD, CAT_NONE},
    {"Job.batch", L_WORKLOAD, CAT_NONE}, /* one column right when a CronJob owns it */
    {"ReplicaSet.apps", L_REPLICA, CAT_NONE},
    {"ControllerRevision.apps", L_REPLICA, CAT_NONE},
    {"Pod", L_POD, CAT_NONE},
    {"ConfigMap", L_CONFIG, CAT_NONE},
    {"Secret", L_CONFIG, CAT_NONE},
    {"PersistentVolumeClaim", L_CONFIG, CAT_NONE},
    {"ServiceAccount", L_CONFIG, CAT_NONE},
    {"RoleBinding.rbac.authorization.k8s.io", L_CONFIG, CAT_NONE},
    {"Role.rbac.authorization.k8s.io", L_OTHER, CAT_NONE},
    {"Node", L_OTHER, CAT_NODES},
    {"PersistentVolume", L_OTHER, CAT_STORAGE},
    {"StorageClass.storage.k8s.io", L_OTHER, CAT_STORAGE},
    {"CSIDriver.storage.k8s.io", L_OTHER, CAT_STORAGE},
    {"ClusterRoleBinding.rbac.authorization.k8s.io", L_OTHER, CAT_RBAC},
    {"ClusterRole.rbac.authorization.k8s.io", L_OTHER, CAT_RBAC},
    {"Namespace", L_OTHER, CAT_NAMESPACES},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

static const char *const CAT_TITLE[NCAT] = {"", "Nodes", "Storage", "RBAC", "Namespaces", "Other cluster-scoped"};

const char *layout_group_kind_name(int kind)
{
    static const char *const n[] = {"namespace", "app", "other", "traffic", "shared", "unattached", "cluster"};
    return kind >= 0 && kind < (int)(sizeof n / sizeof n[0]) ? n[kind] : "other";
}

/* ---------------------------------------------------------------- cache */

typedef struct ns_layout {
    uint32_t ns;
    uint32_t version;
    uint32_t n;
    store_oid_t *oids;      /* in layout order */
    float *xy;              /* node centres, relative to the frame's corner */
    layout_group_t *groups; /* relative to the frame's corner; [0] is the frame */
    uint32_t ngroups;
    double w, h; /* frame size */
} ns_layout_t;

struct layout_cache {
    tmap_t map; /* (ns,0,0) → index */
    ns_layout_t *e;
    uint32_t ne, cap;
    uint32_t *pos; /* scratch: oid → item index */
    uint32_t *idx; /* scratch: oid → index in the caller's array */
    uint32_t poscap;
};

static void ns_layout_free(ns_layout_t *e)
{
    free(e->oids);
    free(e->xy);
    free(e->groups);
    memset(e, 0, sizeof *e);
}

void layout_cache_free(layout_cache_t *c)
{
    if (!c) return;
    for (uint32_t i = 0; i < c->ne; i++) ns_layout_free(&c->e[i]);
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

/* ---------------------------------------------------------------- per-run context */

typedef struct kcache {
    uint32_t kind;
    uint16_t rank;
    uint8_t layer, cat;
} kcache_t;

typedef struct item {
    store_oid_t o;
    const char *kind, *name;
    uint32_t created;
    uint16_t rank;
    uint8_t layer, cat, cls;
    bool attached, placed;
    uint32_t app; /* intern id when cls is C_APP */
    int parent;   /* tree parent (an owner in view, same namespace) or -1 */
    int kid0, nkids; /* range in the sorted kids array */
    int grp, block, row, col;
    double x, y;
} item_t;

typedef struct grp {
    int cls;
    uint32_t app;
    int cat;
    int *m; /* members, in item order */
    int n, cap;
    double x, y, w, h;
} grp_t;

typedef struct lctx {
    graph_t *g;
    uint32_t appkey[4];
    uint32_t k_svc, k_endpoints;
    kcache_t *kc;
    size_t nkc, capkc;
    item_t *it;
    int n;
    int *kids; /* children of every item, grouped by parent */
    /* group placement scratch: per column, the rows taken in the block
     * being placed, and the row below the lowest one (fill) */
    int fill[NL];
    uint8_t *occ[NL];
    int occcap[NL];
    int lx[NL], pc;
} lctx_t;

static const char *const APP_LABELS[] = {"app.kubernetes.io/part-of", "app.kubernetes.io/name", "app", "k8s-app"};

static const kcache_t *kind_info(lctx_t *L, uint32_t kind)
{
    for (size_t i = 0; i < L->nkc; i++)
        if (L->kc[i].kind == kind) return &L->kc[i];
    if (L->nkc == L->capkc) {
        L->capkc = L->capkc ? 2 * L->capkc : 32;
        L->kc = xrealloc(L->kc, L->capkc * sizeof *L->kc);
    }
    kcache_t *k = &L->kc[L->nkc++];
    const char *s = store_str(L->g->s, kind);
    *k = (kcache_t){kind, (uint16_t)NKINDS, L_OTHER, CAT_OTHER};
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(KINDS[i].kind, s) == 0) {
            k->rank = (uint16_t)i;
            k->layer = KINDS[i].layer;
            k->cat = KINDS[i].cat ? KINDS[i].cat : CAT_OTHER;
            break;
        }
    return k;
}

static int cmp_item(const item_t *a, const item_t *b)
{
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    int c = strcmp(a->kind, b->kind);
    return c ? c : strcmp(a->name, b->name);
}

static int cmp_item_q(const void *x, const void *y)
{
    return cmp_item(x, y);
}

/* Children: owners of more things first (non-empty ReplicaSets before the
 * scaled-down ones), then creation time, then kind and name. */
static int cmp_kid(const void *x, const void *y, void *ctx)
{
    const item_t *it = ctx, *a = &it[*(const int *)x], *b = &it[*(const int *)y];
    if ((a->nkids > 0) != (b->nkids > 0)) return a->nkids > 0 ? -1 : 1;
    if (a->created != b->created) return a->created < b->created ? -1 : 1;
    return cmp_item(a, b);
}

static uint32_t own_app(const lctx_t *L, store_oid_t o)
{
    for (int i = 0; i < 4; i++) {
        if (L->appkey[i] == INTERN_NONE) continue;
        uint32_t v = store_obj_label(L->g->s, o, L->appkey[i]);
        if (v != INTERN_NONE && *store_str(L->g->s, v)) return v;
    }
    return INTERN_NONE;
}

/* The neighbour of edge e, as an item index, when it is in view and in the
 * same namespace (the layout of a namespace never depends on another). */
static int nb_item(const lctx_t *L, uint32_t ns, const gedge_t *e)
{
    if (!graph_marked(L->g, e->other) || store_obj_ns(L->g->s, e->other) != ns) return -1;
    return (int)L->g->layout->pos[e->other];
}

/* ---------------------------------------------------------------- assignment */

/* Application through the owner chain. */
static void chain_app(lctx_t *L, int i, int depth)
{
    item_t *t = &L->it[i];
    if (t->cls != C_NONE || t->parent < 0 || depth > 32) return;
    chain_app(L, t->parent, depth + 1);
    const item_t *p = &L->it[t->parent];
    if (p->cls == C_APP || p->cls == C_ENTRY) {
        t->cls = p->cls;
        t->app = p->app;
    }
}

/* Merge one neighbour's assignment into a running verdict: the first one
 * seen, or C_SHARED once two differ. */
static void merge(int *cls, uint32_t *app, int ncls, uint32_t napp)
{
    if (ncls == C_NONE || ncls == C_LOOSE || ncls == C_OTHER) return;
    if (*cls == C_NONE) {
        *cls = ncls;
        *app = napp;
    } else if (*cls != ncls || (ncls == C_APP && *app != napp))
        *cls = C_SHARED;
}

static void assign(lctx_t *L, uint32_t ns)
{
    graph_t *g = L->g;
    item_t *it = L->it;
    int n = L->n;
    for (int i = 0; i < n; i++) {
        uint32_t a = own_app(L, it[i].o);
        if (a != INTERN_NONE) it[i].cls = C_APP, it[i].app = a;
    }
    for (int i = 0; i < n; i++) chain_app(L, i, 0);
    /* Traffic objects: the one application of what they select, scale or
     * route to; several → the traffic column. Services and policies first,
     * then routes (which reach applications through Services). */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            item_t *t = &it[i];
            if (t->cls != C_NONE || t->parent >= 0) continue;
            if (t->layer != (pass ? L_ENTRY : L_TRAFFIC)) continue;
            int cls = C_NONE;
            uint32_t app = INTERN_NONE;
            const gnode_t *gn = &g->n[t->o];
            for (uint32_t k = 0; k < gn->ne; k++) {
                if (!(gn->e[k].tf & GE_OUT)) continue;
                int j = nb_item(L, ns, &gn->e[k]);
                if (j < 0 || it[j].layer == L_CONFIG) continue;
                merge(&cls, &app, it[j].cls, it[j].app);
            }
            if (cls == C_SHARED) cls = C_ENTRY;
            t->cls = (uint8_t)cls;
            t->app = app;
        }
    for (int i = 0; i < n; i++) chain_app(L, i, 0);
    /* Unlabelled owner trees: named after their root workload. */
    for (int i = 0; i < n; i++) {
        if (it[i].cls != C_NONE) continue;
        int r = i, steps = 0;
        while (it[r].parent >= 0 && steps++ < 64) r = it[r].parent;
        if (it[r].cls != C_NONE || it[r].layer < L_WORKLOAD || it[r].layer > L_POD) continue;
        if (!it[r].attached) continue;
        it[r].cls = C_APP;
        it[r].app = store_obj_name(g->s, it[r].o);
    }
    for (int i = 0; i < n; i++) chain_app(L, i, 0);
    /* The rest: the one application of their neighbours, several → shared.
     * Rounds see only the previous rounds' verdicts, so the result does not
     * depend on the order items are visited in. */
    int *cls = xmalloc((size_t)(n ? n : 1) * sizeof *cls);
    uint32_t *app = xmalloc((size_t)(n ? n : 1) * sizeof *app);
    for (int round = 0; round < 4; round++) {
        bool any = false;
        for (int i = 0; i < n; i++) {
            cls[i] = C_NONE;
            app[i] = INTERN_NONE;
            if (it[i].cls != C_NONE || !it[i].attached) continue;
            if (it[i].parent >= 0) merge(&cls[i], &app[i], it[it[i].parent].cls, it[it[i].parent].app);
            const gnode_t *gn = &g->n[it[i].o];
            for (uint32_t k = 0; k < gn->ne; k++) {
                int j = nb_item(L, ns, &gn->e[k]);
                if (j >= 0 && j != i) merge(&cls[i], &app[i], it[j].cls, it[j].app);
            }
        }
        for (int i = 0; i < n; i++)
            if (cls[i] != C_NONE) it[i].cls = (uint8_t)cls[i], it[i].app = app[i], any = true;
        if (!any) break;
    }
    free(cls);
    free(app);
    for (int i = 0; i < n; i++) {
        if (!it[i].attached)
            it[i].cls = C_LOOSE;
        else if (it[i].cls == C_NONE)
            it[i].cls = C_OTHER;
    }
}

/* ---------------------------------------------------------------- groups */

static void grp_add(grp_t *G, int i)
{
    if (G->n == G->cap) {
        G->cap = G->cap ? 2 * G->cap : 16;
        G->m = xrealloc(G->m, (size_t)G->cap * sizeof *G->m);
    }
    G->m[G->n++] = i;
}

/* Rows a block reserves: the next step of the ladder with at least one free
 * row, so growth by a row or two lands in reserved space. */
static int reserve_rows(int h)
{
    static const int steps[] = {6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] >= h + 1) return steps[i];
    return (h + 1 + 511) / 512 * 512;
}

/* Pod grid width for the largest number of Pods one owner has in a group:
 * a single column up to 6, then wider in steps so the width rarely changes. */
static int pod_cols(int n)
{
    return n <= 6 ? 1 : n <= 24 ? 2 : n <= 96 ? 4 : n <= 384 ? 8 : 16;
}

static bool grid_kid(const item_t *k)
{
    return k->layer == L_POD && k->nkids == 0;
}

/* Place item i's subtree (members of the same group and block) at row r or
 * below; returns the row below the subtree. */
static bool taken(const lctx_t *L, int l, int row)
{
    return row < L->occcap[l] && L->occ[l][row];
}

static void take(lctx_t *L, int l, int row)
{
    if (row >= L->occcap[l]) {
        int cap = L->occcap[l] ? L->occcap[l] : 64;
        while (cap <= row) cap *= 2;
        L->occ[l] = xrealloc(L->occ[l], (size_t)cap);
        memset(L->occ[l] + L->occcap[l], 0, (size_t)(cap - L->occcap[l]));
        L->occcap[l] = cap;
    }
    L->occ[l][row] = 1;
    if (row + 1 > L->fill[l]) L->fill[l] = row + 1;
}

static void block_reset(lctx_t *L)
{
    for (int l = 0; l < NL; l++) {
        if (L->occcap[l]) memset(L->occ[l], 0, (size_t)(L->fill[l] < L->occcap[l] ? L->fill[l] : L->occcap[l]));
        L->fill[l] = 0;
    }
}

static int place(lctx_t *L, int i, int r, int depth)
{
    item_t *it = L->it, *t = &it[i];
    int l = t->layer, row = r;
    while (taken(L, l, row)) row++;
    t->row = row;
    t->col = L->lx[l];
    t->placed = true;
    take(L, l, row);
    int bottom = row + 1;
    if (depth > 64) return bottom;
    int ng = 0;
    for (int k = 0; k < t->nkids; k++) {
        item_t *c = &it[L->kids[t->kid0 + k]];
        if (c->grp != t->grp || c->block != t->block || c->placed || !grid_kid(c)) continue;
        ng++;
    }
    if (ng) {
        int start = row + 1 > L->fill[L_POD] ? row + 1 : L->fill[L_POD], q = 0;
        for (int k = 0; k < t->nkids; k++) {
            item_t *c = &it[L->kids[t->kid0 + k]];
            if (c->grp != t->grp || c->block != t->block || c->placed || !grid_kid(c)) continue;
            c->row = start + q / L->pc;
            c->col = L->lx[L_POD] + q % L->pc;
            c->placed = true;
            take(L, L_POD, c->row);
            q++;
        }
        if (L->fill[L_POD] > bottom) bottom = L->fill[L_POD];
    }
    int r2 = row + 1;
    for (int k = 0; k < t->nkids; k++) {
        int ci = L->kids[t->kid0 + k];
        item_t *c = &it[ci];
        if (c->grp != t->grp || c->block != t->block || c->placed) continue;
        r2 = place(L, ci, r2, depth + 1);
        if (r2 > bottom) bottom = r2;
    }
    return bottom;
}

static bool in_grp(const lctx_t *L, int j, int gi)
{
    return j >= 0 && L->it[j].grp == gi;
}

/* An application group: layered columns, blocks per workload. */
static void layout_app_group(lctx_t *L, grp_t *G, int gi, uint32_t ns)
{
    graph_t *g = L->g;
    item_t *it = L->it;
    int maxpods = 1;
    bool used[NL] = {false};
    for (int k = 0; k < G->n; k++) {
        item_t *t = &it[G->m[k]];
        used[t->layer] = true;
        int np = 0;
        for (int q = 0; q < t->nkids; q++)
            if (grid_kid(&it[L->kids[t->kid0 + q]]) && it[L->kids[t->kid0 + q]].grp == gi) np++;
        if (np > maxpods) maxpods = np;
    }
    L->pc = pod_cols(maxpods);
    int w = 0;
    for (int l = 0; l < NL; l++) {
        L->lx[l] = w;
        if (used[l]) w += l == L_POD ? L->pc : 1;
    }
    /* Blocks: one per workload tree root, in item order. */
    int nb = 0;
    int *broot = xmalloc((size_t)(G->n + 1) * sizeof *broot);
    for (int k = 0; k < G->n; k++) {
        item_t *t = &it[G->m[k]];
        t->block = -1;
        bool root = !in_grp(L, t->parent, gi);
        if (root && ((t->layer >= L_WORKLOAD && t->layer <= L_POD) || (t->nkids && t->layer > L_TRAFFIC))) {
            broot[nb] = G->m[k];
            t->block = nb++;
        }
    }
    /* Everything else joins its owner's block, or the first block of its
     * neighbours in the group. */
    for (int pass = 0; pass < 4; pass++) {
        bool any = false;
        for (int k = 0; k < G->n; k++) {
            item_t *t = &it[G->m[k]];
            if (t->block >= 0) continue;
            int b = -1;
            if (in_grp(L, t->parent, gi))
                b = it[t->parent].block;
            else {
                const gnode_t *gn = &g->n[t->o];
                for (uint32_t e = 0; e < gn->ne; e++) {
                    int j = nb_item(L, ns, &gn->e[e]);
                    if (in_grp(L, j, gi) && it[j].block >= 0 && (b < 0 || it[j].block < b)) b = it[j].block;
                }
            }
            if (b >= 0) t->block = b, any = true;
        }
        if (!any) break;
    }
    int loose = -1;
    for (int k = 0; k < G->n; k++)
        if (it[G->m[k]].block < 0) {
            if (loose < 0) loose = nb++;
            it[G->m[k]].block = loose;
        }
    /* Members by block (stable: item order within a block). */
    int *start = xcalloc((size_t)nb + 1, sizeof *start), *bm = xmalloc((size_t)G->n * sizeof *bm);
    for (int k = 0; k < G->n; k++) start[it[G->m[k]].block + 1]++;
    for (int b = 0; b < nb; b++) start[b + 1] += start[b];
    int *fillp = xcalloc((size_t)nb + 1, sizeof *fillp);
    for (int k = 0; k < G->n; k++) {
        int b = it[G->m[k]].block;
        bm[start[b] + fillp[b]++] = G->m[k];
    }
    int *bh = xmalloc((size_t)nb * sizeof *bh);
    int total = 0;
    for (int b = 0; b < nb; b++) {
        block_reset(L);
        /* The block's root first; then the other top-level members beside
         * the first placed thing they touch: Services and policies beside
         * the Pods they select (so traffic runs along the Pods' rows, below
         * the workload and its ReplicaSets), an HPA beside its workload,
         * routes beside their Service, configuration beside its Pods. */
        if (b != loose) place(L, broot[b], 0, 0);
        static const int LORDER[NL] = {L_TRAFFIC, L_ENTRY, L_WORKLOAD, L_REPLICA, L_POD, L_CONFIG, L_OTHER};
        for (int lo = 0; lo < NL; lo++)
            for (int k = start[b]; k < start[b + 1]; k++) {
                item_t *t = &it[bm[k]];
                if (t->placed || t->layer != LORDER[lo] || in_grp(L, t->parent, gi)) continue;
                const gnode_t *gn = &g->n[t->o];
                int want = -1;
                for (uint32_t e = 0; e < gn->ne; e++) {
                    int j = nb_item(L, ns, &gn->e[e]);
                    if (in_grp(L, j, gi) && it[j].block == b && it[j].placed && (want < 0 || it[j].row < want))
                        want = it[j].row;
                }
                place(L, bm[k], want < 0 ? 0 : want, 0);
            }
        /* members whose owner is in the group but not in this block */
        for (int k = start[b]; k < start[b + 1]; k++)
            if (!it[bm[k]].placed) place(L, bm[k], 0, 0);
        /* Reserve rows only where scaling adds objects (ReplicaSets and
         * Jobs, Pods); the other columns take what they hold. */
        int hs = 0, hg = 0;
        for (int l = 0; l < NL; l++) {
            int f = L->fill[l];
            if (l == L_REPLICA || l == L_POD) {
                if (f > hg) hg = f;
            } else if (f > hs)
                hs = f;
        }
        bh[b] = hg ? reserve_rows(hg) : 0;
        if (hs > bh[b]) bh[b] = hs;
        total += bh[b];
    }
    /* Block columns: the count (1, 2, 4 or 8) bringing the group nearest
     * 16:9, blocks filled in order. */
    double wpx = w * COL_W;
    int k = 1;
    double best = 1e300;
    for (int c = 1; c <= 8 && c <= nb; c *= 2) {
        double rows = ceil((double)total / c), asp = (c * wpx + (c - 1) * GRP_GAP) / (rows * ROW_H);
        double score = fabs(log(asp / ASPECT));
        if (score < best - 1e-9) best = score, k = c;
    }
    int cap = (total + k - 1) / k, col = 0, y = 0;
    double maxh = 0, ypx = 0, *boff = xmalloc((size_t)nb * sizeof *boff);
    int *bcol = xmalloc((size_t)nb * sizeof *bcol);
    for (int b = 0; b < nb; b++) {
        if (y > 0 && y + bh[b] > cap) col++, y = 0, ypx = 0;
        if (y > 0) ypx += BLOCK_GAP; /* blocks of one column are set apart */
        boff[b] = ypx;
        bcol[b] = col;
        y += bh[b];
        ypx += bh[b] * ROW_H;
        if (ypx > maxh) maxh = ypx;
    }
    int ncols = col + 1;
    for (int q = 0; q < G->n; q++) {
        item_t *t = &it[G->m[q]];
        t->x = GRP_PAD + bcol[t->block] * (wpx + GRP_GAP) + t->col * COL_W + COL_W / 2;
        t->y = GRP_TITLE + boff[t->block] + t->row * ROW_H + ROW_H / 2;
    }
    G->w = 2 * GRP_PAD + ncols * wpx + (ncols - 1) * GRP_GAP;
    G->h = GRP_TITLE + maxh + GRP_PAD / 2;
    free(start);
    free(bm);
    free(fillp);
    free(bh);
    free(boff);
    free(bcol);
    free(broot);
}

/* A plain grid of the members in item order: row by row, or column by
 * column (stacks) when colmajor. */
static void layout_grid(lctx_t *L, grp_t *G, int cols, bool colmajor)
{
    if (cols < 1) cols = 1;
    int rows = (G->n + cols - 1) / cols;
    if (rows < 1) rows = 1;
    if (colmajor) cols = (G->n + rows - 1) / rows;
    if (cols < 1) cols = 1;
    for (int k = 0; k < G->n; k++) {
        item_t *t = &L->it[G->m[k]];
        int c = colmajor ? k / rows : k % cols, r = colmajor ? k % rows : k / cols;
        t->x = GRP_PAD + c * COL_W + COL_W / 2;
        t->y = GRP_TITLE + r * ROW_H + ROW_H / 2;
    }
    G->w = 2 * GRP_PAD + cols * COL_W;
    G->h = GRP_TITLE + rows * ROW_H + GRP_PAD / 2;
}

/* Columns for a grid of n cells nearest 16:9, rounded up to a power of two
 * so that it rarely changes. */
static int grid_cols(int n)
{
    double c = sqrt((double)n * ROW_H / COL_W * ASPECT);
    int p = 1;
    while (p < c) p *= 2;
    return p;
}

/* Shelf packing in the given order: left to right, a new shelf when the
 * width is exceeded; a rectangle that fits below the previous one within
 * the current shelf's height is stacked there instead. */
static void pack(double *x, double *y, const double *w, const double *h, int n, double width, double gap,
                 double *outw, double *outh)
{
    double cx = 0, sy = 0, sh = 0, colx = 0, colw = 0, coly = 0, maxw = 0;
    bool inshelf = false;
    for (int i = 0; i < n; i++) {
        if (inshelf && coly + gap + h[i] <= sh && w[i] <= colw) {
            x[i] = colx;
            y[i] = sy + coly + gap;
            coly += gap + h[i];
            continue;
        }
        if (inshelf && cx + w[i] > width) {
            sy += sh + gap;
            cx = 0;
            sh = 0;
        }
        x[i] = cx;
        y[i] = sy;
        colx = cx;
        colw = w[i];
        coly = h[i];
        cx += w[i] + gap;
        if (h[i] > sh) sh = h[i];
        if (x[i] + w[i] > maxw) maxw = x[i] + w[i];
        inshelf = true;
    }
    *outw = maxw;
    *outh = n ? sy + sh : 0;
}

/* Shelf packing at the width, among 1024·√2^k and the widest rectangle,
 * whose result (plus extra width beside it) comes nearest 16:9. The widths
 * tried form a coarse ladder, so small changes of the content rarely change
 * the choice. */
static void pack_best(double *x, double *y, const double *w, const double *h, int n, double gap, double extra,
                      double *outw, double *outh)
{
    double minw = 0, sum = 0;
    for (int i = 0; i < n; i++) {
        if (w[i] > minw) minw = w[i];
        sum += w[i] + gap;
    }
    double best = 1e300, bw = minw;
    for (double t = 1024, first = 1;; t *= M_SQRT2, first = 0) {
        double cand = first ? minw : t;
        if (!first && t <= minw) continue;
        double pw, ph;
        pack(x, y, w, h, n, cand, gap, &pw, &ph);
        double score = ph > 0 ? fabs(log((pw + extra) / ph / ASPECT)) : 0;
        if (score < best - 1e-9) best = score, bw = cand;
        if (cand >= sum) break;
    }
    pack(x, y, w, h, n, bw, gap, outw, outh);
}

static int cmp_grp(const void *a, const void *b, void *ctx)
{
    const grp_t *x = a, *y = b;
    const store_t *s = ctx;
    if (x->cls != y->cls) return x->cls < y->cls ? -1 : 1;
    if (x->cat != y->cat) return x->cat < y->cat ? -1 : 1;
    if (x->cls == C_APP && x->app != y->app) return strcmp(store_str(s, x->app), store_str(s, y->app));
    return 0;
}

static int group_kind(int cls)
{
    switch (cls) {
    case C_APP:
        return LAYOUT_G_APP;
    case C_ENTRY:
        return LAYOUT_G_TRAFFIC;
    case C_SHARED:
        return LAYOUT_G_SHARED;
    case C_LOOSE:
        return LAYOUT_G_UNATTACHED;
    case C_CAT:
        return LAYOUT_G_CLUSTER;
    default:
        return LAYOUT_G_OTHER;
    }
}

/* ---------------------------------------------------------------- one namespace */

static void layout_ns(graph_t *g, uint32_t ns, const store_oid_t *nodes, uint32_t n, ns_layout_t *e)
{
    layout_cache_t *c = g->layout;
    lctx_t L = {.g = g};
    for (int i = 0; i < 4; i++) L.appkey[i] = intern_find(g->str, APP_LABELS[i], strlen(APP_LABELS[i]));
    L.k_svc = intern_find(g->str, "Service", 7);
    L.k_endpoints = intern_find(g->str, "Endpoints", 9);
    item_t *it = xcalloc(n ? n : 1, sizeof *it);
    L.it = it;
    L.n = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        store_oid_t o = nodes[i];
        const kcache_t *k = kind_info(&L, store_obj_kind(g->s, o));
        it[i] = (item_t){.o = o,
                         .kind = store_str(g->s, k->kind),
                         .name = store_str(g->s, store_obj_name(g->s, o)),
                         .created = (uint32_t)store_obj_created(g->s, o),
                         .rank = k->rank,
                         .layer = k->layer,
                         .cat = k->cat,
                         .app = INTERN_NONE,
                         .parent = -1};
    }
    /* Item order is (kind rank, kind, name): independent of arrival. */
    if (n > 1) qsort(it, n, sizeof *it, cmp_item_q);
    graph_mark_begin(g);
    for (uint32_t i = 0; i < n; i++) {
        c->pos[it[i].o] = i;
        graph_mark(g, it[i].o);
    }
    /* Tree parent: the first owner in view (item order); Endpoints join the
     * Service of their name (no edge: the Endpoints controller sets no
     * owner, but they belong beside it). Attached: an edge to anything else
     * in view in the namespace. */
    for (uint32_t i = 0; i < n; i++) {
        const gnode_t *gn = &g->n[it[i].o];
        for (uint32_t k = 0; k < gn->ne; k++) {
            int j = nb_item(&L, ns, &gn->e[k]);
            if (j < 0 || j == (int)i) continue;
            it[i].attached = true;
            if (!(gn->e[k].tf & GE_OUT) && graph_rule_is_owner(g, gn->e[k].rule) &&
                (it[i].parent < 0 || j < it[i].parent))
                it[i].parent = j;
        }
        if (it[i].parent < 0 && ns != 0 && L.k_endpoints != INTERN_NONE && L.k_svc != INTERN_NONE &&
            store_obj_kind(g->s, it[i].o) == L.k_endpoints) {
            store_oid_t s = store_find_ids(g->s, L.k_svc, ns, store_obj_name(g->s, it[i].o));
            if (s != STORE_NONE && graph_marked(g, s)) {
                it[i].parent = (int)c->pos[s];
                it[i].attached = it[it[i].parent].attached = true;
            }
        }
    }
    /* Break ownership cycles (malformed data) by making their members roots. */
    for (uint32_t i = 0; i < n; i++) {
        int p = it[i].parent, steps = 0;
        while (p >= 0 && steps < 64 && p != (int)i) p = it[p].parent, steps++;
        if (p == (int)i || steps == 64) it[i].parent = -1;
    }
    /* Children lists, sorted. */
    L.kids = xmalloc((n ? n : 1) * sizeof *L.kids);
    int *cnt = xcalloc(n + 1, sizeof *cnt);
    for (uint32_t i = 0; i < n; i++)
        if (it[i].parent >= 0) it[it[i].parent].nkids++;
    int acc = 0;
    for (uint32_t i = 0; i < n; i++) it[i].kid0 = acc, acc += it[i].nkids;
    for (uint32_t i = 0; i < n; i++)
        if (it[i].parent >= 0) L.kids[it[it[i].parent].kid0 + cnt[it[i].parent]++] = (int)i;
    for (uint32_t i = 0; i < n; i++)
        if (it[i].nkids > 1) qsort_r(L.kids + it[i].kid0, (size_t)it[i].nkids, sizeof *L.kids, cmp_kid, it);
    free(cnt);
    /* Jobs a CronJob owns, and kinds the table does not know, take the column
     * right of their owner (or the workload column when they own things). */
    for (uint32_t i = 0; i < n; i++) {
        item_t *t = &it[i];
        if (strcmp(t->kind, "Job.batch") == 0 && t->parent >= 0) t->layer = L_REPLICA;
        if (t->rank == NKINDS) {
            if (t->parent >= 0) {
                int pl = it[t->parent].rank == NKINDS ? L_WORKLOAD : it[t->parent].layer;
                t->layer = (uint8_t)(pl + 1 < L_POD ? pl + 1 : L_POD);
            } else if (t->nkids)
                t->layer = L_WORKLOAD;
        }
    }

    /* Assign. */
    if (ns == 0) {
        for (uint32_t i = 0; i < n; i++) it[i].cls = C_CAT;
    } else
        assign(&L, ns);
    /* Groups. */
    grp_t *G = NULL;
    int ng = 0;
    tmap_t gm = {0};
    for (uint32_t i = 0; i < n; i++) {
        int cls = it[i].cls;
        uint32_t a = cls == C_APP ? it[i].app : 0, cat = cls == C_CAT ? it[i].cat : 0;
        uint32_t gi = tmap_get(&gm, (uint32_t)cls, a, cat);
        if (gi == UINT32_MAX) {
            G = xrealloc(G, (size_t)(ng + 1) * sizeof *G);
            G[ng] = (grp_t){.cls = cls, .app = a, .cat = (int)cat};
            gi = (uint32_t)ng++;
            tmap_put(&gm, (uint32_t)cls, a, cat, gi);
        }
        grp_add(&G[gi], (int)i);
    }
    tmap_free(&gm);
    if (ng > 1) qsort_r(G, (size_t)ng, sizeof *G, cmp_grp, g->s);
    for (int k = 0; k < ng; k++)
        for (int q = 0; q < G[k].n; q++) it[G[k].m[q]].grp = k;
    /* Lay out each group. */
    for (int k = 0; k < ng; k++) {
        if (G[k].cls == C_APP || G[k].cls == C_OTHER) layout_app_group(&L, &G[k], k, ns);
        if (G[k].cls == C_CAT) layout_grid(&L, &G[k], grid_cols(G[k].n), false);
    }
    /* Application groups (and the unassigned rest) packed towards 16:9. */
    int na = 0;
    for (int k = 0; k < ng; k++)
        if (G[k].cls == C_APP || G[k].cls == C_OTHER || G[k].cls == C_CAT) na++;
    double *px = xmalloc((size_t)(na + 1) * sizeof *px), *py = xmalloc((size_t)(na + 1) * sizeof *py),
           *pw = xmalloc((size_t)(na + 1) * sizeof *pw), *ph = xmalloc((size_t)(na + 1) * sizeof *ph);
    int *pk = xmalloc((size_t)(na + 1) * sizeof *pk);
    int q = 0;
    for (int k = 0; k < ng; k++)
        if (G[k].cls == C_APP || G[k].cls == C_OTHER || G[k].cls == C_CAT)
            pw[q] = G[k].w, ph[q] = G[k].h, pk[q++] = k;
    double aw = 0, ah = 0, side = 0;
    for (int k = 0; k < ng; k++)
        if (G[k].cls == C_ENTRY || G[k].cls == C_SHARED) side += COL_W + 2 * GRP_PAD + GRP_GAP;
    pack_best(px, py, pw, ph, na, GRP_GAP, side, &aw, &ah);
    /* Traffic and shared columns: stacks as tall as the application area. */
    int cap_rows = (int)floor((ah - GRP_TITLE) / ROW_H);
    if (cap_rows < 8) cap_rows = 8;
    double left = 0, right = 0, colh = ah;
    for (int k = 0; k < ng; k++) {
        if (G[k].cls != C_ENTRY && G[k].cls != C_SHARED) continue;
        layout_grid(&L, &G[k], (G[k].n + cap_rows - 1) / cap_rows, true);
        if (G[k].cls == C_ENTRY) left = G[k].w + GRP_GAP;
        if (G[k].cls == C_SHARED) right = G[k].w + (aw > 0 ? GRP_GAP : 0);
        if (G[k].h > colh) colh = G[k].h;
    }
    double cw = left + aw + right, y0 = NS_TITLE;
    for (int k = 0; k < ng; k++) {
        if (G[k].cls == C_ENTRY) G[k].x = NS_PAD, G[k].y = y0;
        if (G[k].cls == C_SHARED) G[k].x = NS_PAD + left + aw + (aw > 0 ? GRP_GAP : 0), G[k].y = y0;
    }
    for (int i = 0; i < na; i++) G[pk[i]].x = NS_PAD + left + px[i], G[pk[i]].y = y0 + py[i];
    double fh = y0 + colh;
    /* Unattached: a grid below, as wide as what is above it. */
    for (int k = 0; k < ng; k++) {
        if (G[k].cls != C_LOOSE) continue;
        int cols = cw > 0 ? (int)floor((cw - 2 * GRP_PAD) / COL_W) : grid_cols(G[k].n);
        if (cols < 1) cols = 1;
        layout_grid(&L, &G[k], cols, false);
        G[k].x = NS_PAD;
        G[k].y = fh + (cw > 0 ? GRP_GAP : 0);
        if (cw < G[k].w) cw = G[k].w;
        fh = G[k].y + G[k].h;
    }
    /* Store in group order with frame-relative positions. */
    e->ns = ns;
    e->n = n;
    e->w = cw + 2 * NS_PAD;
    e->h = fh + NS_PAD;
    e->oids = xmalloc((n ? n : 1) * sizeof *e->oids);
    e->xy = xmalloc((n ? n : 1) * 2 * sizeof *e->xy);
    e->groups = xmalloc((size_t)(ng + 1) * sizeof *e->groups);
    e->groups[0] = (layout_group_t){ns, 0, ns == 0 ? LAYOUT_G_CLUSTER : LAYOUT_G_NAMESPACE,
                                    ns == 0 ? "cluster-scoped" : NULL, 0, 0, e->w, e->h};
    e->ngroups = 1;
    uint32_t no = 0;
    for (int k = 0; k < ng; k++) {
        for (int i = 0; i < G[k].n; i++) {
            const item_t *t = &it[G[k].m[i]];
            e->oids[no] = t->o;
            e->xy[2 * no] = (float)(G[k].x + t->x);
            e->xy[2 * no + 1] = (float)(G[k].y + t->y);
            no++;
        }
        const char *title = G[k].cls == C_CAT      ? CAT_TITLE[G[k].cat]
                            : G[k].cls == C_ENTRY  ? "traffic (several apps)"
                            : G[k].cls == C_SHARED ? "shared (several apps)"
                            : G[k].cls == C_LOOSE  ? "unattached"
                            : G[k].cls == C_OTHER  ? "no application"
                                                   : NULL;
        e->groups[e->ngroups++] = (layout_group_t){
            ns, G[k].cls == C_APP ? G[k].app : 0, group_kind(G[k].cls), title, G[k].x, G[k].y, G[k].w, G[k].h};
        free(G[k].m);
    }
    free(G);
    free(px);
    free(py);
    free(pw);
    free(ph);
    free(pk);
    free(L.kids);
    free(L.kc);
    for (int l = 0; l < NL; l++) free(L.occ[l]);
    free(it);
}

/* ---------------------------------------------------------------- whole result */

typedef struct nsb {
    uint32_t ns;
    const char *name;
    uint32_t start, n; /* range in the bucketed node array */
    uint32_t ci;       /* cache index, or index into the temporaries */
    bool cached;
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
            b[nb] = (nsb_t){ns, store_str(g->s, ns), 0, 0, 0, false};
            tmap_put(&bm, ns, 0, 0, nb);
            k = nb++;
        }
        b[k].n++;
        bi[i] = k;
    }
    uint32_t acc = 0;
    for (uint32_t k = 0; k < nb; k++) b[k].start = acc, acc += b[k].n, b[k].n = 0;
    store_oid_t *sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        nsb_t *x = &b[bi[i]];
        sorted[x->start + x->n++] = nodes[i];
    }
    /* Index of each handle in the caller's array. */
    uint32_t *idx = c->idx;
    for (size_t i = 0; i < n; i++) idx[nodes[i]] = (uint32_t)i;
    if (nb > 1) qsort(b, nb, sizeof *b, cmp_nsb);
    /* Frames: from the cache or laid out now. */
    ns_layout_t *tmp = xcalloc(nb ? nb : 1, sizeof *tmp);
    for (uint32_t k = 0; k < nb; k++) {
        if (!whole_namespaces) {
            layout_ns(g, b[k].ns, sorted + b[k].start, b[k].n, &tmp[k]);
            b[k].ci = k;
            continue;
        }
        uint32_t ver = graph_ns_version(g, b[k].ns);
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
        ns_layout_t *e = &c->e[ci];
        if (e->version != ver || e->n != b[k].n) {
            ns_layout_free(e);
            layout_ns(g, b[k].ns, sorted + b[k].start, b[k].n, e);
            e->version = ver;
        }
        b[k].ci = ci;
        b[k].cached = true;
    }
    /* Frames packed towards 16:9, cluster-scoped first, then by name. */
    double *fx = xmalloc((nb + 1) * sizeof *fx), *fy = xmalloc((nb + 1) * sizeof *fy),
           *fw = xmalloc((nb + 1) * sizeof *fw), *fh = xmalloc((nb + 1) * sizeof *fh);
    size_t ngroups = 0;
    for (uint32_t k = 0; k < nb; k++) {
        const ns_layout_t *e = b[k].cached ? &c->e[b[k].ci] : &tmp[b[k].ci];
        fw[k] = e->w;
        fh[k] = e->h;
        ngroups += e->ngroups;
    }
    /* The cluster-scoped frame is a band across the top; namespaces are
     * packed below it. */
    double cw, chh;
    uint32_t first = nb && b[0].ns == 0 ? 1 : 0;
    pack_best(fx + first, fy + first, fw + first, fh + first, (int)(nb - first), FRAME_GAP, 0, &cw, &chh);
    if (first) {
        fx[0] = fy[0] = 0;
        for (uint32_t k = 1; k < nb; k++) fy[k] += fh[0] + FRAME_GAP;
    }
    out->groups = xmalloc((ngroups ? ngroups : 1) * sizeof *out->groups);
    size_t no = 0;
    for (uint32_t k = 0; k < nb; k++) {
        const ns_layout_t *e = b[k].cached ? &c->e[b[k].ci] : &tmp[b[k].ci];
        for (uint32_t i = 0; i < e->n; i++) {
            uint32_t at = idx[e->oids[i]];
            out->xy[2 * at] = fx[k] + e->xy[2 * i];
            out->xy[2 * at + 1] = fy[k] + e->xy[2 * i + 1];
            out->order[no++] = at;
        }
        for (uint32_t i = 0; i < e->ngroups; i++) {
            layout_group_t gr = e->groups[i];
            gr.x += fx[k];
            gr.y += fy[k];
            out->groups[out->ngroups++] = gr;
        }
    }
    for (uint32_t k = 0; k < nb; k++)
        if (!b[k].cached) ns_layout_free(&tmp[b[k].ci]);
    free(tmp);
    free(fx);
    free(fy);
    free(fw);
    free(fh);
    free(sorted);
    free(bi);
    free(b);
    tmap_free(&bm);
}
