/* test_script.c — the Lua plugin host: sandbox, budgets, manifests, order,
 * routes (through the dispatch layer), reload, relations. */
#include <fcntl.h>
#include <ftw.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "script/script.h"
#include "test.h"

/* ---- helpers ---- */

static char tmpdir_[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* A passing test cleans up; a failing one (_exit) leaves its files to look at. */
static void tmpdir_cleanup(void)
{
    if (tmpdir_[0]) nftw(tmpdir_, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tmpdir(void)
{
    if (!tmpdir_[0]) {
        snprintf(tmpdir_, sizeof tmpdir_, "/tmp/kbscript-XXXXXX");
        if (!mkdtemp(tmpdir_)) TEST_FAIL_("mkdtemp failed");
        atexit(tmpdir_cleanup);
    }
    return tmpdir_;
}

static void write_file(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void write_file(const char *rel, const char *fmt, ...)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir(), rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    /* Write to a temporary name and rename, as editors do, so a watcher never
     * sees a half-written file. */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp~", path);
    FILE *f = fopen(tmp, "w");
    if (!f) TEST_FAIL_("cannot write %s", tmp);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    rename(tmp, path);
}

static char *path_of(const char *rel)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir(), rel);
    return p;
}

static script_host_t *host_new(const script_limits_t *lim)
{
    const char *dirs[] = {tmpdir()};
    err_t err = {0};
    script_host_t *h = script_host_new(NULL, NULL, dirs, 1, lim, &err);
    if (!h) TEST_FAIL_("script_host_new: %s", err.msg);
    return h;
}

static script_host_t *host_loaded(const script_limits_t *lim)
{
    script_host_t *h = host_new(lim);
    err_t err = {0};
    if (script_host_load(h, &err) != 0) TEST_FAIL_("load: %s", err.msg);
    return h;
}

static int call(script_host_t *h, const char *method, const char *path, const char *body,
                script_http_res_t *res)
{
    const char *q = strchr(path, '?');
    script_header_t hdr[] = {
        {SV("Content-Type"), SV("application/x-test")}, {SV("X-Thing"), SV("a")}, {SV("x-thing"), SV("b")}};
    script_http_req_t req = {
        .method = method,
        .raw_path = sv_make(path, q ? (size_t)(q - path) : strlen(path)),
        .query = q ? sv_from(q + 1) : sv_make("", 0),
        .headers = hdr,
        .nheaders = 3,
        .body = sv_from(body ? body : ""),
        .request_id = "req-1",
    };
    return script_host_dispatch(h, &req, res);
}

/* Status and body of one call, as "200 body" (freed by the next call). */
static const char *answer(script_host_t *h, const char *method, const char *path, const char *body)
{
    static buf_t out;
    script_http_res_t res;
    call(h, method, path, body, &res);
    buf_reset(&out);
    if (res.error_code)
        buf_printf(&out, "%d %s", res.status, res.error_code);
    else
        buf_printf(&out, "%d %.*s", res.status, (int)res.body.len, res.body.data ? res.body.data : "");
    script_http_res_free(&res);
    return out.data;
}

typedef struct first_info {
    script_plugin_info_t pi;
    char last_error[512];
    int n;
    char names[256];
} first_info_t;

static void grab(const script_plugin_info_t *pi, void *ud)
{
    first_info_t *f = ud;
    if (f->n++ == 0) {
        f->pi = *pi;
        snprintf(f->last_error, sizeof f->last_error, "%s", pi->last_error);
    }
    snprintf(f->names + strlen(f->names), sizeof f->names - strlen(f->names), "%s%s", f->n > 1 ? "," : "",
             pi->name);
}

static first_info_t stats(script_host_t *h)
{
    first_info_t f;
    memset(&f, 0, sizeof f);
    script_host_stats(h, grab, &f);
    return f;
}

/* A one-route plugin whose GET /t handler body is `code`. */
static void route_plugin(const char *file, const char *name, const char *code)
{
    write_file(file,
               "local k = require 'kubilitics'\n"
               "return { name = '%s', version = '1.0.0', routes = {\n"
               "  { method = 'GET', path = '/t', handler = function(req)\n%s\n  end },\n"
               "  { method = 'GET', path = '/ok', handler = function() return { body = 'fine' } end },\n"
               "} }\n",
               name, code);
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

#define CHECK_CONTAINS(hay, needle)                                                                          \
    do {                                                                                                     \
        const char *h_ = (hay);                                                                              \
        if (!contains(h_, needle)) TEST_FAIL_("expected \"%s\" in \"%s\"", needle, h_ ? h_ : "(null)");      \
    } while (0)

/* Quiet the host's log lines in the test output; keep them in a file that a
 * test can read. */
static int log_to_file(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/log.txt", tmpdir());
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
    log_set_fd(fd);
    return fd;
}

static const char *log_text(void)
{
    static char text[65536];
    char p[512];
    snprintf(p, sizeof p, "%s/log.txt", tmpdir());
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f) fclose(f);
    text[n] = '\0';
    return text;
}

static const char *check_err(const char *file);

/* ---- sandbox ---- */

TEST(sandbox_lacks_io_os_execute_debug_loadfile)
{
    log_to_file();
    route_plugin(
        "p.lua", "sb",
        "return { body = { io = type(io), execute = type(os and os.execute), remove = type(os.remove),\n"
        "  getenv = type(os.getenv), debug = type(debug), loadfile = type(loadfile), dofile = type(dofile),\n"
        "  package = type(package), dump = type(string.dump), time = type(os.time), date = type(os.date),\n"
        "  clock = type(os.clock), string = type(string.format), math = type(math.floor), utf8 = "
        "type(utf8.char),\n"
        "  setmt = type(setmetatable), coll = collectgarbage('count') > 0 } }");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(
        answer(h, "GET", "/api/v1/plugins/sb/t", NULL),
        "200 "
        "{\"clock\":\"function\",\"coll\":true,\"date\":\"function\",\"debug\":\"nil\",\"dofile\":\"nil\","
        "\"dump\":\"nil\",\"execute\":\"nil\",\"getenv\":\"nil\",\"io\":\"nil\",\"loadfile\":\"nil\","
        "\"math\":\"function\",\"package\":\"nil\",\"remove\":\"nil\",\"setmt\":\"function\","
        "\"string\":\"function\",\"time\":\"function\",\"utf8\":\"function\"}");
    script_host_close(h);
}

TEST(collectgarbage_other_than_count_is_refused)
{
    log_to_file();
    route_plugin("p.lua", "gc", "collectgarbage('collect') return { body = 'no' }");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/gc/t", NULL), "500 internal");
    first_info_t f = stats(h);
    CHECK_CONTAINS(f.last_error, "only \"count\"");
    script_host_close(h);
}

/* Real bytecode from a plain Lua state, written into the plugin as a string. */
static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    buf_append(ud, p, sz);
    return 0;
}

