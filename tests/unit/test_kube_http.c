/* test_kube_http.c — the client, cluster and reflector over real sockets,
 * against test_kube_fake_apiserver.py (a small Python API server started per
 * test on 127.0.0.1:0). Covers: headers and credentials on the wire,
 * Retry-After, the breaker, connection errors, first-byte timeout, token
 * file rotation, exec re-run on 401, paginated list + watch, relist after
 * 410 delivering deletions, malformed watch lines, 403 skipped, freeing
 * from inside callbacks. Waits are bounded loops; nothing asserts on time. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/map.h"
#include "kube/kube.h"
#include "kube/kube_obs.h"
#include "test.h"

static pid_t srv_pid;
static int srv_port;
static char srv_url[64];

static void srv_start(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    const char *script = getenv("KUBE_FAKE_APISERVER");
    char path[512];
    if (!script) {
        snprintf(path, sizeof path, "%s", __FILE__);
        char *slash = strrchr(path, '/');
        if (slash) snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "test_kube_fake_apiserver.py");
        else snprintf(path, sizeof path, "test_kube_fake_apiserver.py");
        script = path;
    }
    srv_pid = fork();
    if (srv_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], 1);
        close(fds[0]);
        execl("/usr/bin/python3", "python3", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[256] = {0};
    size_t n = 0;
    while (n < sizeof line - 1) {
        ssize_t r = read(fds[0], line + n, 1);
        if (r <= 0 || line[n] == '\n') break;
        n++;
    }
    close(fds[0]);
    char *p = strstr(line, "127.0.0.1:");
    if (!p) TEST_FAIL_("fake apiserver did not start (%s): got \"%s\"", script, line);
    srv_port = atoi(p + 10);
    snprintf(srv_url, sizeof srv_url, "http://127.0.0.1:%d", srv_port);
    log_set_level(LOG_ERROR);
}

static void srv_stop(void)
{
    if (srv_pid > 0) {
        kill(srv_pid, SIGKILL);
        waitpid(srv_pid, NULL, 0);
        srv_pid = 0;
    }
}

/* A blocking GET for the test's own control calls. */
static void ctl(const char *path)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof a) == 0);
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
    CHECK(write(s, req, (size_t)n) == n);
    char buf[4096];
    while (read(s, buf, sizeof buf) > 0) {
    }
    close(s);
}

typedef struct env {
    uv_loop_t loop;
    kube_client_t *client;
    kube_cluster_t *cl;
} env_t;

static void env_init(env_t *e, kube_cluster_config_t *over)
{
    uv_loop_init(&e->loop);
    err_t err = {0};
    e->client = kube_client_new(&e->loop, &err);
    CHECK(e->client != NULL);
    kube_cluster_config_t cfg = {0};
    if (over) cfg = *over;
    cfg.id = "c1";
    if (!cfg.server) cfg.server = srv_url;
    e->cl = kube_cluster_new(e->client, &cfg, &err);
    if (!e->cl) TEST_FAIL_("cluster: %s", err.msg);
}

static void env_done(env_t *e)
{
    kube_client_free(e->client);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&e->loop), 0);
    srv_stop();
}

