/* str.c — string views; see str.h. */
#include "str.h"

#include <ctype.h>
#include <limits.h>

#include "mem.h"

bool sv_case_eq(sv_t a, sv_t b)
{
    if (a.n != b.n) return false;
    for (size_t i = 0; i < a.n; i++)
        if (tolower((unsigned char)a.p[i]) != tolower((unsigned char)b.p[i])) return false;
    return true;
}

bool sv_starts_with(sv_t s, sv_t prefix)
{
    return s.n >= prefix.n && memcmp(s.p, prefix.p, prefix.n) == 0;
}

bool sv_ends_with(sv_t s, sv_t suffix)
{
    return s.n >= suffix.n && memcmp(s.p + s.n - suffix.n, suffix.p, suffix.n) == 0;
}

sv_t sv_trim(sv_t s)
{
    while (s.n && isspace((unsigned char)s.p[0])) s.p++, s.n--;
    while (s.n && isspace((unsigned char)s.p[s.n - 1])) s.n--;
    return s;
}

sv_t sv_cut(sv_t *s, char c)
{
    const char *hit = s->n ? memchr(s->p, c, s->n) : NULL;
    sv_t head;
    if (!hit) {
        head = *s;
        *s = (sv_t){s->p + s->n, 0};
        return head;
    }
    head = (sv_t){s->p, (size_t)(hit - s->p)};
    s->n -= head.n + 1;
    s->p = hit + 1;
    return head;
}

bool sv_to_i64(sv_t s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.n && s.p[0] == '-') neg = true, i = 1;
    if (i == s.n) return false;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (limit - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

char *sv_dup(sv_t s) { return xstrndup(s.p ? s.p : "", s.n); }

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long url_decode(sv_t src, char *dst, bool plus_space)
{
    size_t o = 0;
    for (size_t i = 0; i < src.n; i++) {
        char c = src.p[i];
        if (c == '%') {
            if (i + 2 >= src.n) return -1;
            int h = hexval(src.p[i + 1]), l = hexval(src.p[i + 2]);
            if (h < 0 || l < 0) return -1;
            dst[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_space) {
            dst[o++] = ' ';
        } else {
            dst[o++] = c;
        }
    }
    dst[o] = '\0';
    return (long)o;
}
