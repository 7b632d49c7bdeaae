/* test_api_listcache.c — the list cache of resource pages (api/listcache.h)
 * and the store figures it relies on (store_kind_gens, store_obj_stamp,
 * store_obj_columns): orders and rows follow every change, AGE is written
 * fresh at each render, and pages resume exactly after their cursor while
 * objects come and go. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/listcache.h"
#include "base/buf.h"
#include "store/store.h"
#include "test.h"

static const store_kind_t POD = {"", "v1", "Pod", true};
static const store_kind_t CM = {"", "v1", "ConfigMap", true};
static const store_kind_t NODE = {"", "v1", "Node", false};

static void put(store_t *s, const store_kind_t *k, const char *ns, const char *name, const char *extra)
{
    char json[1024];
    snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"%s}}", name, ns, extra ? extra : "");
    cJSON *o = cJSON_Parse(json);
    if (!o) TEST_FAIL_("bad fixture JSON: %s", json);
    err_t err = {0};
    if (store_apply_event(s, STORE_EV_MODIFIED, k, o, &err)) TEST_FAIL_("apply failed: %s", err.msg);
    cJSON_Delete(o);
}

static void del(store_t *s, const store_kind_t *k, const char *ns, const char *name)
{
    char json[512];
    snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"}}", name, ns);
    cJSON *o = cJSON_Parse(json);
    err_t err = {0};
    store_apply_event(s, STORE_EV_DELETED, k, o, &err);
    cJSON_Delete(o);
}

static uint32_t id_of(store_t *s, const char *str) { return intern_find(store_strings(s), str, strlen(str)); }

static store_oid_t find(store_t *s, const char *id) { return store_find(s, id, strlen(id)); }

/* One page as "ns/name ns/name …" plus the cursor for the next one. */
static size_t page(api_listcache_t *lc, store_t *s, const char *const *nss, size_t nns, int sort, bool desc,
                   size_t limit, const api_cursor_t *after, char *out, size_t cap, api_cursor_t *next)
{
    uint32_t ids[16];
    size_t n = 0;
    for (size_t i = 0; i < nns; i++) {
        uint32_t id = id_of(s, nss[i]);
        if (id != INTERN_NONE) ids[n++] = id;
    }
    api_list_query_t q = {.kind = id_of(s, "Pod"), .nss = ids, .nns = n, .sort = sort, .desc = desc,
                          .limit = limit, .after = after};
    api_list_page_t pg;
    api_listcache_page(lc, s, &q, &pg);
    out[0] = '\0';
    size_t w = 0;
    for (size_t i = 0; i < pg.n; i++)
        w += (size_t)snprintf(out + w, cap - w, "%s%s/%s", i ? " " : "", store_str(s, store_obj_ns(s, pg.items[i])),
                              store_str(s, store_obj_name(s, pg.items[i])));
    if (next && pg.n) api_listcache_cursor(s, pg.items[pg.n - 1], sort, 7, next);
    size_t rem = pg.remaining;
    free(pg.items);
    return rem;
}

TEST(namespace_kind_generations_move_only_with_their_own_changes)
{
    store_t *s = store_new("c");
    put(s, &POD, "a", "p1", NULL);
    put(s, &POD, "b", "p1", NULL);
    store_gens_t ga, gb, gk;
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &ga);
    store_kind_gens(s, id_of(s, "b"), id_of(s, "Pod"), &gb);
    CHECK(ga.members && ga.members < gb.members);
    /* a change in b leaves a's figures alone; the kind's move */
    put(s, &POD, "b", "p2", NULL);
    store_gens_t ga2, gb2;
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &ga2);
    store_kind_gens(s, id_of(s, "b"), id_of(s, "Pod"), &gb2);
    store_kind_gens(s, STORE_ANY, id_of(s, "Pod"), &gk);
    CHECK(ga2.members == ga.members && ga2.any == ga.any);
    CHECK(gb2.members > gb.members);
    CHECK_INT((long long)gk.members, (long long)store_generation(s));
    /* a change that moves nothing in the order touches `any` only */
    put(s, &POD, "a", "p1", ",\"labels\":{\"x\":\"1\"}");
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &ga2);
    CHECK(ga2.any > ga.any && ga2.members == ga.members && ga2.status == ga.status);
    /* a ConfigMap in a is another kind */
    put(s, &CM, "a", "c1", NULL);
    store_gens_t ga3;
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &ga3);
    CHECK(ga3.any == ga2.any);
    /* the last pod of a goes: forgotten, and the next starts above all */
    del(s, &POD, "a", "p1");
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &ga3);
    CHECK(ga3.any == 0 && ga3.members == 0);
    put(s, &POD, "a", "p9", NULL);
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &ga3);
    CHECK(ga3.members > gb2.members && ga3.members == store_generation(s));
    CHECK_INT((long long)store_kind_count(s, id_of(s, "a"), id_of(s, "Pod")), 1);
    store_free(s);
}

