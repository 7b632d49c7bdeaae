/* kubeconfig.c — kubeconfig parsing (libyaml), merging and context
 * resolution; see kubeconfig.h.
 *
 * Each file is parsed into a small tree of nodes that remember their line,
 * and kept: resolution walks the tree so every message can name the line of
 * the field it is about. Anchors are allowed but aliases are refused: no
 * kubeconfig needs them and they are the classic way to make a small file
 * expand without bound.
 */
#include "kube/kubeconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "base/buf.h"
#include "base/mem.h"

#define KC_MAX_FILE (16u << 20)
#define KC_MAX_DEPTH 64

enum { YN_SCALAR, YN_MAP, YN_SEQ };

typedef struct ynode {
    int type;
    int line;      /* 1-based */
    bool plain;    /* unquoted scalar: "null", "~", "" mean absent */
    char *str;     /* scalar value, NUL-terminated */
    size_t len;
    struct ynode **kids; /* map: key, value, key, value…; seq: items */
    size_t n, cap;
} ynode_t;

typedef struct kc_file {
    char *path; /* as given, for messages */
    char *dir;  /* base for relative paths */
    ynode_t *root;
} kc_file_t;

/* One named entry (cluster, user or context) after merging. */
typedef struct kc_entry {
    const char *name;
    size_t file;
    size_t index;   /* position in its file's list, for "users[3]" */
    ynode_t *item;  /* the list item (map with name and body) */
    ynode_t *body;  /* the "cluster"/"user"/"context" map, or NULL */
} kc_entry_t;

typedef struct kc_list {
    kc_entry_t *v;
    size_t n, cap;
} kc_list_t;

struct kubeconfig {
    kc_file_t *files;
    size_t nfiles;
    kc_list_t clusters, users, contexts;
    const char *current;
};

/* ---- the YAML tree ---- */

static void ynode_free(ynode_t *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n; i++) ynode_free(n->kids[i]);
    free(n->kids);
    free(n->str);
    free(n);
}

static void ynode_add(ynode_t *parent, ynode_t *kid)
{
    if (parent->n == parent->cap) {
        parent->cap = parent->cap ? parent->cap * 2 : 8;
        parent->kids = xrealloc(parent->kids, parent->cap * sizeof *parent->kids);
    }
    parent->kids[parent->n++] = kid;
}

static const char *yaml_problem(const yaml_parser_t *p) { return p->problem ? p->problem : "malformed YAML"; }

/* Parse a whole document into a tree. A file with no document is an empty
 * map (kubectl accepts an empty kubeconfig). */
static ynode_t *yaml_tree(const char *name, const char *data, size_t len, err_t *err)
{
    yaml_parser_t p;
    yaml_event_t ev;
    ynode_t *stack[KC_MAX_DEPTH + 1];
    int depth = 0;
    ynode_t *root = NULL;
    bool done = false;
    int docs = 0;

    if (!yaml_parser_initialize(&p)) {
        err_set(err, ERR_INTERNAL, "kubeconfig %s: cannot start the YAML parser", name);
        return NULL;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            err_set(err, ERR_INVALID, "kubeconfig %s:%zu: invalid YAML: %s", name,
                    (size_t)p.problem_mark.line + 1, yaml_problem(&p));
            goto fail;
        }
        int line = (int)ev.start_mark.line + 1;
        ynode_t *n = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                err_set(err, ERR_INVALID, "kubeconfig %s:%d: more than one YAML document", name, line);
                yaml_event_delete(&ev);
                goto fail;
            }
            break;
        case YAML_ALIAS_EVENT:
            err_set(err, ERR_INVALID, "kubeconfig %s:%d: YAML aliases are not supported", name, line);
            yaml_event_delete(&ev);
            goto fail;
        case YAML_SCALAR_EVENT:
            n = xcalloc(1, sizeof *n);
            n->type = YN_SCALAR;
            n->line = line;
            n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            n->str = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
            n->len = ev.data.scalar.length;
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            n = xcalloc(1, sizeof *n);
            n->type = ev.type == YAML_MAPPING_START_EVENT ? YN_MAP : YN_SEQ;
            n->line = line;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (depth > 0) depth--;
            break;
        default: break;
        }
        yaml_event_delete(&ev);
        if (!n) continue;
        if (depth == 0) {
            if (root) { /* cannot happen with one document; be safe */
                ynode_free(n);
                continue;
            }
            root = n;
        } else {
            ynode_add(stack[depth - 1], n);
        }
        if (n->type != YN_SCALAR) {
            if (depth >= KC_MAX_DEPTH) {
                err_set(err, ERR_LIMIT, "kubeconfig %s:%d: nesting deeper than %d levels", name, line,
                        KC_MAX_DEPTH);
                goto fail;
            }
            stack[depth++] = n;
        }
    }
    yaml_parser_delete(&p);
    if (!root) {
        root = xcalloc(1, sizeof *root);
        root->type = YN_MAP;
        root->line = 1;
    }
    return root;
