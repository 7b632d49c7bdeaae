/* err.h — error values.
 *
 * Functions that can fail return 0 or a negative ERR_* code, and when the
 * caller wants to know why, fill an err_t with a one-line message that names
 * what was wrong (a file and line, a field, a peer). An err_t is a plain value
 * on the caller's stack: nothing to free.
 */
#ifndef KB_BASE_ERR_H
#define KB_BASE_ERR_H

enum {
    ERR_OK = 0,
    ERR_INVALID = -1,   /* bad input: config, request, manifest */
    ERR_NOTFOUND = -2,
    ERR_EXISTS = -3,
    ERR_IO = -4,        /* file or socket */
    ERR_LIMIT = -5,     /* a size, count or budget was exceeded */
    ERR_CONFLICT = -6,  /* the operation does not fit the current state (not ERR_STATE: OpenSSL owns that name) */
    ERR_FORBIDDEN = -7,
    ERR_UNAVAILABLE = -8,
    ERR_TIMEOUT = -9,
    ERR_INTERNAL = -10,
};

typedef struct err {
    int code;
    char msg[512];
} err_t;

/* Record code and a printf-style message in e (if e is non-NULL); returns code
 * so a caller can write `return err_set(e, ERR_INVALID, "…")`. */
int err_set(err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *err_name(int code);

#endif
