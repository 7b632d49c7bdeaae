/* auth.c — tokens, client certificates and RBAC; see auth.h.
 *
 * RBAC is evaluated the way the real authorizer does it: every
 * ClusterRoleBinding whose subjects include the user (by name, group or
 * service account) contributes its ClusterRole's rules everywhere; every
 * RoleBinding in the request's namespace contributes its Role's or
 * ClusterRole's rules in that namespace. A request is allowed when one rule
 * matches. Nothing is cached: bindings are few and the store is local, so
 * a change to RBAC takes effect on the next request, as with a real server.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"

typedef struct token {
    char *token;
    sim_user_t user;
} token_t;

struct sim_auth {
    sim_store_t *store;
    token_t *tokens;
    size_t ntokens;
    bool anonymous_is_default;
    char *tokens_file;   /* --tokens, re-read when it changes (sim_auth_watch) */
    uv_fs_poll_t poll;
    bool watching;
};

void sim_auth_set_anonymous_is_default(sim_auth_t *a, bool on) { a->anonymous_is_default = on; }

void sim_user_add_group(sim_user_t *u, const char *g)
{
    if (sim_user_in_group(u, g) || u->ngroups >= SIM_USER_MAX_GROUPS) return;
    snprintf(u->groups[u->ngroups++], sizeof u->groups[0], "%s", g);
}

bool sim_user_in_group(const sim_user_t *u, const char *g)
{
    for (int i = 0; i < u->ngroups; i++)
        if (strcmp(u->groups[i], g) == 0) return true;
    return false;
}

/* One CSV field: quoted ("a,b" with "" as a quote) or bare. */
static char *csv_field(const char **p)
{
    buf_t b = {0};
    const char *s = *p;
    while (*s == ' ') s++;
    if (*s == '"') {
        s++;
        while (*s) {
            if (*s == '"' && s[1] == '"') {
                buf_putc(&b, '"');
                s += 2;
            } else if (*s == '"') {
                s++;
                break;
            } else {
                buf_putc(&b, *s++);
            }
        }
        while (*s && *s != ',') s++;
    } else {
        while (*s && *s != ',') buf_putc(&b, *s++);
    }
    if (*s == ',') s++;
    *p = s;
    char *out = xstrdup(b.data ? b.data : "");
    buf_free(&b);
    /* trim */
    size_t n = strlen(out);
    while (n && (out[n - 1] == ' ' || out[n - 1] == '\r' || out[n - 1] == '\n')) out[--n] = '\0';
    return out;
}

static void add_token(token_t **v, size_t *n, const char *tok, const sim_user_t *u)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].token = xstrdup(tok);
    (*v)[*n].user = *u;
    (*n)++;
}

static void free_tokens(token_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i].token);
    free(v);
}

/* Parse a token file into a new array; ERR_INVALID naming the file and line
 * on a bad line (nothing is returned then). */
static int load_tokens(const char *path, token_t **out, size_t *nout, err_t *err)
{
    token_t *v = NULL;
    size_t n = 0;
    FILE *f = fopen(path, "r");
    if (!f) return err_set(err, ERR_IO, "%s: cannot open the token file", path);
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || !*p) continue;
        char *tok = csv_field(&p), *user = csv_field(&p), *uid = csv_field(&p), *groups = csv_field(&p);
        if (!*tok || !*user) {
            free(tok), free(user), free(uid), free(groups);
            fclose(f);
            free_tokens(v, n);
            return err_set(err, ERR_INVALID, "%s:%d: a token line needs token,user[,uid[,\"groups\"]]", path, lineno);
        }
        sim_user_t u = {0};
        snprintf(u.name, sizeof u.name, "%s", user);
        snprintf(u.uid, sizeof u.uid, "%s", uid);
        for (char *g = groups, *save = NULL, *t; (t = strtok_r(g, ",", &save)); g = NULL) {
            while (*t == ' ') t++;
            if (*t) sim_user_add_group(&u, t);
        }
        sim_user_add_group(&u, "system:authenticated");
        add_token(&v, &n, tok, &u);
        free(tok), free(user), free(uid), free(groups);
    }
    fclose(f);
    if (n == 0) return err_set(err, ERR_INVALID, "%s: the token file holds no token", path);
    *out = v;
    *nout = n;
    return 0;
}

