/* jsonarena.c — cJSON trees built in an arena; see jsonarena.h.
 *
 * The grammar follows cJSON 1.7's parser step by step (the same blank
 * bytes, literal checks, string escapes, number scanning and nesting
 * limit) so that the trees are interchangeable; what is faster here is
 * where the bytes go: nodes and strings are bump-allocated, strings without
 * escapes are found eight bytes at a time and copied with one memcpy, and
 * integers of up to 15 digits are converted without strtod (exact: they
 * are below 2^53).
 */
#include "base/jsonarena.h"

#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

typedef const unsigned char *ptr_t;

typedef struct jp {
    arena_t *a;
    ptr_t p, end;
    int depth;
    /* Nodes and string bytes are taken from the arena in batches (one
     * arena_alloc, one memset for many) and handed out from here. */
    cJSON *nodes, *nodes_end;
    char *chars, *chars_end;
    size_t node_batch, char_batch;
} jp_t;

static inline ptr_t skip_blank(ptr_t p, ptr_t end)
{
    while (p < end && *p <= 32) p++;
    return p;
}

static cJSON *refill_nodes(jp_t *j)
{
    j->nodes = arena_alloc(j->a, j->node_batch * sizeof(cJSON));
    j->nodes_end = j->nodes + j->node_batch;
    return j->nodes++;
}

static inline cJSON *new_node(jp_t *j)
{
    return j->nodes < j->nodes_end ? j->nodes++ : refill_nodes(j);
}

/* n + 1 bytes for a string (the caller writes the NUL or relies on the
 * batch's zeroes). */
static char *new_chars(jp_t *j, size_t n)
{
    if ((size_t)(j->chars_end - j->chars) > n) {
        char *o = j->chars;
        j->chars += n + 1;
        return o;
    }
    if (n + 1 > j->char_batch / 4) return arena_alloc(j->a, n + 1);
    j->chars = arena_alloc(j->a, j->char_batch);
    j->chars_end = j->chars + j->char_batch;
    char *o = j->chars;
    j->chars += n + 1;
    return o;
}

static bool parse_value(jp_t *j, cJSON *item);

/* ---- strings ---- */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t zero_bytes(uint64_t x)
{
    /* Exact for the lowest zero byte, which is all we look at. */
    return (x - ONES) & ~x & HIGHS;
}

/* cJSON's parse_hex4: 0 when any of the four is not a hex digit. */
static unsigned hex4(ptr_t in)
{
    unsigned h = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = in[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else return 0;
        h = h << 4 | d;
    }
    return h;
}

/* A \u escape (or a surrogate pair of them) at in, before the closing
 * quote at end, written to *out as UTF-8: the bytes consumed, 0 when bad. */
