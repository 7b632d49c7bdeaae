/* test_kube_resil.c — token bucket arithmetic, backoff schedule and jitter
 * bounds, circuit breaker state machine, Retry-After parsing. All with an
 * injected clock: no sleeping, no timing assertions. */
#include <string.h>

#include "kube/resil.h"
#include "test.h"

TEST(bucket_allows_burst_then_paces_at_qps)
{
    kube_bucket_t b;
    kube_bucket_init(&b, 5, 10, 1000); /* client-go's defaults */
    for (int i = 0; i < 10; i++) CHECK_INT(kube_bucket_reserve(&b, 1000), 0);
    /* The 11th waits one token's time (200 ms), the 12th two (400 ms). */
    CHECK_INT(kube_bucket_reserve(&b, 1000), 200);
    CHECK_INT(kube_bucket_reserve(&b, 1000), 400);
    /* After 400 ms both promised tokens are paid; the next waits 200 ms. */
    CHECK_INT(kube_bucket_reserve(&b, 1400), 200);
}

TEST(bucket_refills_but_never_above_burst)
{
    kube_bucket_t b;
    kube_bucket_init(&b, 50, 100, 0);
    for (int i = 0; i < 100; i++) kube_bucket_reserve(&b, 0);
    CHECK(kube_bucket_available(&b, 0) < 0.5);
    CHECK(kube_bucket_available(&b, 1000) > 49.9 && kube_bucket_available(&b, 1000) < 50.1);
    CHECK(kube_bucket_available(&b, 1000000) == 100);
}

TEST(bucket_rate_over_a_long_run_never_exceeds_qps)
{
    /* 1000 back-to-back reservations starting with a full bucket: the last
     * one may go no earlier than (1000 - burst) / qps seconds. */
    kube_bucket_t b;
    kube_bucket_init(&b, 20, 40, 0);
    uint64_t last = 0;
    for (int i = 0; i < 1000; i++) last = kube_bucket_reserve(&b, 0);
    CHECK(last >= (1000 - 40) * 1000 / 20 - 1);
    CHECK(last <= (1000 - 40) * 1000 / 20 + 1);
}

TEST(bucket_with_zero_qps_is_unlimited)
{
    kube_bucket_t b;
    kube_bucket_init(&b, 0, 1, 0);
    for (int i = 0; i < 1000; i++) CHECK_INT(kube_bucket_reserve(&b, 0), 0);
}

TEST(backoff_doubles_up_to_the_cap)
{
    kube_backoff_t b;
    kube_backoff_init(&b, 500, 30000, 0, 42);
    uint64_t want[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) CHECK_INT(kube_backoff_next(&b), want[i]);
    kube_backoff_reset(&b);
    CHECK_INT(kube_backoff_next(&b), 500);
    CHECK_INT(kube_backoff_ceiling(&b, 100), 30000);
}

TEST(backoff_jitter_stays_within_bounds_and_varies)
{
    kube_backoff_t b;
    kube_backoff_init(&b, 1000, 60000, 0.5, 7);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < 2000; i++) {
        b.attempt = 3; /* ceiling 8000 */
        uint64_t d = kube_backoff_next(&b);
        CHECK(d >= 4000 && d <= 8000);
        if (d < lo) lo = d;
        if (d > hi) hi = d;
    }
    /* Spread over most of the range, so clients that failed together do not
     * come back together. */
    CHECK(lo < 4400);
    CHECK(hi > 7600);
}

TEST(breaker_opens_after_threshold_consecutive_failures)
{
    kube_breaker_t br;
    kube_breaker_init(&br, 3, 30000, 1);
    CHECK(kube_breaker_allow(&br, 0));
    CHECK(!kube_breaker_failure(&br, 0));
    CHECK(!kube_breaker_failure(&br, 0));
    kube_breaker_success(&br, 0); /* resets the count */
    CHECK(!kube_breaker_failure(&br, 0));
    CHECK(!kube_breaker_failure(&br, 0));
    CHECK(kube_breaker_failure(&br, 0)); /* third in a row: opens */
    CHECK_INT(kube_breaker_state(&br, 0), KUBE_BREAKER_OPEN);
    CHECK(!kube_breaker_allow(&br, 0));
    CHECK(!kube_breaker_allow_probe(&br, 0));
}

TEST(breaker_half_open_allows_one_probe_and_its_outcome_decides)
{
    kube_breaker_t br;
    kube_breaker_init(&br, 1, 30000, 1);
    kube_breaker_failure(&br, 0);
    uint64_t wait = kube_breaker_wait_ms(&br, 0);
    CHECK(wait >= 800 && wait <= 1000); /* first interval: 1 s, jitter 20% */
    CHECK_INT(kube_breaker_state(&br, wait - 1), KUBE_BREAKER_OPEN);
    CHECK_INT(kube_breaker_state(&br, wait), KUBE_BREAKER_HALF_OPEN);
    CHECK(!kube_breaker_allow(&br, wait)); /* ordinary requests still wait */
    CHECK(kube_breaker_allow_probe(&br, wait));
    CHECK(!kube_breaker_allow_probe(&br, wait)); /* only one */
    /* The probe fails: open again, for longer. */
    CHECK(kube_breaker_failure(&br, wait));
    uint64_t wait2 = kube_breaker_wait_ms(&br, wait);
    CHECK(wait2 >= 1600 && wait2 <= 2000);
    uint64_t t = wait + wait2;
    CHECK(kube_breaker_allow_probe(&br, t));
    CHECK(kube_breaker_success(&br, t));
    CHECK_INT(kube_breaker_state(&br, t), KUBE_BREAKER_CLOSED);
    CHECK(kube_breaker_allow(&br, t));
    /* Closing resets the probe interval. */
    kube_breaker_failure(&br, t);
    CHECK(kube_breaker_wait_ms(&br, t) <= 1000);
}

TEST(breaker_probe_interval_is_capped)
{
    kube_breaker_t br;
    kube_breaker_init(&br, 1, 5000, 3);
    uint64_t t = 0;
    kube_breaker_failure(&br, t);
    for (int i = 0; i < 20; i++) {
        t += kube_breaker_wait_ms(&br, t);
        CHECK(kube_breaker_allow_probe(&br, t));
        kube_breaker_failure(&br, t);
        CHECK(kube_breaker_wait_ms(&br, t) <= 5000);
    }
}

TEST(retry_after_seconds_and_http_date)
{
    CHECK_INT(kube_retry_after_ms("3", 0, 60000), 3000);
    CHECK_INT(kube_retry_after_ms(" 0 ", 0, 60000), 0);
    CHECK_INT(kube_retry_after_ms("86400", 0, 60000), 60000);
    CHECK_INT(kube_retry_after_ms("soon", 0, 60000), -1);
    CHECK_INT(kube_retry_after_ms("-1", 0, 60000), -1);
    CHECK_INT(kube_retry_after_ms(NULL, 0, 60000), -1);
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    CHECK_INT(kube_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111770, 60000), 7000);
    CHECK_INT(kube_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111800, 60000), 0);
}

TEST_MAIN()
