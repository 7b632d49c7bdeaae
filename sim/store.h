/* store.h — kubesim's object store: every API object, its versions, its
 * resource types, and the change feed that watches and controllers follow.
 *
 * Owned by the API-server half of kubesim (store.c, kinds.c). The
 * controllers, the scale generator and churn (sim/ctrl.h) are written
 * against this header only.
 *
 * Threading. One store per process, owned by the libuv loop thread; nothing
 * here locks. Call it only from that thread.
 *
 * Objects. A committed object is an immutable version (sim_obj_t): its
 * serialized JSON bytes (what LIST and WATCH send, printed once per
 * resourceVersion) plus a few fields pulled out at commit time (key, uid,
 * labels, selectable fields, owner uids). Its parsed cJSON tree is cached
 * lazily and may be dropped to bound memory (150k pods as trees would not
 * fit the 2 GiB budget; as bytes they do).
 *
 * Borrowed pointers. Every `const sim_obj_t *` and `const cJSON *` this API
 * returns stays valid until control returns to the event loop: the store
 * frees replaced versions and evicts cached trees only in sim_store_gc(),
 * which sim/main.c calls from a uv_check handle once per loop iteration.
 * Never keep such a pointer across loop callbacks; keep (kind, ns, name) or
 * the uid and look the object up again. Never modify a returned tree: take
 * a copy (sim_get_copy, or cJSON_Duplicate) and write the copy back.
 *
 * Writes. sim_create / sim_update / sim_update_status / sim_delete take
 * ownership of the cJSON passed in (also on failure). They fill apiVersion,
 * kind, metadata.uid, resourceVersion, generation, creationTimestamp,
 * namespace (from the argument) and resolve metadata.generateName. They
 * return 0 or a negative code (below) and fill err with a message in the
 * words the real API server uses ("pods \"web\" not found"), which the HTTP
 * layer copies into the Status object.
 *
 * Change feed. Each committed change gets the next value of one global
 * resourceVersion counter and becomes one sim_event_t. Subscribers
 * (sim_store_subscribe) are called after the commit, in resourceVersion
 * order, never re-entrantly: a subscriber that writes to the store has its
 * own change queued and delivered after the current one finishes, before
 * the outermost store call returns. So a controller sees ADDED/MODIFIED/
 * DELETED like an informer, and may react by writing.
 *
 * Deletion semantics live here, not in controllers: finalizers and
 * metadata.deletionTimestamp; propagation Background (owner gone now, its
 * dependents — objects whose metadata.ownerReferences name its uid —
 * deleted right after, recursively), Foreground (owner gets the
 * foregroundDeletion finalizer and stays until its dependents are gone),
 * Orphan (dependents lose the ownerReference). Deleting a Namespace moves it
 * to phase Terminating, deletes everything in it, then removes it. Creating
 * or deleting a CustomResourceDefinition registers or removes its kind
 * (and the CRD's objects). Controllers need not implement garbage
 * collection or namespace finalization.
 */
#ifndef KB_SIM_STORE_H
#define KB_SIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"

/* Error codes beyond base/err.h, and how the HTTP layer maps all of them:
 *   ERR_NOTFOUND 404 NotFound        ERR_EXISTS   409 AlreadyExists
 *   SIM_ERR_CONFLICT 409 Conflict    ERR_INVALID  422 Invalid
 *   ERR_FORBIDDEN 403 Forbidden      SIM_ERR_BAD_REQUEST 400 BadRequest
 *   SIM_ERR_GONE 410 Expired         ERR_LIMIT    429 TooManyRequests
 *   ERR_UNAVAILABLE 503              anything else 500 InternalError */
enum {
    SIM_ERR_CONFLICT = -100,    /* stale resourceVersion / failed precondition */
    SIM_ERR_BAD_REQUEST = -101, /* malformed body or parameters */
    SIM_ERR_GONE = -102,        /* resourceVersion older than the event window */
};

typedef struct sim_store sim_store_t;
typedef struct sim_obj sim_obj_t;

/* ---- resource types ---- */

enum {
    SIM_VERB_GET = 1 << 0,
    SIM_VERB_LIST = 1 << 1,
    SIM_VERB_WATCH = 1 << 2,
    SIM_VERB_CREATE = 1 << 3,
    SIM_VERB_UPDATE = 1 << 4,
    SIM_VERB_PATCH = 1 << 5,
    SIM_VERB_DELETE = 1 << 6,
    SIM_VERB_DELETECOLLECTION = 1 << 7,
    SIM_VERBS_ALL = 0xff,
    SIM_VERBS_READ = SIM_VERB_GET | SIM_VERB_LIST | SIM_VERB_WATCH,
};

