/* test_http_client.h — a small blocking-socket HTTP client for the core/http
 * tests, run against a server in the test's own uv loop.
 *
 * The server and the client share one thread: every client wait turns the
 * loop (UV_RUN_NOWAIT) and polls the socket in short slices until what it
 * waits for has arrived or its deadline passes. A test owns an env_t (loop +
 * server) and closes it with env_close, which checks the loop closes clean.
 */
#ifndef KB_TEST_HTTP_CLIENT_H
#define KB_TEST_HTTP_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include <uv.h>

#include "base/buf.h"
#include "http/http.h"
#include "test.h"

typedef struct env {
    uv_loop_t loop;
    http_server_t *srv;
    int port;
} env_t;

static inline void env_start(env_t *e, http_config_t *cfg)
{
    err_t err = {0};
    CHECK_INT(uv_loop_init(&e->loop), 0);
    http_config_t def = {0};
    if (!cfg) cfg = &def;
    if (!cfg->host) cfg->host = "127.0.0.1";
    e->srv = http_server_new(&e->loop, cfg, &err);
    if (!e->srv) TEST_FAIL_("http_server_new: %s", err.msg);
    e->port = 0;
}

static inline void env_listen(env_t *e)
{
    err_t err = {0};
    if (http_server_listen(e->srv, &err) != 0) TEST_FAIL_("listen: %s", err.msg);
    e->port = http_server_port(e->srv);
    CHECK(e->port > 0);
}

/* Turn the loop for about ms milliseconds. */
static inline void env_spin(env_t *e, int ms)
{
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
    while (uv_hrtime() < end) {
        uv_run(&e->loop, UV_RUN_NOWAIT);
        poll(NULL, 0, 1);
    }
}

static inline void env_close(env_t *e)
{
    http_server_close(e->srv);
    for (int i = 0; i < 1000 && uv_run(&e->loop, UV_RUN_NOWAIT); i++) poll(NULL, 0, 1);
    int r = uv_loop_close(&e->loop);
    if (r != 0) {
        uv_print_all_handles(&e->loop, stderr);
        TEST_FAIL_("loop did not close clean: %s", uv_strerror(r));
    }
}

typedef struct client {
    int fd;
    buf_t in;
    bool eof;
} client_t;

static inline client_t cl_connect(env_t *e)
{
    client_t c = {0};
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c.fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)e->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Loopback connects complete in the kernel's backlog: no loop turn needed. */
    CHECK_INT(connect(c.fd, (struct sockaddr *)&a, sizeof a), 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

static inline void cl_close(client_t *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    buf_free(&c->in);
}

static inline void cl_send_n(client_t *c, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) TEST_FAIL_("send failed: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
}

static inline void cl_send(client_t *c, const char *s)
{
    cl_send_n(c, s, strlen(s));
}

/* Turn the loop and read what has arrived; false once ms pass with nothing. */
static inline bool cl_fill(env_t *e, client_t *c, int ms)
{
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
    while (uv_hrtime() < end) {
        uv_run(&e->loop, UV_RUN_NOWAIT);
        struct pollfd pfd = {c->fd, POLLIN, 0};
        if (poll(&pfd, 1, 1) > 0) {
            char tmp[65536];
            ssize_t n = recv(c->fd, tmp, sizeof tmp, MSG_DONTWAIT);
            if (n > 0) {
                buf_append(&c->in, tmp, (size_t)n);
                return true;
            }
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                c->eof = true;
                return false;
            }
        }
    }
    return false;
}

/* Wait until the server closes the connection. */
static inline bool cl_wait_eof(env_t *e, client_t *c, int ms)
{
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
    while (!c->eof && uv_hrtime() < end) cl_fill(e, c, 10);
    return c->eof;
}

typedef struct resp {
    int status;
    char head[16384];
    buf_t body;
    bool chunked;
    int nchunks;
} resp_t;

static inline void resp_free(resp_t *r)
{
    buf_free(&r->body);
}

/* Value of header name in r (a static copy), or NULL. */
static inline const char *resp_header(const resp_t *r, const char *name)
{
    static char val[4096];
    size_t nl = strlen(name);
    const char *p = strstr(r->head, "\r\n");
    while (p && p[2]) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ') v++;
            const char *end = strstr(v, "\r\n");
            size_t n = end ? (size_t)(end - v) : strlen(v);
            if (n >= sizeof val) n = sizeof val - 1;
            memcpy(val, v, n);
            val[n] = '\0';
            return val;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

static inline size_t find_crlf2(const buf_t *b)
{
    for (size_t i = 0; i + 3 < b->len; i++)
        if (memcmp(b->data + i, "\r\n\r\n", 4) == 0) return i + 4;
    return 0;
}

/* Read one response. head_req: the request was HEAD (no body follows). */
static inline bool cl_response(env_t *e, client_t *c, resp_t *r, bool head_req, int ms)
{
    memset(r, 0, sizeof *r);
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
    size_t hl;
    while (!(hl = find_crlf2(&c->in))) {
        if (c->eof || uv_hrtime() > end) return false;
        cl_fill(e, c, 20);
    }
    if (hl >= sizeof r->head) return false;
    memcpy(r->head, c->in.data, hl);
    r->head[hl] = '\0';
    buf_consume(&c->in, hl);
    if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1) return false;
    if (r->status == 100) return cl_response(e, c, r, head_req, ms);
    const char *te = resp_header(r, "Transfer-Encoding");
    const char *cl = resp_header(r, "Content-Length");
    if (head_req || r->status == 204 || r->status == 304 || r->status == 101) return true;
    if (te && strstr(te, "chunked")) {
        r->chunked = true;
        for (;;) {
            char *crlf;
            while (!(crlf = c->in.len ? memmem(c->in.data, c->in.len, "\r\n", 2) : NULL)) {
                if (c->eof || uv_hrtime() > end) return false;
                cl_fill(e, c, 20);
            }
            size_t sz = strtoul(c->in.data, NULL, 16);
            size_t line = (size_t)(crlf - c->in.data) + 2;
            while (c->in.len < line + sz + 2) {
                if (c->eof || uv_hrtime() > end) return false;
                cl_fill(e, c, 20);
            }
            buf_append(&r->body, c->in.data + line, sz);
            buf_consume(&c->in, line + sz + 2);
            if (!sz) return true;
            r->nchunks++;
        }
    }
    if (cl) {
        size_t n = strtoul(cl, NULL, 10);
        while (c->in.len < n) {
            if (c->eof || uv_hrtime() > end) return false;
            cl_fill(e, c, 20);
        }
        buf_append(&r->body, c->in.data, n);
        buf_consume(&c->in, n);
        return true;
    }
    /* Delimited by close. */
    while (!c->eof && uv_hrtime() < end) cl_fill(e, c, 20);
    buf_append(&r->body, c->in.data, c->in.len);
    buf_consume(&c->in, c->in.len);
    return c->eof;
}

/* One request on a fresh connection; returns the response. */
static inline resp_t cl_roundtrip(env_t *e, const char *request)
{
    client_t c = cl_connect(e);
    cl_send(&c, request);
    resp_t r;
    if (!cl_response(e, &c, &r, strncmp(request, "HEAD ", 5) == 0, 3000))
        TEST_FAIL_("no complete response to: %.60s", request);
    cl_close(&c);
    return r;
}

#endif
