/* events_api.c — GET /clusters/{c}/events and the watch that feeds it.
 *
 * The store projects objects for the topology and keeps no event text, so
 * the API runs its own reflector on core/v1 events per cluster and files
 * them in a bounded ring (events.h). Queries filter by namespace, object
 * (a workload's ID includes the events of everything it owns, down to its
 * pods), type and time, and by what the asker may list: a restricted user
 * sees the events of namespaces where they may list events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

static void ev_event(int type, cJSON *obj, void *ud)
{
    api_cluster_t *ac = ud;
    api_events_apply(&ac->events, type, obj);
}

static void ev_synced(void *ud)
{
    api_cluster_t *ac = ud;
    ac->ev_synced = true;
}

static void ev_status(kube_reflector_state_t st, const char *msg, void *ud)
{
    api_cluster_t *ac = ud;
    if (st == KUBE_REFLECTOR_FORBIDDEN || st == KUBE_REFLECTOR_ERROR)
        log_warn("events not watched", "cluster=%s state=%s error=%s", ac->id, kube_reflector_state_name(st), msg);
}

void api_events_attach(api_cluster_t *ac)
{
    if (ac->ev_refl) return;
    kube_reflector_handlers_t h = {ev_event, ev_synced, ev_status};
    err_t e = {0};
    ac->ev_refl = kube_reflector_new(cluster_kube(ac->c), "", "v1", "events", NULL, &h, ac, &e);
    if (!ac->ev_refl) log_warn("events not watched", "cluster=%s error=%s", ac->id, e.msg);
}

void api_events_detach(api_cluster_t *ac)
{
    if (ac->ev_refl) kube_reflector_free(ac->ev_refl);
    ac->ev_refl = NULL;
}

typedef struct ev_st {
    char *ns, *type, *object;
    int64_t since_ms;
    size_t limit;
    const char **nss;
} ev_st_t;

static void ev_free(ev_st_t *st)
{
    if (!st) return;
    free(st->ns);
    free(st->type);
    free(st->object);
    free(st->nss);
    free(st);
}

static void ev_gone(api_req_t *q)
{
    ev_free(q->st);
    q->st = NULL;
}

static bool ev_visible(const char *ns, void *ud)
{
    api_req_t *q = ud;
    if (!q->view) return true;
    return api_view_allows(q->view, api_now_ms(), ns, "", "events") == 1;
}

typedef struct owned {
    store_t *s;
    map_t *ids;
    int depth;
} owned_t;

static void add_owned(owned_t *w, store_oid_t o);

static bool owned_cb(store_oid_t o, void *ud)
{
    owned_t *w = ud;
    if (w->ids->len >= 10000) return false;
    buf_t id = {0};
    store_obj_id(w->s, o, &id);
    map_put(w->ids, id.data, id.len, (void *)1);
    buf_free(&id);
    if (w->depth < 4) add_owned(w, o);
    return true;
}

static void add_owned(owned_t *w, store_oid_t o)
{
    char uid[40];
    uint8_t ub[16] = {0};
    store_obj_uid(w->s, o, uid);
    int k = 0;
    for (const char *p = uid; *p && k < 32; p++) {
        int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
        if (v < 0) continue;
        ub[k / 2] = (uint8_t)(ub[k / 2] << 4 | v);
        k++;
    }
    w->depth++;
    store_each_owned_by(w->s, ub, owned_cb, w);
    w->depth--;
}

static void ev_run(api_req_t *q)
{
    ev_st_t *st = q->st;
    map_t ids = {0};
    api_events_query_t eq = {.ns = st->ns, .type = st->type, .since_ms = st->since_ms, .limit = st->limit,
                             .visible = ev_visible, .ud = q};
    if (st->object) {
        map_puts(&ids, st->object, (void *)1);
        store_t *s = cluster_store(q->c);
        store_oid_t o = store_find(s, st->object, strlen(st->object));
        if (o != STORE_NONE) {
            owned_t w = {s, &ids, 0};
            add_owned(&w, o);
        }
        eq.objects = &ids;
    }
    buf_t b = {0};
    api_events_json(&q->ac->events, &eq, &b);
    map_free(&ids);
    /* say whether the ring is complete yet */
    if (b.len && b.data[b.len - 1] == '}') {
        b.len--;
        buf_printf(&b, ",\"synced\":%s}", q->ac->ev_synced ? "true" : "false");
    }
    ev_free(st);
    q->st = NULL;
    q->on_gone = NULL;
    api_req_json(q, 200, &b);
}

static void h_events(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    ev_st_t *st = xcalloc(1, sizeof *st);
    q->st = st;
    q->on_gone = ev_gone;
    const char *v;
    if ((v = http_req_query(r, "namespace")) && *v) st->ns = xstrdup(v);
    if ((v = http_req_query(r, "type")) && *v) {
        if (strcasecmp(v, "Normal") && strcasecmp(v, "Warning")) {
            api_req_error(q, 400, "bad_request", "type: expected Normal or Warning");
            return;
        }
        st->type = xstrdup(v);
    }
    if ((v = http_req_query(r, "object")) && *v) {
        api_id_parts_t p;
        if (api_id_split(v, &p) != 0) {
            api_req_error(q, 400, "bad_request", "object: \"%s\" is not an object ID (KIND[.GROUP]/NAMESPACE/NAME)", v);
            return;
        }
        st->object = xstrdup(v);
    }
    if ((v = http_req_query(r, "since")) && *v) {
        int64_t t = clock_parse_rfc3339(v);
        if (t >= 0) st->since_ms = t * 1000;
        else {
            char *end;
            long s = strtol(v, &end, 10);
            long mult = *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 's' || !*end ? 1 : -1;
            if (end == v || mult < 0 || (*end && end[1]) || s < 0) {
                api_req_error(q, 400, "bad_request", "since: expected an RFC 3339 time or a duration (300, 5m, 2h)");
                return;
            }
            st->since_ms = api_now_ms() - (int64_t)s * mult * 1000;
        }
    }
    st->limit = 500;
    if ((v = http_req_query(r, "limit"))) {
        char *end;
        long long l = strtoll(v, &end, 10);
        if (!*v || *end || l < 1 || l > 10000) {
            api_req_error(q, 400, "bad_request", "limit: expected an integer from 1 to 10000");
            return;
        }
        st->limit = (size_t)l;
    }
    if (!q->view) {
        ev_run(q);
        return;
    }
    if (st->ns) {
        const char *one[1] = {st->ns};
        api_req_gate(q, one, 1, NULL, 0, ev_run);
        return;
    }
    size_t n = api_store_namespaces(cluster_store(q->c), &st->nss);
    api_req_gate(q, st->nss, n, NULL, 0, ev_run);
}

void api_events_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/clusters/{c}/events", h_events, api);
}
