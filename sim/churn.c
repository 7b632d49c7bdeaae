/* churn.c — `kubesim --churn R`: R object changes per second (sim_churn_* in
 * ctrl.h).
 *
 * A 100 Hz uv timer makes the changes due since its last tick (R per
 * second of loop time, carrying the fraction over), each one of: a pod readiness flip (status), a pod label edit, a
 * ConfigMap edit, a pod deletion (its ReplicaSet replaces it when the
 * controllers run) or a Deployment scaled by ±1. Targets are drawn with a
 * seeded generator from a list of pod and ConfigMap keys kept current by a
 * store subscription, so the sequence of choices is reproducible. Changes
 * to metadata carry the annotation kubesim.io/churn-ts (wall-clock µs) for
 * lag measurements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/log.h"
#include "base/mem.h"
#include "ctrl_internal.h"

#define CHURN_HZ 100

typedef struct keyset {
    char **v;
    size_t n, cap;
    map_t idx; /* key → index+1 */
} keyset_t;

struct sim_churn {
    sim_ctx_t *ctx;
    ctrl_kinds_t k;
    uv_timer_t timer;
    int sub;
    bool stopping;
    uint64_t rng;
    double rate, carry;
    uint64_t last_ms; /* loop time of the previous tick */
    keyset_t pods, cms, deps;
    uint64_t done, failed;
};

static void ks_add(keyset_t *s, const char *key)
{
    if (map_gets(&s->idx, key)) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n] = xstrdup(key);
    s->n++;
    map_puts(&s->idx, key, (void *)(uintptr_t)s->n);
}

static void ks_del(keyset_t *s, const char *key)
{
    uintptr_t i = (uintptr_t)map_dels(&s->idx, key);
    if (!i) return;
    i--;
    free(s->v[i]);
    s->n--;
    if (i != s->n) {
        s->v[i] = s->v[s->n];
        map_puts(&s->idx, s->v[i], (void *)(uintptr_t)(i + 1));
    }
}

static void ks_free(keyset_t *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    map_free(&s->idx);
}

static void obj_key(const sim_obj_t *o, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", sim_obj_namespace(o), sim_obj_name(o));
}

static keyset_t *set_for(sim_churn_t *ch, const sim_kind_t *k)
{
    if (k == ch->k.pod) return &ch->pods;
    if (k == ch->k.cm) return &ch->cms;
    if (k == ch->k.deploy) return &ch->deps;
    return NULL;
}

static void on_event(const sim_event_t *ev, void *ud)
{
    sim_churn_t *ch = ud;
    keyset_t *s = set_for(ch, ev->kind);
    if (!s) return;
    char key[512];
    obj_key(ev->obj, key, sizeof key);
    if (ev->type == SIM_ADDED) ks_add(s, key);
    else if (ev->type == SIM_DELETED) ks_del(s, key);
}

static bool collect(const sim_obj_t *o, void *ud)
{
    keyset_t *s = ud;
    char key[512];
    obj_key(o, key, sizeof key);
    /* kube-root-ca.crt is managed; leave it alone */
    if (strstr(key, "/kube-root-ca.crt")) return true;
    ks_add(s, key);
    return true;
}

static void stamp(cJSON *obj)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)tv.tv_sec * 1000000 + tv.tv_usec);
    sim_jset_str(sim_jobj(sim_jobj(obj, "metadata"), "annotations"), "kubesim.io/churn-ts", v);
}

static char *split(char *key)
{
    char *s = strchr(key, '/');
    *s = '\0';
    return s + 1;
}

