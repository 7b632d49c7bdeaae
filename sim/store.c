/* store.c — kubesim's object store; see store.h and store_srv.h.
 *
 * Layout. Each kind has a record (kind_rec_t) holding its objects in a hash
 * map by key ("ns/name") and in a key-ordered array for LIST. The ordered
 * array is maintained lazily: new entries go to a pending array and deleted
 * entries are marked dead; both are folded in (sort + merge) the next time
 * someone needs order, so bulk generation costs one sort, not 150k
 * insertions. An entry is the stable slot of one key; each commit swaps in
 * a new immutable sim_obj_t.
 *
 * Versions are refcounted by their holders (the entry, the event window,
 * the subscriber queue); at zero they go to a garbage list that only
 * sim_store_gc() frees, which is what makes borrowed pointers safe for the
 * rest of a loop turn.
 *
 * Paged lists at an older resourceVersion are served by undoing, from the
 * current state, the changes the event window recorded after that
 * resourceVersion — the window doubles as the MVCC history.
 *
 * Bulk loading (sim_create_raw) builds a version from JSON text: the few
 * indexed fields are found by skipping through the text (js_*), and a
 * shared chunk, when given, is kept by reference — such a version's bytes
 * are the text around the chunk, assembled on demand (obj_text, a ring of
 * FLAT_RING) or written out in pieces (sim_obj_write).
 */
#include "store.h"
#include "store_srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/arena.h"
#include "base/jsonarena.h"
#include "base/map.h"
#include "base/mem.h"
#include "kinds.h"

typedef struct kind_rec kind_rec_t;
typedef struct entry entry_t;

struct sim_obj {
    uint32_t refs;
    bool deleting;
    bool garbage;
    uint16_t nowners;
    const sim_kind_t *kind;
    char *ns;
    char *name;
    char uid[40];
    uint64_t rv;
    char *bytes;  /* the text, or with a chunk: the text around it */
    size_t len;   /* length of the whole text */
    sim_chunk_t *chunk; /* shared bytes standing at chunk_at in the text, or NULL */
    uint32_t chunk_at;
    uint16_t flat_slot; /* with a chunk: where flat sits in the store's ring */
    char *flat;   /* with a chunk: the assembled text while in the ring */
    char *labels; /* packed "k\0v\0…\0"; NULL when none */
    char *fields; /* packed "path\0value\0…\0"; NULL when none */
    char **owners;
    cJSON *tree; /* cached parse, may be NULL */
    arena_t *tree_arena; /* where tree lives when parsed here (NULL: malloc'd nodes, a writer's tree) */
    sim_obj_t *lru_prev, *lru_next;
    sim_store_t *store;
};

struct sim_chunk {
    uint32_t refs;
    size_t len;
    char bytes[];
};

#define FLAT_RING 256
#define ARENA_POOL 512            /* reset tree arenas kept for reuse */
#define ARENA_BLOCK (40u << 10)   /* their block size */

struct entry {
    char *key;
    sim_obj_t *cur; /* NULL once deleted */
    bool in_sorted;
};

struct kind_rec {
    sim_kind_t k; /* first: a sim_kind_t * is a kind_rec_t * */
    bool removed;
    char *owned[10];
    map_t by_key;
    entry_t **sorted;
    size_t nsorted, capsorted, ndead;
    entry_t **pending;
    size_t npending, cappending;
    size_t live;
};

typedef struct wev {
    uint32_t refs;
    sim_event_t ev;
    char *line;
    size_t line_len;
} wev_t;

typedef struct deps {
    entry_t **v;
    size_t n, cap;
} deps_t;

typedef struct sub {
    int id;
    sim_event_fn fn;
    void *ud;
} sub_t;

struct sim_store {
    sim_store_opts_t opts;
    uint64_t rv;
    uint64_t rng;
    kind_rec_t **kinds;
    size_t nkinds, capkinds;
    map_t kind_by_res;  /* "group/resource" → kind_rec_t */
    map_t kind_by_kind; /* "group/Kind" → kind_rec_t */
    map_t by_uid;       /* uid → entry_t */
    map_t owners;       /* owner uid → deps_t */
    map_t ns_count;     /* namespace → (uintptr_t) objects in it */
    /* event window */
    wev_t **ring;
    size_t ring_cap, ring_head, ring_len;
    uint64_t compacted_rv; /* highest rv that left the window */
    /* subscribers */
    sub_t *subs;
    size_t nsubs, capsubs;
    int next_sub;
    wev_t **queue;
    size_t qlen, qcap, qhead;
    bool dispatching;
    /* deferred frees and the tree cache */
    sim_obj_t **garbage;
    size_t ngarbage, capgarbage;
    sim_obj_t *lru_head, *lru_tail;
    size_t ncached;
    const sim_kind_t *k_namespace, *k_crd;
    char *scratch; /* print buffer, see print_exact */
    size_t scratch_cap;
    buf_t rawbuf;     /* assembly buffer of sim_create_raw */
    buf_t editbuf;    /* text of the version being made by te_* edits */
    /* Chunked objects whose text is assembled (see obj_text). Each slot keeps
     * its buffer: a fresh 5 KB malloc per assembly made glibc consolidate
     * its fastbins (all the small blocks freed trees leave) every time. */
    struct flat_slot {
        sim_obj_t *o;
        char *buf;
        size_t cap;
    } flat_ring[FLAT_RING];
    size_t flat_next;
    map_t ns_names;   /* interned namespace names: every version of every object points into it */
    arena_t *arenas[ARENA_POOL]; /* reset arenas for cached trees (see sim_obj_json) */
    size_t narenas;
};

static void store_crd_changed(sim_store_t *s, int type, const sim_obj_t *o);
static int store_remove(sim_store_t *s, kind_rec_t *kr, entry_t *e, err_t *err);

/* ------------------------------------------------------------------ */
/* small helpers */

static uint64_t rng_next(sim_store_t *s)
{
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s->rng = x;
    return x;
}

static void gen_uid(sim_store_t *s, char out[40])
{
    uint64_t a = rng_next(s), b = rng_next(s);
    snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffull));
}

static int64_t now_ms(sim_store_t *s) { return s->opts.now_ms ? s->opts.now_ms() : clock_wall_ms(); }

static void now_rfc3339(sim_store_t *s, char out[32]) { clock_rfc3339(now_ms(s) / 1000, out); }

static const char *kind_plural_desc(const sim_kind_t *k, char *buf, size_t cap)
{
    /* The real server names things "deployments.apps" for non-core groups. */
    if (k->group[0]) snprintf(buf, cap, "%s.%s", k->resource, k->group);
    else snprintf(buf, cap, "%s", k->resource);
    return buf;
}

static cJSON *meta_of(cJSON *obj)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(m)) {
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "metadata");
        m = cJSON_AddObjectToObject(obj, "metadata");
    }
    return m;
}

static const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void set_str(cJSON *o, const char *name, const char *val)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsString(v)) {
        cJSON_SetValuestring(v, val);
        return;
    }
    if (v) cJSON_DeleteItemFromObjectCaseSensitive(o, name);
    cJSON_AddStringToObject(o, name, val);
}

static void set_item(cJSON *o, const char *name, cJSON *item)
{
    if (cJSON_GetObjectItemCaseSensitive(o, name)) cJSON_ReplaceItemInObjectCaseSensitive(o, name, item);
    else cJSON_AddItemToObject(o, name, item);
}

/* Put apiVersion and kind first, as the real server prints them. */
static void set_type_meta(cJSON *obj, const sim_kind_t *k)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
    cJSON *av = cJSON_CreateString(k->api_version), *kd = cJSON_CreateString(k->kind);
    /* cJSON has no insert-at-front for objects; splice by hand. */
    kd->string = xstrdup("kind");
    av->string = xstrdup("apiVersion");
    av->next = kd;
    kd->prev = av;
    kd->next = obj->child;
    if (obj->child) {
        av->prev = obj->child->prev; /* last element */
        obj->child->prev = kd;
    } else {
        av->prev = kd;
    }
    obj->child = av;
}

static bool rfc1123_subdomain(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.') return false;
        if ((i == 0 || i == n - 1) && !alnum) return false;
    }
    return true;
}

static bool path_segment_name(const char *s)
{
    if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return false;
    return !strchr(s, '/') && !strchr(s, '%');
}

/* ------------------------------------------------------------------ */
/* kinds */

static kind_rec_t *kr_of(const sim_kind_t *k) { return (kind_rec_t *)k; }

static void kind_key(char *buf, size_t cap, const char *group, const char *name)
{
    snprintf(buf, cap, "%s/%s", group ? group : "", name);
}

static kind_rec_t *kind_add(sim_store_t *s, const sim_kind_t *tmpl)
{
    kind_rec_t *kr = xcalloc(1, sizeof *kr);
    kr->k = *tmpl;
    kr->k.id = (int)s->nkinds;
    if (tmpl->group[0]) {
        size_t n = strlen(tmpl->group) + strlen(tmpl->version) + 2;
        char *av = xmalloc(n);
        snprintf(av, n, "%s/%s", tmpl->group, tmpl->version);
        kr->owned[0] = av;
        kr->k.api_version = av;
    } else {
        kr->k.api_version = tmpl->version;
    }
    if (s->nkinds == s->capkinds) {
        s->capkinds = s->capkinds ? s->capkinds * 2 : 64;
        s->kinds = xrealloc(s->kinds, s->capkinds * sizeof *s->kinds);
    }
    s->kinds[s->nkinds++] = kr;
    char key[512];
    kind_key(key, sizeof key, tmpl->group, tmpl->resource);
    map_puts(&s->kind_by_res, key, kr);
    kind_key(key, sizeof key, tmpl->group, tmpl->kind);
    map_puts(&s->kind_by_kind, key, kr);
    return kr;
}

const sim_kind_t *sim_kind_by_resource(sim_store_t *s, const char *group, const char *resource)
{
    char key[512];
    kind_key(key, sizeof key, group, resource);
    kind_rec_t *kr = map_gets(&s->kind_by_res, key);
    return kr ? &kr->k : NULL;
}

const sim_kind_t *sim_kind_by_kind(sim_store_t *s, const char *group, const char *kind)
{
    char key[512];
    kind_key(key, sizeof key, group, kind);
    kind_rec_t *kr = map_gets(&s->kind_by_kind, key);
    return kr ? &kr->k : NULL;
}

const sim_kind_t *sim_kind_by_gvk(sim_store_t *s, const char *api_version, const char *kind)
{
    if (!api_version || !kind) return NULL;
    const char *slash = strchr(api_version, '/');
    char group[256] = "";
    if (slash) {
        size_t n = (size_t)(slash - api_version);
        if (n >= sizeof group) return NULL;
        memcpy(group, api_version, n);
        group[n] = '\0';
    }
    const sim_kind_t *k = sim_kind_by_kind(s, group, kind);
    if (!k) return NULL;
    /* Only the one served version is accepted. */
    const char *ver = slash ? slash + 1 : api_version;
    return strcmp(ver, k->version) == 0 ? k : NULL;
}

static bool list_has_ci(const char *list, const char *name)
{
    if (!list) return false;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncasecmp(p, name, n) == 0) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

const sim_kind_t *sim_kind_find(sim_store_t *s, const char *name)
{
    if (!name || !*name) return NULL;
    char base[256];
    const char *group = NULL;
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    if (n >= sizeof base) return NULL;
    memcpy(base, name, n);
    base[n] = '\0';
    if (dot) group = dot + 1;
    /* Core group first (kubectl prefers it for "events"), then by order. Two
     * passes: exact names (resource, singular, kind), then short names. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->nkinds; i++) {
            const sim_kind_t *k = &s->kinds[i]->k;
            if (s->kinds[i]->removed) continue;
            if (group && strcasecmp(group, k->group) != 0) {
                /* "deployments.apps" and "deployments.v1.apps" both work. */
                char gv[300];
                snprintf(gv, sizeof gv, "%s.%s", k->version, k->group);
                if (strcasecmp(group, gv) != 0) continue;
            }
            bool hit = pass == 0 ? (strcasecmp(base, k->resource) == 0 || strcasecmp(base, k->singular) == 0 ||
                                    strcasecmp(base, k->kind) == 0)
                                 : list_has_ci(k->short_names, base);
            if (hit) return k;
        }
    }
    return NULL;
}

void sim_kind_each(sim_store_t *s, bool (*fn)(const sim_kind_t *k, void *ud), void *ud)
{
    for (size_t i = 0; i < s->nkinds; i++) {
        if (s->kinds[i]->removed) continue;
        if (!fn(&s->kinds[i]->k, ud)) return;
    }
}

/* ------------------------------------------------------------------ */
/* object versions */

static void lru_unlink(sim_store_t *s, sim_obj_t *o)
{
    if (o->lru_prev) o->lru_prev->lru_next = o->lru_next;
    else if (s->lru_head == o) s->lru_head = o->lru_next;
    if (o->lru_next) o->lru_next->lru_prev = o->lru_prev;
    else if (s->lru_tail == o) s->lru_tail = o->lru_prev;
    o->lru_prev = o->lru_next = NULL;
}

