/* ctrl_logs.c — pods/log content for kubesim (see sim_logs_* in ctrl.h).
 *
 * Nothing is stored: a container instance's log is a pure function of the
 * pod's identity, the container name, which restart it is, and time. Line i
 * of an instance that started at S is stamped S + offset(i), with offsets
 * strictly increasing, so tailLines / sinceSeconds / follow are computed by
 * arithmetic and a binary search instead of materialising old lines. The
 * text of each line depends on the image (nginx access log, postgres, redis,
 * a log agent, a batch job, or JSON lines of a generic service); containers
 * that terminate with an error end with the error they "died" of.
 *
 * Like the kubelet's log rotation, only the last SIM_LOGS_KEEP lines of an
 * instance are kept, so a pod that has run for weeks does not answer with
 * hundreds of megabytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/mem.h"
#include "ctrl.h"
#include "ctrl_internal.h"

#define SIM_LOGS_KEEP 10000
#define SIM_LOGS_BOOT 4 /* start-up lines, written within the first second */

enum log_style { STYLE_JSON, STYLE_NGINX, STYLE_POSTGRES, STYLE_REDIS, STYLE_AGENT, STYLE_BATCH };

typedef struct log_inst {
    int64_t start_ms;
    int64_t end_ms; /* -1 while running */
    int exit_code;
    uint64_t seed;
    int64_t step_ms; /* mean gap between lines */
    enum log_style style;
    const char *image;
    const char *pod_ip;
} log_inst_t;

static enum log_style style_of(const char *image)
{
    if (!image) return STYLE_JSON;
    if (strstr(image, "nginx") || strstr(image, "frontend") || strstr(image, "envoy")) return STYLE_NGINX;
    if (strstr(image, "postgres")) return STYLE_POSTGRES;
    if (strstr(image, "redis")) return STYLE_REDIS;
    if (strstr(image, "fluent") || strstr(image, "log-agent") || strstr(image, "vector")) return STYLE_AGENT;
    if (strstr(image, "busybox") || strstr(image, "batch") || strstr(image, "job") || strstr(image, "backup"))
        return STYLE_BATCH;
    return STYLE_JSON;
}

/* Offset of line i from the instance start. Boot lines come within the
 * first second; later ones every step_ms with a jitter below half a step,
 * which keeps the sequence strictly increasing. */
static int64_t line_offset(const log_inst_t *in, int64_t i)
{
    if (i < SIM_LOGS_BOOT) return i * 40 + 5;
    int64_t k = i - SIM_LOGS_BOOT;
    int64_t jitter = (int64_t)(sim_mix64(in->seed ^ (uint64_t)i) % (uint64_t)(in->step_ms / 2 + 1));
    return 1000 + k * in->step_ms + jitter;
}

