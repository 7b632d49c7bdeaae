/* fuzz_plugin_manifest.c — bytes as a plugin file, through the loader, the
 * manifest validator and, when routes validate, the route dispatcher.
 *
 * Small budgets keep each input fast: 200k instructions, 20 ms, 8 MiB. The
 * property checked is the host's: whatever the plugin source, loading and
 * calling it returns an error value — no crash, no leak, no hang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "script/script_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_input(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *lib;
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fuzz-plugin-%d.lua", (int)getpid());
        lib = script_lib_dir_resolve(NULL);
        log_set_level(LOG_FATAL); /* plugin errors are expected, not news */
        atexit(remove_input);
    }
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);

    script_limits_t lim = {.max_instructions = 200000, .max_ms = 20, .max_memory = 8u << 20};
    script_entry_t e = {path, NULL};
    err_t err = {0};
    script_set_t *set = script_set_build(&e, 1, lib, &lim, &err);
    if (!set) return 0;
    for (size_t i = 0; i < set->n; i++) {
        script_plugin_t *p = set->plugins[i];
        for (size_t j = 0; j < p->nroutes; j++) {
            /* The declared path itself is a valid request path (params
             * stand in for their own values). */
            char full[512];
            snprintf(full, sizeof full, "%s", p->routes[j].pattern);
            script_http_req_t req = {
                .method = p->routes[j].method,
                .raw_path = sv_from(full),
                .query = SV("a=1&b=%zz"),
                .body = sv_make((const char *)data, size),
                .request_id = "fuzz",
            };
            script_http_res_t res;
            script_dispatch(set, &req, &res);
            script_http_res_free(&res);
        }
    }
    script_set_free(set);
    return 0;
}
