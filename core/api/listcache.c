/* listcache.c — sorted orders and serialized rows for resource lists; see
 * listcache.h. */
#include "api/listcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "http/http.h"
#include "base/map.h"
#include "base/mem.h"

/* The physical orders: sort=namespace and sort=name share the by-name one
 * (inside one namespace they are the same order). */
enum { PHYS_NAME, PHYS_CREATED, PHYS_STATUS };

typedef struct oent {
    uint32_t o, stamp; /* the object, as it was when placed */
    uint32_t name;     /* its name id: read only after the stamp matched */
    uint32_t key;      /* creation time or status (0 for the by-name order) */
} oent_t;

typedef struct order {
    uint32_t kind, ns;
    int phys;
    bool built;
    uint64_t g_members, g_status; /* store_kind_gens when last brought up to date */
    oent_t *v;
    size_t n;
    uint64_t last_use;
} order_t;

/* A kept page: its bytes and what they were made from. */
typedef struct pent {
    uint32_t ns;
    uint64_t any, members, status; /* store_kind_gens then */
} pent_ns_t;

typedef struct page {
    char *key;
    size_t klen;
    int64_t now_s;
    bool filtered;
    int phys;
    uint32_t kind;
    pent_ns_t *nss;
    size_t nns;
    uint32_t *items; /* (handle, stamp) pairs */
    size_t n;
    api_page_bytes_t *body; /* one reference is the cache's */
    uint64_t last_use;
} page_t;

typedef struct row {
    uint32_t stamp, len;
    uint8_t ref;   /* used since the clock hand last passed */
    uint8_t dates; /* has date columns, written after AGE when listed (store.h) */
    char data[];   /* the item JSON up to and including "AGE":" */
} row_t;

struct api_listcache {
    const store_t *store; /* what every handle and stamp below refers to */
    row_t **rows;         /* by object handle */
    uint32_t nrows;
    uint32_t hand;
    size_t row_bytes, row_budget;
    map_t orders; /* (kind, ns, phys) → order_t* */
    size_t order_entries, order_budget;
    uint32_t *mark; /* by handle: epoch of the last diff that kept it */
    uint32_t nmark, epoch;
    uint64_t tick;
    buf_t scratch;
    map_t pages; /* key → page_t* */
    uint64_t page_tick;
    size_t page_bytes, page_budget, max_pages;
    api_listcache_stats_t st;
};

api_listcache_t *api_listcache_new(size_t row_budget, size_t order_budget)
{
    api_listcache_t *lc = xcalloc(1, sizeof *lc);
    lc->row_budget = row_budget ? row_budget : 32u << 20;
    lc->order_budget = order_budget ? order_budget : 1u << 20;
    lc->max_pages = 64;
    lc->page_budget = 16u << 20;
    return lc;
}

void api_listcache_set_page_budget(api_listcache_t *lc, size_t max_pages, size_t page_budget)
{
    lc->max_pages = max_pages ? max_pages : 64;
    lc->page_budget = page_budget ? page_budget : 16u << 20;
}

static size_t page_cost(const page_t *p)
{
    return sizeof *p->body + p->body->len + 1 + p->klen + p->n * 8 + p->nns * sizeof *p->nss + sizeof *p;
}

void api_page_bytes_release(void *pb)
{
    api_page_bytes_t *b = pb;
    if (b && --b->refs == 0) {
        api_page_bytes_release(b->gz);
        free(b);
    }
}

api_page_bytes_t *api_page_bytes_gzip(api_page_bytes_t *b)
{
    if (b->gz) return b->gz->len ? b->gz : NULL;
    buf_t z = {0};
    bool ok = http_gzip(b->data, b->len, 1, &z) && z.len < b->len;
    api_page_bytes_t *g = xmalloc(sizeof *g + (ok ? z.len : 0) + 1);
    g->refs = 1;
    g->gz = NULL;
    g->len = ok ? z.len : 0; /* 0: tried, not worth it */
    if (ok) memcpy(g->data, z.data, z.len);
    g->data[g->len] = '\0';
    buf_free(&z);
    b->gz = g;
    return g->len ? g : NULL;
}

