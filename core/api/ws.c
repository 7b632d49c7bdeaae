/* ws.c — live topology deltas: WebSocket /api/v1/ws and its Server-Sent
 * Events fallback /api/v1/events/stream.
 *
 * Data path. Each cluster graph reports a delta after every applied watch
 * event (graph_set_listener). The delta is turned once into a record of
 * items — node upserts with their JSON, node removals, edge upserts and
 * removals, each with its namespace and kind already split out — that is
 * appended to the cluster's ring (kept for `since` resumes, bounded by
 * count and bytes).
 *
 * Channels. Subscriptions to a namespace (or to every namespace) with the
 * same access view see exactly the same items, so they share a channel:
 * the record's items are routed by namespace to the channels of that
 * namespace (and to the every-namespace ones), filtered there once for the
 * channel's view, and kept in the channel's outbox (outbox.h: coalesced per
 * object, bounded). At the end of the loop turn (a uv_check handle) each
 * channel encodes its pending items once and writes the same bytes to
 * every member that keeps up — one writev of `{"sub":"ID"` and the shared
 * body per socket, no per-client JSON. A member that is held back (its
 * socket above the high water mark, or a backlog of its own) gets the
 * batch's entries in its own outbox instead, where they coalesce; once it
 * has caught up it reads from the channel again. Users with different
 * views never share a channel, so nobody is sent bytes filtered for
 * someone else. Focus subscriptions (a neighbourhood per subscriber) are
 * offered each record on their own. A change reaches clients in the same
 * loop turn as the store change.
 *
 * Slow clients. Nothing is sent while the socket has more than the high
 * water mark queued; the outbox then coalesces (the newest state of each
 * object wins). An outbox past its byte budget is emptied and the client
 * gets {"type":"resync"}; a socket held back for longer than ws_behind_ms
 * is closed with 1008. Memory per client is therefore bounded by the
 * outbox budget per subscription plus the high water mark.
 *
 * Resume. A subscribe with "since" replays the ring's records newer than
 * that resourceVersion through the same filter into the subscription's own
 * outbox, exactly the changes missed; when the ring no longer reaches back
 * that far the answer is a resync. A position is "RV" or "RV.N" (the Nth
 * delta after the last one that raised the resourceVersion); list and
 * topology responses carry the same position (api_ws_position), so
 * "list, then subscribe since its resourceVersion" misses nothing.
 *
 * Visibility. Items are kept only when both ends are visible to the
 * subscriber (access.h). A decision not yet known hides the item and, once
 * it is known to allow, the subscription is resynced; a decision that
 * changes on refresh resyncs every subscription of that view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "api/wsmsg.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

#define TAKE_BYTES (64u << 10) /* one delta message at most (about) */
#define SSE_PING_MS 30000

/* ---- records ---- */

enum { IT_NODE = OUTBOX_NODE, IT_EDGE = OUTBOX_EDGE };

/* Where an ID's namespace and kind are, relative to the ID's start. */
typedef struct idpart {
    uint16_t ns, nsl, kind, kindl;
    bool ok; /* the ID splits (api_id_split) */
} idpart_t;

typedef struct ditem {
    uint8_t kind, op;
    uint32_t key, klen; /* offsets into data */
    uint32_t json, jlen;
    uint32_t a, b;      /* NUL-terminated IDs: the node, or the edge's ends */
    idpart_t pa, pb;
} ditem_t;

struct api_delta {
    api_delta_t *next;
    uint64_t rv;
    uint32_t sub;
    bool resync;
    buf_t data;
    ditem_t *items;
    size_t n;
};

struct api_sub {
    api_sock_t *sock;
    api_sub_t *snext;          /* in the socket */
    api_sub_t *cprev, *cnext;  /* in the cluster's focus list (focus only) */
    api_chan_t *chan;          /* the channel (not focus), once ready */
    api_sub_t *mprev, *mnext;  /* in the channel */
    char prefix[80];           /* {"sub":"ID" — what a shared message is sent after */
    size_t plen;
    char id[65];
    api_cluster_t *ac;
    char ns[64];
    char *focus;
    int depth;
    map_t fset;                /* focus neighbourhood: ID → 1 */
    api_view_t *view;
    api_wait_t *wait;
    bool ready;
    uint64_t start_rv;
    uint32_t start_sub;
    api_outbox_t out;
    bool resync;
    bool missed;               /* an item was hidden for an undecided visibility */
    char missed_ns[64], missed_kind[256];
    char rv[24];
};

/* Subscriptions of one cluster with the same namespace ("" for all) and
 * the same view (NULL: unrestricted); see the file comment. */
struct api_chan {
    api_cluster_t *ac;
    api_chan_t *prev, *next;   /* ac->chans */
    api_chan_t *nsnext;        /* the next channel of the same namespace */
    char ns[64];
    api_view_t *view;          /* the members' (each holds a reference) */
    api_sub_t *members;
    size_t nmembers;
    api_outbox_t out;          /* items since the last flush */
    bool missed;               /* an item was hidden for an undecided visibility */
    char missed_ns[64], missed_kind[256];
};

struct api_sock {
    api_t *api;
    api_sock_t *prev, *next;
    ws_conn_t *ws;
    api_req_t *sse;            /* the SSE request (its identity is used) */
    api_identity_t id;         /* WebSocket identity (SSE: in sse->id) */
    api_sub_t *subs;
    size_t nsubs;
    bool dirty;
    int64_t behind_since;
    int64_t last_ping;
    bool closing;
};

static const api_identity_t *sock_identity(const api_sock_t *k) { return k->sse ? &k->sse->id : &k->id; }

static void delta_free(api_delta_t *d)
{
    buf_free(&d->data);
    free(d->items);
    free(d);
}

static uint32_t put_str(buf_t *b, const char *s, size_t n)
{
    uint32_t at = (uint32_t)b->len;
    buf_append(b, s, n);
    buf_putc(b, '\0');
    return at;
}

static void edge_json(buf_t *b, const graph_edge_ref_t *e)
{
    buf_puts(b, "{\"source\":");
    buf_json_cstr(b, e->source);
    buf_puts(b, ",\"target\":");
    buf_json_cstr(b, e->target);
    buf_puts(b, ",\"type\":");
    buf_json_cstr(b, e->type);
    buf_putc(b, '}');
}

