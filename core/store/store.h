/* store.h — the compact object store of one cluster.
 *
 * The store keeps a projection of every object the reflectors deliver, never
 * the object's JSON: its identity (KIND[.GROUP]/NAMESPACE/NAME, uid,
 * resourceVersion, creation time), labels, owner references, the values of
 * the field paths that the loaded relation rules read (set with
 * store_set_fields), a status summary (ok / unknown / warning / error and a
 * short reason) and the list columns of its kind. Every string is interned
 * (store/intern.h). Indexes: by ID, by uid, by (namespace, kind), by label
 * key=value within a namespace, by owner uid.
 *
 * Objects are named by a store_oid_t handle, valid until the object is
 * deleted (a deleted object's handle may be reused by a later one). Strings
 * returned by accessors are owned by the store and valid while the object
 * lives.
 *
 * Lifecycle, all on the loop thread:
 *   s = store_new("c1");
 *   store_set_observer(s, …)       the graph attaches itself (graph_new does it)
 *   store_apply_event(s, …)        for every reflector event, in order
 *   store_resync_begin/end(s, kind) around a relist: objects not seen are deleted
 *   store_free(s)                  detach the graph first (graph_free)
 */
#ifndef KB_STORE_H
#define KB_STORE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "script/script.h"
#include "store/intern.h"

typedef struct store store_t;
typedef uint32_t store_oid_t;
#define STORE_NONE UINT32_MAX
#define STORE_ANY INTERN_NONE /* "any namespace" / "any kind" in lookups */

/* What a reflector knows about the resource type it watches. List items
 * carry no apiVersion/kind, so the store takes them from here. group "" is
 * the core group. Strings are copied. */
typedef struct store_kind {
    const char *group;
    const char *version;
    const char *kind; /* "Deployment" */
    bool namespaced;
} store_kind_t;

/* Event types: the same numbers as KUBE_EV_ADDED/MODIFIED/DELETED. */
enum { STORE_EV_ADDED = 0, STORE_EV_MODIFIED = 1, STORE_EV_DELETED = 2 };

/* Status severities, in increasing order (aggregation takes the maximum). */
enum { STORE_STATUS_OK = 0, STORE_STATUS_UNKNOWN = 1, STORE_STATUS_WARNING = 2, STORE_STATUS_ERROR = 3 };
const char *store_status_name(int status);

store_t *store_new(const char *cluster);
void store_free(store_t *s);
const char *store_cluster(const store_t *s);
intern_t *store_strings(store_t *s);

/* Apply one reflector event. obj is borrowed (the store copies what it
 * keeps). ADDED and MODIFIED are both upserts; a MODIFIED for an object the
 * store does not have adds it, a DELETED for one it does not have is a
 * no-op. An object whose uid changed under the same ID (deleted and created
 * again between two watch events) is removed and added. ERR_INVALID when the
 * object has no metadata.name (or no namespace for a namespaced kind). */
int store_apply_event(store_t *s, int type, const store_kind_t *k, const cJSON *obj, err_t *err);
/* Delete by ID; false when absent. */
bool store_delete_id(store_t *s, const char *id, size_t len);

/* Relist of one resource type: begin, apply every listed object, end. End
 * deletes the objects of that kind the pass did not see and returns how
 * many. A pass also completes a field refill (store_stale_kinds). */
void store_resync_begin(store_t *s, const store_kind_t *k);
size_t store_resync_end(store_t *s, const store_kind_t *k);
/* The reflector's "synced" marker for a type (readiness). */
void store_set_synced(store_t *s, const store_kind_t *k, bool synced);
bool store_all_synced(const store_t *s);

/* Highest resourceVersion applied (decimal versions only; 0 none yet). */
uint64_t store_resource_version(const store_t *s);
/* Bumped on every applied change; cheap "did anything change" for caches. */
uint64_t store_generation(const store_t *s);
size_t store_count(const store_t *s);

/* ---- lookups ---- */
store_oid_t store_find(const store_t *s, const char *id, size_t len);
store_oid_t store_find_ids(const store_t *s, uint32_t kind, uint32_t ns, uint32_t name);
store_oid_t store_find_uid(const store_t *s, const char *uid);
/* 1 namespaced, 0 cluster-scoped, -1 unknown (a kind no reflector has
 * delivered; well-known cluster-scoped kinds answer 0 even then). */
int store_kind_scope(const store_t *s, uint32_t kind);
/* Canonical ID kind of a group and kind: "Deployment.apps", "Pod". */
void store_kind_id(const char *group, const char *kind, char *out, size_t outsz);