static void page_free(page_t *p)
{
    if (!p) return;
    free(p->key);
    free(p->nss);
    free(p->items);
    api_page_bytes_release(p->body);
    free(p);
}

static void page_drop(api_listcache_t *lc, page_t *p)
{
    map_del(&lc->pages, p->key, p->klen);
    lc->page_bytes -= page_cost(p);
    page_free(p);
}

static void order_free(order_t *o)
{
    if (!o) return;
    free(o->v);
    free(o);
}

static void drop_all(api_listcache_t *lc)
{
    for (uint32_t i = 0; i < lc->nrows; i++) free(lc->rows[i]);
    free(lc->rows);
    lc->rows = NULL;
    lc->nrows = lc->hand = 0;
    lc->row_bytes = 0;
    map_slot_t *sl;
    for (size_t it = 0; map_next(&lc->orders, &it, &sl);) order_free(sl->val);
    map_free(&lc->orders);
    lc->order_entries = 0;
    free(lc->mark);
    lc->mark = NULL;
    lc->nmark = lc->epoch = 0;
    for (size_t it = 0; map_next(&lc->pages, &it, &sl);) page_free(sl->val);
    map_free(&lc->pages);
    lc->page_bytes = 0;
}

void api_listcache_free(api_listcache_t *lc)
{
    if (!lc) return;
    drop_all(lc);
    buf_free(&lc->scratch);
    free(lc);
}

/* Handles and stamps mean something only for the store they came from. */
static void lc_bind(api_listcache_t *lc, const store_t *s)
{
    if (lc->store == s) return;
    drop_all(lc);
    lc->store = s;
}

void api_listcache_stats(const api_listcache_t *lc, api_listcache_stats_t *out)
{
    *out = lc->st;
    out->pages = lc->pages.len;
    out->page_bytes = lc->page_bytes;
    out->row_bytes = lc->row_bytes;
    out->order_entries = lc->order_entries;
    out->orders = lc->orders.len;
    out->rows = 0;
    for (uint32_t i = 0; i < lc->nrows; i++) out->rows += lc->rows[i] != NULL;
}

/* ---- orders ---- */

static int phys_of(int sort)
{
    return sort == API_SORT_CREATED ? PHYS_CREATED : sort == API_SORT_STATUS ? PHYS_STATUS : PHYS_NAME;
}

static oent_t entry_of(const store_t *s, store_oid_t o, int phys)
{
    oent_t e = {.o = o, .stamp = store_obj_stamp(s, o), .name = store_obj_name(s, o)};
    if (phys == PHYS_CREATED) e.key = (uint32_t)store_obj_created(s, o);
    else if (phys == PHYS_STATUS) e.key = (uint32_t)store_obj_status(s, o);
    return e;
}

/* Inside one namespace: (key, name). */
static int cmp_local(const store_t *s, const oent_t *a, const oent_t *b)
{
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return strcmp(store_str(s, a->name), store_str(s, b->name));
}

static int cmp_local_qsort(const void *a, const void *b, void *s) { return cmp_local(s, a, b); }

typedef struct collect {
    api_listcache_t *lc;
    const store_t *s;
    int phys;
    oent_t *v;
    size_t n, cap;
} collect_t;

static bool collect_cb(store_oid_t o, void *ud)
{
    collect_t *c = ud;
    if (c->lc->mark[o] == c->lc->epoch) return true;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n++] = entry_of(c->s, o, c->phys);
    return true;
}

/* Bring an order up to date with the store: keep the entries whose object
 * is unchanged, sort the rest on their own and merge them in. */
