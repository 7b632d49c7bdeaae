/* test_prom.c — named Prometheus queries: which arguments each query takes,
 * that nothing but Kubernetes names reaches the PromQL, the exact PromQL of
 * each template, ranges and steps, and Prometheus answers turned into
 * series. */
#include "api/prom.h"
#include "test.h"

static int plan(const char *name, api_prom_args_t a, api_prom_plan_t *p, err_t *e)
{
    memset(e, 0, sizeof *e);
    return api_prom_plan(name, &a, p, e);
}

static const char *promql(const char *name, api_prom_args_t a, const char *const *pods, size_t n, buf_t *b)
{
    api_prom_plan_t p;
    err_t e;
    if (plan(name, a, &p, &e)) TEST_FAIL_("plan %s: %s", name, e.msg);
    buf_reset(b);
    api_prom_promql(&p, &a, pods, n, b);
    return b->data;
}

TEST(each_template_gets_only_its_label_values)
{
    buf_t b = {0};
    CHECK_STR(promql("pod_cpu", (api_prom_args_t){.namespace_ = "shop", .pod = "web-1"}, NULL, 0, &b),
              "sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"shop\",pod=\"web-1\","
              "container!=\"\",container!=\"POD\"}[5m]))");
    CHECK_STR(promql("pod_restarts", (api_prom_args_t){.namespace_ = "shop", .pod = "web-1"}, NULL, 0, &b),
              "sum by (pod) (kube_pod_container_status_restarts_total{namespace=\"shop\",pod=\"web-1\"})");
    CHECK_STR(promql("namespace_memory", (api_prom_args_t){.namespace_ = "shop"}, NULL, 0, &b),
              "sum(container_memory_working_set_bytes{namespace=\"shop\",container!=\"\",container!=\"POD\"})");
    CHECK_STR(promql("node_cpu", (api_prom_args_t){.node = "worker-1.zone"}, NULL, 0, &b),
              "sum(rate(container_cpu_usage_seconds_total{node=\"worker-1.zone\",id=\"/\"}[5m]))");
    const char *pods[] = {"web-7d9f-abcde", "web.v2-x"};
    CHECK_STR(promql("workload_memory", (api_prom_args_t){.namespace_ = "shop", .workload = "Deployment/web"}, pods, 2,
                     &b),
              "sum by (pod) (container_memory_working_set_bytes{namespace=\"shop\",pod=~\"web-7d9f-abcde|web\\\\.v2-x\","
              "container!=\"\",container!=\"POD\"})");
    buf_free(&b);
}

TEST(label_values_must_be_kubernetes_names)
{
    api_prom_plan_t p;
    err_t e;
    const char *bad[] = {"a\"b", "x\\", "Shop", "-a", "a-", "a b", "a}", "a\n", "", "a,b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (plan("pod_cpu", (api_prom_args_t){.namespace_ = "shop", .pod = bad[i]}, &p, &e) != ERR_INVALID)
            TEST_FAIL_("pod \"%s\" accepted", bad[i]);
        CHECK(strstr(e.msg, "pod") != NULL);
    }
    /* a namespace is a label: no dots */
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a.b"}, &p, &e), ERR_INVALID);
    CHECK_INT(plan("workload_cpu", (api_prom_args_t){.namespace_ = "a", .workload = "Deployment/x\"y"}, &p, &e),
              ERR_INVALID);
    CHECK_INT(plan("workload_cpu", (api_prom_args_t){.namespace_ = "a", .workload = "Secret/x"}, &p, &e), ERR_INVALID);
    CHECK_INT(plan("workload_cpu", (api_prom_args_t){.namespace_ = "a", .workload = "statefulset/db"}, &p, &e), 0);
    CHECK_STR(p.wkind, "StatefulSet.apps");
    CHECK_STR(p.wname, "db");
}

TEST(missing_unexpected_and_unknown_are_refused_by_name)
{
    api_prom_plan_t p;
    err_t e;
    CHECK_INT(plan("pod_cpu", (api_prom_args_t){.namespace_ = "shop"}, &p, &e), ERR_INVALID);
    CHECK_STR(e.msg, "query \"pod_cpu\" needs the parameter pod");
    CHECK_INT(plan("node_cpu", (api_prom_args_t){.node = "n1", .pod = "p"}, &p, &e), ERR_INVALID);
    CHECK_STR(e.msg, "parameter pod is not used by query \"node_cpu\"");
    CHECK_INT(plan("up", (api_prom_args_t){0}, &p, &e), ERR_NOTFOUND);
    CHECK(strstr(e.msg, "no query \"up\"; the queries are pod_cpu, pod_memory") != NULL);
    CHECK_INT(plan("node_memory", (api_prom_args_t){.node = "n1"}, &p, &e), 0);
    CHECK(p.by_node);
}

