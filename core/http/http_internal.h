/* http_internal.h — the shared private structures of core/http.
 *
 * Only the .c files of core/http, its unit tests and fuzz targets include this. It says
 * how a server, a connection, a request and a WebSocket are laid out and names
 * the functions the files of the module call in each other:
 *
 *   server.c    listener, accept, connection lifecycle, timers, limits, drain,
 *               and the output queue (uv_try_write first, uv_write for the rest)
 *   parse.c     llhttp glue: bytes in → requests out, pipelining, errors
 *   router.c    the segment trie behind http_route / http_unroute
 *   request.c   request accessors (path, query, headers, params, id)
 *   response.c  status line + headers, whole and chunked responses, finish
 *   static.c    files from a directory, MIME types, ETag, gzip, assets
 *   tls.c       OpenSSL over memory BIOs
 *   ws.c        WebSocket upgrade and connection; ws_frame.c the frame codec
 *
 * Lifecycle of a connection: accepted (or made by http_conn_fake for the
 * fuzzers) → reading requests → each complete request is dispatched and the
 * parser stops until that request's response is finished (so pipelined
 * answers come out in order) → either back to reading, or upgraded to a
 * WebSocket, or ended: output flushed, write side shut, input drained for a
 * moment ("lingering close"), handles closed, freed in the last close
 * callback. One http_req_t is embedded in each connection and reused.
 */
#ifndef KB_HTTP_INTERNAL_H
#define KB_HTTP_INTERNAL_H

#include <llhttp.h>
#include <sys/types.h>

#include "base/arena.h"
#include "base/map.h"
#include "http/http.h"

typedef struct http_conn http_conn_t;
typedef struct http_tls http_tls_t;
typedef struct route_node route_node_t;

#define HTTP_MAX_PARAMS 16
#define HTTP_MAX_HEADERS 256
#define HTTP_READ_BUF (64 * 1024)
#define HTTP_LINGER_MS 1000

/* One header of a request: offsets into req->head (which may move while it
 * grows, so no pointers until the head is complete). */
typedef struct http_hdr {
    uint32_t name_off, name_len, val_off, val_len;
} http_hdr_t;

/* One piece of a connection's output queue: bytes not yet written, either
 * copied into the segment's own block (small writes are gathered there) or
 * borrowed from an owner (a large body) and given back with release. */
typedef struct http_oseg {
    struct http_oseg *next;
    char *data;
    size_t off, len, cap;          /* unwritten: data[off, len); cap > 0: own block, appendable */
    void (*release)(void *ud);     /* borrowed: called once when written or dropped */
    void *ud;
    bool busy;                     /* handed to uv_write: no more appends */
} http_oseg_t;

typedef struct http_param {
    const char *name;
    const char *value;
} http_param_t;

/* What the router found for a request. */
typedef struct route_entry {
    char *method; /* NULL = every method */
    http_handler_fn fn;
    void *ud;
    const char *pattern; /* interned in the router, lives as long as the server */
    char **pnames;       /* names of the {params} in path order ("*" for a tail) */
    int npnames;
} route_entry_t;

typedef struct http_router {
    route_node_t *root;
    map_t patterns; /* pattern → interned copy (never freed before the server) */
} http_router_t;

enum { RES_NONE, RES_STREAM, RES_DONE };

struct http_req {
    http_conn_t *conn;
    /* --- filled while parsing --- */
    buf_t head; /* URL and header names/values, each NUL-terminated */
    http_hdr_t *hdrs;
    uint32_t nhdrs, hdr_cap;
    uint32_t url_off, url_len;
    int hdr_state; /* 0 none, 1 in a name, 2 in a value */
    buf_t body;
    uint8_t http_minor;
    bool keep_alive, head_only, upgrade, complete;
    /* --- derived at dispatch --- */
    const char *method;
    sv_t raw_path, query, path;
    arena_t scratch; /* lazily decoded values; reset per request */
    const char *route;
    http_param_t params[HTTP_MAX_PARAMS];
    int nparams;
    char id[132];
    uint64_t start_ns;
    /* --- response --- */
    buf_t res_hdrs; /* "Name: value\r\n" added by the handler */
    int status;
    int res_state;
    bool chunked;
    bool res_close; /* the handler asked for Connection: close */
    void *data;
    void (*on_abort)(http_req_t *r, void *ud);
    void *abort_ud;
    void (*on_drain)(http_req_t *r, void *ud);
    void *drain_ud;
};