static void split_parts(const char *id, idpart_t *p)
{
    api_id_parts_t q;
    memset(p, 0, sizeof *p);
    if (api_id_split(id, &q) != 0 || q.ns_len >= 64 || q.kind_len >= 256 || (size_t)(q.kind - id) > UINT16_MAX ||
        (size_t)(q.ns - id) > UINT16_MAX)
        return;
    p->ns = (uint16_t)(q.ns - id);
    p->nsl = (uint16_t)q.ns_len;
    p->kind = (uint16_t)(q.kind - id);
    p->kindl = (uint16_t)q.kind_len;
    p->ok = true;
}

static api_delta_t *record(graph_t *g, const graph_delta_t *d)
{
    api_delta_t *r = xcalloc(1, sizeof *r);
    r->rv = d->resource_version;
    r->resync = d->resync;
    if (d->resync) return r;
    size_t n = d->n_nodes_upsert + d->n_nodes_remove + d->n_edges_upsert + d->n_edges_remove;
    r->items = xcalloc(n ? n : 1, sizeof *r->items);
    store_t *s = graph_store(g);
    buf_t *b = &r->data;
    buf_t tmp = {0};
    for (size_t i = 0; i < d->n_nodes_upsert; i++) {
        ditem_t *it = &r->items[r->n++];
        it->kind = IT_NODE;
        it->op = OUTBOX_UPSERT;
        buf_reset(&tmp);
        store_obj_id(s, d->nodes_upsert[i], &tmp);
        it->a = it->key = put_str(b, tmp.data, tmp.len);
        it->klen = (uint32_t)tmp.len;
        it->json = (uint32_t)b->len;
        graph_node_json(g, d->nodes_upsert[i], b);
        it->jlen = (uint32_t)(b->len - it->json);
        buf_putc(b, '\0');
    }
    for (size_t i = 0; i < d->n_nodes_remove; i++) {
        ditem_t *it = &r->items[r->n++];
        it->kind = IT_NODE;
        it->op = OUTBOX_REMOVE;
        const char *id = d->nodes_remove[i];
        it->a = it->key = put_str(b, id, strlen(id));
        it->klen = (uint32_t)strlen(id);
        it->json = (uint32_t)b->len;
        buf_json_cstr(b, id);
        it->jlen = (uint32_t)(b->len - it->json);
        buf_putc(b, '\0');
    }
    for (int pass = 0; pass < 2; pass++) {
        const graph_edge_ref_t *es = pass ? d->edges_remove : d->edges_upsert;
        size_t ne = pass ? d->n_edges_remove : d->n_edges_upsert;
        for (size_t i = 0; i < ne; i++) {
            ditem_t *it = &r->items[r->n++];
            it->kind = IT_EDGE;
            it->op = pass ? OUTBOX_REMOVE : OUTBOX_UPSERT;
            it->a = put_str(b, es[i].source, strlen(es[i].source));
            it->b = put_str(b, es[i].target, strlen(es[i].target));
            buf_reset(&tmp);
            buf_printf(&tmp, "%s\x1f%s\x1f%s", es[i].source, es[i].target, es[i].type);
            it->key = put_str(b, tmp.data, tmp.len);
            it->klen = (uint32_t)tmp.len;
            it->json = (uint32_t)b->len;
            edge_json(b, &es[i]);
            it->jlen = (uint32_t)(b->len - it->json);
            buf_putc(b, '\0');
        }
    }
    buf_free(&tmp);
    /* namespaces and kinds, once for every subscriber */
    for (size_t i = 0; i < r->n; i++) {
        ditem_t *it = &r->items[i];
        split_parts(b->data + it->a, &it->pa);
        if (it->kind == IT_EDGE) split_parts(b->data + it->b, &it->pb);
    }
    return r;
}

/* ---- sending ---- */

static size_t sock_pending(const api_sock_t *k)
{
    if (k->ws) return ws_pending_bytes(k->ws);
    if (k->sse && k->sse->r) return http_req_pending_bytes(k->sse->r);
    return 0;
}

static void sock_send(api_sock_t *k, const char *type, const char *data, size_t len)
{
    api_t *api = k->api;
    if (k->closing) return;
    obs_add(api->m_ws_msgs, 1, (const char *[]){type});
    if (k->ws) {
        ws_send(k->ws, WS_TEXT, data, len);
        return;
    }
    if (k->sse && k->sse->r) {
        buf_t b = {0};
        buf_puts(&b, "data: ");
        buf_append(&b, data, len);
        buf_puts(&b, "\n\n");
        http_res_stream_write(k->sse->r, b.data, b.len);
        buf_free(&b);
    }
}

static void sock_error(api_sock_t *k, const char *sub, const char *code, const char *msg)
{
    buf_t b = {0};
    buf_puts(&b, "{\"type\":\"error\"");
    if (sub && *sub) {
        buf_puts(&b, ",\"sub\":");
        buf_json_cstr(&b, sub);
    }
    buf_puts(&b, ",\"code\":");
    buf_json_cstr(&b, code);
    buf_puts(&b, ",\"message\":");
    buf_json_cstr(&b, msg);
    buf_putc(&b, '}');
    sock_send(k, "error", b.data, b.len);
    buf_free(&b);
}

static void mark_dirty(api_sock_t *k)
{
    k->dirty = true;
    k->api->flush_armed = true;
}

/* The cluster's current position as a JSON string. */
static void rv_json(buf_t *b, const api_cluster_t *ac)
{
    if (ac->last_sub) buf_printf(b, "\"%llu.%u\"", (unsigned long long)ac->last_rv, ac->last_sub);
    else buf_printf(b, "\"%llu\"", (unsigned long long)ac->last_rv);
}

/* ---- filtering ---- */

/* Visibility of an ID for a view, from its split parts: 1 yes, 0 no, -1
 * not decided yet (then remembered in missed_ns/missed_kind, once). */
static int parts_visible(api_cluster_t *ac, api_view_t *view, const char *id, const idpart_t *p, bool *missed,
                         char *missed_ns, char *missed_kind)
{
    if (!p->ok) return 0;
    char ns[64], kind[256];
    memcpy(ns, id + p->ns, p->nsl);
    ns[p->nsl] = '\0';
    memcpy(kind, id + p->kind, p->kindl);
    kind[p->kindl] = '\0';
    int v = api_visible(ac, view, ns, kind);
    if (v < 0 && !*missed) {
        *missed = true;
        memcpy(missed_ns, ns, p->nsl + 1);
        memcpy(missed_kind, kind, p->kindl + 1);
    }
    return v;
}