#define RUN_UNTIL(e, cond)                                                                                     \
    do {                                                                                                       \
        for (int i_ = 0; i_ < 100000 && !(cond); i_++) uv_run(&(e)->loop, UV_RUN_ONCE);                      \
        if (!(cond)) TEST_FAIL_("gave up waiting for %s", #cond);                                             \
    } while (0)

typedef struct got {
    int done;
    int status;
    int err_code;
    char error[600];
    buf_t body;
    char retry_hdr[64];
} got_t;

static void on_done(const kube_response_t *r, void *ud)
{
    got_t *g = ud;
    g->done++;
    g->status = r->status;
    g->err_code = r->err_code;
    snprintf(g->error, sizeof g->error, "%s", r->error ? r->error : "");
    buf_reset(&g->body);
    buf_append(&g->body, r->body, r->body_len);
    const char *ct = kube_response_header(r, "content-type");
    snprintf(g->retry_hdr, sizeof g->retry_hdr, "%s", ct ? ct : "");
}

static void get(env_t *e, const char *path, got_t *g)
{
    kube_request_t req = {.method = "GET", .path = path};
    err_t err;
    CHECK(kube_request(e->cl, &req, on_done, g, &err) != NULL);
    int want = g->done + 1;
    RUN_UNTIL(e, g->done >= want);
}

TEST(request_carries_token_and_impersonation_headers)
{
    srv_start();
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.token = "tok-123"});
    got_t g = {0};
    kube_header_t hs[] = {{"Impersonate-User", "alice"}, {"Impersonate-Group", "devs"}};
    kube_request_t req = {.method = "POST", .path = "/t/echo", .headers = hs, .nheaders = 2, .body = "{\"a\":1}",
                          .body_len = 7};
    err_t err;
    CHECK(kube_request(e.cl, &req, on_done, &g, &err) != NULL);
    CHECK_INT(g.done, 0); /* never synchronously */
    RUN_UNTIL(&e, g.done);
    CHECK_INT(g.status, 200);
    CHECK_STR(g.retry_hdr, "application/json");
    CHECK(strstr(g.body.data, "\"Authorization\": \"Bearer tok-123\"") != NULL);
    CHECK(strstr(g.body.data, "\"Impersonate-User\": \"alice\"") != NULL);
    CHECK(strstr(g.body.data, "\"Impersonate-Group\": \"devs\"") != NULL);
    CHECK(strstr(g.body.data, "\"body\": \"{\\\"a\\\":1}\"") != NULL);
    kube_cluster_status_t st;
    kube_cluster_status(e.cl, &st);
    CHECK_INT(st.state, KUBE_CLUSTER_CONNECTED);
    /* Callers cannot smuggle their own Authorization or a header break. */
    kube_header_t bad[] = {{"Authorization", "Bearer x"}};
    req = (kube_request_t){.method = "GET", .path = "/t/echo", .headers = bad, .nheaders = 1};
    CHECK(kube_request(e.cl, &req, on_done, &g, &err) == NULL);
    kube_header_t bad2[] = {{"X-A", "b\r\nX-Injected: 1"}};
    req.headers = bad2;
    CHECK(kube_request(e.cl, &req, on_done, &g, &err) == NULL);
    buf_free(&g.body);
    env_done(&e);
}

TEST(retry_after_429_is_honoured_transparently)
{
    srv_start();
    env_t e;
    env_init(&e, NULL);
    got_t g = {0};
    get(&e, "/t/429?n=2&after=0", &g);
    CHECK_INT(g.status, 200);
    CHECK(strstr(g.body.data, "\"attempts\": 3") != NULL);
    kube_cluster_stats_t s;
    kube_cluster_stats(e.cl, &s);
    CHECK_INT(s.retries, 2);
    CHECK_INT(s.requests, 3);
    buf_free(&g.body);
    env_done(&e);
}

TEST(retries_stop_at_max_and_the_429_is_returned)
{
    srv_start();
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.max_retries = 1});
    got_t g = {0};
    get(&e, "/t/429?n=5&after=0", &g);
    CHECK_INT(g.status, 429);
    CHECK(strstr(g.body.data, "TooManyRequests") != NULL);
    buf_free(&g.body);
    env_done(&e);
}

typedef struct statuses {
    int changes;
    kube_cluster_state_t last;
} statuses_t;

static void on_status(kube_cluster_t *cl, const kube_cluster_status_t *st, void *ud)
{
    (void)cl;
    statuses_t *s = ud;
    s->changes++;
    s->last = st->state;
}

TEST(answered_500s_do_not_open_the_breaker)
{
    srv_start();
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.breaker_failures = 2, .max_retries = -1});
    got_t g = {0};
    for (int i = 0; i < 4; i++) {
        get(&e, "/t/5xx?code=503", &g);
        CHECK_INT(g.status, 503);
    }
    kube_cluster_status_t st;
    kube_cluster_status(e.cl, &st);
    CHECK_INT(st.state, KUBE_CLUSTER_CONNECTED);
    CHECK_STR(st.breaker, "closed");
    buf_free(&g.body);
    env_done(&e);
}

