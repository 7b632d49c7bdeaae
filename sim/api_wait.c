/* api_wait.c — requests for a resourceVersion the store has not reached.
 *
 * kube-apiserver serves reads from its watch cache. A LIST with
 * resourceVersion=X (NotOlderThan, or no resourceVersionMatch) or a
 * watch-list (sendInitialEvents=true) from X, where X is newer than the
 * cache, waits up to blockTimeout (3 s) for the cache to catch up, and then
 * fails with
 *   504 Timeout, message "Timeout: Too large resource version: X, current: Y",
 *   details {causes: [{reason: ResourceVersionTooLarge,
 *                      message: "Too large resource version"}],
 *            retryAfterSeconds: 1}
 * (apiserver storage.NewTooLargeResourceVersionError; a LIST gets it as the
 * HTTP response, a watch as one ERROR event on its 200 stream). A plain
 * watch from X does not wait: it is established and delivers the changes
 * after X as they come.
 *
 * sim_api_wait_rv holds a request here, polling the store every
 * RV_POLL_MS, and hands it back to its handler — which runs again, now
 * fresh — or reports the timeout. The request is owned by the wait until
 * then; a client that goes away frees it here. Shutdown ends every wait as
 * a timeout, so nothing outlives the server.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"

#define RV_WAIT_MS 3000 /* kube-apiserver's watch cache blockTimeout */
#define RV_POLL_MS 20

struct api_rvwait {
    struct api_rvwait *prev, *next;
    sim_api_t *api;
    uv_timer_t timer;
    api_req_t *q; /* NULL once the client went away */
    uint64_t rv, deadline_ms;
    sim_api_resume_fn resume;
};

void sim_api_too_large_json(buf_t *b, uint64_t want, uint64_t cur)
{
    buf_printf(
        b,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        "\"Timeout: Too large resource version: %llu, current: %llu\",\"reason\":\"Timeout\",\"details\":"
        "{\"causes\":[{\"reason\":\"ResourceVersionTooLarge\",\"message\":\"Too large resource version\"}],"
        "\"retryAfterSeconds\":1},\"code\":504}",
        (unsigned long long)want, (unsigned long long)cur);
}

void sim_api_send_too_large(api_req_t *q, uint64_t want)
{
    buf_t b = {0};
    sim_api_too_large_json(&b, want, sim_store_rv(q->api->store));
    http_res_header(q->http, "Retry-After", "1");
    sim_api_send_buf(q, 504, &b);
}

static void wait_closed(uv_handle_t *h)
{
    free(h->data);
}

/* Unlink and close; the request (if any) goes back to the caller. */
static api_req_t *wait_end(api_rvwait_t *w)
{
    sim_api_t *api = w->api;
    if (w->prev)
        w->prev->next = w->next;
    else
        api->rvwaits = w->next;
    if (w->next) w->next->prev = w->prev;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, wait_closed);
    api_req_t *q = w->q;
    if (q) http_req_on_abort(q->http, NULL, NULL);
    return q;
}

static void wait_poll(uv_timer_t *t)
{
    api_rvwait_t *w = t->data;
    bool fresh = sim_store_rv(w->api->store) >= w->rv;
    if (!fresh && clock_mono_ms() < w->deadline_ms) return;
    sim_api_resume_fn resume = w->resume;
    api_req_t *q = wait_end(w);
    if (q) resume(q, fresh);
}

static void wait_abort(http_req_t *r, void *ud)
{
    api_rvwait_t *w = ud;
    api_req_t *q = w->q;
    w->q = NULL;
    wait_end(w);
    q->api->inflight--;
    sim_api_req_free(q);
}

void sim_api_wait_rv(api_req_t *q, uint64_t rv, sim_api_resume_fn resume)
{
    sim_api_t *api = q->api;
    if (api->shutting_down) {
        resume(q, false);
        return;
    }
    api_rvwait_t *w = xcalloc(1, sizeof *w);
    w->api = api;
    w->q = q;
    w->rv = rv;
    w->resume = resume;
    w->deadline_ms = clock_mono_ms() + RV_WAIT_MS;
    w->next = api->rvwaits;
    if (api->rvwaits) api->rvwaits->prev = w;
    api->rvwaits = w;
    uv_timer_init(api->ctx->loop, &w->timer);
    w->timer.data = w;
    uv_timer_start(&w->timer, wait_poll, RV_POLL_MS, RV_POLL_MS);
    http_req_on_abort(q->http, wait_abort, w);
}

void sim_api_wait_shutdown_all(sim_api_t *api)
{
    while (api->rvwaits) {
        api_rvwait_t *w = api->rvwaits;
        sim_api_resume_fn resume = w->resume;
        api_req_t *q = wait_end(w);
        if (q) resume(q, false);
    }
}
