/* test_printcols.c — CRD printer columns: the JSONPath subset, cells as
 * kubectl prints them, the per-kind table built from CRDs, and the store's
 * list columns of custom resources (names, definitions, date columns,
 * relists after a CRD change). */
#include <cjson/cJSON.h>

#include "base/buf.h"
#include "store/printcols.h"
#include "store/store.h"
#include "test.h"

static const char *OBJ =
    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
    "\"metadata\":{\"name\":\"w1\",\"namespace\":\"shop\",\"uid\":\"11111111-2222-3333-4444-555555555555\","
    "\"creationTimestamp\":\"2033-05-18T03:33:20Z\",\"resourceVersion\":\"7\","
    "\"labels\":{\"app\":\"web\",\"app.kubernetes.io/name\":\"shopfront\"}},"
    "\"spec\":{\"replicas\":3,\"ratio\":0.25,\"paused\":false,\"ports\":[80,443],\"tier\":{\"name\":\"gold\"}},"
    "\"status\":{\"conditions\":[{\"type\":\"Synced\",\"status\":\"True\"},"
    "{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"Waiting\"}],"
    "\"items\":[{\"n\":\"a\",\"v\":1},{\"n\":\"b\",\"v\":5},{\"n\":\"c\",\"v\":9}],"
    "\"lastSync\":\"2033-05-18T03:30:00Z\"}}";

/* The cell of path on OBJ as type. */
static const char *cell(const char *path, int type, char *out, size_t cap)
{
    cJSON *o = cJSON_Parse(OBJ);
    err_t e = {0};
    printcols_path_t *p = printcols_path_compile(path, &e);
    if (!p) TEST_FAIL_("compile \"%s\": %s", path, e.msg);
    printcols_cell(p, type, o, out, cap);
    printcols_path_free(p);
    cJSON_Delete(o);
    return out;
}

#define CELL(path, type, want)                                                                                  \
    do {                                                                                                        \
        char b_[96];                                                                                            \
        CHECK_STR(cell(path, type, b_, sizeof b_), want);                                                       \
    } while (0)

TEST(field_paths_select_values)
{
    CELL(".spec.replicas", PRINTCOLS_INTEGER, "3");
    CELL(".spec.replicas", PRINTCOLS_STRING, "3");
    CELL("{.spec.tier.name}", PRINTCOLS_STRING, "gold");
    CELL("$.spec.tier.name", PRINTCOLS_STRING, "gold");
    CELL(".metadata.labels.app", PRINTCOLS_STRING, "web");
    CELL(".metadata.labels.app\\.kubernetes\\.io/name", PRINTCOLS_STRING, "shopfront");
    CELL(".metadata.labels['app.kubernetes.io/name']", PRINTCOLS_STRING, "shopfront");
    CELL(".spec.tier", PRINTCOLS_STRING, "{\"name\":\"gold\"}");
}

TEST(filter_selects_the_condition_by_type)
{
    CELL(".status.conditions[?(@.type==\"Ready\")].status", PRINTCOLS_STRING, "False");
    CELL(".status.conditions[?(@.type == 'Ready')].reason", PRINTCOLS_STRING, "Waiting");
    CELL(".status.conditions[?(@.type!=\"Ready\")].type", PRINTCOLS_STRING, "Synced");
    CELL(".status.conditions[?(@.reason)].type", PRINTCOLS_STRING, "Ready");
    CELL(".status.items[?(@.v>=5)].n", PRINTCOLS_STRING, "b,c");
    CELL(".status.items[?(@.v<5)].n", PRINTCOLS_STRING, "a");
    CELL(".status.conditions[?(@.type==\"Nope\")].status", PRINTCOLS_STRING, "");
}

TEST(indexes_slices_and_wildcards_join_with_commas)
{
    CELL(".spec.ports[0]", PRINTCOLS_INTEGER, "80");
    CELL(".spec.ports[-1]", PRINTCOLS_INTEGER, "443");
    CELL(".spec.ports[5]", PRINTCOLS_INTEGER, "");
    CELL(".spec.ports[*]", PRINTCOLS_STRING, "80,443");
    CELL(".status.items[*].n", PRINTCOLS_STRING, "a,b,c");
    CELL(".status.items[0:2].n", PRINTCOLS_STRING, "a,b");
    CELL(".status.items[1:].v", PRINTCOLS_INTEGER, "5,9");
    CELL(".status.conditions[*]['type','status']", PRINTCOLS_STRING, "Synced,True,Ready,False");
}