enum {
    CONN_HEAD_IDLE, /* between requests */
    CONN_HEAD,      /* a request has begun; its head is arriving */
    CONN_BODY,
    CONN_ACTIVE, /* dispatched; waiting for the response */
    CONN_WS,
    CONN_ENDING, /* final output queued; closes when it is written */
    CONN_LINGER, /* write side shut; discarding input until EOF or timeout */
    CONN_CLOSED,
};

struct http_conn {
    http_server_t *srv;
    http_conn_t *prev, *next; /* the server's list */
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wreq;
    uv_shutdown_t shreq;
    llhttp_t parser;
    int state;
    bool counted;    /* counts toward max_connections */
    bool reading;    /* uv_read_start is on */
    bool writing;    /* wreq is in flight */
    bool in_process; /* inside conn_process: finishing must not recurse */
    bool resume_queued;
    bool parse_paused_upgrade;
    bool broken; /* a write failed: close from the loop, not the caller */
    bool peer_eof;
    bool tls_shut;        /* close_notify queued */
    int handles;          /* handles still to be closed before free */
    int err_status;       /* status a parse callback asked for (413, 431) */
    uint64_t deadline_ms; /* lazy timer: when the current phase expires */
    uint64_t timer_due;   /* when the uv timer is armed for, 0 = stopped */
    buf_t pending;        /* input received but not yet consumed */
    http_oseg_t *oq_head, *oq_tail; /* output the socket has not taken yet, in order */
    size_t oq_bytes;      /* its unwritten bytes */
    int oq_inflight;      /* how many of the first segments uv_write has */
    buf_t obuf;           /* scratch for a response head / frame header */
    http_conn_t *resume_next;
    http_req_t req;
    ws_conn_t *ws;
    http_tls_t *tls;
    buf_t *fake_out; /* non-NULL: no socket, output appended here */
    char peer[64];
};

struct http_server {
    uv_loop_t *loop;
    http_config_t cfg;
    char *host, *cert, *key, *ca;
    uv_tcp_t listener;
    uv_idle_t resume_idle;
    uv_timer_t drain_timer;
    int handles; /* server-level handles not yet closed */
    bool listening, closing, draining;
    int port;
    http_router_t router;
    http_handler_fn fallback;
    void *fallback_ud;
    http_observer_fn observer;
    void *observer_ud;
    http_conn_t *conns; /* every live connection */
    int nconns;         /* counted connections */
    int nall;           /* all connections, counted or not */
    http_conn_t *resume_head, *resume_tail;
    void (*drain_done)(void *ud);
    void *drain_ud;
    char *readbuf; /* shared by every read callback (they never nest) */
    uint64_t rng;
    char date[40];
    int64_t date_sec;
    void *ssl_ctx;
    char *tls_plain; /* decrypted input, shared like readbuf */
    map_t files;     /* static file cache: full path → file_entry */
    size_t files_bytes;
};

/* ---- server.c ---- */
/* Queue bytes for the peer (after TLS). Returns 0 or ERR_CONFLICT when the
 * connection is gone. */
int conn_write_raw(http_conn_t *c, const uv_buf_t *bufs, int n);
/* Queue plaintext: through TLS when on. */
int conn_send(http_conn_t *c, const uv_buf_t *bufs, int n);
/* The same, followed by body, which is borrowed rather than copied: what the
 * socket does not take at once stays queued in place, and release(ud) runs
 * exactly once when the connection no longer needs it (possibly within this
 * call; always, even when the connection is gone). */
int conn_send_borrowed(http_conn_t *c, const uv_buf_t *bufs, int n, const char *body, size_t len,
                       void (*release)(void *ud), void *ud);
size_t conn_pending_bytes(const http_conn_t *c);
/* Finish the connection once queued output is written. */
void conn_end(http_conn_t *c);
/* Close now (aborting an unfinished request). */
void conn_close(http_conn_t *c);
/* The response to the active request is finished: go on with the next. */
void conn_request_done(http_conn_t *c, bool keep_alive);
/* Go on with input kept while a response was outstanding (from the loop). */
void conn_resume(http_conn_t *c);
/* Set when the current phase (header/body/idle/linger/ws tick) expires. */
void conn_set_deadline(http_conn_t *c, uint64_t ms_from_now);
/* Feed received plaintext to the parser or WebSocket; keeps what it cannot
 * use yet in c->pending. */