/* Number of regular lines stamped at or before t. */
static int64_t lines_until(const log_inst_t *in, int64_t t)
{
    if (t < in->start_ms) return 0;
    int64_t rel = t - in->start_ms;
    int64_t hi = SIM_LOGS_BOOT + rel / in->step_ms + 2, lo = 0;
    /* first index whose offset is > rel */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (line_offset(in, mid) <= rel) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* First index stamped at or after t. */
static int64_t first_at_or_after(const log_inst_t *in, int64_t t)
{
    return t <= in->start_ms ? 0 : lines_until(in, t - 1);
}

static const char *pick(uint64_t h, const char *const *v, size_t n) { return v[h % n]; }
#define PICK(h, arr) pick((h), (arr), sizeof(arr) / sizeof((arr)[0]))

static void put_ts(buf_t *b, int64_t t_ms)
{
    char ts[32];
    clock_rfc3339_ms(t_ms, ts);
    buf_puts(b, ts);
}

static void line_text(const log_inst_t *in, int64_t i, int64_t t_ms, buf_t *b)
{
    uint64_t h = sim_mix64(in->seed * 31 + (uint64_t)i);
    static const char *const paths[] = {"/",          "/products",   "/products/42", "/cart",
                                        "/api/v1/catalog", "/api/v1/cart/items", "/healthz", "/static/app.js",
                                        "/checkout",  "/search?q=shoes"};
    static const char *const methods[] = {"GET", "GET", "GET", "POST", "GET", "PUT", "GET", "DELETE"};
    static const char *const agents[] = {"Mozilla/5.0 (X11; Linux x86_64)", "kube-probe/1.30", "curl/8.5.0",
                                         "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1)"};
    if (i < SIM_LOGS_BOOT) {
        static const char *const boot[][SIM_LOGS_BOOT] = {
            [STYLE_JSON] = {"starting service", "loaded configuration", "connected to upstream", "listening on :8080"},
            [STYLE_NGINX] = {"using the \"epoll\" event method", "nginx/1.25.3", "start worker processes",
                             "start worker process 29"},
            [STYLE_POSTGRES] = {"starting PostgreSQL 16.1 on x86_64-pc-linux-gnu",
                                "listening on IPv4 address \"0.0.0.0\", port 5432",
                                "database system was shut down at 2026-01-01 00:00:00 UTC",
                                "database system is ready to accept connections"},
            [STYLE_REDIS] = {"Redis version=7.2.3, bits=64, commit=00000000, modified=0, pid=1, just started",
                             "Configuration loaded", "Server initialized", "Ready to accept connections tcp"},
            [STYLE_AGENT] = {"Fluent Bit v2.2.0", "[storage] ver=1.5.1, type=memory, sync=normal",
                             "[input:tail:tail.0] initializing", "[output:forward:forward.0] worker #0 started"},
            [STYLE_BATCH] = {"job starting", "reading input", "processing batch 1", "processing batch 2"},
        };
        const char *msg = boot[in->style][i];
        if (in->style == STYLE_JSON) {
            buf_puts(b, "{\"level\":\"info\",\"ts\":\"");
            put_ts(b, t_ms);
            buf_printf(b, "\",\"msg\":\"%s\"}", msg);
        } else {
            buf_puts(b, msg);
        }
        return;
    }
    switch (in->style) {
    case STYLE_NGINX: {
        time_t s = (time_t)(t_ms / 1000);
        struct tm tm;
        gmtime_r(&s, &tm);
        char when[64];
        strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
        int code = (h >> 20) % 50 == 0 ? 404 : ((h >> 26) % 200 == 0 ? 502 : 200);
        buf_printf(b, "10.244.%u.%u - - [%s] \"%s %s HTTP/1.1\" %d %u \"-\" \"%s\"", (unsigned)(h >> 8 & 63),
                   (unsigned)(h >> 14 & 255), when, PICK(h >> 3, methods), PICK(h >> 33, paths), code,
                   (unsigned)(200 + (h >> 40) % 9000), PICK(h >> 50, agents));
        break;
    }
    case STYLE_POSTGRES: {
        time_t s = (time_t)(t_ms / 1000);
        struct tm tm;
        gmtime_r(&s, &tm);
        char when[64];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        static const char *const msgs[] = {
            "LOG:  checkpoint starting: time",
            "LOG:  checkpoint complete: wrote 42 buffers (0.3%); 0 WAL file(s) added, 0 removed, 0 recycled",
            "LOG:  automatic vacuum of table \"shop.public.orders\": index scans: 1",
            "LOG:  duration: 12.345 ms  statement: SELECT * FROM products WHERE id = $1",
            "LOG:  connection received: host=10.244.1.12 port=51234",
            "LOG:  connection authorized: user=shop database=shop"};
        buf_printf(b, "%s.%03d UTC [%u] %s", when, (int)(t_ms % 1000), (unsigned)(60 + h % 900), PICK(h >> 9, msgs));
        break;
    }
    case STYLE_REDIS: {
        time_t s = (time_t)(t_ms / 1000);
        struct tm tm;
        gmtime_r(&s, &tm);
        char when[64];
        strftime(when, sizeof when, "%d %b %Y %H:%M:%S", &tm);
        static const char *const msgs[] = {"* 100 changes in 300 seconds. Saving...",
                                           "* Background saving started by pid 42",
                                           "* DB saved on disk", "* Background saving terminated with success",
                                           "- Accepted 10.244.2.7:40112", "- Client closed connection"};
        buf_printf(b, "1:M %s.%03d %s", when, (int)(t_ms % 1000), PICK(h >> 7, msgs));
        break;
    }
    case STYLE_AGENT: {
        time_t s = (time_t)(t_ms / 1000);
        struct tm tm;
        gmtime_r(&s, &tm);
        char when[64];
        strftime(when, sizeof when, "%Y/%m/%d %H:%M:%S", &tm);
        static const char *const msgs[] = {
            "[ info] [input:tail:tail.0] inotify_fs_add(): inode=%u watch_fd=%u name=/var/log/containers/app.log",
            "[ info] [output:forward:forward.0] flushed %u records",
            "[ warn] [engine] failed to flush chunk '1-%u.flb', retry in 7 seconds",
            "[ info] [input:tail:tail.0] inotify_fs_remove(): inode=%u watch_fd=%u"};
        buf_printf(b, "[%s] ", when);
        buf_printf(b, PICK(h >> 5, msgs), (unsigned)(h >> 16 & 0xfffff), (unsigned)(h >> 40 & 63));
        break;
    }
    case STYLE_BATCH:
        buf_printf(b, "processed %u records (batch %lld)", (unsigned)(100 + h % 900), (long long)(i - 1));
        break;
    case STYLE_JSON:
    default: {
        static const char *const levels[] = {"info", "info", "info", "info", "info", "debug", "warn"};
        const char *lvl = PICK(h >> 2, levels);
        buf_puts(b, "{\"level\":\"");
        buf_puts(b, lvl);
        buf_puts(b, "\",\"ts\":\"");
        put_ts(b, t_ms);
        if (lvl[0] == 'w')
            buf_printf(b, "\",\"msg\":\"slow upstream\",\"upstream\":\"%s\",\"duration_ms\":%u}",
                       (h >> 11) & 1 ? "postgres:5432" : "redis:6379", (unsigned)(250 + (h >> 24) % 2000));
        else
            buf_printf(b,
                       "\",\"msg\":\"request handled\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,"
                       "\"duration_ms\":%u.%u,\"trace_id\":\"%016llx\"}",
                       PICK(h >> 3, methods), PICK(h >> 33, paths), (h >> 45) % 40 == 0 ? 500 : 200,
                       (unsigned)((h >> 20) % 120), (unsigned)((h >> 28) % 10),
                       (unsigned long long)sim_mix64(h));
        break;
    }
    }
}

/* The last words of a container that exits: what `kubectl logs` of a crashing
 * pod shows, or a job's summary. */
static void final_text(const log_inst_t *in, int k, buf_t *b)
{
    if (in->exit_code == 0) {
        buf_puts(b, k == 0 ? "all records processed" : "done, exiting with status 0");
        return;
    }
    if (in->style == STYLE_JSON || in->style == STYLE_BATCH) {
        if (k == 0) {
            buf_puts(b, "{\"level\":\"error\",\"ts\":\"");
            put_ts(b, in->end_ms);
            buf_puts(b, "\",\"msg\":\"failed to connect to database\",\"error\":\"dial tcp 10.96.0.42:5432: "
                        "connect: connection refused\"}");
        } else {
            buf_puts(b, "panic: runtime error: invalid memory address or nil pointer dereference");
        }
    } else {
        buf_puts(b, k == 0 ? "FATAL: could not load configuration: no such file or directory"
                           : "exiting with status 1");
    }
}

static const cJSON *find_named(const cJSON *arr, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        const char *n = sim_jstr(c, "name");
        if (n && name && strcmp(n, name) == 0) return c;
    }
    return NULL;
}

