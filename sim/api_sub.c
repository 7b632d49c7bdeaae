/* api_sub.c — subresources (status, scale, log, binding, eviction,
 * namespaces/finalize), metrics.k8s.io and the review kinds
 * (SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview,
 * LocalSubjectAccessReview, TokenReview, SelfSubjectReview).
 *
 * Pod logs and metrics come from the controllers half (ctrl.h); this file
 * only speaks HTTP for them. A log follow keeps its request until the
 * controllers' on_end or the client leaves, whichever is first.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "ctrl.h"
#include "patch.h"
#include "select.h"

void sim_api_status_sub(api_req_t *q);

static void method_not_allowed(api_req_t *q)
{
    sim_api_send_status(q, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

static void send_success(api_req_t *q, int code)
{
    char body[160];
    int n = snprintf(body, sizeof body,
                     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":%d}",
                     code);
    sim_api_send_json(q, code, body, (size_t)n);
}

static void obj_not_found(api_req_t *q)
{
    char msg[600];
    if (q->kind->group[0]) snprintf(msg, sizeof msg, "%s.%s \"%s\" not found", q->kind->resource, q->kind->group, q->path.name);
    else snprintf(msg, sizeof msg, "%s \"%s\" not found", q->kind->resource, q->path.name);
    sim_api_send_status(q, 404, "NotFound", msg);
}

/* ------------------------------------------------------------------ */
/* scale */

static const char *label_selector_string(const cJSON *sel, buf_t *t)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"))
    {
        if (!cJSON_IsString(x)) continue;
        if (t->len) buf_putc(t, ',');
        buf_printf(t, "%s=%s", x->string, x->valuestring);
    }
    return t->data ? t->data : "";
}

static cJSON *scale_of(const cJSON *obj)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "kind", "Scale");
    cJSON_AddStringToObject(s, "apiVersion", "autoscaling/v1");
    cJSON *m = cJSON_AddObjectToObject(s, "metadata");
    static const char *const keep[] = {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"};
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, keep[i]);
        if (v) cJSON_AddItemToObject(m, keep[i], cJSON_Duplicate(v, true));
    }
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(spec, "replicas");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(s, "spec"), "replicas", cJSON_IsNumber(rep) ? rep->valuedouble : 1);
    cJSON *st = cJSON_AddObjectToObject(s, "status");
    const cJSON *sr = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "status"), "replicas");
    cJSON_AddNumberToObject(st, "replicas", cJSON_IsNumber(sr) ? sr->valuedouble : 0);
    buf_t t = {0};
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");
    if (cJSON_IsObject(sel) && cJSON_GetObjectItemCaseSensitive(sel, "matchLabels")) label_selector_string(sel, &t);
    else if (cJSON_IsObject(sel)) { /* ReplicationController: a plain map */
        const cJSON *x;
        cJSON_ArrayForEach(x, sel) if (cJSON_IsString(x)) buf_printf(&t, "%s%s=%s", t.len ? "," : "", x->string, x->valuestring);
    }
    if (t.len) cJSON_AddStringToObject(st, "selector", t.data);
    buf_free(&t);
    return s;
}