TEST(object_stamp_changes_with_every_change_and_on_handle_reuse)
{
    store_t *s = store_new("c");
    put(s, &POD, "a", "p1", NULL);
    store_oid_t o = find(s, "Pod/a/p1");
    uint32_t st0 = store_obj_stamp(s, o);
    put(s, &POD, "a", "p1", ",\"labels\":{\"x\":\"1\"}");
    CHECK(store_obj_stamp(s, o) != st0);
    uint32_t st1 = store_obj_stamp(s, o);
    del(s, &POD, "a", "p1");
    put(s, &POD, "a", "p2", NULL);
    store_oid_t o2 = find(s, "Pod/a/p2");
    CHECK_INT(o2, o); /* the handle is reused… */
    CHECK(store_obj_stamp(s, o2) != st1 && store_obj_stamp(s, o2) != st0); /* …with a stamp of its own */
    store_free(s);
}

TEST(status_generation_moves_on_a_status_change)
{
    store_t *s = store_new("c");
    put(s, &POD, "a", "p1", "},\"status\":{\"phase\":\"Running\"");
    store_gens_t g0, g1;
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &g0);
    put(s, &POD, "a", "p1", "},\"status\":{\"phase\":\"Failed\"");
    store_kind_gens(s, id_of(s, "a"), id_of(s, "Pod"), &g1);
    CHECK(g1.status > g0.status && g1.members == g0.members);
    store_free(s);
}

TEST(rows_follow_object_changes_and_age_is_written_at_render)
{
    store_t *s = store_new("c");
    put(s, &POD, "a", "p1",
        ",\"creationTimestamp\":\"2026-01-01T00:00:00Z\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"w1\"");
    api_listcache_t *lc = api_listcache_new(0, 0);
    store_oid_t o = find(s, "Pod/a/p1");
    int64_t t0 = 1767225600; /* 2026-01-01T00:00:00Z */
    buf_t b = {0};
    api_listcache_row(lc, s, o, t0 + 30, &b);
    CHECK(strstr(b.data, "\"app\":\"web\"") != NULL);
    CHECK(strstr(b.data, "\"AGE\":\"30s\"}}") != NULL);
    CHECK(b.data[b.len - 1] == '}');
    /* the same row later: cached, AGE still fresh */
    buf_reset(&b);
    api_listcache_row(lc, s, o, t0 + 300, &b);
    CHECK(strstr(b.data, "\"AGE\":\"5m\"}}") != NULL);
    buf_reset(&b);
    api_listcache_row(lc, s, o, t0 + 3 * 86400, &b);
    CHECK(strstr(b.data, "\"AGE\":\"3d\"}}") != NULL);
    api_listcache_stats_t st;
    api_listcache_stats(lc, &st);
    CHECK_INT((long long)st.row_misses, 1);
    CHECK_INT((long long)st.row_hits, 2);
    /* the object changes: the row is built again with the new labels */
    put(s, &POD, "a", "p1", ",\"creationTimestamp\":\"2026-01-01T00:00:00Z\",\"labels\":{\"app\":\"db\"}");
    buf_reset(&b);
    api_listcache_row(lc, s, o, t0 + 30, &b);
    CHECK(strstr(b.data, "\"app\":\"db\"") != NULL && strstr(b.data, "\"app\":\"web\"") == NULL);
    api_listcache_stats(lc, &st);
    CHECK_INT((long long)st.row_misses, 2);
    /* a row is the same JSON as the columns the store writes */
    buf_t cols = {0};
    store_columns_json(s, o, t0 + 30, &cols);
    CHECK(strstr(b.data, cols.data) != NULL);
    buf_free(&cols);
    buf_free(&b);
    api_listcache_free(lc);
    store_free(s);
}