TEST(binary_chunks_are_refused_by_load)
{
    log_to_file();
    lua_State *L = luaL_newstate();
    luaL_loadstring(L, "return 42");
    buf_t bc = {0};
    lua_dump(L, dump_writer, &bc, 0);
    lua_close(L);
    buf_t lit = {0};
    for (size_t i = 0; i < bc.len; i++) buf_printf(&lit, "\\%d", (unsigned char)bc.data[i]);
    buf_t code = {0};
    buf_printf(&code,
               "local bc = \"%s\"\n"
               "local f1, e1 = load(bc)\n"
               "local f2, e2 = load(bc, 'x', 'b')\n"
               "local f3 = load('return 7')\n"
               "return { body = { f1 = f1 == nil, e1 = e1, f2 = f2 == nil, e2 = e2, text = f3() } }",
               lit.data);
    route_plugin("p.lua", "bin", code.data);
    script_host_t *h = host_loaded(NULL);
    const char *a = answer(h, "GET", "/api/v1/plugins/bin/t", NULL);
    CHECK_CONTAINS(a, "\"f1\":true");
    CHECK_CONTAINS(a, "\"f2\":true");
    CHECK_CONTAINS(a, "attempt to load a binary chunk");
    CHECK_CONTAINS(a, "binary chunks are not allowed");
    CHECK_CONTAINS(a, "\"text\":7");
    script_host_close(h);
    buf_free(&bc);
    buf_free(&lit);
    buf_free(&code);
}

TEST(plugin_file_that_is_bytecode_is_refused)
{
    log_to_file();
    lua_State *L = luaL_newstate();
    luaL_loadstring(L, "return {name='x', version='1.0.0'}");
    buf_t bc = {0};
    lua_dump(L, dump_writer, &bc, 0);
    lua_close(L);
    FILE *f = fopen(path_of("bc.lua"), "wb");
    fwrite(bc.data, 1, bc.len, f);
    fclose(f);
    buf_t rep = {0};
    err_t err = {0};
    CHECK(script_check_path(path_of("bc.lua"), &rep, &err) != 0);
    CHECK_CONTAINS(err.msg, "binary chunk");
    buf_free(&rep);
    buf_free(&bc);
}

TEST(require_is_limited_to_kubilitics_modules)
{
    log_to_file();
    write_file("p.lua",
               "local ok, e = pcall(require, 'os')\n"
               "local ok2, e2 = pcall(require, '../../etc/passwd')\n"
               "local path = require 'kubilitics.path'\n"
               "RESULT = { ok = ok, e = e, ok2 = ok2, e2 = e2, get = path.get({a={b=1}}, 'a.b')[1] }\n"
               "return { name = 'rq', version = '1.0.0', routes = {\n"
               "  { method = 'GET', path = '/t', handler = function() return { body = RESULT } end } } }\n");
    script_host_t *h = host_loaded(NULL);
    const char *a = answer(h, "GET", "/api/v1/plugins/rq/t", NULL);
    CHECK_CONTAINS(a, "\"ok\":false");
    CHECK_CONTAINS(a, "module 'os' not found: plugins may require kubilitics.* modules");
    CHECK_CONTAINS(a, "\"ok2\":false");
    CHECK_CONTAINS(a, "bad module name");
    CHECK_CONTAINS(a, "\"get\":1");
    script_host_close(h);
}

TEST(folder_plugin_requires_its_own_modules)
{
    log_to_file();
    write_file("acme/util.lua", "return { greet = function(n) return 'hi ' .. n end }\n");
    write_file("acme/init.lua", "local u = require 'util'\n"
                                "return { name = 'acme', version = '0.1.0-rc.1', routes = {\n"
                                "  { method = 'GET', path = '/hi/{who}', handler = function(r)\n"
                                "      return { body = u.greet(r.params.who) } end } } }\n");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/acme/hi/bob", NULL), "200 hi bob");
    script_host_close(h);
}

TEST(require_of_a_new_module_in_a_route_is_refused)
{
    log_to_file();
    route_plugin("p.lua", "lateq", "require 'kubilitics.relations' return { body = 'x' }");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/lateq/t", NULL), "500 internal");
    CHECK_CONTAINS(stats(h).last_error, "only available while the plugin loads");
    script_host_close(h);
}

