/* graph_rules.h — relation rules built in C for the graph tests, without a
 * plugin host: add_rule(rs, kind, type, from, "To1,To2", "path1|path2").
 * Header-only (static functions) for tests/unit/test_graph*.c; include after
 * test.h, since a bad path fails the test. */
#ifndef KB_TEST_GRAPH_RULES_H
#define KB_TEST_GRAPH_RULES_H

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "script/script.h"

typedef struct rules {
    script_relation_t r[64];
    size_t n;
} rules_t;

static inline char **split(const char *s, char sep, size_t *n)
{
    char **v = NULL;
    *n = 0;
    if (!s) return NULL;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        v = xrealloc(v, (*n + 1) * sizeof *v);
        v[(*n)++] = xstrndup(p, len);
        if (!e) break;
        p = e + 1;
    }
    return v;
}

static script_relation_t *add_rule(rules_t *rs, script_rel_rule_t kind, const char *type, const char *from,
                                   const char *to, const char *paths)
{
    script_relation_t *r = &rs->r[rs->n++];
    memset(r, 0, sizeof *r);
    r->rule = kind;
    r->plugin = "core-relations";
    r->file = "plugins/core-relations.lua";
    r->line = (int)rs->n;
    r->type = type;
    r->from = from;
    r->to = (const char **)split(to, ',', &r->nto);
    size_t np = 0;
    char **ps = split(paths, '|', &np);
    if (np) {
        r->paths = xcalloc(np, sizeof *r->paths);
        for (size_t i = 0; i < np; i++) {
            err_t err;
            if (script_path_parse(ps[i], &r->paths[i], &err)) TEST_FAIL_("%s", err.msg);
            free(ps[i]);
        }
        r->npaths = np;
    }
    free(ps);
    return r;
}

static void rules_free(rules_t *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        script_relation_t *r = &rs->r[i];
        for (size_t j = 0; j < r->nto; j++) free((char *)r->to[j]);
        free(r->to);
        for (size_t j = 0; j < r->npaths; j++) script_path_free(&r->paths[j]);
        free(r->paths);
        if (r->namespace_path) {
            script_path_free(r->namespace_path);
            free(r->namespace_path);
        }
    }
    rs->n = 0;
}

#endif
