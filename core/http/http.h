/* http.h — the HTTP/1.1 and WebSocket server (llhttp on libuv, optional TLS).
 *
 * One server per listening socket, owned by the loop thread. Handlers are
 * registered on a router with method + pattern; a pattern is a path whose
 * segments may be `{name}` (one segment, available via http_req_param) or a
 * final `*` (the rest of the path, param name "*").
 *
 * Request lifecycle: the server calls the handler once the whole request
 * (headers and body, up to the body limit) has arrived. The handler must
 * finish the response exactly once — now (http_res_send) or later, from any
 * loop callback (the request stays valid until then). If the client goes
 * away first, the on_abort callback set with http_req_on_abort runs and the
 * request must not be used after it returns. Pipelined requests on one
 * connection are answered in order.
 *
 * Streaming: http_res_stream_begin sends the status and headers with chunked
 * encoding; http_res_stream_write queues one chunk; http_res_stream_end sends
 * the last chunk. http_req_pending_bytes tells how much is queued but not yet
 * written, so a producer can slow down or coalesce (never queue without
 * bound).
 *
 * WebSocket: a GET handler calls http_ws_upgrade; the request is finished by
 * that call and a ws_conn_t lives on until its on_close has run.
 *
 * Every response carries X-Request-Id: the request's own when it is a valid
 * token (1–128 of [A-Za-z0-9._-]), else a generated one.
 */
#ifndef KB_HTTP_H
#define KB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"

typedef struct http_server http_server_t;
typedef struct http_req http_req_t;
typedef struct ws_conn ws_conn_t;

typedef void (*http_handler_fn)(http_req_t *req, void *ud);

typedef struct http_config {
    const char *host;            /* "127.0.0.1"; "::" or "0.0.0.0" for all */
    int port;                    /* 0 = pick a free port */
    size_t max_header_bytes;     /* request line + headers; 0 → 16 KiB; 431 past it */
    size_t max_body_bytes;       /* 0 → 1 MiB; 413 past it */
    int max_connections;         /* 0 → 10000; 503 + close past it */
    int header_timeout_ms;       /* whole header must arrive within; 0 → 10 s (slowloris) */
    int body_timeout_ms;         /* idle gap allowed while a body is arriving; 0 → 30 s */
    int idle_timeout_ms;         /* keep-alive idle; 0 → 60 s */
    size_t ws_max_message_bytes; /* 0 → 1 MiB; close 1009 past it */
    /* TLS: both set → HTTPS. client_ca set → client certificates are
     * requested and verified against it (optional for the client). */
    const char *tls_cert_file;
    const char *tls_key_file;
    const char *tls_client_ca_file;
} http_config_t;

/* Called once per finished response (for metrics and the access log). route
 * is the matched pattern, or "" when none matched (including the server's own
 * 400/408/413/431/503 answers). A request whose client went away before its
 * response finished is reported too: with the streamed status if streaming
 * had begun, else 499. A WebSocket upgrade is reported as 101. */
typedef void (*http_observer_fn)(const http_req_t *req, const char *route, int status,
                                 uint64_t duration_ns, void *ud);

http_server_t *http_server_new(uv_loop_t *loop, const http_config_t *cfg, err_t *err);
/* Bind and listen; on success the actual port is http_server_port(). */
int http_server_listen(http_server_t *s, err_t *err);
int http_server_port(const http_server_t *s);
int http_server_connections(const http_server_t *s);
void http_server_set_observer(http_server_t *s, http_observer_fn fn, void *ud);
/* Stop accepting; let in-flight requests finish until deadline_ms from now,
 * then close everything (WebSockets get close code 1001). done runs once when
 * the last connection is gone (from the loop, never inside this call). Idle
 * keep-alive connections close at once; answers still owed carry
 * Connection: close. */
void http_server_drain(http_server_t *s, uint64_t deadline_ms, void (*done)(void *ud), void *ud);
/* Close every handle; free the server in the last close callback. */
void http_server_close(http_server_t *s);

/* Routing. Later registrations of the same method+pattern replace earlier
 * ones. method NULL matches every method. Returns 0 or ERR_INVALID for a bad
 * pattern. When a path matches a pattern but not its method, the server
 * answers 405 with Allow. */
int http_route(http_server_t *s, const char *method, const char *pattern, http_handler_fn fn, void *ud);
int http_unroute(http_server_t *s, const char *method, const char *pattern);
/* Handler for requests that match no route (default: 404 JSON error). */
void http_set_fallback(http_server_t *s, http_handler_fn fn, void *ud);

/* ---- request ---- */
const char *http_req_method(const http_req_t *r);    /* "GET" */
sv_t http_req_path(const http_req_t *r);             /* percent-decoded, no query */
sv_t http_req_raw_path(const http_req_t *r);         /* as sent, no query */
sv_t http_req_query_string(const http_req_t *r);     /* after '?', undecoded */
/* Decoded value of the first query parameter name, or NULL. Valid while r is. */
const char *http_req_query(http_req_t *r, const char *name);
/* All values of a repeated query parameter; returns the count written. */
size_t http_req_query_all(http_req_t *r, const char *name, const char **out, size_t max);
const char *http_req_param(const http_req_t *r, const char *name); /* route {name} */
/* Header value (case-insensitive name), or NULL. Repeated headers are joined
 * with ", " except Cookie ("; "). */
const char *http_req_header(const http_req_t *r, const char *name);
/* Visit every header in arrival order; stop when fn returns false. */
void http_req_headers_each(const http_req_t *r, bool (*fn)(sv_t name, sv_t value, void *ud), void *ud);
sv_t http_req_body(const http_req_t *r);
const char *http_req_id(const http_req_t *r);
const char *http_req_peer(const http_req_t *r);       /* "127.0.0.1:53211" */
/* Verified TLS client certificate subject: CN and the O entries (groups).
 * Returns false when there is none. */
