/* main.c — the kubesim binary: flags, start order, the kubeconfig it
 * writes, and a clean stop on SIGINT/SIGTERM. See sim.h for the order and
 * docs/kubesim.md for the flags.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "ctrl.h"
#include "faults.h"
#include "http/http.h"
#include "sim.h"
#include "store.h"
#include "tls.h"
#include "sim_yaml.h"

typedef struct app {
    uv_loop_t *loop;
    sim_config_t cfg;
    sim_ctx_t ctx;
    sim_store_t *store;
    sim_auth_t *auth;
    sim_faults_t *faults;
    http_server_t *srv;
    sim_api_t *api;
    sim_controllers_t *ctl;
    sim_churn_t *churn;
    sim_tls_t tls;
    uv_check_t gc;
    uv_signal_t sigint, sigterm;
    bool stopping;
} app_t;

static void usage(FILE *f)
{
    fputs("usage: kubesim --listen HOST:PORT [--port-file F] [--manifests DIR]... [--nodes N] [--pods N]\n"
          "               [--namespaces N] [--churn EVENTS_PER_S] [--tokens FILE] [--tls] [--faults SPEC]\n"
          "               [--seed N] [--kubeconfig-out FILE] [--request-log FILE] [--watch-window N]\n"
          "               [--no-metrics] [--no-controllers]\n",
          f);
}

static int bad_usage(const char *what, const char *arg)
{
    fprintf(stderr, "kubesim: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return 2;
}

static bool parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 0) return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, sim_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->host = "127.0.0.1";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                                                               \
    do {                                                                                                           \
        if (!v) return bad_usage("missing value for", a);                                                          \
        i++;                                                                                                       \
    } while (0)
        long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--listen")) {
            NEED_VALUE();
            const char *colon = strrchr(v, ':');
            if (!colon || !parse_long(colon + 1, &n) || n > 65535) return bad_usage("--listen wants HOST:PORT", v);
            static char host[256];
            snprintf(host, sizeof host, "%.*s", (int)(colon - v), v);
            c->host = host[0] ? host : "127.0.0.1";
            c->port = (int)n;
        } else if (!strcmp(a, "--port-file")) {
            NEED_VALUE();
            c->port_file = v;
        } else if (!strcmp(a, "--manifests")) {
            NEED_VALUE();
            if (c->nmanifests == SIM_MAX_MANIFEST_DIRS) return bad_usage("too many --manifests", v);
            c->manifests[c->nmanifests++] = v;
        } else if (!strcmp(a, "--nodes") || !strcmp(a, "--pods") || !strcmp(a, "--namespaces") ||
                   !strcmp(a, "--seed") || !strcmp(a, "--watch-window")) {
            NEED_VALUE();
            if (!parse_long(v, &n)) return bad_usage("not a count", v);
            if (!strcmp(a, "--nodes")) c->nodes = n;
            else if (!strcmp(a, "--pods")) c->pods = n;
            else if (!strcmp(a, "--namespaces")) c->namespaces = n;
            else if (!strcmp(a, "--seed")) c->seed = (uint64_t)n;
            else c->watch_window = (size_t)n;
        } else if (!strcmp(a, "--churn")) {
            NEED_VALUE();
            char *end;
            c->churn = strtod(v, &end);
            if (*end || c->churn < 0) return bad_usage("--churn wants events per second", v);
        } else if (!strcmp(a, "--tokens")) {
            NEED_VALUE();
            c->tokens_file = v;
        } else if (!strcmp(a, "--tls")) {
            c->tls = true;
        } else if (!strcmp(a, "--faults")) {
            NEED_VALUE();
            c->faults = v;
        } else if (!strcmp(a, "--kubeconfig-out")) {
            NEED_VALUE();
            c->kubeconfig_out = v;
        } else if (!strcmp(a, "--request-log")) {
            NEED_VALUE();
            c->request_log = v;
        } else if (!strcmp(a, "--no-metrics")) {
            c->no_metrics = true;
        } else if (!strcmp(a, "--no-controllers")) {
            c->no_controllers = true;
        } else {
            return bad_usage("unknown flag", a);
        }
#undef NEED_VALUE
    }
    return 0;
}

static void b64(buf_t *out, const char *s)
{
    char *e = sim_base64(s);
    buf_puts(out, e);
    free(e);
}

static int write_kubeconfig(app_t *app, err_t *err)
{
    const sim_config_t *c = &app->cfg;
    buf_t b = {0};
    const char *host = strcmp(c->host, "0.0.0.0") == 0 || strcmp(c->host, "::") == 0 ? "127.0.0.1" : c->host;
    buf_printf(&b, "apiVersion: v1\nkind: Config\nclusters:\n- name: kubesim\n  cluster:\n    server: %s://%s:%d\n",
               c->tls ? "https" : "http", host, http_server_port(app->srv));
    if (c->tls) {
        buf_puts(&b, "    certificate-authority-data: ");
        b64(&b, app->tls.ca_pem);
        buf_putc(&b, '\n');
    }
    buf_puts(&b, "contexts:\n- name: kubesim\n  context:\n    cluster: kubesim\n    user: kubesim-token\n"
                 "    namespace: default\n");
    if (c->tls)
        buf_puts(&b, "- name: kubesim-cert\n  context:\n    cluster: kubesim\n    user: kubesim-cert\n"
                     "    namespace: default\n");
    buf_printf(&b, "current-context: kubesim\nusers:\n- name: kubesim-token\n  user:\n    token: %s\n",
               sim_auth_default_token(app->auth));
    if (c->tls) {
        buf_puts(&b, "- name: kubesim-cert\n  user:\n    client-certificate-data: ");
        b64(&b, app->tls.client_cert_pem);
        buf_puts(&b, "\n    client-key-data: ");
        b64(&b, app->tls.client_key_pem);
        buf_putc(&b, '\n');
    }
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", c->kubeconfig_out);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        buf_free(&b);
        return err_set(err, ERR_IO, "--kubeconfig-out %s: %s", c->kubeconfig_out, strerror(errno));
    }
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    buf_free(&b);
    if (rename(tmp, c->kubeconfig_out) < 0)
        return err_set(err, ERR_IO, "--kubeconfig-out %s: %s", c->kubeconfig_out, strerror(errno));
    return 0;
}

static void on_gc(uv_check_t *h)
{
    app_t *app = h->data;
    sim_store_gc(app->store);
}

static void drained(void *ud)
{
    app_t *app = ud;
    http_server_close(app->srv);
    app->srv = NULL;
}

static void on_signal(uv_signal_t *h, int sig)
{
    app_t *app = h->data;
    if (app->stopping) return;
    app->stopping = true;
    log_info("stopping", "signal=%d", sig);
    sim_api_shutdown(app->api);
    sim_auth_unwatch(app->auth);
    sim_churn_stop(app->churn);
    app->churn = NULL;
    sim_controllers_stop(app->ctl);
    app->ctl = NULL;
    uv_close((uv_handle_t *)&app->gc, NULL);
    uv_close((uv_handle_t *)&app->sigint, NULL);
    uv_close((uv_handle_t *)&app->sigterm, NULL);
    if (app->srv) http_server_drain(app->srv, 2000, drained, app);
}

int main(int argc, char **argv)
{
    app_t app_storage = {0}, *app = &app_storage;
    int rc = parse_args(argc, argv, &app->cfg);
    if (rc) return rc;
    sim_config_t *cfg = &app->cfg;
    signal(SIGPIPE, SIG_IGN);
    err_t err = {0};
    app->loop = uv_default_loop();
    sim_store_opts_t so = {.event_window = cfg->watch_window, .seed = cfg->seed};
    app->store = sim_store_new(&so);
    sim_auth_bootstrap(app->store);
    app->ctx = (sim_ctx_t){.loop = app->loop, .store = app->store, .cfg = cfg};
    for (int i = 0; i < cfg->nmanifests; i++) {
        int n = sim_manifests_apply(app->store, cfg->manifests[i], &err);
        if (n < 0) {
            fprintf(stderr, "kubesim: %s\n", err.msg);
            return 2;
        }
        log_info("manifests applied", "dir=%s objects=%d", cfg->manifests[i], n);
    }
    app->auth = sim_auth_new(app->store, cfg->tokens_file, cfg->seed, &err);
    if (!app->auth) {
        fprintf(stderr, "kubesim: %s\n", err.msg);
        return 2;
    }
    sim_auth_set_anonymous_is_default(app->auth, !cfg->tls);
    if (sim_auth_watch(app->auth, app->loop, 250) < 0)
        log_warn("cannot watch the token file", "file=%s", cfg->tokens_file);
    app->faults = sim_faults_parse(cfg->faults, cfg->seed, &err);
    if (!app->faults) {
        fprintf(stderr, "kubesim: %s\n", err.msg);
        return 2;
    }
    if (cfg->nodes || cfg->pods || cfg->namespaces) {
        if (sim_generate(&app->ctx, &err) < 0) {
            fprintf(stderr, "kubesim: generating the cluster: %s\n", err.msg);
            return 1;
        }
        sim_store_gc(app->store);
    }
    if (!cfg->no_controllers) {
        app->ctl = sim_controllers_start(&app->ctx, &err);
        if (!app->ctl) {
            fprintf(stderr, "kubesim: controllers: %s\n", err.msg);
            return 1;
        }
    }
    if (cfg->churn > 0) {
        app->churn = sim_churn_start(&app->ctx, &err);
        if (!app->churn) {
            fprintf(stderr, "kubesim: churn: %s\n", err.msg);
            return 1;
        }
    }
    http_config_t hc = {.host = cfg->host, .port = cfg->port, .max_body_bytes = 3u << 20,
                        .max_header_bytes = 64u << 10, .idle_timeout_ms = 120000};
    if (cfg->tls) {
        char dir[512];
        if (cfg->kubeconfig_out) snprintf(dir, sizeof dir, "%s.pki", cfg->kubeconfig_out);
        else snprintf(dir, sizeof dir, "/tmp/kubesim-pki-%d", (int)getpid());
        if (sim_tls_generate(dir, &app->tls, &err) < 0) {
            fprintf(stderr, "kubesim: %s\n", err.msg);
            return 1;
        }
        hc.tls_cert_file = app->tls.cert_file;
        hc.tls_key_file = app->tls.key_file;
        hc.tls_client_ca_file = app->tls.ca_file;
    }
    app->srv = http_server_new(app->loop, &hc, &err);
    if (!app->srv || http_server_listen(app->srv, &err) < 0) {
        fprintf(stderr, "kubesim: listen on %s:%d: %s\n", cfg->host, cfg->port, err.msg);
        return 1;
    }
    app->api = sim_api_new(&app->ctx, app->srv, app->auth, app->faults, &err);
    if (!app->api) {
        fprintf(stderr, "kubesim: %s\n", err.msg);
        return 2;
    }
    if (cfg->kubeconfig_out && write_kubeconfig(app, &err) < 0) {
        fprintf(stderr, "kubesim: %s\n", err.msg);
        return 1;
    }
    char line[600];
    snprintf(line, sizeof line, "listening on %s://%s:%d", cfg->tls ? "https" : "http", cfg->host,
             http_server_port(app->srv));
    if (cfg->port_file) {
        FILE *f = fopen(cfg->port_file, "w");
        if (!f) {
            fprintf(stderr, "kubesim: --port-file %s: %s\n", cfg->port_file, strerror(errno));
            return 1;
        }
        fprintf(f, "%s\n", line);
        fclose(f);
    }
    uv_check_init(app->loop, &app->gc);
    app->gc.data = app;
    uv_check_start(&app->gc, on_gc);
    uv_signal_init(app->loop, &app->sigint);
    uv_signal_init(app->loop, &app->sigterm);
    app->sigint.data = app->sigterm.data = app;
    uv_signal_start(&app->sigint, on_signal, SIGINT);
    uv_signal_start(&app->sigterm, on_signal, SIGTERM);
    printf("%s\n", line);
    fflush(stdout);
    log_info("kubesim serving", "url=%s objects_rv=%llu", line + 13, (unsigned long long)sim_store_rv(app->store));
    uv_run(app->loop, UV_RUN_DEFAULT);
    sim_api_free(app->api);
    sim_store_free(app->store);
    sim_auth_free(app->auth);
    sim_faults_free(app->faults);
    sim_tls_free(&app->tls);
    uv_loop_close(app->loop);
    return 0;
}
