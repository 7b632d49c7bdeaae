/* graph_int.h — what the files of core/graph share; not for other modules.
 *
 * graph.c   compiled rules, adjacency, incremental updates, status, deltas
 * query.c   node-set selection, results, JSON, search
 * layout.c  deterministic layout and its per-namespace cache
 * export.c  SVG and DOT
 *
 * Adjacency: each object has one array of gedge_t. An edge between A and B
 * appears twice, once in each array; the copy in the array of the object
 * whose data produced it (the "deriver": the owned object for `owns`, the
 * referencing object for references, the selecting object for selectors)
 * carries GE_MINE, and recomputing that object removes exactly its MINE
 * edges. GE_OUT says the array's owner is the edge's source. Each copy
 * knows its twin's index, so removing an edge never scans the other end's
 * array (a namespace's default ServiceAccount has an edge per Pod).
 */
#ifndef KB_GRAPH_INT_H
#define KB_GRAPH_INT_H

#include <cjson/cJSON.h>

#include "base/arena.h"
#include "base/map.h"
#include "graph/graph.h"
#include "store/index.h"

#define GE_OUT 1u
#define GE_MINE 2u
#define GRAPH_MAX_TYPES 16383u

typedef struct gedge {
    uint32_t other;
    uint16_t rule;
    uint16_t tf;     /* type << 2 | GE_* */
    uint32_t mirror; /* index of the twin copy in other's array: removal is O(1) at hubs */
} gedge_t;

static inline uint32_t ge_type(const gedge_t *e)
{
    return e->tf >> 2;
}

/* A reference to an absent object, kept on the deriver. tf as in gedge_t:
 * GE_OUT when the deriver will be the edge's source. */
typedef struct gmiss {
    uint32_t kind, ns, name;
    uint16_t rule;
    uint16_t tf;
} gmiss_t;

typedef struct gnode {
    gedge_t *e;
    gmiss_t *miss;
    uint32_t *inst; /* selector instances this object owns */
    uint32_t ne, ce;
    uint16_t nmiss, ninst;
    uint8_t eff;         /* effective status */
    uint32_t eff_reason; /* interned leaf reason when raised by children; 0 none */
} gnode_t;

typedef struct grule {
    const script_relation_t *src;
    int kind;      /* SCRIPT_REL_* */
    uint32_t type; /* index into graph.types */
    uint32_t from; /* kind id, INTERN_NONE for "*" */
    uint32_t *to;
    uint32_t nto;
    bool to_any;
    uint32_t *slots; /* field slots of the paths */
    uint32_t nslots;
    uint32_t ns_slot; /* REF namespace_path slot or UINT32_MAX */
    bool cross_ns;
    uint32_t label, target_label; /* LABELREF, intern ids or INTERN_NONE */
} grule_t;

typedef struct gsel {
    uint32_t text; /* interned canonical text (ref held) */
    store_selector_t sel;
    uint32_t refs;
    bool ok; /* parsed */
} gsel_t;

typedef struct ginst {
    uint32_t src, sel, ns;
    uint16_t rule;
    int16_t anchor; /* requirement index or -1 */
} ginst_t;

typedef struct gpend {
    uint32_t src, dst, type;
} gpend_t;

typedef struct layout_cache layout_cache_t;

