/* ws.c — WebSocket connections (RFC 6455) on top of an HTTP connection.
 *
 * http_ws_upgrade checks the handshake, answers 101 and turns the connection
 * over to ws_input, which decodes client frames in place (unmasking the read
 * buffer), reassembles fragmented messages in a reused buffer, validates
 * UTF-8, answers pings and runs the close handshake. The connection's timer
 * sends pings every interval and closes a peer that has been silent for two;
 * after we send a close, it bounds the wait for the peer's. on_close runs once
 * from conn_close, with the peer's code, ours, or 1006 when neither was sent.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "http/http_internal.h"

#define WS_CLOSE_WAIT_MS 3000

struct ws_conn {
    http_conn_t *conn;
    ws_handlers_t h;
    void *ud;   /* given to every callback */
    void *data; /* ws_data/ws_set_data */
    buf_t msg;  /* fragments of the message being reassembled */
    int msg_op; /* its opcode, 0 when none */
    bool close_sent, close_recv;
    int code_sent, code_recv;
    char reason_sent[124], reason_recv[124];
    uint64_t ping_ms;
    uint64_t last_seen;
};

/* True when the comma-separated header value contains token (any case). */
static bool has_token(const char *value, const char *token)
{
    if (!value) return false;
    size_t tl = strlen(token);
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *start = p;
        while (*p && *p != ',') p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
        if ((size_t)(end - start) == tl && strncasecmp(start, token, tl) == 0) return true;
    }
    return false;
}

static bool key_valid(const char *key)
{
    /* 16 random bytes in base64: 22 symbols and "==". */
    if (!key || strlen(key) != 24 || strcmp(key + 22, "==") != 0) return false;
    for (int i = 0; i < 22; i++) {
        char c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '/'))
            return false;
    }
    return true;
}

static int send_frame(ws_conn_t *w, int opcode, const void *data, size_t len)
{
    uint8_t hdr[10];
    size_t hl = ws_frame_header(hdr, opcode, true, len);
    uv_buf_t b[2] = {uv_buf_init((char *)hdr, (unsigned)hl), uv_buf_init((char *)data, (unsigned)len)};
    return conn_send(w->conn, b, len ? 2 : 1);
}

static void send_close(ws_conn_t *w, int code, const char *reason)
{
    if (w->close_sent) return;
    w->close_sent = true;
    w->code_sent = code;
    uint8_t p[125];
    size_t n = 0;
    if (code != 1005) {
        size_t rl = reason ? strlen(reason) : 0;
        if (rl > 123) rl = 123;
        p[0] = (uint8_t)(code >> 8);
        p[1] = (uint8_t)code;
        if (rl) memcpy(p + 2, reason, rl);
        n = 2 + rl;
        snprintf(w->reason_sent, sizeof w->reason_sent, "%.*s", (int)rl, reason ? reason : "");
    }
    send_frame(w, 8, p, n);
}

/* A protocol violation: say why and end the connection without waiting. */
static void ws_fail(ws_conn_t *w, int code, const char *reason)
{
    send_close(w, code, reason);
    conn_end(w->conn);
}