TEST(print_goes_to_the_json_log_with_the_plugin_name)
{
    log_to_file();
    route_plugin("p.lua", "printer", "print('hello', 42, true) return { body = 'x' }");
    script_host_t *h = host_loaded(NULL);
    answer(h, "GET", "/api/v1/plugins/printer/t", NULL);
    CHECK_CONTAINS(log_text(),
                   "\"msg\":\"plugin print\",\"plugin\":\"printer\",\"text\":\"hello\\t42\\ttrue\"");
    script_host_close(h);
}

/* ---- budgets ---- */

TEST(endless_loop_is_stopped_and_the_host_still_answers)
{
    log_to_file();
    route_plugin("p.lua", "spin", "while true do end");
    script_limits_t lim = {.max_instructions = 2000000, .max_ms = 5000};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/spin/t", NULL), "503 plugin_budget_exceeded");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/spin/ok", NULL), "200 fine");
    first_info_t f = stats(h);
    CHECK_INT(f.pi.budget_kills_total, 1);
    CHECK_INT(f.pi.errors_total, 1);
    CHECK_CONTAINS(f.last_error, "p.lua:4: instruction budget exceeded");
    CHECK_CONTAINS(log_text(), "\"plugin\":\"spin\"");
    script_host_close(h);
}

TEST(wall_clock_budget_stops_a_slow_call)
{
    log_to_file();
    route_plugin("p.lua", "slow", "while true do end");
    script_limits_t lim = {.max_instructions = UINT64_MAX / 2, .max_ms = 30};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/slow/t", NULL), "503 plugin_budget_exceeded");
    CHECK_CONTAINS(stats(h).last_error, "time budget exceeded");
    script_host_close(h);
}

TEST(pcall_cannot_swallow_the_budget_kill)
{
    log_to_file();
    route_plugin("p.lua", "sneaky",
                 "local n = 0\n"
                 "while true do\n"
                 "  pcall(function() while true do end end)\n"
                 "  xpcall(function() while true do end end, function(e) while true do end end)\n"
                 "  n = n + 1\n"
                 "end");
    script_limits_t lim = {.max_instructions = 1000000, .max_ms = 5000};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/sneaky/t", NULL), "503 plugin_budget_exceeded");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/sneaky/ok", NULL), "200 fine");
    script_host_close(h);
}

TEST(a_loop_at_load_time_is_stopped_and_reported)
{
    log_to_file();
    write_file("p.lua", "while true do end\n");
    script_limits_t lim = {.max_instructions = 1000000};
    script_host_t *h = host_new(&lim);
    err_t err = {0};
    CHECK(script_host_load(h, &err) == ERR_LIMIT);
    CHECK_CONTAINS(err.msg, "p.lua:1: instruction budget exceeded");
    script_host_close(h);
}

TEST(unbounded_allocation_is_stopped_by_the_memory_cap)
{
    log_to_file();
    route_plugin("p.lua", "hog", "local t = {} while true do t[#t + 1] = string.rep('x', 4096) .. #t end");
    script_limits_t lim = {.max_memory = 4u << 20, .max_instructions = UINT64_MAX / 2, .max_ms = 10000};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hog/t", NULL), "503 plugin_budget_exceeded");
    first_info_t f = stats(h);
    CHECK_CONTAINS(f.last_error, "memory limit exceeded");
    CHECK(f.pi.memory_bytes < (4u << 20));
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hog/ok", NULL), "200 fine");
    script_host_close(h);
}

TEST(allocation_inside_pcall_still_ends_by_budget)
{
    log_to_file();
    route_plugin(
        "p.lua", "hog2",
        "local t = {} while true do pcall(function() t[#t + 1] = string.rep('x', 65536) .. #t end) end");
    script_limits_t lim = {.max_memory = 4u << 20, .max_instructions = 300000, .max_ms = 5000};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hog2/t", NULL), "503 plugin_budget_exceeded");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hog2/ok", NULL), "200 fine"); /* t was garbage */
    script_host_close(h);
}

TEST(huge_string_rep_is_stopped_by_the_memory_cap)
{
    log_to_file();
    route_plugin("p.lua", "rep", "return { body = string.rep('x', 1 << 30) }");
    script_limits_t lim = {.max_memory = 8u << 20};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/rep/t", NULL), "503 plugin_budget_exceeded");
    script_host_close(h);
}

TEST(json_of_a_shared_string_many_times_is_capped)
{
    log_to_file();
    route_plugin(
        "p.lua", "bomb",
        "local s = string.rep('x', 1 << 20) local t = {} for i = 1, 200 do t[i] = s end return { body = t }");
    script_limits_t lim = {.max_memory = 16u << 20};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/bomb/t", NULL), "500 internal");
    CHECK_CONTAINS(stats(h).last_error, "json: output larger than");
    script_host_close(h);
}

TEST(c_loops_in_table_move_are_charged_to_the_budget)
{
    log_to_file();
    route_plugin("p.lua", "mover", "table.move({}, 1, math.maxinteger - 1, 2) return { body = 'moved' }");
    script_limits_t lim = {.max_instructions = 1000000, .max_ms = 5000};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/mover/t", NULL), "503 plugin_budget_exceeded");
    route_plugin("p.lua", "mover",
                 "local t = {} for i = 1, 1000 do t[i] = -i end table.sort(t)\n"
                 "local u = table.move(t, 1, 3, 1, {}) return { body = t[1] .. ',' .. u[3] }");
    err_t err = {0};
    CHECK_INT(script_host_reload(h, &err), 0);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/mover/t", NULL), "200 -1000,-998");
    script_host_close(h);
}

