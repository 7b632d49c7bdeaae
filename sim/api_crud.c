/* api_crud.c — get, list, create, update, patch, delete and
 * deletecollection on stored resources; see api.h.
 *
 * Lists are served from the stored bytes of each version (no re-printing),
 * in (namespace, name) order, in pages whose continue token carries the
 * snapshot resourceVersion and the last key, so every page of one list
 * reads the same snapshot (store_srv.h) and a token older than the event
 * window gets 410 Expired like a compacted etcd revision.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "kinds.h"
#include "patch.h"
#include "select.h"
#include "store_srv.h"
#include "sim_yaml.h"

/* ------------------------------------------------------------------ */
/* continue tokens */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(buf_t *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        buf_putc(out, b64[(v >> 18) & 63]);
        buf_putc(out, b64[(v >> 12) & 63]);
        buf_putc(out, i + 1 < n ? b64[(v >> 6) & 63] : '=');
        buf_putc(out, i + 2 < n ? b64[v & 63] : '=');
    }
}

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    if (c == '-') return 62; /* accept the URL-safe alphabet too */
    if (c == '_') return 63;
    return p ? (int)(p - b64) : -1;
}

static bool b64_decode(const char *s, buf_t *out)
{
    uint32_t v = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        int x = b64_val(*s);
        if (x < 0) return false;
        v = (v << 6) | (uint32_t)x;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (char)((v >> bits) & 0xff));
        }
    }
    return true;
}

static char *continue_encode(uint64_t rv, const char *key)
{
    buf_t j = {0}, out = {0};
    buf_printf(&j, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%llu,\"start\":", (unsigned long long)rv);
    buf_json_cstr(&j, key);
    buf_putc(&j, '}');
    b64_encode(&out, (const unsigned char *)j.data, j.len);
    buf_free(&j);
    return buf_steal(&out);
}

/* 0, or SIM_ERR_BAD_REQUEST with the server's message. */
static int continue_decode(const char *tok, uint64_t *rv, char *key, size_t cap, err_t *err)
{
    buf_t raw = {0};
    int rc = 0;
    if (!b64_decode(tok, &raw) || raw.len == 0) {
        rc = err_set(err, SIM_ERR_BAD_REQUEST, "continue key is not valid: illegal base64 data");
        goto out;
    }
    cJSON *j = cJSON_ParseWithLength(raw.data, raw.len);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "rv"), *s = cJSON_GetObjectItemCaseSensitive(j, "start");
    if (!cJSON_IsNumber(r) || !cJSON_IsString(s) || r->valuedouble < 1) {
        rc = err_set(err, SIM_ERR_BAD_REQUEST, "continue key is not valid: incorrect encoded start resourceVersion "
                                               "(version meta.k8s.io/v1)");
    } else {
        *rv = (uint64_t)r->valuedouble;
        snprintf(key, cap, "%s", s->valuestring);
    }
    cJSON_Delete(j);
out:
    buf_free(&raw);
    return rc;
}

/* ------------------------------------------------------------------ */
/* shared checks */

/* The kind's scope must match the URL. */
static bool scope_ok(api_req_t *q)
{
    const sim_kind_t *k = q->kind;
    if (!k->namespaced && q->path.ns[0]) return false;
    if (k->namespaced && !q->path.ns[0] && q->path.name[0]) return false;
    return true;
}

static bool verb_allowed(const sim_kind_t *k, const char *verb)
{
    static const char *names[] = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
    for (int i = 0; i < 8; i++)
        if (!strcmp(verb, names[i])) return (k->verbs & (1u << i)) != 0;
    return false;
}

static void not_found(api_req_t *q)
{
    char msg[700];
    char desc[300];
    if (q->kind->group[0]) snprintf(desc, sizeof desc, "%s.%s", q->kind->resource, q->kind->group);
    else snprintf(desc, sizeof desc, "%s", q->kind->resource);
    snprintf(msg, sizeof msg, "%s \"%s\" not found", desc, q->path.name);
    sim_api_send_status(q, 404, "NotFound", msg);
}

static void send_err(api_req_t *q, int rc, const err_t *e) { sim_api_send_error(q, rc, e->msg[0] ? e->msg : err_name(rc)); }

