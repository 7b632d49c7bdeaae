/* patch.h — the three PATCH formats of the Kubernetes API applied to a
 * cJSON document: JSON merge patch (RFC 7386), strategic merge patch (the
 * common cases: lists of containers/volumes/env/… merged by their key,
 * `$patch: delete|replace`, `$setElementOrder/…`, `$retainKeys`,
 * `$deleteFromPrimitiveList/…`, finalizers merged as a set) and JSON patch
 * (RFC 6902 with the test op).
 *
 * Owned by the API-server half. Each function modifies doc in place (it may
 * replace the root: the new root is returned) and never takes the patch.
 */
#ifndef KB_SIM_PATCH_H
#define KB_SIM_PATCH_H

#include <cjson/cJSON.h>

#include "base/err.h"

enum { SIM_PATCH_MERGE, SIM_PATCH_STRATEGIC, SIM_PATCH_JSON };

/* Content-Type → SIM_PATCH_*; -1 when unsupported. apply-patch+yaml is
 * treated as strategic (server-side apply approximated). */
int sim_patch_type(const char *content_type);

/* Apply; returns the patched document or NULL with err (SIM_ERR_BAD_REQUEST
 * for a malformed patch, ERR_INVALID for a failed JSON patch op or test,
 * with the real server's wording). On failure doc is freed. */
cJSON *sim_patch_apply(int type, cJSON *doc, const cJSON *patch, err_t *err);

#endif