static void do_scale(api_req_t *q)
{
    sim_store_t *s = q->api->store;
    if (!(q->kind->subresources & SIM_SUB_SCALE)) {
        sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    cJSON *cur = sim_get_copy(s, q->kind, q->path.ns, q->path.name);
    if (!cur) {
        obj_not_found(q);
        return;
    }
    if (!strcmp(q->verb, "get")) {
        cJSON *sc = scale_of(cur);
        sim_api_send_obj(q, 200, sc);
        cJSON_Delete(sc);
        cJSON_Delete(cur);
        return;
    }
    err_t err = {0};
    int rc = 0;
    cJSON *want = NULL;
    sv_t body = http_req_body(q->http);
    cJSON *patch = cJSON_ParseWithLength(body.p, body.n);
    if (!patch) {
        rc = err_set(&err, SIM_ERR_BAD_REQUEST, "the body of the request could not be decoded as JSON");
        goto fail;
    }
    if (!strcmp(q->verb, "update")) {
        want = patch;
        patch = NULL;
    } else if (!strcmp(q->verb, "patch")) {
        int type = sim_patch_type(http_req_header(q->http, "Content-Type"));
        if (type < 0) type = SIM_PATCH_MERGE;
        want = sim_patch_apply(type, scale_of(cur), patch, &err);
        cJSON_Delete(patch);
        patch = NULL;
        if (!want) {
            rc = err.code ? err.code : SIM_ERR_BAD_REQUEST;
            goto fail;
        }
    } else {
        cJSON_Delete(patch);
        cJSON_Delete(cur);
        method_not_allowed(q);
        return;
    }
    const cJSON *rep = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(want, "spec"), "replicas");
    if (!cJSON_IsNumber(rep) || rep->valuedouble < 0) {
        rc = err_set(&err, ERR_INVALID, "Scale.autoscaling \"%s\" is invalid: spec.replicas: Invalid value: must be "
                                        "greater than or equal to 0", q->path.name);
        goto fail;
    }
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(cur, "spec");
    if (!cJSON_IsObject(spec)) spec = cJSON_AddObjectToObject(cur, "spec");
    cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
    cJSON_AddNumberToObject(spec, "replicas", rep->valuedouble);
    /* A Scale carrying a resourceVersion is a precondition on the object. */
    const cJSON *wrv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(want, "metadata"), "resourceVersion");
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(cur, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    if (cJSON_IsString(wrv) && !strcmp(q->verb, "update")) cJSON_AddStringToObject(meta, "resourceVersion", wrv->valuestring);
    cJSON_Delete(want);
    want = NULL;
    const sim_obj_t *out = NULL;
    rc = sim_update(s, q->kind, q->path.ns, cur, NULL, &out, &err);
    cur = NULL;
    if (rc < 0) goto fail;
    cJSON *sc = scale_of(sim_obj_json(out));
    sim_api_send_obj(q, 200, sc);
    cJSON_Delete(sc);
    return;
fail:
    cJSON_Delete(cur);
    cJSON_Delete(want);
    cJSON_Delete(patch);
    sim_api_send_error(q, rc, err.msg);
}

/* ------------------------------------------------------------------ */
/* logs */

typedef struct api_follow {
    api_req_t *q;
    sim_log_follow_t *f;
    bool done;
} api_follow_t;

static void follow_data(const char *data, size_t len, void *ud)
{
    api_follow_t *af = ud;
    if (af->done) return;
    if (http_res_stream_write(af->q->http, data, len) < 0) {
        /* the abort callback cleans up */
    }
}

static void follow_end(void *ud)
{
    api_follow_t *af = ud;
    if (af->done) return;
    af->done = true;
    http_req_on_abort(af->q->http, NULL, NULL);
    http_res_stream_end(af->q->http);
    af->q->api->inflight--;
    sim_api_req_free(af->q);
    free(af);
}

static void follow_abort(http_req_t *r, void *ud)
{
    api_follow_t *af = ud;
    if (af->done) return;
    af->done = true;
    sim_logs_follow_stop(af->f);
    af->q->api->inflight--;
    sim_api_req_free(af->q);
    free(af);
}