static int id_visible(api_sub_t *s, const char *id)
{
    idpart_t p;
    split_parts(id, &p);
    return parts_visible(s->ac, s->view, id, &p, &s->missed, s->missed_ns, s->missed_kind) == 1;
}

static bool part_in_ns(const char *id, const idpart_t *p, const char *ns)
{
    return p->ok && p->nsl == strlen(ns) && memcmp(id + p->ns, ns, p->nsl) == 0;
}

static bool in_scope(api_sub_t *s, const char *id, const idpart_t *p)
{
    if (s->focus) return map_gets(&s->fset, id) != NULL;
    if (s->ns[0]) return part_in_ns(id, p, s->ns);
    return true;
}

/* The per-subscription filter (focus subscriptions, `since` replays). */
static bool item_passes(api_sub_t *s, const api_delta_t *d, const ditem_t *it)
{
    const char *a = d->data.data + it->a;
    const char *b = it->kind == IT_EDGE ? d->data.data + it->b : NULL;
    if (!in_scope(s, a, &it->pa) || (b && !in_scope(s, b, &it->pb))) return false;
    if (!s->view) return true;
    return parts_visible(s->ac, s->view, a, &it->pa, &s->missed, s->missed_ns, s->missed_kind) == 1 &&
           (!b || parts_visible(s->ac, s->view, b, &it->pb, &s->missed, s->missed_ns, s->missed_kind) == 1);
}

/* ---- focus neighbourhoods ---- */

static void fset_free(map_t *m) { map_free(m); }

/* Recompute the focus set; returns false when the focus object is gone. */
static bool fset_compute(api_sub_t *s, map_t *out)
{
    graph_t *g = cluster_graph(s->ac->c);
    if (!g) return false;
    graph_query_t q = {.focus = s->focus, .depth = s->depth, .no_layout = true, .limit = 20000};
    err_t e = {0};
    graph_result_t *r = graph_query_run(g, &q, &e);
    if (!r) return false;
    store_t *st = graph_store(g);
    buf_t id = {0};
    for (size_t i = 0; i < graph_result_node_count(r); i++) {
        store_oid_t o;
        double x, y;
        graph_result_node(r, i, &o, &x, &y);
        buf_reset(&id);
        store_obj_id(st, o, &id);
        map_put(out, id.data, id.len, (void *)1);
    }
    buf_free(&id);
    graph_result_free(r);
    return true;
}

static bool touches_fset(api_sub_t *s, const api_delta_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const ditem_t *it = &d->items[i];
        if (map_gets(&s->fset, d->data.data + it->a)) return true;
        if (it->kind == IT_EDGE && map_gets(&s->fset, d->data.data + it->b)) return true;
    }
    return false;
}

/* ---- offering a record to a subscription ---- */

static void sub_resync(api_sub_t *s)
{
    api_outbox_clear(&s->out);
    s->resync = true;
    mark_dirty(s->sock);
}

static void offer(api_sub_t *s, const api_delta_t *d)
{
    if (!s->ready || s->resync) return;
    if (d->resync) {
        sub_resync(s);
        return;
    }
    if (s->focus && touches_fset(s, d)) {
        /* the neighbourhood may have changed: nodes that left it are
         * removed for this client (all of them when the focus object is
         * gone); nodes that joined it without being in this delta need
         * their full state, which a resync asks the client to fetch */
        map_t fresh = {0};
        fset_compute(s, &fresh);
        map_slot_t *sl;
        for (size_t it = 0; map_next(&s->fset, &it, &sl);) {
            if (map_get(&fresh, sl->key, sl->klen)) continue;
            buf_t j = {0};
            buf_json_str(&j, sl->key, sl->klen);
            api_outbox_put(&s->out, OUTBOX_NODE, OUTBOX_REMOVE, sl->key, sl->klen, j.data, j.len, NULL);
            buf_free(&j);
        }
        bool joined = false;
        for (size_t it = 0; map_next(&fresh, &it, &sl) && !joined;) {
            if (map_get(&s->fset, sl->key, sl->klen)) continue;
            bool in_delta = false;
            for (size_t i = 0; i < d->n && !in_delta; i++)
                in_delta = d->items[i].kind == IT_NODE && d->items[i].klen == sl->klen &&
                           !memcmp(d->data.data + d->items[i].key, sl->key, sl->klen);
            joined = !in_delta;
        }
        fset_free(&s->fset);
        s->fset = fresh;
        if (joined) {
            sub_resync(s);
            return;
        }
        mark_dirty(s->sock);
    }
    if (d->sub) snprintf(s->rv, sizeof s->rv, "%llu.%u", (unsigned long long)d->rv, d->sub);
    else snprintf(s->rv, sizeof s->rv, "%llu", (unsigned long long)d->rv);
    bool any = false;
    for (size_t i = 0; i < d->n; i++) {
        const ditem_t *it = &d->items[i];
        if (!item_passes(s, d, it)) continue;
        api_outbox_put(&s->out, it->kind, it->op, d->data.data + it->key, it->klen, d->data.data + it->json, it->jlen,
                       s->rv);
        any = true;
    }
    if (s->out.overflowed) {
        sub_resync(s);
        return;
    }
    if (any) mark_dirty(s->sock);
}

/* ---- channels ---- */

static api_chan_t *chain_head(api_cluster_t *ac, const char *ns, size_t nl)
{
    return nl ? map_get(&ac->chans_ns, ns, nl) : ac->chans_all;
}

static void chain_set(api_cluster_t *ac, const char *ns, api_chan_t *head)
{
    if (!*ns) ac->chans_all = head;
    else if (head) map_puts(&ac->chans_ns, ns, head);
    else map_dels(&ac->chans_ns, ns);
}

