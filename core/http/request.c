/* request.c — what a handler can read from a request.
 *
 * Everything points into the connection's request buffers, which stay put
 * from dispatch until the response is finished; values that need decoding or
 * joining are made on demand in the request's scratch arena, reset with the
 * next request.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "http/http_internal.h"

void req_reset(http_req_t *r)
{
    buf_reset(&r->head);
    r->nhdrs = 0;
    r->url_off = r->url_len = 0;
    r->hdr_state = 0;
    if (r->body.cap > 256 * 1024)
        buf_free(&r->body);
    else
        buf_reset(&r->body);
    arena_reset(&r->scratch);
    r->http_minor = 1;
    r->keep_alive = true;
    r->head_only = r->upgrade = r->complete = false;
    r->method = "";
    r->raw_path = r->query = r->path = (sv_t){"", 0};
    r->route = "";
    r->nparams = 0;
    r->id[0] = '\0';
    r->start_ns = 0;
    buf_reset(&r->res_hdrs);
    r->status = 0;
    r->res_state = RES_NONE;
    r->chunked = r->res_close = false;
    r->data = NULL;
    r->on_abort = NULL;
    r->abort_ud = NULL;
    r->on_drain = NULL;
    r->drain_ud = NULL;
}

void req_free(http_req_t *r)
{
    buf_free(&r->head);
    buf_free(&r->body);
    buf_free(&r->res_hdrs);
    free(r->hdrs);
    r->hdrs = NULL;
    r->hdr_cap = r->nhdrs = 0;
    arena_free(&r->scratch);
}

static bool id_valid(const char *s, size_t n)
{
    if (n == 0 || n > 128) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* Take the client's X-Request-Id when it is a valid token, else make one. */
void req_set_id(http_req_t *r)
{
    if (r->id[0]) return;
    if (r->hdr_state == 0) {
        for (uint32_t i = 0; i < r->nhdrs; i++) {
            const http_hdr_t *h = &r->hdrs[i];
            if (h->name_len == 12 && strncasecmp(r->head.data + h->name_off, "X-Request-Id", 12) == 0) {
                const char *v = r->head.data + h->val_off;
                if (id_valid(v, h->val_len)) {
                    memcpy(r->id, v, h->val_len);
                    r->id[h->val_len] = '\0';
                    return;
                }
                break;
            }
        }
    }
    http_gen_id(r->conn->srv, r->id);
}

bool req_prepare(http_req_t *r)
{
    req_set_id(r);
    sv_t url = {r->head.data + r->url_off, r->url_len};
    /* Absolute form (proxies): drop scheme and authority. */
    if (url.n > 7 && (strncasecmp(url.p, "http://", 7) == 0 || strncasecmp(url.p, "https://", 8) == 0)) {
        const char *auth = (const char *)memchr(url.p, ':', url.n) + 3;
        const char *slash = memchr(auth, '/', (size_t)(url.p + url.n - auth));
        url = slash ? (sv_t){slash, (size_t)(url.p + url.n - slash)} : SV("/");
    }
    const char *hash = memchr(url.p, '#', url.n);
    if (hash) url.n = (size_t)(hash - url.p);
    sv_t rest = url;
    r->raw_path = sv_cut(&rest, '?');
    r->query = rest;
    if (sv_eq_cstr(r->raw_path, "*")) {
        r->path = r->raw_path;
        return true;
    }
    if (!r->raw_path.n || r->raw_path.p[0] != '/') return false;
    if (memchr(r->raw_path.p, '%', r->raw_path.n)) {
        char *dst = arena_alloc(&r->scratch, r->raw_path.n + 1);
        long n = url_decode(r->raw_path, dst, false);
        if (n < 0 || memchr(dst, '\0', (size_t)n)) return false;
        r->path = (sv_t){dst, (size_t)n};
    } else {
        r->path = r->raw_path;
    }
    return true;
}

const char *http_req_method(const http_req_t *r)
{
    return r->method;
}
sv_t http_req_path(const http_req_t *r)
{
    return r->path;
}
sv_t http_req_raw_path(const http_req_t *r)
{
    return r->raw_path;
}
sv_t http_req_query_string(const http_req_t *r)
{
    return r->query;
}