TEST(types_follow_the_column_declaration)
{
    CELL(".spec.ratio", PRINTCOLS_NUMBER, "0.25");
    CELL(".spec.replicas", PRINTCOLS_NUMBER, "3");
    CELL(".spec.ratio", PRINTCOLS_INTEGER, "0");
    CELL(".spec.paused", PRINTCOLS_BOOLEAN, "false");
    CELL(".spec.tier.name", PRINTCOLS_INTEGER, ""); /* a string is no integer */
    CELL(".spec.replicas", PRINTCOLS_BOOLEAN, "");
    CELL(".spec.missing", PRINTCOLS_STRING, "");
}

TEST(date_cells_keep_the_time_for_an_age_later)
{
    char b[96];
    cell(".status.lastSync", PRINTCOLS_DATE, b, sizeof b);
    long long t = 0;
    CHECK(printcols_date_of(b, &t));
    CHECK_INT(t, 1999999800);
    CHECK(!printcols_date_of("5m", &t));
    CELL(".spec.tier.name", PRINTCOLS_DATE, "<invalid>");
    CELL(".spec.nothing", PRINTCOLS_DATE, "");
}

TEST(unsupported_paths_are_refused_with_the_position)
{
    const char *bad[] = {"..name", ".a..b", ".a[", ".a[?(@.x==)]", ".a[?(x)]", "spec", ".a[1:2:3]",
                         ".a[?(@.b==1 && @.c==2)]", "{.a", ".a['x'", "."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t e = {0};
        printcols_path_t *p = printcols_path_compile(bad[i], &e);
        if (p) TEST_FAIL_("\"%s\" compiled", bad[i]);
        CHECK(strstr(e.msg, "jsonPath") != NULL);
    }
    char out[32];
    printcols_cell(NULL, PRINTCOLS_STRING, NULL, out, sizeof out);
    CHECK_STR(out, "<unsupported>");
}

TEST(long_results_are_cut_to_the_cell_size)
{
    cJSON *o = cJSON_CreateArray();
    for (int i = 0; i < 500; i++) cJSON_AddItemToArray(o, cJSON_CreateString("abcdefghij"));
    err_t e = {0};
    printcols_path_t *p = printcols_path_compile("[*]", &e);
    CHECK(p != NULL);
    const cJSON *vals[PRINTCOLS_MAX_RESULTS];
    CHECK_INT(printcols_path_eval(p, o, vals, 1000), PRINTCOLS_MAX_RESULTS);
    char out[40];
    printcols_cell(p, PRINTCOLS_STRING, o, out, sizeof out);
    CHECK_INT(strlen(out), 39);
    printcols_path_free(p);
    cJSON_Delete(o);
}

/* ---- the table ---- */

static const char *CRD =
    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
    "\"metadata\":{\"name\":\"widgets.example.com\",\"resourceVersion\":\"3\"},"
    "\"spec\":{\"group\":\"example.com\",\"scope\":\"Namespaced\","
    "\"names\":{\"kind\":\"Widget\",\"plural\":\"widgets\"},\"versions\":["
    "{\"name\":\"v1beta1\",\"served\":true,\"storage\":false,\"additionalPrinterColumns\":["
    "{\"name\":\"Old\",\"type\":\"string\",\"jsonPath\":\".spec.tier.name\"}]},"
    "{\"name\":\"v1\",\"served\":true,\"storage\":true,\"additionalPrinterColumns\":["
    "{\"name\":\"Replicas\",\"type\":\"integer\",\"jsonPath\":\".spec.replicas\"},"
    "{\"name\":\"Ready\",\"type\":\"string\",\"jsonPath\":\".status.conditions[?(@.type==\\\"Ready\\\")].status\"},"
    "{\"name\":\"Tier\",\"type\":\"string\",\"priority\":1,\"description\":\"service tier\","
    "\"jsonPath\":\".spec.tier.name\"},"
    "{\"name\":\"Last Sync\",\"type\":\"date\",\"jsonPath\":\".status.lastSync\"},"
    "{\"name\":\"Age\",\"type\":\"date\",\"jsonPath\":\".metadata.creationTimestamp\"}]}]}}";

