/* test_sim_api.c — request paths, the --faults language, tokens and RBAC,
 * and YAML manifests. */
#include "test.h"

#include <stdlib.h>

#include "api.h"
#include "base/buf.h"
#include "auth.h"
#include "faults.h"
#include "sim_yaml.h"

static sim_path_t P(const char *path, int want_rc)
{
    sim_path_t p;
    int rc = sim_path_parse(path, strlen(path), &p);
    if (rc != want_rc) TEST_FAIL_("%s: rc %d, want %d", path, rc, want_rc);
    return p;
}

TEST(paths_split_like_the_request_info_factory)
{
    sim_path_t p = P("/api/v1/namespaces/shop/pods/web-1/log", 0);
    CHECK_INT(p.type, SIM_PATH_RESOURCE);
    CHECK(p.legacy);
    CHECK_STR(p.ns, "shop");
    CHECK_STR(p.resource, "pods");
    CHECK_STR(p.name, "web-1");
    CHECK_STR(p.sub, "log");
    p = P("/apis/apps/v1/deployments", 0);
    CHECK_STR(p.group, "apps");
    CHECK_STR(p.version, "v1");
    CHECK_STR(p.resource, "deployments");
    CHECK_STR(p.ns, "");
    p = P("/api/v1/namespaces/shop", 0);
    CHECK_STR(p.resource, "namespaces");
    CHECK_STR(p.name, "shop");
    p = P("/api/v1/namespaces/shop/status", 0);
    CHECK_STR(p.resource, "namespaces");
    CHECK_STR(p.sub, "status");
    p = P("/api/v1/namespaces/shop/pods", 0);
    CHECK_STR(p.resource, "pods");
    CHECK_STR(p.ns, "shop");
}

TEST(discovery_and_other_paths_are_non_resource)
{
    CHECK_INT(P("/api", 0).type, SIM_PATH_NONRESOURCE);
    CHECK_INT(P("/api/v1", 0).type, SIM_PATH_NONRESOURCE);
    CHECK_INT(P("/apis/apps/v1", 0).type, SIM_PATH_NONRESOURCE);
    CHECK_INT(P("/version", 0).type, SIM_PATH_NONRESOURCE);
    CHECK_INT(P("/", 0).type, SIM_PATH_NONRESOURCE);
}

TEST(malformed_resource_paths_are_rejected)
{
    P("/api/v1/namespaces/a/pods/b/log/extra", SIM_ERR_BAD_REQUEST);
    P("/api/v1//pods", SIM_ERR_BAD_REQUEST);
    P("/apis/a/b/c/d/e/f/g/h/i/j/k/l/m", SIM_ERR_BAD_REQUEST);
}

TEST(fault_spec_parses_and_decides)
{
    err_t err = {0};
    sim_faults_t *f = sim_faults_parse("list:/api/v1/pods=429:3;watch:*=drop@2s;*:/apis/apps/*=latency:200ms;"
                                       "*=500@0;inflight=7",
                                       1, &err);
    CHECK(f != NULL);
    CHECK_INT(sim_faults_max_inflight(f), 7);
    sim_fault_t d;
    sim_faults_decide(f, "list", "/api/v1/pods", &d);
    CHECK_INT(d.action, SIM_FAULT_STATUS);
    CHECK_INT(d.status, 429);
    CHECK_INT(d.retry_after, 3);
    sim_faults_decide(f, "get", "/api/v1/pods", &d);
    CHECK_INT(d.action, SIM_FAULT_NONE); /* 500@0 never fires */
    sim_faults_decide(f, "watch", "/api/v1/pods", &d);
    CHECK_INT(d.drop_after_ms, 2000);
    sim_faults_decide(f, "get", "/apis/apps/v1/deployments", &d);
    CHECK_INT(d.latency_ms, 200);
    sim_faults_free(f);
}

TEST(fault_rates_are_probabilities)
{
    sim_faults_t *f = sim_faults_parse("*=503@0.5", 42, NULL);
    int hits = 0;
    for (int i = 0; i < 1000; i++) {
        sim_fault_t d;
        sim_faults_decide(f, "get", "/x", &d);
        hits += d.action == SIM_FAULT_STATUS;
    }
    CHECK(hits > 400 && hits < 600);
    sim_faults_free(f);
}

