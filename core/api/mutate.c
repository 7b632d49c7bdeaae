/* mutate.c — POST /clusters/{c}/apply and DELETE /clusters/{c}/resources/{kind}/{ns}/{name}.
 *
 * Both change the cluster, so both are refused (403 read_only) unless the
 * server runs in write mode, and both take two steps: a dry run
 * (?dryRun=true) that the cluster validates as the user and that answers
 * with a confirmation token, then the same request with the token in
 * X-Confirm-Token. The token is an HMAC, under a key drawn at start, of the
 * user, cluster, operation, path and body, valid for five minutes: it
 * proves this exact change was previewed by this user, and nothing else
 * can be done with it. Apply is server-side apply (field manager
 * "kubilitics"), so the body may be JSON or YAML as written.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "api/kinds.h"
#include "api/redact.h"
#include "base/mem.h"

#define TOKEN_TTL_S 300

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) out[2 * i] = d[p[i] >> 4], out[2 * i + 1] = d[p[i] & 15];
    out[2 * n] = '\0';
}

static void token_mac(api_req_t *q, const char *op, const char *path, sv_t body, long long exp, char out[65])
{
    unsigned char bh[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)(body.p ? body.p : ""), body.n, bh);
    buf_t m = {0};
    api_identity_key(&q->id, &m);
    buf_printf(&m, "%c%s%c%s%c%s%c%lld%c", 0, q->cid, 0, op, 0, path, 0, exp, 0);
    buf_append(&m, bh, sizeof bh);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    HMAC(EVP_sha256(), q->api->secret, sizeof q->api->secret, (const unsigned char *)m.data, m.len, mac, &ml);
    buf_free(&m);
    hex(mac, 32, out);
}

/* "v1.<expiry>.<mac>" */
static void token_make(api_req_t *q, const char *op, const char *path, sv_t body, buf_t *out, long long *exp)
{
    *exp = api_now_ms() / 1000 + TOKEN_TTL_S;
    char mac[65];
    token_mac(q, op, path, body, *exp, mac);
    buf_printf(out, "v1.%lld.%s", *exp, mac);
}

static bool token_ok(api_req_t *q, const char *token, const char *op, const char *path, sv_t body, const char **why)
{
    long long exp = 0;
    char mac[65];
    if (!token || sscanf(token, "v1.%lld.%64s", &exp, mac) != 2 || strlen(mac) != 64) {
        *why = "X-Confirm-Token is not a token this server issued";
        return false;
    }
    if (exp < api_now_ms() / 1000) {
        *why = "X-Confirm-Token has expired; run the dry run again";
        return false;
    }
    char want[65];
    token_mac(q, op, path, body, exp, want);
    if (CRYPTO_memcmp(want, mac, 64) != 0) {
        *why = "X-Confirm-Token was issued for a different change, user or cluster; run the dry run again";
        return false;
    }
    return true;
}

static bool dry_run_param(http_req_t *r, bool *dry)
{
    const char *d = http_req_query(r, "dryRun");
    *dry = false;
    if (!d) return true;
    if (!*d || !strcasecmp(d, "true") || !strcasecmp(d, "all") || !strcmp(d, "1")) *dry = true;
    else if (strcasecmp(d, "false") && strcmp(d, "0")) return false;
    return true;
}

typedef struct mut_st {
    bool dry;
    char *path;
    char op[8];
    sv_t body;
} mut_st_t;

static void mut_free(mut_st_t *m)
{
    if (!m) return;
    free(m->path);
    free(m);
}

static void mut_gone(api_req_t *q)
{
    mut_free(q->st);
    q->st = NULL;
}

static void mut_done(const kube_response_t *res, void *ud)
{
    api_req_t *q = ud;
    mut_st_t *m = q->st;
    q->call = NULL;
    if (res->status < 200 || res->status >= 300) {
        api_req_kube_error(q, res);
        return;
    }
    cJSON *obj = res->body_len ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
    if (obj) api_redact(obj);
    buf_t b = {0};
    buf_printf(&b, "{\"operation\":\"%s\",\"dryRun\":%s,\"object\":", m->op, m->dry ? "true" : "false");
    char *txt = obj ? cJSON_PrintUnformatted(obj) : NULL;
    buf_puts(&b, txt ? txt : "null");
    free(txt);
    cJSON_Delete(obj);
    if (m->dry) {
        long long exp;
        buf_puts(&b, ",\"confirmToken\":\"");
        token_make(q, m->op, m->path, m->body, &b, &exp);
        buf_printf(&b, "\",\"expiresInSeconds\":%d", TOKEN_TTL_S);
    }
    buf_putc(&b, '}');
    int status = m->dry ? 200 : res->status;
    mut_free(m);
    q->st = NULL;
    q->on_gone = NULL;
    api_req_json(q, status, &b);
}

