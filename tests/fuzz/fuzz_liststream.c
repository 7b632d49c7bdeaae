/* fuzz_liststream.c — kube/ndjson.h's LIST body splitter (kube_liststream).
 *
 * The first input byte picks the chunking; the rest is the body. Checked on
 * every input:
 *   - fed in chunks (sizes from the first byte) it gives exactly what it
 *     gives fed whole: the same result, the same items byte for byte, the
 *     same envelope, the same completeness;
 *   - when cJSON accepts the body as one object whose only top-level member
 *     named "items" is spelled without escapes: each item delivered parses
 *     to the array's element at the same place (all of them, in order, when
 *     it is an array; none otherwise), and the envelope parses to the
 *     document with that array replaced by null.
 * A mismatch aborts (libFuzzer keeps the input).
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "kube/ndjson.h"

typedef struct got {
    buf_t all; /* each item as <length>:<bytes> */
    size_t n;
} got_t;

static bool on_item(const char *p, size_t n, void *ud)
{
    got_t *g = ud;
    buf_printf(&g->all, "%zu:", n);
    buf_append(&g->all, p, n);
    g->n++;
    return true;
}

static int run(const uint8_t *d, size_t n, unsigned chunking, got_t *g, kube_liststream_t *s)
{
    int rc = KUBE_LS_OK;
    size_t off = 0;
    unsigned seed = chunking;
    while (off < n && rc == KUBE_LS_OK) {
        size_t len = n - off;
        if (chunking) {
            seed = seed * 1103515245u + 12345u;
            size_t c = 1 + (seed >> 8) % (1 + chunking % 64);
            if (c < len) len = c;
        }
        rc = kube_liststream_feed(s, (const char *)d + off, len, on_item, NULL, g);
        off += len;
    }
    return rc;
}

/* Same tree, member order and duplicate keys included: cJSON_Compare looks
 * members up by name, so an object with a key twice never matched itself. */
static int same(const cJSON *a, const cJSON *b)
{
    char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
    int eq = x && y && !strcmp(x, y);
    cJSON_free(x);
    cJSON_free(y);
    return eq;
}

static int items_members(const cJSON *doc)
{
    int k = 0;
    for (const cJSON *c = doc->child; c; c = c->next)
        if (c->string && !strcmp(c->string, "items")) k++;
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned chunking = data[0];
    data++;
    size--;
    got_t whole = {0}, parts = {0};
    kube_liststream_t a = {.max_item = 4096, .max_env = 4096}, b = {.max_item = 4096, .max_env = 4096};
    int ra = run(data, size, 0, &whole, &a);
    int rb = run(data, size, chunking | 1, &parts, &b);
    if (ra != rb || whole.n != parts.n || whole.all.len != parts.all.len ||
        (whole.all.len && memcmp(whole.all.data, parts.all.data, whole.all.len)))
        abort();
    if (kube_liststream_done(&a) != kube_liststream_done(&b)) abort();
    if (kube_liststream_done(&a) &&
        (a.env.len != b.env.len || (a.env.len && memcmp(a.env.data, b.env.data, a.env.len))))
        abort();

    /* against cJSON, when the body is plainly one JSON object */
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *end = NULL;
    cJSON *doc = (size < 4096 && !memchr(data, 0, size) && !strstr(copy, "\\u"))
                     ? cJSON_ParseWithOpts(copy, &end, 1)
                     : NULL;
    if (doc && cJSON_IsObject(doc) && items_members(doc) <= 1) {
        if (ra != KUBE_LS_OK || !kube_liststream_done(&a)) abort();
        cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
        /* walk the delivered items alongside the array */
        const char *p = whole.all.data, *pe = p ? p + whole.all.len : NULL;
        const cJSON *el = cJSON_IsArray(items) ? items->child : NULL;
        size_t k = 0;
        while (p && p < pe) {
            char *colon;
            size_t len = strtoul(p, &colon, 10);
            cJSON *it = cJSON_ParseWithLength(colon + 1, len);
            if (!el || !it || !same(it, el)) abort();
            cJSON_Delete(it);
            el = el->next;
            p = colon + 1 + len;
            k++;
        }
        if (el) abort(); /* an element not delivered */
        if (!cJSON_IsArray(items) && k) abort();
        cJSON *env = cJSON_ParseWithLength(a.env.data, a.env.len);
        if (!env) abort();
        if (cJSON_IsArray(items)) cJSON_ReplaceItemInObjectCaseSensitive(doc, "items", cJSON_CreateNull());
        if (!same(env, doc)) abort();
        cJSON_Delete(env);
    }
    cJSON_Delete(doc);
    free(copy);
    kube_liststream_free(&a);
    kube_liststream_free(&b);
    buf_free(&whole.all);
    buf_free(&parts.all);
    return 0;
}
