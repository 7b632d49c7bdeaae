/* test_loop_monitor.c — core/loop's stall monitor: lateness arithmetic, a
 * callback that holds the loop shows up in kubilitics_loop_lag_seconds, and
 * the monitor neither keeps the loop alive nor survives its stop. */
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "loop/loop.h"
#include "obs/obs.h"
#include "test.h"

TEST(lateness_counts_from_the_due_time_and_never_goes_negative)
{
    CHECK(kb_loop__lateness(1000000000ull, 1250000000ull) == 0.25);
    CHECK(kb_loop__lateness(1000000000ull, 1000000000ull) == 0);
    CHECK(kb_loop__lateness(1000000000ull, 999000000ull) == 0); /* fired early */
}

static void hold_loop(void *ud)
{
    /* A stall: the loop is held for 400 ms of wall time. */
    (void)ud;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000ll + (t.tv_nsec - t0.tv_nsec) < 400000000ll);
}

static void stop_loop(void *ud) { kb_loop_stop(ud); }

/* The histogram's cumulative count for bucket le in the rendered text. */
static long bucket(const char *text, const char *le)
{
    char key[96];
    snprintf(key, sizeof key, "kubilitics_loop_lag_seconds_bucket{le=\"%s\"} ", le);
    const char *p = strstr(text, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

TEST(a_callback_that_holds_the_loop_is_observed_as_a_stall)
{
    kb_loop_t l;
    err_t err;
    CHECK_INT(kb_loop_init(&l, &err), 0);
    obs_registry_t *reg = obs_registry_new();
    kb_loop_monitor_start(&l, reg, 50, 250);
    kb_timer_start(&l, 120, 0, hold_loop, NULL);
    kb_timer_start(&l, 700, 0, stop_loop, &l);
    kb_loop_run(&l);
    buf_t out = {0};
    obs_render(reg, &out);
    const char *text = buf_cstr(&out);
    /* The monitor's timer was due at most 50 ms into the 400 ms hold, so it
     * ran at least 350 ms late (a lower bound: a loaded machine only adds). */
    long total = bucket(text, "+Inf"), under_250ms = bucket(text, "0.25");
    CHECK(total >= 2);
    CHECK(total - under_250ms >= 1);
    CHECK(l.mon.stalls >= 1);
    CHECK(l.mon.max_s >= 0.3);
    kb_loop_monitor_stop(&l);
    kb_loop_close(&l);
    obs_registry_free(reg);
    buf_free(&out);
}

TEST(the_monitor_does_not_keep_the_loop_alive_and_stops_cleanly)
{
    kb_loop_t l;
    err_t err;
    CHECK_INT(kb_loop_init(&l, &err), 0);
    kb_loop_monitor_start(&l, NULL, 10, 0);
    kb_loop_monitor_start(&l, NULL, 10, 0); /* a second start does nothing */
    /* nothing else is active: run returns at once instead of ticking for ever */
    CHECK_INT(kb_loop_run(&l), 0);
    kb_loop_monitor_stop(&l);
    kb_loop_monitor_stop(&l); /* safe twice */
    CHECK(!l.mon.on);
    kb_loop_close(&l);
}

TEST_MAIN()
