/* test_kube_watch.c — the watch line splitter (partial, oversized, CRLF,
 * blank lines), event parsing (malformed JSON), and the rv map that turns a
 * relist into a difference with deletions. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "kube/ndjson.h"
#include "kube/rvmap.h"
#include "test.h"

typedef struct got {
    buf_t all; /* lines joined by '|' */
    int lines;
    int oversize;
    int stop_after;
} got_t;

static bool on_line(const char *l, size_t n, void *ud)
{
    got_t *g = ud;
    if (g->lines++) buf_putc(&g->all, '|');
    buf_append(&g->all, l, n);
    return !(g->stop_after && g->lines >= g->stop_after);
}

static void on_over(size_t n, void *ud)
{
    (void)n;
    ((got_t *)ud)->oversize++;
}

TEST(lines_split_across_chunks_are_joined)
{
    kube_lines_t l = {0};
    got_t g = {0};
    const char *chunks[] = {"{\"a\":", "1}\n{\"b\"", ":2}\n{\"c\":3}\n{\"d", "\":4}"};
    for (size_t i = 0; i < 4; i++) kube_lines_feed(&l, chunks[i], strlen(chunks[i]), on_line, on_over, &g);
    CHECK_STR(g.all.data, "{\"a\":1}|{\"b\":2}|{\"c\":3}");
    CHECK_INT(kube_lines_pending(&l), 7); /* {"d":4} without its newline */
    kube_lines_feed(&l, "\n", 1, on_line, on_over, &g);
    CHECK_STR(g.all.data, "{\"a\":1}|{\"b\":2}|{\"c\":3}|{\"d\":4}");
    CHECK_INT(kube_lines_pending(&l), 0);
    kube_lines_free(&l);
    buf_free(&g.all);
}

TEST(byte_at_a_time_feeding_gives_the_same_lines)
{
    const char *s = "{\"x\":1}\r\n\n{\"y\":[1,2]}\n";
    kube_lines_t l = {0};
    got_t g = {0};
    for (size_t i = 0; i < strlen(s); i++) kube_lines_feed(&l, s + i, 1, on_line, on_over, &g);
    CHECK_STR(g.all.data, "{\"x\":1}|{\"y\":[1,2]}");
    CHECK_INT(g.lines, 2); /* the blank line is not an event */
    kube_lines_free(&l);
    buf_free(&g.all);
}

TEST(oversized_line_is_counted_dropped_and_the_stream_continues)
{
    kube_lines_t l = {.max = 16};
    got_t g = {0};
    const char *a = "{\"ok\":1}\n{\"big\":\"0123456789";
    const char *b = "0123456789012345678901234567890\"}\n{\"ok\":2}\n";
    kube_lines_feed(&l, a, strlen(a), on_line, on_over, &g);
    kube_lines_feed(&l, b, strlen(b), on_line, on_over, &g);
    CHECK_STR(g.all.data, "{\"ok\":1}|{\"ok\":2}");
    CHECK_INT(g.oversize, 1);
    /* Nothing of the big line was kept. */
    CHECK(l.partial.cap < 1024);
    kube_lines_free(&l);
    buf_free(&g.all);
}

TEST(oversized_line_in_one_chunk_is_reported_once)
{
    kube_lines_t l = {.max = 4};
    got_t g = {0};
    const char *s = "0123456789\nab\n";
    kube_lines_feed(&l, s, strlen(s), on_line, on_over, &g);
    CHECK_INT(g.oversize, 1);
    CHECK_STR(g.all.data, "ab");
    kube_lines_free(&l);
    buf_free(&g.all);
}

TEST(consumer_can_stop_mid_chunk)
{
    kube_lines_t l = {0};
    got_t g = {.stop_after = 1};
    const char *s = "a\nb\nc\n";
    CHECK(!kube_lines_feed(&l, s, strlen(s), on_line, on_over, &g));
    CHECK_INT(g.lines, 1);
    kube_lines_free(&l);
    buf_free(&g.all);
}

