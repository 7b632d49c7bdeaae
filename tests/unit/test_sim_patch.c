/* test_sim_patch.c — merge, strategic merge and JSON patches. */
#include "test.h"

#include <stdlib.h>

#include "patch.h"
#include "store.h"

static char *apply(int type, const char *doc, const char *patch, int *code)
{
    cJSON *p = cJSON_Parse(patch);
    if (!p) TEST_FAIL_("bad patch JSON %s", patch);
    err_t err = {0};
    cJSON *out = sim_patch_apply(type, cJSON_Parse(doc), p, &err);
    cJSON_Delete(p);
    if (code) *code = err.code;
    if (!out) return NULL;
    char *s = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    return s;
}

#define CHECK_PATCH(type, doc, patch, want)                                                                        \
    do {                                                                                                           \
        char *got_ = apply(type, doc, patch, NULL);                                                                \
        CHECK_STR(got_, want);                                                                                     \
        free(got_);                                                                                                \
    } while (0)

TEST(content_types_map_to_patch_kinds)
{
    CHECK_INT(sim_patch_type("application/merge-patch+json"), SIM_PATCH_MERGE);
    CHECK_INT(sim_patch_type("application/strategic-merge-patch+json; charset=utf-8"), SIM_PATCH_STRATEGIC);
    CHECK_INT(sim_patch_type("application/json-patch+json"), SIM_PATCH_JSON);
    CHECK_INT(sim_patch_type("application/apply-patch+yaml"), SIM_PATCH_STRATEGIC);
    CHECK_INT(sim_patch_type("text/plain"), -1);
}

TEST(merge_patch_follows_rfc7386)
{
    CHECK_PATCH(SIM_PATCH_MERGE, "{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":\"g\"}}",
                "{\"a\":\"z\",\"c\":{\"f\":null}}", "{\"a\":\"z\",\"c\":{\"d\":\"e\"}}");
    CHECK_PATCH(SIM_PATCH_MERGE, "{\"a\":[1,2]}", "{\"a\":[3]}", "{\"a\":[3]}");
    CHECK_PATCH(SIM_PATCH_MERGE, "{\"a\":\"b\"}", "{\"a\":{\"x\":1}}", "{\"a\":{\"x\":1}}");
}

TEST(strategic_merge_merges_containers_by_name)
{
    CHECK_PATCH(SIM_PATCH_STRATEGIC,
                "{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\",\"image\":\"2\"}]}",
                "{\"containers\":[{\"name\":\"b\",\"image\":\"3\"},{\"name\":\"c\",\"image\":\"4\"}]}",
                "{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},{\"name\":\"b\",\"image\":\"3\"},"
                "{\"name\":\"c\",\"image\":\"4\"}]}");
}

TEST(strategic_merge_patch_delete_removes_a_list_element)
{
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}",
                "{\"env\":[{\"name\":\"A\",\"$patch\":\"delete\"}]}", "{\"env\":[{\"name\":\"B\",\"value\":\"2\"}]}");
}

TEST(strategic_merge_keys_ports_and_mounts)
{
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"ports\":[{\"containerPort\":80,\"name\":\"http\"}]}",
                "{\"ports\":[{\"containerPort\":443}]}",
                "{\"ports\":[{\"containerPort\":80,\"name\":\"http\"},{\"containerPort\":443}]}");
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"volumeMounts\":[{\"mountPath\":\"/a\",\"name\":\"x\"}]}",
                "{\"volumeMounts\":[{\"mountPath\":\"/a\",\"name\":\"y\"}]}",
                "{\"volumeMounts\":[{\"mountPath\":\"/a\",\"name\":\"y\"}]}");
}

TEST(strategic_merge_directives)
{
    /* $patch: replace on a map, $retainKeys, $setElementOrder, unkeyed lists replaced */
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"m\":{\"a\":1,\"b\":2}}", "{\"m\":{\"$patch\":\"replace\",\"c\":3}}",
                "{\"m\":{\"c\":3}}");
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"s\":{\"a\":1,\"b\":2}}", "{\"s\":{\"$retainKeys\":[\"b\"],\"b\":5}}",
                "{\"s\":{\"b\":5}}");
    CHECK_PATCH(SIM_PATCH_STRATEGIC,
                "{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
                "{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}",
                "{\"containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}");
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"args\":[\"x\",\"y\"]}", "{\"args\":[\"z\"]}", "{\"args\":[\"z\"]}");
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"metadata\":{\"finalizers\":[\"a\"]}}",
                "{\"metadata\":{\"finalizers\":[\"b\",\"a\"]}}", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}");
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
                "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"a\"]}}",
                "{\"metadata\":{\"finalizers\":[\"b\"]}}");
    CHECK_PATCH(SIM_PATCH_STRATEGIC, "{\"a\":{\"b\":1},\"c\":2}", "{\"a\":{\"$patch\":\"delete\"}}", "{\"c\":2}");
}

TEST(json_patch_ops_follow_rfc6902)
{
    CHECK_PATCH(SIM_PATCH_JSON, "{\"a\":[1,2],\"b\":{\"c~d\":1}}",
                "[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":3},{\"op\":\"add\",\"path\":\"/a/0\",\"value\":0},"
                "{\"op\":\"remove\",\"path\":\"/b/c~0d\"},{\"op\":\"replace\",\"path\":\"/b\",\"value\":5},"
                "{\"op\":\"copy\",\"from\":\"/b\",\"path\":\"/e\"},{\"op\":\"move\",\"from\":\"/e\",\"path\":\"/f\"},"
                "{\"op\":\"test\",\"path\":\"/f\",\"value\":5}]",
                "{\"a\":[0,1,2,3],\"b\":5,\"f\":5}");
}

TEST(failed_json_patch_is_invalid_and_malformed_is_bad_request)
{
    int code = 0;
    CHECK(apply(SIM_PATCH_JSON, "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]", &code) == NULL);
    CHECK_INT(code, ERR_INVALID);
    CHECK(apply(SIM_PATCH_JSON, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/nope\"}]", &code) == NULL);
    CHECK_INT(code, ERR_INVALID);
    CHECK(apply(SIM_PATCH_JSON, "{\"a\":1}", "{\"op\":\"add\"}", &code) == NULL);
    CHECK_INT(code, SIM_ERR_BAD_REQUEST);
    CHECK(apply(SIM_PATCH_JSON, "{\"a\":1}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", &code) == NULL);
    CHECK_INT(code, SIM_ERR_BAD_REQUEST);
    CHECK(apply(SIM_PATCH_MERGE, "{\"a\":1}", "[1]", &code) == NULL);
    CHECK_INT(code, SIM_ERR_BAD_REQUEST);
}

TEST_MAIN()
