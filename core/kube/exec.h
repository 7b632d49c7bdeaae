/* exec.h — exec credential plugins (client.authentication.k8s.io v1, v1beta1).
 *
 * A kube_exec_t runs the configured command on the loop (uv_spawn, never
 * blocking), hands it KUBERNETES_EXEC_INFO, parses the ExecCredential it
 * prints, and caches the credential until its expirationTimestamp (forever
 * when it has none). Callers that ask while a run is in flight join it: one
 * process per expiry, however many requests wait. kube_exec_invalidate()
 * drops the cache — the cluster calls it on a 401 so the next request runs
 * the plugin again.
 *
 * Lifecycle: kube_exec_new → any number of kube_exec_get → kube_exec_free.
 * A get that returns the cached credential does not call its callback; one
 * that returns NULL calls it exactly once later unless cancelled with
 * kube_exec_cancel or the exec is freed first. After kube_exec_free no
 * callback runs; a running child is killed and reaped in the background.
 * Neither stdout nor the environment values are ever logged; stderr's first
 * line (cut to 200 bytes) goes into error messages because that is where
 * plugins explain themselves.
 */
#ifndef KB_KUBE_EXEC_H
#define KB_KUBE_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/err.h"
#include "kube/kubeconfig.h"

typedef struct kube_cred {
    char *token;          /* bearer token, or NULL */
    char *cert_pem;       /* client certificate + key, or NULL */
    size_t cert_pem_len;
    char *key_pem;
    size_t key_pem_len;
    int64_t expiry_ms;    /* wall clock (epoch ms); 0 = does not expire */
} kube_cred_t;

void kube_cred_clear(kube_cred_t *c);

/* Parse an ExecCredential document. api_version is the one that was asked
 * for; the answer must carry the same. */
int kube_exec_parse(const char *json, size_t len, const char *api_version, kube_cred_t *out, err_t *err);

typedef struct kube_exec kube_exec_t;
/* cred is NULL on failure, with error saying why (never a secret). */
typedef void (*kube_exec_fn)(const kube_cred_t *cred, const char *error, void *ud);

/* cluster_json: the "cluster" object to put in KUBERNETES_EXEC_INFO when
 * provideClusterInfo is set (server, certificate-authority-data, …), or
 * NULL. name is used in logs. The config is copied. */
kube_exec_t *kube_exec_new(uv_loop_t *loop, const char *name, const kube_exec_config_t *cfg,
                           const char *cluster_json);
/* Clock for expiry checks (tests inject one); default clock_wall_ms. */
void kube_exec_set_clock(kube_exec_t *x, int64_t (*now_ms)(void *ud), void *ud);
/* The cached credential when still valid (no callback then); otherwise NULL
 * and cb runs once when the command finishes. */
const kube_cred_t *kube_exec_get(kube_exec_t *x, kube_exec_fn cb, void *ud);
/* Forget a waiting callback (matched by cb and ud). */
void kube_exec_cancel(kube_exec_t *x, kube_exec_fn cb, void *ud);
void kube_exec_invalidate(kube_exec_t *x);
/* How many times the command has been started. */
unsigned kube_exec_runs(const kube_exec_t *x);
void kube_exec_free(kube_exec_t *x);

#endif