static void names_list(const cJSON *arr, buf_t *b)
{
    const cJSON *c;
    int i = 0;
    buf_putc(b, '[');
    cJSON_ArrayForEach(c, arr)
    {
        const char *n = sim_jstr(c, "name");
        if (!n) continue;
        if (i++) buf_putc(b, ' ');
        buf_puts(b, n);
    }
    buf_putc(b, ']');
}

/* Resolve which container instance the request is about. */
static int resolve_instance(const cJSON *pod, const sim_log_opts_t *o, log_inst_t *in, const char **cname,
                            err_t *err)
{
    const char *pname = sim_jstr(sim_jpath(pod, "metadata"), "name");
    const char *ns = sim_jstr(sim_jpath(pod, "metadata"), "namespace");
    const cJSON *spec_cs = sim_jpath(pod, "spec", "containers");
    const cJSON *init_cs = sim_jpath(pod, "spec", "initContainers");
    const char *want = o && o->container && *o->container ? o->container : NULL;
    if (!want) {
        if (cJSON_GetArraySize(spec_cs) != 1) {
            buf_t names = {0};
            names_list(spec_cs, &names);
            err_set(err, SIM_ERR_BAD_REQUEST, "a container name must be specified for pod %s, choose one of: %s",
                    pname ? pname : "", buf_cstr(&names));
            buf_free(&names);
            return SIM_ERR_BAD_REQUEST;
        }
        want = sim_jstr(cJSON_GetArrayItem(spec_cs, 0), "name");
    }
    const cJSON *spec_c = find_named(spec_cs, want);
    const cJSON *st = find_named(sim_jpath(pod, "status", "containerStatuses"), want);
    if (!spec_c) {
        spec_c = find_named(init_cs, want);
        st = find_named(sim_jpath(pod, "status", "initContainerStatuses"), want);
    }
    if (!spec_c)
        return err_set(err, SIM_ERR_BAD_REQUEST, "container %s is not valid for pod %s", want, pname ? pname : "");
    *cname = want;

    const cJSON *state = NULL;
    if (o && o->previous) {
        state = sim_jpath(st, "lastState", "terminated");
        if (!state)
            return err_set(err, SIM_ERR_BAD_REQUEST, "previous terminated container \"%s\" in pod \"%s\" not found", want,
                           pname ? pname : "");
    } else {
        state = sim_jpath(st, "state", "running");
        if (!state) state = sim_jpath(st, "state", "terminated");
        /* A container waiting to restart shows the logs of its last run. */
        if (!state) state = sim_jpath(st, "lastState", "terminated");
        if (!state) {
            const char *why = sim_jstr(sim_jpath(st, "state", "waiting"), "reason");
            return err_set(err, SIM_ERR_BAD_REQUEST, "container \"%s\" in pod \"%s\" is waiting to start: %s", want,
                           pname ? pname : "", why ? why : "ContainerCreating");
        }
    }
    memset(in, 0, sizeof *in);
    in->start_ms = sim_jtime_ms(state, "startedAt");
    if (in->start_ms < 0) in->start_ms = sim_jtime_ms(sim_jpath(pod, "status"), "startTime");
    if (in->start_ms < 0) in->start_ms = 0;
    in->end_ms = sim_jtime_ms(state, "finishedAt");
    in->exit_code = (int)sim_jint(state, "exitCode", 0);
    in->image = sim_jstr(spec_c, "image");
    in->style = style_of(in->image);
    in->pod_ip = sim_jstr(sim_jpath(pod, "status"), "podIP");
    uint64_t h = sim_hash_str(ns, 11);
    h = sim_mix64(h ^ sim_hash_str(pname, 13));
    h = sim_mix64(h ^ sim_hash_str(want, 17));
    h = sim_mix64(h ^ (uint64_t)in->start_ms);
    in->seed = h;
    in->step_ms = 1500 + (int64_t)(h % 4500);
    if (in->style == STYLE_BATCH) in->step_ms = 700 + (int64_t)(h % 800);
    if (in->end_ms >= 0 && in->end_ms < in->start_ms) in->end_ms = in->start_ms;
    return 0;
}