static int parse_selectors(api_req_t *q, sim_selector_t **ls, sim_selector_t **fs, err_t *err)
{
    *ls = *fs = NULL;
    int rc = sim_label_selector_parse(http_req_query(q->http, "labelSelector"), ls, err);
    if (rc < 0) return rc;
    rc = sim_field_selector_parse(http_req_query(q->http, "fieldSelector"), q->kind, fs, err);
    if (rc < 0) {
        sim_selector_free(*ls);
        *ls = NULL;
    }
    return rc;
}

typedef struct sel_pair {
    sim_selector_t *l, *f;
} sel_pair_t;

static bool sel_filter(const sim_obj_t *o, void *ud)
{
    sel_pair_t *p = ud;
    return sim_selectors_match(p->l, p->f, o);
}

/* ------------------------------------------------------------------ */
/* get and list */

static int include_mode(http_req_t *r)
{
    const char *v = http_req_query(r, "includeObject");
    if (v && !strcmp(v, "None")) return 0;
    if (v && !strcmp(v, "Object")) return 2;
    return 1;
}

static void do_get(api_req_t *q)
{
    const sim_obj_t *o = sim_get_obj(q->api->store, q->kind, q->path.ns, q->path.name);
    if (!o) {
        not_found(q);
        return;
    }
    if (sim_api_wants_table(q->http)) {
        buf_t b = {0};
        const cJSON *cols = sim_api_table_begin(&b, q->kind, q->api->store);
        sim_api_table_row(&b, q->kind, o, include_mode(q->http), true, cols);
        sim_api_table_end(&b, sim_obj_rv(o), NULL, 0);
        sim_api_send_buf(q, 200, &b);
        return;
    }
    sv_t bytes = sim_obj_bytes(o);
    sim_api_send_json(q, 200, bytes.p, bytes.n);
}

static void do_list(api_req_t *q);

/* After waiting for a resourceVersion: list now, or the 504. */
static void list_resume(api_req_t *q, bool fresh)
{
    if (fresh) {
        do_list(q);
        return;
    }
    int64_t v = 0;
    sv_to_i64(sv_from(http_req_query(q->http, "resourceVersion")), &v);
    sim_api_send_too_large(q, (uint64_t)v);
}

