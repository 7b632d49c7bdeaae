/* wsmsg.c — WebSocket client message validation; see wsmsg.h. */
#include "api/wsmsg.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "api/kinds.h"

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
}

static bool dns_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i && i + 1 < n);
        if (!ok) return false;
    }
    return true;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
    return true;
}

/* A string field: absent/null → "" (when optional). */
static int str_field(const cJSON *o, const char *name, bool required, char *dst, size_t cap, err_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v)) {
        if (required) return err_set(err, ERR_INVALID, "field \"%s\" is required", name);
        return 0;
    }
    if (!cJSON_IsString(v)) return err_set(err, ERR_INVALID, "field \"%s\" must be a string", name);
    size_t n = strlen(v->valuestring);
    if (n >= cap) return err_set(err, ERR_INVALID, "field \"%s\" is longer than %zu bytes", name, cap - 1);
    if (required && n == 0) return err_set(err, ERR_INVALID, "field \"%s\" must not be empty", name);
    if (!printable(v->valuestring)) return err_set(err, ERR_INVALID, "field \"%s\" holds control characters", name);
    memcpy(dst, v->valuestring, n + 1);
    return 0;
}

int api_wsmsg_parse(const char *data, size_t len, api_wsmsg_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    out->depth = 1;
    cJSON *o = cJSON_ParseWithLength(data, len);
    int rc = 0;
    if (!o) return err_set(err, ERR_INVALID, "message is not valid JSON");
    if (!cJSON_IsObject(o)) {
        rc = err_set(err, ERR_INVALID, "message must be a JSON object");
        goto done;
    }
    char op[32];
    if ((rc = str_field(o, "op", true, op, sizeof op, err))) goto done;
    /* the id first, so later errors can name the subscription */
    if ((rc = str_field(o, "id", true, out->id, sizeof out->id, err))) goto done;
    for (const char *p = out->id; *p; p++)
        if (!id_char(*p)) {
            out->id[0] = '\0';
            rc = err_set(err, ERR_INVALID, "field \"id\" may hold only letters, digits and - _ . :");
            goto done;
        }
    if (strcmp(op, "unsubscribe") == 0) {
        out->op = API_WS_UNSUBSCRIBE;
        goto done;
    }
    if (strcmp(op, "subscribe") != 0) {
        rc = err_set(err, ERR_INVALID, "unknown op \"%s\" (subscribe, unsubscribe)", op);
        goto done;
    }
    out->op = API_WS_SUBSCRIBE;
    if ((rc = str_field(o, "cluster", true, out->cluster, sizeof out->cluster, err))) goto done;
    if ((rc = str_field(o, "namespace", false, out->ns, sizeof out->ns, err))) goto done;
    if (out->ns[0] && !dns_label(out->ns)) {
        rc = err_set(err, ERR_INVALID, "field \"namespace\": \"%s\" is not a namespace name", out->ns);
        goto done;
    }
    if ((rc = str_field(o, "focus", false, out->focus, sizeof out->focus, err))) goto done;
    api_id_parts_t parts;
    if (out->focus[0] && api_id_split(out->focus, &parts) != 0) {
        rc = err_set(err, ERR_INVALID, "field \"focus\": \"%s\" is not an object ID (KIND[.GROUP]/NAMESPACE/NAME)",
                     out->focus);
        goto done;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "depth");
    if (d && !cJSON_IsNull(d)) {
        /* range first: converting an out-of-range double to int is undefined */
        if (!cJSON_IsNumber(d) || !(d->valuedouble >= 1 && d->valuedouble <= 8) ||
            d->valuedouble != (double)(int)d->valuedouble) {
            rc = err_set(err, ERR_INVALID, "field \"depth\" must be an integer from 1 to 8");
            goto done;
        }
        out->depth = (int)d->valuedouble;
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "since");
    if (s && !cJSON_IsNull(s)) {
        uint64_t v = 0;
        bool ok = false;
        if (cJSON_IsString(s)) {
            /* "N" or "N.M" (the resourceVersion strings this server sends) */
            const char *p = s->valuestring;
            const char *dot = strchr(p, '.');
            size_t nl = dot ? (size_t)(dot - p) : strlen(p);
            ok = nl && nl <= 19 && (!dot || (dot[1] && strlen(dot + 1) <= 9));
            for (size_t i = 0; ok && i < nl; i++) {
                if (p[i] < '0' || p[i] > '9') ok = false;
                else v = v * 10 + (uint64_t)(p[i] - '0');
            }
            uint32_t sub = 0;
            for (const char *q = dot ? dot + 1 : ""; ok && *q; q++) {
                if (*q < '0' || *q > '9') ok = false;
                else sub = sub * 10 + (uint32_t)(*q - '0');
            }
            out->since_sub = sub;
        } else if (cJSON_IsNumber(s) && s->valuedouble >= 0 && s->valuedouble < 9e15 &&
                   s->valuedouble == (double)(uint64_t)s->valuedouble) {
            v = (uint64_t)s->valuedouble;
            ok = true;
        }
        if (!ok) {
            rc = err_set(err, ERR_INVALID, "field \"since\" must be a resourceVersion (a string of digits)");
            goto done;
        }
        out->has_since = true;
        out->since = v;
    }
done:
    cJSON_Delete(o);
    return rc;
}