TEST(close_metamethod_that_loops_is_stopped_too)
{
    log_to_file();
    route_plugin("p.lua", "closer",
                 "local x <close> = setmetatable({}, { __close = function() while true do end end })\n"
                 "while true do end");
    script_limits_t lim = {.max_instructions = 1000000, .max_ms = 5000};
    script_host_t *h = host_loaded(&lim);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/closer/t", NULL), "503 plugin_budget_exceeded");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/closer/ok", NULL), "200 fine");
    script_host_close(h);
}

/* Lua runs finalizers with hooks off, so no budget could stop one: plugins
 * may not set __gc at all (Lua only honours __gc present at setmetatable). */
TEST(gc_metamethods_are_refused)
{
    log_to_file();
    write_file("p.lua", "KEEP = setmetatable({}, { __gc = function() while true do end end })\n"
                        "return { name = 'gcloop', version = '1.0.0' }\n");
    CHECK_CONTAINS(check_err("p.lua"), "p.lua:1: __gc metamethods are not available to plugins");
    write_file("p.lua",
               "local mt = {} local t = setmetatable({}, mt) mt.__gc = function() while true do end end\n"
               "t = nil\n"
               "return { name = 'gcloop', version = '1.0.0' }\n");
    script_host_t *h = host_loaded(NULL);
    script_host_close(h); /* the late __gc was never armed */
}

/* ---- manifests ---- */

static const char *check_err(const char *file)
{
    static err_t err;
    buf_t rep = {0};
    memset(&err, 0, sizeof err);
    int rc = script_check_path(path_of(file), &rep, &err);
    buf_free(&rep);
    if (rc == 0) TEST_FAIL_("%s: expected a validation error", file);
    return err.msg;
}

TEST(bad_route_method_names_file_and_line)
{
    log_to_file();
    write_file("bad.lua", "return {\n"
                          "  name = 'bad', version = '1.0.0',\n"
                          "  routes = {\n"
                          "    { method = 'GET', path = '/a', handler = function() end },\n"
                          "    { method = 'FETCH', path = '/b',\n"
                          "      handler = function() end },\n"
                          "  },\n"
                          "}\n");
    const char *m = check_err("bad.lua");
    CHECK_CONTAINS(m, "bad.lua:6: routes[2].method must be one of GET, POST, PUT, PATCH, DELETE");
}

TEST(manifest_errors_name_file_and_line)
{
    log_to_file();
    write_file("a.lua", "local x = 1\nreturn { version = '1.0.0' }\n");
    CHECK_CONTAINS(check_err("a.lua"), "a.lua:2: name is required");
    write_file("b.lua", "\nreturn { name = 'b', version = '1.0' }\n");
    CHECK_CONTAINS(check_err("b.lua"), "b.lua:2: version '1.0' is not a semantic version");
    write_file("c.lua", "return { name = 'C', version = '1.0.0' }\n");
    CHECK_CONTAINS(check_err("c.lua"), "c.lua:1: name 'C' must be 1-63 characters of [a-z0-9-]");
    write_file("d.lua", "return { name = 'd', version = '1.0.0', route = {} }\n");
    CHECK_CONTAINS(check_err("d.lua"), "d.lua:1: the plugin table: unknown field 'route'");
    write_file("e.lua", "return { name = 'e', version = '1.0.0',\n"
                        "  routes = { { method = 'GET', path = 'x/../y', handler = function() end } } }\n");
    CHECK_CONTAINS(check_err("e.lua"), "e.lua:2: routes[1].path 'x/../y' must start with '/'");
    write_file("f.lua", "local x = \nreturn 1\n");
    CHECK_CONTAINS(check_err("f.lua"), "f.lua:2: unexpected symbol");
    write_file("g.lua", "return { name = 'g', version = '1.0.0', priority = 1.5 }\n");
    CHECK_CONTAINS(check_err("g.lua"), "g.lua:1: priority must be an integer");
    write_file("h.lua", "return 42\n");
    CHECK_CONTAINS(check_err("h.lua"), "h.lua:1: the plugin must return a table (it returned number)");
    write_file("i.lua", "error('broken at load')\n");
    CHECK_CONTAINS(check_err("i.lua"), "i.lua:1: broken at load");
    write_file("j.lua", "return { name = 'j', version = '1.0.0', routes = {\n"
                        "  { method = 'GET', path = '/x/{id}', handler = function() end },\n"
                        "  { method = 'GET', path = '/x/{name}', handler = function() end } } }\n");
    CHECK_CONTAINS(check_err("j.lua"),
                   "j.lua:3: routes[2] (GET /x/{name}) has the same method and path as routes[1]");
}

TEST(relation_errors_name_plugin_line)
{
    log_to_file();
    write_file("r1.lua",
               "local rel = require 'kubilitics.relations'\n"
               "return { name = 'r1', version = '1.0.0', relations = {\n"
               "  rel.owner{},\n"
               "  rel.ref{ type = 'mounts', from = 'Pod', path = 'spec..volumes', to = 'ConfigMap' },\n"
               "} }\n");
    CHECK_CONTAINS(check_err("r1.lua"), "r1.lua:4: kubilitics.relations.ref: path: bad path 'spec..volumes'");
    write_file("r2.lua",
               "local rel = require 'kubilitics.relations'\n"
               "return { name = 'r2', version = '1.0.0', relations = {\n"
               "\n"
               "  rel.selector{ type = 'selects', from = 'Service', path = 'spec.selector', to = 'Pdo' },\n"
               "} }\n");
    CHECK_CONTAINS(check_err("r2.lua"), "r2.lua:4: kubilitics.relations.selector: to: unknown kind 'Pdo'");
    /* Plain tables are validated by the C core itself. */
    write_file("r3.lua",
               "return { name = 'r3', version = '1.0.0', relations = {\n"
               "  { rule = 'ref', type = 'uses', from = 'Pod', path = 'spec.x[', to = 'Secret', line = 2 },\n"
               "} }\n");
    CHECK_CONTAINS(check_err("r3.lua"), "r3.lua:2: relations[1].path: bad path 'spec.x['");
    write_file("r4.lua", "return { name = 'r4', version = '1.0.0', relations = {\n"
                         "  { rule = 'ref', type = 'uses', from = 'Pdo', path = 'spec.x', to = 'Secret' },\n"
                         "} }\n");
    CHECK_CONTAINS(check_err("r4.lua"), "r4.lua:3: relations[1].from: unknown kind 'Pdo'");
}

