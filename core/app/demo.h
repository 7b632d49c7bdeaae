/* demo.h — the demo cluster of `kubilitics serve --demo`.
 *
 * Starts kubesim (the binary beside kubilitics) as a child process on a free
 * loopback port, loaded with the manifests of examples/demo, and hands the
 * kubeconfig it writes to on_ready. The child is stopped (SIGTERM) by
 * demo_stop and killed if the server exits; its stderr goes to
 * DATA_DIR/kubesim.log.
 *
 * Lifecycle: demo_start → on_ready once (or on_fail once) → demo_stop; the
 * demo_t is freed when the child has exited and its handles are closed.
 */
#ifndef KB_APP_DEMO_H
#define KB_APP_DEMO_H

#include <stddef.h>
#include <uv.h>

#include "base/err.h"

typedef struct demo demo_t;

typedef struct demo_handlers {
    /* kubeconfig is the file's text (valid during the call). */
    void (*on_ready)(const char *kubeconfig, size_t len, void *ud);
    void (*on_fail)(const char *reason, void *ud);
} demo_handlers_t;

demo_t *demo_start(uv_loop_t *loop, const char *data_dir, const demo_handlers_t *h, void *ud, err_t *err);
void demo_stop(demo_t *d);
/* Where the demo manifests and kubesim were found (for messages). */
const char *demo_kubesim_path(const demo_t *d);

#endif