sim_auth_t *sim_auth_new(sim_store_t *s, const char *tokens_file, uint64_t seed, err_t *err)
{
    sim_auth_t *a = xcalloc(1, sizeof *a);
    a->store = s;
    if (tokens_file) {
        if (load_tokens(tokens_file, &a->tokens, &a->ntokens, err) < 0) goto fail;
        a->tokens_file = xstrdup(tokens_file);
    } else {
        /* A generated admin token: random enough for a local simulator. */
        uint64_t x = seed ? seed * 0x9E3779B97F4A7C15ull : 0;
        if (!x) {
            FILE *r = fopen("/dev/urandom", "rb");
            if (r) {
                if (fread(&x, sizeof x, 1, r) != 1) x = 0;
                fclose(r);
            }
            if (!x) x = (uint64_t)(uintptr_t)a ^ 0x5DEECE66Dull;
        }
        char tok[64];
        uint64_t y = x * 0xC4CEB9FE1A85EC53ull ^ (x >> 31);
        snprintf(tok, sizeof tok, "kubesim-%016llx%016llx", (unsigned long long)x, (unsigned long long)y);
        sim_user_t u = {0};
        snprintf(u.name, sizeof u.name, "kubesim-admin");
        snprintf(u.uid, sizeof u.uid, "kubesim-admin");
        sim_user_add_group(&u, "system:masters");
        sim_user_add_group(&u, "system:authenticated");
        add_token(&a->tokens, &a->ntokens, tok, &u);
    }
    return a;
fail:
    sim_auth_free(a);
    return NULL;
}

int sim_auth_reload(sim_auth_t *a, err_t *err)
{
    if (!a->tokens_file) return 0;
    token_t *v = NULL;
    size_t n = 0;
    int rc = load_tokens(a->tokens_file, &v, &n, err);
    if (rc < 0) return rc;
    free_tokens(a->tokens, a->ntokens);
    a->tokens = v;
    a->ntokens = n;
    return 0;
}

static void tokens_changed(uv_fs_poll_t *h, int status, const uv_stat_t *prev, const uv_stat_t *cur)
{
    sim_auth_t *a = h->data;
    err_t err = {0};
    if (status < 0) { /* gone (mid-rename, or deleted): keep what we have */
        log_warn("token file unreadable, keeping the tokens loaded", "file=%s error=%s", a->tokens_file,
                 uv_strerror(status));
        return;
    }
    if (sim_auth_reload(a, &err) < 0) {
        log_warn("token file not reloaded, keeping the tokens loaded", "error=%s", err.msg);
        return;
    }
    log_info("token file reloaded", "file=%s tokens=%zu", a->tokens_file, a->ntokens);
}

int sim_auth_watch(sim_auth_t *a, uv_loop_t *loop, unsigned interval_ms)
{
    if (!a->tokens_file || a->watching) return 0;
    uv_fs_poll_init(loop, &a->poll);
    a->poll.data = a;
    int rc = uv_fs_poll_start(&a->poll, tokens_changed, a->tokens_file, interval_ms);
    if (rc < 0) {
        uv_close((uv_handle_t *)&a->poll, NULL);
        return ERR_IO;
    }
    a->watching = true;
    return 0;
}

void sim_auth_unwatch(sim_auth_t *a)
{
    if (!a || !a->watching) return;
    a->watching = false;
    uv_fs_poll_stop(&a->poll);
    uv_close((uv_handle_t *)&a->poll, NULL);
}

void sim_auth_free(sim_auth_t *a)
{
    if (!a) return;
    free_tokens(a->tokens, a->ntokens);
    free(a->tokens_file);
    free(a);
}

const char *sim_auth_default_token(const sim_auth_t *a) { return a->ntokens ? a->tokens[0].token : NULL; }
const char *sim_auth_default_user(const sim_auth_t *a) { return a->ntokens ? a->tokens[0].user.name : NULL; }

bool sim_auth_token_user(const sim_auth_t *a, const char *token, sim_user_t *out)
{
    for (size_t i = 0; i < a->ntokens; i++) {
        if (strcmp(a->tokens[i].token, token) == 0) {
            *out = a->tokens[i].user;
            return true;
        }
    }
    return false;
}