fail:
    yaml_parser_delete(&p);
    ynode_free(root);
    return NULL;
}

static bool ynull(const ynode_t *n)
{
    if (!n) return true;
    if (n->type != YN_SCALAR || !n->plain) return false;
    return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") || !strcmp(n->str, "Null") ||
           !strcmp(n->str, "NULL");
}

static ynode_t *yget(const ynode_t *map, const char *key)
{
    if (!map || map->type != YN_MAP) return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const ynode_t *k = map->kids[i];
        if (k->type == YN_SCALAR && !strcmp(k->str, key)) return ynull(map->kids[i + 1]) ? NULL : map->kids[i + 1];
    }
    return NULL;
}

/* ---- messages ---- */

typedef struct kc_ctx {
    const kubeconfig_t *kc;
    size_t file;
    char field[256]; /* "users[0].user" */
} kc_ctx_t;

static const char *kc_path(const kc_ctx_t *c) { return c->kc->files[c->file].path; }

#define KC_ERR(e, code, c, node, sub, ...)                                                                   \
    kc_err((e), (code), (c), (node), (sub), __VA_ARGS__)

static int kc_err(err_t *e, int code, const kc_ctx_t *c, const ynode_t *node, const char *sub, const char *fmt,
                  ...) __attribute__((format(printf, 6, 7)));
static int kc_err(err_t *e, int code, const kc_ctx_t *c, const ynode_t *node, const char *sub, const char *fmt,
                  ...)
{
    char why[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return err_set(e, code, "kubeconfig %s:%d: %s%s%s: %s", kc_path(c), node ? node->line : 1, c->field,
                   sub && *c->field ? "." : "", sub ? sub : "", why);
}

/* A string field: NULL when absent; error when present but not a scalar. */
static int kc_str(const kc_ctx_t *c, const ynode_t *map, const char *key, const char **out, const ynode_t **node,
                  err_t *err)
{
    const ynode_t *n = yget(map, key);
    *out = NULL;
    if (node) *node = n;
    if (!n) return 0;
    if (n->type != YN_SCALAR) return KC_ERR(err, ERR_INVALID, c, n, key, "expected a string");
    *out = n->str;
    return 0;
}

static int kc_bool(const kc_ctx_t *c, const ynode_t *map, const char *key, bool *out, err_t *err)
{
    const ynode_t *n = yget(map, key);
    *out = false;
    if (!n) return 0;
    if (n->type == YN_SCALAR) {
        static const char *yes[] = {"true", "yes", "on", "y"}, *no[] = {"false", "no", "off", "n"};
        for (size_t i = 0; i < 4; i++) {
            if (!strcasecmp(n->str, yes[i])) return *out = true, 0;
            if (!strcasecmp(n->str, no[i])) return 0;
        }
    }
    return KC_ERR(err, ERR_INVALID, c, n, key, "expected true or false");
}

/* ---- loading and merging ---- */

static void list_add(kc_list_t *l, kc_entry_t e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = e;
}

static const kc_entry_t *list_find(const kc_list_t *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].name, name)) return &l->v[i];
    return NULL;
}

/* Add the named entries of one list ("clusters", "users", "contexts") of
 * file fi; a name already present from an earlier file keeps the earlier
 * definition (kubectl's merge rule). */
