/* buf.h — growable byte buffers.
 *
 * A buf_t owns its bytes; buf_free() releases them and buf_steal() hands them
 * to the caller (who then frees them with free()). The bytes are always kept
 * NUL-terminated past len, so data can be used as a C string when the content
 * has no NUL of its own. A zeroed buf_t ({0}) is a valid empty buffer.
 */
#ifndef KB_BASE_BUF_H
#define KB_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

void buf_free(buf_t *b);
/* Drop the content, keep the allocation. */
static inline void buf_reset(buf_t *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }
/* Make room for at least extra more bytes (plus the terminator). */
void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *p, size_t n);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
void buf_put_i64(buf_t *b, int64_t v);
void buf_put_u64(buf_t *b, uint64_t v);
/* Append s (n bytes) as a JSON string literal, quotes included. Invalid UTF-8
 * bytes are replaced by U+FFFD so the output is always valid JSON. */
void buf_json_str(buf_t *b, const char *s, size_t n);
static inline void buf_json_cstr(buf_t *b, const char *s) { buf_json_str(b, s, s ? __builtin_strlen(s) : 0); }
/* Remove the first n bytes. */
void buf_consume(buf_t *b, size_t n);
/* Hand the bytes to the caller; b becomes empty. Never NULL. */
char *buf_steal(buf_t *b);
/* A NUL-terminated view of the content (valid until the next change). */
const char *buf_cstr(buf_t *b);

#endif
