/* store_int.h — what the files of core/store share; not for other modules.
 *
 * store.c     objects, indexes, events, resync, field extraction
 * status.c    status summary and list columns per kind
 * selector.c  label selector parsing and matching
 */
#ifndef KB_STORE_INT_H
#define KB_STORE_INT_H

#include <cjson/cJSON.h>

#include "store/index.h"
#include "store/store.h"

#define STORE_MAX_COLS 7

typedef struct store_projected {
    int status;
    char reason[80];
    int ncols;
    char cols[STORE_MAX_COLS][96];
} store_projected_t;

/* status.c: summary and columns of obj, whose canonical kind is kind. */
void store_status_project(const char *kind, const cJSON *obj, store_projected_t *out);

/* Small JSON helpers shared by the files. */
const cJSON *sj_get(const cJSON *o, const char *key);
const char *sj_str(const cJSON *o, const char *key); /* NULL when absent or not a string */
const char *sj_strd(const cJSON *o, const char *key, const char *dflt);
long long sj_int(const cJSON *o, const char *key, long long dflt);

#endif