static void do_list(api_req_t *q)
{
    sim_store_t *s = q->api->store;
    http_req_t *r = q->http;
    err_t err = {0};
    sel_pair_t sel;
    int rc = parse_selectors(q, &sel.l, &sel.f, &err);
    if (rc < 0) {
        send_err(q, rc, &err);
        return;
    }
    long limit = sim_api_query_long(r, "limit", 0);
    if (limit < 0) limit = 0;
    const char *cont = http_req_query(r, "continue");
    const char *rvs = http_req_query(r, "resourceVersion");
    const char *rvm = http_req_query(r, "resourceVersionMatch");
    uint64_t at_rv = 0;
    char after[600] = "";
    if (cont && *cont) {
        if (rvs && *rvs && strcmp(rvs, "0") != 0) {
            rc = err_set(&err, SIM_ERR_BAD_REQUEST, "specifying resource version is not allowed when using continue");
            goto fail;
        }
        if ((rc = continue_decode(cont, &at_rv, after, sizeof after, &err)) < 0) goto fail;
        if (q->fault.action == SIM_FAULT_GONE) {
            rc = err_set(&err, SIM_ERR_GONE, "The provided continue parameter is too old to display a consistent "
                                             "list result. You can start a new list without the continue "
                                             "parameter.");
            goto fail;
        }
    } else if (rvm && *rvm) {
        if (!rvs || !*rvs) {
            rc = err_set(&err, SIM_ERR_BAD_REQUEST, "resourceVersionMatch is forbidden unless resourceVersion is "
                                                    "provided");
            goto fail;
        }
        if (strcmp(rvm, "Exact") && strcmp(rvm, "NotOlderThan")) {
            rc = err_set(&err, SIM_ERR_BAD_REQUEST, "resourceVersionMatch: Unsupported value: \"%s\": supported "
                                                    "values: \"Exact\", \"NotOlderThan\"", rvm);
            goto fail;
        }
    }
    if (!(cont && *cont) && rvs && *rvs) {
        int64_t v;
        if (!sv_to_i64(sv_from(rvs), &v) || v < 0) {
            rc = err_set(&err, SIM_ERR_BAD_REQUEST, "resourceVersion: Invalid value: \"%s\": must be a valid "
                                                    "resourceVersion", rvs);
            goto fail;
        }
        if ((uint64_t)v > sim_store_rv(s)) {
            /* Newer than the store: the real server waits up to 3 s for its
             * watch cache to catch up (an Exact read has no cache to wait
             * for), then answers 504 Timeout (api_wait.c). */
            sim_selector_free(sel.l);
            sim_selector_free(sel.f);
            if (rvm && !strcmp(rvm, "Exact")) sim_api_send_too_large(q, (uint64_t)v);
            else sim_api_wait_rv(q, (uint64_t)v, list_resume);
            return;
        }
        if (rvm && !strcmp(rvm, "Exact")) {
            if (v == 0) {
                rc = err_set(&err, SIM_ERR_BAD_REQUEST, "resourceVersionMatch \"Exact\" is forbidden for "
                                                        "resourceVersion \"0\"");
                goto fail;
            }
            at_rv = (uint64_t)v;
        }
    }
    sim_page_t page;
    bool filtered = sel.l || sel.f;
    rc = sim_list_page(s, q->kind, q->path.ns, at_rv, after[0] ? after : NULL, (size_t)limit,
                       filtered ? sel_filter : NULL, &sel, &page, &err);
    if (rc < 0) {
        if (rc == SIM_ERR_GONE && !err.msg[0]) err_set(&err, rc, "too old resource version");
        goto fail;
    }
    sim_selector_free(sel.l);
    sim_selector_free(sel.f);
    char *next = page.next_key ? continue_encode(page.rv, page.next_key) : NULL;
    buf_t b = {0};
    if (sim_api_wants_table(r)) {
        int inc = include_mode(r);
        const cJSON *cols = sim_api_table_begin(&b, q->kind, s);
        for (size_t i = 0; i < page.n; i++) sim_api_table_row(&b, q->kind, page.items[i], inc, i == 0, cols);
        sim_api_table_end(&b, page.rv, next, page.remaining);
    } else {
        size_t total = 0;
        for (size_t i = 0; i < page.n; i++) total += sim_obj_len(page.items[i]) + 1;
        buf_reserve(&b, total + 512);
        buf_printf(&b, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%llu\"",
                   q->kind->list_kind, q->kind->api_version, (unsigned long long)page.rv);
        if (next) {
            buf_puts(&b, ",\"continue\":\"");
            buf_puts(&b, next);
            buf_putc(&b, '"');
            if (page.remaining > 0) buf_printf(&b, ",\"remainingItemCount\":%ld", page.remaining);
        }
        buf_puts(&b, "},\"items\":[");
        for (size_t i = 0; i < page.n; i++) {
            if (i) buf_putc(&b, ',');
            sim_obj_write(page.items[i], &b);
        }
        buf_puts(&b, "]}");
    }
    free(next);
    sim_page_free(&page);
    sim_api_send_buf(q, 200, &b);
    return;
fail:
    sim_selector_free(sel.l);
    sim_selector_free(sel.f);
    send_err(q, rc, &err);
}

/* ------------------------------------------------------------------ */
/* writes */

static bool dry_run(http_req_t *r)
{
    const char *v = http_req_query(r, "dryRun");
    return v && !strcmp(v, "All");
}

/* apiVersion/kind in a body must name this endpoint's type when present. */
static int check_type(api_req_t *q, const cJSON *obj, err_t *err)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(obj, "apiVersion");
    const cJSON *kd = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    if (cJSON_IsString(kd) && kd->valuestring[0] && strcmp(kd->valuestring, q->kind->kind) != 0)
        return err_set(err, SIM_ERR_BAD_REQUEST, "the kind of the object (%s) does not match the kind on the URL "
                                                 "(%s)", kd->valuestring, q->kind->kind);
    if (cJSON_IsString(av) && av->valuestring[0] && strcmp(av->valuestring, q->kind->api_version) != 0)
        return err_set(err, SIM_ERR_BAD_REQUEST, "the API version in the data (%s) does not match the expected API "
                                                 "version (%s)", av->valuestring, q->kind->api_version);
    return 0;
}

