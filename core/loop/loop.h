/* loop.h — ownership of the libuv loop, signals and timers.
 *
 * One kb_loop_t per process, created by main and passed explicitly to every
 * module that needs the loop (there is no global loop). It turns SIGINT and
 * SIGTERM into one "drain" callback (a second signal while draining exits at
 * once with code 1) and SIGHUP into a "reload" callback.
 *
 * Lifecycle: kb_loop_init → kb_loop_on_signals → kb_loop_run (returns when
 * no active handles remain, or after kb_loop_stop) → kb_loop_close (closes
 * every remaining handle, runs their close callbacks, frees nothing it does
 * not own).
 *
 * Stall monitor (kb_loop_monitor_start): everything in the process shares
 * this one thread, so a callback that runs for seconds delays every watch
 * event, HTTP response and timer behind it. A repeating timer measures how
 * late it fires; each lateness is observed in the histogram
 * kubilitics_loop_lag_seconds of the registry given, and a lateness over
 * warn_ms is logged as a warning ("event loop stalled", ms=…) so an operator
 * can find it next to what the log says was happening.
 */
#ifndef KB_LOOP_H
#define KB_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/err.h"

struct obs_registry;
struct obs_metric;

typedef struct kb_loop_monitor {
    uv_timer_t timer; /* embedded: the kb_loop_t outlives the loop */
    struct obs_metric *lag;
    uint64_t interval_ms, warn_ms;
    uint64_t due_ns; /* when the timer should fire next (uv_hrtime clock) */
    uint64_t stalls; /* latenesses over warn_ms since start */
    double max_s;    /* worst lateness since start */
    bool on;
} kb_loop_monitor_t;

typedef struct kb_loop {
    uv_loop_t uv;
    uv_signal_t sig_int, sig_term, sig_hup;
    void (*on_drain)(void *ud);
    void (*on_reload)(void *ud);
    void *ud;
    bool draining;
    int signals_started;
    kb_loop_monitor_t mon;
} kb_loop_t;

int kb_loop_init(kb_loop_t *l, err_t *err);
/* Install the signal callbacks; either may be NULL. */
int kb_loop_on_signals(kb_loop_t *l, void (*on_drain)(void *), void (*on_reload)(void *), void *ud);
/* Stop listening for signals (part of shutdown; lets the loop end). */
void kb_loop_signals_off(kb_loop_t *l);
int kb_loop_run(kb_loop_t *l);
void kb_loop_stop(kb_loop_t *l);
/* Close every handle still open and run the loop until they are gone. */
void kb_loop_close(kb_loop_t *l);

/* Start the stall monitor: a timer every interval_ms (0 → 100) whose
 * lateness goes to kubilitics_loop_lag_seconds in reg (NULL: no metric, the
 * warnings only); lateness over warn_ms (0 → 250) is logged. The timer does
 * not keep the loop alive. Calling it again while running does nothing. */
void kb_loop_monitor_start(kb_loop_t *l, struct obs_registry *reg, uint64_t interval_ms, uint64_t warn_ms);
/* Stop it (before the registry given goes away). Safe when not started. */
void kb_loop_monitor_stop(kb_loop_t *l);
/* Lateness of the monitor timer that just fired, in seconds, from the
 * time it was due and the time it ran; what the monitor observes. Exposed
 * for tests. */
double kb_loop__lateness(uint64_t due_ns, uint64_t now_ns);

/* A heap timer that frees itself once stopped: the common "run this later"
 * or "every N ms" without the caller managing a uv_timer_t's memory. */
typedef struct kb_timer kb_timer_t;
/* Calls fn after delay_ms, then every repeat_ms (0 = once; a one-shot timer
 * frees itself after fn returns). */
kb_timer_t *kb_timer_start(kb_loop_t *l, uint64_t delay_ms, uint64_t repeat_ms, void (*fn)(void *ud), void *ud);
/* Stop and free (safe from inside fn). NULL is ignored. */
void kb_timer_stop(kb_timer_t *t);

#endif
