/* test_store.c — the compact object store: interning, projection, status
 * summaries, list columns, indexes, label selectors, relists. */
#include <cjson/cJSON.h>

#include "base/buf.h"
#include "script/script.h"
#include "store/intern.h"
#include "store/store.h"
#include "test.h"

static const store_kind_t POD = {"", "v1", "Pod", true};
static const store_kind_t DEPLOY = {"apps", "v1", "Deployment", true};
static const store_kind_t SVC = {"", "v1", "Service", true};
static const store_kind_t NODE = {"", "v1", "Node", false};
static const store_kind_t JOB = {"batch", "v1", "Job", true};
static const store_kind_t CM = {"", "v1", "ConfigMap", true};

static void apply(store_t *s, int type, const store_kind_t *k, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    if (!o) TEST_FAIL_("bad fixture JSON: %s", json);
    err_t err = {0};
    int rc = store_apply_event(s, type, k, o, &err);
    if (rc) TEST_FAIL_("apply failed: %s", err.msg);
    cJSON_Delete(o);
}

static store_oid_t find(store_t *s, const char *id)
{
    return store_find(s, id, strlen(id));
}

static const char *columns(store_t *s, const char *id, buf_t *b)
{
    buf_reset(b);
    store_columns_json(s, find(s, id), 2000000000, b);
    return b->data;
}

TEST(intern_frees_string_when_last_reference_goes)
{
    intern_t t;
    intern_init(&t);
    uint32_t a = intern_addz(&t, "web"), b = intern_addz(&t, "web");
    CHECK_INT(a, b);
    CHECK_INT(intern_count(&t), 2); /* "" and "web" */
    intern_unref(&t, a);
    CHECK(intern_find(&t, "web", 3) == a);
    intern_unref(&t, b);
    CHECK(intern_find(&t, "web", 3) == INTERN_NONE);
    CHECK_INT(intern_count(&t), 1);
    /* churn: ids are reused, lookups stay right */
    for (int i = 0; i < 5000; i++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i);
        intern_addz(&t, k);
    }
    for (int i = 0; i < 5000; i += 2) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i);
        intern_unref(&t, intern_find(&t, k, strlen(k)));
    }
    CHECK(intern_find(&t, "k2", 2) == INTERN_NONE);
    CHECK_STR(intern_str(&t, intern_find(&t, "k4999", 5)), "k4999");
    CHECK_STR(intern_str(&t, 0), "");
    intern_free(&t);
}

TEST(add_modify_delete_keep_identity_and_indexes)
{
    store_t *s = store_new("c1");
    apply(s, STORE_EV_ADDED, &POD,
          "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"0a0b0c0d-0000-4000-8000-"
          "000000000001\","
          "\"resourceVersion\":\"17\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"},"
          "\"creationTimestamp\":\"2026-11-27T10:00:00Z\"}}");
    store_oid_t o = find(s, "Pod/shop/web-1");
    CHECK(o != STORE_NONE);
    CHECK_INT(store_count(s), 1);
    CHECK_INT(store_resource_version(s), 17);
    CHECK_STR(store_obj_label_str(s, o, "app"), "web");
    CHECK_INT(store_obj_created(s, o), 1795773600);
    char uid[40];
    store_obj_uid(s, o, uid);
    CHECK_STR(uid, "0a0b0c0d-0000-4000-8000-000000000001");
    CHECK(store_find_uid(s, "0a0b0c0d-0000-4000-8000-000000000001") == o);
    size_t n;
    uint32_t app = intern_find(store_strings(s), "app", 3), web = intern_find(store_strings(s), "web", 3);
    store_label_postings(s, store_obj_ns(s, o), app, web, &n);
    CHECK_INT(n, 1);
    /* label change moves the posting */
    apply(s, STORE_EV_MODIFIED, &POD,
          "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"0a0b0c0d-0000-4000-8000-"
          "000000000001\","
          "\"resourceVersion\":\"20\",\"labels\":{\"app\":\"api\"}}}");
    CHECK(find(s, "Pod/shop/web-1") == o);
    store_label_postings(s, store_obj_ns(s, o), app, web, &n);
    CHECK_INT(n, 0);
    CHECK_STR(store_obj_label_str(s, o, "app"), "api");
    CHECK(store_obj_label_str(s, o, "tier") == NULL);
    CHECK_INT(store_resource_version(s), 20);
    apply(s, STORE_EV_DELETED, &POD,
          "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"resourceVersion\":\"21\"}}");
    CHECK(find(s, "Pod/shop/web-1") == STORE_NONE);
    CHECK_INT(store_count(s), 0);
    CHECK(store_find_uid(s, "0a0b0c0d-0000-4000-8000-000000000001") == STORE_NONE);
    /* every string went back: only "", kind names kept by the kind table */
    store_stats_t st;
    store_get_stats(s, &st);
    CHECK(st.strings <= 3);
    store_free(s);
}