struct graph {
    store_t *s;
    intern_t *str;
    gnode_t *n;
    uint32_t ncap;
    grule_t *rules;
    size_t nrules;
    script_path_t *paths; /* parsed copies owned by the graph */
    size_t npaths;
    store_field_spec_t *specs;
    bool has_fn;
    plist_pool_t pool;
    plist_pool_t rkpool;
    pindex_t rk;     /* (deriver kind,0,0) → rule indexes */
    uint32_t rk_any; /* plist of rules whose deriver kind is "*" */
    pindex_t sidx;   /* (ns, key, value) → selector instances; (ns, NONE, NONE) unanchored */
    pindex_t midx;   /* (kind, ns, name) → derivers missing it */
    gsel_t *sels;
    uint32_t nsels, capsels, *sel_free, nsel_free;
    tmap_t selmap; /* (text,0,0) → sels index */
    ginst_t *inst;
    uint32_t ninst, capinst, *inst_free, ninst_free, live_inst;
    uint32_t *types; /* intern ids of edge types */
    uint32_t ntypes;
    map_t slots; /* "kind\x1fmode\x1fform\x1fpath" → slot + 1, kept across reloads */
    uint32_t next_slot;
    size_t nedges, nmissing;
    /* deltas */
    graph_listener_fn listener;
    void *listener_ud;
    gpend_t *pup, *prm;
    size_t npup, nprm, cappup, capprm;
    uint32_t *nup;
    size_t nnup, capnup;
    char **nrm;
    size_t nnrm, capnrm;
    arena_t arena;
    /* FUNCTION rules */
    graph_fn_eval_t fn_eval;
    void *fn_ud;
    buf_t findbuf;
    uint64_t fn_errors;
    /* queries and layout */
    uint32_t *mark;
    uint32_t markcap, stamp;
    tmap_t nsver;   /* (ns,0,0) → layout version */
    uint32_t *qidx; /* query scratch: handle → node index, kept between queries */
    uint32_t qcap;
    layout_cache_t *layout;
};

/* graph.c */
bool graph_rule_is_owner(const graph_t *g, uint16_t rule);
const char *graph_type_str(const graph_t *g, uint32_t type);
void graph_projection_json(graph_t *g, store_oid_t o, buf_t *out);
uint32_t graph_ns_version(const graph_t *g, uint32_t ns);
/* Stamp-based membership marks sized to the store. */
void graph_mark_begin(graph_t *g);
static inline void graph_mark(graph_t *g, store_oid_t o)
{
    g->mark[o] = g->stamp;
}
static inline bool graph_marked(const graph_t *g, store_oid_t o)
{
    return g->mark[o] == g->stamp;
}

/* layout.c: positions for nodes (all of them live); xy receives 2 doubles
 * per node — the centre of the node's box, in pixels. Node boxes are
 * LAYOUT_NODE_W × LAYOUT_NODE_H; export.c draws them at exactly these
 * positions. Groups are reported for drawing, enclosing before enclosed: a
 * namespace frame (or the cluster-scoped frame) and then its groups. */
#define LAYOUT_NODE_W 180
#define LAYOUT_NODE_H 64

enum {
    LAYOUT_G_NAMESPACE,  /* a namespace's frame */
    LAYOUT_G_APP,        /* an application: app labels, or an unlabelled owner tree's root name */
    LAYOUT_G_OTHER,      /* connected objects no application claims */
    LAYOUT_G_TRAFFIC,    /* routes, Services and policies reaching several applications */
    LAYOUT_G_SHARED,     /* objects several applications use */
    LAYOUT_G_UNATTACHED, /* objects without an edge in their namespace */
    LAYOUT_G_CLUSTER,    /* the cluster-scoped frame, and its groups by category */
};
const char *layout_group_kind_name(int kind);

typedef struct layout_group {
    uint32_t ns, app; /* intern ids; app: the application's name (LAYOUT_G_APP), else 0 */
    int kind;          /* LAYOUT_G_* */
    const char *title; /* static title of groups that are not applications or namespaces */
    double x, y, w, h;
} layout_group_t;

typedef struct layout_out {
    double *xy;
    layout_group_t *groups;
    size_t ngroups;
    uint32_t *order; /* node indexes in layout order */
} layout_out_t;

void layout_run(graph_t *g, const store_oid_t *nodes, size_t n, bool whole_namespaces, layout_out_t *out);
void layout_out_free(layout_out_t *o);
void layout_cache_free(layout_cache_t *c);
size_t layout_cache_bytes(const layout_cache_t *c);

/* query.c result (export.c draws it). */
struct graph_result {
    graph_t *g;
    store_oid_t *nodes;
    double *xy;
    size_t nnodes;
    gpend_t *edges; /* src/dst are indexes into nodes */
    size_t nedges;
    layout_group_t *groups;
    size_t ngroups;
    bool truncated;
    uint64_t rv;
};

int graph_kind_glyph(const char *kind, const char **glyph, const char **lane_name);

#endif
