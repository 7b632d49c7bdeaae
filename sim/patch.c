/* patch.c — merge, strategic-merge and JSON patches; see patch.h.
 *
 * Strategic merge needs the Go struct tags the real server reads
 * (patchMergeKey / patchStrategy). We have no Go types, so the merge keys of
 * the lists that matter in practice are listed here by field name; any
 * other list is replaced, which is also what the real server does for lists
 * without a strategy.
 */
#include "patch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"

int sim_patch_type(const char *ct)
{
    if (!ct) return -1;
    if (strncasecmp(ct, "application/merge-patch+json", 28) == 0) return SIM_PATCH_MERGE;
    if (strncasecmp(ct, "application/strategic-merge-patch+json", 38) == 0) return SIM_PATCH_STRATEGIC;
    if (strncasecmp(ct, "application/json-patch+json", 27) == 0) return SIM_PATCH_JSON;
    if (strncasecmp(ct, "application/apply-patch+yaml", 28) == 0) return SIM_PATCH_STRATEGIC;
    return -1;
}

/* ------------------------------------------------------------------ */
/* RFC 7386 */

static cJSON *merge(cJSON *target, const cJSON *patch)
{
    if (!cJSON_IsObject(patch)) {
        cJSON_Delete(target);
        return cJSON_Duplicate(patch, true);
    }
    if (!cJSON_IsObject(target)) {
        cJSON_Delete(target);
        target = cJSON_CreateObject();
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, patch)
    {
        if (cJSON_IsNull(p)) {
            cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
            continue;
        }
        cJSON *cur = cJSON_DetachItemFromObjectCaseSensitive(target, p->string);
        cJSON_AddItemToObject(target, p->string, merge(cur, p));
    }
    return target;
}

/* ------------------------------------------------------------------ */
/* strategic merge */

static const char *merge_key(const char *field, const cJSON *items)
{
    static const char *const by_name[] = {"containers", "initContainers", "ephemeralContainers", "volumes", "env",
                                          "imagePullSecrets", "volumeDevices", "resourceClaims", "schedulingGates",
                                          "readinessGates"};
    if (!field) return NULL;
    for (size_t i = 0; i < sizeof by_name / sizeof *by_name; i++)
        if (!strcmp(field, by_name[i])) return strcmp(field, "readinessGates") ? "name" : "conditionType";
    if (!strcmp(field, "volumeMounts")) return "mountPath";
    if (!strcmp(field, "ownerReferences")) return "uid";
    if (!strcmp(field, "conditions")) return "type";
    if (!strcmp(field, "hostAliases")) return "ip";
    if (!strcmp(field, "ports")) {
        /* Container ports merge on containerPort, Service ports on port. */
        const cJSON *it;
        cJSON_ArrayForEach(it, items) if (cJSON_GetObjectItemCaseSensitive(it, "containerPort")) return "containerPort";
        return "port";
    }
    return NULL;
}

/* Lists of scalars merged as sets (patchStrategy: merge). */
static bool merge_scalars(const char *field) { return field && !strcmp(field, "finalizers"); }

static bool same_key(const cJSON *a, const cJSON *b, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, key), *y = cJSON_GetObjectItemCaseSensitive(b, key);
    return x && y && cJSON_Compare(x, y, true);
}

static cJSON *smp(cJSON *target, const cJSON *patch, const char *field, err_t *err);

static cJSON *smp_list(cJSON *target, const cJSON *patch, const char *field, err_t *err)
{
    const char *key = merge_key(field, patch);
    if (!key) key = merge_key(field, target);
    if (merge_scalars(field)) {
        if (!cJSON_IsArray(target)) {
            cJSON_Delete(target);
            target = cJSON_CreateArray();
        }
        const cJSON *p;
        cJSON_ArrayForEach(p, patch)
        {
            bool have = false;
            const cJSON *t;
            cJSON_ArrayForEach(t, target) if (cJSON_Compare(t, p, true)) have = true;
            if (!have) cJSON_AddItemToArray(target, cJSON_Duplicate(p, true));
        }
        return target;
    }
    if (!key) { /* no strategy: replace, minus directives */
        cJSON_Delete(target);
        return cJSON_Duplicate(patch, true);
    }
    if (!cJSON_IsArray(target)) {
        cJSON_Delete(target);
        target = cJSON_CreateArray();
    }
    /* `$patch: replace` as a list element replaces the whole list. */
    const cJSON *p;
    cJSON_ArrayForEach(p, patch)
    {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "$patch");
        if (cJSON_IsString(d) && !strcmp(d->valuestring, "replace")) {
            cJSON_Delete(target);
            cJSON *out = cJSON_CreateArray();
            const cJSON *q;
            cJSON_ArrayForEach(q, patch) if (q != p) cJSON_AddItemToArray(out, cJSON_Duplicate(q, true));
            return out;
        }
    }
    cJSON_ArrayForEach(p, patch)
    {
        if (!cJSON_IsObject(p)) continue;
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "$patch");
        int idx = -1, i = 0;
        cJSON *t;
        cJSON_ArrayForEach(t, target)
        {
            if (same_key(t, p, key)) {
                idx = i;
                break;
            }
            i++;
        }
        if (cJSON_IsString(d) && !strcmp(d->valuestring, "delete")) {
            if (idx >= 0) cJSON_DeleteItemFromArray(target, idx);
            continue;
        }
        if (idx >= 0) {
            cJSON *cur = cJSON_DetachItemFromArray(target, idx);
            cJSON *nu = smp(cur, p, NULL, err);
            if (!nu) {
                cJSON_Delete(target);
                return NULL;
            }
            cJSON_InsertItemInArray(target, idx, nu);
        } else {
            cJSON *nu = smp(cJSON_CreateObject(), p, NULL, err);
            if (!nu) {
                cJSON_Delete(target);
                return NULL;
            }
            cJSON_AddItemToArray(target, nu);
        }
    }
    return target;
}

