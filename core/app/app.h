/* app.h — `kubilitics serve`: the server assembled from its modules.
 *
 * app_start wires config → database → metrics → HTTP server → built-in
 * routes → plugin host (→ clusters, topology, API as they land), prints
 * `listening on http://HOST:PORT`, and returns; the caller runs the loop.
 * SIGINT/SIGTERM drain it (stop accepting, finish in-flight requests until
 * the drain deadline, close streams, flush the database); SIGHUP reloads
 * the plugins. When everything is closed the loop has no handles left and
 * kb_loop_run returns; app_free then releases what is left.
 */
#ifndef KB_APP_H
#define KB_APP_H

#include "base/err.h"
#include "config/config.h"
#include "http/http.h"
#include "loop/loop.h"

typedef struct app app_t;

/* The embedded UI, generated at build time from ui/dist (may be empty). */
extern const http_asset_t kb_ui_assets[];
extern const size_t kb_ui_nassets;

/* cfg must outlive the app. On failure everything started is undone. */
app_t *app_start(kb_loop_t *loop, const kb_config_t *cfg, err_t *err);
void app_free(app_t *a);

/* Split "HOST:PORT" or "[v6]:PORT"; host written to host (NUL-terminated). */
int app_parse_listen(const char *listen, char *host, size_t hostsz, int *port, err_t *err);

#endif