static int churn_one(sim_churn_t *ch)
{
    sim_store_t *st = ch->ctx->store;
    uint32_t r = sim_rng_below(&ch->rng, 100);
    err_t e = {0};
    char key[512];
    if (r < 60 && ch->pods.n) {
        snprintf(key, sizeof key, "%s", ch->pods.v[sim_rng_below(&ch->rng, (uint32_t)ch->pods.n)]);
        char *name = split(key), *ns = key;
        cJSON *pod = sim_get_copy(st, ch->k.pod, ns, name);
        if (!pod) return -1;
        if (r < 30) {
            /* readiness flip: the Ready condition and the containers' ready flags */
            const cJSON *c;
            bool now_ready = false;
            cJSON_ArrayForEach(c, sim_jpath(pod, "status", "conditions", NULL))
            {
                const char *t = sim_jstr(c, "type");
                if (t && (strcmp(t, "Ready") == 0 || strcmp(t, "ContainersReady") == 0)) {
                    const char *s = sim_jstr(c, "status");
                    now_ready = !(s && strcmp(s, "True") == 0);
                    sim_jset_str((cJSON *)c, "status", now_ready ? "True" : "False");
                }
            }
            cJSON_ArrayForEach(c, sim_jpath(pod, "status", "containerStatuses", NULL))
                sim_jset((cJSON *)c, "ready", cJSON_CreateBool(now_ready));
            return sim_update_status(st, ch->k.pod, ns, pod, NULL, NULL, &e);
        }
        if (r < 52) {
            char v[16];
            snprintf(v, sizeof v, "v%u", sim_rng_below(&ch->rng, 1000));
            sim_jset_str(sim_jobj(sim_jobj(pod, "metadata"), "labels"), "churn", v);
            stamp(pod);
            return sim_update(st, ch->k.pod, ns, pod, NULL, NULL, &e);
        }
        cJSON_Delete(pod);
        /* deletion: only pods a controller will replace */
        const sim_obj_t *o = sim_get_obj(st, ch->k.pod, ns, name);
        ctrl_owner_t ow;
        if (!o || !ctrl_controller_of(o, &ow) || strcmp(ow.kind, "ReplicaSet") != 0) return -1;
        bool pending = false;
        return sim_delete(st, ch->k.pod, ns, name, NULL, NULL, &pending, &e);
    }
    if (r < 90 && ch->cms.n) {
        snprintf(key, sizeof key, "%s", ch->cms.v[sim_rng_below(&ch->rng, (uint32_t)ch->cms.n)]);
        char *name = split(key), *ns = key;
        cJSON *cm = sim_get_copy(st, ch->k.cm, ns, name);
        if (!cm) return -1;
        char v[32];
        snprintf(v, sizeof v, "%u", sim_rng_below(&ch->rng, 3600));
        sim_jset_str(sim_jobj(cm, "data"), "CACHE_TTL", v);
        stamp(cm);
        return sim_update(st, ch->k.cm, ns, cm, NULL, NULL, &e);
    }
    if (ch->deps.n) {
        snprintf(key, sizeof key, "%s", ch->deps.v[sim_rng_below(&ch->rng, (uint32_t)ch->deps.n)]);
        char *name = split(key), *ns = key;
        cJSON *d = sim_get_copy(st, ch->k.deploy, ns, name);
        if (!d) return -1;
        cJSON *sp = sim_jobj(d, "spec");
        int64_t rep = sim_jint(sp, "replicas", 1);
        /* keep the total stable: small sets grow, large ones shrink */
        rep += rep <= 2 ? 1 : (rep >= 5 ? -1 : (sim_rng_below(&ch->rng, 2) ? 1 : -1));
        sim_jset_num(sp, "replicas", (double)rep);
        stamp(d);
        return sim_update(st, ch->k.deploy, ns, d, NULL, NULL, &e);
    }
    return -1;
}

static void tick(uv_timer_t *t)
{
    sim_churn_t *ch = t->data;
    /* By elapsed time, not per tick: on a busy machine ticks come late, and
     * R changes per second should still be R. A late tick catches up by at
     * most 50 ms worth, so one burst never holds the loop (and the API)
     * for long. */
    uint64_t now = uv_now(t->loop);
    double due = ch->last_ms ? (double)(now - ch->last_ms) * ch->rate / 1000.0 : ch->rate / CHURN_HZ;
    ch->last_ms = now;
    ch->carry += due < ch->rate / 20 ? due : ch->rate / 20;
    int n = (int)ch->carry;
    ch->carry -= n;
    for (int i = 0; i < n; i++) {
        if (churn_one(ch) == 0) ch->done++;
        else ch->failed++;
    }
}

sim_churn_t *sim_churn_start(sim_ctx_t *ctx, err_t *err)
{
    if (!ctx->cfg || ctx->cfg->churn <= 0) {
        err_set(err, ERR_INVALID, "--churn must be positive");
        return NULL;
    }
    sim_churn_t *ch = xcalloc(1, sizeof *ch);
    sim_controllers_t tmp = {.st = ctx->store};
    if (ctrl_kinds_init(&tmp, err) < 0) {
        free(ch);
        return NULL;
    }
    ch->ctx = ctx;
    ch->k = tmp.k;
    ch->rate = ctx->cfg->churn;
    ch->rng = sim_mix64(ctx->cfg->seed ^ 0xc4a2);
    sim_each(ctx->store, ch->k.pod, NULL, collect, &ch->pods);
    sim_each(ctx->store, ch->k.cm, NULL, collect, &ch->cms);
    sim_each(ctx->store, ch->k.deploy, NULL, collect, &ch->deps);
    ch->sub = sim_store_subscribe(ctx->store, on_event, ch);
    uv_timer_init(ctx->loop, &ch->timer);
    ch->timer.data = ch;
    uv_timer_start(&ch->timer, tick, 1000 / CHURN_HZ, 1000 / CHURN_HZ);
    log_info("churn started", "rate=%g pods=%zu configmaps=%zu deployments=%zu", ch->rate, ch->pods.n, ch->cms.n,
             ch->deps.n);
    return ch;
}

static void churn_closed(uv_handle_t *h)
{
    sim_churn_t *ch = h->data;
    ks_free(&ch->pods);
    ks_free(&ch->cms);
    ks_free(&ch->deps);
    free(ch);
}

void sim_churn_stop(sim_churn_t *ch)
{
    if (!ch || ch->stopping) return;
    ch->stopping = true;
    sim_store_unsubscribe(ch->ctx->store, ch->sub);
    uv_timer_stop(&ch->timer);
    uv_close((uv_handle_t *)&ch->timer, churn_closed);
}
