/* config.c — the configuration schema, YAML loader and flag parser; see config.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/mem.h"

#define F(field) offsetof(kb_config_t, field)

const kb_config_field_t kb_config_schema[] = {
    {"listen", "--listen", CFG_STR, F(listen), "127.0.0.1:8080", 0, 0,
     "HOST:PORT to serve on; port 0 picks a free one and prints it"},
    {"portFile", "--port-file", CFG_STR, F(port_file), "", 0, 0,
     "write the chosen port to this file once listening"},
    {"dataDir", "--data-dir", CFG_STR, F(data_dir), "./data", 0, 0,
     "directory for the SQLite database and other state"},
    {"logLevel", "--log-level", CFG_STR, F(log_level), "info", 0, 0, "debug, info, warn or error"},
    {"uiDir", "--ui-dir", CFG_STR, F(ui_dir), "", 0, 0,
     "serve the web UI from this directory instead of the embedded copy"},
    {"demo", "--demo", CFG_BOOL, F(demo), "false", 0, 0,
     "start the embedded demo cluster (kubesim with examples/demo) and connect to it"},
    {"readOnly", "--read-only", CFG_BOOL, F(read_only), "true", 0, 0,
     "refuse every mutation (apply, delete, scale)"},
    {"kubeconfig", "--kubeconfig", CFG_LIST, F(kubeconfigs), "", 0, 0,
     "kubeconfig file(s) to load, merged like kubectl; repeatable (default: $KUBECONFIG)"},
    {"contexts", "--context", CFG_LIST, F(contexts), "", 0, 0,
     "kubeconfig contexts to connect; repeatable (default: every context)"},
    {"plugins.dirs", "--plugins", CFG_LIST, F(plugin_dirs), "plugins", 0, 0,
     "plugin directories, loaded in order and watched for changes; repeatable"},
    {"auth.trustProxyHeaders", "--trust-proxy-headers", CFG_BOOL, F(trust_proxy_headers), "false", 0, 0,
     "take the user from X-Remote-User and groups from X-Remote-Group"},
    {"auth.defaultUser", "--default-user", CFG_STR, F(default_user), "", 0, 0,
     "identity used for requests that carry none (empty: the server's own identity)"},
    {"auth.defaultGroups", "--default-group", CFG_LIST, F(default_groups), "", 0, 0,
     "groups of the default identity; repeatable"},
    {"http.maxBodyBytes", "--http-max-body-bytes", CFG_INT, F(http_max_body_bytes), "1048576", 1024, 1 << 30,
     "largest request body accepted (413 beyond)"},
    {"http.maxHeaderBytes", "--http-max-header-bytes", CFG_INT, F(http_max_header_bytes), "16384", 1024,
     1 << 20, "largest request line plus headers (431 beyond)"},
    {"http.maxConnections", "--http-max-connections", CFG_INT, F(http_max_connections), "10000", 1, 1000000,
     "simultaneous connections (503 beyond)"},
    {"http.headerTimeoutMs", "--http-header-timeout-ms", CFG_INT, F(http_header_timeout_ms), "10000", 100,
     600000, "time allowed for a request's headers to arrive (slow clients get 408)"},
    {"http.idleTimeoutMs", "--http-idle-timeout-ms", CFG_INT, F(http_idle_timeout_ms), "60000", 100, 3600000,
     "how long an idle keep-alive connection is kept"},
    {"http.drainTimeoutMs", "--drain-timeout-ms", CFG_INT, F(drain_timeout_ms), "10000", 0, 600000,
     "on SIGTERM, how long in-flight requests may take before connections are closed"},
    {"plugins.instructions", "--plugin-instructions", CFG_INT, F(plugin_instructions), "10000000", 1000,
     1e12, "Lua instructions one plugin call may run"},
    {"plugins.memoryMb", "--plugin-memory-mb", CFG_INT, F(plugin_memory_mb), "32", 1, 65536,
     "memory cap per plugin, MiB"},
    {"plugins.timeoutMs", "--plugin-timeout-ms", CFG_INT, F(plugin_timeout_ms), "100", 1, 600000,
     "wall-clock cap of one plugin call"},
    {"kube.qps", "--kube-qps", CFG_DOUBLE, F(kube_qps), "50", 0.1, 100000,
     "requests per second per cluster (token bucket rate)"},
    {"kube.burst", "--kube-burst", CFG_INT, F(kube_burst), "100", 1, 100000, "token bucket size per cluster"},
    {"kube.timeoutMs", "--kube-timeout-ms", CFG_INT, F(kube_timeout_ms), "30000", 100, 600000,
     "timeout of one live call to a cluster (504 beyond)"},
    {"prometheus.urls", "--prometheus", CFG_LIST, F(prometheus_urls), "", 0, 0,
     "a cluster's Prometheus as CLUSTER=URL (http or https); repeatable"},
    {"prometheus.timeoutMs", "--prometheus-timeout-ms", CFG_INT, F(prometheus_timeout_ms), "10000", 100, 600000,
     "timeout of one Prometheus query (504 beyond)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL},
};

static const kb_config_field_t *field_by_path(const char *path)
{
    for (const kb_config_field_t *f = kb_config_schema; f->path; f++)
        if (strcmp(f->path, path) == 0) return f;
    return NULL;
}

static const kb_config_field_t *field_by_flag(const char *flag, size_t n)
{
    for (const kb_config_field_t *f = kb_config_schema; f->path; f++)
        if (strlen(f->flag) == n && strncmp(f->flag, flag, n) == 0) return f;
    return NULL;
}

static void strlist_free(kb_strlist_t *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void strlist_push(kb_strlist_t *l, const char *s)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = xstrdup(s);
}

/* Set one scalar field from text. where names the source for messages
 * ("file.yaml:12" or "flag"). */
