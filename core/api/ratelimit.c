/* ratelimit.c — token buckets per user; see ratelimit.h. */
#include "api/ratelimit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

typedef struct bucket {
    double tokens;
    int64_t at_ms;
} bucket_t;

void api_ratelimit_init(api_ratelimit_t *rl, double qps, double burst)
{
    memset(rl, 0, sizeof *rl);
    rl->qps = qps;
    rl->burst = burst < 1 ? 1 : burst;
    rl->sweep_at = 1024;
}

void api_ratelimit_free(api_ratelimit_t *rl)
{
    map_slot_t *s;
    for (size_t it = 0; map_next(&rl->buckets, &it, &s);) free(s->val);
    map_free(&rl->buckets);
}

static void refill(const api_ratelimit_t *rl, bucket_t *b, int64_t now_ms)
{
    if (now_ms > b->at_ms) {
        b->tokens = fmin(rl->burst, b->tokens + (double)(now_ms - b->at_ms) * rl->qps / 1000.0);
        b->at_ms = now_ms;
    }
}

/* Drop the buckets that are full again: they carry no information. */
static void sweep(api_ratelimit_t *rl, int64_t now_ms)
{
    size_t n = 0, cap = rl->buckets.len;
    char **keys = xcalloc(cap ? cap : 1, sizeof *keys);
    size_t *lens = xcalloc(cap ? cap : 1, sizeof *lens);
    map_slot_t *s;
    for (size_t it = 0; map_next(&rl->buckets, &it, &s);) {
        bucket_t *b = s->val;
        refill(rl, b, now_ms);
        if (b->tokens >= rl->burst) {
            keys[n] = xmemdup(s->key, s->klen);
            lens[n++] = s->klen;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(map_del(&rl->buckets, keys[i], lens[i]));
        free(keys[i]);
    }
    free(keys);
    free(lens);
    /* if most buckets are busy, wait for the table to double before the
     * next sweep, so sweeping stays amortised O(1) per request */
    rl->sweep_at = rl->buckets.len * 2 > 1024 ? rl->buckets.len * 2 : 1024;
}

bool api_ratelimit_take(api_ratelimit_t *rl, const char *key, int64_t now_ms, int *retry_after_s)
{
    if (rl->qps <= 0) return true;
    bucket_t *b = map_gets(&rl->buckets, key);
    if (!b) {
        if (rl->buckets.len >= rl->sweep_at) sweep(rl, now_ms);
        b = xmalloc(sizeof *b);
        b->tokens = rl->burst;
        b->at_ms = now_ms;
        map_puts(&rl->buckets, key, b);
    }
    refill(rl, b, now_ms);
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return true;
    }
    double wait_s = (1 - b->tokens) / rl->qps;
    int s = (int)ceil(wait_s);
    *retry_after_s = s < 1 ? 1 : s;
    return false;
}
