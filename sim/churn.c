/* churn.c — `kubesim --churn R`: R object changes per second (sim_churn_* in
 * ctrl.h).
 *
 * Pacing. A 100 Hz uv timer makes the changes due by elapsed time (R per
 * second of monotonic time, the fraction carried over), not a fixed number
 * per tick: a tick that comes late on a busy machine makes up the changes
 * of the ticks it missed. When the loop falls behind, a tick works at most
 * CHURN_BUDGET_MS and leaves the rest owed to the next tick, so HTTP,
 * watches and the controllers keep getting the loop; owing more than
 * CHURN_MAX_DEBT_S seconds' worth (a stalled machine) forgives the excess,
 * counted as skipped. Every CHURN_REPORT_S seconds a "churn" log line
 * reports the rate achieved (and sim_ctx_t.stats holds it for /metrics),
 * so a benchmark can tell whether R was sustained.
 *
 * Changes. Each is one of: a pod readiness flip (status), a pod label
 * edit, a ConfigMap edit, a pod deletion (its ReplicaSet replaces it when
 * the controllers run) or a Deployment scaled by ±1. They are made with
 * sim_update_members on the stored text — the member being changed is
 * parsed and printed, not the whole object — which keeps one change at a
 * few µs instead of a parse, a copy and a print of a 20 KB tree. Targets
 * are drawn with a seeded generator from a list of pod and ConfigMap keys
 * kept current by a store subscription, so the sequence of choices is
 * reproducible. Changes to metadata carry the annotation
 * kubesim.io/churn-ts (wall-clock µs) for lag measurements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/log.h"
#include "base/mem.h"
#include "ctrl_internal.h"

#define CHURN_HZ 100
#define CHURN_BUDGET_MS 40  /* of work per tick at most (when behind) */
#define CHURN_MAX_DEBT_S 2  /* owed changes beyond this many seconds are skipped */
#define CHURN_REPORT_S 10   /* the "churn" log line */

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
    uint64_t last_ns; /* monotonic time of the previous tick */
    keyset_t pods, cms, deps;
    uint64_t done, failed, skipped;
    uint64_t by_kind[128]; /* committed changes per kind id since the last report */
    /* the last report */
    uint64_t rep_ns, rep_done, rep_failed, rep_skipped, rep_rv;
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
    if (ev->kind->id >= 0 && ev->kind->id < 128) ch->by_kind[ev->kind->id]++;
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

/* metadata.annotations with kubesim.io/churn-ts set to now (wall µs). */
static cJSON *stamped_annotations(const sim_obj_t *o)
{
    cJSON *a = sim_obj_member(o, "metadata.annotations");
    if (!cJSON_IsObject(a)) {
        cJSON_Delete(a);
        a = cJSON_CreateObject();
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)tv.tv_sec * 1000000 + tv.tv_usec);
    sim_jset_str(a, "kubesim.io/churn-ts", v);
    return a;
}

/* An object member to change, or a new empty object. */
static cJSON *member_obj(const sim_obj_t *o, const char *path)
{
    cJSON *m = sim_obj_member(o, path);
    if (cJSON_IsObject(m)) return m;
    cJSON_Delete(m);
    return cJSON_CreateObject();
}

/* Write the members (path, tree) pairs of o; takes the trees. */
static int write_members(sim_churn_t *ch, const sim_obj_t *o, size_t n, const char *const *paths, cJSON **trees)
{
    sim_member_edit_t ed[4];
    char *txt[4];
    for (size_t i = 0; i < n; i++) {
        txt[i] = cJSON_PrintUnformatted(trees[i]);
        cJSON_Delete(trees[i]);
        ed[i] = (sim_member_edit_t){paths[i], txt[i], 0};
    }
    err_t e = {0};
    int rc = sim_update_members(ch->ctx->store, sim_obj_kind(o), sim_obj_namespace(o), sim_obj_name(o), 0, ed, n,
                                NULL, &e);
    for (size_t i = 0; i < n; i++) cJSON_free(txt[i]);
    return rc;
}

