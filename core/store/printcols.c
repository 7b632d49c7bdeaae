/* printcols.c — CRD printer columns: JSONPath subset, cells, and the table
 * per custom kind; see printcols.h.
 *
 * A path compiles to an array of steps. Evaluation is breadth first over a
 * bounded set of current values: each step maps the set to the next one,
 * so neither the path nor the object can make it recurse or grow without
 * limit. Filter predicates run a short relative path (fields and indexes
 * only) from each array element.
 */
#include "store/printcols.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/map.h"
#include "base/mem.h"

#define MAX_EXPR 1024
#define MAX_NAMES 8    /* ['a','b',…] */
#define MAX_SUB 16     /* steps of a filter's @ path */
#define MAX_SET 256    /* values held between two steps */

/* ---------------------------------------------------------------- paths */

enum { ST_FIELD, ST_WILD, ST_INDEX, ST_SLICE, ST_FILTER };
enum { OP_EXISTS, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum { LIT_STR, LIT_NUM, LIT_TRUE, LIT_FALSE, LIT_NULL };

typedef struct sub_step {
    char *name; /* NULL: index */
    long index;
} sub_step_t;

typedef struct step {
    int kind;
    char *names[MAX_NAMES]; /* FIELD: one or more keys */
    int nnames;
    long a, b;              /* INDEX a; SLICE [a:b] */
    bool has_a, has_b;
    /* FILTER */
    sub_step_t sub[MAX_SUB];
    int nsub;
    int op, lit;
    char *lit_s;
    double lit_n;
} step_t;

struct printcols_path {
    step_t steps[PRINTCOLS_MAX_STEPS];
    int n;
};

void printcols_path_free(printcols_path_t *p)
{
    if (!p) return;
    for (int i = 0; i < p->n; i++) {
        step_t *s = &p->steps[i];
        for (int k = 0; k < s->nnames; k++) free(s->names[k]);
        for (int k = 0; k < s->nsub; k++) free(s->sub[k].name);
        free(s->lit_s);
    }
    free(p);
}

typedef struct parser {
    const char *s; /* the expression, braces and $ removed */
    size_t n, i;
    const char *expr; /* as given, for messages */
    err_t *err;
} parser_t;

static int perr(parser_t *ps, const char *what)
{
    return err_set(ps->err, ERR_INVALID, "jsonPath \"%.200s\": %s at position %zu", ps->expr, what, ps->i + 1);
}

static void skip_ws(parser_t *ps)
{
    while (ps->i < ps->n && (ps->s[ps->i] == ' ' || ps->s[ps->i] == '\t')) ps->i++;
}

/* A .name: up to '.', '[', the end, or (in a filter, in_filter) a blank,
 * an operator or ')'; backslash escapes one character. */
static char *parse_name(parser_t *ps, bool in_filter)
{
    buf_t b = {0};
    while (ps->i < ps->n) {
        char c = ps->s[ps->i];
        if (c == '.' || c == '[') break;
        if (in_filter && strchr(" \t=!<>)", c)) break;
        if (c == '\\' && ps->i + 1 < ps->n) {
            c = ps->s[++ps->i];
        }
        buf_putc(&b, c);
        ps->i++;
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* A quoted string at ps->i ('…' or "…", backslash escapes). */
static char *parse_quoted(parser_t *ps)
{
    char q = ps->s[ps->i++];
    buf_t b = {0};
    while (ps->i < ps->n && ps->s[ps->i] != q) {
        char c = ps->s[ps->i];
        if (c == '\\' && ps->i + 1 < ps->n) c = ps->s[++ps->i];
        buf_putc(&b, c);
        ps->i++;
    }
    if (ps->i >= ps->n) {
        buf_free(&b);
        return NULL;
    }
    ps->i++; /* closing quote */
    if (!b.data) buf_puts(&b, "");
    return buf_steal(&b);
}

static bool parse_long(parser_t *ps, long *out)
{
    size_t st = ps->i;
    if (ps->i < ps->n && ps->s[ps->i] == '-') ps->i++;
    size_t digits = 0;
    long v = 0;
    while (ps->i < ps->n && isdigit((unsigned char)ps->s[ps->i])) {
        if (digits++ > 9) return false; /* no index needs more */
        v = v * 10 + (ps->s[ps->i++] - '0');
    }
    if (!digits) {
        ps->i = st;
        return false;
    }
    *out = ps->s[st] == '-' ? -v : v;
    return true;
}

/* @.a.b[0]['c'] inside a filter. */
static int parse_sub(parser_t *ps, step_t *st)
{
    if (ps->i >= ps->n || ps->s[ps->i] != '@') return perr(ps, "a filter must start with @");
    ps->i++;
    for (;;) {
        if (ps->i >= ps->n) return perr(ps, "unterminated filter");
        char c = ps->s[ps->i];
        if (c != '.' && c != '[') return 0;
        if (st->nsub == MAX_SUB) return perr(ps, "filter path too long");
        sub_step_t *ss = &st->sub[st->nsub++]; /* counted now: a failure below frees its name */
        ss->name = NULL;
        ss->index = 0;
        if (c == '.') {
            ps->i++;
            if (ps->i < ps->n && ps->s[ps->i] == '.') return perr(ps, "recursive descent (..) is not supported");
            if (!(ss->name = parse_name(ps, true))) return perr(ps, "expected a field name");
        } else {
            ps->i++;
            skip_ws(ps);
            if (ps->i < ps->n && (ps->s[ps->i] == '\'' || ps->s[ps->i] == '"')) {
                if (!(ss->name = parse_quoted(ps))) return perr(ps, "unterminated string");
            } else if (!parse_long(ps, &ss->index)) {
                return perr(ps, "a filter path takes field names and indexes only");
            }
            skip_ws(ps);
            if (ps->i >= ps->n || ps->s[ps->i] != ']') return perr(ps, "expected ]");
            ps->i++;
        }
    }
}

static int parse_filter(parser_t *ps, step_t *st)
{
    /* at "?(" */
    ps->i += 2;
    st->kind = ST_FILTER;
    skip_ws(ps);
    if (parse_sub(ps, st)) return -1;
    skip_ws(ps);
    st->op = OP_EXISTS;
    static const struct {
        const char *t;
        int op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t l = strlen(ops[k].t);
        if (ps->i + l <= ps->n && !strncmp(ps->s + ps->i, ops[k].t, l)) {
            st->op = ops[k].op;
            ps->i += l;
            break;
        }
    }
    if (st->op != OP_EXISTS) {
        skip_ws(ps);
        if (ps->i >= ps->n) return perr(ps, "expected a literal");
        char c = ps->s[ps->i];
        if (c == '\'' || c == '"') {
            st->lit = LIT_STR;
            if (!(st->lit_s = parse_quoted(ps))) return perr(ps, "unterminated string");
        } else if (ps->i + 4 <= ps->n && !strncmp(ps->s + ps->i, "true", 4)) {
            st->lit = LIT_TRUE;
            ps->i += 4;
        } else if (ps->i + 5 <= ps->n && !strncmp(ps->s + ps->i, "false", 5)) {
            st->lit = LIT_FALSE;
            ps->i += 5;
        } else if (ps->i + 4 <= ps->n && !strncmp(ps->s + ps->i, "null", 4)) {
            st->lit = LIT_NULL;
            ps->i += 4;
        } else {
            char num[64];
            size_t k = 0;
            while (ps->i < ps->n && k + 1 < sizeof num &&
                   (isdigit((unsigned char)ps->s[ps->i]) || strchr("+-.eE", ps->s[ps->i])))
                num[k++] = ps->s[ps->i++];
            num[k] = '\0';
            char *end;
            errno = 0;
            double v = k ? strtod(num, &end) : 0;
            if (!k || *end || errno || !isfinite(v)) return perr(ps, "expected a string, number, true, false or null");
            st->lit = LIT_NUM;
            st->lit_n = v;
        }
        skip_ws(ps);
    }
    if (ps->i + 1 >= ps->n || ps->s[ps->i] != ')' || ps->s[ps->i + 1] != ']')
        return perr(ps, "expected )] to end the filter (one comparison per filter)");
    ps->i += 2;
    return 0;
}

static int parse_bracket(parser_t *ps, step_t *st)
{
    ps->i++; /* [ */
    skip_ws(ps);
    if (ps->i >= ps->n) return perr(ps, "unterminated [");
    char c = ps->s[ps->i];
    if (c == '?' && ps->i + 1 < ps->n && ps->s[ps->i + 1] == '(') return parse_filter(ps, st);
    if (c == '*') {
        st->kind = ST_WILD;
        ps->i++;
    } else if (c == '\'' || c == '"') {
        st->kind = ST_FIELD;
        for (;;) {
            if (st->nnames == MAX_NAMES) return perr(ps, "too many names in []");
            char *nm = parse_quoted(ps);
            if (!nm) return perr(ps, "unterminated string");
            st->names[st->nnames++] = nm;
            skip_ws(ps);
            if (ps->i < ps->n && ps->s[ps->i] == ',') {
                ps->i++;
                skip_ws(ps);
                if (ps->i < ps->n && (ps->s[ps->i] == '\'' || ps->s[ps->i] == '"')) continue;
                return perr(ps, "expected a quoted name after ,");
            }
            break;
        }
    } else {
        st->has_a = parse_long(ps, &st->a);
        skip_ws(ps);
        if (ps->i < ps->n && ps->s[ps->i] == ':') {
            ps->i++;
            skip_ws(ps);
            st->kind = ST_SLICE;
            st->has_b = parse_long(ps, &st->b);
            skip_ws(ps);
            if (ps->i < ps->n && ps->s[ps->i] == ':') return perr(ps, "slices with a step are not supported");
        } else if (st->has_a) {
            st->kind = ST_INDEX;
        } else {
            return perr(ps, "expected an index, a slice, *, a quoted name or a filter");
        }
    }
    skip_ws(ps);
    if (ps->i >= ps->n || ps->s[ps->i] != ']') return perr(ps, "expected ]");
    ps->i++;
    return 0;
}

printcols_path_t *printcols_path_compile(const char *expr, err_t *err)
{
    if (!expr) {
        err_set(err, ERR_INVALID, "jsonPath missing");
        return NULL;
    }
    size_t n = strlen(expr);
    if (n > MAX_EXPR) {
        err_set(err, ERR_INVALID, "jsonPath longer than %d characters", MAX_EXPR);
        return NULL;
    }
    size_t a = 0, b = n;
    while (a < b && isspace((unsigned char)expr[a])) a++;
    while (b > a && isspace((unsigned char)expr[b - 1])) b--;
    if (a < b && expr[a] == '{') {
        if (expr[b - 1] != '}') {
            err_set(err, ERR_INVALID, "jsonPath \"%.200s\": { without }", expr);
            return NULL;
        }
        a++, b--;
        while (a < b && isspace((unsigned char)expr[a])) a++;
        while (b > a && isspace((unsigned char)expr[b - 1])) b--;
    }
    if (a < b && expr[a] == '$') a++;
    printcols_path_t *p = xcalloc(1, sizeof *p);
    parser_t ps = {expr + a, b - a, 0, expr, err};
    while (ps.i < ps.n) {
        if (p->n == PRINTCOLS_MAX_STEPS) {
            perr(&ps, "too many steps");
            goto fail;
        }
        step_t *st = &p->steps[p->n];
        char c = ps.s[ps.i];
        if (c == '.') {
            ps.i++;
            if (ps.i < ps.n && ps.s[ps.i] == '.') {
                perr(&ps, "recursive descent (..) is not supported");
                goto fail;
            }
            if (ps.i < ps.n && ps.s[ps.i] == '[') continue; /* ".[0]" reads as "[0]" */
            if (ps.i < ps.n && ps.s[ps.i] == '*') {
                ps.i++;
                st->kind = ST_WILD;
                p->n++;
                continue;
            }
            char *nm = parse_name(&ps, false);
            if (!nm) {
                perr(&ps, "expected a field name after .");
                goto fail;
            }
            st->kind = ST_FIELD;
            st->names[st->nnames++] = nm;
            p->n++;
        } else if (c == '[') {
            p->n++; /* counted first so that a failure frees what it holds */
            if (parse_bracket(&ps, st)) goto fail;
        } else {
            perr(&ps, "expected . or [");
            goto fail;
        }
    }
    return p;
fail:
    printcols_path_free(p);
    return NULL;
}

typedef struct eval {
    const cJSON *cur[MAX_SET], *next[MAX_SET];
    size_t ncur, nnext;
    long budget;
} eval_t;

static bool push(eval_t *e, const cJSON *v)
{
    if (e->nnext == MAX_SET || e->budget <= 0) return false;
    e->next[e->nnext++] = v;
    return true;
}

static const cJSON *sub_eval(eval_t *e, const step_t *st, const cJSON *v)
{
    for (int k = 0; k < st->nsub && v; k++) {
        e->budget--;
        const sub_step_t *ss = &st->sub[k];
        if (ss->name)
            v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, ss->name) : NULL;
        else if (cJSON_IsArray(v)) {
            int n = cJSON_GetArraySize(v);
            long i = ss->index < 0 ? n + ss->index : ss->index;
            v = i >= 0 && i < n ? cJSON_GetArrayItem(v, (int)i) : NULL;
        } else
            v = NULL;
    }
    return v;
}

static int cmp_order(int op, int c)
{
    switch (op) {
    case OP_EQ: return c == 0;
    case OP_NE: return c != 0;
    case OP_LT: return c < 0;
    case OP_LE: return c <= 0;
    case OP_GT: return c > 0;
    case OP_GE: return c >= 0;
    }
    return 0;
}

static bool predicate(eval_t *e, const step_t *st, const cJSON *elem)
{
    const cJSON *v = sub_eval(e, st, elem);
    if (st->op == OP_EXISTS) return v != NULL && !cJSON_IsNull(v) && !cJSON_IsFalse(v);
    if (!v) return false;
    switch (st->lit) {
    case LIT_STR:
        if (cJSON_IsString(v)) return cmp_order(st->op, strcmp(v->valuestring, st->lit_s));
        break;
    case LIT_NUM:
        if (cJSON_IsNumber(v))
            return cmp_order(st->op, v->valuedouble < st->lit_n ? -1 : v->valuedouble > st->lit_n);
        break;
    case LIT_TRUE:
    case LIT_FALSE:
        if (cJSON_IsBool(v) && (st->op == OP_EQ || st->op == OP_NE))
            return cmp_order(st->op, (cJSON_IsTrue(v) ? LIT_TRUE : LIT_FALSE) != st->lit);
        break;
    case LIT_NULL:
        if (st->op == OP_EQ || st->op == OP_NE) return cmp_order(st->op, !cJSON_IsNull(v));
        break;
    }
    /* different types: never equal, never ordered */
    return st->op == OP_NE;
}

static void apply_step(eval_t *e, const step_t *st)
{
    e->nnext = 0;
    for (size_t i = 0; i < e->ncur; i++) {
        const cJSON *v = e->cur[i], *c;
        e->budget--;
        switch (st->kind) {
        case ST_FIELD:
            if (!cJSON_IsObject(v)) break;
            for (int k = 0; k < st->nnames; k++) {
                c = cJSON_GetObjectItemCaseSensitive(v, st->names[k]);
                e->budget--;
                if (c && !push(e, c)) return;
            }
            break;
        case ST_WILD:
            if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) break;
            cJSON_ArrayForEach(c, v)
            {
                if (!push(e, c)) return;
                e->budget--;
            }
            break;
        case ST_INDEX: {
            if (!cJSON_IsArray(v)) break;
            int n = cJSON_GetArraySize(v);
            long k = st->a < 0 ? n + st->a : st->a;
            if (k >= 0 && k < n && !push(e, cJSON_GetArrayItem(v, (int)k))) return;
            break;
        }
        case ST_SLICE: {
            if (!cJSON_IsArray(v)) break;
            long n = cJSON_GetArraySize(v);
            long from = st->has_a ? st->a : 0, to = st->has_b ? st->b : n;
            if (from < 0) from += n;
            if (to < 0) to += n;
            if (from < 0) from = 0;
            if (to > n) to = n;
            long k = 0;
            cJSON_ArrayForEach(c, v)
            {
                if (k >= to) break;
                if (k++ >= from && !push(e, c)) return;
                e->budget--;
            }
            break;
        }
        case ST_FILTER:
            if (!cJSON_IsArray(v)) break;
            cJSON_ArrayForEach(c, v)
            {
                if (e->budget <= 0) return;
                if (predicate(e, st, c) && !push(e, c)) return;
            }
            break;
        }
        if (e->budget <= 0) return;
    }
}

size_t printcols_path_eval(const printcols_path_t *p, const cJSON *root, const cJSON **out, size_t max)
{
    if (!p || !root) return 0;
    eval_t *e = xmalloc(sizeof *e);
    e->cur[0] = root;
    e->ncur = 1;
    e->budget = PRINTCOLS_BUDGET;
    for (int i = 0; i < p->n && e->ncur; i++) {
        apply_step(e, &p->steps[i]);
        memcpy(e->cur, e->next, e->nnext * sizeof *e->next);
        e->ncur = e->nnext;
    }
    if (max > PRINTCOLS_MAX_RESULTS) max = PRINTCOLS_MAX_RESULTS;
    size_t n = e->ncur < max ? e->ncur : max;
    memcpy(out, e->cur, n * sizeof *out);
    free(e);
    return n;
}

/* ---------------------------------------------------------------- cells */

int printcols_type(const char *name)
{
    if (!name) return PRINTCOLS_STRING;
    if (!strcmp(name, "integer")) return PRINTCOLS_INTEGER;
    if (!strcmp(name, "number")) return PRINTCOLS_NUMBER;
    if (!strcmp(name, "boolean")) return PRINTCOLS_BOOLEAN;
    if (!strcmp(name, "date")) return PRINTCOLS_DATE;
    return PRINTCOLS_STRING;
}

/* As Go prints a float64 with %v for the values kubectl shows: integers
 * without a fraction, others in the shortest form that reads back. */
static void fmt_number(double v, char *out, size_t cap)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, cap, "%lld", (long long)v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v) return;
    }
}

