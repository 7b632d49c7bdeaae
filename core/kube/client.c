/* client.c — the libcurl multi handle on the libuv loop, clusters, and
 * requests; see kube.h.
 *
 * curl ↔ uv: curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION →
 * one uv_poll_t per socket) and when to wake it (CURLMOPT_TIMERFUNCTION →
 * one uv_timer_t); both call curl_multi_socket_action and then collect
 * finished transfers. No curl function is called from inside a curl callback:
 * handles are added from uv timer callbacks only, and a call cancelled while
 * curl is running one of our callbacks is removed right after curl returns
 * (the "reap" list).
 *
 * A call's life: WAIT (its own uv_timer: next loop turn, limiter wait, retry
 * delay) → CRED (waiting for an exec plugin) → ACTIVE (in the multi) → back to
 * WAIT for a retry, or DONE. The call is freed in its timer's close callback,
 * so anything still holding the pointer inside the current callback stack
 * stays safe until the stack unwinds.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/map.h"
#include "base/mem.h"
#include "kube/exec.h"
#include "kube/kube_int.h"
#include "kube/resil.h"

#define RETRY_AFTER_CAP_MS 60000
#define STREAM_ERROR_BODY_MAX (1u << 20)
#define HEADER_BYTES_MAX (64u << 10)
#define TOKEN_FILE_RECHECK_MS 1000

typedef struct kube_sock kube_sock_t;

struct kube_client {
    uv_loop_t *loop;
    CURLM *multi;
    CURLSH *share;
    uv_timer_t timer;
    kube_hooks_t hooks;
    kube_cluster_t *clusters;
    kube_sock_t *socks;
    kube_call_t *reap;
    int busy;         /* inside curl_multi_socket_action or collecting its results */
    bool free_pending;
    bool freeing;
    int open_handles; /* timer + polls; the struct goes when it reaches 0 */
    uint64_t next_call_no; /* X-Request-Id of each call */
};

struct kube_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    kube_client_t *c;
    kube_sock_t *next, *prev;
};

enum { HEALTH_UNKNOWN, HEALTH_OK, HEALTH_AUTH, HEALTH_FORBIDDEN };

struct kube_cluster {
    kube_client_t *client;
    kube_cluster_t *next, *prev;
    kube_cluster_config_t *cfg;
    char *base_url;                 /* scheme://host[:port][/prefix] as curl is told */
    struct curl_slist *connect_to;  /* tls-server-name: connect to the real host */
    kube_bucket_t bucket;
    kube_breaker_t breaker;
    kube_backoff_t rng;             /* jitter source for call retries */
    kube_exec_t *exec;
    /* token file */
    char *file_token;
    struct stat file_st;
    uint64_t file_checked_ms;
    /* calls and attached reflectors/discoveries */
    kube_call_t *calls;
    kube_attached_t *attached;
    int unsynced;
    /* status */
    int health;
    bool forbidden;
    kube_cluster_state_t state;
    char last_error[512];
    bool has_error;
    int64_t since_ms, last_sync_ms;
    kube_cluster_status_fn status_fn;
    void *status_ud;
    /* breaker probe */
    uv_timer_t probe_timer;
    kube_call_t *probe;
    kube_cluster_stats_t stats;
    bool freed;
};

enum { CALL_WAIT, CALL_CRED, CALL_ACTIVE, CALL_DONE };

struct kube_call {
    kube_cluster_t *cl;
    kube_call_t *next, *prev; /* in cl->calls */
    kube_call_t *reap_next;
    char *method, *path, *verb;
    buf_t req_body;
    char *content_type;
    struct curl_slist *user_headers;
    unsigned flags;
    int timeout_ms;
    bool stream, probe;
    kube_done_fn on_done;
    kube_stream_handlers_t sh;
    void *ud;

    int state;
    uv_timer_t timer;
    void (*timer_fn)(kube_call_t *call);
    bool reserved; /* holds a limiter token for this attempt */
    CURL *easy;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    int attempt;
    uint64_t no;      /* X-Request-Id "kb-<no>.<attempt>": one call, all its attempts */
    bool has_request_id; /* the caller sent its own X-Request-Id */
    bool auth_retried;
    bool cancelled;
    bool stopped;     /* on_chunk returned false */
    bool too_big;
    bool timed_out;   /* our first-byte / idle timer fired */
    bool committed;   /* stream: on_head delivered */
    bool got_header;
    int status;
    buf_t body;
    buf_t hbuf;       /* "name\0value\0" pairs of the last header block */
    size_t hn;
    uint64_t t_attempt_ns;
    uint64_t last_io_ms;
    /* failure to deliver from the timer */
    int fail_code;
    char fail_msg[512];
};

static void call_timer_cb(uv_timer_t *t);
static void call_dispatch(kube_call_t *call);
static void cluster_update_status(kube_cluster_t *cl);
static void probe_schedule(kube_cluster_t *cl);
static void client_really_free(kube_client_t *c);

/* ------------------------------------------------------------------ */
/* names */

const char *kube_cluster_state_name(kube_cluster_state_t s)
{
    switch (s) {
    case KUBE_CLUSTER_CONNECTING: return "connecting";
    case KUBE_CLUSTER_SYNCING: return "syncing";
    case KUBE_CLUSTER_CONNECTED: return "connected";
    case KUBE_CLUSTER_DISCONNECTED: return "disconnected";
    case KUBE_CLUSTER_ERROR: return "error";
    case KUBE_CLUSTER_FORBIDDEN: return "forbidden";
    }
    return "unknown";
}

const char *kube_response_header(const kube_response_t *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].name, name)) return r->headers[i].value;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* curl on uv */

static void sock_closed(uv_handle_t *h)
{
    kube_sock_t *s = h->data;
    kube_client_t *c = s->c;
    free(s);
    if (--c->open_handles == 0 && c->freeing) free(c);
}

static void sock_unlink(kube_sock_t *s)
{
    if (s->prev) s->prev->next = s->next;
    else s->c->socks = s->next;
    if (s->next) s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void client_collect(kube_client_t *c);

static void client_action(kube_client_t *c, curl_socket_t fd, int flags)
{
    int running = 0;
    c->busy++;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    client_collect(c);
    c->busy--;
    if (c->busy == 0 && c->free_pending) client_really_free(c);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    kube_sock_t *s = h->data;
    int flags = 0;
    if (status < 0) flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    client_action(s->c, s->fd, flags);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    kube_client_t *c = userp;
    kube_sock_t *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(c->multi, fd, NULL);
            sock_unlink(s);
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, sock_closed);
        }
        return 0;
    }
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->fd = fd;
        s->c = c;
        int rc = uv_poll_init_socket(c->loop, &s->poll, fd);
        if (rc) {
            log_error("kube poll init failed", "fd=%d error=%s", (int)fd, uv_strerror(rc));
            free(s);
            return -1;
        }
        s->poll.data = s;
        c->open_handles++;
        s->next = c->socks;
        if (c->socks) c->socks->prev = s;
        c->socks = s;
        curl_multi_assign(c->multi, fd, s);
    }
    int ev = 0;
    if (what & CURL_POLL_IN) ev |= UV_READABLE;
    if (what & CURL_POLL_OUT) ev |= UV_WRITABLE;
    uv_poll_start(&s->poll, ev, poll_cb);
    return 0;
}

