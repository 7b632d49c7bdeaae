/* ndjson.c — watch stream line splitting and event parsing; see ndjson.h. */
#include "kube/ndjson.h"

#include <string.h>

#include "base/jsonarena.h"

#define LINES_DEFAULT_MAX (16u << 20)

static bool emit(const char *p, size_t n, kube_line_fn on_line, void *ud)
{
    /* Trailing CR (a server writing \r\n) and blank keep-alive lines are
     * not events. */
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ')) n--;
    if (!n) return true;
    return on_line(p, n, ud);
}

bool kube_lines_feed(kube_lines_t *l, const char *data, size_t len, kube_line_fn on_line,
                     kube_oversize_fn on_oversize, void *ud)
{
    size_t max = l->max ? l->max : LINES_DEFAULT_MAX;
    while (len) {
        const char *nl = memchr(data, '\n', len);
        size_t seg = nl ? (size_t)(nl - data) : len;
        if (l->skipping) {
            l->skipped_len += seg;
            if (nl) {
                l->skipping = false;
                l->skipped_len = 0;
            }
        } else if (l->partial.len + seg > max) {
            if (on_oversize) on_oversize(l->partial.len + seg, ud);
            buf_reset(&l->partial);
            if (!nl) {
                l->skipping = true;
                l->skipped_len = seg;
            }
        } else if (nl) {
            bool go;
            if (l->partial.len) {
                buf_append(&l->partial, data, seg);
                go = emit(l->partial.data, l->partial.len, on_line, ud);
                /* The consumer may have stopped (and must not have freed l)
                 * — reset either way so the buffer never replays. */
                buf_reset(&l->partial);
            } else {
                go = emit(data, seg, on_line, ud);
            }
            if (!go) return false;
        } else {
            buf_append(&l->partial, data, seg);
        }
        if (!nl) break;
        data = nl + 1;
        len -= seg + 1;
    }
    return true;
}

void kube_lines_reset(kube_lines_t *l)
{
    buf_reset(&l->partial);
    l->skipping = false;
    l->skipped_len = 0;
    /* A huge line leaves a huge buffer behind; give it back. */
    if (l->partial.cap > (1u << 20)) buf_free(&l->partial);
}

void kube_lines_free(kube_lines_t *l)
{
    buf_free(&l->partial);
    l->skipping = false;
}

const char *kube_event_type_name(int type)
{
    switch (type) {
    case KUBE_EV_ADDED: return "ADDED";
    case KUBE_EV_MODIFIED: return "MODIFIED";
    case KUBE_EV_DELETED: return "DELETED";
    case KUBE_EV_BOOKMARK: return "BOOKMARK";
    case KUBE_EV_ERROR: return "ERROR";
    }
    return "UNKNOWN";
}

cJSON *kube_watch_event_parse(arena_t *a, const char *line, size_t len, int *type, cJSON **object)
{
    cJSON *doc = jsonarena_parse(a, line, len);
    if (!doc) return NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "type");
    cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, "object");
    if (!cJSON_IsString(t) || !cJSON_IsObject(o)) goto bad;
    static const char *names[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
    for (int i = 0; i < 5; i++) {
        if (!strcmp(t->valuestring, names[i])) {
            *type = i;
            *object = o;
            return doc;
        }
    }
bad:
    return NULL;
}

/* ---- a LIST body, item by item ----
 *
 * States: before the top-level '{'; in the envelope (every byte copied to
 * env, depth counted, keys at depth 1 watched for "items"); in the items
 * array between items; inside an item (bytes copied to item, or only
 * counted when it is oversized); after the top-level '}'. Bytes are copied
 * a run at a time: `mark` is where the current run began in this chunk. */

enum { LS_START, LS_ENV, LS_ARRAY, LS_ITEM, LS_END };

#define LS_ITEM_MAX (16u << 20)
#define LS_ENV_MAX (1u << 20)

