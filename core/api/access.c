/* access.c — per-identity visibility decisions with a TTL; see access.h. */
#include "api/access.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"

/* ---- rules ---- */

static char **str_array(const cJSON *a, size_t *n)
{
    *n = 0;
    if (!cJSON_IsArray(a)) return NULL;
    size_t cap = (size_t)cJSON_GetArraySize(a);
    char **v = xcalloc(cap ? cap : 1, sizeof *v);
    const cJSON *it;
    cJSON_ArrayForEach(it, a) if (cJSON_IsString(it)) v[(*n)++] = xstrdup(it->valuestring);
    return v;
}

int api_rules_parse(const char *body, size_t len, api_rules_t *out)
{
    memset(out, 0, sizeof *out);
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (!doc) return ERR_INVALID;
    const cJSON *rr = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "status"), "resourceRules");
    size_t cap = cJSON_IsArray(rr) ? (size_t)cJSON_GetArraySize(rr) : 0;
    out->v = xcalloc(cap ? cap : 1, sizeof *out->v);
    const cJSON *it;
    cJSON_ArrayForEach(it, rr)
    {
        api_rule_t *r = &out->v[out->n++];
        r->verbs = str_array(cJSON_GetObjectItemCaseSensitive(it, "verbs"), &r->nverbs);
        r->groups = str_array(cJSON_GetObjectItemCaseSensitive(it, "apiGroups"), &r->ngroups);
        r->resources = str_array(cJSON_GetObjectItemCaseSensitive(it, "resources"), &r->nresources);
        const cJSON *names = cJSON_GetObjectItemCaseSensitive(it, "resourceNames");
        r->named = cJSON_IsArray(names) && cJSON_GetArraySize(names) > 0;
    }
    cJSON_Delete(doc);
    return 0;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void api_rules_free(api_rules_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        strv_free(r->v[i].verbs, r->v[i].nverbs);
        strv_free(r->v[i].groups, r->v[i].ngroups);
        strv_free(r->v[i].resources, r->v[i].nresources);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

static bool has(char *const *v, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], "*") == 0 || strcmp(v[i], want) == 0) return true;
    return false;
}

bool api_rules_allow(const api_rules_t *r, const char *verb, const char *group, const char *resource)
{
    for (size_t i = 0; i < r->n; i++) {
        const api_rule_t *x = &r->v[i];
        if (x->named) continue;
        if (has(x->verbs, x->nverbs, verb) && has(x->groups, x->ngroups, group) &&
            has(x->resources, x->nresources, resource))
            return true;
    }
    return false;
}

static uint64_t rules_hash(const api_rules_t *r)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < r->n; i++) {
        const api_rule_t *x = &r->v[i];
        char *const *lists[3] = {x->verbs, x->groups, x->resources};
        size_t ns[3] = {x->nverbs, x->ngroups, x->nresources};
        for (int l = 0; l < 3; l++) {
            for (size_t k = 0; k < ns[l]; k++) h = (h ^ hash_bytes(lists[l][k], strlen(lists[l][k]))) * 1099511628211ull;
            h = (h ^ (uint64_t)(l + 1)) * 1099511628211ull;
        }
        h = (h ^ (x->named ? 7u : 3u)) * 1099511628211ull;
    }
    return h;
}

/* ---- views ---- */

typedef struct dec {
    bool known, pending;
    int64_t expires_ms;
    bool allowed;      /* ADMIN, CLUSTER */
    api_rules_t rules; /* NS */
    uint64_t hash;     /* NS: rules_hash */
} dec_t;

struct api_wait {
    api_wait_t *prev, *next;
    api_view_t *v;
    char **nss, **cres;
    size_t nns, ncres;
    void (*cb)(void *ud);
    void *ud;
};

