/* ctrl.h — the half of kubesim that makes a cluster look alive: controllers,
 * the scale generator, churn, pod logs and metrics.
 *
 * Owned by sim-controllers (sim/ctrl*.c, sim/gen.c, sim/churn.c). Written
 * against sim/store.h only; the names below are the ones sim.h proposes.
 *
 * Wiring for sim/main.c (start order as in sim.h):
 *
 *   store = sim_store_new(...); manifests applied;
 *   if (cfg.nodes || cfg.pods || cfg.namespaces) sim_generate(&ctx, &err);   // exit 1 on error
 *   sim_controllers_t *ctl = cfg.no_controllers ? NULL : sim_controllers_start(&ctx, &err);
 *   sim_churn_t *churn = cfg.churn > 0 ? sim_churn_start(&ctx, &err) : NULL;
 *   ... listen ...
 *   on stop: sim_churn_stop(churn); sim_controllers_stop(ctl); run the loop
 *   until the handles have closed (both free themselves in close callbacks),
 *   then sim_store_free.
 *
 * Lifecycles. sim_controllers_t and sim_churn_t each own one uv_timer; *_stop
 * unsubscribes from the store at once, closes the timer and frees the rest
 * in the close callback, so the loop must run once more after *_stop.
 * Both are safe to call with NULL. sim_log_follow_t is the same: after
 * sim_logs_follow_stop no callback runs and the memory goes at close.
 *
 * Everything is deterministic for a given cfg->seed (uids and generateName
 * suffixes come from the store's own seed), except that wall-clock time
 * decides when things happen.
 */
#ifndef KB_SIM_CTRL_H
#define KB_SIM_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "sim.h"
#include "store.h"

typedef struct sim_controllers sim_controllers_t;
typedef struct sim_churn sim_churn_t;
typedef struct sim_log_follow sim_log_follow_t;

/* ---- controllers ----
 *
 * Starts the controllers on ctx->loop: deployment, replicaset, statefulset,
 * daemonset, job, cronjob, endpoints (EndpointSlice + Endpoints), scheduler,
 * kubelet, persistent volumes, node heartbeats (Leases) and Events. They
 * follow the store's change feed and work from a 100 ms tick with a bounded
 * amount of work per tick, so a 150k-pod store stays responsive.
 * Garbage collection and namespace finalisation are the store's (store.h).
 *
 * At start, if the store holds no Node, three are created (sim-control-plane
 * tainted NoSchedule, sim-worker, sim-worker2), and the default StorageClass
 * "standard" is created when missing. ctx must outlive the controllers.
 * NULL with err filled on failure. */
sim_controllers_t *sim_controllers_start(sim_ctx_t *ctx, err_t *err);
void sim_controllers_stop(sim_controllers_t *c);

/* ---- the scale generator (--nodes N --pods N --namespaces N --seed S) ----
 *
 * Fills the store with a realistic cluster: Nodes, Namespaces (gen-000…),
 * ServiceAccounts, ConfigMaps and Secrets, Deployments owning ReplicaSets
 * owning Pods that are already Running on their nodes, Services selecting
 * them and their EndpointSlices (core Endpoints are written by the endpoints
 * controller on a Service's first pod change), and a Lease per node. Pods are 3–8 KB
 * of JSON each. Synchronous; 150k pods take a few seconds. Zero counts pick
 * defaults (nodes: pods/30, at least 3; namespaces: pods/3000, at least 1).
 * Returns 0 or a negative code with err filled. */
int sim_generate(sim_ctx_t *ctx, err_t *err);

/* ---- churn (--churn R) ----
 *
 * R object changes per second, from a 100 Hz timer, spread over: pod
 * readiness flips, pod label edits, ConfigMap edits, pod deletions (their
 * ReplicaSet replaces them) and Deployment scale up/down. Each change that
 * touches metadata stamps the annotation `kubesim.io/churn-ts` with the
 * wall-clock time in microseconds, so watchers can measure their lag.
 * The sequence of choices is deterministic for cfg->seed. */
sim_churn_t *sim_churn_start(sim_ctx_t *ctx, err_t *err);
void sim_churn_stop(sim_churn_t *c);

