/* test_sim_store.c — kubesim's store: CRUD, resourceVersions, conflicts,
 * deletion semantics (finalizers, GC, namespaces), CRDs, the change feed and
 * consistent pages. */
#include "test.h"

#include <cjson/cJSON.h>

#include "store.h"
#include "store_srv.h"

static cJSON *obj_json(const char *text)
{
    cJSON *o = cJSON_Parse(text);
    if (!o) TEST_FAIL_("bad test JSON: %s", text);
    return o;
}

static const sim_kind_t *K(sim_store_t *s, const char *g, const char *r)
{
    const sim_kind_t *k = sim_kind_by_resource(s, g, r);
    if (!k) TEST_FAIL_("no kind %s/%s", g, r);
    return k;
}

static const char *meta_str(const sim_obj_t *o, const char *f)
{
    const cJSON *m = cJSON_GetObjectItem(sim_obj_json(o), "metadata");
    const cJSON *v = cJSON_GetObjectItem(m, f);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void mkpod(sim_store_t *s, const char *ns, const char *name, const char *extra_meta)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\"%s%s},\"spec\":{\"nodeName\":\"n1\"}}", name,
             extra_meta ? "," : "", extra_meta ? extra_meta : "");
    err_t err = {0};
    int rc = sim_create(s, K(s, "", "pods"), ns, obj_json(buf), NULL, NULL, &err);
    if (rc) TEST_FAIL_("create %s: %s", name, err.msg);
}

TEST(store_starts_with_the_four_namespaces)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *ns = K(s, "", "namespaces");
    CHECK_INT(sim_store_count(s, ns), 4);
    CHECK(sim_get(s, ns, NULL, "kube-node-lease") != NULL);
    CHECK_INT(sim_store_rv(s), 4);
    sim_store_free(s);
}

TEST(create_fills_server_metadata_and_type)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_obj_t *o = NULL;
    err_t err = {0};
    int rc = sim_create(s, K(s, "apps", "deployments"), "default",
                        obj_json("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":2}}"), NULL, &o, &err);
    CHECK_INT(rc, 0);
    CHECK_STR(meta_str(o, "namespace"), "default");
    CHECK_STR(meta_str(o, "resourceVersion"), "5");
    CHECK(meta_str(o, "uid") && strlen(meta_str(o, "uid")) == 36);
    CHECK(meta_str(o, "creationTimestamp") != NULL);
    CHECK(strncmp(sim_obj_bytes(o).p, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\"", 42) == 0);
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(sim_obj_json(o), "metadata"), "generation")->valuedouble, 1);
    sim_store_free(s);
}

TEST(create_twice_is_already_exists)
{
    sim_store_t *s = sim_store_new(NULL);
    mkpod(s, "default", "a", NULL);
    err_t err = {0};
    int rc = sim_create(s, K(s, "", "pods"), "default", obj_json("{\"metadata\":{\"name\":\"a\"}}"), NULL, NULL,
                        &err);
    CHECK_INT(rc, ERR_EXISTS);
    CHECK_STR(err.msg, "pods \"a\" already exists");
    sim_store_free(s);
}

TEST(create_in_missing_namespace_is_not_found)
{
    sim_store_t *s = sim_store_new(NULL);
    err_t err = {0};
    int rc = sim_create(s, K(s, "", "configmaps"), "nope", obj_json("{\"metadata\":{\"name\":\"a\"}}"), NULL,
                        NULL, &err);
    CHECK_INT(rc, ERR_NOTFOUND);
    CHECK_STR(err.msg, "namespaces \"nope\" not found");
    sim_store_free(s);
}

TEST(generate_name_gets_a_five_character_suffix)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_obj_t *o = NULL;
    int rc = sim_create(s, K(s, "", "pods"), "default", obj_json("{\"metadata\":{\"generateName\":\"web-\"}}"),
                        NULL, &o, NULL);
    CHECK_INT(rc, 0);
    CHECK_INT(strlen(sim_obj_name(o)), 9);
    CHECK(strncmp(sim_obj_name(o), "web-", 4) == 0);
    sim_store_free(s);
}