static int utf16_escape(ptr_t in, ptr_t end, unsigned char **out)
{
    if (end - in < 6) return 0;
    unsigned first = hex4(in + 2), cp;
    int used = 6;
    if (first >= 0xDC00 && first <= 0xDFFF) return 0;
    if (first >= 0xD800 && first <= 0xDBFF) {
        ptr_t second = in + 6;
        if (end - second < 6 || second[0] != '\\' || second[1] != 'u') return 0;
        unsigned low = hex4(second + 2);
        if (low < 0xDC00 || low > 0xDFFF) return 0;
        cp = 0x10000 + (((first & 0x3FF) << 10) | (low & 0x3FF));
        used = 12;
    } else {
        cp = first;
    }
    unsigned char *o = *out;
    if (cp < 0x80) {
        *o++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *o++ = (unsigned char)(0xC0 | cp >> 6);
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (unsigned char)(0xE0 | cp >> 12);
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (unsigned char)(0xF0 | cp >> 18);
        *o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *out = o;
    return used;
}

/* j->p at '"': the string's bytes, NUL-terminated, in the arena; j->p
 * moves past the closing quote. */
static char *parse_string(jp_t *j)
{
    ptr_t s = j->p + 1, q = s, end = j->end;
    const uint64_t quotes = ONES * '"', slashes = ONES * '\\';
    while (end - q >= 8) {
        uint64_t x;
        memcpy(&x, q, 8);
        uint64_t m = zero_bytes(x ^ quotes) | zero_bytes(x ^ slashes);
        if (m) {
            q += __builtin_ctzll(m) >> 3;
            goto found;
        }
        q += 8;
    }
    while (q < end && *q != '"' && *q != '\\') q++;
found:
    if (q >= end) return NULL;
    if (*q == '"') {
        size_t n = (size_t)(q - s);
        char *o = new_chars(j, n);
        memcpy(o, s, n);
        o[n] = '\0';
        j->p = q + 1;
        return o;
    }
    /* Escapes: find the closing quote as cJSON does (a backslash takes the
     * next byte with it), then decode. */
    ptr_t e = q;
    while (e < end && *e != '"') {
        if (*e == '\\') {
            if (e + 1 >= end) return NULL;
            e++;
        }
        e++;
    }
    if (e >= end) return NULL;
    unsigned char *o = (unsigned char *)new_chars(j, (size_t)(e - s)), *w = o;
    memcpy(w, s, (size_t)(q - s));
    w += q - s;
    for (ptr_t in = q; in < e;) {
        if (*in != '\\') {
            *w++ = *in++;
            continue;
        }
        int used = 2;
        switch (in[1]) {
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case '"':
        case '\\':
        case '/': *w++ = in[1]; break;
        case 'u':
            used = utf16_escape(in, e, &w);
            if (!used) return NULL;
            break;
        default: return NULL;
        }
        in += used;
    }
    *w = '\0';
    j->p = e + 1;
    return (char *)o;
}

/* ---- numbers ---- */

static const unsigned char num_byte[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['+'] = 1, ['-'] = 1, ['e'] = 1, ['E'] = 1, ['.'] = 1,
};

static void set_number(cJSON *item, double v)
{
    item->type = cJSON_Number;
    item->valuedouble = v;
    if (v >= INT_MAX) item->valueint = INT_MAX;
    else if (v <= (double)INT_MIN) item->valueint = INT_MIN;
    else item->valueint = (int)v;
}

static bool parse_number(jp_t *j, cJSON *item)
{
    ptr_t p = j->p;
    size_t max = (size_t)(j->end - p), n = 0;
    while (n < max && num_byte[p[n]]) n++;
    /* Fast path: -?[0-9]{1,15}, the whole run. */
    size_t i = p[0] == '-';
    if (n > i && n - i <= 15) {
        uint64_t v = 0;
        size_t k = i;
        while (k < n && p[k] >= '0' && p[k] <= '9') v = v * 10 + (uint64_t)(p[k++] - '0');
        if (k == n) {
            double d = (double)v;
            set_number(item, i ? -d : d);
            j->p = p + n;
            return true;
        }
    }
    /* Anything else exactly as cJSON: strtod over the whole run, the
     * decimal point made the locale's. */
    char small[64], *buf = n < sizeof small ? small : xmalloc(n + 1), dot = localeconv()->decimal_point[0];
    for (size_t k = 0; k < n; k++) buf[k] = p[k] == '.' ? dot : (char)p[k];
    buf[n] = '\0';
    char *after;
    double d = strtod(buf, &after);
    size_t used = (size_t)(after - buf);
    if (buf != small) free(buf);
    if (!used) return false;
    set_number(item, d);
    j->p = p + used;
    return true;
}

/* ---- containers ---- */

/* An array or object (close is ']' or '}'): its members are linked as cJSON
 * links them (prev of the first is the last); an object's member first
 * reads its key. */
static bool parse_container(jp_t *j, cJSON *item, char close)
{
    if (j->depth >= CJSON_NESTING_LIMIT) return false;
    j->depth++;
    ptr_t p = skip_blank(j->p + 1, j->end);
    if (p >= j->end) return false;
    cJSON *head = NULL, *cur = NULL;
    if (*p != close) {
        for (;;) {
            cJSON *n = new_node(j);
            if (!head) {
                head = n;
            } else {
                cur->next = n;
                n->prev = cur;
            }
            cur = n;
            if (close == '}') {
                if (p >= j->end || *p != '"') return false;
                j->p = p;
                n->string = parse_string(j);
                if (!n->string) return false;
                p = skip_blank(j->p, j->end);
                if (p >= j->end || *p != ':') return false;
                p = skip_blank(p + 1, j->end);
            }
            j->p = p;
            if (!parse_value(j, n)) return false;
            p = skip_blank(j->p, j->end);
            if (p < j->end && *p == ',') {
                p = skip_blank(p + 1, j->end);
                continue;
            }
            break;
        }
        if (p >= j->end || *p != close) return false;
    }
    j->depth--;
    if (head) head->prev = cur;
    item->type = close == '}' ? cJSON_Object : cJSON_Array;
    item->child = head;
    j->p = p + 1;
    return true;
}

/* j->p at the value's first byte (blanks skipped). */
static bool parse_value(jp_t *j, cJSON *item)
{
    ptr_t p = j->p;
    size_t left = (size_t)(j->end - p);
    if (!left) return false;
    switch (*p) {
    case '"':
        item->valuestring = parse_string(j);
        if (!item->valuestring) return false;
        item->type = cJSON_String;
        return true;
    case '{': return parse_container(j, item, '}');
    case '[': return parse_container(j, item, ']');
    case 'n':
        if (left >= 4 && !memcmp(p, "null", 4)) {
            item->type = cJSON_NULL;
            j->p = p + 4;
            return true;
        }
        return false;
    case 'f':
        if (left >= 5 && !memcmp(p, "false", 5)) {
            item->type = cJSON_False;
            j->p = p + 5;
            return true;
        }
        return false;
    case 't':
        if (left >= 4 && !memcmp(p, "true", 4)) {
            item->type = cJSON_True;
            item->valueint = 1;
            j->p = p + 4;
            return true;
        }
        return false;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) return parse_number(j, item);
        return false;
    }
}

