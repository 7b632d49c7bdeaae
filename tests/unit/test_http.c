/* test_http.c — core/http: routing, keep-alive, pipelining, limits, malformed
 * input, request ids, streaming, HEAD, async responses and aborts, spoken to
 * over real sockets on 127.0.0.1 from the test's own loop. */
#include "test_http_client.h"

/* ---- handlers ---- */

static void h_text(http_req_t *r, void *ud)
{
    http_res_send(r, 200, "text/plain", ud, strlen(ud));
}

static void h_params(http_req_t *r, void *ud)
{
    buf_t b = {0};
    buf_printf(&b, "ns=%s name=%s", http_req_param(r, "ns"), http_req_param(r, "name"));
    http_res_send_buf(r, 200, "text/plain", &b);
}

static void h_tail(http_req_t *r, void *ud)
{
    buf_t b = {0};
    buf_printf(&b, "tail=%s", http_req_param(r, "*"));
    http_res_send_buf(r, 200, "text/plain", &b);
}

static void h_echo(http_req_t *r, void *ud)
{
    sv_t body = http_req_body(r);
    http_res_send(r, 200, "application/octet-stream", body.p, body.n);
}

static void h_path(http_req_t *r, void *ud)
{
    sv_t p = http_req_path(r);
    buf_t b = {0};
    buf_append(&b, p.p, p.n);
    const char *q = http_req_query(r, "q");
    buf_printf(&b, " q=%s", q ? q : "(none)");
    http_res_send_buf(r, 200, "text/plain", &b);
}

static env_t *routes_env(env_t *e, http_config_t *cfg)
{
    env_start(e, cfg);
    CHECK_INT(http_route(e->srv, "GET", "/healthz", h_text, "ok"), 0);
    CHECK_INT(http_route(e->srv, "GET", "/api/v1/pods/{ns}/{name}", h_params, NULL), 0);
    CHECK_INT(http_route(e->srv, "GET", "/api/v1/pods/{ns}/special", h_text, "literal wins"), 0);
    CHECK_INT(http_route(e->srv, "GET", "/static/*", h_tail, NULL), 0);
    CHECK_INT(http_route(e->srv, "POST", "/echo", h_echo, NULL), 0);
    CHECK_INT(http_route(e->srv, "PUT", "/echo", h_echo, NULL), 0);
    CHECK_INT(http_route(e->srv, "GET", "/path/*", h_path, NULL), 0);
    env_listen(e);
    return e;
}

