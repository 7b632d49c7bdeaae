/* resil.h — the pure arithmetic of client-side resilience: a token bucket,
 * exponential backoff with jitter, and a circuit breaker.
 *
 * None of these touch the loop or read a clock: every call takes `now_ms`
 * (a monotonic millisecond clock chosen by the caller), so the cluster code
 * drives them with the loop's time and the unit tests with a fake one. All
 * state lives in caller-owned structs; nothing allocates.
 */
#ifndef KB_KUBE_RESIL_H
#define KB_KUBE_RESIL_H

#include <stdbool.h>
#include <stdint.h>

/* Token bucket with reservations (the golang.org/x/time/rate model that
 * client-go uses): a caller reserves one token and is told how long to wait
 * for it; the bucket may go negative, so waiters are served in arrival order
 * and the long-run rate never exceeds qps. */
typedef struct kube_bucket {
    double qps;       /* tokens per second; <= 0 means unlimited */
    double burst;     /* capacity */
    double tokens;    /* may be negative: tokens already promised */
    uint64_t last_ms; /* time tokens was last brought up to date */
} kube_bucket_t;

void kube_bucket_init(kube_bucket_t *b, double qps, int burst, uint64_t now_ms);
/* Take one token; returns how many milliseconds the caller must wait before
 * using it (0 = now). */
uint64_t kube_bucket_reserve(kube_bucket_t *b, uint64_t now_ms);
/* Tokens available now (for tests and metrics). */
double kube_bucket_available(kube_bucket_t *b, uint64_t now_ms);

/* Exponential backoff: the n-th consecutive failure waits
 * min(max, base * 2^n) scaled by a random factor in [1 - jitter, 1].
 * ("Equal"-style jitter keeps at least half the delay, so a herd of clients
 * that failed together spreads out without ever retrying immediately.) */
typedef struct kube_backoff {
    uint32_t base_ms;
    uint32_t max_ms;
    double jitter;     /* 0..1; 0.5 → delay in [d/2, d] */
    uint32_t attempt;  /* consecutive failures so far */
    uint64_t rng;      /* xorshift state; seed it non-zero */
} kube_backoff_t;

void kube_backoff_init(kube_backoff_t *b, uint32_t base_ms, uint32_t max_ms, double jitter, uint64_t seed);
/* Delay before the next attempt; counts one more failure. */
uint64_t kube_backoff_next(kube_backoff_t *b);
/* The un-jittered delay for attempt n (for tests and docs). */
uint64_t kube_backoff_ceiling(const kube_backoff_t *b, uint32_t n);
static inline void kube_backoff_reset(kube_backoff_t *b) { b->attempt = 0; }
/* A uniformly random double in [0, 1) from the backoff's generator. */
double kube_backoff_rand(kube_backoff_t *b);

/* Circuit breaker. CLOSED: requests flow; `threshold` consecutive failures
 * open it. OPEN: requests fail fast; after the open interval (backing off
 * from 1 s up to max_open_ms between probes) it is HALF_OPEN. HALF_OPEN:
 * exactly one probe may go (kube_breaker_allow_probe); its success closes the
 * breaker, its failure opens it again with a longer interval. */
enum { KUBE_BREAKER_CLOSED, KUBE_BREAKER_OPEN, KUBE_BREAKER_HALF_OPEN };

typedef struct kube_breaker {
    int state;
    int threshold;
    int failures;        /* consecutive, while closed */
    uint64_t open_until; /* while OPEN: when it turns HALF_OPEN */
    bool probing;        /* HALF_OPEN: a probe is in flight */
    kube_backoff_t open_backoff;
} kube_breaker_t;

void kube_breaker_init(kube_breaker_t *b, int threshold, uint32_t max_open_ms, uint64_t seed);
/* Current state, moving OPEN → HALF_OPEN when the interval has passed. */
int kube_breaker_state(kube_breaker_t *b, uint64_t now_ms);
/* May an ordinary request go now? (only when CLOSED) */
bool kube_breaker_allow(kube_breaker_t *b, uint64_t now_ms);
/* In HALF_OPEN with no probe in flight: claim the probe and return true. */
bool kube_breaker_allow_probe(kube_breaker_t *b, uint64_t now_ms);
/* Report an outcome. Return true when the state changed. */
bool kube_breaker_success(kube_breaker_t *b, uint64_t now_ms);
bool kube_breaker_failure(kube_breaker_t *b, uint64_t now_ms);
/* Milliseconds until HALF_OPEN (0 when not OPEN). */
uint64_t kube_breaker_wait_ms(const kube_breaker_t *b, uint64_t now_ms);
const char *kube_breaker_state_name(int state);

/* Parse a Retry-After header value: delta-seconds, or an HTTP date relative
 * to now_wall_s. Returns milliseconds, capped at cap_ms; -1 when absent or
 * unparseable. */
int64_t kube_retry_after_ms(const char *value, int64_t now_wall_s, int64_t cap_ms);

#endif
