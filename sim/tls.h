/* tls.h — the certificates kubesim makes for itself with --tls: a CA, a
 * serving certificate for 127.0.0.1/localhost signed by it, and an admin
 * client certificate (CN kubesim-admin, O system:masters), all written as
 * PEM files into a directory, plus the PEM text for the kubeconfig.
 *
 * Owned by the API-server half. sim_tls_t owns its strings; free with
 * sim_tls_free.
 */
#ifndef KB_SIM_TLS_H
#define KB_SIM_TLS_H

#include "base/err.h"

typedef struct sim_tls {
    char dir[512];
    char ca_file[600], cert_file[600], key_file[600];
    char *ca_pem, *client_cert_pem, *client_key_pem;
} sim_tls_t;

/* Generate everything into dir (created if missing). */
int sim_tls_generate(const char *dir, sim_tls_t *out, err_t *err);
void sim_tls_free(sim_tls_t *t);
/* Standard base64 of a string (for kubeconfig *-data fields); caller frees. */
char *sim_base64(const char *s);

#endif