static cJSON *read_body(api_req_t *q, err_t *err, int *rc)
{
    char msg[256];
    int code = 0;
    cJSON *o = sim_api_body_json(q, &code, msg, sizeof msg);
    if (!o) {
        *rc = err_set(err, code, "%s", msg);
        return NULL;
    }
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        *rc = err_set(err, SIM_ERR_BAD_REQUEST, "the body of the request is not a JSON object");
        return NULL;
    }
    return o;
}

static void send_obj_version(api_req_t *q, int status, const sim_obj_t *o)
{
    sv_t b = sim_obj_bytes(o);
    sim_api_send_json(q, status, b.p, b.n);
}

/* What the real server's Service REST storage does on create: a cluster
 * IP from 10.96.0.0/12, node ports from 30000-32767, and the defaults
 * clients expect to read back. */
static void service_defaults(sim_api_t *api, cJSON *svc)
{
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(svc, "spec");
    if (!cJSON_IsObject(spec)) {
        cJSON_DeleteItemFromObjectCaseSensitive(svc, "spec");
        spec = cJSON_AddObjectToObject(svc, "spec");
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(spec, "type");
    if (!cJSON_IsString(type)) type = cJSON_AddStringToObject(spec, "type", "ClusterIP");
    const char *t = type->valuestring;
    if (!cJSON_GetObjectItemCaseSensitive(spec, "sessionAffinity")) cJSON_AddStringToObject(spec, "sessionAffinity", "None");
    if (strcmp(t, "ExternalName") != 0) {
        const cJSON *ip = cJSON_GetObjectItemCaseSensitive(spec, "clusterIP");
        char buf[32];
        if (!cJSON_IsString(ip) || !ip->valuestring[0]) {
            uint32_t n = ++api->next_ip;
            snprintf(buf, sizeof buf, "10.96.%u.%u", (n / 254) % 256, n % 254 + 1);
            cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIP");
            ip = cJSON_AddStringToObject(spec, "clusterIP", buf);
        }
        if (!cJSON_GetObjectItemCaseSensitive(spec, "clusterIPs")) {
            cJSON *ips = cJSON_AddArrayToObject(spec, "clusterIPs");
            cJSON_AddItemToArray(ips, cJSON_CreateString(ip->valuestring));
        }
        if (!cJSON_GetObjectItemCaseSensitive(spec, "ipFamilies")) {
            cJSON *f = cJSON_AddArrayToObject(spec, "ipFamilies");
            cJSON_AddItemToArray(f, cJSON_CreateString("IPv4"));
            cJSON_AddStringToObject(spec, "ipFamilyPolicy", "SingleStack");
        }
        if (!cJSON_GetObjectItemCaseSensitive(spec, "internalTrafficPolicy"))
            cJSON_AddStringToObject(spec, "internalTrafficPolicy", "Cluster");
    }
    bool node_ports = !strcmp(t, "NodePort") || !strcmp(t, "LoadBalancer");
    cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports"))
    {
        if (!cJSON_GetObjectItemCaseSensitive(p, "protocol")) cJSON_AddStringToObject(p, "protocol", "TCP");
        const cJSON *port = cJSON_GetObjectItemCaseSensitive(p, "port");
        if (!cJSON_GetObjectItemCaseSensitive(p, "targetPort") && cJSON_IsNumber(port))
            cJSON_AddNumberToObject(p, "targetPort", port->valuedouble);
        if (node_ports && !cJSON_GetObjectItemCaseSensitive(p, "nodePort"))
            cJSON_AddNumberToObject(p, "nodePort", 30000 + (api->next_node_port++ % 2768));
    }
    if (!strcmp(t, "LoadBalancer") || !cJSON_GetObjectItemCaseSensitive(svc, "status")) {
        cJSON_DeleteItemFromObjectCaseSensitive(svc, "status");
        cJSON *st = cJSON_AddObjectToObject(svc, "status");
        cJSON_AddObjectToObject(st, "loadBalancer");
    }
}

static void do_create(api_req_t *q)
{
    err_t err = {0};
    int rc = 0;
    if (q->kind->namespaced && !q->path.ns[0]) {
        sim_api_send_status(q, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        return;
    }
    cJSON *obj = read_body(q, &err, &rc);
    if (!obj) goto fail;
    if ((rc = check_type(q, obj, &err)) < 0) {
        cJSON_Delete(obj);
        goto fail;
    }
    /* Status is the controllers' to write: a create through the API
     * starts without one, as PrepareForCreate does. */
    if ((q->kind->subresources & SIM_SUB_STATUS) && strcmp(q->kind->resource, "namespaces") != 0)
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
    if (!q->kind->group[0] && !strcmp(q->kind->kind, "Service")) service_defaults(q->api, obj);
    sim_write_opts_t o = {.dry_run = dry_run(q->http), .user = q->user.name};
    const sim_obj_t *out = NULL;
    rc = sim_create(q->api->store, q->kind, q->path.ns, obj, &o, &out, &err);
    if (rc < 0) goto fail;
    send_obj_version(q, 201, out);
    return;
fail:
    send_err(q, rc, &err);
}

static void do_update(api_req_t *q, bool status_only)
{
    err_t err = {0};
    int rc = 0;
    cJSON *obj = read_body(q, &err, &rc);
    if (!obj) goto fail;
    if ((rc = check_type(q, obj, &err)) < 0) {
        cJSON_Delete(obj);
        goto fail;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
    if (cJSON_IsString(name) && strcmp(name->valuestring, q->path.name) != 0) {
        rc = err_set(&err, SIM_ERR_BAD_REQUEST, "the name of the object (%s) does not match the name on the URL (%s)",
                     name->valuestring, q->path.name);
        cJSON_Delete(obj);
        goto fail;
    }
    if (!cJSON_IsString(name)) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
        if (!cJSON_IsObject(m)) {
            cJSON_DeleteItemFromObjectCaseSensitive(obj, "metadata");
            m = cJSON_AddObjectToObject(obj, "metadata");
        }
        cJSON_DeleteItemFromObjectCaseSensitive(m, "name");
        cJSON_AddStringToObject(m, "name", q->path.name);
    }
    sim_write_opts_t o = {.dry_run = dry_run(q->http), .user = q->user.name};
    const sim_obj_t *out = NULL;
    rc = status_only ? sim_update_status(q->api->store, q->kind, q->path.ns, obj, &o, &out, &err)
                     : sim_update(q->api->store, q->kind, q->path.ns, obj, &o, &out, &err);
    if (rc < 0) goto fail;
    send_obj_version(q, 200, out);
    return;
fail:
    send_err(q, rc, &err);
}

/* The patch body as JSON (YAML for server-side apply). */
static cJSON *patch_body(api_req_t *q, const char *ct, err_t *err, int *rc)
{
    sv_t body = http_req_body(q->http);
    if (ct && !strncasecmp(ct, "application/apply-patch+yaml", 28)) {
        cJSON *docs = NULL;
        if (sim_yaml_parse(body.p, body.n, "request body", &docs, err) < 0 || cJSON_GetArraySize(docs) != 1) {
            cJSON_Delete(docs);
            *rc = SIM_ERR_BAD_REQUEST;
            if (!err->msg[0]) err_set(err, *rc, "the apply patch must hold exactly one object");
            return NULL;
        }
        cJSON *o = cJSON_DetachItemFromArray(docs, 0);
        cJSON_Delete(docs);
        return o;
    }
    cJSON *o = cJSON_ParseWithLength(body.p, body.n);
    if (!o) *rc = err_set(err, SIM_ERR_BAD_REQUEST, "the body of the request could not be decoded as JSON");
    return o;
}

static void do_patch(api_req_t *q, bool status_only)
{
    err_t err = {0};
    int rc = 0;
    const char *ct = http_req_header(q->http, "Content-Type");
    int type = sim_patch_type(ct);
    if (type < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body of the request was in an unknown format - accepted media types include: "
                                  "application/json-patch+json, application/merge-patch+json, "
                                  "application/apply-patch+yaml");
        sim_api_send_status(q, 415, "UnsupportedMediaType", msg);
        return;
    }
    bool apply = ct && !strncasecmp(ct, "application/apply-patch+yaml", 28);
    cJSON *patch = patch_body(q, ct, &err, &rc);
    if (!patch) goto fail;
    sim_store_t *s = q->api->store;
    cJSON *cur = sim_get_copy(s, q->kind, q->path.ns, q->path.name);
    sim_write_opts_t o = {.dry_run = dry_run(q->http), .user = q->user.name};
    const sim_obj_t *out = NULL;
    if (!cur) {
        if (apply) { /* server-side apply creates */
            if ((rc = check_type(q, patch, &err)) < 0) {
                cJSON_Delete(patch);
                goto fail;
            }
            rc = sim_create(s, q->kind, q->path.ns, patch, &o, &out, &err);
            if (rc < 0) goto fail;
            send_obj_version(q, 201, out);
            return;
        }
        cJSON_Delete(patch);
        not_found(q);
        return;
    }
    cJSON *doc = sim_patch_apply(type, cur, patch, &err);
    cJSON_Delete(patch);
    if (!doc) {
        rc = err.code ? err.code : SIM_ERR_BAD_REQUEST;
        goto fail;
    }
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        rc = err_set(&err, SIM_ERR_BAD_REQUEST, "the patch did not produce an object");
        goto fail;
    }
    rc = status_only ? sim_update_status(s, q->kind, q->path.ns, doc, &o, &out, &err)
                     : sim_update(s, q->kind, q->path.ns, doc, &o, &out, &err);
    if (rc < 0) goto fail;
    send_obj_version(q, 200, out);
    return;
fail:
    send_err(q, rc, &err);
}

