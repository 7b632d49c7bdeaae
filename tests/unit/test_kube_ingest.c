/* test_kube_ingest.c — a reflector turning list pages into events, fed in
 * process (kube_reflector__ingest_page, no server): order, kind/apiVersion,
 * malformed items, the whole-page and item-by-item paths agreeing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "kube/kube.h"
#include "kube/kube_int.h"
#include "test.h"

typedef struct rec {
    buf_t log; /* "ADDED ns/name rv kind apiVersion;" per event */
    int dropped;
    kube_reflector_t *free_me; /* freed from inside the second event */
    int events;
} rec_t;

static void on_event(int type, cJSON *obj, void *ud)
{
    rec_t *r = ud;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(md, "namespace");
    buf_printf(&r->log, "%s %s/%s %s %s %s;", kube_event_type_name(type), cJSON_IsString(ns) ? ns->valuestring : "",
               cJSON_GetObjectItemCaseSensitive(md, "name")->valuestring,
               cJSON_GetObjectItemCaseSensitive(md, "resourceVersion")->valuestring,
               cJSON_GetObjectItemCaseSensitive(obj, "kind")->valuestring,
               cJSON_GetObjectItemCaseSensitive(obj, "apiVersion")->valuestring);
    if (++r->events == 2 && r->free_me) {
        kube_reflector_free(r->free_me);
        r->free_me = NULL;
    }
}

static void on_dropped(void *ud, const char *cluster, const char *resource, const char *reason)
{
    (void)cluster;
    (void)resource;
    if (!strcmp(reason, "malformed")) ((rec_t *)ud)->dropped++;
}

typedef struct env {
    uv_loop_t loop;
    kube_client_t *client;
    kube_cluster_t *cl;
    kube_reflector_t *r;
    rec_t rec;
} env_t;

static void env_init(env_t *e)
{
    memset(e, 0, sizeof *e);
    uv_loop_init(&e->loop);
    err_t err = {0};
    e->client = kube_client_new(&e->loop, &err);
    CHECK(e->client != NULL);
    kube_hooks_t hooks = {.ud = &e->rec, .dropped = on_dropped};
    kube_client_set_hooks(e->client, &hooks);
    /* Never contacted: the loop does not run while pages are fed. */
    kube_cluster_config_t cfg = {.id = "c1", .server = "http://127.0.0.1:9"};
    e->cl = kube_cluster_new(e->client, &cfg, &err);
    CHECK(e->cl != NULL);
    kube_reflector_handlers_t h = {.on_event = on_event};
    e->r = kube_reflector_new(e->cl, "", "v1", "pods", NULL, &h, &e->rec, &err);
    CHECK(e->r != NULL);
}

static void env_done(env_t *e)
{
    kube_reflector_free(e->r);
    kube_client_free(e->client);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&e->loop), 0);
    buf_free(&e->rec.log);
}

static int feed(env_t *e, const char *page)
{
    return kube_reflector__ingest_page(e->r, page, strlen(page));
}

#define ITEM(ns, name, rv) "{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"" ns "\",\"resourceVersion\":\"" rv "\"}}"
#define PAGE(...) "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"99\"},\"items\":[" __VA_ARGS__ "]}"

TEST(page_items_arrive_in_resource_version_order_with_kind_and_api_version)
{
    env_t e;
    env_init(&e);
    CHECK_INT(feed(&e, PAGE(ITEM("a", "p3", "30") "," ITEM("a", "p1", "10") "," ITEM("b", "p2", "20"))), 1);
    CHECK_STR(e.rec.log.data, "ADDED a/p1 10 Pod v1;ADDED b/p2 20 Pod v1;ADDED a/p3 30 Pod v1;");
    CHECK_INT(kube_reflector_count(e.r), 3);
    CHECK_STR(kube_reflector_resource_version(e.r), "99");
    env_done(&e);
}

TEST(items_already_delivered_at_the_same_version_are_not_delivered_again)
{
    env_t e;
    env_init(&e);
    CHECK_INT(feed(&e, PAGE(ITEM("a", "p1", "10") "," ITEM("a", "p2", "20"))), 1);
    buf_reset(&e.rec.log);
    CHECK_INT(feed(&e, PAGE(ITEM("a", "p1", "10") "," ITEM("a", "p2", "21"))), 1);
    CHECK_STR(e.rec.log.data, "MODIFIED a/p2 21 Pod v1;");
    env_done(&e);
}

