/* server.c — the listener and the life of each connection.
 *
 * Provides http_server_new/listen/close/drain and the connection machinery
 * the rest of core/http stands on: accept with a connection limit, the read
 * path (one shared read buffer per server; bytes a connection cannot use yet
 * are kept in its own pending buffer), the write path (uv_try_write first,
 * then one uv_write at a time from a per-connection queue of segments:
 * small writes copied into blocks, large bodies borrowed in place), one lazily
 * re-armed timer per connection for the header/body/idle/linger phases and
 * WebSocket pings, and closing: abort callbacks run before the handles are
 * closed, memory is freed in the last close callback.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "http/http_internal.h"

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b);
static void conn_shutdown(http_conn_t *c);
static void server_check_done(http_server_t *s);

/* ---- small helpers ---- */

static uint64_t rng_seed(void)
{
    uint64_t seed = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &seed, sizeof seed) != (ssize_t)sizeof seed) seed = 0;
        close(fd);
    }
    /* Falling back to time and pid keeps ids distinct, if not unguessable. */
    if (!seed) seed = uv_hrtime() ^ ((uint64_t)getpid() << 32);
    return seed ? seed : 0x9E3779B97F4A7C15ull;
}

void http_gen_id(http_server_t *s, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    uint64_t v = x * 0x2545F4914F6CDD1Dull;
    for (int i = 15; i >= 0; i--, v >>= 4) out[i] = hex[v & 15];
    out[16] = '\0';
}

const char *http_server_date(http_server_t *s)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    if (now != s->date_sec) {
        struct tm tm;
        gmtime_r(&now, &tm);
        /* Built by hand: strftime's names follow the locale. */
        snprintf(s->date, sizeof s->date, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
                 tm.tm_mday, mons[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        s->date_sec = now;
    }
    return s->date;
}

static void peer_name(http_conn_t *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            uv_ip4_name(a, ip, sizeof ip);
            port = ntohs(a->sin_port);
            snprintf(c->peer, sizeof c->peer, "%s:%d", ip, port);
            return;
        }
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            uv_ip6_name(a, ip, sizeof ip);
            port = ntohs(a->sin6_port);
            snprintf(c->peer, sizeof c->peer, "[%s]:%d", ip, port);
            return;
        }
    }
    snprintf(c->peer, sizeof c->peer, "unknown");
}

/* ---- timers ---- */

static void on_conn_timer(uv_timer_t *t)
{
    http_conn_t *c = t->data;
    c->timer_due = 0;
    if (!c->deadline_ms || c->state == CONN_CLOSED) return;
    uint64_t now = uv_now(c->srv->loop);
    if (now < c->deadline_ms) {
        /* The deadline moved later since the timer was armed: re-arm rather
         * than restart the timer on every request. */
        uv_timer_start(&c->timer, on_conn_timer, c->deadline_ms - now, 0);
        c->timer_due = c->deadline_ms;
        return;
    }
    c->deadline_ms = 0;
    switch (c->state) {
    case CONN_HEAD:
    case CONN_BODY:
        res_reject(c, 408, "request_timeout",
                   c->state == CONN_HEAD ? "request header not received in time"
                                         : "request body not received in time");
        break;
    case CONN_WS:
        ws_tick(c->ws);
        break;
    case CONN_ACTIVE:
        break;
    default: /* idle keep-alive, stuck final write, lingering */
        conn_close(c);
        break;
    }
}

void conn_set_deadline(http_conn_t *c, uint64_t ms)
{
    if (!ms) {
        c->deadline_ms = 0;
        return;
    }
    uint64_t due = uv_now(c->srv->loop) + ms;
    c->deadline_ms = due;
    if (!c->timer_due || due < c->timer_due) {
        uv_timer_start(&c->timer, on_conn_timer, ms, 0);
        c->timer_due = due;
    }
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    http_conn_t *c = h->data;
    (void)hint;
    b->base = c->srv->readbuf;
    b->len = HTTP_READ_BUF;
}