static void lru_push(sim_store_t *s, sim_obj_t *o)
{
    o->lru_prev = s->lru_tail;
    o->lru_next = NULL;
    if (s->lru_tail) s->lru_tail->lru_next = o;
    else s->lru_head = o;
    s->lru_tail = o;
}

static void obj_drop_tree(sim_store_t *s, sim_obj_t *o)
{
    if (!o->tree) return;
    lru_unlink(s, o);
    if (o->tree_arena) {
        /* Kept for the next parse: its first block comes back with it, so
         * a parse usually mallocs nothing at all. */
        if (s->narenas < ARENA_POOL) {
            arena_reset(o->tree_arena);
            s->arenas[s->narenas++] = o->tree_arena;
        } else {
            arena_free(o->tree_arena);
            free(o->tree_arena);
        }
        o->tree_arena = NULL;
    } else {
        cJSON_Delete(o->tree);
    }
    o->tree = NULL;
    s->ncached--;
}

static void obj_free(sim_store_t *s, sim_obj_t *o)
{
    obj_drop_tree(s, o);
    if (o->flat) s->flat_ring[o->flat_slot].o = NULL; /* the slot keeps its buffer */
    sim_chunk_unref(o->chunk);
    free(o->name);
    free(o->bytes);
    free(o->labels);
    free(o->fields);
    for (uint16_t i = 0; i < o->nowners; i++) free(o->owners[i]);
    free(o->owners);
    free(o);
}

static sim_obj_t *obj_ref(sim_obj_t *o)
{
    if (o) o->refs++;
    return o;
}

static void obj_unref(sim_store_t *s, sim_obj_t *o)
{
    if (!o || --o->refs > 0) return;
    if (s->ngarbage == s->capgarbage) {
        s->capgarbage = s->capgarbage ? s->capgarbage * 2 : 256;
        s->garbage = xrealloc(s->garbage, s->capgarbage * sizeof *s->garbage);
    }
    o->garbage = true;
    s->garbage[s->ngarbage++] = o;
}

static void pack_labels(buf_t *b, const cJSON *labels)
{
    const cJSON *l;
    cJSON_ArrayForEach(l, labels)
    {
        if (!cJSON_IsString(l) || !l->string) continue;
        buf_append(b, l->string, strlen(l->string) + 1);
        buf_append(b, l->valuestring, strlen(l->valuestring) + 1);
    }
}

static const cJSON *dot_path(const cJSON *o, const char *path)
{
    char part[128];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part) return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, part);
        path += n + (dot ? 1 : 0);
    }
    return o;
}

static void pack_fields(buf_t *b, const sim_kind_t *k, const cJSON *tree)
{
    const char *list = k->field_paths;
    char path[128];
    while (list && *list) {
        const char *e = strchr(list, ',');
        size_t n = e ? (size_t)(e - list) : strlen(list);
        if (n < sizeof path) {
            memcpy(path, list, n);
            path[n] = '\0';
            const cJSON *v = dot_path(tree, path);
            char num[64];
            const char *val = NULL;
            if (cJSON_IsString(v)) val = v->valuestring;
            else if (cJSON_IsBool(v)) val = cJSON_IsTrue(v) ? "true" : "false";
            else if (cJSON_IsNumber(v)) {
                snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
                val = num;
            }
            if (val) {
                buf_append(b, path, n + 1);
                buf_append(b, val, strlen(val) + 1);
            }
        }
        list = e ? e + 1 : NULL;
    }
}

/* ---- reading compact JSON without a tree (the bulk-load path) ----
 *
 * sim_create_raw takes bytes, not a tree, so the few things the store
 * indexes (labels, owner uids, selectable fields) are found by skipping
 * through the text. Whitespace is tolerated; anything malformed simply
 * yields "absent". */

static const char *js_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) p++;
    return p;
}

/* One past the closing quote of the string token at p; NULL if unterminated. */
static const char *js_str_end(const char *p, const char *e)
{
    for (p++; p < e;) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q) return NULL;
        size_t bs = 0; /* an odd run of backslashes escapes the quote */
        while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\') bs++;
        if (bs % 2 == 0) return q + 1;
        p = q + 1;
    }
    return NULL;
}

/* One past the value at p; NULL when malformed. */
static const char *js_skip(const char *p, const char *e)
{
    if (p >= e) return NULL;
    if (*p == '"') return js_str_end(p, e);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < e) {
            char c = *p;
            if (c == '"') {
                if (!(p = js_str_end(p, e))) return NULL;
                continue;
            }
            if (c == '{' || c == '[') depth++;
            else if ((c == '}' || c == ']') && --depth == 0) return p + 1;
            p++;
        }
        return NULL;
    }
    const char *q = p;
    while (q < e && *q != ',' && *q != '}' && *q != ']' && *q != ' ' && *q != '\n') q++;
    return q > p ? q : NULL;
}

typedef struct js_it {
    const char *p, *e;
    bool first;
} js_it_t;

/* Start iterating the object ('{') or array ('[') at p. */
static bool js_it_init(js_it_t *it, const char *p, const char *e, char open)
{
    p = p ? js_ws(p, e) : e;
    if (p >= e || *p != open) return false;
    *it = (js_it_t){p + 1, e, true};
    return true;
}

/* The next member (key token [*k, *ke) for objects) and its value [*v, *ve). */
static bool js_it_next(js_it_t *it, bool object, const char **k, const char **ke, const char **v, const char **ve)
{
    const char *p = js_ws(it->p, it->e), *e = it->e;
    if (p >= e) return false;
    if (it->first) {
        if (*p == '}' || *p == ']') return false;
        it->first = false;
    } else {
        if (*p != ',') return false;
        p = js_ws(p + 1, e);
    }
    if (object) {
        if (p >= e || *p != '"' || !(*ke = js_str_end(p, e))) return false;
        *k = p;
        p = js_ws(*ke, e);
        if (p >= e || *p != ':') return false;
        p = js_ws(p + 1, e);
    }
    *v = p;
    if (!(*ve = js_skip(p, e))) return false;
    it->p = *ve;
    return true;
}

/* The value of member key of the object at p, or NULL. */
static const char *js_member(const char *p, const char *e, const char *key, size_t klen, const char **vend)
{
    js_it_t it;
    const char *k, *ke, *v, *ve;
    if (!js_it_init(&it, p, e, '{')) return NULL;
    while (js_it_next(&it, true, &k, &ke, &v, &ve)) {
        if ((size_t)(ke - k - 2) == klen && memcmp(k + 1, key, klen) == 0) {
            *vend = ve;
            return v;
        }
    }
    return NULL;
}

/* Append the decoded string token [p, pe) and a NUL. */
static void js_str_put(buf_t *b, const char *p, const char *pe)
{
    if (!memchr(p, '\\', (size_t)(pe - p))) {
        buf_append(b, p + 1, (size_t)(pe - p - 2));
        buf_putc(b, '\0');
        return;
    }
    cJSON *v = cJSON_ParseWithLength(p, (size_t)(pe - p)); /* rare: escapes */
    const char *str = cJSON_IsString(v) ? v->valuestring : "";
    buf_append(b, str, strlen(str) + 1);
    cJSON_Delete(v);
}

/* 2 when list (comma-separated dot paths) names path, 1 when it names
 * something below it, 0 otherwise. */
static int path_role(const char *list, const char *path, size_t n)
{
    int role = 0;
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len >= n && memcmp(p, path, n) == 0) {
            if (len == n) role |= 2;
            else if (p[n] == '.') role |= 1;
        }
        p = comma ? comma + 1 : NULL;
    }
    return role;
}

/* One pass over the object at p, packing the selectable fields of list
 * ("path\0value\0") as pack_fields does from a tree. */
static void walk_fields(buf_t *b, const char *list, char *path, size_t plen, const char *p, const char *e)
{
    js_it_t it;
    const char *k, *ke, *v, *ve;
    if (!js_it_init(&it, p, e, '{')) return;
    while (js_it_next(&it, true, &k, &ke, &v, &ve)) {
        size_t kl = (size_t)(ke - k - 2), n = plen;
        if (plen + kl + 2 >= 128) continue;
        if (plen) path[n++] = '.';
        memcpy(path + n, k + 1, kl);
        n += kl;
        path[n] = '\0';
        int role = path_role(list, path, n);
        if ((role & 1) && *v == '{') walk_fields(b, list, path, n, v, ve);
        if (!(role & 2)) continue;
        if (*v == '"') {
            buf_append(b, path, n + 1);
            js_str_put(b, v, ve);
        } else if (ve - v == 4 && !memcmp(v, "true", 4)) {
            buf_append(b, path, n + 1);
            buf_append(b, "true", 5);
        } else if (ve - v == 5 && !memcmp(v, "false", 5)) {
            buf_append(b, path, n + 1);
            buf_append(b, "false", 6);
        } else if (*v == '-' || (*v >= '0' && *v <= '9')) {
            char num[64];
            snprintf(num, sizeof num, "%lld", (long long)strtod(v, NULL));
            buf_append(b, path, n + 1);
            buf_append(b, num, strlen(num) + 1);
        }
    }
}

/* What pack_labels, pack_fields and the owner scan of obj_build extract,
 * from bytes instead of a tree. */
static void extract_from_bytes(sim_obj_t *o, const sim_kind_t *k, const char *text)
{
    const char *e = text + o->len, *me = NULL, *ve = NULL;
    const char *meta = js_member(text, e, "metadata", 8, &me);
    buf_t b = {0};
    js_it_t it;
    const char *kk, *ke;
    const char *labels = meta ? js_member(meta, me, "labels", 6, &ve) : NULL;
    if (labels && js_it_init(&it, labels, ve, '{')) {
        const char *lv, *lve;
        while (js_it_next(&it, true, &kk, &ke, &lv, &lve)) {
            if (*lv != '"') continue;
            js_str_put(&b, kk, ke);
            js_str_put(&b, lv, lve);
        }
        if (b.len) {
            buf_putc(&b, '\0');
            o->labels = xmemdup(b.data, b.len);
        }
    }
    buf_reset(&b);
    char path[128];
    if (k->field_paths) walk_fields(&b, k->field_paths, path, 0, text, e);
    if (b.len) {
        buf_putc(&b, '\0');
        o->fields = xmemdup(b.data, b.len);
    }
    buf_free(&b);
    const char *refs = meta ? js_member(meta, me, "ownerReferences", 15, &ve) : NULL;
    const char *rv, *rve;
    size_t nrefs = 0;
    if (refs && js_it_init(&it, refs, ve, '['))
        while (js_it_next(&it, false, &kk, &ke, &rv, &rve)) nrefs++;
    if (nrefs && js_it_init(&it, refs, ve, '[')) {
        o->owners = xcalloc(nrefs, sizeof *o->owners);
        while (js_it_next(&it, false, &kk, &ke, &rv, &rve) && o->nowners < nrefs) {
            const char *uend, *u = js_member(rv, rve, "uid", 3, &uend);
            if (!u || *u != '"' || uend - u <= 2) continue;
            buf_t ub = {0};
            js_str_put(&ub, u, uend);
            o->owners[o->nowners++] = buf_steal(&ub);
        }
    }
    const char *dts = meta ? js_member(meta, me, "deletionTimestamp", 17, &ve) : NULL;
    o->deleting = dts && *dts == '"';
}

/* Print into the store's reusable scratch buffer (valid until the next
 * print): cJSON's own printer grows its buffer by realloc, which under
 * hundreds of thousands of objects spends most of its time in glibc's
 * malloc_consolidate. */
static const char *print_scratch(sim_store_t *s, const cJSON *tree, size_t *len)
{
    for (;;) {
        if (!s->scratch) {
            s->scratch_cap = s->scratch_cap ? s->scratch_cap : 64 * 1024;
            s->scratch = xmalloc(s->scratch_cap);
        }
        if (cJSON_PrintPreallocated((cJSON *)tree, s->scratch, (int)s->scratch_cap - 5, 0)) {
            *len = strlen(s->scratch);
            return s->scratch;
        }
        free(s->scratch);
        s->scratch = NULL;
        s->scratch_cap *= 2; /* bodies are at most a few MB: this ends */
    }
}

/* One exact-size copy of the printed tree. */
static char *print_exact(sim_store_t *s, const cJSON *tree, size_t *len)
{
    const char *p = print_scratch(s, tree, len);
    return xmemdup(p, *len + 1);
}

/* One copy of each namespace name for all versions (freed with the store). */
static char *ns_intern(sim_store_t *s, const char *ns)
{
    char *v = map_gets(&s->ns_names, ns);
    if (!v) {
        v = xstrdup(ns);
        map_puts(&s->ns_names, ns, v);
    }
    return v;
}

/* Build a version from a tree whose metadata is final. Takes the tree.
 * text (may be NULL: printed here) is the tree printed already. */
