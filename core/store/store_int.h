/* store_int.h — what the files of core/store share; not for other modules.
 *
 * store.c     objects, indexes, events, resync, field extraction
 * status.c    status summary and list columns per kind
 * printcols.c custom resources' printer columns (from their CRDs)
 * selector.c  label selector parsing and matching
 */
#ifndef KB_STORE_INT_H
#define KB_STORE_INT_H

#include <cjson/cJSON.h>

#include "store/index.h"
#include "store/printcols.h"
#include "store/store.h"

#define STORE_MAX_COLS PRINTCOLS_MAX /* kubectl's tables have at most 7; CRDs may declare more */

typedef struct store_projected {
    int status;
    char reason[80];
    int ncols;
    char cols[STORE_MAX_COLS][96];
} store_projected_t;

/* status.c: summary and columns of obj, whose canonical kind is kind; pc
 * (the store's printer columns, may be NULL) gives custom kinds theirs. */
void store_status_project(printcols_t *pc, const char *kind, const cJSON *obj, store_projected_t *out);
/* store.c: the store's printer-column table, NULL until a CRD arrived. */
printcols_t *store__printcols(const store_t *s);

/* Small JSON helpers shared by the files. */
const cJSON *sj_get(const cJSON *o, const char *key);
const char *sj_str(const cJSON *o, const char *key); /* NULL when absent or not a string */
const char *sj_strd(const cJSON *o, const char *key, const char *dflt);
long long sj_int(const cJSON *o, const char *key, long long dflt);

#endif
