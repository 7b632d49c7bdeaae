/* wsmsg.h — WebSocket client messages, parsed and validated.
 *
 *   {"op":"subscribe","id":"s1","cluster":"c1","namespace":"shop"|null,
 *    "focus":"Pod/shop/web-1"|null,"depth":2,"since":"123"|"123.4"|null}
 *   {"op":"unsubscribe","id":"s1"}
 *
 * Every problem is reported with a message naming the field, for the
 * {"type":"error"} answer; nothing here trusts the input (this is a fuzz
 * target). Unknown fields are ignored so that newer clients keep working.
 */
#ifndef KB_API_WSMSG_H
#define KB_API_WSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum { API_WS_SUBSCRIBE = 1, API_WS_UNSUBSCRIBE = 2 };

typedef struct api_wsmsg {
    int op;
    char id[65];
    char cluster[254];
    char ns[64];        /* "" = every namespace */
    char focus[512];    /* "" = none */
    int depth;          /* 1..8, default 1 */
    bool has_since;
    uint64_t since;
    uint32_t since_sub; /* "123.4": the 4th delta at resourceVersion 123 */
} api_wsmsg_t;

/* 0, or ERR_INVALID with err naming what was wrong; out->id is filled as
 * soon as it is known, so the error can name the subscription. */
int api_wsmsg_parse(const char *data, size_t len, api_wsmsg_t *out, err_t *err);

#endif