uint32_t store_obj_kind(const store_t *s, store_oid_t o); /* intern ids */
uint32_t store_obj_ns(const store_t *s, store_oid_t o);
uint32_t store_obj_name(const store_t *s, store_oid_t o);
uint32_t store_obj_hash(const store_t *s, store_oid_t o); /* hash of the ID */
const char *store_str(const store_t *s, uint32_t id);
void store_obj_id(const store_t *s, store_oid_t o, buf_t *out); /* appends the ID */
void store_obj_uid(const store_t *s, store_oid_t o, char out[40]);
uint64_t store_obj_rv(const store_t *s, store_oid_t o);
int64_t store_obj_created(const store_t *s, store_oid_t o); /* epoch seconds, 0 unknown */
int store_obj_status(const store_t *s, store_oid_t o);
const char *store_obj_reason(const store_t *s, store_oid_t o);
/* Sorted by key id: pairs[2i] key, pairs[2i+1] value. */
size_t store_obj_labels(const store_t *s, store_oid_t o, const uint32_t **pairs);
/* o's labels as a JSON object into out. */
void store_labels_json(const store_t *s, store_oid_t o, buf_t *out);
uint32_t store_obj_label(const store_t *s, store_oid_t o, uint32_t key); /* value id or INTERN_NONE */
const char *store_obj_label_str(const store_t *s, store_oid_t o, const char *key); /* NULL when absent */

typedef struct store_owner {
    uint32_t kind; /* canonical ID kind */
    uint32_t name;
    uint8_t uid[16];
    uint32_t controller;
} store_owner_t;
size_t store_obj_owners(const store_t *s, store_oid_t o, const store_owner_t **owners);

/* ---- extracted field values ----
 * The graph tells the store which paths to extract per kind; each spec has
 * a slot number the values are filed under. Modes:
 *   STRING    every string (or number) at the path
 *   REF       strings as names; objects as references {kind, apiVersion |
 *             apiGroup | group, name, namespace}
 *   SELECTOR  a label selector, stored as its canonical text (see below)
 * Objects applied before a spec existed have no values for it: see
 * store_stale_kinds. */
enum { STORE_FIELD_STRING, STORE_FIELD_REF, STORE_FIELD_SELECTOR };

typedef struct store_field_spec {
    uint32_t slot;
    const char *kind;          /* canonical ID kind, or "*" */
    const script_path_t *path; /* borrowed until the next store_set_fields */
    int mode;
    script_sel_form_t selector_form;
} store_field_spec_t;

void store_set_fields(store_t *s, const store_field_spec_t *specs, size_t n);

/* One extracted value: 4 words. tag STORE_FV_STR: a = string. STORE_FV_REF:
 * a = name, b = kind (0 when the value named none), c = namespace (when
 * flags has STORE_FV_HAS_NS). STORE_FV_SEL: a = canonical selector text
 * ("" = everything). */
enum { STORE_FV_STR = 1, STORE_FV_REF = 2, STORE_FV_SEL = 3 };
#define STORE_FV_HAS_NS 0x8u
typedef struct store_fv {
    uint32_t slot_tag; /* slot << 4 | flags | tag */
    uint32_t a, b, c;
} store_fv_t;
static inline uint32_t store_fv_slot(const store_fv_t *v)
{
    return v->slot_tag >> 4;
}
static inline uint32_t store_fv_tag(const store_fv_t *v)
{
    return v->slot_tag & 7u;
}
size_t store_obj_fields(const store_t *s, store_oid_t o, const store_fv_t **vals);

/* Kinds whose objects lack values for specs added since they were applied:
 * relist them (store_resync_begin … end) to fill the values in. */
void store_stale_kinds(const store_t *s, void (*cb)(const store_kind_t *k, void *ud), void *ud);

/* ---- iteration ----
 * ns and kind are intern ids or STORE_ANY. Returns the number visited; cb
 * returns false to stop. The store must not change during the walk. */
typedef bool (*store_visit_fn)(store_oid_t o, void *ud);
size_t store_each(const store_t *s, uint32_t ns, uint32_t kind, store_visit_fn cb, void *ud);
/* Children whose ownerReferences name this uid. */
size_t store_each_owned_by(const store_t *s, const uint8_t uid[16], store_visit_fn cb, void *ud);
/* The Pods o is or owns, directly or through owned objects (Deployment →
 * ReplicaSet → Pod, CronJob → Job → Pod), at most max, into out; returns
 * how many. */
size_t store_pods_of(const store_t *s, store_oid_t o, store_oid_t *out, size_t max);
/* Namespaces holding at least one object (intern ids, unsorted). */
size_t store_namespaces(const store_t *s, uint32_t **out); /* caller frees *out */
/* The object handles' upper bound, for handle-indexed side arrays. */
uint32_t store_capacity(const store_t *s);
bool store_live(const store_t *s, store_oid_t o);

/* ---- label selectors ----
 * Kubernetes syntax: "a=b,c!=d,e in (f,g),h notin (i),j,!k". A selector
 * parsed with intern=true holds references to its strings (for long-lived
 * compiled selectors) and must be released; with intern=false strings
 * unknown to the store become INTERN_NONE (they match no label). */
enum { STORE_SEL_IN, STORE_SEL_NOTIN, STORE_SEL_EXISTS, STORE_SEL_NOTEXISTS };

typedef struct store_req {
    uint32_t key;
    uint32_t op;
    uint32_t *vals; /* sorted ids */
    uint32_t nvals;
} store_req_t;

