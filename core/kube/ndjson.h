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

#endif
