/* store.c — objects, indexes, events and relists of one cluster; see store.h.
 *
 * An object is a fixed 72-byte record in one array (handles index it) plus
 * one "tail" allocation of uint32_t words holding, in order: its label pairs
 * (sorted by key id), owner references (store_owner_t), extracted field
 * values (store_fv_t) and list column values (string ids). Everything the
 * tail names is an interned string, so a million pods that share a
 * namespace, labels and column values share those bytes.
 *
 * Indexes:
 *   id_tab    open addressing over handles, keyed by (kind, ns, name) ids
 *   uid_tab   the same keyed by uid
 *   nsk       (ns, kind, 0) → handles; (ns, ANY, 1) → handles of the
 *             namespace. There is no cluster-wide list per kind on
 *             purpose: removing a Pod from a 150,000-entry list is a scan,
 *             and walking a kind namespace by namespace costs nothing more.
 *   labels    (ns, key, value) → handles
 *   owners    (first 12 bytes of the owner uid) → handles of its children
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/map.h"
#include "base/mem.h"
#include "store/store_int.h"

typedef struct store_obj {
    uint32_t kind, ns, name, hash;
    uint8_t uid[16];
    uint64_t rv;
    uint32_t *tail;
    /* Hash of what labels, owners and fields were projected from: when an
     * event carries the same inputs (a status update), that part of the
     * tail is kept as it is, without touching the intern table. */
    uint64_t inhash;
    uint32_t reason;
    uint32_t created;
    uint32_t pos_nk, pos_n; /* positions in the (ns, kind) and (ns) lists: O(1) removal */
    uint16_t nlabels, nowners, nfields;
    uint8_t ncols, status, gen, live;
    /* Low 32 bits of the store generation of the object's last add or
     * change (store_obj_stamp): fits the record's padding. */
    uint32_t stamp;
} store_obj_t;

typedef struct kind_rec {
    store_kind_t k; /* strings owned */
    uint32_t kind_id;
    uint32_t nobjs;
    uint8_t gen;
    bool synced, stale;
    store_gens_t gens; /* kind-wide (store_kind_gens with STORE_ANY) */
} kind_rec_t;

/* The specs of one kind as a trie of path steps, so that paths sharing a
 * prefix (spec.containers[*].env… and spec.containers[*].envFrom…) walk the
 * object's shared part once. */
typedef struct ptrie ptrie_t;
struct ptrie {
    script_seg_kind_t kind; /* the step leading here */
    char *key;
    int index;
    ptrie_t **kids;
    uint32_t nkids;
    uint32_t *specs; /* indexes into store.specs ending here */
    uint32_t nspecs;
};

typedef struct ktrie {
    uint32_t kind_id; /* INTERN_NONE for "*" */
    ptrie_t *root;
} ktrie_t;

typedef struct spec_rec {
    store_field_spec_t spec;
    uint32_t kind_id; /* INTERN_NONE for "*" */
} spec_rec_t;

struct store {
    char *cluster;
    intern_t str;
    store_obj_t *objs;
    uint32_t nobjs, cap, live;
    uint32_t *free_ids;
    uint32_t nfree, free_cap;
    uint32_t *id_tab, id_cap, id_len;
    uint32_t *uid_tab, uid_cap, uid_len;
    plist_pool_t pool;
    pindex_t nsk, labels, owners;
    map_t kinds; /* canonical kind → kind_rec_t* */
    kind_rec_t *last_rec;
    spec_rec_t *specs;
    size_t nspecs;
    ktrie_t *tries;
    size_t ntries;
    store_observer_t ob;
    void *ob_ud;
    uint64_t rv, generation;
    map_t nsgens; /* (ns, kind) ids, 8 bytes → store_gens_t*; dropped with the (ns, kind) list */
    printcols_t *pcols; /* custom kinds' printer columns, fed by CRD objects (printcols.h) */
    /* scratch reused by every event */
    uint32_t *w;
    size_t wn, wcap;
    buf_t sel;
};

static void tries_free(store_t *s);

#define TAIL_OWNER_WORDS (sizeof(store_owner_t) / 4)
#define TAIL_FV_WORDS (sizeof(store_fv_t) / 4)

/* ---------------------------------------------------------------- basics */

const char *store_status_name(int status)
{
    static const char *const names[] = {"ok", "unknown", "warning", "error"};
    return status >= 0 && status <= 3 ? names[status] : "unknown";
}

store_t *store_new(const char *cluster)
{
    store_t *s = xcalloc(1, sizeof *s);
    s->cluster = xstrdup(cluster ? cluster : "");
    intern_init(&s->str);
    plist_pool_init(&s->pool);
    s->nsk.pool = s->labels.pool = s->owners.pool = &s->pool;
    return s;
}

void store_free(store_t *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->nobjs; i++) free(s->objs[i].tail);
    free(s->objs);
    free(s->free_ids);
    free(s->id_tab);
    free(s->uid_tab);
    tmap_free(&s->nsk.map);
    tmap_free(&s->labels.map);
    tmap_free(&s->owners.map);
    plist_pool_free(&s->pool);
    size_t it = 0;
    map_slot_t *sl;
    while (map_next(&s->kinds, &it, &sl)) {
        kind_rec_t *r = sl->val;
        free((char *)r->k.group);
        free((char *)r->k.version);
        free((char *)r->k.kind);
        free(r);
    }
    map_free(&s->kinds);
    it = 0;
    while (map_next(&s->nsgens, &it, &sl)) free(sl->val);
    map_free(&s->nsgens);
    free(s->specs);
    tries_free(s);
    free(s->w);
    buf_free(&s->sel);
    printcols_free(s->pcols);
    intern_free(&s->str);
    free(s->cluster);
    free(s);
}

const char *store_cluster(const store_t *s)
{
    return s->cluster;
}
intern_t *store_strings(store_t *s)
{
    return &s->str;
}
uint64_t store_resource_version(const store_t *s)
{
    return s->rv;
}
uint64_t store_generation(const store_t *s)
{
    return s->generation;
}
size_t store_count(const store_t *s)
{
    return s->live;
}
uint32_t store_capacity(const store_t *s)
{
    return s->nobjs;
}
bool store_live(const store_t *s, store_oid_t o)
{
    return o < s->nobjs && s->objs[o].live;
}
const char *store_str(const store_t *s, uint32_t id)
{
    return intern_str(&s->str, id);
}

void store_set_observer(store_t *s, const store_observer_t *ob, void *ud)
{
    if (ob)
        s->ob = *ob;
    else
        memset(&s->ob, 0, sizeof s->ob);
    s->ob_ud = ud;
}

void store_kind_id(const char *group, const char *kind, char *out, size_t outsz)
{
    /* On the ingest path (every owner reference): no printf. */
    size_t kl = strlen(kind), gl = group ? strlen(group) : 0, n = 0;
    if (!outsz) return;
    if (kl > outsz - 1) kl = outsz - 1;
    memcpy(out, kind, kl);
    n = kl;
    if (gl && n + 1 < outsz) {
        out[n++] = '.';
        if (gl > outsz - 1 - n) gl = outsz - 1 - n;
        memcpy(out + n, group, gl);
        n += gl;
    }
    out[n] = '\0';
}