bool http_req_client_cert(const http_req_t *r, const char **cn, const char **orgs, size_t *norgs,
                          size_t max_orgs);
uint64_t http_req_start_ns(const http_req_t *r);
/* Per-request scratch owned by the handler (freed by it, e.g. in on_abort). */
void http_req_set_data(http_req_t *r, void *data);
void *http_req_data(const http_req_t *r);
/* Called if the client disconnects before the response is finished. */
void http_req_on_abort(http_req_t *r, void (*fn)(http_req_t *r, void *ud), void *ud);

/* ---- response ---- */
/* Add a response header (copied). Must precede send / stream_begin. */
void http_res_header(http_req_t *r, const char *name, const char *value);
/* Whether the request's Accept-Encoding takes gzip (q > 0). */
bool http_req_accepts_gzip(const http_req_t *r);
/* out = the gzip of n bytes at src, deflate level 1 (fast) to 9; false on a
 * zlib failure. */
bool http_gzip(const void *src, size_t n, int level, buf_t *out);
/* Whole response. Content-Length is set; the body is written at once as
 * far as the socket takes it, and only the rest is copied. */
void http_res_send(http_req_t *r, int status, const char *content_type, const void *body, size_t len);
/* Whole response, taking ownership of body's bytes (no copy: what the
 * socket does not take at once is queued in place, freed once written). */
void http_res_send_buf(http_req_t *r, int status, const char *content_type, buf_t *body);
/* Whole response with a body the server borrows (a cached page shared by
 * many responses): release(ud) runs exactly once when the connection no
 * longer needs the bytes — within this call when the socket took them all.
 * The caller holds a reference on the owner's behalf until then. */
void http_res_send_borrowed(http_req_t *r, int status, const char *content_type, const void *body, size_t len,
                            void (*release)(void *ud), void *ud);
/* The error contract of API.md:
 * {"error":{"code":…,"message":…,"status":…,"requestId":…[,"cluster":…]}} */
void http_res_error(http_req_t *r, int status, const char *code, const char *message, const char *cluster);
void http_res_stream_begin(http_req_t *r, int status, const char *content_type);
/* Returns 0, or ERR_CONFLICT when the client is gone. */
int http_res_stream_write(http_req_t *r, const void *data, size_t len);
void http_res_stream_end(http_req_t *r);
size_t http_req_pending_bytes(const http_req_t *r);
/* Called each time queued output fully drains (for flow control). */
void http_req_on_drain(http_req_t *r, void (*fn)(http_req_t *r, void *ud), void *ud);

/* Serve a file below root for the relative path rel (already decoded):
 * rejects "..", sets Content-Type from the extension, ETag (size+mtime) with
 * If-None-Match → 304, and gzip when the client accepts it and the type is
 * compressible. Unknown file → 404. index.html for a directory. A ".."
 * segment (or a backslash) → 403 forbidden. Files up to 2 MiB are cached in
 * memory (with their gzip), revalidated by one stat() per request. Headers
 * added with http_res_header before the call (Cache-Control…) are kept. */
void http_res_file(http_req_t *r, const char *root, const char *rel);

/* A compiled-in file (the embedded UI). */
typedef struct http_asset {
    const char *path; /* "index.html", "assets/app-1a2b.js" */
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* gzip of data, or NULL */
    size_t gz_len;
    const char *etag; /* quoted */
} http_asset_t;
void http_res_asset(http_req_t *r, const http_asset_t *a);
const char *http_mime_type(const char *path);

/* ---- WebSocket (RFC 6455) ---- */
enum { WS_TEXT = 1, WS_BINARY = 2 };

typedef struct ws_handlers {
    void (*on_open)(ws_conn_t *c, void *ud);
    /* A whole (reassembled) message; text is valid UTF-8. */
    void (*on_message)(ws_conn_t *c, int opcode, const char *data, size_t len, void *ud);
    /* Runs once, whoever closed; c is freed after it returns. */
    void (*on_close)(ws_conn_t *c, int code, const char *reason, void *ud);
} ws_handlers_t;

/* Validate the upgrade request and switch protocols. On a bad handshake it
 * answers 400/426 itself and returns ERR_INVALID. ping_interval_ms 0 → 30 s;
 * a peer silent (no frame, no pong) for two intervals is dropped (1006).
 * on_open runs inside this call. Every callback gets ud; ws_data is a
 * separate per-connection slot, NULL until ws_set_data. on_close reports the
 * peer's close code, else the one the server sent (1002 protocol error, 1007
 * bad UTF-8, 1009 too big, 1001 drain, or ws_close's), else 1006. */
int http_ws_upgrade(http_req_t *r, const ws_handlers_t *h, void *ud, int ping_interval_ms);
/* WS_TEXT or WS_BINARY; ERR_CONFLICT once a close was sent or the peer is gone. */
int ws_send(ws_conn_t *c, int opcode, const void *data, size_t len);
/* The same for one message given in pieces (at most 8), sent as one frame
 * with one writev: a message body shared by many sockets is never copied
 * to prefix it (only what the socket does not take at once is queued). */
int ws_sendv(ws_conn_t *c, int opcode, const uv_buf_t *parts, size_t nparts);
/* Send a close frame; the connection ends when the peer answers (or after
 * 3 s). Nothing more may be sent. */
void ws_close(ws_conn_t *c, int code, const char *reason);
size_t ws_pending_bytes(const ws_conn_t *c);
void *ws_data(const ws_conn_t *c);
void ws_set_data(ws_conn_t *c, void *ud);
const char *ws_peer(const ws_conn_t *c);

#endif