static bool chan_item_passes(api_chan_t *ch, const api_delta_t *d, const ditem_t *it)
{
    if (!ch->view) return true;
    if (parts_visible(ch->ac, ch->view, d->data.data + it->a, &it->pa, &ch->missed, ch->missed_ns, ch->missed_kind) !=
        1)
        return false;
    return it->kind != IT_EDGE || parts_visible(ch->ac, ch->view, d->data.data + it->b, &it->pb, &ch->missed,
                                                ch->missed_ns, ch->missed_kind) == 1;
}

static void chan_resync(api_chan_t *ch)
{
    for (api_sub_t *m = ch->members; m; m = m->mnext) sub_resync(m);
    api_outbox_clear(&ch->out);
}

static void chan_put(api_chan_t *ch, const api_delta_t *d, const ditem_t *it, const char *rv)
{
    if (!chan_item_passes(ch, d, it)) return;
    api_outbox_put(&ch->out, it->kind, it->op, d->data.data + it->key, it->klen, d->data.data + it->json, it->jlen, rv);
    /* more than a whole budget within one turn (a relist): members refetch */
    if (ch->out.overflowed) chan_resync(ch);
    ch->ac->api->flush_armed = true;
}

/* Route a record's items to the channels of their namespace and to the
 * every-namespace ones. An edge belongs to a namespace only when both of
 * its ends are in it. */
static void chans_offer(api_cluster_t *ac, const api_delta_t *d)
{
    if (!ac->chans) return;
    if (d->resync) {
        for (api_chan_t *ch = ac->chans; ch; ch = ch->next) chan_resync(ch);
        return;
    }
    char rv[24];
    if (d->sub) snprintf(rv, sizeof rv, "%llu.%u", (unsigned long long)d->rv, d->sub);
    else snprintf(rv, sizeof rv, "%llu", (unsigned long long)d->rv);
    const char *last_ns = NULL;
    size_t last_nl = 0;
    api_chan_t *last_head = NULL;
    for (size_t i = 0; i < d->n; i++) {
        const ditem_t *it = &d->items[i];
        const char *a = d->data.data + it->a;
        if (it->pa.ok && it->pa.nsl) {
            const char *ns = a + it->pa.ns;
            size_t nl = it->pa.nsl;
            bool same = it->kind != IT_EDGE || (it->pb.ok && it->pb.nsl == nl &&
                                                memcmp(d->data.data + it->b + it->pb.ns, ns, nl) == 0);
            if (same) {
                if (!last_ns || last_nl != nl || memcmp(last_ns, ns, nl) != 0) {
                    last_ns = ns;
                    last_nl = nl;
                    last_head = chain_head(ac, ns, nl);
                }
                for (api_chan_t *ch = last_head; ch; ch = ch->nsnext) chan_put(ch, d, it, rv);
            }
        }
        for (api_chan_t *ch = ac->chans_all; ch; ch = ch->nsnext) chan_put(ch, d, it, rv);
    }
}

/* Send the channel's pending items: encoded once, the same bytes to every
 * member that keeps up; the others get the entries in their own outbox. */
static void chan_flush(api_chan_t *ch)
{
    api_t *api = ch->ac->api;
    buf_t body = {0};
    size_t sent = 0;
    while (ch->out.head) {
        api_outbox_batch_t b;
        api_outbox_detach(&ch->out, TAKE_BYTES, &b);
        buf_reset(&body);
        api_outbox_batch_body(&b, &body);
        for (api_sub_t *m = ch->members; m; m = m->mnext) {
            api_sock_t *k = m->sock;
            if (m->resync || k->closing) continue; /* the resync is sent; the client refetches */
            if (k->ws && !m->out.head && ws_pending_bytes(k->ws) < api->cfg.ws_high_water) {
                uv_buf_t parts[2] = {uv_buf_init(m->prefix, (unsigned)m->plen),
                                     uv_buf_init(body.data, (unsigned)body.len)};
                ws_sendv(k->ws, WS_TEXT, parts, 2);
                sent++;
                continue;
            }
            api_outbox_put_batch(&m->out, &b);
            if (m->out.overflowed) sub_resync(m);
            else mark_dirty(k);
        }
        api_outbox_batch_free(&b);
    }
    buf_free(&body);
    if (sent) obs_add(api->m_ws_msgs, (double)sent, (const char *[]){"delta"});
}

static void chan_free(api_chan_t *ch)
{
    api_cluster_t *ac = ch->ac;
    api_chan_t *head = chain_head(ac, ch->ns, strlen(ch->ns));
    if (head == ch) chain_set(ac, ch->ns, ch->nsnext);
    else
        for (api_chan_t *p = head; p; p = p->nsnext)
            if (p->nsnext == ch) {
                p->nsnext = ch->nsnext;
                break;
            }
    if (ch->prev) ch->prev->next = ch->next;
    else ac->chans = ch->next;
    if (ch->next) ch->next->prev = ch->prev;
    api_outbox_free(&ch->out);
    free(ch);
}

/* A ready subscription (after its replay) starts reading from the channel
 * of its namespace and view. Items the channel holds now came from records
 * the replay already covered, so they go out to the earlier members first. */
static void chan_join(api_sub_t *s)
{
    api_cluster_t *ac = s->ac;
    api_chan_t *head = chain_head(ac, s->ns, strlen(s->ns)), *ch = head;
    while (ch && ch->view != s->view) ch = ch->nsnext;
    if (!ch) {
        ch = xcalloc(1, sizeof *ch);
        ch->ac = ac;
        snprintf(ch->ns, sizeof ch->ns, "%s", s->ns);
        ch->view = s->view;
        api_outbox_init(&ch->out, ac->api->cfg.ws_outbox_bytes);
        ch->nsnext = head;
        chain_set(ac, ch->ns, ch);
        ch->next = ac->chans;
        if (ac->chans) ac->chans->prev = ch;
        ac->chans = ch;
    } else if (ch->out.head) {
        chan_flush(ch);
    }
    s->mprev = NULL;
    s->mnext = ch->members;
    if (ch->members) ch->members->mprev = s;
    ch->members = s;
    ch->nmembers++;
    s->chan = ch;
}

static void chan_leave(api_sub_t *s)
{
    api_chan_t *ch = s->chan;
    if (!ch) return;
    if (s->mprev) s->mprev->mnext = s->mnext;
    else ch->members = s->mnext;
    if (s->mnext) s->mnext->mprev = s->mprev;
    s->mprev = s->mnext = NULL;
    s->chan = NULL;
    if (--ch->nmembers == 0) chan_free(ch);
}

