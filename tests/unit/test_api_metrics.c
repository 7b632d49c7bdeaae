/* test_api_metrics.c — quantities and the sparkline rings. */
#include "api/metrics.h"
#include "test.h"

static double q(const char *s)
{
    double v = -1;
    CHECK(api_quantity(s, &v));
    return v;
}

TEST(quantities_in_every_suffix)
{
    CHECK(q("250m") == 0.25);
    CHECK(q("1") == 1);
    CHECK(q("1500000n") > 0.0014 && q("1500000n") < 0.0016);
    CHECK(q("1Ki") == 1024);
    CHECK(q("64Mi") == 64.0 * 1048576);
    CHECK(q("1Gi") == 1073741824.0);
    CHECK(q("2k") == 2000);
    CHECK(q("1e3") == 1000);
    CHECK(q("0.5") == 0.5);
    double v;
    CHECK(!api_quantity("", &v));
    CHECK(!api_quantity("12Q", &v));
    CHECK(!api_quantity("Mi", &v));
    CHECK(!api_quantity(NULL, &v));
}

TEST(samples_closer_than_the_interval_replace_the_newest)
{
    api_mring_t r = {0};
    api_mring_add(&r, 1000, 60, 10, 100);
    api_mring_add(&r, 1030, 60, 20, 200);
    CHECK_INT(r.n, 1);
    api_mring_add(&r, 1061, 60, 30, 300);
    CHECK_INT(r.n, 2);
    buf_t b = {0};
    api_mring_json(&r, 1100, &b);
    CHECK_STR(b.data, "[[1000000,20.000,200],[1061000,30.000,300]]");
    buf_free(&b);
}

TEST(the_ring_holds_one_hour)
{
    api_mring_t r = {0};
    for (int i = 0; i < 200; i++) api_mring_add(&r, 100000 + i * 60, 60, i, i);
    CHECK_INT(r.n, API_METRICS_SLOTS);
    buf_t b = {0};
    int64_t now = 100000 + 199 * 60;
    api_mring_json(&r, now, &b);
    /* oldest kept is the 140th sample */
    CHECK(strncmp(b.data, "[[108400000,140.000,140]", 24) == 0);
    buf_reset(&b);
    /* two hours later nothing is young enough */
    api_mring_json(&r, now + 7200, &b);
    CHECK_STR(b.data, "[]");
    buf_free(&b);
}

TEST_MAIN()
