/* tls.c — HTTPS: OpenSSL over memory BIOs on libuv streams.
 *
 * libuv owns the socket; OpenSSL only ever sees memory. Ciphertext read from
 * the socket is written into the connection's read BIO, decrypted with
 * SSL_read into a per-server buffer and handed to conn_input as if it had
 * arrived in the clear. Plaintext going out is SSL_write'n (coalesced into one
 * record when small) and whatever OpenSSL produced in the write BIO is queued
 * with conn_write_raw. With a client CA configured, clients are asked for a
 * certificate and one they send must verify; the subject's CN and O entries
 * are kept for http_req_client_cert.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "http/http_internal.h"

#define TLS_PLAIN_BUF (16 * 1024)
#define TLS_MAX_ORGS 16

struct http_tls {
    SSL *ssl;
    BIO *rbio, *wbio;
    bool has_cert;
    char *cn;
    char *orgs[TLS_MAX_ORGS];
    size_t norgs;
};

static void ssl_error(err_t *err, const char *what, const char *file)
{
    char msg[256];
    ERR_error_string_n(ERR_get_error(), msg, sizeof msg);
    ERR_clear_error();
    err_set(err, ERR_INVALID, "http: TLS %s %s: %s", what, file, msg);
}

int tls_ctx_new(http_server_t *s, err_t *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ssl_error(err, "context", "");
        return ERR_INTERNAL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Idle keep-alive connections give their record buffers back. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, s->cfg.tls_cert_file) != 1) {
        ssl_error(err, "certificate", s->cfg.tls_cert_file);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, s->cfg.tls_key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ssl_error(err, "key", s->cfg.tls_key_file);
        goto fail;
    }
    if (s->cfg.tls_client_ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, s->cfg.tls_client_ca_file, NULL) != 1) {
            ssl_error(err, "client CA", s->cfg.tls_client_ca_file);
            goto fail;
        }
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(s->cfg.tls_client_ca_file);
        if (names) SSL_CTX_set_client_CA_list(ctx, names);
        /* Optional for the client, but verified when sent. */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    static const unsigned char sid[] = "kubilitics";
    SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
    s->ssl_ctx = ctx;
    s->tls_plain = xmalloc(TLS_PLAIN_BUF);
    return 0;
fail:
    SSL_CTX_free(ctx);
    return ERR_INVALID;
}

void tls_ctx_free(http_server_t *s)
{
    if (s->ssl_ctx) SSL_CTX_free(s->ssl_ctx);
    s->ssl_ctx = NULL;
    free(s->tls_plain);
    s->tls_plain = NULL;
}

int tls_conn_new(http_conn_t *c)
{
    http_tls_t *t = xcalloc(1, sizeof *t);
    t->ssl = SSL_new(c->srv->ssl_ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        if (t->ssl) SSL_free(t->ssl);
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        free(t);
        return ERR_INTERNAL;
    }
    /* A memory BIO that runs dry means "wait for more", not end of file. */
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_accept_state(t->ssl);
    c->tls = t;
    return 0;
}

void tls_conn_free(http_conn_t *c)
{
    http_tls_t *t = c->tls;
    if (!t) return;
    SSL_free(t->ssl); /* frees both BIOs */
    free(t->cn);
    for (size_t i = 0; i < t->norgs; i++) free(t->orgs[i]);
    free(t);
    c->tls = NULL;
}

/* Queue everything OpenSSL wants to send. */
static int tls_flush(http_conn_t *c)
{
    char tmp[16384];
    int n;
    while ((n = BIO_read(c->tls->wbio, tmp, sizeof tmp)) > 0) {
        uv_buf_t b = uv_buf_init(tmp, (unsigned)n);
        if (conn_write_raw(c, &b, 1) != 0) return ERR_CONFLICT;
    }
    return 0;
}

static char *entry_utf8(X509_NAME_ENTRY *e)
{
    unsigned char *u = NULL;
    int n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
    if (n < 0) return NULL;
    char *s = xstrndup((const char *)u, (size_t)n);
    OPENSSL_free(u);
    return s;
}

static void take_client_cert(http_tls_t *t)
{
    X509 *x = SSL_get1_peer_certificate(t->ssl);
    if (!x) return;
    if (SSL_get_verify_result(t->ssl) == X509_V_OK) {
        X509_NAME *name = X509_get_subject_name(x);
        for (int i = 0; i < X509_NAME_entry_count(name); i++) {
            X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
            int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
            if (nid == NID_commonName && !t->cn)
                t->cn = entry_utf8(e);
            else if (nid == NID_organizationName && t->norgs < TLS_MAX_ORGS) {
                char *o = entry_utf8(e);
                if (o) t->orgs[t->norgs++] = o;
            }
        }
        t->has_cert = true;
    }
    X509_free(x);
}

int tls_read(http_conn_t *c, const char *data, size_t len)
{
    http_tls_t *t = c->tls;
    if (BIO_write(t->rbio, data, (int)len) != (int)len) return ERR_INTERNAL;
    if (!SSL_is_init_finished(t->ssl)) {
        int r = SSL_do_handshake(t->ssl);
        if (r != 1) {
            int e = SSL_get_error(t->ssl, r);
            tls_flush(c); /* a handshake message, or an alert */
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
            char msg[256];
            ERR_error_string_n(ERR_get_error(), msg, sizeof msg);
            ERR_clear_error();
            log_debug("tls handshake failed", "peer=%s error=%s", c->peer, msg);
            return ERR_IO;
        }
        take_client_cert(t);
    }
    for (;;) {
        int n = SSL_read(t->ssl, c->srv->tls_plain, TLS_PLAIN_BUF);
        if (n > 0) {
            conn_input(c, c->srv->tls_plain, (size_t)n);
            if (c->state == CONN_CLOSED) return 0;
            continue;
        }
        int e = SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN) c->peer_eof = true; /* close_notify */
        tls_flush(c);
        return ERR_IO;
    }
    return tls_flush(c);
}

int tls_send(http_conn_t *c, const uv_buf_t *bufs, int n)
{
    http_tls_t *t = c->tls;
    if (c->state == CONN_CLOSED || c->state == CONN_LINGER || c->broken) return ERR_CONFLICT;
    size_t total = 0;
    for (int i = 0; i < n; i++) total += bufs[i].len;
    /* A head and a small body go out as one record. */
    if (n > 1 && total <= 16384) {
        char tmp[16384];
        size_t off = 0;
        for (int i = 0; i < n; i++) {
            memcpy(tmp + off, bufs[i].base, bufs[i].len);
            off += bufs[i].len;
        }
        if (SSL_write(t->ssl, tmp, (int)total) <= 0) goto fail;
    } else {
        for (int i = 0; i < n; i++)
            if (bufs[i].len && SSL_write(t->ssl, bufs[i].base, (int)bufs[i].len) <= 0) goto fail;
    }
    return tls_flush(c);
fail:
    ERR_clear_error();
    return ERR_CONFLICT;
}

void tls_shutdown(http_conn_t *c)
{
    if (!SSL_is_init_finished(c->tls->ssl)) return;
    SSL_shutdown(c->tls->ssl);
    ERR_clear_error();
    tls_flush(c);
}

bool tls_client_cert(const http_conn_t *c, const char **cn, const char **orgs, size_t *norgs, size_t max)
{
    const http_tls_t *t = c->tls;
    if (!t || !t->has_cert) return false;
    if (cn) *cn = t->cn ? t->cn : "";
    size_t n = 0;
    for (; orgs && n < t->norgs && n < max; n++) orgs[n] = t->orgs[n];
    if (norgs) *norgs = n;
    return true;
}
