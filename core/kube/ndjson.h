/* ndjson.h — splitting a watch stream into lines and lines into events.
 *
 * A watch response is a sequence of JSON objects separated by newlines,
 * arriving in arbitrary chunks. kube_lines_feed() buffers a partial line
 * across chunks and calls on_line once per complete, non-empty line. A line
 * longer than max bytes is skipped to its newline without being buffered and
 * reported once through on_oversize, so one huge object costs a counter, not
 * the process's memory.
 *
 * kube_watch_event_parse() turns one line into its type and object.
 *
 * kube_liststream_feed() does for one LIST response body what
 * kube_lines_feed() does for a watch: it cuts the top-level `items` array
 * into its items as the body arrives in arbitrary chunks, hands each to
 * on_item as soon as its last byte is in, and keeps only the unfinished
 * item. Everything else of the document (kind, apiVersion, metadata, in
 * whatever order the server wrote them, before or after the items) is kept
 * in `env` with the array replaced by null, to be parsed at the end. So an
 * unpaged list of a whole cluster (hundreds of megabytes) costs one object
 * of memory, and its parsing is spread over the chunks instead of done in
 * one go once the last byte is in. The scanner knows strings, escapes and
 * nesting only; it does not validate (each item is parsed on its own).
 */
#ifndef KB_KUBE_NDJSON_H
#define KB_KUBE_NDJSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"

typedef struct kube_lines {
    buf_t partial;
    size_t max;         /* longest accepted line; 0 → 16 MiB */
    bool skipping;      /* inside an oversized line */
    size_t skipped_len; /* bytes of it so far */
} kube_lines_t;

/* on_line returns false to stop feeding (the rest of the chunk is dropped;
 * used when the consumer went away). line is not NUL-terminated. */
typedef bool (*kube_line_fn)(const char *line, size_t len, void *ud);
typedef void (*kube_oversize_fn)(size_t len_so_far, void *ud);

/* Returns false when on_line asked to stop. */
bool kube_lines_feed(kube_lines_t *l, const char *data, size_t len, kube_line_fn on_line,
                     kube_oversize_fn on_oversize, void *ud);
/* Bytes of an unfinished line held (0 when the stream ended cleanly). */
static inline size_t kube_lines_pending(const kube_lines_t *l) { return l->partial.len; }
void kube_lines_reset(kube_lines_t *l);
void kube_lines_free(kube_lines_t *l);

enum {
    KUBE_EV_ADDED,
    KUBE_EV_MODIFIED,
    KUBE_EV_DELETED,
    KUBE_EV_BOOKMARK,
    KUBE_EV_ERROR,
};
const char *kube_event_type_name(int type);

/* Parse one watch line into the arena a (base/jsonarena.h: the tree lives
 * until the arena is reset; never cJSON_Delete it). On success returns the
 * parsed document, *type and *object (a part of it). NULL when the line is
 * not JSON, has no known type, or has no object. */
cJSON *kube_watch_event_parse(arena_t *a, const char *line, size_t len, int *type, cJSON **object);

/* ---- a LIST body, item by item ---- */

typedef struct kube_liststream {
    buf_t env;       /* the document so far, its items array written as null */
    buf_t item;      /* the unfinished item */
    size_t max_item; /* longest accepted item; 0 → 16 MiB */
    size_t max_env;  /* longest accepted envelope; 0 → 1 MiB */
    /* scanner state, carried across chunks */
    int state, depth;
    bool in_str, esc;
    bool expect_key, in_key, key_items, after_colon;
    size_t keylen;
    bool skipping;     /* inside an oversized item: scanned, not kept */
    size_t item_bytes; /* bytes of the current item so far */
    size_t items;      /* items completed (delivered or oversized) */
    bool seen_items, bad;
} kube_liststream_t;

enum { KUBE_LS_OK = 0, KUBE_LS_STOPPED = 1, KUBE_LS_MALFORMED = -1 };

/* on_item returns false to stop. item is not NUL-terminated and is valid
 * during the call only. Returns KUBE_LS_OK, KUBE_LS_STOPPED (on_item said
 * stop) or KUBE_LS_MALFORMED (not a JSON object at the top, or an envelope
 * over max_env; nothing more is delivered). */
int kube_liststream_feed(kube_liststream_t *s, const char *data, size_t len,
                         bool (*on_item)(const char *item, size_t len, void *ud), kube_oversize_fn on_oversize,
                         void *ud);
/* After the last chunk: true when the document was complete (its top-level
 * object closed); s->env then holds it without its items. */
bool kube_liststream_done(const kube_liststream_t *s);
void kube_liststream_reset(kube_liststream_t *s);
void kube_liststream_free(kube_liststream_t *s);

#endif
