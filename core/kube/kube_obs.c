/* kube_obs.c — core/kube metrics into core/obs; see kube_obs.h. */
#include "kube/kube_obs.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/mem.h"
#include "kube/kube_int.h"

struct kube_obs {
    kube_client_t *client; /* NULL once detached */
    obs_registry_t *reg;
    obs_metric_t *requests, *duration, *events, *relists, *wait, *dropped, *up, *objects, *bytes;
};

static void h_request(void *ud, const char *cluster, const char *verb, int code, double seconds)
{
    kube_obs_t *o = ud;
    char c[16];
    snprintf(c, sizeof c, "%d", code);
    obs_add(o->requests, 1, (const char *[]){cluster, verb, c});
    obs_observe(o->duration, seconds, (const char *[]){cluster, verb});
}

static void h_event(void *ud, const char *cluster, const char *resource, const char *type)
{
    kube_obs_t *o = ud;
    obs_add(o->events, 1, (const char *[]){cluster, resource, type});
}

static void h_relist(void *ud, const char *cluster, const char *resource)
{
    kube_obs_t *o = ud;
    obs_add(o->relists, 1, (const char *[]){cluster, resource});
}

static void h_wait(void *ud, const char *cluster, double seconds)
{
    kube_obs_t *o = ud;
    obs_observe(o->wait, seconds, (const char *[]){cluster});
}

static void h_dropped(void *ud, const char *cluster, const char *resource, const char *reason)
{
    kube_obs_t *o = ud;
    obs_add(o->dropped, 1, (const char *[]){cluster, resource, reason});
}

static void collect(obs_registry_t *r, void *ud)
{
    (void)r;
    kube_obs_t *o = ud;
    if (!o->client) return;
    /* Rebuilt each time so removed clusters and reflectors disappear. */
    obs_clear(o->up);
    obs_clear(o->objects);
    obs_clear(o->bytes);
    for (kube_cluster_t *cl = kube_client__next_cluster(o->client, NULL); cl;
         cl = kube_client__next_cluster(o->client, cl)) {
        kube_cluster_status_t st;
        kube_cluster_status(cl, &st);
        const char *id = kube_cluster_id(cl);
        bool up = st.state == KUBE_CLUSTER_CONNECTED || st.state == KUBE_CLUSTER_SYNCING;
        obs_set(o->up, up ? 1 : 0, (const char *[]){id});
        kube_cluster_stats_t cs;
        kube_cluster_stats(cl, &cs);
        obs_set(o->bytes, (double)cs.bytes_in, (const char *[]){id});
        for (kube_attached_t *a = kube_cluster__first_attached(cl); a; a = a->next) {
            if (!a->reflector) continue;
            obs_set(o->objects, (double)kube_reflector_count(a->reflector),
                    (const char *[]){id, kube_reflector_resource(a->reflector)});
        }
    }
}

kube_obs_t *kube_obs_attach(kube_client_t *c, obs_registry_t *reg)
{
    kube_obs_t *o = xcalloc(1, sizeof *o);
    o->client = c;
    o->requests = obs_counter(reg, "kube_requests_total", "Requests to Kubernetes API servers, per attempt.",
                              "cluster,verb,code");
    o->duration = obs_histogram(reg, "kube_request_duration_seconds",
                                "Time to the response (streams: to the response headers).", "cluster,verb", NULL, 0);
    o->events = obs_counter(reg, "kube_watch_events_total", "Events delivered by reflectors.",
                            "cluster,resource,type");
    o->relists = obs_counter(reg, "kube_relists_total", "Relists after 410 Expired or unresumable watches.",
                             "cluster,resource");
    o->wait = obs_histogram(reg, "kube_ratelimiter_wait_seconds", "Time requests waited for the client rate limiter.",
                            "cluster", NULL, 0);
    o->dropped = obs_counter(reg, "kube_dropped_objects_total", "Watch lines or objects dropped (oversized, malformed).",
                             "cluster,resource,reason");
    o->up = obs_gauge(reg, "cluster_up", "1 when the cluster is connected or syncing.", "cluster");
    o->objects = obs_gauge(reg, "kube_objects", "Objects held per watched resource type.", "cluster,resource");
    /* A counter kept by the cluster (kube_cluster_stats), copied at scrape
     * time; it restarts with the cluster when one is removed and re-added. */
    o->bytes = obs_counter(reg, "kube_response_bytes_total",
                           "Response body bytes received from the API server (after decompression).", "cluster");
    kube_hooks_t h = {.ud = o,
                      .request = h_request,
                      .watch_event = h_event,
                      .relist = h_relist,
                      .ratelimit_wait = h_wait,
                      .dropped = h_dropped};
    kube_client_set_hooks(c, &h);
    obs_on_collect(reg, collect, o);
    o->reg = reg;
    return o;
}

void kube_obs_detach(kube_obs_t *o)
{
    if (!o || !o->client) return;
    kube_client_set_hooks(o->client, NULL);
    o->client = NULL;
}

void kube_obs_free(kube_obs_t *o)
{
    if (!o) return;
    obs_off_collect(o->reg, collect, o);
    free(o);
}