static void multi_timer_cb(uv_timer_t *t)
{
    kube_client_t *c = t->data;
    client_action(c, CURL_SOCKET_TIMEOUT, 0);
}

static int timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    kube_client_t *c = userp;
    if (timeout_ms < 0) uv_timer_stop(&c->timer);
    else uv_timer_start(&c->timer, multi_timer_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

kube_client_t *kube_client_new(uv_loop_t *loop, err_t *err)
{
    static bool global_done;
    if (!global_done) {
        /* Process-wide and idempotent in practice; the first client does it
         * (before any other thread could use curl). */
        if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
            err_set(err, ERR_INTERNAL, "libcurl initialisation failed");
            return NULL;
        }
        global_done = true;
    }
    kube_client_t *c = xcalloc(1, sizeof *c);
    c->loop = loop;
    c->multi = curl_multi_init();
    c->share = curl_share_init();
    if (!c->multi || !c->share) {
        if (c->multi) curl_multi_cleanup(c->multi);
        if (c->share) curl_share_cleanup(c->share);
        free(c);
        err_set(err, ERR_INTERNAL, "libcurl: cannot create the multi handle");
        return NULL;
    }
    /* One loop thread: the share needs no locks. TLS sessions and DNS are
     * shared so a new connection to a cluster resumes the TLS session. */
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->open_handles = 1;
    return c;
}

void kube_client_set_hooks(kube_client_t *c, const kube_hooks_t *hooks)
{
    if (hooks) c->hooks = *hooks;
    else memset(&c->hooks, 0, sizeof c->hooks);
}

static void client_timer_closed(uv_handle_t *h)
{
    kube_client_t *c = h->data;
    if (--c->open_handles == 0) free(c);
}

static void client_really_free(kube_client_t *c)
{
    c->free_pending = false;
    while (c->clusters) kube_cluster_free(c->clusters);
    curl_multi_cleanup(c->multi);
    curl_share_cleanup(c->share);
    c->multi = NULL;
    /* Sockets curl did not tell us to remove are closed here. */
    while (c->socks) {
        kube_sock_t *s = c->socks;
        sock_unlink(s);
        uv_poll_stop(&s->poll);
        uv_close((uv_handle_t *)&s->poll, sock_closed);
    }
    c->freeing = true;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, client_timer_closed);
}

void kube_client_free(kube_client_t *c)
{
    if (!c || c->freeing) return;
    if (c->busy) {
        /* Inside curl (or collecting): finish after it returns. Clusters are
         * freed now so no more callbacks run. */
        while (c->clusters) kube_cluster_free(c->clusters);
        c->free_pending = true;
        return;
    }
    client_really_free(c);
}

/* ------------------------------------------------------------------ */
/* small helpers */

/* The loop's clock, brought up to date first: uv_now() is cached once per
 * loop iteration, and an iteration that parsed big list pages may be
 * hundreds of milliseconds old. The limiter and Retry-After must count
 * from the real now, or waits come out short (found by test_clusters.py:
 * a retry 0.3 s after "Retry-After: 1"). */
static uint64_t now_ms(const kube_cluster_t *cl)
{
    uv_update_time(cl->client->loop);
    return uv_now(cl->client->loop);
}

static const char *verb_of(const kube_call_t *call)
{
    if (call->verb) return call->verb;
    const char *m = call->method;
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) return "get";
    if (!strcmp(m, "POST")) return "create";
    if (!strcmp(m, "PUT")) return "update";
    if (!strcmp(m, "PATCH")) return "patch";
    if (!strcmp(m, "DELETE")) return "delete";
    return "other";
}

static void emit_request(kube_call_t *call, int code)
{
    kube_cluster_t *cl = call->cl;
    kube_client_t *c = cl->client;
    cl->stats.requests++;
    if (c->hooks.request) {
        double s = (double)(clock_mono_ns() - call->t_attempt_ns) / 1e9;
        c->hooks.request(c->hooks.ud, cl->cfg->id, verb_of(call), code, s);
    }
}

void kube_cluster__watch_event(kube_cluster_t *cl, const char *resource, int type)
{
    kube_client_t *c = cl->client;
    if (c->hooks.watch_event) c->hooks.watch_event(c->hooks.ud, cl->cfg->id, resource, kube_event_type_name(type));
}

void kube_cluster__relist(kube_cluster_t *cl, const char *resource)
{
    kube_client_t *c = cl->client;
    cl->stats.relists++;
    if (c->hooks.relist) c->hooks.relist(c->hooks.ud, cl->cfg->id, resource);
}

void kube_cluster__dropped(kube_cluster_t *cl, const char *resource, const char *reason)
{
    kube_client_t *c = cl->client;
    cl->stats.dropped++;
    if (c->hooks.dropped) c->hooks.dropped(c->hooks.ud, cl->cfg->id, resource, reason);
}

kube_cluster_t *kube_client__next_cluster(kube_client_t *c, kube_cluster_t *prev)
{
    return prev ? prev->next : c->clusters;
}

kube_attached_t *kube_cluster__first_attached(kube_cluster_t *cl) { return cl->attached; }

double kube_cluster__rand(kube_cluster_t *cl) { return kube_backoff_rand(&cl->rng); }
uv_loop_t *kube_cluster__loop(const kube_cluster_t *cl) { return cl->client->loop; }
const kube_cluster_config_t *kube_cluster__config(const kube_cluster_t *cl) { return cl->cfg; }

/* ------------------------------------------------------------------ */
/* cluster */

/* Split "scheme://host[:port][/prefix]" for tls-server-name: the URL we give
 * curl carries the TLS name, and CONNECT_TO sends the connection to the real
 * host. */
static int split_server(const char *server, char **scheme, char **host, int *port, char **prefix)
{
    const char *p = strstr(server, "://");
    if (!p) return -1;
    *scheme = xstrndup(server, (size_t)(p - server));
    p += 3;
    const char *hend;
    if (*p == '[') {
        hend = strchr(p, ']');
        if (!hend) return -1;
        hend++;
    } else {
        hend = p + strcspn(p, ":/");
    }
    *host = xstrndup(p, (size_t)(hend - p));
    *port = !strcmp(*scheme, "https") ? 443 : 80;
    const char *rest = hend;
    if (*rest == ':') {
        *port = atoi(rest + 1);
        rest += 1 + strspn(rest + 1, "0123456789");
    }
    *prefix = xstrdup(rest);
    return (*port > 0 && *port < 65536 && **host) ? 0 : -1;
}

static void probe_timer_closed(uv_handle_t *h)
{
    kube_cluster_t *cl = h->data;
    kube_cluster_config_free(cl->cfg);
    free(cl->base_url);
    curl_slist_free_all(cl->connect_to);
    if (cl->file_token) {
        memset(cl->file_token, 0, strlen(cl->file_token));
        free(cl->file_token);
    }
    free(cl);
}