typedef struct store_selector {
    store_req_t *reqs;
    uint32_t nreqs;
    bool interned;
} store_selector_t;

int store_selector_parse(store_t *s, const char *text, size_t len, bool intern, store_selector_t *out,
                         err_t *err);
void store_selector_release(store_t *s, store_selector_t *sel);
bool store_selector_matches(const store_t *s, const store_selector_t *sel, store_oid_t o);
/* The requirement whose label postings make the smallest candidate set in
 * ns (an IN requirement), or -1 when every object of the namespace must be
 * checked. */
int store_selector_anchor(const store_t *s, const store_selector_t *sel, uint32_t ns);
/* Objects in ns (or all namespaces) of kind (or any) matching sel, through
 * the label index. */
size_t store_select(const store_t *s, uint32_t ns, uint32_t kind, const store_selector_t *sel,
                    store_visit_fn cb, void *ud);
/* Objects with label key=value in namespace ns (not STORE_ANY). */
const uint32_t *store_label_postings(const store_t *s, uint32_t ns, uint32_t key, uint32_t value, size_t *n);

/* ---- list columns ----
 * {"READY":"1/1","STATUS":"Running",…,"AGE":"5m"} for the object's kind
 * (generic kinds: AGE only; custom kinds: their CRD's printer columns).
 * now_s: wall clock seconds for AGE and date columns. */
void store_columns_json(const store_t *s, store_oid_t o, int64_t now_s, buf_t *out);
/* Column names of a kind in s (s may be NULL: built-in kinds only), in
 * display order (AGE last, always present). Valid until the store changes. */
size_t store_column_names(const store_t *s, const char *kind, const char *const **names);
/* [{"name","type","priority"[,"jsonPath","description"]}…] of the kind's
 * columns in store_column_names order; priority > 0 marks what kubectl
 * shows only with -o wide. */
void store_column_defs_json(const store_t *s, const char *kind, buf_t *out);
/* Date columns (custom kinds) are stored as a time, not as text: a value
 * for which store_column_is_date is true is written by
 * store_columns_dates_json as ,"NAME":"AGE-LIKE" (one per date column of
 * o, nothing for other kinds) when listed. */
bool store_column_is_date(const char *value);
void store_columns_dates_json(const store_t *s, store_oid_t o, int64_t now_s, buf_t *out);
/* kubectl's AGE text of a duration in seconds: 45s, 12m, 5h, 3d. */
void store_age_text(int64_t secs, char out[32]);

/* ---- for caches of lists ----
 * Figures of the objects of one kind, in one namespace or in all of them
 * (ns = STORE_ANY): each is the store generation (store_generation) of the
 * last change of its sort, 0 when there was none. The figures of a
 * (namespace, kind) are forgotten with its last object and start again,
 * above every earlier value, with the next one; so a cache built at
 * figures F is current exactly while they are still F. */
typedef struct store_gens {
    uint64_t any;     /* an object added, changed or removed */
    uint64_t members; /* an object added or removed, or its creation time changed */
    uint64_t status;  /* an object added or removed, or its status changed */
} store_gens_t;
void store_kind_gens(const store_t *s, uint32_t ns, uint32_t kind, store_gens_t *out);
/* Objects of kind in namespace ns (both ids, not STORE_ANY). */
size_t store_kind_count(const store_t *s, uint32_t ns, uint32_t kind);
/* Low 32 bits of the store generation of o's last add or change. Equal
 * stamps mean the same object, unchanged (a reused handle gets a new one;
 * they repeat only after 2^32 changes). */
uint32_t store_obj_stamp(const store_t *s, store_oid_t o);
/* o's list column values as string ids, in store_column_names order
 * without AGE (fewer when the object has fewer). */
size_t store_obj_columns(const store_t *s, store_oid_t o, const uint32_t **ids);

/* ---- the graph's hook ----
 * One observer (the topology graph). upserted runs after an add or change
 * with what changed; removing runs before the object leaves. obj is the
 * event's object (NULL when a relist pass deletes). */
enum {
    STORE_CH_NEW = 1u << 0,
    STORE_CH_LABELS = 1u << 1,
    STORE_CH_REFS = 1u << 2,   /* owners or extracted fields */
    STORE_CH_STATUS = 1u << 3, /* status or reason */
    STORE_CH_OTHER = 1u << 4,  /* columns, resourceVersion */
};
typedef struct store_observer {
    void (*upserted)(void *ud, store_oid_t o, unsigned changes, const cJSON *obj);
    void (*removing)(void *ud, store_oid_t o);
} store_observer_t;
void store_set_observer(store_t *s, const store_observer_t *ob, void *ud);

/* ---- accounting ---- */
typedef struct store_stats {
    size_t objects, strings;
    size_t bytes_objects; /* fixed parts + per-object tails */
    size_t bytes_strings;
    size_t bytes_indexes;
} store_stats_t;
void store_get_stats(const store_t *s, store_stats_t *out);

#endif
