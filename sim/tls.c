/* tls.c — CA, serving and client certificates with OpenSSL; see tls.h.
 * EC P-256 keys: fast to generate at every start. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/mem.h"
#include "tls.h"

static EVP_PKEY *new_key(void) { return EVP_EC_gen("P-256"); }

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ex) return -1;
    X509_add_ext(cert, ex, -1);
    X509_EXTENSION_free(ex);
    return 0;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *org, X509 *issuer, EVP_PKEY *issuer_key,
                       bool ca, const char *san, const char *eku, long serial)
{
    X509 *c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 365L * 24 * 3600);
    X509_set_pubkey(c, key);
    X509_NAME *n = X509_get_subject_name(c);
    if (org) X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n);
    X509 *iss = issuer ? issuer : c;
    if (ca) {
        add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
        add_ext(c, iss, NID_subject_key_identifier, "hash");
    } else {
        add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(c, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        add_ext(c, iss, NID_ext_key_usage, eku);
        add_ext(c, iss, NID_authority_key_identifier, "keyid");
        if (san) add_ext(c, iss, NID_subject_alt_name, san);
    }
    if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static char *pem_of(int (*write)(BIO *, void *), void *obj)
{
    BIO *b = BIO_new(BIO_s_mem());
    write(b, obj);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = xstrndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static int w_cert(BIO *b, void *c) { return PEM_write_bio_X509(b, c); }
static int w_key(BIO *b, void *k) { return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL); }

static int write_file(const char *path, const char *text, err_t *err)
{
    FILE *f = fopen(path, "w");
    if (!f) return err_set(err, ERR_IO, "%s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
    return 0;
}

int sim_tls_generate(const char *dir, sim_tls_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->dir, sizeof out->dir, "%s", dir);
    mkdir(dir, 0700);
    int rc = 0;
    EVP_PKEY *ca_key = new_key(), *srv_key = new_key(), *cl_key = new_key();
    X509 *ca = NULL, *srv = NULL, *cl = NULL;
    char *srv_pem = NULL, *srv_key_pem = NULL;
    if (!ca_key || !srv_key || !cl_key) {
        rc = err_set(err, ERR_INTERNAL, "--tls: key generation failed");
        goto done;
    }
    ca = make_cert(ca_key, "kubesim-ca", NULL, NULL, NULL, true, NULL, NULL, 1);
    srv = make_cert(srv_key, "kubesim", NULL, ca, ca_key, false,
                    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,IP:127.0.0.1,IP:::1", "serverAuth", 2);
    cl = make_cert(cl_key, "kubesim-admin", "system:masters", ca, ca_key, false, NULL, "clientAuth", 3);
    if (!ca || !srv || !cl) {
        rc = err_set(err, ERR_INTERNAL, "--tls: certificate signing failed");
        goto done;
    }
    out->ca_pem = pem_of(w_cert, ca);
    srv_pem = pem_of(w_cert, srv);
    srv_key_pem = pem_of(w_key, srv_key);
    out->client_cert_pem = pem_of(w_cert, cl);
    out->client_key_pem = pem_of(w_key, cl_key);
    snprintf(out->ca_file, sizeof out->ca_file, "%s/ca.crt", dir);
    snprintf(out->cert_file, sizeof out->cert_file, "%s/server.crt", dir);
    snprintf(out->key_file, sizeof out->key_file, "%s/server.key", dir);
    char path[600];
    if ((rc = write_file(out->ca_file, out->ca_pem, err)) < 0) goto done;
    if ((rc = write_file(out->cert_file, srv_pem, err)) < 0) goto done;
    if ((rc = write_file(out->key_file, srv_key_pem, err)) < 0) goto done;
    snprintf(path, sizeof path, "%s/admin.crt", dir);
    if ((rc = write_file(path, out->client_cert_pem, err)) < 0) goto done;
    snprintf(path, sizeof path, "%s/admin.key", dir);
    rc = write_file(path, out->client_key_pem, err);
done:
    free(srv_pem);
    free(srv_key_pem);
    X509_free(ca);
    X509_free(srv);
    X509_free(cl);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cl_key);
    if (rc < 0) sim_tls_free(out);
    return rc;
}

void sim_tls_free(sim_tls_t *t)
{
    free(t->ca_pem);
    free(t->client_cert_pem);
    free(t->client_key_pem);
    t->ca_pem = t->client_cert_pem = t->client_key_pem = NULL;
}

char *sim_base64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    int w = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    out[w] = '\0';
    return out;
}
