/* rvmap.h — the reflector's memory of what it has delivered: one entry per
 * object key ("namespace/name") holding the object's resourceVersion.
 *
 * It is what makes a relist deliver deletions: each list pass bumps a
 * generation, every listed key is stamped with it, and whatever keeps an
 * older stamp at the end of the pass was deleted while the watch was not
 * looking. An entry is 16 bytes plus the key: resourceVersions are stored as
 * integers when they are decimal (they are on every real apiserver) and as a
 * 64-bit hash otherwise, since an opaque version is only ever compared for
 * equality.
 */
#ifndef KB_KUBE_RVMAP_H
#define KB_KUBE_RVMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/map.h"

typedef struct kube_rvmap {
    map_t keys; /* key → kube_rv_entry_t* */
    uint32_t gen;
} kube_rvmap_t;

/* Encode a resourceVersion string into its comparable 64-bit form. Decimal
 * values map to themselves; anything else to a hash with the top bit set. */
uint64_t kube_rv_encode(const char *rv);
/* Order two encoded versions: negative/0/positive like strcmp; opaque
 * (hashed) values compare equal-or-unordered (0 unless identical). */
int kube_rv_cmp(uint64_t a, uint64_t b);

enum { KUBE_RV_ADDED, KUBE_RV_CHANGED, KUBE_RV_SAME };

/* Begin a list pass: entries not touched before kube_rvmap_sweep are gone. */
void kube_rvmap_begin_pass(kube_rvmap_t *m);
/* Record key at rv, stamping it with the current pass. Returns whether it is
 * new, changed or the same as what was recorded. */
int kube_rvmap_put(kube_rvmap_t *m, const char *key, size_t klen, uint64_t rv);
/* Forget key; false when it was not there. */
bool kube_rvmap_del(kube_rvmap_t *m, const char *key, size_t klen);
bool kube_rvmap_has(const kube_rvmap_t *m, const char *key, size_t klen);
/* End a pass: call on_gone for every key the pass did not touch, then
 * remove them. Returns how many went. key is valid during the call. */
size_t kube_rvmap_sweep(kube_rvmap_t *m, void (*on_gone)(const char *key, size_t klen, void *ud), void *ud);
static inline size_t kube_rvmap_len(const kube_rvmap_t *m) { return m->keys.len; }
void kube_rvmap_free(kube_rvmap_t *m);

#endif