TEST(update_with_stale_resource_version_is_conflict)
{
    sim_store_t *s = sim_store_new(NULL);
    mkpod(s, "default", "a", NULL);
    const sim_kind_t *pods = K(s, "", "pods");
    cJSON *c = sim_get_copy(s, pods, "default", "a");
    cJSON_AddItemToObject(cJSON_GetObjectItem(c, "metadata"), "labels", obj_json("{\"x\":\"1\"}"));
    cJSON *stale = cJSON_Duplicate(c, true);
    err_t err = {0};
    CHECK_INT(sim_update(s, pods, "default", c, NULL, NULL, &err), 0);
    CHECK_INT(sim_update(s, pods, "default", stale, NULL, NULL, &err), SIM_ERR_CONFLICT);
    CHECK(strstr(err.msg, "the object has been modified") != NULL);
    sim_store_free(s);
}

TEST(update_that_changes_nothing_keeps_the_resource_version)
{
    sim_store_t *s = sim_store_new(NULL);
    mkpod(s, "default", "a", NULL);
    const sim_kind_t *pods = K(s, "", "pods");
    uint64_t rv = sim_store_rv(s);
    const sim_obj_t *o = NULL;
    CHECK_INT(sim_update(s, pods, "default", sim_get_copy(s, pods, "default", "a"), NULL, &o, NULL), 0);
    CHECK_INT(sim_store_rv(s), rv);
    CHECK_INT(sim_obj_rv(o), rv);
    sim_store_free(s);
}

TEST(main_update_keeps_status_and_status_update_keeps_spec)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *pods = K(s, "", "pods");
    CHECK_INT(sim_create(s, pods, "default",
                         obj_json("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"nodeName\":\"n1\"},"
                                  "\"status\":{\"phase\":\"Pending\"}}"),
                         NULL, NULL, NULL),
              0);
    CHECK_INT(sim_update(s, pods, "default",
                         obj_json("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"nodeName\":\"n2\"},"
                                  "\"status\":{\"phase\":\"Running\"}}"),
                         NULL, NULL, NULL),
              0);
    const sim_obj_t *o = sim_get_obj(s, pods, "default", "a");
    CHECK_STR(sim_obj_field(o, "status.phase"), "Pending");
    CHECK_STR(sim_obj_field(o, "spec.nodeName"), "n2");
    CHECK_INT(sim_update_status(s, pods, "default",
                                obj_json("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"nodeName\":\"n3\"},"
                                         "\"status\":{\"phase\":\"Running\"}}"),
                                NULL, NULL, NULL),
              0);
    o = sim_get_obj(s, pods, "default", "a");
    CHECK_STR(sim_obj_field(o, "status.phase"), "Running");
    CHECK_STR(sim_obj_field(o, "spec.nodeName"), "n2");
    sim_store_free(s);
}

TEST(generation_moves_only_with_the_spec)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *d = K(s, "apps", "deployments");
    CHECK_INT(sim_create(s, d, "default", obj_json("{\"metadata\":{\"name\":\"w\"},\"spec\":{\"replicas\":1}}"),
                         NULL, NULL, NULL),
              0);
    const sim_obj_t *o = NULL;
    sim_update(s, d, "default",
               obj_json("{\"metadata\":{\"name\":\"w\",\"labels\":{\"a\":\"b\"}},\"spec\":{\"replicas\":1}}"),
               NULL, &o, NULL);
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(sim_obj_json(o), "metadata"), "generation")->valuedouble, 1);
    sim_update(s, d, "default", obj_json("{\"metadata\":{\"name\":\"w\"},\"spec\":{\"replicas\":3}}"), NULL, &o,
               NULL);
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(sim_obj_json(o), "metadata"), "generation")->valuedouble, 2);
    sim_store_free(s);
}

typedef struct rec {
    int n;
    int types[64];
    uint64_t rvs[64];
    char names[64][32];
} rec_t;

static void on_event(const sim_event_t *ev, void *ud)
{
    rec_t *r = ud;
    if (r->n < 64) {
        r->types[r->n] = ev->type;
        r->rvs[r->n] = ev->rv;
        snprintf(r->names[r->n], 32, "%s", sim_obj_name(ev->obj));
        r->n++;
    }
}

