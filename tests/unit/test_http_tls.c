/* test_http_tls.c — core/http over TLS: a CA, a server and a client
 * certificate are made in the test with OpenSSL, then requests go through an
 * OpenSSL client on a non-blocking socket while the server's loop turns. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <stdlib.h>

#include "test_http_client.h"

static char dir[64];
static char ca_pem[128], srv_crt[128], srv_key[128], cli_crt[128], cli_key[128], bad_crt[128];

static void save_pem(const char *path, X509 *x, EVP_PKEY *k)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (x) CHECK_INT(PEM_write_X509(f, x), 1);
    if (k) CHECK_INT(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, const char **orgs, int norgs, X509 *issuer,
                       EVP_PKEY *ikey, long serial, bool ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    for (int i = 0; i < norgs; i++)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)orgs[i], -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *ext =
        X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    CHECK(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
    return x;
}

static void make_pki(void)
{
    snprintf(dir, sizeof dir, "/tmp/kb-http-tls-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(ca_pem, sizeof ca_pem, "%s/ca.pem", dir);
    snprintf(srv_crt, sizeof srv_crt, "%s/server.crt", dir);
    snprintf(srv_key, sizeof srv_key, "%s/server.key", dir);
    snprintf(cli_crt, sizeof cli_crt, "%s/client.crt", dir);
    snprintf(cli_key, sizeof cli_key, "%s/client.key", dir);
    snprintf(bad_crt, sizeof bad_crt, "%s/bad.crt", dir);
    EVP_PKEY *cak = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256"), *ck = EVP_EC_gen("P-256");
    CHECK(cak && sk && ck);
    X509 *ca = make_cert(cak, "test-ca", NULL, 0, NULL, NULL, 1, true);
    X509 *sc = make_cert(sk, "localhost", NULL, 0, ca, cak, 2, false);
    const char *orgs[] = {"dev", "ops"};
    X509 *cc = make_cert(ck, "alice", orgs, 2, ca, cak, 3, false);
    save_pem(ca_pem, ca, NULL);
    save_pem(srv_crt, sc, NULL);
    save_pem(srv_key, NULL, sk);
    save_pem(cli_crt, cc, NULL);
    save_pem(cli_key, NULL, ck);
    FILE *f = fopen(bad_crt, "w");
    fputs("not a certificate\n", f);
    fclose(f);
    X509_free(ca);
    X509_free(sc);
    X509_free(cc);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(sk);
    EVP_PKEY_free(ck);
}

static void rm_pki(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

static void h_whoami(http_req_t *r, void *ud)
{
    const char *cn = NULL, *orgs[4];
    size_t n = 0;
    buf_t b = {0};
    if (http_req_client_cert(r, &cn, orgs, &n, 4)) {
        buf_printf(&b, "cn=%s orgs=", cn);
        for (size_t i = 0; i < n; i++) buf_printf(&b, "%s%s", i ? "," : "", orgs[i]);
    } else {
        buf_puts(&b, "none");
    }
    http_res_send_buf(r, 200, "text/plain", &b);
}

/* Pump the loop until the SSL call stops wanting I/O. */
static int ssl_wait(env_t *e, SSL *ssl, int rc, uint64_t end)
{
    int err = SSL_get_error(ssl, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return -1;
    if (uv_hrtime() > end) return -1;
    uv_run(&e->loop, UV_RUN_NOWAIT);
    struct pollfd pfd = {SSL_get_fd(ssl), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 0};
    poll(&pfd, 1, 1);
    return 0;
}

/* One HTTPS GET; returns the body of a 200 answer in out (or fails). */
static void tls_get(env_t *e, const char *path, bool with_cert, bool verify_server, buf_t *out)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (verify_server) {
        CHECK_INT(SSL_CTX_load_verify_locations(ctx, ca_pem, NULL), 1);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (with_cert) {
        CHECK_INT(SSL_CTX_use_certificate_file(ctx, cli_crt, SSL_FILETYPE_PEM), 1);
        CHECK_INT(SSL_CTX_use_PrivateKey_file(ctx, cli_key, SSL_FILETYPE_PEM), 1);
    }
    client_t c = cl_connect(e);
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, c.fd);
    uint64_t end = uv_hrtime() + 3000000000ull;
    int rc;
    while ((rc = SSL_connect(ssl)) != 1)
        if (ssl_wait(e, ssl, rc, end) < 0) TEST_FAIL_("TLS handshake failed");
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
    while ((rc = SSL_write(ssl, req, n)) <= 0)
        if (ssl_wait(e, ssl, rc, end) < 0) TEST_FAIL_("TLS write failed");
    buf_t in = {0};
    for (;;) {
        char tmp[4096];
        rc = SSL_read(ssl, tmp, sizeof tmp);
        if (rc > 0) {
            buf_append(&in, tmp, (size_t)rc);
            const char *hend = strstr(in.data, "\r\n\r\n");
            const char *cl = strcasestr(in.data, "Content-Length: ");
            if (hend && cl && in.len >= (size_t)(hend + 4 - in.data) + strtoul(cl + 16, NULL, 10)) break;
            continue;
        }
        if (ssl_wait(e, ssl, rc, end) < 0) TEST_FAIL_("TLS read failed: got %s", in.data ? in.data : "");
    }
    CHECK(strncmp(in.data, "HTTP/1.1 200 ", 13) == 0);
    CHECK(strcasestr(in.data, "X-Request-Id: ") != NULL);
    buf_puts(out, strstr(in.data, "\r\n\r\n") + 4);
    buf_free(&in);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    cl_close(&c);
}