TEST(tiny_row_budget_evicts_but_every_row_stays_right)
{
    store_t *s = store_new("c");
    char name[32];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "p%02d", i);
        put(s, &POD, "a", name, NULL);
    }
    api_listcache_t *lc = api_listcache_new(2000, 0);
    buf_t b = {0};
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 50; i++) {
            snprintf(name, sizeof name, "Pod/a/p%02d", i);
            buf_reset(&b);
            api_listcache_row(lc, s, find(s, name), 0, &b);
            char want[64];
            snprintf(want, sizeof want, "{\"id\":\"%s\"", name);
            CHECK(strncmp(b.data, want, strlen(want)) == 0);
        }
    api_listcache_stats_t st;
    api_listcache_stats(lc, &st);
    CHECK(st.row_bytes <= 2000);
    CHECK(st.rows < 50);
    buf_free(&b);
    api_listcache_free(lc);
    store_free(s);
}

TEST(pages_merge_namespaces_in_every_sort_and_direction)
{
    store_t *s = store_new("c");
    put(s, &POD, "b", "x", ",\"creationTimestamp\":\"2026-01-01T00:00:03Z\"");
    put(s, &POD, "a", "y", ",\"creationTimestamp\":\"2026-01-01T00:00:01Z\"");
    put(s, &POD, "a", "x", ",\"creationTimestamp\":\"2026-01-01T00:00:02Z\"");
    put(s, &POD, "b", "a", ",\"creationTimestamp\":\"2026-01-01T00:00:01Z\"");
    put(s, &CM, "a", "zz", NULL); /* another kind: never listed */
    api_listcache_t *lc = api_listcache_new(0, 0);
    const char *nss[] = {"b", "a"};
    char out[512];
    CHECK_INT((long long)page(lc, s, nss, 2, API_SORT_NAMESPACE, false, 10, NULL, out, sizeof out, NULL), 0);
    CHECK_STR(out, "a/x a/y b/a b/x");
    page(lc, s, nss, 2, API_SORT_NAMESPACE, true, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "b/x b/a a/y a/x");
    page(lc, s, nss, 2, API_SORT_NAME, false, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "b/a a/x b/x a/y");
    page(lc, s, nss, 2, API_SORT_CREATED, false, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "a/y b/a a/x b/x");
    page(lc, s, nss, 2, API_SORT_CREATED, true, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "b/x a/x b/a a/y");
    /* paging by two, both directions */
    api_cursor_t c;
    CHECK_INT((long long)page(lc, s, nss, 2, API_SORT_NAME, false, 2, NULL, out, sizeof out, &c), 2);
    CHECK_STR(out, "b/a a/x");
    CHECK_INT((long long)page(lc, s, nss, 2, API_SORT_NAME, false, 2, &c, out, sizeof out, &c), 0);
    CHECK_STR(out, "b/x a/y");
    CHECK_INT((long long)page(lc, s, nss, 2, API_SORT_CREATED, true, 3, NULL, out, sizeof out, &c), 1);
    CHECK_STR(out, "b/x a/x b/a");
    CHECK_INT((long long)page(lc, s, nss, 2, API_SORT_CREATED, true, 3, &c, out, sizeof out, NULL), 0);
    CHECK_STR(out, "a/y");
    api_listcache_free(lc);
    store_free(s);
}

TEST(status_order_follows_status_changes)
{
    store_t *s = store_new("c");
    put(s, &POD, "a", "p1", "},\"status\":{\"phase\":\"Running\"");
    put(s, &POD, "a", "p2", "},\"status\":{\"phase\":\"Running\"");
    api_listcache_t *lc = api_listcache_new(0, 0);
    const char *nss[] = {"a"};
    char out[256];
    page(lc, s, nss, 1, API_SORT_STATUS, true, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "a/p2 a/p1");
    put(s, &POD, "a", "p1", "},\"status\":{\"phase\":\"Failed\"");
    page(lc, s, nss, 1, API_SORT_STATUS, true, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "a/p1 a/p2");
    api_listcache_free(lc);
    store_free(s);
}