TEST(phase_checked_host_function_refuses_outside_its_phase)
{
    log_to_file();
    write_file("ph.lua", "local k = require 'kubilitics'\n"
                         "local id = k.http.request_id()\n"
                         "return { name = 'ph', version = '1.0.0' }\n");
    CHECK_CONTAINS(
        check_err("ph.lua"),
        "ph.lua:2: kubilitics.http.request_id is only available in route handlers (called during load)");
    unlink(path_of("ph.lua"));
    route_plugin("p2.lua", "ph2", "return { body = { id = k.http.request_id(), phase = k.phase() } }");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/ph2/t", NULL), "200 {\"id\":\"req-1\",\"phase\":\"route\"}");
    script_host_close(h);
}

TEST(duplicate_plugin_names_name_both_files)
{
    log_to_file();
    write_file("one.lua", "return { name = 'twin', version = '1.0.0' }\n");
    write_file("two.lua", "return { name = 'twin', version = '2.0.0' }\n");
    script_host_t *h = host_new(NULL);
    err_t err = {0};
    CHECK(script_host_load(h, &err) != 0);
    CHECK_CONTAINS(err.msg, "duplicate plugin name 'twin'");
    CHECK_CONTAINS(err.msg, "one.lua and ");
    CHECK_CONTAINS(err.msg, "two.lua");
    script_host_close(h);
}

TEST(plugin_named_reload_is_refused_because_the_server_owns_that_route)
{
    log_to_file();
    write_file("r.lua", "return { name = 'reload', version = '1.0.0' }\n");
    script_host_t *h = host_new(NULL);
    err_t err = {0};
    CHECK(script_host_load(h, &err) != 0);
    CHECK_CONTAINS(err.msg, "name 'reload' is reserved");
    script_host_close(h);
}

/* The same fixtures as tests/lua/fixtures/order (pinned by order_spec.lua). */
TEST(plugins_run_in_priority_then_name_order)
{
    log_to_file();
    write_file("a.lua", "return { name = 'zeta', version = '1.0.0', priority = 10 }\n");
    write_file("b.lua", "return { name = 'alpha', version = '1.0.0', priority = 10 }\n");
    write_file("c.lua", "return { name = 'mid', version = '1.0.0' }\n");
    write_file("d.lua", "return { name = 'low', version = '1.0.0', priority = -5 }\n");
    write_file("e.lua", "return { name = 'top', version = '1.0.0', priority = 100 }\n");
    write_file("f.lua", "return { name = 'beta', version = '1.0.0' }\n");
    write_file("notes.txt", "not a plugin\n");
    write_file("x_spec.lua", "error('specs are not plugins')\n");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(stats(h).names, "top,alpha,zeta,beta,mid,low");
    script_host_close(h);
}

TEST(semver_and_kinds_and_paths)
{
    bool script_semver_valid(const char *s);
    CHECK(script_semver_valid("1.2.3"));
    CHECK(script_semver_valid("0.0.1-alpha.1+build.5"));
    CHECK(!script_semver_valid("01.2.3"));
    CHECK(!script_semver_valid("1.2"));
    CHECK(!script_semver_valid("1.2.3-"));
    CHECK(!script_semver_valid("1.2.3-01"));
    char out[256];
    CHECK_STR(script_kind_canonical("pods", out, sizeof out), "Pod");
    CHECK_STR(script_kind_canonical("deployment", out, sizeof out), "Deployment.apps");
    CHECK_STR(script_kind_canonical("Ingress", out, sizeof out), "Ingress.networking.k8s.io");
    CHECK_STR(script_kind_canonical("networkpolicy", out, sizeof out), "NetworkPolicy.networking.k8s.io");
    CHECK_STR(script_kind_canonical("ingresses.networking.k8s.io", out, sizeof out),
              "Ingress.networking.k8s.io");
    CHECK_STR(script_kind_canonical("Application.argoproj.io", out, sizeof out), "Application.argoproj.io");
    CHECK(script_kind_canonical("Pdo", out, sizeof out) == NULL);
    CHECK(script_kind_canonical("Foo.bar", out, sizeof out) == NULL);
    script_path_t p;
    err_t err = {0};
    CHECK_INT(script_path_parse("spec.volumes[*].configMap.name", &p, &err), 0);
    CHECK_INT(p.nsegs, 5);
    CHECK_INT(p.segs[2].kind, SCRIPT_SEG_ALL);
    CHECK_STR(p.segs[3].key, "configMap");
    script_path_free(&p);
    CHECK_INT(script_path_parse("metadata.labels[\"app.kubernetes.io/name\"]", &p, &err), 0);
    CHECK_STR(p.segs[2].key, "app.kubernetes.io/name");
    script_path_free(&p);
    CHECK_INT(script_path_parse("spec.ports[0].port", &p, &err), 0);
    CHECK_INT(p.segs[2].kind, SCRIPT_SEG_INDEX);
    script_path_free(&p);
    const char *bad[] = {"", "a.", ".a", "a..b", "a[", "a[x]", "a[\"\"]", "a b", "a[*]b", NULL};
    for (const char **b = bad; *b; b++)
        if (script_path_parse(*b, &p, &err) == 0) TEST_FAIL_("path '%s' should be rejected", *b);
}

