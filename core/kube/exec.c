/* exec.c — exec credential plugins; see exec.h.
 *
 * One run is a uv_process_t with two pipes (stdout, stderr) and a timeout
 * timer. It is finished when the process has exited and both pipes reached
 * EOF; its struct is freed when all four handles have closed. A run outlives
 * its kube_exec_t when the exec is freed mid-run (the child is killed and
 * the run finishes on its own with nobody to tell).
 */
#include "kube/exec.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

extern char **environ;

#define EXEC_TIMEOUT_MS 60000
#define EXEC_MAX_OUTPUT (1u << 20)

typedef struct exec_waiter {
    kube_exec_fn cb;
    void *ud;
} exec_waiter_t;

typedef struct exec_run exec_run_t;

struct kube_exec {
    uv_loop_t *loop;
    char *name;
    kube_exec_config_t *cfg;
    char *cluster_json;
    kube_cred_t cred;
    bool have_cred;
    exec_run_t *run;            /* the command in flight, or NULL */
    struct exec_fail *fail;     /* a spawn failure waiting to be reported, or NULL */
    exec_waiter_t *waiters;
    size_t nwaiters, capwaiters;
    unsigned runs;
    int64_t (*now_ms)(void *ud);
    void *now_ud;
};

struct exec_run {
    kube_exec_t *x; /* NULL once the exec was freed */
    uv_process_t proc;
    uv_pipe_t out, errp;
    uv_timer_t timer;
    buf_t outb, errb;
    int open_handles;
    int pending; /* exit + two EOFs */
    int64_t exit_status;
    int term_signal;
    bool timed_out, too_big, spawned;
};

void kube_cred_clear(kube_cred_t *c)
{
    if (c->token) {
        memset(c->token, 0, strlen(c->token));
        free(c->token);
    }
    if (c->key_pem) {
        memset(c->key_pem, 0, c->key_pem_len);
        free(c->key_pem);
    }
    free(c->cert_pem);
    memset(c, 0, sizeof *c);
}

int kube_exec_parse(const char *json, size_t len, const char *api_version, kube_cred_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!doc || !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return err_set(err, ERR_INVALID, "exec plugin output is not a JSON object");
    }
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(doc, "apiVersion");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "status");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(st, "token");
    const cJSON *crt = cJSON_GetObjectItemCaseSensitive(st, "clientCertificateData");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(st, "clientKeyData");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(st, "expirationTimestamp");
    int rc = ERR_INVALID;
    if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "ExecCredential")) {
        err_set(err, rc, "exec plugin output: kind is not ExecCredential");
        goto done;
    }
    if (!cJSON_IsString(ver) || (api_version && strcmp(ver->valuestring, api_version))) {
        err_set(err, rc, "exec plugin output: apiVersion %s%.80s%s does not match the requested %s",
                cJSON_IsString(ver) ? "\"" : "", cJSON_IsString(ver) ? ver->valuestring : "(missing)",
                cJSON_IsString(ver) ? "\"" : "", api_version ? api_version : "?");
        goto done;
    }
    if (!cJSON_IsObject(st)) {
        err_set(err, rc, "exec plugin output: status missing");
        goto done;
    }
    bool have_tok = cJSON_IsString(tok) && *tok->valuestring;
    bool have_crt = cJSON_IsString(crt) && *crt->valuestring;
    bool have_key = cJSON_IsString(key) && *key->valuestring;
    if (have_crt != have_key) {
        err_set(err, rc, "exec plugin output: status.clientCertificateData and clientKeyData must come together");
        goto done;
    }
    if (!have_tok && !have_crt) {
        err_set(err, rc, "exec plugin output: status has neither token nor clientCertificateData");
        goto done;
    }
    if (exp && !cJSON_IsNull(exp)) {
        int64_t s = cJSON_IsString(exp) ? clock_parse_rfc3339(exp->valuestring) : -1;
        if (s < 0) {
            err_set(err, rc, "exec plugin output: status.expirationTimestamp is not an RFC 3339 time");
            goto done;
        }
        out->expiry_ms = s * 1000;
    }
    if (have_tok) out->token = xstrdup(tok->valuestring);
    if (have_crt) {
        out->cert_pem = xstrdup(crt->valuestring);
        out->cert_pem_len = strlen(out->cert_pem);
        out->key_pem = xstrdup(key->valuestring);
        out->key_pem_len = strlen(out->key_pem);
    }
    rc = 0;
