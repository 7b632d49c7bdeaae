/* set.c — find the plugins in their folders and load a whole set.
 *
 * A set is all-or-nothing: every plugin loads and validates, names are
 * unique, or the set is thrown away (the host then keeps the old one). The
 * set owns its plugins; its relation array holds shallow copies of the
 * plugins' rules, so it must not outlive them.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "script/script_int.h"

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void script_entries_free(script_entry_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].file);
        free(e[i].dir);
    }
    free(e);
}

/* Plugins in a folder: x.lua files (not *_spec.lua, not hidden) and
 * sub-folders with an init.lua, in name order. */
int script_scan_dirs(char *const *dirs, size_t ndirs, script_entry_t **out, size_t *n, err_t *err)
{
    script_entry_t *v = NULL;
    size_t len = 0, cap = 0;
    for (size_t d = 0; d < ndirs; d++) {
        DIR *dh = opendir(dirs[d]);
        if (!dh) {
            script_entries_free(v, len);
            return err_set(err, ERR_IO, "plugin folder %s: cannot open it", dirs[d]);
        }
        char **names = NULL;
        size_t nn = 0, nc = 0;
        struct dirent *de;
        while ((de = readdir(dh))) {
            if (de->d_name[0] == '.') continue;
            if (nn == nc) {
                nc = nc ? nc * 2 : 16;
                names = xrealloc(names, nc * sizeof *names);
            }
            names[nn++] = xstrdup(de->d_name);
        }
        closedir(dh);
        if (nn) qsort(names, nn, sizeof *names, cmp_str);
        for (size_t i = 0; i < nn; i++) {
            char path[PATH_MAX], init[PATH_MAX + 16];
            snprintf(path, sizeof path, "%s/%s", dirs[d], names[i]);
            struct stat st;
            bool file = false, folder = false;
            if (stat(path, &st) == 0) {
                if (S_ISREG(st.st_mode) && has_suffix(names[i], ".lua") && !has_suffix(names[i], "_spec.lua"))
                    file = true;
                snprintf(init, sizeof init, "%s/init.lua", path);
                struct stat st2;
                if (S_ISDIR(st.st_mode) && stat(init, &st2) == 0 && S_ISREG(st2.st_mode)) folder = true;
            }
            if (file || folder) {
                if (len == cap) {
                    cap = cap ? cap * 2 : 16;
                    v = xrealloc(v, cap * sizeof *v);
                }
                v[len].file = xstrdup(file ? path : init);
                v[len].dir = folder ? xstrdup(path) : NULL;
                len++;
            }
            free(names[i]);
        }
        free(names);
    }
    *out = v;
    *n = len;
    return 0;
}

static int cmp_plugin(const void *a, const void *b)
{
    const script_plugin_t *x = *(script_plugin_t *const *)a, *y = *(script_plugin_t *const *)b;
    if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
    return strcmp(x->name, y->name);
}

void script_set_sort(script_plugin_t **v, size_t n)
{
    if (n) qsort(v, n, sizeof *v, cmp_plugin);
}

void script_set_free(script_set_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) script_plugin_free(s->plugins[i]);
    free(s->plugins);
    free(s->rels);
    map_free(&s->by_name);
    free(s);
}

script_set_t *script_set_build(const script_entry_t *e, size_t n, const char *lib_dir,
                               const script_limits_t *lim, err_t *err)
{
    script_set_t *s = xcalloc(1, sizeof *s);
    s->plugins = xcalloc(n ? n : 1, sizeof *s->plugins);
    int failures = 0;
    err_t first = {0};
    for (size_t i = 0; i < n; i++) {
        err_t pe = {0};
        script_plugin_t *p = script_plugin_new(e[i].file, e[i].dir, lib_dir, lim, &pe);
        if (p && script_manifest_load(p, &pe) == 0) {
            script_plugin_t *other = map_gets(&s->by_name, p->name);
            if (!other) {
                map_puts(&s->by_name, p->name, p);
                s->plugins[s->n++] = p;
                continue;
            }
            err_set(&pe, ERR_EXISTS, "duplicate plugin name '%s': %s and %s", p->name, other->file, p->file);
        }
        script_plugin_free(p);
        log_error("plugin load failed", "file=%s error=%s", e[i].file, pe.msg);
        if (failures++ == 0) first = pe;
    }
    if (failures) {
        if (failures > 1)
            err_set(err, first.code, "%s (and %d more failing plugins)", first.msg, failures - 1);
        else
            err_set(err, first.code, "%s", first.msg);
        script_set_free(s);
        return NULL;
    }
    script_set_sort(s->plugins, s->n);
    size_t total = 0;
    for (size_t i = 0; i < s->n; i++) total += s->plugins[i]->nrels;
    s->rels = xcalloc(total ? total : 1, sizeof *s->rels);
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->plugins[i]->nrels; j++) s->rels[s->nrels++] = s->plugins[i]->rels[j];
    return s;
}

static bool has_lib(const char *dir)
{
    buf_t p = {0};
    struct stat st;
    buf_printf(&p, "%s/kubilitics/init.lua", dir);
    bool ok = stat(p.data, &st) == 0;
    buf_free(&p);
    return ok;
}

char *script_lib_dir_resolve(const char *given)
{
    if (given) return xstrdup(given);
    const char *env = getenv("KUBILITICS_LUA_DIR");
    if (env && env[0]) return xstrdup(env);
    if (has_lib("lua")) return xstrdup("lua");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash;
        for (int up = 0; up < 5 && (slash = strrchr(exe, '/')); up++) {
            *slash = '\0';
            char cand[PATH_MAX + 8];
            snprintf(cand, sizeof cand, "%s/lua", exe);
            if (has_lib(cand)) return xstrdup(cand);
        }
    }
    return xstrdup("lua");
}