static sim_obj_t *obj_build_text(sim_store_t *s, const sim_kind_t *k, cJSON *tree, uint64_t rv, const char *text,
                                 size_t len)
{
    sim_obj_t *o = xcalloc(1, sizeof *o);
    o->store = s;
    o->kind = k;
    o->rv = rv;
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(tree, "metadata");
    const char *ns = jstr(meta, "namespace"), *name = jstr(meta, "name"), *uid = jstr(meta, "uid");
    o->ns = ns_intern(s, k->namespaced && ns ? ns : "");
    o->name = xstrdup(name ? name : "");
    snprintf(o->uid, sizeof o->uid, "%s", uid ? uid : "");
    o->deleting = jstr(meta, "deletionTimestamp") != NULL;
    buf_t b = {0};
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
    if (cJSON_IsObject(labels) && labels->child) {
        pack_labels(&b, labels);
        buf_putc(&b, '\0');
        o->labels = xmemdup(b.data, b.len);
    }
    buf_reset(&b);
    pack_fields(&b, k, tree);
    if (b.len) {
        buf_putc(&b, '\0');
        o->fields = xmemdup(b.data, b.len);
    }
    buf_free(&b);
    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(meta, "ownerReferences");
    int n = cJSON_IsArray(refs) ? cJSON_GetArraySize(refs) : 0;
    if (n > 0) {
        o->owners = xcalloc((size_t)n, sizeof *o->owners);
        const cJSON *r;
        cJSON_ArrayForEach(r, refs)
        {
            const char *u = jstr(r, "uid");
            if (u && *u && o->nowners < UINT16_MAX) o->owners[o->nowners++] = xstrdup(u);
        }
    }
    if (text) {
        o->bytes = xmemdup(text, len + 1);
        o->len = len;
    } else {
        o->bytes = print_exact(s, tree, &o->len);
    }
    o->tree = tree;
    lru_push(s, o);
    s->ncached++;
    return o;
}

static sim_obj_t *obj_build(sim_store_t *s, const sim_kind_t *k, cJSON *tree, uint64_t rv)
{
    return obj_build_text(s, k, tree, rv, NULL, 0);
}

const sim_kind_t *sim_obj_kind(const sim_obj_t *o) { return o->kind; }
const char *sim_obj_namespace(const sim_obj_t *o) { return o->ns; }
const char *sim_obj_name(const sim_obj_t *o) { return o->name; }
const char *sim_obj_uid(const sim_obj_t *o) { return o->uid; }
uint64_t sim_obj_rv(const sim_obj_t *o) { return o->rv; }
sim_chunk_t *sim_chunk_new(const char *p, size_t n)
{
    sim_chunk_t *c = xmalloc(sizeof *c + n + 1);
    c->refs = 1;
    c->len = n;
    memcpy(c->bytes, p, n);
    c->bytes[n] = '\0';
    return c;
}

void sim_chunk_unref(sim_chunk_t *c)
{
    if (c && --c->refs == 0) free(c);
}

/* The whole text of o, contiguous. Chunked objects are assembled into the
 * ring; the oldest assembly is dropped to make room. */
static const char *obj_text(const sim_obj_t *co)
{
    if (!co->chunk) return co->bytes;
    sim_obj_t *o = (sim_obj_t *)co; /* the assembly is a cache, not part of the value */
    if (o->flat) return o->flat;
    sim_store_t *s = o->store;
    size_t slot = s->flat_next++ % FLAT_RING;
    struct flat_slot *fs = &s->flat_ring[slot];
    if (fs->o) fs->o->flat = NULL;
    if (fs->cap < o->len + 1) {
        free(fs->buf);
        fs->cap = o->len + 1 > 8192 ? o->len + 1 : 8192;
        fs->buf = xmalloc(fs->cap);
    }
    char *f = fs->buf;
    size_t tail = o->len - o->chunk->len - o->chunk_at;
    memcpy(f, o->bytes, o->chunk_at);
    memcpy(f + o->chunk_at, o->chunk->bytes, o->chunk->len);
    memcpy(f + o->chunk_at + o->chunk->len, o->bytes + o->chunk_at, tail);
    f[o->len] = '\0';
    o->flat = f;
    o->flat_slot = (uint16_t)slot;
    fs->o = o;
    return f;
}

sv_t sim_obj_bytes(const sim_obj_t *o) { return sv_make(obj_text(o), o->len); }

size_t sim_obj_len(const sim_obj_t *o) { return o->len; }

void sim_obj_write(const sim_obj_t *o, buf_t *out)
{
    if (!o->chunk) {
        buf_append(out, o->bytes, o->len);
        return;
    }
    buf_reserve(out, o->len);
    buf_append(out, o->bytes, o->chunk_at);
    buf_append(out, o->chunk->bytes, o->chunk->len);
    buf_append(out, o->bytes + o->chunk_at, o->len - o->chunk->len - o->chunk_at);
}
bool sim_obj_deleting(const sim_obj_t *o) { return o->deleting; }
const char *sim_obj_labels_packed(const sim_obj_t *o) { return o->labels ? o->labels : ""; }

/* ---- new versions by editing the current text ----
 *
 * A status write, churn's edits and a deletion's final version change a
 * member or two of a 3–8 KB object. Parsing the current version, copying
 * the tree and printing it again costs ~100 µs and thousands of small
 * allocations per change (whose frees then make glibc consolidate its
 * fastbins at the next large malloc); splicing the new members' text into
 * the current text costs a few µs, builds no tree, and keeps a shared
 * chunk shared when no edit touches it. */

typedef struct tedit {
    buf_t *b;        /* the text being edited (the store's editbuf) */
    size_t cs, clen; /* where the shared chunk stands in b */
    bool chunk;      /* still intact */
} tedit_t;

/* Replace b[at, at+cut) by p[0, n). */
static void te_splice(tedit_t *t, size_t at, size_t cut, const char *p, size_t n)
{
    buf_t *b = t->b;
    if (n > cut) buf_reserve(b, n - cut);
    memmove(b->data + at + n, b->data + at + cut, b->len - at - cut + 1); /* with the NUL */
    memcpy(b->data + at, p, n);
    b->len = b->len - cut + n;
    if (t->chunk) {
        if (at + cut <= t->cs) t->cs = t->cs + n - cut;
        else if (at < t->cs + t->clen) t->chunk = false;
    }
}

/* Find the member at a dot path in the object text [p, e). 1: found, its
 * key token starts at *ks and its value is [*vs, *ve). 0: the last
 * component is absent from an existing object [*ps, *pe). -1: a parent is
 * missing or not an object. */
static int te_find(const char *p, const char *e, const char *path, const char **ks, const char **vs,
                   const char **ve, const char **ps, const char **pe)
{
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        js_it_t it;
        const char *k, *ke, *v, *vend;
        if (!js_it_init(&it, p, e, '{')) return -1;
        const char *open = js_ws(p, e);
        bool hit = false;
        while (js_it_next(&it, true, &k, &ke, &v, &vend)) {
            if ((size_t)(ke - k - 2) == n && memcmp(k + 1, path, n) == 0) {
                hit = true;
                break;
            }
        }
        if (!hit) {
            if (dot) return -1;
            *ps = open;
            *pe = js_skip(open, e);
            return *pe ? 0 : -1;
        }
        if (!dot) {
            *ks = k;
            *vs = v;
            *ve = vend;
            return 1;
        }
        p = v;
        e = vend;
        path = dot + 1;
    }
}

/* Set (json != NULL) or remove the member at path. A missing last
 * component is added at the end of its object. */
static int te_apply(tedit_t *t, const char *path, const char *json, size_t n)
{
    const char *base = t->b->data, *end = base + t->b->len, *ks, *vs, *ve, *ps, *pe;
    int r = te_find(base, end, path, &ks, &vs, &ve, &ps, &pe);
    if (r < 0) return -1;
    if (r == 1) {
        if (json) {
            te_splice(t, (size_t)(vs - base), (size_t)(ve - vs), json, n);
            return 0;
        }
        size_t a = (size_t)(ks - base), z = (size_t)(ve - base);
        if (a > 0 && base[a - 1] == ',') a--;
        else if (z < t->b->len && base[z] == ',') z++;
        te_splice(t, a, z - a, "", 0);
        return 0;
    }
    if (!json) return 0;
    const char *last = strrchr(path, '.');
    const char *key = last ? last + 1 : path;
    bool empty = *js_ws(ps + 1, pe) == '}';
    size_t at = (size_t)(pe - 1 - base); /* before the closing brace */
    buf_t kb = {0};
    if (!empty) buf_putc(&kb, ',');
    buf_json_cstr(&kb, key);
    buf_putc(&kb, ':');
    te_splice(t, at, 0, json, n);
    te_splice(t, at, 0, kb.data, kb.len);
    buf_free(&kb);
    return 0;
}

/* Start editing o's text in the store's edit buffer. */
static tedit_t te_begin(sim_store_t *s, const sim_obj_t *o)
{
    buf_t *b = &s->editbuf;
    buf_reset(b);
    buf_append(b, obj_text(o), o->len);
    return (tedit_t){b, o->chunk_at, o->chunk ? o->chunk->len : 0, o->chunk != NULL};
}

static void te_set_rv(tedit_t *t, uint64_t rv)
{
    char v[32];
    int n = snprintf(v, sizeof v, "\"%llu\"", (unsigned long long)rv);
    te_apply(t, "metadata.resourceVersion", v, (size_t)n);
}

/* A version of cur's object (same key and uid) from the edited text. */
static sim_obj_t *obj_from_text(sim_store_t *s, const sim_obj_t *cur, const tedit_t *t, uint64_t rv)
{
    sim_obj_t *o = xcalloc(1, sizeof *o);
    o->store = s;
    o->kind = cur->kind;
    o->rv = rv;
    o->ns = cur->ns; /* interned */
    o->name = xstrdup(cur->name);
    memcpy(o->uid, cur->uid, sizeof o->uid);
    o->len = t->b->len;
    extract_from_bytes(o, o->kind, t->b->data);
    if (t->chunk) {
        size_t own = t->b->len - t->clen;
        o->bytes = xmalloc(own + 1);
        memcpy(o->bytes, t->b->data, t->cs);
        memcpy(o->bytes + t->cs, t->b->data + t->cs + t->clen, t->b->len - t->cs - t->clen);
        o->bytes[own] = '\0';
        o->chunk = cur->chunk;
        o->chunk->refs++;
        o->chunk_at = (uint32_t)t->cs;
    } else {
        o->bytes = xmemdup(t->b->data, t->b->len + 1);
    }
    return o;
}

const cJSON *sim_obj_json(const sim_obj_t *co)
{
    sim_obj_t *o = (sim_obj_t *)co; /* the cache is not part of the value */
    sim_store_t *s = o->store;
    if (o->tree) {
        lru_unlink(s, o);
        lru_push(s, o);
        return o->tree;
    }
    /* Read-only trees (the header's rule) live in an arena of their own:
     * one or two blocks to allocate and to free instead of a malloc and a
     * free per node — with thousands of trees parsed and dropped per
     * second under churn, glibc's per-node work (and the fastbin
     * consolidation it triggers) was most of kubesim's CPU. */
    arena_t *a = s->narenas ? s->arenas[--s->narenas] : xcalloc(1, sizeof *a);
    a->block_size = ARENA_BLOCK; /* a tree takes ~4.5× its text: a 3–8 KB pod fits one block */
    const char *end;
    o->tree = jsonarena_parse_prefix(a, obj_text(o), o->len, &end); /* lenient as cJSON_ParseWithLength */
    if (!o->tree) {
        arena_free(a);
        free(a);
        return NULL;
    }
    o->tree_arena = a;
    lru_push(s, o);
    s->ncached++;
    return o->tree;
}

cJSON *sim_obj_member(const sim_obj_t *o, const char *path)
{
    if (o->tree) return cJSON_Duplicate(dot_path(o->tree, path), true);
    const char *cur = obj_text(o), *end = cur + o->len;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        cur = js_member(cur, end, path, n, &end);
        path += n + (dot ? 1 : 0);
    }
    return cur ? cJSON_ParseWithLength(cur, (size_t)(end - cur)) : NULL;
}

sv_t sim_obj_member_text(const sim_obj_t *o, const char *path)
{
    const char *cur = obj_text(o), *end = cur + o->len;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        cur = js_member(cur, end, path, n, &end);
        path += n + (dot ? 1 : 0);
    }
    return cur ? sv_make(cur, (size_t)(end - cur)) : sv_make(NULL, 0);
}

