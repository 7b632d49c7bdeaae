/* test_sim_select.c — label and field selector parsing and matching. */
#include "test.h"

#include "select.h"

/* Packed labels as the store keeps them. */
static const char labels[] = "app\0web\0tier\0fe\0version\0" "3\0";

static bool lmatch(const char *sel)
{
    sim_selector_t *s = NULL;
    err_t err = {0};
    if (sim_label_selector_parse(sel, &s, &err) != 0) TEST_FAIL_("parse \"%s\": %s", sel, err.msg);
    bool m = sim_label_selector_match(s, labels);
    sim_selector_free(s);
    return m;
}

static int lparse(const char *sel)
{
    sim_selector_t *s = NULL;
    err_t err = {0};
    int rc = sim_label_selector_parse(sel, &s, &err);
    sim_selector_free(s);
    return rc;
}

TEST(empty_label_selector_selects_everything)
{
    CHECK(lmatch(""));
    CHECK(lmatch("  "));
}

TEST(equality_requirements)
{
    CHECK(lmatch("app=web"));
    CHECK(lmatch("app==web"));
    CHECK(!lmatch("app=db"));
    CHECK(lmatch("app!=db"));
    CHECK(!lmatch("app!=web"));
    CHECK(lmatch("missing!=x")); /* != holds when the key is absent */
    CHECK(lmatch("app=web,tier=fe"));
    CHECK(!lmatch("app=web,tier=be"));
}

TEST(set_requirements_and_existence)
{
    CHECK(lmatch("app in (web,db)"));
    CHECK(lmatch("app in(web)"));
    CHECK(!lmatch("app in (db)"));
    CHECK(lmatch("app notin (db, cache)"));
    CHECK(!lmatch("app notin (web)"));
    CHECK(lmatch("missing notin (x)"));
    CHECK(lmatch("tier"));
    CHECK(!lmatch("!tier"));
    CHECK(lmatch("!missing"));
    CHECK(lmatch("app in (web), !missing, tier"));
}

TEST(numeric_comparisons)
{
    CHECK(lmatch("version>2"));
    CHECK(!lmatch("version>3"));
    CHECK(lmatch("version<4"));
    CHECK(!lmatch("app>1"));
}

TEST(malformed_label_selectors_are_bad_requests)
{
    CHECK_INT(lparse("app in web"), SIM_ERR_BAD_REQUEST);
    CHECK_INT(lparse("app in (web"), SIM_ERR_BAD_REQUEST);
    CHECK_INT(lparse("=web"), SIM_ERR_BAD_REQUEST);
    CHECK_INT(lparse("app=web,"), SIM_ERR_BAD_REQUEST);
    CHECK_INT(lparse("app ~ web"), SIM_ERR_BAD_REQUEST);
    CHECK_INT(lparse("version>x"), SIM_ERR_BAD_REQUEST);
}

TEST(label_selector_matches_json_labels)
{
    sim_selector_t *s = NULL;
    CHECK_INT(sim_label_selector_parse("app=web,!gone", &s, NULL), 0);
    cJSON *l = cJSON_Parse("{\"app\":\"web\"}");
    CHECK(sim_label_selector_match_json(s, l));
    cJSON_AddStringToObject(l, "gone", "1");
    CHECK(!sim_label_selector_match_json(s, l));
    cJSON_Delete(l);
    sim_selector_free(s);
}

TEST(field_selectors_check_the_kind_and_match_stored_fields)
{
    sim_store_t *st = sim_store_new(NULL);
    const sim_kind_t *pods = sim_kind_by_resource(st, "", "pods");
    const sim_kind_t *cms = sim_kind_by_resource(st, "", "configmaps");
    sim_create(st, pods, "default",
               cJSON_Parse("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"phase\":\"Running\"}}"),
               NULL, NULL, NULL);
    sim_create(st, pods, "default", cJSON_Parse("{\"metadata\":{\"name\":\"b\"}}"), NULL, NULL, NULL);
    const sim_obj_t *a = sim_get_obj(st, pods, "default", "a"), *b = sim_get_obj(st, pods, "default", "b");
    sim_selector_t *f = NULL;
    err_t err = {0};
    CHECK_INT(sim_field_selector_parse("spec.nodeName=n1,status.phase==Running", pods, &f, &err), 0);
    CHECK(sim_field_selector_match(f, a));
    CHECK(!sim_field_selector_match(f, b));
    sim_selector_free(f);
    CHECK_INT(sim_field_selector_parse("spec.nodeName=", pods, &f, &err), 0);
    CHECK(!sim_field_selector_match(f, a));
    CHECK(sim_field_selector_match(f, b));
    sim_selector_free(f);
    CHECK_INT(sim_field_selector_parse("metadata.name!=a,metadata.namespace=default", pods, &f, &err), 0);
    CHECK(!sim_field_selector_match(f, a));
    CHECK(sim_field_selector_match(f, b));
    sim_selector_free(f);
    CHECK_INT(sim_field_selector_parse("spec.nodeName=n1", cms, &f, &err), SIM_ERR_BAD_REQUEST);
    CHECK_STR(err.msg, "field label not supported: spec.nodeName");
    CHECK_INT(sim_field_selector_parse("nonsense", pods, &f, &err), SIM_ERR_BAD_REQUEST);
    sim_store_free(st);
}

TEST(event_field_selectors_use_involved_object)
{
    sim_store_t *st = sim_store_new(NULL);
    const sim_kind_t *ev = sim_kind_by_resource(st, "", "events");
    sim_create(st, ev, "default",
               cJSON_Parse("{\"metadata\":{\"name\":\"e1\"},\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web-1\","
                           "\"namespace\":\"default\",\"uid\":\"u1\"},\"reason\":\"Scheduled\",\"type\":\"Normal\"}"),
               NULL, NULL, NULL);
    sim_selector_t *f = NULL;
    CHECK_INT(sim_field_selector_parse("involvedObject.name=web-1,involvedObject.namespace=default,"
                                       "involvedObject.uid=u1,involvedObject.kind=Pod",
                                       ev, &f, NULL),
              0);
    CHECK(sim_field_selector_match(f, sim_get_obj(st, ev, "default", "e1")));
    sim_selector_free(f);
    sim_store_free(st);
}

TEST_MAIN()
