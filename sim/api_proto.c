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

/* Strings by field number, for flat messages. names[i] is field i+1. */
static bool flat(pb_t b, cJSON *o, const char *const *names, int n)
{
    while (b.p < b.end) {
        uint32_t num;
        int wt;
        pb_t sub;
        uint64_t v;
        if (!field(&b, &num, &wt, &sub, &v)) return false;
        if (wt == 2 && num >= 1 && (int)num <= n && names[num - 1]) add_str(o, names[num - 1], sub);
    }
    return true;
}

static bool string_map_entry(pb_t b, cJSON *map)
{
    pb_t k = {0}, val = {0};
    bool hk = false;
    while (b.p < b.end) {
        uint32_t num;
        int wt;
        pb_t sub;
        uint64_t v;
        if (!field(&b, &num, &wt, &sub, &v)) return false;
        if (num == 1 && wt == 2) k = sub, hk = true;
        if (num == 2 && wt == 2) val = sub;
    }
    if (!hk) return false;
    char key[512];
    size_t kn = (size_t)(k.end - k.p);
    if (kn >= sizeof key) return false;
    memcpy(key, k.p, kn);
    key[kn] = '\0';
    if (val.p) add_str(map, key, val);
    if (!cJSON_GetObjectItemCaseSensitive(map, key)) cJSON_AddStringToObject(map, key, "");
    return true;
}

static bool object_meta(pb_t b, cJSON *meta)
{
    while (b.p < b.end) {
        uint32_t num;
        int wt;
        pb_t sub;
        uint64_t v;
        if (!field(&b, &num, &wt, &sub, &v)) return false;
        if (wt != 2) continue;
        if (num == 1) add_str(meta, "name", sub);
        else if (num == 2) add_str(meta, "generateName", sub);
        else if (num == 3) add_str(meta, "namespace", sub);
        else if (num == 11 || num == 12) {
            const char *name = num == 11 ? "labels" : "annotations";
            cJSON *m = cJSON_GetObjectItemCaseSensitive(meta, name);
            if (!m) m = cJSON_AddObjectToObject(meta, name);
            if (!string_map_entry(sub, m)) return false;
        } else if (num == 14) {
            cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
            if (!f) f = cJSON_AddArrayToObject(meta, "finalizers");
            cJSON *tmp = cJSON_CreateObject();
            add_str(tmp, "v", sub);
            cJSON_AddItemToArray(f, cJSON_DetachItemFromObjectCaseSensitive(tmp, "v"));
            cJSON_Delete(tmp);
        }
    }
    return true;
}

static cJSON *binding(pb_t b, const char *kind)
{
    static const char *const subject_f[] = {"kind", "apiGroup", "name", "namespace"};
    static const char *const ref_f[] = {"apiGroup", "kind", "name"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", "rbac.authorization.k8s.io/v1");
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON *meta = cJSON_AddObjectToObject(o, "metadata");
    cJSON *subjects = cJSON_AddArrayToObject(o, "subjects");
    while (b.p < b.end) {
        uint32_t num;
        int wt;
        pb_t sub;
        uint64_t v;
        if (!field(&b, &num, &wt, &sub, &v)) goto fail;
        if (wt != 2) continue;
        if (num == 1 && !object_meta(sub, meta)) goto fail;
        if (num == 2) {
            cJSON *s = cJSON_CreateObject();
            cJSON_AddItemToArray(subjects, s);
            if (!flat(sub, s, subject_f, 4)) goto fail;
        }
        if (num == 3) {
            cJSON *r = cJSON_AddObjectToObject(o, "roleRef");
            if (!flat(sub, r, ref_f, 3)) goto fail;
        }
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *sim_api_proto_decode(const void *data, size_t len)
{
    static const unsigned char magic[4] = {'k', '8', 's', 0};
    if (len < 4 || memcmp(data, magic, 4) != 0) return NULL;
    pb_t b = {(const unsigned char *)data + 4, (const unsigned char *)data + len};
    char kind[64] = "";
    pb_t raw = {0};
    while (b.p < b.end) {
        uint32_t num;
        int wt;
        pb_t sub;
        uint64_t v;
        if (!field(&b, &num, &wt, &sub, &v)) return NULL;
        if (num == 1 && wt == 2) { /* TypeMeta {apiVersion=1, kind=2} */
            pb_t tm = sub;
            while (tm.p < tm.end) {
                uint32_t n2;
                int w2;
                pb_t s2;
                uint64_t v2;
                if (!field(&tm, &n2, &w2, &s2, &v2)) return NULL;
                if (n2 == 2 && w2 == 2 && (size_t)(s2.end - s2.p) < sizeof kind) {
                    memcpy(kind, s2.p, (size_t)(s2.end - s2.p));
                    kind[s2.end - s2.p] = '\0';
                }
            }
        } else if (num == 2 && wt == 2) {
            raw = sub;
        }
    }
    if (!raw.p) return NULL;
    if (!strcmp(kind, "RoleBinding") || !strcmp(kind, "ClusterRoleBinding")) return binding(raw, kind);
    return NULL;
}
