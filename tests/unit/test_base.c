/* test_base.c — core/base: buffers, strings, map, arena, clock, log lines. */
#include <fcntl.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/map.h"
#include "base/mem.h"
#include "base/str.h"
#include "test.h"

TEST(buf_grows_and_stays_terminated)
{
    buf_t b = {0};
    for (int i = 0; i < 1000; i++) buf_printf(&b, "%d,", i);
    CHECK(b.len > 3000);
    CHECK_INT(b.data[b.len], 0);
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    buf_consume(&b, 2);
    CHECK(strncmp(b.data, "1,2,", 4) == 0);
    char *s = buf_steal(&b);
    CHECK_INT(b.len, 0);
    CHECK(b.data == NULL);
    free(s);
}

TEST(buf_integers_cover_extremes)
{
    buf_t b = {0};
    buf_put_i64(&b, INT64_MIN);
    buf_putc(&b, ' ');
    buf_put_u64(&b, UINT64_MAX);
    buf_putc(&b, ' ');
    buf_put_i64(&b, 0);
    CHECK_STR(b.data, "-9223372036854775808 18446744073709551615 0");
    buf_free(&b);
}

TEST(json_string_escapes_controls_and_repairs_bad_utf8)
{
    buf_t b = {0};
    buf_json_str(&b, "a\"b\\c\n\x01\xc3\xa9\xff", 10);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\xef\xbf\xbd\"");
    buf_reset(&b);
    /* an overlong encoding of '/' and a lone surrogate are not valid UTF-8 */
    buf_json_str(&b, "\xc0\xaf\xed\xa0\x80", 5);
    CHECK_STR(b.data, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    buf_free(&b);
}

TEST(sv_cut_splits_and_trims)
{
    sv_t s = sv_from("a=1&b=2&c");
    sv_t p = sv_cut(&s, '&');
    CHECK(sv_eq_cstr(p, "a=1"));
    p = sv_cut(&s, '&');
    CHECK(sv_eq_cstr(p, "b=2"));
    p = sv_cut(&s, '&');
    CHECK(sv_eq_cstr(p, "c"));
    CHECK_INT(s.n, 0);
    CHECK(sv_eq_cstr(sv_trim(sv_from("  x y \t")), "x y"));
    CHECK(sv_case_eq(sv_from("Content-Type"), sv_from("content-type")));
}

TEST(sv_to_i64_rejects_junk_and_overflow)
{
    int64_t v;
    CHECK(sv_to_i64(sv_from("-42"), &v) && v == -42);
    CHECK(sv_to_i64(sv_from("9223372036854775807"), &v) && v == INT64_MAX);
    CHECK(sv_to_i64(sv_from("-9223372036854775808"), &v) && v == INT64_MIN);
    CHECK(!sv_to_i64(sv_from("9223372036854775808"), &v));
    CHECK(!sv_to_i64(sv_from("12a"), &v));
    CHECK(!sv_to_i64(sv_from(""), &v));
    CHECK(!sv_to_i64(sv_from("-"), &v));
}

TEST(url_decode_handles_escapes_and_rejects_truncated_ones)
{
    char out[64];
    CHECK_INT(url_decode(sv_from("a%20b+c%2Fd"), out, true), 7);
    CHECK_STR(out, "a b c/d");
    CHECK_INT(url_decode(sv_from("a+b"), out, false), 3);
    CHECK_STR(out, "a+b");
    CHECK_INT(url_decode(sv_from("bad%2"), out, false), -1);
    CHECK_INT(url_decode(sv_from("bad%"), out, false), -1);
    CHECK_INT(url_decode(sv_from("bad%zz"), out, false), -1);
}

TEST(map_put_get_delete_many_keys)
{
    map_t m = {0};
    char key[64];
    for (long i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "Pod/ns-%ld/web-%ld", i % 37, i);
        CHECK(map_puts(&m, key, (void *)(i + 1)) == NULL);
    }
    CHECK_INT(m.len, 20000);
    /* delete every third key; the rest must stay reachable across shifted runs */
    for (long i = 0; i < 20000; i += 3) {
        snprintf(key, sizeof key, "Pod/ns-%ld/web-%ld", i % 37, i);
        CHECK_INT((long)map_dels(&m, key), i + 1);
    }
    for (long i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "Pod/ns-%ld/web-%ld", i % 37, i);
        void *v = map_gets(&m, key);
        if (i % 3 == 0) CHECK(v == NULL);
        else CHECK_INT((long)v, i + 1);
    }
    size_t it = 0, seen = 0;
    map_slot_t *slot;
    while (map_next(&m, &it, &slot)) seen++;
    CHECK_INT(seen, m.len);
    CHECK_INT((long)map_puts(&m, "Pod/ns-1/web-1", (void *)7), 2);
    map_free(&m);
}