int http_ws_upgrade(http_req_t *r, const ws_handlers_t *h, void *ud, int ping_interval_ms)
{
    http_conn_t *c = r->conn;
    if (r->res_state != RES_NONE || c->state != CONN_ACTIVE) return ERR_CONFLICT;
    if (strcmp(r->method, "GET") != 0 || r->http_minor < 1 ||
        !has_token(http_req_header(r, "Upgrade"), "websocket") ||
        !has_token(http_req_header(r, "Connection"), "upgrade")) {
        http_res_error(r, 400, "bad_request", "not a WebSocket upgrade request", NULL);
        return ERR_INVALID;
    }
    const char *version = http_req_header(r, "Sec-WebSocket-Version");
    if (!version || strcmp(version, "13") != 0) {
        http_res_header(r, "Sec-WebSocket-Version", "13");
        http_res_error(r, 426, "upgrade_required", "WebSocket version 13 required", NULL);
        return ERR_INVALID;
    }
    const char *key = http_req_header(r, "Sec-WebSocket-Key");
    if (!key_valid(key)) {
        http_res_error(r, 400, "bad_request", "missing or malformed Sec-WebSocket-Key", NULL);
        return ERR_INVALID;
    }
    char cat[64];
    unsigned char sha[SHA_DIGEST_LENGTH];
    char accept[32];
    int n = snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    SHA1((const unsigned char *)cat, (size_t)n, sha);
    EVP_EncodeBlock((unsigned char *)accept, sha, SHA_DIGEST_LENGTH);

    /* Connection is the server's own header, so it is added directly. */
    buf_puts(&r->res_hdrs, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
    buf_puts(&r->res_hdrs, accept);
    buf_puts(&r->res_hdrs, "\r\n");
    res_head(r, &c->obuf, 101, NULL, -2, true);
    uv_buf_t b = uv_buf_init(c->obuf.data, (unsigned)c->obuf.len);
    conn_send(c, &b, 1);
    r->status = 101;
    r->res_state = RES_DONE;
    res_observe(r, 101);

    ws_conn_t *w = xcalloc(1, sizeof *w);
    w->conn = c;
    if (h) w->h = *h;
    w->ud = ud;
    w->ping_ms = ping_interval_ms > 0 ? (uint64_t)ping_interval_ms : 30000;
    w->last_seen = uv_now(c->srv->loop);
    c->ws = w;
    c->state = CONN_WS;
    conn_set_deadline(c, w->ping_ms);
    if (w->h.on_open) w->h.on_open(w, w->ud);
    conn_resume(c);
    return 0;
}

static void deliver(ws_conn_t *w, int opcode, const uint8_t *data, size_t len)
{
    if (opcode == WS_TEXT && !ws_utf8_valid(data, len)) {
        ws_fail(w, 1007, "invalid UTF-8 in text message");
        return;
    }
    if (w->h.on_message) w->h.on_message(w, opcode, (const char *)data, len, w->ud);
}

static void on_close_frame(ws_conn_t *w, const uint8_t *p, size_t n)
{
    int code = 1005;
    if (n == 1) {
        ws_fail(w, 1002, "bad close payload");
        return;
    }
    if (n >= 2) {
        code = p[0] << 8 | p[1];
        if (!ws_close_code_valid(code)) {
            ws_fail(w, 1002, "bad close code");
            return;
        }
        if (!ws_utf8_valid(p + 2, n - 2)) {
            ws_fail(w, 1007, "invalid UTF-8 in close reason");
            return;
        }
        snprintf(w->reason_recv, sizeof w->reason_recv, "%.*s", (int)(n - 2), (const char *)p + 2);
    }
    w->close_recv = true;
    w->code_recv = code;
    /* Echo the peer's code, then the server closes the TCP connection. */
    send_close(w, code, "");
    conn_end(w->conn);
}

static void on_frame(ws_conn_t *w, const ws_frame_t *f, uint8_t *p)
{
    size_t n = (size_t)f->len;
    switch (f->opcode) {
    case WS_TEXT:
    case WS_BINARY:
        if (w->msg_op) {
            ws_fail(w, 1002, "new message inside a fragmented one");
            return;
        }
        if (f->fin) {
            deliver(w, f->opcode, p, n);
            return;
        }
        w->msg_op = f->opcode;
        buf_reset(&w->msg);
        buf_append(&w->msg, p, n);
        return;
    case 0:
        if (!w->msg_op) {
            ws_fail(w, 1002, "continuation without a message");
            return;
        }
        buf_append(&w->msg, p, n);
        if (f->fin) {
            int op = w->msg_op;
            w->msg_op = 0;
            http_conn_t *c = w->conn;
            deliver(w, op, (const uint8_t *)w->msg.data, w->msg.len);
            if (c->ws != w) return; /* failed and freed inside deliver */
            if (w->msg.cap > 256 * 1024)
                buf_free(&w->msg);
            else
                buf_reset(&w->msg);
        }
        return;
    case 8:
        on_close_frame(w, p, n);
        return;
    case 9:
        if (!w->close_sent) send_frame(w, 10, p, n);
        return;
    default: /* pong: liveness already noted */
        return;
    }
}

size_t ws_input(ws_conn_t *w, char *data, size_t len)
{
    http_conn_t *c = w->conn;
    uint8_t *p = (uint8_t *)data;
    size_t used = 0, max = c->srv->cfg.ws_max_message_bytes;
    while (used < len && c->state == CONN_WS && c->ws == w) {
        ws_frame_t f;
        int hl = ws_frame_decode(p + used, len - used, true, &f);
        if (hl < 0) {
            ws_fail(w, -hl, "protocol error");
            return len;
        }
        if (hl == 0) break;
        /* Refuse an oversized message from its header, before buffering. */
        if (f.opcode < 8 && (f.len > max || (f.opcode == 0 && w->msg.len + f.len > max))) {
            ws_fail(w, 1009, "message too big");
            return len;
        }
        if (len - used - (size_t)hl < f.len) break;
        uint8_t *payload = p + used + hl;
        ws_unmask(payload, (size_t)f.len, f.mask, 0);
        used += (size_t)hl + (size_t)f.len;
        w->last_seen = uv_now(c->srv->loop);
        on_frame(w, &f, payload);
    }
    return used;
}

void ws_tick(ws_conn_t *w)
{
    http_conn_t *c = w->conn;
    if (w->close_sent) {
        /* The peer never answered our close. */
        conn_close(c);
        return;
    }
    uint64_t now = uv_now(c->srv->loop);
    if (now - w->last_seen >= 2 * w->ping_ms) {
        snprintf(w->reason_sent, sizeof w->reason_sent, "ping timeout");
        conn_close(c);
        return;
    }
    send_frame(w, 9, NULL, 0);
    conn_set_deadline(c, w->ping_ms);
}

void ws_conn_closed(ws_conn_t *w)
{
    int code = w->close_recv ? w->code_recv : w->close_sent ? w->code_sent : 1006;
    const char *reason = w->close_recv ? w->reason_recv : w->reason_sent;
    if (w->h.on_close) w->h.on_close(w, code, reason, w->ud);
    buf_free(&w->msg);
    free(w);
}

void ws_drain(ws_conn_t *w)
{
    ws_close(w, 1001, "server shutting down");
}

int ws_send(ws_conn_t *w, int opcode, const void *data, size_t len)
{
    if (opcode != WS_TEXT && opcode != WS_BINARY) return ERR_INVALID;
    if (w->close_sent || w->conn->state != CONN_WS || w->conn->broken) return ERR_CONFLICT;
    return send_frame(w, opcode, data, len);
}

int ws_sendv(ws_conn_t *w, int opcode, const uv_buf_t *parts, size_t nparts)
{
    if (opcode != WS_TEXT && opcode != WS_BINARY) return ERR_INVALID;
    if (nparts > 8) return ERR_INVALID;
    if (w->close_sent || w->conn->state != CONN_WS || w->conn->broken) return ERR_CONFLICT;
    uint8_t hdr[10];
    uv_buf_t b[9];
    size_t len = 0, n = 1;
    for (size_t i = 0; i < nparts; i++) {
        len += parts[i].len;
        if (parts[i].len) b[n++] = parts[i];
    }
    b[0] = uv_buf_init((char *)hdr, (unsigned)ws_frame_header(hdr, opcode, true, len));
    return conn_send(w->conn, b, (int)n);
}

void ws_close(ws_conn_t *w, int code, const char *reason)
{
    if (w->close_sent || w->conn->state != CONN_WS) return;
    send_close(w, code, reason);
    conn_set_deadline(w->conn, WS_CLOSE_WAIT_MS);
}

size_t ws_pending_bytes(const ws_conn_t *w)
{
    return conn_pending_bytes(w->conn);
}
void *ws_data(const ws_conn_t *w)
{
    return w->data;
}
void ws_set_data(ws_conn_t *w, void *ud)
{
    w->data = ud;
}
const char *ws_peer(const ws_conn_t *w)
{
    return w->conn->peer;
}
