/* ctrl_events.c — core/v1 Events written by kubesim's controllers.
 *
 * Like client-go's event recorder, repeats of the same (object, type,
 * reason, message) update one Event's count and lastTimestamp instead of
 * creating new ones. Events expire after an hour, as the API server's TTL
 * does, and at most SIM_EVENTS_MAX are kept so a long churn run stays
 * bounded. The recorder's index (key → Event) lives in the controller
 * context; a user deleting an Event just makes the next repeat create it
 * again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "ctrl_internal.h"

#define SIM_EVENTS_MAX 20000
#define SIM_EVENTS_TTL_MS (3600 * 1000)

typedef struct ctrl_event {
    char *key, *ns, *name;
    int64_t first_ms;
    int count;
} ctrl_event_t;

static void fifo_push(sim_controllers_t *c, char *key)
{
    if (c->event_len == c->event_cap) {
        size_t ncap = c->event_cap ? c->event_cap * 2 : 256;
        char **nr = xmalloc(ncap * sizeof *nr);
        for (size_t i = 0; i < c->event_len; i++) nr[i] = c->event_fifo[(c->event_head + i) % c->event_cap];
        free(c->event_fifo);
        c->event_fifo = nr;
        c->event_cap = ncap;
        c->event_head = 0;
    }
    c->event_fifo[(c->event_head + c->event_len) % c->event_cap] = key;
    c->event_len++;
}

static void record(sim_controllers_t *c, const char *kind, const char *api_version, const char *ns,
                   const char *name, const char *uid, const char *type, const char *reason, const char *component,
                   const char *msg)
{
    if (c->stopping || !name) return;
    const char *evns = ns && *ns ? ns : "default";
    buf_t key = {0};
    buf_printf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", kind, evns, name, type, reason, msg);
    int64_t now = clock_wall_ms();
    char ts[32];
    clock_rfc3339(now / 1000, ts);
    ctrl_event_t *e = map_get(&c->events, key.data, key.len);
    if (e) {
        cJSON *cur = sim_get_copy(c->st, c->k.event, e->ns, e->name);
        if (cur) {
            e->count++;
            sim_jset_num(cur, "count", e->count);
            sim_jset_str(cur, "lastTimestamp", ts);
            ctrl_update(c, c->k.event, e->ns, cur);
            buf_free(&key);
            return;
        }
        /* deleted under us: forget it and write a fresh one */
        map_del(&c->events, key.data, key.len);
        free(e->ns);
        free(e->name);
        e->ns = e->name = NULL; /* the FIFO still owns e->key and e */
    }
    char evname[320], hex[17];
    sim_hex(&c->rng, hex, 16);
    snprintf(evname, sizeof evname, "%.250s.%s", name, hex);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "apiVersion", "v1");
    cJSON_AddStringToObject(ev, "kind", "Event");
    cJSON *md = cJSON_AddObjectToObject(ev, "metadata");
    cJSON_AddStringToObject(md, "name", evname);
    cJSON_AddStringToObject(md, "namespace", evns);
    cJSON *io = cJSON_AddObjectToObject(ev, "involvedObject");
    cJSON_AddStringToObject(io, "kind", kind);
    if (ns && *ns) cJSON_AddStringToObject(io, "namespace", ns);
    cJSON_AddStringToObject(io, "name", name);
    if (uid && *uid) cJSON_AddStringToObject(io, "uid", uid);
    cJSON_AddStringToObject(io, "apiVersion", api_version);
    cJSON_AddStringToObject(ev, "reason", reason);
    cJSON_AddStringToObject(ev, "message", msg);
    cJSON *src = cJSON_AddObjectToObject(ev, "source");
    cJSON_AddStringToObject(src, "component", component);
    cJSON_AddStringToObject(ev, "firstTimestamp", ts);
    cJSON_AddStringToObject(ev, "lastTimestamp", ts);
    cJSON_AddNumberToObject(ev, "count", 1);
    cJSON_AddStringToObject(ev, "type", type);
    cJSON_AddNullToObject(ev, "eventTime");
    cJSON_AddStringToObject(ev, "reportingComponent", component);
    cJSON_AddStringToObject(ev, "reportingInstance", "");
    if (ctrl_create(c, c->k.event, evns, ev, NULL) < 0) {
        buf_free(&key);
        if (e) {
            /* keep the FIFO entry consistent: it is skipped when its map entry is gone */
        }
        return;
    }
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->key = xstrndup(key.data, key.len);
        fifo_push(c, (char *)e);
    }
    e->ns = xstrdup(evns);
    e->name = xstrdup(evname);
    e->first_ms = now;
    e->count = 1;
    map_put(&c->events, key.data, key.len, e);
    buf_free(&key);
}

void ctrl_event(sim_controllers_t *c, const cJSON *obj, const char *type, const char *reason, const char *component,
                const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const cJSON *md = sim_jpath(obj, "metadata");
    record(c, sim_jstr(obj, "kind") ? sim_jstr(obj, "kind") : "", sim_jstr(obj, "apiVersion") ? sim_jstr(obj, "apiVersion") : "v1",
           sim_jstr(md, "namespace"), sim_jstr(md, "name"), sim_jstr(md, "uid"), type, reason, component, msg);
}

void ctrl_event_obj(sim_controllers_t *c, const sim_obj_t *o, const char *type, const char *reason,
                    const char *component, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const sim_kind_t *k = sim_obj_kind(o);
    record(c, k->kind, k->api_version, sim_obj_namespace(o), sim_obj_name(o), sim_obj_uid(o), type, reason,
           component, msg);
}

/* The FIFO holds ctrl_event_t pointers in creation order. An entry whose
 * Event was recreated stays where it was first queued: expiry then goes by
 * the first occurrence, which is what the TTL on firstTimestamp means. */
void ctrl_events_gc(sim_controllers_t *c)
{
    int64_t now = clock_wall_ms();
    while (c->event_len) {
        ctrl_event_t *e = (ctrl_event_t *)c->event_fifo[c->event_head];
        bool expired = now - e->first_ms > SIM_EVENTS_TTL_MS || c->event_len > SIM_EVENTS_MAX || !e->name;
        if (!expired) break;
        c->event_head = (c->event_head + 1) % c->event_cap;
        c->event_len--;
        if (e->name) {
            ctrl_delete(c, c->k.event, e->ns, e->name);
            map_del(&c->events, e->key, strlen(e->key));
        }
        free(e->key);
        free(e->ns);
        free(e->name);
        free(e);
    }
}

void ctrl_events_free(sim_controllers_t *c)
{
    for (size_t i = 0; i < c->event_len; i++) {
        ctrl_event_t *e = (ctrl_event_t *)c->event_fifo[(c->event_head + i) % c->event_cap];
        free(e->key);
        free(e->ns);
        free(e->name);
        free(e);
    }
    free(c->event_fifo);
    map_free(&c->events);
}
