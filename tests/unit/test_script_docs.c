/* test_script_docs.c — docs/plugins.md cannot rot: its examples are run.
 *
 * The guide marks its code blocks with an HTML comment on the line before
 * the fence:
 *   <!-- plugin -->                 a complete plugin: loaded by
 *                                   script_check_path (the server's loader)
 *   <!-- plugin REQ ; REQ … -->     … and then served by a host, each REQ
 *                                   "METHOD PATH [body=TEXT] [user=NAME] STATUS [TEXT]"
 *                                   answering STATUS with TEXT in the body
 *                                   (or in the error code and message)
 *   <!-- plugin-fails: TEXT -->     a broken plugin: the check fails with TEXT
 *   <!-- file: DIR/REL -->          written to DIR/REL; each DIR is then run
 *                                   through script_test_path (busted)
 * Every other ```lua block must at least compile. And every public function
 * of lua/kubilitics/ has a doc comment and is named in the guide (STYLE.md).
 * Runs from the repository root. */
#include <ftw.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/log.h"
#include "script/script.h"
#include "test.h"

#define GUIDE "docs/plugins.md"
#define MAX_BLOCKS 128

typedef struct block {
    char lang[16];
    char marker[512]; /* the comment's inside, trimmed; "" when none */
    int line;         /* of the opening fence */
    buf_t text;
} block_t;

static block_t blocks[MAX_BLOCKS];
static size_t nblocks;