done:
    /* The parsed tree holds the secret too; cJSON has no wipe, so blank the
     * strings we know about before freeing it. */
    if (cJSON_IsString(tok)) memset(tok->valuestring, 0, strlen(tok->valuestring));
    if (cJSON_IsString(key)) memset(key->valuestring, 0, strlen(key->valuestring));
    cJSON_Delete(doc);
    return rc;
}

static int64_t default_now(void *ud)
{
    (void)ud;
    return clock_wall_ms();
}

kube_exec_t *kube_exec_new(uv_loop_t *loop, const char *name, const kube_exec_config_t *cfg,
                           const char *cluster_json)
{
    kube_exec_t *x = xcalloc(1, sizeof *x);
    x->loop = loop;
    x->name = xstrdup(name ? name : "");
    x->cfg = kube_exec_config_dup(cfg);
    x->cluster_json = cluster_json ? xstrdup(cluster_json) : NULL;
    x->now_ms = default_now;
    return x;
}

void kube_exec_set_clock(kube_exec_t *x, int64_t (*now_ms)(void *ud), void *ud)
{
    x->now_ms = now_ms ? now_ms : default_now;
    x->now_ud = ud;
}

unsigned kube_exec_runs(const kube_exec_t *x) { return x->runs; }

void kube_exec_invalidate(kube_exec_t *x)
{
    if (x->have_cred) kube_cred_clear(&x->cred);
    x->have_cred = false;
}

static bool cred_valid(kube_exec_t *x)
{
    if (!x->have_cred) return false;
    if (x->cred.expiry_ms && x->now_ms(x->now_ud) >= x->cred.expiry_ms) {
        kube_exec_invalidate(x);
        return false;
    }
    return true;
}

static void run_handle_closed(uv_handle_t *h)
{
    exec_run_t *r = h->data;
    if (--r->open_handles == 0) {
        buf_free(&r->outb);
        buf_free(&r->errb);
        free(r);
    }
}

static void run_close_all(exec_run_t *r)
{
    uv_handle_t *hs[] = {(uv_handle_t *)&r->proc, (uv_handle_t *)&r->out, (uv_handle_t *)&r->errp,
                         (uv_handle_t *)&r->timer};
    for (size_t i = 0; i < 4; i++) {
        if (hs[i]->data && !uv_is_closing(hs[i])) uv_close(hs[i], run_handle_closed);
    }
}

static void notify(kube_exec_t *x, const kube_cred_t *cred, const char *error)
{
    /* Take the waiter list first: a callback may ask again (joining a new
     * run) or free the exec. */
    exec_waiter_t *w = x->waiters;
    size_t n = x->nwaiters;
    x->waiters = NULL;
    x->nwaiters = x->capwaiters = 0;
    for (size_t i = 0; i < n; i++) w[i].cb(cred, error, w[i].ud);
    free(w);
}

static void first_line(const buf_t *b, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len && b->data[i] != '\n' && n + 1 < cap; i++)
        out[n++] = (b->data[i] >= 32 || b->data[i] == '\t') ? b->data[i] : '?';
    out[n] = '\0';
}

static void run_finish(exec_run_t *r)
{
    kube_exec_t *x = r->x;
    run_close_all(r);
    if (!x) return;
    x->run = NULL;
    char why[800] = "";
    char errline[201];
    first_line(&r->errb, errline, sizeof errline);
    if (r->timed_out) {
        snprintf(why, sizeof why, "exec plugin %s: no answer within %d s", x->cfg->command, EXEC_TIMEOUT_MS / 1000);
    } else if (r->too_big) {
        snprintf(why, sizeof why, "exec plugin %s: output larger than %u bytes", x->cfg->command, EXEC_MAX_OUTPUT);
    } else if (r->term_signal) {
        snprintf(why, sizeof why, "exec plugin %s: killed by signal %d%s%s", x->cfg->command, r->term_signal,
                 *errline ? ": " : "", errline);
    } else if (r->exit_status != 0) {
        snprintf(why, sizeof why, "exec plugin %s: exit status %lld%s%s", x->cfg->command,
                 (long long)r->exit_status, *errline ? ": " : "", errline);
    } else {
        kube_cred_t c;
        err_t e = {0};
        if (kube_exec_parse(r->outb.data ? r->outb.data : "", r->outb.len, x->cfg->api_version, &c, &e)) {
            snprintf(why, sizeof why, "exec plugin %s: %s", x->cfg->command, e.msg);
        } else {
            kube_exec_invalidate(x);
            x->cred = c;
            x->have_cred = true;
        }
    }
    /* Output held the secret: wipe it before the buffer goes back. */
    if (r->outb.data) memset(r->outb.data, 0, r->outb.len);
    if (*why) {
        log_warn("kube exec credential failed", "cluster=%s error=%s", x->name, why);
        notify(x, NULL, why);
    } else {
        log_debug("kube exec credential obtained", "cluster=%s expiresMs=%lld", x->name,
                  (long long)x->cred.expiry_ms);
        notify(x, &x->cred, NULL);
    }
}