/* ---- the ring ---- */

static void ring_push(api_cluster_t *ac, api_delta_t *d)
{
    api_t *api = ac->api;
    d->next = NULL;
    if (ac->ring_tail) ac->ring_tail->next = d;
    else ac->ring_head = d;
    ac->ring_tail = d;
    ac->ring_n++;
    ac->ring_bytes += d->data.cap + d->n * sizeof *d->items + sizeof *d;
    while (ac->ring_head && (ac->ring_n > api->cfg.delta_ring || ac->ring_bytes > api->cfg.delta_ring_bytes) &&
           ac->ring_head != d) {
        api_delta_t *o = ac->ring_head;
        ac->ring_head = o->next;
        ac->ring_n--;
        ac->ring_bytes -= o->data.cap + o->n * sizeof *o->items + sizeof *o;
        /* what was dropped can no longer be replayed */
        if (!ac->floor_set || o->rv > ac->floor_rv || (o->rv == ac->floor_rv && o->sub > ac->floor_sub)) {
            ac->floor_rv = o->rv;
            ac->floor_sub = o->sub;
        }
        delta_free(o);
    }
}

static void ring_free(api_cluster_t *ac)
{
    for (api_delta_t *d = ac->ring_head, *n; d; d = n) {
        n = d->next;
        delta_free(d);
    }
    ac->ring_head = ac->ring_tail = NULL;
    ac->ring_n = ac->ring_bytes = 0;
}

static int pos_cmp(uint64_t a, uint32_t as, uint64_t b, uint32_t bs)
{
    if (a != b) return a < b ? -1 : 1;
    return as < bs ? -1 : as > bs;
}

/* Replay everything after (since, sub) into s; false when the ring does
 * not reach back that far (or holds a resync in that range). */
static bool replay(api_sub_t *s, uint64_t since, uint32_t sub)
{
    api_cluster_t *ac = s->ac;
    if (pos_cmp(since, sub, ac->last_rv, ac->last_sub) >= 0) return true;
    /* before the store first synced, or older than what the ring holds:
     * deletions in between cannot be told */
    if (!ac->floor_set || pos_cmp(since, sub, ac->floor_rv, ac->floor_sub) < 0) return false;
    for (api_delta_t *d = ac->ring_head; d; d = d->next) {
        if (pos_cmp(d->rv, d->sub, since, sub) <= 0) continue;
        if (d->resync) return false;
        offer(s, d);
        if (s->resync) return true;
    }
    return true;
}

/* Every resource type of the cluster has finished its first list. (The
 * store's own flag is true while it knows no types yet.) */
static bool cluster_synced(api_cluster_t *ac)
{
    int64_t last = 0;
    cluster_status(ac->c, NULL, &last);
    return last != 0;
}

static void on_delta(graph_t *g, const graph_delta_t *gd, void *ud)
{
    api_cluster_t *ac = ud;
    api_t *api = ac->api;
    uint64_t t0 = clock_mono_ns();
    if (!ac->floor_set && !ac->chans && !ac->subs && !cluster_synced(ac)) {
        /* the first sync with nobody subscribed: a delta from before the
         * floor is never replayed, so only its position is kept (encoding
         * the half million nodes of a large cluster's sync was a tenth of
         * its CPU) */
        if (gd->resource_version > ac->last_rv) ac->last_rv = gd->resource_version, ac->last_sub = 0;
        else ac->last_sub++;
        return;
    }
    api_delta_t *d = record(g, gd);
    if (d->rv > ac->last_rv) {
        ac->last_rv = d->rv;
        ac->last_sub = 0;
    } else {
        /* not above the last one (another type's stream, a relist): the
         * next position at the same resourceVersion */
        d->rv = ac->last_rv;
        d->sub = ++ac->last_sub;
    }
    if (!ac->floor_set && cluster_synced(ac)) {
        /* from here on the ring holds every change, deletions included */
        ac->floor_set = true;
        ac->floor_rv = d->rv;
        ac->floor_sub = d->sub;
    }
    chans_offer(ac, d);
    for (api_sub_t *s = ac->subs; s; s = s->cnext) offer(s, d);
    ring_push(ac, d);
    obs_observe(api->m_delta_seconds, (double)(clock_mono_ns() - t0) / 1e9, NULL);
}

void api_ws_attach(api_cluster_t *ac)
{
    graph_t *g = cluster_graph(ac->c);
    if (!g || g == ac->graph) return;
    ac->graph = g;
    graph_set_listener(g, on_delta, ac);
    /* a new graph: whatever the ring held describes another one */
    ring_free(ac);
    uint64_t rv = store_resource_version(cluster_store(ac->c));
    if (rv > ac->last_rv) ac->last_rv = rv, ac->last_sub = 0;
    ac->floor_set = cluster_synced(ac);
    ac->floor_rv = ac->last_rv;
    ac->floor_sub = ac->last_sub;
}

void api_ws_position(api_cluster_t *ac, buf_t *out)
{
    /* positions are counted from the first attach on (at the cluster's
     * start): make sure this one is part of that count */
    api_ws_attach(ac);
    uint64_t rv = ac->last_rv;
    uint32_t sub = ac->last_sub;
    if (!ac->graph) {
        /* no graph yet, so no deltas: the store's own position */
        rv = store_resource_version(cluster_store(ac->c));
        sub = 0;
    }
    buf_put_u64(out, rv);
    if (sub) {
        buf_putc(out, '.');
        buf_put_u64(out, sub);
    }
}

/* ---- subscriptions ---- */

static void sub_unlink_cluster(api_sub_t *s)
{
    chan_leave(s);
    if (!s->ac) return;
    if (!s->focus) {
        s->ac = NULL;
        return;
    }
    if (s->cprev) s->cprev->cnext = s->cnext;
    else s->ac->subs = s->cnext;
    if (s->cnext) s->cnext->cprev = s->cprev;
    s->cprev = s->cnext = NULL;
    s->ac = NULL;
}

static void sub_free(api_sub_t *s)
{
    sub_unlink_cluster(s);
    if (s->wait) api_wait_cancel(s->wait);
    api_view_release(s->view);
    api_outbox_free(&s->out);
    fset_free(&s->fset);
    free(s->focus);
    free(s);
}

