/* ratelimit.h — per-user request rate limits (token buckets).
 *
 * One bucket per key (the user name), refilled at qps up to burst. A
 * request takes one token; without one it is refused and told how long
 * until a token is back (for Retry-After). Idle full buckets are forgotten
 * when the table grows, so the table stays bounded by the number of users
 * active within about burst/qps seconds. Time is passed in (ms), so the
 * behaviour is testable without sleeping.
 */
#ifndef KB_API_RATELIMIT_H
#define KB_API_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/map.h"

typedef struct api_ratelimit {
    map_t buckets;
    double qps, burst;
    size_t sweep_at; /* sweep idle buckets when the table reaches this size */
} api_ratelimit_t;

void api_ratelimit_init(api_ratelimit_t *rl, double qps, double burst);
void api_ratelimit_free(api_ratelimit_t *rl);
/* true: allowed. false: *retry_after_s (≥ 1) until a token is back. */
bool api_ratelimit_take(api_ratelimit_t *rl, const char *key, int64_t now_ms, int *retry_after_s);

#endif
