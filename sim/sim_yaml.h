/* sim_yaml.h — YAML and JSON manifests (one or many documents) into cJSON, with
 * plain scalars resolved to JSON types the way kubectl's YAML decoder does
 * (YAML 1.1: true/false/yes/no/on/off, null/~, integers, floats; quoted and
 * block scalars stay strings; !!str and friends are honoured).
 *
 * Owned by the API-server half. Used for --manifests and server-side apply
 * bodies.
 */
#ifndef KB_SIM_SIM_YAML_H
#define KB_SIM_SIM_YAML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/err.h"

/* Parse every document of text into a JSON array (empty documents are
 * skipped) that the caller owns. name labels errors ("FILE:LINE: …"). */
int sim_yaml_parse(const char *text, size_t len, const char *name, cJSON **out, err_t *err);

/* Apply every manifest file (*.yaml, *.yml, *.json) of dir, in name order,
 * into the store: List kinds are expanded, a missing namespace is an
 * error unless the same files create it (namespaces go first). Returns the
 * number of objects created, or a negative code naming file and document. */
struct sim_store;
int sim_manifests_apply(struct sim_store *s, const char *dir, err_t *err);

#endif
