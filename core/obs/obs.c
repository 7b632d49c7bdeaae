/* obs.c — Prometheus registry; see obs.h. */
#include "obs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/map.h"
#include "base/mem.h"

enum { OBS_COUNTER, OBS_GAUGE, OBS_HISTOGRAM };

typedef struct series {
    char **values; /* one per label */
    double value;  /* counter / gauge; histogram sum */
    uint64_t count;
    uint64_t *buckets; /* cumulative counts per bound, histogram only */
} series_t;

struct obs_metric {
    int type;
    char *name, *help;
    char **labels;
    size_t nlabels;
    double *bounds;
    size_t nbounds;
    map_t series; /* joined label values → series_t* */
    /* registration order, so output is stable for diffing and tests */
    series_t **order;
    size_t norder, cap_order;
    obs_registry_t *reg;
};

typedef struct collect_hook {
    void (*fn)(obs_registry_t *, void *);
    void *ud;
} collect_hook_t;

struct obs_registry {
    obs_metric_t **metrics;
    size_t n, cap;
    collect_hook_t hooks[8];
    size_t nhooks;
    obs_metric_t *dropped;
};

static const double default_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,  5,     10};

obs_registry_t *obs_registry_new(void)
{
    obs_registry_t *r = xcalloc(1, sizeof *r);
    r->dropped = obs_counter(r, "obs_series_dropped_total",
                             "Samples refused because a metric reached its series limit.", "metric");
    return r;
}

static void series_free(series_t *s, size_t nlabels)
{
    for (size_t i = 0; i < nlabels; i++) free(s->values[i]);
    free(s->values);
    free(s->buckets);
    free(s);
}

static void metric_free(obs_metric_t *m)
{
    for (size_t i = 0; i < m->norder; i++) series_free(m->order[i], m->nlabels);
    free(m->order);
    map_free(&m->series);
    for (size_t i = 0; i < m->nlabels; i++) free(m->labels[i]);
    free(m->labels);
    free(m->bounds);
    free(m->name);
    free(m->help);
    free(m);
}

void obs_registry_free(obs_registry_t *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) metric_free(r->metrics[i]);
    free(r->metrics);
    free(r);
}

static obs_metric_t *metric_new(obs_registry_t *r, int type, const char *name, const char *help,
                                const char *labels)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->metrics[i]->name, name) == 0) return r->metrics[i]->type == type ? r->metrics[i] : NULL;
    obs_metric_t *m = xcalloc(1, sizeof *m);
    m->type = type;
    m->name = xstrdup(name);
    m->help = xstrdup(help);
    m->reg = r;
    if (labels && *labels) {
        const char *p = labels;
        for (;;) {
            const char *c = strchr(p, ',');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            m->labels = xrealloc(m->labels, (m->nlabels + 1) * sizeof *m->labels);
            m->labels[m->nlabels++] = xstrndup(p, n);
            if (!c) break;
            p = c + 1;
        }
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->metrics = xrealloc(r->metrics, r->cap * sizeof *r->metrics);
    }
    r->metrics[r->n++] = m;
    return m;
}

obs_metric_t *obs_counter(obs_registry_t *r, const char *name, const char *help, const char *labels)
{
    return metric_new(r, OBS_COUNTER, name, help, labels);
}

obs_metric_t *obs_gauge(obs_registry_t *r, const char *name, const char *help, const char *labels)
{
    return metric_new(r, OBS_GAUGE, name, help, labels);
}

obs_metric_t *obs_histogram(obs_registry_t *r, const char *name, const char *help, const char *labels,
                            const double *buckets, size_t nbuckets)
{
    obs_metric_t *m = metric_new(r, OBS_HISTOGRAM, name, help, labels);
    if (!m || m->bounds) return m;
    if (!buckets) buckets = default_buckets, nbuckets = sizeof default_buckets / sizeof *default_buckets;
    m->bounds = xmemdup(buckets, nbuckets * sizeof *buckets);
    m->nbounds = nbuckets;
    return m;
}

/* Label values joined with NUL separators form the series key. */
static void series_key(const obs_metric_t *m, const char *const *values, buf_t *k)
{
    for (size_t i = 0; i < m->nlabels; i++) {
        const char *v = values && values[i] ? values[i] : "";
        buf_append(k, v, strlen(v) + 1);
    }
}

static series_t *series_get(obs_metric_t *m, const char *const *values, int create)
{
    buf_t k = {0};
    series_key(m, values, &k);
    series_t *s = map_get(&m->series, k.data ? k.data : "", k.len);
    if (!s && create) {
        if (m->series.len >= OBS_MAX_SERIES) {
            if (m != m->reg->dropped) obs_add(m->reg->dropped, 1, (const char *[]){m->name});
            buf_free(&k);
            return NULL;
        }
        s = xcalloc(1, sizeof *s);
        s->values = xcalloc(m->nlabels ? m->nlabels : 1, sizeof *s->values);
        for (size_t i = 0; i < m->nlabels; i++) s->values[i] = xstrdup(values && values[i] ? values[i] : "");
        if (m->type == OBS_HISTOGRAM) s->buckets = xcalloc(m->nbounds, sizeof *s->buckets);
        map_put(&m->series, k.data ? k.data : "", k.len, s);
        if (m->norder == m->cap_order) {
            m->cap_order = m->cap_order ? m->cap_order * 2 : 8;
            m->order = xrealloc(m->order, m->cap_order * sizeof *m->order);
        }
        m->order[m->norder++] = s;
    }
    buf_free(&k);
    return s;
}

