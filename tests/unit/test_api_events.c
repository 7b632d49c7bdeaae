/* test_api_events.c — the bounded event ring and its queries. */
#include "api/events.h"
#include "base/clock.h"
#include "test.h"

static void apply(api_events_t *ev, int type, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    CHECK(o != NULL);
    api_events_apply(ev, type, o);
    cJSON_Delete(o);
}

static cJSON *query(api_events_t *ev, const api_events_query_t *q)
{
    buf_t b = {0};
    api_events_json(ev, q, &b);
    cJSON *o = cJSON_Parse(b.data);
    CHECK(o != NULL);
    buf_free(&b);
    return o;
}

#define EV(name, ns, kind, av, obj, type, last, count)                                                          \
    "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"" name "\",\"namespace\":\"" ns "\"},"    \
    "\"involvedObject\":{\"kind\":\"" kind "\",\"apiVersion\":\"" av "\",\"name\":\"" obj "\",\"namespace\":\"" ns \
    "\"},\"type\":\"" type "\",\"reason\":\"R\",\"message\":\"m\",\"count\":" #count ",\"firstTimestamp\":"      \
    "\"2026-01-01T00:00:00Z\",\"lastTimestamp\":\"" last "\",\"source\":{\"component\":\"kubelet\"}}"

TEST(events_carry_the_object_id_with_its_group)
{
    api_events_t ev;
    api_events_init(&ev, 100);
    apply(&ev, 0, EV("e1", "shop", "Deployment", "apps/v1", "web", "Normal", "2026-01-01T00:00:05Z", 1));
    apply(&ev, 0, EV("e2", "shop", "Pod", "v1", "web-1", "Warning", "2026-01-01T00:00:09Z", 3));
    api_events_query_t q = {0};
    cJSON *o = query(&ev, &q);
    cJSON *items = cJSON_GetObjectItem(o, "items");
    CHECK_INT(cJSON_GetArraySize(items), 2);
    cJSON *first = cJSON_GetArrayItem(items, 0); /* newest first */
    CHECK_STR(cJSON_GetObjectItem(first, "id")->valuestring, "Event/shop/e2");
    CHECK_STR(cJSON_GetObjectItem(first, "object")->valuestring, "Pod/shop/web-1");
    CHECK_INT(cJSON_GetObjectItem(first, "count")->valueint, 3);
    CHECK_STR(cJSON_GetObjectItem(first, "last")->valuestring, "2026-01-01T00:00:09Z");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 1), "object")->valuestring, "Deployment.apps/shop/web");
    cJSON_Delete(o);
    api_events_free(&ev);
}

TEST(updates_replace_in_place_and_deletes_remove)
{
    api_events_t ev;
    api_events_init(&ev, 100);
    apply(&ev, 0, EV("e1", "shop", "Pod", "v1", "a", "Warning", "2026-01-01T00:00:05Z", 1));
    apply(&ev, 1, EV("e1", "shop", "Pod", "v1", "a", "Warning", "2026-01-01T00:01:05Z", 7));
    CHECK_INT(ev.n, 1);
    CHECK_INT(ev.head->count, 7);
    apply(&ev, 2, EV("e1", "shop", "Pod", "v1", "a", "Warning", "2026-01-01T00:01:05Z", 7));
    CHECK_INT(ev.n, 0);
    api_events_free(&ev);
}

TEST(the_ring_keeps_the_most_recently_updated)
{
    api_events_t ev;
    api_events_init(&ev, 3);
    char name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "e%d", i);
        buf_t b = {0};
        buf_printf(&b, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"shop\"},\"involvedObject\":{\"kind\":\"Pod\","
                       "\"name\":\"p\"},\"type\":\"Normal\"}", name);
        cJSON *o = cJSON_Parse(b.data);
        api_events_apply(&ev, 0, o);
        cJSON_Delete(o);
        buf_free(&b);
    }
    CHECK_INT(ev.n, 3);
    CHECK_STR(ev.head->id, "Event/shop/e7");
    api_events_free(&ev);
}

static bool only_shop(const char *ns, void *ud)
{
    (void)ud;
    return strcmp(ns, "shop") == 0;
}

TEST(queries_filter_by_type_object_time_and_visibility)
{
    api_events_t ev;
    api_events_init(&ev, 100);
    apply(&ev, 0, EV("e1", "shop", "Pod", "v1", "a", "Normal", "2026-01-01T00:00:05Z", 1));
    apply(&ev, 0, EV("e2", "shop", "Pod", "v1", "b", "Warning", "2026-01-01T00:00:06Z", 1));
    apply(&ev, 0, EV("e3", "payments", "Pod", "v1", "c", "Warning", "2026-01-01T00:00:07Z", 1));
    api_events_query_t q = {.type = "warning"};
    cJSON *o = query(&ev, &q);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 2);
    cJSON_Delete(o);
    map_t ids = {0};
    map_puts(&ids, "Pod/shop/a", (void *)1);
    api_events_query_t q2 = {.objects = &ids};
    o = query(&ev, &q2);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 1);
    cJSON_Delete(o);
    map_free(&ids);
    api_events_query_t q3 = {.visible = only_shop};
    o = query(&ev, &q3);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 2);
    cJSON_Delete(o);
    api_events_query_t q4 = {.since_ms = clock_parse_rfc3339("2026-01-01T00:00:06Z") * 1000, .limit = 1};
    o = query(&ev, &q4);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")), 1);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(o, "truncated")));
    cJSON_Delete(o);
    api_events_free(&ev);
}

TEST(new_api_events_use_regarding_and_note)
{
    api_events_t ev;
    api_events_init(&ev, 10);
    apply(&ev, 0, "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"x\",\"namespace\":"
                  "\"shop\"},\"regarding\":{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"name\":\"w1\"},\"note\":\"hi\","
                  "\"type\":\"Normal\",\"reason\":\"R\",\"eventTime\":\"2026-01-01T00:00:00.000000Z\","
                  "\"reportingController\":\"ctl\"}");
    CHECK_STR(ev.head->id, "Event.events.k8s.io/shop/x");
    CHECK_STR(ev.head->object, "Node//w1");
    CHECK_STR(ev.head->message, "hi");
    CHECK_STR(ev.head->source, "ctl");
    api_events_free(&ev);
}

TEST_MAIN()
