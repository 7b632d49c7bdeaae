/* test_api_kinds.c — {kind} resolution like kubectl, IDs and paths. */
#include "api/kinds.h"
#include "test.h"

static const kube_api_resource_t RES[] = {
    {"", "v1", "pods", "Pod", true, true, true},
    {"", "v1", "events", "Event", true, true, true},
    {"", "v1", "nodes", "Node", false, true, true},
    {"apps", "v1", "deployments", "Deployment", true, true, true},
    {"events.k8s.io", "v1", "events", "Event", true, true, true},
    {"autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true, false},
    {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true, true},
    {"example.com", "v1alpha1", "widgets", "Widget", true, true, true},
};
#define N (sizeof RES / sizeof RES[0])

static const char *resolve(const char *name)
{
    const kube_api_resource_t *r = api_kind_resolve(RES, N, name);
    static char out[128];
    if (!r) return "(none)";
    snprintf(out, sizeof out, "%s/%s/%s", r->group, r->version, r->resource);
    return out;
}

TEST(kind_resource_and_singular_resolve_case_insensitively)
{
    CHECK_STR(resolve("Pod"), "/v1/pods");
    CHECK_STR(resolve("pods"), "/v1/pods");
    CHECK_STR(resolve("pod"), "/v1/pods");
    CHECK_STR(resolve("PODS"), "/v1/pods");
    CHECK_STR(resolve("deployment"), "apps/v1/deployments");
    CHECK_STR(resolve("widgets"), "example.com/v1alpha1/widgets");
}

TEST(group_suffix_picks_the_group_and_core_wins_without_one)
{
    CHECK_STR(resolve("events"), "/v1/events");
    CHECK_STR(resolve("events.events.k8s.io"), "events.k8s.io/v1/events");
    CHECK_STR(resolve("Deployment.apps"), "apps/v1/deployments");
    CHECK_STR(resolve("deployments.apps"), "apps/v1/deployments");
    CHECK_STR(resolve("Deployment.batch"), "(none)");
}

TEST(preferred_version_wins_unless_a_version_is_named)
{
    CHECK_STR(resolve("hpa"), "(none)"); /* short names are not in discovery's list */
    CHECK_STR(resolve("horizontalpodautoscalers"), "autoscaling/v2/horizontalpodautoscalers");
    CHECK_STR(resolve("horizontalpodautoscalers.v1.autoscaling"), "autoscaling/v1/horizontalpodautoscalers");
    CHECK_STR(resolve("pods.v1"), "/v1/pods");
}

TEST(unknown_and_empty_names_resolve_to_nothing)
{
    CHECK_STR(resolve("gizmos"), "(none)");
    CHECK_STR(resolve(""), "(none)");
    CHECK(api_kind_resolve(RES, N, NULL) == NULL);
}

TEST(ids_split_with_empty_namespace_for_cluster_scoped)
{
    api_id_parts_t p;
    CHECK_INT(api_id_split("Node//worker-1", &p), 0);
    CHECK_INT(p.ns_len, 0);
    CHECK_MEM(p.kind, p.kind_len, "Node");
    CHECK_STR(p.name, "worker-1");
    CHECK_INT(api_id_split("Deployment.apps/shop/web", &p), 0);
    CHECK_MEM(p.ns, p.ns_len, "shop");
    CHECK_INT(api_id_split("Pod/shop", &p), ERR_INVALID);
    CHECK_INT(api_id_split("/shop/x", &p), ERR_INVALID);
    CHECK_INT(api_id_split("Pod/shop/", &p), ERR_INVALID);
    CHECK_INT(api_id_split("Pod/a/b/c", &p), ERR_INVALID);
}

TEST(paths_name_group_version_namespace_and_escape_names)
{
    buf_t b = {0};
    api_kind_path(&RES[3], "shop", "web", &b);
    CHECK_STR(b.data, "/apis/apps/v1/namespaces/shop/deployments/web");
    buf_reset(&b);
    api_kind_path(&RES[2], "ignored", "worker 1", &b);
    CHECK_STR(b.data, "/api/v1/nodes/worker%201");
    buf_reset(&b);
    api_kind_path(&RES[0], NULL, NULL, &b);
    CHECK_STR(b.data, "/api/v1/pods");
    char id[64];
    api_kind_id(&RES[3], id, sizeof id);
    CHECK_STR(id, "Deployment.apps");
    buf_free(&b);
}

TEST_MAIN()
