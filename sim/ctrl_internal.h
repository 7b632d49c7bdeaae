/* ctrl_internal.h — what kubesim's controller files share and nobody else
 * should call: helpers (ctrl_util.c), the controller context, its indexes and
 * work queues (ctrl.c), and each controller's entry points (ctrl_*.c).
 * The public face is ctrl.h.
 */
#ifndef KSIM_CTRL_INTERNAL_H
#define KSIM_CTRL_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/buf.h"
#include "base/map.h"
#include "ctrl.h"
#include "store.h"

/* ---- deterministic randomness (everything derives from --seed) ---- */
uint64_t sim_mix64(uint64_t x);
uint64_t sim_hash_str(const char *s, uint64_t seed);
uint64_t sim_rng_next(uint64_t *state);
uint32_t sim_rng_below(uint64_t *state, uint32_t n);
double sim_unit(uint64_t h); /* [0, 1) from a hash */
void sim_rand_suffix(uint64_t *rng, char *out, int n); /* "x7k2p" style, out holds n+1 */
void sim_hash_suffix(uint64_t h, char *out, int n);    /* same alphabet, from a hash */
void sim_uid(uint64_t *rng, char out[37]);
void sim_hex(uint64_t *rng, char *out, int n); /* out holds n+1 */

/* ---- quantities ("250m", "512Mi", "2") ---- */
int64_t sim_qty_milli(const char *s); /* value × 1000, -1 if malformed */
int64_t sim_qty_value(const char *s); /* rounded up to a whole unit, -1 if malformed */
int64_t sim_qty_json_milli(const cJSON *q);
int64_t sim_qty_json_value(const cJSON *q);
/* Sum of the containers' requests (cpu in millicores, memory in bytes). */
void sim_pod_requests(const cJSON *pod, int64_t *cpu_milli, int64_t *mem_bytes);

/* ---- cJSON access ---- */
/* The value at a path of keys, or NULL: sim_jpath(o, "spec", "template").
 * The macro ends the key list itself (no NULL sentinel passed through
 * varargs, which C leaves undefined for a plain NULL). */
const cJSON *sim_jpath_keys(const cJSON *o, const char *const *keys); /* keys end with NULL */
#define sim_jpath(o, ...) sim_jpath_keys((o), (const char *const[]){__VA_ARGS__, (const char *)0})
const char *sim_jstr(const cJSON *o, const char *key);
int64_t sim_jint(const cJSON *o, const char *key, int64_t dflt);
bool sim_jbool(const cJSON *o, const char *key, bool dflt);
cJSON *sim_jobj(cJSON *o, const char *key); /* get or create an object member */
void sim_jset_str(cJSON *o, const char *key, const char *val);
void sim_jset_num(cJSON *o, const char *key, double val);
void sim_jset(cJSON *o, const char *key, cJSON *val); /* takes val */
int64_t sim_jtime_ms(const cJSON *o, const char *key); /* RFC 3339 member → epoch ms, -1 */
void sim_now_rfc3339(int64_t now_ms, char out[32]);
bool sim_str_has(const char *s, const char *needle);

/* ---- selectors ---- */
/* A plain map selector (Service, nodeSelector): every pair must match; an
 * empty or missing map matches nothing. */
bool sim_labels_match(const cJSON *selector_map, const cJSON *labels);
/* A metav1.LabelSelector (matchLabels + matchExpressions); empty selects all. */
bool sim_selector_match(const cJSON *sel, const cJSON *labels);

/* ---- the controller manager (ctrl.c, ctrl_state.c) ---- */

enum { CQ_DEPLOY, CQ_RS, CQ_STS, CQ_DS, CQ_JOB, CQ_CRONJOB, CQ_ENDPOINTS, CQ_SCHED, CQ_KUBELET, CQ_PV, CQ_NODE,
       CTRL_NQ };

/* A sync handles one key: 0 done, >0 look again in that many ms, <0 retry. */
typedef int (*ctrl_sync_fn)(sim_controllers_t *c, const char *ns, const char *name);

typedef struct ctrl_queue {
    map_t set; /* keys queued */
    char **ring;
    size_t head, len, cap;
} ctrl_queue_t;

typedef struct ctrl_delay {
    uint64_t due; /* monotonic ms */
    int q;
    char *key;
} ctrl_delay_t;