TEST(delete_background_collects_dependents)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *rs = K(s, "apps", "replicasets"), *pods = K(s, "", "pods");
    const sim_obj_t *owner = NULL;
    CHECK_INT(sim_create(s, rs, "default", obj_json("{\"metadata\":{\"name\":\"rs1\"}}"), NULL, &owner, NULL), 0);
    char meta[256];
    snprintf(meta, sizeof meta, "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\","
                                "\"name\":\"rs1\",\"uid\":\"%s\"}]",
             sim_obj_uid(owner));
    mkpod(s, "default", "p1", meta);
    mkpod(s, "default", "p2", meta);
    mkpod(s, "default", "free", NULL);
    rec_t r = {0};
    sim_store_subscribe(s, on_event, &r);
    bool pending = true;
    CHECK_INT(sim_delete(s, rs, "default", "rs1", NULL, NULL, &pending, NULL), 0);
    CHECK(!pending);
    CHECK_INT(sim_store_count(s, pods), 1);
    CHECK_INT(r.n, 3);
    CHECK_STR(r.names[0], "rs1");
    CHECK_INT(r.types[1], SIM_DELETED);
    CHECK(r.rvs[0] < r.rvs[1] && r.rvs[1] < r.rvs[2]);
    sim_store_free(s);
}

TEST(delete_orphan_keeps_dependents_without_the_reference)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *rs = K(s, "apps", "replicasets"), *pods = K(s, "", "pods");
    const sim_obj_t *owner = NULL;
    sim_create(s, rs, "default", obj_json("{\"metadata\":{\"name\":\"rs1\"}}"), NULL, &owner, NULL);
    char meta[256];
    snprintf(meta, sizeof meta, "\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"rs1\",\"uid\":\"%s\"}]",
             sim_obj_uid(owner));
    mkpod(s, "default", "p1", meta);
    sim_delete_opts_t o = {.propagation = SIM_PROPAGATE_ORPHAN};
    CHECK_INT(sim_delete(s, rs, "default", "rs1", &o, NULL, NULL, NULL), 0);
    CHECK_INT(sim_store_count(s, pods), 1);
    CHECK(strstr(sim_obj_bytes(sim_get_obj(s, pods, "default", "p1")).p, "ownerReferences") == NULL);
    sim_store_free(s);
}

TEST(delete_foreground_waits_for_dependents_with_finalizers)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *rs = K(s, "apps", "replicasets"), *pods = K(s, "", "pods");
    const sim_obj_t *owner = NULL;
    sim_create(s, rs, "default", obj_json("{\"metadata\":{\"name\":\"rs1\"}}"), NULL, &owner, NULL);
    char meta[256];
    snprintf(meta, sizeof meta,
             "\"finalizers\":[\"x/y\"],\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"rs1\",\"uid\":\"%s\"}]",
             sim_obj_uid(owner));
    mkpod(s, "default", "p1", meta);
    sim_delete_opts_t o = {.propagation = SIM_PROPAGATE_FOREGROUND};
    bool pending = false;
    CHECK_INT(sim_delete(s, rs, "default", "rs1", &o, NULL, &pending, NULL), 0);
    CHECK(pending);
    const sim_obj_t *ro = sim_get_obj(s, rs, "default", "rs1");
    CHECK(ro && sim_obj_deleting(ro));
    CHECK(strstr(sim_obj_bytes(ro).p, "foregroundDeletion") != NULL);
    const sim_obj_t *po = sim_get_obj(s, pods, "default", "p1");
    CHECK(po && sim_obj_deleting(po));
    /* The pod's finalizer is removed: the pod goes, then the owner. */
    cJSON *c = sim_get_copy(s, pods, "default", "p1");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(c, "metadata"), "finalizers");
    CHECK_INT(sim_update(s, pods, "default", c, NULL, NULL, NULL), 0);
    CHECK(sim_get_obj(s, pods, "default", "p1") == NULL);
    CHECK(sim_get_obj(s, rs, "default", "rs1") == NULL);
    sim_store_free(s);
}

