/* ctrl_util.c — small helpers shared by kubesim's controllers, generator,
 * churn, logs and metrics: deterministic hashing, Kubernetes quantities,
 * timestamps and cJSON field access. Nothing here allocates except the
 * cJSON builders, whose results belong to the caller. See ctrl_internal.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/map.h"
#include "ctrl_internal.h"

uint64_t sim_mix64(uint64_t x)
{
    /* splitmix64's finaliser: a cheap bijection with good avalanche, so
     * consecutive seeds give unrelated streams. */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t sim_hash_str(const char *s, uint64_t seed)
{
    return sim_mix64(hash_bytes(s, s ? strlen(s) : 0) ^ seed);
}

uint64_t sim_rng_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint32_t sim_rng_below(uint64_t *state, uint32_t n)
{
    return n ? (uint32_t)(sim_rng_next(state) % n) : 0;
}

double sim_unit(uint64_t h)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* Kubernetes quantities: a decimal number with an optional suffix, binary
 * (Ki Mi Gi Ti Pi Ei), decimal (n u m k M G T P E) or an exponent (e3). */
static int qty_parse(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s) return -1;
    double mul = 1;
    if (*end == 'e' || *end == 'E') {
        /* strtod already took an exponent when one followed; a bare 'E' is exa. */
        if (end[1] == '\0') mul = 1e18;
        else return -1;
    } else if (end[0] && end[1] == 'i' && end[2] == '\0') {
        switch (end[0]) {
        case 'K': mul = 1024.0; break;
        case 'M': mul = 1048576.0; break;
        case 'G': mul = 1073741824.0; break;
        case 'T': mul = 1099511627776.0; break;
        case 'P': mul = 1125899906842624.0; break;
        case 'E': mul = 1152921504606846976.0; break;
        default: return -1;
        }
    } else if (end[0] && end[1] == '\0') {
        switch (end[0]) {
        case 'n': mul = 1e-9; break;
        case 'u': mul = 1e-6; break;
        case 'm': mul = 1e-3; break;
        case 'k': mul = 1e3; break;
        case 'M': mul = 1e6; break;
        case 'G': mul = 1e9; break;
        case 'T': mul = 1e12; break;
        case 'P': mul = 1e15; break;
        default: return -1;
        }
    } else if (end[0]) {
        return -1;
    }
    *out = v * mul;
    return 0;
}

int64_t sim_qty_milli(const char *s)
{
    double v;
    if (qty_parse(s, &v) < 0) return -1;
    return (int64_t)llround(v * 1000.0);
}

int64_t sim_qty_value(const char *s)
{
    double v;
    if (qty_parse(s, &v) < 0) return -1;
    return (int64_t)ceil(v);
}

int64_t sim_qty_json_milli(const cJSON *q)
{
    if (cJSON_IsString(q)) return sim_qty_milli(q->valuestring);
    if (cJSON_IsNumber(q)) return (int64_t)llround(q->valuedouble * 1000.0);
    return -1;
}

int64_t sim_qty_json_value(const cJSON *q)
{
    if (cJSON_IsString(q)) return sim_qty_value(q->valuestring);
    if (cJSON_IsNumber(q)) return (int64_t)ceil(q->valuedouble);
    return -1;
}

void sim_pod_requests(const cJSON *pod, int64_t *cpu_milli, int64_t *mem_bytes)
{
    int64_t c = 0, m = 0;
    const cJSON *cs = sim_jpath(pod, "spec", "containers");
    const cJSON *ct;
    cJSON_ArrayForEach(ct, cs)
    {
        const cJSON *req = sim_jpath(ct, "resources", "requests");
        int64_t v = sim_qty_json_milli(cJSON_GetObjectItemCaseSensitive(req, "cpu"));
        if (v > 0) c += v;
        v = sim_qty_json_value(cJSON_GetObjectItemCaseSensitive(req, "memory"));
        if (v > 0) m += v;
    }
    if (cpu_milli) *cpu_milli = c;
    if (mem_bytes) *mem_bytes = m;
}

const cJSON *sim_jpath_keys(const cJSON *o, const char *const *keys)
{
    for (; o && *keys; keys++) o = cJSON_GetObjectItemCaseSensitive(o, *keys);
    return o;
}

