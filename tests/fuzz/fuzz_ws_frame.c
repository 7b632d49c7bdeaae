/* fuzz_ws_frame.c — the WebSocket frame decoder on its own, then the same
 * bytes as client frames on an upgraded connection without a socket
 * (reassembly, control frames, UTF-8 and close-code checks, size limit). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

static uv_loop_t loop;
static http_server_t *srv;

static void w_msg(ws_conn_t *c, int op, const char *d, size_t n, void *ud)
{
    if (n && d[0] == 'c')
        ws_close(c, 1000, "bye");
    else
        ws_send(c, op, d, n);
}
static const ws_handlers_t wh = {NULL, w_msg, NULL};
static void h_ws(http_req_t *r, void *ud)
{
    http_ws_upgrade(r, &wh, NULL, 0);
}

static const char upgrade[] =
    "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv) {
        err_t err;
        uv_loop_init(&loop);
        http_config_t cfg = {.host = "127.0.0.1", .ws_max_message_bytes = 1024};
        srv = http_server_new(&loop, &cfg, &err);
        http_route(srv, "GET", "/ws", h_ws, NULL);
    }
    /* 1. The decoder alone, frame after frame. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    size_t off = 0;
    while (off < size) {
        ws_frame_t f;
        int hl = ws_frame_decode(copy + off, size - off, (size & 1) == 0, &f);
        if (hl <= 0) break;
        size_t avail = size - off - (size_t)hl;
        size_t n = f.len < avail ? (size_t)f.len : avail;
        ws_unmask(copy + off + hl, n, f.mask, off & 3);
        ws_utf8_valid(copy + off + hl, n);
        uint8_t hdr[10];
        ws_frame_header(hdr, f.opcode, f.fin, f.len);
        if (f.len > avail) break;
        off += (size_t)hl + (size_t)f.len;
    }
    free(copy);
    /* 2. The connection path. */
    buf_t out = {0};
    http_conn_t *c = http_conn_fake(srv, &out);
    http_conn_feed(c, upgrade, sizeof upgrade - 1);
    size_t chunk = size ? (size_t)data[0] % 32 + 1 : 1;
    for (off = 0; off < size; off += chunk)
        http_conn_feed(c, (const char *)data + off, size - off < chunk ? size - off : chunk);
    http_conn_fake_free(c);
    uv_run(&loop, UV_RUN_NOWAIT);
    buf_free(&out);
    return 0;
}
