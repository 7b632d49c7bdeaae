/* kubeconfig.h — loading kubeconfig files and resolving a context into the
 * settings needed to reach one cluster.
 *
 * kubeconfig_load() parses one or more files (libyaml) and merges them the way
 * kubectl does: for clusters, users and contexts the first file that defines a
 * name wins; current-context comes from the first file that sets it. Relative
 * paths inside a file are resolved against that file's directory. Loading
 * checks the structure only; what a context points at (certificate files,
 * credentials) is checked by kubeconfig_resolve(), so one broken user entry
 * does not stop the other contexts from loading.
 *
 * Every error message names the file, the line and the field:
 *   kubeconfig /x/config:14: users[0].user.client-certificate: file /y/crt: No such file or directory
 * and never contains a credential.
 *
 * Ownership: kubeconfig_t owns everything it holds; kube_cluster_config_t
 * returned by kubeconfig_resolve() is the caller's, freed with
 * kube_cluster_config_free(). Neither touches the event loop.
 */
#ifndef KB_KUBE_KUBECONFIG_H
#define KB_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* An exec credential plugin (client.authentication.k8s.io v1 / v1beta1). */
typedef struct kube_exec_config {
    char *command;       /* as written; looked up in PATH when it has no '/' */
    char **args;         /* nargs strings */
    size_t nargs;
    char **env;          /* nenv "NAME=value" strings, added to the process environment */
    size_t nenv;
    char *api_version;   /* "client.authentication.k8s.io/v1" or ".../v1beta1" */
    bool provide_cluster_info;
    char *install_hint;  /* shown when the command cannot be run */
} kube_exec_config_t;

/* Everything needed to reach one cluster as one identity, plus its limits.
 * Strings are owned by the struct. Secret fields (token, key_pem, exec env)
 * are never logged by this module. Numeric limits left at 0 take the
 * defaults written beside them. */
typedef struct kube_cluster_config {
    char *id;               /* cluster ID in the API, metrics and logs; default the context name */
    char *context;          /* kubeconfig context it came from (or NULL) */
    char *server;           /* https://host:port[/prefix], no trailing '/' */
    char *default_namespace;
    char *source;           /* "file:line" of the context, for messages */
    /* TLS */
    bool insecure_skip_tls_verify; /* warned about at cluster start */
    char *tls_server_name;  /* SNI and the name the certificate must carry */
    char *ca_pem;           /* CA bundle (PEM bytes) or NULL for the system store */
    size_t ca_pem_len;
    char *ca_source;        /* where the CA came from, for TLS failures: "kubeconfig F:L:
                             * clusters[0].cluster.certificate-authority"; NULL without a CA */
    char *cert_pem;         /* client certificate and key (PEM), both or neither */
    size_t cert_pem_len;
    char *key_pem;
    size_t key_pem_len;
    char *proxy_url;        /* http://, https://, socks5:// */
    bool disable_compression;
    /* Credentials: at most one of token / token_file / exec. */
    char *token;
    char *token_file;       /* re-read whenever the file changes */
    kube_exec_config_t *exec;

    /* Limits (not from kubeconfig; set by the caller). */
    double qps;                 /* token bucket refill; 0 → 50 (client-go: 5) */
    int burst;                  /* bucket size; 0 → 100 (client-go: 10) */
    int connect_timeout_ms;     /* 0 → 10 s */
    int first_byte_timeout_ms;  /* request sent → response headers; 0 → 30 s */
    int request_timeout_ms;     /* whole non-streaming exchange; 0 → 60 s */
    int stream_idle_timeout_ms; /* no byte on a stream for this long; 0 → 5 min */
    int max_retries;            /* per request (Retry-After, 5xx on GET, connection errors); 0 → 5, <0 → none */
    int breaker_failures;       /* consecutive failures that open the breaker; 0 → 5 */
    int breaker_max_open_ms;    /* longest gap between probes while open; 0 → 30 s */
    size_t max_object_bytes;    /* one watch line / object; 0 → 16 MiB */
    size_t max_body_bytes;      /* one non-streaming response body; 0 → 512 MiB */
} kube_cluster_config_t;

typedef struct kubeconfig kubeconfig_t;

enum {
    /* Skip files that do not exist instead of failing, as kubectl does for
     * the entries of $KUBECONFIG. Other errors still fail. */
    KUBECONFIG_SKIP_MISSING = 1u << 0,
};

/* Load and merge paths[0..n). NULL with err on the first broken file
 * (missing unless KUBECONFIG_SKIP_MISSING, unreadable, bad YAML, wrong
 * structure). Files over 16 MiB are refused. */
kubeconfig_t *kubeconfig_load(const char *const *paths, size_t n, unsigned flags, err_t *err);
/* Parse one document held in memory; name is used in messages and dir for
 * relative paths (may be NULL → current directory). */
kubeconfig_t *kubeconfig_load_mem(const char *name, const char *dir, const char *data, size_t len,
                                  err_t *err);
void kubeconfig_free(kubeconfig_t *kc);

/* Split a $KUBECONFIG-style list ("a:b:c") into a NULL-terminated array of
 * fresh strings (empty entries dropped, duplicates removed as kubectl does);
 * free with kubeconfig_paths_free. *n receives the count. */
char **kubeconfig_split_paths(const char *list, size_t *n);
void kubeconfig_paths_free(char **paths);

/* current-context of the merged config, or NULL. */
const char *kubeconfig_current_context(const kubeconfig_t *kc);
size_t kubeconfig_context_count(const kubeconfig_t *kc);
/* Context names in merge order (first file first, then file order). */
const char *kubeconfig_context_name(const kubeconfig_t *kc, size_t i);

/* Resolve context (NULL → current-context) into a fresh config: reads the
 * CA, certificate and key files, decodes the *-data fields, checks that the
 * credentials are usable. NULL with err (file:line: field: reason) when the
 * context, its cluster or its user is missing or broken, or uses an
 * unsupported mechanism (basic auth, auth-provider, impersonation fields). */
kube_cluster_config_t *kubeconfig_resolve(const kubeconfig_t *kc, const char *context, err_t *err);

/* Deep copy and free. Copy of NULL is NULL. */
kube_cluster_config_t *kube_cluster_config_dup(const kube_cluster_config_t *c);
void kube_cluster_config_free(kube_cluster_config_t *c);
kube_exec_config_t *kube_exec_config_dup(const kube_exec_config_t *e);
void kube_exec_config_free(kube_exec_config_t *e);

#endif
