/* fieldsel.c — field selector parsing and matching; see fieldsel.h. */
#include "api/fieldsel.h"

#include <stdio.h>
#include <string.h>

#include "base/str.h"

int api_fieldsel_parse(const char *text, const char *kind, api_fieldsel_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!text) return 0;
    sv_t rest = sv_from(text);
    while (rest.n) {
        sv_t term = sv_trim(sv_cut(&rest, ','));
        if (!term.n) continue;
        if (out->n == API_FIELDSEL_MAX)
            return err_set(err, ERR_INVALID, "fieldSelector: more than %d requirements", API_FIELDSEL_MAX);
        api_fieldreq_t *q = &out->reqs[out->n];
        const char *eq = memchr(term.p, '=', term.n);
        if (!eq || eq == term.p)
            return err_set(err, ERR_INVALID, "fieldSelector: \"%.*s\" is not FIELD=VALUE, FIELD==VALUE or FIELD!=VALUE",
                           (int)term.n, term.p);
        sv_t field = {term.p, (size_t)(eq - term.p)}, value;
        if (field.p[field.n - 1] == '!') {
            q->negate = true;
            field.n--;
            value = (sv_t){eq + 1, term.n - field.n - 2};
        } else if ((size_t)(eq - term.p) + 1 < term.n && eq[1] == '=') {
            value = (sv_t){eq + 2, term.n - field.n - 2};
        } else {
            value = (sv_t){eq + 1, term.n - field.n - 1};
        }
        field = sv_trim(field);
        value = sv_trim(value);
        if (sv_eq_cstr(field, "metadata.name")) q->field = API_FIELD_NAME;
        else if (sv_eq_cstr(field, "metadata.namespace")) q->field = API_FIELD_NAMESPACE;
        else if (sv_eq_cstr(field, "spec.nodeName") && kind && strcmp(kind, "Pod") == 0) q->field = API_FIELD_NODENAME;
        else
            return err_set(err, ERR_INVALID,
                           "fieldSelector: field \"%.*s\" is not supported for %s lists (supported: metadata.name, "
                           "metadata.namespace%s)",
                           (int)field.n, field.p, kind ? kind : "these",
                           kind && strcmp(kind, "Pod") == 0 ? ", spec.nodeName" : "");
        if (value.n >= sizeof q->value || memchr(value.p, '=', value.n) || memchr(value.p, '!', value.n))
            return err_set(err, ERR_INVALID, "fieldSelector: bad value in \"%.*s\"", (int)term.n, term.p);
        memcpy(q->value, value.p, value.n);
        q->value[value.n] = '\0';
        out->n++;
    }
    return 0;
}

bool api_fieldsel_match(const api_fieldsel_t *fs, const char *ns, const char *name, const char *node)
{
    for (size_t i = 0; i < fs->n; i++) {
        const api_fieldreq_t *q = &fs->reqs[i];
        const char *v = q->field == API_FIELD_NAME ? name : q->field == API_FIELD_NAMESPACE ? ns : node;
        bool eq = strcmp(v ? v : "", q->value) == 0;
        if (eq == q->negate) return false;
    }
    return true;
}

bool api_fieldsel_has(const api_fieldsel_t *fs, int field)
{
    for (size_t i = 0; i < fs->n; i++)
        if (fs->reqs[i].field == field) return true;
    return false;
}