/* The group of an apiVersion: "apps/v1" → "apps", "v1" → "". */
static void group_of(const char *api_version, char *out, size_t outsz)
{
    const char *slash = api_version ? strchr(api_version, '/') : NULL;
    size_t n = slash ? (size_t)(slash - api_version) : 0;
    if (n >= outsz) n = outsz - 1;
    memcpy(out, api_version ? api_version : "", n);
    out[n] = '\0';
}

/* ---------------------------------------------------------------- handle tables */

static uint32_t obj_hash(uint32_t kind, uint32_t ns, uint32_t name)
{
    return idx_hash3(kind, ns, name);
}

static uint32_t uid_hash(const uint8_t uid[16])
{
    uint32_t h;
    memcpy(&h, uid + 12, 4); /* UUIDv4 tails are random */
    return h ^ (h >> 15);
}

static void tab_grow(store_t *s, uint32_t **tab, uint32_t *cap, bool by_uid)
{
    uint32_t ncap = *cap ? *cap * 2 : 1024;
    uint32_t *nt = xcalloc(ncap, sizeof *nt);
    for (uint32_t i = 0; i < *cap; i++) {
        uint32_t v = (*tab)[i];
        if (!v) continue;
        uint32_t h = by_uid ? uid_hash(s->objs[v - 1].uid) : s->objs[v - 1].hash;
        uint32_t j = h & (ncap - 1);
        while (nt[j]) j = (j + 1) & (ncap - 1);
        nt[j] = v;
    }
    free(*tab);
    *tab = nt;
    *cap = ncap;
}

static void tab_insert(store_t *s, uint32_t **tab, uint32_t *cap, uint32_t *len, uint32_t h, uint32_t o,
                       bool by_uid)
{
    if ((*len + 1) * 4 > *cap * 3) tab_grow(s, tab, cap, by_uid);
    uint32_t j = h & (*cap - 1);
    while ((*tab)[j]) j = (j + 1) & (*cap - 1);
    (*tab)[j] = o + 1;
    (*len)++;
}

static void tab_remove(store_t *s, uint32_t *tab, uint32_t cap, uint32_t *len, uint32_t h, uint32_t o,
                       bool by_uid)
{
    uint32_t mask = cap - 1, i = h & mask;
    while (tab[i] && tab[i] != o + 1) i = (i + 1) & mask;
    if (!tab[i]) return;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        uint32_t v = tab[j];
        if (!v) break;
        uint32_t home = (by_uid ? uid_hash(s->objs[v - 1].uid) : s->objs[v - 1].hash) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            tab[i] = v;
            i = j;
        }
    }
    tab[i] = 0;
    (*len)--;
}

store_oid_t store_find_ids(const store_t *s, uint32_t kind, uint32_t ns, uint32_t name)
{
    if (!s->id_cap || kind == INTERN_NONE || ns == INTERN_NONE || name == INTERN_NONE) return STORE_NONE;
    uint32_t h = obj_hash(kind, ns, name), mask = s->id_cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t v = s->id_tab[i];
        if (!v) return STORE_NONE;
        const store_obj_t *ob = &s->objs[v - 1];
        if (ob->hash == h && ob->name == name && ob->ns == ns && ob->kind == kind) return v - 1;
    }
}

store_oid_t store_find(const store_t *s, const char *id, size_t len)
{
    const char *a = memchr(id, '/', len);
    if (!a) return STORE_NONE;
    const char *b = memchr(a + 1, '/', len - (size_t)(a + 1 - id));
    if (!b) return STORE_NONE;
    uint32_t kind = intern_find(&s->str, id, (size_t)(a - id));
    uint32_t ns = intern_find(&s->str, a + 1, (size_t)(b - a - 1));
    uint32_t name = intern_find(&s->str, b + 1, len - (size_t)(b + 1 - id));
    return store_find_ids(s, kind, ns, name);
}

static int hexval(char c)
{
    unsigned d = (unsigned)c - '0';
    if (d < 10) return (int)d;
    d = ((unsigned)c | 0x20) - 'a';
    return d < 6 ? (int)d + 10 : -1;
}

/* A UUID's 16 bytes; any other uid string is hashed into 16 bytes (uids
 * are only compared for equality). All zero = no uid. */
static void uid_parse(const char *u, uint8_t out[16])
{
    memset(out, 0, 16);
    if (!u || !*u) return;
    int n = 0;
    bool ok = true;
    for (const char *p = u; *p && ok; p++) {
        if (*p == '-') continue;
        int hi = hexval(*p), lo = p[1] ? hexval(p[1]) : -1;
        if (hi < 0 || lo < 0 || n == 16) {
            ok = false;
            break;
        }
        out[n++] = (uint8_t)(hi << 4 | lo);
        p++;
    }
    if (ok && n == 16) return;
    uint64_t h1 = hash_bytes(u, strlen(u)), h2 = hash_bytes(u, strlen(u)) * 0x9E3779B97F4A7C15ull + 1;
    memcpy(out, &h1, 8);
    memcpy(out + 8, &h2, 8);
}

store_oid_t store_find_uid(const store_t *s, const char *uid)
{
    uint8_t u[16];
    uid_parse(uid, u);
    if (!s->uid_cap) return STORE_NONE;
    uint32_t mask = s->uid_cap - 1;
    for (uint32_t i = uid_hash(u) & mask;; i = (i + 1) & mask) {
        uint32_t v = s->uid_tab[i];
        if (!v) return STORE_NONE;
        if (memcmp(s->objs[v - 1].uid, u, 16) == 0) return v - 1;
    }
}

static bool uid_zero(const uint8_t u[16])
{
    static const uint8_t z[16];
    return memcmp(u, z, 16) == 0;
}

/* ---------------------------------------------------------------- accessors */

uint32_t store_obj_kind(const store_t *s, store_oid_t o)
{
    return s->objs[o].kind;
}
uint32_t store_obj_ns(const store_t *s, store_oid_t o)
{
    return s->objs[o].ns;
}
uint32_t store_obj_name(const store_t *s, store_oid_t o)
{
    return s->objs[o].name;
}
uint32_t store_obj_hash(const store_t *s, store_oid_t o)
{
    return s->objs[o].hash;
}
uint64_t store_obj_rv(const store_t *s, store_oid_t o)
{
    return s->objs[o].rv;
}
int64_t store_obj_created(const store_t *s, store_oid_t o)
{
    return s->objs[o].created;
}
int store_obj_status(const store_t *s, store_oid_t o)
{
    return s->objs[o].status;
}
const char *store_obj_reason(const store_t *s, store_oid_t o)
{
    return intern_str(&s->str, s->objs[o].reason);
}

void store_obj_id(const store_t *s, store_oid_t o, buf_t *out)
{
    const store_obj_t *ob = &s->objs[o];
    buf_append(out, intern_str(&s->str, ob->kind), intern_len(&s->str, ob->kind));
    buf_putc(out, '/');
    buf_append(out, intern_str(&s->str, ob->ns), intern_len(&s->str, ob->ns));
    buf_putc(out, '/');
    buf_append(out, intern_str(&s->str, ob->name), intern_len(&s->str, ob->name));
}