/* What the scheduler, daemonset controller and kubelet know of a node. */
typedef struct ctrl_node {
    char *name;
    cJSON *labels, *taints; /* owned copies */
    int64_t alloc_cpu_m, alloc_mem, alloc_pods;
    int64_t used_cpu_m, used_mem, used_pods;
    bool ready, unschedulable;
    int index;      /* for the node's pod CIDR 10.(244+index/256).(index%256).0/24 */
    uint32_t next_ip;
    char ip[32];
} ctrl_node_t;

/* A pod's share of its node, so deletions and moves can be subtracted. */
typedef struct ctrl_pod_acct {
    char *node;
    int64_t cpu_m, mem;
} ctrl_pod_acct_t;

typedef struct ctrl_kinds {
    const sim_kind_t *pod, *node, *ns, *rs, *deploy, *sts, *ds, *job, *cronjob, *svc, *eps, *slice, *pvc, *pv, *sc,
        *event, *lease, *cm, *secret, *sa, *crev;
} ctrl_kinds_t;

struct sim_controllers {
    sim_ctx_t *ctx;
    sim_store_t *st;
    ctrl_kinds_t k;
    uv_timer_t timer;
    int sub;
    bool stopping;
    uint64_t rng;
    int64_t now_ms; /* wall clock at the start of this tick */
    uint64_t errors;
    uint64_t syncs;                  /* syncs run */
    bool backlog;                    /* the last tick left work queued */
    uint64_t report_ms, report_syncs; /* the last "controllers" log line */
    /* Reused text buffers (the deployment controller's templates): a
     * fresh multi-KB malloc per sync made glibc consolidate the small
     * blocks freed trees leave, every time. */
    buf_t tmpl_text, tmpl_scratch;
    ctrl_queue_t q[CTRL_NQ];
    ctrl_delay_t *heap;
    size_t nheap, heap_cap;
    /* state (ctrl_state.c) */
    map_t nodes;     /* name → ctrl_node_t */
    int next_node_index;
    map_t pod_acct;  /* "ns/name" → ctrl_pod_acct_t */
    map_t svc_by_ns; /* ns → ctrl_svcs_t (ctrl_endpoints.c) */
    map_t kubelet_due; /* "ns/name" → int64_t* next step (ctrl_kubelet.c) */
    map_t events;    /* dedupe key → ctrl_event_t (ctrl_events.c) */
    char **event_fifo;
    size_t event_head, event_len, event_cap;
    int64_t last_cron_ms, last_lease_ms, last_event_gc_ms;
    size_t lease_cursor;
};

void ctrl_enqueue(sim_controllers_t *c, int q, const char *ns, const char *name);
void ctrl_enqueue_after(sim_controllers_t *c, int q, const char *ns, const char *name, int64_t delay_ms);
/* Run one tick now (tests). */
void sim_controllers_run_once(sim_controllers_t *c);

int ctrl_kinds_init(sim_controllers_t *c, err_t *err);
void ctrl_bootstrap(sim_controllers_t *c);     /* default nodes, StorageClass */
void ctrl_initial_sweep(sim_controllers_t *c); /* indexes and first queue entries */
void ctrl_dispatch_event(sim_controllers_t *c, const sim_event_t *ev);
void ctrl_periodic(sim_controllers_t *c);
void ctrl_state_free(sim_controllers_t *c);
void ctrl_node_refresh(sim_controllers_t *c, const sim_obj_t *o); /* (re)read a Node into the cache */
ctrl_node_t *ctrl_node_get(sim_controllers_t *c, const char *name);
void ctrl_pod_account(sim_controllers_t *c, const sim_obj_t *pod, bool gone);

/* The controller owner reference of an object (kind, name, uid copied into
 * the caller's buffers); false when it has none. */
typedef struct ctrl_owner {
    char kind[64], name[256], uid[64];
} ctrl_owner_t;
bool ctrl_controller_of(const sim_obj_t *o, ctrl_owner_t *out);
cJSON *ctrl_owner_ref(const char *api_version, const char *kind, const char *name, const char *uid);
bool ctrl_is_controlled_by(const cJSON *obj, const char *uid);
/* The same, read from the object's text (no tree). */
bool ctrl_obj_controlled_by(const sim_obj_t *o, const char *uid);

