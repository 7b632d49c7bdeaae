/* response.c — status line, headers, whole and streamed responses.
 *
 * A response head is formatted into the connection's reused scratch buffer
 * and written together with the body as one iovec list; only what the socket
 * does not take at once is queued: copied for a borrowed body, kept in place
 * for an owned (http_res_send_buf) or shared one (http_res_send_borrowed). Finishing a response
 * reports it to the observer and hands the connection back to the parser.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "http/http_internal.h"

const char *http_status_text(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 499:
        return "Client Closed Request";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return status < 300   ? "OK"
               : status < 400 ? "Redirect"
               : status < 500 ? "Client Error"
                              : "Server Error";
    }
}

static bool status_has_body(int status)
{
    return !(status < 200 || status == 204 || status == 304);
}

#define PUT_LIT(b, s) buf_append((b), (s), sizeof(s) - 1)

static void put_u64(buf_t *b, uint64_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do tmp[--i] = (char)('0' + v % 10);
    while ((v /= 10));
    buf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

void res_head(http_req_t *r, buf_t *out, int status, const char *content_type, long long body_len,
              bool keep_alive)
{
    http_server_t *s = r->conn->srv;
    if (status < 100 || status > 999) status = 500;
    buf_reset(out);
    buf_reserve(out, 256 + r->res_hdrs.len);
    char *p = out->data;
    memcpy(p, "HTTP/1.1 ", 9);
    p[9] = (char)('0' + status / 100);
    p[10] = (char)('0' + status / 10 % 10);
    p[11] = (char)('0' + status % 10);
    p[12] = ' ';
    out->len = 13;
    buf_puts(out, http_status_text(status));
    PUT_LIT(out, "\r\nServer: kubilitics\r\nDate: ");
    buf_puts(out, http_server_date(s));
    PUT_LIT(out, "\r\nX-Request-Id: ");
    buf_puts(out, r->id);
    if (content_type) {
        PUT_LIT(out, "\r\nContent-Type: ");
        buf_puts(out, content_type);
    }
    if (body_len >= 0) {
        if (status_has_body(status)) {
            PUT_LIT(out, "\r\nContent-Length: ");
            put_u64(out, (uint64_t)body_len);
        }
    } else if (body_len == -1) {
        PUT_LIT(out, "\r\nTransfer-Encoding: chunked");
    }
    if (status != 101) {
        if (!keep_alive)
            PUT_LIT(out, "\r\nConnection: close");
        else if (r->http_minor == 0)
            PUT_LIT(out, "\r\nConnection: keep-alive");
    }
    PUT_LIT(out, "\r\n");
    buf_append(out, r->res_hdrs.data, r->res_hdrs.len);
    PUT_LIT(out, "\r\n");
}

/* Whether the connection may carry another request after this response. */
static bool res_keep_alive(const http_req_t *r)
{
    const http_server_t *s = r->conn->srv;
    /* After an upgrade request that was not upgraded the parser cannot go on. */
    return r->keep_alive && !r->res_close && !r->upgrade && !s->draining && !s->closing;
}

void res_observe(http_req_t *r, int status)
{
    http_server_t *s = r->conn->srv;
    if (!s->observer) return;
    uint64_t start = r->start_ns ? r->start_ns : uv_hrtime();
    s->observer(r, r->route ? r->route : "", status, uv_hrtime() - start, s->observer_ud);
}

static void res_finish(http_req_t *r, int status, bool keep_alive)
{
    r->status = status;
    r->res_state = RES_DONE;
    res_observe(r, status);
    conn_request_done(r->conn, keep_alive);
}

static bool res_usable(http_req_t *r, const char *what)
{
    if (r->res_state == RES_NONE && r->conn->state == CONN_ACTIVE) return true;
    log_warn("http response misuse", "call=%s requestId=%s", what, r->id);
    return false;
}

void http_res_header(http_req_t *r, const char *name, const char *value)
{
    if (r->res_state != RES_NONE) return;
    if (strcasecmp(name, "Connection") == 0) {
        /* The server writes Connection itself; honour a request to close. */
        if (strcasestr(value, "close")) r->res_close = true;
        return;
    }
    size_t start = r->res_hdrs.len;
    buf_puts(&r->res_hdrs, name);
    buf_append(&r->res_hdrs, ": ", 2);
    buf_puts(&r->res_hdrs, value);
    /* No CR or LF may split the header block (response splitting). */
    for (size_t i = start; i < r->res_hdrs.len; i++)
        if (r->res_hdrs.data[i] == '\r' || r->res_hdrs.data[i] == '\n') r->res_hdrs.data[i] = ' ';
    buf_append(&r->res_hdrs, "\r\n", 2);
}

void http_res_send(http_req_t *r, int status, const char *content_type, const void *body, size_t len)
{
    if (!res_usable(r, "http_res_send")) return;
    http_conn_t *c = r->conn;
    bool ka = res_keep_alive(r);
    res_head(r, &c->obuf, status, content_type, (long long)len, ka);
    int n = (r->head_only || !status_has_body(status) || !len) ? 1 : 2;
    if (n == 2 && len <= 2048) {
        /* A small body rides in the head's buffer: one iovec, one record. */
        buf_append(&c->obuf, body, len);
        n = 1;
    }
    uv_buf_t b[2] = {uv_buf_init(c->obuf.data, (unsigned)c->obuf.len),
                     uv_buf_init((char *)body, (unsigned)len)};
    conn_send(c, b, n);
    res_finish(r, status, ka);
}

