/* clusters.h — the cluster registry: every connected cluster with its
 * connection, discovery, reflectors, store and topology graph.
 *
 * Clusters come from kubeconfig contexts at start (the --kubeconfig files,
 * --context filter) and from the API at run time (POST /api/v1/clusters with
 * a context name of the loaded kubeconfig or an uploaded kubeconfig); both
 * are persisted in the database (an uploaded kubeconfig is stored, so the
 * cluster comes back after a restart). Removing a cluster stops its
 * reflectors and frees its store and graph in the same loop turn.
 *
 * For each cluster: discovery finds the served resource types; one
 * reflector per watchable type (preferred version) feeds the store; the
 * graph observes the store; the relation rules of the plugin host are
 * applied on every plugin swap. Status follows the contract: connecting,
 * syncing, connected, disconnected, error, forbidden, with the last error
 * and the last full sync time.
 *
 * Everything is loop-thread only. Pointers returned (clusters, stores,
 * graphs) stay valid until clusters_remove of that cluster or
 * clusters_free; a caller that keeps one across loop turns (a log stream,
 * a WebSocket subscription) registers an on_change listener to learn of a
 * removal.
 */
#ifndef KB_APP_CLUSTERS_H
#define KB_APP_CLUSTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"
#include "graph/graph.h"
#include "kube/kube.h"
#include "obs/obs.h"
#include "script/script.h"
#include "store/store.h"

typedef struct clusters clusters_t;
typedef struct cluster cluster_t;

typedef struct clusters_config {
    const char *const *kubeconfigs; /* files; none → $KUBECONFIG, else ~/.kube/config if present */
    size_t nkubeconfigs;
    const char *const *contexts;    /* which contexts; none → every context */
    size_t ncontexts;
    double qps;                     /* per cluster */
    int burst;
    int timeout_ms;                 /* live calls */
    const char *const *prometheus;  /* "CLUSTER=URL": a cluster's Prometheus */
    size_t nprometheus;
    int prometheus_timeout_ms;      /* one query; 0 → 10 s */
} clusters_config_t;

/* Registry events, for the API layer (cluster status pushed over WebSocket,
 * subscriptions dropped when their cluster goes away). */
enum { CLUSTERS_ADDED, CLUSTERS_STATUS, CLUSTERS_REMOVING };
typedef void (*clusters_change_fn)(cluster_t *c, int what, void *ud);

/* Load the kubeconfigs and the persisted clusters and start connecting.
 * Broken kubeconfig files or contexts are logged (one line each, naming the
 * file, line and field) and skipped: the others still load. plugins may be
 * NULL (no relation rules: nodes without edges). */
clusters_t *clusters_new(uv_loop_t *loop, db_t *db, obs_registry_t *obs, script_host_t *plugins,
                         const clusters_config_t *cfg, err_t *err);
void clusters_free(clusters_t *cs);
void clusters_on_change(clusters_t *cs, clusters_change_fn fn, void *ud);
/* The plugin set changed: recompile every graph's rules. */
void clusters_rules_changed(clusters_t *cs);

size_t clusters_count(const clusters_t *cs);
cluster_t *clusters_at(clusters_t *cs, size_t i); /* registration order */
cluster_t *clusters_get(clusters_t *cs, const char *id);
/* Every cluster has synced all of its readable types at least once. */
bool clusters_all_synced(const clusters_t *cs);

/* Register from a context of the loaded kubeconfig (kubeconfig NULL) or
 * from an uploaded kubeconfig's text (its current context, or `context`).
 * id NULL → the context name. ERR_EXISTS for a taken id, ERR_INVALID with a
 * message for a bad kubeconfig or unknown context. */
cluster_t *clusters_add(clusters_t *cs, const char *id, const char *context, const char *kubeconfig,
                        size_t kubeconfig_len, err_t *err);
int clusters_remove(clusters_t *cs, const char *id, err_t *err);
/* As clusters_add from an uploaded kubeconfig, for this run only (not
 * persisted): the demo cluster, whose address changes every start. */
cluster_t *clusters_add_transient(clusters_t *cs, const char *id, const char *kubeconfig, size_t len, err_t *err);

/* ---- one cluster ---- */
const char *cluster_id(const cluster_t *c);
const char *cluster_name(const cluster_t *c);     /* the context name */
const char *cluster_server(const cluster_t *c);
const char *cluster_version(const cluster_t *c);  /* gitVersion from /version, "" until known */
kube_cluster_t *cluster_kube(cluster_t *c);
kube_discovery_t *cluster_discovery(cluster_t *c); /* NULL until discovery ran */
store_t *cluster_store(cluster_t *c);
graph_t *cluster_graph(cluster_t *c);
/* The cluster's Prometheus: a kube_cluster_t aimed at its base URL that
 * carries none of the cluster's credentials (requests go through the same
 * libcurl multi as every cluster call, without retries), or NULL when none
 * is configured. */
kube_cluster_t *cluster_prometheus(cluster_t *c);
/* Set (url) or clear (NULL or "") the cluster's Prometheus; stored with a
 * cluster registered through the API. ERR_INVALID with a message for a URL
 * that is not http(s). */
int cluster_set_prometheus(cluster_t *c, const char *url, err_t *err);
/* status name per the contract, last error (or NULL), last full sync
 * (epoch ms, 0 never). */
const char *cluster_status(cluster_t *c, const char **error, int64_t *last_sync_ms);
/* The GET /api/v1/clusters item: {id,name,server,status,error,version,objects,lastSync,…}.
 * Without counts, "objects" is null: a restricted user must not learn how many
 * objects the namespaces they cannot read hold. */
void cluster_json(cluster_t *c, bool counts, buf_t *out);
/* Per resource type sync state, for the cluster detail and readiness:
 * [{"resource":"pods","state":"watching","objects":12,"synced":true,"error":…}] */
void cluster_types_json(cluster_t *c, bool counts, buf_t *out);

#endif