static int set_scalar(kb_config_t *cfg, const kb_config_field_t *f, const char *text, bool append,
                      const char *where, err_t *err)
{
    void *p = (char *)cfg + f->offset;
    char *end;
    switch (f->type) {
    case CFG_STR:
        free(*(char **)p);
        *(char **)p = *text ? xstrdup(text) : NULL;
        return 0;
    case CFG_LIST:
        if (!append) strlist_free(p);
        if (*text) strlist_push(p, text);
        return 0;
    case CFG_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "on")) *(bool *)p = true;
        else if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "off")) *(bool *)p = false;
        else return err_set(err, ERR_INVALID, "%s: %s: expected true or false, got \"%s\"", where, f->path, text);
        return 0;
    case CFG_INT: {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (!*text || *end || errno)
            return err_set(err, ERR_INVALID, "%s: %s: expected an integer, got \"%s\"", where, f->path, text);
        if ((double)v < f->min || (double)v > f->max)
            return err_set(err, ERR_INVALID, "%s: %s: %lld is out of range [%.0f, %.0f]", where, f->path, v,
                           f->min, f->max);
        *(int64_t *)p = v;
        return 0;
    }
    case CFG_DOUBLE: {
        errno = 0;
        double v = strtod(text, &end);
        if (!*text || *end || errno || !isfinite(v))
            return err_set(err, ERR_INVALID, "%s: %s: expected a number, got \"%s\"", where, f->path, text);
        if (v < f->min || v > f->max)
            return err_set(err, ERR_INVALID, "%s: %s: %g is out of range [%g, %g]", where, f->path, v, f->min,
                           f->max);
        *(double *)p = v;
        return 0;
    }
    }
    return err_set(err, ERR_INTERNAL, "%s: %s: unknown field type", where, f->path);
}

static int set_defaults(kb_config_t *cfg, err_t *err)
{
    memset(cfg, 0, sizeof *cfg);
    for (const kb_config_field_t *f = kb_config_schema; f->path; f++) {
        int rc = set_scalar(cfg, f, f->def, false, "default", err);
        if (rc) return rc;
    }
    return 0;
}

/* ---- YAML file ---- */

typedef struct yctx {
    kb_config_t *cfg;
    yaml_document_t *doc;
    const char *file;
    err_t *err;
} yctx_t;

static int walk_map(yctx_t *y, yaml_node_t *map, const char *prefix);

static int apply_node(yctx_t *y, const char *path, yaml_node_t *v)
{
    char where[1100];
    snprintf(where, sizeof where, "%s:%lu", y->file, (unsigned long)v->start_mark.line + 1);
    const kb_config_field_t *f = field_by_path(path);
    if (v->type == YAML_MAPPING_NODE) {
        /* a section such as "http" */
        bool section = false;
        size_t plen = strlen(path);
        for (const kb_config_field_t *g = kb_config_schema; g->path; g++)
            if (!strncmp(g->path, path, plen) && g->path[plen] == '.') section = true;
        if (!section)
            return err_set(y->err, ERR_INVALID, "%s: %s: %s", where, path,
                           f ? "expected a value, got a map" : "unknown field");
        return walk_map(y, v, path);
    }
    if (!f) return err_set(y->err, ERR_INVALID, "%s: %s: unknown field", where, path);
    if (v->type == YAML_SEQUENCE_NODE) {
        if (f->type != CFG_LIST)
            return err_set(y->err, ERR_INVALID, "%s: %s: expected a single value, got a list", where, path);
        strlist_free((kb_strlist_t *)((char *)y->cfg + f->offset));
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *e = yaml_document_get_node(y->doc, *it);
            if (!e || e->type != YAML_SCALAR_NODE) {
                snprintf(where, sizeof where, "%s:%lu", y->file,
                         (unsigned long)(e ? e->start_mark.line : v->start_mark.line) + 1);
                return err_set(y->err, ERR_INVALID, "%s: %s: list entries must be strings", where, path);
            }
            strlist_push((kb_strlist_t *)((char *)y->cfg + f->offset), (const char *)e->data.scalar.value);
        }
        return 0;
    }
    const char *text = (const char *)v->data.scalar.value;
    /* An explicit null (~ or empty) resets the field to empty. */
    if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (!strcmp(text, "~") || !strcmp(text, "null")))
        text = "";
    return set_scalar(y->cfg, f, text, false, where, y->err);
}