TEST(a_broken_item_is_counted_and_the_others_of_its_page_delivered)
{
    env_t e;
    env_init(&e);
    /* The page as a whole does not parse: the item-by-item path takes it. */
    CHECK_INT(feed(&e, PAGE(ITEM("a", "p2", "20") ",{\"metadata\":{\"name\":\"bad\"},\"x\":tru}," ITEM("a", "p1", "10"))),
              1);
    CHECK_STR(e.rec.log.data, "ADDED a/p1 10 Pod v1;ADDED a/p2 20 Pod v1;");
    CHECK_INT(e.rec.dropped, 1);
    env_done(&e);
}

TEST(an_item_without_a_name_is_counted_and_skipped)
{
    env_t e;
    env_init(&e);
    CHECK_INT(feed(&e, PAGE(ITEM("a", "p1", "10") ",{\"metadata\":{\"namespace\":\"a\"}},42")), 1);
    CHECK_STR(e.rec.log.data, "ADDED a/p1 10 Pod v1;");
    CHECK_INT(e.rec.dropped, 2);
    env_done(&e);
}

TEST(a_page_without_list_metadata_is_malformed_and_delivers_nothing)
{
    env_t e;
    env_init(&e);
    CHECK_INT(feed(&e, "{\"kind\":\"PodList\",\"items\":[" ITEM("a", "p1", "10") "]}"), 0);
    CHECK_INT(feed(&e, "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":{}}"), 0);
    CHECK_INT(feed(&e, "not json"), 0);
    CHECK(e.rec.log.len == 0);
    CHECK_INT(feed(&e, "{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":null}"), 1);
    CHECK(e.rec.log.len == 0);
    env_done(&e);
}

/* A body past the whole-page limit (8 MiB) goes item by item; the events
 * must be the same. */
TEST(a_huge_page_is_delivered_item_by_item_in_the_same_order)
{
    env_t big, small;
    env_init(&big);
    env_init(&small);
    buf_t pad = {0}, page = {0}, want = {0};
    for (int i = 0; i < 2048; i++) buf_putc(&pad, 'x');
    const int n = 4500;
    for (int part = 0; part < 2; part++) {
        buf_reset(&page);
        buf_puts(&page, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"99999\"},\"items\":[");
        for (int i = 0; i < n; i++) {
            int rv = (i * 7919) % n + 1; /* a permutation of 1..n */
            buf_printf(&page, "%s{\"metadata\":{\"name\":\"p%d\",\"namespace\":\"ns\",\"resourceVersion\":\"%d\"},"
                              "\"pad\":\"%s\"}",
                       i ? "," : "", i, rv, part ? pad.data : "");
        }
        buf_puts(&page, "]}");
        env_t *e = part ? &big : &small;
        CHECK(part ? page.len > (8u << 20) : page.len < (8u << 20));
        CHECK_INT(kube_reflector__ingest_page(e->r, page.data, page.len), 1);
    }
    CHECK_INT(kube_reflector_count(big.r), n);
    CHECK(big.rec.log.len == small.rec.log.len && !memcmp(big.rec.log.data, small.rec.log.data, big.rec.log.len));
    CHECK(strncmp(big.rec.log.data, "ADDED ns/p0 1 Pod v1;", 21) == 0);
    buf_free(&pad);
    buf_free(&page);
    buf_free(&want);
    env_done(&big);
    env_done(&small);
}

TEST(reflector_freed_by_its_consumer_mid_page_stops_quietly)
{
    env_t e;
    env_init(&e);
    e.rec.free_me = e.r;
    CHECK_INT(feed(&e, PAGE(ITEM("a", "p1", "10") "," ITEM("a", "p2", "20") "," ITEM("a", "p3", "30"))), -1);
    CHECK_INT(e.rec.events, 2);
    e.r = NULL;
    env_done(&e);
}

TEST_MAIN()
