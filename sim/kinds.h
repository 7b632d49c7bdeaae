/* kinds.h — the built-in resource types kubesim serves (kinds.c), and the
 * helpers that turn a CustomResourceDefinition into a kind.
 *
 * Private to the API-server half; everyone else finds kinds through
 * sim_kind_* in store.h.
 */
#ifndef KB_SIM_KINDS_H
#define KB_SIM_KINDS_H

#include <stddef.h>

#include "store.h"

/* The static table, in discovery order. Strings are literals. */
extern const sim_kind_t sim_builtin_kinds[];
extern const size_t sim_builtin_nkinds;

/* Kinds whose objects are not stored but computed on request
 * (metrics.k8s.io); they are discoverable and answer GET/LIST only. */
bool sim_kind_is_virtual(const sim_kind_t *k);
/* Kinds that only accept POST and return a computed answer
 * (SelfSubjectAccessReview, TokenReview, …). */
bool sim_kind_is_review(const sim_kind_t *k);

#endif