TEST(cursor_pages_stay_stable_while_objects_come_and_go)
{
    store_t *s = store_new("c");
    char name[32];
    for (int i = 0; i < 20; i += 2) {
        snprintf(name, sizeof name, "p%02d", i);
        put(s, &POD, "a", name, NULL);
    }
    api_listcache_t *lc = api_listcache_new(0, 0);
    const char *nss[] = {"a"};
    char out[512];
    api_cursor_t c;
    CHECK_INT((long long)page(lc, s, nss, 1, API_SORT_NAMESPACE, false, 4, NULL, out, sizeof out, &c), 6);
    CHECK_STR(out, "a/p00 a/p02 a/p04 a/p06");
    /* the cursor's own object and one before it go; objects come before
     * and after it; one after it changes (and so is re-placed) */
    del(s, &POD, "a", "p06");
    del(s, &POD, "a", "p02");
    put(s, &POD, "a", "p01", NULL);
    put(s, &POD, "a", "p07", NULL);
    put(s, &POD, "a", "p10", ",\"labels\":{\"x\":\"1\"}");
    put(s, &POD, "a", "p99", NULL);
    CHECK_INT((long long)page(lc, s, nss, 1, API_SORT_NAMESPACE, false, 4, &c, out, sizeof out, &c), 4);
    CHECK_STR(out, "a/p07 a/p08 a/p10 a/p12");
    CHECK_INT((long long)page(lc, s, nss, 1, API_SORT_NAMESPACE, false, 4, &c, out, sizeof out, &c), 0);
    CHECK_STR(out, "a/p14 a/p16 a/p18 a/p99");
    /* the order was brought up to date, not rebuilt */
    api_listcache_stats_t st;
    api_listcache_stats(lc, &st);
    CHECK_INT((long long)st.order_builds, 1);
    CHECK(st.order_syncs >= 2);
    /* nothing changed: no work at all */
    size_t syncs = st.order_syncs;
    page(lc, s, nss, 1, API_SORT_NAMESPACE, false, 4, NULL, out, sizeof out, NULL);
    api_listcache_stats(lc, &st);
    CHECK_INT((long long)st.order_syncs, (long long)syncs);
    /* a handle reused by another object under the old name's string id
     * lands in its own place */
    del(s, &POD, "a", "p00");
    put(s, &POD, "a", "zz", NULL);
    page(lc, s, nss, 1, API_SORT_NAMESPACE, true, 2, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "a/zz a/p99");
    api_listcache_free(lc);
    store_free(s);
}

TEST(cluster_scoped_kinds_and_emptied_namespaces)
{
    store_t *s = store_new("c");
    put(s, &NODE, "", "n2", NULL);
    put(s, &NODE, "", "n1", NULL);
    put(s, &POD, "a", "p1", NULL);
    api_listcache_t *lc = api_listcache_new(0, 0);
    uint32_t none = id_of(s, "");
    api_list_query_t q = {.kind = id_of(s, "Node"), .nss = &none, .nns = 1, .limit = 10};
    api_list_page_t pg;
    api_listcache_page(lc, s, &q, &pg);
    CHECK_INT((long long)pg.n, 2);
    CHECK_STR(store_str(s, store_obj_name(s, pg.items[0])), "n1");
    free(pg.items);
    const char *nss[] = {"a"};
    char out[128];
    page(lc, s, nss, 1, API_SORT_NAMESPACE, false, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "a/p1");
    put(s, &CM, "a", "keeps-the-namespace", NULL);
    del(s, &POD, "a", "p1");
    page(lc, s, nss, 1, API_SORT_NAMESPACE, false, 10, NULL, out, sizeof out, NULL);
    CHECK_STR(out, "");
    api_listcache_stats_t st;
    api_listcache_stats(lc, &st);
    CHECK_INT((long long)st.orders, 1); /* the Node order; a's went with its pods */
    api_listcache_free(lc);
    store_free(s);
}

static bool odd_filter(const store_t *s, store_oid_t o, void *ud)
{
    return store_selector_matches(s, ud, o);
}