static void do_log(api_req_t *q)
{
    if (strcmp(q->verb, "get") != 0) {
        method_not_allowed(q);
        return;
    }
    http_req_t *r = q->http;
    sim_log_opts_t o = {0};
    o.container = http_req_query(r, "container");
    if (o.container && !*o.container) o.container = NULL;
    o.tail_lines = sim_api_query_long(r, "tailLines", -1);
    o.since_seconds = sim_api_query_long(r, "sinceSeconds", 0);
    o.limit_bytes = sim_api_query_long(r, "limitBytes", 0);
    o.timestamps = sim_api_parse_bool(http_req_query(r, "timestamps"));
    o.previous = sim_api_parse_bool(http_req_query(r, "previous"));
    o.follow = sim_api_parse_bool(http_req_query(r, "follow"));
    err_t err = {0};
    if (!o.follow) {
        buf_t out = {0};
        int rc = sim_logs_read(q->api->ctx, q->path.ns, q->path.name, &o, &out, &err);
        if (rc < 0) {
            buf_free(&out);
            sim_api_send_error(q, rc, err.msg);
            return;
        }
        sim_api_log_request(q, 200);
        http_res_send_buf(r, 200, "text/plain", &out);
        q->api->inflight--;
        sim_api_req_free(q);
        return;
    }
    api_follow_t *af = xcalloc(1, sizeof *af);
    af->q = q;
    af->f = sim_logs_follow(q->api->ctx, q->path.ns, q->path.name, &o, follow_data, follow_end, af, &err);
    if (!af->f) {
        free(af);
        sim_api_send_error(q, err.code ? err.code : ERR_NOTFOUND, err.msg);
        return;
    }
    sim_api_log_request(q, 200);
    http_req_on_abort(r, follow_abort, af);
    http_res_stream_begin(r, 200, "text/plain");
}

/* ------------------------------------------------------------------ */
/* binding and eviction */

static void bind_pod(api_req_t *q, const char *pod_name)
{
    sim_store_t *s = q->api->store;
    char msg[256];
    int code = 0;
    cJSON *b = sim_api_body_json(q, &code, msg, sizeof msg);
    if (!b) {
        sim_api_send_error(q, code, msg);
        return;
    }
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(b, "target");
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(target, "name");
    if (!pod_name) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "metadata"), "name");
        pod_name = cJSON_IsString(n) ? n->valuestring : NULL;
    }
    const sim_kind_t *pods = sim_kind_by_resource(s, "", "pods");
    cJSON *pod = pod_name ? sim_get_copy(s, pods, q->path.ns, pod_name) : NULL;
    if (!cJSON_IsString(node) || !pod_name) {
        cJSON_Delete(b);
        cJSON_Delete(pod);
        sim_api_send_status(q, 422, "Invalid", "Binding is invalid: target.name: Required value");
        return;
    }
    if (!pod) {
        char m[600];
        snprintf(m, sizeof m, "pods \"%s\" not found", pod_name);
        cJSON_Delete(b);
        sim_api_send_status(q, 404, "NotFound", m);
        return;
    }
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
    if (!cJSON_IsObject(spec)) spec = cJSON_AddObjectToObject(pod, "spec");
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(spec, "nodeName");
    if (cJSON_IsString(cur) && cur->valuestring[0]) {
        char m[700];
        snprintf(m, sizeof m, "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is already assigned to node "
                              "\"%s\"", pod_name, pod_name, cur->valuestring);
        cJSON_Delete(b);
        cJSON_Delete(pod);
        sim_api_send_status(q, 409, "Conflict", m);
        return;
    }
    cJSON_AddStringToObject(spec, "nodeName", node->valuestring);
    cJSON_Delete(b);
    err_t err = {0};
    int rc = sim_update(s, pods, q->path.ns, pod, NULL, NULL, &err);
    if (rc < 0) {
        sim_api_send_error(q, rc, err.msg);
        return;
    }
    send_success(q, 201);
}

static void evict_pod(api_req_t *q)
{
    err_t err = {0};
    int rc = sim_delete(q->api->store, q->kind, q->path.ns, q->path.name, NULL, NULL, NULL, &err);
    if (rc < 0) {
        sim_api_send_error(q, rc, err.msg);
        return;
    }
    send_success(q, 201);
}

