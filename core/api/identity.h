/* identity.h — who is asking.
 *
 * Every API request is served as a user: the one an authenticating proxy
 * named (X-Remote-User / X-Remote-Group, only when the server is configured
 * to trust them), else the configured default identity, else the server's
 * own identity (user NULL: no impersonation). Live calls to a cluster carry
 * that user as Impersonate-User / Impersonate-Group headers; cached reads are
 * filtered by that user's access.
 *
 * An api_identity_t owns its strings; api_identity_free releases them.
 */
#ifndef KB_API_IDENTITY_H
#define KB_API_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "http/http.h"

#define API_MAX_GROUPS 64

typedef struct api_identity {
    char *user; /* NULL: the server's own identity */
    char *groups[API_MAX_GROUPS];
    size_t ngroups;
} api_identity_t;

typedef struct api_identity_config {
    bool trust_proxy_headers;
    const char *default_user;
    const char *const *default_groups;
    size_t ndefault_groups;
} api_identity_config_t;

/* Decide the identity of r. Fails (ERR_INVALID, message naming the header)
 * on a proxy header that is present but unusable: empty, too long, control
 * characters, or more than API_MAX_GROUPS groups. */
int api_identity_from_request(http_req_t *r, const api_identity_config_t *cfg, api_identity_t *out, err_t *err);
void api_identity_free(api_identity_t *id);
/* A stable cache key: "user\0group1\0group2…" with groups sorted. */
void api_identity_key(const api_identity_t *id, buf_t *out);
/* Append "Impersonate-User: …\r\n"-style header lines for libcurl's list
 * form ("Name: value", one per entry); returns how many were written. */
size_t api_identity_headers(const api_identity_t *id, char ***lines);

#endif
