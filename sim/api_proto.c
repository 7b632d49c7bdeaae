/* api_proto.c — the few protobuf request bodies real clients send to
 * kubesim. kubectl's typed RBAC client posts `kubectl create rolebinding`
 * and `create clusterrolebinding` as application/vnd.kubernetes.protobuf,
 * with no JSON fallback, so those two types are decoded here (field numbers
 * from k8s.io/api/rbac/v1/generated.proto and apimachinery's ObjectMeta).
 * Every other protobuf body gets 415 (see api.c).
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

typedef struct pb {
    const unsigned char *p, *end;
} pb_t;

static bool varint(pb_t *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Next field: number, wire type, and for length-delimited fields the bytes. */
static bool field(pb_t *b, uint32_t *num, int *wt, pb_t *sub, uint64_t *val)
{
    uint64_t key;
    if (!varint(b, &key)) return false;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    if (*wt == 0) return varint(b, val);
    if (*wt == 2) {
        uint64_t n;
        if (!varint(b, &n) || n > (uint64_t)(b->end - b->p)) return false;
        sub->p = b->p;
        sub->end = b->p + n;
        b->p += n;
        return true;
    }
    if (*wt == 1 && b->end - b->p >= 8) return b->p += 8, true;
    if (*wt == 5 && b->end - b->p >= 4) return b->p += 4, true;
    return false;
}

/* Every message read here is a sequence of fields of which only the
 * length-delimited ones (strings, maps, nested messages) matter: one loop
 * walks them and hands each to the message's visitor. False when the bytes
 * are malformed or the visitor refuses a field. */
typedef bool (*pb_visit_fn)(uint32_t num, pb_t val, void *ud);

static bool pb_each(pb_t b, pb_visit_fn visit, void *ud)
{
    while (b.p < b.end) {
        uint32_t num;
        int wt;
        pb_t sub = {0};
        uint64_t v;
        if (!field(&b, &num, &wt, &sub, &v)) return false;
        if (wt == 2 && !visit(num, sub, ud)) return false;
    }
    return true;
}

static void add_str(cJSON *o, const char *name, pb_t s)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, name);
    size_t n = (size_t)(s.end - s.p);
    if (n == 0) return; /* proto2 writes empty strings; JSON omits them */
    char *copy = xmalloc(n + 1);
    memcpy(copy, s.p, n);
    copy[n] = '\0';
    cJSON_AddStringToObject(o, name, copy);
    free(copy);
}

/* A flat message of strings: names[i] is field i+1 (NULL: ignored). */
typedef struct flat_ctx {
    cJSON *o;
    const char *const *names;
    uint32_t n;
} flat_ctx_t;

static bool flat_field(uint32_t num, pb_t val, void *ud)
{
    flat_ctx_t *c = ud;
    if (num >= 1 && num <= c->n && c->names[num - 1]) add_str(c->o, c->names[num - 1], val);
    return true;
}

static bool flat(pb_t b, cJSON *o, const char *const *names, uint32_t n)
{
    flat_ctx_t c = {o, names, n};
    return pb_each(b, flat_field, &c);
}

/* map<string, string> entry: key = 1, value = 2. */
typedef struct kv_ctx {
    pb_t k, v;
    bool has_k;
} kv_ctx_t;

static bool kv_field(uint32_t num, pb_t val, void *ud)
{
    kv_ctx_t *c = ud;
    if (num == 1) c->k = val, c->has_k = true;
    else if (num == 2) c->v = val;
    return true;
}

static bool string_map_entry(pb_t b, cJSON *map)
{
    kv_ctx_t c = {0};
    if (!pb_each(b, kv_field, &c) || !c.has_k) return false;
    char key[512];
    size_t kn = (size_t)(c.k.end - c.k.p);
    if (kn >= sizeof key) return false;
    memcpy(key, c.k.p, kn);
    key[kn] = '\0';
    if (c.v.p) add_str(map, key, c.v);
    if (!cJSON_GetObjectItemCaseSensitive(map, key)) cJSON_AddStringToObject(map, key, "");
    return true;
}

/* ObjectMeta: name 1, generateName 2, namespace 3, labels 11,
 * annotations 12, finalizers 14. */
static bool meta_field(uint32_t num, pb_t val, void *ud)
{
    cJSON *meta = ud;
    if (num == 1) add_str(meta, "name", val);
    else if (num == 2) add_str(meta, "generateName", val);
    else if (num == 3) add_str(meta, "namespace", val);
    else if (num == 11 || num == 12) {
        const char *name = num == 11 ? "labels" : "annotations";
        cJSON *m = cJSON_GetObjectItemCaseSensitive(meta, name);
        if (!m) m = cJSON_AddObjectToObject(meta, name);
        return string_map_entry(val, m);
    } else if (num == 14) {
        cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
        if (!f) f = cJSON_AddArrayToObject(meta, "finalizers");
        cJSON *tmp = cJSON_CreateObject();
        add_str(tmp, "v", val);
        cJSON_AddItemToArray(f, cJSON_DetachItemFromObjectCaseSensitive(tmp, "v"));
        cJSON_Delete(tmp);
    }
    return true;
}

/* RoleBinding and ClusterRoleBinding (the same message): metadata 1,
 * subjects 2 (repeated Subject), roleRef 3. */
static bool binding_field(uint32_t num, pb_t val, void *ud)
{
    static const char *const subject_f[] = {"kind", "apiGroup", "name", "namespace"};
    static const char *const ref_f[] = {"apiGroup", "kind", "name"};
    cJSON *o = ud;
    if (num == 1) return pb_each(val, meta_field, cJSON_GetObjectItemCaseSensitive(o, "metadata"));
    if (num == 2) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(o, "subjects"), s);
        return flat(val, s, subject_f, 4);
    }
    if (num == 3) return flat(val, cJSON_AddObjectToObject(o, "roleRef"), ref_f, 3);
    return true;
}

static cJSON *binding(pb_t b, const char *kind)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", "rbac.authorization.k8s.io/v1");
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddArrayToObject(o, "subjects");
    if (pb_each(b, binding_field, o)) return o;
    cJSON_Delete(o);
    return NULL;
}

/* runtime.Unknown: typeMeta 1 {apiVersion 1, kind 2}, raw 2. */
typedef struct unknown_ctx {
    char kind[64];
    pb_t raw;
} unknown_ctx_t;

static bool type_meta_field(uint32_t num, pb_t val, void *ud)
{
    unknown_ctx_t *c = ud;
    size_t n = (size_t)(val.end - val.p);
    if (num == 2 && n < sizeof c->kind) {
        memcpy(c->kind, val.p, n);
        c->kind[n] = '\0';
    }
    return true;
}

static bool unknown_field(uint32_t num, pb_t val, void *ud)
{
    unknown_ctx_t *c = ud;
    if (num == 1) return pb_each(val, type_meta_field, c);
    if (num == 2) c->raw = val;
    return true;
}

cJSON *sim_api_proto_decode(const void *data, size_t len)
{
    static const unsigned char magic[4] = {'k', '8', 's', 0};
    if (len < 4 || memcmp(data, magic, 4) != 0) return NULL;
    pb_t b = {(const unsigned char *)data + 4, (const unsigned char *)data + len};
    unknown_ctx_t c = {0};
    if (!pb_each(b, unknown_field, &c) || !c.raw.p) return NULL;
    if (!strcmp(c.kind, "RoleBinding") || !strcmp(c.kind, "ClusterRoleBinding")) return binding(c.raw, c.kind);
    return NULL;
}