/* ---- routes ---- */

static void hello_plugin(void)
{
    char src[512];
    snprintf(src, sizeof src, "%s", __FILE__);
    FILE *in = fopen("examples/plugins/hello.lua", "r");
    if (!in) TEST_FAIL_("run the tests from the repository root (examples/plugins/hello.lua not found)");
    buf_t b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) buf_append(&b, chunk, n);
    fclose(in);
    write_file("hello.lua", "%s", b.data);
    buf_free(&b);
}

TEST(hello_example_answers_its_routes)
{
    log_to_file();
    hello_plugin();
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hello/hello", NULL),
              "200 {\"from\":\"anonymous\",\"message\":\"hello\"}");
    script_http_res_t res;
    call(h, "POST", "/api/v1/plugins/hello/echo", "ping", &res);
    CHECK_INT(res.status, 200);
    CHECK_STR(res.content_type, "application/x-test");
    CHECK_MEM(res.body.data, res.body.len, "ping");
    script_http_res_free(&res);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hello/echo", NULL), "405 method_not_allowed");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hello/nope", NULL), "404 not_found");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/nobody/hello", NULL), "404 not_found");
    script_host_close(h);
}

TEST(route_request_table_carries_params_query_headers_user)
{
    log_to_file();
    write_file("p.lua",
               "return { name = 'req', version = '1.0.0', routes = {\n"
               "  { method = 'PUT', path = '/items/{id}/tags/{tag}', handler = function(r)\n"
               "      return { status = 201, headers = { ['X-Seen'] = r.params.id },\n"
               "               body = { id = r.params.id, tag = r.params.tag, q = r.query.q, n = r.query.n,\n"
               "                        thing = r.headers['x-thing'], user = r.user, path = r.path,\n"
               "                        route = r.route, body = r.body, method = r.method } } end },\n"
               "  { method = 'PUT', path = '/items/special/tags/{tag}', handler = function(r)\n"
               "      return { body = 'literal wins' } end },\n"
               "} }\n");
    script_host_t *h = host_loaded(NULL);
    script_header_t hdr[] = {{SV("X-Thing"), SV("a")}, {SV("X-THING"), SV("b")}};
    script_http_req_t req = {
        .method = "PUT",
        .raw_path = SV("/api/v1/plugins/req/items/a%2Fb%20c/tags/t1"),
        .query = SV("q=x+y&n=1&q=ignored"),
        .headers = hdr,
        .nheaders = 2,
        .body = SV("{}"),
        .user = "alice",
        .request_id = "r9",
    };
    script_http_res_t res;
    CHECK_INT(script_host_dispatch(h, &req, &res), 0);
    CHECK_INT(res.status, 201);
    CHECK_STR(res.content_type, "application/json");
    CHECK_INT(res.nheaders, 1);
    CHECK_STR(res.header_names[0], "X-Seen");
    CHECK_STR(res.header_values[0], "a/b c");
    CHECK_MEM(
        res.body.data, res.body.len,
        "{\"body\":\"{}\",\"id\":\"a/b c\",\"method\":\"PUT\",\"n\":\"1\",\"path\":\"/items/a/b c/tags/t1\","
        "\"q\":\"x y\",\"route\":\"/items/{id}/tags/{tag}\",\"tag\":\"t1\",\"thing\":\"a, "
        "b\",\"user\":\"alice\"}");
    script_http_res_free(&res);
    CHECK_STR(answer(h, "PUT", "/api/v1/plugins/req/items/special/tags/x", NULL), "200 literal wins");
    script_host_close(h);
}

TEST(handler_error_is_a_500_logged_with_file_line_and_counted)
{
    log_to_file();
    route_plugin("p.lua", "boom", "error('kaboom')");
    script_host_t *h = host_loaded(NULL);
    script_http_res_t res;
    call(h, "GET", "/api/v1/plugins/boom/t", NULL, &res);
    CHECK_INT(res.status, 500);
    CHECK_STR(res.error_code, "internal");
    CHECK(!contains(res.error_message, "kaboom")); /* details stay in the log */
    script_http_res_free(&res);
    first_info_t f = stats(h);
    CHECK_INT(f.pi.errors_total, 1);
    CHECK_STR(f.pi.status, "error");
    CHECK_CONTAINS(f.last_error, "/p.lua:4: kaboom");
    const char *log = log_text();
    CHECK_CONTAINS(log, "\"msg\":\"plugin error\",\"plugin\":\"boom\",\"phase\":\"route\"");
    CHECK_CONTAINS(log, "p.lua:4\",\"error\":");
    CHECK_CONTAINS(log, "\"requestId\":\"req-1\"");
    CHECK_CONTAINS(log, "stack traceback");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/boom/ok", NULL), "200 fine");
    CHECK_STR(stats(h).pi.status, "ok");
    buf_t js = {0};
    script_host_stats_json(h, &js);
    CHECK_CONTAINS(js.data, "\"name\":\"boom\"");
    CHECK_CONTAINS(js.data, "\"errorsTotal\":1");
    CHECK_CONTAINS(js.data, "\"reloadFailuresTotal\":0");
    buf_free(&js);
    script_host_close(h);
}

