/* selector.c — Kubernetes label selectors: parse, match, select.
 *
 * Text form (what kubectl -l and ?labelSelector= take, and what the store
 * turns structured selectors into): requirements separated by commas,
 *   key  !key  key=v  key==v  key!=v  key in (a,b)  key notin (a,b)
 * A parsed selector names strings by intern id. Matching an object is a
 * merge over its label pairs, which are sorted by key id.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/store_int.h"

static bool sel_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool sel_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/';
}

typedef struct sel_builder {
    store_t *s;
    bool intern;
    store_selector_t *out;
} sel_builder_t;

static uint32_t sel_str(sel_builder_t *b, const char *p, size_t n)
{
    intern_t *t = store_strings(b->s);
    return b->intern ? intern_add(t, p, n) : intern_find(t, p, n);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static store_req_t *sel_push(store_selector_t *sel)
{
    sel->reqs = xrealloc(sel->reqs, (sel->nreqs + 1) * sizeof *sel->reqs);
    store_req_t *r = &sel->reqs[sel->nreqs++];
    memset(r, 0, sizeof *r);
    return r;
}

void store_selector_release(store_t *s, store_selector_t *sel)
{
    intern_t *t = store_strings(s);
    for (uint32_t i = 0; i < sel->nreqs; i++) {
        if (sel->interned) {
            intern_unref(t, sel->reqs[i].key);
            for (uint32_t j = 0; j < sel->reqs[i].nvals; j++) intern_unref(t, sel->reqs[i].vals[j]);
        }
        free(sel->reqs[i].vals);
    }
    free(sel->reqs);
    memset(sel, 0, sizeof *sel);
}

int store_selector_parse(store_t *s, const char *text, size_t len, bool intern, store_selector_t *out,
                         err_t *err)
{
    memset(out, 0, sizeof *out);
    out->interned = intern;
    sel_builder_t b = {s, intern, out};
    size_t i = 0;
    while (i < len) {
        while (i < len && sel_space(text[i])) i++;
        if (i == len) break;
        bool neg = false;
        if (text[i] == '!') {
            neg = true;
            i++;
            while (i < len && sel_space(text[i])) i++;
        }
        size_t k0 = i;
        while (i < len && sel_key_char(text[i])) i++;
        if (i == k0) goto bad;
        size_t k1 = i;
        while (i < len && sel_space(text[i])) i++;
        store_req_t *r = sel_push(out);
        r->key = sel_str(&b, text + k0, k1 - k0);
        if (neg) {
            r->op = STORE_SEL_NOTEXISTS;
        } else if (i == len || text[i] == ',') {
            r->op = STORE_SEL_EXISTS;
        } else if (text[i] == '=' || text[i] == '!') {
            bool ne = text[i] == '!';
            i++;
            if (ne && (i == len || text[i] != '=')) goto bad;
            if (ne || (i < len && text[i] == '=')) i++;
            while (i < len && sel_space(text[i])) i++;
            size_t v0 = i;
            while (i < len && sel_key_char(text[i])) i++;
            r->op = ne ? STORE_SEL_NOTIN : STORE_SEL_IN;
            r->vals = xmalloc(sizeof *r->vals);
            r->vals[0] = sel_str(&b, text + v0, i - v0);
            r->nvals = 1;
        } else {
            size_t w0 = i;
            while (i < len && text[i] >= 'a' && text[i] <= 'z') i++;
            if (i - w0 == 2 && memcmp(text + w0, "in", 2) == 0)
                r->op = STORE_SEL_IN;
            else if (i - w0 == 5 && memcmp(text + w0, "notin", 5) == 0)
                r->op = STORE_SEL_NOTIN;
            else
                goto bad;
            while (i < len && sel_space(text[i])) i++;
            if (i == len || text[i] != '(') goto bad;
            i++;
            for (;;) {
                while (i < len && sel_space(text[i])) i++;
                size_t v0 = i;
                while (i < len && sel_key_char(text[i])) i++;
                size_t v1 = i;
                while (i < len && sel_space(text[i])) i++;
                if (i == len) goto bad;
                r->vals = xrealloc(r->vals, (r->nvals + 1) * sizeof *r->vals);
                r->vals[r->nvals++] = sel_str(&b, text + v0, v1 - v0);
                if (text[i] == ')') {
                    i++;
                    break;
                }
                if (text[i] != ',') goto bad;
                i++;
            }
            if (r->nvals > 1) qsort(r->vals, r->nvals, sizeof *r->vals, cmp_u32);
        }
        while (i < len && sel_space(text[i])) i++;
        if (i < len) {
            if (text[i] != ',') goto bad;
            i++;
        }
    }
    return 0;
bad:
    store_selector_release(s, out);
    return err_set(err, ERR_INVALID, "bad label selector '%.*s' at column %zu", (int)(len > 200 ? 200 : len),
                   text, i + 1);
}

static bool has_val(const store_req_t *r, uint32_t v)
{
    uint32_t lo = 0, hi = r->nvals;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (r->vals[mid] == v) return true;
        if (r->vals[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool store_selector_matches(const store_t *s, const store_selector_t *sel, store_oid_t o)
{
    for (uint32_t i = 0; i < sel->nreqs; i++) {
        const store_req_t *r = &sel->reqs[i];
        uint32_t v = r->key == INTERN_NONE ? INTERN_NONE : store_obj_label(s, o, r->key);
        switch (r->op) {
        case STORE_SEL_IN:
            if (v == INTERN_NONE || !has_val(r, v)) return false;
            break;
        case STORE_SEL_NOTIN:
            if (v != INTERN_NONE && has_val(r, v)) return false;
            break;
        case STORE_SEL_EXISTS:
            if (v == INTERN_NONE) return false;
            break;
        default:
            if (v != INTERN_NONE) return false;
        }
    }
    return true;
}

int store_selector_anchor(const store_t *s, const store_selector_t *sel, uint32_t ns)
{
    int best = -1;
    size_t best_n = SIZE_MAX;
    for (uint32_t i = 0; i < sel->nreqs; i++) {
        const store_req_t *r = &sel->reqs[i];
        if (r->op != STORE_SEL_IN) continue;
        size_t n = 0;
        for (uint32_t j = 0; j < r->nvals; j++) {
            size_t pn = 0;
            if (r->key != INTERN_NONE && r->vals[j] != INTERN_NONE)
                (void)store_label_postings(s, ns, r->key, r->vals[j], &pn);
            n += pn;
        }
        if (n < best_n) {
            best_n = n;
            best = (int)i;
        }
    }
    return best;
}

typedef struct sel_walk {
    const store_t *s;
    const store_selector_t *sel;
    uint32_t kind;
    store_visit_fn cb;
    void *ud;
    size_t n;
    bool stop;
} sel_walk_t;

static bool sel_visit(store_oid_t o, void *ud)
{
    sel_walk_t *w = ud;
    if (w->kind != STORE_ANY && store_obj_kind(w->s, o) != w->kind) return true;
    if (!store_selector_matches(w->s, w->sel, o)) return true;
    w->n++;
    if (!w->cb(o, w->ud)) w->stop = true;
    return !w->stop;
}

static void select_ns(sel_walk_t *w, uint32_t ns)
{
    int a = store_selector_anchor(w->s, w->sel, ns);
    if (a < 0) {
        (void)store_each(w->s, ns, w->kind, sel_visit, w);
        return;
    }
    const store_req_t *r = &w->sel->reqs[a];
    for (uint32_t j = 0; j < r->nvals && !w->stop; j++) {
        size_t n = 0;
        const uint32_t *p = r->key == INTERN_NONE || r->vals[j] == INTERN_NONE
                                ? NULL
                                : store_label_postings(w->s, ns, r->key, r->vals[j], &n);
        for (size_t k = 0; k < n && !w->stop; k++) sel_visit(p[k], w);
    }
}

size_t store_select(const store_t *s, uint32_t ns, uint32_t kind, const store_selector_t *sel,
                    store_visit_fn cb, void *ud)
{
    sel_walk_t w = {s, sel, kind, cb, ud, 0, false};
    if (ns != STORE_ANY) {
        select_ns(&w, ns);
        return w.n;
    }
    uint32_t *nss = NULL;
    size_t nn = store_namespaces(s, &nss);
    for (size_t i = 0; i < nn && !w.stop; i++) select_ns(&w, nss[i]);
    free(nss);
    return w.n;
}