void http_res_send_borrowed(http_req_t *r, int status, const char *content_type, const void *body, size_t len,
                            void (*release)(void *ud), void *ud)
{
    if (!res_usable(r, "http_res_send_borrowed")) {
        if (release) release(ud);
        return;
    }
    if (len <= 2048 || r->head_only || !status_has_body(status)) {
        /* small (rides in the head) or not sent at all */
        http_res_send(r, status, content_type, body, len);
        if (release) release(ud);
        return;
    }
    http_conn_t *c = r->conn;
    bool ka = res_keep_alive(r);
    res_head(r, &c->obuf, status, content_type, (long long)len, ka);
    uv_buf_t h = uv_buf_init(c->obuf.data, (unsigned)c->obuf.len);
    conn_send_borrowed(c, &h, 1, body, len, release, ud);
    res_finish(r, status, ka);
}

void http_res_send_buf(http_req_t *r, int status, const char *content_type, buf_t *body)
{
    if (body->len <= 2048) {
        http_res_send(r, status, content_type, body->data, body->len);
        buf_free(body);
        return;
    }
    size_t len = body->len;
    char *data = buf_steal(body);
    http_res_send_borrowed(r, status, content_type, data, len, free, data);
}

void http_res_error(http_req_t *r, int status, const char *code, const char *message, const char *cluster)
{
    buf_t b = {0};
    buf_reserve(&b, 256);
    buf_puts(&b, "{\"error\":{\"code\":");
    buf_json_cstr(&b, code ? code : "internal");
    buf_puts(&b, ",\"message\":");
    buf_json_cstr(&b, message ? message : "");
    buf_printf(&b, ",\"status\":%d,\"requestId\":", status);
    buf_json_cstr(&b, r->id);
    if (cluster) {
        buf_puts(&b, ",\"cluster\":");
        buf_json_cstr(&b, cluster);
    }
    buf_puts(&b, "}}");
    http_res_send(r, status, "application/json", b.data, b.len);
    buf_free(&b);
}

void res_reject(http_conn_t *c, int status, const char *code, const char *message)
{
    http_req_t *r = &c->req;
    if (c->state >= CONN_ENDING) return;
    if (c->state == CONN_ACTIVE) {
        /* A response is already owed by a handler; just close. */
        conn_close(c);
        return;
    }
    req_set_id(r);
    if (!r->start_ns) r->start_ns = uv_hrtime();
    if (!r->method || !*r->method) r->method = "";
    r->route = "";
    r->keep_alive = false;
    r->head_only = false;
    buf_reset(&r->res_hdrs);
    r->res_state = RES_NONE;
    c->state = CONN_ACTIVE;
    http_res_error(r, status, code, message, NULL);
}

void http_res_stream_begin(http_req_t *r, int status, const char *content_type)
{
    if (!res_usable(r, "http_res_stream_begin")) return;
    http_conn_t *c = r->conn;
    bool ka = res_keep_alive(r);
    /* HTTP/1.0 has no chunked encoding: the body then ends with the
     * connection. */
    r->chunked = r->http_minor >= 1 && status_has_body(status);
    if (!r->chunked) ka = false;
    r->keep_alive = ka;
    res_head(r, &c->obuf, status, content_type, r->chunked ? -1 : -2, ka);
    uv_buf_t b = uv_buf_init(c->obuf.data, (unsigned)c->obuf.len);
    conn_send(c, &b, 1);
    r->status = status;
    r->res_state = RES_STREAM;
}

int http_res_stream_write(http_req_t *r, const void *data, size_t len)
{
    http_conn_t *c = r->conn;
    if (r->res_state != RES_STREAM || c->state != CONN_ACTIVE || c->broken) return ERR_CONFLICT;
    if (!len || r->head_only) return 0;
    if (!r->chunked) {
        uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
        return conn_send(c, &b, 1);
    }
    char size[24];
    int n = snprintf(size, sizeof size, "%zx\r\n", len);
    uv_buf_t b[3] = {uv_buf_init(size, (unsigned)n), uv_buf_init((char *)data, (unsigned)len),
                     uv_buf_init((char *)"\r\n", 2)};
    return conn_send(c, b, 3);
}

void http_res_stream_end(http_req_t *r)
{
    if (r->res_state != RES_STREAM || r->conn->state != CONN_ACTIVE) return;
    if (r->chunked && !r->head_only) {
        uv_buf_t b = uv_buf_init((char *)"0\r\n\r\n", 5);
        conn_send(r->conn, &b, 1);
    }
    res_finish(r, r->status, r->keep_alive);
}

void res_abort(http_req_t *r)
{
    int status = r->res_state == RES_STREAM ? r->status : 499;
    r->res_state = RES_DONE;
    res_observe(r, status);
    if (r->on_abort) r->on_abort(r, r->abort_ud);
}
