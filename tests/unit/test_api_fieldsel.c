/* test_api_fieldsel.c — field selectors the store can answer. */
#include "api/fieldsel.h"
#include "test.h"

TEST(name_and_namespace_match_with_all_operators)
{
    api_fieldsel_t fs;
    CHECK_INT(api_fieldsel_parse("metadata.name=web,metadata.namespace!=kube-system", "Pod", &fs, NULL), 0);
    CHECK_INT(fs.n, 2);
    CHECK(api_fieldsel_match(&fs, "shop", "web", NULL));
    CHECK(!api_fieldsel_match(&fs, "kube-system", "web", NULL));
    CHECK(!api_fieldsel_match(&fs, "shop", "db", NULL));
    CHECK_INT(api_fieldsel_parse("metadata.name==web", "Pod", &fs, NULL), 0);
    CHECK(api_fieldsel_match(&fs, "x", "web", NULL));
}

TEST(node_name_only_for_pods)
{
    api_fieldsel_t fs;
    err_t e = {0};
    CHECK_INT(api_fieldsel_parse("spec.nodeName=worker-1", "Pod", &fs, &e), 0);
    CHECK(api_fieldsel_has(&fs, API_FIELD_NODENAME));
    CHECK(api_fieldsel_match(&fs, "shop", "a", "worker-1"));
    CHECK(!api_fieldsel_match(&fs, "shop", "a", ""));
    CHECK_INT(api_fieldsel_parse("spec.nodeName=worker-1", "Service", &fs, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "spec.nodeName") != NULL);
}

TEST(unsupported_fields_are_refused_by_name)
{
    api_fieldsel_t fs;
    err_t e = {0};
    CHECK_INT(api_fieldsel_parse("status.phase=Running", "Pod", &fs, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "\"status.phase\" is not supported") != NULL);
    CHECK(strstr(e.msg, "metadata.name") != NULL);
}

TEST(malformed_terms_are_refused)
{
    api_fieldsel_t fs;
    err_t e = {0};
    CHECK_INT(api_fieldsel_parse("metadata.name", "Pod", &fs, &e), ERR_INVALID);
    CHECK_INT(api_fieldsel_parse("=x", "Pod", &fs, &e), ERR_INVALID);
    CHECK_INT(api_fieldsel_parse("metadata.name=a=b", "Pod", &fs, &e), ERR_INVALID);
    CHECK_INT(api_fieldsel_parse("", "Pod", &fs, &e), 0);
    CHECK_INT(fs.n, 0);
    CHECK_INT(api_fieldsel_parse(NULL, "Pod", &fs, &e), 0);
}

TEST_MAIN()