int sim_authenticate(const sim_auth_t *a, const char *authorization, const char *cn, const char *const *orgs,
                     size_t norgs, sim_user_t *out)
{
    memset(out, 0, sizeof *out);
    if (authorization && *authorization) {
        if (strncasecmp(authorization, "Bearer ", 7) != 0) return ERR_FORBIDDEN;
        const char *tok = authorization + 7;
        while (*tok == ' ') tok++;
        return sim_auth_token_user(a, tok, out) ? 0 : ERR_FORBIDDEN;
    }
    if (cn && *cn) {
        snprintf(out->name, sizeof out->name, "%s", cn);
        for (size_t i = 0; i < norgs; i++) sim_user_add_group(out, orgs[i]);
        sim_user_add_group(out, "system:authenticated");
        return 0;
    }
    if (a->anonymous_is_default && a->ntokens) {
        *out = a->tokens[0].user;
        return 0;
    }
    snprintf(out->name, sizeof out->name, "system:anonymous");
    sim_user_add_group(out, "system:unauthenticated");
    return 0;
}

/* ------------------------------------------------------------------ */
/* RBAC */

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool subject_matches(const cJSON *subj, const sim_user_t *u, const char *binding_ns)
{
    const char *kind = js(subj, "kind"), *name = js(subj, "name");
    if (!kind || !name) return false;
    if (strcmp(kind, "User") == 0) return strcmp(name, u->name) == 0;
    if (strcmp(kind, "Group") == 0) return sim_user_in_group(u, name);
    if (strcmp(kind, "ServiceAccount") == 0) {
        const char *ns = js(subj, "namespace");
        if (!ns || !*ns) ns = binding_ns;
        char full[600];
        snprintf(full, sizeof full, "system:serviceaccount:%s:%s", ns ? ns : "", name);
        return strcmp(full, u->name) == 0;
    }
    return false;
}

static bool binding_applies(const cJSON *b, const sim_user_t *u, const char *ns)
{
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(b, "subjects"), *s;
    cJSON_ArrayForEach(s, subs) if (subject_matches(s, u, ns)) return true;
    return false;
}

static bool list_has(const cJSON *arr, const char *v)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (!cJSON_IsString(x)) continue;
        if (strcmp(x->valuestring, "*") == 0 || strcmp(x->valuestring, v) == 0) return true;
    }
    return false;
}

static bool resource_matches(const cJSON *resources, const char *res, const char *sub)
{
    char combined[300];
    if (sub && *sub) snprintf(combined, sizeof combined, "%s/%s", res, sub);
    else snprintf(combined, sizeof combined, "%s", res);
    const cJSON *x;
    cJSON_ArrayForEach(x, resources)
    {
        if (!cJSON_IsString(x)) continue;
        const char *r = x->valuestring;
        if (strcmp(r, "*") == 0 || strcmp(r, combined) == 0) return true;
        if (sub && *sub) {
            /* a star for any resource with this subresource, or this resource with any subresource */
            if (r[0] == '*' && r[1] == '/' && strcmp(r + 2, sub) == 0) return true;
            size_t n = strlen(res);
            if (strncmp(r, res, n) == 0 && strcmp(r + n, "/*") == 0) return true;
        }
    }
    return false;
}

static bool url_matches(const cJSON *urls, const char *path)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, urls)
    {
        if (!cJSON_IsString(x)) continue;
        const char *u = x->valuestring;
        size_t n = strlen(u);
        if (strcmp(u, path) == 0) return true;
        if (n && u[n - 1] == '*' && strncmp(u, path, n - 1) == 0) return true;
    }
    return false;
}

