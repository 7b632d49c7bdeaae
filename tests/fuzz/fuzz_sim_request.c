/* fuzz_sim_request.c — kubesim's handling of untrusted request parts: the
 * URL path and query (path split, label and field selectors), and the body
 * (JSON decoded into an object and written through the store, the same
 * body used as a merge / strategic / JSON patch of a stored object, the
 * protobuf envelope decoder, and the YAML reader).
 *
 * Input: "PATH[?labelSelector]\n[fieldSelector]\nBODY". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "patch.h"
#include "select.h"
#include "sim_yaml.h"
#include "store.h"

static sim_store_t *store;

static const char base_pod[] = "{\"metadata\":{\"name\":\"base\",\"labels\":{\"app\":\"web\"}},"
                               "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"env\":[{\"name\":\"A\"}]}]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) {
        sim_store_opts_t o = {.event_window = 64, .tree_cache = 16, .seed = 1};
        store = sim_store_new(&o);
        sim_create(store, sim_kind_by_resource(store, "", "pods"), "default", cJSON_Parse(base_pod), NULL, NULL,
                   NULL);
    }
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    char *line1 = in, *line2 = strchr(in, '\n'), *body = NULL;
    if (line2) {
        *line2++ = '\0';
        body = strchr(line2, '\n');
        if (body) *body++ = '\0';
    }
    char *q = strchr(line1, '?');
    if (q) *q++ = '\0';

    sim_path_t p;
    if (sim_path_parse(line1, strlen(line1), &p) == 0 && p.type == SIM_PATH_RESOURCE) {
        const sim_kind_t *k = sim_kind_by_resource(store, p.group, p.resource);
        if (!k) k = sim_kind_find(store, p.resource);
        sim_selector_t *ls = NULL, *fs = NULL;
        err_t err;
        sim_label_selector_parse(q, &ls, &err);
        if (k) sim_field_selector_parse(line2, k, &fs, &err);
        const sim_obj_t *base = sim_get_obj(store, sim_kind_by_resource(store, "", "pods"), "default", "base");
        if (base) sim_selectors_match(ls, fs, base);
        sim_selector_free(ls);
        sim_selector_free(fs);
        if (k && body) {
            size_t n = size - (size_t)(body - in);
            cJSON *obj = cJSON_ParseWithLength(body, n);
            if (obj) {
                cJSON *patch = cJSON_Duplicate(obj, true);
                const sim_obj_t *out = NULL;
                sim_write_opts_t wo = {.dry_run = p.name[0] == 'd'};
                if (sim_create(store, k, p.ns[0] ? p.ns : "default", obj, &wo, &out, &err) == 0 && out &&
                    !wo.dry_run && strcmp(k->resource, "namespaces") != 0)
                    sim_delete(store, k, sim_obj_namespace(out), sim_obj_name(out), NULL, NULL, NULL, &err);
                for (int t = SIM_PATCH_MERGE; t <= SIM_PATCH_JSON; t++) {
                    cJSON *doc = sim_patch_apply(t, cJSON_Parse(base_pod), patch, &err);
                    cJSON_Delete(doc);
                }
                cJSON_Delete(patch);
            }
            cJSON_Delete(sim_api_proto_decode(body, n));
            cJSON *docs = NULL;
            if (sim_yaml_parse(body, n, "fuzz", &docs, &err) == 0) cJSON_Delete(docs);
        }
    }
    sim_store_gc(store);
    free(in);
    return 0;
}