TEST(filters_decide_page_and_remaining)
{
    store_t *s = store_new("c");
    char name[32];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "p%d", i);
        put(s, &POD, "a", name, i % 2 ? ",\"labels\":{\"odd\":\"1\"}" : NULL);
    }
    api_listcache_t *lc = api_listcache_new(0, 0);
    uint32_t a = id_of(s, "a");
    store_selector_t sel;
    err_t e = {0};
    CHECK_INT(store_selector_parse(s, "odd", 3, false, &sel, &e), 0);
    api_list_query_t q = {.kind = id_of(s, "Pod"), .nss = &a, .nns = 1, .limit = 2};
    api_list_page_t pg;
    api_listcache_page(lc, s, &q, &pg);
    CHECK_INT((long long)pg.remaining, 8);
    free(pg.items);
    q.filter = odd_filter;
    q.filter_ud = &sel;
    api_listcache_page(lc, s, &q, &pg);
    CHECK_INT((long long)pg.n, 2);
    CHECK_STR(store_str(s, store_obj_name(s, pg.items[1])), "p3");
    CHECK_INT((long long)pg.remaining, 3);
    free(pg.items);
    store_selector_release(s, &sel);
    api_listcache_free(lc);
    store_free(s);
}

/* Make the first page of namespace a (limit 2) and keep it as "key". */
static const api_page_bytes_t *kept(api_listcache_t *lc, store_t *s, api_list_query_t *q, int64_t now_s)
{
    return api_listcache_page_get(lc, s, "key", 3, q, now_s);
}

static void keep(api_listcache_t *lc, store_t *s, api_list_query_t *q, int64_t now_s, const char *body)
{
    api_list_page_t pg;
    api_listcache_page(lc, s, q, &pg);
    buf_t b = {0};
    buf_puts(&b, body);
    api_listcache_page_put(lc, s, "key", 3, q, &pg, now_s, &b);
    buf_free(&b);
    free(pg.items);
}

TEST(kept_page_is_reused_until_something_it_shows_changes)
{
    store_t *s = store_new("c");
    put(s, &POD, "a", "p1", NULL);
    put(s, &POD, "a", "p2", NULL);
    put(s, &POD, "a", "p3", NULL);
    put(s, &POD, "b", "p1", NULL);
    api_listcache_t *lc = api_listcache_new(0, 0);
    uint32_t a = id_of(s, "a");
    api_list_query_t q = {.kind = id_of(s, "Pod"), .nss = &a, .nns = 1, .limit = 2};
    CHECK(kept(lc, s, &q, 100) == NULL);
    keep(lc, s, &q, 100, "page-1");
    const api_page_bytes_t *b = kept(lc, s, &q, 100);
    CHECK(b != NULL && strcmp(b->data, "page-1") == 0);
    /* another second: AGE may read differently */
    CHECK(kept(lc, s, &q, 101) == NULL);
    keep(lc, s, &q, 101, "page-2");
    /* another namespace, another kind in a, an object of a after the page
     * changing (p3): none of them is on the page */
    put(s, &POD, "b", "p1", ",\"labels\":{\"x\":\"1\"}");
    put(s, &CM, "a", "c1", NULL);
    put(s, &POD, "a", "p3", ",\"labels\":{\"x\":\"1\"}");
    b = kept(lc, s, &q, 101);
    CHECK(b != NULL && strcmp(b->data, "page-2") == 0);
    /* an object on the page changes */
    put(s, &POD, "a", "p2", ",\"labels\":{\"x\":\"2\"}");
    CHECK(kept(lc, s, &q, 101) == NULL);
    keep(lc, s, &q, 101, "page-3");
    CHECK(kept(lc, s, &q, 101) != NULL);
    /* an object comes (after the page: "remaining" changes) */
    put(s, &POD, "a", "p9", NULL);
    CHECK(kept(lc, s, &q, 101) == NULL);
    keep(lc, s, &q, 101, "page-4");
    /* and goes */
    del(s, &POD, "a", "p3");
    CHECK(kept(lc, s, &q, 101) == NULL);
    api_listcache_stats_t st;
    api_listcache_stats(lc, &st);
    CHECK_INT((long long)st.page_hits, 3);
    CHECK_INT((long long)st.page_misses, 5);
    api_listcache_free(lc);
    store_free(s);
}