TEST(bad_fault_specs_name_the_rule)
{
    err_t err = {0};
    CHECK(sim_faults_parse("list:/x=418", 1, &err) == NULL);
    CHECK(strstr(err.msg, "418") != NULL);
    CHECK(sim_faults_parse("inflight=-1", 1, &err) == NULL);
    CHECK(sim_faults_parse("nothing", 1, &err) == NULL);
    CHECK(sim_faults_parse("*=429@2", 1, &err) == NULL);
}

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/kb-test-%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

TEST(token_file_maps_tokens_to_users_and_groups)
{
    sim_store_t *s = sim_store_new(NULL);
    const char *path = write_tmp("# comment\nt1,alice,u1,\"devs,ops\"\nt2,bob,u2\n");
    err_t err = {0};
    sim_auth_t *a = sim_auth_new(s, path, 0, &err);
    CHECK(a != NULL);
    CHECK_STR(sim_auth_default_token(a), "t1");
    sim_user_t u;
    CHECK_INT(sim_authenticate(a, "Bearer t1", NULL, NULL, 0, &u), 0);
    CHECK_STR(u.name, "alice");
    CHECK(sim_user_in_group(&u, "devs") && sim_user_in_group(&u, "ops") &&
          sim_user_in_group(&u, "system:authenticated"));
    CHECK_INT(sim_authenticate(a, "Bearer nope", NULL, NULL, 0, &u), ERR_FORBIDDEN);
    CHECK_INT(sim_authenticate(a, NULL, NULL, NULL, 0, &u), 0);
    CHECK_STR(u.name, "system:anonymous");
    const char *orgs[] = {"system:masters"};
    CHECK_INT(sim_authenticate(a, NULL, "carol", orgs, 1, &u), 0);
    CHECK_STR(u.name, "carol");
    CHECK(sim_user_in_group(&u, "system:masters"));
    sim_auth_set_anonymous_is_default(a, true);
    CHECK_INT(sim_authenticate(a, NULL, NULL, NULL, 0, &u), 0);
    CHECK_STR(u.name, "alice");
    sim_auth_free(a);
    CHECK(sim_auth_new(s, write_tmp("onlytoken\n"), 0, &err) == NULL);
    CHECK(strstr(err.msg, ":1:") != NULL);
    unlink(path);
    sim_store_free(s);
}

static bool can(sim_auth_t *a, const char *user, const char *group, const char *verb, const char *res,
                const char *ns, const char *name)
{
    sim_user_t u = {0};
    snprintf(u.name, sizeof u.name, "%s", user);
    if (group) sim_user_add_group(&u, group);
    sim_user_add_group(&u, "system:authenticated");
    sim_attrs_t at = {.resource = true, .verb = verb, .group = "", .resource_name = res, .sub = "", .ns = ns,
                      .name = name};
    return sim_authorize(a, &u, &at, NULL, 0);
}