const char *sim_jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t sim_jint(const cJSON *o, const char *key, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

bool sim_jbool(const cJSON *o, const char *key, bool dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsTrue(v)) return true;
    if (cJSON_IsFalse(v)) return false;
    return dflt;
}

cJSON *sim_jobj(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsObject(v)) return v;
    if (v) cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    v = cJSON_CreateObject();
    cJSON_AddItemToObject(o, key, v);
    return v;
}

void sim_jset_str(cJSON *o, const char *key, const char *val)
{
    cJSON *v = cJSON_CreateString(val ? val : "");
    if (cJSON_GetObjectItemCaseSensitive(o, key)) cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else cJSON_AddItemToObject(o, key, v);
}

void sim_jset_num(cJSON *o, const char *key, double val)
{
    cJSON *v = cJSON_CreateNumber(val);
    if (cJSON_GetObjectItemCaseSensitive(o, key)) cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else cJSON_AddItemToObject(o, key, v);
}

void sim_jset(cJSON *o, const char *key, cJSON *val)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key)) cJSON_ReplaceItemInObjectCaseSensitive(o, key, val);
    else cJSON_AddItemToObject(o, key, val);
}

void sim_now_rfc3339(int64_t now_ms, char out[32])
{
    clock_rfc3339(now_ms / 1000, out);
}

int64_t sim_jtime_ms(const cJSON *o, const char *key)
{
    const char *s = sim_jstr(o, key);
    if (!s) return -1;
    int64_t v = clock_parse_rfc3339(s);
    /* clock_parse_rfc3339 answers in whole seconds; Kubernetes timestamps
     * have no finer resolution anyway. */
    return v < 0 ? -1 : v * 1000;
}

bool sim_labels_match(const cJSON *selector_map, const cJSON *labels)
{
    if (!cJSON_IsObject(selector_map)) return false;
    const cJSON *kv;
    bool any = false;
    cJSON_ArrayForEach(kv, selector_map)
    {
        any = true;
        const char *want = cJSON_IsString(kv) ? kv->valuestring : NULL;
        const char *got = sim_jstr(labels, kv->string);
        if (!want || !got || strcmp(want, got) != 0) return false;
    }
    return any;
}

static bool str_in_array(const cJSON *arr, const char *s)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        if (cJSON_IsString(v) && s && strcmp(v->valuestring, s) == 0) return true;
    }
    return false;
}

bool sim_selector_match(const cJSON *sel, const cJSON *labels)
{
    if (!cJSON_IsObject(sel)) return false;
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
    const cJSON *me = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");
    if (!ml && !me) return true; /* an empty LabelSelector selects everything */
    if (ml && cJSON_GetArraySize(ml) > 0 && !sim_labels_match(ml, labels)) return false;
    const cJSON *e;
    cJSON_ArrayForEach(e, me)
    {
        const char *key = sim_jstr(e, "key"), *op = sim_jstr(e, "operator");
        if (!key || !op) return false;
        const char *v = sim_jstr(labels, key);
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(e, "values");
        if (strcmp(op, "In") == 0) {
            if (!v || !str_in_array(vals, v)) return false;
        } else if (strcmp(op, "NotIn") == 0) {
            if (v && str_in_array(vals, v)) return false;
        } else if (strcmp(op, "Exists") == 0) {
            if (!v) return false;
        } else if (strcmp(op, "DoesNotExist") == 0) {
            if (v) return false;
        } else {
            return false;
        }
    }
    return true;
}

void sim_rand_suffix(uint64_t *rng, char *out, int n)
{
    /* Kubernetes' name suffix alphabet: no vowels, no confusable digits. */
    static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
    for (int i = 0; i < n; i++) out[i] = alpha[sim_rng_below(rng, sizeof(alpha) - 1)];
    out[n] = '\0';
}

void sim_hash_suffix(uint64_t h, char *out, int n)
{
    static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
    for (int i = 0; i < n; i++) {
        out[i] = alpha[h % (sizeof(alpha) - 1)];
        h /= (sizeof(alpha) - 1);
        if (!h) h = sim_mix64((uint64_t)i + 77);
    }
    out[n] = '\0';
}