static char *exec_cluster_json(const kube_cluster_config_t *cfg)
{
    /* ExecCredential spec.cluster: what provideClusterInfo promises the
     * plugin (server, tls-server-name, insecure flag, CA). */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "server", cfg->server);
    if (cfg->tls_server_name) cJSON_AddStringToObject(o, "tls-server-name", cfg->tls_server_name);
    cJSON_AddBoolToObject(o, "insecure-skip-tls-verify", cfg->insecure_skip_tls_verify);
    if (cfg->ca_pem) {
        static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        buf_t b = {0};
        const unsigned char *s = (const unsigned char *)cfg->ca_pem;
        size_t n = cfg->ca_pem_len;
        for (size_t i = 0; i < n; i += 3) {
            uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
            buf_putc(&b, tbl[(v >> 18) & 63]);
            buf_putc(&b, tbl[(v >> 12) & 63]);
            buf_putc(&b, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
            buf_putc(&b, i + 2 < n ? tbl[v & 63] : '=');
        }
        cJSON_AddStringToObject(o, "certificate-authority-data", b.data ? b.data : "");
        buf_free(&b);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *r = xstrdup(s);
    cJSON_free(s);
    return r;
}

kube_cluster_t *kube_cluster_new(kube_client_t *c, const kube_cluster_config_t *cfg_in, err_t *err)
{
    if (!cfg_in || !cfg_in->server || !*cfg_in->server) {
        err_set(err, ERR_INVALID, "cluster: server missing");
        return NULL;
    }
    const char *id = cfg_in->id ? cfg_in->id : cfg_in->context;
    if (!id || !*id) {
        err_set(err, ERR_INVALID, "cluster %s: id missing", cfg_in->server);
        return NULL;
    }
    if (strncmp(cfg_in->server, "https://", 8) && strncmp(cfg_in->server, "http://", 7)) {
        err_set(err, ERR_INVALID, "cluster %s: server \"%.200s\" is not an http(s) URL", id, cfg_in->server);
        return NULL;
    }
    if (!cfg_in->cert_pem != !cfg_in->key_pem) {
        err_set(err, ERR_INVALID, "cluster %s: a client certificate needs both certificate and key", id);
        return NULL;
    }
    char *scheme = NULL, *host = NULL, *prefix = NULL;
    int port = 0;
    if (split_server(cfg_in->server, &scheme, &host, &port, &prefix)) {
        free(scheme);
        free(host);
        free(prefix);
        err_set(err, ERR_INVALID, "cluster %s: cannot parse server URL \"%.200s\"", id, cfg_in->server);
        return NULL;
    }
    kube_cluster_t *cl = xcalloc(1, sizeof *cl);
    cl->client = c;
    cl->cfg = kube_cluster_config_dup(cfg_in);
    if (!cl->cfg->id) cl->cfg->id = xstrdup(id);
    kube_cluster_config_t *cfg = cl->cfg;
    /* Defaults. client-go uses qps 5 / burst 10, which starves a dashboard
     * that lists ~50 resource types at start; 50/100 keeps a full initial
     * sync of a typical cluster within a couple of seconds while still
     * protecting the API server. */
    if (cfg->qps == 0) cfg->qps = 50;
    if (cfg->burst <= 0) cfg->burst = 100;
    if (cfg->connect_timeout_ms <= 0) cfg->connect_timeout_ms = 10000;
    if (cfg->first_byte_timeout_ms <= 0) cfg->first_byte_timeout_ms = 30000;
    if (cfg->request_timeout_ms <= 0) cfg->request_timeout_ms = 60000;
    if (cfg->stream_idle_timeout_ms <= 0) cfg->stream_idle_timeout_ms = 300000;
    if (cfg->max_retries == 0) cfg->max_retries = 5;
    if (cfg->max_retries < 0) cfg->max_retries = 0;
    if (cfg->breaker_failures <= 0) cfg->breaker_failures = 5;
    if (cfg->breaker_max_open_ms <= 0) cfg->breaker_max_open_ms = 30000;
    if (cfg->max_object_bytes == 0) cfg->max_object_bytes = 16u << 20;
    if (cfg->max_body_bytes == 0) cfg->max_body_bytes = 512u << 20;

    buf_t b = {0};
    if (cfg->tls_server_name) {
        buf_printf(&b, "%s://%s:%d%s", scheme, cfg->tls_server_name, port, prefix);
        buf_t ct = {0};
        buf_printf(&ct, "::%s:%d", host, port);
        cl->connect_to = curl_slist_append(NULL, ct.data);
        buf_free(&ct);
    } else {
        buf_puts(&b, cfg->server);
    }
    cl->base_url = buf_steal(&b);
    free(scheme);
    free(host);
    free(prefix);

    uint64_t seed = hash_bytes(cfg->id, strlen(cfg->id)) ^ clock_mono_ns();
    kube_bucket_init(&cl->bucket, cfg->qps, cfg->burst, uv_now(c->loop));
    kube_breaker_init(&cl->breaker, cfg->breaker_failures, (uint32_t)cfg->breaker_max_open_ms, seed ^ 0x5bd1e995);
    kube_backoff_init(&cl->rng, 250, 10000, 0.5, seed);
    if (cfg->exec) {
        char *cj = exec_cluster_json(cfg);
        cl->exec = kube_exec_new(c->loop, cfg->id, cfg->exec, cj);
        free(cj);
    }
    uv_timer_init(c->loop, &cl->probe_timer);
    cl->probe_timer.data = cl;
    cl->state = KUBE_CLUSTER_CONNECTING;
    cl->since_ms = clock_wall_ms();
    cl->next = c->clusters;
    if (c->clusters) c->clusters->prev = cl;
    c->clusters = cl;
    if (cfg->insecure_skip_tls_verify)
        log_warn("kube cluster: TLS verification disabled (insecure-skip-tls-verify)", "cluster=%s server=%s",
                 cfg->id, cfg->server);
    return cl;
}

const char *kube_cluster_id(const kube_cluster_t *cl) { return cl->cfg->id; }
const char *kube_cluster_server(const kube_cluster_t *cl) { return cl->cfg->server; }

void kube_cluster_status(kube_cluster_t *cl, kube_cluster_status_t *out)
{
    out->state = cl->state;
    out->error = cl->has_error ? cl->last_error : NULL;
    out->last_sync_ms = cl->last_sync_ms;
    out->since_ms = cl->since_ms;
    out->breaker = kube_breaker_state_name(kube_breaker_state(&cl->breaker, now_ms(cl)));
}

void kube_cluster_on_status(kube_cluster_t *cl, kube_cluster_status_fn fn, void *ud)
{
    cl->status_fn = fn;
    cl->status_ud = ud;
}

void kube_cluster_stats(const kube_cluster_t *cl, kube_cluster_stats_t *out)
{
    *out = cl->stats;
    out->ratelimit_qps = cl->cfg->qps;
    out->ratelimit_burst = cl->cfg->burst;
}

static void cluster_update_status(kube_cluster_t *cl)
{
    kube_cluster_state_t s;
    int bs = kube_breaker_state(&cl->breaker, now_ms(cl));
    if (cl->health == HEALTH_AUTH) s = KUBE_CLUSTER_ERROR;
    else if (cl->forbidden) s = KUBE_CLUSTER_FORBIDDEN;
    else if (bs != KUBE_BREAKER_CLOSED) s = KUBE_CLUSTER_DISCONNECTED;
    else if (cl->health == HEALTH_UNKNOWN) s = KUBE_CLUSTER_CONNECTING;
    else if (cl->unsynced > 0) s = KUBE_CLUSTER_SYNCING;
    else s = KUBE_CLUSTER_CONNECTED;
    if (s == KUBE_CLUSTER_CONNECTED && cl->attached) cl->last_sync_ms = clock_wall_ms();
    if (s == cl->state) return;
    kube_cluster_state_t was = cl->state;
    cl->state = s;
    cl->since_ms = clock_wall_ms();
    if (s == KUBE_CLUSTER_CONNECTED || s == KUBE_CLUSTER_SYNCING) cl->has_error = false;
    log_info("kube cluster status", "cluster=%s from=%s to=%s error=%s", cl->cfg->id, kube_cluster_state_name(was),
             kube_cluster_state_name(s), cl->has_error ? cl->last_error : NULL);
    if (cl->status_fn) {
        kube_cluster_status_t st;
        kube_cluster_status(cl, &st);
        cl->status_fn(cl, &st, cl->status_ud);
    }
}

static void cluster_error(kube_cluster_t *cl, const char *msg)
{
    snprintf(cl->last_error, sizeof cl->last_error, "%.500s", msg);
    cl->has_error = true;
}

void kube_cluster__attach(kube_cluster_t *cl, kube_attached_t *a)
{
    a->prev = NULL;
    a->next = cl->attached;
    if (cl->attached) cl->attached->prev = a;
    cl->attached = a;
    if (a->unsynced) cl->unsynced++;
    cluster_update_status(cl);
}

void kube_cluster__detach(kube_cluster_t *cl, kube_attached_t *a)
{
    if (a->prev) a->prev->next = a->next;
    else if (cl->attached == a) cl->attached = a->next;
    if (a->next) a->next->prev = a->prev;
    a->next = a->prev = NULL;
    if (a->unsynced) cl->unsynced--;
    a->unsynced = false;
    if (!cl->freed) cluster_update_status(cl);
}

void kube_cluster__set_unsynced(kube_cluster_t *cl, kube_attached_t *a, bool unsynced)
{
    if (a->unsynced == unsynced) return;
    a->unsynced = unsynced;
    cl->unsynced += unsynced ? 1 : -1;
    cluster_update_status(cl);
}

void kube_cluster__set_forbidden(kube_cluster_t *cl, bool forbidden, const char *msg)
{
    cl->forbidden = forbidden;
    if (forbidden && msg) cluster_error(cl, msg);
    cluster_update_status(cl);
}

static void call_release(kube_call_t *call);

void kube_cluster_free(kube_cluster_t *cl)
{
    if (!cl || cl->freed) return;
    cl->freed = true;
    /* Attached reflectors and discoveries go first: they own calls. */
    while (cl->attached) {
        kube_attached_t *a = cl->attached;
        kube_cluster__detach(cl, a);
        a->destroy(a);
    }
    while (cl->calls) kube_call_cancel(cl->calls);
    if (cl->exec) kube_exec_free(cl->exec);
    cl->exec = NULL;
    kube_client_t *c = cl->client;
    if (cl->prev) cl->prev->next = cl->next;
    else c->clusters = cl->next;
    if (cl->next) cl->next->prev = cl->prev;
    uv_timer_stop(&cl->probe_timer);
    uv_close((uv_handle_t *)&cl->probe_timer, probe_timer_closed);
}

/* ------------------------------------------------------------------ */
/* breaker probes */

/* The breaker closed after an outage: wake everything attached (kicks only
 * schedule work, so walking the list here is safe). */
static void cluster_recovered(kube_cluster_t *cl, const char *why)
{
    log_info(why, "cluster=%s", cl->cfg->id);
    cluster_update_status(cl);
    for (kube_attached_t *a = cl->attached; a; a = a->next)
        if (a->kick) a->kick(a);
}

static void probe_done(const kube_response_t *res, void *ud)
{
    kube_cluster_t *cl = ud;
    cl->probe = NULL;
    uint64_t now = now_ms(cl);
    /* Any HTTP answer below 500 means the server is up: /readyz may well be
     * 401/403 for our identity. */
    if (res->status > 0 && res->status < 500) {
        if (kube_breaker_success(&cl->breaker, now)) cluster_recovered(cl, "kube cluster reachable again");
        return;
    }
    kube_breaker_failure(&cl->breaker, now);
    if (res->error) cluster_error(cl, res->error);
    probe_schedule(cl);
}

static void probe_fire(uv_timer_t *t)
{
    kube_cluster_t *cl = t->data;
    if (cl->probe || !kube_breaker_allow_probe(&cl->breaker, now_ms(cl))) {
        probe_schedule(cl);
        return;
    }
    kube_request_t r = {.method = "GET", .path = "/readyz", .flags = KUBE_REQ_NO_LIMIT | KUBE_REQ_NO_RETRY,
                        .verb = "probe", .timeout_ms = 5000};
    err_t e;
    cl->probe = kube_request(cl, &r, probe_done, cl, &e);
    if (cl->probe) cl->probe->probe = true;
}

static void probe_schedule(kube_cluster_t *cl)
{
    if (cl->freed) return;
    uint64_t wait = kube_breaker_wait_ms(&cl->breaker, now_ms(cl));
    uv_timer_start(&cl->probe_timer, probe_fire, wait, 0);
}

/* Record a request's outcome for the breaker and the status. */
static void cluster_outcome(kube_cluster_t *cl, bool ok, bool transport, const char *msg)
{
    uint64_t now = now_ms(cl);
    if (ok) {
        bool was_rejected = cl->health == HEALTH_AUTH;
        cl->health = HEALTH_OK;
        if (kube_breaker_success(&cl->breaker, now)) {
            /* A request that was in flight when the breaker opened came back:
             * the server is up; treat it as a successful probe. */
            uv_timer_stop(&cl->probe_timer);
            cluster_recovered(cl, "kube cluster reachable again");
            return;
        }
        if (was_rejected) {
            /* Credentials accepted again (a token file or exec credential was
             * renewed): reflectors backing off after 401s — for up to 30 s —
             * resync now instead of each at its own next retry. */
            cluster_recovered(cl, "kube cluster accepts our credentials again");
            return;
        }
    } else if (transport) {
        cl->stats.failures++;
        if (msg) cluster_error(cl, msg);
        if (kube_breaker_failure(&cl->breaker, now)) {
            log_warn("kube cluster unreachable: circuit open", "cluster=%s error=%s", cl->cfg->id, msg);
            probe_schedule(cl);
        }
    }
    cluster_update_status(cl);
}

/* Credentials or TLS settings rejected (401, certificate not trusted, exec
 * plugin failing): the cluster shows "error" until a request succeeds
 * again. Logged once per episode, not once per reflector retry. */
static void cluster_auth_failed(kube_cluster_t *cl, const char *msg)
{
    if (cl->health != HEALTH_AUTH)
        log_warn("kube cluster rejected our credentials or TLS settings", "cluster=%s error=%s", cl->cfg->id, msg);
    cl->health = HEALTH_AUTH;
    cluster_update_status(cl);
}

/* ------------------------------------------------------------------ */
/* calls */

static void call_timer_closed(uv_handle_t *h)
{
    kube_call_t *call = h->data;
    free(call);
}

static void call_unlink(kube_call_t *call)
{
    kube_cluster_t *cl = call->cl;
    if (!cl) return;
    if (call->prev) call->prev->next = call->next;
    else if (cl->calls == call) cl->calls = call->next;
    if (call->next) call->next->prev = call->prev;
    call->next = call->prev = NULL;
}

static void wipe_slist(struct curl_slist *l)
{
    for (struct curl_slist *i = l; i; i = i->next)
        if (!strncasecmp(i->data, "Authorization:", 14)) memset(i->data, 0, strlen(i->data));
    curl_slist_free_all(l);
}

static void call_drop_easy(kube_call_t *call)
{
    if (call->easy) {
        curl_multi_remove_handle(call->cl->client->multi, call->easy);
        curl_easy_cleanup(call->easy);
        call->easy = NULL;
    }
    wipe_slist(call->hdrs);
    call->hdrs = NULL;
}

/* Free everything but the struct, and close the timer (which frees it). */
static void call_release(kube_call_t *call)
{
    call->state = CALL_DONE;
    call_unlink(call);
    free(call->method);
    free(call->path);
    free(call->verb);
    free(call->content_type);
    buf_free(&call->req_body);
    curl_slist_free_all(call->user_headers);
    buf_free(&call->body);
    buf_free(&call->hbuf);
    uv_timer_stop(&call->timer);
    uv_close((uv_handle_t *)&call->timer, call_timer_closed);
}

static void call_set_timer(kube_call_t *call, uint64_t ms, void (*fn)(kube_call_t *))
{
    call->timer_fn = fn;
    if (ms) uv_update_time(call->cl->client->loop); /* a delay counts from now, not from the iteration's start */
    uv_timer_start(&call->timer, call_timer_cb, ms, 0);
}

static void call_timer_cb(uv_timer_t *t)
{
    kube_call_t *call = t->data;
    if (call->timer_fn) call->timer_fn(call);
}

static void exec_cred_cb(const kube_cred_t *cred, const char *error, void *ud);

void kube_call_cancel(kube_call_t *call)
{
    if (!call || call->cancelled || call->state == CALL_DONE) return;
    call->cancelled = true;
    kube_cluster_t *cl = call->cl;
    if (call->state == CALL_CRED && cl->exec) kube_exec_cancel(cl->exec, exec_cred_cb, call);
    if (cl->probe == call) cl->probe = NULL;
    if (call->state == CALL_ACTIVE && cl->client->busy) {
        /* curl is on the stack: take the handle out once it has returned. */
        call_unlink(call);
        call->state = CALL_DONE;
        uv_timer_stop(&call->timer);
        call->reap_next = cl->client->reap;
        cl->client->reap = call;
        return;
    }
    call_drop_easy(call);
    call_release(call);
}

/* Deliver the final response and end the call. */
static void call_finish(kube_call_t *call, int status, int err_code, const char *error)
{
    kube_header_t *hv = NULL;
    if (call->hn) {
        hv = xcalloc(call->hn, sizeof *hv);
        const char *p = call->hbuf.data;
        for (size_t i = 0; i < call->hn; i++) {
            hv[i].name = p;
            p += strlen(p) + 1;
            hv[i].value = p;
            p += strlen(p) + 1;
        }
    }
    kube_response_t res = {.status = status,
                           .err_code = status ? 0 : err_code,
                           .error = status ? NULL : error,
                           .body = call->body.data ? call->body.data : "",
                           .body_len = call->body.len,
                           .nheaders = call->hn,
                           .headers = hv};
    kube_done_fn fn = call->on_done;
    void *ud = call->ud;
    /* Unlink before calling out: the callback may free the cluster, which
     * must not find this call on its list any more. */
    call_unlink(call);
    call->state = CALL_DONE;
    if (fn) fn(&res, ud);
    free(hv);
    call_release(call);
}

static void call_fail_later_cb(kube_call_t *call) { call_finish(call, 0, call->fail_code, call->fail_msg); }

static void call_fail_later(kube_call_t *call, int code, const char *msg)
{
    call->fail_code = code;
    snprintf(call->fail_msg, sizeof call->fail_msg, "%.500s", msg);
    call->state = CALL_WAIT;
    call_set_timer(call, 0, call_fail_later_cb);
}

/* ---- curl callbacks (curl is on the stack: no curl calls here) ---- */

static void stream_commit(kube_call_t *call)
{
    call->committed = true;
    emit_request(call, call->status);
    if (!call->sh.on_head) return;
    kube_header_t *hv = xcalloc(call->hn ? call->hn : 1, sizeof *hv);
    const char *p = call->hbuf.data;
    for (size_t i = 0; i < call->hn; i++) {
        hv[i].name = p;
        p += strlen(p) + 1;
        hv[i].value = p;
        p += strlen(p) + 1;
    }
    kube_response_t res = {.status = call->status, .nheaders = call->hn, .headers = hv, .body = ""};
    call->sh.on_head(&res, call->ud);
    free(hv);
}

static size_t header_cb(char *data, size_t size, size_t n, void *ud)
{
    kube_call_t *call = ud;
    size_t len = size * n;
    if (call->cancelled) return 0;
    call->got_header = true;
    call->last_io_ms = uv_now(call->cl->client->loop);
    if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
        /* A new header block (after 100 Continue, or a retry): start over. */
        buf_reset(&call->hbuf);
        call->hn = 0;
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon) {
        /* The blank line ends a header block: a 2xx stream is committed now,
         * so on_head runs even before the first byte of body (a quiet watch,
         * a log that has nothing yet). */
        if (call->stream && !call->committed && (len <= 2)) {
            long code = 0;
            curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &code);
            if (code >= 200 && code < 300) {
                call->status = (int)code;
                stream_commit(call);
                if (call->cancelled) return 0;
            }
        }
        return len;
    }
    if (call->hbuf.len + len + 2 > HEADER_BYTES_MAX) return len; /* keep what fits */
    size_t nl = (size_t)(colon - data);
    const char *v = colon + 1;
    const char *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    buf_append(&call->hbuf, data, nl);
    buf_putc(&call->hbuf, '\0');
    buf_append(&call->hbuf, v, (size_t)(end - v));
    buf_putc(&call->hbuf, '\0');
    call->hn++;
    return len;
}

