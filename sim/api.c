/* api.c — kubesim's request pipeline: every request goes through
 * attributes → authentication → impersonation → faults → authorization →
 * handler, as in kube-apiserver's filter chain, and every answer is logged
 * once to --request-log. Errors are metav1 Status objects with the real
 * reason, code and details. See api.h for the file map.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "kinds.h"

/* ------------------------------------------------------------------ */
/* errors and Status */

int sim_api_err_http(int code)
{
    switch (code) {
    case ERR_NOTFOUND: return 404;
    case ERR_EXISTS: return 409;
    case SIM_ERR_CONFLICT: return 409;
    case ERR_INVALID: return 422;
    case ERR_FORBIDDEN: return 403;
    case SIM_ERR_BAD_REQUEST: return 400;
    case SIM_ERR_GONE: return 410;
    case ERR_LIMIT: return 429;
    case ERR_UNAVAILABLE: return 503;
    case ERR_TIMEOUT: return 504;
    default: return 500;
    }
}

const char *sim_api_err_reason(int code)
{
    switch (code) {
    case ERR_NOTFOUND: return "NotFound";
    case ERR_EXISTS: return "AlreadyExists";
    case SIM_ERR_CONFLICT: return "Conflict";
    case ERR_INVALID: return "Invalid";
    case ERR_FORBIDDEN: return "Forbidden";
    case SIM_ERR_BAD_REQUEST: return "BadRequest";
    case SIM_ERR_GONE: return "Expired";
    case ERR_LIMIT: return "TooManyRequests";
    case ERR_UNAVAILABLE: return "ServiceUnavailable";
    case ERR_TIMEOUT: return "Timeout";
    default: return "InternalError";
    }
}

void sim_api_status_json(buf_t *b, int http_code, const char *reason, const char *message, const sim_path_t *p,
                     const sim_kind_t *k)
{
    buf_puts(b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":");
    buf_json_cstr(b, message ? message : "");
    if (reason && *reason) {
        buf_puts(b, ",\"reason\":");
        buf_json_cstr(b, reason);
    }
    if (p && p->type == SIM_PATH_RESOURCE && http_code != 401 && http_code != 429) {
        buf_puts(b, ",\"details\":{");
        bool any = false;
        if (p->name[0]) {
            buf_puts(b, "\"name\":");
            buf_json_cstr(b, p->name);
            any = true;
        }
        const char *group = k ? k->group : p->group;
        if (group && *group) {
            buf_puts(b, any ? ",\"group\":" : "\"group\":");
            buf_json_cstr(b, group);
            any = true;
        }
        buf_puts(b, any ? ",\"kind\":" : "\"kind\":");
        buf_json_cstr(b, k ? k->resource : p->resource);
        buf_putc(b, '}');
    }
    buf_printf(b, ",\"code\":%d}", http_code);
}

void sim_api_log_request(api_req_t *q, int status)
{
    if (q->logged) return;
    q->logged = true;
    FILE *f = q->api->request_log;
    if (!f) return;
    buf_t b = {0};
    char ts[32];
    clock_rfc3339_ms(clock_wall_ms(), ts);
    double ms = (double)(clock_mono_ns() - q->start_ns) / 1e6;
    buf_puts(&b, "{\"time\":\"");
    buf_puts(&b, ts);
    buf_puts(&b, "\",\"method\":");
    buf_json_cstr(&b, http_req_method(q->http));
    buf_puts(&b, ",\"verb\":");
    buf_json_cstr(&b, q->verb ? q->verb : "");
    sv_t path = http_req_path(q->http), query = http_req_query_string(q->http);
    buf_puts(&b, ",\"path\":");
    buf_json_str(&b, path.p, path.n);
    buf_puts(&b, ",\"query\":");
    buf_json_str(&b, query.p, query.n);
    buf_puts(&b, ",\"user\":");
    buf_json_cstr(&b, q->user.name);
    buf_printf(&b, ",\"status\":%d,\"ms\":%.3f,\"requestId\":", status, ms);
    buf_json_cstr(&b, http_req_id(q->http));
    buf_puts(&b, "}\n");
    fwrite(b.data, 1, b.len, f);
    fflush(f);
    buf_free(&b);
}

void sim_api_req_free(api_req_t *q)
{
    if (!q) return;
    free(q);
}

