/* outbox.c — coalescing, bounded delta queue; see outbox.h. */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

struct outbox_entry {
    outbox_entry_t *prev, *next;
    char *key;
    size_t klen;
    int kind, op;
    char *json;
    size_t jlen;
};

void api_outbox_init(api_outbox_t *o, size_t max_bytes)
{
    memset(o, 0, sizeof *o);
    o->max_bytes = max_bytes ? max_bytes : 4u << 20;
}

static void entry_free(outbox_entry_t *e)
{
    free(e->key);
    free(e->json);
    free(e);
}

void api_outbox_clear(api_outbox_t *o)
{
    for (outbox_entry_t *e = o->head, *n; e; e = n) {
        n = e->next;
        entry_free(e);
    }
    map_free(&o->index);
    o->head = o->tail = NULL;
    o->count = o->bytes = 0;
    o->overflowed = false;
}

void api_outbox_free(api_outbox_t *o) { api_outbox_clear(o); }

void api_outbox_put(api_outbox_t *o, int kind, int op, const char *key, size_t klen, const char *json,
                    size_t jlen, const char *rv)
{
    if (rv) snprintf(o->rv, sizeof o->rv, "%s", rv);
    if (o->overflowed) return; /* the client gets a resync; changes until then are moot */
    /* the key space of nodes and edges is kept apart by a one-byte prefix */
    char stack[256];
    char *k = klen + 1 <= sizeof stack ? stack : xmalloc(klen + 1);
    k[0] = kind == OUTBOX_NODE ? 'n' : 'e';
    memcpy(k + 1, key, klen);
    outbox_entry_t *e = map_get(&o->index, k, klen + 1);
    if (e) {
        o->coalesced_total++;
        o->bytes -= e->jlen;
        free(e->json);
        e->op = op;
        e->json = xmemdup(json, jlen);
        e->jlen = jlen;
        o->bytes += jlen;
    } else {
        e = xcalloc(1, sizeof *e);
        e->key = xmemdup(k, klen + 1);
        e->klen = klen + 1;
        e->kind = kind;
        e->op = op;
        e->json = xmemdup(json, jlen);
        e->jlen = jlen;
        e->prev = o->tail;
        if (o->tail) o->tail->next = e;
        else o->head = e;
        o->tail = e;
        o->count++;
        o->bytes += e->jlen + e->klen;
        map_put(&o->index, e->key, e->klen, e);
    }
    if (k != stack) free(k);
    if (o->bytes > o->max_bytes) {
        api_outbox_clear(o);
        o->overflowed = true;
    }
}

/* Append the entries of one (kind, op) class from the taken list. */
static void put_class(buf_t *msg, const outbox_entry_t *taken, int kind, int op)
{
    bool first = true;
    buf_putc(msg, '[');
    for (const outbox_entry_t *e = taken; e; e = e->next) {
        if (e->kind != kind || e->op != op) continue;
        if (!first) buf_putc(msg, ',');
        buf_append(msg, e->json, e->jlen);
        first = false;
    }
    buf_putc(msg, ']');
}

size_t api_outbox_detach(api_outbox_t *o, size_t max_bytes, api_outbox_batch_t *b)
{
    memset(b, 0, sizeof *b);
    if (!o->head) return 0;
    /* a prefix of at most max_bytes (always at least one entry) */
    outbox_entry_t *last = o->head;
    size_t n = 1, bytes = last->jlen;
    while (last->next && bytes + last->next->jlen <= max_bytes) {
        last = last->next;
        bytes += last->jlen;
        n++;
    }
    b->head = o->head;
    b->n = n;
    memcpy(b->rv, o->rv, sizeof b->rv);
    o->head = last->next;
    if (o->head) o->head->prev = NULL;
    else o->tail = NULL;
    last->next = NULL;
    for (outbox_entry_t *e = b->head; e; e = e->next) {
        map_del(&o->index, e->key, e->klen);
        o->count--;
        o->bytes -= e->jlen + e->klen;
    }
    return n;
}

void api_outbox_batch_body(const api_outbox_batch_t *b, buf_t *out)
{
    buf_puts(out, ",\"type\":\"delta\",\"resourceVersion\":");
    buf_json_cstr(out, b->rv);
    buf_puts(out, ",\"nodes\":{\"upsert\":");
    put_class(out, b->head, OUTBOX_NODE, OUTBOX_UPSERT);
    buf_puts(out, ",\"remove\":");
    put_class(out, b->head, OUTBOX_NODE, OUTBOX_REMOVE);
    buf_puts(out, "},\"edges\":{\"upsert\":");
    put_class(out, b->head, OUTBOX_EDGE, OUTBOX_UPSERT);
    buf_puts(out, ",\"remove\":");
    put_class(out, b->head, OUTBOX_EDGE, OUTBOX_REMOVE);
    buf_puts(out, "}}");
}

void api_outbox_put_batch(api_outbox_t *o, const api_outbox_batch_t *b)
{
    /* entry keys carry the kind prefix; put() adds it again */
    for (const outbox_entry_t *e = b->head; e; e = e->next)
        api_outbox_put(o, e->kind, e->op, e->key + 1, e->klen - 1, e->json, e->jlen, b->rv);
}

void api_outbox_batch_free(api_outbox_batch_t *b)
{
    for (outbox_entry_t *e = b->head, *nx; e; e = nx) {
        nx = e->next;
        entry_free(e);
    }
    b->head = NULL;
    b->n = 0;
}

size_t api_outbox_take(api_outbox_t *o, const char *sub, size_t max_bytes, buf_t *msg)
{
    api_outbox_batch_t b;
    size_t n = api_outbox_detach(o, max_bytes, &b);
    if (!n) return 0;
    buf_puts(msg, "{\"sub\":");
    buf_json_cstr(msg, sub);
    api_outbox_batch_body(&b, msg);
    api_outbox_batch_free(&b);
    return n;
}
