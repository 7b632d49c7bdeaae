/* auth.h — who is asking and what they may do: static bearer tokens
 * (kube-apiserver's --token-auth-file format), client certificates (CN =
 * user, O = groups), RBAC evaluated from the Roles, ClusterRoles and
 * bindings in the store, and the SelfSubjectRulesReview answer.
 *
 * Owned by the API-server half. sim_auth_t borrows the store; it lives from
 * main.c's start to its end.
 */
#ifndef KB_SIM_AUTH_H
#define KB_SIM_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "base/err.h"
#include "store.h"

#define SIM_USER_MAX_GROUPS 32

typedef struct sim_user {
    char name[256];
    char uid[128];
    char groups[SIM_USER_MAX_GROUPS][128];
    int ngroups;
} sim_user_t;

typedef struct sim_auth sim_auth_t;

/* Load the token file (NULL → one generated token for "kubesim-admin" in
 * system:masters). ERR_INVALID naming the file and line on a bad line. */
sim_auth_t *sim_auth_new(sim_store_t *s, const char *tokens_file, uint64_t seed, err_t *err);
void sim_auth_free(sim_auth_t *a);
/* Re-read the token file (a no-op without one). On error (unreadable,
 * a bad line, no token) the tokens loaded before stay in force. */
int sim_auth_reload(sim_auth_t *a, err_t *err);
/* Re-read the token file whenever it changes (libuv stat polling every
 * interval_ms: mtime, size, inode — so both rewriting it in place and
 * renaming a new file over it count), so tokens can be rotated without a
 * restart: a removed token is refused (401) from the reload on, an added
 * one accepted. sim_auth_unwatch closes the handle (before the loop
 * ends). */
int sim_auth_watch(sim_auth_t *a, uv_loop_t *loop, unsigned interval_ms);
void sim_auth_unwatch(sim_auth_t *a);
/* The token the written kubeconfig uses: the file's first, or the
 * generated admin token. */
const char *sim_auth_default_token(const sim_auth_t *a);
const char *sim_auth_default_user(const sim_auth_t *a);
/* Create the bootstrap ClusterRoles (cluster-admin, admin, edit, view,
 * system:basic-user, system:discovery, system:public-info-viewer) and their
 * bindings, as a fresh kube-apiserver has them. */
void sim_auth_bootstrap(sim_store_t *s);

void sim_user_add_group(sim_user_t *u, const char *g);
bool sim_user_in_group(const sim_user_t *u, const char *g);

/* Over plain HTTP, kubectl and client-go never send credentials (clientcmd
 * reads a kubeconfig's user only for TLS servers). So, like the old
 * insecure port of kube-apiserver, kubesim without --tls treats a request
 * without credentials as the default user (sim_auth_default_user). With
 * --tls such a request is system:anonymous. */
void sim_auth_set_anonymous_is_default(sim_auth_t *a, bool on);

/* From the Authorization header and the verified client certificate (cn
 * NULL when none). 0 with *out filled (anonymous when there are no
 * credentials: system:anonymous in system:unauthenticated), or ERR_FORBIDDEN
 * meaning 401 (a bearer token that matches nobody). */
int sim_authenticate(const sim_auth_t *a, const char *authorization, const char *cn, const char *const *orgs,
                     size_t norgs, sim_user_t *out);

typedef struct sim_attrs {
    bool resource;     /* resource request (else non-resource path) */
    const char *verb;  /* get list watch create update patch delete deletecollection impersonate … */
    const char *group; /* "" for core */
    const char *resource_name; /* "pods" */
    const char *sub;   /* "log", "status", … or "" */
    const char *ns;    /* "" cluster-wide */
    const char *name;  /* "" when none */
    const char *path;  /* non-resource path */
} sim_attrs_t;

/* RBAC: true when some rule bound to the user allows the request.
 * system:masters is always allowed. reason gets a short explanation. */
bool sim_authorize(sim_auth_t *a, const sim_user_t *u, const sim_attrs_t *at, char *reason, size_t cap);
/* The SelfSubjectRulesReview status for ns: {resourceRules, nonResourceRules,
 * incomplete}. Caller owns the result. */
cJSON *sim_rules_review(sim_auth_t *a, const sim_user_t *u, const char *ns);
/* A static token's user (TokenReview); false when unknown. */
bool sim_auth_token_user(const sim_auth_t *a, const char *token, sim_user_t *out);

#endif
