/* fuzz_http_request.c — arbitrary bytes through a connection's whole input
 * path (llhttp glue, limits, router, responses, a WebSocket upgrade), with no
 * socket: http_conn_fake collects what the server would have written.
 *
 * The first byte picks the chunk size the rest is fed in, so the parser also
 * meets every request split at every place. */
#include <stdint.h>
#include <string.h>

#include "http/http_internal.h"

static uv_loop_t loop;
static http_server_t *srv;

static void h_echo(http_req_t *r, void *ud)
{
    sv_t b = http_req_body(r);
    const char *q = http_req_query(r, "q");
    const char *all[4];
    http_req_query_all(r, "q", all, 4);
    http_res_header(r, "X-Q", q ? q : "-");
    http_res_header(r, "X-H", http_req_header(r, "x-a") ? http_req_header(r, "x-a") : "-");
    http_res_send(r, 200, "text/plain", b.p, b.n);
}

static void h_param(http_req_t *r, void *ud)
{
    const char *a = http_req_param(r, "a"), *t = http_req_param(r, "*");
    buf_t b = {0};
    buf_printf(&b, "%s|%s", a ? a : "", t ? t : "");
    http_res_send_buf(r, 201, "text/plain", &b);
}

static void h_stream(http_req_t *r, void *ud)
{
    http_res_stream_begin(r, 200, "text/plain");
    http_res_stream_write(r, "abc", 3);
    http_res_stream_write(r, "", 0);
    http_res_stream_end(r);
}

static void w_msg(ws_conn_t *c, int op, const char *d, size_t n, void *ud)
{
    ws_send(c, op, d, n);
}
static const ws_handlers_t wh = {NULL, w_msg, NULL};
static void h_ws(http_req_t *r, void *ud)
{
    http_ws_upgrade(r, &wh, NULL, 0);
}

static void setup(void)
{
    err_t err;
    uv_loop_init(&loop);
    http_config_t cfg = {
        .host = "127.0.0.1", .max_header_bytes = 2048, .max_body_bytes = 4096, .ws_max_message_bytes = 4096};
    srv = http_server_new(&loop, &cfg, &err);
    http_route(srv, "POST", "/echo", h_echo, NULL);
    http_route(srv, "GET", "/echo", h_echo, NULL);
    http_route(srv, "GET", "/p/{a}/x/*", h_param, NULL);
    http_route(srv, NULL, "/s", h_stream, NULL);
    http_route(srv, "GET", "/ws", h_ws, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv) setup();
    if (!size) return 0;
    size_t chunk = (size_t)(data[0] % 64) + 1;
    data++, size--;
    buf_t out = {0};
    http_conn_t *c = http_conn_fake(srv, &out);
    for (size_t off = 0; off < size; off += chunk)
        http_conn_feed(c, (const char *)data + off, size - off < chunk ? size - off : chunk);
    http_conn_fake_free(c);
    uv_run(&loop, UV_RUN_NOWAIT); /* closes the connection's timer, frees it */
    buf_free(&out);
    return 0;
}
