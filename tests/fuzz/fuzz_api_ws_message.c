/* fuzz_api_ws_message.c — WebSocket client messages of the API (wsmsg.c):
 * any bytes must parse or be refused with a message, never crash, and a
 * parsed message must hold only bounded, terminated, valid fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/kinds.h"
#include "api/wsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    api_wsmsg_t m;
    err_t e = {0};
    int rc = api_wsmsg_parse((const char *)data, size, &m, &e);
    if (rc != 0) {
        if (!e.msg[0]) abort(); /* every refusal says why */
        return 0;
    }
    if (m.op != API_WS_SUBSCRIBE && m.op != API_WS_UNSUBSCRIBE) abort();
    if (strlen(m.id) == 0 || strlen(m.id) >= sizeof m.id) abort();
    if (m.op == API_WS_SUBSCRIBE) {
        if (!m.cluster[0] || strlen(m.cluster) >= sizeof m.cluster) abort();
        if (m.depth < 1 || m.depth > 8) abort();
        api_id_parts_t p;
        if (m.focus[0] && api_id_split(m.focus, &p) != 0) abort();
    }
    return 0;
}