static int delete_options(api_req_t *q, sim_delete_opts_t *o, char *pre_uid, char *pre_rv, size_t cap, err_t *err)
{
    memset(o, 0, sizeof *o);
    http_req_t *r = q->http;
    const char *pp = http_req_query(r, "propagationPolicy");
    const char *orphan = http_req_query(r, "orphanDependents");
    o->dry_run = dry_run(r);
    sv_t body = http_req_body(r);
    cJSON *opts = body.n ? cJSON_ParseWithLength(body.p, body.n) : NULL;
    if (body.n && !opts) return err_set(err, SIM_ERR_BAD_REQUEST, "the DeleteOptions body could not be decoded");
    const cJSON *bp = cJSON_GetObjectItemCaseSensitive(opts, "propagationPolicy");
    if (cJSON_IsString(bp)) pp = bp->valuestring;
    const cJSON *bo = cJSON_GetObjectItemCaseSensitive(opts, "orphanDependents");
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(opts, "preconditions");
    const cJSON *pu = cJSON_GetObjectItemCaseSensitive(pre, "uid"), *pr = cJSON_GetObjectItemCaseSensitive(pre, "resourceVersion");
    if (cJSON_IsString(pu)) {
        snprintf(pre_uid, cap, "%s", pu->valuestring);
        o->precondition_uid = pre_uid;
    }
    if (cJSON_IsString(pr)) {
        snprintf(pre_rv, cap, "%s", pr->valuestring);
        o->precondition_rv = pre_rv;
    }
    const cJSON *dr = cJSON_GetObjectItemCaseSensitive(opts, "dryRun");
    if (cJSON_IsArray(dr) && cJSON_GetArraySize(dr) > 0) o->dry_run = true;
    int rc = 0;
    if (pp && *pp) {
        if (!strcmp(pp, "Background")) o->propagation = SIM_PROPAGATE_BACKGROUND;
        else if (!strcmp(pp, "Foreground")) o->propagation = SIM_PROPAGATE_FOREGROUND;
        else if (!strcmp(pp, "Orphan")) o->propagation = SIM_PROPAGATE_ORPHAN;
        else
            rc = err_set(err, ERR_INVALID, "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported "
                                           "value: \"%s\": supported values: \"Foreground\", \"Background\", "
                                           "\"Orphan\"", pp);
    } else if ((cJSON_IsTrue(bo)) || sim_api_parse_bool(orphan)) {
        o->propagation = SIM_PROPAGATE_ORPHAN;
    }
    cJSON_Delete(opts);
    return rc;
}

