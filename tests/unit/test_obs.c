/* test_obs.c — the Prometheus registry and its text format. */
#include "obs/obs.h"
#include "test.h"

TEST(counter_with_labels_renders_text_format)
{
    obs_registry_t *r = obs_registry_new();
    obs_metric_t *c = obs_counter(r, "http_requests_total", "Requests served.", "route,code");
    obs_add(c, 1, (const char *[]){"/healthz", "200"});
    obs_add(c, 2, (const char *[]){"/healthz", "200"});
    obs_add(c, 1, (const char *[]){"/x\"y", "404"});
    buf_t b = {0};
    obs_render(r, &b);
    CHECK(strstr(b.data, "# TYPE http_requests_total counter\n") != NULL);
    CHECK(strstr(b.data, "http_requests_total{route=\"/healthz\",code=\"200\"} 3\n") != NULL);
    CHECK(strstr(b.data, "http_requests_total{route=\"/x\\\"y\",code=\"404\"} 1\n") != NULL);
    CHECK_INT((long)obs_value(c, (const char *[]){"/healthz", "200"}), 3);
    buf_free(&b);
    obs_registry_free(r);
}

TEST(histogram_buckets_are_cumulative)
{
    obs_registry_t *r = obs_registry_new();
    double bounds[] = {0.1, 1};
    obs_metric_t *h = obs_histogram(r, "d_seconds", "Durations.", NULL, bounds, 2);
    obs_observe(h, 0.05, NULL);
    obs_observe(h, 0.5, NULL);
    obs_observe(h, 5, NULL);
    buf_t b = {0};
    obs_render(r, &b);
    CHECK(strstr(b.data, "d_seconds_bucket{le=\"0.1\"} 1\n") != NULL);
    CHECK(strstr(b.data, "d_seconds_bucket{le=\"1\"} 2\n") != NULL);
    CHECK(strstr(b.data, "d_seconds_bucket{le=\"+Inf\"} 3\n") != NULL);
    CHECK(strstr(b.data, "d_seconds_count 3\n") != NULL);
    CHECK(strstr(b.data, "d_seconds_sum 5.55") != NULL);
    buf_free(&b);
    obs_registry_free(r);
}

TEST(series_limit_drops_and_counts)
{
    obs_registry_t *r = obs_registry_new();
    obs_metric_t *g = obs_gauge(r, "g", "A gauge.", "k");
    char v[32];
    for (int i = 0; i < OBS_MAX_SERIES + 5; i++) {
        snprintf(v, sizeof v, "%d", i);
        obs_set(g, i, (const char *[]){v});
    }
    buf_t b = {0};
    obs_render(r, &b);
    CHECK(strstr(b.data, "obs_series_dropped_total{metric=\"g\"} 5\n") != NULL);
    obs_remove(g, (const char *[]){"3"});
    CHECK_INT((long)obs_value(g, (const char *[]){"3"}), 0);
    buf_free(&b);
    obs_registry_free(r);
}

TEST(reregistering_returns_same_metric_and_rss_is_positive)
{
    obs_registry_t *r = obs_registry_new();
    obs_metric_t *a = obs_counter(r, "c_total", "C.", "");
    CHECK(obs_counter(r, "c_total", "C.", "") == a);
    CHECK(obs_gauge(r, "c_total", "C.", "") == NULL);
    CHECK(obs_process_rss_bytes() > 1e6);
    obs_registry_free(r);
}

TEST_MAIN()
