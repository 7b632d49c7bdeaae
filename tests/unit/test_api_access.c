/* test_api_access.c — visibility decisions: rules, gating, TTL, refresh. */
#include "api/access.h"
#include "test.h"

typedef struct asked {
    api_view_t *v[32];
    int what[32];
    char name[32][64];
    int n;
    int changed;
} asked_t;

static void fetch(void *ud, api_view_t *v, int what, const char *name)
{
    asked_t *a = ud;
    a->v[a->n] = v;
    a->what[a->n] = what;
    snprintf(a->name[a->n], sizeof a->name[0], "%s", name);
    a->n++;
}

static void changed(void *ud, api_view_t *v)
{
    (void)v;
    ((asked_t *)ud)->changed++;
}

/* Answer whatever is still pending (as failed), so every view is freed. */
static void drain(asked_t *a)
{
    for (int i = 0; i < a->n; i++) {
        if (a->what[i] == API_ASK_ADMIN) api_view_answer_admin(a->v[i], false, false, 0);
        else if (a->what[i] == API_ASK_NS) api_view_answer_ns(a->v[i], a->name[i], false, NULL, 0);
        else api_view_answer_cluster(a->v[i], a->name[i], false, false, 0);
    }
}

static int ready;
static void on_ready(void *ud)
{
    (void)ud;
    ready++;
}

static api_rules_t rules(const char *json)
{
    api_rules_t r;
    CHECK_INT(api_rules_parse(json, strlen(json), &r), 0);
    return r;
}

#define VIEW_RULES "{\"status\":{\"resourceRules\":[{\"verbs\":[\"get\",\"list\",\"watch\"],\"apiGroups\":[\"\",\"apps\"]," \
                   "\"resources\":[\"pods\",\"deployments\"]},{\"verbs\":[\"*\"],\"apiGroups\":[\"\"],\"resources\":" \
                   "[\"secrets\"],\"resourceNames\":[\"one\"]}]}}"

TEST(rules_grant_list_by_verb_group_and_resource)
{
    api_rules_t r = rules(VIEW_RULES);
    CHECK(api_rules_allow(&r, "list", "", "pods"));
    CHECK(api_rules_allow(&r, "list", "apps", "deployments"));
    CHECK(api_rules_allow(&r, "list", "apps", "pods")); /* groups × resources, as RBAC does */
    CHECK(!api_rules_allow(&r, "list", "batch", "jobs"));
    CHECK(!api_rules_allow(&r, "delete", "", "pods"));
    /* a rule limited to resourceNames grants no list */
    CHECK(!api_rules_allow(&r, "list", "", "secrets"));
    api_rules_free(&r);
    api_rules_t w = rules("{\"status\":{\"resourceRules\":[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}]}}");
    CHECK(api_rules_allow(&w, "list", "example.com", "widgets"));
    api_rules_free(&w);
}

TEST(admins_are_decided_by_one_review)
{
    asked_t a = {0};
    api_access_fetcher_t f = {fetch, changed, &a};
    api_access_t *ac = api_access_new(&f, 30000, 5000);
    api_view_t *v = api_access_view(ac, "root\0", 5, "c1");
    const char *nss[] = {"shop", "payments"};
    api_wait_t *w;
    CHECK(!api_view_need(v, 0, nss, 2, NULL, 0, on_ready, NULL, &w));
    CHECK_INT(a.n, 1);
    CHECK_INT(a.what[0], API_ASK_ADMIN);
    api_view_answer_admin(v, true, true, 10);
    CHECK_INT(ready, 1);
    CHECK_INT(a.n, 1); /* no namespace was asked */
    CHECK_INT(api_view_allows(v, 20, "anything", "", "secrets"), 1);
    CHECK(api_view_is_admin(v));
    drain(&a);
    api_view_release(v);
    api_access_free(ac);
}

