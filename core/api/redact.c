/* redact.c — redaction, YAML output, manifest input; see redact.h. */
#include "api/redact.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

static void redact_values(cJSON *m)
{
    /* take next before replacing: the replaced item is freed */
    for (cJSON *it = m->child, *next; it; it = next) {
        next = it->next;
        if (!it->string) continue;
        /* the replacement needs the key: ViaPointer would leave it unnamed */
        cJSON *n = cJSON_CreateString(API_REDACTED);
        n->string = strdup(it->string);
        cJSON_ReplaceItemViaPointer(m, it, n);
    }
}

void api_redact(cJSON *obj)
{
    if (!cJSON_IsObject(obj)) return;
    cJSON *items = cJSON_GetObjectItemCaseSensitive(obj, "items");
    if (cJSON_IsArray(items)) {
        cJSON *it;
        cJSON_ArrayForEach(it, items) api_redact(it);
    }
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (cJSON_IsObject(meta)) cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Secret") != 0) return;
    cJSON *data = cJSON_GetObjectItemCaseSensitive(obj, "data");
    if (cJSON_IsObject(data)) redact_values(data);
    cJSON *sdata = cJSON_GetObjectItemCaseSensitive(obj, "stringData");
    if (cJSON_IsObject(sdata)) redact_values(sdata);
    cJSON *ann = cJSON_IsObject(meta) ? cJSON_GetObjectItemCaseSensitive(meta, "annotations") : NULL;
    cJSON *lac = ann ? cJSON_GetObjectItemCaseSensitive(ann, "kubectl.kubernetes.io/last-applied-configuration") : NULL;
    if (lac) {
        cJSON *n = cJSON_CreateString(API_REDACTED);
        n->string = strdup(lac->string);
        cJSON_ReplaceItemViaPointer(ann, lac, n);
    }
}

/* ---- YAML out ---- */

static bool plain_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0) return false;
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(s, words[i]) == 0) return false;
    /* anything that starts like a number, an indicator or whitespace */
    unsigned char c0 = (unsigned char)s[0];
    if (isdigit(c0) || strchr("-+.?:,[]{}#&*!|>'\"%@` \t", c0)) return false;
    if (isspace((unsigned char)s[n - 1])) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c >= 0x80) return false;
        if (c == '#' && i && s[i - 1] == ' ') return false;
        if (c == ':' && (i + 1 == n || s[i + 1] == ' ')) return false;
    }
    return true;
}

static void yaml_str(buf_t *out, const char *s)
{
    if (plain_ok(s)) buf_puts(out, s);
    else buf_json_cstr(out, s);
}

static void yaml_scalar(const cJSON *v, buf_t *out)
{
    if (cJSON_IsString(v)) yaml_str(out, v->valuestring);
    else if (cJSON_IsBool(v)) buf_puts(out, cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v)) buf_puts(out, "null");
    else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9e15) buf_printf(out, "%.0f", d);
        else buf_printf(out, "%.17g", d);
    } else if (cJSON_IsArray(v)) buf_puts(out, "[]");
    else buf_puts(out, "{}");
}

static bool is_empty_coll(const cJSON *v)
{
    return (cJSON_IsArray(v) || cJSON_IsObject(v)) && !v->child;
}

static void indent(buf_t *out, int n)
{
    for (int i = 0; i < n; i++) buf_putc(out, ' ');
}

static void yaml_node(const cJSON *v, int ind, buf_t *out);

/* A collection value after "key:" or "- ". */
static void yaml_value_after(const cJSON *v, int ind, buf_t *out, bool in_seq)
{
    if ((cJSON_IsObject(v) || cJSON_IsArray(v)) && !is_empty_coll(v)) {
        if (in_seq && cJSON_IsObject(v)) {
            /* "- key: value" with the rest of the mapping aligned under key */
            buf_putc(out, ' ');
            yaml_node(v, -(ind + 2), out);
            return;
        }
        buf_putc(out, '\n');
        yaml_node(v, cJSON_IsArray(v) && !in_seq ? ind : ind + 2, out);
        return;
    }
    buf_putc(out, ' ');
    yaml_scalar(v, out);
    buf_putc(out, '\n');
}

/* ind < 0: the first line continues the current one (after "- "), the
 * following lines are indented by -ind. */
static void yaml_node(const cJSON *v, int ind, buf_t *out)
{
    bool first_inline = ind < 0;
    if (ind < 0) ind = -ind;
    const cJSON *it;
    bool first = true;
    if (cJSON_IsObject(v)) {
        cJSON_ArrayForEach(it, v)
        {
            if (!(first && first_inline)) indent(out, ind);
            first = false;
            yaml_str(out, it->string ? it->string : "");
            buf_putc(out, ':');
            yaml_value_after(it, ind, out, false);
        }
    } else if (cJSON_IsArray(v)) {
        cJSON_ArrayForEach(it, v)
        {
            if (!(first && first_inline)) indent(out, ind);
            first = false;
            buf_putc(out, '-');
            if (cJSON_IsArray(it) && !is_empty_coll(it)) {
                buf_putc(out, ' ');
                yaml_node(it, -(ind + 2), out);
            } else yaml_value_after(it, ind, out, true);
        }
    } else {
        if (!first_inline) indent(out, ind);
        yaml_scalar(v, out);
        buf_putc(out, '\n');
    }
}