/* Reorder target's keyed list to follow a $setElementOrder list. */
static void set_order(cJSON *list, const cJSON *order, const char *field)
{
    const char *key = merge_key(field, order);
    if (!key || !cJSON_IsArray(list)) return;
    cJSON *sorted = cJSON_CreateArray();
    const cJSON *o;
    cJSON_ArrayForEach(o, order)
    {
        int i = 0;
        cJSON *t;
        cJSON_ArrayForEach(t, list)
        {
            if (same_key(t, o, key)) {
                cJSON_AddItemToArray(sorted, cJSON_DetachItemFromArray(list, i));
                break;
            }
            i++;
        }
    }
    /* Items not named in the order keep their relative order at the end. */
    while (cJSON_GetArraySize(list) > 0) cJSON_AddItemToArray(sorted, cJSON_DetachItemFromArray(list, 0));
    cJSON *x;
    while ((x = cJSON_DetachItemFromArray(sorted, 0))) cJSON_AddItemToArray(list, x);
    cJSON_Delete(sorted);
}

static cJSON *smp(cJSON *target, const cJSON *patch, const char *field, err_t *err)
{
    if (cJSON_IsArray(patch)) return smp_list(target, patch, field, err);
    if (!cJSON_IsObject(patch)) {
        cJSON_Delete(target);
        return cJSON_Duplicate(patch, true);
    }
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(patch, "$patch");
    if (cJSON_IsString(dir)) {
        if (!strcmp(dir->valuestring, "delete")) {
            cJSON_Delete(target);
            return NULL; /* caller removes the field */
        }
        if (!strcmp(dir->valuestring, "replace")) {
            cJSON_Delete(target);
            cJSON *out = cJSON_Duplicate(patch, true);
            cJSON_DeleteItemFromObjectCaseSensitive(out, "$patch");
            return out;
        }
        err_set(err, SIM_ERR_BAD_REQUEST, "unknown patch type: %s in map: %s", dir->valuestring,
                field ? field : "");
        cJSON_Delete(target);
        return NULL;
    }
    if (!cJSON_IsObject(target)) {
        cJSON_Delete(target);
        target = cJSON_CreateObject();
    }
    const cJSON *retain = cJSON_GetObjectItemCaseSensitive(patch, "$retainKeys");
    const cJSON *p;
    cJSON_ArrayForEach(p, patch)
    {
        const char *k = p->string;
        if (!strcmp(k, "$retainKeys")) continue;
        if (!strncmp(k, "$setElementOrder/", 17)) continue;
        if (!strncmp(k, "$deleteFromPrimitiveList/", 25)) {
            cJSON *list = cJSON_GetObjectItemCaseSensitive(target, k + 25);
            const cJSON *v;
            cJSON_ArrayForEach(v, p)
            {
                for (int i = cJSON_GetArraySize(list) - 1; i >= 0; i--)
                    if (cJSON_Compare(cJSON_GetArrayItem(list, i), v, true)) cJSON_DeleteItemFromArray(list, i);
            }
            continue;
        }
        if (cJSON_IsNull(p)) {
            cJSON_DeleteItemFromObjectCaseSensitive(target, k);
            continue;
        }
        cJSON *cur = cJSON_DetachItemFromObjectCaseSensitive(target, k);
        err_t e2 = {0};
        cJSON *nu = smp(cur, p, k, &e2);
        if (!nu) {
            if (e2.code) {
                *err = e2;
                cJSON_Delete(target);
                return NULL;
            }
            continue; /* $patch: delete */
        }
        cJSON_AddItemToObject(target, k, nu);
    }
    cJSON_ArrayForEach(p, patch)
    {
        if (strncmp(p->string, "$setElementOrder/", 17) != 0) continue;
        set_order(cJSON_GetObjectItemCaseSensitive(target, p->string + 17), p, p->string + 17);
    }
    if (cJSON_IsArray(retain)) {
        cJSON *t = target->child;
        while (t) {
            cJSON *next = t->next;
            bool keep = false;
            const cJSON *r;
            cJSON_ArrayForEach(r, retain) if (cJSON_IsString(r) && !strcmp(r->valuestring, t->string)) keep = true;
            if (!keep) cJSON_Delete(cJSON_DetachItemViaPointer(target, t));
            t = next;
        }
    }
    return target;
}