static void order_sync(api_listcache_t *lc, const store_t *s, order_t *ord)
{
    store_gens_t g;
    store_kind_gens(s, ord->ns, ord->kind, &g);
    if (ord->built && g.members == ord->g_members && (ord->phys != PHYS_STATUS || g.status == ord->g_status))
        return;
    lc->st.order_syncs++;
    if (!ord->built) lc->st.order_builds++;
    uint32_t cap = store_capacity(s);
    if (lc->nmark < cap) {
        lc->mark = xrealloc(lc->mark, cap * sizeof *lc->mark);
        memset(lc->mark + lc->nmark, 0, (cap - lc->nmark) * sizeof *lc->mark);
        lc->nmark = cap;
    }
    if (++lc->epoch == 0) {
        memset(lc->mark, 0, lc->nmark * sizeof *lc->mark);
        lc->epoch = 1;
    }
    size_t keep = 0;
    for (size_t i = 0; i < ord->n; i++) {
        oent_t e = ord->v[i];
        if (!store_live(s, e.o) || store_obj_stamp(s, e.o) != e.stamp || store_obj_kind(s, e.o) != ord->kind ||
            store_obj_ns(s, e.o) != ord->ns)
            continue;
        lc->mark[e.o] = lc->epoch;
        ord->v[keep++] = e;
    }
    collect_t c = {.lc = lc, .s = s, .phys = ord->phys};
    store_each(s, ord->ns, ord->kind, collect_cb, &c);
    if (c.n > 1) qsort_r(c.v, c.n, sizeof *c.v, cmp_local_qsort, (void *)s);
    oent_t *m = xmalloc((keep + c.n + 1) * sizeof *m);
    size_t i = 0, j = 0, k = 0;
    while (i < keep && j < c.n) m[k++] = cmp_local(s, &ord->v[i], &c.v[j]) <= 0 ? ord->v[i++] : c.v[j++];
    while (i < keep) m[k++] = ord->v[i++];
    while (j < c.n) m[k++] = c.v[j++];
    free(c.v);
    free(ord->v);
    lc->order_entries = lc->order_entries - ord->n + k;
    ord->v = m;
    ord->n = k;
    ord->built = true;
    ord->g_members = g.members;
    ord->g_status = g.status;
}

static order_t *order_get(api_listcache_t *lc, const store_t *s, uint32_t kind, uint32_t ns, int phys)
{
    uint32_t key[3] = {kind, ns, (uint32_t)phys};
    order_t *o = map_get(&lc->orders, key, sizeof key);
    if (!store_kind_count(s, ns, kind)) {
        /* nothing of that kind there (any more) */
        if (o) {
            lc->order_entries -= o->n;
            order_free(map_del(&lc->orders, key, sizeof key));
        }
        return NULL;
    }
    if (!o) {
        o = xcalloc(1, sizeof *o);
        o->kind = kind;
        o->ns = ns;
        o->phys = phys;
        map_put(&lc->orders, key, sizeof key, o);
    }
    order_sync(lc, s, o);
    o->last_use = lc->tick;
    return o;
}

/* Past the budget, orders this call did not use go; every 1024 calls,
 * those of (kind, namespace) pairs that no longer hold anything too. */
static void orders_trim(api_listcache_t *lc, const store_t *s)
{
    bool sweep = lc->tick % 1024 == 0;
    if (lc->order_entries <= lc->order_budget && !sweep) return;
    bool over = lc->order_entries > lc->order_budget;
    uint32_t (*gone)[3] = NULL;
    size_t n = 0;
    map_slot_t *sl;
    for (size_t it = 0; map_next(&lc->orders, &it, &sl);) {
        order_t *o = sl->val;
        if (o->last_use == lc->tick || (!over && store_kind_count(s, o->ns, o->kind))) continue;
        gone = xrealloc(gone, (n + 1) * sizeof *gone);
        gone[n][0] = o->kind, gone[n][1] = o->ns, gone[n][2] = (uint32_t)o->phys;
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        order_t *o = map_del(&lc->orders, gone[i], sizeof gone[i]);
        lc->order_entries -= o->n;
        order_free(o);
    }
    free(gone);
}

/* ---- pages ---- */

typedef struct src {
    const oent_t *v;
    const char *ns;
    size_t pos, end; /* the range still to visit: ascending pos→end, descending end→pos */
} src_t;

typedef struct pager {
    const store_t *s;
    int sort;
    bool desc;
    src_t *src;
} pager_t;

