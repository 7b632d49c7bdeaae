/* parse.c — llhttp glue: bytes in, complete requests out.
 *
 * The callbacks copy the URL and the header names and values once into the
 * connection's reused request (no allocation once it has warmed up), enforce
 * the header and body limits as bytes arrive, and pause the parser at the end
 * of each request. http_parse then dispatches that request through the router;
 * the parser stays paused until the response is finished, which is what keeps
 * pipelined answers in order.
 */
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "http/http_internal.h"

static http_conn_t *conn_of(llhttp_t *p)
{
    return p->data;
}

static int head_append(http_conn_t *c, const char *at, size_t n)
{
    http_req_t *r = &c->req;
    if (r->head.len + n > c->srv->cfg.max_header_bytes) {
        c->err_status = 431;
        return HPE_USER;
    }
    buf_append(&r->head, at, n);
    return 0;
}

static int on_message_begin(llhttp_t *p)
{
    http_conn_t *c = conn_of(p);
    req_reset(&c->req);
    c->req.start_ns = uv_hrtime();
    c->state = CONN_HEAD;
    conn_set_deadline(c, (uint64_t)c->srv->cfg.header_timeout_ms);
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n)
{
    return head_append(conn_of(p), at, n);
}

static int on_url_complete(llhttp_t *p)
{
    http_req_t *r = &conn_of(p)->req;
    r->url_len = (uint32_t)(r->head.len - r->url_off);
    buf_putc(&r->head, '\0');
    return 0;
}

static void finish_value(http_req_t *r)
{
    http_hdr_t *h = &r->hdrs[r->nhdrs - 1];
    size_t len = r->head.len - h->val_off;
    /* llhttp drops leading whitespace; trailing whitespace is ours to drop. */
    while (len && (r->head.data[h->val_off + len - 1] == ' ' || r->head.data[h->val_off + len - 1] == '\t'))
        len--;
    h->val_len = (uint32_t)len;
    r->head.len = h->val_off + len;
    buf_putc(&r->head, '\0');
    r->hdr_state = 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
    http_conn_t *c = conn_of(p);
    http_req_t *r = &c->req;
    if (r->hdr_state != 1) {
        if (r->hdr_state == 2) finish_value(r);
        if (r->nhdrs >= HTTP_MAX_HEADERS) {
            c->err_status = 431;
            return HPE_USER;
        }
        if (r->nhdrs == r->hdr_cap) {
            r->hdr_cap = r->hdr_cap ? r->hdr_cap * 2 : 16;
            r->hdrs = xrealloc(r->hdrs, r->hdr_cap * sizeof *r->hdrs);
        }
        http_hdr_t *h = &r->hdrs[r->nhdrs++];
        h->name_off = (uint32_t)r->head.len;
        h->name_len = h->val_off = h->val_len = 0;
        r->hdr_state = 1;
    }
    return head_append(c, at, n);
}

static int on_header_field_complete(llhttp_t *p)
{
    http_req_t *r = &conn_of(p)->req;
    http_hdr_t *h = &r->hdrs[r->nhdrs - 1];
    h->name_len = (uint32_t)(r->head.len - h->name_off);
    buf_putc(&r->head, '\0');
    h->val_off = (uint32_t)r->head.len;
    r->hdr_state = 2;
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
    return head_append(conn_of(p), at, n);
}

static bool header_is(const http_req_t *r, const char *name, const char *value)
{
    const char *v = http_req_header(r, name);
    return v && strcasecmp(v, value) == 0;
}

static int on_headers_complete(llhttp_t *p)
{
    http_conn_t *c = conn_of(p);
    http_req_t *r = &c->req;
    if (r->hdr_state == 2) finish_value(r);
    r->method = llhttp_method_name((llhttp_method_t)p->method);
    r->http_minor = p->http_minor;
    r->keep_alive = llhttp_should_keep_alive(p);
    r->head_only = p->method == HTTP_HEAD;
    r->upgrade = p->upgrade;
    if (p->http_major != 1) {
        c->err_status = 505;
        return -1;
    }
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->srv->cfg.max_body_bytes) {
        c->err_status = 413;
        return -1;
    }
    bool has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
    if (has_body) {
        c->state = CONN_BODY;
        conn_set_deadline(c, (uint64_t)c->srv->cfg.body_timeout_ms);
        if (header_is(r, "Expect", "100-continue") && r->http_minor >= 1) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            uv_buf_t b = uv_buf_init((char *)cont, sizeof cont - 1);
            conn_send(c, &b, 1);
        }
    }
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
    http_conn_t *c = conn_of(p);
    http_req_t *r = &c->req;
    if (r->body.len + n > c->srv->cfg.max_body_bytes) {
        c->err_status = 413;
        return HPE_USER;
    }
    buf_append(&r->body, at, n);
    conn_set_deadline(c, (uint64_t)c->srv->cfg.body_timeout_ms);
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    http_conn_t *c = conn_of(p);
    c->req.complete = true;
    /* An upgrade pauses by itself (HPE_PAUSED_UPGRADE). */
    return p->upgrade ? 0 : HPE_PAUSED;
}

