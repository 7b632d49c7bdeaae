/* testrun.c — `kubilitics plugin test PATH`: a plugin's busted specs.
 *
 * The plugin is first loaded and validated exactly as the server would
 * (script_check_path), so a broken manifest fails with its file and line
 * before any spec runs. Then its specs run in a child `lua5.4 busted`, with
 * LUA_PATH pointing at the same lua/ folder the host uses (so
 * `require "kubilitics.testing"` and friends resolve) and the plugin's
 * whereabouts in the environment for kubilitics.testing to find:
 *
 *   KUBILITICS_PLUGIN       the plugin file (x.lua or folder/init.lua)
 *   KUBILITICS_PLUGIN_DIR   the folder of a folder plugin
 *   KUBILITICS_FIXTURES     its fixtures folder (may not exist)
 *   KUBILITICS_LUA_DIR      the folder holding kubilitics/
 *   KUBILITICS_API_VERSION  what kubilitics.version says in the server
 *
 * Where the specs and fixtures are:
 *   folder plugin DIR:   files named *_spec.lua in DIR, and in DIR/spec at any
 *                        depth; fixtures in DIR/fixtures
 *   file plugin D/x.lua: D/x_spec.lua, D/spec/x_spec.lua, and *_spec.lua in
 *                        D/spec/x at any depth; fixtures in D/fixtures/x
 * The child runs in the plugin's folder (a .busted file there applies) and
 * inherits stdout/stderr, so busted's own report is what the author sees.
 * Nothing here keeps state; everything allocated is freed before returning.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "script/script_int.h"

extern char **environ;

#define MAX_SPECS 4096
#define MAX_DEPTH 8

typedef struct strv {
    char **v;
    size_t n, cap;
} strv_t;

static void strv_push(strv_t *s, char *owned)
{
    if (s->n + 1 >= s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = owned;
    s->v[s->n] = NULL;
}

static void strv_free(strv_t *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool spec_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 9 && strcmp(name + n - 9, "_spec.lua") == 0;
}

/* Every *_spec.lua in dir (recursing into sub-folders when deep), hidden
 * entries skipped. Bounded in depth and count: a symlink loop ends. */
static void find_specs(const char *dir, bool deep, int depth, strv_t *out)
{
    DIR *dh = opendir(dir);
    if (!dh) return;
    struct dirent *de;
    while ((de = readdir(dh)) && out->n < MAX_SPECS) {
        if (de->d_name[0] == '.') continue;
        buf_t p = {0};
        buf_printf(&p, "%s/%s", dir, de->d_name);
        if (spec_name(de->d_name) && is_file(p.data)) {
            strv_push(out, buf_steal(&p));
            continue;
        }
        if (deep && depth < MAX_DEPTH && is_dir(p.data)) find_specs(p.data, true, depth + 1, out);
        buf_free(&p);
    }
    closedir(dh);
}

/* "name=value" for the child's environment. */
static char *env_pair(const char *name, const char *value)
{
    buf_t b = {0};
    buf_printf(&b, "%s=%s", name, value);
    return buf_steal(&b);
}

static bool env_named(const char *entry, const char *const *names)
{
    for (const char *const *n = names; *n; n++) {
        size_t len = strlen(*n);
        if (strncmp(entry, *n, len) == 0 && entry[len] == '=') return true;
    }
    return false;
}

typedef struct plan {
    char *file;     /* absolute plugin file */
    char *dir;      /* absolute folder of a folder plugin, or NULL */
    char *home;     /* where the child runs: the plugin's folder */
    char *fixtures; /* absolute fixtures folder (may not exist) */
    strv_t specs;   /* absolute spec files, sorted */
} plan_t;

static void plan_free(plan_t *p)
{
    free(p->file);
    free(p->dir);
    free(p->home);
    free(p->fixtures);
    strv_free(&p->specs);
}

/* Work out the plugin file, its folder, specs and fixtures. 0, or 2 with
 * err saying what is missing. */