/* The list order (ascending) between entries of two namespaces. */
static int cmp_global(const pager_t *p, const oent_t *a, const char *ans, const oent_t *b, const char *bns)
{
    const store_t *s = p->s;
    int c = 0;
    switch (p->sort) {
    case API_SORT_NAMESPACE:
        c = strcmp(ans, bns);
        if (!c) c = strcmp(store_str(s, a->name), store_str(s, b->name));
        return c;
    case API_SORT_NAME:
        c = strcmp(store_str(s, a->name), store_str(s, b->name));
        return c ? c : strcmp(ans, bns);
    default:
        if (a->key != b->key) return a->key < b->key ? -1 : 1;
        c = strcmp(ans, bns);
        return c ? c : strcmp(store_str(s, a->name), store_str(s, b->name));
    }
}

typedef struct cpos {
    int64_t key;
    const char *ns, *name;
} cpos_t;

/* An entry against the cursor's position, ascending. */
static int cmp_cursor(const pager_t *p, const oent_t *e, const char *ens, const cpos_t *c)
{
    const char *name = store_str(p->s, e->name);
    int r;
    switch (p->sort) {
    case API_SORT_NAMESPACE:
        r = strcmp(ens, c->ns);
        return r ? r : strcmp(name, c->name);
    case API_SORT_NAME:
        r = strcmp(name, c->name);
        return r ? r : strcmp(ens, c->ns);
    default:
        if ((int64_t)e->key != c->key) return (int64_t)e->key < c->key ? -1 : 1;
        r = strcmp(ens, c->ns);
        return r ? r : strcmp(name, c->name);
    }
}

/* First index whose entry is above the cursor (ascending), or — for a
 * descending page — the count of entries below it. */