static const llhttp_settings_t *settings(void)
{
    /* Constant after the first call; llhttp keeps a pointer to it. */
    static llhttp_settings_t s;
    static bool ready;
    if (!ready) {
        llhttp_settings_init(&s);
        s.on_message_begin = on_message_begin;
        s.on_url = on_url;
        s.on_url_complete = on_url_complete;
        s.on_header_field = on_header_field;
        s.on_header_field_complete = on_header_field_complete;
        s.on_header_value = on_header_value;
        s.on_headers_complete = on_headers_complete;
        s.on_body = on_body;
        s.on_message_complete = on_message_complete;
        ready = true;
    }
    return &s;
}

void http_parser_init(http_conn_t *c)
{
    llhttp_init(&c->parser, HTTP_REQUEST, settings());
    c->parser.data = c;
}

static void dispatch(http_conn_t *c)
{
    http_server_t *s = c->srv;
    http_req_t *r = &c->req;
    c->state = CONN_ACTIVE;
    conn_set_deadline(c, 0);
    if (!req_prepare(r)) {
        r->keep_alive = false;
        http_res_error(r, 400, "bad_request", "malformed request target", NULL);
        return;
    }
    buf_t allow = {0};
    bool bad = false;
    const route_entry_t *e = router_match(&s->router, r, &allow, &bad);
    if (e) {
        r->route = e->pattern;
        e->fn(r, e->ud);
    } else if (bad) {
        http_res_error(r, 400, "bad_request", "malformed path", NULL);
    } else if (allow.len) {
        http_res_header(r, "Allow", allow.data);
        char msg[96];
        snprintf(msg, sizeof msg, "method %s not allowed here", r->method);
        http_res_error(r, 405, "method_not_allowed", msg, NULL);
    } else if (s->fallback) {
        s->fallback(r, s->fallback_ud);
    } else {
        http_res_error(r, 404, "not_found", "no such route", NULL);
    }
    buf_free(&allow);
}

static const char *parse_error_message(http_conn_t *c, int status, llhttp_errno_t e)
{
    switch (status) {
    case 413:
        return "request body too large";
    case 431:
        return "request header too large";
    case 505:
        return "HTTP version not supported";
    default:
        break;
    }
    switch (e) {
    case HPE_INVALID_CHUNK_SIZE:
        return "bad chunked encoding: invalid chunk size";
    case HPE_INVALID_METHOD:
        return "bad request line: invalid method";
    case HPE_INVALID_URL:
        return "bad request line: invalid URL";
    case HPE_INVALID_VERSION:
        return "bad request line: invalid HTTP version";
    case HPE_INVALID_CONTENT_LENGTH:
        return "invalid Content-Length";
    case HPE_INVALID_TRANSFER_ENCODING:
        return "invalid Transfer-Encoding";
    case HPE_INVALID_HEADER_TOKEN:
        return "invalid header";
    case HPE_UNEXPECTED_CONTENT_LENGTH:
        return "Content-Length with Transfer-Encoding";
    default:
        break;
    }
    const char *reason = llhttp_get_error_reason(&c->parser);
    return reason && *reason ? reason : llhttp_errno_name(e);
}

size_t http_parse(http_conn_t *c, char *data, size_t len)
{
    c->err_status = 0;
    llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
    if (e == HPE_OK) return len;
    if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
        size_t used = (size_t)(llhttp_get_error_pos(&c->parser) - data);
        if (e == HPE_PAUSED)
            llhttp_resume(&c->parser);
        else
            c->parse_paused_upgrade = true;
        dispatch(c);
        return used;
    }
    int status = c->err_status ? c->err_status : 400;
    const char *code = status == 413   ? "payload_too_large"
                       : status == 431 ? "header_too_large"
                       : status == 505 ? "http_version_not_supported"
                                       : "bad_request";
    res_reject(c, status, code, parse_error_message(c, status, e));
    return len;
}
