/* err.c — error values; see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(err_t *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

const char *err_name(int code)
{
    switch (code) {
    case ERR_OK: return "ok";
    case ERR_INVALID: return "invalid";
    case ERR_NOTFOUND: return "not_found";
    case ERR_EXISTS: return "exists";
    case ERR_IO: return "io";
    case ERR_LIMIT: return "limit";
    case ERR_CONFLICT: return "conflict";
    case ERR_FORBIDDEN: return "forbidden";
    case ERR_UNAVAILABLE: return "unavailable";
    case ERR_TIMEOUT: return "timeout";
    default: return "internal";
    }
}
