/* bench/http/server.c — the server bench/http/run.sh measures: core/http
 * with /healthz and a static directory, nothing else.
 *
 *   server STATIC_DIR   prints "PORT\n" on stdout once listening on
 *                       127.0.0.1 (a free port), then serves until killed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/http.h"

static const char *root;

static void h_health(http_req_t *r, void *ud)
{
    http_res_send(r, 200, "text/plain", "ok", 2);
}
static void h_static(http_req_t *r, void *ud)
{
    http_res_file(r, root, http_req_param(r, "*"));
}

static void on_signal(uv_signal_t *s, int signum)
{
    http_server_close(s->data);
    uv_close((uv_handle_t *)s, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s STATIC_DIR\n", argv[0]);
        return 2;
    }
    root = argv[1];
    uv_loop_t *loop = uv_default_loop();
    err_t err = {0};
    http_config_t cfg = {.host = "127.0.0.1", .port = 0};
    http_server_t *s = http_server_new(loop, &cfg, &err);
    if (!s || http_route(s, "GET", "/healthz", h_health, NULL) ||
        http_route(s, "GET", "/static/*", h_static, NULL) || http_server_listen(s, &err) != 0) {
        fprintf(stderr, "bench server: %s\n", err.msg);
        return 1;
    }
    printf("%d\n", http_server_port(s));
    fflush(stdout);
    uv_signal_t sig;
    uv_signal_init(loop, &sig);
    sig.data = s;
    uv_signal_start(&sig, on_signal, SIGTERM);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