static void run_step(exec_run_t *r)
{
    if (--r->pending == 0) run_finish(r);
}

static void on_drain_timeout(uv_timer_t *t)
{
    /* The plugin exited but something it started still holds its stdout
     * open: finish with what we have. */
    exec_run_t *r = t->data;
    uv_read_stop((uv_stream_t *)&r->out);
    uv_read_stop((uv_stream_t *)&r->errp);
    r->pending = 1;
    run_step(r);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    exec_run_t *r = p->data;
    r->exit_status = status;
    r->term_signal = sig;
    if (!r->x) {
        /* Nobody is waiting any more (the exec was freed): close now rather
         * than wait for pipes a grandchild may keep open. */
        uv_timer_stop(&r->timer);
        run_close_all(r);
        return;
    }
    uv_timer_start(&r->timer, on_drain_timeout, 2000, 0);
    run_step(r);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    (void)hint;
    exec_run_t *r = h->data;
    buf_t *bb = (h == (uv_handle_t *)&r->out) ? &r->outb : &r->errb;
    buf_reserve(bb, 16384);
    b->base = bb->data + bb->len;
    b->len = bb->cap - bb->len - 1;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    exec_run_t *r = s->data;
    buf_t *bb = (s == (uv_stream_t *)&r->out) ? &r->outb : &r->errb;
    if (n > 0) {
        bb->len += (size_t)n;
        bb->data[bb->len] = '\0';
        if (bb->len > EXEC_MAX_OUTPUT && !r->too_big) {
            r->too_big = true;
            uv_process_kill(&r->proc, SIGKILL);
        }
        if (bb->len > EXEC_MAX_OUTPUT) bb->len = 0; /* keep memory bounded; the run has failed anyway */
        return;
    }
    if (n < 0) {
        uv_read_stop(s);
        run_step(r);
    }
}

static void on_timeout(uv_timer_t *t)
{
    exec_run_t *r = t->data;
    r->timed_out = true;
    uv_process_kill(&r->proc, SIGKILL);
}

static char *exec_info(const kube_exec_t *x)
{
    buf_t b = {0};
    buf_puts(&b, "{\"apiVersion\":");
    buf_json_cstr(&b, x->cfg->api_version);
    buf_puts(&b, ",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false");
    if (x->cfg->provide_cluster_info && x->cluster_json) {
        buf_puts(&b, ",\"cluster\":");
        buf_puts(&b, x->cluster_json);
    }
    buf_puts(&b, "}}");
    return buf_steal(&b);
}

static bool env_overridden(const kube_exec_t *x, const char *entry)
{
    const char *eq = strchr(entry, '=');
    size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
    if (n == 21 && !strncmp(entry, "KUBERNETES_EXEC_INFO", 20)) return true;
    for (size_t i = 0; i < x->cfg->nenv; i++)
        if (!strncmp(x->cfg->env[i], entry, n) && x->cfg->env[i][n] == '=') return true;
    return false;
}