void api_yaml_from_json(const cJSON *v, buf_t *out)
{
    if (is_empty_coll(v) || !(cJSON_IsObject(v) || cJSON_IsArray(v))) {
        yaml_scalar(v, out);
        buf_putc(out, '\n');
        return;
    }
    yaml_node(v, 0, out);
}

/* ---- manifest in ---- */

typedef struct ystate {
    yaml_parser_t p;
    err_t *err;
    int depth;
} ystate_t;

static cJSON *y_value(ystate_t *y, yaml_event_t *ev);

static int y_next(ystate_t *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->p, ev)) {
        err_set(y->err, ERR_INVALID, "manifest: line %zu: %s", y->p.problem_mark.line + 1,
                y->p.problem ? y->p.problem : "malformed YAML");
        return -1;
    }
    return 0;
}

static cJSON *y_value(ystate_t *y, yaml_event_t *ev)
{
    if (++y->depth > 64) {
        err_set(y->err, ERR_INVALID, "manifest: nested more than 64 levels");
        yaml_event_delete(ev);
        return NULL;
    }
    cJSON *out = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        out = cJSON_CreateString((const char *)ev->data.scalar.value);
        yaml_event_delete(ev);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        /* aliases could expand exponentially ("billion laughs"): refused */
        err_set(y->err, ERR_INVALID, "manifest: line %zu: YAML aliases are not accepted", ev->start_mark.line + 1);
        yaml_event_delete(ev);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        yaml_event_delete(ev);
        out = map ? cJSON_CreateObject() : cJSON_CreateArray();
        for (;;) {
            yaml_event_t e;
            if (y_next(y, &e)) goto fail;
            if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                break;
            }
            if (map) {
                if (e.type != YAML_SCALAR_EVENT) {
                    err_set(y->err, ERR_INVALID, "manifest: line %zu: keys must be plain strings", e.start_mark.line + 1);
                    yaml_event_delete(&e);
                    goto fail;
                }
                char *key = strdup((const char *)e.data.scalar.value);
                yaml_event_delete(&e);
                yaml_event_t ve;
                if (y_next(y, &ve)) {
                    free(key);
                    goto fail;
                }
                cJSON *v = y_value(y, &ve);
                if (!v) {
                    free(key);
                    goto fail;
                }
                cJSON_DeleteItemFromObjectCaseSensitive(out, key);
                cJSON_AddItemToObject(out, key, v);
                free(key);
            } else {
                cJSON *v = y_value(y, &e);
                if (!v) goto fail;
                cJSON_AddItemToArray(out, v);
            }
        }
    } else {
        err_set(y->err, ERR_INVALID, "manifest: line %zu: unexpected YAML event", ev->start_mark.line + 1);
        yaml_event_delete(ev);
    }
    y->depth--;
    return out;
fail:
    cJSON_Delete(out);
    return NULL;
}

int api_manifest_parse(const char *body, size_t len, cJSON **out, err_t *err)
{
    *out = NULL;
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i])) i++;
    if (i < len && body[i] == '{') {
        cJSON *j = cJSON_ParseWithLength(body, len);
        if (!j) return err_set(err, ERR_INVALID, "manifest: invalid JSON");
        *out = j;
        return 0;
    }
    ystate_t y = {.err = err};
    if (!yaml_parser_initialize(&y.p)) return err_set(err, ERR_INTERNAL, "manifest: YAML parser unavailable");
    yaml_parser_set_input_string(&y.p, (const unsigned char *)body, len);
    cJSON *doc = NULL;
    int docs = 0, rc = 0;
    for (;;) {
        yaml_event_t e;
        if (y_next(&y, &e)) {
            rc = ERR_INVALID;
            break;
        }
        yaml_event_type_t t = e.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&e);
            break;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT || t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&e);
            continue;
        }
        if (++docs > 1) {
            yaml_event_delete(&e);
            rc = err_set(err, ERR_INVALID, "manifest: more than one document; apply one object at a time");
            break;
        }
        doc = y_value(&y, &e);
        if (!doc) {
            rc = ERR_INVALID;
            break;
        }
    }
    yaml_parser_delete(&y.p);
    if (rc == 0 && !cJSON_IsObject(doc)) rc = err_set(err, ERR_INVALID, "manifest: expected one object (a mapping)");
    if (rc) {
        cJSON_Delete(doc);
        return rc;
    }
    *out = doc;
    return 0;
}