static void conn_read_start(http_conn_t *c)
{
    if (c->reading || c->fake_out || c->state == CONN_CLOSED) return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = true;
}

static void conn_read_stop(http_conn_t *c)
{
    if (!c->reading) return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
}

/* How much unconsumed input a connection may hold before it stops reading:
 * one maximal head for HTTP, one maximal frame for a WebSocket. */
static size_t pending_cap(const http_conn_t *c)
{
    const http_config_t *cfg = &c->srv->cfg;
    return (c->state == CONN_WS ? cfg->ws_max_message_bytes : cfg->max_header_bytes) + HTTP_READ_BUF;
}

/* Run the parser (or the WebSocket decoder) over data until it has used all
 * of it or cannot go on (a response is outstanding, the connection ends). */
static size_t conn_process(http_conn_t *c, char *data, size_t len)
{
    size_t used = 0;
    c->in_process = true;
    while (used < len) {
        int before = c->state;
        size_t n;
        if (c->state == CONN_WS)
            n = ws_input(c->ws, data + used, len - used);
        else if (c->state <= CONN_BODY)
            n = http_parse(c, data + used, len - used);
        else
            break;
        used += n;
        if (n == 0 && c->state == before) break;
    }
    c->in_process = false;
    return used;
}

static void conn_after_input(http_conn_t *c)
{
    if (c->state >= CONN_ENDING) {
        buf_free(&c->pending);
        return;
    }
    if (c->pending.len > pending_cap(c))
        conn_read_stop(c);
    else if (!c->broken)
        conn_read_start(c);
}

static void conn_process_pending(http_conn_t *c)
{
    size_t used = conn_process(c, c->pending.data, c->pending.len);
    if (c->state < CONN_ENDING) {
        buf_consume(&c->pending, used);
        if (!c->pending.len && c->pending.cap > 4 * HTTP_READ_BUF) buf_free(&c->pending);
    }
    conn_after_input(c);
}

void conn_input(http_conn_t *c, char *data, size_t len)
{
    if (c->state >= CONN_ENDING) return;
    if (c->pending.len) {
        /* Older bytes wait ahead of these: keep the order. */
        buf_append(&c->pending, data, len);
        if (c->state != CONN_ACTIVE)
            conn_process_pending(c);
        else
            conn_after_input(c);
        return;
    }
    size_t used = conn_process(c, data, len);
    if (used < len && c->state < CONN_ENDING) buf_append(&c->pending, data + used, len - used);
    conn_after_input(c);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    http_conn_t *c = st->data;
    if (n == 0) return;
    if (n < 0) {
        c->peer_eof = true;
        conn_read_stop(c);
        /* A peer that half-closes after its last request still gets the
         * answer that is being written. */
        if (c->state == CONN_ENDING && n == UV_EOF) return;
        conn_close(c);
        return;
    }
    if (c->state >= CONN_ENDING) return; /* discarding while we close */
    if (c->tls) {
        if (tls_read(c, b->base, (size_t)n) < 0) conn_close(c);
        return;
    }
    conn_input(c, b->base, (size_t)n);
}

/* ---- resuming after an asynchronous response ---- */

static void on_resume_idle(uv_idle_t *h)
{
    http_server_t *s = h->data;
    http_conn_t *list = s->resume_head;
    s->resume_head = s->resume_tail = NULL;
    uv_idle_stop(&s->resume_idle);
    while (list) {
        http_conn_t *c = list;
        list = c->resume_next;
        c->resume_next = NULL;
        c->resume_queued = false;
        if (c->state == CONN_CLOSED) continue;
        if (c->broken) {
            conn_close(c);
            continue;
        }
        if (c->pending.len && (c->state < CONN_ACTIVE || c->state == CONN_WS))
            conn_process_pending(c);
        else
            conn_after_input(c);
    }
}

static void conn_queue_resume(http_conn_t *c)
{
    http_server_t *s = c->srv;
    if (c->resume_queued || c->state == CONN_CLOSED) return;
    c->resume_queued = true;
    c->resume_next = NULL;
    if (s->resume_tail)
        s->resume_tail->resume_next = c;
    else
        s->resume_head = c;
    s->resume_tail = c;
    if (!s->closing) uv_idle_start(&s->resume_idle, on_resume_idle);
}

