/* select.h — label and field selectors as the API server parses them
 * (?labelSelector= and ?fieldSelector=), matched against stored objects
 * without parsing their JSON.
 *
 * Owned by the API-server half. A parsed selector is owned by the caller and
 * freed with sim_selector_free (NULL is a valid "everything" selector).
 */
#ifndef KB_SIM_SELECT_H
#define KB_SIM_SELECT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "base/err.h"
#include "store.h"

typedef struct sim_selector sim_selector_t;

/* Label selector grammar of k8s.io/apimachinery/pkg/labels: comma-separated
 * requirements `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k>N`, `k<N`. An empty string selects everything
 * (*out = NULL). SIM_ERR_BAD_REQUEST with a message on a syntax error. */
int sim_label_selector_parse(const char *text, sim_selector_t **out, err_t *err);
/* Field selector: comma-separated `f=v`, `f==v`, `f!=v`, where f must be
 * metadata.name, metadata.namespace or one of the kind's field_paths
 * (else BadRequest "field label not supported: f"). */
int sim_field_selector_parse(const char *text, const sim_kind_t *k, sim_selector_t **out, err_t *err);
void sim_selector_free(sim_selector_t *sel);

/* Match against packed labels ("k\0v\0…\0", see sim_obj_labels_packed). */
bool sim_label_selector_match(const sim_selector_t *sel, const char *packed_labels);
/* Match a label selector against a JSON labels map (NULL = none). */
bool sim_label_selector_match_json(const sim_selector_t *sel, const cJSON *labels);
bool sim_field_selector_match(const sim_selector_t *sel, const sim_obj_t *o);
/* Both (either may be NULL) against a stored object. */
bool sim_selectors_match(const sim_selector_t *labels, const sim_selector_t *fields, const sim_obj_t *o);

#endif
