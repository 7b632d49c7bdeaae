/* kinds.h — `{kind}` in a path resolved the way kubectl resolves it.
 *
 * Accepted spellings, case-insensitive: the kind ("Pod", "Deployment"), the
 * resource ("pods", "deployments"), the singular ("pod"), each optionally
 * with the group ("Deployment.apps", "deployments.apps") or with version
 * and group ("deployments.v1.apps"). Without a group the core group wins,
 * then the first group in discovery order (as kubectl does for "events").
 * Among several versions of one resource the preferred one wins.
 */
#ifndef KB_API_KINDS_H
#define KB_API_KINDS_H

#include <stddef.h>

#include "kube/kube.h"

const kube_api_resource_t *api_kind_resolve(const kube_api_resource_t *list, size_t n, const char *name);

/* The canonical ID kind of a resource: "Deployment.apps", "Pod". */
void api_kind_id(const kube_api_resource_t *r, char *out, size_t outsz);

/* Split an object ID "KIND[.GROUP]/NS/NAME" into its parts (pointers into
 * id, with lengths). Returns 0, or ERR_INVALID when it is not an ID. */
typedef struct api_id_parts {
    const char *kind, *ns, *name;
    size_t kind_len, ns_len, name_len;
} api_id_parts_t;
int api_id_split(const char *id, api_id_parts_t *out);

/* The API path of an object or collection: "/apis/apps/v1/namespaces/ns/deployments/name".
 * ns NULL or "" for cluster-scoped or all namespaces; name NULL for the
 * collection. Path segments are percent-escaped. */
void api_kind_path(const kube_api_resource_t *r, const char *ns, const char *name, buf_t *out);

/* Append s percent-escaped for one path segment or a query value. */
void api_escape(buf_t *out, const char *s);

#endif