/* The object named by a random key of s. */
static const sim_obj_t *pick(sim_churn_t *ch, keyset_t *s, const sim_kind_t *k)
{
    char key[512];
    snprintf(key, sizeof key, "%s", s->v[sim_rng_below(&ch->rng, (uint32_t)s->n)]);
    char *slash = strchr(key, '/');
    *slash = '\0';
    return sim_get_obj(ch->ctx->store, k, key, slash + 1);
}

static int churn_one(sim_churn_t *ch)
{
    sim_store_t *st = ch->ctx->store;
    uint32_t r = sim_rng_below(&ch->rng, 100);
    if (r < 60 && ch->pods.n) {
        const sim_obj_t *pod = pick(ch, &ch->pods, ch->k.pod);
        if (!pod) return -1;
        if (r < 30) {
            /* readiness flip: the Ready condition and the containers' ready flags */
            cJSON *status = sim_obj_member(pod, "status");
            if (!cJSON_IsObject(status)) {
                cJSON_Delete(status);
                return -1;
            }
            const cJSON *c;
            bool now_ready = false;
            cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "conditions"))
            {
                const char *t = sim_jstr(c, "type");
                if (t && (strcmp(t, "Ready") == 0 || strcmp(t, "ContainersReady") == 0)) {
                    const char *s = sim_jstr(c, "status");
                    now_ready = !(s && strcmp(s, "True") == 0);
                    sim_jset_str((cJSON *)c, "status", now_ready ? "True" : "False");
                }
            }
            cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "containerStatuses"))
                sim_jset((cJSON *)c, "ready", cJSON_CreateBool(now_ready));
            const char *paths[] = {"status"};
            return write_members(ch, pod, 1, paths, &status);
        }
        if (r < 52) {
            cJSON *labels = member_obj(pod, "metadata.labels");
            char v[16];
            snprintf(v, sizeof v, "v%u", sim_rng_below(&ch->rng, 1000));
            sim_jset_str(labels, "churn", v);
            const char *paths[] = {"metadata.labels", "metadata.annotations"};
            cJSON *trees[] = {labels, stamped_annotations(pod)};
            return write_members(ch, pod, 2, paths, trees);
        }
        /* deletion: only pods a controller will replace */
        ctrl_owner_t ow;
        if (!ctrl_controller_of(pod, &ow) || strcmp(ow.kind, "ReplicaSet") != 0) return -1;
        char ns[256], name[256];
        snprintf(ns, sizeof ns, "%s", sim_obj_namespace(pod));
        snprintf(name, sizeof name, "%s", sim_obj_name(pod));
        bool pending = false;
        err_t e = {0};
        return sim_delete(st, ch->k.pod, ns, name, NULL, NULL, &pending, &e);
    }
    if (r < 90 && ch->cms.n) {
        const sim_obj_t *cm = pick(ch, &ch->cms, ch->k.cm);
        if (!cm) return -1;
        cJSON *data = member_obj(cm, "data");
        char v[32];
        snprintf(v, sizeof v, "%u", sim_rng_below(&ch->rng, 3600));
        sim_jset_str(data, "CACHE_TTL", v);
        const char *paths[] = {"data", "metadata.annotations"};
        cJSON *trees[] = {data, stamped_annotations(cm)};
        return write_members(ch, cm, 2, paths, trees);
    }
    if (ch->deps.n) {
        const sim_obj_t *d = pick(ch, &ch->deps, ch->k.deploy);
        if (!d) return -1;
        cJSON *rj = sim_obj_member(d, "spec.replicas");
        int64_t rep = cJSON_IsNumber(rj) ? (int64_t)rj->valuedouble : 1;
        cJSON_Delete(rj);
        /* keep the total stable: small sets grow, large ones shrink */
        rep += rep <= 2 ? 1 : (rep >= 5 ? -1 : (sim_rng_below(&ch->rng, 2) ? 1 : -1));
        const char *paths[] = {"spec.replicas", "metadata.annotations"};
        cJSON *trees[] = {cJSON_CreateNumber((double)rep), stamped_annotations(d)};
        return write_members(ch, d, 2, paths, trees);
    }
    return -1;
}

