/* test_api_ratelimit.c — per-user token buckets. */
#include "api/ratelimit.h"
#include "test.h"

TEST(burst_then_refusal_with_retry_after)
{
    api_ratelimit_t rl;
    api_ratelimit_init(&rl, 2, 3);
    int ra = 0;
    for (int i = 0; i < 3; i++) CHECK(api_ratelimit_take(&rl, "ann", 1000, &ra));
    CHECK(!api_ratelimit_take(&rl, "ann", 1000, &ra));
    CHECK_INT(ra, 1);
    /* half a second at 2/s gives one token back */
    CHECK(api_ratelimit_take(&rl, "ann", 1500, &ra));
    CHECK(!api_ratelimit_take(&rl, "ann", 1500, &ra));
    api_ratelimit_free(&rl);
}

TEST(users_have_separate_buckets)
{
    api_ratelimit_t rl;
    api_ratelimit_init(&rl, 1, 1);
    int ra;
    CHECK(api_ratelimit_take(&rl, "ann", 0, &ra));
    CHECK(!api_ratelimit_take(&rl, "ann", 0, &ra));
    CHECK(api_ratelimit_take(&rl, "bob", 0, &ra));
    api_ratelimit_free(&rl);
}

TEST(slow_refill_reports_whole_seconds_to_wait)
{
    api_ratelimit_t rl;
    api_ratelimit_init(&rl, 0.1, 1);
    int ra = 0;
    CHECK(api_ratelimit_take(&rl, "ann", 0, &ra));
    CHECK(!api_ratelimit_take(&rl, "ann", 0, &ra));
    CHECK_INT(ra, 10);
    api_ratelimit_free(&rl);
}

TEST(idle_users_are_forgotten_so_the_table_stays_bounded)
{
    api_ratelimit_t rl;
    api_ratelimit_init(&rl, 10, 10);
    int ra;
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "user-%d", i);
        /* each user makes one request, one second apart: full again by the next sweep */
        api_ratelimit_take(&rl, name, (int64_t)i * 1000, &ra);
    }
    CHECK(rl.buckets.len <= 1025);
    api_ratelimit_free(&rl);
}

TEST(zero_qps_means_no_limit)
{
    api_ratelimit_t rl;
    api_ratelimit_init(&rl, 0, 1);
    int ra;
    for (int i = 0; i < 1000; i++) CHECK(api_ratelimit_take(&rl, "ann", 0, &ra));
    api_ratelimit_free(&rl);
}

TEST_MAIN()