TEST(namespace_delete_removes_its_content_then_itself)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *ns = K(s, "", "namespaces"), *pods = K(s, "", "pods");
    CHECK_INT(sim_create(s, ns, NULL, obj_json("{\"metadata\":{\"name\":\"shop\"}}"), NULL, NULL, NULL), 0);
    mkpod(s, "shop", "a", NULL);
    mkpod(s, "shop", "b", "\"finalizers\":[\"keep\"]");
    mkpod(s, "default", "c", NULL);
    bool pending = false;
    CHECK_INT(sim_delete(s, ns, NULL, "shop", NULL, NULL, &pending, NULL), 0);
    CHECK(pending);
    CHECK_STR(sim_obj_field(sim_get_obj(s, ns, NULL, "shop"), "status.phase"), "Terminating");
    err_t err = {0};
    CHECK_INT(sim_create(s, pods, "shop", obj_json("{\"metadata\":{\"name\":\"z\"}}"), NULL, NULL, &err),
              ERR_FORBIDDEN);
    cJSON *c = sim_get_copy(s, pods, "shop", "b");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(c, "metadata"), "finalizers");
    CHECK_INT(sim_update(s, pods, "shop", c, NULL, NULL, NULL), 0);
    CHECK(sim_get_obj(s, ns, NULL, "shop") == NULL);
    CHECK_INT(sim_store_count(s, pods), 1);
    sim_store_free(s);
}

TEST(default_namespace_may_not_be_deleted)
{
    sim_store_t *s = sim_store_new(NULL);
    err_t err = {0};
    CHECK_INT(sim_delete(s, K(s, "", "namespaces"), NULL, "default", NULL, NULL, NULL, &err), ERR_FORBIDDEN);
    sim_store_free(s);
}

TEST(crd_registers_and_unregisters_its_kind)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *crd = K(s, "apiextensions.k8s.io", "customresourcedefinitions");
    const char *text = "{\"metadata\":{\"name\":\"widgets.acme.io\"},\"spec\":{\"group\":\"acme.io\","
                       "\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\",\"kind\":\"Widget\","
                       "\"shortNames\":[\"wd\"]},\"scope\":\"Namespaced\",\"versions\":[{\"name\":\"v1\","
                       "\"served\":true,\"storage\":true,\"subresources\":{\"status\":{}}}]}}";
    CHECK_INT(sim_create(s, crd, NULL, obj_json(text), NULL, NULL, NULL), 0);
    const sim_kind_t *w = sim_kind_find(s, "wd");
    CHECK(w != NULL);
    CHECK_STR(w->api_version, "acme.io/v1");
    CHECK(w->namespaced && (w->subresources & SIM_SUB_STATUS));
    CHECK(strstr(sim_obj_bytes(sim_get_obj(s, crd, NULL, "widgets.acme.io")).p, "Established") != NULL);
    CHECK_INT(sim_create(s, w, "default", obj_json("{\"metadata\":{\"name\":\"w1\"}}"), NULL, NULL, NULL), 0);
    CHECK_INT(sim_delete(s, crd, NULL, "widgets.acme.io", NULL, NULL, NULL, NULL), 0);
    CHECK(sim_kind_by_resource(s, "acme.io", "widgets") == NULL);
    sim_store_free(s);
}

TEST(kind_find_takes_what_kubectl_takes)
{
    sim_store_t *s = sim_store_new(NULL);
    CHECK_STR(sim_kind_find(s, "deploy")->kind, "Deployment");
    CHECK_STR(sim_kind_find(s, "Deployment.apps")->kind, "Deployment");
    CHECK_STR(sim_kind_find(s, "deployments.v1.apps")->kind, "Deployment");
    CHECK_STR(sim_kind_find(s, "po")->kind, "Pod");
    CHECK_STR(sim_kind_find(s, "events")->group, "");
    CHECK(sim_kind_find(s, "nothing") == NULL);
    sim_store_free(s);
}

typedef struct names {
    int n;
    char v[64][64];
} names_t;

static void page_names(sim_page_t *p, names_t *out)
{
    for (size_t i = 0; i < p->n && out->n < 64; i++)
        snprintf(out->v[out->n++], 64, "%s", sim_obj_name(p->items[i]));
}

