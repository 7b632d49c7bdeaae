/* test_script_http.c — plugin routes end to end: a real core/http server on
 * 127.0.0.1:0, the plugin host registered on it, requests over sockets. */
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "base/log.h"
#include "script/script.h"
#include "test.h"
#include "test_http_client.h"

static char dir_[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}
static void dir_cleanup(void)
{
    if (dir_[0]) nftw(dir_, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *dir(void)
{
    if (!dir_[0]) {
        snprintf(dir_, sizeof dir_, "/tmp/kbscripthttp-XXXXXX");
        if (!mkdtemp(dir_)) TEST_FAIL_("mkdtemp failed");
        atexit(dir_cleanup);
        char log[300];
        snprintf(log, sizeof log, "%s.log", dir_);
        log_set_fd(open(log, O_CREAT | O_WRONLY | O_TRUNC, 0644));
    }
    return dir_;
}

static void write_plugin(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void write_plugin(const char *name, const char *fmt, ...)
{
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s/%s", dir(), name);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir(), name);
    FILE *f = fopen(tmp, "w");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    rename(tmp, path); /* as editors save */
}

static void copy_hello(void)
{
    FILE *in = fopen("examples/plugins/hello.lua", "r");
    if (!in) TEST_FAIL_("run from the repository root: examples/plugins/hello.lua not found");
    buf_t b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) buf_append(&b, chunk, n);
    fclose(in);
    write_plugin("hello.lua", "%s", b.data);
    buf_free(&b);
}

static const char *user_from_header(http_req_t *r, void *ud)
{
    return http_req_header(r, "X-Test-User");
}

typedef struct senv {
    env_t e;
    script_host_t *h;
} senv_t;

static void senv_start(senv_t *s, const script_limits_t *lim)
{
    env_start(&s->e, NULL);
    env_listen(&s->e);
    const char *dirs[] = {dir()};
    err_t err = {0};
    s->h = script_host_new(&s->e.loop, s->e.srv, dirs, 1, lim, &err);
    if (!s->h) TEST_FAIL_("script_host_new: %s", err.msg);
    script_host_set_user_fn(s->h, user_from_header, NULL);
    if (script_host_load(s->h, &err) != 0) TEST_FAIL_("load: %s", err.msg);
}

static void senv_close(senv_t *s)
{
    script_host_close(s->h);
    env_close(&s->e);
}

static resp_t get(senv_t *s, const char *path)
{
    char req[512];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nX-Request-Id: rid-42\r\n\r\n", path);
    return cl_roundtrip(&s->e, req);
}

TEST(hello_routes_answer_over_http)
{
    copy_hello();
    senv_t s;
    senv_start(&s, NULL);
    resp_t r = get(&s, "/api/v1/plugins/hello/hello");
    CHECK_INT(r.status, 200);
    CHECK_STR(resp_header(&r, "Content-Type"), "application/json");
    CHECK_MEM(r.body.data, r.body.len, "{\"from\":\"anonymous\",\"message\":\"hello\"}");
    resp_free(&r);

    r = cl_roundtrip(&s.e, "GET /api/v1/plugins/hello/hello HTTP/1.1\r\nX-Test-User: alice\r\n\r\n");
    CHECK_MEM(r.body.data, r.body.len, "{\"from\":\"alice\",\"message\":\"hello\"}");
    resp_free(&r);

    r = cl_roundtrip(&s.e, "POST /api/v1/plugins/hello/echo HTTP/1.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: 11\r\n\r\n{\"a\":\"b c\"}");
    CHECK_INT(r.status, 200);
    CHECK_STR(resp_header(&r, "Content-Type"), "application/json");
    CHECK_MEM(r.body.data, r.body.len, "{\"a\":\"b c\"}");
    resp_free(&r);

    r = get(&s, "/api/v1/plugins/hello/echo"); /* the router knows only POST */
    CHECK_INT(r.status, 405);
    resp_free(&r);
    r = get(&s, "/api/v1/plugins/hello/missing");
    CHECK_INT(r.status, 404);
    resp_free(&r);
    senv_close(&s);
}

TEST(handler_error_and_budget_kill_answer_with_the_error_contract)
{
    write_plugin("bad.lua",
                 "return { name = 'bad', version = '1.0.0', routes = {\n"
                 "  { method = 'GET', path = '/boom', handler = function() error('secret detail') end },\n"
                 "  { method = 'GET', path = '/spin', handler = function() while true do end end },\n"
                 "  { method = 'GET', path = '/ok', handler = function() return { body = 'ok' } end },\n"
                 "} }\n");
    script_limits_t lim = {.max_instructions = 2000000, .max_ms = 2000};
    senv_t s;
    senv_start(&s, &lim);
    resp_t r = get(&s, "/api/v1/plugins/bad/boom");
    CHECK_INT(r.status, 500);
    CHECK(strstr(r.body.data, "\"code\":\"internal\"") != NULL);
    CHECK(strstr(r.body.data, "\"requestId\":\"rid-42\"") != NULL);
    CHECK(strstr(r.body.data, "secret detail") == NULL);
    resp_free(&r);
    r = get(&s, "/api/v1/plugins/bad/spin");
    CHECK_INT(r.status, 503);
    CHECK(strstr(r.body.data, "\"code\":\"plugin_budget_exceeded\"") != NULL);
    resp_free(&r);
    r = get(&s, "/api/v1/plugins/bad/ok");
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "ok");
    resp_free(&r);
    senv_close(&s);
}

static bool wait_for_body(senv_t *s, const char *path, const char *want, int ms)
{
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u;
    while (uv_hrtime() < end) {
        resp_t r = get(s, path);
        bool ok = r.status == 200 && r.body.len == strlen(want) && memcmp(r.body.data, want, r.body.len) == 0;
        resp_free(&r);
        if (ok) return true;
        env_spin(&s->e, 20);
    }
    return false;
}

static void hot(const char *text)
{
    write_plugin("hot.lua",
                 "return { name = 'hot', version = '1.0.0', routes = {\n"
                 "  { method = 'GET', path = '/v', handler = function() return { body = %s } end } } }\n",
                 text);
}

TEST(editing_a_plugin_changes_the_answer_and_a_broken_edit_keeps_it)
{
    hot("'one'");
    senv_t s;
    senv_start(&s, NULL);
    CHECK(wait_for_body(&s, "/api/v1/plugins/hot/v", "one", 100));
    hot("'two'");
    CHECK(wait_for_body(&s, "/api/v1/plugins/hot/v", "two", 3000));
    hot("'three' +"); /* syntax error: the old route stays */
    env_spin(&s.e, 400);
    resp_t r = get(&s, "/api/v1/plugins/hot/v");
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "two");
    resp_free(&r);
    script_host_info_t info;
    script_host_info(s.h, &info);
    CHECK(info.reload_failures_total >= 1);
    CHECK(strstr(info.last_reload_error, "hot.lua:2:") != NULL);
    /* A new route path appears and the old one goes. */
    write_plugin("hot.lua",
                 "return { name = 'hot', version = '1.0.1', routes = {\n"
                 "  { method = 'GET', path = '/w', handler = function() return { body = 'w' } end } } }\n");
    CHECK(wait_for_body(&s, "/api/v1/plugins/hot/w", "w", 3000));
    r = get(&s, "/api/v1/plugins/hot/v");
    CHECK_INT(r.status, 404);
    resp_free(&r);
    senv_close(&s);
}

TEST_MAIN()