TEST(restricted_users_get_one_rules_review_per_namespace)
{
    asked_t a = {0};
    api_access_fetcher_t f = {fetch, changed, &a};
    api_access_t *ac = api_access_new(&f, 30000, 5000);
    api_view_t *v = api_access_view(ac, "ann\0", 4, "c1");
    const char *nss[] = {"shop", "payments"};
    const char *cres[] = {"nodes"};
    api_wait_t *w;
    CHECK(!api_view_need(v, 0, nss, 2, cres, 1, on_ready, NULL, &w));
    api_view_answer_admin(v, true, false, 1);
    CHECK_INT(a.n, 4); /* admin, shop, payments, nodes */
    CHECK_INT(ready, 0);
    api_rules_t r = rules(VIEW_RULES);
    api_view_answer_ns(v, "shop", true, &r, 2);
    api_rules_t none = {0};
    api_view_answer_ns(v, "payments", true, &none, 2);
    CHECK_INT(ready, 0);
    api_view_answer_cluster(v, "nodes", true, false, 3);
    CHECK_INT(ready, 1);
    CHECK_INT(api_view_allows(v, 4, "shop", "", "pods"), 1);
    CHECK_INT(api_view_allows(v, 4, "payments", "", "pods"), 0);
    CHECK_INT(api_view_allows(v, 4, "", "", "nodes"), 0);
    /* an undecided namespace is unknown and starts a review */
    int before = a.n;
    CHECK_INT(api_view_allows(v, 4, "monitoring", "", "pods"), -1);
    CHECK_INT(a.n, before + 1);
    CHECK_STR(a.name[before], "monitoring");
    /* asking again while it is pending starts nothing new */
    CHECK_INT(api_view_allows(v, 5, "monitoring", "", "pods"), -1);
    CHECK_INT(a.n, before + 1);
    api_rules_free(&r);
    drain(&a);
    api_view_release(v);
    api_access_free(ac);
}

TEST(decisions_expire_after_the_ttl)
{
    asked_t a = {0};
    api_access_fetcher_t f = {fetch, changed, &a};
    api_access_t *ac = api_access_new(&f, 30000, 5000);
    api_view_t *v = api_access_view(ac, "ann\0", 4, "c1");
    const char *nss[] = {"shop"};
    api_wait_t *w;
    api_view_need(v, 0, nss, 1, NULL, 0, on_ready, NULL, &w);
    api_view_answer_admin(v, true, false, 0);
    api_rules_t r = rules(VIEW_RULES);
    api_view_answer_ns(v, "shop", true, &r, 0);
    CHECK_INT(ready, 1);
    int n = a.n;
    /* within the TTL: nothing asked */
    CHECK(api_view_need(v, 29999, nss, 1, NULL, 0, on_ready, NULL, &w));
    CHECK_INT(a.n, n);
    /* past it: a request waits for fresh decisions */
    CHECK(!api_view_need(v, 30001, nss, 1, NULL, 0, on_ready, NULL, &w));
    CHECK(a.n > n);
    api_wait_cancel(w);
    /* while the WebSocket filter keeps answering from the stale one */
    CHECK_INT(api_view_allows(v, 30002, "shop", "", "pods"), 1);
    api_rules_free(&r);
    drain(&a);
    api_view_release(v);
    api_access_free(ac);
}

TEST(failed_reviews_count_as_no_for_the_short_ttl)
{
    asked_t a = {0};
    api_access_fetcher_t f = {fetch, changed, &a};
    api_access_t *ac = api_access_new(&f, 30000, 5000);
    api_view_t *v = api_access_view(ac, "ann\0", 4, "c1");
    const char *nss[] = {"shop"};
    api_wait_t *w;
    api_view_need(v, 0, nss, 1, NULL, 0, on_ready, NULL, &w);
    api_view_answer_admin(v, false, true, 0);
    CHECK(!api_view_is_admin(v)); /* a failed review grants nothing */
    api_view_answer_ns(v, "shop", false, NULL, 0);
    CHECK_INT(ready, 1);
    CHECK_INT(api_view_allows(v, 1, "shop", "", "pods"), 0);
    CHECK(!api_view_need(v, 5001, nss, 1, NULL, 0, on_ready, NULL, &w));
    api_wait_cancel(w);
    drain(&a);
    api_view_release(v);
    api_access_free(ac);
}