static void conn_unqueue_resume(http_conn_t *c)
{
    http_server_t *s = c->srv;
    if (!c->resume_queued) return;
    http_conn_t *prev = NULL;
    for (http_conn_t *it = s->resume_head; it; prev = it, it = it->resume_next) {
        if (it != c) continue;
        if (prev)
            prev->resume_next = c->resume_next;
        else
            s->resume_head = c->resume_next;
        if (s->resume_tail == c) s->resume_tail = prev;
        break;
    }
    c->resume_queued = false;
    c->resume_next = NULL;
}

void conn_resume(http_conn_t *c)
{
    if (c->in_process || c->state == CONN_CLOSED) return;
    if (c->pending.len || c->broken)
        conn_queue_resume(c);
    else
        conn_after_input(c);
}

void conn_request_done(http_conn_t *c, bool keep_alive)
{
    if (c->state != CONN_ACTIVE) return;
    if (!keep_alive || c->srv->draining || c->srv->closing) {
        conn_end(c);
        return;
    }
    c->state = CONN_HEAD_IDLE;
    conn_set_deadline(c, (uint64_t)c->srv->cfg.idle_timeout_ms);
    conn_resume(c);
}

/* ---- writing ----
 *
 * The output queue is a list of segments (http_oseg_t). Small writes are
 * copied into the tail segment's block while it has room and is not being
 * written; a borrowed body is queued as its own segment without a copy.
 * One uv_write at a time covers the first segments (up to OQ_IOV); they are
 * freed or released when it completes. */

#define OQ_IOV 16
#define OQ_BLOCK (16 * 1024)

static void on_write(uv_write_t *w, int status);

static void oseg_free(http_oseg_t *g)
{
    if (g->release) g->release(g->ud);
    else free(g->data);
    free(g);
}

static void oq_push(http_conn_t *c, http_oseg_t *g)
{
    g->next = NULL;
    if (c->oq_tail) c->oq_tail->next = g;
    else c->oq_head = g;
    c->oq_tail = g;
    c->oq_bytes += g->len - g->off;
}

/* Copy bytes to the end of the queue. */
static void oq_copy(http_conn_t *c, const char *p, size_t n)
{
    http_oseg_t *t = c->oq_tail;
    bool appendable = t && t->cap && !t->busy;
    if (appendable && t->cap - t->len >= n) {
        memcpy(t->data + t->len, p, n);
        t->len += n;
        c->oq_bytes += n;
        return;
    }
    http_oseg_t *g = xcalloc(1, sizeof *g);
    g->cap = n > OQ_BLOCK ? n : OQ_BLOCK;
    g->data = xmalloc(g->cap);
    memcpy(g->data, p, n);
    g->len = n;
    oq_push(c, g);
}

static void oq_free_all(http_conn_t *c)
{
    while (c->oq_head) {
        http_oseg_t *g = c->oq_head;
        c->oq_head = g->next;
        oseg_free(g);
    }
    c->oq_tail = NULL;
    c->oq_bytes = 0;
    c->oq_inflight = 0;
}

static void conn_start_write(http_conn_t *c)
{
    uv_buf_t b[OQ_IOV];
    int n = 0;
    for (http_oseg_t *g = c->oq_head; g && n < OQ_IOV; g = g->next) {
        b[n++] = uv_buf_init(g->data + g->off, (unsigned)(g->len - g->off));
        g->busy = true;
    }
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, b, (unsigned)n, on_write) != 0) {
        for (http_oseg_t *g = c->oq_head; g; g = g->next) g->busy = false;
        c->broken = true;
        conn_queue_resume(c);
        return;
    }
    c->oq_inflight = n;
    c->writing = true;
}