/* Emit lines [from, to) of the instance (regular lines then, when the
 * instance has ended, its final lines as indices past the regular ones). */
typedef struct log_range {
    int64_t regular; /* regular lines that exist */
    int finals;      /* 0 or 2 */
} log_range_t;

static log_range_t range_at(const log_inst_t *in, int64_t now_ms)
{
    log_range_t r = {0, 0};
    int64_t horizon = now_ms;
    if (in->end_ms >= 0 && in->end_ms <= now_ms) {
        horizon = in->end_ms - 1;
        r.finals = 2;
    }
    r.regular = lines_until(in, horizon);
    return r;
}

static int64_t line_time(const log_inst_t *in, const log_range_t *r, int64_t i)
{
    if (i < r->regular) return in->start_ms + line_offset(in, i);
    return in->end_ms;
}

static void emit(const log_inst_t *in, const log_range_t *r, int64_t i, bool timestamps, buf_t *out)
{
    int64_t t = line_time(in, r, i);
    if (timestamps) {
        /* kubelet stamps RFC 3339 with nanoseconds */
        char ts[32];
        clock_rfc3339(t / 1000, ts);
        ts[19] = '\0';
        buf_printf(out, "%s.%03d%06dZ ", ts, (int)(t % 1000), (int)(sim_mix64(in->seed + (uint64_t)i) % 1000000));
    }
    if (i < r->regular) line_text(in, i, t, out);
    else final_text(in, (int)(i - r->regular), out);
    buf_putc(out, '\n');
}