static bool rule_allows(const cJSON *rule, const sim_attrs_t *at)
{
    if (!list_has(cJSON_GetObjectItemCaseSensitive(rule, "verbs"), at->verb)) return false;
    if (!at->resource) return url_matches(cJSON_GetObjectItemCaseSensitive(rule, "nonResourceURLs"), at->path);
    if (!list_has(cJSON_GetObjectItemCaseSensitive(rule, "apiGroups"), at->group ? at->group : "")) return false;
    if (!resource_matches(cJSON_GetObjectItemCaseSensitive(rule, "resources"), at->resource_name, at->sub))
        return false;
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(rule, "resourceNames");
    if (cJSON_GetArraySize(names) > 0) {
        if (!at->name || !*at->name) return false;
        const cJSON *x;
        bool hit = false;
        cJSON_ArrayForEach(x, names) if (cJSON_IsString(x) && !strcmp(x->valuestring, at->name)) hit = true;
        if (!hit) return false;
    }
    return true;
}

typedef struct eval {
    sim_auth_t *a;
    const sim_user_t *u;
    const sim_attrs_t *at;   /* NULL: collect rules instead */
    const char *ns;          /* namespace of RoleBindings to look at */
    bool allowed;
    char *reason;
    size_t cap;
    cJSON *rules;            /* collecting: resource rules */
    cJSON *nonres;
} eval_t;

static const cJSON *role_rules(sim_store_t *s, const cJSON *ref, const char *ns)
{
    const char *kind = js(ref, "kind"), *name = js(ref, "name");
    if (!kind || !name) return NULL;
    const sim_kind_t *k;
    if (strcmp(kind, "ClusterRole") == 0) {
        k = sim_kind_by_resource(s, "rbac.authorization.k8s.io", "clusterroles");
        ns = NULL;
    } else if (strcmp(kind, "Role") == 0) {
        k = sim_kind_by_resource(s, "rbac.authorization.k8s.io", "roles");
    } else {
        return NULL;
    }
    const cJSON *role = sim_get(s, k, ns, name);
    return role ? cJSON_GetObjectItemCaseSensitive(role, "rules") : NULL;
}

static void consider(eval_t *e, const cJSON *rules, const char *binding_desc)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, rules)
    {
        if (e->at) {
            if (rule_allows(r, e->at)) {
                e->allowed = true;
                if (e->reason) snprintf(e->reason, e->cap, "RBAC: allowed by %s", binding_desc);
                return;
            }
        } else {
            bool nonres = cJSON_GetObjectItemCaseSensitive(r, "nonResourceURLs") != NULL;
            cJSON_AddItemToArray(nonres ? e->nonres : e->rules, cJSON_Duplicate(r, true));
        }
    }
}

static bool visit_crb(const sim_obj_t *o, void *ud)
{
    eval_t *e = ud;
    const cJSON *b = sim_obj_json(o);
    if (!binding_applies(b, e->u, NULL)) return true;
    char desc[400];
    snprintf(desc, sizeof desc, "ClusterRoleBinding \"%s\"", sim_obj_name(o));
    consider(e, role_rules(e->a->store, cJSON_GetObjectItemCaseSensitive(b, "roleRef"), NULL), desc);
    return !e->allowed;
}

static bool visit_rb(const sim_obj_t *o, void *ud)
{
    eval_t *e = ud;
    const cJSON *b = sim_obj_json(o);
    if (!binding_applies(b, e->u, sim_obj_namespace(o))) return true;
    char desc[600];
    snprintf(desc, sizeof desc, "RoleBinding \"%s/%s\"", sim_obj_namespace(o), sim_obj_name(o));
    consider(e, role_rules(e->a->store, cJSON_GetObjectItemCaseSensitive(b, "roleRef"), sim_obj_namespace(o)),
             desc);
    return !e->allowed;
}

bool sim_authorize(sim_auth_t *a, const sim_user_t *u, const sim_attrs_t *at, char *reason, size_t cap)
{
    if (reason && cap) reason[0] = '\0';
    if (sim_user_in_group(u, "system:masters")) return true;
    eval_t e = {.a = a, .u = u, .at = at, .reason = reason, .cap = cap};
    sim_store_t *s = a->store;
    sim_each(s, sim_kind_by_resource(s, "rbac.authorization.k8s.io", "clusterrolebindings"), NULL, visit_crb, &e);
    if (!e.allowed && at->resource && at->ns && *at->ns)
        sim_each(s, sim_kind_by_resource(s, "rbac.authorization.k8s.io", "rolebindings"), at->ns, visit_rb, &e);
    return e.allowed;
}