static void on_write(uv_write_t *w, int status)
{
    http_conn_t *c = w->data;
    c->writing = false;
    /* the segments of that write are done (or, on error, moot) */
    for (int i = 0; i < c->oq_inflight && c->oq_head; i++) {
        http_oseg_t *g = c->oq_head;
        c->oq_head = g->next;
        if (!c->oq_head) c->oq_tail = NULL;
        c->oq_bytes -= g->len - g->off;
        oseg_free(g);
    }
    c->oq_inflight = 0;
    if (c->state == CONN_CLOSED) {
        oq_free_all(c);
        return;
    }
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->oq_head) {
        conn_start_write(c);
        return;
    }
    if (c->state == CONN_ENDING) {
        conn_shutdown(c);
    } else if (c->state == CONN_ACTIVE && c->req.on_drain) {
        c->req.on_drain(&c->req, c->req.drain_ud);
    }
}

/* Write bufs (and a borrowed body after them) now as far as the socket
 * takes them; queue the rest. */
static int conn_write_parts(http_conn_t *c, const uv_buf_t *bufs, int n, const char *body, size_t blen,
                            void (*release)(void *ud), void *ud)
{
    if (c->state == CONN_CLOSED || c->state == CONN_LINGER || c->broken) {
        if (release) release(ud);
        return ERR_CONFLICT;
    }
    if (c->fake_out) {
        for (int i = 0; i < n; i++) buf_append(c->fake_out, bufs[i].base, bufs[i].len);
        if (blen) buf_append(c->fake_out, body, blen);
        if (release) release(ud);
        return 0;
    }
    size_t skip = 0;
    if (!c->writing && !c->oq_head) {
        uv_buf_t all[OQ_IOV + 1];
        int k = 0;
        for (int i = 0; i < n && k < OQ_IOV; i++) all[k++] = bufs[i];
        if (blen && k < OQ_IOV + 1) all[k++] = uv_buf_init((char *)body, (unsigned)blen);
        int r = k ? uv_try_write((uv_stream_t *)&c->tcp, all, (unsigned)k) : 0;
        if (r >= 0) {
            skip = (size_t)r;
        } else if (r != UV_EAGAIN && r != UV_ENOSYS) {
            /* Closing here would run abort callbacks inside the caller's
             * own call: mark the connection and close it from the loop. */
            c->broken = true;
            conn_queue_resume(c);
            if (release) release(ud);
            return ERR_CONFLICT;
        }
    }
    for (int i = 0; i < n; i++) {
        if (skip >= bufs[i].len) {
            skip -= bufs[i].len;
            continue;
        }
        oq_copy(c, bufs[i].base + skip, bufs[i].len - skip);
        skip = 0;
    }
    if (blen && skip < blen) {
        http_oseg_t *g = xcalloc(1, sizeof *g);
        g->data = (char *)body;
        g->off = skip;
        g->len = blen;
        g->release = release ? release : NULL;
        g->ud = ud;
        if (!release) {
            /* nobody owns it beyond this call: copy after all */
            g->data = xmemdup(body + skip, blen - skip);
            g->off = 0;
            g->len = g->cap = blen - skip;
        }
        oq_push(c, g);
    } else if (release) {
        release(ud);
    }
    if (c->oq_head && !c->writing) conn_start_write(c);
    return 0;
}

int conn_write_raw(http_conn_t *c, const uv_buf_t *bufs, int n)
{
    return conn_write_parts(c, bufs, n, NULL, 0, NULL, NULL);
}

int conn_send(http_conn_t *c, const uv_buf_t *bufs, int n)
{
    if (c->tls) return tls_send(c, bufs, n);
    return conn_write_raw(c, bufs, n);
}

int conn_send_borrowed(http_conn_t *c, const uv_buf_t *bufs, int n, const char *body, size_t len,
                       void (*release)(void *ud), void *ud)
{
    if (c->tls) {
        /* encrypted output is new bytes anyway */
        uv_buf_t all[OQ_IOV + 1];
        int k = 0;
        for (int i = 0; i < n && k < OQ_IOV; i++) all[k++] = bufs[i];
        if (len) all[k++] = uv_buf_init((char *)body, (unsigned)len);
        int rc = tls_send(c, all, k);
        if (release) release(ud);
        return rc;
    }
    return conn_write_parts(c, bufs, n, body, len, release, ud);
}