enum {
    SIM_SUB_STATUS = 1 << 0, /* {resource}/status: PUT/PATCH change only .status */
    SIM_SUB_SCALE = 1 << 1,  /* {resource}/scale: autoscaling/v1 Scale of spec.replicas */
    SIM_SUB_LOG = 1 << 2,    /* pods/log */
    SIM_SUB_BINDING = 1 << 3, /* pods/binding (sets spec.nodeName) */
    SIM_SUB_EVICTION = 1 << 4,
};

/* One resource type as discovery shows it. Built-in kinds are static; CRD
 * kinds are created and freed by the store (do not keep a pointer to a CRD
 * kind across loop callbacks: the CRD may be deleted). */
typedef struct sim_kind {
    const char *group;       /* "" for the core group */
    const char *version;     /* the one served version, "v1" */
    const char *kind;        /* "Deployment" */
    const char *resource;    /* "deployments" (plural, lower case) */
    const char *singular;    /* "deployment" */
    const char *short_names; /* comma-separated, "deploy"; NULL for none */
    const char *categories;  /* comma-separated, "all"; NULL for none */
    const char *list_kind;   /* "DeploymentList" */
    bool namespaced;
    unsigned verbs;        /* SIM_VERB_* */
    unsigned subresources; /* SIM_SUB_* */
    /* Comma-separated fields usable in fieldSelector besides metadata.name
     * and metadata.namespace, e.g. "spec.nodeName,status.phase". */
    const char *field_paths;
    /* Filled by the store. */
    int id;                    /* dense index, stable while the kind exists */
    bool crd;                  /* registered from a CustomResourceDefinition */
    const char *api_version;   /* "apps/v1" or "v1" */
} sim_kind_t;

/* Exact lookups (group "" for core). NULL when not served. */
const sim_kind_t *sim_kind_by_resource(sim_store_t *s, const char *group, const char *resource);
const sim_kind_t *sim_kind_by_kind(sim_store_t *s, const char *group, const char *kind);
/* From an object's apiVersion ("apps/v1", "v1") and kind. */
const sim_kind_t *sim_kind_by_gvk(sim_store_t *s, const char *api_version, const char *kind);
/* What kubectl accepts: resource, singular, short name or kind, any case,
 * optionally ".group" ("deploy", "Deployment.apps", "pods"). */
const sim_kind_t *sim_kind_find(sim_store_t *s, const char *name);
/* Every served kind in a stable order (built-ins first). Stop when fn
 * returns false. */
void sim_kind_each(sim_store_t *s, bool (*fn)(const sim_kind_t *k, void *ud), void *ud);

/* ---- the store ---- */

typedef struct sim_store_opts {
    size_t event_window;      /* changes kept for watch resume and paged lists; 0 → 10000 */
    size_t tree_cache;        /* parsed trees kept between loop turns; 0 → 2048 */
    int64_t (*now_ms)(void);  /* wall clock for timestamps; NULL → clock_wall_ms */
    uint64_t seed;            /* for uids and generateName suffixes; 0 → time-based */
} sim_store_opts_t;

/* A store with the built-in kinds and the namespaces default, kube-system,
 * kube-public and kube-node-lease. opts may be NULL. */
sim_store_t *sim_store_new(const sim_store_opts_t *opts);
void sim_store_free(sim_store_t *s);
/* Free replaced versions and trim the tree cache. Invalidates every
 * borrowed pointer; call it only where nobody holds one. */
void sim_store_gc(sim_store_t *s);
/* The global resourceVersion of the last committed change. */
uint64_t sim_store_rv(const sim_store_t *s);
/* Number of live objects of a kind (all namespaces). */
size_t sim_store_count(sim_store_t *s, const sim_kind_t *k);

/* ---- reading ---- */

/* The current version, or NULL. ns is ignored for cluster-scoped kinds. */
const sim_obj_t *sim_get_obj(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name);
const sim_obj_t *sim_get_by_uid(sim_store_t *s, const char *uid);
/* The current object as a borrowed tree, or NULL. */
const cJSON *sim_get(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name);
/* A deep copy the caller owns (to modify and write back), or NULL. */
cJSON *sim_get_copy(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name);

