/* events.c — the bounded event ring; see events.h. */
#include "api/events.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/mem.h"

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t jtime(const cJSON *o, const char *k)
{
    const char *s = jstr(o, k);
    if (!s) return 0;
    int64_t t = clock_parse_rfc3339(s); /* seconds */
    return t < 0 ? 0 : t * 1000;
}

void api_events_init(api_events_t *ev, size_t max)
{
    memset(ev, 0, sizeof *ev);
    ev->max = max ? max : 20000;
}

static void rec_free(api_event_t *e)
{
    free(e->key);
    free(e->id);
    free(e->object);
    free(e->ns);
    free(e->type);
    free(e->reason);
    free(e->message);
    free(e->source);
    free(e);
}

void api_events_free(api_events_t *ev)
{
    for (api_event_t *e = ev->head, *n; e; e = n) {
        n = e->next;
        rec_free(e);
    }
    map_free(&ev->by_key);
    memset(ev, 0, sizeof *ev);
}

static void unlink_rec(api_events_t *ev, api_event_t *e)
{
    if (e->prev) e->prev->next = e->next;
    else ev->head = e->next;
    if (e->next) e->next->prev = e->prev;
    else ev->tail = e->prev;
    e->prev = e->next = NULL;
}

static void append(api_events_t *ev, api_event_t *e)
{
    e->prev = ev->tail;
    e->next = NULL;
    if (ev->tail) ev->tail->next = e;
    else ev->head = e;
    ev->tail = e;
}

static void remove_rec(api_events_t *ev, api_event_t *e)
{
    unlink_rec(ev, e);
    map_del(&ev->by_key, e->key, strlen(e->key));
    ev->n--;
    rec_free(e);
}

void api_event_object_id(const cJSON *ref, const char *dflt_ns, buf_t *out)
{
    const char *kind = jstr(ref, "kind"), *av = jstr(ref, "apiVersion"), *name = jstr(ref, "name");
    const char *ns = jstr(ref, "namespace");
    buf_puts(out, kind ? kind : "");
    const char *slash = av ? strchr(av, '/') : NULL;
    if (slash) {
        buf_putc(out, '.');
        buf_append(out, av, (size_t)(slash - av));
    }
    buf_putc(out, '/');
    /* cluster-scoped objects (Nodes) have no namespace in the reference */
    buf_puts(out, ns ? ns : (kind && (!strcmp(kind, "Node") || !strcmp(kind, "Namespace") ||
                                      !strcmp(kind, "PersistentVolume"))
                                 ? ""
                                 : (dflt_ns ? dflt_ns : "")));
    buf_putc(out, '/');
    buf_puts(out, name ? name : "");
}

static char *dupn(const char *s) { return xstrdup(s ? s : ""); }