static const char *packed_find(const char *p, const char *key)
{
    if (!p) return NULL;
    while (*p) {
        const char *v = p + strlen(p) + 1;
        if (strcmp(p, key) == 0) return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

const char *sim_obj_label(const sim_obj_t *o, const char *key) { return packed_find(o->labels, key); }

const char *sim_obj_field(const sim_obj_t *o, const char *path)
{
    if (strcmp(path, "metadata.name") == 0) return o->name;
    if (strcmp(path, "metadata.namespace") == 0) return o->ns;
    return packed_find(o->fields, path);
}

void sim_obj_key(const sim_obj_t *o, char *out, size_t cap) { snprintf(out, cap, "%s/%s", o->ns, o->name); }

/* ------------------------------------------------------------------ */
/* ordered index */

static int entry_cmp(const void *a, const void *b)
{
    return strcmp((*(entry_t *const *)a)->key, (*(entry_t *const *)b)->key);
}

static void entry_free(entry_t *e)
{
    free(e->key);
    free(e);
}

/* Fold pending entries into the ordered array and drop dead ones. */
static void kr_order(kind_rec_t *kr)
{
    if (kr->npending == 0 && kr->ndead * 4 <= kr->nsorted + 16) return;
    size_t np = 0;
    for (size_t i = 0; i < kr->npending; i++) {
        entry_t *e = kr->pending[i];
        if (e->cur) kr->pending[np++] = e;
        else entry_free(e);
    }
    if (np > 1) qsort(kr->pending, np, sizeof *kr->pending, entry_cmp);
    size_t cap = kr->nsorted - kr->ndead + np + 16;
    entry_t **out = xmalloc(cap * sizeof *out);
    size_t i = 0, j = 0, n = 0;
    while (i < kr->nsorted || j < np) {
        entry_t *a = i < kr->nsorted ? kr->sorted[i] : NULL;
        if (a && !a->cur) {
            entry_free(a);
            i++;
            continue;
        }
        entry_t *b = j < np ? kr->pending[j] : NULL;
        if (a && (!b || strcmp(a->key, b->key) <= 0)) {
            out[n++] = a;
            i++;
        } else {
            b->in_sorted = true;
            out[n++] = b;
            j++;
        }
    }
    free(kr->sorted);
    kr->sorted = out;
    kr->nsorted = n;
    kr->capsorted = cap;
    kr->ndead = 0;
    kr->npending = 0;
}

/* First index in the ordered array whose key is > key (or >= when
 * inclusive). */
static size_t kr_lower(kind_rec_t *kr, const char *key, bool inclusive)
{
    size_t lo = 0, hi = kr->nsorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(kr->sorted[mid]->key, key);
        if (c < 0 || (c == 0 && !inclusive)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static entry_t *kr_get(kind_rec_t *kr, const char *ns, const char *name)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s", kr->k.namespaced && ns ? ns : "", name);
    return map_gets(&kr->by_key, key);
}

/* ------------------------------------------------------------------ */
/* counters per namespace and the owner index */

static size_t ns_count(sim_store_t *s, const char *ns) { return (uintptr_t)map_gets(&s->ns_count, ns); }

static void ns_count_add(sim_store_t *s, const char *ns, long d)
{
    uintptr_t n = (uintptr_t)map_gets(&s->ns_count, ns);
    n = (uintptr_t)((long)n + d);
    if (n == 0) map_dels(&s->ns_count, ns);
    else map_puts(&s->ns_count, ns, (void *)n);
}

static void deps_add(sim_store_t *s, const char *owner, entry_t *e)
{
    deps_t *d = map_gets(&s->owners, owner);
    if (!d) {
        d = xcalloc(1, sizeof *d);
        map_puts(&s->owners, owner, d);
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 4;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    d->v[d->n++] = e;
}

static void deps_del(sim_store_t *s, const char *owner, entry_t *e)
{
    deps_t *d = map_gets(&s->owners, owner);
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i] == e) {
            d->v[i] = d->v[--d->n];
            break;
        }
    }
    if (d->n == 0) {
        map_dels(&s->owners, owner);
        free(d->v);
        free(d);
    }
}

static bool owners_equal(const sim_obj_t *a, const sim_obj_t *b)
{
    if (a->nowners != b->nowners) return false;
    for (uint16_t i = 0; i < a->nowners; i++)
        if (strcmp(a->owners[i], b->owners[i]) != 0) return false;
    return true;
}

static void index_owners(sim_store_t *s, entry_t *e, const sim_obj_t *old, const sim_obj_t *nu)
{
    if (old && nu && owners_equal(old, nu)) return;
    if (old)
        for (uint16_t i = 0; i < old->nowners; i++) deps_del(s, old->owners[i], e);
    if (nu)
        for (uint16_t i = 0; i < nu->nowners; i++) deps_add(s, nu->owners[i], e);
}

/* ------------------------------------------------------------------ */
/* event window and subscribers */

static void wev_unref(sim_store_t *s, wev_t *w)
{
    if (--w->refs > 0) return;
    obj_unref(s, (sim_obj_t *)w->ev.obj);
    obj_unref(s, (sim_obj_t *)w->ev.old);
    free(w->line);
    free(w);
}

static void dispatch(sim_store_t *s)
{
    if (s->dispatching) return;
    s->dispatching = true;
    while (s->qhead < s->qlen) {
        wev_t *w = s->queue[s->qhead++];
        for (size_t i = 0; i < s->nsubs; i++)
            if (s->subs[i].fn) s->subs[i].fn(&w->ev, s->subs[i].ud);
        wev_unref(s, w);
    }
    s->qhead = s->qlen = 0;
    size_t n = 0; /* drop subscriptions cancelled during dispatch */
    for (size_t i = 0; i < s->nsubs; i++)
        if (s->subs[i].fn) s->subs[n++] = s->subs[i];
    s->nsubs = n;
    s->dispatching = false;
}

static void record(sim_store_t *s, int type, const sim_kind_t *k, sim_obj_t *obj, sim_obj_t *old)
{
    wev_t *w = xcalloc(1, sizeof *w);
    w->refs = 2; /* the window and the queue */
    w->ev.type = type;
    w->ev.rv = obj->rv;
    w->ev.kind = k;
    w->ev.obj = obj_ref(obj);
    w->ev.old = obj_ref(old);
    w->ev.internal = w;
    if (s->ring_len == s->ring_cap) {
        wev_t *oldest = s->ring[s->ring_head];
        s->compacted_rv = oldest->ev.rv;
        wev_unref(s, oldest);
        s->ring[s->ring_head] = w;
        s->ring_head = (s->ring_head + 1) % s->ring_cap;
    } else {
        s->ring[(s->ring_head + s->ring_len) % s->ring_cap] = w;
        s->ring_len++;
    }
    if (s->qlen == s->qcap) {
        s->qcap = s->qcap ? s->qcap * 2 : 64;
        s->queue = xrealloc(s->queue, s->qcap * sizeof *s->queue);
    }
    s->queue[s->qlen++] = w;
}

int sim_store_subscribe(sim_store_t *s, sim_event_fn fn, void *ud)
{
    if (s->nsubs == s->capsubs) {
        s->capsubs = s->capsubs ? s->capsubs * 2 : 8;
        s->subs = xrealloc(s->subs, s->capsubs * sizeof *s->subs);
    }
    s->subs[s->nsubs++] = (sub_t){++s->next_sub, fn, ud};
    return s->next_sub;
}

void sim_store_unsubscribe(sim_store_t *s, int id)
{
    for (size_t i = 0; i < s->nsubs; i++) {
        if (s->subs[i].id != id) continue;
        if (s->dispatching) {
            s->subs[i].fn = NULL;
        } else {
            memmove(&s->subs[i], &s->subs[i + 1], (s->nsubs - i - 1) * sizeof *s->subs);
            s->nsubs--;
        }
        return;
    }
}

int sim_window_each(sim_store_t *s, uint64_t since_rv, bool (*fn)(const sim_event_t *ev, void *ud), void *ud,
                    err_t *err)
{
    if (since_rv < s->compacted_rv)
        return err_set(err, SIM_ERR_GONE, "too old resource version: %llu (%llu)", (unsigned long long)since_rv,
                       (unsigned long long)(s->compacted_rv + 1));
    /* Binary search the first event with rv > since_rv (rvs ascend). */
    size_t lo = 0, hi = s->ring_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ring[(s->ring_head + mid) % s->ring_cap]->ev.rv <= since_rv) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i < s->ring_len; i++) {
        wev_t *w = s->ring[(s->ring_head + i) % s->ring_cap];
        if (!fn(&w->ev, ud)) break;
    }
    return 0;
}

uint64_t sim_window_oldest(const sim_store_t *s) { return s->compacted_rv; }

sv_t sim_event_line(const sim_event_t *ev)
{
    wev_t *w = (wev_t *)ev->internal;
    if (!w->line) {
        static const char *names[] = {"", "ADDED", "MODIFIED", "DELETED"};
        buf_t b = {0};
        buf_reserve(&b, ev->obj->len + 40);
        buf_puts(&b, "{\"type\":\"");
        buf_puts(&b, names[ev->type]);
        buf_puts(&b, "\",\"object\":");
        sim_obj_write(ev->obj, &b);
        buf_puts(&b, "}\n");
        w->line_len = b.len;
        w->line = buf_steal(&b);
    }
    return sv_make(w->line, w->line_len);
}

/* ------------------------------------------------------------------ */
/* the store */

static const char *const initial_namespaces[] = {"default", "kube-system", "kube-public", "kube-node-lease"};

sim_store_t *sim_store_new(const sim_store_opts_t *opts)
{
    sim_store_t *s = xcalloc(1, sizeof *s);
    if (opts) s->opts = *opts;
    if (!s->opts.event_window) s->opts.event_window = 10000;
    /* A pod's tree is ~20 KB; 2048 of them is what the controllers touch
     * in a few ticks. Within a loop turn the cache is unbounded. */
    if (!s->opts.tree_cache) s->opts.tree_cache = 2048;
    s->rng = s->opts.seed ? s->opts.seed : (uint64_t)clock_mono_ns() ^ 0x9E3779B97F4A7C15ull;
    if (!s->rng) s->rng = 1;
    s->ring_cap = s->opts.event_window;
    s->ring = xcalloc(s->ring_cap, sizeof *s->ring);
    for (size_t i = 0; i < sim_builtin_nkinds; i++) kind_add(s, &sim_builtin_kinds[i]);
    s->k_namespace = sim_kind_by_resource(s, "", "namespaces");
    s->k_crd = sim_kind_by_resource(s, "apiextensions.k8s.io", "customresourcedefinitions");
    for (size_t i = 0; i < sizeof initial_namespaces / sizeof *initial_namespaces; i++) {
        cJSON *ns = cJSON_CreateObject();
        cJSON_AddStringToObject(meta_of(ns), "name", initial_namespaces[i]);
        cJSON *labels = cJSON_AddObjectToObject(meta_of(ns), "labels");
        cJSON_AddStringToObject(labels, "kubernetes.io/metadata.name", initial_namespaces[i]);
        sim_create(s, s->k_namespace, NULL, ns, NULL, NULL, NULL);
    }
    return s;
}

void sim_store_free(sim_store_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->ring_len; i++) wev_unref(s, s->ring[(s->ring_head + i) % s->ring_cap]);
    for (size_t i = s->qhead; i < s->qlen; i++) wev_unref(s, s->queue[i]);
    for (size_t i = 0; i < s->nkinds; i++) {
        kind_rec_t *kr = s->kinds[i];
        for (size_t j = 0; j < kr->nsorted; j++) {
            if (kr->sorted[j]->cur) obj_unref(s, kr->sorted[j]->cur);
            entry_free(kr->sorted[j]);
        }
        for (size_t j = 0; j < kr->npending; j++) {
            if (kr->pending[j]->cur) obj_unref(s, kr->pending[j]->cur);
            entry_free(kr->pending[j]);
        }
        free(kr->sorted);
        free(kr->pending);
        map_free(&kr->by_key);
        for (size_t j = 0; j < sizeof kr->owned / sizeof *kr->owned; j++) free(kr->owned[j]);
        free(kr);
    }
    for (size_t i = 0; i < s->ngarbage; i++) obj_free(s, s->garbage[i]);
    size_t it = 0;
    map_slot_t *slot;
    while (map_next(&s->owners, &it, &slot)) {
        deps_t *d = slot->val;
        free(d->v);
        free(d);
    }
    map_free(&s->owners);
    map_free(&s->by_uid);
    map_free(&s->ns_count);
    map_free(&s->kind_by_res);
    map_free(&s->kind_by_kind);
    free(s->kinds);
    free(s->ring);
    free(s->queue);
    free(s->subs);
    free(s->garbage);
    free(s->scratch);
    buf_free(&s->rawbuf);
    buf_free(&s->editbuf);
    for (size_t i = 0; i < s->narenas; i++) {
        arena_free(s->arenas[i]);
        free(s->arenas[i]);
    }
    for (size_t i = 0; i < FLAT_RING; i++) free(s->flat_ring[i].buf);
    it = 0;
    while (map_next(&s->ns_names, &it, &slot)) free(slot->val);
    map_free(&s->ns_names);
    free(s);
}

void sim_store_gc(sim_store_t *s)
{
    for (size_t i = 0; i < s->ngarbage; i++) obj_free(s, s->garbage[i]);
    s->ngarbage = 0;
    if (s->capgarbage > 4096) {
        free(s->garbage);
        s->garbage = NULL;
        s->capgarbage = 0;
    }
    while (s->ncached > s->opts.tree_cache && s->lru_head) obj_drop_tree(s, s->lru_head);
}

uint64_t sim_store_rv(const sim_store_t *s) { return s->rv; }

size_t sim_store_count(sim_store_t *s, const sim_kind_t *k) { return kr_of(k)->live; }

/* ------------------------------------------------------------------ */
/* reading */

const sim_obj_t *sim_get_obj(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name)
{
    if (!k || !name) return NULL;
    entry_t *e = kr_get(kr_of(k), ns, name);
    return e ? e->cur : NULL;
}

const sim_obj_t *sim_get_by_uid(sim_store_t *s, const char *uid)
{
    entry_t *e = uid ? map_gets(&s->by_uid, uid) : NULL;
    return e ? e->cur : NULL;
}

const cJSON *sim_get(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name)
{
    const sim_obj_t *o = sim_get_obj(s, k, ns, name);
    return o ? sim_obj_json(o) : NULL;
}