cJSON *jsonarena_parse_prefix(arena_t *a, const char *s, size_t len, const char **end)
{
    if (!s || !len) return NULL;
    jp_t j = {.a = a, .p = (ptr_t)s, .end = (ptr_t)s + len};
    /* Batches in proportion to the text (a node per ~20 bytes of JSON, a
     * string byte per byte), so a small document wastes little. */
    j.node_batch = len / 256 < 4 ? 4 : len / 256 > 64 ? 64 : len / 256;
    j.char_batch = len / 16 < 256 ? 256 : len / 16 > 4096 ? 4096 : len / 16;
    /* cJSON skips a byte-order mark only in buffers longer than 4 bytes. */
    if (len > 4 && !memcmp(s, "\xEF\xBB\xBF", 3)) j.p += 3;
    j.p = skip_blank(j.p, j.end);
    cJSON *item = new_node(&j);
    if (!parse_value(&j, item)) return NULL;
    if (end) *end = (const char *)j.p;
    return item;
}

cJSON *jsonarena_parse(arena_t *a, const char *s, size_t len)
{
    const char *e;
    cJSON *item = jsonarena_parse_prefix(a, s, len, &e);
    if (!item) return NULL;
    return skip_blank((ptr_t)e, (ptr_t)s + len) == (ptr_t)s + len ? item : NULL;
}

cJSON *jsonarena_add_string(arena_t *a, cJSON *obj, const char *key, const char *value)
{
    cJSON *n = arena_alloc(a, sizeof *n);
    n->type = cJSON_String;
    n->string = arena_strdup(a, key);
    n->valuestring = arena_strdup(a, value);
    if (!obj->child) {
        obj->child = n;
        n->prev = n;
    } else {
        cJSON *last = obj->child->prev;
        last->next = n;
        n->prev = last;
        obj->child->prev = n;
    }
    return n;
}