/* Common: read-only check, dryRun, token; then send. */
static void mut_send(api_req_t *q, mut_st_t *m, const char *method, const char *ctype)
{
    http_req_t *r = q->r;
    if (!m->dry) {
        const char *why = NULL;
        const char *tok = http_req_header(r, "X-Confirm-Token");
        if (!tok) {
            mut_free(m);
            q->st = NULL;
            q->on_gone = NULL;
            api_req_error(q, 428, "confirmation_required",
                          "this change needs confirmation: send it with ?dryRun=true first, then again with the "
                          "confirmToken from that answer in the X-Confirm-Token header");
            return;
        }
        if (!token_ok(q, tok, m->op, m->path, m->body, &why)) {
            mut_free(m);
            q->st = NULL;
            q->on_gone = NULL;
            api_req_error(q, 403, "forbidden", "%s", why);
            return;
        }
    }
    buf_t path = {0};
    buf_puts(&path, m->path);
    if (!strcmp(method, "PATCH")) buf_puts(&path, strchr(m->path, '?') ? "&" : "?"), buf_puts(&path, "fieldManager=kubilitics");
    if (m->dry) buf_puts(&path, strchr(path.data, '?') ? "&dryRun=All" : "?dryRun=All");
    const char *force = http_req_query(r, "force");
    if (!strcmp(method, "PATCH") && force && (!*force || !strcasecmp(force, "true"))) buf_puts(&path, "&force=true");
    kube_header_t h[API_MAX_GROUPS + 2];
    size_t nh = api_imp_headers(&q->id, h, API_MAX_GROUPS + 1);
    kube_request_t req = {.method = method, .path = path.data, .headers = h, .nheaders = nh, .body = m->body.p,
                          .body_len = m->body.n, .content_type = ctype, .flags = KUBE_REQ_NO_RETRY,
                          .timeout_ms = q->api->cfg.live_timeout_ms};
    err_t e = {0};
    q->call = kube_request(cluster_kube(q->c), &req, mut_done, q, &e);
    buf_free(&path);
    if (!q->call) {
        mut_free(m);
        q->st = NULL;
        q->on_gone = NULL;
        api_req_error(q, 500, "internal", "request not sent: %s", e.msg);
    }
}

static api_req_t *mut_begin(http_req_t *r, api_t *api, bool *dry)
{
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return NULL;
    if (api->cfg.read_only) {
        api_req_error(q, 403, "read_only",
                      "the server runs read-only: changes to clusters are turned off (start it without --read-only "
                      "to allow them)");
        return NULL;
    }
    if (!dry_run_param(r, dry)) {
        api_req_error(q, 400, "bad_request", "dryRun: expected true or false");
        return NULL;
    }
    return q;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void h_apply(http_req_t *r, void *ud)
{
    api_t *api = ud;
    bool dry;
    api_req_t *q = mut_begin(r, api, &dry);
    if (!q) return;
    sv_t body = http_req_body(r);
    cJSON *doc = NULL;
    err_t e = {0};
    if (!body.n) {
        api_req_error(q, 400, "bad_request", "the body must hold one manifest (JSON or YAML)");
        return;
    }
    if (api_manifest_parse(body.p, body.n, &doc, &e) != 0) {
        api_req_error(q, 400, "bad_request", "%s", e.msg);
        return;
    }
    const char *av = jstr(doc, "apiVersion"), *kind = jstr(doc, "kind");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    const char *name = jstr(meta, "name"), *ns = jstr(meta, "namespace");
    if (!av || !kind || !name) {
        cJSON_Delete(doc);
        api_req_error(q, 400, "bad_request", "manifest: apiVersion, kind and metadata.name are required");
        return;
    }
    char kid[300];
    const char *slash = strchr(av, '/');
    if (slash) snprintf(kid, sizeof kid, "%s.%.*s", kind, (int)(slash - av), av);
    else snprintf(kid, sizeof kid, "%s", kind);
    const kube_api_resource_t *res = api_req_kind(q, kid);
    if (!res) {
        cJSON_Delete(doc);
        return;
    }
    kube_api_resource_t use = *res;
    use.version = slash ? slash + 1 : av; /* the body's version: apply must name the same one */
    const char *qns = http_req_query(r, "namespace");
    if (res->namespaced && !ns) ns = qns;
    if (res->namespaced && (!ns || !*ns)) {
        cJSON_Delete(doc);
        api_req_error(q, 400, "bad_request", "%s is namespaced: set metadata.namespace or ?namespace=", kid);
        return;
    }
    if (res->namespaced && qns && *qns && strcmp(qns, ns) != 0) {
        cJSON_Delete(doc);
        api_req_error(q, 400, "bad_request", "metadata.namespace \"%s\" differs from ?namespace=%s", ns, qns);
        return;
    }
    mut_st_t *m = xcalloc(1, sizeof *m);
    buf_t path = {0};
    api_kind_path(&use, res->namespaced ? ns : NULL, name, &path);
    m->path = buf_steal(&path);
    m->dry = dry;
    m->body = body; /* valid while the request is */
    snprintf(m->op, sizeof m->op, "apply");
    cJSON_Delete(doc);
    q->st = m;
    q->on_gone = mut_gone;
    mut_send(q, m, "PATCH", "application/apply-patch+yaml");
}

static void h_delete(http_req_t *r, void *ud)
{
    api_t *api = ud;
    bool dry;
    api_req_t *q = mut_begin(r, api, &dry);
    if (!q) return;
    const kube_api_resource_t *res = api_req_kind(q, http_req_param(r, "kind"));
    if (!res) return;
    char ns[254], name[254];
    if (api_split_tail(http_req_param(r, "*"), ns, sizeof ns, name, sizeof name) != 0 || (res->namespaced && !ns[0])) {
        api_req_error(q, 400, "bad_request", "expected /resources/KIND/NAMESPACE/NAME (NAMESPACE empty only for "
                                             "cluster-scoped kinds)");
        return;
    }
    mut_st_t *m = xcalloc(1, sizeof *m);
    buf_t path = {0};
    api_kind_path(res, res->namespaced ? ns : NULL, name, &path);
    m->path = buf_steal(&path);
    m->dry = dry;
    snprintf(m->op, sizeof m->op, "delete");
    q->st = m;
    q->on_gone = mut_gone;
    mut_send(q, m, "DELETE", NULL);
}

void api_mutate_routes(api_t *api)
{
    http_route(api->http, "POST", "/api/v1/clusters/{c}/apply", h_apply, api);
    http_route(api->http, "DELETE", "/api/v1/clusters/{c}/resources/{kind}/*", h_delete, api);
}