cJSON *sim_get_copy(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name)
{
    const cJSON *t = sim_get(s, k, ns, name);
    return t ? cJSON_Duplicate(t, true) : NULL;
}

/* Snapshot of the current objects of a kind in order, optionally one
 * namespace. Returns a fresh array the caller frees. */
static const sim_obj_t **snapshot(kind_rec_t *kr, const char *ns, size_t *n_out)
{
    kr_order(kr);
    size_t lo = 0, hi = kr->nsorted;
    char key[300];
    if (ns && *ns && kr->k.namespaced) {
        snprintf(key, sizeof key, "%s/", ns);
        lo = kr_lower(kr, key, true);
        snprintf(key, sizeof key, "%s0", ns); /* '0' follows '/' */
        hi = kr_lower(kr, key, true);
    }
    const sim_obj_t **v = xmalloc((hi - lo + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = lo; i < hi; i++)
        if (kr->sorted[i]->cur) v[n++] = kr->sorted[i]->cur;
    *n_out = n;
    return v;
}

void sim_each(sim_store_t *s, const sim_kind_t *k, const char *ns, bool (*fn)(const sim_obj_t *o, void *ud),
              void *ud)
{
    size_t n;
    const sim_obj_t **v = snapshot(kr_of(k), ns, &n);
    for (size_t i = 0; i < n; i++)
        if (!fn(v[i], ud)) break;
    free(v);
}

void sim_each_dependent(sim_store_t *s, const char *owner_uid, bool (*fn)(const sim_obj_t *o, void *ud),
                        void *ud)
{
    deps_t *d = map_gets(&s->owners, owner_uid);
    if (!d || d->n == 0) return;
    size_t n = 0;
    const sim_obj_t **v = xmalloc(d->n * sizeof *v);
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i]->cur) v[n++] = d->v[i]->cur;
    for (size_t i = 0; i < n; i++)
        if (!fn(v[i], ud)) break;
    free(v);
}

/* ------------------------------------------------------------------ */
/* commits */

static void set_rv(cJSON *meta, uint64_t rv)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)rv);
    set_str(meta, "resourceVersion", buf);
}

/* Add a new entry with its first version (tree final but for rv). */
static sim_obj_t *commit_add_obj(sim_store_t *s, kind_rec_t *kr, const char *key, sim_obj_t *o);

static sim_obj_t *commit_add(sim_store_t *s, kind_rec_t *kr, const char *key, cJSON *tree)
{
    uint64_t rv = ++s->rv;
    set_rv(meta_of(tree), rv);
    return commit_add_obj(s, kr, key, obj_build(s, &kr->k, tree, rv));
}

/* Index a first version o (rv already assigned) under key and record it. */
static sim_obj_t *commit_add_obj(sim_store_t *s, kind_rec_t *kr, const char *key, sim_obj_t *o)
{
    entry_t *e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    e->cur = obj_ref(o);
    map_puts(&kr->by_key, key, e);
    if (kr->npending == kr->cappending) {
        kr->cappending = kr->cappending ? kr->cappending * 2 : 64;
        kr->pending = xrealloc(kr->pending, kr->cappending * sizeof *kr->pending);
    }
    kr->pending[kr->npending++] = e;
    kr->live++;
    if (o->uid[0]) map_puts(&s->by_uid, o->uid, e);
    index_owners(s, e, NULL, o);
    if (kr->k.namespaced) ns_count_add(s, o->ns, 1);
    record(s, SIM_ADDED, &kr->k, o, NULL);
    if (&kr->k == s->k_crd) store_crd_changed(s, SIM_ADDED, o);
    return o;
}

/* Make o (rv already assigned) the entry's current version and record it. */
static void commit_version(sim_store_t *s, kind_rec_t *kr, entry_t *e, sim_obj_t *o)
{
    sim_obj_t *old = e->cur;
    e->cur = obj_ref(o);
    index_owners(s, e, old, o);
    record(s, SIM_MODIFIED, &kr->k, o, old);
    obj_unref(s, old);
    if (&kr->k == s->k_crd) store_crd_changed(s, SIM_MODIFIED, o);
}

static sim_obj_t *commit_replace(sim_store_t *s, kind_rec_t *kr, entry_t *e, cJSON *tree)
{
    uint64_t rv = ++s->rv;
    set_rv(meta_of(tree), rv);
    sim_obj_t *o = obj_build(s, &kr->k, tree, rv);
    commit_version(s, kr, e, o);
    return o;
}

static const char *const generate_chars = "bcdfghjklmnpqrstvwxz2456789";

static int check_namespace(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name, err_t *err)
{
    char desc[300];
    if (!k->namespaced) return 0;
    if (!ns || !*ns) return err_set(err, ERR_INVALID, "the namespace of the provided object does not match the "
                                    "namespace sent on the request");
    const sim_obj_t *nso = sim_get_obj(s, s->k_namespace, NULL, ns);
    if (!nso) return err_set(err, ERR_NOTFOUND, "namespaces \"%s\" not found", ns);
    if (nso->deleting)
        return err_set(err, ERR_FORBIDDEN,
                       "%s \"%s\" is forbidden: unable to create new content in namespace %s because it is being "
                       "terminated",
                       kind_plural_desc(k, desc, sizeof desc), name, ns);
    return 0;
}

static bool kind_has_generation(const sim_kind_t *k) { return (k->subresources & SIM_SUB_STATUS) || k->crd; }

int sim_create(sim_store_t *s, const sim_kind_t *k, const char *ns, cJSON *obj, const sim_write_opts_t *opts,
               const sim_obj_t **out, err_t *err)
{
    char desc[300], key[600], name_buf[300];
    int rc = 0;
    if (!k || !cJSON_IsObject(obj)) {
        rc = err_set(err, SIM_ERR_BAD_REQUEST, "the body of the request was in an unknown format");
        goto fail;
    }
    kind_plural_desc(k, desc, sizeof desc);
    kind_rec_t *kr = kr_of(k);
    cJSON *meta = meta_of(obj);
    const char *name = jstr(meta, "name");
    const char *gen = jstr(meta, "generateName");
    if ((!name || !*name) && gen && *gen) {
        for (int tries = 0; tries < 8; tries++) {
            char sfx[6];
            for (int i = 0; i < 5; i++) sfx[i] = generate_chars[rng_next(s) % 27];
            sfx[5] = '\0';
            snprintf(name_buf, sizeof name_buf, "%.*s%s", 248, gen, sfx);
            if (!sim_get_obj(s, k, ns, name_buf)) break;
        }
        set_str(meta, "name", name_buf);
        name = jstr(meta, "name");
    }
    if (!name || !*name) {
        rc = err_set(err, ERR_INVALID, "%s \"\" is invalid: metadata.name: Required value: name or generateName "
                     "is required", k->kind);
        goto fail;
    }
    bool lenient = strcmp(k->group, "rbac.authorization.k8s.io") == 0 || k->crd ||
                   strcmp(k->group, "apiregistration.k8s.io") == 0;
    if (lenient ? !path_segment_name(name) : !rfc1123_subdomain(name)) {
        rc = err_set(err, ERR_INVALID,
                     "%s \"%s\" is invalid: metadata.name: Invalid value: \"%s\": a lowercase RFC 1123 subdomain "
                     "must consist of lower case alphanumeric characters, '-' or '.', and must start and end "
                     "with an alphanumeric character",
                     k->kind, name, name);
        goto fail;
    }
    const char *mns = jstr(meta, "namespace");
    if (k->namespaced) {
        if (!ns || !*ns) ns = mns;
        if (mns && *mns && ns && strcmp(mns, ns) != 0) {
            rc = err_set(err, SIM_ERR_BAD_REQUEST,
                         "the namespace of the provided object does not match the namespace sent on the request");
            goto fail;
        }
        if ((rc = check_namespace(s, k, ns, name, err)) < 0) goto fail;
        set_str(meta, "namespace", ns);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "namespace");
        ns = "";
    }
    snprintf(key, sizeof key, "%s/%s", ns, name);
    if (map_gets(&kr->by_key, key)) {
        rc = err_set(err, ERR_EXISTS, "%s \"%s\" already exists", desc, name);
        goto fail;
    }
    /* Server-owned metadata. */
    char uid[40], ts[32];
    gen_uid(s, uid);
    now_rfc3339(s, ts);
    set_str(meta, "uid", uid);
    set_str(meta, "creationTimestamp", ts);
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "deletionTimestamp");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "deletionGracePeriodSeconds");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "selfLink");
    if (kind_has_generation(k)) set_item(meta, "generation", cJSON_CreateNumber(1));
    else cJSON_DeleteItemFromObjectCaseSensitive(meta, "generation");
    if (k == s->k_namespace) {
        cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
        if (!cJSON_IsObject(spec)) {
            cJSON_DeleteItemFromObjectCaseSensitive(obj, "spec");
            spec = cJSON_AddObjectToObject(obj, "spec");
        }
        if (!cJSON_GetObjectItemCaseSensitive(spec, "finalizers")) {
            cJSON *f = cJSON_AddArrayToObject(spec, "finalizers");
            cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
        }
        cJSON *st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", "Active");
        set_item(obj, "status", st);
        cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
        if (!cJSON_IsObject(labels)) {
            cJSON_DeleteItemFromObjectCaseSensitive(meta, "labels");
            labels = cJSON_AddObjectToObject(meta, "labels");
        }
        set_str(labels, "kubernetes.io/metadata.name", name);
    }
    set_type_meta(obj, k);
    if (opts && opts->dry_run) {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
        sim_obj_t *o = obj_build(s, k, obj, 0);
        obj_ref(o);
        obj_unref(s, o); /* lives until gc, like any borrowed version */
        if (out) *out = o;
        return 0;
    }
    sim_obj_t *o = commit_add(s, kr, key, obj);
    if (out) *out = o;
    dispatch(s);
    return 0;
fail:
    cJSON_Delete(obj);
    return rc;
}

int sim_create_raw(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name, sv_t meta, sv_t body,
                   sim_chunk_t *chunk, const sim_obj_t **out, err_t *err)
{
    const char *mark = chunk ? memchr(body.p, 1, body.n) : NULL;
    if (chunk && !mark) return err_set(err, ERR_INVALID, "bulk load: the body has no place for its chunk");
    char desc[300], key[600];
    if (!k || !name || !*name) return err_set(err, ERR_INVALID, "metadata.name: Required value: name is required");
    if (k == s->k_namespace || k->crd || kr_of(k) == kr_of(s->k_crd))
        return err_set(err, ERR_INVALID, "%s objects cannot be bulk-loaded", k->kind);
    kind_plural_desc(k, desc, sizeof desc);
    kind_rec_t *kr = kr_of(k);
    bool lenient = strcmp(k->group, "rbac.authorization.k8s.io") == 0 || strcmp(k->group, "apiregistration.k8s.io") == 0;
    if (lenient ? !path_segment_name(name) : !rfc1123_subdomain(name))
        return err_set(err, ERR_INVALID, "%s \"%s\" is invalid: metadata.name: Invalid value: \"%s\"", k->kind, name,
                       name);
    int rc;
    if (k->namespaced) {
        if ((rc = check_namespace(s, k, ns, name, err)) < 0) return rc;
    } else {
        ns = "";
    }
    snprintf(key, sizeof key, "%s/%s", ns, name);
    if (map_gets(&kr->by_key, key)) return err_set(err, ERR_EXISTS, "%s \"%s\" already exists", desc, name);
    char uid[40], ts[32];
    gen_uid(s, uid);
    now_rfc3339(s, ts);
    uint64_t rv = ++s->rv;
    /* Assemble in the store's reusable buffer, keep one exact-size copy. */
    buf_t *b = &s->rawbuf;
    buf_reset(b);
    buf_reserve(b, 300 + meta.n + body.n);
    buf_printf(b, "{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"metadata\":{\"name\":", k->api_version, k->kind);
    buf_json_cstr(b, name);
    if (k->namespaced) {
        buf_puts(b, ",\"namespace\":");
        buf_json_cstr(b, ns);
    }
    buf_printf(b, ",\"uid\":\"%s\",\"resourceVersion\":\"%llu\",", uid, (unsigned long long)rv);
    if (kind_has_generation(k)) buf_puts(b, "\"generation\":1,");
    buf_printf(b, "\"creationTimestamp\":\"%s\"", ts);
    buf_append(b, meta.p, meta.n);
    buf_putc(b, '}');
    size_t at = b->len + (mark ? (size_t)(mark - body.p) : 0);
    if (mark) {
        buf_append(b, body.p, (size_t)(mark - body.p));
        buf_append(b, chunk->bytes, chunk->len);
        buf_append(b, mark + 1, body.n - (size_t)(mark - body.p) - 1);
    } else {
        buf_append(b, body.p, body.n);
    }
    buf_putc(b, '}');
    sim_obj_t *o = xcalloc(1, sizeof *o);
    o->store = s;
    o->kind = k;
    o->rv = rv;
    o->ns = ns_intern(s, ns);
    o->name = xstrdup(name);
    memcpy(o->uid, uid, sizeof o->uid);
    o->len = b->len;
    extract_from_bytes(o, k, b->data);
    if (mark) {
        /* keep the text around the chunk; the chunk itself is shared */
        size_t own = b->len - chunk->len;
        o->bytes = xmalloc(own + 1);
        memcpy(o->bytes, b->data, at);
        memcpy(o->bytes + at, b->data + at + chunk->len, b->len - at - chunk->len);
        o->bytes[own] = '\0';
        o->chunk = chunk;
        chunk->refs++;
        o->chunk_at = (uint32_t)at;
    } else {
        o->bytes = xmemdup(b->data, b->len + 1);
    }
    commit_add_obj(s, kr, key, o);
    if (out) *out = o;
    dispatch(s);
    return 0;
}