/* ---- pods/log ----
 *
 * Generated, never stored: each container instance's log is a function of
 * the pod, the container, the instance's start time and the clock, so the
 * same request gives the same lines. The content follows the image (nginx
 * access log, postgres, redis, a log agent, a batch job, JSON service logs);
 * a crashed instance ends with its error. Only the last 10,000 lines of an
 * instance are kept, as the kubelet rotates logs.
 *
 * Errors (code → the HTTP layer's Status):
 *   ERR_NOTFOUND          pods "x" not found
 *   SIM_ERR_BAD_REQUEST   several containers and none named; unknown
 *                         container; previous without a restart; container
 *                         still waiting to start (the kubelet's words). */
int sim_logs_read(sim_ctx_t *ctx, const char *ns, const char *pod, const sim_log_opts_t *o, buf_t *out,
                  err_t *err);
/* follow: validates like sim_logs_read and returns NULL with err on
 * failure, in which case no callback ever runs. On success nothing has been
 * written yet: the first on_data (what sim_logs_read would answer) comes
 * from the loop on its next turn, so the caller can start its chunked
 * response after this returns. Then new lines as the container writes them
 * (checked every 250 ms). on_end once, when the pod is deleted, the
 * container stops or restarts; the handle frees itself after on_end.
 * sim_logs_follow_stop ends it early (no callback after it). */
sim_log_follow_t *sim_logs_follow(sim_ctx_t *ctx, const char *ns, const char *pod, const sim_log_opts_t *o,
                                  sim_log_data_fn on_data, sim_log_end_fn on_end, void *ud, err_t *err);
void sim_logs_follow_stop(sim_log_follow_t *f);

/* The pure core of the two above, for one pod object at time now_ms (used by
 * tests). cur (may be NULL) records where a follower continues. */
typedef struct sim_log_cursor {
    int64_t instance_start_ms;
    int64_t next_line;
    bool ended; /* the instance has terminated and all its lines were read */
} sim_log_cursor_t;
int sim_logs_render(const cJSON *pod, const sim_log_opts_t *o, int64_t now_ms, buf_t *out, sim_log_cursor_t *cur,
                    err_t *err);
int sim_logs_render_more(const cJSON *pod, const sim_log_opts_t *o, int64_t now_ms, sim_log_cursor_t *cur,
                         buf_t *out, err_t *err);

/* ---- metrics.k8s.io/v1beta1 ----
 *
 * A JSON array (owned by the caller) of PodMetrics / NodeMetrics objects
 * with apiVersion, kind, metadata (name, namespace, labels,
 * creationTimestamp), timestamp, window "30s", and containers[].usage /
 * usage {cpu: "123456789n", memory: "123456Ki"}. Only Running pods on a node
 * have metrics. Usage moves smoothly over time, stays within the container's
 * limits and near its requests; a node's usage is its pods' plus system
 * overhead. ns NULL → all namespaces; name NULL → all objects. NULL when
 * the named object does not exist (404) or cfg->no_metrics is set (then the
 * API half should not list metrics.k8s.io in discovery either). */
cJSON *sim_metrics_pods(sim_ctx_t *ctx, const char *ns, const char *name);
cJSON *sim_metrics_nodes(sim_ctx_t *ctx, const char *name);

/* Pure helpers behind the above (tests): usage of one container with these
 * requests/limits (millicores, bytes; ≤0 = unset) at time now_ms. */
void sim_metrics_container_usage(uint64_t seed, int64_t req_cpu_m, int64_t lim_cpu_m, int64_t req_mem,
                                 int64_t lim_mem, int64_t now_ms, int64_t *cpu_nano, int64_t *mem_bytes);

/* ---- cron ---- */

/* A parsed standard 5-field cron schedule ("*\/5 * * * *", "0 3 * * 1-5",
 * names like MON/JAN, and @hourly/@daily/@weekly/@monthly/@yearly). */
typedef struct sim_cron {
    uint64_t minute; /* bit per allowed value */
    uint32_t hour, dom, month;
    uint8_t dow;
    bool dom_star, dow_star;
} sim_cron_t;
int sim_cron_parse(const char *spec, sim_cron_t *out, err_t *err);
/* The first matching minute strictly after after_s (UTC epoch seconds);
 * -1 when none within five years. */
int64_t sim_cron_next(const sim_cron_t *c, int64_t after_s);

#endif