static void finish(api_req_t *q)
{
    q->api->inflight--;
    http_req_set_data(q->http, NULL);
    sim_api_req_free(q);
}

void sim_api_send_json(api_req_t *q, int status, const char *json, size_t len)
{
    sim_api_log_request(q, status);
    http_res_send(q->http, status, "application/json", json, len);
    finish(q);
}

void sim_api_send_buf(api_req_t *q, int status, buf_t *body)
{
    sim_api_log_request(q, status);
    http_res_send_buf(q->http, status, "application/json", body);
    finish(q);
}

void sim_api_send_obj(api_req_t *q, int status, const cJSON *obj)
{
    char *s = cJSON_PrintUnformatted(obj);
    sim_api_send_json(q, status, s, strlen(s));
    free(s);
}

void sim_api_send_status(api_req_t *q, int http_code, const char *reason, const char *message)
{
    buf_t b = {0};
    sim_api_status_json(&b, http_code, reason, message, &q->path, q->kind);
    sim_api_send_buf(q, http_code, &b);
}

void sim_api_send_error(api_req_t *q, int code, const char *msg)
{
    sim_api_send_status(q, sim_api_err_http(code), sim_api_err_reason(code), msg);
}

/* ------------------------------------------------------------------ */
/* helpers */

bool sim_api_parse_bool(const char *v) { return v && (!strcmp(v, "1") || !strcasecmp(v, "true")); }

long sim_api_query_long(http_req_t *r, const char *name, long dflt)
{
    const char *v = http_req_query(r, name);
    if (!v || !*v) return dflt;
    int64_t x;
    if (!sv_to_i64(sv_from(v), &x)) return dflt;
    return (long)x;
}

cJSON *sim_api_body_json(api_req_t *q, int *code, char *msg, size_t msgcap)
{
    sv_t body = http_req_body(q->http);
    const char *ct = http_req_header(q->http, "Content-Type");
    if (ct && !strncasecmp(ct, "application/vnd.kubernetes.protobuf", 35)) {
        cJSON *o = sim_api_proto_decode(body.p, body.n);
        if (!o) {
            *code = SIM_ERR_BAD_REQUEST;
            snprintf(msg, msgcap, "the protobuf body could not be decoded");
        }
        return o;
    }
    if (body.n == 0) {
        *code = SIM_ERR_BAD_REQUEST;
        snprintf(msg, msgcap, "the body of the request was empty");
        return NULL;
    }
    cJSON *o = cJSON_ParseWithLength(body.p, body.n);
    if (!o) {
        *code = SIM_ERR_BAD_REQUEST;
        snprintf(msg, msgcap, "the body of the request could not be decoded as JSON");
        return NULL;
    }
    return o;
}

bool sim_api_wants_table(http_req_t *r)
{
    const char *acc = http_req_header(r, "Accept");
    return acc && strstr(acc, "as=Table") != NULL;
}

/* ------------------------------------------------------------------ */
/* the pipeline */

static const char *resource_verb(const char *method, const sim_path_t *p, http_req_t *r)
{
    bool named = p->name[0] != '\0';
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
        if (sim_api_parse_bool(http_req_query(r, "watch"))) return "watch";
        return named ? "get" : "list";
    }
    if (!strcmp(method, "POST")) return "create";
    if (!strcmp(method, "PUT")) return "update";
    if (!strcmp(method, "PATCH")) return "patch";
    if (!strcmp(method, "DELETE")) return named ? "delete" : "deletecollection";
    return NULL;
}

static void lower(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++) dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
    dst[i] = '\0';
}

