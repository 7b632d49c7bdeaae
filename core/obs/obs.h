/* obs.h — the Prometheus registry and the text exposition format.
 *
 * A registry owns its metrics; a metric owns its series (one per distinct
 * tuple of label values). Everything is loop-thread only. Metric names and
 * label names are fixed at registration; label values are copied.
 *
 *   obs_metric_t *reqs = obs_counter(reg, "http_requests_total", "Requests served.", "route,code");
 *   obs_add(reqs, 1, (const char *[]){"/healthz", "200"});
 *
 * A metric refuses more than OBS_MAX_SERIES label combinations (counted in
 * obs_series_dropped_total) so that a label fed by outside input cannot
 * grow memory without bound.
 */
#ifndef KB_OBS_H
#define KB_OBS_H

#include <stddef.h>

#include "base/buf.h"

#define OBS_MAX_SERIES 10000

typedef struct obs_registry obs_registry_t;
typedef struct obs_metric obs_metric_t;

obs_registry_t *obs_registry_new(void);
void obs_registry_free(obs_registry_t *r);

/* labels: comma-separated label names, or NULL/"" for none. Registering a
 * name twice returns the existing metric (same type required). */
obs_metric_t *obs_counter(obs_registry_t *r, const char *name, const char *help, const char *labels);
obs_metric_t *obs_gauge(obs_registry_t *r, const char *name, const char *help, const char *labels);
/* buckets: ascending upper bounds (+Inf is implied); NULL → default latency
 * buckets from 0.5 ms to 10 s. */
obs_metric_t *obs_histogram(obs_registry_t *r, const char *name, const char *help, const char *labels,
                            const double *buckets, size_t nbuckets);

/* values: one string per label name, in order (NULL when there are none). */
void obs_add(obs_metric_t *m, double v, const char *const *values);
void obs_set(obs_metric_t *m, double v, const char *const *values);
void obs_observe(obs_metric_t *m, double v, const char *const *values);
/* Forget one series (a removed cluster) or all of a metric's series. */
void obs_remove(obs_metric_t *m, const char *const *values);
void obs_clear(obs_metric_t *m);
double obs_value(obs_metric_t *m, const char *const *values); /* counters and gauges; 0 if absent */

/* A hook that runs before every render (to refresh gauges such as resident
 * memory from their source). */
void obs_on_collect(obs_registry_t *r, void (*fn)(obs_registry_t *r, void *ud), void *ud);
/* Remove a hook added with obs_on_collect (same fn and ud). */
void obs_off_collect(obs_registry_t *r, void (*fn)(obs_registry_t *r, void *ud), void *ud);

/* Prometheus text format 0.0.4. */
void obs_render(obs_registry_t *r, buf_t *out);

/* Resident set size of this process in bytes (from /proc/self/statm). */
double obs_process_rss_bytes(void);

#endif