TEST(table_takes_the_served_versions_columns)
{
    printcols_t *t = printcols_new();
    cJSON *crd = cJSON_Parse(CRD);
    char kind[320];
    CHECK(printcols_crd(t, false, crd, kind, sizeof kind));
    CHECK_STR(kind, "Widget.example.com");
    CHECK(!printcols_crd(t, false, crd, kind, sizeof kind)); /* same again: no change */
    const printcols_set_t *set = printcols_use(t, "Widget.example.com", "v1");
    CHECK(set != NULL);
    CHECK_INT(set->n, 4); /* Age is the API's own AGE */
    CHECK_STR(set->names[0], "REPLICAS");
    CHECK_STR(set->names[3], "LAST SYNC");
    CHECK_STR(set->names[4], "AGE");
    CHECK_INT(set->cols[2].priority, 1);
    CHECK_STR(set->cols[2].description, "service tier");
    set = printcols_use(t, "Widget.example.com", "v1beta1");
    CHECK_INT(set->n, 1);
    CHECK(printcols_find(t, "Widget.example.com") == set);
    set = printcols_use(t, "Widget.example.com", "v9"); /* unknown: the storage version */
    CHECK_INT(set->n, 4);
    CHECK(printcols_use(t, "Gadget.example.com", "v1") == NULL);
    CHECK(printcols_crd(t, true, crd, kind, sizeof kind));
    CHECK(printcols_find(t, "Widget.example.com") == NULL);
    cJSON_Delete(crd);
    printcols_free(t);
}

TEST(crd_without_columns_or_group_leaves_the_table_alone)
{
    printcols_t *t = printcols_new();
    cJSON *a = cJSON_Parse("{\"spec\":{\"group\":\"x.io\",\"names\":{\"kind\":\"A\"},"
                           "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true}]}}");
    cJSON *b = cJSON_Parse("{\"spec\":{\"names\":{\"kind\":\"B\"}}}");
    char kind[320];
    CHECK(!printcols_crd(t, false, a, kind, sizeof kind));
    CHECK(!printcols_crd(t, false, b, kind, sizeof kind));
    CHECK(printcols_find(t, "A.x.io") == NULL);
    cJSON_Delete(a);
    cJSON_Delete(b);
    printcols_free(t);
}

/* ---- through the store ---- */

static const store_kind_t CRDK = {"apiextensions.k8s.io", "v1", "CustomResourceDefinition", false};
static const store_kind_t WIDGET = {"example.com", "v1", "Widget", true};

static void apply(store_t *s, int type, const store_kind_t *k, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    if (!o) TEST_FAIL_("bad fixture JSON: %s", json);
    err_t err = {0};
    if (store_apply_event(s, type, k, o, &err)) TEST_FAIL_("apply failed: %s", err.msg);
    cJSON_Delete(o);
}

static void count_kind(const store_kind_t *k, void *ud)
{
    if (!strcmp(k->kind, "Widget")) (*(int *)ud)++;
}

