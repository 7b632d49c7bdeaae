/* router.c — method + path pattern → handler.
 *
 * Patterns are stored in a trie of path segments. Each node has literal
 * children, at most one `{param}` child and at most one `*` tail; a path is
 * matched literal first, then parameter, then tail, backtracking when a
 * branch dead-ends, so the most specific pattern wins. Handler entries live
 * on the node where a pattern ends, one per method. Parameter names belong to
 * the entry, not the node, so /a/{id} and /a/{name}/b can share a node.
 *
 * Matching works on the raw (still percent-encoded) segments and decodes
 * only what it compares or hands out, so an encoded '/' stays inside its
 * segment. Nodes are never freed before the server: the Lua host adds and
 * removes routes at run time and a request in flight may still name its
 * pattern.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "http/http_internal.h"

#define MAX_SEGS 64

struct route_node {
    char *lit;
    route_node_t **kids;
    size_t nkids;
    route_node_t *param, *tail;
    route_entry_t **entries;
    size_t nentries;
};

void router_init(http_router_t *rt)
{
    rt->root = xcalloc(1, sizeof *rt->root);
    rt->patterns = (map_t){0};
}

static void entry_free(route_entry_t *e)
{
    free(e->method);
    for (int i = 0; i < e->npnames; i++) free(e->pnames[i]);
    free(e->pnames);
    free(e);
}

static void node_free(route_node_t *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) node_free(n->kids[i]);
    free(n->kids);
    node_free(n->param);
    node_free(n->tail);
    for (size_t i = 0; i < n->nentries; i++) entry_free(n->entries[i]);
    free(n->entries);
    free(n->lit);
    free(n);
}

void router_free(http_router_t *rt)
{
    node_free(rt->root);
    rt->root = NULL;
    map_slot_t *slot;
    for (size_t it = 0; map_next(&rt->patterns, &it, &slot);) free(slot->val);
    map_free(&rt->patterns);
}

/* Split a pattern after its leading '/' into segments; "/" has none. */
static int split(sv_t path, sv_t *segs, int max)
{
    if (!path.n || path.p[0] != '/') return -1;
    path.p++, path.n--;
    if (!path.n) return 0;
    int n = 0;
    for (;;) {
        if (n == max) return -1;
        const char *slash = memchr(path.p, '/', path.n);
        if (!slash) {
            segs[n++] = path;
            return n;
        }
        segs[n++] = (sv_t){path.p, (size_t)(slash - path.p)};
        path.n -= (size_t)(slash - path.p) + 1;
        path.p = slash + 1;
    }
}

/* Walk (and with create, build) the nodes for pattern; collects the param
 * names. Returns NULL for a bad pattern or, without create, a missing one. */
static route_node_t *walk(http_router_t *rt, const char *pattern, bool create, char **names, int *nnames)
{
    sv_t segs[MAX_SEGS];
    int n = split(sv_from(pattern), segs, MAX_SEGS);
    if (n < 0) return NULL;
    route_node_t *node = rt->root;
    *nnames = 0;
    for (int i = 0; i < n; i++) {
        sv_t s = segs[i];
        route_node_t **next;
        if (s.n == 1 && s.p[0] == '*') {
            if (i != n - 1) return NULL;
            next = &node->tail;
            if (names) names[(*nnames)++] = "*";
        } else if (s.n && s.p[0] == '{') {
            if (s.n < 3 || s.p[s.n - 1] != '}' || memchr(s.p + 1, '{', s.n - 2) ||
                memchr(s.p + 1, '}', s.n - 2))
                return NULL;
            if (*nnames >= HTTP_MAX_PARAMS) return NULL;
            next = &node->param;
            if (names) names[(*nnames)++] = (char *)s.p; /* copied by the caller */
        } else {
            if (memchr(s.p, '{', s.n) || memchr(s.p, '}', s.n) || memchr(s.p, '*', s.n)) return NULL;
            next = NULL;
            for (size_t k = 0; k < node->nkids; k++)
                if (sv_eq_cstr(s, node->kids[k]->lit)) next = &node->kids[k];
            if (!next) {
                if (!create) return NULL;
                node->kids = xrealloc(node->kids, (node->nkids + 1) * sizeof *node->kids);
                route_node_t *kid = xcalloc(1, sizeof *kid);
                kid->lit = sv_dup(s);
                node->kids[node->nkids] = kid;
                next = &node->kids[node->nkids++];
            }
        }
        if (!*next) {
            if (!create) return NULL;
            *next = xcalloc(1, sizeof **next);
        }
        node = *next;
    }
    return node;
}