int sim_logs_render(const cJSON *pod, const sim_log_opts_t *o, int64_t now_ms, buf_t *out, sim_log_cursor_t *cur,
                  err_t *err)
{
    log_inst_t in;
    const char *cname = NULL;
    int rc = resolve_instance(pod, o, &in, &cname, err);
    if (rc < 0) return rc;
    log_range_t r = range_at(&in, now_ms);
    int64_t total = r.regular + r.finals;
    int64_t first = total > SIM_LOGS_KEEP ? total - SIM_LOGS_KEEP : 0;
    int64_t since = 0;
    if (o && o->since_seconds > 0) since = now_ms - o->since_seconds * 1000;
    if (since > 0) {
        int64_t f = first_at_or_after(&in, since);
        if (f > r.regular) f = r.regular;
        if (r.finals && in.end_ms < since) f = total;
        if (f > first) first = f;
    }
    if (o && o->tail_lines >= 0 && total - o->tail_lines > first) first = total - o->tail_lines;
    size_t start_len = out->len;
    int64_t i = first;
    for (; i < total; i++) {
        if (o && o->limit_bytes > 0 && (int64_t)(out->len - start_len) >= o->limit_bytes) break;
        emit(&in, &r, i, o && o->timestamps, out);
    }
    if (o && o->limit_bytes > 0 && (int64_t)(out->len - start_len) > o->limit_bytes)
        out->len = start_len + (size_t)o->limit_bytes, out->data[out->len] = '\0';
    if (cur) {
        cur->instance_start_ms = in.start_ms;
        cur->next_line = i;
        cur->ended = r.finals > 0;
    }
    return 0;
}

int sim_logs_render_more(const cJSON *pod, const sim_log_opts_t *o, int64_t now_ms, sim_log_cursor_t *cur,
                       buf_t *out, err_t *err)
{
    sim_log_opts_t o2 = o ? *o : (sim_log_opts_t){0};
    o2.tail_lines = -1;
    o2.since_seconds = 0;
    o2.limit_bytes = 0;
    log_inst_t in;
    const char *cname = NULL;
    int rc = resolve_instance(pod, &o2, &in, &cname, err);
    if (rc < 0) return rc;
    if (in.start_ms != cur->instance_start_ms) {
        /* The container restarted: real `logs -f` ends with the old
         * instance, so report the end and let the caller close. */
        cur->ended = true;
        return 0;
    }
    log_range_t r = range_at(&in, now_ms);
    int64_t total = r.regular + r.finals;
    for (; cur->next_line < total; cur->next_line++) emit(&in, &r, cur->next_line, o2.timestamps, out);
    cur->ended = r.finals > 0;
    return 0;
}