static size_t write_cb(char *data, size_t size, size_t n, void *ud)
{
    kube_call_t *call = ud;
    size_t len = size * n;
    if (call->cancelled || call->stopped) return 0;
    kube_cluster_t *cl = call->cl;
    call->last_io_ms = uv_now(cl->client->loop);
    cl->stats.bytes_in += len;
    if (!call->status) {
        long code = 0;
        curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &code);
        call->status = (int)code;
    }
    if (call->stream && call->status >= 200 && call->status < 300) {
        if (!call->committed) {
            stream_commit(call);
            if (call->cancelled) return 0;
        }
        if (call->sh.on_chunk && !call->sh.on_chunk(data, len, call->ud)) {
            call->stopped = true;
            return 0;
        }
        return call->cancelled ? 0 : len;
    }
    size_t cap = call->stream                      ? STREAM_ERROR_BODY_MAX
                 : (call->flags & KUBE_REQ_BIG_BODY) ? SIZE_MAX
                                                     : cl->cfg->max_body_bytes;
    if (call->body.len + len > cap) {
        call->too_big = true;
        return 0;
    }
    if (!call->body.cap) {
        /* Room for the announced length at once: growing a list page of
         * megabytes by doubling copied it several times (realloc within
         * the heap), a twentieth of a sync's CPU. Bounded, so a lying
         * header cannot reserve much. */
        curl_off_t clen = -1;
        if (curl_easy_getinfo(call->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen) == CURLE_OK && clen > 0 &&
            (uint64_t)clen <= cap && clen <= ((curl_off_t)64 << 20))
            buf_reserve(&call->body, (size_t)clen);
    }
    buf_append(&call->body, data, len);
    return len;
}

