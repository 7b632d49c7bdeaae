/* prom.h — a cluster's Prometheus through a fixed set of named queries.
 *
 *   GET /api/v1/clusters/{c}/metrics/query          the queries and their parameters
 *   GET /api/v1/clusters/{c}/metrics/query/{name}?namespace=&pod=&node=&workload=&range=&step=
 *
 * No free-form PromQL ever reaches Prometheus: a query is one of the
 * templates of prom.c, and the only values put into it are label values
 * checked against Kubernetes name syntax (and pod names the store knows).
 * The request goes to the cluster's Prometheus (cluster_prometheus) through
 * the kube client's libcurl multi, with the configured timeout. Who may ask:
 * a person who may list pods in the namespace (node queries: may list
 * nodes), decided by the access layer as for every store read.
 *
 * The pure parts are here for tests: checking the parameters and building
 * the PromQL, and turning a Prometheus answer into the API's series.
 */
#ifndef KB_API_PROM_H
#define KB_API_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct api_prom_args {
    const char *namespace_, *pod, *node, *workload, *range, *step; /* NULL when absent */
} api_prom_args_t;

/* What the query needs, decided from its name and arguments. */
typedef struct api_prom_plan {
    const char *name, *unit;
    bool by_node;          /* access: list nodes (else list pods in namespace_) */
    bool needs_pods;       /* {pods}: the workload's pod names, from the store */
    char wkind[32];        /* workload kind ID ("Deployment.apps") and name */
    char wname[254];
    int64_t range_s, step_s; /* 0: an instant query */
} api_prom_plan_t;

/* Check name and arguments; fill plan. ERR_NOTFOUND: no such query;
 * ERR_INVALID: a missing, unexpected or malformed argument. The message
 * names it. */
int api_prom_plan(const char *name, const api_prom_args_t *a, api_prom_plan_t *plan, err_t *err);
/* The PromQL of a planned query. pods: the workload's pod names (only
 * when plan->needs_pods), already valid names. */
void api_prom_promql(const api_prom_plan_t *plan, const api_prom_args_t *a, const char *const *pods, size_t npods,
                     buf_t *out);
/* A Prometheus /api/v1/query or /query_range answer as
 * "resultType":…,"series":[{"labels":{…},"points":[[ms,value|null]…]}…]
 * (no braces: the caller adds its own fields). ERR_INVALID with the
 * reason when the body is not a successful Prometheus answer (its own
 * error message when it has one). */
int api_prom_normalise(const char *body, size_t len, buf_t *out, err_t *err);
/* The query list, as GET …/metrics/query answers it under "queries". */
void api_prom_queries_json(buf_t *out);
/* "30s", "5m", "2h", "1d" or plain seconds → seconds; false when not one. */
bool api_prom_duration(const char *s, int64_t *secs);

#endif