static void do_delete(api_req_t *q)
{
    err_t err = {0};
    sim_delete_opts_t o;
    char pu[128], pr[64];
    int rc = delete_options(q, &o, pu, pr, sizeof pr, &err);
    if (rc < 0) goto fail;
    const sim_obj_t *out = NULL;
    bool pending = false;
    rc = sim_delete(q->api->store, q->kind, q->path.ns, q->path.name, &o, &out, &pending, &err);
    if (rc < 0) goto fail;
    send_obj_version(q, pending ? 202 : 200, out);
    return;
fail:
    send_err(q, rc, &err);
}

static void do_deletecollection(api_req_t *q)
{
    err_t err = {0};
    sel_pair_t sel = {0};
    sim_delete_opts_t o;
    char pu[128], pr[64];
    int rc = delete_options(q, &o, pu, pr, sizeof pr, &err);
    if (rc < 0) goto fail;
    if ((rc = parse_selectors(q, &sel.l, &sel.f, &err)) < 0) goto fail;
    sim_store_t *s = q->api->store;
    sim_page_t page;
    rc = sim_list_page(s, q->kind, q->path.ns, 0, NULL, 0, (sel.l || sel.f) ? sel_filter : NULL, &sel, &page, &err);
    if (rc < 0) goto fail;
    /* Names first: deleting changes what the page points at. */
    size_t n = page.n;
    char **ns = xcalloc(n + 1, sizeof *ns), **names = xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        ns[i] = xstrdup(sim_obj_namespace(page.items[i]));
        names[i] = xstrdup(sim_obj_name(page.items[i]));
    }
    sim_page_free(&page);
    buf_t b = {0};
    buf_printf(&b, "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"",
               q->kind->list_kind, q->kind->api_version);
    size_t rv_at = b.len;
    buf_puts(&b, "\"},\"items\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const sim_obj_t *out = NULL;
        bool pending;
        err_t e2 = {0};
        if (sim_delete(s, q->kind, ns[i], names[i], &o, &out, &pending, &e2) == 0 && out) {
            sv_t ob = sim_obj_bytes(out);
            if (!first) buf_putc(&b, ',');
            first = false;
            buf_append(&b, ob.p, ob.n);
        }
        free(ns[i]);
        free(names[i]);
    }
    free(ns);
    free(names);
    buf_puts(&b, "]}");
    char rv[32];
    int rvn = snprintf(rv, sizeof rv, "%llu", (unsigned long long)sim_store_rv(s));
    buf_reserve(&b, (size_t)rvn);
    memmove(b.data + rv_at + rvn, b.data + rv_at, b.len - rv_at + 1);
    memcpy(b.data + rv_at, rv, (size_t)rvn);
    b.len += (size_t)rvn;
    sim_selector_free(sel.l);
    sim_selector_free(sel.f);
    sim_api_send_buf(q, 200, &b);
    return;
fail:
    sim_selector_free(sel.l);
    sim_selector_free(sel.f);
    send_err(q, rc, &err);
}

void sim_api_resource(api_req_t *q)
{
    if (!scope_ok(q)) {
        sim_api_send_status(q, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if (!verb_allowed(q->kind, q->verb)) {
        sim_api_send_status(q, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        return;
    }
    const char *v = q->verb;
    if (!strcmp(v, "get")) do_get(q);
    else if (!strcmp(v, "list")) do_list(q);
    else if (!strcmp(v, "create")) do_create(q);
    else if (!strcmp(v, "update")) do_update(q, false);
    else if (!strcmp(v, "patch")) do_patch(q, false);
    else if (!strcmp(v, "delete")) do_delete(q);
    else if (!strcmp(v, "deletecollection")) do_deletecollection(q);
    else sim_api_send_status(q, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

/* For api_sub.c: status subresource. */
void sim_api_status_sub(api_req_t *q)
{
    if (!strcmp(q->verb, "get")) do_get(q);
    else if (!strcmp(q->verb, "update")) do_update(q, true);
    else if (!strcmp(q->verb, "patch")) do_patch(q, true);
    else sim_api_send_status(q, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}