/* Impersonation: the caller must be allowed to impersonate each piece. */
static int impersonate(api_req_t *q, char *msg, size_t cap)
{
    http_req_t *r = q->http;
    const char *iu = http_req_header(r, "Impersonate-User");
    const char *ig = http_req_header(r, "Impersonate-Group");
    const char *iuid = http_req_header(r, "Impersonate-Uid");
    if (!iu && !ig && !iuid) return 0;
    if (!iu || !*iu) {
        snprintf(msg, cap, "requested [%s] without impersonating a user", ig ? ig : iuid);
        return ERR_INVALID;
    }
    sim_auth_t *a = q->api->auth;
    sim_user_t nu = {0};
    snprintf(nu.name, sizeof nu.name, "%s", iu);
    char reason[256];
    sim_attrs_t at = {.resource = true, .verb = "impersonate", .group = "", .resource_name = "users", .sub = "",
                      .ns = "", .name = iu};
    const char *sa_prefix = "system:serviceaccount:";
    char sa_ns[256] = "", sa_name[256] = "";
    if (strncmp(iu, sa_prefix, strlen(sa_prefix)) == 0) {
        const char *rest = iu + strlen(sa_prefix);
        const char *colon = strchr(rest, ':');
        if (colon) {
            snprintf(sa_ns, sizeof sa_ns, "%.*s", (int)(colon - rest), rest);
            snprintf(sa_name, sizeof sa_name, "%s", colon + 1);
            at.resource_name = "serviceaccounts";
            at.ns = sa_ns;
            at.name = sa_name;
        }
    }
    if (!sim_authorize(a, &q->user, &at, reason, sizeof reason)) {
        snprintf(msg, cap, "%s \"%s\" is forbidden: User \"%s\" cannot impersonate resource \"%s\" in API group "
                           "\"\"%s%s%s",
                 at.resource_name, at.name, q->user.name, at.resource_name, sa_ns[0] ? " in the namespace \"" : " at the cluster scope",
                 sa_ns, sa_ns[0] ? "\"" : "");
        return ERR_FORBIDDEN;
    }
    if (ig) {
        char groups[2048];
        snprintf(groups, sizeof groups, "%s", ig);
        for (char *s = groups, *save = NULL, *g; (g = strtok_r(s, ",", &save)); s = NULL) {
            while (*g == ' ') g++;
            if (!*g) continue;
            sim_attrs_t ga = {.resource = true, .verb = "impersonate", .group = "", .resource_name = "groups",
                              .sub = "", .ns = "", .name = g};
            if (!sim_authorize(a, &q->user, &ga, reason, sizeof reason)) {
                snprintf(msg, cap, "groups \"%s\" is forbidden: User \"%s\" cannot impersonate resource \"groups\" "
                                   "in API group \"\" at the cluster scope",
                         g, q->user.name);
                return ERR_FORBIDDEN;
            }
            sim_user_add_group(&nu, g);
        }
    }
    if (iuid) {
        sim_attrs_t ua = {.resource = true, .verb = "impersonate", .group = "authentication.k8s.io",
                          .resource_name = "uids", .sub = "", .ns = "", .name = iuid};
        if (!sim_authorize(a, &q->user, &ua, reason, sizeof reason)) {
            snprintf(msg, cap, "uids.authentication.k8s.io \"%s\" is forbidden: User \"%s\" cannot impersonate "
                               "resource \"uids\" in API group \"authentication.k8s.io\" at the cluster scope",
                     iuid, q->user.name);
            return ERR_FORBIDDEN;
        }
        snprintf(nu.uid, sizeof nu.uid, "%s", iuid);
    }
    if (sa_ns[0]) {
        sim_user_add_group(&nu, "system:serviceaccounts");
        char g[300];
        snprintf(g, sizeof g, "system:serviceaccounts:%s", sa_ns);
        sim_user_add_group(&nu, g);
    }
    if (strcmp(iu, "system:anonymous") != 0) sim_user_add_group(&nu, "system:authenticated");
    q->user = nu;
    return 0;
}

static void forbidden(api_req_t *q)
{
    char msg[4096];
    const sim_path_t *p = &q->path;
    if (p->type != SIM_PATH_RESOURCE) {
        snprintf(msg, sizeof msg, "forbidden: User \"%s\" cannot %s path \"%.*s\"", q->user.name, q->verb,
                 (int)http_req_path(q->http).n, http_req_path(q->http).p);
    } else {
        char what[512];
        const char *group = q->kind ? q->kind->group : p->group;
        if (group[0]) snprintf(what, sizeof what, "%s.%s", p->resource, group);
        else snprintf(what, sizeof what, "%s", p->resource);
        char res[256];
        if (p->sub[0]) snprintf(res, sizeof res, "%s/%s", p->resource, p->sub);
        else snprintf(res, sizeof res, "%s", p->resource);
        char scope[400];
        if (p->ns[0]) snprintf(scope, sizeof scope, "in the namespace \"%s\"", p->ns);
        else snprintf(scope, sizeof scope, "at the cluster scope");
        if (p->name[0])
            snprintf(msg, sizeof msg, "%s \"%s\" is forbidden: User \"%s\" cannot %s resource \"%s\" in API group "
                                      "\"%s\" %s",
                     what, p->name, q->user.name, q->verb, res, group, scope);
        else
            snprintf(msg, sizeof msg, "%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" %s",
                     what, q->user.name, q->verb, res, group, scope);
    }
    sim_api_send_status(q, 403, "Forbidden", msg);
}

