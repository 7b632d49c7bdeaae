/* metrics.h — pieces of the metrics endpoint that stand alone: Kubernetes
 * quantities and the per-object sample ring behind the sparklines.
 *
 * A ring keeps one sample per interval for the last hour (API_METRICS_SLOTS
 * slots): CPU in millicores and memory in bytes. Samples closer together
 * than the interval update the newest slot (which keeps its first time)
 * instead of adding one, so the ring spans an hour whatever the request
 * rate.
 */
#ifndef KB_API_METRICS_H
#define KB_API_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define API_METRICS_SLOTS 60

/* "250m" → 0.25, "1Gi" → 1073741824, "12345n", "1.5", "1e3". false when
 * malformed. */
bool api_quantity(const char *s, double *out);

typedef struct api_msample {
    uint32_t t_s;   /* wall clock, seconds */
    float cpu_m;    /* millicores */
    float mem_b;    /* bytes */
} api_msample_t;

typedef struct api_mring {
    api_msample_t s[API_METRICS_SLOTS];
    uint8_t head, n; /* head: next slot to write */
} api_mring_t;

void api_mring_add(api_mring_t *r, int64_t now_s, int interval_s, double cpu_m, double mem_b);
/* [[t_ms, cpu_m, mem_b], …] oldest first, samples younger than an hour. */
void api_mring_json(const api_mring_t *r, int64_t now_s, buf_t *out);

#endif
