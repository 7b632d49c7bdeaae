/* select.c — label and field selectors; see select.h.
 *
 * A selector is a flat array of requirements, all of which must hold. Values
 * are copied into one allocation per requirement so a parsed selector does
 * not borrow the query string.
 */
#include "select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

enum { OP_EXISTS, OP_NOT_EXISTS, OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_GT, OP_LT };

typedef struct req {
    int op;
    char *key;
    char **vals;
    int nvals;
} req_t;

struct sim_selector {
    req_t *reqs;
    int n, cap;
};

void sim_selector_free(sim_selector_t *sel)
{
    if (!sel) return;
    for (int i = 0; i < sel->n; i++) {
        free(sel->reqs[i].key);
        for (int j = 0; j < sel->reqs[i].nvals; j++) free(sel->reqs[i].vals[j]);
        free(sel->reqs[i].vals);
    }
    free(sel->reqs);
    free(sel);
}

static req_t *add_req(sim_selector_t *sel)
{
    if (sel->n == sel->cap) {
        sel->cap = sel->cap ? sel->cap * 2 : 4;
        sel->reqs = xrealloc(sel->reqs, (size_t)sel->cap * sizeof *sel->reqs);
    }
    req_t *r = &sel->reqs[sel->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static void add_val(req_t *r, const char *p, size_t n)
{
    r->vals = xrealloc(r->vals, (size_t)(r->nvals + 1) * sizeof *r->vals);
    r->vals[r->nvals++] = xstrndup(p, n);
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* Characters of a label key (prefix/name) or value. */
static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '/';
}

static void skip_space(const char **p)
{
    while (is_space(**p)) (*p)++;
}

static bool word(const char **p, const char **start, size_t *len)
{
    skip_space(p);
    *start = *p;
    while (is_word(**p)) (*p)++;
    *len = (size_t)(*p - *start);
    return *len > 0;
}

static bool valid_value(const char *v, size_t n)
{
    if (n > 63) return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '/') return false;
    return true;
}

static int bad(err_t *err, const char *text, const char *why)
{
    return err_set(err, SIM_ERR_BAD_REQUEST, "unable to parse requirement: %s: %s", why, text);
}

int sim_label_selector_parse(const char *text, sim_selector_t **out, err_t *err)
{
    *out = NULL;
    if (!text) return 0;
    const char *p = text;
    skip_space(&p);
    if (!*p) return 0;
    sim_selector_t *sel = xcalloc(1, sizeof *sel);
    for (;;) {
        skip_space(&p);
        req_t *r = add_req(sel);
        bool negate = false;
        if (*p == '!') {
            negate = true;
            p++;
        }
        const char *k;
        size_t kn;
        if (!word(&p, &k, &kn)) {
            bad(err, text, "a label key is required");
            goto fail;
        }
        r->key = xstrndup(k, kn);
        skip_space(&p);
        if (negate) {
            r->op = OP_NOT_EXISTS;
        } else if (*p == ',' || *p == '\0') {
            r->op = OP_EXISTS;
        } else if (p[0] == '!' && p[1] == '=') {
            r->op = OP_NE;
            p += 2;
        } else if (p[0] == '=' && p[1] == '=') {
            r->op = OP_EQ;
            p += 2;
        } else if (p[0] == '=') {
            r->op = OP_EQ;
            p += 1;
        } else if (p[0] == '>' || p[0] == '<') {
            r->op = p[0] == '>' ? OP_GT : OP_LT;
            p += 1;
        } else if (strncmp(p, "in", 2) == 0 && (is_space(p[2]) || p[2] == '(')) {
            r->op = OP_IN;
            p += 2;
        } else if (strncmp(p, "notin", 5) == 0 && (is_space(p[5]) || p[5] == '(')) {
            r->op = OP_NOTIN;
            p += 5;
        } else {
            bad(err, text, "found unexpected operator");
            goto fail;
        }
        if (r->op == OP_EQ || r->op == OP_NE || r->op == OP_GT || r->op == OP_LT) {
            const char *v;
            size_t vn;
            word(&p, &v, &vn); /* an empty value is allowed: k= */
            if (!valid_value(v, vn)) {
                bad(err, text, "invalid label value");
                goto fail;
            }
            if ((r->op == OP_GT || r->op == OP_LT)) {
                char *end;
                char tmp[64];
                snprintf(tmp, sizeof tmp, "%.*s", (int)vn, v);
                strtol(tmp, &end, 10);
                if (vn == 0 || *end) {
                    bad(err, text, "for 'Gt', 'Lt' operators, the value must be an integer");
                    goto fail;
                }
            }
            add_val(r, v, vn);
        } else if (r->op == OP_IN || r->op == OP_NOTIN) {
            skip_space(&p);
            if (*p != '(') {
                bad(err, text, "expected '(' after set operator");
                goto fail;
            }
            p++;
            for (;;) {
                const char *v;
                size_t vn;
                word(&p, &v, &vn);
                if (!valid_value(v, vn)) {
                    bad(err, text, "invalid label value");
                    goto fail;
                }
                add_val(r, v, vn);
                skip_space(&p);
                if (*p == ',') {
                    p++;
                    continue;
                }
                if (*p == ')') {
                    p++;
                    break;
                }
                bad(err, text, "expected ',' or ')' in a value set");
                goto fail;
            }
        }
        skip_space(&p);
        if (*p == '\0') break;
        if (*p != ',') {
            bad(err, text, "expected ',' between requirements");
            goto fail;
        }
        p++;
    }
    *out = sel;
    return 0;
fail:
    sim_selector_free(sel);
    return SIM_ERR_BAD_REQUEST;
}

static bool path_listed(const char *list, const char *name, size_t n)
{
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

int sim_field_selector_parse(const char *text, const sim_kind_t *k, sim_selector_t **out, err_t *err)
{
    *out = NULL;
    if (!text) return 0;
    const char *p = text;
    skip_space(&p);
    if (!*p) return 0;
    sim_selector_t *sel = xcalloc(1, sizeof *sel);
    while (*p) {
        const char *end = p;
        /* Values may hold anything but an unescaped ','; backslash escapes. */
        const char *op = NULL;
        while (*end && *end != ',') {
            if (*end == '\\' && end[1]) {
                end += 2;
                continue;
            }
            if (!op && (*end == '=' || (*end == '!' && end[1] == '='))) op = end;
            end++;
        }
        if (!op) {
            err_set(err, SIM_ERR_BAD_REQUEST, "invalid selector: '%s'; can't understand '%.*s'", text,
                    (int)(end - p), p);
            goto fail;
        }
        req_t *r = add_req(sel);
        const char *ks = p, *ke = op;
        while (ks < ke && is_space(*ks)) ks++;
        while (ke > ks && is_space(ke[-1])) ke--;
        r->key = xstrndup(ks, (size_t)(ke - ks));
        const char *v;
        if (op[0] == '!') {
            r->op = OP_NE;
            v = op + 2;
        } else {
            r->op = OP_EQ;
            v = op + (op[1] == '=' ? 2 : 1);
        }
        /* Unescape the value. */
        char *val = xmalloc((size_t)(end - v) + 1);
        size_t n = 0;
        for (const char *q = v; q < end; q++) {
            if (*q == '\\' && q + 1 < end) q++;
            val[n++] = *q;
        }
        val[n] = '\0';
        r->vals = xmalloc(sizeof *r->vals);
        r->vals[0] = val;
        r->nvals = 1;
        bool ok = !strcmp(r->key, "metadata.name") || !strcmp(r->key, "metadata.namespace") ||
                  (k && path_listed(k->field_paths, r->key, strlen(r->key)));
        if (!ok) {
            err_set(err, SIM_ERR_BAD_REQUEST, "field label not supported: %s", r->key);
            goto fail;
        }
        p = *end ? end + 1 : end;
    }
    *out = sel;
    return 0;
fail:
    sim_selector_free(sel);
    return SIM_ERR_BAD_REQUEST;
}

static bool req_match(const req_t *r, const char *have)
{
    switch (r->op) {
    case OP_EXISTS:
        return have != NULL;
    case OP_NOT_EXISTS:
        return have == NULL;
    case OP_EQ:
        return have && strcmp(have, r->vals[0]) == 0;
    case OP_NE:
        return !have || strcmp(have, r->vals[0]) != 0;
    case OP_IN:
    case OP_NOTIN: {
        bool in = false;
        for (int i = 0; have && i < r->nvals; i++)
            if (strcmp(have, r->vals[i]) == 0) in = true;
        return r->op == OP_IN ? in : !in;
    }
    case OP_GT:
    case OP_LT: {
        if (!have) return false;
        char *end;
        long h = strtol(have, &end, 10);
        if (*end || !*have) return false;
        long w = strtol(r->vals[0], NULL, 10);
        return r->op == OP_GT ? h > w : h < w;
    }
    }
    return false;
}

static const char *packed_get(const char *p, const char *key)
{
    while (p && *p) {
        const char *v = p + strlen(p) + 1;
        if (strcmp(p, key) == 0) return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

bool sim_label_selector_match(const sim_selector_t *sel, const char *packed)
{
    if (!sel) return true;
    for (int i = 0; i < sel->n; i++)
        if (!req_match(&sel->reqs[i], packed_get(packed, sel->reqs[i].key))) return false;
    return true;
}

bool sim_label_selector_match_json(const sim_selector_t *sel, const cJSON *labels)
{
    if (!sel) return true;
    for (int i = 0; i < sel->n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, sel->reqs[i].key);
        if (!req_match(&sel->reqs[i], cJSON_IsString(v) ? v->valuestring : NULL)) return false;
    }
    return true;
}

bool sim_field_selector_match(const sim_selector_t *sel, const sim_obj_t *o)
{
    if (!sel) return true;
    for (int i = 0; i < sel->n; i++) {
        const char *have = sim_obj_field(o, sel->reqs[i].key);
        /* A missing field compares as the empty string, as the server's
         * field sets do (spec.nodeName= selects unscheduled pods). */
        if (!req_match(&sel->reqs[i], have ? have : "")) return false;
    }
    return true;
}

bool sim_selectors_match(const sim_selector_t *labels, const sim_selector_t *fields, const sim_obj_t *o)
{
    return sim_label_selector_match(labels, sim_obj_labels_packed(o)) && sim_field_selector_match(fields, o);
}