static bool method_eq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static bool pattern_names(const char *pattern, char **out, int n)
{
    /* walk() left pointers to "{name}" inside pattern: turn them into copies. */
    for (int i = 0; i < n; i++) {
        if (strcmp(out[i], "*") == 0) {
            out[i] = xstrdup("*");
            continue;
        }
        const char *close = strchr(out[i], '}');
        out[i] = xstrndup(out[i] + 1, (size_t)(close - out[i] - 1));
    }
    (void)pattern;
    return true;
}

int router_add(http_router_t *rt, const char *method, const char *pattern, http_handler_fn fn, void *ud)
{
    char *names[MAX_SEGS];
    int nnames = 0;
    if (!pattern || !fn) return ERR_INVALID;
    /* Check the pattern before building anything, so a bad one leaves the
     * trie as it was. */
    {
        sv_t segs[MAX_SEGS];
        int n = split(sv_from(pattern), segs, MAX_SEGS), params = 0;
        if (n < 0) return ERR_INVALID;
        for (int i = 0; i < n; i++) {
            sv_t s = segs[i];
            if (s.n == 1 && s.p[0] == '*') {
                if (i != n - 1) return ERR_INVALID;
            } else if (s.n && s.p[0] == '{') {
                if (s.n < 3 || s.p[s.n - 1] != '}' || memchr(s.p + 1, '{', s.n - 2) ||
                    memchr(s.p + 1, '}', s.n - 2) || ++params > HTTP_MAX_PARAMS)
                    return ERR_INVALID;
            } else if (memchr(s.p, '{', s.n) || memchr(s.p, '}', s.n) || memchr(s.p, '*', s.n)) {
                return ERR_INVALID;
            }
        }
    }
    route_node_t *node = walk(rt, pattern, true, names, &nnames);
    if (!node) return ERR_INVALID;
    pattern_names(pattern, names, nnames);
    char *interned = map_gets(&rt->patterns, pattern);
    if (!interned) {
        interned = xstrdup(pattern);
        map_puts(&rt->patterns, pattern, interned);
    }
    route_entry_t *e = NULL;
    for (size_t i = 0; i < node->nentries; i++)
        if (method_eq(node->entries[i]->method, method)) e = node->entries[i];
    if (e) {
        for (int i = 0; i < e->npnames; i++) free(e->pnames[i]);
        free(e->pnames);
    } else {
        e = xcalloc(1, sizeof *e);
        e->method = method ? xstrdup(method) : NULL;
        node->entries = xrealloc(node->entries, (node->nentries + 1) * sizeof *node->entries);
        node->entries[node->nentries++] = e;
    }
    e->fn = fn;
    e->ud = ud;
    e->pattern = interned;
    e->npnames = nnames;
    e->pnames = xmemdup(names, (size_t)(nnames ? nnames : 1) * sizeof *names);
    return 0;
}

int router_del(http_router_t *rt, const char *method, const char *pattern)
{
    int nnames;
    if (!pattern) return ERR_INVALID;
    route_node_t *node = walk(rt, pattern, false, NULL, &nnames);
    if (!node) return ERR_NOTFOUND;
    for (size_t i = 0; i < node->nentries; i++) {
        if (!method_eq(node->entries[i]->method, method)) continue;
        entry_free(node->entries[i]);
        memmove(&node->entries[i], &node->entries[i + 1], (node->nentries - i - 1) * sizeof *node->entries);
        node->nentries--;
        return 0;
    }
    return ERR_NOTFOUND;
}

/* ---- matching ---- */

typedef struct match {
    http_req_t *r;
    const char *method;
    sv_t segs[MAX_SEGS];
    sv_t dec[MAX_SEGS]; /* decoded segment, p == NULL until needed */
    int nsegs;
    int stack[HTTP_MAX_PARAMS + 1]; /* segment index of each param, in order */
    int depth;
    const char *allow[16];
    int nallow;
} match_t;

static sv_t seg_decoded(match_t *m, int i)
{
    if (m->dec[i].p) return m->dec[i];
    sv_t s = m->segs[i];
    if (!memchr(s.p, '%', s.n)) {
        m->dec[i] = s;
    } else {
        char *dst = arena_alloc(&m->r->scratch, s.n + 1);
        long n = url_decode(s, dst, false);
        m->dec[i] = n < 0 ? s : (sv_t){dst, (size_t)n};
    }
    return m->dec[i];
}

