/* test_http_ws.c — core/http WebSockets: handshake, echo, fragmentation,
 * protocol errors and their close codes, ping/pong, close handshake, drain. */
#include "test_http_client.h"

typedef struct wstate {
    int opens, closes, messages;
    int close_code;
    char close_reason[128];
    int ping_ms;
    ws_conn_t *conn;
} wstate_t;

static void w_open(ws_conn_t *c, void *ud)
{
    wstate_t *s = ud;
    s->opens++;
    s->conn = c;
    CHECK(ws_data(c) == NULL);
    ws_set_data(c, s);
    CHECK(strncmp(ws_peer(c), "127.0.0.1:", 10) == 0);
}

static void w_message(ws_conn_t *c, int op, const char *data, size_t len, void *ud)
{
    wstate_t *s = ud;
    s->messages++;
    CHECK(ws_data(c) == s);
    CHECK_INT(ws_send(c, op, data, len), 0);
}

static void w_close(ws_conn_t *c, int code, const char *reason, void *ud)
{
    wstate_t *s = ud;
    s->closes++;
    s->close_code = code;
    snprintf(s->close_reason, sizeof s->close_reason, "%s", reason ? reason : "");
    s->conn = NULL;
}

static const ws_handlers_t handlers = {w_open, w_message, w_close};

static void h_ws(http_req_t *r, void *ud)
{
    wstate_t *s = ud;
    http_ws_upgrade(r, &handlers, s, s->ping_ms);
}

static void ws_env(env_t *e, wstate_t *s, http_config_t *cfg)
{
    env_start(e, cfg);
    http_route(e->srv, "GET", "/ws", h_ws, s);
    env_listen(e);
}

#define UPGRADE                                                                                              \
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"               \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