TEST(watch_event_parse_accepts_known_types_only)
{
    int type;
    cJSON *obj;
    arena_t a = {0};
    const char *ok = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}";
    cJSON *doc = kube_watch_event_parse(&a, ok, strlen(ok), &type, &obj);
    CHECK(doc != NULL);
    CHECK_INT(type, KUBE_EV_MODIFIED);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"), "name")->valuestring, "a");
    const char *bad[] = {"{\"type\":\"MODIFIED\",\"object\":{\"meta", "not json", "{\"type\":\"EXPLODED\",\"object\":{}}",
                         "{\"type\":\"ADDED\"}", "{\"type\":1,\"object\":{}}", "[]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(kube_watch_event_parse(&a, bad[i], strlen(bad[i]), &type, &obj) == NULL);
    const char *er = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410}}";
    doc = kube_watch_event_parse(&a, er, strlen(er), &type, &obj);
    CHECK(doc && type == KUBE_EV_ERROR);
    arena_free(&a);
}

TEST(rv_encoding_orders_decimals_and_hashes_opaque_values)
{
    CHECK_INT(kube_rv_encode("12345"), 12345);
    CHECK(kube_rv_cmp(kube_rv_encode("9"), kube_rv_encode("10")) < 0);
    uint64_t a = kube_rv_encode("abc"), b = kube_rv_encode("abd");
    CHECK(a != b);
    CHECK(a == kube_rv_encode("abc"));
    CHECK_INT(kube_rv_cmp(a, b), 0); /* opaque: unordered */
    /* Too long for 63 bits: treated as opaque, still stable. */
    CHECK(kube_rv_encode("99999999999999999999999") == kube_rv_encode("99999999999999999999999"));
}

typedef struct gone {
    buf_t keys;
    int n;
} gone_t;

static void on_gone(const char *k, size_t n, void *ud)
{
    gone_t *g = ud;
    if (g->n++) buf_putc(&g->keys, ',');
    buf_append(&g->keys, k, n);
}

TEST(relist_diff_reports_adds_changes_and_deletions)
{
    kube_rvmap_t m = {0};
    kube_rvmap_begin_pass(&m);
    CHECK_INT(kube_rvmap_put(&m, "ns/a", 4, 10), KUBE_RV_ADDED);
    CHECK_INT(kube_rvmap_put(&m, "ns/b", 4, 11), KUBE_RV_ADDED);
    CHECK_INT(kube_rvmap_put(&m, "ns/c", 4, 12), KUBE_RV_ADDED);
    gone_t g = {0};
    CHECK_INT(kube_rvmap_sweep(&m, on_gone, &g), 0);
    /* The watch missed things; the relist sees: a unchanged, b changed, c
     * gone, d new. */
    kube_rvmap_begin_pass(&m);
    CHECK_INT(kube_rvmap_put(&m, "ns/a", 4, 10), KUBE_RV_SAME);
    CHECK_INT(kube_rvmap_put(&m, "ns/b", 4, 20), KUBE_RV_CHANGED);
    CHECK_INT(kube_rvmap_put(&m, "ns/d", 4, 21), KUBE_RV_ADDED);
    CHECK_INT(kube_rvmap_sweep(&m, on_gone, &g), 1);
    CHECK_STR(g.keys.data, "ns/c");
    CHECK_INT(kube_rvmap_len(&m), 3);
    CHECK(!kube_rvmap_has(&m, "ns/c", 4));
    /* A relist that restarts half way (expired continue token) bumps the
     * pass again; what the restarted pass lists survives. */
    kube_rvmap_begin_pass(&m);
    kube_rvmap_put(&m, "ns/a", 4, 10);
    kube_rvmap_begin_pass(&m);
    kube_rvmap_put(&m, "ns/a", 4, 10);
    kube_rvmap_put(&m, "ns/b", 4, 20);
    kube_rvmap_put(&m, "ns/d", 4, 21);
    buf_reset(&g.keys);
    g.n = 0;
    CHECK_INT(kube_rvmap_sweep(&m, on_gone, &g), 0);
    CHECK(kube_rvmap_del(&m, "ns/a", 4));
    CHECK(!kube_rvmap_del(&m, "ns/a", 4));
    kube_rvmap_free(&m);
    buf_free(&g.keys);
}

TEST(relist_of_an_empty_cluster_deletes_everything)
{
    kube_rvmap_t m = {0};
    kube_rvmap_begin_pass(&m);
    char k[32];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(k, sizeof k, "ns/p%d", i);
        kube_rvmap_put(&m, k, (size_t)n, (uint64_t)i);
    }
    kube_rvmap_begin_pass(&m);
    gone_t g = {0};
    CHECK_INT(kube_rvmap_sweep(&m, on_gone, &g), 1000);
    CHECK_INT(kube_rvmap_len(&m), 0);
    kube_rvmap_free(&m);
    buf_free(&g.keys);
}

TEST_MAIN()