void store_obj_uid(const store_t *s, store_oid_t o, char out[40])
{
    const uint8_t *u = s->objs[o].uid;
    if (uid_zero(u)) {
        out[0] = '\0';
        return;
    }
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

size_t store_obj_labels(const store_t *s, store_oid_t o, const uint32_t **pairs)
{
    *pairs = s->objs[o].tail;
    return s->objs[o].nlabels;
}

uint32_t store_obj_label(const store_t *s, store_oid_t o, uint32_t key)
{
    const store_obj_t *ob = &s->objs[o];
    uint32_t lo = 0, hi = ob->nlabels;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2, k = ob->tail[2 * mid];
        if (k == key) return ob->tail[2 * mid + 1];
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return INTERN_NONE;
}

const char *store_obj_label_str(const store_t *s, store_oid_t o, const char *key)
{
    uint32_t k = intern_find(&s->str, key, strlen(key));
    if (k == INTERN_NONE) return NULL;
    uint32_t v = store_obj_label(s, o, k);
    return v == INTERN_NONE ? NULL : intern_str(&s->str, v);
}

size_t store_obj_owners(const store_t *s, store_oid_t o, const store_owner_t **owners)
{
    const store_obj_t *ob = &s->objs[o];
    *owners = (const store_owner_t *)(ob->tail + 2 * ob->nlabels);
    return ob->nowners;
}

size_t store_obj_fields(const store_t *s, store_oid_t o, const store_fv_t **vals)
{
    const store_obj_t *ob = &s->objs[o];
    *vals = (const store_fv_t *)(ob->tail + 2 * ob->nlabels + TAIL_OWNER_WORDS * ob->nowners);
    return ob->nfields;
}

static const uint32_t *obj_cols(const store_obj_t *ob)
{
    return ob->tail + 2 * ob->nlabels + TAIL_OWNER_WORDS * ob->nowners + TAIL_FV_WORDS * ob->nfields;
}

static size_t tail_words(const store_obj_t *ob)
{
    return 2u * ob->nlabels + TAIL_OWNER_WORDS * ob->nowners + TAIL_FV_WORDS * ob->nfields + ob->ncols;
}

/* ---------------------------------------------------------------- kinds */

static kind_rec_t *kind_rec(store_t *s, const store_kind_t *k)
{
    /* Events come in runs of one type: remember the last record. */
    kind_rec_t *last = s->last_rec;
    if (last && strcmp(last->k.kind, k->kind ? k->kind : "") == 0 &&
        strcmp(last->k.group, k->group ? k->group : "") == 0)
        return last;
    char id[320];
    store_kind_id(k->group, k->kind, id, sizeof id);
    kind_rec_t *r = map_gets(&s->kinds, id);
    if (r) return s->last_rec = r;
    r = xcalloc(1, sizeof *r);
    r->k.group = xstrdup(k->group ? k->group : "");
    r->k.version = xstrdup(k->version ? k->version : "");
    r->k.kind = xstrdup(k->kind ? k->kind : "");
    r->k.namespaced = k->namespaced;
    r->kind_id = intern_addz(&s->str, id);
    r->gen = 1;
    map_puts(&s->kinds, id, r);
    /* A kind first seen after field specs were set needs nothing refilled. */
    return s->last_rec = r;
}

static kind_rec_t *kind_rec_of(const store_t *s, uint32_t kind_id)
{
    return map_get(&s->kinds, intern_str(&s->str, kind_id), intern_len(&s->str, kind_id));
}

/* ---------------------------------------------------------------- cache generations */

enum { GEN_MEMBERS = 1u, GEN_STATUS = 2u };

static store_gens_t *nsgens_get(const store_t *s, uint32_t ns, uint32_t kind)
{
    uint32_t k[2] = {ns, kind};
    return map_get(&s->nsgens, k, sizeof k);
}

/* Record a change of an object of (ns, kind) in the figures of its kind and
 * of its (ns, kind), as the generation the change is about to make. */
static void gens_touch(store_t *s, kind_rec_t *r, uint32_t ns, unsigned what)
{
    uint64_t g = s->generation + 1;
    uint32_t k[2] = {ns, r->kind_id};
    store_gens_t *n = map_get(&s->nsgens, k, sizeof k);
    if (!n) {
        n = xcalloc(1, sizeof *n);
        map_put(&s->nsgens, k, sizeof k, n);
    }
    store_gens_t *both[2] = {&r->gens, n};
    for (int i = 0; i < 2; i++) {
        both[i]->any = g;
        if (what & GEN_MEMBERS) both[i]->members = g;
        if (what & GEN_STATUS) both[i]->status = g;
    }
}

/* The (ns, kind) list went away: its figures go too (the next object starts
 * them again, above every earlier value). */
static void gens_forget(store_t *s, uint32_t ns, uint32_t kind)
{
    uint32_t k[2] = {ns, kind};
    free(map_del(&s->nsgens, k, sizeof k));
}

void store_kind_gens(const store_t *s, uint32_t ns, uint32_t kind, store_gens_t *out)
{
    memset(out, 0, sizeof *out);
    if (kind == INTERN_NONE) return;
    if (ns == STORE_ANY) {
        const kind_rec_t *r = kind_rec_of(s, kind);
        if (r) *out = r->gens;
        return;
    }
    const store_gens_t *n = nsgens_get(s, ns, kind);
    if (n) *out = *n;
}

size_t store_kind_count(const store_t *s, uint32_t ns, uint32_t kind)
{
    if (ns == STORE_ANY || kind == STORE_ANY) return 0;
    const plist_t *l = pindex_get(&s->nsk, ns, kind, 0);
    return l ? l->n : 0;
}

uint32_t store_obj_stamp(const store_t *s, store_oid_t o)
{
    return s->objs[o].stamp;
}

size_t store_obj_columns(const store_t *s, store_oid_t o, const uint32_t **ids)
{
    *ids = obj_cols(&s->objs[o]);
    return s->objs[o].ncols;
}

int store_kind_scope(const store_t *s, uint32_t kind)
{
    const kind_rec_t *r = kind_rec_of(s, kind);
    if (r) return r->k.namespaced ? 1 : 0;
    static const char *const cluster_scoped[] = {
        "Node",
        "PersistentVolume",
        "Namespace",
        "StorageClass.storage.k8s.io",
        "ClusterRole.rbac.authorization.k8s.io",
        "ClusterRoleBinding.rbac.authorization.k8s.io",
        "CustomResourceDefinition.apiextensions.k8s.io",
        "IngressClass.networking.k8s.io",
        "PriorityClass.scheduling.k8s.io",
        "CSIDriver.storage.k8s.io",
        "CSINode.storage.k8s.io",
        "VolumeAttachment.storage.k8s.io",
        "RuntimeClass.node.k8s.io",
        "APIService.apiregistration.k8s.io",
        "ValidatingWebhookConfiguration.admissionregistration.k8s.io",
        "MutatingWebhookConfiguration.admissionregistration.k8s.io",
        "GatewayClass.gateway.networking.k8s.io",
        "ClusterIssuer.cert-manager.io",
        NULL};
    const char *k = intern_str(&s->str, kind);
    for (int i = 0; cluster_scoped[i]; i++)
        if (strcmp(k, cluster_scoped[i]) == 0) return 0;
    return -1;
}

void store_set_synced(store_t *s, const store_kind_t *k, bool synced)
{
    kind_rec(s, k)->synced = synced;
}

bool store_all_synced(const store_t *s)
{
    size_t it = 0;
    map_slot_t *sl;
    while (map_next(&s->kinds, &it, &sl))
        if (!((kind_rec_t *)sl->val)->synced) return false;
    return true;
}

/* ---------------------------------------------------------------- field specs */

static void trie_free(ptrie_t *t)
{
    if (!t) return;
    for (uint32_t i = 0; i < t->nkids; i++) trie_free(t->kids[i]);
    free(t->kids);
    free(t->specs);
    free(t->key);
    free(t);
}

static void tries_free(store_t *s)
{
    for (size_t i = 0; i < s->ntries; i++) trie_free(s->tries[i].root);
    free(s->tries);
    s->tries = NULL;
    s->ntries = 0;
}

static void trie_insert(store_t *s, uint32_t kind_id, const script_path_t *p, uint32_t spec)
{
    ktrie_t *kt = NULL;
    for (size_t i = 0; i < s->ntries && !kt; i++)
        if (s->tries[i].kind_id == kind_id) kt = &s->tries[i];
    if (!kt) {
        s->tries = xrealloc(s->tries, (s->ntries + 1) * sizeof *s->tries);
        kt = &s->tries[s->ntries++];
        kt->kind_id = kind_id;
        kt->root = xcalloc(1, sizeof *kt->root);
    }
    ptrie_t *t = kt->root;
    for (size_t i = 0; i < p->nsegs; i++) {
        const script_path_seg_t *g = &p->segs[i];
        ptrie_t *next = NULL;
        for (uint32_t k = 0; k < t->nkids && !next; k++) {
            ptrie_t *c = t->kids[k];
            if (c->kind == g->kind && (g->kind != SCRIPT_SEG_KEY || strcmp(c->key, g->key) == 0) &&
                (g->kind != SCRIPT_SEG_INDEX || c->index == g->index))
                next = c;
        }
        if (!next) {
            next = xcalloc(1, sizeof *next);
            next->kind = g->kind;
            next->key = g->key ? xstrdup(g->key) : NULL;
            next->index = g->index;
            t->kids = xrealloc(t->kids, (t->nkids + 1) * sizeof *t->kids);
            t->kids[t->nkids++] = next;
        }
        t = next;
    }
    t->specs = xrealloc(t->specs, (t->nspecs + 1) * sizeof *t->specs);
    t->specs[t->nspecs++] = spec;
}

void store_set_fields(store_t *s, const store_field_spec_t *specs, size_t n)
{
    spec_rec_t *ns = n ? xcalloc(n, sizeof *ns) : NULL;
    bool all_stale = false;
    for (size_t i = 0; i < n; i++) {
        ns[i].spec = specs[i];
        bool wild = strcmp(specs[i].kind, "*") == 0;
        ns[i].kind_id = wild ? INTERN_NONE : intern_addz(&s->str, specs[i].kind);
        ns[i].spec.kind = wild ? "*" : intern_str(&s->str, ns[i].kind_id);
        bool known = false;
        for (size_t j = 0; j < s->nspecs && !known; j++)
            known = s->specs[j].spec.slot == specs[i].slot && s->specs[j].kind_id == ns[i].kind_id;
        if (known) continue;
        if (wild)
            all_stale = true;
        else {
            kind_rec_t *r = kind_rec_of(s, ns[i].kind_id);
            if (r && r->nobjs) r->stale = true;
        }
    }
    if (all_stale) {
        size_t it = 0;
        map_slot_t *sl;
        while (map_next(&s->kinds, &it, &sl))
            if (((kind_rec_t *)sl->val)->nobjs) ((kind_rec_t *)sl->val)->stale = true;
    }
    for (size_t j = 0; j < s->nspecs; j++) intern_unref(&s->str, s->specs[j].kind_id);
    free(s->specs);
    s->specs = ns;
    s->nspecs = n;
    tries_free(s);
    for (size_t i = 0; i < n; i++) trie_insert(s, ns[i].kind_id, ns[i].spec.path, (uint32_t)i);
}

void store_stale_kinds(const store_t *s, void (*cb)(const store_kind_t *k, void *ud), void *ud)
{
    size_t it = 0;
    map_slot_t *sl;
    while (map_next(&s->kinds, &it, &sl)) {
        kind_rec_t *r = sl->val;
        if (r->stale && r->nobjs) cb(&r->k, ud);
    }
}

/* ---------------------------------------------------------------- projection */

static void w_push(store_t *s, uint32_t v)
{
    if (s->wn == s->wcap) {
        s->wcap = s->wcap ? s->wcap * 2 : 256;
        s->w = xrealloc(s->w, s->wcap * sizeof *s->w);
    }
    s->w[s->wn++] = v;
}

static uint32_t add_str(store_t *s, const char *p)
{
    return intern_add(&s->str, p, strlen(p));
}

static uint32_t add_str_like(store_t *s, const char *p, uint32_t old_id)
{
    size_t n = strlen(p);
    if (old_id != INTERN_NONE && intern_len(&s->str, old_id) == n &&
        memcmp(intern_str(&s->str, old_id), p, n) == 0) {
        intern_ref(&s->str, old_id);
        return old_id;
    }
    return intern_add(&s->str, p, n);
}

static int cmp_pair(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool sel_token_ok(const char *t)
{
    for (; *t; t++) {
        char c = *t;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.' || c == '/'))
            return false;
    }
    return true;
}

/* Canonical selector text (sorted requirements) into s->sel; false when the
 * selector can match nothing (absent, empty map, malformed). */
static bool selector_text(store_t *s, const cJSON *v, script_sel_form_t form)
{
    if (!cJSON_IsObject(v)) return false;
    const cJSON *ml = sj_get(v, "matchLabels"), *me = sj_get(v, "matchExpressions");
    bool labsel = form == SCRIPT_SEL_LABEL_SELECTOR || (form == SCRIPT_SEL_AUTO && (ml || me));
    if (!labsel) ml = v, me = NULL;
    char *reqs[128];
    size_t nr = 0;
    bool ok = true;
    const cJSON *e;
    cJSON_ArrayForEach(e, ml)
    {
        if (!cJSON_IsString(e) || !sel_token_ok(e->string) || !sel_token_ok(e->valuestring) || nr == 128) {
            ok = false;
            break;
        }
        buf_t r = {0};
        buf_printf(&r, "%s=%s", e->string, e->valuestring);
        reqs[nr++] = buf_steal(&r);
    }
    cJSON_ArrayForEach(e, me)
    {
        const char *key = sj_str(e, "key"), *op = sj_str(e, "operator");
        if (!ok || !key || !op || !sel_token_ok(key) || nr == 128) {
            ok = false;
            break;
        }
        buf_t r = {0};
        if (strcmp(op, "Exists") == 0)
            buf_puts(&r, key);
        else if (strcmp(op, "DoesNotExist") == 0)
            buf_printf(&r, "!%s", key);
        else if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
            char *vals[64];
            size_t nv = 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, sj_get(e, "values"))
            {
                if (!cJSON_IsString(x) || !sel_token_ok(x->valuestring) || nv == 64) {
                    ok = false;
                    break;
                }
                vals[nv++] = x->valuestring;
            }
            if (!nv) ok = false; /* In/NotIn need values: a malformed selector */
            if (nv > 1) qsort(vals, nv, sizeof *vals, cmp_cstr);
            buf_printf(&r, "%s %s (", key, op[0] == 'I' ? "in" : "notin");
            for (size_t i = 0; i < nv; i++) buf_printf(&r, "%s%s", i ? "," : "", vals[i]);
            buf_putc(&r, ')');
        } else
            ok = false;
        if (!ok) {
            buf_free(&r);
            break;
        }
        reqs[nr++] = buf_steal(&r);
    }
    buf_reset(&s->sel);
    if (ok) {
        if (nr > 1) qsort(reqs, nr, sizeof *reqs, cmp_cstr);
        for (size_t i = 0; i < nr; i++) buf_printf(&s->sel, "%s%s", i ? "," : "", reqs[i]);
    }
    for (size_t i = 0; i < nr; i++) free(reqs[i]);
    /* An empty plain map (a Service without selector) selects nothing; an
     * empty LabelSelector selects everything. */
    return ok && (nr > 0 || labsel);
}