static int merge_list(kubeconfig_t *kc, size_t fi, const char *key, const char *body_key, kc_list_t *l,
                      err_t *err)
{
    kc_ctx_t c = {.kc = kc, .file = fi};
    const ynode_t *seq = yget(kc->files[fi].root, key);
    if (!seq) return 0;
    if (seq->type != YN_SEQ) return KC_ERR(err, ERR_INVALID, &c, seq, key, "expected a list");
    for (size_t i = 0; i < seq->n; i++) {
        ynode_t *item = seq->kids[i];
        snprintf(c.field, sizeof c.field, "%s[%zu]", key, i);
        if (item->type != YN_MAP) return KC_ERR(err, ERR_INVALID, &c, item, NULL, "expected a map with name and %s", body_key);
        const char *name;
        const ynode_t *nn;
        if (kc_str(&c, item, "name", &name, &nn, err)) return ERR_INVALID;
        if (!name || !*name) return KC_ERR(err, ERR_INVALID, &c, item, "name", "missing");
        ynode_t *body = yget(item, body_key);
        if (body && body->type != YN_MAP) return KC_ERR(err, ERR_INVALID, &c, body, body_key, "expected a map");
        /* Within one file a repeated name is a mistake kubectl rejects too. */
        const kc_entry_t *prev = list_find(l, name);
        if (prev && prev->file == fi)
            return KC_ERR(err, ERR_INVALID, &c, nn, "name", "\"%s\" is defined twice in this file", name);
        if (prev) continue;
        list_add(l, (kc_entry_t){.name = name, .file = fi, .index = i, .item = item, .body = body});
    }
    return 0;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    if (slash == path) return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static int add_file(kubeconfig_t *kc, const char *name, const char *dir, const char *data, size_t len, err_t *err)
{
    ynode_t *root = yaml_tree(name, data, len, err);
    if (!root) return ERR_INVALID;
    kc->files = xrealloc(kc->files, (kc->nfiles + 1) * sizeof *kc->files);
    size_t fi = kc->nfiles++;
    kc->files[fi] = (kc_file_t){.path = xstrdup(name), .dir = xstrdup(dir ? dir : "."), .root = root};
    kc_ctx_t c = {.kc = kc, .file = fi};
    if (root->type != YN_MAP) return KC_ERR(err, ERR_INVALID, &c, root, NULL, "expected a map at the top");
    const char *kind, *cur;
    const ynode_t *kn, *cn;
    if (kc_str(&c, root, "kind", &kind, &kn, err)) return ERR_INVALID;
    if (kind && strcmp(kind, "Config"))
        return KC_ERR(err, ERR_INVALID, &c, kn, "kind", "expected \"Config\", got \"%.64s\"", kind);
    if (kc_str(&c, root, "current-context", &cur, &cn, err)) return ERR_INVALID;
    if (merge_list(kc, fi, "clusters", "cluster", &kc->clusters, err) ||
        merge_list(kc, fi, "users", "user", &kc->users, err) ||
        merge_list(kc, fi, "contexts", "context", &kc->contexts, err))
        return ERR_INVALID;
    if (!kc->current && cur && *cur) kc->current = cur;
    return 0;
}

static int read_file(const char *path, size_t max, buf_t *out, err_t *err, int *errno_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno_out) *errno_out = errno;
        return err_set(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s", strerror(errno));
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > max) {
            fclose(f);
            return err_set(err, ERR_LIMIT, "larger than %zu bytes", max);
        }
        buf_append(out, chunk, n);
    }
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) return err_set(err, ERR_IO, "%s", strerror(saved));
    return 0;
}

kubeconfig_t *kubeconfig_load(const char *const *paths, size_t n, unsigned flags, err_t *err)
{
    kubeconfig_t *kc = xcalloc(1, sizeof *kc);
    for (size_t i = 0; i < n; i++) {
        buf_t b = {0};
        err_t fe = {0};
        int en = 0;
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            err_set(err, ERR_INVALID, "kubeconfig %s: is a directory", paths[i]);
            goto fail;
        }
        int rc = read_file(paths[i], KC_MAX_FILE, &b, &fe, &en);
        if (rc == ERR_NOTFOUND && (flags & KUBECONFIG_SKIP_MISSING)) {
            buf_free(&b);
            continue;
        }
        if (rc) {
            err_set(err, rc, "kubeconfig %s: %s", paths[i], fe.msg);
            buf_free(&b);
            goto fail;
        }
        char *dir = dir_of(paths[i]);
        rc = add_file(kc, paths[i], dir, b.data ? b.data : "", b.len, err);
        free(dir);
        buf_free(&b);
        if (rc) goto fail;
    }
    return kc;
