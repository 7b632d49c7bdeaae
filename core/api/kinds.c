/* kinds.c — kind resolution and object paths; see kinds.h. */
#include "api/kinds.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

static bool eqn(const char *a, const char *b, size_t bn)
{
    return strlen(a) == bn && strncasecmp(a, b, bn) == 0;
}

/* Does the bare name (no group) denote r? */
static bool names(const kube_api_resource_t *r, const char *s, size_t n)
{
    /* kind comparison is case-insensitive, which also covers the singular
     * (the lower-cased kind) */
    return eqn(r->resource, s, n) || eqn(r->kind, s, n);
}

static bool better(const kube_api_resource_t *cand, const kube_api_resource_t *cur, bool group_given)
{
    if (!cur) return true;
    if (!group_given && !*cand->group != !*cur->group) return !*cand->group;
    if (strcmp(cand->group, cur->group) == 0 && cand->preferred != cur->preferred) return cand->preferred;
    return false;
}

const kube_api_resource_t *api_kind_resolve(const kube_api_resource_t *list, size_t n, const char *name)
{
    if (!name || !*name) return NULL;
    const char *dot = strchr(name, '.');
    size_t base = dot ? (size_t)(dot - name) : strlen(name);
    const char *rest = dot ? dot + 1 : NULL;
    const kube_api_resource_t *found = NULL;
    for (size_t i = 0; i < n; i++) {
        const kube_api_resource_t *r = &list[i];
        if (!names(r, name, base)) continue;
        if (rest) {
            /* ".GROUP" or ".VERSION.GROUP" */
            bool ok = strcasecmp(r->group, rest) == 0;
            if (!ok) {
                const char *d2 = strchr(rest, '.');
                size_t vl = d2 ? (size_t)(d2 - rest) : strlen(rest);
                if (eqn(r->version, rest, vl)) {
                    ok = d2 ? strcasecmp(r->group, d2 + 1) == 0 : !*r->group;
                    if (ok) return r; /* an explicit version is exact */
                }
            }
            if (!ok) continue;
        }
        if (better(r, found, rest != NULL)) found = r;
    }
    return found;
}

void api_kind_id(const kube_api_resource_t *r, char *out, size_t outsz)
{
    if (*r->group) snprintf(out, outsz, "%s.%s", r->kind, r->group);
    else snprintf(out, outsz, "%s", r->kind);
}

int api_id_split(const char *id, api_id_parts_t *out)
{
    const char *a = id ? strchr(id, '/') : NULL;
    const char *b = a ? strchr(a + 1, '/') : NULL;
    if (!a || !b || a == id || !b[1] || strchr(b + 1, '/')) return ERR_INVALID;
    out->kind = id;
    out->kind_len = (size_t)(a - id);
    out->ns = a + 1;
    out->ns_len = (size_t)(b - a - 1);
    out->name = b + 1;
    out->name_len = strlen(b + 1);
    return 0;
}

void api_escape(buf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') buf_putc(out, (char)c);
        else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        }
    }
}

void api_kind_path(const kube_api_resource_t *r, const char *ns, const char *name, buf_t *out)
{
    if (*r->group) buf_printf(out, "/apis/%s/%s", r->group, r->version);
    else buf_printf(out, "/api/%s", r->version);
    if (r->namespaced && ns && *ns) {
        buf_puts(out, "/namespaces/");
        api_escape(out, ns);
    }
    buf_putc(out, '/');
    buf_puts(out, r->resource);
    if (name) {
        buf_putc(out, '/');
        api_escape(out, name);
    }
}
