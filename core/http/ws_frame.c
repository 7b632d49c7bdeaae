/* ws_frame.c — the RFC 6455 frame codec: pure functions over bytes.
 *
 * Decoding checks what can be checked from a header alone (reserved bits,
 * known opcodes, client masking, control-frame rules, the 64-bit length's top
 * bit); ws.c checks what needs the connection's state (fragment order,
 * message size, UTF-8 of whole messages). Nothing here allocates.
 */
#include <string.h>

#include "http/http_internal.h"

int ws_frame_decode(const uint8_t *p, size_t n, bool require_mask, ws_frame_t *f)
{
    if (n < 2) return 0;
    uint8_t b0 = p[0], b1 = p[1];
    /* No extension is negotiated, so every reserved bit must be clear. */
    if (b0 & 0x70) return -1002;
    f->fin = (b0 & 0x80) != 0;
    f->opcode = b0 & 0x0f;
    if (!(f->opcode <= 2 || (f->opcode >= 8 && f->opcode <= 10))) return -1002;
    f->masked = (b1 & 0x80) != 0;
    if (require_mask && !f->masked) return -1002;
    uint64_t len = b1 & 0x7f;
    size_t hl = 2;
    if (f->opcode >= 8 && (!f->fin || len > 125)) return -1002;
    if (len == 126) {
        if (n < 4) return 0;
        len = (uint64_t)p[2] << 8 | p[3];
        hl = 4;
    } else if (len == 127) {
        if (n < 10) return 0;
        len = 0;
        for (int i = 2; i < 10; i++) len = len << 8 | p[i];
        if (len >> 63) return -1002;
        hl = 10;
    }
    if (f->masked) {
        if (n < hl + 4) return 0;
        memcpy(f->mask, p + hl, 4);
        hl += 4;
    } else {
        memset(f->mask, 0, 4);
    }
    f->len = len;
    f->hdr_len = hl;
    return (int)hl;
}

void ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], size_t off)
{
    size_t i = 0;
    /* Word at a time once aligned to the mask's period. */
    while (i < n && ((off + i) & 3)) {
        p[i] ^= mask[(off + i) & 3];
        i++;
    }
    if (n - i >= 8) {
        uint8_t m8[8] = {mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3]};
        uint64_t m;
        memcpy(&m, m8, 8);
        for (; n - i >= 8; i += 8) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            v ^= m;
            memcpy(p + i, &v, 8);
        }
    }
    for (; i < n; i++) p[i] ^= mask[(off + i) & 3];
}

size_t ws_frame_header(uint8_t out[10], int opcode, bool fin, uint64_t len)
{
    out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
    if (len < 126) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++) out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}

bool ws_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII runs are the common case: skip them eight bytes at a time. */
        if (n - i >= 8) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            if (!(v & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xbf; /* bounds for the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* past U+10FFFF */
        } else {
            return false;
        }
        if (n - i <= need) return false;
        if (p[i + 1] < lo || p[i + 1] > hi) return false;
        for (size_t k = 2; k <= need; k++)
            if ((p[i + k] & 0xc0) != 0x80) return false;
        i += need + 1;
    }
    return true;
}

bool ws_close_code_valid(int code)
{
    if (code >= 1000 && code <= 1003) return true;
    if (code >= 1007 && code <= 1014) return true;
    return code >= 3000 && code <= 4999;
}