void sim_api_subresource(api_req_t *q)
{
    const char *sub = q->path.sub;
    const sim_kind_t *k = q->kind;
    if (!strcmp(k->resource, "bindings") && !k->group[0]) {
        if (strcmp(q->verb, "create") != 0) method_not_allowed(q);
        else bind_pod(q, NULL);
        return;
    }
    if (!strcmp(sub, "status") && (k->subresources & SIM_SUB_STATUS)) sim_api_status_sub(q);
    else if (!strcmp(sub, "scale")) do_scale(q);
    else if (!strcmp(sub, "log") && (k->subresources & SIM_SUB_LOG)) do_log(q);
    else if (!strcmp(sub, "binding") && (k->subresources & SIM_SUB_BINDING)) {
        if (strcmp(q->verb, "create") != 0) method_not_allowed(q);
        else bind_pod(q, q->path.name);
    } else if (!strcmp(sub, "eviction") && (k->subresources & SIM_SUB_EVICTION)) {
        if (strcmp(q->verb, "create") != 0) method_not_allowed(q);
        else evict_pod(q);
    } else if (!strcmp(sub, "finalize") && !strcmp(k->resource, "namespaces") && !k->group[0]) {
        sim_api_status_sub(q); /* spec.finalizers live in spec; good enough as a status-like write */
    } else {
        sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
    }
}

/* ------------------------------------------------------------------ */
/* metrics.k8s.io */

void sim_api_metrics(api_req_t *q)
{
    if (strcmp(q->verb, "get") != 0 && strcmp(q->verb, "list") != 0) {
        method_not_allowed(q);
        return;
    }
    bool pods = !strcmp(q->kind->resource, "pods");
    const char *name = q->path.name[0] ? q->path.name : NULL;
    const char *ns = q->path.ns[0] ? q->path.ns : NULL;
    cJSON *items = pods ? sim_metrics_pods(q->api->ctx, ns, name) : sim_metrics_nodes(q->api->ctx, name);
    if (name) {
        cJSON *it = cJSON_GetArrayItem(items, 0);
        if (!it) {
            cJSON_Delete(items);
            char msg[600];
            snprintf(msg, sizeof msg, "%s.metrics.k8s.io \"%s\" not found", q->kind->resource, name);
            sim_api_send_status(q, 404, "NotFound", msg);
            return;
        }
        sim_api_send_obj(q, 200, it);
        cJSON_Delete(items);
        return;
    }
    err_t err = {0};
    sim_selector_t *ls = NULL;
    if (sim_label_selector_parse(http_req_query(q->http, "labelSelector"), &ls, &err) < 0) {
        cJSON_Delete(items);
        sim_api_send_error(q, SIM_ERR_BAD_REQUEST, err.msg);
        return;
    }
    cJSON *list = cJSON_CreateObject();
    cJSON_AddStringToObject(list, "kind", q->kind->list_kind);
    cJSON_AddStringToObject(list, "apiVersion", "metrics.k8s.io/v1beta1");
    cJSON_AddObjectToObject(list, "metadata");
    cJSON *out = cJSON_AddArrayToObject(list, "items");
    cJSON *it;
    while (items && (it = cJSON_DetachItemFromArray(items, 0))) {
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "metadata"), "labels");
        if (sim_label_selector_match_json(ls, labels)) cJSON_AddItemToArray(out, it);
        else cJSON_Delete(it);
    }
    cJSON_Delete(items);
    sim_selector_free(ls);
    sim_api_send_obj(q, 200, list);
    cJSON_Delete(list);
}

/* ------------------------------------------------------------------ */
/* reviews */