static void sub_remove(api_sock_t *k, api_sub_t *s)
{
    for (api_sub_t **pp = &k->subs; *pp; pp = &(*pp)->snext) {
        if (*pp != s) continue;
        *pp = s->snext;
        k->nsubs--;
        break;
    }
    sub_free(s);
}

static api_sub_t *sub_find(api_sock_t *k, const char *id)
{
    for (api_sub_t *s = k->subs; s; s = s->snext)
        if (strcmp(s->id, id) == 0) return s;
    return NULL;
}

static void sub_ready(void *ud)
{
    api_sub_t *s = ud;
    s->wait = NULL;
    s->ready = true;
    if (s->focus) {
        map_t f = {0};
        if (!fset_compute(s, &f)) {
            fset_free(&f);
            sock_error(s->sock, s->id, "not_found", "the focus object is not in the cluster");
            sub_remove(s->sock, s);
            return;
        }
        s->fset = f;
        /* the focus object itself must be visible */
        if (s->view && !id_visible(s, s->focus)) {
            sock_error(s->sock, s->id, "not_found", "the focus object is not in the cluster");
            sub_remove(s->sock, s);
            return;
        }
    }
    buf_t b = {0};
    buf_puts(&b, "{\"sub\":");
    buf_json_cstr(&b, s->id);
    buf_puts(&b, ",\"type\":\"subscribed\",\"cluster\":");
    buf_json_cstr(&b, s->ac->id);
    buf_puts(&b, ",\"resourceVersion\":");
    rv_json(&b, s->ac);
    buf_putc(&b, '}');
    sock_send(s->sock, "subscribed", b.data, b.len);
    buf_free(&b);
    if (!replay(s, s->start_rv, s->start_sub)) sub_resync(s);
    if (!s->focus) chan_join(s);
}

static void subscribe(api_sock_t *k, const api_wsmsg_t *m)
{
    api_t *api = k->api;
    char msg[512];
    if (api->draining) {
        sock_error(k, m->id, "unavailable", "the server is shutting down");
        return;
    }
    if (sub_find(k, m->id)) {
        snprintf(msg, sizeof msg, "subscription \"%s\" exists already; unsubscribe it first", m->id);
        sock_error(k, m->id, "conflict", msg);
        return;
    }
    if (k->nsubs >= api->cfg.ws_max_subscriptions) {
        snprintf(msg, sizeof msg, "at most %zu subscriptions per connection", api->cfg.ws_max_subscriptions);
        sock_error(k, m->id, "rate_limited", msg);
        return;
    }
    cluster_t *c = clusters_get(api->clusters, m->cluster);
    api_cluster_t *ac = c ? api_cluster_find(api, m->cluster) : NULL;
    if (!ac) {
        snprintf(msg, sizeof msg, "cluster \"%s\" not found", m->cluster);
        sock_error(k, m->id, "not_found", msg);
        return;
    }
    api_ws_attach(ac);
    api_sub_t *s = xcalloc(1, sizeof *s);
    s->sock = k;
    snprintf(s->id, sizeof s->id, "%s", m->id);
    snprintf(s->ns, sizeof s->ns, "%s", m->ns);
    s->focus = m->focus[0] ? xstrdup(m->focus) : NULL;
    s->depth = m->depth;
    s->ac = ac;
    s->start_rv = m->has_since ? m->since : ac->last_rv;
    s->start_sub = m->has_since ? m->since_sub : ac->last_sub;
    api_outbox_init(&s->out, api->cfg.ws_outbox_bytes);
    s->plen = (size_t)snprintf(s->prefix, sizeof s->prefix, "{\"sub\":\"%s\"", s->id); /* ids need no escaping */
    if (s->focus) {
        s->cnext = ac->subs;
        if (ac->subs) ac->subs->cprev = s;
        ac->subs = s;
    }
    s->snext = k->subs;
    k->subs = s;
    k->nsubs++;
    const api_identity_t *id = sock_identity(k);
    if (!id->user) {
        sub_ready(s);
        return;
    }
    buf_t key = {0};
    api_identity_key(id, &key);
    s->view = api_access_view(api->access, key.data, key.len, ac->id);
    buf_free(&key);
    const char **nss;
    size_t nns;
    if (s->ns[0] && !s->focus) {
        nss = xcalloc(1, sizeof *nss);
        nss[0] = s->ns;
        nns = 1;
    } else nns = api_store_namespaces(cluster_store(ac->c), &nss);
    bool now = api_view_need(s->view, api_now_ms(), nss, nns, NULL, 0, sub_ready, s, &s->wait);
    free(nss);
    if (now) sub_ready(s);
}

static void handle_message(api_sock_t *k, const char *data, size_t len)
{
    api_wsmsg_t m;
    err_t e = {0};
    if (api_wsmsg_parse(data, len, &m, &e) != 0) {
        sock_error(k, m.id, "bad_request", e.msg);
        return;
    }
    if (m.op == API_WS_UNSUBSCRIBE) {
        api_sub_t *s = sub_find(k, m.id);
        if (!s) {
            char msg[160];
            snprintf(msg, sizeof msg, "no subscription \"%s\"", m.id);
            sock_error(k, m.id, "not_found", msg);
            return;
        }
        sub_remove(k, s);
        buf_t b = {0};
        buf_puts(&b, "{\"sub\":");
        buf_json_cstr(&b, m.id);
        buf_puts(&b, ",\"type\":\"unsubscribed\"}");
        sock_send(k, "unsubscribed", b.data, b.len);
        buf_free(&b);
        return;
    }
    subscribe(k, &m);
}

/* ---- sockets ---- */

static void sock_link(api_t *api, api_sock_t *k)
{
    k->next = api->socks;
    if (api->socks) api->socks->prev = k;
    api->socks = k;
    api->nsocks++;
    obs_set(api->m_ws_clients, (double)api->nsocks, NULL);
}

static void sock_free(api_sock_t *k)
{
    api_t *api = k->api;
    if (k->prev) k->prev->next = k->next;
    else api->socks = k->next;
    if (k->next) k->next->prev = k->prev;
    api->nsocks--;
    obs_set(api->m_ws_clients, (double)api->nsocks, NULL);
    while (k->subs) {
        api_sub_t *s = k->subs;
        k->subs = s->snext;
        sub_free(s);
    }
    api_identity_free(&k->id);
    free(k);
}