/* metadata.finalizers is a non-empty array (read from the text: deleting
 * needs no tree). */
static bool has_finalizers_text(const sim_obj_t *o)
{
    const char *t = obj_text(o), *e = t + o->len, *me, *fe;
    const char *meta = js_member(t, e, "metadata", 8, &me);
    const char *f = meta ? js_member(meta, me, "finalizers", 10, &fe) : NULL;
    return f && *f == '[' && *js_ws(f + 1, fe) != ']';
}

/* Are the two trees equal outside metadata and status? */
static bool spec_equal(const cJSON *a, const cJSON *b)
{
    int na = 0, nb = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a)
    {
        if (!x->string || !strcmp(x->string, "metadata") || !strcmp(x->string, "status") ||
            !strcmp(x->string, "apiVersion") || !strcmp(x->string, "kind"))
            continue;
        na++;
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
        if (!y || !cJSON_Compare(x, y, true)) return false;
    }
    cJSON_ArrayForEach(x, b)
    {
        if (!x->string || !strcmp(x->string, "metadata") || !strcmp(x->string, "status") ||
            !strcmp(x->string, "apiVersion") || !strcmp(x->string, "kind"))
            continue;
        nb++;
    }
    return na == nb;
}

static void copy_meta_field(cJSON *dst_meta, const cJSON *src_meta, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src_meta, name);
    if (v) set_item(dst_meta, name, cJSON_Duplicate(v, true));
    else cJSON_DeleteItemFromObjectCaseSensitive(dst_meta, name);
}

/* The next version of e's object: cur's text with edits applied (see
 * te_*). Same text → no change (out = cur). dry_run: built, not committed. */
static int edit_version(sim_store_t *s, kind_rec_t *kr, entry_t *e, const sim_member_edit_t *edits, size_t n,
                        bool dry_run, const sim_obj_t **out, err_t *err)
{
    const sim_obj_t *cur = e->cur;
    tedit_t t = te_begin(s, cur);
    bool spec = false;
    for (size_t i = 0; i < n; i++) {
        const char *j = edits[i].json;
        if (te_apply(&t, edits[i].path, j, j ? (edits[i].len ? edits[i].len : strlen(j)) : 0) < 0)
            return err_set(err, ERR_INVALID, "%s \"%s\" is invalid: %s: the object has no such parent",
                           kr->k.kind, cur->name, edits[i].path);
        spec |= !strncmp(edits[i].path, "spec", 4) && (edits[i].path[4] == '.' || !edits[i].path[4]);
    }
    const char *old = obj_text(cur);
    if (t.b->len == cur->len && memcmp(t.b->data, old, cur->len) == 0) {
        if (out) *out = cur;
        return 0;
    }
    if (spec && kind_has_generation(&kr->k)) {
        /* metadata.generation moves with the spec, as do_update does. */
        const char *a_end, *b_end, *a = js_member(old, old + cur->len, "spec", 4, &a_end);
        const char *b = js_member(t.b->data, t.b->data + t.b->len, "spec", 4, &b_end);
        if (!a || !b || a_end - a != b_end - b || memcmp(a, b, (size_t)(a_end - a)) != 0) {
            const char *me, *ge, *meta = js_member(old, old + cur->len, "metadata", 8, &me);
            const char *g = meta ? js_member(meta, me, "generation", 10, &ge) : NULL;
            char v[32];
            int vn = snprintf(v, sizeof v, "%lld", (g ? strtoll(g, NULL, 10) : 0) + 1);
            te_apply(&t, "metadata.generation", v, (size_t)vn);
        }
    }
    uint64_t rv = dry_run ? cur->rv : ++s->rv;
    te_set_rv(&t, rv);
    sim_obj_t *o = obj_from_text(s, cur, &t, rv);
    if (dry_run) {
        obj_ref(o);
        obj_unref(s, o);
    } else {
        commit_version(s, kr, e, o);
    }
    if (out) *out = o;
    return 0;
}

/* What a caller of sim_update_members may set: anything but the type and
 * the server's metadata (labels and annotations are the caller's). */
static bool member_editable(const char *path)
{
    if (!*path || !strcmp(path, "apiVersion") || !strcmp(path, "kind")) return false;
    if (strncmp(path, "metadata", 8) != 0 || (path[8] && path[8] != '.')) return true;
    const char *m = path + 8;
    return (!strncmp(m, ".labels", 7) && (!m[7] || m[7] == '.')) ||
           (!strncmp(m, ".annotations", 12) && (!m[12] || m[12] == '.'));
}

int sim_update_members(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name, uint64_t if_rv,
                       const sim_member_edit_t *edits, size_t n, const sim_obj_t **out, err_t *err)
{
    char desc[300];
    if (!k || !name) return err_set(err, SIM_ERR_BAD_REQUEST, "a resource name is required");
    kind_rec_t *kr = kr_of(k);
    kind_plural_desc(k, desc, sizeof desc);
    if (k == s->k_namespace || kr == kr_of(s->k_crd))
        return err_set(err, ERR_INVALID, "%s objects cannot be edited by members", k->kind);
    for (size_t i = 0; i < n; i++)
        if (!edits[i].path || !member_editable(edits[i].path))
            return err_set(err, ERR_INVALID, "%s: a member the server owns",
                           edits[i].path ? edits[i].path : "(null)");
    entry_t *e = kr_get(kr, ns, name);
    if (!e || !e->cur) return err_set(err, ERR_NOTFOUND, "%s \"%s\" not found", desc, name);
    if (if_rv && e->cur->rv != if_rv)
        return err_set(err, SIM_ERR_CONFLICT,
                       "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please apply "
                       "your changes to the latest version and try again",
                       desc, name);
    int rc = edit_version(s, kr, e, edits, n, false, out, err);
    if (rc == 0) dispatch(s);
    return rc;
}

enum { UPD_MAIN, UPD_STATUS };

static int finish_deletion_if_done(sim_store_t *s, kind_rec_t *kr, entry_t *e);

static int do_update(sim_store_t *s, const sim_kind_t *k, const char *ns, cJSON *obj, const sim_write_opts_t *opts,
                     const sim_obj_t **out, int mode, err_t *err)
{
    char desc[300];
    int rc = 0;
    if (!k || !cJSON_IsObject(obj)) {
        rc = err_set(err, SIM_ERR_BAD_REQUEST, "the body of the request was in an unknown format");
        goto fail;
    }
    kind_rec_t *kr = kr_of(k);
    kind_plural_desc(k, desc, sizeof desc);
    cJSON *meta = meta_of(obj);
    const char *name = jstr(meta, "name");
    if (!name || !*name) {
        rc = err_set(err, ERR_INVALID, "%s \"\" is invalid: metadata.name: Required value: name is required",
                     k->kind);
        goto fail;
    }
    if (!k->namespaced) ns = "";
    else if (!ns || !*ns) ns = jstr(meta, "namespace");
    const char *mns = jstr(meta, "namespace");
    if (k->namespaced && mns && *mns && ns && strcmp(mns, ns) != 0) {
        rc = err_set(err, SIM_ERR_BAD_REQUEST,
                     "the namespace of the provided object does not match the namespace sent on the request");
        goto fail;
    }
    entry_t *e = kr_get(kr, ns, name);
    if (!e) {
        rc = err_set(err, ERR_NOTFOUND, "%s \"%s\" not found", desc, name);
        goto fail;
    }
    const sim_obj_t *cur = e->cur;
    const char *want_rv = jstr(meta, "resourceVersion");
    if (want_rv && *want_rv) {
        char cur_rv[32];
        snprintf(cur_rv, sizeof cur_rv, "%llu", (unsigned long long)cur->rv);
        if (strcmp(want_rv, cur_rv) != 0) {
            rc = err_set(err, SIM_ERR_CONFLICT,
                         "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please apply "
                         "your changes to the latest version and try again",
                         desc, name);
            goto fail;
        }
    }
    const char *want_uid = jstr(meta, "uid");
    if (want_uid && *want_uid && strcmp(want_uid, cur->uid) != 0) {
        rc = err_set(err, SIM_ERR_CONFLICT,
                     "Operation cannot be fulfilled on %s \"%s\": Precondition failed: UID in precondition: %s, "
                     "UID in object meta: %s",
                     desc, name, cur->uid, want_uid);
        goto fail;
    }
    if (mode == UPD_STATUS && (k->subresources & SIM_SUB_STATUS)) {
        /* Only .status comes from the caller: splice its text into the
         * current text (see te_*), no tree of the current version. */
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(obj, "status");
        size_t n = 0;
        const char *txt = st ? print_scratch(s, st, &n) : NULL;
        sim_member_edit_t ed = {"status", txt, n};
        rc = edit_version(s, kr, e, &ed, 1, opts && opts->dry_run, out, err);
        cJSON_Delete(obj);
        if (rc < 0) return rc;
        if (e->cur && e->cur->deleting && !(opts && opts->dry_run)) finish_deletion_if_done(s, kr, e);
        dispatch(s);
        return 0;
    }
    const cJSON *curt = sim_obj_json(cur);
    const cJSON *cur_meta = cJSON_GetObjectItemCaseSensitive(curt, "metadata");
    cJSON *nu;
    {
        nu = obj;
        obj = NULL;
        cJSON *nmeta = meta_of(nu);
        copy_meta_field(nmeta, cur_meta, "uid");
        copy_meta_field(nmeta, cur_meta, "creationTimestamp");
        copy_meta_field(nmeta, cur_meta, "deletionTimestamp");
        copy_meta_field(nmeta, cur_meta, "deletionGracePeriodSeconds");
        copy_meta_field(nmeta, cur_meta, "generation");
        cJSON_DeleteItemFromObjectCaseSensitive(nmeta, "managedFields");
        cJSON_DeleteItemFromObjectCaseSensitive(nmeta, "selfLink");
        set_str(nmeta, "name", name);
        if (k->namespaced) set_str(nmeta, "namespace", ns);
        else cJSON_DeleteItemFromObjectCaseSensitive(nmeta, "namespace");
        if (k->subresources & SIM_SUB_STATUS) {
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(curt, "status");
            cJSON_DeleteItemFromObjectCaseSensitive(nu, "status");
            if (st) cJSON_AddItemToObject(nu, "status", cJSON_Duplicate(st, true));
        }
        if (kind_has_generation(k) && !spec_equal(curt, nu)) {
            const cJSON *g = cJSON_GetObjectItemCaseSensitive(cur_meta, "generation");
            double gen = cJSON_IsNumber(g) ? g->valuedouble : 0;
            set_item(nmeta, "generation", cJSON_CreateNumber(gen + 1));
        }
        if (k == s->k_namespace) { /* a namespace's phase is the server's */
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(curt, "status");
            cJSON_DeleteItemFromObjectCaseSensitive(nu, "status");
            if (st) cJSON_AddItemToObject(nu, "status", cJSON_Duplicate(st, true));
        }
    }
    set_type_meta(nu, k);
    /* A write that changes nothing is not a change: no new resourceVersion,
     * no event — as the real server does. */
    set_rv(meta_of(nu), cur->rv);
    size_t plen;
    const char *printed = print_scratch(s, nu, &plen);
    if (plen == cur->len && memcmp(printed, obj_text(cur), cur->len) == 0) {
        cJSON_Delete(nu);
        if (out) *out = cur;
        return 0;
    }
    if (opts && opts->dry_run) {
        sim_obj_t *o = obj_build_text(s, k, nu, cur->rv, printed, plen);
        obj_ref(o);
        obj_unref(s, o);
        if (out) *out = o;
        return 0;
    }
    /* The text printed for the comparison, with the new resourceVersion
     * spliced in, is the new version's: no second print. */
    uint64_t rv = ++s->rv;
    set_rv(meta_of(nu), rv);
    buf_reset(&s->editbuf);
    buf_append(&s->editbuf, printed, plen);
    tedit_t t = {&s->editbuf, 0, 0, false};
    te_set_rv(&t, rv);
    sim_obj_t *o = obj_build_text(s, k, nu, rv, t.b->data, t.b->len);
    commit_version(s, kr, e, o);
    if (out) *out = o;
    if (o->deleting) finish_deletion_if_done(s, kr, e);
    dispatch(s);
    return 0;
fail:
    cJSON_Delete(obj);
    return rc;
}

int sim_update(sim_store_t *s, const sim_kind_t *k, const char *ns, cJSON *obj, const sim_write_opts_t *opts,
               const sim_obj_t **out, err_t *err)
{
    return do_update(s, k, ns, obj, opts, out, UPD_MAIN, err);
}