/* ---- against the store ---- */

static const sim_kind_t *pod_kind(sim_ctx_t *ctx) { return sim_kind_by_kind(ctx->store, "", "Pod"); }

int sim_logs_read(sim_ctx_t *ctx, const char *ns, const char *pod, const sim_log_opts_t *o, buf_t *out, err_t *err)
{
    const cJSON *p = sim_get(ctx->store, pod_kind(ctx), ns, pod);
    if (!p) return err_set(err, ERR_NOTFOUND, "pods \"%s\" not found", pod ? pod : "");
    return sim_logs_render(p, o, clock_wall_ms(), out, NULL, err);
}

struct sim_log_follow {
    uv_timer_t timer;
    sim_ctx_t *ctx;
    char *ns, *name, *container;
    sim_log_opts_t opts;
    sim_log_cursor_t cur;
    bool started, done;
    sim_log_data_fn on_data;
    sim_log_end_fn on_end;
    void *ud;
};

static void follow_closed(uv_handle_t *h)
{
    sim_log_follow_t *f = h->data;
    free(f->ns);
    free(f->name);
    free(f->container);
    free(f);
}

static void follow_finish(sim_log_follow_t *f, bool notify)
{
    if (f->done) return;
    f->done = true;
    uv_timer_stop(&f->timer);
    if (notify && f->on_end) f->on_end(f->ud);
    uv_close((uv_handle_t *)&f->timer, follow_closed);
}

static void follow_tick(uv_timer_t *t)
{
    sim_log_follow_t *f = t->data;
    const cJSON *p = sim_get(f->ctx->store, pod_kind(f->ctx), f->ns, f->name);
    if (!p) {
        follow_finish(f, true);
        return;
    }
    buf_t out = {0};
    err_t e = {0};
    int rc;
    if (!f->started) {
        rc = sim_logs_render(p, &f->opts, clock_wall_ms(), &out, &f->cur, &e);
        f->started = true;
    } else {
        rc = sim_logs_render_more(p, &f->opts, clock_wall_ms(), &f->cur, &out, &e);
    }
    if (out.len && f->on_data) f->on_data(out.data, out.len, f->ud);
    buf_free(&out);
    /* A container that stopped (or restarted into a new instance) ends the
     * stream, as `kubectl logs -f` does. */
    if (rc < 0 || f->cur.ended) follow_finish(f, true);
}

sim_log_follow_t *sim_logs_follow(sim_ctx_t *ctx, const char *ns, const char *pod, const sim_log_opts_t *o,
                                  sim_log_data_fn on_data, sim_log_end_fn on_end, void *ud, err_t *err)
{
    const cJSON *p = sim_get(ctx->store, pod_kind(ctx), ns, pod);
    if (!p) {
        err_set(err, ERR_NOTFOUND, "pods \"%s\" not found", pod ? pod : "");
        return NULL;
    }
    /* Validate now so the caller can answer 400 before streaming. */
    buf_t probe = {0};
    sim_log_opts_t po = o ? *o : (sim_log_opts_t){.tail_lines = -1};
    po.tail_lines = 0;
    int rc = sim_logs_render(p, &po, clock_wall_ms(), &probe, NULL, err);
    buf_free(&probe);
    if (rc < 0) return NULL;
    sim_log_follow_t *f = xcalloc(1, sizeof *f);
    f->ctx = ctx;
    f->ns = xstrdup(ns ? ns : "");
    f->name = xstrdup(pod);
    if (o) f->opts = *o;
    else f->opts.tail_lines = -1;
    if (f->opts.container) f->container = xstrdup(f->opts.container);
    f->opts.container = f->container;
    f->on_data = on_data;
    f->on_end = on_end;
    f->ud = ud;
    uv_timer_init(ctx->loop, &f->timer);
    f->timer.data = f;
    uv_timer_start(&f->timer, follow_tick, 0, 250);
    return f;
}

void sim_logs_follow_stop(sim_log_follow_t *f)
{
    if (f) follow_finish(f, false);
}