static void ws_open(ws_conn_t *c, void *ud)
{
    api_sock_t *k = ud;
    k->ws = c;
    ws_set_data(c, k);
}

static void ws_message(ws_conn_t *c, int opcode, const char *data, size_t len, void *ud)
{
    api_sock_t *k = ud;
    if (opcode != WS_TEXT) {
        sock_error(k, NULL, "bad_request", "messages are JSON text frames");
        return;
    }
    handle_message(k, data, len);
}

static void ws_closed(ws_conn_t *c, int code, const char *reason, void *ud)
{
    api_sock_t *k = ud;
    k->ws = NULL;
    if (!k->api) {
        free(k); /* orphaned by api_free: nothing else left */
        return;
    }
    sock_free(k);
}

static void h_ws(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, false);
    if (!q) return;
    if (api->draining) {
        api_req_error(q, 503, "unavailable", "the server is shutting down");
        return;
    }
    api_sock_t *k = xcalloc(1, sizeof *k);
    k->api = api;
    k->id = q->id; /* the identity moves to the socket */
    memset(&q->id, 0, sizeof q->id);
    k->last_ping = api_now_ms();
    sock_link(api, k);
    ws_handlers_t h = {ws_open, ws_message, ws_closed};
    /* the request is finished by the upgrade either way */
    http_req_on_abort(r, NULL, NULL);
    q->r = NULL;
    api_req_free(q);
    if (http_ws_upgrade(r, &h, k, 0) != 0) sock_free(k);
}

/* ---- SSE ---- */

static void sse_gone(api_req_t *q)
{
    api_sock_t *k = q->st;
    q->st = NULL;
    if (k) {
        k->sse = NULL;
        sock_free(k);
    }
}

static void h_sse(http_req_t *r, void *ud)
{
    api_t *api = ud;
    const char *cluster = http_req_query(r, "cluster");
    if (!cluster || !*cluster) {
        http_res_error(r, 400, "bad_request", "cluster: required (the cluster ID to follow)", NULL);
        return;
    }
    api_req_t *q = api_req_begin_cluster(api, r, cluster);
    if (!q) return;
    if (api->draining) {
        api_req_error(q, 503, "unavailable", "the server is shutting down");
        return;
    }
    /* the same validation as a WebSocket subscribe message */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", "subscribe");
    cJSON_AddStringToObject(o, "id", "sse");
    cJSON_AddStringToObject(o, "cluster", cluster);
    const char *v;
    if ((v = http_req_query(r, "namespace")) && *v) cJSON_AddStringToObject(o, "namespace", v);
    if ((v = http_req_query(r, "focus")) && *v) cJSON_AddStringToObject(o, "focus", v);
    if ((v = http_req_query(r, "depth")) && *v) {
        char *end;
        long d = strtol(v, &end, 10);
        cJSON_AddItemToObject(o, "depth", *end ? cJSON_CreateString(v) : cJSON_CreateNumber((double)d));
    }
    v = http_req_query(r, "since");
    if (!v || !*v) v = http_req_header(r, "Last-Event-ID");
    if (v && *v) cJSON_AddStringToObject(o, "since", v);
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    api_wsmsg_t m;
    err_t e = {0};
    int rc = api_wsmsg_parse(txt, strlen(txt), &m, &e);
    free(txt);
    if (rc != 0) {
        api_req_error(q, 400, "bad_request", "%s", e.msg);
        return;
    }
    api_sock_t *k = xcalloc(1, sizeof *k);
    k->api = api;
    k->sse = q;
    k->last_ping = api_now_ms();
    sock_link(api, k);
    q->st = k;
    q->on_gone = sse_gone;
    http_res_header(r, "Cache-Control", "no-store");
    http_res_header(r, "X-Accel-Buffering", "no");
    http_res_stream_begin(r, 200, "text/event-stream");
    static const char hello[] = "retry: 2000\n\n";
    http_res_stream_write(r, hello, sizeof hello - 1);
    subscribe(k, &m);
}

/* ---- flushing, ticking ---- */

static void sock_flush(api_sock_t *k, int64_t now)
{
    api_t *api = k->api;
    k->dirty = false;
    bool held = false;
    for (api_sub_t *s = k->subs; s; s = s->snext) {
        if (s->resync) {
            if (sock_pending(k) >= api->cfg.ws_high_water) {
                held = true;
                continue;
            }
            buf_t b = {0};
            buf_puts(&b, "{\"sub\":");
            buf_json_cstr(&b, s->id);
            buf_puts(&b, ",\"type\":\"resync\",\"resourceVersion\":");
            if (s->ac) rv_json(&b, s->ac);
            else buf_puts(&b, "\"0\"");
            buf_putc(&b, '}');
            sock_send(k, "resync", b.data, b.len);
            buf_free(&b);
            obs_add(api->m_ws_resyncs, 1, NULL);
            s->resync = false;
            api_outbox_clear(&s->out);
        }
        while (s->out.head) {
            if (sock_pending(k) >= api->cfg.ws_high_water) {
                held = true;
                break;
            }
            buf_t b = {0};
            api_outbox_take(&s->out, s->id, TAKE_BYTES, &b);
            sock_send(k, "delta", b.data, b.len);
            buf_free(&b);
        }
    }
    if (held) {
        if (!k->behind_since) k->behind_since = now;
        k->dirty = true; /* try again on a later turn */
    } else k->behind_since = 0;
}

void api_ws_flush(api_t *api)
{
    if (!api->flush_armed) return;
    api->flush_armed = false;
    map_slot_t *sl;
    for (size_t it = 0; map_next(&api->acs, &it, &sl);) {
        api_cluster_t *ac = sl->val;
        for (api_chan_t *ch = ac->chans; ch; ch = ch->next)
            if (ch->out.head) chan_flush(ch);
    }
    int64_t now = api_now_ms();
    for (api_sock_t *k = api->socks; k; k = k->next)
        if (k->dirty && !k->closing) sock_flush(k, now);
    /* sockets still held back are retried by the tick */
}

