/* loop.c — the process's libuv loop, signals and self-freeing timers; see loop.h. */
#include "loop.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "obs/obs.h"

static void on_signal(uv_signal_t *h, int signum)
{
    kb_loop_t *l = h->data;
    if (signum == SIGHUP) {
        log_info("reload requested", "signal=%s", "SIGHUP");
        if (l->on_reload) l->on_reload(l->ud);
        return;
    }
    if (l->draining) {
        log_warn("second stop signal: exiting now", "signal=%d", signum);
        exit(1);
    }
    l->draining = true;
    log_info("draining", "signal=%s", signum == SIGINT ? "SIGINT" : "SIGTERM");
    if (l->on_drain) l->on_drain(l->ud);
    else kb_loop_stop(l);
}

int kb_loop_init(kb_loop_t *l, err_t *err)
{
    memset(l, 0, sizeof *l);
    /* A peer that leaves while we write must fail that write with EPIPE,
     * not kill the process with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    int rc = uv_loop_init(&l->uv);
    if (rc) return err_set(err, ERR_INTERNAL, "event loop: %s", uv_strerror(rc));
    l->uv.data = l;
    return 0;
}

int kb_loop_on_signals(kb_loop_t *l, void (*on_drain)(void *), void (*on_reload)(void *), void *ud)
{
    l->on_drain = on_drain;
    l->on_reload = on_reload;
    l->ud = ud;
    if (l->signals_started) return 0;
    uv_signal_t *hs[] = {&l->sig_int, &l->sig_term, &l->sig_hup};
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) {
        uv_signal_init(&l->uv, hs[i]);
        hs[i]->data = l;
        uv_signal_start(hs[i], on_signal, sigs[i]);
        /* Signals must not keep the loop alive once everything else is done. */
        uv_unref((uv_handle_t *)hs[i]);
    }
    l->signals_started = 1;
    return 0;
}

void kb_loop_signals_off(kb_loop_t *l)
{
    if (!l->signals_started) return;
    uv_close((uv_handle_t *)&l->sig_int, NULL);
    uv_close((uv_handle_t *)&l->sig_term, NULL);
    uv_close((uv_handle_t *)&l->sig_hup, NULL);
    l->signals_started = 0;
}

int kb_loop_run(kb_loop_t *l) { return uv_run(&l->uv, UV_RUN_DEFAULT); }

void kb_loop_stop(kb_loop_t *l) { uv_stop(&l->uv); }

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

void kb_loop_close(kb_loop_t *l)
{
    kb_loop_monitor_stop(l);
    kb_loop_signals_off(l);
    /* Owners should have closed their handles; anything left is closed here
     * without a callback, which is only safe for handles embedded in memory
     * that outlives the loop. Warn so the leak gets fixed. */
    uv_run(&l->uv, UV_RUN_NOWAIT);
    uv_walk(&l->uv, close_any, NULL);
    uv_run(&l->uv, UV_RUN_DEFAULT);
    if (uv_loop_close(&l->uv) == UV_EBUSY) log_warn("event loop closed with busy handles", "");
}

/* ---- stall monitor ---- */

/* Upper bounds in seconds: fine where a healthy loop lives (a timer is a
 * millisecond or two late when the loop is busy with ordinary work), coarse
 * where a stall is an incident. */
static const double lag_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                     0.25,  0.5,    1,     2.5,  5,     10,   30};

double kb_loop__lateness(uint64_t due_ns, uint64_t now_ns)
{
    return now_ns > due_ns ? (double)(now_ns - due_ns) / 1e9 : 0;
}

static void monitor_fire(uv_timer_t *h)
{
    kb_loop_t *l = h->data;
    kb_loop_monitor_t *m = &l->mon;
    uint64_t now = uv_hrtime();
    double late = kb_loop__lateness(m->due_ns, now);
    if (m->lag) obs_observe(m->lag, late, NULL);
    if (late > m->max_s) m->max_s = late;
    if (late * 1000 > (double)m->warn_ms) {
        m->stalls++;
        log_warn("event loop stalled", "ms=%.0f stalls=%llu", late * 1000, (unsigned long long)m->stalls);
    }
    /* Re-armed from now, not from when it was due: a stall is counted once,
     * not once per interval it covered. */
    m->due_ns = now + m->interval_ms * 1000000ull;
    uv_timer_start(&m->timer, monitor_fire, m->interval_ms, 0);
}

void kb_loop_monitor_start(kb_loop_t *l, obs_registry_t *reg, uint64_t interval_ms, uint64_t warn_ms)
{
    kb_loop_monitor_t *m = &l->mon;
    if (m->on) return;
    m->interval_ms = interval_ms ? interval_ms : 100;
    m->warn_ms = warn_ms ? warn_ms : 250;
    m->lag = reg ? obs_histogram(reg, "kubilitics_loop_lag_seconds",
                                 "How late the event loop ran a timer due every 100 ms: time the loop spent "
                                 "in other work (a stall) before it could.",
                                 NULL, lag_buckets, sizeof lag_buckets / sizeof lag_buckets[0])
                 : NULL;
    uv_timer_init(&l->uv, &m->timer);
    m->timer.data = l;
    /* libuv's loop time is cached at the start of each iteration; the due
     * time is kept on the hrtime clock so that it does not include the time
     * the current callback has already run. */
    m->due_ns = uv_hrtime() + m->interval_ms * 1000000ull;
    uv_timer_start(&m->timer, monitor_fire, m->interval_ms, 0);
    uv_unref((uv_handle_t *)&m->timer);
    m->on = true;
}

void kb_loop_monitor_stop(kb_loop_t *l)
{
    kb_loop_monitor_t *m = &l->mon;
    if (!m->on) return;
    m->on = false;
    m->lag = NULL;
    uv_timer_stop(&m->timer);
    uv_close((uv_handle_t *)&m->timer, NULL);
}

struct kb_timer {
    uv_timer_t h;
    void (*fn)(void *);
    void *ud;
    bool once, stopped, running;
};

static void timer_closed(uv_handle_t *h) { free(h->data); }

static void timer_fire(uv_timer_t *h)
{
    kb_timer_t *t = h->data;
    t->running = true;
    t->fn(t->ud);
    t->running = false;
    if (t->once && !t->stopped) kb_timer_stop(t);
}

kb_timer_t *kb_timer_start(kb_loop_t *l, uint64_t delay_ms, uint64_t repeat_ms, void (*fn)(void *), void *ud)
{
    kb_timer_t *t = xcalloc(1, sizeof *t);
    uv_timer_init(&l->uv, &t->h);
    t->h.data = t;
    t->fn = fn;
    t->ud = ud;
    t->once = repeat_ms == 0;
    uv_timer_start(&t->h, timer_fire, delay_ms, repeat_ms);
    return t;
}

void kb_timer_stop(kb_timer_t *t)
{
    if (!t || t->stopped) return;
    t->stopped = true;
    uv_timer_stop(&t->h);
    uv_close((uv_handle_t *)&t->h, timer_closed);
}