cJSON *sim_rules_review(sim_auth_t *a, const sim_user_t *u, const char *ns)
{
    cJSON *st = cJSON_CreateObject();
    eval_t e = {.a = a, .u = u};
    e.rules = cJSON_AddArrayToObject(st, "resourceRules");
    e.nonres = cJSON_AddArrayToObject(st, "nonResourceRules");
    sim_store_t *s = a->store;
    if (sim_user_in_group(u, "system:masters")) {
        cJSON *r = cJSON_Parse("{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}");
        cJSON_AddItemToArray(e.rules, r);
        cJSON_AddItemToArray(e.nonres, cJSON_Parse("{\"verbs\":[\"*\"],\"nonResourceURLs\":[\"*\"]}"));
    } else {
        sim_each(s, sim_kind_by_resource(s, "rbac.authorization.k8s.io", "clusterrolebindings"), NULL, visit_crb,
                 &e);
        if (ns && *ns)
            sim_each(s, sim_kind_by_resource(s, "rbac.authorization.k8s.io", "rolebindings"), ns, visit_rb, &e);
    }
    cJSON_AddFalseToObject(st, "incomplete");
    return st;
}

/* ------------------------------------------------------------------ */
/* bootstrap policy */

static const char *const bootstrap_roles[][2] = {
    {"cluster-admin", "[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]},"
                      "{\"nonResourceURLs\":[\"*\"],\"verbs\":[\"*\"]}]"},
    {"admin", "[{\"apiGroups\":[\"\",\"apps\",\"batch\",\"autoscaling\",\"networking.k8s.io\",\"policy\","
              "\"rbac.authorization.k8s.io\",\"discovery.k8s.io\",\"coordination.k8s.io\"],"
              "\"resources\":[\"*\"],\"verbs\":[\"*\"]},"
              "{\"apiGroups\":[\"authorization.k8s.io\"],\"resources\":[\"localsubjectaccessreviews\"],"
              "\"verbs\":[\"create\"]}]"},
    {"edit", "[{\"apiGroups\":[\"\",\"apps\",\"batch\",\"autoscaling\",\"networking.k8s.io\",\"policy\","
             "\"discovery.k8s.io\"],\"resources\":[\"pods\",\"pods/log\",\"pods/exec\",\"pods/attach\","
             "\"pods/portforward\",\"pods/eviction\",\"services\",\"endpoints\",\"persistentvolumeclaims\","
             "\"configmaps\",\"secrets\",\"serviceaccounts\",\"replicationcontrollers\","
             "\"replicationcontrollers/scale\",\"deployments\",\"deployments/scale\",\"replicasets\","
             "\"replicasets/scale\",\"statefulsets\",\"statefulsets/scale\",\"daemonsets\",\"jobs\","
             "\"cronjobs\",\"horizontalpodautoscalers\",\"ingresses\",\"networkpolicies\","
             "\"poddisruptionbudgets\",\"events\",\"endpointslices\"],\"verbs\":[\"create\",\"delete\","
             "\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]}]"},
    {"view", "[{\"apiGroups\":[\"\",\"apps\",\"batch\",\"autoscaling\",\"networking.k8s.io\",\"policy\","
             "\"discovery.k8s.io\"],\"resources\":[\"pods\",\"pods/log\",\"pods/status\",\"services\","
             "\"services/status\",\"endpoints\",\"persistentvolumeclaims\",\"persistentvolumeclaims/status\","
             "\"configmaps\",\"serviceaccounts\",\"replicationcontrollers\",\"replicationcontrollers/scale\","
             "\"deployments\",\"deployments/scale\",\"deployments/status\",\"replicasets\",\"replicasets/scale\","
             "\"replicasets/status\",\"statefulsets\",\"statefulsets/scale\",\"statefulsets/status\","
             "\"daemonsets\",\"daemonsets/status\",\"jobs\",\"jobs/status\",\"cronjobs\",\"cronjobs/status\","
             "\"horizontalpodautoscalers\",\"horizontalpodautoscalers/status\",\"ingresses\","
             "\"ingresses/status\",\"networkpolicies\",\"poddisruptionbudgets\",\"poddisruptionbudgets/status\","
             "\"events\",\"endpointslices\",\"limitranges\",\"resourcequotas\",\"resourcequotas/status\","
             "\"namespaces\",\"namespaces/status\",\"bindings\"],\"verbs\":[\"get\",\"list\",\"watch\"]}]"},
    {"system:basic-user", "[{\"apiGroups\":[\"authorization.k8s.io\"],\"resources\":[\"selfsubjectaccessreviews\","
                          "\"selfsubjectrulesreviews\"],\"verbs\":[\"create\"]},{\"apiGroups\":"
                          "[\"authentication.k8s.io\"],\"resources\":[\"selfsubjectreviews\"],"
                          "\"verbs\":[\"create\"]}]"},
    {"system:discovery", "[{\"nonResourceURLs\":[\"/api\",\"/api/*\",\"/apis\",\"/apis/*\",\"/healthz\","
                         "\"/livez\",\"/openapi\",\"/openapi/*\",\"/readyz\",\"/version\",\"/version/\"],"
                         "\"verbs\":[\"get\"]}]"},
    {"system:public-info-viewer", "[{\"nonResourceURLs\":[\"/healthz\",\"/livez\",\"/readyz\",\"/version\","
                                  "\"/version/\"],\"verbs\":[\"get\"]}]"},
};