TEST(rbac_is_evaluated_from_stored_roles_and_bindings)
{
    sim_store_t *s = sim_store_new(NULL);
    sim_auth_bootstrap(s);
    sim_auth_t *a = sim_auth_new(s, NULL, 1, NULL);
    const sim_kind_t *role = sim_kind_by_resource(s, "rbac.authorization.k8s.io", "roles");
    const sim_kind_t *rb = sim_kind_by_resource(s, "rbac.authorization.k8s.io", "rolebindings");
    CHECK(!can(a, "bob", NULL, "get", "pods", "default", "p"));
    CHECK(can(a, "root", "system:masters", "delete", "nodes", "", "n"));
    sim_create(s, role, "default",
               cJSON_Parse("{\"metadata\":{\"name\":\"r\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":"
                           "[\"pods\"],\"verbs\":[\"get\"],\"resourceNames\":[\"only\"]},{\"apiGroups\":[\"\"],"
                           "\"resources\":[\"configmaps\"],\"verbs\":[\"*\"]}]}"),
               NULL, NULL, NULL);
    sim_create(s, rb, "default",
               cJSON_Parse("{\"metadata\":{\"name\":\"b\"},\"roleRef\":{\"kind\":\"Role\",\"name\":\"r\"},"
                           "\"subjects\":[{\"kind\":\"User\",\"name\":\"bob\"}]}"),
               NULL, NULL, NULL);
    CHECK(can(a, "bob", NULL, "get", "pods", "default", "only"));
    CHECK(!can(a, "bob", NULL, "get", "pods", "default", "other"));
    CHECK(!can(a, "bob", NULL, "list", "pods", "default", ""));
    CHECK(can(a, "bob", NULL, "delete", "configmaps", "default", "x"));
    CHECK(!can(a, "bob", NULL, "delete", "configmaps", "kube-system", "x"));
    /* ServiceAccount subjects and ClusterRole via RoleBinding */
    sim_create(s, rb, "default",
               cJSON_Parse("{\"metadata\":{\"name\":\"sa\"},\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"view\"},"
                           "\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"robot\",\"namespace\":\"default\"}]}"),
               NULL, NULL, NULL);
    CHECK(can(a, "system:serviceaccount:default:robot", NULL, "list", "pods", "default", ""));
    CHECK(!can(a, "system:serviceaccount:default:robot", NULL, "list", "pods", "kube-system", ""));
    /* Everyone authenticated may ask about themselves. */
    CHECK(can(a, "nobody", NULL, "create", "selfsubjectaccessreviews", "", "") == false); /* group is authorization.k8s.io */
    sim_user_t u = {0};
    snprintf(u.name, sizeof u.name, "nobody");
    sim_user_add_group(&u, "system:authenticated");
    sim_attrs_t at = {.resource = true, .verb = "create", .group = "authorization.k8s.io",
                      .resource_name = "selfsubjectaccessreviews", .sub = "", .ns = "", .name = ""};
    CHECK(sim_authorize(a, &u, &at, NULL, 0));
    sim_attrs_t nr = {.resource = false, .verb = "get", .path = "/apis/apps/v1"};
    CHECK(sim_authorize(a, &u, &nr, NULL, 0));
    cJSON *rr = sim_rules_review(a, &u, "default");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(rr, "resourceRules")) > 0);
    cJSON_Delete(rr);
    sim_auth_free(a);
    sim_store_free(s);
}

TEST(yaml_scalars_resolve_like_kubectl)
{
    const char *y = "a: 1\nb: \"1\"\nc: true\nd: yes\ne: ~\nf: 1.5\ng: 0x10\nh: web\ni: '007'\nj: |\n  text\n"
                    "---\n---\nk: [1, two]\n";
    cJSON *docs = NULL;
    err_t err = {0};
    CHECK_INT(sim_yaml_parse(y, strlen(y), "t.yaml", &docs, &err), 0);
    CHECK_INT(cJSON_GetArraySize(docs), 2);
    char *s = cJSON_PrintUnformatted(cJSON_GetArrayItem(docs, 0));
    CHECK_STR(s, "{\"a\":1,\"b\":\"1\",\"c\":true,\"d\":true,\"e\":null,\"f\":1.5,\"g\":16,\"h\":\"web\",\"i\":\"007\","
                 "\"j\":\"text\\n\"}");
    free(s);
    cJSON_Delete(docs);
    CHECK_INT(sim_yaml_parse("a: [1\n", 6, "bad.yaml", &docs, &err), SIM_ERR_BAD_REQUEST);
    CHECK(strncmp(err.msg, "bad.yaml:", 9) == 0);
}