const sim_kind_t *sim_obj_kind(const sim_obj_t *o);
const char *sim_obj_namespace(const sim_obj_t *o); /* "" for cluster-scoped */
const char *sim_obj_name(const sim_obj_t *o);
const char *sim_obj_uid(const sim_obj_t *o);
uint64_t sim_obj_rv(const sim_obj_t *o);
/* The serialized object (compact JSON, no trailing newline). For an
 * object bulk-loaded with a shared chunk (sim_create_raw) the contiguous
 * text is assembled on demand into a small ring: use the view at once —
 * it stays valid until sim_store_gc() or 256 further sim_obj_bytes calls,
 * whichever comes first. Every other object's view lives until
 * sim_store_gc() as usual. */
sv_t sim_obj_bytes(const sim_obj_t *o);
/* Append the serialized object to out without assembling it (LIST and
 * WATCH use this: no copy beyond the one into out). */
void sim_obj_write(const sim_obj_t *o, buf_t *out);
size_t sim_obj_len(const sim_obj_t *o); /* its length in bytes */
/* The parsed tree (parsed now if not cached). */
const cJSON *sim_obj_json(const sim_obj_t *o);
/* The value at a dot path ("spec.selector"), parsed on its own without
 * parsing or caching the whole object; the caller frees it. NULL when
 * absent. For reading one member of many objects (a sweep) without
 * filling the tree cache. */
cJSON *sim_obj_member(const sim_obj_t *o, const char *path);
/* The text of the value at a dot path, without parsing (a view into the
 * object's text with sim_obj_bytes' lifetime); {NULL, 0} when absent. The
 * stored text is what cJSON prints, so equal values have equal text. */
sv_t sim_obj_member_text(const sim_obj_t *o, const char *path);
/* metadata.labels[key] or NULL, without parsing. */
const char *sim_obj_label(const sim_obj_t *o, const char *key);
/* A selectable field ("metadata.name", "spec.nodeName", "status.phase",
 * "involvedObject.uid", …, as listed in the kind's field_paths) or NULL. */
const char *sim_obj_field(const sim_obj_t *o, const char *path);
/* Labels as packed pairs "k\0v\0k\0v\0\0" (never NULL; "\0" when none). */
const char *sim_obj_labels_packed(const sim_obj_t *o);
bool sim_obj_deleting(const sim_obj_t *o); /* has metadata.deletionTimestamp */

/* Visit the current objects of a kind, ordered by (namespace, name); ns
 * NULL or "" means all namespaces. fn returns false to stop. Writing to the
 * store from fn is allowed; the walk covers the objects as they were when
 * it started. */
void sim_each(sim_store_t *s, const sim_kind_t *k, const char *ns,
              bool (*fn)(const sim_obj_t *o, void *ud), void *ud);
/* Objects whose metadata.ownerReferences name owner_uid (any kind). */
void sim_each_dependent(sim_store_t *s, const char *owner_uid,
                        bool (*fn)(const sim_obj_t *o, void *ud), void *ud);

/* ---- writing ---- */

typedef struct sim_write_opts {
    bool dry_run;        /* validate and answer, commit nothing */
    const char *user;    /* for managedFields-free audit; may be NULL */
} sim_write_opts_t;

/* Create obj (owned) in ns. AlreadyExists, NotFound when the namespace does
 * not exist, Forbidden when it is Terminating, Invalid for a missing name.
 * out (may be NULL) receives the committed version. */
int sim_create(sim_store_t *s, const sim_kind_t *k, const char *ns, cJSON *obj,
               const sim_write_opts_t *opts, const sim_obj_t **out, err_t *err);
/* Replace the object named by obj's metadata.name. A non-empty
 * metadata.resourceVersion must equal the current one (else Conflict);
 * empty means unconditional. For kinds with a status subresource the
 * current .status is kept (use sim_update_status for .status).
 * metadata.uid/creationTimestamp/deletionTimestamp are kept from the
 * current version. When a deleting object loses its last finalizer, the
 * update completes the deletion. */
int sim_update(sim_store_t *s, const sim_kind_t *k, const char *ns, cJSON *obj,
               const sim_write_opts_t *opts, const sim_obj_t **out, err_t *err);
/* Replace only .status (and nothing else) of the named object; the same
 * resourceVersion rule. For kinds without a status subresource this is
 * sim_update. */
int sim_update_status(sim_store_t *s, const sim_kind_t *k, const char *ns, cJSON *obj,
                      const sim_write_opts_t *opts, const sim_obj_t **out, err_t *err);