static char tmpdir_[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void tmpdir_cleanup(void)
{
    if (tmpdir_[0]) nftw(tmpdir_, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tmpdir(void)
{
    if (!tmpdir_[0]) {
        snprintf(tmpdir_, sizeof tmpdir_, "/tmp/kbdocs-XXXXXX");
        if (!mkdtemp(tmpdir_)) TEST_FAIL_("mkdtemp failed");
        atexit(tmpdir_cleanup);
    }
    return tmpdir_;
}

static void mkdirs(const char *path)
{
    char p[512];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
}

static void write_text(const char *path, const char *text, size_t n)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdirs(dir);
    }
    FILE *f = fopen(path, "w");
    if (!f) TEST_FAIL_("cannot write %s", path);
    fwrite(text, 1, n, f);
    fclose(f);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

/* Split the guide into fenced blocks with the marker before each. */
static void parse_guide(void)
{
    if (nblocks) return;
    FILE *f = fopen(GUIDE, "r");
    if (!f) TEST_FAIL_("cannot open %s (run from the repository root)", GUIDE);
    char line[4096], marker[512] = "";
    int lineno = 0;
    block_t *cur = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *t = trim(line);
        if (cur) {
            if (strncmp(t, "```", 3) == 0) {
                cur = NULL;
                continue;
            }
            /* Keep the block's own indentation relative to the fence: the
             * guide only indents inside list items, never Lua. */
            buf_puts(&cur->text, line);
            buf_putc(&cur->text, '\n');
            continue;
        }
        if (strncmp(t, "```", 3) == 0 && t[3] != '`') {
            if (nblocks == MAX_BLOCKS) TEST_FAIL_("more than %d blocks in %s", MAX_BLOCKS, GUIDE);
            cur = &blocks[nblocks++];
            snprintf(cur->lang, sizeof cur->lang, "%s", t + 3);
            snprintf(cur->marker, sizeof cur->marker, "%s", marker);
            cur->line = lineno;
            marker[0] = '\0';
            continue;
        }
        if (strncmp(t, "<!--", 4) == 0 && strstr(t, "-->")) {
            char *in = t + 4;
            *strstr(in, "-->") = '\0';
            snprintf(marker, sizeof marker, "%s", trim(in));
        } else {
            marker[0] = '\0';
        }
    }
    fclose(f);
    if (cur) TEST_FAIL_("%s: unterminated block from line %d", GUIDE, cur->line);
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void setup(void)
{
    setenv("KUBILITICS_LUA_DIR", "lua", 1);
    log_set_level(LOG_FATAL); /* the examples log; the test output stays readable */
    parse_guide();
}

TEST(every_lua_block_in_the_guide_compiles)
{
    setup();
    int n = 0;
    for (size_t i = 0; i < nblocks; i++) {
        if (strcmp(blocks[i].lang, "lua") != 0) continue;
        lua_State *L = luaL_newstate();
        const char *text = buf_cstr(&blocks[i].text);
        if (luaL_loadbufferx(L, text, strlen(text), "=guide", "t") != LUA_OK)
            TEST_FAIL_("%s:%d: lua block does not compile: %s", GUIDE, blocks[i].line, lua_tostring(L, -1));
        lua_close(L);
        n++;
    }
    CHECK(n >= 10);
}

/* One "METHOD PATH [body=X] [user=U] STATUS [TEXT]" against the host. */
static void run_request(script_host_t *h, const char *plugin, const char *spec, int block_line)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL, *method = strtok_r(buf, " ", &save), *target = strtok_r(NULL, " ", &save);
    char *tok = strtok_r(NULL, " ", &save);
    const char *body = "", *user = NULL;
    while (tok && (starts(tok, "body=") || starts(tok, "user="))) {
        if (starts(tok, "body="))
            body = tok + 5;
        else
            user = tok + 5;
        tok = strtok_r(NULL, " ", &save);
    }
    if (!method || !target || !tok) TEST_FAIL_("%s:%d: bad request spec '%s'", GUIDE, block_line, spec);
    int want = atoi(tok);
    const char *text = save && *save ? trim(save) : "";
    buf_t full = {0};
    buf_printf(&full, "%s%s%s", SCRIPT_ROUTE_PREFIX, plugin, target);
    const char *q = strchr(full.data, '?');
    script_http_req_t req = {
        .method = method,
        .raw_path = sv_make(full.data, q ? (size_t)(q - full.data) : full.len),
        .query = q ? sv_from(q + 1) : sv_make("", 0),
        .body = sv_from(body),
        .user = user,
        .request_id = "doc-1",
    };
    script_http_res_t res;
    script_host_dispatch(h, &req, &res);
    buf_t got = {0};
    if (res.error_code)
        buf_printf(&got, "%s %s", res.error_code, res.error_message);
    else
        buf_append(&got, res.body.data ? res.body.data : "", res.body.len);
    if (res.status != want || !strstr(buf_cstr(&got), text))
        TEST_FAIL_("%s:%d: %s %s: expected %d with \"%s\", got %d %s", GUIDE, block_line, method, target,
                   want, text, res.status, buf_cstr(&got));
    buf_free(&got);
    buf_free(&full);
    script_http_res_free(&res);
}

static void plugin_name(const script_plugin_info_t *pi, void *ud)
{
    snprintf(ud, 64, "%s", pi->name);
}

TEST(complete_plugins_in_the_guide_load_and_answer_their_requests)
{
    setup();
    int n = 0, requests = 0;
    for (size_t i = 0; i < nblocks; i++) {
        const block_t *b = &blocks[i];
        if (!starts(b->marker, "plugin") || starts(b->marker, "plugin-")) continue;
        char dir[512], file[600];
        snprintf(dir, sizeof dir, "%s/plugin%zu", tmpdir(), i);
        snprintf(file, sizeof file, "%s/example.lua", dir);
        write_text(file, b->text.data, b->text.len);
        buf_t report = {0};
        err_t err = {0};
        if (script_check_path(file, &report, &err) != 0)
            TEST_FAIL_("%s:%d: example plugin does not load: %s", GUIDE, b->line, err.msg);
        buf_free(&report);
        n++;
        const char *specs = b->marker + strlen("plugin");
        if (!*trim((char *)specs)) continue;
        const char *dirs[] = {dir};
        script_host_t *h = script_host_new(NULL, NULL, dirs, 1, NULL, &err);
        if (!h || script_host_load(h, &err) != 0) TEST_FAIL_("%s:%d: host: %s", GUIDE, b->line, err.msg);
        char name[64] = "";
        script_host_stats(h, plugin_name, name);
        char all[512];
        snprintf(all, sizeof all, "%s", specs);
        char *save = NULL;
        for (char *one = strtok_r(all, ";", &save); one; one = strtok_r(NULL, ";", &save)) {
            run_request(h, name, trim(one), b->line);
            requests++;
        }
        script_host_close(h);
    }
    CHECK(n >= 6);
    CHECK(requests >= 10);
}

TEST(failing_examples_in_the_guide_fail_with_the_message_shown)
{
    setup();
    int n = 0;
    for (size_t i = 0; i < nblocks; i++) {
        const block_t *b = &blocks[i];
        if (!starts(b->marker, "plugin-fails:")) continue;
        const char *want = b->marker + strlen("plugin-fails:");
        while (*want == ' ') want++;
        char file[512];
        snprintf(file, sizeof file, "%s/fail%zu/example.lua", tmpdir(), i);
        write_text(file, b->text.data, b->text.len);
        buf_t report = {0};
        err_t err = {0};
        if (script_check_path(file, &report, &err) == 0)
            TEST_FAIL_("%s:%d: the broken example loads", GUIDE, b->line);
        if (!strstr(err.msg, want) || !strstr(err.msg, "example.lua:"))
            TEST_FAIL_("%s:%d: expected an error with file:line and \"%s\", got \"%s\"", GUIDE, b->line, want,
                       err.msg);
        buf_free(&report);
        n++;
    }
    CHECK(n >= 3);
}

TEST(the_guide_folder_example_passes_plugin_test)
{
    setup();
    char root[512];
    snprintf(root, sizeof root, "%s/files", tmpdir());
    char tops[8][64];
    int ntops = 0;
    for (size_t i = 0; i < nblocks; i++) {
        const block_t *b = &blocks[i];
        if (!starts(b->marker, "file:")) continue;
        const char *rel = b->marker + 5;
        while (*rel == ' ') rel++;
        if (strstr(rel, "..") || rel[0] == '/') TEST_FAIL_("%s:%d: bad file marker", GUIDE, b->line);
        char path[700];
        snprintf(path, sizeof path, "%s/%s", root, rel);
        write_text(path, b->text.data, b->text.len);
        const char *slash = strchr(rel, '/');
        int len = slash ? (int)(slash - rel) : (int)strlen(rel);
        bool seen = false;
        for (int t = 0; t < ntops; t++)
            if ((int)strlen(tops[t]) == len && strncmp(tops[t], rel, (size_t)len) == 0) seen = true;
        if (!seen && ntops < 8) snprintf(tops[ntops++], sizeof tops[0], "%.*s", len, rel);
    }
    CHECK(ntops >= 1);
    for (int t = 0; t < ntops; t++) {
        char dir[700];
        snprintf(dir, sizeof dir, "%s/%s", root, tops[t]);
        err_t err = {0};
        const char *args[] = {"-o", "TAP"};
        fflush(stdout);
        int st = script_test_path(dir, args, 2, NULL, &err);
        if (st != 0) TEST_FAIL_("plugin test %s: exit %d: %s", tops[t], st, err.msg);
    }
}

/* Scans the toolbox in Lua: each public function (function M.x, M.x =,
 * function Obj:x) needs a "---" doc comment above it (possibly followed by
 * more "--" lines) and its name in the guide. Returns "" or the complaints. */
static const char *const doc_check_lua =
    "local guide = assert(io.open('docs/plugins.md')):read('a')\n"
    "local bad, seen = {}, 0\n"
    "local files = {'init', 'path', 'plugins', 'relations', 'testing/init', 'testing/json',\n"
    "               'testing/graph', 'testing/kinds'}\n"
    "for _, f in ipairs(files) do\n"
    "  local path = 'lua/kubilitics/' .. f .. '.lua'\n"
    "  local lines = {}\n"
    "  for l in io.lines(path) do lines[#lines + 1] = l end\n"
    "  for i, l in ipairs(lines) do\n"
    "    local name = l:match('^function [%w_]+[.:]([%w_]+)%(') or l:match('^M%.([%w_]+) =')\n"
    "    if name and not name:match('^_') then\n"
    "      seen = seen + 1\n"
    "      local j, documented = i - 1, false\n"
    "      while j >= 1 and lines[j]:match('^%-%-') do\n"
    "        if lines[j]:match('^%-%-%-') then documented = true break end\n"
    "        j = j - 1\n"
    "      end\n"
    "      if not documented then bad[#bad + 1] = path .. ':' .. i .. ': ' .. name .. ' has no --- doc "
    "comment' end\n"
    "      if not guide:find('%f[%w_]' .. name .. '%f[^%w_]') then\n"
    "        bad[#bad + 1] = path .. ':' .. i .. ': ' .. name .. ' is not in docs/plugins.md'\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if seen < 40 then bad[#bad + 1] = 'only ' .. seen .. ' functions found' end\n"
    "return table.concat(bad, '\\n')\n";

TEST(every_toolbox_function_has_a_doc_comment_and_is_in_the_guide)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, doc_check_lua) != LUA_OK) TEST_FAIL_("scan failed: %s", lua_tostring(L, -1));
    const char *complaints = lua_tostring(L, -1);
    if (complaints && complaints[0]) TEST_FAIL_("\n%s", complaints);
    lua_close(L);
}

TEST_MAIN()