fail:
    kubeconfig_free(kc);
    return NULL;
}

kubeconfig_t *kubeconfig_load_mem(const char *name, const char *dir, const char *data, size_t len, err_t *err)
{
    kubeconfig_t *kc = xcalloc(1, sizeof *kc);
    if (len > KC_MAX_FILE) {
        err_set(err, ERR_LIMIT, "kubeconfig %s: larger than %u bytes", name, KC_MAX_FILE);
        goto fail;
    }
    if (add_file(kc, name, dir, data, len, err)) goto fail;
    return kc;
fail:
    kubeconfig_free(kc);
    return NULL;
}

void kubeconfig_free(kubeconfig_t *kc)
{
    if (!kc) return;
    for (size_t i = 0; i < kc->nfiles; i++) {
        free(kc->files[i].path);
        free(kc->files[i].dir);
        ynode_free(kc->files[i].root);
    }
    free(kc->files);
    free(kc->clusters.v);
    free(kc->users.v);
    free(kc->contexts.v);
    free(kc);
}

char **kubeconfig_split_paths(const char *list, size_t *n)
{
    size_t cap = 4, cnt = 0;
    char **v = xmalloc(cap * sizeof *v);
    const char *p = list ? list : "";
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            char *s = xstrndup(p, len);
            bool dup = false;
            for (size_t i = 0; i < cnt && !dup; i++) dup = !strcmp(v[i], s);
            if (dup) {
                free(s);
            } else {
                if (cnt + 1 >= cap) v = xrealloc(v, (cap *= 2) * sizeof *v);
                v[cnt++] = s;
            }
        }
        p += len;
        if (*p == ':') p++;
    }
    v[cnt] = NULL;
    if (n) *n = cnt;
    return v;
}

void kubeconfig_paths_free(char **paths)
{
    if (!paths) return;
    for (char **p = paths; *p; p++) free(*p);
    free(paths);
}

const char *kubeconfig_current_context(const kubeconfig_t *kc) { return kc->current; }
size_t kubeconfig_context_count(const kubeconfig_t *kc) { return kc->contexts.n; }
const char *kubeconfig_context_name(const kubeconfig_t *kc, size_t i)
{
    return i < kc->contexts.n ? kc->contexts.v[i].name : NULL;
}

/* ---- resolution ---- */

static int b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
}

/* Standard or URL-safe base64, whitespace ignored, padding optional. */
static int b64_decode(const char *s, size_t n, buf_t *out)
{
    uint32_t acc = 0;
    int bits = 0;
    bool pad = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
        if (ch == '=') {
            pad = true;
            continue;
        }
        int v = b64val(ch);
        if (v < 0 || pad) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (char)((acc >> bits) & 0xff));
        }
    }
    if (bits >= 6) return -1; /* a lone trailing character */
    return 0;
}

static char *abs_path(const kc_ctx_t *c, const char *p)
{
    if (p[0] == '/') return xstrdup(p);
    if (p[0] == '~' && p[1] == '/') {
        const char *home = getenv("HOME");
        buf_t b = {0};
        buf_printf(&b, "%s%s", home ? home : "", p + 1);
        return buf_steal(&b);
    }
    buf_t b = {0};
    buf_printf(&b, "%s/%s", c->kc->files[c->file].dir, p);
    return buf_steal(&b);
}

/* Fill out and len from key-data (base64) or key (a file), exactly one of
 * them; nothing when neither is set. what names the content for messages.
 * source (may be NULL) receives "kubeconfig F:L: field" of what was used. */