TEST(gateway_errors_open_the_breaker_and_a_probe_closes_it)
{
    srv_start();
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.breaker_failures = 3, .max_retries = -1});
    statuses_t ss = {0};
    kube_cluster_on_status(e.cl, on_status, &ss);
    got_t g = {0};
    for (int i = 0; i < 3; i++) {
        get(&e, "/t/5xx?code=502", &g);
        CHECK_INT(g.status, 502);
    }
    CHECK_INT(ss.last, KUBE_CLUSTER_DISCONNECTED);
    /* Open: fails fast without touching the server. */
    get(&e, "/t/echo", &g);
    CHECK_INT(g.status, 0);
    CHECK_INT(g.err_code, ERR_UNAVAILABLE);
    CHECK(strstr(g.error, "circuit open") != NULL);
    /* /readyz answers, so the probe (after ~1 s) closes it. */
    RUN_UNTIL(&e, ss.last == KUBE_CLUSTER_CONNECTED);
    get(&e, "/t/echo", &g);
    CHECK_INT(g.status, 200);
    buf_free(&g.body);
    env_done(&e);
}

TEST(connection_refused_fails_with_unavailable_and_disconnects)
{
    srv_start();
    srv_stop(); /* nothing listens on the port now */
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.breaker_failures = 2});
    got_t g = {0};
    get(&e, "/api", &g);
    CHECK_INT(g.status, 0);
    CHECK_INT(g.err_code, ERR_UNAVAILABLE);
    CHECK(strstr(g.error, "cluster c1: GET /api:") != NULL);
    kube_cluster_status_t st;
    kube_cluster_status(e.cl, &st);
    CHECK_INT(st.state, KUBE_CLUSTER_DISCONNECTED);
    CHECK(st.error != NULL);
    buf_free(&g.body);
    env_done(&e);
}

TEST(first_byte_timeout_ends_a_silent_request)
{
    srv_start();
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.first_byte_timeout_ms = 300, .max_retries = -1});
    got_t g = {0};
    get(&e, "/t/slow", &g);
    CHECK_INT(g.status, 0);
    CHECK_INT(g.err_code, ERR_TIMEOUT);
    CHECK(strstr(g.error, "no response within 300 ms") != NULL);
    buf_free(&g.body);
    env_done(&e);
}

TEST(token_file_is_reread_when_it_changes)
{
    srv_start();
    char path[] = "/tmp/kb-token-XXXXXX";
    int fd = mkstemp(path);
    CHECK(write(fd, "first\n", 6) == 6);
    close(fd);
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.token_file = path});
    got_t g = {0};
    get(&e, "/t/auth?want=first", &g);
    CHECK_INT(g.status, 200);
    /* Rotate (a new file renamed over, as kubelet does). */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    fputs("second", f);
    fclose(f);
    rename(tmp, path);
    /* The first request after the change may still carry the old token (the
     * file is checked at most once a second) — the 401 forces a re-read and
     * the retry succeeds. */
    get(&e, "/t/auth?want=second", &g);
    CHECK_INT(g.status, 200);
    unlink(path);
    buf_free(&g.body);
    env_done(&e);
}

TEST(exec_plugin_is_rerun_after_a_401)
{
    srv_start();
    char dir[] = "/tmp/kb-exec401-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char script[300];
    snprintf(script, sizeof script, "%s/plugin.sh", dir);
    FILE *f = fopen(script, "w");
    fprintf(f, "#!/bin/sh\nn=$(cat %s/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s/n\n"
               "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
               "\"status\":{\"token\":\"tok-'$n'\"}}'\n",
            dir, dir);
    fclose(f);
    chmod(script, 0755);
    kube_exec_config_t ex = {.command = script, .api_version = "client.authentication.k8s.io/v1"};
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.exec = &ex});
    got_t g = {0};
    get(&e, "/t/auth?want=tok-1", &g);
    CHECK_INT(g.status, 200);
    /* The server now wants the rotated credential: 401 → re-run → tok-2. */
    get(&e, "/t/auth?want=tok-2", &g);
    CHECK_INT(g.status, 200);
    /* A credential the plugin cannot fix stays a 401 and marks the cluster. */
    get(&e, "/t/auth?want=never", &g);
    CHECK_INT(g.status, 401);
    kube_cluster_status_t st;
    kube_cluster_status(e.cl, &st);
    CHECK_INT(st.state, KUBE_CLUSTER_ERROR);
    CHECK(strstr(st.error, "401") != NULL);
    CHECK(strstr(st.error, "tok-") == NULL);
    buf_free(&g.body);
    env_done(&e);
}