/* ------------------------------------------------------------------ */
/* RFC 6902 */

/* Resolve a JSON pointer to the parent container and the last token. */
static cJSON *pointer_parent(cJSON *doc, const char *ptr, char *last, size_t cap, bool *ok)
{
    *ok = false;
    if (ptr[0] != '/') return NULL;
    cJSON *cur = doc;
    const char *p = ptr + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        char tok[512];
        size_t n = 0;
        const char *end = slash ? slash : p + strlen(p);
        for (const char *c = p; c < end && n + 1 < sizeof tok; c++) {
            if (*c == '~' && c + 1 < end && (c[1] == '0' || c[1] == '1')) {
                tok[n++] = c[1] == '0' ? '~' : '/';
                c++;
            } else {
                tok[n++] = *c;
            }
        }
        tok[n] = '\0';
        if (!slash) {
            snprintf(last, cap, "%s", tok);
            *ok = true;
            return cur;
        }
        if (cJSON_IsObject(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
        } else if (cJSON_IsArray(cur)) {
            char *e;
            long i = strtol(tok, &e, 10);
            if (*e || n == 0 || i < 0) return NULL;
            cur = cJSON_GetArrayItem(cur, (int)i);
        } else {
            return NULL;
        }
        if (!cur) return NULL;
        p = slash + 1;
    }
}

static cJSON *pointer_get(cJSON *doc, const char *ptr)
{
    if (!*ptr) return doc;
    char last[512];
    bool ok;
    cJSON *parent = pointer_parent(doc, ptr, last, sizeof last, &ok);
    if (!ok || !parent) return NULL;
    if (cJSON_IsObject(parent)) return cJSON_GetObjectItemCaseSensitive(parent, last);
    if (cJSON_IsArray(parent)) {
        char *e;
        long i = strtol(last, &e, 10);
        if (*e || !*last || i < 0) return NULL;
        return cJSON_GetArrayItem(parent, (int)i);
    }
    return NULL;
}

static int array_index(const cJSON *arr, const char *tok, bool for_add, int *out)
{
    int n = cJSON_GetArraySize(arr);
    if (for_add && !strcmp(tok, "-")) {
        *out = n;
        return 0;
    }
    char *e;
    long i = strtol(tok, &e, 10);
    if (*e || !*tok || i < 0 || i > n || (!for_add && i == n)) return -1;
    *out = (int)i;
    return 0;
}

/* Takes val. */
static int op_add(cJSON **doc, const char *path, cJSON *val, err_t *err)
{
    if (!*path) {
        cJSON_Delete(*doc);
        *doc = val;
        return 0;
    }
    char last[512];
    bool ok;
    cJSON *parent = pointer_parent(*doc, path, last, sizeof last, &ok);
    if (!ok || !parent) goto missing;
    if (cJSON_IsObject(parent)) {
        cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
        cJSON_AddItemToObject(parent, last, val);
        return 0;
    }
    if (cJSON_IsArray(parent)) {
        int i;
        if (array_index(parent, last, true, &i) < 0) goto missing;
        if (i == cJSON_GetArraySize(parent)) cJSON_AddItemToArray(parent, val);
        else cJSON_InsertItemInArray(parent, i, val);
        return 0;
    }
missing:
    cJSON_Delete(val);
    return err_set(err, ERR_INVALID, "the server rejected our request due to an error in our request: add operation "
                                     "does not apply: doc is missing path: \"%s\"",
                   path);
}

/* Detach the value at path (NULL when missing). */
static cJSON *op_detach(cJSON *doc, const char *path)
{
    char last[512];
    bool ok;
    cJSON *parent = pointer_parent(doc, path, last, sizeof last, &ok);
    if (!ok || !parent) return NULL;
    if (cJSON_IsObject(parent)) return cJSON_DetachItemFromObjectCaseSensitive(parent, last);
    if (cJSON_IsArray(parent)) {
        int i;
        if (array_index(parent, last, false, &i) < 0) return NULL;
        return cJSON_DetachItemFromArray(parent, i);
    }
    return NULL;
}