static int load_pem(const kc_ctx_t *c, const ynode_t *map, const char *file_key, const char *data_key,
                    char **out, size_t *len, char **source, err_t *err)
{
    const char *file, *data;
    const ynode_t *fn, *dn;
    if (kc_str(c, map, file_key, &file, &fn, err) || kc_str(c, map, data_key, &data, &dn, err)) return ERR_INVALID;
    buf_t b = {0};
    if (data && *data) {
        if (b64_decode(data, strlen(data), &b) || b.len == 0) {
            buf_free(&b);
            return KC_ERR(err, ERR_INVALID, c, dn, data_key, "not valid base64");
        }
    } else if (file && *file) {
        char *p = abs_path(c, file);
        err_t fe = {0};
        if (read_file(p, KC_MAX_FILE, &b, &fe, NULL)) {
            KC_ERR(err, ERR_INVALID, c, fn, file_key, "file %s: %s", p, fe.msg);
            free(p);
            buf_free(&b);
            return ERR_INVALID;
        }
        free(p);
        if (b.len == 0) {
            buf_free(&b);
            return KC_ERR(err, ERR_INVALID, c, fn, file_key, "file %s is empty", file);
        }
    } else {
        return 0;
    }
    *len = b.len;
    *out = buf_steal(&b);
    if (source) {
        bool data_used = data && *data;
        const ynode_t *n = data_used ? dn : fn;
        buf_printf(&b, "kubeconfig %s:%d: %s.%s", kc_path(c), n ? n->line : 1, c->field,
                   data_used ? data_key : file_key);
        free(*source);
        *source = buf_steal(&b);
    }
    return 0;
}

static int resolve_exec(const kc_ctx_t *c, const ynode_t *ex, kube_cluster_config_t *cfg, err_t *err)
{
    kc_ctx_t ec = *c;
    snprintf(ec.field + strlen(ec.field), sizeof ec.field - strlen(ec.field), ".exec");
    if (ex->type != YN_MAP) return KC_ERR(err, ERR_INVALID, &ec, ex, NULL, "expected a map");
    const char *cmd, *ver, *hint;
    const ynode_t *cn, *vn;
    if (kc_str(&ec, ex, "command", &cmd, &cn, err) || kc_str(&ec, ex, "apiVersion", &ver, &vn, err) ||
        kc_str(&ec, ex, "installHint", &hint, NULL, err))
        return ERR_INVALID;
    if (!cmd || !*cmd) return KC_ERR(err, ERR_INVALID, &ec, ex, "command", "missing");
    if (!ver) return KC_ERR(err, ERR_INVALID, &ec, ex, "apiVersion", "missing");
    if (strcmp(ver, "client.authentication.k8s.io/v1") && strcmp(ver, "client.authentication.k8s.io/v1beta1"))
        return KC_ERR(err, ERR_INVALID, &ec, vn, "apiVersion",
                      "\"%.80s\" is not supported (use client.authentication.k8s.io/v1 or v1beta1)", ver);
    kube_exec_config_t *e = xcalloc(1, sizeof *e);
    cfg->exec = e;
    /* A relative command with a slash is relative to the kubeconfig's
     * directory (as client-go resolves it); a bare name is looked up in PATH. */
    e->command = (strchr(cmd, '/') && cmd[0] != '/') ? abs_path(c, cmd) : xstrdup(cmd);
    e->api_version = xstrdup(ver);
    e->install_hint = hint ? xstrdup(hint) : NULL;
    if (kc_bool(&ec, ex, "provideClusterInfo", &e->provide_cluster_info, err)) return ERR_INVALID;
    const ynode_t *args = yget(ex, "args");
    if (args) {
        if (args->type != YN_SEQ) return KC_ERR(err, ERR_INVALID, &ec, args, "args", "expected a list of strings");
        e->args = xcalloc(args->n + 1, sizeof *e->args);
        for (size_t i = 0; i < args->n; i++) {
            if (args->kids[i]->type != YN_SCALAR)
                return KC_ERR(err, ERR_INVALID, &ec, args->kids[i], "args", "item %zu is not a string", i);
            e->args[e->nargs++] = xstrdup(args->kids[i]->str);
        }
    }
    const ynode_t *env = yget(ex, "env");
    if (env) {
        if (env->type != YN_SEQ) return KC_ERR(err, ERR_INVALID, &ec, env, "env", "expected a list of {name, value}");
        e->env = xcalloc(env->n + 1, sizeof *e->env);
        for (size_t i = 0; i < env->n; i++) {
            const ynode_t *it = env->kids[i];
            char sub[32];
            snprintf(sub, sizeof sub, "env[%zu]", i);
            const char *name, *value;
            if (it->type != YN_MAP) return KC_ERR(err, ERR_INVALID, &ec, it, sub, "expected {name, value}");
            if (kc_str(&ec, it, "name", &name, NULL, err) || kc_str(&ec, it, "value", &value, NULL, err))
                return ERR_INVALID;
            if (!name || !*name || strchr(name, '='))
                return KC_ERR(err, ERR_INVALID, &ec, it, sub, "missing or invalid name");
            buf_t b = {0};
            buf_printf(&b, "%s=%s", name, value ? value : "");
            e->env[e->nenv++] = buf_steal(&b);
        }
    }
    return 0;
}