/* ---- reflectors ---- */

typedef struct rec {
    int added, modified, deleted, synced;
    kube_reflector_state_t state;
    char last_status[700];
    map_t live; /* name → (void*)1 as the store would keep */
    kube_reflector_t *r;
    bool free_on_event;
} rec_t;

static void rec_event(int type, cJSON *obj, void *ud)
{
    rec_t *c = ud;
    const cJSON *md = cJSON_GetObjectItem(obj, "metadata");
    const char *name = cJSON_GetObjectItem(md, "name")->valuestring;
    CHECK(cJSON_GetObjectItem(obj, "kind") && !strcmp(cJSON_GetObjectItem(obj, "kind")->valuestring, "Pod"));
    if (type == KUBE_EV_ADDED) {
        c->added++;
        map_puts(&c->live, name, (void *)1);
    } else if (type == KUBE_EV_MODIFIED) {
        c->modified++;
        map_puts(&c->live, name, (void *)1);
    } else if (type == KUBE_EV_DELETED) {
        c->deleted++;
        map_dels(&c->live, name);
    }
    if (c->free_on_event) {
        kube_reflector_free(c->r);
        c->r = NULL;
        c->free_on_event = false;
    }
}

static void rec_synced(void *ud) { ((rec_t *)ud)->synced++; }

static void rec_status(kube_reflector_state_t s, const char *msg, void *ud)
{
    rec_t *c = ud;
    c->state = s;
    snprintf(c->last_status, sizeof c->last_status, "%s", msg ? msg : "");
}

static kube_reflector_t *watch_pods(env_t *e, rec_t *c, const char *resource)
{
    kube_reflector_handlers_t h = {.on_event = rec_event, .on_synced = rec_synced, .on_status = rec_status};
    kube_reflector_opts_t o = {.page_size = 500, .watch_timeout_s = 30, .forbidden_retry_ms = 600000};
    err_t err;
    c->r = kube_reflector_new(e->cl, "", "v1", resource, &o, &h, c, &err);
    CHECK(c->r != NULL);
    return c->r;
}

TEST(reflector_lists_in_pages_then_follows_the_watch)
{
    srv_start();
    ctl("/ctl/add?name=p&count=1203");
    env_t e;
    env_init(&e, NULL);
    rec_t c = {0};
    watch_pods(&e, &c, "pods");
    RUN_UNTIL(&e, c.synced);
    CHECK_INT(c.added, 1203);
    CHECK_INT(kube_reflector_count(c.r), 1203);
    kube_cluster_status_t st;
    kube_cluster_status(e.cl, &st);
    RUN_UNTIL(&e, kube_reflector_state(c.r) == KUBE_REFLECTOR_WATCHING);
    ctl("/ctl/add?name=new");
    ctl("/ctl/add?name=p5");
    ctl("/ctl/delete?name=p7");
    RUN_UNTIL(&e, c.deleted == 1);
    CHECK_INT(c.added, 1204);
    CHECK_INT(c.modified, 1);
    CHECK_INT(kube_reflector_count(c.r), 1203);
    kube_cluster_status(e.cl, &st);
    CHECK_INT(st.state, KUBE_CLUSTER_CONNECTED);
    CHECK(st.last_sync_ms > 0);
    kube_reflector_free(c.r);
    map_free(&c.live);
    env_done(&e);
}