/* ---- attempts ---- */

static void call_first_byte_timeout(kube_call_t *call);

static bool is_idempotent(const kube_call_t *call) { return !strcmp(call->method, "GET") || !strcmp(call->method, "HEAD"); }

static bool can_retry(const kube_call_t *call)
{
    return !(call->flags & KUBE_REQ_NO_RETRY) && !call->committed && call->attempt < call->cl->cfg->max_retries;
}

static void call_retry_cb(kube_call_t *call)
{
    call->reserved = false;
    call_dispatch(call);
}

static void call_retry_in(kube_call_t *call, uint64_t ms)
{
    call->attempt++;
    call->cl->stats.retries++;
    call->status = 0;
    call->got_header = false;
    call->timed_out = call->too_big = false;
    buf_reset(&call->body);
    buf_reset(&call->hbuf);
    call->hn = 0;
    call->state = CALL_WAIT;
    call_set_timer(call, ms, call_retry_cb);
}

static uint64_t retry_backoff_ms(kube_call_t *call)
{
    kube_backoff_t b = call->cl->rng;
    b.attempt = (uint32_t)call->attempt;
    uint64_t d = kube_backoff_next(&b);
    call->cl->rng.rng = b.rng;
    return d;
}

static bool tls_config_error(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
           rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
           rc == CURLE_SSL_INVALIDCERTSTATUS || rc == CURLE_SSL_ENGINE_NOTFOUND || rc == CURLE_SSL_ENGINE_SETFAILED;
}