static void tls_env(env_t *e, bool client_ca)
{
    http_config_t cfg = {
        .tls_cert_file = srv_crt, .tls_key_file = srv_key, .tls_client_ca_file = client_ca ? ca_pem : NULL};
    env_start(e, &cfg);
    http_route(e->srv, "GET", "/whoami", h_whoami, NULL);
    env_listen(e);
}

TEST(tls_request_is_served)
{
    make_pki();
    env_t e;
    tls_env(&e, false);
    buf_t body = {0};
    tls_get(&e, "/whoami", false, true, &body);
    CHECK_STR(body.data, "none");
    buf_free(&body);
    /* Keep-alive connections are counted while open and gone after. */
    env_spin(&e, 20);
    CHECK_INT(http_server_connections(e.srv), 0);
    env_close(&e);
    rm_pki();
}

TEST(tls_client_cert_subject_is_exposed)
{
    make_pki();
    env_t e;
    tls_env(&e, true);
    buf_t body = {0};
    tls_get(&e, "/whoami", true, true, &body);
    CHECK_STR(body.data, "cn=alice orgs=dev,ops");
    buf_reset(&body);
    /* The certificate is optional: without one the request still runs. */
    tls_get(&e, "/whoami", false, false, &body);
    CHECK_STR(body.data, "none");
    buf_free(&body);
    env_close(&e);
    rm_pki();
}

TEST(tls_plaintext_client_is_dropped)
{
    make_pki();
    env_t e;
    tls_env(&e, false);
    client_t c = cl_connect(&e);
    cl_send(&c, "GET /whoami HTTP/1.1\r\n\r\n");
    CHECK(cl_wait_eof(&e, &c, 2000));
    CHECK(c.in.len == 0 || strncmp(c.in.data, "HTTP/1.1 200", 12) != 0);
    cl_close(&c);
    env_close(&e);
    rm_pki();
}

TEST(tls_bad_certificate_file_is_reported)
{
    make_pki();
    uv_loop_t loop;
    uv_loop_init(&loop);
    err_t err = {0};
    http_config_t cfg = {.host = "127.0.0.1", .tls_cert_file = bad_crt, .tls_key_file = srv_key};
    CHECK(http_server_new(&loop, &cfg, &err) == NULL);
    CHECK(strstr(err.msg, "bad.crt") != NULL);
    http_config_t half = {.host = "127.0.0.1", .tls_cert_file = srv_crt};
    CHECK(http_server_new(&loop, &half, &err) == NULL);
    CHECK_INT(err.code, ERR_INVALID);
    CHECK_INT(uv_loop_close(&loop), 0);
    rm_pki();
}

TEST_MAIN()