static int resolve_user(const kc_ctx_t *c, const ynode_t *u, kube_cluster_config_t *cfg, err_t *err)
{
    static const char *refused[][2] = {
        {"username", "basic authentication (username/password) is not supported; use a token, a client "
                     "certificate or an exec plugin"},
        {"password", "basic authentication (username/password) is not supported; use a token, a client "
                     "certificate or an exec plugin"},
        {"auth-provider", "auth-provider plugins are not supported; use an exec credential plugin "
                          "(e.g. kubelogin, gke-gcloud-auth-plugin)"},
        {"as", "impersonation in the kubeconfig (as) is not supported"},
        {"as-groups", "impersonation in the kubeconfig (as-groups) is not supported"},
        {"as-uid", "impersonation in the kubeconfig (as-uid) is not supported"},
        {"as-user-extra", "impersonation in the kubeconfig (as-user-extra) is not supported"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const ynode_t *n = yget(u, refused[i][0]);
        if (n) return KC_ERR(err, ERR_INVALID, c, n, refused[i][0], "%s", refused[i][1]);
    }
    if (load_pem(c, u, "client-certificate", "client-certificate-data", &cfg->cert_pem, &cfg->cert_pem_len, NULL,
                 err) ||
        load_pem(c, u, "client-key", "client-key-data", &cfg->key_pem, &cfg->key_pem_len, NULL, err))
        return ERR_INVALID;
    if (!cfg->cert_pem != !cfg->key_pem) {
        const char *have = cfg->cert_pem ? "client-certificate" : "client-key";
        const char *miss = cfg->cert_pem ? "client-key" : "client-certificate";
        return KC_ERR(err, ERR_INVALID, c, yget(u, have) ? yget(u, have) : u, miss,
                      "missing (%s is set; both are needed)", have);
    }
    const char *tok, *tokfile;
    const ynode_t *tn, *tfn;
    if (kc_str(c, u, "token", &tok, &tn, err) || kc_str(c, u, "tokenFile", &tokfile, &tfn, err)) return ERR_INVALID;
    if (tok && *tok) {
        cfg->token = xstrdup(tok);
    } else if (tokfile && *tokfile) {
        char *p = abs_path(c, tokfile);
        FILE *f = fopen(p, "rb");
        if (!f) {
            KC_ERR(err, ERR_INVALID, c, tfn, "tokenFile", "file %s: %s", p, strerror(errno));
            free(p);
            return ERR_INVALID;
        }
        fclose(f);
        cfg->token_file = p;
    }
    const ynode_t *ex = yget(u, "exec");
    if (ex && resolve_exec(c, ex, cfg, err)) return ERR_INVALID;
    return 0;
}

static int resolve_cluster(const kc_ctx_t *c, const ynode_t *cl, kube_cluster_config_t *cfg, err_t *err)
{
    const char *server, *sni, *proxy;
    const ynode_t *sn, *pn;
    if (kc_str(c, cl, "server", &server, &sn, err) || kc_str(c, cl, "tls-server-name", &sni, NULL, err) ||
        kc_str(c, cl, "proxy-url", &proxy, &pn, err) ||
        kc_bool(c, cl, "insecure-skip-tls-verify", &cfg->insecure_skip_tls_verify, err) ||
        kc_bool(c, cl, "disable-compression", &cfg->disable_compression, err))
        return ERR_INVALID;
    if (!server || !*server) return KC_ERR(err, ERR_INVALID, c, cl, "server", "missing");
    if (strncmp(server, "https://", 8) && strncmp(server, "http://", 7))
        return KC_ERR(err, ERR_INVALID, c, sn, "server", "\"%.120s\" is not an http:// or https:// URL", server);
    size_t sl = strlen(server);
    while (sl > 0 && server[sl - 1] == '/') sl--;
    cfg->server = xstrndup(server, sl);
    if (sni && *sni) cfg->tls_server_name = xstrdup(sni);
    if (proxy && *proxy) {
        if (strncmp(proxy, "http://", 7) && strncmp(proxy, "https://", 8) && strncmp(proxy, "socks5://", 9))
            return KC_ERR(err, ERR_INVALID, c, pn, "proxy-url", "scheme must be http, https or socks5");
        cfg->proxy_url = xstrdup(proxy);
    }
    if (load_pem(c, cl, "certificate-authority", "certificate-authority-data", &cfg->ca_pem, &cfg->ca_pem_len,
                 &cfg->ca_source, err))
        return ERR_INVALID;
    if (cfg->insecure_skip_tls_verify && cfg->ca_pem) {
        /* kubectl refuses this combination; so do we, rather than guess. */
        return KC_ERR(err, ERR_INVALID, c, yget(cl, "insecure-skip-tls-verify"), "insecure-skip-tls-verify",
                      "cannot be combined with a certificate authority");
    }
    return 0;
}

kube_cluster_config_t *kubeconfig_resolve(const kubeconfig_t *kc, const char *context, err_t *err)
{
    const char *want = context ? context : kc->current;
    kube_cluster_config_t *cfg = NULL;
    if (!want) {
        err_set(err, ERR_NOTFOUND, "kubeconfig%s%s: no context given and no current-context set",
                kc->nfiles ? " " : "", kc->nfiles ? kc->files[0].path : "");
        return NULL;
    }
    const kc_entry_t *ctx = list_find(&kc->contexts, want);
    if (!ctx) {
        buf_t names = {0};
        for (size_t i = 0; i < kc->contexts.n && i < 8; i++)
            buf_printf(&names, "%s%s", i ? ", " : "", kc->contexts.v[i].name);
        err_set(err, ERR_NOTFOUND, "kubeconfig%s%s: context \"%.100s\" not found (known: %s)",
                kc->nfiles ? " " : "", kc->nfiles ? kc->files[0].path : "", want,
                names.len ? names.data : "none");
        buf_free(&names);
        return NULL;
    }
    kc_ctx_t c = {.kc = kc, .file = ctx->file};
    snprintf(c.field, sizeof c.field, "contexts[%zu].context", ctx->index);
    if (!ctx->body) {
        KC_ERR(err, ERR_INVALID, &c, ctx->item, NULL, "missing");
        return NULL;
    }
    const char *cname, *uname, *ns;
    const ynode_t *cn, *un;
    if (kc_str(&c, ctx->body, "cluster", &cname, &cn, err) || kc_str(&c, ctx->body, "user", &uname, &un, err) ||
        kc_str(&c, ctx->body, "namespace", &ns, NULL, err))
        return NULL;
    if (!cname || !*cname) {
        KC_ERR(err, ERR_INVALID, &c, ctx->body, "cluster", "missing");
        return NULL;
    }
    const kc_entry_t *cl = list_find(&kc->clusters, cname);
    if (!cl) {
        KC_ERR(err, ERR_NOTFOUND, &c, cn, "cluster", "cluster \"%.100s\" not found", cname);
        return NULL;
    }
    const kc_entry_t *us = NULL;
    if (uname && *uname) {
        us = list_find(&kc->users, uname);
        if (!us) {
            KC_ERR(err, ERR_NOTFOUND, &c, un, "user", "user \"%.100s\" not found", uname);
            return NULL;
        }
    }
    cfg = xcalloc(1, sizeof *cfg);
    cfg->id = xstrdup(want);
    cfg->context = xstrdup(want);
    if (ns && *ns) cfg->default_namespace = xstrdup(ns);
    buf_t src = {0};
    buf_printf(&src, "%s:%d", kc->files[ctx->file].path, ctx->item->line);
    cfg->source = buf_steal(&src);

    kc_ctx_t cc = {.kc = kc, .file = cl->file};
    snprintf(cc.field, sizeof cc.field, "clusters[%zu].cluster", cl->index);
    if (!cl->body) {
        KC_ERR(err, ERR_INVALID, &cc, cl->item, NULL, "missing");
        goto fail;
    }
    if (resolve_cluster(&cc, cl->body, cfg, err)) goto fail;
    if (us && us->body) {
        kc_ctx_t uc = {.kc = kc, .file = us->file};
        snprintf(uc.field, sizeof uc.field, "users[%zu].user", us->index);
        if (resolve_user(&uc, us->body, cfg, err)) goto fail;
    }
    return cfg;
fail:
    kube_cluster_config_free(cfg);
    return NULL;
}

/* ---- copies ---- */

static char *dupn(const char *s) { return s ? xstrdup(s) : NULL; }
static char *dupmem(const char *s, size_t n)
{
    if (!s) return NULL;
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

kube_exec_config_t *kube_exec_config_dup(const kube_exec_config_t *e)
{
    if (!e) return NULL;
    kube_exec_config_t *d = xcalloc(1, sizeof *d);
    d->command = dupn(e->command);
    d->api_version = dupn(e->api_version);
    d->install_hint = dupn(e->install_hint);
    d->provide_cluster_info = e->provide_cluster_info;
    d->args = xcalloc(e->nargs + 1, sizeof *d->args);
    for (size_t i = 0; i < e->nargs; i++) d->args[i] = xstrdup(e->args[i]);
    d->nargs = e->nargs;
    d->env = xcalloc(e->nenv + 1, sizeof *d->env);
    for (size_t i = 0; i < e->nenv; i++) d->env[i] = xstrdup(e->env[i]);
    d->nenv = e->nenv;
    return d;
}

static void wipe_free(char *s, size_t n)
{
    /* Secrets are overwritten before the memory goes back to the allocator. */
    if (!s) return;
    volatile char *v = s;
    for (size_t i = 0; i < n; i++) v[i] = 0;
    free(s);
}

void kube_exec_config_free(kube_exec_config_t *e)
{
    if (!e) return;
    free(e->command);
    free(e->api_version);
    free(e->install_hint);
    for (size_t i = 0; i < e->nargs; i++) free(e->args[i]);
    free(e->args);
    for (size_t i = 0; i < e->nenv; i++) wipe_free(e->env[i], strlen(e->env[i]));
    free(e->env);
    free(e);
}

kube_cluster_config_t *kube_cluster_config_dup(const kube_cluster_config_t *c)
{
    if (!c) return NULL;
    kube_cluster_config_t *d = xmalloc(sizeof *d);
    *d = *c;
    d->id = dupn(c->id);
    d->context = dupn(c->context);
    d->server = dupn(c->server);
    d->default_namespace = dupn(c->default_namespace);
    d->source = dupn(c->source);
    d->tls_server_name = dupn(c->tls_server_name);
    d->ca_pem = dupmem(c->ca_pem, c->ca_pem_len);
    d->ca_source = dupn(c->ca_source);
    d->cert_pem = dupmem(c->cert_pem, c->cert_pem_len);
    d->key_pem = dupmem(c->key_pem, c->key_pem_len);
    d->proxy_url = dupn(c->proxy_url);
    d->token = dupn(c->token);
    d->token_file = dupn(c->token_file);
    d->exec = kube_exec_config_dup(c->exec);
    return d;
}

void kube_cluster_config_free(kube_cluster_config_t *c)
{
    if (!c) return;
    free(c->id);
    free(c->context);
    free(c->server);
    free(c->default_namespace);
    free(c->source);
    free(c->tls_server_name);
    free(c->ca_pem);
    free(c->ca_source);
    free(c->cert_pem);
    wipe_free(c->key_pem, c->key_pem_len);
    free(c->proxy_url);
    if (c->token) wipe_free(c->token, strlen(c->token));
    free(c->token_file);
    kube_exec_config_free(c->exec);
    free(c);
}