typedef struct kind_name_ctx {
    int id;
    const char **out;
} kind_name_ctx_t;

static bool kind_name(const sim_kind_t *k, void *ud)
{
    kind_name_ctx_t *c = ud;
    if (k->id != c->id) return true;
    *c->out = k->resource;
    return false;
}

static void report(sim_churn_t *ch, uint64_t now)
{
    double secs = (double)(now - ch->rep_ns) / 1e9;
    uint64_t rv = sim_store_rv(ch->ctx->store);
    sim_stats_t *stats = &ch->ctx->stats;
    stats->churn_achieved = (double)(ch->done - ch->rep_done) / secs;
    stats->changes_per_s = (double)(rv - ch->rep_rv) / secs;
    /* the kinds that changed most, "pods:2411 replicasets:803 …" */
    char top[256] = "";
    size_t tl = 0;
    for (int k = 0; k < 5; k++) {
        int best = -1;
        for (int i = 0; i < 128; i++)
            if (ch->by_kind[i] && (best < 0 || ch->by_kind[i] > ch->by_kind[best])) best = i;
        if (best < 0) break;
        const char *res = "?";
        kind_name_ctx_t kc = {best, &res};
        sim_kind_each(ch->ctx->store, kind_name, &kc);
        int n = snprintf(top + tl, sizeof top - tl, "%s%s:%.0f", tl ? " " : "", res,
                         (double)ch->by_kind[best] / secs);
        if (n > 0 && (size_t)n < sizeof top - tl) tl += (size_t)n;
        ch->by_kind[best] = 0;
    }
    memset(ch->by_kind, 0, sizeof ch->by_kind);
    log_info("churn",
             "target=%g achieved=%.1f changes_per_s=%.1f failed=%llu skipped=%llu owed=%.0f seconds=%.1f "
             "top_kinds=%s",
             ch->rate, stats->churn_achieved, stats->changes_per_s,
             (unsigned long long)(ch->failed - ch->rep_failed), (unsigned long long)(ch->skipped - ch->rep_skipped),
             ch->carry, secs, top);
    ch->rep_ns = now;
    ch->rep_done = ch->done;
    ch->rep_failed = ch->failed;
    ch->rep_skipped = ch->skipped;
    ch->rep_rv = rv;
}

static void tick(uv_timer_t *t)
{
    sim_churn_t *ch = t->data;
    uint64_t now = uv_hrtime();
    ch->carry += (double)(now - ch->last_ns) * ch->rate / 1e9;
    ch->last_ns = now;
    double cap = ch->rate * CHURN_MAX_DEBT_S;
    if (ch->carry > cap) {
        ch->skipped += (uint64_t)(ch->carry - cap);
        ch->carry = cap;
    }
    uint64_t deadline = now + CHURN_BUDGET_MS * 1000000ull;
    for (unsigned i = 0; ch->carry >= 1; i++) {
        if ((i & 15) == 15 && uv_hrtime() > deadline) break;
        if (churn_one(ch) == 0) ch->done++;
        else ch->failed++;
        ch->carry -= 1;
    }
    ch->ctx->stats.churn_done = ch->done;
    ch->ctx->stats.churn_failed = ch->failed;
    if (now - ch->rep_ns >= CHURN_REPORT_S * 1000000000ull) report(ch, now);
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
    ch->last_ns = ch->rep_ns = uv_hrtime();
    ch->rep_rv = sim_store_rv(ctx->store);
    ctx->stats.churn_rate = ch->rate;
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