struct api_view {
    api_access_t *a; /* NULL once detached */
    char *key;       /* cluster \0 idkey */
    size_t klen;
    const char *idkey;
    size_t idlen;
    int refs;        /* owners + fetches in flight */
    void *data;
    uint64_t gen;
    int64_t last_used;
    dec_t admin;
    map_t ns, cres; /* name → dec_t* */
    api_wait_t *waits;
};

struct api_access {
    api_access_fetcher_t f;
    int ttl_ms, neg_ttl_ms;
    map_t views;
};

api_access_t *api_access_new(const api_access_fetcher_t *f, int ttl_ms, int neg_ttl_ms)
{
    api_access_t *a = xcalloc(1, sizeof *a);
    a->f = *f;
    a->ttl_ms = ttl_ms < 1000 ? 1000 : ttl_ms;
    a->neg_ttl_ms = neg_ttl_ms < 1000 ? 1000 : neg_ttl_ms;
    return a;
}

static void decmap_free(map_t *m)
{
    map_slot_t *s;
    for (size_t it = 0; map_next(m, &it, &s);) {
        dec_t *d = s->val;
        api_rules_free(&d->rules);
        free(d);
    }
    map_free(m);
}

static void view_free(api_view_t *v)
{
    while (v->waits) {
        api_wait_t *w = v->waits;
        v->waits = w->next;
        strv_free(w->nss, w->nns);
        strv_free(w->cres, w->ncres);
        free(w);
    }
    api_rules_free(&v->admin.rules);
    decmap_free(&v->ns);
    decmap_free(&v->cres);
    free(v->key);
    free(v);
}

void api_access_free(api_access_t *a)
{
    if (!a) return;
    map_slot_t *s;
    for (size_t it = 0; map_next(&a->views, &it, &s);) {
        api_view_t *v = s->val;
        v->a = NULL;
        if (v->refs == 0) view_free(v);
    }
    map_free(&a->views);
    free(a);
}

api_view_t *api_access_view(api_access_t *a, const char *idkey, size_t idlen, const char *cluster)
{
    size_t cl = strlen(cluster);
    size_t klen = cl + 1 + idlen;
    char *key = xmalloc(klen + 1);
    memcpy(key, cluster, cl + 1);
    memcpy(key + cl + 1, idkey, idlen);
    key[klen] = '\0';
    api_view_t *v = map_get(&a->views, key, klen);
    if (v) {
        free(key);
        v->refs++;
        return v;
    }
    v = xcalloc(1, sizeof *v);
    v->a = a;
    v->key = key;
    v->klen = klen;
    v->idkey = key + cl + 1;
    v->idlen = idlen;
    v->refs = 1;
    map_put(&a->views, v->key, v->klen, v);
    return v;
}

static void unref(api_view_t *v)
{
    if (--v->refs > 0) return;
    if (!v->a) view_free(v); /* detached: nobody else can find it */
}

void api_view_release(api_view_t *v)
{
    if (v) unref(v);
}

static void view_drop(api_access_t *a, api_view_t *v)
{
    map_del(&a->views, v->key, v->klen);
    v->a = NULL;
    if (v->refs == 0) view_free(v);
}

void api_access_forget_cluster(api_access_t *a, const char *cluster)
{
    size_t n = 0, cap = a->views.len;
    api_view_t **drop = xcalloc(cap ? cap : 1, sizeof *drop);
    map_slot_t *s;
    for (size_t it = 0; map_next(&a->views, &it, &s);) {
        api_view_t *v = s->val;
        if (!cluster || strcmp(v->key, cluster) == 0) drop[n++] = v;
    }
    for (size_t i = 0; i < n; i++) view_drop(a, drop[i]);
    free(drop);
}

void api_access_sweep(api_access_t *a, int64_t now_ms)
{
    size_t n = 0, cap = a->views.len;
    api_view_t **drop = xcalloc(cap ? cap : 1, sizeof *drop);
    map_slot_t *s;
    int64_t keep = a->ttl_ms > 60000 ? a->ttl_ms : 60000;
    for (size_t it = 0; map_next(&a->views, &it, &s);) {
        api_view_t *v = s->val;
        if (v->refs == 0 && now_ms - v->last_used > keep) drop[n++] = v;
    }
    for (size_t i = 0; i < n; i++) view_drop(a, drop[i]);
    free(drop);
}