static int plan_make(const char *path, plan_t *p, err_t *err)
{
    char abs[PATH_MAX];
    if (!realpath(path, abs)) {
        err_set(err, ERR_NOTFOUND, "%s: no such plugin file or folder", path);
        return 2;
    }
    buf_t b = {0};
    if (is_dir(abs)) {
        buf_printf(&b, "%s/init.lua", abs);
        if (!is_file(b.data)) {
            buf_free(&b);
            err_set(err, ERR_INVALID, "%s: not a plugin folder (it has no init.lua)", path);
            return 2;
        }
        p->file = buf_steal(&b);
        p->dir = xstrdup(abs);
        p->home = xstrdup(abs);
        buf_printf(&b, "%s/fixtures", abs);
        p->fixtures = buf_steal(&b);
        find_specs(abs, false, 0, &p->specs);
        buf_printf(&b, "%s/spec", abs);
        find_specs(b.data, true, 0, &p->specs);
        buf_free(&b);
    } else {
        size_t n = strlen(abs);
        if (n < 5 || strcmp(abs + n - 4, ".lua") != 0) {
            err_set(err, ERR_INVALID, "%s: a plugin is a .lua file or a folder with init.lua", path);
            return 2;
        }
        p->file = xstrdup(abs);
        char *slash = strrchr(abs, '/');
        *slash = '\0';
        const char *base = slash + 1;
        int stem = (int)(strlen(base) - 4);
        p->home = xstrdup(abs[0] ? abs : "/");
        buf_printf(&b, "%s/fixtures/%.*s", abs, stem, base);
        p->fixtures = buf_steal(&b);
        buf_printf(&b, "%s/%.*s_spec.lua", abs, stem, base);
        if (is_file(b.data)) strv_push(&p->specs, buf_steal(&b));
        buf_reset(&b);
        buf_printf(&b, "%s/spec/%.*s_spec.lua", abs, stem, base);
        if (is_file(b.data)) strv_push(&p->specs, buf_steal(&b));
        buf_reset(&b);
        buf_printf(&b, "%s/spec/%.*s", abs, stem, base);
        find_specs(b.data, true, 0, &p->specs);
        buf_free(&b);
    }
    if (p->specs.n > 1) qsort(p->specs.v, p->specs.n, sizeof *p->specs.v, cmp_str);
    if (p->specs.n == 0) {
        if (p->dir)
            err_set(err, ERR_NOTFOUND, "%s: no specs found (looked for *_spec.lua in %s and %s/spec/)", path,
                    p->dir, p->dir);
        else {
            const char *base = strrchr(p->file, '/') + 1;
            int stem = (int)strlen(base) - 4; /* without ".lua" */
            err_set(err, ERR_NOTFOUND,
                    "%s: no specs found (looked for %s/%.*s_spec.lua, %s/spec/%.*s_spec.lua)", path, p->home,
                    stem, base, p->home, stem, base);
        }
        return 2;
    }
    return 0;
}

/* The child's environment: ours, then the parent's without the names we set. */
static void build_env(const plan_t *p, const char *lib, strv_t *env)
{
    static const char *const ours[] = {"LUA_PATH_5_4",
                                       "KUBILITICS_PLUGIN",
                                       "KUBILITICS_PLUGIN_DIR",
                                       "KUBILITICS_FIXTURES",
                                       "KUBILITICS_LUA_DIR",
                                       "KUBILITICS_API_VERSION",
                                       NULL};
    /* Lua 5.4 reads LUA_PATH_5_4 before LUA_PATH; whichever the user set is
     * kept after ours, and ";;" keeps the default path (busted lives there). */
    const char *user = getenv("LUA_PATH_5_4");
    if (!user || !user[0]) user = getenv("LUA_PATH");
    buf_t lp = {0};
    buf_printf(&lp, "%s/?.lua;%s/?/init.lua;", lib, lib);
    if (p->dir) buf_printf(&lp, "%s/?.lua;%s/?/init.lua;", p->dir, p->dir);
    buf_puts(&lp, user && user[0] ? user : ";");
    strv_push(env, env_pair("LUA_PATH_5_4", lp.data));
    buf_free(&lp);
    strv_push(env, env_pair("KUBILITICS_PLUGIN", p->file));
    if (p->dir) strv_push(env, env_pair("KUBILITICS_PLUGIN_DIR", p->dir));
    strv_push(env, env_pair("KUBILITICS_FIXTURES", p->fixtures));
    strv_push(env, env_pair("KUBILITICS_LUA_DIR", lib));
    strv_push(env, env_pair("KUBILITICS_API_VERSION", KUBILITICS_VERSION));
    for (char **e = environ; e && *e; e++)
        if (!env_named(*e, ours)) strv_push(env, xstrdup(*e));
}