static void emit_fv(store_t *s, uint32_t slot, uint32_t tag, uint32_t a, uint32_t b, uint32_t c)
{
    w_push(s, slot << 4 | tag);
    w_push(s, a);
    w_push(s, b);
    w_push(s, c);
}

static void emit_leaf(store_t *s, const spec_rec_t *sp, const cJSON *v, uint16_t *nf)
{
    uint32_t slot = sp->spec.slot;
    char num[32];
    switch (sp->spec.mode) {
    case STORE_FIELD_SELECTOR:
        if (!selector_text(s, v, sp->spec.selector_form)) return;
        emit_fv(s, slot, STORE_FV_SEL, intern_add(&s->str, s->sel.data ? s->sel.data : "", s->sel.len), 0, 0);
        break;
    case STORE_FIELD_REF:
        if (cJSON_IsObject(v)) {
            const char *name = sj_str(v, "name"), *kind = sj_str(v, "kind"), *ns = sj_str(v, "namespace");
            if (!name || !*name) return;
            uint32_t kid = 0;
            if (kind && *kind) {
                char group[256], id[320];
                const char *g = sj_str(v, "apiGroup") ? sj_str(v, "apiGroup") : sj_str(v, "group");
                if (g)
                    snprintf(group, sizeof group, "%s", g);
                else
                    group_of(sj_str(v, "apiVersion"), group, sizeof group);
                store_kind_id(group, kind, id, sizeof id);
                kid = add_str(s, id);
            }
            emit_fv(s, slot, STORE_FV_REF | (ns ? STORE_FV_HAS_NS : 0), add_str(s, name), kid,
                    ns ? add_str(s, ns) : 0);
            break;
        }
        /* a plain string names the target */
        __attribute__((fallthrough));
    default:
        if (cJSON_IsString(v)) {
            if (!*v->valuestring) return;
            uint32_t id = add_str(s, v->valuestring);
            emit_fv(s, slot, sp->spec.mode == STORE_FIELD_REF ? STORE_FV_REF : STORE_FV_STR, id, 0, 0);
        } else if (cJSON_IsNumber(v) && sp->spec.mode == STORE_FIELD_STRING) {
            snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
            emit_fv(s, slot, STORE_FV_STR, add_str(s, num), 0, 0);
        } else
            return;
    }
    (*nf)++;
}