static const unsigned char ls_special[256] = {['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1};

/* As cJSON (and base/jsonarena) skip it: every byte up to the space. */
static bool is_ws(char c) { return (unsigned char)c <= 32; }

static bool ls_env_flush(kube_liststream_t *s, const char *mark, const char *p)
{
    if (p <= mark) return true;
    size_t cap = s->max_env ? s->max_env : LS_ENV_MAX;
    if (s->env.len + (size_t)(p - mark) > cap) return false;
    buf_append(&s->env, mark, (size_t)(p - mark));
    return true;
}

static void ls_item_flush(kube_liststream_t *s, const char *mark, const char *p, kube_oversize_fn on_oversize,
                          void *ud)
{
    if (p <= mark) return;
    size_t n = (size_t)(p - mark);
    size_t cap = s->max_item ? s->max_item : LS_ITEM_MAX;
    s->item_bytes += n;
    if (s->skipping) return;
    if (s->item.len + n > cap) {
        if (on_oversize) on_oversize(s->item.len + n, ud);
        s->skipping = true;
        buf_reset(&s->item);
        if (s->item.cap > (1u << 20)) buf_free(&s->item);
        return;
    }
    buf_append(&s->item, mark, n);
}

/* The item that ends just before p is complete: deliver it (from the chunk
 * when it began there, else from the buffer). */
static bool ls_item_end(kube_liststream_t *s, const char *mark, const char *p, bool started_here,
                        bool (*on_item)(const char *, size_t, void *), kube_oversize_fn on_oversize, void *ud)
{
    bool go = true;
    size_t cap = s->max_item ? s->max_item : LS_ITEM_MAX;
    if (started_here && !s->skipping) {
        size_t n = (size_t)(p - mark);
        if (n > cap) {
            if (on_oversize) on_oversize(n, ud);
        } else {
            go = on_item(mark, n, ud);
        }
    } else {
        ls_item_flush(s, mark, p, on_oversize, ud);
        if (!s->skipping) go = on_item(s->item.data, s->item.len, ud);
    }
    s->items++;
    s->skipping = false;
    s->item_bytes = 0;
    buf_reset(&s->item);
    if (s->item.cap > (1u << 20)) buf_free(&s->item); /* one huge item leaves no huge buffer */
    s->state = LS_ARRAY;
    return go;
}

int kube_liststream_feed(kube_liststream_t *s, const char *data, size_t len,
                         bool (*on_item)(const char *, size_t, void *), kube_oversize_fn on_oversize, void *ud)
{
    if (s->bad) return KUBE_LS_MALFORMED;
    const char *p = data, *end = data + len;
    const char *mark = p;         /* start of the run not yet copied */
    bool item_here = false;       /* the current item began in this chunk, at mark */
    while (p < end) {
        switch (s->state) {
        case LS_START:
            while (p < end && is_ws(*p)) p++;
            if (p == end) break;
            if (*p != '{') goto bad;
            s->state = LS_ENV;
            s->depth = 1;
            s->expect_key = true;
            mark = p;
            p++;
            break;
        case LS_END:
            while (p < end && is_ws(*p)) p++;
            if (p < end) goto bad;
            mark = p;
            break;
        case LS_ENV: {
            char c = *p;
            if (s->in_str) {
                if (s->esc) s->esc = false;
                else if (c == '\\') {
                    s->esc = true;
                    s->keylen = 6; /* an escape: not the plain "items" */
                } else if (c == '"') {
                    s->in_str = false;
                    if (s->in_key) {
                        s->in_key = false;
                        s->key_items = s->keylen == 5;
                    }
                } else if (s->in_key) {
                    static const char items[] = "items";
                    if (s->keylen >= 5 || c != items[s->keylen]) s->keylen = 6; /* not "items" */
                    else s->keylen++;
                }
                p++;
                break;
            }
            if (s->depth == 1 && s->after_colon && !is_ws(c)) {
                s->after_colon = false;
                if (s->key_items && c == '[') {
                    /* the items array: written as null in the envelope */
                    if (!ls_env_flush(s, mark, p)) goto bad;
                    buf_puts(&s->env, "null");
                    s->seen_items = true;
                    s->key_items = false;
                    s->state = LS_ARRAY;
                    p++;
                    mark = p;
                    break;
                }
                s->key_items = false;
            }
            switch (c) {
            case '"':
                s->in_str = true;
                if (s->depth == 1 && s->expect_key) {
                    s->in_key = true;
                    s->keylen = 0;
                    s->expect_key = false;
                }
                break;
            case '{':
            case '[': s->depth++; break;
            case '}':
            case ']':
                if (--s->depth == 0) {
                    p++;
                    if (!ls_env_flush(s, mark, p)) goto bad;
                    mark = p;
                    s->state = LS_END;
                    continue;
                }
                break;
            case ',':
                if (s->depth == 1) s->expect_key = true;
                break;
            case ':':
                if (s->depth == 1) s->after_colon = true;
                break;
            }
            p++;
            break;
        }
        case LS_ARRAY:
            while (p < end && (is_ws(*p) || *p == ',')) p++;
            if (p == end) {
                mark = p;
                break;
            }
            if (*p == ']') {
                p++;
                mark = p;
                s->state = LS_ENV;
                s->depth = 1;
                s->expect_key = false;
                break;
            }
            if (*p == '}' || *p == ':') goto bad; /* no value starts so */
            s->state = LS_ITEM;
            s->depth = 0;
            s->in_str = s->esc = false;
            s->item_bytes = 0;
            mark = p;
            item_here = true;
            __attribute__((fallthrough)); /* the item's first byte */
        case LS_ITEM: {
            /* The hot loop: most of a list's bytes are inside items, most of
             * those inside strings. */
            bool done = false;
            while (p < end) {
                if (s->in_str) {
                    if (s->esc) { /* the byte after a backslash, maybe in the previous chunk */
                        s->esc = false;
                        p++;
                        continue;
                    }
                    /* memchr to the next quote; it closes the string unless
                     * an odd run of backslashes precedes it */
                    const char *q = memchr(p, '"', (size_t)(end - p));
                    const char *stop = q ? q : end;
                    size_t bs = 0;
                    for (const char *b = stop; b > p && b[-1] == '\\'; b--) bs++;
                    if (!q) {
                        s->esc = bs % 2 == 1; /* the chunk ends inside an escape */
                        p = end;
                        break;
                    }
                    p = q + 1;
                    if (bs % 2) continue; /* an escaped quote */
                    s->in_str = false;
                    if (s->depth == 0) { /* a string item */
                        done = true;
                        break;
                    }
                    continue;
                }
                char c = *p;
                if (s->depth > 0) {
                    /* inside a container only quotes and brackets matter */
                    while (p < end && !ls_special[(unsigned char)*p]) p++;
                    if (p == end) break;
                    c = *p;
                }
                if (c == '"') s->in_str = true;
                else if (c == '{' || c == '[') s->depth++;
                else if (c == '}' || c == ']') {
                    if (s->depth == 0) { /* a bare scalar item ends at the array's ']' */
                        done = true;
                        break;
                    }
                    if (--s->depth == 0) {
                        p++;
                        done = true;
                        break;
                    }
                } else if (s->depth == 0 && (c == ',' || is_ws(c))) {
                    done = true; /* a bare scalar item */
                    break;
                }
                p++;
            }
            if (!done) break;
            if (item_here && p == mark) goto bad; /* an empty item: nothing would move on */
            if (!ls_item_end(s, mark, p, item_here, on_item, on_oversize, ud)) return KUBE_LS_STOPPED;
            item_here = false;
            mark = p;
            break;
        }
        }
    }
    /* the end of the chunk: keep the unfinished run */
    if (s->state == LS_ENV) {
        if (!ls_env_flush(s, mark, end)) goto bad;
    } else if (s->state == LS_ITEM) {
        ls_item_flush(s, mark, end, on_oversize, ud);
    }
    return KUBE_LS_OK;
bad:
    s->bad = true;
    return KUBE_LS_MALFORMED;
}

bool kube_liststream_done(const kube_liststream_t *s) { return !s->bad && s->state == LS_END; }

void kube_liststream_reset(kube_liststream_t *s)
{
    size_t mi = s->max_item, me = s->max_env;
    buf_t env = s->env, item = s->item;
    buf_reset(&env);
    buf_reset(&item);
    if (item.cap > (1u << 20)) buf_free(&item);
    memset(s, 0, sizeof *s);
    s->env = env;
    s->item = item;
    s->max_item = mi;
    s->max_env = me;
}

void kube_liststream_free(kube_liststream_t *s)
{
    buf_free(&s->env);
    buf_free(&s->item);
    memset(s, 0, sizeof *s);
}
