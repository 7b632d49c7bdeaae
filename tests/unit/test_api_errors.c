/* test_api_errors.c — cluster answers map onto the API error contract. */
#include "api/errors.h"
#include "base/err.h"
#include "test.h"

TEST(forbidden_status_passes_the_clusters_message_through)
{
    const char *body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
                       "\"pods \\\"web\\\" is forbidden: User \\\"ann\\\" cannot get resource \\\"pods\\\" in "
                       "namespace \\\"payments\\\"\",\"reason\":\"Forbidden\",\"code\":403}";
    api_error_t e;
    api_error_from_cluster(403, body, strlen(body), NULL, "c1", &e);
    CHECK_INT(e.status, 403);
    CHECK_STR(e.code, "forbidden");
    CHECK_STR(e.message, "pods \"web\" is forbidden: User \"ann\" cannot get resource \"pods\" in namespace \"payments\"");
}

TEST(throttling_keeps_retry_after_and_upstream_failures_are_502)
{
    api_error_t e;
    api_error_from_cluster(429, "{}", 2, "7", "c1", &e);
    CHECK_INT(e.status, 429);
    CHECK_STR(e.code, "rate_limited");
    CHECK_INT(e.retry_after_s, 7);
    api_error_from_cluster(500, "<html>oops</html>", 17, NULL, "c1", &e);
    CHECK_INT(e.status, 502);
    CHECK_STR(e.code, "cluster_error");
    CHECK_STR(e.message, "cluster c1 answered HTTP 500");
}

TEST(transport_failures_say_unreachable_or_timeout)
{
    api_error_t e;
    api_error_from_transport(ERR_TIMEOUT, "no answer within 30 s", "prod", &e);
    CHECK_INT(e.status, 504);
    CHECK_STR(e.code, "timeout");
    CHECK(strstr(e.message, "prod") && strstr(e.message, "30 s"));
    api_error_from_transport(ERR_UNAVAILABLE, "connection refused", "prod", &e);
    CHECK_INT(e.status, 502);
    CHECK_STR(e.code, "cluster_unreachable");
    CHECK_STR(e.message, "cluster prod is unreachable: connection refused");
}

TEST_MAIN()