TEST(routes_match_literals_params_and_tails)
{
    env_t e;
    routes_env(&e, NULL);
    resp_t r = cl_roundtrip(&e, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "ok");
    CHECK_STR(resp_header(&r, "Content-Type"), "text/plain");
    CHECK(resp_header(&r, "Date") != NULL);
    CHECK_STR(resp_header(&r, "Server"), "kubilitics");
    resp_free(&r);

    r = cl_roundtrip(&e, "GET /api/v1/pods/shop/web-1 HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "ns=shop name=web-1");
    resp_free(&r);

    r = cl_roundtrip(&e, "GET /api/v1/pods/shop/special HTTP/1.1\r\n\r\n");
    CHECK_MEM(r.body.data, r.body.len, "literal wins");
    resp_free(&r);

    /* An encoded slash stays inside its parameter. */
    r = cl_roundtrip(&e, "GET /api/v1/pods/a%2Fb/c%20d HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "ns=a/b name=c d");
    resp_free(&r);

    r = cl_roundtrip(&e, "GET /static/js/app.js HTTP/1.1\r\n\r\n");
    CHECK_MEM(r.body.data, r.body.len, "tail=js/app.js");
    resp_free(&r);

    r = cl_roundtrip(&e, "GET /path/x%20y?q=a+b%21&z=1 HTTP/1.1\r\n\r\n");
    CHECK_MEM(r.body.data, r.body.len, "/path/x y q=a b!");
    resp_free(&r);
    env_close(&e);
}

TEST(unknown_path_gets_404_json_error)
{
    env_t e;
    routes_env(&e, NULL);
    resp_t r = cl_roundtrip(&e, "GET /nope HTTP/1.1\r\nX-Request-Id: abc-123\r\n\r\n");
    CHECK_INT(r.status, 404);
    CHECK_STR(resp_header(&r, "Content-Type"), "application/json");
    CHECK(strstr(r.body.data, "\"code\":\"not_found\"") != NULL);
    CHECK(strstr(r.body.data, "\"status\":404") != NULL);
    CHECK(strstr(r.body.data, "\"requestId\":\"abc-123\"") != NULL);
    resp_free(&r);
    /* One segment short of a pattern is no match either. */
    r = cl_roundtrip(&e, "GET /api/v1/pods/shop HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 404);
    resp_free(&r);
    env_close(&e);
}

TEST(wrong_method_gets_405_with_allow)
{
    env_t e;
    routes_env(&e, NULL);
    resp_t r = cl_roundtrip(&e, "DELETE /echo HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 405);
    CHECK(resp_header(&r, "Allow") != NULL);
    CHECK(strstr(resp_header(&r, "Allow"), "POST") != NULL);
    CHECK(strstr(resp_header(&r, "Allow"), "PUT") != NULL);
    CHECK(strstr(r.body.data, "method_not_allowed") != NULL);
    resp_free(&r);
    r = cl_roundtrip(&e, "POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    CHECK_INT(r.status, 405);
    CHECK_STR(resp_header(&r, "Allow"), "GET, HEAD");
    resp_free(&r);
    env_close(&e);
}

TEST(route_replace_and_unroute)
{
    env_t e;
    routes_env(&e, NULL);
    CHECK_INT(http_route(e.srv, "GET", "/healthz", h_text, "replaced"), 0);
    resp_t r = cl_roundtrip(&e, "GET /healthz HTTP/1.1\r\n\r\n");
    CHECK_MEM(r.body.data, r.body.len, "replaced");
    resp_free(&r);
    CHECK_INT(http_unroute(e.srv, "GET", "/healthz"), 0);
    CHECK_INT(http_unroute(e.srv, "GET", "/healthz"), ERR_NOTFOUND);
    r = cl_roundtrip(&e, "GET /healthz HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 404);
    resp_free(&r);
    CHECK_INT(http_route(e.srv, "GET", "no-slash", h_text, "x"), ERR_INVALID);
    CHECK_INT(http_route(e.srv, "GET", "/a/*/b", h_text, "x"), ERR_INVALID);
    CHECK_INT(http_route(e.srv, "GET", "/a/{x", h_text, "x"), ERR_INVALID);
    /* method NULL takes every method */
    CHECK_INT(http_route(e.srv, NULL, "/any", h_text, "any"), 0);
    r = cl_roundtrip(&e, "PATCH /any HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    CHECK_INT(r.status, 200);
    resp_free(&r);
    env_close(&e);
}

static void h_fallback(http_req_t *r, void *ud)
{
    http_res_send(r, 299, "text/plain", "fb", 2);
}

TEST(fallback_handles_unmatched_paths)
{
    env_t e;
    routes_env(&e, NULL);
    http_set_fallback(e.srv, h_fallback, NULL);
    resp_t r = cl_roundtrip(&e, "GET /whatever HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 299);
    resp_free(&r);
    env_close(&e);
}

TEST(keep_alive_serves_several_requests_on_one_connection)
{
    env_t e;
    routes_env(&e, NULL);
    client_t c = cl_connect(&e);
    for (int i = 0; i < 5; i++) {
        cl_send(&c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        resp_t r;
        CHECK(cl_response(&e, &c, &r, false, 2000));
        CHECK_INT(r.status, 200);
        CHECK(resp_header(&r, "Connection") == NULL);
        resp_free(&r);
    }
    CHECK_INT(http_server_connections(e.srv), 1);
    cl_close(&c);
    env_close(&e);
}

TEST(pipelined_requests_are_answered_in_order)
{
    env_t e;
    routes_env(&e, NULL);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /api/v1/pods/a/1 HTTP/1.1\r\n\r\n"
                "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                "GET /nope HTTP/1.1\r\n\r\n"
                "GET /api/v1/pods/b/2 HTTP/1.1\r\n\r\n");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_MEM(r.body.data, r.body.len, "ns=a name=1");
    resp_free(&r);
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_MEM(r.body.data, r.body.len, "hello");
    resp_free(&r);
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_INT(r.status, 404);
    resp_free(&r);
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_MEM(r.body.data, r.body.len, "ns=b name=2");
    resp_free(&r);
    cl_close(&c);
    env_close(&e);
}

TEST(connection_close_request_closes_after_response)
{
    env_t e;
    routes_env(&e, NULL);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_STR(resp_header(&r, "Connection"), "close");
    CHECK(cl_wait_eof(&e, &c, 2000));
    resp_free(&r);
    cl_close(&c);
    /* HTTP/1.0 without keep-alive closes too. */
    c = cl_connect(&e);
    cl_send(&c, "GET /healthz HTTP/1.0\r\n\r\n");
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_INT(r.status, 200);
    CHECK(cl_wait_eof(&e, &c, 2000));
    resp_free(&r);
    cl_close(&c);
    env_close(&e);
}

TEST(chunked_request_body_is_reassembled)
{
    env_t e;
    routes_env(&e, NULL);
    resp_t r = cl_roundtrip(&e, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "abcdefg");
    resp_free(&r);
    env_close(&e);
}

TEST(body_over_limit_gets_413)
{
    env_t e;
    http_config_t cfg = {.max_body_bytes = 16};
    routes_env(&e, &cfg);
    resp_t r = cl_roundtrip(&e, "POST /echo HTTP/1.1\r\nContent-Length: 17\r\n\r\n01234567890123456");
    CHECK_INT(r.status, 413);
    CHECK(strstr(r.body.data, "payload_too_large") != NULL);
    CHECK_STR(resp_header(&r, "Connection"), "close");
    resp_free(&r);
    /* Chunked bodies are counted as they arrive. */
    r = cl_roundtrip(&e, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n");
    CHECK_INT(r.status, 413);
    resp_free(&r);
    /* At the limit is fine. */
    r = cl_roundtrip(&e, "POST /echo HTTP/1.1\r\nContent-Length: 16\r\n\r\n0123456789012345");
    CHECK_INT(r.status, 200);
    resp_free(&r);
    env_close(&e);
}

TEST(oversized_header_gets_431)
{
    env_t e;
    http_config_t cfg = {.max_header_bytes = 1024};
    routes_env(&e, &cfg);
    buf_t req = {0};
    buf_puts(&req, "GET /healthz HTTP/1.1\r\nX-Big: ");
    for (int i = 0; i < 2000; i++) buf_putc(&req, 'a');
    buf_puts(&req, "\r\n\r\n");
    resp_t r = cl_roundtrip(&e, req.data);
    CHECK_INT(r.status, 431);
    CHECK(strstr(r.body.data, "header_too_large") != NULL);
    CHECK(resp_header(&r, "X-Request-Id") != NULL);
    resp_free(&r);
    buf_free(&req);
    env_close(&e);
}

TEST(malformed_request_line_gets_400)
{
    env_t e;
    routes_env(&e, NULL);
    resp_t r = cl_roundtrip(&e, "GARBAGE\r\n\r\n");
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body.data, "\"code\":\"bad_request\"") != NULL);
    CHECK(strstr(r.body.data, "\"requestId\":\"") != NULL);
    CHECK(resp_header(&r, "X-Request-Id") != NULL);
    resp_free(&r);
    r = cl_roundtrip(&e, "GET /healthz HTTP/9.Z\r\n\r\n");
    CHECK_INT(r.status, 400);
    resp_free(&r);
    r = cl_roundtrip(&e, "GET no-slash HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 400);
    resp_free(&r);
    r = cl_roundtrip(&e, "GET /bad%zzescape HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 400);
    resp_free(&r);
    env_close(&e);
}

TEST(bad_chunked_encoding_gets_400)
{
    env_t e;
    routes_env(&e, NULL);
    resp_t r =
        cl_roundtrip(&e, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body.data, "chunk") != NULL);
    resp_free(&r);
    env_close(&e);
}

TEST(slow_header_gets_408_and_close)
{
    env_t e;
    http_config_t cfg = {.header_timeout_ms = 150};
    routes_env(&e, &cfg);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /healthz HTTP/1.1\r\nX-Slow: ");
    env_spin(&e, 50);
    cl_send(&c, "a");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 3000));
    CHECK_INT(r.status, 408);
    CHECK(strstr(r.body.data, "request_timeout") != NULL);
    CHECK(cl_wait_eof(&e, &c, 3000));
    resp_free(&r);
    cl_close(&c);
    env_close(&e);
}

TEST(idle_keep_alive_connection_is_closed)
{
    env_t e;
    http_config_t cfg = {.idle_timeout_ms = 100};
    routes_env(&e, &cfg);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /healthz HTTP/1.1\r\n\r\n");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 2000));
    resp_free(&r);
    CHECK(cl_wait_eof(&e, &c, 3000));
    CHECK_INT(c.in.len, 0); /* closed without a word */
    cl_close(&c);
    env_close(&e);
}

TEST(connections_over_limit_get_503)
{
    env_t e;
    http_config_t cfg = {.max_connections = 2};
    routes_env(&e, &cfg);
    client_t a = cl_connect(&e), b = cl_connect(&e);
    env_spin(&e, 30);
    CHECK_INT(http_server_connections(e.srv), 2);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /healthz HTTP/1.1\r\n\r\n");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_INT(r.status, 503);
    CHECK(strstr(r.body.data, "\"status\":503") != NULL);
    CHECK(cl_wait_eof(&e, &c, 3000));
    resp_free(&r);
    cl_close(&c);
    /* The first two still work. */
    cl_send(&a, "GET /healthz HTTP/1.1\r\n\r\n");
    CHECK(cl_response(&e, &a, &r, false, 2000));
    CHECK_INT(r.status, 200);
    resp_free(&r);
    cl_close(&a);
    cl_close(&b);
    env_close(&e);
}

TEST(valid_request_id_is_reused_and_invalid_one_replaced)
{
    env_t e;
    routes_env(&e, NULL);
    resp_t r = cl_roundtrip(&e, "GET /healthz HTTP/1.1\r\nX-Request-Id: my.req_id-42\r\n\r\n");
    CHECK_STR(resp_header(&r, "X-Request-Id"), "my.req_id-42");
    resp_free(&r);
    r = cl_roundtrip(&e, "GET /healthz HTTP/1.1\r\nX-Request-Id: bad id!\r\n\r\n");
    const char *id = resp_header(&r, "X-Request-Id");
    CHECK(id != NULL);
    CHECK_INT(strlen(id), 16);
    CHECK(strcmp(id, "bad id!") != 0);
    char first[4200];
    snprintf(first, sizeof first, "%s", id);
    resp_free(&r);
    r = cl_roundtrip(&e, "GET /healthz HTTP/1.1\r\n\r\n");
    CHECK(strcmp(resp_header(&r, "X-Request-Id"), first) != 0);
    resp_free(&r);
    env_close(&e);
}

/* ---- streaming ---- */

typedef struct streamer {
    http_req_t *req;
    uv_timer_t timer;
    int n;
    bool aborted;
    size_t max_pending;
} streamer_t;

static void streamer_tick(uv_timer_t *t)
{
    streamer_t *s = t->data;
    char line[32];
    int n = snprintf(line, sizeof line, "line %d\n", s->n);
    CHECK_INT(http_res_stream_write(s->req, line, (size_t)n), 0);
    size_t p = http_req_pending_bytes(s->req);
    if (p > s->max_pending) s->max_pending = p;
    if (++s->n == 3) {
        http_res_stream_end(s->req);
        s->req = NULL;
        uv_timer_stop(t);
    }
}

static void h_stream(http_req_t *r, void *ud)
{
    streamer_t *s = ud;
    s->req = r;
    http_res_stream_begin(r, 200, "text/plain");
    uv_timer_start(&s->timer, streamer_tick, 5, 5);
}

TEST(streamed_response_is_chunked_and_keeps_the_connection)
{
    env_t e;
    env_start(&e, NULL);
    streamer_t s = {0};
    uv_timer_init(&e.loop, &s.timer);
    s.timer.data = &s;
    http_route(e.srv, "GET", "/stream", h_stream, &s);
    http_route(e.srv, "GET", "/healthz", h_text, "ok");
    env_listen(&e);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /stream HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 3000));
    CHECK_INT(r.status, 200);
    CHECK(r.chunked);
    CHECK_INT(r.nchunks, 3);
    CHECK_MEM(r.body.data, r.body.len, "line 0\nline 1\nline 2\n");
    resp_free(&r);
    /* The pipelined request waited for the stream and came after it. */
    CHECK(cl_response(&e, &c, &r, false, 3000));
    CHECK_MEM(r.body.data, r.body.len, "ok");
    resp_free(&r);
    cl_close(&c);
    uv_close((uv_handle_t *)&s.timer, NULL);
    env_close(&e);
}

TEST(head_request_gets_headers_without_body)
{
    env_t e;
    routes_env(&e, NULL);
    client_t c = cl_connect(&e);
    cl_send(&c, "HEAD /healthz HTTP/1.1\r\n\r\n");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, true, 2000));
    CHECK_INT(r.status, 200);
    CHECK_STR(resp_header(&r, "Content-Length"), "2");
    resp_free(&r);
    /* Nothing after the head: the next response starts right away. */
    cl_send(&c, "GET /healthz HTTP/1.1\r\n\r\n");
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_MEM(r.body.data, r.body.len, "ok");
    resp_free(&r);
    cl_close(&c);
    env_close(&e);
}

/* ---- async and abort ---- */

typedef struct later {
    http_req_t *req;
    uv_timer_t timer;
    int aborts;
    int observed;
    int last_status;
    char route[64];
} later_t;

static void later_fire(uv_timer_t *t)
{
    later_t *l = t->data;
    if (l->req) http_res_send(l->req, 202, "text/plain", "later", 5);
    l->req = NULL;
}

static void later_abort(http_req_t *r, void *ud)
{
    later_t *l = ud;
    l->aborts++;
    l->req = NULL;
    uv_timer_stop(&l->timer);
}

static void h_later(http_req_t *r, void *ud)
{
    later_t *l = ud;
    l->req = r;
    http_req_on_abort(r, later_abort, l);
    uv_timer_start(&l->timer, later_fire, 30, 0);
}

static void observe(const http_req_t *r, const char *route, int status, uint64_t ns, void *ud)
{
    later_t *l = ud;
    l->observed++;
    l->last_status = status;
    snprintf(l->route, sizeof l->route, "%s", route);
}

TEST(response_from_a_timer_arrives_and_is_observed)
{
    env_t e;
    env_start(&e, NULL);
    later_t l = {0};
    uv_timer_init(&e.loop, &l.timer);
    l.timer.data = &l;
    http_route(e.srv, "GET", "/later/{x}", h_later, &l);
    http_server_set_observer(e.srv, observe, &l);
    env_listen(&e);
    resp_t r = cl_roundtrip(&e, "GET /later/1 HTTP/1.1\r\n\r\n");
    CHECK_INT(r.status, 202);
    CHECK_MEM(r.body.data, r.body.len, "later");
    resp_free(&r);
    CHECK_INT(l.observed, 1);
    CHECK_INT(l.last_status, 202);
    CHECK_STR(l.route, "/later/{x}");
    CHECK_INT(l.aborts, 0);
    r = cl_roundtrip(&e, "GET /missing HTTP/1.1\r\n\r\n");
    resp_free(&r);
    CHECK_INT(l.observed, 2);
    CHECK_INT(l.last_status, 404);
    CHECK_STR(l.route, "");
    uv_close((uv_handle_t *)&l.timer, NULL);
    env_close(&e);
}

TEST(client_disconnect_runs_abort_callback)
{
    env_t e;
    env_start(&e, NULL);
    later_t l = {0};
    uv_timer_init(&e.loop, &l.timer);
    l.timer.data = &l;
    http_route(e.srv, "GET", "/later", h_later, &l);
    env_listen(&e);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /later HTTP/1.1\r\n\r\n");
    env_spin(&e, 10);
    CHECK(l.req != NULL);
    cl_close(&c);
    env_spin(&e, 60);
    CHECK_INT(l.aborts, 1);
    CHECK(l.req == NULL);
    uv_close((uv_handle_t *)&l.timer, NULL);
    env_close(&e);
}

/* A large borrowed body (8 MiB: more than a socket takes at once) and an
 * owned one, pipelined behind each other; the owner's release runs once. */
typedef struct lender {
    char *body;
    size_t len;
    int releases;
} lender_t;

static void lender_release(void *ud)
{
    ((lender_t *)ud)->releases++;
}

static void h_borrowed(http_req_t *r, void *ud)
{
    lender_t *l = ud;
    if (strcmp(http_req_path(r).p, "/owned") == 0) {
        buf_t b = {0};
        buf_append(&b, l->body, l->len / 2);
        http_res_send_buf(r, 200, "text/plain", &b);
        CHECK(b.data == NULL); /* taken */
        return;
    }
    http_res_send_borrowed(r, 200, "text/plain", l->body, l->len, lender_release, l);
}

TEST(large_borrowed_and_owned_bodies_arrive_whole_and_are_released_once)
{
    env_t e;
    env_start(&e, NULL);
    lender_t l = {.len = 8u << 20};
    l.body = malloc(l.len);
    for (size_t i = 0; i < l.len; i++) l.body[i] = (char)('a' + i % 23);
    http_route(e.srv, "GET", "/borrowed", h_borrowed, &l);
    http_route(e.srv, "GET", "/owned", h_borrowed, &l);
    env_listen(&e);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /borrowed HTTP/1.1\r\n\r\nGET /owned HTTP/1.1\r\n\r\nGET /borrowed HTTP/1.1\r\n\r\n");
    for (int k = 0; k < 3; k++) {
        resp_t r;
        CHECK(cl_response(&e, &c, &r, false, 10000));
        CHECK_INT(r.status, 200);
        size_t want = k == 1 ? l.len / 2 : l.len;
        CHECK_INT(r.body.len, want);
        CHECK(memcmp(r.body.data, l.body, want) == 0);
        resp_free(&r);
    }
    env_spin(&e, 20);
    CHECK_INT(l.releases, 2);
    /* a client that leaves before reading: released all the same */
    client_t d = cl_connect(&e);
    cl_send(&d, "GET /borrowed HTTP/1.1\r\n\r\n");
    env_spin(&e, 30);
    cl_close(&d);
    for (int i = 0; i < 100 && l.releases < 3; i++) env_spin(&e, 10);
    CHECK_INT(l.releases, 3);
    cl_close(&c);
    env_close(&e);
    free(l.body);
}

TEST(server_close_aborts_requests_in_flight)
{
    env_t e;
    env_start(&e, NULL);
    later_t l = {0};
    uv_timer_init(&e.loop, &l.timer);
    l.timer.data = &l;
    http_route(e.srv, "GET", "/later", h_later, &l);
    env_listen(&e);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /later HTTP/1.1\r\n\r\n");
    env_spin(&e, 10);
    CHECK(l.req != NULL);
    uv_close((uv_handle_t *)&l.timer, NULL);
    env_close(&e);
    CHECK_INT(l.aborts, 1);
    cl_close(&c);
}

static void drained(void *ud)
{
    (*(int *)ud)++;
}

TEST(drain_finishes_in_flight_request_then_reports_done)
{
    env_t e;
    env_start(&e, NULL);
    later_t l = {0};
    uv_timer_init(&e.loop, &l.timer);
    l.timer.data = &l;
    http_route(e.srv, "GET", "/later", h_later, &l);
    env_listen(&e);
    client_t idle = cl_connect(&e);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /later HTTP/1.1\r\n\r\n");
    env_spin(&e, 10);
    int done = 0;
    http_server_drain(e.srv, 2000, drained, &done);
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_INT(r.status, 202);
    CHECK_STR(resp_header(&r, "Connection"), "close");
    resp_free(&r);
    CHECK(cl_wait_eof(&e, &idle, 2000));
    for (int i = 0; i < 200 && !done; i++) env_spin(&e, 10);
    CHECK_INT(done, 1);
    cl_close(&c);
    cl_close(&idle);
    uv_close((uv_handle_t *)&l.timer, NULL);
    env_close(&e);
}

TEST(expect_continue_gets_100_before_body)
{
    env_t e;
    routes_env(&e, NULL);
    client_t c = cl_connect(&e);
    cl_send(&c, "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    for (int i = 0; i < 100 && !strstr(c.in.data ? c.in.data : "", "100 Continue"); i++) cl_fill(&e, &c, 10);
    CHECK(c.in.data && strstr(c.in.data, "HTTP/1.1 100 Continue\r\n\r\n") != NULL);
    cl_send(&c, "abc");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "abc");
    resp_free(&r);
    cl_close(&c);
    env_close(&e);
}

static bool count_headers(sv_t name, sv_t value, void *ud)
{
    (*(int *)ud)++;
    return true;
}

static void h_headers(http_req_t *r, void *ud)
{
    int n = 0;
    http_req_headers_each(r, count_headers, &n);
    buf_t b = {0};
    buf_printf(&b, "n=%d a=[%s] cookie=[%s] peer=%s", n, http_req_header(r, "x-a"),
               http_req_header(r, "COOKIE"),
               strncmp(http_req_peer(r), "127.0.0.1:", 10) == 0 ? "ok" : http_req_peer(r));
    http_res_header(r, "X-Custom", "v\r\nInjected: 1");
    http_res_send_buf(r, 200, "text/plain", &b);
}

TEST(repeated_headers_are_joined)
{
    env_t e;
    env_start(&e, NULL);
    http_route(e.srv, "GET", "/h", h_headers, NULL);
    env_listen(&e);
    resp_t r =
        cl_roundtrip(&e, "GET /h HTTP/1.1\r\nX-A: 1\r\nCookie: a=1\r\nx-a: 2  \r\ncookie: b=2\r\n\r\n");
    CHECK_MEM(r.body.data, r.body.len, "n=4 a=[1, 2] cookie=[a=1; b=2] peer=ok");
    CHECK_STR(resp_header(&r, "X-Custom"), "v  Injected: 1");
    CHECK(resp_header(&r, "Injected") == NULL);
    resp_free(&r);
    env_close(&e);
}

TEST_MAIN()