int sim_update_status(sim_store_t *s, const sim_kind_t *k, const char *ns, cJSON *obj,
                      const sim_write_opts_t *opts, const sim_obj_t **out, err_t *err)
{
    return do_update(s, k, ns, obj, opts, out, UPD_STATUS, err);
}

/* ------------------------------------------------------------------ */
/* deletion */

static bool has_finalizer(const cJSON *tree, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tree, "metadata"),
                                                      "finalizers");
    const cJSON *x;
    cJSON_ArrayForEach(x, f) if (cJSON_IsString(x) && strcmp(x->valuestring, name) == 0) return true;
    return false;
}

static void remove_finalizer(cJSON *tree, const char *name)
{
    cJSON *f = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tree, "metadata"), "finalizers");
    for (int i = cJSON_GetArraySize(f) - 1; i >= 0; i--) {
        cJSON *x = cJSON_GetArrayItem(f, i);
        if (cJSON_IsString(x) && strcmp(x->valuestring, name) == 0) cJSON_DeleteItemFromArray(f, i);
    }
    if (f && cJSON_GetArraySize(f) == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(tree, "metadata"), "finalizers");
}

static void add_finalizer(cJSON *tree, const char *name)
{
    cJSON *meta = meta_of(tree);
    cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
    if (!cJSON_IsArray(f)) {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "finalizers");
        f = cJSON_AddArrayToObject(meta, "finalizers");
    }
    cJSON_AddItemToArray(f, cJSON_CreateString(name));
}

static size_t deps_count(sim_store_t *s, const char *uid)
{
    deps_t *d = map_gets(&s->owners, uid);
    return d ? d->n : 0;
}

/* Collect dependents of uid as (kind, ns, name) triples, because deleting
 * them changes the owner index under our feet. */
typedef struct dep_ref {
    const sim_kind_t *k;
    char *ns, *name;
} dep_ref_t;

static dep_ref_t *collect_deps(sim_store_t *s, const char *uid, size_t *n_out)
{
    deps_t *d = map_gets(&s->owners, uid);
    size_t n = d ? d->n : 0;
    dep_ref_t *v = xcalloc(n + 1, sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        sim_obj_t *o = d->v[i]->cur;
        if (!o) continue;
        v[m].k = o->kind;
        v[m].ns = xstrdup(o->ns);
        v[m].name = xstrdup(o->name);
        m++;
    }
    *n_out = m;
    return v;
}

static void free_deps(dep_ref_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].ns);
        free(v[i].name);
    }
    free(v);
}

/* Remove the ownerReference to owner_uid from the dependent. */
static void drop_owner_ref(sim_store_t *s, const dep_ref_t *d, const char *owner_uid)
{
    entry_t *e = kr_get(kr_of(d->k), d->ns, d->name);
    if (!e || !e->cur) return;
    cJSON *t = cJSON_Duplicate(sim_obj_json(e->cur), true);
    cJSON *refs = cJSON_GetObjectItemCaseSensitive(meta_of(t), "ownerReferences");
    for (int i = cJSON_GetArraySize(refs) - 1; i >= 0; i--) {
        const char *u = jstr(cJSON_GetArrayItem(refs, i), "uid");
        if (u && strcmp(u, owner_uid) == 0) cJSON_DeleteItemFromArray(refs, i);
    }
    if (refs && cJSON_GetArraySize(refs) == 0) cJSON_DeleteItemFromObjectCaseSensitive(meta_of(t), "ownerReferences");
    commit_replace(s, kr_of(d->k), e, t);
}

static int delete_entry(sim_store_t *s, kind_rec_t *kr, entry_t *e, int propagation, bool *pending, err_t *err);

/* After a removal: owners waiting in foreground deletion may be done now,
 * and a Terminating namespace may be empty now. */
static void after_removal(sim_store_t *s, const sim_obj_t *gone)
{
    for (uint16_t i = 0; i < gone->nowners; i++) {
        entry_t *oe = map_gets(&s->by_uid, gone->owners[i]);
        if (!oe || !oe->cur || !oe->cur->deleting) continue;
        if (deps_count(s, gone->owners[i]) > 0) continue;
        const cJSON *t = sim_obj_json(oe->cur);
        if (!has_finalizer(t, "foregroundDeletion")) continue;
        cJSON *nu = cJSON_Duplicate(t, true);
        remove_finalizer(nu, "foregroundDeletion");
        kind_rec_t *okr = kr_of(oe->cur->kind);
        commit_replace(s, okr, oe, nu);
        finish_deletion_if_done(s, okr, oe);
    }
    if (gone->kind->namespaced && ns_count(s, gone->ns) == 0) {
        entry_t *ne = kr_get(kr_of(s->k_namespace), NULL, gone->ns);
        if (ne && ne->cur && ne->cur->deleting) store_remove(s, kr_of(s->k_namespace), ne, NULL);
    }
}

/* Take the entry out of the store: DELETED event with a final version at a
 * new resourceVersion, then background collection of its dependents. */
static int store_remove(sim_store_t *s, kind_rec_t *kr, entry_t *e, err_t *err)
{
    sim_obj_t *cur = e->cur;
    uint64_t rv = ++s->rv;
    tedit_t t = te_begin(s, cur); /* the final version: cur at a new resourceVersion */
    te_set_rv(&t, rv);
    sim_obj_t *fin = obj_from_text(s, cur, &t, rv);
    char key[600];
    snprintf(key, sizeof key, "%s", e->key);
    map_dels(&kr->by_key, key);
    if (cur->uid[0] && map_gets(&s->by_uid, cur->uid) == e) map_dels(&s->by_uid, cur->uid);
    index_owners(s, e, cur, NULL);
    e->cur = NULL;
    if (e->in_sorted) kr->ndead++;
    kr->live--;
    if (kr->k.namespaced) ns_count_add(s, cur->ns, -1);
    record(s, SIM_DELETED, &kr->k, fin, cur);
    obj_unref(s, cur);
    if (!e->in_sorted) {
        /* still in pending: kr_order frees it; nothing else to do */
    }
    if (&kr->k == s->k_crd) store_crd_changed(s, SIM_DELETED, fin);
    /* Background garbage collection of dependents whose owners are all gone. */
    size_t nd;
    dep_ref_t *deps = collect_deps(s, fin->uid, &nd);
    for (size_t i = 0; i < nd; i++) {
        entry_t *de = kr_get(kr_of(deps[i].k), deps[i].ns, deps[i].name);
        if (!de || !de->cur) continue;
        bool other_owner = false;
        for (uint16_t j = 0; j < de->cur->nowners; j++)
            if (strcmp(de->cur->owners[j], fin->uid) != 0 && map_gets(&s->by_uid, de->cur->owners[j]))
                other_owner = true;
        if (other_owner) drop_owner_ref(s, &deps[i], fin->uid);
        else delete_entry(s, kr_of(deps[i].k), de, SIM_PROPAGATE_BACKGROUND, NULL, NULL);
    }
    free_deps(deps, nd);
    after_removal(s, fin);
    return 0;
}

static int finish_deletion_if_done(sim_store_t *s, kind_rec_t *kr, entry_t *e)
{
    if (!e->cur || !e->cur->deleting) return 0;
    if (has_finalizers_text(e->cur)) return 0;
    return store_remove(s, kr, e, NULL);
}

static int delete_namespace(sim_store_t *s, kind_rec_t *kr, entry_t *e, bool *pending)
{
    const char *ns = e->cur->name;
    char nsname[300];
    snprintf(nsname, sizeof nsname, "%s", ns);
    if (!e->cur->deleting) {
        cJSON *t = cJSON_Duplicate(sim_obj_json(e->cur), true);
        char ts[32];
        now_rfc3339(s, ts);
        set_str(meta_of(t), "deletionTimestamp", ts);
        set_item(meta_of(t), "deletionGracePeriodSeconds", cJSON_CreateNumber(0));
        cJSON *st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", "Terminating");
        set_item(t, "status", st);
        commit_replace(s, kr, e, t);
    }
    /* Delete everything in it, kind by kind. */
    for (size_t i = 0; i < s->nkinds; i++) {
        kind_rec_t *okr = s->kinds[i];
        if (!okr->k.namespaced || okr->removed) continue;
        size_t n;
        const sim_obj_t **v = snapshot(okr, nsname, &n);
        for (size_t j = 0; j < n; j++) {
            entry_t *oe = kr_get(okr, nsname, v[j]->name);
            if (oe && oe->cur && !oe->cur->deleting)
                delete_entry(s, okr, oe, SIM_PROPAGATE_BACKGROUND, NULL, NULL);
        }
        free(v);
    }
    entry_t *still = kr_get(kr, NULL, nsname);
    if (still && still->cur && ns_count(s, nsname) == 0) {
        store_remove(s, kr, still, NULL);
        if (pending) *pending = false;
    } else if (pending) {
        *pending = true;
    }
    return 0;
}

static int delete_entry(sim_store_t *s, kind_rec_t *kr, entry_t *e, int propagation, bool *pending, err_t *err)
{
    if (pending) *pending = false;
    if (&kr->k == s->k_namespace) return delete_namespace(s, kr, e, pending);
    const sim_obj_t *cur = e->cur;
    char uid[40];
    snprintf(uid, sizeof uid, "%s", cur->uid);
    if (propagation == SIM_PROPAGATE_ORPHAN) {
        size_t nd;
        dep_ref_t *deps = collect_deps(s, uid, &nd);
        for (size_t i = 0; i < nd; i++) drop_owner_ref(s, &deps[i], uid);
        free_deps(deps, nd);
    }
    bool foreground = propagation == SIM_PROPAGATE_FOREGROUND && deps_count(s, uid) > 0;
    if (!foreground && !has_finalizers_text(cur)) return store_remove(s, kr, e, err);
    const cJSON *curt = sim_obj_json(cur);
    /* Deletion waits: mark it (once) and let the finalizers run. */
    if (pending) *pending = true;
    if (!cur->deleting || (foreground && !has_finalizer(curt, "foregroundDeletion"))) {
        cJSON *t = cJSON_Duplicate(curt, true);
        if (!cur->deleting) {
            char ts[32];
            now_rfc3339(s, ts);
            set_str(meta_of(t), "deletionTimestamp", ts);
            set_item(meta_of(t), "deletionGracePeriodSeconds", cJSON_CreateNumber(0));
        }
        if (foreground && !has_finalizer(curt, "foregroundDeletion")) add_finalizer(t, "foregroundDeletion");
        commit_replace(s, kr, e, t);
    }
    if (foreground) {
        size_t nd;
        dep_ref_t *deps = collect_deps(s, uid, &nd);
        for (size_t i = 0; i < nd; i++) {
            entry_t *de = kr_get(kr_of(deps[i].k), deps[i].ns, deps[i].name);
            if (de && de->cur && !de->cur->deleting)
                delete_entry(s, kr_of(deps[i].k), de, SIM_PROPAGATE_FOREGROUND, NULL, NULL);
        }
        free_deps(deps, nd);
        /* All dependents may be gone already; finish if so. */
        entry_t *again = map_gets(&s->by_uid, uid);
        if (again && again->cur && deps_count(s, uid) == 0 &&
            has_finalizer(sim_obj_json(again->cur), "foregroundDeletion")) {
            cJSON *t = cJSON_Duplicate(sim_obj_json(again->cur), true);
            remove_finalizer(t, "foregroundDeletion");
            commit_replace(s, kr, again, t);
            finish_deletion_if_done(s, kr, again);
            if (pending && !again->cur) *pending = false;
        }
    }
    return 0;
}