/* One value of the column's type, or false when it has none. */
static bool cell_value(const cJSON *v, int type, buf_t *b)
{
    char num[64];
    switch (type) {
    case PRINTCOLS_INTEGER:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return false;
        if (fabs(v->valuedouble) < 9e18) snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
        else fmt_number(v->valuedouble, num, sizeof num);
        buf_puts(b, num);
        return true;
    case PRINTCOLS_NUMBER:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return false;
        fmt_number(v->valuedouble, num, sizeof num);
        buf_puts(b, num);
        return true;
    case PRINTCOLS_BOOLEAN:
        if (!cJSON_IsBool(v)) return false;
        buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
        return true;
    default:
        if (cJSON_IsString(v)) buf_puts(b, v->valuestring);
        else if (cJSON_IsNumber(v)) {
            fmt_number(v->valuedouble, num, sizeof num);
            buf_puts(b, num);
        } else if (cJSON_IsBool(v)) buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
        else if (cJSON_IsNull(v)) return false;
        else {
            char *s = cJSON_PrintUnformatted(v);
            if (!s) return false;
            buf_puts(b, s);
            free(s);
        }
        return true;
    }
}

static void put_cut(char *out, size_t cap, const char *s, size_t n)
{
    if (!cap) return;
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

void printcols_cell(const printcols_path_t *p, int type, const cJSON *obj, char *out, size_t cap)
{
    if (!p) {
        put_cut(out, cap, "<unsupported>", 13);
        return;
    }
    const cJSON *vals[PRINTCOLS_MAX_RESULTS];
    size_t n = printcols_path_eval(p, obj, vals, PRINTCOLS_MAX_RESULTS);
    if (type == PRINTCOLS_DATE) {
        const cJSON *v = n ? vals[0] : NULL;
        if (!cJSON_IsString(v)) {
            put_cut(out, cap, "", 0);
            return;
        }
        int64_t t = clock_parse_rfc3339(v->valuestring);
        char b[32];
        if (t < 0) snprintf(b, sizeof b, "<invalid>");
        else snprintf(b, sizeof b, "%c%lld", PRINTCOLS_DATE_MARK, (long long)t);
        put_cut(out, cap, b, strlen(b));
        return;
    }
    buf_t b = {0};
    size_t got = 0;
    for (size_t i = 0; i < n && b.len < cap; i++) {
        size_t mark = b.len;
        if (got) buf_putc(&b, ',');
        if (cell_value(vals[i], type, &b)) got++;
        else b.len = mark; /* a value of another type: left out */
    }
    if (!got) put_cut(out, cap, "", 0);
    else put_cut(out, cap, b.data, b.len);
    buf_free(&b);
}

bool printcols_date_of(const char *v, long long *epoch_s)
{
    if (!v || v[0] != PRINTCOLS_DATE_MARK) return false;
    *epoch_s = strtoll(v + 1, NULL, 10);
    return true;
}

/* ---------------------------------------------------------------- table */

typedef struct pver {
    char *version;
    bool storage;
    printcols_column_t cols[PRINTCOLS_MAX];
    const char *names[PRINTCOLS_MAX + 1];
    printcols_set_t set;
} pver_t;

typedef struct pkind {
    char *signature; /* what the columns were built from */
    pver_t *vers;
    size_t nvers;
    const pver_t *cur; /* the version objects were last projected with */
} pkind_t;

struct printcols {
    map_t kinds; /* canonical kind → pkind_t* */
};

printcols_t *printcols_new(void)
{
    return xcalloc(1, sizeof(printcols_t));
}

static void pkind_free(pkind_t *k)
{
    if (!k) return;
    for (size_t i = 0; i < k->nvers; i++) {
        pver_t *v = &k->vers[i];
        for (size_t c = 0; c < v->set.n; c++) {
            printcols_column_t *col = &v->cols[c];
            free(col->name);
            free(col->type);
            free(col->json_path);
            free(col->description);
            printcols_path_free(col->path);
        }
        free(v->version);
    }
    free(k->vers);
    free(k->signature);
    free(k);
}

void printcols_free(printcols_t *t)
{
    if (!t) return;
    map_slot_t *sl;
    for (size_t it = 0; map_next(&t->kinds, &it, &sl);) pkind_free(sl->val);
    map_free(&t->kinds);
    free(t);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Build one version's columns from its additionalPrinterColumns (key is
 * "jsonPath", or "JSONPath" in apiextensions v1beta1). */
static void build_version(pver_t *v, const cJSON *cols, buf_t *sig)
{
    const cJSON *c;
    size_t seen = 0;
    v->set.cols = v->cols;
    v->set.names = v->names;
    cJSON_ArrayForEach(c, cols)
    {
        if (v->set.n == PRINTCOLS_MAX || seen++ > 64) break;
        const char *name = jstr(c, "name"), *path = jstr(c, "jsonPath");
        if (!path) path = jstr(c, "JSONPath");
        if (!name || !*name || !path) continue;
        char up[64];
        size_t k = 0;
        for (; name[k] && k + 1 < sizeof up; k++) up[k] = (char)toupper((unsigned char)name[k]);
        up[k] = '\0';
        /* AGE is the API's own column (from the creation time), always last */
        if (!strcmp(up, "AGE")) continue;
        bool dup = false;
        for (size_t j = 0; j < v->set.n; j++) dup |= !strcmp(v->cols[j].name, up);
        if (dup) continue;
        printcols_column_t *col = &v->cols[v->set.n];
        const char *type = jstr(c, "type");
        const cJSON *prio = cJSON_GetObjectItemCaseSensitive(c, "priority");
        const char *desc = jstr(c, "description");
        col->name = xstrdup(up);
        col->type = xstrdup(type ? type : "string");
        col->ctype = printcols_type(type);
        col->json_path = xstrdup(path);
        col->description = xstrdup(desc ? desc : "");
        col->priority = cJSON_IsNumber(prio) && prio->valuedouble > 0 ? (prio->valuedouble > 1000 ? 1000 : (int)prio->valuedouble) : 0;
        err_t e = {0};
        col->path = printcols_path_compile(path, &e);
        v->names[v->set.n] = col->name;
        v->set.n++;
        buf_printf(sig, "%s\x1f%s\x1f%s\x1f%d\x1f%s\x1e", col->name, col->type, col->json_path, col->priority,
                   col->description);
    }
    v->names[v->set.n] = "AGE";
}

/* The kind's record from a CRD, or NULL when it declares no printer
 * columns in any served version. */
static pkind_t *build_kind(const cJSON *spec)
{
    pkind_t *k = xcalloc(1, sizeof *k);
    buf_t sig = {0};
    const cJSON *vers = cJSON_GetObjectItemCaseSensitive(spec, "versions"), *v;
    const cJSON *top_cols = cJSON_GetObjectItemCaseSensitive(spec, "additionalPrinterColumns");
    const char *top_version = jstr(spec, "version");
    size_t nv = 0, any = 0;
    cJSON_ArrayForEach(v, vers) nv++;
    if (nv > 32) nv = 32;
    if (!nv && top_version) nv = 1;
    k->vers = xcalloc(nv ? nv : 1, sizeof *k->vers);
    if (cJSON_GetArraySize(vers) == 0 && top_version) {
        pver_t *pv = &k->vers[k->nvers++];
        pv->version = xstrdup(top_version);
        pv->storage = true;
        buf_printf(&sig, "%s\x1d", top_version);
        build_version(pv, top_cols, &sig);
        any += pv->set.n;
    } else {
        cJSON_ArrayForEach(v, vers)
        {
            if (k->nvers == nv) break;
            const char *name = jstr(v, "name");
            if (!name || cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "served"))) continue;
            pver_t *pv = &k->vers[k->nvers++];
            pv->version = xstrdup(name);
            pv->storage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "storage"));
            const cJSON *cols = cJSON_GetObjectItemCaseSensitive(v, "additionalPrinterColumns");
            buf_printf(&sig, "%s%s\x1d", name, pv->storage ? "*" : "");
            build_version(pv, cols ? cols : top_cols, &sig);
            any += pv->set.n;
        }
    }
    k->signature = sig.data ? buf_steal(&sig) : xstrdup("");
    if (!any) {
        pkind_free(k);
        return NULL;
    }
    return k;
}