static size_t bound(const pager_t *p, const oent_t *v, size_t n, const char *ns, const cpos_t *c, bool above)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_cursor(p, &v[mid], ns, c);
        if (above ? r <= 0 : r < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static const oent_t *head(const pager_t *p, const src_t *x) { return p->desc ? &x->v[x->end - 1] : &x->v[x->pos]; }

/* Heap order: the source whose head comes first in the page's direction. */
static bool before(const pager_t *p, size_t a, size_t b)
{
    const src_t *x = &p->src[a], *y = &p->src[b];
    int c = cmp_global(p, head(p, x), x->ns, head(p, y), y->ns);
    return p->desc ? c > 0 : c < 0;
}

static void sift_down(const pager_t *p, size_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && before(p, h[l], h[m])) m = l;
        if (r < n && before(p, h[r], h[m])) m = r;
        if (m == i) return;
        size_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

void api_listcache_page(api_listcache_t *lc, store_t *s, const api_list_query_t *q, api_list_page_t *out)
{
    lc_bind(lc, s);
    lc->tick++;
    memset(out, 0, sizeof *out);
    int phys = phys_of(q->sort);
    pager_t p = {.s = s, .sort = q->sort, .desc = q->desc, .src = xcalloc(q->nns + 1, sizeof *p.src)};
    cpos_t c = {0};
    if (q->after) {
        c.ns = q->after->ns;
        c.name = q->after->name;
        if (q->sort == API_SORT_CREATED || q->sort == API_SORT_STATUS) c.key = strtoll(q->after->sortkey, NULL, 10);
    }
    size_t nsrc = 0;
    for (size_t i = 0; i < q->nns; i++) {
        order_t *o = order_get(lc, s, q->kind, q->nss[i], phys);
        if (!o || !o->n) continue;
        src_t *x = &p.src[nsrc];
        x->v = o->v;
        x->ns = store_str(s, q->nss[i]);
        x->pos = 0;
        x->end = o->n;
        if (q->after) {
            if (q->desc) x->end = bound(&p, o->v, o->n, x->ns, &c, false);
            else x->pos = bound(&p, o->v, o->n, x->ns, &c, true);
        }
        if (x->pos < x->end) nsrc++;
    }
    size_t *h = xmalloc((nsrc + 1) * sizeof *h), nh = nsrc;
    for (size_t i = 0; i < nsrc; i++) h[i] = i;
    for (size_t i = nh / 2; i-- > 0;) sift_down(&p, h, nh, i);
    size_t cap = q->limit < 1024 ? q->limit : 1024;
    out->items = xmalloc((cap ? cap : 1) * sizeof *out->items);
    while (nh && out->n < q->limit) {
        src_t *x = &p.src[h[0]];
        const oent_t *e = head(&p, x);
        if (q->desc) x->end--;
        else x->pos++;
        if (!q->filter || q->filter(s, e->o, q->filter_ud)) {
            if (out->n == cap) {
                cap *= 2;
                out->items = xrealloc(out->items, cap * sizeof *out->items);
            }
            out->items[out->n++] = e->o;
        }
        if (x->pos == x->end) h[0] = h[--nh];
        if (nh) sift_down(&p, h, nh, 0);
    }
    /* what is left after the page: counted, or checked when filtered */
    for (size_t i = 0; i < nsrc; i++) {
        src_t *x = &p.src[i];
        if (!q->filter) {
            out->remaining += x->end - x->pos;
            continue;
        }
        for (size_t k = x->pos; k < x->end; k++) out->remaining += q->filter(s, x->v[k].o, q->filter_ud);
    }
    free(h);
    free(p.src);
    orders_trim(lc, s);
}

void api_listcache_cursor(const store_t *s, store_oid_t o, int sort, uint64_t qhash, api_cursor_t *out)
{
    const char *ns = store_str(s, store_obj_ns(s, o)), *name = store_str(s, store_obj_name(s, o));
    out->qhash = qhash;
    switch (sort) {
    case API_SORT_NAME: snprintf(out->sortkey, sizeof out->sortkey, "%s", name); break;
    case API_SORT_CREATED:
        snprintf(out->sortkey, sizeof out->sortkey, "%020lld", (long long)store_obj_created(s, o));
        break;
    case API_SORT_STATUS: snprintf(out->sortkey, sizeof out->sortkey, "%d", store_obj_status(s, o)); break;
    default: snprintf(out->sortkey, sizeof out->sortkey, "%s", ns); break;
    }
    snprintf(out->ns, sizeof out->ns, "%s", ns);
    snprintf(out->name, sizeof out->name, "%s", name);
}

/* ---- rows ---- */

/* True when the object has date columns (left out here: they change with
 * the clock, so api_listcache_row writes them). */
static bool row_build(const store_t *s, store_oid_t o, buf_t *out)
{
    char uid[40], created[32];
    store_obj_uid(s, o, uid);
    int64_t cr = store_obj_created(s, o);
    const char *kind = store_str(s, store_obj_kind(s, o));
    buf_puts(out, "{\"id\":");
    buf_t id = {0};
    store_obj_id(s, o, &id);
    buf_json_str(out, id.data, id.len);
    buf_free(&id);
    buf_puts(out, ",\"kind\":");
    buf_json_cstr(out, kind);
    buf_puts(out, ",\"namespace\":");
    buf_json_cstr(out, store_str(s, store_obj_ns(s, o)));
    buf_puts(out, ",\"name\":");
    buf_json_cstr(out, store_str(s, store_obj_name(s, o)));
    buf_puts(out, ",\"uid\":");
    buf_json_cstr(out, uid);
    buf_puts(out, ",\"created\":");
    if (cr) {
        clock_rfc3339(cr, created);
        buf_json_cstr(out, created);
    } else buf_puts(out, "null");
    buf_puts(out, ",\"resourceVersion\":\"");
    buf_put_u64(out, store_obj_rv(s, o));
    buf_puts(out, "\",\"status\":\"");
    buf_puts(out, store_status_name(store_obj_status(s, o)));
    buf_putc(out, '"');
    const char *reason = store_obj_reason(s, o);
    if (reason && *reason) {
        buf_puts(out, ",\"reason\":");
        buf_json_cstr(out, reason);
    }
    buf_puts(out, ",\"labels\":");
    store_labels_json(s, o, out);
    /* the columns as store_columns_json writes them, up to AGE's value */
    buf_puts(out, ",\"columns\":{");
    const char *const *names;
    size_t nn = store_column_names(s, kind, &names);
    const uint32_t *cols;
    size_t nc = store_obj_columns(s, o, &cols);
    bool dates = false;
    for (size_t i = 0; i + 1 < nn && i < nc; i++) {
        if (store_column_is_date(store_str(s, cols[i]))) {
            dates = true;
            continue;
        }
        buf_json_cstr(out, names[i]);
        buf_putc(out, ':');
        buf_json_cstr(out, store_str(s, cols[i]));
        buf_putc(out, ',');
    }
    buf_puts(out, "\"AGE\":\"");
    return dates;
}

/* kubectl's AGE (the store's rule): seconds under 2 minutes, minutes
 * under 2 hours, hours under 2 days, then days — then the row's end.
 * Written without printf: it runs for every row of every page. */
static size_t age_tail(const store_t *s, store_oid_t o, int64_t now_s, char out[40])
{
    int64_t cr = store_obj_created(s, o);
    size_t n = 0;
    if (!cr) {
        memcpy(out, "<unknown>", 9);
        n = 9;
    } else {
        int64_t d = now_s - cr;
        if (d < 0) d = 0;
        char unit = 's';
        if (d >= 172800) d /= 86400, unit = 'd';
        else if (d >= 7200) d /= 3600, unit = 'h';
        else if (d >= 120) d /= 60, unit = 'm';
        char dig[24];
        size_t k = 0;
        do dig[k++] = (char)('0' + d % 10);
        while ((d /= 10) && k < sizeof dig);
        while (k) out[n++] = dig[--k];
        out[n++] = unit;
    }
    memcpy(out + n, "\"}}", 3);
    return n + 3;
}

static void rows_make_room(api_listcache_t *lc, size_t need)
{
    /* the clock: a row used since the hand last passed is spared once */
    while (lc->row_bytes + need > lc->row_budget && lc->row_bytes > 0) {
        if (lc->hand >= lc->nrows) lc->hand = 0;
        row_t *r = lc->rows[lc->hand];
        if (r) {
            if (r->ref) r->ref = 0;
            else {
                lc->row_bytes -= sizeof *r + r->len;
                free(r);
                lc->rows[lc->hand] = NULL;
            }
        }
        lc->hand++;
    }
}

void api_listcache_row(api_listcache_t *lc, store_t *s, store_oid_t o, int64_t now_s, buf_t *out)
{
    lc_bind(lc, s);
    if (o >= lc->nrows) {
        uint32_t n = store_capacity(s);
        if (n <= o) n = o + 1;
        lc->rows = xrealloc(lc->rows, n * sizeof *lc->rows);
        memset(lc->rows + lc->nrows, 0, (n - lc->nrows) * sizeof *lc->rows);
        lc->nrows = n;
    }
    uint32_t stamp = store_obj_stamp(s, o);
    row_t *r = lc->rows[o];
    if (r && r->stamp == stamp) {
        lc->st.row_hits++;
    } else {
        lc->st.row_misses++;
        if (r) {
            lc->row_bytes -= sizeof *r + r->len;
            free(r);
            lc->rows[o] = NULL;
        }
        buf_reset(&lc->scratch);
        bool dates = row_build(s, o, &lc->scratch);
        rows_make_room(lc, sizeof *r + lc->scratch.len);
        r = xmalloc(sizeof *r + lc->scratch.len);
        r->stamp = stamp;
        r->len = (uint32_t)lc->scratch.len;
        r->dates = dates;
        memcpy(r->data, lc->scratch.data, lc->scratch.len);
        lc->rows[o] = r;
        lc->row_bytes += sizeof *r + r->len;
    }
    r->ref = 1;
    char tail[40];
    size_t tl = age_tail(s, o, now_s, tail);
    buf_reserve(out, r->len + tl);
    memcpy(out->data + out->len, r->data, r->len);
    memcpy(out->data + out->len + r->len, tail, tl);
    out->len += r->len + tl;
    out->data[out->len] = '\0';
    if (r->dates) {
        out->len -= 2; /* the "}}" that closes columns and item */
        store_columns_dates_json(s, o, now_s, out);
        buf_puts(out, "}}");
    }
}

/* ---- pages ---- */

api_page_bytes_t *api_listcache_page_get(api_listcache_t *lc, store_t *s, const void *key, size_t klen,
                                         const api_list_query_t *q, int64_t now_s)
{
    lc_bind(lc, s);
    page_t *p = map_get(&lc->pages, key, klen);
    if (!p) {
        lc->st.page_misses++;
        return NULL;
    }
    bool cur = p->now_s == now_s && p->kind == q->kind && p->nns == q->nns;
    bool stamps = false;
    for (size_t i = 0; cur && i < p->nns; i++) {
        pent_ns_t *e = &p->nss[i];
        store_gens_t g;
        if (e->ns != q->nss[i]) {
            cur = false;
            break;
        }
        store_kind_gens(s, e->ns, p->kind, &g);
        if (g.any == e->any) continue;
        /* something of the kind changed there: only the page's own
         * objects can change an unfiltered page that kept its members */
        if (p->filtered || g.members != e->members || (p->phys == PHYS_STATUS && g.status != e->status)) cur = false;
        stamps = true;
    }
    for (size_t i = 0; cur && stamps && i < p->n; i++) {
        store_oid_t o = p->items[2 * i];
        cur = store_live(s, o) && store_obj_stamp(s, o) == p->items[2 * i + 1];
    }
    if (!cur) {
        lc->st.page_misses++;
        page_drop(lc, p);
        return NULL;
    }
    if (stamps)
        for (size_t i = 0; i < p->nns; i++) {
            store_gens_t g;
            store_kind_gens(s, p->nss[i].ns, p->kind, &g);
            p->nss[i].any = g.any;
        }
    p->last_use = ++lc->page_tick;
    lc->st.page_hits++;
    return p->body;
}

void api_listcache_page_put(api_listcache_t *lc, store_t *s, const void *key, size_t klen, const api_list_query_t *q,
                            const api_list_page_t *pg, int64_t now_s, const buf_t *body)
{
    lc_bind(lc, s);
    if (!lc->max_pages || body->len > lc->page_budget / 2) return;
    page_t *old = map_get(&lc->pages, key, klen);
    if (old) page_drop(lc, old);
    page_t *p = xcalloc(1, sizeof *p);
    p->key = xmemdup(key, klen);
    p->klen = klen;
    p->now_s = now_s;
    p->filtered = q->filter != NULL;
    p->phys = phys_of(q->sort);
    p->kind = q->kind;
    p->nns = q->nns;
    p->nss = xcalloc(q->nns ? q->nns : 1, sizeof *p->nss);
    for (size_t i = 0; i < q->nns; i++) {
        store_gens_t g;
        store_kind_gens(s, q->nss[i], q->kind, &g);
        p->nss[i] = (pent_ns_t){q->nss[i], g.any, g.members, g.status};
    }
    p->n = pg->n;
    p->items = xmalloc((pg->n ? pg->n : 1) * 2 * sizeof *p->items);
    for (size_t i = 0; i < pg->n; i++) {
        p->items[2 * i] = pg->items[i];
        p->items[2 * i + 1] = store_obj_stamp(s, pg->items[i]);
    }
    p->body = xmalloc(sizeof *p->body + body->len + 1);
    p->body->refs = 1;
    p->body->gz = NULL;
    p->body->len = body->len;
    memcpy(p->body->data, body->data, body->len);
    p->body->data[body->len] = '\0';
    p->last_use = ++lc->page_tick;
    /* room: the least recently used go first */
    while (lc->pages.len && (lc->pages.len + 1 > lc->max_pages || lc->page_bytes + page_cost(p) > lc->page_budget)) {
        page_t *lru = NULL;
        map_slot_t *sl;
        for (size_t it = 0; map_next(&lc->pages, &it, &sl);) {
            page_t *c = sl->val;
            if (!lru || c->last_use < lru->last_use) lru = c;
        }
        page_drop(lc, lru);
    }
    map_put(&lc->pages, p->key, p->klen, p);
    lc->page_bytes += page_cost(p);
}
