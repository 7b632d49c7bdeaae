/* access.h — what one identity may list in one cluster, decided by the
 * cluster and cached briefly.
 *
 * A view is the (identity, cluster) pair. Its decisions come from the
 * cluster through impersonated review calls, made by the fetcher the owner
 * supplies (the API makes kube calls; tests make none):
 *   ADMIN   one SelfSubjectAccessReview "list every resource of every group at cluster scope": when
 *           allowed, everything is visible and nothing else is asked;
 *   NS      one SelfSubjectRulesReview per namespace: its resource rules
 *           answer "may list RESOURCE.GROUP here" for every kind at once;
 *   CLUSTER one SelfSubjectAccessReview per cluster-scoped resource.
 * Decisions expire after ttl_ms (a failed fetch after neg_ttl_ms, as "no").
 * An expired decision is still used by api_view_allows (the WebSocket
 * filter cannot wait) while a refresh runs; api_view_need (requests, which
 * can wait) treats it as missing. A refresh that changes a decision calls
 * the fetcher's changed hook so subscribers can be resynced.
 *
 * Views are reference counted: api_access_view takes one, api_view_release
 * drops one; unreferenced views are freed by api_access_sweep after they
 * expire. Time is passed in (ms), never read here.
 */
#ifndef KB_API_ACCESS_H
#define KB_API_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/map.h"

enum { API_ASK_ADMIN = 0, API_ASK_NS = 1, API_ASK_CLUSTER = 2 };

typedef struct api_access api_access_t;
typedef struct api_view api_view_t;
typedef struct api_wait api_wait_t;

/* One RBAC rule as a SelfSubjectRulesReview reports it. */
typedef struct api_rule {
    char **verbs, **groups, **resources;
    size_t nverbs, ngroups, nresources;
    bool named; /* resourceNames set: grants no list */
} api_rule_t;

typedef struct api_rules {
    api_rule_t *v;
    size_t n;
} api_rules_t;

/* status.resourceRules of a SelfSubjectRulesReview response body. */
int api_rules_parse(const char *body, size_t len, api_rules_t *out);
void api_rules_free(api_rules_t *r);
bool api_rules_allow(const api_rules_t *r, const char *verb, const char *group, const char *resource);

typedef struct api_access_fetcher {
    /* Start deciding (what, name) for v: name is the namespace (NS), the
     * "resource.group" (CLUSTER, "resource" for the core group) or "" (ADMIN).
     * Answer later with api_view_answer_*; never call back from inside. */
    void (*fetch)(void *ud, api_view_t *v, int what, const char *name);
    /* A refreshed decision differs from the one it replaced. */
    void (*changed)(void *ud, api_view_t *v);
    void *ud;
} api_access_fetcher_t;

api_access_t *api_access_new(const api_access_fetcher_t *f, int ttl_ms, int neg_ttl_ms);
/* Views still referenced are detached (their owners release them later). */
void api_access_free(api_access_t *a);
api_view_t *api_access_view(api_access_t *a, const char *idkey, size_t idlen, const char *cluster);
void api_view_release(api_view_t *v);
/* Forget every view of a cluster (removed), or all decisions (tests). */
void api_access_forget_cluster(api_access_t *a, const char *cluster);
void api_access_sweep(api_access_t *a, int64_t now_ms);
size_t api_access_views(const api_access_t *a);

const char *api_view_cluster(const api_view_t *v);
/* The identity key the view was made for (identity.h's api_identity_key). */
const char *api_view_idkey(const api_view_t *v, size_t *len);
void *api_view_data(const api_view_t *v);
void api_view_set_data(api_view_t *v, void *data);
/* A number that changes whenever a decision of the view changes (for ETags). */
uint64_t api_view_generation(const api_view_t *v);

/* Answers from the fetcher, exactly one per fetch (an answer for nothing
 * pending is ignored). ok false: the fetch failed (counted as "no" for
 * neg_ttl_ms). rules is taken over (NS). A view lives until its fetches
 * are answered, even past api_access_free. */
void api_view_answer_admin(api_view_t *v, bool ok, bool allowed, int64_t now_ms);
void api_view_answer_ns(api_view_t *v, const char *ns, bool ok, api_rules_t *rules, int64_t now_ms);
void api_view_answer_cluster(api_view_t *v, const char *res, bool ok, bool allowed, int64_t now_ms);

/* Make sure fresh decisions exist for the namespaces nss and the cluster
 * resources cres ("resource.group"). true: they do (or the view is admin),
 * nothing is kept. false: fetches were started; cb(ud) runs once when all
 * are known, unless the wait is cancelled first (*wait names it). */
bool api_view_need(api_view_t *v, int64_t now_ms, const char *const *nss, size_t nns, const char *const *cres,
                   size_t ncres, void (*cb)(void *ud), void *ud, api_wait_t **wait);
void api_wait_cancel(api_wait_t *w);

/* -1 unknown (a fetch is started), 0 no, 1 yes. ns "" → cluster-scoped.
 * group "" for the core group. Expired decisions answer and refresh. */
int api_view_allows(api_view_t *v, int64_t now_ms, const char *ns, const char *group, const char *resource);
/* True when every object is visible (ADMIN known yes). */
bool api_view_is_admin(const api_view_t *v);

#endif
