/* glue.c — the thin layer between core/http and the plugin routes.
 *
 * Each plugin route is registered with http_route under its full pattern
 * (so the router's 404/405 and the metrics' route label are right) with the
 * host itself as ud: the host outlives every plugin set, so a swap never
 * leaves the router holding a dangling pointer. The handler copies the
 * request into a script_http_req_t and sends what script_host_dispatch made.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "script/script_int.h"

static bool set_has_route(const script_set_t *s, const char *method, const char *pattern)
{
    for (size_t i = 0; s && i < s->n; i++)
        for (size_t j = 0; j < s->plugins[i]->nroutes; j++) {
            const script_route_t *r = &s->plugins[i]->routes[j];
            if (!strcmp(r->method, method) && !strcmp(r->pattern, pattern)) return true;
        }
    return false;
}

void script_glue_register(http_server_t *http, script_set_t *old_set, script_set_t *new_set, script_host_t *h)
{
    if (!http) return;
    for (size_t i = 0; old_set && i < old_set->n; i++)
        for (size_t j = 0; j < old_set->plugins[i]->nroutes; j++) {
            const script_route_t *r = &old_set->plugins[i]->routes[j];
            if (!set_has_route(new_set, r->method, r->pattern)) http_unroute(http, r->method, r->pattern);
        }
    for (size_t i = 0; new_set && i < new_set->n; i++)
        for (size_t j = 0; j < new_set->plugins[i]->nroutes; j++) {
            const script_route_t *r = &new_set->plugins[i]->routes[j];
            if (http_route(http, r->method, r->pattern, script_glue_handler, h) != 0)
                log_error("plugin route rejected by the router", "plugin=%s method=%s pattern=%s",
                          new_set->plugins[i]->name, r->method, r->pattern);
        }
}

typedef struct hdrs {
    script_header_t *v;
    size_t n, cap;
} hdrs_t;

static bool collect_header(sv_t name, sv_t value, void *ud)
{
    hdrs_t *h = ud;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->v = xrealloc(h->v, h->cap * sizeof *h->v);
    }
    h->v[h->n++] = (script_header_t){name, value};
    return true;
}

void script_glue_handler(http_req_t *r, void *ud)
{
    script_host_t *h = ud;
    hdrs_t hd = {0};
    http_req_headers_each(r, collect_header, &hd);
    script_http_req_t req = {
        .method = http_req_method(r),
        .raw_path = http_req_raw_path(r),
        .query = http_req_query_string(r),
        .headers = hd.v,
        .nheaders = hd.n,
        .body = http_req_body(r),
        .user = script_host_user(h, r),
        .request_id = http_req_id(r),
    };
    script_http_res_t res;
    script_host_dispatch(h, &req, &res);
    free(hd.v);
    for (size_t i = 0; i < res.nheaders; i++) http_res_header(r, res.header_names[i], res.header_values[i]);
    if (res.error_code) {
        http_res_error(r, res.status, res.error_code, res.error_message, NULL);
    } else {
        const char *ct = res.content_type ? res.content_type : "text/plain; charset=utf-8";
        buf_t body = res.body; /* ownership passes to the server */
        memset(&res.body, 0, sizeof res.body);
        http_res_send_buf(r, res.status, ct, &body);
    }
    script_http_res_free(&res);
}
