/* test_kube_exec.c — exec credential plugins: ExecCredential parsing, a real
 * script run on the loop, caching until expiry (injected clock), re-run after
 * expiry and after invalidation (what a 401 does), failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube/exec.h"
#include "test.h"

static char dir[256];

static void mk_script(const char *body)
{
    snprintf(dir, sizeof dir, "/tmp/kb-exec-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    char p[512];
    snprintf(p, sizeof p, "%s/plugin.sh", dir);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    fprintf(f, "#!/bin/sh\n%s", body);
    fclose(f);
    chmod(p, 0755);
}

static kube_exec_config_t *cfg_for(const char *api)
{
    kube_exec_config_t *c = calloc(1, sizeof *c);
    char p[512];
    snprintf(p, sizeof p, "%s/plugin.sh", dir);
    c->command = strdup(p);
    c->api_version = strdup(api);
    c->args = calloc(2, sizeof *c->args);
    c->args[0] = strdup(dir);
    c->nargs = 1;
    c->env = calloc(2, sizeof *c->env);
    c->env[0] = strdup("PLUGIN_SECRET=xyz");
    c->nenv = 1;
    c->provide_cluster_info = true;
    return c;
}

typedef struct res {
    int calls;
    char token[256];
    char error[600];
    int64_t expiry;
} res_t;

static void on_cred(const kube_cred_t *cred, const char *error, void *ud)
{
    res_t *r = ud;
    r->calls++;
    if (cred) {
        snprintf(r->token, sizeof r->token, "%s", cred->token ? cred->token : "");
        r->expiry = cred->expiry_ms;
    } else {
        snprintf(r->error, sizeof r->error, "%s", error);
    }
}

static int64_t fake_now;
static int64_t clock_fn(void *ud)
{
    (void)ud;
    return fake_now;
}

static void run_until(uv_loop_t *loop, int *flag, int want)
{
    for (int i = 0; i < 2000 && *flag < want; i++) uv_run(loop, UV_RUN_ONCE);
}

/* The script counts its runs in a file and answers with token-N, valid
 * until 2030-01-01. It also echoes what it was told in KUBERNETES_EXEC_INFO
 * and its env, so the test can check both reached it. */
static const char *COUNTING =
    "n=$(cat \"$1/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$1/count\"\n"
    "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$1/info\"\n"
    "printf '%s' \"$PLUGIN_SECRET\" > \"$1/env\"\n"
    "cat <<EOF\n"
    "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
    "\"status\":{\"token\":\"token-$n\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}\n"
    "EOF\n";