TEST(bad_handler_results_are_500s)
{
    log_to_file();
    const char *cases[] = {
        "return 'just a string'",
        "return { status = 99 }",
        "return { status = 200, bodyy = 'x' }",
        "return { headers = { ['Bad Name'] = 'x' } }",
        "return { headers = { ['X-A'] = 'a\\r\\nInjected: 1' } }",
        "return { headers = { ['Content-Length'] = '3' } }",
        "return { body = function() end }",
        "local t = {} t.self = t return { body = t }",
        "return { body = { [true] = 1 } }",
        "return { body = { x = 0/0 } }",
        NULL,
    };
    for (const char **c = cases; *c; c++) {
        route_plugin("p.lua", "badres", *c);
        script_host_t *h = host_loaded(NULL);
        const char *a = answer(h, "GET", "/api/v1/plugins/badres/t", NULL);
        if (strcmp(a, "500 internal") != 0) TEST_FAIL_("%s: expected 500 internal, got %s", *c, a);
        script_host_close(h);
    }
}

TEST(json_module_round_trips_and_reports_errors_as_values)
{
    log_to_file();
    route_plugin(
        "p.lua", "js",
        "local j = k.json\n"
        "local v = j.decode('{\"a\":[1,2.5,\"x\",null,true],\"e\":[],\"o\":{}}')\n"
        "local bad, msg = j.decode('{oops')\n"
        "local t = {} t.t = t\n"
        "local cyc, cmsg = j.encode(t)\n"
        "return { body = { back = j.encode(v), isnull = v.a[4] == j.null, bad = bad == nil, msg = msg,\n"
        "  cyc = cyc == nil, cmsg = cmsg, arr = j.encode(j.array()), n = j.encode(2^63), i = j.encode(-7) } "
        "}");
    script_host_t *h = host_loaded(NULL);
    const char *a = answer(h, "GET", "/api/v1/plugins/js/t", NULL);
    CHECK_CONTAINS(a, "\"back\":\"{\\\"a\\\":[1,2.5,\\\"x\\\",null,true],\\\"e\\\":[],\\\"o\\\":{}}\"");
    CHECK_CONTAINS(a, "\"isnull\":true");
    CHECK_CONTAINS(a, "\"bad\":true");
    CHECK_CONTAINS(a, "json: invalid JSON");
    CHECK_CONTAINS(a, "\"cyc\":true");
    CHECK_CONTAINS(a, "nested deeper");
    CHECK_CONTAINS(a, "\"arr\":\"[]\"");
    CHECK_CONTAINS(a, "\"i\":\"-7\"");
    script_host_close(h);
}

/* ---- reload ---- */

static void versioned(const char *answer_text)
{
    route_plugin("hot.lua", "hot", answer_text);
}

TEST(reload_swaps_in_the_edited_plugin)
{
    log_to_file();
    versioned("return { body = 'v1' }");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hot/t", NULL), "200 v1");
    versioned("return { body = 'v2' }");
    err_t err = {0};
    CHECK_INT(script_host_reload(h, &err), 0);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hot/t", NULL), "200 v2");
    script_host_info_t info;
    script_host_info(h, &info);
    CHECK_INT(info.reloads_total, 2);
    CHECK_INT(info.reload_failures_total, 0);
    script_host_close(h);
}

TEST(broken_reload_keeps_the_old_version_and_reports)
{
    log_to_file();
    versioned("return { body = 'v1' }");
    script_host_t *h = host_loaded(NULL);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hot/t", NULL), "200 v1");
    route_plugin("hot.lua", "hot", "return { body = 'v2' ");               /* syntax error */
    write_file("other.lua", "return { name = 'other', version = 'x' }\n"); /* and a bad version */
    err_t err = {0};
    CHECK(script_host_reload(h, &err) != 0);
    CHECK_CONTAINS(err.msg, "hot.lua:5:");
    CHECK_CONTAINS(err.msg, "and 1 more failing plugins");
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hot/t", NULL), "200 v1");
    script_host_info_t info;
    script_host_info(h, &info);
    CHECK_INT(info.reload_failures_total, 1);
    CHECK_CONTAINS(info.last_reload_error, "hot.lua:5:");
    CHECK_CONTAINS(log_text(), "plugin reload failed");
    /* Fixing both files recovers. */
    versioned("return { body = 'v3' }");
    write_file("other.lua", "return { name = 'other', version = '1.0.0' }\n");
    CHECK_INT(script_host_reload(h, &err), 0);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hot/t", NULL), "200 v3");
    script_host_info(h, &info);
    CHECK_STR(info.last_reload_error, "");
    script_host_close(h);
}

TEST(error_counters_survive_a_reload)
{
    log_to_file();
    route_plugin("p.lua", "keep", "error('x')");
    script_host_t *h = host_loaded(NULL);
    answer(h, "GET", "/api/v1/plugins/keep/t", NULL);
    err_t err = {0};
    CHECK_INT(script_host_reload(h, &err), 0);
    answer(h, "GET", "/api/v1/plugins/keep/t", NULL);
    CHECK_INT(stats(h).pi.errors_total, 2);
    script_host_close(h);
}