TEST(namespaced_object_without_namespace_is_rejected)
{
    store_t *s = store_new("c1");
    cJSON *o = cJSON_Parse("{\"metadata\":{\"name\":\"x\"}}");
    err_t err = {0};
    CHECK_INT(store_apply_event(s, STORE_EV_ADDED, &POD, o, &err), ERR_INVALID);
    CHECK(strstr(err.msg, "namespace") != NULL);
    cJSON_Delete(o);
    o = cJSON_Parse("{\"metadata\":{\"namespace\":\"a\"}}");
    CHECK_INT(store_apply_event(s, STORE_EV_ADDED, &POD, o, &err), ERR_INVALID);
    cJSON_Delete(o);
    CHECK_INT(store_count(s), 0);
    store_free(s);
}

TEST(pod_status_summaries_name_the_reason)
{
    store_t *s = store_new("c1");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"crash\",\"namespace\":\"a\"},\"spec\":{\"nodeName\":\"n1\","
          "\"containers\":[{}]},"
          "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.7\",\"containerStatuses\":[{\"ready\":false,"
          "\"restartCount\":7,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}}");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"pull\",\"namespace\":\"a\"},\"spec\":{\"containers\":[{}]},\"status\":{"
          "\"phase\":"
          "\"Pending\",\"containerStatuses\":[{\"ready\":false,\"state\":{\"waiting\":{\"reason\":"
          "\"ImagePullBackOff\"}}}]}}");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"pend\",\"namespace\":\"a\"},\"spec\":{},\"status\":{\"phase\":"
          "\"Pending\"}}");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"notready\",\"namespace\":\"a\"},\"spec\":{\"containers\":[{},{}]},"
          "\"status\":{\"phase\":"
          "\"Running\",\"containerStatuses\":[{\"ready\":true,\"state\":{\"running\":{}}},{\"ready\":false,"
          "\"state\":"
          "{\"running\":{}}}]}}");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"ok\",\"namespace\":\"a\"},\"spec\":{\"containers\":[{}]},\"status\":{"
          "\"phase\":"
          "\"Running\",\"containerStatuses\":[{\"ready\":true,\"state\":{\"running\":{}}}]}}");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"done\",\"namespace\":\"a\"},\"spec\":{},\"status\":{\"phase\":"
          "\"Succeeded\"}}");
    apply(s, 0, &POD, "{\"metadata\":{\"name\":\"nostatus\",\"namespace\":\"a\"}}");
    struct {
        const char *id;
        int st;
        const char *reason;
    } want[] = {
        {"Pod/a/crash", STORE_STATUS_ERROR, "CrashLoopBackOff"},
        {"Pod/a/pull", STORE_STATUS_ERROR, "ImagePullBackOff"},
        {"Pod/a/pend", STORE_STATUS_WARNING, "Pending"},
        {"Pod/a/notready", STORE_STATUS_WARNING, "NotReady"},
        {"Pod/a/ok", STORE_STATUS_OK, "Running"},
        {"Pod/a/done", STORE_STATUS_OK, "Completed"},
        {"Pod/a/nostatus", STORE_STATUS_UNKNOWN, "Unknown"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        store_oid_t o = find(s, want[i].id);
        CHECK(o != STORE_NONE);
        CHECK_STR(store_status_name(store_obj_status(s, o)), store_status_name(want[i].st));
        CHECK_STR(store_obj_reason(s, o), want[i].reason);
    }
    buf_t b = {0};
    CHECK_STR(columns(s, "Pod/a/crash", &b),
              "{\"READY\":\"0/"
              "1\",\"STATUS\":\"CrashLoopBackOff\",\"RESTARTS\":\"7\",\"NODE\":\"n1\",\"IP\":\"10.0.0.7\","
              "\"AGE\":\"<unknown>\"}");
    buf_free(&b);
    store_free(s);
}