static void walk(store_t *s, const ptrie_t *t, const cJSON *v, uint16_t *nf)
{
    if (*nf >= 4096) return;
    for (uint32_t i = 0; i < t->nspecs; i++) emit_leaf(s, &s->specs[t->specs[i]], v, nf);
    for (uint32_t k = 0; k < t->nkids; k++) {
        const ptrie_t *c = t->kids[k];
        if (c->kind == SCRIPT_SEG_KEY) {
            const cJSON *x = cJSON_IsObject(v) ? sj_get(v, c->key) : NULL;
            if (x) walk(s, c, x, nf);
        } else if (c->kind == SCRIPT_SEG_INDEX) {
            const cJSON *x = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, c->index) : NULL;
            if (x) walk(s, c, x, nf);
        } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
            const cJSON *x;
            cJSON_ArrayForEach(x, v) walk(s, c, x, nf);
        }
    }
}

static int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Creation time in epoch seconds. Kubernetes always writes
 * "YYYY-MM-DDTHH:MM:SSZ"; that form is parsed here without strptime (it is
 * on the ingest path of every object), anything else by the base parser. */
static uint32_t parse_created(const char *t)
{
    if (!t) return 0;
    if (strlen(t) == 20 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' && t[16] == ':' &&
        t[19] == 'Z') {
        int y = digits(t, 4), m = digits(t + 5, 2), d = digits(t + 8, 2), hh = digits(t + 11, 2),
            mm = digits(t + 14, 2), ss = digits(t + 17, 2);
        if (y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && hh >= 0 && mm >= 0 && ss >= 0) {
            /* days from civil (proleptic Gregorian) */
            int yy = y - (m <= 2);
            int era = yy / 400, yoe = yy - era * 400;
            int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
            int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            int64_t days = (int64_t)era * 146097 + doe - 719468;
            return (uint32_t)(days * 86400 + hh * 3600 + mm * 60 + ss);
        }
    }
    int64_t v = clock_parse_rfc3339(t);
    return v > 0 ? (uint32_t)v : 0;
}

static uint64_t parse_rv(const char *rv)
{
    if (!rv || !*rv) return 0;
    uint64_t v = 0;
    for (const char *p = rv; *p; p++) {
        if (*p < '0' || *p > '9' || v > UINT64_MAX / 10 - 10) return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    return v;
}

static inline uint64_t hmix(uint64_t h, uint64_t x)
{
    h = (h ^ x) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static uint64_t hstr(uint64_t h, const char *p)
{
    return hmix(h, p ? hash_bytes(p, strlen(p)) : 0x5bd1e995u);
}

/* Every scalar of a JSON value, keys included, in document order. */
static uint64_t hash_json(uint64_t h, const cJSON *v)
{
    if (!v) return hmix(h, 1);
    if (v->string) h = hstr(h, v->string);
    if (cJSON_IsString(v)) return hstr(h, v->valuestring);
    if (cJSON_IsNumber(v)) {
        uint64_t bits;
        memcpy(&bits, &v->valuedouble, 8);
        return hmix(h, bits);
    }
    if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        const cJSON *x;
        h = hmix(h, (uint64_t)v->type << 32 | 7);
        cJSON_ArrayForEach(x, v) h = hash_json(h, x);
        return hmix(h, 9);
    }
    return hmix(h, (uint64_t)v->type);
}

static uint64_t hash_walk(const store_t *s, const ptrie_t *t, const cJSON *v, uint64_t h)
{
    for (uint32_t i = 0; i < t->nspecs; i++)
        h = hash_json(hmix(h, s->specs[t->specs[i]].spec.slot + 1000), v);
    for (uint32_t k = 0; k < t->nkids; k++) {
        const ptrie_t *c = t->kids[k];
        if (c->kind == SCRIPT_SEG_KEY) {
            const cJSON *x = cJSON_IsObject(v) ? sj_get(v, c->key) : NULL;
            if (x) h = hash_walk(s, c, x, hmix(h, k));
        } else if (c->kind == SCRIPT_SEG_INDEX) {
            const cJSON *x = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, c->index) : NULL;
            if (x) h = hash_walk(s, c, x, hmix(h, k));
        } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
            const cJSON *x;
            cJSON_ArrayForEach(x, v) h = hash_walk(s, c, x, hmix(h, k + 77));
        }
    }
    return h;
}

/* Build the new tail for obj of kind kind_id into s->w; fill counts. When
 * old (the stored version) was projected from the same labels, owner
 * references and field values, its words are copied and *reused is set:
 * the caller then hands those references over instead of dropping them. */
