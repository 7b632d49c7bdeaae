/* test_api_cursor.c — list continuation tokens. */
#include "api/cursor.h"
#include "test.h"

static void encode(uint64_t qh, const char *sk, const char *ns, const char *name, buf_t *out)
{
    api_cursor_t c = {.qhash = qh};
    snprintf(c.sortkey, sizeof c.sortkey, "%s", sk);
    snprintf(c.ns, sizeof c.ns, "%s", ns);
    snprintf(c.name, sizeof c.name, "%s", name);
    api_cursor_encode(&c, out);
}

TEST(token_round_trips_the_last_position)
{
    buf_t t = {0};
    encode(0x1234abcdull, "00000000001700000000", "shop", "web-7d9f-abcde", &t);
    api_cursor_t c;
    err_t e = {0};
    CHECK_INT(api_cursor_decode(t.data, 0x1234abcdull, &c, &e), 0);
    CHECK_STR(c.sortkey, "00000000001700000000");
    CHECK_STR(c.ns, "shop");
    CHECK_STR(c.name, "web-7d9f-abcde");
    /* URL-safe: no characters that need escaping in a query */
    CHECK(strpbrk(t.data, "+/=") == NULL);
    buf_free(&t);
}

TEST(empty_parts_survive_for_cluster_scoped_objects)
{
    buf_t t = {0};
    encode(7, "", "", "worker-1", &t);
    api_cursor_t c;
    CHECK_INT(api_cursor_decode(t.data, 7, &c, NULL), 0);
    CHECK_STR(c.ns, "");
    CHECK_STR(c.name, "worker-1");
    buf_free(&t);
}

TEST(token_of_another_query_is_refused_naming_why)
{
    buf_t t = {0};
    encode(1, "shop", "shop", "a", &t);
    api_cursor_t c;
    err_t e = {0};
    CHECK_INT(api_cursor_decode(t.data, 2, &c, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "different query") != NULL);
    buf_free(&t);
}

TEST(garbage_tokens_are_refused)
{
    api_cursor_t c;
    err_t e = {0};
    const char *bad[] = {"", "x", "!!!!", "abc=", "azEfMTIz", "aGVsbG8gd29ybGQ", "azEfMDAwMDAwMDAwMDAwMDAwMR8fHx8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        CHECK_INT(api_cursor_decode(bad[i], 1, &c, &e), ERR_INVALID);
        CHECK(strstr(e.msg, "continue") != NULL);
    }
}

TEST(base64url_has_one_spelling_per_value)
{
    unsigned char out[8];
    CHECK_INT(api_b64url_decode("QQ", 2, out, sizeof out), 1);
    CHECK_INT(out[0], 'A');
    /* same bits with non-zero padding bits: not ours */
    CHECK_INT(api_b64url_decode("QR", 2, out, sizeof out), -1);
    CHECK_INT(api_b64url_decode("Q", 1, out, sizeof out), -1);
    buf_t b = {0};
    api_b64url_encode("\xff\xfe\xfd", 3, &b);
    CHECK_STR(b.data, "__79");
    buf_free(&b);
}

TEST_MAIN()