static bool query_key_is(http_req_t *r, sv_t key, const char *name)
{
    if (!memchr(key.p, '%', key.n) && !memchr(key.p, '+', key.n)) return sv_eq_cstr(key, name);
    char *tmp = arena_alloc(&r->scratch, key.n + 1);
    long n = url_decode(key, tmp, true);
    return n >= 0 && sv_eq_cstr((sv_t){tmp, (size_t)n}, name);
}

static const char *query_value(http_req_t *r, sv_t v)
{
    char *dst = arena_alloc(&r->scratch, v.n + 1);
    if (url_decode(v, dst, true) < 0) {
        /* A stray '%' is kept as sent rather than losing the value. */
        memcpy(dst, v.p, v.n);
        dst[v.n] = '\0';
    }
    return dst;
}

size_t http_req_query_all(http_req_t *r, const char *name, const char **out, size_t max)
{
    sv_t q = r->query;
    size_t n = 0;
    while (q.n && n < max) {
        sv_t pair = sv_cut(&q, '&');
        if (!pair.n) continue;
        sv_t key = sv_cut(&pair, '=');
        if (query_key_is(r, key, name)) out[n++] = query_value(r, pair);
    }
    return n;
}

const char *http_req_query(http_req_t *r, const char *name)
{
    const char *v = NULL;
    return http_req_query_all(r, name, &v, 1) ? v : NULL;
}

const char *http_req_param(const http_req_t *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0) return r->params[i].value;
    return NULL;
}

const char *http_req_header(const http_req_t *r, const char *name)
{
    size_t nl = strlen(name);
    int first = -1, count = 0;
    size_t total = 0;
    for (uint32_t i = 0; i < r->nhdrs; i++) {
        const http_hdr_t *h = &r->hdrs[i];
        if (h->name_len != nl || strncasecmp(r->head.data + h->name_off, name, nl) != 0) continue;
        if (first < 0) first = (int)i;
        count++;
        total += h->val_len + 2;
    }
    if (first < 0) return NULL;
    if (count == 1) return r->head.data + r->hdrs[first].val_off;
    /* Repeated: join once per call in the scratch arena. The request is
     * const to callers, but its arena is the request's own scratch. */
    const char *sep = strcasecmp(name, "Cookie") == 0 ? "; " : ", ";
    char *out = arena_alloc((arena_t *)&r->scratch, total + 1), *o = out;
    for (uint32_t i = (uint32_t)first; i < r->nhdrs; i++) {
        const http_hdr_t *h = &r->hdrs[i];
        if (h->name_len != nl || strncasecmp(r->head.data + h->name_off, name, nl) != 0) continue;
        if (o != out) memcpy(o, sep, 2), o += 2;
        memcpy(o, r->head.data + h->val_off, h->val_len);
        o += h->val_len;
    }
    *o = '\0';
    return out;
}

void http_req_headers_each(const http_req_t *r, bool (*fn)(sv_t name, sv_t value, void *ud), void *ud)
{
    for (uint32_t i = 0; i < r->nhdrs; i++) {
        const http_hdr_t *h = &r->hdrs[i];
        if (!fn((sv_t){r->head.data + h->name_off, h->name_len},
                (sv_t){r->head.data + h->val_off, h->val_len}, ud))
            return;
    }
}

sv_t http_req_body(const http_req_t *r)
{
    return (sv_t){r->body.data ? r->body.data : "", r->body.len};
}
const char *http_req_id(const http_req_t *r)
{
    return r->id;
}
const char *http_req_peer(const http_req_t *r)
{
    return r->conn->peer;
}

bool http_req_client_cert(const http_req_t *r, const char **cn, const char **orgs, size_t *norgs,
                          size_t max_orgs)
{
    if (norgs) *norgs = 0;
    if (!r->conn->tls) return false;
    return tls_client_cert(r->conn, cn, orgs, norgs, max_orgs);
}

uint64_t http_req_start_ns(const http_req_t *r)
{
    return r->start_ns;
}
void http_req_set_data(http_req_t *r, void *data)
{
    r->data = data;
}
void *http_req_data(const http_req_t *r)
{
    return r->data;
}

void http_req_on_abort(http_req_t *r, void (*fn)(http_req_t *r, void *ud), void *ud)
{
    r->on_abort = fn;
    r->abort_ud = ud;
}

void http_req_on_drain(http_req_t *r, void (*fn)(http_req_t *r, void *ud), void *ud)
{
    r->on_drain = fn;
    r->drain_ud = ud;
}

size_t http_req_pending_bytes(const http_req_t *r)
{
    return conn_pending_bytes(r->conn);
}
