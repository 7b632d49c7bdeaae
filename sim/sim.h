/* sim.h — kubesim's process wiring: the parsed command line and the context
 * handed to every part of the simulator.
 *
 * Owned by the API-server half (sim/main.c parses the flags and fills
 * sim_config_t; the strings point into argv and live as long as the
 * process). The controllers half (sim/ctrl.h, owned by sim-controllers)
 * receives a sim_ctx_t and must not keep pointers into it past
 * sim_controllers_stop.
 *
 * Start order in main.c:
 *   store = sim_store_new(); manifests applied (--manifests, in order);
 *   sim_generate(ctx) when --nodes/--pods/--namespaces ask for it;
 *   sim_controllers_start(ctx); sim_churn_start(ctx) when --churn > 0;
 *   then the HTTP server listens and "listening on …" is printed.
 * Stop order (SIGINT/SIGTERM): HTTP drained, churn stopped, controllers
 * stopped, store freed.
 *
 * What main.c and the API routes expect from sim/ctrl.h (names proposed;
 * until a function exists, the route answers 501):
 *   sim_controllers_t *sim_controllers_start(sim_ctx_t *ctx, err_t *err);
 *   void sim_controllers_stop(sim_controllers_t *c);
 *   int sim_generate(sim_ctx_t *ctx, err_t *err);
 *   sim_churn_t *sim_churn_start(sim_ctx_t *ctx, err_t *err);
 *   void sim_churn_stop(sim_churn_t *c);
 *   pods/log (GET /api/v1/namespaces/{ns}/pods/{name}/log):
 *     int sim_logs_read(sim_ctx_t *ctx, const char *ns, const char *pod,
 *                       const sim_log_opts_t *o, buf_t *out, err_t *err);
 *     sim_log_follow_t *sim_logs_follow(sim_ctx_t *ctx, const char *ns, const char *pod,
 *                       const sim_log_opts_t *o, sim_log_data_fn on_data,
 *                       sim_log_end_fn on_end, void *ud, err_t *err);
 *       (first delivers what sim_logs_read would, then new lines as the
 *        container "writes" them; on_end when the pod is deleted or the
 *        container stops)
 *     void sim_logs_follow_stop(sim_log_follow_t *f);   (no callback after it)
 *   metrics.k8s.io/v1beta1 (bare items as cJSON, the caller owns them;
 *   ns NULL → all namespaces; name NULL → all):
 *     cJSON *sim_metrics_pods(sim_ctx_t *ctx, const char *ns, const char *name);
 *     cJSON *sim_metrics_nodes(sim_ctx_t *ctx, const char *name);
 *       (a JSON array of PodMetrics / NodeMetrics objects; NULL → 404)
 */
#ifndef KB_SIM_SIM_H
#define KB_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "store.h"

#define SIM_MAX_MANIFEST_DIRS 16

typedef struct sim_config {
    const char *host;        /* from --listen HOST:PORT; default 127.0.0.1 */
    int port;                /* 0 = pick a free port */
    const char *port_file;   /* --port-file */
    const char *manifests[SIM_MAX_MANIFEST_DIRS]; /* --manifests DIR (repeatable) */
    int nmanifests;
    long nodes;              /* --nodes N: generated Nodes (0 = a small default cluster) */
    long pods;               /* --pods N: generated Pods */
    long namespaces;         /* --namespaces N: generated namespaces */
    double churn;            /* --churn R: object changes per second; 0 = none */
    uint64_t seed;           /* --seed N: deterministic generation and churn; 0 → 1 */
    const char *tokens_file; /* --tokens FILE */
    bool tls;                /* --tls */
    const char *faults;      /* --faults SPEC */
    const char *kubeconfig_out; /* --kubeconfig-out FILE */
    const char *request_log; /* --request-log FILE (one JSON line per request) */
    size_t watch_window;     /* --watch-window N: events kept for resume; 0 → 10000 */
    bool no_metrics;         /* --no-metrics: metrics.k8s.io not served */
    bool no_controllers;     /* --no-controllers: a bare API server */
} sim_config_t;

/* Figures the parts report for /metrics and the logs (written by their
 * owners only; read by the API). */
typedef struct sim_stats {
    double churn_rate;          /* --churn R asked for (0: no churn) */
    uint64_t churn_done;        /* churn changes made */
    uint64_t churn_failed;      /* churn attempts that found nothing to change */
    double churn_achieved;      /* churn changes per second over the last report (~10 s) */
    double changes_per_s;       /* every committed change (churn and controllers) over the same interval */
    uint64_t ctrl_syncs;        /* controller syncs run */
    size_t ctrl_queued;         /* keys waiting in the controllers' queues */
} sim_stats_t;

typedef struct sim_ctx {
    uv_loop_t *loop;
    sim_store_t *store;
    const sim_config_t *cfg;
    /* Set by sim_generate: the resourceVersions it wrote. Objects still at
     * a version in this range are consistent as generated, so the
     * controllers' first sweep does not queue them (0, 0: none). */
    uint64_t generated_rv_first, generated_rv_last;
    sim_stats_t stats;
} sim_ctx_t;

/* Options of pods/log, parsed from the query by the API half. */
typedef struct sim_log_opts {
    const char *container; /* NULL → the only container (Invalid when several) */
    long tail_lines;       /* -1 → all */
    long since_seconds;    /* 0 → no limit */
    long limit_bytes;      /* 0 → no limit */
    bool timestamps;       /* prefix each line with an RFC 3339 timestamp and a space */
    bool previous;         /* the previous instance's log (Invalid when it never restarted) */
    bool follow;
} sim_log_opts_t;

typedef void (*sim_log_data_fn)(const char *data, size_t len, void *ud);
typedef void (*sim_log_end_fn)(void *ud);

#endif
