/* kube_obs.h — exports core/kube's metrics into a core/obs registry.
 *
 *   kube_requests_total{cluster,verb,code}            counter
 *   kube_request_duration_seconds{cluster,verb}        histogram (streams: time to headers)
 *   kube_watch_events_total{cluster,resource,type}    counter
 *   kube_relists_total{cluster,resource}              counter
 *   kube_ratelimiter_wait_seconds{cluster}            histogram (only requests that waited)
 *   kube_dropped_objects_total{cluster,resource,reason} counter (oversized, malformed)
 *   cluster_up{cluster}                               gauge: 1 when connected or syncing
 *   kube_objects{cluster,resource}                    gauge: objects held per reflector
 *
 * The counters are fed through the client's hooks (kube_client_set_hooks is
 * taken over); the gauges are refreshed on every render.
 *
 * Lifecycle: kube_obs_attach → … → kube_obs_detach (before kube_client_free;
 * the render hook then does nothing) → kube_obs_free (removes the render
 * hook; the series already registered stay in the registry).
 */
#ifndef KB_KUBE_OBS_H
#define KB_KUBE_OBS_H

#include "kube/kube.h"
#include "obs/obs.h"

typedef struct kube_obs kube_obs_t;

kube_obs_t *kube_obs_attach(kube_client_t *c, obs_registry_t *reg);
void kube_obs_detach(kube_obs_t *o);
void kube_obs_free(kube_obs_t *o);

#endif