TEST(paged_list_is_a_consistent_snapshot)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *pods = K(s, "", "pods");
    mkpod(s, "default", "a", NULL);
    mkpod(s, "default", "b", NULL);
    mkpod(s, "default", "c", NULL);
    mkpod(s, "default", "d", NULL);
    sim_page_t p;
    CHECK_INT(sim_list_page(s, pods, NULL, 0, NULL, 2, NULL, NULL, &p, NULL), 0);
    CHECK_INT(p.n, 2);
    CHECK_STR(p.next_key, "default/b");
    CHECK_INT(p.remaining, 2);
    uint64_t rv = p.rv;
    char *after = strdup(p.next_key);
    sim_page_free(&p);
    /* Changes after the first page must not show in the next ones. */
    sim_delete(s, pods, "default", "c", NULL, NULL, NULL, NULL);
    mkpod(s, "default", "bb", NULL);
    sim_update(s, pods, "default",
               obj_json("{\"metadata\":{\"name\":\"d\",\"labels\":{\"new\":\"yes\"}},\"spec\":{}}"), NULL, NULL,
               NULL);
    CHECK_INT(sim_list_page(s, pods, "default", rv, after, 10, NULL, NULL, &p, NULL), 0);
    names_t n = {0};
    page_names(&p, &n);
    CHECK_INT(n.n, 2);
    CHECK_STR(n.v[0], "c");
    CHECK_STR(n.v[1], "d");
    CHECK(sim_obj_label(p.items[1], "new") == NULL);
    CHECK(p.next_key == NULL);
    sim_page_free(&p);
    free(after);
    sim_store_free(s);
}

TEST(page_at_a_compacted_resource_version_is_gone)
{
    sim_store_opts_t o = {.event_window = 8};
    sim_store_t *s = sim_store_new(&o);
    const sim_kind_t *pods = K(s, "", "pods");
    mkpod(s, "default", "a", NULL);
    uint64_t rv = sim_store_rv(s);
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        mkpod(s, "default", name, NULL);
    }
    sim_page_t p;
    err_t err = {0};
    CHECK_INT(sim_list_page(s, pods, NULL, rv, "default/a", 10, NULL, NULL, &p, &err), SIM_ERR_GONE);
    CHECK_INT(sim_window_each(s, rv, NULL, NULL, &err), SIM_ERR_GONE);
    sim_store_free(s);
}

static bool count_ev(const sim_event_t *ev, void *ud)
{
    (*(int *)ud)++;
    return true;
}

TEST(window_replays_changes_after_a_resource_version)
{
    sim_store_t *s = sim_store_new(NULL);
    uint64_t rv = sim_store_rv(s);
    mkpod(s, "default", "a", NULL);
    mkpod(s, "default", "b", NULL);
    int n = 0;
    CHECK_INT(sim_window_each(s, rv, count_ev, &n, NULL), 0);
    CHECK_INT(n, 2);
    sim_store_free(s);
}

static void reactor(const sim_event_t *ev, void *ud)
{
    sim_store_t *s = *(sim_store_t **)ud;
    if (ev->type == SIM_ADDED && strcmp(sim_obj_name(ev->obj), "a") == 0) mkpod(s, "default", "b", NULL);
}

TEST(subscriber_writes_are_delivered_in_order_not_nested)
{
    sim_store_t *s = sim_store_new(NULL);
    rec_t r = {0};
    sim_store_subscribe(s, on_event, &r);
    /* A second subscriber reacts to pod "a" by creating "b". */
    struct ctx {
        sim_store_t *s;
    } c = {s};
    sim_store_subscribe(s, reactor, &c);
    mkpod(s, "default", "a", NULL);
    CHECK_INT(r.n, 2);
    CHECK_STR(r.names[0], "a");
    CHECK_STR(r.names[1], "b");
    sim_store_free(s);
}


TEST(gc_keeps_the_store_usable_and_trees_reparse)
{
    sim_store_opts_t o = {.tree_cache = 1};
    sim_store_t *s = sim_store_new(&o);
    mkpod(s, "default", "a", "\"labels\":{\"app\":\"web\"}");
    mkpod(s, "default", "b", NULL);
    sim_store_gc(s);
    const sim_obj_t *a = sim_get_obj(s, K(s, "", "pods"), "default", "a");
    CHECK_STR(sim_obj_label(a, "app"), "web");
    CHECK_STR(meta_str(a, "name"), "a");
    sim_store_free(s);
}

/* ---- bulk loading (sim_create_raw) ---- */

