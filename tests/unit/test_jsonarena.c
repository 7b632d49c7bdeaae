/* test_jsonarena.c — base/jsonarena: the same trees as cJSON, in an arena. */
#include <cjson/cJSON.h>
#include <string.h>

#include "base/jsonarena.h"
#include "test.h"

/* Node for node: type, valueint, valuedouble bits, strings, order, and the
 * child->prev = last-child link cJSON keeps. */
static int same(const cJSON *a, const cJSON *b)
{
    if (!a || !b) return a == b;
    if (a->type != b->type || a->valueint != b->valueint) return 0;
    if (memcmp(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble)) return 0;
    if (!a->valuestring != !b->valuestring || (a->valuestring && strcmp(a->valuestring, b->valuestring))) return 0;
    if (!a->string != !b->string || (a->string && strcmp(a->string, b->string))) return 0;
    const cJSON *x = a->child, *y = b->child, *lx = NULL;
    while (x && y) {
        if (!same(x, y)) return 0;
        lx = x;
        x = x->next;
        y = y->next;
    }
    if (x || y) return 0;
    return !a->child || a->child->prev == lx;
}

static void check_like_cjson(const char *doc, size_t len)
{
    arena_t a = {0};
    cJSON *ref = cJSON_ParseWithLength(doc, len);
    cJSON *mine = jsonarena_parse(&a, doc, len);
    if (!ref) {
        if (mine) TEST_FAIL_("accepted what cJSON rejects: %.*s", (int)len, doc);
    } else if (!mine || !same(mine, ref)) {
        TEST_FAIL_("tree differs from cJSON's for: %.*s", (int)len, doc);
    }
    cJSON_Delete(ref);
    arena_free(&a);
}

#define LIKE_CJSON(lit) check_like_cjson(lit, sizeof lit - 1)

TEST(valid_documents_give_cjsons_tree)
{
    LIKE_CJSON("{}");
    LIKE_CJSON("[]");
    LIKE_CJSON(" \t\r\n{ } ");
    LIKE_CJSON("null");
    LIKE_CJSON("true");
    LIKE_CJSON("false");
    LIKE_CJSON("\"\"");
    LIKE_CJSON("0");
    LIKE_CJSON("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"},\"a\":2}");
    LIKE_CJSON("[[[[]]],{},[{}],\"x\",-1,2.5]");
    LIKE_CJSON("{\"metadata\":{\"name\":\"p-1\",\"labels\":{\"app\":\"web\"},\"resourceVersion\":\"42\"},"
               "\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":8080}]}]}}");
    LIKE_CJSON("\xEF\xBB\xBF{\"bom\":1}");
}

TEST(numbers_match_cjsons_values)
{
    LIKE_CJSON("[0,-0,1,-1,007,123456789012345,-999999999999999]");
    LIKE_CJSON("[1234567890123456,12345678901234567890,2147483647,2147483648,-2147483649]");
    LIKE_CJSON("[1.5,-0.25,1e3,1E-3,6.02e23,1e999,-1e999,0.1,1.7976931348623157e308]");
    LIKE_CJSON("[1.,1e+2]");
    LIKE_CJSON("[00000000000000000000000000000000000000000000000000000000000000001]");
    LIKE_CJSON("-");
    LIKE_CJSON("[1-2]");
    LIKE_CJSON("[1e]");
}

TEST(string_escapes_match_cjson)
{
    LIKE_CJSON("[\"a\\\"b\",\"\\\\\",\"\\/\",\"\\b\\f\\n\\r\\t\"]");
    LIKE_CJSON("[\"\\u00e9\",\"\\u20ac\",\"\\ud83d\\ude00\",\"\\u0041BC\"]");
    LIKE_CJSON("[\"long string without escapes that crosses several eight byte words\"]");
    LIKE_CJSON("[\"tail after an escape \\n and more text after it, long\"]");
    LIKE_CJSON("\"\\uZZZZ after\""); /* cJSON turns a bad \u into a NUL */
    LIKE_CJSON("\"\\ud800\"");        /* lone high surrogate: rejected */
    LIKE_CJSON("\"\\udc00\"");        /* lone low surrogate: rejected */
    LIKE_CJSON("\"\\ud800\\u0041\"");
    LIKE_CJSON("\"\\x\"");
    LIKE_CJSON("\"\\u12\"");
    LIKE_CJSON("\"raw \x01 control\"");
    LIKE_CJSON("\"unterminated");
    LIKE_CJSON("\"ends in backslash\\");
}