static void project(store_t *s, uint32_t kind_id, const cJSON *obj, store_obj_t *out, const store_obj_t *old,
                    bool *reused)
{
    const cJSON *meta = sj_get(obj, "metadata");
    s->wn = 0;
    uint64_t h = hash_json(0x1234567, sj_get(meta, "labels"));
    h = hash_json(h, sj_get(meta, "ownerReferences"));
    for (size_t i = 0; i < s->ntries; i++)
        if (s->tries[i].kind_id == kind_id || s->tries[i].kind_id == INTERN_NONE)
            h = hash_walk(s, s->tries[i].root, obj, hmix(h, i));
    out->inhash = h;
    *reused = old && old->inhash == h;
    if (*reused) {
        size_t n = 2u * old->nlabels + TAIL_OWNER_WORDS * old->nowners + TAIL_FV_WORDS * old->nfields;
        for (size_t i = 0; i < n; i++) w_push(s, old->tail[i]);
        out->nlabels = old->nlabels;
        out->nowners = old->nowners;
        out->nfields = old->nfields;
        goto status;
    }
    uint16_t nl = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, sj_get(meta, "labels"))
    {
        if (!cJSON_IsString(e) || !e->string || nl == UINT16_MAX) continue;
        w_push(s, add_str(s, e->string));
        w_push(s, add_str(s, e->valuestring));
        nl++;
    }
    if (nl > 1) qsort(s->w, nl, 2 * sizeof *s->w, cmp_pair);
    uint16_t no = 0;
    cJSON_ArrayForEach(e, sj_get(meta, "ownerReferences"))
    {
        const char *kind = sj_str(e, "kind"), *name = sj_str(e, "name");
        if (!kind || !name || no == 255) continue;
        char group[256], id[320];
        group_of(sj_str(e, "apiVersion"), group, sizeof group);
        store_kind_id(group, kind, id, sizeof id);
        store_owner_t ow;
        memset(&ow, 0, sizeof ow);
        ow.kind = add_str(s, id);
        ow.name = add_str(s, name);
        uid_parse(sj_str(e, "uid"), ow.uid);
        ow.controller = cJSON_IsTrue(sj_get(e, "controller"));
        uint32_t words[TAIL_OWNER_WORDS];
        memcpy(words, &ow, sizeof ow);
        for (size_t i = 0; i < TAIL_OWNER_WORDS; i++) w_push(s, words[i]);
        no++;
    }
    uint16_t nf = 0;
    for (size_t i = 0; i < s->ntries; i++)
        if (s->tries[i].kind_id == kind_id || s->tries[i].kind_id == INTERN_NONE)
            walk(s, s->tries[i].root, obj, &nf);
    out->nlabels = nl;
    out->nowners = no;
    out->nfields = nf;
status:;
    store_projected_t pr;
    store_status_project(s->pcols, intern_str(&s->str, kind_id), obj, &pr);
    /* Columns mostly keep their values between two versions: compare with
     * the stored string before asking the intern table. */
    const uint32_t *oc = old ? obj_cols(old) : NULL;
    for (int i = 0; i < pr.ncols; i++)
        w_push(s, add_str_like(s, pr.cols[i], oc && i < old->ncols ? oc[i] : INTERN_NONE));
    out->ncols = (uint8_t)pr.ncols;
    out->status = (uint8_t)pr.status;
    out->reason = add_str_like(s, pr.reason, old ? old->reason : INTERN_NONE);
    out->created = parse_created(sj_str(meta, "creationTimestamp"));
}

/* The per-namespace lists keep each member's position in the object, so
 * removal is a swap with the last member, whatever the list's length. */
static void nsk_add(store_t *s, store_oid_t o, uint32_t kind_or_any, uint32_t c, uint32_t *pos)
{
    const store_obj_t *ob = &s->objs[o];
    uint32_t id = tmap_get(&s->nsk.map, ob->ns, kind_or_any, c);
    if (id == UINT32_MAX) {
        id = plist_new(&s->pool);
        tmap_put(&s->nsk.map, ob->ns, kind_or_any, c, id);
    }
    plist_add(&s->pool, id, o);
    *pos = s->pool.l[id].n - 1;
}

static void nsk_remove(store_t *s, store_oid_t o, uint32_t kind_or_any, uint32_t c)
{
    store_obj_t *ob = &s->objs[o];
    uint32_t id = tmap_get(&s->nsk.map, ob->ns, kind_or_any, c);
    if (id == UINT32_MAX) return;
    plist_t *l = &s->pool.l[id];
    uint32_t pos = c == 0 ? ob->pos_nk : ob->pos_n;
    if (pos >= l->n || l->v[pos] != o) return; /* cannot happen; stay safe */
    uint32_t last = l->v[--l->n];
    if (last != o) {
        l->v[pos] = last;
        if (c == 0)
            s->objs[last].pos_nk = pos;
        else
            s->objs[last].pos_n = pos;
    }
    if (!l->n) {
        plist_release(&s->pool, id);
        tmap_del(&s->nsk.map, ob->ns, kind_or_any, c);
        if (c == 0) gens_forget(s, ob->ns, kind_or_any);
    }
}

/* Drop the string references a tail holds (only those of its columns and
 * reason when the rest was handed over to a new tail). */
static void unref_tail(store_t *s, const store_obj_t *ob, bool cols_only)
{
    size_t n = tail_words(ob);
    const uint32_t *t = ob->tail;
    if (cols_only) goto cols;
    for (size_t i = 0; i < 2u * ob->nlabels; i++) intern_unref(&s->str, t[i]);
    const store_owner_t *ow = (const store_owner_t *)(t + 2 * ob->nlabels);
    for (size_t i = 0; i < ob->nowners; i++) {
        intern_unref(&s->str, ow[i].kind);
        intern_unref(&s->str, ow[i].name);
    }
    const store_fv_t *fv = (const store_fv_t *)(t + 2 * ob->nlabels + TAIL_OWNER_WORDS * ob->nowners);
    for (size_t i = 0; i < ob->nfields; i++) {
        intern_unref(&s->str, fv[i].a);
        if (store_fv_tag(&fv[i]) == STORE_FV_REF) {
            intern_unref(&s->str, fv[i].b);
            if (fv[i].slot_tag & STORE_FV_HAS_NS) intern_unref(&s->str, fv[i].c);
        }
    }
cols:;
    const uint32_t *c = obj_cols(ob);
    for (size_t i = 0; i < ob->ncols; i++) intern_unref(&s->str, c[i]);
    (void)n;
    intern_unref(&s->str, ob->reason);
}

/* ---------------------------------------------------------------- indexes */

static void index_labels(store_t *s, store_oid_t o, bool add)
{
    const store_obj_t *ob = &s->objs[o];
    for (uint32_t i = 0; i < ob->nlabels; i++) {
        if (add)
            pindex_add(&s->labels, ob->ns, ob->tail[2 * i], ob->tail[2 * i + 1], o);
        else
            pindex_remove(&s->labels, ob->ns, ob->tail[2 * i], ob->tail[2 * i + 1], o);
    }
}

static void owner_key(const uint8_t uid[16], uint32_t k[3])
{
    memcpy(k, uid, 12);
}