void conn_input(http_conn_t *c, char *data, size_t len);
const char *http_server_date(http_server_t *s);
void http_gen_id(http_server_t *s, char out[17]);

/* ---- parse.c ---- */
void http_parser_init(http_conn_t *c);
/* Consume as much of data as can be used now; returns the bytes used. */
size_t http_parse(http_conn_t *c, char *data, size_t len);

/* ---- router.c ---- */
void router_init(http_router_t *rt);
void router_free(http_router_t *rt);
int router_add(http_router_t *rt, const char *method, const char *pattern, http_handler_fn fn, void *ud);
int router_del(http_router_t *rt, const char *method, const char *pattern);
/* Match r's path: fills r->params and returns the entry, or NULL. On NULL,
 * *allow holds the methods allowed for the path ("" when no pattern matched
 * the path) and *bad_path is set when the path had a bad %-escape. */
const route_entry_t *router_match(http_router_t *rt, http_req_t *r, buf_t *allow, bool *bad_path);

/* ---- request.c ---- */
void req_reset(http_req_t *r);
void req_free(http_req_t *r);
/* Fill the derived fields once the request is complete; false on a bad URL. */
bool req_prepare(http_req_t *r);
/* Take a valid X-Request-Id from the headers, else generate one. */
void req_set_id(http_req_t *r);

/* ---- response.c ---- */
/* Write the status line and common headers into out. body_len < 0 → chunked;
 * extra is a block of "Name: value\r\n" lines. */
void res_head(http_req_t *r, buf_t *out, int status, const char *content_type, long long body_len,
              bool keep_alive);
/* Answer a request the server itself rejects (parse errors, limits), then
 * close the connection. */
void res_reject(http_conn_t *c, int status, const char *code, const char *message);
const char *http_status_text(int status);
/* Report a finished (or dead) request to the observer. */
void res_observe(http_req_t *r, int status);
/* Called by conn_close when the request dies unfinished. */
void res_abort(http_req_t *r);

/* ---- tls.c ---- */
int tls_ctx_new(http_server_t *s, err_t *err);
void tls_ctx_free(http_server_t *s);
int tls_conn_new(http_conn_t *c);
void tls_conn_free(http_conn_t *c);
/* Ciphertext in: decrypts and calls conn_input; sends handshake output. */
int tls_read(http_conn_t *c, const char *data, size_t len);
int tls_send(http_conn_t *c, const uv_buf_t *bufs, int n);
void tls_shutdown(http_conn_t *c);
bool tls_client_cert(const http_conn_t *c, const char **cn, const char **orgs, size_t *norgs, size_t max);

/* ---- static.c ---- */
void static_cache_free(http_server_t *s);

/* ---- ws.c / ws_frame.c ---- */
/* Consume frames from data; returns the bytes used (a partial frame stays). */
size_t ws_input(ws_conn_t *w, char *data, size_t len);
void ws_tick(ws_conn_t *w);        /* the connection timer fired */
void ws_conn_closed(ws_conn_t *w); /* runs on_close and frees w */
void ws_drain(ws_conn_t *w);       /* server drain: close 1001 */

typedef struct ws_frame {
    bool fin, masked;
    int opcode;
    uint8_t mask[4];
    uint64_t len;   /* payload length */
    size_t hdr_len; /* bytes before the payload */
} ws_frame_t;

/* Decode a frame header at p. Returns hdr_len (> 0) when complete, 0 when
 * more bytes are needed, or -code (1002) for a protocol error. Clients must
 * mask (require_mask). */
int ws_frame_decode(const uint8_t *p, size_t n, bool require_mask, ws_frame_t *f);
/* XOR payload bytes with the mask, starting at payload offset off. */
void ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], size_t off);
/* Write an unmasked server frame header; returns its length (2..10). */
size_t ws_frame_header(uint8_t out[10], int opcode, bool fin, uint64_t len);
bool ws_utf8_valid(const uint8_t *p, size_t n);
/* A close code a peer may send (RFC 6455 §7.4). */
bool ws_close_code_valid(int code);

/* ---- fuzzing / tests: a connection with no socket ---- */
/* Output is appended to out; handlers run as usual. Free with
 * http_conn_fake_free, then run the loop once so timer handles close. */
http_conn_t *http_conn_fake(http_server_t *s, buf_t *out);
void http_conn_feed(http_conn_t *c, const char *data, size_t len);
void http_conn_fake_free(http_conn_t *c);

#endif
