/* faults.c — the --faults spec language and its dice; see faults.h. */
#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

enum { A_STATUS, A_LATENCY, A_DROP, A_GONE };

typedef struct rule {
    char *verbs;   /* ",list,watch," or NULL for any */
    char *pattern;
    int action;
    int status, retry_after;
    uint64_t ms;
    double rate;
} rule_t;

struct sim_faults {
    rule_t *rules;
    int n;
    int inflight;
    uint64_t rng;
};

static double roll(sim_faults_t *f)
{
    uint64_t x = f->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    f->rng = x;
    return (double)(x >> 11) / 9007199254740992.0;
}

/* "200ms", "1s", "1.5s", "2m"; -1 when malformed. */
static long long parse_duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    if (strcmp(end, "ms") == 0) return (long long)v;
    if (strcmp(end, "s") == 0 || *end == '\0') return (long long)(v * 1000);
    if (strcmp(end, "m") == 0) return (long long)(v * 60000);
    return -1;
}

static bool glob(const char *p, const char *s)
{
    if (*p == '\0') return *s == '\0';
    if (*p == '*') {
        for (;;) {
            if (glob(p + 1, s)) return true;
            if (!*s) return false;
            s++;
        }
    }
    return *s == *p && glob(p + 1, s + 1);
}

void sim_faults_free(sim_faults_t *f)
{
    if (!f) return;
    for (int i = 0; i < f->n; i++) {
        free(f->rules[i].verbs);
        free(f->rules[i].pattern);
    }
    free(f->rules);
    free(f);
}

static int parse_rule(sim_faults_t *f, char *r, err_t *err)
{
    char *eq = strchr(r, '=');
    if (!eq) return err_set(err, ERR_INVALID, "--faults: rule \"%s\" has no '='", r);
    *eq = '\0';
    char *lhs = r, *rhs = eq + 1;
    if (strcmp(lhs, "inflight") == 0) {
        char *end;
        long n = strtol(rhs, &end, 10);
        if (*end || n <= 0) return err_set(err, ERR_INVALID, "--faults: inflight=%s is not a positive count", rhs);
        f->inflight = (int)n;
        return 0;
    }
    rule_t rule = {.rate = 1.0};
    char *colon = strchr(lhs, ':');
    if (colon && lhs[0] != '/') {
        *colon = '\0';
        if (strcmp(lhs, "*") != 0) {
            size_t n = strlen(lhs) + 3;
            rule.verbs = xmalloc(n);
            snprintf(rule.verbs, n, ",%s,", lhs);
        }
        lhs = colon + 1;
    }
    if (!*lhs) return err_set(err, ERR_INVALID, "--faults: a rule needs a path pattern");
    rule.pattern = xstrdup(lhs);
    char *at = strchr(rhs, '@');
    char *rate = NULL;
    if (at) {
        *at = '\0';
        rate = at + 1;
    }
    if (strncmp(rhs, "latency:", 8) == 0) {
        long long ms = parse_duration(rhs + 8);
        if (ms < 0) goto bad_action;
        rule.action = A_LATENCY;
        rule.ms = (uint64_t)ms;
    } else if (strcmp(rhs, "drop") == 0) {
        rule.action = A_DROP;
        rule.ms = 5000;
    } else if (strcmp(rhs, "gone") == 0) {
        rule.action = A_GONE;
    } else {
        char *end;
        long code = strtol(rhs, &end, 10);
        if (code != 429 && code != 500 && code != 503) goto bad_action;
        rule.action = A_STATUS;
        rule.status = (int)code;
        rule.retry_after = code == 429 ? 1 : 0;
        if (*end == ':') {
            long ra = strtol(end + 1, &end, 10);
            if (ra < 0) goto bad_action;
            rule.retry_after = (int)ra;
        }
        if (*end) goto bad_action;
    }
    if (rate) {
        if (rule.action == A_DROP) {
            long long ms = parse_duration(rate);
            if (ms <= 0) {
                err_set(err, ERR_INVALID, "--faults: drop@%s needs a duration such as 5s", rate);
                goto fail;
            }
            rule.ms = (uint64_t)ms;
        } else {
            char *end;
            rule.rate = strtod(rate, &end);
            if (*end || rule.rate < 0 || rule.rate > 1) {
                err_set(err, ERR_INVALID, "--faults: rate @%s is not a probability between 0 and 1", rate);
                goto fail;
            }
        }
    }
    f->rules = xrealloc(f->rules, (size_t)(f->n + 1) * sizeof *f->rules);
    f->rules[f->n++] = rule;
    return 0;
bad_action:
    err_set(err, ERR_INVALID, "--faults: unknown action \"%s\" (429[:s], 500, 503[:s], latency:D, drop, gone)", rhs);
fail:
    free(rule.verbs);
    free(rule.pattern);
    return ERR_INVALID;
}

sim_faults_t *sim_faults_parse(const char *spec, uint64_t seed, err_t *err)
{
    sim_faults_t *f = xcalloc(1, sizeof *f);
    f->rng = seed ? seed : 0x2545F4914F6CDD1Dull;
    if (!spec) return f;
    char *copy = xstrdup(spec);
    for (char *s = copy, *save = NULL, *r; (r = strtok_r(s, ";", &save)); s = NULL) {
        while (*r == ' ') r++;
        if (!*r) continue;
        if (parse_rule(f, r, err) < 0) {
            free(copy);
            sim_faults_free(f);
            return NULL;
        }
    }
    free(copy);
    return f;
}

int sim_faults_max_inflight(const sim_faults_t *f) { return f ? f->inflight : 0; }

static bool verb_ok(const rule_t *r, const char *verb)
{
    if (!r->verbs) return true;
    char v[64];
    snprintf(v, sizeof v, ",%s,", verb);
    return strstr(r->verbs, v) != NULL;
}

void sim_faults_decide(sim_faults_t *f, const char *verb, const char *path, sim_fault_t *out)
{
    memset(out, 0, sizeof *out);
    if (!f) return;
    bool have_status = false, have_latency = false, have_drop = false;
    for (int i = 0; i < f->n; i++) {
        rule_t *r = &f->rules[i];
        if (!verb_ok(r, verb) || !glob(r->pattern, path)) continue;
        switch (r->action) {
        case A_LATENCY:
            if (!have_latency && roll(f) < r->rate) out->latency_ms = r->ms;
            have_latency = true;
            break;
        case A_DROP:
            if (!have_drop) out->drop_after_ms = r->ms;
            have_drop = true;
            break;
        case A_STATUS:
        case A_GONE:
            if (have_status || roll(f) >= r->rate) break;
            have_status = true;
            out->action = r->action == A_GONE ? SIM_FAULT_GONE : SIM_FAULT_STATUS;
            out->status = r->action == A_GONE ? 410 : r->status;
            out->retry_after = r->retry_after;
            break;
        }
    }
}