TEST(a_refresh_that_changes_a_decision_is_reported)
{
    asked_t a = {0};
    api_access_fetcher_t f = {fetch, changed, &a};
    api_access_t *ac = api_access_new(&f, 1000, 1000);
    api_view_t *v = api_access_view(ac, "ann\0", 4, "c1");
    api_view_allows(v, 0, "shop", "", "pods"); /* asks the admin question */
    api_view_answer_admin(v, true, false, 0);
    api_view_allows(v, 0, "shop", "", "pods"); /* then the namespace's */
    api_rules_t r = rules(VIEW_RULES);
    api_view_answer_ns(v, "shop", true, &r, 0);
    uint64_t g = api_view_generation(v);
    CHECK_INT(a.changed, 0);
    /* expire, refresh with the same rules: no change */
    api_view_allows(v, 2000, "shop", "", "pods");
    r = rules(VIEW_RULES);
    api_view_answer_ns(v, "shop", true, &r, 2000);
    CHECK_INT(a.changed, 0);
    /* expire, refresh with nothing: changed */
    api_view_allows(v, 4000, "shop", "", "pods");
    api_rules_t none = {0};
    api_view_answer_ns(v, "shop", true, &none, 4000);
    CHECK_INT(a.changed, 1);
    CHECK(api_view_generation(v) != g);
    CHECK_INT(api_view_allows(v, 4001, "shop", "", "pods"), 0);
    /* an answer nobody asked for changes nothing and takes nothing */
    api_rules_t stray = rules(VIEW_RULES);
    api_view_answer_ns(v, "elsewhere", true, &stray, 4002);
    CHECK(stray.n > 0);
    api_rules_free(&stray);
    drain(&a);
    api_view_release(v);
    api_access_free(ac);
}

TEST(views_are_shared_per_identity_and_cluster_and_swept_when_idle)
{
    asked_t a = {0};
    api_access_fetcher_t f = {fetch, changed, &a};
    api_access_t *ac = api_access_new(&f, 30000, 5000);
    api_view_t *v1 = api_access_view(ac, "ann\0", 4, "c1");
    api_view_t *v2 = api_access_view(ac, "ann\0", 4, "c1");
    api_view_t *v3 = api_access_view(ac, "ann\0", 4, "c2");
    api_view_t *v4 = api_access_view(ac, "ann\0g\0", 6, "c1");
    CHECK(v1 == v2);
    CHECK(v1 != v3);
    CHECK(v1 != v4);
    CHECK_INT(api_access_views(ac), 3);
    api_view_release(v1);
    api_view_release(v2);
    api_view_release(v3);
    api_access_sweep(ac, 1000000);
    CHECK_INT(api_access_views(ac), 1); /* v4 is still held */
    api_access_forget_cluster(ac, "c1");
    CHECK_INT(api_access_views(ac), 0);
    api_view_release(v4); /* detached: freed now */
    api_access_free(ac);
}

TEST(a_cancelled_wait_never_calls_back)
{
    asked_t a = {0};
    api_access_fetcher_t f = {fetch, changed, &a};
    api_access_t *ac = api_access_new(&f, 30000, 5000);
    api_view_t *v = api_access_view(ac, "ann\0", 4, "c1");
    const char *nss[] = {"shop"};
    api_wait_t *w;
    CHECK(!api_view_need(v, 0, nss, 1, NULL, 0, on_ready, NULL, &w));
    api_wait_cancel(w);
    api_view_answer_admin(v, true, true, 0);
    CHECK_INT(ready, 0);
    drain(&a);
    api_view_release(v);
    api_access_free(ac);
}

TEST_MAIN()