TEST(store_lists_custom_resources_with_their_crd_columns)
{
    store_t *s = store_new("c1");
    apply(s, STORE_EV_ADDED, &CRDK, CRD);
    apply(s, STORE_EV_ADDED, &WIDGET, OBJ);
    store_oid_t o = store_find(s, "Widget.example.com/shop/w1", strlen("Widget.example.com/shop/w1"));
    CHECK(o != STORE_NONE);
    buf_t b = {0};
    /* 2033-05-18T03:33:20Z is 2000000000; lastSync 200 s before */
    store_columns_json(s, o, 2000000000 + 300, &b);
    CHECK_STR(b.data, "{\"REPLICAS\":\"3\",\"READY\":\"False\",\"TIER\":\"gold\",\"AGE\":\"5m\",\"LAST SYNC\":\"8m\"}");
    const char *const *names;
    CHECK_INT(store_column_names(s, "Widget.example.com", &names), 5);
    CHECK_STR(names[1], "READY");
    buf_reset(&b);
    store_column_defs_json(s, "Widget.example.com", &b);
    CHECK(strstr(b.data, "{\"name\":\"TIER\",\"type\":\"string\",\"priority\":1,\"jsonPath\":\".spec.tier.name\","
                         "\"description\":\"service tier\"}") != NULL);
    CHECK(strstr(b.data, "{\"name\":\"AGE\",\"type\":\"date\",\"priority\":0}]") != NULL);
    /* built-in kinds keep their tables; Pod's NODE and IP are -o wide */
    buf_reset(&b);
    store_column_defs_json(s, "Pod", &b);
    CHECK(strstr(b.data, "{\"name\":\"NODE\",\"type\":\"string\",\"priority\":1}") != NULL);
    CHECK(strstr(b.data, "{\"name\":\"READY\",\"type\":\"string\",\"priority\":0}") != NULL);
    buf_free(&b);
    store_free(s);
}

TEST(crd_change_marks_stored_objects_for_a_relist)
{
    store_t *s = store_new("c1");
    /* objects first (the CRD reflector may be slower): AGE only */
    apply(s, STORE_EV_ADDED, &WIDGET, OBJ);
    store_oid_t o = store_find(s, "Widget.example.com/shop/w1", strlen("Widget.example.com/shop/w1"));
    buf_t b = {0};
    store_columns_json(s, o, 2000000000 + 300, &b);
    CHECK_STR(b.data, "{\"AGE\":\"5m\"}");
    int stale = 0;
    store_stale_kinds(s, count_kind, &stale);
    CHECK_INT(stale, 0);
    apply(s, STORE_EV_ADDED, &CRDK, CRD);
    store_stale_kinds(s, count_kind, &stale);
    CHECK_INT(stale, 1);
    /* the relist projects them again with the columns */
    store_resync_begin(s, &WIDGET);
    apply(s, STORE_EV_MODIFIED, &WIDGET, OBJ);
    store_resync_end(s, &WIDGET);
    stale = 0;
    store_stale_kinds(s, count_kind, &stale);
    CHECK_INT(stale, 0);
    buf_reset(&b);
    store_columns_json(s, o, 2000000000 + 300, &b);
    CHECK(strstr(b.data, "\"REPLICAS\":\"3\"") != NULL);
    /* the same CRD again changes nothing */
    apply(s, STORE_EV_MODIFIED, &CRDK, CRD);
    store_stale_kinds(s, count_kind, &stale);
    CHECK_INT(stale, 0);
    /* CRD deleted: back to AGE only */
    apply(s, STORE_EV_DELETED, &CRDK, CRD);
    const char *const *names;
    CHECK_INT(store_column_names(s, "Widget.example.com", &names), 1);
    buf_free(&b);
    store_free(s);
}

TEST(hostile_crd_paths_only_cost_their_cells)
{
    store_t *s = store_new("c1");
    apply(s, STORE_EV_ADDED, &CRDK,
          "{\"metadata\":{\"name\":\"x.example.com\"},\"spec\":{\"group\":\"example.com\","
          "\"names\":{\"kind\":\"Widget\"},\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,"
          "\"additionalPrinterColumns\":[{\"name\":\"Deep\",\"type\":\"string\",\"jsonPath\":\"..status\"},"
          "{\"name\":\"All\",\"type\":\"string\",\"jsonPath\":\".status.items[*][*][*]\"}]}]}}");
    apply(s, STORE_EV_ADDED, &WIDGET, OBJ);
    store_oid_t o = store_find(s, "Widget.example.com/shop/w1", strlen("Widget.example.com/shop/w1"));
    buf_t b = {0};
    store_columns_json(s, o, 2000000000, &b);
    CHECK_STR(b.data, "{\"DEEP\":\"<unsupported>\",\"ALL\":\"\",\"AGE\":\"0s\"}");
    buf_free(&b);
    store_free(s);
}

TEST_MAIN()
