/* test_kube_liststream.c — the LIST body splitter (kube/ndjson.h
 * kube_liststream): items cut out of a body delivered in arbitrary chunks,
 * the envelope kept with its items array as null (metadata before or after
 * the items), oversized items skipped, malformed bodies refused, a consumer
 * that stops. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "kube/ndjson.h"
#include "test.h"

typedef struct got {
    buf_t all; /* items joined by '|' */
    int items;
    int oversize;
    int stop_after;
} got_t;

static bool on_item(const char *p, size_t n, void *ud)
{
    got_t *g = ud;
    if (g->items++) buf_putc(&g->all, '|');
    buf_append(&g->all, p, n);
    return !(g->stop_after && g->items >= g->stop_after);
}

static void on_over(size_t n, void *ud)
{
    (void)n;
    ((got_t *)ud)->oversize++;
}

/* Feed body in chunks whose sizes come from a fixed-seed generator (1 to
 * maxchunk bytes); returns the last feed's result. */
static int feed_chunks(kube_liststream_t *s, const char *body, size_t maxchunk, unsigned seed, got_t *g)
{
    size_t len = strlen(body), off = 0;
    int rc = KUBE_LS_OK;
    while (off < len && rc == KUBE_LS_OK) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % maxchunk;
        if (n > len - off) n = len - off;
        rc = kube_liststream_feed(s, body + off, n, on_item, on_over, g);
        off += n;
    }
    return rc;
}

static const char *BODY =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"42\"},\"items\":[\n"
    "{\"metadata\":{\"name\":\"a\",\"annotations\":{\"x\":\"br]ace}s, \\\"quoted\\\" [and] {more}\\\\\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"1\",\"2\"]}]}} ,\n"
    "{\"metadata\":{\"name\":\"b\"},\"items\":[{\"nested\":\"items\"}]},"
    "{\"metadata\":{\"name\":\"c\\u00e9\"}}\n"
    "]}\n";

static const char *WANT =
    "{\"metadata\":{\"name\":\"a\",\"annotations\":{\"x\":\"br]ace}s, \\\"quoted\\\" [and] {more}\\\\\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"1\",\"2\"]}]}}"
    "|{\"metadata\":{\"name\":\"b\"},\"items\":[{\"nested\":\"items\"}]}"
    "|{\"metadata\":{\"name\":\"c\\u00e9\"}}";

static void check_env(const kube_liststream_t *s, const char *rv)
{
    cJSON *env = cJSON_ParseWithLength(s->env.data, s->env.len);
    CHECK(env != NULL);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(env, "items");
    CHECK(!items || cJSON_IsNull(items));
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(env, "metadata");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(md, "resourceVersion")->valuestring, rv);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(env, "kind")->valuestring, "PodList");
    cJSON_Delete(env);
}

TEST(items_come_out_whole_in_one_chunk)
{
    kube_liststream_t s = {0};
    got_t g = {0};
    CHECK_INT(kube_liststream_feed(&s, BODY, strlen(BODY), on_item, on_over, &g), KUBE_LS_OK);
    CHECK(kube_liststream_done(&s));
    CHECK_INT(g.items, 3);
    CHECK_STR(buf_cstr(&g.all), WANT);
    check_env(&s, "42");
    CHECK_INT((int)s.items, 3);
    kube_liststream_free(&s);
    buf_free(&g.all);
}

TEST(random_chunk_sizes_give_the_same_items_and_envelope)
{
    for (unsigned seed = 1; seed <= 300; seed++) {
        kube_liststream_t s = {0};
        got_t g = {0};
        size_t maxchunk = 1 + seed % 40;
        CHECK_INT(feed_chunks(&s, BODY, maxchunk, seed, &g), KUBE_LS_OK);
        CHECK(kube_liststream_done(&s));
        CHECK_STR(buf_cstr(&g.all), WANT);
        check_env(&s, "42");
        kube_liststream_free(&s);
        buf_free(&g.all);
    }
}

TEST(metadata_after_the_items_is_still_in_the_envelope)
{
    const char *body = "{\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}}],"
                       "\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"77\",\"continue\":\"\"}}";
    for (unsigned seed = 1; seed <= 50; seed++) {
        kube_liststream_t s = {0};
        got_t g = {0};
        CHECK_INT(feed_chunks(&s, body, 1 + seed % 9, seed, &g), KUBE_LS_OK);
        CHECK(kube_liststream_done(&s));
        CHECK_STR(buf_cstr(&g.all), "{\"metadata\":{\"name\":\"a\"}}|{\"metadata\":{\"name\":\"b\"}}");
        check_env(&s, "77");
        kube_liststream_free(&s);
        buf_free(&g.all);
    }
}