void api_events_apply(api_events_t *ev, int type, const cJSON *obj)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const char *ns = jstr(meta, "namespace"), *name = jstr(meta, "name");
    if (!name) return;
    buf_t key = {0};
    buf_printf(&key, "%s/%s", ns ? ns : "", name);
    api_event_t *e = map_get(&ev->by_key, key.data, key.len);
    if (type == 2) {
        if (e) remove_rec(ev, e);
        buf_free(&key);
        return;
    }
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->key = buf_steal(&key);
        map_put(&ev->by_key, e->key, strlen(e->key), e);
        ev->n++;
    } else {
        unlink_rec(ev, e);
        buf_free(&key);
        free(e->id), free(e->object), free(e->ns), free(e->type), free(e->reason), free(e->message),
            free(e->source);
    }
    append(ev, e);
    /* core/v1 has involvedObject; events.k8s.io/v1 has regarding and note */
    const char *av = jstr(obj, "apiVersion");
    bool newapi = av && strncmp(av, "events.k8s.io/", 14) == 0;
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(obj, newapi ? "regarding" : "involvedObject");
    buf_t b = {0};
    buf_printf(&b, "%s/%s/%s", newapi ? "Event.events.k8s.io" : "Event", ns ? ns : "", name);
    e->id = buf_steal(&b);
    api_event_object_id(ref, ns, &b);
    e->object = buf_steal(&b);
    e->ns = dupn(ns);
    e->type = dupn(jstr(obj, "type"));
    e->reason = dupn(jstr(obj, "reason"));
    e->message = dupn(jstr(obj, newapi ? "note" : "message"));
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(obj, "source");
    e->source = dupn(newapi ? jstr(obj, "reportingController") : jstr(src, "component"));
    const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(obj, "count");
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(obj, "series");
    if (newapi && series) cnt = cJSON_GetObjectItemCaseSensitive(series, "count");
    e->count = cJSON_IsNumber(cnt) ? (int64_t)cnt->valuedouble : 1;
    int64_t first = jtime(obj, newapi ? "deprecatedFirstTimestamp" : "firstTimestamp");
    int64_t last = newapi ? jtime(series, "lastObservedTime") : jtime(obj, "lastTimestamp");
    int64_t evt = jtime(obj, "eventTime"), created = jtime(meta, "creationTimestamp");
    if (!first) first = evt ? evt : created;
    if (!last) last = evt ? evt : first;
    if (!last) last = clock_wall_ms();
    if (!first) first = last;
    e->first_ms = first;
    e->last_ms = last;
    while (ev->n > ev->max) remove_rec(ev, ev->head);
}

typedef struct hit {
    const api_event_t *e;
} hit_t;

static int cmp_last_desc(const void *a, const void *b)
{
    const api_event_t *x = ((const hit_t *)a)->e, *y = ((const hit_t *)b)->e;
    if (x->last_ms != y->last_ms) return x->last_ms < y->last_ms ? 1 : -1;
    return strcmp(x->id, y->id);
}

void api_events_json(const api_events_t *ev, const api_events_query_t *q, buf_t *out)
{
    hit_t *hits = xmalloc((ev->n ? ev->n : 1) * sizeof *hits);
    size_t n = 0;
    for (const api_event_t *e = ev->head; e; e = e->next) {
        if (q->ns && strcmp(e->ns, q->ns) != 0) continue;
        if (q->type && strcasecmp(e->type, q->type) != 0) continue;
        if (q->since_ms && e->last_ms < q->since_ms) continue;
        if (q->objects && !map_gets(q->objects, e->object)) continue;
        if (q->visible && !q->visible(e->ns, q->ud)) continue;
        hits[n++].e = e;
    }
    if (n > 1) qsort(hits, n, sizeof *hits, cmp_last_desc);
    size_t limit = q->limit ? q->limit : 500;
    bool truncated = n > limit;
    if (truncated) n = limit;
    buf_puts(out, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        const api_event_t *e = hits[i].e;
        char first[32], last[32];
        clock_rfc3339(e->first_ms / 1000, first);
        clock_rfc3339(e->last_ms / 1000, last);
        if (i) buf_putc(out, ',');
        buf_puts(out, "{\"id\":");
        buf_json_cstr(out, e->id);
        buf_puts(out, ",\"object\":");
        buf_json_cstr(out, e->object);
        buf_puts(out, ",\"namespace\":");
        buf_json_cstr(out, e->ns);
        buf_puts(out, ",\"type\":");
        buf_json_cstr(out, e->type);
        buf_puts(out, ",\"reason\":");
        buf_json_cstr(out, e->reason);
        buf_puts(out, ",\"message\":");
        buf_json_cstr(out, e->message);
        buf_puts(out, ",\"source\":");
        buf_json_cstr(out, e->source);
        buf_printf(out, ",\"count\":%lld,\"first\":\"%s\",\"last\":\"%s\"}", (long long)e->count, first, last);
    }
    buf_printf(out, "],\"truncated\":%s}", truncated ? "true" : "false");
    free(hits);
}