TEST(relist_after_410_delivers_deletions_and_additions)
{
    srv_start();
    ctl("/ctl/add?name=p&count=20");
    env_t e;
    env_init(&e, NULL);
    rec_t c = {0};
    watch_pods(&e, &c, "pods");
    RUN_UNTIL(&e, c.synced && kube_reflector_state(c.r) == KUBE_REFLECTOR_WATCHING);
    CHECK_INT(c.live.len, 20);
    /* Changes the watch never sees, an expired window, and a dropped stream:
     * the reconnect from the old resourceVersion gets 410 and relists. */
    ctl("/ctl/silent?delete=p1,p2,p3&add=q1,q2");
    ctl("/ctl/drop");
    RUN_UNTIL(&e, kube_reflector_relists(c.r) == 1 && c.deleted == 3 && c.added == 22);
    CHECK_INT(c.live.len, 19);
    CHECK(map_gets(&c.live, "p1") == NULL);
    CHECK(map_gets(&c.live, "q2") != NULL);
    CHECK_INT(kube_reflector_count(c.r), 19);
    CHECK_INT(c.modified, 0); /* unchanged objects are not re-delivered */
    CHECK_INT(c.synced, 1);   /* on_synced once, not per relist */
    kube_reflector_free(c.r);
    map_free(&c.live);
    env_done(&e);
}

TEST(expired_continue_token_falls_back_to_one_streamed_list)
{
    srv_start();
    ctl("/ctl/add?name=p&count=1203");
    ctl("/ctl/expire-continue?on=1");
    env_t e;
    env_init(&e, NULL);
    rec_t c = {0};
    watch_pods(&e, &c, "pods");
    /* page 1 (500 items), then 410 on its continue token, then one unpaged
     * list streamed in 777-byte chunks with its metadata after the items */
    RUN_UNTIL(&e, c.synced && kube_reflector_state(c.r) == KUBE_REFLECTOR_WATCHING);
    CHECK_INT(c.added, 1203);
    CHECK_INT(c.modified, 0);
    CHECK_INT(kube_reflector_count(c.r), 1203);
    CHECK(strcmp(kube_reflector_resource_version(c.r), "1303") == 0);
    /* the watch resumes from the list's version, read at the end */
    ctl("/ctl/add?name=after");
    RUN_UNTIL(&e, c.added == 1204);
    kube_reflector_free(c.r);
    map_free(&c.live);
    env_done(&e);
}

TEST(dropped_watch_resumes_from_last_version_without_relist)
{
    srv_start();
    ctl("/ctl/add?name=p&count=5");
    env_t e;
    env_init(&e, NULL);
    rec_t c = {0};
    watch_pods(&e, &c, "pods");
    RUN_UNTIL(&e, c.synced && kube_reflector_state(c.r) == KUBE_REFLECTOR_WATCHING);
    ctl("/ctl/drop");
    ctl("/ctl/add?name=after-drop");
    RUN_UNTIL(&e, c.added == 6);
    CHECK_INT(kube_reflector_relists(c.r), 0);
    kube_reflector_free(c.r);
    map_free(&c.live);
    env_done(&e);
}

TEST(malformed_watch_lines_are_counted_and_skipped)
{
    srv_start();
    env_t e;
    env_init(&e, NULL);
    rec_t c = {0};
    watch_pods(&e, &c, "pods");
    RUN_UNTIL(&e, c.synced && kube_reflector_state(c.r) == KUBE_REFLECTOR_WATCHING);
    ctl("/ctl/garbage");
    ctl("/ctl/add?name=fine");
    RUN_UNTIL(&e, c.added == 1);
    kube_cluster_stats_t s;
    kube_cluster_stats(e.cl, &s);
    CHECK_INT(s.dropped, 2);
    kube_reflector_free(c.r);
    map_free(&c.live);
    env_done(&e);
}

