/* fuzz_jsonarena.c — base/jsonarena against cJSON on the same bytes.
 *
 * Invariants checked on every input:
 *   - whatever jsonarena_parse accepts, cJSON_ParseWithLength accepts too,
 *     and the two trees are the same node for node (type, valueint, the
 *     bits of valuedouble, valuestring and key bytes, member order, and
 *     child->prev pointing at the last child as cJSON links it);
 *   - the same for jsonarena_parse_prefix, which must also stop where
 *     cJSON stops;
 *   - when cJSON accepts something jsonarena rejects (one of the
 *     leniencies jsonarena.h lists), the tree printed back as JSON is
 *     accepted by both and parses to the same tree.
 * A mismatch aborts (libFuzzer keeps the input).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonarena.h"

static int same(const cJSON *a, const cJSON *b)
{
    if (!a || !b) return a == b;
    if (a->type != b->type || a->valueint != b->valueint) return 0;
    if (memcmp(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble)) return 0;
    if (!a->valuestring != !b->valuestring) return 0;
    if (a->valuestring && strcmp(a->valuestring, b->valuestring)) return 0;
    if (!a->string != !b->string) return 0;
    if (a->string && strcmp(a->string, b->string)) return 0;
    const cJSON *x = a->child, *y = b->child;
    if (x && x->prev == NULL) return 0;
    const cJSON *lx = NULL, *ly = NULL;
    while (x && y) {
        if (!same(x, y)) return 0;
        if (x->next && x->next->prev != x) return 0;
        lx = x;
        ly = y;
        x = x->next;
        y = y->next;
    }
    if (x || y) return 0;
    if (a->child && (a->child->prev != lx || b->child->prev != ly)) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    arena_t a = {0};
    const char *ref_end = NULL, *end = NULL;
    cJSON *ref = cJSON_ParseWithLengthOpts(s, size, &ref_end, 0);
    cJSON *mine = jsonarena_parse(&a, s, size);
    if (mine && (!ref || !same(mine, ref))) abort();
    cJSON *pre = jsonarena_parse_prefix(&a, s, size, &end);
    if (pre && (!ref || !same(pre, ref) || end != ref_end)) abort();
    if (ref && !mine) {
        char *txt = cJSON_PrintUnformatted(ref);
        if (txt) {
            cJSON *ref2 = cJSON_Parse(txt);
            cJSON *mine2 = jsonarena_parse(&a, txt, strlen(txt));
            if (!ref2 || !mine2 || !same(mine2, ref2)) abort();
            cJSON_Delete(ref2);
            free(txt);
        }
    }
    cJSON_Delete(ref);
    arena_free(&a);
    return 0;
}
