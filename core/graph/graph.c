/* graph.c — relation rules compiled into indexes, and the edges they draw,
 * kept up to date one store event at a time; see graph.h and graph_int.h.
 *
 * What an event costs:
 *   new object X     derive X's own rules (its references, selectors, owner
 *                    references); look its labels up in the selector index
 *                    for selectors that match it; resolve the references
 *                    that were waiting for X's ID (missing index).
 *   changed X        only what changed: references/owners/fields changed →
 *                    re-derive X; labels changed → re-match selectors into
 *                    X (and X's label references); status changed →
 *                    propagate up the owner chain. FUNCTION rules run on
 *                    every change of their source kind.
 *   deleted X        drop X's edges; references other objects held to X
 *                    become missing again.
 * Nothing walks the whole graph on an event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "graph/graph_int.h"

#define RULE_BIT(k) (1u << (k))
#define ALL_RULES 0x1fu
#define EFF_DEPTH 8

static void on_upserted(void *ud, store_oid_t o, unsigned ch, const cJSON *obj);
static void on_removing(void *ud, store_oid_t o);
static void flush(graph_t *g, bool resync);

/* ---------------------------------------------------------------- small vectors */

#define VPUSH(arr, n, cap, val)                                                                              \
    do {                                                                                                     \
        if ((n) == (cap)) {                                                                                  \
            (cap) = (cap) ? (cap)*2 : 16;                                                                    \
            (arr) = xrealloc((arr), (cap) * sizeof *(arr));                                                  \
        }                                                                                                    \
        (arr)[(n)++] = (val);                                                                                \
    } while (0)

static void ensure_nodes(graph_t *g)
{
    uint32_t need = store_capacity(g->s);
    if (need <= g->ncap) return;
    uint32_t nc = g->ncap ? g->ncap : 1024;
    while (nc < need) nc *= 2;
    g->n = xrealloc(g->n, nc * sizeof *g->n);
    memset(g->n + g->ncap, 0, (nc - g->ncap) * sizeof *g->n);
    g->mark = xrealloc(g->mark, nc * sizeof *g->mark);
    memset(g->mark + g->ncap, 0, (nc - g->ncap) * sizeof *g->mark);
    g->ncap = nc;
    g->markcap = nc;
}

void graph_mark_begin(graph_t *g)
{
    ensure_nodes(g);
    if (++g->stamp == 0) {
        memset(g->mark, 0, g->markcap * sizeof *g->mark);
        g->stamp = 1;
    }
}

/* ---------------------------------------------------------------- lifecycle */

graph_t *graph_new(store_t *s)
{
    graph_t *g = xcalloc(1, sizeof *g);
    g->s = s;
    g->str = store_strings(s);
    plist_pool_init(&g->pool);
    plist_pool_init(&g->rkpool);
    g->sidx.pool = g->midx.pool = &g->pool;
    g->rk.pool = &g->rkpool;
    g->rk_any = plist_new(&g->rkpool);
    ensure_nodes(g);
    static const store_observer_t ob = {on_upserted, on_removing};
    store_set_observer(s, &ob, g);
    return g;
}

static void clear_edges_all(graph_t *g);
static void rules_free(graph_t *g);

void graph_free(graph_t *g)
{
    if (!g) return;
    store_set_observer(g->s, NULL, NULL);
    clear_edges_all(g);
    rules_free(g);
    for (uint32_t i = 0; i < g->ntypes; i++) intern_unref(g->str, g->types[i]);
    free(g->types);
    free(g->n);
    free(g->mark);
    free(g->qidx);
    free(g->sels);
    free(g->sel_free);
    free(g->inst);
    free(g->inst_free);
    tmap_free(&g->selmap);
    tmap_free(&g->rk.map);
    tmap_free(&g->sidx.map);
    tmap_free(&g->midx.map);
    tmap_free(&g->nsver);
    plist_pool_free(&g->pool);
    plist_pool_free(&g->rkpool);
    map_free(&g->slots);
    free(g->pup);
    free(g->prm);
    free(g->nup);
    free(g->nrm);
    arena_free(&g->arena);
    buf_free(&g->findbuf);
    layout_cache_free(g->layout);
    free(g);
}

store_t *graph_store(graph_t *g)
{
    return g->s;
}

void graph_set_fn_eval(graph_t *g, graph_fn_eval_t fn, void *ud)
{
    g->fn_eval = fn;
    g->fn_ud = ud;
}

void graph_set_listener(graph_t *g, graph_listener_fn fn, void *ud)
{
    g->listener = fn;
    g->listener_ud = ud;
}

uint32_t graph_ns_version(const graph_t *g, uint32_t ns)
{
    uint32_t v = tmap_get(&g->nsver, ns, 0, 0);
    return v == UINT32_MAX ? 0 : v;
}

static void bump_ns(graph_t *g, store_oid_t o)
{
    uint32_t ns = store_obj_ns(g->s, o);
    uint32_t v = tmap_get(&g->nsver, ns, 0, 0);
    tmap_put(&g->nsver, ns, 0, 0, v == UINT32_MAX ? 1 : (v + 1) % 0x7fffffffu);
}

/* ---------------------------------------------------------------- types and rules */

const char *graph_type_str(const graph_t *g, uint32_t type)
{
    return intern_str(g->str, g->types[type]);
}

static uint32_t type_index(graph_t *g, const char *t)
{
    uint32_t id = intern_find(g->str, t, strlen(t));
    for (uint32_t i = 0; id != INTERN_NONE && i < g->ntypes; i++)
        if (g->types[i] == id) return i;
    if (g->ntypes == GRAPH_MAX_TYPES) return UINT32_MAX;
    g->types = xrealloc(g->types, (g->ntypes + 1) * sizeof *g->types);
    g->types[g->ntypes] = intern_addz(g->str, t);
    return g->ntypes++;
}

bool graph_rule_is_owner(const graph_t *g, uint16_t rule)
{
    return rule < g->nrules && g->rules[rule].kind == SCRIPT_REL_OWNER;
}

static bool id_based(const grule_t *r)
{
    return r->kind == SCRIPT_REL_OWNER || r->kind == SCRIPT_REL_REF || r->kind == SCRIPT_REL_FUNCTION ||
           (r->kind == SCRIPT_REL_LABELREF && r->target_label == INTERN_NONE);
}

static bool selector_based(const grule_t *r)
{
    return r->kind == SCRIPT_REL_SELECTOR ||
           (r->kind == SCRIPT_REL_LABELREF && r->target_label != INTERN_NONE);
}

static bool kind_in(const grule_t *r, uint32_t kind)
{
    if (r->to_any) return true;
    for (uint32_t i = 0; i < r->nto; i++)
        if (r->to[i] == kind) return true;
    return false;
}

static void rules_free(graph_t *g)
{
    for (size_t i = 0; i < g->nrules; i++) {
        grule_t *r = &g->rules[i];
        if (r->from != INTERN_NONE) intern_unref(g->str, r->from);
        for (uint32_t j = 0; j < r->nto; j++) intern_unref(g->str, r->to[j]);
        intern_unref(g->str, r->label);
        intern_unref(g->str, r->target_label);
        free(r->to);
        free(r->slots);
    }
    free(g->rules);
    g->rules = NULL;
    g->nrules = 0;
    for (size_t i = 0; i < g->npaths; i++) script_path_free(&g->paths[i]);
    free(g->paths);
    g->paths = NULL;
    g->npaths = 0;
    free(g->specs);
    g->specs = NULL;
    /* rule index: its own pool, so lists read while deriving never move */
    tmap_free(&g->rk.map);
    plist_pool_free(&g->rkpool);
    plist_pool_init(&g->rkpool);
    g->rk_any = plist_new(&g->rkpool);
    g->has_fn = false;
}