static int walk_map(yctx_t *y, yaml_node_t *map, const char *prefix)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
        if (!k || !v) continue;
        if (k->type != YAML_SCALAR_NODE)
            return err_set(y->err, ERR_INVALID, "%s:%lu: keys must be plain strings", y->file,
                           (unsigned long)k->start_mark.line + 1);
        char path[512];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", (const char *)k->data.scalar.value);
        int rc = apply_node(y, path, v);
        if (rc) return rc;
    }
    return 0;
}

int kb_config_apply_file(kb_config_t *cfg, const char *path, err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, ERR_IO, "%s: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = err_set(err, ERR_INVALID, "%s:%lu: invalid YAML: %s", path,
                     (unsigned long)parser.problem_mark.line + 1, parser.problem ? parser.problem : "parse error");
        goto done_parser;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)) {
        if (root->type != YAML_MAPPING_NODE) {
            rc = err_set(err, ERR_INVALID, "%s:%lu: the top level must be a map of fields", path,
                         (unsigned long)root->start_mark.line + 1);
        } else {
            yctx_t y = {cfg, &doc, path, err};
            rc = walk_map(&y, root, "");
        }
    }
    yaml_document_delete(&doc);
done_parser:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

/* ---- flags ---- */

static int apply_flags(kb_config_t *cfg, int argc, char **argv, err_t *err)
{
    /* A list flag's first use replaces the file's list; later uses append. */
    bool touched[sizeof kb_config_schema / sizeof *kb_config_schema] = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0)
            return err_set(err, ERR_INVALID, "unexpected argument \"%s\" (flags start with --)", a);
        const char *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        if (n == 8 && !strncmp(a, "--config", 8)) {
            if (!eq) i++;
            continue;
        }
        const kb_config_field_t *f = field_by_flag(a, n);
        if (!f) return err_set(err, ERR_INVALID, "unknown flag %.*s (see --help)", (int)n, a);
        const char *val;
        if (eq) val = eq + 1;
        else if (f->type == CFG_BOOL) val = "true";
        else if (i + 1 < argc) val = argv[++i];
        else return err_set(err, ERR_INVALID, "flag %s needs a value", f->flag);
        size_t idx = (size_t)(f - kb_config_schema);
        char where[128];
        snprintf(where, sizeof where, "flag %s", f->flag);
        int rc = set_scalar(cfg, f, val, touched[idx], where, err);
        if (rc) return rc;
        touched[idx] = true;
    }
    return 0;
}

int kb_config_load(kb_config_t *cfg, int argc, char **argv, err_t *err)
{
    int rc = set_defaults(cfg, err);
    if (rc) goto fail;
    for (int i = 0; i < argc; i++) {
        const char *file = NULL;
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                rc = err_set(err, ERR_INVALID, "flag --config needs a value");
                goto fail;
            }
            file = argv[i + 1];
        } else if (!strncmp(argv[i], "--config=", 9)) {
            file = argv[i] + 9;
        }
        if (file) {
            free(cfg->config_file);
            cfg->config_file = xstrdup(file);
        }
    }
    if (cfg->config_file && (rc = kb_config_apply_file(cfg, cfg->config_file, err))) goto fail;
    if ((rc = apply_flags(cfg, argc, argv, err))) goto fail;
    return 0;
fail:
    kb_config_free(cfg);
    return rc;
}

void kb_config_free(kb_config_t *cfg)
{
    for (const kb_config_field_t *f = kb_config_schema; f->path; f++) {
        void *p = (char *)cfg + f->offset;
        if (f->type == CFG_STR) {
            free(*(char **)p);
            *(char **)p = NULL;
        } else if (f->type == CFG_LIST) {
            strlist_free(p);
        }
    }
    free(cfg->config_file);
    cfg->config_file = NULL;
}

void kb_config_usage(buf_t *out)
{
    buf_puts(out, "  --config FILE                    YAML configuration (flags override it)\n");
    for (const kb_config_field_t *f = kb_config_schema; f->path; f++) {
        const char *arg = f->type == CFG_BOOL ? "" : f->type == CFG_LIST || f->type == CFG_STR ? " VALUE" : " N";
        char left[64];
        snprintf(left, sizeof left, "%s%s", f->flag, arg);
        buf_printf(out, "  %-32s %s", left, f->help);
        if (*f->def) buf_printf(out, " (default %s)", f->def);
        buf_putc(out, '\n');
    }
}
