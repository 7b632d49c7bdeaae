/* yaml.c — YAML documents into cJSON and --manifests loading; see sim_yaml.h
 * (named so that <yaml.h> still finds libyaml on a -Isim include path). */
#include "sim_yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "base/buf.h"
#include "base/mem.h"
#include "store.h"

static bool is_one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list)) return true;
    return false;
}

/* A plain scalar's JSON type, as YAML 1.1 core resolution gives it. */
static cJSON *resolve_plain(const char *s, size_t n)
{
    static const char *const truthy[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL};
    static const char *const falsy[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL};
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    if (is_one_of(s, nulls)) return cJSON_CreateNull();
    if (is_one_of(s, truthy)) return cJSON_CreateTrue();
    if (is_one_of(s, falsy)) return cJSON_CreateFalse();
    /* integers: [-+]?[0-9_]+, 0x…, 0o… ; floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
    char tmp[128];
    if (n < sizeof tmp) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] != '_') tmp[k++] = s[i];
        tmp[k] = '\0';
        char *end;
        const char *p = tmp;
        if (*p == '+' || *p == '-') p++;
        if (*p >= '0' && *p <= '9') {
            errno = 0;
            long long v;
            if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) v = strtoll(tmp, &end, 16);
            else if (p[0] == '0' && p[1] == 'o') {
                v = strtoll(p + 2, &end, 8);
                if (tmp[0] == '-') v = -v;
            } else v = strtoll(tmp, &end, 10);
            if (!*end && !errno) return cJSON_CreateNumber((double)v);
        }
        if ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) {
            double d = strtod(tmp, &end);
            if (!*end) return cJSON_CreateNumber(d);
        }
    }
    return NULL;
}

static cJSON *convert(yaml_document_t *doc, yaml_node_t *node, int depth)
{
    if (!node || depth > 100) return cJSON_CreateNull();
    switch (node->type) {
    case YAML_SCALAR_NODE: {
        const char *v = (const char *)node->data.scalar.value;
        size_t n = node->data.scalar.length;
        const char *tag = (const char *)node->tag;
        if (tag && !strcmp(tag, YAML_STR_TAG)) {
            if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                /* explicit !!str or the default tag: only plain scalars resolve */
            } else {
                return cJSON_CreateString(v);
            }
        }
        if (tag && strcmp(tag, YAML_STR_TAG) != 0 && strcmp(tag, YAML_DEFAULT_SCALAR_TAG) != 0) {
            if (!strcmp(tag, YAML_INT_TAG) || !strcmp(tag, YAML_FLOAT_TAG) || !strcmp(tag, YAML_BOOL_TAG) ||
                !strcmp(tag, YAML_NULL_TAG)) {
                cJSON *r = resolve_plain(v, n);
                if (r) return r;
            }
            return cJSON_CreateString(v);
        }
        if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return cJSON_CreateString(v);
        /* A plain scalar with an explicit "!!str" tag arrives as tag:yaml.org,2002:str
         * only if written; libyaml gives the default tag otherwise, so both
         * cases land here. */
        cJSON *r = resolve_plain(v, n);
        return r ? r : cJSON_CreateString(v);
    }
    case YAML_SEQUENCE_NODE: {
        cJSON *a = cJSON_CreateArray();
        for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++)
            cJSON_AddItemToArray(a, convert(doc, yaml_document_get_node(doc, *it), depth + 1));
        return a;
    }
    case YAML_MAPPING_NODE: {
        cJSON *o = cJSON_CreateObject();
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            char keybuf[64];
            const char *key;
            if (k && k->type == YAML_SCALAR_NODE) key = (const char *)k->data.scalar.value;
            else {
                snprintf(keybuf, sizeof keybuf, "<non-scalar key>");
                key = keybuf;
            }
            cJSON_DeleteItemFromObjectCaseSensitive(o, key); /* last one wins */
            cJSON_AddItemToObject(o, key, convert(doc, yaml_document_get_node(doc, p->value), depth + 1));
        }
        return o;
    }
    default:
        return cJSON_CreateNull();
    }
}

int sim_yaml_parse(const char *text, size_t len, const char *name, cJSON **out, err_t *err)
{
    *out = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return err_set(err, ERR_INTERNAL, "%s: cannot start the YAML parser", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    cJSON *docs = cJSON_CreateArray();
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            err_set(err, SIM_ERR_BAD_REQUEST, "%s:%zu: %s", name, parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "invalid YAML");
            yaml_parser_delete(&parser);
            cJSON_Delete(docs);
            return SIM_ERR_BAD_REQUEST;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_document_delete(&doc);
            break; /* end of stream */
        }
        cJSON *j = convert(&doc, root, 0);
        yaml_document_delete(&doc);
        if (cJSON_IsNull(j)) cJSON_Delete(j); /* an empty document between --- */
        else cJSON_AddItemToArray(docs, j);
    }
    yaml_parser_delete(&parser);
    *out = docs;
    return 0;
}