TEST(workload_node_and_job_status_and_columns)
{
    store_t *s = store_new("c1");
    apply(
        s, 0, &DEPLOY,
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"a\",\"creationTimestamp\":\"2026-11-27T10:00:00Z\"},"
        "\"spec\":{\"replicas\":3},\"status\":{\"replicas\":3,\"readyReplicas\":1,\"availableReplicas\":1,"
        "\"updatedReplicas\":3}}");
    store_oid_t d = find(s, "Deployment.apps/a/web");
    CHECK_INT(store_obj_status(s, d), STORE_STATUS_WARNING);
    CHECK_STR(store_obj_reason(s, d), "2 unavailable");
    buf_t b = {0};
    buf_reset(&b);
    store_columns_json(s, d, 1795773600 + 300, &b);
    CHECK_STR(b.data, "{\"READY\":\"1/3\",\"UP-TO-DATE\":\"3\",\"AVAILABLE\":\"1\",\"AGE\":\"5m\"}");
    apply(s, 0, &NODE,
          "{\"metadata\":{\"name\":\"n1\",\"labels\":{\"node-role.kubernetes.io/"
          "worker\":\"\"}},\"status\":{\"conditions\":"
          "[{\"type\":\"Ready\",\"status\":\"False\"}],\"nodeInfo\":{\"kubeletVersion\":\"v1.30.1\"}}}");
    store_oid_t n = find(s, "Node//n1");
    CHECK(n != STORE_NONE);
    CHECK_INT(store_obj_status(s, n), STORE_STATUS_ERROR);
    CHECK_STR(store_obj_reason(s, n), "NotReady");
    CHECK_STR(columns(s, "Node//n1", &b),
              "{\"STATUS\":\"NotReady\",\"ROLES\":\"worker\",\"VERSION\":\"v1.30.1\",\"AGE\":\"<unknown>\"}");
    apply(s, 0, &JOB,
          "{\"metadata\":{\"name\":\"j\",\"namespace\":\"a\"},\"spec\":{\"completions\":1},\"status\":{"
          "\"failed\":3,"
          "\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\"}]}}");
    CHECK_STR(store_obj_reason(s, find(s, "Job.batch/a/j")), "failed Job");
    CHECK_INT(store_obj_status(s, find(s, "Job.batch/a/j")), STORE_STATUS_ERROR);
    apply(s, 0, &SVC,
          "{\"metadata\":{\"name\":\"web\",\"namespace\":\"a\"},\"spec\":{\"type\":\"NodePort\","
          "\"clusterIP\":\"10.96.0.9\","
          "\"ports\":[{\"port\":80,\"nodePort\":30080,\"protocol\":\"TCP\"},{\"port\":443}]}}");
    CHECK_STR(columns(s, "Service/a/web", &b), "{\"TYPE\":\"NodePort\",\"CLUSTER-IP\":\"10.96.0.9\","
                                               "\"EXTERNAL-IP\":\"<none>\",\"PORTS\":\"80:30080/TCP,"
                                               "443/TCP\",\"AGE\":\"<unknown>\"}");
    apply(s, 0, &CM,
          "{\"metadata\":{\"name\":\"cfg\",\"namespace\":\"a\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}");
    CHECK_STR(columns(s, "ConfigMap/a/cfg", &b), "{\"DATA\":\"2\",\"AGE\":\"<unknown>\"}");
    store_kind_t crd = {"example.com", "v1", "Widget", true};
    apply(s, 0, &crd,
          "{\"metadata\":{\"name\":\"w\",\"namespace\":\"a\"},\"status\":{\"conditions\":[{\"type\":"
          "\"Ready\",\"status\":"
          "\"False\",\"reason\":\"Degraded\"}]}}");
    CHECK_STR(columns(s, "Widget.example.com/a/w", &b), "{\"AGE\":\"<unknown>\"}");
    CHECK_STR(store_obj_reason(s, find(s, "Widget.example.com/a/w")), "Degraded");
    buf_free(&b);
    store_free(s);
}

