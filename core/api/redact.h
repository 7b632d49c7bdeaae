/* redact.h — what a live object looks like when it leaves the server, and
 * its YAML form.
 *
 * api_redact: metadata.managedFields is dropped (noise for people, and
 * large); a Secret's data and stringData values become "<redacted>", and so
 * does its kubectl.kubernetes.io/last-applied-configuration annotation,
 * which holds the same values in clear text. Lists are redacted item by
 * item.
 *
 * api_yaml_from_json: block-style YAML of a JSON value. Strings that YAML
 * would read as something else (true, 1.5, null, "a: b", leading spaces…)
 * are double-quoted with JSON escapes, which YAML reads back unchanged.
 *
 * api_manifest_parse: one manifest (JSON, or a single YAML document) into
 * cJSON, for apply; scalars stay strings except JSON's own types.
 */
#ifndef KB_API_REDACT_H
#define KB_API_REDACT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

#define API_REDACTED "<redacted>"

void api_redact(cJSON *obj);
void api_yaml_from_json(const cJSON *v, buf_t *out);
/* Caller owns *out. ERR_INVALID naming the line for bad YAML, or when the
 * body holds no object or more than one document. */
int api_manifest_parse(const char *body, size_t len, cJSON **out, err_t *err);

#endif