TEST(an_items_key_below_the_top_level_is_not_the_list)
{
    const char *body = "{\"kind\":\"PodList\",\"metadata\":{\"items\":[1,2],\"resourceVersion\":\"5\"},"
                       "\"items\":[{\"a\":1}]}";
    kube_liststream_t s = {0};
    got_t g = {0};
    CHECK_INT(feed_chunks(&s, body, 3, 7, &g), KUBE_LS_OK);
    CHECK(kube_liststream_done(&s));
    CHECK_STR(buf_cstr(&g.all), "{\"a\":1}");
    check_env(&s, "5");
    kube_liststream_free(&s);
    buf_free(&g.all);
}

TEST(empty_and_null_items_deliver_nothing)
{
    const char *bodies[] = {"{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[]}",
                            "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":null}",
                            "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\"}}"};
    for (int i = 0; i < 3; i++) {
        kube_liststream_t s = {0};
        got_t g = {0};
        CHECK_INT(feed_chunks(&s, bodies[i], 4, 3, &g), KUBE_LS_OK);
        CHECK(kube_liststream_done(&s));
        CHECK_INT(g.items, 0);
        check_env(&s, "9");
        kube_liststream_free(&s);
        buf_free(&g.all);
    }
}

TEST(an_oversized_item_is_reported_once_and_the_next_delivered)
{
    buf_t body = {0};
    buf_puts(&body, "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[{\"big\":\"");
    for (int i = 0; i < 500; i++) buf_puts(&body, "xxxxxxxxxx");
    buf_puts(&body, "\"},{\"small\":1}]}");
    for (unsigned seed = 1; seed <= 20; seed++) {
        kube_liststream_t s = {.max_item = 1000};
        got_t g = {0};
        CHECK_INT(feed_chunks(&s, body.data, 1 + seed * 37 % 700, seed, &g), KUBE_LS_OK);
        CHECK(kube_liststream_done(&s));
        CHECK_INT(g.oversize, 1);
        CHECK_STR(buf_cstr(&g.all), "{\"small\":1}");
        CHECK(s.item.cap <= (1u << 20));
        kube_liststream_free(&s);
        buf_free(&g.all);
    }
    buf_free(&body);
}

TEST(a_cut_body_is_not_done)
{
    kube_liststream_t s = {0};
    got_t g = {0};
    size_t cut = (size_t)(strstr(BODY, "{\"metadata\":{\"name\":\"b\"") - BODY) + 10;
    CHECK_INT(kube_liststream_feed(&s, BODY, cut, on_item, on_over, &g), KUBE_LS_OK);
    CHECK(!kube_liststream_done(&s));
    CHECK_INT(g.items, 1);
    kube_liststream_free(&s);
    buf_free(&g.all);
}

TEST(a_body_that_is_not_an_object_is_malformed)
{
    const char *bad[] = {"[{\"a\":1}]", "\"items\"", "{\"items\":[{\"a\":1}]} trailing"};
    for (int i = 0; i < 3; i++) {
        kube_liststream_t s = {0};
        got_t g = {0};
        int rc = feed_chunks(&s, bad[i], 5, 11, &g);
        CHECK_INT(rc, KUBE_LS_MALFORMED);
        CHECK(!kube_liststream_done(&s));
        /* and it stays refused */
        CHECK_INT(kube_liststream_feed(&s, "{}", 2, on_item, on_over, &g), KUBE_LS_MALFORMED);
        kube_liststream_free(&s);
        buf_free(&g.all);
    }
}

TEST(an_envelope_over_its_cap_is_malformed)
{
    buf_t body = {0};
    buf_puts(&body, "{\"kind\":\"");
    for (int i = 0; i < 300; i++) buf_puts(&body, "yyyyyyyyyy");
    buf_puts(&body, "\",\"items\":[]}");
    kube_liststream_t s = {.max_env = 1000};
    got_t g = {0};
    CHECK_INT(feed_chunks(&s, body.data, 64, 5, &g), KUBE_LS_MALFORMED);
    kube_liststream_free(&s);
    buf_free(&g.all);
    buf_free(&body);
}

TEST(consumer_can_stop_mid_chunk)
{
    kube_liststream_t s = {0};
    got_t g = {.stop_after = 2};
    CHECK_INT(kube_liststream_feed(&s, BODY, strlen(BODY), on_item, on_over, &g), KUBE_LS_STOPPED);
    CHECK_INT(g.items, 2);
    kube_liststream_free(&s);
    buf_free(&g.all);
}

TEST(reset_reuses_the_stream_for_a_new_body)
{
    kube_liststream_t s = {.max_item = 4096};
    got_t g = {0};
    CHECK_INT(kube_liststream_feed(&s, BODY, 20, on_item, on_over, &g), KUBE_LS_OK);
    kube_liststream_reset(&s);
    CHECK_INT((int)s.max_item, 4096);
    buf_reset(&g.all);
    g.items = 0;
    CHECK_INT(feed_chunks(&s, BODY, 13, 99, &g), KUBE_LS_OK);
    CHECK(kube_liststream_done(&s));
    CHECK_STR(buf_cstr(&g.all), WANT);
    kube_liststream_free(&s);
    buf_free(&g.all);
}

TEST_MAIN()