void sim_uid(uint64_t *rng, char out[37])
{
    uint64_t a = sim_rng_next(rng), b = sim_rng_next(rng);
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)((a >> 16) & 0xffff),
             (unsigned)(a & 0xfff), (unsigned)(0x8000 | (b >> 48 & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
}

void sim_hex(uint64_t *rng, char *out, int n)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t r = 0;
    for (int i = 0; i < n; i++) {
        if (i % 16 == 0) r = sim_rng_next(rng);
        out[i] = hex[r & 15];
        r >>= 4;
    }
    out[n] = '\0';
}

bool sim_str_has(const char *s, const char *needle)
{
    return s && needle && strstr(s, needle) != NULL;
}

/* ---- reading committed bytes without parsing ----
 *
 * The store keeps objects as compact JSON printed by cJSON, so a member
 * appears exactly as "key":value with no spaces. String values never contain
 * an unescaped quote, and JSON-in-annotations is escaped (\"key\"), so
 * these patterns cannot match inside a string value. */

bool sim_bytes_str(sv_t b, const char *key, char *out, size_t n)
{
    char pat[96];
    int pl = snprintf(pat, sizeof pat, "\"%s\":\"", key);
    if (pl <= 0 || (size_t)pl >= sizeof pat) return false;
    const char *p = memmem(b.p, b.n, pat, (size_t)pl);
    if (!p) return false;
    p += pl;
    const char *end = b.p + b.n, *q = p;
    while (q < end && *q != '"') q += (*q == '\\') ? 2 : 1;
    if (q > end) return false;
    size_t len = (size_t)(q - p);
    if (len >= n) len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
    return true;
}

/* Parse the first JSON value that follows "key": (an object or array). */
cJSON *sim_bytes_member(sv_t b, const char *key)
{
    char pat[96];
    int pl = snprintf(pat, sizeof pat, "\"%s\":", key);
    if (pl <= 0 || (size_t)pl >= sizeof pat) return NULL;
    const char *p = memmem(b.p, b.n, pat, (size_t)pl);
    if (!p) return NULL;
    p += pl;
    return cJSON_ParseWithLengthOpts(p, (size_t)(b.p + b.n - p), NULL, false);
}

static int64_t scan_qty(const char *p, const char *end, const char *key, bool milli)
{
    char pat[32];
    int pl = snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *q = memmem(p, (size_t)(end - p), pat, (size_t)pl);
    if (!q) return 0;
    q += pl;
    char val[48];
    size_t n = 0;
    if (*q == '"') q++;
    while (q < end && *q != '"' && *q != ',' && *q != '}' && n < sizeof val - 1) val[n++] = *q++;
    val[n] = '\0';
    int64_t v = milli ? sim_qty_milli(val) : sim_qty_value(val);
    return v > 0 ? v : 0;
}

void sim_bytes_resources(sv_t b, int64_t *req_cpu_m, int64_t *req_mem, int64_t *lim_cpu_m, int64_t *lim_mem)
{
    int64_t rc = 0, rm = 0, lc = 0, lm = 0;
    const char *p = b.p, *end = b.p + b.n;
    static const char rk[] = "\"requests\":{", lk[] = "\"limits\":{";
    for (const char *q; (q = memmem(p, (size_t)(end - p), rk, sizeof rk - 1)) != NULL;) {
        const char *e = memchr(q, '}', (size_t)(end - q));
        if (!e) break;
        rc += scan_qty(q, e, "cpu", true);
        rm += scan_qty(q, e, "memory", false);
        p = e;
    }
    p = b.p;
    for (const char *q; (q = memmem(p, (size_t)(end - p), lk, sizeof lk - 1)) != NULL;) {
        const char *e = memchr(q, '}', (size_t)(end - q));
        if (!e) break;
        lc += scan_qty(q, e, "cpu", true);
        lm += scan_qty(q, e, "memory", false);
        p = e;
    }
    if (req_cpu_m) *req_cpu_m = rc;
    if (req_mem) *req_mem = rm;
    if (lim_cpu_m) *lim_cpu_m = lc;
    if (lim_mem) *lim_mem = lm;
}

bool sim_bytes_pod_ready(sv_t b)
{
    static const char pat[] = "{\"type\":\"Ready\",\"status\":\"True\"";
    return memmem(b.p, b.n, pat, sizeof pat - 1) != NULL;
}