void obs_add(obs_metric_t *m, double v, const char *const *values)
{
    series_t *s = m ? series_get(m, values, 1) : NULL;
    if (s) s->value += v;
}

void obs_set(obs_metric_t *m, double v, const char *const *values)
{
    series_t *s = m ? series_get(m, values, 1) : NULL;
    if (s) s->value = v;
}

void obs_observe(obs_metric_t *m, double v, const char *const *values)
{
    series_t *s = m ? series_get(m, values, 1) : NULL;
    if (!s) return;
    s->value += v;
    s->count++;
    for (size_t i = 0; i < m->nbounds; i++)
        if (v <= m->bounds[i]) s->buckets[i]++;
}

double obs_value(obs_metric_t *m, const char *const *values)
{
    series_t *s = m ? series_get(m, values, 0) : NULL;
    return s ? s->value : 0;
}

void obs_remove(obs_metric_t *m, const char *const *values)
{
    buf_t k = {0};
    series_key(m, values, &k);
    series_t *s = map_del(&m->series, k.data ? k.data : "", k.len);
    buf_free(&k);
    if (!s) return;
    for (size_t i = 0; i < m->norder; i++)
        if (m->order[i] == s) {
            memmove(&m->order[i], &m->order[i + 1], (m->norder - i - 1) * sizeof *m->order);
            m->norder--;
            break;
        }
    series_free(s, m->nlabels);
}

void obs_clear(obs_metric_t *m)
{
    for (size_t i = 0; i < m->norder; i++) series_free(m->order[i], m->nlabels);
    m->norder = 0;
    map_free(&m->series);
}

void obs_on_collect(obs_registry_t *r, void (*fn)(obs_registry_t *, void *), void *ud)
{
    if (r->nhooks < sizeof r->hooks / sizeof *r->hooks) r->hooks[r->nhooks++] = (collect_hook_t){fn, ud};
}

void obs_off_collect(obs_registry_t *r, void (*fn)(obs_registry_t *, void *), void *ud)
{
    for (size_t i = 0; i < r->nhooks; i++)
        if (r->hooks[i].fn == fn && r->hooks[i].ud == ud) {
            memmove(&r->hooks[i], &r->hooks[i + 1], (r->nhooks - i - 1) * sizeof *r->hooks);
            r->nhooks--;
            return;
        }
}

static void put_label_value(buf_t *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\') buf_puts(b, "\\\\");
        else if (*v == '"') buf_puts(b, "\\\"");
        else if (*v == '\n') buf_puts(b, "\\n");
        else buf_putc(b, *v);
    }
}

static void put_number(buf_t *b, double v)
{
    if (isnan(v)) buf_puts(b, "NaN");
    else if (isinf(v)) buf_puts(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == (double)(int64_t)v && fabs(v) < 1e15) buf_put_i64(b, (int64_t)v);
    else {
        /* shortest form that reads back exactly */
        char t[32];
        snprintf(t, sizeof t, "%.15g", v);
        if (strtod(t, NULL) != v) snprintf(t, sizeof t, "%.17g", v);
        buf_puts(b, t);
    }
}

/* name{l1="v1",…[,extra]} value */
static void put_sample(buf_t *b, const obs_metric_t *m, const char *suffix, const series_t *s,
                       const char *extra_name, const char *extra_value, double v)
{
    buf_puts(b, m->name);
    buf_puts(b, suffix);
    if (m->nlabels || extra_name) {
        buf_putc(b, '{');
        for (size_t i = 0; i < m->nlabels; i++) {
            if (i) buf_putc(b, ',');
            buf_printf(b, "%s=\"", m->labels[i]);
            put_label_value(b, s->values[i]);
            buf_putc(b, '"');
        }
        if (extra_name) buf_printf(b, "%s%s=\"%s\"", m->nlabels ? "," : "", extra_name, extra_value);
        buf_putc(b, '}');
    }
    buf_putc(b, ' ');
    put_number(b, v);
    buf_putc(b, '\n');
}

void obs_render(obs_registry_t *r, buf_t *out)
{
    static const char *type_names[] = {"counter", "gauge", "histogram"};
    for (size_t i = 0; i < r->nhooks; i++) r->hooks[i].fn(r, r->hooks[i].ud);
    for (size_t i = 0; i < r->n; i++) {
        obs_metric_t *m = r->metrics[i];
        buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, type_names[m->type]);
        for (size_t j = 0; j < m->norder; j++) {
            series_t *s = m->order[j];
            if (m->type != OBS_HISTOGRAM) {
                put_sample(out, m, "", s, NULL, NULL, s->value);
                continue;
            }
            char le[32];
            for (size_t k = 0; k < m->nbounds; k++) {
                snprintf(le, sizeof le, "%g", m->bounds[k]);
                put_sample(out, m, "_bucket", s, "le", le, (double)s->buckets[k]);
            }
            put_sample(out, m, "_bucket", s, "le", "+Inf", (double)s->count);
            put_sample(out, m, "_sum", s, NULL, NULL, s->value);
            put_sample(out, m, "_count", s, NULL, NULL, (double)s->count);
        }
    }
}

double obs_process_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
    return (double)rss * (double)sysconf(_SC_PAGESIZE);
}