static bool count_visit(store_oid_t o, void *ud)
{
    (void)o;
    (*(int *)ud)++;
    return true;
}

TEST(label_selectors_equality_and_set_based)
{
    store_t *s = store_new("c1");
    apply(
        s, 0, &POD,
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"labels\":{\"app\":\"web\",\"env\":\"prod\"}}}");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"b\",\"namespace\":\"n\",\"labels\":{\"app\":\"web\",\"env\":\"dev\"}}}");
    apply(s, 0, &POD, "{\"metadata\":{\"name\":\"c\",\"namespace\":\"n\",\"labels\":{\"app\":\"db\"}}}");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"d\",\"namespace\":\"other\",\"labels\":{\"app\":\"web\",\"env\":"
          "\"prod\"}}}");
    struct {
        const char *sel;
        int in_n, everywhere;
    } cases[] = {
        {"app=web", 2, 3},
        {"app==web,env=prod", 1, 2},
        {"app!=web", 1, 1},
        {"env in (prod, dev)", 2, 3},
        {"env notin (prod)", 2, 2},
        {"env", 2, 3},
        {"!env", 1, 1},
        {"app=nope", 0, 0},
        {"", 3, 4},
    };
    uint32_t ns = intern_find(store_strings(s), "n", 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        store_selector_t sel;
        err_t err = {0};
        CHECK_INT(store_selector_parse(s, cases[i].sel, strlen(cases[i].sel), false, &sel, &err), 0);
        int n = 0;
        store_select(s, ns, STORE_ANY, &sel, count_visit, &n);
        if (n != cases[i].in_n) TEST_FAIL_("%s: expected %d in n, got %d", cases[i].sel, cases[i].in_n, n);
        n = 0;
        store_select(s, STORE_ANY, STORE_ANY, &sel, count_visit, &n);
        if (n != cases[i].everywhere)
            TEST_FAIL_("%s: expected %d everywhere, got %d", cases[i].sel, cases[i].everywhere, n);
        store_selector_release(s, &sel);
    }
    const char *bad[] = {"app in (a", "=x", "a b", "app notin x", "a!x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        store_selector_t sel;
        err_t err = {0};
        CHECK_INT(store_selector_parse(s, bad[i], strlen(bad[i]), false, &sel, &err), ERR_INVALID);
        CHECK(strstr(err.msg, "bad label selector") != NULL);
    }
    store_free(s);
}

TEST(relist_deletes_objects_the_list_did_not_have)
{
    store_t *s = store_new("c1");
    apply(s, 0, &POD, "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"}}");
    apply(s, 0, &POD, "{\"metadata\":{\"name\":\"b\",\"namespace\":\"n\"}}");
    apply(s, 0, &CM, "{\"metadata\":{\"name\":\"keep\",\"namespace\":\"n\"}}");
    store_resync_begin(s, &POD);
    apply(s, 1, &POD, "{\"metadata\":{\"name\":\"b\",\"namespace\":\"n\"}}");
    apply(s, 0, &POD, "{\"metadata\":{\"name\":\"c\",\"namespace\":\"n\"}}");
    CHECK_INT(store_resync_end(s, &POD), 1);
    CHECK(find(s, "Pod/n/a") == STORE_NONE);
    CHECK(find(s, "Pod/n/b") != STORE_NONE);
    CHECK(find(s, "Pod/n/c") != STORE_NONE);
    CHECK(find(s, "ConfigMap/n/keep") != STORE_NONE);
    store_free(s);
}