static const char RAW_META[] =
    ",\"generateName\":\"web-5d8f-\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\"},\"ownerReferences\":[{"
    "\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-5d8f\",\"uid\":\"rs-uid-1\","
    "\"controller\":true,\"blockOwnerDeletion\":true}]";
static const char RAW_BODY[] =
    ",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}]}],"
    "\"restartPolicy\":\"Always\",\"schedulerName\":\"default-scheduler\",\"serviceAccountName\":\"default\","
    "\"hostNetwork\":false,\"nodeName\":\"node-1\"},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.7\"}}";

/* The same object through sim_create: {"metadata":{"name",…META},…BODY}. */
static cJSON *raw_as_tree(const char *name)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\"%s}%s", name, RAW_META, RAW_BODY);
    return obj_json(buf);
}

static void strip_server_fields(cJSON *t)
{
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    cJSON_DeleteItemFromObject(m, "uid");
    cJSON_DeleteItemFromObject(m, "resourceVersion");
    cJSON_DeleteItemFromObject(m, "creationTimestamp");
}

static int dep_count;
static bool count_dep(const sim_obj_t *o, void *ud)
{
    (void)o;
    (void)ud;
    dep_count++;
    return true;
}

TEST(raw_create_gives_the_object_and_indexes_a_tree_create_gives)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *pods = K(s, "", "pods");
    const sim_obj_t *raw = NULL, *tree = NULL;
    err_t err = {0};
    CHECK_INT(sim_create_raw(s, pods, "default", "web-raw", sv_make(RAW_META, sizeof RAW_META - 1),
                             sv_make(RAW_BODY, sizeof RAW_BODY - 1), NULL, &raw, &err),
              0);
    CHECK_INT(sim_create(s, pods, "default", raw_as_tree("web-tree"), NULL, &tree, &err), 0);
    /* valid JSON with the server's metadata */
    cJSON *a = cJSON_ParseWithLength(sim_obj_bytes(raw).p, sim_obj_bytes(raw).n);
    CHECK(a != NULL);
    CHECK_STR(meta_str(raw, "namespace"), "default");
    CHECK_STR(meta_str(raw, "uid"), sim_obj_uid(raw));
    CHECK(meta_str(raw, "creationTimestamp") != NULL);
    char rv[32];
    snprintf(rv, sizeof rv, "%llu", (unsigned long long)sim_obj_rv(raw));
    CHECK_STR(meta_str(raw, "resourceVersion"), rv);
    CHECK(strncmp(sim_obj_bytes(raw).p, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-raw\"", 58) == 0);
    /* same members as the tree path (order aside) */
    cJSON *b = cJSON_Duplicate(sim_obj_json(tree), true);
    strip_server_fields(a);
    strip_server_fields(b);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(b, "metadata"), "name", cJSON_CreateString("web-raw"));
    CHECK(cJSON_Compare(a, b, true));
    cJSON_Delete(a);
    cJSON_Delete(b);
    /* same labels, selectable fields and owner index */
    CHECK(memcmp(sim_obj_labels_packed(raw), "app\0web\0tier\0fe\0\0", 17) == 0);
    CHECK(memcmp(sim_obj_labels_packed(tree), "app\0web\0tier\0fe\0\0", 17) == 0);
    static const char *const paths[] = {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                                        "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                                        "status.podIP", "status.nominatedNodeName", "metadata.name"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths - 1; i++) {
        const char *x = sim_obj_field(raw, paths[i]), *y = sim_obj_field(tree, paths[i]);
        if (!x || !y) CHECK(x == y);
        else CHECK_STR(x, y);
    }
    CHECK_STR(sim_obj_field(raw, "spec.hostNetwork"), "false");
    CHECK(sim_obj_field(raw, "status.nominatedNodeName") == NULL);
    dep_count = 0;
    sim_each_dependent(s, "rs-uid-1", count_dep, NULL);
    CHECK_INT(dep_count, 2);
    CHECK(sim_get_by_uid(s, sim_obj_uid(raw)) == raw);
    sim_store_free(s);
}