static const route_entry_t *pick(match_t *m, const route_node_t *n)
{
    const route_entry_t *any = NULL, *get = NULL;
    bool is_head = strcmp(m->method, "HEAD") == 0;
    for (size_t i = 0; i < n->nentries; i++) {
        const route_entry_t *e = n->entries[i];
        if (!e->method)
            any = e;
        else if (strcmp(e->method, m->method) == 0)
            return e;
        else if (is_head && strcmp(e->method, "GET") == 0)
            get = e;
    }
    if (get) return get;
    if (any) return any;
    /* The path fits but the method does not: remember what would. */
    for (size_t i = 0; i < n->nentries; i++) {
        const char *meth = n->entries[i]->method;
        bool seen = false;
        for (int k = 0; k < m->nallow; k++) seen |= strcmp(m->allow[k], meth) == 0;
        if (!seen && m->nallow < 16) m->allow[m->nallow++] = meth;
    }
    return NULL;
}

static const route_entry_t *dfs(match_t *m, const route_node_t *n, int i)
{
    const route_entry_t *e;
    if (i == m->nsegs) {
        if ((e = pick(m, n))) return e;
    } else {
        sv_t seg = seg_decoded(m, i);
        for (size_t k = 0; k < n->nkids; k++) {
            if (!sv_eq_cstr(seg, n->kids[k]->lit)) continue;
            if ((e = dfs(m, n->kids[k], i + 1))) return e;
        }
        if (n->param && m->segs[i].n && m->depth < HTTP_MAX_PARAMS) {
            m->stack[m->depth++] = i;
            if ((e = dfs(m, n->param, i + 1))) return e;
            m->depth--;
        }
    }
    if (n->tail) {
        m->stack[m->depth] = i; /* where the tail starts */
        if ((e = pick(m, n->tail))) return e;
    }
    return NULL;
}

static const char *decode_dup(http_req_t *r, const char *p, size_t n)
{
    char *dst = arena_alloc(&r->scratch, n + 1);
    if (url_decode((sv_t){p, n}, dst, false) < 0) {
        memcpy(dst, p, n);
        dst[n] = '\0';
    }
    return dst;
}

const route_entry_t *router_match(http_router_t *rt, http_req_t *r, buf_t *allow, bool *bad_path)
{
    match_t m;
    m.r = r;
    m.method = r->method;
    m.depth = 0;
    m.nallow = 0;
    *bad_path = false;
    m.nsegs = split(r->raw_path, m.segs, MAX_SEGS);
    if (m.nsegs < 0) return NULL; /* "*" or a path too deep for any route */
    for (int i = 0; i < m.nsegs; i++) m.dec[i].p = NULL;
    const route_entry_t *e = dfs(&m, rt->root, 0);
    if (!e) {
        for (int k = 0; k < m.nallow; k++) {
            if (k) buf_puts(allow, ", ");
            buf_puts(allow, m.allow[k]);
            if (strcmp(m.allow[k], "GET") == 0) {
                bool head = false;
                for (int j = 0; j < m.nallow; j++) head |= strcmp(m.allow[j], "HEAD") == 0;
                if (!head) buf_puts(allow, ", HEAD");
            }
        }
        return NULL;
    }
    r->nparams = 0;
    for (int k = 0; k < e->npnames; k++) {
        const char *name = e->pnames[k];
        int si = m.stack[k];
        const char *val;
        if (strcmp(name, "*") == 0 && k == e->npnames - 1 && e->pattern[strlen(e->pattern) - 1] == '*') {
            /* The tail: the rest of the raw path from its segment on. */
            if (si >= m.nsegs) {
                val = "";
            } else {
                const char *start = m.segs[si].p;
                val = decode_dup(r, start, (size_t)(r->raw_path.p + r->raw_path.n - start));
            }
        } else {
            sv_t d = seg_decoded(&m, si);
            val = arena_strndup(&r->scratch, d.p, d.n);
        }
        r->params[r->nparams++] = (http_param_t){name, val};
    }
    return e;
}

/* ---- the public face on the server ---- */

int http_route(http_server_t *s, const char *method, const char *pattern, http_handler_fn fn, void *ud)
{
    return router_add(&s->router, method, pattern, fn, ud);
}

int http_unroute(http_server_t *s, const char *method, const char *pattern)
{
    return router_del(&s->router, method, pattern);
}

void http_set_fallback(http_server_t *s, http_handler_fn fn, void *ud)
{
    s->fallback = fn;
    s->fallback_ud = ud;
}
