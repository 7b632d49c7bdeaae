/* fuzz_kubeconfig.c — the kubeconfig loader on arbitrary bytes: parse,
 * merge, then resolve every context (with the file reads that implies kept
 * out of the way: relative paths point into a directory that does not
 * exist). Nothing may crash, leak or read out of bounds; every failure must
 * come back as an error message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kube/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("fuzz", "/nonexistent-fuzz-dir", (const char *)data, size, &e);
    if (!kc) {
        /* Every failure says where. */
        if (strncmp(e.msg, "kubeconfig fuzz", 15) != 0) __builtin_trap();
        return 0;
    }
    size_t n = kubeconfig_context_count(kc);
    for (size_t i = 0; i <= n; i++) {
        const char *name = i < n ? kubeconfig_context_name(kc, i) : NULL;
        kube_cluster_config_t *c = kubeconfig_resolve(kc, name, &e);
        if (c) {
            kube_cluster_config_t *d = kube_cluster_config_dup(c);
            kube_cluster_config_free(d);
            kube_cluster_config_free(c);
        }
    }
    kubeconfig_free(kc);
    return 0;
}