TEST(kept_filtered_or_status_pages_go_with_any_change_that_can_move_them)
{
    store_t *s = store_new("c");
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "p%d", i);
        put(s, &POD, "a", name, i % 2 ? ",\"labels\":{\"odd\":\"1\"}" : NULL);
    }
    api_listcache_t *lc = api_listcache_new(0, 0);
    uint32_t a = id_of(s, "a");
    store_selector_t sel;
    err_t e = {0};
    CHECK_INT(store_selector_parse(s, "odd", 3, false, &sel, &e), 0);
    api_list_query_t q = {.kind = id_of(s, "Pod"), .nss = &a, .nns = 1, .limit = 1, .filter = odd_filter,
                          .filter_ud = &sel};
    keep(lc, s, &q, 100, "odd");
    CHECK(kept(lc, s, &q, 100) != NULL);
    /* p0 gains the label: it enters the filtered page */
    put(s, &POD, "a", "p0", ",\"labels\":{\"odd\":\"1\"}");
    CHECK(kept(lc, s, &q, 100) == NULL);
    store_selector_release(s, &sel);
    /* by status: a status change elsewhere in the namespace moves the order */
    api_list_query_t qs = {.kind = id_of(s, "Pod"), .nss = &a, .nns = 1, .limit = 1, .sort = API_SORT_STATUS};
    keep(lc, s, &qs, 100, "by-status");
    CHECK(kept(lc, s, &qs, 100) != NULL);
    put(s, &POD, "a", "p3", ",\"labels\":{\"odd\":\"1\"}},\"status\":{\"phase\":\"Failed\"");
    CHECK(kept(lc, s, &qs, 100) == NULL);
    api_listcache_free(lc);
    store_free(s);
}

TEST(kept_pages_are_bounded_by_count_and_bytes)
{
    store_t *s = store_new("c");
    put(s, &POD, "a", "p1", NULL);
    api_listcache_t *lc = api_listcache_new(0, 0);
    api_listcache_set_page_budget(lc, 2, 1 << 20);
    uint32_t a = id_of(s, "a");
    api_list_query_t q = {.kind = id_of(s, "Pod"), .nss = &a, .nns = 1, .limit = 1};
    api_list_page_t pg;
    api_listcache_page(lc, s, &q, &pg);
    buf_t b = {0};
    buf_puts(&b, "x");
    api_listcache_page_put(lc, s, "k1", 2, &q, &pg, 100, &b);
    api_listcache_page_put(lc, s, "k2", 2, &q, &pg, 100, &b);
    CHECK(api_listcache_page_get(lc, s, "k1", 2, &q, 100) != NULL); /* k1 used last */
    api_listcache_page_put(lc, s, "k3", 2, &q, &pg, 100, &b);     /* k2 goes */
    CHECK(api_listcache_page_get(lc, s, "k2", 2, &q, 100) == NULL);
    CHECK(api_listcache_page_get(lc, s, "k1", 2, &q, 100) != NULL);
    api_page_bytes_t *k3 = api_listcache_page_get(lc, s, "k3", 2, &q, 100);
    CHECK(k3 != NULL);
    /* a response still sending k3 keeps its bytes after the cache lets go */
    k3->refs++;
    api_listcache_page_put(lc, s, "k5", 2, &q, &pg, 100, &b);
    api_listcache_page_put(lc, s, "k6", 2, &q, &pg, 100, &b);
    CHECK(api_listcache_page_get(lc, s, "k3", 2, &q, 100) == NULL);
    CHECK_INT(k3->refs, 1);
    CHECK_STR(k3->data, "x");
    api_page_bytes_release(k3); /* the last reference: freed (ASan checks) */
    /* a page over half the byte budget is not kept */
    api_listcache_set_page_budget(lc, 8, 64);
    buf_reset(&b);
    for (int i = 0; i < 40; i++) buf_putc(&b, 'y');
    api_listcache_page_put(lc, s, "k4", 2, &q, &pg, 100, &b);
    CHECK(api_listcache_page_get(lc, s, "k4", 2, &q, 100) == NULL);
    api_listcache_stats_t st;
    api_listcache_stats(lc, &st);
    CHECK(st.page_bytes <= 64 || st.pages <= 2);
    buf_free(&b);
    free(pg.items);
    api_listcache_free(lc);
    store_free(s);
}

TEST_MAIN()