/* A stable slot per (kind, path, mode, form): stable across reloads so the
 * store can tell which specs are new (store_stale_kinds). */
static uint32_t slot_for(graph_t *g, const char *kind, const char *path, int mode, int form)
{
    buf_t k = {0};
    buf_printf(&k, "%s\x1f%d\x1f%d\x1f%s", kind, mode, form, path);
    void *v = map_get(&g->slots, k.data, k.len);
    uint32_t slot;
    if (v)
        slot = (uint32_t)(uintptr_t)v - 1;
    else {
        slot = g->next_slot++;
        map_put(&g->slots, k.data, k.len, (void *)(uintptr_t)(slot + 1));
    }
    buf_free(&k);
    return slot;
}

typedef struct compiled {
    grule_t *rules;
    size_t nrules;
    script_path_t *paths;
    size_t npaths, cappaths;
    store_field_spec_t *specs;
    size_t nspecs, capspecs;
} compiled_t;

static uint32_t add_spec(graph_t *g, compiled_t *c, const char *kind, const char *text, int mode, int form,
                         err_t *err, const script_relation_t *r)
{
    script_path_t p;
    err_t e2;
    if (script_path_parse(text, &p, &e2) != 0) {
        err_set(err, ERR_INVALID, "%s %s:%d: %s", r->plugin ? r->plugin : "?", r->file ? r->file : "?",
                r->line, e2.msg);
        return UINT32_MAX;
    }
    VPUSH(c->paths, c->npaths, c->cappaths, p);
    store_field_spec_t sp = {slot_for(g, kind, text, mode, form), kind, NULL, mode, (script_sel_form_t)form};
    VPUSH(c->specs, c->nspecs, c->capspecs, sp);
    return sp.slot;
}

static void compiled_free(graph_t *g, compiled_t *c)
{
    for (size_t i = 0; i < c->nrules; i++) {
        grule_t *r = &c->rules[i];
        if (r->from != INTERN_NONE) intern_unref(g->str, r->from);
        for (uint32_t j = 0; j < r->nto; j++) intern_unref(g->str, r->to[j]);
        intern_unref(g->str, r->label);
        intern_unref(g->str, r->target_label);
        free(r->to);
        free(r->slots);
    }
    free(c->rules);
    for (size_t i = 0; i < c->npaths; i++) script_path_free(&c->paths[i]);
    free(c->paths);
    free(c->specs);
}

static int compile_rule(graph_t *g, compiled_t *c, const script_relation_t *r, grule_t *out, err_t *err)
{
    const char *plugin = r->plugin ? r->plugin : "?", *file = r->file ? r->file : "?";
#define BAD(...)                                                                                             \
    do {                                                                                                     \
        char m_[300];                                                                                        \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                                \
        return err_set(err, ERR_INVALID, "plugin %s %s:%d: %s", plugin, file, r->line, m_);                  \
    } while (0)
    memset(out, 0, sizeof *out);
    out->src = r;
    out->kind = r->rule;
    out->ns_slot = UINT32_MAX;
    out->label = out->target_label = INTERN_NONE;
    out->from = INTERN_NONE;
    if (r->rule < SCRIPT_REL_OWNER || r->rule > SCRIPT_REL_FUNCTION)
        BAD("unknown rule kind %d", (int)r->rule);
    if (!r->type || !*r->type) BAD("relation without an edge type");
    out->type = type_index(g, r->type);
    if (out->type == UINT32_MAX) BAD("too many edge types");
    if (!r->from || !*r->from) BAD("relation without a source kind (from)");
    if (strcmp(r->from, "*") != 0)
        out->from = intern_addz(g->str, r->from);
    else if (r->rule == SCRIPT_REL_SELECTOR || r->rule == SCRIPT_REL_REF)
        BAD("%s rules need a source kind, not '*'", r->rule == SCRIPT_REL_SELECTOR ? "selector" : "ref");
    out->to = r->nto ? xcalloc(r->nto, sizeof *out->to) : NULL;
    for (size_t i = 0; i < r->nto; i++) {
        if (!r->to[i] || strcmp(r->to[i], "*") == 0)
            out->to_any = true;
        else
            out->to[out->nto++] = intern_addz(g->str, r->to[i]);
    }
    if (!r->nto) out->to_any = true;
    if (r->rule == SCRIPT_REL_SELECTOR && !r->nto) BAD("selector relation needs a target kind (to)");
    const char *from = strcmp(r->from, "*") == 0 ? "*" : r->from;
    switch (r->rule) {
    case SCRIPT_REL_SELECTOR:
    case SCRIPT_REL_REF:
        if (!r->npaths) BAD("relation needs at least one path");
        out->slots = xcalloc(r->npaths, sizeof *out->slots);
        for (size_t i = 0; i < r->npaths; i++) {
            const char *text = r->paths[i].text;
            if (!text) BAD("path %zu without text", i);
            uint32_t slot = add_spec(g, c, from, text,
                                     r->rule == SCRIPT_REL_SELECTOR ? STORE_FIELD_SELECTOR : STORE_FIELD_REF,
                                     r->rule == SCRIPT_REL_SELECTOR ? (int)r->selector_form : 0, err, r);
            if (slot == UINT32_MAX) return ERR_INVALID;
            out->slots[out->nslots++] = slot;
        }
        if (r->rule == SCRIPT_REL_REF && r->namespace_path) {
            out->ns_slot = add_spec(g, c, from, r->namespace_path->text, STORE_FIELD_STRING, 0, err, r);
            if (out->ns_slot == UINT32_MAX) return ERR_INVALID;
        }
        out->cross_ns = r->cross_namespace;
        break;
    case SCRIPT_REL_LABELREF:
        if (!r->label || !*r->label) BAD("labelref relation needs a label");
        if (out->to_any && !r->target_label) BAD("labelref relation by name needs a target kind (to)");
        out->label = intern_addz(g->str, r->label);
        if (r->target_label) out->target_label = intern_addz(g->str, r->target_label);
        out->cross_ns = r->cross_namespace;
        break;
    case SCRIPT_REL_FUNCTION:
        if (!r->fn) BAD("function relation without a match function");
        break;
    default:
        break;
    }
    return 0;
#undef BAD
}

static void clear_edges_all(graph_t *g);
static void derive(graph_t *g, store_oid_t x, unsigned mask, const cJSON *obj);
static void refresh_eff(graph_t *g, store_oid_t x, int depth, bool force_parents);

