/* identity.c — request identity; see identity.h. */
#include "identity.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define MAX_NAME 256

/* Kubernetes user and group names are free-form strings; we only refuse what
 * cannot travel safely in a header or a log line. */
static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_NAME) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return false;
    return true;
}

static int add_group(api_identity_t *id, const char *s, size_t n, err_t *err)
{
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n == 0) return 0; /* "a,,b" and trailing commas are harmless */
    if (!name_ok(s, n))
        return err_set(err, ERR_INVALID, "X-Remote-Group: group names must be 1-%d printable characters",
                       MAX_NAME);
    for (size_t i = 0; i < id->ngroups; i++)
        if (strlen(id->groups[i]) == n && !memcmp(id->groups[i], s, n)) return 0;
    if (id->ngroups == API_MAX_GROUPS)
        return err_set(err, ERR_INVALID, "X-Remote-Group: more than %d groups", API_MAX_GROUPS);
    id->groups[id->ngroups++] = xstrndup(s, n);
    return 0;
}

int api_identity_from_request(http_req_t *r, const api_identity_config_t *cfg, api_identity_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *user = cfg->trust_proxy_headers ? http_req_header(r, "X-Remote-User") : NULL;
    if (user) {
        if (!name_ok(user, strlen(user)))
            return err_set(err, ERR_INVALID, "X-Remote-User: must be 1-%d printable characters", MAX_NAME);
        out->user = xstrdup(user);
        /* repeated headers arrive joined with ", " — both forms split on commas */
        const char *g = http_req_header(r, "X-Remote-Group");
        while (g && *g) {
            const char *c = strchr(g, ',');
            size_t n = c ? (size_t)(c - g) : strlen(g);
            int rc = add_group(out, g, n, err);
            if (rc) {
                api_identity_free(out);
                return rc;
            }
            g = c ? c + 1 : NULL;
        }
        /* No "system:authenticated" here: the cluster's impersonation filter
         * adds it itself, and naming it would need extra permission. */
        return 0;
    }
    if (cfg->default_user && *cfg->default_user) {
        out->user = xstrdup(cfg->default_user);
        for (size_t i = 0; i < cfg->ndefault_groups; i++)
            add_group(out, cfg->default_groups[i], strlen(cfg->default_groups[i]), NULL);
    }
    return 0;
}

void api_identity_free(api_identity_t *id)
{
    free(id->user);
    for (size_t i = 0; i < id->ngroups; i++) free(id->groups[i]);
    memset(id, 0, sizeof *id);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void api_identity_key(const api_identity_t *id, buf_t *out)
{
    const char *sorted[API_MAX_GROUPS];
    memcpy(sorted, id->groups, id->ngroups * sizeof *sorted);
    qsort(sorted, id->ngroups, sizeof *sorted, cmp_str);
    const char *u = id->user ? id->user : "";
    buf_append(out, u, strlen(u) + 1);
    for (size_t i = 0; i < id->ngroups; i++) buf_append(out, sorted[i], strlen(sorted[i]) + 1);
}

size_t api_identity_headers(const api_identity_t *id, char ***lines)
{
    *lines = NULL;
    if (!id->user) return 0;
    char **l = xcalloc(id->ngroups + 1, sizeof *l);
    buf_t b = {0};
    buf_printf(&b, "Impersonate-User: %s", id->user);
    l[0] = buf_steal(&b);
    for (size_t i = 0; i < id->ngroups; i++) {
        buf_printf(&b, "Impersonate-Group: %s", id->groups[i]);
        l[i + 1] = buf_steal(&b);
    }
    *lines = l;
    return id->ngroups + 1;
}