static cJSON *json_patch(cJSON *doc, const cJSON *ops, err_t *err)
{
    if (!cJSON_IsArray(ops)) {
        err_set(err, SIM_ERR_BAD_REQUEST, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        goto fail;
    }
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(op, "op"), *p = cJSON_GetObjectItemCaseSensitive(op, "path");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, "value"), *f = cJSON_GetObjectItemCaseSensitive(op, "from");
        if (!cJSON_IsString(o) || !cJSON_IsString(p)) {
            err_set(err, SIM_ERR_BAD_REQUEST, "a JSON patch operation needs \"op\" and \"path\"");
            goto fail;
        }
        const char *name = o->valuestring, *path = p->valuestring;
        if (path[0] && path[0] != '/') {
            err_set(err, ERR_INVALID, "the server rejected our request due to an error in our request: "
                                      "invalid JSON pointer \"%s\"", path);
            goto fail;
        }
        if (!strcmp(name, "add") || !strcmp(name, "replace")) {
            if (!v) {
                err_set(err, SIM_ERR_BAD_REQUEST, "%s operation needs a \"value\"", name);
                goto fail;
            }
            if (!strcmp(name, "replace") && !pointer_get(doc, path)) {
                err_set(err, ERR_INVALID, "the server rejected our request due to an error in our request: "
                                          "replace operation does not apply: doc is missing key: %s", path);
                goto fail;
            }
            if (!strcmp(name, "replace") && *path) cJSON_Delete(op_detach(doc, path));
            if (op_add(&doc, path, cJSON_Duplicate(v, true), err) < 0) goto fail;
        } else if (!strcmp(name, "remove")) {
            cJSON *x = op_detach(doc, path);
            if (!x) {
                err_set(err, ERR_INVALID, "the server rejected our request due to an error in our request: "
                                          "remove operation does not apply: doc is missing path: \"%s\"", path);
                goto fail;
            }
            cJSON_Delete(x);
        } else if (!strcmp(name, "move") || !strcmp(name, "copy")) {
            if (!cJSON_IsString(f)) {
                err_set(err, SIM_ERR_BAD_REQUEST, "%s operation needs a \"from\"", name);
                goto fail;
            }
            cJSON *x = !strcmp(name, "move") ? op_detach(doc, f->valuestring)
                                             : cJSON_Duplicate(pointer_get(doc, f->valuestring), true);
            if (!x) {
                err_set(err, ERR_INVALID, "the server rejected our request due to an error in our request: "
                                          "%s operation does not apply: doc is missing from path: \"%s\"", name,
                        f->valuestring);
                goto fail;
            }
            if (op_add(&doc, path, x, err) < 0) goto fail;
        } else if (!strcmp(name, "test")) {
            cJSON *x = pointer_get(doc, path);
            if (!x || !v || !cJSON_Compare(x, v, true)) {
                err_set(err, ERR_INVALID, "the server rejected our request due to an error in our request: "
                                          "testing value %s failed: test failed", path);
                goto fail;
            }
        } else {
            err_set(err, SIM_ERR_BAD_REQUEST, "unexpected kind: %s", name);
            goto fail;
        }
    }
    return doc;
fail:
    cJSON_Delete(doc);
    return NULL;
}

cJSON *sim_patch_apply(int type, cJSON *doc, const cJSON *patch, err_t *err)
{
    switch (type) {
    case SIM_PATCH_MERGE:
        if (!cJSON_IsObject(patch)) {
            cJSON_Delete(doc);
            err_set(err, SIM_ERR_BAD_REQUEST, "the merge patch is not a JSON object");
            return NULL;
        }
        return merge(doc, patch);
    case SIM_PATCH_STRATEGIC: {
        if (!cJSON_IsObject(patch)) {
            cJSON_Delete(doc);
            err_set(err, SIM_ERR_BAD_REQUEST, "the strategic merge patch is not a JSON object");
            return NULL;
        }
        err_t e2 = {0};
        cJSON *out = smp(doc, patch, NULL, &e2);
        if (!out) {
            if (err) *err = e2;
            if (!e2.code) err_set(err, SIM_ERR_BAD_REQUEST, "the patch deletes the whole object");
        }
        return out;
    }
    case SIM_PATCH_JSON:
        return json_patch(doc, patch, err);
    }
    cJSON_Delete(doc);
    err_set(err, SIM_ERR_BAD_REQUEST, "unsupported patch type");
    return NULL;
}
