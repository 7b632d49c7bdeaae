/* test_api_outbox.c — WebSocket delta coalescing and bounds. */
#include "api/outbox.h"
#include "test.h"

static void put(api_outbox_t *o, int kind, int op, const char *key, const char *json, const char *rv)
{
    api_outbox_put(o, kind, op, key, strlen(key), json, strlen(json), rv);
}

TEST(changes_to_one_object_coalesce_to_the_latest)
{
    api_outbox_t o;
    api_outbox_init(&o, 0);
    put(&o, OUTBOX_NODE, OUTBOX_UPSERT, "Pod/shop/a", "{\"id\":\"Pod/shop/a\",\"status\":\"ok\"}", "10");
    put(&o, OUTBOX_NODE, OUTBOX_UPSERT, "Pod/shop/b", "{\"id\":\"Pod/shop/b\"}", "11");
    put(&o, OUTBOX_NODE, OUTBOX_UPSERT, "Pod/shop/a", "{\"id\":\"Pod/shop/a\",\"status\":\"error\"}", "12");
    CHECK_INT(o.count, 2);
    CHECK_INT(o.coalesced_total, 1);
    buf_t m = {0};
    CHECK_INT(api_outbox_take(&o, "s1", 1 << 20, &m), 2);
    CHECK_STR(m.data, "{\"sub\":\"s1\",\"type\":\"delta\",\"resourceVersion\":\"12\",\"nodes\":{\"upsert\":["
                      "{\"id\":\"Pod/shop/a\",\"status\":\"error\"},{\"id\":\"Pod/shop/b\"}],\"remove\":[]},"
                      "\"edges\":{\"upsert\":[],\"remove\":[]}}");
    CHECK_INT(o.count, 0);
    CHECK_INT(o.bytes, 0);
    buf_reset(&m);
    CHECK_INT(api_outbox_take(&o, "s1", 1 << 20, &m), 0);
    buf_free(&m);
    api_outbox_free(&o);
}

TEST(remove_after_upsert_wins_and_edges_stay_apart_from_nodes)
{
    api_outbox_t o;
    api_outbox_init(&o, 0);
    put(&o, OUTBOX_NODE, OUTBOX_UPSERT, "X", "{\"id\":\"X\"}", "1");
    put(&o, OUTBOX_EDGE, OUTBOX_UPSERT, "X", "{\"source\":\"X\"}", "2");
    put(&o, OUTBOX_NODE, OUTBOX_REMOVE, "X", "\"X\"", "3");
    buf_t m = {0};
    CHECK_INT(api_outbox_take(&o, "s", 1 << 20, &m), 2);
    CHECK(strstr(m.data, "\"nodes\":{\"upsert\":[],\"remove\":[\"X\"]}") != NULL);
    CHECK(strstr(m.data, "\"edges\":{\"upsert\":[{\"source\":\"X\"}],\"remove\":[]}") != NULL);
    buf_free(&m);
    api_outbox_free(&o);
}

TEST(take_respects_the_message_size_and_keeps_order)
{
    api_outbox_t o;
    api_outbox_init(&o, 0);
    char key[16], json[64];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "P/%d", i);
        snprintf(json, sizeof json, "{\"id\":\"P/%d\"}", i); /* 12 bytes */
        put(&o, OUTBOX_NODE, OUTBOX_UPSERT, key, json, "5");
    }
    buf_t m = {0};
    CHECK_INT(api_outbox_take(&o, "s", 40, &m), 3);
    CHECK(strstr(m.data, "[{\"id\":\"P/0\"},{\"id\":\"P/1\"},{\"id\":\"P/2\"}]") != NULL);
    buf_reset(&m);
    /* even a limit smaller than one entry makes progress */
    CHECK_INT(api_outbox_take(&o, "s", 1, &m), 1);
    CHECK(strstr(m.data, "P/3") != NULL);
    CHECK_INT(o.count, 6);
    buf_free(&m);
    api_outbox_free(&o);
}

TEST(overflow_empties_the_outbox_and_flags_resync)
{
    api_outbox_t o;
    api_outbox_init(&o, 1000);
    char key[32], json[128];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "Pod/ns/p-%d", i);
        snprintf(json, sizeof json, "{\"id\":\"Pod/ns/p-%d\",\"status\":\"ok\"}", i);
        put(&o, OUTBOX_NODE, OUTBOX_UPSERT, key, json, "9");
    }
    CHECK(o.overflowed);
    CHECK_INT(o.count, 0);
    CHECK(o.bytes <= 1000);
    /* changes after the overflow are dropped until the caller resyncs */
    put(&o, OUTBOX_NODE, OUTBOX_UPSERT, "Pod/ns/z", "{}", "10");
    CHECK_INT(o.count, 0);
    CHECK_STR(o.rv, "10");
    api_outbox_clear(&o);
    CHECK(!o.overflowed);
    put(&o, OUTBOX_NODE, OUTBOX_UPSERT, "Pod/ns/z", "{}", "11");
    CHECK_INT(o.count, 1);
    api_outbox_free(&o);
}

TEST(a_batch_is_written_once_and_coalesces_into_a_held_members_outbox)
{
    api_outbox_t chan, held;
    api_outbox_init(&chan, 0);
    api_outbox_init(&held, 0);
    put(&chan, OUTBOX_NODE, OUTBOX_UPSERT, "Pod/shop/a", "{\"id\":\"a1\"}", "10");
    put(&chan, OUTBOX_EDGE, OUTBOX_UPSERT, "a>b", "{\"source\":\"a\"}", "11");
    /* the held member already waits for an older state of a */
    put(&held, OUTBOX_NODE, OUTBOX_UPSERT, "Pod/shop/a", "{\"id\":\"a0\"}", "9");
    api_outbox_batch_t b;
    CHECK_INT(api_outbox_detach(&chan, 1 << 20, &b), 2);
    CHECK_INT(chan.count, 0);
    CHECK_INT(chan.bytes, 0);
    CHECK_STR(b.rv, "11");
    buf_t body = {0};
    api_outbox_batch_body(&b, &body);
    CHECK_STR(body.data, ",\"type\":\"delta\",\"resourceVersion\":\"11\",\"nodes\":{\"upsert\":[{\"id\":\"a1\"}],"
                         "\"remove\":[]},\"edges\":{\"upsert\":[{\"source\":\"a\"}],\"remove\":[]}}");
    /* the same message as take gives, after each member's prefix */
    api_outbox_put_batch(&held, &b);
    api_outbox_batch_free(&b);
    CHECK_INT(held.count, 2);
    CHECK_INT(held.coalesced_total, 1);
    buf_t m = {0};
    CHECK_INT(api_outbox_take(&held, "s9", 1 << 20, &m), 2);
    buf_t want = {0};
    buf_puts(&want, "{\"sub\":\"s9\"");
    buf_append(&want, body.data, body.len);
    CHECK_STR(m.data, want.data);
    /* nothing pending: detach gives an empty batch */
    CHECK_INT(api_outbox_detach(&chan, 1 << 20, &b), 0);
    CHECK(b.head == NULL);
    buf_free(&want);
    buf_free(&m);
    buf_free(&body);
    api_outbox_free(&chan);
    api_outbox_free(&held);
}

TEST_MAIN()
