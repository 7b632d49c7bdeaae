/* graph.h — the topology engine of one cluster: relation rules compiled into
 * indexes, edges kept incrementally from store events, status propagation,
 * scoped queries, deterministic layout and export (JSON, SVG, DOT).
 *
 * A graph observes one store (store/store.h). Every store_apply_event() on
 * that store updates the graph before it returns: the changed object's own
 * edges are recomputed, and the incoming edges whose rules can match it are
 * found through indexes (selectors indexed by one of their key=value
 * requirements, references to missing objects indexed by the missing ID).
 * Edges exist only between objects that both exist; a reference to an
 * absent object is kept as `missing` on the node that holds the reference
 * and becomes an edge when the target arrives.
 *
 * Lifecycle, all on the loop thread:
 *   g = graph_new(store);          attaches to the store (one graph per store)
 *   graph_set_rules(g, rules, n)   from script_host_relations(), at start and
 *                                  in the script_host_on_swap callback; edges
 *                                  are recomputed from the store
 *   graph_set_fn_eval(g, …)        how FUNCTION rules are run (the script host)
 *   graph_set_listener(g, …)       node/edge deltas, once per applied event
 *   graph_query_run(g, …)          scoped queries; serialise the result in
 *                                  the same loop turn (it reads the store)
 *   graph_free(g)                  detaches; then store_free()
 * The rules passed to graph_set_rules are borrowed until the next call (the
 * script host keeps them valid until the next swap, which calls it again).
 */
#ifndef KB_GRAPH_H
#define KB_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "script/script.h"
#include "store/store.h"

typedef struct graph graph_t;

graph_t *graph_new(store_t *s);
void graph_free(graph_t *g);
store_t *graph_store(graph_t *g);

/* Compile rules (validated: a rule missing what its kind needs, or a bad
 * path or kind, fails with "plugin file:line: …" and the previous rules
 * stay — except FUNCTION rules, whose Lua functions belonged to the rule set
 * being replaced: they draw nothing more until the next successful call).
 * On success every edge is recomputed from the store. Kinds whose
 * objects now need field values the store never extracted are reported by
 * store_stale_kinds(): relist those types to fill them in. */
int graph_set_rules(graph_t *g, const script_relation_t *rules, size_t n, err_t *err);

/* FUNCTION rules are run by this callback, with script_relation_eval's
 * contract (the lead passes a wrapper around it and the script host). obj_json
 * is the changed object as the watch delivered it; during a recompute after
 * graph_set_rules it is the stored projection (identity, labels, owner
 * references, status), because the store keeps no JSON. Without a callback,
 * FUNCTION rules draw nothing. */
typedef int (*graph_fn_eval_t)(void *ud, const script_relation_t *rule, const char *obj_json, size_t len,
                               script_find_fn find, script_emit_fn emit, void *emit_ud, err_t *err);
void graph_set_fn_eval(graph_t *g, graph_fn_eval_t fn, void *ud);

/* ---- deltas ----
 * After each applied event (and after graph_set_rules) the listener gets
 * what changed, already cancelled out (an edge removed and re-added in the
 * same event is not reported). Everything in a delta is valid only during
 * the call. Nodes in nodes_upsert are live store handles; removed nodes and
 * every edge end are IDs, because a removed object is already gone. */
typedef struct graph_edge_ref {
    const char *source, *target, *type;
} graph_edge_ref_t;

typedef struct graph_delta {
    const store_oid_t *nodes_upsert;
    size_t n_nodes_upsert;
    const char *const *nodes_remove;
    size_t n_nodes_remove;
    const graph_edge_ref_t *edges_upsert;
    size_t n_edges_upsert;
    const graph_edge_ref_t *edges_remove;
    size_t n_edges_remove;
    uint64_t resource_version;
    bool resync; /* everything may have changed (rules reloaded): refetch the scope */
} graph_delta_t;

typedef void (*graph_listener_fn)(graph_t *g, const graph_delta_t *d, void *ud);
void graph_set_listener(graph_t *g, graph_listener_fn fn, void *ud);
/* The WebSocket delta body of API.md for subscription sub, keeping only
 * what touches namespace ns (NULL → everything; cluster-scoped objects are
 * kept for every namespace). Appends nothing and returns false when the
 * filtered delta is empty. */
bool graph_delta_json(graph_t *g, const graph_delta_t *d, const char *sub, const char *ns, buf_t *out);