/* Write helpers: take ownership of obj; log and count failures. */
int ctrl_create(sim_controllers_t *c, const sim_kind_t *k, const char *ns, cJSON *obj, const sim_obj_t **out);
int ctrl_update(sim_controllers_t *c, const sim_kind_t *k, const char *ns, cJSON *obj);
int ctrl_update_status(sim_controllers_t *c, const sim_kind_t *k, const char *ns, cJSON *obj);
int ctrl_delete(sim_controllers_t *c, const sim_kind_t *k, const char *ns, const char *name);
/* Replace the .status of ns/name with status (taken), spliced into the
 * stored text: no copy of the object is needed (unconditional, like an
 * update from a fresh copy). */
int ctrl_write_status(sim_controllers_t *c, const sim_kind_t *k, const char *ns, const char *name, cJSON *status);

/* Events (ctrl_events.c): core/v1 Events, aggregated per object, reason and
 * message into count/lastTimestamp; old ones expire. */
void ctrl_event(sim_controllers_t *c, const cJSON *obj, const char *type, const char *reason,
                const char *component, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void ctrl_event_obj(sim_controllers_t *c, const sim_obj_t *o, const char *type, const char *reason,
                    const char *component, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void ctrl_events_gc(sim_controllers_t *c);
void ctrl_events_free(sim_controllers_t *c);

/* Endpoints index (ctrl_endpoints.c). */
void ctrl_endpoints_on_service(sim_controllers_t *c, const sim_event_t *ev);
void ctrl_endpoints_on_pod(sim_controllers_t *c, const sim_event_t *ev);
void ctrl_endpoints_free(sim_controllers_t *c);
/* The EndpointSlice the endpoints controller keeps for a Service (gen.c
 * writes the same name so the controller adopts generated slices). */
void ctrl_slice_name(const char *ns, const char *svc, char *out, size_t n);
/* Node taints tolerated by a pod's tolerations (NoSchedule, NoExecute). */
bool ctrl_tolerates(const cJSON *tolerations, const cJSON *taints);
/* Node status as a kubelet would first report it. */
cJSON *ctrl_node_status(const char *name, int index, int64_t cpu_m, int64_t mem_bytes, int64_t now_ms);
cJSON *ctrl_lease(const char *node, const char *node_uid, int64_t now_ms);

/* Controllers' syncs. */
int ctrl_deployment_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_replicaset_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_statefulset_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_daemonset_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_job_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_cronjob_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_endpoints_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_scheduler_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_kubelet_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_pv_sync(sim_controllers_t *c, const char *ns, const char *name);
int ctrl_node_sync(sim_controllers_t *c, const char *ns, const char *name);
void ctrl_cronjob_scan(sim_controllers_t *c);
void ctrl_node_leases(sim_controllers_t *c);

/* Pod helpers shared by the workload controllers. */
/* A new Pod from a template (spec + metadata.labels/annotations), owned by
 * the given controller; name or generateName (when name is NULL). */
cJSON *ctrl_pod_from_template(const cJSON *tmpl, const char *ns, const char *name, const char *generate_name,
                              cJSON *owner_ref);
bool ctrl_pod_active(const sim_obj_t *pod); /* not terminal, not deleting */
/* Template hash as the deployment controller computes it (10 safe chars). */
void ctrl_template_hash(const cJSON *tmpl, uint32_t collisions, char out[16]);
/* The same from the template's compact text (as cJSON prints it). */
void ctrl_template_hash_text(const char *txt, uint32_t collisions, char out[16]);
void ctrl_template_hash_sv(sv_t txt, uint32_t collisions, char out[16]);

/* ---- committed bytes, read without a full parse (see ctrl_util.c) ---- */
bool sim_bytes_str(sv_t b, const char *key, char *out, size_t n); /* first "key":"…" */
cJSON *sim_bytes_member(sv_t b, const char *key); /* parse the value after the first "key": ; caller frees */
/* Sums over every container's resources.requests / .limits (0 = none). */
void sim_bytes_resources(sv_t b, int64_t *req_cpu_m, int64_t *req_mem, int64_t *lim_cpu_m, int64_t *lim_mem);
bool sim_bytes_pod_ready(sv_t b); /* a Ready condition with status True */

#endif