TEST(raw_create_refuses_what_create_refuses)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *pods = K(s, "", "pods");
    err_t err = {0};
    sv_t none = sv_make("", 0);
    CHECK_INT(sim_create_raw(s, pods, "default", "a", none, none, NULL, NULL, &err), 0);
    CHECK_INT(sim_create_raw(s, pods, "default", "a", none, none, NULL, NULL, &err), ERR_EXISTS);
    CHECK(strstr(err.msg, "already exists") != NULL);
    CHECK_INT(sim_create_raw(s, pods, "nope", "b", none, none, NULL, NULL, &err), ERR_NOTFOUND);
    CHECK_INT(sim_create_raw(s, pods, "default", "Bad_Name", none, none, NULL, NULL, &err), ERR_INVALID);
    CHECK_INT(sim_create_raw(s, K(s, "", "namespaces"), NULL, "x", none, none, NULL, NULL, &err), ERR_INVALID);
    /* a bare object is still valid JSON */
    const sim_obj_t *o = sim_get_obj(s, pods, "default", "a");
    cJSON *t = cJSON_ParseWithLength(sim_obj_bytes(o).p, sim_obj_bytes(o).n);
    CHECK(t != NULL);
    cJSON_Delete(t);
    sim_store_free(s);
}

TEST(raw_create_decodes_escaped_label_values_and_skips_non_strings)
{
    sim_store_t *s = sim_store_new(NULL);
    static const char meta[] = ",\"labels\":{\"q\":\"a\\\"b\",\"n\":5,\"u\":\"\\u00e9\"}";
    static const char body[] = ",\"status\":{\"phase\":\"Pen\\\\ding\"}";
    const sim_obj_t *o = NULL;
    err_t err = {0};
    CHECK_INT(sim_create_raw(s, K(s, "", "pods"), "default", "esc", sv_make(meta, sizeof meta - 1),
                             sv_make(body, sizeof body - 1), NULL, &o, &err),
              0);
    CHECK_STR(sim_obj_label(o, "q"), "a\"b");
    CHECK_STR(sim_obj_label(o, "u"), "\xc3\xa9");
    CHECK(sim_obj_label(o, "n") == NULL);
    CHECK_STR(sim_obj_field(o, "status.phase"), "Pen\\ding");
    sim_store_free(s);
}

TEST(obj_member_parses_one_path_without_the_whole_object)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_obj_t *o = NULL;
    err_t err = {0};
    CHECK_INT(sim_create_raw(s, K(s, "", "pods"), "default", "m", sv_make(RAW_META, sizeof RAW_META - 1),
                             sv_make(RAW_BODY, sizeof RAW_BODY - 1), NULL, &o, &err),
              0);
    sim_store_gc(s);
    cJSON *c = sim_obj_member(o, "spec.containers");
    CHECK(cJSON_IsArray(c) && cJSON_GetArraySize(c) == 1);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(c, 0), "image")->valuestring, "nginx");
    cJSON_Delete(c);
    cJSON *l = sim_obj_member(o, "metadata.labels");
    CHECK_STR(cJSON_GetObjectItem(l, "tier")->valuestring, "fe");
    cJSON_Delete(l);
    CHECK(sim_obj_member(o, "spec.selector") == NULL);
    CHECK(sim_obj_member(o, "status.phase.deeper") == NULL);
    /* also when the tree is cached */
    (void)sim_obj_json(o);
    c = sim_obj_member(o, "status.podIP");
    CHECK_STR(cJSON_GetStringValue(c), "10.0.0.7");
    cJSON_Delete(c);
    sim_store_free(s);
}

/* ---- member edits on the stored text (sim_update_members) ---- */

static int member_events;
static void count_member_event(const sim_event_t *ev, void *ud)
{
    (void)ev;
    (void)ud;
    member_events++;
}