/* A transfer ended (from curl's done message, or our own timer aborting it). */
static void call_transfer_done(kube_call_t *call, CURLcode rc)
{
    kube_cluster_t *cl = call->cl;
    if (!call->status && call->easy) {
        long code = 0;
        curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &code);
        call->status = (int)code;
    }
    char errmsg[CURL_ERROR_SIZE + 256];
    const char *why = call->errbuf[0] ? call->errbuf : curl_easy_strerror(rc);
    call_drop_easy(call);
    call->state = CALL_WAIT;

    if (call->stopped) {
        /* The consumer asked to stop: end quietly with the status it saw. */
        call_finish(call, call->status, 0, NULL);
        return;
    }
    if (call->too_big) {
        snprintf(errmsg, sizeof errmsg, "cluster %s: %s %s: response body larger than %zu bytes", cl->cfg->id,
                 call->method, call->path, call->stream ? (size_t)STREAM_ERROR_BODY_MAX : cl->cfg->max_body_bytes);
        if (!call->committed) emit_request(call, 0);
        call_finish(call, 0, ERR_LIMIT, errmsg);
        return;
    }
    bool transport = rc != CURLE_OK || call->timed_out;
    if (call->committed) {
        /* A stream that had started: report how it ended, no retry. */
        if (transport) {
            snprintf(errmsg, sizeof errmsg, "cluster %s: %s %s: stream ended: %s", cl->cfg->id, call->method,
                     call->path, call->timed_out ? "idle timeout" : why);
            call->body.len = 0;
            call_finish(call, 0, call->timed_out ? ERR_TIMEOUT : ERR_UNAVAILABLE, errmsg);
        } else {
            call_finish(call, call->status, 0, NULL);
        }
        return;
    }
    if (transport) {
        emit_request(call, 0);
        if (call->timed_out)
            snprintf(errmsg, sizeof errmsg, "cluster %s: %s %s: no response within %d ms", cl->cfg->id, call->method,
                     call->path, cl->cfg->first_byte_timeout_ms);
        else
            snprintf(errmsg, sizeof errmsg, "cluster %s: %s %s: %s", cl->cfg->id, call->method, call->path, why);
        if (tls_config_error(rc)) {
            /* Wrong CA, bad client certificate: a configuration problem, not an
             * outage; retrying will not help and the breaker stays out of it.
             * Say which kubeconfig entry supplied the CA that did not verify. */
            if (rc == CURLE_PEER_FAILED_VERIFICATION && cl->cfg->ca_source) {
                size_t used = strlen(errmsg);
                snprintf(errmsg + used, sizeof errmsg - used, "; CA from %s", cl->cfg->ca_source);
            }
            cluster_error(cl, errmsg);
            cluster_auth_failed(cl, errmsg);
            call_finish(call, 0, ERR_UNAVAILABLE, errmsg);
            return;
        }
        cluster_outcome(cl, false, true, errmsg);
        if (!call->probe && is_idempotent(call) && can_retry(call) &&
            kube_breaker_state(&cl->breaker, now_ms(cl)) == KUBE_BREAKER_CLOSED) {
            call_retry_in(call, retry_backoff_ms(call));
            return;
        }
        call_finish(call, 0, call->timed_out ? ERR_TIMEOUT : ERR_UNAVAILABLE, errmsg);
        return;
    }

    int st = call->status;
    emit_request(call, st);
    /* Retry-After on 429 and 503 (and any 5xx that sends it). */
    const char *ra = NULL;
    {
        const char *p = call->hbuf.data;
        for (size_t i = 0; i < call->hn && p; i++) {
            const char *name = p;
            p += strlen(p) + 1;
            if (!strcasecmp(name, "Retry-After")) ra = p;
            p += strlen(p) + 1;
        }
    }
    if (st >= 500) {
        snprintf(errmsg, sizeof errmsg, "cluster %s: %s %s: HTTP %d", cl->cfg->id, call->method, call->path, st);
        /* A server that answers 500 or 503 is up: one broken aggregated API
         * (metrics-server down) must not cut off the whole cluster. Only a
         * gateway's 502/504 — the apiserver behind it is gone — counts
         * toward the breaker, like a connection error. */
        bool gateway = st == 502 || st == 504;
        cluster_outcome(cl, !gateway, gateway, errmsg);
    } else if (st == 401) {
        snprintf(errmsg, sizeof errmsg, "cluster %s: %s %s: 401 Unauthorized: the credentials were rejected",
                 cl->cfg->id, call->method, call->path);
    } else {
        cluster_outcome(cl, true, false, NULL);
    }
    if (st == 429 || (st >= 500 && ra)) {
        int64_t wait = kube_retry_after_ms(ra, clock_wall_ms() / 1000, RETRY_AFTER_CAP_MS);
        if (wait < 0) wait = (int64_t)retry_backoff_ms(call);
        if (can_retry(call)) {
            log_debug("kube retry after", "cluster=%s path=%s status=%d ms=%lld", cl->cfg->id, call->path, st,
                      (long long)wait);
            call_retry_in(call, (uint64_t)wait);
            return;
        }
    } else if (st >= 500 && is_idempotent(call) && can_retry(call) && !call->probe &&
               kube_breaker_state(&cl->breaker, now_ms(cl)) == KUBE_BREAKER_CLOSED) {
        call_retry_in(call, retry_backoff_ms(call));
        return;
    } else if (st == 401) {
        bool retry = false;
        if (cl->exec && !call->auth_retried) {
            /* The plugin's credential was revoked or rotated early: run it again. */
            kube_exec_invalidate(cl->exec);
            retry = true;
        } else if (cl->cfg->token_file && !call->auth_retried) {
            cl->file_checked_ms = 0; /* force a re-read */
            retry = true;
        }
        if (retry && !(call->flags & KUBE_REQ_NO_RETRY)) {
            call->auth_retried = true;
            call_retry_in(call, 0);
            return;
        }
        cluster_error(cl, errmsg);
        cluster_auth_failed(cl, errmsg);
    }
    call_finish(call, st, 0, NULL);
}