static const char *jss(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void user_info(cJSON *parent, const char *key, const sim_user_t *u)
{
    cJSON *ui = cJSON_AddObjectToObject(parent, key);
    cJSON_AddStringToObject(ui, "username", u->name);
    if (u->uid[0]) cJSON_AddStringToObject(ui, "uid", u->uid);
    cJSON *g = cJSON_AddArrayToObject(ui, "groups");
    for (int i = 0; i < u->ngroups; i++) cJSON_AddItemToArray(g, cJSON_CreateString(u->groups[i]));
}

void sim_api_review(api_req_t *q)
{
    if (strcmp(q->verb, "create") != 0) {
        method_not_allowed(q);
        return;
    }
    char msg[256];
    int code = 0;
    cJSON *obj = sim_api_body_json(q, &code, msg, sizeof msg);
    if (!obj) {
        sim_api_send_error(q, code, msg);
        return;
    }
    const char *res = q->kind->resource;
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    sim_auth_t *auth = q->api->auth;
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
    cJSON_AddStringToObject(obj, "apiVersion", q->kind->api_version);
    cJSON_AddStringToObject(obj, "kind", q->kind->kind);
    if (!cJSON_GetObjectItemCaseSensitive(obj, "metadata")) cJSON_AddObjectToObject(obj, "metadata");
    cJSON *status = cJSON_AddObjectToObject(obj, "status");
    if (!strcmp(res, "selfsubjectaccessreviews") || !strcmp(res, "subjectaccessreviews") ||
        !strcmp(res, "localsubjectaccessreviews")) {
        sim_user_t who = q->user;
        if (strcmp(res, "selfsubjectaccessreviews") != 0) {
            memset(&who, 0, sizeof who);
            snprintf(who.name, sizeof who.name, "%s", jss(spec, "user"));
            snprintf(who.uid, sizeof who.uid, "%s", jss(spec, "uid"));
            const cJSON *g;
            cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(spec, "groups"))
                if (cJSON_IsString(g)) sim_user_add_group(&who, g->valuestring);
        }
        const cJSON *ra = cJSON_GetObjectItemCaseSensitive(spec, "resourceAttributes");
        const cJSON *na = cJSON_GetObjectItemCaseSensitive(spec, "nonResourceAttributes");
        sim_attrs_t at = {0};
        if (ra) {
            at.resource = true;
            at.verb = jss(ra, "verb");
            at.group = jss(ra, "group");
            at.resource_name = jss(ra, "resource");
            at.sub = jss(ra, "subresource");
            at.ns = !strcmp(res, "localsubjectaccessreviews") ? q->path.ns : jss(ra, "namespace");
            at.name = jss(ra, "name");
        } else if (na) {
            at.verb = jss(na, "verb");
            at.path = jss(na, "path");
        } else {
            cJSON_Delete(obj);
            sim_api_send_status(q, 422, "Invalid", "SelfSubjectAccessReview is invalid: spec.resourceAttributes: Invalid "
                                               "value: exactly one of nonResourceAttributes or resourceAttributes "
                                               "must be specified");
            return;
        }
        char reason[256];
        bool ok = sim_authorize(auth, &who, &at, reason, sizeof reason);
        cJSON_AddBoolToObject(status, "allowed", ok);
        if (ok && reason[0]) cJSON_AddStringToObject(status, "reason", reason);
    } else if (!strcmp(res, "selfsubjectrulesreviews")) {
        cJSON *st = sim_rules_review(auth, &q->user, jss(spec, "namespace"));
        cJSON_ReplaceItemInObjectCaseSensitive(obj, "status", st);
    } else if (!strcmp(res, "tokenreviews")) {
        sim_user_t u;
        bool ok = sim_auth_token_user(auth, jss(spec, "token"), &u);
        cJSON_AddBoolToObject(status, "authenticated", ok);
        if (ok) user_info(status, "user", &u);
        else cJSON_AddStringToObject(status, "error", "invalid bearer token");
    } else if (!strcmp(res, "selfsubjectreviews")) {
        user_info(status, "userInfo", &q->user);
    } else {
        cJSON_Delete(obj);
        sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    sim_api_send_obj(q, 201, obj);
    cJSON_Delete(obj);
}
