/* jsonarena.h — a JSON parser that builds ordinary cJSON trees in an arena.
 *
 * jsonarena_parse() reads the same language as cJSON_ParseWithLength() and
 * builds the same tree (types, values, keys, member order, child->prev
 * pointing at the last child), so every reader of cJSON trees —
 * cJSON_GetObjectItemCaseSensitive, cJSON_ArrayForEach, cJSON_Print… —
 * works on it unchanged. The difference is where the nodes live: every node
 * and string is carved from the caller's arena (base/arena.h), so building
 * costs a pointer bump instead of a malloc per node, and the whole tree goes
 * away with arena_reset() / arena_free() in O(blocks), not O(nodes).
 *
 * Rules for a tree from here:
 *   - never pass it (or any part of it) to cJSON_Delete, cJSON_Detach*,
 *     cJSON_Replace*, cJSON_SetValuestring or cJSON_Add*: those malloc or
 *     free through cJSON's hooks. Add members with jsonarena_add_string().
 *   - it is valid until the arena is reset or freed.
 *
 * Language: what the system's cJSON (1.7.15 with Debian's fixes) accepts,
 * except trailing non-blank bytes after the value, with the same tree.
 * Like cJSON: bytes <= 0x20 count as blanks, a UTF-8 BOM is skipped,
 * strings are copied byte for byte (a NUL or an invalid \u escape ends the
 * C string where cJSON's would), a number is strtod's value of the longest
 * run of [0-9+-.eE], valueint saturates at INT_MIN/MAX, nesting deeper
 * than CJSON_NESTING_LIMIT containers fails.
 *
 * On failure NULL is returned; the nodes built so far stay in the arena
 * until it is reset.
 */
#ifndef KB_BASE_JSONARENA_H
#define KB_BASE_JSONARENA_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "base/arena.h"

/* The JSON value filling s[0..len) (blanks around it allowed). */
cJSON *jsonarena_parse(arena_t *a, const char *s, size_t len);

/* The JSON value at the start of s[0..len) (after blanks); *end is set to
 * the byte after it, whatever follows. */
cJSON *jsonarena_parse_prefix(arena_t *a, const char *s, size_t len, const char **end);

/* Append a string member key = value to obj (an object from this arena);
 * both strings are copied into the arena. Returns the new member. */
cJSON *jsonarena_add_string(arena_t *a, cJSON *obj, const char *key, const char *value);

#endif