static void sock_end(api_sock_t *k, int code, const char *reason)
{
    if (k->closing) return;
    k->closing = true;
    if (k->ws) {
        ws_close(k->ws, code, reason); /* on_close frees k */
        return;
    }
    if (k->sse && k->sse->r) {
        api_req_t *q = k->sse;
        http_req_t *r = q->r;
        http_req_on_abort(r, NULL, NULL);
        q->r = NULL;
        q->on_gone = NULL;
        q->st = NULL;
        http_res_stream_end(r);
        k->sse = NULL;
        api_req_free(q);
        sock_free(k);
    }
}

void api_ws_tick(api_t *api, int64_t now)
{
    /* a channel's hidden item whose visibility has since been decided */
    map_slot_t *sl;
    for (size_t it = 0; map_next(&api->acs, &it, &sl);) {
        api_cluster_t *ac = sl->val;
        for (api_chan_t *ch = ac->chans; ch; ch = ch->next) {
            if (!ch->missed) continue;
            int v = api_visible(ac, ch->view, ch->missed_ns, ch->missed_kind);
            if (v < 0) continue;
            ch->missed = false;
            if (v == 1) chan_resync(ch);
        }
    }
    for (api_sock_t *k = api->socks, *n; k; k = n) {
        n = k->next;
        if (k->closing) continue;
        if (k->behind_since && now - k->behind_since > api->cfg.ws_behind_ms) {
            log_warn("subscriber dropped: not reading", "peer=%s behindMs=%lld", k->ws ? ws_peer(k->ws) : "sse",
                     (long long)(now - k->behind_since));
            obs_add(api->m_ws_drops, 1, NULL);
            sock_end(k, 1008, "not reading: resubscribe with since");
            continue;
        }
        /* a hidden item whose visibility has since been decided as visible */
        for (api_sub_t *s = k->subs; s; s = s->snext) {
            if (!s->missed || !s->ac) continue;
            int v = api_visible(s->ac, s->view, s->missed_ns, s->missed_kind);
            if (v < 0) continue;
            s->missed = false;
            if (v == 1) sub_resync(s);
        }
        if (k->sse && now - k->last_ping >= SSE_PING_MS && k->sse->r) {
            static const char ping[] = ": ping\n\n";
            http_res_stream_write(k->sse->r, ping, sizeof ping - 1);
            k->last_ping = now;
        }
        if (k->dirty) api->flush_armed = true;
    }
    api_ws_flush(api);
}

void api_ws_stats(api_t *api, size_t *outbox_bytes, size_t *held)
{
    *outbox_bytes = *held = 0;
    map_slot_t *sl;
    for (size_t it = 0; map_next(&api->acs, &it, &sl);) {
        api_cluster_t *ac = sl->val;
        for (api_chan_t *ch = ac->chans; ch; ch = ch->next) *outbox_bytes += ch->out.bytes;
    }
    for (api_sock_t *k = api->socks; k; k = k->next) {
        for (api_sub_t *s = k->subs; s; s = s->snext) *outbox_bytes += s->out.bytes;
        *held += k->behind_since != 0;
    }
}

void api_ws_view_changed(api_t *api, api_view_t *v)
{
    for (api_sock_t *k = api->socks; k; k = k->next)
        for (api_sub_t *s = k->subs; s; s = s->snext)
            if (s->view == v && s->ready) sub_resync(s);
}

void api_ws_cluster_status(api_t *api, cluster_t *c)
{
    const char *err = NULL;
    int64_t last = 0;
    const char *status = cluster_status(c, &err, &last);
    buf_t b = {0};
    buf_puts(&b, "{\"type\":\"cluster\",\"id\":");
    buf_json_cstr(&b, cluster_id(c));
    buf_puts(&b, ",\"status\":");
    buf_json_cstr(&b, status);
    if (err) {
        buf_puts(&b, ",\"error\":");
        buf_json_cstr(&b, err);
    }
    buf_putc(&b, '}');
    for (api_sock_t *k = api->socks; k; k = k->next) sock_send(k, "cluster", b.data, b.len);
    buf_free(&b);
}

void api_ws_cluster_removed(api_cluster_t *ac)
{
    api_t *api = ac->api;
    buf_t b = {0};
    for (api_sock_t *k = api->socks, *n; k; k = n) {
        n = k->next;
        bool sse_gone_too = false;
        for (api_sub_t *s = k->subs, *sn; s; s = sn) {
            sn = s->snext;
            if (s->ac != ac) continue;
            buf_reset(&b);
            buf_puts(&b, "{\"type\":\"cluster\",\"id\":");
            buf_json_cstr(&b, ac->id);
            buf_puts(&b, ",\"status\":\"removed\",\"sub\":");
            buf_json_cstr(&b, s->id);
            buf_putc(&b, '}');
            sock_send(k, "cluster", b.data, b.len);
            sub_remove(k, s);
            sse_gone_too = k->sse != NULL;
        }
        if (sse_gone_too) sock_end(k, 1000, "cluster removed");
    }
    buf_free(&b);
}

void api_ws_free_cluster(api_cluster_t *ac)
{
    if (ac->graph && cluster_graph(ac->c) == ac->graph) graph_set_listener(ac->graph, NULL, NULL);
    ac->graph = NULL;
    ring_free(ac);
    /* every subscription has left (api_ws_cluster_removed): no channels */
    while (ac->chans) {
        api_chan_t *ch = ac->chans;
        while (ch->members) chan_leave(ch->members); /* frees ch with the last */
    }
    map_free(&ac->chans_ns);
}

void api_ws_drain(api_t *api)
{
    for (api_sock_t *k = api->socks, *n; k; k = n) {
        n = k->next;
        sock_end(k, 1001, "server shutting down");
    }
    if (!api->freeing) return;
    /* api_free: WebSockets still closing outlive the API; they keep only
     * their memory, freed by their on_close */
    while (api->socks) {
        api_sock_t *k = api->socks;
        api->socks = k->next;
        while (k->subs) {
            api_sub_t *s = k->subs;
            k->subs = s->snext;
            sub_free(s);
        }
        api_identity_free(&k->id);
        k->api = NULL;
        k->prev = k->next = NULL;
        if (!k->ws) free(k);
    }
    api->nsocks = 0;
}

void api_ws_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/ws", h_ws, api);
    http_route(api->http, "GET", "/api/v1/events/stream", h_sse, api);
}