static int run_start(kube_exec_t *x, err_t *err)
{
    exec_run_t *r = xcalloc(1, sizeof *r);
    r->x = x;
    r->pending = 3;
    size_t nenv = 0;
    for (char **e = environ; e && *e; e++) nenv++;
    char **env = xcalloc(nenv + x->cfg->nenv + 2, sizeof *env);
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (!env_overridden(x, *e)) env[k++] = *e;
    for (size_t i = 0; i < x->cfg->nenv; i++) env[k++] = x->cfg->env[i];
    char *info = exec_info(x);
    buf_t ib = {0};
    buf_printf(&ib, "KUBERNETES_EXEC_INFO=%s", info);
    free(info);
    env[k++] = ib.data;
    char **args = xcalloc(x->cfg->nargs + 2, sizeof *args);
    args[0] = x->cfg->command;
    for (size_t i = 0; i < x->cfg->nargs; i++) args[i + 1] = x->cfg->args[i];

    uv_pipe_init(x->loop, &r->out, 0);
    uv_pipe_init(x->loop, &r->errp, 0);
    uv_timer_init(x->loop, &r->timer);
    r->out.data = r->errp.data = r->timer.data = r;
    r->open_handles = 3;
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&r->out;
    stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[2].data.stream = (uv_stream_t *)&r->errp;
    uv_process_options_t o = {
        .exit_cb = on_exit_cb, .file = x->cfg->command, .args = args, .env = env, .stdio_count = 3, .stdio = stdio};
    int rc = uv_spawn(x->loop, &r->proc, &o);
    free(args);
    free(env);
    buf_free(&ib);
    if (rc) {
        /* A failed uv_spawn still initialised the process handle; close it
         * like the others. */
        r->proc.data = r;
        r->open_handles++;
        r->x = NULL;
        run_close_all(r);
        return err_set(err, ERR_UNAVAILABLE, "exec plugin %s: cannot run: %s%s%s", x->cfg->command, uv_strerror(rc),
                       x->cfg->install_hint ? ". " : "", x->cfg->install_hint ? x->cfg->install_hint : "");
    }
    r->proc.data = r;
    r->open_handles++;
    r->spawned = true;
    x->runs++;
    x->run = r;
    uv_read_start((uv_stream_t *)&r->out, on_alloc, on_read);
    uv_read_start((uv_stream_t *)&r->errp, on_alloc, on_read);
    uv_timer_start(&r->timer, on_timeout, EXEC_TIMEOUT_MS, 0);
    return 0;
}

/* A spawn failure is reported through the callback like any other failure,
 * but from a timer so that kube_exec_get never calls back synchronously. */
typedef struct exec_fail {
    uv_timer_t t;
    kube_exec_t *x;
    char msg[512];
} exec_fail_t;

static void fail_closed(uv_handle_t *h) { free(h->data); }

static void fail_fire(uv_timer_t *t)
{
    exec_fail_t *f = t->data;
    if (f->x) {
        f->x->fail = NULL;
        notify(f->x, NULL, f->msg);
    }
    uv_close((uv_handle_t *)t, fail_closed);
}

const kube_cred_t *kube_exec_get(kube_exec_t *x, kube_exec_fn cb, void *ud)
{
    if (cred_valid(x)) return &x->cred;
    if (x->nwaiters == x->capwaiters) {
        x->capwaiters = x->capwaiters ? x->capwaiters * 2 : 4;
        x->waiters = xrealloc(x->waiters, x->capwaiters * sizeof *x->waiters);
    }
    x->waiters[x->nwaiters++] = (exec_waiter_t){cb, ud};
    if (x->run || x->fail) return NULL;
    err_t e = {0};
    if (run_start(x, &e)) {
        log_warn("kube exec credential failed", "cluster=%s error=%s", x->name, e.msg);
        exec_fail_t *f = xcalloc(1, sizeof *f);
        f->x = x;
        snprintf(f->msg, sizeof f->msg, "%s", e.msg);
        uv_timer_init(x->loop, &f->t);
        f->t.data = f;
        uv_timer_start(&f->t, fail_fire, 0, 0);
        /* Further gets before the timer fires join this failure. */
        x->fail = f;
        x->runs++;
    }
    return NULL;
}

void kube_exec_cancel(kube_exec_t *x, kube_exec_fn cb, void *ud)
{
    size_t k = 0;
    for (size_t i = 0; i < x->nwaiters; i++)
        if (!(x->waiters[i].cb == cb && x->waiters[i].ud == ud)) x->waiters[k++] = x->waiters[i];
    x->nwaiters = k;
}

void kube_exec_free(kube_exec_t *x)
{
    if (!x) return;
    if (x->run) {
        x->run->x = NULL;
        uv_process_kill(&x->run->proc, SIGKILL);
    }
    if (x->fail) x->fail->x = NULL;
    kube_exec_invalidate(x);
    free(x->waiters);
    free(x->cluster_json);
    free(x->name);
    kube_exec_config_free(x->cfg);
    free(x);
}
