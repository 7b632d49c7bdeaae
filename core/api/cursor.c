/* cursor.c — list continuation tokens; see cursor.h. */
#include "api/cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void api_b64url_encode(const void *p, size_t n, buf_t *out)
{
    const unsigned char *s = p;
    size_t i = 0;
    buf_reserve(out, (n + 2) / 3 * 4);
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], B64[(v >> 6) & 63], B64[v & 63]};
        buf_append(out, q, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        char q[2] = {B64[v >> 18], B64[(v >> 12) & 63]};
        buf_append(out, q, 2);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        char q[3] = {B64[v >> 18], B64[(v >> 12) & 63], B64[(v >> 6) & 63]};
        buf_append(out, q, 3);
    }
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

long api_b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    if (n % 4 == 1) return -1;
    size_t w = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (w == cap) return -1;
            out[w++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* leftover bits must be zero, so each token has exactly one spelling */
    if (acc) return -1;
    return (long)w;
}

void api_cursor_encode(const api_cursor_t *c, buf_t *out)
{
    buf_t raw = {0};
    buf_printf(&raw, "k1\x1f%016llx\x1f%s\x1f%s\x1f%s", (unsigned long long)c->qhash, c->sortkey, c->ns, c->name);
    api_b64url_encode(raw.data, raw.len, out);
    buf_free(&raw);
}

static int take(const char **p, const char *end, char *dst, size_t cap, bool last)
{
    const char *sep = last ? end : memchr(*p, 0x1f, (size_t)(end - *p));
    if (!sep) return -1;
    size_t n = (size_t)(sep - *p);
    if (n >= cap) return -1;
    memcpy(dst, *p, n);
    dst[n] = '\0';
    *p = last ? end : sep + 1;
    return 0;
}

int api_cursor_decode(const char *token, uint64_t want_qhash, api_cursor_t *out, err_t *err)
{
    size_t n = strlen(token);
    if (n == 0 || n > 4 * API_CURSOR_MAX)
        return err_set(err, ERR_INVALID, "continue: not a token this server issued");
    unsigned char *raw = xmalloc(n);
    long m = api_b64url_decode(token, n, raw, n);
    int rc = ERR_INVALID;
    char hex[32];
    if (m < 4 || memcmp(raw, "k1\x1f", 3) != 0) goto bad;
    const char *p = (const char *)raw + 3, *end = (const char *)raw + m;
    if (memchr(p, 0, (size_t)(end - p))) goto bad;
    if (take(&p, end, hex, sizeof hex, false) || strlen(hex) != 16) goto bad;
    if (take(&p, end, out->sortkey, sizeof out->sortkey, false)) goto bad;
    if (take(&p, end, out->ns, sizeof out->ns, false)) goto bad;
    if (take(&p, end, out->name, sizeof out->name, true)) goto bad;
    if (memchr(out->name, 0x1f, strlen(out->name))) goto bad;
    unsigned long long q = 0;
    for (int i = 0; i < 16; i++) {
        char c = hex[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) goto bad;
        q = q << 4 | (unsigned)v;
    }
    out->qhash = q;
    free(raw);
    if (q != want_qhash)
        return err_set(err, ERR_INVALID,
                       "continue: the token belongs to a different query (kind, namespace, selectors and sort "
                       "must stay the same while paging)");
    return 0;
bad:
    free(raw);
    err_set(err, rc, "continue: not a token this server issued");
    return rc;
}
