/* test_api_redact.c — what a live object looks like when it leaves, its
 * YAML form, and manifests coming in. */
#include <stdbool.h>

#include "api/redact.h"
#include "test.h"

static char *redacted(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    api_redact(o);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

TEST(secret_values_and_last_applied_are_redacted_keys_kept)
{
    char *s = redacted("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"annotations\":"
                       "{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"data\\\":{\\\"pw\\\":\\\"aHVudGVyMg==\\\"}}\","
                       "\"team\":\"shop\"},\"managedFields\":[{\"manager\":\"kubectl\"}]},"
                       "\"data\":{\"pw\":\"aHVudGVyMg==\",\"user\":\"YWRtaW4=\"},\"stringData\":{\"token\":\"t0p\"}}");
    CHECK_STR(s, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"annotations\":"
                 "{\"kubectl.kubernetes.io/last-applied-configuration\":\"<redacted>\",\"team\":\"shop\"}},"
                 "\"data\":{\"pw\":\"<redacted>\",\"user\":\"<redacted>\"},\"stringData\":{\"token\":\"<redacted>\"}}");
    CHECK(strstr(s, "aHVudGVyMg") == NULL);
    free(s);
}

TEST(other_kinds_keep_data_but_lose_managed_fields)
{
    char *s = redacted("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"managedFields\":[]},\"data\":{\"k\":\"v\"}}");
    CHECK_STR(s, "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}");
    free(s);
}

TEST(secret_lists_are_redacted_item_by_item)
{
    char *s = redacted("{\"kind\":\"SecretList\",\"items\":[{\"kind\":\"Secret\",\"data\":{\"a\":\"eA==\"}}]}");
    CHECK(strstr(s, "eA==") == NULL);
    CHECK(strstr(s, "\"a\":\"<redacted>\"") != NULL);
    free(s);
}

static char *yaml(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    buf_t b = {0};
    api_yaml_from_json(o, &b);
    cJSON_Delete(o);
    return buf_steal(&b);
}

TEST(yaml_is_block_style_and_quotes_what_yaml_would_misread)
{
    char *y = yaml("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"labels\":{\"on\":\"true\",\"v\":\"1.10\"}},"
                   "\"spec\":{\"containers\":[{\"name\":\"a\",\"args\":[\"--x\",\"a: b\",\"\"]}],\"n\":3,\"ok\":false,"
                   "\"empty\":{},\"none\":[],\"z\":null}}");
    CHECK_STR(y, "kind: Pod\n"
                 "metadata:\n"
                 "  name: web\n"
                 "  labels:\n"
                 "    \"on\": \"true\"\n"
                 "    v: \"1.10\"\n"
                 "spec:\n"
                 "  containers:\n"
                 "  - name: a\n"
                 "    args:\n"
                 "    - \"--x\"\n"
                 "    - \"a: b\"\n"
                 "    - \"\"\n"
                 "  \"n\": 3\n" /* n is a YAML 1.1 boolean */
                 "  ok: false\n"
                 "  empty: {}\n"
                 "  none: []\n"
                 "  z: null\n");
    free(y);
}

TEST(yaml_output_reads_back_as_the_same_strings)
{
    const char *in = "{\"a\":{\"b\":[\"x\",\"yes\",\"#c\",\"line\\nbreak\",\"\\u00e9t\\u00e9\",[\"n1\",\"n2\"]],"
                     "\"c\":\" lead\",\"d\":\"k: v\"}}";
    char *y = yaml(in);
    cJSON *back = NULL;
    err_t e = {0};
    CHECK_INT(api_manifest_parse(y, strlen(y), &back, &e), 0);
    cJSON *orig = cJSON_Parse(in);
    CHECK(cJSON_Compare(orig, back, true));
    cJSON_Delete(orig);
    cJSON_Delete(back);
    free(y);
}

TEST(manifests_parse_from_json_or_one_yaml_document)
{
    cJSON *m = NULL;
    err_t e = {0};
    const char *yml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n";
    CHECK_INT(api_manifest_parse(yml, strlen(yml), &m, &e), 0);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "metadata"), "namespace")->valuestring, "shop");
    cJSON_Delete(m);
    const char *js = " {\"kind\":\"ConfigMap\"}";
    CHECK_INT(api_manifest_parse(js, strlen(js), &m, &e), 0);
    cJSON_Delete(m);
}

TEST(bad_manifests_are_refused_with_a_reason)
{
    cJSON *m = NULL;
    err_t e = {0};
    const char *two = "kind: A\n---\nkind: B\n";
    CHECK_INT(api_manifest_parse(two, strlen(two), &m, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "more than one document") != NULL);
    const char *alias = "a: &x [1,2]\nb: *x\n";
    CHECK_INT(api_manifest_parse(alias, strlen(alias), &m, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "aliases") != NULL);
    const char *bad = "a: [1, 2\n";
    CHECK_INT(api_manifest_parse(bad, strlen(bad), &m, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "line") != NULL);
    const char *scalar = "just text\n";
    CHECK_INT(api_manifest_parse(scalar, strlen(scalar), &m, &e), ERR_INVALID);
    const char *badjson = "{\"a\":";
    CHECK_INT(api_manifest_parse(badjson, strlen(badjson), &m, &e), ERR_INVALID);
    CHECK(m == NULL);
}

TEST_MAIN()
