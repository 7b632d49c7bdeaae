/* kube_int.h — what the files of core/kube share and nobody else needs:
 * the cluster's hooks into reflectors and discovery, and metric emitters.
 */
#ifndef KB_KUBE_INT_H
#define KB_KUBE_INT_H

#include "kube/kube.h"

/* Reflectors and discoveries register with their cluster so that the
 * cluster status can count unsynced reflectors, a closed breaker can wake
 * reflectors that are backing off, and kube_cluster_free can free what is
 * still attached. */
typedef struct kube_attached {
    struct kube_attached *next, *prev;
    void (*kick)(struct kube_attached *a);   /* retry now (breaker closed) */
    void (*destroy)(struct kube_attached *a); /* the cluster is going away */
    bool unsynced;                            /* counts against CONNECTED */
    kube_reflector_t *reflector;              /* set for reflectors (metrics) */
} kube_attached_t;

void kube_cluster__attach(kube_cluster_t *cl, kube_attached_t *a);
void kube_cluster__detach(kube_cluster_t *cl, kube_attached_t *a);
/* A reflector's sync state changed; recomputes the cluster status. */
void kube_cluster__set_unsynced(kube_cluster_t *cl, kube_attached_t *a, bool unsynced);
/* Discovery's verdict on whether our identity may read the API at all. */
void kube_cluster__set_forbidden(kube_cluster_t *cl, bool forbidden, const char *msg);

uv_loop_t *kube_cluster__loop(const kube_cluster_t *cl);
/* Iteration for metrics: clusters of a client (prev NULL → first), and the
 * reflectors/discoveries attached to a cluster (follow ->next). */
kube_cluster_t *kube_client__next_cluster(kube_client_t *c, kube_cluster_t *prev);
kube_attached_t *kube_cluster__first_attached(kube_cluster_t *cl);
const kube_cluster_config_t *kube_cluster__config(const kube_cluster_t *cl);
/* Metric emitters (no-ops without hooks). */
void kube_cluster__watch_event(kube_cluster_t *cl, const char *resource, int type);
void kube_cluster__relist(kube_cluster_t *cl, const char *resource);
void kube_cluster__dropped(kube_cluster_t *cl, const char *resource, const char *reason);
/* Feed one list response body to a reflector as if its list request had
 * answered it (delivering the items, without asking for the next page):
 * for bench/sync's in-process ingest measurement and tests. 1 delivered,
 * 0 malformed, -1 the reflector was freed in a callback. */
int kube_reflector__ingest_page(kube_reflector_t *r, const char *body, size_t len);
/* Random double in [0,1) from the cluster's generator (jitter). */
double kube_cluster__rand(kube_cluster_t *cl);

#endif
