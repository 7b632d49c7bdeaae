/* test_api_wsmsg.c — WebSocket client message validation. */
#include "api/wsmsg.h"
#include "test.h"

static int parse(const char *s, api_wsmsg_t *m, err_t *e)
{
    memset(e, 0, sizeof *e);
    return api_wsmsg_parse(s, strlen(s), m, e);
}

TEST(full_subscribe_is_parsed)
{
    api_wsmsg_t m;
    err_t e;
    CHECK_INT(parse("{\"op\":\"subscribe\",\"id\":\"s1\",\"cluster\":\"c1\",\"namespace\":\"shop\",\"focus\":"
                    "\"Deployment.apps/shop/web\",\"depth\":3,\"since\":\"123\",\"extra\":true}",
                    &m, &e),
              0);
    CHECK_INT(m.op, API_WS_SUBSCRIBE);
    CHECK_STR(m.id, "s1");
    CHECK_STR(m.cluster, "c1");
    CHECK_STR(m.ns, "shop");
    CHECK_STR(m.focus, "Deployment.apps/shop/web");
    CHECK_INT(m.depth, 3);
    CHECK(m.has_since);
    CHECK_INT(m.since, 123);
}

TEST(nulls_mean_absent_and_numbers_are_accepted_for_since)
{
    api_wsmsg_t m;
    err_t e;
    CHECK_INT(parse("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"namespace\":null,\"focus\":null,\"since\":null}",
                    &m, &e),
              0);
    CHECK_STR(m.ns, "");
    CHECK(!m.has_since);
    CHECK_INT(m.depth, 1);
    CHECK_INT(parse("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"since\":42}", &m, &e), 0);
    CHECK_INT(m.since, 42);
    CHECK_INT(parse("{\"op\":\"unsubscribe\",\"id\":\"a\"}", &m, &e), 0);
    CHECK_INT(m.op, API_WS_UNSUBSCRIBE);
}

static void refused(const char *msg, const char *want)
{
    api_wsmsg_t m;
    err_t e;
    int rc = parse(msg, &m, &e);
    if (rc != ERR_INVALID || !strstr(e.msg, want)) {
        fprintf(stderr, "  for %s: expected an error naming \"%s\", got rc %d \"%s\"\n", msg, want, rc, e.msg);
        exit(1);
    }
}

TEST(every_bad_message_names_what_was_wrong)
{
    refused("not json", "not valid JSON");
    refused("[1,2]", "JSON object");
    refused("{}", "\"op\" is required");
    refused("{\"op\":5,\"id\":\"a\"}", "\"op\" must be a string");
    refused("{\"op\":\"subscribe\"}", "\"id\" is required");
    refused("{\"op\":\"subscribe\",\"id\":\"a b\"}", "\"id\" may hold only");
    refused("{\"op\":\"frobnicate\",\"id\":\"a\"}", "unknown op \"frobnicate\"");
    refused("{\"op\":\"subscribe\",\"id\":\"a\"}", "\"cluster\" is required");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"\"}", "\"cluster\" must not be empty");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"namespace\":\"Bad_NS\"}", "not a namespace name");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"focus\":\"Pod/x\"}", "not an object ID");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"depth\":9}", "\"depth\"");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"depth\":1.5}", "\"depth\"");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"since\":\"12a\"}", "\"since\"");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\",\"since\":-1}", "\"since\"");
    refused("{\"op\":\"subscribe\",\"id\":\"a\",\"cluster\":\"c\\u0001\"}", "control characters");
}

TEST(the_id_is_known_for_errors_after_it)
{
    api_wsmsg_t m;
    err_t e;
    CHECK_INT(parse("{\"op\":\"subscribe\",\"id\":\"s9\",\"cluster\":7}", &m, &e), ERR_INVALID);
    CHECK_STR(m.id, "s9");
}

TEST(oversized_fields_are_refused)
{
    char big[2048] = "{\"op\":\"subscribe\",\"id\":\"";
    size_t n = strlen(big);
    memset(big + n, 'a', 100);
    strcpy(big + n + 100, "\",\"cluster\":\"c\"}");
    api_wsmsg_t m;
    err_t e;
    CHECK_INT(parse(big, &m, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "longer than") != NULL);
}

TEST_MAIN()