static void route(api_req_t *q)
{
    /* Protobuf bodies cannot be read here: 415 makes client-go fall back to
     * JSON, as it does against servers without protobuf support. */
    const char *ct = http_req_header(q->http, "Content-Type");
    if (ct && !strncasecmp(ct, "application/vnd.kubernetes.protobuf", 35) && http_req_body(q->http).n &&
        !(q->kind && !strcmp(q->kind->group, "rbac.authorization.k8s.io") && strstr(q->kind->kind, "Binding"))) {
        sim_api_send_status(q, 415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types include: "
                        "application/json, application/yaml");
        return;
    }
    if (q->path.type != SIM_PATH_RESOURCE) {
        sim_api_discovery(q);
        return;
    }
    if (!q->kind) {
        sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (sim_kind_is_virtual(q->kind)) {
        sim_api_metrics(q);
        return;
    }
    if (sim_kind_is_review(q->kind)) {
        sim_api_review(q);
        return;
    }
    if (q->path.sub[0] || !strcmp(q->kind->resource, "bindings")) {
        sim_api_subresource(q);
        return;
    }
    if (!strcmp(q->verb, "watch")) {
        sim_api_watch_start(q);
        return;
    }
    sim_api_resource(q);
}

typedef struct delayed {
    uv_timer_t timer;
    api_req_t *q;
    bool aborted;
} delayed_t;

static void delayed_closed(uv_handle_t *h) { free(h->data); }

static void delayed_fire(uv_timer_t *t)
{
    delayed_t *d = t->data;
    uv_close((uv_handle_t *)&d->timer, delayed_closed);
    if (d->aborted) return;
    api_req_t *q = d->q;
    http_req_on_abort(q->http, NULL, NULL);
    route(q);
}

static void delayed_abort(http_req_t *r, void *ud)
{
    delayed_t *d = ud;
    d->aborted = true;
    d->q->api->inflight--;
    sim_api_req_free(d->q);
}

static bool is_long_running(const api_req_t *q)
{
    if (q->verb && !strcmp(q->verb, "watch")) return true;
    if (!strcmp(q->path.sub, "log") && sim_api_parse_bool(http_req_query(q->http, "follow"))) return true;
    return false;
}

static void on_request(http_req_t *r, void *ud)
{
    sim_api_t *api = ud;
    api_req_t *q = xcalloc(1, sizeof *q);
    q->http = r;
    q->api = api;
    q->start_ns = clock_mono_ns();
    api->inflight++;
    sv_t path = http_req_path(r);
    const char *method = http_req_method(r);
    if (sim_path_parse(path.p, path.n, &q->path) < 0) {
        char lm[16];
        lower(lm, sizeof lm, method);
        q->verb = "get";
        q->path.type = SIM_PATH_NONRESOURCE;
        sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    char nonres_verb[16];
    if (q->path.type == SIM_PATH_RESOURCE) {
        q->verb = resource_verb(method, &q->path, r);
        if (!q->verb) {
            q->verb = "unknown";
            sim_api_send_status(q, 405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                        "resource");
            return;
        }
        if (q->path.legacy || q->path.group[0]) {
            const sim_kind_t *k = sim_kind_by_resource(api->store, q->path.group, q->path.resource);
            if (k && strcmp(k->version, q->path.version) == 0) q->kind = k;
            if (k && sim_kind_is_virtual(k) && api->ctx->cfg && api->ctx->cfg->no_metrics) q->kind = NULL;
        }
    } else {
        lower(nonres_verb, sizeof nonres_verb, method);
        if (!strcmp(nonres_verb, "head")) snprintf(nonres_verb, sizeof nonres_verb, "get");
        q->verb = nonres_verb;
    }
    /* Authentication. */
    const char *cn = NULL, *orgs[16];
    size_t norgs = 0;
    bool have_cert = http_req_client_cert(r, &cn, orgs, &norgs, 16);
    if (sim_authenticate(api->auth, http_req_header(r, "Authorization"), have_cert ? cn : NULL, orgs, norgs,
                         &q->user) < 0) {
        sim_api_send_status(q, 401, "Unauthorized", "Unauthorized");
        return;
    }
    char msg[1024];
    int rc = impersonate(q, msg, sizeof msg);
    if (rc < 0) {
        sim_api_send_error(q, rc, msg);
        return;
    }
    /* Faults: in-flight limit first (like API priority and fairness), then
     * the per-path dice. */
    int maxin = sim_faults_max_inflight(api->faults);
    if (maxin > 0 && !is_long_running(q) && api->inflight > maxin) {
        http_res_header(r, "Retry-After", "1");
        sim_api_send_status(q, 429, "TooManyRequests", "Too many requests, please try again later.");
        return;
    }
    sim_fault_t f;
    char pathz[2048];
    snprintf(pathz, sizeof pathz, "%.*s", (int)path.n, path.p);
    sim_faults_decide(api->faults, q->verb, pathz, &f);
    if (f.action == SIM_FAULT_STATUS) {
        if (f.retry_after > 0) {
            char ra[16];
            snprintf(ra, sizeof ra, "%d", f.retry_after);
            http_res_header(r, "Retry-After", ra);
        }
        const char *reason = f.status == 429 ? "TooManyRequests"
                             : f.status == 503 ? "ServiceUnavailable"
                                               : "InternalError";
        const char *m = f.status == 429 ? "Too many requests, please try again later."
                        : f.status == 503 ? "the server is currently unable to handle the request"
                                          : "an error on the server (\"injected fault\") has prevented the request "
                                            "from succeeding";
        sim_api_send_status(q, f.status, reason, m);
        return;
    }
    /* Authorization. */
    sim_attrs_t at = {.resource = q->path.type == SIM_PATH_RESOURCE,
                      .verb = q->verb,
                      .group = q->kind ? q->kind->group : q->path.group,
                      .resource_name = q->path.resource,
                      .sub = q->path.sub,
                      .ns = q->path.ns,
                      .name = q->path.name,
                      .path = pathz};
    /* A namespace's own name is its namespace for RBAC. */
    if (at.resource && !strcmp(q->path.resource, "namespaces") && q->path.name[0] && !q->path.ns[0])
        at.ns = q->path.name;
    if (!sim_authorize(api->auth, &q->user, &at, NULL, 0)) {
        forbidden(q);
        return;
    }
    q->fault = f; /* gone and drop are acted on by list and watch */
    if (f.latency_ms > 0) {
        delayed_t *d = xcalloc(1, sizeof *d);
        d->q = q;
        uv_timer_init(api->ctx->loop, &d->timer);
        d->timer.data = d;
        uv_timer_start(&d->timer, delayed_fire, f.latency_ms, 0);
        http_req_on_abort(r, delayed_abort, d);
        return;
    }
    route(q);
}

sim_api_t *sim_api_new(sim_ctx_t *ctx, http_server_t *srv, sim_auth_t *auth, sim_faults_t *faults, err_t *err)
{
    sim_api_t *api = xcalloc(1, sizeof *api);
    api->ctx = ctx;
    api->store = ctx->store;
    api->srv = srv;
    api->auth = auth;
    api->faults = faults;
    api->watch_max_pending = 64u << 20;
    if (ctx->cfg && ctx->cfg->request_log) {
        api->request_log = fopen(ctx->cfg->request_log, "a");
        if (!api->request_log) {
            err_set(err, ERR_IO, "--request-log %s: cannot open for appending", ctx->cfg->request_log);
            free(api);
            return NULL;
        }
    }
    if (srv) http_set_fallback(srv, on_request, api);
    return api;
}

void sim_api_watch_shutdown_all(sim_api_t *api);

void sim_api_shutdown(sim_api_t *api)
{
    if (!api) return;
    api->shutting_down = true;
    sim_api_wait_shutdown_all(api);
    sim_api_watch_shutdown_all(api);
}

void sim_api_free(sim_api_t *api)
{
    if (!api) return;
    if (api->request_log) fclose(api->request_log);
    free(api);
}