int graph_set_rules(graph_t *g, const script_relation_t *rules, size_t n, err_t *err)
{
    compiled_t c = {0};
    c.rules = n ? xcalloc(n, sizeof *c.rules) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (i >= 65535) {
            compiled_free(g, &c);
            return err_set(err, ERR_LIMIT, "more than 65535 relation rules");
        }
        int rc = compile_rule(g, &c, &rules[i], &c.rules[c.nrules], err);
        c.nrules++;
        if (rc) {
            compiled_free(g, &c);
            /* The old FUNCTION rules point into the rule set being replaced:
             * stop calling them. */
            for (size_t j = 0; j < g->nrules; j++)
                if (g->rules[j].kind == SCRIPT_REL_FUNCTION) g->rules[j].src = NULL;
            return rc;
        }
    }
    clear_edges_all(g);
    rules_free(g);
    g->rules = c.rules;
    g->nrules = c.nrules;
    g->paths = c.paths;
    g->npaths = c.npaths;
    g->specs = c.specs;
    for (size_t i = 0; i < c.nspecs; i++) g->specs[i].path = &g->paths[i];
    store_set_fields(g->s, g->specs, c.nspecs);
    for (size_t i = 0; i < g->nrules; i++) {
        const grule_t *r = &g->rules[i];
        if (r->kind == SCRIPT_REL_FUNCTION) g->has_fn = true;
        if (r->kind == SCRIPT_REL_OWNER) {
            if (r->to_any) plist_add(&g->rkpool, g->rk_any, (uint32_t)i);
            for (uint32_t j = 0; j < r->nto; j++) pindex_add(&g->rk, r->to[j], 0, 0, (uint32_t)i);
        } else if (r->from == INTERN_NONE)
            plist_add(&g->rkpool, g->rk_any, (uint32_t)i);
        else
            pindex_add(&g->rk, r->from, 0, 0, (uint32_t)i);
    }
    /* Recompute every edge from the store. All objects exist already, so
     * deriving each object's own rules finds every edge: selectors select
     * what is there, references either resolve or are missing. */
    ensure_nodes(g);
    uint32_t cap = store_capacity(g->s);
    for (store_oid_t o = 0; o < cap; o++)
        if (store_live(g->s, o)) derive(g, o, ALL_RULES, NULL);
    for (store_oid_t o = 0; o < cap; o++)
        if (store_live(g->s, o)) g->n[o].eff = (uint8_t)store_obj_status(g->s, o);
    for (store_oid_t o = 0; o < cap; o++)
        if (store_live(g->s, o) && store_obj_status(g->s, o) >= STORE_STATUS_WARNING)
            refresh_eff(g, o, 0, true);
    for (uint32_t i = 0; i < g->nsver.cap; i++)
        if (g->nsver.s[i].v) g->nsver.s[i].v++;
    g->npup = g->nprm = g->nnup = g->nnrm = 0;
    flush(g, true);
    return 0;
}

/* ---------------------------------------------------------------- selector cache */

static uint32_t sel_get(graph_t *g, uint32_t text)
{
    uint32_t i = tmap_get(&g->selmap, text, 0, 0);
    if (i != UINT32_MAX) {
        g->sels[i].refs++;
        return i;
    }
    if (g->nsel_free)
        i = g->sel_free[--g->nsel_free];
    else {
        if (g->nsels == g->capsels) {
            g->capsels = g->capsels ? g->capsels * 2 : 64;
            g->sels = xrealloc(g->sels, g->capsels * sizeof *g->sels);
        }
        i = g->nsels++;
    }
    gsel_t *s = &g->sels[i];
    memset(s, 0, sizeof *s);
    s->text = text;
    intern_ref(g->str, text);
    s->refs = 1;
    s->ok = store_selector_parse(g->s, intern_str(g->str, text), intern_len(g->str, text), true, &s->sel,
                                 NULL) == 0;
    tmap_put(&g->selmap, text, 0, 0, i);
    return i;
}

static void sel_put(graph_t *g, uint32_t i)
{
    gsel_t *s = &g->sels[i];
    if (--s->refs) return;
    tmap_del(&g->selmap, s->text, 0, 0);
    if (s->ok) store_selector_release(g->s, &s->sel);
    intern_unref(g->str, s->text);
    memset(s, 0, sizeof *s);
    uint32_t cap = g->nsel_free + 1;
    g->sel_free = xrealloc(g->sel_free, cap * sizeof *g->sel_free);
    g->sel_free[g->nsel_free++] = i;
}

/* ---------------------------------------------------------------- deltas */

static void pend_edge(graph_t *g, store_oid_t src, store_oid_t dst, uint32_t type, bool up)
{
    if (!g->listener) return;
    gpend_t p = {src, dst, type};
    if (up)
        VPUSH(g->pup, g->npup, g->cappup, p);
    else
        VPUSH(g->prm, g->nprm, g->capprm, p);
}

static void pend_node(graph_t *g, store_oid_t o)
{
    if (g->listener) VPUSH(g->nup, g->nnup, g->capnup, o);
}