static const char *const bootstrap_bindings[][3] = {
    {"cluster-admin", "cluster-admin", "system:masters"},
    {"system:basic-user", "system:basic-user", "system:authenticated"},
    {"system:discovery", "system:discovery", "system:authenticated"},
    {"system:public-info-viewer", "system:public-info-viewer", "system:authenticated,system:unauthenticated"},
};

void sim_auth_bootstrap(sim_store_t *s)
{
    const sim_kind_t *cr = sim_kind_by_resource(s, "rbac.authorization.k8s.io", "clusterroles");
    const sim_kind_t *crb = sim_kind_by_resource(s, "rbac.authorization.k8s.io", "clusterrolebindings");
    for (size_t i = 0; i < sizeof bootstrap_roles / sizeof *bootstrap_roles; i++) {
        if (sim_get_obj(s, cr, NULL, bootstrap_roles[i][0])) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON *m = cJSON_AddObjectToObject(o, "metadata");
        cJSON_AddStringToObject(m, "name", bootstrap_roles[i][0]);
        cJSON *l = cJSON_AddObjectToObject(m, "labels");
        cJSON_AddStringToObject(l, "kubernetes.io/bootstrapping", "rbac-defaults");
        cJSON_AddItemToObject(o, "rules", cJSON_Parse(bootstrap_roles[i][1]));
        sim_create(s, cr, NULL, o, NULL, NULL, NULL);
    }
    for (size_t i = 0; i < sizeof bootstrap_bindings / sizeof *bootstrap_bindings; i++) {
        if (sim_get_obj(s, crb, NULL, bootstrap_bindings[i][0])) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON *m = cJSON_AddObjectToObject(o, "metadata");
        cJSON_AddStringToObject(m, "name", bootstrap_bindings[i][0]);
        cJSON *l = cJSON_AddObjectToObject(m, "labels");
        cJSON_AddStringToObject(l, "kubernetes.io/bootstrapping", "rbac-defaults");
        cJSON *ref = cJSON_AddObjectToObject(o, "roleRef");
        cJSON_AddStringToObject(ref, "apiGroup", "rbac.authorization.k8s.io");
        cJSON_AddStringToObject(ref, "kind", "ClusterRole");
        cJSON_AddStringToObject(ref, "name", bootstrap_bindings[i][1]);
        cJSON *subs = cJSON_AddArrayToObject(o, "subjects");
        char groups[256];
        snprintf(groups, sizeof groups, "%s", bootstrap_bindings[i][2]);
        for (char *g = groups, *save = NULL, *t; (t = strtok_r(g, ",", &save)); g = NULL) {
            cJSON *sub = cJSON_CreateObject();
            cJSON_AddStringToObject(sub, "apiGroup", "rbac.authorization.k8s.io");
            cJSON_AddStringToObject(sub, "kind", "Group");
            cJSON_AddStringToObject(sub, "name", t);
            cJSON_AddItemToArray(subs, sub);
        }
        sim_create(s, crb, NULL, o, NULL, NULL, NULL);
    }
}
