/* faults.h — injected failures for --faults SPEC, so clients' retry,
 * backoff and reconnect paths can be tested against kubesim.
 *
 * SPEC is a ';'-separated list of rules, first match wins per kind of
 * action (a latency rule and a status rule can both apply):
 *
 *   [VERBS:]PATH=ACTION[@RATE]      VERBS: k8s verbs joined by ',' or '*'
 *                                   (get list watch create update patch
 *                                   delete deletecollection); PATH: a glob
 *                                   where '*' matches anything, '/' included
 *   inflight=N                      at most N requests at once (watches and
 *                                   log follows not counted); others get
 *                                   429 with Retry-After: 1
 *
 * ACTION:  429[:SECONDS]  TooManyRequests with Retry-After (default 1)
 *          500 | 503[:SECONDS]      InternalError / ServiceUnavailable
 *          latency:DURATION         delay the answer (e.g. 200ms, 1s)
 *          drop                     watch streams end after the @ interval
 *                                   (drop@5s) without a final event
 *          gone                     410: a watch from a resourceVersion gets
 *                                   an ERROR event with Expired, a list with
 *                                   continue gets 410 Expired
 * RATE:    a probability 0..1 (default 1) — or, for drop, a duration.
 *
 * Example: list:/api/v1/pods=429@0.3;watch:*=drop@5s;*=latency:50ms@0.5;inflight=10
 *
 * Owned by the API-server half; a sim_faults_t is made once in main.c.
 */
#ifndef KB_SIM_FAULTS_H
#define KB_SIM_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

typedef struct sim_faults sim_faults_t;

enum { SIM_FAULT_NONE = 0, SIM_FAULT_STATUS, SIM_FAULT_GONE };

typedef struct sim_fault {
    int action;            /* SIM_FAULT_NONE / STATUS / GONE */
    int status;            /* 429, 500, 503 */
    int retry_after;       /* seconds; 0 = no header */
    uint64_t latency_ms;   /* added delay before answering, 0 = none */
    uint64_t drop_after_ms; /* watches: end the stream after this, 0 = never */
} sim_fault_t;

/* NULL spec or "" → a fault set that never fires. ERR_INVALID naming the
 * rule on a bad spec. */
sim_faults_t *sim_faults_parse(const char *spec, uint64_t seed, err_t *err);
void sim_faults_free(sim_faults_t *f);
/* What to do with this request (decided once, at its start). */
void sim_faults_decide(sim_faults_t *f, const char *verb, const char *path, sim_fault_t *out);
int sim_faults_max_inflight(const sim_faults_t *f); /* 0 = unlimited */

#endif