TEST(map_keys_may_contain_nul_bytes)
{
    map_t m = {0};
    map_put(&m, "a\0b", 3, (void *)1);
    map_put(&m, "a\0c", 3, (void *)2);
    CHECK_INT((long)map_get(&m, "a\0b", 3), 1);
    CHECK_INT((long)map_get(&m, "a\0c", 3), 2);
    CHECK(map_get(&m, "a", 1) == NULL);
    map_free(&m);
}

TEST(arena_allocations_are_aligned_zeroed_and_big_ones_fit)
{
    arena_t a = {.block_size = 1024};
    for (int i = 0; i < 100; i++) {
        unsigned char *p = arena_alloc(&a, (size_t)(i % 40) + 1);
        CHECK(((uintptr_t)p & 15) == 0);
        for (int j = 0; j < i % 40 + 1; j++) CHECK_INT(p[j], 0);
        p[0] = 0xAB;
    }
    char *big = arena_alloc(&a, 100000);
    big[99999] = 1;
    CHECK_STR(arena_strdup(&a, "hello"), "hello");
    arena_reset(&a);
    CHECK_INT(a.used_total, 0);
    CHECK_STR(arena_strndup(&a, "hello", 3), "hel");
    arena_free(&a);
}

TEST(rfc3339_round_trips)
{
    char s[32];
    clock_rfc3339(1795780800, s);
    CHECK_STR(s, "2026-11-27T12:00:00Z");
    CHECK_INT(clock_parse_rfc3339(s), 1795780800);
    CHECK_INT(clock_parse_rfc3339("2026-11-27T13:00:00.250+01:00"), 1795780800);
    CHECK_INT(clock_parse_rfc3339("2026-11-27 12:00:00"), -1);
    CHECK_INT(clock_parse_rfc3339("2026-11-27T12:00:00Zjunk"), -1);
    clock_rfc3339_ms(1795780800123, s);
    CHECK_STR(s, "2026-11-27T12:00:00.123Z");
}

TEST(err_set_formats_and_returns_code)
{
    err_t e = {0};
    CHECK_INT(err_set(&e, ERR_INVALID, "%s:%d: field %s", "f.yaml", 3, "listen"), ERR_INVALID);
    CHECK_STR(e.msg, "f.yaml:3: field listen");
    CHECK_INT(err_set(NULL, ERR_IO, "ignored"), ERR_IO);
    CHECK_STR(err_name(ERR_NOTFOUND), "not_found");
}

TEST(log_lines_are_single_json_objects)
{
    char path[] = "/tmp/kb-log-XXXXXX";
    int fd = mkstemp(path);
    log_set_fd(fd);
    log_set_level(LOG_INFO);
    log_debug("hidden", "");
    log_info("request done", "requestId=%s status=%d ms=%.1f ok=%b who=%s", "abc\"1", 200, 1.5, 1,
             (const char *)NULL);
    log_warn("bad", "x=%q", 1);
    char out[1024] = {0};
    lseek(fd, 0, SEEK_SET);
    CHECK(read(fd, out, sizeof out - 1) > 0);
    close(fd);
    unlink(path);
    char *nl = strchr(out, '\n');
    CHECK(nl != NULL);
    *nl = 0;
    CHECK(strstr(out, "\"level\":\"info\",\"msg\":\"request done\",\"requestId\":\"abc\\\"1\","
                      "\"status\":200,\"ms\":1.5,\"ok\":true,\"who\":null}") != NULL);
    CHECK(strncmp(out, "{\"ts\":\"", 7) == 0);
    CHECK(strstr(nl + 1, "\"logFormatError\"") != NULL);
    CHECK(strstr(nl + 1, "hidden") == NULL);
}

TEST_MAIN()