static client_t ws_connect(env_t *e)
{
    client_t c = cl_connect(e);
    cl_send(&c, UPGRADE);
    resp_t r;
    CHECK(cl_response(e, &c, &r, false, 2000));
    CHECK_INT(r.status, 101);
    CHECK_STR(resp_header(&r, "Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(resp_header(&r, "X-Request-Id") != NULL);
    resp_free(&r);
    return c;
}

/* Send one frame; masked unless told otherwise. */
static void ws_frame(client_t *c, int opcode, bool fin, bool mask, const void *data, size_t len)
{
    uint8_t h[14];
    size_t hl = 0;
    h[hl++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
        h[hl++] = (uint8_t)((mask ? 0x80 : 0) | len);
    } else if (len <= 0xffff) {
        h[hl++] = (uint8_t)((mask ? 0x80 : 0) | 126);
        h[hl++] = (uint8_t)(len >> 8);
        h[hl++] = (uint8_t)len;
    } else {
        h[hl++] = (uint8_t)((mask ? 0x80 : 0) | 127);
        for (int i = 7; i >= 0; i--) h[hl++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    if (mask) memcpy(h + hl, key, 4), hl += 4;
    buf_t out = {0};
    buf_append(&out, h, hl);
    for (size_t i = 0; i < len; i++)
        buf_putc(&out, (char)(((const uint8_t *)data)[i] ^ (mask ? key[i & 3] : 0)));
    cl_send_n(c, out.data, out.len);
    buf_free(&out);
}

typedef struct wframe {
    int opcode;
    bool fin;
    buf_t payload;
} wframe_t;

static bool ws_read(env_t *e, client_t *c, wframe_t *f, int ms)
{
    memset(f, 0, sizeof *f);
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
    for (;;) {
        const uint8_t *p = (const uint8_t *)c->in.data;
        size_t n = c->in.len;
        if (n >= 2) {
            size_t hl = 2;
            uint64_t len = p[1] & 0x7f;
            CHECK(!(p[1] & 0x80)); /* servers never mask */
            if (len == 126 && n >= 4)
                len = (uint64_t)p[2] << 8 | p[3], hl = 4;
            else if (len == 127 && n >= 10) {
                len = 0;
                for (int i = 2; i < 10; i++) len = len << 8 | p[i];
                hl = 10;
            }
            if ((len < 126 || hl > 2) && n >= hl + len) {
                f->opcode = p[0] & 0x0f;
                f->fin = p[0] & 0x80;
                buf_append(&f->payload, p + hl, (size_t)len);
                buf_consume(&c->in, hl + (size_t)len);
                return true;
            }
        }
        if (c->eof || uv_hrtime() > end) return false;
        cl_fill(e, c, 10);
    }
}

static int close_code(const wframe_t *f)
{
    if (f->opcode != 8 || f->payload.len < 2) return -1;
    return (uint8_t)f->payload.data[0] << 8 | (uint8_t)f->payload.data[1];
}

static void expect_close(env_t *e, client_t *c, int code)
{
    wframe_t f;
    CHECK(ws_read(e, c, &f, 2000));
    CHECK_INT(f.opcode, 8);
    CHECK_INT(close_code(&f), code);
    buf_free(&f.payload);
    CHECK(cl_wait_eof(e, c, 2000));
}

TEST(ws_handshake_and_echo)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    ws_frame(&c, 1, true, true, "hello", 5);
    wframe_t f;
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_INT(f.opcode, 1);
    CHECK(f.fin);
    CHECK_MEM(f.payload.data, f.payload.len, "hello");
    buf_free(&f.payload);
    /* A 70 000-byte binary message round-trips (64-bit length form). */
    buf_t big = {0};
    for (int i = 0; i < 70000; i++) buf_putc(&big, (char)(i * 7));
    ws_frame(&c, 2, true, true, big.data, big.len);
    CHECK(ws_read(&e, &c, &f, 3000));
    CHECK_INT(f.opcode, 2);
    CHECK_INT(f.payload.len, big.len);
    CHECK(memcmp(f.payload.data, big.data, big.len) == 0);
    buf_free(&f.payload);
    buf_free(&big);
    CHECK_INT(s.opens, 1);
    CHECK_INT(s.messages, 2);
    cl_close(&c);
    env_spin(&e, 30);
    CHECK_INT(s.closes, 1);
    CHECK_INT(s.close_code, 1006);
    env_close(&e);
}

/* Messages whose first byte is 'v' are answered with ws_sendv in pieces:
 * "<" + the message + ">" — one frame, as if sent whole. */
static void v_message(ws_conn_t *c, int op, const char *data, size_t len, void *ud)
{
    wstate_t *s = ud;
    s->messages++;
    uv_buf_t parts[4] = {uv_buf_init((char *)"<", 1), uv_buf_init((char *)data, (unsigned)len),
                         uv_buf_init(NULL, 0), uv_buf_init((char *)">", 1)};
    CHECK_INT(ws_sendv(c, op, parts, 4), 0);
    uv_buf_t nine[9];
    CHECK_INT(ws_sendv(c, op, nine, 9), ERR_INVALID); /* at most 8 pieces */
}

static void hv_ws(http_req_t *r, void *ud)
{
    static const ws_handlers_t vh = {w_open, v_message, w_close};
    http_ws_upgrade(r, &vh, ud, 0);
}

TEST(ws_sendv_sends_its_pieces_as_one_frame)
{
    env_t e;
    wstate_t s = {0};
    env_start(&e, NULL);
    http_route(e.srv, "GET", "/ws", hv_ws, &s);
    env_listen(&e);
    client_t c = ws_connect(&e);
    ws_frame(&c, 1, true, true, "v1", 2);
    wframe_t f;
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_INT(f.opcode, 1);
    CHECK(f.fin);
    CHECK_MEM(f.payload.data, f.payload.len, "<v1>");
    buf_free(&f.payload);
    /* past 125 and past 65 535 bytes: the longer length forms */
    for (size_t n = 200; n <= 70000; n += 69800) {
        buf_t big = {0};
        buf_putc(&big, 'v');
        while (big.len < n) buf_putc(&big, (char)('a' + big.len % 26));
        ws_frame(&c, 1, true, true, big.data, big.len);
        CHECK(ws_read(&e, &c, &f, 3000));
        CHECK_INT(f.payload.len, n + 2);
        CHECK(f.payload.data[0] == '<' && f.payload.data[n + 1] == '>');
        CHECK(memcmp(f.payload.data + 1, big.data, n) == 0);
        buf_free(&f.payload);
        buf_free(&big);
    }
    cl_close(&c);
    env_close(&e);
}

TEST(ws_frames_sent_with_the_upgrade_are_not_lost)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = cl_connect(&e);
    buf_t both = {0};
    buf_puts(&both, UPGRADE);
    uint8_t fr[] = {0x81, 0x82, 0, 0, 0, 0, 'h', 'i'};
    buf_append(&both, fr, sizeof fr);
    cl_send_n(&c, both.data, both.len);
    buf_free(&both);
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_INT(r.status, 101);
    resp_free(&r);
    wframe_t f;
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_MEM(f.payload.data, f.payload.len, "hi");
    buf_free(&f.payload);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_fragments_are_reassembled_around_a_ping)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    ws_frame(&c, 1, false, true, "hel", 3);
    ws_frame(&c, 9, true, true, "p1", 2);
    ws_frame(&c, 0, false, true, "l", 1);
    ws_frame(&c, 0, true, true, "o \xc3\xa9", 4);
    wframe_t f;
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_INT(f.opcode, 10); /* pong, with the ping's payload */
    CHECK_MEM(f.payload.data, f.payload.len, "p1");
    buf_free(&f.payload);
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_INT(f.opcode, 1);
    CHECK_MEM(f.payload.data, f.payload.len, "hello \xc3\xa9");
    buf_free(&f.payload);
    CHECK_INT(s.messages, 1);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_unmasked_client_frame_gets_1002)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    ws_frame(&c, 1, true, false, "hello", 5);
    expect_close(&e, &c, 1002);
    CHECK_INT(s.messages, 0);
    CHECK_INT(s.closes, 1);
    CHECK_INT(s.close_code, 1002);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_bad_opcode_gets_1002)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    ws_frame(&c, 3, true, true, "x", 1);
    expect_close(&e, &c, 1002);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_protocol_errors_get_1002)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    /* continuation with no message */
    client_t c = ws_connect(&e);
    ws_frame(&c, 0, true, true, "x", 1);
    expect_close(&e, &c, 1002);
    cl_close(&c);
    /* fragmented ping */
    c = ws_connect(&e);
    ws_frame(&c, 9, false, true, "x", 1);
    expect_close(&e, &c, 1002);
    cl_close(&c);
    /* control frame over 125 bytes */
    c = ws_connect(&e);
    char big[126] = {0};
    ws_frame(&c, 9, true, true, big, sizeof big);
    expect_close(&e, &c, 1002);
    cl_close(&c);
    /* new message inside a fragmented one */
    c = ws_connect(&e);
    ws_frame(&c, 1, false, true, "a", 1);
    ws_frame(&c, 1, true, true, "b", 1);
    expect_close(&e, &c, 1002);
    cl_close(&c);
    /* reserved bit set */
    c = ws_connect(&e);
    uint8_t rsv[] = {0xC1, 0x80, 0, 0, 0, 0};
    cl_send_n(&c, rsv, sizeof rsv);
    expect_close(&e, &c, 1002);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_oversized_message_gets_1009)
{
    env_t e;
    wstate_t s = {0};
    http_config_t cfg = {.ws_max_message_bytes = 64};
    ws_env(&e, &s, &cfg);
    client_t c = ws_connect(&e);
    char data[100] = {0};
    ws_frame(&c, 2, true, true, data, sizeof data);
    expect_close(&e, &c, 1009);
    CHECK_INT(s.close_code, 1009);
    cl_close(&c);
    /* The limit covers a whole fragmented message too. */
    c = ws_connect(&e);
    ws_frame(&c, 2, false, true, data, 40);
    ws_frame(&c, 0, true, true, data, 40);
    expect_close(&e, &c, 1009);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_invalid_utf8_text_gets_1007)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    ws_frame(&c, 1, true, true, "bad \xc3\x28", 6);
    expect_close(&e, &c, 1007);
    CHECK_INT(s.messages, 0);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_client_close_is_echoed_with_its_code)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    ws_frame(&c, 8, true, true,
             "\x0f\xa0"
             "bye",
             5); /* 4000 */
    expect_close(&e, &c, 4000);
    env_spin(&e, 20);
    CHECK_INT(s.closes, 1);
    CHECK_INT(s.close_code, 4000);
    CHECK_STR(s.close_reason, "bye");
    cl_close(&c);
    /* A reserved code in a close frame is itself a protocol error. */
    c = ws_connect(&e);
    ws_frame(&c, 8, true, true, "\x03\xed", 2); /* 1005 */
    expect_close(&e, &c, 1002);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_server_close_sends_code_and_waits_for_peer)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    env_spin(&e, 10);
    CHECK(s.conn != NULL);
    ws_close(s.conn, 1000, "done");
    CHECK_INT(ws_send(s.conn, WS_TEXT, "late", 4), ERR_CONFLICT);
    wframe_t f;
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_INT(close_code(&f), 1000);
    CHECK_MEM(f.payload.data + 2, f.payload.len - 2, "done");
    buf_free(&f.payload);
    ws_frame(&c, 8, true, true, "\x03\xe8", 2);
    CHECK(cl_wait_eof(&e, &c, 2000));
    env_spin(&e, 20);
    CHECK_INT(s.closes, 1);
    CHECK_INT(s.close_code, 1000);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_server_pings_and_drops_a_silent_peer)
{
    env_t e;
    wstate_t s = {.ping_ms = 40};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    wframe_t f;
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_INT(f.opcode, 9);
    buf_free(&f.payload);
    /* Answering keeps it alive past two intervals. */
    for (int i = 0; i < 4; i++) {
        ws_frame(&c, 10, true, true, NULL, 0);
        CHECK(ws_read(&e, &c, &f, 2000));
        CHECK_INT(f.opcode, 9);
        buf_free(&f.payload);
    }
    CHECK_INT(s.closes, 0);
    /* Silence: closed after two intervals without an answer. */
    while (!c.eof) {
        if (!ws_read(&e, &c, &f, 2000)) break;
        buf_free(&f.payload);
    }
    CHECK(cl_wait_eof(&e, &c, 2000));
    env_spin(&e, 10);
    CHECK_INT(s.closes, 1);
    CHECK_INT(s.close_code, 1006);
    cl_close(&c);
    env_close(&e);
}