TEST(range_and_step_make_a_range_query)
{
    api_prom_plan_t p;
    err_t e;
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a", .range = "1h"}, &p, &e), 0);
    CHECK_INT(p.range_s, 3600);
    CHECK_INT(p.step_s, 30); /* about 120 points */
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a", .range = "5m"}, &p, &e), 0);
    CHECK_INT(p.step_s, 15);
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a", .range = "2h", .step = "60"}, &p, &e), 0);
    CHECK_INT(p.step_s, 60);
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a", .step = "1m"}, &p, &e), ERR_INVALID);
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a", .range = "40d"}, &p, &e), ERR_INVALID);
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a", .range = "1d", .step = "1s"}, &p, &e),
              ERR_INVALID);
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a", .range = "1w"}, &p, &e), ERR_INVALID);
    CHECK_INT(plan("namespace_cpu", (api_prom_args_t){.namespace_ = "a"}, &p, &e), 0);
    CHECK_INT(p.range_s, 0);
    int64_t s;
    CHECK(api_prom_duration("90", &s) && s == 90);
    CHECK(!api_prom_duration("5mm", &s));
    CHECK(!api_prom_duration("-5m", &s));
}

static const char *norm(const char *body, buf_t *b, int *rc)
{
    static err_t e;
    memset(&e, 0, sizeof e);
    buf_reset(b);
    *rc = api_prom_normalise(body, strlen(body), b, &e);
    return *rc ? e.msg : b->data;
}

TEST(answers_become_series_of_numbers)
{
    buf_t b = {0};
    int rc;
    CHECK_STR(norm("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                   "{\"metric\":{\"pod\":\"web-1\"},\"value\":[1700000000.5,\"0.25\"]},"
                   "{\"metric\":{},\"value\":[1700000000,\"NaN\"]}]}}",
                   &b, &rc),
              "\"resultType\":\"vector\",\"series\":[{\"labels\":{\"pod\":\"web-1\"},\"points\":[[1700000000500,0.25]]},"
              "{\"labels\":{},\"points\":[[1700000000000,null]]}],\"truncated\":false");
    CHECK_STR(norm("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                   "{\"metric\":{\"pod\":\"a\"},\"values\":[[1,\"1\"],[2,\"+Inf\"],\"junk\",[3,\"3e9\"]]}]}}",
                   &b, &rc),
              "\"resultType\":\"matrix\",\"series\":[{\"labels\":{\"pod\":\"a\"},\"points\":[[1000,1],[2000,null],"
              "[3000,3000000000]]}],\"truncated\":false");
    CHECK_STR(norm("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[5,\"2\"]}}", &b, &rc),
              "\"resultType\":\"scalar\",\"series\":[{\"labels\":{},\"points\":[[5000,2]]}],\"truncated\":false");
    buf_free(&b);
}

TEST(prometheus_errors_carry_its_message)
{
    buf_t b = {0};
    int rc;
    CHECK_STR(norm("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 3\"}", &b, &rc),
              "parse error at char 3");
    CHECK_INT(rc, ERR_INVALID);
    CHECK_STR(norm("<html>502</html>", &b, &rc), "the answer is not JSON");
    CHECK_STR(norm("{\"status\":\"success\",\"data\":{\"resultType\":\"histogram\",\"result\":[]}}", &b, &rc),
              "resultType \"histogram\" is not one of vector, matrix, scalar, string");
    CHECK_STR(norm("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":3}]}}", &b, &rc),
              "a vector sample that is not [time, value]");
    buf_free(&b);
}

TEST(query_list_names_parameters_and_access)
{
    buf_t b = {0};
    api_prom_queries_json(&b);
    CHECK(strstr(b.data, "{\"name\":\"pod_cpu\",\"description\":") != NULL);
    CHECK(strstr(b.data, "\"unit\":\"cores\",\"parameters\":[\"namespace\",\"pod\"],\"optional\":[\"range\",\"step\"],"
                         "\"access\":\"list pods in the namespace\"}") != NULL);
    CHECK(strstr(b.data, "\"parameters\":[\"node\"],\"optional\":[\"range\",\"step\"],\"access\":\"list nodes\"}") != NULL);
    buf_free(&b);
}

TEST_MAIN()