static void client_collect(kube_client_t *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        kube_call_t *call = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&call);
        CURLcode rc = m->data.result;
        /* A call cancelled during this turn waits on the reap list. */
        if (!call || call->cancelled) continue;
        call_transfer_done(call, rc);
        if (c->free_pending) break;
    }
    while (c->reap) {
        kube_call_t *call = c->reap;
        c->reap = call->reap_next;
        call_drop_easy(call);
        call_release(call);
    }
}

/* ---- credentials ---- */

/* The token from token_file, re-read when the file changed (mtime, size or
 * inode); the previous token stays in use if a read fails. */
static const char *token_from_file(kube_cluster_t *cl)
{
    uint64_t now = now_ms(cl);
    if (cl->file_token && cl->file_checked_ms && now - cl->file_checked_ms < TOKEN_FILE_RECHECK_MS)
        return cl->file_token;
    cl->file_checked_ms = now ? now : 1;
    struct stat st;
    if (stat(cl->cfg->token_file, &st) != 0) return cl->file_token;
    if (cl->file_token && st.st_mtim.tv_sec == cl->file_st.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == cl->file_st.st_mtim.tv_nsec && st.st_size == cl->file_st.st_size &&
        st.st_ino == cl->file_st.st_ino)
        return cl->file_token;
    FILE *f = fopen(cl->cfg->token_file, "rb");
    if (!f) return cl->file_token;
    char tmp[16384];
    size_t n = fread(tmp, 1, sizeof tmp - 1, f);
    fclose(f);
    tmp[n] = '\0';
    while (n && (tmp[n - 1] == '\n' || tmp[n - 1] == '\r' || tmp[n - 1] == ' ')) tmp[--n] = '\0';
    if (n == 0) return cl->file_token;
    if (cl->file_token) {
        memset(cl->file_token, 0, strlen(cl->file_token));
        free(cl->file_token);
        log_info("kube token file changed; using the new token", "cluster=%s", cl->cfg->id);
    }
    cl->file_token = xstrdup(tmp);
    memset(tmp, 0, sizeof tmp);
    cl->file_st = st;
    return cl->file_token;
}

static void call_first_byte_timeout(kube_call_t *call)
{
    kube_cluster_t *cl = call->cl;
    uint64_t now = now_ms(cl);
    if (!call->got_header) {
        call->timed_out = true;
        call_transfer_done(call, CURLE_OPERATION_TIMEDOUT);
        return;
    }
    if (call->stream && call->committed) {
        uint64_t idle = (uint64_t)cl->cfg->stream_idle_timeout_ms;
        if (now - call->last_io_ms >= idle) {
            call->timed_out = true;
            call_transfer_done(call, CURLE_OPERATION_TIMEDOUT);
            return;
        }
        call_set_timer(call, call->last_io_ms + idle - now, call_first_byte_timeout);
        return;
    }
    if (call->stream) {
        /* Headers came but the body has not started (a slow error body or
         * an empty stream): treat it as idle time. */
        call_set_timer(call, (uint64_t)cl->cfg->stream_idle_timeout_ms, call_first_byte_timeout);
    }
    /* Non-streams are bounded by CURLOPT_TIMEOUT_MS from here on. */
}

static void call_send(kube_call_t *call, const kube_cred_t *cred)
{
    kube_cluster_t *cl = call->cl;
    const kube_cluster_config_t *cfg = cl->cfg;
    CURL *e = curl_easy_init();
    if (!e) {
        call_finish(call, 0, ERR_INTERNAL, "libcurl: cannot create a handle");
        return;
    }
    call->easy = e;
    buf_t url = {0};
    buf_printf(&url, "%s%s", cl->base_url, call->path);
    curl_easy_setopt(e, CURLOPT_URL, url.data);
    buf_free(&url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, call);
    curl_easy_setopt(e, CURLOPT_SHARE, cl->client->share);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
    call->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 15L);
    /* (lag helper) libcurl reads up to 100 buffers per socket event while
     * the socket stays readable, and a stream's buffers go straight to its
     * consumer (watch events, a streamed list's items) within that one loop
     * turn: 256 KB buffers let one event carry 25 MB, 300-560 ms with the
     * loop blocked. 16 KB bounds a turn to 1.6 MB. Whole bodies keep the
     * large buffer (they are only appended). */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, call->stream ? 16L * 1024 : 256L * 1024);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "kubilitics");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
    if (!call->stream)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(call->timeout_ms > 0 ? call->timeout_ms : cfg->request_timeout_ms));
    if (!cfg->disable_compression && !call->stream) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    /* TLS: verification on unless the kubeconfig says otherwise. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, cfg->insecure_skip_tls_verify ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->insecure_skip_tls_verify ? 0L : 2L);
    if (cfg->ca_pem) {
        /* Only the kubeconfig's CA: not the system store as well. */
        curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        struct curl_blob ca = {.data = cfg->ca_pem, .len = cfg->ca_pem_len, .flags = CURL_BLOB_NOCOPY};
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
    }
    const char *cert = cfg->cert_pem, *key = cfg->key_pem;
    size_t cert_len = cfg->cert_pem_len, key_len = cfg->key_pem_len;
    if (cred && cred->cert_pem) {
        cert = cred->cert_pem;
        cert_len = cred->cert_pem_len;
        key = cred->key_pem;
        key_len = cred->key_pem_len;
    }
    if (cert && key) {
        struct curl_blob cb = {.data = (void *)cert, .len = cert_len, .flags = CURL_BLOB_COPY};
        struct curl_blob kb = {.data = (void *)key, .len = key_len, .flags = CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cb);
        curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &kb);
        curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (cl->connect_to) curl_easy_setopt(e, CURLOPT_CONNECT_TO, cl->connect_to);
    if (cfg->proxy_url) curl_easy_setopt(e, CURLOPT_PROXY, cfg->proxy_url);

    struct curl_slist *h = NULL;
    const char *token = NULL;
    if (cred && cred->token) token = cred->token;
    else if (cfg->token) token = cfg->token;
    else if (cfg->token_file) token = token_from_file(cl);
    if (token) {
        buf_t a = {0};
        buf_printf(&a, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, a.data);
        memset(a.data, 0, a.len);
        buf_free(&a);
    }
    bool has_accept = false;
    for (struct curl_slist *u = call->user_headers; u; u = u->next) {
        if (!strncasecmp(u->data, "Accept:", 7)) has_accept = true;
        h = curl_slist_append(h, u->data);
    }
    if (!has_accept) h = curl_slist_append(h, "Accept: application/json");
    if (!call->has_request_id) {
        /* Names the call and the attempt, so a server's or proxy's request
         * log shows which requests were retries of which (and how long the
         * client waited between them). */
        char rid[64];
        snprintf(rid, sizeof rid, "X-Request-Id: kb-%llx.%d", (unsigned long long)call->no, call->attempt);
        h = curl_slist_append(h, rid);
    }
    if (call->req_body.len || strcmp(call->method, "GET")) {
        buf_t ct = {0};
        buf_printf(&ct, "Content-Type: %s", call->content_type ? call->content_type : "application/json");
        h = curl_slist_append(h, ct.data);
        buf_free(&ct);
    }
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    call->hdrs = h;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    if (!strcmp(call->method, "GET")) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(call->method, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, call->method);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->req_body.data ? call->req_body.data : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->req_body.len);
    }
    call->state = CALL_ACTIVE;
    call->t_attempt_ns = clock_mono_ns();
    call->last_io_ms = now_ms(cl);
    CURLMcode mc = curl_multi_add_handle(cl->client->multi, e);
    if (mc != CURLM_OK) {
        call_drop_easy(call);
        char msg[256];
        snprintf(msg, sizeof msg, "libcurl: cannot start the request: %s", curl_multi_strerror(mc));
        call_finish(call, 0, ERR_INTERNAL, msg);
        return;
    }
    call_set_timer(call, (uint64_t)cfg->first_byte_timeout_ms, call_first_byte_timeout);
}