TEST(malformed_documents_are_rejected)
{
    LIKE_CJSON("");
    LIKE_CJSON("   ");
    LIKE_CJSON("{");
    LIKE_CJSON("[1,]");
    LIKE_CJSON("{\"a\":1,}");
    LIKE_CJSON("{\"a\" 1}");
    LIKE_CJSON("{a:1}");
    LIKE_CJSON("nul");
    LIKE_CJSON("tru");
    LIKE_CJSON("[1 2]");
    LIKE_CJSON("+1");
    LIKE_CJSON(".5");
    /* cJSON lets these through; we do not (jsonarena.h). */
    arena_t a = {0};
    CHECK(jsonarena_parse(&a, "{} x", 4) == NULL);
    LIKE_CJSON("[[]");
    arena_free(&a);
}

TEST(nesting_limit_is_cjsons)
{
    char doc[2 * (CJSON_NESTING_LIMIT + 1) + 1];
    for (int depth = CJSON_NESTING_LIMIT; depth <= CJSON_NESTING_LIMIT + 1; depth++) {
        memset(doc, '[', (size_t)depth);
        memset(doc + depth, ']', (size_t)depth);
        check_like_cjson(doc, 2 * (size_t)depth);
    }
    arena_t a = {0};
    memset(doc, '[', CJSON_NESTING_LIMIT);
    memset(doc + CJSON_NESTING_LIMIT, ']', CJSON_NESTING_LIMIT);
    CHECK(jsonarena_parse(&a, doc, 2 * CJSON_NESTING_LIMIT) != NULL);
    memset(doc, '[', CJSON_NESTING_LIMIT + 1);
    memset(doc + CJSON_NESTING_LIMIT + 1, ']', CJSON_NESTING_LIMIT + 1);
    CHECK(jsonarena_parse(&a, doc, 2 * (CJSON_NESTING_LIMIT + 1)) == NULL);
    arena_free(&a);
}

TEST(prefix_parse_stops_after_the_value)
{
    arena_t a = {0};
    const char *doc = "  {\"a\":[1,2]} ,{\"b\":2}";
    const char *end = NULL;
    cJSON *v = jsonarena_parse_prefix(&a, doc, strlen(doc), &end);
    CHECK(cJSON_IsObject(v));
    CHECK_INT(end - doc, 13);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(v, "a")), 2);
    v = jsonarena_parse_prefix(&a, "12,", 3, &end);
    CHECK(cJSON_IsNumber(v) && v->valueint == 12);
    CHECK_STR(end, ",");
    arena_free(&a);
}

TEST(cjson_readers_and_printer_work_on_arena_trees)
{
    arena_t a = {0};
    const char *doc = "{\"metadata\":{\"name\":\"web-1\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\"}},\"n\":[3,4,5]}";
    cJSON *v = jsonarena_parse(&a, doc, strlen(doc));
    CHECK(v != NULL);
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(v, "metadata");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(md, "name")->valuestring, "web-1");
    CHECK_INT(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v, "n"), 2)->valueint, 5);
    char *txt = cJSON_PrintUnformatted(v);
    CHECK_STR(txt, doc);
    free(txt);
    arena_free(&a);
}

TEST(add_string_appends_a_member_cjson_can_find)
{
    arena_t a = {0};
    cJSON *v = jsonarena_parse(&a, "{\"a\":1}", 7);
    jsonarena_add_string(&a, v, "kind", "Pod");
    jsonarena_add_string(&a, v, "apiVersion", "v1");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(v, "kind")->valuestring, "Pod");
    CHECK(v->child->prev == cJSON_GetObjectItemCaseSensitive(v, "apiVersion"));
    char *txt = cJSON_PrintUnformatted(v);
    CHECK_STR(txt, "{\"a\":1,\"kind\":\"Pod\",\"apiVersion\":\"v1\"}");
    free(txt);
    cJSON *e = jsonarena_parse(&a, "{}", 2);
    jsonarena_add_string(&a, e, "k", "v");
    CHECK(e->child && e->child->prev == e->child);
    txt = cJSON_PrintUnformatted(e);
    CHECK_STR(txt, "{\"k\":\"v\"}");
    free(txt);
    arena_free(&a);
}

TEST(reset_forgets_every_node)
{
    arena_t a = {0};
    for (int round = 0; round < 3; round++) {
        cJSON *v = jsonarena_parse(&a, "[\"x\",{\"y\":[1,2,3]}]", 19);
        CHECK(cJSON_IsArray(v));
        CHECK(a.used_total > 0);
        arena_reset(&a);
        CHECK_INT(a.used_total, 0);
    }
    arena_free(&a);
}

TEST_MAIN()