static void index_owners(store_t *s, store_oid_t o, bool add)
{
    const store_owner_t *ow;
    size_t n = store_obj_owners(s, o, &ow);
    for (size_t i = 0; i < n; i++) {
        if (uid_zero(ow[i].uid)) continue;
        uint32_t k[3];
        owner_key(ow[i].uid, k);
        if (add)
            pindex_add(&s->owners, k[0], k[1], k[2], o);
        else
            pindex_remove(&s->owners, k[0], k[1], k[2], o);
    }
}

static void remove_obj(store_t *s, store_oid_t o)
{
    store_obj_t *ob = &s->objs[o];
    if (s->ob.removing) s->ob.removing(s->ob_ud, o);
    index_labels(s, o, false);
    index_owners(s, o, false);
    kind_rec_t *r = kind_rec_of(s, ob->kind);
    if (r) gens_touch(s, r, ob->ns, GEN_MEMBERS | GEN_STATUS);
    nsk_remove(s, o, ob->kind, 0);
    nsk_remove(s, o, STORE_ANY, 1);
    tab_remove(s, s->id_tab, s->id_cap, &s->id_len, ob->hash, o, false);
    if (!uid_zero(ob->uid)) tab_remove(s, s->uid_tab, s->uid_cap, &s->uid_len, uid_hash(ob->uid), o, true);
    if (r) r->nobjs--;
    unref_tail(s, ob, false);
    intern_unref(&s->str, ob->kind);
    intern_unref(&s->str, ob->ns);
    intern_unref(&s->str, ob->name);
    free(ob->tail);
    memset(ob, 0, sizeof *ob);
    if (s->nfree == s->free_cap) {
        s->free_cap = s->free_cap ? s->free_cap * 2 : 256;
        s->free_ids = xrealloc(s->free_ids, s->free_cap * sizeof *s->free_ids);
    }
    s->free_ids[s->nfree++] = o;
    s->live--;
    s->generation++;
}

bool store_delete_id(store_t *s, const char *id, size_t len)
{
    store_oid_t o = store_find(s, id, len);
    if (o == STORE_NONE) return false;
    remove_obj(s, o);
    return true;
}

static store_oid_t alloc_obj(store_t *s)
{
    if (s->nfree) return s->free_ids[--s->nfree];
    if (s->nobjs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->objs = xrealloc(s->objs, s->cap * sizeof *s->objs);
    }
    memset(&s->objs[s->nobjs], 0, sizeof *s->objs);
    return s->nobjs++;
}

static bool same_words(const uint32_t *a, const uint32_t *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * 4) == 0;
}

/* CustomResourceDefinitions feed the printer columns of their kinds. When
 * a kind's columns change, its objects are marked stale: the owner relists
 * them (store_stale_kinds) and they are projected with the new columns. */
static void crd_columns(store_t *s, const kind_rec_t *r, int type, const cJSON *obj)
{
    if (strcmp(r->k.kind, "CustomResourceDefinition") != 0 || strcmp(r->k.group, "apiextensions.k8s.io") != 0)
        return;
    if (!s->pcols) s->pcols = printcols_new();
    char kind[320];
    if (!printcols_crd(s->pcols, type == STORE_EV_DELETED, obj, kind, sizeof kind)) return;
    kind_rec_t *cr = map_gets(&s->kinds, kind);
    if (cr && cr->nobjs) cr->stale = true;
}

printcols_t *store__printcols(const store_t *s)
{
    return s->pcols;
}

int store_apply_event(store_t *s, int type, const store_kind_t *k, const cJSON *obj, err_t *err)
{
    if (!cJSON_IsObject(obj)) return err_set(err, ERR_INVALID, "event object is not a JSON object");
    const cJSON *meta = sj_get(obj, "metadata");
    const char *name = sj_str(meta, "name"), *ns = k->namespaced ? sj_str(meta, "namespace") : "";
    if (!name || !*name) return err_set(err, ERR_INVALID, "%s without metadata.name", k->kind);
    if (!ns || (k->namespaced && !*ns))
        return err_set(err, ERR_INVALID, "%s %s without metadata.namespace", k->kind, name);
    kind_rec_t *r = kind_rec(s, k);
    crd_columns(s, r, type, obj);
    uint64_t rv = parse_rv(sj_str(meta, "resourceVersion"));
    if (rv > s->rv) s->rv = rv;
    store_oid_t o = store_find_ids(s, r->kind_id, intern_find(&s->str, ns, strlen(ns)),
                                   intern_find(&s->str, name, strlen(name)));
    if (type == STORE_EV_DELETED) {
        if (o != STORE_NONE) remove_obj(s, o);
        return 0;
    }
    uint8_t uid[16];
    uid_parse(sj_str(meta, "uid"), uid);
    if (o != STORE_NONE && !uid_zero(uid) && !uid_zero(s->objs[o].uid) &&
        memcmp(uid, s->objs[o].uid, 16) != 0) {
        remove_obj(s, o);
        o = STORE_NONE;
    }
    store_obj_t nb;
    memset(&nb, 0, sizeof nb);
    bool reused = false;
    project(s, r->kind_id, obj, &nb, o == STORE_NONE ? NULL : &s->objs[o], &reused);
    uint32_t *tail = xmemdup(s->w, s->wn * sizeof *s->w);
    unsigned ch;
    if (o == STORE_NONE) {
        o = alloc_obj(s);
        store_obj_t *ob = &s->objs[o];
        *ob = nb;
        ob->tail = tail;
        ob->kind = r->kind_id;
        intern_ref(&s->str, r->kind_id);
        ob->ns = add_str(s, ns);
        ob->name = add_str(s, name);
        ob->hash = obj_hash(ob->kind, ob->ns, ob->name);
        memcpy(ob->uid, uid, 16);
        ob->rv = rv;
        ob->gen = r->gen;
        ob->live = 1;
        ob->stamp = (uint32_t)(s->generation + 1);
        tab_insert(s, &s->id_tab, &s->id_cap, &s->id_len, ob->hash, o, false);
        if (!uid_zero(uid)) tab_insert(s, &s->uid_tab, &s->uid_cap, &s->uid_len, uid_hash(uid), o, true);
        nsk_add(s, o, ob->kind, 0, &ob->pos_nk);
        nsk_add(s, o, STORE_ANY, 1, &ob->pos_n);
        index_labels(s, o, true);
        index_owners(s, o, true);
        gens_touch(s, r, ob->ns, GEN_MEMBERS | GEN_STATUS);
        r->nobjs++;
        s->live++;
        ch = STORE_CH_NEW | STORE_CH_LABELS | STORE_CH_REFS | STORE_CH_STATUS;
    } else {
        store_obj_t *ob = &s->objs[o];
        ch = STORE_CH_OTHER;
        bool labels_same = ob->nlabels == nb.nlabels && same_words(ob->tail, tail, 2u * nb.nlabels);
        bool owners_same =
            ob->nowners == nb.nowners &&
            same_words(ob->tail + 2 * ob->nlabels, tail + 2 * nb.nlabels, TAIL_OWNER_WORDS * nb.nowners);
        if (!labels_same) ch |= STORE_CH_LABELS;
        if (ob->inhash != nb.inhash || !owners_same || ob->nfields != nb.nfields) ch |= STORE_CH_REFS;
        if (ob->status != nb.status || ob->reason != nb.reason) ch |= STORE_CH_STATUS;
        gens_touch(s, r, ob->ns,
                   (nb.created && nb.created != ob->created ? GEN_MEMBERS : 0u) |
                       (ob->status != nb.status ? GEN_STATUS : 0u));
        ob->stamp = (uint32_t)(s->generation + 1);
        if (!labels_same) index_labels(s, o, false);
        if (!owners_same) index_owners(s, o, false);
        store_obj_t old = *ob;
        ob->tail = tail;
        ob->nlabels = nb.nlabels;
        ob->nowners = nb.nowners;
        ob->nfields = nb.nfields;
        ob->ncols = nb.ncols;
        ob->status = nb.status;
        ob->reason = nb.reason;
        ob->inhash = nb.inhash;
        if (nb.created) ob->created = nb.created;
        if (rv) ob->rv = rv;
        ob->gen = r->gen;
        if (!uid_zero(uid) && uid_zero(ob->uid)) {
            memcpy(ob->uid, uid, 16);
            tab_insert(s, &s->uid_tab, &s->uid_cap, &s->uid_len, uid_hash(uid), o, true);
        }
        if (!labels_same) index_labels(s, o, true);
        if (!owners_same) index_owners(s, o, true);
        unref_tail(s, &old, reused);
        free(old.tail);
    }
    s->generation++;
    if (s->ob.upserted) s->ob.upserted(s->ob_ud, o, ch, obj);
    return 0;
}