int sim_delete(sim_store_t *s, const sim_kind_t *k, const char *ns, const char *name, const sim_delete_opts_t *opts,
               const sim_obj_t **out, bool *pending, err_t *err)
{
    char desc[300];
    bool pend = false;
    if (pending) *pending = false;
    if (!k || !name) return err_set(err, SIM_ERR_BAD_REQUEST, "a resource name is required");
    kind_plural_desc(k, desc, sizeof desc);
    kind_rec_t *kr = kr_of(k);
    entry_t *e = kr_get(kr, ns, name);
    if (!e || !e->cur) return err_set(err, ERR_NOTFOUND, "%s \"%s\" not found", desc, name);
    const sim_obj_t *cur = e->cur;
    if (opts && opts->precondition_uid && *opts->precondition_uid && strcmp(opts->precondition_uid, cur->uid) != 0)
        return err_set(err, SIM_ERR_CONFLICT,
                       "Operation cannot be fulfilled on %s \"%s\": Precondition failed: UID in precondition: %s, "
                       "UID in object meta: %s",
                       desc, name, opts->precondition_uid, cur->uid);
    if (opts && opts->precondition_rv && *opts->precondition_rv) {
        char rv[32];
        snprintf(rv, sizeof rv, "%llu", (unsigned long long)cur->rv);
        if (strcmp(rv, opts->precondition_rv) != 0)
            return err_set(err, SIM_ERR_CONFLICT,
                           "Operation cannot be fulfilled on %s \"%s\": Precondition failed: ResourceVersion in "
                           "precondition: %s, ResourceVersion in object meta: %s",
                           desc, name, opts->precondition_rv, rv);
    }
    if (k == s->k_namespace &&
        (!strcmp(name, "default") || !strcmp(name, "kube-system") || !strcmp(name, "kube-public")))
        return err_set(err, ERR_FORBIDDEN, "namespaces \"%s\" is forbidden: this namespace may not be deleted",
                       name);
    if (opts && opts->dry_run) {
        if (out) *out = cur;
        return 0;
    }
    int prop = opts ? opts->propagation : SIM_PROPAGATE_DEFAULT;
    if (prop == SIM_PROPAGATE_DEFAULT) prop = SIM_PROPAGATE_BACKGROUND;
    uint64_t before = s->rv;
    int rc = delete_entry(s, kr, e, prop, &pend, err);
    if (rc == 0 && out) {
        /* The last version: the pending one, or the DELETED event's. */
        const sim_obj_t *last = cur;
        for (size_t i = s->ring_len; i-- > 0;) {
            wev_t *w = s->ring[(s->ring_head + i) % s->ring_cap];
            if (w->ev.rv <= before) break;
            if (w->ev.kind == k && !strcmp(w->ev.obj->name, name) && !strcmp(w->ev.obj->ns, cur->ns)) {
                last = w->ev.obj;
                break;
            }
        }
        *out = last;
    }
    if (pending) *pending = pend;
    dispatch(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* CustomResourceDefinitions */

static char *join_strings(const cJSON *arr)
{
    buf_t b = {0};
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (!cJSON_IsString(x)) continue;
        if (b.len) buf_putc(&b, ',');
        buf_puts(&b, x->valuestring);
    }
    return b.len ? buf_steal(&b) : (buf_free(&b), NULL);
}

static void crd_register(sim_store_t *s, const cJSON *crd)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(spec, "names");
    const char *group = jstr(spec, "group"), *plural = jstr(names, "plural"), *kind = jstr(names, "kind");
    if (!group || !plural || !kind) return;
    const sim_kind_t *existing = sim_kind_by_resource(s, group, plural);
    if (existing && !existing->crd) return; /* never shadow a built-in */
    /* Served version: the storage version, else the first served one. */
    const char *version = NULL;
    const cJSON *versions = cJSON_GetObjectItemCaseSensitive(spec, "versions"), *v, *chosen = NULL;
    cJSON_ArrayForEach(v, versions) if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "storage"))) chosen = v;
    if (!chosen) cJSON_ArrayForEach(v, versions) if (!chosen && !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "served"))) chosen = v;
    version = chosen ? jstr(chosen, "name") : jstr(spec, "version");
    if (!version) return;
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(chosen, "subresources");
    if (!subs) subs = cJSON_GetObjectItemCaseSensitive(spec, "subresources");
    unsigned sub = 0;
    if (cJSON_GetObjectItemCaseSensitive(subs, "status")) sub |= SIM_SUB_STATUS;
    if (cJSON_GetObjectItemCaseSensitive(subs, "scale")) sub |= SIM_SUB_SCALE;
    if (existing) {
        kind_rec_t *kr = kr_of(existing);
        kr->k.subresources = sub;
        return;
    }
    char buf[512];
    sim_kind_t t = {0};
    kind_rec_t *kr;
    char *owned[10] = {0};
    owned[1] = xstrdup(group);
    owned[2] = xstrdup(version);
    owned[3] = xstrdup(kind);
    owned[4] = xstrdup(plural);
    const char *singular = jstr(names, "singular");
    if (singular) owned[5] = xstrdup(singular);
    else {
        owned[5] = xstrdup(kind);
        for (char *p = owned[5]; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    owned[6] = join_strings(cJSON_GetObjectItemCaseSensitive(names, "shortNames"));
    owned[7] = join_strings(cJSON_GetObjectItemCaseSensitive(names, "categories"));
    const char *list_kind = jstr(names, "listKind");
    snprintf(buf, sizeof buf, "%sList", kind);
    owned[8] = xstrdup(list_kind ? list_kind : buf);
    t.group = owned[1];
    t.version = owned[2];
    t.kind = owned[3];
    t.resource = owned[4];
    t.singular = owned[5];
    t.short_names = owned[6];
    t.categories = owned[7];
    t.list_kind = owned[8];
    const char *scope = jstr(spec, "scope");
    t.namespaced = !scope || strcmp(scope, "Cluster") != 0;
    t.verbs = SIM_VERBS_ALL;
    t.subresources = sub;
    kr = kind_add(s, &t);
    kr->k.crd = true;
    for (int i = 1; i < 10; i++) kr->owned[i] = owned[i];
}

static void crd_unregister(sim_store_t *s, const cJSON *crd)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(spec, "names");
    const char *group = jstr(spec, "group"), *plural = jstr(names, "plural");
    if (!group || !plural) return;
    const sim_kind_t *k = sim_kind_by_resource(s, group, plural);
    if (!k || !k->crd) return;
    kind_rec_t *kr = kr_of(k);
    /* Its objects go first (their DELETED events still name the kind, which
     * stays allocated until the store is freed). */
    size_t n;
    const sim_obj_t **v = snapshot(kr, NULL, &n);
    for (size_t i = 0; i < n; i++) {
        entry_t *e = kr_get(kr, v[i]->ns, v[i]->name);
        if (e && e->cur) store_remove(s, kr, e, NULL);
    }
    free(v);
    kr->removed = true;
    char key[512];
    kind_key(key, sizeof key, k->group, k->resource);
    map_dels(&s->kind_by_res, key);
    kind_key(key, sizeof key, k->group, k->kind);
    if (map_gets(&s->kind_by_kind, key) == kr) map_dels(&s->kind_by_kind, key);
}

static void store_crd_changed(sim_store_t *s, int type, const sim_obj_t *o)
{
    const cJSON *t = sim_obj_json(o);
    if (type == SIM_DELETED) {
        crd_unregister(s, t);
        return;
    }
    crd_register(s, t);
    /* The real server reports the names accepted and the CRD established;
     * kubectl and clients wait for that condition. */
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(t, "status");
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
    if (type == SIM_ADDED && cJSON_GetArraySize(conds) == 0) {
        entry_t *e = kr_get(kr_of(s->k_crd), NULL, o->name);
        if (!e) return;
        cJSON *nu = cJSON_Duplicate(t, true);
        cJSON *st = cJSON_CreateObject();
        cJSON_AddItemToObject(st, "acceptedNames",
                              cJSON_Duplicate(dot_path(t, "spec.names"), true));
        cJSON *cs = cJSON_AddArrayToObject(st, "conditions");
        char ts[32];
        now_rfc3339(s, ts);
        const char *types[][2] = {{"NamesAccepted", "NoConflicts"}, {"Established", "InitialNamesAccepted"}};
        for (int i = 0; i < 2; i++) {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "type", types[i][0]);
            cJSON_AddStringToObject(c, "status", "True");
            cJSON_AddStringToObject(c, "lastTransitionTime", ts);
            cJSON_AddStringToObject(c, "reason", types[i][1]);
            cJSON_AddStringToObject(c, "message", i == 0 ? "no conflicts found" : "the initial names have been "
                                                                                 "accepted");
            cJSON_AddItemToArray(cs, c);
        }
        cJSON *sv = cJSON_AddArrayToObject(st, "storedVersions");
        const sim_kind_t *k = sim_kind_by_resource(s, jstr(cJSON_GetObjectItemCaseSensitive(t, "spec"), "group"),
                                                   jstr(dot_path(t, "spec.names"), "plural"));
        if (k) cJSON_AddItemToArray(sv, cJSON_CreateString(k->version));
        set_item(nu, "status", st);
        commit_replace(s, kr_of(s->k_crd), e, nu);
    }
}

/* ------------------------------------------------------------------ */
/* consistent pages */

typedef struct then {
    const char *key; /* the entry key */
    const sim_obj_t *obj; /* the version at the snapshot rv, NULL when absent then */
} then_t;

static int then_cmp(const void *a, const void *b) { return strcmp(((const then_t *)a)->key, ((const then_t *)b)->key); }

typedef struct hist_ctx {
    const sim_kind_t *k;
    map_t seen; /* key → then_t index + 1 */
    then_t *v;
    size_t n, cap;
    char **keys;
} hist_ctx_t;

static bool hist_collect(const sim_event_t *ev, void *ud)
{
    hist_ctx_t *h = ud;
    if (ev->kind != h->k) return true;
    char key[600];
    sim_obj_key(ev->obj, key, sizeof key);
    if (map_gets(&h->seen, key)) return true; /* an earlier change already says what it was then */
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 32;
        h->v = xrealloc(h->v, h->cap * sizeof *h->v);
        h->keys = xrealloc(h->keys, h->cap * sizeof *h->keys);
    }
    h->keys[h->n] = xstrdup(key);
    h->v[h->n] = (then_t){h->keys[h->n], ev->type == SIM_ADDED ? NULL : ev->old};
    h->n++;
    map_puts(&h->seen, key, (void *)(uintptr_t)h->n);
    return true;
}

int sim_list_page(sim_store_t *s, const sim_kind_t *k, const char *ns, uint64_t at_rv, const char *after_key,
                  size_t limit, sim_filter_fn filter, void *ud, sim_page_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    kind_rec_t *kr = kr_of(k);
    if (at_rv > s->rv) at_rv = 0;
    hist_ctx_t h = {.k = k};
    if (at_rv && at_rv < s->rv) {
        int rc = sim_window_each(s, at_rv, hist_collect, &h, err);
        if (rc < 0) {
            err_set(err, SIM_ERR_GONE,
                    "The provided continue parameter is too old to display a consistent list result. You can start "
                    "a new list without the continue parameter, or use the continue token in this response to "
                    "retrieve the remainder of the results. Continuing with the provided token results in an "
                    "inconsistent list - objects that were created, modified, or deleted between the time the "
                    "first chunk was returned and now may show up in the list.");
            map_free(&h.seen);
            return SIM_ERR_GONE;
        }
        if (h.n > 1) qsort(h.v, h.n, sizeof *h.v, then_cmp);
    }
    out->rv = at_rv ? at_rv : s->rv;
    kr_order(kr);
    char lo_key[600], hi_key[600];
    size_t i = 0, hi = kr->nsorted, j = 0;
    bool ns_only = ns && *ns && k->namespaced;
    if (ns_only) {
        snprintf(lo_key, sizeof lo_key, "%s/", ns);
        snprintf(hi_key, sizeof hi_key, "%s0", ns);
        i = kr_lower(kr, lo_key, true);
        hi = kr_lower(kr, hi_key, true);
    }
    if (after_key && *after_key) {
        size_t a = kr_lower(kr, after_key, false);
        if (a > i) i = a;
    }
    /* Skip history entries before the window of keys. */
    while (j < h.n && ((ns_only && strcmp(h.v[j].key, lo_key) < 0) ||
                       (after_key && *after_key && strcmp(h.v[j].key, after_key) <= 0)))
        j++;
    size_t cap = limit ? limit : 64, n = 0;
    const sim_obj_t **items = xmalloc(cap * sizeof *items);
    const char *last_key = NULL;
    char last_buf[600];
    bool more = false;
    for (;;) {
        entry_t *e = NULL;
        while (i < hi && !kr->sorted[i]->cur && !(j < h.n && !strcmp(h.v[j].key, kr->sorted[i]->key))) i++;
        const char *ek = i < hi ? kr->sorted[i]->key : NULL;
        const char *hk = j < h.n && (!ns_only || strcmp(h.v[j].key, hi_key) < 0) ? h.v[j].key : NULL;
        if (!ek && !hk) break;
        const sim_obj_t *o;
        const char *key;
        int c = !ek ? 1 : !hk ? -1 : strcmp(ek, hk);
        if (c < 0) { /* unchanged since the snapshot, or created later and skipped */
            e = kr->sorted[i++];
            o = e->cur;
            key = e->key;
            if (o && at_rv && o->rv > at_rv) o = NULL; /* history would list it */
        } else {
            if (c == 0) i++;
            o = h.v[j].obj;
            key = h.v[j].key;
            j++;
        }
        if (!o || (filter && !filter(o, ud))) continue;
        if (limit && n == limit) {
            more = true;
            break;
        }
        if (n == cap) {
            cap *= 2;
            items = xrealloc(items, cap * sizeof *items);
        }
        items[n++] = o;
        snprintf(last_buf, sizeof last_buf, "%s", key);
        last_key = last_buf;
    }
    /* Pending entries (not yet ordered) are impossible here: kr_order ran. */
    out->items = items;
    out->n = n;
    if (more && last_key) {
        out->next_key = xstrdup(last_key);
        if (!filter && !at_rv) out->remaining = (long)(kr->live - n); /* approximate like the real server */
        else out->remaining = -1;
        if (!filter && !ns_only && !at_rv) {
            /* count what is after last_key */
            size_t pos = kr_lower(kr, last_key, false), rem = 0;
            for (size_t x = pos; x < kr->nsorted; x++)
                if (kr->sorted[x]->cur) rem++;
            out->remaining = (long)rem;
        }
    } else {
        out->remaining = 0;
    }
    for (size_t x = 0; x < h.n; x++) free(h.keys[x]);
    free(h.keys);
    free(h.v);
    map_free(&h.seen);
    return 0;
}

void sim_page_free(sim_page_t *p)
{
    free(p->items);
    free(p->next_key);
    memset(p, 0, sizeof *p);
}