/* ------------------------------------------------------------------ */
/* --manifests */

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool manifest_file(const char *n)
{
    size_t l = strlen(n);
    return (l > 5 && !strcasecmp(n + l - 5, ".yaml")) || (l > 4 && !strcasecmp(n + l - 4, ".yml")) ||
           (l > 5 && !strcasecmp(n + l - 5, ".json"));
}

static int read_file(const char *path, buf_t *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ERR_IO;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(out, chunk, n);
    fclose(f);
    return 0;
}

typedef struct item {
    cJSON *obj;
    char where[512];
} item_t;

static int phase_of(const cJSON *o)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
    if (!cJSON_IsString(k)) return 2;
    if (!strcmp(k->valuestring, "Namespace") || !strcmp(k->valuestring, "CustomResourceDefinition")) return 0;
    return 1;
}

static void collect(cJSON *doc, const char *file, int idx, item_t **items, size_t *n)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (cJSON_IsString(kind) && strlen(kind->valuestring) > 4 &&
        !strcmp(kind->valuestring + strlen(kind->valuestring) - 4, "List") && cJSON_IsArray(list)) {
        cJSON *it;
        while ((it = cJSON_DetachItemFromArray((cJSON *)list, 0))) collect(it, file, idx, items, n);
        cJSON_Delete(doc);
        return;
    }
    *items = xrealloc(*items, (*n + 1) * sizeof **items);
    (*items)[*n].obj = doc;
    snprintf((*items)[*n].where, sizeof (*items)[*n].where, "%s (document %d)", file, idx + 1);
    (*n)++;
}

int sim_manifests_apply(struct sim_store *s, const char *dir, err_t *err)
{
    DIR *d = opendir(dir);
    if (!d) return err_set(err, ERR_IO, "--manifests %s: %s", dir, strerror(errno));
    char **files = NULL;
    size_t nfiles = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !manifest_file(de->d_name)) continue;
        files = xrealloc(files, (nfiles + 1) * sizeof *files);
        size_t l = strlen(dir) + strlen(de->d_name) + 2;
        files[nfiles] = xmalloc(l);
        snprintf(files[nfiles], l, "%s/%s", dir, de->d_name);
        nfiles++;
    }
    closedir(d);
    /* qsort must not be handed NULL, even with a count of zero (a directory
     * without manifests). */
    if (nfiles > 1) qsort(files, nfiles, sizeof *files, name_cmp);
    item_t *items = NULL;
    size_t nitems = 0;
    int rc = 0, created = 0;
    for (size_t i = 0; i < nfiles && rc == 0; i++) {
        buf_t b = {0};
        if (read_file(files[i], &b) < 0) {
            rc = err_set(err, ERR_IO, "%s: cannot read", files[i]);
            buf_free(&b);
            break;
        }
        cJSON *docs = NULL;
        rc = sim_yaml_parse(b.data ? b.data : "", b.len, files[i], &docs, err);
        buf_free(&b);
        if (rc < 0) break;
        int idx = 0;
        cJSON *doc;
        while ((doc = cJSON_DetachItemFromArray(docs, 0))) collect(doc, files[i], idx++, &items, &nitems);
        cJSON_Delete(docs);
    }
    for (int phase = 0; phase < 3 && rc == 0; phase++) {
        for (size_t i = 0; i < nitems && rc == 0; i++) {
            if (!items[i].obj || phase_of(items[i].obj) != phase) continue;
            cJSON *o = items[i].obj;
            items[i].obj = NULL;
            const cJSON *av = cJSON_GetObjectItemCaseSensitive(o, "apiVersion");
            const cJSON *kd = cJSON_GetObjectItemCaseSensitive(o, "kind");
            const sim_kind_t *k = sim_kind_by_gvk(s, cJSON_IsString(av) ? av->valuestring : NULL,
                                                  cJSON_IsString(kd) ? kd->valuestring : NULL);
            if (!k) {
                rc = err_set(err, ERR_INVALID, "%s: no kind \"%s\" is served in version \"%s\"", items[i].where,
                             cJSON_IsString(kd) ? kd->valuestring : "", cJSON_IsString(av) ? av->valuestring : "");
                cJSON_Delete(o);
                break;
            }
            const cJSON *ns = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"),
                                                               "namespace");
            char nsbuf[256];
            snprintf(nsbuf, sizeof nsbuf, "%s", cJSON_IsString(ns) && ns->valuestring[0] ? ns->valuestring : "default");
            err_t e2 = {0};
            int r = sim_create(s, k, k->namespaced ? nsbuf : NULL, o, NULL, NULL, &e2);
            if (r < 0) {
                rc = err_set(err, r, "%s: %s", items[i].where, e2.msg);
                break;
            }
            created++;
        }
    }
    for (size_t i = 0; i < nitems; i++) cJSON_Delete(items[i].obj);
    free(items);
    for (size_t i = 0; i < nfiles; i++) free(files[i]);
    free(files);
    return rc < 0 ? rc : created;
}