/* ---- nodes and edges ---- */
/* Effective status: the object's own, raised to warning when an object it
 * owns (transitively, up to 8 levels) is warning or error. */
int graph_node_status(const graph_t *g, store_oid_t o);
const char *graph_node_reason(const graph_t *g, store_oid_t o);
/* The topology node object of API.md (without x/y), appended to out. */
void graph_node_json(graph_t *g, store_oid_t o, buf_t *out);
/* Missing reference targets of o, as IDs appended to out as a JSON array. */
size_t graph_node_missing_json(const graph_t *g, store_oid_t o, buf_t *out);
size_t graph_edge_count(const graph_t *g);
typedef bool (*graph_edge_fn)(store_oid_t source, store_oid_t target, const char *type, void *ud);
/* Edges touching o (both directions). */
size_t graph_each_edge(const graph_t *g, store_oid_t o, graph_edge_fn cb, void *ud);
bool graph_has_edge(const graph_t *g, const char *source_id, const char *target_id, const char *type);

/* ---- queries ----
 * Node set, in this precedence: focus (+ depth hops over edges in both
 * directions), else namespaces, else the whole cluster; then kept only if
 * it matches kinds (canonical ID kinds) and label_selector. limit caps the
 * node count (0 → 100,000) and sets truncated. Edges: those between two
 * nodes of the set. */
typedef struct graph_query {
    const char *const *namespaces;
    size_t nnamespaces;
    const char *const *kinds;
    size_t nkinds;
    const char *focus; /* an ID */
    int depth;         /* hops from focus; 0 → 1, capped at 8 */
    /* A focus query does not walk on through hubs: objects (other than the
     * focus) with more edges than this are shown but not expanded — a
     * namespace's default ServiceAccount or kube-root-ca.crt would otherwise
     * pull every Pod of the namespace into a Pod's 2-hop view. 0 → 256;
     * SIZE_MAX expands everything. */
    size_t expand_limit;
    const char *label_selector;
    size_t limit;
    bool no_layout; /* skip x/y (all 0) */
} graph_query_t;

typedef struct graph_result graph_result_t;

/* ERR_NOTFOUND when focus is not in the store, ERR_INVALID for a bad
 * selector. The result reads the store: serialise it before the store
 * changes (same loop turn). */
graph_result_t *graph_query_run(graph_t *g, const graph_query_t *q, err_t *err);
void graph_result_free(graph_result_t *r);
size_t graph_result_node_count(const graph_result_t *r);
size_t graph_result_edge_count(const graph_result_t *r);
bool graph_result_truncated(const graph_result_t *r);
/* Position of the i-th node (layout units are pixels). */
void graph_result_node(const graph_result_t *r, size_t i, store_oid_t *o, double *x, double *y);

/* API.md's topology response. */
void graph_result_json(const graph_result_t *r, buf_t *out);
/* An SVG drawing of exactly the result's layout: group frames, edges, nodes
 * with kind glyphs and status colours, and a legend. */
void graph_result_svg(const graph_result_t *r, buf_t *out);
/* Graphviz DOT with the same positions (pos="x,y!", use neato -n). */
void graph_result_dot(const graph_result_t *r, buf_t *out);

/* Run q and write format "json" | "svg" | "dot" into out: what
 * GET /topology(.svg|.dot) and `kubilitics export` call. */
int graph_export(graph_t *g, const graph_query_t *q, const char *format, buf_t *out, err_t *err);

/* Cross-cluster search: objects whose name contains needle (case-
 * insensitive), at most limit (0 → 100), as
 * {"items":[{"cluster","id","kind","namespace","name","status"}],"truncated"}.
 * Clusters are visited in the order given, objects in ID order. */
void graph_search_json(graph_t *const *graphs, size_t n, const char *needle, size_t limit, buf_t *out);

/* Verify the graph's internal invariants (every edge copy has its twin,
 * counts agree, missing entries are indexed). 0, or ERR_INTERNAL with what
 * was wrong. For tests and debugging: it walks everything. */
int graph_check(const graph_t *g, err_t *err);

/* ---- accounting ---- */
typedef struct graph_stats {
    size_t edges, missing, selector_instances, rules;
    size_t bytes; /* adjacency, missing lists, indexes, layout cache */
} graph_stats_t;
void graph_get_stats(const graph_t *g, graph_stats_t *out);

#endif