size_t api_access_views(const api_access_t *a) { return a->views.len; }
const char *api_view_cluster(const api_view_t *v) { return v->key; }
const char *api_view_idkey(const api_view_t *v, size_t *len)
{
    *len = v->idlen;
    return v->idkey;
}
void *api_view_data(const api_view_t *v) { return v->data; }
void api_view_set_data(api_view_t *v, void *data) { v->data = data; }
uint64_t api_view_generation(const api_view_t *v) { return v->gen; }
bool api_view_is_admin(const api_view_t *v) { return v->admin.known && v->admin.allowed; }

static bool fresh(const dec_t *d, int64_t now) { return d->known && now < d->expires_ms; }

static void start(api_view_t *v, dec_t *d, int what, const char *name)
{
    if (d->pending || !v->a) return;
    d->pending = true;
    v->refs++; /* released by the answer */
    v->a->f.fetch(v->a->f.ud, v, what, name);
}

static dec_t *dec_get(map_t *m, const char *name)
{
    dec_t *d = map_gets(m, name);
    if (!d) {
        d = xcalloc(1, sizeof *d);
        map_puts(m, name, d);
    }
    return d;
}

/* Start what is missing; true when nothing is. */
static bool satisfy(api_view_t *v, int64_t now, char *const *nss, size_t nns, char *const *cres, size_t ncres)
{
    if (!fresh(&v->admin, now)) {
        start(v, &v->admin, API_ASK_ADMIN, "");
        return false;
    }
    if (v->admin.allowed) return true;
    bool ok = true;
    for (size_t i = 0; i < nns; i++) {
        dec_t *d = dec_get(&v->ns, nss[i]);
        if (!fresh(d, now)) {
            ok = false;
            start(v, d, API_ASK_NS, nss[i]);
        }
    }
    for (size_t i = 0; i < ncres; i++) {
        dec_t *d = dec_get(&v->cres, cres[i]);
        if (!fresh(d, now)) {
            ok = false;
            start(v, d, API_ASK_CLUSTER, cres[i]);
        }
    }
    return ok;
}

static char **strv_dup(const char *const *v, size_t n)
{
    char **o = xcalloc(n ? n : 1, sizeof *o);
    for (size_t i = 0; i < n; i++) o[i] = xstrdup(v[i]);
    return o;
}

bool api_view_need(api_view_t *v, int64_t now_ms, const char *const *nss, size_t nns, const char *const *cres,
                   size_t ncres, void (*cb)(void *ud), void *ud, api_wait_t **wait)
{
    *wait = NULL;
    v->last_used = now_ms;
    if (satisfy(v, now_ms, (char *const *)nss, nns, (char *const *)cres, ncres)) return true;
    api_wait_t *w = xcalloc(1, sizeof *w);
    w->v = v;
    w->nss = strv_dup(nss, nns);
    w->nns = nns;
    w->cres = strv_dup(cres, ncres);
    w->ncres = ncres;
    w->cb = cb;
    w->ud = ud;
    w->next = v->waits;
    if (v->waits) v->waits->prev = w;
    v->waits = w;
    v->refs++;
    *wait = w;
    return false;
}

static void wait_unlink(api_wait_t *w)
{
    api_view_t *v = w->v;
    if (w->prev) w->prev->next = w->next;
    else v->waits = w->next;
    if (w->next) w->next->prev = w->prev;
    strv_free(w->nss, w->nns);
    strv_free(w->cres, w->ncres);
    free(w);
}

void api_wait_cancel(api_wait_t *w)
{
    if (!w) return;
    api_view_t *v = w->v;
    wait_unlink(w);
    unref(v);
}

