/* resil.c — token bucket, backoff and circuit breaker; see resil.h. */
#include "kube/resil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void kube_bucket_init(kube_bucket_t *b, double qps, int burst, uint64_t now_ms)
{
    b->qps = qps;
    b->burst = burst > 0 ? burst : 1;
    b->tokens = b->burst;
    b->last_ms = now_ms;
}

static void bucket_refill(kube_bucket_t *b, uint64_t now_ms)
{
    if (now_ms <= b->last_ms) return;
    b->tokens += (double)(now_ms - b->last_ms) * b->qps / 1000.0;
    if (b->tokens > b->burst) b->tokens = b->burst;
    b->last_ms = now_ms;
}

uint64_t kube_bucket_reserve(kube_bucket_t *b, uint64_t now_ms)
{
    if (b->qps <= 0) return 0;
    bucket_refill(b, now_ms);
    b->tokens -= 1.0;
    if (b->tokens >= 0) return 0;
    /* Round up: waking a millisecond late is harmless, early would exceed
     * the rate. */
    double ms = -b->tokens * 1000.0 / b->qps;
    uint64_t w = (uint64_t)ms;
    return (double)w < ms ? w + 1 : w;
}

double kube_bucket_available(kube_bucket_t *b, uint64_t now_ms)
{
    bucket_refill(b, now_ms);
    return b->tokens;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

double kube_backoff_rand(kube_backoff_t *b) { return (double)(xorshift(&b->rng) >> 11) / 9007199254740992.0; }

void kube_backoff_init(kube_backoff_t *b, uint32_t base_ms, uint32_t max_ms, double jitter, uint64_t seed)
{
    b->base_ms = base_ms ? base_ms : 1;
    b->max_ms = max_ms < b->base_ms ? b->base_ms : max_ms;
    b->jitter = jitter < 0 ? 0 : jitter > 1 ? 1 : jitter;
    b->attempt = 0;
    b->rng = seed ? seed : 0x2545f4914f6cdd1dull;
}

uint64_t kube_backoff_ceiling(const kube_backoff_t *b, uint32_t n)
{
    uint64_t d = b->base_ms;
    for (uint32_t i = 0; i < n && d < b->max_ms; i++) d *= 2;
    return d > b->max_ms ? b->max_ms : d;
}

uint64_t kube_backoff_next(kube_backoff_t *b)
{
    uint64_t d = kube_backoff_ceiling(b, b->attempt);
    if (b->attempt < 64) b->attempt++;
    double f = 1.0 - b->jitter * kube_backoff_rand(b);
    uint64_t j = (uint64_t)((double)d * f);
    return j ? j : 1;
}

void kube_breaker_init(kube_breaker_t *b, int threshold, uint32_t max_open_ms, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    b->state = KUBE_BREAKER_CLOSED;
    b->threshold = threshold > 0 ? threshold : 1;
    kube_backoff_init(&b->open_backoff, 1000, max_open_ms ? max_open_ms : 30000, 0.2, seed);
}

int kube_breaker_state(kube_breaker_t *b, uint64_t now_ms)
{
    if (b->state == KUBE_BREAKER_OPEN && now_ms >= b->open_until) {
        b->state = KUBE_BREAKER_HALF_OPEN;
        b->probing = false;
    }
    return b->state;
}

bool kube_breaker_allow(kube_breaker_t *b, uint64_t now_ms)
{
    return kube_breaker_state(b, now_ms) == KUBE_BREAKER_CLOSED;
}

bool kube_breaker_allow_probe(kube_breaker_t *b, uint64_t now_ms)
{
    if (kube_breaker_state(b, now_ms) != KUBE_BREAKER_HALF_OPEN || b->probing) return false;
    b->probing = true;
    return true;
}

bool kube_breaker_success(kube_breaker_t *b, uint64_t now_ms)
{
    int was = kube_breaker_state(b, now_ms);
    b->failures = 0;
    if (was == KUBE_BREAKER_CLOSED) return false;
    /* Any success proves the server answers — a probe's, or a request that
     * was already in flight when the breaker opened. */
    b->state = KUBE_BREAKER_CLOSED;
    b->probing = false;
    kube_backoff_reset(&b->open_backoff);
    return true;
}

bool kube_breaker_failure(kube_breaker_t *b, uint64_t now_ms)
{
    int was = kube_breaker_state(b, now_ms);
    if (was == KUBE_BREAKER_CLOSED) {
        if (++b->failures < b->threshold) return false;
    } else if (was == KUBE_BREAKER_OPEN) {
        return false; /* stragglers that were in flight change nothing */
    }
    b->state = KUBE_BREAKER_OPEN;
    b->probing = false;
    b->open_until = now_ms + kube_backoff_next(&b->open_backoff);
    return was != KUBE_BREAKER_OPEN;
}

uint64_t kube_breaker_wait_ms(const kube_breaker_t *b, uint64_t now_ms)
{
    if (b->state != KUBE_BREAKER_OPEN || now_ms >= b->open_until) return 0;
    return b->open_until - now_ms;
}

const char *kube_breaker_state_name(int state)
{
    switch (state) {
    case KUBE_BREAKER_CLOSED: return "closed";
    case KUBE_BREAKER_OPEN: return "open";
    case KUBE_BREAKER_HALF_OPEN: return "half-open";
    }
    return "unknown";
}

static int month_of(const char *m)
{
    static const char *names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++)
        if (!strncmp(m, names[i], 3)) return i;
    return -1;
}

int64_t kube_retry_after_ms(const char *value, int64_t now_wall_s, int64_t cap_ms)
{
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    if (!*value) return -1;
    if (isdigit((unsigned char)*value)) {
        char *end;
        long long s = strtoll(value, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
        if (*end || s < 0) return -1;
        if (s > cap_ms / 1000) return cap_ms;
        return (int64_t)s * 1000;
    }
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
    int d, y, hh, mm, ss;
    char mon[4] = {0};
    const char *comma = strchr(value, ',');
    if (!comma || sscanf(comma + 1, " %d %3s %d %d:%d:%d", &d, mon, &y, &hh, &mm, &ss) != 6) return -1;
    int mi = month_of(mon);
    if (mi < 0) return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mi, .tm_mday = d, .tm_hour = hh, .tm_min = mm, .tm_sec = ss};
    int64_t at = (int64_t)timegm(&tm);
    int64_t ms = (at - now_wall_s) * 1000;
    if (ms < 0) ms = 0;
    return ms > cap_ms ? cap_ms : ms;
}
