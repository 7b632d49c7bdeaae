/* fieldsel.h — field selectors of resource lists.
 *
 * Kubernetes syntax: "metadata.name=web,metadata.namespace!=kube-system";
 * operators =, == and !=. The store keeps projections, not objects, so only
 * the fields it can answer are accepted: metadata.name, metadata.namespace
 * for every kind, and spec.nodeName for Pods (from the NODE column). Any
 * other field is refused with a message naming it and what is supported,
 * never silently ignored.
 */
#ifndef KB_API_FIELDSEL_H
#define KB_API_FIELDSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

enum { API_FIELD_NAME, API_FIELD_NAMESPACE, API_FIELD_NODENAME };

#define API_FIELDSEL_MAX 16

typedef struct api_fieldreq {
    int field;
    bool negate;
    char value[254];
} api_fieldreq_t;

typedef struct api_fieldsel {
    api_fieldreq_t reqs[API_FIELDSEL_MAX];
    size_t n;
} api_fieldsel_t;

/* kind is the canonical ID kind being listed ("Pod"), for kind-specific
 * fields. */
int api_fieldsel_parse(const char *text, const char *kind, api_fieldsel_t *out, err_t *err);
/* Does an object with these values match? node may be NULL (not a Pod). */
bool api_fieldsel_match(const api_fieldsel_t *fs, const char *ns, const char *name, const char *node);
bool api_fieldsel_has(const api_fieldsel_t *fs, int field);

#endif