TEST(file_watcher_reloads_an_edited_plugin)
{
    log_to_file();
    versioned("return { body = 'v1' }");
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *dirs[] = {tmpdir()};
    err_t err = {0};
    script_limits_t lim = {.debounce_ms = 50};
    script_host_t *h = script_host_new(&loop, NULL, dirs, 1, &lim, &err);
    CHECK(h != NULL);
    CHECK_INT(script_host_load(h, &err), 0);
    CHECK_STR(answer(h, "GET", "/api/v1/plugins/hot/t", NULL), "200 v1");
    uv_run(&loop, UV_RUN_NOWAIT);
    versioned("return { body = 'v2' }");
    const char *a = "";
    for (int i = 0; i < 300; i++) { /* bounded: at most ~3 s */
        uv_run(&loop, UV_RUN_NOWAIT);
        a = answer(h, "GET", "/api/v1/plugins/hot/t", NULL);
        if (strcmp(a, "200 v2") == 0) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK_STR(a, "200 v2");
    script_host_close(h);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
}

/* ---- relations ---- */

typedef struct edges {
    char got[1024];
    int finds;
} edges_t;

static void emit(const char *target, const char *type, void *ud)
{
    edges_t *e = ud;
    snprintf(e->got + strlen(e->got), sizeof e->got - strlen(e->got), "%s %s;", type, target);
}

static const char *find(const char *kind, const char *ns, const char *name, size_t *len, void *ud)
{
    edges_t *e = ud;
    e->finds++;
    if (strcmp(kind, "Secret") == 0 && strcmp(name, "tls") == 0) {
        static const char obj[] =
            "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"tls\",\"namespace\":\"shop\"}}";
        *len = sizeof obj - 1;
        return obj;
    }
    return NULL;
}

TEST(relations_are_exposed_to_c_and_function_rules_run)
{
    log_to_file();
    write_file("rel.lua",
               "local rel = require 'kubilitics.relations'\n"
               "return { name = 'rels', version = '1.0.0', priority = 5, relations = {\n"
               "  rel.owner{},\n"
               "  rel.selector{ type = 'selects', from = 'Service', path = 'spec.selector', to = 'pods' },\n"
               "  rel.ref{ type = 'mounts', from = 'Pod', path = { 'spec.volumes[*].configMap.name',\n"
               "           'spec.volumes[*].projected.sources[*].configMap.name' }, to = 'ConfigMap' },\n"
               "  rel.ref{ type = 'runs-on', from = 'Pod', path = 'spec.nodeName', to = 'Node', "
               "cross_namespace = true },\n"
               "  rel.ref{ type = 'grants', from = 'RoleBinding', path = 'roleRef', to = { 'Role', "
               "'ClusterRole' } },\n"
               "  rel.labelref{ type = 'part-of', from = '*', label = 'app.kubernetes.io/part-of',\n"
               "                to = 'Application.argoproj.io' },\n"
               "  rel.fn{ type = 'issues', from = 'Certificate.cert-manager.io', to = 'Secret',\n"
               "          match = function(obj, find)\n"
               "            local s = find('Secret', obj.metadata.namespace, obj.spec.secretName)\n"
               "            if s then return { 'Secret/' .. s.metadata.namespace .. '/' .. s.metadata.name,\n"
               "                               { id = 'Pod/shop/x', type = 'feeds' } } end\n"
               "            return {}\n"
               "          end },\n"
               "} }\n");
    script_host_t *h = host_loaded(NULL);
    size_t n = 0;
    const script_relation_t *r = script_host_relations(h, &n);
    CHECK_INT(n, 7);
    CHECK_INT(r[0].rule, SCRIPT_REL_OWNER);
    CHECK_STR(r[0].type, "owns");
    CHECK_STR(r[0].from, "*");
    CHECK_INT(r[0].line, 3);
    CHECK_STR(r[0].plugin, "rels");
    CHECK_INT(r[1].rule, SCRIPT_REL_SELECTOR);
    CHECK_STR(r[1].to[0], "Pod");
    CHECK_INT(r[1].selector_form, SCRIPT_SEL_AUTO);
    CHECK_INT(r[2].npaths, 2);
    CHECK_STR(r[2].paths[1].text, "spec.volumes[*].projected.sources[*].configMap.name");
    CHECK_INT(r[2].paths[1].nsegs, 8);
    CHECK(r[3].cross_namespace);
    CHECK_INT(r[4].nto, 2);
    CHECK_STR(r[4].to[1], "ClusterRole.rbac.authorization.k8s.io");
    CHECK_STR(r[4].from, "RoleBinding.rbac.authorization.k8s.io");
    CHECK_STR(r[5].label, "app.kubernetes.io/part-of");
    CHECK_INT(r[6].rule, SCRIPT_REL_FUNCTION);
    CHECK_INT(r[6].line, 11);
    edges_t e = {0};
    err_t err = {0};
    const char *cert =
        "{\"metadata\":{\"name\":\"c\",\"namespace\":\"shop\"},\"spec\":{\"secretName\":\"tls\"}}";
    CHECK_INT(script_relation_eval(h, &r[6], cert, strlen(cert), find, emit, &e, &err), 0);
    CHECK_STR(e.got, "issues Secret/shop/tls;feeds Pod/shop/x;");
    CHECK_INT(e.finds, 1);
    /* A failing rule is an error value, counted, not a crash. */
    const char *broken = "{\"metadata\":{\"name\":\"c\"}}";
    CHECK(script_relation_eval(h, &r[6], broken, strlen(broken), find, emit, &e, &err) != 0);
    CHECK_CONTAINS(err.msg, "rel.lua:");
    CHECK_INT(stats(h).pi.errors_total, 1);
    script_host_close(h);
}

TEST(check_path_reports_a_valid_plugin)
{
    log_to_file();
    hello_plugin();
    buf_t rep = {0};
    err_t err = {0};
    CHECK_INT(script_check_path(path_of("hello.lua"), &rep, &err), 0);
    CHECK_CONTAINS(rep.data, "ok   hello 1.0.0 (priority 0)");
    CHECK_CONTAINS(rep.data, "route GET /api/v1/plugins/hello/hello");
    buf_free(&rep);
}

TEST_MAIN()