TEST(forbidden_list_is_reported_and_not_retried_in_a_loop)
{
    srv_start();
    env_t e;
    env_init(&e, NULL);
    rec_t c = {0};
    watch_pods(&e, &c, "secrets");
    RUN_UNTIL(&e, c.state == KUBE_REFLECTOR_FORBIDDEN);
    CHECK(strstr(c.last_status, "list secrets: HTTP 403: secrets is forbidden") != NULL);
    /* Let the loop spin a while: no further list goes out. */
    uint64_t until = uv_now(&e.loop) + 500;
    got_t g = {0};
    while (uv_now(&e.loop) < until) {
        get(&e, "/t/echo", &g);
    }
    get(&e, "/t/count", &g);
    CHECK(strstr(g.body.data, "\"/api/v1/secrets\": 1") != NULL);
    /* A forbidden type does not hold the cluster in "syncing". */
    kube_cluster_status_t st;
    kube_cluster_status(e.cl, &st);
    CHECK_INT(st.state, KUBE_CLUSTER_CONNECTED);
    kube_reflector_free(c.r);
    buf_free(&g.body);
    map_free(&c.live);
    env_done(&e);
}

TEST(reflector_freed_inside_its_own_callback_is_safe)
{
    srv_start();
    ctl("/ctl/add?name=p&count=3");
    env_t e;
    env_init(&e, NULL);
    rec_t c = {.free_on_event = true};
    watch_pods(&e, &c, "pods");
    RUN_UNTIL(&e, c.r == NULL);
    CHECK_INT(c.added, 1);
    /* Run a little more: nothing fires for the dead reflector. */
    for (int i = 0; i < 20; i++) uv_run(&e.loop, UV_RUN_NOWAIT);
    CHECK_INT(c.added, 1);
    map_free(&c.live);
    env_done(&e);
}

static void free_cluster_cb(const kube_response_t *r, void *ud)
{
    (void)r;
    env_t *e = ud;
    kube_cluster_free(e->cl);
    e->cl = NULL;
}

TEST(cluster_freed_inside_a_callback_with_calls_and_reflectors_pending)
{
    srv_start();
    ctl("/ctl/add?name=p&count=3");
    env_t e;
    env_init(&e, NULL);
    rec_t c = {0};
    watch_pods(&e, &c, "pods");
    RUN_UNTIL(&e, c.synced);
    kube_request_t req = {.method = "GET", .path = "/t/echo"};
    err_t err;
    got_t g = {0};
    CHECK(kube_request(e.cl, &req, on_done, &g, &err) != NULL); /* never completes */
    CHECK(kube_request(e.cl, &req, free_cluster_cb, &e, &err) != NULL);
    RUN_UNTIL(&e, e.cl == NULL);
    for (int i = 0; i < 20; i++) uv_run(&e.loop, UV_RUN_NOWAIT);
    CHECK(g.done <= 1);
    buf_free(&g.body);
    /* The reflector outlives its cluster quietly and can still be freed. */
    kube_reflector_free(c.r);
    map_free(&c.live);
    env_done(&e);
}

typedef struct streamed {
    int heads, chunks, done;
    size_t bytes;
    kube_call_t *call;
} streamed_t;

static void s_head(const kube_response_t *r, void *ud)
{
    (void)r;
    ((streamed_t *)ud)->heads++;
}
static bool s_chunk(const char *d, size_t n, void *ud)
{
    (void)d;
    streamed_t *s = ud;
    s->chunks++;
    s->bytes += n;
    kube_call_cancel(s->call); /* cancel from inside curl's write callback */
    return true;
}
static void s_done(const kube_response_t *r, void *ud)
{
    (void)r;
    ((streamed_t *)ud)->done++;
}

TEST(stream_cancelled_from_its_chunk_callback_ends_quietly)
{
    srv_start();
    env_t e;
    env_init(&e, NULL);
    streamed_t s = {0};
    kube_request_t req = {.method = "GET", .path = "/api/v1/pods?watch=1&timeoutSeconds=5",
                          .flags = KUBE_REQ_NO_LIMIT};
    kube_stream_handlers_t h = {.on_head = s_head, .on_chunk = s_chunk, .on_done = s_done};
    err_t err;
    s.call = kube_request_stream(e.cl, &req, &h, &s, &err);
    CHECK(s.call != NULL);
    RUN_UNTIL(&e, s.heads == 1);
    ctl("/ctl/add?name=x");
    RUN_UNTIL(&e, s.chunks == 1);
    for (int i = 0; i < 50; i++) uv_run(&e.loop, UV_RUN_NOWAIT);
    CHECK_INT(s.done, 0);
    CHECK_INT(s.chunks, 1);
    env_done(&e);
}