/* A change of a few members made on the stored text: no tree of the
 * current version is parsed, built or printed, and a shared chunk the
 * edits do not touch stays shared. Each edit sets the member at a dot path
 * ("status", "metadata.labels", "spec.replicas"; keys containing dots
 * cannot be named) to json (compact JSON, len bytes, 0 → strlen), adding
 * it at the end of its object when absent, or removes it (json NULL). The
 * store writes metadata.resourceVersion and moves metadata.generation when
 * the spec changed (kinds that have one). Under metadata only labels and
 * annotations may be set; apiVersion and kind not at all (Invalid), and
 * Namespaces and CRDs, whose writes have side effects, are not edited this
 * way (Invalid). if_rv (0: unconditional) must be the current
 * resourceVersion (else Conflict). Edits that leave the text as it was
 * make no change and no event. */
typedef struct sim_member_edit {
    const char *path;
    const char *json;
    size_t len;
} sim_member_edit_t;

int sim_update_members(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name, uint64_t if_rv,
                       const sim_member_edit_t *edits, size_t n, const sim_obj_t **out, err_t *err);

/* Bytes shared by many bulk-loaded objects: the generator's pod spec,
 * which an application's Deployment, ReplicaSet and every one of its Pods
 * embed verbatim, is stored once. Refcounted; each object made with it
 * holds a reference until its last version is freed. */
typedef struct sim_chunk sim_chunk_t;
sim_chunk_t *sim_chunk_new(const char *p, size_t n);
void sim_chunk_unref(sim_chunk_t *c);

/* Bulk loading (the scale generator): create an object from compact JSON
 * pieces, with no tree built, parsed or cached. The store writes
 *   {"apiVersion":…,"kind":…,"metadata":{"name":…,"namespace":…,"uid":…,
 *    "resourceVersion":…,["generation":1,]"creationTimestamp":…META}BODY}
 * META is empty or ","-led members of metadata other than the server-owned
 * ones above (labels, annotations, ownerReferences, generateName); BODY is
 * empty or ","-led top-level members after metadata (spec, status, data…).
 * Both must be compact JSON (as cJSON prints it, no whitespace); the store
 * scans, not parses, them for labels, owner uids and selectable fields, and
 * does not validate them beyond that. Not for Namespaces or CRDs, whose
 * creation has side effects (Invalid). Name, namespace and AlreadyExists
 * errors as sim_create. The change feed sees an ordinary ADDED.
 * chunk (may be NULL): BODY then holds one byte 0x01 (which JSON text
 * never contains) where the chunk's bytes stand; they are not copied. */
int sim_create_raw(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name, sv_t meta, sv_t body,
                   sim_chunk_t *chunk, const sim_obj_t **out, err_t *err);

enum { SIM_PROPAGATE_DEFAULT, SIM_PROPAGATE_BACKGROUND, SIM_PROPAGATE_FOREGROUND, SIM_PROPAGATE_ORPHAN };

typedef struct sim_delete_opts {
    int propagation;            /* SIM_PROPAGATE_*; DEFAULT → Background */
    const char *precondition_uid; /* NULL or must match (else Conflict) */
    const char *precondition_rv;
    bool dry_run;
} sim_delete_opts_t;

/* Delete (or start deleting, when finalizers hold it). out (may be NULL)
 * receives the last version: the deleted object, or the version with
 * deletionTimestamp set when deletion is pending — *pending tells which. */
int sim_delete(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name,
               const sim_delete_opts_t *opts, const sim_obj_t **out, bool *pending, err_t *err);

/* ---- change feed ---- */

enum { SIM_ADDED = 1, SIM_MODIFIED = 2, SIM_DELETED = 3 };

typedef struct sim_event {
    int type;               /* SIM_ADDED, SIM_MODIFIED, SIM_DELETED */
    uint64_t rv;            /* the change's resourceVersion */
    const sim_kind_t *kind;
    const sim_obj_t *obj;   /* the new version; for DELETED the final one */
    const sim_obj_t *old;   /* the previous version; NULL for ADDED */
    const void *internal;   /* the store's own record; do not touch */
} sim_event_t;

typedef void (*sim_event_fn)(const sim_event_t *ev, void *ud);

/* Call fn for every change committed from now on (see the header comment
 * for ordering). Returns a subscription id for sim_store_unsubscribe. */
int sim_store_subscribe(sim_store_t *s, sim_event_fn fn, void *ud);
void sim_store_unsubscribe(sim_store_t *s, int id);

#endif
