/* clusters_api.c — GET/POST /clusters, DELETE /clusters/{c}. */
#include <string.h>

#include "api/api_int.h"

/* Object counts are shown only to the server's own identity: a person's
 * view is filtered by their RBAC, and a whole-cluster count would tell them
 * what namespaces they cannot read hold. */
static bool may_count(const api_req_t *q) { return q->id.user == NULL; }

static void h_list(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, false);
    if (!q) return;
    buf_t b = {0};
    buf_putc(&b, '[');
    for (size_t i = 0; i < clusters_count(api->clusters); i++) {
        if (i) buf_putc(&b, ',');
        cluster_json(clusters_at(api->clusters, i), may_count(q), &b);
    }
    buf_putc(&b, ']');
    api_req_json(q, 200, &b);
}

static void h_get(http_req_t *r, void *ud)
{
    api_req_t *q = api_req_begin(ud, r, true);
    if (!q) return;
    buf_t b = {0};
    cluster_json(q->c, may_count(q), &b);
    /* the per-type sync state joins the summary in the detail */
    if (b.len && b.data[b.len - 1] == '}') {
        b.len--;
        buf_puts(&b, ",\"types\":");
        cluster_types_json(q->c, may_count(q), &b);
        buf_putc(&b, '}');
    }
    api_req_json(q, 200, &b);
}

static int opt_str(const cJSON *o, const char *name, const char **out, api_req_t *q)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsString(v) || !*v->valuestring) {
        api_req_error(q, 400, "bad_request", "field \"%s\" must be a non-empty string", name);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

static void h_add(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, false);
    if (!q) return;
    sv_t body = http_req_body(r);
    cJSON *doc = cJSON_ParseWithLength(body.p, body.n);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        api_req_error(q, 400, "bad_request",
                      "body must be a JSON object: {\"context\": NAME} or {\"kubeconfig\": YAML, \"context\"?, \"name\"?}");
        return;
    }
    const char *context, *name, *kubeconfig, *prom;
    if (opt_str(doc, "context", &context, q) || opt_str(doc, "name", &name, q) ||
        opt_str(doc, "kubeconfig", &kubeconfig, q) || opt_str(doc, "prometheus", &prom, q)) {
        cJSON_Delete(doc);
        return;
    }
    if (!context && !kubeconfig) {
        cJSON_Delete(doc);
        api_req_error(q, 400, "bad_request", "name a \"context\" of the loaded kubeconfig or upload a \"kubeconfig\"");
        return;
    }
    err_t e = {0};
    cluster_t *c = clusters_add(api->clusters, name, context, kubeconfig, kubeconfig ? strlen(kubeconfig) : 0, &e);
    if (c && prom && cluster_set_prometheus(c, prom, &e) != 0) {
        /* all or nothing: a cluster whose Prometheus was refused is not kept */
        err_t re = {0};
        char id[256];
        snprintf(id, sizeof id, "%s", cluster_id(c));
        clusters_remove(api->clusters, id, &re);
        c = NULL;
    }
    cJSON_Delete(doc);
    if (!c) {
        int st = e.code == ERR_EXISTS ? 409 : 400;
        api_req_error(q, st, st == 409 ? "conflict" : "bad_request", "%s", e.msg[0] ? e.msg : "cluster not added");
        return;
    }
    buf_t b = {0};
    cluster_json(c, may_count(q), &b);
    char loc[400];
    snprintf(loc, sizeof loc, "/api/v1/clusters/%s", cluster_id(c));
    http_res_header(r, "Location", loc);
    api_req_json(q, 201, &b);
}

static void h_delete(http_req_t *r, void *ud)
{
    api_t *api = ud;
    api_req_t *q = api_req_begin(api, r, true);
    if (!q) return;
    char id[256];
    snprintf(id, sizeof id, "%s", q->cid);
    /* q->ac goes with the cluster: drop our references first */
    q->ac = NULL;
    q->c = NULL;
    api_view_release(q->view);
    q->view = NULL;
    err_t e = {0};
    if (clusters_remove(api->clusters, id, &e) != 0) {
        api_req_error(q, 404, "not_found", "%s", e.msg);
        return;
    }
    buf_t b = {0};
    api_req_send(q, 204, "application/json", &b);
}

void api_clusters_routes(api_t *api)
{
    http_route(api->http, "GET", "/api/v1/clusters", h_list, api);
    http_route(api->http, "POST", "/api/v1/clusters", h_add, api);
    http_route(api->http, "GET", "/api/v1/clusters/{c}", h_get, api);
    http_route(api->http, "DELETE", "/api/v1/clusters/{c}", h_delete, api);
}
