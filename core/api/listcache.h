/* listcache.h — what makes resource list pages cheap: per cluster, the
 * sorted orders of each (kind, namespace) and each object's serialized row.
 *
 * Orders. For every (kind, namespace, sort) that was asked for, an array
 * of the objects in ascending order — by name, by (creation time, name) or
 * by (status, name) — kept until the store says that (kind, namespace)
 * changed in a way that can move objects (store_kind_gens: objects added
 * or removed, creation times, and for the status order statuses). It is
 * then brought up to date by difference, not rebuilt: entries whose object
 * is unchanged (same store_obj_stamp) keep their place, the others are
 * sorted on their own and merged in. A page over several namespaces is a
 * merge of their orders (a heap), which starts right after the `continue`
 * position by binary search in each, so a page costs about its own length
 * whatever the cluster's size. Paging stays exactly the cursor contract of
 * cursor.h: the position is a key, never an offset.
 *
 * Rows. The item JSON of resources.c (id, kind, namespace, name, uid,
 * created, resourceVersion, status, reason, labels, columns) is built once
 * per object version and kept up to the `"AGE":"` of its columns; AGE is
 * written at each render from the clock, so it is never stale. A row is
 * valid while the object's stamp is the one it was built from. Rows are
 * bounded by a byte budget, evicted with the clock algorithm (rows used
 * since the hand last passed are spared once).
 *
 * Pages. The bytes of a whole answer are kept per request key (what was
 * asked and which namespaces the asker may see: resources.c builds it), so
 * an identical request is answered with one write of bytes already made.
 * A kept page is current while the wall-clock second is the one it was
 * written in (AGE), and, for each of its namespaces, nothing of its kind
 * changed — or, for an unfiltered page, no object came or went (nor did a
 * status, for the status order) and none of the page's own objects changed
 * (their stamps). Anything else can neither enter the page nor change its
 * bytes. Pages are bounded by count and bytes (least recently used go).
 *
 * Everything runs on the loop thread and reads the store only during the
 * call; nothing here holds a string of the store across calls (entries are
 * checked against the store before their strings are used).
 */
#ifndef KB_API_LISTCACHE_H
#define KB_API_LISTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/cursor.h"
#include "base/buf.h"
#include "store/store.h"

typedef struct api_listcache api_listcache_t;

enum { API_SORT_NAMESPACE, API_SORT_NAME, API_SORT_CREATED, API_SORT_STATUS, API_SORT_MAX };

/* row_budget: bytes of rows kept (0 → 32 MiB); order_budget: entries of
 * orders kept (0 → 1 Mi entries, 16 bytes each; past it, orders the
 * current page does not use are dropped). */
api_listcache_t *api_listcache_new(size_t row_budget, size_t order_budget);
/* Pages kept: at most max_pages (0 → 64) and page_budget bytes (0 → 16 MiB). */
void api_listcache_set_page_budget(api_listcache_t *lc, size_t max_pages, size_t page_budget);
void api_listcache_free(api_listcache_t *lc);

/* Which objects a page keeps besides kind and namespace (label and field
 * selectors); NULL keeps all. */
typedef bool (*api_list_filter_fn)(const store_t *s, store_oid_t o, void *ud);

typedef struct api_list_query {
    uint32_t kind;            /* intern id of the canonical kind */
    const uint32_t *nss;      /* namespace ids to take objects from ("" for cluster-scoped) */
    size_t nns;
    int sort;                 /* API_SORT_* */
    bool desc;
    size_t limit;             /* ≥ 1 */
    const api_cursor_t *after; /* NULL: from the start */
    api_list_filter_fn filter;
    void *filter_ud;
} api_list_query_t;

typedef struct api_list_page {
    store_oid_t *items;       /* in page order; free() it */
    size_t n;
    size_t remaining;         /* matching objects after the page */
} api_list_page_t;

void api_listcache_page(api_listcache_t *lc, store_t *s, const api_list_query_t *q, api_list_page_t *out);

/* The cursor naming o as the last item of a page of this sort. */
void api_listcache_cursor(const store_t *s, store_oid_t o, int sort, uint64_t qhash, api_cursor_t *out);

/* Append o's item JSON, its AGE as of now_s (wall clock seconds). */
void api_listcache_row(api_listcache_t *lc, store_t *s, store_oid_t o, int64_t now_s, buf_t *out);

/* A kept page's bytes, shared by the cache and the responses still
 * sending them (each holds a reference; the last one frees them). */
typedef struct api_page_bytes {
    uint32_t refs;
    size_t len;
    struct api_page_bytes *gz; /* its gzip, made on first asking (one reference) */
    char data[];               /* NUL-terminated */
} api_page_bytes_t;
/* The gzip variant of b, made once (level 1) and kept with it; NULL when
 * compressing does not make it smaller. */
api_page_bytes_t *api_page_bytes_gzip(api_page_bytes_t *b);
/* Drop one reference (void * for http_res_send_borrowed's release). */
void api_page_bytes_release(void *pb);

/* A kept page for key, still current for q (kind, namespaces, sort,
 * filter: the same query the page was made with) at now_s; NULL when
 * there is none. The bytes stay valid until the next call on lc unless
 * the caller takes a reference (refs++). */
api_page_bytes_t *api_listcache_page_get(api_listcache_t *lc, store_t *s, const void *key, size_t klen,
                                         const api_list_query_t *q, int64_t now_s);
/* Keep body as the page made by q (pg its items) at now_s. */
void api_listcache_page_put(api_listcache_t *lc, store_t *s, const void *key, size_t klen, const api_list_query_t *q,
                            const api_list_page_t *pg, int64_t now_s, const buf_t *body);

typedef struct api_listcache_stats {
    size_t rows, row_bytes, row_hits, row_misses;
    size_t orders, order_entries, order_syncs, order_builds;
    size_t pages, page_bytes, page_hits, page_misses;
} api_listcache_stats_t;
void api_listcache_stats(const api_listcache_t *lc, api_listcache_stats_t *out);

#endif