typedef struct disc_got {
    int calls;
    size_t n;
    bool pods_namespaced, widget_cluster_scoped, binding_not_watchable, no_subresource;
} disc_got_t;

static void on_disc(const kube_api_resource_t *l, size_t n, void *ud)
{
    disc_got_t *d = ud;
    d->calls++;
    d->n = n;
    d->no_subresource = true;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(l[i].resource, "pods")) d->pods_namespaced = l[i].namespaced && l[i].watchable;
        if (!strcmp(l[i].resource, "widgets"))
            d->widget_cluster_scoped = !l[i].namespaced && !strcmp(l[i].group, "example.com");
        if (!strcmp(l[i].resource, "bindings")) d->binding_not_watchable = !l[i].watchable;
        if (strchr(l[i].resource, '/')) d->no_subresource = false;
    }
}

TEST(discovery_lists_served_types_and_skips_a_broken_group)
{
    srv_start();
    env_t e;
    env_init(&e, NULL);
    disc_got_t d = {0};
    err_t err;
    kube_discovery_t *disc = kube_discovery_new(e.cl, on_disc, &d, &err);
    CHECK(disc != NULL);
    RUN_UNTIL(&e, d.calls == 1);
    CHECK_INT(d.n, 4); /* pods, secrets, bindings, widgets; pods/log left out */
    CHECK(d.pods_namespaced);
    CHECK(d.widget_cluster_scoped);
    CHECK(d.binding_not_watchable);
    CHECK(d.no_subresource);
    const kube_api_resource_t *r = kube_discovery_find(disc, "Pod");
    CHECK(r && !strcmp(r->resource, "pods"));
    r = kube_discovery_find(disc, "widgets.example.com");
    CHECK(r && !strcmp(r->kind, "Widget"));
    CHECK(kube_discovery_find(disc, "deployments.apps") == NULL);
    kube_discovery_free(disc);
    env_done(&e);
}

TEST(metrics_reach_the_obs_registry)
{
    srv_start();
    ctl("/ctl/add?name=p&count=4");
    env_t e;
    env_init(&e, &(kube_cluster_config_t){.qps = 1, .burst = 1});
    obs_registry_t *reg = obs_registry_new();
    kube_obs_t *o = kube_obs_attach(e.client, reg);
    rec_t c = {0};
    watch_pods(&e, &c, "pods");
    got_t g = {0};
    get(&e, "/t/echo", &g); /* the list took the only token: this one waits */
    RUN_UNTIL(&e, c.synced);
    buf_t out = {0};
    obs_render(reg, &out);
    CHECK(strstr(out.data, "kube_requests_total{cluster=\"c1\",verb=\"list\",code=\"200\"} 1") != NULL);
    CHECK(strstr(out.data, "kube_watch_events_total{cluster=\"c1\",resource=\"pods\",type=\"ADDED\"} 4") != NULL);
    CHECK(strstr(out.data, "kube_objects{cluster=\"c1\",resource=\"pods\"} 4") != NULL);
    CHECK(strstr(out.data, "cluster_up{cluster=\"c1\"} 1") != NULL);
    CHECK(strstr(out.data, "kube_ratelimiter_wait_seconds_count{cluster=\"c1\"} 1") != NULL);
    CHECK(strstr(out.data, "kube_request_duration_seconds_bucket{cluster=\"c1\",verb=\"get\"") != NULL);
    buf_free(&out);
    kube_reflector_free(c.r);
    kube_obs_detach(o);
    kube_obs_free(o);
    obs_registry_free(reg);
    buf_free(&g.body);
    map_free(&c.live);
    env_done(&e);
}

TEST_MAIN()