TEST(ws_bad_handshakes_get_400_or_426)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    resp_t r = cl_roundtrip(&e, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n");
    CHECK_INT(r.status, 400);
    resp_free(&r);
    r = cl_roundtrip(&e, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n");
    CHECK_INT(r.status, 400);
    resp_free(&r);
    r = cl_roundtrip(&e, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");
    CHECK_INT(r.status, 426);
    CHECK_STR(resp_header(&r, "Sec-WebSocket-Version"), "13");
    resp_free(&r);
    r = cl_roundtrip(&e, "GET /ws HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 400);
    resp_free(&r);
    CHECK_INT(s.opens, 0);
    env_close(&e);
}

static void drained(void *ud)
{
    (*(int *)ud)++;
}

TEST(ws_drain_sends_1001)
{
    env_t e;
    wstate_t s = {0};
    ws_env(&e, &s, NULL);
    client_t c = ws_connect(&e);
    env_spin(&e, 10);
    int done = 0;
    http_server_drain(e.srv, 2000, drained, &done);
    wframe_t f;
    CHECK(ws_read(&e, &c, &f, 2000));
    CHECK_INT(close_code(&f), 1001);
    buf_free(&f.payload);
    ws_frame(&c, 8, true, true, "\x03\xe9", 2);
    CHECK(cl_wait_eof(&e, &c, 2000));
    for (int i = 0; i < 100 && !done; i++) env_spin(&e, 10);
    CHECK_INT(done, 1);
    CHECK_INT(s.closes, 1);
    cl_close(&c);
    env_close(&e);
}

TEST_MAIN()