TEST(exec_plugin_credential_is_cached_until_expiry_then_rerun)
{
    mk_script(COUNTING);
    uv_loop_t loop;
    uv_loop_init(&loop);
    kube_exec_config_t *cfg = cfg_for("client.authentication.k8s.io/v1");
    kube_exec_t *x = kube_exec_new(&loop, "c1", cfg, "{\"server\":\"https://h:1\"}");
    kube_exec_config_free(cfg);
    kube_exec_set_clock(x, clock_fn, NULL);
    fake_now = 1800000000000; /* 2027 */
    res_t a = {0}, b = {0};
    /* Two requests while the first run is in flight share one process. */
    CHECK(kube_exec_get(x, on_cred, &a) == NULL);
    CHECK(kube_exec_get(x, on_cred, &b) == NULL);
    CHECK_INT(a.calls, 0); /* never synchronously */
    run_until(&loop, &b.calls, 1);
    CHECK_INT(a.calls, 1);
    CHECK_INT(b.calls, 1);
    CHECK_STR(a.token, "token-1");
    CHECK_STR(b.token, "token-1");
    CHECK_INT(a.expiry, 1893456000000LL);
    CHECK_INT(kube_exec_runs(x), 1);
    /* Cached: answered without running anything. */
    const kube_cred_t *c = kube_exec_get(x, on_cred, &a);
    CHECK(c != NULL);
    CHECK_STR(c->token, "token-1");
    CHECK_INT(kube_exec_runs(x), 1);
    /* Past the expiry: runs again. */
    fake_now = 1893456000000LL;
    res_t d = {0};
    CHECK(kube_exec_get(x, on_cred, &d) == NULL);
    run_until(&loop, &d.calls, 1);
    CHECK_STR(d.token, "token-2");
    CHECK_INT(kube_exec_runs(x), 2);
    /* What a 401 does: drop the cache, and the next get runs it again. */
    fake_now = 1800000000000;
    kube_exec_invalidate(x);
    res_t e = {0};
    CHECK(kube_exec_get(x, on_cred, &e) == NULL);
    run_until(&loop, &e.calls, 1);
    CHECK_STR(e.token, "token-3");

    char p[512], buf[512] = {0};
    snprintf(p, sizeof p, "%s/info", dir);
    FILE *f = fopen(p, "r");
    CHECK(f && fread(buf, 1, sizeof buf - 1, f) > 0);
    fclose(f);
    CHECK(strstr(buf, "\"kind\":\"ExecCredential\"") != NULL);
    CHECK(strstr(buf, "\"interactive\":false") != NULL);
    CHECK(strstr(buf, "\"cluster\":{\"server\":\"https://h:1\"}") != NULL);
    snprintf(p, sizeof p, "%s/env", dir);
    f = fopen(p, "r");
    memset(buf, 0, sizeof buf);
    CHECK(f && fread(buf, 1, sizeof buf - 1, f) > 0);
    fclose(f);
    CHECK_STR(buf, "xyz");

    kube_exec_free(x);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

TEST(exec_plugin_failure_reports_exit_status_and_stderr)
{
    mk_script("echo 'login required: run tool login' >&2\nexit 3\n");
    uv_loop_t loop;
    uv_loop_init(&loop);
    kube_exec_config_t *cfg = cfg_for("client.authentication.k8s.io/v1beta1");
    kube_exec_t *x = kube_exec_new(&loop, "c1", cfg, NULL);
    kube_exec_config_free(cfg);
    res_t a = {0};
    CHECK(kube_exec_get(x, on_cred, &a) == NULL);
    run_until(&loop, &a.calls, 1);
    CHECK_INT(a.calls, 1);
    CHECK(strstr(a.error, "exit status 3: login required: run tool login") != NULL);
    kube_exec_free(x);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

TEST(exec_plugin_missing_command_fails_through_the_callback)
{
    snprintf(dir, sizeof dir, "/nonexistent-dir");
    uv_loop_t loop;
    uv_loop_init(&loop);
    kube_exec_config_t *cfg = cfg_for("client.authentication.k8s.io/v1");
    free(cfg->install_hint);
    cfg->install_hint = strdup("install it from example.com");
    kube_exec_t *x = kube_exec_new(&loop, "c1", cfg, NULL);
    kube_exec_config_free(cfg);
    res_t a = {0};
    CHECK(kube_exec_get(x, on_cred, &a) == NULL);
    CHECK_INT(a.calls, 0);
    run_until(&loop, &a.calls, 1);
    CHECK_INT(a.calls, 1);
    CHECK(strstr(a.error, "cannot run") != NULL);
    CHECK(strstr(a.error, "install it from example.com") != NULL);
    kube_exec_free(x);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

TEST(exec_free_while_running_kills_the_child_and_calls_nobody)
{
    mk_script("sleep 30\n");
    uv_loop_t loop;
    uv_loop_init(&loop);
    kube_exec_config_t *cfg = cfg_for("client.authentication.k8s.io/v1");
    kube_exec_t *x = kube_exec_new(&loop, "c1", cfg, NULL);
    kube_exec_config_free(cfg);
    res_t a = {0};
    CHECK(kube_exec_get(x, on_cred, &a) == NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
    kube_exec_free(x);
    uv_run(&loop, UV_RUN_DEFAULT); /* returns once the killed child is reaped */
    CHECK_INT(a.calls, 0);
    CHECK_INT(uv_loop_close(&loop), 0);
}

TEST(exec_credential_parse_checks_version_and_content)
{
    kube_cred_t c;
    err_t e = {0};
    const char *ok = "{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
                     "\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\"}}";
    CHECK_INT(kube_exec_parse(ok, strlen(ok), "client.authentication.k8s.io/v1beta1", &c, &e), 0);
    CHECK_STR(c.cert_pem, "CERT");
    CHECK_STR(c.key_pem, "KEY");
    CHECK_INT(c.expiry_ms, 0);
    kube_cred_clear(&c);
    CHECK(kube_exec_parse(ok, strlen(ok), "client.authentication.k8s.io/v1", &c, &e) != 0);
    CHECK(strstr(e.msg, "does not match the requested client.authentication.k8s.io/v1") != NULL);
    const char *noth = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}";
    CHECK(kube_exec_parse(noth, strlen(noth), "client.authentication.k8s.io/v1", &c, &e) != 0);
    CHECK(strstr(e.msg, "neither token nor clientCertificateData") != NULL);
    const char *badexp = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                         "\"status\":{\"token\":\"SECRET\",\"expirationTimestamp\":\"tomorrow\"}}";
    CHECK(kube_exec_parse(badexp, strlen(badexp), "client.authentication.k8s.io/v1", &c, &e) != 0);
    CHECK(strstr(e.msg, "RFC 3339") != NULL);
    CHECK(strstr(e.msg, "SECRET") == NULL);
    CHECK(kube_exec_parse("nope", 4, NULL, &c, &e) != 0);
}

TEST_MAIN()