size_t conn_pending_bytes(const http_conn_t *c)
{
    return c->oq_bytes;
}

/* ---- ending and closing ---- */

static void on_shutdown(uv_shutdown_t *req, int status)
{
    http_conn_t *c = req->data;
    if (c->state == CONN_CLOSED) return;
    if (status < 0 || c->peer_eof) {
        conn_close(c);
        return;
    }
    /* Keep reading (and discarding) for a moment so the peer's unread
     * request bytes do not turn our last answer into a reset. */
    conn_read_start(c);
}

static void conn_shutdown(http_conn_t *c)
{
    if (c->fake_out) {
        conn_close(c);
        return;
    }
    if (c->tls && !c->tls_shut) {
        c->tls_shut = true;
        tls_shutdown(c);
        if (c->writing) return; /* on_write comes back here */
    }
    c->state = CONN_LINGER;
    conn_set_deadline(c, HTTP_LINGER_MS);
    c->shreq.data = c;
    if (uv_shutdown(&c->shreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) conn_close(c);
}

void conn_end(http_conn_t *c)
{
    if (c->state >= CONN_ENDING) return;
    c->state = CONN_ENDING;
    if (c->ws) {
        /* The close handshake is done (or failed): the WebSocket is over even
         * though its last bytes may still be on their way out. */
        ws_conn_t *w = c->ws;
        c->ws = NULL;
        ws_conn_closed(w);
    }
    /* A peer that never reads its last answer must not hold us forever. */
    conn_set_deadline(c, (uint64_t)c->srv->cfg.idle_timeout_ms);
    if (!c->in_process) buf_free(&c->pending);
    if (!c->writing && !c->oq_head && !c->broken)
        conn_shutdown(c);
    else if (c->broken)
        conn_queue_resume(c);
}

static void on_conn_closed(uv_handle_t *h)
{
    http_conn_t *c = h->data;
    if (--c->handles > 0) return;
    http_server_t *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->nall--;
    req_free(&c->req);
    buf_free(&c->pending);
    oq_free_all(c);
    buf_free(&c->obuf);
    tls_conn_free(c);
    free(c);
    server_check_done(s);
}

void conn_close(http_conn_t *c)
{
    if (c->state == CONN_CLOSED) return;
    int prev = c->state;
    http_server_t *s = c->srv;
    c->state = CONN_CLOSED;
    conn_unqueue_resume(c);
    if (c->counted) {
        c->counted = false;
        s->nconns--;
    }
    if (prev == CONN_ACTIVE) res_abort(&c->req);
    if (c->ws) {
        ws_conn_t *w = c->ws;
        c->ws = NULL;
        ws_conn_closed(w);
    }
    c->reading = false;
    if (c->fake_out) {
        c->handles = 1;
    } else {
        c->handles = 2;
        uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
    }
    uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

/* ---- accepting ---- */

static http_conn_t *conn_new(http_server_t *s)
{
    http_conn_t *c = xcalloc(1, sizeof *c);
    c->srv = s;
    c->req.conn = c;
    c->req.scratch.block_size = 2048;
    req_reset(&c->req);
    uv_timer_init(s->loop, &c->timer);
    c->timer.data = c;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->nall++;
    return c;
}

static void on_accept(uv_stream_t *ls, int status)
{
    http_server_t *s = ls->data;
    if (status < 0) {
        log_warn("http accept failed", "error=%s", uv_strerror(status));
        return;
    }
    http_conn_t *c = conn_new(s);
    uv_tcp_init(s->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(c);
    if (s->nconns >= s->cfg.max_connections || s->draining) {
        /* Over the limit: a plain-HTTP peer is told why; a TLS peer cannot
         * read anything before a handshake, so it is only closed. */
        if (s->ssl_ctx) {
            conn_close(c);
        } else {
            c->state = CONN_HEAD_IDLE;
            res_reject(c, 503, "unavailable", "too many connections");
        }
        return;
    }
    c->counted = true;
    s->nconns++;
    if (s->ssl_ctx && tls_conn_new(c) != 0) {
        conn_close(c);
        return;
    }
    http_parser_init(c);
    c->state = CONN_HEAD_IDLE;
    /* A fresh connection must start its request as promptly as a started
     * request must finish its head. */
    int first =
        s->cfg.header_timeout_ms < s->cfg.idle_timeout_ms ? s->cfg.header_timeout_ms : s->cfg.idle_timeout_ms;
    conn_set_deadline(c, (uint64_t)first);
    conn_read_start(c);
}

/* ---- the server ---- */

static void on_server_handle_closed(uv_handle_t *h)
{
    http_server_t *s = h->data;
    s->handles--;
    server_check_done(s);
}

static void server_free(http_server_t *s)
{
    router_free(&s->router);
    tls_ctx_free(s);
    static_cache_free(s);
    free(s->host);
    free(s->cert);
    free(s->key);
    free(s->ca);
    free(s->readbuf);
    free(s);
}

static void server_check_done(http_server_t *s)
{
    if (s->draining && s->nall == 0 && s->drain_done) {
        void (*done)(void *) = s->drain_done;
        s->drain_done = NULL;
        if (!s->closing) uv_timer_stop(&s->drain_timer);
        done(s->drain_ud);
    }
    if (s->closing && s->handles == 0 && s->nall == 0) server_free(s);
}

http_server_t *http_server_new(uv_loop_t *loop, const http_config_t *cfg, err_t *err)
{
    http_server_t *s = xcalloc(1, sizeof *s);
    s->loop = loop;
    s->cfg = *cfg;
    s->host = xstrdup(cfg->host ? cfg->host : "127.0.0.1");
    s->cfg.host = s->host;
    if (!s->cfg.max_header_bytes) s->cfg.max_header_bytes = 16 * 1024;
    if (!s->cfg.max_body_bytes) s->cfg.max_body_bytes = 1024 * 1024;
    if (s->cfg.max_connections <= 0) s->cfg.max_connections = 10000;
    if (s->cfg.header_timeout_ms <= 0) s->cfg.header_timeout_ms = 10000;
    if (s->cfg.body_timeout_ms <= 0) s->cfg.body_timeout_ms = 30000;
    if (s->cfg.idle_timeout_ms <= 0) s->cfg.idle_timeout_ms = 60000;
    if (!s->cfg.ws_max_message_bytes) s->cfg.ws_max_message_bytes = 1024 * 1024;
    if (cfg->port < 0 || cfg->port > 65535) {
        err_set(err, ERR_INVALID, "http: port %d out of range", cfg->port);
        goto fail;
    }
    if (!cfg->tls_cert_file != !cfg->tls_key_file) {
        err_set(err, ERR_INVALID, "http: TLS needs both a certificate and a key file");
        goto fail;
    }
    if (cfg->tls_client_ca_file && !cfg->tls_cert_file) {
        err_set(err, ERR_INVALID, "http: a client CA needs TLS (certificate and key)");
        goto fail;
    }
    s->cert = cfg->tls_cert_file ? xstrdup(cfg->tls_cert_file) : NULL;
    s->key = cfg->tls_key_file ? xstrdup(cfg->tls_key_file) : NULL;
    s->ca = cfg->tls_client_ca_file ? xstrdup(cfg->tls_client_ca_file) : NULL;
    s->cfg.tls_cert_file = s->cert;
    s->cfg.tls_key_file = s->key;
    s->cfg.tls_client_ca_file = s->ca;
    if (s->cert && tls_ctx_new(s, err) != 0) goto fail;
    s->readbuf = xmalloc(HTTP_READ_BUF);
    s->rng = rng_seed();
    router_init(&s->router);
    uv_idle_init(loop, &s->resume_idle);
    s->resume_idle.data = s;
    uv_timer_init(loop, &s->drain_timer);
    s->drain_timer.data = s;
    s->handles = 2;
    return s;
fail:
    tls_ctx_free(s);
    free(s->host);
    free(s->cert);
    free(s->key);
    free(s->ca);
    free(s);
    return NULL;
}

int http_server_listen(http_server_t *s, err_t *err)
{
    struct sockaddr_storage ss;
    int r;
    if (s->listening || s->closing) return err_set(err, ERR_CONFLICT, "http: server already listening");
    if (strchr(s->host, ':'))
        r = uv_ip6_addr(s->host, s->cfg.port, (struct sockaddr_in6 *)&ss);
    else
        r = uv_ip4_addr(s->host, s->cfg.port, (struct sockaddr_in *)&ss);
    if (r != 0) return err_set(err, ERR_INVALID, "http: bad listen address %s: %s", s->host, uv_strerror(r));
    uv_tcp_init(s->loop, &s->listener);
    s->listener.data = s;
    s->handles++;
    s->listening = true;
    r = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
    if (r == 0) r = uv_listen((uv_stream_t *)&s->listener, 511, on_accept);
    if (r != 0) {
        err_set(err, ERR_IO, "http: listen on %s:%d: %s", s->host, s->cfg.port, uv_strerror(r));
        goto fail;
    }
    int len = sizeof ss;
    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
fail:
    s->listening = false;
    uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
    return ERR_IO;
}

int http_server_port(const http_server_t *s)
{
    return s->port;
}
int http_server_connections(const http_server_t *s)
{
    return s->nconns;
}

void http_server_set_observer(http_server_t *s, http_observer_fn fn, void *ud)
{
    s->observer = fn;
    s->observer_ud = ud;
}

static void on_drain_deadline(uv_timer_t *t)
{
    http_server_t *s = t->data;
    for (http_conn_t *c = s->conns; c; c = c->next) conn_close(c);
    server_check_done(s);
}

void http_server_drain(http_server_t *s, uint64_t deadline_ms, void (*done)(void *ud), void *ud)
{
    if (s->closing) return;
    s->draining = true;
    s->drain_done = done;
    s->drain_ud = ud;
    if (s->listening) {
        s->listening = false;
        uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
    }
    for (http_conn_t *c = s->conns; c; c = c->next) {
        if (c->state == CONN_HEAD_IDLE)
            conn_close(c);
        else if (c->state == CONN_WS)
            ws_drain(c->ws);
    }
    /* done runs from the loop, never inside this call. */
    uv_timer_start(&s->drain_timer, on_drain_deadline, s->nall ? deadline_ms : 0, 0);
}

void http_server_close(http_server_t *s)
{
    if (s->closing) return;
    s->closing = true;
    if (s->listening) {
        s->listening = false;
        uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
    }
    for (http_conn_t *c = s->conns; c; c = c->next) conn_close(c);
    uv_close((uv_handle_t *)&s->resume_idle, on_server_handle_closed);
    uv_close((uv_handle_t *)&s->drain_timer, on_server_handle_closed);
}

/* ---- connections without sockets (fuzzing, tests) ---- */

http_conn_t *http_conn_fake(http_server_t *s, buf_t *out)
{
    http_conn_t *c = conn_new(s);
    c->fake_out = out;
    c->counted = true;
    s->nconns++;
    snprintf(c->peer, sizeof c->peer, "fake:0");
    http_parser_init(c);
    c->state = CONN_HEAD_IDLE;
    return c;
}

void http_conn_feed(http_conn_t *c, const char *data, size_t len)
{
    /* The parser writes into its input (WebSocket unmasking), so feed a
     * copy, as the read path does. */
    while (len && c->state != CONN_CLOSED) {
        size_t n = len < HTTP_READ_BUF ? len : HTTP_READ_BUF;
        memcpy(c->srv->readbuf, data, n);
        conn_input(c, c->srv->readbuf, n);
        data += n;
        len -= n;
    }
}

void http_conn_fake_free(http_conn_t *c)
{
    conn_close(c);
}