/* After an answer: every wait that is now complete runs. A wait's callback
 * may cancel other waits or release the view, so restart the scan after
 * each callback. */
static void recheck(api_view_t *v, int64_t now)
{
    v->refs++;
    for (bool again = true; again;) {
        again = false;
        for (api_wait_t *w = v->waits; w; w = w->next) {
            if (!satisfy(v, now, w->nss, w->nns, w->cres, w->ncres)) continue;
            void (*cb)(void *) = w->cb;
            void *ud = w->ud;
            wait_unlink(w);
            v->refs--; /* the wait's reference; the scan's keeps v alive */
            cb(ud);
            again = true;
            break;
        }
    }
    unref(v);
}

static void answered(api_view_t *v, bool changed, int64_t now)
{
    if (changed) {
        v->gen++;
        if (v->a && v->a->f.changed) v->a->f.changed(v->a->f.ud, v);
    }
    recheck(v, now);
    unref(v); /* the fetch's reference */
}

void api_view_answer_admin(api_view_t *v, bool ok, bool allowed, int64_t now_ms)
{
    dec_t *d = &v->admin;
    if (!d->pending) return; /* a stray or repeated answer holds no reference */
    bool was = d->known, before = d->allowed;
    d->pending = false;
    d->known = true;
    d->allowed = ok && allowed;
    int ttl = v->a ? (ok ? v->a->ttl_ms : v->a->neg_ttl_ms) : 1000;
    d->expires_ms = now_ms + ttl;
    answered(v, was && before != d->allowed, now_ms);
}

void api_view_answer_ns(api_view_t *v, const char *ns, bool ok, api_rules_t *rules, int64_t now_ms)
{
    dec_t *d = map_gets(&v->ns, ns);
    if (!d || !d->pending) return;
    bool was = d->known;
    uint64_t before = d->hash;
    api_rules_free(&d->rules);
    d->pending = false;
    d->known = true;
    if (ok && rules) {
        d->rules = *rules;
        memset(rules, 0, sizeof *rules);
    }
    d->hash = rules_hash(&d->rules);
    int ttl = v->a ? (ok ? v->a->ttl_ms : v->a->neg_ttl_ms) : 1000;
    d->expires_ms = now_ms + ttl;
    answered(v, was && before != d->hash, now_ms);
}

void api_view_answer_cluster(api_view_t *v, const char *res, bool ok, bool allowed, int64_t now_ms)
{
    dec_t *d = map_gets(&v->cres, res);
    if (!d || !d->pending) return;
    bool was = d->known, before = d->allowed;
    d->pending = false;
    d->known = true;
    d->allowed = ok && allowed;
    int ttl = v->a ? (ok ? v->a->ttl_ms : v->a->neg_ttl_ms) : 1000;
    d->expires_ms = now_ms + ttl;
    answered(v, was && before != d->allowed, now_ms);
}

int api_view_allows(api_view_t *v, int64_t now_ms, const char *ns, const char *group, const char *resource)
{
    v->last_used = now_ms;
    dec_t *a = &v->admin;
    if (!a->known) {
        start(v, a, API_ASK_ADMIN, "");
        return -1;
    }
    if (!fresh(a, now_ms)) start(v, a, API_ASK_ADMIN, "");
    if (a->allowed) return 1;
    if (!ns || !*ns) {
        char key[512];
        if (*group) snprintf(key, sizeof key, "%s.%s", resource, group);
        else snprintf(key, sizeof key, "%s", resource);
        dec_t *d = dec_get(&v->cres, key);
        if (!fresh(d, now_ms)) start(v, d, API_ASK_CLUSTER, key);
        return d->known ? d->allowed : -1;
    }
    dec_t *d = dec_get(&v->ns, ns);
    if (!fresh(d, now_ms)) start(v, d, API_ASK_NS, ns);
    if (!d->known) return -1;
    return api_rules_allow(&d->rules, "list", group, resource);
}