static const pver_t *storage_version(const pkind_t *k)
{
    for (size_t i = 0; i < k->nvers; i++)
        if (k->vers[i].storage) return &k->vers[i];
    return k->nvers ? &k->vers[0] : NULL;
}

bool printcols_crd(printcols_t *t, bool deleted, const cJSON *crd, char *kind, size_t kindsz)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
    const char *group = jstr(spec, "group");
    const char *kname = jstr(cJSON_GetObjectItemCaseSensitive(spec, "names"), "kind");
    if (!group || !*group || !kname || !*kname) return false;
    if (strlen(group) + strlen(kname) + 2 > 320) return false;
    char id[320];
    snprintf(id, sizeof id, "%s.%s", kname, group);
    if (kind && kindsz) snprintf(kind, kindsz, "%s", id);
    pkind_t *old = map_gets(&t->kinds, id);
    if (deleted) {
        if (!old) return false;
        map_dels(&t->kinds, id);
        pkind_free(old);
        return true;
    }
    pkind_t *k = build_kind(spec);
    if (!k && !old) return false;
    if (k && old && !strcmp(k->signature, old->signature)) {
        pkind_free(k);
        return false;
    }
    if (old) {
        map_dels(&t->kinds, id);
        pkind_free(old);
    }
    if (k) {
        k->cur = storage_version(k);
        map_puts(&t->kinds, id, k);
    }
    return true;
}

const printcols_set_t *printcols_use(printcols_t *t, const char *kind, const char *version)
{
    if (!t || !kind) return NULL;
    pkind_t *k = map_gets(&t->kinds, kind);
    if (!k) return NULL;
    const pver_t *v = NULL;
    for (size_t i = 0; version && i < k->nvers && !v; i++)
        if (!strcmp(k->vers[i].version, version)) v = &k->vers[i];
    if (!v) v = storage_version(k);
    k->cur = v;
    return v && v->set.n ? &v->set : NULL;
}

const printcols_set_t *printcols_find(const printcols_t *t, const char *kind)
{
    if (!t || !kind) return NULL;
    const pkind_t *k = map_gets(&t->kinds, kind);
    if (!k || !k->cur || !k->cur->set.n) return NULL;
    return &k->cur->set;
}