TEST(owner_index_finds_children_by_owner_uid)
{
    store_t *s = store_new("c1");
    const char *rs =
        "{\"metadata\":{\"name\":\"p%d\",\"namespace\":\"n\",\"ownerReferences\":[{\"apiVersion\":\"apps/"
        "v1\","
        "\"kind\":\"ReplicaSet\",\"name\":\"web-1\",\"uid\":\"11111111-2222-4333-8444-555555555555\","
        "\"controller\":true}]}}";
    for (int i = 0; i < 3; i++) {
        char j[512];
        snprintf(j, sizeof j, rs, i);
        apply(s, 0, &POD, j);
    }
    uint8_t uid[16] = {0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x43, 0x33,
                       0x84, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
    int n = 0;
    store_each_owned_by(s, uid, count_visit, &n);
    CHECK_INT(n, 3);
    const store_owner_t *ow;
    CHECK_INT(store_obj_owners(s, find(s, "Pod/n/p1"), &ow), 1);
    CHECK_STR(store_str(s, ow[0].kind), "ReplicaSet.apps");
    CHECK_STR(store_str(s, ow[0].name), "web-1");
    CHECK_INT(ow[0].controller, 1);
    apply(s, 2, &POD, "{\"metadata\":{\"name\":\"p1\",\"namespace\":\"n\"}}");
    n = 0;
    store_each_owned_by(s, uid, count_visit, &n);
    CHECK_INT(n, 2);
    store_free(s);
}

TEST(pods_of_a_deployment_come_through_its_replicasets_even_with_plain_uids)
{
    store_t *s = store_new("c1");
    static const store_kind_t RS = {"apps", "v1", "ReplicaSet", true};
    /* uids that are not UUIDs are kept as hashes: the walk must use them as stored */
    apply(s, 0, &DEPLOY, "{\"metadata\":{\"name\":\"web\",\"namespace\":\"n\",\"uid\":\"deploy-web\"}}");
    apply(s, 0, &RS,
          "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"n\",\"uid\":\"rs-web-1\",\"ownerReferences\":"
          "[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\",\"uid\":\"deploy-web\"}]}}");
    for (int i = 0; i < 3; i++) {
        char j[512];
        snprintf(j, sizeof j,
                 "{\"metadata\":{\"name\":\"web-1-%d\",\"namespace\":\"n\",\"uid\":\"pod-%d\",\"ownerReferences\":"
                 "[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-1\",\"uid\":\"rs-web-1\"}]}}",
                 i, i);
        apply(s, 0, &POD, j);
    }
    apply(s, 0, &POD, "{\"metadata\":{\"name\":\"stray\",\"namespace\":\"n\",\"uid\":\"pod-x\"}}");
    store_oid_t out[8];
    CHECK_INT(store_pods_of(s, find(s, "Deployment.apps/n/web"), out, 8), 3);
    CHECK_INT(store_pods_of(s, find(s, "Deployment.apps/n/web"), out, 2), 2); /* bounded */
    CHECK_INT(store_pods_of(s, find(s, "Pod/n/stray"), out, 8), 1);           /* a pod is its own */
    CHECK(out[0] == find(s, "Pod/n/stray"));
    store_free(s);
}

static void count_kind(const store_kind_t *k, void *ud)
{
    (void)k;
    (*(int *)ud)++;
}

TEST(field_specs_extract_refs_and_canonical_selectors)
{
    store_t *s = store_new("c1");
    script_path_t p1, p2, p3;
    CHECK_INT(script_path_parse("spec.volumes[*].configMap.name", &p1, NULL), 0);
    CHECK_INT(script_path_parse("roleRef", &p2, NULL), 0);
    CHECK_INT(script_path_parse("spec.selector", &p3, NULL), 0);
    store_field_spec_t specs[] = {
        {1, "Pod", &p1, STORE_FIELD_REF, SCRIPT_SEL_AUTO},
        {2, "RoleBinding.rbac.authorization.k8s.io", &p2, STORE_FIELD_REF, SCRIPT_SEL_AUTO},
        {3, "PodDisruptionBudget.policy", &p3, STORE_FIELD_SELECTOR, SCRIPT_SEL_AUTO},
    };
    store_set_fields(s, specs, 3);
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"volumes\":[{\"configMap\":{"
          "\"name\":\"a\"}},"
          "{\"secret\":{}},{\"configMap\":{\"name\":\"b\"}}]}}");
    const store_fv_t *fv;
    size_t n = store_obj_fields(s, find(s, "Pod/n/p"), &fv);
    CHECK_INT(n, 2);
    CHECK_STR(store_str(s, fv[0].a), "a");
    CHECK_STR(store_str(s, fv[1].a), "b");
    CHECK_INT(store_fv_slot(&fv[1]), 1);
    store_kind_t rb = {"rbac.authorization.k8s.io", "v1", "RoleBinding", true};
    apply(s, 0, &rb,
          "{\"metadata\":{\"name\":\"rb\",\"namespace\":\"n\"},\"roleRef\":{\"apiGroup\":\"rbac."
          "authorization.k8s.io\","
          "\"kind\":\"ClusterRole\",\"name\":\"view\"}}");
    n = store_obj_fields(s, find(s, "RoleBinding.rbac.authorization.k8s.io/n/rb"), &fv);
    CHECK_INT(n, 1);
    CHECK_INT(store_fv_tag(&fv[0]), STORE_FV_REF);
    CHECK_STR(store_str(s, fv[0].b), "ClusterRole.rbac.authorization.k8s.io");
    CHECK_STR(store_str(s, fv[0].a), "view");
    store_kind_t pdb = {"policy", "v1", "PodDisruptionBudget", true};
    apply(s, 0, &pdb,
          "{\"metadata\":{\"name\":\"x\",\"namespace\":\"n\"},\"spec\":{\"selector\":{\"matchLabels\":{\"z\":"
          "\"1\",\"a\":\"2\"},"
          "\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"q\",\"b\"]},{\"key\":\"m\","
          "\"operator\":\"DoesNotExist\"}]}}}");
    n = store_obj_fields(s, find(s, "PodDisruptionBudget.policy/n/x"), &fv);
    CHECK_INT(n, 1);
    CHECK_STR(store_str(s, fv[0].a), "!m,a=2,t in (b,q),z=1");
    /* a spec added later: the kind is reported stale until relisted */
    script_path_t p4;
    CHECK_INT(script_path_parse("spec.nodeName", &p4, NULL), 0);
    store_field_spec_t more[] = {
        specs[0], specs[1], specs[2], {4, "Pod", &p4, STORE_FIELD_REF, SCRIPT_SEL_AUTO}};
    store_set_fields(s, more, 4);
    int stale = 0;
    store_stale_kinds(s, count_kind, &stale);
    CHECK_INT(stale, 1);
    store_resync_begin(s, &POD);
    apply(s, 1, &POD, "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"nodeName\":\"n1\"}}");
    store_resync_end(s, &POD);
    stale = 0;
    store_stale_kinds(s, count_kind, &stale);
    CHECK_INT(stale, 0);
    n = store_obj_fields(s, find(s, "Pod/n/p"), &fv);
    CHECK_INT(n, 1);
    CHECK_STR(store_str(s, fv[0].a), "n1");
    store_free(s);
    script_path_free(&p1);
    script_path_free(&p2);
    script_path_free(&p3);
    script_path_free(&p4);
}

TEST(uid_change_under_same_id_is_a_new_object)
{
    store_t *s = store_new("c1");
    apply(s, 0, &POD,
          "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"00000000-0000-4000-8000-"
          "000000000001\"}}");
    apply(s, 1, &POD,
          "{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"uid\":\"00000000-0000-4000-8000-"
          "000000000002\"}}");
    CHECK_INT(store_count(s), 1);
    CHECK(store_find_uid(s, "00000000-0000-4000-8000-000000000001") == STORE_NONE);
    CHECK(store_find_uid(s, "00000000-0000-4000-8000-000000000002") == find(s, "Pod/n/a"));
    store_free(s);
}

TEST_MAIN()