/* Run argv in dir with env; returns the exit status, or -1 with err. */
static int run_child(char *const *argv, char *const *env, const char *dir, err_t *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        err_set(err, ERR_NOTFOUND, "cannot run %s: %s", argv[0], strerror(rc));
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            err_set(err, ERR_IO, "waiting for %s: %s", argv[0], strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    err_set(err, ERR_INTERNAL, "%s was killed by signal %d", argv[0],
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 1;
}

int script_test_path(const char *path, const char *const *args, size_t nargs, FILE *out, err_t *err)
{
    plan_t p = {0};
    strv_t argv = {0}, env = {0};
    char *lib = NULL;
    int status = plan_make(path, &p, err);
    if (status != 0) goto done;

    char *given = script_lib_dir_resolve(NULL);
    char abs[PATH_MAX];
    lib = realpath(given, abs) ? xstrdup(abs) : xstrdup(given);
    free(given);
    buf_t probe = {0};
    buf_printf(&probe, "%s/kubilitics/init.lua", lib);
    bool have_lib = is_file(probe.data);
    buf_free(&probe);
    if (!have_lib) {
        err_set(err, ERR_NOTFOUND,
                "cannot find the kubilitics Lua library (%s/kubilitics/init.lua); set KUBILITICS_LUA_DIR",
                lib);
        status = 2;
        goto done;
    }
    const char *lua = getenv("KUBILITICS_LUA");
    const char *busted = getenv("KUBILITICS_BUSTED");
    if (!lua || !lua[0]) lua = "lua5.4";
    if (!busted || !busted[0]) busted = "/usr/bin/busted";
    if (!is_file(busted)) {
        err_set(err, ERR_NOTFOUND,
                "busted not found at %s (Debian: apt install lua-busted; or set KUBILITICS_BUSTED)", busted);
        status = 2;
        goto done;
    }

    /* The server's own loader first: a plugin it would reject fails here
     * with file:line, not as a puzzling spec failure. */
    buf_t report = {0};
    err_t ce = {0};
    int rc = script_check_path(p.dir ? p.dir : p.file, &report, &ce);
    if (out && report.len) fputs(buf_cstr(&report), out);
    buf_free(&report);
    if (rc != 0) {
        if (err) *err = ce;
        status = 1;
        goto done;
    }
    if (out) {
        fprintf(out, "running %zu spec file%s with %s %s\n", p.specs.n, p.specs.n == 1 ? "" : "s", lua,
                busted);
        fflush(out);
    }

    strv_push(&argv, xstrdup(lua));
    strv_push(&argv, xstrdup(busted));
    for (size_t i = 0; i < nargs; i++) strv_push(&argv, xstrdup(args[i]));
    for (size_t i = 0; i < p.specs.n; i++) strv_push(&argv, xstrdup(p.specs.v[i]));
    build_env(&p, lib, &env);
    int code = run_child(argv.v, env.v, p.home, err);
    if (code < 0)
        status = 2;
    else if (code == 0)
        status = 0;
    else {
        if (err && !err->msg[0])
            err_set(err, ERR_INVALID, "%s: specs failed (busted exit status %d)", path, code);
        status = 1;
    }
done:
    free(lib);
    strv_free(&argv);
    strv_free(&env);
    plan_free(&p);
    return status;
}