TEST(member_edits_change_the_text_bump_rv_and_generation_and_index)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *dep = K(s, "apps", "deployments");
    const sim_obj_t *o = NULL;
    err_t err = {0};
    CHECK_INT(sim_create(s, dep, "default",
                         obj_json("{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\"}},\"spec\":"
                                  "{\"replicas\":2,\"paused\":false},\"status\":{\"replicas\":2}}"),
                         NULL, &o, &err),
              0);
    uint64_t rv0 = sim_obj_rv(o);
    sim_store_subscribe(s, count_member_event, NULL);
    sim_member_edit_t ed[] = {{"spec.replicas", "3", 0},
                              {"metadata.labels", "{\"app\":\"web\",\"tier\":\"fe\"}", 0},
                              {"metadata.annotations", "{\"a\":\"1\"}", 0}, /* absent: added */
                              {"spec.paused", NULL, 0}};                     /* removed */
    CHECK_INT(sim_update_members(s, dep, "default", "web", rv0, ed, 4, &o, &err), 0);
    CHECK_INT(member_events, 1);
    CHECK(sim_obj_rv(o) == rv0 + 1);
    const cJSON *t = sim_obj_json(o);
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "spec"), "replicas")->valuedouble, 3);
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "spec"), "paused") == NULL);
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), "generation")->valuedouble, 2);
    char rv[32];
    snprintf(rv, sizeof rv, "%llu", (unsigned long long)(rv0 + 1));
    CHECK_STR(meta_str(o, "resourceVersion"), rv);
    CHECK_STR(sim_obj_label(o, "tier"), "fe");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), "annotations"), "a")
                  ->valuestring,
              "1");
    /* the text stays valid compact JSON */
    cJSON *again = cJSON_ParseWithLength(sim_obj_bytes(o).p, sim_obj_bytes(o).n);
    CHECK(again != NULL);
    cJSON_Delete(again);
    /* the same values again: no change, no event, no new resourceVersion */
    sim_member_edit_t same[] = {{"spec.replicas", "3", 0}};
    CHECK_INT(sim_update_members(s, dep, "default", "web", 0, same, 1, &o, &err), 0);
    CHECK_INT(member_events, 1);
    CHECK(sim_obj_rv(o) == rv0 + 1);
    /* a status edit does not move the generation */
    sim_member_edit_t st[] = {{"status", "{\"replicas\":3}", 0}};
    CHECK_INT(sim_update_members(s, dep, "default", "web", 0, st, 1, &o, &err), 0);
    CHECK_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(sim_obj_json(o), "metadata"), "generation")->valuedouble, 2);
    /* a stale resourceVersion, server-owned members, a missing parent */
    CHECK_INT(sim_update_members(s, dep, "default", "web", rv0, same, 1, NULL, &err), SIM_ERR_CONFLICT);
    sim_member_edit_t owned[] = {{"metadata.name", "\"x\"", 0}};
    CHECK_INT(sim_update_members(s, dep, "default", "web", 0, owned, 1, NULL, &err), ERR_INVALID);
    sim_member_edit_t orphan[] = {{"spec.strategy.type", "\"Recreate\"", 0}};
    CHECK_INT(sim_update_members(s, dep, "default", "web", 0, orphan, 1, NULL, &err), ERR_INVALID);
    CHECK_INT(sim_update_members(s, dep, "default", "nope", 0, same, 1, NULL, &err), ERR_NOTFOUND);
    sim_store_free(s);
}

TEST(status_update_splices_only_the_status_and_keeps_a_shared_chunk)
{
    sim_store_t *s = sim_store_new(NULL);
    const sim_kind_t *pods = K(s, "", "pods");
    static const char spec[] = "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}";
    sim_chunk_t *ch = sim_chunk_new(spec, sizeof spec - 1);
    static const char body[] = ",\x01,\"status\":{\"phase\":\"Pending\"}";
    const sim_obj_t *o = NULL;
    err_t err = {0};
    CHECK_INT(sim_create_raw(s, pods, "default", "p", sv_make("", 0), sv_make(body, sizeof body - 1), ch, &o, &err),
              0);
    cJSON *upd = obj_json("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"ignored\":true},\"status\":"
                          "{\"phase\":\"Running\",\"podIP\":\"10.0.0.9\"}}");
    CHECK_INT(sim_update_status(s, pods, "default", upd, NULL, &o, &err), 0);
    sv_t b = sim_obj_bytes(o);
    CHECK(memmem(b.p, b.n, spec, sizeof spec - 1) != NULL);
    CHECK(memmem(b.p, b.n, "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.9\"}}", 46) != NULL);
    CHECK(memmem(b.p, b.n, "ignored", 7) == NULL);
    CHECK_STR(sim_obj_field(o, "status.phase"), "Running");
    CHECK_STR(sim_obj_field(o, "status.podIP"), "10.0.0.9");
    sim_chunk_unref(ch);
    sim_store_free(s);
}

TEST_MAIN()
