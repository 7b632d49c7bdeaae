/* ctrl.c — the controller manager of kubesim: one context, work queues keyed
 * by "namespace/name", a timer heap for requeues, the store subscription
 * that turns changes into queue entries, and the 100 ms tick that drains the
 * queues within a time budget. Each controller lives in its own ctrl_*.c and
 * is called through the table below.
 *
 * A tick works at most TICK_BUDGET_NS, so the API stays responsive; when
 * it leaves work queued (churn at thousands of changes per second) the
 * next tick comes after BACKLOG_TICK_MS instead of TICK_MS, so the
 * controllers keep up when the loop has time to spare rather than letting
 * reactions (endpoints, ReplicaSet status, replacement pods) pile up. A
 * "controllers" log line every 10 s reports syncs per second and the
 * backlog while there is work.
 *
 * Like client-go's workqueue, a key is queued at most once; a sync answers
 * 0 (done), a positive number of milliseconds (look again then) or a
 * negative error (retry with backoff). Syncs never block and never hold
 * store pointers across loop turns.
 */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "ctrl.h"
#include "ctrl_internal.h"

#define TICK_MS 100
#define TICK_BUDGET_NS (25 * 1000000ull) /* share of each tick the controllers may use */
#define BACKLOG_TICK_MS 5 /* next tick this soon while work is left over */
#define REPORT_MS 10000   /* the "controllers" log line */

static const struct {
    const char *name;
    ctrl_sync_fn sync;
} ctrl_table[CTRL_NQ] = {
    [CQ_DEPLOY] = {"deployment", ctrl_deployment_sync}, [CQ_RS] = {"replicaset", ctrl_replicaset_sync},
    [CQ_STS] = {"statefulset", ctrl_statefulset_sync},  [CQ_DS] = {"daemonset", ctrl_daemonset_sync},
    [CQ_JOB] = {"job", ctrl_job_sync},                  [CQ_CRONJOB] = {"cronjob", ctrl_cronjob_sync},
    [CQ_ENDPOINTS] = {"endpoints", ctrl_endpoints_sync}, [CQ_SCHED] = {"scheduler", ctrl_scheduler_sync},
    [CQ_KUBELET] = {"kubelet", ctrl_kubelet_sync},      [CQ_PV] = {"persistentvolume", ctrl_pv_sync},
    [CQ_NODE] = {"node", ctrl_node_sync},
};

/* ---- queues ---- */

void ctrl_enqueue(sim_controllers_t *c, int q, const char *ns, const char *name)
{
    if (!name || c->stopping) return;
    ctrl_queue_t *cq = &c->q[q];
    char key[512];
    int n = snprintf(key, sizeof key, "%s/%s", ns ? ns : "", name);
    if (n <= 0 || (size_t)n >= sizeof key) return;
    if (map_get(&cq->set, key, (size_t)n)) return;
    map_put(&cq->set, key, (size_t)n, (void *)1);
    if (cq->len == cq->cap) {
        size_t ncap = cq->cap ? cq->cap * 2 : 64;
        char **nr = xmalloc(ncap * sizeof *nr);
        for (size_t i = 0; i < cq->len; i++) nr[i] = cq->ring[(cq->head + i) % cq->cap];
        free(cq->ring);
        cq->ring = nr;
        cq->cap = ncap;
        cq->head = 0;
    }
    cq->ring[(cq->head + cq->len) % cq->cap] = xstrndup(key, (size_t)n);
    cq->len++;
}

static char *queue_pop(ctrl_queue_t *cq)
{
    if (!cq->len) return NULL;
    char *k = cq->ring[cq->head];
    cq->head = (cq->head + 1) % cq->cap;
    cq->len--;
    map_dels(&cq->set, k);
    return k;
}

/* ---- delayed requeues: a binary min-heap on due time ---- */

static void heap_swap(ctrl_delay_t *a, ctrl_delay_t *b)
{
    ctrl_delay_t t = *a;
    *a = *b;
    *b = t;
}

void ctrl_enqueue_after(sim_controllers_t *c, int q, const char *ns, const char *name, int64_t delay_ms)
{
    if (!name || c->stopping) return;
    if (c->nheap == c->heap_cap) {
        c->heap_cap = c->heap_cap ? c->heap_cap * 2 : 256;
        c->heap = xrealloc(c->heap, c->heap_cap * sizeof *c->heap);
    }
    size_t i = c->nheap++;
    size_t nl = strlen(ns ? ns : ""), ml = strlen(name);
    char *key = xmalloc(nl + ml + 2);
    memcpy(key, ns ? ns : "", nl);
    key[nl] = '/';
    memcpy(key + nl + 1, name, ml + 1);
    c->heap[i] = (ctrl_delay_t){clock_mono_ms() + (uint64_t)(delay_ms > 0 ? delay_ms : 0), q, key};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (c->heap[p].due <= c->heap[i].due) break;
        heap_swap(&c->heap[p], &c->heap[i]);
        i = p;
    }
}

