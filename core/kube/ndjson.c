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