TEST(token_reload_swaps_tokens_and_a_bad_file_keeps_the_old_ones)
{
    sim_store_t *s = sim_store_new(NULL);
    const char *path = write_tmp("t1,alice,u1\nt2,bob,u2\n");
    err_t err = {0};
    sim_auth_t *a = sim_auth_new(s, path, 0, &err);
    CHECK(a != NULL);
    sim_user_t u;
    FILE *f = fopen(path, "w");
    fputs("t1,alice,u1\nt3,carol,u3\n", f);
    fclose(f);
    CHECK_INT(sim_auth_reload(a, &err), 0);
    CHECK_INT(sim_authenticate(a, "Bearer t2", NULL, NULL, 0, &u), ERR_FORBIDDEN);
    CHECK_INT(sim_authenticate(a, "Bearer t3", NULL, NULL, 0, &u), 0);
    CHECK_STR(u.name, "carol");
    f = fopen(path, "w");
    fputs("only-a-token\n", f);
    fclose(f);
    CHECK(sim_auth_reload(a, &err) < 0);
    CHECK(strstr(err.msg, ":1:") != NULL);
    CHECK_INT(sim_authenticate(a, "Bearer t3", NULL, NULL, 0, &u), 0);
    sim_auth_free(a);
    unlink(path);
    sim_store_free(s);
}

/* protobuf encoding helpers for the decoder test */
static void pb_varint(buf_t *b, uint64_t v)
{
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        buf_putc(b, (char)(c | (v ? 0x80 : 0)));
    } while (v);
}

static void pb_bytes(buf_t *b, uint32_t num, const void *p, size_t n)
{
    pb_varint(b, (uint64_t)num << 3 | 2);
    pb_varint(b, n);
    buf_append(b, p, n);
}

static void pb_str(buf_t *b, uint32_t num, const char *s) { pb_bytes(b, num, s, strlen(s)); }

static void pb_msg(buf_t *b, uint32_t num, buf_t *m)
{
    pb_bytes(b, num, m->data, m->len);
    buf_free(m);
}

TEST(protobuf_role_binding_decodes_to_its_json)
{
    buf_t meta = {0}, lab = {0}, subj = {0}, ref = {0}, rb = {0}, tm = {0}, env = {0};
    pb_str(&meta, 1, "read-pods");
    pb_str(&meta, 3, "shop");
    pb_str(&lab, 1, "team");
    pb_str(&lab, 2, "web");
    pb_msg(&meta, 11, &lab);
    pb_varint(&meta, 15 << 3 | 0); /* a varint field (generation-like) is skipped */
    pb_varint(&meta, 7);
    pb_str(&subj, 1, "User");
    pb_str(&subj, 2, "rbac.authorization.k8s.io");
    pb_str(&subj, 3, "jane");
    pb_str(&ref, 1, "rbac.authorization.k8s.io");
    pb_str(&ref, 2, "Role");
    pb_str(&ref, 3, "pod-reader");
    pb_msg(&rb, 1, &meta);
    pb_msg(&rb, 2, &subj);
    pb_msg(&rb, 3, &ref);
    pb_str(&tm, 1, "rbac.authorization.k8s.io/v1");
    pb_str(&tm, 2, "RoleBinding");
    buf_append(&env, "k8s\0", 4);
    pb_msg(&env, 1, &tm);
    pb_msg(&env, 2, &rb);
    cJSON *o = sim_api_proto_decode(env.data, env.len);
    CHECK(o != NULL);
    char *txt = cJSON_PrintUnformatted(o);
    CHECK_STR(txt, "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\",\"metadata\":{\"name\":"
                   "\"read-pods\",\"namespace\":\"shop\",\"labels\":{\"team\":\"web\"}},\"subjects\":[{\"kind\":"
                   "\"User\",\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"jane\"}],\"roleRef\":{"
                   "\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"pod-reader\"}}");
    free(txt);
    cJSON_Delete(o);
    /* truncated: no tree */
    CHECK(sim_api_proto_decode(env.data, env.len - 3) == NULL);
    /* another kind: not decoded */
    buf_t tm2 = {0}, env2 = {0}, raw = {0};
    pb_str(&tm2, 2, "Pod");
    buf_append(&env2, "k8s\0", 4);
    pb_msg(&env2, 1, &tm2);
    pb_str(&raw, 1, "x");
    pb_msg(&env2, 2, &raw);
    CHECK(sim_api_proto_decode(env2.data, env2.len) == NULL);
    buf_free(&env);
    buf_free(&env2);
}

TEST_MAIN()