static void exec_cred_cb(const kube_cred_t *cred, const char *error, void *ud)
{
    kube_call_t *call = ud;
    kube_cluster_t *cl = call->cl;
    if (!cred) {
        char msg[600];
        snprintf(msg, sizeof msg, "cluster %s: %s", cl->cfg->id, error ? error : "exec plugin failed");
        cluster_error(cl, msg);
        cluster_auth_failed(cl, msg);
        call_fail_later(call, ERR_UNAVAILABLE, msg);
        return;
    }
    call_send(call, cred);
}

static void call_dispatch(kube_call_t *call)
{
    kube_cluster_t *cl = call->cl;
    uint64_t now = now_ms(cl);
    if (!call->probe && !kube_breaker_allow(&cl->breaker, now)) {
        char msg[600];
        snprintf(msg, sizeof msg, "cluster %s unreachable (circuit open; next probe in %llu ms)%s%s", cl->cfg->id,
                 (unsigned long long)kube_breaker_wait_ms(&cl->breaker, now), cl->has_error ? ": " : "",
                 cl->has_error ? cl->last_error : "");
        call_finish(call, 0, ERR_UNAVAILABLE, msg);
        return;
    }
    if (!(call->flags & KUBE_REQ_NO_LIMIT) && !call->reserved) {
        call->reserved = true;
        uint64_t wait = kube_bucket_reserve(&cl->bucket, now);
        if (wait > 0) {
            cl->stats.ratelimited_ms += wait;
            kube_client_t *c = cl->client;
            if (c->hooks.ratelimit_wait) c->hooks.ratelimit_wait(c->hooks.ud, cl->cfg->id, (double)wait / 1000.0);
            call_set_timer(call, wait, call_dispatch);
            return;
        }
    }
    const kube_cred_t *cred = NULL;
    if (cl->exec) {
        cred = kube_exec_get(cl->exec, exec_cred_cb, call);
        if (!cred) {
            call->state = CALL_CRED;
            return;
        }
    }
    call_send(call, cred);
}

static kube_call_t *call_new(kube_cluster_t *cl, const kube_request_t *req, bool stream, err_t *err)
{
    if (!cl || cl->freed) {
        err_set(err, ERR_CONFLICT, "cluster is gone");
        return NULL;
    }
    if (!req || !req->method || !req->path || req->path[0] != '/') {
        err_set(err, ERR_INVALID, "cluster %s: request path must start with '/'", cl ? cl->cfg->id : "?");
        return NULL;
    }
    for (const char *m = req->method; *m; m++) {
        if (*m < 'A' || *m > 'Z') {
            err_set(err, ERR_INVALID, "cluster %s: bad method", cl->cfg->id);
            return NULL;
        }
    }
    for (const char *p = req->path; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            err_set(err, ERR_INVALID, "cluster %s: request path contains a space or control character", cl->cfg->id);
            return NULL;
        }
    }
    struct curl_slist *uh = NULL;
    bool has_rid = false;
    for (size_t i = 0; i < req->nheaders; i++) {
        const kube_header_t *hh = &req->headers[i];
        if (!hh->name || !hh->value || !*hh->name || strpbrk(hh->name, ": \r\n") || strpbrk(hh->value, "\r\n") ||
            !strcasecmp(hh->name, "Authorization")) {
            curl_slist_free_all(uh);
            err_set(err, ERR_INVALID, "cluster %s: invalid request header %.64s", cl->cfg->id,
                    hh->name ? hh->name : "(null)");
            return NULL;
        }
        has_rid |= !strcasecmp(hh->name, "X-Request-Id");
        buf_t b = {0};
        buf_printf(&b, "%s: %s", hh->name, hh->value);
        uh = curl_slist_append(uh, b.data);
        buf_free(&b);
    }
    kube_call_t *call = xcalloc(1, sizeof *call);
    call->cl = cl;
    call->method = xstrdup(req->method);
    call->path = xstrdup(req->path);
    call->verb = req->verb ? xstrdup(req->verb) : NULL;
    call->content_type = req->content_type ? xstrdup(req->content_type) : NULL;
    if (req->body_len) buf_append(&call->req_body, req->body, req->body_len);
    call->user_headers = uh;
    call->has_request_id = has_rid;
    call->no = ++cl->client->next_call_no;
    call->flags = req->flags;
    call->timeout_ms = req->timeout_ms;
    call->stream = stream;
    uv_timer_init(cl->client->loop, &call->timer);
    call->timer.data = call;
    call->next = cl->calls;
    if (cl->calls) cl->calls->prev = call;
    cl->calls = call;
    call->state = CALL_WAIT;
    /* Never start inside the caller: the first step runs on the next turn. */
    call_set_timer(call, 0, call_dispatch);
    return call;
}

kube_call_t *kube_request(kube_cluster_t *cl, const kube_request_t *req, kube_done_fn on_done, void *ud, err_t *err)
{
    kube_call_t *call = call_new(cl, req, false, err);
    if (!call) return NULL;
    call->on_done = on_done;
    call->ud = ud;
    return call;
}

kube_call_t *kube_request_stream(kube_cluster_t *cl, const kube_request_t *req, const kube_stream_handlers_t *h,
                                 void *ud, err_t *err)
{
    if (!h || !h->on_done) {
        err_set(err, ERR_INVALID, "stream handlers need on_done");
        return NULL;
    }
    kube_call_t *call = call_new(cl, req, true, err);
    if (!call) return NULL;
    call->sh = *h;
    call->on_done = h->on_done;
    call->ud = ud;
    return call;
}