static int cmp_pend(const void *a, const void *b)
{
    const gpend_t *x = a, *y = b;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static char *arena_id(graph_t *g, store_oid_t o)
{
    buf_t b = {0};
    store_obj_id(g->s, o, &b);
    char *s = arena_strndup(&g->arena, b.data, b.len);
    buf_free(&b);
    return s;
}

static void flush(graph_t *g, bool resync)
{
    if (!g->listener) {
        g->npup = g->nprm = g->nnup = g->nnrm = 0;
        return;
    }
    if (!resync && !g->npup && !g->nprm && !g->nnup && !g->nnrm) return;
    /* Cancel an edge removed and re-added in the same event. */
    if (g->npup > 1) qsort(g->pup, g->npup, sizeof *g->pup, cmp_pend);
    if (g->nprm > 1) qsort(g->prm, g->nprm, sizeof *g->prm, cmp_pend);
    size_t i = 0, j = 0, nu = 0, nr = 0;
    while (i < g->npup || j < g->nprm) {
        int c = i == g->npup ? 1 : j == g->nprm ? -1 : cmp_pend(&g->pup[i], &g->prm[j]);
        if (c == 0)
            i++, j++;
        else if (c < 0)
            g->pup[nu++] = g->pup[i++];
        else
            g->prm[nr++] = g->prm[j++];
    }
    graph_edge_ref_t *eu = nu ? xcalloc(nu, sizeof *eu) : NULL, *er = nr ? xcalloc(nr, sizeof *er) : NULL;
    for (size_t k = 0; k < nu; k++)
        eu[k] = (graph_edge_ref_t){arena_id(g, g->pup[k].src), arena_id(g, g->pup[k].dst),
                                   graph_type_str(g, g->pup[k].type)};
    for (size_t k = 0; k < nr; k++)
        er[k] = (graph_edge_ref_t){arena_id(g, g->prm[k].src), arena_id(g, g->prm[k].dst),
                                   graph_type_str(g, g->prm[k].type)};
    if (g->nnup > 1) qsort(g->nup, g->nnup, sizeof *g->nup, cmp_u32);
    size_t nn = 0;
    for (size_t k = 0; k < g->nnup; k++) {
        uint32_t o = g->nup[k];
        if ((nn && g->nup[nn - 1] == o) || !store_live(g->s, o)) continue;
        g->nup[nn++] = o;
    }
    graph_delta_t d = {g->nup, nn, (const char *const *)g->nrm,  g->nnrm, eu, nu,
                       er,     nr, store_resource_version(g->s), resync};
    g->npup = g->nprm = g->nnup = g->nnrm = 0;
    g->listener(g, &d, g->listener_ud);
    free(eu);
    free(er);
    g->nnrm = 0;
    arena_reset(&g->arena);
}

/* ---------------------------------------------------------------- adjacency */

static void adj_push(graph_t *g, store_oid_t o, gedge_t e)
{
    gnode_t *n = &g->n[o];
    if (n->ne == n->ce) {
        n->ce = n->ce ? n->ce + n->ce / 2 + 1 : 4;
        n->e = xrealloc(n->e, n->ce * sizeof *n->e);
    }
    n->e[n->ne++] = e;
}

static void adj_shrink(gnode_t *n)
{
    if (n->ce > 16 && n->ne < n->ce / 4) {
        n->ce /= 2;
        n->e = xrealloc(n->e, n->ce * sizeof *n->e);
    } else if (n->ne == 0 && n->ce) {
        free(n->e);
        n->e = NULL;
        n->ce = 0;
    }
}

/* Swap-remove entry i of o's array; the entry moved into its place tells
 * its twin where it went. */
static void adj_take(graph_t *g, store_oid_t o, uint32_t i)
{
    gnode_t *n = &g->n[o];
    uint32_t last = --n->ne;
    if (i != last) {
        n->e[i] = n->e[last];
        g->n[n->e[i].other].e[n->e[i].mirror].mirror = i;
    }
}

/* Remove the edge whose copy is entry i of o's array, both copies. o's
 * array is not shrunk here (callers walking it shrink it when done). */
static gedge_t edge_remove_at(graph_t *g, store_oid_t o, uint32_t i)
{
    gedge_t e = g->n[o].e[i];
    adj_take(g, e.other, e.mirror);
    adj_shrink(&g->n[e.other]);
    adj_take(g, o, i);
    g->nedges--;
    return e;
}

static void edge_add(graph_t *g, store_oid_t deriver, store_oid_t other, uint16_t rule, uint32_t type,
                     bool deriver_src, bool dedupe)
{
    if (deriver == other) return;
    uint16_t tf = (uint16_t)(type << 2 | (deriver_src ? GE_OUT : 0) | GE_MINE);
    if (dedupe) {
        const gnode_t *n = &g->n[deriver];
        for (uint32_t i = 0; i < n->ne; i++)
            if (n->e[i].other == other && n->e[i].tf == tf) return;
    }
    uint32_t at_d = g->n[deriver].ne, at_o = g->n[other].ne;
    adj_push(g, deriver, (gedge_t){other, rule, tf, at_o});
    adj_push(g, other, (gedge_t){deriver, rule, (uint16_t)(type << 2 | (deriver_src ? 0 : GE_OUT)), at_d});
    g->nedges++;
    pend_edge(g, deriver_src ? deriver : other, deriver_src ? other : deriver, type, true);
}

/* ---------------------------------------------------------------- missing */

static void miss_add(graph_t *g, store_oid_t d, uint32_t kind, uint32_t ns, uint32_t name, uint16_t rule,
                     uint32_t type, bool deriver_src)
{
    gnode_t *n = &g->n[d];
    uint16_t tf = (uint16_t)(type << 2 | (deriver_src ? GE_OUT : 0));
    for (uint16_t i = 0; i < n->nmiss; i++) {
        const gmiss_t *m = &n->miss[i];
        if (m->kind == kind && m->ns == ns && m->name == name && m->tf == tf) return;
    }
    if (n->nmiss == UINT16_MAX) return;
    n->miss = xrealloc(n->miss, (n->nmiss + 1u) * sizeof *n->miss);
    n->miss[n->nmiss++] = (gmiss_t){kind, ns, name, rule, tf};
    intern_ref(g->str, kind);
    intern_ref(g->str, ns);
    intern_ref(g->str, name);
    pindex_add(&g->midx, kind, ns, name, d);
    g->nmissing++;
}

static void miss_drop(graph_t *g, store_oid_t d, uint16_t i)
{
    gnode_t *n = &g->n[d];
    gmiss_t m = n->miss[i];
    pindex_remove(&g->midx, m.kind, m.ns, m.name, d);
    intern_unref(g->str, m.kind);
    intern_unref(g->str, m.ns);
    intern_unref(g->str, m.name);
    n->miss[i] = n->miss[--n->nmiss];
    if (!n->nmiss) {
        free(n->miss);
        n->miss = NULL;
    }
    g->nmissing--;
}

/* Target of an ID-based rule: an edge when it exists, else missing. */
static void id_target(graph_t *g, store_oid_t d, uint16_t rule, uint32_t type, uint32_t kind, uint32_t ns,
                      uint32_t name, bool deriver_src)
{
    store_oid_t t = store_find_ids(g->s, kind, ns, name);
    if (t == STORE_NONE)
        miss_add(g, d, kind, ns, name, rule, type, deriver_src);
    else
        edge_add(g, d, t, rule, type, deriver_src, true);
}

/* X just appeared: references waiting for its ID become edges. */
static void resolve_missing(graph_t *g, store_oid_t x)
{
    uint32_t kind = store_obj_kind(g->s, x), ns = store_obj_ns(g->s, x), name = store_obj_name(g->s, x);
    const plist_t *l = pindex_get(&g->midx, kind, ns, name);
    if (!l) return;
    uint32_t nd = l->n, *ds = xmemdup(l->v, nd * sizeof *ds);
    for (uint32_t k = 0; k < nd; k++) {
        store_oid_t d = ds[k];
        gnode_t *n = &g->n[d];
        for (uint16_t i = n->nmiss; i-- > 0;) {
            gmiss_t m = n->miss[i];
            if (m.kind != kind || m.ns != ns || m.name != name) continue;
            miss_drop(g, d, i);
            edge_add(g, d, x, m.rule, m.tf >> 2, (m.tf & GE_OUT) != 0, true);
        }
        pend_node(g, d);
    }
    free(ds);
}

/* ---------------------------------------------------------------- selector instances */

static void inst_index(graph_t *g, uint32_t ii, bool add)
{
    const ginst_t *in = &g->inst[ii];
    const gsel_t *s = &g->sels[in->sel];
    if (in->anchor < 0) {
        if (add)
            pindex_add(&g->sidx, in->ns, INTERN_NONE, INTERN_NONE, ii);
        else
            pindex_remove(&g->sidx, in->ns, INTERN_NONE, INTERN_NONE, ii);
        return;
    }
    const store_req_t *r = &s->sel.reqs[in->anchor];
    for (uint32_t j = 0; j < r->nvals; j++) {
        if (add)
            pindex_add(&g->sidx, in->ns, r->key, r->vals[j], ii);
        else
            pindex_remove(&g->sidx, in->ns, r->key, r->vals[j], ii);
    }
}

typedef struct sel_ctx {
    graph_t *g;
    store_oid_t src;
    uint16_t rule;
    uint32_t type;
} sel_ctx_t;

static bool sel_found(store_oid_t t, void *ud)
{
    sel_ctx_t *c = ud;
    edge_add(c->g, c->src, t, c->rule, c->type, true, false);
    return true;
}

static void inst_add(graph_t *g, store_oid_t x, uint16_t rule, uint32_t text)
{
    uint32_t si = sel_get(g, text);
    if (!g->sels[si].ok) {
        sel_put(g, si);
        return;
    }
    uint32_t ii;
    if (g->ninst_free)
        ii = g->inst_free[--g->ninst_free];
    else {
        if (g->ninst == g->capinst) {
            g->capinst = g->capinst ? g->capinst * 2 : 64;
            g->inst = xrealloc(g->inst, g->capinst * sizeof *g->inst);
        }
        ii = g->ninst++;
    }
    const store_selector_t *sel = &g->sels[si].sel;
    /* Anchor on the IN requirement with the fewest values: independent of
     * the data, so the index does not depend on event order. */
    int anchor = -1;
    for (uint32_t i = 0; i < sel->nreqs; i++)
        if (sel->reqs[i].op == STORE_SEL_IN && (anchor < 0 || sel->reqs[i].nvals < sel->reqs[anchor].nvals))
            anchor = (int)i;
    g->inst[ii] = (ginst_t){x, si, store_obj_ns(g->s, x), rule, (int16_t)anchor};
    inst_index(g, ii, true);
    gnode_t *n = &g->n[x];
    n->inst = xrealloc(n->inst, (n->ninst + 1u) * sizeof *n->inst);
    n->inst[n->ninst++] = ii;
    g->live_inst++;
    const grule_t *r = &g->rules[rule];
    sel_ctx_t c = {g, x, rule, r->type};
    if (r->to_any) store_select(g->s, store_obj_ns(g->s, x), STORE_ANY, sel, sel_found, &c);
    for (uint32_t k = 0; k < r->nto; k++)
        store_select(g->s, store_obj_ns(g->s, x), r->to[k], sel, sel_found, &c);
}

static void inst_drop(graph_t *g, store_oid_t x, uint16_t i)
{
    gnode_t *n = &g->n[x];
    uint32_t ii = n->inst[i];
    inst_index(g, ii, false);
    sel_put(g, g->inst[ii].sel);
    g->inst[ii].src = STORE_NONE;
    if (g->ninst_free % 64 == 0)
        g->inst_free = xrealloc(g->inst_free, (g->ninst_free + 64) * sizeof *g->inst_free);
    g->inst_free[g->ninst_free++] = ii;
    n->inst[i] = n->inst[--n->ninst];
    if (!n->ninst) {
        free(n->inst);
        n->inst = NULL;
    }
    g->live_inst--;
}

/* X is new or its labels changed: find the selectors (and label
 * references) that match it now. */
static void selectors_into(graph_t *g, store_oid_t x)
{
    gnode_t *n = &g->n[x];
    for (uint32_t i = n->ne; i-- > 0;) {
        gedge_t e = n->e[i];
        if ((e.tf & (GE_MINE | GE_OUT)) || !selector_based(&g->rules[e.rule])) continue;
        edge_remove_at(g, x, i);
        n = &g->n[x];
        pend_edge(g, e.other, x, ge_type(&e), false);
    }
    adj_shrink(&g->n[x]);
    uint32_t ns = store_obj_ns(g->s, x), kind = store_obj_kind(g->s, x);
    const uint32_t *pairs;
    size_t nl = store_obj_labels(g->s, x, &pairs);
    for (size_t li = 0; li <= nl; li++) {
        const plist_t *l = li < nl ? pindex_get(&g->sidx, ns, pairs[2 * li], pairs[2 * li + 1])
                                   : pindex_get(&g->sidx, ns, INTERN_NONE, INTERN_NONE);
        if (!l) continue;
        for (uint32_t k = 0; k < l->n; k++) {
            const ginst_t *in = &g->inst[l->v[k]];
            const grule_t *r = &g->rules[in->rule];
            if (in->src == x || !kind_in(r, kind)) continue;
            if (!store_selector_matches(g->s, &g->sels[in->sel].sel, x)) continue;
            edge_add(g, in->src, x, in->rule, r->type, true, false);
        }
    }
}

/* ---------------------------------------------------------------- deriving */

static void derived_clear(graph_t *g, store_oid_t x, unsigned mask)
{
    gnode_t *n = &g->n[x];
    for (uint32_t i = n->ne; i-- > 0;) {
        gedge_t e = n->e[i];
        if (!(e.tf & GE_MINE) || !(mask & RULE_BIT(g->rules[e.rule].kind))) continue;
        edge_remove_at(g, x, i);
        n = &g->n[x];
        if (e.tf & GE_OUT)
            pend_edge(g, x, e.other, ge_type(&e), false);
        else
            pend_edge(g, e.other, x, ge_type(&e), false);
    }
    adj_shrink(&g->n[x]);
    for (uint16_t i = g->n[x].nmiss; i-- > 0;)
        if (mask & RULE_BIT(g->rules[g->n[x].miss[i].rule].kind)) miss_drop(g, x, i);
    for (uint16_t i = g->n[x].ninst; i-- > 0;)
        if (mask & RULE_BIT(g->rules[g->inst[g->n[x].inst[i]].rule].kind)) inst_drop(g, x, i);
}

static uint32_t target_ns(graph_t *g, uint32_t kind, uint32_t dflt)
{
    return store_kind_scope(g->s, kind) == 0 ? 0 : dflt;
}

static void derive_owner(graph_t *g, store_oid_t x, uint16_t ri, const grule_t *r)
{
    const store_owner_t *ow;
    size_t n = store_obj_owners(g->s, x, &ow);
    uint32_t ns = store_obj_ns(g->s, x);
    for (size_t i = 0; i < n; i++) {
        if (r->from != INTERN_NONE && ow[i].kind != r->from) continue;
        uint32_t tns = target_ns(g, ow[i].kind, ns);
        store_oid_t t = store_find_ids(g->s, ow[i].kind, tns, ow[i].name);
        if (t == STORE_NONE && tns != 0) {
            t = store_find_ids(g->s, ow[i].kind, 0, ow[i].name);
            if (t != STORE_NONE) tns = 0;
        }
        id_target(g, x, ri, r->type, ow[i].kind, tns, ow[i].name, false);
    }
}

static void derive_fields(graph_t *g, store_oid_t x, uint16_t ri, const grule_t *r)
{
    const store_fv_t *fv;
    size_t n = store_obj_fields(g->s, x, &fv);
    uint32_t ns = store_obj_ns(g->s, x), ns_override = UINT32_MAX;
    if (r->ns_slot != UINT32_MAX)
        for (size_t i = 0; i < n; i++)
            if (store_fv_slot(&fv[i]) == r->ns_slot && store_fv_tag(&fv[i]) == STORE_FV_STR) {
                ns_override = fv[i].a;
                break;
            }
    for (size_t i = 0; i < n; i++) {
        uint32_t slot = store_fv_slot(&fv[i]);
        bool mine = false;
        for (uint32_t k = 0; k < r->nslots && !mine; k++) mine = r->slots[k] == slot;
        if (!mine) continue;
        uint32_t tag = store_fv_tag(&fv[i]);
        if (r->kind == SCRIPT_REL_SELECTOR) {
            if (tag == STORE_FV_SEL) inst_add(g, x, ri, fv[i].a);
            continue;
        }
        if (tag != STORE_FV_REF) continue;
        uint32_t dns = (fv[i].slot_tag & STORE_FV_HAS_NS) ? fv[i].c
                       : ns_override != UINT32_MAX        ? ns_override
                       : r->cross_ns                      ? 0
                                                          : ns;
        if (fv[i].b) {
            if (!kind_in(r, fv[i].b)) continue;
            id_target(g, x, ri, r->type, fv[i].b, target_ns(g, fv[i].b, dns), fv[i].a, true);
        } else {
            for (uint32_t k = 0; k < r->nto; k++)
                id_target(g, x, ri, r->type, r->to[k], target_ns(g, r->to[k], dns), fv[i].a, true);
        }
    }
}

static void derive_labelref(graph_t *g, store_oid_t x, uint16_t ri, const grule_t *r)
{
    uint32_t v = store_obj_label(g->s, x, r->label);
    if (v == INTERN_NONE || v == 0) return;
    if (r->target_label == INTERN_NONE) {
        uint32_t ns = r->cross_ns ? 0 : store_obj_ns(g->s, x);
        for (uint32_t k = 0; k < r->nto; k++)
            id_target(g, x, ri, r->type, r->to[k], target_ns(g, r->to[k], ns), v, true);
        return;
    }
    buf_t t = {0};
    buf_printf(&t, "%s=%s", intern_str(g->str, r->target_label), intern_str(g->str, v));
    uint32_t text = intern_add(g->str, t.data, t.len);
    inst_add(g, x, ri, text);
    intern_unref(g->str, text);
    buf_free(&t);
}

typedef struct fn_ctx {
    graph_t *g;
    store_oid_t x;
    uint16_t rule;
} fn_ctx_t;

static void fn_emit(const char *target_id, const char *type, void *ud)
{
    fn_ctx_t *c = ud;
    graph_t *g = c->g;
    const char *a = target_id ? strchr(target_id, '/') : NULL;
    const char *b = a ? strchr(a + 1, '/') : NULL;
    if (!b || !b[1] || a == target_id) return;
    uint32_t t = type && *type ? type_index(g, type) : g->rules[c->rule].type;
    if (t == UINT32_MAX) return;
    uint32_t kind = intern_add(g->str, target_id, (size_t)(a - target_id));
    uint32_t ns = intern_add(g->str, a + 1, (size_t)(b - a - 1));
    uint32_t name = intern_add(g->str, b + 1, strlen(b + 1));
    id_target(g, c->x, c->rule, t, kind, ns, name, true);
    intern_unref(g->str, kind);
    intern_unref(g->str, ns);
    intern_unref(g->str, name);
}

static const char *fn_find(const char *kind, const char *ns, const char *name, size_t *len, void *ud)
{
    fn_ctx_t *c = ud;
    graph_t *g = c->g;
    intern_t *t = g->str;
    store_oid_t o =
        store_find_ids(g->s, intern_find(t, kind, strlen(kind)),
                       intern_find(t, ns ? ns : "", ns ? strlen(ns) : 0), intern_find(t, name, strlen(name)));
    if (o == STORE_NONE) return NULL;
    buf_reset(&g->findbuf);
    graph_projection_json(g, o, &g->findbuf);
    *len = g->findbuf.len;
    return g->findbuf.data;
}

static void derive_fn(graph_t *g, store_oid_t x, uint16_t ri, const grule_t *r, const cJSON *obj, char **json,
                      size_t *jlen)
{
    if (!g->fn_eval || !r->src) return;
    if (!*json) {
        if (obj) {
            *json = cJSON_PrintUnformatted(obj);
            *jlen = *json ? strlen(*json) : 0;
        } else {
            buf_t b = {0};
            graph_projection_json(g, x, &b);
            *jlen = b.len;
            *json = buf_steal(&b);
        }
        if (!*json) return;
    }
    fn_ctx_t c = {g, x, ri};
    err_t err = {0};
    if (g->fn_eval(g->fn_ud, r->src, *json, *jlen, fn_find, fn_emit, &c, &err) != 0) {
        g->fn_errors++;
        log_warn("relation rule failed", "plugin=%s line=%d error=%s", r->src->plugin, r->src->line, err.msg);
    }
}

/* Recompute the edges x derives from the rules whose kinds are in mask. */
static void derive(graph_t *g, store_oid_t x, unsigned mask, const cJSON *obj)
{
    derived_clear(g, x, mask);
    uint32_t kind = store_obj_kind(g->s, x);
    const plist_t *lists[2] = {pindex_get(&g->rk, kind, 0, 0), &g->rkpool.l[g->rk_any]};
    char *json = NULL;
    size_t jlen = 0;
    for (int li = 0; li < 2; li++) {
        const plist_t *l = lists[li];
        for (uint32_t k = 0; l && k < l->n; k++) {
            uint16_t ri = (uint16_t)l->v[k];
            const grule_t *r = &g->rules[ri];
            if (!(mask & RULE_BIT(r->kind))) continue;
            switch (r->kind) {
            case SCRIPT_REL_OWNER:
                derive_owner(g, x, ri, r);
                break;
            case SCRIPT_REL_SELECTOR:
            case SCRIPT_REL_REF:
                derive_fields(g, x, ri, r);
                break;
            case SCRIPT_REL_LABELREF:
                derive_labelref(g, x, ri, r);
                break;
            case SCRIPT_REL_FUNCTION:
                derive_fn(g, x, ri, r, obj, &json, &jlen);
                break;
            }
        }
    }
    free(json);
}

/* ---------------------------------------------------------------- status */

int graph_node_status(const graph_t *g, store_oid_t o)
{
    return g->n[o].eff;
}

const char *graph_node_reason(const graph_t *g, store_oid_t o)
{
    int own = store_obj_status(g->s, o);
    if (g->n[o].eff > own && g->n[o].eff_reason) return intern_str(g->str, g->n[o].eff_reason);
    return store_obj_reason(g->s, o);
}

/* The leaf reason a parent shows for an unhealthy child. */
static uint32_t child_reason(const graph_t *g, store_oid_t c)
{
    if (store_obj_status(g->s, c) >= STORE_STATUS_WARNING) {
        const char *r = store_obj_reason(g->s, c);
        return intern_find(g->str, r, strlen(r));
    }
    return g->n[c].eff_reason;
}

static void refresh_eff(graph_t *g, store_oid_t x, int depth, bool force_parents)
{
    gnode_t *n = &g->n[x];
    int own = store_obj_status(g->s, x), best = own;
    uint32_t reason = 0;
    int worst = -1;
    const char *wr = NULL;
    for (uint32_t i = 0; i < n->ne; i++) {
        const gedge_t *e = &n->e[i];
        if (!(e->tf & GE_OUT) || g->rules[e->rule].kind != SCRIPT_REL_OWNER) continue;
        int ce = g->n[e->other].eff;
        if (ce < STORE_STATUS_WARNING) continue;
        uint32_t cr = child_reason(g, e->other);
        const char *crs = cr != INTERN_NONE ? intern_str(g->str, cr) : "";
        /* Deterministic pick: most severe, then the smallest reason text. */
        if (ce > worst || (ce == worst && strcmp(crs, wr) < 0)) {
            worst = ce;
            wr = crs;
            reason = cr == INTERN_NONE ? 0 : cr;
        }
    }
    if (worst >= STORE_STATUS_WARNING && best < STORE_STATUS_WARNING) best = STORE_STATUS_WARNING;
    if (best == own) reason = 0;
    bool changed = n->eff != best || n->eff_reason != reason;
    if (changed) {
        if (reason) intern_ref(g->str, reason);
        intern_unref(g->str, n->eff_reason);
        n->eff = (uint8_t)best;
        n->eff_reason = reason;
        pend_node(g, x);
    }
    if ((!changed && !force_parents) || depth >= EFF_DEPTH) return;
    n = &g->n[x];
    for (uint32_t i = 0; i < n->ne; i++) {
        const gedge_t *e = &n->e[i];
        if ((e->tf & GE_OUT) || g->rules[e->rule].kind != SCRIPT_REL_OWNER) continue;
        refresh_eff(g, e->other, depth + 1, false);
        n = &g->n[x];
    }
}

/* ---------------------------------------------------------------- store events */

static void on_upserted(void *ud, store_oid_t x, unsigned ch, const cJSON *obj)
{
    graph_t *g = ud;
    ensure_nodes(g);
    if (ch & STORE_CH_NEW) {
        gnode_t *n = &g->n[x];
        memset(n, 0, sizeof *n);
        n->eff = (uint8_t)store_obj_status(g->s, x);
        derive(g, x, ALL_RULES, obj);
        selectors_into(g, x);
        resolve_missing(g, x);
        refresh_eff(g, x, 0,
                    store_obj_status(g->s, x) >= STORE_STATUS_WARNING || g->n[x].eff >= STORE_STATUS_WARNING);
        pend_node(g, x);
        bump_ns(g, x);
    } else {
        unsigned mask = 0;
        if (ch & STORE_CH_REFS) mask = ALL_RULES;
        if (ch & STORE_CH_LABELS) mask |= RULE_BIT(SCRIPT_REL_LABELREF);
        if (g->has_fn) mask |= RULE_BIT(SCRIPT_REL_FUNCTION);
        uint32_t *old_parents = NULL;
        size_t nop = 0, capop = 0;
        if (ch & STORE_CH_REFS) {
            const gnode_t *n = &g->n[x];
            for (uint32_t i = 0; i < n->ne; i++)
                if (!(n->e[i].tf & GE_OUT) && g->rules[n->e[i].rule].kind == SCRIPT_REL_OWNER)
                    VPUSH(old_parents, nop, capop, n->e[i].other);
        }
        if (mask) derive(g, x, mask, obj);
        if (ch & STORE_CH_LABELS) selectors_into(g, x);
        for (size_t i = 0; i < nop; i++) refresh_eff(g, old_parents[i], 1, false);
        free(old_parents);
        if (ch & (STORE_CH_STATUS | STORE_CH_REFS)) refresh_eff(g, x, 0, (ch & STORE_CH_REFS) != 0);
        if (ch & (STORE_CH_STATUS | STORE_CH_LABELS | STORE_CH_REFS)) pend_node(g, x);
        if (ch & (STORE_CH_LABELS | STORE_CH_REFS)) bump_ns(g, x);
    }
    flush(g, false);
}

static void on_removing(void *ud, store_oid_t x)
{
    graph_t *g = ud;
    ensure_nodes(g);
    if (g->listener) VPUSH(g->nrm, g->nnrm, g->capnrm, arena_id(g, x));
    /* Parents to refresh once x is gone. */
    uint32_t *parents = NULL;
    size_t np = 0, capp = 0;
    gnode_t *n = &g->n[x];
    for (uint32_t i = 0; i < n->ne; i++) {
        const gedge_t *e = &n->e[i];
        if (!(e->tf & GE_OUT) && g->rules[e->rule].kind == SCRIPT_REL_OWNER)
            VPUSH(parents, np, capp, e->other);
    }
    uint32_t kind = store_obj_kind(g->s, x), ns = store_obj_ns(g->s, x), name = store_obj_name(g->s, x);
    for (uint32_t i = g->n[x].ne; i-- > 0;) {
        gedge_t e = edge_remove_at(g, x, i);
        if (!(e.tf & GE_MINE)) {
            /* The other side referred to x by ID: it now misses x. */
            if (id_based(&g->rules[e.rule])) {
                miss_add(g, e.other, kind, ns, name, e.rule, ge_type(&e), (e.tf & GE_OUT) == 0);
                pend_node(g, e.other);
            }
        }
        if (e.tf & GE_OUT)
            pend_edge(g, x, e.other, ge_type(&e), false);
        else
            pend_edge(g, e.other, x, ge_type(&e), false);
    }
    n = &g->n[x];
    free(n->e);
    n->e = NULL;
    n->ne = n->ce = 0;
    while (g->n[x].nmiss) miss_drop(g, x, (uint16_t)(g->n[x].nmiss - 1));
    while (g->n[x].ninst) inst_drop(g, x, (uint16_t)(g->n[x].ninst - 1));
    intern_unref(g->str, g->n[x].eff_reason);
    g->n[x].eff_reason = 0;
    g->n[x].eff = 0;
    for (size_t i = 0; i < np; i++) refresh_eff(g, parents[i], 1, false);
    free(parents);
    bump_ns(g, x);
    flush(g, false);
}

static void clear_edges_all(graph_t *g)
{
    for (uint32_t o = 0; o < g->ncap; o++) {
        gnode_t *n = &g->n[o];
        free(n->e);
        n->e = NULL;
        n->ne = n->ce = 0;
        while (n->nmiss) miss_drop(g, o, (uint16_t)(n->nmiss - 1));
        while (n->ninst) inst_drop(g, o, (uint16_t)(n->ninst - 1));
        intern_unref(g->str, n->eff_reason);
        n->eff_reason = 0;
    }
    g->nedges = 0;
}

/* ---------------------------------------------------------------- introspection */

static void id_of(const graph_t *g, uint32_t kind, uint32_t ns, uint32_t name, buf_t *out)
{
    buf_puts(out, intern_str(g->str, kind));
    buf_putc(out, '/');
    buf_puts(out, intern_str(g->str, ns));
    buf_putc(out, '/');
    buf_puts(out, intern_str(g->str, name));
}

static int cmp_cstrp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t graph_node_missing_json(const graph_t *g, store_oid_t o, buf_t *out)
{
    const gnode_t *n = &g->n[o];
    char **ids = n->nmiss ? xcalloc(n->nmiss, sizeof *ids) : NULL;
    size_t k = 0;
    for (uint16_t i = 0; i < n->nmiss; i++) {
        buf_t b = {0};
        id_of(g, n->miss[i].kind, n->miss[i].ns, n->miss[i].name, &b);
        ids[k++] = buf_steal(&b);
    }
    if (k > 1) qsort(ids, k, sizeof *ids, cmp_cstrp);
    buf_putc(out, '[');
    size_t w = 0;
    for (size_t i = 0; i < k; i++) {
        if (i && strcmp(ids[i], ids[i - 1]) == 0) continue; /* one ID missed by two rules */
        if (w++) buf_putc(out, ',');
        buf_json_cstr(out, ids[i]);
    }
    buf_putc(out, ']');
    for (size_t i = 0; i < k; i++) free(ids[i]);
    free(ids);
    return w;
}

void graph_node_json(graph_t *g, store_oid_t o, buf_t *out)
{
    const store_t *s = g->s;
    buf_puts(out, "{\"id\":");
    buf_t id = {0};
    store_obj_id(s, o, &id);
    buf_json_str(out, id.data, id.len);
    buf_free(&id);
    buf_puts(out, ",\"kind\":");
    buf_json_cstr(out, store_str(s, store_obj_kind(s, o)));
    buf_puts(out, ",\"namespace\":");
    buf_json_cstr(out, store_str(s, store_obj_ns(s, o)));
    buf_puts(out, ",\"name\":");
    buf_json_cstr(out, store_str(s, store_obj_name(s, o)));
    buf_puts(out, ",\"status\":\"");
    buf_puts(out, store_status_name(graph_node_status(g, o)));
    buf_putc(out, '"');
    const char *reason = graph_node_reason(g, o);
    if (reason && *reason) {
        buf_puts(out, ",\"reason\":");
        buf_json_cstr(out, reason);
    }
    buf_puts(out, ",\"group\":");
    buf_json_cstr(out, store_str(s, store_obj_ns(s, o)));
    if (g->n[o].nmiss) {
        buf_puts(out, ",\"missing\":");
        graph_node_missing_json(g, o, out);
    }
    buf_putc(out, '}');
}

void graph_projection_json(graph_t *g, store_oid_t o, buf_t *out)
{
    const store_t *s = g->s;
    const char *kind = store_str(s, store_obj_kind(s, o));
    const char *dot = strchr(kind, '.');
    buf_puts(out, "{\"kind\":");
    buf_json_str(out, kind, dot ? (size_t)(dot - kind) : strlen(kind));
    buf_puts(out, ",\"metadata\":{\"name\":");
    buf_json_cstr(out, store_str(s, store_obj_name(s, o)));
    const char *ns = store_str(s, store_obj_ns(s, o));
    if (*ns) {
        buf_puts(out, ",\"namespace\":");
        buf_json_cstr(out, ns);
    }
    char uid[40];
    store_obj_uid(s, o, uid);
    if (*uid) buf_printf(out, ",\"uid\":\"%s\"", uid);
    buf_printf(out, ",\"resourceVersion\":\"%llu\"", (unsigned long long)store_obj_rv(s, o));
    buf_puts(out, ",\"labels\":");
    store_labels_json(s, o, out);
    buf_puts(out, ",\"ownerReferences\":[");
    const store_owner_t *ow;
    size_t no = store_obj_owners(s, o, &ow);
    for (size_t i = 0; i < no; i++) {
        const char *ok = store_str(s, ow[i].kind), *od = strchr(ok, '.');
        buf_puts(out, i ? ",{\"kind\":" : "{\"kind\":");
        buf_json_str(out, ok, od ? (size_t)(od - ok) : strlen(ok));
        buf_puts(out, ",\"name\":");
        buf_json_cstr(out, store_str(s, ow[i].name));
        buf_printf(out, ",\"controller\":%s}", ow[i].controller ? "true" : "false");
    }
    buf_puts(out, "]},\"kubilitics\":{\"id\":");
    buf_t id = {0};
    store_obj_id(s, o, &id);
    buf_json_str(out, id.data, id.len);
    buf_free(&id);
    buf_printf(out, ",\"status\":\"%s\",\"reason\":", store_status_name(store_obj_status(s, o)));
    buf_json_cstr(out, store_obj_reason(s, o));
    buf_puts(out, "}}");
}

size_t graph_edge_count(const graph_t *g)
{
    return g->nedges;
}

size_t graph_each_edge(const graph_t *g, store_oid_t o, graph_edge_fn cb, void *ud)
{
    if (o >= g->ncap) return 0;
    const gnode_t *n = &g->n[o];
    size_t k = 0;
    for (uint32_t i = 0; i < n->ne; i++) {
        const gedge_t *e = &n->e[i];
        k++;
        bool out = e->tf & GE_OUT;
        if (!cb(out ? o : e->other, out ? e->other : o, graph_type_str(g, ge_type(e)), ud)) break;
    }
    return k;
}

bool graph_has_edge(const graph_t *g, const char *source_id, const char *target_id, const char *type)
{
    store_oid_t a = store_find(g->s, source_id, strlen(source_id)),
                b = store_find(g->s, target_id, strlen(target_id));
    if (a == STORE_NONE || b == STORE_NONE || a >= g->ncap) return false;
    const gnode_t *n = &g->n[a];
    for (uint32_t i = 0; i < n->ne; i++)
        if (n->e[i].other == b && (n->e[i].tf & GE_OUT) &&
            strcmp(graph_type_str(g, ge_type(&n->e[i])), type) == 0)
            return true;
    return false;
}

int graph_check(const graph_t *g, err_t *err)
{
    size_t copies = 0, miss = 0;
    for (uint32_t o = 0; o < g->ncap; o++) {
        const gnode_t *n = &g->n[o];
        if (n->ne && !store_live(g->s, o))
            return err_set(err, ERR_INTERNAL, "dead object %u has %u edges", o, n->ne);
        for (uint32_t i = 0; i < n->ne; i++) {
            const gedge_t *e = &n->e[i];
            if (e->other >= g->ncap || e->mirror >= g->n[e->other].ne)
                return err_set(err, ERR_INTERNAL, "edge %u[%u]: bad twin index", o, i);
            const gedge_t *t = &g->n[e->other].e[e->mirror];
            if (t->other != o || t->mirror != i || t->rule != e->rule || (t->tf >> 2) != (e->tf >> 2) ||
                ((t->tf ^ e->tf) & GE_OUT) == 0 || ((t->tf ^ e->tf) & GE_MINE) == 0)
                return err_set(err, ERR_INTERNAL, "edge %u[%u] and its twin disagree", o, i);
            copies++;
        }
        for (uint16_t i = 0; i < n->nmiss; i++) {
            const plist_t *l = pindex_get(&g->midx, n->miss[i].kind, n->miss[i].ns, n->miss[i].name);
            bool found = false;
            for (uint32_t k = 0; l && k < l->n && !found; k++) found = l->v[k] == o;
            if (!found) return err_set(err, ERR_INTERNAL, "missing entry of %u not indexed", o);
            miss++;
        }
    }
    if (copies != 2 * g->nedges)
        return err_set(err, ERR_INTERNAL, "%zu edge copies for %zu edges", copies, g->nedges);
    if (miss != g->nmissing)
        return err_set(err, ERR_INTERNAL, "%zu missing entries, counted %zu", miss, g->nmissing);
    return 0;
}

void graph_get_stats(const graph_t *g, graph_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->edges = g->nedges;
    out->missing = g->nmissing;
    out->selector_instances = g->live_inst;
    out->rules = g->nrules;
    size_t b = (size_t)g->ncap * (sizeof *g->n + sizeof *g->mark);
    for (uint32_t o = 0; o < g->ncap; o++) {
        const gnode_t *n = &g->n[o];
        if (n->ce) b += n->ce * sizeof *n->e + 16;
        if (n->nmiss) b += n->nmiss * sizeof *n->miss + 16;
        if (n->ninst) b += n->ninst * sizeof *n->inst + 16;
    }
    b += (size_t)g->capinst * sizeof *g->inst + (size_t)g->capsels * sizeof *g->sels;
    b += tmap_bytes(&g->sidx.map) + tmap_bytes(&g->midx.map) + tmap_bytes(&g->selmap) + g->pool.bytes;
    b += layout_cache_bytes(g->layout);
    out->bytes = b;
}