/* ---------------------------------------------------------------- relists */

void store_resync_begin(store_t *s, const store_kind_t *k)
{
    kind_rec_t *r = kind_rec(s, k);
    r->gen = (uint8_t)(r->gen + 1);
    if (r->gen == 0) r->gen = 1;
}

size_t store_resync_end(store_t *s, const store_kind_t *k)
{
    kind_rec_t *r = kind_rec(s, k);
    size_t n = 0, cap = 0;
    uint32_t *gone = NULL, *nss = NULL;
    size_t nn = store_namespaces(s, &nss);
    for (size_t j = 0; j < nn; j++) {
        const plist_t *l = pindex_get(&s->nsk, nss[j], r->kind_id, 0);
        for (uint32_t i = 0; l && i < l->n; i++) {
            if (s->objs[l->v[i]].gen == r->gen) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                gone = xrealloc(gone, cap * sizeof *gone);
            }
            gone[n++] = l->v[i];
        }
    }
    free(nss);
    for (size_t i = 0; i < n; i++) remove_obj(s, gone[i]);
    free(gone);
    r->stale = false;
    return n;
}

/* ---------------------------------------------------------------- iteration */

size_t store_each(const store_t *s, uint32_t ns, uint32_t kind, store_visit_fn cb, void *ud)
{
    const plist_t *l;
    if (ns == STORE_ANY && kind == STORE_ANY) {
        size_t n = 0;
        for (uint32_t o = 0; o < s->nobjs; o++) {
            if (!s->objs[o].live) continue;
            n++;
            if (!cb(o, ud)) break;
        }
        return n;
    }
    if (ns == STORE_ANY) {
        uint32_t *nss = NULL;
        size_t nn = store_namespaces(s, &nss), n = 0;
        bool stop = false;
        for (size_t j = 0; j < nn && !stop; j++) {
            l = pindex_get(&s->nsk, nss[j], kind, 0);
            for (uint32_t i = 0; l && i < l->n; i++) {
                n++;
                if (!cb(l->v[i], ud)) {
                    stop = true;
                    break;
                }
            }
        }
        free(nss);
        return n;
    }
    if (kind == STORE_ANY)
        l = pindex_get(&s->nsk, ns, STORE_ANY, 1);
    else
        l = pindex_get(&s->nsk, ns, kind, 0);
    if (!l) return 0;
    size_t n = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        n++;
        if (!cb(l->v[i], ud)) break;
    }
    return n;
}

size_t store_each_owned_by(const store_t *s, const uint8_t uid[16], store_visit_fn cb, void *ud)
{
    uint32_t k[3];
    owner_key(uid, k);
    const plist_t *l = pindex_get(&s->owners, k[0], k[1], k[2]);
    size_t n = 0;
    for (uint32_t i = 0; l && i < l->n; i++) {
        n++;
        if (!cb(l->v[i], ud)) break;
    }
    return n;
}

void store_labels_json(const store_t *s, store_oid_t o, buf_t *out)
{
    const uint32_t *pairs;
    size_t n = store_obj_labels(s, o, &pairs);
    buf_putc(out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(out, ',');
        buf_json_cstr(out, store_str(s, pairs[2 * i]));
        buf_putc(out, ':');
        buf_json_cstr(out, store_str(s, pairs[2 * i + 1]));
    }
    buf_putc(out, '}');
}

/* store_pods_of: a depth-first walk down ownerReferences. */
typedef struct pods_of {
    const store_t *s;
    uint32_t pod_kind;
    store_oid_t *out;
    size_t n, max;
    int depth;
} pods_of_t;

static bool pods_of_cb(store_oid_t o, void *ud)
{
    pods_of_t *w = ud;
    if (w->s->objs[o].kind == w->pod_kind) {
        w->out[w->n++] = o;
    } else if (w->depth < 3) {
        w->depth++;
        store_each_owned_by(w->s, w->s->objs[o].uid, pods_of_cb, w);
        w->depth--;
    }
    return w->n < w->max;
}

size_t store_pods_of(const store_t *s, store_oid_t o, store_oid_t *out, size_t max)
{
    pods_of_t w = {.s = s, .pod_kind = intern_find(&s->str, "Pod", 3), .out = out, .max = max};
    if (!max || w.pod_kind == INTERN_NONE) return 0;
    if (s->objs[o].kind == w.pod_kind) {
        out[0] = o;
        return 1;
    }
    if (!uid_zero(s->objs[o].uid)) store_each_owned_by(s, s->objs[o].uid, pods_of_cb, &w);
    return w.n;
}

size_t store_namespaces(const store_t *s, uint32_t **out)
{
    size_t n = 0;
    *out = xmalloc((s->nsk.map.len + 1) * sizeof **out);
    for (uint32_t i = 0; i < s->nsk.map.cap; i++) {
        const tmap_slot_t *sl = &s->nsk.map.s[i];
        if (sl->v && sl->c == 1) (*out)[n++] = sl->a;
    }
    return n;
}

const uint32_t *store_label_postings(const store_t *s, uint32_t ns, uint32_t key, uint32_t value, size_t *n)
{
    const plist_t *l = pindex_get(&s->labels, ns, key, value);
    *n = l ? l->n : 0;
    return l ? l->v : NULL;
}

/* (list columns: status.c) */

/* ---------------------------------------------------------------- stats */

void store_get_stats(const store_t *s, store_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->objects = s->live;
    out->strings = intern_count(&s->str);
    out->bytes_strings = intern_bytes(&s->str);
    out->bytes_objects = (size_t)s->cap * sizeof *s->objs;
    for (uint32_t o = 0; o < s->nobjs; o++)
        if (s->objs[o].live) out->bytes_objects += tail_words(&s->objs[o]) * 4 + 16;
    out->bytes_indexes = ((size_t)s->id_cap + s->uid_cap) * 4 + tmap_bytes(&s->nsk.map) +
                         tmap_bytes(&s->labels.map) + tmap_bytes(&s->owners.map) + s->pool.bytes +
                         (size_t)s->pool.cap * sizeof(plist_t);
}
