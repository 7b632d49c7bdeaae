/* clock.h — monotonic and wall time. */
#ifndef KB_BASE_CLOCK_H
#define KB_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

uint64_t clock_mono_ns(void); /* monotonic, for durations */
static inline uint64_t clock_mono_ms(void) { return clock_mono_ns() / 1000000u; }
int64_t clock_wall_ms(void);   /* Unix epoch milliseconds */
/* RFC 3339 UTC with milliseconds: 2026-11-27T11:45:17.123Z (24 bytes + NUL). */
void clock_rfc3339_ms(int64_t epoch_ms, char out[32]);
/* RFC 3339 UTC to the second, as Kubernetes writes it: 2026-11-27T11:45:17Z. */
void clock_rfc3339(int64_t epoch_s, char out[32]);
/* Parse "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or an offset); -1 when malformed. */
int64_t clock_parse_rfc3339(const char *s);

#endif
