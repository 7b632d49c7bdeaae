/* log.h — structured log lines.
 *
 * Each call writes one JSON object on one line to stderr (or the sink set
 * with log_set_fd), in a single write so lines from several processes do not
 * interleave:
 *
 *   log_info("request", "requestId=%s route=%s status=%d ms=%.2f", id, r, 200, ms);
 *   → {"ts":"2026-11-27T11:45:17.123Z","level":"info","msg":"request",
 *      "requestId":"…","route":"…","status":200,"ms":1.25}
 *
 * The field string is a list of `key=%conv` separated by spaces; supported
 * conversions are %s (string, NULL → null), %d %u %ld %lu %lld %llu %zu
 * (numbers), %f %g and %.Nf (numbers) and %b (int as true/false).
 */
#ifndef KB_BASE_LOG_H
#define KB_BASE_LOG_H

enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

/* Process-wide settings, made once at start before any other thread runs. */
void log_set_level(int level);
int log_parse_level(const char *name); /* -1 when unknown */
void log_set_fd(int fd);
int log_enabled(int level);

void log_write(int level, const char *msg, const char *fields, ...);

#define log_debug(msg, ...) log_write(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) log_write(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_write(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_write(LOG_ERROR, msg, __VA_ARGS__)

#endif