static void heap_pop(sim_controllers_t *c)
{
    c->heap[0] = c->heap[--c->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->nheap && c->heap[l].due < c->heap[m].due) m = l;
        if (r < c->nheap && c->heap[r].due < c->heap[m].due) m = r;
        if (m == i) break;
        heap_swap(&c->heap[m], &c->heap[i]);
        i = m;
    }
}

static void split_key(char *key, const char **ns, const char **name)
{
    char *slash = strchr(key, '/');
    *slash = '\0';
    *ns = key;
    *name = slash + 1;
}

/* ---- the tick ---- */

static void tick(uv_timer_t *t)
{
    sim_controllers_t *c = t->data;
    uint64_t start = clock_mono_ns();
    c->now_ms = clock_wall_ms();
    uint64_t mono = clock_mono_ms();
    while (c->nheap && c->heap[0].due <= mono) {
        ctrl_delay_t d = c->heap[0];
        heap_pop(c);
        const char *ns, *name;
        split_key(d.key, &ns, &name);
        ctrl_enqueue(c, d.q, ns, name);
        free(d.key);
    }
    ctrl_periodic(c);
    /* Round-robin over the queues, one item each per round, so a flood in
     * one controller (150k pods to look at) cannot starve the others. */
    bool any = true;
    while (any && clock_mono_ns() - start < TICK_BUDGET_NS) {
        any = false;
        for (int q = 0; q < CTRL_NQ; q++) {
            char *key = queue_pop(&c->q[q]);
            if (!key) continue;
            any = true;
            const char *ns, *name;
            split_key(key, &ns, &name);
            int rc = ctrl_table[q].sync(c, ns, name);
            if (rc > 0) {
                ctrl_enqueue_after(c, q, ns, name, rc);
            } else if (rc < 0) {
                c->errors++;
                ctrl_enqueue_after(c, q, ns, name, 500 + (int64_t)sim_rng_below(&c->rng, 1000));
            }
            c->syncs++;
            free(key);
        }
    }
    size_t queued = 0;
    for (int q = 0; q < CTRL_NQ; q++) queued += c->q[q].len;
    c->ctx->stats.ctrl_queued = queued;
    c->ctx->stats.ctrl_syncs = c->syncs;
    /* Work left over: come back soon instead of in TICK_MS. */
    if (queued && !c->stopping) uv_timer_start(t, tick, BACKLOG_TICK_MS, TICK_MS);
    else if (c->backlog && !c->stopping) uv_timer_start(t, tick, TICK_MS, TICK_MS);
    c->backlog = queued > 0;
    if (mono - c->report_ms >= REPORT_MS) {
        double secs = (double)(mono - c->report_ms) / 1000.0;
        if (c->syncs != c->report_syncs || queued)
            log_info("controllers", "syncs_per_s=%.1f queued=%zu delayed=%zu errors=%llu",
                     (double)(c->syncs - c->report_syncs) / secs, queued, c->nheap, (unsigned long long)c->errors);
        c->report_ms = mono;
        c->report_syncs = c->syncs;
    }
}

/* ---- store events → queue entries ---- */

static void on_event(const sim_event_t *ev, void *ud)
{
    sim_controllers_t *c = ud;
    if (c->stopping) return;
    ctrl_dispatch_event(c, ev);
}

static void closed(uv_handle_t *h)
{
    sim_controllers_t *c = h->data;
    for (int q = 0; q < CTRL_NQ; q++) {
        char *k;
        while ((k = queue_pop(&c->q[q])) != NULL) free(k);
        free(c->q[q].ring);
        map_free(&c->q[q].set);
    }
    for (size_t i = 0; i < c->nheap; i++) free(c->heap[i].key);
    free(c->heap);
    ctrl_state_free(c);
    free(c);
}

sim_controllers_t *sim_controllers_start(sim_ctx_t *ctx, err_t *err)
{
    sim_controllers_t *c = xcalloc(1, sizeof *c);
    c->ctx = ctx;
    c->st = ctx->store;
    c->rng = sim_mix64((ctx->cfg ? ctx->cfg->seed : 1) ^ 0xc0ffee);
    c->now_ms = clock_wall_ms();
    c->report_ms = clock_mono_ms();
    if (ctrl_kinds_init(c, err) < 0) {
        free(c);
        return NULL;
    }
    ctrl_bootstrap(c);
    c->sub = sim_store_subscribe(c->st, on_event, c);
    ctrl_initial_sweep(c);
    uv_timer_init(ctx->loop, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, tick, 0, TICK_MS);
    log_info("controllers started", "nodes=%zu pods=%zu", sim_store_count(c->st, c->k.node),
             sim_store_count(c->st, c->k.pod));
    return c;
}

void sim_controllers_stop(sim_controllers_t *c)
{
    if (!c || c->stopping) return;
    c->stopping = true;
    sim_store_unsubscribe(c->st, c->sub);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, closed);
}

void sim_controllers_run_once(sim_controllers_t *c) { tick(&c->timer); }
